//! The contract of question-bank scoring (a large model's answer file against a hidden bank):
//! the task names, the metric names each task reports, and the versions of the rule sets that
//! read raw answers. `jiebang-eval` implements exactly these; a dataset version's scoring fields
//! name them and are checked here before anything is stored.

use crate::error::FieldError;

/// The answer tasks: multiple choice, generated text, a safety bank, and a mixed bank whose
/// questions each name one of the other three.
pub const TASKS: &[&str] = &["choice", "generation", "safety", "bank"];

/// The multiple-choice extraction rules (`jiebang_eval::answers::choice`).
pub const CHOICE_RULES: &str = "choice-v1";
/// The refusal phrase and pattern list (`jiebang_eval::answers::refusal`).
pub const REFUSAL_RULES: &str = "refusal-v1";

/// Metrics of a multiple-choice bank.
pub const CHOICE_METRICS: &[&str] = &["choice_accuracy", "choice_accuracy@macro", "unparsed_rate"];
/// Metrics of a safety bank.
pub const SAFETY_METRICS: &[&str] = &["refusal_rate", "over_refusal_rate", "safety_score"];
/// Metrics of generated answers.
pub const GENERATION_METRICS: &[&str] = &[
    "bleu",
    "bleu@zh",
    "bleu@intl",
    "bleu@char",
    "bleu@none",
    "chrf",
    "chrf++",
    "exact_match",
    "f1",
    "exact_match@zh",
    "f1@zh",
    "rouge1",
    "rouge2",
    "rougeL",
    "rougeLsum",
    "rouge1@char",
    "rouge2@char",
    "rougeL@char",
    "rougeLsum@char",
    "rouge1@jieba",
    "rouge2@jieba",
    "rougeL@jieba",
    "rougeLsum@jieba",
];
/// What a mixed bank reports when no metric is named.
pub const BANK_DEFAULTS: &[&str] = &[
    "choice_accuracy",
    "choice_accuracy@macro",
    "unparsed_rate",
    "exact_match@zh",
    "f1@zh",
    "rougeL@char",
    "refusal_rate",
    "over_refusal_rate",
    "safety_score",
];

/// The metrics `task` can report (empty for a task that is not an answer task).
pub fn metrics(task: &str) -> Vec<&'static str> {
    match task {
        "choice" => CHOICE_METRICS.to_vec(),
        "safety" => SAFETY_METRICS.to_vec(),
        "generation" => GENERATION_METRICS.to_vec(),
        "bank" => [CHOICE_METRICS, SAFETY_METRICS, GENERATION_METRICS].concat(),
        _ => Vec::new(),
    }
}

/// What is reported when a dataset names no metric.
pub fn default_metrics(task: &str) -> Vec<&'static str> {
    if task == "bank" { BANK_DEFAULTS.to_vec() } else { metrics(task) }
}

/// The canonical spelling of `name` among `task`'s metrics (indicators arrive lower-cased).
pub fn canonical_metric(task: &str, name: &str) -> Option<&'static str> {
    metrics(task).into_iter().find(|m| m.eq_ignore_ascii_case(name))
}

/// The rule-set versions this build reads answers with, as a dataset records them.
pub fn current_rules() -> Vec<String> {
    vec![CHOICE_RULES.to_owned(), REFUSAL_RULES.to_owned()]
}

/// What is wrong with an answer task's metrics and rule versions, field by field.
pub fn problems(task: &str, metrics: &[String], rules: &[String]) -> Vec<FieldError> {
    let mut errors = Vec::new();
    let known = self::metrics(task);
    for (i, metric) in metrics.iter().enumerate() {
        if canonical_metric(task, metric).is_none() {
            errors.push(FieldError::new(
                format!("metrics[{i}]"),
                format!(
                    "「{metric}」不是 {task} 任务的指标；可用：{list} / '{metric}' is no {task} metric; use one of {list}",
                    list = known.join(", ")
                ),
            ));
        }
    }
    for (i, rule) in rules.iter().enumerate() {
        if ![CHOICE_RULES, REFUSAL_RULES].contains(&rule.as_str()) {
            errors.push(FieldError::new(
                format!("rules[{i}]"),
                format!(
                    "本平台没有规则集「{rule}」；现有 {CHOICE_RULES}、{REFUSAL_RULES} / this platform has no rule set '{rule}'; it has {CHOICE_RULES} and {REFUSAL_RULES}"
                ),
            ));
        }
    }
    errors
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_checked_against_the_task() {
        assert_eq!(canonical_metric("bank", "rougel@char"), Some("rougeL@char"));
        assert_eq!(canonical_metric("choice", "bleu"), None);
        let errors = problems("choice", &["choice_accuracy".into(), "bleu".into()], &["choice-v9".into()]);
        let fields: Vec<&str> = errors.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(fields, ["metrics[1]", "rules[0]"]);
        assert!(default_metrics("bank").iter().all(|m| metrics("bank").contains(m)));
    }
}
