//! The scoring report: the document a worker signs for every scored run and that the report
//! page, the leaderboards and `jiebang verify` read back. One type both ways, so a field is
//! named once.
//!
//! Reports are stored as the exact text that was signed; reading one never changes it. Fields
//! the platform does not interpret (the engine's rows, intervals, rule versions …) are kept in
//! [`ScoreReport::engine`] and written back as they came. A metric the engine could not compute
//! is `null` in the text and NaN here.

use std::collections::BTreeMap;

use serde::{Deserialize, Deserializer, Serialize};
use serde_json::{Map, Value};

/// Metric values by name.
pub type Metrics = BTreeMap<String, f64>;

/// A signed scoring report. Reading is lenient about what older platforms did not write (a
/// missing field reads as empty); it never rewrites a stored report.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct ScoreReport {
    /// `jiebang`.
    pub platform: String,
    /// The submission scored.
    pub submission: i64,
    /// Which run of it (a rescoring is a new run).
    pub run: i64,
    /// The team.
    pub team: TeamRef,
    /// The challenge.
    pub challenge: ChallengeRef,
    /// The phase.
    pub phase: PhaseRef,
    /// The dataset version with the hidden labels.
    pub dataset: DatasetRef,
    /// SHA-256 of the submitted file, hex.
    pub submission_sha256: String,
    /// `predictions` or `model`.
    pub kind: String,
    /// The scoring task (`binary`, `choice` …).
    pub task: String,
    /// Indicators of the challenge this run cannot measure, as written.
    #[serde(default)]
    pub not_measured: Vec<String>,
    /// The worker that scored it.
    pub worker: String,
    /// When scoring started (RFC 3339, UTC).
    pub started_at: String,
    /// When it finished.
    pub finished_at: String,
    /// How long it took.
    pub elapsed_ms: u64,
    /// The team's earlier file this one nearly repeats: no score is shown for it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub near_duplicate_of: Option<NearDuplicate>,
    /// A delivered model's run and measurements.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub model: Option<ModelReport>,
    /// A live model's run through its endpoint: what was asked, how it served, the transcript.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub serving: Option<ServingReport>,
    /// Metric values over all rows.
    #[serde(deserialize_with = "metrics")]
    pub metrics: Metrics,
    /// Metric values per split.
    #[serde(default, deserialize_with = "metrics_by_name")]
    pub splits: BTreeMap<String, Metrics>,
    /// Metric values per question category (question banks).
    #[serde(default, deserialize_with = "metrics_by_name", skip_serializing_if = "BTreeMap::is_empty")]
    pub categories: BTreeMap<String, Metrics>,
    /// The verdict on each indicator.
    #[serde(default)]
    pub indicators: Vec<Verdict>,
    /// Multiple-choice answers no rule could read (shown to the organizers only).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub unparsed: Vec<UnparsedAnswer>,
    /// Everything else the engine reported, kept as it came.
    #[serde(flatten)]
    pub engine: Map<String, Value>,
}

impl ScoreReport {
    /// What a team may read before the private leaderboard is published: the scores of the
    /// split the leaderboard shows (`visible`), indicators judged on that split, the model's
    /// measurements (they do not depend on hidden rows), and nothing computed over hidden rows
    /// (overall scores, other splits, categories, intervals, unparsed answers). It says so in
    /// `view` and `visible_split`, and the platform signs it like any report.
    pub fn team_view(&self, visible: &str) -> Self {
        let shown = self.splits.get(visible).cloned().unwrap_or_default();
        let indicators = self
            .indicators
            .iter()
            .filter_map(|v| match shown.get(&v.metric) {
                Some(&value) => {
                    let pass =
                        crate::indicator::Comparison::parse(&v.op).is_some_and(|op| op.holds(value, v.threshold));
                    Some(Verdict { value, pass, ..v.clone() })
                }
                // Measured on the model, not on rows.
                None if self.model.is_some() && crate::delivery::is_measured(&v.metric) => Some(v.clone()),
                None => None,
            })
            .collect();
        let mut engine: Map<String, Value> = self
            .engine
            .iter()
            .filter(|(k, _)| matches!(k.as_str(), "engine" | "rules"))
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect();
        engine.insert("view".into(), "team".into());
        engine.insert("visible_split".into(), visible.into());
        Self {
            metrics: shown.clone(),
            splits: BTreeMap::from([(visible.to_owned(), shown)]),
            categories: BTreeMap::new(),
            indicators,
            unparsed: Vec::new(),
            engine,
            ..self.clone()
        }
    }

    /// Whether this is a team's view ([`ScoreReport::team_view`]) rather than the full report.
    pub fn is_team_view(&self) -> bool {
        self.engine.get("view").and_then(Value::as_str) == Some("team")
    }

    /// A text field the engine reported (`engine`, `verdict` …), empty when absent.
    pub fn engine_text(&self, key: &str) -> String {
        match self.engine.get(key) {
            Some(Value::String(text)) => text.clone(),
            Some(Value::Null) | None => String::new(),
            Some(other) => other.to_string(),
        }
    }

