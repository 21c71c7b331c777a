//! Selection pages: a program's applications and the organizers' desk (draw, ranking, 公示,
//! objections, 公告), one application with its actions, review form and history, the application
//! form, the experts' assignments, the public notice, statistics and the inbox.
//!
//! Short action forms post and come back to the page they were on (a signed flash cookie carries a refusal);
//! the application form comes back filled in with each error beside its field.

use askama::Template;
use askama_web::WebTemplate;
use axum::Router;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use jiebang_core::application::{
    Action, ApplicationInput, ApplicationState, BudgetLine, BudgetSource, Commitment, Consent, ConsortiumRole,
    JointUnit, TeamMember,
};
use jiebang_core::program::ProgramStatus;
use jiebang_core::publicity::{Decision, FilerKind, NoticeInput, ObjectionInput};
use jiebang_core::review::{Criterion, ReviewInput};
use jiebang_store::{
    Application, AuditEvent, ChallengeHeading, ChallengeRecord, DualRole, Expert, Notification, Objection,
    Organization, PageRequest, Program, StoredFile,
};
use serde::Deserialize;

use super::form::FormState;
use super::{Ctx, PageError, back, download, filters, refused};
use crate::AppState;
use crate::app::access::{Standing, visible_application, visible_program};
use crate::app::selection::{
    NoticeView, PlaceAnswer, RankingInput, ReviewRow, Statistics, answer, applications_seen_by, decide_objection,
    declare_dual_role_as, notice, rank_program, review_rows, statistics, take_action,
};
use crate::error::ApiError;

pub(super) fn routes() -> Router<AppState> {
    Router::new()
        .route("/programs/{id}/applications", get(applications_page))
        .route("/programs/{id}/draw", post(draw_submit))
        .route("/programs/{id}/rank", post(rank_submit))
        .route("/programs/{id}/publish", post(publish_submit))
        .route("/programs/{id}/announce", post(announce_submit))
        .route("/programs/{id}/publicity", get(publicity_page))
        .route("/programs/{id}/objections", post(objection_submit))
        .route("/objections/{id}/decide", post(decide_submit))
        .route("/programs/{id}/statistics", get(statistics_page))
        .route("/challenges/{id}/apply", get(new_application_page).post(new_application_submit))
        .route("/applications/{id}", get(application_page))
        .route("/applications/{id}/edit", get(edit_application_page).post(edit_application_submit))
        .route("/applications/{id}/pdf", get(application_pdf))
        .route("/applications/{id}/invite-unit", post(invite_unit_submit))
        .route("/applications/{id}/files/{file}", get(attachment_download))
        .route("/applications/{id}/act", post(act_submit))
        .route("/applications/{id}/consortium", post(place_submit))
        .route("/programs/{id}/dual-role", post(dual_role_submit))
        .route("/applications/{id}/attach", post(attach_submit).layer(crate::http::attachment_body_limit()))
        .route("/applications/{id}/review", post(review_submit))
        .route("/applications/{id}/conflict", post(conflict_submit))
        .route("/applications/{id}/assign", post(assign_submit))
        .route("/reviews", get(reviews_page))
        .route("/inbox", get(inbox_page))
}

#[derive(Template, WebTemplate)]
#[template(path = "applications.html")]
struct ApplicationsPage {
    ctx: Ctx,
    program: Program,
    challenges: Vec<ChallengeHeading>,
    applications: Vec<Application>,
    manages: bool,
    /// The viewer acts for an organization and the program takes applications.
    may_apply: bool,
    objections: Vec<(Objection, String)>,
    draws: Vec<jiebang_store::Draw>,
    /// Experts' dual-role statements (organizers).
    dual_roles: Vec<DualRole>,
    phases: Vec<(i64, String)>,
    /// A 公示 has been published: link to it.
    has_notice: bool,
}

impl ApplicationsPage {
    fn city(&self, a: &Application) -> String {
        crate::app::selection::city_name(&a.region_code, self.ctx.t.lang)
    }

    fn score(&self, value: &Option<f64>) -> String {
        value.map(|v| format!("{v:.2}")).unwrap_or_default()
    }

    fn count(&self, state: &ApplicationState) -> usize {
        self.applications.iter().filter(|a| a.state == *state).count()
    }
}

