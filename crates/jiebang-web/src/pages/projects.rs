//! Projects after the announcement, in the browser: a program's projects (the organizers' desk,
//! overdue first), 我的项目 for the lead units, the project page (the path, the steps the viewer
//! may take, the plan and its milestones, the indicator ledger as a table and a chart, the
//! tranches and the history), the task agreement's form and its printable, hashed text.

use std::collections::hash_map::Entry;
use std::collections::{BTreeMap, HashMap};

use askama::Template;
use askama_web::WebTemplate;
use axum::Router;
use axum::extract::{Multipart, Path, State};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use jiebang_core::FieldError;
use jiebang_core::indicator::Comparison;
use jiebang_core::program::{Day, ProgramStatus};
use jiebang_core::project::{
    AcceptanceFindings, Agreement, ChangeKind, Conclusion, FundSource, FundingLine, GateRule, MidTermOutcome,
    MidTermSheet, MilestoneDecision, MilestoneStatus, Party, PlannedMilestone, ProgressStatus, ProjectAction,
    ProjectState, ReportCadence, RubricItem, Tranche, TrancheTrigger,
};
use jiebang_store::{Program, Project};
use serde::Deserialize;

use super::form::FormState;
use super::{Ctx, PageError, filters};
use crate::AppState;
use crate::app::projects::{ChangeDecision, Dossier, GateInput, MidTermInput, MilestoneReview, ProjectStep};
use crate::error::ApiError;

pub(super) fn routes() -> Router<AppState> {
    Router::new()
        .route("/programs/{id}/projects", get(desk_page).post(create_submit))
        .route("/my/projects", get(my_projects_page))
        .route("/projects/{id}", get(project_page))
        .route("/projects/{id}/actions", post(action_submit))
        .route("/projects/{id}/agreement", get(agreement_page))
        .route("/projects/{id}/agreement/edit", get(agreement_form_page).post(agreement_submit))
        .route("/projects/{id}/milestones", post(milestone_submit))
        .route("/projects/{id}/files/{file}", get(evidence_download))
        .route("/milestone-reports/{id}/review", post(review_submit))
        .route("/projects/{id}/mid-term", post(mid_term_submit))
        .route("/projects/{id}/changes", post(change_submit))
        .route("/projects/{id}/progress", post(progress_submit))
        .route("/changes/{id}/check", post(change_check_submit))
        .route("/changes/{id}/decision", post(change_decision_submit))
        .route("/challenges/{id}/gate", post(gate_submit))
        .route("/projects/{id}/acceptance", post(acceptance_submit))
        .route("/projects/{id}/labs", post(lab_submit))
        .route("/projects/{id}/lab-reports", post(lab_report_submit))
        .route("/projects/{id}/appeals", post(appeal_submit))
        .route("/appeals/{id}/decision", post(appeal_decision_submit))
        .route("/projects/{id}/acceptance-experts", post(expert_submit))
        .route("/projects/{id}/opinions", post(opinion_submit))
}

/// The project's path as the stepper shows it (the detours — rectification, termination — are
/// shown by the state badge).
const PATH: [ProjectState; 10] = [
    ProjectState::Drafting,
    ProjectState::Signed,
    ProjectState::InProgress,
    ProjectState::MidTerm,
    ProjectState::AcceptanceApplied,
    ProjectState::Testing,
    ProjectState::AcceptanceReview,
    ProjectState::ConclusionPublicity,
    ProjectState::Concluded,
    ProjectState::Designated,
];

/// A project in a list: its names, and whether something of it is overdue.
struct Row {
    project: Project,
    lead: String,
    challenge: String,
    overdue: bool,
}

async fn rows(state: &AppState, projects: Vec<Project>) -> Result<Vec<Row>, ApiError> {
    let today = jiebang_store::today();
    let mut names = HashMap::new();
    let mut challenges = HashMap::new();
    let mut rows = Vec::with_capacity(projects.len());
    for project in projects {
        if let Entry::Vacant(slot) = names.entry(project.lead_organization_id) {
            slot.insert(state.store.get_organization(project.lead_organization_id).await?.name);
        }
        if let Entry::Vacant(slot) = challenges.entry(project.challenge_id) {
            let c = state.store.get_challenge(project.challenge_id).await?.challenge;
            slot.insert(format!("{} {}", c.code, c.title));
        }
        let reports = state.store.milestone_reports(project.id).await?;
        let overdue = !project.state.is_final()
            && project.agreement.as_ref().is_some_and(|a| {
                a.milestones.iter().zip(1u32..).any(|(m, position)| {
                    let decisions: Vec<_> = reports
                        .iter()
                        .filter(|r| r.milestone == position)
                        .map(|r| (r.decision, r.rectify_by))
                        .collect();
                    jiebang_core::project::milestone_status(m.due, &decisions, today) == MilestoneStatus::Overdue
                })
            });
        rows.push(Row {
            lead: names[&project.lead_organization_id].clone(),
            challenge: challenges[&project.challenge_id].clone(),
            overdue,
            project,
        });
    }
    // Overdue first, then by state along the path, then by id.
    rows.sort_by_key(|r| (!r.overdue, ProjectState::ALL.iter().position(|s| *s == r.project.state), r.project.id));
    Ok(rows)
}

/// A program's projects: for the organizers, the desk (with the button that opens them).
#[derive(Template, WebTemplate)]
#[template(path = "projects.html")]
struct DeskPage {
    ctx: Ctx,
    program: Program,
    rows: Vec<Row>,
    /// State, count and bar width, for the chart.
    counts: Vec<(ProjectState, usize, u32)>,
    may_create: bool,
    /// Challenges with two projects or more under way (id, name), where the organizers may run a
    /// gate.
    races: Vec<(i64, String)>,
    gates: Vec<jiebang_store::Gate>,
    stats: crate::app::projects::ProjectStatistics,
    /// City, count and bar width.
    cities: Vec<(String, usize, u32)>,
    /// Industry, count and bar width.
    industries: Vec<(String, usize, u32)>,
}

