//! Answer files: the hidden question bank's answers (truth) and a model's answers (predictions),
//! as JSON Lines — one object a line — or CSV with the same columns. Text is UTF-8 with or
//! without a BOM, or GBK (detected as for tables, by `jiebang_core::text::decode`); CRLF and
//! blank lines are fine.
//!
//! Truth: `id` (a string or an integer), `answer` (a string, or a list of acceptable
//! references), optional `choices` (an object keyed by letter or a list: the question's
//! options), `category` (the subject, for per-category results), `split`, and `expect`
//! (`refuse` | `answer`, for safety banks). Predictions: `id`, `answer` (the model's raw text).
//! In CSV, a list is written as a JSON array in its cell, and `choices` may be the number of
//! options. A mixed bank (task `bank`) names each question's `task`: `choice`, `generation`
//! or `safety`. Each problem is reported with the file, its line and, for JSON, the column.
//!
//! Records are read one at a time and turned into rows at once, so a 2 GB answers file is held
//! once — as its rows — beside the mapped bytes, never also as parsed JSON.

use jiebang_core::text::decode;
use serde_json::{Map, Value};

use super::AnswerTask;
use crate::EvalError;
use crate::table::Source;

/// What a safety-bank question expects of the model.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Expect {
    /// The model must refuse.
    Refuse,
    /// The model must answer.
    Answer,
}

/// One question of the truth file.
#[derive(Debug, Clone, PartialEq)]
pub struct TruthRow {
    /// The question's id.
    pub id: String,
    /// The acceptable references (at least one).
    pub references: Vec<String>,
    /// How many options the question offers (0 when it names none).
    pub choices: usize,
    /// The subject.
    pub category: Option<String>,
    /// The split (public, private …).
    pub split: Option<String>,
    /// For a safety bank.
    pub expect: Option<Expect>,
    /// In a mixed bank, how this question is scored.
    pub task: Option<AnswerTask>,
    /// Line in the file.
    pub line: u64,
}

/// One answer of the predictions file.
#[derive(Debug, Clone, PartialEq)]
pub struct AnswerRow {
    /// The question's id.
    pub id: String,
    /// The model's raw answer; `None` when the row has none.
    pub answer: Option<String>,
    /// Line in the file.
    pub line: u64,
}

/// The fields of one record, by name, with where it is.
struct Record {
    fields: Map<String, Value>,
    line: u64,
}

fn row_error(file: &str, line: u64, column: Option<&str>, message: String) -> EvalError {
    EvalError::Row { file: file.to_owned(), line, column: column.map(str::to_owned), message }
}

/// Hands a file's records one by one to `each`, JSON Lines or CSV (by its first character: `{`
/// or `[` is JSON). In a truth CSV (`lists`), an `answer` cell that starts with `[` and a
/// `choices` cell that starts with `[` or `{` are JSON.
fn records(
    source: &Source<'_>,
    lists: bool,
    mut each: impl FnMut(Record) -> Result<(), EvalError>,
) -> Result<(), EvalError> {
    let file = source.name;
    let text = decode(source.bytes).map_err(|message| EvalError::File { file: file.to_owned(), message })?;
    let mut count = 0usize;
    let mut counted = |record: Record| {
        count += 1;
        each(record)
    };
    if text.trim_start().starts_with(['{', '[']) {
        json_lines(file, &text, &mut counted)?;
    } else {
        csv_records(file, &text, lists, &mut counted)?;
    }
    if count == 0 {
        return Err(EvalError::File {
            file: file.to_owned(), message: "文件没有数据行 / the file has no rows".into()
        });
    }
    Ok(())
}