async fn applications_page(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
) -> Result<ApplicationsPage, PageError> {
    let fail = |e: ApiError| ctx.fail(e);
    let (program, applications) = applications_seen_by(&state, &ctx.viewer, id).await.map_err(fail)?;
    let manages = ctx.viewer.principal().is_some_and(|p| p.can_manage_program(id));
    let challenges = state.store.challenge_headings(id).await.map_err(|e| fail(e.into()))?;
    let may_apply = program.status == ProgramStatus::Published
        && ctx.viewer.principal().is_some_and(|p| !p.organizations().is_empty());
    let mut objections = Vec::new();
    let mut draws = Vec::new();
    let mut dual_roles = Vec::new();
    let mut phases = Vec::new();
    if manages {
        for o in state.store.list_objections(id).await.map_err(|e| fail(e.into()))? {
            let name = applications
                .iter()
                .find(|a| a.id == o.application_id)
                .map(|a| a.input.project_name.clone())
                .unwrap_or_default();
            objections.push((o, name));
        }
        draws = state.store.list_draws(id).await.map_err(|e| fail(e.into()))?;
        dual_roles = state.store.dual_role_declarations(id).await.map_err(|e| fail(e.into()))?;
        let codes: std::collections::HashMap<i64, &str> = challenges.iter().map(|c| (c.id, c.code.as_str())).collect();
        for p in state.store.program_phases(id).await.map_err(|e| fail(e.into()))? {
            let code = codes.get(&p.challenge_id).copied().unwrap_or_default();
            phases.push((p.id, format!("{code} · {}", p.input.name)));
        }
    }
    let has_notice = state.store.latest_publicity(id).await.map_err(|e| ctx.fail(e))?.is_some();
    Ok(ApplicationsPage {
        has_notice,
        ctx,
        program,
        challenges,
        applications,
        manages,
        may_apply,
        objections,
        draws,
        dual_roles,
        phases,
    })
}

#[derive(Deserialize)]
struct DrawForm {
    seed: Option<String>,
}

async fn draw_submit(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
    axum::Form(form): axum::Form<DrawForm>,
) -> Result<Response, PageError> {
    let result = async {
        let (_, user) = crate::app::access::managed_program(&state, &ctx.viewer, id).await?;
        let seed = match form.seed.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
            Some(text) => Some(text.parse::<u64>().map_err(|_| {
                jiebang_core::Error::invalid("seed", "种子应为非负整数 / the seed must be a whole number")
            })?),
            None => None,
        };
        state.store.draw_experts(id, seed, user).await?;
        Ok(())
    }
    .await;
    Ok(back(&state, &format!("/programs/{id}/applications"), result, &ctx, ctx.t.sel.done_draw))
}

#[derive(Deserialize)]
struct RankForm {
    objective_weight: Option<String>,
    objective_phase_id: Option<String>,
}

async fn rank_submit(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
    axum::Form(form): axum::Form<RankForm>,
) -> Result<Response, PageError> {
    let result = async {
        let weight = form.objective_weight.as_deref().map(str::trim).filter(|s| !s.is_empty()).unwrap_or("0");
        let objective_weight = weight.parse::<f64>().map_err(|_| {
            jiebang_core::Error::invalid(
                "objective_weight",
                "权重应为 0 到 1 的数 / the weight must be a number from 0 to 1",
            )
        })?;
        let objective_phase_id = form.objective_phase_id.as_deref().and_then(|p| p.parse().ok());
        rank_program(&state, &ctx.viewer, id, &RankingInput { objective_weight, objective_phase_id }).await?;
        Ok(())
    }
    .await;
    Ok(back(&state, &format!("/programs/{id}/applications"), result, &ctx, ctx.t.sel.done_rank))
}

async fn publish_submit(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
    axum::Form(form): axum::Form<NoticeInput>,
) -> Result<Response, PageError> {
    let result = async {
        crate::app::selection::publish_program(&state, &ctx.viewer, id, &form).await?;
        Ok(())
    }
    .await;
    match result {
        Ok(()) => Ok(crate::http::done(&state.signer, &format!("/programs/{id}/publicity"), ctx.t.sel.done_publish)),
        Err(e) => Ok(refused(&state, &format!("/programs/{id}/applications"), e, &ctx)),
    }
}

async fn announce_submit(State(state): State<AppState>, ctx: Ctx, Path(id): Path<i64>) -> Result<Response, PageError> {
    let result = async {
        crate::app::selection::announce_program(&state, &ctx.viewer, id).await?;
        Ok(())
    }
    .await;
    Ok(back(&state, &format!("/programs/{id}/applications"), result, &ctx, ctx.t.sel.done_announce))
}

#[derive(Template, WebTemplate)]
#[template(path = "publicity.html")]
struct PublicityPage {
    ctx: Ctx,
    program_id: i64,
    notice: NoticeView,
    kinds: &'static [FilerKind],
    filed: bool,
}

impl PublicityPage {
    /// The list has a 潜力单位 tier: a column says which tier each row is in.
    fn tiered(&self) -> bool {
        self.notice.rows.iter().any(|r| r.tier.is_some())
    }
}

#[derive(Deserialize, Default)]
struct PublicityQuery {
    filed: Option<String>,
}

async fn publicity_page(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
    Query(query): Query<PublicityQuery>,
) -> Result<PublicityPage, PageError> {
    let notice = notice(&state, &ctx.viewer, id, ctx.t.lang).await.map_err(|e| ctx.fail(e))?;
    Ok(PublicityPage { ctx, program_id: id, notice, kinds: FilerKind::ALL, filed: query.filed.is_some() })
}

