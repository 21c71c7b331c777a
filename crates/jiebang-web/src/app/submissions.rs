//! Submissions to a phase: who may submit and how often, the submission itself (its files
//! stored, its job queued), the submissions a viewer may see with the scores of the phase's
//! split, and signed reports with the key that checks them.
//!
//! Who sees what: a challenge's organizers (and admins) see everything; a team (the applicants
//! of a registered organization) sees its own submissions; no view carries a byte of a hidden
//! file.

use std::collections::{BTreeMap, HashMap};

use jiebang_core::delivery::SubmissionKind;
use jiebang_core::evaluation::SubmissionState;
use jiebang_core::report::ScoreReport;
use jiebang_store::{EndpointProgress, Phase, Submission};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::AppState;
use crate::app::access::own_submission;
use crate::auth::{Authed, Viewer};
use crate::error::ApiError;
use crate::http::Form;

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
    /// An endpoint evaluation's progress: questions finished and failed of the bank.
    #[schema(value_type = Option<Object>)]
    pub progress: Option<EndpointProgress>,
}

pub(crate) async fn submission_view(
    state: &AppState,
    s: Submission,
    phase: &Phase,
) -> Result<SubmissionView, ApiError> {
    let id = [s.id];
    let positions =
        if s.state == SubmissionState::Queued { state.store.queue_positions(&id).await? } else { HashMap::new() };
    let reports =
        if s.state == SubmissionState::Scored { state.store.latest_reports(&id).await? } else { HashMap::new() };
    let progress =
        if s.kind == SubmissionKind::Endpoint { state.store.endpoint_progress(&id).await? } else { HashMap::new() };
    Ok(view_of(s, phase, &positions, &reports, &progress))
}

/// A submission as its viewer sees it, from the queue positions and reports of its table
/// (fetched once for all its rows).
fn view_of(
    s: Submission,
    phase: &Phase,
    positions: &HashMap<i64, i64>,
    reports: &HashMap<i64, String>,
    progress: &HashMap<i64, EndpointProgress>,
) -> SubmissionView {
    let queue_position = if s.state == SubmissionState::Queued { positions.get(&s.id).copied() } else { None };
    let elapsed_ms = s.started_ms.map(|start| s.finished_ms.unwrap_or_else(jiebang_store::now_ms) - start);
    let (scores, near_duplicate_of) = if s.state == SubmissionState::Scored {
        let report: Option<ScoreReport> = reports.get(&s.id).and_then(|r| serde_json::from_str(r).ok());
        let report = report.as_ref();
        let near = report.and_then(|r| r.near_duplicate_of.as_ref()).map(|n| n.submission);
        (report.and_then(|r| shown_scores(r, &phase.input.split, phase.input.precision)), near)
    } else {
        (None, None)
    };
    SubmissionView {
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
        progress: progress.get(&s.id).copied(),
    }
}

