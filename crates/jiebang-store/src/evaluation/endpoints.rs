//! Live model endpoints: the sealed key of an endpoint submission, and each run's finished
//! questions, kept one by one as they finish so a run resumed after a crash asks only the rest,
//! and the submission page can show how far it is.

use super::*;

/// How far an endpoint run is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct EndpointProgress {
    /// Which run.
    pub run: i64,
    /// Questions in the bank.
    pub total: i64,
    /// Questions finished, answered or failed.
    pub finished: i64,
    /// Of those, how many failed.
    pub failed: i64,
}

/// A finished question as kept ([`Store::record_endpoint_answer`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EndpointAnswer {
    /// The question's id.
    pub question_id: String,
    /// The job's claim that asked it (1 for the first; more after a resume).
    pub segment: i64,
    /// Finished, µs after its segment's first send.
    pub done_us: i64,
    /// Its transcript line.
    pub record: String,
}

impl Store {
    /// Queues an endpoint evaluation, as [`Store::create_submission`] queues a file: the
    /// uploaded file is `{base_url, model}`; `sealed_key` (from [`crate::secrets::Sealer`]) is
    /// stored with it in the same transaction. The contract must take endpoints.
    pub async fn create_endpoint_submission(
        &self,
        upload: &NewSubmission<'_>,
        sealed_key: Option<&str>,
    ) -> Result<Submission> {
        self.new_submission(SubmissionKind::Endpoint, upload, sealed_key).await
    }

    /// The sealed key of an endpoint submission, if it has one.
    pub async fn endpoint_key(&self, submission_id: i64) -> Result<Option<String>> {
        Ok(sqlx::query_scalar("SELECT sealed FROM endpoint_keys WHERE submission_id = $1")
            .bind(submission_id)
            .fetch_optional(&self.pool)
            .await?)
    }

    /// Records how many questions a run puts (again, unchanged, when it is resumed).
    pub async fn start_endpoint_run(&self, submission_id: i64, run: i64, total: i64) -> Result<()> {
        sqlx::query(
            "INSERT INTO endpoint_runs (submission_id, run, total) VALUES ($1, $2, $3) \
             ON CONFLICT (submission_id, run) DO UPDATE SET total = excluded.total",
        )
        .bind(submission_id)
        .bind(run)
        .bind(total)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// Keeps a finished question of `job`'s run while `worker` holds the job's lease.
    /// `Ok(false)` when it does not (lost, or the submission was cancelled): the worker stops.
    pub async fn record_endpoint_answer(
        &self,
        job: &Job,
        worker: &str,
        answer: &EndpointAnswer,
        failed: bool,
    ) -> Result<bool> {
        let held: Option<i64> =
            sqlx::query_scalar("SELECT id FROM jobs WHERE id = $1 AND state = 'running' AND lease_owner = $2")
                .bind(job.id)
                .bind(worker)
                .fetch_optional(&self.pool)
                .await?;
        if held.is_none() {
            return Ok(false);
        }
        sqlx::query(
            "INSERT INTO endpoint_answers (submission_id, run, question_id, segment, done_us, failed, record) \
             VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (submission_id, run, question_id) DO NOTHING",
        )
        .bind(job.subject_id)
        .bind(job.run)
        .bind(&answer.question_id)
        .bind(answer.segment)
        .bind(answer.done_us)
        .bind(i64::from(failed))
        .bind(&answer.record)
        .execute(&self.pool)
        .await?;
        Ok(true)
    }

    /// A run's finished questions, in the order they finished.
    pub async fn endpoint_answers(&self, submission_id: i64, run: i64) -> Result<Vec<EndpointAnswer>> {
        let rows: Vec<(String, i64, i64, String)> = sqlx::query_as(
            "SELECT question_id, segment, done_us, record FROM endpoint_answers \
             WHERE submission_id = $1 AND run = $2 ORDER BY segment, done_us, question_id",
        )
        .bind(submission_id)
        .bind(run)
        .fetch_all(&self.pool)
        .await?;
        Ok(rows
            .into_iter()
            .map(|(question_id, segment, done_us, record)| EndpointAnswer { question_id, segment, done_us, record })
            .collect())
    }

    /// Links a run's stored transcript (written by the worker before it records the report).
    pub async fn set_endpoint_transcript(&self, submission_id: i64, run: i64, file_id: i64) -> Result<()> {
        sqlx::query("UPDATE endpoint_runs SET transcript_file_id = $3 WHERE submission_id = $1 AND run = $2")
            .bind(submission_id)
            .bind(run)
            .bind(file_id)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// A run's transcript, once it was scored.
    pub async fn endpoint_transcript(&self, submission_id: i64, run: i64) -> Result<Option<StoredFile>> {
        let file_id: Option<Option<i64>> =
            sqlx::query_scalar("SELECT transcript_file_id FROM endpoint_runs WHERE submission_id = $1 AND run = $2")
                .bind(submission_id)
                .bind(run)
                .fetch_optional(&self.pool)
                .await?;
        match file_id.flatten() {
            Some(id) => Ok(Some(self.get_file(id).await?)),
            None => Ok(None),
        }
    }

    /// The progress of each of these submissions' latest endpoint run that has started.
    pub async fn endpoint_progress(&self, submission_ids: &[i64]) -> Result<HashMap<i64, EndpointProgress>> {
        let mut progress = HashMap::new();
        for chunk in submission_ids.chunks(500) {
            let sql = format!(
                "SELECT r.submission_id, r.run, r.total, \
                   (SELECT COUNT(*) FROM endpoint_answers a WHERE a.submission_id = r.submission_id AND a.run = r.run) AS finished, \
                   (SELECT COUNT(*) FROM endpoint_answers a WHERE a.submission_id = r.submission_id AND a.run = r.run AND a.failed = 1) AS failed \
                 FROM endpoint_runs r JOIN submissions s ON s.id = r.submission_id AND s.runs = r.run \
                 WHERE r.submission_id IN ({})",
                crate::placeholders(1, chunk.len())
            );
            let mut query = sqlx::query_as::<_, (i64, i64, i64, i64, i64)>(sqlx::AssertSqlSafe(sql));
            for id in chunk {
                query = query.bind(*id);
            }
            for (id, run, total, finished, failed) in query.fetch_all(&self.pool).await? {
                progress.insert(id, EndpointProgress { run, total, finished, failed });
            }
        }
        Ok(progress)
    }
}