#[derive(Deserialize)]
struct ObjectionForm {
    application_id: i64,
    filer_kind: String,
    filer_name: String,
    contact: String,
    content: String,
    sealed: Option<String>,
}

async fn objection_submit(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
    axum::Form(form): axum::Form<ObjectionForm>,
) -> Result<Response, PageError> {
    let result = async {
        visible_program(&state, &ctx.viewer, id).await?;
        let user = ctx.viewer.require()?.user.id;
        let input = ObjectionInput {
            application_id: form.application_id,
            filer_kind: FilerKind::parse("filer_kind", &form.filer_kind).map_err(jiebang_core::Error::from)?,
            filer_name: form.filer_name,
            contact: form.contact,
            content: form.content,
            sealed: form.sealed.is_some(),
        };
        state.store.file_objection(id, &input, user, state.clock.today()).await?;
        Ok(())
    }
    .await;
    match result {
        Ok(()) => Ok(Redirect::to(&format!("/programs/{id}/publicity?filed=1")).into_response()),
        Err(e) => Ok(refused(&state, &format!("/programs/{id}/publicity"), e, &ctx)),
    }
}

#[derive(Deserialize)]
struct DecideForm {
    decision: String,
    handling: String,
    program_id: i64,
}

async fn decide_submit(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
    axum::Form(form): axum::Form<DecideForm>,
) -> Result<Response, PageError> {
    let result = async {
        let decision = Decision::parse("decision", &form.decision).map_err(jiebang_core::Error::from)?;
        decide_objection(&state, &ctx.viewer, id, decision, &form.handling).await?;
        Ok(())
    }
    .await;
    Ok(back(&state, &format!("/programs/{}/applications", form.program_id), result, &ctx, ctx.t.sel.done_decide))
}

#[derive(Template, WebTemplate)]
#[template(path = "statistics.html")]
struct StatisticsPage {
    ctx: Ctx,
    program: Program,
    stats: Statistics,
}

impl StatisticsPage {
    fn sections(&self) -> Vec<(&'static str, &[crate::app::selection::Count])> {
        let s = self.ctx.t.sel;
        vec![
            (s.by_city, &self.stats.by_city),
            (s.by_industry, &self.stats.by_industry),
            (s.by_kind, &self.stats.by_kind),
        ]
    }

    /// Bar width (0–100) of `n` against the largest application count in `counts`.
    fn width(&self, counts: &[crate::app::selection::Count], n: &u32) -> f64 {
        let max = counts.iter().map(|c| c.applications).max().unwrap_or(0);
        if max == 0 { 0.0 } else { f64::from(*n) / f64::from(max) * 100.0 }
    }
}

async fn statistics_page(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
) -> Result<StatisticsPage, PageError> {
    let program = visible_program(&state, &ctx.viewer, id).await.map_err(|e| ctx.fail(e))?;
    let stats = statistics(&state, &ctx.viewer, id, ctx.t.lang).await.map_err(|e| ctx.fail(e))?;
    Ok(StatisticsPage { ctx, program, stats })
}

/// The application form: new (for a challenge) or editing a draft or returned application.
#[derive(Template, WebTemplate)]
#[template(path = "application_form.html")]
struct ApplicationFormPage {
    ctx: Ctx,
    challenge: ChallengeRecord,
    /// Set when editing.
    application_id: Option<i64>,
    /// Units the viewer acts for (possible leads).
    own: Vec<Organization>,
    /// Every registered unit (possible joint units).
    all: Vec<Organization>,
    joint_slots: Vec<usize>,
    roles: &'static [ConsortiumRole],
    sources: &'static [BudgetSource],
    form: FormState,
}

const APPLICATION_FIELDS: &[&str] =
    &["project_name", "lead_organization_id", "leader.name", "leader.title", "summary", "joint_units", "commitments"];

fn application_values(input: &ApplicationInput) -> Vec<(String, String)> {
    let mut values = vec![
        ("project_name".into(), input.project_name.clone()),
        ("lead_organization_id".into(), input.lead_organization_id.to_string()),
        ("leader_name".into(), input.leader.name.clone()),
        ("leader_title".into(), input.leader.title.clone()),
        ("summary".into(), input.summary.clone()),
    ];
    for (i, unit) in input.joint_units.iter().enumerate() {
        values.push((format!("joint_{i}_org"), unit.organization_id.to_string()));
        values.push((format!("joint_{i}_role"), unit.role.as_str().into()));
        values.push((format!("joint_{i}_work"), unit.work.clone()));
    }
    for line in &input.budget {
        values.push((format!("budget_{}", line.source.as_str()), line.amount_wan.to_string()));
    }
    for (i, c) in input.commitments.iter().enumerate() {
        values.push((format!("commit_{i}"), c.value.to_string()));
    }
    values
}

