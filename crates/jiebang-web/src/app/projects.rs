//! Projects after the announcement: the organizers create them from the announced list, anyone
//! who sees the program reads them (their committed indicators, milestones' standing and
//! indicator ledger are public), each step is taken by its party — the lead unit drafts the task
//! agreement, reports milestones and rectification and applies for acceptance; the organizers
//! sign, review and decide — and the agreement's text, the milestone reports, the tranches and
//! the history are the parties' own.

use std::collections::hash_map::Entry;
use std::collections::{BTreeMap, HashMap};

use jiebang_core::program::Day;
use jiebang_core::project::{
    AcceptanceFindings, AcceptanceRecord, AcceptanceRules, Agreement, Conclusion, GateRule, LedgerRow, Measurement,
    MidTermOutcome, MidTermSheet, MilestoneDecision, MilestoneStatus, Party, Passed, PlannedMilestone, ProgressPeriod,
    ProgressStatus, ProjectAction, ProjectState, Tranche, ledger, milestone_status,
};
use jiebang_core::report::ScoreReport;
use jiebang_store::{
    AcceptanceOpinion, Appeal, ChangeInput, Gate, LabReport, MidTermCheck, MilestoneReport, NewMilestoneReport,
    ProgressInput, ProgressReport, Project, ProjectChange, ProjectEvent, ProjectLab, StoredFile,
};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::AppState;
use crate::app::access::{managed_program, visible_program};
use crate::auth::Viewer;
use crate::error::ApiError;

/// A step asked for.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
pub struct ProjectStep {
    /// What to do (`apply_acceptance` has its own form with the materials).
    pub action: ProjectAction,
    /// With `conclude`, the conclusion.
    #[serde(default)]
    pub conclusion: Option<Conclusion>,
    /// With `conclude`, what the organizers found besides the measurements.
    #[serde(default)]
    pub findings: AcceptanceFindings,
    /// With `start_testing`, the acceptance phase of the challenge's evaluation (none: labs only).
    #[serde(default)]
    pub phase_id: Option<i64>,
    /// Why (needed for rectification, termination and review again).
    #[serde(default)]
    pub reason: String,
}

/// A program's projects, to anyone who sees the program.
pub(crate) async fn list(state: &AppState, viewer: &Viewer, program_id: i64) -> Result<Vec<Project>, ApiError> {
    visible_program(state, viewer, program_id).await?;
    Ok(state.store.list_projects(program_id).await?)
}

/// Creates the projects of the announced list (the organizers; again adds only new ones).
pub(crate) async fn create(state: &AppState, viewer: &Viewer, program_id: i64) -> Result<Vec<Project>, ApiError> {
    let (_, user) = managed_program(state, viewer, program_id).await?;
    Ok(state.store.create_projects(program_id, user).await?)
}

/// One project, to anyone who sees its program.
pub(crate) async fn get(state: &AppState, viewer: &Viewer, id: i64) -> Result<Project, ApiError> {
    let project = state.store.get_project(id).await?;
    visible_program(state, viewer, project.program_id).await?;
    Ok(project)
}

/// Whether the viewer is the project's party for `party`.
fn acts_as(viewer: &Viewer, project: &Project, party: Party) -> bool {
    viewer.principal().is_some_and(|p| match party {
        Party::Organizer => p.can_manage_program(project.program_id),
        Party::Lead => p.can_act_for(project.lead_organization_id),
    })
}

/// A step by its party; anyone else is refused.
pub(crate) async fn act(state: &AppState, viewer: &Viewer, id: i64, step: &ProjectStep) -> Result<Project, ApiError> {
    let project = get(state, viewer, id).await?;
    let authed = viewer.require()?;
    let party = step.action.party();
    if !acts_as(viewer, &project, party) {
        return Err(ApiError::Forbidden);
    }
    let (user, today) = (authed.user.id, state.clock.today());
    Ok(match step.action {
        ProjectAction::StartTesting => state.store.start_testing(id, step.phase_id, user).await?,
        ProjectAction::Conclude => {
            let conclusion = step
                .conclusion
                .ok_or_else(|| jiebang_core::Error::invalid("conclusion", "请选择结论 / give the conclusion"))?;
            let record = acceptance_record(state, &project, step.findings, true).await?;
            let calendar = &state.calendar;
            state.store.conclude_acceptance(id, conclusion, &record, &step.reason, calendar, today, user).await?
        }
        ProjectAction::Finalize => state.store.finalize_conclusion(id, today, user).await?,
        action => state.store.act_on_project(id, action, party, step.conclusion, &step.reason, user).await?,
    })
}

/// The steps taken, with their reasons: to the organizers and the lead unit.
pub(crate) async fn history(state: &AppState, viewer: &Viewer, id: i64) -> Result<Vec<ProjectEvent>, ApiError> {
    let project = get(state, viewer, id).await?;
    viewer.require()?;
    if !acts_as(viewer, &project, Party::Organizer) && !acts_as(viewer, &project, Party::Lead) {
        return Err(ApiError::Forbidden);
    }
    Ok(state.store.project_history(id).await?)
}

/// Reads a multipart form whose files must all be PDFs, as `user`, and uses it; the uploads of
/// a refused form are discarded.
async fn pdf_form<T, F>(
    state: &AppState,
    multipart: axum::extract::Multipart,
    user: i64,
    use_form: impl FnOnce(crate::http::Form) -> F,
) -> Result<T, ApiError>
where
    F: std::future::Future<Output = Result<T, ApiError>>,
{
    let form = crate::http::read_form(state, multipart, crate::app::selection::MAX_ATTACHMENT_BYTES, user).await?;
    crate::http::with_uploads(state, user, form, |form| async move {
        crate::http::require_pdfs(state, &form).await?;
        use_form(form).await
    })
    .await
}

/// Whether the viewer is one of the project's parties (either side).
pub(crate) fn is_party(viewer: &Viewer, project: &Project) -> bool {
    acts_as(viewer, project, Party::Organizer) || acts_as(viewer, project, Party::Lead)
}

