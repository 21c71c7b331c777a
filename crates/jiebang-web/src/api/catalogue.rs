//! The supply–demand catalogue: demands, solutions, matches and engagements.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use jiebang_store::{ChallengeRecord, Engagement};

use crate::AppState;
use crate::app::catalogue::{
    CatalogueStatistics, DemandEntry, DemandStep, EngagementInput, EngagementStep, NewDemand, NewSolution, Promotion,
    Ranked, SolutionEntry,
};
use crate::app::search::{SearchParams, SearchResults};
use crate::auth::Viewer;
use crate::error::{ApiError, ApiJson, ApiPath, ApiQuery};

/// Demands, each with the fields the caller may read.
#[utoipa::path(get, path = "/api/v1/demands", responses((status = 200, body = Vec<DemandEntry>)))]
pub(super) async fn list_demands(
    State(state): State<AppState>,
    viewer: Viewer,
) -> Result<Json<Vec<DemandEntry>>, ApiError> {
    Ok(Json(crate::app::catalogue::demands(&state, &viewer).await?))
}

/// Enters a demand: a unit's member for the unit, the catalogue's organizers for anyone.
#[utoipa::path(post, path = "/api/v1/demands", request_body = NewDemand, responses((status = 201, body = DemandEntry), (status = 403, body = crate::error::ErrorEnvelope), (status = 409, body = crate::error::ErrorEnvelope), (status = 422, body = crate::error::ErrorEnvelope)), security(("token" = [])))]
pub(super) async fn create_demand(
    State(state): State<AppState>,
    viewer: Viewer,
    ApiJson(new): ApiJson<NewDemand>,
) -> Result<(StatusCode, Json<DemandEntry>), ApiError> {
    Ok((StatusCode::CREATED, Json(crate::app::catalogue::create_demand(&state, &viewer, &new).await?)))
}

/// A demand, with the fields the caller may read.
#[utoipa::path(get, path = "/api/v1/demands/{id}", responses((status = 200, body = DemandEntry), (status = 404, body = crate::error::ErrorEnvelope)))]
pub(super) async fn get_demand(
    State(state): State<AppState>,
    viewer: Viewer,
    ApiPath(id): ApiPath<i64>,
) -> Result<Json<DemandEntry>, ApiError> {
    Ok(Json(crate::app::catalogue::demand(&state, &viewer, id).await?))
}

/// Moves a demand (the catalogue's organizers or the demanding unit).
#[utoipa::path(post, path = "/api/v1/demands/{id}/actions", request_body = DemandStep, responses((status = 200, body = DemandEntry), (status = 403, body = crate::error::ErrorEnvelope), (status = 409, body = crate::error::ErrorEnvelope), (status = 422, body = crate::error::ErrorEnvelope)), security(("token" = [])))]
pub(super) async fn act_on_demand(
    State(state): State<AppState>,
    viewer: Viewer,
    ApiPath(id): ApiPath<i64>,
    ApiJson(step): ApiJson<DemandStep>,
) -> Result<Json<DemandEntry>, ApiError> {
    Ok(Json(crate::app::catalogue::act_on_demand(&state, &viewer, id, &step).await?))
}

/// Promotes a demand into a challenge of a program the caller organizes.
#[utoipa::path(post, path = "/api/v1/demands/{id}/promote", request_body = Promotion, responses((status = 201, body = Object), (status = 403, body = crate::error::ErrorEnvelope), (status = 409, body = crate::error::ErrorEnvelope), (status = 422, body = crate::error::ErrorEnvelope)), security(("token" = [])))]
pub(super) async fn promote_demand(
    State(state): State<AppState>,
    viewer: Viewer,
    ApiPath(id): ApiPath<i64>,
    ApiJson(promotion): ApiJson<Promotion>,
) -> Result<(StatusCode, Json<ChallengeRecord>), ApiError> {
    Ok((StatusCode::CREATED, Json(crate::app::catalogue::promote(&state, &viewer, id, &promotion).await?)))
}

