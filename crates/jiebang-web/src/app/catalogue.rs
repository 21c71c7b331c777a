//! The supply–demand catalogue (issue 20): who may read which fields of a demand, who may enter
//! and move demands and solutions, matching for a demand, and the engagements the catalogue's
//! organizers record. A reader sees a demand at one [`Visibility`]: internal to the catalogue's
//! organizers and the demanding unit, registered to anyone signed in, public otherwise.

use jiebang_core::catalogue::{
    Channel, Claim, DemandAction, DemandInput, DemandState, DemandView, EngagementStage, Evidence, Reason,
    SolutionInput, Visibility, match_score,
};
use jiebang_core::indicator::IndicatorInput;
use jiebang_core::program::Day;
use jiebang_core::region::Region;
use jiebang_store::{DatasetCardRecord, DemandFilter, DemandRecord, Engagement, SolutionRecord};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use utoipa::ToSchema;

use crate::AppState;
use crate::auth::Viewer;
use crate::error::ApiError;

/// A demand as this reader may see it.
#[derive(Debug, Serialize, ToSchema)]
pub struct DemandEntry {
    /// Id.
    pub id: i64,
    /// Where it stands.
    pub state: DemandState,
    /// The challenge it was promoted into.
    pub challenge_id: Option<i64>,
    /// The fields this reader may see.
    pub demand: DemandView,
}

/// The level a viewer reads a demand at.
fn reader(viewer: &Viewer, record: &DemandRecord) -> Visibility {
    match viewer.principal() {
        Some(p) if p.can_manage_catalogue() || record.organization_id.is_some_and(|o| p.can_act_for(o)) => {
            Visibility::Internal
        }
        Some(_) => Visibility::Registered,
        None => Visibility::Public,
    }
}

fn entry(viewer: &Viewer, record: &DemandRecord) -> DemandEntry {
    DemandEntry {
        id: record.id,
        state: record.state,
        challenge_id: record.challenge_id,
        demand: record.demand.visible_to(reader(viewer, record)),
    }
}

/// Demands: withdrawn ones only to those who read them internally.
pub(crate) async fn demands(state: &AppState, viewer: &Viewer) -> Result<Vec<DemandEntry>, ApiError> {
    let records = state.store.list_demands(&DemandFilter::default()).await?;
    Ok(records
        .iter()
        .filter(|r| r.state != DemandState::Withdrawn || reader(viewer, r) == Visibility::Internal)
        .map(|r| entry(viewer, r))
        .collect())
}

/// One demand (a withdrawn one is not found but by those who read it internally).
pub(crate) async fn demand(state: &AppState, viewer: &Viewer, id: i64) -> Result<DemandEntry, ApiError> {
    let record = state.store.get_demand(id).await?;
    if record.state == DemandState::Withdrawn && reader(viewer, &record) != Visibility::Internal {
        return Err(ApiError::NotFound(format!("需求 {id} 不存在 / demand {id} not found")));
    }
    Ok(entry(viewer, &record))
}

/// A new demand, and whose it is.
#[derive(Debug, Deserialize, ToSchema)]
pub struct NewDemand {
    /// The demand.
    pub demand: DemandInput,
    /// The registered unit it is for: a unit's own member may enter it; the catalogue's
    /// organizers may enter anyone's.
    #[serde(default)]
    pub organization_id: Option<i64>,
}

/// A new solution, and whose it is.
#[derive(Debug, Deserialize, ToSchema)]
pub struct NewSolution {
    /// The solution.
    pub solution: SolutionInput,
    /// The registered unit that provides it (as for demands).
    #[serde(default)]
    pub organization_id: Option<i64>,
}

/// Whether the viewer may enter or move an entry of `organization`.
pub(crate) fn may_edit(viewer: &Viewer, organization: Option<i64>) -> Result<i64, ApiError> {
    let authed = viewer.require_that(|p| p.can_manage_catalogue() || organization.is_some_and(|o| p.can_act_for(o)))?;
    Ok(authed.user.id)
}