/// The project, to its parties only (403 to anyone else who sees it).
async fn as_party(state: &AppState, viewer: &Viewer, id: i64) -> Result<Project, ApiError> {
    let project = get(state, viewer, id).await?;
    viewer.require()?;
    if !is_party(viewer, &project) {
        return Err(ApiError::Forbidden);
    }
    Ok(project)
}

/// The project, to the viewer acting as `party` (403 otherwise), with the viewer's user id.
async fn as_one(state: &AppState, viewer: &Viewer, id: i64, party: Party) -> Result<(Project, i64), ApiError> {
    let project = get(state, viewer, id).await?;
    let user = viewer.require()?.user.id;
    if !acts_as(viewer, &project, party) {
        return Err(ApiError::Forbidden);
    }
    Ok((project, user))
}

/// The task agreement as the parties sign it: the document whose canonical text the hash
/// covers, and once signed the platform's signature over the same bytes, so that anyone can
/// check a printed copy.
#[derive(Debug, Serialize, ToSchema)]
pub struct SignedAgreement {
    /// Parties, committed indicators and the agreement: the signed document.
    #[schema(value_type = Object)]
    pub agreement: serde_json::Value,
    /// `RFC8785`.
    pub canonicalization: &'static str,
    /// SHA-256 of the canonical text, hex; recorded when the organizer signed.
    pub sha256: String,
    /// Signed (CST text); `None`: still a draft.
    pub signed_at: Option<String>,
    /// The platform's Ed25519 signature of the canonical text, hex (once signed).
    pub signature: Option<String>,
    /// The platform's public key, hex.
    pub public_key: String,
}

/// The agreement, to the parties (404 before the lead unit drafts it).
pub(crate) async fn agreement(state: &AppState, viewer: &Viewer, id: i64) -> Result<SignedAgreement, ApiError> {
    let project = as_party(state, viewer, id).await?;
    if project.agreement.is_none() {
        return Err(ApiError::NotFound(format!("项目 {id} 的任务书尚未编制 / project {id} has no agreement yet")));
    }
    let document = project.agreement_document();
    let signed = project.agreement_sha256.is_some();
    Ok(SignedAgreement {
        signature: signed.then(|| state.signer.sign_document(&document).signature),
        sha256: project.agreement_sha256.clone().unwrap_or_else(|| project.agreement_hash()),
        signed_at: project.signed_at.clone(),
        canonicalization: jiebang_store::signing::CANONICALIZATION,
        public_key: state.signer.public_key_hex(),
        agreement: document,
    })
}

/// The project, to its lead unit only: the agreement's form.
pub(crate) async fn led(state: &AppState, viewer: &Viewer, id: i64) -> Result<Project, ApiError> {
    Ok(as_one(state, viewer, id, Party::Lead).await?.0)
}

/// The lead unit saves its draft of the agreement.
pub(crate) async fn save_agreement(
    state: &AppState,
    viewer: &Viewer,
    id: i64,
    draft: &Agreement,
) -> Result<Project, ApiError> {
    let (_, user) = as_one(state, viewer, id, Party::Lead).await?;
    Ok(state.store.save_agreement(id, draft, user).await?)
}

/// A planned milestone, where it stands, and (to the parties) its reports.
#[derive(Debug, Serialize, ToSchema)]
pub struct MilestoneView {
    /// Its position in the plan, from 1.
    pub position: u32,
    /// The plan.
    pub planned: PlannedMilestone,
    /// Where it stands today (China Standard Time).
    pub status: MilestoneStatus,
    /// The reports, oldest first (empty to anyone but the parties).
    pub reports: Vec<MilestoneReport>,
}

/// The plan's milestones with their standing; their reports only to the parties.
pub(crate) async fn milestones(state: &AppState, viewer: &Viewer, id: i64) -> Result<Vec<MilestoneView>, ApiError> {
    let project = get(state, viewer, id).await?;
    let reports = state.store.milestone_reports(id).await?;
    Ok(milestone_views(&project, reports, is_party(viewer, &project), state.clock.today()))
}

fn milestone_views(project: &Project, reports: Vec<MilestoneReport>, party: bool, today: Day) -> Vec<MilestoneView> {
    let planned = project.agreement.as_ref().map(|a| a.milestones.clone()).unwrap_or_default();
    planned
        .into_iter()
        .zip(1u32..)
        .map(|(planned, position)| {
            let own: Vec<MilestoneReport> = reports.iter().filter(|r| r.milestone == position).cloned().collect();
            let decisions: Vec<_> = own.iter().map(|r| (r.decision, r.rectify_by)).collect();
            let status = milestone_status(planned.due, &decisions, today);
            MilestoneView { position, planned, status, reports: if party { own } else { Vec::new() } }
        })
        .collect()
}

/// The lead unit reports a milestone. Multipart: `milestone` (its position), `summary`,
/// `submissions` (submission ids, separated by commas or lines) and PDF files.
pub(crate) async fn report_milestone(
    state: &AppState,
    viewer: &Viewer,
    id: i64,
    multipart: axum::extract::Multipart,
) -> Result<MilestoneReport, ApiError> {
    let (_, user) = as_one(state, viewer, id, Party::Lead).await?;
    pdf_form(state, multipart, user, |form| async move {
        let mut problems = Vec::new();
        let milestone = form.text("milestone", "").parse::<u32>().unwrap_or_else(|_| {
            problems.push(jiebang_core::FieldError::new("milestone", "请选择里程碑 / choose the milestone"));
            0
        });
        let mut submissions = Vec::new();
        for item in form.lines("submissions") {
            match item.trim_start_matches('#').parse::<i64>() {
                Ok(n) => submissions.push(n),
                Err(_) => problems.push(jiebang_core::FieldError::new(
                    "submissions",
                    format!("「{item}」不是提交编号 / '{item}' is not a submission number"),
                )),
            }
        }
        if !problems.is_empty() {
            return Err(jiebang_core::Error::Invalid(problems).into());
        }
        let files: Vec<StoredFile> = form.uploads();
        let summary = form.text("summary", "");
        let report = NewMilestoneReport { milestone, summary: &summary, submissions: &submissions, files: &files };
        Ok(state.store.submit_milestone_report(id, &report, user).await?)
    })
    .await
}

