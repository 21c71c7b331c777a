//! Projects after the announcement over the API: the list, creation from the announced list, one
//! project, a step by its party, and the history.

use axum::Json;
use axum::extract::State;
use jiebang_store::{Project, ProjectEvent};

use crate::AppState;
use crate::app::projects::ProjectStep;
use crate::auth::Viewer;
use crate::error::{ApiError, ApiJson, ApiPath};

/// A program's projects (public once the program is).
#[utoipa::path(get, path = "/api/v1/programs/{id}/projects", responses((status = 200, body = Vec<Project>), (status = 404, body = crate::error::ErrorEnvelope)))]
pub(super) async fn list_projects(
    State(state): State<AppState>,
    viewer: Viewer,
    ApiPath(id): ApiPath<i64>,
) -> Result<Json<Vec<Project>>, ApiError> {
    Ok(Json(crate::app::projects::list(&state, &viewer, id).await?))
}

/// Creates a project for each application on the announced list that has none (organizers; 409
/// before the announcement).
#[utoipa::path(post, path = "/api/v1/programs/{id}/projects", responses((status = 200, body = Vec<Project>), (status = 403, body = crate::error::ErrorEnvelope), (status = 409, body = crate::error::ErrorEnvelope)), security(("token" = [])))]
pub(super) async fn create_projects(
    State(state): State<AppState>,
    viewer: Viewer,
    ApiPath(id): ApiPath<i64>,
) -> Result<Json<Vec<Project>>, ApiError> {
    Ok(Json(crate::app::projects::create(&state, &viewer, id).await?))
}

/// One project with its committed indicators.
#[utoipa::path(get, path = "/api/v1/projects/{id}", responses((status = 200, body = Project), (status = 404, body = crate::error::ErrorEnvelope)))]
pub(super) async fn get_project(
    State(state): State<AppState>,
    viewer: Viewer,
    ApiPath(id): ApiPath<i64>,
) -> Result<Json<Project>, ApiError> {
    Ok(Json(crate::app::projects::get(&state, &viewer, id).await?))
}

/// A step by its party (the lead unit: `resubmit`, `apply_acceptance`; the organizers: the
/// rest); 409 when the project's state does not allow it.
#[utoipa::path(post, path = "/api/v1/projects/{id}/actions", request_body = ProjectStep, responses((status = 200, body = Project), (status = 403, body = crate::error::ErrorEnvelope), (status = 409, body = crate::error::ErrorEnvelope)), security(("token" = [])))]
pub(super) async fn act_on_project(
    State(state): State<AppState>,
    viewer: Viewer,
    ApiPath(id): ApiPath<i64>,
    ApiJson(step): ApiJson<ProjectStep>,
) -> Result<Json<Project>, ApiError> {
    Ok(Json(crate::app::projects::act(&state, &viewer, id, &step).await?))
}

/// The steps taken, with their reasons (the organizers and the lead unit).
#[utoipa::path(get, path = "/api/v1/projects/{id}/history", responses((status = 200, body = Vec<ProjectEvent>), (status = 403, body = crate::error::ErrorEnvelope)), security(("token" = [])))]
pub(super) async fn project_history(
    State(state): State<AppState>,
    viewer: Viewer,
    ApiPath(id): ApiPath<i64>,
) -> Result<Json<Vec<ProjectEvent>>, ApiError> {
    Ok(Json(crate::app::projects::history(&state, &viewer, id).await?))
}
