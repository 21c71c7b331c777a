//! Submissions under the phase's dates and quotas, their runs and their evaluations.

use super::*;
use crate::columns::{Flag, record};

/// One upload to record as a submission ([`Store::create_submission`]).
#[derive(Debug, Clone, Copy)]
pub struct NewSubmission<'a> {
    /// The phase.
    pub phase_id: i64,
    /// The team (any value for an organizers' baseline).
    pub organization_id: i64,
    /// Who uploads it.
    pub user_id: i64,
    /// The stored file.
    pub file: &'a StoredFile,
    /// The team's note, cut at 500 characters.
    pub note: &'a str,
    /// An organizers' baseline: outside the dates and the quotas.
    pub is_baseline: bool,
    /// Today in China Standard Time, which the phase's dates are checked against (the caller's
    /// clock, so a test can move it).
    pub today: Day,
}

impl<'a> NewSubmission<'a> {
    /// A team's upload without a note (set `note` or `is_baseline` with struct update syntax).
    pub fn new(phase_id: i64, organization_id: i64, user_id: i64, file: &'a StoredFile, today: Day) -> Self {
        Self { phase_id, organization_id, user_id, file, note: "", is_baseline: false, today }
    }
}

/// A stored submission.
#[derive(Debug, Clone, PartialEq, Serialize, sqlx::FromRow)]
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
    #[sqlx(try_from = "String")]
    pub kind: SubmissionKind,
    /// Where it is.
    #[sqlx(try_from = "String")]
    pub state: SubmissionState,
    /// Why it is invalid or failed, or what is being retried.
    pub message: String,
    /// Uploaded by the organizers as a reference.
    #[sqlx(try_from = "Flag")]
    pub is_baseline: bool,
    /// Final phase: chosen by the team to count.
    #[sqlx(try_from = "Flag")]
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

impl Store {
    /// A team's (`by` = `organization_id`) or a user's (`by` = `submitted_by`) use of a
    /// phase's quotas.
    /// A team's submissions in a phase as its quotas count them (the submit tab shows what is
    /// left before a file is chosen).
    pub async fn team_usage(&self, phase_id: i64, organization_id: i64) -> Result<Usage> {
        let mut tx = self.pool.begin().await?;
        let usage = Self::usage(&mut tx, phase_id, "organization_id", organization_id, now_ms()).await?;
        tx.commit().await?;
        Ok(usage)
    }

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
    pub async fn create_submission(&self, upload: &NewSubmission<'_>) -> Result<Submission> {
        self.new_submission(SubmissionKind::Predictions, upload, None).await
    }

    /// Queues a delivered model, as [`Store::create_submission`] queues a prediction file; the
    /// challenge's delivery contract must accept models.
    pub async fn create_model_submission(&self, upload: &NewSubmission<'_>) -> Result<Submission> {
        self.new_submission(SubmissionKind::Model, upload, None).await
    }

    /// Queues a delivered quantized large model (GGUF), which the platform serves and puts the
    /// bank to; the contract must take GGUF models, and the file must be within its size limit.
    /// (The web layer checks the header before this; the worker checks it again.)
    pub async fn create_gguf_submission(&self, upload: &NewSubmission<'_>) -> Result<Submission> {
        self.new_submission(SubmissionKind::Gguf, upload, None).await
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
        today: Day,
    ) -> Result<()> {
        let phase = self.get_phase(phase_id).await?;
        let mut tx = self.pool.begin().await?;
        self.check_submission(&mut tx, &phase, organization_id, user_id, is_baseline, today).await?;
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
        today: Day,
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
        if !phase.input.is_open_on(today) {
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

    pub(super) async fn new_submission(
        &self,
        kind: SubmissionKind,
        upload: &NewSubmission<'_>,
        sealed_key: Option<&str>,
    ) -> Result<Submission> {
        let NewSubmission { phase_id, organization_id, user_id, file, note, is_baseline, today } = *upload;
        let phase = self.get_phase(phase_id).await?;
        let contract = self.delivery_contract(phase.challenge_id).await?;
        if !contract.takes(kind) {
            return Err(StoreError::Refused(format!(
                "本任务的交付要求不接受{}（接受：{}） / the challenge's contract does not take a {} (it takes: {})",
                kind.label_zh(),
                contract.accepts.label_zh(),
                kind.label_en().to_lowercase(),
                contract.accepts.label_en().to_lowercase()
            )));
        }
        let size_limit_mb = match kind {
            SubmissionKind::Model => Some(contract.max_model_mb),
            SubmissionKind::Gguf => contract.gguf.as_ref().map(|g| g.max_model_mb),
            _ => None,
        };
        if let Some(limit_mb) = size_limit_mb.filter(|mb| file.size as f64 > mb * 1e6) {
            return Err(StoreError::Refused(format!(
                "模型文件 {} 字节，超过交付要求的 {limit_mb} MB / the model file has {} bytes, more than the contract's \
                 {limit_mb} MB",
                file.size, file.size
            )));
        }
        let mut tx = self.begin_write().await?;
        lock_phase(&mut tx, self.backend, phase_id).await?;
        self.check_submission(&mut tx, &phase, organization_id, user_id, is_baseline, today).await?;
        let now = now_ms();
        if matches!(kind, SubmissionKind::Model | SubmissionKind::Gguf) && !is_baseline {
            // The measurement budget: model run time in the challenge's phases over 24 hours
            // (a run still going counts until now).
            let used_ms: Option<i64> = sqlx::query_scalar(
                "SELECT CAST(SUM(COALESCE(s.finished_ms, $1) - s.started_ms) AS BIGINT) FROM submissions s \
                 JOIN phases p ON p.id = s.phase_id \
                 WHERE p.challenge_id = $2 AND s.organization_id = $3 AND s.kind IN ('model', 'gguf') AND s.started_ms >= $4",
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
        if let Some(sealed) = sealed_key {
            sqlx::query("INSERT INTO endpoint_keys (submission_id, sealed) VALUES ($1, $2)")
                .bind(id)
                .bind(sealed)
                .execute(&mut *tx)
                .await?;
        }
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

    /// One submission.
    pub async fn get_submission(&self, id: i64) -> Result<Submission> {
        let row = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {SUBMISSION_COLUMNS} FROM {SUBMISSION_FROM} WHERE s.id = $1"
        )))
        .bind(id)
        .fetch_optional(&self.pool)
        .await?
        .ok_or_else(|| StoreError::not_found("submission", id))?;
        record::<Submission>(&row)
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
        rows.iter().map(record::<Submission>).collect()
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

    /// Withdraws a submission that has not started, or stops an endpoint evaluation that is
    /// running (its worker sees the job gone at its next answer or heartbeat and stops asking;
    /// what was answered is kept). `Ok(false)` when it cannot be.
    pub async fn cancel_submission(&self, id: i64, actor: i64) -> Result<bool> {
        let mut tx = self.begin_write().await?;
        let done = sqlx::query(
            "UPDATE submissions SET state = 'cancelled', finished_ms = $2 \
             WHERE id = $1 AND (state = 'queued' OR (state = 'running' AND kind IN ('endpoint', 'gguf')))",
        )
        .bind(id)
        .bind(now_ms())
        .execute(&mut *tx)
        .await?;
        if done.rows_affected() == 0 {
            return Ok(false);
        }
        sqlx::query(
            "UPDATE jobs SET state = 'cancelled', finished_ms = $3, lease_owner = NULL, lease_until_ms = NULL \
             WHERE kind = $1 AND subject_id = $2 AND state IN ('queued', 'running')",
        )
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
}
