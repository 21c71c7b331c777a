//! Server-rendered pages (askama), Chinese first with an English switch. Pages use the same
//! store calls and permission checks as the API; forms post back to the page that shows them
//! and, when refused, come back filled in with each error beside its field.

mod accounts;
mod catalogue;
mod dataset_card_form;
mod evaluation;
mod form;
mod mine;
mod organizations;
mod programs;
mod projects;
mod selection;
mod service;

use askama::Template;
use askama_web::WebTemplate;
use axum::Router;
use axum::extract::{FromRequestParts, Query, State};
use axum::http::header::{CACHE_CONTROL, CONTENT_TYPE, SET_COOKIE};
use axum::http::request::Parts;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{AppendHeaders, IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use jiebang_core::region::REGIONS;
use jiebang_core::role::Role;
use jiebang_store::{ApiToken, User};
use serde::Deserialize;

use self::form::FormState;
use crate::AppState;
use crate::auth::{ClientAddress, Viewer, cookie, end_session, session_cookie};
use crate::error::ApiError;
use crate::i18n::{Catalog, Lang};

pub(crate) fn routes(data_limit: usize) -> Router<AppState> {
    Router::new()
        .route("/", get(index))
        .route("/login", get(login_page).post(login_submit))
        .route("/logout", post(logout))
        .route("/lang/{lang}", get(set_lang))
        .route("/account", get(account_page))
        .route("/account/tokens", post(create_token_submit))
        .route("/audit", get(audit_page))
        .route(
            "/static/style.css",
            get(|| async { static_file("text/css; charset=utf-8", include_str!("../../static/style.css")) }),
        )
        .route("/favicon.ico", get(favicon))
        .route("/static/favicon.svg", get(favicon))
        .route(
            "/static/htmx-2.0.11.min.js",
            get(|| async {
                static_file("text/javascript; charset=utf-8", include_str!("../../static/htmx-2.0.11.min.js"))
            }),
        )
        .merge(accounts::routes())
        .merge(mine::routes())
        .merge(organizations::routes())
        .merge(programs::routes())
        .merge(evaluation::routes(data_limit))
        .merge(service::routes())
        .merge(selection::routes())
        .merge(projects::routes())
        .merge(catalogue::routes())
        .merge(dataset_card_form::routes())
        .fallback(not_found)
        .layer(axum::middleware::from_fn(spend_flash))
}

/// Any other path: the error page with the site's header, not a blank 404.
async fn not_found(ctx: Ctx) -> PageError {
    let message = ctx.t.not_found.to_owned();
    ctx.fail(ApiError::NotFound(message))
}

/// A flash is shown once: the page that shows it (any answer but a redirect) removes it.
async fn spend_flash(request: axum::extract::Request, next: axum::middleware::Next) -> Response {
    let carried = cookie(request.headers(), crate::http::FLASH_COOKIE).is_some();
    let mut response = next.run(request).await;
    if carried && !response.status().is_redirection() {
        response.headers_mut().append(SET_COOKIE, axum::http::HeaderValue::from_static(crate::http::CLEAR_FLASH));
    }
    response
}

async fn favicon() -> Response {
    static_file("image/svg+xml", include_str!("../../static/favicon.svg"))
}

fn static_file(content_type: &'static str, body: &'static str) -> Response {
    ([(CONTENT_TYPE, content_type), (CACHE_CONTROL, "public, max-age=86400")], body).into_response()
}

/// What every page needs: the language's strings, the caller, and where they are.
#[derive(Debug, Clone)]
pub(crate) struct Ctx {
    pub(crate) t: &'static Catalog,
    pub(crate) viewer: Viewer,
    pub(crate) path: String,
    /// A message brought from the action before ([`crate::http::flash_cookie`]).
    pub(crate) flash: Option<crate::http::Flash>,
}

impl Ctx {
    pub(crate) fn signed_in(&self) -> bool {
        self.viewer.0.is_some()
    }

    /// A value's label in the page's language.
    pub(crate) fn label<T: jiebang_core::Labelled>(&self, value: &T) -> &'static str {
        self.t.lang.label(value)
    }

    pub(crate) fn is_expert(&self) -> bool {
        self.viewer.principal().is_some_and(|p| p.is_expert())
    }

    /// Acts for a unit: 我的申报 is for them.
    pub(crate) fn is_applicant(&self) -> bool {
        self.viewer.principal().is_some_and(|p| !p.organizations().is_empty())
    }

    pub(crate) fn is_admin(&self) -> bool {
        self.viewer.principal().is_some_and(|p| p.can_manage_users())
    }

    /// The viewer runs the supply–demand catalogue (events, cases, cards, imports).
    pub(crate) fn manages_catalogue(&self) -> bool {
        self.viewer.principal().is_some_and(|p| p.can_manage_catalogue())
    }

    pub(crate) fn can_watch_queue(&self) -> bool {
        self.viewer.principal().is_some_and(|p| p.can_create_program())
    }

    pub(crate) fn user_name(&self) -> Option<&str> {
        self.viewer.0.as_ref().map(|a| a.user.name.as_str())
    }

    /// Turns an error into a page: a login redirect when signed out, else an error page.
    pub(crate) fn fail(&self, error: impl Into<ApiError>) -> PageError {
        PageError { ctx: self.clone(), error: error.into() }
    }

    /// Current regions for selects: provinces and cities, then districts, in code order.
    pub(crate) fn region_options(&self) -> Vec<(&'static str, String)> {
        REGIONS
            .iter()
            .filter(|r| r.is_current())
            .map(|r| (r.code, format!("{} {}", r.code, self.t.region(r))))
            .collect()
    }
}

