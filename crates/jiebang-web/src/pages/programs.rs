//! Program and challenge pages: the public list with filters and charts, the organizer's forms,
//! lifecycle buttons, and spreadsheet import.

use std::collections::BTreeMap;

use askama::Template;
use askama_web::WebTemplate;
use axum::Router;
use axum::extract::{Multipart, Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use jiebang_core::FieldError;
use jiebang_core::challenge::{ChallengeInput, TaskClass};
use jiebang_core::indicator::{Direction, IndicatorInput, Weighting};
use jiebang_core::industry::{INDUSTRIES, IndustryCode};
use jiebang_core::program::{Aggregation, Day, ProgramInput, ProgramStatus, Rules, Timeline};
use jiebang_sheets::{RowError, SheetError};
use jiebang_store::{ChallengeRecord, PageRequest, Program};
use serde::Deserialize;

use super::form::{FormState, optional_number};
use super::{Ctx, PageError, filters};
use crate::AppState;
use crate::app::access::{managed_challenge, visible_program};
use crate::app::programs::ChallengeQuery;
use crate::error::ApiError;
use crate::http::read_upload;
use crate::i18n::Catalog;

pub(super) fn routes() -> Router<AppState> {
    Router::new()
        .route("/programs/new", get(new_program_page).post(new_program_submit))
        .route("/programs/{id}", get(program_page))
        .route("/programs/{id}/edit", get(edit_program_page).post(edit_program_submit))
        .route("/programs/{id}/transition", post(transition_submit))
        .route("/programs/{id}/challenges/new", get(new_challenge_page).post(new_challenge_submit))
        .route("/programs/{id}/import", get(import_page).post(import_submit))
        .route("/challenges/indicator-row", get(indicator_row))
        .route("/challenges/{id}", get(challenge_page))
        .route("/challenges/{id}/edit", get(edit_challenge_page).post(edit_challenge_submit))
        .route("/challenges/{id}/delete", post(delete_challenge_submit))
        .route("/challenges/{id}/archive", post(archive_challenge_submit))
}

/// One bar of a chart.
struct Bar {
    label: String,
    count: usize,
    percent: usize,
}

fn bars(counts: BTreeMap<String, usize>) -> Vec<Bar> {
    let max = counts.values().copied().max().unwrap_or(1).max(1);
    let mut bars: Vec<Bar> =
        counts.into_iter().map(|(label, count)| Bar { label, count, percent: (count * 100).div_ceil(max) }).collect();
    bars.sort_by(|a, b| b.count.cmp(&a.count).then_with(|| a.label.cmp(&b.label)));
    bars
}

#[derive(Deserialize, Default)]
struct ProgramQuery {
    #[serde(flatten)]
    filter: ChallengeQueryText,
    page: Option<u32>,
}

/// The filter values as typed, echoed back into the form.
#[derive(Deserialize, Default, Clone)]
struct ChallengeQueryText {
    #[serde(default)]
    industry: String,
    #[serde(default)]
    region: String,
    #[serde(default)]
    direction: String,
    #[serde(default)]
    q: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "program.html")]
