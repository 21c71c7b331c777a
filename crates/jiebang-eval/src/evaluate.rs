//! One evaluation: read both tables, join predictions to the truth on the id column, type the
//! values, compute the metrics overall and per split, judge the indicators, and optionally add
//! bootstrap confidence intervals.

use std::collections::{BTreeMap, HashMap, HashSet};

use jiebang_core::indicator::IndicatorExpr;
use serde::Serialize;
use sha2::{Digest, Sha256};

use crate::EvalError;
use crate::metrics::{BinaryData, Metric, MulticlassData, RegressionData, Task};
use crate::table::{Source, Table, read_table_selecting};

/// Column names in the two files.
#[derive(Debug, Clone)]
pub struct Columns {
    /// Id column, in both files.
    pub id: String,
    /// Truth label (class or value).
    pub label: String,
    /// Binary score column in the predictions.
    pub score: String,
    /// Predicted class or value in the predictions (for multiclass, `label` is used if absent).
    pub prediction: String,
    /// Prefix of class probability columns (`p_正常`, `p_内圈故障`).
    pub proba_prefix: String,
    /// Optional split column in the truth (`public` / `private`).
    pub split: Option<String>,
}

impl Default for Columns {
    fn default() -> Self {
        Self {
            id: "id".into(),
            label: "label".into(),
            score: "score".into(),
            prediction: "prediction".into(),
            proba_prefix: "p_".into(),
            split: None,
        }
    }
}

/// Resampling for confidence intervals.
#[derive(Debug, Clone, Copy)]
pub struct Bootstrap {
    /// Number of resamples.
    pub resamples: usize,
    /// Seed, so intervals can be reproduced.
    pub seed: u64,
}

/// What to evaluate.
#[derive(Debug, Clone)]
pub struct Request<'a> {
    /// The task.
    pub task: Task,
    /// Ground truth.
    pub truth: Source<'a>,
    /// Predictions.
    pub predictions: Source<'a>,
    /// Column names.
    pub columns: Columns,
    /// Metrics to report.
    pub metrics: Vec<Metric>,
    /// Indicators to judge; their metrics are computed too.
    pub indicators: Vec<IndicatorExpr>,
    /// Confidence intervals, if wanted.
    pub bootstrap: Option<Bootstrap>,
    /// The positive class of a binary task whose labels are not 0/1 or true/false.
    pub positive_label: Option<String>,
    /// Largest accepted file.
    pub max_bytes: u64,
}

/// One indicator's verdict.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct IndicatorResult {
    /// As given, e.g. `f1@0.5>=0.9`.
    pub expr: String,
    /// Canonical metric name.
    pub metric: String,
    /// Measured value.
    pub value: f64,
    /// Operator.
    pub op: &'static str,
    /// Target.
    pub threshold: f64,
    /// Whether the value meets the target.
    pub pass: bool,
}

/// The result.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Report {
    /// Rows scored.
    pub rows: usize,
    /// Metric values over all rows.
    pub metrics: BTreeMap<String, f64>,
    /// Metric values per split.
    pub splits: BTreeMap<String, BTreeMap<String, f64>>,
    /// 95% bootstrap intervals `[low, high]` per metric, when asked for.
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub intervals: BTreeMap<String, [f64; 2]>,
    /// Indicator verdicts.
    pub indicators: Vec<IndicatorResult>,
    /// `pass` when every indicator passes, `fail` otherwise, `null` without indicators.
    pub verdict: Option<&'static str>,
    /// sha256 of the truth file.
    pub truth_sha256: String,
    /// sha256 of the predictions file.
    pub pred_sha256: String,
    /// Engine name and version.
    pub engine: String,
}

/// Row-aligned data of any task.
#[derive(Debug, Clone)]
pub enum Aligned {
    /// Binary.
    Binary(BinaryData),
    /// Multiclass.
    Multiclass(MulticlassData),
    /// Regression.
    Regression(RegressionData),
}

impl Aligned {
    /// Number of rows.
    pub fn rows(&self) -> usize {
        match self {
            Self::Binary(d) => d.truth.len(),
            Self::Multiclass(d) => d.truth.len(),
            Self::Regression(d) => d.truth.len(),
        }
    }

