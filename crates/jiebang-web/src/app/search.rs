//! One search over everything public around the lists (issue 20). Each server keeps its own
//! in-memory index ([`jiebang_search`]): built whole from the database on the first search
//! after start, then brought up to date from the database's search feed before every search, so
//! a write on one server is found on every other at their next search, on either database.
//!
//! Entries are built from what anonymous readers may see — a demand's public view, a
//! solution without its contact, challenges of public programs only — so searching never reveals
//! a withheld field, whoever searches.

use std::collections::BTreeSet;

use jiebang_core::catalogue::DemandState;
use jiebang_core::industry::IndustryCode;
use jiebang_core::region::RegionCode;
use jiebang_search::{Entry, Kind, Query, Results, SearchIndex};
use jiebang_store::{
    ChallengeRecord, DatasetCardRecord, DemandRecord, Program, SolutionRecord, StoreError, TypicalCaseRecord,
};
use serde::Serialize;
use utoipa::ToSchema;

use crate::AppState;
use crate::error::ApiError;

/// How far back each refresh reads the feed again: on PostgreSQL a change may commit after one
/// with a higher number, so numbers already passed are re-read within this window and those not
/// yet applied are applied.
const LATE_WINDOW: i64 = 1000;

/// The index and how far into the feed it is.
pub struct Search {
    index: SearchIndex,
    cursor: tokio::sync::Mutex<Cursor>,
}

impl std::fmt::Debug for Search {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Search").field("index", &self.index).finish()
    }
}

#[derive(Default)]
struct Cursor {
    built: bool,
    /// The highest feed position applied.
    high: i64,
    /// Positions applied within the window below `high`.
    applied: BTreeSet<i64>,
}

impl Cursor {
    fn note(&mut self, seqs: impl IntoIterator<Item = i64>) {
        self.applied.extend(seqs);
        self.high = self.applied.last().copied().unwrap_or(self.high).max(self.high);
        let floor = self.high - LATE_WINDOW;
        self.applied.retain(|seq| *seq > floor);
    }
}

fn index_error(error: jiebang_search::SearchError) -> ApiError {
    ApiError::Internal(error.to_string())
}

impl Search {
    /// An empty index, built on the first search.
    pub fn new() -> Result<Search, jiebang_search::SearchError> {
        Ok(Search { index: SearchIndex::new()?, cursor: tokio::sync::Mutex::new(Cursor::default()) })
    }

    /// Builds the index whole from the database; returns how many entries it holds.
    pub async fn rebuild(&self, state: &AppState) -> Result<u64, ApiError> {
        let mut cursor = self.cursor.lock().await;
        self.rebuild_locked(state, &mut cursor).await?;
        Ok(self.index.len())
    }

    async fn rebuild_locked(&self, state: &AppState, cursor: &mut Cursor) -> Result<(), ApiError> {
        // The feed's head is read first: a change made while the tables are read is applied
        // again at the next refresh, which is harmless.
        let head = state.store.search_feed_head().await?;
        let recent = state.store.search_changes_after(head - LATE_WINDOW).await?;
        let entries = every_entry(state).await?;
        self.index.replace_all(entries).map_err(index_error)?;
        *cursor = Cursor { built: true, high: head, applied: BTreeSet::new() };
        cursor.note(recent.iter().map(|change| change.seq));
        Ok(())
    }

    /// Applies the feed's changes not yet applied (building the index first if need be).
    pub async fn refresh(&self, state: &AppState) -> Result<(), ApiError> {
        let mut cursor = self.cursor.lock().await;
        if !cursor.built {
            return self.rebuild_locked(state, &mut cursor).await;
        }
        let changes = state.store.search_changes_after(cursor.high - LATE_WINDOW).await?;
        let fresh: Vec<_> = changes.into_iter().filter(|change| !cursor.applied.contains(&change.seq)).collect();
        if fresh.is_empty() {
            return Ok(());
        }
        // Rows this index has not read were trimmed from the feed (it fell far behind): what
        // they said is lost, so the index is built again.
        let tail = state.store.search_feed_tail().await?;
        if tail > 1 && tail > cursor.high - LATE_WINDOW + 1 {
            tracing::info!(tail, high = cursor.high, "the search feed was trimmed past this index; rebuilding");
            return self.rebuild_locked(state, &mut cursor).await;
        }
        let touched: BTreeSet<(String, i64)> = fresh.iter().map(|c| (c.kind.clone(), c.entity_id)).collect();
        let mut upserts = Vec::new();
        let mut removals = Vec::new();
        for (kind, id) in touched {
            let (mut entries, mut gone) = entries_of(state, &kind, id).await?;
            upserts.append(&mut entries);
            removals.append(&mut gone);
        }
        self.index.update(&upserts, &removals).map_err(index_error)?;
        cursor.note(fresh.iter().map(|change| change.seq));
        Ok(())
    }

