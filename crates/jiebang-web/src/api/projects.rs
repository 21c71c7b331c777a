//! Projects after the announcement over the API: the list, creation from the announced list, one
//! project, a step by its party, the history, the task agreement, milestone reports and their
//! review, the indicator ledger, the tranches, mid-term checks, 赛马 gates and change requests.

use axum::Json;
use axum::extract::{Multipart, State};
use jiebang_core::project::Agreement;
use jiebang_store::{
    AcceptanceOpinion, Appeal, ChangeInput, Gate, LabReport, MidTermCheck, MilestoneReport, ProgressInput,
    ProgressReport, Project, ProjectChange, ProjectEvent, ProjectLab,
};

use crate::AppState;
use crate::app::projects::{
    AcceptanceView, AppealDecision, AppealInput, ChangeDecision, ExpertChoice, GateInput, LabInput, Ledger,
    MidTermInput, MilestoneReview, MilestoneView, OpinionInput, ProgressRow, ProjectStatistics, ProjectStep,
    SignedAgreement, TrancheView,
};
use crate::auth::Viewer;
use crate::error::{ApiError, ApiJson, ApiPath};

/// A program's projects (public once the program is).
#[utoipa::path(get, path = "/api/v1/programs/{id}/projects", responses((status = 200, body = Vec<Project>), (status = 404, body = crate::error::ErrorEnvelope)))]
pub(super) async fn list_projects(
    State(state): State<AppState>,
    viewer: Viewer,
    ApiPath(id): ApiPath<i64>,
) -> Result<Json<Vec<Project>>, ApiError> {
    Ok(Json(crate::app::projects::list(&state, &viewer, id).await?))
}

/// Creates a project for each application on the announced list that has none (organizers; 409
/// before the announcement).
#[utoipa::path(post, path = "/api/v1/programs/{id}/projects", responses((status = 200, body = Vec<Project>), (status = 403, body = crate::error::ErrorEnvelope), (status = 409, body = crate::error::ErrorEnvelope)), security(("token" = [])))]
pub(super) async fn create_projects(
    State(state): State<AppState>,
    viewer: Viewer,
    ApiPath(id): ApiPath<i64>,
) -> Result<Json<Vec<Project>>, ApiError> {
    Ok(Json(crate::app::projects::create(&state, &viewer, id).await?))
}

/// One project with its committed indicators.
#[utoipa::path(get, path = "/api/v1/projects/{id}", responses((status = 200, body = Project), (status = 404, body = crate::error::ErrorEnvelope)))]
pub(super) async fn get_project(
    State(state): State<AppState>,
    viewer: Viewer,
    ApiPath(id): ApiPath<i64>,
) -> Result<Json<Project>, ApiError> {
    Ok(Json(crate::app::projects::get(&state, &viewer, id).await?))
}

/// A step by its party (the lead unit: `resubmit`, `apply_acceptance`; the organizers: the
/// rest); 409 when the project's state does not allow it.
#[utoipa::path(post, path = "/api/v1/projects/{id}/actions", request_body = ProjectStep, responses((status = 200, body = Project), (status = 403, body = crate::error::ErrorEnvelope), (status = 409, body = crate::error::ErrorEnvelope)), security(("token" = [])))]
pub(super) async fn act_on_project(
    State(state): State<AppState>,
    viewer: Viewer,
    ApiPath(id): ApiPath<i64>,
    ApiJson(step): ApiJson<ProjectStep>,
) -> Result<Json<Project>, ApiError> {
    Ok(Json(crate::app::projects::act(&state, &viewer, id, &step).await?))
}

/// The steps taken, with their reasons (the organizers and the lead unit).
#[utoipa::path(get, path = "/api/v1/projects/{id}/history", responses((status = 200, body = Vec<ProjectEvent>), (status = 403, body = crate::error::ErrorEnvelope)), security(("token" = [])))]
pub(super) async fn project_history(
    State(state): State<AppState>,
    viewer: Viewer,
    ApiPath(id): ApiPath<i64>,
) -> Result<Json<Vec<ProjectEvent>>, ApiError> {
    Ok(Json(crate::app::projects::history(&state, &viewer, id).await?))
}

