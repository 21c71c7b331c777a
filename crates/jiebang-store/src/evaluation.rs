//! The evaluation service's records: dataset versions (with hidden files), phases, registered
//! teams, submissions under quotas, evaluations, and the job queue workers claim with leases.
//!
//! A submission and its job are written in one transaction, so a submission is never lost; a
//! job is claimed with a lease (`FOR UPDATE SKIP LOCKED` on PostgreSQL, one atomic
//! `UPDATE … RETURNING` on SQLite), and a result is recorded only by the lease holder, inside
//! the transaction that closes the job — so each run is recorded exactly once, whatever crashes.

use std::collections::HashMap;

use jiebang_core::delivery::{DeliveryContract, SubmissionKind};
use jiebang_core::evaluation::{PhaseInput, PhaseKind, Quotas, SubmissionState, Usage, Visibility};
use jiebang_core::program::Day;
use serde::Serialize;
use sqlx::any::AnyRow;
use sqlx::{Any, Row, Transaction};

use crate::{Backend, Result, Store, StoreError, StoredFile, audit, now_text};

/// Milliseconds since the Unix epoch, as the queue's columns store time.
pub fn now_ms() -> i64 {
    (time::OffsetDateTime::now_utc().unix_timestamp_nanos() / 1_000_000) as i64
}

/// The tasks a dataset version is scored as: tables of predictions (`binary`, `multiclass`,
/// `regression`) or a large model's answer files against a question bank (`choice`, `safety`,
/// `generation`; JSON Lines or CSV with `id` and `answer`).
pub const TASKS: &[&str] = &["binary", "multiclass", "regression", "choice", "safety", "generation", "bank"];

/// How a dataset's files are scored: the task and the truth file's columns.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, serde::Deserialize)]
pub struct ScoringSpec {
    /// One of [`TASKS`].
    pub task: String,
    /// Id column of the truth and of submissions.
    pub id_column: String,
    /// Label column of the truth.
    pub label_column: String,
    /// Column assigning truth rows to splits (`public` / `private`); empty for none.
    pub split_column: String,
    /// Binary tasks with text labels: the positive class; empty for 0/1 labels.
    pub positive_label: String,
    /// Answer tasks: the metrics to report (`jiebang_core::answers`); empty for the defaults.
    #[serde(default)]
    pub metrics: Vec<String>,
    /// Answer tasks: refusal phrases the organizer adds to the rule set's list.
    #[serde(default)]
    pub refusal_phrases: Vec<String>,
    /// Answer tasks: the rule-set versions that read the answers (`choice-v1`, `refusal-v1`);
    /// empty at creation means this build's.
    #[serde(default)]
    pub rules: Vec<String>,
}

impl ScoringSpec {
    /// A binary task with 0/1 labels in `id`, `label` (and `split_column`, empty for none).
    pub fn binary(split_column: &str) -> Self {
        Self {
            task: "binary".into(),
            id_column: "id".into(),
            label_column: "label".into(),
            split_column: split_column.into(),
            positive_label: String::new(),
            metrics: Vec::new(),
            refusal_phrases: Vec::new(),
            rules: Vec::new(),
        }
    }

    /// Whether the files are a model's answers to a question bank (not a table of predictions).
    pub fn is_answers(&self) -> bool {
        jiebang_core::answers::TASKS.contains(&self.task.as_str())
    }

    /// What is wrong with it, field by field (empty when nothing is): checked before any file
    /// is uploaded, and again when the version is created.
    pub fn problems(&self) -> Vec<jiebang_core::FieldError> {
        let mut errors = Vec::new();
        if !TASKS.contains(&self.task.as_str()) {
            errors.push(jiebang_core::FieldError::new(
                "task",
                format!(
                    "任务类型「{}」应为 {} 之一 / task '{}' must be one of {}",
                    self.task,
                    TASKS.join("、"),
                    self.task,
                    TASKS.join(", ")
                ),
            ));
        }
        for (field, value) in [("id_column", &self.id_column), ("label_column", &self.label_column)] {
            if value.trim().is_empty() {
                errors.push(jiebang_core::FieldError::new(field, "必填 / required"));
            }
        }
        if self.is_answers() {
            errors.extend(jiebang_core::answers::problems(&self.task, &self.metrics, &self.rules));
        } else if !(self.metrics.is_empty() && self.refusal_phrases.is_empty() && self.rules.is_empty()) {
            errors.push(jiebang_core::FieldError::new(
                "metrics",
                "指标、拒答短语和规则版本只用于回答文件类任务 / metrics, refusal phrases and rule versions are for answer tasks",
            ));
        }
        errors
    }
}

/// A column of lines as its items.
fn lines_of(text: String) -> Vec<String> {
    text.lines().map(str::to_owned).collect()
}

/// What a dataset file is for. Only `labels` is hidden.
pub const PURPOSES: &[&str] = &["labels", "train", "test_features", "sample_submission", "data_card", "other"];

/// One file of a dataset version as uploaded.
#[derive(Debug, Clone)]
pub struct DatasetFileInput {
    /// One of [`PURPOSES`].
    pub purpose: String,
    /// The stored bytes.
    pub file: StoredFile,
}

/// One file of a stored dataset version.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DatasetFile {
    /// File name (unique within the version).
    pub name: String,
    /// One of [`PURPOSES`].
    pub purpose: String,
    /// Readable only by the evaluation path and organizers.
    pub hidden: bool,
    /// Size in bytes.
    pub size: i64,
    /// sha256, hex.
    pub sha256: String,
    /// Id of the `files` record.
    #[serde(skip)]
    pub file_id: i64,
    /// Key in the file store.
    #[serde(skip)]
    pub key: String,
}

/// An immutable version of a challenge's evaluation data.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DatasetVersion {
    /// Id.
    pub id: i64,
    /// The challenge.
    pub challenge_id: i64,
    /// 1, 2, … per challenge.
    pub version: i64,
    /// What changed.
    pub note: String,
    /// How it is scored.
    pub scoring: ScoringSpec,
    /// Its files, hidden ones included (callers filter what they show).
    pub files: Vec<DatasetFile>,
    /// Created.
    pub created_at: String,
}

impl DatasetVersion {
    /// The hidden truth file.
    pub fn labels(&self) -> Option<&DatasetFile> {
        self.files.iter().find(|f| f.purpose == "labels")
    }
}

/// A stored phase.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Phase {
    /// Id.
    pub id: i64,
    /// The challenge.
    pub challenge_id: i64,
    /// The dataset version it scores against.
    pub dataset_id: i64,
    /// The definition.
    #[serde(flatten)]
    pub input: PhaseInput,
    /// Whether the organizer has published the private split's results.
    pub private_published: bool,
}

impl Phase {
    /// Whether teams may see results on every row (full reports): once the private split is
    /// published, or always when the phase has no split.
    pub fn all_rows_public(&self) -> bool {
        self.private_published || self.input.split.is_empty()
    }

    /// Whether the phase takes submissions today, in China Standard Time (the calendar its
    /// dates are written in).
    pub fn is_open_today(&self) -> bool {
        self.input.is_open_on(Day(time::OffsetDateTime::now_utc().to_offset(time::macros::offset!(+8)).date()))
    }
}

