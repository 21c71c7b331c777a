//! Importing a challenge list from a spreadsheet into a program: the one path of the API, the
//! upload page and `jiebang import challenges`, so all three accept and refuse exactly the same
//! files, and the command line prints row errors without going through HTTP.

use jiebang_sheets::{RowError, SheetError, read_challenges};

use crate::{ChallengeRecord, FileStore, Result, Store, StoreError};

impl Store {
    /// Reads the file, checks its task numbers against the program's list, keeps the file in
    /// the file store, and stores every challenge — or nothing, with every problem listed
    /// ([`StoreError::Sheet`]).
    pub async fn import_sheet(
        &self,
        files: &FileStore,
        program_id: i64,
        file_name: &str,
        bytes: Vec<u8>,
        actor: Option<i64>,
    ) -> Result<Vec<ChallengeRecord>> {
        self.get_program(program_id).await?;
        let name = file_name.to_owned();
        let (rows, bytes) = tokio::task::spawn_blocking(move || (read_challenges(&name, &bytes), bytes))
            .await
            .map_err(StoreError::corrupt)?;
        let rows = rows?;
        let existing = self.challenge_codes(program_id).await?;
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
        let stored = self.save_file(files, file_name, bytes, actor).await?;
        let challenges: Vec<_> = rows.into_iter().map(|r| r.challenge).collect();
        self.import_challenges(program_id, &challenges, actor, Some(&stored)).await
    }
}