struct ProgramPage {
    ctx: Ctx,
    program: Program,
    can_manage: bool,
    timeline: Vec<(&'static str, String)>,
    challenges: Vec<ChallengeRecord>,
    total: i64,
    query: ChallengeQueryText,
    industry_options: Vec<(&'static str, &'static str)>,
    region_options: Vec<(&'static str, &'static str)>,
    directions: Vec<String>,
    by_industry: Vec<Bar>,
    by_region: Vec<Bar>,
    prev_url: Option<String>,
    next_url: Option<String>,
    /// A 公示 (or the final list) has been published: link to it.
    has_notice: bool,
}

const PER_PAGE: u32 = 50;

async fn program_page(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
    Query(query): Query<ProgramQuery>,
) -> Result<ProgramPage, PageError> {
    let program = visible_program(&state, &ctx.viewer, id).await.map_err(|e| ctx.fail(e))?;
    let text = query.filter.clone();
    let filter = ChallengeQuery {
        industry: Some(text.industry.clone()),
        region: Some(text.region.clone()),
        direction: Some(text.direction.clone()),
        q: Some(text.q.clone()),
    }
    .filter()
    .map_err(|e| ctx.fail(e))?;
    let page = query.page.unwrap_or(1).max(1);
    let listed = state
        .store
        .list_challenges(id, &filter, PageRequest { page, per_page: PER_PAGE })
        .await
        .map_err(|e| ctx.fail(e))?;
    // The charts and filter choices describe the whole list, not the filtered page.
    let everything = state.store.all_challenges(id).await.map_err(|e| ctx.fail(e))?;
    let t = ctx.t;
    let mut industry_counts = BTreeMap::new();
    let mut region_counts = BTreeMap::new();
    let mut industry_options = BTreeMap::new();
    let mut region_options = BTreeMap::new();
    for record in &everything {
        for industry in &record.challenge.industries {
            *industry_counts.entry(t.industry(industry).to_owned()).or_insert(0) += 1;
            industry_options.insert(industry.code(), t.industry(industry));
        }
        let city = record.challenge.region.map(|r| r.region().city().unwrap_or(r.region()));
        *region_counts.entry(city.map_or(t.unspecified, |c| t.region(c)).to_owned()).or_insert(0) += 1;
        if let Some(city) = city {
            region_options.insert(city.code, t.region(city));
        }
    }
    let directions: std::collections::BTreeSet<String> =
        everything.iter().map(|r| r.challenge.direction.clone()).collect();
    let page_url = |n: u32| {
        let q = &text;
        format!(
            "/programs/{id}?industry={}&region={}&direction={}&q={}&page={n}",
            crate::http::urlencode(&q.industry),
            crate::http::urlencode(&q.region),
            crate::http::urlencode(&q.direction),
            crate::http::urlencode(&q.q)
        )
    };
    let timeline = [
        (t.opens_on, program.timeline.opens_on),
        (t.applicant_deadline, program.timeline.applicant_deadline),
        (t.recommender_deadline, program.timeline.recommender_deadline),
        (t.review_by, program.timeline.review_by),
        (t.announce_by, program.timeline.announce_by),
    ]
    .into_iter()
    .filter_map(|(label, day)| day.map(|d| (label, d.to_string())))
    .collect();
    let has_notice = state.store.latest_publicity(id).await.map_err(|e| ctx.fail(e))?.is_some();
    Ok(ProgramPage {
        has_notice,
        can_manage: ctx.viewer.principal().is_some_and(|p| p.can_manage_program(id)),
        timeline,
        total: listed.total,
        prev_url: (page > 1).then(|| page_url(page - 1)),
        next_url: (i64::from(page * PER_PAGE) < listed.total).then(|| page_url(page + 1)),
        challenges: listed.items,
        query: text,
        industry_options: industry_options.into_iter().collect(),
        region_options: region_options.into_iter().collect(),
        directions: directions.into_iter().collect(),
        by_industry: bars(industry_counts),
        by_region: bars(region_counts),
        program,
        ctx,
    })
}

#[derive(Template, WebTemplate)]
#[template(path = "program_form.html")]
struct ProgramFormPage {
    ctx: Ctx,
    heading: String,
    action: String,
    cancel_url: String,
    form: FormState,
    aggregations: &'static [Aggregation],
    date_fields: Vec<(&'static str, &'static str, String)>,
}

const PROGRAM_FIELDS: &[&str] = &[
    "title",
    "issuer",
    "year",
    "description",
    "rules.max_joint_units",
    "rules.max_applications_per_org",
    "rules.publicity_working_days",
    "rules.recommendation_quota",
    "rules.experts_per_application",
    "rules.selection_quota",
    "rules.potential_per_challenge",
    "timeline.opens_on",
    "timeline.applicant_deadline",
    "timeline.recommender_deadline",
    "timeline.review_by",
    "timeline.announce_by",
];
const DATE_FIELDS: [&str; 5] = ["opens_on", "applicant_deadline", "recommender_deadline", "review_by", "announce_by"];

fn program_form_page(
    ctx: Ctx,
    heading: String,
    action: String,
    cancel_url: String,
    form: FormState,
) -> ProgramFormPage {
    let t = ctx.t;
    let labels = [t.opens_on, t.applicant_deadline, t.recommender_deadline, t.review_by, t.announce_by];
    let date_fields =
        DATE_FIELDS.iter().zip(labels).map(|(name, label)| (*name, label, format!("timeline.{name}"))).collect();
    ProgramFormPage { ctx, heading, action, cancel_url, form, aggregations: Aggregation::ALL, date_fields }
}

fn program_values(input: &ProgramInput) -> Vec<(String, String)> {
    let r = &input.rules;
    let tl = &input.timeline;
    let mut values = vec![
        ("title".into(), input.title.clone()),
        ("issuer".into(), input.issuer.clone()),
        ("year".into(), input.year.to_string()),
        ("description".into(), input.description.clone()),
        ("max_joint_units".into(), r.max_joint_units.to_string()),
        ("max_applications_per_org".into(), r.max_applications_per_org.to_string()),
        ("publicity_working_days".into(), r.publicity_working_days.to_string()),
        ("recommendation_quota".into(), r.recommendation_quota.to_string()),
        ("experts_per_application".into(), r.experts_per_application.to_string()),
        ("selection_quota".into(), r.selection_quota.to_string()),
        ("potential_per_challenge".into(), r.potential_per_challenge.to_string()),
        ("aggregation".into(), r.aggregation.as_str().into()),
    ];
    if r.potential_projects {
        values.push(("potential_projects".into(), "1".into()));
    }
    if r.recommendation_required {
        values.push(("recommendation_required".into(), "1".into()));
    }
    if r.exclude_previous_winners {
        values.push(("exclude_previous_winners".into(), "1".into()));
    }
    for (name, day) in DATE_FIELDS.iter().zip([
        tl.opens_on,
        tl.applicant_deadline,
        tl.recommender_deadline,
        tl.review_by,
        tl.announce_by,
    ]) {
        values.push(((*name).into(), day.map(|d| d.to_string()).unwrap_or_default()));
    }
    values
}

/// The program a form describes, or the problems it has.
fn program_from_form(form: &FormState, base: &Rules) -> Result<ProgramInput, Vec<FieldError>> {
    let mut errors = Vec::new();
    let defaults = base.clone();
    let year = optional_number::<i32>(form.get("year"), "year", &mut errors).unwrap_or(0);
    let rules = Rules {
        max_joint_units: optional_number(form.get("max_joint_units"), "rules.max_joint_units", &mut errors)
            .unwrap_or(defaults.max_joint_units),
        max_applications_per_org: optional_number(
            form.get("max_applications_per_org"),
            "rules.max_applications_per_org",
            &mut errors,
        )
        .unwrap_or(defaults.max_applications_per_org),
        publicity_working_days: optional_number(
            form.get("publicity_working_days"),
            "rules.publicity_working_days",
            &mut errors,
        )
        .unwrap_or(defaults.publicity_working_days),
        aggregation: match form.get("aggregation") {
            "trimmed_mean" => Aggregation::TrimmedMean,
            "median" => Aggregation::Median,
            _ => Aggregation::Mean,
        },
        recommendation_required: form.checked("recommendation_required"),
        exclude_previous_winners: form.checked("exclude_previous_winners"),
        recommendation_quota: optional_number(
            form.get("recommendation_quota"),
            "rules.recommendation_quota",
            &mut errors,
        )
        .unwrap_or(defaults.recommendation_quota),
        experts_per_application: optional_number(
            form.get("experts_per_application"),
            "rules.experts_per_application",
            &mut errors,
        )
        .unwrap_or(defaults.experts_per_application),
        selection_quota: optional_number(form.get("selection_quota"), "rules.selection_quota", &mut errors)
            .unwrap_or(defaults.selection_quota),
        potential_per_challenge: optional_number(
            form.get("potential_per_challenge"),
            "rules.potential_per_challenge",
            &mut errors,
        )
        .unwrap_or(defaults.potential_per_challenge),
        potential_projects: form.checked("potential_projects"),
        ..defaults.clone()
    };
    let mut day = |name: &str| {
        let text = form.get(name).trim();
        if text.is_empty() {
            return None;
        }
        Day::parse(&format!("timeline.{name}"), text).map_err(|e| errors.push(e)).ok()
    };
    let timeline = Timeline {
        opens_on: day("opens_on"),
        applicant_deadline: day("applicant_deadline"),
        recommender_deadline: day("recommender_deadline"),
        review_by: day("review_by"),
        announce_by: day("announce_by"),
    };
    let input = ProgramInput {
        title: form.get("title").into(),
        issuer: form.get("issuer").into(),
        year,
        description: form.get("description").into(),
        rules,
        timeline,
    };
    if !errors.is_empty() {
        // Report the domain's findings too, so every problem shows at once.
        if let Err(domain) = input.clone().validate() {
            errors.extend(domain.field_errors().iter().filter(|e| e.field != "year").cloned());
        }
        return Err(errors);
    }
    input.validate().map_err(|e| e.field_errors().to_vec())
}

async fn new_program_page(ctx: Ctx) -> Result<ProgramFormPage, PageError> {
    ctx.viewer.require_that(|p| p.can_create_program()).map_err(|e| ctx.fail(e))?;
    let year = time::OffsetDateTime::now_utc().year();
    let input = ProgramInput {
        title: String::new(),
        issuer: String::new(),
        year,
        description: String::new(),
        rules: Rules::default(),
        timeline: Timeline::default(),
    };
    let form = FormState::new(program_values(&input), PROGRAM_FIELDS);
    Ok(program_form_page(ctx.clone(), ctx.t.new_program.into(), "/programs/new".into(), "/".into(), form))
}

async fn new_program_submit(
    State(state): State<AppState>,
    ctx: Ctx,
    axum::Form(values): axum::Form<Vec<(String, String)>>,
) -> Result<Response, PageError> {
    let authed = ctx.viewer.require_that(|p| p.can_create_program()).map_err(|e| ctx.fail(e))?.clone();
    let form = FormState::new(values, PROGRAM_FIELDS);
    match program_from_form(&form, &Rules::default()) {
        Ok(input) => {
            let program =
                state.store.create_program(input, Some(authed.user.id), false).await.map_err(|e| ctx.fail(e))?;
            Ok(crate::http::done(&state.signer, &format!("/programs/{}", program.id), ctx.t.done_program_created))
        }
        Err(errors) => {
            let page = program_form_page(
                ctx.clone(),
                ctx.t.new_program.into(),
                "/programs/new".into(),
                "/".into(),
                form.with_errors(errors, ctx.t.lang),
            );
            Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response())
        }
    }
}

