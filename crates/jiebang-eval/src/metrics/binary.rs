//! Binary metrics over a truth label (positive or not) and a score per row.

use super::{Metric, MetricError, ratio};

/// Binary truth and scores, row-aligned.
#[derive(Debug, Clone, Default)]
pub struct BinaryData {
    /// Whether each row is of the positive class.
    pub truth: Vec<bool>,
    /// The predicted score (probability of the positive class for `log_loss`).
    pub score: Vec<f64>,
}

/// Confusion counts at a threshold: predicted positive when `score >= threshold`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
struct Counts {
    tp: u64,
    fp: u64,
    tn: u64,
    fn_: u64,
}

impl Counts {
    fn at(data: &BinaryData, threshold: f64) -> Self {
        // Sums instead of branches: which way a score falls is unpredictable.
        let (mut positives, mut predicted, mut tp) = (0u64, 0u64, 0u64);
        for (&t, &s) in data.truth.iter().zip(&data.score) {
            let p = s >= threshold;
            positives += u64::from(t);
            predicted += u64::from(p);
            tp += u64::from(t & p);
        }
        let n = data.truth.len() as u64;
        Counts { tp, fp: predicted - tp, fn_: positives - tp, tn: n + tp - positives - predicted }
    }
}

impl BinaryData {
    /// Computes a binary metric.
    pub fn compute(&self, metric: Metric) -> Result<f64, MetricError> {
        let n = self.truth.len() as f64;
        Ok(match metric {
            Metric::RocAuc => self.roc_auc()?,
            Metric::AveragePrecision => self.average_precision(),
            Metric::LogLoss => self.log_loss()?,
            Metric::Accuracy(threshold) => {
                let c = Counts::at(self, threshold.unwrap_or(0.5));
                ratio((c.tp + c.tn) as f64, n)
            }
            Metric::Precision(t) => {
                let c = Counts::at(self, t);
                ratio(c.tp as f64, (c.tp + c.fp) as f64)
            }
            Metric::Recall(t) => {
                let c = Counts::at(self, t);
                ratio(c.tp as f64, (c.tp + c.fn_) as f64)
            }
            Metric::F1(t) => {
                let c = Counts::at(self, t);
                ratio(2.0 * c.tp as f64, (2 * c.tp + c.fp + c.fn_) as f64)
            }
            Metric::BalancedAccuracy(t) => {
                // Mean recall over the classes present in the truth (scikit-learn drops classes
                // with no true samples, with a warning).
                let c = Counts::at(self, t);
                let recalls: Vec<f64> = [(c.tp, c.tp + c.fn_), (c.tn, c.tn + c.fp)]
                    .into_iter()
                    .filter(|(_, support)| *support > 0)
                    .map(|(hit, support)| hit as f64 / support as f64)
                    .collect();
                ratio(recalls.iter().sum(), recalls.len() as f64)
            }
            Metric::Mcc(t) => {
                let c = Counts::at(self, t);
                let confusion = [[c.tn, c.fp], [c.fn_, c.tp]];
                super::multiclass::matthews(&confusion.iter().map(|r| r.to_vec()).collect::<Vec<_>>())
            }
            other => {
                return Err(MetricError::Unknown { name: other.key(), task: "binary", known: String::new() });
            }
        })
    }

    /// Calls `group(positives, negatives)` for each distinct score, from the highest down.
    /// Two threads each sort half the rows by class ([`class_runs`]); the four sorted runs are
    /// then walked together from their ends: O(n) after the sorts.
    fn for_each_score_group(&self, mut group: impl FnMut(u64, u64)) {
        let n = self.truth.len();
        let runs = |rows: std::ops::Range<usize>| class_runs(&self.truth[rows.clone()], &self.score[rows]);
        let (first, second) = if n < 1 << 16 {
            (runs(0..n), ClassRuns::default())
        } else {
            std::thread::scope(|scope| {
                let second = scope.spawn(|| runs(n / 2..n));
                (runs(0..n / 2), second.join().unwrap_or_default())
            })
        };
        let mut positives = [first.positives(), second.positives()];
        let mut negatives = [first.negatives(), second.negatives()];
        let top = |runs: &[&[u64]; 2]| runs.iter().filter_map(|r| r.last()).max().copied();
        // Pops the keys equal to `key` from the ends of the runs; returns how many.
        let take = |runs: &mut [&[u64]; 2], key: u64| -> u64 {
            let mut taken = 0;
            for run in runs.iter_mut() {
                let keep = run.len() - run.iter().rev().take_while(|&&k| k == key).count();
                taken += (run.len() - keep) as u64;
                *run = &run[..keep];
            }
            taken
        };
        while let Some(key) = top(&positives).max(top(&negatives)) {
            let p = take(&mut positives, key);
            let n = take(&mut negatives, key);
            group(p, n);
        }
    }

    fn class_counts(&self) -> (u64, u64) {
        let positives = self.truth.iter().filter(|t| **t).count() as u64;
        (positives, self.truth.len() as u64 - positives)
    }

