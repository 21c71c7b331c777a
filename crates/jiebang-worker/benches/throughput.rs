//! Throughput of the evaluation queue: `JIEBANG_BENCH_SUBMISSIONS` (default 1,000) submissions
//! of `JIEBANG_BENCH_SUBMISSION_ROWS` (default 100,000) rows each, queued on a real store
//! (SQLite in a temporary directory, or PostgreSQL when `JIEBANG_TEST_DATABASE_URL` is set) and
//! scored by 1 and then 2 workers in this process, through the same claim → score → sign →
//! record path as `jiebang worker`. Prints one JSON line; `scripts/bench` puts it in
//! docs/benchmarks.md next to the reference (which reads the files written to
//! `JIEBANG_BENCH_FILES_DIR`).

use std::sync::Arc;
use std::time::{Duration, Instant};

use jiebang_core::evaluation::Quotas;
use jiebang_store::testing::{Arena, TestStore};
use jiebang_worker::{Pace, Signer, Worker};

fn env(name: &str, default: usize) -> usize {
    std::env::var(name).ok().and_then(|v| v.parse().ok()).unwrap_or(default)
}

/// Labels `id,label,split` and one prediction file for `rows` rows.
fn files(rows: usize) -> (String, String) {
    let (mut labels, mut predictions) = (String::from("id,label,split\n"), String::from("id,score\n"));
    let mut state = 0x2545_f491_4f6c_dd1du64;
    for id in 0..rows {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        let label = state.is_multiple_of(3);
        let split = if state.is_multiple_of(2) { "public" } else { "private" };
        let score = ((state >> 11) % 1000) as f64 / 1000.0 * 0.7 + if label { 0.3 } else { 0.0 };
        labels.push_str(&format!("{id},{},{split}\n", u8::from(label)));
        predictions.push_str(&format!("{id},{score:.4}\n"));
    }
    (labels, predictions)
}

/// Seconds for `workers` workers to score `submissions` queued submissions.
async fn run(workers: usize, submissions: usize, labels: &str, predictions: &str) -> f64 {
    let t = TestStore::new().await;
    let unlimited = Quotas { per_day: 0, total: 0, concurrent: 0, invalid: 0 };
    let arena = Arena::new(&t.store, &t.files, labels, &["roc_auc>=0.5", "f1@0.5>=0.5"], unlimited).await;
    let file = t.store.save_file(&t.files, "pred.csv", predictions.as_bytes().to_vec(), None).await.unwrap();
    for _ in 0..submissions {
        t.store
            .create_submission(&jiebang_store::NewSubmission::new(
                arena.phase,
                arena.organization,
                arena.user,
                &file,
                jiebang_store::today(),
            ))
            .await
            .unwrap();
    }
    let signer = Arc::new(Signer::load_or_create(&t.files).await.unwrap());
    let pace = Pace { lease: Duration::from_secs(60), heartbeat: Duration::from_secs(10), idle: Duration::ZERO };
    let started = Instant::now();
    let mut tasks = Vec::new();
    for n in 0..workers {
        let worker =
            Worker::start(t.store.clone(), t.files.clone(), signer.clone(), &n.to_string(), pace).await.unwrap();
        tasks.push(tokio::spawn(async move { while worker.step().await.unwrap() {} }));
    }
    for task in tasks {
        task.await.unwrap();
    }
    let seconds = started.elapsed().as_secs_f64();
    let stats = t.store.queue_stats().await.unwrap();
    assert_eq!((stats.done, stats.queued, stats.failed), (submissions as i64, 0, 0), "every submission scored");
    seconds
}

fn main() {
    let submissions = env("JIEBANG_BENCH_SUBMISSIONS", 1000);
    let rows = env("JIEBANG_BENCH_SUBMISSION_ROWS", 100_000);
    let (labels, predictions) = files(rows);
    if let Ok(dir) = std::env::var("JIEBANG_BENCH_FILES_DIR") {
        // The reference scores the very same files.
        std::fs::write(std::path::Path::new(&dir).join("labels.csv"), &labels).unwrap();
        std::fs::write(std::path::Path::new(&dir).join("pred.csv"), &predictions).unwrap();
    }
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let mut results = Vec::new();
    for workers in [1, 2] {
        let seconds = runtime.block_on(run(workers, submissions, &labels, &predictions));
        eprintln!("{workers} worker(s): {submissions} submissions in {seconds:.1} s");
        results.push(format!("{{\"workers\":{workers},\"seconds\":{seconds:.3}}}"));
    }
    let backend = if jiebang_store::testing::postgres_url().is_some() { "postgres" } else { "sqlite" };
    println!(
        "{{\"submissions\":{submissions},\"rows\":{rows},\"bytes\":{},\"backend\":\"{backend}\",\"runs\":[{}]}}",
        predictions.len(),
        results.join(",")
    );
}