async fn edit_program_page(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
) -> Result<ProgramFormPage, PageError> {
    let program = visible_program(&state, &ctx.viewer, id).await.map_err(|e| ctx.fail(e))?;
    ctx.viewer.require_that(|p| p.can_manage_program(id)).map_err(|e| ctx.fail(e))?;
    let input = ProgramInput {
        title: program.title.clone(),
        issuer: program.issuer,
        year: program.year,
        description: program.description,
        rules: program.rules,
        timeline: program.timeline,
    };
    let form = FormState::new(program_values(&input), PROGRAM_FIELDS);
    Ok(program_form_page(
        ctx.clone(),
        format!("{} · {}", ctx.t.edit, program.title),
        format!("/programs/{id}/edit"),
        format!("/programs/{id}"),
        form,
    ))
}

async fn edit_program_submit(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
    axum::Form(values): axum::Form<Vec<(String, String)>>,
) -> Result<Response, PageError> {
    let program = visible_program(&state, &ctx.viewer, id).await.map_err(|e| ctx.fail(e))?;
    let authed = ctx.viewer.require_that(|p| p.can_manage_program(id)).map_err(|e| ctx.fail(e))?.clone();
    let form = FormState::new(values, PROGRAM_FIELDS);
    match program_from_form(&form, &program.rules) {
        Ok(input) => {
            state.store.update_program(id, input, Some(authed.user.id)).await.map_err(|e| ctx.fail(e))?;
            Ok(crate::http::done(&state.signer, &format!("/programs/{id}"), ctx.t.done_saved))
        }
        Err(errors) => {
            let heading = format!("{} · {}", ctx.t.edit, program.title);
            let page = program_form_page(
                ctx.clone(),
                heading,
                format!("/programs/{id}/edit"),
                format!("/programs/{id}"),
                form.with_errors(errors, ctx.t.lang),
            );
            Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response())
        }
    }
}

