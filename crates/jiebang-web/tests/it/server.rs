//! A real server on a random loopback port, driven over TCP like a script would.

use std::sync::Arc;
use std::time::Duration;

use jiebang_store::testing::TestStore;
use jiebang_web::cache::{CacheSettings, PublicCache};
use jiebang_web::{AppState, WebConfig, router};
use serde_json::{Value, json};

async fn start() -> (String, TestStore) {
    let (base, t, _) = start_with(CacheSettings::default()).await;
    (base, t)
}

/// A server on a random loopback port over a fresh database, with an administrator
/// `admin@example.cn`, and its cache of public pages.
async fn start_with(settings: CacheSettings) -> (String, TestStore, Arc<PublicCache>) {
    let t = TestStore::new().await;
    let admin = t.store.create_user("admin@example.cn", "admin", "correct-horse-42").await.unwrap();
    let grant =
        jiebang_core::role::Grant { role: jiebang_core::role::Role::Admin, scope: jiebang_core::role::Scope::Global };
    t.store.add_grant(admin.id, &grant).await.unwrap();
    let state = AppState { cache: Arc::new(PublicCache::new(settings)), ..state_over(&t).await };
    let cache = state.cache.clone();
    (serve(state).await, t, cache)
}

/// A server's state over `t`'s database and files, as one more process would have it.
async fn state_over(t: &TestStore) -> AppState {
    AppState {
        store: t.store.clone(),
        files: t.files.clone(),
        config: Arc::new(WebConfig::default()),
        signer: Arc::new(jiebang_store::signing::Signer::load_or_create(&t.files).await.unwrap()),
        sealer: Arc::new(jiebang_store::secrets::Sealer::load_or_create(&t.files, None).await.unwrap()),
        calendar: Arc::new(jiebang_core::calendar::WorkCalendar::shipped()),
        clock: Default::default(),
        cache: Default::default(),
        search: Arc::new(jiebang_web::app::search::Search::new().unwrap()),
    }
}

async fn serve(state: AppState) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, router(state)).await.unwrap() });
    format!("http://{address}")
}

