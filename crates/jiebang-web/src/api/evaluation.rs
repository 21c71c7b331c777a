//! The evaluation service (测评): dataset versions, phases, registration, submissions, signed
//! reports and the key that checks them.
//!
//! Who sees what: a challenge's organizers (and admins) see and download everything; a team (the
//! applicants of a registered organization) downloads the public files and sees its own
//! submissions with the scores of the phase's split; hidden files are invisible (404) to
//! everyone else, and no answer of this module carries a byte of them.

use std::collections::BTreeMap;

use axum::Json;
use axum::extract::{Multipart, State};
use axum::http::StatusCode;
use axum::http::header::{CONTENT_DISPOSITION, CONTENT_TYPE};
use axum::response::IntoResponse;
use jiebang_core::delivery::{DeliveryContract, SubmissionKind};
use jiebang_core::evaluation::{PhaseInput, SubmissionState};
use jiebang_sheets::TableCell;
use jiebang_store::{
    ChallengeRecord, DatasetFileInput, DatasetVersion, Phase, ScoringSpec, StoreError, StoredFile, Submission,
};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::programs::visible_program;
use crate::AppState;
use crate::auth::{Authed, Viewer};
use crate::error::{ApiError, ApiJson, ApiPath};

/// The challenge if the viewer may see it (its program is visible), and whether they manage it.
pub(crate) async fn visible_challenge(
    state: &AppState,
    viewer: &Viewer,
    id: i64,
) -> Result<(ChallengeRecord, bool), ApiError> {
    let challenge = state.store.get_challenge(id).await?;
    visible_program(state, viewer, challenge.program_id).await?;
    let manages = viewer.principal().is_some_and(|p| p.can_manage_program(challenge.program_id));
    Ok((challenge, manages))
}

/// A phase the viewer may see, with whether they manage its challenge.
pub(crate) async fn visible_phase(state: &AppState, viewer: &Viewer, id: i64) -> Result<(Phase, bool), ApiError> {
    let phase = state.store.get_phase(id).await?;
    let (_, manages) = visible_challenge(state, viewer, phase.challenge_id).await?;
    Ok((phase, manages))
}

/// A phase the viewer manages (401 when signed out, 403 for others), and who they are.
pub(crate) async fn managed_phase<'v>(
    state: &AppState,
    viewer: &'v Viewer,
    id: i64,
) -> Result<(Phase, &'v Authed), ApiError> {
    let (phase, manages) = visible_phase(state, viewer, id).await?;
    let authed = viewer.require()?;
    if manages { Ok((phase, authed)) } else { Err(ApiError::Forbidden) }
}

/// A submission as its team or the challenge's organizers may see it (404 for everyone else);
/// with the phase and whether the viewer manages it.
pub(crate) async fn own_submission(
    state: &AppState,
    viewer: &Viewer,
    id: i64,
) -> Result<(Submission, Phase, bool), ApiError> {
    let authed = viewer.require()?;
    let submission = state.store.get_submission(id).await?;
    let (phase, manages) = visible_phase(state, viewer, submission.phase_id).await?;
    if manages || authed.principal.can_act_for(submission.organization_id) {
        Ok((submission, phase, manages))
    } else {
        Err(ApiError::NotFound(format!("submission {id} 不存在 / submission {id} not found")))
    }
}

/// A dataset file as listed (its bytes are downloaded separately).
#[derive(Debug, Serialize, ToSchema)]
pub struct DatasetFileView {
    /// File name.
    pub name: String,
    /// `labels` (hidden), `train`, `test_features`, `sample_submission`, `data_card`, `other`.
    pub purpose: String,
    /// Only the challenge's organizers see hidden files at all.
    pub hidden: bool,
    /// Bytes.
    pub size: i64,
    /// sha256, hex.
    pub sha256: String,
}

/// How a dataset is scored.
#[derive(Debug, Serialize, ToSchema)]
pub struct ScoringView {
    /// `binary`, `multiclass` or `regression`.
    pub task: String,
    /// Id column.
    pub id_column: String,
    /// Label column (of the hidden labels).
    pub label_column: String,
    /// Split column, empty for none.
    pub split_column: String,
}

/// A dataset version.
#[derive(Debug, Serialize, ToSchema)]
pub struct DatasetView {
    /// Id.
    pub id: i64,
    /// The challenge.
    pub challenge_id: i64,
    /// Version number.
    pub version: i64,
    /// What changed.
    pub note: String,
    /// How submissions are scored against it.
    pub scoring: ScoringView,
    /// Files; hidden ones only for the challenge's organizers.
    pub files: Vec<DatasetFileView>,
    /// Created.
    pub created_at: String,
}

