//! Selection (揭榜 → 推荐 → 形式审查 → 专家评审 → 公示 → 公告): applications, recommendation,
//! the expert pool and review, ranking, publicity with objections, the announced list and its
//! exports, statistics and notifications.
//!
//! Who sees an application: its consortium's users, the program's organizers, the recommenders
//! of its region once submitted, and experts assigned to it without a conflict of interest.
//! Everyone else gets 404. The public sees the published list only, never contact data or the
//! objectors' identities.

use std::collections::{BTreeMap, HashMap};

use axum::Json;
use axum::extract::{Multipart, State};
use axum::http::StatusCode;
use axum::http::header::{CONTENT_DISPOSITION, CONTENT_TYPE};
use axum::response::{IntoResponse, Response};
use jiebang_core::application::{Action, Actor, ApplicationInput, ApplicationState};
use jiebang_core::program::ProgramStatus;
use jiebang_core::publicity::{Decision, NoticeInput, ObjectionInput, notice_paragraphs};
use jiebang_core::region::Region;
use jiebang_core::review::{ExpertInput, ReviewInput, outliers};
use jiebang_sheets::TableCell;
use jiebang_store::{Application, ApplicationFilter, Assignment, AuditEvent, Objection, Program, Publicity};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::programs::visible_program;
use crate::AppState;
use crate::auth::Viewer;
use crate::error::{ApiError, ApiJson, ApiPath, ApiQuery};

/// What the viewer is to an application.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct Standing {
    /// Organizes its program.
    pub(crate) organizer: bool,
    /// Acts for its lead unit.
    pub(crate) lead: bool,
    /// Acts for a joint unit.
    pub(crate) member: bool,
    /// Recommends in its region (once submitted).
    pub(crate) recommender: bool,
    /// Assigned to review it, as this expert (never when conflicted).
    pub(crate) expert: Option<i64>,
}

impl Standing {
    pub(crate) fn sees(self) -> bool {
        self.organizer || self.lead || self.member || self.recommender || self.expert.is_some()
    }
}

/// The viewer's standing towards `application`.
pub(crate) async fn standing(
    state: &AppState,
    viewer: &Viewer,
    application: &Application,
) -> Result<Standing, ApiError> {
    let Some(principal) = viewer.principal() else { return Ok(Standing::default()) };
    let mut standing = Standing {
        organizer: principal.can_manage_program(application.program_id),
        lead: principal.can_act_for(application.input.lead_organization_id),
        // A draft is the lead unit's alone; the named units see it once it is submitted.
        member: application.state.is_submitted()
            && application.input.joint_units.iter().any(|j| principal.can_act_for(j.organization_id)),
        recommender: application.state.is_submitted() && principal.can_recommend_in(&application.region_code),
        expert: None,
    };
    if principal.is_expert()
        && let Some(expert) = state.store.expert_for_user(principal.user_id).await?
    {
        let assigned =
            state.store.application_assignments(application.id).await?.iter().any(|a| a.expert_id == expert.id);
        if assigned && !state.store.has_conflict(expert.id, application.id).await? {
            standing.expert = Some(expert.id);
        }
    }
    Ok(standing)
}

/// The application if the viewer may see it (404 otherwise), and their standing.
pub(crate) async fn visible_application(
    state: &AppState,
    viewer: &Viewer,
    id: i64,
) -> Result<(Application, Standing), ApiError> {
    let application = state.store.get_application(id).await?;
    let standing = standing(state, viewer, &application).await?;
    if standing.sees() {
        Ok((application, standing))
    } else if viewer.0.is_none() {
        Err(ApiError::Unauthenticated)
    } else {
        Err(ApiError::NotFound(format!("application {id} 不存在 / application {id} not found")))
    }
}

/// The program if the viewer organizes it (404 for drafts they cannot see, else 403).
pub(crate) async fn managed_program(state: &AppState, viewer: &Viewer, id: i64) -> Result<(Program, i64), ApiError> {
    let program = visible_program(state, viewer, id).await?;
    let authed = viewer.require_that(|p| p.can_manage_program(id))?;
    Ok((program, authed.user.id))
}

/// Creates a draft application for a challenge; the caller must act for the lead unit.
#[utoipa::path(post, path = "/api/v1/challenges/{id}/applications", request_body = ApplicationInput,
    responses((status = 201, description = "the draft"), (status = 422, body = crate::error::ErrorEnvelope), (status = 409, body = crate::error::ErrorEnvelope)),
    security(("token" = [])))]
pub(super) async fn create_application(
    State(state): State<AppState>,
    viewer: Viewer,
    ApiPath(id): ApiPath<i64>,
    ApiJson(input): ApiJson<ApplicationInput>,
) -> Result<(StatusCode, Json<Application>), ApiError> {
    super::evaluation::visible_challenge(&state, &viewer, id).await?;
    let authed = viewer.require_that(|p| p.can_act_for(input.lead_organization_id))?;
    let created = state.store.create_application(id, &input, authed.user.id, state.clock.today()).await?;
    Ok((StatusCode::CREATED, Json(created)))
}

/// The applications of a program the caller may see: all for organizers, the region's for
/// recommenders (submitted only), their own units' for applicants, assigned ones for experts.
#[utoipa::path(get, path = "/api/v1/programs/{id}/applications", responses((status = 200, description = "applications")), security(("token" = [])))]
pub(super) async fn list_applications(
    State(state): State<AppState>,
    viewer: Viewer,
    ApiPath(id): ApiPath<i64>,
) -> Result<Json<Vec<Application>>, ApiError> {
    Ok(Json(applications_seen_by(&state, &viewer, id).await?))
}

/// A program's applications the viewer may see.
pub(crate) async fn applications_seen_by(
    state: &AppState,
    viewer: &Viewer,
    program_id: i64,
) -> Result<Vec<Application>, ApiError> {
    visible_program(state, viewer, program_id).await?;
    viewer.require()?;
    let all = state.store.list_applications(program_id, &ApplicationFilter::default()).await?;
    let mut seen = Vec::new();
    for application in all {
        if standing(state, viewer, &application).await?.sees() {
            seen.push(application);
        }
    }
    Ok(seen)
}