/// Enters a demand.
pub(crate) async fn create_demand(state: &AppState, viewer: &Viewer, new: &NewDemand) -> Result<DemandEntry, ApiError> {
    let user = may_edit(viewer, new.organization_id)?;
    let record = state.store.create_demand(&new.demand, new.organization_id, Some(user)).await?;
    Ok(entry(viewer, &record))
}

/// A step of a demand.
#[derive(Debug, Deserialize, ToSchema)]
pub struct DemandStep {
    /// What to do.
    pub action: DemandAction,
}

/// Moves a demand: the catalogue's organizers or the demanding unit.
pub(crate) async fn act_on_demand(
    state: &AppState,
    viewer: &Viewer,
    id: i64,
    step: &DemandStep,
) -> Result<DemandEntry, ApiError> {
    let record = state.store.get_demand(id).await?;
    let user = may_edit(viewer, record.organization_id)?;
    let record = state.store.act_on_demand(id, step.action, user).await?;
    Ok(entry(viewer, &record))
}

/// Where a demand becomes a challenge.
#[derive(Debug, Deserialize, ToSchema)]
pub struct Promotion {
    /// The program whose list takes it.
    pub program_id: i64,
    /// The new challenge's number (任务编号).
    pub code: String,
}

/// Promotes a demand into a challenge of a program its caller organizes.
pub(crate) async fn promote(
    state: &AppState,
    viewer: &Viewer,
    id: i64,
    promotion: &Promotion,
) -> Result<jiebang_store::ChallengeRecord, ApiError> {
    let user = viewer.require_that(|p| p.can_manage_program(promotion.program_id))?.user.id;
    Ok(state.store.promote_demand(id, promotion.program_id, &promotion.code, user).await?)
}

/// A solution ranked for a demand, with the reasons this reader may see.
#[derive(Debug, Serialize, ToSchema)]
pub struct Ranked {
    /// The solution.
    pub solution_id: i64,
    /// Its title.
    pub title: String,
    /// Its provider.
    pub provider: String,
    /// The score: higher is better.
    pub score: f64,
    /// Why.
    pub reasons: Vec<Reason>,
}

/// The solutions ranked for a demand, best first (those with any reason at all). A reader who
/// may not see the requirements sees no reason that names one.
pub(crate) async fn matches(state: &AppState, viewer: &Viewer, id: i64) -> Result<Vec<Ranked>, ApiError> {
    let record = state.store.get_demand(id).await?;
    let level = reader(viewer, &record);
    if record.state == DemandState::Withdrawn && level != Visibility::Internal {
        return Err(ApiError::NotFound(format!("需求 {id} 不存在 / demand {id} not found")));
    }
    let view = record.demand.visible_to(level);
    let sees_requirements = view.requirements.is_some();
    // Shared words are shown from what this reader may read of the demand, as jieba cuts them:
    // a withheld pain point lends no word, and 剩余寿命 shows as such, not as its bigrams.
    let demand_words = jiebang_search::words(&format!(
        "{} {} {}",
        view.title,
        view.field,
        view.pain_points.as_deref().unwrap_or_default()
    ));
    let mut ranked: Vec<Ranked> = state
        .store
        .list_solutions()
        .await?
        .into_iter()
        .map(|s| {
            let found = match_score(&record.demand, &s.solution);
            let reasons = found
                .reasons
                .into_iter()
                .filter(|r| {
                    sees_requirements || !matches!(r, Reason::MeetsRequirement { .. } | Reason::FallsShort { .. })
                })
                .filter_map(|r| match r {
                    Reason::Words { .. } => {
                        let theirs = jiebang_search::words(&format!("{} {}", s.solution.title, s.solution.summary));
                        let terms: Vec<String> =
                            demand_words.iter().filter(|w| theirs.contains(w)).take(8).cloned().collect();
                        (!terms.is_empty()).then_some(Reason::Words { terms })
                    }
                    other => Some(other),
                })
                .collect();
            Ranked {
                solution_id: s.id,
                title: s.solution.title,
                provider: s.solution.provider,
                score: found.score,
                reasons,
            }
        })
        .filter(|r| r.score > 0.0)
        .collect();
    ranked.sort_by(|a, b| b.score.total_cmp(&a.score).then(a.solution_id.cmp(&b.solution_id)));
    Ok(ranked)
}