impl DatasetView {
    fn of(d: DatasetVersion, show_hidden: bool) -> Self {
        Self {
            id: d.id,
            challenge_id: d.challenge_id,
            version: d.version,
            note: d.note,
            scoring: ScoringView {
                task: d.scoring.task,
                id_column: d.scoring.id_column,
                label_column: d.scoring.label_column,
                split_column: d.scoring.split_column,
            },
            files: d
                .files
                .into_iter()
                .filter(|f| show_hidden || !f.hidden)
                .map(|f| DatasetFileView {
                    name: f.name,
                    purpose: f.purpose,
                    hidden: f.hidden,
                    size: f.size,
                    sha256: f.sha256,
                })
                .collect(),
            created_at: d.created_at,
        }
    }
}

/// A multipart form: text fields by name, files streamed into the file store as they arrive
/// (never held in memory), as `(field, stored file)`.
pub(crate) struct Form {
    pub(crate) text: BTreeMap<String, String>,
    pub(crate) files: Vec<(String, StoredFile)>,
}

/// Longest text field accepted.
const MAX_TEXT_FIELD: usize = 64 << 10;

/// Reads a multipart form, streaming each file (at most `max_file_bytes`) into the file store.
pub(crate) async fn read_form(
    state: &AppState,
    mut multipart: Multipart,
    max_file_bytes: u64,
    uploader: i64,
) -> Result<Form, ApiError> {
    let bad = |e: axum::extract::multipart::MultipartError| {
        if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
            ApiError::TooLarge(format!("请求超过上限 / the request exceeds the limit: {}", e.body_text()))
        } else {
            ApiError::BadRequest(e.body_text())
        }
    };
    // Before any byte is read: the uploader's daily volume.
    let since = format!("{}T00:00:00Z", time::OffsetDateTime::now_utc().date());
    let today = state.store.uploaded_bytes_since(uploader, &since).await?;
    if today as u64 >= state.config.daily_upload_bytes {
        return Err(ApiError::TooMany {
            retry_after_s: 3600,
            message: format!(
                "今日上传已达 {} MiB 上限，请明日再试 / today's uploads reached the limit of {} MiB; try again tomorrow",
                state.config.daily_upload_bytes >> 20,
                state.config.daily_upload_bytes >> 20
            ),
        });
    }
    let mut form = Form { text: BTreeMap::new(), files: Vec::new() };
    let read = async {
        while let Some(mut field) = multipart.next_field().await.map_err(bad)? {
            let name = field.name().unwrap_or_default().to_owned();
            match field.file_name().map(str::to_owned) {
                Some(file_name) => {
                    let file = state
                        .store
                        .save_stream(&state.files, &file_name, &mut field, max_file_bytes, Some(uploader))
                        .await?;
                    form.files.push((name, file));
                }
                None => {
                    let mut value = Vec::new();
                    while let Some(chunk) = field.chunk().await.map_err(bad)? {
                        value.extend_from_slice(&chunk);
                        if value.len() > MAX_TEXT_FIELD {
                            return Err(jiebang_core::Error::invalid(name, "字段过长 / the field is too long").into());
                        }
                    }
                    form.text.insert(name, String::from_utf8_lossy(&value).into_owned());
                }
            }
        }
        Ok(())
    }
    .await;
    match read {
        Ok(()) => Ok(form),
        Err(error) => {
            discard(state, &form.uploads(), uploader).await;
            Err(error)
        }
    }
}

/// Uses an uploaded form; when that fails (a quota, a closed phase, a file of the wrong kind),
/// its uploads are discarded rather than kept for nothing.
pub(crate) async fn with_uploads<T, F>(
    state: &AppState,
    uploader: i64,
    form: Form,
    use_form: impl FnOnce(Form) -> F,
) -> Result<T, ApiError>
where
    F: std::future::Future<Output = Result<T, ApiError>>,
{
    let uploads = form.uploads();
    let result = use_form(form).await;
    if result.is_err() {
        discard(state, &uploads, uploader).await;
    }
    result
}

async fn discard(state: &AppState, uploads: &[jiebang_store::StoredFile], uploader: i64) {
    for file in uploads {
        if let Err(error) = state.store.discard_upload(&state.files, file, uploader).await {
            tracing::warn!(%error, file = file.id, "could not discard a refused upload");
        }
    }
}

