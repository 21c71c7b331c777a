//! Phases of a challenge's evaluation (dev, test …) and registration for them.

use jiebang_core::evaluation::PhaseInput;
use jiebang_store::Phase;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// A phase.
#[derive(Debug, Serialize, ToSchema)]
pub struct PhaseView {
    /// Id.
    pub id: i64,
    /// The challenge.
    pub challenge_id: i64,
    /// The dataset version it scores against.
    pub dataset_id: i64,
    /// The definition.
    #[serde(flatten)]
    pub input: PhaseInput,
    /// Whether the private split's results are published.
    pub private_published: bool,
}

impl From<Phase> for PhaseView {
    fn from(p: Phase) -> Self {
        Self {
            id: p.id,
            challenge_id: p.challenge_id,
            dataset_id: p.dataset_id,
            input: p.input,
            private_published: p.private_published,
        }
    }
}

/// A new phase: its definition and the dataset version it scores against.
#[derive(Debug, Deserialize, ToSchema)]
pub struct NewPhase {
    /// A dataset version of the same challenge.
    pub dataset_id: i64,
    /// The definition.
    #[serde(flatten)]
    pub input: PhaseInput,
}

/// The organization to register.
#[derive(Debug, Deserialize, ToSchema)]
pub struct Registration {
    /// An organization the caller acts for.
    pub organization_id: i64,
}
