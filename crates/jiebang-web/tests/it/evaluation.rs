//! The evaluation API as organizers and teams use it, and the promise that hidden labels never
//! leave the server.

use axum::body::Body;
use axum::http::{Method, Request, StatusCode, header};
use serde_json::{Value, json};

use crate::{LABELS, ROLES, TestApp, text};

/// A multipart request with text fields and files `(field, file name, bytes)`.
fn multipart(
    path: &str,
    who: &str,
    app: &TestApp,
    fields: &[(&str, &str)],
    files: &[(&str, &str, &[u8])],
) -> Request<Body> {
    let boundary = "jiebang-test-boundary";
    let mut body = Vec::new();
    for (name, value) in fields {
        body.extend(
            format!("--{boundary}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n").into_bytes(),
        );
    }
    for (field, name, bytes) in files {
        body.extend(
            format!("--{boundary}\r\nContent-Disposition: form-data; name=\"{field}\"; filename=\"{name}\"\r\n\r\n")
                .into_bytes(),
        );
        body.extend_from_slice(bytes);
        body.extend_from_slice(b"\r\n");
    }
    body.extend(format!("--{boundary}--\r\n").into_bytes());
    Request::builder()
        .method(Method::POST)
        .uri(path)
        .header(header::CONTENT_TYPE, format!("multipart/form-data; boundary={boundary}"))
        .header(header::AUTHORIZATION, format!("Bearer {}", app.tokens[who]))
        .body(Body::from(body))
        .unwrap()
}

#[tokio::test]
async fn an_organizer_adds_a_dataset_version_and_teams_see_and_download_only_its_public_files() {
    let app = TestApp::new().await;
    let path = format!("/api/v1/challenges/{}/datasets", app.challenge);
    let labels = b"id,label\n1,1\n2,0\n";
    let files: [(&str, &str, &[u8]); 3] = [
        ("labels", "test_labels.csv", labels),
        ("test_features", "test.csv", b"id,x\n1,0.3\n2,0.9\n"),
        ("sample_submission", "sample.csv", b"id,score\n1,0.5\n2,0.5\n"),
    ];
    let (status, _, body) =
        app.send(multipart(&path, "organizer", &app, &[("task", "binary"), ("note", "第二版")], &files)).await;
    assert_eq!(status, StatusCode::CREATED, "{}", text(&body));
    let created: Value = serde_json::from_slice(&body).unwrap();
    assert_eq!(created["version"], 2);
    assert_eq!(created["files"].as_array().unwrap().len(), 3);
    let (_, listed) = app.json(Method::GET, &path, Some("applicant"), None).await;
    let names: Vec<&str> = listed[0]["files"].as_array().unwrap().iter().map(|f| f["name"].as_str().unwrap()).collect();
    assert_eq!(names, ["sample.csv", "test.csv"], "the team does not even see the hidden file listed");
    let (_, listed) = app.json(Method::GET, &path, Some("organizer"), None).await;
    assert_eq!(listed[0]["files"].as_array().unwrap().len(), 3);
    let app = &app;
    let download = |who: &'static str, name: &str| {
        let path = format!("/api/v1/datasets/{}/files/{name}", created["id"]);
        let request = app.request(Method::GET, &path, Some(who), None);
        async move { app.send(request).await }
    };
    let (status, _, body) = download("applicant", "test.csv").await;
    assert_eq!((status, body.as_slice()), (StatusCode::OK, b"id,x\n1,0.3\n2,0.9\n".as_slice()));
    assert_eq!(download("applicant", "test_labels.csv").await.0, StatusCode::NOT_FOUND);
    let (status, _, body) = download("organizer", "test_labels.csv").await;
    assert_eq!((status, body.as_slice()), (StatusCode::OK, labels.as_slice()));
    // Without exactly one labels file, nothing is created and the problem is named.
    let (status, _, body) =
        app.send(multipart(&path, "organizer", app, &[("task", "ranking")], &[("train", "t.csv", b"id\n1\n")])).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    let error: Value = serde_json::from_slice(&body).unwrap();
    let fields: Vec<&str> =
        error["error"]["details"].as_array().unwrap().iter().map(|d| d["field"].as_str().unwrap()).collect();
    assert_eq!(fields, ["task", "files"]);
    assert_eq!(app.json(Method::GET, &path, Some("organizer"), None).await.1.as_array().unwrap().len(), 2);
}

