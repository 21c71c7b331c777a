//! One evaluation: read both tables, join predictions to the truth on the id column, type the
//! values, compute the metrics overall and per split, judge the indicators, and optionally add
//! bootstrap confidence intervals.

use std::collections::{BTreeMap, HashMap, HashSet};

use jiebang_core::indicator::IndicatorExpr;
use serde::Serialize;
use sha2::{Digest, Sha256};

use crate::EvalError;
use crate::metrics::{BinaryData, Metric, MulticlassData, RegressionData, Task};
use crate::table::{
    Categories, Column, Kind, Lookup, Matches, Source, Table, UNMATCHED, canonical_integer, cores, in_parallel,
    read_table,
};

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

impl Report {
    /// Adds quantities measured outside the predictions (a delivered model's latency, size,
    /// memory …) as metrics of every split, judges `indicators` on them like any other and
    /// recomputes the verdict. Indicators on metrics that were not measured are left out.
    pub fn add_measured(&mut self, measured: &BTreeMap<String, f64>, indicators: &[IndicatorExpr]) {
        for (key, value) in measured {
            self.metrics.insert(key.clone(), *value);
            for split in self.splits.values_mut() {
                split.insert(key.clone(), *value);
            }
        }
        for indicator in indicators {
            let Some(&value) = measured.get(indicator.metric.as_str()) else { continue };
            self.indicators.push(IndicatorResult::judge(indicator, indicator.metric.as_str().to_owned(), value));
        }
        self.set_verdict();
    }

    /// `pass` when every indicator passes, `fail` otherwise, none without indicators.
    pub(crate) fn set_verdict(&mut self) {
        if !self.indicators.is_empty() {
            self.verdict = Some(if self.indicators.iter().all(|i| i.pass) { "pass" } else { "fail" });
        }
    }
}

impl IndicatorResult {
    /// `indicator`'s verdict on `value` of the metric named `metric`.
    pub(crate) fn judge(indicator: &IndicatorExpr, metric: String, value: f64) -> Self {
        Self {
            expr: indicator.to_string(),
            metric,
            value,
            op: indicator.op.symbol(),
            threshold: indicator.threshold,
            pass: indicator.is_met_by(value),
        }
    }
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
    let Loaded { aligned, splits, truth_rows } = loaded?;
    let mut report = Report {
        rows: aligned.rows(),
        metrics: BTreeMap::new(),
        splits: BTreeMap::new(),
        intervals: BTreeMap::new(),
        indicators: Vec::new(),
        verdict: None,
        truth_sha256,
        pred_sha256,
        engine: crate::engine(),
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
        report.intervals = intervals(&aligned, &truth_rows, &metrics, bootstrap);
    }
    for (indicator, metric) in judged {
        let value = report.metrics[&metric.key()];
        report.indicators.push(IndicatorResult::judge(indicator, metric.key(), value));
    }
    report.set_verdict();
    Ok(report)
}

pub(crate) fn hex(bytes: &[u8]) -> String {
    Sha256::digest(bytes).iter().map(|b| format!("{b:02x}")).collect()
}

/// A split's name and its rows.
pub type Split = (String, Vec<usize>);

/// Both files read and joined.
#[derive(Debug)]
pub struct Loaded {
    /// Truth and predictions side by side, one row per prediction-file row, in its order.
    pub aligned: Aligned,
    /// The aligned rows of each split, by split name.
    pub splits: Vec<Split>,
    /// The truth row of each aligned row.
    pub truth_rows: Vec<u32>,
}