impl FromRequestParts<AppState> for Ctx {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        let t = Lang::from_cookie(cookie(&parts.headers, "lang")).catalog();
        let path = parts.uri.path_and_query().map_or("/", |p| p.as_str()).to_owned();
        let viewer = Viewer::from_request_parts(parts, state).await?;
        let flash = crate::http::read_flash(&state.signer, &parts.headers);
        Ok(Self { t, viewer, path, flash })
    }
}

/// An error shown as a page.
pub(crate) struct PageError {
    ctx: Ctx,
    error: ApiError,
}

#[derive(Template, WebTemplate)]
#[template(path = "error.html")]
struct ErrorPage {
    ctx: Ctx,
    status: u16,
    message: String,
}

impl IntoResponse for PageError {
    fn into_response(self) -> Response {
        if matches!(self.error, ApiError::Unauthenticated) {
            return Redirect::to(&format!("/login?next={}", crate::http::urlencode(&self.ctx.path))).into_response();
        }
        if let ApiError::Internal(detail) = &self.error {
            tracing::error!(%detail, "internal error on a page");
        }
        let (status, _) = self.error.parts();
        let message = error_text(&self.error, self.ctx.t.lang);
        let page = ErrorPage { ctx: self.ctx, status: status.as_u16(), message };
        let mut response = (status, page).into_response();
        if let ApiError::TooMany { retry_after_s, .. } = self.error {
            response.headers_mut().insert(axum::http::header::RETRY_AFTER, retry_after_s.into());
        }
        response
    }
}

/// An error as a page says it: in the page's language, fields by their form labels, and the
/// details of a conflict or a refused sheet after the message.
pub(crate) fn error_text(error: &ApiError, lang: Lang) -> String {
    let sep = if lang == Lang::Zh { "；" } else { "; " };
    if let ApiError::Invalid(errors) = error {
        return errors.iter().map(|e| lang.field_error(e)).collect::<Vec<_>>().join(sep);
    }
    let (_, body) = error.parts();
    let message = lang.pick(&body.message);
    let details: Vec<String> = body.details.iter().map(|d| lang.pick(&d.message)).filter(|d| *d != message).collect();
    if details.is_empty() {
        message
    } else {
        format!("{message}{}{}", if lang == Lang::Zh { "：" } else { ": " }, details.join(sep))
    }
}