#[tokio::test]
async fn a_team_submits_sees_its_queue_position_and_a_signed_report_of_the_public_split_only() {
    let app = TestApp::new().await;
    let path = format!("/api/v1/phases/{}/submissions", app.phase);
    let organization = app.organization.to_string();
    let fields = [("organization_id", organization.as_str()), ("note", "第一次")];
    let pred: &[u8] = b"id,score\n1,0.7\n2,0.1\n3,0.2\n4,0.9\n";
    let (status, _, body) = app.send(multipart(&path, "applicant", &app, &fields, &[("file", "p.csv", pred)])).await;
    assert_eq!(status, StatusCode::CREATED, "{}", text(&body));
    let submission: Value = serde_json::from_slice(&body).unwrap();
    assert_eq!(submission["state"], "queued");
    assert_eq!(submission["queue_position"], 1, "behind the test app's queued submission");
    assert_eq!(submission["note"], "第一次");
    let (_, listed) = app.json(Method::GET, &path, Some("applicant"), None).await;
    assert_eq!(listed.as_array().unwrap().len(), 3);
    // The scored one shows the public split's scores only.
    let (status, scored) =
        app.json(Method::GET, &format!("/api/v1/submissions/{}", app.scored), Some("applicant"), None).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(scored["state"], "scored");
    // The challenge's indicator f1 on the public rows: 1 (0.9, positive) and 2 (0.2, negative).
    assert_eq!(scored["scores"], json!({"f1@0.5": 1.0}));
    let report = format!("/api/v1/submissions/{}/report", app.scored);
    // Before the private results are published the team gets its own signed view: the public
    // split only, indicators judged on it, nothing computed over the hidden rows.
    let (status, team) = app.json(Method::GET, &report, Some("applicant"), None).await;
    assert_eq!(status, StatusCode::OK);
    let view = &team["report"];
    assert_eq!((view["view"].as_str(), view["visible_split"].as_str()), (Some("team"), Some("public")), "{view}");
    assert_eq!(view["splits"].as_object().unwrap().keys().collect::<Vec<_>>(), ["public"]);
    assert_eq!(view["metrics"], view["splits"]["public"], "the headline scores are the public split's");
    assert_eq!(view["indicators"][0]["value"], view["splits"]["public"]["f1@0.5"]);
    assert!(view.get("intervals").is_none() && view.get("verdict").is_none(), "{view}");
    let team_message = jiebang_core::canonical::to_string(view);
    assert!(jiebang_store::signing::verify(
        &app.public_key,
        team_message.as_bytes(),
        team["signature"].as_str().unwrap()
    ));
    let (status, signed) = app.json(Method::GET, &report, Some("organizer"), None).await;
    assert_eq!(status, StatusCode::OK);
    let (_, keys) = app.json(Method::GET, "/api/v1/keys", None, None).await;
    assert_eq!(signed["public_key"], keys["report_signing"]);
    let message = jiebang_core::canonical::to_string(&signed["report"]);
    let signature = signed["signature"].as_str().unwrap();
    assert_eq!(signed["canonicalization"], "RFC8785");
    assert!(jiebang_store::signing::verify(&app.public_key, message.as_bytes(), signature));
    assert_eq!(signed["report"]["splits"]["private"]["f1@0.5"], 1.0);
    // Cancelling the queued one works once.
    let cancel = format!("/api/v1/submissions/{}/cancel", submission["id"]);
    let (status, cancelled) = app.json(Method::POST, &cancel, Some("applicant"), None).await;
    assert_eq!((status, cancelled["state"].as_str()), (StatusCode::OK, Some("cancelled")));
    assert_eq!(app.json(Method::POST, &cancel, Some("applicant"), None).await.0, StatusCode::CONFLICT);
}

#[tokio::test]
async fn a_phase_closes_on_the_platforms_clock() {
    let app = TestApp::new().await;
    let today = jiebang_store::today();
    let closes = jiebang_core::program::Day(today.0 + time::Duration::days(2));
    let phase = json!({
        "dataset_id": app.dataset, "kind": "development", "name": "两天的阶段", "opens_on": today.to_string(),
        "closes_on": closes.to_string(), "split": "public", "visibility": "participants"
    });
    let (status, created) = app
        .json(Method::POST, &format!("/api/v1/challenges/{}/phases", app.challenge), Some("organizer"), Some(phase))
        .await;
    assert_eq!(status, StatusCode::CREATED, "{created}");
    let path = format!("/api/v1/phases/{}/submissions", created["id"]);
    let organization = app.organization.to_string();
    let upload = || {
        let fields = [("organization_id", organization.as_str())];
        multipart(&path, "applicant", &app, &fields, &[("file", "p.csv", b"id,score\n1,0.5\n2,0.5\n3,0.5\n4,0.5\n")])
    };
    assert_eq!(app.send(upload()).await.0, StatusCode::CREATED, "open today");
    let form_page = format!("/phases/{}?tab=submit", created["id"]);
    let page = app.send(app.request(Method::GET, &form_page, Some("applicant"), None)).await;
    assert!(text(&page.2).contains("data-testid=\"submit-form\""), "the page offers an upload while open");
    // What is left before a file is chosen: the default quotas (5 a day, 100 in all) less one.
    let quota =
        text(&page.2).split("data-testid=\"quota-left\">").nth(1).unwrap().split("</p>").next().unwrap().to_owned();
    assert!(quota.contains("<strong>4</strong>") && quota.contains("<strong>99</strong>"), "{quota}");
    app.clock.advance(3);
    let (status, _, body) = app.send(upload()).await;
    assert_eq!(status, StatusCode::CONFLICT, "{}", text(&body));
    assert!(text(&body).contains(&format!("to {closes}")), "the refusal names the dates: {}", text(&body));
    let page = app.send(app.request(Method::GET, &form_page, Some("applicant"), None)).await;
    assert!(!text(&page.2).contains("data-testid=\"submit-form\""), "the page offers no upload once closed");
}

