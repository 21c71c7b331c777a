//! Every trap of docs/llm-eval.md §3 served by the scripted server at known times, and what the
//! client makes of it.

use std::time::Duration;

use jiebang_chat::client::{Asked, Client, Endpoint, Retry, Settings, Timeouts};
use jiebang_chat::exchange::Failure;
use jiebang_chat::scripted::{Request, Script, Server, Step, chunk};
use serde_json::json;

const MS: Duration = Duration::from_millis(1);

fn settings() -> Settings {
    Settings {
        retry: Retry { attempts: 3, backoff: 50 * MS, max_backoff: 2000 * MS },
        timeouts: Timeouts { connect: 2000 * MS, first_token: 1000 * MS, total: 5000 * MS },
        ..Settings::default()
    }
}

async fn ask_with(server: &Server, settings: Settings, key: Option<&str>) -> Asked {
    let endpoint = Endpoint { base_url: server.base_url(), model: "scripted".into(), api_key: key.map(str::to_owned) };
    let client = Client::new(&endpoint, settings).unwrap();
    client.ask(vec![json!({"role": "user", "content": "问题"})]).await
}

async fn ask(script: impl Fn(&Request) -> Script + Send + Sync + 'static) -> (Asked, Server) {
    let server = Server::start(script).await.unwrap();
    (ask_with(&server, settings(), None).await, server)
}

/// `value` lies in [`low`, `low + slack`]: a sleep is never shorter, and on a loaded CI core
/// may be somewhat longer.
fn near(value: Option<f64>, low: f64) {
    let v = value.expect("measured");
    assert!((low..low + 150.0).contains(&v), "{v} ms, expected about {low} ms");
}

fn events(steps: Vec<Step>) -> Script {
    let mut all = vec![Step::Head(200, Vec::new())];
    all.extend(steps);
    all.push(Step::End);
    Script(all)
}

#[tokio::test]
async fn a_stream_is_timed_from_the_send_past_the_role_chunk() {
    let (asked, server) = ask(|_| Script::answer(&["答案", "是", "B"], 200 * MS, 60 * MS, Some((20, 3)))).await;
    let e = &asked.exchange;
    assert!(e.is_ok(), "{e:?}");
    assert_eq!(e.answer, "答案是B");
    near(e.first_token_ms, 200.0);
    near(e.last_token_ms, 320.0);
    let gaps: Vec<f64> = e.answer_chunks_ms.windows(2).map(|w| w[1] - w[0]).collect();
    assert!(gaps.iter().all(|g| (60.0..160.0).contains(g)), "{gaps:?}");
    assert_eq!(e.usage.map(|u| u.completion_tokens), Some(3), "the usage chunk with empty choices");
    assert_eq!(asked.attempts.len(), 1);
    let body = &server.requests()[0].body;
    assert_eq!((body["stream"].as_bool(), body["stream_options"]["include_usage"].as_bool()), (Some(true), Some(true)));
    assert_eq!(asked.events.last().map(|(_, d)| d.as_str()), Some("[DONE]"));
}

#[tokio::test]
async fn reasoning_before_the_answer_is_timed_apart() {
    let (asked, _) = ask(|_| {
        events(vec![
            Step::Event(chunk(json!({"role": "assistant"}), None)),
            Step::Wait(100 * MS),
            Step::Event(chunk(json!({"reasoning_content": "先分析"}), None)),
            Step::Wait(200 * MS),
            Step::Event(chunk(json!({"content": ""}), None)),
            Step::Event(chunk(json!({"content": "C"}), Some("stop"))),
            Step::Event("[DONE]".into()),
        ])
    })
    .await;
    let e = asked.exchange;
    assert_eq!((e.reasoning.as_str(), e.answer.as_str()), ("先分析", "C"));
    near(e.first_any_token_ms, 100.0);
    near(e.first_token_ms, 300.0);
    assert_eq!(e.usage, None, "no usage sent: the count falls to the caller");
}

#[tokio::test]
async fn usage_repeated_on_every_chunk_counts_once() {
    let with_usage = |content: &str, n: u64| {
        json!({"choices": [{"delta": {"content": content}}], "usage": {"prompt_tokens": 4, "completion_tokens": n}})
            .to_string()
    };
    let (asked, _) = ask(move |_| {
        events(vec![Step::Event(with_usage("甲", 1)), Step::Event(with_usage("乙", 2)), Step::Event("[DONE]".into())])
    })
    .await;
    assert_eq!(asked.exchange.usage.map(|u| u.completion_tokens), Some(2));
}

#[tokio::test]
async fn a_429_is_retried_after_its_retry_after_and_the_wait_counts() {
    let (asked, server) = ask(|r| match r.seen {
        0 => Script::status(429, &[("retry-after", "1")]),
        _ => Script::answer(&["A"], Duration::ZERO, MS, Some((5, 1))),
    })
    .await;
    assert!(asked.exchange.is_ok());
    assert_eq!(asked.attempts.len(), 2);
    assert_eq!((asked.attempts[0].status, asked.attempts[0].wait_ms), (Some(429), Some(1000.0)));
    near(asked.exchange.first_token_ms, 1000.0);
    assert_eq!(server.requests().len(), 2);
}

