//! Challenges (揭榜任务 / 榜单): one entry of a program's list, with its structured indicators.

use serde::{Deserialize, Serialize};

use crate::error::{Collector, optional_text, required_text};
use crate::indicator::{Indicator, IndicatorInput};
use crate::industry::IndustryCode;
use crate::region::RegionCode;
use crate::{Error, FieldError};

named_enum!(
    /// The four task classes of MIIT's lists.
    TaskClass {
        /// 核心基础
        CoreFoundation = "core_foundation" / "核心基础" / "Core foundation",
        /// 重点产品
        KeyProduct = "key_product" / "重点产品" / "Key product",
        /// 公共支撑
        PublicSupport = "public_support" / "公共支撑" / "Public support",
        /// 示范应用
        Demonstration = "demonstration" / "示范应用" / "Demonstration",
    }
);

/// A challenge as a form, the API or a spreadsheet row gives it.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ChallengeInput {
    /// Task number, unique within the program, e.g. `2025-HYDMX-017`.
    pub code: String,
    /// 任务名称.
    pub title: String,
    /// 揭榜方向, e.g. 人工智能+制造.
    pub direction: String,
    /// 细分领域.
    pub sub_field: String,
    /// 任务类别, snake_case or Chinese.
    pub task_class: String,
    /// GB/T 4754 division codes or names.
    pub industries: Vec<String>,
    /// GB/T 2260 code or name of the region the demand comes from; optional.
    pub region: String,
    /// 应用场景.
    pub scenario: String,
    /// 需求背景.
    pub background: String,
    /// 攻关目标.
    pub objectives: String,
    /// 考核指标.
    pub indicators: Vec<IndicatorInput>,
    /// 预期成果.
    pub deliverables: String,
    /// 实施期限 in months.
    pub period_months: Option<u32>,
    /// 支持方式.
    pub support: String,
    /// Number of winners (拟入选数量).
    pub winners: Option<u32>,
}

/// A validated challenge.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Challenge {
    /// Task number.
    pub code: String,
    /// Title.
    pub title: String,
    /// Direction.
    pub direction: String,
    /// Sub-field.
    pub sub_field: String,
    /// Task class.
    pub task_class: TaskClass,
    /// Industries, at least one.
    pub industries: Vec<IndustryCode>,
    /// Region, if any.
    pub region: Option<RegionCode>,
    /// Scenario.
    pub scenario: String,
    /// Background.
    pub background: String,
    /// Objectives.
    pub objectives: String,
    /// Indicators, at least one, names unique.
    pub indicators: Vec<Indicator>,
    /// Deliverables.
    pub deliverables: String,
    /// Period in months, 1–60.
    pub period_months: u32,
    /// Support.
    pub support: String,
    /// Number of winners, 1–100.
    pub winners: u32,
}

impl ChallengeInput {
    /// Checks every field, including every indicator, and reports all problems.
    pub fn validate(&self) -> Result<Challenge, Error> {
        let mut c = Collector::default();
        let code = c.check(required_text("code", &self.code, 40).and_then(|code| {
            if code.chars().any(char::is_whitespace) {
                Err(FieldError::new("code", "任务编号不能含空格 / the task number must not contain spaces"))
            } else {
                Ok(code)
            }
        }));
        let title = c.check(required_text("title", &self.title, 100));
        let direction = c.check(required_text("direction", &self.direction, 100));
        let sub_field = c.check(optional_text("sub_field", &self.sub_field, 100));
        let task_class = c.check(TaskClass::parse("task_class", &self.task_class));
        let industries = c.check(IndustryCode::parse_list(&self.industries.join(",")));
        let region =
            if self.region.trim().is_empty() { Some(None) } else { c.check(RegionCode::parse(&self.region).map(Some)) };
        let scenario = c.check(optional_text("scenario", &self.scenario, 2000));
        let background = c.check(optional_text("background", &self.background, 5000));
        let objectives = c.check(optional_text("objectives", &self.objectives, 5000));
        let deliverables = c.check(optional_text("deliverables", &self.deliverables, 2000));
        let support = c.check(optional_text("support", &self.support, 500));
        let period_months = c.check(in_range("period_months", self.period_months.unwrap_or(24), 1, 60));
        let winners = c.check(in_range("winners", self.winners.unwrap_or(1), 1, 100));

        let mut indicators = Vec::new();
        if self.indicators.is_empty() {
            c.push(FieldError::new("indicators", "至少需要一个考核指标 / at least one indicator is required"));
        }
        for (i, input) in self.indicators.iter().enumerate() {
            match input.validate() {
                Ok(indicator) => {
                    if indicators.iter().any(|other: &Indicator| other.name == indicator.name) {
                        c.push(FieldError::new(
                            format!("indicators[{i}].name"),
                            format!(
                                "指标名称「{}」重复 / duplicate indicator name '{}'",
                                indicator.name, indicator.name
                            ),
                        ));
                    }
                    indicators.push(indicator);
                }
                Err(errors) => c.extend_within(&format!("indicators[{i}]"), errors),
            }
        }
        c.finish(|| Challenge {
            code: code.unwrap_or_default(),
            title: title.unwrap_or_default(),
            direction: direction.unwrap_or_default(),
            sub_field: sub_field.unwrap_or_default(),
            task_class: task_class.expect("checked"),
            industries: industries.unwrap_or_default(),
            region: region.flatten(),
            scenario: scenario.unwrap_or_default(),
            background: background.unwrap_or_default(),
            objectives: objectives.unwrap_or_default(),
            indicators,
            deliverables: deliverables.unwrap_or_default(),
            period_months: period_months.unwrap_or_default(),
            support: support.unwrap_or_default(),
            winners: winners.unwrap_or_default(),
        })
    }
}