#[tokio::test]
async fn quotas_and_registration_refuse_with_the_reason() {
    let app = TestApp::new().await;
    let phase = json!({
        "dataset_id": app.dataset, "kind": "final", "name": "最终阶段", "opens_on": "2020-01-01",
        "closes_on": "2099-12-31", "split": "private", "visibility": "participants",
        "quotas": {"per_day": 1, "total": 10, "concurrent": 0, "invalid": 5}
    });
    let (status, created) = app
        .json(Method::POST, &format!("/api/v1/challenges/{}/phases", app.challenge), Some("organizer"), Some(phase))
        .await;
    assert_eq!(status, StatusCode::CREATED, "{created}");
    let path = format!("/api/v1/phases/{}/submissions", created["id"]);
    let organization = app.organization.to_string();
    let upload = |who: &'static str, organization: &str| {
        let fields = [("organization_id", organization)];
        multipart(&path, who, &app, &fields, &[("file", "p.csv", b"id,score\n1,0.5\n2,0.5\n3,0.5\n4,0.5\n")])
    };
    assert_eq!(app.send(upload("applicant", &organization)).await.0, StatusCode::CREATED);
    let (status, _, body) = app.send(upload("applicant", &organization)).await;
    assert_eq!(status, StatusCode::CONFLICT);
    assert!(text(&body).contains("at most 1 submission(s) per 24 hours"), "{}", text(&body));
    // An organization that has not registered cannot submit, even for an admin.
    let other = app
        .t
        .store
        .create_organization(
            &jiebang_core::organization::OrganizationInput {
                name: "未报名单位".into(),
                credit_code: jiebang_core::uscc::CreditCode::with_check_character("91370100MA3DEM002")
                    .unwrap()
                    .to_string(),
                kind: "enterprise".into(),
                region: "370100".into(),
                industries: vec![],
                ..Default::default()
            }
            .validate()
            .unwrap(),
            None,
        )
        .await
        .unwrap();
    let (status, _, body) = app.send(upload("admin", &other.id.to_string())).await;
    assert_eq!(status, StatusCode::CONFLICT);
    assert!(text(&body).contains("has not registered"), "{}", text(&body));
}

#[tokio::test]
async fn no_answer_to_any_role_carries_the_hidden_labels() {
    let app = TestApp::new().await;
    let mut paths = vec![
        format!("/api/v1/challenges/{}/datasets", app.challenge),
        format!("/api/v1/challenges/{}/phases", app.challenge),
        format!("/api/v1/phases/{}/submissions", app.phase),
        format!("/api/v1/submissions/{}", app.scored),
        format!("/api/v1/submissions/{}/report", app.scored),
        format!("/api/v1/datasets/{}/files/train.csv", app.dataset),
        format!("/api/v1/challenges/{}", app.challenge),
        format!("/challenges/{}", app.challenge),
    ];
    paths.push(format!("/api/v1/datasets/{}/files/labels.csv", app.dataset));
    for path in &paths {
        for who in std::iter::once(None).chain(ROLES.iter().map(|r| Some(*r))) {
            let manages = matches!(who, Some("admin" | "organizer"));
            let (status, _, body) = app.send(app.request(Method::GET, path, who, None)).await;
            let body = text(&body);
            if !manages {
                assert!(!body.contains(LABELS), "{path} as {who:?} ({status}) returned the hidden labels");
                // (A 404 may repeat the name the caller asked for.)
                if !path.contains("labels.csv") {
                    assert!(!body.contains("labels.csv"), "{path} as {who:?} ({status}) names the hidden file");
                }
            }
        }
    }
}

#[tokio::test]
async fn uploading_the_hidden_files_bytes_does_not_reveal_its_name() {
    let app = TestApp::new().await;
    let path = format!("/api/v1/phases/{}/submissions", app.phase);
    let organization = app.organization.to_string();
    let fields = [("organization_id", organization.as_str())];
    let upload = [("file", "guess.csv", LABELS.as_bytes())];
    let (status, _, body) = app.send(multipart(&path, "applicant", &app, &fields, &upload)).await;
    assert_eq!(status, StatusCode::CREATED, "{}", text(&body));
    let id = serde_json::from_slice::<Value>(&body).unwrap()["id"].clone();
    for path in [format!("/api/v1/submissions/{id}"), path.clone(), format!("/phases/{}?tab=mine", app.phase)] {
        let (_, _, body) = app.send(app.request(Method::GET, &path, Some("applicant"), None)).await;
        let body = text(&body);
        assert!(!body.contains("labels.csv"), "{path} names the hidden file: {body}");
    }
    let (_, submission) = app.json(Method::GET, &format!("/api/v1/submissions/{id}"), Some("applicant"), None).await;
    assert_eq!(submission["file_name"], "guess.csv", "{submission}");
}

