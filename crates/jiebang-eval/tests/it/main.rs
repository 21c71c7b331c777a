//! The evaluation engine against scikit-learn: every case in `fixtures/metrics.json` (written by
//! `scripts/metric-fixtures.py`) must agree to 1e-9, and metrics keep the invariances their
//! definitions promise.

#![allow(missing_docs)]

mod answers;
mod generation;
mod inputs;
mod properties;

use jiebang_eval::metrics::{BinaryData, MulticlassData, RegressionData};
use jiebang_eval::{Metric, Task};
use serde_json::Value;

fn floats(v: &Value) -> Vec<f64> {
    v.as_array().unwrap().iter().map(|x| x.as_f64().unwrap()).collect()
}

fn compute(task: Task, metric: Metric, data: &Value) -> Result<f64, String> {
    match task {
        Task::Binary => BinaryData {
            truth: floats(&data["truth"]).iter().map(|t| *t == 1.0).collect(),
            score: floats(&data["score"]),
        }
        .compute(metric)
        .map_err(|e| e.to_string()),
        Task::Regression => RegressionData { truth: floats(&data["truth"]), predicted: floats(&data["predicted"]) }
            .compute(metric)
            .map_err(|e| e.to_string()),
        Task::Multiclass => {
            let classes: Vec<String> =
                data["classes"].as_array().unwrap().iter().map(|c| c.as_str().unwrap().to_owned()).collect();
            let index = |v: &Value| -> Vec<u32> {
                v.as_array()
                    .unwrap()
                    .iter()
                    .map(|c| classes.iter().position(|k| k == c.as_str().unwrap()).unwrap() as u32)
                    .collect()
            };
            let probabilities = data["probabilities"].as_array().unwrap().iter().flat_map(floats).collect();
            MulticlassData {
                truth: index(&data["truth"]),
                predicted: Some(index(&data["predicted"])),
                probabilities: Some(probabilities),
                classes: classes.clone(),
            }
            .compute(metric)
            .map_err(|e| e.to_string())
        }
    }
}

#[test]
fn every_metric_agrees_with_scikit_learn_to_1e_9_on_randomized_cases() {
    let fixtures: Value = serde_json::from_str(include_str!("../fixtures/metrics.json")).unwrap();
    let cases = fixtures["cases"].as_array().unwrap();
    assert!(cases.len() > 2000);
    let mut failures = Vec::new();
    for case in cases {
        let task = Task::parse(case["task"].as_str().unwrap()).unwrap();
        let name = case["metric"].as_str().unwrap();
        let metric = Metric::parse(task, name).unwrap();
        let data = &fixtures["datasets"][case["dataset"].as_u64().unwrap() as usize];
        let got = compute(task, metric, data);
        match (case["expected"].as_f64(), got) {
            (Some(want), Ok(got)) if (got - want).abs() <= 1e-9 * want.abs().max(1.0) => {}
            (None, Err(_)) => {}
            (want, got) => {
                failures.push(format!("{name} on dataset {}: scikit-learn {want:?}, jiebang {got:?}", case["dataset"]))
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} cases disagree (scikit-learn {}):\n{}",
        failures.len(),
        cases.len(),
        fixtures["sklearn"],
        failures.join("\n")
    );
}
