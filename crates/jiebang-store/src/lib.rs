//! Persistence for jiebang: one [`Store`] over SQLite (the default, a file under the data
//! directory) and PostgreSQL (for scale), with the same schema and the same SQL on both, plus the
//! [`FileStore`] for uploaded bytes.
//!
//! Why raw SQL through sqlx's `Any` driver rather than an ORM: the schema is small and portable
//! (BIGINT, DOUBLE PRECISION, TEXT), every query is visible and reviewable as SQL, the backend
//! differences are few and marked (`Backend::Postgres` / `Backend::Sqlite`: the schema's key and
//! triggers in [`migrate`], how a write transaction starts in `Store::begin_write`, and the row
//! locks of the queue, quotas and program rules), and the build is several minutes lighter on the two-core machines this project builds on. See ARCHITECTURE.md.
//!
//! Invariant: this is the only crate that knows SQL. An operation that records an audit event
//! writes its change and the event in one transaction.

pub mod accounts;
mod applications;
mod audit;
mod catalogue;
mod columns;
mod dataset_cards;
mod error;
mod evaluation;
mod files;
mod import;
mod match_events;
pub mod migrate;
mod notifications;
pub mod organizations;
mod programs;
mod projects;
mod publicity;
mod review;
mod scenarios;
mod search_feed;
pub mod secrets;
pub mod signing;
pub mod signup;
#[cfg(feature = "testing")]
pub mod testing;
mod typical_cases;

use std::collections::HashMap;
use std::path::Path;
use std::sync::Once;
use std::time::Duration;

use sqlx::any::{AnyConnectOptions, AnyPoolOptions};
use sqlx::{Any, AnyPool, Executor, Transaction};

pub use accounts::{ApiToken, User};
pub use applications::{Application, ApplicationFilter, Place, today};
pub use audit::{AuditEvent, Checkpoint};
pub use catalogue::{DemandFilter, DemandRecord, Engagement, SolutionRecord};
pub use dataset_cards::DatasetCardRecord;
pub use error::{Result, StoreError};
pub use evaluation::{
    DatasetFile, DatasetFileInput, DatasetVersion, EndpointAnswer, EndpointProgress, Evaluation, Job, NewSubmission,
    Outcome, PURPOSES, Phase, PhaseCounts, Publication, PublishedModel, QueueStats, SCORE_SUBMISSION, ScoringSpec,
    Submission, TASKS, WorkerRecord, now_ms,
};
pub use files::{Collected, FileStore, StoredFile, private_dir, private_file};
pub use match_events::MatchEventRecord;
pub use notifications::{MAX_MAIL_ATTEMPTS, MailId, Notification, OutgoingMail};
pub use organizations::{Organization, PENDING_PER_USER};
pub use programs::{ChallengeFilter, ChallengeHeading, ChallengeRecord, Program};
pub use projects::{
    AcceptanceOpinion, Appeal, ChangeInput, Gate, LabReport, MidTermCheck, MilestoneReport, NewMilestoneReport,
    ProgressInput, ProgressReport, Project, ProjectChange, ProjectEvent, ProjectLab, progress_schedule,
};
pub use publicity::{MAX_OBJECTIONS_PER_DAY, MAX_PENDING_OBJECTIONS, Objection, Publicity};
pub use review::{Assignment, Draw, DualRole, Expert, Review};
pub use search_feed::SearchChange;
pub use signup::{AccountLink, LinkPurpose};
pub use typical_cases::TypicalCaseRecord;

/// Which database is behind the store.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    /// SQLite file, single machine.
    Sqlite,
    /// PostgreSQL server.
    Postgres,
}

/// A page request: 1-based page number and page size (at most 200).
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Deserialize)]
pub struct PageRequest {
    /// 1-based.
    pub page: u32,
    /// Items per page.
    pub per_page: u32,
}

impl Default for PageRequest {
    fn default() -> Self {
        Self { page: 1, per_page: 50 }
    }
}

impl PageRequest {
    fn limit_offset(self) -> (i64, i64) {
        let per_page = self.per_page.clamp(1, 200);
        (i64::from(per_page), i64::from(self.page.max(1) - 1) * i64::from(per_page))
    }
}

/// One page of results and the total count.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Page<T> {
    /// The items on this page.
    pub items: Vec<T>,
    /// Items across all pages.
    pub total: i64,
    /// This page's number.
    pub page: u32,
    /// Page size used.
    pub per_page: u32,
}

/// The database handle; cheap to clone.
#[derive(Debug, Clone)]
pub struct Store {
    pool: AnyPool,
    backend: Backend,
    /// Bounds the password hashes this process computes at once (see `accounts`).
    hashing: std::sync::Arc<accounts::Hashing>,
    /// Connections taken from the pool (see [`Store::round_trips`]).
    round_trips: std::sync::Arc<std::sync::atomic::AtomicU64>,
}

static DRIVERS: Once = Once::new();

