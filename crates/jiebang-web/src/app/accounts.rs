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

/// An admin grants a role to a user; the grant must fit the role and point at something that
/// exists.
pub(crate) async fn grant_role(
    state: &AppState,
    viewer: &crate::auth::Viewer,
    user_id: i64,
    grant: &Grant,
) -> Result<(), ApiError> {
    let admin = viewer.require_that(|p| p.can_manage_users())?.user.id;
    check_grant_target(state, grant).await?;
    Ok(state.store.add_grant_by(user_id, grant, Some(admin)).await?)
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

/// Hands an account link to its owner. When the platform sends mail, the store has queued it
/// for the mailer. Without mail there is no one else to carry it, so — and only then — the link
/// is written to the log for the operator, who passes it on (admins can also issue a fresh one on
/// the user page); the page tells the user so.
pub(crate) fn hand_over(state: &AppState, link: &jiebang_store::AccountLink) {
    if !state.config.sends_mail {
        tracing::warn!(
            email = %link.user.email,
            link = %link.path(),
            "SMTP is not configured: this account link is logged for the operator instead of mailed"
        );
    }
}

/// Signs a new account up and hands its verification link over.
pub(crate) async fn sign_up(
    state: &AppState,
    client: &str,
    email: &str,
    name: &str,
    password: &str,
) -> Result<(), ApiError> {
    let link = state.store.sign_up(email, name, password, client, state.config.sends_mail).await?;
    hand_over(state, &link);
    Ok(())
}

/// A link asked for by address; the answer is the same whether or not the address is known.
pub(crate) async fn request_link(
    state: &AppState,
    client: &str,
    email: &str,
    purpose: jiebang_store::LinkPurpose,
) -> Result<(), ApiError> {
    if let Some(link) = state.store.request_link(email, purpose, client, state.config.sends_mail).await? {
        hand_over(state, &link);
    }
    Ok(())
}

/// An admin issues a fresh verification link for a user; without mail the link comes back for
/// the admin to pass on.
pub(crate) async fn resend_verification(
    state: &AppState,
    viewer: &crate::auth::Viewer,
    user_id: i64,
) -> Result<Option<String>, ApiError> {
    let admin = viewer.require_that(|p| p.can_manage_users())?;
    let purpose = jiebang_store::LinkPurpose::Verify;
    let link = state.store.issue_link(user_id, purpose, Some(admin.user.id), state.config.sends_mail).await?;
    Ok((!state.config.sends_mail).then(|| link.path()))
}
