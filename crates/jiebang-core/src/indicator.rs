//! Indicators (考核指标): the measurable targets a challenge publishes, an application commits to
//! and an acceptance test is judged against. One type serves all three, so a target cannot change
//! meaning between the list and the verdict.
//!
//! An indicator expression is `metric op threshold`, e.g. `f1@0.5>=0.92` or `latency_p99_ms≤10`;
//! the metric key names what is measured (see `docs/metrics.md`), `@t` a threshold or `@k` a rank.

use serde::{Deserialize, Serialize};

use crate::FieldError;
use crate::error::{Collector, optional_text, required_text};

/// How a measured value is compared with the threshold.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum Comparison {
    /// ≥
    #[serde(rename = ">=")]
    AtLeast,
    /// ≤
    #[serde(rename = "<=")]
    AtMost,
    /// >
    #[serde(rename = ">")]
    Above,
    /// <
    #[serde(rename = "<")]
    Below,
    /// = (within 1e-9, relative)
    #[serde(rename = "=")]
    Equal,
}

impl Comparison {
    /// Parses `>=`, `≥`, `<=`, `≤`, `>`, `<`, `=`, `==`.
    pub fn parse(symbol: &str) -> Option<Self> {
        Some(match symbol.trim() {
            ">=" | "≥" | "＞＝" => Self::AtLeast,
            "<=" | "≤" | "＜＝" => Self::AtMost,
            ">" | "＞" => Self::Above,
            "<" | "＜" => Self::Below,
            "=" | "==" | "＝" => Self::Equal,
            _ => return None,
        })
    }

    /// The ASCII symbol.
    pub fn symbol(self) -> &'static str {
        match self {
            Self::AtLeast => ">=",
            Self::AtMost => "<=",
            Self::Above => ">",
            Self::Below => "<",
            Self::Equal => "=",
        }
    }

    /// The symbol as printed in Chinese lists.
    pub fn display_symbol(self) -> &'static str {
        match self {
            Self::AtLeast => "≥",
            Self::AtMost => "≤",
            Self::Above => ">",
            Self::Below => "<",
            Self::Equal => "=",
        }
    }

    /// Whether `value` satisfies `self threshold`.
    pub fn holds(self, value: f64, threshold: f64) -> bool {
        match self {
            Self::AtLeast => value >= threshold,
            Self::AtMost => value <= threshold,
            Self::Above => value > threshold,
            Self::Below => value < threshold,
            Self::Equal => (value - threshold).abs() <= 1e-9 * threshold.abs().max(1.0),
        }
    }
}

/// Which way a metric improves; decides ranking and whether a commitment "beats" a target.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum Direction {
    /// Accuracy, F1, AUC, throughput …
    HigherIsBetter,
    /// Errors, latency, size, memory …
    LowerIsBetter,
}

/// Metrics whose values are fractions in [0, 1]; a threshold above 1 is a percent typed by mistake.
const FRACTION_METRICS: &[&str] = &[
    "accuracy",
    "balanced_accuracy",
    "precision",
    "recall",
    "f1",
    "f1_macro",
    "f1_micro",
    "f1_weighted",
    "precision_macro",
    "recall_macro",
    "roc_auc",
    "average_precision",
    "top_k_accuracy",
    "map",
    "choice_accuracy",
    "unparsed_rate",
    "refusal_rate",
    "over_refusal_rate",
    "safety_score",
    "exact_match",
    "rouge1",
    "rouge2",
    "rougel",
    "rougelsum",
    "error_rate",
    "truncation_rate",
    "goodput",
];

