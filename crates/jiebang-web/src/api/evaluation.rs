//! `/api/v1` endpoints of the evaluation service (测评): dataset versions, phases, registration,
//! submissions, signed reports and the key that checks them. Who sees what is decided in
//! [`crate::app::access`]; the views come from [`crate::app::submissions`] and its neighbours.

use axum::Json;
use axum::extract::{Multipart, State};
use axum::http::StatusCode;
use axum::http::header::{CONTENT_DISPOSITION, CONTENT_TYPE};
use axum::response::IntoResponse;
use jiebang_core::delivery::DeliveryContract;

use crate::AppState;
use crate::app::access::{is_participant, managed_phase, own_submission, visible_challenge, visible_phase};
use crate::app::datasets::DatasetView;
use crate::app::leaderboards::{BoardQuery, Leaderboard, board, board_table};
use crate::app::phases::{NewPhase, PhaseView, Registration};
use crate::app::queue::{QueueView, queue_view};
use crate::app::submissions::{
    Keys, Requeued, Selection, SignedReport, SubmissionView, may_submit, signed_report, submission_limit,
    submission_view, submissions_seen_by, submit,
};
use crate::auth::Viewer;
use crate::error::{ApiError, ApiJson, ApiPath};
use crate::http::{read_form, with_uploads};

/// Adds a dataset version (the challenge's organizers). Multipart: text fields `task`
/// (`binary` | `multiclass` | `regression`, or for a question bank `choice` | `generation` |
/// `safety` | `bank`), `id_column` (default `id`), `label_column` (default `label`),
/// `split_column`, `positive_label`, `note`; for a question bank `metrics` (one a line or
/// comma-separated; none = the task's defaults), `refusal_phrases` (one a line) and `rules`
/// (rule-set versions; none = this build's); one file field per file, named by its purpose —
/// exactly one `labels` (the hidden answers), any of `train`, `test_features`,
/// `sample_submission`, `data_card`, `other`.
#[utoipa::path(post, path = "/api/v1/challenges/{id}/datasets",
    request_body(content_type = "multipart/form-data", description = "scoring fields and files named by purpose"),
    responses((status = 201, body = DatasetView), (status = 422, body = crate::error::ErrorEnvelope)), security(("token" = [])))]
pub(super) async fn create_dataset(
    State(state): State<AppState>,
    viewer: Viewer,
    ApiPath(id): ApiPath<i64>,
    multipart: Multipart,
) -> Result<(StatusCode, Json<DatasetView>), ApiError> {
    let (challenge, _) = visible_challenge(&state, &viewer, id).await?;
    let authed = viewer.require_that(|p| p.can_manage_program(challenge.program_id))?;
    let user = authed.user.id;
    let form = read_form(&state, multipart, state.config.max_data_bytes, user).await?;
    let dataset = with_uploads(&state, user, form, |form| async {
        let (scoring, note, files) = form.into_dataset();
        Ok(state.store.create_dataset_version(id, scoring, &note, files, Some(user)).await?)
    })
    .await?;
    Ok((StatusCode::CREATED, Json(DatasetView::of(dataset, true))))
}

/// A challenge's dataset versions, newest first; hidden files are listed to its organizers only.
#[utoipa::path(get, path = "/api/v1/challenges/{id}/datasets", responses((status = 200, body = Vec<DatasetView>)))]
pub(super) async fn list_datasets(
    State(state): State<AppState>,
    viewer: Viewer,
    ApiPath(id): ApiPath<i64>,
) -> Result<Json<Vec<DatasetView>>, ApiError> {
    let (_, manages) = visible_challenge(&state, &viewer, id).await?;
    let versions = state.store.list_dataset_versions(id).await?;
    Ok(Json(versions.into_iter().map(|d| DatasetView::of(d, manages)).collect()))
}

/// A challenge's delivery contract (交付要求): whether it takes models, and how the platform
/// runs and measures them. Everyone who sees the challenge may read it.
#[utoipa::path(get, path = "/api/v1/challenges/{id}/delivery", responses((status = 200, body = DeliveryContract)))]
pub(super) async fn get_delivery(
    State(state): State<AppState>,
    viewer: Viewer,
    ApiPath(id): ApiPath<i64>,
) -> Result<Json<DeliveryContract>, ApiError> {
    visible_challenge(&state, &viewer, id).await?;
    Ok(Json(state.store.delivery_contract(id).await?))
}

