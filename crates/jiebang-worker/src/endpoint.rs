//! Judging a live large model through its endpoint, the parts the command line and the workers
//! share: the bank's questions read and turned into messages ([`read_questions`]), and the
//! finished exchanges scored ([`score`]) — the answers with the answer-file metrics, the serving
//! measurements beside them, every indicator judged in one report. A failed exchange is no
//! answer: it is scored as an empty one and counted in `error_rate`.

use std::collections::{BTreeMap, HashSet};

use jiebang_chat::measure::{Measurements, Slo, measure};
use jiebang_chat::prompt::Template;
use jiebang_chat::run::{Question, Record};
use jiebang_chat::tokens::Counter;
use jiebang_core::delivery::is_served;
use jiebang_core::indicator::IndicatorExpr;
use jiebang_eval::answers::{AnswerReport, AnswerRequest, AnswerTask, evaluate_answers};
use jiebang_eval::{EvalError, Source};
use serde_json::{Value, json};

/// How many problems of a questions file are listed before the rest are counted.
const PROBLEMS_LISTED: usize = 20;

/// Reads a questions file (JSON Lines: `id`, `question`, optional `choices`, `category`,
/// `task`, `images`) into the messages `template` makes of each. `image` gives an image's MIME
/// type and bytes from its path in `images`, or why not (in Chinese and English). Every problem
/// is reported at once, with its line.
pub fn read_questions(
    source: Source<'_>,
    template: &Template,
    image: impl Fn(&str) -> Result<(String, Vec<u8>), (String, String)>,
) -> Result<Vec<Question>, EvalError> {
    let text = jiebang_eval::answers::read::text(&source)?;
    let mut problems = Vec::new();
    let mut questions = Vec::new();
    let mut ids = HashSet::new();
    for (n, line) in text.lines().enumerate() {
        let line_no = n + 1;
        if line.trim().is_empty() {
            continue;
        }
        let mut problem = |field: Option<&str>, zh: String, en: String| {
            let at = field.map(|f| format!("「{f}」")).unwrap_or_default();
            let at_en = field.map(|f| format!(", field {f}")).unwrap_or_default();
            problems.push(format!("第{line_no}行{at}：{zh} / line {line_no}{at_en}: {en}"));
        };
        let value: Value = match serde_json::from_str(line) {
            Ok(value @ Value::Object(_)) => value,
            Ok(_) => {
                problem(None, "每行须为一个 JSON 对象".into(), "each line must be a JSON object".into());
                continue;
            }
            Err(e) => {
                problem(None, format!("不是有效的 JSON（{e}）"), format!("not valid JSON: {e}"));
                continue;
            }
        };
        let id = match &value["id"] {
            Value::String(s) if !s.is_empty() => s.clone(),
            Value::Number(n) => n.to_string(),
            _ => {
                problem(Some("id"), "缺少题号".into(), "missing".into());
                continue;
            }
        };
        if !ids.insert(id.clone()) {
            problem(Some("id"), format!("题号 {id} 重复"), format!("id {id} appears twice"));
        }
        if value["question"].as_str().is_none_or(|q| q.trim().is_empty()) {
            problem(Some("question"), format!("题目 {id} 缺少题干"), format!("question {id} has no text"));
        }
        let mut images = Vec::new();
        match &value["images"] {
            Value::Null => {}
            Value::Array(paths) => {
                for path in paths {
                    match path.as_str().map(&image) {
                        Some(Ok(found)) => images.push(found),
                        Some(Err((zh, en))) => problem(Some("images"), zh, en),
                        None => problem(Some("images"), "须为文件路径".into(), "must be file paths".into()),
                    }
                }
            }
            _ => problem(Some("images"), "须为文件路径的数组".into(), "must be an array of file paths".into()),
        }
        questions.push(Question { id, messages: template.messages(&value, &images) });
    }
    if questions.is_empty() && problems.is_empty() {
        problems.push("没有题目 / there are no questions".into());
    }
    if problems.is_empty() {
        return Ok(questions);
    }
    let more = problems.len().saturating_sub(PROBLEMS_LISTED);
    problems.truncate(PROBLEMS_LISTED);
    if more > 0 {
        problems.push(format!("另有 {more} 处问题 / and {more} more problems"));
    }
    Err(EvalError::File { file: source.name.to_owned(), message: problems.join("\n  ") })
}

/// A picture's MIME type from its file name, for the images a model may be shown.
pub fn image_type(path: &str) -> Option<&'static str> {
    let extension = path.rsplit('.').next()?.to_ascii_lowercase();
    Some(match extension.as_str() {
        "png" => "image/png",
        "jpg" | "jpeg" => "image/jpeg",
        "webp" => "image/webp",
        "gif" => "image/gif",
        _ => return None,
    })
}

