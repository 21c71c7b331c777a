//! Programs (批次): a published round of 揭榜挂帅 with its rules, timeline and lifecycle.
//!
//! Rules are data, not code: every number real notices vary (consortium size, applications per
//! organization, publicity length, score aggregation) is a per-program setting with the common
//! default.

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use time::Date;

use crate::error::{Collector, optional_text, required_text};
use crate::{Error, FieldError};

named_enum!(
    /// Where a program is in its life. It only moves forward, one stage at a time, except that an
    /// upheld objection during publicity sends it back to review. [`ProgramStatus::ALL`] is in
    /// lifecycle order.
    ProgramStatus {
        /// 草稿: visible to its organizers only.
        Draft = "draft" / "草稿" / "Draft",
        /// 已发榜: the list is public and applications are open.
        Published = "published" / "已发榜" / "Published",
        /// 申报截止: no new applications.
        ApplicationsClosed = "applications_closed" / "申报截止" / "Applications closed",
        /// 评审中.
        UnderReview = "under_review" / "评审中" / "Under review",
        /// 公示中: the draft list is open to objections.
        Publicity = "publicity" / "公示中" / "Publicity",
        /// 已公告: the final list is announced.
        Announced = "announced" / "已公告" / "Announced",
        /// 攻关中: selected teams are building.
        InDelivery = "in_delivery" / "攻关中" / "In delivery",
        /// 已结束: acceptance done.
        Closed = "closed" / "已结束" / "Closed",
    }
);

impl ProgramStatus {
    /// The states this one may move to.
    pub fn successors(self) -> &'static [Self] {
        match self {
            Self::Draft => &[Self::Published],
            Self::Published => &[Self::ApplicationsClosed],
            Self::ApplicationsClosed => &[Self::UnderReview],
            Self::UnderReview => &[Self::Publicity],
            Self::Publicity => &[Self::Announced, Self::UnderReview],
            Self::Announced => &[Self::InDelivery],
            Self::InDelivery => &[Self::Closed],
            Self::Closed => &[],
        }
    }

    /// The states an organizer moves to by hand. 公示 and 公告 are reached by publishing the
    /// draft list and announcing it, and only an upheld objection ends a publicity early.
    pub fn manual_successors(self) -> Vec<Self> {
        if self == Self::Publicity {
            return Vec::new();
        }
        self.successors().iter().copied().filter(|s| !matches!(s, Self::Publicity | Self::Announced)).collect()
    }

    /// Checks a transition.
    pub fn transition(self, to: Self) -> Result<Self, Error> {
        if self.successors().contains(&to) {
            Ok(to)
        } else {
            Err(Error::Transition { from: self.as_str().into(), to: to.as_str().into() })
        }
    }

    /// Whether the public may see the program and its list.
    pub fn is_public(self) -> bool {
        self != Self::Draft
    }
}

named_enum!(
    /// How expert scores of one application are combined.
    #[derive(Default)]
    Aggregation {
        /// Arithmetic mean.
        #[default]
        Mean = "mean" / "算术平均" / "Mean",
        /// Mean after dropping one highest and one lowest score (when at least 5 reviews).
        TrimmedMean = "trimmed_mean" / "去掉最高最低分后平均" / "Trimmed mean",
        /// Median.
        Median = "median" / "中位数" / "Median",
    }
);

/// The rules of a program; every field has the usual default.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Rules {
    /// Joint units (联合单位) beside the lead unit, 0–10; default 4.
    pub max_joint_units: u32,
    /// Applications one organization may lead, 1–50; default 3.
    pub max_applications_per_org: u32,
    /// Length of 公示 in working days, 1–30; default 5.
    pub publicity_working_days: u32,
    /// How expert scores are combined.
    pub aggregation: Aggregation,
    /// Whether applications go through regional recommendation (推荐).
    pub recommendation_required: bool,
    /// Whether earlier winners (前期揭榜优胜) are excluded.
    pub exclude_previous_winners: bool,
    /// Applications each region's recommender may recommend, 0 for no limit; default 15.
    pub recommendation_quota: u32,
    /// Experts drawn per application, 1–15; default 5.
    pub experts_per_application: u32,
    /// A review total further than this from the application's median is flagged; default 20.
    pub outlier_points: u32,
    /// Applications selected across the program, 0 for no limit beyond each challenge's winners.
    pub selection_quota: u32,
    /// 潜力单位 listed per challenge after its winners, 0–50; default 0 (no such tier).
    pub potential_per_challenge: u32,
    /// Whether the 潜力单位 tier gets projects too (任务书, milestones, acceptance).
    pub potential_projects: bool,
    /// The review form.
    pub review_form: Vec<crate::review::Criterion>,
}

