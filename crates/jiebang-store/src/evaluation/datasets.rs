//! Dataset versions: the hidden labels and the files teams may download, with how they are scored.

use super::*;

/// The tasks a dataset version is scored as: tables of predictions (`binary`, `multiclass`,
/// `regression`) or a large model's answer files against a question bank (`choice`, `safety`,
/// `generation`; JSON Lines or CSV with `id` and `answer`).
pub const TASKS: &[&str] = &["binary", "multiclass", "regression", "choice", "safety", "generation", "bank"];

/// How a dataset's files are scored: the task and the truth file's columns.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, serde::Deserialize)]
pub struct ScoringSpec {
    /// One of [`TASKS`].
    pub task: String,
    /// Id column of the truth and of submissions.
    pub id_column: String,
    /// Label column of the truth.
    pub label_column: String,
    /// Column assigning truth rows to splits (`public` / `private`); empty for none.
    pub split_column: String,
    /// Binary tasks with text labels: the positive class; empty for 0/1 labels.
    pub positive_label: String,
    /// Answer tasks: the metrics to report (`jiebang_core::answers`); empty for the defaults.
    #[serde(default)]
    pub metrics: Vec<String>,
    /// Answer tasks: refusal phrases the organizer adds to the rule set's list.
    #[serde(default)]
    pub refusal_phrases: Vec<String>,
    /// Answer tasks: the rule-set versions that read the answers (`choice-v1`, `refusal-v1`);
    /// empty at creation means this build's.
    #[serde(default)]
    pub rules: Vec<String>,
}

impl ScoringSpec {
    /// A binary task with 0/1 labels in `id`, `label` (and `split_column`, empty for none).
    pub fn binary(split_column: &str) -> Self {
        Self {
            task: "binary".into(),
            id_column: "id".into(),
            label_column: "label".into(),
            split_column: split_column.into(),
            positive_label: String::new(),
            metrics: Vec::new(),
            refusal_phrases: Vec::new(),
            rules: Vec::new(),
        }
    }

    /// Whether the files are a model's answers to a question bank (not a table of predictions).
    pub fn is_answers(&self) -> bool {
        jiebang_core::answers::TASKS.contains(&self.task.as_str())
    }

    /// What is wrong with it, field by field (empty when nothing is): checked before any file
    /// is uploaded, and again when the version is created.
    pub fn problems(&self) -> Vec<jiebang_core::FieldError> {
        let mut errors = Vec::new();
        if !TASKS.contains(&self.task.as_str()) {
            errors.push(jiebang_core::FieldError::new(
                "task",
                format!(
                    "任务类型「{}」应为 {} 之一 / task '{}' must be one of {}",
                    self.task,
                    TASKS.join("、"),
                    self.task,
                    TASKS.join(", ")
                ),
            ));
        }
        for (field, value) in [("id_column", &self.id_column), ("label_column", &self.label_column)] {
            if value.trim().is_empty() {
                errors.push(jiebang_core::FieldError::new(field, "必填 / required"));
            }
        }
        if self.is_answers() {
            errors.extend(jiebang_core::answers::problems(&self.task, &self.metrics, &self.rules));
        } else if !(self.metrics.is_empty() && self.refusal_phrases.is_empty() && self.rules.is_empty()) {
            errors.push(jiebang_core::FieldError::new(
                "metrics",
                "指标、拒答短语和规则版本只用于回答文件类任务 / metrics, refusal phrases and rule versions are for answer tasks",
            ));
        }
        errors
    }
}

/// A column of lines as its items.
pub(super) fn lines_of(text: String) -> Vec<String> {
    text.lines().map(str::to_owned).collect()
}

/// What a dataset file is for. `labels` and `questions` (the bank a live model is asked, issue
/// 17) are hidden.
pub const PURPOSES: &[&str] =
    &["labels", "questions", "train", "test_features", "sample_submission", "data_card", "other"];

/// Whether files of `purpose` are hidden from teams.
pub(crate) fn is_hidden_purpose(purpose: &str) -> bool {
    matches!(purpose, "labels" | "questions")
}