impl Form {
    /// The files stored for this form.
    pub(crate) fn uploads(&self) -> Vec<jiebang_store::StoredFile> {
        self.files.iter().map(|(_, file)| file.clone()).collect()
    }

    fn text(&self, name: &str, default: &str) -> String {
        self.text.get(name).map_or(default, |v| v.trim()).to_owned()
    }

    /// A field of one item a line (commas also separate metric names).
    fn lines(&self, name: &str) -> Vec<String> {
        let text = self.text(name, "");
        let separators: &[char] = if name == "refusal_phrases" { &['\n'] } else { &['\n', ',', '，'] };
        text.split(separators).map(str::trim).filter(|s| !s.is_empty()).map(str::to_owned).collect()
    }

    /// A dataset upload: the scoring fields, the note, and each file under its purpose.
    pub(crate) fn into_dataset(self) -> (ScoringSpec, String, Vec<DatasetFileInput>) {
        let scoring = ScoringSpec {
            task: self.text("task", ""),
            id_column: self.text("id_column", "id"),
            label_column: self.text("label_column", "label"),
            split_column: self.text("split_column", ""),
            positive_label: self.text("positive_label", ""),
            metrics: self.lines("metrics"),
            refusal_phrases: self.lines("refusal_phrases"),
            rules: self.lines("rules"),
        };
        let note = self.text("note", "");
        let files = self.files.into_iter().map(|(purpose, file)| DatasetFileInput { purpose, file }).collect();
        (scoring, note, files)
    }
}

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

/// Whether the viewer's team is registered for the challenge.
pub(crate) async fn is_participant(state: &AppState, authed: &Authed, challenge_id: i64) -> Result<bool, ApiError> {
    let registered = state.store.participant_organizations(challenge_id).await?;
    Ok(authed.principal.organizations().iter().any(|o| registered.contains(o)))
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
    let disposition = format!("attachment; filename*=UTF-8''{}", crate::pages::urlencode(&file.name));
    Ok((
        [
            (CONTENT_TYPE, "application/octet-stream".to_owned()),
            (CONTENT_DISPOSITION, disposition),
            (axum::http::header::CONTENT_LENGTH, size.to_string()),
        ],
        axum::body::Body::from_stream(chunks),
    ))
}

/// A phase.
#[derive(Debug, Serialize, ToSchema)]
pub struct PhaseView {
    /// Id.
    pub id: i64,
    /// The challenge.
    pub challenge_id: i64,
    /// The dataset version it scores against.
    pub dataset_id: i64,
    /// The definition.
    #[serde(flatten)]
    pub input: PhaseInput,
    /// Whether the private split's results are published.
    pub private_published: bool,
}

impl From<Phase> for PhaseView {
    fn from(p: Phase) -> Self {
        Self {
            id: p.id,
            challenge_id: p.challenge_id,
            dataset_id: p.dataset_id,
            input: p.input,
            private_published: p.private_published,
        }
    }
}

