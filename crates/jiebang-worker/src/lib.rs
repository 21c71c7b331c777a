//! Evaluation workers. A [`Worker`] claims a job from the queue in the database, scores the
//! submission with `jiebang-eval` on a blocking thread (never on the async executor), extends
//! its lease while it runs, signs the report and records it — or records why the file is invalid,
//! or hands the job back for a retry when the platform failed. `jiebang serve` runs a few
//! workers inside the server; `jiebang worker` runs them anywhere that reaches the database and
//! the file store. The [`Mailer`] sends the notification outbox when SMTP is configured.

pub mod endpoint;
pub mod gguf;
pub mod hosted;
pub mod mail;
pub mod mapped;
pub mod model;
mod report;
mod served;

use std::sync::Arc;
use std::time::{Duration, Instant};

use jiebang_core::delivery::{DeliveryContract, SubmissionKind};
use jiebang_core::indicator::IndicatorExpr;
use jiebang_core::report::{ChallengeRef, DatasetRef, NearDuplicate, PhaseRef, TeamRef};
use jiebang_eval::answers::{AnswerRequest, AnswerTask, evaluate_answers};
use jiebang_eval::{Columns, EvalError, Metric, Report, Request, Source, Task};
use jiebang_store::{FileStore, Job, Outcome, SCORE_SUBMISSION, Store, StoreError};

use crate::report::{Account, Findings, Run};

pub use gguf::Hosting;
pub use jiebang_store::secrets::Sealer;
pub use jiebang_store::signing::{self, Signer};
pub use mail::{MailError, Mailer};
pub use model::{ModelFailure, ModelRun, ModelRunner, ModelTask};

/// The crate's one error type: what stops a worker (not what a submission gets wrong).
#[derive(Debug, thiserror::Error)]
pub enum WorkerError {
    /// The database or the file store failed.
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// How a worker paces itself.
#[derive(Debug, Clone, Copy)]
pub struct Pace {
    /// How long a claim holds before others may take the job back.
    pub lease: Duration,
    /// How often a running job's lease is extended (well inside `lease`).
    pub heartbeat: Duration,
    /// How long to wait when the queue is empty.
    pub idle: Duration,
}

impl Default for Pace {
    fn default() -> Self {
        Self { lease: Duration::from_secs(60), heartbeat: Duration::from_secs(10), idle: Duration::from_millis(500) }
    }
}

/// Largest file a worker scores (the upload limit is enforced before; this guards the engine).
const MAX_SCORED_BYTES: u64 = 4 << 30;

/// A worker process's handle on the queue.
#[derive(Debug, Clone)]
pub struct Worker {
    store: Store,
    files: FileStore,
    signer: Arc<Signer>,
    id: String,
    pace: Pace,
    models: Option<Arc<ModelRunner>>,
    /// Serves delivered GGUF models; without it, the worker claims none.
    hosting: Option<Arc<Hosting>>,
    budget: MemoryBudget,
    /// Opens teams' endpoint keys; without it, an endpoint with a key cannot be evaluated.
    sealer: Option<Arc<Sealer>>,
    /// Whether endpoints on loopback and private networks may be asked (tests, the demo).
    private_endpoints: bool,
    /// Turns true when the worker is asked to stop (a long endpoint run then hands its job
    /// back, to be taken up where it stopped).
    stop: Option<tokio::sync::watch::Receiver<bool>>,
}

/// Memory a process's scoring may use at once, shared by its workers: each job reserves an
/// estimate of what the engine will hold — three times the bytes of its two files (the mapped
/// file pages it reads, and up to twice that for the typed columns and sort keys it builds;
/// docs/benchmarks.md measures it) — before it starts, and waits while other
/// jobs hold the budget. A job estimated beyond the whole budget reserves all of it, and so runs
/// alone.
#[derive(Debug, Clone)]
pub struct MemoryBudget {
    permits: Arc<tokio::sync::Semaphore>,
    mb: u32,
}

impl MemoryBudget {
    /// A budget of `mb` MiB (at least 1).
    pub fn new(mb: u32) -> Self {
        let mb = mb.max(1);
        Self { permits: Arc::new(tokio::sync::Semaphore::new(mb as usize)), mb }
    }

    /// The MiB a job over files of `bytes` in all reserves.
    pub fn estimate_mb(&self, bytes: u64) -> u32 {
        u32::try_from((bytes.saturating_mul(3) >> 20).max(1)).unwrap_or(u32::MAX).min(self.mb)
    }

