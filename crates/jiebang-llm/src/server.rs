//! The OpenAI-compatible endpoint of a loaded model: `POST /v1/chat/completions` (streamed as
//! server-sent events — a role chunk, content chunks, a finish chunk, a usage chunk when
//! `stream_options.include_usage` asks, `[DONE]` — or whole), `GET /v1/models` and
//! `GET /health`. One thread owns the model and answers one request at a time in arrival
//! order (no batching: under concurrency requests queue, and their TTFT says so); a client that
//! goes away stops its generation at the next token.

use std::convert::Infallible;
use std::ops::ControlFlow;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

use bytes::Bytes;
use http_body_util::combinators::BoxBody;
use http_body_util::{BodyExt, Full, Limited};
use hyper::body::{Frame, Incoming};
use hyper::{Method, Request, Response, StatusCode};
use serde_json::{Value, json};
use tokio::sync::mpsc;

use crate::LlmError;
use crate::model::{Finish, Model, Sampler};
use crate::template::Message;
use crate::tokenizer::TextStream;

/// The largest request body.
const MAX_BODY: usize = 8 << 20;

type Body = BoxBody<Bytes, Infallible>;

/// What the generation thread tells a request.
#[derive(Debug)]
enum Event {
    /// The prompt is read; generation begins.
    Started,
    Text(String),
    Done {
        finish: Finish,
        prompt_tokens: usize,
        completion_tokens: usize,
    },
    Failed(String),
}

/// One request, as the generation thread takes it.
#[derive(Debug, Clone, PartialEq)]
pub struct Ask {
    /// The conversation.
    pub messages: Vec<Message>,
    /// At most this many new tokens.
    pub max_tokens: usize,
    /// How tokens are picked.
    pub sampler: Sampler,
    /// Stop sequences: the answer ends before the first.
    pub stop: Vec<String>,
}

struct Job {
    ask: Ask,
    events: mpsc::UnboundedSender<Event>,
    gone: Arc<AtomicBool>,
}

struct Shared {
    name: String,
    jobs: std::sync::mpsc::Sender<Job>,
    requests: AtomicU64,
}

/// Serves `model` as `name` on `listener` until the process ends.
pub async fn serve(listener: tokio::net::TcpListener, model: Model, name: String) -> Result<(), LlmError> {
    let (jobs, queue) = std::sync::mpsc::channel::<Job>();
    std::thread::Builder::new()
        .name("generate".into())
        .spawn(move || generation_thread(model, queue))
        .map_err(|e| LlmError::System(e.to_string()))?;
    let shared = Arc::new(Shared { name, jobs, requests: AtomicU64::new(0) });
    loop {
        let (stream, _) = match listener.accept().await {
            Ok(accepted) => accepted,
            // Out of descriptors or a reset before accept: the next one may do.
            Err(_) => {
                tokio::time::sleep(std::time::Duration::from_millis(10)).await;
                continue;
            }
        };
        let _ = stream.set_nodelay(true);
        let shared = shared.clone();
        tokio::spawn(async move {
            let service = hyper::service::service_fn(move |request| handle(request, shared.clone()));
            let _ = hyper::server::conn::http1::Builder::new()
                .serve_connection(hyper_util::rt::TokioIo::new(stream), service)
                .await;
        });
    }
}

/// The model's thread: one job at a time.
fn generation_thread(mut model: Model, queue: std::sync::mpsc::Receiver<Job>) {
    while let Ok(job) = queue.recv() {
        if job.gone.load(Ordering::Relaxed) {
            continue;
        }
        let event = match answer(&mut model, &job) {
            Ok(done) => done,
            Err(e) => Event::Failed(e.to_string()),
        };
        let _ = job.events.send(event);
    }
}

