//! Typical-scenario guides: the shipped edition and those imported beside it. An imported
//! edition keeps its TSV and is parsed again as it is read; its codes may not repeat another
//! edition's, so a code names one scenario wherever it is cited.

use jiebang_core::scenario::Scenario;
use jiebang_sheets::{RowError, SheetError};

use crate::{Result, Store, StoreError, audit, now_text};

impl Store {
    /// Every scenario: the shipped guide's, then each imported edition's in the order imported.
    pub async fn scenarios(&self) -> Result<Vec<Scenario>> {
        let mut all = jiebang_core::scenario::shipped();
        let editions: Vec<(String, String)> =
            sqlx::query_as("SELECT edition, tsv FROM scenario_editions ORDER BY id").fetch_all(&self.pool).await?;
        for (edition, tsv) in editions {
            let parsed = jiebang_core::scenario::parse(&edition, &tsv)
                .map_err(|errors| StoreError::corrupt(format!("scenario edition {edition}: {}", errors[0])))?;
            all.extend(parsed);
        }
        Ok(all)
    }

    /// Imports a guide's edition from its TSV (UTF-8), all or none: every bad line, and every
    /// code another edition already uses, reported by line.
    pub async fn import_scenario_edition(
        &self,
        edition: &str,
        file_name: &str,
        bytes: &[u8],
        actor: i64,
    ) -> Result<Vec<Scenario>> {
        let edition = edition.trim();
        if edition.is_empty() || edition.chars().count() > 100 {
            return Err(jiebang_core::Error::invalid(
                "edition",
                "请填写指引名称及版本（100 字以内） / name the guide and its edition",
            )
            .into());
        }
        let rows =
            |errors: Vec<RowError>| -> StoreError { SheetError::Rows { file: file_name.to_owned(), errors }.into() };
        let Ok(text) = std::str::from_utf8(bytes) else {
            return Err(rows(vec![RowError {
                row: 1,
                column: None,
                message: "文件须为 UTF-8 编码的 TSV / the file must be a UTF-8 TSV".into(),
            }]));
        };
        let scenarios = jiebang_core::scenario::parse(edition, text).map_err(|errors| {
            rows(errors.into_iter().map(|e| RowError { row: e.line, column: None, message: e.reason }).collect())
        })?;
        if scenarios.is_empty() {
            return Err(rows(vec![RowError {
                row: 1,
                column: None,
                message: "文件中没有场景 / the file holds no scenario".into(),
            }]));
        }
        let known = self.scenarios().await?;
        if known.iter().any(|s| s.edition == edition) {
            return Err(StoreError::Conflict {
                field: "edition".into(),
                message: format!("「{edition}」已导入 / '{edition}' is imported already"),
            });
        }
        let lines: Vec<usize> = text
            .lines()
            .enumerate()
            .filter(|(_, l)| !l.trim().is_empty() && !l.starts_with('#'))
            .map(|(i, _)| i + 1)
            .collect();
        let clashes: Vec<RowError> = scenarios
            .iter()
            .zip(&lines)
            .filter_map(|(scenario, line)| {
                let other = known.iter().find(|k| k.code == scenario.code)?;
                Some(RowError {
                    row: *line,
                    column: None,
                    message: format!(
                        "编码 {} 已属于「{}」 / code {} belongs to '{}'",
                        scenario.code, other.edition, scenario.code, other.edition
                    ),
                })
            })
            .collect();
        if !clashes.is_empty() {
            return Err(rows(clashes));
        }
        let mut tx = self.begin_write().await?;
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO scenario_editions (edition, tsv, imported_by, imported_at) VALUES ($1, $2, $3, $4) RETURNING id",
        )
        .bind(edition)
        .bind(text)
        .bind(actor)
        .bind(now_text())
        .fetch_one(&mut *tx)
        .await?;
        audit::append(
            &mut tx,
            self.backend,
            Some(actor),
            "scenario_edition.import",
            &format!("scenario_edition:{id}"),
            serde_json::json!({"edition": edition, "scenarios": scenarios.len()}),
        )
        .await?;
        tx.commit().await?;
        Ok(scenarios)
    }
}
