//! Multiclass metrics over a true class and a predicted class and/or class probabilities.

use super::{Metric, MetricError, ratio};

/// Multiclass truth and predictions, row-aligned. Classes are indices into `classes`.
#[derive(Debug, Clone, Default)]
pub struct MulticlassData {
    /// Every class name, in the order probability columns are given (sorted).
    pub classes: Vec<String>,
    /// True class per row.
    pub truth: Vec<u32>,
    /// Predicted class per row, if given.
    pub predicted: Option<Vec<u32>>,
    /// Probabilities, `classes.len()` per row, row-major, if given.
    pub probabilities: Option<Vec<f64>>,
}

/// The Matthews correlation coefficient of a confusion matrix (rows truth, columns prediction),
/// as `matthews_corrcoef` computes it; 0 when undefined.
pub(crate) fn matthews(confusion: &[Vec<u64>]) -> f64 {
    let k = confusion.len();
    let n: f64 = confusion.iter().flatten().map(|&c| c as f64).sum();
    let correct: f64 = (0..k).map(|i| confusion[i][i] as f64).sum();
    let t: Vec<f64> = confusion.iter().map(|row| row.iter().map(|&c| c as f64).sum()).collect();
    let p: Vec<f64> = (0..k).map(|j| confusion.iter().map(|row| row[j] as f64).sum()).collect();
    let dot = |a: &[f64], b: &[f64]| a.iter().zip(b).map(|(x, y)| x * y).sum::<f64>();
    let cov_ytyp = correct * n - dot(&t, &p);
    let cov_ypyp = n * n - dot(&p, &p);
    let cov_ytyt = n * n - dot(&t, &t);
    if cov_ypyp * cov_ytyt == 0.0 { 0.0 } else { cov_ytyp / (cov_ytyt * cov_ypyp).sqrt() }
}

impl MulticlassData {
    fn predicted(&self, metric: Metric) -> Result<&[u32], MetricError> {
        self.predicted.as_deref().ok_or_else(|| MetricError::Needs {
            metric: metric.key(),
            needs: "预测类别列 / a predicted-class column".into(),
        })
    }

    fn probabilities(&self, metric: Metric) -> Result<&[f64], MetricError> {
        self.probabilities.as_deref().ok_or_else(|| MetricError::Needs {
            metric: metric.key(),
            needs: "各类别概率列 / class probability columns".into(),
        })
    }

    /// Confusion matrix over the classes that occur in the truth or the predictions (scikit-learn's
    /// `unique_labels(y_true, y_pred)`), rows truth, columns prediction.
    fn confusion(&self, predicted: &[u32]) -> Vec<Vec<u64>> {
        let mut present = vec![false; self.classes.len()];
        for &c in self.truth.iter().chain(predicted) {
            present[c as usize] = true;
        }
        let index: Vec<Option<usize>> = present
            .iter()
            .scan(0, |next, &p| {
                Some(p.then(|| {
                    *next += 1;
                    *next - 1
                }))
            })
            .collect();
        let k = present.iter().filter(|p| **p).count();
        let mut confusion = vec![vec![0u64; k]; k];
        for (&t, &p) in self.truth.iter().zip(predicted) {
            if let (Some(i), Some(j)) = (index[t as usize], index[p as usize]) {
                confusion[i][j] += 1;
            }
        }
        confusion
    }

    /// Computes a multiclass metric.
    pub fn compute(&self, metric: Metric) -> Result<f64, MetricError> {
        match metric {
            Metric::LogLoss => return self.log_loss(),
            Metric::TopKAccuracy(k) => return self.top_k_accuracy(k),
            _ => {}
        }
        let confusion = self.confusion(self.predicted(metric)?);
        let k = confusion.len();
        let n: u64 = confusion.iter().flatten().sum();
        let tp: Vec<f64> = (0..k).map(|i| confusion[i][i] as f64).collect();
        let support: Vec<f64> = confusion.iter().map(|row| row.iter().sum::<u64>() as f64).collect();
        let predicted: Vec<f64> = (0..k).map(|j| confusion.iter().map(|row| row[j]).sum::<u64>() as f64).collect();
        let precision: Vec<f64> = (0..k).map(|i| ratio(tp[i], predicted[i])).collect();
        let recall: Vec<f64> = (0..k).map(|i| ratio(tp[i], support[i])).collect();
        // F = 2·tp / (2·tp + fp + fn), 0 when the denominator is 0 (scikit-learn ≥ 1.3).
        let f1: Vec<f64> = (0..k).map(|i| ratio(2.0 * tp[i], support[i] + predicted[i])).collect();
        let mean = |v: &[f64]| ratio(v.iter().sum(), v.len() as f64);
        Ok(match metric {
            Metric::Accuracy(_) => ratio(tp.iter().sum(), n as f64),
            Metric::F1Macro => mean(&f1),
            Metric::F1Micro => {
                let all_tp: f64 = tp.iter().sum();
                ratio(2.0 * all_tp, support.iter().sum::<f64>() + predicted.iter().sum::<f64>())
            }
            Metric::F1Weighted => ratio(f1.iter().zip(&support).map(|(f, s)| f * s).sum(), support.iter().sum()),
            Metric::PrecisionMacro => mean(&precision),
            Metric::RecallMacro => mean(&recall),
            Metric::CohenKappa => {
                // κ = 1 − Σ w·observed / Σ w·expected with w = 1 off the diagonal.
                let total = n as f64;
                let observed: f64 = (0..k)
                    .flat_map(|i| (0..k).map(move |j| (i, j)))
                    .filter(|(i, j)| i != j)
                    .map(|(i, j)| confusion[i][j] as f64)
                    .sum();
                let expected: f64 = (0..k)
                    .flat_map(|i| (0..k).map(move |j| (i, j)))
                    .filter(|(i, j)| i != j)
                    .map(|(i, j)| support[i] * predicted[j] / total)
                    .sum();
                if expected == 0.0 {
                    return Err(MetricError::Undefined {
                        metric: metric.key(),
                        reason: "真值与预测都只有同一个类别，kappa 无定义 / truth and prediction hold one and the same class only; kappa is not defined".into(),
                    });
                }
                1.0 - observed / expected
            }
            other => return Err(MetricError::Unknown { name: other.key(), task: "multiclass", known: String::new() }),
        })
    }

