//! Sessions, personal API tokens, and user administration.

use jiebang_core::role::{Grant, Role, Scope};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::AppState;
use crate::error::ApiError;

/// Credentials.
#[derive(Debug, Deserialize, ToSchema)]
pub struct LoginInput {
    /// E-mail.
    pub email: String,
    /// Password.
    pub password: String,
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

/// A grant must point at something that exists and fit its role.
pub(crate) async fn check_grant_target(state: &AppState, grant: &Grant) -> Result<(), ApiError> {
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