impl DeskPage {
    fn pass_rate(&self) -> String {
        match self.stats.concluded {
            0 => "—".into(),
            n => format!("{:.0}%（{}/{n}）", self.stats.passed as f64 * 100.0 / n as f64, self.stats.passed),
        }
    }

    fn wan(value: impl std::borrow::Borrow<f64>) -> String {
        format!("{:.2}", value.borrow() / 1e4)
    }
}

/// Back to the project page with the action's message, or why it was refused.
fn to_project<T>(state: &AppState, ctx: &Ctx, id: i64, result: Result<T, ApiError>, done: &str) -> Response {
    super::back(state, &format!("/projects/{id}"), result.map(|_| ()), ctx, done)
}

/// Counts named in the page's language, with bar widths against the largest.
fn bars(counts: &[crate::app::projects::Tally], lang: crate::i18n::Lang) -> Vec<(String, usize, u32)> {
    let most = counts.iter().map(|t| t.count).max().unwrap_or(1).max(1);
    let name = |t: &crate::app::projects::Tally| {
        if lang == crate::i18n::Lang::En { t.name_en.clone() } else { t.name.clone() }
    };
    counts.iter().map(|t| (name(t), t.count, (t.count * 100 / most) as u32)).collect()
}

async fn desk_page(State(state): State<AppState>, ctx: Ctx, Path(id): Path<i64>) -> Result<DeskPage, PageError> {
    let fail = |e: ApiError| ctx.fail(e);
    let projects = crate::app::projects::list(&state, &ctx.viewer, id).await.map_err(fail)?;
    let program = state.store.get_program(id).await.map_err(|e| fail(e.into()))?;
    let manages = ctx.viewer.principal().is_some_and(|p| p.can_manage_program(id));
    let may_create = manages && program.status == ProgramStatus::Announced;
    let rows = rows(&state, projects).await.map_err(fail)?;
    let mut by_state: BTreeMap<usize, (ProjectState, usize)> = BTreeMap::new();
    for row in &rows {
        let at = ProjectState::ALL.iter().position(|s| *s == row.project.state).unwrap_or_default();
        by_state.entry(at).or_insert((row.project.state, 0)).1 += 1;
    }
    let most = by_state.values().map(|(_, n)| *n).max().unwrap_or(1).max(1);
    let counts = by_state.into_values().map(|(s, n)| (s, n, (n * 100 / most) as u32)).collect();
    let mut under_way: BTreeMap<i64, (String, usize)> = BTreeMap::new();
    for row in rows.iter().filter(|r| !r.project.state.is_final()) {
        under_way.entry(row.project.challenge_id).or_insert((row.challenge.clone(), 0)).1 += 1;
    }
    let races = if manages {
        under_way.into_iter().filter(|(_, (_, n))| *n >= 2).map(|(id, (name, _))| (id, name)).collect()
    } else {
        Vec::new()
    };
    let gates = crate::app::projects::gates(&state, &ctx.viewer, id).await.map_err(fail)?;
    let stats = crate::app::projects::statistics(&state, &ctx.viewer, id).await.map_err(fail)?;
    let (cities, industries) = (bars(&stats.by_city, ctx.t.lang), bars(&stats.by_industry, ctx.t.lang));
    Ok(DeskPage { ctx, program, rows, counts, may_create, races, gates, stats, cities, industries })
}

async fn create_submit(State(state): State<AppState>, ctx: Ctx, Path(id): Path<i64>) -> Response {
    let back = format!("/programs/{id}/projects");
    let result = crate::app::projects::create(&state, &ctx.viewer, id).await.map(|_| ());
    super::back(&state, &back, result, &ctx, ctx.t.proj.created)
}

/// 我的项目: the projects the viewer's units lead.
#[derive(Template, WebTemplate)]
#[template(path = "my_projects.html")]
struct MyProjectsPage {
    ctx: Ctx,
    rows: Vec<Row>,
}

async fn my_projects_page(State(state): State<AppState>, ctx: Ctx) -> Result<MyProjectsPage, PageError> {
    let fail = |e: ApiError| ctx.fail(e);
    let projects = crate::app::projects::mine(&state, &ctx.viewer).await.map_err(fail)?;
    let rows = rows(&state, projects).await.map_err(fail)?;
    Ok(MyProjectsPage { ctx, rows })
}

/// A ledger row's bar: how far the achieved value goes toward the committed one (100 = met).
struct LedgerBar {
    name: String,
    value: String,
    width: u32,
}

/// The project page.
#[derive(Template, WebTemplate)]
#[template(path = "project.html")]
struct ProjectPage {
    ctx: Ctx,
    d: Dossier,
    program: Program,
    challenge: String,
    lead: String,
    /// The path with each step's CSS class.
    steps: Vec<(ProjectState, &'static str)>,
    /// The steps the viewer may take now.
    actions: Vec<ProjectAction>,
    bars: Vec<LedgerBar>,
    /// Milestones the lead unit may report now (position, title).
    reportable: Vec<(u32, String)>,
    /// The mid-term sheet the form offers.
    sheet: MidTermSheet,
}

impl ProjectPage {
    fn total(&self) -> String {
        self.d.project.agreement.as_ref().map_or_else(String::new, |a| yuan(a.total_cny()))
    }

    fn fiscal(&self) -> String {
        self.d.project.agreement.as_ref().map_or_else(String::new, |a| yuan(a.fiscal_cny()))
    }

