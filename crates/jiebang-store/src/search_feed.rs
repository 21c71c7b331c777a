//! The search feed: what changed, for the servers' search indexes to follow. Rows are written by
//! triggers (migration 0023); this module only reads them.

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