/// Sets a challenge's delivery contract (its organizers). 422 names every bad field.
#[utoipa::path(put, path = "/api/v1/challenges/{id}/delivery", request_body = DeliveryContract,
    responses((status = 200, body = DeliveryContract), (status = 422, body = crate::error::ErrorEnvelope)), security(("token" = [])))]
pub(super) async fn put_delivery(
    State(state): State<AppState>,
    viewer: Viewer,
    ApiPath(id): ApiPath<i64>,
    ApiJson(contract): ApiJson<DeliveryContract>,
) -> Result<Json<DeliveryContract>, ApiError> {
    let (challenge, _) = visible_challenge(&state, &viewer, id).await?;
    let authed = viewer.require_that(|p| p.can_manage_program(challenge.program_id))?;
    Ok(Json(state.store.set_delivery_contract(id, contract, Some(authed.user.id)).await?))
}

/// Downloads a dataset file: public files to registered teams and organizers; hidden files to
/// the challenge's organizers only (404 for everyone else).
#[utoipa::path(get, path = "/api/v1/datasets/{id}/files/{name}",
    responses((status = 200, description = "the file", content_type = "application/octet-stream"), (status = 404, body = crate::error::ErrorEnvelope)))]
pub(super) async fn download_dataset_file(
    State(state): State<AppState>,
    viewer: Viewer,
    ApiPath((id, name)): ApiPath<(i64, String)>,
) -> Result<impl IntoResponse, ApiError> {
    let dataset = state.store.get_dataset_version(id).await?;
    let (_, manages) = visible_challenge(&state, &viewer, dataset.challenge_id).await?;
    let not_found = || ApiError::NotFound(format!("file {name} 不存在 / file {name} not found"));
    let file = dataset.files.iter().find(|f| f.name == name && (manages || !f.hidden)).ok_or_else(not_found)?;
    let authed = viewer.require()?;
    if !manages && !is_participant(&state, authed, dataset.challenge_id).await? {
        return Err(ApiError::Forbidden);
    }
    // Streamed: dataset files may be gigabytes.
    let (size, chunks) = state.files.get_stream(&file.key).await?;
    let disposition = format!("attachment; filename*=UTF-8''{}", crate::http::urlencode(&file.name));
    Ok((
        [
            (CONTENT_TYPE, "application/octet-stream".to_owned()),
            (CONTENT_DISPOSITION, disposition),
            (axum::http::header::CONTENT_LENGTH, size.to_string()),
        ],
        axum::body::Body::from_stream(chunks),
    ))
}

/// A challenge's phases in the order they open.
#[utoipa::path(get, path = "/api/v1/challenges/{id}/phases", responses((status = 200, body = Vec<PhaseView>)))]
pub(super) async fn list_phases(
    State(state): State<AppState>,
    viewer: Viewer,
    ApiPath(id): ApiPath<i64>,
) -> Result<Json<Vec<PhaseView>>, ApiError> {
    visible_challenge(&state, &viewer, id).await?;
    Ok(Json(state.store.list_phases(id).await?.into_iter().map(PhaseView::from).collect()))
}

/// Adds a phase (the challenge's organizers).
#[utoipa::path(post, path = "/api/v1/challenges/{id}/phases", request_body = NewPhase,
    responses((status = 201, body = PhaseView), (status = 422, body = crate::error::ErrorEnvelope)), security(("token" = [])))]
pub(super) async fn create_phase(
    State(state): State<AppState>,
    viewer: Viewer,
    ApiPath(id): ApiPath<i64>,
    ApiJson(input): ApiJson<NewPhase>,
) -> Result<(StatusCode, Json<PhaseView>), ApiError> {
    let (challenge, _) = visible_challenge(&state, &viewer, id).await?;
    let authed = viewer.require_that(|p| p.can_manage_program(challenge.program_id))?;
    let phase = state.store.create_phase(id, input.dataset_id, input.input, Some(authed.user.id)).await?;
    Ok((StatusCode::CREATED, Json(phase.into())))
}

/// Registers an organization the caller acts for as a participant of the challenge (idempotent).
#[utoipa::path(post, path = "/api/v1/challenges/{id}/participants", request_body = Registration,
    responses((status = 204, description = "registered")), security(("token" = [])))]