fn application_from_form(
    form: &FormState,
    challenge: &ChallengeRecord,
    slots: usize,
) -> Result<ApplicationInput, Vec<jiebang_core::FieldError>> {
    let mut errors = Vec::new();
    let number = |name: &str, field: String, errors: &mut Vec<jiebang_core::FieldError>| {
        super::form::optional_number::<f64>(form.get(name), &field, errors)
    };
    let lead: i64 = form.get("lead_organization_id").parse().unwrap_or(0);
    let mut joint_units = Vec::new();
    for i in 0..slots {
        let Ok(org) = form.get(&format!("joint_{i}_org")).parse::<i64>() else { continue };
        let role = ConsortiumRole::parse(
            &format!("joint_units[{}].role", joint_units.len()),
            form.get(&format!("joint_{i}_role")),
        )
        .map_err(|e| errors.push(e))
        .unwrap_or(ConsortiumRole::Industry);
        joint_units.push(JointUnit { organization_id: org, role, work: form.get(&format!("joint_{i}_work")).into() });
    }
    let mut budget = Vec::new();
    for source in BudgetSource::ALL {
        if let Some(amount) =
            number(&format!("budget_{}", source.as_str()), format!("budget.{}", source.as_str()), &mut errors)
        {
            budget.push(BudgetLine { source: *source, amount_wan: amount });
        }
    }
    let mut commitments = Vec::new();
    for (i, indicator) in challenge.challenge.indicators.iter().enumerate() {
        match number(&format!("commit_{i}"), format!("commitments[{i}].value"), &mut errors) {
            Some(value) => commitments.push(Commitment { indicator: indicator.name.clone(), value }),
            None => errors.push(jiebang_core::FieldError::new(format!("commitments[{i}].value"), "必填 / required")),
        }
    }
    if lead == 0 {
        errors.push(jiebang_core::FieldError::new("lead_organization_id", "请选择牵头单位 / choose the lead unit"));
    }
    if !errors.is_empty() {
        return Err(errors);
    }
    Ok(ApplicationInput {
        project_name: form.get("project_name").into(),
        lead_organization_id: lead,
        joint_units,
        leader: TeamMember {
            name: form.get("leader_name").into(),
            title: form.get("leader_title").into(),
            organization_id: lead,
            duty: "项目负责人".into(),
        },
        team: vec![],
        budget,
        summary: form.get("summary").into(),
        commitments,
    })
}

async fn render_application_form(
    state: &AppState,
    ctx: Ctx,
    challenge: ChallengeRecord,
    application_id: Option<i64>,
    form: FormState,
) -> Result<ApplicationFormPage, PageError> {
    let fail = |e: ApiError| ctx.fail(e);
    let mut own = Vec::new();
    for id in ctx.viewer.principal().map(|p| p.organizations()).unwrap_or_default() {
        own.push(state.store.get_organization(id).await.map_err(|e| fail(e.into()))?);
    }
    if own.is_empty() && !ctx.viewer.principal().is_some_and(|p| p.is_admin()) {
        return Err(fail(ApiError::Forbidden));
    }
    let all = state
        .store
        .list_organizations(None, PageRequest { page: 1, per_page: 200 })
        .await
        .map_err(|e| fail(e.into()))?
        .items
        .into_iter()
        // The units the applicant acts for lead; they are not offered as their own partners.
        .filter(|o| !own.iter().any(|mine| mine.id == o.id))
        .collect();
    let program = state.store.get_program(challenge.program_id).await.map_err(|e| fail(e.into()))?;
    let joint_slots = (0..program.rules.max_joint_units as usize).collect();
    Ok(ApplicationFormPage {
        ctx,
        challenge,
        application_id,
        own,
        all,
        joint_slots,
        roles: ConsortiumRole::ALL,
        sources: BudgetSource::ALL,
        form,
    })
}

async fn new_application_page(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
) -> Result<ApplicationFormPage, PageError> {
    let (challenge, _) =
        crate::app::access::visible_challenge(&state, &ctx.viewer, id).await.map_err(|e| ctx.fail(e))?;
    ctx.viewer.require().map_err(|e| ctx.fail(e))?;
    // The form is never served while the program takes no applications: the reason is shown
    // instead of a form that would be refused only once filled in.
    let program = state.store.get_program(challenge.program_id).await.map_err(|e| ctx.fail(e))?;
    let today = state.clock.today();
    let intake = program.timeline.intake(program.status, today);
    if !intake.is_open() {
        let why = ctx.t.acct.intake_text(intake, today);
        return Err(ctx.fail(ApiError::Conflict { code: "refused", field: None, message: why }));
    }
    let first = ctx.viewer.principal().and_then(|p| p.organizations().first().copied()).unwrap_or(0);
    let form = FormState::new(vec![("lead_organization_id".into(), first.to_string())], APPLICATION_FIELDS);
    render_application_form(&state, ctx, challenge, None, form).await
}

