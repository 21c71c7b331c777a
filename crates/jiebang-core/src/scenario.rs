//! Typical scenarios (典型场景): the reference lists demands, solutions, challenges and datasets
//! point at by code. The platform ships the structure of MIIT's 《智能制造典型场景参考指引（2025年版）》
//! — 8 环节, 40 scenarios — as data (`data/scenarios-znzz-2025.tsv`), each entry marked by how far
//! the public record confirms it, so a page can say which names still await the official text.

use serde::Serialize;

/// The shipped 2025 intelligent-manufacturing guide.
pub const ZNZZ_2025: &str = include_str!("../data/scenarios-znzz-2025.tsv");

/// How far an entry is confirmed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Source {
    /// Number and name as the guide's published text gives them.
    Confirmed,
    /// From a secondary list, not yet checked against the official text.
    Secondary,
}

/// One typical scenario.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Scenario {
    /// jiebang's code, e.g. `ZNZZ-2025-05`.
    pub code: String,
    /// The guide and its edition.
    pub edition: String,
    /// Its number in the guide.
    pub number: u32,
    /// 环节.
    pub stage: String,
    /// 名称.
    pub name: String,
    /// How far the entry is confirmed.
    pub source: Source,
}

/// A malformed line of a scenario file.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("场景文件第 {line} 行有误：{reason} / scenario file line {line}: {reason}")]
pub struct ScenarioError {
    /// 1-based line number.
    pub line: usize,
    /// What is wrong.
    pub reason: String,
}

/// Reads a scenario file: `code, number, stage, name, source` separated by tabs, `#` comments;
/// codes and numbers unique.
pub fn parse(edition: &str, text: &str) -> Result<Vec<Scenario>, ScenarioError> {
    let mut scenarios: Vec<Scenario> = Vec::new();
    for (index, raw) in text.lines().enumerate() {
        let line = index + 1;
        if raw.trim().is_empty() || raw.starts_with('#') {
            continue;
        }
        let fail = |reason: String| ScenarioError { line, reason };
        let cells: Vec<&str> = raw.split('\t').map(str::trim).collect();
        let [code, number, stage, name, source] = cells[..] else {
            return Err(fail(format!(
                "应有 5 列，实际 {} 列 / expected 5 columns, found {}",
                cells.len(),
                cells.len()
            )));
        };
        let number: u32 = number.parse().map_err(|_| fail(format!("序号「{number}」不是正整数 / not a number")))?;
        let source = match source {
            "confirmed" => Source::Confirmed,
            "secondary" => Source::Secondary,
            other => return Err(fail(format!("来源「{other}」应为 confirmed 或 secondary"))),
        };
        if code.is_empty() || stage.is_empty() || name.is_empty() {
            return Err(fail("编码、环节和名称不能为空 / code, stage and name are required".into()));
        }
        if scenarios.iter().any(|s| s.code == code || s.number == number) {
            return Err(fail(format!("编码 {code} 或序号 {number} 重复 / duplicate code or number")));
        }
        scenarios.push(Scenario {
            code: code.into(),
            edition: edition.into(),
            number,
            stage: stage.into(),
            name: name.into(),
            source,
        });
    }
    Ok(scenarios)
}

/// The shipped guide's scenarios, in its order.
pub fn shipped() -> Vec<Scenario> {
    parse("智能制造典型场景参考指引（2025年版）", ZNZZ_2025).expect("the shipped scenarios parse (tested)")
}

/// The stages (环节) in the order the scenarios first name them.
pub fn stages(scenarios: &[Scenario]) -> Vec<&str> {
    let mut stages: Vec<&str> = Vec::new();
    for s in scenarios {
        if !stages.contains(&s.stage.as_str()) {
            stages.push(&s.stage);
        }
    }
    stages
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_2025_guide_has_forty_scenarios_in_eight_stages_the_first_eight_confirmed() {
        let scenarios = shipped();
        assert_eq!(scenarios.len(), 40);
        assert_eq!(
            stages(&scenarios),
            ["工厂建设", "产品研发", "工艺设计", "生产管理", "生产作业", "运营管理", "产品服务", "供应链管理"]
        );
        let numbers: Vec<u32> = scenarios.iter().map(|s| s.number).collect();
        assert_eq!(numbers, (1..=40).collect::<Vec<_>>());
        let confirmed: Vec<&str> =
            scenarios.iter().filter(|s| s.source == Source::Confirmed).map(|s| s.name.as_str()).collect();
        assert_eq!(
            confirmed,
            [
                "工厂数字化规划设计",
                "数字基础设施建设",
                "数字孪生工厂构建",
                "产品数字化设计",
                "产品虚拟验证",
                "工艺数字化设计",
                "制造工程优化",
                "生产计划优化"
            ]
        );
        assert_eq!(scenarios[4].code, "ZNZZ-2025-05");
    }

    #[test]
    fn a_malformed_line_is_named() {
        let err = parse("e", "# c\nA\t1\t环节\t名称\tconfirmed\nB\t1\t环节\t名称二\tsecondary\n").unwrap_err();
        assert_eq!(err.line, 3, "{err}");
        assert_eq!(parse("e", "A\tx\t环节\t名称\tconfirmed\n").unwrap_err().line, 1);
        assert!(parse("e", "A\t1\t环节\n").unwrap_err().reason.contains("5 列"));
    }
}
