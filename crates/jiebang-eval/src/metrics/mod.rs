//! Metric names (the contract: `roc_auc`, `f1@0.5`, `top_k_accuracy@3`, …) and their
//! computation over typed columns. Each function matches the scikit-learn function named in its
//! doc comment, including how it handles ties, zero division and clipping.

mod binary;
mod multiclass;
mod regression;

pub use binary::BinaryData;
pub use multiclass::MulticlassData;
pub use regression::RegressionData;

/// What kind of prediction is scored.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Task {
    /// Two classes, a score (probability of the positive class) per row.
    Binary,
    /// Several classes, a predicted class and/or class probabilities per row.
    Multiclass,
    /// A number per row.
    Regression,
}

impl Task {
    /// Parses `binary`, `multiclass` or `regression`.
    pub fn parse(text: &str) -> Option<Self> {
        match text {
            "binary" => Some(Self::Binary),
            "multiclass" => Some(Self::Multiclass),
            "regression" => Some(Self::Regression),
            _ => None,
        }
    }
}

/// A metric with its parameter.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Metric {
    /// Binary: area under the ROC curve.
    RocAuc,
    /// Binary: average precision.
    AveragePrecision,
    /// Binary or multiclass: cross-entropy of the probabilities.
    LogLoss,
    /// Binary at a threshold, or multiclass (threshold `None`).
    Accuracy(Option<f64>),
    /// Binary at a threshold.
    Precision(f64),
    /// Binary at a threshold.
    Recall(f64),
    /// Binary at a threshold.
    F1(f64),
    /// Binary at a threshold.
    BalancedAccuracy(f64),
    /// Binary at a threshold: Matthews correlation coefficient.
    Mcc(f64),
    /// Multiclass: unweighted mean of per-class F1.
    F1Macro,
    /// Multiclass: F1 of the pooled counts.
    F1Micro,
    /// Multiclass: per-class F1 weighted by true support.
    F1Weighted,
    /// Multiclass: unweighted mean of per-class precision.
    PrecisionMacro,
    /// Multiclass: unweighted mean of per-class recall.
    RecallMacro,
    /// Multiclass: Cohen's kappa between truth and prediction.
    CohenKappa,
    /// Multiclass: share of rows whose true class is among the k highest probabilities.
    TopKAccuracy(usize),
    /// Regression: root mean squared error.
    Rmse,
    /// Regression: mean squared error.
    Mse,
    /// Regression: mean absolute error.
    Mae,
    /// Regression: mean absolute percentage error (as a fraction).
    Mape,
    /// Regression: coefficient of determination.
    R2,
    /// Regression: largest absolute error.
    MaxError,
    /// Regression: median absolute error.
    MedianAbsoluteError,
}

/// Why a metric cannot be computed on the given data.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MetricError {
    /// The name is not a metric of the task.
    #[error("未知指标「{name}」；{task} 任务可用：{known} / unknown metric '{name}'; {task} metrics are: {known}")]
    Unknown {
        /// As given.
        name: String,
        /// The task.
        task: &'static str,
        /// The metric names of the task.
        known: String,
    },
    /// The metric is defined, but not on this data (e.g. ROC-AUC with one class).
    #[error("{metric}: {reason}")]
    Undefined {
        /// The metric.
        metric: String,
        /// Why.
        reason: String,
    },
    /// The metric needs a column the predictions do not have.
    #[error("{metric} 需要 {needs} / {metric} needs {needs}")]
    Needs {
        /// The metric.
        metric: String,
        /// What is missing.
        needs: String,
    },
}

const BINARY: &[&str] = &[
    "roc_auc",
    "average_precision",
    "log_loss",
    "accuracy@t",
    "precision@t",
    "recall@t",
    "f1@t",
    "balanced_accuracy@t",
    "mcc@t",
];
const MULTICLASS: &[&str] = &[
    "accuracy",
    "f1_macro",
    "f1_micro",
    "f1_weighted",
    "precision_macro",
    "recall_macro",
    "cohen_kappa",
    "log_loss",
    "top_k_accuracy@k",
];
const REGRESSION: &[&str] = &["rmse", "mse", "mae", "mape", "r2", "max_error", "median_absolute_error"];