/// Reads, joins and types both files.
///
/// The truth is read first (on every core) and indexed by id; the predictions are then read
/// (on every core) with each id resolved to its truth row as it is parsed, so prediction ids are
/// never stored. Rows stay in the prediction file's order and the truth's (small) labels are
/// fetched to them: no metric depends on row order, and reading labels at random is far cheaper
/// than writing predictions at random.
pub fn load(request: &Request<'_>) -> Result<Loaded, EvalError> {
    let c = &request.columns;
    let task = request.task;
    let label = if task == Task::Regression { Kind::Number } else { Kind::Category };
    let truth = read_table(request.truth, request.max_bytes, |_| {
        let mut wanted = vec![(c.id.clone(), Kind::Id), (c.label.clone(), label)];
        wanted.extend(c.split.iter().map(|split| (split.clone(), Kind::Category)));
        wanted
    })?;
    let index = IdIndex::build(&truth)?;
    let predictions = read_table(request.predictions, request.max_bytes, |header| {
        let mut wanted = vec![(c.id.clone(), Kind::Lookup(&index))];
        match task {
            Task::Binary => wanted.push((c.score.clone(), Kind::Number)),
            Task::Regression => wanted.push((c.prediction.clone(), Kind::Number)),
            Task::Multiclass => {
                if let Some(predicted) = [&c.prediction, &c.label].into_iter().find(|name| header.contains(name)) {
                    wanted.push((predicted.clone(), Kind::Category));
                }
                wanted.extend(
                    header
                        .iter()
                        .filter(|h| h.starts_with(&c.proba_prefix) && h.len() > c.proba_prefix.len())
                        .map(|h| (h.clone(), Kind::Number)),
                );
            }
        }
        wanted
    })?;
    check_ids(&truth, &predictions)?;
    let Table { file, names, columns, .. } = predictions;
    let mut columns = columns.into_iter();
    let Some(Column::Matches(Matches { rows: truth_rows, .. })) = columns.next() else {
        unreachable!("prediction ids are looked up")
    };
    let splits = match truth.columns.get(2) {
        Some(Column::Categories(split)) => {
            let mut groups: Vec<Vec<usize>> = vec![Vec::new(); split.len()];
            for (row, &t) in truth_rows.iter().enumerate() {
                groups[split.codes[t as usize] as usize].push(row);
            }
            let mut named: Vec<Split> = split.values().map(str::to_owned).zip(groups).collect();
            named.sort_by(|a, b| a.0.cmp(&b.0));
            named
        }
        _ => Vec::new(),
    };
    let aligned = match (task, &truth.columns[1], columns.next()) {
        (Task::Binary, Column::Categories(labels), Some(Column::Numbers(score))) => Aligned::Binary(BinaryData {
            truth: gather(&binary_labels(&truth, labels, request.positive_label.as_deref())?, &truth_rows),
            score,
        }),
        (Task::Regression, Column::Numbers(values), Some(Column::Numbers(predicted))) => {
            Aligned::Regression(RegressionData { truth: gather(values, &truth_rows), predicted })
        }
        (Task::Multiclass, Column::Categories(labels), first) => {
            let rest: Vec<(String, Column)> = names.into_iter().skip(1).zip(first.into_iter().chain(columns)).collect();
            Aligned::Multiclass(multiclass(&file, labels, &truth_rows, rest, &c.proba_prefix)?)
        }
        _ => unreachable!("the columns are read as the task asks"),
    };
    Ok(Loaded { aligned, splits, truth_rows })
}

/// How truth ids are found. Canonical integer ids take a dense table when they are compact, a
/// map otherwise; text ids a map.
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

fn duplicate(table: &Table, row: usize, first: usize, id: &str) -> EvalError {
    let line = table.line(first);
    table.error(row, 0, format!("id「{id}」重复（第{line}行已出现）/ duplicate id '{id}' (also on line {line})"))
}