/// One application.
#[utoipa::path(get, path = "/api/v1/applications/{id}", responses((status = 200, description = "the application"), (status = 404, body = crate::error::ErrorEnvelope)), security(("token" = [])))]
pub(super) async fn get_application(
    State(state): State<AppState>,
    viewer: Viewer,
    ApiPath(id): ApiPath<i64>,
) -> Result<Json<Application>, ApiError> {
    Ok(Json(visible_application(&state, &viewer, id).await?.0))
}

/// `?signed=true`.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
pub struct SnapshotQuery {
    /// Answer with the snapshot, its SHA-256 and the platform's signature in one JSON document
    /// (`jiebang verify` checks it) instead of the snapshot alone.
    #[serde(default)]
    pub signed: bool,
}

/// A signed application snapshot: the signature covers `snapshot` in its RFC 8785 canonical
/// form, whose SHA-256 is `sha256`.
#[derive(Debug, Serialize, ToSchema)]
pub struct SignedSnapshot {
    /// The snapshot.
    #[schema(value_type = Object)]
    pub snapshot: serde_json::Value,
    /// SHA-256 of the canonical snapshot, hex.
    pub sha256: String,
    /// `RFC8785`.
    pub canonicalization: &'static str,
    /// Ed25519 signature of the canonical snapshot, hex.
    pub signature: String,
    /// The platform's public key, hex.
    pub public_key: String,
}

/// The frozen copy of the last submission, byte for byte as hashed (RFC 8785 canonical JSON);
/// its SHA-256 is in the `X-Snapshot-SHA256` header (and on the application as
/// `snapshot_sha256`). With `?signed=true`, a [`SignedSnapshot`].
#[utoipa::path(get, path = "/api/v1/applications/{id}/snapshot", params(("id" = i64, Path, description = "application id"), SnapshotQuery), responses((status = 200, description = "the snapshot JSON, or a SignedSnapshot"), (status = 404, body = crate::error::ErrorEnvelope)), security(("token" = [])))]
pub(super) async fn snapshot(
    State(state): State<AppState>,
    viewer: Viewer,
    ApiPath(id): ApiPath<i64>,
    ApiQuery(query): ApiQuery<SnapshotQuery>,
) -> Result<Response, ApiError> {
    visible_application(&state, &viewer, id).await?;
    let (snapshot, sha) = state
        .store
        .application_snapshot(id)
        .await?
        .ok_or_else(|| ApiError::NotFound(format!("申报 {id} 尚未提交 / application {id} was never submitted")))?;
    if query.signed {
        let signature = state.signer.sign(snapshot.as_bytes());
        let snapshot = serde_json::from_str(&snapshot).map_err(|e| ApiError::Internal(e.to_string()))?;
        return Ok(Json(SignedSnapshot {
            snapshot,
            sha256: sha,
            canonicalization: jiebang_store::signing::CANONICALIZATION,
            signature,
            public_key: state.signer.public_key_hex(),
        })
        .into_response());
    }
    Ok((
        [
            (CONTENT_TYPE, "application/json".to_owned()),
            (axum::http::HeaderName::from_static("x-snapshot-sha256"), sha),
        ],
        snapshot,
    )
        .into_response())
}

/// Edits a draft or returned application (the lead unit).
#[utoipa::path(put, path = "/api/v1/applications/{id}", request_body = ApplicationInput, responses((status = 200, description = "the application")), security(("token" = [])))]
pub(super) async fn update_application(
    State(state): State<AppState>,
    viewer: Viewer,
    ApiPath(id): ApiPath<i64>,
    ApiJson(input): ApiJson<ApplicationInput>,
) -> Result<Json<Application>, ApiError> {
    let (_, standing) = visible_application(&state, &viewer, id).await?;
    if !standing.lead {
        return Err(ApiError::Forbidden);
    }
    let user = viewer.require()?.user.id;
    Ok(Json(state.store.update_application(id, &input, user, state.clock.today()).await?))
}

/// A hand action on an application.
#[derive(Debug, Deserialize, ToSchema)]
pub struct ActionInput {
    /// `submit` (lead unit), `return`, `pass_check`, `fail_check` (organizers), `recommend`,
    /// `decline` (the region's recommender).
    #[schema(value_type = String)]
    pub action: Action,
    /// Required for return, decline and fail_check; shown to the applicant.
    #[serde(default)]
    pub reason: String,
}

/// Takes an action; each is allowed to one role only, in the right state.
#[utoipa::path(post, path = "/api/v1/applications/{id}/actions", request_body = ActionInput,
    responses((status = 200, description = "the application"), (status = 403, body = crate::error::ErrorEnvelope), (status = 409, body = crate::error::ErrorEnvelope)), security(("token" = [])))]
pub(super) async fn act(
    State(state): State<AppState>,
    viewer: Viewer,
    ApiPath(id): ApiPath<i64>,
    ApiJson(input): ApiJson<ActionInput>,
) -> Result<Json<Application>, ApiError> {
    Ok(Json(take_action(&state, &viewer, id, input.action, &input.reason).await?))
}

/// Checks that the viewer holds the role `action` needs, then takes it.
pub(crate) async fn take_action(
    state: &AppState,
    viewer: &Viewer,
    id: i64,
    action: Action,
    reason: &str,
) -> Result<Application, ApiError> {
    let (application, standing) = visible_application(state, viewer, id).await?;
    let authed = viewer.require()?;
    let (actor, allowed) = match action {
        Action::Submit => (Actor::Applicant, standing.lead),
        Action::Recommend | Action::Decline => (Actor::Recommender, standing.recommender),
        _ => (Actor::Organizer, standing.organizer),
    };
    if !allowed {
        return Err(ApiError::Forbidden);
    }
    let region = authed.principal.grants.iter().find_map(|g| match &g.scope {
        jiebang_core::role::Scope::Region(code)
            if g.role == jiebang_core::role::Role::Recommender
                && application.region_code.starts_with(code.trim_end_matches("00")) =>
        {
            Some(code.clone())
        }
        _ => None,
    });
    Ok(state
        .store
        .act_on_application(id, action, actor, reason, authed.user.id, region.as_deref(), state.clock.today())
        .await?)
}

