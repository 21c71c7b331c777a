//! One search over everything public around the lists — challenges, demands, solutions, accepted
//! models, typical scenarios and cases, and dataset cards — in Chinese and English, with facets by kind,
//! industry (GB/T 4754) and region (GB/T 2260).
//!
//! Why tantivy with jieba and not the database: SQLite's FTS5 reads a run of Chinese characters
//! as one token (`unicode61`) or cannot match fewer than three characters (`trigram`), so 化工 or
//! 轴承 would find nothing, and PostgreSQL has no Chinese parser packaged here; two database
//! searches would also rank differently. The index is small (a catalogue is thousands of
//! entries, the benchmark checks 100,000), so each server keeps its own in memory, built from the
//! database at start and kept in step from the database's change feed — the caller's job; this
//! crate has no IO besides tantivy's RAM directory.
//!
//! What goes in is what the public may read: the caller builds each [`Entry`] from the public
//! view of a record, so no field withheld from anonymous readers can be found by searching.
//!
//! Text is folded to half-width before it is tokenized (ＡＩ质检 finds AI质检), cut by jieba in
//! its search mode (故障诊断 also yields 故障 and 诊断), lower-cased and English words stemmed.
//! A query must match every word; when that finds nothing it is relaxed to any word, and the
//! results say so.

use std::sync::Mutex;

use tantivy::collector::{Count, FacetCollector, TopDocs};
use tantivy::query::{AllQuery, BooleanQuery, BoostQuery, Occur, Query as TantivyQuery, TermQuery};
use tantivy::schema::{
    FAST, Facet, FacetOptions, Field, INDEXED, IndexRecordOption, STORED, STRING, Schema, TextFieldIndexing,
    TextOptions, Value,
};
use tantivy::tokenizer::{Language, LowerCaser, RemoveLongFilter, Stemmer, TextAnalyzer};
use tantivy::{DocAddress, Index, IndexReader, IndexWriter, ReloadPolicy, TantivyDocument, Term, doc};

/// What went wrong inside the index. Queries never fail on their text: any text is a query.
#[derive(Debug, thiserror::Error)]
pub enum SearchError {
    /// tantivy refused an operation (out of memory, a poisoned writer).
    #[error("搜索索引出错 / search index error: {0}")]
    Index(String),
}

impl From<tantivy::TantivyError> for SearchError {
    fn from(error: tantivy::TantivyError) -> Self {
        SearchError::Index(error.to_string())
    }
}

/// Result alias for this crate.
pub type Result<T> = std::result::Result<T, SearchError>;

/// What an entry is; each kind has its own page.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    /// A challenge of a published list.
    Challenge,
    /// A scenario or technical demand of the catalogue.
    Demand,
    /// A solution or product of the catalogue.
    Solution,
    /// A model accepted in a project and listed as a solution.
    Model,
    /// A typical scenario of a scenario guide.
    Scenario,
    /// A dataset card.
    Dataset,
    /// A typical case of a scenario.
    Case,
}

impl Kind {
    /// Every kind, in the order facets list them.
    pub const ALL: [Kind; 7] =
        [Kind::Challenge, Kind::Demand, Kind::Solution, Kind::Model, Kind::Scenario, Kind::Case, Kind::Dataset];

    /// The key used in URLs and the API.
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Challenge => "challenge",
            Kind::Demand => "demand",
            Kind::Solution => "solution",
            Kind::Model => "model",
            Kind::Scenario => "scenario",
            Kind::Dataset => "dataset",
            Kind::Case => "case",
        }
    }

    /// The kind a key names.
    pub fn parse(key: &str) -> Option<Kind> {
        Kind::ALL.into_iter().find(|kind| kind.as_str() == key)
    }

    /// The kind's name for people.
    pub fn name(self, chinese: bool) -> &'static str {
        match (self, chinese) {
            (Kind::Challenge, true) => "榜单任务",
            (Kind::Challenge, false) => "Challenge",
            (Kind::Demand, true) => "需求",
            (Kind::Demand, false) => "Demand",
            (Kind::Solution, true) => "解决方案",
            (Kind::Solution, false) => "Solution",
            (Kind::Model, true) => "验收模型",
            (Kind::Model, false) => "Accepted model",
            (Kind::Scenario, true) => "典型场景",
            (Kind::Scenario, false) => "Typical scenario",
            (Kind::Dataset, true) => "数据集",
            (Kind::Dataset, false) => "Dataset",
            (Kind::Case, true) => "典型案例",
            (Kind::Case, false) => "Typical case",
        }
    }
}