#[derive(Deserialize)]
struct TransitionForm {
    to: String,
}

async fn transition_submit(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
    axum::Form(form): axum::Form<TransitionForm>,
) -> Result<Response, PageError> {
    visible_program(&state, &ctx.viewer, id).await.map_err(|e| ctx.fail(e))?;
    let authed = ctx.viewer.require_that(|p| p.can_manage_program(id)).map_err(|e| ctx.fail(e))?;
    let to = ProgramStatus::parse("to", &form.to).map_err(|e| ctx.fail(jiebang_core::Error::from(e)))?;
    state.store.transition_program(id, to, Some(authed.user.id)).await.map_err(|e| ctx.fail(e))?;
    Ok(crate::http::done(&state.signer, &format!("/programs/{id}"), ctx.t.done_transition))
}

#[derive(Template, WebTemplate)]
#[template(path = "challenge.html")]
struct ChallengePage {
    ctx: Ctx,
    program: Program,
    record: ChallengeRecord,
    sections: Vec<(&'static str, String)>,
    can_manage: bool,
    phases: Vec<jiebang_store::Phase>,
    /// The cards of its dataset versions.
    cards: Vec<jiebang_store::DatasetCardRecord>,
    /// Whether applications are taken today, in words.
    intake_text: String,
    /// What the visitor may do about it; `None` when applications are not taken.
    apply: Option<Apply>,
}

/// What a challenge page offers a visitor while its program takes applications.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Apply {
    /// 我要揭榜: the visitor acts for a unit.
    Button,
    /// Sign in (or sign up) first.
    SignIn,
    /// Register a unit first.
    RegisterUnit,
}