/// The solutions ranked for a demand, best first, with the reasons.
#[utoipa::path(get, path = "/api/v1/demands/{id}/matches", responses((status = 200, body = Vec<Ranked>), (status = 404, body = crate::error::ErrorEnvelope)))]
pub(super) async fn demand_matches(
    State(state): State<AppState>,
    viewer: Viewer,
    ApiPath(id): ApiPath<i64>,
) -> Result<Json<Vec<Ranked>>, ApiError> {
    Ok(Json(crate::app::catalogue::matches(&state, &viewer, id).await?))
}

/// Solutions (the contact to those signed in).
#[utoipa::path(get, path = "/api/v1/solutions", responses((status = 200, body = Vec<SolutionEntry>)))]
pub(super) async fn list_solutions(
    State(state): State<AppState>,
    viewer: Viewer,
) -> Result<Json<Vec<SolutionEntry>>, ApiError> {
    Ok(Json(crate::app::catalogue::solutions(&state, &viewer).await?))
}

/// Enters a solution: a unit's member for the unit, the catalogue's organizers for anyone.
#[utoipa::path(post, path = "/api/v1/solutions", request_body = NewSolution, responses((status = 201, body = SolutionEntry), (status = 403, body = crate::error::ErrorEnvelope), (status = 422, body = crate::error::ErrorEnvelope)), security(("token" = [])))]
pub(super) async fn create_solution(
    State(state): State<AppState>,
    viewer: Viewer,
    ApiJson(new): ApiJson<NewSolution>,
) -> Result<(StatusCode, Json<SolutionEntry>), ApiError> {
    Ok((StatusCode::CREATED, Json(crate::app::catalogue::create_solution(&state, &viewer, &new).await?)))
}

/// A solution.
#[utoipa::path(get, path = "/api/v1/solutions/{id}", responses((status = 200, body = SolutionEntry), (status = 404, body = crate::error::ErrorEnvelope)))]
pub(super) async fn get_solution(
    State(state): State<AppState>,
    viewer: Viewer,
    ApiPath(id): ApiPath<i64>,
) -> Result<Json<SolutionEntry>, ApiError> {
    Ok(Json(crate::app::catalogue::solution(&state, &viewer, id).await?))
}

/// Adds a claimed value with its evidence: the solution's unit or the catalogue's organizers.
/// A signed report must be the unit's own scored submission and say the value in the part the
/// unit sees; a lab's report comes as a PDF.
#[utoipa::path(post, path = "/api/v1/solutions/{id}/claims",
    request_body(content_type = "multipart/form-data", description = "`name`, `metric`, `op`, `threshold`, `unit`, `value`; `evidence` = `signed_report` with `submission_id`, or `lab_report` with `lab`, `tested_on` and a PDF `file`"),
    responses((status = 200, body = SolutionEntry), (status = 403, body = crate::error::ErrorEnvelope), (status = 404, body = crate::error::ErrorEnvelope), (status = 422, body = crate::error::ErrorEnvelope, description = "every bad field, and a value its evidence does not show")),
    security(("token" = [])))]
pub(super) async fn add_claim(
    State(state): State<AppState>,
    viewer: Viewer,
    ApiPath(id): ApiPath<i64>,
    multipart: axum::extract::Multipart,
) -> Result<Json<SolutionEntry>, ApiError> {
    Ok(Json(crate::app::catalogue::add_claim(&state, &viewer, id, multipart).await?))
}

/// A lab's report one of the solution's claims cites, as a PDF.
#[utoipa::path(get, path = "/api/v1/solutions/{id}/evidence/{file}",
    responses((status = 200, content_type = "application/pdf", body = Vec<u8>), (status = 404, body = crate::error::ErrorEnvelope)))]
pub(super) async fn evidence_file(
    State(state): State<AppState>,
    ApiPath((id, file_id)): ApiPath<(i64, i64)>,
) -> Result<axum::response::Response, ApiError> {
    let (file, bytes) = crate::app::catalogue::evidence_file(&state, id, file_id).await?;
    Ok(crate::http::download("application/pdf", &file.name, bytes))
}