/// A stored submission.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Submission {
    /// Id.
    pub id: i64,
    /// The phase.
    pub phase_id: i64,
    /// The team.
    pub organization_id: i64,
    /// The team's name.
    pub organization_name: String,
    /// Who uploaded it.
    pub submitted_by: i64,
    /// The uploaded file's name.
    pub file_name: String,
    /// Its size in bytes.
    pub file_size: i64,
    /// Its sha256.
    pub file_sha256: String,
    /// The team's note.
    pub note: String,
    /// A prediction file or a model.
    pub kind: SubmissionKind,
    /// Where it is.
    pub state: SubmissionState,
    /// Why it is invalid or failed, or what is being retried.
    pub message: String,
    /// Uploaded by the organizers as a reference.
    pub is_baseline: bool,
    /// Final phase: chosen by the team to count.
    pub selected: bool,
    /// Scoring runs so far (an organizer's re-run adds one).
    pub runs: i64,
    /// Uploaded (RFC 3339).
    pub created_at: String,
    /// Uploaded (ms since the epoch).
    pub created_ms: i64,
    /// Scoring started (ms).
    pub started_ms: Option<i64>,
    /// Scoring finished (ms).
    pub finished_ms: Option<i64>,
    /// File store key of the upload.
    #[serde(skip)]
    pub file_key: String,
}

/// A recorded scoring run.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Evaluation {
    /// Id.
    pub id: i64,
    /// The submission.
    pub submission_id: i64,
    /// Which run of it.
    pub run: i64,
    /// The report (JSON) as signed.
    pub report: String,
    /// Signature over `report`.
    pub signature: String,
    /// The worker that scored it.
    pub worker: String,
    /// Recorded.
    pub created_at: String,
}

/// A job a worker holds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Job {
    /// Id.
    pub id: i64,
    /// What to do, e.g. `score_submission`.
    pub kind: String,
    /// What to do it to (a submission id).
    pub subject_id: i64,
    /// Which run of the subject.
    pub run: i64,
    /// Claims so far, this one included.
    pub attempts: i64,
    /// Claims allowed before the job fails for good.
    pub max_attempts: i64,
}

/// How a held job ended.
#[derive(Debug, Clone)]
pub enum Outcome {
    /// Scored: the signed report.
    Scored {
        /// Report JSON.
        report: String,
        /// Its signature.
        signature: String,
    },
    /// The submission's fault, with the engine's message.
    Invalid(String),
    /// The platform's fault: retried with backoff until attempts run out.
    Error(String),
}

/// A worker as the queue page shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct WorkerRecord {
    /// Worker id.
    pub id: String,
    /// Host name.
    pub host: String,
    /// Process id.
    pub pid: i64,
    /// Engine version.
    pub version: String,
    /// Last heartbeat (ms).
    pub heartbeat_ms: i64,
    /// The job it holds.
    pub current_job: Option<i64>,
}

/// Queue counts for the queue page and `/metrics`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct QueueStats {
    /// Jobs waiting.
    pub queued: i64,
    /// Jobs held by workers.
    pub running: i64,
    /// Jobs failed for good.
    pub failed: i64,
    /// Jobs done.
    pub done: i64,
    /// When the oldest waiting job was queued (ms).
    pub oldest_queued_ms: Option<i64>,
}

/// Submissions of one phase by state, for the queue page and `/metrics`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct PhaseCounts {
    /// The phase.
    pub phase_id: i64,
    /// Its name.
    pub phase: String,
    /// Its challenge's code.
    pub challenge: String,
    /// Submissions by state name.
    pub states: std::collections::BTreeMap<String, i64>,
}

/// A submission's job kind.
pub const SCORE_SUBMISSION: &str = "score_submission";
const MAX_ATTEMPTS: i64 = 3;

fn flag(row: &AnyRow, column: &str) -> Result<bool> {
    Ok(row.try_get::<i64, _>(column)? != 0)
}

fn phase_from_row(row: &AnyRow) -> Result<Phase> {
    let text = |c: &str| -> Result<String> { Ok(row.try_get::<String, _>(c)?) };
    let number = |c: &str| -> Result<u32> { Ok(row.try_get::<i64, _>(c)? as u32) };
    Ok(Phase {
        id: row.try_get("id")?,
        challenge_id: row.try_get("challenge_id")?,
        dataset_id: row.try_get("dataset_id")?,
        input: PhaseInput {
            kind: PhaseKind::parse("kind", &text("kind")?).map_err(StoreError::corrupt)?,
            name: text("name")?,
            opens_on: Day::parse("opens_on", &text("opens_on")?).map_err(StoreError::corrupt)?,
            closes_on: Day::parse("closes_on", &text("closes_on")?).map_err(StoreError::corrupt)?,
            split: text("split")?,
            visibility: Visibility::parse("visibility", &text("visibility")?).map_err(StoreError::corrupt)?,
            quotas: Quotas {
                per_day: number("per_day")?,
                total: number("total")?,
                concurrent: number("concurrent")?,
                invalid: number("invalid")?,
            },
            counted: number("counted")?,
            precision: number("decimals")?,
        },
        private_published: flag(row, "private_published")?,
    })
}

// The name the team gave its upload: identical bytes share one stored file, whose first name may
// be another's (a hidden file's).
const SUBMISSION_COLUMNS: &str = "s.*, o.name AS organization_name, COALESCE(s.upload_name, f.name) AS file_name, f.size AS file_size, \
     f.sha256 AS file_sha256, f.key AS file_key";
const SUBMISSION_FROM: &str =
    "submissions s JOIN organizations o ON o.id = s.organization_id JOIN files f ON f.id = s.file_id";

fn submission_from_row(row: &AnyRow) -> Result<Submission> {
    let state: String = row.try_get("state")?;
    let kind: String = row.try_get("kind")?;
    Ok(Submission {
        id: row.try_get("id")?,
        phase_id: row.try_get("phase_id")?,
        organization_id: row.try_get("organization_id")?,
        organization_name: row.try_get("organization_name")?,
        submitted_by: row.try_get("submitted_by")?,
        file_name: row.try_get("file_name")?,
        file_size: row.try_get("file_size")?,
        file_sha256: row.try_get("file_sha256")?,
        note: row.try_get("note")?,
        kind: SubmissionKind::parse("kind", &kind).map_err(StoreError::corrupt)?,
        state: SubmissionState::parse("state", &state).map_err(StoreError::corrupt)?,
        message: row.try_get("message")?,
        is_baseline: flag(row, "is_baseline")?,
        selected: flag(row, "selected")?,
        runs: row.try_get("runs")?,
        created_at: row.try_get("created_at")?,
        created_ms: row.try_get("created_ms")?,
        started_ms: row.try_get("started_ms")?,
        finished_ms: row.try_get("finished_ms")?,
        file_key: row.try_get("file_key")?,
    })
}

fn job_from_row(row: &AnyRow) -> Result<Job> {
    Ok(Job {
        id: row.try_get("id")?,
        kind: row.try_get("kind")?,
        subject_id: row.try_get("subject_id")?,
        run: row.try_get("run")?,
        attempts: row.try_get("attempts")?,
        max_attempts: row.try_get("max_attempts")?,
    })
}

/// What a submission the platform could not score says.
fn failed_message(reason: &str) -> String {
    format!("平台评测失败 / the platform failed to score it: {reason}")
}

/// Serialises writers of one phase's submissions until commit on PostgreSQL (SQLite's
/// `BEGIN IMMEDIATE` already serialises every writer), so counts read in the transaction hold.
async fn lock_phase(tx: &mut Transaction<'static, Any>, backend: Backend, phase_id: i64) -> Result<()> {
    if backend == Backend::Postgres {
        sqlx::query("SELECT id FROM phases WHERE id = $1 FOR UPDATE").bind(phase_id).execute(&mut **tx).await?;
    }
    Ok(())
}

