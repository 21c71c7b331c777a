//! Reading a challenge list from `.xlsx` or `.csv` bytes.

use std::collections::HashMap;
use std::io::Cursor;

use calamine::{Data, Reader, Xlsx, open_workbook_from_rs};
use jiebang_core::challenge::{Challenge, ChallengeInput};
use jiebang_core::indicator::{IndicatorExpr, IndicatorInput};

use crate::columns::REQUIRED;
use crate::{Column, RowError, SheetError};

/// A validated challenge and the row it came from.
#[derive(Debug, Clone, PartialEq)]
pub struct ImportedChallenge {
    /// Spreadsheet row number.
    pub row: usize,
    /// The challenge.
    pub challenge: Challenge,
}

/// Reads every challenge in the file, or reports every problem and returns none.
pub fn read_challenges(file_name: &str, bytes: &[u8]) -> Result<Vec<ImportedChallenge>, SheetError> {
    let file_error = |message: String| SheetError::File { file: file_name.to_owned(), message };
    let table = read_table(file_name, bytes).map_err(file_error)?;
    let Some(header_index) = table.iter().position(|row| row.iter().any(|c| !c.trim().is_empty())) else {
        return Err(file_error("文件是空的 / the file is empty".into()));
    };
    let header = &table[header_index];
    let columns = map_header(header).map_err(file_error)?;
    let mut errors = Vec::new();
    let mut imported: Vec<ImportedChallenge> = Vec::new();
    let mut first_row_of_code: HashMap<String, usize> = HashMap::new();
    for (index, cells) in table.iter().enumerate().skip(header_index + 1) {
        let row = index + 1;
        if cells.iter().all(|c| c.trim().is_empty()) {
            continue;
        }
        let used = cells.iter().rposition(|c| !c.trim().is_empty()).map_or(0, |i| i + 1);
        if used > header.len() {
            errors.push(RowError {
                row,
                column: None,
                message: format!(
                    "有 {used} 个单元格，但表头只有 {} 列（是否有未加引号的逗号？） / has {used} cells but the header has {} columns (an unquoted comma?)",
                    header.len(),
                    header.len()
                ),
            });
            continue;
        }
        match read_row(&columns, cells) {
            Ok(challenge) => {
                if let Some(first) = first_row_of_code.insert(challenge.code.clone(), row) {
                    errors.push(RowError {
                        row,
                        column: Some(Column::Code.header().into()),
                        message: format!(
                            "任务编号 {} 与第{first}行重复 / task number {} repeats row {first}",
                            challenge.code, challenge.code
                        ),
                    });
                }
                imported.push(ImportedChallenge { row, challenge });
            }
            Err(row_errors) => {
                errors.extend(row_errors.into_iter().map(|(column, message)| RowError { row, column, message }))
            }
        }
    }
    if !errors.is_empty() {
        return Err(SheetError::Rows { file: file_name.to_owned(), errors });
    }
    if imported.is_empty() {
        return Err(file_error("只有表头，没有数据行 / the file has a header but no rows".into()));
    }
    Ok(imported)
}

/// The header's columns by position; unknown headers are ignored, missing required ones reported.
fn map_header(header: &[String]) -> Result<HashMap<Column, usize>, String> {
    let mut columns = HashMap::new();
    for (i, name) in header.iter().enumerate() {
        if let Some(column) = Column::from_header(name)
            && columns.insert(column, i).is_some()
        {
            return Err(format!("「{}」列出现了两次 / column {} appears twice", column.header(), column.header()));
        }
    }
    let missing: Vec<_> = REQUIRED.iter().filter(|c| !columns.contains_key(c)).map(|c| c.header()).collect();
    if !columns.contains_key(&Column::Code) && !columns.contains_key(&Column::Number) {
        return Err("缺少「任务编号」或「序号」列 / a 任务编号 (code) or 序号 (number) column is required".into());
    }
    if !missing.is_empty() {
        let found: Vec<_> = header.iter().map(|h| h.trim()).filter(|h| !h.is_empty()).collect();
        return Err(format!(
            "缺少必需的列：{}；找到的列：{} / missing required columns: {}; found: {}",
            missing.join("、"),
            found.join("、"),
            missing.join(", "),
            found.join(", ")
        ));
    }
    Ok(columns)
}

type CellErrors = Vec<(Option<String>, String)>;

