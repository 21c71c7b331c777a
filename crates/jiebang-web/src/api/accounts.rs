//! Sessions, personal API tokens, and user administration.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use axum::http::header::SET_COOKIE;
use axum::response::{AppendHeaders, IntoResponse};
use jiebang_core::role::{Grant, Role, Scope};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::Paging;
use super::views::{PageView, UserView};
use crate::AppState;
use crate::auth::{ClientAddress, Viewer, end_session, session_cookie};
use crate::error::{ApiError, ApiJson, ApiPath, ApiQuery};

/// Credentials.
#[derive(Debug, Deserialize, ToSchema)]
pub struct LoginInput {
    /// E-mail.
    pub email: String,
    /// Password.
    pub password: String,
}

/// Signs in; sets the session cookie (HttpOnly, SameSite=Lax) and returns the user.
#[utoipa::path(post, path = "/api/v1/session", request_body = LoginInput,
    responses((status = 200, body = UserView), (status = 401, body = crate::error::ErrorEnvelope), (status = 429, body = crate::error::ErrorEnvelope)))]
pub(super) async fn create_session(
    State(state): State<AppState>,
    ClientAddress(client): ClientAddress,
    ApiJson(input): ApiJson<LoginInput>,
) -> Result<impl IntoResponse, ApiError> {
    let user =
        state.store.authenticate(&input.email, &input.password, &client).await?.ok_or(ApiError::Unauthenticated)?;
    let secret = state.store.create_session(user.id, state.config.session_seconds).await?;
    let grants = state.store.principal(user.id).await?.grants;
    let cookie = session_cookie(&secret, state.config.session_seconds, state.config.secure_cookies);
    Ok((AppendHeaders([(SET_COOKIE, cookie)]), Json(UserView::new(user, grants))))
}

/// The signed-in user.
#[utoipa::path(get, path = "/api/v1/session", responses((status = 200, body = UserView), (status = 401, body = crate::error::ErrorEnvelope)))]
pub(super) async fn get_session(viewer: Viewer) -> Result<Json<UserView>, ApiError> {
    let authed = viewer.require()?;
    Ok(Json(UserView::new(authed.user.clone(), authed.principal.grants.clone())))
}

/// Signs out.
#[utoipa::path(delete, path = "/api/v1/session", responses((status = 204)))]
pub(super) async fn delete_session(
    State(state): State<AppState>,
    headers: axum::http::HeaderMap,
) -> Result<impl IntoResponse, ApiError> {
    let clear = end_session(&state, &headers).await?;
    Ok((StatusCode::NO_CONTENT, AppendHeaders([(SET_COOKIE, clear)])))
}

/// A token to create.
#[derive(Debug, Deserialize, ToSchema)]
pub struct TokenInput {
    /// A label, e.g. the script using it.
    pub name: String,
    /// Days until it stops working, 1 to 365 [default: 90].
    #[serde(default)]
    pub valid_days: Option<u32>,
}

/// Days a token works unless its creator says otherwise.
pub(crate) const TOKEN_DAYS: u32 = 90;

/// The validity asked for, checked.
pub(crate) fn token_days(asked: Option<u32>) -> Result<u32, ApiError> {
    match asked.unwrap_or(TOKEN_DAYS) {
        days @ 1..=365 => Ok(days),
        _ => {
            Err(jiebang_core::Error::invalid("valid_days", "有效期应为 1 至 365 天 / valid_days must be 1 to 365")
                .into())
        }
    }
}

/// A token's metadata.
#[derive(Debug, Serialize, ToSchema)]
pub struct TokenView {
    /// Id.
    pub id: i64,
    /// Label.
    pub name: String,
    /// Created.
    pub created_at: String,
    /// Last used.
    pub last_used_at: Option<String>,
    /// When it stops working (milliseconds since the epoch), if ever.
    pub expires_ms: Option<i64>,
}

impl From<jiebang_store::ApiToken> for TokenView {
    fn from(t: jiebang_store::ApiToken) -> Self {
        Self {
            id: t.id,
            name: t.name,
            created_at: t.created_at,
            last_used_at: t.last_used_at,
            expires_ms: t.expires_ms,
        }
    }
}

/// A new token with its secret, shown only this once.
#[derive(Debug, Serialize, ToSchema)]
pub struct NewTokenView {
    /// Metadata.
    pub token: TokenView,
    /// Send as `Authorization: Bearer <secret>`.
    pub secret: String,
}

/// The caller's API tokens.
#[utoipa::path(get, path = "/api/v1/tokens", responses((status = 200, body = Vec<TokenView>)), security(("token" = [])))]
pub(super) async fn list_tokens(
    State(state): State<AppState>,
    viewer: Viewer,
) -> Result<Json<Vec<TokenView>>, ApiError> {
    let authed = viewer.require()?;
    Ok(Json(state.store.list_api_tokens(authed.user.id).await?.into_iter().map(TokenView::from).collect()))
}

