//! Many questions under a load: in-flight limits, Poisson arrivals, the endpoint's rate limit,
//! the time limit and cancelling.

use std::time::Duration;

use jiebang_chat::client::{Client, Endpoint, Settings};
use jiebang_chat::exchange::Failure;
use jiebang_chat::run::{Load, Plan, Question, Record, arrivals, run};
use jiebang_chat::scripted::{Script, Server};
use serde_json::json;

const MS: Duration = Duration::from_millis(1);

fn questions(n: usize) -> Vec<Question> {
    (0..n)
        .map(|i| Question {
            id: format!("q{i}"),
            messages: vec![json!({"role": "user", "content": format!("问题 {i}")})],
        })
        .collect()
}

async fn go(
    plan: Plan,
    n: usize,
    took: Duration,
    cancel_after: Option<Duration>,
) -> (Vec<Record>, jiebang_chat::run::Summary) {
    let server = Server::start(move |_| Script::answer(&["A"], took, MS, Some((5, 1)))).await.unwrap();
    let endpoint = Endpoint { base_url: server.base_url(), model: "m".into(), api_key: None };
    let client = Client::new(&endpoint, Settings::default()).unwrap();
    let mut records = Vec::new();
    let cancel = async move {
        match cancel_after {
            Some(d) => tokio::time::sleep(d).await,
            None => std::future::pending().await,
        }
    };
    let summary = run(&client, questions(n), &plan, cancel, |r| records.push(r)).await;
    records.sort_by(|a, b| a.started_ms.total_cmp(&b.started_ms));
    (records, summary)
}

fn plan(load: Load) -> Plan {
    Plan { load, max_rate_per_s: None, time_limit: None }
}

#[tokio::test]
async fn a_closed_loop_keeps_its_requests_in_flight() {
    let (records, summary) = go(plan(Load::Concurrency { requests: 4 }), 8, 150 * MS, None).await;
    assert_eq!((records.len(), summary.finished, summary.cancelled), (8, 8, false));
    let starts: Vec<f64> = records.iter().map(|r| r.started_ms).collect();
    assert!(starts[..4].iter().all(|s| *s < 100.0), "{starts:?}");
    assert!(starts[4..].iter().all(|s| *s >= 150.0), "the fifth waits for a first to finish: {starts:?}");
    assert!((300.0..700.0).contains(&summary.wall_ms), "{}", summary.wall_ms);
    assert!(records.iter().all(|r| r.asked.exchange.is_ok()));
}

#[tokio::test]
async fn an_open_loop_sends_at_the_seeded_arrival_times() {
    let load = Load::Rate { per_s: 40.0, seed: 3, max_in_flight: None };
    let (records, _) = go(plan(load), 12, 300 * MS, None).await;
    let want = arrivals(12, 40.0, 3);
    for (record, at) in records.iter().zip(&want) {
        let at = at.as_secs_f64() * 1000.0;
        assert!((at..at + 100.0).contains(&record.started_ms), "sent at {} ms, due {at} ms", record.started_ms);
    }
}

#[tokio::test]
async fn the_endpoints_rate_limit_spaces_the_sends() {
    let plan = Plan { max_rate_per_s: Some(20.0), ..plan(Load::Concurrency { requests: 10 }) };
    let (records, _) = go(plan, 6, MS, None).await;
    let gaps: Vec<f64> = records.windows(2).map(|w| w[1].started_ms - w[0].started_ms).collect();
    assert!(gaps.iter().all(|g| *g >= 49.0), "at most 20 a second: {gaps:?}");
}

#[tokio::test]
async fn the_time_limit_leaves_the_rest_unasked_and_cancelling_drops_what_is_in_flight() {
    let limited = Plan { time_limit: Some(250 * MS), ..plan(Load::Concurrency { requests: 2 }) };
    let (records, summary) = go(limited, 10, 200 * MS, None).await;
    assert_eq!((summary.finished, summary.not_asked), (4, 6), "two rounds of two started before 250 ms");
    let unasked = records.iter().filter(|r| r.asked.exchange.failure == Some(Failure::NotAsked)).count();
    assert_eq!(unasked, 6);
    let (records, summary) = go(plan(Load::Concurrency { requests: 2 }), 10, 200 * MS, Some(300 * MS)).await;
    assert!(summary.cancelled);
    assert_eq!(records.len(), 2, "the first pair finished; the second was dropped in flight");
}