fn read_row(columns: &HashMap<Column, usize>, cells: &[String]) -> Result<Challenge, CellErrors> {
    let cell = |column: Column| columns.get(&column).and_then(|&i| cells.get(i)).map_or("", |s| s.trim());
    let mut errors: CellErrors = Vec::new();
    let mut number = |column: Column| -> Option<u32> {
        let text = cell(column);
        if text.is_empty() {
            return None;
        }
        match text.parse::<u32>() {
            Ok(n) => Some(n),
            Err(_) => {
                errors.push((
                    Some(column.header().into()),
                    format!("「{text}」不是正整数 / '{text}' is not a whole number"),
                ));
                None
            }
        }
    };
    let period_months = number(Column::PeriodMonths);
    let winners = number(Column::Winners);
    let indicators = match parse_indicator_cell(cell(Column::Indicators)) {
        Ok(indicators) => indicators,
        Err(message) => {
            errors.push((Some(Column::Indicators.header().into()), message));
            Vec::new()
        }
    };
    let code = if columns.contains_key(&Column::Code) { cell(Column::Code) } else { cell(Column::Number) };
    let input = ChallengeInput {
        code: code.to_owned(),
        title: cell(Column::Title).to_owned(),
        direction: cell(Column::Direction).to_owned(),
        sub_field: cell(Column::SubField).to_owned(),
        task_class: cell(Column::TaskClass).to_owned(),
        industries: cell(Column::Industries)
            .split(['、', ',', '，', ';', '；', '\n'])
            .map(first_token)
            .filter(|s| !s.is_empty())
            .map(str::to_owned)
            .collect(),
        region: first_token(cell(Column::Region)).to_owned(),
        scenario: cell(Column::Scenario).to_owned(),
        background: cell(Column::Background).to_owned(),
        objectives: cell(Column::Objectives).to_owned(),
        indicators,
        deliverables: cell(Column::Deliverables).to_owned(),
        period_months,
        support: cell(Column::Support).to_owned(),
        winners,
    };
    match input.validate() {
        Ok(challenge) if errors.is_empty() => Ok(challenge),
        Ok(_) => Err(errors),
        Err(domain) => {
            for e in domain.field_errors() {
                // An indicator cell that did not parse already has its error.
                if e.field == "indicators"
                    && errors.iter().any(|(c, _)| c.as_deref() == Some(Column::Indicators.header()))
                {
                    continue;
                }
                let column = Column::from_field(&e.field).unwrap_or(Column::Code);
                let detail = e.field.split_once('[').map(|(_, rest)| format!("[{rest} ")).unwrap_or_default();
                errors.push((Some(column.header().into()), format!("{detail}{}", e.message)));
            }
            Err(errors)
        }
    }
}

/// `370100 济南市` → `370100`, `C26 化学原料…` → `C26`; a cell without a space is kept whole.
pub(crate) fn first_token(text: &str) -> &str {
    let text = text.trim();
    text.split_whitespace().next().filter(|t| t.chars().any(|c| c.is_ascii_digit())).unwrap_or(text)
}

/// Parses the 考核指标 cell: one indicator per line (or separated by ；), fields separated by `|`:
/// `名称 | 表达式 | 单位 | 测试方法 | 硬性 or 权重N`. Only name and expression are required.
pub fn parse_indicator_cell(cell: &str) -> Result<Vec<IndicatorInput>, String> {
    let mut indicators = Vec::new();
    for (i, line) in cell.split(['\n', '；', ';']).map(str::trim).filter(|l| !l.is_empty()).enumerate() {
        let n = i + 1;
        let parts: Vec<&str> = line.split(['|', '｜']).map(str::trim).collect();
        if parts.len() < 2 || parts.len() > 5 {
            return Err(format!(
                "第{n}个指标「{line}」应写作「名称 | 表达式 | 单位 | 测试方法 | 硬性或权重N」 / indicator {n} '{line}' must be 'name | expression | unit | test method | 硬性 or 权重N'"
            ));
        }
        let expr = IndicatorExpr::parse(parts[1]).map_err(|e| format!("第{n}个指标 / indicator {n}: {}", e.message))?;
        let kind = parts.get(4).copied().unwrap_or("");
        let (hard, weight) = match kind {
            "" | "硬性" | "一票否决" | "hard" => (true, None),
            _ => {
                let digits =
                    kind.trim_start_matches("权重").trim_start_matches("weight").trim_start_matches([':', '：', ' ']);
                match digits.trim_end_matches('分').parse::<f64>() {
                    Ok(w) => (false, Some(w)),
                    Err(_) => {
                        return Err(format!(
                            "第{n}个指标的类型「{kind}」应为「硬性」或「权重N」 / indicator {n}: kind '{kind}' must be 硬性 or 权重N"
                        ));
                    }
                }
            }
        };
        indicators.push(IndicatorInput {
            name: parts[0].to_owned(),
            metric: expr.metric.as_str().to_owned(),
            op: expr.op.symbol().to_owned(),
            threshold: Some(expr.threshold),
            unit: parts.get(2).copied().unwrap_or("").to_owned(),
            test_method: parts.get(3).copied().unwrap_or("").to_owned(),
            hard,
            weight,
        });
    }
    Ok(indicators)
}

