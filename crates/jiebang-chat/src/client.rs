//! One question put to a live endpoint: the request built from the settings, sent over
//! HTTP/1.1 or HTTP/2 (reqwest), the answer read as it streams, with three time limits and
//! retries that can never duplicate a generation.
//!
//! - **Time limits.** `connect` bounds opening the connection; `first_token` bounds the wait
//!   from each attempt's send to the first token of either channel (reasoning shows the server
//!   is working); `total` bounds the whole exchange from the first send, retries included.
//! - **Retries.** A connection error, a 5xx and a 429 are retried — 429 after its
//!   `Retry-After`, the others with exponential backoff — and only while no byte of the body has
//!   arrived: once the server has started answering, a failure is the answer's. A time limit is
//!   never retried, because the server may still be generating.
//! - **Timing.** Every time is measured from the first attempt's send, so the waits a client
//!   sees (429s included) count against TTFT; the [`Asked::attempts`] say what each cost.
//! - **The key** goes only into a sensitive `Authorization` header: it is in no error, no
//!   transcript and no `Debug` output.

use std::time::Duration;

use reqwest::header::{AUTHORIZATION, CONTENT_TYPE, HeaderMap, HeaderValue, RETRY_AFTER};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use tokio::time::Instant;

use crate::exchange::{Assembler, Exchange, Failure};
use crate::sse::Decoder;

/// Where the model is served.
#[derive(Clone)]
pub struct Endpoint {
    /// The base URL, up to and including `/v1`; `/chat/completions` is added.
    pub base_url: String,
    /// The `model` field of every request.
    pub model: String,
    /// Sent as `Authorization: Bearer …` when set.
    pub api_key: Option<String>,
}

impl std::fmt::Debug for Endpoint {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Endpoint")
            .field("base_url", &self.base_url)
            .field("model", &self.model)
            .field("api_key", &self.api_key.as_ref().map(|_| "…"))
            .finish()
    }
}

/// What every request asks for, and how long and how often to try.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Settings {
    /// Stream the answer (SSE) with `stream_options.include_usage`.
    pub stream: bool,
    /// `max_tokens`.
    pub max_tokens: Option<u32>,
    /// `temperature`.
    pub temperature: Option<f64>,
    /// `top_p`.
    pub top_p: Option<f64>,
    /// `seed`.
    pub seed: Option<u64>,
    /// `stop`.
    pub stop: Vec<String>,
    /// Time limits.
    pub timeouts: Timeouts,
    /// Retries.
    pub retry: Retry,
}

impl Default for Settings {
    fn default() -> Self {
        Self {
            stream: true,
            max_tokens: Some(512),
            temperature: Some(0.0),
            top_p: None,
            seed: Some(0),
            stop: Vec::new(),
            timeouts: Timeouts::default(),
            retry: Retry::default(),
        }
    }
}

/// The three time limits.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Timeouts {
    /// Opening the connection.
    #[serde(with = "millis")]
    pub connect: Duration,
    /// From an attempt's send to the first token.
    #[serde(with = "millis")]
    pub first_token: Duration,
    /// The whole exchange, retries included.
    #[serde(with = "millis")]
    pub total: Duration,
}

impl Default for Timeouts {
    fn default() -> Self {
        Self { connect: Duration::from_secs(10), first_token: Duration::from_secs(60), total: Duration::from_secs(300) }
    }
}

/// How often to try.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Retry {
    /// Attempts in all (1: no retry).
    pub attempts: u32,
    /// The first backoff; each next one doubles, up to `max_backoff`.
    #[serde(with = "millis")]
    pub backoff: Duration,
    /// The longest wait, `Retry-After` included.
    #[serde(with = "millis")]
    pub max_backoff: Duration,
}

impl Default for Retry {
    fn default() -> Self {
        Self { attempts: 4, backoff: Duration::from_millis(500), max_backoff: Duration::from_secs(30) }
    }
}