#[tokio::test]
async fn a_500_before_the_body_and_a_dropped_connection_are_retried_with_backoff() {
    let (asked, _) = ask(|r| match r.seen {
        0 => Script::status(500, &[]),
        1 => Script(vec![Step::Cut]),
        _ => Script::answer(&["A"], Duration::ZERO, MS, None),
    })
    .await;
    assert!(asked.exchange.is_ok(), "{:?}", asked.exchange.failure);
    let waits: Vec<Option<f64>> = asked.attempts.iter().map(|a| a.wait_ms).collect();
    assert_eq!(waits, [Some(50.0), Some(100.0), None], "doubling backoff");
    assert!(asked.attempts[1].error.as_deref().unwrap().contains("connection"), "{:?}", asked.attempts[1]);
}

#[tokio::test]
async fn after_the_first_byte_nothing_is_retried() {
    // An error inside the stream.
    let (asked, server) = ask(|_| {
        events(vec![
            Step::Event(chunk(json!({"content": "部分"}), None)),
            Step::Event(json!({"error": {"message": "CUDA out of memory", "code": 500}}).to_string()),
        ])
    })
    .await;
    assert!(matches!(&asked.exchange.failure, Some(Failure::InStream(m)) if m.contains("CUDA")));
    assert_eq!((asked.exchange.answer.as_str(), server.requests().len()), ("部分", 1));
    // The connection broken mid-stream.
    let (asked, server) =
        ask(|_| Script(vec![Step::Head(200, vec![]), Step::Event(chunk(json!({"content": "半"}), None)), Step::Cut]))
            .await;
    assert!(
        matches!(&asked.exchange.failure, Some(Failure::Connection(m)) if m.starts_with("after")),
        "{:?}",
        asked.exchange
    );
    assert_eq!(server.requests().len(), 1, "never retried after partial output");
    // A clean end without [DONE] or a finish reason.
    let (asked, _) = ask(|_| events(vec![Step::Event(chunk(json!({"content": "半"}), None))])).await;
    assert_eq!(asked.exchange.failure, Some(Failure::Cut));
    // A chunk that is not JSON.
    let (asked, _) = ask(|_| events(vec![Step::Raw(b"data: {\"choices\": [\n\n".to_vec())])).await;
    assert!(matches!(asked.exchange.failure, Some(Failure::InvalidJson { index: 0, .. })));
}

#[tokio::test]
async fn a_slow_first_token_times_out_and_is_not_retried() {
    let server = Server::start(|_| Script::answer(&["迟"], 1500 * MS, MS, None)).await.unwrap();
    let mut s = settings();
    s.timeouts.first_token = 300 * MS;
    let asked = ask_with(&server, s, None).await;
    assert_eq!(asked.exchange.failure, Some(Failure::Timeout("first_token".into())));
    assert_eq!(server.requests().len(), 1);
    // The total limit holds even while tokens keep coming.
    let server =
        Server::start(|_| Script::answer(&["一", "二", "三", "四"], Duration::ZERO, 200 * MS, None)).await.unwrap();
    let mut s = settings();
    s.timeouts.total = 300 * MS;
    let asked = ask_with(&server, s, None).await;
    assert_eq!(asked.exchange.failure, Some(Failure::Timeout("total".into())));
    assert!(asked.exchange.answer.starts_with("一二"), "what arrived is kept: {}", asked.exchange.answer);
}

#[tokio::test]
async fn a_length_finish_is_a_truncated_answer_and_a_400_is_final() {
    let (asked, _) = ask(|_| {
        events(vec![Step::Event(chunk(json!({"content": "很长"}), Some("length"))), Step::Event("[DONE]".into())])
    })
    .await;
    assert!(asked.exchange.is_ok() && asked.exchange.is_truncated());
    let (asked, server) = ask(|_| Script::status(400, &[])).await;
    assert!(matches!(asked.exchange.failure, Some(Failure::Http { status: 400, .. })));
    assert_eq!(server.requests().len(), 1);
}

#[tokio::test]
async fn a_refused_connection_is_retried_then_failed() {
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let endpoint = Endpoint { base_url: format!("http://127.0.0.1:{port}/v1"), model: "m".into(), api_key: None };
    let asked = Client::new(&endpoint, settings()).unwrap().ask(vec![]).await;
    assert!(matches!(asked.exchange.failure, Some(Failure::Connection(_))), "{:?}", asked.exchange);
    assert_eq!(asked.attempts.len(), 3);
}

#[tokio::test]
async fn the_key_is_sent_as_a_bearer_token_and_kept_nowhere_else() {
    let server = Server::start(|_| Script::answer(&["好"], MS, MS, None)).await.unwrap();
    let asked = ask_with(&server, settings(), Some("sk-test-1234567890")).await;
    assert_eq!(server.requests()[0].authorization.as_deref(), Some("Bearer sk-test-1234567890"));
    let record = serde_json::to_string(&asked).unwrap();
    assert!(!record.contains("sk-test") && !format!("{asked:?}").contains("sk-test"));
}

#[tokio::test]
async fn a_server_that_does_not_stream_is_read_whole() {
    let body = json!({"choices": [{"message": {"role": "assistant", "content": "D"}, "finish_reason": "stop"}], "usage": {"prompt_tokens": 3, "completion_tokens": 1}});
    let (asked, _) = ask(move |_| Script(vec![Step::Whole(200, vec![], body.to_string())])).await;
    assert!(asked.exchange.is_ok());
    assert_eq!(asked.exchange.answer, "D");
}