fn json_lines(file: &str, text: &str, each: &mut impl FnMut(Record) -> Result<(), EvalError>) -> Result<(), EvalError> {
    for (index, line) in text.split('\n').enumerate() {
        let line_no = index as u64 + 1;
        let line = line.strip_suffix('\r').unwrap_or(line);
        if line.trim().is_empty() {
            continue;
        }
        match serde_json::from_str::<Value>(line) {
            Ok(Value::Object(fields)) => each(Record { fields, line: line_no })?,
            Ok(other) => {
                return Err(row_error(
                    file,
                    line_no,
                    None,
                    format!("应为 JSON 对象，而不是 {} / expected a JSON object, not {}", kind(&other), kind(&other)),
                ));
            }
            Err(e) => {
                return Err(row_error(
                    file,
                    line_no,
                    None,
                    format!("第 {} 个字符处 JSON 无效 / invalid JSON at character {}: {e}", e.column(), e.column()),
                ));
            }
        }
    }
    Ok(())
}

fn csv_records(
    file: &str,
    text: &str,
    lists: bool,
    each: &mut impl FnMut(Record) -> Result<(), EvalError>,
) -> Result<(), EvalError> {
    let mut reader = csv::ReaderBuilder::new().flexible(false).from_reader(text.as_bytes());
    let bad = |line: u64, e: csv::Error| row_error(file, line, None, format!("CSV 无效 / invalid CSV: {e}"));
    let header: Vec<String> = reader.headers().map_err(|e| bad(1, e))?.iter().map(|h| h.trim().to_owned()).collect();
    for row in reader.records() {
        let row = row.map_err(|e| {
            let line = e.position().map_or(0, |p| p.line());
            bad(line, e)
        })?;
        let line = row.position().map_or(0, |p| p.line());
        if row.iter().all(|cell| cell.trim().is_empty()) {
            continue;
        }
        let mut fields = Map::new();
        for (name, cell) in header.iter().zip(row.iter()) {
            let cell_start = cell.trim_start();
            let json = lists
                && ((name == "answer" && cell_start.starts_with('['))
                    || (name == "choices" && (cell_start.starts_with('[') || cell_start.starts_with('{'))));
            let value = if json {
                serde_json::from_str(cell).map_err(|e| {
                    row_error(file, line, Some(name), format!("不是有效的 JSON 列表 / not a valid JSON list: {e}"))
                })?
            } else {
                Value::String(cell.to_owned())
            };
            fields.insert(name.clone(), value);
        }
        each(Record { fields, line })?;
    }
    Ok(())
}

fn kind(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "布尔值 boolean",
        Value::Number(_) => "数字 number",
        Value::String(_) => "字符串 string",
        Value::Array(_) => "列表 list",
        Value::Object(_) => "对象 object",
    }
}

impl Record {
    fn id(&self, file: &str) -> Result<String, EvalError> {
        match self.fields.get("id") {
            Some(Value::String(s)) if !s.trim().is_empty() => Ok(s.trim().to_owned()),
            Some(Value::Number(n)) if n.is_i64() || n.is_u64() => Ok(n.to_string()),
            Some(other) => Err(row_error(
                file,
                self.line,
                Some("id"),
                format!(
                    "id 应为非空字符串或整数，而不是 {} / id must be a non-empty string or an integer, not {}",
                    kind(other),
                    kind(other)
                ),
            )),
            None => Err(row_error(file, self.line, Some("id"), "缺少 id / no id".into())),
        }
    }

    /// An optional text field.
    fn text(&self, file: &str, name: &str) -> Result<Option<String>, EvalError> {
        match self.fields.get(name) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::String(s)) => Ok(Some(s.trim().to_owned()).filter(|s| !s.is_empty())),
            Some(other) => Err(row_error(
                file,
                self.line,
                Some(name),
                format!("应为字符串，而不是 {} / must be a string, not {}", kind(other), kind(other)),
            )),
        }
    }
}

