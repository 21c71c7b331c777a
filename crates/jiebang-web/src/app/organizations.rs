//! The organization register.

use jiebang_core::organization::OrganizationInput;
use serde::Deserialize;

use crate::AppState;
use crate::app::access::may_verify;
use crate::auth::Viewer;
use crate::error::ApiError;

/// `?q=` filter.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
pub struct OrgQuery {
    /// Part of the name or credit code.
    pub q: Option<String>,
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
