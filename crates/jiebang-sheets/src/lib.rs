//! Challenge lists and the supply–demand catalogue as spreadsheets: reading `.xlsx` and `.csv` files with Chinese column headers
//! (UTF-8 with or without BOM, GBK/GB18030 detected; comma or tab) into validated challenges, and
//! writing a list back out with the same columns, so an export re-imports unchanged.
//!
//! A file with any bad row yields every problem (row, column, reason) and no challenges: an
//! import is all or nothing. The layout is documented in `docs/challenge-template.md`.
//!
//! No IO: bytes in, bytes out.

mod catalogue;
mod columns;
mod read;
mod write;

pub use catalogue::{
    Imported, read_demands, read_solutions, write_catalogue_xlsx, write_demands_xlsx, write_solutions_xlsx,
};
pub use columns::{COLUMNS, Column};
pub use read::{
    ImportedChallenge, MAX_COLUMNS, MAX_ROWS, MAX_UNCOMPRESSED_BYTES, parse_indicator_cell, read_challenges,
};
pub use write::{
    Sheet, TableCell, neutralise, write_csv, write_table_csv, write_table_xlsx, write_tables_xlsx, write_xlsx,
};

/// One problem in one cell or row. `row` is the spreadsheet's own 1-based row number (the header
/// is row 1), so people can find it.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct RowError {
    /// Row number as a spreadsheet shows it.
    pub row: usize,
    /// Column header, if the problem is in one cell.
    pub column: Option<String>,
    /// What is wrong.
    pub message: String,
}

impl std::fmt::Display for RowError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.column {
            Some(column) => {
                write!(f, "第{}行「{column}」列 / row {}, column {column}: {}", self.row, self.row, self.message)
            }
            None => write!(f, "第{}行 / row {}: {}", self.row, self.row, self.message),
        }
    }
}

/// Why a spreadsheet could not be read.
#[derive(Debug, thiserror::Error)]
pub enum SheetError {
    /// The file as a whole is unusable (not a spreadsheet, empty, missing columns, …).
    #[error("{file}: {message}")]
    File {
        /// File name as uploaded.
        file: String,
        /// What is wrong.
        message: String,
    },
    /// Some rows are invalid; nothing is imported.
    #[error("{file}: {} 行有误，未导入任何数据 / {} problem(s), nothing imported: {}", .errors.len(), .errors.len(), .errors.iter().map(ToString::to_string).collect::<Vec<_>>().join("; "))]
    Rows {
        /// File name as uploaded.
        file: String,
        /// Every problem found.
        errors: Vec<RowError>,
    },
    /// Writing a spreadsheet failed.
    #[error("生成表格失败 / could not write the spreadsheet: {0}")]
    Write(String),
}
