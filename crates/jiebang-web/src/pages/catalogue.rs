//! The supply–demand catalogue's pages (百企百景): the search, demands with their matches and
//! engagements, solutions with their evidence, the catalogue's numbers drawn as bars, and the
//! typical scenarios.

use askama::Template;
use askama_web::WebTemplate;
use axum::Router;
use axum::extract::{Path, Query, State};
use axum::response::Response;
use axum::routing::{get, post};
use jiebang_core::catalogue::{Channel, DemandState, DemandView, EngagementStage, Reason};
use jiebang_core::industry::IndustryCode;
use jiebang_core::program::Day;
use jiebang_core::region::RegionCode;
use jiebang_store::Engagement;
use serde::Deserialize;

use super::{Ctx, PageError};
use crate::AppState;
use crate::app::catalogue::{
    CatalogueStatistics, CatalogueTally, DemandEntry, EngagementInput, EngagementStep, Ranked, SolutionEntry,
};
use crate::app::search::{SearchParams, SearchResults};
use crate::error::ApiError;

pub(super) fn routes() -> Router<AppState> {
    Router::new()
        .route("/search", get(search_page))
        .route("/demands", get(demands_page))
        .route("/demands/new", get(new_demand_page).post(new_demand_submit))
        .route("/demands/import", get(import_page).post(import_demands_submit))
        .route("/solutions/import", get(import_page).post(import_solutions_submit))
        .route("/solutions/new", get(new_solution_page).post(new_solution_submit))
        .route("/demands/{id}", get(demand_page))
        .route("/demands/{id}/engagements", post(record_submit))
        .route("/engagements/{id}/advance", post(advance_submit))
        .route("/solutions", get(solutions_page))
        .route("/solutions/{id}", get(solution_page))
        .route("/solutions/{id}/claims", post(claim_submit))
        .route("/catalogue", get(statistics_page))
        .route("/events", get(events_page).post(new_event_submit))
        .route("/events/{id}", get(event_page))
        .route("/events/{id}/entries", post(event_entries_submit))
        .route("/datasets", get(datasets_page))
        .route("/datasets/{id}", get(dataset_page))
        .route("/scenarios", get(scenarios_page).post(new_case_submit))
        .route("/scenarios/import", post(import_scenarios_submit))
}

/// Names for codes as the page's language writes them.
impl Ctx {
    fn industry_names(&self, codes: &[String]) -> String {
        let names: Vec<&str> =
            codes.iter().filter_map(|c| IndustryCode::parse(c).ok()).map(|c| self.t.industry(&c)).collect();
        names.join(if self.t.lang == crate::i18n::Lang::Zh { "、" } else { ", " })
    }

    fn region_name(&self, code: &str) -> String {
        RegionCode::parse(code).map_or_else(|_| code.to_owned(), |r| self.t.region(r.region()).to_owned())
    }

    fn chinese(&self) -> bool {
        self.t.lang == crate::i18n::Lang::Zh
    }
}

/// The search page: one box, the kinds as a select, facets as links, results a page at a time.
#[derive(Template, WebTemplate)]
#[template(path = "search.html")]
struct SearchPage {
    ctx: Ctx,
    params: SearchParams,
    results: Option<SearchResults>,
    problem: Option<String>,
}

impl SearchPage {
    fn q(&self) -> &str {
        self.params.q.as_deref().unwrap_or_default()
    }

    fn kind(&self) -> &str {
        self.params.kind.as_deref().unwrap_or_default()
    }

    fn page(&self) -> u32 {
        self.params.page.unwrap_or(1).max(1)
    }

    /// This search with one parameter changed (and back on page 1).
    fn link(&self, name: &str, value: &str) -> String {
        let p = &self.params;
        let mut pairs: Vec<(&str, String)> = vec![
            ("q", p.q.clone().unwrap_or_default()),
            ("kind", p.kind.clone().unwrap_or_default()),
            ("industry", p.industry.clone().unwrap_or_default()),
            ("region", p.region.clone().unwrap_or_default()),
        ];
        for pair in &mut pairs {
            if pair.0 == name {
                pair.1 = value.to_owned();
            }
        }
        if name == "page" {
            pairs.push(("page", value.to_owned()));
        }
        let query: Vec<String> = pairs
            .into_iter()
            .filter(|(_, v)| !v.is_empty())
            .map(|(k, v)| format!("{k}={}", crate::http::urlencode(&v)))
            .collect();
        format!("/search?{}", query.join("&"))
    }

    fn has_more(&self) -> bool {
        let per_page = self.params.per_page.unwrap_or(20).clamp(1, 100) as usize;
        self.results.as_ref().is_some_and(|r| r.total > self.page() as usize * per_page)
    }

    fn kind_name(&self, key: &str) -> &'static str {
        jiebang_search::Kind::parse(key).map_or("", |k| k.name(self.ctx.chinese()))
    }

    fn filtered(&self) -> bool {
        [&self.params.kind, &self.params.industry, &self.params.region]
            .iter()
            .any(|v| v.as_deref().is_some_and(|v| !v.trim().is_empty()))
    }
}