/// Renders, tokenizes and generates one answer, sending its text as it comes.
fn answer(model: &mut Model, job: &Job) -> Result<Event, LlmError> {
    let ask = &job.ask;
    let prompt = model.template.render(&ask.messages, model.tokenizer.bos_text(), model.tokenizer.eos_text())?;
    let tokens = model.tokenizer.encode(&prompt)?;
    if job.events.send(Event::Started).is_err() {
        return Ok(Event::Failed("gone".into()));
    }
    let mut text = TextStream::default();
    let mut stops = StopScan::new(&ask.stop);
    let mut completion_tokens = 0;
    let mut stopped = false;
    // `generate` ends at the context's end as well as at `max_tokens`.
    let finish = model.generate(&tokens, ask.max_tokens, ask.sampler, |tokenizer, id| {
        completion_tokens += 1;
        let (out, hit) = stops.push(&text.push(tokenizer.piece(id)));
        if !out.is_empty() && job.events.send(Event::Text(out)).is_err() {
            job.gone.store(true, Ordering::Relaxed);
        }
        stopped = hit;
        if hit || job.gone.load(Ordering::Relaxed) { ControlFlow::Break(()) } else { ControlFlow::Continue(()) }
    })?;
    if !stopped {
        let (rest, _) = stops.push(&text.finish());
        let tail = rest + &stops.finish();
        if !tail.is_empty() {
            let _ = job.events.send(Event::Text(tail));
        }
    }
    Ok(Event::Done { finish, prompt_tokens: tokens.len(), completion_tokens })
}

/// Finds stop sequences in streamed text, holding back what might be the start of one.
struct StopScan<'a> {
    stops: &'a [String],
    held: String,
}

impl<'a> StopScan<'a> {
    fn new(stops: &'a [String]) -> Self {
        StopScan { stops, held: String::new() }
    }

    /// Adds text; returns what may be shown and whether a stop sequence ended the answer.
    fn push(&mut self, text: &str) -> (String, bool) {
        self.held.push_str(text);
        if let Some(at) = self.stops.iter().filter(|s| !s.is_empty()).filter_map(|s| self.held.find(s.as_str())).min() {
            let out = self.held[..at].to_owned();
            self.held.clear();
            return (out, true);
        }
        // The longest end of the held text that begins some stop sequence stays held.
        let keep = self
            .stops
            .iter()
            .flat_map(|s| s.char_indices().skip(1).map(move |(i, _)| &s[..i]))
            .filter(|prefix| self.held.ends_with(prefix))
            .map(str::len)
            .max()
            .unwrap_or(0);
        let out = self.held[..self.held.len() - keep].to_owned();
        self.held.drain(..self.held.len() - keep);
        (out, false)
    }

    fn finish(&mut self) -> String {
        std::mem::take(&mut self.held)
    }
}

fn full(status: StatusCode, value: Value) -> Response<Body> {
    let mut response = Response::new(Full::new(Bytes::from(value.to_string())).boxed());
    *response.status_mut() = status;
    response
        .headers_mut()
        .insert(hyper::header::CONTENT_TYPE, hyper::header::HeaderValue::from_static("application/json"));
    response
}

fn error(status: StatusCode, message: &str) -> Response<Body> {
    let kind = if status.is_server_error() { "server_error" } else { "invalid_request_error" };
    full(status, json!({"error": {"message": message, "type": kind}}))
}

async fn handle(request: Request<Incoming>, shared: Arc<Shared>) -> Result<Response<Body>, Infallible> {
    Ok(match (request.method(), request.uri().path()) {
        (&Method::GET, "/health") => full(StatusCode::OK, json!({"status": "ok"})),
        (&Method::GET, "/v1/models") => full(
            StatusCode::OK,
            json!({"object": "list", "data": [{"id": shared.name, "object": "model", "owned_by": "jiebang"}]}),
        ),
        (&Method::POST, "/v1/chat/completions") => {
            let body = match Limited::new(request.into_body(), MAX_BODY).collect().await {
                Ok(collected) => collected.to_bytes(),
                Err(_) => return Ok(error(StatusCode::PAYLOAD_TOO_LARGE, "request body too large or cut")),
            };
            match read_request(&body) {
                Ok((ask, stream, usage)) => chat(ask, stream, usage, &shared).await,
                Err(message) => error(StatusCode::BAD_REQUEST, &message),
            }
        }
        (_, "/health" | "/v1/models" | "/v1/chat/completions") => {
            error(StatusCode::METHOD_NOT_ALLOWED, "method not allowed")
        }
        (_, path) => error(StatusCode::NOT_FOUND, &format!("no route {path}")),
    })
}

