//! Sessions, personal API tokens, and user administration.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use axum::http::header::SET_COOKIE;
use axum::response::{AppendHeaders, IntoResponse};
use jiebang_core::role::Grant;

use crate::AppState;
use crate::app::accounts::{
    CreateUserInput, LoginInput, NewTokenView, TokenInput, TokenView, check_grant_target, token_days,
};
use crate::app::views::{PageView, Paging, UserView};
use crate::auth::{ClientAddress, Viewer, end_session, session_cookie};
use crate::error::{ApiError, ApiJson, ApiPath, ApiQuery};

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

/// Creates a user (admin).
#[utoipa::path(post, path = "/api/v1/users", request_body = CreateUserInput,
    responses((status = 201, body = UserView), (status = 409, body = crate::error::ErrorEnvelope)), security(("token" = [])))]
pub(super) async fn create_user(
    State(state): State<AppState>,
    viewer: Viewer,
    ApiJson(input): ApiJson<CreateUserInput>,
) -> Result<(StatusCode, Json<UserView>), ApiError> {
    let admin = viewer.require_that(|p| p.can_manage_users())?.user.id;
    if let Some(grant) = &input.grant {
        check_grant_target(&state, grant).await?;
    }
    let user = state.store.create_user(&input.email, &input.name, &input.password).await?;
    if let Some(grant) = &input.grant {
        state.store.add_grant_by(user.id, grant, Some(admin)).await?;
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
    crate::app::accounts::grant_role(&state, &viewer, id, &grant).await?;
    let user = state.store.get_user(id).await?;
    Ok(Json(UserView::new(user, state.store.principal(id).await?.grants)))
}
