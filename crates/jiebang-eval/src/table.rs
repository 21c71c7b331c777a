//! Reading a table (CSV or TSV) into the columns an evaluation needs.
//!
//! The whole file is validated once as UTF-8 text and each cell is kept as a byte range of it, so no
//! cell is copied. Files without quotes take a fast path (split on the delimiter and newlines);
//! files with quotes go through the `csv` crate. UTF-8 with or without BOM is read as is; UTF-16
//! with BOM and GBK/GB18030 (detected) are decoded to UTF-8 first.

use std::borrow::Cow;

use crate::EvalError;

/// Bytes of a named file.
#[derive(Debug, Clone, Copy)]
pub struct Source<'a> {
    /// Name for messages.
    pub name: &'a str,
    /// Content.
    pub bytes: &'a [u8],
}

/// The selected columns of a table. Cell `r` of column `c` is `text[cells[c][r]]`; the text
/// is the file itself when it is UTF-8 without quotes.
#[derive(Debug, Default)]
pub struct Table<'a> {
    /// File name.
    pub file: String,
    /// Header names of the selected columns.
    pub names: Vec<String>,
    text: Cow<'a, str>,
    cells: Vec<Vec<(u32, u32)>>,
    /// Line number of each data row, when it is not simply row + 2 (blank lines were skipped
    /// or quoted cells spanned lines).
    lines: Option<Vec<u64>>,
}

impl Table<'_> {
    /// Number of data rows.
    pub fn rows(&self) -> usize {
        self.cells.first().map_or(0, Vec::len)
    }

    /// The cell text of row `row` in selected column `column`.
    pub fn cell(&self, column: usize, row: usize) -> &str {
        let (start, end) = self.cells[column][row];
        // The text was validated once; cells are cut at ASCII delimiters, so slicing is O(1).
        self.text.get(start as usize..end as usize).unwrap_or("")
    }

    /// The raw bytes of a cell.
    pub fn cell_bytes(&self, column: usize, row: usize) -> &[u8] {
        let (start, end) = self.cells[column][row];
        &self.text.as_bytes()[start as usize..end as usize]
    }

    /// The file line of a data row (the header is line 1).
    pub fn line(&self, row: usize) -> u64 {
        self.lines.as_ref().map_or(row as u64 + 2, |lines| lines[row])
    }

    /// A row error at `row`, in selected column `column`.
    pub fn error(&self, row: usize, column: usize, message: String) -> EvalError {
        EvalError::Row {
            file: self.file.clone(),
            line: self.line(row),
            column: Some(self.names[column].clone()),
            message,
        }
    }
}

/// Reads the columns named in `wanted`, in that order; every one must exist.
pub fn read_table<'a>(source: Source<'a>, wanted: &[&str], max_bytes: u64) -> Result<Table<'a>, EvalError> {
    read_table_selecting(source, max_bytes, |_| wanted.iter().map(|w| (*w).to_owned()).collect())
}

/// Reads the columns that `select` picks after seeing the header, in that order.
pub fn read_table_selecting<'a>(
    source: Source<'a>,
    max_bytes: u64,
    select_columns: impl FnOnce(&[String]) -> Vec<String>,
) -> Result<Table<'a>, EvalError> {
    let file = source.name.to_owned();
    let fail = |message: String| EvalError::File { file: file.clone(), message };
    if source.bytes.len() as u64 > max_bytes {
        return Err(fail(format!(
            "文件大小 {} 字节，超过上限 {} 字节 / the file is {} bytes, over the limit of {} bytes",
            source.bytes.len(),
            max_bytes,
            source.bytes.len(),
            max_bytes
        )));
    }
    if source.bytes.len() > u32::MAX as usize {
        return Err(fail("文件超过 4 GiB / the file exceeds 4 GiB".into()));
    }
    if source.bytes.starts_with(b"PAR1") {
        return select(read_parquet(&file, source.bytes)?, select_columns);
    }
    let text = jiebang_core::text::decode(source.bytes).map_err(fail)?;
    let bytes = text.as_bytes();
    let header_end = memchr(b'\n', bytes, 0).unwrap_or(bytes.len());
    let header_line = trim_cr(&bytes[..header_end]);
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return Err(fail("文件是空的 / the file is empty".into()));
    }
    let delimiter = if count(header_line, b'\t') > count(header_line, b',') { b'\t' } else { b',' };
    let quoted = memchr(b'"', bytes, 0).is_some();
    let table =
        if quoted { parse_quoted(&file, &text, delimiter)? } else { parse_plain(&file, text, delimiter, header_end)? };
    select(table, select_columns)
}

