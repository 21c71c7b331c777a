//! Self-service account pages: sign-up, confirming an e-mail address, asking for a link again,
//! resetting and changing a password, the profile; and the admin's user page (disable, enable,
//! resend verification, grant roles). Links arrive as `?token=` and are used only by a `POST`
//! from the page they open, so a mail scanner that fetches the link uses nothing up.

use askama::Template;
use askama_web::WebTemplate;
use axum::Router;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::http::header::SET_COOKIE;
use axum::response::{AppendHeaders, IntoResponse, Response};
use axum::routing::{get, post};
use jiebang_core::role::{Grant, Role, Scope};
use jiebang_store::{LinkPurpose, PageRequest, User};
use serde::Deserialize;

use super::form::FormState;
use super::{Ctx, PageError, filters};
use crate::AppState;
use crate::app::accounts as use_case;
use crate::auth::ClientAddress;
use crate::error::ApiError;
use crate::http::done;

pub(super) fn routes() -> Router<AppState> {
    Router::new()
        .route("/signup", get(signup_page).post(signup_submit))
        .route("/verify", get(verify_page).post(verify_submit))
        .route("/verify/resend", get(resend_page).post(resend_submit))
        .route("/password/forgot", get(forgot_page).post(forgot_submit))
        .route("/password/reset", get(reset_page).post(reset_submit))
        .route("/account/password", post(password_submit))
        .route("/account/profile", post(profile_submit))
        .route("/users", get(users_page))
        .route("/users/{id}/disable", post(disable_submit))
        .route("/users/{id}/enable", post(enable_submit))
        .route("/users/{id}/verification", post(verification_submit))
        .route("/users/{id}/grants", post(grant_submit))
}

const SIGNUP_FIELDS: &[&str] = &["email", "name", "password"];

#[derive(Template, WebTemplate)]
#[template(path = "signup.html")]
struct SignupPage {
    ctx: Ctx,
    form: FormState,
}

async fn signup_page(ctx: Ctx) -> SignupPage {
    SignupPage { ctx, form: FormState::new(vec![], SIGNUP_FIELDS) }
}

async fn signup_submit(
    State(state): State<AppState>,
    ctx: Ctx,
    ClientAddress(client): ClientAddress,
    axum::Form(values): axum::Form<Vec<(String, String)>>,
) -> Result<Response, PageError> {
    let form = FormState::new(values, SIGNUP_FIELDS);
    match use_case::sign_up(&state, &client, form.get("email"), form.get("name"), form.get("password")).await {
        Ok(()) => Ok(done(&state.signer, "/login", sent_message(&state, &ctx))),
        Err(error) if !error.field_errors().is_empty() => {
            let form = form.with_errors(error.field_errors(), ctx.t.lang);
            Ok((StatusCode::UNPROCESSABLE_ENTITY, SignupPage { ctx, form }).into_response())
        }
        Err(error) => Err(ctx.fail(error)),
    }
}

/// What a person who asked for a link is told: to check their mail, or that the administrator has
/// it.
fn sent_message(state: &AppState, ctx: &Ctx) -> &'static str {
    if state.config.sends_mail { ctx.t.acct.check_mail } else { ctx.t.acct.no_mail }
}

#[derive(Deserialize)]
struct TokenQuery {
    token: Option<String>,
}

#[derive(Template, WebTemplate)]
#[template(path = "verify.html")]
struct VerifyPage {
    ctx: Ctx,
    token: String,
    /// The account the link is for; `None`: the link does not work.
    user: Option<User>,
}

async fn verify_page(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(query): Query<TokenQuery>,
) -> Result<Response, PageError> {
    let token = query.token.unwrap_or_default();
    let user = state.store.link_user(&token, LinkPurpose::Verify).await.map_err(|e| ctx.fail(e))?;
    let status = if user.is_some() { StatusCode::OK } else { StatusCode::NOT_FOUND };
    Ok((status, no_store(), VerifyPage { ctx, token, user }).into_response())
}