/// Back to `to`, with what the action did (`done`) or why it was refused shown there.
pub(crate) fn back(state: &AppState, to: &str, result: Result<(), ApiError>, ctx: &Ctx, done: &str) -> Response {
    match result {
        Ok(()) => crate::http::done(&state.signer, to, done),
        Err(e) => refused(state, to, e, ctx),
    }
}

/// Back to `to` with why the action was refused, or the error page (or sign-in) when the
/// viewer may not be there at all.
pub(crate) fn refused(state: &AppState, to: &str, error: ApiError, ctx: &Ctx) -> Response {
    if matches!(error, ApiError::Unauthenticated | ApiError::Forbidden | ApiError::NotFound(_) | ApiError::Internal(_))
    {
        return ctx.fail(error).into_response();
    }
    let message = error_text(&error, ctx.t.lang);
    crate::http::redirect_with(&state.signer, to, crate::http::Flash::Error(message))
}

pub(crate) use crate::http::download;

/// A local path to return to; anything else becomes `/`. Browsers drop tabs and line breaks
/// from a URL and read `\` as `/`, so `/%09/evil.example` would leave the site: a path with
/// any control character, space or backslash is refused, as is one that starts `//`.
fn safe_next(next: &str) -> &str {
    let plain = next.bytes().all(|b| b > b' ' && b != b'\\' && b != 0x7f);
    if plain && next.starts_with('/') && !next.starts_with("//") { next } else { "/" }
}

#[derive(Template, WebTemplate)]
#[template(path = "index.html")]
struct IndexPage {
    ctx: Ctx,
    programs: Vec<jiebang_store::Program>,
    any_demo: bool,
    can_create: bool,
}

async fn index(State(state): State<AppState>, ctx: Ctx) -> Result<IndexPage, PageError> {
    let programs = state.store.list_programs(ctx.viewer.principal()).await.map_err(|e| ctx.fail(e))?;
    let can_create = ctx.viewer.principal().is_some_and(|p| p.can_create_program());
    Ok(IndexPage { any_demo: programs.iter().any(|p| p.is_demo), can_create, programs, ctx })
}

#[derive(Deserialize)]
struct NextQuery {
    next: Option<String>,
}

#[derive(Template, WebTemplate)]
#[template(path = "login.html")]
struct LoginPage {
    ctx: Ctx,
    failed: bool,
    /// Why a right password was not enough (an unverified or disabled account).
    refused: Option<String>,
    email: String,
    next: String,
}

async fn login_page(ctx: Ctx, Query(query): Query<NextQuery>) -> LoginPage {
    LoginPage {
        ctx,
        failed: false,
        refused: None,
        email: String::new(),
        next: query.next.unwrap_or_else(|| "/".into()),
    }
}

#[derive(Deserialize)]
struct LoginForm {
    email: String,
    password: String,
    next: Option<String>,
}

async fn login_submit(
    State(state): State<AppState>,
    ctx: Ctx,
    ClientAddress(client): ClientAddress,
    axum::Form(form): axum::Form<LoginForm>,
) -> Result<Response, PageError> {
    let next = form.next.clone().unwrap_or_else(|| "/".into());
    let user = match state.store.authenticate(&form.email, &form.password, &client).await {
        Ok(Some(user)) => user,
        Ok(None) => {
            let page = LoginPage { ctx, failed: true, refused: None, email: form.email, next };
            return Ok((StatusCode::UNAUTHORIZED, page).into_response());
        }
        Err(jiebang_store::StoreError::Refused(why)) => {
            let page = LoginPage { ctx, failed: false, refused: Some(why), email: form.email, next };
            return Ok((StatusCode::CONFLICT, page).into_response());
        }
        Err(e) => return Err(ctx.fail(e)),
    };
    let secret = state.store.create_session(user.id, state.config.session_seconds).await.map_err(|e| ctx.fail(e))?;
    let cookie = session_cookie(&secret, state.config.session_seconds, state.config.secure_cookies);
    Ok((AppendHeaders([(SET_COOKIE, cookie)]), Redirect::to(safe_next(&next))).into_response())
}