async fn search_page(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(params): Query<SearchParams>,
) -> Result<SearchPage, PageError> {
    let asked = [&params.q, &params.kind, &params.industry, &params.region]
        .iter()
        .any(|v| v.as_deref().is_some_and(|v| !v.trim().is_empty()));
    if !asked {
        return Ok(SearchPage { ctx, params, results: None, problem: None });
    }
    match params.query() {
        Ok(query) => {
            let results = crate::app::search::search(&state, &query).await.map_err(|e| ctx.fail(e))?;
            Ok(SearchPage { ctx, params, results: Some(results), problem: None })
        }
        Err(error) => {
            let problem = Some(super::error_text(&error, ctx.t.lang));
            Ok(SearchPage { ctx, params, results: None, problem })
        }
    }
}

/// The demands, newest first.
#[derive(Template, WebTemplate)]
#[template(path = "demands.html")]
struct DemandsPage {
    ctx: Ctx,
    demands: Vec<DemandEntry>,
}

async fn demands_page(State(state): State<AppState>, ctx: Ctx) -> Result<DemandsPage, PageError> {
    let mut demands = crate::app::catalogue::demands(&state, &ctx.viewer).await.map_err(|e| ctx.fail(e))?;
    demands.reverse();
    Ok(DemandsPage { ctx, demands })
}

impl DemandsPage {
    fn budget(&self, view: &DemandView) -> String {
        budget(&self.ctx, view)
    }
}

fn budget(ctx: &Ctx, view: &DemandView) -> String {
    match view.budget_wan {
        Some(Some(wan)) => format!("{wan} {}", ctx.t.cat.wan),
        Some(None) => ctx.t.cat.negotiable.to_owned(),
        None => String::new(),
    }
}

/// One demand: its fields as this reader may read them, the ranked solutions with reasons and,
/// for the catalogue's organizers, its engagements and the forms that record and move them.
#[derive(Template, WebTemplate)]
#[template(path = "demand.html")]
struct DemandPage {
    ctx: Ctx,
    entry: DemandEntry,
    matches: Vec<Ranked>,
    /// `None` unless the reader records engagements.
    engagements: Option<Vec<(Engagement, String)>>,
}

impl DemandPage {
    fn budget(&self) -> String {
        budget(&self.ctx, &self.entry.demand)
    }

    fn reasons(&self, reasons: &[Reason]) -> String {
        let sep = if self.ctx.chinese() { "；" } else { "; " };
        reasons.iter().map(|r| r.describe(self.ctx.chinese())).collect::<Vec<_>>().join(sep)
    }

    fn withheld(&self) -> String {
        let names: Vec<&str> = self.entry.demand.withheld.iter().map(|f| self.ctx.label(f)).collect();
        names.join(if self.ctx.chinese() { "、" } else { ", " })
    }

    fn signing(&self, next: &EngagementStage) -> bool {
        *next == EngagementStage::Signed
    }

    fn channels(&self) -> &'static [Channel] {
        Channel::ALL
    }

    fn percent(&self, score: &f64) -> String {
        let best = self.matches.first().map_or(1.0, |m| m.score).max(f64::EPSILON);
        format!("{:.0}", (score / best * 100.0).clamp(0.0, 100.0))
    }
}

async fn demand_page(State(state): State<AppState>, ctx: Ctx, Path(id): Path<i64>) -> Result<DemandPage, PageError> {
    let entry = crate::app::catalogue::demand(&state, &ctx.viewer, id).await.map_err(|e| ctx.fail(e))?;
    let matches = crate::app::catalogue::matches(&state, &ctx.viewer, id).await.map_err(|e| ctx.fail(e))?;
    let engagements = match crate::app::catalogue::engagements(&state, &ctx.viewer).await {
        Ok(all) => {
            let mut mine = Vec::new();
            for engagement in all.into_iter().filter(|e| e.demand_id == id) {
                let title = state.store.get_solution(engagement.solution_id).await.map_err(|e| ctx.fail(e))?;
                mine.push((engagement, title.solution.title));
            }
            Some(mine)
        }
        Err(ApiError::Forbidden | ApiError::Unauthenticated) => None,
        Err(error) => return Err(ctx.fail(error)),
    };
    Ok(DemandPage { ctx, entry, matches, engagements })
}

#[derive(Debug, Deserialize)]
struct RecordForm {
    solution_id: i64,
    channel: String,
    #[serde(default)]
    note: String,
}

async fn record_submit(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
    axum::Form(form): axum::Form<RecordForm>,
) -> Response {
    let back = format!("/demands/{id}");
    let result = async {
        let channel = Channel::parse("channel", &form.channel).map_err(jiebang_core::Error::from)?;
        let input = EngagementInput { demand_id: id, solution_id: form.solution_id, channel, note: form.note };
        crate::app::catalogue::record_engagement(&state, &ctx.viewer, &input).await.map(|_| ())
    }
    .await;
    super::back(&state, &back, result, &ctx, ctx.t.cat.engagement_recorded)
}