/// The projects the caller's units lead.
#[utoipa::path(get, path = "/api/v1/my/projects", responses((status = 200, body = Vec<Project>), (status = 401, body = crate::error::ErrorEnvelope)), security(("token" = [])))]
pub(super) async fn my_projects(State(state): State<AppState>, viewer: Viewer) -> Result<Json<Vec<Project>>, ApiError> {
    Ok(Json(crate::app::projects::mine(&state, &viewer).await?))
}

/// The task agreement with its hash, and once signed the platform's signature (the parties).
#[utoipa::path(get, path = "/api/v1/projects/{id}/agreement", responses((status = 200, body = SignedAgreement), (status = 403, body = crate::error::ErrorEnvelope), (status = 404, body = crate::error::ErrorEnvelope)), security(("token" = [])))]
pub(super) async fn get_agreement(
    State(state): State<AppState>,
    viewer: Viewer,
    ApiPath(id): ApiPath<i64>,
) -> Result<Json<SignedAgreement>, ApiError> {
    Ok(Json(crate::app::projects::agreement(&state, &viewer, id).await?))
}

/// The lead unit's draft of the task agreement, while it is drafted; every problem by field.
#[utoipa::path(put, path = "/api/v1/projects/{id}/agreement", request_body = Agreement, responses((status = 200, body = Project), (status = 403, body = crate::error::ErrorEnvelope), (status = 409, body = crate::error::ErrorEnvelope), (status = 422, body = crate::error::ErrorEnvelope)), security(("token" = [])))]
pub(super) async fn put_agreement(
    State(state): State<AppState>,
    viewer: Viewer,
    ApiPath(id): ApiPath<i64>,
    ApiJson(agreement): ApiJson<Agreement>,
) -> Result<Json<Project>, ApiError> {
    Ok(Json(crate::app::projects::save_agreement(&state, &viewer, id, &agreement).await?))
}

/// The planned milestones and where each stands; their reports to the parties.
#[utoipa::path(get, path = "/api/v1/projects/{id}/milestones", responses((status = 200, body = Vec<MilestoneView>), (status = 404, body = crate::error::ErrorEnvelope)))]
pub(super) async fn list_milestones(
    State(state): State<AppState>,
    viewer: Viewer,
    ApiPath(id): ApiPath<i64>,
) -> Result<Json<Vec<MilestoneView>>, ApiError> {
    Ok(Json(crate::app::projects::milestones(&state, &viewer, id).await?))
}

/// The lead unit reports a milestone. Multipart: `milestone`, `summary`, `submissions` (ids) and
/// PDF `file`s.
#[utoipa::path(post, path = "/api/v1/projects/{id}/milestones", responses((status = 200, body = MilestoneReport), (status = 403, body = crate::error::ErrorEnvelope), (status = 409, body = crate::error::ErrorEnvelope), (status = 422, body = crate::error::ErrorEnvelope)), security(("token" = [])))]
pub(super) async fn report_milestone(
    State(state): State<AppState>,
    viewer: Viewer,
    ApiPath(id): ApiPath<i64>,
    multipart: Multipart,
) -> Result<Json<MilestoneReport>, ApiError> {
    Ok(Json(crate::app::projects::report_milestone(&state, &viewer, id, multipart).await?))
}

/// The organizers' decision on a milestone report.
#[utoipa::path(post, path = "/api/v1/milestone-reports/{id}/review", request_body = MilestoneReview, responses((status = 200, body = MilestoneReport), (status = 403, body = crate::error::ErrorEnvelope), (status = 409, body = crate::error::ErrorEnvelope), (status = 422, body = crate::error::ErrorEnvelope)), security(("token" = [])))]
pub(super) async fn review_milestone(
    State(state): State<AppState>,
    viewer: Viewer,
    ApiPath(id): ApiPath<i64>,
    ApiJson(review): ApiJson<MilestoneReview>,
) -> Result<Json<MilestoneReport>, ApiError> {
    Ok(Json(crate::app::projects::review_milestone(&state, &viewer, id, &review).await?))
}

/// Each committed indicator against the latest measurement of the team's evidence (public once
/// the program is).
#[utoipa::path(get, path = "/api/v1/projects/{id}/ledger", responses((status = 200, body = Ledger), (status = 404, body = crate::error::ErrorEnvelope)))]
pub(super) async fn get_ledger(
    State(state): State<AppState>,
    viewer: Viewer,
    ApiPath(id): ApiPath<i64>,
) -> Result<Json<Ledger>, ApiError> {
    Ok(Json(crate::app::projects::ledger_of(&state, &viewer, id).await?))
}

