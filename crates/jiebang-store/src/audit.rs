//! The append-only audit log. Each event stores the hash of the one before it, so deleting or
//! editing a past event breaks the chain, and [`Store::verify_audit_chain`] says where.
//!
//! Events are appended inside the transaction of the change they record.
//!
//! The chain alone is unkeyed: whoever can write the database could delete the newest events or
//! recompute every hash. So the platform signs **checkpoints** of the head — how many events,
//! the last one's hash — daily and at every 公示, 公告 and signed report
//! ([`Store::record_checkpoint`]), publishes them (`/audit`, `/api/v1/audit/checkpoints`), and
//! [`Store::verify_audit_chain_against`] checks the chain against every checkpoint it is given:
//! the event at each signed count must carry the signed hash.

use serde::Serialize;
use sha2::{Digest, Sha256};
use sqlx::{Any, Row, Transaction};

use crate::columns::{JsonText, record};
use crate::signing::Signer;
use crate::{Backend, Result, Store, StoreError, now_text};

/// A signed checkpoint of the audit chain.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Checkpoint {
    /// Sequence number.
    pub id: i64,
    /// The signed document: `{"platform", "at", "reason", "events", "head"}`.
    pub checkpoint: serde_json::Value,
    /// Ed25519 signature of the document in canonical form, hex.
    pub signature: String,
}

impl Checkpoint {
    /// Events in the chain when it was signed.
    pub fn events(&self) -> i64 {
        self.checkpoint["events"].as_i64().unwrap_or(-1)
    }

    /// The hash of the last of them ("" for an empty chain).
    pub fn head(&self) -> &str {
        self.checkpoint["head"].as_str().unwrap_or_default()
    }
}

/// One recorded decision.
#[derive(Debug, Clone, PartialEq, Serialize, sqlx::FromRow)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
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
    #[cfg_attr(feature = "openapi", schema(value_type = Object))]
    #[sqlx(try_from = "JsonText<serde_json::Value>")]
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