#[tokio::test]
async fn the_leaderboard_ranks_on_the_public_split_until_the_private_one_is_published() {
    let app = TestApp::new().await;
    // A baseline from the organizers, scored like any submission.
    let path = format!("/api/v1/phases/{}/submissions", app.phase);
    let organization = app.organization.to_string();
    let fields = [("organization_id", organization.as_str()), ("baseline", "true")];
    let baseline: &[u8] = b"id,score\n1,0.4\n2,0.3\n3,0.6\n4,0.2\n";
    let (status, _, body) =
        app.send(multipart(&path, "organizer", &app, &fields, &[("file", "b.csv", baseline)])).await;
    assert_eq!(status, StatusCode::CREATED, "{}", text(&body));
    let signer = std::sync::Arc::new(jiebang_store::signing::Signer::load_or_create(&app.t.files).await.unwrap());
    let worker =
        jiebang_worker::Worker::start(app.t.store.clone(), app.t.files.clone(), signer, "b", Default::default())
            .await
            .unwrap();
    while worker.step().await.unwrap() {}
    let board_path = format!("/api/v1/phases/{}/leaderboard", app.phase);
    let (status, board) = app.json(Method::GET, &board_path, None, None).await;
    assert_eq!(status, StatusCode::OK, "{board}");
    assert_eq!((board["primary"].as_str(), board["direction"].as_str()), (Some("f1@0.5"), Some("higher")));
    // Every indicator of the challenge, by name, as published; latency is not measured on a
    // prediction file, so its column says so rather than vanishing.
    assert_eq!(
        board["indicators"],
        json!([
            {"name": "F1", "expr": "f1>=0.92", "metric": "f1@0.5", "op": ">=", "threshold": 0.92},
            {"name": "时延", "expr": "latency_p99_ms<=200", "metric": "latency_p99_ms", "op": "<=", "threshold": 200.0}
        ])
    );
    let rows = board["rows"].as_array().unwrap();
    // The team's two submissions: f1 1.0 (scored) and 2/3 (the queued one, scored now); its best counts.
    assert_eq!(rows[0]["rank"], 1);
    assert_eq!(rows[0]["score"], 1.0);
    assert_eq!(rows[0]["entries"], 2);
    assert_eq!(rows[0]["passes"], json!([true, null]), "F1 met; latency not measured");
    // The team sees 2/3 at the board's four decimals, never finer.
    let (_, queued) =
        app.json(Method::GET, &format!("/api/v1/submissions/{}", app.queued), Some("applicant"), None).await;
    assert_eq!(queued["scores"]["f1@0.5"], 0.6667, "{queued}");
    // The baseline predicts nothing positive on the public rows: f1 0, listed unranked.
    assert_eq!((rows[1]["rank"].clone(), rows[1]["baseline"].clone()), (Value::Null, json!(true)));
    let private = format!("{board_path}?split=private");
    assert_eq!(app.json(Method::GET, &private, Some("applicant"), None).await.0, StatusCode::CONFLICT);
    assert_eq!(app.json(Method::GET, &private, Some("organizer"), None).await.0, StatusCode::OK);
    let report = format!("/api/v1/submissions/{}/report", app.scored);
    assert_eq!(app.json(Method::GET, &report, Some("applicant"), None).await.1["report"]["view"], "team");
    let publish = format!("/api/v1/phases/{}/publish", app.phase);
    assert_eq!(app.json(Method::POST, &publish, Some("applicant"), None).await.0, StatusCode::FORBIDDEN);
    let (status, phase) = app.json(Method::POST, &publish, Some("organizer"), None).await;
    assert_eq!((status, phase["private_published"].clone()), (StatusCode::OK, json!(true)));
    assert_eq!(app.json(Method::GET, &private, Some("applicant"), None).await.0, StatusCode::OK);
    assert_eq!(app.json(Method::GET, &report, Some("applicant"), None).await.0, StatusCode::OK);
    let (status, headers, body) =
        app.send(app.request(Method::GET, &format!("{board_path}?format=csv"), None, None)).await;
    assert_eq!(status, StatusCode::OK);
    assert!(headers[header::CONTENT_TYPE].to_str().unwrap().starts_with("text/csv"));
    let csv = text(&body);
    assert!(csv.starts_with("\u{feff}排名 rank,团队 team"), "{csv}");
    assert!(csv.contains("\n1,云鼎科技,"), "{csv}");
    let (status, headers, body) =
        app.send(app.request(Method::GET, &format!("{board_path}?format=xlsx"), None, None)).await;
    assert_eq!(status, StatusCode::OK);
    assert!(headers[header::CONTENT_TYPE].to_str().unwrap().contains("spreadsheetml"));
    assert!(body.starts_with(b"PK"), "an xlsx workbook");
}

