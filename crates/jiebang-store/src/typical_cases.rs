//! Typical cases (典型案例), each filed under a typical scenario of the shipped guide or of an
//! imported edition.

use jiebang_core::scenario::{Scenario, TypicalCase, TypicalCaseInput};
use serde::Serialize;
use sqlx::Row;

use crate::{Result, Store, StoreError, audit, now_text};

/// A stored typical case.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TypicalCaseRecord {
    /// Id.
    pub id: i64,
    /// The case.
    pub case: TypicalCase,
}

fn typical_case(row: &sqlx::any::AnyRow, scenarios: &[Scenario]) -> Result<TypicalCaseRecord> {
    let input: TypicalCaseInput =
        serde_json::from_str(&row.try_get::<String, _>("input")?).map_err(StoreError::corrupt)?;
    let case = input.validate(scenarios).map_err(StoreError::corrupt)?;
    Ok(TypicalCaseRecord { id: row.try_get("id")?, case })
}

impl Store {
    /// Enters a typical case under a known scenario, every problem at once.
    pub async fn create_typical_case(&self, input: &TypicalCaseInput, actor: i64) -> Result<TypicalCaseRecord> {
        let case = input.validate(&self.scenarios().await?)?;
        let mut tx = self.begin_write().await?;
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO typical_cases (scenario, input, created_by, created_at) VALUES ($1, $2, $3, $4) RETURNING id",
        )
        .bind(&case.scenario)
        .bind(serde_json::to_string(input).map_err(StoreError::corrupt)?)
        .bind(actor)
        .bind(now_text())
        .fetch_one(&mut *tx)
        .await?;
        audit::append(
            &mut tx,
            self.backend,
            Some(actor),
            "typical_case.create",
            &format!("typical_case:{id}"),
            serde_json::json!({"title": case.title}),
        )
        .await?;
        tx.commit().await?;
        self.get_typical_case(id).await
    }

    /// A typical case.
    pub async fn get_typical_case(&self, id: i64) -> Result<TypicalCaseRecord> {
        let row = sqlx::query("SELECT id, input FROM typical_cases WHERE id = $1")
            .bind(id)
            .fetch_optional(&self.pool)
            .await?
            .ok_or(StoreError::NotFound { entity: "typical case", id: id.to_string() })?;
        typical_case(&row, &self.scenarios().await?)
    }

    /// Every typical case, by scenario and then as entered.
    pub async fn list_typical_cases(&self) -> Result<Vec<TypicalCaseRecord>> {
        let rows =
            sqlx::query("SELECT id, input FROM typical_cases ORDER BY scenario, id").fetch_all(&self.pool).await?;
        let scenarios = self.scenarios().await?;
        rows.iter().map(|row| typical_case(row, &scenarios)).collect()
    }
}