    /// The metrics of one split (all rows when `split` is empty); `None` for a split the report
    /// does not have.
    pub fn metrics_of(&self, split: &str) -> Option<&Metrics> {
        if split.is_empty() { Some(&self.metrics) } else { self.splits.get(split) }
    }
}

/// A team as a report names it.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct TeamRef {
    /// Organization id.
    pub id: i64,
    /// Its name.
    pub name: String,
}

/// A challenge as a report names it.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ChallengeRef {
    /// Id.
    pub id: i64,
    /// Task number.
    pub code: String,
    /// Title.
    pub title: String,
}

/// A phase as a report names it.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct PhaseRef {
    /// Id.
    pub id: i64,
    /// Name.
    pub name: String,
    /// Kind (`preliminary`, `final` …).
    pub kind: String,
}

/// The dataset version a run was scored against.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct DatasetRef {
    /// Dataset version id.
    pub id: i64,
    /// Version number.
    pub version: i64,
    /// SHA-256 of the hidden labels, hex.
    pub labels_sha256: String,
}

/// An earlier file of the team that a submission nearly repeats.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NearDuplicate {
    /// The earlier submission.
    pub submission: i64,
    /// About how many rows differ.
    pub changed_rows_estimate: f64,
}

/// One indicator's verdict.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Verdict {
    /// As the challenge wrote it, e.g. `f1@0.5>=0.9`.
    pub expr: String,
    /// Canonical metric name.
    pub metric: String,
    /// Operator.
    pub op: String,
    /// Target.
    #[serde(deserialize_with = "number")]
    pub threshold: f64,
    /// Measured value.
    #[serde(deserialize_with = "number")]
    pub value: f64,
    /// Whether the value meets the target.
    pub pass: bool,
}

/// A multiple-choice answer no rule could read: its id and the start of the model's text.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct UnparsedAnswer {
    /// The question's id.
    pub id: String,
    /// The start of the raw answer.
    pub answer: String,
}

/// A live model's part of a report (issue 17): the endpoint (never its key), the run, the
/// distributions the report page draws, and the transcript every exchange is kept in.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct ServingReport {
    /// The endpoint's base URL.
    pub base_url: String,
    /// The model name sent.
    pub model: String,
    /// Questions in the bank.
    pub questions: usize,
    /// Of those, answered in whole.
    pub answered: usize,
    /// Failed (HTTP errors, errors in the stream, cuts, timeouts, not asked in time).
    pub failed: usize,
    /// Failures by kind (`http`, `cut`, `timeout` …).
    pub failures: BTreeMap<String, usize>,
    /// Where the token counts came from: `usage` (the server's) or `counted` (characters).
    pub tokens: String,
    /// How many times the run was taken up (1 when it ran straight through).
    pub segments: usize,
    /// The run's wall time, ms (the segments' spans added).
    pub wall_ms: f64,
    /// Sampling, load and time limits as sent.
    pub settings: Value,
    /// TTFT histogram: bucket upper bounds in ms and how many answers fell in each.
    pub ttft_histogram: Vec<(f64, usize)>,
    /// Each answer's decode speed (output tokens a second after its first token), histogram.
    pub tokens_per_s_histogram: Vec<(f64, usize)>,
    /// The transcript (JSON Lines): its sha256, lines and bytes.
    pub transcript: TranscriptRef,
    /// When the platform served the model itself (a delivered GGUF file): what ran, where,
    /// within which limits, and what it cost.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub hosting: Option<HostingReport>,
}

/// A delivered large model the platform served on its own hardware, as its report states it.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct HostingReport {
    /// The runtime and its version.
    pub runtime: String,
    /// What confined the server (Landlock, seccomp, the address-space limit …).
    pub confinement: String,
    /// CPU threads it was given.
    pub threads: u32,
    /// Its address-space limit, MiB.
    pub memory_limit_mb: u32,
    /// sha256 of the delivered file.
    pub file_sha256: String,
    /// What the file's header says (architecture, parameters, quantization, context …), read
    /// without loading a weight.
    pub header: Value,
    /// Size, parameters, peak memory and load time (`jiebang_core::delivery::HOSTED`).
    #[serde(deserialize_with = "metrics")]
    pub measured: Metrics,
    /// The serving measurements at each concurrency level, the judged one first.
    pub levels: Vec<ServingLevel>,
    /// The machine it ran on.
    pub host: Option<HostSummary>,
}

/// The bank asked at one concurrency level.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct ServingLevel {
    /// Requests in flight.
    pub concurrency: u32,
    /// The serving measurements (`jiebang_core::delivery::SERVING`).
    #[serde(deserialize_with = "metrics")]
    pub values: Metrics,
}

/// A transcript as a report names it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct TranscriptRef {
    /// sha256 of the file, hex.
    pub sha256: String,
    /// Lines (the run's description, then one a question).
    pub lines: usize,
    /// Size.
    pub bytes: u64,
}

