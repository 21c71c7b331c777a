//! No list is a query per row: each busy page costs the same round trips to the database with
//! a few rows as with more (counted by `Store::round_trips`).

use axum::http::{Method, StatusCode};
use serde_json::{Value, json};

use crate::{TestApp, application_json};

/// The round trips of one GET of `path` as `who`.
async fn round_trips(app: &TestApp, who: &str, path: &str) -> u64 {
    let before = app.t.store.round_trips();
    let (status, _, body) = app.send(app.request(Method::GET, path, Some(who), None)).await;
    assert_eq!(status, StatusCode::OK, "{path}: {}", String::from_utf8_lossy(&body));
    app.t.store.round_trips() - before
}

#[tokio::test]
async fn the_busiest_pages_cost_the_same_round_trips_with_more_rows() {
    let app = TestApp::new().await;
    let pages = [
        ("organizer", format!("/phases/{}/mine", app.phase)),
        ("applicant", format!("/phases/{}/mine", app.phase)),
        ("organizer", format!("/api/v1/phases/{}/submissions", app.phase)),
        ("organizer", format!("/programs/{}/applications", app.program)),
        ("recommender", format!("/programs/{}/applications", app.program)),
        ("expert", format!("/programs/{}/applications", app.program)),
        ("organizer", format!("/programs/{}/statistics", app.program)),
        ("organizer", format!("/api/v1/programs/{}/applications", app.program)),
    ];
    let mut few = Vec::new();
    for (who, path) in &pages {
        few.push(round_trips(&app, who, path).await);
    }

    // Three more submissions of the team, and three more units' submitted applications.
    for i in 0..3 {
        let file = app.t.store.save_file(&app.t.files, "pred.csv", format!("id,score\n1,0.{i}\n").into_bytes(), None);
        let file = file.await.unwrap();
        app.t
            .store
            .create_submission(&jiebang_store::NewSubmission::new(
                app.phase,
                app.organization,
                app.ids["applicant"],
                &file,
                jiebang_store::today(),
            ))
            .await
            .unwrap();
        let unit = jiebang_core::organization::OrganizationInput {
            name: format!("济南第{i}研究院"),
            credit_code: jiebang_core::uscc::CreditCode::with_check_character(&format!("91370100MA3DEM10{i}"))
                .unwrap()
                .to_string(),
            kind: "research_institute".into(),
            region: "370102".into(),
            industries: vec![],
            ..Default::default()
        };
        let unit = app.t.store.create_organization(&unit.validate().unwrap(), None).await.unwrap().id;
        let apply = format!("/api/v1/challenges/{}/applications", app.challenge);
        let mut input = application_json(unit, &format!("质检大模型 {i}"));
        input["joint_units"] = json!([{"organization_id": app.organization, "role": "user", "work": "应用验证"}]);
        let (status, body) = app.json(Method::POST, &apply, Some("admin"), Some(input)).await;
        assert_eq!(status, StatusCode::CREATED, "{body}");
        let id = body["id"].as_i64().unwrap();
        let attach = format!("/api/v1/applications/{id}/attachments");
        let (status, _, _) = app.send(app.upload(&attach, Some("admin"), "协议.pdf", b"%PDF-1.4\n%demo\n")).await;
        assert_eq!(status, StatusCode::NO_CONTENT);
        let submit = json!({"action": "submit", "reason": ""});
        let (status, body): (StatusCode, Value) =
            app.json(Method::POST, &format!("/api/v1/applications/{id}/actions"), Some("admin"), Some(submit)).await;
        assert!(status.is_success(), "{status}: {body}");
    }
    for ((who, path), before) in pages.iter().zip(few) {
        let after = round_trips(&app, who, path).await;
        assert_eq!(after, before, "{path} as {who}: {before} round trips with few rows, {after} with more");
    }
}