/// The reviewers' decision on a milestone report.
#[derive(Debug, Clone, Deserialize, ToSchema)]
pub struct MilestoneReview {
    /// 通过, 限期整改 or 未通过.
    pub decision: MilestoneDecision,
    /// The reviewers' reasons (needed unless passed).
    #[serde(default)]
    pub note: String,
    /// With `rectify`, the day the new report is due.
    #[serde(default)]
    #[schema(value_type = Option<String>)]
    pub rectify_by: Option<Day>,
}

/// The organizers decide on a milestone report.
pub(crate) async fn review_milestone(
    state: &AppState,
    viewer: &Viewer,
    report_id: i64,
    review: &MilestoneReview,
) -> Result<MilestoneReport, ApiError> {
    viewer.require()?;
    let report = state.store.milestone_report(report_id).await?;
    let (_, user) = as_one(state, viewer, report.project_id, Party::Organizer).await?;
    let today = state.clock.today();
    Ok(state
        .store
        .review_milestone_report(report_id, review.decision, &review.note, review.rectify_by, today, user)
        .await?)
}

/// A file of the project's documents, to the parties and its labs.
pub(crate) async fn evidence_file(
    state: &AppState,
    viewer: &Viewer,
    id: i64,
    file_id: i64,
) -> Result<(StoredFile, Vec<u8>), ApiError> {
    let project = get(state, viewer, id).await?;
    viewer.require()?;
    if !is_party(viewer, &project) && !is_lab(state, viewer, &project).await? {
        return Err(ApiError::Forbidden);
    }
    let file = state.store.project_file(id, file_id).await?;
    let bytes = state.files.get(&file.key).await?;
    Ok((file, bytes))
}

/// The committed indicators against the latest measurements of the team's evidence.
#[derive(Debug, Serialize, ToSchema)]
pub struct Ledger {
    /// One row per committed indicator.
    pub rows: Vec<LedgerRow>,
    /// Every measurement read, oldest first.
    pub measurements: Vec<Measurement>,
}

/// The ledger, to anyone who sees the program. The values come from the signed reports of the
/// submissions the milestone reports offer; a phase whose hidden rows are not public yet gives
/// its leaderboard split only, as the team itself sees it.
pub(crate) async fn ledger_of(state: &AppState, viewer: &Viewer, id: i64) -> Result<Ledger, ApiError> {
    let project = get(state, viewer, id).await?;
    let reports = state.store.milestone_reports(id).await?;
    let ids: Vec<i64> = reports.iter().flat_map(|r| r.submissions.iter().copied()).collect();
    let measurements = measurements(state, &ids, false).await?;
    Ok(Ledger { rows: ledger(&project.committed, &measurements), measurements })
}

/// Whether a project the viewer may see cites this submission as evidence, and in which view:
/// `Some(true)` — the full report — when its concluded acceptance record measured an indicator
/// with it (published with the conclusion); `Some(false)` — the view its ledger shows — when a
/// milestone report offers it; `None` otherwise.
pub(crate) async fn cited_as_evidence(state: &AppState, viewer: &Viewer, id: i64) -> Result<Option<bool>, ApiError> {
    let submission = state.store.get_submission(id).await?;
    let source = format!("submission:{id}");
    let mut cited = None;
    for project in state.store.projects_led_by(&[submission.organization_id]).await? {
        if visible_program(state, viewer, project.program_id).await.is_err() {
            continue;
        }
        let concluded = project
            .acceptance
            .as_ref()
            .is_some_and(|record| record.rows.iter().any(|row| row.source.as_deref() == Some(source.as_str())));
        if concluded {
            return Ok(Some(true));
        }
        if state.store.milestone_reports(project.id).await?.iter().any(|r| r.submissions.contains(&id)) {
            cited = Some(false);
        }
    }
    Ok(cited)
}

/// The metrics of these submissions' signed reports, oldest first: every row's to the
/// organizers (`full`), the leaderboard split's until a phase's hidden rows are public.
async fn measurements(state: &AppState, ids: &[i64], full: bool) -> Result<Vec<Measurement>, ApiError> {
    let mut ids = ids.to_vec();
    ids.sort_unstable();
    ids.dedup();
    let texts = if ids.is_empty() { HashMap::new() } else { state.store.latest_reports(&ids).await? };
    let mut phases = HashMap::new();
    let mut measured: Vec<(String, i64, BTreeMap<String, f64>)> = Vec::new();
    for id in ids {
        let Some(report) = texts.get(&id).and_then(|t| serde_json::from_str::<ScoreReport>(t).ok()) else {
            continue;
        };
        let submission = state.store.get_submission(id).await?;
        if let Entry::Vacant(slot) = phases.entry(submission.phase_id) {
            slot.insert(state.store.get_phase(submission.phase_id).await?);
        }
        let phase = &phases[&submission.phase_id];
        let shown = if full || phase.all_rows_public() { report } else { report.team_view(&phase.input.split) };
        measured.push((shown.finished_at.clone(), id, shown.metrics));
    }
    measured.sort_by(|a, b| (&a.0, a.1).cmp(&(&b.0, b.1)));
    Ok(measured
        .into_iter()
        .flat_map(|(at, id, metrics)| {
            metrics.into_iter().map(move |(metric, value)| Measurement {
                metric,
                value,
                source: format!("submission:{id}"),
                at: at.clone(),
            })
        })
        .collect())
}