pub(super) async fn register(
    State(state): State<AppState>,
    viewer: Viewer,
    ApiPath(id): ApiPath<i64>,
    ApiJson(input): ApiJson<Registration>,
) -> Result<StatusCode, ApiError> {
    visible_challenge(&state, &viewer, id).await?;
    let authed = viewer.require_that(|p| p.can_act_for(input.organization_id))?;
    state.store.get_organization(input.organization_id).await?;
    state.store.register_participant(id, input.organization_id, authed.user.id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Uploads a prediction file or a model for a team (multipart: `file`, `organization_id`,
/// `note`, optional `kind`), or registers a live model endpoint (`kind=endpoint`, `base_url`,
/// `model`, optional `api_key` — sealed, never shown back — instead of `file`). The team's
/// applicants submit once it is registered; the challenge's organizers may add a baseline
/// (`baseline=true`) for any organization. 409 when a quota is used up, the phase is closed or
/// the contract does not take the kind, with the reason.
#[utoipa::path(post, path = "/api/v1/phases/{id}/submissions",
    request_body(content_type = "multipart/form-data", description = "`file`, `organization_id`, optional `note`, `kind` and `baseline`; for `kind=endpoint`: `base_url`, `model`, optional `api_key` instead of `file`"),
    responses((status = 201, body = SubmissionView), (status = 409, body = crate::error::ErrorEnvelope), (status = 422, body = crate::error::ErrorEnvelope)),
    security(("token" = [])))]
pub(super) async fn create_submission(
    State(state): State<AppState>,
    viewer: Viewer,
    ApiPath(id): ApiPath<i64>,
    multipart: Multipart,
) -> Result<(StatusCode, Json<SubmissionView>), ApiError> {
    let authed = viewer.require()?;
    let (phase, manages) = visible_phase(&state, &viewer, id).await?;
    may_submit(&state, authed, &phase, manages).await?;
    let limit = submission_limit(&state, &phase).await?;
    let form = read_form(&state, multipart, limit, authed.user.id).await?;
    let submission =
        with_uploads(&state, authed.user.id, form, |form| submit(&state, authed, &phase, manages, form)).await?;
    Ok((StatusCode::CREATED, Json(submission_view(&state, submission, &phase).await?)))
}

/// A phase's submissions, newest first: all of them for its organizers, the caller's teams'
/// otherwise.
#[utoipa::path(get, path = "/api/v1/phases/{id}/submissions", responses((status = 200, body = Vec<SubmissionView>)), security(("token" = [])))]
pub(super) async fn list_submissions(
    State(state): State<AppState>,
    viewer: Viewer,
    ApiPath(id): ApiPath<i64>,
) -> Result<Json<Vec<SubmissionView>>, ApiError> {
    let authed = viewer.require()?;
    let (phase, manages) = visible_phase(&state, &viewer, id).await?;
    if !manages && authed.principal.organizations().is_empty() {
        return Err(ApiError::Forbidden);
    }
    Ok(Json(submissions_seen_by(&state, Some(&authed.principal), &phase, manages).await?))
}

/// One submission, with its queue position or scores (its team and the organizers).
#[utoipa::path(get, path = "/api/v1/submissions/{id}", responses((status = 200, body = SubmissionView), (status = 404, body = crate::error::ErrorEnvelope)), security(("token" = [])))]
pub(super) async fn get_submission(
    State(state): State<AppState>,
    viewer: Viewer,
    ApiPath(id): ApiPath<i64>,
) -> Result<Json<SubmissionView>, ApiError> {
    let (submission, phase, _) = own_submission(&state, &viewer, id).await?;
    Ok(Json(submission_view(&state, submission, &phase).await?))
}

/// An endpoint run's transcript (JSON Lines; its sha256 is in the signed report): to the
/// organizers always, to the team once every row of the phase is public.
#[utoipa::path(get, path = "/api/v1/submissions/{id}/transcript", responses((status = 200, body = String, content_type = "application/x-ndjson"), (status = 403, body = crate::error::ErrorEnvelope), (status = 404, body = crate::error::ErrorEnvelope)), security(("token" = [])))]
pub(super) async fn get_transcript(
    State(state): State<AppState>,
    viewer: Viewer,
    ApiPath(id): ApiPath<i64>,
) -> Result<axum::response::Response, ApiError> {
    let (name, bytes) = crate::app::submissions::transcript(&state, &viewer, id).await?;
    Ok(crate::http::download("application/x-ndjson", &name, bytes))
}

/// Withdraws a submission that has not started, or stops an endpoint evaluation that is running
/// (its team or the organizers; the answers so far are kept); 409 otherwise.
#[utoipa::path(post, path = "/api/v1/submissions/{id}/cancel", responses((status = 200, body = SubmissionView), (status = 409, body = crate::error::ErrorEnvelope)), security(("token" = [])))]
pub(super) async fn cancel_submission(
    State(state): State<AppState>,
    viewer: Viewer,
    ApiPath(id): ApiPath<i64>,
) -> Result<Json<SubmissionView>, ApiError> {
    let (_, phase) = crate::app::submissions::cancel(&state, &viewer, id).await?;
    Ok(Json(submission_view(&state, state.store.get_submission(id).await?, &phase).await?))
}

/// Chooses whether a scored submission counts in a final phase (its team; the organizers may
/// too); at most the phase's `counted` per team. Without a choice the latest ones count.
#[utoipa::path(post, path = "/api/v1/submissions/{id}/select", request_body = Selection,
    responses((status = 200, body = SubmissionView), (status = 409, body = crate::error::ErrorEnvelope)), security(("token" = [])))]