    /// MiB not reserved now.
    pub fn available_mb(&self) -> usize {
        self.permits.available_permits()
    }

    /// Reserves the estimate for files of `bytes`, waiting until it is free; released when the
    /// permit is dropped.
    pub async fn reserve(&self, bytes: u64) -> tokio::sync::OwnedSemaphorePermit {
        let need = self.estimate_mb(bytes);
        // Never closed, so acquiring cannot fail.
        self.permits.clone().acquire_many_owned(need).await.unwrap_or_else(|_| unreachable!("the budget stays open"))
    }
}

impl Default for MemoryBudget {
    fn default() -> Self {
        Self::new(2048)
    }
}

impl Worker {
    /// Announces a worker named after its host and process (plus `suffix`, to tell apart several
    /// in one process).
    pub async fn start(
        store: Store,
        files: FileStore,
        signer: Arc<Signer>,
        suffix: &str,
        pace: Pace,
    ) -> Result<Self, WorkerError> {
        let host = host_name();
        let id = format!("{host}:{}:{suffix}", std::process::id());
        store.register_worker(&id, &host, &jiebang_eval::engine()).await?;
        Ok(Self {
            store,
            files,
            signer,
            id,
            pace,
            models: None,
            hosting: None,
            budget: MemoryBudget::default(),
            sealer: None,
            private_endpoints: false,
            stop: None,
        })
    }

    /// Lets this worker run delivered models; without it, the worker claims prediction files
    /// only (and a model job that reaches it anyway is handed back for a worker that can).
    pub fn with_models(mut self, runner: ModelRunner) -> Self {
        self.models = Some(Arc::new(runner));
        self
    }

    /// Lets this worker serve delivered GGUF models on this machine and evaluate them.
    pub fn with_hosting(mut self, hosting: Hosting) -> Self {
        self.hosting = Some(Arc::new(hosting));
        self
    }

    /// Lets this worker evaluate live endpoints, opening teams' keys sealed by `sealer`;
    /// without it, the worker claims no endpoint job.
    pub fn with_sealer(mut self, sealer: Arc<Sealer>) -> Self {
        self.sealer = Some(sealer);
        self
    }

    /// Lets this worker ask endpoints on loopback and private networks (tests and the demo,
    /// whose baseline the server itself serves); otherwise such a URL makes the submission
    /// invalid.
    pub fn allow_private_endpoints(mut self, allow: bool) -> Self {
        self.private_endpoints = allow;
        self
    }

    /// Shares `budget` with the process's other workers (each has its own 2 GiB otherwise).
    pub fn with_memory_budget(mut self, budget: MemoryBudget) -> Self {
        self.budget = budget;
        self
    }

    /// This worker's id.
    pub fn id(&self) -> &str {
        &self.id
    }

    /// Takes back expired leases, then claims and runs one job. `Ok(false)` when nothing was
    /// ready.
    pub async fn step(&self) -> Result<bool, WorkerError> {
        self.store.requeue_expired().await?;
        let lease = self.pace.lease.as_millis() as i64;
        // Long runs (models, live endpoints) go only to workers set up for them.
        let mut kinds = vec![SubmissionKind::Predictions];
        if self.models.is_some() {
            kinds.push(SubmissionKind::Model);
        }
        if self.sealer.is_some() {
            kinds.push(SubmissionKind::Endpoint);
        }
        if self.hosting.is_some() {
            kinds.push(SubmissionKind::Gguf);
        }
        let claimed = self.store.claim_kinds(&self.id, lease, &kinds).await?;
        let Some(job) = claimed else {
            return Ok(false);
        };
        let outcome = match job.kind.as_str() {
            SCORE_SUBMISSION => match self.store.get_submission(job.subject_id).await {
                Ok(submission) if matches!(submission.kind, SubmissionKind::Endpoint | SubmissionKind::Gguf) => {
                    self.evaluate_endpoint(&job, submission).await
                }
                Ok(_) => self.score(&job).await,
                Err(error) => Outcome::Error(error.to_string()),
            },
            other => Outcome::Error(format!("未知任务类型 / unknown job kind {other}")),
        };
        let signed = matches!(outcome, Outcome::Scored { .. });
        if !self.store.finish_job(&job, &self.id, outcome).await? {
            tracing::warn!(job = job.id, worker = %self.id, "lease lost; the result was dropped");
        } else if signed {
            // Every signed report is followed by a signed checkpoint of the audit chain.
            self.store.record_checkpoint(&self.signer, "report").await?;
        }
        Ok(true)
    }