/// Metrics that improve upwards. With [`LOWER_IS_BETTER`] it names every metric the engines
/// compute or the platform measures, so none is ranked the wrong way by default (a test in
/// `jiebang-eval` checks every name the engines accept).
const HIGHER_IS_BETTER: &[&str] = &[
    "accuracy",
    "balanced_accuracy",
    "precision",
    "recall",
    "f1",
    "mcc",
    "f1_macro",
    "f1_micro",
    "f1_weighted",
    "precision_macro",
    "recall_macro",
    "cohen_kappa",
    "roc_auc",
    "average_precision",
    "top_k_accuracy",
    "r2",
    "throughput_qps",
    "choice_accuracy",
    "refusal_rate",
    "safety_score",
    "bleu",
    "chrf",
    "chrf++",
    "exact_match",
    "rouge1",
    "rouge2",
    "rougel",
    "rougelsum",
    "output_tokens_per_s",
    "requests_per_s",
    "goodput",
];
const LOWER_IS_BETTER: &[&str] = &[
    "rmse",
    "mse",
    "mae",
    "mape",
    "log_loss",
    "max_error",
    "median_absolute_error",
    "model_size_mb",
    "peak_memory_mb",
    "parameter_count",
    "false_negative_rate",
    "false_positive_rate",
    "error_rate",
    "unparsed_rate",
    "over_refusal_rate",
    "ttft_p50_ms",
    "ttft_p90_ms",
    "ttft_p99_ms",
    "tpot_mean_ms",
    "tpot_p99_ms",
    "itl_p99_ms",
    "e2e_p99_ms",
    "truncation_rate",
];

/// A metric name such as `f1`, `f1@0.5`, `top_k_accuracy@3` or `latency_p99_ms`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema), schema(value_type = String, example = "f1@0.5"))]
pub struct MetricKey(String);

impl MetricKey {
    /// Lower-case letters, digits and `_`, starting with a letter, perhaps ending in `++`
    /// (`chrf++`); optionally `@` and a number (`f1@0.5`) or a name (`bleu@zh`,
    /// `choice_accuracy@macro`).
    pub fn parse(input: &str) -> Result<Self, FieldError> {
        let key = input.trim().to_ascii_lowercase();
        let err = || {
            FieldError::new(
                "metric",
                format!(
                    "指标键「{}」无效：应为小写字母、数字和下划线，可带 @参数，如 f1@0.5 / invalid metric key '{}': \
                     use lower-case letters, digits and underscores, optionally @parameter, e.g. f1@0.5",
                    input.trim(),
                    input.trim()
                ),
            )
        };
        let (base, param) = match key.split_once('@') {
            Some((b, p)) => (b, Some(p)),
            None => (key.as_str(), None),
        };
        let word = |w: &str| {
            w.len() <= 64
                && w.starts_with(|c: char| c.is_ascii_lowercase())
                && w.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
        };
        let base_ok = word(base.strip_suffix("++").unwrap_or(base));
        let param_ok = param.is_none_or(|p| p.parse::<f64>().is_ok_and(f64::is_finite) || word(p));
        if base_ok && param_ok { Ok(Self(key)) } else { Err(err()) }
    }

    /// The key.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The key without its `@` parameter.
    pub fn base(&self) -> &str {
        self.0.split('@').next().unwrap_or(&self.0)
    }

    /// Which way the metric improves: lower for errors, latencies, sizes and memory, higher otherwise.
    pub fn direction(&self) -> Direction {
        let base = self.base();
        if LOWER_IS_BETTER.contains(&base) || base.starts_with("latency_") {
            Direction::LowerIsBetter
        } else {
            Direction::HigherIsBetter
        }
    }

    /// Whether the platform knows which way this metric improves (rather than assuming higher).
    pub fn has_declared_direction(&self) -> bool {
        let base = self.base();
        HIGHER_IS_BETTER.contains(&base) || LOWER_IS_BETTER.contains(&base) || base.starts_with("latency_")
    }

    /// Whether values of this metric are fractions in [0, 1].
    pub fn is_fraction(&self) -> bool {
        FRACTION_METRICS.contains(&self.base())
    }
}

impl TryFrom<String> for MetricKey {
    type Error = FieldError;
    fn try_from(value: String) -> Result<Self, Self::Error> {
        Self::parse(&value)
    }
}

impl From<MetricKey> for String {
    fn from(key: MetricKey) -> Self {
        key.0
    }
}