#[derive(Debug, Deserialize)]
struct AdvanceForm {
    stage: String,
    #[serde(default)]
    amount_wan: String,
    #[serde(default)]
    signed_on: String,
    demand_id: i64,
    #[serde(default)]
    confirm: Option<String>,
}

async fn advance_submit(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
    axum::Form(form): axum::Form<AdvanceForm>,
) -> Response {
    let back = format!("/demands/{}", form.demand_id);
    let result = async {
        if form.confirm.is_none() {
            return Err(jiebang_core::Error::invalid("confirm", ctx.t.confirm_irreversible).into());
        }
        let mut errors = Vec::new();
        let stage = EngagementStage::parse("stage", &form.stage).map_err(|e| errors.push(e)).ok();
        let amount_wan = match form.amount_wan.trim() {
            "" => None,
            text => text
                .parse::<f64>()
                .map_err(|_| errors.push(jiebang_core::FieldError::new("amount_wan", "应为数字 / should be a number")))
                .ok(),
        };
        let signed_on = match form.signed_on.trim() {
            "" => None,
            text => Day::parse("signed_on", text).map_err(|e| errors.push(e)).ok(),
        };
        let Some(stage) = stage.filter(|_| errors.is_empty()) else {
            return Err(ApiError::Invalid(errors));
        };
        let step = EngagementStep { stage, amount_wan, signed_on };
        crate::app::catalogue::advance_engagement(&state, &ctx.viewer, id, &step).await.map(|_| ())
    }
    .await;
    super::back(&state, &back, result, &ctx, ctx.t.cat.engagement_advanced)
}

/// The solutions.
#[derive(Template, WebTemplate)]
#[template(path = "solutions.html")]
struct SolutionsPage {
    ctx: Ctx,
    solutions: Vec<SolutionEntry>,
}

async fn solutions_page(State(state): State<AppState>, ctx: Ctx) -> Result<SolutionsPage, PageError> {
    let mut solutions = crate::app::catalogue::solutions(&state, &ctx.viewer).await.map_err(|e| ctx.fail(e))?;
    solutions.reverse();
    Ok(SolutionsPage { ctx, solutions })
}

fn industry_codes(codes: &[IndustryCode]) -> Vec<String> {
    codes.iter().map(|c| c.code().to_owned()).collect()
}

/// One solution with each claimed value's evidence.
#[derive(Template, WebTemplate)]
#[template(path = "solution.html")]
struct SolutionPage {
    ctx: Ctx,
    entry: SolutionEntry,
    /// The viewer may add claimed values (the unit's members, the catalogue's organizers).
    may_edit: bool,
}

impl SolutionPage {
    fn industries(&self) -> String {
        self.ctx.industry_names(&industry_codes(&self.entry.record.solution.industries))
    }

    fn deployments(&self) -> String {
        let names: Vec<&str> = self.entry.record.solution.deployments.iter().map(|d| self.ctx.label(d)).collect();
        names.join(if self.ctx.chinese() { "、" } else { ", " })
    }

    fn price(&self) -> String {
        self.entry
            .record
            .solution
            .price_wan
            .map(|(low, high)| format!("{low}–{high} {}", self.ctx.t.cat.wan))
            .unwrap_or_else(|| self.ctx.t.cat.negotiable.to_owned())
    }
}

async fn solution_page(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
) -> Result<SolutionPage, PageError> {
    let entry = crate::app::catalogue::solution(&state, &ctx.viewer, id).await.map_err(|e| ctx.fail(e))?;
    let may_edit = crate::app::catalogue::may_edit(&ctx.viewer, entry.record.organization_id).is_ok();
    Ok(SolutionPage { ctx, entry, may_edit })
}

async fn claim_submit(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
    multipart: axum::extract::Multipart,
) -> Response {
    let result = crate::app::catalogue::add_claim(&state, &ctx.viewer, id, multipart).await.map(|_| ());
    super::back(&state, &format!("/solutions/{id}"), result, &ctx, ctx.t.cat.claim_added)
}

/// The catalogue's numbers, with bars by industry and by city.
#[derive(Template, WebTemplate)]
#[template(path = "catalogue.html")]
struct StatisticsPage {
    ctx: Ctx,
    stats: CatalogueStatistics,
}

impl StatisticsPage {
    fn sections(&self) -> [(&'static str, &[CatalogueTally]); 2] {
        [(self.ctx.t.cat.by_industry, &self.stats.by_industry), (self.ctx.t.cat.by_city, &self.stats.by_city)]
    }

    fn name<'a>(&self, row: &'a CatalogueTally) -> &'a str {
        if self.ctx.chinese() { &row.name } else { &row.name_en }
    }

    /// A bar's length in percent of the longest in its chart.
    fn width(&self, rows: &[CatalogueTally], value: usize) -> usize {
        let max = rows.iter().map(|r| r.demands + r.solutions).max().unwrap_or(1).max(1);
        (value * 100).div_ceil(max)
    }

    fn total(&self, row: &CatalogueTally) -> usize {
        row.demands + row.solutions
    }
}

async fn statistics_page(State(state): State<AppState>, ctx: Ctx) -> Result<StatisticsPage, PageError> {
    let stats = crate::app::catalogue::statistics(&state).await.map_err(|e| ctx.fail(e))?;
    Ok(StatisticsPage { ctx, stats })
}

