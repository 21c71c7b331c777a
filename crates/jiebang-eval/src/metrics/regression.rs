//! Regression metrics over a true and a predicted value per row.

use super::{Metric, MetricError};

/// Regression truth and predictions, row-aligned.
#[derive(Debug, Clone, Default)]
pub struct RegressionData {
    /// True values.
    pub truth: Vec<f64>,
    /// Predicted values.
    pub predicted: Vec<f64>,
}

impl RegressionData {
    fn errors(&self) -> impl Iterator<Item = f64> + '_ {
        self.truth.iter().zip(&self.predicted).map(|(t, p)| p - t)
    }

    /// Computes a regression metric.
    pub fn compute(&self, metric: Metric) -> Result<f64, MetricError> {
        let n = self.truth.len() as f64;
        let mse = || self.errors().map(|e| e * e).sum::<f64>() / n;
        Ok(match metric {
            Metric::Mse => mse(),
            Metric::Rmse => mse().sqrt(),
            Metric::Mae => self.errors().map(f64::abs).sum::<f64>() / n,
            // `mean_absolute_percentage_error`: |ŷ − y| / max(|y|, ε), ε = f64::EPSILON.
            Metric::Mape => {
                self.truth
                    .iter()
                    .zip(&self.predicted)
                    .map(|(t, p)| (p - t).abs() / t.abs().max(f64::EPSILON))
                    .sum::<f64>()
                    / n
            }
            Metric::MaxError => self.errors().map(f64::abs).fold(0.0, f64::max),
            Metric::MedianAbsoluteError => {
                let mut errors: Vec<f64> = self.errors().map(f64::abs).collect();
                errors.sort_unstable_by(f64::total_cmp);
                let mid = errors.len() / 2;
                if errors.len() % 2 == 1 { errors[mid] } else { (errors[mid - 1] + errors[mid]) / 2.0 }
            }
            // `r2_score` with force_finite: a constant truth gives 1 if predicted exactly, else 0.
            Metric::R2 => {
                if self.truth.len() < 2 {
                    return Err(MetricError::Undefined {
                        metric: "r2".into(),
                        reason: "少于两行时 R² 无定义 / R² is not defined for fewer than two rows".into(),
                    });
                }
                let mean = self.truth.iter().sum::<f64>() / n;
                let residual: f64 = self.errors().map(|e| e * e).sum();
                let total: f64 = self.truth.iter().map(|t| (t - mean) * (t - mean)).sum();
                match (residual == 0.0, total == 0.0) {
                    (true, _) => 1.0,
                    (false, true) => 0.0,
                    (false, false) => 1.0 - residual / total,
                }
            }
            other => return Err(MetricError::Unknown { name: other.key(), task: "regression", known: String::new() }),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mape_divides_by_epsilon_when_the_truth_is_zero_and_r2_is_finite_for_a_constant_truth() {
        let d = RegressionData { truth: vec![0.0, 2.0], predicted: vec![1.0, 1.0] };
        assert_eq!(d.compute(Metric::Mape).unwrap(), (1.0 / f64::EPSILON + 0.5) / 2.0);
        let constant = RegressionData { truth: vec![3.0, 3.0], predicted: vec![3.0, 4.0] };
        assert_eq!(constant.compute(Metric::R2).unwrap(), 0.0);
        assert_eq!(
            RegressionData { truth: vec![3.0, 3.0], predicted: vec![3.0, 3.0] }.compute(Metric::R2).unwrap(),
            1.0
        );
    }

    #[test]
    fn the_median_of_an_even_count_averages_the_middle_two() {
        let d = RegressionData { truth: vec![0.0; 4], predicted: vec![1.0, -4.0, 2.0, 3.0] };
        assert_eq!(d.compute(Metric::MedianAbsoluteError).unwrap(), 2.5);
        assert_eq!(d.compute(Metric::MaxError).unwrap(), 4.0);
    }
}
