//! Programs and their challenge lists (发榜), including spreadsheet import and export.

use jiebang_core::industry::IndustryCode;
use jiebang_core::program::ProgramStatus;
use jiebang_core::region::RegionCode;
use jiebang_store::ChallengeFilter;
use serde::Deserialize;
use utoipa::ToSchema;

use crate::error::ApiError;

/// The state to move to.
#[derive(Debug, Deserialize, ToSchema)]
pub struct TransitionInput {
    /// Target status; must be one of the program's `next_statuses`.
    pub to: ProgramStatus,
}

/// List filters.
#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
pub struct ChallengeQuery {
    /// GB/T 4754 division code (e.g. `26`).
    pub industry: Option<String>,
    /// GB/T 2260 code; a city includes its districts.
    pub region: Option<String>,
    /// Exact 揭榜方向.
    pub direction: Option<String>,
    /// Text in code, title or scenario.
    pub q: Option<String>,
}

impl ChallengeQuery {
    /// Parses the filters; unknown codes are a 422 naming the parameter.
    pub(crate) fn filter(&self) -> Result<ChallengeFilter, ApiError> {
        let nonempty = |v: &Option<String>| v.as_deref().map(str::trim).filter(|v| !v.is_empty()).map(str::to_owned);
        let mut errors = Vec::new();
        let industry = nonempty(&self.industry).and_then(|i| IndustryCode::parse(&i).map_err(|e| errors.push(e)).ok());
        let region = nonempty(&self.region).and_then(|r| RegionCode::parse(&r).map_err(|e| errors.push(e)).ok());
        if !errors.is_empty() {
            return Err(ApiError::Invalid(errors));
        }
        Ok(ChallengeFilter { industry, region, direction: nonempty(&self.direction), text: nonempty(&self.q) })
    }
}

/// Why a challenge is taken off the list.
#[derive(Debug, Deserialize, ToSchema)]
pub struct ArchiveInput {
    /// Shown on the list beside the challenge (e.g. 无单位揭榜，流榜).
    pub reason: String,
}

/// `?format=`.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
pub struct ExportQuery {
    /// `xlsx` (default) or `csv`.
    pub format: Option<String>,
}