    fn party(&self) -> bool {
        self.d.organizer || self.d.lead
    }

    fn takes_conclusion(&self) -> bool {
        self.actions.contains(&ProjectAction::Conclude)
    }

    /// A mid-term check's row: share met, completion, experts' and total scores.
    fn check_cells(check: &jiebang_store::MidTermCheck) -> (String, String, String, String) {
        let score = check.sheet.score(check.share_met);
        let one = |v: f64| format!("{v:.1}");
        (format!("{:.0}%", check.share_met * 100.0), one(score.completion), one(score.experts), one(check.total))
    }

    /// The share of committed indicators met now, as a percentage.
    fn share_now(&self) -> String {
        format!("{:.0}%", crate::app::projects::share_met(&self.d.ledger) * 100.0)
    }

    fn mid_term_open(&self) -> bool {
        self.d.organizer && self.d.project.state == ProjectState::MidTerm
    }

    fn may_request_change(&self) -> bool {
        use ProjectState as S;
        self.d.lead && matches!(self.d.project.state, S::Signed | S::InProgress | S::MidTerm | S::Rectifying)
    }

    fn outcomes(&self) -> &'static [MidTermOutcome] {
        MidTermOutcome::ALL
    }

    fn change_kinds(&self) -> &'static [ChangeKind] {
        ChangeKind::ALL
    }

    /// The acceptance materials: (form field, label).
    fn materials(&self) -> [(&'static str, &'static str); 4] {
        let t = self.ctx.t.proj;
        [
            ("application_form", t.material_application_form),
            ("summary_report", t.material_summary_report),
            ("finance_report", t.material_finance_report),
            ("user_opinion", t.material_user_opinion),
        ]
    }

    fn material_label(&self, field: &str) -> &'static str {
        self.materials().into_iter().find(|(f, _)| *f == field).map_or("", |(_, label)| label)
    }

    fn may_apply_for_acceptance(&self) -> bool {
        self.d.lead && self.d.project.state.apply(ProjectAction::ApplyAcceptance, Party::Lead).is_ok()
    }

    fn may_designate_lab(&self) -> bool {
        self.d.organizer && matches!(self.d.project.state, ProjectState::AcceptanceApplied | ProjectState::Testing)
    }

    fn may_ask_expert(&self) -> bool {
        use ProjectState as S;
        self.d.organizer && matches!(self.d.project.state, S::AcceptanceApplied | S::Testing | S::AcceptanceReview)
    }

    fn may_give_opinion(&self) -> bool {
        self.d.acceptance.asked_expert.is_some() && self.d.project.state == ProjectState::AcceptanceReview
    }

    fn conclusions(&self) -> &'static [Conclusion] {
        Conclusion::ALL
    }

    fn may_report_as_lab(&self) -> bool {
        self.d.lab && self.d.project.state == ProjectState::Testing
    }

    fn takes_phase(&self) -> bool {
        self.actions.contains(&ProjectAction::StartTesting)
    }

    fn in_publicity(&self) -> bool {
        self.d.project.state == ProjectState::ConclusionPublicity
    }

    /// A record's share met as a percentage.
    fn percent(share: impl std::borrow::Borrow<f64>) -> String {
        format!("{:.0}%", share.borrow() * 100.0)
    }

    /// A ledger row's source: a signed report's page, or a lab report's name.
    fn source_text(&self, source: &str) -> (Option<String>, &'static str) {
        match source.strip_prefix("submission:") {
            Some(id) => (Some(format!("/submissions/{id}/report")), self.ctx.t.proj.signed_report),
            None => (None, self.ctx.t.proj.lab_source),
        }
    }

    fn progress_class(status: &ProgressStatus) -> &'static str {
        match status {
            ProgressStatus::Filed => "state-scored",
            ProgressStatus::FiledLate | ProgressStatus::Open => "state-queued",
            ProgressStatus::Overdue => "state-failed",
            ProgressStatus::Upcoming => "",
        }
    }

    /// The periods the lead unit may report on now (over and not filed): key and name.
    fn fileable_periods(&self) -> Vec<(&str, String)> {
        let open = |row: &&crate::app::projects::ProgressRow| {
            matches!(row.status, ProgressStatus::Open | ProgressStatus::Overdue)
        };
        self.d
            .progress
            .iter()
            .filter(open)
            .map(|row| (row.period.label.as_str(), row.period.name(self.chinese())))
            .collect()
    }

    fn chinese(&self) -> bool {
        self.ctx.t.lang == crate::i18n::Lang::Zh
    }

    fn status_class(status: &MilestoneStatus) -> &'static str {
        match status {
            MilestoneStatus::Passed => "state-scored",
            MilestoneStatus::Failed | MilestoneStatus::Overdue => "state-failed",
            MilestoneStatus::Submitted | MilestoneStatus::Rectifying => "state-queued",
            MilestoneStatus::Upcoming => "",
        }
    }

    /// What the team owes back in all, when the project ended without success.
    fn refund_total(&self) -> Option<f64> {
        let owed: Vec<f64> = self.d.tranches.iter().filter_map(|t| t.refund_cny).collect();
        (!owed.is_empty()).then(|| owed.iter().sum())
    }

    /// A ledger value as written: integers without decimals, others to four places.
    fn num(value: impl std::borrow::Borrow<f64>) -> String {
        number(*value.borrow())
    }

    /// A measurement's source as a link target: a signed report's page.
    fn source_link(source: &str) -> Option<String> {
        source.strip_prefix("submission:").map(|id| format!("/submissions/{id}/report"))
    }
}

fn number(value: f64) -> String {
    if value.fract() == 0.0 && value.abs() < 1e15 { format!("{value:.0}") } else { format!("{value:.4}") }
}

