//! The demo's built-in baseline model: an OpenAI-compatible chat endpoint
//! (`/demo/llm/v1/chat/completions`, mounted only by `serve --demo`) that answers each question
//! with the answer of the most similar question of the public development set — character
//! bigrams, Jaccard similarity. It is a retrieval baseline, not a language model, and says so in
//! its model name; it lets a newcomer watch a live endpoint evaluated end to end, streamed the
//! way real servers stream (a role chunk, content chunks, a finish reason, usage, `[DONE]`).

use std::collections::HashSet;

use axum::Json;
use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use futures::StreamExt as _;
use serde_json::{Value, json};

use crate::AppState;

/// The baseline's name, as it answers to.
pub const MODEL: &str = "jiebang-demo-retrieval-baseline";

/// The development set, as bigram sets beside their answers.
#[derive(Debug, Default)]
pub struct RetrievalBaseline {
    dev: Vec<(HashSet<(char, char)>, String)>,
}

impl RetrievalBaseline {
    /// A baseline over (question, answer) pairs.
    pub fn new(pairs: impl IntoIterator<Item = (String, String)>) -> Self {
        Self { dev: pairs.into_iter().map(|(q, a)| (bigrams(&q), a)).collect() }
    }

    /// The answer of the development question most like `prompt` (the first on a tie).
    pub fn answer(&self, prompt: &str) -> String {
        let asked = bigrams(prompt);
        let similarity = |known: &HashSet<(char, char)>| {
            let shared = known.intersection(&asked).count() as f64;
            let all = (known.len() + asked.len()) as f64 - shared;
            if all > 0.0 { shared / all } else { 0.0 }
        };
        let mut best: Option<(f64, &str)> = None;
        for (known, answer) in &self.dev {
            let s = similarity(known);
            if best.is_none_or(|(b, _)| s > b) {
                best = Some((s, answer));
            }
        }
        best.map_or_else(String::new, |(_, a)| a.to_owned())
    }
}

fn bigrams(text: &str) -> HashSet<(char, char)> {
    let chars: Vec<char> = text.chars().filter(|c| !c.is_whitespace()).collect();
    chars.windows(2).map(|w| (w[0], w[1])).collect()
}

/// The text of the last user turn (string content, or the text parts of a multimodal one).
fn last_user_text(body: &Value) -> Option<String> {
    let turn = body["messages"].as_array()?.iter().rev().find(|m| m["role"] == "user")?;
    match &turn["content"] {
        Value::String(text) => Some(text.clone()),
        Value::Array(parts) => Some(parts.iter().filter_map(|p| p["text"].as_str()).collect::<Vec<_>>().join("\n")),
        _ => None,
    }
}

/// `POST /demo/llm/v1/chat/completions`.
pub(crate) async fn chat(State(state): State<AppState>, Json(body): Json<Value>) -> Response {
    let Some(baseline) = state.config.demo_baseline.as_ref() else {
        return StatusCode::NOT_FOUND.into_response();
    };
    let Some(question) = last_user_text(&body) else {
        let error =
            json!({"error": {"message": "messages must end with a user turn", "type": "invalid_request_error"}});
        return (StatusCode::BAD_REQUEST, Json(error)).into_response();
    };
    let answer = baseline.answer(&question);
    let tokens: Vec<String> = answer.chars().collect::<Vec<_>>().chunks(2).map(|c| c.iter().collect()).collect();
    let usage = json!({"prompt_tokens": question.chars().count(), "completion_tokens": tokens.len(),
                       "total_tokens": question.chars().count() + tokens.len()});
    let created = jiebang_store::now_ms() / 1000;
    if body["stream"] != Value::Bool(true) {
        return Json(json!({
            "id": "chatcmpl-demo", "object": "chat.completion", "created": created, "model": MODEL,
            "choices": [{"index": 0, "message": {"role": "assistant", "content": answer}, "finish_reason": "stop"}],
            "usage": usage,
        }))
        .into_response();
    }
    let chunk = |delta: Value, finish: Value| {
        let chunk = json!({"id": "chatcmpl-demo", "object": "chat.completion.chunk", "created": created, "model": MODEL,
                           "choices": [{"index": 0, "delta": delta, "finish_reason": finish}]});
        format!("data: {chunk}\n\n")
    };
    let mut events = vec![chunk(json!({"role": "assistant", "content": ""}), Value::Null)];
    events.extend(tokens.iter().map(|t| chunk(json!({"content": t}), Value::Null)));
    events.push(chunk(json!({}), json!("stop")));
    let usage = json!({"id": "chatcmpl-demo", "object": "chat.completion.chunk", "created": created, "model": MODEL,
                       "choices": [], "usage": usage});
    events.push(format!("data: {usage}\n\n"));
    events.push("data: [DONE]\n\n".into());
    // Each chunk is its own write, a few milliseconds apart, as a model would produce them.
    let stream = futures::stream::iter(events).then(|event| async move {
        tokio::time::sleep(std::time::Duration::from_millis(3)).await;
        Ok::<_, std::convert::Infallible>(event)
    });
    (
        [(header::CONTENT_TYPE, "text/event-stream"), (header::CACHE_CONTROL, "no-cache")],
        axum::body::Body::from_stream(stream),
    )
        .into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_most_similar_development_question_answers() {
        let baseline = RetrievalBaseline::new([
            ("氯气泄漏时应向哪个方向撤离？".to_owned(), "B".to_owned()),
            ("储罐动火作业前必须做什么？".to_owned(), "D".to_owned()),
        ]);
        assert_eq!(baseline.answer("发生氯气泄漏，人员应向何方向撤离"), "B");
        assert_eq!(baseline.answer("动火作业前，储罐必须"), "D");
        assert_eq!(RetrievalBaseline::default().answer("任何问题"), "");
    }
}