/// Waiting time before retry `attempt` (1-based) of a job the platform failed: 2, 4, 8 … s.
fn backoff_ms(attempt: i64) -> i64 {
    1000 << attempt.clamp(1, 10)
}

async fn enqueue(tx: &mut Transaction<'static, Any>, submission_id: i64, run: i64, now: i64) -> Result<()> {
    sqlx::query(
        "INSERT INTO jobs (kind, subject_id, run, state, max_attempts, run_after_ms, created_ms) VALUES ($1, $2, $3, 'queued', $4, $5, $5)",
    )
    .bind(SCORE_SUBMISSION)
    .bind(submission_id)
    .bind(run)
    .bind(MAX_ATTEMPTS)
    .bind(now)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

impl Store {
    /// Adds the next version of a challenge's dataset. It needs exactly one `labels` file
    /// (hidden); every other file is public to registered participants.
    pub async fn create_dataset_version(
        &self,
        challenge_id: i64,
        scoring: ScoringSpec,
        note: &str,
        files: Vec<DatasetFileInput>,
        actor: Option<i64>,
    ) -> Result<DatasetVersion> {
        let mut scoring = scoring;
        let lines = |items: &[String]| -> Vec<String> {
            items.iter().map(|s| s.trim().to_owned()).filter(|s| !s.is_empty()).collect()
        };
        scoring.metrics = lines(&scoring.metrics);
        scoring.refusal_phrases = lines(&scoring.refusal_phrases);
        scoring.rules = lines(&scoring.rules);
        if scoring.is_answers() && scoring.rules.is_empty() {
            scoring.rules = jiebang_core::answers::current_rules();
        }
        let mut errors = scoring.problems();
        for (i, file) in files.iter().enumerate() {
            if !PURPOSES.contains(&file.purpose.as_str()) {
                errors.push(jiebang_core::FieldError::new(
                    format!("files[{i}].purpose"),
                    format!(
                        "用途「{}」应为 {} 之一 / purpose must be one of {}",
                        file.purpose,
                        PURPOSES.join("、"),
                        PURPOSES.join(", ")
                    ),
                ));
            }
            if files[..i].iter().any(|f| f.file.name == file.file.name) {
                errors.push(jiebang_core::FieldError::new(
                    format!("files[{i}].name"),
                    format!("文件名「{}」重复 / duplicate file name", file.file.name),
                ));
            }
        }
        if files.iter().filter(|f| f.purpose == "labels").count() != 1 {
            errors.push(jiebang_core::FieldError::new(
                "files",
                "需要且只能有一个 labels（隐藏的测试标签）文件 / exactly one labels file (the hidden test labels) is required",
            ));
        }
        if !errors.is_empty() {
            return Err(jiebang_core::Error::Invalid(errors).into());
        }
        let mut tx = self.begin_write().await?;
        let exists: Option<i64> = sqlx::query_scalar("SELECT id FROM challenges WHERE id = $1")
            .bind(challenge_id)
            .fetch_optional(&mut *tx)
            .await?;
        exists.ok_or_else(|| StoreError::not_found("challenge", challenge_id))?;
        let version: i64 =
            sqlx::query_scalar("SELECT COALESCE(MAX(version), 0) + 1 FROM dataset_versions WHERE challenge_id = $1")
                .bind(challenge_id)
                .fetch_one(&mut *tx)
                .await?;
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO dataset_versions (challenge_id, version, note, task, id_column, label_column, split_column, positive_label, metrics, refusal_phrases, rules, created_by, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13) RETURNING id",
        )
        .bind(challenge_id)
        .bind(version)
        .bind(note.trim())
        .bind(&scoring.task)
        .bind(scoring.id_column.trim())
        .bind(scoring.label_column.trim())
        .bind(scoring.split_column.trim())
        .bind(scoring.positive_label.trim())
        .bind(scoring.metrics.join("\n"))
        .bind(scoring.refusal_phrases.join("\n"))
        .bind(scoring.rules.join("\n"))
        .bind(actor)
        .bind(now_text())
        .fetch_one(&mut *tx)
        .await?;
        for file in &files {
            sqlx::query(
                "INSERT INTO dataset_files (dataset_id, name, purpose, hidden, file_id) VALUES ($1, $2, $3, $4, $5)",
            )
            .bind(id)
            .bind(&file.file.name)
            .bind(&file.purpose)
            .bind(i64::from(file.purpose == "labels"))
            .bind(file.file.id)
            .execute(&mut *tx)
            .await?;
        }
        let names: Vec<&str> = files.iter().map(|f| f.file.name.as_str()).collect();
        audit::append(
            &mut tx,
            self.backend,
            actor,
            "dataset.create",
            &format!("challenge:{challenge_id}"),
            serde_json::json!({"dataset": id, "version": version, "files": names}),
        )
        .await?;
        tx.commit().await?;
        self.get_dataset_version(id).await
    }

    /// One dataset version with its files.
    pub async fn get_dataset_version(&self, id: i64) -> Result<DatasetVersion> {
        let row = sqlx::query("SELECT * FROM dataset_versions WHERE id = $1")
            .bind(id)
            .fetch_optional(&self.pool)
            .await?
            .ok_or_else(|| StoreError::not_found("dataset", id))?;
        let files = sqlx::query(
            "SELECT d.name, d.purpose, d.hidden, d.file_id, f.size, f.sha256, f.key FROM dataset_files d \
             JOIN files f ON f.id = d.file_id WHERE d.dataset_id = $1 ORDER BY d.hidden, d.name",
        )
        .bind(id)
        .fetch_all(&self.pool)
        .await?
        .iter()
        .map(|r| {
            Ok(DatasetFile {
                name: r.try_get("name")?,
                purpose: r.try_get("purpose")?,
                hidden: flag(r, "hidden")?,
                size: r.try_get("size")?,
                sha256: r.try_get("sha256")?,
                file_id: r.try_get("file_id")?,
                key: r.try_get("key")?,
            })
        })
        .collect::<Result<Vec<_>>>()?;
        Ok(DatasetVersion {
            id,
            challenge_id: row.try_get("challenge_id")?,
            version: row.try_get("version")?,
            note: row.try_get("note")?,
            scoring: ScoringSpec {
                task: row.try_get("task")?,
                id_column: row.try_get("id_column")?,
                label_column: row.try_get("label_column")?,
                split_column: row.try_get("split_column")?,
                positive_label: row.try_get("positive_label")?,
                metrics: lines_of(row.try_get("metrics")?),
                refusal_phrases: lines_of(row.try_get("refusal_phrases")?),
                rules: lines_of(row.try_get("rules")?),
            },
            files,
            created_at: row.try_get("created_at")?,
        })
    }

    /// A challenge's dataset versions, newest first.
    pub async fn list_dataset_versions(&self, challenge_id: i64) -> Result<Vec<DatasetVersion>> {
        let ids: Vec<i64> =
            sqlx::query_scalar("SELECT id FROM dataset_versions WHERE challenge_id = $1 ORDER BY version DESC")
                .bind(challenge_id)
                .fetch_all(&self.pool)
                .await?;
        let mut versions = Vec::with_capacity(ids.len());
        for id in ids {
            versions.push(self.get_dataset_version(id).await?);
        }
        Ok(versions)
    }

    /// Adds a phase to a challenge, scoring against one of its dataset versions.
    pub async fn create_phase(
        &self,
        challenge_id: i64,
        dataset_id: i64,
        input: PhaseInput,
        actor: Option<i64>,
    ) -> Result<Phase> {
        let input = input.validate()?;
        let dataset = self.get_dataset_version(dataset_id).await?;
        if dataset.challenge_id != challenge_id {
            return Err(jiebang_core::Error::invalid(
                "dataset_id",
                "该数据集版本不属于此揭榜任务 / the dataset version belongs to another challenge",
            )
            .into());
        }
        let mut tx = self.begin_write().await?;
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO phases (challenge_id, dataset_id, kind, name, opens_on, closes_on, split, visibility, per_day, total, concurrent, invalid, counted, decimals, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15) RETURNING id",
        )
        .bind(challenge_id)
        .bind(dataset_id)
        .bind(input.kind.as_str())
        .bind(&input.name)
        .bind(input.opens_on.to_string())
        .bind(input.closes_on.to_string())
        .bind(&input.split)
        .bind(input.visibility.as_str())
        .bind(i64::from(input.quotas.per_day))
        .bind(i64::from(input.quotas.total))
        .bind(i64::from(input.quotas.concurrent))
        .bind(i64::from(input.quotas.invalid))
        .bind(i64::from(input.counted))
        .bind(i64::from(input.precision))
        .bind(now_text())
        .fetch_one(&mut *tx)
        .await?;
        audit::append(
            &mut tx,
            self.backend,
            actor,
            "phase.create",
            &format!("challenge:{challenge_id}"),
            serde_json::json!({"phase": id, "name": input.name, "dataset": dataset_id}),
        )
        .await?;
        tx.commit().await?;
        self.get_phase(id).await
    }

    /// One phase.
    pub async fn get_phase(&self, id: i64) -> Result<Phase> {
        let row = sqlx::query("SELECT * FROM phases WHERE id = $1")
            .bind(id)
            .fetch_optional(&self.pool)
            .await?
            .ok_or_else(|| StoreError::not_found("phase", id))?;
        phase_from_row(&row)
    }

    /// The phases of every challenge of a program, by challenge, each in the order they open.
    pub async fn program_phases(&self, program_id: i64) -> Result<Vec<Phase>> {
        sqlx::query(
            "SELECT p.* FROM phases p JOIN challenges c ON c.id = p.challenge_id WHERE c.program_id = $1 \
             ORDER BY p.challenge_id, p.opens_on, p.id",
        )
        .bind(program_id)
        .fetch_all(&self.pool)
        .await?
        .iter()
        .map(phase_from_row)
        .collect()
    }

    /// A challenge's phases in the order they open.
    pub async fn list_phases(&self, challenge_id: i64) -> Result<Vec<Phase>> {
        sqlx::query("SELECT * FROM phases WHERE challenge_id = $1 ORDER BY opens_on, id")
            .bind(challenge_id)
            .fetch_all(&self.pool)
            .await?
            .iter()
            .map(phase_from_row)
            .collect()
    }

    /// Registers an organization as a participant of a challenge (idempotent).
    pub async fn register_participant(&self, challenge_id: i64, organization_id: i64, user_id: i64) -> Result<()> {
        let mut tx = self.begin_write().await?;
        let already: Option<i64> = sqlx::query_scalar(
            "SELECT organization_id FROM participants WHERE challenge_id = $1 AND organization_id = $2",
        )
        .bind(challenge_id)
        .bind(organization_id)
        .fetch_optional(&mut *tx)
        .await?;
        if already.is_some() {
            return Ok(());
        }
        sqlx::query("INSERT INTO participants (challenge_id, organization_id, registered_by, created_at) VALUES ($1, $2, $3, $4)")
            .bind(challenge_id)
            .bind(organization_id)
            .bind(user_id)
            .bind(now_text())
            .execute(&mut *tx)
            .await?;
        audit::append(
            &mut tx,
            self.backend,
            Some(user_id),
            "challenge.register",
            &format!("challenge:{challenge_id}"),
            serde_json::json!({"organization": organization_id}),
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// The organizations registered for a challenge.
    pub async fn participant_organizations(&self, challenge_id: i64) -> Result<Vec<i64>> {
        Ok(sqlx::query_scalar(
            "SELECT organization_id FROM participants WHERE challenge_id = $1 ORDER BY organization_id",
        )
        .bind(challenge_id)
        .fetch_all(&self.pool)
        .await?)
    }

    /// A team's (`by` = `organization_id`) or a user's (`by` = `submitted_by`) use of a
    /// phase's quotas.
    async fn usage(
        tx: &mut Transaction<'static, Any>,
        phase_id: i64,
        by: &'static str,
        who: i64,
        now: i64,
    ) -> Result<Usage> {
        let row = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT \
               COALESCE(SUM(CASE WHEN created_ms > $3 AND state NOT IN ('failed', 'cancelled') THEN 1 ELSE 0 END), 0) AS last_day, \
               COALESCE(SUM(CASE WHEN state NOT IN ('failed', 'cancelled') THEN 1 ELSE 0 END), 0) AS total, \
               COALESCE(SUM(CASE WHEN state IN ('queued', 'running') THEN 1 ELSE 0 END), 0) AS active, \
               COALESCE(SUM(CASE WHEN state = 'invalid' THEN 1 ELSE 0 END), 0) AS invalid \
             FROM submissions WHERE phase_id = $1 AND {by} = $2 AND is_baseline = 0"
        )))
        .bind(phase_id)
        .bind(who)
        .bind(now - 24 * 3600 * 1000)
        .fetch_one(&mut **tx)
        .await?;
        let count = |c: &str| -> Result<u32> { Ok(row.try_get::<i64, _>(c)? as u32) };
        Ok(Usage {
            last_day: count("last_day")?,
            total: count("total")?,
            active: count("active")?,
            invalid: count("invalid")?,
        })
    }

    /// Records a submission and queues its scoring, in one transaction, if the team's quotas
    /// allow it (baselines from organizers are not counted). Concurrent submissions of one
    /// phase are serialised, so a quota holds under any load.
    pub async fn create_submission(
        &self,
        phase_id: i64,
        organization_id: i64,
        user_id: i64,
        file: &StoredFile,
        note: &str,
        is_baseline: bool,
    ) -> Result<Submission> {
        self.new_submission(SubmissionKind::Predictions, phase_id, organization_id, user_id, file, note, is_baseline)
            .await
    }

    /// Queues a delivered model, as [`Store::create_submission`] queues a prediction file; the
    /// challenge's delivery contract must accept models.
    pub async fn create_model_submission(
        &self,
        phase_id: i64,
        organization_id: i64,
        user_id: i64,
        file: &StoredFile,
        note: &str,
        is_baseline: bool,
    ) -> Result<Submission> {
        self.new_submission(SubmissionKind::Model, phase_id, organization_id, user_id, file, note, is_baseline).await
    }

    /// Whether a team may submit to the phase now (open, challenge not archived, quotas left):
    /// checked before an upload's body is read, so a refused upload is never stored, and again
    /// under the phase's lock when the submission is recorded.
    pub async fn check_may_submit(
        &self,
        phase_id: i64,
        organization_id: i64,
        user_id: i64,
        is_baseline: bool,
    ) -> Result<()> {
        let phase = self.get_phase(phase_id).await?;
        let mut tx = self.pool.begin().await?;
        self.check_submission(&mut tx, &phase, organization_id, user_id, is_baseline).await?;
        tx.rollback().await?;
        Ok(())
    }

    async fn check_submission(
        &self,
        tx: &mut Transaction<'static, Any>,
        phase: &Phase,
        organization_id: i64,
        user_id: i64,
        is_baseline: bool,
    ) -> Result<()> {
        let archived: Option<String> = sqlx::query_scalar("SELECT archived_at FROM challenges WHERE id = $1")
            .bind(phase.challenge_id)
            .fetch_one(&mut **tx)
            .await?;
        if archived.is_some() {
            return Err(StoreError::refused(
                "该任务已撤榜，不再接受提交 / the challenge is archived and takes no submissions",
            ));
        }
        if is_baseline {
            return Ok(());
        }
        if !phase.is_open_today() {
            let (opens, closes) = (phase.input.opens_on, phase.input.closes_on);
            return Err(StoreError::Refused(format!(
                "本阶段 {opens} 至 {closes} 开放提交 / this phase accepts submissions from {opens} to {closes}"
            )));
        }
        // A team's quotas hold per unit and, for an applicant acting for it, per person: a
        // user acting for several units does not multiply them. (Admins and organizers
        // submitting for a team are counted with the team only.)
        let (acting,): (i64,) = sqlx::query_as(
            "SELECT COUNT(*) FROM grants WHERE user_id = $1 AND role = 'applicant' AND scope_kind = 'organization' AND scope_id = $2",
        )
        .bind(user_id)
        .bind(organization_id.to_string())
        .fetch_one(&mut **tx)
        .await?;
        let mut counted = vec![("organization_id", organization_id)];
        if acting > 0 {
            counted.push(("submitted_by", user_id));
        }
        for (by, who) in counted {
            let usage = Self::usage(tx, phase.id, by, who, now_ms()).await?;
            if let Some(reason) = phase.input.quotas.refuse(&usage) {
                return Err(StoreError::Refused(reason));
            }
        }
        Ok(())
    }

    #[allow(clippy::too_many_arguments)]
    async fn new_submission(
        &self,
        kind: SubmissionKind,
        phase_id: i64,
        organization_id: i64,
        user_id: i64,
        file: &StoredFile,
        note: &str,
        is_baseline: bool,
    ) -> Result<Submission> {
        let phase = self.get_phase(phase_id).await?;
        let contract = self.delivery_contract(phase.challenge_id).await?;
        if !contract.takes(kind) {
            return Err(StoreError::Refused(format!(
                "本任务只接受{} / this challenge takes {}",
                contract.accepts.label_zh(),
                contract.accepts.label_en().to_lowercase()
            )));
        }
        if kind == SubmissionKind::Model && file.size as u64 > contract.max_model_bytes() {
            return Err(StoreError::Refused(format!(
                "模型文件 {} 字节，超过交付要求的 {} MB / the model file has {} bytes, more than the contract's {} MB",
                file.size, contract.max_model_mb, file.size, contract.max_model_mb
            )));
        }
        let mut tx = self.begin_write().await?;
        lock_phase(&mut tx, self.backend, phase_id).await?;
        self.check_submission(&mut tx, &phase, organization_id, user_id, is_baseline).await?;
        let now = now_ms();
        if kind == SubmissionKind::Model && !is_baseline {
            // The measurement budget: model run time in the challenge's phases over 24 hours
            // (a run still going counts until now).
            let used_ms: Option<i64> = sqlx::query_scalar(
                "SELECT CAST(SUM(COALESCE(s.finished_ms, $1) - s.started_ms) AS BIGINT) FROM submissions s \
                 JOIN phases p ON p.id = s.phase_id \
                 WHERE p.challenge_id = $2 AND s.organization_id = $3 AND s.kind = 'model' AND s.started_ms >= $4",
            )
            .bind(now)
            .bind(phase.challenge_id)
            .bind(organization_id)
            .bind(now - 86_400_000)
            .fetch_one(&mut *tx)
            .await?;
            let used = used_ms.unwrap_or(0).max(0) as f64 / 60_000.0;
            if used >= f64::from(contract.daily_model_minutes) {
                let budget = contract.daily_model_minutes;
                return Err(StoreError::Refused(format!(
                    "本队过去 24 小时的模型运行已用 {used:.1} 分钟，达到每日 {budget} 分钟的测量预算，请稍后再提交 / \
                     your team's models ran {used:.1} minutes in the last 24 hours, the daily measurement budget of \
                     {budget} minutes; submit again later"
                )));
            }
        }
        let note: String = note.trim().chars().take(500).collect();
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO submissions (phase_id, organization_id, submitted_by, file_id, note, state, message, is_baseline, created_ms, created_at, kind, upload_name) \
             VALUES ($1, $2, $3, $4, $5, 'queued', '', $6, $7, $8, $9, $10) RETURNING id",
        )
        .bind(phase_id)
        .bind(organization_id)
        .bind(user_id)
        .bind(file.id)
        .bind(&note)
        .bind(i64::from(is_baseline))
        .bind(now)
        .bind(now_text())
        .bind(kind.as_str())
        .bind(&file.name)
        .fetch_one(&mut *tx)
        .await?;
        enqueue(&mut tx, id, 1, now).await?;
        audit::append(
            &mut tx,
            self.backend,
            Some(user_id),
            "submission.create",
            &format!("phase:{phase_id}"),
            serde_json::json!({"submission": id, "organization": organization_id, "sha256": file.sha256, "baseline": is_baseline, "kind": kind.as_str()}),
        )
        .await?;
        tx.commit().await?;
        self.get_submission(id).await
    }

    /// The challenge's delivery contract; the default (prediction files only) when none is set.
    pub async fn delivery_contract(&self, challenge_id: i64) -> Result<DeliveryContract> {
        let text: Option<String> =
            sqlx::query_scalar("SELECT contract FROM delivery_contracts WHERE challenge_id = $1")
                .bind(challenge_id)
                .fetch_optional(&self.pool)
                .await?;
        match text {
            Some(text) => serde_json::from_str(&text)
                .map_err(|e| StoreError::Corrupt(format!("delivery contract of challenge {challenge_id}: {e}"))),
            None => Ok(DeliveryContract::default()),
        }
    }

    /// Sets the challenge's delivery contract (validated), with its audit event. Submissions
    /// already made keep the run they had; re-running one measures it under the new contract.
    pub async fn set_delivery_contract(
        &self,
        challenge_id: i64,
        contract: DeliveryContract,
        user_id: Option<i64>,
    ) -> Result<DeliveryContract> {
        let contract = contract.validate()?;
        self.get_challenge(challenge_id).await?;
        let text = serde_json::to_string(&contract).map_err(|e| StoreError::Corrupt(e.to_string()))?;
        let mut tx = self.begin_write().await?;
        let now = now_text();
        let updated = sqlx::query(
            "UPDATE delivery_contracts SET contract = $1, updated_by = $2, updated_at = $3 WHERE challenge_id = $4",
        )
        .bind(&text)
        .bind(user_id)
        .bind(&now)
        .bind(challenge_id)
        .execute(&mut *tx)
        .await?
        .rows_affected();
        if updated == 0 {
            sqlx::query(
                "INSERT INTO delivery_contracts (challenge_id, contract, updated_by, updated_at) VALUES ($1, $2, $3, $4)",
            )
            .bind(challenge_id)
            .bind(&text)
            .bind(user_id)
            .bind(&now)
            .execute(&mut *tx)
            .await?;
        }
        audit::append(
            &mut tx,
            self.backend,
            user_id,
            "delivery_contract.set",
            &format!("challenge:{challenge_id}"),
            serde_json::to_value(&contract).unwrap_or_default(),
        )
        .await?;
        tx.commit().await?;
        Ok(contract)
    }

    /// One submission.
    pub async fn get_submission(&self, id: i64) -> Result<Submission> {
        let row = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {SUBMISSION_COLUMNS} FROM {SUBMISSION_FROM} WHERE s.id = $1"
        )))
        .bind(id)
        .fetch_optional(&self.pool)
        .await?
        .ok_or_else(|| StoreError::not_found("submission", id))?;
        submission_from_row(&row)
    }

    /// A phase's submissions, newest first; only one team's when `organization_id` is given.
    pub async fn list_submissions(&self, phase_id: i64, organization_id: Option<i64>) -> Result<Vec<Submission>> {
        let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {SUBMISSION_COLUMNS} FROM {SUBMISSION_FROM} WHERE s.phase_id = $1 AND ($2 = 0 OR s.organization_id = $2) ORDER BY s.id DESC"
        )))
        .bind(phase_id)
        .bind(organization_id.unwrap_or(0))
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(submission_from_row).collect()
    }

    /// How many jobs are ahead of a queued submission's (0 = next).
    pub async fn queue_position(&self, submission_id: i64) -> Result<Option<i64>> {
        let job: Option<i64> = sqlx::query_scalar(
            "SELECT id FROM jobs WHERE kind = $1 AND subject_id = $2 AND state = 'queued' ORDER BY id DESC LIMIT 1",
        )
        .bind(SCORE_SUBMISSION)
        .bind(submission_id)
        .fetch_optional(&self.pool)
        .await?;
        let Some(job) = job else { return Ok(None) };
        let ahead: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM jobs WHERE state = 'queued' AND id < $1")
            .bind(job)
            .fetch_one(&self.pool)
            .await?;
        Ok(Some(ahead))
    }

    /// For each of these submissions still queued, how many jobs are ahead of its job — for a
    /// whole table at once.
    pub async fn queue_positions(&self, submission_ids: &[i64]) -> Result<HashMap<i64, i64>> {
        let mut positions = HashMap::new();
        for chunk in submission_ids.chunks(500) {
            let sql = format!(
                "SELECT q.subject_id, (SELECT COUNT(*) FROM jobs a WHERE a.state = 'queued' AND a.id < q.job) \
                 FROM (SELECT subject_id, MAX(id) AS job FROM jobs WHERE kind = $1 AND state = 'queued' \
                 AND subject_id IN ({}) GROUP BY subject_id) q",
                crate::placeholders(2, chunk.len())
            );
            let mut query = sqlx::query_as::<_, (i64, i64)>(sqlx::AssertSqlSafe(sql)).bind(SCORE_SUBMISSION);
            for id in chunk {
                query = query.bind(*id);
            }
            positions.extend(query.fetch_all(&self.pool).await?);
        }
        Ok(positions)
    }

    /// The latest run's report of each of these submissions that has one — for a whole table
    /// at once.
    pub async fn latest_reports(&self, submission_ids: &[i64]) -> Result<HashMap<i64, String>> {
        let mut reports = HashMap::new();
        for chunk in submission_ids.chunks(500) {
            let sql = format!(
                "SELECT e.submission_id, e.report FROM evaluations e WHERE e.submission_id IN ({}) \
                 AND e.run = (SELECT MAX(l.run) FROM evaluations l WHERE l.submission_id = e.submission_id)",
                crate::placeholders(1, chunk.len())
            );
            let mut query = sqlx::query_as::<_, (i64, String)>(sqlx::AssertSqlSafe(sql));
            for id in chunk {
                query = query.bind(*id);
            }
            reports.extend(query.fetch_all(&self.pool).await?);
        }
        Ok(reports)
    }

    /// Withdraws a submission that has not started; `Ok(false)` when it already has.
    pub async fn cancel_submission(&self, id: i64, actor: i64) -> Result<bool> {
        let mut tx = self.begin_write().await?;
        let done = sqlx::query(
            "UPDATE submissions SET state = 'cancelled', finished_ms = $2 WHERE id = $1 AND state = 'queued'",
        )
        .bind(id)
        .bind(now_ms())
        .execute(&mut *tx)
        .await?;
        if done.rows_affected() == 0 {
            return Ok(false);
        }
        sqlx::query("UPDATE jobs SET state = 'cancelled', finished_ms = $3 WHERE kind = $1 AND subject_id = $2 AND state = 'queued'")
            .bind(SCORE_SUBMISSION)
            .bind(id)
            .bind(now_ms())
            .execute(&mut *tx)
            .await?;
        audit::append(
            &mut tx,
            self.backend,
            Some(actor),
            "submission.cancel",
            &format!("submission:{id}"),
            serde_json::json!({}),
        )
        .await?;
        tx.commit().await?;
        Ok(true)
    }

    /// Scores a finished submission again (a new run; earlier evaluations are kept).
    pub async fn rerun_submission(&self, id: i64, actor: i64) -> Result<Submission> {
        let mut tx = self.begin_write().await?;
        let run: Option<i64> = sqlx::query_scalar(
            "UPDATE submissions SET runs = runs + 1, state = 'queued', message = '', started_ms = NULL, finished_ms = NULL \
             WHERE id = $1 AND state IN ('scored', 'invalid', 'failed') RETURNING runs",
        )
        .bind(id)
        .fetch_optional(&mut *tx)
        .await?;
        let Some(run) = run else {
            let exists =
                sqlx::query("SELECT id FROM submissions WHERE id = $1").bind(id).fetch_optional(&mut *tx).await?;
            return Err(match exists {
                None => StoreError::not_found("submission", id),
                Some(_) => StoreError::Refused(
                    "提交仍在排队或评测中，或已取消 / the submission is still queued or running, or cancelled".into(),
                ),
            });
        };
        enqueue(&mut tx, id, run, now_ms()).await?;
        audit::append(
            &mut tx,
            self.backend,
            Some(actor),
            "submission.rerun",
            &format!("submission:{id}"),
            serde_json::json!({"run": run}),
        )
        .await?;
        tx.commit().await?;
        self.get_submission(id).await
    }

    /// Scores every finished submission of a phase again (after a fix to the labels, say);
    /// returns how many were queued.
    pub async fn rerun_phase(&self, phase_id: i64, actor: i64) -> Result<u64> {
        let finished: Vec<i64> = sqlx::query_scalar(
            "SELECT id FROM submissions WHERE phase_id = $1 AND state IN ('scored', 'invalid', 'failed') ORDER BY id",
        )
        .bind(phase_id)
        .fetch_all(&self.pool)
        .await?;
        let mut queued = 0;
        for id in finished {
            // One at a time: a submission that moved meanwhile is simply skipped.
            if self.rerun_submission(id, actor).await.is_ok() {
                queued += 1;
            }
        }
        Ok(queued)
    }

    /// Claims the oldest ready job for `worker` with a lease of `lease_ms`, and marks its
    /// submission running. `None` when nothing is ready.
    pub async fn claim_job(&self, worker: &str, lease_ms: i64) -> Result<Option<Job>> {
        self.claim(worker, lease_ms, "").await
    }

    /// [`Store::claim_job`] for a worker that scores prediction files only: a model that runs
    /// for its whole time limit then never holds up the files behind it.
    pub async fn claim_prediction_job(&self, worker: &str, lease_ms: i64) -> Result<Option<Job>> {
        self.claim(worker, lease_ms, " AND subject_id IN (SELECT id FROM submissions WHERE kind = 'predictions')").await
    }

    async fn claim(&self, worker: &str, lease_ms: i64, only: &'static str) -> Result<Option<Job>> {
        let now = now_ms();
        let lock = match self.backend {
            Backend::Postgres => " FOR UPDATE SKIP LOCKED",
            Backend::Sqlite => "",
        };
        let mut tx = self.begin_write().await?;
        let row = sqlx::query(sqlx::AssertSqlSafe(format!(
            "UPDATE jobs SET state = 'running', lease_owner = $1, lease_until_ms = $2, attempts = attempts + 1 \
             WHERE id = (SELECT id FROM jobs WHERE state = 'queued' AND run_after_ms <= $3{only} ORDER BY id LIMIT 1{lock}) \
             RETURNING id, kind, subject_id, run, attempts, max_attempts"
        )))
        .bind(worker)
        .bind(now + lease_ms)
        .bind(now)
        .fetch_optional(&mut *tx)
        .await?;
        let Some(row) = row else { return Ok(None) };
        let job = job_from_row(&row)?;
        sqlx::query("UPDATE submissions SET state = 'running', started_ms = $2 WHERE id = $1")
            .bind(job.subject_id)
            .bind(now)
            .execute(&mut *tx)
            .await?;
        sqlx::query("UPDATE workers SET current_job = $2, heartbeat_ms = $3 WHERE id = $1")
            .bind(worker)
            .bind(job.id)
            .bind(now)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(Some(job))
    }

    /// Records the row sketch of a submission's prediction file (see `jiebang_core::sketch`).
    pub async fn set_submission_sketch(&self, submission_id: i64, sketch: &str) -> Result<()> {
        sqlx::query("UPDATE submissions SET sketch = $1 WHERE id = $2")
            .bind(sketch)
            .bind(submission_id)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// The sketches of the same team's earlier submissions in the same phase, newest first.
    pub async fn earlier_sketches(&self, submission_id: i64) -> Result<Vec<(i64, String)>> {
        Ok(sqlx::query_as(
            "SELECT s.id, s.sketch FROM submissions s JOIN submissions me ON me.id = $1 \
             WHERE s.phase_id = me.phase_id AND s.organization_id = me.organization_id AND s.id < me.id \
             AND s.sketch IS NOT NULL ORDER BY s.id DESC LIMIT 200",
        )
        .bind(submission_id)
        .fetch_all(&self.pool)
        .await?)
    }

    /// Extends the lease on a job `worker` holds; `Ok(false)` when the lease was lost (expired
    /// and taken back), in which case the worker must drop the job.
    pub async fn extend_lease(&self, job_id: i64, worker: &str, lease_ms: i64) -> Result<bool> {
        let now = now_ms();
        let done =
            sqlx::query("UPDATE jobs SET lease_until_ms = $3 WHERE id = $1 AND state = 'running' AND lease_owner = $2")
                .bind(job_id)
                .bind(worker)
                .bind(now + lease_ms)
                .execute(&self.pool)
                .await?;
        sqlx::query("UPDATE workers SET heartbeat_ms = $2 WHERE id = $1")
            .bind(worker)
            .bind(now)
            .execute(&self.pool)
            .await?;
        Ok(done.rows_affected() == 1)
    }

    /// Closes a job `worker` holds with its outcome, and updates the submission, in one
    /// transaction. `Ok(false)` when the lease was lost: nothing is recorded, so a result is
    /// recorded once even if two workers scored the same run.
    pub async fn finish_job(&self, job: &Job, worker: &str, outcome: Outcome) -> Result<bool> {
        let now = now_ms();
        let mut tx = self.begin_write().await?;
        let retry = matches!(outcome, Outcome::Error(_)) && job.attempts < job.max_attempts;
        let (job_state, error) = match &outcome {
            Outcome::Error(message) if retry => ("queued", message.as_str()),
            Outcome::Error(message) => ("failed", message.as_str()),
            _ => ("done", ""),
        };
        let closed = sqlx::query(
            "UPDATE jobs SET state = $3, last_error = $4, lease_owner = NULL, lease_until_ms = NULL, run_after_ms = $5, \
             finished_ms = CASE WHEN $3 = 'queued' THEN NULL ELSE $6 END \
             WHERE id = $1 AND state = 'running' AND lease_owner = $2",
        )
        .bind(job.id)
        .bind(worker)
        .bind(job_state)
        .bind(error)
        .bind(now + backoff_ms(job.attempts))
        .bind(now)
        .execute(&mut *tx)
        .await?;
        if closed.rows_affected() == 0 {
            return Ok(false);
        }
        let (state, message) = match &outcome {
            Outcome::Scored { report, signature } => {
                sqlx::query("INSERT INTO evaluations (submission_id, run, report, signature, worker, created_at) VALUES ($1, $2, $3, $4, $5, $6)")
                    .bind(job.subject_id)
                    .bind(job.run)
                    .bind(report)
                    .bind(signature)
                    .bind(worker)
                    .bind(now_text())
                    .execute(&mut *tx)
                    .await?;
                (SubmissionState::Scored, String::new())
            }
            Outcome::Invalid(message) => (SubmissionState::Invalid, message.clone()),
            Outcome::Error(message) if retry => (
                SubmissionState::Queued,
                format!(
                    "评测出错，将自动重试（第 {} 次）/ scoring failed and will be retried (attempt {}): {message}",
                    job.attempts, job.attempts
                ),
            ),
            Outcome::Error(message) => (SubmissionState::Failed, failed_message(message)),
        };
        let finished = state.is_finished().then_some(now);
        sqlx::query("UPDATE submissions SET state = $2, message = $3, finished_ms = $4 WHERE id = $1")
            .bind(job.subject_id)
            .bind(state.as_str())
            .bind(message)
            .bind(finished)
            .execute(&mut *tx)
            .await?;
        sqlx::query("UPDATE workers SET current_job = NULL, heartbeat_ms = $2 WHERE id = $1")
            .bind(worker)
            .bind(now)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(true)
    }

    /// Takes back jobs whose lease expired (their worker died or hung): queued again, or failed
    /// for good once their attempts are used up. Returns how many were taken back.
    pub async fn requeue_expired(&self) -> Result<u64> {
        let now = now_ms();
        // Every worker step sweeps; a plain read keeps the common case (nothing expired) from
        // taking the write lock.
        let any: Option<i64> =
            sqlx::query_scalar("SELECT id FROM jobs WHERE state = 'running' AND lease_until_ms < $1 LIMIT 1")
                .bind(now)
                .fetch_optional(&self.pool)
                .await?;
        if any.is_none() {
            return Ok(0);
        }
        let mut tx = self.begin_write().await?;
        let expired: Vec<(i64, i64, i64, i64)> = sqlx::query(
            "SELECT id, subject_id, attempts, max_attempts FROM jobs WHERE state = 'running' AND lease_until_ms < $1",
        )
        .bind(now)
        .fetch_all(&mut *tx)
        .await?
        .iter()
        .map(|r| Ok((r.try_get("id")?, r.try_get("subject_id")?, r.try_get("attempts")?, r.try_get("max_attempts")?)))
        .collect::<Result<_>>()?;
        for &(id, submission, attempts, max_attempts) in &expired {
            let give_up = attempts >= max_attempts;
            let message = "评测进程中断（租约过期）/ the worker stopped (its lease expired)";
            sqlx::query(
                "UPDATE jobs SET state = $2, lease_owner = NULL, lease_until_ms = NULL, last_error = $3, run_after_ms = $4 WHERE id = $1 AND state = 'running'",
            )
            .bind(id)
            .bind(if give_up { "failed" } else { "queued" })
            .bind(message)
            .bind(now)
            .execute(&mut *tx)
            .await?;
            let (state, text) = if give_up {
                (SubmissionState::Failed, failed_message(message))
            } else {
                (SubmissionState::Queued, String::new())
            };
            sqlx::query("UPDATE submissions SET state = $2, message = $3 WHERE id = $1")
                .bind(submission)
                .bind(state.as_str())
                .bind(text)
                .execute(&mut *tx)
                .await?;
        }
        tx.commit().await?;
        Ok(expired.len() as u64)
    }

    /// A phase's scored submissions with the report of their latest run, oldest first.
    pub async fn scored_submissions(&self, phase_id: i64) -> Result<Vec<(Submission, String)>> {
        let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {SUBMISSION_COLUMNS}, e.report AS report FROM {SUBMISSION_FROM} \
             JOIN evaluations e ON e.submission_id = s.id AND e.run = s.runs \
             WHERE s.phase_id = $1 AND s.state = 'scored' ORDER BY s.id"
        )))
        .bind(phase_id)
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(|row| Ok((submission_from_row(row)?, row.try_get::<String, _>("report")?))).collect()
    }

    /// Marks whether a scored submission counts for its team in a final phase; a team selects
    /// at most the phase's `counted`. Refused outside final phases and for unscored submissions.
    pub async fn select_submission(&self, id: i64, selected: bool, actor: i64) -> Result<Submission> {
        let submission = self.get_submission(id).await?;
        let phase = self.get_phase(submission.phase_id).await?;
        if phase.input.kind != jiebang_core::evaluation::PhaseKind::Final {
            return Err(StoreError::Refused(
                "只有最终阶段可以选择计分提交 / only a final phase takes a selection".into(),
            ));
        }
        if submission.state != SubmissionState::Scored {
            return Err(StoreError::Refused("只能选择已评分的提交 / only a scored submission can be selected".into()));
        }
        let mut tx = self.begin_write().await?;
        lock_phase(&mut tx, self.backend, phase.id).await?;
        if selected {
            let already: i64 = sqlx::query_scalar(
                "SELECT COUNT(*) FROM submissions WHERE phase_id = $1 AND organization_id = $2 AND selected = 1 AND id <> $3",
            )
            .bind(phase.id)
            .bind(submission.organization_id)
            .bind(id)
            .fetch_one(&mut *tx)
            .await?;
            if already >= i64::from(phase.input.counted) {
                let n = phase.input.counted;
                return Err(StoreError::Refused(format!(
                    "最多选择 {n} 个提交计分，请先取消一个 / at most {n} submission(s) count; unselect one first"
                )));
            }
        }
        sqlx::query("UPDATE submissions SET selected = $2 WHERE id = $1")
            .bind(id)
            .bind(i64::from(selected))
            .execute(&mut *tx)
            .await?;
        audit::append(
            &mut tx,
            self.backend,
            Some(actor),
            "submission.select",
            &format!("submission:{id}"),
            serde_json::json!({"selected": selected}),
        )
        .await?;
        tx.commit().await?;
        self.get_submission(id).await
    }

    /// Publishes a phase's private results: its board on the private split and the full
    /// reports become visible to the teams (as the phase's visibility allows).
    pub async fn publish_private(&self, phase_id: i64, actor: i64) -> Result<Phase> {
        let mut tx = self.begin_write().await?;
        let done = sqlx::query("UPDATE phases SET private_published = 1 WHERE id = $1")
            .bind(phase_id)
            .execute(&mut *tx)
            .await?;
        if done.rows_affected() == 0 {
            return Err(StoreError::not_found("phase", phase_id));
        }
        audit::append(
            &mut tx,
            self.backend,
            Some(actor),
            "phase.publish_private",
            &format!("phase:{phase_id}"),
            serde_json::json!({}),
        )
        .await?;
        tx.commit().await?;
        self.get_phase(phase_id).await
    }

    /// The evaluations of a submission, latest run first.
    pub async fn list_evaluations(&self, submission_id: i64) -> Result<Vec<Evaluation>> {
        sqlx::query("SELECT * FROM evaluations WHERE submission_id = $1 ORDER BY run DESC")
            .bind(submission_id)
            .fetch_all(&self.pool)
            .await?
            .iter()
            .map(|r| {
                Ok(Evaluation {
                    id: r.try_get("id")?,
                    submission_id: r.try_get("submission_id")?,
                    run: r.try_get("run")?,
                    report: r.try_get("report")?,
                    signature: r.try_get("signature")?,
                    worker: r.try_get("worker")?,
                    created_at: r.try_get("created_at")?,
                })
            })
            .collect()
    }

    /// Announces a worker (or refreshes it after a restart).
    pub async fn register_worker(&self, id: &str, host: &str, version: &str) -> Result<()> {
        let now = now_ms();
        let mut tx = self.begin_write().await?;
        sqlx::query("DELETE FROM workers WHERE id = $1").bind(id).execute(&mut *tx).await?;
        sqlx::query(
            "INSERT INTO workers (id, host, pid, version, started_ms, heartbeat_ms) VALUES ($1, $2, $3, $4, $5, $5)",
        )
        .bind(id)
        .bind(host)
        .bind(i64::from(std::process::id()))
        .bind(version)
        .bind(now)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Workers seen in the last `within_ms`, most recent heartbeat first.
    pub async fn list_workers(&self, within_ms: i64) -> Result<Vec<WorkerRecord>> {
        sqlx::query("SELECT * FROM workers WHERE heartbeat_ms > $1 ORDER BY heartbeat_ms DESC")
            .bind(now_ms() - within_ms)
            .fetch_all(&self.pool)
            .await?
            .iter()
            .map(|r| {
                Ok(WorkerRecord {
                    id: r.try_get("id")?,
                    host: r.try_get("host")?,
                    pid: r.try_get("pid")?,
                    version: r.try_get("version")?,
                    heartbeat_ms: r.try_get("heartbeat_ms")?,
                    current_job: r.try_get("current_job")?,
                })
            })
            .collect()
    }

    /// Submissions per phase and state, phases in id order.
    pub async fn phase_counts(&self) -> Result<Vec<PhaseCounts>> {
        let rows = sqlx::query(
            "SELECT p.id, p.name, c.code, s.state, COUNT(*) AS n FROM submissions s \
             JOIN phases p ON p.id = s.phase_id JOIN challenges c ON c.id = p.challenge_id \
             GROUP BY p.id, p.name, c.code, s.state ORDER BY p.id",
        )
        .fetch_all(&self.pool)
        .await?;
        let mut phases: Vec<PhaseCounts> = Vec::new();
        for row in rows {
            let id: i64 = row.try_get("id")?;
            if phases.last().is_none_or(|p| p.phase_id != id) {
                phases.push(PhaseCounts {
                    phase_id: id,
                    phase: row.try_get("name")?,
                    challenge: row.try_get("code")?,
                    states: Default::default(),
                });
            }
            if let Some(phase) = phases.last_mut() {
                phase.states.insert(row.try_get("state")?, row.try_get("n")?);
            }
        }
        Ok(phases)
    }

    /// Counts of the queue's jobs by state, and the oldest waiting one.
    pub async fn queue_stats(&self) -> Result<QueueStats> {
        let mut stats = QueueStats::default();
        for row in sqlx::query("SELECT state, COUNT(*) AS n, MIN(created_ms) AS oldest FROM jobs GROUP BY state")
            .fetch_all(&self.pool)
            .await?
        {
            let state: String = row.try_get("state")?;
            let n: i64 = row.try_get("n")?;
            match state.as_str() {
                "queued" => {
                    stats.queued = n;
                    stats.oldest_queued_ms = row.try_get("oldest")?;
                }
                "running" => stats.running = n,
                "failed" => stats.failed = n,
                "done" => stats.done = n,
                _ => {}
            }
        }
        Ok(stats)
    }
}
