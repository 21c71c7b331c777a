//! Snapshots (`insta`) of what clients rely on to the letter: the error envelope of each kind of
//! refusal, and the OpenAPI document. A change shows up as a diff to review (`cargo insta
//! review`, or run with `INSTA_UPDATE=always` to accept it) instead of passing unnoticed.

use axum::http::Method;
use serde_json::{Value, json};

use crate::TestApp;

#[tokio::test]
async fn the_error_envelope_of_each_kind_of_refusal() {
    let app = TestApp::new().await;
    let bad_program = json!({"title": "", "issuer": "工业和信息化部", "year": 1999});
    let requests = [
        ("unauthenticated", app.request(Method::GET, "/api/v1/session", None, None)),
        ("forbidden", app.request(Method::POST, "/api/v1/programs", Some("applicant"), Some(&bad_program))),
        ("not_found", app.request(Method::GET, "/api/v1/programs/999999", Some("admin"), None)),
        ("not_found_path", app.request(Method::GET, "/api/v1/programs/not-a-number", Some("admin"), None)),
        ("bad_request", app.request(Method::GET, "/api/v1/programs/1/challenges?page=first", Some("admin"), None)),
        ("invalid", app.request(Method::POST, "/api/v1/programs", Some("admin"), Some(&bad_program))),
    ];
    let mut answers = serde_json::Map::new();
    for (name, request) in requests {
        let (status, _, body) = app.send(request).await;
        let body: Value = serde_json::from_slice(&body).unwrap();
        answers.insert(name.into(), json!({"status": status.as_u16(), "body": body}));
    }
    insta::assert_json_snapshot!(answers);
}

#[tokio::test]
async fn the_openapi_document() {
    let app = TestApp::new().await;
    let (_, document) = app.json(Method::GET, "/api/v1/openapi.json", None, None).await;
    insta::assert_json_snapshot!(document);
}
