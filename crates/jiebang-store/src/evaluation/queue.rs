//! The job queue: claims with leases, results recorded by the lease holder only, retries, workers.

use super::*;
use crate::columns::record;

/// A job a worker holds.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
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

/// A submission's job kind.
pub const SCORE_SUBMISSION: &str = "score_submission";
pub(super) const MAX_ATTEMPTS: i64 = 3;

/// What a submission the platform could not score says.
pub(super) fn failed_message(reason: &str) -> String {
    format!("平台评测失败 / the platform failed to score it: {reason}")
}

/// Waiting time before retry `attempt` (1-based) of a job the platform failed: 2, 4, 8 … s.
pub(super) fn backoff_ms(attempt: i64) -> i64 {
    1000 << attempt.clamp(1, 10)
}

impl Store {
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

    /// Claims the oldest ready job for `worker` with a lease of `lease_ms`, and marks its
    /// submission running. `None` when nothing is ready.
    pub async fn claim_job(&self, worker: &str, lease_ms: i64) -> Result<Option<Job>> {
        self.claim(worker, lease_ms, "").await
    }

    /// [`Store::claim_job`] for a worker that scores prediction files only: a model that runs
    /// for its whole time limit then never holds up the files behind it.
    pub async fn claim_prediction_job(&self, worker: &str, lease_ms: i64) -> Result<Option<Job>> {
        self.claim_kinds(worker, lease_ms, &[SubmissionKind::Predictions]).await
    }

    /// [`Store::claim_job`] for a worker that takes submissions of these kinds only.
    pub async fn claim_kinds(&self, worker: &str, lease_ms: i64, kinds: &[SubmissionKind]) -> Result<Option<Job>> {
        let names: Vec<String> = kinds.iter().map(|k| format!("'{}'", k.as_str())).collect();
        // The names are the enum's own, never input.
        let only = format!(" AND subject_id IN (SELECT id FROM submissions WHERE kind IN ({}))", names.join(", "));
        self.claim(worker, lease_ms, &only).await
    }

    async fn claim(&self, worker: &str, lease_ms: i64, only: &str) -> Result<Option<Job>> {
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
        let job = record::<Job>(&row)?;
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