impl Default for Rules {
    fn default() -> Self {
        Self {
            max_joint_units: 4,
            max_applications_per_org: 3,
            publicity_working_days: 5,
            aggregation: Aggregation::Mean,
            recommendation_required: true,
            exclude_previous_winners: true,
            recommendation_quota: 15,
            experts_per_application: 5,
            outlier_points: 20,
            selection_quota: 0,
            potential_per_challenge: 0,
            potential_projects: false,
            review_form: crate::review::default_form(),
        }
    }
}

impl Rules {
    fn validate(&self) -> Vec<FieldError> {
        let mut errors = Vec::new();
        let mut range = |field: &str, value: u32, lo: u32, hi: u32| {
            if !(lo..=hi).contains(&value) {
                errors.push(FieldError::new(
                    format!("rules.{field}"),
                    format!("应在 {lo} 到 {hi} 之间，实际为 {value} / must be between {lo} and {hi}, found {value}"),
                ));
            }
        };
        range("max_joint_units", self.max_joint_units, 0, 10);
        range("max_applications_per_org", self.max_applications_per_org, 1, 50);
        range("publicity_working_days", self.publicity_working_days, 1, 30);
        range("experts_per_application", self.experts_per_application, 1, 15);
        range("outlier_points", self.outlier_points, 1, 100);
        range("potential_per_challenge", self.potential_per_challenge, 0, 50);
        errors.extend(crate::review::validate_form(&self.review_form));
        errors
    }
}

/// A calendar day, written `YYYY-MM-DD` everywhere.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema), schema(value_type = String, example = "2025-06-30"))]
pub struct Day(pub Date);

const DAY_FORMAT: &[time::format_description::BorrowedFormatItem<'static>] =
    time::macros::format_description!("[year]-[month]-[day]");

impl Day {
    /// Parses `YYYY-MM-DD`.
    pub fn parse(field: &str, text: &str) -> Result<Self, FieldError> {
        Date::parse(text.trim(), DAY_FORMAT).map(Self).map_err(|_| {
            FieldError::new(field, format!("日期「{text}」应为 YYYY-MM-DD / date '{text}' must be YYYY-MM-DD"))
        })
    }
}

impl Day {
    /// The day `days` later (earlier when negative).
    pub fn plus_days(self, days: i64) -> Self {
        Self(self.0 + time::Duration::days(days))
    }
}

impl TryFrom<String> for Day {
    type Error = FieldError;

    fn try_from(text: String) -> Result<Self, Self::Error> {
        Self::parse("date", &text)
    }
}

impl std::fmt::Display for Day {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0.format(DAY_FORMAT).map_err(|_| std::fmt::Error)?)
    }
}

impl Serialize for Day {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Day {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let text = String::deserialize(d)?;
        Self::parse("date", &text).map_err(|e| serde::de::Error::custom(e.message))
    }
}

/// Key dates; each one present must not come before the ones listed above it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Timeline {
    /// Applications open.
    pub opens_on: Option<Day>,
    /// Applicants' deadline (申报截止).
    pub applicant_deadline: Option<Day>,
    /// Recommenders' deadline (推荐截止), usually later than the applicants'.
    pub recommender_deadline: Option<Day>,
    /// Review finished by.
    pub review_by: Option<Day>,
    /// Final list announced by.
    pub announce_by: Option<Day>,
}

