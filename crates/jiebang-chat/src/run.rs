//! Many questions put to an endpoint under a load, as the serving benchmarks do it:
//!
//! - **closed loop** — a fixed number of requests in flight, the next sent as one finishes
//!   (vLLM's `--max-concurrency`, MLPerf Offline's shape);
//! - **open loop** — requests sent at seeded Poisson arrival times at a mean rate, whatever is
//!   in flight (MLPerf Server, vLLM's `--request-rate`), optionally capped in flight.
//!
//! Either is bounded by the questions given and by a time limit after which nothing new is
//! sent (those questions are recorded as not asked), and held to the endpoint's own rate limit
//! (the most requests a second the team's server is sent). Each finished question is handed to
//! the caller at once — to write the transcript, keep the answer and show progress — so a run
//! that stops halfway loses nothing answered. Cancelling drops the requests in flight.

use std::future::Future;
use std::time::Duration;

use futures::stream::{FuturesUnordered, StreamExt};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use tokio::time::Instant;

use crate::client::{Asked, Client};
use crate::exchange::{Exchange, Failure};

/// How requests are sent.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Load {
    /// This many in flight.
    Concurrency {
        /// Requests in flight.
        requests: usize,
    },
    /// Poisson arrivals.
    Rate {
        /// Mean requests a second.
        per_s: f64,
        /// Seed of the arrival times.
        seed: u64,
        /// At most this many in flight, if set.
        max_in_flight: Option<usize>,
    },
}

/// The load and its bounds.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Plan {
    /// How requests are sent.
    pub load: Load,
    /// The endpoint's limit: never more than this many sends a second.
    pub max_rate_per_s: Option<f64>,
    /// Nothing new is sent after this long.
    pub time_limit: Option<Duration>,
}

/// One question to ask.
#[derive(Debug, Clone, PartialEq)]
pub struct Question {
    /// Its id in the bank.
    pub id: String,
    /// The messages.
    pub messages: Vec<Value>,
}

/// A question and its answer, as the run finished it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Record {
    /// The question's id.
    pub id: String,
    /// Sent, ms after the run started.
    pub started_ms: f64,
    /// The request, its attempts and the answer.
    #[serde(flatten)]
    pub asked: Asked,
}

/// How a run ended.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Summary {
    /// From the first send to the last answer, ms (the denominator of the throughputs).
    pub wall_ms: f64,
    /// Questions finished (answered or failed).
    pub finished: usize,
    /// Questions the time limit left unasked.
    pub not_asked: usize,
    /// Whether the run was cancelled (the questions in flight were dropped, not recorded).
    pub cancelled: bool,
}

/// SplitMix64: the arrival times are the same for a seed on every machine and version.
struct SplitMix64(u64);

impl SplitMix64 {
    fn next_f64(&mut self) -> f64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^= z >> 31;
        // In (0, 1]: the logarithm below is finite.
        ((z >> 11) as f64 + 1.0) / (1u64 << 53) as f64
    }
}

/// The send offsets of `count` Poisson arrivals at `per_s` a second, seeded.
pub fn arrivals(count: usize, per_s: f64, seed: u64) -> Vec<Duration> {
    let mut rng = SplitMix64(seed);
    let mut at = 0.0;
    (0..count)
        .map(|_| {
            at += -rng.next_f64().ln() / per_s;
            Duration::from_secs_f64(at)
        })
        .collect()
}

/// Puts `questions` to `client` under `plan`, handing each finished one to `done`, until all
/// are finished, the time limit passes or `cancel` completes.
pub async fn run(
    client: &Client,
    questions: Vec<Question>,
    plan: &Plan,
    cancel: impl Future<Output = ()>,
    mut done: impl FnMut(Record),
) -> Summary {
    let start = Instant::now();
    let ms = |at: Instant| at.duration_since(start).as_secs_f64() * 1000.0;
    let (cap, mut due): (usize, Box<dyn Iterator<Item = Duration> + Send>) = match plan.load {
        Load::Concurrency { requests } => (requests.max(1), Box::new(std::iter::repeat(Duration::ZERO))),
        Load::Rate { per_s, seed, max_in_flight } => {
            (max_in_flight.unwrap_or(usize::MAX).max(1), Box::new(arrivals(questions.len(), per_s, seed).into_iter()))
        }
    };
    let spacing = plan.max_rate_per_s.filter(|r| *r > 0.0).map(|r| Duration::from_secs_f64(1.0 / r));
    let stop_sending = plan.time_limit.map(|limit| start + limit);
    let mut pending = questions.into_iter();
    let mut next = pending.next();
    let mut next_due = start;
    let mut allowed = start;
    let mut in_flight = FuturesUnordered::new();
    let (mut finished, mut not_asked, mut last_done) = (0, 0, start);
    tokio::pin!(cancel);
    let mut scheduled = false;
    loop {
        let now = Instant::now();
        if stop_sending.is_some_and(|stop| now >= stop) {
            for question in next.take().into_iter().chain(pending.by_ref()) {
                not_asked += 1;
                let asked = Asked {
                    request: Value::Null,
                    attempts: Vec::new(),
                    events: Vec::new(),
                    exchange: Exchange::failed(Failure::NotAsked),
                };
                done(Record { id: question.id, started_ms: ms(now), asked });
            }
        }
        if next.is_some() && !scheduled {
            next_due = (start + due.next().unwrap_or_default()).max(allowed);
            scheduled = true;
        }
        let may_send = next.is_some() && in_flight.len() < cap;
        if may_send && next_due <= now {
            let question = next.take().expect("checked");
            next = pending.next();
            scheduled = false;
            allowed = spacing.map_or(start, |s| now + s);
            let started_ms = ms(now);
            in_flight.push(async move {
                let asked = client.ask(question.messages).await;
                (Record { id: question.id, started_ms, asked }, Instant::now())
            });
            continue;
        }
        if in_flight.is_empty() && next.is_none() {
            break;
        }
        let wake = if may_send { Some(next_due) } else { None };
        let wake = match (wake, stop_sending) {
            (Some(a), Some(b)) if next.is_some() => Some(a.min(b)),
            (None, Some(b)) if next.is_some() => Some(b),
            (a, _) => a,
        };
        tokio::select! {
            () = &mut cancel => {
                return Summary { wall_ms: ms(last_done), finished, not_asked, cancelled: true };
            }
            Some((record, at)) = in_flight.next(), if !in_flight.is_empty() => {
                finished += 1;
                last_done = last_done.max(at);
                done(record);
            }
            () = sleep_until(wake), if wake.is_some() => {}
        }
    }
    Summary { wall_ms: ms(last_done), finished, not_asked, cancelled: false }
}

async fn sleep_until(at: Option<Instant>) {
    if let Some(at) = at {
        tokio::time::sleep_until(at).await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn poisson_arrivals_are_seeded_and_average_the_rate() {
        let a = arrivals(20_000, 50.0, 7);
        assert_eq!(a, arrivals(20_000, 50.0, 7));
        assert_ne!(a[..10], arrivals(10, 50.0, 8)[..]);
        let mean_gap = a.last().unwrap().as_secs_f64() / a.len() as f64;
        assert!((mean_gap - 0.02).abs() < 0.0005, "mean gap {mean_gap}");
        assert!(a.windows(2).all(|w| w[0] <= w[1]));
    }
}