    /// Computes a metric.
    pub fn compute(&self, metric: Metric) -> Result<f64, crate::MetricError> {
        match self {
            Self::Binary(d) => d.compute(metric),
            Self::Multiclass(d) => d.compute(metric),
            Self::Regression(d) => d.compute(metric),
        }
    }

    /// The rows at `rows` (repeats allowed), in that order.
    pub fn subset(&self, rows: &[usize]) -> Self {
        fn pick<T: Copy>(v: &[T], rows: &[usize]) -> Vec<T> {
            rows.iter().map(|&r| v[r]).collect()
        }
        match self {
            Self::Binary(d) => Self::Binary(BinaryData { truth: pick(&d.truth, rows), score: pick(&d.score, rows) }),
            Self::Regression(d) => {
                Self::Regression(RegressionData { truth: pick(&d.truth, rows), predicted: pick(&d.predicted, rows) })
            }
            Self::Multiclass(d) => {
                let k = d.classes.len();
                Self::Multiclass(MulticlassData {
                    classes: d.classes.clone(),
                    truth: pick(&d.truth, rows),
                    predicted: d.predicted.as_ref().map(|p| pick(p, rows)),
                    probabilities: d
                        .probabilities
                        .as_ref()
                        .map(|p| rows.iter().flat_map(|&r| p[r * k..(r + 1) * k].iter().copied()).collect()),
                })
            }
        }
    }
}

/// Runs an evaluation.
pub fn evaluate(request: &Request<'_>) -> Result<Report, EvalError> {
    let mut metrics = request.metrics.clone();
    let mut judged = Vec::new();
    for indicator in &request.indicators {
        let metric = Metric::parse(request.task, indicator.metric.as_str())?;
        if !metrics.contains(&metric) {
            metrics.push(metric);
        }
        judged.push((indicator, metric));
    }
    if metrics.is_empty() {
        return Err(EvalError::Usage(
            "至少需要一个 --metric 或 --indicator / give at least one --metric or --indicator".into(),
        ));
    }
    let (loaded, truth_sha256, pred_sha256) = std::thread::scope(|scope| {
        let truth_hash = scope.spawn(|| hex(request.truth.bytes));
        let pred_hash = scope.spawn(|| hex(request.predictions.bytes));
        (load(request), truth_hash.join().unwrap_or_default(), pred_hash.join().unwrap_or_default())
    });
    let (aligned, splits) = loaded?;
    let mut report = Report {
        rows: aligned.rows(),
        metrics: BTreeMap::new(),
        splits: BTreeMap::new(),
        intervals: BTreeMap::new(),
        indicators: Vec::new(),
        verdict: None,
        truth_sha256,
        pred_sha256,
        engine: format!("jiebang-eval {}", env!("CARGO_PKG_VERSION")),
    };
    for &metric in &metrics {
        report.metrics.insert(metric.key(), aligned.compute(metric)?);
    }
    for (name, rows) in &splits {
        let part = aligned.subset(rows);
        let mut values = BTreeMap::new();
        for &metric in &metrics {
            // A split may lack what a metric needs (one class only); it is left out there.
            if let Ok(value) = part.compute(metric) {
                values.insert(metric.key(), value);
            }
        }
        report.splits.insert(name.clone(), values);
    }
    if let Some(bootstrap) = request.bootstrap {
        report.intervals = intervals(&aligned, &metrics, bootstrap);
    }
    for (indicator, metric) in judged {
        let value = report.metrics[&metric.key()];
        report.indicators.push(IndicatorResult {
            expr: indicator.to_string(),
            metric: metric.key(),
            value,
            op: indicator.op.symbol(),
            threshold: indicator.threshold,
            pass: indicator.is_met_by(value),
        });
    }
    if !report.indicators.is_empty() {
        report.verdict = Some(if report.indicators.iter().all(|i| i.pass) { "pass" } else { "fail" });
    }
    Ok(report)
}

fn hex(bytes: &[u8]) -> String {
    Sha256::digest(bytes).iter().map(|b| format!("{b:02x}")).collect()
}

/// A split's name and its rows.
pub type Split = (String, Vec<usize>);