async fn challenge_page(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
) -> Result<ChallengePage, PageError> {
    let record = state.store.get_challenge(id).await.map_err(|e| ctx.fail(e))?;
    let program = visible_program(&state, &ctx.viewer, record.program_id).await.map_err(|e| ctx.fail(e))?;
    let c = &record.challenge;
    let t = ctx.t;
    let sections = [
        (t.scenario, &c.scenario),
        (t.background, &c.background),
        (t.objectives, &c.objectives),
        (t.deliverables, &c.deliverables),
    ]
    .into_iter()
    .filter(|(_, text)| !text.is_empty())
    .map(|(label, text)| (label, text.clone()))
    .collect();
    let phases = state.store.list_phases(id).await.map_err(|e| ctx.fail(e))?;
    let cards = state.store.challenge_dataset_cards(id).await.map_err(|e| ctx.fail(e))?;
    let today = state.clock.today();
    let intake = program.timeline.intake(program.status, today);
    let apply = (intake.is_open() && record.archived_at.is_none()).then(|| match ctx.viewer.principal() {
        None => Apply::SignIn,
        Some(p) if !p.organizations().is_empty() || p.is_admin() => Apply::Button,
        Some(_) => Apply::RegisterUnit,
    });
    Ok(ChallengePage {
        intake_text: ctx.t.acct.intake_text(intake, today),
        apply,
        phases,
        cards,
        can_manage: ctx.viewer.principal().is_some_and(|p| p.can_manage_program(program.id)),
        program,
        record,
        sections,
        ctx,
    })
}

/// One indicator row of the challenge form, as typed.
#[derive(Debug, Default, Clone)]
struct IndicatorRow {
    name: String,
    metric: String,
    op: String,
    threshold: String,
    unit: String,
    test_method: String,
    kind: String,
    weight: String,
    error: String,
}

impl IndicatorRow {
    fn is_blank(&self) -> bool {
        [&self.name, &self.metric, &self.threshold, &self.unit, &self.test_method, &self.weight]
            .iter()
            .all(|v| v.trim().is_empty())
    }
}

const OPS: [&str; 5] = [">=", "<=", ">", "<", "="];