/// The agreement's tranches and which may be paid now (the parties; the platform pays nothing).
#[utoipa::path(get, path = "/api/v1/projects/{id}/tranches", responses((status = 200, body = Vec<TrancheView>), (status = 403, body = crate::error::ErrorEnvelope)), security(("token" = [])))]
pub(super) async fn list_tranches(
    State(state): State<AppState>,
    viewer: Viewer,
    ApiPath(id): ApiPath<i64>,
) -> Result<Json<Vec<TrancheView>>, ApiError> {
    Ok(Json(crate::app::projects::tranches(&state, &viewer, id).await?))
}

/// The organizers record a mid-term check; the completion item is scored from the ledger and
/// the outcome's step is taken.
#[utoipa::path(post, path = "/api/v1/projects/{id}/mid-term", request_body = MidTermInput, responses((status = 200, body = MidTermCheck), (status = 403, body = crate::error::ErrorEnvelope), (status = 409, body = crate::error::ErrorEnvelope), (status = 422, body = crate::error::ErrorEnvelope)), security(("token" = [])))]
pub(super) async fn record_mid_term(
    State(state): State<AppState>,
    viewer: Viewer,
    ApiPath(id): ApiPath<i64>,
    ApiJson(input): ApiJson<MidTermInput>,
) -> Result<Json<MidTermCheck>, ApiError> {
    Ok(Json(crate::app::projects::record_mid_term(&state, &viewer, id, &input).await?))
}

/// A project's mid-term checks (the parties).
#[utoipa::path(get, path = "/api/v1/projects/{id}/mid-term", responses((status = 200, body = Vec<MidTermCheck>), (status = 403, body = crate::error::ErrorEnvelope)), security(("token" = [])))]
pub(super) async fn list_mid_term(
    State(state): State<AppState>,
    viewer: Viewer,
    ApiPath(id): ApiPath<i64>,
) -> Result<Json<Vec<MidTermCheck>>, ApiError> {
    Ok(Json(crate::app::projects::mid_term_checks(&state, &viewer, id).await?))
}

/// A 赛马 gate over a challenge's projects under way, ranked by their latest mid-term totals;
/// those the rule drops are terminated (the program's organizers).
#[utoipa::path(post, path = "/api/v1/challenges/{id}/gate", request_body = GateInput, responses((status = 200, body = Gate), (status = 403, body = crate::error::ErrorEnvelope), (status = 409, body = crate::error::ErrorEnvelope)), security(("token" = [])))]
pub(super) async fn run_gate(
    State(state): State<AppState>,
    viewer: Viewer,
    ApiPath(id): ApiPath<i64>,
    ApiJson(input): ApiJson<GateInput>,
) -> Result<Json<Gate>, ApiError> {
    Ok(Json(crate::app::projects::run_gate(&state, &viewer, id, &input).await?))
}

/// A program's gates with their rankings (public once the program is).
#[utoipa::path(get, path = "/api/v1/programs/{id}/gates", responses((status = 200, body = Vec<Gate>), (status = 404, body = crate::error::ErrorEnvelope)))]
pub(super) async fn list_gates(
    State(state): State<AppState>,
    viewer: Viewer,
    ApiPath(id): ApiPath<i64>,
) -> Result<Json<Vec<Gate>>, ApiError> {
    Ok(Json(crate::app::projects::gates(&state, &viewer, id).await?))
}

/// The reporting periods the agreement sets, each with its report once filed (the parties and the
/// recommending unit).
#[utoipa::path(get, path = "/api/v1/projects/{id}/progress", responses((status = 200, body = Vec<ProgressRow>), (status = 403, body = crate::error::ErrorEnvelope)), security(("token" = [])))]
pub(super) async fn list_progress(
    State(state): State<AppState>,
    viewer: Viewer,
    ApiPath(id): ApiPath<i64>,
) -> Result<Json<Vec<ProgressRow>>, ApiError> {
    Ok(Json(crate::app::projects::progress(&state, &viewer, id).await?))
}

