//! What the leaderboards read: scored runs, the final selection, publishing the private split.

use super::*;
use crate::columns::record;

impl Store {
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
        rows.iter().map(|row| Ok((record::<Submission>(row)?, row.try_get::<String, _>("report")?))).collect()
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
}