impl Metric {
    /// Parses a metric name for a task. A bare threshold metric means threshold 0.5 (`f1` is
    /// `f1@0.5`); a bare `top_k_accuracy` means k = 2, scikit-learn's default.
    pub fn parse(task: Task, name: &str) -> Result<Self, MetricError> {
        let name = name.trim();
        let (base, param) = match name.split_once('@') {
            Some((b, p)) => (b, Some(p)),
            None => (name, None),
        };
        let unknown = || {
            let (task_name, known) = match task {
                Task::Binary => ("binary", BINARY),
                Task::Multiclass => ("multiclass", MULTICLASS),
                Task::Regression => ("regression", REGRESSION),
            };
            MetricError::Unknown { name: name.to_owned(), task: task_name, known: known.join(", ") }
        };
        let threshold = || -> Result<f64, MetricError> {
            match param {
                None => Ok(0.5),
                Some(p) => p.parse::<f64>().ok().filter(|t| t.is_finite()).ok_or_else(unknown),
            }
        };
        let bare = |metric: Metric| if param.is_none() { Ok(metric) } else { Err(unknown()) };
        match (task, base) {
            (Task::Binary, "roc_auc") => bare(Self::RocAuc),
            (Task::Binary, "average_precision") => bare(Self::AveragePrecision),
            (Task::Binary | Task::Multiclass, "log_loss") => bare(Self::LogLoss),
            (Task::Binary, "accuracy") => Ok(Self::Accuracy(Some(threshold()?))),
            (Task::Binary, "precision") => Ok(Self::Precision(threshold()?)),
            (Task::Binary, "recall") => Ok(Self::Recall(threshold()?)),
            (Task::Binary, "f1") => Ok(Self::F1(threshold()?)),
            (Task::Binary, "balanced_accuracy") => Ok(Self::BalancedAccuracy(threshold()?)),
            (Task::Binary, "mcc") => Ok(Self::Mcc(threshold()?)),
            (Task::Multiclass, "accuracy") => bare(Self::Accuracy(None)),
            (Task::Multiclass, "f1_macro") => bare(Self::F1Macro),
            (Task::Multiclass, "f1_micro") => bare(Self::F1Micro),
            (Task::Multiclass, "f1_weighted") => bare(Self::F1Weighted),
            (Task::Multiclass, "precision_macro") => bare(Self::PrecisionMacro),
            (Task::Multiclass, "recall_macro") => bare(Self::RecallMacro),
            (Task::Multiclass, "cohen_kappa") => bare(Self::CohenKappa),
            (Task::Multiclass, "top_k_accuracy") => match param {
                None => Ok(Self::TopKAccuracy(2)),
                Some(p) => p.parse::<usize>().ok().filter(|k| *k >= 1).map(Self::TopKAccuracy).ok_or_else(unknown),
            },
            (Task::Regression, "rmse") => bare(Self::Rmse),
            (Task::Regression, "mse") => bare(Self::Mse),
            (Task::Regression, "mae") => bare(Self::Mae),
            (Task::Regression, "mape") => bare(Self::Mape),
            (Task::Regression, "r2") => bare(Self::R2),
            (Task::Regression, "max_error") => bare(Self::MaxError),
            (Task::Regression, "median_absolute_error") => bare(Self::MedianAbsoluteError),
            _ => Err(unknown()),
        }
    }

    /// The canonical name, with the parameter spelled out (`f1@0.5`).
    pub fn key(&self) -> String {
        match self {
            Self::RocAuc => "roc_auc".into(),
            Self::AveragePrecision => "average_precision".into(),
            Self::LogLoss => "log_loss".into(),
            Self::Accuracy(Some(t)) => format!("accuracy@{t}"),
            Self::Accuracy(None) => "accuracy".into(),
            Self::Precision(t) => format!("precision@{t}"),
            Self::Recall(t) => format!("recall@{t}"),
            Self::F1(t) => format!("f1@{t}"),
            Self::BalancedAccuracy(t) => format!("balanced_accuracy@{t}"),
            Self::Mcc(t) => format!("mcc@{t}"),
            Self::F1Macro => "f1_macro".into(),
            Self::F1Micro => "f1_micro".into(),
            Self::F1Weighted => "f1_weighted".into(),
            Self::PrecisionMacro => "precision_macro".into(),
            Self::RecallMacro => "recall_macro".into(),
            Self::CohenKappa => "cohen_kappa".into(),
            Self::TopKAccuracy(k) => format!("top_k_accuracy@{k}"),
            Self::Rmse => "rmse".into(),
            Self::Mse => "mse".into(),
            Self::Mae => "mae".into(),
            Self::Mape => "mape".into(),
            Self::R2 => "r2".into(),
            Self::MaxError => "max_error".into(),
            Self::MedianAbsoluteError => "median_absolute_error".into(),
        }
    }
}

/// `a / b`, or 0 when `b` is 0 (scikit-learn's `zero_division=0` behaviour, without the warning).
pub(crate) fn ratio(a: f64, b: f64) -> f64 {
    if b == 0.0 { 0.0 } else { a / b }
}

#[cfg(test)]
mod tests {
    #[test]
    fn every_metric_the_engines_know_has_a_declared_direction() {
        use jiebang_core::answers::{CHOICE_METRICS, GENERATION_METRICS, SAFETY_METRICS};
        use jiebang_core::delivery::{MEASURED, SERVING};
        let measured = MEASURED.iter().chain(SERVING).map(|(key, _, _)| *key);
        let names = [BINARY, MULTICLASS, REGRESSION, CHOICE_METRICS, SAFETY_METRICS, GENERATION_METRICS]
            .concat()
            .into_iter()
            .chain(measured)
            .map(|name| name.replace("@t", "@0.5").replace("@k", "@3"));
        let undeclared: Vec<String> = names
            .filter(|name| !jiebang_core::indicator::MetricKey::parse(name).unwrap().has_declared_direction())
            .collect();
        assert!(undeclared.is_empty(), "ranked higher-is-better only by default: {undeclared:?}");
    }

    use super::*;

    #[test]
    fn bare_threshold_metrics_mean_at_one_half_and_keys_spell_the_parameter() {
        assert_eq!(Metric::parse(Task::Binary, "f1").unwrap(), Metric::F1(0.5));
        assert_eq!(Metric::parse(Task::Binary, "f1@0.3").unwrap().key(), "f1@0.3");
        assert_eq!(Metric::parse(Task::Multiclass, "top_k_accuracy@3").unwrap(), Metric::TopKAccuracy(3));
        assert_eq!(Metric::parse(Task::Multiclass, "accuracy").unwrap().key(), "accuracy");
    }

    #[test]
    fn an_unknown_or_misplaced_metric_lists_the_known_ones() {
        let err = Metric::parse(Task::Regression, "f1").unwrap_err().to_string();
        assert!(err.contains("rmse") && err.contains("median_absolute_error"), "{err}");
        assert!(Metric::parse(Task::Binary, "roc_auc@3").is_err());
        assert!(Metric::parse(Task::Multiclass, "top_k_accuracy@0").is_err());
        assert!(Metric::parse(Task::Binary, "f1@x").is_err());
    }
}