/// The typical scenarios by stage.
#[derive(Template, WebTemplate)]
#[template(path = "scenarios.html")]
struct ScenariosPage {
    ctx: Ctx,
    stages: Vec<StageGroup>,
    cases: Vec<jiebang_store::TypicalCaseRecord>,
    form: super::form::FormState,
}

/// One edition's scenarios of one 环节, each with its place in the whole list.
struct StageGroup {
    edition: String,
    stage: String,
    scenarios: Vec<(i64, jiebang_core::scenario::Scenario)>,
}

impl ScenariosPage {
    /// Whether more than the shipped guide is shown, so each section names its edition.
    fn several_editions(&self) -> bool {
        self.stages.iter().any(|g| g.edition != self.stages[0].edition)
    }

    fn cases_of<'a>(&'a self, code: &str) -> Vec<&'a jiebang_store::TypicalCaseRecord> {
        self.cases.iter().filter(|c| c.case.scenario == code).collect()
    }
}

async fn scenarios_page(State(state): State<AppState>, ctx: Ctx) -> Result<ScenariosPage, PageError> {
    scenarios_with(&state, ctx, super::form::FormState::new(Vec::new(), CASE_FIELDS)).await
}

/// The fields the typical-case form shows errors beside.
const CASE_FIELDS: &[&str] =
    &["title", "organization", "scenario", "region", "industries", "year", "summary", "results"];

async fn new_case_submit(
    State(state): State<AppState>,
    ctx: Ctx,
    axum::Form(values): axum::Form<Vec<(String, String)>>,
) -> Result<Response, PageError> {
    use axum::response::IntoResponse;
    let form = super::form::FormState::new(values, CASE_FIELDS);
    let mut errors = Vec::new();
    let input = jiebang_core::scenario::TypicalCaseInput {
        title: form.get("title").trim().to_owned(),
        organization: form.get("organization").trim().to_owned(),
        region: form.get("region").trim().to_owned(),
        industries: list_of(form.get("industries")),
        scenario: form.get("scenario").trim().to_owned(),
        year: super::form::optional_number(form.get("year"), "year", &mut errors),
        summary: form.get("summary").trim().to_owned(),
        results: form.get("results").trim().to_owned(),
    };
    if !errors.is_empty() {
        let scenarios = crate::app::catalogue::scenarios(&state).await.map_err(|e| ctx.fail(e))?;
        errors.extend(input.validate(&scenarios).err().map(|e| e.field_errors().to_vec()).unwrap_or_default());
    }
    if errors.is_empty() {
        match crate::app::catalogue::create_typical_case(&state, &ctx.viewer, &input).await {
            Ok(created) => {
                let to = format!("/scenarios#case{}", created.id);
                return Ok(crate::http::done(&state.signer, &to, ctx.t.cat.case_created));
            }
            Err(ApiError::Invalid(refused)) => errors = refused,
            Err(error) => return Err(ctx.fail(error)),
        }
    }
    let lang = ctx.t.lang;
    let page = scenarios_with(&state, ctx, form.with_errors(errors, lang)).await?;
    Ok((axum::http::StatusCode::UNPROCESSABLE_ENTITY, page).into_response())
}

async fn import_scenarios_submit(
    State(state): State<AppState>,
    ctx: Ctx,
    multipart: axum::extract::Multipart,
) -> Response {
    let result = crate::app::catalogue::import_scenario_edition(&state, &ctx.viewer, multipart).await.map(|_| ());
    super::back(&state, "/scenarios", result, &ctx, ctx.t.cat.edition_imported)
}

async fn scenarios_with(state: &AppState, ctx: Ctx, form: super::form::FormState) -> Result<ScenariosPage, PageError> {
    let cases = crate::app::catalogue::typical_cases(state).await.map_err(|e| ctx.fail(e))?;
    let scenarios = crate::app::catalogue::scenarios(state).await.map_err(|e| ctx.fail(e))?;
    // Grouped by edition and 环节, in the guide's order; each keeps its place in the whole list,
    // the anchor the search links to.
    let mut stages: Vec<StageGroup> = Vec::new();
    for (scenario, place) in scenarios.into_iter().zip(1..) {
        match stages.last_mut() {
            Some(group) if group.stage == scenario.stage && group.edition == scenario.edition => {
                group.scenarios.push((place, scenario))
            }
            _ => stages.push(StageGroup {
                edition: scenario.edition.clone(),
                stage: scenario.stage.clone(),
                scenarios: vec![(place, scenario)],
            }),
        }
    }
    Ok(ScenariosPage { ctx, stages, cases, form })
}

