//! Programs and their challenge lists (发榜), including spreadsheet import and export.

use axum::Json;
use axum::extract::{Multipart, State};
use axum::http::StatusCode;
use axum::http::header::{CONTENT_DISPOSITION, CONTENT_TYPE};
use axum::response::IntoResponse;
use jiebang_core::challenge::ChallengeInput;
use jiebang_core::program::ProgramInput;

use crate::AppState;
use crate::app::access::{managed_challenge, visible_program};
use crate::app::programs::{ArchiveInput, ChallengeQuery, ExportQuery, TransitionInput};
use crate::app::views::{ChallengeView, PageView, Paging, ProgramView};
use crate::auth::Viewer;
use crate::error::{ApiError, ApiJson, ApiPath, ApiQuery};
use crate::http::read_upload;

/// Programs visible to the caller: all published ones, plus drafts they organize.
#[utoipa::path(get, path = "/api/v1/programs", responses((status = 200, body = Vec<ProgramView>)))]
pub(super) async fn list_programs(
    State(state): State<AppState>,
    viewer: Viewer,
) -> Result<Json<Vec<ProgramView>>, ApiError> {
    Ok(Json(state.store.list_programs(viewer.principal()).await?.into_iter().map(ProgramView::from).collect()))
}

/// Creates a program in draft (admins and organizers); the caller organizes it.
#[utoipa::path(post, path = "/api/v1/programs", request_body = ProgramInput,
    responses((status = 201, body = ProgramView), (status = 422, body = crate::error::ErrorEnvelope)), security(("token" = [])))]
pub(super) async fn create_program(
    State(state): State<AppState>,
    viewer: Viewer,
    ApiJson(input): ApiJson<ProgramInput>,
) -> Result<(StatusCode, Json<ProgramView>), ApiError> {
    let authed = viewer.require_that(|p| p.can_create_program())?;
    let program = state.store.create_program(input, Some(authed.user.id), false).await?;
    Ok((StatusCode::CREATED, Json(program.into())))
}

/// One program.
#[utoipa::path(get, path = "/api/v1/programs/{id}", responses((status = 200, body = ProgramView), (status = 404, body = crate::error::ErrorEnvelope)))]
pub(super) async fn get_program(
    State(state): State<AppState>,
    viewer: Viewer,
    ApiPath(id): ApiPath<i64>,
) -> Result<Json<ProgramView>, ApiError> {
    Ok(Json(visible_program(&state, &viewer, id).await?.into()))
}

/// Edits a program (its organizers).
#[utoipa::path(put, path = "/api/v1/programs/{id}", request_body = ProgramInput, responses((status = 200, body = ProgramView)), security(("token" = [])))]
pub(super) async fn update_program(
    State(state): State<AppState>,
    viewer: Viewer,
    ApiPath(id): ApiPath<i64>,
    ApiJson(input): ApiJson<ProgramInput>,
) -> Result<Json<ProgramView>, ApiError> {
    visible_program(&state, &viewer, id).await?;
    let authed = viewer.require_that(|p| p.can_manage_program(id))?;
    Ok(Json(state.store.update_program(id, input, Some(authed.user.id)).await?.into()))
}

/// Moves a program along its lifecycle (its organizers); 409 for a disallowed move.
#[utoipa::path(post, path = "/api/v1/programs/{id}/transition", request_body = TransitionInput,
    responses((status = 200, body = ProgramView), (status = 409, body = crate::error::ErrorEnvelope)), security(("token" = [])))]
pub(super) async fn transition_program(
    State(state): State<AppState>,
    viewer: Viewer,
    ApiPath(id): ApiPath<i64>,
    ApiJson(input): ApiJson<TransitionInput>,
) -> Result<Json<ProgramView>, ApiError> {
    visible_program(&state, &viewer, id).await?;
    let authed = viewer.require_that(|p| p.can_manage_program(id))?;
    Ok(Json(state.store.transition_program(id, input.to, Some(authed.user.id)).await?.into()))
}

/// A program's challenge list, filtered and paged.
#[utoipa::path(get, path = "/api/v1/programs/{id}/challenges", params(ChallengeQuery, Paging),
    responses((status = 200, body = PageView<ChallengeView>), (status = 404, body = crate::error::ErrorEnvelope)))]
pub(super) async fn list_challenges(
    State(state): State<AppState>,
    viewer: Viewer,
    ApiPath(id): ApiPath<i64>,
    ApiQuery(query): ApiQuery<ChallengeQuery>,
    ApiQuery(paging): ApiQuery<Paging>,
) -> Result<Json<PageView<ChallengeView>>, ApiError> {
    visible_program(&state, &viewer, id).await?;
    let page = state.store.list_challenges(id, &query.filter()?, paging.request()).await?;
    Ok(Json(PageView::from_page(page, ChallengeView::from)))
}

/// Adds a challenge with its indicators (the program's organizers).
#[utoipa::path(post, path = "/api/v1/programs/{id}/challenges", request_body = ChallengeInput,
    responses((status = 201, body = ChallengeView), (status = 422, body = crate::error::ErrorEnvelope)), security(("token" = [])))]
pub(super) async fn create_challenge(
    State(state): State<AppState>,
    viewer: Viewer,
    ApiPath(id): ApiPath<i64>,
    ApiJson(input): ApiJson<ChallengeInput>,
) -> Result<(StatusCode, Json<ChallengeView>), ApiError> {
    visible_program(&state, &viewer, id).await?;
    let authed = viewer.require_that(|p| p.can_manage_program(id))?;
    let challenge = input.validate()?;
    Ok((StatusCode::CREATED, Json(state.store.create_challenge(id, &challenge, Some(authed.user.id)).await?.into())))
}

