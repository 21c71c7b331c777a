//! The organization register (单位注册): registration with the licence, verification or
//! rejection with a reason, and the unit administrator's colleagues.

use axum::extract::Multipart;
use jiebang_core::organization::OrganizationInput;
use jiebang_store::Organization;
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
/// nobody makes themselves the applicant of a unit they are not). The API's one path.
pub(crate) async fn register(
    state: &AppState,
    viewer: &Viewer,
    input: OrganizationInput,
    licence: Option<&jiebang_store::StoredFile>,
) -> Result<Organization, ApiError> {
    let authed = viewer.require_that(|p| p.can_create_organization())?;
    let org = input.validate()?;
    Ok(if authed.principal.is_admin() {
        state.store.create_organization(&org, Some(authed.user.id)).await?
    } else {
        state.store.register_organization(&org, authed.user.id, licence).await?
    })
}

/// Reads the page's registration form, the licence streamed to the file store.
pub(crate) async fn read_registration(
    state: &AppState,
    viewer: &Viewer,
    multipart: Multipart,
) -> Result<crate::http::Form, ApiError> {
    let user = viewer.require_that(|p| p.can_create_organization())?.user.id;
    crate::http::read_form(state, multipart, jiebang_store::organizations::MAX_LICENCE_BYTES, user).await
}

/// Registers from the page's form: the fields and the licence scan (PDF, PNG or JPEG), which a
/// registration by someone other than an admin must carry. A refused registration keeps no file.
pub(crate) async fn register_with_licence(
    state: &AppState,
    viewer: &Viewer,
    form: &crate::http::Form,
) -> Result<Organization, ApiError> {
    let authed = viewer.require_that(|p| p.can_create_organization())?;
    let user = authed.user.id;
    let admin = authed.principal.is_admin();
    let uploads = form.uploads();
    let input = OrganizationInput {
        name: form.text("name", ""),
        credit_code: form.text("credit_code", ""),
        kind: form.text("kind", ""),
        region: form.text("region", ""),
        industries: form.text.get("industries").map(|v| vec![v.clone()]).unwrap_or_default(),
        contact_name: form.text("contact_name", ""),
        contact_phone: form.text("contact_phone", ""),
    };
    let result = async {
        let mut problems = match input.validate() {
            Ok(_) => Vec::new(),
            Err(error) => error.field_errors().to_vec(),
        };
        let licence = uploads.iter().find(|f| f.size > 0);
        match licence {
            None if !admin => problems.push(jiebang_core::FieldError::new(
                "licence",
                "请上传营业执照或法人证书的扫描件（PDF、PNG 或 JPEG）/ attach a scan of the business licence or legal-person certificate (PDF, PNG or JPEG)",
            )),
            Some(file) if jiebang_store::organizations::licence_kind(&state.files.get(&file.key).await?).is_none() => {
                problems.push(jiebang_core::FieldError::new(
                    "licence",
                    format!("「{0}」不是 PDF、PNG 或 JPEG 文件 / '{0}' is not a PDF, PNG or JPEG file", file.name),
                ))
            }
            _ => {}
        }
        if !problems.is_empty() {
            return Err(jiebang_core::Error::Invalid(problems).into());
        }
        register(state, viewer, input.clone(), licence).await
    }
    .await;
    match result {
        Ok(org) => Ok(org),
        Err(error) => {
            crate::http::discard(state, &uploads, user).await;
            Err(error)
        }
    }
}

/// Verifies a waiting organization: the API's and the register page's one path.
pub(crate) async fn verify_organization(state: &AppState, viewer: &Viewer, id: i64) -> Result<Organization, ApiError> {
    let authed = viewer.require()?;
    let org = state.store.get_organization(id).await?;
    if !may_verify(viewer, &org) {
        return Err(ApiError::Forbidden);
    }
    Ok(state.store.verify_organization(id, authed.user.id).await?)
}

/// Turns a waiting registration down with a reason (the verifiers of [`verify_organization`]).
pub(crate) async fn reject_organization(
    state: &AppState,
    viewer: &Viewer,
    id: i64,
    reason: &str,
) -> Result<Organization, ApiError> {
    let authed = viewer.require()?;
    let org = state.store.get_organization(id).await?;
    if !may_verify(viewer, &org) {
        return Err(ApiError::Forbidden);
    }
    Ok(state.store.reject_organization(id, authed.user.id, reason).await?)
}

/// Who may see a unit's registration in full (contact, licence, members): admins, its
/// region's recommenders, its registrant and its administrator.
pub(crate) fn sees_registration(viewer: &Viewer, org: &Organization) -> bool {
    let Ok(authed) = viewer.require() else { return false };
    may_verify(viewer, org) || org.created_by == Some(authed.user.id) || is_unit_admin(viewer, org)
}

/// Whether the viewer administers the unit (or is a platform admin).
pub(crate) fn is_unit_admin(viewer: &Viewer, org: &Organization) -> bool {
    viewer
        .require()
        .is_ok_and(|a| a.principal.is_admin() || (org.verified_at.is_some() && org.admin_user_id == Some(a.user.id)))
}

/// The licence scan, for those who see the registration; anyone else gets 404.
pub(crate) async fn licence(
    state: &AppState,
    viewer: &Viewer,
    id: i64,
) -> Result<(jiebang_store::StoredFile, Vec<u8>), ApiError> {
    viewer.require()?;
    let org = state.store.get_organization(id).await?;
    let file = match org.licence_file_id {
        Some(file) if sees_registration(viewer, &org) => state.store.get_file(file).await?,
        _ => return Err(ApiError::NotFound("未附证照 / no licence attached".into())),
    };
    let bytes = state.files.get(&file.key).await?;
    Ok((file, bytes))
}

/// The unit administrator invites a colleague by e-mail; a new address gets an account whose
/// invitation link is handed over like any account link.
pub(crate) async fn invite(
    state: &AppState,
    viewer: &Viewer,
    id: i64,
    email: &str,
    name: &str,
) -> Result<(), ApiError> {
    let authed = viewer.require()?;
    let org = state.store.get_organization(id).await?;
    if !is_unit_admin(viewer, &org) {
        return Err(ApiError::Forbidden);
    }
    if let Some(link) = state.store.invite_member(id, authed.user.id, email, name, state.config.sends_mail).await? {
        crate::app::accounts::hand_over(state, &link);
    }
    Ok(())
}