/// The metrics of one split of a report (all rows when `split` is empty), rounded to the
/// phase's precision: the board compares no finer, and finer scores on the public split would
/// let a team read hidden labels back one probe at a time. The signed report keeps every digit.
///
/// A near-duplicate of the team's earlier file (see `jiebang_core::sketch`) shows none.
/// A metric the engine could not compute (NaN) leaves the run off the board, as a score that
/// cannot be compared.
pub(crate) fn shown_scores(report: &ScoreReport, split: &str, precision: u32) -> Option<BTreeMap<String, f64>> {
    if report.near_duplicate_of.is_some() {
        return None;
    }
    let metrics = report.metrics_of(split)?;
    if metrics.values().any(|v| v.is_nan()) {
        return None;
    }
    Some(metrics.iter().map(|(k, v)| (k.clone(), jiebang_core::evaluation::round_to(*v, precision))).collect())
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
        return Ok(state.store.check_may_submit(phase.id, 0, user, true, state.clock.today()).await?);
    }
    let registered = state.store.participant_organizations(phase.challenge_id).await?;
    let mut refusal = None;
    for team in authed.principal.organizations().into_iter().filter(|o| registered.contains(o)) {
        match state.store.check_may_submit(phase.id, team, user, false, state.clock.today()).await {
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
    let served = contract.gguf.as_ref().map_or(0, |g| g.max_model_bytes());
    Ok(predictions.max(models).max(served).min(state.config.max_data_bytes))
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
    if kind == Some(SubmissionKind::Endpoint) {
        return register_endpoint(state, authed, phase, organization, baseline, &form).await;
    }
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
    // Without an explicit `kind`, an `.onnx` file is a model and a `.gguf` file a large one.
    let name = file.name.to_lowercase();
    let kind = kind.unwrap_or(if name.ends_with(".onnx") {
        SubmissionKind::Model
    } else if name.ends_with(".gguf") {
        SubmissionKind::Gguf
    } else {
        SubmissionKind::Predictions
    });
    let upload = jiebang_store::NewSubmission {
        note,
        is_baseline: baseline,
        ..jiebang_store::NewSubmission::new(phase.id, organization, authed.user.id, &file, state.clock.today())
    };
    Ok(match kind {
        SubmissionKind::Model => state.store.create_model_submission(&upload).await?,
        SubmissionKind::Gguf => {
            if let Some(contract) = state.store.delivery_contract(phase.challenge_id).await?.gguf {
                check_gguf(state, &file, &contract).await?;
            }
            state.store.create_gguf_submission(&upload).await?
        }
        _ => state.store.create_submission(&upload).await?,
    })
}

/// Reads a delivered GGUF file's header (no weight is loaded) and refuses the upload with every
/// problem the runtime would meet — truncation, a header claiming more than the file holds, an
/// architecture or tensor type it cannot run, a vocabulary llama.cpp aborts on, no chat
/// template, the size limit — so a broken file never waits in the queue.
async fn check_gguf(
    state: &AppState,
    file: &jiebang_store::StoredFile,
    contract: &jiebang_core::delivery::GgufContract,
) -> Result<(), ApiError> {
    use jiebang_core::delivery::LlmRuntime;
    let rules = jiebang_gguf::Rules {
        max_bytes: Some(contract.max_model_bytes()),
        ..match contract.runtime {
            LlmRuntime::Builtin => jiebang_gguf::Rules::built_in(!contract.chat_template.trim().is_empty()),
            LlmRuntime::Reference => jiebang_gguf::Rules::llama_cpp(),
        }
    };
    // The store's own file where it is a directory; otherwise a private copy for the check.
    let scratch = match state.files.local_path(&file.key) {
        Some(path) => (path, None),
        None => {
            let dir = tempfile::tempdir().map_err(|e| ApiError::Internal(format!("scratch directory: {e}")))?;
            let path = dir.path().join("model.gguf");
            state.files.download(&file.key, &path).await?;
            (path, Some(dir))
        }
    };
    let path = scratch.0.clone();
    let problems = tokio::task::spawn_blocking(move || match jiebang_gguf::read_file(&path) {
        Ok(header) => header.problems(&rules),
        Err(error) => vec![error.to_string()],
    })
    .await
    .map_err(|e| ApiError::Internal(format!("the header check failed: {e}")))?;
    if problems.is_empty() {
        return Ok(());
    }
    let name = &file.name;
    Err(jiebang_core::Error::Invalid(
        problems.into_iter().map(|p| jiebang_core::FieldError::new("file", format!("{name}: {p}"))).collect(),
    )
    .into())
}

/// Registers a live model's endpoint as a submission: `base_url` and `model` become its file
/// (`{base_url, model}`, which holds no secret); `api_key`, if given, is sealed and kept apart,
/// and is never shown, logged or returned again.
async fn register_endpoint(
    state: &AppState,
    authed: &Authed,
    phase: &Phase,
    organization: i64,
    baseline: bool,
    form: &Form,
) -> Result<Submission, ApiError> {
    let registration = jiebang_core::delivery::EndpointRegistration {
        base_url: form.text("base_url", ""),
        model: form.text("model", ""),
    };
    let key = form.text("api_key", "");
    let bad_key = key.len() > 4096 || key.chars().any(char::is_control);
    let registration = match (registration.validate(), bad_key) {
        (Ok(registration), false) => registration,
        (result, _) => {
            let mut errors = match result {
                Err(jiebang_core::Error::Invalid(errors)) => errors,
                _ => Vec::new(),
            };
            if bad_key {
                errors.push(jiebang_core::FieldError::new(
                    "api_key",
                    "密钥过长或含控制字符 / the key is too long or holds control characters",
                ));
            }
            return Err(jiebang_core::Error::Invalid(errors).into());
        }
    };
    state.store.get_organization(organization).await?;
    let bytes = serde_json::to_vec(&registration).map_err(|e| ApiError::Internal(e.to_string()))?;
    let name: String = format!("{} @ {}", registration.model, registration.base_url).chars().take(200).collect();
    let file = state.store.save_file(&state.files, &name, bytes, Some(authed.user.id)).await?;
    let sealed = if key.is_empty() { None } else { Some(state.sealer.seal(&key)?) };
    let upload = jiebang_store::NewSubmission {
        note: form.text.get("note").map_or("", String::as_str),
        is_baseline: baseline,
        ..jiebang_store::NewSubmission::new(phase.id, organization, authed.user.id, &file, state.clock.today())
    };
    Ok(state.store.create_endpoint_submission(&upload, sealed.as_deref()).await?)
}

/// Withdraws a submission that has not started, or stops an endpoint evaluation that is running
/// (its team or the organizers; the answers so far are kept); a conflict otherwise.
pub(crate) async fn cancel(state: &AppState, viewer: &Viewer, id: i64) -> Result<(Submission, Phase), ApiError> {
    let (submission, phase, _) = own_submission(state, viewer, id).await?;
    if !state.store.cancel_submission(id, viewer.require()?.user.id).await? {
        return Err(ApiError::Conflict {
            code: "refused",
            field: None,
            message: "只能取消排队中的提交或正在评测的模型服务接口 / only a queued submission or a running endpoint \
                      evaluation can be cancelled"
                .into(),
        });
    }
    Ok((submission, phase))
}

/// The transcript of a submission's latest endpoint run: to the challenge's organizers always,
/// to the team once every row of the phase is public (before that the questions are hidden).
pub(crate) async fn transcript(state: &AppState, viewer: &Viewer, id: i64) -> Result<(String, Vec<u8>), ApiError> {
    let (submission, phase, manages) = own_submission(state, viewer, id).await?;
    if !manages && !phase.all_rows_public() {
        return Err(ApiError::Forbidden);
    }
    let file = state
        .store
        .endpoint_transcript(id, submission.runs)
        .await?
        .ok_or_else(|| ApiError::NotFound(format!("提交 {id} 没有交互记录 / submission {id} has no transcript")))?;
    Ok((format!("transcript-{id}-run{}.jsonl", submission.runs), state.files.get(&file.key).await?))
}

/// The phase's submissions `viewer` may see, newest first: all of them for its organizers,
/// their own teams' for applicants, none for anyone else.
pub(crate) async fn submissions_seen_by(
    state: &AppState,
    viewer: Option<&jiebang_core::role::Principal>,
    phase: &Phase,
    manages: bool,
) -> Result<Vec<SubmissionView>, ApiError> {
    let mut submissions = Vec::new();
    if manages {
        submissions = state.store.list_submissions(phase.id, None).await?;
    } else {
        for team in viewer.map(|p| p.organizations()).unwrap_or_default() {
            submissions.extend(state.store.list_submissions(phase.id, Some(team)).await?);
        }
        submissions.sort_by_key(|s| std::cmp::Reverse(s.id));
    }
    // Four queries for the whole table, however many rows it has.
    let queued: Vec<i64> = submissions.iter().filter(|s| s.state == SubmissionState::Queued).map(|s| s.id).collect();
    let scored: Vec<i64> = submissions.iter().filter(|s| s.state == SubmissionState::Scored).map(|s| s.id).collect();
    let endpoints: Vec<i64> = submissions.iter().filter(|s| s.kind == SubmissionKind::Endpoint).map(|s| s.id).collect();
    let positions = if queued.is_empty() { HashMap::new() } else { state.store.queue_positions(&queued).await? };
    let reports = if scored.is_empty() { HashMap::new() } else { state.store.latest_reports(&scored).await? };
    let progress =
        if endpoints.is_empty() { HashMap::new() } else { state.store.endpoint_progress(&endpoints).await? };
    Ok(submissions.into_iter().map(|s| view_of(s, phase, &positions, &reports, &progress)).collect())
}

/// Whether a submission counts.
#[derive(Debug, Deserialize, ToSchema)]
pub struct Selection {
    /// Count it (or stop counting it) in the final ranking.
    pub selected: bool,
}

/// How many submissions were queued again.
#[derive(Debug, Serialize, ToSchema)]
pub struct Requeued {
    /// Submissions queued.
    pub requeued: u64,
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

/// The latest run's signed report for the organizers, and for the team once every row is
/// public; before that the team gets its own view ([`ScoreReport::team_view`]: the leaderboard's
/// split only), signed by the platform when asked, so that it too verifies for anyone.
///
/// Anyone else who may see a project gets the report of a submission that project cites as
/// evidence (see [`crate::app::projects::cited_as_evidence`]), in the view its ledger shows.
pub(crate) async fn signed_report(state: &AppState, viewer: &Viewer, id: i64) -> Result<SignedReport, ApiError> {
    let (phase, manages) = match own_submission(state, viewer, id).await {
        Ok((_, phase, manages)) => (phase, manages),
        Err(refused @ (ApiError::NotFound(_) | ApiError::Unauthenticated)) => {
            let full = crate::app::projects::cited_as_evidence(state, viewer, id).await?.ok_or(refused)?;
            let submission = state.store.get_submission(id).await?;
            (state.store.get_phase(submission.phase_id).await?, full)
        }
        Err(other) => return Err(other),
    };
    let evaluation = state
        .store
        .list_evaluations(id)
        .await?
        .into_iter()
        .next()
        .ok_or_else(|| ApiError::NotFound(format!("提交 {id} 尚未评分 / submission {id} has not been scored")))?;
    let report: serde_json::Value =
        serde_json::from_str(&evaluation.report).map_err(|e| ApiError::Internal(e.to_string()))?;
    let signed = |report, signature| SignedReport {
        report,
        canonicalization: jiebang_store::signing::CANONICALIZATION,
        signature,
        public_key: state.signer.public_key_hex(),
    };
    if manages || phase.all_rows_public() {
        return Ok(signed(report, evaluation.signature));
    }
    let full: ScoreReport =
        serde_json::from_value(report).map_err(|e| ApiError::Internal(format!("stored report: {e}")))?;
    let view =
        serde_json::to_value(full.team_view(&phase.input.split)).map_err(|e| ApiError::Internal(e.to_string()))?;
    let signature = state.signer.sign_document(&view).signature;
    Ok(signed(view, signature))
}

impl SignedReport {
    /// The report as the platform reads it.
    pub(crate) fn typed(&self) -> Result<ScoreReport, ApiError> {
        serde_json::from_value(self.report.clone()).map_err(|e| ApiError::Internal(format!("stored report: {e}")))
    }
}

/// The platform's keys.
#[derive(Debug, Serialize, ToSchema)]
pub struct Keys {
    /// `ed25519`.
    pub algorithm: &'static str,
    /// The key that signs evaluation reports, hex.
    pub report_signing: String,
}