    /// `roc_auc_score`: the trapezoidal area under the ROC curve, with tied scores forming one
    /// step (so ties count one half, as in the Mann–Whitney statistic). Computed from integer
    /// counts, divided once at the end.
    fn roc_auc(&self) -> Result<f64, MetricError> {
        let (positives, negatives) = self.class_counts();
        if positives == 0 || negatives == 0 {
            return Err(MetricError::Undefined {
                metric: "roc_auc".into(),
                reason:
                    "真值只有一个类别，ROC-AUC 无定义 / only one class is present in the truth; ROC AUC is not defined"
                        .into(),
            });
        }
        let (mut tp, mut twice_area) = (0u64, 0u128);
        self.for_each_score_group(|p, n| {
            twice_area += u128::from(n) * u128::from(2 * tp + p);
            tp += p;
        });
        Ok(twice_area as f64 / (2.0 * positives as f64 * negatives as f64))
    }

    /// `average_precision_score`: Σ (Rₖ − Rₖ₋₁)·Pₖ over distinct thresholds, highest first.
    /// Without positives scikit-learn's recall is 0/0; it then returns 0 (after a warning).
    fn average_precision(&self) -> f64 {
        let (positives, _) = self.class_counts();
        if positives == 0 {
            return 0.0;
        }
        let (mut tp, mut seen, mut sum) = (0u64, 0u64, 0.0);
        self.for_each_score_group(|p, n| {
            tp += p;
            seen += p + n;
            sum += p as f64 / positives as f64 * (tp as f64 / seen as f64);
        });
        sum
    }

    /// `log_loss` with the positive-class probability: scores are clipped to
    /// [ε, 1 − ε] with ε = `f64::EPSILON`, as scikit-learn clips to the dtype's epsilon.
    fn log_loss(&self) -> Result<f64, MetricError> {
        if let Some(row) = self.score.iter().position(|p| !(0.0..=1.0).contains(p)) {
            return Err(MetricError::Undefined {
                metric: "log_loss".into(),
                reason: format!(
                    "第{}行得分 {} 不在 [0, 1] 内，不是概率 / score {} in row {} is not a probability in [0, 1]",
                    row + 1,
                    self.score[row],
                    self.score[row],
                    row + 1
                ),
            });
        }
        let eps = f64::EPSILON;
        let total: f64 = self
            .truth
            .iter()
            .zip(&self.score)
            .map(|(&t, &p)| {
                let p = p.clamp(eps, 1.0 - eps);
                if t { -p.ln() } else { -(1.0 - p).ln() }
            })
            .sum();
        Ok(total / self.truth.len() as f64)
    }
}

/// A key whose unsigned order is the order of the finite floats (−0 and +0 equal).
fn sort_key(x: f64) -> u64 {
    let bits = (x + 0.0).to_bits();
    if bits >> 63 == 1 { !bits } else { bits | 1 << 63 }
}

/// Sort keys of rows, each class sorted: the positives' keys, then the negatives'.
#[derive(Default)]
struct ClassRuns {
    keys: Vec<u64>,
    positives: usize,
}

impl ClassRuns {
    fn positives(&self) -> &[u64] {
        &self.keys[..self.positives]
    }

    fn negatives(&self) -> &[u64] {
        &self.keys[self.positives..]
    }
}

/// Bits of a key that one radix pass distributes on: 16,384 buckets, whose counters stay in
/// cache (measured faster than 4,096).
const RADIX_BITS: u32 = 14;

/// Sorts the scores of each class by their most significant bits first, straight from the
/// rows: one pass finds the range of keys, one counts each class's share of 16,384 buckets of
/// it, one writes every key into its bucket (positives' buckets first). Each bucket — usually
/// small enough to sit in cache — is then sorted by [`msd_sort`]. No per-class key arrays, and
/// no copy back: three streaming reads and one scattered write of the keys.
fn class_runs(truth: &[bool], score: &[f64]) -> ClassRuns {
    const BUCKETS: usize = 1 << RADIX_BITS;
    let (min, max) = score.iter().fold((u64::MAX, 0), |(lo, hi), &s| (lo.min(sort_key(s)), hi.max(sort_key(s))));
    let shift = (64 - max.saturating_sub(min).leading_zeros()).saturating_sub(RADIX_BITS);
    // Slot of a row: positives use the first half of the buckets, negatives the second.
    let slot = |t: bool, s: f64| usize::from(!t) * BUCKETS + ((sort_key(s) - min) >> shift) as usize;
    let mut starts = vec![0usize; 2 * BUCKETS + 1];
    for (&t, &s) in truth.iter().zip(score) {
        starts[slot(t, s) + 1] += 1;
    }
    for i in 1..starts.len() {
        starts[i] += starts[i - 1];
    }
    let mut keys = vec![0u64; truth.len()];
    let mut next = starts.clone();
    for (&t, &s) in truth.iter().zip(score) {
        let at = &mut next[slot(t, s)];
        keys[*at] = sort_key(s);
        *at += 1;
    }
    // With `shift == 0` a bucket holds one key value: nothing left to sort.
    if shift > 0 {
        let largest = starts.windows(2).map(|w| w[1] - w[0]).max().unwrap_or(0);
        let mut scratch = vec![0u64; largest];
        for window in starts.windows(2) {
            let (from, to) = (window[0], window[1]);
            if to - from > 1 {
                msd_sort(&mut keys[from..to], &mut scratch[..to - from]);
            }
        }
    }
    ClassRuns { keys, positives: starts[BUCKETS] }
}

