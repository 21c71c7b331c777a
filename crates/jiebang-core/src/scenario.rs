//! Typical scenarios (典型场景): the reference lists demands, solutions, challenges and datasets
//! point at by code. The platform ships the structure of MIIT's 《智能制造典型场景参考指引（2025年版）》
//! — 8 环节, 40 scenarios — as data (`data/scenarios-znzz-2025.tsv`), each entry marked by how far
//! the public record confirms it, so a page can say which names still await the official text.
//! A new guide's edition in the same TSV form is imported beside it (`Store::import_scenario_edition`).

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
    /// The industries it is typical of (GB/T 4754 divisions; empty: manufacturing at large).
    #[cfg_attr(feature = "openapi", schema(value_type = Vec<String>))]
    pub industries: Vec<crate::industry::IndustryCode>,
    /// 业务活动: what the scenario covers.
    pub activity: String,
    /// 痛点问题.
    pub problem: String,
    /// 关键技术.
    pub technologies: String,
    /// 预期成效 (the KPIs it moves).
    pub kpis: String,
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

/// Reads a scenario file: `code, number, stage, name, source` separated by tabs, then optionally
/// `industries` (division codes, comma-separated), `activity`, `problem`, `technologies` and
/// `kpis`; `#` comments; codes and numbers unique. Every bad line is reported.
pub fn parse(edition: &str, text: &str) -> Result<Vec<Scenario>, Vec<ScenarioError>> {
    let mut scenarios: Vec<Scenario> = Vec::new();
    let mut errors = Vec::new();
    for (index, raw) in text.lines().enumerate() {
        if raw.trim().is_empty() || raw.starts_with('#') {
            continue;
        }
        match parse_line(edition, index + 1, raw, &scenarios) {
            Ok(scenario) => scenarios.push(scenario),
            Err(error) => errors.push(error),
        }
    }
    if errors.is_empty() { Ok(scenarios) } else { Err(errors) }
}

fn parse_line(edition: &str, line: usize, raw: &str, scenarios: &[Scenario]) -> Result<Scenario, ScenarioError> {
    let fail = |reason: String| ScenarioError { line, reason };
    let cells: Vec<&str> = raw.split('\t').map(str::trim).collect();
    if !(5..=10).contains(&cells.len()) {
        return Err(fail(format!(
            "应有 5 至 10 列，实际 {} 列 / expected 5 to 10 columns, found {}",
            cells.len(),
            cells.len()
        )));
    }
    let (code, number, stage, name, source) = (cells[0], cells[1], cells[2], cells[3], cells[4]);
    let optional = |i: usize| cells.get(i).copied().unwrap_or_default().to_owned();
    let industries = match optional(5).as_str() {
        "" => Vec::new(),
        list => crate::industry::IndustryCode::parse_list(list).map_err(|e| fail(e.message))?,
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
    Ok(Scenario {
        code: code.into(),
        edition: edition.into(),
        number,
        stage: stage.into(),
        name: name.into(),
        source,
        industries,
        activity: optional(6),
        problem: optional(7),
        technologies: optional(8),
        kpis: optional(9),
    })
}

/// The shipped guide's scenarios, in its order.
pub fn shipped() -> Vec<Scenario> {
    parse("智能制造典型场景参考指引（2025年版）", ZNZZ_2025).expect("the shipped scenarios parse (tested)")
}

/// A typical case (典型案例) as entered: a deployment that shows a scenario working.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, serde::Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TypicalCaseInput {
    /// 案例名称.
    pub title: String,
    /// 实施单位.
    pub organization: String,
    /// Where (GB/T 2260 code or name).
    pub region: String,
    /// Industries (GB/T 4754 divisions).
    #[serde(default)]
    pub industries: Vec<String>,
    /// The scenario's code.
    pub scenario: String,
    /// 年份.
    #[serde(default)]
    pub year: Option<i32>,
    /// 案例简介.
    pub summary: String,
    /// 成效 (measured results).
    #[serde(default)]
    pub results: String,
}

/// A checked typical case.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TypicalCase {
    /// 案例名称.
    pub title: String,
    /// 实施单位.
    pub organization: String,
    /// 所在地区.
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    pub region: crate::region::RegionCode,
    /// 所属行业.
    #[cfg_attr(feature = "openapi", schema(value_type = Vec<String>))]
    pub industries: Vec<crate::industry::IndustryCode>,
    /// 典型场景.
    pub scenario: String,
    /// 年份.
    pub year: Option<i32>,
    /// 简介.
    pub summary: String,
    /// 成效.
    pub results: String,
}