/// Keeps the columns `select_columns` picks, in its order; all must exist and there must be rows.
fn select<'a>(
    mut table: Table<'a>,
    select_columns: impl FnOnce(&[String]) -> Vec<String>,
) -> Result<Table<'a>, EvalError> {
    let file = table.file.clone();
    let header: Vec<String> = table.names.clone();
    let wanted = select_columns(&header);
    let mut positions = Vec::with_capacity(wanted.len());
    for name in &wanted {
        match header.iter().position(|h| h == name) {
            Some(i) => positions.push(i),
            None => {
                let found = header.iter().map(|h| format!("「{h}」")).collect::<Vec<_>>().join("、");
                return Err(EvalError::MissingColumn { file, column: name.clone(), found });
            }
        }
    }
    if table.rows() == 0 {
        return Err(EvalError::File {
            file,
            message: "只有表头，没有数据行 / the file has a header but no rows".into(),
        });
    }
    let mut all = std::mem::take(&mut table.cells);
    table.cells = positions.iter().map(|&i| std::mem::take(&mut all[i])).collect();
    table.names = wanted;
    Ok(table)
}

#[cfg(feature = "parquet")]
fn read_parquet<'a>(file: &str, bytes: &[u8]) -> Result<Table<'a>, EvalError> {
    let (names, columns) = crate::parquet::read(file, bytes)?;
    let mut buffer = Vec::new();
    let cells = columns
        .into_iter()
        .map(|column| {
            column
                .into_iter()
                .map(|value| {
                    let start = buffer.len() as u32;
                    buffer.extend_from_slice(value.unwrap_or_default().as_bytes());
                    (start, buffer.len() as u32)
                })
                .collect()
        })
        .collect::<Vec<Vec<(u32, u32)>>>();
    let rows = cells.first().map_or(0, Vec::len) as u64;
    // Parquet has no lines; row r is reported as "line" r + 1, its position among the rows.
    let text =
        String::from_utf8(buffer).map_err(|e| EvalError::File { file: file.to_owned(), message: e.to_string() })?;
    Ok(Table { file: file.to_owned(), names, text: Cow::Owned(text), cells, lines: Some((1..=rows).collect()) })
}

#[cfg(not(feature = "parquet"))]
fn read_parquet<'a>(file: &str, _bytes: &[u8]) -> Result<Table<'a>, EvalError> {
    Err(EvalError::File {
        file: file.to_owned(),
        message: "这是 Parquet 文件，但本程序构建时未启用 parquet 功能 / this is a Parquet file, but this build has no Parquet support (build with --features parquet)".into(),
    })
}

fn count(bytes: &[u8], byte: u8) -> usize {
    bytes.iter().filter(|b| **b == byte).count()
}

fn memchr(needle: u8, haystack: &[u8], from: usize) -> Option<usize> {
    haystack[from..].iter().position(|b| *b == needle).map(|i| i + from)
}

fn trim_cr(line: &[u8]) -> &[u8] {
    line.strip_suffix(b"\r").unwrap_or(line)
}

/// The fast path: no quotes anywhere, so every newline ends a row and every delimiter ends a cell.
fn parse_plain<'a>(file: &str, text: Cow<'a, str>, delimiter: u8, header_end: usize) -> Result<Table<'a>, EvalError> {
    let buffer = text.as_bytes();
    let names: Vec<String> = trim_cr(&buffer[..header_end])
        .split(|b| *b == delimiter)
        .map(|h| String::from_utf8_lossy(h).trim().to_owned())
        .collect();
    let width = names.len();
    let estimate = buffer.len() / (header_end + 1).max(8);
    let mut cells: Vec<Vec<(u32, u32)>> = (0..width).map(|_| Vec::with_capacity(estimate)).collect();
    let mut lines: Option<Vec<u64>> = None;
    let mut line_number = 1u64;
    let mut start = header_end + 1;
    while start < buffer.len() {
        let end = memchr(b'\n', buffer, start).unwrap_or(buffer.len());
        line_number += 1;
        let mut line_end = end;
        if line_end > start && buffer[line_end - 1] == b'\r' {
            line_end -= 1;
        }
        if buffer[start..line_end].iter().all(|b| *b == b' ' || *b == b'\t') {
            if lines.is_none() {
                let rows = cells[0].len();
                lines = Some((0..rows as u64).map(|r| r + 2).collect());
            }
            start = end + 1;
            continue;
        }
        let mut cell_start = start;
        let mut column = 0;
        for (offset, &byte) in buffer[start..line_end].iter().enumerate() {
            if byte == delimiter {
                if column < width {
                    cells[column].push((cell_start as u32, (start + offset) as u32));
                }
                column += 1;
                cell_start = start + offset + 1;
            }
        }
        if column < width {
            cells[column].push((cell_start as u32, line_end as u32));
        }
        column += 1;
        if column != width {
            return Err(EvalError::Row {
                file: file.to_owned(),
                line: line_number,
                column: None,
                message: format!(
                    "有 {column} 个字段，表头有 {width} 列 / has {column} fields but the header has {width}"
                ),
            });
        }
        if let Some(lines) = &mut lines {
            lines.push(line_number);
        }
        start = end + 1;
    }
    Ok(Table { file: file.to_owned(), names, text, cells, lines })
}

