//! Projects after the announcement (揭榜攻关项目): one per application on the announced list,
//! created by the organizers, carrying the indicators its team committed to — read from the
//! submitted application and frozen with its snapshot's hash — and moved only by
//! [`jiebang_core::project::ProjectState::apply`], each step recorded and audited.

use jiebang_core::application::ApplicationState;
use jiebang_core::indicator::Weighting;
use jiebang_core::program::ProgramStatus;
use jiebang_core::project::{CommittedIndicator, Conclusion, Party, ProjectAction, ProjectState};
use serde::Serialize;
use sqlx::Row;
use sqlx::any::AnyRow;

use crate::{ApplicationFilter, Result, Store, StoreError, audit, now_text};

/// A project as stored.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Project {
    /// Id.
    pub id: i64,
    /// The selected application it comes from.
    pub application_id: i64,
    /// Program.
    pub program_id: i64,
    /// Challenge.
    pub challenge_id: i64,
    /// The lead unit (乙方).
    pub lead_organization_id: i64,
    /// 项目名称, from the application.
    pub name: String,
    /// Where it is.
    pub state: ProjectState,
    /// The committed indicators, frozen.
    pub committed: Vec<CommittedIndicator>,
    /// The submitted application's snapshot hash the commitments come from.
    pub snapshot_sha256: String,
    /// The acceptance conclusion, once recorded.
    pub conclusion: Option<Conclusion>,
    /// Created (CST text).
    pub created_at: String,
    /// Last changed.
    pub updated_at: String,
}

/// One step of a project's history.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ProjectEvent {
    /// What was done.
    pub action: ProjectAction,
    /// From.
    pub from_state: ProjectState,
    /// To.
    pub to_state: ProjectState,
    /// Who did it.
    pub actor: Option<i64>,
    /// Why, as written.
    pub reason: String,
    /// When (CST text).
    pub at: String,
}

impl Store {
    /// Creates a project for every application on the announced list of `program_id` that has
    /// none yet (so it is safe to run again): its committed indicators are the application's
    /// commitments against the challenge's indicators, a hard indicator being a key one.
    /// Returns the program's projects.
    pub async fn create_projects(&self, program_id: i64, actor: i64) -> Result<Vec<Project>> {
        let program = self.get_program(program_id).await?;
        if program.status != ProgramStatus::Announced {
            return Err(StoreError::refused("榜单公告后方可立项 / projects are created once the list is announced"));
        }
        let filter = ApplicationFilter { states: Some(vec![ApplicationState::Selected]), ..Default::default() };
        let selected = self.list_applications(program_id, &filter).await?;
        let mut tx = self.begin_write().await?;
        for application in &selected {
            let exists: Option<i64> = sqlx::query_scalar("SELECT id FROM projects WHERE application_id = $1")
                .bind(application.id)
                .fetch_optional(&mut *tx)
                .await?;
            if exists.is_some() {
                continue;
            }
            let challenge = self.get_challenge(application.challenge_id).await?;
            let committed: Vec<CommittedIndicator> = challenge
                .challenge
                .indicators
                .iter()
                .filter_map(|indicator| {
                    let value = application
                        .input
                        .commitments
                        .iter()
                        .find(|c| c.indicator.trim() == indicator.name)
                        .map(|c| c.value)?;
                    Some(CommittedIndicator {
                        name: indicator.name.clone(),
                        target: indicator.expr.clone(),
                        committed: value,
                        key: matches!(indicator.weighting, Weighting::Hard),
                    })
                })
                .collect();
            let now = now_text();
            let id: i64 = sqlx::query_scalar(
                "INSERT INTO projects (application_id, program_id, challenge_id, lead_organization_id, name, state, \
                 committed, snapshot_sha256, created_at, updated_at) \
                 SELECT id, program_id, challenge_id, lead_organization_id, project_name, $2, $3, $4, $5, $5 \
                 FROM applications WHERE id = $1 RETURNING id",
            )
            .bind(application.id)
            .bind(ProjectState::Drafting.as_str())
            .bind(serde_json::to_string(&committed).map_err(decode)?)
            .bind(application.snapshot_sha256.clone().unwrap_or_default())
            .bind(&now)
            .fetch_one(&mut *tx)
            .await?;
            audit::append(
                &mut tx,
                self.backend,
                Some(actor),
                "project.create",
                &format!("project:{id}"),
                serde_json::json!({"application": application.id, "committed": committed.len()}),
            )
            .await?;
        }
        tx.commit().await?;
        self.list_projects(program_id).await
    }

    /// A program's projects, in application order.
    pub async fn list_projects(&self, program_id: i64) -> Result<Vec<Project>> {
        let rows = sqlx::query("SELECT * FROM projects WHERE program_id = $1 ORDER BY application_id")
            .bind(program_id)
            .fetch_all(&self.pool)
            .await?;
        rows.iter().map(project).collect()
    }

    /// One project.
    pub async fn get_project(&self, id: i64) -> Result<Project> {
        let row = sqlx::query("SELECT * FROM projects WHERE id = $1")
            .bind(id)
            .fetch_optional(&self.pool)
            .await?
            .ok_or_else(|| StoreError::not_found("project", id))?;
        project(&row)
    }

