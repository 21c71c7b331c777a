//! Dataset cards: entered once per name and version, optionally describing a challenge's dataset
//! version — and then held for evaluation only if the version has a hidden file, so the card of
//! a hidden test set can never offer its data.

use jiebang_core::dataset_card::{Access, DatasetCard, DatasetCardInput};
use serde::Serialize;
use sqlx::Row;

use crate::{Result, Store, StoreError, audit, now_text};

/// A stored dataset card.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct DatasetCardRecord {
    /// Id.
    pub id: i64,
    /// The card.
    pub card: DatasetCard,
    /// The challenge dataset version it describes.
    pub dataset_version_id: Option<i64>,
    /// That version's challenge.
    pub challenge_id: Option<i64>,
    /// Entered.
    pub created_at: String,
}

fn record(row: &sqlx::any::AnyRow, challenge_id: Option<i64>) -> Result<DatasetCardRecord> {
    let input: DatasetCardInput =
        serde_json::from_str(&row.try_get::<String, _>("input")?).map_err(StoreError::corrupt)?;
    Ok(DatasetCardRecord {
        id: row.try_get("id")?,
        card: input.validate().map_err(StoreError::corrupt)?,
        dataset_version_id: row.try_get("dataset_version_id")?,
        challenge_id,
        created_at: row.try_get("created_at")?,
    })
}

const SELECT: &str = "SELECT c.*, v.challenge_id AS version_challenge FROM dataset_cards c \
                      LEFT JOIN dataset_versions v ON v.id = c.dataset_version_id";

impl Store {
    /// Enters a card, every problem at once; a name and version is entered once, a dataset
    /// version has one card, and the card of a version with a hidden file is evaluation-only.
    pub async fn create_dataset_card(
        &self,
        input: &DatasetCardInput,
        dataset_version_id: Option<i64>,
        actor: Option<i64>,
    ) -> Result<DatasetCardRecord> {
        let card = input.validate()?;
        if let Some(version_id) = dataset_version_id {
            let version = self.get_dataset_version(version_id).await?;
            if version.files.iter().any(|f| f.hidden) && card.access != Access::EvaluationOnly {
                return Err(jiebang_core::Error::invalid(
                    "access",
                    "该数据集版本含隐藏测试文件，说明卡只能是「仅评测托管」 / the version holds hidden test files: its card is evaluation-only",
                )
                .into());
            }
        }
        let mut tx = self.begin_write().await?;
        let taken: Option<i64> = sqlx::query_scalar(
            "SELECT id FROM dataset_cards WHERE (name = $1 AND version = $2) OR dataset_version_id = $3",
        )
        .bind(&card.name)
        .bind(&card.version)
        .bind(dataset_version_id)
        .fetch_optional(&mut *tx)
        .await?;
        if taken.is_some() {
            return Err(StoreError::Conflict {
                field: "version".into(),
                message: format!(
                    "「{} {}」或该数据集版本已有说明卡 / '{} {}' or that dataset version already has a card",
                    card.name, card.version, card.name, card.version
                ),
            });
        }
        let now = now_text();
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO dataset_cards (name, version, input, dataset_version_id, created_by, created_at, updated_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $6) RETURNING id",
        )
        .bind(&card.name)
        .bind(&card.version)
        .bind(serde_json::to_string(input).map_err(StoreError::corrupt)?)
        .bind(dataset_version_id)
        .bind(actor)
        .bind(&now)
        .fetch_one(&mut *tx)
        .await?;
        audit::append(
            &mut tx,
            self.backend,
            actor,
            "dataset_card.create",
            &format!("dataset_card:{id}"),
            serde_json::json!({"name": card.name, "version": card.version}),
        )
        .await?;
        tx.commit().await?;
        self.get_dataset_card(id).await
    }

    /// A card.
    pub async fn get_dataset_card(&self, id: i64) -> Result<DatasetCardRecord> {
        let row = sqlx::query(sqlx::AssertSqlSafe(format!("{SELECT} WHERE c.id = $1")))
            .bind(id)
            .fetch_optional(&self.pool)
            .await?
            .ok_or(StoreError::NotFound { entity: "dataset card", id: id.to_string() })?;
        record(&row, row.try_get("version_challenge")?)
    }

    /// Every card, newest first.
    pub async fn list_dataset_cards(&self) -> Result<Vec<DatasetCardRecord>> {
        let rows =
            sqlx::query(sqlx::AssertSqlSafe(format!("{SELECT} ORDER BY c.id DESC"))).fetch_all(&self.pool).await?;
        rows.iter().map(|row| record(row, row.try_get("version_challenge")?)).collect()
    }

    /// The cards of a challenge's dataset versions.
    pub async fn challenge_dataset_cards(&self, challenge_id: i64) -> Result<Vec<DatasetCardRecord>> {
        let rows = sqlx::query(sqlx::AssertSqlSafe(format!("{SELECT} WHERE v.challenge_id = $1 ORDER BY v.version")))
            .bind(challenge_id)
            .fetch_all(&self.pool)
            .await?;
        rows.iter().map(|row| record(row, row.try_get("version_challenge")?)).collect()
    }
}