/// The places of a submitted application's consortium with each unit's answer (lead first;
/// empty for a draft).
#[utoipa::path(get, path = "/api/v1/applications/{id}/consortium", responses((status = 200, description = "the places", body = Vec<PlaceView>), (status = 404, body = crate::error::ErrorEnvelope)), security(("token" = [])))]
pub(super) async fn consortium(
    State(state): State<AppState>,
    viewer: Viewer,
    ApiPath(id): ApiPath<i64>,
) -> Result<Json<Vec<PlaceView>>, ApiError> {
    visible_application(&state, &viewer, id).await?;
    Ok(Json(state.store.consortium_places(id).await?.into_iter().map(PlaceView::from).collect()))
}

/// A place in a consortium.
#[derive(Debug, Serialize, ToSchema)]
pub struct PlaceView {
    /// The unit.
    pub organization_id: i64,
    /// Its name.
    pub organization_name: String,
    /// The lead unit.
    pub lead: bool,
    /// `pending`, `accepted` or `declined`.
    #[schema(value_type = String)]
    pub consent: jiebang_core::application::Consent,
    /// Why it declined.
    pub reason: String,
    /// When it answered.
    pub answered_at: Option<String>,
}

impl From<jiebang_store::Place> for PlaceView {
    fn from(p: jiebang_store::Place) -> Self {
        Self {
            organization_id: p.organization_id,
            organization_name: p.organization_name,
            lead: p.lead,
            consent: p.consent,
            reason: p.reason,
            answered_at: p.answered_at,
        }
    }
}

/// A joint unit's answer.
#[derive(Debug, Deserialize, ToSchema)]
pub struct PlaceAnswer {
    /// The unit answering; the caller must act for it.
    pub organization_id: i64,
    /// `true` to join the consortium, `false` to decline.
    pub accept: bool,
    /// Why it declines (required then); shown to the lead unit.
    #[serde(default)]
    pub reason: String,
}

/// A joint unit named in a submitted application accepts or declines its place. Accepting takes
/// the unit's one place in the challenge (other consortia that named it there are declined);
/// declining returns the application to its lead unit. Until every joint unit accepts, the
/// application can be neither recommended nor pass the formal check.
#[utoipa::path(post, path = "/api/v1/applications/{id}/consortium", request_body = PlaceAnswer, responses((status = 200, description = "the answered place", body = PlaceView), (status = 403, body = crate::error::ErrorEnvelope), (status = 409, body = crate::error::ErrorEnvelope)), security(("token" = [])))]
pub(super) async fn answer_place(
    State(state): State<AppState>,
    viewer: Viewer,
    ApiPath(id): ApiPath<i64>,
    ApiJson(input): ApiJson<PlaceAnswer>,
) -> Result<Json<PlaceView>, ApiError> {
    Ok(Json(answer(&state, &viewer, id, &input).await?))
}

/// Checks that the viewer acts for the answering unit, then records the answer.
pub(crate) async fn answer(
    state: &AppState,
    viewer: &Viewer,
    id: i64,
    input: &PlaceAnswer,
) -> Result<PlaceView, ApiError> {
    visible_application(state, viewer, id).await?;
    let authed = viewer.require_that(|p| p.can_act_for(input.organization_id))?;
    let place =
        state.store.answer_place(id, input.organization_id, input.accept, &input.reason, authed.user.id).await?;
    Ok(place.into())
}

/// The dual-role statements of a program's experts (its organizers).
#[utoipa::path(get, path = "/api/v1/programs/{id}/dual-roles", responses((status = 200, description = "the statements", body = Vec<DualRoleView>)), security(("token" = [])))]
pub(super) async fn list_dual_roles(
    State(state): State<AppState>,
    viewer: Viewer,
    ApiPath(id): ApiPath<i64>,
) -> Result<Json<Vec<DualRoleView>>, ApiError> {
    managed_program(&state, &viewer, id).await?;
    Ok(Json(state.store.dual_role_declarations(id).await?.into_iter().map(DualRoleView::from).collect()))
}

/// An expert's declaration that their account also applies in the program.
#[derive(Debug, Serialize, ToSchema)]
pub struct DualRoleView {
    /// The expert.
    pub expert_id: i64,
    /// Their name.
    pub expert_name: String,
    /// What they declared.
    pub statement: String,
    /// When (RFC 3339).
    pub declared_at: String,
}

impl From<jiebang_store::DualRole> for DualRoleView {
    fn from(d: jiebang_store::DualRole) -> Self {
        Self { expert_id: d.expert_id, expert_name: d.expert_name, statement: d.statement, declared_at: d.declared_at }
    }
}

/// Largest attachment.
pub(crate) const MAX_ATTACHMENT_BYTES: u64 = 20 << 20;

/// The body limit of the attachment routes: one attachment and room for the form around it.
pub(crate) fn attachment_body_limit() -> axum::extract::DefaultBodyLimit {
    axum::extract::DefaultBodyLimit::max(MAX_ATTACHMENT_BYTES as usize + (1 << 20))
}