    /// Runs jobs until `stop` turns true. Database hiccups are logged and retried.
    pub async fn run(mut self, mut stop: tokio::sync::watch::Receiver<bool>) {
        self.stop = Some(stop.clone());
        while !*stop.borrow() {
            let idle = match self.step().await {
                Ok(true) => continue,
                Ok(false) => self.pace.idle,
                Err(error) => {
                    tracing::error!(%error, worker = %self.id, "worker step failed");
                    self.pace.idle * 4
                }
            };
            tokio::select! {
                _ = tokio::time::sleep(idle) => {}
                _ = stop.changed() => {}
            }
        }
    }

    async fn keep_lease(&self, job: &Job) {
        if !matches!(self.store.extend_lease(job.id, &self.id, self.pace.lease.as_millis() as i64).await, Ok(true)) {
            tracing::warn!(job = job.id, "lease lost while scoring");
        }
    }

    /// Scores a submission's current run, extending the lease while it waits for the memory
    /// budget and while the engine works.
    async fn score(&self, job: &Job) -> Outcome {
        let started = Instant::now();
        let started_at = jiebang_store::now_text();
        let Scoring { request, staged, model, account } = match self.scoring(job).await {
            Ok(scoring) => scoring,
            Err(error) => return Outcome::Error(error.to_string()),
        };
        let mut beat = tokio::time::interval(self.pace.heartbeat);
        beat.tick().await;
        let reserving = self.budget.reserve(staged.bytes);
        tokio::pin!(reserving);
        let reserved = loop {
            tokio::select! {
                permit = &mut reserving => break permit,
                _ = beat.tick() => self.keep_lease(job).await,
            }
        };
        let mut scoring = tokio::task::spawn_blocking(move || {
            let _reserved = reserved;
            let (truth, submitted) = match staged.map() {
                Ok(files) => files,
                Err(error) => return (Err(Fault::Platform(error.to_string())), None),
            };
            // A file's rows are sketched to recognise near-duplicates; a model has none.
            let sketch = model.is_none().then(|| jiebang_core::sketch::rows(&submitted));
            let result = match (request.engine, model) {
                (Engine::Answers(task), _) => evaluate_answers(&request.answers(task, &truth, &submitted))
                    .map_err(Fault::Eval)
                    .map(|r| (Findings::answers(r), None)),
                (Engine::Table(task), None) => jiebang_eval::evaluate(&request.with_files(task, &truth, &submitted))
                    .map_err(Fault::Eval)
                    .map(|r| (Findings::table(r), None)),
                (Engine::Table(task), Some(model)) => model
                    .run(&request, task, &truth, &submitted)
                    .map(|(r, details)| (Findings::table(r), Some(details))),
            };
            (result, sketch)
        });
        let (result, sketch) = loop {
            tokio::select! {
                joined = &mut scoring => match joined {
                    Ok(result) => break result,
                    Err(error) => return Outcome::Error(format!("评测线程异常 / the scoring thread failed: {error}")),
                },
                _ = beat.tick() => self.keep_lease(job).await,
            }
        };
        match result {
            Ok((findings, model)) => {
                let near_duplicate_of = match &sketch {
                    Some(sketch) => match self.near_duplicate(job.subject_id, sketch).await {
                        Ok(near) => near,
                        Err(error) => return Outcome::Error(error.to_string()),
                    },
                    None => None,
                };
                let run = Run {
                    worker: self.id.clone(),
                    started_at,
                    elapsed_ms: started.elapsed().as_millis() as u64,
                    near_duplicate_of,
                    model,
                    serving: None,
                };
                let report = match serde_json::to_value(account.report(findings, run)) {
                    Ok(report) => report,
                    Err(error) => return Outcome::Error(format!("report: {error}")),
                };
                let signed = self.signer.sign_document(&report);
                Outcome::Scored { report: signed.text, signature: signed.signature }
            }
            Err(Fault::Model(ModelFailure::Model(message))) => Outcome::Invalid(message),
            Err(Fault::Model(ModelFailure::Platform(message)) | Fault::Platform(message)) => Outcome::Error(message),
            // A fault in the hidden labels is the organizers' to fix; the team is told no more.
            Err(Fault::Eval(EvalError::File { file, message })) if file == LABELS => {
                Outcome::Error(format!("labels: {message}"))
            }
            Err(Fault::Eval(EvalError::Row { file, line, .. })) if file == LABELS => {
                Outcome::Error(format!("测试标签第 {line} 行有误 / the hidden labels are broken at line {line}"))
            }
            Err(Fault::Eval(EvalError::MissingColumn { file, column, .. })) if file == LABELS => {
                Outcome::Error(format!("测试标签缺少「{column}」列 / the hidden labels lack column {column}"))
            }
            Err(Fault::Eval(error)) => Outcome::Invalid(error.to_string()),
        }
    }