/// `metric op threshold`, the machine-checkable part of an indicator.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct IndicatorExpr {
    /// What is measured.
    pub metric: MetricKey,
    /// How the measurement is compared.
    pub op: Comparison,
    /// The target.
    pub threshold: f64,
}

impl IndicatorExpr {
    /// Parses `f1@0.5>=0.9`, `rmse <= 1.2`, `accuracy≥0.95`.
    pub fn parse(input: &str) -> Result<Self, FieldError> {
        let input = input.trim();
        let err = |m: &str| FieldError::new("expr", format!("「{input}」：{m}"));
        let at = input
            .char_indices()
            .find(|(_, c)| "<>=≥≤＜＞＝".contains(*c))
            .map(|(i, _)| i)
            .ok_or_else(|| err("缺少比较符（>= <= > < =） / missing an operator (>= <= > < =)"))?;
        let rest = &input[at..];
        let op_len = rest
            .char_indices()
            .take_while(|(_, c)| "<>=≥≤＜＞＝".contains(*c))
            .last()
            .map_or(0, |(i, c)| i + c.len_utf8());
        let op = Comparison::parse(&rest[..op_len]).ok_or_else(|| err("比较符无效 / invalid operator"))?;
        let metric = MetricKey::parse(&input[..at])?;
        let threshold = parse_threshold(&rest[op_len..])?;
        check_scale(&metric, threshold)?;
        Ok(Self { metric, op, threshold })
    }

    /// Whether a measured value meets the target.
    pub fn is_met_by(&self, value: f64) -> bool {
        self.op.holds(value, self.threshold)
    }
}

impl std::fmt::Display for IndicatorExpr {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}{}{}", self.metric.as_str(), self.op.symbol(), self.threshold)
    }
}

fn parse_threshold(text: &str) -> Result<f64, FieldError> {
    let text = text.trim();
    if text.is_empty() {
        return Err(FieldError::new("threshold", "缺少阈值 / the threshold is missing"));
    }
    match text.parse::<f64>() {
        Ok(v) if v.is_finite() => Ok(v),
        _ => Err(FieldError::new(
            "threshold",
            format!("阈值「{text}」不是有限数值 / threshold '{text}' is not a finite number"),
        )),
    }
}

fn check_scale(metric: &MetricKey, threshold: f64) -> Result<(), FieldError> {
    if metric.is_fraction() && !(0.0..=1.0).contains(&threshold) {
        return Err(FieldError::new(
            "threshold",
            format!(
                "{} 的取值在 0 到 1 之间；95% 请写作 0.95 / {} is a fraction between 0 and 1; write 95% as 0.95",
                metric.as_str(),
                metric.as_str()
            ),
        ));
    }
    Ok(())
}

/// Whether an indicator can veto the whole result or contributes a weighted score.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum Weighting {
    /// 一票否决: failing it fails everything.
    Hard,
    /// Scored with a positive weight.
    Scored {
        /// Relative weight.
        weight: f64,
    },
}

/// A validated indicator of a challenge.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Indicator {
    /// Human name, e.g. 轴承故障识别F1值.
    pub name: String,
    /// The target.
    #[serde(flatten)]
    pub expr: IndicatorExpr,
    /// Display unit (%, ms, MB …); thresholds are always in the metric's own scale.
    pub unit: String,
    /// How it is tested (测试方法).
    pub test_method: String,
    /// Hard or scored.
    pub weighting: Weighting,
}

/// An indicator as a form or file gives it, before validation. Indicators are hard (一票否决)
/// unless said otherwise, as 考核指标 usually are.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct IndicatorInput {
    /// Human name.
    #[serde(default)]
    pub name: String,
    /// Metric key.
    #[serde(default)]
    pub metric: String,
    /// `>=`, `<=`, `>`, `<`, `=` (or ≥ ≤).
    #[serde(default)]
    pub op: String,
    /// Target value; missing is an error.
    pub threshold: Option<f64>,
    /// Display unit.
    #[serde(default)]
    pub unit: String,
    /// How it is tested.
    #[serde(default)]
    pub test_method: String,
    /// Veto indicator (一票否决); otherwise `weight` applies.
    #[serde(default = "default_true")]
    pub hard: bool,
    /// Weight of a scored indicator.
    pub weight: Option<f64>,
}

