//! Timing a loaded model as MLPerf's lessons say: warm up first, then time the model call alone
//! (input preparation excluded), batch 1 for single-stream latency over a fixed number of queries
//! or a minimum duration, and whole batches for offline throughput. Percentiles use the nearest
//! rank, so p99 of 1,000 queries is the 990th fastest.

use std::time::{Duration, Instant};

use serde::{Deserialize, Serialize};

use crate::{Engine, OnnxError};

/// How long to measure.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Timing {
    /// Untimed calls first (caches, lazy initialisation, allocator).
    pub warmup: usize,
    /// Timed single-row queries, at least.
    pub queries: usize,
    /// Keep querying until this much time has passed, at least.
    pub min_duration: Duration,
}

impl Default for Timing {
    fn default() -> Self {
        Self { warmup: 50, queries: 1000, min_duration: Duration::from_millis(500) }
    }
}

/// Single-stream latency (batch 1) in milliseconds.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Latency {
    /// Timed queries.
    pub queries: usize,
    /// Median.
    pub p50_ms: f64,
    /// 90th percentile.
    pub p90_ms: f64,
    /// 99th percentile.
    pub p99_ms: f64,
    /// Mean.
    pub mean_ms: f64,
}

/// The `q`-quantile (0–1) of sorted samples by the nearest-rank rule.
pub fn nearest_rank(sorted: &[f64], q: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    let rank = (q * sorted.len() as f64).ceil().max(1.0) as usize;
    sorted[rank.min(sorted.len()) - 1]
}

/// Measures single-row latency, cycling through the rows of `features` (`width` values each).
pub fn latency(engine: &mut dyn Engine, features: &[f32], width: usize, timing: Timing) -> Result<Latency, OnnxError> {
    let rows = features.len() / width.max(1);
    if rows == 0 {
        return Err(OnnxError::Input("没有可用于计时的特征行 / no feature rows to time".into()));
    }
    let row = |i: usize| &features[(i % rows) * width..(i % rows + 1) * width];
    for i in 0..timing.warmup {
        engine.predict(row(i), 1)?;
    }
    let mut samples = Vec::with_capacity(timing.queries);
    let started = Instant::now();
    let mut i = 0;
    while samples.len() < timing.queries || started.elapsed() < timing.min_duration {
        let input = row(i);
        let t = Instant::now();
        engine.predict(input, 1)?;
        samples.push(t.elapsed().as_secs_f64() * 1e3);
        i += 1;
    }
    let mean_ms = samples.iter().sum::<f64>() / samples.len() as f64;
    samples.sort_by(f64::total_cmp);
    Ok(Latency {
        queries: samples.len(),
        p50_ms: nearest_rank(&samples, 0.50),
        p90_ms: nearest_rank(&samples, 0.90),
        p99_ms: nearest_rank(&samples, 0.99),
        mean_ms,
    })
}

/// Offline throughput: rows per second over whole passes of `features` in batches of `batch`
/// (one pass to warm up, then passes until `min_duration`).
pub fn throughput(
    engine: &mut dyn Engine,
    features: &[f32],
    width: usize,
    batch: usize,
    min_duration: Duration,
) -> Result<f64, OnnxError> {
    let rows = features.len() / width.max(1);
    let batch = batch.clamp(1, rows.max(1));
    let pass = |engine: &mut dyn Engine| -> Result<usize, OnnxError> {
        let mut done = 0;
        while done + batch <= rows {
            engine.predict(&features[done * width..(done + batch) * width], batch)?;
            done += batch;
        }
        Ok(done)
    };
    pass(engine)?;
    let started = Instant::now();
    let mut done = 0;
    while done == 0 || started.elapsed() < min_duration {
        done += pass(engine)?;
    }
    Ok(done as f64 / started.elapsed().as_secs_f64())
}

/// The machine a measurement was taken on, as the report prints it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Host {
    /// CPU model name (`/proc/cpuinfo`).
    pub cpu: String,
    /// Logical CPUs this process may use.
    pub cores: usize,
    /// Installed memory, MiB.
    pub memory_mib: u64,
    /// Operating system and kernel.
    pub os: String,
}

impl Host {
    /// This machine.
    pub fn this_machine() -> Self {
        let read = |path: &str| std::fs::read_to_string(path).unwrap_or_default();
        let field = |text: &str, name: &str| {
            text.lines()
                .find(|l| l.starts_with(name))
                .and_then(|l| l.split_once(':'))
                .map(|(_, v)| v.trim().to_owned())
                .unwrap_or_default()
        };
        let cpuinfo = read("/proc/cpuinfo");
        let memory_kib: u64 =
            field(&read("/proc/meminfo"), "MemTotal").trim_end_matches("kB").trim().parse().unwrap_or(0);
        Self {
            cpu: Some(field(&cpuinfo, "model name"))
                .filter(|c| !c.is_empty())
                .unwrap_or_else(|| std::env::consts::ARCH.into()),
            cores: std::thread::available_parallelism().map_or(1, |n| n.get()),
            memory_mib: memory_kib / 1024,
            os: format!("{} {}", std::env::consts::OS, read("/proc/sys/kernel/osrelease").trim()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_host_fingerprint_names_cpu_cores_and_memory() {
        let host = Host::this_machine();
        assert!(!host.cpu.is_empty() && host.cores >= 1 && host.memory_mib > 0, "{host:?}");
    }

    #[test]
    fn nearest_rank_percentiles_follow_the_textbook_rule() {
        let samples: Vec<f64> = (1..=1000).map(f64::from).collect();
        assert_eq!(nearest_rank(&samples, 0.99), 990.0);
        assert_eq!(nearest_rank(&samples, 0.5), 500.0);
        assert_eq!(nearest_rank(&[7.0], 0.99), 7.0);
        assert!(nearest_rank(&[], 0.5).is_nan());
    }

    /// An engine whose every call takes a known time.
    struct Sleepy(Duration, usize);

    impl Engine for Sleepy {
        fn describe(&self) -> String {
            "sleepy".into()
        }

        fn predict(&mut self, features: &[f32], rows: usize) -> Result<Vec<f32>, OnnxError> {
            self.1 += 1;
            std::thread::sleep(self.0);
            Ok(features.iter().take(rows).copied().collect())
        }
    }

    #[test]
    fn latency_times_at_least_the_queries_asked_after_the_warmup() {
        let mut engine = Sleepy(Duration::from_micros(200), 0);
        let timing = Timing { warmup: 5, queries: 40, min_duration: Duration::ZERO };
        let measured = latency(&mut engine, &[1.0; 8], 2, timing).unwrap();
        assert_eq!((measured.queries, engine.1), (40, 45));
        assert!(measured.p50_ms >= 0.2 && measured.p50_ms <= measured.p99_ms, "{measured:?}");
        assert!(latency(&mut engine, &[], 2, timing).is_err());
    }
}