/// The lead unit files the progress report of a period that is over (once per period).
#[utoipa::path(post, path = "/api/v1/projects/{id}/progress", request_body = ProgressInput, responses((status = 200, body = ProgressReport), (status = 403, body = crate::error::ErrorEnvelope), (status = 409, body = crate::error::ErrorEnvelope), (status = 422, body = crate::error::ErrorEnvelope)), security(("token" = [])))]
pub(super) async fn file_progress(
    State(state): State<AppState>,
    viewer: Viewer,
    ApiPath(id): ApiPath<i64>,
    ApiJson(input): ApiJson<ProgressInput>,
) -> Result<Json<ProgressReport>, ApiError> {
    Ok(Json(crate::app::projects::file_progress(&state, &viewer, id, &input).await?))
}

/// The lead unit asks for a change (an extension, a committed value, members, the budget).
#[utoipa::path(post, path = "/api/v1/projects/{id}/changes", request_body = ChangeInput, responses((status = 200, body = ProjectChange), (status = 403, body = crate::error::ErrorEnvelope), (status = 409, body = crate::error::ErrorEnvelope), (status = 422, body = crate::error::ErrorEnvelope)), security(("token" = [])))]
pub(super) async fn request_change(
    State(state): State<AppState>,
    viewer: Viewer,
    ApiPath(id): ApiPath<i64>,
    ApiJson(input): ApiJson<ChangeInput>,
) -> Result<Json<ProjectChange>, ApiError> {
    Ok(Json(crate::app::projects::request_change(&state, &viewer, id, &input).await?))
}

/// A project's change requests (the parties and the recommending unit).
#[utoipa::path(get, path = "/api/v1/projects/{id}/changes", responses((status = 200, body = Vec<ProjectChange>), (status = 403, body = crate::error::ErrorEnvelope)), security(("token" = [])))]
pub(super) async fn list_changes(
    State(state): State<AppState>,
    viewer: Viewer,
    ApiPath(id): ApiPath<i64>,
) -> Result<Json<Vec<ProjectChange>>, ApiError> {
    Ok(Json(crate::app::projects::changes(&state, &viewer, id).await?))
}

/// The recommending unit's check of a change request.
#[utoipa::path(post, path = "/api/v1/changes/{id}/check", request_body = ChangeDecision, responses((status = 200, body = ProjectChange), (status = 403, body = crate::error::ErrorEnvelope), (status = 409, body = crate::error::ErrorEnvelope)), security(("token" = [])))]
pub(super) async fn check_change(
    State(state): State<AppState>,
    viewer: Viewer,
    ApiPath(id): ApiPath<i64>,
    ApiJson(decision): ApiJson<ChangeDecision>,
) -> Result<Json<ProjectChange>, ApiError> {
    Ok(Json(crate::app::projects::check_change(&state, &viewer, id, &decision).await?))
}

/// The organizers' decision on a change request; an approved one takes effect.
#[utoipa::path(post, path = "/api/v1/changes/{id}/decision", request_body = ChangeDecision, responses((status = 200, body = ProjectChange), (status = 403, body = crate::error::ErrorEnvelope), (status = 409, body = crate::error::ErrorEnvelope)), security(("token" = [])))]
pub(super) async fn decide_change(
    State(state): State<AppState>,
    viewer: Viewer,
    ApiPath(id): ApiPath<i64>,
    ApiJson(decision): ApiJson<ChangeDecision>,
) -> Result<Json<ProjectChange>, ApiError> {
    Ok(Json(crate::app::projects::decide_change(&state, &viewer, id, &decision).await?))
}

/// The lead unit applies for acceptance. Multipart: a PDF under each of `application_form`,
/// `summary_report`, `finance_report` and `user_opinion`; every missing one is named.
#[utoipa::path(post, path = "/api/v1/projects/{id}/acceptance", responses((status = 200, body = Project), (status = 403, body = crate::error::ErrorEnvelope), (status = 409, body = crate::error::ErrorEnvelope), (status = 422, body = crate::error::ErrorEnvelope)), security(("token" = [])))]
pub(super) async fn apply_for_acceptance(
    State(state): State<AppState>,
    viewer: Viewer,
    ApiPath(id): ApiPath<i64>,
    multipart: Multipart,
) -> Result<Json<Project>, ApiError> {
    Ok(Json(crate::app::projects::apply_for_acceptance(&state, &viewer, id, multipart).await?))
}

/// The acceptance: as concluded to anyone; as it stands, with materials, labs, their reports and
/// appeals, to the parties and the labs.
#[utoipa::path(get, path = "/api/v1/projects/{id}/acceptance", responses((status = 200, body = AcceptanceView), (status = 404, body = crate::error::ErrorEnvelope)))]
pub(super) async fn get_acceptance(
    State(state): State<AppState>,
    viewer: Viewer,
    ApiPath(id): ApiPath<i64>,
) -> Result<Json<AcceptanceView>, ApiError> {
    Ok(Json(crate::app::projects::acceptance(&state, &viewer, id).await?))
}