/// Whether a program takes applications on a given day, and if not, why.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Intake {
    /// Applications are taken; until `closes_on` (inclusive) when the program has a deadline.
    Open {
        /// The applicants' deadline.
        closes_on: Option<Day>,
    },
    /// Published, but applications open later.
    NotYet {
        /// The first day.
        opens_on: Day,
    },
    /// The applicants' deadline has passed.
    Closed {
        /// The last day applications were taken.
        closed_on: Day,
    },
    /// The program is in a state that takes no applications (a draft, under review …).
    NotTaking(ProgramStatus),
}

impl Intake {
    /// Whether an application may be started or changed.
    pub fn is_open(self) -> bool {
        matches!(self, Self::Open { .. })
    }

    /// Why applications are not taken, for a refusal; `None` when they are.
    pub fn refusal(self) -> Option<String> {
        match self {
            Self::Open { .. } => None,
            Self::NotYet { opens_on } => Some(format!("申报将于 {opens_on} 开始 / applications open on {opens_on}")),
            Self::Closed { closed_on } => {
                Some(format!("申报已于 {closed_on} 截止 / applications closed on {closed_on}"))
            }
            Self::NotTaking(status) => Some(format!(
                "批次当前为「{}」，不接受申报 / the program is {} and takes no applications",
                status.label_zh(),
                status.label_en().to_lowercase()
            )),
        }
    }
}

impl Timeline {
    /// Whether a program in `status` takes applications on `today`: only a published program,
    /// from its opening day to its applicants' deadline, both inclusive.
    pub fn intake(&self, status: ProgramStatus, today: Day) -> Intake {
        if status != ProgramStatus::Published {
            return Intake::NotTaking(status);
        }
        match (self.opens_on, self.applicant_deadline) {
            (Some(opens_on), _) if today < opens_on => Intake::NotYet { opens_on },
            (_, Some(closed_on)) if today > closed_on => Intake::Closed { closed_on },
            (_, closes_on) => Intake::Open { closes_on },
        }
    }
}

impl Timeline {
    fn validate(&self) -> Vec<FieldError> {
        let named = [
            ("opens_on", self.opens_on),
            ("applicant_deadline", self.applicant_deadline),
            ("recommender_deadline", self.recommender_deadline),
            ("review_by", self.review_by),
            ("announce_by", self.announce_by),
        ];
        let mut errors = Vec::new();
        let mut latest: Option<(&str, Day)> = None;
        for (field, day) in named {
            let Some(day) = day else { continue };
            if let Some((before, before_day)) = latest
                && day < before_day
            {
                errors.push(FieldError::new(
                    format!("timeline.{field}"),
                    format!("{day} 早于 {before}（{before_day}） / {day} is before {before} ({before_day})"),
                ));
            }
            latest = Some((field, day));
        }
        errors
    }
}

/// A program as created or edited.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ProgramInput {
    /// e.g. 2025年工业领域行业大模型"揭榜挂帅"攻关项目.
    pub title: String,
    /// 发榜方, e.g. 山东省工业和信息化厅.
    pub issuer: String,
    /// The year of the round.
    pub year: i32,
    /// Notice text.
    #[serde(default)]
    pub description: String,
    /// Rules; defaults apply to anything omitted.
    #[serde(default)]
    pub rules: Rules,
    /// Key dates.
    #[serde(default)]
    pub timeline: Timeline,
}

