//! Matchmaking events (对接会): an event and the published demands and solutions it presents.

use jiebang_core::catalogue::{MatchEvent, MatchEventInput};
use serde::Serialize;
use sqlx::Row;

use crate::{Result, Store, StoreError, audit, now_text};

/// A stored event with what it presents.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct MatchEventRecord {
    /// Id.
    pub id: i64,
    /// The event.
    pub event: MatchEvent,
    /// Its demands, by id.
    pub demand_ids: Vec<i64>,
    /// Its solutions, by id.
    pub solution_ids: Vec<i64>,
}

impl Store {
    /// Enters an event, every problem at once.
    pub async fn create_match_event(&self, input: &MatchEventInput, actor: i64) -> Result<MatchEventRecord> {
        let event = input.validate()?;
        let mut tx = self.begin_write().await?;
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO match_events (name, input, created_by, created_at) VALUES ($1, $2, $3, $4) RETURNING id",
        )
        .bind(&event.name)
        .bind(serde_json::to_string(input).map_err(StoreError::corrupt)?)
        .bind(actor)
        .bind(now_text())
        .fetch_one(&mut *tx)
        .await?;
        audit::append(
            &mut tx,
            self.backend,
            Some(actor),
            "match_event.create",
            &format!("match_event:{id}"),
            serde_json::json!({"name": event.name}),
        )
        .await?;
        tx.commit().await?;
        self.get_match_event(id).await
    }

    /// Adds demands and solutions to an event (those already in it stay once). A demand must be
    /// open (征集中 or 对接中); every one that is not is named.
    pub async fn add_to_match_event(
        &self,
        id: i64,
        demand_ids: &[i64],
        solution_ids: &[i64],
        actor: i64,
    ) -> Result<MatchEventRecord> {
        self.get_match_event(id).await?;
        let mut problems = Vec::new();
        for (i, demand) in demand_ids.iter().enumerate() {
            match self.get_demand(*demand).await {
                Ok(record) if record.state.is_open() => {}
                Ok(record) => problems.push(jiebang_core::FieldError::new(
                    format!("demand_ids[{i}]"),
                    format!("需求{}，不能上对接会 / demand {demand} is not open", record.state.label_zh()),
                )),
                Err(StoreError::NotFound { .. }) => problems.push(jiebang_core::FieldError::new(
                    format!("demand_ids[{i}]"),
                    format!("需求 {demand} 不存在 / demand {demand} not found"),
                )),
                Err(error) => return Err(error),
            }
        }
        for (i, solution) in solution_ids.iter().enumerate() {
            if let Err(StoreError::NotFound { .. }) = self.get_solution(*solution).await {
                problems.push(jiebang_core::FieldError::new(
                    format!("solution_ids[{i}]"),
                    format!("方案 {solution} 不存在 / solution {solution} not found"),
                ));
            }
        }
        if !problems.is_empty() {
            return Err(jiebang_core::Error::Invalid(problems).into());
        }
        let mut tx = self.begin_write().await?;
        for demand in demand_ids {
            sqlx::query("INSERT INTO match_event_demands (event_id, demand_id) VALUES ($1, $2) ON CONFLICT DO NOTHING")
                .bind(id)
                .bind(demand)
                .execute(&mut *tx)
                .await?;
        }
        for solution in solution_ids {
            sqlx::query(
                "INSERT INTO match_event_solutions (event_id, solution_id) VALUES ($1, $2) ON CONFLICT DO NOTHING",
            )
            .bind(id)
            .bind(solution)
            .execute(&mut *tx)
            .await?;
        }
        audit::append(
            &mut tx,
            self.backend,
            Some(actor),
            "match_event.add",
            &format!("match_event:{id}"),
            serde_json::json!({"demands": demand_ids, "solutions": solution_ids}),
        )
        .await?;
        tx.commit().await?;
        self.get_match_event(id).await
    }

    /// An event.
    pub async fn get_match_event(&self, id: i64) -> Result<MatchEventRecord> {
        let row = sqlx::query("SELECT id, input FROM match_events WHERE id = $1")
            .bind(id)
            .fetch_optional(&self.pool)
            .await?
            .ok_or(StoreError::NotFound { entity: "match event", id: id.to_string() })?;
        let input: MatchEventInput =
            serde_json::from_str(&row.try_get::<String, _>("input")?).map_err(StoreError::corrupt)?;
        let demand_ids: Vec<i64> =
            sqlx::query_scalar("SELECT demand_id FROM match_event_demands WHERE event_id = $1 ORDER BY demand_id")
                .bind(id)
                .fetch_all(&self.pool)
                .await?;
        let solution_ids: Vec<i64> = sqlx::query_scalar(
            "SELECT solution_id FROM match_event_solutions WHERE event_id = $1 ORDER BY solution_id",
        )
        .bind(id)
        .fetch_all(&self.pool)
        .await?;
        Ok(MatchEventRecord { id, event: input.validate().map_err(StoreError::corrupt)?, demand_ids, solution_ids })
    }

    /// Every event, the latest first.
    pub async fn list_match_events(&self) -> Result<Vec<MatchEventRecord>> {
        let ids: Vec<i64> =
            sqlx::query_scalar("SELECT id FROM match_events ORDER BY id DESC").fetch_all(&self.pool).await?;
        let mut events = Vec::with_capacity(ids.len());
        for id in ids {
            events.push(self.get_match_event(id).await?);
        }
        Ok(events)
    }
}
