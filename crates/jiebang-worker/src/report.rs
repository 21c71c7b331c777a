//! The report a run is signed as ([`jiebang_core::report::ScoreReport`]): the run's account —
//! whose file, which challenge and phase, which labels — read from the store before scoring,
//! and the engine's findings added when it is done.

use std::collections::BTreeMap;

use jiebang_core::report::{
    ChallengeRef, DatasetRef, Metrics, ModelReport, NearDuplicate, PhaseRef, ScoreReport, ServingReport, TeamRef,
    UnparsedAnswer, Verdict,
};
use jiebang_eval::Report;
use jiebang_eval::answers::AnswerReport;
use serde_json::{Map, Value};

/// Who and what a run scores, known before the engine starts.
pub(crate) struct Account {
    pub(crate) submission: i64,
    pub(crate) run: i64,
    pub(crate) team: TeamRef,
    pub(crate) challenge: ChallengeRef,
    pub(crate) phase: PhaseRef,
    pub(crate) dataset: DatasetRef,
    pub(crate) submission_sha256: String,
    pub(crate) kind: String,
    pub(crate) task: String,
    pub(crate) not_measured: Vec<String>,
}

/// What the engine found.
pub(crate) struct Findings {
    metrics: Metrics,
    splits: BTreeMap<String, Metrics>,
    categories: BTreeMap<String, Metrics>,
    indicators: Vec<Verdict>,
    unparsed: Vec<UnparsedAnswer>,
    /// What the platform keeps without interpreting it.
    engine: Map<String, Value>,
}

impl Findings {
    /// A table engine's result (a prediction file, or a model's outputs). Its file hashes are
    /// left out: the report names the stored files' hashes.
    pub(crate) fn table(report: Report) -> Self {
        let mut engine = Map::new();
        engine.insert("rows".into(), report.rows.into());
        if !report.intervals.is_empty() {
            engine.insert("intervals".into(), to_value(&report.intervals));
        }
        engine.insert("verdict".into(), report.verdict.into());
        engine.insert("engine".into(), report.engine.into());
        let indicators = report
            .indicators
            .into_iter()
            .map(|i| Verdict {
                expr: i.expr,
                metric: i.metric,
                op: i.op.to_owned(),
                threshold: i.threshold,
                value: i.value,
                pass: i.pass,
            })
            .collect();
        Self {
            metrics: report.metrics,
            splits: report.splits,
            categories: BTreeMap::new(),
            indicators,
            unparsed: Vec::new(),
            engine,
        }
    }

    /// A question bank's result.
    pub(crate) fn answers(report: AnswerReport) -> Self {
        let mut findings = Self::table(report.report);
        findings.categories = report.categories;
        findings.unparsed =
            report.unparsed.into_iter().map(|u| UnparsedAnswer { id: u.id, answer: u.answer }).collect();
        findings.engine.insert("rules".into(), to_value(&report.rules));
        if !report.signatures.is_empty() {
            findings.engine.insert("signatures".into(), to_value(&report.signatures));
        }
        findings
    }
}

/// How the run went, known when it ends.
pub(crate) struct Run {
    pub(crate) worker: String,
    pub(crate) started_at: String,
    pub(crate) elapsed_ms: u64,
    pub(crate) near_duplicate_of: Option<NearDuplicate>,
    pub(crate) model: Option<ModelReport>,
    pub(crate) serving: Option<ServingReport>,
}

impl Account {
    /// The whole report.
    pub(crate) fn report(self, findings: Findings, run: Run) -> ScoreReport {
        ScoreReport {
            platform: "jiebang".into(),
            submission: self.submission,
            run: self.run,
            team: self.team,
            challenge: self.challenge,
            phase: self.phase,
            dataset: self.dataset,
            submission_sha256: self.submission_sha256,
            kind: self.kind,
            task: self.task,
            not_measured: self.not_measured,
            worker: run.worker,
            started_at: run.started_at,
            finished_at: jiebang_store::now_text(),
            elapsed_ms: run.elapsed_ms,
            near_duplicate_of: run.near_duplicate_of,
            model: run.model,
            serving: run.serving,
            metrics: findings.metrics,
            splits: findings.splits,
            categories: findings.categories,
            indicators: findings.indicators,
            unparsed: findings.unparsed,
            engine: findings.engine,
        }
    }
}

/// Plain data as JSON (maps of strings and numbers cannot fail to convert).
fn to_value(value: &impl serde::Serialize) -> Value {
    serde_json::to_value(value).unwrap_or_default()
}
