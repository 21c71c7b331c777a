//! Importing a challenge list from a spreadsheet into a program: shared by the API, the upload
//! page and `jiebang import challenges`, so all three accept and refuse exactly the same files.

use jiebang_sheets::{RowError, SheetError, read_challenges};
use jiebang_store::{ChallengeRecord, FileStore, Store};

use crate::error::ApiError;

/// Reads the file, checks its task numbers against the program's list, keeps the file in the
/// file store, and stores every challenge — or nothing, with every problem listed.
pub async fn import_sheet(
    store: &Store,
    files: &FileStore,
    program_id: i64,
    file_name: &str,
    bytes: Vec<u8>,
    actor: Option<i64>,
) -> Result<Vec<ChallengeRecord>, ApiError> {
    store.get_program(program_id).await?;
    let name = file_name.to_owned();
    let (rows, bytes) = tokio::task::spawn_blocking(move || (read_challenges(&name, &bytes), bytes))
        .await
        .map_err(|e| ApiError::Internal(e.to_string()))?;
    let rows = rows?;
    let existing = store.challenge_codes(program_id).await?;
    let clashes: Vec<RowError> = rows
        .iter()
        .filter(|r| existing.contains(&r.challenge.code))
        .map(|r| RowError {
            row: r.row,
            column: Some(jiebang_sheets::Column::Code.header().into()),
            message: format!(
                "任务编号 {} 在本批次中已存在 / task number {} already exists in this program",
                r.challenge.code, r.challenge.code
            ),
        })
        .collect();
    if !clashes.is_empty() {
        return Err(SheetError::Rows { file: file_name.to_owned(), errors: clashes }.into());
    }
    let stored = store.save_file(files, file_name, bytes, actor).await?;
    let challenges: Vec<_> = rows.into_iter().map(|r| r.challenge).collect();
    Ok(store.import_challenges(program_id, &challenges, actor, Some(&stored)).await?)
}
