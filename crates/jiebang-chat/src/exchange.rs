//! One request and its answer, as it arrived: the answer and reasoning text, when each chunk
//! came, usage, the finish reason, and whether the exchange is whole.
//!
//! The rules come from the traps real servers set (docs/llm-eval.md §3): a role-only first
//! chunk, empty deltas, a usage chunk with empty `choices`, usage repeated on every chunk (the
//! last one counts, never the sum), reasoning streamed before the answer (its first token is kept
//! apart), an `{"error":…}` data line, a stream that ends without `[DONE]` or a finish reason, a
//! chunk that is not JSON. A failed exchange keeps what arrived, for the transcript, but is
//! never scored as an answer.

use serde::{Deserialize, Serialize};
use serde_json::Value;

/// Token counts as the server reported them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Usage {
    /// Prompt tokens.
    pub prompt_tokens: u64,
    /// Generated tokens.
    pub completion_tokens: u64,
}

/// Why an exchange does not count as an answer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
#[serde(tag = "kind", content = "detail", rename_all = "snake_case")]
pub enum Failure {
    /// The server answered with an HTTP error.
    #[error("HTTP {status}: {body}")]
    Http {
        /// Status code.
        status: u16,
        /// The start of the body.
        body: String,
    },
    /// An `{"error": …}` object arrived in the stream.
    #[error("error in the stream: {0}")]
    InStream(String),
    /// A data line that is not JSON.
    #[error("chunk {index} is not JSON: {error}")]
    InvalidJson {
        /// Which event (from 0).
        index: usize,
        /// The parser's message.
        error: String,
    },
    /// The stream ended without `[DONE]` and without a finish reason.
    #[error("the stream ended without [DONE] or a finish reason")]
    Cut,
    /// The answer is empty: no content arrived at all.
    #[error("no answer")]
    Empty,
    /// The connection could not be made, or broke before the answer was whole.
    #[error("connection: {0}")]
    Connection(String),
    /// A time limit passed: `connect`, `first_token` or `total`.
    #[error("no {0} within the time limit")]
    Timeout(String),
    /// The run's time limit passed before the question was asked.
    #[error("not asked: the run's time limit passed")]
    NotAsked,
}

/// One exchange with times in milliseconds since the request was sent.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Exchange {
    /// The answer's text.
    pub answer: String,
    /// Reasoning text streamed apart from the answer (`reasoning_content`), if any.
    pub reasoning: String,
    /// The first non-empty answer token (TTFT is this).
    pub first_token_ms: Option<f64>,
    /// The first non-empty token of either channel (reasoning included).
    pub first_any_token_ms: Option<f64>,
    /// The last chunk that carried a token of either channel.
    pub last_token_ms: Option<f64>,
    /// Arrival of every chunk that carried answer text, in order (inter-token latency).
    pub answer_chunks_ms: Vec<f64>,
    /// Usage, the last the server sent.
    pub usage: Option<Usage>,
    /// `stop`, `length`, `content_filter` …
    pub finish_reason: Option<String>,
    /// Set when the exchange is not a whole answer.
    pub failure: Option<Failure>,
}

impl Exchange {
    /// A whole answer.
    pub fn is_ok(&self) -> bool {
        self.failure.is_none()
    }

    /// Cut at `max_tokens` (`finish_reason: length`): an answer, recorded as truncated.
    pub fn is_truncated(&self) -> bool {
        self.finish_reason.as_deref() == Some("length")
    }

    /// A request the server refused or that failed before any answer.
    pub fn failed(failure: Failure) -> Self {
        Self { failure: Some(failure), ..Self::default() }
    }