mod millis {
    use std::time::Duration;

    pub(super) fn serialize<S: serde::Serializer>(d: &Duration, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_u64(d.as_millis() as u64)
    }
}

/// The settings cannot make a client.
#[derive(Debug, thiserror::Error)]
pub enum ClientError {
    /// The base URL is not an http(s) URL.
    #[error("base URL {0:?}: 须为 http:// 或 https:// 地址 / must be an http:// or https:// URL")]
    BaseUrl(String),
    /// The key cannot be sent in a header.
    #[error("API key: 含有不能放入 HTTP 头的字符 / contains characters an HTTP header cannot carry")]
    Key,
    /// reqwest refused to build.
    #[error("HTTP client: {0}")]
    Build(String),
}

/// One attempt and how it ended.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Attempt {
    /// Sent, ms after the first attempt's send.
    pub sent_ms: f64,
    /// The status, when a response came.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub status: Option<u16>,
    /// Why it was retried, or how it failed; `None` for the attempt that answered.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    /// The wait before the next attempt, ms.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub wait_ms: Option<f64>,
}

/// A question and everything that came back.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Asked {
    /// The request body (no key is in it).
    pub request: Value,
    /// Every attempt, in order.
    pub attempts: Vec<Attempt>,
    /// The last response's events (ms after the first send, data), or its body as one event.
    pub events: Vec<(f64, String)>,
    /// The exchange as assembled.
    pub exchange: Exchange,
}

/// A client for one endpoint and its settings.
#[derive(Debug, Clone)]
pub struct Client {
    http: reqwest::Client,
    url: String,
    model: String,
    settings: Settings,
}

/// How much of an error body is kept.
const ERROR_BODY_BYTES: usize = 2048;

impl Client {
    /// A client; pools connections across the requests of a run.
    pub fn new(endpoint: &Endpoint, settings: Settings) -> Result<Self, ClientError> {
        let base = endpoint.base_url.trim_end_matches('/');
        if !(base.starts_with("http://") || base.starts_with("https://")) || reqwest::Url::parse(base).is_err() {
            return Err(ClientError::BaseUrl(endpoint.base_url.clone()));
        }
        let mut headers = HeaderMap::new();
        if let Some(key) = &endpoint.api_key {
            let mut value = HeaderValue::from_str(&format!("Bearer {key}")).map_err(|_| ClientError::Key)?;
            value.set_sensitive(true);
            headers.insert(AUTHORIZATION, value);
        }
        let http = reqwest::Client::builder()
            .default_headers(headers)
            .connect_timeout(settings.timeouts.connect)
            .pool_max_idle_per_host(usize::MAX)
            .tcp_nodelay(true)
            .build()
            .map_err(|e| ClientError::Build(e.to_string()))?;
        Ok(Self { http, url: format!("{base}/chat/completions"), model: endpoint.model.clone(), settings })
    }

    /// The settings.
    pub fn settings(&self) -> &Settings {
        &self.settings
    }

    /// The request body for `messages`.
    pub fn body(&self, messages: Vec<Value>) -> Value {
        let s = &self.settings;
        let mut body = json!({"model": self.model, "messages": messages, "stream": s.stream});
        if s.stream {
            body["stream_options"] = json!({"include_usage": true});
        }
        if let Some(v) = s.max_tokens {
            body["max_tokens"] = json!(v);
        }
        if let Some(v) = s.temperature {
            body["temperature"] = json!(v);
        }
        if let Some(v) = s.top_p {
            body["top_p"] = json!(v);
        }
        if let Some(v) = s.seed {
            body["seed"] = json!(v);
        }
        if !s.stop.is_empty() {
            body["stop"] = json!(s.stop);
        }
        body
    }

