//! Projects after the announcement: the organizers create them from the announced list, anyone
//! who sees the program reads them (their committed indicators are public), each step is taken by
//! its party — the lead unit's applicants for rectification reports and acceptance, the
//! organizers for the rest — and the history is the parties' own.

use jiebang_core::project::{Conclusion, Party, ProjectAction};
use jiebang_store::{Project, ProjectEvent};
use serde::Deserialize;

use crate::AppState;
use crate::app::access::{managed_program, visible_program};
use crate::auth::Viewer;
use crate::error::ApiError;

/// A step asked for.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
pub struct ProjectStep {
    /// What to do.
    pub action: ProjectAction,
    /// With `conclude`, the conclusion.
    #[serde(default)]
    pub conclusion: Option<Conclusion>,
    /// Why (needed for rectification, termination and review again).
    #[serde(default)]
    pub reason: String,
}

/// A program's projects, to anyone who sees the program.
pub(crate) async fn list(state: &AppState, viewer: &Viewer, program_id: i64) -> Result<Vec<Project>, ApiError> {
    visible_program(state, viewer, program_id).await?;
    Ok(state.store.list_projects(program_id).await?)
}

/// Creates the projects of the announced list (the organizers; again adds only new ones).
pub(crate) async fn create(state: &AppState, viewer: &Viewer, program_id: i64) -> Result<Vec<Project>, ApiError> {
    let (_, user) = managed_program(state, viewer, program_id).await?;
    Ok(state.store.create_projects(program_id, user).await?)
}

/// One project, to anyone who sees its program.
pub(crate) async fn get(state: &AppState, viewer: &Viewer, id: i64) -> Result<Project, ApiError> {
    let project = state.store.get_project(id).await?;
    visible_program(state, viewer, project.program_id).await?;
    Ok(project)
}

/// Whether the viewer is the project's party for `party`.
fn acts_as(viewer: &Viewer, project: &Project, party: Party) -> bool {
    viewer.principal().is_some_and(|p| match party {
        Party::Organizer => p.can_manage_program(project.program_id),
        Party::Lead => p.can_act_for(project.lead_organization_id),
    })
}

/// A step by its party; anyone else is refused.
pub(crate) async fn act(state: &AppState, viewer: &Viewer, id: i64, step: &ProjectStep) -> Result<Project, ApiError> {
    let project = get(state, viewer, id).await?;
    let authed = viewer.require()?;
    let party = step.action.party();
    if !acts_as(viewer, &project, party) {
        return Err(ApiError::Forbidden);
    }
    Ok(state.store.act_on_project(id, step.action, party, step.conclusion, &step.reason, authed.user.id).await?)
}

/// The steps taken, with their reasons: to the organizers and the lead unit.
pub(crate) async fn history(state: &AppState, viewer: &Viewer, id: i64) -> Result<Vec<ProjectEvent>, ApiError> {
    let project = get(state, viewer, id).await?;
    viewer.require()?;
    if !acts_as(viewer, &project, Party::Organizer) && !acts_as(viewer, &project, Party::Lead) {
        return Err(ApiError::Forbidden);
    }
    Ok(state.store.project_history(id).await?)
}