/// The general path, for files with quoted cells: the `csv` crate does the parsing; cell text is
/// copied into a new buffer.
fn parse_quoted<'a>(file: &str, input: &str, delimiter: u8) -> Result<Table<'a>, EvalError> {
    let mut reader =
        csv::ReaderBuilder::new().has_headers(false).flexible(true).delimiter(delimiter).from_reader(input.as_bytes());
    let mut records = reader.byte_records();
    let row_error = |line: u64, message: String| EvalError::Row { file: file.to_owned(), line, column: None, message };
    let header = match records.next() {
        Some(Ok(record)) => record,
        Some(Err(e)) => return Err(row_error(1, e.to_string())),
        None => {
            return Err(EvalError::File {
                file: file.to_owned(), message: "文件是空的 / the file is empty".into()
            });
        }
    };
    let names: Vec<String> = header.iter().map(|h| String::from_utf8_lossy(h).trim().to_owned()).collect();
    let width = names.len();
    let mut buffer = Vec::with_capacity(input.len());
    let mut cells: Vec<Vec<(u32, u32)>> = vec![Vec::new(); width];
    let mut lines = Vec::new();
    for record in records {
        let record = record.map_err(|e| row_error(e.position().map_or(0, |p| p.line()), e.to_string()))?;
        let line = record.position().map_or(0, |p| p.line());
        if record.iter().all(|f| f.iter().all(u8::is_ascii_whitespace)) {
            continue;
        }
        if record.len() != width {
            return Err(row_error(
                line,
                format!(
                    "有 {} 个字段，表头有 {width} 列 / has {} fields but the header has {width}",
                    record.len(),
                    record.len()
                ),
            ));
        }
        for (c, field) in record.iter().enumerate() {
            let start = buffer.len() as u32;
            buffer.extend_from_slice(field);
            cells[c].push((start, buffer.len() as u32));
        }
        lines.push(line);
    }
    // Fields of valid UTF-8 text split at ASCII delimiters are valid UTF-8.
    let text = String::from_utf8(buffer).map_err(|e| row_error(0, e.to_string()))?;
    Ok(Table { file: file.to_owned(), names, text: Cow::Owned(text), cells, lines: Some(lines) })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read<'a>(text: &'a [u8], wanted: &[&str]) -> Result<Table<'a>, EvalError> {
        read_table(Source { name: "t.csv", bytes: text }, wanted, u64::MAX)
    }

    #[test]
    fn plain_and_quoted_files_read_the_same_cells_in_any_column_order() {
        let plain = read(b"score,id,extra\r\n0.5,a,x\r\n1e-3,b,y\r\n\r\n", &["id", "score"]).unwrap();
        let quoted = read(b"\"score\",id,extra\n\"0.5\",a,\"x,1\"\n1e-3,\"b\",y\n", &["id", "score"]).unwrap();
        for t in [&plain, &quoted] {
            assert_eq!((t.rows(), t.cell(0, 1), t.cell(1, 1)), (2, "b", "1e-3"));
        }
    }

    #[test]
    fn blank_lines_keep_line_numbers_true() {
        let t = read(b"id,v\n1,2\n\n3,4\n", &["id"]).unwrap();
        assert_eq!((t.line(0), t.line(1)), (2, 4));
    }

    #[test]
    fn tab_separated_bom_and_gbk_files_are_read() {
        assert_eq!(read(b"\xEF\xBB\xBFid\tlabel\n1\tx\n", &["label"]).unwrap().cell(0, 0), "x");
        let (gbk, _, _) = encoding_rs::GBK.encode("id,label\n1,内圈故障\n2,正常\n");
        assert_eq!(read(&gbk, &["label"]).unwrap().cell(0, 0), "内圈故障");
    }

    #[test]
    fn every_kind_of_broken_file_is_named() {
        let message = |r: Result<Table<'_>, EvalError>| r.unwrap_err().to_string();
        assert!(message(read(b"", &["id"])).contains("empty"));
        assert!(message(read(b"id,label\n\n", &["id"])).contains("no rows"));
        assert!(message(read(b"id,lable\n1,2\n", &["label"])).contains("「lable」"));
        assert!(message(read(b"id,v\n1,2\n3\n", &["id"])).contains("line 3"));
        assert!(message(read(&[0x00, 0x9f, 0x92, 0x96, 0x00], &["id"])).contains("binary"));
        assert!(message(read_table(Source { name: "big.csv", bytes: b"id\n1\n" }, &["id"], 3)).contains("limit"));
    }
}
