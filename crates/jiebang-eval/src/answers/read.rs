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
//! Records are read one at a time and turned into rows at once, and a row's text borrows the
//! file's wherever JSON needs no unescaping: a 2 GB answers file is held once — its mapped
//! bytes — plus a few words a row, never also as parsed JSON or copied strings.

use std::borrow::Cow;
use std::collections::HashMap;

use serde_json::Value;
use serde_json::value::RawValue;

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

/// One question of the truth file; its text borrows the file's wherever JSON needs no unescaping.
#[derive(Debug, Clone, PartialEq)]
pub struct TruthRow<'a> {
    /// The question's id.
    pub id: Cow<'a, str>,
    /// The acceptable references (at least one).
    pub references: Vec<Cow<'a, str>>,
    /// How many options the question offers (0 when it names none).
    pub choices: usize,
    /// The subject.
    pub category: Option<Cow<'a, str>>,
    /// The split (public, private …).
    pub split: Option<Cow<'a, str>>,
    /// For a safety bank.
    pub expect: Option<Expect>,
    /// In a mixed bank, how this question is scored.
    pub task: Option<AnswerTask>,
    /// Line in the file.
    pub line: u64,
}

/// One answer of the predictions file.
#[derive(Debug, Clone, PartialEq)]
pub struct AnswerRow<'a> {
    /// The question's id.
    pub id: Cow<'a, str>,
    /// The model's raw answer; `None` when the row has none.
    pub answer: Option<Cow<'a, str>>,
    /// Line in the file.
    pub line: u64,
}

/// A file's text: `source`'s bytes decoded (borrowed when they are UTF-8).
pub fn text<'a>(source: &Source<'a>) -> Result<Cow<'a, str>, EvalError> {
    jiebang_core::text::decode(source.bytes)
        .map_err(|message| EvalError::File { file: source.name.to_owned(), message })
}

/// A field of a record: JSON text (a JSON Lines value, or a CSV cell holding a list), or a
/// plain CSV cell.
enum Field<'a> {
    Json(Cow<'a, str>),
    Cell(String),
}

impl<'a> Field<'a> {
    /// The field as a JSON value, for its kind and its lists (cheap: used off the hot path).
    fn value(&self) -> Value {
        match self {
            Field::Json(raw) => serde_json::from_str(raw).unwrap_or(Value::Null),
            Field::Cell(cell) => Value::String(cell.clone()),
        }
    }

    /// The field as text, when it is a string; a JSON string without escapes is borrowed.
    fn into_string(self) -> Result<Option<Cow<'a, str>>, Value> {
        match self {
            Field::Cell(cell) => Ok(Some(Cow::Owned(cell))),
            Field::Json(Cow::Borrowed(raw)) if raw.len() >= 2 && raw.starts_with('"') && !raw.contains('\\') => {
                Ok(Some(Cow::Borrowed(&raw[1..raw.len() - 1])))
            }
            Field::Json(raw) => match serde_json::from_str(&raw).unwrap_or(Value::Null) {
                Value::Null => Ok(None),
                Value::String(s) => Ok(Some(Cow::Owned(s))),
                other => Err(other),
            },
        }
    }
}

/// The fields of one record, by name, with where it is.
struct Record<'a> {
    fields: HashMap<String, Field<'a>>,
    line: u64,
}

fn row_error(file: &str, line: u64, column: Option<&str>, message: String) -> EvalError {
    EvalError::Row { file: file.to_owned(), line, column: column.map(str::to_owned), message }
}

/// Hands the records of `text` (the file `file`) one by one to `each`, JSON Lines or CSV (by its
/// first character: `{` or `[` is JSON). In a truth CSV (`lists`), an `answer` cell that starts
/// with `[` and a `choices` cell that starts with `[` or `{` are JSON.
fn records<'a>(
    file: &str,
    text: &'a str,
    lists: bool,
    mut each: impl FnMut(Record<'a>) -> Result<(), EvalError>,
) -> Result<(), EvalError> {
    let mut count = 0usize;
    let mut counted = |record: Record<'a>| {
        count += 1;
        each(record)
    };
    if text.trim_start().starts_with(['{', '[']) {
        json_lines(file, text, &mut counted)?;
    } else {
        csv_records(file, text, lists, &mut counted)?;
    }
    if count == 0 {
        return Err(EvalError::File {
            file: file.to_owned(), message: "文件没有数据行 / the file has no rows".into()
        });
    }
    Ok(())
}