#[derive(Deserialize)]
struct TokenForm {
    token: String,
}

async fn verify_submit(
    State(state): State<AppState>,
    ctx: Ctx,
    ClientAddress(client): ClientAddress,
    axum::Form(form): axum::Form<TokenForm>,
) -> Result<Response, PageError> {
    state.store.verify_email(&form.token, &client).await.map_err(|e| ctx.fail(e))?;
    Ok(done(&state.signer, "/login", ctx.t.acct.verified))
}

/// Pages that carry a link's secret are never kept by a browser or a proxy.
fn no_store() -> [(axum::http::HeaderName, &'static str); 2] {
    [(axum::http::header::CACHE_CONTROL, "no-store"), (axum::http::header::REFERRER_POLICY, "no-referrer")]
}

/// The form that asks for a link by address: verification again, or a password reset.
#[derive(Template, WebTemplate)]
#[template(path = "link_request.html")]
struct LinkRequestPage {
    ctx: Ctx,
    title: &'static str,
    intro: &'static str,
    action: &'static str,
    form: FormState,
}

fn link_request(ctx: Ctx, purpose: LinkPurpose, form: FormState) -> LinkRequestPage {
    let a = ctx.t.acct;
    let (title, intro, action) = match purpose {
        LinkPurpose::Verify => (a.resend, a.check_mail, "/verify/resend"),
        LinkPurpose::Reset | LinkPurpose::Invite => (a.forgot_title, a.forgot_intro, "/password/forgot"),
    };
    LinkRequestPage { ctx, title, intro, action, form }
}

async fn resend_page(ctx: Ctx) -> LinkRequestPage {
    link_request(ctx, LinkPurpose::Verify, FormState::new(vec![], &["email"]))
}

async fn forgot_page(ctx: Ctx) -> LinkRequestPage {
    link_request(ctx, LinkPurpose::Reset, FormState::new(vec![], &["email"]))
}

#[derive(Deserialize)]
struct EmailForm {
    email: String,
}

async fn request_link(state: AppState, ctx: Ctx, client: String, email: String, purpose: LinkPurpose) -> Response {
    match use_case::request_link(&state, &client, &email, purpose).await {
        Ok(()) => {
            let message = if state.config.sends_mail { ctx.t.acct.link_sent } else { ctx.t.acct.no_mail };
            done(&state.signer, "/login", message)
        }
        Err(error) if !error.field_errors().is_empty() => {
            let form =
                FormState::new(vec![("email".into(), email)], &["email"]).with_errors(error.field_errors(), ctx.t.lang);
            (StatusCode::UNPROCESSABLE_ENTITY, link_request(ctx, purpose, form)).into_response()
        }
        Err(error) => ctx.fail(error).into_response(),
    }
}

async fn resend_submit(
    State(state): State<AppState>,
    ctx: Ctx,
    ClientAddress(client): ClientAddress,
    axum::Form(form): axum::Form<EmailForm>,
) -> Response {
    request_link(state, ctx, client, form.email, LinkPurpose::Verify).await
}

async fn forgot_submit(
    State(state): State<AppState>,
    ctx: Ctx,
    ClientAddress(client): ClientAddress,
    axum::Form(form): axum::Form<EmailForm>,
) -> Response {
    request_link(state, ctx, client, form.email, LinkPurpose::Reset).await
}

const RESET_FIELDS: &[&str] = &["password"];

#[derive(Template, WebTemplate)]
#[template(path = "reset.html")]
struct ResetPage {
    ctx: Ctx,
    token: String,
    user: Option<User>,
    form: FormState,
}

async fn reset_page(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(query): Query<TokenQuery>,
) -> Result<Response, PageError> {
    let token = query.token.unwrap_or_default();
    let user = state.store.link_user(&token, LinkPurpose::Reset).await.map_err(|e| ctx.fail(e))?;
    let status = if user.is_some() { StatusCode::OK } else { StatusCode::NOT_FOUND };
    let form = FormState::new(vec![], RESET_FIELDS);
    Ok((status, no_store(), ResetPage { ctx, token, user, form }).into_response())
}

#[derive(Deserialize)]
struct ResetForm {
    token: String,
    password: String,
}

async fn reset_submit(
    State(state): State<AppState>,
    ctx: Ctx,
    ClientAddress(client): ClientAddress,
    axum::Form(form): axum::Form<ResetForm>,
) -> Result<Response, PageError> {
    match state.store.reset_password(&form.token, &form.password, &client).await.map_err(ApiError::from) {
        Ok(_) => Ok(done(&state.signer, "/login", ctx.t.acct.reset_done)),
        Err(error) if !error.field_errors().is_empty() => {
            let user = state.store.link_user(&form.token, LinkPurpose::Reset).await.map_err(|e| ctx.fail(e))?;
            let errors = FormState::new(vec![], RESET_FIELDS).with_errors(error.field_errors(), ctx.t.lang);
            let page = ResetPage { ctx, token: form.token, user, form: errors };
            Ok((StatusCode::UNPROCESSABLE_ENTITY, no_store(), page).into_response())
        }
        Err(error) => Err(ctx.fail(error)),
    }
}

#[derive(Deserialize)]
struct PasswordForm {
    current_password: String,
    password: String,
}

async fn password_submit(
    State(state): State<AppState>,
    ctx: Ctx,
    ClientAddress(client): ClientAddress,
    axum::Form(form): axum::Form<PasswordForm>,
) -> Result<Response, PageError> {
    let user_id = ctx.viewer.require().map_err(|e| ctx.fail(e))?.user.id;
    if let Err(error) = state.store.change_password(user_id, &form.current_password, &form.password, &client).await {
        return account_form_refused(&state, ctx, error.into()).await;
    }
    // Every session ended with the old password; this browser signs in again at once.
    let secret = state.store.create_session(user_id, state.config.session_seconds).await.map_err(|e| ctx.fail(e))?;
    let cookie = crate::auth::session_cookie(&secret, state.config.session_seconds, state.config.secure_cookies);
    let changed = done(&state.signer, "/account", ctx.t.acct.password_changed);
    Ok((AppendHeaders([(SET_COOKIE, cookie)]), changed).into_response())
}

#[derive(Deserialize)]
struct ProfileForm {
    name: String,
}

async fn profile_submit(
    State(state): State<AppState>,
    ctx: Ctx,
    axum::Form(form): axum::Form<ProfileForm>,
) -> Result<Response, PageError> {
    let user_id = ctx.viewer.require().map_err(|e| ctx.fail(e))?.user.id;
    match state.store.rename_user(user_id, &form.name).await {
        Ok(_) => Ok(done(&state.signer, "/account", ctx.t.acct.profile_saved)),
        Err(error) => account_form_refused(&state, ctx, error.into()).await,
    }
}

/// A refused profile or password form: the account page again, each error beside its field.
async fn account_form_refused(state: &AppState, ctx: Ctx, error: ApiError) -> Result<Response, PageError> {
    if error.field_errors().is_empty() {
        return Err(ctx.fail(error));
    }
    let errors = FormState::new(vec![], super::ACCOUNT_FIELDS).with_errors(error.field_errors(), ctx.t.lang);
    let page = super::render_account(state, ctx, None, errors).await?;
    Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response())
}