impl<'t> IdIndex<'t> {
    fn build(truth: &'t Table) -> Result<Self, EvalError> {
        let rows = truth.rows();
        let integers = match &truth.columns[0] {
            Column::Integers(integers) => integers,
            Column::Categories(ids) => {
                // Codes follow first appearance, so with no repeats code `r` is row `r`.
                if ids.len() < rows {
                    let mut first = vec![UNMATCHED; ids.len()];
                    for (row, &code) in ids.codes.iter().enumerate() {
                        if first[code as usize] != UNMATCHED {
                            return Err(duplicate(truth, row, first[code as usize] as usize, ids.value(code)));
                        }
                        first[code as usize] = row as u32;
                    }
                }
                return Ok(Self::Text(ids.values().zip(0..).collect()));
            }
            _ => unreachable!("ids are read as ids"),
        };
        let first = integers.first().copied().unwrap_or(0);
        if integers.iter().enumerate().all(|(row, &id)| id == first + row as u64) {
            return Ok(Self::Consecutive { first, rows: rows as u64 });
        }
        let max = integers.iter().copied().max().unwrap_or(0);
        if max < (rows as u64).saturating_mul(4) + 1024 {
            let mut slots = vec![UNMATCHED; max as usize + 1];
            for (row, &id) in integers.iter().enumerate() {
                if slots[id as usize] != UNMATCHED {
                    return Err(duplicate(truth, row, slots[id as usize] as usize, &id.to_string()));
                }
                slots[id as usize] = row as u32;
            }
            return Ok(Self::Dense { slots });
        }
        let mut map = HashMap::with_capacity(rows);
        for (row, &id) in integers.iter().enumerate() {
            if let Some(first) = map.insert(id, row as u32) {
                return Err(duplicate(truth, row, first as usize, &id.to_string()));
            }
        }
        Ok(Self::Integers(map))
    }
}

impl Lookup for IdIndex<'_> {
    fn find(&self, id: &[u8]) -> Option<u32> {
        match self {
            Self::Text(map) => std::str::from_utf8(id).ok().and_then(|id| map.get(id).copied()),
            _ => canonical_integer(id).and_then(|id| self.find_integer(id)),
        }
    }

    fn find_integer(&self, id: u64) -> Option<u32> {
        match self {
            Self::Consecutive { first, rows } => id.checked_sub(*first).filter(|t| t < rows).map(|t| t as u32),
            Self::Dense { slots } => slots.get(id as usize).copied().filter(|&t| t != UNMATCHED),
            Self::Integers(map) => map.get(&id).copied(),
            Self::Text(_) => None,
        }
    }
}

/// Checks that every truth row has exactly one prediction: reports duplicate, unknown and
/// missing ids with counts and the first few of each. A bitset small enough to stay in cache
/// records which truth rows are taken, so this pass reads memory in order.
fn check_ids(truth: &Table, predictions: &Table) -> Result<(), EvalError> {
    let Column::Matches(matches) = &predictions.columns[0] else { unreachable!("prediction ids are looked up") };
    if matches.unmatched == 0 && matches.rows.len() == truth.rows() && no_repeats(&matches.rows, truth.rows()) {
        return Ok(());
    }
    let mut seen = vec![0u64; truth.rows().div_ceil(64)];
    for (row, &t) in matches.rows.iter().enumerate() {
        if t != UNMATCHED {
            let (word, bit) = (t as usize / 64, 1u64 << (t % 64));
            if seen[word] & bit != 0 {
                let first = matches.rows.iter().position(|&r| r == t).unwrap_or(row);
                return Err(duplicate(predictions, row, first, &truth.text(0, t as usize)));
            }
            seen[word] |= bit;
        }
    }
    let mut problems = Vec::new();
    if matches.unmatched > 0 {
        let unknown: Vec<String> = matches
            .first_unmatched
            .iter()
            .map(|(row, id)| format!("{id}（第{}行 / line {}）", predictions.line(*row), predictions.line(*row)))
            .collect();
        let count = matches.unmatched;
        problems.push(format!(
            "{}: {count} 个 id 不在真值中，如 {} / {count} id(s) not in the truth, first: {}",
            predictions.file,
            unknown.join("、"),
            unknown.join(", ")
        ));
    }
    let is_missing = |r: &usize| seen[r / 64] & (1 << (r % 64)) == 0;
    let missing = truth.rows() - seen.iter().map(|w| w.count_ones() as usize).sum::<usize>();
    if missing > 0 {
        let first: Vec<String> =
            (0..truth.rows()).filter(is_missing).take(5).map(|r| truth.text(0, r).into_owned()).collect();
        problems.push(format!(
            "{}: 缺少 {missing} 个 id 的预测，如 {} / {missing} id(s) have no prediction, first: {}",
            predictions.file,
            first.join("、"),
            first.join(", ")
        ));
    }
    if problems.is_empty() { Ok(()) } else { Err(EvalError::Ids { message: problems.join("; ") }) }
}

