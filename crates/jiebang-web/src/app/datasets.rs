//! Dataset versions of a challenge: what the organizer set up, as each viewer may see it (the
//! hidden files' names and hashes to organizers only), and the files read from an upload form.

use jiebang_store::DatasetVersion;
use serde::Serialize;
use utoipa::ToSchema;

/// A dataset file as listed (its bytes are downloaded separately).
#[derive(Debug, Serialize, ToSchema)]
pub struct DatasetFileView {
    /// File name.
    pub name: String,
    /// `labels` (hidden), `train`, `test_features`, `sample_submission`, `data_card`, `other`.
    pub purpose: String,
    /// Only the challenge's organizers see hidden files at all.
    pub hidden: bool,
    /// Bytes.
    pub size: i64,
    /// sha256, hex.
    pub sha256: String,
}

/// How a dataset is scored.
#[derive(Debug, Serialize, ToSchema)]
pub struct ScoringView {
    /// `binary`, `multiclass` or `regression`.
    pub task: String,
    /// Id column.
    pub id_column: String,
    /// Label column (of the hidden labels).
    pub label_column: String,
    /// Split column, empty for none.
    pub split_column: String,
}

/// A dataset version.
#[derive(Debug, Serialize, ToSchema)]
pub struct DatasetView {
    /// Id.
    pub id: i64,
    /// The challenge.
    pub challenge_id: i64,
    /// Version number.
    pub version: i64,
    /// What changed.
    pub note: String,
    /// How submissions are scored against it.
    pub scoring: ScoringView,
    /// Files; hidden ones only for the challenge's organizers.
    pub files: Vec<DatasetFileView>,
    /// Created.
    pub created_at: String,
}

impl DatasetView {
    pub(crate) fn of(d: DatasetVersion, show_hidden: bool) -> Self {
        Self {
            id: d.id,
            challenge_id: d.challenge_id,
            version: d.version,
            note: d.note,
            scoring: ScoringView {
                task: d.scoring.task,
                id_column: d.scoring.id_column,
                label_column: d.scoring.label_column,
                split_column: d.scoring.split_column,
            },
            files: d
                .files
                .into_iter()
                .filter(|f| show_hidden || !f.hidden)
                .map(|f| DatasetFileView {
                    name: f.name,
                    purpose: f.purpose,
                    hidden: f.hidden,
                    size: f.size,
                    sha256: f.sha256,
                })
                .collect(),
            created_at: d.created_at,
        }
    }
}