/// A solution as anyone sees it: the contact to those signed in.
#[derive(Debug, Serialize, ToSchema)]
pub struct SolutionEntry {
    /// The solution.
    #[serde(flatten)]
    pub record: SolutionRecord,
}

fn solution_entry(viewer: &Viewer, mut record: SolutionRecord) -> SolutionEntry {
    if viewer.principal().is_none() {
        record.solution.contact = Default::default();
    }
    SolutionEntry { record }
}

/// Every solution.
pub(crate) async fn solutions(state: &AppState, viewer: &Viewer) -> Result<Vec<SolutionEntry>, ApiError> {
    Ok(state.store.list_solutions().await?.into_iter().map(|r| solution_entry(viewer, r)).collect())
}

/// One solution.
pub(crate) async fn solution(state: &AppState, viewer: &Viewer, id: i64) -> Result<SolutionEntry, ApiError> {
    Ok(solution_entry(viewer, state.store.get_solution(id).await?))
}

/// Enters a solution.
pub(crate) async fn create_solution(
    state: &AppState,
    viewer: &Viewer,
    new: &NewSolution,
) -> Result<SolutionEntry, ApiError> {
    let user = may_edit(viewer, new.organization_id)?;
    let record = state.store.create_solution(&new.solution, new.organization_id, None, Some(user)).await?;
    Ok(solution_entry(viewer, record))
}

/// Adds a claimed value with its evidence to a solution: its unit's members or the catalogue's
/// organizers. Multipart: the indicator (`name`, `metric`, `op`, `threshold`, `unit`), the
/// measured `value`, and `evidence` — `signed_report` with the unit's `submission_id`, or
/// `lab_report` with `lab`, `tested_on` and the report as a PDF `file`. A refused claim leaves no
/// upload behind.
pub(crate) async fn add_claim(
    state: &AppState,
    viewer: &Viewer,
    id: i64,
    multipart: axum::extract::Multipart,
) -> Result<SolutionEntry, ApiError> {
    let record = state.store.get_solution(id).await?;
    let user = may_edit(viewer, record.organization_id)?;
    let form = crate::http::read_form(state, multipart, crate::app::selection::MAX_ATTACHMENT_BYTES, user).await?;
    crate::http::with_uploads(state, user, form, |form| async move {
        crate::http::require_pdfs(state, &form).await?;
        let (claim, uploaded) = claim_of(&form)?;
        Ok(solution_entry(viewer, state.store.add_claim(id, &claim, user, &uploaded).await?))
    })
    .await
}

