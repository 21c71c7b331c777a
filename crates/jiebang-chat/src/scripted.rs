//! A scripted OpenAI-compatible server for tests and benchmarks (feature `scripted`): each
//! request is answered by a [`Script`] of steps — a response head, waits, events, raw bytes, a
//! clean end or a cut connection — so every trap a real server sets, and the faults a real one
//! cannot be made to produce, happen at known times. HTTP/1.1 with keep-alive, on a random
//! loopback port; streamed bodies use chunked encoding, so a cut is a real broken body.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde_json::{Value, json};
use tokio::io::{AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::{TcpListener, TcpStream};

/// One step of an answer.
#[derive(Debug, Clone, PartialEq)]
pub enum Step {
    /// Wait.
    Wait(Duration),
    /// A streamed response's head (chunked `text/event-stream`), with extra headers.
    Head(u16, Vec<(String, String)>),
    /// A `data:` event, as one chunk.
    Event(String),
    /// Bytes, as one chunk.
    Raw(Vec<u8>),
    /// A whole response with a `Content-Length` body: status, extra headers, body.
    Whole(u16, Vec<(String, String)>, String),
    /// The end of a streamed body; the connection stays open for the next request.
    End,
    /// Close the connection at once.
    Cut,
}

/// What the server does with one request.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Script(pub Vec<Step>);

/// A request as the script sees it.
#[derive(Debug, Clone, PartialEq)]
pub struct Request {
    /// The JSON body.
    pub body: Value,
    /// The `Authorization` header, if sent.
    pub authorization: Option<String>,
    /// How many times this same body was received before (0 the first time).
    pub seen: usize,
}

/// A chunk of a chat completion stream: `delta` and a finish reason.
pub fn chunk(delta: Value, finish: Option<&str>) -> String {
    json!({"id": "chatcmpl-scripted", "object": "chat.completion.chunk", "model": "scripted",
           "choices": [{"index": 0, "delta": delta, "finish_reason": finish}]})
    .to_string()
}

impl Script {
    /// A well-behaved stream: the head; `first` later a role-only chunk and the first piece,
    /// then each next piece `gap` after the last; a finish chunk, a usage chunk with empty
    /// `choices` (when `usage` is set: prompt and completion tokens) and `[DONE]`.
    pub fn answer(pieces: &[&str], first: Duration, gap: Duration, usage: Option<(u64, u64)>) -> Self {
        let mut steps = vec![
            Step::Head(200, Vec::new()),
            Step::Wait(first),
            Step::Event(chunk(json!({"role": "assistant", "content": ""}), None)),
        ];
        for (i, piece) in pieces.iter().enumerate() {
            if i > 0 {
                steps.push(Step::Wait(gap));
            }
            steps.push(Step::Event(chunk(json!({"content": piece}), None)));
        }
        steps.push(Step::Event(chunk(json!({}), Some("stop"))));
        if let Some((prompt, completion)) = usage {
            steps.push(Step::Event(
                json!({"id": "chatcmpl-scripted", "choices": [], "usage": {"prompt_tokens": prompt, "completion_tokens": completion, "total_tokens": prompt + completion}}).to_string(),
            ));
        }
        steps.push(Step::Event("[DONE]".into()));
        steps.push(Step::End);
        Self(steps)
    }

    /// An error status with a JSON body and extra headers.
    pub fn status(status: u16, headers: &[(&str, &str)]) -> Self {
        let headers = headers.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())).collect();
        Self(vec![Step::Whole(
            status,
            headers,
            json!({"error": {"message": format!("scripted {status}")}}).to_string(),
        )])
    }
}

/// A running scripted server; stops when dropped.
pub struct Server {
    /// Where it listens.
    pub addr: SocketAddr,
    requests: Arc<Mutex<Vec<Request>>>,
    task: tokio::task::JoinHandle<()>,
}

type Handler = dyn Fn(&Request) -> Script + Send + Sync;

impl Server {
    /// Starts a server on a random loopback port that answers each request with `script`.
    pub async fn start(script: impl Fn(&Request) -> Script + Send + Sync + 'static) -> std::io::Result<Self> {
        let listener = TcpListener::bind("127.0.0.1:0").await?;
        let addr = listener.local_addr()?;
        let requests = Arc::new(Mutex::new(Vec::new()));
        let seen = Arc::new(Mutex::new(HashMap::<String, usize>::new()));
        let handler: Arc<Handler> = Arc::new(script);
        let log = requests.clone();
        let task = tokio::spawn(async move {
            while let Ok((stream, _)) = listener.accept().await {
                let (handler, log, seen) = (handler.clone(), log.clone(), seen.clone());
                tokio::spawn(async move {
                    let _ = serve(stream, &*handler, &log, &seen).await;
                });
            }
        });
        Ok(Self { addr, requests, task })
    }

