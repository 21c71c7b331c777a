//! How many streamed requests a second the measuring client handles, so the measuring side is
//! never the bottleneck: the scripted server answers at once (a role chunk, three pieces, a
//! finish, usage, `[DONE]`) and `run` keeps 64 requests in flight. Server and client share this
//! process and its cores, so the rate is a lower bound for the client alone. Prints one JSON
//! line; `scripts/bench` runs it (`cargo bench -p jiebang-chat --bench client`).

use std::time::{Duration, Instant};

use jiebang_chat::client::{Client, Endpoint, Settings};
use jiebang_chat::run::{Load, Plan, Question, run};
use jiebang_chat::scripted::{Script, Server};
use serde_json::json;

fn main() {
    let requests: usize = std::env::var("JIEBANG_BENCH_REQUESTS").ok().and_then(|v| v.parse().ok()).unwrap_or(20_000);
    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build().expect("a runtime");
    runtime.block_on(async {
        let server =
            Server::start(|_| Script::answer(&["答案", "是", "B"], Duration::ZERO, Duration::ZERO, Some((20, 3))))
                .await
                .expect("a server");
        let endpoint = Endpoint { base_url: server.base_url(), model: "scripted".into(), api_key: None };
        let client = Client::new(&endpoint, Settings::default()).expect("a client");
        let questions: Vec<Question> = (0..requests)
            .map(|i| Question {
                id: i.to_string(),
                messages: vec![json!({"role": "user", "content": format!("问题 {i}")})],
            })
            .collect();
        let plan = Plan { load: Load::Concurrency { requests: 64 }, max_rate_per_s: None, time_limit: None };
        let (mut ok, mut failed) = (0usize, 0usize);
        let started = Instant::now();
        let summary = run(&client, questions, &plan, std::future::pending(), |r| {
            if r.asked.exchange.is_ok() { ok += 1 } else { failed += 1 }
        })
        .await;
        let seconds = started.elapsed().as_secs_f64();
        println!(
            "{}",
            json!({"requests": requests, "answered": ok, "failed": failed, "seconds": seconds,
                   "requests_per_s": requests as f64 / seconds, "wall_ms": summary.wall_ms})
        );
    });
}
