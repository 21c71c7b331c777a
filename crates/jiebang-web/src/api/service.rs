//! The model service over the API: consent and publication of a scored GGUF model, the list of
//! published models, and a question put to one.

use axum::Json;
use axum::extract::State;
use jiebang_store::{Publication, PublishedModel};
use serde::{Deserialize, Serialize};

use crate::AppState;
use crate::app::service::Turn;
use crate::auth::Viewer;
use crate::error::{ApiError, ApiJson, ApiPath};

/// The team agrees to its scored GGUF model's publication (an applicant of the team).
#[utoipa::path(post, path = "/api/v1/submissions/{id}/consent", responses((status = 200, body = Publication), (status = 403, body = crate::error::ErrorEnvelope), (status = 409, body = crate::error::ErrorEnvelope)), security(("token" = [])))]
pub(super) async fn consent(
    State(state): State<AppState>,
    viewer: Viewer,
    ApiPath(id): ApiPath<i64>,
) -> Result<Json<Publication>, ApiError> {
    Ok(Json(crate::app::service::consent(&state, &viewer, id).await?))
}

/// The organizers publish a model whose team agreed (409 otherwise).
#[utoipa::path(post, path = "/api/v1/submissions/{id}/publication", responses((status = 200, body = Publication), (status = 403, body = crate::error::ErrorEnvelope), (status = 409, body = crate::error::ErrorEnvelope)), security(("token" = [])))]
pub(super) async fn publish(
    State(state): State<AppState>,
    viewer: Viewer,
    ApiPath(id): ApiPath<i64>,
) -> Result<Json<Publication>, ApiError> {
    Ok(Json(crate::app::service::publish(&state, &viewer, id, true).await?))
}

/// The organizers withdraw a published model.
#[utoipa::path(delete, path = "/api/v1/submissions/{id}/publication", responses((status = 200, body = Publication), (status = 403, body = crate::error::ErrorEnvelope), (status = 409, body = crate::error::ErrorEnvelope)), security(("token" = [])))]
pub(super) async fn unpublish(
    State(state): State<AppState>,
    viewer: Viewer,
    ApiPath(id): ApiPath<i64>,
) -> Result<Json<Publication>, ApiError> {
    Ok(Json(crate::app::service::publish(&state, &viewer, id, false).await?))
}

/// The published models, newest first (public).
#[utoipa::path(get, path = "/api/v1/models", responses((status = 200, body = Vec<PublishedModel>)))]
pub(super) async fn list_models(State(state): State<AppState>) -> Result<Json<Vec<PublishedModel>>, ApiError> {
    Ok(Json(state.store.published_models().await?))
}

/// A conversation put to a published model.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub(super) struct ChatRequest {
    /// The turns so far, the user's first and last.
    messages: Vec<Turn>,
}

/// The model's answer.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub(super) struct ChatAnswer {
    /// What it said.
    answer: String,
}

/// Asks a published model (signed-in users, 20 questions in 10 minutes; 429 beyond).
#[utoipa::path(post, path = "/api/v1/models/{id}/chat", request_body = ChatRequest, responses((status = 200, body = ChatAnswer), (status = 404, body = crate::error::ErrorEnvelope), (status = 422, body = crate::error::ErrorEnvelope), (status = 429, body = crate::error::ErrorEnvelope), (status = 503, body = crate::error::ErrorEnvelope)), security(("token" = [])))]
pub(super) async fn chat(
    State(state): State<AppState>,
    viewer: Viewer,
    ApiPath(id): ApiPath<i64>,
    ApiJson(request): ApiJson<ChatRequest>,
) -> Result<Json<ChatAnswer>, ApiError> {
    let authed = viewer.require()?;
    let answer = crate::app::service::ask(&state, authed, id, &request.messages).await?;
    Ok(Json(ChatAnswer { answer }))
}