/// One searchable thing, as the public may read it.
#[derive(Debug, Clone, PartialEq)]
pub struct Entry {
    /// What it is.
    pub kind: Kind,
    /// Its id among its kind.
    pub id: i64,
    /// Title (weighted above the text).
    pub title: String,
    /// Every other public word of it.
    pub text: String,
    /// GB/T 4754 codes (a section letter and digits: `C`, `C26`, `C2614`).
    pub industries: Vec<String>,
    /// GB/T 2260 six-digit codes.
    pub regions: Vec<String>,
}

/// A search: words, filters and a page.
#[derive(Debug, Clone, Default)]
pub struct Query {
    /// The words as typed; empty lists everything the filters let through.
    pub text: String,
    /// Only these kinds (none: all).
    pub kinds: Vec<Kind>,
    /// Only this industry or any below it (`C` or `C26`).
    pub industry: Option<String>,
    /// Only this region or any below it (`370000` is the province, `370100` the city).
    pub region: Option<String>,
    /// How many hits to skip.
    pub offset: usize,
    /// How many hits to return (at least 1).
    pub limit: usize,
}

/// One found entry.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Hit {
    /// What it is.
    pub kind: Kind,
    /// Its id among its kind.
    pub id: i64,
    /// Its title.
    pub title: String,
    /// A passage of its text with the matched words in `<b>`, HTML-escaped otherwise.
    pub snippet_html: String,
    /// BM25 relevance.
    pub score: f32,
}

/// How many matching entries fall under each value of a facet.
#[derive(Debug, Clone, Default, PartialEq, serde::Serialize)]
pub struct Facets {
    /// Per kind.
    pub kinds: Vec<(Kind, u64)>,
    /// Per industry section (the letter).
    pub industries: Vec<(String, u64)>,
    /// Per province (six digits).
    pub regions: Vec<(String, u64)>,
}

/// What a search found.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Results {
    /// How many entries match in all.
    pub total: usize,
    /// The page asked for, best first.
    pub hits: Vec<Hit>,
    /// Whether no entry had every word, so entries with any word are shown.
    pub relaxed: bool,
    /// Counts of the matching entries.
    pub facets: Facets,
}

#[derive(Clone, Copy)]
struct Fields {
    key: Field,
    kind: Field,
    id: Field,
    title: Field,
    text: Field,
    kind_facet: Field,
    industry: Field,
    region: Field,
}

const ANALYZER: &str = "zh_en";

/// The in-memory index. Cheap to search from many threads; writes take a lock.
pub struct SearchIndex {
    reader: IndexReader,
    writer: Mutex<IndexWriter>,
    fields: Fields,
    analyzer: TextAnalyzer,
}

impl std::fmt::Debug for SearchIndex {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SearchIndex").field("entries", &self.len()).finish()
    }
}

fn analyzer() -> TextAnalyzer {
    TextAnalyzer::builder(tantivy_jieba::JiebaTokenizer::new())
        .filter(RemoveLongFilter::limit(40))
        .filter(LowerCaser)
        .filter(Stemmer::new(Language::English))
        .build()
}

/// The words of a text as the index cuts them (jieba's search mode, lower-cased, English
/// stemmed), each once, in order; single Chinese characters and bare numbers are left out, since
/// they say little about what two texts share.
pub fn words(text: &str) -> Vec<String> {
    let mut analyzer = analyzer();
    let folded = fold(text);
    let mut stream = analyzer.token_stream(&folded);
    let mut words: Vec<String> = Vec::new();
    while let Some(token) = stream.next() {
        let word = &token.text;
        let telling = word.chars().count() >= 2 && word.chars().any(char::is_alphabetic);
        if telling && !words.contains(word) {
            words.push(word.clone());
        }
    }
    words
}

/// The text as half-width, so full-width letters and digits typed with a Chinese input method
/// meet their ASCII forms.
fn fold(text: &str) -> String {
    text.chars().map(jiebang_core::text::half_width).collect()
}

/// `C2614` → `/C/C26/C261/C2614`: the facet path holds every level, so a filter or a count at
/// any level works.
fn industry_facet(code: &str) -> Option<Facet> {
    let code = code.trim();
    let mut chars = code.chars();
    let section = chars.next().filter(char::is_ascii_uppercase)?;
    let digits = chars.as_str();
    if !digits.chars().all(|c| c.is_ascii_digit()) || digits.len() > 4 || digits.len() == 1 {
        return None;
    }
    let mut parts = vec![section.to_string()];
    for len in 2..=digits.len() {
        parts.push(format!("{section}{}", &digits[..len]));
    }
    Some(Facet::from_path(parts))
}

