//! The organization register.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use jiebang_core::organization::OrganizationInput;

use serde::Deserialize;

use super::Paging;
use super::views::{OrganizationView, PageView};
use crate::AppState;
use crate::auth::Viewer;
use crate::error::{ApiError, ApiJson, ApiPath, ApiQuery};

/// `?q=` filter.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
pub struct OrgQuery {
    /// Part of the name or credit code.
    pub q: Option<String>,
}

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
    Ok((StatusCode::CREATED, Json(register(&state, &viewer, input).await?.into())))
}

/// Registers an organization: verified at once when an admin does it; otherwise it waits for
/// an admin or its region's recommender, and only then does the registrant act for it (so
/// nobody makes themselves the applicant of a unit they are not). The API's and the page's
/// one path.
pub(crate) async fn register(
    state: &AppState,
    viewer: &Viewer,
    input: OrganizationInput,
) -> Result<jiebang_store::Organization, ApiError> {
    let authed = viewer.require_that(|p| p.can_create_organization())?;
    let org = input.validate()?;
    Ok(if authed.principal.is_admin() {
        state.store.create_organization(&org, Some(authed.user.id)).await?
    } else {
        state.store.register_organization(&org, authed.user.id).await?
    })
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

/// Whether `viewer` may verify `org`: admins, and recommenders of its region.
pub(crate) fn may_verify(viewer: &Viewer, org: &jiebang_store::Organization) -> bool {
    viewer.require().is_ok_and(|a| a.principal.is_admin() || a.principal.can_recommend_in(&org.region_code))
}

/// Verifies a waiting organization: the API's and the register page's one path.
pub(crate) async fn verify_organization(
    state: &AppState,
    viewer: &Viewer,
    id: i64,
) -> Result<jiebang_store::Organization, ApiError> {
    let authed = viewer.require()?;
    let org = state.store.get_organization(id).await?;
    if !may_verify(viewer, &org) {
        return Err(ApiError::Forbidden);
    }
    Ok(state.store.verify_organization(id, authed.user.id).await?)
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
