//! Test support: a fresh, migrated store per test, on SQLite by default or on PostgreSQL when
//! `JIEBANG_TEST_DATABASE_URL` names a server (`scripts/test` runs the suite both ways).
//!
//! `JIEBANG_TEST_STORE_URL` puts the files in another store (e.g. `s3://bucket`).
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
        // `JIEBANG_TEST_STORE_URL` (an S3-compatible store in scripts/test's scale-out run) wins.
        let files = match std::env::var("JIEBANG_TEST_STORE_URL").ok().filter(|u| !u.is_empty()) {
            Some(url) => FileStore::open(&url).expect("test file store"),
            None => FileStore::local(&dir.path().join("files")).expect("file store"),
        };
        Self { store, files, dir }
    }
}

/// A challenge ready for submissions: a team (a user acting for an organization, registered
/// as a participant), a program and a challenge with the given indicators, a dataset version
/// whose hidden labels are the given CSV (`id,label[,split]`, binary), and a phase open from 2020
/// to 2099 with the given quotas.
#[derive(Debug, Clone, Copy)]
pub struct Arena {
    /// The team's user.
    pub user: i64,
    /// The team.
    pub organization: i64,
    /// The challenge.
    pub challenge: i64,
    /// The dataset version.
    pub dataset: i64,
    /// The phase.
    pub phase: i64,
}

impl Arena {
    /// Builds the arena in `store`.
    pub async fn new(
        store: &Store,
        files: &FileStore,
        labels: &str,
        indicators: &[&str],
        quotas: jiebang_core::evaluation::Quotas,
    ) -> Self {
        use jiebang_core::evaluation::{PhaseInput, PhaseKind, Visibility};
        use jiebang_core::program::Day;
        let user = store.create_user("team@example.com", "队长", "correct horse battery").await.expect("user").id;
        let org = jiebang_core::organization::OrganizationInput {
            name: "云鼎科技股份有限公司".into(),
            credit_code: jiebang_core::uscc::CreditCode::with_check_character("91370000163042000")
                .expect("code")
                .to_string(),
            kind: "企业".into(),
            region: "370100".into(),
            industries: vec!["C26".into()],
            ..Default::default()
        };
        let organization = store
            .create_organization(&org.validate().expect("valid organization"), Some(user))
            .await
            .expect("organization")
            .id;
        let program = jiebang_core::program::ProgramInput {
            title: "测评批次".into(),
            issuer: "工业和信息化厅".into(),
            year: 2026,
            description: String::new(),
            rules: Default::default(),
            timeline: Default::default(),
        };
        let program = store.create_program(program, None, false).await.expect("program").id;
        let challenge = jiebang_core::challenge::ChallengeInput {
            code: "JB-01".into(),
            title: "轴承故障识别".into(),
            direction: "智能制造".into(),
            sub_field: "装备".into(),
            task_class: "示范应用".into(),
            industries: vec!["C34".into()],
            region: "370100".into(),
            scenario: "预测性维护".into(),
            indicators: indicators
                .iter()
                .map(|text| {
                    let expr = jiebang_core::indicator::IndicatorExpr::parse(text).expect("indicator");
                    jiebang_core::indicator::IndicatorInput {
                        name: expr.metric.as_str().into(),
                        metric: expr.metric.as_str().into(),
                        op: expr.op.symbol().into(),
                        threshold: Some(expr.threshold),
                        ..Default::default()
                    }
                })
                .collect(),
            ..Default::default()
        }
        .validate()
        .expect("valid challenge");
        let challenge = store.create_challenge(program, &challenge, None).await.expect("challenge").id;
        let has_split = labels.lines().next().is_some_and(|header| header.trim_end().ends_with(",split"));
        let labels = store.save_file(files, "labels.csv", labels.as_bytes().to_vec(), None).await.expect("labels");
        let scoring = crate::ScoringSpec::binary(if has_split { "split" } else { "" });
        let dataset = store
            .create_dataset_version(
                challenge,
                scoring,
                "",
                vec![crate::DatasetFileInput { purpose: "labels".into(), file: labels }],
                None,
            )
            .await
            .expect("dataset")
            .id;
        let phase = PhaseInput {
            kind: PhaseKind::Development,
            name: "开发阶段".into(),
            opens_on: Day::parse("d", "2020-01-01").expect("day"),
            closes_on: Day::parse("d", "2099-12-31").expect("day"),
            split: "public".into(),
            visibility: Visibility::Public,
            quotas,
            counted: 2,
            precision: 4,
        };
        let phase = store.create_phase(challenge, dataset, phase, None).await.expect("phase").id;
        store.register_participant(challenge, organization, user).await.expect("participant");
        Self { user, organization, challenge, dataset, phase }
    }

    /// Uploads `predictions` as the team's submission; returns its id.
    pub async fn submit(&self, store: &Store, files: &FileStore, predictions: &str) -> crate::Result<i64> {
        let file = store.save_file(files, "pred.csv", predictions.as_bytes().to_vec(), None).await?;
        Ok(store
            .create_submission(&crate::NewSubmission::new(
                self.phase,
                self.organization,
                self.user,
                &file,
                crate::today(),
            ))
            .await?
            .id)
    }
}

impl Store {
    /// Runs arbitrary SQL, bypassing every rule; only for tests that simulate tampering.
    pub async fn execute_unchecked(&self, sql: &str) -> crate::Result<u64> {
        Ok(sqlx::query(sqlx::AssertSqlSafe(sql.to_owned())).execute(&self.pool).await?.rows_affected())
    }

    /// Every text value in every table: what people entered or imported, so that a check of the
    /// interface's own words (one language per page) can tell them from data.
    pub async fn every_text_value(&self) -> crate::Result<Vec<String>> {
        use sqlx::Row;
        let tables: Vec<String> = sqlx::query_scalar(match self.backend {
            crate::Backend::Sqlite => "SELECT name FROM sqlite_master WHERE type = 'table'",
            crate::Backend::Postgres => "SELECT tablename::text FROM pg_tables WHERE schemaname = current_schema()",
        })
        .fetch_all(&self.pool)
        .await?;
        let mut texts = Vec::new();
        for table in tables {
            for row in sqlx::query(sqlx::AssertSqlSafe(format!("SELECT * FROM {table}"))).fetch_all(&self.pool).await? {
                texts.extend((0..row.columns().len()).filter_map(|i| row.try_get::<String, _>(i).ok()));
            }
        }
        Ok(texts)
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
