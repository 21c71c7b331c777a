//! The model service's records: a team's consent to publish its delivered GGUF model, and the
//! organizers' publication of it, which lets signed-in users try the model on the platform.

use super::*;

/// A delivered model's publication state.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Publication {
    /// The submission (a scored GGUF model).
    pub submission_id: i64,
    /// When its team consented (CST text).
    pub consented_at: String,
    /// When the organizers published it; `None` while it is not published.
    pub published_at: Option<String>,
}

/// A published model as the model service lists it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PublishedModel {
    /// The submission.
    pub submission_id: i64,
    /// The team's unit.
    pub organization_name: String,
    /// The challenge it was delivered to (whose contract says how it is served).
    pub challenge_id: i64,
    /// The challenge's code.
    pub challenge_code: String,
    /// The challenge's name.
    pub challenge_name: String,
    /// The delivered file's name.
    pub file_name: String,
    /// Its size.
    pub file_size: i64,
    /// Its sha256.
    pub file_sha256: String,
    /// Where the file store keeps it.
    #[serde(skip)]
    pub file_key: String,
    /// When it was published.
    pub published_at: String,
}

impl Store {
    /// Records that the team of `submission_id` agrees to its model's publication (by one of
    /// its applicants, checked by the caller). Only a scored GGUF model can be published.
    pub async fn consent_to_publication(&self, submission_id: i64, user_id: i64) -> Result<Publication> {
        let submission = self.get_submission(submission_id).await?;
        publishable(&submission)?;
        let mut tx = self.begin_write().await?;
        sqlx::query(
            "INSERT INTO model_publications (submission_id, consented_by, consented_at) VALUES ($1, $2, $3) \
             ON CONFLICT (submission_id) DO NOTHING",
        )
        .bind(submission_id)
        .bind(user_id)
        .bind(now_text())
        .execute(&mut *tx)
        .await?;
        audit::append(
            &mut tx,
            self.backend,
            Some(user_id),
            "model.consent",
            &format!("submission:{submission_id}"),
            serde_json::json!({}),
        )
        .await?;
        tx.commit().await?;
        self.publication(submission_id).await?.ok_or_else(|| StoreError::not_found("publication", submission_id))
    }

    /// Publishes (or, with `published` false, withdraws) a model whose team consented.
    pub async fn set_published(&self, submission_id: i64, user_id: i64, published: bool) -> Result<Publication> {
        let submission = self.get_submission(submission_id).await?;
        publishable(&submission)?;
        let mut tx = self.begin_write().await?;
        let (at, by) = if published { (Some(now_text()), Some(user_id)) } else { (None, None) };
        let changed =
            sqlx::query("UPDATE model_publications SET published_at = $2, published_by = $3 WHERE submission_id = $1")
                .bind(submission_id)
                .bind(at)
                .bind(by)
                .execute(&mut *tx)
                .await?
                .rows_affected();
        if changed == 0 {
            return Err(StoreError::refused("团队尚未同意公开此模型 / the team has not agreed to publish this model"));
        }
        let action = if published { "model.publish" } else { "model.unpublish" };
        audit::append(
            &mut tx,
            self.backend,
            Some(user_id),
            action,
            &format!("submission:{submission_id}"),
            serde_json::json!({}),
        )
        .await?;
        tx.commit().await?;
        self.publication(submission_id).await?.ok_or_else(|| StoreError::not_found("publication", submission_id))
    }

    /// A submission's publication state, if its team consented.
    pub async fn publication(&self, submission_id: i64) -> Result<Option<Publication>> {
        let row: Option<(String, Option<String>)> =
            sqlx::query_as("SELECT consented_at, published_at FROM model_publications WHERE submission_id = $1")
                .bind(submission_id)
                .fetch_optional(&self.pool)
                .await?;
        Ok(row.map(|(consented_at, published_at)| Publication { submission_id, consented_at, published_at }))
    }

    /// The published models, newest first.
    pub async fn published_models(&self) -> Result<Vec<PublishedModel>> {
        let rows = sqlx::query(
            "SELECT s.id, o.name AS organization_name, c.id AS challenge_id, c.code, c.title, \
             COALESCE(s.upload_name, f.name) AS file_name, f.size, f.sha256, f.key, m.published_at \
             FROM model_publications m JOIN submissions s ON s.id = m.submission_id \
             JOIN organizations o ON o.id = s.organization_id JOIN files f ON f.id = s.file_id \
             JOIN phases p ON p.id = s.phase_id JOIN challenges c ON c.id = p.challenge_id \
             WHERE m.published_at IS NOT NULL ORDER BY m.published_at DESC, s.id DESC",
        )
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|row| {
                Ok(PublishedModel {
                    submission_id: row.try_get("id")?,
                    organization_name: row.try_get("organization_name")?,
                    challenge_id: row.try_get("challenge_id")?,
                    challenge_code: row.try_get("code")?,
                    challenge_name: row.try_get("title")?,
                    file_name: row.try_get("file_name")?,
                    file_size: row.try_get("size")?,
                    file_sha256: row.try_get("sha256")?,
                    file_key: row.try_get("key")?,
                    published_at: row.try_get("published_at")?,
                })
            })
            .collect()
    }
}

/// Only a scored GGUF model can be published.
fn publishable(submission: &Submission) -> Result<()> {
    if submission.kind != SubmissionKind::Gguf || submission.state != SubmissionState::Scored {
        return Err(StoreError::refused(
            "只有评测完成的 GGUF 模型可以公开 / only a scored GGUF model can be published",
        ));
    }
    Ok(())
}