    /// `log_loss` over class probabilities clipped to [ε, 1 − ε]. Like scikit-learn 1.9, rows that
    /// do not sum to 1 are used as given (it warns; it no longer renormalizes).
    fn log_loss(&self) -> Result<f64, MetricError> {
        let probabilities = self.probabilities(Metric::LogLoss)?;
        let k = self.classes.len();
        let eps = f64::EPSILON;
        let mut total = 0.0;
        for (row, (&t, p)) in self.truth.iter().zip(probabilities.chunks_exact(k)).enumerate() {
            if let Some(bad) = p.iter().find(|v| !(0.0..=1.0).contains(*v)) {
                return Err(MetricError::Undefined {
                    metric: "log_loss".into(),
                    reason: format!(
                        "第{}行概率 {bad} 不在 [0, 1] 内 / row {}: probability {bad} is not in [0, 1]",
                        row + 1,
                        row + 1
                    ),
                });
            }
            total -= p[t as usize].clamp(eps, 1.0 - eps).ln();
        }
        Ok(total / self.truth.len() as f64)
    }

    /// `top_k_accuracy_score`: the true class counts as found when fewer than k classes rank above
    /// it; among equal probabilities the later column ranks higher (scikit-learn's stable
    /// argsort, reversed).
    fn top_k_accuracy(&self, k: usize) -> Result<f64, MetricError> {
        let probabilities = self.probabilities(Metric::TopKAccuracy(k))?;
        let classes = self.classes.len();
        let hits = self
            .truth
            .iter()
            .zip(probabilities.chunks_exact(classes))
            .filter(|(t, p)| {
                let t = **t as usize;
                let above = p.iter().enumerate().filter(|(j, v)| **v > p[t] || (**v == p[t] && *j > t)).count();
                above < k
            })
            .count();
        Ok(ratio(hits as f64, self.truth.len() as f64))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn data(truth: &[u32], predicted: &[u32], classes: usize) -> MulticlassData {
        MulticlassData {
            classes: (0..classes).map(|c| format!("c{c}")).collect(),
            truth: truth.to_vec(),
            predicted: Some(predicted.to_vec()),
            probabilities: None,
        }
    }

    #[test]
    fn a_class_only_predicted_counts_in_macro_averages_with_zero() {
        // Truth has classes 0 and 1; class 2 appears only in the predictions.
        let d = data(&[0, 0, 1, 1], &[0, 2, 1, 1], 3);
        assert_eq!(d.compute(Metric::Accuracy(None)).unwrap(), 0.75);
        let macro_recall = (0.5 + 1.0 + 0.0) / 3.0;
        assert!((d.compute(Metric::RecallMacro).unwrap() - macro_recall).abs() < 1e-15);
        assert_eq!(d.compute(Metric::F1Micro).unwrap(), 0.75, "micro F1 is accuracy for single-label data");
    }

    #[test]
    fn kappa_is_one_for_perfect_agreement_and_undefined_for_a_single_shared_class() {
        assert_eq!(data(&[0, 1, 2], &[0, 1, 2], 3).compute(Metric::CohenKappa).unwrap(), 1.0);
        assert!(data(&[1, 1], &[1, 1], 3).compute(Metric::CohenKappa).is_err());
    }

    #[test]
    fn top_k_breaks_ties_towards_the_later_column() {
        let d = MulticlassData {
            classes: vec!["a".into(), "b".into(), "c".into()],
            truth: vec![0, 2],
            predicted: None,
            probabilities: Some(vec![0.4, 0.4, 0.2, 0.4, 0.2, 0.4]),
        };
        // Row 1: class a ties with b, b ranks first, a second → in top 2, not top 1.
        // Row 2: class c ties with a, c (later) ranks first → in top 1.
        assert_eq!(d.compute(Metric::TopKAccuracy(1)).unwrap(), 0.5);
        assert_eq!(d.compute(Metric::TopKAccuracy(2)).unwrap(), 1.0);
    }
}
