//! Who is asking: a browser session cookie or an `Authorization: Bearer` API token, resolved
//! once per request into a [`Viewer`]. Handlers then ask the domain's permission functions.

use axum::extract::FromRequestParts;
use axum::http::HeaderMap;
use axum::http::header::{AUTHORIZATION, COOKIE};
use axum::http::request::Parts;
use jiebang_core::role::Principal;
use jiebang_store::User;

use crate::AppState;
use crate::error::ApiError;

/// Name of the session cookie.
pub const SESSION_COOKIE: &str = "jiebang_session";

/// A signed-in user and what they hold.
#[derive(Debug, Clone)]
pub struct Authed {
    /// The account.
    pub user: User,
    /// Their grants.
    pub principal: Principal,
}

/// The caller: signed in or anonymous.
#[derive(Debug, Clone)]
pub struct Viewer(pub Option<Authed>);

impl Viewer {
    /// The signed-in user, or 401.
    pub fn require(&self) -> Result<&Authed, ApiError> {
        self.0.as_ref().ok_or(ApiError::Unauthenticated)
    }

    /// The principal, if signed in.
    pub fn principal(&self) -> Option<&Principal> {
        self.0.as_ref().map(|a| &a.principal)
    }

    /// Requires a signed-in user for whom `allowed` holds: 401 when anonymous, 403 otherwise.
    pub fn require_that(&self, allowed: impl FnOnce(&Principal) -> bool) -> Result<&Authed, ApiError> {
        let authed = self.require()?;
        if allowed(&authed.principal) { Ok(authed) } else { Err(ApiError::Forbidden) }
    }

    /// The user id, if signed in.
    pub fn user_id(&self) -> Option<i64> {
        self.0.as_ref().map(|a| a.user.id)
    }
}

/// The value of one cookie in the request headers.
pub fn cookie<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get_all(COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v)
}

/// Signs out: deletes the request's session, if any, and returns the `Set-Cookie` value that
/// clears it in the browser.
pub async fn end_session(state: &AppState, headers: &HeaderMap) -> Result<String, ApiError> {
    if let Some(secret) = cookie(headers, SESSION_COOKIE) {
        state.store.delete_session(secret).await?;
    }
    Ok(session_cookie("", 0, state.config.secure_cookies))
}

/// The client's address, for counting failed sign-ins: the last entry of the configured proxy
/// header ([`crate::WebConfig::client_address_header`]), else the connection's address
/// (`ConnectInfo`), else `unknown` (tests through the router).
#[derive(Debug, Clone)]
pub struct ClientAddress(pub String);

impl FromRequestParts<AppState> for ClientAddress {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        let forwarded = state.config.client_address_header.as_deref().and_then(|name| {
            let value = parts.headers.get(name)?.to_str().ok()?;
            Some(value.rsplit(',').next()?.trim().to_owned()).filter(|a| !a.is_empty())
        });
        let seen =
            parts.extensions.get::<axum::extract::ConnectInfo<std::net::SocketAddr>>().map(|c| c.0.ip().to_string());
        Ok(Self(forwarded.or(seen).unwrap_or_else(|| "unknown".into())))
    }
}

impl FromRequestParts<AppState> for Viewer {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        let user = if let Some(header) = parts.headers.get(AUTHORIZATION) {
            // A token that was sent but is wrong is an error, never a silent downgrade to anonymous.
            let token =
                header.to_str().ok().and_then(|h| h.strip_prefix("Bearer ")).ok_or(ApiError::Unauthenticated)?;
            let user = state.store.token_user(token.trim()).await?.ok_or(ApiError::Unauthenticated)?;
            let principal = state.store.principal(user.id).await?;
            Some((user, principal))
        } else if let Some(secret) = cookie(&parts.headers, SESSION_COOKIE) {
            state.store.session_user(secret).await?
        } else {
            None
        };
        Ok(Viewer(user.map(|(user, principal)| Authed { user, principal })))
    }
}

/// A `Set-Cookie` value for the session, or for clearing it when `secret` is empty.
pub fn session_cookie(secret: &str, max_age_seconds: i64, secure: bool) -> String {
    let secure = if secure { "; Secure" } else { "" };
    let max_age = if secret.is_empty() { 0 } else { max_age_seconds };
    format!("{SESSION_COOKIE}={secret}; Path=/; HttpOnly; SameSite=Lax; Max-Age={max_age}{secure}")
}
