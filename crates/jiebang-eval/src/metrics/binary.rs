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
    /// Each class's scores become integer keys in two halves, and the four runs are sorted on
    /// two threads (each taking half the rows), then walked together: O(n) after the sorts.
    fn for_each_score_group(&self, mut group: impl FnMut(u64, u64)) {
        let half = self.truth.len() / 2;
        let keys = |positive: bool, rows: std::ops::Range<usize>| -> Vec<u64> {
            let mut keys: Vec<u64> = self.truth[rows.clone()]
                .iter()
                .zip(&self.score[rows])
                .filter(|(t, _)| **t == positive)
                .map(|(_, s)| sort_key(*s))
                .collect();
            radix_sort(&mut keys);
            keys
        };
        let runs = |rows: std::ops::Range<usize>| (keys(true, rows.clone()), keys(false, rows));
        let n = self.truth.len();
        let ((p1, n1), (p2, n2)) = if n < 1 << 16 {
            (runs(0..n), (Vec::new(), Vec::new()))
        } else {
            std::thread::scope(|scope| {
                let second = scope.spawn(|| runs(half..n));
                (runs(0..half), second.join().unwrap_or_default())
            })
        };
        let mut positives = [p1.as_slice(), p2.as_slice()];
        let mut negatives = [n1.as_slice(), n2.as_slice()];
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

/// Sorts keys by their most significant bits first: one pass spreads them over 4,096 buckets
/// of the range actually used, and each bucket — usually small enough to sit in cache — is
/// sorted the same way (or by comparison once small). Two passes over memory instead of the
/// six of a least-significant-digit radix sort.
fn radix_sort(keys: &mut [u64]) {
    let mut scratch = vec![0u64; keys.len()];
    msd_sort(keys, &mut scratch);
}

fn msd_sort(keys: &mut [u64], scratch: &mut [u64]) {
    const BITS: u32 = 12;
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
    fn the_radix_sort_orders_floats_like_total_order_with_signed_zeros_equal() {
        let base = [3.5, -1.0, 0.0, -0.0, 1e-300, -1e300, 0.25, 0.25, 7.0];
        // Enough values to take the radix path, not the small-input sort.
        let values: Vec<f64> = (0..40_000).map(|i| base[i % base.len()] * (1.0 + (i % 97) as f64)).collect();
        let mut keys: Vec<u64> = values.iter().map(|v| sort_key(*v)).collect();
        radix_sort(&mut keys);
        let mut expected = values.clone();
        expected.sort_by(f64::total_cmp);
        let mut expected: Vec<u64> = expected.iter().map(|v| sort_key(*v)).collect();
        expected.sort_unstable();
        assert_eq!(keys, expected);
        assert_eq!(sort_key(0.0), sort_key(-0.0));
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