/// The acceptance as it stands: each committed indicator against the latest value from the lead
/// unit's scored submissions to the acceptance phase and the labs' reports, judged by the rules
/// with `findings` (and the overdue veto from when the team applied).
pub(crate) async fn acceptance_record(
    state: &AppState,
    project: &Project,
    mut findings: AcceptanceFindings,
    full: bool,
) -> Result<AcceptanceRecord, ApiError> {
    let mut ids = Vec::new();
    if let Some(phase) = project.acceptance_phase_id {
        let submissions = state.store.list_submissions(phase, Some(project.lead_organization_id)).await?;
        ids.extend(
            submissions.iter().filter(|s| s.state == jiebang_core::evaluation::SubmissionState::Scored).map(|s| s.id),
        );
    }
    let mut measured = measurements(state, &ids, full).await?;
    for report in state.store.lab_reports(project.id).await? {
        for (metric, value) in &report.measured {
            measured.push(Measurement {
                metric: metric.clone(),
                value: *value,
                source: format!("lab:{}", report.id),
                at: report.submitted_at.clone(),
            });
        }
    }
    measured.sort_by(|a, b| a.at.cmp(&b.at));
    let rows = ledger(&project.committed, &measured);
    findings.overdue = match (project.end(), project.acceptance_applied_on) {
        (Some(end), Some(applied)) => jiebang_core::project::applied_late(end, applied),
        _ => false,
    };
    let achieved = rows.iter().filter_map(|r| Some((r.verdict.metric.clone(), r.verdict.achieved?))).collect();
    let judgement =
        jiebang_core::project::judge_acceptance(&project.committed, &achieved, findings, AcceptanceRules::default());
    Ok(AcceptanceRecord { rows, judgement, findings })
}

/// A planned tranche and whether the platform says it may be paid now.
#[derive(Debug, Serialize, ToSchema)]
pub struct TrancheView {
    /// The plan.
    pub tranche: Tranche,
    /// Releasable now; otherwise withheld until its trigger.
    pub releasable: bool,
    /// What the team owes back for this tranche, yuan, when it had been released and the
    /// project then ended without success (终止, or concluded 不通过): the amount times the
    /// agreement's refund factor.
    pub refund_cny: Option<f64>,
}

/// The tranches, to the parties.
pub(crate) async fn tranches(state: &AppState, viewer: &Viewer, id: i64) -> Result<Vec<TrancheView>, ApiError> {
    let project = as_party(state, viewer, id).await?;
    let reports = state.store.milestone_reports(id).await?;
    let history = state.store.project_history(id).await?;
    Ok(tranche_views(&project, &reports, &history))
}

fn tranche_views(project: &Project, reports: &[MilestoneReport], history: &[ProjectEvent]) -> Vec<TrancheView> {
    let concluded = matches!(project.state, ProjectState::Concluded | ProjectState::Designated);
    let failed =
        project.state == ProjectState::Terminated || concluded && project.conclusion == Some(Conclusion::Failed);
    // What had been released before it ended: everything passed, the failure aside.
    let before = Passed {
        signed: project.signed_at.is_some(),
        milestones: reports
            .iter()
            .filter(|r| r.decision == Some(MilestoneDecision::Passed))
            .map(|r| r.milestone)
            .collect(),
        mid_term: history.iter().any(|e| e.action == ProjectAction::Continue),
        acceptance: concluded && project.conclusion == Some(Conclusion::Passed),
        terminated: false,
    };
    let now = Passed { terminated: failed, ..before.clone() };
    let Some(agreement) = &project.agreement else { return Vec::new() };
    agreement
        .tranches
        .iter()
        .map(|tranche| TrancheView {
            releasable: tranche.releasable(&now),
            refund_cny: (failed && tranche.releasable(&before))
                .then(|| jiebang_core::project::refund(tranche.amount_cny, agreement.refund_factor)),
            tranche: tranche.clone(),
        })
        .collect()
}

/// Everything the project page shows, read once.
pub(crate) struct Dossier {
    pub(crate) project: Project,
    pub(crate) organizer: bool,
    pub(crate) lead: bool,
    /// The viewer is the recommending unit (丙方).
    pub(crate) supervisor: bool,
    pub(crate) milestones: Vec<MilestoneView>,
    pub(crate) ledger: Ledger,
    pub(crate) tranches: Vec<TrancheView>,
    pub(crate) history: Vec<ProjectEvent>,
    pub(crate) mid_terms: Vec<MidTermCheck>,
    pub(crate) changes: Vec<ProjectChange>,
    /// The viewer is one of the project's labs.
    pub(crate) lab: bool,
    pub(crate) acceptance: AcceptanceView,
    /// The challenge's phases (id, name), for the organizers starting the tests.
    pub(crate) phases: Vec<(i64, String)>,
    /// The expert pool (id, name), for the organizers asking for opinions.
    pub(crate) pool: Vec<(i64, String)>,
    /// The conclusion's publicity ends in a year whose holidays are not published yet.
    pub(crate) provisional_publicity: bool,
    /// The reporting periods and their reports (the parties and the recommending unit).
    pub(crate) progress: Vec<ProgressRow>,
}

/// The project page's contents, each part as its API gives it to this viewer.
pub(crate) async fn dossier(state: &AppState, viewer: &Viewer, id: i64) -> Result<Dossier, ApiError> {
    let project = get(state, viewer, id).await?;
    let (organizer, lead) = (acts_as(viewer, &project, Party::Organizer), acts_as(viewer, &project, Party::Lead));
    let party = organizer || lead;
    let reports = state.store.milestone_reports(id).await?;
    let history = if party { state.store.project_history(id).await? } else { Vec::new() };
    let tranches = if party { tranche_views(&project, &reports, &history) } else { Vec::new() };
    let milestones = milestone_views(&project, reports, party, state.clock.today());
    let ledger = ledger_of(state, viewer, id).await?;
    let supervisor = supervises(state, viewer, &project).await?;
    let mid_terms = if party { state.store.mid_term_checks(id).await? } else { Vec::new() };
    let changes = if party || supervisor { state.store.project_changes(id).await? } else { Vec::new() };
    let progress = if party || supervisor { progress_rows(state, &project).await? } else { Vec::new() };
    let lab = is_lab(state, viewer, &project).await?;
    let acceptance = acceptance(state, viewer, id).await?;
    let (phases, pool) = if organizer {
        let phases = state.store.list_phases(project.challenge_id).await?.into_iter().map(|p| (p.id, p.input.name));
        let pool = state.store.list_experts().await?.into_iter().map(|e| (e.id, e.name));
        (phases.collect(), pool.collect())
    } else {
        (Vec::new(), Vec::new())
    };
    let provisional_publicity = project.publicity_ends_on.is_some_and(|day| state.calendar.is_provisional(day));
    Ok(Dossier {
        provisional_publicity,
        progress,
        project,
        organizer,
        lead,
        supervisor,
        milestones,
        ledger,
        tranches,
        history,
        mid_terms,
        changes,
        lab,
        acceptance,
        phases,
        pool,
    })
}