/// One file of a dataset version as uploaded.
#[derive(Debug, Clone)]
pub struct DatasetFileInput {
    /// One of [`PURPOSES`].
    pub purpose: String,
    /// The stored bytes.
    pub file: StoredFile,
}

/// One file of a stored dataset version.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DatasetFile {
    /// File name (unique within the version).
    pub name: String,
    /// One of [`PURPOSES`].
    pub purpose: String,
    /// Readable only by the evaluation path and organizers.
    pub hidden: bool,
    /// Size in bytes.
    pub size: i64,
    /// sha256, hex.
    pub sha256: String,
    /// Id of the `files` record.
    #[serde(skip)]
    pub file_id: i64,
    /// Key in the file store.
    #[serde(skip)]
    pub key: String,
}

/// An immutable version of a challenge's evaluation data.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DatasetVersion {
    /// Id.
    pub id: i64,
    /// The challenge.
    pub challenge_id: i64,
    /// 1, 2, … per challenge.
    pub version: i64,
    /// What changed.
    pub note: String,
    /// How it is scored.
    pub scoring: ScoringSpec,
    /// Its files, hidden ones included (callers filter what they show).
    pub files: Vec<DatasetFile>,
    /// Created.
    pub created_at: String,
}

impl DatasetVersion {
    /// The hidden truth file.
    pub fn labels(&self) -> Option<&DatasetFile> {
        self.files.iter().find(|f| f.purpose == "labels")
    }
}