    /// Searches what is public, up to date with the database.
    pub async fn search(&self, state: &AppState, query: &Query) -> Result<Results, ApiError> {
        self.refresh(state).await?;
        self.index.search(query).map_err(index_error)
    }
}

fn industries(codes: &[IndustryCode]) -> Vec<String> {
    codes.iter().map(|code| format!("{}{}", code.industry().section, code.code())).collect()
}

fn industries_of_text(codes: &[String]) -> Vec<String> {
    codes
        .iter()
        .filter_map(|code| IndustryCode::parse(code).ok())
        .map(|code| format!("{}{}", code.industry().section, code.code()))
        .collect()
}

fn join<'a>(parts: impl IntoIterator<Item = &'a str>) -> String {
    parts.into_iter().filter(|part| !part.trim().is_empty()).collect::<Vec<_>>().join("\n")
}

fn challenge_entry(program: &Program, record: &ChallengeRecord) -> Option<Entry> {
    if !program.status.is_public() || record.archived_at.is_some() {
        return None;
    }
    let c = &record.challenge;
    let indicators: Vec<&str> = c.indicators.iter().map(|i| i.name.as_str()).collect();
    let text = join(
        [c.code.as_str(), &program.title, &program.issuer, &c.direction, &c.sub_field, &c.scenario]
            .into_iter()
            .chain([c.background.as_str(), &c.objectives, &c.deliverables])
            .chain(indicators),
    );
    Some(Entry {
        kind: Kind::Challenge,
        id: record.id,
        title: c.title.clone(),
        text,
        industries: industries(&c.industries),
        regions: c.region.iter().map(|r| r.code().to_owned()).collect(),
    })
}

fn demand_entry(record: &DemandRecord) -> Option<Entry> {
    if record.state == DemandState::Withdrawn {
        return None;
    }
    let view = record.demand.visible_to(jiebang_core::catalogue::Visibility::Public);
    let requirements: Vec<&str> = view.requirements.iter().flatten().map(|i| i.name.as_str()).collect();
    let text = join(
        [view.number.as_str(), view.organization.as_deref().unwrap_or_default(), &view.field]
            .into_iter()
            .chain([view.scenario.as_deref().unwrap_or_default(), view.pain_points.as_deref().unwrap_or_default()])
            .chain(requirements),
    );
    Some(Entry {
        kind: Kind::Demand,
        id: record.id,
        title: view.title.clone(),
        text,
        industries: industries_of_text(&view.industries),
        regions: vec![view.region.clone()],
    })
}

fn solution_kind(record: &SolutionRecord) -> Kind {
    if record.project_id.is_some() { Kind::Model } else { Kind::Solution }
}

fn solution_entry(record: &SolutionRecord) -> Entry {
    let s = &record.solution;
    let claims: Vec<&str> = s.claims.iter().map(|c| c.indicator.name.as_str()).collect();
    let cases: Vec<&str> = s.cases.iter().flat_map(|c| [c.customer.as_str(), &c.effect]).collect();
    let text = join(
        [s.provider.as_str(), &s.summary]
            .into_iter()
            .chain(s.scenarios.iter().map(String::as_str))
            .chain(claims)
            .chain(cases)
            .chain(s.qualifications.iter().map(String::as_str)),
    );
    Entry {
        kind: solution_kind(record),
        id: record.id,
        title: s.title.clone(),
        text,
        industries: industries(&s.industries),
        regions: vec![s.region.code().to_owned()],
    }
}