    /// A non-streamed response body that arrived `at_ms` after sending.
    pub fn from_response(at_ms: f64, body: &str) -> Self {
        let mut exchange = Self::default();
        match serde_json::from_str::<Value>(body) {
            Err(e) => exchange.failure = Some(Failure::InvalidJson { index: 0, error: e.to_string() }),
            Ok(json) if json.get("error").is_some() => {
                exchange.failure = Some(Failure::InStream(json["error"].to_string()));
            }
            Ok(json) => {
                let choice = &json["choices"][0];
                let message = &choice["message"];
                exchange.reasoning = text(&message["reasoning_content"]).to_owned();
                exchange.answer = text(&message["content"]).to_owned();
                exchange.finish_reason = choice["finish_reason"].as_str().map(str::to_owned);
                exchange.usage = usage(&json["usage"]);
                if !exchange.answer.is_empty() {
                    exchange.first_token_ms = Some(at_ms);
                    exchange.answer_chunks_ms.push(at_ms);
                }
                if !exchange.answer.is_empty() || !exchange.reasoning.is_empty() {
                    exchange.first_any_token_ms = Some(at_ms);
                    exchange.last_token_ms = Some(at_ms);
                }
                if exchange.answer.is_empty() {
                    exchange.failure = Some(Failure::Empty);
                }
            }
        }
        exchange
    }
}

fn text(value: &Value) -> &str {
    value.as_str().unwrap_or("")
}

fn usage(value: &Value) -> Option<Usage> {
    Some(Usage {
        prompt_tokens: value.get("prompt_tokens")?.as_u64()?,
        completion_tokens: value.get("completion_tokens")?.as_u64()?,
    })
}

/// Builds an [`Exchange`] from a stream's events as they arrive.
#[derive(Debug, Default)]
pub struct Assembler {
    exchange: Exchange,
    events: usize,
    done: bool,
}

impl Assembler {
    /// Whether a token of either channel has arrived (the first-token time limit is met).
    pub fn has_token(&self) -> bool {
        self.exchange.first_any_token_ms.is_some()
    }

    /// One event's data, `at_ms` after sending. Events after a failure are ignored.
    pub fn event(&mut self, at_ms: f64, data: &str) {
        let index = self.events;
        self.events += 1;
        if self.exchange.failure.is_some() || self.done {
            return;
        }
        if data.trim() == "[DONE]" {
            self.done = true;
            return;
        }
        let json: Value = match serde_json::from_str(data) {
            Ok(json) => json,
            Err(e) => {
                self.exchange.failure = Some(Failure::InvalidJson { index, error: e.to_string() });
                return;
            }
        };
        if let Some(error) = json.get("error") {
            self.exchange.failure = Some(Failure::InStream(error.to_string()));
            return;
        }
        // Repeated on every chunk by some servers: the last one counts.
        if let Some(usage) = usage(&json["usage"]) {
            self.exchange.usage = Some(usage);
        }
        let Some(choice) = json["choices"].as_array().and_then(|c| c.first()) else { return };
        let delta = &choice["delta"];
        let reasoning = match text(&delta["reasoning_content"]) {
            "" => text(&delta["reasoning"]),
            r => r,
        };
        let content = text(&delta["content"]);
        let e = &mut self.exchange;
        if !reasoning.is_empty() || !content.is_empty() {
            e.first_any_token_ms.get_or_insert(at_ms);
            e.last_token_ms = Some(at_ms);
        }
        e.reasoning.push_str(reasoning);
        if !content.is_empty() {
            e.first_token_ms.get_or_insert(at_ms);
            e.answer_chunks_ms.push(at_ms);
            e.answer.push_str(content);
        }
        if let Some(reason) = choice["finish_reason"].as_str() {
            e.finish_reason = Some(reason.to_owned());
        }
    }

