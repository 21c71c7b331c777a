//! A real server on a random loopback port, driven over TCP like a script would.

use std::sync::Arc;

use jiebang_store::testing::TestStore;
use jiebang_web::{AppState, WebConfig, router};
use serde_json::{Value, json};

async fn start() -> (String, TestStore) {
    let t = TestStore::new().await;
    let admin = t.store.create_user("admin@example.cn", "admin", "correct-horse-42").await.unwrap();
    let grant =
        jiebang_core::role::Grant { role: jiebang_core::role::Role::Admin, scope: jiebang_core::role::Scope::Global };
    t.store.add_grant(admin.id, &grant).await.unwrap();
    let state = AppState {
        store: t.store.clone(),
        files: t.files.clone(),
        config: Arc::new(WebConfig::default()),
        signer: Arc::new(jiebang_store::signing::Signer::load_or_create(&t.files).await.unwrap()),
        calendar: Arc::new(jiebang_core::calendar::WorkCalendar::shipped()),
        clock: Default::default(),
    };
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, router(state)).await.unwrap() });
    (format!("http://{address}"), t)
}

#[tokio::test]
async fn a_script_logs_in_creates_a_token_and_publishes_a_list_over_http() {
    let (base, _t) = start().await;
    let client = reqwest::Client::builder().cookie_store(true).build().unwrap();
    assert_eq!(client.get(format!("{base}/healthz")).send().await.unwrap().status(), 200);
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
    let secret = token["secret"].as_str().unwrap().to_owned();

    let script = reqwest::Client::new();
    let program: Value = script
        .post(format!("{base}/api/v1/programs"))
        .bearer_auth(&secret)
        .json(&json!({"title": "脚本批次", "issuer": "发榜方", "year": 2026}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let id = program["id"].as_i64().unwrap();
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