/// The catalogue organizers' import of demands and solutions from their sheets.
#[derive(Template, WebTemplate)]
#[template(path = "catalogue_import.html")]
struct ImportPage {
    ctx: Ctx,
    imported: Option<(&'static str, usize)>,
    error: Option<String>,
    rows: Vec<jiebang_sheets::RowError>,
}

async fn import_page(ctx: Ctx) -> Result<ImportPage, PageError> {
    ctx.viewer.require_that(|p| p.can_manage_catalogue()).map_err(|e| ctx.fail(e))?;
    Ok(ImportPage { ctx, imported: None, error: None, rows: Vec::new() })
}

async fn import_demands_submit(
    State(state): State<AppState>,
    ctx: Ctx,
    multipart: axum::extract::Multipart,
) -> Response {
    let result = match crate::http::read_upload(multipart, state.config.max_upload_bytes).await {
        Ok((name, bytes)) => {
            crate::app::catalogue::import_demands(&state, &ctx.viewer, &name, bytes).await.map(|d| d.len())
        }
        Err(error) => Err(error),
    };
    imported(ctx, "demands", result)
}

async fn import_solutions_submit(
    State(state): State<AppState>,
    ctx: Ctx,
    multipart: axum::extract::Multipart,
) -> Response {
    let result = match crate::http::read_upload(multipart, state.config.max_upload_bytes).await {
        Ok((name, bytes)) => {
            crate::app::catalogue::import_solutions(&state, &ctx.viewer, &name, bytes).await.map(|s| s.len())
        }
        Err(error) => Err(error),
    };
    imported(ctx, "solutions", result)
}

/// The import page again: how many were imported, or every bad row (422) and nothing imported.
fn imported(ctx: Ctx, kind: &'static str, result: Result<usize, ApiError>) -> Response {
    use axum::response::IntoResponse;
    match result {
        Ok(n) => ImportPage { ctx, imported: Some((kind, n)), error: None, rows: Vec::new() }.into_response(),
        Err(error @ (ApiError::Forbidden | ApiError::Unauthenticated)) => ctx.fail(error).into_response(),
        Err(ApiError::Sheet(jiebang_sheets::SheetError::Rows { file, errors })) => {
            let message = ctx.t.lang.pick(&format!(
                "{file}：{} 处错误，未导入任何数据 / {file}: {} problem(s), nothing imported",
                errors.len(),
                errors.len()
            ));
            let page = ImportPage { ctx, imported: None, error: Some(message), rows: errors };
            (axum::http::StatusCode::UNPROCESSABLE_ENTITY, page).into_response()
        }
        Err(error) => {
            let (status, _) = error.parts();
            let message = super::error_text(&error, ctx.t.lang);
            (status, ImportPage { ctx, imported: None, error: Some(message), rows: Vec::new() }).into_response()
        }
    }
}

/// The dataset cards.
#[derive(Template, WebTemplate)]
#[template(path = "datasets.html")]
struct DatasetsPage {
    ctx: Ctx,
    cards: Vec<jiebang_store::DatasetCardRecord>,
}

async fn datasets_page(State(state): State<AppState>, ctx: Ctx) -> Result<DatasetsPage, PageError> {
    let cards = crate::app::catalogue::dataset_cards(&state, &ctx.viewer).await.map_err(|e| ctx.fail(e))?;
    Ok(DatasetsPage { ctx, cards })
}

/// One dataset card, whole.
#[derive(Template, WebTemplate)]
#[template(path = "dataset.html")]
struct DatasetPage {
    ctx: Ctx,
    record: jiebang_store::DatasetCardRecord,
}

impl DatasetPage {
    fn industries(&self) -> String {
        self.ctx.industry_names(&industry_codes(&self.record.card.industries))
    }