/// A claim as the form gives it, every unreadable field named at once, and the files it sent.
fn claim_of(form: &crate::http::Form) -> Result<(Claim, Vec<i64>), ApiError> {
    use jiebang_core::FieldError;
    let mut problems = Vec::new();
    let mut number = |field: &str| -> Option<f64> {
        let text = form.text(field, "");
        match text.parse::<f64>() {
            Ok(n) if n.is_finite() => Some(n),
            _ if text.is_empty() => {
                problems.push(FieldError::new(field, "必填 / required"));
                None
            }
            _ => {
                problems.push(FieldError::new(field, format!("「{text}」不是有效数字 / '{text}' is not a number")));
                None
            }
        }
    };
    let threshold = number("threshold");
    let value = number("value");
    let file = form.files.iter().find(|(name, _)| name == "file").map(|(_, f)| f.id);
    let evidence = match form.text("evidence", "").as_str() {
        "signed_report" => match form.text("submission_id", "").parse::<i64>() {
            Ok(submission_id) => Some(Evidence::SignedReport { submission_id }),
            Err(_) => {
                problems.push(FieldError::new("submission_id", "请填写提交编号 / give the submission's number"));
                None
            }
        },
        "lab_report" => {
            let tested_on = Day::parse("tested_on", &form.text("tested_on", ""));
            if file.is_none() {
                problems.push(FieldError::new("file", "请附上检测报告（PDF） / attach the lab's report (PDF)"));
            }
            match (tested_on, file) {
                (Ok(tested_on), Some(file_id)) => {
                    Some(Evidence::LabReport { file_id, lab: form.text("lab", ""), tested_on })
                }
                (Err(e), _) => {
                    problems.push(e);
                    None
                }
                _ => None,
            }
        }
        _ => {
            problems.push(FieldError::new(
                "evidence",
                "请选择佐证：签名测评报告或第三方检测报告 / choose the evidence: a signed report or a lab's report",
            ));
            None
        }
    };
    let indicator = IndicatorInput {
        name: form.text("name", ""),
        metric: form.text("metric", ""),
        op: form.text("op", ">="),
        threshold,
        unit: form.text("unit", ""),
        ..IndicatorInput::default()
    };
    match (value, evidence) {
        (Some(value), Some(evidence)) if problems.is_empty() => {
            Ok((Claim { indicator, value, evidence }, form.uploads().iter().map(|f| f.id).collect()))
        }
        _ => Err(jiebang_core::Error::Invalid(problems).into()),
    }
}

/// A lab's report a solution cites, to anyone who reads the solution: citing it published it.
pub(crate) async fn evidence_file(
    state: &AppState,
    id: i64,
    file_id: i64,
) -> Result<(jiebang_store::StoredFile, Vec<u8>), ApiError> {
    let record = state.store.get_solution(id).await?;
    let cited = record
        .solution
        .claims
        .iter()
        .any(|c| matches!(c.evidence, Evidence::LabReport { file_id: f, .. } if f == file_id));
    if !cited {
        return Err(ApiError::NotFound(format!(
            "方案 {id} 未引用文件 {file_id} / solution {id} cites no file {file_id}"
        )));
    }
    let file = state.store.get_file(file_id).await?;
    let bytes = state.files.get(&file.key).await?;
    Ok((file, bytes))
}

/// Lists a project's accepted model in the supply catalogue with its evidence: the program's
/// organizers.
pub(crate) async fn list_accepted_model(
    state: &AppState,
    viewer: &Viewer,
    project_id: i64,
) -> Result<SolutionEntry, ApiError> {
    let project = crate::app::projects::get(state, viewer, project_id).await?;
    let user = viewer.require_that(|p| p.can_manage_program(project.program_id))?.user.id;
    Ok(solution_entry(viewer, state.store.list_accepted_model(project_id, user).await?))
}

/// An intention between a demand and a solution.
#[derive(Debug, Deserialize, ToSchema)]
pub struct EngagementInput {
    /// The demand.
    pub demand_id: i64,
    /// The solution.
    pub solution_id: i64,
    /// Where they met.
    pub channel: Channel,
    /// Notes.
    #[serde(default)]
    pub note: String,
}

/// The next stage of an engagement.
#[derive(Debug, Deserialize, ToSchema)]
pub struct EngagementStep {
    /// The stage reached.
    pub stage: EngagementStage,
    /// With `signed`: the amount, 万元.
    #[serde(default)]
    pub amount_wan: Option<f64>,
    /// With `signed`: the day.
    #[serde(default)]
    #[schema(value_type = Option<String>)]
    pub signed_on: Option<Day>,
}

fn catalogue_manager(viewer: &Viewer) -> Result<i64, ApiError> {
    Ok(viewer.require_that(|p| p.can_manage_catalogue())?.user.id)
}