    /// The end of the body: whole only with `[DONE]` or a finish reason, and some answer.
    pub fn finish(mut self) -> Exchange {
        if self.exchange.failure.is_none() {
            if !self.done && self.exchange.finish_reason.is_none() {
                self.exchange.failure = Some(Failure::Cut);
            } else if self.exchange.answer.is_empty() {
                self.exchange.failure = Some(Failure::Empty);
            }
        }
        self.exchange
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn stream(events: &[(f64, &str)]) -> Exchange {
        let mut assembler = Assembler::default();
        for (at, data) in events {
            assembler.event(*at, data);
        }
        assembler.finish()
    }

    fn chunk(delta: &str, finish: Option<&str>) -> String {
        let finish = finish.map_or("null".to_owned(), |f| format!("\"{f}\""));
        format!(r#"{{"choices":[{{"index":0,"delta":{delta},"finish_reason":{finish}}}]}}"#)
    }

    #[test]
    fn the_first_token_is_the_first_non_empty_answer_not_the_role_or_the_reasoning() {
        let role = chunk(r#"{"role":"assistant"}"#, None);
        let empty = chunk(r#"{"content":""}"#, None);
        let think = chunk(r#"{"reasoning_content":"先想一想"}"#, None);
        let a = chunk(r#"{"content":"答案"}"#, None);
        let b = chunk(r#"{"content":"是B"}"#, None);
        let end = chunk("{}", Some("stop"));
        let usage = r#"{"choices":[],"usage":{"prompt_tokens":12,"completion_tokens":3}}"#;
        let e = stream(&[
            (10.0, &role),
            (20.0, &empty),
            (30.0, &think),
            (50.0, &a),
            (65.0, &b),
            (70.0, &end),
            (71.0, usage),
            (72.0, "[DONE]"),
        ]);
        assert!(e.is_ok(), "{e:?}");
        assert_eq!((e.answer.as_str(), e.reasoning.as_str()), ("答案是B", "先想一想"));
        assert_eq!((e.first_any_token_ms, e.first_token_ms, e.last_token_ms), (Some(30.0), Some(50.0), Some(65.0)));
        assert_eq!(e.answer_chunks_ms, [50.0, 65.0]);
        assert_eq!(e.usage, Some(Usage { prompt_tokens: 12, completion_tokens: 3 }));
    }

    #[test]
    fn usage_on_every_chunk_counts_once_the_last() {
        let with = |n: u64, content: &str| {
            format!(
                r#"{{"choices":[{{"delta":{{"content":"{content}"}}}}],"usage":{{"prompt_tokens":5,"completion_tokens":{n}}}}}"#
            )
        };
        let e = stream(&[(1.0, &with(1, "a")), (2.0, &with(2, "b")), (3.0, &with(3, "c")), (4.0, "[DONE]")]);
        assert_eq!(e.usage.unwrap().completion_tokens, 3);
    }

    #[test]
    fn broken_streams_fail_with_their_reason_and_are_not_answers() {
        let a = chunk(r#"{"content":"部分"}"#, None);
        assert_eq!(stream(&[(1.0, &a)]).failure, Some(Failure::Cut), "no [DONE], no finish reason");
        let error = r#"{"error":{"message":"overloaded","code":503}}"#;
        let failed = stream(&[(1.0, &a), (2.0, error), (3.0, "[DONE]")]);
        assert!(matches!(failed.failure, Some(Failure::InStream(ref m)) if m.contains("overloaded")));
        assert_eq!(failed.answer, "部分", "what arrived is kept for the transcript");
        assert!(matches!(stream(&[(1.0, "{not json")]).failure, Some(Failure::InvalidJson { index: 0, .. })));
        let role = chunk(r#"{"role":"assistant"}"#, Some("stop"));
        assert_eq!(stream(&[(1.0, &role), (2.0, "[DONE]")]).failure, Some(Failure::Empty));
    }

    #[test]
    fn a_length_finish_is_an_answer_recorded_as_truncated() {
        let a = chunk(r#"{"content":"很长的回答"}"#, Some("length"));
        let e = stream(&[(5.0, &a)]);
        assert!(e.is_ok() && e.is_truncated(), "a finish reason ends the stream even without [DONE]");
    }

    #[test]
    fn a_non_streamed_response_is_read_the_same_way() {
        let body = r#"{"choices":[{"message":{"role":"assistant","content":"C"},"finish_reason":"stop"}],"usage":{"prompt_tokens":9,"completion_tokens":1}}"#;
        let e = Exchange::from_response(120.0, body);
        assert!(e.is_ok());
        assert_eq!((e.answer.as_str(), e.first_token_ms, e.usage.unwrap().completion_tokens), ("C", Some(120.0), 1));
        assert!(matches!(Exchange::from_response(1.0, r#"{"error":"bad"}"#).failure, Some(Failure::InStream(_))));
    }
}