impl Store {
    /// Connects to `sqlite://…` or `postgres://…`. Does not migrate.
    pub async fn connect(url: &str) -> Result<Self> {
        DRIVERS.call_once(sqlx::any::install_default_drivers);
        let backend = if url.starts_with("postgres:") || url.starts_with("postgresql:") {
            Backend::Postgres
        } else if url.starts_with("sqlite:") {
            Backend::Sqlite
        } else {
            return Err(StoreError::Migration(format!(
                "不支持的数据库地址 / unsupported database URL (use sqlite://PATH or postgres://…): {}",
                redact(url)
            )));
        };
        let options: AnyConnectOptions = url.parse()?;
        let round_trips = std::sync::Arc::new(std::sync::atomic::AtomicU64::new(0));
        let (reused, opened) = (round_trips.clone(), round_trips.clone());
        let pool = AnyPoolOptions::new()
            .max_connections(if backend == Backend::Sqlite { 8 } else { 16 })
            .acquire_timeout(Duration::from_secs(15))
            .before_acquire(move |_, _| {
                reused.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                Box::pin(async { Ok(true) })
            })
            .after_connect(move |conn, _meta| {
                opened.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                Box::pin(async move {
                    if backend == Backend::Sqlite {
                        // WAL lets readers proceed during a write; busy_timeout makes writers
                        // wait for each other instead of failing; SQLite leaves FKs off by default.
                        conn.execute("PRAGMA journal_mode = WAL").await?;
                        conn.execute("PRAGMA busy_timeout = 10000").await?;
                        conn.execute("PRAGMA foreign_keys = ON").await?;
                        conn.execute("PRAGMA synchronous = NORMAL").await?;
                    }
                    Ok(())
                })
            })
            .connect_with(options)
            .await?;
        if backend == Backend::Sqlite {
            // The database holds password hashes and the registry: this user's alone. SQLite gives
            // its WAL and shared-memory files the database file's mode.
            let files: Vec<(String,)> =
                sqlx::query_as("SELECT file FROM pragma_database_list WHERE name = 'main'").fetch_all(&pool).await?;
            for (file,) in files.into_iter().filter(|(f,)| !f.is_empty()) {
                private_file(std::path::Path::new(&file)).map_err(|e| StoreError::Migration(format!("{file}: {e}")))?;
            }
        }
        Ok(Self { pool, backend, hashing: Default::default(), round_trips })
    }

    /// How many times this store has taken a connection from its pool — once for each
    /// statement run outside a transaction and once for each transaction. Tests read it to show
    /// that a list costs the same number of round trips however many rows it has.
    pub fn round_trips(&self) -> u64 {
        self.round_trips.load(std::sync::atomic::Ordering::Relaxed)
    }

    /// The backend in use.
    pub fn backend(&self) -> Backend {
        self.backend
    }

    /// Checks that the database answers.
    pub async fn ping(&self) -> Result<()> {
        sqlx::query("SELECT 1").execute(&self.pool).await?;
        Ok(())
    }

    /// The published-content counter: it moves with every committed write to what public pages
    /// show (see migration 0008), so a cache of rendered pages is current while it stands still.
    pub async fn content_version(&self) -> Result<i64> {
        Ok(sqlx::query_scalar("SELECT version FROM content_version WHERE id = 1").fetch_one(&self.pool).await?)
    }

    /// The names of the users with these ids, in one query per 500 ids — for lists that name
    /// many of them, instead of a query a row.
    pub async fn user_names(&self, ids: &[i64]) -> Result<HashMap<i64, String>> {
        let rows = self.rows_with_ids("SELECT id, name FROM users WHERE id IN ({ids})", ids).await?;
        use sqlx::Row;
        rows.iter().map(|row| Ok((row.try_get("id")?, row.try_get("name")?))).collect()
    }

    /// The rows of `sql`, whose `{ids}` stands for a list of ids, for all of `ids` in one query
    /// per 500 (the bound parameters a statement may carry stay well within both backends').
    pub(crate) async fn rows_with_ids(&self, sql: &str, ids: &[i64]) -> Result<Vec<sqlx::any::AnyRow>> {
        let mut rows = Vec::new();
        for chunk in ids.chunks(500) {
            let sql = sql.replace("{ids}", &placeholders(1, chunk.len()));
            let mut query = sqlx::query(sqlx::AssertSqlSafe(sql));
            for id in chunk {
                query = query.bind(*id);
            }
            rows.extend(query.fetch_all(&self.pool).await?);
        }
        Ok(rows)
    }

    /// Closes every connection.
    pub async fn close(&self) {
        self.pool.close().await;
    }

    /// Begins a transaction that will write. On SQLite it takes the write lock up front
    /// (`BEGIN IMMEDIATE`), so a transaction never fails half-way when upgrading a read lock.
    pub(crate) async fn begin_write(&self) -> Result<Transaction<'static, Any>> {
        Ok(match self.backend {
            Backend::Sqlite => self.pool.begin_with("BEGIN IMMEDIATE").await?,
            Backend::Postgres => self.pool.begin().await?,
        })
    }
}

/// The `sqlite://` URL of a database file, created on first open.
pub fn sqlite_url(path: &Path) -> String {
    format!("sqlite://{}?mode=rwc", path.display())
}

/// A URL with any password replaced by `***`, for logs and messages.
pub fn redact(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(scheme), Some(at)) if at > scheme => {
            let userinfo = &url[scheme + 3..at];
            match userinfo.split_once(':') {
                Some((user, _)) => format!("{}://{user}:***{}", &url[..scheme], &url[at..]),
                None => url.to_owned(),
            }
        }
        _ => url.to_owned(),
    }
}

/// Now, as the RFC 3339 UTC text stored in `*_at` columns (and written in reports).
pub fn now_text() -> String {
    time::OffsetDateTime::now_utc().format(&time::format_description::well_known::Rfc3339).unwrap_or_default()
}

/// `$start, $start+1, …` — `count` numbered placeholders, as both backends read them.
pub(crate) fn placeholders(start: usize, count: usize) -> String {
    (start..start + count).map(|n| format!("${n}")).collect::<Vec<_>>().join(", ")
}

#[cfg(test)]
mod tests {
    #[test]
    fn passwords_in_database_urls_are_redacted() {
        assert_eq!(super::redact("postgres://app:s3cret@db:5432/x"), "postgres://app:***@db:5432/x");
        assert_eq!(super::redact("sqlite:///tmp/a.db"), "sqlite:///tmp/a.db");
    }
}