/// Every engagement, to the catalogue's organizers.
pub(crate) async fn engagements(state: &AppState, viewer: &Viewer) -> Result<Vec<Engagement>, ApiError> {
    catalogue_manager(viewer)?;
    Ok(state.store.list_engagements().await?)
}

/// The catalogue's organizers record an intention.
pub(crate) async fn record_engagement(
    state: &AppState,
    viewer: &Viewer,
    input: &EngagementInput,
) -> Result<Engagement, ApiError> {
    let user = catalogue_manager(viewer)?;
    Ok(state.store.record_engagement(input.demand_id, input.solution_id, input.channel, &input.note, user).await?)
}

/// The catalogue's organizers move an engagement on.
pub(crate) async fn advance_engagement(
    state: &AppState,
    viewer: &Viewer,
    id: i64,
    step: &EngagementStep,
) -> Result<Engagement, ApiError> {
    let user = catalogue_manager(viewer)?;
    Ok(state.store.advance_engagement(id, step.stage, step.amount_wan, step.signed_on, user).await?)
}

/// The catalogue in numbers, from its records (never self-reported totals): entries, engagements
/// and what was signed, overall and by industry and city.
#[derive(Debug, Serialize, ToSchema)]
pub struct CatalogueStatistics {
    /// Demands (withdrawn ones left out).
    pub demands: usize,
    /// Solutions.
    pub solutions: usize,
    /// Engagements recorded (each began as an intention).
    pub engagements: usize,
    /// Of those, signed or beyond.
    pub signed: usize,
    /// Their contracts' value, 万元.
    pub signed_value_wan: f64,
    /// Demands promoted into challenges.
    pub promoted: usize,
    /// By the demands' and solutions' industries.
    pub by_industry: Vec<CatalogueTally>,
    /// By the demands' and solutions' cities.
    pub by_city: Vec<CatalogueTally>,
}

/// One row of the catalogue's numbers, under a code-table entry named in both languages.
#[derive(Debug, Default, Serialize, ToSchema)]
pub struct CatalogueTally {
    /// GB/T 4754 division or GB/T 2260 city code.
    pub code: String,
    /// 中文名称.
    pub name: String,
    /// English name.
    pub name_en: String,
    /// Demands.
    pub demands: usize,
    /// Solutions.
    pub solutions: usize,
    /// Signed engagements (by the demand's entry).
    pub signed: usize,
    /// Their value, 万元.
    pub signed_value_wan: f64,
}

/// The row of an industry division.
fn industry_row<'a>(
    rows: &'a mut BTreeMap<&'static str, CatalogueTally>,
    code: &jiebang_core::industry::IndustryCode,
) -> &'a mut CatalogueTally {
    let industry = code.industry();
    rows.entry(industry.code).or_insert_with(|| CatalogueTally {
        code: industry.code.into(),
        name: industry.name.into(),
        name_en: industry.name_en.into(),
        ..CatalogueTally::default()
    })
}

/// The row of the city a region lies in.
fn city_row<'a>(
    rows: &'a mut BTreeMap<&'static str, CatalogueTally>,
    region: &jiebang_core::region::RegionCode,
) -> &'a mut CatalogueTally {
    let region: &'static Region = region.region();
    let city = region.city().unwrap_or(region);
    rows.entry(city.code).or_insert_with(|| CatalogueTally {
        code: city.code.into(),
        name: city.name.into(),
        name_en: city.name_en.into(),
        ..CatalogueTally::default()
    })
}