/// Engagements (the catalogue's organizers).
#[utoipa::path(get, path = "/api/v1/engagements", responses((status = 200, body = Vec<Engagement>), (status = 403, body = crate::error::ErrorEnvelope)), security(("token" = [])))]
pub(super) async fn list_engagements(
    State(state): State<AppState>,
    viewer: Viewer,
) -> Result<Json<Vec<Engagement>>, ApiError> {
    Ok(Json(crate::app::catalogue::engagements(&state, &viewer).await?))
}

/// Records an intention between an open demand and a solution (the catalogue's organizers).
#[utoipa::path(post, path = "/api/v1/engagements", request_body = EngagementInput, responses((status = 201, body = Engagement), (status = 403, body = crate::error::ErrorEnvelope), (status = 404, body = crate::error::ErrorEnvelope), (status = 409, body = crate::error::ErrorEnvelope)), security(("token" = [])))]
pub(super) async fn record_engagement(
    State(state): State<AppState>,
    viewer: Viewer,
    ApiJson(input): ApiJson<EngagementInput>,
) -> Result<(StatusCode, Json<Engagement>), ApiError> {
    Ok((StatusCode::CREATED, Json(crate::app::catalogue::record_engagement(&state, &viewer, &input).await?)))
}

/// Moves an engagement one stage on; signing needs the amount and the day.
#[utoipa::path(post, path = "/api/v1/engagements/{id}/advance", request_body = EngagementStep, responses((status = 200, body = Engagement), (status = 403, body = crate::error::ErrorEnvelope), (status = 404, body = crate::error::ErrorEnvelope), (status = 422, body = crate::error::ErrorEnvelope)), security(("token" = [])))]
pub(super) async fn advance_engagement(
    State(state): State<AppState>,
    viewer: Viewer,
    ApiPath(id): ApiPath<i64>,
    ApiJson(step): ApiJson<EngagementStep>,
) -> Result<Json<Engagement>, ApiError> {
    Ok(Json(crate::app::catalogue::advance_engagement(&state, &viewer, id, &step).await?))
}

/// Lists a project's accepted model as a solution, its claims the values it was accepted on with
/// their signed or lab reports (the program's organizers; once).
#[utoipa::path(post, path = "/api/v1/projects/{id}/listing", responses((status = 201, body = SolutionEntry), (status = 403, body = crate::error::ErrorEnvelope), (status = 409, body = crate::error::ErrorEnvelope)), security(("token" = [])))]
pub(super) async fn list_accepted_model(
    State(state): State<AppState>,
    viewer: Viewer,
    ApiPath(id): ApiPath<i64>,
) -> Result<(StatusCode, Json<SolutionEntry>), ApiError> {
    Ok((StatusCode::CREATED, Json(crate::app::catalogue::list_accepted_model(&state, &viewer, id).await?)))
}

/// The catalogue in numbers: entries, engagements, signed contracts and their value, by
/// industry and city (for anyone).
#[utoipa::path(get, path = "/api/v1/catalogue/statistics", responses((status = 200, body = CatalogueStatistics)))]
pub(super) async fn catalogue_statistics(State(state): State<AppState>) -> Result<Json<CatalogueStatistics>, ApiError> {
    Ok(Json(crate::app::catalogue::statistics(&state).await?))
}

/// The typical scenarios (《智能制造典型场景参考指引（2025年版）》: 8 环节, 40 scenarios), each marked
/// as confirmed by the guide's published text or taken from a secondary list, then those of the
/// editions imported beside it.
#[utoipa::path(get, path = "/api/v1/scenarios", responses((status = 200, body = Vec<jiebang_core::scenario::Scenario>)))]
pub(super) async fn list_scenarios(
    State(state): State<AppState>,
) -> Result<Json<Vec<jiebang_core::scenario::Scenario>>, ApiError> {
    Ok(Json(crate::app::catalogue::scenarios(&state).await?))
}

/// Imports a typical-scenario guide's edition (the catalogue's organizers). Multipart: `edition`
/// (the guide's name and edition) and a UTF-8 TSV `file` — `code, number, stage, name, source`
/// then optionally `industries, activity, problem, technologies, kpis` — all or none.
#[utoipa::path(post, path = "/api/v1/scenarios/import",
    request_body(content_type = "multipart/form-data", description = "`edition` and a TSV `file`"),
    responses((status = 201, body = Vec<jiebang_core::scenario::Scenario>), (status = 403, body = crate::error::ErrorEnvelope), (status = 409, body = crate::error::ErrorEnvelope), (status = 422, body = crate::error::ErrorEnvelope, description = "every bad line with its number")),
    security(("token" = [])))]