async fn save_application(
    state: &AppState,
    ctx: Ctx,
    challenge: ChallengeRecord,
    editing: Option<i64>,
    values: Vec<(String, String)>,
) -> Result<Response, PageError> {
    let authed = ctx.viewer.require().map_err(|e| ctx.fail(e))?.clone();
    if authed.principal.organizations().is_empty() && !authed.principal.is_admin() {
        return Err(ctx.fail(ApiError::Forbidden));
    }
    let form = FormState::new(values, APPLICATION_FIELDS);
    let program = state.store.get_program(challenge.program_id).await.map_err(|e| ctx.fail(e))?;
    let result = match application_from_form(&form, &challenge, program.rules.max_joint_units as usize) {
        Err(errors) => Err(ApiError::Invalid(errors)),
        Ok(input) if !authed.principal.can_act_for(input.lead_organization_id) => Err(ApiError::Forbidden),
        Ok(input) => match editing {
            None => state
                .store
                .create_application(challenge.id, &input, authed.user.id, state.clock.today())
                .await
                .map_err(ApiError::from),
            Some(id) => state
                .store
                .update_application(id, &input, authed.user.id, state.clock.today())
                .await
                .map_err(ApiError::from),
        },
    };
    match result {
        Ok(application) => Ok(Redirect::to(&format!("/applications/{}", application.id)).into_response()),
        Err(ApiError::Invalid(errors)) => {
            let form = form.with_errors(errors, ctx.t.lang);
            Ok((StatusCode::UNPROCESSABLE_ENTITY, render_application_form(state, ctx, challenge, editing, form).await?)
                .into_response())
        }
        Err(ApiError::Conflict { field, message, .. }) => {
            let form =
                form.with_errors(vec![jiebang_core::FieldError::new(field.unwrap_or_default(), message)], ctx.t.lang);
            Ok((StatusCode::CONFLICT, render_application_form(state, ctx, challenge, editing, form).await?)
                .into_response())
        }
        Err(e) => Err(ctx.fail(e)),
    }
}

async fn new_application_submit(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
    axum::Form(values): axum::Form<Vec<(String, String)>>,
) -> Result<Response, PageError> {
    let (challenge, _) =
        crate::app::access::visible_challenge(&state, &ctx.viewer, id).await.map_err(|e| ctx.fail(e))?;
    save_application(&state, ctx, challenge, None, values).await
}

async fn edit_application_page(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
) -> Result<ApplicationFormPage, PageError> {
    let (application, standing) = visible_application(&state, &ctx.viewer, id).await.map_err(|e| ctx.fail(e))?;
    if !standing.lead {
        return Err(ctx.fail(ApiError::Forbidden));
    }
    let challenge = state.store.get_challenge(application.challenge_id).await.map_err(|e| ctx.fail(e))?;
    let form = FormState::new(application_values(&application.input), APPLICATION_FIELDS);
    render_application_form(&state, ctx, challenge, Some(id), form).await
}

async fn edit_application_submit(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
    axum::Form(values): axum::Form<Vec<(String, String)>>,
) -> Result<Response, PageError> {
    let (application, standing) = visible_application(&state, &ctx.viewer, id).await.map_err(|e| ctx.fail(e))?;
    if !standing.lead {
        return Err(ctx.fail(ApiError::Forbidden));
    }
    let challenge = state.store.get_challenge(application.challenge_id).await.map_err(|e| ctx.fail(e))?;
    save_application(&state, ctx, challenge, Some(id), values).await
}

/// A unit in an application's consortium table.
struct UnitRow {
    organization: Organization,
    /// 牵头单位, or the joint unit's role.
    role: String,
    work: String,
    /// Its answer, once the application was submitted.
    consent: Option<Consent>,
    /// Why it declined.
    reason: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "application.html")]
struct ApplicationPage {
    ctx: Ctx,
    application: Application,
    challenge: ChallengeRecord,
    program: Program,
    standing: Standing,
    /// The consortium table, lead first.
    units: Vec<UnitRow>,
    /// Joint units the viewer acts for whose place awaits their answer.
    answerable: Vec<Organization>,
    files: Vec<StoredFile>,
    /// The hand actions the viewer may take now.
    actions: Vec<Action>,
    form: Vec<Criterion>,
    /// The viewer's own review, once submitted (experts).
    my_review: Option<jiebang_store::Review>,
    reviews: Vec<ReviewRow>,
    experts: Vec<Expert>,
    /// The application's history, as sentences.
    history: Vec<(String, String)>,
}

impl ApplicationPage {
    fn target(&self, i: &usize) -> String {
        self.challenge
            .challenge
            .indicators
            .get(*i)
            .map(|ind| ind.expr.op.display_symbol().to_owned() + &ind.expr.threshold.to_string())
            .unwrap_or_default()
    }

    fn reviewing(&self) -> bool {
        self.standing.expert.is_some()
            && self.my_review.is_none()
            && self.application.state == ApplicationState::InReview
    }
}

#[derive(Deserialize)]
struct InviteUnitForm {
    #[serde(default)]
    email: String,
    #[serde(default)]
    unit_name: String,
}

