//! Web tests: requests through the router (and, in `server`, over a real socket), against a real
//! database — SQLite, or PostgreSQL when `JIEBANG_TEST_DATABASE_URL` is set.

#![allow(missing_docs)]

mod accounts;
mod api;
mod catalogue;
mod evaluation;
mod pages;
mod projects;
mod queries;
mod roles;
mod selection;
mod server;
mod service;
mod snapshots;

use std::sync::Arc;

use axum::body::Body;
use axum::http::{Method, Request, StatusCode, header};
use jiebang_core::role::{Grant, Role, Scope};
use jiebang_store::testing::TestStore;
use jiebang_web::{AppState, WebConfig, router};
use serde_json::{Value, json};
use tower::ServiceExt;

/// A test application with one account per role.
pub struct TestApp {
    pub t: TestStore,
    pub router: axum::Router,
    pub tokens: std::collections::HashMap<&'static str, String>,
    /// A published program organized by `organizer`.
    pub program: i64,
    /// A draft program organized by `organizer`.
    pub draft: i64,
    /// A challenge on `program`.
    pub challenge: i64,
    /// The applicant's organization, registered for `challenge`.
    pub organization: i64,
    /// A dataset version of `challenge`: hidden `labels.csv`, public `train.csv`.
    pub dataset: i64,
    /// An open phase of `challenge` scoring on the public split.
    pub phase: i64,
    /// The applicant's scored submission.
    pub scored: i64,
    /// The applicant's queued submission.
    pub queued: i64,
    /// The platform's public key.
    pub public_key: String,
    /// A draft application led by the applicant's organization on `challenge`.
    pub application: i64,
    /// A project of that application (as if the program were announced; the store suite walks
    /// the real way there).
    pub project: i64,
    /// The server's clock (tests move it forward).
    pub clock: jiebang_web::Clock,
    /// User ids by role name.
    pub ids: std::collections::HashMap<&'static str, i64>,
}

/// The hidden labels of the test app's dataset.
pub const LABELS: &str = "id,label,split\n1,1,public\n2,0,public\n3,1,private\n4,0,private\n";

/// The accounts every test app has, by name.
pub const ROLES: [&str; 6] = ["admin", "organizer", "other_organizer", "expert", "recommender", "applicant"];

pub fn challenge_json(code: &str) -> Value {
    json!({
        "code": code, "title": "化工安全大模型", "direction": "人工智能+制造", "task_class": "示范应用",
        "industries": ["C26"], "region": "370100",
        "indicators": [
            {"name": "F1", "metric": "f1", "op": ">=", "threshold": 0.92},
            {"name": "时延", "metric": "latency_p99_ms", "op": "<=", "threshold": 200, "unit": "ms", "hard": false, "weight": 20}
        ]
    })
}

/// An application of `lead` (alone) to the test challenge, meeting both indicators.
pub fn application_json(lead: i64, project: &str) -> Value {
    json!({
        "project_name": project, "lead_organization_id": lead,
        "leader": {"name": "王工", "organization_id": lead},
        "summary": "技术路线", "budget": [{"source": "self_funded", "amount_wan": 500}],
        "commitments": [{"indicator": "F1", "value": 0.95}, {"indicator": "时延", "value": 150}]
    })
}

pub fn program_json(title: &str) -> Value {
    json!({"title": title, "issuer": "山东省工业和信息化厅", "year": 2025})
}

/// A dataset version (hidden labels, public train file) and an open phase for `challenge`.
async fn evaluation_setup(t: &TestStore, challenge: i64) -> (i64, i64) {
    use jiebang_core::evaluation::{PhaseInput, Quotas};
    use jiebang_store::{DatasetFileInput, ScoringSpec};
    let labels = t.store.save_file(&t.files, "labels.csv", LABELS.as_bytes().to_vec(), None).await.unwrap();
    let train = t.store.save_file(&t.files, "train.csv", b"id,x,label\n9,0.5,1\n".to_vec(), None).await.unwrap();
    let scoring = ScoringSpec::binary("split");
    let files = vec![
        DatasetFileInput { purpose: "labels".into(), file: labels },
        DatasetFileInput { purpose: "train".into(), file: train },
    ];
    let dataset = t.store.create_dataset_version(challenge, scoring, "", files, None).await.unwrap().id;
    let phase: PhaseInput = serde_json::from_value(json!({
        "kind": "development", "name": "开发阶段", "opens_on": "2020-01-01", "closes_on": "2099-12-31",
        "split": "public", "visibility": "public",
        "quotas": Quotas { per_day: 0, total: 0, concurrent: 0, invalid: 0 }
    }))
    .unwrap();
    let phase = t.store.create_phase(challenge, dataset, phase, None).await.unwrap().id;
    (dataset, phase)
}