    fn size(&self) -> String {
        self.record.card.bytes.map(|b| super::bytes(i128::from(b))).unwrap_or_default()
    }
}

async fn dataset_page(State(state): State<AppState>, ctx: Ctx, Path(id): Path<i64>) -> Result<DatasetPage, PageError> {
    let record = crate::app::catalogue::dataset_card(&state, &ctx.viewer, id).await.map_err(|e| ctx.fail(e))?;
    Ok(DatasetPage { ctx, record })
}

/// The matchmaking events.
#[derive(Template, WebTemplate)]
#[template(path = "events.html")]
struct EventsPage {
    ctx: Ctx,
    events: Vec<jiebang_store::MatchEventRecord>,
    form: super::form::FormState,
}

/// The fields the event form shows errors beside.
const EVENT_FIELDS: &[&str] = &["name", "held_on", "region", "venue", "host"];

async fn events_page(State(state): State<AppState>, ctx: Ctx) -> Result<EventsPage, PageError> {
    events_with(&state, ctx, super::form::FormState::new(Vec::new(), EVENT_FIELDS)).await
}

async fn events_with(state: &AppState, ctx: Ctx, form: super::form::FormState) -> Result<EventsPage, PageError> {
    let events = crate::app::catalogue::events(state).await.map_err(|e| ctx.fail(e))?;
    Ok(EventsPage { ctx, events, form })
}

async fn new_event_submit(
    State(state): State<AppState>,
    ctx: Ctx,
    axum::Form(values): axum::Form<Vec<(String, String)>>,
) -> Result<Response, PageError> {
    use axum::response::IntoResponse;
    let form = super::form::FormState::new(values, EVENT_FIELDS);
    let mut errors = Vec::new();
    let held_on = match form.get("held_on").trim() {
        "" => None,
        text => Day::parse("held_on", text).map_err(|e| errors.push(e)).ok(),
    };
    let input = jiebang_core::catalogue::MatchEventInput {
        name: form.get("name").trim().to_owned(),
        held_on,
        region: form.get("region").trim().to_owned(),
        venue: form.get("venue").trim().to_owned(),
        host: form.get("host").trim().to_owned(),
    };
    // A date that does not parse is reported with every other field's problem.
    if !errors.is_empty() {
        let others = input.validate().err().map(|e| e.field_errors().to_vec()).unwrap_or_default();
        errors.extend(others.into_iter().filter(|e| e.field != "held_on"));
    }
    if errors.is_empty() {
        match crate::app::catalogue::create_event(&state, &ctx.viewer, &input).await {
            Ok(created) => {
                let to = format!("/events/{}", created.id);
                return Ok(crate::http::done(&state.signer, &to, ctx.t.cat.event_created));
            }
            Err(ApiError::Invalid(refused)) => errors = refused,
            Err(error) => return Err(ctx.fail(error)),
        }
    }
    let lang = ctx.t.lang;
    let page = events_with(&state, ctx, form.with_errors(errors, lang)).await?;
    Ok((axum::http::StatusCode::UNPROCESSABLE_ENTITY, page).into_response())
}

/// Puts the ticked demands and solutions on an event.
async fn event_entries_submit(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
    axum::Form(values): axum::Form<Vec<(String, String)>>,
) -> Response {
    let ids = |name: &str| values.iter().filter(|(k, _)| k == name).filter_map(|(_, v)| v.parse().ok()).collect();
    let entries =
        crate::app::catalogue::EventEntries { demand_ids: ids("demand_ids"), solution_ids: ids("solution_ids") };
    let result = crate::app::catalogue::add_to_event(&state, &ctx.viewer, id, &entries).await.map(|_| ());
    super::back(&state, &format!("/events/{id}"), result, &ctx, ctx.t.cat.entries_added)
}

/// One event: what it presents, what came of it, and its catalogue and booklet to download.
#[derive(Template, WebTemplate)]
#[template(path = "event.html")]
struct EventPage {
    ctx: Ctx,
    view: crate::app::catalogue::EventView,
    /// To the catalogue's organizers: the open demands and the solutions not on the event yet.
    candidates: Option<(Vec<DemandEntry>, Vec<SolutionEntry>)>,
}

async fn event_page(State(state): State<AppState>, ctx: Ctx, Path(id): Path<i64>) -> Result<EventPage, PageError> {
    let view = crate::app::catalogue::event(&state, &ctx.viewer, id).await.map_err(|e| ctx.fail(e))?;
    let candidates = if ctx.manages_catalogue() {
        let on = |id: i64| view.demands.iter().any(|d| d.id == id);
        let demands = crate::app::catalogue::demands(&state, &ctx.viewer).await.map_err(|e| ctx.fail(e))?;
        let demands = demands
            .into_iter()
            .filter(|d| matches!(d.state, DemandState::Collecting | DemandState::Matching) && !on(d.id))
            .collect();
        let solutions = crate::app::catalogue::solutions(&state, &ctx.viewer).await.map_err(|e| ctx.fail(e))?;
        let solutions =
            solutions.into_iter().filter(|s| !view.solutions.iter().any(|o| o.record.id == s.record.id)).collect();
        Some((demands, solutions))
    } else {
        None
    };
    Ok(EventPage { ctx, view, candidates })
}

/// The fields the demand form shows errors beside.
const DEMAND_FIELDS: &[&str] = &[
    "number",
    "title",
    "organization",
    "organization_id",
    "demander_kind",
    "industries",
    "region",
    "field",
    "scenario",
    "pain_points",
    "requirements",
    "requirements[",
    "offers[",
    "cooperation",
    "budget_wan",
    "deadline",
    "contact_name",
    "contact_phone",
    "contact_email",
    "visibility.",
];

/// A demand entered in the browser: by a unit's member for the unit, or by the catalogue's
/// organizers for anyone; refused fields come back beside their inputs.
#[derive(Template, WebTemplate)]
#[template(path = "demand_form.html")]
struct DemandFormPage {
    ctx: Ctx,
    form: super::form::FormState,
    /// The units the viewer acts for.
    units: Vec<(i64, String)>,
    scenarios: Vec<jiebang_core::scenario::Scenario>,
}

impl DemandFormPage {
    fn kinds(&self) -> &'static [jiebang_core::catalogue::DemanderKind] {
        jiebang_core::catalogue::DemanderKind::ALL
    }

    fn modes(&self) -> &'static [jiebang_core::catalogue::CooperationMode] {
        jiebang_core::catalogue::CooperationMode::ALL
    }

    fn offers(&self) -> &'static [jiebang_core::catalogue::Offer] {
        jiebang_core::catalogue::Offer::ALL
    }

    fn narrowable(&self) -> &'static [jiebang_core::catalogue::DemandField] {
        jiebang_core::catalogue::DemandField::ALL
    }

    fn levels(&self) -> &'static [jiebang_core::catalogue::Visibility] {
        jiebang_core::catalogue::Visibility::ALL
    }

    /// The visibility the form shows for a field: as submitted, else the field's default.
    fn level_of(&self, field: &jiebang_core::catalogue::DemandField) -> &str {
        match self.form.get(&format!("visibility.{}", field.as_str())) {
            "" => field.default_visibility().as_str(),
            chosen => chosen,
        }
    }
}