impl From<&Challenge> for ChallengeInput {
    fn from(c: &Challenge) -> Self {
        Self {
            code: c.code.clone(),
            title: c.title.clone(),
            direction: c.direction.clone(),
            sub_field: c.sub_field.clone(),
            task_class: c.task_class.as_str().into(),
            industries: c.industries.iter().map(|i| i.code().to_owned()).collect(),
            region: c.region.map(|r| r.code().to_owned()).unwrap_or_default(),
            scenario: c.scenario.clone(),
            background: c.background.clone(),
            objectives: c.objectives.clone(),
            indicators: c.indicators.iter().map(IndicatorInput::from).collect(),
            deliverables: c.deliverables.clone(),
            period_months: Some(c.period_months),
            support: c.support.clone(),
            winners: Some(c.winners),
        }
    }
}

fn in_range(field: &str, value: u32, lo: u32, hi: u32) -> Result<u32, FieldError> {
    if (lo..=hi).contains(&value) {
        Ok(value)
    } else {
        Err(FieldError::new(
            field,
            format!("应在 {lo} 到 {hi} 之间，实际为 {value} / must be between {lo} and {hi}, found {value}"),
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    pub(crate) fn sample() -> ChallengeInput {
        ChallengeInput {
            code: "SD-2025-01".into(),
            title: "化工行业安全生产大模型".into(),
            direction: "人工智能+制造".into(),
            task_class: "示范应用".into(),
            industries: vec!["C26".into(), "28".into()],
            region: "济南市".into(),
            indicators: vec![IndicatorInput {
                name: "异常工况识别F1".into(),
                metric: "f1".into(),
                op: ">=".into(),
                threshold: Some(0.92),
                ..Default::default()
            }],
            ..Default::default()
        }
    }

    #[test]
    fn a_complete_challenge_validates_with_defaults_for_period_and_winners() {
        let c = sample().validate().unwrap();
        assert_eq!(c.task_class, TaskClass::Demonstration);
        assert_eq!(c.region.unwrap().code(), "370100");
        assert_eq!((c.period_months, c.winners), (24, 1));
        assert_eq!(ChallengeInput::from(&c).validate().unwrap(), c);
    }

    #[test]
    fn every_bad_field_is_named_including_nested_indicator_fields() {
        let mut input = sample();
        input.code = "SD 01".into();
        input.industries = vec!["99".into()];
        input.region = "371200".into();
        input.indicators.push(IndicatorInput {
            name: "时延".into(),
            metric: "latency_p99_ms".into(),
            op: "<=".into(),
            ..Default::default()
        });
        input.period_months = Some(0);
        let err = input.validate().unwrap_err();
        let fields: Vec<_> = err.field_errors().iter().map(|e| e.field.as_str()).collect();
        assert_eq!(fields, ["code", "industries", "region", "period_months", "indicators[1].threshold"]);
    }

    #[test]
    fn a_challenge_needs_an_indicator_and_unique_indicator_names() {
        let mut input = sample();
        input.indicators.clear();
        assert_eq!(input.validate().unwrap_err().field_errors()[0].field, "indicators");
        let mut input = sample();
        input.indicators.push(input.indicators[0].clone());
        assert_eq!(input.validate().unwrap_err().field_errors()[0].field, "indicators[1].name");
    }
}
