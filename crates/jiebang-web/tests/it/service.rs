//! GGUF models over the web: the header checked at upload (every problem at once, the broken
//! file not kept), and the model service — the team's consent, the organizers' publication,
//! questions to the published model within the per-person limit, on the API and the chat page.

use std::sync::Arc;

use axum::body::Body;
use axum::http::{Method, Request, StatusCode, header};
use jiebang_core::delivery::SubmissionKind;
use jiebang_store::{Outcome, PublishedModel};
use jiebang_web::WebConfig;
use jiebang_web::app::service::{ModelService, QUESTIONS_PER_WINDOW, ServeModels, Turn};
use serde_json::{Value, json};

use crate::{TestApp, text};

/// A runner that answers by echoing the last question (the real one is the binary's).
#[derive(Debug)]
struct Echo;

impl ServeModels for Echo {
    fn answer<'a>(
        &'a self,
        model: &'a PublishedModel,
        turns: &'a [Turn],
    ) -> std::pin::Pin<Box<dyn std::future::Future<Output = Result<String, String>> + Send + 'a>> {
        let last = turns.last().map(|t| t.content.clone()).unwrap_or_default();
        Box::pin(async move { Ok(format!("{} 答：{last}", model.challenge_code)) })
    }
}

fn upload(app: &TestApp, name: &str, bytes: &[u8]) -> Request<Body> {
    let boundary = "gguf-boundary";
    let organization = app.organization.to_string();
    let mut body = Vec::new();
    for (field, value) in [("organization_id", organization.as_str()), ("kind", "gguf")] {
        body.extend(
            format!("--{boundary}\r\nContent-Disposition: form-data; name=\"{field}\"\r\n\r\n{value}\r\n").into_bytes(),
        );
    }
    body.extend(
        format!("--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{name}\"\r\n\r\n")
            .into_bytes(),
    );
    body.extend_from_slice(bytes);
    body.extend(format!("\r\n--{boundary}--\r\n").into_bytes());
    Request::builder()
        .method(Method::POST)
        .uri(format!("/api/v1/phases/{}/submissions", app.phase))
        .header(header::CONTENT_TYPE, format!("multipart/form-data; boundary={boundary}"))
        .header(header::AUTHORIZATION, format!("Bearer {}", app.tokens["applicant"]))
        .body(Body::from(body))
        .unwrap()
}

/// Lets the test app's challenge take GGUF models; returns a queued GGUF submission's id.
async fn with_a_gguf_submission(app: &TestApp) -> i64 {
    let contract =
        json!({"accepts": "predictions", "endpoint": {}, "gguf": {"max_model_mb": 1, "concurrency_levels": [1, 4]}});
    let delivery = format!("/api/v1/challenges/{}/delivery", app.challenge);
    let (status, stored) = app.json(Method::PUT, &delivery, Some("organizer"), Some(contract)).await;
    assert_eq!(status, StatusCode::OK, "{stored}");
    assert_eq!(stored["gguf"]["runtime"], "builtin", "defaults fill what is not given");
    let model = jiebang_gguf::write::constant_answer_model(b'B');
    let (status, _, body) = app.send(upload(app, "constant-b.gguf", &model)).await;
    assert_eq!(status, StatusCode::CREATED, "{}", text(&body));
    let created: Value = serde_json::from_slice(&body).unwrap();
    assert_eq!(created["kind"], "gguf");
    created["id"].as_i64().unwrap()
}

#[tokio::test]
async fn a_broken_gguf_file_is_refused_at_upload_with_every_problem_and_not_kept() {
    let app = TestApp::new().await;
    with_a_gguf_submission(&app).await;
    let model = jiebang_gguf::write::constant_answer_model(b'B');
    let (status, _, body) = app.send(upload(&app, "cut.gguf", &model[..model.len() - 4096])).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{}", text(&body));
    let refusal: Value = serde_json::from_slice(&body).unwrap();
    let fields = refusal["error"]["details"].as_array().unwrap();
    assert!(!fields.is_empty() && fields.iter().all(|f| f["field"] == "file"), "{refusal}");
    assert!(refusal.to_string().contains("cut.gguf") && refusal.to_string().contains("truncated"), "{refusal}");
    assert_eq!(app.t.store.execute_unchecked("DELETE FROM files WHERE name = 'cut.gguf'").await.unwrap(), 0);
    // Not GGUF at all: the reason names the magic number.
    let (status, _, body) = app.send(upload(&app, "notes.gguf", b"hello, this is not a model")).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(text(&body).contains("GGUF"), "{}", text(&body));
    // The submit tab offers the upload with the contract's limits.
    let (_, _, page) =
        app.send(app.request(Method::GET, &format!("/phases/{}?tab=submit", app.phase), Some("applicant"), None)).await;
    assert!(text(&page).contains("data-testid=\"gguf-form\"") && text(&page).contains("1, 4"), "{}", text(&page));
}