/// Sorts keys by their most significant bits first: one pass spreads them over 16,384 buckets
/// of the range actually used, and each bucket is sorted the same way (or by comparison once
/// small).
fn msd_sort(keys: &mut [u64], scratch: &mut [u64]) {
    const BITS: u32 = RADIX_BITS;
    if keys.len() <= 1 << 12 {
        keys.sort_unstable();
        return;
    }
    let (min, max) = keys.iter().fold((u64::MAX, 0), |(lo, hi), &k| (lo.min(k), hi.max(k)));
    if min == max {
        return;
    }
    let shift = (64 - (max - min).leading_zeros()).saturating_sub(BITS);
    let bucket = |k: u64| ((k - min) >> shift) as usize;
    let mut starts = vec![0usize; (1 << BITS) + 1];
    for &k in keys.iter() {
        starts[bucket(k) + 1] += 1;
    }
    for i in 1..starts.len() {
        starts[i] += starts[i - 1];
    }
    let mut next = starts.clone();
    for &k in keys.iter() {
        let b = bucket(k);
        scratch[next[b]] = k;
        next[b] += 1;
    }
    keys.copy_from_slice(scratch);
    if shift > 0 {
        for window in starts.windows(2) {
            let (from, to) = (window[0], window[1]);
            if to - from > 1 {
                msd_sort(&mut keys[from..to], &mut scratch[from..to]);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn class_runs_order_each_class_like_total_order_with_signed_zeros_equal() {
        let base = [3.5, -1.0, 0.0, -0.0, 1e-300, -1e300, 0.25, 0.25, 7.0];
        // Enough values for buckets that take the radix path, not only the small-input sort.
        let values: Vec<f64> = (0..400_000).map(|i| base[i % base.len()] * (1.0 + (i % 9973) as f64)).collect();
        let truth: Vec<bool> = (0..values.len()).map(|i| i % 3 == 0).collect();
        let runs = class_runs(&truth, &values);
        let expected = |class: bool| {
            let mut keys: Vec<u64> =
                values.iter().zip(&truth).filter(|(_, t)| **t == class).map(|(v, _)| sort_key(*v)).collect();
            keys.sort_unstable();
            keys
        };
        assert_eq!(runs.positives(), expected(true));
        assert_eq!(runs.negatives(), expected(false));
        assert_eq!(sort_key(0.0), sort_key(-0.0));
        let mut sorted = values.clone();
        sorted.sort_by(f64::total_cmp);
        let keys: Vec<u64> = sorted.iter().map(|v| sort_key(*v)).collect();
        assert!(keys.windows(2).all(|w| w[0] <= w[1]), "key order is number order");
    }

    fn data(truth: &[u8], score: &[f64]) -> BinaryData {
        BinaryData { truth: truth.iter().map(|t| *t == 1).collect(), score: score.to_vec() }
    }

    #[test]
    fn roc_auc_counts_ties_as_one_half() {
        // Of the four positive–negative pairs, three are ordered right and one is tied: 3.5 / 4.
        let d = data(&[1, 1, 0, 0], &[0.9, 0.5, 0.5, 0.1]);
        assert_eq!(d.compute(Metric::RocAuc).unwrap(), 0.875);
        assert_eq!(data(&[0, 1], &[0.2, 0.2]).compute(Metric::RocAuc).unwrap(), 0.5);
    }

    #[test]
    fn roc_auc_with_one_class_is_undefined() {
        let err = data(&[1, 1], &[0.2, 0.3]).compute(Metric::RocAuc).unwrap_err();
        assert!(err.to_string().contains("only one class"));
    }

    #[test]
    fn thresholded_metrics_predict_positive_at_or_above_the_threshold() {
        let d = data(&[1, 0, 1, 0], &[0.5, 0.5, 0.2, 0.1]);
        assert_eq!(d.compute(Metric::Accuracy(Some(0.5))).unwrap(), 0.5);
        assert_eq!(d.compute(Metric::Precision(0.5)).unwrap(), 0.5);
        assert_eq!(d.compute(Metric::Recall(0.5)).unwrap(), 0.5);
        assert_eq!(d.compute(Metric::Precision(0.99)).unwrap(), 0.0, "zero division gives 0");
    }

    #[test]
    fn log_loss_refuses_scores_that_are_not_probabilities() {
        assert!(data(&[1], &[1.2]).compute(Metric::LogLoss).unwrap_err().to_string().contains("row 1"));
        let perfect = data(&[1, 0], &[1.0, 0.0]).compute(Metric::LogLoss).unwrap();
        assert!(perfect > 0.0 && perfect < 1e-15, "clipped, not infinite: {perfect}");
    }
}