fn default_true() -> bool {
    true
}

impl Default for IndicatorInput {
    fn default() -> Self {
        Self {
            name: String::new(),
            metric: String::new(),
            op: String::new(),
            threshold: None,
            unit: String::new(),
            test_method: String::new(),
            hard: true,
            weight: None,
        }
    }
}

impl IndicatorInput {
    /// Checks every field and reports all problems.
    pub fn validate(&self) -> Result<Indicator, Vec<FieldError>> {
        let mut c = Collector::default();
        let name = c.check(required_text("name", &self.name, 100));
        let metric = c.check(MetricKey::parse(&self.metric));
        let op = c.check(Comparison::parse(&self.op).ok_or_else(|| {
            FieldError::new(
                "op",
                format!(
                    "比较符「{}」无效，应为 >= <= > < = 之一 / operator '{}' must be one of >= <= > < =",
                    self.op, self.op
                ),
            )
        }));
        let threshold = match self.threshold {
            None => c.check(Err(FieldError::new("threshold", "缺少阈值 / the threshold is missing"))),
            Some(t) if !t.is_finite() => {
                c.check(Err(FieldError::new("threshold", "阈值必须是有限数值 / the threshold must be a finite number")))
            }
            Some(t) => Some(t),
        };
        if let (Some(m), Some(t)) = (&metric, threshold) {
            c.check(check_scale(m, t));
        }
        let unit = c.check(optional_text("unit", &self.unit, 20));
        let test_method = c.check(optional_text("test_method", &self.test_method, 500));
        let weighting = if self.hard {
            Some(Weighting::Hard)
        } else {
            match self.weight {
                Some(w) if w.is_finite() && w > 0.0 => Some(Weighting::Scored { weight: w }),
                _ => c.check(Err(FieldError::new(
                    "weight",
                    "计分指标需要正的权重 / a scored indicator needs a positive weight",
                ))),
            }
        };
        c.finish(|| Indicator {
            name: name.unwrap_or_default(),
            expr: IndicatorExpr {
                metric: metric.expect("checked"),
                op: op.expect("checked"),
                threshold: threshold.expect("checked"),
            },
            unit: unit.unwrap_or_default(),
            test_method: test_method.unwrap_or_default(),
            weighting: weighting.expect("checked"),
        })
        .map_err(|e| e.field_errors().to_vec())
    }
}

impl From<&Indicator> for IndicatorInput {
    fn from(i: &Indicator) -> Self {
        let (hard, weight) = match i.weighting {
            Weighting::Hard => (true, None),
            Weighting::Scored { weight } => (false, Some(weight)),
        };
        Self {
            name: i.name.clone(),
            metric: i.expr.metric.as_str().to_owned(),
            op: i.expr.op.symbol().to_owned(),
            threshold: Some(i.expr.threshold),
            unit: i.unit.clone(),
            test_method: i.test_method.clone(),
            hard,
            weight,
        }
    }
}