    /// Puts `messages` to the model.
    pub async fn ask(&self, messages: Vec<Value>) -> Asked {
        let request = self.body(messages);
        let payload = serde_json::to_vec(&request).unwrap_or_default();
        let start = Instant::now();
        let ms = move || start.elapsed().as_secs_f64() * 1000.0;
        let limits = self.settings.timeouts;
        let total_deadline = start + limits.total;
        let mut attempts: Vec<Attempt> = Vec::new();
        let mut backoff = self.settings.retry.backoff;
        let finish = |attempts, events, exchange| Asked { request: request.clone(), attempts, events, exchange };
        loop {
            let sent = Instant::now();
            let mut attempt = Attempt { sent_ms: ms(), status: None, error: None, wait_ms: None };
            let first_deadline = (sent + limits.first_token).min(total_deadline);
            let send = self.http.post(&self.url).header(CONTENT_TYPE, "application/json").body(payload.clone()).send();
            // Why the attempt failed, whether it may be retried, and any server-given wait.
            let (failure, retry_after): (Failure, Option<Duration>) =
                match tokio::time::timeout_at(first_deadline, send).await {
                    Err(_) => {
                        let phase = if sent + limits.first_token > total_deadline { "total" } else { "first_token" };
                        attempt.error = Some(format!("timeout: {phase}"));
                        attempts.push(attempt);
                        return finish(attempts, Vec::new(), Exchange::failed(Failure::Timeout(phase.into())));
                    }
                    Ok(Err(e)) if e.is_timeout() => {
                        attempt.error = Some("timeout: connect".into());
                        attempts.push(attempt);
                        return finish(attempts, Vec::new(), Exchange::failed(Failure::Timeout("connect".into())));
                    }
                    Ok(Err(e)) => (Failure::Connection(describe(&e)), None),
                    Ok(Ok(response)) if response.status().is_success() => {
                        attempt.status = Some(response.status().as_u16());
                        match self.read(response, start, first_deadline, total_deadline).await {
                            Read::Done(events, exchange) => {
                                attempts.push(attempt);
                                return finish(attempts, events, exchange);
                            }
                            Read::NothingArrived(failure) => (failure, None),
                        }
                    }
                    Ok(Ok(response)) => {
                        let status = response.status().as_u16();
                        attempt.status = Some(status);
                        let retry_after = response
                            .headers()
                            .get(RETRY_AFTER)
                            .and_then(|v| v.to_str().ok())
                            .and_then(|v| v.trim().parse::<f64>().ok())
                            .filter(|s| s.is_finite() && *s >= 0.0)
                            .map(Duration::from_secs_f64);
                        let body = error_body(response, total_deadline).await;
                        let failure = Failure::Http { status, body };
                        if !(status == 429 || status >= 500) {
                            attempt.error = Some(failure.to_string());
                            attempts.push(attempt);
                            return finish(attempts, Vec::new(), Exchange::failed(failure));
                        }
                        (failure, retry_after)
                    }
                };
            attempt.error = Some(failure.to_string());
            let wait = retry_after.unwrap_or(backoff).min(self.settings.retry.max_backoff);
            let last = attempts.len() as u32 + 1 >= self.settings.retry.attempts;
            if last || Instant::now() + wait >= total_deadline {
                attempts.push(attempt);
                return finish(attempts, Vec::new(), Exchange::failed(failure));
            }
            attempt.wait_ms = Some(wait.as_secs_f64() * 1000.0);
            attempts.push(attempt);
            tokio::time::sleep(wait).await;
            backoff = (backoff * 2).min(self.settings.retry.max_backoff);
        }
    }