/// Reads, joins and types both files; returns the aligned data and the rows of each split.
pub fn load(request: &Request<'_>) -> Result<(Aligned, Vec<Split>), EvalError> {
    let c = &request.columns;
    let mut truth_columns = vec![c.id.clone(), c.label.clone()];
    if let Some(split) = &c.split {
        truth_columns.push(split.clone());
    }
    let task = request.task;
    let select_predictions = |header: &[String]| -> Vec<String> {
        match task {
            Task::Binary => vec![c.id.clone(), c.score.clone()],
            Task::Regression => vec![c.id.clone(), c.prediction.clone()],
            Task::Multiclass => {
                let mut wanted = vec![c.id.clone()];
                if header.contains(&c.prediction) {
                    wanted.push(c.prediction.clone());
                } else if header.contains(&c.label) {
                    wanted.push(c.label.clone());
                }
                wanted.extend(
                    header.iter().filter(|h| h.starts_with(&c.proba_prefix) && h.len() > c.proba_prefix.len()).cloned(),
                );
                wanted
            }
        }
    };
    // Each file is read and typed on its own thread: ids as integers where they are, and the
    // value column where it is numeric.
    let numeric_truth = task == Task::Regression;
    let numeric_predictions = task != Task::Multiclass;
    let positive = request.positive_label.as_deref();
    let (truth, predictions) = std::thread::scope(|scope| {
        let truth = scope.spawn(|| {
            let table = read_table_selecting(request.truth, request.max_bytes, |_| truth_columns.clone())?;
            let labels = (task == Task::Binary).then(|| binary_labels(&table, positive));
            let values = numeric_truth.then(|| numbers(&table, 1));
            Ok::<_, EvalError>((integer_ids(&table), labels, values, table))
        });
        // Prediction ids are parsed during the join instead: one pass, no extra array.
        let predictions =
            read_table_selecting(request.predictions, request.max_bytes, select_predictions).map(|table| {
                let values = numeric_predictions.then(|| numbers(&table, 1));
                (values, table)
            });
        (truth.join().unwrap_or_else(|_| Err(EvalError::Usage("reader thread failed".into()))), predictions)
    });
    let (truth_ids, labels, truth_values, truth) = truth?;
    let (prediction_values, predictions) = predictions?;
    let order = join(&truth, truth_ids.as_deref(), &predictions)?;
    drop(truth_ids);
    let splits = match &c.split {
        Some(_) => {
            let mut groups: BTreeMap<String, Vec<usize>> = BTreeMap::new();
            for row in 0..truth.rows() {
                groups.entry(truth.cell(2, row).trim().to_owned()).or_default().push(row);
            }
            groups.into_iter().collect()
        }
        None => Vec::new(),
    };
    let aligned = match task {
        Task::Binary => Aligned::Binary(BinaryData {
            truth: labels.transpose()?.unwrap_or_default(),
            score: gather(&prediction_values.transpose()?.unwrap_or_default(), &order),
        }),
        Task::Regression => Aligned::Regression(RegressionData {
            truth: truth_values.transpose()?.unwrap_or_default(),
            predicted: gather(&prediction_values.transpose()?.unwrap_or_default(), &order),
        }),
        Task::Multiclass => Aligned::Multiclass(multiclass(&truth, &predictions, &order, &c.proba_prefix)?),
    };
    Ok((aligned, splits))
}

/// How truth ids are found. Canonical integer ids (no sign, no leading zeros — so equal as text
/// exactly when equal as numbers) take a dense table when they are compact, a map otherwise.
enum IdIndex<'t> {
    /// Ids `first, first + 1, …` in row order: the row is `id − first`, no lookup at all.
    Consecutive {
        first: u64,
        rows: u64,
    },
    Dense {
        slots: Vec<u32>,
    },
    Integers(HashMap<u64, u32>),
    Text(HashMap<&'t str, u32>),
}

const UNSET: u32 = u32::MAX;

/// Every id of a table as an integer, if every one is a canonical integer.
fn integer_ids(table: &Table<'_>) -> Option<Vec<u64>> {
    (0..table.rows()).map(|row| integer_id(table.cell_bytes(0, row))).collect()
}

