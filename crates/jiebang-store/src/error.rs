//! The store's one error type.

/// Why a store operation failed.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The addressed record does not exist (or is not visible to the caller).
    #[error("{entity} {id} 不存在 / {entity} {id} not found")]
    NotFound {
        /// What was looked for, e.g. `program`.
        entity: &'static str,
        /// Its id or key.
        id: String,
    },
    /// A uniqueness rule would be broken, e.g. a duplicate credit code.
    #[error("{field}: {message}")]
    Conflict {
        /// The field that must be unique.
        field: String,
        /// What clashes.
        message: String,
    },
    /// The input broke a domain rule.
    #[error(transparent)]
    Domain(#[from] jiebang_core::Error),
    /// The request is well-formed but not allowed now: a quota is used up, a phase is closed,
    /// a submission is in the wrong state.
    #[error("{0}")]
    Refused(String),
    /// The database failed or is unreachable.
    #[error("数据库错误 / database error: {0}")]
    Database(#[from] sqlx::Error),
    /// A migration could not be applied or was changed after it was applied.
    #[error("迁移错误 / migration error: {0}")]
    Migration(String),
    /// Too many requests of one kind (failed sign-ins, password hashes at once, objections):
    /// come back after `retry_after_s`.
    #[error("{message}")]
    Busy {
        /// Seconds until a retry may succeed.
        retry_after_s: u64,
        /// Why, for people.
        message: String,
    },
    /// An upload is larger than allowed (the limit in bytes).
    #[error("文件超过上限 {} / the file exceeds the limit of {}", size_text(*.0), size_text(*.0))]
    TooLarge(u64),
    /// An upload broke off.
    #[error("上传中断 / the upload broke off: {0}")]
    Upload(String),
    /// The file store failed.
    #[error("文件存储错误 / file store error: {0}")]
    Files(#[from] object_store::Error),
    /// The platform's signing key is unusable.
    #[error("签名密钥 / signing key: {0}")]
    Signing(String),
    /// A spreadsheet could not be read or has rows with problems (every one listed).
    #[error(transparent)]
    Sheet(#[from] jiebang_sheets::SheetError),
    /// Stored data could not be decoded; a bug or a manual edit of the database.
    #[error("数据损坏 / corrupt stored data: {0}")]
    Corrupt(String),
}

/// A byte count as people read it: whole MiB when it is one, bytes otherwise.
fn size_text(bytes: u64) -> String {
    if bytes >= 1 << 20 && bytes.is_multiple_of(1 << 20) {
        format!("{} MiB", bytes >> 20)
    } else {
        format!("{bytes} bytes")
    }
}

/// Result of store operations.
pub type Result<T, E = StoreError> = std::result::Result<T, E>;

impl StoreError {
    pub(crate) fn not_found(entity: &'static str, id: impl ToString) -> Self {
        Self::NotFound { entity, id: id.to_string() }
    }

    pub(crate) fn refused(message: impl Into<String>) -> Self {
        Self::Refused(message.into())
    }

    pub(crate) fn corrupt(what: impl std::fmt::Display) -> Self {
        Self::Corrupt(what.to_string())
    }
}

/// Whether a database error is a unique-constraint violation (both backends).
pub(crate) fn is_unique_violation(error: &sqlx::Error) -> bool {
    match error {
        sqlx::Error::Database(db) => {
            db.kind() == sqlx::error::ErrorKind::UniqueViolation
                || db.code().is_some_and(|c| c == "23505" || c == "2067" || c == "1555")
        }
        _ => false,
    }
}