/// The lead unit invites a unit not yet on the platform.
async fn invite_unit_submit(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
    axum::Form(form): axum::Form<InviteUnitForm>,
) -> Result<Response, PageError> {
    let result = crate::app::selection::invite_unit(&state, &ctx.viewer, id, &form.email, &form.unit_name).await;
    let done = if state.config.sends_mail { ctx.t.sel.unit_invited } else { ctx.t.sel.unit_invited_no_mail };
    Ok(back(&state, &format!("/applications/{id}"), result, &ctx, done))
}

/// The application as a PDF 申报书.
async fn application_pdf(State(state): State<AppState>, ctx: Ctx, Path(id): Path<i64>) -> Result<Response, PageError> {
    let (name, bytes) =
        crate::app::printing::application_pdf(&state, &ctx.viewer, id).await.map_err(|e| ctx.fail(e))?;
    Ok(download("application/pdf", &name, bytes))
}

/// An attachment, for those who read the application.
async fn attachment_download(
    State(state): State<AppState>,
    ctx: Ctx,
    Path((id, file)): Path<(i64, i64)>,
) -> Result<Response, PageError> {
    let (file, bytes) =
        crate::app::selection::attachment(&state, &ctx.viewer, id, file).await.map_err(|e| ctx.fail(e))?;
    Ok(download("application/pdf", &file.name, bytes))
}

async fn application_page(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
) -> Result<ApplicationPage, PageError> {
    let fail = |e: ApiError| ctx.fail(e);
    let (application, standing) = visible_application(&state, &ctx.viewer, id).await.map_err(fail)?;
    let challenge = state.store.get_challenge(application.challenge_id).await.map_err(|e| fail(e.into()))?;
    let program = state.store.get_program(application.program_id).await.map_err(|e| fail(e.into()))?;
    let places = state.store.consortium_places(id).await.map_err(|e| fail(e.into()))?;
    let place = |org: i64| places.iter().find(|p| p.organization_id == org);
    let lead = application.input.lead_organization_id;
    let mut units = vec![UnitRow {
        organization: state.store.get_organization(lead).await.map_err(|e| fail(e.into()))?,
        role: ctx.t.sel.lead_unit.to_owned(),
        work: application.input.leader.duty.clone(),
        consent: place(lead).map(|p| p.consent),
        reason: String::new(),
    }];
    let mut answerable = Vec::new();
    for unit in &application.input.joint_units {
        let organization = state.store.get_organization(unit.organization_id).await.map_err(|e| fail(e.into()))?;
        let place = place(unit.organization_id);
        let consent = place.map(|p| p.consent);
        if consent == Some(Consent::Pending) && ctx.viewer.principal().is_some_and(|p| p.can_act_for(organization.id)) {
            answerable.push(organization.clone());
        }
        units.push(UnitRow {
            organization,
            role: ctx.label(&unit.role).to_owned(),
            work: unit.work.clone(),
            consent,
            reason: place.map(|p| p.reason.clone()).unwrap_or_default(),
        });
    }
    let files = state.store.application_files(id).await.map_err(|e| fail(e.into()))?;
    let recommendation = program.rules.recommendation_required;
    let actions = Action::MANUAL
        .into_iter()
        .filter(|action| {
            let (actor, allowed) = match action {
                Action::Submit => (jiebang_core::application::Actor::Applicant, standing.lead),
                Action::Recommend | Action::Decline => {
                    (jiebang_core::application::Actor::Recommender, standing.recommender)
                }
                _ => (jiebang_core::application::Actor::Organizer, standing.organizer),
            };
            allowed && application.state.apply(*action, actor, recommendation).is_ok()
        })
        .collect();
    let my_review = match standing.expert {
        Some(expert) => state
            .store
            .application_assignments(id)
            .await
            .map_err(|e| fail(e.into()))?
            .into_iter()
            .find(|a| a.expert_id == expert)
            .and_then(|a| a.review),
        None => None,
    };
    let (reviews, experts, history) = if standing.organizer {
        (
            review_rows(&state, &application).await.map_err(fail)?,
            state.store.list_experts().await.map_err(|e| fail(e.into()))?,
            state.store.list_audit_events(&format!("application:{id}")).await.map_err(|e| fail(e.into()))?,
        )
    } else {
        (Vec::new(), Vec::new(), Vec::new())
    };
    let actors: Vec<i64> = history.iter().filter_map(|e| e.actor_id).collect();
    let names = state.store.user_names(&actors).await.map_err(|e| fail(e.into()))?;
    let history = history.iter().map(|e| (super::cst(&e.at), history_line(&ctx, e, &names, &experts))).collect();
    Ok(ApplicationPage {
        ctx,
        form: program.rules.review_form.clone(),
        application,
        challenge,
        program,
        standing,
        units,
        answerable,
        files,
        actions,
        my_review,
        reviews,
        experts,
        history,
    })
}