    /// Records a prediction file's row sketch and compares it with the team's earlier files in
    /// the phase: a near-duplicate (a few rows changed) probes the hidden labels, so the report
    /// names the earlier file and the team and the board are shown no score for this one.
    async fn near_duplicate(
        &self,
        submission_id: i64,
        sketch: &jiebang_core::sketch::Sketch,
    ) -> Result<Option<NearDuplicate>, StoreError> {
        self.store.set_submission_sketch(submission_id, &sketch.to_text()).await?;
        for (earlier, stored) in self.store.earlier_sketches(submission_id).await? {
            let Some(stored) = jiebang_core::sketch::Sketch::from_text(&stored) else { continue };
            if stored.near_duplicate(sketch) {
                let changed = stored.changed_rows(sketch).round();
                return Ok(Some(NearDuplicate { submission: earlier, changed_rows_estimate: changed }));
            }
        }
        Ok(None)
    }

    /// Everything scoring a job's submission needs, read from the store: the engine's request,
    /// both files, and the report's account of where the run belongs.
    async fn scoring(&self, job: &Job) -> Result<Scoring, Unscorable> {
        let submission = self.store.get_submission(job.subject_id).await?;
        let phase = self.store.get_phase(submission.phase_id).await?;
        let dataset = self.store.get_dataset_version(phase.dataset_id).await?;
        let challenge = self.store.get_challenge(phase.challenge_id).await?;
        let corrupt =
            |what: &str| Unscorable::Setup(format!("数据集版本 {0} 有误 / dataset version {0}: {what}", dataset.id));
        let labels = dataset.labels().ok_or_else(|| corrupt("no labels file"))?;
        let engine = match (Task::parse(&dataset.scoring.task), AnswerTask::parse(&dataset.scoring.task)) {
            (Some(task), _) => Engine::Table(task),
            (None, Some(task)) => Engine::Answers(task),
            (None, None) => return Err(corrupt("unknown task")),
        };
        // Indicators a prediction (or answer) file can answer are judged from it; latency, size
        // and memory are measured on a delivered model, and listed as not measured for a file.
        let is_model = submission.kind == SubmissionKind::Model;
        if is_model && matches!(engine, Engine::Answers(_)) {
            return Err(Unscorable::Setup(
                "回答文件类任务不运行模型 / a question bank takes answer files, not models".into(),
            ));
        }
        let problems = jiebang_core::answers::problems(&dataset.scoring.task, &[], &dataset.scoring.rules);
        if let Some(problem) = problems.first() {
            return Err(Unscorable::Setup(problem.message.clone()));
        }
        let (mut indicators, mut measured, mut skipped) = (Vec::new(), Vec::new(), Vec::new());
        for indicator in &challenge.challenge.indicators {
            let key = indicator.expr.metric.as_str();
            let scored = match engine {
                Engine::Table(task) => Metric::parse(task, key).is_ok(),
                Engine::Answers(task) => jiebang_core::answers::canonical_metric(task.as_str(), key).is_some(),
            };
            if scored {
                indicators.push(indicator.expr.clone());
            } else if is_model && jiebang_core::delivery::is_measured(indicator.expr.metric.as_str()) {
                measured.push(indicator.expr.clone());
            } else {
                skipped.push(indicator.expr.to_string());
            }
        }
        let staged = Staged::new(&self.files, &labels.key, &submission.file_key).await?;
        let model = if is_model {
            let Some(runner) = self.models.clone() else {
                return Err(Unscorable::Setup(
                    "此评测进程不运行模型 / this worker does not run models; another will".into(),
                ));
            };
            let features = dataset.files.iter().find(|f| f.purpose == "test_features").ok_or_else(|| {
                Unscorable::Setup(format!(
                    "数据集版本 {} 没有测试特征文件（test_features），无法运行模型 / dataset version {} has no \
                     test_features file to run the model on",
                    dataset.version, dataset.version
                ))
            })?;
            Some(ModelScoring {
                runner,
                contract: self.store.delivery_contract(challenge.id).await?,
                features_name: features.name.clone(),
                features: self.files.get(&features.key).await?,
                measured,
            })
        } else {
            None
        };
        let account = self.account(job, &submission, &challenge, &phase, &dataset, labels, skipped);
        let scoring = &dataset.scoring;
        Ok(Scoring {
            request: RequestParts {
                engine,
                columns: Columns {
                    id: scoring.id_column.clone(),
                    label: scoring.label_column.clone(),
                    split: Some(scoring.split_column.trim().to_owned()).filter(|s| !s.is_empty()),
                    ..Columns::default()
                },
                metrics: match engine {
                    Engine::Table(task) if indicators.is_empty() => vec![default_metric(task)],
                    _ => Vec::new(),
                },
                answer_metrics: scoring.metrics.clone(),
                refusal_phrases: scoring.refusal_phrases.clone(),
                indicators,
                positive_label: Some(scoring.positive_label.clone()).filter(|p| !p.is_empty()),
                predictions_name: if is_model { MODEL_OUTPUTS.to_owned() } else { submission.file_name },
            },
            staged,
            model,
            account,
        })
    }
}

impl Worker {
    /// Whose run it is, for the report.
    #[allow(clippy::too_many_arguments)]
    fn account(
        &self,
        job: &Job,
        submission: &jiebang_store::Submission,
        challenge: &jiebang_store::ChallengeRecord,
        phase: &jiebang_store::Phase,
        dataset: &jiebang_store::DatasetVersion,
        labels: &jiebang_store::DatasetFile,
        not_measured: Vec<String>,
    ) -> Account {
        Account {
            submission: submission.id,
            run: job.run,
            team: TeamRef { id: submission.organization_id, name: submission.organization_name.clone() },
            challenge: ChallengeRef {
                id: challenge.id,
                code: challenge.challenge.code.clone(),
                title: challenge.challenge.title.clone(),
            },
            phase: PhaseRef {
                id: phase.id,
                name: phase.input.name.clone(),
                kind: phase.input.kind.as_str().to_owned(),
            },
            dataset: DatasetRef { id: dataset.id, version: dataset.version, labels_sha256: labels.sha256.clone() },
            submission_sha256: submission.file_sha256.clone(),
            kind: submission.kind.as_str().to_owned(),
            task: dataset.scoring.task.clone(),
            not_measured,
        }
    }
}

/// How the hidden labels are named in the engine's messages (never shown to the team).
const LABELS: &str = "labels";

/// How the predictions of a delivered model are named in the engine's messages.
const MODEL_OUTPUTS: &str = "模型输出 / model outputs";

/// Why a run cannot start: the platform's setup for it is wrong or unreadable. The run ends as a
/// platform error (retried; the organizers see why), never as the team's fault.
#[derive(Debug, thiserror::Error)]
enum Unscorable {
    /// The database or the file store failed.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// The dataset, the phase or this worker cannot score the submission.
    #[error("{0}")]
    Setup(String),
    /// No scratch directory for copies of the files.
    #[error("临时目录 / scratch directory: {0}")]
    Scratch(std::io::Error),
}

/// Why a run ended without a report.
enum Fault {
    Eval(EvalError),
    Model(ModelFailure),
    /// The platform could not read its own copy of a file (retried).
    Platform(String),
}

/// The two files of a run as local files: the file store's own when it is a local directory,
/// otherwise copies streamed into a scratch directory. Mapped on the blocking thread, so the
/// engine reads them from the page cache and neither is copied into the worker's memory.
struct Staged {
    truth: std::path::PathBuf,
    submitted: std::path::PathBuf,
    /// Both files' bytes, for the memory budget.
    bytes: u64,
    /// Removed with the copies when the run ends.
    _scratch: Option<tempfile::TempDir>,
}

impl Staged {
    async fn new(files: &FileStore, truth: &str, submitted: &str) -> Result<Self, Unscorable> {
        let (truth_at, submitted_at, scratch) = match (files.local_path(truth), files.local_path(submitted)) {
            (Some(truth_at), Some(submitted_at)) => (truth_at, submitted_at, None),
            _ => {
                let scratch = tempfile::tempdir().map_err(Unscorable::Scratch)?;
                let (truth_at, submitted_at) = (scratch.path().join("truth"), scratch.path().join("submitted"));
                tokio::try_join!(files.download(truth, &truth_at), files.download(submitted, &submitted_at))?;
                (truth_at, submitted_at, Some(scratch))
            }
        };
        let size = |path: &std::path::Path| std::fs::metadata(path).map_or(0, |m| m.len());
        let bytes = size(&truth_at) + size(&submitted_at);
        Ok(Self { truth: truth_at, submitted: submitted_at, bytes, _scratch: scratch })
    }