#[tokio::test]
async fn the_queue_and_metrics_show_jobs_workers_and_phases() {
    let app = TestApp::new().await;
    let (status, queue) = app.json(Method::GET, "/api/v1/queue", Some("organizer"), None).await;
    assert_eq!(status, StatusCode::OK);
    // The test app has one scored and one queued submission, scored by one worker.
    assert_eq!((queue["jobs"]["queued"].as_i64(), queue["jobs"]["done"].as_i64()), (Some(1), Some(1)));
    assert!(queue["oldest_wait_seconds"].as_f64().unwrap() >= 0.0);
    assert_eq!(queue["workers"].as_array().unwrap().len(), 1);
    assert_eq!(queue["phases"][0]["states"], json!({"queued": 1, "scored": 1}));
    let (status, _, body) = app.send(app.request(Method::GET, "/metrics", Some("admin"), None)).await;
    assert_eq!(status, StatusCode::OK);
    let metrics = text(&body);
    assert!(metrics.contains("jiebang_jobs{state=\"queued\"} 1\n"), "{metrics}");
    assert!(
        metrics.contains(&format!("jiebang_submissions{{phase=\"{}\",state=\"scored\"}} 1\n", app.phase)),
        "{metrics}"
    );
    assert!(metrics.contains("# TYPE jiebang_workers gauge\njiebang_workers 1\n"), "{metrics}");
}

/// A page as `who` sees it: status and HTML.
async fn page(app: &TestApp, path: &str, who: Option<&str>) -> (StatusCode, String) {
    let (status, _, body) = app.send(app.request(Method::GET, path, who, None)).await;
    (status, text(&body))
}

#[tokio::test]
async fn the_phase_page_shows_data_submissions_and_the_board_by_tab_without_hidden_files() {
    let app = TestApp::new().await;
    let (status, challenge) = page(&app, &format!("/challenges/{}", app.challenge), None).await;
    assert_eq!(status, StatusCode::OK);
    assert!(challenge.contains(&format!("href=\"/phases/{}\"", app.phase)), "the challenge links its phases");
    let base = format!("/phases/{}", app.phase);
    let (status, data) = page(&app, &base, Some("applicant")).await;
    assert_eq!(status, StatusCode::OK);
    assert!(data.contains("train.csv") && data.contains(&format!("/api/v1/datasets/{}/files/train.csv", app.dataset)));
    assert!(!data.contains("labels.csv"), "the team's page does not list the hidden file");
    assert!(data.contains("已报名"));
    let (_, organizer) = page(&app, &base, Some("organizer")).await;
    assert!(organizer.contains("labels.csv") && organizer.contains("测试标签（隐藏）"));
    let (_, anonymous) = page(&app, &base, None).await;
    assert!(
        anonymous.contains("登录后报名参加") && !anonymous.contains("/files/train.csv"),
        "no download link before registering"
    );
    // My submissions: the queued one polls for updates, the scored one shows its public scores.
    let (_, mine) = page(&app, &format!("{base}?tab=mine"), Some("applicant")).await;
    assert!(mine.contains(&format!("hx-get=\"/phases/{}/mine\"", app.phase)), "polls while one is queued");
    assert!(mine.contains("data-state=\"queued\"") && mine.contains("前面还有 0 个"));
    assert!(mine.contains("<code>f1@0.5</code> 1.0000"), "{mine}");
    // Submitted at, in China Standard Time to the minute.
    let (_, scored) =
        app.json(Method::GET, &format!("/api/v1/submissions/{}", app.scored), Some("applicant"), None).await;
    let at = time::OffsetDateTime::parse(
        scored["created_at"].as_str().unwrap(),
        &time::format_description::well_known::Rfc3339,
    )
    .unwrap()
    .to_offset(time::macros::offset!(+8));
    let shown = at.format(time::macros::format_description!("[year]-[month]-[day] [hour]:[minute]")).unwrap();
    assert!(mine.contains(&shown), "{shown} in {mine}");
    // The board, with a bar per row and an indicator column; no inline styles (the CSP forbids them).
    let (_, board) = page(&app, &format!("{base}?tab=board"), None).await;
    assert!(board.contains("data-testid=\"leaderboard\"") && board.contains("<rect width=\"100\""), "{board}");
    assert!(board.contains("f1&#62;=0.92"), "the indicator column: {board}");
    assert!(!board.contains("data-testid=\"own-row\""), "no row is the public's own");
    let (_, own) = page(&app, &format!("{base}?tab=board"), Some("applicant")).await;
    assert!(own.contains("data-testid=\"own-row\"") && own.contains("未测"), "the team's row stands out: {own}");
    assert!(!board.contains("style=\""));
    let mut english = app.request(Method::GET, &format!("{base}?tab=mine"), Some("applicant"), None);
    english.headers_mut().insert(header::COOKIE, "lang=en".parse().unwrap());
    let english = text(&app.send(english).await.2);
    assert!(english.contains("My submissions") && english.contains("Leaderboard") && english.contains("0 ahead"));
}