/// One event of an application's history as a sentence in the page's language: who did what,
/// with the names and labels people use (专家 王某 提交评审意见，总分 85).
fn history_line(
    ctx: &Ctx,
    event: &AuditEvent,
    names: &std::collections::HashMap<i64, String>,
    experts: &[jiebang_store::Expert],
) -> String {
    let zh = ctx.t.lang == crate::i18n::Lang::Zh;
    // Each sentence is written in both languages; the page's is kept.
    let say = |chinese: String, english: String| if zh { chinese } else { english };
    let platform = if zh { "平台" } else { "The platform" };
    let actor = event.actor_id.and_then(|id| names.get(&id)).map_or(platform, String::as_str);
    let d = &event.details;
    let text = |key: &str| d[key].as_str().unwrap_or_default().to_owned();
    let expert = || {
        let id = d["expert_id"].as_i64();
        experts.iter().find(|x| Some(x.id) == id).map_or_else(|| "—".to_owned(), |x| x.name.clone())
    };
    let reason = text("reason");
    match event.action.as_str() {
        "application.create" => say(format!("{actor} 创建了申报草稿"), format!("{actor} created the draft")),
        "application.update" => say(format!("{actor} 修改了申报书"), format!("{actor} edited the application")),
        "application.attach" => say(format!("{actor} 添加了附件"), format!("{actor} attached a file")),
        "application.joint_accepted" => {
            say(format!("{actor} 代表联合单位确认参加"), format!("{actor} accepted the consortium place"))
        }
        "application.joint_declined" => say(
            format!("{actor} 代表联合单位拒绝参加：{reason}"),
            format!("{actor} declined the consortium place: {reason}"),
        ),
        "review.assign" => {
            say(format!("{actor} 指定专家 {}", expert()), format!("{actor} assigned the expert {}", expert()))
        }
        "review.submit" => {
            let total = d["total"].as_f64().map_or_else(String::new, |t| format!("{t}"));
            let veto = d["veto"].as_str().filter(|v| !v.is_empty());
            let veto = veto.map_or_else(String::new, |v| say(format!("，一票否决：{v}"), format!(", vetoed: {v}")));
            say(
                format!("专家 {} 提交评审意见，总分 {total}{veto}", expert()),
                format!("Expert {} submitted a review, total {total}{veto}", expert()),
            )
        }
        "objection.decide" => {
            let decision = jiebang_core::publicity::Decision::parse("decision", &text("decision"))
                .map(|x| ctx.label(&x))
                .unwrap_or("—");
            say(format!("{actor} 处理异议：{decision}"), format!("{actor} decided an objection: {decision}"))
        }
        other => match other.strip_prefix("application.").map(|name| Action::parse("action", name)) {
            Some(Ok(action)) => {
                let state = |key: &str| ApplicationState::parse(key, &text(key)).map(|s| ctx.label(&s)).unwrap_or("—");
                let (said, from, to) = (ctx.label(&action), state("from"), state("to"));
                let why = if reason.is_empty() {
                    String::new()
                } else {
                    say(format!("，理由：{reason}"), format!("; reason: {reason}"))
                };
                say(format!("{actor}：{said}（{from} → {to}）{why}"), format!("{actor}: {said} ({from} → {to}){why}"))
            }
            _ => format!("{actor}: {other}"),
        },
    }
}

async fn attach_submit(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
    multipart: axum::extract::Multipart,
) -> Result<Response, PageError> {
    let result = crate::app::selection::attach_pdfs(&state, &ctx.viewer, id, multipart).await;
    Ok(back(&state, &format!("/applications/{id}"), result, &ctx, ctx.t.sel.done_attach))
}

#[derive(Deserialize)]
struct PlaceForm {
    organization_id: i64,
    answer: String,
    #[serde(default)]
    reason: String,
}

async fn place_submit(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
    axum::Form(form): axum::Form<PlaceForm>,
) -> Result<Response, PageError> {
    let input =
        PlaceAnswer { organization_id: form.organization_id, accept: form.answer == "accept", reason: form.reason };
    let result = answer(&state, &ctx.viewer, id, &input).await.map(|_| ());
    Ok(back(&state, &format!("/applications/{id}"), result, &ctx, ctx.t.sel.done_place))
}

#[derive(Deserialize)]
struct ActForm {
    action: String,
    #[serde(default)]
    reason: String,
}

async fn act_submit(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
    axum::Form(form): axum::Form<ActForm>,
) -> Result<Response, PageError> {
    let result = async {
        let action = Action::parse("action", &form.action).map_err(jiebang_core::Error::from)?;
        take_action(&state, &ctx.viewer, id, action, &form.reason).await?;
        Ok(())
    }
    .await;
    Ok(back(&state, &format!("/applications/{id}"), result, &ctx, ctx.t.sel.done_act))
}