/// The file as rows of text cells.
pub(crate) fn read_table(file_name: &str, bytes: &[u8]) -> Result<Vec<Vec<String>>, String> {
    let lower = file_name.to_lowercase();
    if bytes.starts_with(b"PK\x03\x04") || lower.ends_with(".xlsx") {
        return read_xlsx(bytes);
    }
    if lower.ends_with(".xls") || bytes.starts_with(&[0xD0, 0xCF, 0x11, 0xE0]) {
        return Err(
            "不支持旧版 .xls，请另存为 .xlsx 或 .csv / old .xls files are not supported: save as .xlsx or .csv".into(),
        );
    }
    read_csv(bytes)
}

/// Most rows a list may have (challenges, plus the header).
pub const MAX_ROWS: usize = 10_000;
/// Most columns a list may have.
pub const MAX_COLUMNS: usize = 100;
/// Most bytes the parts of a workbook may hold once decompressed.
pub const MAX_UNCOMPRESSED_BYTES: u64 = 64 << 20;

/// Reads the first sheet within bounds: the archive's parts are decompressed (and counted) up to
/// [`MAX_UNCOMPRESSED_BYTES`] before anything is parsed, then cells are read one by one and a
/// cell beyond [`MAX_ROWS`] × [`MAX_COLUMNS`] is refused by name, so neither a deflate bomb nor a
/// far-away cell (`XFD1048576`) makes the reader allocate what the file declares.
fn read_xlsx(bytes: &[u8]) -> Result<Vec<Vec<String>>, String> {
    check_uncompressed_size(bytes)?;
    let mut workbook: Xlsx<_> = open_workbook_from_rs(Cursor::new(bytes))
        .map_err(|e| format!("不是有效的 .xlsx 文件 / not a valid .xlsx file: {e}"))?;
    let sheet = workbook.sheet_names().first().cloned().ok_or("工作簿中没有工作表 / the workbook has no sheet")?;
    let cannot = |e: calamine::XlsxError| format!("无法读取第一个工作表 / cannot read the first sheet: {e}");
    let mut cells = workbook.worksheet_cells_reader(&sheet).map_err(cannot)?;
    let mut found: Vec<(usize, usize, String)> = Vec::new();
    while let Some(cell) = cells.next_cell().map_err(cannot)? {
        let (row, column) = (cell.get_position().0 as usize, cell.get_position().1 as usize);
        let value = match Data::from(cell.get_value().clone()) {
            Data::Empty => continue,
            Data::String(s) => s,
            Data::Float(f) if f.fract() == 0.0 && f.abs() < 1e15 => format!("{}", f as i64),
            other => other.to_string(),
        };
        if row >= MAX_ROWS || column >= MAX_COLUMNS {
            return Err(format!(
                "单元格 {} 超出范围：最多 {MAX_ROWS} 行、{MAX_COLUMNS} 列 / cell {} is out of bounds: at most {MAX_ROWS} rows and {MAX_COLUMNS} columns",
                cell_name(row, column),
                cell_name(row, column)
            ));
        }
        found.push((row, column, value));
    }
    // Rows and columns count from the first used cell, as in the sheet's used range.
    let top = found.iter().map(|c| c.0).min().unwrap_or(0);
    let left = found.iter().map(|c| c.1).min().unwrap_or(0);
    let mut rows: Vec<Vec<String>> = Vec::new();
    for (row, column, value) in found {
        let (row, column) = (row - top, column - left);
        if rows.len() <= row {
            rows.resize_with(row + 1, Vec::new);
        }
        let cells = &mut rows[row];
        if cells.len() <= column {
            cells.resize_with(column + 1, String::new);
        }
        cells[column] = value;
    }
    Ok(rows)
}