/// A delivered model's part of a report: what was run, on what, and what was measured.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ModelReport {
    /// The inference engine and its version.
    pub engine: String,
    /// The model file's size.
    pub bytes: u64,
    /// The ONNX default-domain opset.
    pub opset: Option<i64>,
    /// The exporter that wrote the file.
    pub producer: String,
    /// Operators used.
    pub operators: Vec<String>,
    /// Parameters (elements of the initializers).
    pub parameters: u64,
    /// Rows of test features run.
    pub rows: usize,
    /// Single-row latency, when measured.
    pub latency: Option<LatencySummary>,
    /// Rows per second at each batch size.
    #[serde(default)]
    pub throughput: Vec<BatchRate>,
    /// The child process's peak resident memory, KiB.
    pub peak_rss_kib: u64,
    /// How latency was timed.
    pub timing: TimingPlan,
    /// Intra-op threads the contract allowed.
    pub threads: u32,
    /// What the timings include, in words.
    pub timed: String,
    /// The machine it ran on.
    pub host: HostSummary,
    /// The rest (inputs, outputs, features, confinement, the contract), kept as it came.
    #[serde(flatten)]
    pub details: Map<String, Value>,
}

/// Single-row latency percentiles, milliseconds.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LatencySummary {
    /// Timed queries.
    pub queries: usize,
    /// Median.
    pub p50_ms: f64,
    /// 90th percentile.
    pub p90_ms: f64,
    /// 99th percentile.
    pub p99_ms: f64,
    /// Mean.
    pub mean_ms: f64,
}

/// Throughput at one batch size.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BatchRate {
    /// Rows per call.
    pub batch: usize,
    /// Rows per second.
    pub rows_per_second: f64,
}

/// How latency was timed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TimingPlan {
    /// Untimed calls first.
    pub warmup: usize,
    /// At least this many timed calls.
    pub queries: usize,
    /// And at least this long.
    pub min_duration_ms: u64,
}

/// The machine a model ran on.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct HostSummary {
    /// CPU model.
    pub cpu: String,
    /// Logical CPUs.
    pub cores: usize,
    /// Installed memory, MiB.
    pub memory_mib: u64,
    /// Operating system and kernel.
    pub os: String,
}

/// A number, or NaN for `null` (how JSON writes a value that could not be computed).
fn number<'de, D: Deserializer<'de>>(deserializer: D) -> Result<f64, D::Error> {
    Ok(Option::<f64>::deserialize(deserializer)?.unwrap_or(f64::NAN))
}

fn metrics<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Metrics, D::Error> {
    let values = BTreeMap::<String, Option<f64>>::deserialize(deserializer)?;
    Ok(values.into_iter().map(|(k, v)| (k, v.unwrap_or(f64::NAN))).collect())
}

fn metrics_by_name<'de, D: Deserializer<'de>>(deserializer: D) -> Result<BTreeMap<String, Metrics>, D::Error> {
    let values = BTreeMap::<String, BTreeMap<String, Option<f64>>>::deserialize(deserializer)?;
    Ok(values
        .into_iter()
        .map(|(name, m)| (name, m.into_iter().map(|(k, v)| (k, v.unwrap_or(f64::NAN))).collect()))
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    const SIGNED: &str = r#"{"challenge":{"code":"SD25-01","id":1,"title":"质检"},"dataset":{"id":2,"labels_sha256":"ab","version":1},"elapsed_ms":12,"engine":"jiebang-eval 0.1.0","finished_at":"2026-12-02T08:00:01Z","indicators":[{"expr":"f1>=0.9","metric":"f1","op":">=","pass":false,"threshold":0.9,"value":null}],"kind":"predictions","metrics":{"accuracy":0.75,"f1":null},"not_measured":["latency_p99_ms<=10"],"phase":{"id":3,"kind":"final","name":"决赛"},"platform":"jiebang","rows":4,"run":1,"splits":{"private":{"accuracy":0.5}},"started_at":"2026-12-02T08:00:00Z","submission":7,"submission_sha256":"cd","task":"binary","team":{"id":5,"name":"海智"},"verdict":"fail","worker":"vm:1:0"}"#;

    #[test]
    fn a_report_reads_back_into_the_same_document() {
        let report: ScoreReport = serde_json::from_str(SIGNED).unwrap();
        assert!(report.metrics["f1"].is_nan() && report.indicators[0].value.is_nan());
        assert_eq!(report.metrics_of("private").unwrap()["accuracy"], 0.5);
        assert_eq!(report.metrics_of("").unwrap()["accuracy"], 0.75);
        assert!(report.metrics_of("public").is_none());
        assert_eq!((report.engine_text("rows"), report.engine_text("verdict")), ("4".into(), "fail".into()));
        assert_eq!(report.engine_text("intervals"), "");
        let again = crate::canonical::to_string(&serde_json::to_value(&report).unwrap());
        assert_eq!(again, SIGNED, "what the worker signs is what the page reads");
    }
}