async fn review_submit(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
    axum::Form(values): axum::Form<Vec<(String, String)>>,
) -> Result<Response, PageError> {
    let result = async {
        let (application, standing) = visible_application(&state, &ctx.viewer, id).await?;
        let expert = standing.expert.ok_or(ApiError::Forbidden)?;
        let program = state.store.get_program(application.program_id).await?;
        let form = FormState::new(values, &[]);
        let mut errors = Vec::new();
        let scores = (0..program.rules.review_form.len())
            .map(|i| {
                super::form::optional_number::<f64>(
                    form.get(&format!("score_{i}")),
                    &format!("scores[{i}]"),
                    &mut errors,
                )
                .unwrap_or(f64::NAN)
            })
            .collect();
        if !errors.is_empty() {
            return Err(ApiError::Invalid(errors));
        }
        let veto = Some(form.get("veto").to_owned()).filter(|v| !v.trim().is_empty());
        state
            .store
            .submit_review(id, expert, &ReviewInput { scores, comment: form.get("comment").into(), veto })
            .await?;
        Ok(())
    }
    .await;
    Ok(back(&state, &format!("/applications/{id}"), result, &ctx, ctx.t.sel.done_review))
}

#[derive(Deserialize)]
struct ConflictForm {
    reason: String,
}

async fn conflict_submit(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
    axum::Form(form): axum::Form<ConflictForm>,
) -> Result<Response, PageError> {
    let result = async {
        let (_, standing) = visible_application(&state, &ctx.viewer, id).await?;
        let expert = standing.expert.ok_or(ApiError::Forbidden)?;
        state.store.declare_conflict(expert, id, &form.reason, ctx.viewer.require()?.user.id).await?;
        Ok(())
    }
    .await;
    match result {
        Ok(()) => Ok(crate::http::done(&state.signer, "/reviews", ctx.t.sel.done_conflict)),
        Err(e) => Ok(refused(&state, &format!("/applications/{id}"), e, &ctx)),
    }
}

#[derive(Deserialize)]
struct AssignForm {
    expert_id: i64,
}

async fn assign_submit(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
    axum::Form(form): axum::Form<AssignForm>,
) -> Result<Response, PageError> {
    let result = async {
        let (_, standing) = visible_application(&state, &ctx.viewer, id).await?;
        if !standing.organizer {
            return Err(ApiError::Forbidden);
        }
        state.store.assign_expert(id, form.expert_id, ctx.viewer.require()?.user.id).await?;
        Ok(())
    }
    .await;
    Ok(back(&state, &format!("/applications/{id}"), result, &ctx, ctx.t.sel.done_assign))
}

#[derive(Template, WebTemplate)]
#[template(path = "reviews.html")]
struct ReviewsPage {
    ctx: Ctx,
    expert: Option<Expert>,
    /// (assignment, application) pairs, newest first.
    rows: Vec<(jiebang_store::Assignment, Application)>,
    /// Programs where the expert's account also applies: (id, title, the declaration if made).
    dual_roles: Vec<(i64, String, Option<DualRole>)>,
}

async fn reviews_page(State(state): State<AppState>, ctx: Ctx) -> Result<ReviewsPage, PageError> {
    let fail = |e: ApiError| ctx.fail(e);
    let user = ctx.viewer.require().map_err(fail)?.user.id;
    let expert = state.store.expert_for_user(user).await.map_err(|e| fail(e.into()))?;
    let mut rows = Vec::new();
    let mut dual_roles = Vec::new();
    if let Some(expert) = &expert {
        dual_roles = state.store.dual_roles_of(expert.id).await.map_err(|e| fail(e.into()))?;
        for assignment in state.store.expert_assignments(expert.id).await.map_err(|e| fail(e.into()))? {
            let application =
                state.store.get_application(assignment.application_id).await.map_err(|e| fail(e.into()))?;
            rows.push((assignment, application));
        }
    }
    Ok(ReviewsPage { ctx, expert, rows, dual_roles })
}

#[derive(Deserialize)]
struct DualRoleForm {
    statement: String,
}

async fn dual_role_submit(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
    axum::Form(form): axum::Form<DualRoleForm>,
) -> Result<Response, PageError> {
    let result = declare_dual_role_as(&state, &ctx.viewer, id, &form.statement).await;
    Ok(back(&state, "/reviews", result, &ctx, ctx.t.sel.done_dual_role))
}

#[derive(Template, WebTemplate)]
#[template(path = "inbox.html")]
struct InboxPage {
    ctx: Ctx,
    notifications: Vec<Notification>,
}

async fn inbox_page(State(state): State<AppState>, ctx: Ctx) -> Result<InboxPage, PageError> {
    let user = ctx.viewer.require().map_err(|e| ctx.fail(e))?.user.id;
    let notifications = state.store.list_notifications(user, 100).await.map_err(|e| ctx.fail(e))?;
    state.store.mark_notifications_read(user).await.map_err(|e| ctx.fail(e))?;
    Ok(InboxPage { ctx, notifications })
}