fn yuan(value: f64) -> String {
    format!("{value:.2}")
}

async fn project_page(State(state): State<AppState>, ctx: Ctx, Path(id): Path<i64>) -> Result<ProjectPage, PageError> {
    let fail = |e: ApiError| ctx.fail(e);
    let d = crate::app::projects::dossier(&state, &ctx.viewer, id).await.map_err(fail)?;
    let program = state.store.get_program(d.project.program_id).await.map_err(|e| fail(e.into()))?;
    let c = state.store.get_challenge(d.project.challenge_id).await.map_err(|e| fail(e.into()))?.challenge;
    let lead = state.store.get_organization(d.project.lead_organization_id).await.map_err(|e| fail(e.into()))?.name;
    let state_now = d.project.state;
    let reached = PATH.iter().position(|s| *s == state_now);
    let steps = PATH
        .iter()
        .enumerate()
        .map(|(i, s)| {
            let class = match reached {
                Some(at) if i < at => "done",
                Some(at) if i == at => "current",
                _ => "ahead",
            };
            (*s, class)
        })
        .collect();
    let parties: Vec<Party> = [(d.organizer, Party::Organizer), (d.lead, Party::Lead)]
        .into_iter()
        .filter_map(|(is, party)| is.then_some(party))
        .collect();
    let actions = ProjectAction::ALL
        .iter()
        .copied()
        .filter(|a| parties.contains(&a.party()) && state_now.apply(*a, a.party()).is_ok())
        .collect();
    let bars = d
        .ledger
        .rows
        .iter()
        .filter_map(|row| {
            let v = &row.verdict;
            let achieved = v.achieved?;
            let op = d.project.committed.iter().find(|c| c.name == v.name)?.target.op;
            // Toward the committed value: a ceiling is reached by staying under it.
            let toward = match op {
                Comparison::AtMost | Comparison::Below if achieved > 0.0 => v.committed / achieved,
                Comparison::AtMost | Comparison::Below => 1.0,
                _ if v.committed != 0.0 => achieved / v.committed,
                _ => 1.0,
            };
            Some(LedgerBar {
                name: v.name.clone(),
                value: format!("{:.0}%", toward * 100.0),
                width: (toward.clamp(0.0, 1.0) * 100.0).round() as u32,
            })
        })
        .collect();
    let work_goes_on = matches!(state_now, ProjectState::InProgress | ProjectState::MidTerm | ProjectState::Rectifying);
    let reportable = if d.lead && work_goes_on {
        d.milestones
            .iter()
            .filter(|m| {
                !matches!(m.status, MilestoneStatus::Passed | MilestoneStatus::Failed | MilestoneStatus::Submitted)
            })
            .map(|m| (m.position, m.planned.title.clone()))
            .collect()
    } else {
        Vec::new()
    };
    let challenge = format!("{} {}", c.code, c.title);
    let sheet = MidTermSheet::default();
    Ok(ProjectPage { ctx, d, program, challenge, lead, steps, actions, bars, reportable, sheet })
}

/// The step form: the action, the conclusion when concluding, the reason, the confirmation.
#[derive(Debug, Deserialize)]
struct StepForm {
    action: String,
    #[serde(default)]
    conclusion: String,
    #[serde(default)]
    reason: String,
    #[serde(default)]
    phase_id: String,
    #[serde(default)]
    false_data: Option<String>,
    #[serde(default)]
    unapproved_change: Option<String>,
    #[serde(default)]
    confirm: Option<String>,
}

async fn action_submit(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
    axum::Form(form): axum::Form<StepForm>,
) -> Response {
    let back = format!("/projects/{id}");
    let result = async {
        if form.confirm.is_none() {
            return Err(jiebang_core::Error::invalid("confirm", ctx.t.confirm_irreversible).into());
        }
        let action = ProjectAction::parse("action", &form.action).map_err(jiebang_core::Error::from)?;
        let conclusion = match form.conclusion.trim() {
            "" => None,
            text => Some(Conclusion::parse("conclusion", text).map_err(jiebang_core::Error::from)?),
        };
        let phase_id = form.phase_id.trim().parse::<i64>().ok();
        let findings = AcceptanceFindings {
            false_data: form.false_data.is_some(),
            unapproved_change: form.unapproved_change.is_some(),
            overdue: false,
        };
        let step = ProjectStep { action, conclusion, findings, phase_id, reason: form.reason };
        crate::app::projects::act(&state, &ctx.viewer, id, &step).await.map(|_| ())
    }
    .await;
    super::back(&state, &back, result, &ctx, ctx.t.proj.step_done)
}

/// The agreement's printable text with its hash and signature.
#[derive(Template, WebTemplate)]
#[template(path = "agreement.html")]
struct AgreementPage {
    ctx: Ctx,
    project: Project,
    agreement: Agreement,
    signed: crate::app::projects::SignedAgreement,
    program: Program,
    lead: String,
}

impl AgreementPage {
    fn yuan(value: impl std::borrow::Borrow<f64>) -> String {
        yuan(*value.borrow())
    }

    fn num(value: impl std::borrow::Borrow<f64>) -> String {
        number(*value.borrow())
    }

    fn budget(&self) -> Vec<&FundingLine> {
        self.agreement.budget.iter().filter(|line| line.amount_cny > 0.0).collect()
    }
}

async fn agreement_page(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
) -> Result<AgreementPage, PageError> {
    let fail = |e: ApiError| ctx.fail(e);
    let signed = crate::app::projects::agreement(&state, &ctx.viewer, id).await.map_err(fail)?;
    let project = state.store.get_project(id).await.map_err(|e| fail(e.into()))?;
    let agreement =
        project.agreement.clone().ok_or_else(|| fail(ApiError::NotFound(ctx.t.proj.agreement_none.into())))?;
    let program = state.store.get_program(project.program_id).await.map_err(|e| fail(e.into()))?;
    let lead = state.store.get_organization(project.lead_organization_id).await.map_err(|e| fail(e.into()))?.name;
    Ok(AgreementPage { ctx, project, agreement, signed, program, lead })
}

