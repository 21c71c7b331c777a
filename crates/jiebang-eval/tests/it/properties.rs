//! Invariances the definitions promise, on generated data.

use jiebang_eval::Metric;
use jiebang_eval::metrics::BinaryData;

/// A small deterministic generator (xorshift), so failures reproduce.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> f64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        (self.0 >> 11) as f64 / (1u64 << 53) as f64
    }
}

fn sample(seed: u64, n: usize) -> BinaryData {
    let mut rng = Rng(seed);
    let truth: Vec<bool> = (0..n).map(|_| rng.next() < 0.4).collect();
    let score = truth.iter().map(|t| ((if *t { 0.3 } else { 0.0 } + rng.next() * 0.7) * 20.0).round() / 20.0).collect();
    BinaryData { truth, score }
}

#[test]
fn roc_auc_and_average_precision_are_unchanged_by_monotone_transforms_of_the_scores() {
    for seed in 1..40 {
        let data = sample(seed, 50 + seed as usize * 7);
        let transformed =
            BinaryData { truth: data.truth.clone(), score: data.score.iter().map(|s| (3.0 * s).exp() - 7.0).collect() };
        for metric in [Metric::RocAuc, Metric::AveragePrecision] {
            assert_eq!(data.compute(metric).unwrap(), transformed.compute(metric).unwrap(), "seed {seed} {metric:?}");
        }
    }
}

#[test]
fn metrics_do_not_depend_on_row_order() {
    for seed in 1..40 {
        let data = sample(seed, 80);
        let mut rows: Vec<(bool, f64)> = data.truth.iter().copied().zip(data.score.iter().copied()).collect();
        rows.reverse();
        rows.rotate_left(seed as usize % 17);
        let shuffled =
            BinaryData { truth: rows.iter().map(|r| r.0).collect(), score: rows.iter().map(|r| r.1).collect() };
        for metric in [Metric::RocAuc, Metric::AveragePrecision, Metric::F1(0.5), Metric::Mcc(0.5), Metric::LogLoss] {
            let (a, b) = (data.compute(metric).unwrap(), shuffled.compute(metric).unwrap());
            assert!((a - b).abs() <= 1e-12, "seed {seed} {metric:?}: {a} vs {b}");
        }
    }
}

#[test]
fn flipping_the_scores_turns_roc_auc_into_its_complement() {
    for seed in 1..20 {
        let data = sample(seed, 60);
        let flipped = BinaryData { truth: data.truth.clone(), score: data.score.iter().map(|s| -s).collect() };
        let (a, b) = (data.compute(Metric::RocAuc).unwrap(), flipped.compute(Metric::RocAuc).unwrap());
        assert!((a + b - 1.0).abs() < 1e-12, "seed {seed}: {a} + {b}");
    }
}
