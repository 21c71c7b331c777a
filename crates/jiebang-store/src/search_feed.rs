//! The search feed: what changed, for the servers' search indexes to follow. Rows are written by
//! triggers (migration 0023); this module reads them and trims the oldest. A server whose
//! position falls below what is kept rebuilds its index from the tables.

use serde::Serialize;
use sqlx::Row;

use crate::{Result, Store};

/// One change a search index must follow: the entry of `kind` with `entity_id` may have changed
/// or gone.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SearchChange {
    /// Position in the feed; later changes have higher numbers, though on PostgreSQL a change
    /// may commit after a higher-numbered one.
    pub seq: i64,
    /// `program`, `challenge`, `demand` or `solution`.
    pub kind: String,
    /// The id in its table.
    pub entity_id: i64,
}

impl Store {
    /// The highest position in the feed (0 when empty).
    pub async fn search_feed_head(&self) -> Result<i64> {
        Ok(sqlx::query_scalar("SELECT COALESCE(MAX(seq), 0) FROM search_feed").fetch_one(&self.pool).await?)
    }

    /// The lowest position still in the feed (0 when empty): below it, rows were trimmed.
    pub async fn search_feed_tail(&self) -> Result<i64> {
        Ok(sqlx::query_scalar("SELECT COALESCE(MIN(seq), 0) FROM search_feed").fetch_one(&self.pool).await?)
    }

    /// Trims the feed to its newest `keep` positions (at least one: SQLite numbers a new row
    /// after the highest present, so an emptied feed would count from 1 again and servers would
    /// take new changes for old ones); returns how many rows went.
    pub async fn prune_search_feed(&self, keep: i64) -> Result<u64> {
        let keep = keep.max(1);
        let head = self.search_feed_head().await?;
        let mut tx = self.begin_write().await?;
        let gone = sqlx::query("DELETE FROM search_feed WHERE seq <= $1").bind(head - keep).execute(&mut *tx).await?;
        tx.commit().await?;
        Ok(gone.rows_affected())
    }

    /// Changes after position `after`, in feed order.
    pub async fn search_changes_after(&self, after: i64) -> Result<Vec<SearchChange>> {
        let rows = sqlx::query("SELECT seq, kind, entity_id FROM search_feed WHERE seq > $1 ORDER BY seq")
            .bind(after)
            .fetch_all(&self.pool)
            .await?;
        rows.iter()
            .map(|row| {
                Ok(SearchChange {
                    seq: row.try_get("seq")?,
                    kind: row.try_get("kind")?,
                    entity_id: row.try_get("entity_id")?,
                })
            })
            .collect()
    }
}
