//! The acceptance experts (验收专家): the organizer asks experts of the pool who have no tie to
//! the lead unit; each gives one opinion per acceptance round — the conclusion it recommends
//! and why — while the acceptance is under review. The organizer records the conclusion.

use jiebang_core::project::{Conclusion, ProjectState};
use serde::Serialize;
use sqlx::Row;

use super::decode;
use crate::notifications::{Audience, notify};
use crate::{Result, Store, StoreError, audit, now_text};

/// An expert's acceptance opinion.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AcceptanceOpinion {
    /// The expert (of the pool).
    pub expert_id: i64,
    /// Their name.
    pub expert_name: String,
    /// The acceptance round: the day the lead unit applied.
    pub round: String,
    /// The conclusion recommended.
    pub recommended: Conclusion,
    /// Why.
    pub opinion: String,
    /// When (CST text).
    pub given_at: String,
}

impl Store {
    /// The organizer asks an expert of the pool for an acceptance opinion, while acceptance is
    /// applied for, tested or reviewed. An expert tied to the lead unit (now or before) is refused.
    pub async fn assign_acceptance_expert(&self, project_id: i64, expert_id: i64, actor: i64) -> Result<()> {
        let project = self.get_project(project_id).await?;
        use ProjectState as S;
        if !matches!(project.state, S::AcceptanceApplied | S::Testing | S::AcceptanceReview) {
            return Err(StoreError::refused(
                "验收申请后、评审结束前方可邀请验收专家 / experts are asked between the application and the conclusion",
            ));
        }
        let expert = self.get_expert(expert_id).await?;
        let lead = project.lead_organization_id;
        if expert.current_organizations.contains(&lead) || expert.past_organizations.contains(&lead) {
            return Err(StoreError::refused(format!(
                "{} 与牵头单位有关联，应当回避 / {} is tied to the lead unit and must stand aside",
                expert.name, expert.name
            )));
        }
        let mut tx = self.begin_write().await?;
        sqlx::query(
            "INSERT INTO acceptance_experts (project_id, expert_id, designated_by, designated_at) VALUES ($1, $2, $3, $4) \
             ON CONFLICT DO NOTHING",
        )
        .bind(project_id)
        .bind(expert_id)
        .bind(actor)
        .bind(now_text())
        .execute(&mut *tx)
        .await?;
        let title = format!("验收评审邀请：{} / Acceptance review: {}", project.name, project.name);
        let link = format!("/projects/{project_id}");
        notify(&mut tx, Audience::Users(&[expert.user_id]), "project.acceptance_expert", &title, "", &link).await?;
        audit::append(
            &mut tx,
            self.backend,
            Some(actor),
            "project.acceptance_expert",
            &format!("project:{project_id}"),
            serde_json::json!({"expert": expert_id}),
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// The experts asked for an opinion: (expert id, user id, name).
    pub async fn acceptance_experts(&self, project_id: i64) -> Result<Vec<(i64, i64, String)>> {
        let rows = sqlx::query(
            "SELECT e.id, e.user_id, e.name FROM acceptance_experts ae JOIN experts e ON e.id = ae.expert_id \
             WHERE ae.project_id = $1 ORDER BY e.id",
        )
        .bind(project_id)
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(|r| Ok((r.try_get("id")?, r.try_get("user_id")?, r.try_get("name")?))).collect()
    }

    /// An asked expert gives their opinion while the acceptance is reviewed, once a round.
    pub async fn give_acceptance_opinion(
        &self,
        project_id: i64,
        expert_id: i64,
        recommended: Conclusion,
        opinion: &str,
    ) -> Result<AcceptanceOpinion> {
        let project = self.get_project(project_id).await?;
        if project.state != ProjectState::AcceptanceReview {
            return Err(StoreError::refused(format!(
                "项目{}，不在验收评审中 / the acceptance is not under review",
                project.state.label_zh()
            )));
        }
        if !self.acceptance_experts(project_id).await?.iter().any(|(id, ..)| *id == expert_id) {
            return Err(StoreError::refused("未受邀参加本项目验收评审 / not asked for this acceptance"));
        }
        if opinion.trim().is_empty() {
            return Err(jiebang_core::Error::invalid("opinion", "请写明评审意见 / give the opinion").into());
        }
        let round = project.acceptance_applied_on.map(|d| d.to_string()).unwrap_or_default();
        let mut tx = self.begin_write().await?;
        let inserted = sqlx::query(
            "INSERT INTO acceptance_opinions (project_id, expert_id, round, recommended, opinion, given_at) \
             VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT DO NOTHING",
        )
        .bind(project_id)
        .bind(expert_id)
        .bind(&round)
        .bind(recommended.as_str())
        .bind(opinion.trim())
        .bind(now_text())
        .execute(&mut *tx)
        .await?
        .rows_affected();
        if inserted == 0 {
            return Err(StoreError::refused("本轮验收已提交意见 / the opinion for this round is given"));
        }
        let title = format!("验收专家意见：{} / Expert opinion: {}", project.name, project.name);
        let link = format!("/projects/{project_id}");
        notify(&mut tx, Audience::Organizers(project.program_id), "project.acceptance_opinion", &title, "", &link)
            .await?;
        tx.commit().await?;
        let opinions = self.acceptance_opinions(project_id).await?;
        opinions
            .into_iter()
            .rev()
            .find(|o| o.expert_id == expert_id)
            .ok_or_else(|| StoreError::not_found("opinion", expert_id))
    }

    /// Every opinion given, oldest first.
    pub async fn acceptance_opinions(&self, project_id: i64) -> Result<Vec<AcceptanceOpinion>> {
        let rows = sqlx::query(
            "SELECT o.*, e.name FROM acceptance_opinions o JOIN experts e ON e.id = o.expert_id \
             WHERE o.project_id = $1 ORDER BY o.id",
        )
        .bind(project_id)
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|row| {
                let recommended: String = row.try_get("recommended")?;
                Ok(AcceptanceOpinion {
                    expert_id: row.try_get("expert_id")?,
                    expert_name: row.try_get("name")?,
                    round: row.try_get("round")?,
                    recommended: Conclusion::parse("recommended", &recommended).map_err(decode)?,
                    opinion: row.try_get("opinion")?,
                    given_at: row.try_get("given_at")?,
                })
            })
            .collect()
    }
}