impl TestApp {
    pub async fn new() -> Self {
        Self::with_config(WebConfig::default()).await
    }

    pub async fn with_config(config: WebConfig) -> Self {
        let t = TestStore::new().await;
        let store = &t.store;
        let org = jiebang_core::organization::OrganizationInput {
            name: "云鼎科技".into(),
            credit_code: jiebang_core::uscc::CreditCode::with_check_character("91370100MA3DEM001").unwrap().to_string(),
            kind: "enterprise".into(),
            region: "370100".into(),
            industries: vec![],
            ..Default::default()
        };
        let organization = store.create_organization(&org.validate().unwrap(), None).await.unwrap().id;
        let mut tokens = std::collections::HashMap::new();
        let mut ids = std::collections::HashMap::new();
        for (name, grant) in [
            ("admin", Grant { role: Role::Admin, scope: Scope::Global }),
            ("organizer", Grant { role: Role::Organizer, scope: Scope::Global }),
            ("other_organizer", Grant { role: Role::Organizer, scope: Scope::Global }),
            ("expert", Grant { role: Role::Expert, scope: Scope::Global }),
            ("recommender", Grant { role: Role::Recommender, scope: Scope::Region("370100".into()) }),
            ("applicant", Grant { role: Role::Applicant, scope: Scope::Organization(organization) }),
        ] {
            let user = store.create_user(&format!("{name}@example.cn"), name, "correct-horse-42").await.unwrap();
            store.add_grant(user.id, &grant).await.unwrap();
            tokens.insert(name, store.create_api_token(user.id, "test", None).await.unwrap().1);
            ids.insert(name, user.id);
        }
        let input: jiebang_core::program::ProgramInput = serde_json::from_value(program_json("已发榜批次")).unwrap();
        let program = store.create_program(input.clone(), Some(ids["organizer"]), false).await.unwrap().id;
        store.transition_program(program, jiebang_core::program::ProgramStatus::Published, None).await.unwrap();
        let draft = store.create_program(input, Some(ids["organizer"]), false).await.unwrap().id;
        let challenge: jiebang_core::challenge::ChallengeInput =
            serde_json::from_value(challenge_json("SD-01")).unwrap();
        let challenge = store.create_challenge(program, &challenge.validate().unwrap(), None).await.unwrap().id;
        let (dataset, phase) = evaluation_setup(&t, challenge).await;
        store.register_participant(challenge, organization, ids["applicant"]).await.unwrap();
        let submit = |predictions: &'static str| {
            let (t, applicant) = (&t, ids["applicant"]);
            async move {
                let file =
                    t.store.save_file(&t.files, "pred.csv", predictions.as_bytes().to_vec(), None).await.unwrap();
                t.store
                    .create_submission(&jiebang_store::NewSubmission::new(
                        phase,
                        organization,
                        applicant,
                        &file,
                        jiebang_store::today(),
                    ))
                    .await
                    .unwrap()
                    .id
            }
        };
        let scored = submit("id,score\n1,0.9\n2,0.2\n3,0.8\n4,0.4\n").await;
        let signer = Arc::new(jiebang_store::signing::Signer::load_or_create(&t.files).await.unwrap());
        let worker =
            jiebang_worker::Worker::start(t.store.clone(), t.files.clone(), signer.clone(), "t", Default::default())
                .await
                .unwrap();
        assert!(worker.step().await.unwrap());
        let queued = submit("id,score\n1,0.6\n2,0.5\n3,0.7\n4,0.1\n").await;
        let public_key = signer.public_key_hex();
        let application: jiebang_core::application::ApplicationInput =
            serde_json::from_value(application_json(organization, "云鼎化工行业大模型")).unwrap();
        let application = store
            .create_application(challenge, &application, ids["applicant"], jiebang_store::today())
            .await
            .unwrap()
            .id;
        store
            .execute_unchecked(&format!(
                "INSERT INTO projects (application_id, program_id, challenge_id, lead_organization_id, name, state, \
                 committed, snapshot_sha256, created_at, updated_at) VALUES ({application}, {program}, {challenge}, \
                 {organization}, '云鼎化工行业大模型', 'drafting', '[]', '', '2026-01-01', '2026-01-01')"
            ))
            .await
            .unwrap();
        let project = store.list_projects(program).await.unwrap()[0].id;
        let clock = jiebang_web::Clock::default();
        let state = AppState {
            store: t.store.clone(),
            files: t.files.clone(),
            config: Arc::new(config),
            signer,
            sealer: Arc::new(jiebang_store::secrets::Sealer::load_or_create(&t.files, None).await.unwrap()),
            calendar: Arc::new(jiebang_core::calendar::WorkCalendar::shipped()),
            clock: clock.clone(),
            cache: Arc::new(jiebang_web::cache::PublicCache::new(jiebang_web::cache::CacheSettings {
                recheck: std::time::Duration::ZERO,
                ..Default::default()
            })),
            search: Arc::new(jiebang_web::app::search::Search::new().unwrap()),
        };
        Self {
            router: router(state),
            t,
            tokens,
            program,
            draft,
            challenge,
            organization,
            dataset,
            phase,
            scored,
            queued,
            public_key,
            application,
            project,
            clock,
            ids,
        }
    }

    /// Sends a request as `who` (a role name, or `None` for anonymous).
    pub async fn send(&self, request: Request<Body>) -> (StatusCode, axum::http::HeaderMap, Vec<u8>) {
        let response = self.router.clone().oneshot(request).await.unwrap();
        let status = response.status();
        let headers = response.headers().clone();
        let body = axum::body::to_bytes(response.into_body(), 64 << 20).await.unwrap().to_vec();
        (status, headers, body)
    }

    pub fn request(&self, method: Method, path: &str, who: Option<&str>, body: Option<&Value>) -> Request<Body> {
        let mut builder = Request::builder().method(method).uri(path);
        if let Some(who) = who {
            builder = builder.header(header::AUTHORIZATION, format!("Bearer {}", self.tokens[who]));
        }
        match body {
            Some(json) => {
                builder.header(header::CONTENT_TYPE, "application/json").body(Body::from(json.to_string())).unwrap()
            }
            None => builder.body(Body::empty()).unwrap(),
        }
    }

    /// A JSON request; returns status and parsed body (Null when empty or not JSON).
    pub async fn json(
        &self,
        method: Method,
        path: &str,
        who: Option<&str>,
        body: Option<Value>,
    ) -> (StatusCode, Value) {
        let (status, _, bytes) = self.send(self.request(method, path, who, body.as_ref())).await;
        (status, serde_json::from_slice(&bytes).unwrap_or(Value::Null))
    }

    /// A multipart upload of one file under field `file`.
    pub fn upload(&self, path: &str, who: Option<&str>, name: &str, bytes: &[u8]) -> Request<Body> {
        self.upload_with(path, who, &[], name, bytes)
    }

    /// A multipart upload of text fields and one file under field `file`.
    pub fn upload_with(
        &self,
        path: &str,
        who: Option<&str>,
        fields: &[(&str, String)],
        name: &str,
        bytes: &[u8],
    ) -> Request<Body> {
        let boundary = "jiebang-test-boundary";
        let mut body = Vec::new();
        for (field, value) in fields {
            body.extend_from_slice(
                format!("--{boundary}\r\nContent-Disposition: form-data; name=\"{field}\"\r\n\r\n{value}\r\n")
                    .as_bytes(),
            );
        }
        body.extend(format!("--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{name}\"\r\nContent-Type: application/octet-stream\r\n\r\n").into_bytes());
        body.extend_from_slice(bytes);
        body.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
        let mut builder = Request::builder()
            .method(Method::POST)
            .uri(path)
            .header(header::CONTENT_TYPE, format!("multipart/form-data; boundary={boundary}"));
        if let Some(who) = who {
            builder = builder.header(header::AUTHORIZATION, format!("Bearer {}", self.tokens[who]));
        }
        builder.body(Body::from(body)).unwrap()
    }

    /// A form post, as a browser sends it from this site.
    pub fn form(&self, path: &str, cookie: Option<&str>, pairs: &[(&str, &str)]) -> Request<Body> {
        let body: String =
            pairs.iter().map(|(k, v)| format!("{}={}", urlencode(k), urlencode(v))).collect::<Vec<_>>().join("&");
        let mut builder = Request::builder()
            .method(Method::POST)
            .uri(path)
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .header("sec-fetch-site", "same-origin");
        if let Some(cookie) = cookie {
            builder = builder.header(header::COOKIE, cookie);
        }
        builder.body(Body::from(body)).unwrap()
    }

    /// Signs in through the login page; returns the `Cookie` header value to send back.
    pub async fn login_cookie(&self, who: &str) -> String {
        let (status, headers, _) = self
            .send(self.form(
                "/login",
                None,
                &[("email", &format!("{who}@example.cn")), ("password", "correct-horse-42"), ("next", "/")],
            ))
            .await;
        assert_eq!(status, StatusCode::SEE_OTHER);
        let set_cookie = headers.get(header::SET_COOKIE).unwrap().to_str().unwrap();
        set_cookie.split(';').next().unwrap().to_owned()
    }
}

pub fn urlencode(text: &str) -> String {
    text.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

pub fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}