#[derive(Template, WebTemplate)]
#[template(path = "indicator_row.html")]
struct IndicatorRowFragment {
    ctx: Ctx,
    row: IndicatorRow,
    ops: [&'static str; 5],
}

async fn indicator_row(ctx: Ctx) -> IndicatorRowFragment {
    IndicatorRowFragment { ctx, row: IndicatorRow { kind: "hard".into(), ..Default::default() }, ops: OPS }
}

#[derive(Template, WebTemplate)]
#[template(path = "challenge_form.html")]
struct ChallengeFormPage {
    ctx: Ctx,
    program: Program,
    heading: String,
    action: String,
    cancel_url: String,
    form: FormState,
    rows: Vec<IndicatorRow>,
    ops: [&'static str; 5],
    task_classes: &'static [TaskClass],
    directions: Vec<String>,
    industry_options: Vec<(&'static str, &'static str)>,
    region_options: Vec<(&'static str, String)>,
    text_fields: Vec<(&'static str, &'static str, ())>,
}

const CHALLENGE_FIELDS: &[&str] = &[
    "code",
    "task_class",
    "title",
    "direction",
    "sub_field",
    "industries",
    "region",
    "indicators",
    "scenario",
    "background",
    "objectives",
    "deliverables",
    "period_months",
    "winners",
];

struct ChallengeFormSpec {
    program: Program,
    heading: String,
    action: String,
    cancel_url: String,
}

impl ChallengeFormSpec {
    fn new_challenge(program: Program, t: &Catalog) -> Self {
        let id = program.id;
        Self {
            heading: t.new_challenge.into(),
            action: format!("/programs/{id}/challenges/new"),
            cancel_url: format!("/programs/{id}"),
            program,
        }
    }

    fn edit(program: Program, record: &ChallengeRecord, t: &Catalog) -> Self {
        let id = record.id;
        Self {
            heading: format!("{} · {}", t.edit, record.challenge.title),
            action: format!("/challenges/{id}/edit"),
            cancel_url: format!("/challenges/{id}"),
            program,
        }
    }
}

async fn render_challenge_form(
    state: &AppState,
    ctx: Ctx,
    spec: ChallengeFormSpec,
    form: FormState,
    mut rows: Vec<IndicatorRow>,
) -> Result<ChallengeFormPage, PageError> {
    let directions = state.store.list_directions(spec.program.id).await.map_err(|e| ctx.fail(e))?;
    // A spare blank row, so more indicators can be added without JavaScript.
    rows.push(IndicatorRow { kind: "hard".into(), op: ">=".into(), ..Default::default() });
    let t = ctx.t;
    Ok(ChallengeFormPage {
        industry_options: INDUSTRIES
            .iter()
            .filter_map(|i| IndustryCode::parse(i.code).ok())
            .map(|i| (i.code(), t.industry(&i)))
            .collect(),
        region_options: ctx.region_options(),
        text_fields: vec![
            ("scenario", t.scenario, ()),
            ("background", t.background, ()),
            ("objectives", t.objectives, ()),
            ("deliverables", t.deliverables, ()),
        ],
        program: spec.program,
        heading: spec.heading,
        action: spec.action,
        cancel_url: spec.cancel_url,
        form,
        rows,
        ops: OPS,
        task_classes: TaskClass::ALL,
        directions,
        ctx,
    })
}

fn challenge_values(input: &ChallengeInput) -> (Vec<(String, String)>, Vec<IndicatorRow>) {
    let mut values = vec![
        ("code".to_owned(), input.code.clone()),
        ("title".into(), input.title.clone()),
        ("direction".into(), input.direction.clone()),
        ("sub_field".into(), input.sub_field.clone()),
        ("task_class".into(), input.task_class.clone()),
        ("region".into(), input.region.clone()),
        ("scenario".into(), input.scenario.clone()),
        ("background".into(), input.background.clone()),
        ("objectives".into(), input.objectives.clone()),
        ("deliverables".into(), input.deliverables.clone()),
        ("period_months".into(), input.period_months.map(|n| n.to_string()).unwrap_or_default()),
        ("support".into(), input.support.clone()),
        ("winners".into(), input.winners.map(|n| n.to_string()).unwrap_or_default()),
    ];
    values.extend(input.industries.iter().map(|i| ("industries".to_owned(), i.clone())));
    let rows = input
        .indicators
        .iter()
        .map(|i| IndicatorRow {
            name: i.name.clone(),
            metric: i.metric.clone(),
            op: i.op.clone(),
            threshold: i.threshold.map(|t| t.to_string()).unwrap_or_default(),
            unit: i.unit.clone(),
            test_method: i.test_method.clone(),
            kind: if i.hard { "hard".into() } else { "scored".into() },
            weight: i.weight.map(|w| w.to_string()).unwrap_or_default(),
            error: String::new(),
        })
        .collect();
    (values, rows)
}

/// The challenge a form describes; the rows come back with their errors attached.
fn challenge_from_form(
    form: &FormState,
    lang: crate::i18n::Lang,
) -> (Result<jiebang_core::challenge::Challenge, Vec<FieldError>>, Vec<IndicatorRow>) {
    let column = |name: &str| form.all(name);
    let (names, metrics, ops, thresholds) =
        (column("ind_name"), column("ind_metric"), column("ind_op"), column("ind_threshold"));
    let (units, methods, kinds, weights) =
        (column("ind_unit"), column("ind_test_method"), column("ind_kind"), column("ind_weight"));
    let cell = |values: &[&str], i: usize| values.get(i).copied().unwrap_or("").to_owned();
    let mut rows: Vec<IndicatorRow> = (0..names.len())
        .map(|i| IndicatorRow {
            name: cell(&names, i),
            metric: cell(&metrics, i),
            op: cell(&ops, i),
            threshold: cell(&thresholds, i),
            unit: cell(&units, i),
            test_method: cell(&methods, i),
            kind: cell(&kinds, i),
            weight: cell(&weights, i),
            error: String::new(),
        })
        .filter(|row| !row.is_blank())
        .collect();
    let mut errors = Vec::new();
    let indicators = rows
        .iter()
        .enumerate()
        .map(|(i, row)| IndicatorInput {
            name: row.name.clone(),
            metric: row.metric.clone(),
            op: row.op.clone(),
            threshold: optional_number(&row.threshold, &format!("indicators[{i}].threshold"), &mut errors),
            unit: row.unit.clone(),
            test_method: row.test_method.clone(),
            hard: row.kind != "scored",
            weight: optional_number(&row.weight, &format!("indicators[{i}].weight"), &mut errors),
        })
        .collect();
    let input = ChallengeInput {
        code: form.get("code").into(),
        title: form.get("title").into(),
        direction: form.get("direction").into(),
        sub_field: form.get("sub_field").into(),
        task_class: form.get("task_class").into(),
        industries: form.all("industries").into_iter().map(str::to_owned).collect(),
        region: form.get("region").into(),
        scenario: form.get("scenario").into(),
        background: form.get("background").into(),
        objectives: form.get("objectives").into(),
        indicators,
        deliverables: form.get("deliverables").into(),
        period_months: optional_number(form.get("period_months"), "period_months", &mut errors),
        support: form.get("support").into(),
        winners: optional_number(form.get("winners"), "winners", &mut errors),
    };
    let result = match input.validate() {
        Ok(challenge) if errors.is_empty() => Ok(challenge),
        Ok(_) => Err(errors),
        Err(domain) => {
            // A number that did not parse is already reported; its "missing" echo is not news.
            let reported: Vec<String> = errors.iter().map(|e| e.field.clone()).collect();
            errors.extend(domain.field_errors().iter().filter(|e| !reported.contains(&e.field)).cloned());
            Err(errors)
        }
    };
    if let Err(errors) = &result {
        for error in errors {
            if let Some(i) = error
                .field
                .strip_prefix("indicators[")
                .and_then(|rest| rest.split(']').next())
                .and_then(|n| n.parse::<usize>().ok())
                && let Some(row) = rows.get_mut(i)
            {
                let field = error.field.split("].").nth(1).unwrap_or("");
                if !row.error.is_empty() {
                    row.error.push_str(if lang == crate::i18n::Lang::Zh { "；" } else { "; " });
                }
                row.error.push_str(&lang.field_error(&FieldError::new(field, error.message.clone())));
            }
        }
    }
    (result, rows)
}

async fn new_challenge_page(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
) -> Result<ChallengeFormPage, PageError> {
    let program = visible_program(&state, &ctx.viewer, id).await.map_err(|e| ctx.fail(e))?;
    ctx.viewer.require_that(|p| p.can_manage_program(id)).map_err(|e| ctx.fail(e))?;
    let input = ChallengeInput {
        task_class: TaskClass::Demonstration.as_str().into(),
        period_months: Some(24),
        winners: Some(1),
        ..Default::default()
    };
    let (values, rows) = challenge_values(&input);
    let spec = ChallengeFormSpec::new_challenge(program, ctx.t);
    render_challenge_form(&state, ctx, spec, FormState::new(values, CHALLENGE_FIELDS), rows).await
}

async fn new_challenge_submit(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
    axum::Form(values): axum::Form<Vec<(String, String)>>,
) -> Result<Response, PageError> {
    let program = visible_program(&state, &ctx.viewer, id).await.map_err(|e| ctx.fail(e))?;
    let user_id = ctx.viewer.require_that(|p| p.can_manage_program(id)).map_err(|e| ctx.fail(e))?.user.id;
    let spec = ChallengeFormSpec::new_challenge(program, ctx.t);
    let store = state.store.clone();
    save_challenge_form(&state, ctx, spec, values, async move |challenge| {
        store.create_challenge(id, &challenge, Some(user_id)).await.map(|r| r.id)
    })
    .await
}

/// Validates a submitted challenge form and saves it with `save`; a refused form comes back
/// with its errors (422), a saved one redirects to the challenge.
async fn save_challenge_form(
    state: &AppState,
    ctx: Ctx,
    spec: ChallengeFormSpec,
    values: Vec<(String, String)>,
    save: impl AsyncFnOnce(jiebang_core::challenge::Challenge) -> Result<i64, jiebang_store::StoreError>,
) -> Result<Response, PageError> {
    let form = FormState::new(values, CHALLENGE_FIELDS);
    let (result, rows) = challenge_from_form(&form, ctx.t.lang);
    let saved = match result {
        Ok(challenge) => save(challenge).await.map_err(ApiError::from),
        Err(errors) => Err(ApiError::Invalid(errors)),
    };
    match saved {
        Ok(id) => Ok(crate::http::done(&state.signer, &format!("/challenges/{id}"), ctx.t.done_saved)),
        Err(error) if !error.field_errors().is_empty() => {
            let form = form.with_errors(error.field_errors(), ctx.t.lang);
            let page = render_challenge_form(state, ctx, spec, form, rows).await?;
            Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response())
        }
        Err(error) => Err(ctx.fail(error)),
    }
}

async fn edit_challenge_page(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
) -> Result<ChallengeFormPage, PageError> {
    let record = state.store.get_challenge(id).await.map_err(|e| ctx.fail(e))?;
    let program = visible_program(&state, &ctx.viewer, record.program_id).await.map_err(|e| ctx.fail(e))?;
    ctx.viewer.require_that(|p| p.can_manage_program(program.id)).map_err(|e| ctx.fail(e))?;
    let (values, rows) = challenge_values(&ChallengeInput::from(&record.challenge));
    let spec = ChallengeFormSpec::edit(program, &record, ctx.t);
    render_challenge_form(&state, ctx, spec, FormState::new(values, CHALLENGE_FIELDS), rows).await
}

async fn edit_challenge_submit(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
    axum::Form(values): axum::Form<Vec<(String, String)>>,
) -> Result<Response, PageError> {
    let record = state.store.get_challenge(id).await.map_err(|e| ctx.fail(e))?;
    let program = visible_program(&state, &ctx.viewer, record.program_id).await.map_err(|e| ctx.fail(e))?;
    let user_id = ctx.viewer.require_that(|p| p.can_manage_program(program.id)).map_err(|e| ctx.fail(e))?.user.id;
    let spec = ChallengeFormSpec::edit(program, &record, ctx.t);
    let store = state.store.clone();
    save_challenge_form(&state, ctx, spec, values, async move |challenge| {
        store.update_challenge(id, &challenge, Some(user_id)).await.map(|r| r.id)
    })
    .await
}

async fn delete_challenge_submit(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
) -> Result<Response, PageError> {
    let (record, user) = managed_challenge(&state, &ctx.viewer, id).await.map_err(|e| ctx.fail(e))?;
    state.store.delete_challenge(id, Some(user)).await.map_err(|e| ctx.fail(e))?;
    Ok(crate::http::done(&state.signer, &format!("/programs/{}", record.program_id), ctx.t.done_challenge_deleted))
}

#[derive(Deserialize)]
struct ArchiveForm {
    reason: String,
}

async fn archive_challenge_submit(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
    axum::Form(form): axum::Form<ArchiveForm>,
) -> Result<Response, PageError> {
    let (_, user) = managed_challenge(&state, &ctx.viewer, id).await.map_err(|e| ctx.fail(e))?;
    state.store.archive_challenge(id, &form.reason, user).await.map_err(|e| ctx.fail(e))?;
    Ok(crate::http::done(&state.signer, &format!("/challenges/{id}"), ctx.t.done_challenge_archived))
}

#[derive(Template, WebTemplate)]
#[template(path = "import.html")]
struct ImportPage {
    ctx: Ctx,
    program: Program,
    imported: Option<usize>,
    error: Option<String>,
    rows: Vec<RowError>,
}

async fn import_page(State(state): State<AppState>, ctx: Ctx, Path(id): Path<i64>) -> Result<ImportPage, PageError> {
    let program = visible_program(&state, &ctx.viewer, id).await.map_err(|e| ctx.fail(e))?;
    ctx.viewer.require_that(|p| p.can_manage_program(id)).map_err(|e| ctx.fail(e))?;
    Ok(ImportPage { ctx, program, imported: None, error: None, rows: vec![] })
}

async fn import_submit(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
    multipart: Multipart,
) -> Result<Response, PageError> {
    let program = visible_program(&state, &ctx.viewer, id).await.map_err(|e| ctx.fail(e))?;
    let user_id = ctx.viewer.require_that(|p| p.can_manage_program(id)).map_err(|e| ctx.fail(e))?.user.id;
    let result = match read_upload(multipart, state.config.max_upload_bytes).await {
        Ok((name, bytes)) => {
            state.store.import_sheet(&state.files, id, &name, bytes, Some(user_id)).await.map_err(ApiError::from)
        }
        Err(e) => Err(e),
    };
    let page = |imported, error: Option<String>, rows| ImportPage {
        ctx: ctx.clone(),
        program: program.clone(),
        imported,
        error,
        rows,
    };
    Ok(match result {
        Ok(records) => page(Some(records.len()), None, vec![]).into_response(),
        Err(ApiError::Sheet(SheetError::Rows { file, errors })) => {
            let message = ctx.t.lang.pick(&format!(
                "{file}：{} 处错误，未导入任何数据 / {file}: {} problem(s), nothing imported",
                errors.len(),
                errors.len()
            ));
            (StatusCode::UNPROCESSABLE_ENTITY, page(None, Some(message), errors)).into_response()
        }
        Err(error) => {
            let (status, _) = error.parts();
            (status, page(None, Some(super::error_text(&error, ctx.t.lang)), vec![])).into_response()
        }
    })
}