pub(super) async fn import_scenarios(
    State(state): State<AppState>,
    viewer: Viewer,
    multipart: axum::extract::Multipart,
) -> Result<(StatusCode, Json<Vec<jiebang_core::scenario::Scenario>>), ApiError> {
    let imported = crate::app::catalogue::import_scenario_edition(&state, &viewer, multipart).await?;
    Ok((StatusCode::CREATED, Json(imported)))
}

/// Searches everything public — challenges, demands, solutions, accepted models, typical
/// scenarios, dataset cards — in Chinese or English, with counts per kind, industry and
/// province. Anyone may search; only what anonymous readers may see is found.
#[utoipa::path(get, path = "/api/v1/search", params(SearchParams), responses((status = 200, body = SearchResults), (status = 422, body = crate::error::ErrorEnvelope)))]
pub(super) async fn search(
    State(state): State<AppState>,
    ApiQuery(params): ApiQuery<SearchParams>,
) -> Result<Json<SearchResults>, ApiError> {
    Ok(Json(crate::app::search::search(&state, &params.query()?).await?))
}

const XLSX: &str = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";

fn attachment(file_name: &str, bytes: Vec<u8>) -> axum::response::Response {
    crate::http::download(XLSX, file_name, bytes)
}

/// Imports demands from an `.xlsx` or `.csv` (UTF-8 or GBK) with Chinese headers (multipart
/// field `file`), all or none: the catalogue's organizers.
#[utoipa::path(post, path = "/api/v1/demands/import",
    request_body(content_type = "multipart/form-data", description = "field `file`: .xlsx or .csv"),
    responses((status = 201, body = Vec<DemandEntry>), (status = 403, body = crate::error::ErrorEnvelope), (status = 422, body = crate::error::ErrorEnvelope, description = "every bad row with its row number and column")),
    security(("token" = [])))]
pub(super) async fn import_demands(
    State(state): State<AppState>,
    viewer: Viewer,
    multipart: axum::extract::Multipart,
) -> Result<(StatusCode, Json<Vec<DemandEntry>>), ApiError> {
    viewer.require_that(|p| p.can_manage_catalogue())?;
    let (name, bytes) = crate::http::read_upload(multipart, state.config.max_upload_bytes).await?;
    Ok((StatusCode::CREATED, Json(crate::app::catalogue::import_demands(&state, &viewer, &name, bytes).await?)))
}

/// The demands as `.xlsx` in the import's columns, each with only the fields the caller may read.
#[utoipa::path(get, path = "/api/v1/demands/export",
    responses((status = 200, description = "the file", content_type = "application/octet-stream")))]
pub(super) async fn export_demands(
    State(state): State<AppState>,
    viewer: Viewer,
) -> Result<impl axum::response::IntoResponse, ApiError> {
    Ok(attachment("demands.xlsx", crate::app::catalogue::export_demands(&state, &viewer).await?))
}

/// Imports solutions from an `.xlsx` or `.csv` (multipart field `file`), all or none: the
/// catalogue's organizers. Claimed values are entered with their evidence, not from sheets.
#[utoipa::path(post, path = "/api/v1/solutions/import",
    request_body(content_type = "multipart/form-data", description = "field `file`: .xlsx or .csv"),
    responses((status = 201, body = Vec<SolutionEntry>), (status = 403, body = crate::error::ErrorEnvelope), (status = 422, body = crate::error::ErrorEnvelope, description = "every bad row with its row number and column")),
    security(("token" = [])))]
pub(super) async fn import_solutions(
    State(state): State<AppState>,
    viewer: Viewer,
    multipart: axum::extract::Multipart,
) -> Result<(StatusCode, Json<Vec<SolutionEntry>>), ApiError> {
    viewer.require_that(|p| p.can_manage_catalogue())?;
    let (name, bytes) = crate::http::read_upload(multipart, state.config.max_upload_bytes).await?;
    Ok((StatusCode::CREATED, Json(crate::app::catalogue::import_solutions(&state, &viewer, &name, bytes).await?)))
}