/// The request's fields: what to ask, whether to stream, whether to send usage in the stream.
fn read_request(body: &[u8]) -> Result<(Ask, bool, bool), String> {
    let value: Value = serde_json::from_slice(body).map_err(|e| format!("invalid JSON: {e}"))?;
    let messages = value.get("messages").and_then(Value::as_array).ok_or("messages: an array is required")?;
    let mut read = Vec::with_capacity(messages.len());
    for (i, m) in messages.iter().enumerate() {
        let role = m.get("role").and_then(Value::as_str).ok_or(format!("messages[{i}].role: a string is required"))?;
        let content = match m.get("content") {
            Some(Value::String(s)) => s.clone(),
            Some(Value::Array(parts)) => {
                let mut text = String::new();
                for (j, part) in parts.iter().enumerate() {
                    match (part.get("type").and_then(Value::as_str), part.get("text").and_then(Value::as_str)) {
                        (Some("text"), Some(t)) => text.push_str(t),
                        (kind, _) => {
                            return Err(format!(
                                "messages[{i}].content[{j}]: the built-in runner reads text parts only, not {kind:?}"
                            ));
                        }
                    }
                }
                text
            }
            Some(Value::Null) | None => String::new(),
            Some(_) => return Err(format!("messages[{i}].content: a string or an array of parts is required")),
        };
        read.push(Message { role: role.to_owned(), content });
    }
    let number = |key: &str| value.get(key).filter(|v| !v.is_null());
    let max_tokens = match number("max_completion_tokens").or(number("max_tokens")) {
        None => usize::MAX,
        Some(v) => v.as_u64().filter(|n| *n > 0).ok_or("max_tokens: a positive integer is required")? as usize,
    };
    let float = |key: &str, default: f64| match number(key) {
        None => Ok(default),
        Some(v) => {
            v.as_f64().filter(|f| f.is_finite() && *f >= 0.0).ok_or(format!("{key}: a non-negative number is required"))
        }
    };
    let sampler = Sampler {
        temperature: float("temperature", 1.0)?,
        top_p: number("top_p").map(|_| float("top_p", 1.0)).transpose()?,
        seed: number("seed").and_then(Value::as_u64).unwrap_or(0),
    };
    let stop = match number("stop") {
        None => Vec::new(),
        Some(Value::String(s)) => vec![s.clone()],
        Some(Value::Array(items)) => items
            .iter()
            .map(|s| s.as_str().map(str::to_owned).ok_or("stop: strings are required"))
            .collect::<Result<_, _>>()?,
        Some(_) => return Err("stop: a string or an array of strings is required".into()),
    };
    let stream = value.get("stream").and_then(Value::as_bool).unwrap_or(false);
    let usage = value.pointer("/stream_options/include_usage").and_then(Value::as_bool).unwrap_or(false);
    Ok((Ask { messages: read, max_tokens, sampler, stop }, stream, usage))
}

fn finish_reason(finish: Finish) -> &'static str {
    match finish {
        Finish::Stop => "stop",
        Finish::Length => "length",
    }
}