async fn logout(State(state): State<AppState>, headers: HeaderMap) -> Result<Response, ApiError> {
    let clear = end_session(&state, &headers).await?;
    Ok((AppendHeaders([(SET_COOKIE, clear)]), Redirect::to("/")).into_response())
}

async fn set_lang(axum::extract::Path(lang): axum::extract::Path<String>, Query(query): Query<NextQuery>) -> Response {
    let value = if lang == "en" { "en" } else { "zh" };
    let next = query.next.unwrap_or_else(|| "/".into());
    let cookie = format!("lang={value}; Path=/; Max-Age=31536000; SameSite=Lax");
    (AppendHeaders([(SET_COOKIE, cookie)]), Redirect::to(safe_next(&next))).into_response()
}

#[derive(Template, WebTemplate)]
#[template(path = "account.html")]
struct AccountPage {
    ctx: Ctx,
    user: User,
    roles: Vec<Role>,
    tokens: Vec<TokenRow>,
    new_secret: Option<String>,
    /// The password and profile forms' errors.
    form: FormState,
}

/// A token as the account page shows it, times in China Standard Time.
struct TokenRow {
    name: String,
    created_at: String,
    last_used_at: Option<String>,
    expires_at: Option<String>,
}

impl From<ApiToken> for TokenRow {
    fn from(t: ApiToken) -> Self {
        let expires_at = t.expires_ms.and_then(|ms| {
            let at = time::OffsetDateTime::from_unix_timestamp_nanos(i128::from(ms) * 1_000_000).ok()?;
            Some(cst(&at.format(&time::format_description::well_known::Rfc3339).ok()?))
        });
        Self {
            name: t.name,
            created_at: cst(&t.created_at),
            last_used_at: t.last_used_at.as_deref().map(cst),
            expires_at,
        }
    }
}

async fn render_account(
    state: &AppState,
    ctx: Ctx,
    new_secret: Option<String>,
    form: FormState,
) -> Result<AccountPage, PageError> {
    let authed = ctx.viewer.require().map_err(|e| ctx.fail(e))?.clone();
    let tokens = state.store.list_api_tokens(authed.user.id).await.map_err(|e| ctx.fail(e))?;
    let tokens = tokens.into_iter().map(TokenRow::from).collect();
    Ok(AccountPage { roles: authed.principal.roles(), user: authed.user, tokens, new_secret, form, ctx })
}

async fn account_page(State(state): State<AppState>, ctx: Ctx) -> Result<AccountPage, PageError> {
    render_account(&state, ctx, None, FormState::new(vec![], ACCOUNT_FIELDS)).await
}

const ACCOUNT_FIELDS: &[&str] = &["current_password", "password", "name"];

#[derive(Deserialize)]
struct TokenForm {
    name: String,
}

/// Creates a token (valid [`crate::app::accounts::TOKEN_DAYS`] days) and shows its secret once,
/// on a page no cache keeps.
async fn create_token_submit(
    State(state): State<AppState>,
    ctx: Ctx,
    axum::Form(form): axum::Form<TokenForm>,
) -> Result<Response, PageError> {
    let user_id = ctx.viewer.require().map_err(|e| ctx.fail(e))?.user.id;
    let days = Some(crate::app::accounts::TOKEN_DAYS);
    let (_, secret) = state.store.create_api_token(user_id, &form.name, days).await.map_err(|e| ctx.fail(e))?;
    let page = render_account(&state, ctx, Some(secret), FormState::new(vec![], ACCOUNT_FIELDS)).await?;
    Ok(([(axum::http::header::CACHE_CONTROL, "no-store")], page).into_response())
}