/// Checks the viewer leads the application, then stores and attaches every PDF in the form.
pub(crate) async fn attach_pdfs(
    state: &AppState,
    viewer: &Viewer,
    id: i64,
    multipart: Multipart,
) -> Result<(), ApiError> {
    let (application, standing) = visible_application(state, viewer, id).await?;
    if !standing.lead {
        return Err(ApiError::Forbidden);
    }
    // Refused before the body is read (the store checks again when it attaches).
    if !application.state.is_editable() {
        return Err(ApiError::Conflict {
            code: "refused",
            field: None,
            message: "只有草稿或退回修改的申报可以添加附件 / attachments can be added to drafts and returned applications only".into(),
        });
    }
    let user = viewer.require()?.user.id;
    let form = super::evaluation::read_form(state, multipart, MAX_ATTACHMENT_BYTES, user).await?;
    super::evaluation::with_uploads(state, user, form, |form| async move {
        if form.files.is_empty() {
            return Err(jiebang_core::Error::invalid("file", "请选择 PDF 文件 / choose a PDF file").into());
        }
        for (_, file) in &form.files {
            let head = state.files.get(&file.key).await?;
            if !head.starts_with(b"%PDF-") {
                return Err(jiebang_core::Error::invalid(
                    "file",
                    format!("「{}」不是 PDF 文件 / '{}' is not a PDF", file.name, file.name),
                )
                .into());
            }
            state.store.attach_file(id, file, user).await?;
        }
        Ok(())
    })
    .await
}