async fn chat(ask: Ask, stream: bool, include_usage: bool, shared: &Shared) -> Response<Body> {
    let (events, mut receive) = mpsc::unbounded_channel();
    let gone = Arc::new(AtomicBool::new(false));
    if shared.jobs.send(Job { ask, events, gone: gone.clone() }).is_err() {
        return error(StatusCode::SERVICE_UNAVAILABLE, "the model has stopped");
    }
    let number = shared.requests.fetch_add(1, Ordering::Relaxed);
    let id = format!("chatcmpl-{number}");
    let created = SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs());
    match receive.recv().await {
        Some(Event::Started) => {}
        Some(Event::Failed(message)) => return error(StatusCode::BAD_REQUEST, &message),
        _ => return error(StatusCode::INTERNAL_SERVER_ERROR, "the model stopped answering"),
    }
    let name = shared.name.clone();
    if !stream {
        let mut text = String::new();
        loop {
            match receive.recv().await {
                Some(Event::Text(t)) => text.push_str(&t),
                Some(Event::Done { finish, prompt_tokens, completion_tokens }) => {
                    return full(
                        StatusCode::OK,
                        json!({"id": id, "object": "chat.completion", "created": created, "model": name,
                               "choices": [{"index": 0, "message": {"role": "assistant", "content": text}, "finish_reason": finish_reason(finish)}],
                               "usage": {"prompt_tokens": prompt_tokens, "completion_tokens": completion_tokens, "total_tokens": prompt_tokens + completion_tokens}}),
                    );
                }
                Some(Event::Failed(message)) => return error(StatusCode::INTERNAL_SERVER_ERROR, &message),
                Some(Event::Started) | None => {
                    return error(StatusCode::INTERNAL_SERVER_ERROR, "the model stopped answering");
                }
            }
        }
    }
    let (mut sender, body) = http_body_util::channel::Channel::<Bytes, Infallible>::new(16);
    tokio::spawn(async move {
        let chunk = |delta: Value, finish: Option<&str>| {
            json!({"id": id, "object": "chat.completion.chunk", "created": created, "model": name,
                   "choices": [{"index": 0, "delta": delta, "finish_reason": finish}]})
        };
        let event = |value: Value| Bytes::from(format!("data: {value}\n\n"));
        let mut sent = sender.send(Frame::data(event(chunk(json!({"role": "assistant", "content": ""}), None)))).await;
        while sent.is_ok() {
            let frame = match receive.recv().await {
                Some(Event::Text(t)) => event(chunk(json!({"content": t}), None)),
                Some(Event::Done { finish, prompt_tokens, completion_tokens }) => {
                    let mut tail = event(chunk(json!({}), Some(finish_reason(finish)))).to_vec();
                    if include_usage {
                        let usage = json!({"id": id, "object": "chat.completion.chunk", "created": created, "model": name, "choices": [],
                                           "usage": {"prompt_tokens": prompt_tokens, "completion_tokens": completion_tokens,
                                                     "total_tokens": prompt_tokens + completion_tokens}});
                        tail.extend_from_slice(&event(usage));
                    }
                    tail.extend_from_slice(b"data: [DONE]\n\n");
                    let _ = sender.send(Frame::data(Bytes::from(tail))).await;
                    return;
                }
                Some(Event::Failed(message)) => {
                    let _ = sender
                        .send(Frame::data(event(json!({"error": {"message": message, "type": "server_error"}}))))
                        .await;
                    return;
                }
                Some(Event::Started) => continue,
                None => return,
            };
            sent = sender.send(Frame::data(frame)).await;
        }
        gone.store(true, Ordering::Relaxed);
    });
    let mut response = Response::new(body.boxed());
    let headers = response.headers_mut();
    headers.insert(hyper::header::CONTENT_TYPE, hyper::header::HeaderValue::from_static("text/event-stream"));
    headers.insert(hyper::header::CACHE_CONTROL, hyper::header::HeaderValue::from_static("no-cache"));
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_stop_sequence_split_over_pieces_is_held_back_then_cut() {
        let stops = vec!["\n\n".to_owned(), "答案".to_owned()];
        let mut scan = StopScan::new(&stops);
        assert_eq!(scan.push("B.\n"), ("B.".into(), false));
        assert_eq!(scan.push("x答"), ("\nx".into(), false));
        assert_eq!(scan.push("案是"), ("".into(), true));
        let mut scan = StopScan::new(&stops);
        assert_eq!(scan.push("abc\n"), ("abc".into(), false));
        assert_eq!(scan.finish(), "\n");
    }

    #[test]
    fn requests_are_read_with_every_field_checked() {
        let (ask, stream, usage) = read_request(
            br#"{"messages":[{"role":"user","content":[{"type":"text","text":"hi"}]}],"max_tokens":8,"temperature":0,"stop":"x","stream":true,"stream_options":{"include_usage":true}}"#,
        )
        .unwrap();
        assert_eq!(
            (ask.messages[0].content.as_str(), ask.max_tokens, ask.stop, stream, usage),
            ("hi", 8, vec!["x".into()], true, true)
        );
        assert_eq!(ask.sampler.temperature, 0.0);
        for (body, expected) in [
            (&b"{"[..], "invalid JSON"),
            (br#"{"messages":3}"#, "messages: an array"),
            (br#"{"messages":[{"role":"user","content":[{"type":"image_url"}]}]}"#, "text parts only"),
            (br#"{"messages":[],"max_tokens":0}"#, "max_tokens"),
            (br#"{"messages":[],"temperature":-1}"#, "temperature"),
        ] {
            let e = read_request(body).unwrap_err();
            assert!(e.contains(expected), "{e}");
        }
    }
}