/// Rows the agreement form offers for milestones and tranches.
const FORM_ROWS: usize = 8;

/// The agreement's form, filled with the draft or with what was posted.
#[derive(Template, WebTemplate)]
#[template(path = "agreement_form.html")]
struct AgreementFormPage {
    ctx: Ctx,
    project: Project,
    form: FormState,
}

impl AgreementFormPage {
    fn rows(&self) -> std::ops::Range<usize> {
        0..FORM_ROWS
    }

    fn field(prefix: &str, i: &usize, name: &str) -> String {
        format!("{prefix}[{i}].{name}")
    }

    fn sources(&self) -> &'static [FundSource] {
        FundSource::ALL
    }

    fn triggers(&self) -> &'static [TrancheTrigger] {
        TrancheTrigger::ALL
    }

    fn cadences(&self) -> &'static [ReportCadence] {
        ReportCadence::ALL
    }
}

/// Fields the form shows errors beside; a name ending in `[` covers its rows.
const AGREEMENT_FIELDS: &[&str] = &[
    "start",
    "end",
    "content",
    "supervisor",
    "milestones",
    "milestones[",
    "budget",
    "budget[",
    "tranches",
    "tranches[",
    "refund_factor",
    "progress_reports",
];

fn agreement_values(agreement: &Agreement) -> Vec<(String, String)> {
    let mut values = vec![
        ("start".into(), agreement.start.to_string()),
        ("end".into(), agreement.end.to_string()),
        ("content".into(), agreement.content.clone()),
        ("supervisor".into(), agreement.supervisor.clone()),
        ("refund_factor".into(), number(agreement.refund_factor)),
        ("progress_reports".into(), agreement.progress_reports.as_str().into()),
    ];
    for (i, m) in agreement.milestones.iter().enumerate() {
        values.push((format!("milestones[{i}].title"), m.title.clone()));
        values.push((format!("milestones[{i}].due"), m.due.to_string()));
        values.push((format!("milestones[{i}].goal"), m.goal.clone()));
        for name in &m.indicators {
            values.push((format!("milestones[{i}].indicators"), name.clone()));
        }
    }
    for line in &agreement.budget {
        values.push((format!("budget.{}", line.source.as_str()), yuan(line.amount_cny)));
    }
    for (i, t) in agreement.tranches.iter().enumerate() {
        values.push((format!("tranches[{i}].amount_cny"), yuan(t.amount_cny)));
        values.push((format!("tranches[{i}].trigger"), t.trigger.as_str().into()));
        values.push((format!("tranches[{i}].milestone"), t.milestone.map(|m| m.to_string()).unwrap_or_default()));
    }
    values
}

/// Reads the posted form into an agreement, or every problem with it (field names as the form
/// writes them, row numbers included).
fn parse_agreement(
    form: &FormState,
    committed: &[jiebang_core::project::CommittedIndicator],
) -> Result<Agreement, Vec<FieldError>> {
    let mut errors = Vec::new();
    let mut day = |field: &str| match Day::parse(field, form.get(field)) {
        Ok(day) => Some(day),
        Err(e) => {
            errors.push(e);
            None
        }
    };
    let start = day("start");
    let end = day("end");
    // Filled rows, with the row each came from, so that errors point at the right row.
    let mut milestones = Vec::new();
    let mut milestone_rows = Vec::new();
    for i in 0..FORM_ROWS {
        let f = |name: &str| format!("milestones[{i}].{name}");
        let (title, due, goal) = (form.get(&f("title")), form.get(&f("due")), form.get(&f("goal")));
        let indicators: Vec<String> = form.all(&f("indicators")).into_iter().map(str::to_owned).collect();
        if title.trim().is_empty() && due.trim().is_empty() && goal.trim().is_empty() && indicators.is_empty() {
            continue;
        }
        let due = match Day::parse(&f("due"), due) {
            Ok(d) => d,
            Err(e) => {
                errors.push(e);
                continue;
            }
        };
        milestones.push(PlannedMilestone { title: title.trim().into(), due, goal: goal.trim().into(), indicators });
        milestone_rows.push(i);
    }
    let mut budget = Vec::new();
    for source in FundSource::ALL {
        let field = format!("budget.{}", source.as_str());
        let amount = match form.get(&field).trim() {
            "" => 0.0,
            text => text.replace([',', '，'], "").parse::<f64>().unwrap_or_else(|_| {
                errors.push(FieldError::new(&field, format!("「{text}」不是有效金额 / '{text}' is not an amount")));
                0.0
            }),
        };
        budget.push(FundingLine { source: *source, amount_cny: amount });
    }
    let mut tranches = Vec::new();
    let mut tranche_rows = Vec::new();
    for i in 0..FORM_ROWS {
        let f = |name: &str| format!("tranches[{i}].{name}");
        let amount = form.get(&f("amount_cny")).trim().replace([',', '，'], "");
        if amount.is_empty() {
            continue;
        }
        let Ok(amount_cny) = amount.parse::<f64>() else {
            errors.push(FieldError::new(
                f("amount_cny"),
                format!("「{amount}」不是有效金额 / '{amount}' is not an amount"),
            ));
            continue;
        };
        let trigger = match TrancheTrigger::parse(&f("trigger"), form.get(&f("trigger"))) {
            Ok(t) => t,
            Err(e) => {
                errors.push(e);
                continue;
            }
        };
        let milestone = match form.get(&f("milestone")).trim() {
            "" => None,
            text => match text.parse::<u32>() {
                Ok(n) => Some(n),
                Err(_) => {
                    errors.push(FieldError::new(f("milestone"), "请填写里程碑序号 / give the milestone's number"));
                    continue;
                }
            },
        };
        tranches.push(Tranche { amount_cny, trigger, milestone });
        tranche_rows.push(i);
    }
    let refund_factor = form.get("refund_factor").trim().parse::<f64>().unwrap_or(f64::NAN);
    let cadence = form.get("progress_reports").trim();
    let progress_reports = match ReportCadence::ALL.iter().find(|c| c.as_str() == cadence) {
        Some(cadence) => *cadence,
        None if cadence.is_empty() => ReportCadence::None,
        None => {
            errors.push(FieldError::new(
                "progress_reports",
                "请选择进展报告频次 / choose how often progress is reported",
            ));
            ReportCadence::None
        }
    };
    let (Some(start), Some(end)) = (start, end) else { return Err(errors) };
    let agreement = Agreement {
        start,
        end,
        content: form.get("content").trim().into(),
        supervisor: form.get("supervisor").trim().into(),
        milestones,
        budget,
        tranches,
        refund_factor,
        progress_reports,
    };
    if let Err(jiebang_core::Error::Invalid(problems)) = agreement.check(committed) {
        // The check numbers the filled rows; the form numbers every row.
        errors.extend(
            problems.into_iter().map(|p| FieldError { field: renumber(&p.field, &milestone_rows, &tranche_rows), ..p }),
        );
    }
    if errors.is_empty() { Ok(agreement) } else { Err(errors) }
}