/// Binary truth: 0/1 (also 0.0/1.0) or true/false; other labels need `positive`, and then
/// there may be only two distinct labels.
/// Whether no truth row is matched twice, checked on every core: each marks its share of the
/// rows in its own bitset, and the bitsets must not overlap. Only the answer; [`check_ids`]
/// finds the offending rows when there are any.
fn no_repeats(rows: &[u32], truth_rows: usize) -> bool {
    let shares: Vec<&[u32]> = rows.chunks(rows.len().div_ceil(cores()).max(1)).collect();
    let marks = in_parallel(shares.len(), |i| {
        let mut seen = vec![0u64; truth_rows.div_ceil(64)];
        for &t in shares[i] {
            let (word, bit) = (t as usize / 64, 1u64 << (t % 64));
            if seen[word] & bit != 0 {
                return None;
            }
            seen[word] |= bit;
        }
        Some(seen)
    });
    let Some(mut all) = marks.iter().all(Option::is_some).then(|| vec![0u64; truth_rows.div_ceil(64)]) else {
        return false;
    };
    for seen in marks.into_iter().flatten() {
        for (a, b) in all.iter_mut().zip(seen) {
            if *a & b != 0 {
                return false;
            }
            *a |= b;
        }
    }
    true
}

/// `values[row]` for each of `rows`, fetched on every core (random reads of a truth column in
/// prediction order).
fn gather<T: Copy + Default + Send + Sync>(values: &[T], rows: &[u32]) -> Vec<T> {
    let mut out = vec![T::default(); rows.len()];
    let share = rows.len().div_ceil(cores()).max(1);
    std::thread::scope(|scope| {
        for (out, rows) in out.chunks_mut(share).zip(rows.chunks(share)) {
            scope.spawn(move || {
                for (o, &t) in out.iter_mut().zip(rows) {
                    *o = values[t as usize];
                }
            });
        }
    });
    out
}

fn binary_labels(truth: &Table, labels: &Categories, positive: Option<&str>) -> Result<Vec<bool>, EvalError> {
    // Codes follow first appearance, so the first row with the first bad code is the first bad row.
    let first_row = |code: u32| labels.codes.iter().position(|&c| c == code).unwrap_or(0);
    let mut meaning = Vec::with_capacity(labels.len());
    for (code, value) in labels.values().enumerate() {
        meaning.push(match (positive, value) {
            (Some(_), _) if code >= 2 => {
                let (a, b) = (labels.value(0), labels.value(1));
                return Err(truth.error(first_row(code as u32), 1, format!("二分类真值出现第三个类别「{value}」（已有 {a}、{b}）/ a binary truth has a third label '{value}' (after {a}, {b})")));
            }
            (Some(p), v) => v == p,
            (None, "1" | "1.0" | "true" | "True" | "TRUE") => true,
            (None, "0" | "0.0" | "false" | "False" | "FALSE") => false,
            (None, v) => {
                return Err(truth.error(
                    first_row(code as u32),
                    1,
                    format!("二分类真值应为 0/1 或 true/false，发现「{v}」；其他标签请用 --positive-label 指定正类 / binary labels must be 0/1 or true/false, found '{v}'; for other labels name the positive class with --positive-label"),
                ));
            }
        });
    }
    Ok(labels.codes.iter().map(|&c| meaning[c as usize]).collect())
}

/// Sorts class names as scikit-learn sorts label values: numerically when all are numbers.
fn sort_classes(classes: &mut [String]) {
    if classes.iter().all(|c| c.parse::<f64>().is_ok()) {
        classes.sort_by(|a, b| a.parse::<f64>().unwrap_or(0.0).total_cmp(&b.parse::<f64>().unwrap_or(0.0)));
    } else {
        classes.sort();
    }
}