/// `370102` → `/370000/370100/370102`; a province or city code stops at its own level.
fn region_facet(code: &str) -> Option<Facet> {
    let code = code.trim();
    if code.len() != 6 || !code.chars().all(|c| c.is_ascii_digit()) {
        return None;
    }
    let province = format!("{}0000", &code[..2]);
    let city = format!("{}00", &code[..4]);
    let mut parts = vec![province.clone()];
    if city != province {
        parts.push(city.clone());
    }
    if code != city {
        parts.push(code.to_owned());
    }
    Some(Facet::from_path(parts))
}

fn key(kind: Kind, id: i64) -> String {
    format!("{}:{id}", kind.as_str())
}

impl SearchIndex {
    /// An empty index in memory.
    pub fn new() -> Result<SearchIndex> {
        let mut schema = Schema::builder();
        let words = TextOptions::default()
            .set_indexing_options(
                TextFieldIndexing::default().set_tokenizer(ANALYZER).set_index_option(IndexRecordOption::WithFreqs),
            )
            .set_stored();
        let fields = Fields {
            key: schema.add_text_field("key", STRING),
            kind: schema.add_text_field("kind", STRING | STORED),
            id: schema.add_i64_field("id", INDEXED | STORED | FAST),
            title: schema.add_text_field("title", words.clone()),
            text: schema.add_text_field("text", words),
            kind_facet: schema.add_facet_field("kind_facet", FacetOptions::default()),
            industry: schema.add_facet_field("industry", FacetOptions::default()),
            region: schema.add_facet_field("region", FacetOptions::default()),
        };
        let index = Index::create_in_ram(schema.build());
        index.tokenizers().register(ANALYZER, analyzer());
        // One indexing thread: entries arrive a few at a time, and a full rebuild of 100,000
        // takes seconds either way.
        let writer = index.writer_with_num_threads(1, 64 * 1024 * 1024)?;
        let reader = index.reader_builder().reload_policy(ReloadPolicy::Manual).try_into()?;
        Ok(SearchIndex { reader, writer: Mutex::new(writer), fields, analyzer: analyzer() })
    }

    /// How many entries the index holds.
    pub fn len(&self) -> u64 {
        self.reader.searcher().num_docs()
    }

