//! The crate's one error type. Every variant names the file and, where there is one, the row
//! (as the file's line number: the header is line 1), the id, the column and the value.

use crate::metrics::MetricError;

/// Why an evaluation could not be done. All are the input's fault (exit code 2).
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum EvalError {
    /// The file could not be read or is over the size limit.
    #[error("{file}: {message}")]
    File {
        /// File name.
        file: String,
        /// What is wrong.
        message: String,
    },
    /// A required column is missing.
    #[error("{file}: 缺少「{column}」列；找到的列：{found} / no column '{column}'; the columns found are: {found}")]
    MissingColumn {
        /// File name.
        file: String,
        /// The column looked for.
        column: String,
        /// The header as found.
        found: String,
    },
    /// A row is malformed or a value is unusable.
    #[error("{file}: 第{line}行{column_zh} / line {line}{column_en}: {message}", column_zh = column.as_ref().map(|c| format!("「{c}」列")).unwrap_or_default(), column_en = column.as_ref().map(|c| format!(", column {c}")).unwrap_or_default())]
    Row {
        /// File name.
        file: String,
        /// Line number in the file.
        line: u64,
        /// Column, if one.
        column: Option<String>,
        /// What is wrong (names the id and value).
        message: String,
    },
    /// Ids of the two files do not match.
    #[error("{message}")]
    Ids {
        /// Counts and the first few ids.
        message: String,
    },
    /// The request itself is unusable (unknown metric, bad option).
    #[error("{0}")]
    Usage(String),
    /// A metric cannot be computed on this data.
    #[error(transparent)]
    Metric(#[from] MetricError),
}