    /// The base URL, `/v1` included.
    pub fn base_url(&self) -> String {
        format!("http://{}/v1", self.addr)
    }

    /// Every request received so far.
    pub fn requests(&self) -> Vec<Request> {
        self.requests.lock().expect("not poisoned").clone()
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.task.abort();
    }
}

async fn serve(
    stream: TcpStream,
    handler: &Handler,
    log: &Mutex<Vec<Request>>,
    seen: &Mutex<HashMap<String, usize>>,
) -> std::io::Result<()> {
    stream.set_nodelay(true)?;
    let mut reader = BufReader::new(stream);
    loop {
        let Some((headers, body)) = read_request(&mut reader).await? else { return Ok(()) };
        let body: Value = serde_json::from_slice(&body).unwrap_or(Value::Null);
        let key = body.to_string();
        let times = {
            let mut seen = seen.lock().expect("not poisoned");
            let n = seen.entry(key).or_default();
            *n += 1;
            *n - 1
        };
        let request = Request { body, authorization: headers.get("authorization").cloned(), seen: times };
        let script = handler(&request);
        log.lock().expect("not poisoned").push(request);
        let out = reader.get_mut();
        for step in script.0 {
            match step {
                Step::Wait(d) => tokio::time::sleep(d).await,
                Step::Head(status, extra) => {
                    let mut head = format!(
                        "HTTP/1.1 {status} {}\r\ncontent-type: text/event-stream\r\ncache-control: no-cache\r\ntransfer-encoding: chunked\r\n",
                        reason(status)
                    );
                    for (k, v) in extra {
                        head.push_str(&format!("{k}: {v}\r\n"));
                    }
                    head.push_str("\r\n");
                    out.write_all(head.as_bytes()).await?;
                }
                Step::Event(data) => write_chunk(out, format!("data: {data}\n\n").as_bytes()).await?,
                Step::Raw(bytes) => write_chunk(out, &bytes).await?,
                Step::End => out.write_all(b"0\r\n\r\n").await?,
                Step::Whole(status, extra, body) => {
                    let mut head = format!(
                        "HTTP/1.1 {status} {}\r\ncontent-type: application/json\r\ncontent-length: {}\r\n",
                        reason(status),
                        body.len()
                    );
                    for (k, v) in extra {
                        head.push_str(&format!("{k}: {v}\r\n"));
                    }
                    head.push_str("\r\n");
                    head.push_str(&body);
                    out.write_all(head.as_bytes()).await?;
                }
                Step::Cut => {
                    out.shutdown().await?;
                    return Ok(());
                }
            }
            out.flush().await?;
        }
    }
}

async fn write_chunk(out: &mut TcpStream, bytes: &[u8]) -> std::io::Result<()> {
    let mut framed = format!("{:x}\r\n", bytes.len()).into_bytes();
    framed.extend_from_slice(bytes);
    framed.extend_from_slice(b"\r\n");
    out.write_all(&framed).await
}

fn reason(status: u16) -> &'static str {
    match status {
        200 => "OK",
        400 => "Bad Request",
        401 => "Unauthorized",
        429 => "Too Many Requests",
        500 => "Internal Server Error",
        503 => "Service Unavailable",
        _ => "Status",
    }
}

/// Reads one request: lower-cased headers and the `Content-Length` body; `None` at a clean EOF.
async fn read_request(
    reader: &mut BufReader<TcpStream>,
) -> std::io::Result<Option<(HashMap<String, String>, Vec<u8>)>> {
    let mut head = Vec::new();
    while !head.ends_with(b"\r\n\r\n") {
        let mut byte = [0u8];
        if reader.read(&mut byte).await? == 0 {
            return Ok(None);
        }
        head.push(byte[0]);
    }
    let head = String::from_utf8_lossy(&head);
    let headers: HashMap<String, String> = head
        .lines()
        .skip(1)
        .filter_map(|line| line.split_once(':'))
        .map(|(k, v)| (k.trim().to_ascii_lowercase(), v.trim().to_owned()))
        .collect();
    let length = headers.get("content-length").and_then(|v| v.parse().ok()).unwrap_or(0usize);
    let mut body = vec![0; length];
    reader.read_exact(&mut body).await?;
    Ok(Some((headers, body)))
}