impl ProgramInput {
    /// Checks every field and returns the normalised input.
    pub fn validate(self) -> Result<Self, Error> {
        let mut c = Collector::default();
        let title = c.check(required_text("title", &self.title, 200));
        let issuer = c.check(required_text("issuer", &self.issuer, 100));
        let description = c.check(optional_text("description", &self.description, 20_000));
        if !(2000..=2100).contains(&self.year) {
            c.push(FieldError::new("year", format!("年份 {} 不合理 / year {} is out of range", self.year, self.year)));
        }
        for error in self.rules.validate().into_iter().chain(self.timeline.validate()) {
            c.push(error);
        }
        c.finish(|| Self {
            title: title.unwrap_or_default(),
            issuer: issuer.unwrap_or_default(),
            description: description.unwrap_or_default(),
            ..self
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_published_program_takes_applications_from_its_opening_day_to_its_deadline_inclusive() {
        let d = |t: &str| Day::parse("d", t).unwrap();
        let timeline = Timeline {
            opens_on: Some(d("2025-06-01")),
            applicant_deadline: Some(d("2025-07-15")),
            ..Timeline::default()
        };
        let on = |day: &str| timeline.intake(ProgramStatus::Published, d(day));
        assert_eq!(on("2025-05-31"), Intake::NotYet { opens_on: d("2025-06-01") });
        assert_eq!(on("2025-06-01"), Intake::Open { closes_on: Some(d("2025-07-15")) });
        assert_eq!(on("2025-07-15"), Intake::Open { closes_on: Some(d("2025-07-15")) });
        assert_eq!(on("2025-07-16"), Intake::Closed { closed_on: d("2025-07-15") });
        assert_eq!(timeline.intake(ProgramStatus::Draft, d("2025-06-10")), Intake::NotTaking(ProgramStatus::Draft));
        assert!(Timeline::default().intake(ProgramStatus::Published, d("2030-01-01")).is_open());
    }

    fn input() -> ProgramInput {
        ProgramInput {
            title: " 2025年工业领域行业大模型揭榜挂帅 ".into(),
            issuer: "山东省工业和信息化厅".into(),
            year: 2025,
            description: String::new(),
            rules: Rules::default(),
            timeline: Timeline::default(),
        }
    }

    #[test]
    fn status_only_moves_forward_one_stage_at_a_time() {
        assert_eq!(ProgramStatus::Draft.transition(ProgramStatus::Published), Ok(ProgramStatus::Published));
        assert!(ProgramStatus::Draft.transition(ProgramStatus::Announced).is_err());
        assert!(ProgramStatus::Published.transition(ProgramStatus::Draft).is_err());
        assert!(ProgramStatus::Closed.successors().is_empty());
        assert!(ProgramStatus::UnderReview.manual_successors().is_empty());
        assert!(ProgramStatus::Publicity.manual_successors().is_empty());
        assert_eq!(ProgramStatus::Announced.manual_successors(), [ProgramStatus::InDelivery]);
    }

    #[test]
    fn an_upheld_objection_may_send_publicity_back_to_review() {
        assert!(ProgramStatus::Publicity.transition(ProgramStatus::UnderReview).is_ok());
    }

    #[test]
    fn every_status_round_trips_its_name() {
        for &s in ProgramStatus::ALL {
            assert_eq!(ProgramStatus::parse("status", s.as_str()), Ok(s));
            assert_eq!(ProgramStatus::parse("status", s.label_zh()), Ok(s), "the Chinese label reads too");
        }
    }

    #[test]
    fn defaults_follow_the_common_notices() {
        let rules = Rules::default();
        assert_eq!((rules.max_joint_units, rules.max_applications_per_org, rules.publicity_working_days), (4, 3, 5));
        let parsed: Rules = serde_json::from_str(r#"{"max_joint_units": 2}"#).unwrap();
        assert_eq!((parsed.max_joint_units, parsed.publicity_working_days), (2, 5));
    }

    #[test]
    fn validation_trims_and_reports_rules_and_dates_out_of_order() {
        assert_eq!(input().validate().unwrap().title, "2025年工业领域行业大模型揭榜挂帅");
        let mut bad = input();
        bad.year = 1999;
        bad.rules.max_joint_units = 11;
        bad.timeline.opens_on = Some(Day::parse("d", "2025-06-01").unwrap());
        bad.timeline.applicant_deadline = Some(Day::parse("d", "2025-05-01").unwrap());
        let err = bad.validate().unwrap_err();
        let fields: Vec<_> = err.field_errors().iter().map(|e| e.field.as_str()).collect();
        assert_eq!(fields, ["year", "rules.max_joint_units", "timeline.applicant_deadline"]);
    }

    #[test]
    fn days_serialize_as_iso_dates() {
        let day = Day::parse("d", "2025-06-30").unwrap();
        assert_eq!(serde_json::to_string(&day).unwrap(), "\"2025-06-30\"");
        assert!(Day::parse("d", "2025/06/30").is_err());
    }
}