/// A user as the admin's page lists them.
struct UserRow {
    user: User,
    grants: Vec<Grant>,
}

#[derive(Template, WebTemplate)]
#[template(path = "users.html")]
struct UsersPage {
    ctx: Ctx,
    rows: Vec<UserRow>,
    total: i64,
    roles: &'static [Role],
    me: i64,
}

#[derive(Deserialize)]
struct PageQuery {
    page: Option<u32>,
}

async fn users_page(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(query): Query<PageQuery>,
) -> Result<UsersPage, PageError> {
    let me = ctx.viewer.require_that(|p| p.can_manage_users()).map_err(|e| ctx.fail(e))?.user.id;
    let page = PageRequest { page: query.page.unwrap_or(1).max(1), per_page: 200 };
    let users = state.store.list_users(page).await.map_err(|e| ctx.fail(e))?;
    let ids: Vec<i64> = users.items.iter().map(|u| u.id).collect();
    let mut grants = state.store.grants_of(&ids).await.map_err(|e| ctx.fail(e))?;
    let rows = users
        .items
        .into_iter()
        .map(|user| UserRow { grants: grants.remove(&user.id).unwrap_or_default(), user })
        .collect();
    Ok(UsersPage { ctx, rows, total: users.total, roles: Role::ALL, me })
}