/// The units the viewer may enter a demand for; 403 for one who acts for none and is not an
/// organizer of the catalogue.
async fn entry_units(state: &AppState, ctx: &Ctx) -> Result<Vec<(i64, String)>, PageError> {
    ctx.viewer.require().map_err(|e| ctx.fail(e))?;
    let principal = ctx.viewer.principal().cloned().ok_or_else(|| ctx.fail(ApiError::Unauthenticated))?;
    let ids = principal.organizations();
    if ids.is_empty() && !principal.can_manage_catalogue() {
        return Err(ctx.fail(ApiError::Forbidden));
    }
    let names = state.store.organizations_by_id(&ids).await.map_err(|e| ctx.fail(e))?;
    Ok(ids.iter().filter_map(|id| names.get(id).map(|o| (*id, o.name.clone()))).collect())
}

async fn demand_form(state: &AppState, ctx: Ctx, form: super::form::FormState) -> Result<DemandFormPage, PageError> {
    let units = entry_units(state, &ctx).await?;
    let scenarios = crate::app::catalogue::scenarios(state).await.map_err(|e| ctx.fail(e))?;
    Ok(DemandFormPage { ctx, form, units, scenarios })
}

async fn new_demand_page(State(state): State<AppState>, ctx: Ctx) -> Result<DemandFormPage, PageError> {
    let form = super::form::FormState::new(Vec::new(), DEMAND_FIELDS);
    demand_form(&state, ctx, form).await
}

/// The form's values as a new demand; what cannot be read is an error of its field.
fn demand_from_form(
    form: &super::form::FormState,
) -> Result<crate::app::catalogue::NewDemand, Vec<jiebang_core::FieldError>> {
    let mut errors = Vec::new();
    let requirements = jiebang_sheets::parse_indicator_cell(form.get("requirements"))
        .map_err(|message| errors.push(jiebang_core::FieldError::new("requirements", message)))
        .unwrap_or_default();
    let budget_wan = super::form::optional_number::<f64>(form.get("budget_wan"), "budget_wan", &mut errors);
    let deadline = match form.get("deadline").trim() {
        "" => None,
        text => Day::parse("deadline", text).map_err(|e| errors.push(e)).ok(),
    };
    let organization_id =
        super::form::optional_number::<i64>(form.get("organization_id"), "organization_id", &mut errors);
    let visibility = jiebang_core::catalogue::DemandField::ALL
        .iter()
        .filter_map(|f| {
            let chosen = form.get(&format!("visibility.{}", f.as_str()));
            (!chosen.is_empty()).then(|| (f.as_str().to_owned(), chosen.to_owned()))
        })
        .collect();
    let demand = jiebang_core::catalogue::DemandInput {
        number: form.get("number").to_owned(),
        title: form.get("title").to_owned(),
        organization: form.get("organization").to_owned(),
        demander_kind: form.get("demander_kind").to_owned(),
        industries: form
            .get("industries")
            .split([',', '，', '、', ' '])
            .filter(|s| !s.is_empty())
            .map(str::to_owned)
            .collect(),
        region: form.get("region").to_owned(),
        field: form.get("field").to_owned(),
        scenario: form.get("scenario").to_owned(),
        pain_points: form.get("pain_points").to_owned(),
        requirements,
        offers: form.all("offers").into_iter().map(str::to_owned).collect(),
        cooperation: form.get("cooperation").to_owned(),
        budget_wan,
        published_on: None,
        deadline,
        contact_name: form.get("contact_name").to_owned(),
        contact_phone: form.get("contact_phone").to_owned(),
        contact_email: form.get("contact_email").to_owned(),
        visibility,
    };
    // The core checks the rest; the form's own problems are reported with them.
    if let Err(error) = demand.validate() {
        errors.extend(
            error
                .field_errors()
                .iter()
                .filter(|e| !errors.iter().any(|x| x.field == e.field))
                .cloned()
                .collect::<Vec<_>>(),
        );
    }
    if errors.is_empty() { Ok(crate::app::catalogue::NewDemand { demand, organization_id }) } else { Err(errors) }
}

async fn new_demand_submit(
    State(state): State<AppState>,
    ctx: Ctx,
    axum::Form(values): axum::Form<Vec<(String, String)>>,
) -> Result<Response, PageError> {
    use axum::response::IntoResponse;
    entry_units(&state, &ctx).await?;
    let form = super::form::FormState::new(values, DEMAND_FIELDS);
    let errors = match demand_from_form(&form) {
        Ok(new) => match crate::app::catalogue::create_demand(&state, &ctx.viewer, &new).await {
            Ok(created) => {
                return Ok(crate::http::done(
                    &state.signer,
                    &format!("/demands/{}", created.id),
                    ctx.t.cat.demand_created,
                ));
            }
            Err(ApiError::Invalid(errors)) => errors,
            Err(ApiError::Conflict { field: Some(field), message, .. }) => {
                vec![jiebang_core::FieldError::new(field, message)]
            }
            Err(error) => return Err(ctx.fail(error)),
        },
        Err(errors) => errors,
    };
    let lang = ctx.t.lang;
    let page = demand_form(&state, ctx, form.with_errors(errors, lang)).await?;
    Ok((axum::http::StatusCode::UNPROCESSABLE_ENTITY, page).into_response())
}

