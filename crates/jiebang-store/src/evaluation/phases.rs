//! Phases of a challenge's evaluation, the teams registered for it, and its delivery contract.

use super::*;

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

impl Store {
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
}