/// The projects whose lead unit the viewer acts for, across programs.
pub(crate) async fn mine(state: &AppState, viewer: &Viewer) -> Result<Vec<Project>, ApiError> {
    let organizations = viewer.require()?.principal.organizations();
    Ok(state.store.projects_led_by(&organizations).await?)
}

/// Whether the viewer is the project's recommending unit (丙方): a recommender whose region
/// covers the lead unit's.
async fn supervises(state: &AppState, viewer: &Viewer, project: &Project) -> Result<bool, ApiError> {
    let Some(principal) = viewer.principal() else { return Ok(false) };
    if !principal.is_recommender() {
        return Ok(false);
    }
    let lead = state.store.get_organization(project.lead_organization_id).await?;
    Ok(principal.can_recommend_in(&lead.region_code))
}

/// A mid-term check as the organizers record it.
#[derive(Debug, Clone, Deserialize, ToSchema)]
pub struct MidTermInput {
    /// The score sheet (the completion item is computed).
    pub sheet: MidTermSheet,
    /// What the check decides.
    pub outcome: MidTermOutcome,
    /// The opinion (needed unless 继续支持).
    #[serde(default)]
    pub note: String,
}

/// The share of committed indicators the ledger shows met now.
pub(crate) fn share_met(ledger: &Ledger) -> f64 {
    let met = ledger.rows.iter().filter(|r| r.verdict.met).count();
    if ledger.rows.is_empty() { 0.0 } else { met as f64 / ledger.rows.len() as f64 }
}

/// The organizers record a mid-term check; the completion item is scored from the ledger.
pub(crate) async fn record_mid_term(
    state: &AppState,
    viewer: &Viewer,
    id: i64,
    input: &MidTermInput,
) -> Result<MidTermCheck, ApiError> {
    let (_, user) = as_one(state, viewer, id, Party::Organizer).await?;
    let share = share_met(&ledger_of(state, viewer, id).await?);
    Ok(state.store.record_mid_term(id, &input.sheet, share, input.outcome, &input.note, user).await?)
}

/// A project's mid-term checks, to the parties.
pub(crate) async fn mid_term_checks(state: &AppState, viewer: &Viewer, id: i64) -> Result<Vec<MidTermCheck>, ApiError> {
    as_party(state, viewer, id).await?;
    Ok(state.store.mid_term_checks(id).await?)
}

/// A 赛马 gate asked for.
#[derive(Debug, Clone, Deserialize, ToSchema)]
pub struct GateInput {
    /// `{"keep_top": n}` or `{"at_least": score}`.
    pub rule: GateRule,
}

/// The organizers run a gate over a challenge's projects.
pub(crate) async fn run_gate(
    state: &AppState,
    viewer: &Viewer,
    challenge_id: i64,
    input: &GateInput,
) -> Result<Gate, ApiError> {
    let challenge = state.store.get_challenge(challenge_id).await?;
    let (_, user) = managed_program(state, viewer, challenge.program_id).await?;
    Ok(state.store.run_gate(challenge_id, input.rule, user).await?)
}

/// A program's gates, to anyone who sees it.
pub(crate) async fn gates(state: &AppState, viewer: &Viewer, program_id: i64) -> Result<Vec<Gate>, ApiError> {
    visible_program(state, viewer, program_id).await?;
    Ok(state.store.gates(program_id).await?)
}

/// The lead unit asks for a change.
pub(crate) async fn request_change(
    state: &AppState,
    viewer: &Viewer,
    id: i64,
    input: &ChangeInput,
) -> Result<ProjectChange, ApiError> {
    let (_, user) = as_one(state, viewer, id, Party::Lead).await?;
    Ok(state.store.request_change(id, input, state.clock.today(), user).await?)
}

/// A project's change requests: to the parties and its recommending unit.
pub(crate) async fn changes(state: &AppState, viewer: &Viewer, id: i64) -> Result<Vec<ProjectChange>, ApiError> {
    let project = get(state, viewer, id).await?;
    viewer.require()?;
    if !is_party(viewer, &project) && !supervises(state, viewer, &project).await? {
        return Err(ApiError::Forbidden);
    }
    Ok(state.store.project_changes(id).await?)
}

/// One reporting period and its report.
#[derive(Debug, Serialize, ToSchema)]
pub struct ProgressRow {
    /// The period.
    pub period: ProgressPeriod,
    /// Where its report stands today.
    pub status: ProgressStatus,
    /// The report, once filed.
    pub report: Option<ProgressReport>,
}

/// The periodic progress reports the agreement asks for, period by period: to the parties and
/// the recommending unit.
pub(crate) async fn progress(state: &AppState, viewer: &Viewer, id: i64) -> Result<Vec<ProgressRow>, ApiError> {
    let project = get(state, viewer, id).await?;
    viewer.require()?;
    if !is_party(viewer, &project) && !supervises(state, viewer, &project).await? {
        return Err(ApiError::Forbidden);
    }
    progress_rows(state, &project).await
}

async fn progress_rows(state: &AppState, project: &Project) -> Result<Vec<ProgressRow>, ApiError> {
    let mut filed = state.store.progress_reports(project.id).await?;
    let today = state.clock.today();
    Ok(jiebang_store::progress_schedule(project)
        .into_iter()
        .map(|period| {
            let report = filed.iter().position(|r| r.period == period.label).map(|i| filed.swap_remove(i));
            ProgressRow { status: period.status(report.as_ref().map(|r| r.late), today), period, report }
        })
        .collect())
}

/// The lead unit files a period's progress report.
pub(crate) async fn file_progress(
    state: &AppState,
    viewer: &Viewer,
    id: i64,
    input: &ProgressInput,
) -> Result<ProgressReport, ApiError> {
    let (_, user) = as_one(state, viewer, id, Party::Lead).await?;
    Ok(state.store.file_progress_report(id, input, state.clock.today(), user).await?)
}

/// A yes or no with its opinion.
#[derive(Debug, Clone, Deserialize, ToSchema)]
pub struct ChangeDecision {
    /// Agree (the recommending unit) or approve (the organizers).
    pub approve: bool,
    /// The opinion (needed to refuse).
    #[serde(default)]
    pub note: String,
}

