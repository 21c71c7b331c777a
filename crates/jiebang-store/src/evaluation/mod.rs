//! The evaluation service's records: dataset versions (with hidden files), phases, registered
//! teams, submissions under quotas, evaluations, and the job queue workers claim with leases.
//!
//! A submission and its job are written in one transaction, so a submission is never lost; a
//! job is claimed with a lease (`FOR UPDATE SKIP LOCKED` on PostgreSQL, one atomic
//! `UPDATE … RETURNING` on SQLite), and a result is recorded only by the lease holder, inside
//! the transaction that closes the job — so each run is recorded exactly once, whatever crashes.

use std::collections::HashMap;

use jiebang_core::delivery::{DeliveryContract, SubmissionKind};
use jiebang_core::evaluation::{PhaseInput, PhaseKind, Quotas, SubmissionState, Usage, Visibility};
use jiebang_core::program::Day;
use serde::Serialize;
use sqlx::any::AnyRow;
use sqlx::{Any, Row, Transaction};

use crate::{Backend, Result, Store, StoreError, StoredFile, audit, now_text};

mod datasets;
mod endpoints;
mod leaderboards;
mod phases;
mod queue;
mod services;
mod submissions;

pub use self::datasets::*;
pub use self::endpoints::*;
pub use self::phases::*;
pub use self::queue::*;
pub use self::services::*;
pub use self::submissions::*;

/// Milliseconds since the Unix epoch, as the queue's columns store time.
pub fn now_ms() -> i64 {
    (time::OffsetDateTime::now_utc().unix_timestamp_nanos() / 1_000_000) as i64
}

fn flag(row: &AnyRow, column: &str) -> Result<bool> {
    Ok(row.try_get::<i64, _>(column)? != 0)
}

fn phase_from_row(row: &AnyRow) -> Result<Phase> {
    let text = |c: &str| -> Result<String> { Ok(row.try_get::<String, _>(c)?) };
    let number = |c: &str| -> Result<u32> { Ok(row.try_get::<i64, _>(c)? as u32) };
    Ok(Phase {
        id: row.try_get("id")?,
        challenge_id: row.try_get("challenge_id")?,
        dataset_id: row.try_get("dataset_id")?,
        input: PhaseInput {
            kind: PhaseKind::parse("kind", &text("kind")?).map_err(StoreError::corrupt)?,
            name: text("name")?,
            opens_on: Day::parse("opens_on", &text("opens_on")?).map_err(StoreError::corrupt)?,
            closes_on: Day::parse("closes_on", &text("closes_on")?).map_err(StoreError::corrupt)?,
            split: text("split")?,
            visibility: Visibility::parse("visibility", &text("visibility")?).map_err(StoreError::corrupt)?,
            quotas: Quotas {
                per_day: number("per_day")?,
                total: number("total")?,
                concurrent: number("concurrent")?,
                invalid: number("invalid")?,
            },
            counted: number("counted")?,
            precision: number("decimals")?,
        },
        private_published: flag(row, "private_published")?,
    })
}

// The name the team gave its upload: identical bytes share one stored file, whose first name may
// be another's (a hidden file's).
const SUBMISSION_COLUMNS: &str = "s.*, o.name AS organization_name, COALESCE(s.upload_name, f.name) AS file_name, f.size AS file_size, \
     f.sha256 AS file_sha256, f.key AS file_key";
const SUBMISSION_FROM: &str =
    "submissions s JOIN organizations o ON o.id = s.organization_id JOIN files f ON f.id = s.file_id";

/// Serialises writers of one phase's submissions until commit on PostgreSQL (SQLite's
/// `BEGIN IMMEDIATE` already serialises every writer), so counts read in the transaction hold.
async fn lock_phase(tx: &mut Transaction<'static, Any>, backend: Backend, phase_id: i64) -> Result<()> {
    if backend == Backend::Postgres {
        sqlx::query("SELECT id FROM phases WHERE id = $1 FOR UPDATE").bind(phase_id).execute(&mut **tx).await?;
    }
    Ok(())
}

async fn enqueue(tx: &mut Transaction<'static, Any>, submission_id: i64, run: i64, now: i64) -> Result<()> {
    sqlx::query(
        "INSERT INTO jobs (kind, subject_id, run, state, max_attempts, run_after_ms, created_ms) VALUES ($1, $2, $3, 'queued', $4, $5, $5)",
    )
    .bind(SCORE_SUBMISSION)
    .bind(submission_id)
    .bind(run)
    .bind(MAX_ATTEMPTS)
    .bind(now)
    .execute(&mut **tx)
    .await?;
    Ok(())
}