/// `milestones[1].due` of the filled rows as the form's row (`milestones[3].due` when rows 1
/// and 2 were left empty).
fn renumber(field: &str, milestone_rows: &[usize], tranche_rows: &[usize]) -> String {
    for (prefix, rows) in [("milestones[", milestone_rows), ("tranches[", tranche_rows)] {
        if let Some(rest) = field.strip_prefix(prefix)
            && let Some((index, tail)) = rest.split_once(']')
            && let Some(row) = index.parse::<usize>().ok().and_then(|i| rows.get(i))
        {
            return format!("{prefix}{row}]{tail}");
        }
    }
    field.to_owned()
}

async fn agreement_form_page(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
) -> Result<AgreementFormPage, PageError> {
    let project = crate::app::projects::led(&state, &ctx.viewer, id).await.map_err(|e| ctx.fail(e))?;
    let values = match &project.agreement {
        Some(agreement) => agreement_values(agreement),
        None => vec![("refund_factor".into(), "1".into()), ("progress_reports".into(), "none".into())],
    };
    Ok(AgreementFormPage { ctx, project, form: FormState::new(values, AGREEMENT_FIELDS) })
}

async fn agreement_submit(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
    axum::Form(values): axum::Form<Vec<(String, String)>>,
) -> Result<Response, PageError> {
    let project = crate::app::projects::led(&state, &ctx.viewer, id).await.map_err(|e| ctx.fail(e))?;
    let form = FormState::new(values, AGREEMENT_FIELDS);
    let result = match parse_agreement(&form, &project.committed) {
        Ok(agreement) => crate::app::projects::save_agreement(&state, &ctx.viewer, id, &agreement).await.map(|_| ()),
        Err(errors) => Err(jiebang_core::Error::Invalid(errors).into()),
    };
    match result {
        Ok(()) => Ok(crate::http::done(&state.signer, &format!("/projects/{id}"), ctx.t.proj.agreement_saved)),
        Err(e @ (ApiError::Unauthenticated | ApiError::Forbidden | ApiError::NotFound(_))) => Err(ctx.fail(e)),
        Err(error) => {
            let status = error.parts().0;
            let form = form.with_errors(error.field_errors(), ctx.t.lang);
            Ok((status, AgreementFormPage { ctx, project, form }).into_response())
        }
    }
}

async fn milestone_submit(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
    multipart: Multipart,
) -> Response {
    let result = crate::app::projects::report_milestone(&state, &ctx.viewer, id, multipart).await;
    to_project(&state, &ctx, id, result, ctx.t.proj.reported)
}

/// The review form.
#[derive(Debug, Deserialize)]
struct ReviewForm {
    decision: String,
    #[serde(default)]
    note: String,
    #[serde(default)]
    rectify_by: String,
}

async fn review_submit(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
    axum::Form(form): axum::Form<ReviewForm>,
) -> Response {
    let report = state.store.milestone_report(id).await;
    let back = report.as_ref().map_or_else(|_| "/".to_owned(), |r| format!("/projects/{}", r.project_id));
    let result = async {
        let decision = MilestoneDecision::parse("decision", &form.decision).map_err(jiebang_core::Error::from)?;
        let rectify_by = match form.rectify_by.trim() {
            "" => None,
            text => Some(Day::parse("rectify_by", text).map_err(jiebang_core::Error::from)?),
        };
        let review = MilestoneReview { decision, note: form.note, rectify_by };
        crate::app::projects::review_milestone(&state, &ctx.viewer, id, &review).await.map(|_| ())
    }
    .await;
    super::back(&state, &back, result, &ctx, ctx.t.proj.reviewed)
}

async fn evidence_download(
    State(state): State<AppState>,
    ctx: Ctx,
    Path((id, file)): Path<(i64, i64)>,
) -> Result<Response, PageError> {
    let (file, bytes) =
        crate::app::projects::evidence_file(&state, &ctx.viewer, id, file).await.map_err(|e| ctx.fail(e))?;
    Ok(crate::http::download("application/pdf", &file.name, bytes))
}