impl Indicator {
    /// The target as a list prints it: `≥ 0.92 %`.
    pub fn target_text(&self) -> String {
        let unit = if self.unit.is_empty() { String::new() } else { format!(" {}", self.unit) };
        format!("{} {}{unit}", self.expr.op.display_symbol(), self.expr.threshold)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn large_model_metric_keys_parse() {
        for key in ["bleu@zh", "chrf++", "choice_accuracy@macro", "rouge_l@char", "f1@0.5"] {
            assert_eq!(MetricKey::parse(key).unwrap().as_str(), key);
        }
        for bad in ["bleu@", "chrf+++", "bleu@zh cn", "@zh", "bleu@Zh!"] {
            assert!(MetricKey::parse(bad).is_err(), "{bad}");
        }
        let e = IndicatorExpr::parse("chrf++>=50").unwrap();
        assert_eq!((e.metric.as_str(), e.threshold), ("chrf++", 50.0));
        assert_eq!(MetricKey::parse("over_refusal_rate").unwrap().direction(), Direction::LowerIsBetter);
        assert!(IndicatorExpr::parse("refusal_rate>=95").is_err(), "a share is at most 1");
    }

    #[test]
    fn expressions_parse_with_ascii_and_chinese_operators() {
        let e = IndicatorExpr::parse("f1@0.5>=0.9").unwrap();
        assert_eq!((e.metric.as_str(), e.op, e.threshold), ("f1@0.5", Comparison::AtLeast, 0.9));
        let e = IndicatorExpr::parse(" latency_p99_ms ≤ 10 ").unwrap();
        assert_eq!((e.metric.base(), e.op, e.threshold), ("latency_p99_ms", Comparison::AtMost, 10.0));
        assert_eq!(IndicatorExpr::parse("rmse<1.5").unwrap().op, Comparison::Below);
        assert_eq!(IndicatorExpr::parse("accuracy=1").unwrap().to_string(), "accuracy=1");
    }

    #[test]
    fn broken_expressions_say_what_is_missing() {
        assert!(IndicatorExpr::parse("f1 0.9").unwrap_err().message.contains("operator"));
        assert_eq!(IndicatorExpr::parse("f1>=").unwrap_err().field, "threshold");
        assert_eq!(IndicatorExpr::parse("F-1>=0.9").unwrap_err().field, "metric");
        assert!(IndicatorExpr::parse("f1>=95").unwrap_err().message.contains("0.95"));
        assert!(IndicatorExpr::parse("f1>=nan").is_err());
    }

    #[test]
    fn directions_follow_the_metric() {
        let d = |k: &str| MetricKey::parse(k).unwrap().direction();
        assert_eq!(d("f1@0.5"), Direction::HigherIsBetter);
        assert_eq!(d("rmse"), Direction::LowerIsBetter);
        assert_eq!(d("latency_p99_ms"), Direction::LowerIsBetter);
        assert_eq!(d("throughput_qps"), Direction::HigherIsBetter);
    }

    #[test]
    fn comparisons_hold_as_written() {
        let e = IndicatorExpr::parse("mape<=0.08").unwrap();
        assert!(e.is_met_by(0.08) && e.is_met_by(0.01) && !e.is_met_by(0.0801));
        assert!(Comparison::Equal.holds(0.1 + 0.2, 0.3));
    }

    #[test]
    fn an_indicator_without_a_threshold_is_rejected_naming_the_field() {
        let input = IndicatorInput { name: "F1".into(), metric: "f1".into(), op: ">=".into(), ..Default::default() };
        let errors = input.validate().unwrap_err();
        assert_eq!(errors.iter().map(|e| e.field.as_str()).collect::<Vec<_>>(), ["threshold"]);
    }

    #[test]
    fn a_scored_indicator_needs_a_weight_and_all_problems_are_reported() {
        let input = IndicatorInput {
            metric: "f1".into(),
            op: "~".into(),
            threshold: Some(0.9),
            hard: false,
            ..Default::default()
        };
        let fields: Vec<_> = input.validate().unwrap_err().into_iter().map(|e| e.field).collect();
        assert_eq!(fields, ["name", "op", "weight"]);
    }

    #[test]
    fn indicators_round_trip_through_their_input_form() {
        let input = IndicatorInput {
            name: "时延".into(),
            metric: "latency_p99_ms".into(),
            op: "≤".into(),
            threshold: Some(10.0),
            unit: "ms".into(),
            test_method: "平台实测".into(),
            hard: false,
            weight: Some(20.0),
        };
        let indicator = input.validate().unwrap();
        assert_eq!(indicator.target_text(), "≤ 10 ms");
        assert_eq!(IndicatorInput::from(&indicator).validate().unwrap(), indicator);
    }
}