/// Template filters: `{{ at|cst }}` shows a stored time in China Standard Time.
// The filter macro declares a public helper type.
#[allow(unreachable_pub)]
pub(crate) mod filters {
    /// [`super::cst`] as a filter.
    #[askama::filter_fn]
    pub(crate) fn cst<T: std::fmt::Display>(at: T, _: &dyn askama::Values) -> askama::Result<String> {
        Ok(super::cst(&at.to_string()))
    }

    /// [`super::bytes`] as a filter: `{{ size|bytes }}`.
    #[askama::filter_fn]
    pub(crate) fn bytes<T: Copy + Into<i128>>(size: &T, _: &dyn askama::Values) -> askama::Result<String> {
        Ok(super::bytes((*size).into()))
    }
}

/// A file size as people read it: `512 B`, `34.5 KB`, `1.2 MB`, `3.4 GB` (1 KB = 1,024 bytes).
pub(crate) fn bytes(size: i128) -> String {
    const UNITS: [&str; 4] = ["KB", "MB", "GB", "TB"];
    if size < 1024 {
        return format!("{size} B");
    }
    let mut value = size as f64 / 1024.0;
    let mut unit = 0;
    while value >= 1024.0 && unit < UNITS.len() - 1 {
        value /= 1024.0;
        unit += 1;
    }
    format!("{value:.1} {}", UNITS[unit])
}

pub(crate) use crate::i18n::cst;

/// A checkpoint as the audit page shows it.
struct CheckpointRow {
    at: String,
    reason: &'static str,
    events: i64,
    head: String,
    signature: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "audit.html")]
struct AuditPage {
    ctx: Ctx,
    rows: Vec<CheckpointRow>,
    public_key: String,
}

/// The newest signed checkpoints of the audit chain. Public.
async fn audit_page(State(state): State<AppState>, ctx: Ctx) -> Result<AuditPage, PageError> {
    let checkpoints = crate::app::audit::signed_checkpoints(&state, 50).await.map_err(|e| ctx.fail(e))?;
    let text = ctx.t.audit;
    let rows = checkpoints
        .into_iter()
        .map(|c| CheckpointRow {
            at: cst(c.checkpoint["at"].as_str().unwrap_or_default()),
            reason: match c.checkpoint["reason"].as_str() {
                Some("publicity") => text.publicity,
                Some("announcement") => text.announcement,
                Some("report") => text.report,
                _ => text.daily,
            },
            events: c.checkpoint["events"].as_i64().unwrap_or_default(),
            head: c.checkpoint["head"].as_str().unwrap_or_default().to_owned(),
            signature: c.signature,
        })
        .collect();
    Ok(AuditPage { ctx, rows, public_key: state.signer.public_key_hex() })
}

#[cfg(test)]
mod tests {
    #[test]
    fn times_are_shown_in_china_standard_time() {
        assert_eq!(super::cst("2026-12-01T22:08:48.123Z"), "2026-12-02 06:08");
        assert_eq!(super::cst("not a time"), "not a time");
        assert_eq!(
            [0, 1023, 1024, 35_328, 1_258_291, 3 << 30].map(super::bytes),
            ["0 B", "1023 B", "1.0 KB", "34.5 KB", "1.2 MB", "3.0 GB"]
        );
    }

    #[test]
    fn only_local_paths_are_followed_after_login() {
        assert_eq!(super::safe_next("/programs/1"), "/programs/1");
        let bad =
            ["https://evil.example", "//evil.example", "/\\evil.example", "", "/\t/evil.example", "/\n/evil.example"];
        for bad in bad.into_iter().chain(["/\r\n/evil.example", "/ /evil.example", "/\u{7f}/x"]) {
            assert_eq!(super::safe_next(bad), "/", "{bad}");
        }
    }
}
