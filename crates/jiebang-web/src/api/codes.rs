//! Reference code tables: GB/T 2260 regions and GB/T 4754 industries.

use axum::Json;
use jiebang_core::industry::{INDUSTRIES, IndustryCode};
use jiebang_core::region::REGIONS;

use crate::app::views::CodeName;

/// Current GB/T 2260 regions known to the platform.
#[utoipa::path(get, path = "/api/v1/codes/regions", responses((status = 200, body = Vec<CodeName>)))]
pub(super) async fn list_regions() -> Json<Vec<CodeName>> {
    Json(REGIONS.iter().filter(|r| r.is_current()).map(CodeName::from).collect())
}

/// GB/T 4754-2017 divisions (大类).
#[utoipa::path(get, path = "/api/v1/codes/industries", responses((status = 200, body = Vec<CodeName>)))]
pub(super) async fn list_industries() -> Json<Vec<CodeName>> {
    Json(INDUSTRIES.iter().filter_map(|i| IndustryCode::parse(i.code).ok()).map(CodeName::from).collect())
}
