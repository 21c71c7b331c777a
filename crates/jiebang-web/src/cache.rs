//! Public pages served from memory. A national program's visitors all open the same few pages
//! (the program, its challenges, the 公示 and 公告, the public leaderboards, the statistics) on
//! the same day; rendering each once per change and answering from memory, with `ETag` /
//! `Last-Modified` revalidation and a gzip copy made once, is what lets one small server carry
//! them.
//!
//! What is cached: `GET`s of the routes [`cacheable`] names, from visitors without a session
//! cookie, a token or a flash (a signed-in page depends on who asks), answered `200` without setting a
//! cookie. The key is the path with its query, the page language and today's date (pages count
//! days down to deadlines).
//!
//! When it is current: every write to published content moves one counter in the database in
//! the same transaction (migration 0008's triggers). The cache keeps the counter value its
//! entries were rendered at and asks the database again at most every
//! [`CacheSettings::recheck`] — and before the next hit after any write request this process
//! served, so whoever writes sees their change at once, and other processes sharing the
//! database see it within one recheck interval.

use std::collections::HashMap;
use std::sync::atomic::{AtomicI64, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::body::{Body, HttpBody as _};
use axum::extract::{Request, State};
use axum::http::header::{
    ACCEPT_ENCODING, AUTHORIZATION, CACHE_CONTROL, CONTENT_ENCODING, CONTENT_LENGTH, ETAG, IF_MODIFIED_SINCE,
    IF_NONE_MATCH, LAST_MODIFIED, SET_COOKIE, VARY,
};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use bytes::Bytes;
use sha2::{Digest, Sha256};

use crate::AppState;
use crate::auth::{SESSION_COOKIE, cookie};

/// How the cache behaves.
#[derive(Debug, Clone)]
pub struct CacheSettings {
    /// How long a process trusts the content counter before asking the database again (writes
    /// from other processes become visible within this).
    pub recheck: Duration,
    /// The most rendered bytes kept (both encodings); past it the cache starts over.
    pub max_bytes: usize,
    /// The largest response kept.
    pub max_entry_bytes: usize,
}

impl Default for CacheSettings {
    fn default() -> Self {
        Self { recheck: Duration::from_millis(250), max_bytes: 64 << 20, max_entry_bytes: 2 << 20 }
    }
}

/// The rendered public pages of one process.
#[derive(Debug)]
pub struct PublicCache {
    settings: CacheSettings,
    /// The content counter the entries belong to (`-1`: not read yet).
    version: AtomicI64,
    /// Write requests this process has served, and how many of them the last reading of the
    /// counter accounts for: while they differ, every request reads the counter, so nobody
    /// who asks after a write here is answered from before it.
    writes: AtomicU64,
    seen_writes: AtomicU64,
    /// When the counter was last read, in milliseconds since `started`.
    checked_at: AtomicU64,
    started: Instant,
    entries: Mutex<Entries>,
    /// One render at a time per stripe of keys: when a change empties the cache, the visitors
    /// asking for one page wait for its one render instead of all rendering it at once.
    renders: [tokio::sync::Mutex<()>; RENDER_STRIPES],
}

const RENDER_STRIPES: usize = 64;

#[derive(Debug, Default)]
struct Entries {
    map: HashMap<String, Arc<Entry>>,
    bytes: usize,
}

/// One rendered response, in both encodings.
#[derive(Debug)]
struct Entry {
    headers: HeaderMap,
    body: Bytes,
    gzip: Bytes,
    etag: HeaderValue,
    rendered: time::OffsetDateTime,
}

impl Default for PublicCache {
    fn default() -> Self {
        Self::new(CacheSettings::default())
    }
}

impl PublicCache {
    /// An empty cache.
    pub fn new(settings: CacheSettings) -> Self {
        Self {
            settings,
            version: AtomicI64::new(-1),
            writes: AtomicU64::new(1),
            seen_writes: AtomicU64::new(0),
            checked_at: AtomicU64::new(0),
            started: Instant::now(),
            entries: Mutex::default(),
            renders: std::array::from_fn(|_| tokio::sync::Mutex::new(())),
        }
    }

    /// The content counter, read from the database when this process wrote since, or when the
    /// last reading is older than the recheck interval (one request reads; the others go on
    /// with the value they have). A changed counter empties the cache.
    async fn current_version(&self, state: &AppState) -> Option<i64> {
        let now = self.started.elapsed().as_millis() as u64;
        let last = self.checked_at.load(Ordering::Acquire);
        let due = now.saturating_sub(last) >= self.settings.recheck.as_millis() as u64;
        let writes = self.writes.load(Ordering::Acquire);
        let must = writes != self.seen_writes.load(Ordering::Acquire);
        if must || (due && self.checked_at.compare_exchange(last, now, Ordering::AcqRel, Ordering::Relaxed).is_ok()) {
            self.checked_at.store(now, Ordering::Release);
            let version = state.store.content_version().await.ok()?;
            if self.version.swap(version, Ordering::AcqRel) != version {
                let mut entries = self.entries.lock().unwrap_or_else(|e| e.into_inner());
                *entries = Entries::default();
            }
            self.seen_writes.fetch_max(writes, Ordering::AcqRel);
            return Some(version);
        }
        Some(self.version.load(Ordering::Acquire)).filter(|v| *v >= 0)
    }

    fn get(&self, key: &str) -> Option<Arc<Entry>> {
        self.entries.lock().unwrap_or_else(|e| e.into_inner()).map.get(key).cloned()
    }

    /// Keeps `entry` if the counter it was rendered at is still the current one.
    fn put(&self, key: String, entry: Arc<Entry>, rendered_at: i64) {
        let size = entry.body.len() + entry.gzip.len() + key.len();
        let mut entries = self.entries.lock().unwrap_or_else(|e| e.into_inner());
        let unaccounted = self.writes.load(Ordering::Acquire) != self.seen_writes.load(Ordering::Acquire);
        if self.version.load(Ordering::Acquire) != rendered_at || unaccounted {
            return;
        }
        if entries.bytes + size > self.settings.max_bytes {
            *entries = Entries::default();
        }
        entries.bytes += size;
        if let Some(old) = entries.map.insert(key, entry) {
            entries.bytes -= old.body.len() + old.gzip.len();
        }
    }

    /// How many responses are kept (for tests and `/metrics`).
    pub fn len(&self) -> usize {
        self.entries.lock().unwrap_or_else(|e| e.into_inner()).map.len()
    }

    /// Whether nothing is kept.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// Whether `path` is a public page or API answer whose content comes only from published
/// content (so the content counter tells when it changes).
pub fn cacheable(path: &str) -> bool {
    let segments: Vec<&str> = path.trim_end_matches('/').split('/').skip(1).collect();
    let id = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    match segments.as_slice() {
        [] | [""] => true,
        ["programs", p] | ["challenges", p] | ["phases", p] => id(p),
        ["programs", p, "publicity" | "statistics"] => id(p),
        ["api", "v1", "programs"] | ["api", "v1", "keys"] => true,
        ["api", "v1", "codes", "regions" | "industries"] => true,
        ["api", "v1", "programs", p] | ["api", "v1", "challenges", p] => id(p),
        ["api", "v1", "programs", p, "challenges" | "publicity" | "statistics"] => id(p),
        ["api", "v1", "phases", p, "leaderboard"] => id(p),
        _ => false,
    }
}

/// The middleware: answers cacheable anonymous `GET`s from memory, keeps what it renders, and
/// notes every write request so the next hit asks the database first.
pub async fn serve(State(state): State<AppState>, request: Request, next: Next) -> Response {
    let cache = state.cache.clone();
    if request.method() != Method::GET && request.method() != Method::HEAD {
        let response = next.run(request).await;
        cache.writes.fetch_add(1, Ordering::AcqRel);
        return response;
    }
    let headers = request.headers();
    // A flash is for one visitor's next page, so a request that carries one is rendered.
    let anonymous = !headers.contains_key(AUTHORIZATION)
        && cookie(headers, SESSION_COOKIE).is_none()
        && cookie(headers, crate::http::FLASH_COOKIE).is_none();
    if request.method() != Method::GET || !anonymous || !cacheable(request.uri().path()) {
        return next.run(request).await;
    }
    let Some(version) = cache.current_version(&state).await else {
        return next.run(request).await;
    };
    let lang = cookie(headers, "lang").unwrap_or("zh").to_owned();
    let key =
        format!("{lang}|{}|{}", state.clock.today().0, request.uri().path_and_query().map_or("/", |p| p.as_str()));
    if let Some(entry) = cache.get(&key) {
        return respond(&entry, request.headers());
    }
    let stripe = {
        use std::hash::{BuildHasher, BuildHasherDefault, DefaultHasher};
        BuildHasherDefault::<DefaultHasher>::default().hash_one(&key) as usize % RENDER_STRIPES
    };
    let _turn = cache.renders[stripe].lock().await;
    if let Some(entry) = cache.get(&key) {
        return respond(&entry, request.headers());
    }
    // Only a render needs the request's headers after handing the request on.
    let asked = request.headers().clone();
    let response = next.run(request).await;
    let keep = response.status() == StatusCode::OK
        && !response.headers().contains_key(SET_COOKIE)
        && !response.headers().contains_key(CONTENT_ENCODING)
        && response.body().size_hint().exact().is_some_and(|n| n <= cache.settings.max_entry_bytes as u64);
    if !keep {
        return response;
    }
    let (parts, body) = response.into_parts();
    let Ok(body) = axum::body::to_bytes(body, cache.settings.max_entry_bytes).await else {
        return StatusCode::INTERNAL_SERVER_ERROR.into_response();
    };
    let entry = Arc::new(Entry::new(parts.headers, body));
    cache.put(key, entry.clone(), version);
    respond(&entry, &asked)
}

impl Entry {
    fn new(mut headers: HeaderMap, body: Bytes) -> Self {
        use std::io::Write;
        let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
        let gzip = encoder.write_all(&body).and_then(|()| encoder.finish()).map(Bytes::from).unwrap_or_default();
        let digest = Sha256::digest(&body);
        let etag =
            HeaderValue::from_str(&format!("W/\"{}\"", hex::encode(&digest[..12]))).expect("hex is a valid header");
        headers.remove(CONTENT_LENGTH);
        headers.insert(CACHE_CONTROL, HeaderValue::from_static("public, no-cache"));
        headers.insert(VARY, HeaderValue::from_static("Cookie, Accept-Encoding"));
        let rendered =
            time::OffsetDateTime::now_utc().replace_nanosecond(0).unwrap_or_else(|_| time::OffsetDateTime::now_utc());
        if let Ok(value) = HeaderValue::from_str(&http_date(rendered)) {
            headers.insert(LAST_MODIFIED, value);
        }
        headers.insert(ETAG, etag.clone());
        Self { headers, body, gzip, etag, rendered }
    }
}

/// The kept response, or `304 Not Modified` when the client holds it already.
fn respond(entry: &Entry, asked: &HeaderMap) -> Response {
    let fresh = match asked.get(IF_NONE_MATCH) {
        Some(tags) => tags.to_str().is_ok_and(|tags| {
            tags.split(',').map(str::trim).any(|t| {
                t == "*" || t.trim_start_matches("W/") == entry.etag.to_str().unwrap_or("").trim_start_matches("W/")
            })
        }),
        None => asked
            .get(IF_MODIFIED_SINCE)
            .and_then(|v| v.to_str().ok())
            .and_then(parse_http_date)
            .is_some_and(|since| entry.rendered <= since),
    };
    let mut headers = entry.headers.clone();
    if fresh {
        headers.remove(axum::http::header::CONTENT_TYPE);
        return (StatusCode::NOT_MODIFIED, headers).into_response();
    }
    let body = if accepts_gzip(asked) && !entry.gzip.is_empty() {
        headers.insert(CONTENT_ENCODING, HeaderValue::from_static("gzip"));
        entry.gzip.clone()
    } else {
        entry.body.clone()
    };
    (headers, Body::from(body)).into_response()
}

/// Whether the client takes gzip (`Accept-Encoding: gzip`, not with `q=0`).
fn accepts_gzip(headers: &HeaderMap) -> bool {
    headers.get_all(ACCEPT_ENCODING).iter().filter_map(|v| v.to_str().ok()).flat_map(|v| v.split(',')).any(|coding| {
        let mut parts = coding.split(';').map(str::trim);
        let name = parts.next().unwrap_or("");
        let weight = parts.find_map(|p| p.strip_prefix("q=")?.trim().parse::<f32>().ok()).unwrap_or(1.0);
        (name.eq_ignore_ascii_case("gzip") || name == "*") && weight > 0.0
    })
}

const HTTP_DATE: &[time::format_description::BorrowedFormatItem<'static>] = time::macros::format_description!(
    "[weekday repr:short], [day] [month repr:short] [year] [hour]:[minute]:[second] GMT"
);

/// An HTTP date (`Tue, 01 Dec 2026 08:00:00 GMT`).
fn http_date(at: time::OffsetDateTime) -> String {
    at.to_offset(time::UtcOffset::UTC).format(HTTP_DATE).unwrap_or_default()
}

fn parse_http_date(text: &str) -> Option<time::OffsetDateTime> {
    time::PrimitiveDateTime::parse(text.trim(), HTTP_DATE).ok().map(|t| t.assume_utc())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_public_content_routes_are_cacheable() {
        for path in [
            "/",
            "/programs/1",
            "/programs/12/publicity",
            "/challenges/3",
            "/phases/4",
            "/api/v1/programs",
            "/api/v1/programs/1/challenges",
            "/api/v1/phases/2/leaderboard",
        ] {
            assert!(cacheable(path), "{path}");
        }
        for path in [
            "/login",
            "/programs/new",
            "/programs/1/applications",
            "/programs/x",
            "/queue",
            "/api/v1/queue",
            "/api/v1/submissions/1",
            "/api/v1/audit/checkpoints",
            "/metrics",
            "/account",
        ] {
            assert!(!cacheable(path), "{path}");
        }
    }

    #[test]
    fn gzip_is_taken_unless_refused() {
        let ask = |value: &str| {
            let mut headers = HeaderMap::new();
            headers.insert(ACCEPT_ENCODING, HeaderValue::from_str(value).unwrap());
            accepts_gzip(&headers)
        };
        assert!(ask("gzip, deflate, br"));
        assert!(ask("br;q=1.0, gzip;q=0.8"));
        assert!(!ask("gzip;q=0"));
        assert!(!ask("br"));
        assert!(!accepts_gzip(&HeaderMap::new()));
    }

    #[test]
    fn http_dates_round_trip() {
        let at = time::macros::datetime!(2026-12-01 08:00:00 UTC);
        assert_eq!(http_date(at), "Tue, 01 Dec 2026 08:00:00 GMT");
        assert_eq!(parse_http_date("Tue, 01 Dec 2026 08:00:00 GMT"), Some(at));
    }

    #[test]
    fn a_matching_tag_or_date_answers_not_modified() {
        let entry = Entry::new(HeaderMap::new(), Bytes::from_static(b"<html>page</html>"));
        let mut asked = HeaderMap::new();
        assert_eq!(respond(&entry, &asked).status(), StatusCode::OK);
        asked.insert(IF_NONE_MATCH, entry.etag.clone());
        assert_eq!(respond(&entry, &asked).status(), StatusCode::NOT_MODIFIED);
        asked.insert(IF_NONE_MATCH, HeaderValue::from_static("\"other\""));
        assert_eq!(respond(&entry, &asked).status(), StatusCode::OK);
        let mut by_date = HeaderMap::new();
        by_date.insert(IF_MODIFIED_SINCE, entry.headers[LAST_MODIFIED].clone());
        assert_eq!(respond(&entry, &by_date).status(), StatusCode::NOT_MODIFIED);
    }
}