/// A canonical non-negative decimal integer.
fn integer_id(bytes: &[u8]) -> Option<u64> {
    let bytes = bytes.trim_ascii();
    if bytes.is_empty() || bytes.len() > 19 || (bytes.len() > 1 && bytes[0] == b'0') {
        return None;
    }
    bytes.iter().try_fold(0u64, |value, &b| b.is_ascii_digit().then(|| value * 10 + u64::from(b - b'0')))
}

fn duplicate(table: &Table<'_>, row: usize, first: usize) -> EvalError {
    let id = table.cell(0, row).trim();
    table.error(
        row,
        0,
        format!(
            "id「{id}」重复（第{}行已出现）/ duplicate id '{id}' (also on line {})",
            table.line(first),
            table.line(first)
        ),
    )
}

/// A map from each id to its row; a repeated id is an error naming both lines.
fn unique<K: std::hash::Hash + Eq>(
    truth: &Table<'_>,
    ids: impl Iterator<Item = K>,
) -> Result<HashMap<K, u32>, EvalError> {
    let mut map = HashMap::with_capacity(truth.rows());
    for (row, id) in ids.enumerate() {
        if let Some(first) = map.insert(id, row as u32) {
            return Err(duplicate(truth, row, first as usize));
        }
    }
    Ok(map)
}

impl<'t> IdIndex<'t> {
    fn build(truth: &'t Table<'_>, integers: Option<&[u64]>) -> Result<Self, EvalError> {
        let rows = truth.rows();
        let Some(integers) = integers else {
            return unique(truth, (0..rows).map(|row| truth.cell(0, row).trim())).map(Self::Text);
        };
        let first = integers.first().copied().unwrap_or(0);
        if integers.iter().enumerate().all(|(row, &id)| id == first + row as u64) {
            return Ok(Self::Consecutive { first, rows: rows as u64 });
        }
        let max = integers.iter().copied().max().unwrap_or(0);
        if max < (rows as u64).saturating_mul(4) + 1024 {
            let mut slots = vec![UNSET; max as usize + 1];
            for (row, &id) in integers.iter().enumerate() {
                if slots[id as usize] != UNSET {
                    return Err(duplicate(truth, row, slots[id as usize] as usize));
                }
                slots[id as usize] = row as u32;
            }
            return Ok(Self::Dense { slots });
        }
        unique(truth, integers.iter().copied()).map(Self::Integers)
    }

    fn find(&self, predictions: &Table<'_>, row: usize) -> Option<u32> {
        let integer = || integer_id(predictions.cell_bytes(0, row));
        match self {
            Self::Consecutive { first, rows } => {
                integer().and_then(|id| id.checked_sub(*first)).filter(|t| t < rows).map(|t| t as u32)
            }
            Self::Dense { slots } => integer().and_then(|id| slots.get(id as usize).copied()).filter(|&t| t != UNSET),
            Self::Integers(map) => integer().and_then(|id| map.get(&id).copied()),
            Self::Text(map) => map.get(predictions.cell(0, row).trim()).copied(),
        }
    }
}

/// For each truth row, the prediction row with the same id. Reports duplicate, unknown and
/// missing ids with counts and the first few of each.
fn join(truth: &Table<'_>, truth_ids: Option<&[u64]>, predictions: &Table<'_>) -> Result<Vec<u32>, EvalError> {
    let index = IdIndex::build(truth, truth_ids)?;
    let mut order = vec![UNSET; truth.rows()];
    // Which truth rows have a prediction: a bitset small enough to stay in cache, so the loop
    // does not read `order` at random (predictions usually come shuffled).
    let mut seen = vec![0u64; truth.rows().div_ceil(64)];
    let mut unknown = Vec::new();
    let mut unknown_count = 0usize;
    for row in 0..predictions.rows() {
        match index.find(predictions, row) {
            Some(t) => {
                let (word, bit) = (t as usize / 64, 1u64 << (t % 64));
                if seen[word] & bit != 0 {
                    return Err(duplicate(predictions, row, order[t as usize] as usize));
                }
                seen[word] |= bit;
                order[t as usize] = row as u32;
            }
            None => {
                unknown_count += 1;
                if unknown.len() < 5 {
                    let id = predictions.cell(0, row).trim();
                    unknown.push(format!("{id}（第{}行 / line {}）", predictions.line(row), predictions.line(row)));
                }
            }
        }
    }
    let missing: Vec<usize> = (0..truth.rows()).filter(|&r| seen[r / 64] & (1 << (r % 64)) == 0).collect();
    let mut problems = Vec::new();
    if unknown_count > 0 {
        problems.push(format!(
            "{}: {unknown_count} 个 id 不在真值中，如 {} / {unknown_count} id(s) not in the truth, first: {}",
            predictions.file,
            unknown.join("、"),
            unknown.join(", ")
        ));
    }
    if !missing.is_empty() {
        let first: Vec<&str> = missing.iter().take(5).map(|&r| truth.cell(0, r).trim()).collect();
        problems.push(format!(
            "{}: 缺少 {} 个 id 的预测，如 {} / {} id(s) have no prediction, first: {}",
            predictions.file,
            missing.len(),
            first.join("、"),
            missing.len(),
            first.join(", ")
        ));
    }
    if !problems.is_empty() {
        return Err(EvalError::Ids { message: problems.join("; ") });
    }
    Ok(order)
}

