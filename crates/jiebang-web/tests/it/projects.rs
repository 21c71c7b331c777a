//! Projects over the API: each step by its own party, the history to the parties only.

use axum::http::{Method, StatusCode};
use serde_json::json;

use crate::TestApp;

#[tokio::test]
async fn each_project_step_is_taken_by_its_party_and_the_history_stays_with_the_parties() {
    let app = TestApp::new().await;
    let actions = format!("/api/v1/projects/{}/actions", app.project);
    let step = |who: &'static str, action: &str| {
        let (app, actions) = (&app, actions.clone());
        let body = json!({"action": action});
        async move { app.json(Method::POST, &actions, Some(who), Some(body)).await }
    };
    // The lead unit cannot sign for the organizers, nor the organizers apply for the team.
    assert_eq!(step("applicant", "sign").await.0, StatusCode::FORBIDDEN);
    let (status, signed) = step("organizer", "sign").await;
    assert_eq!((status, signed["state"].as_str()), (StatusCode::OK, Some("signed")), "{signed}");
    assert_eq!(step("organizer", "start").await.0, StatusCode::OK);
    assert_eq!(step("organizer", "apply_acceptance").await.0, StatusCode::FORBIDDEN);
    let (status, applied) = step("applicant", "apply_acceptance").await;
    assert_eq!((status, applied["state"].as_str()), (StatusCode::OK, Some("acceptance_applied")));
    // Out of turn: a conflict that names both states.
    let (status, refusal) = step("organizer", "designate").await;
    assert_eq!(status, StatusCode::CONFLICT);
    assert!(refusal.to_string().contains("验收申请"), "{refusal}");
    // Termination needs its reason.
    let (status, refusal) = step("organizer", "terminate").await;
    assert_eq!(status, StatusCode::CONFLICT);
    assert!(refusal.to_string().contains("理由"), "{refusal}");
    let history = format!("/api/v1/projects/{}/history", app.project);
    let (status, steps) = app.json(Method::GET, &history, Some("applicant"), None).await;
    let actions: Vec<&str> = steps.as_array().unwrap().iter().map(|s| s["action"].as_str().unwrap()).collect();
    assert_eq!((status, actions), (StatusCode::OK, vec!["sign", "start", "apply_acceptance"]));
    assert_eq!(app.json(Method::GET, &history, Some("other_organizer"), None).await.0, StatusCode::FORBIDDEN);
    // Anyone reads the project and its committed indicators.
    let (status, project) = app.json(Method::GET, &format!("/api/v1/projects/{}", app.project), None, None).await;
    assert_eq!((status, project["name"].as_str()), (StatusCode::OK, Some("云鼎化工行业大模型")));
}