/// Reads a posted number; `None` when empty, an error naming `field` when not a number.
fn number_field(values: &FormState, field: &str, errors: &mut Vec<FieldError>) -> Option<f64> {
    super::form::optional_number::<f64>(values.get(field), field, errors)
}

/// Reads the mid-term form: the completion item's worth, the experts' rows (a row without a name
/// is ignored), the integrity question, the outcome and the opinion.
fn parse_mid_term(form: &FormState) -> Result<MidTermInput, Vec<FieldError>> {
    let mut errors = Vec::new();
    let completion_points = number_field(form, "completion_points", &mut errors).unwrap_or(f64::NAN);
    let mut items = Vec::new();
    for i in 0..FORM_ROWS {
        let name = form.get(&format!("items[{i}].name")).trim().to_owned();
        if name.is_empty() {
            continue;
        }
        let points = number_field(form, &format!("items[{i}].points"), &mut errors).unwrap_or(f64::NAN);
        let score = number_field(form, &format!("items[{i}].score"), &mut errors).unwrap_or(f64::NAN);
        items.push(RubricItem { name, points, score });
    }
    let outcome = MidTermOutcome::parse("outcome", form.get("outcome")).map_err(|e| errors.push(e)).ok();
    match outcome {
        Some(outcome) if errors.is_empty() => Ok(MidTermInput {
            sheet: MidTermSheet { completion_points, items, integrity_veto: form.checked("integrity_veto") },
            outcome,
            note: form.get("note").to_owned(),
        }),
        _ => Err(errors),
    }
}

async fn mid_term_submit(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
    axum::Form(values): axum::Form<Vec<(String, String)>>,
) -> Response {
    let back = format!("/projects/{id}");
    let form = FormState::new(values, &[]);
    let result = async {
        if !form.checked("confirm") {
            return Err(jiebang_core::Error::invalid("confirm", ctx.t.confirm_irreversible).into());
        }
        let input = parse_mid_term(&form).map_err(jiebang_core::Error::Invalid)?;
        crate::app::projects::record_mid_term(&state, &ctx.viewer, id, &input).await.map(|_| ())
    }
    .await;
    super::back(&state, &back, result, &ctx, ctx.t.proj.mid_term_recorded)
}

async fn change_submit(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
    axum::Form(values): axum::Form<Vec<(String, String)>>,
) -> Response {
    let back = format!("/projects/{id}");
    let form = FormState::new(values, &[]);
    let result = async {
        let mut errors = Vec::new();
        let kind = ChangeKind::parse("kind", form.get("kind")).map_err(|e| errors.push(e)).ok();
        let new_end = match form.get("new_end").trim() {
            "" => None,
            text => Day::parse("new_end", text).map_err(|e| errors.push(e)).ok(),
        };
        let new_value = number_field(&form, "new_value", &mut errors);
        let (Some(kind), true) = (kind, errors.is_empty()) else {
            return Err(jiebang_core::Error::Invalid(errors).into());
        };
        let indicator = Some(form.get("indicator").to_owned()).filter(|i| !i.is_empty());
        let input =
            jiebang_store::ChangeInput { kind, reason: form.get("reason").to_owned(), new_end, indicator, new_value };
        crate::app::projects::request_change(&state, &ctx.viewer, id, &input).await.map(|_| ())
    }
    .await;
    super::back(&state, &back, result, &ctx, ctx.t.proj.change_requested)
}

async fn progress_submit(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
    axum::Form(values): axum::Form<Vec<(String, String)>>,
) -> Response {
    let form = FormState::new(values, &[]);
    let result = async {
        let mut errors = Vec::new();
        // Left empty, the store's check names the field with the others.
        let spent_cny = number_field(&form, "spent_cny", &mut errors).unwrap_or(f64::NAN);
        if !errors.is_empty() {
            return Err(jiebang_core::Error::Invalid(errors).into());
        }
        let input = jiebang_store::ProgressInput {
            period: form.get("period").to_owned(),
            summary: form.get("summary").to_owned(),
            problems: form.get("problems").to_owned(),
            spent_cny,
        };
        crate::app::projects::file_progress(&state, &ctx.viewer, id, &input).await
    }
    .await;
    to_project(&state, &ctx, id, result, ctx.t.proj.progress_filed)
}

/// The check or decision form.
#[derive(Debug, Deserialize)]
struct DecisionForm {
    #[serde(default)]
    approve: String,
    #[serde(default)]
    note: String,
}

impl DecisionForm {
    fn decision(self) -> ChangeDecision {
        ChangeDecision { approve: self.approve == "true", note: self.note }
    }
}

async fn change_page_of(state: &AppState, change_id: i64) -> String {
    match state.store.get_change(change_id).await {
        Ok(change) => format!("/projects/{}", change.project_id),
        Err(_) => "/".into(),
    }
}

async fn change_check_submit(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
    axum::Form(form): axum::Form<DecisionForm>,
) -> Response {
    let back = change_page_of(&state, id).await;
    let result = crate::app::projects::check_change(&state, &ctx.viewer, id, &form.decision()).await.map(|_| ());
    super::back(&state, &back, result, &ctx, ctx.t.proj.change_checked)
}

async fn change_decision_submit(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
    axum::Form(form): axum::Form<DecisionForm>,
) -> Response {
    let back = change_page_of(&state, id).await;
    let result = crate::app::projects::decide_change(&state, &ctx.viewer, id, &form.decision()).await.map(|_| ());
    super::back(&state, &back, result, &ctx, ctx.t.proj.change_decided)
}

/// The gate form: the rule and its number.
#[derive(Debug, Deserialize)]
struct GateForm {
    #[serde(default)]
    rule: String,
    #[serde(default)]
    value: String,
    #[serde(default)]
    confirm: Option<String>,
}

