//! The store contract suite: every test runs against a real database — SQLite by default,
//! PostgreSQL when `JIEBANG_TEST_DATABASE_URL` is set — and must pass on both.

#![allow(missing_docs)]

mod accounts;
mod catalogue;
mod evaluation;
mod programs;
mod projects;
mod selection;
mod signing;
mod signup;

use jiebang_core::challenge::{Challenge, ChallengeInput};
use jiebang_core::indicator::IndicatorInput;
use jiebang_core::program::{ProgramInput, Rules, Timeline};

/// A valid program input.
pub fn program_input(title: &str) -> ProgramInput {
    ProgramInput {
        title: title.into(),
        issuer: "山东省工业和信息化厅".into(),
        year: 2025,
        description: "示例".into(),
        rules: Rules::default(),
        timeline: Timeline::default(),
    }
}

/// A valid challenge with two indicators.
pub fn challenge(code: &str, industries: &[&str], region: &str, direction: &str) -> Challenge {
    ChallengeInput {
        code: code.into(),
        title: format!("{code} 行业大模型"),
        direction: direction.into(),
        sub_field: "化工".into(),
        task_class: "示范应用".into(),
        industries: industries.iter().map(|s| s.to_string()).collect(),
        region: region.into(),
        scenario: "安全生产预警".into(),
        indicators: vec![
            IndicatorInput {
                name: "F1".into(),
                metric: "f1@0.5".into(),
                op: ">=".into(),
                threshold: Some(0.92),
                ..Default::default()
            },
            IndicatorInput {
                name: "时延".into(),
                metric: "latency_p99_ms".into(),
                op: "<=".into(),
                threshold: Some(200.0),
                unit: "ms".into(),
                hard: false,
                weight: Some(30.0),
                ..Default::default()
            },
        ],
        ..Default::default()
    }
    .validate()
    .expect("valid fixture")
}
