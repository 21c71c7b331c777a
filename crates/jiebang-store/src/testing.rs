//! Test support: a fresh, migrated store per test, on SQLite by default or on PostgreSQL when
//! `JIEBANG_TEST_DATABASE_URL` names a server (`scripts/test` runs the suite both ways).
//!
//! On PostgreSQL each test gets its own database (`jiebang_test_<random>`); they are dropped with
//! the throwaway cluster that `scripts/test` starts and stops.

use rand::Rng;

use crate::{Backend, FileStore, Store};

/// A migrated store, its file store, and the temporary directory that holds them.
pub struct TestStore {
    /// The store.
    pub store: Store,
    /// A file store in the temporary directory.
    pub files: FileStore,
    /// The directory (removed on drop).
    pub dir: tempfile::TempDir,
}

/// The PostgreSQL server URL tests should use, if any.
pub fn postgres_url() -> Option<String> {
    std::env::var("JIEBANG_TEST_DATABASE_URL").ok().filter(|u| !u.is_empty())
}

/// A database URL for a new, empty database: a fresh PostgreSQL database when the suite runs on
/// PostgreSQL, else a SQLite file in `dir`.
pub async fn fresh_database_url(dir: &std::path::Path) -> String {
    match postgres_url() {
        Some(server) => {
            let name = format!("jiebang_test_{:016x}", rand::rng().random::<u64>());
            let admin = Store::connect(&server).await.expect("connect to the test PostgreSQL server");
            assert_eq!(admin.backend(), Backend::Postgres, "JIEBANG_TEST_DATABASE_URL must be a postgres:// URL");
            sqlx::query(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}")))
                .execute(&admin.pool)
                .await
                .expect("create test database");
            admin.close().await;
            with_database(&server, &name)
        }
        None => crate::sqlite_url(&dir.join("jiebang.db")),
    }
}

/// Replaces the database name in a PostgreSQL URL.
fn with_database(url: &str, name: &str) -> String {
    let (base, query) = url.split_once('?').map_or((url, None), |(b, q)| (b, Some(q)));
    let scheme_end = base.find("://").map_or(0, |i| i + 3);
    let host_end = base[scheme_end..].find('/').map_or(base.len(), |i| scheme_end + i);
    let mut out = format!("{}/{name}", &base[..host_end]);
    if let Some(query) = query {
        out.push('?');
        out.push_str(query);
    }
    out
}

impl TestStore {
    /// A fresh, migrated store.
    pub async fn new() -> Self {
        let dir = tempfile::tempdir().expect("temporary directory");
        let url = fresh_database_url(dir.path()).await;
        let store = Store::connect(&url).await.expect("connect to test database");
        store.migrate().await.expect("migrate test database");
        let files = FileStore::local(&dir.path().join("files")).expect("file store");
        Self { store, files, dir }
    }
}

impl Store {
    /// Runs arbitrary SQL, bypassing every rule; only for tests that simulate tampering.
    pub async fn execute_unchecked(&self, sql: &str) -> crate::Result<u64> {
        Ok(sqlx::query(sqlx::AssertSqlSafe(sql.to_owned())).execute(&self.pool).await?.rows_affected())
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_database_name_is_replaced_and_parameters_kept() {
        assert_eq!(
            super::with_database("postgres://u@127.0.0.1:5432/postgres", "t1"),
            "postgres://u@127.0.0.1:5432/t1"
        );
        assert_eq!(
            super::with_database("postgres://u@h:1/x?sslmode=disable", "t2"),
            "postgres://u@h:1/t2?sslmode=disable"
        );
        assert_eq!(super::with_database("postgres://u@h:1", "t3"), "postgres://u@h:1/t3");
    }
}