/// Creates a personal API token (valid 90 days unless `valid_days` says otherwise). The answer
/// carries the secret once and is never cached.
#[utoipa::path(post, path = "/api/v1/tokens", request_body = TokenInput, responses((status = 201, body = NewTokenView)), security(("token" = [])))]
pub(super) async fn create_token(
    State(state): State<AppState>,
    viewer: Viewer,
    ApiJson(input): ApiJson<TokenInput>,
) -> Result<impl IntoResponse, ApiError> {
    let authed = viewer.require()?;
    let days = token_days(input.valid_days)?;
    let (token, secret) = state.store.create_api_token(authed.user.id, &input.name, Some(days)).await?;
    let no_store = [(axum::http::header::CACHE_CONTROL, "no-store")];
    Ok((StatusCode::CREATED, no_store, Json(NewTokenView { token: token.into(), secret })))
}

/// Revokes one of the caller's tokens.
#[utoipa::path(delete, path = "/api/v1/tokens/{id}", responses((status = 204), (status = 404, body = crate::error::ErrorEnvelope)), security(("token" = [])))]
pub(super) async fn delete_token(
    State(state): State<AppState>,
    viewer: Viewer,
    ApiPath(id): ApiPath<i64>,
) -> Result<StatusCode, ApiError> {
    let authed = viewer.require()?;
    state.store.delete_api_token(authed.user.id, id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// All users (admin).
#[utoipa::path(get, path = "/api/v1/users", params(Paging), responses((status = 200, body = PageView<UserView>)), security(("token" = [])))]
pub(super) async fn list_users(
    State(state): State<AppState>,
    viewer: Viewer,
    ApiQuery(paging): ApiQuery<Paging>,
) -> Result<Json<PageView<UserView>>, ApiError> {
    viewer.require_that(|p| p.can_manage_users())?;
    let page = state.store.list_users(paging.request()).await?;
    let mut items = Vec::with_capacity(page.items.len());
    for user in page.items {
        let grants = state.store.principal(user.id).await?.grants;
        items.push(UserView::new(user, grants));
    }
    Ok(Json(PageView { items, total: page.total, page: page.page, per_page: page.per_page }))
}

/// A user to create, with an optional first grant.
#[derive(Debug, Deserialize, ToSchema)]
pub struct CreateUserInput {
    /// E-mail.
    pub email: String,
    /// Name.
    pub name: String,
    /// Initial password (at least 8 characters).
    pub password: String,
    /// A grant to give right away.
    pub grant: Option<Grant>,
}

/// Creates a user (admin).
#[utoipa::path(post, path = "/api/v1/users", request_body = CreateUserInput,
    responses((status = 201, body = UserView), (status = 409, body = crate::error::ErrorEnvelope)), security(("token" = [])))]
pub(super) async fn create_user(
    State(state): State<AppState>,
    viewer: Viewer,
    ApiJson(input): ApiJson<CreateUserInput>,
) -> Result<(StatusCode, Json<UserView>), ApiError> {
    viewer.require_that(|p| p.can_manage_users())?;
    if let Some(grant) = &input.grant {
        check_grant_target(&state, grant).await?;
    }
    let user = state.store.create_user(&input.email, &input.name, &input.password).await?;
    if let Some(grant) = &input.grant {
        state.store.add_grant(user.id, grant).await?;
    }
    let grants = state.store.principal(user.id).await?.grants;
    Ok((StatusCode::CREATED, Json(UserView::new(user, grants))))
}

/// Gives a user a role in a scope (admin).
#[utoipa::path(post, path = "/api/v1/users/{id}/grants", request_body = Grant, responses((status = 200, body = UserView)), security(("token" = [])))]
pub(super) async fn add_grant(
    State(state): State<AppState>,
    viewer: Viewer,
    ApiPath(id): ApiPath<i64>,
    ApiJson(grant): ApiJson<Grant>,
) -> Result<Json<UserView>, ApiError> {
    viewer.require_that(|p| p.can_manage_users())?;
    check_grant_target(&state, &grant).await?;
    state.store.add_grant(id, &grant).await?;
    let user = state.store.get_user(id).await?;
    Ok(Json(UserView::new(user, state.store.principal(id).await?.grants)))
}

/// A grant must point at something that exists and fit its role.
async fn check_grant_target(state: &AppState, grant: &Grant) -> Result<(), ApiError> {
    let fits = matches!(
        (grant.role, &grant.scope),
        (Role::Admin | Role::Expert, Scope::Global)
            | (Role::Organizer, Scope::Global | Scope::Program(_))
            | (Role::Recommender, Scope::Region(_))
            | (Role::Applicant, Scope::Organization(_))
    );
    if !fits {
        return Err(jiebang_core::Error::invalid(
            "grant.scope",
            "该角色不能使用此范围 / this scope does not fit the role",
        )
        .into());
    }
    match grant.scope {
        Scope::Program(id) => drop(state.store.get_program(id).await?),
        Scope::Organization(id) => drop(state.store.get_organization(id).await?),
        Scope::Global | Scope::Region(_) => {}
    }
    Ok(())
}