fn case_entry(record: &TypicalCaseRecord) -> Entry {
    let case = &record.case;
    Entry {
        kind: Kind::Case,
        id: record.id,
        title: case.title.clone(),
        text: join([case.organization.as_str(), &case.scenario, &case.summary, &case.results]),
        industries: industries(&case.industries),
        regions: vec![case.region.code().to_owned()],
    }
}

/// Every edition's scenarios; each one's id is its place in the list from 1, which stays put
/// because editions are only ever added after the shipped one (the page's anchors match).
async fn scenario_entries(state: &AppState) -> Result<Vec<Entry>, ApiError> {
    Ok(crate::app::catalogue::scenarios(state)
        .await?
        .into_iter()
        .zip(1..)
        .map(|(s, id)| Entry {
            kind: Kind::Scenario,
            id,
            title: s.name.clone(),
            text: join([s.code.as_str(), &s.edition, &s.stage]),
            industries: Vec::new(),
            regions: Vec::new(),
        })
        .collect())
}

fn dataset_entry(record: &DatasetCardRecord) -> Entry {
    let card = &record.card;
    let sources: Vec<&str> = card.sources.iter().map(|s| s.name.as_str()).collect();
    let text = join(
        [card.builder.as_str(), &card.summary, &card.schema, card.modality.label_zh(), card.stage.label_zh()]
            .into_iter()
            .chain(card.labels.iter().map(String::as_str))
            .chain(sources),
    );
    Entry {
        kind: Kind::Dataset,
        id: record.id,
        title: format!("{} {}", card.name, card.version),
        text,
        industries: industries(&card.industries),
        regions: Vec::new(),
    }
}

/// A card as anonymous readers may see it, if they may.
async fn public_dataset(state: &AppState, record: &DatasetCardRecord) -> Result<Option<Entry>, ApiError> {
    let anonymous = crate::auth::Viewer(None);
    Ok(crate::app::catalogue::card_visible(state, &anonymous, record).await?.then(|| dataset_entry(record)))
}

async fn every_entry(state: &AppState) -> Result<Vec<Entry>, ApiError> {
    let store = &state.store;
    let mut entries = scenario_entries(state).await?;
    for program in store.list_programs(None).await? {
        for record in store.all_challenges(program.id).await? {
            entries.extend(challenge_entry(&program, &record));
        }
    }
    let demands = store.list_demands(&jiebang_store::DemandFilter::default()).await?;
    entries.extend(demands.iter().filter_map(demand_entry));
    entries.extend(store.list_solutions().await?.iter().map(solution_entry));
    for card in store.list_dataset_cards().await? {
        entries.extend(public_dataset(state, &card).await?);
    }
    entries.extend(store.list_typical_cases().await?.iter().map(case_entry));
    Ok(entries)
}

/// What one change of the feed makes of the index: the entries to put in and those to take out.
async fn entries_of(state: &AppState, kind: &str, id: i64) -> Result<(Vec<Entry>, Vec<(Kind, i64)>), ApiError> {
    let store = &state.store;
    Ok(match kind {
        "program" => match store.get_program(id).await {
            Ok(program) => {
                // Publishing a list makes its challenges and their dataset cards public.
                let records = store.all_challenges(id).await?;
                let mut removals: Vec<(Kind, i64)> = records.iter().map(|r| (Kind::Challenge, r.id)).collect();
                let mut entries: Vec<Entry> = records.iter().filter_map(|r| challenge_entry(&program, r)).collect();
                for record in &records {
                    for card in store.challenge_dataset_cards(record.id).await? {
                        removals.push((Kind::Dataset, card.id));
                        entries.extend(public_dataset(state, &card).await?);
                    }
                }
                (entries, removals)
            }
            Err(StoreError::NotFound { .. }) => (Vec::new(), Vec::new()),
            Err(error) => return Err(error.into()),
        },
        "challenge" => match store.get_challenge(id).await {
            Ok(record) => {
                let program = store.get_program(record.program_id).await?;
                (challenge_entry(&program, &record).into_iter().collect(), vec![(Kind::Challenge, id)])
            }
            Err(StoreError::NotFound { .. }) => (Vec::new(), vec![(Kind::Challenge, id)]),
            Err(error) => return Err(error.into()),
        },
        "demand" => match store.get_demand(id).await {
            Ok(record) => (demand_entry(&record).into_iter().collect(), vec![(Kind::Demand, id)]),
            Err(StoreError::NotFound { .. }) => (Vec::new(), vec![(Kind::Demand, id)]),
            Err(error) => return Err(error.into()),
        },
        "solution" => match store.get_solution(id).await {
            Ok(record) => (vec![solution_entry(&record)], vec![(Kind::Solution, id), (Kind::Model, id)]),
            Err(StoreError::NotFound { .. }) => (Vec::new(), vec![(Kind::Solution, id), (Kind::Model, id)]),
            Err(error) => return Err(error.into()),
        },
        "dataset" => match store.get_dataset_card(id).await {
            Ok(record) => (public_dataset(state, &record).await?.into_iter().collect(), vec![(Kind::Dataset, id)]),
            Err(StoreError::NotFound { .. }) => (Vec::new(), vec![(Kind::Dataset, id)]),
            Err(error) => return Err(error.into()),
        },
        // A new edition: its scenarios join the others.
        "edition" => (scenario_entries(state).await?, Vec::new()),
        "case" => match store.get_typical_case(id).await {
            Ok(record) => (vec![case_entry(&record)], vec![(Kind::Case, id)]),
            Err(StoreError::NotFound { .. }) => (Vec::new(), vec![(Kind::Case, id)]),
            Err(error) => return Err(error.into()),
        },
        _ => (Vec::new(), Vec::new()),
    })
}