/// The solutions as `.xlsx` in the import's columns (the contacts to those signed in).
#[utoipa::path(get, path = "/api/v1/solutions/export",
    responses((status = 200, description = "the file", content_type = "application/octet-stream")))]
pub(super) async fn export_solutions(
    State(state): State<AppState>,
    viewer: Viewer,
) -> Result<impl axum::response::IntoResponse, ApiError> {
    Ok(attachment("solutions.xlsx", crate::app::catalogue::export_solutions(&state, &viewer).await?))
}

/// Dataset cards the caller may read.
#[utoipa::path(get, path = "/api/v1/dataset-cards", responses((status = 200, body = Vec<jiebang_store::DatasetCardRecord>)))]
pub(super) async fn list_dataset_cards(
    State(state): State<AppState>,
    viewer: Viewer,
) -> Result<Json<Vec<jiebang_store::DatasetCardRecord>>, ApiError> {
    Ok(Json(crate::app::catalogue::dataset_cards(&state, &viewer).await?))
}

/// Enters a dataset card: the catalogue's organizers, or a program's organizers for one of its
/// challenges' dataset versions (then evaluation-only if the version holds hidden files).
#[utoipa::path(post, path = "/api/v1/dataset-cards", request_body = crate::app::catalogue::NewDatasetCard, responses((status = 201, body = jiebang_store::DatasetCardRecord), (status = 403, body = crate::error::ErrorEnvelope), (status = 409, body = crate::error::ErrorEnvelope), (status = 422, body = crate::error::ErrorEnvelope)), security(("token" = [])))]
pub(super) async fn create_dataset_card(
    State(state): State<AppState>,
    viewer: Viewer,
    ApiJson(new): ApiJson<crate::app::catalogue::NewDatasetCard>,
) -> Result<(StatusCode, Json<jiebang_store::DatasetCardRecord>), ApiError> {
    Ok((StatusCode::CREATED, Json(crate::app::catalogue::create_dataset_card(&state, &viewer, &new).await?)))
}

/// A dataset card.
#[utoipa::path(get, path = "/api/v1/dataset-cards/{id}", responses((status = 200, body = jiebang_store::DatasetCardRecord), (status = 404, body = crate::error::ErrorEnvelope)))]
pub(super) async fn get_dataset_card(
    State(state): State<AppState>,
    viewer: Viewer,
    ApiPath(id): ApiPath<i64>,
) -> Result<Json<jiebang_store::DatasetCardRecord>, ApiError> {
    Ok(Json(crate::app::catalogue::dataset_card(&state, &viewer, id).await?))
}

/// Matchmaking events (对接会), the latest first.
#[utoipa::path(get, path = "/api/v1/events", responses((status = 200, body = Vec<jiebang_store::MatchEventRecord>)))]
pub(super) async fn list_events(
    State(state): State<AppState>,
) -> Result<Json<Vec<jiebang_store::MatchEventRecord>>, ApiError> {
    Ok(Json(crate::app::catalogue::events(&state).await?))
}

/// Enters a matchmaking event: the catalogue's organizers.
#[utoipa::path(post, path = "/api/v1/events", request_body = jiebang_core::catalogue::MatchEventInput, responses((status = 201, body = jiebang_store::MatchEventRecord), (status = 403, body = crate::error::ErrorEnvelope), (status = 422, body = crate::error::ErrorEnvelope)), security(("token" = [])))]
pub(super) async fn create_event(
    State(state): State<AppState>,
    viewer: Viewer,
    ApiJson(input): ApiJson<jiebang_core::catalogue::MatchEventInput>,
) -> Result<(StatusCode, Json<jiebang_store::MatchEventRecord>), ApiError> {
    Ok((StatusCode::CREATED, Json(crate::app::catalogue::create_event(&state, &viewer, &input).await?)))
}