    /// Reads a successful response: a stream, or one JSON body when the server did not stream.
    async fn read(
        &self,
        mut response: reqwest::Response,
        start: Instant,
        first_deadline: Instant,
        total_deadline: Instant,
    ) -> Read {
        let ms = || start.elapsed().as_secs_f64() * 1000.0;
        let streamed = response
            .headers()
            .get(CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.starts_with("text/event-stream"));
        let mut decoder = Decoder::default();
        let mut assembler = Assembler::default();
        let mut events: Vec<(f64, String)> = Vec::new();
        let mut body: Vec<u8> = Vec::new();
        let mut received = 0usize;
        loop {
            let waiting_first = streamed && !assembler.has_token();
            let deadline = if waiting_first { first_deadline } else { total_deadline };
            match tokio::time::timeout_at(deadline, response.chunk()).await {
                Err(_) => {
                    let phase = if waiting_first && deadline < total_deadline { "first_token" } else { "total" };
                    let mut exchange = if streamed { assembler.finish() } else { Exchange::default() };
                    exchange.failure = Some(Failure::Timeout(phase.into()));
                    return Read::Done(events, exchange);
                }
                Ok(Err(e)) if received == 0 => return Read::NothingArrived(Failure::Connection(describe(&e))),
                Ok(Err(e)) => {
                    let mut exchange = if streamed { assembler.finish() } else { Exchange::default() };
                    exchange.failure = Some(Failure::Connection(format!("after {received} bytes: {}", describe(&e))));
                    return Read::Done(events, exchange);
                }
                Ok(Ok(Some(bytes))) => {
                    received += bytes.len();
                    if streamed {
                        let at = ms();
                        for data in decoder.feed(&bytes) {
                            assembler.event(at, &data);
                            events.push((at, data));
                        }
                    } else {
                        body.extend_from_slice(&bytes);
                    }
                }
                Ok(Ok(None)) => {
                    let at = ms();
                    if !streamed {
                        let text = String::from_utf8_lossy(&body).into_owned();
                        let exchange = Exchange::from_response(at, &text);
                        return Read::Done(vec![(at, text)], exchange);
                    }
                    for data in decoder.finish() {
                        assembler.event(at, &data);
                        events.push((at, data));
                    }
                    return Read::Done(events, assembler.finish());
                }
            }
        }
    }
}

enum Read {
    /// An answer, whole or failed: never retried.
    Done(Vec<(f64, String)>, Exchange),
    /// The body broke before its first byte: may be retried.
    NothingArrived(Failure),
}

/// The start of an error response's body.
async fn error_body(mut response: reqwest::Response, deadline: Instant) -> String {
    let mut body = Vec::new();
    while body.len() < ERROR_BODY_BYTES {
        match tokio::time::timeout_at(deadline, response.chunk()).await {
            Ok(Ok(Some(bytes))) => body.extend_from_slice(&bytes),
            _ => break,
        }
    }
    body.truncate(ERROR_BODY_BYTES);
    String::from_utf8_lossy(&body).into_owned()
}

/// reqwest's error with its causes (it names the URL, never the headers).
fn describe(error: &reqwest::Error) -> String {
    let mut text = error.to_string();
    let mut source = std::error::Error::source(error);
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_body_carries_the_settings_and_no_key() {
        let endpoint = Endpoint {
            base_url: "http://127.0.0.1:9/v1/".into(),
            model: "m".into(),
            api_key: Some("sk-secret".into()),
        };
        let settings = Settings { stop: vec!["\n\n".into()], top_p: Some(0.9), ..Settings::default() };
        let client = Client::new(&endpoint, settings).unwrap();
        assert_eq!(client.url, "http://127.0.0.1:9/v1/chat/completions");
        let body = client.body(vec![json!({"role": "user", "content": "hi"})]);
        assert_eq!(body["stream_options"]["include_usage"], true);
        assert_eq!(
            (body["max_tokens"].as_u64(), body["seed"].as_u64(), body["top_p"].as_f64()),
            (Some(512), Some(0), Some(0.9))
        );
        assert!(!body.to_string().contains("sk-secret"));
        assert!(!format!("{endpoint:?} {client:?}").contains("sk-secret"));
        assert!(matches!(
            Client::new(&Endpoint { base_url: "ftp://x".into(), ..endpoint }, Settings::default()),
            Err(ClientError::BaseUrl(_))
        ));
    }
}