    /// Whether the index holds nothing.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    fn document(&self, entry: &Entry) -> TantivyDocument {
        let f = self.fields;
        let mut document = doc!(
            f.key => key(entry.kind, entry.id),
            f.kind => entry.kind.as_str(),
            f.id => entry.id,
            f.title => fold(&entry.title),
            f.text => fold(&entry.text),
            f.kind_facet => Facet::from_path([entry.kind.as_str()]),
        );
        for facet in entry.industries.iter().filter_map(|code| industry_facet(code)) {
            document.add_facet(f.industry, facet);
        }
        for facet in entry.regions.iter().filter_map(|code| region_facet(code)) {
            document.add_facet(f.region, facet);
        }
        document
    }

    fn write(&self, change: impl FnOnce(&mut IndexWriter, &SearchIndex) -> Result<()>) -> Result<()> {
        let mut writer = self.writer.lock().map_err(|_| SearchError::Index("writer lock poisoned".into()))?;
        change(&mut writer, self)?;
        writer.commit()?;
        self.reader.reload()?;
        Ok(())
    }

    /// Replaces everything with these entries, in one commit: searches see the old index until
    /// the new one is whole.
    pub fn replace_all(&self, entries: impl IntoIterator<Item = Entry>) -> Result<()> {
        self.write(|writer, this| {
            writer.delete_all_documents()?;
            for entry in entries {
                writer.add_document(this.document(&entry))?;
            }
            Ok(())
        })
    }

    /// Puts these entries in (replacing any with the same kind and id) and takes those out, in
    /// one commit.
    pub fn update(&self, upserts: &[Entry], removals: &[(Kind, i64)]) -> Result<()> {
        if upserts.is_empty() && removals.is_empty() {
            return Ok(());
        }
        self.write(|writer, this| {
            let f = this.fields;
            for (kind, id) in removals.iter().copied().chain(upserts.iter().map(|entry| (entry.kind, entry.id))) {
                writer.delete_term(Term::from_field_text(f.key, &key(kind, id)));
            }
            for entry in upserts {
                writer.add_document(this.document(entry))?;
            }
            Ok(())
        })
    }

    /// The query's words as the index cut them, each once, in order.
    fn words(&self, text: &str) -> Vec<String> {
        let mut analyzer = self.analyzer.clone();
        let mut stream = analyzer.token_stream(text);
        let mut words: Vec<String> = Vec::new();
        while let Some(token) = stream.next() {
            // Spaces and punctuation are tokens too (harmless in the index), but no words.
            if token.text.chars().any(char::is_alphanumeric) && !words.contains(&token.text) {
                words.push(token.text.clone());
            }
        }
        words
    }

    fn text_query(&self, words: &[String], every: bool) -> Box<dyn TantivyQuery> {
        let f = self.fields;
        let occur = if every { Occur::Must } else { Occur::Should };
        let clauses = words
            .iter()
            .map(|word| {
                let in_title: Box<dyn TantivyQuery> = Box::new(BoostQuery::new(
                    Box::new(TermQuery::new(Term::from_field_text(f.title, word), IndexRecordOption::WithFreqs)),
                    2.0,
                ));
                let in_text: Box<dyn TantivyQuery> =
                    Box::new(TermQuery::new(Term::from_field_text(f.text, word), IndexRecordOption::WithFreqs));
                let either: Box<dyn TantivyQuery> =
                    Box::new(BooleanQuery::new(vec![(Occur::Should, in_title), (Occur::Should, in_text)]));
                (occur, either)
            })
            .collect();
        Box::new(BooleanQuery::new(clauses))
    }

    fn filters(&self, query: &Query) -> Vec<(Occur, Box<dyn TantivyQuery>)> {
        let f = self.fields;
        let facet_term = |field: Field, facet: Facet| -> Box<dyn TantivyQuery> {
            Box::new(TermQuery::new(Term::from_facet(field, &facet), IndexRecordOption::Basic))
        };
        let mut filters = Vec::new();
        if !query.kinds.is_empty() {
            let any = query
                .kinds
                .iter()
                .map(|kind| (Occur::Should, facet_term(f.kind_facet, Facet::from_path([kind.as_str()]))))
                .collect();
            filters.push((Occur::Must, Box::new(BooleanQuery::new(any)) as Box<dyn TantivyQuery>));
        }
        // An unreadable code filters everything out rather than being ignored.
        let never = || facet_term(f.kind_facet, Facet::from_path(["none"]));
        if let Some(code) = &query.industry {
            filters.push((Occur::Must, industry_facet(code).map_or_else(never, |facet| facet_term(f.industry, facet))));
        }
        if let Some(code) = &query.region {
            filters.push((Occur::Must, region_facet(code).map_or_else(never, |facet| facet_term(f.region, facet))));
        }
        filters
    }

    /// Searches. Any text is a valid query; words are matched as the index cut them.
    pub fn search(&self, query: &Query) -> Result<Results> {
        let words = self.words(&fold(&query.text));
        let attempts: &[bool] = if words.len() > 1 { &[true, false] } else { &[true] };
        let searcher = self.reader.searcher();
        let mut last = None;
        for &every in attempts {
            let mut clauses = self.filters(query);
            let text: Box<dyn TantivyQuery> =
                if words.is_empty() { Box::new(AllQuery) } else { self.text_query(&words, every) };
            clauses.push((Occur::Must, text));
            let full = BooleanQuery::new(clauses);
            let mut kinds = FacetCollector::for_field("kind_facet");
            kinds.add_facet("/");
            let mut industries = FacetCollector::for_field("industry");
            industries.add_facet("/");
            let mut regions = FacetCollector::for_field("region");
            regions.add_facet("/");
            let top = TopDocs::with_limit(query.limit.max(1)).and_offset(query.offset).order_by_score();
            let (top, total, (kinds, industries, regions)) =
                searcher.search(&full, &(top, Count, (kinds, industries, regions)))?;
            let count = |facets: &tantivy::collector::FacetCounts| -> Vec<(String, u64)> {
                let mut counts: Vec<(String, u64)> = facets
                    .get("/")
                    .map(|(facet, count)| (facet.to_path().last().copied().unwrap_or_default().to_owned(), count))
                    .collect();
                counts.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
                counts
            };
            let facets = Facets {
                kinds: count(&kinds)
                    .into_iter()
                    .filter_map(|(key, n)| Kind::parse(&key).map(|kind| (kind, n)))
                    .collect(),
                industries: count(&industries),
                regions: count(&regions),
            };
            let hits = top
                .into_iter()
                .map(|(score, address)| self.hit(&searcher, address, score, &words))
                .collect::<Result<Vec<_>>>()?;
            let results = Results { total, hits, relaxed: !every, facets };
            if total > 0 {
                return Ok(results);
            }
            last = Some(results);
        }
        Ok(last.expect("at least one attempt"))
    }

    fn hit(&self, searcher: &tantivy::Searcher, address: DocAddress, score: f32, words: &[String]) -> Result<Hit> {
        let f = self.fields;
        let document: TantivyDocument = searcher.doc(address)?;
        let text_of = |field: Field| document.get_first(field).and_then(|v| v.as_str()).unwrap_or_default().to_owned();
        let kind = Kind::parse(&text_of(f.kind)).ok_or_else(|| SearchError::Index("entry without a kind".into()))?;
        let id = document.get_first(f.id).and_then(|v| v.as_i64()).unwrap_or_default();
        let snippet_html = snippet(&text_of(f.text), words);
        Ok(Hit { kind, id, title: text_of(f.title), snippet_html, score })
    }
}