#[tokio::test]
async fn a_team_submits_through_the_page_and_a_refusal_comes_back_with_its_reason() {
    let app = TestApp::new().await;
    let organization = app.organization.to_string();
    let path = format!("/phases/{}/submit", app.phase);
    let fields = [("organization_id", organization.as_str()), ("note", "页面提交")];
    let pred: &[u8] = b"id,score\n1,0.7\n2,0.1\n3,0.2\n4,0.9\n";
    let (status, headers, _) = app.send(multipart(&path, "applicant", &app, &fields, &[("file", "p.csv", pred)])).await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert_eq!(headers[header::LOCATION], format!("/phases/{}?tab=mine", app.phase));
    let (_, mine) = page(&app, &format!("/phases/{}/mine", app.phase), Some("applicant")).await;
    assert!(mine.contains("页面提交") && mine.contains("前面还有 1 个"), "{mine}");
    // An empty file is refused on the page itself, with the reason.
    let (status, _, body) = app.send(multipart(&path, "applicant", &app, &fields, &[("file", "e.csv", b"")])).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(text(&body).contains("文件是空的") && text(&body).contains("data-testid=\"submit-error\""));
    let (status, queue) = page(&app, "/queue", Some("organizer")).await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        queue.contains("评测队列") && queue.contains("data-testid=\"workers\"") && queue.contains("SD-01"),
        "{queue}"
    );
}

#[tokio::test]
async fn the_report_page_shows_the_organizers_everything_and_the_team_its_view_until_publication() {
    let app = TestApp::new().await;
    let path = format!("/submissions/{}/report", app.scored);
    assert_eq!(page(&app, &path, Some("expert")).await.0, StatusCode::NOT_FOUND);
    let (status, report) = page(&app, &path, Some("organizer")).await;
    assert_eq!(status, StatusCode::OK);
    assert!(report.contains("data-testid=\"report-metrics\"") && report.contains(&app.public_key), "{report}");
    assert!(report.contains("f1@0.5") && report.contains("private") && report.contains("1.000000"));
    assert!(!report.contains("data-testid=\"team-view\""));
    // The team opens its report from 我的提交 before publication: its own view, said so, with
    // 达标 / 未达标 per indicator and no private column.
    let (_, mine) = page(&app, &format!("/phases/{}?tab=mine", app.phase), Some("applicant")).await;
    assert!(mine.contains(&format!("href=\"{path}\"")), "a link from 我的提交");
    let (status, team) = page(&app, &path, Some("applicant")).await;
    assert_eq!(status, StatusCode::OK);
    assert!(team.contains("data-testid=\"team-view\"") && !team.contains("<code>private</code>"), "{team}");
    assert!(team.contains("达标") && team.contains(&app.public_key));
    app.json(Method::POST, &format!("/api/v1/phases/{}/publish", app.phase), Some("organizer"), None).await;
    let (_, team) = page(&app, &path, Some("applicant")).await;
    assert!(!team.contains("data-testid=\"team-view\"") && team.contains("<code>private</code>"), "the full report");
}

#[tokio::test]
async fn an_oversized_prediction_file_is_refused_and_an_outsider_cannot_upload_at_all() {
    let app = TestApp::with_config(jiebang_web::WebConfig { max_data_bytes: 64, ..Default::default() }).await;
    let path = format!("/api/v1/phases/{}/submissions", app.phase);
    let organization = app.organization.to_string();
    let fields = [("organization_id", organization.as_str())];
    let big = vec![b'1'; 1000];
    let (status, _, body) = app.send(multipart(&path, "applicant", &app, &fields, &[("file", "big.csv", &big)])).await;
    assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE, "{}", text(&body));
    assert!(text(&body).contains("exceeds the limit of 64 bytes"), "{}", text(&body));
    let small: &[u8] = b"id,score\n1,0.5\n";
    let (status, _, _) = app.send(multipart(&path, "expert", &app, &fields, &[("file", "p.csv", small)])).await;
    assert_eq!(status, StatusCode::FORBIDDEN, "refused before anything is stored");
}

