//! The organization register.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use jiebang_core::organization::OrganizationInput;

use crate::AppState;
use crate::app::organizations::{OrgQuery, register, verify_organization};
use crate::app::views::{OrganizationView, PageView, Paging};
use crate::auth::Viewer;
use crate::error::{ApiError, ApiJson, ApiPath, ApiQuery};

/// Registered organizations (signed-in users).
#[utoipa::path(get, path = "/api/v1/organizations", params(OrgQuery, Paging),
    responses((status = 200, body = PageView<OrganizationView>)), security(("token" = [])))]
pub(super) async fn list_organizations(
    State(state): State<AppState>,
    viewer: Viewer,
    ApiQuery(query): ApiQuery<OrgQuery>,
    ApiQuery(paging): ApiQuery<Paging>,
) -> Result<Json<PageView<OrganizationView>>, ApiError> {
    viewer.require()?;
    let page =
        state.store.list_organizations(query.q.as_deref().filter(|q| !q.trim().is_empty()), paging.request()).await?;
    Ok(Json(PageView::from_page(page, OrganizationView::from)))
}

/// Registers an organization; the caller becomes an applicant acting for it.
#[utoipa::path(post, path = "/api/v1/organizations", request_body = OrganizationInput,
    responses((status = 201, body = OrganizationView), (status = 409, body = crate::error::ErrorEnvelope),
              (status = 422, body = crate::error::ErrorEnvelope)), security(("token" = [])))]
pub(super) async fn create_organization(
    State(state): State<AppState>,
    viewer: Viewer,
    ApiJson(input): ApiJson<OrganizationInput>,
) -> Result<(StatusCode, Json<OrganizationView>), ApiError> {
    Ok((StatusCode::CREATED, Json(register(&state, &viewer, input, None).await?.into())))
}

/// Verifies a waiting organization (admins, and recommenders of its region): its registrant
/// becomes its applicant.
#[utoipa::path(post, path = "/api/v1/organizations/{id}/verification", responses((status = 200, body = OrganizationView), (status = 403, body = crate::error::ErrorEnvelope), (status = 409, body = crate::error::ErrorEnvelope)), security(("token" = [])))]
pub(super) async fn verify(
    State(state): State<AppState>,
    viewer: Viewer,
    ApiPath(id): ApiPath<i64>,
) -> Result<Json<OrganizationView>, ApiError> {
    Ok(Json(verify_organization(&state, &viewer, id).await?.into()))
}

/// One organization (signed-in users).
#[utoipa::path(get, path = "/api/v1/organizations/{id}", responses((status = 200, body = OrganizationView)), security(("token" = [])))]
pub(super) async fn get_organization(
    State(state): State<AppState>,
    viewer: Viewer,
    ApiPath(id): ApiPath<i64>,
) -> Result<Json<OrganizationView>, ApiError> {
    viewer.require()?;
    Ok(Json(state.store.get_organization(id).await?.into()))
}