/// Parses column `column` of `table` as finite numbers, in the table's own row order (a
/// sequential pass; column 0 holds the id named in messages).
fn numbers(table: &Table<'_>, column: usize) -> Result<Vec<f64>, EvalError> {
    (0..table.rows())
        .map(|row| {
            let text = table.cell(column, row).trim_ascii();
            let (zh, en) = match text.parse::<f64>() {
                Ok(v) if v.is_finite() => return Ok(v),
                _ if text.is_empty() => ("为空".to_owned(), "is empty".to_owned()),
                Ok(_) => (format!("「{text}」不是有限数"), format!("is '{text}', not finite")),
                Err(_) => (format!("「{text}」不是数字"), format!("is '{text}', not a number")),
            };
            let id = table.cell(0, row).trim();
            Err(table.error(row, column, format!("id「{id}」的值{zh} / the value for id '{id}' {en}")))
        })
        .collect()
}

/// Prediction values in truth order: `order[i]` is the prediction row of truth row `i`.
fn gather(values: &[f64], order: &[u32]) -> Vec<f64> {
    order.iter().map(|&row| values[row as usize]).collect()
}

/// Binary truth: 0/1 (also 0.0/1.0) or true/false; other labels need `positive_label`, and then
/// there may be only two distinct labels.
fn binary_labels(truth: &Table<'_>, positive: Option<&str>) -> Result<Vec<bool>, EvalError> {
    let mut seen: Vec<String> = Vec::new();
    let mut labels = Vec::with_capacity(truth.rows());
    for row in 0..truth.rows() {
        let text = truth.cell(1, row).trim_ascii();
        let value = match (positive, text) {
            (Some(p), t) => {
                if !seen.iter().any(|s| s == t) {
                    seen.push(t.to_owned());
                    if seen.len() > 2 {
                        return Err(truth.error(row, 1, format!("二分类真值出现第三个类别「{t}」（已有 {}）/ a binary truth has a third label '{t}' (after {})", seen[..2].join("、"), seen[..2].join(", "))));
                    }
                }
                t == p
            }
            (None, "1" | "1.0" | "true" | "True" | "TRUE") => true,
            (None, "0" | "0.0" | "false" | "False" | "FALSE") => false,
            (None, t) => {
                return Err(truth.error(
                    row,
                    1,
                    format!("二分类真值应为 0/1 或 true/false，发现「{t}」；其他标签请用 --positive-label 指定正类 / binary labels must be 0/1 or true/false, found '{t}'; for other labels name the positive class with --positive-label"),
                ));
            }
        };
        labels.push(value);
    }
    Ok(labels)
}

/// Sorts class names as scikit-learn sorts label values: numerically when all are numbers.
fn sort_classes(classes: &mut [String]) {
    if classes.iter().all(|c| c.parse::<f64>().is_ok()) {
        classes.sort_by(|a, b| a.parse::<f64>().unwrap_or(0.0).total_cmp(&b.parse::<f64>().unwrap_or(0.0)));
    } else {
        classes.sort();
    }
}