async fn gate_submit(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
    axum::Form(form): axum::Form<GateForm>,
) -> Response {
    let back = match state.store.get_challenge(id).await {
        Ok(challenge) => format!("/programs/{}/projects", challenge.program_id),
        Err(_) => "/".into(),
    };
    let result = async {
        if form.confirm.is_none() {
            return Err(jiebang_core::Error::invalid("confirm", ctx.t.confirm_irreversible).into());
        }
        let value = form.value.trim();
        let rule = match (form.rule.as_str(), value.parse::<f64>()) {
            ("keep_top", Ok(n)) if n >= 1.0 && n.fract() == 0.0 => GateRule::KeepTop(n as usize),
            ("at_least", Ok(score)) if score.is_finite() => GateRule::AtLeast(score),
            _ => {
                return Err(jiebang_core::Error::invalid(
                    "value",
                    format!("「{value}」不是有效的名次或分数 / '{value}' is not a valid number of places or score"),
                )
                .into());
            }
        };
        crate::app::projects::run_gate(&state, &ctx.viewer, id, &GateInput { rule }).await.map(|_| ())
    }
    .await;
    super::back(&state, &back, result, &ctx, ctx.t.proj.gate_done)
}

async fn acceptance_submit(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
    multipart: Multipart,
) -> Response {
    let result = crate::app::projects::apply_for_acceptance(&state, &ctx.viewer, id, multipart).await;
    to_project(&state, &ctx, id, result, ctx.t.proj.applied)
}

async fn lab_submit(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
    axum::Form(input): axum::Form<crate::app::projects::LabInput>,
) -> Response {
    let result = crate::app::projects::designate_lab(&state, &ctx.viewer, id, &input).await;
    to_project(&state, &ctx, id, result, ctx.t.proj.lab_designated)
}

async fn lab_report_submit(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
    multipart: Multipart,
) -> Response {
    let result = crate::app::projects::submit_lab_report(&state, &ctx.viewer, id, multipart).await;
    to_project(&state, &ctx, id, result, ctx.t.proj.lab_reported)
}

async fn appeal_submit(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
    axum::Form(input): axum::Form<crate::app::projects::AppealInput>,
) -> Response {
    let result = crate::app::projects::file_appeal(&state, &ctx.viewer, id, &input).await;
    to_project(&state, &ctx, id, result, ctx.t.proj.appealed)
}

async fn appeal_decision_submit(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
    axum::Form(form): axum::Form<DecisionForm>,
) -> Response {
    let back = match state.store.get_appeal(id).await {
        Ok(appeal) => format!("/projects/{}", appeal.project_id),
        Err(_) => "/".into(),
    };
    let decision = crate::app::projects::AppealDecision { upheld: form.approve == "true", note: form.note };
    let result = crate::app::projects::decide_appeal(&state, &ctx.viewer, id, &decision).await.map(|_| ());
    super::back(&state, &back, result, &ctx, ctx.t.proj.appeal_decided)
}

async fn expert_submit(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
    axum::Form(choice): axum::Form<crate::app::projects::ExpertChoice>,
) -> Response {
    let result = crate::app::projects::assign_acceptance_expert(&state, &ctx.viewer, id, &choice).await;
    to_project(&state, &ctx, id, result, ctx.t.proj.expert_asked)
}

async fn opinion_submit(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
    axum::Form(input): axum::Form<crate::app::projects::OpinionInput>,
) -> Response {
    let result = crate::app::projects::give_opinion(&state, &ctx.viewer, id, &input).await;
    to_project(&state, &ctx, id, result, ctx.t.proj.opinion_given)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn errors_on_filled_rows_point_at_the_forms_rows() {
        assert_eq!(renumber("milestones[1].due", &[0, 3], &[]), "milestones[3].due");
        assert_eq!(renumber("tranches[0].milestone", &[], &[2]), "tranches[2].milestone");
        assert_eq!(renumber("content", &[0], &[0]), "content");
    }

    #[test]
    fn a_form_with_a_gap_reads_back_as_its_agreement() {
        let values = |pairs: &[(&str, &str)]| pairs.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())).collect();
        let form = FormState::new(
            values(&[
                ("start", "2026-04-01"),
                ("end", "2027-03-31"),
                ("content", "研制"),
                ("milestones[2].title", "数据"),
                ("milestones[2].due", "2026-09-30"),
                ("milestones[2].goal", "完成"),
                ("budget.provincial", "1,000,000"),
                ("tranches[0].amount_cny", "500000"),
                ("tranches[0].trigger", "on_milestone"),
                ("tranches[0].milestone", "2"),
                ("refund_factor", "1"),
            ]),
            AGREEMENT_FIELDS,
        );
        let errors = parse_agreement(&form, &[]).unwrap_err();
        let fields: Vec<&str> = errors.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(fields, ["tranches[0].milestone"], "{errors:?}");
        let form = FormState::new(
            values(&[
                ("start", "2026-04-01"),
                ("end", "2027-03-31"),
                ("content", "研制"),
                ("milestones[2].title", "数据"),
                ("milestones[2].due", "2026-09-30"),
                ("milestones[2].goal", "完成"),
                ("budget.provincial", "1,000,000"),
                ("tranches[0].amount_cny", "500000"),
                ("tranches[0].trigger", "on_milestone"),
                ("tranches[0].milestone", "1"),
                ("refund_factor", "1"),
            ]),
            AGREEMENT_FIELDS,
        );
        let agreement = parse_agreement(&form, &[]).unwrap();
        assert_eq!((agreement.milestones.len(), agreement.fiscal_cny()), (1, 1e6));
        assert_eq!(
            agreement_values(&agreement).iter().find(|(k, _)| k == "milestones[0].due").unwrap().1,
            "2026-09-30"
        );
    }
}