#[tokio::test]
async fn an_organizer_sets_up_an_evaluation_through_the_pages() {
    let app = TestApp::new().await;
    let (status, setup) = page(&app, &format!("/challenges/{}/evaluation", app.challenge), Some("organizer")).await;
    assert_eq!(status, StatusCode::OK);
    assert!(setup.contains("data-testid=\"dataset-form\"") && setup.contains("data-testid=\"phase-form\""));
    let path = format!("/challenges/{}/datasets", app.challenge);
    let fields = [("task", "binary"), ("split_column", "split"), ("note", "页面上传")];
    let files: [(&str, &str, &[u8]); 2] = [("labels", "y.csv", LABELS.as_bytes()), ("train", "x.csv", b"id,x\n1,2\n")];
    let (status, headers, body) = app.send(multipart(&path, "organizer", &app, &fields, &files)).await;
    assert_eq!(status, StatusCode::SEE_OTHER, "{}", text(&body));
    assert_eq!(headers[header::LOCATION], format!("/challenges/{}/evaluation", app.challenge));
    let versions = app.t.store.list_dataset_versions(app.challenge).await.unwrap();
    assert_eq!((versions[0].version, versions[0].note.as_str()), (2, "页面上传"));
    // A phase with bad dates comes back with every problem named.
    let phase = format!("/challenges/{}/phases", app.challenge);
    let dataset = versions[0].id.to_string();
    let mut form = vec![
        ("dataset_id", dataset.as_str()),
        ("kind", "final"),
        ("name", "最终阶段"),
        ("opens_on", "2026-02-01"),
        ("closes_on", "2026-01-01"),
        ("split", "private"),
        ("visibility", "participants"),
        ("per_day", "2"),
        ("total", "10"),
        ("concurrent", "1"),
        ("invalid", "3"),
        ("counted", "1"),
        ("precision", "3"),
    ];
    let mut request = app.form(&phase, None, &form);
    request.headers_mut().insert(header::AUTHORIZATION, format!("Bearer {}", app.tokens["organizer"]).parse().unwrap());
    let (status, _, body) = app.send(request).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(text(&body).contains("截止日期：截止日期早于开始日期"), "{}", text(&body));
    form[4] = ("closes_on", "2026-03-01");
    let mut request = app.form(&phase, None, &form);
    request.headers_mut().insert(header::AUTHORIZATION, format!("Bearer {}", app.tokens["organizer"]).parse().unwrap());
    assert_eq!(app.send(request).await.0, StatusCode::SEE_OTHER);
    let phases = app.t.store.list_phases(app.challenge).await.unwrap();
    let created = phases.iter().find(|p| p.input.name == "最终阶段").unwrap();
    assert_eq!((created.input.counted, created.input.precision, created.input.quotas.per_day), (1, 3, 2));
}

#[tokio::test]
async fn organizers_rerun_a_whole_phase_and_earlier_reports_are_kept() {
    let app = TestApp::new().await;
    let rerun = format!("/api/v1/phases/{}/rerun", app.phase);
    assert_eq!(app.json(Method::POST, &rerun, Some("applicant"), None).await.0, StatusCode::FORBIDDEN);
    let (status, body) = app.json(Method::POST, &rerun, Some("organizer"), None).await;
    assert_eq!(
        (status, body["requeued"].as_u64()),
        (StatusCode::OK, Some(1)),
        "the scored one; the queued one waits anyway"
    );
    let (_, submission) =
        app.json(Method::GET, &format!("/api/v1/submissions/{}", app.scored), Some("applicant"), None).await;
    assert_eq!((submission["state"].as_str(), submission["runs"].as_i64()), (Some("queued"), Some(2)));
    assert_eq!(app.t.store.list_evaluations(app.scored).await.unwrap().len(), 1, "run 1's report is kept");
}

#[tokio::test]
async fn a_user_past_the_daily_upload_volume_gets_429_before_sending_more() {
    let app = TestApp::with_config(jiebang_web::WebConfig { daily_upload_bytes: 30, ..Default::default() }).await;
    let path = format!("/api/v1/phases/{}/submissions", app.phase);
    let organization = app.organization.to_string();
    let fields = [("organization_id", organization.as_str())];
    let pred: &[u8] = b"id,score\n1,0.7\n2,0.1\n3,0.2\n4,0.9\n";
    let (status, _, body) = app.send(multipart(&path, "applicant", &app, &fields, &[("file", "a.csv", pred)])).await;
    assert_eq!(status, StatusCode::CREATED, "{}", text(&body));
    let (status, headers, body) =
        app.send(multipart(&path, "applicant", &app, &fields, &[("file", "b.csv", b"id,score\n1,0.1\n")])).await;
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS, "{}", text(&body));
    assert!(headers.contains_key(axum::http::header::RETRY_AFTER));
}

#[tokio::test]
async fn a_prediction_file_far_larger_than_the_hidden_labels_allow_is_refused_unread() {
    let app = TestApp::new().await;
    let path = format!("/api/v1/phases/{}/submissions", app.phase);
    let organization = app.organization.to_string();
    let fields = [("organization_id", organization.as_str())];
    // Four truth rows cannot be answered by 2 MiB of predictions.
    let mut huge = b"id,score\n1,0.7\n2,0.1\n3,0.2\n4,0.9\n".to_vec();
    huge.resize(2 << 20, b'\n');
    let (status, _, body) = app.send(multipart(&path, "applicant", &app, &fields, &[("file", "big.csv", &huge)])).await;
    assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE, "{}", text(&body));
    assert_eq!(app.t.store.execute_unchecked("DELETE FROM files WHERE name = 'big.csv'").await.unwrap(), 0);
}