fn multiclass(
    truth: &Table<'_>,
    predictions: &Table<'_>,
    order: &[u32],
    prefix: &str,
) -> Result<MulticlassData, EvalError> {
    let has_predicted = predictions.names.len() > 1 && !predictions.names[1].starts_with(prefix);
    let proba_columns: Vec<usize> =
        (1..predictions.names.len()).filter(|&c| predictions.names[c].starts_with(prefix)).collect();
    if !has_predicted && proba_columns.is_empty() {
        return Err(EvalError::Usage(format!(
            "{}: 多分类预测需要预测类别列或以「{prefix}」开头的概率列 / multiclass predictions need a predicted-class column or probability columns named {prefix}<class>",
            predictions.file
        )));
    }
    let mut distinct: HashSet<&str> = (0..truth.rows()).map(|r| truth.cell(1, r).trim()).collect();
    if has_predicted {
        distinct.extend((0..predictions.rows()).map(|r| predictions.cell(1, r).trim()));
    }
    distinct.extend(proba_columns.iter().map(|&c| &predictions.names[c][prefix.len()..]));
    let mut classes: Vec<String> = distinct.into_iter().map(str::to_owned).collect();
    sort_classes(&mut classes);
    let index: HashMap<&str, u32> = classes.iter().enumerate().map(|(i, c)| (c.as_str(), i as u32)).collect();
    let truth_classes: Vec<u32> = (0..truth.rows()).map(|r| index[truth.cell(1, r).trim()]).collect();
    let predicted =
        has_predicted.then(|| order.iter().map(|&r| index[predictions.cell(1, r as usize).trim()]).collect());
    let probabilities = if proba_columns.is_empty() {
        None
    } else {
        let column_of: HashMap<&str, usize> =
            proba_columns.iter().map(|&c| (&predictions.names[c][prefix.len()..], c)).collect();
        if let Some(t) =
            truth_classes.iter().map(|&t| classes[t as usize].as_str()).find(|t| !column_of.contains_key(t))
        {
            return Err(EvalError::Usage(format!(
                "{}: 真值类别「{t}」没有概率列「{prefix}{t}」/ the truth class '{t}' has no probability column '{prefix}{t}'",
                predictions.file
            )));
        }
        let mut matrix = vec![0.0; order.len() * classes.len()];
        for (class, name) in classes.iter().enumerate() {
            if let Some(&column) = column_of.get(name.as_str()) {
                for (row, value) in gather(&numbers(predictions, column)?, order).into_iter().enumerate() {
                    matrix[row * classes.len() + class] = value;
                }
            }
        }
        Some(matrix)
    };
    Ok(MulticlassData { classes, truth: truth_classes, predicted, probabilities })
}

/// Percentile bootstrap: `resamples` draws of n rows with replacement, the 2.5th and 97.5th
/// percentiles (linear interpolation, as numpy's default) of each metric. Draws where a metric
/// is undefined (one class only) are skipped for that metric.
fn intervals(aligned: &Aligned, metrics: &[Metric], bootstrap: Bootstrap) -> BTreeMap<String, [f64; 2]> {
    let n = aligned.rows();
    let mut rng = SplitMix64(bootstrap.seed);
    let mut samples: Vec<Vec<f64>> = vec![Vec::with_capacity(bootstrap.resamples); metrics.len()];
    let mut rows = vec![0usize; n];
    for _ in 0..bootstrap.resamples {
        for r in rows.iter_mut() {
            *r = (rng.next() % n as u64) as usize;
        }
        let draw = aligned.subset(&rows);
        for (m, &metric) in metrics.iter().enumerate() {
            if let Ok(v) = draw.compute(metric) {
                samples[m].push(v);
            }
        }
    }
    metrics
        .iter()
        .zip(samples)
        .filter(|(_, s)| !s.is_empty())
        .map(|(metric, mut s)| {
            s.sort_unstable_by(f64::total_cmp);
            (metric.key(), [percentile(&s, 2.5), percentile(&s, 97.5)])
        })
        .collect()
}

fn percentile(sorted: &[f64], p: f64) -> f64 {
    let position = p / 100.0 * (sorted.len() - 1) as f64;
    let (low, high) = (position.floor() as usize, position.ceil() as usize);
    sorted[low] + (sorted[high] - sorted[low]) * (position - low as f64)
}

/// SplitMix64: tiny, fast, and the same on every platform, so a seed reproduces an interval.
struct SplitMix64(u64);

impl SplitMix64 {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
}