/// A new phase: its definition and the dataset version it scores against.
#[derive(Debug, Deserialize, ToSchema)]
pub struct NewPhase {
    /// A dataset version of the same challenge.
    pub dataset_id: i64,
    /// The definition.
    #[serde(flatten)]
    pub input: PhaseInput,
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

/// The organization to register.
#[derive(Debug, Deserialize, ToSchema)]
pub struct Registration {
    /// An organization the caller acts for.
    pub organization_id: i64,
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

/// A submission.
#[derive(Debug, Serialize, ToSchema)]
pub struct SubmissionView {
    /// Id.
    pub id: i64,
    /// The phase.
    pub phase_id: i64,
    /// The team.
    pub organization_id: i64,
    /// The team's name.
    pub organization_name: String,
    /// The uploaded file's name.
    pub file_name: String,
    /// Its size in bytes.
    pub file_size: i64,
    /// Its sha256.
    pub file_sha256: String,
    /// The team's note.
    pub note: String,
    /// `predictions` or `model`.
    #[schema(value_type = String)]
    pub kind: SubmissionKind,
    /// `queued`, `running`, `scored`, `invalid`, `failed` or `cancelled`.
    #[schema(value_type = String)]
    pub state: SubmissionState,
    /// The state in Chinese.
    pub state_zh: &'static str,
    /// Why it is invalid or failed, or what is being retried.
    pub message: String,
    /// An organizers' reference submission.
    pub is_baseline: bool,
    /// Scoring runs so far.
    pub runs: i64,
    /// Chosen by the team to count in a final phase.
    pub selected: bool,
    /// Uploaded.
    pub created_at: String,
    /// Jobs ahead of it while queued (0 = next).
    pub queue_position: Option<i64>,
    /// Milliseconds since it started running, or that it took.
    pub elapsed_ms: Option<i64>,
    /// Scores on the phase's split (all rows when it has none) once scored, rounded to the
    /// phase's precision; none for a near-duplicate.
    pub scores: Option<BTreeMap<String, f64>>,
    /// The team's earlier submission this one nearly repeats (a few rows changed, which probes
    /// the hidden labels): it is shown no score and does not count on the board.
    pub near_duplicate_of: Option<i64>,
}

pub(crate) async fn submission_view(
    state: &AppState,
    s: Submission,
    phase: &Phase,
) -> Result<SubmissionView, ApiError> {
    let queue_position =
        if s.state == SubmissionState::Queued { state.store.queue_position(s.id).await? } else { None };
    let elapsed_ms = s.started_ms.map(|start| s.finished_ms.unwrap_or_else(jiebang_store::now_ms) - start);
    let (scores, near_duplicate_of) = if s.state == SubmissionState::Scored {
        let evaluation = state.store.list_evaluations(s.id).await?.into_iter().next();
        let report: Option<serde_json::Value> = evaluation.and_then(|e| serde_json::from_str(&e.report).ok());
        let report = report.as_ref();
        let near = report.and_then(|r| r["near_duplicate_of"]["submission"].as_i64());
        (report.and_then(|r| shown_scores(r, &phase.input.split, phase.input.precision)), near)
    } else {
        (None, None)
    };
    Ok(SubmissionView {
        id: s.id,
        phase_id: s.phase_id,
        organization_id: s.organization_id,
        organization_name: s.organization_name,
        file_name: s.file_name,
        file_size: s.file_size,
        file_sha256: s.file_sha256,
        note: s.note,
        kind: s.kind,
        state: s.state,
        state_zh: s.state.label_zh(),
        message: s.message,
        is_baseline: s.is_baseline,
        runs: s.runs,
        selected: s.selected,
        created_at: s.created_at,
        queue_position,
        elapsed_ms,
        scores,
        near_duplicate_of,
    })
}

/// The metrics of one split of a report (all rows when `split` is empty), rounded to the
/// phase's precision: the board compares no finer, and finer scores on the public split would
/// let a team read hidden labels back one probe at a time. The signed report keeps every digit.
///
/// A near-duplicate of the team's earlier file (see `jiebang_core::sketch`) shows none.
fn shown_scores(report: &serde_json::Value, split: &str, precision: u32) -> Option<BTreeMap<String, f64>> {
    if report.get("near_duplicate_of").is_some() {
        return None;
    }
    let metrics = if split.is_empty() { &report["metrics"] } else { &report["splits"][split] };
    let scores: BTreeMap<String, f64> = serde_json::from_value(metrics.clone()).ok()?;
    Some(scores.into_iter().map(|(k, v)| (k, jiebang_core::evaluation::round_to(v, precision))).collect())
}

/// Uploads a prediction file for a team (multipart: `file`, `organization_id`, `note`). The
/// team's applicants submit once it is registered; the challenge's organizers may add a
/// baseline (`baseline=true`) for any organization. 409 when a quota is used up or the phase is
/// closed, with the reason.
#[utoipa::path(post, path = "/api/v1/phases/{id}/submissions",
    request_body(content_type = "multipart/form-data", description = "`file`, `organization_id`, optional `note` and `baseline`"),
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

/// Refuses, before any byte of the upload is read, a caller who could not submit to the phase
/// now: only its organizers and the applicants of registered teams upload, nothing is taken
/// once the challenge is archived, and a team member is refused when none of their teams may
/// submit today (phase closed, quotas used up — the per-person quota holds whichever team).
/// The store checks again under the phase's lock when the submission is recorded.
pub(crate) async fn may_submit(
    state: &AppState,
    authed: &Authed,
    phase: &Phase,
    manages: bool,
) -> Result<(), ApiError> {
    let user = authed.user.id;
    if manages {
        // Organizers' baselines skip dates and quotas, not the archive.
        return Ok(state.store.check_may_submit(phase.id, 0, user, true).await?);
    }
    let registered = state.store.participant_organizations(phase.challenge_id).await?;
    let mut refusal = None;
    for team in authed.principal.organizations().into_iter().filter(|o| registered.contains(o)) {
        match state.store.check_may_submit(phase.id, team, user, false).await {
            Ok(()) => return Ok(()),
            Err(e) => refusal = refusal.or(Some(e)),
        }
    }
    Err(refusal.map_or(ApiError::Forbidden, ApiError::from))
}

/// The largest upload a phase takes: a prediction file within
/// [`jiebang_core::evaluation::prediction_size_limit`] of its hidden labels, or a model within
/// the delivery contract's limit where models are taken; never beyond the platform's limit.
pub(crate) async fn submission_limit(state: &AppState, phase: &Phase) -> Result<u64, ApiError> {
    let dataset = state.store.get_dataset_version(phase.dataset_id).await?;
    let labels = dataset.labels().map_or(0, |f| f.size.max(0) as u64);
    // A multiclass file has a probability per class; a large model's answers can be far longer
    // than the references they are scored against.
    let wide = !matches!(dataset.scoring.task.as_str(), "binary" | "regression");
    let predictions = jiebang_core::evaluation::prediction_size_limit(labels, wide);
    let contract = state.store.delivery_contract(phase.challenge_id).await?;
    let models =
        if contract.accepts != jiebang_core::delivery::Accepts::Predictions { contract.max_model_bytes() } else { 0 };
    Ok(predictions.max(models).min(state.config.max_data_bytes))
}

/// Checks and records a submission from an upload form (API and page alike).
pub(crate) async fn submit(
    state: &AppState,
    authed: &Authed,
    phase: &Phase,
    manages: bool,
    form: Form,
) -> Result<Submission, ApiError> {
    let organization = form.text("organization_id", "").parse::<i64>().map_err(|_| {
        jiebang_core::Error::invalid("organization_id", "请指定提交团队的单位 id / give the team's organization_id")
    })?;
    let baseline = form.text("baseline", "false") == "true";
    if baseline && !manages {
        return Err(ApiError::Forbidden);
    }
    if !baseline {
        if !authed.principal.can_act_for(organization) {
            return Err(ApiError::Forbidden);
        }
        if !state.store.participant_organizations(phase.challenge_id).await?.contains(&organization) {
            return Err(ApiError::Conflict {
                code: "not_registered",
                field: Some("organization_id".into()),
                message: "该单位尚未报名此揭榜任务 / the organization has not registered for this challenge".into(),
            });
        }
    }
    let kind = form
        .text
        .get("kind")
        .map(|k| SubmissionKind::parse("kind", k.trim()))
        .transpose()
        .map_err(|e| jiebang_core::Error::Invalid(vec![e]))?;
    let Some((_, file)) = form.files.into_iter().find(|(field, _)| field == "file") else {
        return Err(
            jiebang_core::Error::invalid("file", "请选择预测文件或模型 / choose a prediction file or a model").into()
        );
    };
    if file.size == 0 {
        let name = &file.name;
        return Err(jiebang_core::Error::invalid("file", format!("{name}: 文件是空的 / the file is empty")).into());
    }
    state.store.get_organization(organization).await?;
    let note = form.text.get("note").map_or("", String::as_str);
    // Without an explicit `kind`, an `.onnx` file is a model.
    let is_model = kind.map_or_else(|| file.name.to_lowercase().ends_with(".onnx"), |k| k == SubmissionKind::Model);
    let store = &state.store;
    Ok(if is_model {
        store.create_model_submission(phase.id, organization, authed.user.id, &file, note, baseline).await?
    } else {
        store.create_submission(phase.id, organization, authed.user.id, &file, note, baseline).await?
    })
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

/// The phase's submissions `viewer` may see, newest first: all of them for its organizers,
/// their own teams' for applicants, none for anyone else.
pub(crate) async fn submissions_seen_by(
    state: &AppState,
    viewer: Option<&jiebang_core::role::Principal>,
    phase: &Phase,
    manages: bool,
) -> Result<Vec<SubmissionView>, ApiError> {
    let teams = viewer.map(|p| p.organizations()).unwrap_or_default();
    let mut views = Vec::new();
    if manages || !teams.is_empty() {
        for submission in state.store.list_submissions(phase.id, None).await? {
            if manages || teams.contains(&submission.organization_id) {
                views.push(submission_view(state, submission, phase).await?);
            }
        }
    }
    Ok(views)
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

/// Withdraws a submission that has not started (its team or the organizers); 409 once it has.
#[utoipa::path(post, path = "/api/v1/submissions/{id}/cancel", responses((status = 200, body = SubmissionView), (status = 409, body = crate::error::ErrorEnvelope)), security(("token" = [])))]
pub(super) async fn cancel_submission(
    State(state): State<AppState>,
    viewer: Viewer,
    ApiPath(id): ApiPath<i64>,
) -> Result<Json<SubmissionView>, ApiError> {
    let (_, phase, _) = own_submission(&state, &viewer, id).await?;
    let actor = viewer.require()?.user.id;
    if !state.store.cancel_submission(id, actor).await? {
        return Err(
            StoreError::Refused("只能取消排队中的提交 / only a queued submission can be cancelled".into()).into()
        );
    }
    Ok(Json(submission_view(&state, state.store.get_submission(id).await?, &phase).await?))
}

/// Whether a submission counts.
#[derive(Debug, Deserialize, ToSchema)]
pub struct Selection {
    /// Count it (or stop counting it) in the final ranking.
    pub selected: bool,
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

/// How many submissions were queued again.
#[derive(Debug, Serialize, ToSchema)]
pub struct Requeued {
    /// Submissions queued.
    pub requeued: u64,
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

/// A signed evaluation report: check it with `jiebang verify` or any Ed25519 library against
/// the key at `/api/v1/keys`. The signature covers `report` in its RFC 8785 canonical form
/// (`docs/verify.md`); parse its numbers exactly.
#[derive(Debug, Serialize, ToSchema)]
pub struct SignedReport {
    /// The report.
    #[schema(value_type = Object)]
    pub report: serde_json::Value,
    /// How `report` is written before it is signed: `RFC8785`.
    pub canonicalization: &'static str,
    /// Ed25519 signature, hex.
    pub signature: String,
    /// The platform's public key, hex.
    pub public_key: String,
}

/// The latest run's signed report. The organizers always; the team once the phase's private
/// results are published (or when the phase has no split), since the report covers every row.
#[utoipa::path(get, path = "/api/v1/submissions/{id}/report", responses((status = 200, body = SignedReport), (status = 404, body = crate::error::ErrorEnvelope)), security(("token" = [])))]
pub(super) async fn get_report(
    State(state): State<AppState>,
    viewer: Viewer,
    ApiPath(id): ApiPath<i64>,
) -> Result<Json<SignedReport>, ApiError> {
    Ok(Json(signed_report(&state, &viewer, id).await?))
}

/// The latest run's signed report, if the viewer may read it (see [`get_report`]).
pub(crate) async fn signed_report(state: &AppState, viewer: &Viewer, id: i64) -> Result<SignedReport, ApiError> {
    let (_, phase, manages) = own_submission(state, viewer, id).await?;
    if !(manages || phase.all_rows_public()) {
        return Err(ApiError::Forbidden);
    }
    let evaluation =
        state.store.list_evaluations(id).await?.into_iter().next().ok_or_else(|| {
            ApiError::NotFound(format!("submission {id} 尚未评分 / submission {id} has not been scored"))
        })?;
    let report = serde_json::from_str(&evaluation.report).map_err(|e| ApiError::Internal(e.to_string()))?;
    Ok(SignedReport {
        report,
        canonicalization: jiebang_store::signing::CANONICALIZATION,
        signature: evaluation.signature,
        public_key: state.signer.public_key_hex(),
    })
}

/// The platform's keys.
#[derive(Debug, Serialize, ToSchema)]
pub struct Keys {
    /// `ed25519`.
    pub algorithm: &'static str,
    /// The key that signs evaluation reports, hex.
    pub report_signing: String,
}

/// The public key that signs evaluation reports.
#[utoipa::path(get, path = "/api/v1/keys", responses((status = 200, body = Keys)))]
pub(super) async fn keys(State(state): State<AppState>) -> Json<Keys> {
    Json(Keys { algorithm: "ed25519", report_signing: state.signer.public_key_hex() })
}

/// `?split=&format=`.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
pub struct BoardQuery {
    /// The split to rank on [default: the phase's]; other splits (`private`) once published.
    pub split: Option<String>,
    /// `json` (default), `csv` or `xlsx`.
    pub format: Option<String>,
}

/// An indicator column of a board.
#[derive(Debug, Serialize, ToSchema)]
pub struct BoardIndicator {
    /// As published, e.g. `f1@0.5>=0.9`.
    pub expr: String,
    /// The metric's key in the scores.
    pub metric: String,
    /// Operator.
    pub op: String,
    /// Target.
    pub threshold: f64,
}

/// A line of a board.
#[derive(Debug, Serialize, ToSchema)]
pub struct BoardRow {
    /// 1, 2, …; none for baselines.
    pub rank: Option<u32>,
    /// The team.
    pub team: String,
    /// The team's organization.
    pub team_id: i64,
    /// The submission that counts.
    pub submission_id: i64,
    /// An organizers' baseline.
    pub baseline: bool,
    /// The primary score, rounded.
    pub score: f64,
    /// Every score on the split, rounded.
    pub scores: BTreeMap<String, f64>,
    /// Whether each indicator (in `indicators` order) is met on the split.
    pub passes: Vec<Option<bool>>,
    /// The team's scored entries.
    pub entries: u32,
}

/// A phase's leaderboard on one split.
#[derive(Debug, Serialize, ToSchema)]
pub struct Leaderboard {
    /// The phase.
    pub phase_id: i64,
    /// The split ranked on (empty: all rows).
    pub split: String,
    /// The metric that ranks: the challenge's first indicator a prediction file answers.
    pub primary: String,
    /// `higher` or `lower` is better.
    pub direction: &'static str,
    /// Decimal places shown and compared.
    pub decimals: u32,
    /// The indicator columns.
    pub indicators: Vec<BoardIndicator>,
    /// Measured columns of delivered models present on the board (`model_size_mb`,
    /// `latency_p99_ms`, `peak_memory_mb`); empty when every row is a prediction file.
    pub model_columns: Vec<String>,
    /// Best first.
    pub rows: Vec<BoardRow>,
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

/// A phase's board on `split` (default: the phase's), as `viewer` may see it.
pub(crate) async fn board(
    state: &AppState,
    viewer: &Viewer,
    phase: &Phase,
    manages: bool,
    split: Option<String>,
) -> Result<Leaderboard, ApiError> {
    use jiebang_core::evaluation::{Entry, PhaseKind, Visibility};
    if !manages {
        match phase.input.visibility {
            Visibility::Public => {}
            Visibility::Participants => {
                let authed = viewer.require()?;
                if !is_participant(state, authed, phase.challenge_id).await? {
                    return Err(ApiError::Forbidden);
                }
            }
            Visibility::Organizers => {
                viewer.require()?;
                return Err(ApiError::Forbidden);
            }
        }
    }
    let split = split.map_or_else(|| phase.input.split.clone(), |s| s.trim().to_owned());
    if split != phase.input.split && !manages && !phase.private_published {
        return Err(ApiError::Conflict {
            code: "not_published",
            field: Some("split".into()),
            message: format!("「{split}」榜尚未公布 / the '{split}' results are not published yet"),
        });
    }
    let scored = state.store.scored_submissions(phase.id).await?;
    let report_of = |text: &str| serde_json::from_str::<serde_json::Value>(text).unwrap_or_default();
    let indicators: Vec<BoardIndicator> = scored
        .last()
        .map(|(_, report)| report_of(report)["indicators"].as_array().cloned().unwrap_or_default())
        .unwrap_or_default()
        .iter()
        .map(|i| BoardIndicator {
            expr: i["expr"].as_str().unwrap_or_default().to_owned(),
            metric: i["metric"].as_str().unwrap_or_default().to_owned(),
            op: i["op"].as_str().unwrap_or_default().to_owned(),
            threshold: i["threshold"].as_f64().unwrap_or(f64::NAN),
        })
        .collect();
    let entries: Vec<Entry> = scored
        .iter()
        .filter_map(|(submission, report)| {
            Some(Entry {
                submission_id: submission.id,
                team_id: submission.organization_id,
                team: submission.organization_name.clone(),
                baseline: submission.is_baseline,
                submitted_ms: submission.created_ms,
                selected: submission.selected,
                scores: shown_scores(&report_of(report), &split, phase.input.precision)?,
            })
        })
        .collect();
    let primary = indicators
        .first()
        .map(|i| i.metric.clone())
        .or_else(|| entries.first().and_then(|e| e.scores.keys().next().cloned()))
        .unwrap_or_default();
    let direction = jiebang_core::indicator::MetricKey::parse(&primary)
        .map_or(jiebang_core::indicator::Direction::HigherIsBetter, |k| k.direction());
    let decimals = phase.input.precision;
    let counted = (phase.input.kind == PhaseKind::Final).then_some(phase.input.counted);
    let rows: Vec<BoardRow> = jiebang_core::evaluation::rank(entries, &primary, direction, decimals, counted)
        .into_iter()
        .map(|standing| BoardRow {
            rank: standing.rank,
            passes: indicators
                .iter()
                .map(|i| {
                    let value = standing.entry.scores.get(&i.metric)?;
                    let op = jiebang_core::indicator::Comparison::parse(&i.op)?;
                    Some(op.holds(*value, i.threshold))
                })
                .collect(),
            team: standing.entry.team,
            team_id: standing.entry.team_id,
            submission_id: standing.entry.submission_id,
            baseline: standing.entry.baseline,
            score: standing.score,
            scores: standing
                .entry
                .scores
                .into_iter()
                .map(|(k, v)| (k, jiebang_core::evaluation::round_to(v, decimals)))
                .collect(),
            entries: standing.entries,
        })
        .collect();
    let model_columns = ["model_size_mb", "latency_p99_ms", "peak_memory_mb"]
        .into_iter()
        .filter(|c| rows.iter().any(|r| r.scores.contains_key(*c)))
        .map(str::to_owned)
        .collect();
    Ok(Leaderboard {
        model_columns,
        phase_id: phase.id,
        split,
        primary,
        direction: match direction {
            jiebang_core::indicator::Direction::HigherIsBetter => "higher",
            jiebang_core::indicator::Direction::LowerIsBetter => "lower",
        },
        decimals,
        indicators,
        rows,
    })
}

/// The board as a table: rank, team, submission, baseline, every score, every indicator.
fn board_table(board: &Leaderboard) -> (Vec<String>, Vec<Vec<TableCell>>) {
    // Every row's metrics: a delivered model's measurements are columns too.
    let metrics: Vec<&String> = board
        .rows
        .iter()
        .flat_map(|r| r.scores.keys())
        .collect::<std::collections::BTreeSet<_>>()
        .into_iter()
        .collect();
    let mut header = vec!["排名 rank".to_owned(), "团队 team".into(), "提交 submission".into(), "基线 baseline".into()];
    header.extend(metrics.iter().map(|m| (*m).clone()));
    header.extend(board.indicators.iter().map(|i| format!("达标 {}", i.expr)));
    let rows = board
        .rows
        .iter()
        .map(|row| {
            let mut cells = vec![
                row.rank.map_or(TableCell::Empty, |r| TableCell::Number(f64::from(r))),
                TableCell::Text(row.team.clone()),
                TableCell::Number(row.submission_id as f64),
                if row.baseline { TableCell::Text("是".into()) } else { TableCell::Empty },
            ];
            cells
                .extend(metrics.iter().map(|m| row.scores.get(*m).map_or(TableCell::Empty, |v| TableCell::Number(*v))));
            cells.extend(row.passes.iter().map(|p| match p {
                Some(true) => TableCell::Text("是".into()),
                Some(false) => TableCell::Text("否".into()),
                None => TableCell::Empty,
            }));
            cells
        })
        .collect();
    (header, rows)
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

/// The evaluation queue as operators watch it.
#[derive(Debug, Serialize, ToSchema)]
pub struct QueueView {
    /// Jobs by state.
    #[schema(value_type = Object)]
    pub jobs: jiebang_store::QueueStats,
    /// Seconds the oldest waiting job has waited.
    pub oldest_wait_seconds: Option<f64>,
    /// Workers that reported in the last two minutes.
    #[schema(value_type = Vec<Object>)]
    pub workers: Vec<jiebang_store::WorkerRecord>,
    /// Submissions per phase and state.
    #[schema(value_type = Vec<Object>)]
    pub phases: Vec<jiebang_store::PhaseCounts>,
}

/// Workers count as alive when they reported within this window.
const WORKER_WINDOW_MS: i64 = 120_000;

pub(crate) async fn queue_view(state: &AppState) -> Result<QueueView, ApiError> {
    let jobs = state.store.queue_stats().await?;
    let oldest_wait_seconds = jobs.oldest_queued_ms.map(|ms| (jiebang_store::now_ms() - ms) as f64 / 1000.0);
    Ok(QueueView {
        jobs,
        oldest_wait_seconds,
        workers: state.store.list_workers(WORKER_WINDOW_MS).await?,
        phases: state.store.phase_counts().await?,
    })
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