impl Store {
    /// Adds the next version of a challenge's dataset. It needs exactly one `labels` file
    /// (hidden); every other file is public to registered participants.
    pub async fn create_dataset_version(
        &self,
        challenge_id: i64,
        scoring: ScoringSpec,
        note: &str,
        files: Vec<DatasetFileInput>,
        actor: Option<i64>,
    ) -> Result<DatasetVersion> {
        let mut scoring = scoring;
        let lines = |items: &[String]| -> Vec<String> {
            items.iter().map(|s| s.trim().to_owned()).filter(|s| !s.is_empty()).collect()
        };
        scoring.metrics = lines(&scoring.metrics);
        scoring.refusal_phrases = lines(&scoring.refusal_phrases);
        scoring.rules = lines(&scoring.rules);
        if scoring.is_answers() && scoring.rules.is_empty() {
            scoring.rules = jiebang_core::answers::current_rules();
        }
        let mut errors = scoring.problems();
        for (i, file) in files.iter().enumerate() {
            if !PURPOSES.contains(&file.purpose.as_str()) {
                errors.push(jiebang_core::FieldError::new(
                    format!("files[{i}].purpose"),
                    format!(
                        "用途「{}」应为 {} 之一 / purpose must be one of {}",
                        file.purpose,
                        PURPOSES.join("、"),
                        PURPOSES.join(", ")
                    ),
                ));
            }
            if files[..i].iter().any(|f| f.file.name == file.file.name) {
                errors.push(jiebang_core::FieldError::new(
                    format!("files[{i}].name"),
                    format!("文件名「{}」重复 / duplicate file name", file.file.name),
                ));
            }
        }
        if files.iter().filter(|f| f.purpose == "labels").count() != 1 {
            errors.push(jiebang_core::FieldError::new(
                "files",
                "需要且只能有一个 labels（隐藏的测试标签）文件 / exactly one labels file (the hidden test labels) is required",
            ));
        }
        if !errors.is_empty() {
            return Err(jiebang_core::Error::Invalid(errors).into());
        }
        let mut tx = self.begin_write().await?;
        let exists: Option<i64> = sqlx::query_scalar("SELECT id FROM challenges WHERE id = $1")
            .bind(challenge_id)
            .fetch_optional(&mut *tx)
            .await?;
        exists.ok_or_else(|| StoreError::not_found("challenge", challenge_id))?;
        let version: i64 =
            sqlx::query_scalar("SELECT COALESCE(MAX(version), 0) + 1 FROM dataset_versions WHERE challenge_id = $1")
                .bind(challenge_id)
                .fetch_one(&mut *tx)
                .await?;
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO dataset_versions (challenge_id, version, note, task, id_column, label_column, split_column, positive_label, metrics, refusal_phrases, rules, created_by, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13) RETURNING id",
        )
        .bind(challenge_id)
        .bind(version)
        .bind(note.trim())
        .bind(&scoring.task)
        .bind(scoring.id_column.trim())
        .bind(scoring.label_column.trim())
        .bind(scoring.split_column.trim())
        .bind(scoring.positive_label.trim())
        .bind(scoring.metrics.join("\n"))
        .bind(scoring.refusal_phrases.join("\n"))
        .bind(scoring.rules.join("\n"))
        .bind(actor)
        .bind(now_text())
        .fetch_one(&mut *tx)
        .await?;
        for file in &files {
            sqlx::query(
                "INSERT INTO dataset_files (dataset_id, name, purpose, hidden, file_id) VALUES ($1, $2, $3, $4, $5)",
            )
            .bind(id)
            .bind(&file.file.name)
            .bind(&file.purpose)
            .bind(i64::from(is_hidden_purpose(&file.purpose)))
            .bind(file.file.id)
            .execute(&mut *tx)
            .await?;
        }
        let names: Vec<&str> = files.iter().map(|f| f.file.name.as_str()).collect();
        audit::append(
            &mut tx,
            self.backend,
            actor,
            "dataset.create",
            &format!("challenge:{challenge_id}"),
            serde_json::json!({"dataset": id, "version": version, "files": names}),
        )
        .await?;
        tx.commit().await?;
        self.get_dataset_version(id).await
    }

    /// One dataset version with its files.
    pub async fn get_dataset_version(&self, id: i64) -> Result<DatasetVersion> {
        let row = sqlx::query("SELECT * FROM dataset_versions WHERE id = $1")
            .bind(id)
            .fetch_optional(&self.pool)
            .await?
            .ok_or_else(|| StoreError::not_found("dataset", id))?;
        let files = sqlx::query(
            "SELECT d.name, d.purpose, d.hidden, d.file_id, f.size, f.sha256, f.key FROM dataset_files d \
             JOIN files f ON f.id = d.file_id WHERE d.dataset_id = $1 ORDER BY d.hidden, d.name",
        )
        .bind(id)
        .fetch_all(&self.pool)
        .await?
        .iter()
        .map(|r| {
            Ok(DatasetFile {
                name: r.try_get("name")?,
                purpose: r.try_get("purpose")?,
                hidden: flag(r, "hidden")?,
                size: r.try_get("size")?,
                sha256: r.try_get("sha256")?,
                file_id: r.try_get("file_id")?,
                key: r.try_get("key")?,
            })
        })
        .collect::<Result<Vec<_>>>()?;
        Ok(DatasetVersion {
            id,
            challenge_id: row.try_get("challenge_id")?,
            version: row.try_get("version")?,
            note: row.try_get("note")?,
            scoring: ScoringSpec {
                task: row.try_get("task")?,
                id_column: row.try_get("id_column")?,
                label_column: row.try_get("label_column")?,
                split_column: row.try_get("split_column")?,
                positive_label: row.try_get("positive_label")?,
                metrics: lines_of(row.try_get("metrics")?),
                refusal_phrases: lines_of(row.try_get("refusal_phrases")?),
                rules: lines_of(row.try_get("rules")?),
            },
            files,
            created_at: row.try_get("created_at")?,
        })
    }

    /// A challenge's dataset versions, newest first.
    pub async fn list_dataset_versions(&self, challenge_id: i64) -> Result<Vec<DatasetVersion>> {
        let ids: Vec<i64> =
            sqlx::query_scalar("SELECT id FROM dataset_versions WHERE challenge_id = $1 ORDER BY version DESC")
                .bind(challenge_id)
                .fetch_all(&self.pool)
                .await?;
        let mut versions = Vec::with_capacity(ids.len());
        for id in ids {
            versions.push(self.get_dataset_version(id).await?);
        }
        Ok(versions)
    }
}