/// The catalogue's numbers, for anyone.
pub(crate) async fn statistics(state: &AppState) -> Result<CatalogueStatistics, ApiError> {
    let demands: Vec<DemandRecord> = state
        .store
        .list_demands(&DemandFilter::default())
        .await?
        .into_iter()
        .filter(|d| d.state != DemandState::Withdrawn)
        .collect();
    let solutions = state.store.list_solutions().await?;
    let engagements = state.store.list_engagements().await?;
    let signed: Vec<&Engagement> = engagements.iter().filter(|e| e.amount_wan.is_some()).collect();
    let mut by_industry: BTreeMap<&str, CatalogueTally> = BTreeMap::new();
    let mut by_city: BTreeMap<&str, CatalogueTally> = BTreeMap::new();
    for d in &demands {
        let deals = signed.iter().filter(|e| e.demand_id == d.id);
        let (count, value) = (deals.clone().count(), deals.filter_map(|e| e.amount_wan).sum::<f64>());
        let add = |row: &mut CatalogueTally| {
            row.demands += 1;
            row.signed += count;
            row.signed_value_wan += value;
        };
        for industry in &d.demand.industries {
            add(industry_row(&mut by_industry, industry));
        }
        add(city_row(&mut by_city, &d.demand.region));
    }
    for s in &solutions {
        for industry in &s.solution.industries {
            industry_row(&mut by_industry, industry).solutions += 1;
        }
        city_row(&mut by_city, &s.solution.region).solutions += 1;
    }
    let largest_first = |rows: BTreeMap<&str, CatalogueTally>| {
        let mut rows: Vec<CatalogueTally> = rows.into_values().collect();
        rows.sort_by(|a, b| (b.demands + b.solutions).cmp(&(a.demands + a.solutions)).then(a.code.cmp(&b.code)));
        rows
    };
    Ok(CatalogueStatistics {
        demands: demands.len(),
        solutions: solutions.len(),
        engagements: engagements.len(),
        signed: signed.len(),
        signed_value_wan: signed.iter().filter_map(|e| e.amount_wan).sum(),
        promoted: demands.iter().filter(|d| d.challenge_id.is_some()).count(),
        by_industry: largest_first(by_industry),
        by_city: largest_first(by_city),
    })
}

/// The catalogue's organizers import demands from a sheet, all or none.
pub(crate) async fn import_demands(
    state: &AppState,
    viewer: &Viewer,
    file_name: &str,
    bytes: Vec<u8>,
) -> Result<Vec<DemandEntry>, ApiError> {
    let user = catalogue_manager(viewer)?;
    let imported = state.store.import_demands(file_name, bytes, user).await?;
    Ok(imported.iter().map(|r| entry(viewer, r)).collect())
}

/// The catalogue's organizers import solutions from a sheet, all or none.
pub(crate) async fn import_solutions(
    state: &AppState,
    viewer: &Viewer,
    file_name: &str,
    bytes: Vec<u8>,
) -> Result<Vec<SolutionEntry>, ApiError> {
    let user = catalogue_manager(viewer)?;
    let imported = state.store.import_solutions(file_name, bytes, user).await?;
    Ok(imported.into_iter().map(|r| solution_entry(viewer, r)).collect())
}

/// The demands this reader may see as an `.xlsx`, each with only the fields they may read.
pub(crate) async fn export_demands(state: &AppState, viewer: &Viewer) -> Result<Vec<u8>, ApiError> {
    let views: Vec<DemandView> = demands(state, viewer).await?.into_iter().map(|e| e.demand).collect();
    Ok(jiebang_sheets::write_demands_xlsx(&views)?)
}

/// The solutions as an `.xlsx` (the contacts to those signed in).
pub(crate) async fn export_solutions(state: &AppState, viewer: &Viewer) -> Result<Vec<u8>, ApiError> {
    let records = state.store.list_solutions().await?;
    let solutions: Vec<_> = records.into_iter().map(|r| r.solution).collect();
    Ok(jiebang_sheets::write_solutions_xlsx(&solutions, viewer.principal().is_some())?)
}

/// A new dataset card, and the challenge dataset version it describes.
#[derive(Debug, Deserialize, ToSchema)]
pub struct NewDatasetCard {
    /// The card.
    pub card: jiebang_core::dataset_card::DatasetCardInput,
    /// The challenge dataset version it describes, if any.
    #[serde(default)]
    pub dataset_version_id: Option<i64>,
}

