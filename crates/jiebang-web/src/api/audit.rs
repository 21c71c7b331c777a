//! The audit chain's signed checkpoints, for anyone to keep and check (`jiebang verify`,
//! `docs/verify.md`): a later `jiebang audit verify --checkpoint FILE` proves the chain was
//! neither cut short nor rewritten since.

use axum::Json;
use axum::extract::State;

use crate::AppState;
use crate::app::audit::{CheckpointQuery, SignedCheckpoint, signed_checkpoints};
use crate::error::{ApiError, ApiQuery};

/// The newest signed checkpoints of the audit chain, newest first. Public.
#[utoipa::path(get, path = "/api/v1/audit/checkpoints", params(CheckpointQuery), responses((status = 200, body = Vec<SignedCheckpoint>)))]
pub(super) async fn checkpoints(
    State(state): State<AppState>,
    ApiQuery(query): ApiQuery<CheckpointQuery>,
) -> Result<Json<Vec<SignedCheckpoint>>, ApiError> {
    Ok(Json(signed_checkpoints(&state, query.limit.unwrap_or(20).clamp(1, 200)).await?))
}