#[tokio::test]
async fn a_near_duplicate_shows_the_team_no_score_and_names_the_file_it_repeats() {
    let app = TestApp::new().await;
    let path = format!("/api/v1/phases/{}/submissions", app.phase);
    let organization = app.organization.to_string();
    let fields = [("organization_id", organization.as_str())];
    // The test app's scored file with the first row's score changed.
    let probe: &[u8] = b"id,score\n1,0.1\n2,0.2\n3,0.8\n4,0.4\n";
    let (status, _, body) = app.send(multipart(&path, "applicant", &app, &fields, &[("file", "p.csv", probe)])).await;
    assert_eq!(status, StatusCode::CREATED, "{}", text(&body));
    let id = serde_json::from_slice::<Value>(&body).unwrap()["id"].clone();
    let signer = std::sync::Arc::new(jiebang_store::signing::Signer::load_or_create(&app.t.files).await.unwrap());
    let worker =
        jiebang_worker::Worker::start(app.t.store.clone(), app.t.files.clone(), signer, "n", Default::default())
            .await
            .unwrap();
    while worker.step().await.unwrap() {}
    let (_, view) = app.json(Method::GET, &format!("/api/v1/submissions/{id}"), Some("applicant"), None).await;
    assert_eq!(view["state"], "scored");
    assert_eq!((view["near_duplicate_of"].as_i64(), view["scores"].is_null()), (Some(app.scored), true), "{view}");
    let (_, board) = app.json(Method::GET, &format!("/api/v1/phases/{}/leaderboard", app.phase), None, None).await;
    assert!(!board.to_string().contains(&format!("\"submission_id\":{id}")), "{board}");
}

#[tokio::test]
async fn a_team_registers_its_endpoint_and_its_key_is_never_shown_back() {
    const KEY: &str = "sk-web-secret-9f8e7d6c5b4a";
    let app = TestApp::new().await;
    let path = format!("/api/v1/phases/{}/submissions", app.phase);
    let organization = app.organization.to_string();
    let fields = |base_url: &'static str| {
        vec![
            ("organization_id", organization.clone()),
            ("kind", "endpoint".to_owned()),
            ("base_url", base_url.to_owned()),
            ("model", "yunding-chem-7b".to_owned()),
            ("api_key", KEY.to_owned()),
        ]
    };
    let send = |fields: Vec<(&'static str, String)>| {
        let fields: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
        multipart(&path, "applicant", &app, &fields, &[])
    };
    // Not until the contract takes endpoints.
    let (status, _, body) = app.send(send(fields("https://llm.example.cn/v1"))).await;
    assert_eq!(status, StatusCode::CONFLICT, "{}", text(&body));
    assert!(!text(&body).contains(KEY));
    let contract = json!({"accepts": "predictions", "endpoint": {"concurrency": 2, "slo_ttft_ms": 800}});
    let delivery = format!("/api/v1/challenges/{}/delivery", app.challenge);
    let (status, stored) = app.json(Method::PUT, &delivery, Some("organizer"), Some(contract)).await;
    assert_eq!(status, StatusCode::OK, "{stored}");
    assert_eq!(stored["endpoint"]["max_tokens"], 512, "defaults fill what is not given");
    // A key in the URL is refused, by field, and neither URL nor key is echoed.
    let (status, _, body) = app.send(send(fields("https://u:sk-in-url@llm.example.cn/v1"))).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{}", text(&body));
    assert!(text(&body).contains("base_url") && !text(&body).contains(KEY) && !text(&body).contains("sk-in-url"));
    let (status, _, body) = app.send(send(fields("https://llm.example.cn/v1/"))).await;
    assert_eq!(status, StatusCode::CREATED, "{}", text(&body));
    let created: Value = serde_json::from_slice(&body).unwrap();
    assert_eq!(created["kind"], "endpoint");
    assert_eq!(created["file_name"], "yunding-chem-7b @ https://llm.example.cn/v1");
    let id = created["id"].as_i64().unwrap();
    // The store holds the key sealed only.
    let sealed = app.t.store.endpoint_key(id).await.unwrap().unwrap();
    assert!(!sealed.contains(KEY));
    // No answer to anyone carries it: API, pages, the registration file itself.
    let mut seen = vec![text(&body)];
    for who in ["applicant", "organizer", "admin"] {
        seen.push(app.json(Method::GET, &path, Some(who), None).await.1.to_string());
        seen.push(app.json(Method::GET, &format!("/api/v1/submissions/{id}"), Some(who), None).await.1.to_string());
        for tab in ["submit", "mine", "board"] {
            seen.push(page(&app, &format!("/phases/{}?tab={tab}", app.phase), Some(who)).await.1);
        }
    }
    let submission = app.t.store.get_submission(id).await.unwrap();
    seen.push(String::from_utf8(app.t.files.get(&submission.file_key).await.unwrap()).unwrap());
    for answer in &seen {
        assert!(!answer.contains(KEY), "the key was shown back: {answer}");
    }
    // The submit tab says where the questions go.
    let (_, submit) = page(&app, &format!("/phases/{}?tab=submit", app.phase), Some("applicant")).await;
    assert!(submit.contains("data-testid=\"endpoint-form\"") && submit.contains("题目会发送到您的服务器"), "{submit}");
    // Its team stops it while it waits; the transcript does not exist.
    let (status, _) =
        app.json(Method::GET, &format!("/api/v1/submissions/{id}/transcript"), Some("organizer"), None).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, cancelled) =
        app.json(Method::POST, &format!("/api/v1/submissions/{id}/cancel"), Some("applicant"), None).await;
    assert_eq!((status, cancelled["state"].as_str()), (StatusCode::OK, Some("cancelled")));
}