/// Attaches PDF files (multipart, field `file`, at most 20 MiB each) to an editable application.
#[utoipa::path(post, path = "/api/v1/applications/{id}/attachments", responses((status = 204, description = "attached"), (status = 422, body = crate::error::ErrorEnvelope)), security(("token" = [])))]
pub(super) async fn attach(
    State(state): State<AppState>,
    viewer: Viewer,
    ApiPath(id): ApiPath<i64>,
    multipart: Multipart,
) -> Result<StatusCode, ApiError> {
    attach_pdfs(&state, &viewer, id, multipart).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// An application's full history from the audit log (organizers).
#[utoipa::path(get, path = "/api/v1/applications/{id}/history", responses((status = 200, description = "audit events, oldest first")), security(("token" = [])))]
pub(super) async fn history(
    State(state): State<AppState>,
    viewer: Viewer,
    ApiPath(id): ApiPath<i64>,
) -> Result<Json<Vec<AuditEvent>>, ApiError> {
    let (_, standing) = visible_application(&state, &viewer, id).await?;
    if !standing.organizer {
        return Err(ApiError::Forbidden);
    }
    Ok(Json(state.store.list_audit_events(&format!("application:{id}")).await?))
}

/// Adds a user to the expert pool (admins and global organizers).
#[utoipa::path(post, path = "/api/v1/experts", request_body = ExpertInput, responses((status = 201, description = "the expert")), security(("token" = [])))]
pub(super) async fn create_expert(
    State(state): State<AppState>,
    viewer: Viewer,
    ApiJson(input): ApiJson<ExpertInput>,
) -> Result<(StatusCode, Json<jiebang_store::Expert>), ApiError> {
    let authed = viewer.require_that(|p| p.can_create_program())?;
    Ok((StatusCode::CREATED, Json(state.store.create_expert(&input, Some(authed.user.id)).await?)))
}

/// The expert pool (admins and organizers).
#[utoipa::path(get, path = "/api/v1/experts", responses((status = 200, description = "experts")), security(("token" = [])))]
pub(super) async fn list_experts(
    State(state): State<AppState>,
    viewer: Viewer,
) -> Result<Json<Vec<jiebang_store::Expert>>, ApiError> {
    viewer.require_that(|p| {
        p.can_create_program() || p.grants.iter().any(|g| g.role == jiebang_core::role::Role::Organizer)
    })?;
    Ok(Json(state.store.list_experts().await?))
}

/// The expert to assign.
#[derive(Debug, Deserialize, ToSchema)]
pub struct AssignInput {
    /// Expert id.
    pub expert_id: i64,
}

/// Assigns an expert by hand (organizers); refused on a conflict of interest.
#[utoipa::path(post, path = "/api/v1/applications/{id}/assignments", request_body = AssignInput, responses((status = 201, description = "assigned")), security(("token" = [])))]
pub(super) async fn assign(
    State(state): State<AppState>,
    viewer: Viewer,
    ApiPath(id): ApiPath<i64>,
    ApiJson(input): ApiJson<AssignInput>,
) -> Result<(StatusCode, Json<Assignment>), ApiError> {
    let (application, standing) = visible_application(&state, &viewer, id).await?;
    if !standing.organizer {
        return Err(ApiError::Forbidden);
    }
    let user = viewer.require()?.user.id;
    let _ = application;
    Ok((StatusCode::CREATED, Json(state.store.assign_expert(id, input.expert_id, user).await?)))
}

/// The seed of a draw.
#[derive(Debug, Deserialize, ToSchema, Default)]
pub struct DrawInput {
    /// A u64 seed; random when omitted. Recorded either way.
    pub seed: Option<u64>,
}

/// Draws experts for every checked application (organizers); the seed is recorded for replay.
#[utoipa::path(post, path = "/api/v1/programs/{id}/draws", request_body = DrawInput, responses((status = 201, description = "the draw")), security(("token" = [])))]
pub(super) async fn draw(
    State(state): State<AppState>,
    viewer: Viewer,
    ApiPath(id): ApiPath<i64>,
    ApiJson(input): ApiJson<DrawInput>,
) -> Result<(StatusCode, Json<jiebang_store::Draw>), ApiError> {
    let (_, user) = managed_program(&state, &viewer, id).await?;
    Ok((StatusCode::CREATED, Json(state.store.draw_experts(id, input.seed, user).await?)))
}

/// A declared conflict.
#[derive(Debug, Deserialize, ToSchema)]
pub struct ConflictInput {
    /// Why (e.g. 近三年合作).
    pub reason: String,
}

/// An expert declares a conflict of interest with an application; an unreviewed assignment
/// is withdrawn and the application disappears from their view.
#[utoipa::path(post, path = "/api/v1/applications/{id}/conflicts", request_body = ConflictInput, responses((status = 204, description = "declared")), security(("token" = [])))]
pub(super) async fn declare_conflict(
    State(state): State<AppState>,
    viewer: Viewer,
    ApiPath(id): ApiPath<i64>,
    ApiJson(input): ApiJson<ConflictInput>,
) -> Result<StatusCode, ApiError> {
    let (_, standing) = visible_application(&state, &viewer, id).await?;
    let expert = standing.expert.ok_or(ApiError::Forbidden)?;
    state.store.declare_conflict(expert, id, &input.reason, viewer.require()?.user.id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// A dual role declared.
#[derive(Debug, Deserialize, ToSchema)]
pub struct DualRoleInput {
    /// What the caller does for which applying unit (e.g. 本人同时为某公司揭榜联系人).
    pub statement: String,
}

/// An expert whose account also applies in the program declares that dual role (experts in the
/// pool only). Until then the expert is drawn for none of the program's applications; after it,
/// for any but their own units'.
#[utoipa::path(post, path = "/api/v1/programs/{id}/dual-role", request_body = DualRoleInput, responses((status = 204, description = "declared"), (status = 403, body = crate::error::ErrorEnvelope)), security(("token" = [])))]
pub(super) async fn declare_dual_role(
    State(state): State<AppState>,
    viewer: Viewer,
    ApiPath(id): ApiPath<i64>,
    ApiJson(input): ApiJson<DualRoleInput>,
) -> Result<StatusCode, ApiError> {
    declare_dual_role_as(&state, &viewer, id, &input.statement).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Records the viewer's dual-role statement in a program they see (experts in the pool only).
pub(crate) async fn declare_dual_role_as(
    state: &AppState,
    viewer: &Viewer,
    program_id: i64,
    statement: &str,
) -> Result<(), ApiError> {
    let authed = viewer.require()?;
    visible_program(state, viewer, program_id).await?;
    let expert = state.store.expert_for_user(authed.user.id).await?.ok_or(ApiError::Forbidden)?;
    Ok(state.store.declare_dual_role(expert.id, program_id, statement, authed.user.id).await?)
}

/// Submits the caller's review of an application they are assigned to; final once submitted.
#[utoipa::path(post, path = "/api/v1/applications/{id}/reviews", request_body = ReviewInput, responses((status = 201, description = "the review")), security(("token" = [])))]
pub(super) async fn submit_review(
    State(state): State<AppState>,
    viewer: Viewer,
    ApiPath(id): ApiPath<i64>,
    ApiJson(input): ApiJson<ReviewInput>,
) -> Result<(StatusCode, Json<jiebang_store::Review>), ApiError> {
    let (_, standing) = visible_application(&state, &viewer, id).await?;
    let expert = standing.expert.ok_or(ApiError::Forbidden)?;
    Ok((StatusCode::CREATED, Json(state.store.submit_review(id, expert, &input).await?)))
}

/// One expert's review as organizers see it, with the outlier flag.
#[derive(Debug, Serialize, ToSchema)]
pub struct ReviewRow {
    /// The expert.
    pub expert_name: String,
    /// Scores per criterion, or none while pending.
    pub scores: Option<Vec<f64>>,
    /// Total.
    pub total: Option<f64>,
    /// 专家意见.
    pub comment: String,
    /// 一票否决 reason.
    pub veto: Option<String>,
    /// More than the program's outlier points from the median total.
    pub outlier: bool,
}

/// The reviews of an application (organizers), outliers flagged for the panel chair.
pub(crate) async fn review_rows(state: &AppState, application: &Application) -> Result<Vec<ReviewRow>, ApiError> {
    let program = state.store.get_program(application.program_id).await?;
    let panel = state.store.application_assignments(application.id).await?;
    let totals: Vec<f64> = panel.iter().filter_map(|a| a.review.as_ref().map(|r| r.total)).collect();
    let mut flags = outliers(&totals, f64::from(program.rules.outlier_points)).into_iter();
    Ok(panel
        .into_iter()
        .map(|a| {
            let outlier = a.review.is_some() && flags.next().unwrap_or(false);
            ReviewRow {
                expert_name: a.expert_name,
                scores: a.review.as_ref().map(|r| r.scores.clone()),
                total: a.review.as_ref().map(|r| r.total),
                comment: a.review.as_ref().map(|r| r.comment.clone()).unwrap_or_default(),
                veto: a.review.and_then(|r| r.veto),
                outlier,
            }
        })
        .collect())
}

/// An application's reviews (organizers).
#[utoipa::path(get, path = "/api/v1/applications/{id}/reviews", responses((status = 200, body = Vec<ReviewRow>)), security(("token" = [])))]
pub(super) async fn list_reviews(
    State(state): State<AppState>,
    viewer: Viewer,
    ApiPath(id): ApiPath<i64>,
) -> Result<Json<Vec<ReviewRow>>, ApiError> {
    let (application, standing) = visible_application(&state, &viewer, id).await?;
    if !standing.organizer {
        return Err(ApiError::Forbidden);
    }
    Ok(Json(review_rows(&state, &application).await?))
}

/// How to rank.
#[derive(Debug, Deserialize, ToSchema, Default)]
pub struct RankingInput {
    /// Weight (0–1) of the objective evaluation score; 0 ranks on expert scores alone.
    #[serde(default)]
    pub objective_weight: f64,
    /// The evaluation phase whose leaderboard gives the objective score (its primary metric,
    /// a fraction, as 0–100), by the lead unit.
    pub objective_phase_id: Option<i64>,
}

/// Aggregates reviews, ranks each challenge and marks the draft list (organizers).
#[utoipa::path(post, path = "/api/v1/programs/{id}/ranking", request_body = RankingInput, responses((status = 200, description = "ranked applications")), security(("token" = [])))]
pub(super) async fn rank(
    State(state): State<AppState>,
    viewer: Viewer,
    ApiPath(id): ApiPath<i64>,
    ApiJson(input): ApiJson<RankingInput>,
) -> Result<Json<Vec<Application>>, ApiError> {
    Ok(Json(rank_program(&state, &viewer, id, &input).await?))
}

/// Ranks a program, taking objective scores from a phase's leaderboard when asked.
pub(crate) async fn rank_program(
    state: &AppState,
    viewer: &Viewer,
    id: i64,
    input: &RankingInput,
) -> Result<Vec<Application>, ApiError> {
    let (_, user) = managed_program(state, viewer, id).await?;
    let mut objective = HashMap::new();
    if let Some(phase_id) = input.objective_phase_id.filter(|_| input.objective_weight > 0.0) {
        let (phase, _) = super::evaluation::visible_phase(state, viewer, phase_id).await?;
        let board = super::evaluation::board(state, viewer, &phase, true, None).await?;
        let fraction = jiebang_core::indicator::MetricKey::parse(&board.primary).is_ok_and(|m| m.is_fraction());
        if board.direction != "higher" || !fraction {
            return Err(jiebang_core::Error::invalid(
                "objective_phase_id",
                format!("主指标 {} 不是越高越好的比例，不能折算为百分制 / the primary metric {} is not a higher-is-better fraction", board.primary, board.primary),
            )
            .into());
        }
        for row in board.rows.iter().filter(|r| !r.baseline) {
            objective.insert(row.team_id, row.score * 100.0);
        }
    }
    Ok(state.store.rank_program(id, input.objective_weight, &objective, user).await?)
}

/// Publishes the draft list for 公示 (organizers).
#[utoipa::path(post, path = "/api/v1/programs/{id}/publicity", request_body = NoticeInput, responses((status = 201, description = "the publicity")), security(("token" = [])))]
pub(super) async fn publish(
    State(state): State<AppState>,
    viewer: Viewer,
    ApiPath(id): ApiPath<i64>,
    ApiJson(input): ApiJson<NoticeInput>,
) -> Result<(StatusCode, Json<Publicity>), ApiError> {
    Ok((StatusCode::CREATED, Json(publish_program(&state, &viewer, id, &input).await?)))
}

/// Publishes the draft list (organizers) and signs a checkpoint of the audit chain: the API's
/// and the desk's one path.
pub(crate) async fn publish_program(
    state: &AppState,
    viewer: &Viewer,
    id: i64,
    input: &NoticeInput,
) -> Result<Publicity, ApiError> {
    let (_, user) = managed_program(state, viewer, id).await?;
    let publicity = state.store.publish_publicity(id, input, &state.calendar, state.clock.today(), user).await?;
    checkpoint(state, "publicity").await;
    Ok(publicity)
}

/// Announces the final list (organizers) and signs a checkpoint of the audit chain.
pub(crate) async fn announce_program(state: &AppState, viewer: &Viewer, id: i64) -> Result<Publicity, ApiError> {
    let (_, user) = managed_program(state, viewer, id).await?;
    let publicity = state.store.announce(id, state.clock.today(), user).await?;
    checkpoint(state, "announcement").await;
    Ok(publicity)
}

/// Signs a checkpoint after a decision that has already been committed: a failure is logged
/// (the next daily checkpoint covers the decision), not reported as the decision's.
pub(crate) async fn checkpoint(state: &AppState, reason: &str) {
    if let Err(error) = state.store.record_checkpoint(&state.signer, reason).await {
        tracing::error!(%error, reason, "could not sign an audit checkpoint");
    }
}

/// One row of the published list (columns as in docs/domain.md §6.2).
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ListRow {
    /// 序号.
    pub number: usize,
    /// The application.
    pub application_id: i64,
    /// 项目名称.
    pub project_name: String,
    /// 牵头单位.
    pub lead: String,
    /// 联合单位.
    pub joint: Vec<String>,
    /// 所属行业 (GB/T 4754 names).
    pub industries: Vec<String>,
    /// 所在市.
    pub city: String,
    /// 推荐单位.
    pub recommender: String,
    /// 揭榜方向.
    pub direction: String,
    /// 拟入选, 入围 or 撤销入选.
    pub state: String,
}

/// The public notice: text, period and list.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct NoticeView {
    /// Program title.
    pub program: String,
    /// 发榜方.
    pub issuer: String,
    /// Whether the final list is announced (公告) rather than in 公示.
    pub announced: bool,
    /// The publicity record.
    #[schema(value_type = Object)]
    pub publicity: Publicity,
    /// Whether objections may be filed today.
    pub open: bool,
    /// The notice's paragraphs.
    pub paragraphs: Vec<String>,
    /// The list.
    pub rows: Vec<ListRow>,
}

/// The notice of a program in 公示 or announced, for everyone.
pub(crate) async fn notice(state: &AppState, viewer: &Viewer, id: i64) -> Result<NoticeView, ApiError> {
    let program = visible_program(state, viewer, id).await?;
    let publicity = state
        .store
        .latest_publicity(id)
        .await?
        .ok_or_else(|| ApiError::NotFound(format!("批次 {id} 尚未公示 / program {id} has no publicity yet")))?;
    let announced = program.status != ProgramStatus::Publicity && publicity.announced_at.is_some();
    let states = if announced {
        vec![ApplicationState::Selected]
    } else {
        vec![ApplicationState::Proposed, ApplicationState::Withdrawn]
    };
    let rows = list_rows(state, id, states).await?;
    let period = (publicity.starts_on, publicity.ends_on);
    let paragraphs = notice_paragraphs(&publicity.notice, &program.title, period, publicity.working_days as u32);
    Ok(NoticeView {
        open: program.status == ProgramStatus::Publicity && publicity.is_open_on(state.clock.today()),
        program: program.title,
        issuer: program.issuer,
        announced,
        publicity,
        paragraphs,
        rows,
    })
}

async fn list_rows(state: &AppState, program_id: i64, states: Vec<ApplicationState>) -> Result<Vec<ListRow>, ApiError> {
    let applications = state
        .store
        .list_applications(program_id, &ApplicationFilter { states: Some(states), ..Default::default() })
        .await?;
    let challenges: HashMap<i64, jiebang_store::ChallengeRecord> =
        state.store.all_challenges(program_id).await?.into_iter().map(|c| (c.id, c)).collect();
    let mut rows = Vec::new();
    for (i, a) in applications.into_iter().enumerate() {
        let mut joint = Vec::new();
        for unit in &a.input.joint_units {
            joint.push(state.store.get_organization(unit.organization_id).await?.name);
        }
        let recommender = match a.recommended_by {
            Some(user) => state.store.get_user(user).await?.name,
            None => String::new(),
        };
        let challenge = challenges.get(&a.challenge_id);
        rows.push(ListRow {
            number: i + 1,
            application_id: a.id,
            project_name: a.input.project_name.clone(),
            lead: a.lead_organization_name.clone(),
            joint,
            industries: challenge
                .map(|c| c.challenge.industries.iter().map(|i| i.industry().name.to_owned()).collect())
                .unwrap_or_default(),
            city: city_name(&a.region_code),
            recommender,
            direction: challenge.map(|c| c.challenge.direction.clone()).unwrap_or_default(),
            state: a.state.label_zh().to_owned(),
        });
    }
    Ok(rows)
}

/// The city (地级市) a region code lies in, by name.
pub(crate) fn city_name(region_code: &str) -> String {
    Region::lookup(region_code).map(|r| r.city().unwrap_or(r).name.to_owned()).unwrap_or_else(|| region_code.to_owned())
}

/// The published notice and list (public while in 公示 and after 公告).
#[utoipa::path(get, path = "/api/v1/programs/{id}/publicity", responses((status = 200, body = NoticeView), (status = 404, body = crate::error::ErrorEnvelope)))]
pub(super) async fn get_publicity(
    State(state): State<AppState>,
    viewer: Viewer,
    ApiPath(id): ApiPath<i64>,
) -> Result<Json<NoticeView>, ApiError> {
    Ok(Json(notice(&state, &viewer, id).await?))
}

/// `?format=csv|xlsx`.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
pub struct ListQuery {
    /// `csv` or `xlsx` (default).
    pub format: Option<String>,
}

/// The published list as a spreadsheet: 序号 | 项目名称 | 牵头单位 | 联合单位 | 所属行业 | 所在市 |
/// 推荐单位 | 揭榜方向.
#[utoipa::path(get, path = "/api/v1/programs/{id}/list", params(ListQuery), responses((status = 200, description = "CSV or XLSX")))]
pub(super) async fn export_list(
    State(state): State<AppState>,
    viewer: Viewer,
    ApiPath(id): ApiPath<i64>,
    ApiQuery(query): ApiQuery<ListQuery>,
) -> Result<Response, ApiError> {
    let view = notice(&state, &viewer, id).await?;
    let header: Vec<String> =
        ["序号", "项目名称", "牵头单位", "联合单位", "所属行业", "所在市", "推荐单位", "揭榜方向"]
            .map(String::from)
            .to_vec();
    let rows: Vec<Vec<TableCell>> = view
        .rows
        .iter()
        .filter(|r| r.state != ApplicationState::Withdrawn.label_zh())
        .enumerate()
        .map(|(i, r)| {
            vec![
                TableCell::Number((i + 1) as f64),
                TableCell::Text(r.project_name.clone()),
                TableCell::Text(r.lead.clone()),
                TableCell::Text(r.joint.join("、")),
                TableCell::Text(r.industries.join("、")),
                TableCell::Text(r.city.clone()),
                TableCell::Text(r.recommender.clone()),
                TableCell::Text(r.direction.clone()),
            ]
        })
        .collect();
    let (bytes, content_type, ext) = match query.format.as_deref().unwrap_or("xlsx") {
        "csv" => (jiebang_sheets::write_table_csv(&header, &rows)?, "text/csv; charset=utf-8", "csv"),
        "xlsx" => (
            jiebang_sheets::write_table_xlsx(if view.announced { "入围名单" } else { "拟入选名单" }, &header, &rows)?,
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            "xlsx",
        ),
        other => {
            return Err(ApiError::BadRequest(format!(
                "format 应为 csv 或 xlsx / format must be csv or xlsx, not '{other}'"
            )));
        }
    };
    Ok((
        [
            (CONTENT_TYPE, content_type.to_owned()),
            (CONTENT_DISPOSITION, format!("attachment; filename=\"program-{id}-list.{ext}\"")),
        ],
        bytes,
    )
        .into_response())
}

/// Files an objection during 公示 (any signed-in user, under their real name).
#[utoipa::path(post, path = "/api/v1/programs/{id}/objections", request_body = ObjectionInput, responses((status = 201, description = "filed"), (status = 409, body = crate::error::ErrorEnvelope)), security(("token" = [])))]
pub(super) async fn file_objection(
    State(state): State<AppState>,
    viewer: Viewer,
    ApiPath(id): ApiPath<i64>,
    ApiJson(input): ApiJson<ObjectionInput>,
) -> Result<(StatusCode, Json<Objection>), ApiError> {
    visible_program(&state, &viewer, id).await?;
    let user = viewer.require()?.user.id;
    Ok((StatusCode::CREATED, Json(state.store.file_objection(id, &input, user, state.clock.today()).await?)))
}

/// A program's objections with the filers' identities (organizers only).
#[utoipa::path(get, path = "/api/v1/programs/{id}/objections", responses((status = 200, description = "objections")), security(("token" = [])))]
pub(super) async fn list_objections(
    State(state): State<AppState>,
    viewer: Viewer,
    ApiPath(id): ApiPath<i64>,
) -> Result<Json<Vec<Objection>>, ApiError> {
    managed_program(&state, &viewer, id).await?;
    Ok(Json(state.store.list_objections(id).await?))
}

/// The decision on an objection.
#[derive(Debug, Deserialize, ToSchema)]
pub struct DecisionInput {
    /// `reject`, `withdraw` (upheld: off the list) or `rereview` (upheld: back to review).
    #[schema(value_type = String)]
    pub decision: Decision,
    /// 核查情况 and reasons.
    pub handling: String,
}

/// Decides an objection (the program's organizers).
#[utoipa::path(post, path = "/api/v1/objections/{id}/decision", request_body = DecisionInput, responses((status = 200, description = "decided")), security(("token" = [])))]
pub(super) async fn decide(
    State(state): State<AppState>,
    viewer: Viewer,
    ApiPath(id): ApiPath<i64>,
    ApiJson(input): ApiJson<DecisionInput>,
) -> Result<Json<Objection>, ApiError> {
    Ok(Json(decide_objection(&state, &viewer, id, input.decision, &input.handling).await?))
}

/// Checks the viewer organizes the objection's program, then records the decision.
pub(crate) async fn decide_objection(
    state: &AppState,
    viewer: &Viewer,
    id: i64,
    decision: Decision,
    handling: &str,
) -> Result<Objection, ApiError> {
    viewer.require()?;
    let objection = state.store.get_objection(id).await?;
    let application = state.store.get_application(objection.application_id).await?;
    let (_, user) = managed_program(state, viewer, application.program_id).await?;
    Ok(state.store.decide_objection(id, decision, handling, user).await?)
}

/// Announces the final list (organizers), after the period with every objection decided.
#[utoipa::path(post, path = "/api/v1/programs/{id}/announcement", responses((status = 200, description = "announced"), (status = 409, body = crate::error::ErrorEnvelope)), security(("token" = [])))]
pub(super) async fn announce(
    State(state): State<AppState>,
    viewer: Viewer,
    ApiPath(id): ApiPath<i64>,
) -> Result<Json<Publicity>, ApiError> {
    Ok(Json(announce_program(&state, &viewer, id).await?))
}

/// Counts for one group.
#[derive(Debug, Clone, Default, Serialize, ToSchema)]
pub struct Count {
    /// Group label.
    pub label: String,
    /// Submitted applications.
    pub applications: u32,
    /// On the draft or final list.
    pub selected: u32,
}

/// Applications and selections by city, industry and organization kind.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Statistics {
    /// By city of the lead unit, most selections first.
    pub by_city: Vec<Count>,
    /// By industry of the challenge.
    pub by_industry: Vec<Count>,
    /// By kind of the lead unit.
    pub by_kind: Vec<Count>,
    /// Totals.
    pub total: Count,
}

/// Computes a program's statistics (public once the program is).
pub(crate) async fn statistics(state: &AppState, viewer: &Viewer, id: i64) -> Result<Statistics, ApiError> {
    visible_program(state, viewer, id).await?;
    let applications = state.store.list_applications(id, &ApplicationFilter::default()).await?;
    let challenges: HashMap<i64, jiebang_store::ChallengeRecord> =
        state.store.all_challenges(id).await?.into_iter().map(|c| (c.id, c)).collect();
    let mut by_city: BTreeMap<String, Count> = BTreeMap::new();
    let mut by_industry: BTreeMap<String, Count> = BTreeMap::new();
    let mut by_kind: BTreeMap<String, Count> = BTreeMap::new();
    let mut total = Count { label: "合计".into(), ..Count::default() };
    for a in applications.iter().filter(|a| a.state.is_submitted()) {
        let chosen = matches!(a.state, ApplicationState::Proposed | ApplicationState::Selected);
        let kind = state.store.get_organization(a.input.lead_organization_id).await?.kind.label_zh().to_owned();
        let industries = challenges
            .get(&a.challenge_id)
            .map(|c| c.challenge.industries.iter().map(|i| i.industry().name.to_owned()).collect())
            .unwrap_or_default();
        let groups = [
            (&mut by_city, vec![city_name(&a.region_code)]),
            (&mut by_industry, industries),
            (&mut by_kind, vec![kind]),
        ];
        for (map, labels) in groups {
            for label in labels {
                let count = map.entry(label.clone()).or_insert_with(|| Count { label, ..Count::default() });
                count.applications += 1;
                count.selected += u32::from(chosen);
            }
        }
        total.applications += 1;
        total.selected += u32::from(chosen);
    }
    let sorted = |map: BTreeMap<String, Count>| {
        let mut v: Vec<Count> = map.into_values().collect();
        v.sort_by(|a, b| {
            b.selected.cmp(&a.selected).then(b.applications.cmp(&a.applications)).then(a.label.cmp(&b.label))
        });
        v
    };
    Ok(Statistics { by_city: sorted(by_city), by_industry: sorted(by_industry), by_kind: sorted(by_kind), total })
}

/// Applications and selections by city, industry and organization kind.
#[utoipa::path(get, path = "/api/v1/programs/{id}/statistics", responses((status = 200, body = Statistics)))]
pub(super) async fn get_statistics(
    State(state): State<AppState>,
    viewer: Viewer,
    ApiPath(id): ApiPath<i64>,
) -> Result<Json<Statistics>, ApiError> {
    Ok(Json(statistics(&state, &viewer, id).await?))
}

/// The caller's latest notifications.
#[utoipa::path(get, path = "/api/v1/notifications", responses((status = 200, description = "notifications, newest first")), security(("token" = [])))]
pub(super) async fn notifications(
    State(state): State<AppState>,
    viewer: Viewer,
) -> Result<Json<Vec<jiebang_store::Notification>>, ApiError> {
    let user = viewer.require()?.user.id;
    Ok(Json(state.store.list_notifications(user, 100).await?))
}

/// Marks every notification of the caller read.
#[utoipa::path(post, path = "/api/v1/notifications/read", responses((status = 204, description = "done")), security(("token" = [])))]
pub(super) async fn read_notifications(State(state): State<AppState>, viewer: Viewer) -> Result<StatusCode, ApiError> {
    let user = viewer.require()?.user.id;
    state.store.mark_notifications_read(user).await?;
    Ok(StatusCode::NO_CONTENT)
}