/// How many characters a snippet shows.
const SNIPPET_CHARS: usize = 120;

/// A passage of `text` around the first of `words` it holds, HTML-escaped, with every word
/// found in it in `<b>`. Made here rather than by tantivy's snippet generator, whose
/// highlighting slices the text at the tokens' offsets and fails when jieba's search mode gives
/// overlapping ones (集装箱 and 装箱).
fn snippet(text: &str, words: &[String]) -> String {
    // ASCII lower-casing keeps every byte where it was, so positions in `lower` are positions
    // in `text`; the index's words are lower-cased too (stemmed ones still begin the word).
    let lower = text.to_ascii_lowercase();
    let mut words: Vec<&str> = words.iter().map(String::as_str).filter(|w| !w.is_empty()).collect();
    words.sort_by_key(|w| std::cmp::Reverse(w.len()));
    let first = words.iter().filter_map(|w| lower.find(w)).min().unwrap_or(0);
    let start = text[..first].char_indices().rev().nth(29).map_or(0, |(at, _)| at);
    let end = text[start..].char_indices().nth(SNIPPET_CHARS).map_or(text.len(), |(at, _)| start + at);
    let mut html = String::new();
    let mut at = start;
    let mut plain = start;
    while at < end {
        match words.iter().find(|w| lower[at..end].starts_with(**w)) {
            Some(word) => {
                html.push_str(&escape(&text[plain..at]));
                html.push_str("<b>");
                html.push_str(&escape(&text[at..at + word.len()]));
                html.push_str("</b>");
                at += word.len();
                plain = at;
            }
            None => at += text[at..].chars().next().map_or(1, char::len_utf8),
        }
    }
    html.push_str(&escape(&text[plain..end]));
    if start > 0 {
        html.insert(0, '…');
    }
    if end < text.len() {
        html.push('…');
    }
    html
}

fn escape(text: &str) -> String {
    text.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn facet_paths_hold_every_level() {
        assert_eq!(industry_facet("C2614").unwrap().to_string(), "/C/C26/C261/C2614");
        assert_eq!(industry_facet("C").unwrap().to_string(), "/C");
        assert!(industry_facet("26").is_none());
        assert!(industry_facet("C2").is_none());
        assert_eq!(region_facet("370102").unwrap().to_string(), "/370000/370100/370102");
        assert_eq!(region_facet("370100").unwrap().to_string(), "/370000/370100");
        assert_eq!(region_facet("370000").unwrap().to_string(), "/370000");
        assert!(region_facet("3701").is_none());
    }

    #[test]
    fn snippets_mark_overlapping_words_and_stay_on_character_boundaries() {
        let words = vec!["集装箱".to_owned(), "装箱".to_owned(), "bear".to_owned()];
        assert_eq!(snippet("港口集装箱<调度>", &words), "港口<b>集装箱</b>&lt;调度&gt;");
        assert_eq!(snippet("Bearings 装箱", &words), "<b>Bear</b>ings <b>装箱</b>");
        let long = format!("{}集装箱{}", "前".repeat(50), "后".repeat(200));
        let cut = snippet(&long, &words);
        assert!(cut.starts_with('…') && cut.ends_with('…') && cut.contains("<b>集装箱</b>"), "{cut}");
        assert_eq!(cut.chars().filter(|c| *c == '前').count(), 30);
        assert_eq!(snippet("无关", &words), "无关");
    }

    #[test]
    fn every_kind_reads_back_from_its_key() {
        for kind in Kind::ALL {
            assert_eq!(Kind::parse(kind.as_str()), Some(kind));
        }
        assert_eq!(Kind::parse("case"), Some(Kind::Case));
    }

    #[test]
    fn full_width_folds_to_ascii() {
        assert_eq!(fold("ＡＩ质检　５Ｇ"), "AI质检 5G");
    }
}