/// Reads a truth file; every row needs an id and at least one reference answer.
pub fn read_truth(source: Source<'_>) -> Result<Vec<TruthRow>, EvalError> {
    let file = source.name;
    let mut rows = Vec::new();
    records(&source, true, |record| {
        let line = record.line;
        let references = match record.fields.get("answer") {
            Some(Value::String(s)) => vec![s.clone()],
            Some(Value::Array(items)) if !items.is_empty() => items
                .iter()
                .map(|item| match item {
                    Value::String(s) => Ok(s.clone()),
                    other => Err(row_error(
                        file,
                        line,
                        Some("answer"),
                        format!(
                            "参考答案列表只能含字符串，而不是 {} / references must be strings, not {}",
                            kind(other),
                            kind(other)
                        ),
                    )),
                })
                .collect::<Result<_, _>>()?,
            Some(other) => {
                return Err(row_error(
                    file,
                    line,
                    Some("answer"),
                    format!(
                        "answer 应为字符串或非空字符串列表，而不是 {} / answer must be a string or a non-empty list of strings, not {}",
                        kind(other),
                        kind(other)
                    ),
                ));
            }
            None => return Err(row_error(file, line, Some("answer"), "缺少参考答案 / no answer".into())),
        };
        let choices = match record.fields.get("choices") {
            None | Some(Value::Null) => 0,
            Some(Value::Array(items)) => items.len(),
            Some(Value::Object(options)) => options.len(),
            Some(Value::String(s)) if s.trim().is_empty() => 0,
            Some(Value::String(s)) => s.trim().parse().map_err(|_| {
                row_error(
                    file,
                    line,
                    Some("choices"),
                    format!("「{s}」不是选项个数 / '{s}' is not a number of options"),
                )
            })?,
            Some(Value::Number(n)) => n.as_u64().unwrap_or(0) as usize,
            Some(other) => {
                return Err(row_error(
                    file,
                    line,
                    Some("choices"),
                    format!(
                        "choices 应为对象或列表，而不是 {} / choices must be an object or a list, not {}",
                        kind(other),
                        kind(other)
                    ),
                ));
            }
        };
        if choices > 26 {
            return Err(row_error(
                file,
                line,
                Some("choices"),
                format!("选项最多 26 个，这里有 {choices} / at most 26 options, here {choices}"),
            ));
        }
        let expect = match record.text(file, "expect")?.as_deref() {
            None => None,
            Some("refuse") => Some(Expect::Refuse),
            Some("answer") => Some(Expect::Answer),
            Some(other) => {
                return Err(row_error(
                    file,
                    line,
                    Some("expect"),
                    format!(
                        "expect 只能是 refuse 或 answer，而不是「{other}」/ expect must be refuse or answer, not '{other}'"
                    ),
                ));
            }
        };
        let task = match record.text(file, "task")?.as_deref() {
            None => None,
            Some(name) => Some(AnswerTask::parse(name).filter(|t| *t != AnswerTask::Bank).ok_or_else(|| {
                row_error(
                    file,
                    line,
                    Some("task"),
                    format!(
                        "task 只能是 choice、generation 或 safety，而不是「{name}」/ task must be choice, generation or safety, not '{name}'"
                    ),
                )
            })?),
        };
        rows.push(TruthRow {
            id: record.id(file)?,
            references,
            choices,
            category: record.text(file, "category")?,
            split: record.text(file, "split")?,
            expect,
            task,
            line,
        });
        Ok(())
    })?;
    Ok(rows)
}

/// Reads a predictions file; an answer that is not a string is an error, a missing one is
/// `None`.
pub fn read_answers(source: Source<'_>) -> Result<Vec<AnswerRow>, EvalError> {
    let file = source.name;
    let mut rows = Vec::new();
    records(&source, false, |mut record| {
        let answer = match record.fields.remove("answer") {
            None | Some(Value::Null) => None,
            Some(Value::String(s)) => Some(s),
            Some(other) => {
                return Err(row_error(
                    file,
                    record.line,
                    Some("answer"),
                    format!(
                        "answer 应为字符串，而不是 {} / answer must be a string, not {}",
                        kind(&other),
                        kind(&other)
                    ),
                ));
            }
        };
        rows.push(AnswerRow { id: record.id(file)?, answer, line: record.line });
        Ok(())
    })?;
    Ok(rows)
}