/// An API token of the administrator, made as a script would: sign in, then ask for a token.
async fn admin_token(base: &str) -> String {
    let client = reqwest::Client::builder().cookie_store(true).build().unwrap();
    let login = client
        .post(format!("{base}/api/v1/session"))
        .json(&json!({"email": "admin@example.cn", "password": "correct-horse-42"}))
        .send()
        .await
        .unwrap();
    assert_eq!(login.status(), 200);
    let token: Value = client
        .post(format!("{base}/api/v1/tokens"))
        .json(&json!({"name": "ci"}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    token["secret"].as_str().unwrap().to_owned()
}

/// A draft program made over the API; its id.
async fn create_program(script: &reqwest::Client, base: &str, secret: &str, title: &str) -> i64 {
    let program: Value = script
        .post(format!("{base}/api/v1/programs"))
        .bearer_auth(secret)
        .json(&json!({"title": title, "issuer": "发榜方", "year": 2026}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    program["id"].as_i64().unwrap()
}

#[tokio::test]
async fn a_script_logs_in_creates_a_token_and_publishes_a_list_over_http() {
    let (base, _t) = start().await;
    assert_eq!(reqwest::get(format!("{base}/healthz")).await.unwrap().status(), 200);
    let secret = admin_token(&base).await;

    let script = reqwest::Client::new();
    let id = create_program(&script, &base, &secret, "脚本批次").await;
    let sheet = "序号,任务名称,揭榜方向,任务类别,所属行业,考核指标\n1,甲,方向,示范应用,26,F1 | f1>=0.9\n2,乙,方向,重点产品,34,RMSE | rmse<=2 | ℃\n";
    let form = reqwest::multipart::Form::new()
        .part("file", reqwest::multipart::Part::bytes(sheet.as_bytes().to_vec()).file_name("list.csv"));
    let imported = script
        .post(format!("{base}/api/v1/programs/{id}/challenges/import"))
        .bearer_auth(&secret)
        .multipart(form)
        .send()
        .await
        .unwrap();
    assert_eq!(imported.status(), 201);
    let anonymous = reqwest::Client::new();
    assert_eq!(
        anonymous.get(format!("{base}/api/v1/programs/{id}")).send().await.unwrap().status(),
        404,
        "a draft is not public"
    );
    let published = script
        .post(format!("{base}/api/v1/programs/{id}/transition"))
        .bearer_auth(&secret)
        .json(&json!({"to": "published"}))
        .send()
        .await
        .unwrap();
    assert_eq!(published.status(), 200);
    let list: Value =
        anonymous.get(format!("{base}/api/v1/programs/{id}/challenges")).send().await.unwrap().json().await.unwrap();
    assert_eq!(list["total"], 2);
    assert_eq!(list["items"][1]["indicators"][0]["unit"], "℃");
}

#[tokio::test]
async fn public_pages_come_from_memory_until_published_content_changes() {
    // An hour between database checks: only this process's own writes show at once.
    let (base, t, cache) = start_with(CacheSettings { recheck: Duration::from_secs(3600), ..Default::default() }).await;
    let secret = admin_token(&base).await;
    let script = reqwest::Client::new();
    let id = create_program(&script, &base, &secret, "缓存批次").await;
    let to = json!({"to": "published"});
    let published = script
        .post(format!("{base}/api/v1/programs/{id}/transition"))
        .bearer_auth(&secret)
        .json(&to)
        .send()
        .await
        .unwrap();
    assert_eq!(published.status(), 200);

    let page = format!("{base}/programs/{id}");
    let anonymous = reqwest::Client::new();
    let first = anonymous.get(&page).send().await.unwrap();
    assert_eq!(first.status(), 200);
    let etag = first.headers()["etag"].clone();
    assert!(first.headers().contains_key("last-modified"));
    assert_eq!(first.headers()["vary"], "Cookie, Accept-Encoding");
    assert!(first.text().await.unwrap().contains("缓存批次"));
    assert_eq!(cache.len(), 1, "the page is kept");

    let again = anonymous.get(&page).header("if-none-match", etag.clone()).send().await.unwrap();
    assert_eq!(again.status(), 304);
    assert!(again.bytes().await.unwrap().is_empty());
    let zipped = anonymous.get(&page).header("accept-encoding", "gzip").send().await.unwrap();
    assert_eq!(zipped.headers()["content-encoding"], "gzip");
    assert_eq!(&zipped.bytes().await.unwrap()[..2], [0x1f, 0x8b]);
    let english = anonymous.get(&page).header("cookie", "lang=en").send().await.unwrap().text().await.unwrap();
    assert!(english.contains("<html lang=\"en\""), "a language of its own");
    let signed_in = script.get(&page).bearer_auth(&secret).send().await.unwrap();
    assert_eq!(signed_in.status(), 200);
    assert!(!signed_in.headers().contains_key("etag"), "a signed-in page is rendered for its viewer");

    // A write through this process shows at once.
    let renamed = json!({"title": "缓存批次（修订）", "issuer": "发榜方", "year": 2026});
    let updated =
        script.put(format!("{base}/api/v1/programs/{id}")).bearer_auth(&secret).json(&renamed).send().await.unwrap();
    assert_eq!(updated.status(), 200);
    let fresh = anonymous.get(&page).header("if-none-match", etag.clone()).send().await.unwrap();
    assert_eq!(fresh.status(), 200, "the old tag no longer matches");
    assert!(fresh.text().await.unwrap().contains("缓存批次（修订）"));

    // Another process's write (here straight into the database) moves the counter; a process
    // that rechecks it (the default, every 250 ms) renders again.
    let before = t.store.content_version().await.unwrap();
    let input = serde_json::from_value(json!({"title": "另一进程改名", "issuer": "发榜方", "year": 2026})).unwrap();
    t.store.update_program(id, input, None).await.unwrap();
    assert!(t.store.content_version().await.unwrap() > before);
    let stale = anonymous.get(&page).send().await.unwrap().text().await.unwrap();
    assert!(!stale.contains("另一进程改名"), "within its recheck interval this process keeps its pages");
    let other = AppState {
        cache: Arc::new(PublicCache::new(CacheSettings { recheck: Duration::ZERO, ..Default::default() })),
        ..state_over(&t).await
    };
    let other = serve(other).await;
    let seen = anonymous.get(format!("{other}/programs/{id}")).send().await.unwrap().text().await.unwrap();
    assert!(seen.contains("另一进程改名"));
}

/// Two servers over one database, each with its own search index: a demand entered anywhere is
/// found by both at their next search, a withdrawn one by neither, and a word of a field
/// withheld from the public is never found.
#[tokio::test]
async fn every_server_searches_what_was_just_written_and_nothing_withheld() {
    let (first, t) = start().await;
    let second = serve(state_over(&t).await).await;
    let client = reqwest::Client::new();
    let search = |base: &str, q: &str| {
        let request = client.get(format!("{base}/api/v1/search")).query(&[("q", q)]);
        async move { request.send().await.unwrap().json::<Value>().await.unwrap() }
    };
    // Both indexes are built before the demand exists.
    assert_eq!(search(&first, "轴承").await["total"], 0);
    assert_eq!(search(&second, "轴承").await["total"], 0);
    let mut demand = crate::roles::catalogue_demand("JQ-S-001");
    demand.title = "风电主轴轴承故障诊断".into();
    demand.pain_points = "海上风机保密工艺难以巡检".into();
    demand.visibility.insert("pain_points".into(), "registered".into());
    let organizer = t.store.create_user("o@example.cn", "组织者", "correct-horse-42").await.unwrap().id;
    let created = t.store.create_demand(&demand, None, Some(organizer)).await.unwrap();
    for base in [&first, &second] {
        let found = search(base, "轴承").await;
        assert_eq!(found["total"], 1, "{found}");
        assert_eq!(found["hits"][0]["url"], format!("/demands/{}", created.id));
        assert_eq!(search(base, "保密").await["total"], 0, "a registered-only field is not searched");
    }
    t.store.act_on_demand(created.id, jiebang_core::catalogue::DemandAction::Withdraw, organizer).await.unwrap();
    assert_eq!(search(&second, "轴承").await["total"], 0);
    assert_eq!(search(&first, "轴承").await["total"], 0);
    // The feed is trimmed past a server's position while it is idle: it rebuilds its index and
    // still finds what the trimmed rows announced.
    let titled = |number: &str, title: &str| jiebang_core::catalogue::DemandInput {
        number: number.into(),
        title: title.into(),
        ..demand.clone()
    };
    let gearbox = titled("JQ-S-002", "风电齿轮箱油液监测");
    t.store.create_demand(&gearbox, None, Some(organizer)).await.unwrap();
    let reducer = titled("JQ-S-003", "减速机异响识别");
    t.store.create_demand(&reducer, None, Some(organizer)).await.unwrap();
    let head = t.store.search_feed_head().await.unwrap();
    assert!(t.store.prune_search_feed(0).await.unwrap() > 0);
    assert_eq!(t.store.search_feed_tail().await.unwrap(), head, "the newest row stays");
    assert_eq!(search(&second, "齿轮箱").await["total"], 1);
    assert_eq!(search(&second, "减速机").await["total"], 1);
    // Unknown filters are named, all at once.
    let refused = client.get(format!("{first}/api/v1/search?kind=x&region=nowhere")).send().await.unwrap();
    assert_eq!(refused.status(), 422);
    let body: Value = refused.json().await.unwrap();
    let fields: Vec<&str> =
        body["error"]["details"].as_array().unwrap().iter().map(|d| d["field"].as_str().unwrap()).collect();
    assert_eq!(fields, ["kind", "region"]);
}