/// The change and its project, to a signed-in viewer who sees the program.
async fn change_of(
    state: &AppState,
    viewer: &Viewer,
    change_id: i64,
) -> Result<(ProjectChange, Project, i64), ApiError> {
    let user = viewer.require()?.user.id;
    let change = state.store.get_change(change_id).await?;
    let project = get(state, viewer, change.project_id).await?;
    Ok((change, project, user))
}

/// The recommending unit checks a change.
pub(crate) async fn check_change(
    state: &AppState,
    viewer: &Viewer,
    change_id: i64,
    decision: &ChangeDecision,
) -> Result<ProjectChange, ApiError> {
    let (_, project, user) = change_of(state, viewer, change_id).await?;
    if !supervises(state, viewer, &project).await? {
        return Err(ApiError::Forbidden);
    }
    Ok(state.store.check_change(change_id, decision.approve, &decision.note, user).await?)
}

/// The organizers decide a change.
pub(crate) async fn decide_change(
    state: &AppState,
    viewer: &Viewer,
    change_id: i64,
    decision: &ChangeDecision,
) -> Result<ProjectChange, ApiError> {
    let (_, project, user) = change_of(state, viewer, change_id).await?;
    if !acts_as(viewer, &project, Party::Organizer) {
        return Err(ApiError::Forbidden);
    }
    Ok(state.store.decide_change(change_id, decision.approve, &decision.note, user).await?)
}

/// Whether the viewer is one of the project's designated labs.
async fn is_lab(state: &AppState, viewer: &Viewer, project: &Project) -> Result<bool, ApiError> {
    let Some(user) = viewer.user_id() else { return Ok(false) };
    Ok(state.store.project_labs(project.id).await?.iter().any(|l| l.user_id == user))
}

/// The lead unit applies for acceptance. Multipart: one PDF under each checklist field
/// (`application_form`, `summary_report`, `finance_report`, `user_opinion`).
pub(crate) async fn apply_for_acceptance(
    state: &AppState,
    viewer: &Viewer,
    id: i64,
    multipart: axum::extract::Multipart,
) -> Result<Project, ApiError> {
    let (_, user) = as_one(state, viewer, id, Party::Lead).await?;
    pdf_form(state, multipart, user, |form| async move {
        Ok(state.store.apply_for_acceptance(id, &form.files, state.clock.today(), user).await?)
    })
    .await
}

/// The acceptance: the concluded record to anyone who sees the program; to the parties and labs
/// also the materials, the labs, their reports, the record as it stands and the appeals.
#[derive(Debug, Serialize, ToSchema)]
pub struct AcceptanceView {
    /// The acceptance phase.
    pub phase_id: Option<i64>,
    /// As concluded (public).
    pub concluded: Option<AcceptanceRecord>,
    /// As it stands now (the parties and labs).
    pub current: Option<AcceptanceRecord>,
    /// The materials filed (checklist field, file name).
    pub materials: Vec<(String, String)>,
    /// The designated labs.
    pub labs: Vec<ProjectLab>,
    /// The labs' reports.
    pub lab_reports: Vec<LabReport>,
    /// Appeals against the conclusion.
    pub appeals: Vec<Appeal>,
    /// The experts asked for an opinion (names).
    pub experts: Vec<String>,
    /// Their opinions.
    pub opinions: Vec<AcceptanceOpinion>,
    /// The viewer's expert id, when asked for an opinion on this project.
    pub asked_expert: Option<i64>,
}

/// The acceptance as this viewer may see it.
pub(crate) async fn acceptance(state: &AppState, viewer: &Viewer, id: i64) -> Result<AcceptanceView, ApiError> {
    let project = get(state, viewer, id).await?;
    let organizer = acts_as(viewer, &project, Party::Organizer);
    let insider = is_party(viewer, &project) || is_lab(state, viewer, &project).await?;
    let mut view = AcceptanceView {
        phase_id: project.acceptance_phase_id,
        concluded: project.acceptance.clone(),
        current: None,
        materials: Vec::new(),
        labs: Vec::new(),
        lab_reports: Vec::new(),
        appeals: Vec::new(),
        experts: Vec::new(),
        opinions: Vec::new(),
        asked_expert: None,
    };
    let asked = state.store.acceptance_experts(id).await?;
    view.asked_expert = asked.iter().find(|(_, user, _)| Some(*user) == viewer.user_id()).map(|(expert, ..)| *expert);
    if insider {
        let under_way = project.acceptance_applied_on.is_some();
        if under_way {
            view.current = Some(acceptance_record(state, &project, AcceptanceFindings::default(), organizer).await?);
        }
        view.materials =
            state.store.acceptance_materials(id).await?.into_iter().map(|(field, file)| (field, file.name)).collect();
        view.labs = state.store.project_labs(id).await?;
        view.lab_reports = state.store.lab_reports(id).await?;
        view.appeals = state.store.project_appeals(id).await?;
    }
    if insider || view.asked_expert.is_some() {
        view.experts = asked.into_iter().map(|(_, _, name)| name).collect();
        view.opinions = state.store.acceptance_opinions(id).await?;
    }
    Ok(view)
}

/// A lab to designate: its account's e-mail and its name.
#[derive(Debug, Clone, Deserialize, ToSchema)]
pub struct LabInput {
    /// The lab's account.
    pub email: String,
    /// The lab's name (检测机构).
    pub name: String,
}

/// The organizers designate a lab.
pub(crate) async fn designate_lab(
    state: &AppState,
    viewer: &Viewer,
    id: i64,
    input: &LabInput,
) -> Result<ProjectLab, ApiError> {
    let (_, user) = as_one(state, viewer, id, Party::Organizer).await?;
    let lab = state
        .store
        .find_user_by_email(input.email.trim())
        .await?
        .ok_or_else(|| jiebang_core::Error::invalid("email", "没有这个账户 / no such account"))?;
    Ok(state.store.designate_lab(id, lab.id, &input.name, user).await?)
}

