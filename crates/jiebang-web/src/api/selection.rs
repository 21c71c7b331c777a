//! `/api/v1` endpoints of selection (揭榜 → 推荐 → 形式审查 → 专家评审 → 公示 → 公告), over
//! [`crate::app::selection`], which also says who sees an application.

use axum::Json;
use axum::extract::{Multipart, State};
use axum::http::StatusCode;
use axum::http::header::{CONTENT_DISPOSITION, CONTENT_TYPE};
use axum::response::{IntoResponse, Response};
use jiebang_core::application::{ApplicationInput, ApplicationState};
use jiebang_core::publicity::{NoticeInput, ObjectionInput};
use jiebang_core::review::{ExpertInput, ReviewInput};
use jiebang_sheets::TableCell;
use jiebang_store::{Application, Assignment, AuditEvent, Objection, Publicity};

use crate::AppState;
use crate::app::access::{managed_program, visible_application, visible_program};
use crate::app::selection::{
    ActionInput, AssignInput, ConflictInput, DecisionInput, DrawInput, DualRoleInput, DualRoleView, ListQuery,
    NoticeView, PlaceAnswer, PlaceView, RankingInput, ReviewRow, SignedSnapshot, SnapshotQuery, Statistics,
    announce_program, answer, applications_seen_by, attach_pdfs, decide_objection, declare_dual_role_as, notice,
    publish_program, rank_program, review_rows, statistics, take_action,
};
use crate::auth::Viewer;
use crate::error::{ApiError, ApiJson, ApiPath, ApiQuery};

/// Creates a draft application for a challenge; the caller must act for the lead unit.
#[utoipa::path(post, path = "/api/v1/challenges/{id}/applications", request_body = ApplicationInput,
    responses((status = 201, description = "the draft", body = Application), (status = 422, body = crate::error::ErrorEnvelope), (status = 409, body = crate::error::ErrorEnvelope)),
    security(("token" = [])))]
pub(super) async fn create_application(
    State(state): State<AppState>,
    viewer: Viewer,
    ApiPath(id): ApiPath<i64>,
    ApiJson(input): ApiJson<ApplicationInput>,
) -> Result<(StatusCode, Json<Application>), ApiError> {
    crate::app::access::visible_challenge(&state, &viewer, id).await?;
    let authed = viewer.require_that(|p| p.can_act_for(input.lead_organization_id))?;
    let created = state.store.create_application(id, &input, authed.user.id, state.clock.today()).await?;
    Ok((StatusCode::CREATED, Json(created)))
}

/// The applications of a program the caller may see: all for organizers, the region's for
/// recommenders (submitted only), their own units' for applicants, assigned ones for experts.
#[utoipa::path(get, path = "/api/v1/programs/{id}/applications", responses((status = 200, description = "applications", body = Vec<Application>)), security(("token" = [])))]
pub(super) async fn list_applications(
    State(state): State<AppState>,
    viewer: Viewer,
    ApiPath(id): ApiPath<i64>,
) -> Result<Json<Vec<Application>>, ApiError> {
    Ok(Json(applications_seen_by(&state, &viewer, id).await?.1))
}

/// One application.
#[utoipa::path(get, path = "/api/v1/applications/{id}", responses((status = 200, description = "the application", body = Application), (status = 404, body = crate::error::ErrorEnvelope)), security(("token" = [])))]
pub(super) async fn get_application(
    State(state): State<AppState>,
    viewer: Viewer,
    ApiPath(id): ApiPath<i64>,
) -> Result<Json<Application>, ApiError> {
    Ok(Json(visible_application(&state, &viewer, id).await?.0))
}

/// The frozen copy of the last submission, byte for byte as hashed (RFC 8785 canonical JSON);
/// its SHA-256 is in the `X-Snapshot-SHA256` header (and on the application as
/// `snapshot_sha256`). With `?signed=true`, a [`SignedSnapshot`].
#[utoipa::path(get, path = "/api/v1/applications/{id}/snapshot", params(("id" = i64, Path, description = "application id"), SnapshotQuery), responses((status = 200, description = "the snapshot JSON, or with `?signed=true` a SignedSnapshot", body = serde_json::Value), (status = 404, body = crate::error::ErrorEnvelope)), security(("token" = [])))]
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
#[utoipa::path(put, path = "/api/v1/applications/{id}", request_body = ApplicationInput, responses((status = 200, description = "the application", body = Application)), security(("token" = [])))]
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

/// Takes an action; each is allowed to one role only, in the right state.
#[utoipa::path(post, path = "/api/v1/applications/{id}/actions", request_body = ActionInput,
    responses((status = 200, description = "the application", body = Application), (status = 403, body = crate::error::ErrorEnvelope), (status = 409, body = crate::error::ErrorEnvelope)), security(("token" = [])))]