/// One challenge.
#[utoipa::path(get, path = "/api/v1/challenges/{id}", responses((status = 200, body = ChallengeView), (status = 404, body = crate::error::ErrorEnvelope)))]
pub(super) async fn get_challenge(
    State(state): State<AppState>,
    viewer: Viewer,
    ApiPath(id): ApiPath<i64>,
) -> Result<Json<ChallengeView>, ApiError> {
    let record = state.store.get_challenge(id).await?;
    visible_program(&state, &viewer, record.program_id).await?;
    Ok(Json(record.into()))
}

/// Replaces a challenge (the program's organizers).
#[utoipa::path(put, path = "/api/v1/challenges/{id}", request_body = ChallengeInput, responses((status = 200, body = ChallengeView)), security(("token" = [])))]
pub(super) async fn update_challenge(
    State(state): State<AppState>,
    viewer: Viewer,
    ApiPath(id): ApiPath<i64>,
    ApiJson(input): ApiJson<ChallengeInput>,
) -> Result<Json<ChallengeView>, ApiError> {
    let (_, user) = managed_challenge(&state, &viewer, id).await?;
    let challenge = input.validate()?;
    Ok(Json(state.store.update_challenge(id, &challenge, Some(user)).await?.into()))
}

/// Removes a challenge (the program's organizers).
#[utoipa::path(delete, path = "/api/v1/challenges/{id}", responses((status = 204)), security(("token" = [])))]
pub(super) async fn delete_challenge(
    State(state): State<AppState>,
    viewer: Viewer,
    ApiPath(id): ApiPath<i64>,
) -> Result<StatusCode, ApiError> {
    let (_, user) = managed_challenge(&state, &viewer, id).await?;
    state.store.delete_challenge(id, Some(user)).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Takes a challenge off a published list (撤榜, the program's organizers): it stays on the list,
/// marked with the reason, keeps its applications, submissions and signed reports, and takes
/// nothing new. Irreversible; deletion is for challenges of a draft list nobody has used.
#[utoipa::path(post, path = "/api/v1/challenges/{id}/archive", request_body = ArchiveInput, responses((status = 200, description = "the archived challenge", body = ChallengeView), (status = 409, body = crate::error::ErrorEnvelope)), security(("token" = [])))]
pub(super) async fn archive_challenge(
    State(state): State<AppState>,
    viewer: Viewer,
    ApiPath(id): ApiPath<i64>,
    ApiJson(input): ApiJson<ArchiveInput>,
) -> Result<Json<ChallengeView>, ApiError> {
    let (_, user) = managed_challenge(&state, &viewer, id).await?;
    Ok(Json(state.store.archive_challenge(id, &input.reason, user).await?.into()))
}

/// Imports challenges from an `.xlsx` or `.csv` upload (multipart field `file`); all rows or none.
#[utoipa::path(post, path = "/api/v1/programs/{id}/challenges/import",
    request_body(content_type = "multipart/form-data", description = "field `file`: .xlsx or .csv"),
    responses((status = 201, body = Vec<ChallengeView>), (status = 422, body = crate::error::ErrorEnvelope, description = "every bad row with its row number and column"),
              (status = 413, body = crate::error::ErrorEnvelope)), security(("token" = [])))]
pub(super) async fn import_challenges(
    State(state): State<AppState>,
    viewer: Viewer,
    ApiPath(id): ApiPath<i64>,
    multipart: Multipart,
) -> Result<(StatusCode, Json<Vec<ChallengeView>>), ApiError> {
    visible_program(&state, &viewer, id).await?;
    let authed = viewer.require_that(|p| p.can_manage_program(id))?;
    let (name, bytes) = read_upload(multipart, state.config.max_upload_bytes).await?;
    let imported = state.store.import_sheet(&state.files, id, &name, bytes, Some(authed.user.id)).await?;
    Ok((StatusCode::CREATED, Json(imported.into_iter().map(ChallengeView::from).collect())))
}

/// The whole list as `.xlsx` or `.csv`, with the import template's columns.
#[utoipa::path(get, path = "/api/v1/programs/{id}/challenges/export", params(ExportQuery),
    responses((status = 200, description = "the file", content_type = "application/octet-stream")))]
pub(super) async fn export_challenges(
    State(state): State<AppState>,
    viewer: Viewer,
    ApiPath(id): ApiPath<i64>,
    ApiQuery(query): ApiQuery<ExportQuery>,
) -> Result<impl IntoResponse, ApiError> {
    let program = visible_program(&state, &viewer, id).await?;
    let challenges: Vec<_> = state.store.all_challenges(id).await?.into_iter().map(|r| r.challenge).collect();
    let (bytes, extension, content_type) = match query.format.as_deref().unwrap_or("xlsx") {
        "csv" => (jiebang_sheets::write_csv(&challenges)?, "csv", "text/csv; charset=utf-8"),
        "xlsx" => (
            jiebang_sheets::write_xlsx(&program.title, &challenges)?,
            "xlsx",
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        ),
        other => {
            return Err(ApiError::BadRequest(format!(
                "format 应为 xlsx 或 csv / format must be xlsx or csv, not '{other}'"
            )));
        }
    };
    let file_name = format!("program-{id}-challenges.{extension}");
    Ok((
        [
            (CONTENT_TYPE, content_type.to_owned()),
            (CONTENT_DISPOSITION, format!("attachment; filename=\"{file_name}\"")),
        ],
        bytes,
    ))
}