/// The fields the solution form shows errors beside.
const SOLUTION_FIELDS: &[&str] = &[
    "title",
    "provider",
    "organization_id",
    "kind",
    "industries",
    "scenarios",
    "region",
    "summary",
    "deployments[",
    "qualifications",
    "price_from_wan",
    "price_to_wan",
    "contact_name",
    "contact_phone",
    "contact_email",
];

/// A solution entered in the browser, by a unit's member for the unit or by the organizers.
/// Claimed values are added with their evidence through the API (or come with an accepted
/// project's listing), not typed here.
#[derive(Template, WebTemplate)]
#[template(path = "solution_form.html")]
struct SolutionFormPage {
    ctx: Ctx,
    form: super::form::FormState,
    units: Vec<(i64, String)>,
}

impl SolutionFormPage {
    fn kinds(&self) -> &'static [jiebang_core::catalogue::SolutionKind] {
        jiebang_core::catalogue::SolutionKind::ALL
    }

    fn deployments(&self) -> &'static [jiebang_core::catalogue::Deployment] {
        jiebang_core::catalogue::Deployment::ALL
    }
}

async fn new_solution_page(State(state): State<AppState>, ctx: Ctx) -> Result<SolutionFormPage, PageError> {
    let units = entry_units(&state, &ctx).await?;
    Ok(SolutionFormPage { ctx, form: super::form::FormState::new(Vec::new(), SOLUTION_FIELDS), units })
}

fn list_of(text: &str) -> Vec<String> {
    text.split([',', '，', '、', ';', '；']).map(str::trim).filter(|s| !s.is_empty()).map(str::to_owned).collect()
}

/// The form's values as a new solution; what cannot be read is an error of its field.
fn solution_from_form(
    form: &super::form::FormState,
) -> Result<crate::app::catalogue::NewSolution, Vec<jiebang_core::FieldError>> {
    let mut errors = Vec::new();
    let price_from_wan = super::form::optional_number::<f64>(form.get("price_from_wan"), "price_from_wan", &mut errors);
    let price_to_wan = super::form::optional_number::<f64>(form.get("price_to_wan"), "price_to_wan", &mut errors);
    let organization_id =
        super::form::optional_number::<i64>(form.get("organization_id"), "organization_id", &mut errors);
    let solution = jiebang_core::catalogue::SolutionInput {
        title: form.get("title").to_owned(),
        provider: form.get("provider").to_owned(),
        kind: form.get("kind").to_owned(),
        industries: list_of(form.get("industries")),
        scenarios: list_of(form.get("scenarios")),
        region: form.get("region").to_owned(),
        summary: form.get("summary").to_owned(),
        deployments: form.all("deployments").into_iter().map(str::to_owned).collect(),
        qualifications: list_of(form.get("qualifications")),
        price_from_wan,
        price_to_wan,
        contact_name: form.get("contact_name").to_owned(),
        contact_phone: form.get("contact_phone").to_owned(),
        contact_email: form.get("contact_email").to_owned(),
        ..jiebang_core::catalogue::SolutionInput::default()
    };
    if let Err(error) = solution.validate() {
        let known: Vec<String> = errors.iter().map(|e: &jiebang_core::FieldError| e.field.clone()).collect();
        errors.extend(error.field_errors().iter().filter(|e| !known.contains(&e.field)).cloned());
    }
    if errors.is_empty() { Ok(crate::app::catalogue::NewSolution { solution, organization_id }) } else { Err(errors) }
}

async fn new_solution_submit(
    State(state): State<AppState>,
    ctx: Ctx,
    axum::Form(values): axum::Form<Vec<(String, String)>>,
) -> Result<Response, PageError> {
    use axum::response::IntoResponse;
    let units = entry_units(&state, &ctx).await?;
    let form = super::form::FormState::new(values, SOLUTION_FIELDS);
    let errors = match solution_from_form(&form) {
        Ok(new) => match crate::app::catalogue::create_solution(&state, &ctx.viewer, &new).await {
            Ok(created) => {
                let to = format!("/solutions/{}", created.record.id);
                return Ok(crate::http::done(&state.signer, &to, ctx.t.cat.solution_created));
            }
            Err(ApiError::Invalid(errors)) => errors,
            Err(error) => return Err(ctx.fail(error)),
        },
        Err(errors) => errors,
    };
    let lang = ctx.t.lang;
    let page = SolutionFormPage { form: form.with_errors(errors, lang), units, ctx };
    Ok((axum::http::StatusCode::UNPROCESSABLE_ENTITY, page).into_response())
}
