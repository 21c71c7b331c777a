//! The append-only audit log. Each event stores the hash of the one before it, so deleting or
//! editing a past event breaks the chain, and [`Store::verify_audit_chain`] says where.
//!
//! Events are appended inside the transaction of the change they record.

use serde::Serialize;
use sha2::{Digest, Sha256};
use sqlx::any::AnyRow;
use sqlx::{Any, Row, Transaction};

use crate::{Backend, Result, Store, StoreError, now_text};

/// One recorded decision.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AuditEvent {
    /// Sequence number.
    pub id: i64,
    /// When (RFC 3339 UTC).
    pub at: String,
    /// Who, if a user.
    pub actor_id: Option<i64>,
    /// What, e.g. `program.transition`.
    pub action: String,
    /// On what, e.g. `program:3`.
    pub target: String,
    /// Details as JSON.
    pub details: serde_json::Value,
    /// Hash of the previous event ("" for the first).
    pub prev_hash: String,
    /// Hash of this event, covering `prev_hash`.
    pub hash: String,
}

fn event_hash(prev_hash: &str, at: &str, actor_id: Option<i64>, action: &str, target: &str, details: &str) -> String {
    let actor = actor_id.map(|a| a.to_string()).unwrap_or_default();
    let mut hasher = Sha256::new();
    for part in [prev_hash, at, &actor, action, target, details] {
        hasher.update(part.as_bytes());
        hasher.update(b"\x1f");
    }
    hex::encode(hasher.finalize())
}

fn event_from_row(row: &AnyRow) -> Result<AuditEvent> {
    let details: String = row.try_get("details")?;
    Ok(AuditEvent {
        id: row.try_get("id")?,
        at: row.try_get("at")?,
        actor_id: row.try_get("actor_id")?,
        action: row.try_get("action")?,
        target: row.try_get("target")?,
        details: serde_json::from_str(&details).map_err(StoreError::corrupt)?,
        prev_hash: row.try_get("prev_hash")?,
        hash: row.try_get("hash")?,
    })
}

/// Appends an event within `tx`.
pub(crate) async fn append(
    tx: &mut Transaction<'static, Any>,
    backend: Backend,
    actor_id: Option<i64>,
    action: &str,
    target: &str,
    details: serde_json::Value,
) -> Result<()> {
    if backend == Backend::Postgres {
        // Two transactions must not both extend the same predecessor. (SQLite's BEGIN IMMEDIATE
        // already serialises writers.)
        sqlx::query("SELECT pg_advisory_xact_lock(7246002)").execute(&mut **tx).await?;
    }
    let prev_hash: Option<String> =
        sqlx::query_scalar("SELECT hash FROM audit_events ORDER BY id DESC LIMIT 1").fetch_optional(&mut **tx).await?;
    let prev_hash = prev_hash.unwrap_or_default();
    let at = now_text();
    let details = details.to_string();
    let hash = event_hash(&prev_hash, &at, actor_id, action, target, &details);
    sqlx::query("INSERT INTO audit_events (at, actor_id, action, target, details, prev_hash, hash) VALUES ($1, $2, $3, $4, $5, $6, $7)")
        .bind(at)
        .bind(actor_id)
        .bind(action)
        .bind(target)
        .bind(details)
        .bind(prev_hash)
        .bind(hash)
        .execute(&mut **tx)
        .await?;
    Ok(())
}

impl Store {
    /// Events about one target (e.g. `program:3`), oldest first.
    pub async fn list_audit_events(&self, target: &str) -> Result<Vec<AuditEvent>> {
        let rows = sqlx::query("SELECT * FROM audit_events WHERE target = $1 ORDER BY id")
            .bind(target)
            .fetch_all(&self.pool)
            .await?;
        rows.iter().map(event_from_row).collect()
    }

    /// Re-computes the whole chain. `Ok(n)` is the number of intact events; an error names the
    /// first event whose hash or link does not match.
    pub async fn verify_audit_chain(&self) -> Result<usize> {
        let rows = sqlx::query("SELECT * FROM audit_events ORDER BY id").fetch_all(&self.pool).await?;
        let mut prev = String::new();
        for row in &rows {
            let e = event_from_row(row)?;
            let details: String = row.try_get("details")?;
            let expected = event_hash(&prev, &e.at, e.actor_id, &e.action, &e.target, &details);
            if e.prev_hash != prev || e.hash != expected {
                return Err(StoreError::corrupt(format!(
                    "审计链在事件 {} 处断开 / audit chain broken at event {}",
                    e.id, e.id
                )));
            }
            prev = e.hash;
        }
        Ok(rows.len())
    }
}
