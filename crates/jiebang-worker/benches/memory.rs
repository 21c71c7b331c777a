//! Memory of one worker scoring one large submission: `JIEBANG_BENCH_MEMORY_ROWS` (default
//! 10,000,000) rows of hidden labels and predictions on a real store (SQLite and a file store in
//! a temporary directory), scored through the same claim → score → sign → record path as
//! `jiebang worker`. A thread samples this process's `/proc/self/status` while the job runs and
//! prints one JSON line: the files' size, the seconds, and the resident memory before and at its
//! peak, in all and the anonymous part (the process's own memory, as opposed to mapped file
//! pages the kernel can take back). `scripts/bench` puts it in docs/benchmarks.md next to the
//! reference, which reads the files written to `JIEBANG_BENCH_FILES_DIR`.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use jiebang_core::evaluation::Quotas;
use jiebang_store::testing::{Arena, TestStore};
use jiebang_worker::{Pace, Signer, Worker};

/// `(VmRSS, RssAnon)` in KiB.
fn resident() -> (u64, u64) {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    let field = |name: &str| {
        status
            .lines()
            .find(|l| l.starts_with(name))
            .and_then(|l| l.split_whitespace().nth(1))
            .and_then(|v| v.parse().ok())
            .unwrap_or(0)
    };
    (field("VmRSS:"), field("RssAnon:"))
}

fn main() {
    let rows: usize =
        std::env::var("JIEBANG_BENCH_MEMORY_ROWS").ok().and_then(|v| v.parse().ok()).unwrap_or(10_000_000);
    let dir = std::env::var("JIEBANG_BENCH_FILES_DIR").ok();
    let runtime = tokio::runtime::Runtime::new().unwrap();
    runtime.block_on(async {
        let t = TestStore::new().await;
        let unlimited = Quotas { per_day: 0, total: 0, concurrent: 0, invalid: 0 };
        let bytes;
        {
            let (mut labels, mut predictions) = (String::from("id,label,split\n"), String::from("id,score\n"));
            let mut state = 0x2545_f491_4f6c_dd1du64;
            for id in 0..rows {
                state ^= state << 13;
                state ^= state >> 7;
                state ^= state << 17;
                let label = state.is_multiple_of(3);
                let split = if state.is_multiple_of(2) { "public" } else { "private" };
                let score = ((state >> 11) % 1_000_000) as f64 / 1e6 * 0.7 + if label { 0.3 } else { 0.0 };
                labels.push_str(&format!("{id},{},{split}\n", u8::from(label)));
                predictions.push_str(&format!("{id},{score:.6}\n"));
            }
            if let Some(dir) = &dir {
                std::fs::write(std::path::Path::new(dir).join("labels.csv"), &labels).unwrap();
                std::fs::write(std::path::Path::new(dir).join("pred.csv"), &predictions).unwrap();
            }
            bytes = labels.len() + predictions.len();
            let arena = Arena::new(&t.store, &t.files, &labels, &["roc_auc>=0.5", "f1@0.5>=0.5"], unlimited).await;
            drop(labels);
            arena.submit(&t.store, &t.files, &predictions).await.unwrap();
        }
        let signer = Arc::new(Signer::load_or_create(&t.files).await.unwrap());
        let pace = Pace { lease: Duration::from_secs(600), heartbeat: Duration::from_secs(10), idle: Duration::ZERO };
        let worker = Worker::start(t.store.clone(), t.files.clone(), signer, "0", pace).await.unwrap();
        let before = resident();
        let done = Arc::new(AtomicBool::new(false));
        let sampler = {
            let done = done.clone();
            std::thread::spawn(move || {
                let mut peak = (0, 0);
                while !done.load(Ordering::Relaxed) {
                    let now = resident();
                    peak = (peak.0.max(now.0), peak.1.max(now.1));
                    std::thread::sleep(Duration::from_millis(2));
                }
                peak
            })
        };
        let started = Instant::now();
        assert!(worker.step().await.unwrap(), "a job was queued");
        let seconds = started.elapsed().as_secs_f64();
        done.store(true, Ordering::Relaxed);
        let peak = sampler.join().unwrap();
        let stats = t.store.queue_stats().await.unwrap();
        assert_eq!((stats.done, stats.failed), (1, 0), "the submission was scored");
        let mib = |kib: u64| kib as f64 / 1024.0;
        println!(
            "{{\"rows\":{rows},\"bytes\":{bytes},\"seconds\":{seconds:.3},\"rss_before_mib\":{:.0},\"anon_before_mib\":{:.0},\"rss_peak_mib\":{:.0},\"anon_peak_mib\":{:.0}}}",
            mib(before.0),
            mib(before.1),
            mib(peak.0),
            mib(peak.1)
        );
    });
}