#[tokio::test]
async fn a_consented_model_is_published_by_the_organizers_and_answers_within_the_limit() {
    let service = Arc::new(ModelService::new(Arc::new(Echo)));
    let app = TestApp::with_config(WebConfig { model_service: Some(service), ..WebConfig::default() }).await;
    let id = with_a_gguf_submission(&app).await;
    let call = |method: Method, path: String, who: &'static str, body: Option<Value>| {
        let app = &app;
        async move { app.json(method, &path, Some(who), body).await }
    };
    // Not scored yet: nothing to consent to.
    let (status, _) = call(Method::POST, format!("/api/v1/submissions/{id}/consent"), "applicant", None).await;
    assert_eq!(status, StatusCode::CONFLICT);
    app.t.store.register_worker("w", "host", "test").await.unwrap();
    let job = app.t.store.claim_kinds("w", 60_000, &[SubmissionKind::Gguf]).await.unwrap().unwrap();
    let scored = Outcome::Scored { report: "{}".into(), signature: "00".into() };
    assert!(app.t.store.finish_job(&job, "w", scored).await.unwrap());
    // The organizers publish only what the team agreed to, and cannot agree for it.
    let publication = format!("/api/v1/submissions/{id}/publication");
    assert_eq!(call(Method::POST, publication.clone(), "organizer", None).await.0, StatusCode::CONFLICT);
    assert_eq!(
        call(Method::POST, format!("/api/v1/submissions/{id}/consent"), "organizer", None).await.0,
        StatusCode::FORBIDDEN
    );
    let (status, consent) = call(Method::POST, format!("/api/v1/submissions/{id}/consent"), "applicant", None).await;
    assert_eq!((status, consent["published_at"].clone()), (StatusCode::OK, Value::Null), "{consent}");
    assert_eq!(call(Method::POST, publication.clone(), "applicant", None).await.0, StatusCode::FORBIDDEN);
    let (status, published) = call(Method::POST, publication.clone(), "organizer", None).await;
    assert!(status == StatusCode::OK && published["published_at"].is_string(), "{published}");
    let (_, listed) = app.json(Method::GET, "/api/v1/models", None, None).await;
    assert_eq!(listed[0]["submission_id"], id, "{listed}");
    assert!(listed[0].get("file_key").is_none(), "where the file lies is not shown: {listed}");

    // Anyone signed in may ask; a malformed conversation is named field by field.
    let chat = format!("/api/v1/models/{id}/chat");
    let ask = |content: &str| json!({"messages": [{"role": "user", "content": content}]});
    let (status, answer) = call(Method::POST, chat.clone(), "recommender", Some(ask("氯气是什么颜色？"))).await;
    assert_eq!(status, StatusCode::OK, "{answer}");
    assert!(answer["answer"].as_str().unwrap().ends_with("答：氯气是什么颜色？"), "{answer}");
    let bad = json!({"messages": [{"role": "assistant", "content": ""}]});
    let (status, refusal) = call(Method::POST, chat.clone(), "recommender", Some(bad)).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    let fields: Vec<&str> =
        refusal["error"]["details"].as_array().unwrap().iter().map(|f| f["field"].as_str().unwrap()).collect();
    assert_eq!(fields, ["messages", "messages[0].role", "messages[0].content"]);
    for _ in 1..QUESTIONS_PER_WINDOW {
        assert_eq!(call(Method::POST, chat.clone(), "recommender", Some(ask("再问"))).await.0, StatusCode::OK);
    }
    let (status, _, body) = app.send(app.request(Method::POST, &chat, Some("recommender"), Some(&ask("还问")))).await;
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS, "{}", text(&body));
    // Another person is not held back; the chat page keeps the conversation in its form.
    let cookie = app.login_cookie("expert").await;
    let (status, _, body) =
        app.send(app.form(&format!("/models/{id}"), Some(&cookie), &[("history", "[]"), ("message", "第一问")])).await;
    assert_eq!(status, StatusCode::OK, "{}", text(&body));
    let page = text(&body);
    assert!(page.contains("data-testid=\"turn-assistant\"") && page.contains("答：第一问"), "{page}");
    assert!(page.contains("name=\"history\""), "{page}");
    let (_, _, list) = app.send(app.request(Method::GET, "/models", None, None)).await;
    assert!(text(&list).contains(&format!("href=\"/models/{id}\"")), "{}", text(&list));
    // Withdrawn, it is no longer asked.
    assert_eq!(call(Method::DELETE, publication, "organizer", None).await.0, StatusCode::OK);
    assert_eq!(call(Method::POST, chat, "expert", Some(ask("问"))).await.0, StatusCode::NOT_FOUND);
}