/// One found entry, with where to read it.
#[derive(Debug, Serialize, ToSchema)]
pub struct SearchHit {
    /// What it is: `challenge`, `demand`, `solution`, `model`, `scenario` or `dataset`.
    pub kind: String,
    /// Its id among its kind.
    pub id: i64,
    /// Title.
    pub title: String,
    /// A passage with the matched words in `<b>`, otherwise HTML-escaped.
    pub snippet_html: String,
    /// The page that shows it.
    pub url: String,
}

/// How many matching entries fall under one value of a facet.
#[derive(Debug, Serialize, ToSchema)]
pub struct FacetCount {
    /// The value: a kind, a GB/T 4754 section letter or a GB/T 2260 province code.
    pub key: String,
    /// Its Chinese name.
    pub name_zh: String,
    /// Its English name.
    pub name_en: String,
    /// How many.
    pub count: u64,
}

/// A page of search results.
#[derive(Debug, Serialize, ToSchema)]
pub struct SearchResults {
    /// Matching entries in all.
    pub total: usize,
    /// Whether no entry had every word, so entries with any word are shown.
    pub relaxed: bool,
    /// This page, best first.
    pub hits: Vec<SearchHit>,
    /// Per kind.
    pub kinds: Vec<FacetCount>,
    /// Per industry section.
    pub industries: Vec<FacetCount>,
    /// Per province.
    pub regions: Vec<FacetCount>,
}

/// The kinds' keys, in the order a select lists them.
pub(crate) const KINDS: &[&str] = &["challenge", "demand", "solution", "model", "scenario", "case", "dataset"];

/// The page that shows an entry.
pub(crate) fn url_of(kind: Kind, id: i64) -> String {
    match kind {
        Kind::Challenge => format!("/challenges/{id}"),
        Kind::Demand => format!("/demands/{id}"),
        Kind::Solution | Kind::Model => format!("/solutions/{id}"),
        Kind::Scenario => format!("/scenarios#s{id}"),
        Kind::Dataset => format!("/datasets/{id}"),
        Kind::Case => format!("/scenarios#case{id}"),
    }
}

fn section_name(letter: &str, chinese: bool) -> String {
    letter
        .chars()
        .next()
        .and_then(|c| jiebang_core::industry::section_name(c, chinese))
        .map_or_else(|| letter.to_owned(), str::to_owned)
}

fn region_name(code: &str, chinese: bool) -> String {
    match RegionCode::parse(code) {
        Ok(region) if chinese => region.region().name.to_owned(),
        Ok(region) => region.region().name_en.to_owned(),
        Err(_) => code.to_owned(),
    }
}