/// What the answers are scored against.
#[derive(Debug, Clone)]
pub struct Scoring<'a> {
    /// The kind of bank.
    pub task: AnswerTask,
    /// The hidden answers.
    pub truth: Source<'a>,
    /// Metrics to report: answer metrics and serving measurements alike.
    pub metrics: Vec<String>,
    /// Indicators on either.
    pub indicators: Vec<IndicatorExpr>,
    /// The limits goodput counts against.
    pub slo: Slo,
    /// Refusal phrases added to the built-in list (safety banks).
    pub refusal_phrases: Vec<String>,
    /// How answers without the server's usage are counted.
    pub counter: &'a Counter,
    /// What the platform measured on a model it served itself (`jiebang_core::delivery::HOSTED`:
    /// size, parameters, peak memory, load time); empty for a team's own endpoint.
    pub hosted: BTreeMap<String, f64>,
}

/// Scores the finished `records` of a run that took `wall_ms`: the report, with the serving
/// measurements as metrics, and the measurements themselves (with where the token counts came
/// from). Answers without server usage are counted by `scoring.counter`.
pub fn score(
    records: &[Record],
    wall_ms: f64,
    scoring: &Scoring<'_>,
) -> Result<(AnswerReport, Measurements), EvalError> {
    let mut answers = String::new();
    // A failed exchange is written as an empty answer, so a run that failed throughout is still
    // scored (and judged on its error rate) rather than refused as an empty file.
    for record in records {
        let exchange = &record.asked.exchange;
        let answer = if exchange.is_ok() { exchange.answer.as_str() } else { "" };
        answers.push_str(&json!({"id": record.id, "answer": answer}).to_string());
        answers.push('\n');
    }
    let measured_here = |m: &str| is_served(m) || scoring.hosted.contains_key(m);
    let (served, quality): (Vec<IndicatorExpr>, Vec<IndicatorExpr>) =
        scoring.indicators.iter().cloned().partition(|i| measured_here(i.metric.as_str()));
    let request = AnswerRequest {
        task: scoring.task,
        truth: scoring.truth,
        predictions: Source { name: "模型的回答 / the model's answers", bytes: answers.as_bytes() },
        metrics: scoring.metrics.iter().filter(|m| !measured_here(m)).cloned().collect(),
        indicators: quality,
        bootstrap: None,
        missing_as_empty: true,
        refusal_phrases: scoring.refusal_phrases.clone(),
    };
    let mut report = evaluate_answers(&request)?;
    let exchanges: Vec<_> = records.iter().map(|r| r.asked.exchange.clone()).collect();
    let measured = measure(&exchanges, wall_ms, scoring.slo, |e| scoring.counter.count(&e.answer));
    let mut values: BTreeMap<String, f64> = measured.values.iter().map(|(k, v)| ((*k).to_owned(), *v)).collect();
    values.extend(scoring.hosted.iter().map(|(k, v)| (k.clone(), *v)));
    report.report.add_measured(&values, &served);
    Ok((report, measured))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn source(text: &str) -> Source<'_> {
        Source { name: "questions.jsonl", bytes: text.as_bytes() }
    }

    #[test]
    fn the_platform_knows_every_serving_measurement_by_name() {
        use jiebang_chat::exchange::{Exchange, Usage};
        let answer = Exchange {
            answer: "ab".into(),
            first_token_ms: Some(1.0),
            first_any_token_ms: Some(1.0),
            last_token_ms: Some(2.0),
            answer_chunks_ms: vec![1.0, 2.0],
            usage: Some(Usage { prompt_tokens: 1, completion_tokens: 2 }),
            finish_reason: Some("stop".into()),
            ..Exchange::default()
        };
        let measured: Vec<&str> = measure(&[answer], 10.0, Slo::default(), |_| 0).values.into_keys().collect();
        let mut known: Vec<&str> = jiebang_core::delivery::SERVING.iter().map(|(k, _, _)| *k).collect();
        known.sort_unstable();
        assert_eq!(measured, known);
    }

    #[test]
    fn every_problem_of_a_questions_file_is_named_with_its_line() {
        let text = "{\"id\":\"1\",\"question\":\"甲\"}\n\n[1]\n{\"id\":\"1\",\"question\":\"乙\"}\n{\"id\":2}\n{bad\n{\"id\":3,\"question\":\"丙\",\"images\":[\"a.bmp\"]}\n";
        let image = |path: &str| {
            image_type(path)
                .map(|t| (t.to_owned(), vec![]))
                .ok_or_else(|| (format!("{path} 不是支持的图片"), format!("{path}: not a supported image")))
        };
        let error = read_questions(source(text), &Template::default(), image).unwrap_err().to_string();
        for expected in [
            "line 3:",
            "line 4, field id: id 1 appears twice",
            "line 5, field question",
            "line 6: not valid JSON",
            "line 7, field images: a.bmp: not a supported image",
        ] {
            assert!(error.contains(expected), "{expected} in {error}");
        }
        let ok = read_questions(source("{\"id\":7,\"question\":\"问\"}\n"), &Template::default(), image).unwrap();
        assert_eq!((ok[0].id.as_str(), ok[0].messages[0]["content"].as_str()), ("7", Some("问")));
    }
}