pub(super) async fn select_submission(
    State(state): State<AppState>,
    viewer: Viewer,
    ApiPath(id): ApiPath<i64>,
    ApiJson(input): ApiJson<Selection>,
) -> Result<Json<SubmissionView>, ApiError> {
    let (_, phase, _) = own_submission(&state, &viewer, id).await?;
    let submission = state.store.select_submission(id, input.selected, viewer.require()?.user.id).await?;
    Ok(Json(submission_view(&state, submission, &phase).await?))
}

/// Scores a finished submission again (the organizers); earlier runs' reports are kept.
#[utoipa::path(post, path = "/api/v1/submissions/{id}/rerun", responses((status = 200, body = SubmissionView), (status = 409, body = crate::error::ErrorEnvelope)), security(("token" = [])))]
pub(super) async fn rerun_submission(
    State(state): State<AppState>,
    viewer: Viewer,
    ApiPath(id): ApiPath<i64>,
) -> Result<Json<SubmissionView>, ApiError> {
    let (_, phase, manages) = own_submission(&state, &viewer, id).await?;
    if !manages {
        return Err(ApiError::Forbidden);
    }
    let submission = state.store.rerun_submission(id, viewer.require()?.user.id).await?;
    Ok(Json(submission_view(&state, submission, &phase).await?))
}

/// Scores every finished submission of a phase again (the organizers), e.g. after a fix.
#[utoipa::path(post, path = "/api/v1/phases/{id}/rerun", responses((status = 200, body = Requeued)), security(("token" = [])))]
pub(super) async fn rerun_phase(
    State(state): State<AppState>,
    viewer: Viewer,
    ApiPath(id): ApiPath<i64>,
) -> Result<Json<Requeued>, ApiError> {
    let (_, authed) = managed_phase(&state, &viewer, id).await?;
    Ok(Json(Requeued { requeued: state.store.rerun_phase(id, authed.user.id).await? }))
}

/// The latest run's signed report. The organizers always get the full report; the team too once
/// the phase's private results are published (or when the phase has no split). Before that the
/// team gets its own signed view: the leaderboard's split only (`view: team`, `visible_split`).
#[utoipa::path(get, path = "/api/v1/submissions/{id}/report", responses((status = 200, body = SignedReport), (status = 404, body = crate::error::ErrorEnvelope)), security(("token" = [])))]
pub(super) async fn get_report(
    State(state): State<AppState>,
    viewer: Viewer,
    ApiPath(id): ApiPath<i64>,
) -> Result<Json<SignedReport>, ApiError> {
    Ok(Json(signed_report(&state, &viewer, id).await?))
}

/// The public key that signs evaluation reports.
#[utoipa::path(get, path = "/api/v1/keys", responses((status = 200, body = Keys)))]
pub(super) async fn keys(State(state): State<AppState>) -> Json<Keys> {
    Json(Keys { algorithm: "ed25519", report_signing: state.signer.public_key_hex() })
}

/// The leaderboard of a phase: each team's best submission on the phase's split (the latest
/// `counted` submissions in a final phase), ranked by the primary metric in its direction,
/// rounded to the phase's precision, ties to the earlier submission; baselines listed unranked.
/// Who sees it follows the phase's visibility; the private split only once published.
#[utoipa::path(get, path = "/api/v1/phases/{id}/leaderboard", params(BoardQuery),
    responses((status = 200, body = Leaderboard), (status = 403, body = crate::error::ErrorEnvelope)))]