/// A designated lab files its report. Multipart: `value.{indicator}` per committed indicator it
/// measured, `note`, and the report as a PDF `file`.
pub(crate) async fn submit_lab_report(
    state: &AppState,
    viewer: &Viewer,
    id: i64,
    multipart: axum::extract::Multipart,
) -> Result<LabReport, ApiError> {
    let project = get(state, viewer, id).await?;
    let user = viewer.require()?.user.id;
    if !is_lab(state, viewer, &project).await? {
        return Err(ApiError::Forbidden);
    }
    pdf_form(state, multipart, user, |form| async move {
        let mut values = BTreeMap::new();
        let mut problems = Vec::new();
        for (field, text) in &form.text {
            let (Some(name), text) = (field.strip_prefix("value."), text.trim()) else { continue };
            if text.is_empty() {
                continue;
            }
            match text.parse::<f64>() {
                Ok(value) => {
                    values.insert(name.to_owned(), value);
                }
                Err(_) => problems.push(jiebang_core::FieldError::new(
                    field.clone(),
                    format!("「{text}」不是有效数字 / '{text}' is not a valid number"),
                )),
            }
        }
        if !problems.is_empty() {
            return Err(jiebang_core::Error::Invalid(problems).into());
        }
        let files = form.uploads();
        Ok(state.store.submit_lab_report(id, &values, &files, &form.text("note", ""), user).await?)
    })
    .await
}

/// An appeal as the lead unit writes it.
#[derive(Debug, Clone, Deserialize, ToSchema)]
pub struct AppealInput {
    /// What is appealed, and why.
    pub content: String,
}

/// The lead unit appeals the conclusion in publicity.
pub(crate) async fn file_appeal(
    state: &AppState,
    viewer: &Viewer,
    id: i64,
    input: &AppealInput,
) -> Result<Appeal, ApiError> {
    let (_, user) = as_one(state, viewer, id, Party::Lead).await?;
    Ok(state.store.file_appeal(id, &input.content, state.clock.today(), user).await?)
}

/// An appeal's decision.
#[derive(Debug, Clone, Deserialize, ToSchema)]
pub struct AppealDecision {
    /// Upheld: the conclusion goes back to review.
    pub upheld: bool,
    /// The answer.
    #[serde(default)]
    pub note: String,
}

/// The organizers decide an appeal.
pub(crate) async fn decide_appeal(
    state: &AppState,
    viewer: &Viewer,
    appeal_id: i64,
    decision: &AppealDecision,
) -> Result<Appeal, ApiError> {
    viewer.require()?;
    let appeal = state.store.get_appeal(appeal_id).await?;
    let (_, user) = as_one(state, viewer, appeal.project_id, Party::Organizer).await?;
    Ok(state.store.decide_appeal(appeal_id, decision.upheld, &decision.note, user).await?)
}

/// A program's projects in numbers: by state, city and industry, the acceptance pass rate, and
/// (to its organizers) the tranches the platform says may be paid and those withheld.
#[derive(Debug, Serialize, ToSchema)]
pub struct ProjectStatistics {
    /// Projects by state, along the path.
    pub by_state: Vec<(ProjectState, usize)>,
    /// Projects by the lead unit's city.
    pub by_city: Vec<Tally>,
    /// Projects by the challenge's industries (a project counts once per industry).
    pub by_industry: Vec<Tally>,
    /// Projects with a recorded conclusion.
    pub concluded: usize,
    /// Of those, passed.
    pub passed: usize,
    /// Tranches releasable now and withheld, yuan (the organizers only).
    pub tranches: Option<TrancheTotals>,
}

/// Tranche amounts, yuan.
#[derive(Debug, Clone, Copy, Default, Serialize, ToSchema)]
pub struct TrancheTotals {
    /// May be paid now.
    pub releasable_cny: f64,
    /// Not yet (or never: terminated).
    pub withheld_cny: f64,
    /// Owed back by projects that ended without success.
    pub refund_cny: f64,
}

/// A count under a code-table entry, named in both languages.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct Tally {
    /// The code (GB/T 2260 city, GB/T 4754 industry).
    pub code: String,
    /// 中文名称.
    pub name: String,
    /// English name.
    pub name_en: String,
    /// How many.
    pub count: usize,
}