fn json_lines<'a>(
    file: &str,
    text: &'a str,
    each: &mut impl FnMut(Record<'a>) -> Result<(), EvalError>,
) -> Result<(), EvalError> {
    for (index, line) in text.split('\n').enumerate() {
        let line_no = index as u64 + 1;
        let line = line.strip_suffix('\r').unwrap_or(line);
        if line.trim().is_empty() {
            continue;
        }
        let invalid = |e: serde_json::Error| {
            row_error(
                file,
                line_no,
                None,
                format!("第 {} 个字符处 JSON 无效 / invalid JSON at character {}: {e}", e.column(), e.column()),
            )
        };
        // Each value is kept as its JSON text, so a string without escapes is never copied.
        if line.trim_start().starts_with('{') {
            let fields: HashMap<String, &'a RawValue> = serde_json::from_str(line).map_err(invalid)?;
            let fields = fields.into_iter().map(|(k, v)| (k, Field::Json(Cow::Borrowed(v.get())))).collect();
            each(Record { fields, line: line_no })?;
        } else {
            let other: Value = serde_json::from_str(line).map_err(invalid)?;
            return Err(row_error(
                file,
                line_no,
                None,
                format!("应为 JSON 对象，而不是 {} / expected a JSON object, not {}", kind(&other), kind(&other)),
            ));
        }
    }
    Ok(())
}