/// The organizers designate an account as the project's testing lab.
#[utoipa::path(post, path = "/api/v1/projects/{id}/labs", request_body = LabInput, responses((status = 200, body = ProjectLab), (status = 403, body = crate::error::ErrorEnvelope), (status = 409, body = crate::error::ErrorEnvelope), (status = 422, body = crate::error::ErrorEnvelope)), security(("token" = [])))]
pub(super) async fn designate_lab(
    State(state): State<AppState>,
    viewer: Viewer,
    ApiPath(id): ApiPath<i64>,
    ApiJson(input): ApiJson<LabInput>,
) -> Result<Json<ProjectLab>, ApiError> {
    Ok(Json(crate::app::projects::designate_lab(&state, &viewer, id, &input).await?))
}

/// A designated lab files its test report. Multipart: `value.{indicator}` per committed
/// indicator measured, `note`, the report as a PDF `file`.
#[utoipa::path(post, path = "/api/v1/projects/{id}/lab-reports", responses((status = 200, body = LabReport), (status = 403, body = crate::error::ErrorEnvelope), (status = 409, body = crate::error::ErrorEnvelope), (status = 422, body = crate::error::ErrorEnvelope)), security(("token" = [])))]
pub(super) async fn submit_lab_report(
    State(state): State<AppState>,
    viewer: Viewer,
    ApiPath(id): ApiPath<i64>,
    multipart: Multipart,
) -> Result<Json<LabReport>, ApiError> {
    Ok(Json(crate::app::projects::submit_lab_report(&state, &viewer, id, multipart).await?))
}

/// The lead unit appeals the conclusion during its publicity.
#[utoipa::path(post, path = "/api/v1/projects/{id}/appeals", request_body = AppealInput, responses((status = 200, body = Appeal), (status = 403, body = crate::error::ErrorEnvelope), (status = 409, body = crate::error::ErrorEnvelope)), security(("token" = [])))]
pub(super) async fn file_appeal(
    State(state): State<AppState>,
    viewer: Viewer,
    ApiPath(id): ApiPath<i64>,
    ApiJson(input): ApiJson<AppealInput>,
) -> Result<Json<Appeal>, ApiError> {
    Ok(Json(crate::app::projects::file_appeal(&state, &viewer, id, &input).await?))
}

/// The organizers decide an appeal; upheld sends the conclusion back to review.
#[utoipa::path(post, path = "/api/v1/appeals/{id}/decision", request_body = AppealDecision, responses((status = 200, body = Appeal), (status = 403, body = crate::error::ErrorEnvelope), (status = 409, body = crate::error::ErrorEnvelope)), security(("token" = [])))]
pub(super) async fn decide_appeal(
    State(state): State<AppState>,
    viewer: Viewer,
    ApiPath(id): ApiPath<i64>,
    ApiJson(decision): ApiJson<AppealDecision>,
) -> Result<Json<Appeal>, ApiError> {
    Ok(Json(crate::app::projects::decide_appeal(&state, &viewer, id, &decision).await?))
}

/// A program's projects in numbers: by state, city and industry, the pass rate, and (to its
/// organizers) the tranches releasable and withheld.
#[utoipa::path(get, path = "/api/v1/programs/{id}/projects/statistics", responses((status = 200, body = ProjectStatistics), (status = 404, body = crate::error::ErrorEnvelope)))]
pub(super) async fn project_statistics(
    State(state): State<AppState>,
    viewer: Viewer,
    ApiPath(id): ApiPath<i64>,
) -> Result<Json<ProjectStatistics>, ApiError> {
    Ok(Json(crate::app::projects::statistics(&state, &viewer, id).await?))
}