/// Whether the viewer may read a card: one of a challenge whose program is not public yet is
/// its organizers' alone.
pub(crate) async fn card_visible(
    state: &AppState,
    viewer: &Viewer,
    card: &DatasetCardRecord,
) -> Result<bool, ApiError> {
    let Some(challenge) = card.challenge_id else { return Ok(true) };
    let program = state.store.get_challenge(challenge).await?.program_id;
    Ok(state.store.get_program(program).await?.status.is_public()
        || viewer.principal().is_some_and(|p| p.can_manage_program(program)))
}

/// Every dataset card the viewer may read.
pub(crate) async fn dataset_cards(state: &AppState, viewer: &Viewer) -> Result<Vec<DatasetCardRecord>, ApiError> {
    let mut visible = Vec::new();
    for card in state.store.list_dataset_cards().await? {
        if card_visible(state, viewer, &card).await? {
            visible.push(card);
        }
    }
    Ok(visible)
}

/// One dataset card.
pub(crate) async fn dataset_card(state: &AppState, viewer: &Viewer, id: i64) -> Result<DatasetCardRecord, ApiError> {
    let card = state.store.get_dataset_card(id).await?;
    if !card_visible(state, viewer, &card).await? {
        return Err(ApiError::NotFound(format!("数据集说明卡 {id} 不存在 / dataset card {id} not found")));
    }
    Ok(card)
}

/// Enters a card: the catalogue's organizers, or for a challenge's dataset version the
/// organizers of its program.
pub(crate) async fn create_dataset_card(
    state: &AppState,
    viewer: &Viewer,
    new: &NewDatasetCard,
) -> Result<DatasetCardRecord, ApiError> {
    let program = match new.dataset_version_id {
        Some(version) => {
            let challenge = state.store.get_dataset_version(version).await?.challenge_id;
            Some(state.store.get_challenge(challenge).await?.program_id)
        }
        None => None,
    };
    let user = viewer
        .require_that(|p| p.can_manage_catalogue() || program.is_some_and(|program| p.can_manage_program(program)))?
        .user
        .id;
    Ok(state.store.create_dataset_card(&new.card, new.dataset_version_id, Some(user)).await?)
}

/// A matchmaking event as a reader sees it: its demands at the reader's level, its solutions,
/// and what came of it — the engagements among its demands and solutions, those signed and
/// their value.
#[derive(Debug, Serialize, ToSchema)]
pub struct EventView {
    /// Id.
    pub id: i64,
    /// The event.
    pub event: jiebang_core::catalogue::MatchEvent,
    /// Its demands (withdrawn ones left out but for internal readers).
    pub demands: Vec<DemandEntry>,
    /// Its solutions.
    pub solutions: Vec<SolutionEntry>,
    /// Engagements between its demands and solutions.
    pub engagements: usize,
    /// Of those, signed or beyond.
    pub signed: usize,
    /// Their value, 万元.
    pub signed_value_wan: f64,
}

/// Every event, the latest first.
pub(crate) async fn events(state: &AppState) -> Result<Vec<jiebang_store::MatchEventRecord>, ApiError> {
    Ok(state.store.list_match_events().await?)
}

/// One event.
pub(crate) async fn event(state: &AppState, viewer: &Viewer, id: i64) -> Result<EventView, ApiError> {
    let record = state.store.get_match_event(id).await?;
    let mut demands = Vec::new();
    for demand in &record.demand_ids {
        let record = state.store.get_demand(*demand).await?;
        if record.state != DemandState::Withdrawn || reader(viewer, &record) == Visibility::Internal {
            demands.push(entry(viewer, &record));
        }
    }
    let mut solutions = Vec::new();
    for solution in &record.solution_ids {
        solutions.push(solution_entry(viewer, state.store.get_solution(*solution).await?));
    }
    let engagements: Vec<Engagement> = state
        .store
        .list_engagements()
        .await?
        .into_iter()
        .filter(|e| record.demand_ids.contains(&e.demand_id) && record.solution_ids.contains(&e.solution_id))
        .collect();
    let signed: Vec<f64> = engagements.iter().filter_map(|e| e.amount_wan).collect();
    Ok(EventView {
        id,
        event: record.event,
        demands,
        solutions,
        engagements: engagements.len(),
        signed: signed.len(),
        signed_value_wan: signed.iter().sum(),
    })
}