/// Multiclass data from the truth labels (fetched to prediction order through `truth_rows`)
/// and the prediction columns after the id: a predicted class and/or `prefix<class>`
/// probabilities.
fn multiclass(
    file: &str,
    truth: &Categories,
    truth_rows: &[u32],
    columns: Vec<(String, Column)>,
    prefix: &str,
) -> Result<MulticlassData, EvalError> {
    let mut predicted = None;
    let mut probabilities: HashMap<String, Vec<f64>> = HashMap::new();
    for (name, column) in columns {
        match column {
            Column::Numbers(values) if name.starts_with(prefix) => {
                probabilities.insert(name[prefix.len()..].to_owned(), values);
            }
            Column::Categories(classes) => predicted = Some(classes),
            _ => {}
        }
    }
    if predicted.is_none() && probabilities.is_empty() {
        return Err(EvalError::Usage(format!(
            "{file}: 多分类预测需要预测类别列或以「{prefix}」开头的概率列 / multiclass predictions need a predicted-class column or probability columns named {prefix}<class>"
        )));
    }
    let mut distinct: HashSet<&str> = truth.values().collect();
    distinct.extend(predicted.iter().flat_map(|p| p.values()));
    distinct.extend(probabilities.keys().map(String::as_str));
    let mut classes: Vec<String> = distinct.into_iter().map(str::to_owned).collect();
    sort_classes(&mut classes);
    let index: HashMap<&str, u32> = classes.iter().enumerate().map(|(i, c)| (c.as_str(), i as u32)).collect();
    let class_of = |categories: &Categories| -> Vec<u32> { categories.values().map(|v| index[v]).collect() };
    let truth_class = class_of(truth);
    let truth_classes = truth_rows.iter().map(|&t| truth_class[truth.codes[t as usize] as usize]).collect();
    let predicted = predicted.map(|p| {
        let class = class_of(&p);
        p.codes.iter().map(|&c| class[c as usize]).collect()
    });
    let matrix = if probabilities.is_empty() {
        None
    } else {
        if let Some(t) = truth.values().find(|t| !probabilities.contains_key(*t)) {
            return Err(EvalError::Usage(format!(
                "{file}: 真值类别「{t}」没有概率列「{prefix}{t}」/ the truth class '{t}' has no probability column '{prefix}{t}'"
            )));
        }
        let k = classes.len();
        let mut matrix = vec![0.0; truth_rows.len() * k];
        for (class, name) in classes.iter().enumerate() {
            if let Some(values) = probabilities.get(name) {
                for (row, &value) in values.iter().enumerate() {
                    matrix[row * k + class] = value;
                }
            }
        }
        Some(matrix)
    };
    Ok(MulticlassData { classes, truth: truth_classes, predicted, probabilities: matrix })
}

/// Percentile bootstrap: `resamples` draws of n rows with replacement, the 2.5th and 97.5th
/// percentiles (linear interpolation, as numpy's default) of each metric. Draws where a metric
/// is undefined (one class only) are skipped for that metric.
/// Rows are drawn by their truth row, so an interval does not depend on the order of the
/// prediction file.
fn intervals(
    aligned: &Aligned,
    truth_rows: &[u32],
    metrics: &[Metric],
    bootstrap: Bootstrap,
) -> BTreeMap<String, [f64; 2]> {
    let n = aligned.rows();
    let mut aligned_row = vec![0usize; n];
    for (row, &t) in truth_rows.iter().enumerate() {
        aligned_row[t as usize] = row;
    }
    let mut rng = SplitMix64(bootstrap.seed);
    let mut samples: Vec<Vec<f64>> = vec![Vec::with_capacity(bootstrap.resamples); metrics.len()];
    let mut rows = vec![0usize; n];
    for _ in 0..bootstrap.resamples {
        for r in rows.iter_mut() {
            *r = aligned_row[(rng.next() % n as u64) as usize];
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

pub(crate) fn percentile(sorted: &[f64], p: f64) -> f64 {
    let position = p / 100.0 * (sorted.len() - 1) as f64;
    let (low, high) = (position.floor() as usize, position.ceil() as usize);
    sorted[low] + (sorted[high] - sorted[low]) * (position - low as f64)
}

/// SplitMix64: tiny, fast, and the same on every platform, so a seed reproduces an interval.
pub(crate) struct SplitMix64(pub(crate) u64);

impl SplitMix64 {
    pub(crate) fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
}
