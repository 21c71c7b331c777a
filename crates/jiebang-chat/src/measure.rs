//! Serving measurements of many exchanges, defined once (as vLLM's `benchmark_serving` and
//! MLPerf Inference define them; docs/llm-eval.md §1.8 and §3.4):
//!
//! - TTFT: the first non-empty answer token − send (reasoning does not count);
//! - E2E: the last token of either channel − send;
//! - TPOT: (E2E − TTFT) / (output tokens − 1), for answers of two tokens or more;
//! - ITL: each gap between successive answer-bearing chunks;
//! - output tokens per second: the output tokens of whole answers / the run's wall time;
//!   requests per second likewise;
//! - error rate: failed / all; truncation rate: cut at `max_tokens` / all;
//! - goodput: the share of all requests answered within the TTFT and TPOT limits.
//!
//! Percentiles interpolate linearly between the nearest ranks, as NumPy's default (which vLLM
//! uses). Output tokens come from the server's usage when it sent it, otherwise from a count
//! the caller supplies (a tokenizer, or characters); [`TokenSource`] says which was used.

use std::collections::BTreeMap;

use serde::Serialize;

use crate::exchange::Exchange;

/// Where the output token counts came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum TokenSource {
    /// Every whole answer carried the server's usage.
    Usage,
    /// Some or all were counted by the caller's counter.
    Counted,
}

/// Service-level limits a request must meet to count towards goodput; `None`: no limit.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize)]
pub struct Slo {
    /// Largest TTFT, ms.
    pub ttft_ms: Option<f64>,
    /// Largest TPOT, ms.
    pub tpot_ms: Option<f64>,
}

/// The measurements, by the metric names indicators use (`ttft_p99_ms<=500` …).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Measurements {
    /// Metric name → value; a percentile of no samples is absent.
    pub values: BTreeMap<&'static str, f64>,
    /// Where the token counts came from.
    pub tokens: TokenSource,
}

/// The `p`th percentile (0–100) of `samples`, linear between ranks; `None` when empty.
pub fn percentile(samples: &[f64], p: f64) -> Option<f64> {
    if samples.is_empty() {
        return None;
    }
    let mut sorted = samples.to_vec();
    sorted.sort_by(f64::total_cmp);
    let rank = p / 100.0 * (sorted.len() - 1) as f64;
    let (low, high) = (rank.floor() as usize, rank.ceil() as usize);
    Some(sorted[low] + (sorted[high] - sorted[low]) * (rank - low as f64))
}

fn mean(samples: &[f64]) -> Option<f64> {
    (!samples.is_empty()).then(|| samples.iter().sum::<f64>() / samples.len() as f64)
}