async fn set_disabled(state: AppState, ctx: Ctx, id: i64, disabled: bool) -> Result<Response, PageError> {
    let me = ctx.viewer.require_that(|p| p.can_manage_users()).map_err(|e| ctx.fail(e))?.user.id;
    state.store.set_user_disabled(me, id, disabled).await.map_err(|e| ctx.fail(e))?;
    let message = if disabled { ctx.t.acct.user_disabled } else { ctx.t.acct.user_enabled };
    Ok(done(&state.signer, "/users", message))
}

async fn disable_submit(State(state): State<AppState>, ctx: Ctx, Path(id): Path<i64>) -> Result<Response, PageError> {
    set_disabled(state, ctx, id, true).await
}

async fn enable_submit(State(state): State<AppState>, ctx: Ctx, Path(id): Path<i64>) -> Result<Response, PageError> {
    set_disabled(state, ctx, id, false).await
}

async fn verification_submit(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
) -> Result<Response, PageError> {
    let shown = use_case::resend_verification(&state, &ctx.viewer, id).await.map_err(|e| ctx.fail(e))?;
    let message = match shown {
        Some(path) => format!("{}{}", ctx.t.acct.link_for_admin, path),
        None => ctx.t.acct.link_mailed.to_owned(),
    };
    Ok(done(&state.signer, "/users", &message))
}

#[derive(Deserialize)]
struct GrantForm {
    role: String,
    scope: String,
    #[serde(default)]
    scope_id: String,
}

async fn grant_submit(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
    axum::Form(form): axum::Form<GrantForm>,
) -> Result<Response, PageError> {
    ctx.viewer.require_that(|p| p.can_manage_users()).map_err(|e| ctx.fail(e))?;
    let grant = parse_grant(&form).map_err(|e| ctx.fail(e))?;
    use_case::grant_role(&state, &ctx.viewer, id, &grant).await.map_err(|e| ctx.fail(e))?;
    Ok(done(&state.signer, "/users", ctx.t.acct.granted))
}

fn parse_grant(form: &GrantForm) -> Result<Grant, jiebang_core::Error> {
    // Every problem of the form at once: the role and the scope.
    let mut problems = Vec::new();
    let role = Role::parse("role", &form.role).map_err(|e| problems.push(e)).ok();
    let id = form.scope_id.trim();
    let number = |problems: &mut Vec<jiebang_core::FieldError>| {
        let message = format!("「{id}」不是编号 / '{id}' is not a number");
        id.parse::<i64>().map_err(|_| problems.push(jiebang_core::FieldError::new("scope_id", message))).ok()
    };
    let scope = match form.scope.as_str() {
        "global" => Some(Scope::Global),
        "program" => number(&mut problems).map(Scope::Program),
        "organization" => number(&mut problems).map(Scope::Organization),
        "region" => jiebang_core::region::RegionCode::parse(id)
            .map(|code| Scope::Region(String::from(code)))
            .map_err(|e| problems.push(jiebang_core::FieldError { field: "scope_id".into(), ..e }))
            .ok(),
        other => {
            problems
                .push(jiebang_core::FieldError::new("scope", format!("未知范围「{other}」 / unknown scope '{other}'")));
            None
        }
    };
    match (role, scope) {
        (Some(role), Some(scope)) if problems.is_empty() => Ok(Grant { role, scope }),
        _ => Err(jiebang_core::Error::Invalid(problems)),
    }
}