/// Searches and names the facets.
pub(crate) async fn search(state: &AppState, query: &Query) -> Result<SearchResults, ApiError> {
    let results = state.search.search(state, query).await?;
    let facet = |key: String, name: &dyn Fn(bool) -> String, count: u64| FacetCount {
        name_zh: name(true),
        name_en: name(false),
        key,
        count,
    };
    Ok(SearchResults {
        total: results.total,
        relaxed: results.relaxed,
        hits: results
            .hits
            .into_iter()
            .map(|hit| SearchHit {
                kind: hit.kind.as_str().to_owned(),
                id: hit.id,
                url: url_of(hit.kind, hit.id),
                title: hit.title,
                snippet_html: hit.snippet_html,
            })
            .collect(),
        kinds: results
            .facets
            .kinds
            .into_iter()
            .map(|(kind, n)| facet(kind.as_str().to_owned(), &|zh| kind.name(zh).to_owned(), n))
            .collect(),
        industries: results
            .facets
            .industries
            .into_iter()
            .map(|(key, n)| facet(key.clone(), &|zh| section_name(&key, zh), n))
            .collect(),
        regions: results
            .facets
            .regions
            .into_iter()
            .map(|(key, n)| facet(key.clone(), &|zh| region_name(&key, zh), n))
            .collect(),
    })
}

/// `?q=&kind=&industry=&region=&page=&per_page=`.
#[derive(Debug, Clone, Default, serde::Deserialize, utoipa::IntoParams)]
pub struct SearchParams {
    /// The words, Chinese or English; full-width letters and digits are read as ASCII.
    pub q: Option<String>,
    /// Only this kind: `challenge`, `demand`, `solution`, `model`, `scenario`, `case` or `dataset`.
    pub kind: Option<String>,
    /// Only this industry: a GB/T 4754 section letter (`C`) or division (`26`, `C26`, 化学原料和化学制品制造业).
    pub industry: Option<String>,
    /// Only this region or below: a GB/T 2260 code or name (`370000`, 济南市).
    pub region: Option<String>,
    /// Page number from 1 (default 1).
    pub page: Option<u32>,
    /// Page size, 1–100 (default 20).
    pub per_page: Option<u32>,
}

impl SearchParams {
    /// The query these parameters ask for; every unreadable filter is named at once.
    pub(crate) fn query(&self) -> Result<Query, ApiError> {
        let given = |v: &Option<String>| v.as_deref().map(str::trim).filter(|v| !v.is_empty()).map(str::to_owned);
        let mut errors = Vec::new();
        let kinds = match given(&self.kind) {
            None => Vec::new(),
            Some(key) => match Kind::parse(&key) {
                Some(kind) => vec![kind],
                None => {
                    errors.push(jiebang_core::FieldError::new(
                        "kind",
                        format!("未知类别「{key}」/ unknown kind '{key}': challenge, demand, solution, model, scenario, case, dataset"),
                    ));
                    Vec::new()
                }
            },
        };
        let industry = given(&self.industry).and_then(|code| {
            let letter = code.len() == 1 && code.chars().all(|c| c.is_ascii_uppercase());
            if letter && jiebang_core::industry::section_name(code.chars().next()?, true).is_some() {
                return Some(code);
            }
            let division =
                code.strip_prefix(|c: char| c.is_ascii_uppercase()).filter(|d| d.len() == 2).unwrap_or(&code);
            match IndustryCode::parse(division) {
                Ok(parsed) => Some(format!("{}{}", parsed.industry().section, parsed.code())),
                Err(mut error) => {
                    error.field = "industry".into();
                    errors.push(error);
                    None
                }
            }
        });
        let region = given(&self.region).and_then(|code| match RegionCode::parse(&code) {
            Ok(parsed) => Some(parsed.code().to_owned()),
            Err(mut error) => {
                error.field = "region".into();
                errors.push(error);
                None
            }
        });
        if !errors.is_empty() {
            return Err(ApiError::Invalid(errors));
        }
        let per_page = self.per_page.unwrap_or(20).clamp(1, 100) as usize;
        let page = self.page.unwrap_or(1).clamp(1, 500) as usize;
        Ok(Query {
            text: given(&self.q).unwrap_or_default(),
            kinds,
            industry,
            region,
            offset: (page - 1) * per_page,
            limit: per_page,
        })
    }
}