pub(super) async fn act(
    State(state): State<AppState>,
    viewer: Viewer,
    ApiPath(id): ApiPath<i64>,
    ApiJson(input): ApiJson<ActionInput>,
) -> Result<Json<Application>, ApiError> {
    Ok(Json(take_action(&state, &viewer, id, input.action, &input.reason).await?))
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
#[utoipa::path(get, path = "/api/v1/applications/{id}/history", responses((status = 200, description = "audit events, oldest first", body = Vec<AuditEvent>)), security(("token" = [])))]
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
#[utoipa::path(post, path = "/api/v1/experts", request_body = ExpertInput, responses((status = 201, description = "the expert", body = jiebang_store::Expert)), security(("token" = [])))]
pub(super) async fn create_expert(
    State(state): State<AppState>,
    viewer: Viewer,
    ApiJson(input): ApiJson<ExpertInput>,
) -> Result<(StatusCode, Json<jiebang_store::Expert>), ApiError> {
    let authed = viewer.require_that(|p| p.can_create_program())?;
    Ok((StatusCode::CREATED, Json(state.store.create_expert(&input, Some(authed.user.id)).await?)))
}

/// The expert pool (admins and organizers).
#[utoipa::path(get, path = "/api/v1/experts", responses((status = 200, description = "experts", body = Vec<jiebang_store::Expert>)), security(("token" = [])))]
pub(super) async fn list_experts(
    State(state): State<AppState>,
    viewer: Viewer,
) -> Result<Json<Vec<jiebang_store::Expert>>, ApiError> {
    viewer.require_that(|p| {
        p.can_create_program() || p.grants.iter().any(|g| g.role == jiebang_core::role::Role::Organizer)
    })?;
    Ok(Json(state.store.list_experts().await?))
}

/// Assigns an expert by hand (organizers); refused on a conflict of interest.
#[utoipa::path(post, path = "/api/v1/applications/{id}/assignments", request_body = AssignInput, responses((status = 201, description = "assigned", body = Assignment)), security(("token" = [])))]
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

/// Draws experts for every checked application (organizers); the seed is recorded for replay.
#[utoipa::path(post, path = "/api/v1/programs/{id}/draws", request_body = DrawInput, responses((status = 201, description = "the draw", body = jiebang_store::Draw)), security(("token" = [])))]
pub(super) async fn draw(
    State(state): State<AppState>,
    viewer: Viewer,
    ApiPath(id): ApiPath<i64>,
    ApiJson(input): ApiJson<DrawInput>,
) -> Result<(StatusCode, Json<jiebang_store::Draw>), ApiError> {
    let (_, user) = managed_program(&state, &viewer, id).await?;
    Ok((StatusCode::CREATED, Json(state.store.draw_experts(id, input.seed, user).await?)))
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

/// Submits the caller's review of an application they are assigned to; final once submitted.
#[utoipa::path(post, path = "/api/v1/applications/{id}/reviews", request_body = ReviewInput, responses((status = 201, description = "the review", body = jiebang_store::Review)), security(("token" = [])))]
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

/// Aggregates reviews, ranks each challenge and marks the draft list (organizers).
#[utoipa::path(post, path = "/api/v1/programs/{id}/ranking", request_body = RankingInput, responses((status = 200, description = "ranked applications", body = Vec<Application>)), security(("token" = [])))]
pub(super) async fn rank(
    State(state): State<AppState>,
    viewer: Viewer,
    ApiPath(id): ApiPath<i64>,
    ApiJson(input): ApiJson<RankingInput>,
) -> Result<Json<Vec<Application>>, ApiError> {
    Ok(Json(rank_program(&state, &viewer, id, &input).await?))
}

/// Publishes the draft list for 公示 (organizers).
#[utoipa::path(post, path = "/api/v1/programs/{id}/publicity", request_body = NoticeInput, responses((status = 201, description = "the publicity", body = Publicity)), security(("token" = [])))]
pub(super) async fn publish(
    State(state): State<AppState>,
    viewer: Viewer,
    ApiPath(id): ApiPath<i64>,
    ApiJson(input): ApiJson<NoticeInput>,
) -> Result<(StatusCode, Json<Publicity>), ApiError> {
    Ok((StatusCode::CREATED, Json(publish_program(&state, &viewer, id, &input).await?)))
}

/// The published notice and list (public while in 公示 and after 公告).
#[utoipa::path(get, path = "/api/v1/programs/{id}/publicity", responses((status = 200, body = NoticeView), (status = 404, body = crate::error::ErrorEnvelope)))]
pub(super) async fn get_publicity(
    State(state): State<AppState>,
    viewer: Viewer,
    ApiPath(id): ApiPath<i64>,
) -> Result<Json<NoticeView>, ApiError> {
    Ok(Json(notice(&state, &viewer, id, crate::i18n::Lang::Zh).await?))
}

/// The published list as a spreadsheet: 序号 | 项目名称 | 牵头单位 | 联合单位 | 所属行业 | 所在市 |
/// 推荐单位 | 揭榜方向 (| 类别: 揭榜单位 or 潜力单位, where the program lists that tier).
#[utoipa::path(get, path = "/api/v1/programs/{id}/list", params(ListQuery), responses((status = 200, description = "the list as XLSX, or CSV with `?format=csv`", content_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")))]
pub(super) async fn export_list(
    State(state): State<AppState>,
    viewer: Viewer,
    ApiPath(id): ApiPath<i64>,
    ApiQuery(query): ApiQuery<ListQuery>,
) -> Result<Response, ApiError> {
    let view = notice(&state, &viewer, id, crate::i18n::Lang::Zh).await?;
    let tiered = view.rows.iter().any(|r| r.tier.is_some());
    let mut header: Vec<String> =
        ["序号", "项目名称", "牵头单位", "联合单位", "所属行业", "所在市", "推荐单位", "揭榜方向"]
            .map(String::from)
            .to_vec();
    if tiered {
        header.push("类别".into());
    }
    let rows: Vec<Vec<TableCell>> = view
        .rows
        .iter()
        .filter(|r| r.state != ApplicationState::Withdrawn.label_zh())
        .enumerate()
        .map(|(i, r)| {
            let tier = r.tier.iter().map(|t| TableCell::Text(t.clone()));
            [
                TableCell::Number((i + 1) as f64),
                TableCell::Text(r.project_name.clone()),
                TableCell::Text(r.lead.clone()),
                TableCell::Text(r.joint.join("、")),
                TableCell::Text(r.industries.join("、")),
                TableCell::Text(r.city.clone()),
                TableCell::Text(r.recommender.clone()),
                TableCell::Text(r.direction.clone()),
            ]
            .into_iter()
            .chain(tier)
            .collect()
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
#[utoipa::path(post, path = "/api/v1/programs/{id}/objections", request_body = ObjectionInput, responses((status = 201, description = "filed", body = Objection), (status = 409, body = crate::error::ErrorEnvelope)), security(("token" = [])))]
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
#[utoipa::path(get, path = "/api/v1/programs/{id}/objections", responses((status = 200, description = "objections", body = Vec<Objection>)), security(("token" = [])))]
pub(super) async fn list_objections(
    State(state): State<AppState>,
    viewer: Viewer,
    ApiPath(id): ApiPath<i64>,
) -> Result<Json<Vec<Objection>>, ApiError> {
    managed_program(&state, &viewer, id).await?;
    Ok(Json(state.store.list_objections(id).await?))
}

/// Decides an objection (the program's organizers).
#[utoipa::path(post, path = "/api/v1/objections/{id}/decision", request_body = DecisionInput, responses((status = 200, description = "decided", body = Objection)), security(("token" = [])))]
pub(super) async fn decide(
    State(state): State<AppState>,
    viewer: Viewer,
    ApiPath(id): ApiPath<i64>,
    ApiJson(input): ApiJson<DecisionInput>,
) -> Result<Json<Objection>, ApiError> {
    Ok(Json(decide_objection(&state, &viewer, id, input.decision, &input.handling).await?))
}

/// Announces the final list (organizers), after the period with every objection decided.
#[utoipa::path(post, path = "/api/v1/programs/{id}/announcement", responses((status = 200, description = "announced", body = Publicity), (status = 409, body = crate::error::ErrorEnvelope)), security(("token" = [])))]
pub(super) async fn announce(
    State(state): State<AppState>,
    viewer: Viewer,
    ApiPath(id): ApiPath<i64>,
) -> Result<Json<Publicity>, ApiError> {
    Ok(Json(announce_program(&state, &viewer, id).await?))
}

/// Applications and selections by city, industry and organization kind.
#[utoipa::path(get, path = "/api/v1/programs/{id}/statistics", responses((status = 200, body = Statistics)))]
pub(super) async fn get_statistics(
    State(state): State<AppState>,
    viewer: Viewer,
    ApiPath(id): ApiPath<i64>,
) -> Result<Json<Statistics>, ApiError> {
    Ok(Json(statistics(&state, &viewer, id, crate::i18n::Lang::Zh).await?))
}

/// The caller's latest notifications.
#[utoipa::path(get, path = "/api/v1/notifications", responses((status = 200, description = "notifications, newest first", body = Vec<jiebang_store::Notification>)), security(("token" = [])))]
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