/// The catalogue's organizers enter an event.
pub(crate) async fn create_event(
    state: &AppState,
    viewer: &Viewer,
    input: &jiebang_core::catalogue::MatchEventInput,
) -> Result<jiebang_store::MatchEventRecord, ApiError> {
    let user = catalogue_manager(viewer)?;
    Ok(state.store.create_match_event(input, user).await?)
}

/// Demands and solutions to present at an event.
#[derive(Debug, Deserialize, ToSchema)]
pub struct EventEntries {
    /// Open demands.
    #[serde(default)]
    pub demand_ids: Vec<i64>,
    /// Solutions.
    #[serde(default)]
    pub solution_ids: Vec<i64>,
}

/// The catalogue's organizers put demands and solutions on an event.
pub(crate) async fn add_to_event(
    state: &AppState,
    viewer: &Viewer,
    id: i64,
    entries: &EventEntries,
) -> Result<jiebang_store::MatchEventRecord, ApiError> {
    let user = catalogue_manager(viewer)?;
    Ok(state.store.add_to_match_event(id, &entries.demand_ids, &entries.solution_ids, user).await?)
}

/// An event's catalogue as an `.xlsx`: its demands and solutions as the reader may see them.
pub(crate) async fn event_catalogue(state: &AppState, viewer: &Viewer, id: i64) -> Result<Vec<u8>, ApiError> {
    let view = event(state, viewer, id).await?;
    let demands: Vec<DemandView> = view.demands.into_iter().map(|d| d.demand).collect();
    let solutions: Vec<_> = view.solutions.into_iter().map(|s| s.record.solution).collect();
    Ok(jiebang_sheets::write_catalogue_xlsx(&demands, &solutions, viewer.principal().is_some())?)
}

/// Every typical case, by scenario.
pub(crate) async fn typical_cases(state: &AppState) -> Result<Vec<jiebang_store::TypicalCaseRecord>, ApiError> {
    Ok(state.store.list_typical_cases().await?)
}

/// The catalogue's organizers file a typical case under a scenario.
pub(crate) async fn create_typical_case(
    state: &AppState,
    viewer: &Viewer,
    input: &jiebang_core::scenario::TypicalCaseInput,
) -> Result<jiebang_store::TypicalCaseRecord, ApiError> {
    let user = catalogue_manager(viewer)?;
    Ok(state.store.create_typical_case(input, user).await?)
}

/// The typical scenarios demands, solutions and challenges point at: the shipped 2025
/// intelligent-manufacturing guide, each entry marked confirmed or secondary, then the editions
/// imported beside it.
pub(crate) async fn scenarios(state: &AppState) -> Result<Vec<jiebang_core::scenario::Scenario>, ApiError> {
    Ok(state.store.scenarios().await?)
}

/// The catalogue's organizers import a guide's edition from its TSV.
pub(crate) async fn import_scenario_edition(
    state: &AppState,
    viewer: &Viewer,
    multipart: axum::extract::Multipart,
) -> Result<Vec<jiebang_core::scenario::Scenario>, ApiError> {
    let user = catalogue_manager(viewer)?;
    let (edition, file_name, bytes) = crate::http::read_text_and_file(multipart, "edition", 4 << 20).await?;
    Ok(state.store.import_scenario_edition(&edition, &file_name, &bytes, user).await?)
}