/// A sheet as the download `format` asks (`xlsx`, the default, or `csv`).
fn sheet_download(
    name: &str,
    file: &str,
    (header, rows): (Vec<String>, Vec<Vec<jiebang_sheets::TableCell>>),
    format: Option<&str>,
) -> Result<axum::response::Response, ApiError> {
    use axum::http::header::{CONTENT_DISPOSITION, CONTENT_TYPE};
    use axum::response::IntoResponse;
    let (bytes, content_type, ext) = match format.unwrap_or("xlsx") {
        "csv" => (jiebang_sheets::write_table_csv(&header, &rows)?, "text/csv; charset=utf-8", "csv"),
        "xlsx" => (
            jiebang_sheets::write_table_xlsx(name, &header, &rows)?,
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            "xlsx",
        ),
        other => {
            return Err(ApiError::BadRequest(format!(
                "format 应为 csv 或 xlsx / format must be csv or xlsx, not '{other}'"
            )));
        }
    };
    let disposition = format!("attachment; filename=\"{file}.{ext}\"");
    Ok(([(CONTENT_TYPE, content_type.to_owned()), (CONTENT_DISPOSITION, disposition)], bytes).into_response())
}

/// The program's projects as a spreadsheet: 序号 | 项目名称 | 牵头单位 | 所在市 | 榜题编号 |
/// 榜题名称 | 项目状态 | 执行期 | 验收结论.
#[utoipa::path(get, path = "/api/v1/programs/{id}/projects/export", params(crate::app::selection::ListQuery), responses((status = 200, description = "XLSX, or CSV with `?format=csv`", content_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"), (status = 404, body = crate::error::ErrorEnvelope)))]
pub(super) async fn export_projects(
    State(state): State<AppState>,
    viewer: Viewer,
    ApiPath(id): ApiPath<i64>,
    crate::error::ApiQuery(query): crate::error::ApiQuery<crate::app::selection::ListQuery>,
) -> Result<axum::response::Response, ApiError> {
    let sheet = crate::app::projects::project_sheet(&state, &viewer, id).await?;
    sheet_download("攻关项目", &format!("program-{id}-projects"), sheet, query.format.as_deref())
}

/// The concluded acceptances as a spreadsheet: 序号 | 项目名称 | 承担单位 | 榜题编号 | 验收结论 |
/// 承诺指标达标比例 | 未达承诺值的指标 | 否决情形 | 公示期.
#[utoipa::path(get, path = "/api/v1/programs/{id}/acceptance/export", params(crate::app::selection::ListQuery), responses((status = 200, description = "XLSX, or CSV with `?format=csv`", content_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"), (status = 404, body = crate::error::ErrorEnvelope)))]
pub(super) async fn export_acceptance(
    State(state): State<AppState>,
    viewer: Viewer,
    ApiPath(id): ApiPath<i64>,
    crate::error::ApiQuery(query): crate::error::ApiQuery<crate::app::selection::ListQuery>,
) -> Result<axum::response::Response, ApiError> {
    let sheet = crate::app::projects::acceptance_sheet(&state, &viewer, id).await?;
    sheet_download("验收结果", &format!("program-{id}-acceptance"), sheet, query.format.as_deref())
}

/// The organizers ask an expert of the pool for an acceptance opinion (one tied to the lead unit
/// is refused); answers the experts asked.
#[utoipa::path(post, path = "/api/v1/projects/{id}/acceptance-experts", request_body = ExpertChoice, responses((status = 200, body = Vec<String>), (status = 403, body = crate::error::ErrorEnvelope), (status = 409, body = crate::error::ErrorEnvelope)), security(("token" = [])))]
pub(super) async fn assign_acceptance_expert(
    State(state): State<AppState>,
    viewer: Viewer,
    ApiPath(id): ApiPath<i64>,
    ApiJson(choice): ApiJson<ExpertChoice>,
) -> Result<Json<Vec<String>>, ApiError> {
    Ok(Json(crate::app::projects::assign_acceptance_expert(&state, &viewer, id, &choice).await?))
}

/// An asked expert's opinion on the acceptance under review, once a round.
#[utoipa::path(post, path = "/api/v1/projects/{id}/opinions", request_body = OpinionInput, responses((status = 200, body = AcceptanceOpinion), (status = 403, body = crate::error::ErrorEnvelope), (status = 409, body = crate::error::ErrorEnvelope)), security(("token" = [])))]
pub(super) async fn give_opinion(
    State(state): State<AppState>,
    viewer: Viewer,
    ApiPath(id): ApiPath<i64>,
    ApiJson(input): ApiJson<OpinionInput>,
) -> Result<Json<AcceptanceOpinion>, ApiError> {
    Ok(Json(crate::app::projects::give_opinion(&state, &viewer, id, &input).await?))
}