/// Holds the chain's head still until `tx` ends: two transactions must not both extend the same
/// predecessor, nor a checkpoint read a head that moves. (SQLite's BEGIN IMMEDIATE already
/// serialises writers.)
async fn lock_chain(tx: &mut Transaction<'static, Any>, backend: Backend) -> Result<()> {
    if backend == Backend::Postgres {
        sqlx::query("SELECT pg_advisory_xact_lock(7246002)").execute(&mut **tx).await?;
    }
    Ok(())
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
    lock_chain(tx, backend).await?;
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
        rows.iter().map(record::<AuditEvent>).collect()
    }

    /// Re-computes the whole chain. `Ok(n)` is the number of intact events; an error names the
    /// first event whose hash or link does not match.
    pub async fn verify_audit_chain(&self) -> Result<usize> {
        Ok(self.verified_chain().await?.len())
    }

    /// The chain's hashes in order, once every link is re-computed (see
    /// [`Store::verify_audit_chain`]).
    async fn verified_chain(&self) -> Result<Vec<String>> {
        let rows = sqlx::query("SELECT * FROM audit_events ORDER BY id").fetch_all(&self.pool).await?;
        let mut hashes = Vec::with_capacity(rows.len());
        let mut prev = String::new();
        for row in &rows {
            let e = record::<AuditEvent>(row)?;
            let details: String = row.try_get("details")?;
            let expected = event_hash(&prev, &e.at, e.actor_id, &e.action, &e.target, &details);
            if e.prev_hash != prev || e.hash != expected {
                return Err(StoreError::corrupt(format!(
                    "审计链在事件 {} 处断开 / audit chain broken at event {}",
                    e.id, e.id
                )));
            }
            prev = e.hash.clone();
            hashes.push(e.hash);
        }
        Ok(hashes)
    }

    /// Signs and records a checkpoint of the chain's head now, for `reason` (`daily`,
    /// `publicity`, `announcement`, `report`).
    pub async fn record_checkpoint(&self, signer: &Signer, reason: &str) -> Result<Checkpoint> {
        let mut tx = self.begin_write().await?;
        lock_chain(&mut tx, self.backend).await?;
        let (events,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM audit_events").fetch_one(&mut *tx).await?;
        let head: Option<String> = sqlx::query_scalar("SELECT hash FROM audit_events ORDER BY id DESC LIMIT 1")
            .fetch_optional(&mut *tx)
            .await?;
        let at = now_text();
        let document = serde_json::json!({
            "platform": "jiebang",
            "at": at,
            "reason": reason,
            "events": events,
            "head": head.unwrap_or_default(),
        });
        let signed = signer.sign_document(&document);
        let id: i64 = sqlx::query_scalar("INSERT INTO audit_checkpoints (at, reason, events, head, document, signature) VALUES ($1, $2, $3, $4, $5, $6) RETURNING id")
            .bind(&at)
            .bind(reason)
            .bind(events)
            .bind(document["head"].as_str().unwrap_or_default())
            .bind(&signed.text)
            .bind(&signed.signature)
            .fetch_one(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(Checkpoint { id, checkpoint: document, signature: signed.signature })
    }

    /// The newest checkpoints, newest first.
    pub async fn list_checkpoints(&self, limit: i64) -> Result<Vec<Checkpoint>> {
        let rows: Vec<(i64, String, String)> =
            sqlx::query_as("SELECT id, document, signature FROM audit_checkpoints ORDER BY id DESC LIMIT $1")
                .bind(limit)
                .fetch_all(&self.pool)
                .await?;
        rows.into_iter()
            .map(|(id, document, signature)| {
                Ok(Checkpoint {
                    id,
                    checkpoint: serde_json::from_str(&document).map_err(StoreError::corrupt)?,
                    signature,
                })
            })
            .collect()
    }

    /// Signs a `daily` checkpoint when the newest one is a day old or there is none; whether
    /// it did.
    pub async fn record_daily_checkpoint(&self, signer: &Signer) -> Result<bool> {
        let last: Option<String> = sqlx::query_scalar("SELECT at FROM audit_checkpoints ORDER BY id DESC LIMIT 1")
            .fetch_optional(&self.pool)
            .await?;
        let rfc3339 = time::format_description::well_known::Rfc3339;
        let fresh = last
            .and_then(|at| time::OffsetDateTime::parse(&at, &rfc3339).ok())
            .is_some_and(|at| time::OffsetDateTime::now_utc() - at < time::Duration::DAY);
        if fresh {
            return Ok(false);
        }
        self.record_checkpoint(signer, "daily").await?;
        Ok(true)
    }

    /// [`Store::verify_audit_chain`], then every checkpoint: its signature must verify with
    /// `public_key_hex`, and the chain must hold at least its count of events with the signed
    /// hash at that count. Catches the newest events deleted (the chain is shorter than a
    /// checkpoint), and a rewritten chain (the hash at a checkpoint differs).
    pub async fn verify_audit_chain_against(&self, checkpoints: &[Checkpoint], public_key_hex: &str) -> Result<usize> {
        let hashes = self.verified_chain().await?;
        for c in checkpoints {
            if !crate::signing::verify_document(public_key_hex, &c.checkpoint, &c.signature) {
                return Err(StoreError::corrupt(format!(
                    "检查点 {} 的签名无效 / checkpoint {}: the signature does not verify",
                    c.id, c.id
                )));
            }
            let events = c.events();
            let at = c.checkpoint["at"].as_str().unwrap_or_default();
            if events > hashes.len() as i64 {
                return Err(StoreError::corrupt(format!(
                    "审计链只有 {} 个事件，{at} 的检查点签署时已有 {events} 个：最新的事件被删除 / the chain holds {} events but the checkpoint of {at} signed {events}: the newest events were deleted",
                    hashes.len(),
                    hashes.len()
                )));
            }
            let found = if events == 0 { "" } else { hashes[events as usize - 1].as_str() };
            if found != c.head() {
                return Err(StoreError::corrupt(format!(
                    "第 {events} 个事件的哈希与 {at} 的检查点不符：审计链被改写 / event {events} does not carry the hash the checkpoint of {at} signed: the chain was rewritten"
                )));
            }
        }
        Ok(hashes.len())
    }
}
