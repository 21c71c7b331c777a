//! The audit chain's signed checkpoints, for anyone to keep and check (`jiebang verify`,
//! `docs/verify.md`): a later `jiebang audit verify --checkpoint FILE` proves the chain was
//! neither cut short nor rewritten since.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::AppState;
use crate::error::ApiError;

/// A signed checkpoint: the signature covers `checkpoint` in its RFC 8785 canonical form.
#[derive(Debug, Serialize, ToSchema)]
pub struct SignedCheckpoint {
    /// Its sequence number.
    pub id: i64,
    /// `{"platform", "at", "reason", "events", "head"}`: when, why (`daily`, `publicity`,
    /// `announcement`, `report`), how many events the chain held and the last one's hash.
    #[schema(value_type = Object)]
    pub checkpoint: serde_json::Value,
    /// `RFC8785`.
    pub canonicalization: &'static str,
    /// Ed25519 signature, hex.
    pub signature: String,
    /// The platform's public key, hex.
    pub public_key: String,
}

/// `?limit=`.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
pub struct CheckpointQuery {
    /// How many, newest first [default 20, at most 200].
    pub limit: Option<i64>,
}

/// The newest `limit` checkpoints as served.
pub(crate) async fn signed_checkpoints(state: &AppState, limit: i64) -> Result<Vec<SignedCheckpoint>, ApiError> {
    let public_key = state.signer.public_key_hex();
    Ok(state
        .store
        .list_checkpoints(limit)
        .await?
        .into_iter()
        .map(|c| SignedCheckpoint {
            id: c.id,
            checkpoint: c.checkpoint,
            canonicalization: jiebang_store::signing::CANONICALIZATION,
            signature: c.signature,
            public_key: public_key.clone(),
        })
        .collect())
}