/// Measures `exchanges` that took `wall_ms` in all; `count` gives the output tokens of an answer
/// whose server sent no usage.
pub fn measure(exchanges: &[Exchange], wall_ms: f64, slo: Slo, count: impl Fn(&Exchange) -> u64) -> Measurements {
    let (mut ttft, mut tpot, mut itl, mut e2e) = (Vec::new(), Vec::new(), Vec::new(), Vec::new());
    let (mut output_tokens, mut answered, mut good) = (0u64, 0usize, 0usize);
    let mut tokens = TokenSource::Usage;
    for e in exchanges.iter().filter(|e| e.is_ok()) {
        let (Some(first), Some(last)) = (e.first_token_ms, e.last_token_ms) else { continue };
        answered += 1;
        let n = match e.usage {
            Some(usage) => usage.completion_tokens,
            None => {
                tokens = TokenSource::Counted;
                count(e)
            }
        };
        output_tokens += n;
        ttft.push(first);
        e2e.push(last);
        let per_token = (n > 1).then(|| (last - first) / (n - 1) as f64);
        if let Some(t) = per_token {
            tpot.push(t);
        }
        itl.extend(e.answer_chunks_ms.windows(2).map(|w| w[1] - w[0]));
        let within = |value: Option<f64>, limit: Option<f64>| limit.is_none_or(|l| value.is_some_and(|v| v <= l));
        if within(Some(first), slo.ttft_ms) && within(per_token.or(Some(0.0)), slo.tpot_ms) {
            good += 1;
        }
    }
    let total = exchanges.len().max(1) as f64;
    let seconds = wall_ms / 1000.0;
    let mut values = BTreeMap::new();
    let mut put = |name: &'static str, value: Option<f64>| {
        if let Some(v) = value {
            values.insert(name, v);
        }
    };
    put("ttft_p50_ms", percentile(&ttft, 50.0));
    put("ttft_p90_ms", percentile(&ttft, 90.0));
    put("ttft_p99_ms", percentile(&ttft, 99.0));
    put("tpot_mean_ms", mean(&tpot));
    put("tpot_p99_ms", percentile(&tpot, 99.0));
    put("itl_p99_ms", percentile(&itl, 99.0));
    put("e2e_p99_ms", percentile(&e2e, 99.0));
    put("output_tokens_per_s", (seconds > 0.0).then(|| output_tokens as f64 / seconds));
    put("requests_per_s", (seconds > 0.0).then(|| answered as f64 / seconds));
    put("error_rate", Some(exchanges.iter().filter(|e| !e.is_ok()).count() as f64 / total));
    put("truncation_rate", Some(exchanges.iter().filter(|e| e.is_ok() && e.is_truncated()).count() as f64 / total));
    put("goodput", Some(good as f64 / total));
    Measurements { values, tokens }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::exchange::{Exchange, Failure, Usage};

    fn answer(first: f64, chunks: &[f64], tokens: Option<u64>, finish: &str) -> Exchange {
        Exchange {
            answer: "x".repeat(chunks.len()),
            first_token_ms: Some(first),
            first_any_token_ms: Some(first),
            last_token_ms: chunks.last().copied(),
            answer_chunks_ms: chunks.to_vec(),
            usage: tokens.map(|completion_tokens| Usage { prompt_tokens: 1, completion_tokens }),
            finish_reason: Some(finish.to_owned()),
            ..Exchange::default()
        }
    }

    #[test]
    fn percentiles_interpolate_like_numpy() {
        // numpy.percentile([1, 2, 3, 4], [50, 90, 99]) = 2.5, 3.7, 3.97
        let samples = [4.0, 1.0, 3.0, 2.0];
        let got: Vec<f64> = [50.0, 90.0, 99.0].iter().map(|&p| percentile(&samples, p).unwrap()).collect();
        for (g, want) in got.iter().zip([2.5, 3.7, 3.97]) {
            assert!((g - want).abs() < 1e-12, "{got:?}");
        }
        assert_eq!(percentile(&[], 50.0), None);
        assert_eq!(percentile(&[7.0], 99.0), Some(7.0));
    }

    #[test]
    fn known_timelines_give_known_measurements() {
        let exchanges = [
            // TTFT 100; 5 tokens over chunks at 100, 120, 140, 160, 180: TPOT (180-100)/4 = 20.
            answer(100.0, &[100.0, 120.0, 140.0, 160.0, 180.0], Some(5), "stop"),
            // TTFT 300; usage missing: 3 characters counted; TPOT (400-300)/2 = 50; truncated.
            answer(300.0, &[300.0, 350.0, 400.0], None, "length"),
            Exchange::failed(Failure::Http { status: 500, body: String::new() }),
            Exchange::failed(Failure::Cut),
        ];
        let m = measure(&exchanges, 2000.0, Slo { ttft_ms: Some(200.0), tpot_ms: Some(40.0) }, |e| {
            e.answer.chars().count() as u64
        });
        let v = |k: &str| m.values[k];
        assert_eq!(m.tokens, TokenSource::Counted);
        assert!((v("ttft_p50_ms") - 200.0).abs() < 1e-9 && (v("ttft_p99_ms") - 298.0).abs() < 1e-9);
        assert!((v("tpot_mean_ms") - 35.0).abs() < 1e-9);
        // ITL gaps 20, 20, 20, 20, 50, 50: p99 at rank 4.95 lies between the two 50s.
        assert!((v("itl_p99_ms") - 50.0).abs() < 1e-9, "{}", v("itl_p99_ms"));
        assert!((v("e2e_p99_ms") - 397.8).abs() < 1e-9);
        assert!((v("output_tokens_per_s") - 4.0).abs() < 1e-9, "8 tokens in 2 s");
        assert!((v("requests_per_s") - 1.0).abs() < 1e-9);
        assert_eq!((v("error_rate"), v("truncation_rate"), v("goodput")), (0.5, 0.25, 0.25));
    }

    #[test]
    fn usage_everywhere_says_so_and_nothing_answered_has_no_percentiles() {
        let m = measure(&[answer(10.0, &[10.0, 30.0], Some(2), "stop")], 1000.0, Slo::default(), |_| 0);
        assert_eq!((m.tokens, m.values["goodput"]), (TokenSource::Usage, 1.0));
        let none = measure(&[Exchange::failed(Failure::Cut)], 1000.0, Slo::default(), |_| 0);
        assert!(!none.values.contains_key("ttft_p99_ms"));
        assert_eq!(none.values["error_rate"], 1.0);
    }
}