    fn map(&self) -> std::io::Result<(mapped::Contents, mapped::Contents)> {
        let open = |path: &std::path::Path| mapped::read(std::fs::File::open(path)?, MAX_SCORED_BYTES);
        Ok((open(&self.truth)?, open(&self.submitted)?))
    }
}

/// What running a delivered model needs beyond the labels.
struct ModelScoring {
    runner: Arc<ModelRunner>,
    contract: DeliveryContract,
    features_name: String,
    features: Vec<u8>,
    /// Indicators on measured quantities (latency, size …).
    measured: Vec<IndicatorExpr>,
}

impl ModelScoring {
    /// Runs the model, scores its predictions and judges what was measured.
    fn run(
        &self,
        request: &RequestParts,
        task: Task,
        truth: &[u8],
        model: &[u8],
    ) -> Result<(Report, jiebang_core::report::ModelReport), Fault> {
        let run = self
            .runner
            .run(&ModelTask {
                task,
                model,
                features: Source { name: &self.features_name, bytes: &self.features },
                id_column: &request.columns.id,
                split_column: request.columns.split.as_deref(),
                contract: &self.contract,
            })
            .map_err(Fault::Model)?;
        let mut report =
            jiebang_eval::evaluate(&request.with_files(task, truth, &run.predictions)).map_err(Fault::Eval)?;
        report.add_measured(&run.measured, &self.measured);
        Ok((report, run.details))
    }
}

/// One scoring run, ready to go.
struct Scoring {
    request: RequestParts,
    /// The hidden labels and the prediction file or the model.
    staged: Staged,
    model: Option<ModelScoring>,
    /// Whose run it is; the engine's findings and the times complete the report.
    account: Account,
}

/// Which engine scores a run: the table engine (predictions, a model's outputs), or the
/// question-bank engine (a large model's answer file).
#[derive(Debug, Clone, Copy)]
enum Engine {
    Table(Task),
    Answers(AnswerTask),
}

/// The engine request without the file bytes, which the blocking thread borrows.
struct RequestParts {
    engine: Engine,
    columns: Columns,
    metrics: Vec<Metric>,
    /// A question bank's metrics (none: the task's defaults) and extra refusal phrases.
    answer_metrics: Vec<String>,
    refusal_phrases: Vec<String>,
    indicators: Vec<IndicatorExpr>,
    positive_label: Option<String>,
    predictions_name: String,
}

impl RequestParts {
    /// The table engine's request over the two files.
    fn with_files<'a>(&'a self, task: Task, truth: &'a [u8], predictions: &'a [u8]) -> Request<'a> {
        Request {
            task,
            truth: Source { name: LABELS, bytes: truth },
            predictions: Source { name: &self.predictions_name, bytes: predictions },
            columns: self.columns.clone(),
            metrics: self.metrics.clone(),
            indicators: self.indicators.clone(),
            bootstrap: None,
            positive_label: self.positive_label.clone(),
            max_bytes: MAX_SCORED_BYTES,
        }
    }

    /// The question-bank engine's request over the two files (every question must be answered).
    fn answers<'a>(&'a self, task: AnswerTask, truth: &'a [u8], answers: &'a [u8]) -> AnswerRequest<'a> {
        AnswerRequest {
            task,
            truth: Source { name: LABELS, bytes: truth },
            predictions: Source { name: &self.predictions_name, bytes: answers },
            metrics: self.answer_metrics.clone(),
            indicators: self.indicators.clone(),
            bootstrap: None,
            missing_as_empty: false,
            refusal_phrases: self.refusal_phrases.clone(),
        }
    }
}

/// Scored when a challenge names no metric a prediction file can answer.
fn default_metric(task: Task) -> Metric {
    let key = match task {
        Task::Binary => "roc_auc",
        Task::Multiclass => "accuracy",
        Task::Regression => "rmse",
    };
    Metric::parse(task, key).unwrap_or_else(|_| unreachable!("{key} is a {task:?} metric"))
}

fn host_name() -> String {
    std::fs::read_to_string("/etc/hostname")
        .ok()
        .map(|h| h.trim().to_owned())
        .filter(|h| !h.is_empty())
        .or_else(|| std::env::var("HOSTNAME").ok())
        .unwrap_or_else(|| "localhost".into())
}
