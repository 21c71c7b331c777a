//! 单位注册: the register of units, registering one with its licence, a verifier's approval
//! or rejection with a reason, and a unit's page where its administrator invites colleagues.

use askama::Template;
use askama_web::WebTemplate;
use axum::Router;
use axum::extract::{Multipart, Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use jiebang_core::industry::{INDUSTRIES, IndustryCode};
use jiebang_core::organization::OrgKind;
use jiebang_core::region::Region;
use jiebang_store::organizations::{Standing, licence_kind};
use jiebang_store::{Organization, PageRequest, User};
use serde::Deserialize;

use super::form::FormState;
use super::{Ctx, PageError};
use crate::AppState;
use crate::app::organizations::{is_unit_admin, sees_registration};

pub(crate) fn routes() -> Router<AppState> {
    Router::new()
        .route(
            "/organizations",
            get(organizations_page).post(register_submit).layer(crate::http::attachment_body_limit()),
        )
        .route("/organizations/{id}", get(unit_page))
        .route("/organizations/{id}/verify", post(verify_submit))
        .route("/organizations/{id}/reject", post(reject_submit))
        .route("/organizations/{id}/licence", get(licence_download))
        .route("/organizations/{id}/members", post(invite_submit))
}

/// A unit as the register lists it, names resolved.
struct OrgRow {
    org: Organization,
    region_name: String,
    /// The viewer may verify or reject it now.
    can_decide: bool,
    /// The viewer registered it.
    is_mine: bool,
}

impl OrgRow {
    fn new(ctx: &Ctx, org: Organization) -> Self {
        let user = ctx.viewer.require().map(|a| a.user.id).ok();
        Self {
            region_name: region_name(ctx, &org.region_code),
            can_decide: org.is_waiting() && crate::app::access::may_verify(&ctx.viewer, &org),
            is_mine: user.is_some() && org.created_by == user,
            org,
        }
    }

    fn standing(&self) -> Standing {
        self.org.standing()
    }
}

fn region_name(ctx: &Ctx, code: &str) -> String {
    Region::lookup(code).map_or(code.to_owned(), |r| ctx.t.region(r).to_owned())
}

#[derive(Template, WebTemplate)]
#[template(path = "organizations.html")]
struct OrganizationsPage {
    ctx: Ctx,
    orgs: Vec<OrgRow>,
    form: FormState,
    kinds: &'static [OrgKind],
    region_options: Vec<(&'static str, String)>,
    industry_options: Vec<(&'static str, String)>,
}

const ORG_FIELDS: &[&str] =
    &["name", "credit_code", "kind", "region", "industries", "contact_name", "contact_phone", "licence"];

async fn render_organizations(state: &AppState, ctx: Ctx, form: FormState) -> Result<OrganizationsPage, PageError> {
    let page =
        state.store.list_organizations(None, PageRequest { page: 1, per_page: 200 }).await.map_err(|e| ctx.fail(e))?;
    // A turned-down registration is its registrant's and the verifiers' business only.
    let mut orgs: Vec<OrgRow> = page
        .items
        .into_iter()
        .map(|o| OrgRow::new(&ctx, o))
        .filter(|row| row.org.rejected_at.is_none() || sees_registration(&ctx.viewer, &row.org))
        .collect();
    // What the viewer must act on, or waits for, first.
    orgs.sort_by_key(|row| (!row.can_decide, !row.is_mine));
    let industry_options = INDUSTRIES
        .iter()
        .filter_map(|i| IndustryCode::parse(i.code).ok())
        .map(|code| (code.code(), format!("{}{} {}", code.industry().section, code.code(), ctx.t.industry(&code))))
        .collect();
    Ok(OrganizationsPage {
        region_options: ctx.region_options(),
        industry_options,
        ctx,
        orgs,
        form,
        kinds: OrgKind::ALL,
    })
}

async fn organizations_page(State(state): State<AppState>, ctx: Ctx) -> Result<OrganizationsPage, PageError> {
    ctx.viewer.require().map_err(|e| ctx.fail(e))?;
    let form = FormState::new(vec![("region".into(), "370100".into())], ORG_FIELDS);
    render_organizations(&state, ctx, form).await
}

async fn register_submit(State(state): State<AppState>, ctx: Ctx, multipart: Multipart) -> Result<Response, PageError> {
    let form =
        crate::app::organizations::read_registration(&state, &ctx.viewer, multipart).await.map_err(|e| ctx.fail(e))?;
    match crate::app::organizations::register_with_licence(&state, &ctx.viewer, &form).await {
        Ok(org) => {
            let message = if org.verified_at.is_some() { ctx.t.org.done_created } else { ctx.t.org.registered };
            Ok(crate::http::done(&state.signer, &format!("/organizations/{}", org.id), message))
        }
        Err(error) if !error.field_errors().is_empty() => {
            // The form comes back with what was typed (the file must be chosen again).
            let values = form.text.into_iter().collect();
            let form = FormState::new(values, ORG_FIELDS).with_errors(error.field_errors(), ctx.t.lang);
            Ok((StatusCode::UNPROCESSABLE_ENTITY, render_organizations(&state, ctx, form).await?).into_response())
        }
        Err(error) => Err(ctx.fail(error)),
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "organization.html")]
struct UnitPage {
    ctx: Ctx,
    row: OrgRow,
    industries: Vec<String>,
    /// The viewer sees the contact, the licence and the members.
    sees: bool,
    /// The viewer administers the unit: the invite form.
    admin: bool,
    members: Vec<User>,
    form: FormState,
}

async fn unit_page(State(state): State<AppState>, ctx: Ctx, Path(id): Path<i64>) -> Result<UnitPage, PageError> {
    ctx.viewer.require().map_err(|e| ctx.fail(e))?;
    let org = state.store.get_organization(id).await.map_err(|e| ctx.fail(e))?;
    render_unit(&state, ctx, org, FormState::new(vec![], &["email", "name"])).await
}

async fn render_unit(state: &AppState, ctx: Ctx, org: Organization, form: FormState) -> Result<UnitPage, PageError> {
    let sees = sees_registration(&ctx.viewer, &org);
    let admin = is_unit_admin(&ctx.viewer, &org);
    let members = if sees { state.store.organization_members(org.id).await.map_err(|e| ctx.fail(e))? } else { vec![] };
    let industries = org
        .industries
        .iter()
        .filter_map(|c| IndustryCode::parse(c).ok())
        .map(|c| ctx.t.industry(&c).to_owned())
        .collect();
    let row = OrgRow::new(&ctx, org);
    Ok(UnitPage { ctx, row, industries, sees, admin, members, form })
}

#[derive(Deserialize)]
struct DecisionForm {
    /// The confirmation checkbox.
    confirm: Option<String>,
    #[serde(default)]
    reason: String,
}

/// Verifies a waiting unit, once the checkbox confirms the licence was checked.
async fn verify_submit(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
    axum::Form(form): axum::Form<DecisionForm>,
) -> Result<Response, PageError> {
    let back = format!("/organizations/{id}");
    if form.confirm.is_none() {
        return Ok(crate::http::redirect_with(
            &state.signer,
            &back,
            crate::http::Flash::Error(ctx.t.org.confirm_first.into()),
        ));
    }
    let result = crate::app::organizations::verify_organization(&state, &ctx.viewer, id).await.map(drop);
    Ok(super::back(&state, &back, result, &ctx, ctx.t.org.done))
}

/// Turns a waiting registration down with the reason its registrant will read.
async fn reject_submit(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
    axum::Form(form): axum::Form<DecisionForm>,
) -> Result<Response, PageError> {
    let back = format!("/organizations/{id}");
    let result = crate::app::organizations::reject_organization(&state, &ctx.viewer, id, &form.reason).await.map(drop);
    Ok(super::back(&state, &back, result, &ctx, ctx.t.org.done_rejected))
}

/// The licence scan, for those who see the registration.
async fn licence_download(State(state): State<AppState>, ctx: Ctx, Path(id): Path<i64>) -> Result<Response, PageError> {
    let (file, bytes) = crate::app::organizations::licence(&state, &ctx.viewer, id).await.map_err(|e| ctx.fail(e))?;
    let kind = licence_kind(&bytes).unwrap_or("application/octet-stream");
    Ok(super::download(kind, &file.name, bytes))
}

#[derive(Deserialize)]
struct InviteForm {
    #[serde(default)]
    email: String,
    #[serde(default)]
    name: String,
}

/// The unit administrator invites a colleague.
async fn invite_submit(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
    axum::Form(form): axum::Form<InviteForm>,
) -> Result<Response, PageError> {
    match crate::app::organizations::invite(&state, &ctx.viewer, id, &form.email, &form.name).await {
        Ok(()) => {
            let message = if state.config.sends_mail { ctx.t.org.invited } else { ctx.t.org.invited_no_mail };
            Ok(crate::http::done(&state.signer, &format!("/organizations/{id}"), message))
        }
        Err(error) if !error.field_errors().is_empty() => {
            let org = state.store.get_organization(id).await.map_err(|e| ctx.fail(e))?;
            let values = vec![("email".to_owned(), form.email), ("name".to_owned(), form.name)];
            let errors = FormState::new(values, &["email", "name"]).with_errors(error.field_errors(), ctx.t.lang);
            Ok((StatusCode::UNPROCESSABLE_ENTITY, render_unit(&state, ctx, org, errors).await?).into_response())
        }
        Err(error) => Err(ctx.fail(error)),
    }
}