/// `A1`-style name of a zero-based cell.
fn cell_name(row: usize, column: usize) -> String {
    let mut letters = Vec::new();
    let mut n = column + 1;
    while n > 0 {
        letters.push(b'A' + ((n - 1) % 26) as u8);
        n = (n - 1) / 26;
    }
    letters.reverse();
    format!("{}{}", String::from_utf8_lossy(&letters), row + 1)
}

/// Decompresses every part of the archive, counting, and refuses it past the limit: the sizes a
/// zip declares may lie.
fn check_uncompressed_size(bytes: &[u8]) -> Result<(), String> {
    let invalid = |e: zip::result::ZipError| format!("不是有效的 .xlsx 文件 / not a valid .xlsx file: {e}");
    let mut archive = zip::ZipArchive::new(Cursor::new(bytes)).map_err(invalid)?;
    let mut total = 0u64;
    for i in 0..archive.len() {
        let part = archive.by_index(i).map_err(invalid)?;
        let budget = MAX_UNCOMPRESSED_BYTES - total;
        let read = std::io::copy(&mut std::io::Read::take(part, budget + 1), &mut std::io::sink())
            .map_err(|e| format!("不是有效的 .xlsx 文件 / not a valid .xlsx file: {e}"))?;
        total += read;
        if total > MAX_UNCOMPRESSED_BYTES {
            return Err(format!(
                "工作簿解压后超过 {} MiB / the workbook holds more than {} MiB once decompressed",
                MAX_UNCOMPRESSED_BYTES >> 20,
                MAX_UNCOMPRESSED_BYTES >> 20
            ));
        }
    }
    Ok(())
}

/// A cell written by [`crate::neutralise`], as it was: the guarding `'` before a formula
/// character is dropped.
fn unquote(cell: &str) -> &str {
    match cell.strip_prefix('\'') {
        Some(rest) if rest.starts_with(['=', '+', '-', '@', '\t', '\r']) => rest,
        _ => cell,
    }
}

fn read_csv(bytes: &[u8]) -> Result<Vec<Vec<String>>, String> {
    let text = jiebang_core::text::decode(bytes)?;
    let first_line = text.lines().find(|l| !l.trim().is_empty()).unwrap_or("");
    let delimiter = if first_line.matches('\t').count() > first_line.matches(',').count() { b'\t' } else { b',' };
    let mut reader =
        csv::ReaderBuilder::new().has_headers(false).flexible(true).delimiter(delimiter).from_reader(text.as_bytes());
    let mut rows: Vec<Vec<String>> = Vec::new();
    // The csv reader skips blank lines, which a spreadsheet shows as rows: they are put back so
    // that row numbers in messages are the ones people see.
    let mut next_line = 1;
    let (mut counted_to, mut breaks) = (0usize, 0u64);
    for record in reader.records() {
        let row = rows.len() + 1;
        let record = record.map_err(|e| format!("第{row}行无法解析 / row {row} cannot be parsed: {e}"))?;
        // The reader's position is where it began reading, before any blank lines it skipped;
        // line breaks are counted from where the last count stopped.
        let start = record.position().map_or(next_line, |p| {
            let at = usize::try_from(p.byte()).unwrap_or(text.len()).clamp(counted_to, text.len());
            breaks += text.as_bytes()[counted_to..at].iter().filter(|b| **b == b'\n').count() as u64;
            counted_to = at;
            let blank = text[at..].bytes().take_while(|b| matches!(b, b'\n' | b'\r')).filter(|b| *b == b'\n').count();
            1 + breaks + blank as u64
        });
        rows.extend((next_line..start).map(|_| Vec::new()));
        next_line = start + 1 + record.iter().map(|cell| cell.matches('\n').count() as u64).sum::<u64>();
        if rows.len() >= MAX_ROWS {
            return Err(format!("超过 {MAX_ROWS} 行 / more than {MAX_ROWS} rows"));
        }
        rows.push(record.iter().map(|cell| unquote(cell).to_owned()).collect());
    }
    Ok(rows)
}