    /// Takes a step on a project as `party` (checked by the caller against who `actor` is).
    /// `Conclude` needs the conclusion; `Designate` needs the recorded one to be 通过; every
    /// step but the routine ones needs a reason.
    pub async fn act_on_project(
        &self,
        id: i64,
        action: ProjectAction,
        party: Party,
        conclusion: Option<Conclusion>,
        reason: &str,
        actor: i64,
    ) -> Result<Project> {
        let reason = reason.trim();
        let current = self.get_project(id).await?;
        let to = current.state.apply(action, party)?;
        let conclusion = match (action, conclusion) {
            (ProjectAction::Conclude, None) => {
                return Err(StoreError::refused("作出结论须选择结论 / give the conclusion"));
            }
            (ProjectAction::Conclude, Some(conclusion)) => Some(conclusion),
            (ProjectAction::Designate, _) if current.conclusion != Some(Conclusion::Passed) => {
                return Err(StoreError::refused(
                    "只有验收通过的项目可认定为揭榜优胜 / only a project that passed acceptance can be named a winner",
                ));
            }
            _ => current.conclusion,
        };
        let needs_reason =
            matches!(action, ProjectAction::Rectify | ProjectAction::Terminate | ProjectAction::Reconsider);
        if needs_reason && reason.is_empty() {
            return Err(StoreError::refused("此操作须写明理由 / this step needs a reason"));
        }
        let mut tx = self.begin_write().await?;
        let now = now_text();
        // Only from the state read above: a concurrent step makes this one fail, not both apply.
        let moved = sqlx::query(
            "UPDATE projects SET state = $2, conclusion = $3, updated_at = $4 WHERE id = $1 AND state = $5",
        )
        .bind(id)
        .bind(to.as_str())
        .bind(conclusion.map(|c| c.as_str()))
        .bind(&now)
        .bind(current.state.as_str())
        .execute(&mut *tx)
        .await?
        .rows_affected();
        if moved == 0 {
            return Err(StoreError::refused(
                "项目状态已变化，请刷新后重试 / the project changed; reload and try again",
            ));
        }
        sqlx::query(
            "INSERT INTO project_events (project_id, action, from_state, to_state, actor, reason, at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7)",
        )
        .bind(id)
        .bind(action.as_str())
        .bind(current.state.as_str())
        .bind(to.as_str())
        .bind(actor)
        .bind(reason)
        .bind(&now)
        .execute(&mut *tx)
        .await?;
        audit::append(
            &mut tx,
            self.backend,
            Some(actor),
            &format!("project.{}", action.as_str()),
            &format!("project:{id}"),
            serde_json::json!({"from": current.state.as_str(), "to": to.as_str(), "conclusion": conclusion.map(|c| c.as_str())}),
        )
        .await?;
        tx.commit().await?;
        self.get_project(id).await
    }

    /// A project's steps, oldest first.
    pub async fn project_history(&self, id: i64) -> Result<Vec<ProjectEvent>> {
        let rows = sqlx::query("SELECT * FROM project_events WHERE project_id = $1 ORDER BY id")
            .bind(id)
            .fetch_all(&self.pool)
            .await?;
        rows.iter()
            .map(|row| {
                let named = |column: &str| -> Result<String> { Ok(row.try_get::<String, _>(column)?) };
                Ok(ProjectEvent {
                    action: ProjectAction::parse("action", &named("action")?).map_err(decode)?,
                    from_state: ProjectState::parse("from_state", &named("from_state")?).map_err(decode)?,
                    to_state: ProjectState::parse("to_state", &named("to_state")?).map_err(decode)?,
                    actor: row.try_get("actor")?,
                    reason: named("reason")?,
                    at: named("at")?,
                })
            })
            .collect()
    }
}

fn project(row: &AnyRow) -> Result<Project> {
    let committed: String = row.try_get("committed")?;
    let conclusion: Option<String> = row.try_get("conclusion")?;
    Ok(Project {
        id: row.try_get("id")?,
        application_id: row.try_get("application_id")?,
        program_id: row.try_get("program_id")?,
        challenge_id: row.try_get("challenge_id")?,
        lead_organization_id: row.try_get("lead_organization_id")?,
        name: row.try_get("name")?,
        state: ProjectState::parse("state", &row.try_get::<String, _>("state")?).map_err(decode)?,
        committed: serde_json::from_str(&committed).map_err(decode)?,
        snapshot_sha256: row.try_get("snapshot_sha256")?,
        conclusion: conclusion.map(|c| Conclusion::parse("conclusion", &c)).transpose().map_err(decode)?,
        created_at: row.try_get("created_at")?,
        updated_at: row.try_get("updated_at")?,
    })
}

/// A stored value that does not read back: the database's fault, as sqlx reports decoding.
fn decode(error: impl std::error::Error + Send + Sync + 'static) -> StoreError {
    StoreError::Database(sqlx::Error::Decode(Box::new(error)))
}