/// A count per (code, name, English name), largest first (then by code).
fn tally(keys: impl Iterator<Item = (&'static str, &'static str, &'static str)>) -> Vec<Tally> {
    let mut counts: BTreeMap<(&str, &str, &str), usize> = BTreeMap::new();
    for key in keys {
        *counts.entry(key).or_default() += 1;
    }
    let mut counts: Vec<Tally> = counts
        .into_iter()
        .map(|((code, name, name_en), count)| Tally {
            code: code.into(),
            name: name.into(),
            name_en: name_en.into(),
            count,
        })
        .collect();
    counts.sort_by(|a, b| b.count.cmp(&a.count).then_with(|| a.code.cmp(&b.code)));
    counts
}

/// The statistics of a program's projects.
pub(crate) async fn statistics(
    state: &AppState,
    viewer: &Viewer,
    program_id: i64,
) -> Result<ProjectStatistics, ApiError> {
    let projects = list(state, viewer, program_id).await?;
    let manages = viewer.principal().is_some_and(|p| p.can_manage_program(program_id));
    let mut cities = Vec::new();
    let mut industries = Vec::new();
    let mut totals = TrancheTotals::default();
    for project in &projects {
        let lead = state.store.get_organization(project.lead_organization_id).await?;
        if let Some(region) = jiebang_core::region::Region::lookup(&lead.region_code) {
            let city = region.city().unwrap_or(region);
            cities.push((city.code, city.name, city.name_en));
        }
        let challenge = state.store.get_challenge(project.challenge_id).await?.challenge;
        industries.extend(challenge.industries.iter().map(|i| {
            let industry = i.industry();
            (industry.code, industry.name, industry.name_en)
        }));
        if manages {
            let reports = state.store.milestone_reports(project.id).await?;
            let history = state.store.project_history(project.id).await?;
            for view in tranche_views(project, &reports, &history) {
                totals.refund_cny += view.refund_cny.unwrap_or(0.0);
                if view.releasable {
                    totals.releasable_cny += view.tranche.amount_cny;
                } else {
                    totals.withheld_cny += view.tranche.amount_cny;
                }
            }
        }
    }
    let by_state = ProjectState::ALL
        .iter()
        .map(|s| (*s, projects.iter().filter(|p| p.state == *s).count()))
        .filter(|(_, n)| *n > 0)
        .collect();
    let concluded = projects.iter().filter(|p| p.conclusion.is_some()).count();
    let passed = projects.iter().filter(|p| p.conclusion == Some(Conclusion::Passed)).count();
    Ok(ProjectStatistics {
        by_state,
        by_city: tally(cities.into_iter()),
        by_industry: tally(industries.into_iter()),
        concluded,
        passed,
        tranches: manages.then_some(totals),
    })
}

/// A program's projects as a sheet, in the columns of a 立项 list: 序号 | 项目名称 | 牵头单位 |
/// 所在市 | 榜题编号 | 榜题名称 | 项目状态 | 执行期 | 验收结论.
pub(crate) async fn project_sheet(
    state: &AppState,
    viewer: &Viewer,
    program_id: i64,
) -> Result<(Vec<String>, Vec<Vec<jiebang_sheets::TableCell>>), ApiError> {
    use jiebang_sheets::TableCell::{Empty, Number, Text};
    let header = ["序号", "项目名称", "牵头单位", "所在市", "榜题编号", "榜题名称", "项目状态", "执行期", "验收结论"];
    let mut rows = Vec::new();
    for (i, project) in list(state, viewer, program_id).await?.iter().enumerate() {
        let lead = state.store.get_organization(project.lead_organization_id).await?;
        let city = jiebang_core::region::Region::lookup(&lead.region_code).map(|r| r.city().unwrap_or(r).name);
        let challenge = state.store.get_challenge(project.challenge_id).await?.challenge;
        let period = match (&project.agreement, project.end()) {
            (Some(a), Some(end)) => Text(format!("{} 至 {end}", a.start)),
            _ => Empty,
        };
        rows.push(vec![
            Number((i + 1) as f64),
            Text(project.name.clone()),
            Text(lead.name),
            city.map_or(Empty, |c| Text(c.to_owned())),
            Text(challenge.code),
            Text(challenge.title),
            Text(project.state.label_zh().to_owned()),
            period,
            project.conclusion.map_or(Empty, |c| Text(c.label_zh().to_owned())),
        ]);
    }
    Ok((header.map(String::from).to_vec(), rows))
}

/// The concluded acceptances as a sheet, in the columns of a 验收结果公示: 序号 | 项目名称 |
/// 承担单位 | 榜题编号 | 验收结论 | 承诺指标达标比例 | 未达承诺值的指标 | 否决情形 | 公示期.
pub(crate) async fn acceptance_sheet(
    state: &AppState,
    viewer: &Viewer,
    program_id: i64,
) -> Result<(Vec<String>, Vec<Vec<jiebang_sheets::TableCell>>), ApiError> {
    use jiebang_sheets::TableCell::{Empty, Number, Text};
    let header = [
        "序号",
        "项目名称",
        "承担单位",
        "榜题编号",
        "验收结论",
        "承诺指标达标比例",
        "未达承诺值的指标",
        "否决情形",
        "公示期",
    ];
    let mut rows = Vec::new();
    let concluded = list(state, viewer, program_id).await?.into_iter().filter(|p| p.acceptance.is_some());
    for (i, project) in concluded.enumerate() {
        let Some(record) = &project.acceptance else { continue };
        let lead = state.store.get_organization(project.lead_organization_id).await?;
        let challenge = state.store.get_challenge(project.challenge_id).await?.challenge;
        let missed: Vec<&str> =
            record.rows.iter().filter(|r| !r.verdict.met).map(|r| r.verdict.name.as_str()).collect();
        let vetoes: Vec<&str> = record.judgement.vetoes.iter().map(|v| v.label_zh()).collect();
        let period = match (project.publicity_starts_on, project.publicity_ends_on) {
            (Some(from), Some(to)) => Text(format!("{from} 至 {to}")),
            _ => Empty,
        };
        rows.push(vec![
            Number((i + 1) as f64),
            Text(project.name.clone()),
            Text(lead.name),
            Text(challenge.code),
            project.conclusion.map_or(Empty, |c| Text(c.label_zh().to_owned())),
            Number(record.judgement.share_met),
            Text(missed.join("、")),
            Text(vetoes.join("、")),
            period,
        ]);
    }
    Ok((header.map(String::from).to_vec(), rows))
}

/// An expert of the pool to ask for an acceptance opinion.
#[derive(Debug, Clone, Deserialize, ToSchema)]
pub struct ExpertChoice {
    /// The expert's id in the pool.
    pub expert_id: i64,
}

/// The organizers ask an expert for an acceptance opinion.
pub(crate) async fn assign_acceptance_expert(
    state: &AppState,
    viewer: &Viewer,
    id: i64,
    choice: &ExpertChoice,
) -> Result<Vec<String>, ApiError> {
    let (_, user) = as_one(state, viewer, id, Party::Organizer).await?;
    state.store.assign_acceptance_expert(id, choice.expert_id, user).await?;
    Ok(state.store.acceptance_experts(id).await?.into_iter().map(|(_, _, name)| name).collect())
}

/// An expert's opinion as given.
#[derive(Debug, Clone, Deserialize, ToSchema)]
pub struct OpinionInput {
    /// The conclusion recommended.
    pub recommended: Conclusion,
    /// Why.
    pub opinion: String,
}

/// An asked expert gives their opinion.
pub(crate) async fn give_opinion(
    state: &AppState,
    viewer: &Viewer,
    id: i64,
    input: &OpinionInput,
) -> Result<AcceptanceOpinion, ApiError> {
    get(state, viewer, id).await?;
    let user = viewer.require()?.user.id;
    let expert = state.store.expert_for_user(user).await?.ok_or(ApiError::Forbidden)?;
    if !state.store.acceptance_experts(id).await?.iter().any(|(e, ..)| *e == expert.id) {
        return Err(ApiError::Forbidden);
    }
    Ok(state.store.give_acceptance_opinion(id, expert.id, input.recommended, &input.opinion).await?)
}