impl TypicalCaseInput {
    /// Checks every field against `scenarios` (the case's scenario must be one of them) and
    /// reports all problems at once.
    pub fn validate(&self, scenarios: &[Scenario]) -> Result<TypicalCase, crate::Error> {
        use crate::error::{Collector, optional_text, required_text};
        let mut c = Collector::default();
        let title = c.check(required_text("title", &self.title, 100));
        let organization = c.check(required_text("organization", &self.organization, 100));
        let region = c.check(
            crate::region::RegionCode::parse(&self.region)
                .map_err(|e| crate::FieldError { field: "region".into(), ..e }),
        );
        let industries = if self.industries.is_empty() {
            Some(Vec::new())
        } else {
            c.check(crate::industry::IndustryCode::parse_list(&self.industries.join(",")))
        };
        let scenario = self.scenario.trim();
        if !scenarios.iter().any(|s| s.code == scenario) {
            c.push(crate::FieldError::new(
                "scenario",
                format!("未知的典型场景「{scenario}」/ unknown typical scenario '{scenario}'"),
            ));
        }
        if let Some(year) = self.year
            && !(2000..=2100).contains(&year)
        {
            c.push(crate::FieldError::new("year", "年份应在 2000–2100 之间 / a year between 2000 and 2100"));
        }
        let summary = c.check(required_text("summary", &self.summary, 5000));
        let results = c.check(optional_text("results", &self.results, 2000));
        c.finish(|| TypicalCase {
            title: title.unwrap_or_default(),
            organization: organization.unwrap_or_default(),
            region: region.expect("checked"),
            industries: industries.unwrap_or_default(),
            scenario: scenario.to_owned(),
            year: self.year,
            summary: summary.unwrap_or_default(),
            results: results.unwrap_or_default(),
        })
    }
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
        assert_eq!(err[0].line, 3, "{}", err[0]);
        assert_eq!(parse("e", "A\tx\t环节\t名称\tconfirmed\n").unwrap_err()[0].line, 1);
        assert!(parse("e", "A\t1\t环节\n").unwrap_err()[0].reason.contains("5 至 10 列"));
        assert_eq!(parse("e", "A\t1\t环节\t名称\tconfirmed\tZZ\n").unwrap_err()[0].line, 1);
        let every = parse("e", "A\tx\t环节\t名称\tconfirmed\nB\t2\t环节\t名称\tconfirmed\nC\t3\t环节\n").unwrap_err();
        assert_eq!(every.iter().map(|e| e.line).collect::<Vec<_>>(), [1, 3], "every bad line");
    }

    #[test]
    fn a_case_names_a_known_scenario_and_reports_every_problem() {
        let case = TypicalCaseInput {
            title: "轴承产线预测性维护".into(),
            organization: "某轴承公司".into(),
            region: "青岛市".into(),
            industries: vec!["34".into()],
            scenario: "ZNZZ-2025-05".into(),
            year: Some(2025),
            summary: "振动监测，提前预警。".into(),
            ..TypicalCaseInput::default()
        };
        assert_eq!(case.validate(&shipped()).unwrap().region.code(), "370200");
        let bad =
            TypicalCaseInput { scenario: "ZNZZ-2025-99".into(), year: Some(1900), summary: String::new(), ..case };
        let fields: Vec<String> =
            bad.validate(&shipped()).unwrap_err().field_errors().iter().map(|e| e.field.clone()).collect();
        assert_eq!(fields, ["scenario", "year", "summary"]);
    }

    #[test]
    fn an_edition_may_describe_each_scenario() {
        let text = "A\t1\t生产作业\t设备预测性维护\tconfirmed\t34,C35\t设备运行监测\t非计划停机\t振动分析、机器学习\t停机时间降低 30%\n";
        let s = &parse("e", text).unwrap()[0];
        assert_eq!(s.industries.iter().map(|i| i.code()).collect::<Vec<_>>(), ["34", "35"]);
        assert_eq!((s.problem.as_str(), s.kpis.as_str()), ("非计划停机", "停机时间降低 30%"));
    }
}