fn csv_records<'a>(
    file: &str,
    text: &'a str,
    lists: bool,
    each: &mut impl FnMut(Record<'a>) -> Result<(), EvalError>,
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
        let mut fields = HashMap::new();
        for (name, cell) in header.iter().zip(row.iter()) {
            let cell_start = cell.trim_start();
            let json = lists
                && ((name == "answer" && cell_start.starts_with('['))
                    || (name == "choices" && (cell_start.starts_with('[') || cell_start.starts_with('{'))));
            let field = if json {
                serde_json::from_str::<&RawValue>(cell).map_err(|e| {
                    row_error(file, line, Some(name), format!("不是有效的 JSON 列表 / not a valid JSON list: {e}"))
                })?;
                Field::Json(Cow::Owned(cell.to_owned()))
            } else {
                Field::Cell(cell.to_owned())
            };
            fields.insert(name.clone(), field);
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

/// `text` without surrounding whitespace, borrowed as far as it was.
fn trimmed(text: Cow<'_, str>) -> Cow<'_, str> {
    match text {
        Cow::Borrowed(s) => Cow::Borrowed(s.trim()),
        Cow::Owned(s) if s.trim().len() == s.len() => Cow::Owned(s),
        Cow::Owned(s) => Cow::Owned(s.trim().to_owned()),
    }
}

impl<'a> Record<'a> {
    fn id(&mut self, file: &str) -> Result<Cow<'a, str>, EvalError> {
        let bad = |line, other: &Value| {
            row_error(
                file,
                line,
                Some("id"),
                format!(
                    "id 应为非空字符串或整数，而不是 {} / id must be a non-empty string or an integer, not {}",
                    kind(other),
                    kind(other)
                ),
            )
        };
        match self.fields.remove("id") {
            None => Err(row_error(file, self.line, Some("id"), "缺少 id / no id".into())),
            Some(field) => {
                // An integer written plainly is its own text; others are normalised (`1e0` is no id).
                if let Field::Json(raw) = &field
                    && raw.starts_with(|c: char| c == '-' || c.is_ascii_digit())
                {
                    return match field.value() {
                        Value::Number(n) if n.is_i64() || n.is_u64() => match raw {
                            Cow::Borrowed(raw) if *raw == n.to_string() => Ok(Cow::Borrowed(raw)),
                            _ => Ok(Cow::Owned(n.to_string())),
                        },
                        other => Err(bad(self.line, &other)),
                    };
                }
                match field.into_string() {
                    Ok(Some(s)) if !s.trim().is_empty() => Ok(trimmed(s)),
                    Ok(Some(s)) => Err(bad(self.line, &Value::String(s.into_owned()))),
                    Ok(None) => Err(bad(self.line, &Value::Null)),
                    Err(other) => Err(bad(self.line, &other)),
                }
            }
        }
    }

    /// An optional text field, trimmed; an empty one is `None`.
    fn text(&mut self, file: &str, name: &str) -> Result<Option<Cow<'a, str>>, EvalError> {
        match self.fields.remove(name).map(Field::into_string) {
            None | Some(Ok(None)) => Ok(None),
            Some(Ok(Some(s))) => Ok(Some(trimmed(s)).filter(|s| !s.is_empty())),
            Some(Err(other)) => Err(row_error(
                file,
                self.line,
                Some(name),
                format!("应为字符串，而不是 {} / must be a string, not {}", kind(&other), kind(&other)),
            )),
        }
    }
}

/// Reads a truth file (`text`, named `file`); every row needs an id and at least one reference
/// answer.
pub fn read_truth<'a>(file: &str, text: &'a str) -> Result<Vec<TruthRow<'a>>, EvalError> {
    let mut rows = Vec::new();
    records(file, text, true, |mut record| {
        let line = record.line;
        let not_answer = |other: &Value| {
            row_error(
                file,
                line,
                Some("answer"),
                format!(
                    "answer 应为字符串或非空字符串列表，而不是 {} / answer must be a string or a non-empty list of strings, not {}",
                    kind(other),
                    kind(other)
                ),
            )
        };
        let references = match record.fields.remove("answer") {
            None => return Err(row_error(file, line, Some("answer"), "缺少参考答案 / no answer".into())),
            Some(field @ Field::Json(_)) if field_is_list(&field) => match field.value() {
                Value::Array(items) if !items.is_empty() => items
                    .into_iter()
                    .map(|item| match item {
                        Value::String(s) => Ok(Cow::Owned(s)),
                        other => Err(row_error(
                            file,
                            line,
                            Some("answer"),
                            format!(
                                "参考答案列表只能含字符串，而不是 {} / references must be strings, not {}",
                                kind(&other),
                                kind(&other)
                            ),
                        )),
                    })
                    .collect::<Result<_, _>>()?,
                other => return Err(not_answer(&other)),
            },
            Some(field) => match field.into_string() {
                Ok(Some(reference)) => vec![reference],
                Ok(None) => return Err(not_answer(&Value::Null)),
                Err(other) => return Err(not_answer(&other)),
            },
        };
        let choices = match record.fields.remove("choices").map(|f| f.value()) {
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
                        kind(&other),
                        kind(&other)
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

/// Whether a field holds a JSON list.
fn field_is_list(field: &Field<'_>) -> bool {
    matches!(field, Field::Json(raw) if raw.trim_start().starts_with('['))
}

/// Reads a predictions file (`text`, named `file`); an answer that is not a string is an error,
/// a missing one is `None`.
pub fn read_answers<'a>(file: &str, text: &'a str) -> Result<Vec<AnswerRow<'a>>, EvalError> {
    let mut rows = Vec::new();
    records(file, text, false, |mut record| {
        let answer = match record.fields.remove("answer").map(Field::into_string) {
            None | Some(Ok(None)) => None,
            Some(Ok(answer)) => answer,
            Some(Err(other)) => {
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_text_is_borrowed_and_escapes_are_read() {
        let text = "{\"id\": 7, \"answer\": \"反应釜 1.6 MPa\"}\n{\"id\": \" q2 \", \"answer\": \"引号\\\"与\\u4e2d\"}\r\n\n{\"id\": 9}\n";
        let rows = read_answers("p.jsonl", text).unwrap();
        assert!(matches!(rows[0].id, Cow::Borrowed("7")));
        assert!(matches!(rows[0].answer, Some(Cow::Borrowed("反应釜 1.6 MPa"))));
        assert_eq!(rows[1].id, "q2");
        assert!(matches!(&rows[1].answer, Some(Cow::Owned(s)) if s == "引号\"与中"));
        assert_eq!((rows[2].answer.as_deref(), rows[2].line), (None, 4));
    }

    #[test]
    fn truth_fields_keep_their_checks() {
        let text = "{\"id\": 1, \"answer\": [\"甲\", \"乙\"], \"choices\": 4, \"category\": \" 安全 \", \"expect\": \"refuse\"}\n";
        let rows = read_truth("t.jsonl", text).unwrap();
        assert_eq!(rows[0].references, ["甲", "乙"]);
        assert_eq!(
            (rows[0].choices, rows[0].category.as_deref(), rows[0].expect),
            (4, Some("安全"), Some(Expect::Refuse))
        );
        let bad = [
            ("{\"id\": 1.5, \"answer\": \"a\"}", "id"),
            ("{\"id\": 1, \"answer\": []}", "answer"),
            ("{\"id\": 1, \"answer\": [\"a\", 2]}", "answer"),
            ("{\"id\": 1, \"answer\": \"a\", \"split\": 3}", "split"),
            ("{\"id\": 1, \"answer\": \"a\", \"choices\": true}", "choices"),
        ];
        for (line, field) in bad {
            match read_truth("t.jsonl", line) {
                Err(EvalError::Row { line: 1, column: Some(column), .. }) => assert_eq!(column, field, "{line}"),
                other => panic!("{line}: {other:?}"),
            }
        }
    }
}