pub(super) async fn leaderboard(
    State(state): State<AppState>,
    viewer: Viewer,
    ApiPath(id): ApiPath<i64>,
    crate::error::ApiQuery(query): crate::error::ApiQuery<BoardQuery>,
) -> Result<axum::response::Response, ApiError> {
    let (phase, manages) = visible_phase(&state, &viewer, id).await?;
    let board = board(&state, &viewer, &phase, manages, query.split).await?;
    match query.format.as_deref().unwrap_or("json") {
        "json" => Ok(Json(board).into_response()),
        format @ ("csv" | "xlsx") => {
            let (header, rows) = board_table(&board);
            let (bytes, content_type) = if format == "csv" {
                (jiebang_sheets::write_table_csv(&header, &rows)?, "text/csv; charset=utf-8")
            } else {
                let bytes = jiebang_sheets::write_table_xlsx("排行榜", &header, &rows)?;
                (bytes, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
            };
            Ok((
                [
                    (CONTENT_TYPE, content_type.to_owned()),
                    (CONTENT_DISPOSITION, format!("attachment; filename=\"phase-{id}-leaderboard.{format}\"")),
                ],
                bytes,
            )
                .into_response())
        }
        other => Err(ApiError::BadRequest(format!(
            "format 应为 json、csv 或 xlsx / format must be json, csv or xlsx, not '{other}'"
        ))),
    }
}

/// Publishes the phase's private results (the challenge's organizers).
#[utoipa::path(post, path = "/api/v1/phases/{id}/publish", responses((status = 200, body = PhaseView)), security(("token" = [])))]
pub(super) async fn publish_private(
    State(state): State<AppState>,
    viewer: Viewer,
    ApiPath(id): ApiPath<i64>,
) -> Result<Json<PhaseView>, ApiError> {
    let (_, authed) = managed_phase(&state, &viewer, id).await?;
    Ok(Json(state.store.publish_private(id, authed.user.id).await?.into()))
}

/// The evaluation queue: job counts, the oldest wait, live workers with their current job, and
/// submissions per phase by state (admins and organizers).
#[utoipa::path(get, path = "/api/v1/queue", responses((status = 200, body = QueueView)), security(("token" = [])))]
pub(super) async fn queue(State(state): State<AppState>, viewer: Viewer) -> Result<Json<QueueView>, ApiError> {
    viewer.require_that(|p| p.can_create_program())?;
    Ok(Json(queue_view(&state).await?))
}

/// The queue in Prometheus text format (admins, e.g. a scraper with an admin's API token).
pub(crate) async fn metrics(State(state): State<AppState>, viewer: Viewer) -> Result<impl IntoResponse, ApiError> {
    viewer.require_that(|p| p.is_admin())?;
    let view = queue_view(&state).await?;
    let mut out = String::new();
    let mut family = |name: &str, help: &str, samples: Vec<(String, f64)>| {
        out.push_str(&format!("# HELP {name} {help}\n# TYPE {name} gauge\n"));
        for (labels, value) in samples {
            out.push_str(&format!("{name}{labels} {value}\n"));
        }
    };
    let jobs = &view.jobs;
    family(
        "jiebang_jobs",
        "Jobs in the evaluation queue by state.",
        [("queued", jobs.queued), ("running", jobs.running), ("done", jobs.done), ("failed", jobs.failed)]
            .map(|(state, n)| (format!("{{state=\"{state}\"}}"), n as f64))
            .to_vec(),
    );
    family(
        "jiebang_oldest_queued_job_age_seconds",
        "How long the oldest waiting job has waited (0 when none waits).",
        vec![(String::new(), view.oldest_wait_seconds.unwrap_or(0.0))],
    );
    family(
        "jiebang_workers",
        "Workers that reported in the last two minutes.",
        vec![(String::new(), view.workers.len() as f64)],
    );
    family(
        "jiebang_submissions",
        "Submissions by phase and state.",
        view.phases
            .iter()
            .flat_map(|p| {
                p.states
                    .iter()
                    .map(move |(state, n)| (format!("{{phase=\"{}\",state=\"{state}\"}}", p.phase_id), *n as f64))
            })
            .collect(),
    );
    Ok(([(CONTENT_TYPE, "text/plain; version=0.0.4; charset=utf-8")], out))
}