/// An event with its demands (at the caller's level), its solutions and what came of it.
#[utoipa::path(get, path = "/api/v1/events/{id}", responses((status = 200, body = crate::app::catalogue::EventView), (status = 404, body = crate::error::ErrorEnvelope)))]
pub(super) async fn get_event(
    State(state): State<AppState>,
    viewer: Viewer,
    ApiPath(id): ApiPath<i64>,
) -> Result<Json<crate::app::catalogue::EventView>, ApiError> {
    Ok(Json(crate::app::catalogue::event(&state, &viewer, id).await?))
}

/// Puts open demands and solutions on an event: the catalogue's organizers.
#[utoipa::path(post, path = "/api/v1/events/{id}/entries", request_body = crate::app::catalogue::EventEntries, responses((status = 200, body = jiebang_store::MatchEventRecord), (status = 403, body = crate::error::ErrorEnvelope), (status = 404, body = crate::error::ErrorEnvelope), (status = 422, body = crate::error::ErrorEnvelope)), security(("token" = [])))]
pub(super) async fn add_to_event(
    State(state): State<AppState>,
    viewer: Viewer,
    ApiPath(id): ApiPath<i64>,
    ApiJson(entries): ApiJson<crate::app::catalogue::EventEntries>,
) -> Result<Json<jiebang_store::MatchEventRecord>, ApiError> {
    Ok(Json(crate::app::catalogue::add_to_event(&state, &viewer, id, &entries).await?))
}

/// An event's catalogue as `.xlsx`: a sheet of demands and one of solutions, in the import's
/// columns, with what the caller may read.
#[utoipa::path(get, path = "/api/v1/events/{id}/catalogue",
    responses((status = 200, description = "the file", content_type = "application/octet-stream"), (status = 404, body = crate::error::ErrorEnvelope)))]
pub(super) async fn event_catalogue(
    State(state): State<AppState>,
    viewer: Viewer,
    ApiPath(id): ApiPath<i64>,
) -> Result<impl axum::response::IntoResponse, ApiError> {
    Ok(attachment(
        &format!("event-{id}-catalogue.xlsx"),
        crate::app::catalogue::event_catalogue(&state, &viewer, id).await?,
    ))
}

/// An event's printed booklet (PDF, in Chinese): each demand and solution with what the public
/// may read.
#[utoipa::path(get, path = "/api/v1/events/{id}/booklet",
    responses((status = 200, description = "the PDF", content_type = "application/pdf"), (status = 404, body = crate::error::ErrorEnvelope)))]
pub(super) async fn event_booklet(
    State(state): State<AppState>,
    ApiPath(id): ApiPath<i64>,
) -> Result<impl axum::response::IntoResponse, ApiError> {
    let (name, bytes) = crate::app::printing::event_booklet(&state, id).await?;
    Ok(crate::http::download("application/pdf", &name, bytes))
}

/// Typical cases (典型案例), each under a typical scenario.
#[utoipa::path(get, path = "/api/v1/typical-cases", responses((status = 200, body = Vec<jiebang_store::TypicalCaseRecord>)))]
pub(super) async fn list_typical_cases(
    State(state): State<AppState>,
) -> Result<Json<Vec<jiebang_store::TypicalCaseRecord>>, ApiError> {
    Ok(Json(crate::app::catalogue::typical_cases(&state).await?))
}

/// Files a typical case under a typical scenario: the catalogue's organizers.
#[utoipa::path(post, path = "/api/v1/typical-cases", request_body = jiebang_core::scenario::TypicalCaseInput, responses((status = 201, body = jiebang_store::TypicalCaseRecord), (status = 403, body = crate::error::ErrorEnvelope), (status = 422, body = crate::error::ErrorEnvelope)), security(("token" = [])))]
pub(super) async fn create_typical_case(
    State(state): State<AppState>,
    viewer: Viewer,
    ApiJson(input): ApiJson<jiebang_core::scenario::TypicalCaseInput>,
) -> Result<(StatusCode, Json<jiebang_store::TypicalCaseRecord>), ApiError> {
    Ok((StatusCode::CREATED, Json(crate::app::catalogue::create_typical_case(&state, &viewer, &input).await?)))
}
