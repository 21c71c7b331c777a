//! Applications (揭榜申报): a lead unit and its joint units commit to a challenge's indicators.
//!
//! [`ApplicationInput::validate`] checks an application against its challenge and program rules
//! (consortium size, the leader's unit, one commitment per indicator that meets or beats the
//! threshold), and [`ApplicationState::apply`] is the state machine: which [`Action`] moves an
//! application from which state, and who may take it.

use serde::{Deserialize, Serialize};

use crate::error::{Collector, Error, FieldError, optional_text, required_text};
use crate::indicator::Indicator;

named_enum!(
    /// Where an application is in its life.
    ApplicationState {
        /// 草稿: only its lead unit sees it.
        Draft = "draft" / "草稿" / "Draft",
        /// 已提交: frozen; waits for recommendation or the formal check.
        Submitted = "submitted" / "已提交" / "Submitted",
        /// 退回修改: the organizer sent it back; its unit may edit and submit again.
        Returned = "returned" / "退回修改" / "Returned for revision",
        /// 已推荐: the region's recommender put it forward.
        Recommended = "recommended" / "已推荐" / "Recommended",
        /// 未推荐: the recommender declined, with a reason.
        NotRecommended = "not_recommended" / "未推荐" / "Not recommended",
        /// 形式审查通过.
        CheckPassed = "check_passed" / "形式审查通过" / "Passed the formal check",
        /// 形式审查未通过, with reasons.
        CheckFailed = "check_failed" / "形式审查未通过" / "Failed the formal check",
        /// 评审中: experts are assigned.
        InReview = "in_review" / "评审中" / "In review",
        /// 已排名: scores aggregated.
        Ranked = "ranked" / "已排名" / "Ranked",
        /// 拟入选: on the draft list in 公示.
        Proposed = "proposed" / "拟入选" / "Proposed",
        /// 入围: on the announced list.
        Selected = "selected" / "入围" / "Selected",
        /// 未入选.
        NotSelected = "not_selected" / "未入选" / "Not selected",
        /// 撤销: taken off the draft list after an upheld objection.
        Withdrawn = "withdrawn" / "撤销入选" / "Withdrawn",
    }
);

named_enum!(
    /// The tier of the list an application is on, where the program lists 潜力单位 after the
    /// winners (MIIT's lists name 揭榜单位 and 潜力单位).
    ListTier {
        /// 揭榜单位: a challenge's winners.
        Winner = "winner" / "揭榜单位" / "Selected unit",
        /// 潜力单位: listed after the winners.
        Potential = "potential" / "潜力单位" / "Potential unit",
    }
);

named_enum!(
    /// What someone does to an application.
    Action {
        /// The lead unit submits (or resubmits after a return).
        Submit = "submit" / "提交" / "Submit",
        /// The organizer returns it for revision.
        Return = "return" / "退回修改" / "Return for revision",
        /// The recommender recommends it.
        Recommend = "recommend" / "推荐" / "Recommend",
        /// The recommender declines to recommend it.
        Decline = "decline" / "不予推荐" / "Decline to recommend",
        /// The organizer passes the formal check.
        PassCheck = "pass_check" / "形式审查通过" / "Pass the formal check",
        /// The organizer fails the formal check.
        FailCheck = "fail_check" / "形式审查不通过" / "Fail the formal check",
        /// Experts are assigned.
        StartReview = "start_review" / "进入评审" / "Start review",
        /// Scores are aggregated into a ranking.
        Rank = "rank" / "排名" / "Rank",
        /// Put on the draft list.
        Propose = "propose" / "拟入选" / "Propose",
        /// Left off the list.
        Reject = "reject" / "未入选" / "Leave off the list",
        /// Announced.
        Select = "select" / "入围" / "Select",
        /// An upheld objection withdraws it.
        Withdraw = "withdraw" / "撤销" / "Withdraw",
        /// An upheld objection sends it back to review.
        Rereview = "rereview" / "重新评审" / "Review again",
    }
);

/// Who is acting, as the state machine sees them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Actor {
    /// A user acting for the lead unit.
    Applicant,
    /// A recommender for the lead unit's region.
    Recommender,
    /// An organizer of the program.
    Organizer,
}

impl Action {
    /// Whether the action needs a written reason (it is shown to the applicant).
    pub fn needs_reason(self) -> bool {
        matches!(self, Self::Return | Self::Decline | Self::FailCheck | Self::Withdraw | Self::Rereview)
    }

    /// The actions a person takes by hand on an application's page (the rest follow from
    /// review, ranking and publicity).
    pub const MANUAL: [Self; 6] =
        [Self::Submit, Self::Return, Self::Recommend, Self::Decline, Self::PassCheck, Self::FailCheck];
}

named_enum!(
    /// A step of the standard path an application walks (草稿 → 已提交 → 已推荐 → 形式审查 →
    /// 专家评审 → 公示 → 公告), for showing its progress.
    Stage {
        /// Being written.
        Drafting = "drafting" / "草稿" / "Draft",
        /// Submitted and frozen.
        Submission = "submission" / "已提交" / "Submitted",
        /// The region's recommendation (skipped when the program needs none).
        Recommendation = "recommendation" / "推荐" / "Recommendation",
        /// The organizer's formal check.
        FormalCheck = "formal_check" / "形式审查" / "Formal check",
        /// Expert review and ranking.
        Review = "review" / "专家评审" / "Expert review",
        /// On the draft list in 公示.
        Publicity = "publicity" / "公示" / "Publicity",
        /// The announced outcome.
        Announcement = "announcement" / "公告" / "Announcement",
    }
);

impl Stage {
    /// The steps a program's applications walk: without recommendation, submission leads to
    /// the formal check.
    pub fn path(recommendation: bool) -> Vec<Self> {
        Self::ALL.iter().copied().filter(|s| recommendation || *s != Self::Recommendation).collect()
    }
}

impl ApplicationState {
    /// The step of the standard path it has reached.
    pub fn stage(self) -> Stage {
        use ApplicationState as S;
        match self {
            S::Draft => Stage::Drafting,
            S::Submitted | S::Returned => Stage::Submission,
            S::Recommended | S::NotRecommended => Stage::Recommendation,
            S::CheckPassed | S::CheckFailed => Stage::FormalCheck,
            S::InReview | S::Ranked => Stage::Review,
            S::Proposed | S::Withdrawn => Stage::Publicity,
            S::Selected | S::NotSelected => Stage::Announcement,
        }
    }

    /// Whether its way ended without selection.
    pub fn has_ended_unselected(self) -> bool {
        matches!(self, Self::NotRecommended | Self::CheckFailed | Self::NotSelected | Self::Withdrawn)
    }

    /// Whether the lead unit may still edit it.
    pub fn is_editable(self) -> bool {
        matches!(self, Self::Draft | Self::Returned)
    }

    /// Whether it counts against the organization's application limit: everything but drafts
    /// that were never submitted is a real application.
    pub fn is_submitted(self) -> bool {
        !matches!(self, Self::Draft)
    }

    /// The state `action` by `actor` leads to. With `recommendation` off, the formal check
    /// follows submission directly.
    pub fn apply(self, action: Action, actor: Actor, recommendation: bool) -> Result<Self, Error> {
        use ApplicationState as S;
        let to = match (action, actor, self) {
            (Action::Submit, Actor::Applicant, S::Draft | S::Returned) => Some(S::Submitted),
            (Action::Return, Actor::Organizer, S::Submitted | S::Recommended | S::CheckFailed) => Some(S::Returned),
            (Action::Recommend, Actor::Recommender, S::Submitted) if recommendation => Some(S::Recommended),
            (Action::Decline, Actor::Recommender, S::Submitted) if recommendation => Some(S::NotRecommended),
            (Action::PassCheck, Actor::Organizer, S::Recommended) if recommendation => Some(S::CheckPassed),
            (Action::FailCheck, Actor::Organizer, S::Recommended) if recommendation => Some(S::CheckFailed),
            (Action::PassCheck, Actor::Organizer, S::Submitted) if !recommendation => Some(S::CheckPassed),
            (Action::FailCheck, Actor::Organizer, S::Submitted) if !recommendation => Some(S::CheckFailed),
            (Action::StartReview, Actor::Organizer, S::CheckPassed) => Some(S::InReview),
            (Action::Rank, Actor::Organizer, S::InReview | S::Ranked) => Some(S::Ranked),
            (Action::Propose, Actor::Organizer, S::Ranked) => Some(S::Proposed),
            (Action::Reject, Actor::Organizer, S::Ranked) => Some(S::NotSelected),
            (Action::Select, Actor::Organizer, S::Proposed) => Some(S::Selected),
            (Action::Withdraw, Actor::Organizer, S::Proposed) => Some(S::Withdrawn),
            (Action::Rereview, Actor::Organizer, S::Proposed) => Some(S::InReview),
            _ => None,
        };
        to.ok_or_else(|| Error::Transition { from: self.label_zh().into(), to: action.label_zh().into() })
    }
}

named_enum!(
    /// A unit's place in the consortium (产学研用).
    ConsortiumRole {
        /// 产: industry.
        Industry = "industry" / "产" / "Industry",
        /// 学: university.
        Academia = "academia" / "学" / "Academia",
        /// 研: research institute.
        Research = "research" / "研" / "Research",
        /// 用: user / demand side.
        User = "user" / "用" / "User",
    }
);

named_enum!(
    /// A named joint unit's answer to being in a consortium (联合体成员确认). The lead unit's
    /// place is accepted by submitting; a joint unit's waits until an applicant of that unit
    /// answers, and only an accepted place counts as the unit's one consortium in a challenge.
    Consent {
        /// 待确认: named in a submitted application, not yet answered.
        Pending = "pending" / "待确认" / "Awaiting confirmation",
        /// 已确认.
        Accepted = "accepted" / "已确认" / "Confirmed",
        /// 已拒绝: the unit refused, with a reason; the application goes back to its lead.
        Declined = "declined" / "已拒绝" / "Declined",
    }
);

named_enum!(
    /// Where project money comes from.
    BudgetSource {
        /// 财政资金.
        Fiscal = "fiscal" / "财政资金" / "Public funds",
        /// 自筹资金.
        SelfFunded = "self_funded" / "自筹资金" / "Own funds",
        /// 银行贷款.
        Bank = "bank" / "银行贷款" / "Bank loans",
        /// 其他.
        Other = "other" / "其他" / "Other",
    }
);

/// A joint unit (联合单位).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct JointUnit {
    /// The organization.
    pub organization_id: i64,
    /// 产 / 学 / 研 / 用.
    pub role: ConsortiumRole,
    /// 任务分工.
    pub work: String,
}

/// A person on the team.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TeamMember {
    /// 姓名.
    pub name: String,
    /// 职称 / 职务.
    #[serde(default)]
    pub title: String,
    /// The consortium unit the person works for.
    pub organization_id: i64,
    /// 分工.
    #[serde(default)]
    pub duty: String,
}

/// One line of the budget, in 万元.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct BudgetLine {
    /// Source of funds.
    pub source: BudgetSource,
    /// Amount in 万元 (10,000 yuan).
    pub amount_wan: f64,
}

/// The committed value for one challenge indicator (榜单指标响应).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Commitment {
    /// The indicator's name as on the challenge.
    pub indicator: String,
    /// The value committed to, in the indicator's metric scale.
    pub value: f64,
}

/// An application as written by its lead unit; also its stored, validated form.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ApplicationInput {
    /// 项目名称, e.g. 云鼎化工行业大模型.
    pub project_name: String,
    /// 牵头单位.
    pub lead_organization_id: i64,
    /// 联合单位.
    #[serde(default)]
    pub joint_units: Vec<JointUnit>,
    /// 项目负责人; belongs to the lead unit.
    pub leader: TeamMember,
    /// Other team members.
    #[serde(default)]
    pub team: Vec<TeamMember>,
    /// Budget by source.
    #[serde(default)]
    pub budget: Vec<BudgetLine>,
    /// 技术方案摘要.
    pub summary: String,
    /// One commitment per challenge indicator.
    pub commitments: Vec<Commitment>,
}

/// What an application is checked against.
#[derive(Debug, Clone, Copy)]
pub struct Terms<'a> {
    /// The challenge's indicators.
    pub indicators: &'a [Indicator],
    /// The program's limit on joint units.
    pub max_joint_units: u32,
}

fn person(field: &str, member: &TeamMember, c: &mut Collector) -> TeamMember {
    let name = c.check(required_text(&format!("{field}.name"), &member.name, 50));
    let title = c.check(optional_text(&format!("{field}.title"), &member.title, 50));
    let duty = c.check(optional_text(&format!("{field}.duty"), &member.duty, 200));
    TeamMember {
        name: name.unwrap_or_default(),
        title: title.unwrap_or_default(),
        duty: duty.unwrap_or_default(),
        organization_id: member.organization_id,
    }
}

impl ApplicationInput {
    /// Every organization in the consortium, lead first.
    pub fn organization_ids(&self) -> Vec<i64> {
        std::iter::once(self.lead_organization_id).chain(self.joint_units.iter().map(|j| j.organization_id)).collect()
    }

    /// Total budget in 万元.
    pub fn budget_total(&self) -> f64 {
        self.budget.iter().map(|b| b.amount_wan).sum()
    }

    /// Checks every field against the challenge and the rules, and reports all problems.
    pub fn validate(&self, terms: Terms<'_>) -> Result<Self, Error> {
        let mut c = Collector::default();
        let project_name = c.check(required_text("project_name", &self.project_name, 100));
        let summary = c.check(required_text("summary", &self.summary, 5000));

        if self.joint_units.len() > terms.max_joint_units as usize {
            c.push(FieldError::new(
                "joint_units",
                format!(
                    "联合单位最多 {} 家，实际 {} 家 / at most {} joint units, found {}",
                    terms.max_joint_units,
                    self.joint_units.len(),
                    terms.max_joint_units,
                    self.joint_units.len()
                ),
            ));
        }
        let mut seen = vec![self.lead_organization_id];
        let mut joint_units = Vec::new();
        for (i, unit) in self.joint_units.iter().enumerate() {
            let field = format!("joint_units[{i}]");
            if seen.contains(&unit.organization_id) {
                c.push(FieldError::new(
                    format!("{field}.organization_id"),
                    "同一单位在联合体中只能出现一次（含牵头单位） / a unit appears once in a consortium, lead included",
                ));
            }
            seen.push(unit.organization_id);
            let work = c.check(required_text(&format!("{field}.work"), &unit.work, 500));
            joint_units.push(JointUnit { work: work.unwrap_or_default(), ..unit.clone() });
        }

        let leader = person("leader", &self.leader, &mut c);
        if self.leader.organization_id != self.lead_organization_id {
            c.push(FieldError::new(
                "leader.organization_id",
                "项目负责人须为牵头单位人员 / the project leader must belong to the lead unit",
            ));
        }
        let mut team = Vec::new();
        for (i, member) in self.team.iter().enumerate() {
            let field = format!("team[{i}]");
            team.push(person(&field, member, &mut c));
            if !seen.contains(&member.organization_id) {
                c.push(FieldError::new(
                    format!("{field}.organization_id"),
                    "成员须来自牵头单位或联合单位 / members must work for a unit of the consortium",
                ));
            }
        }

        for (i, line) in self.budget.iter().enumerate() {
            if !line.amount_wan.is_finite() || line.amount_wan < 0.0 || line.amount_wan > 1e7 {
                c.push(FieldError::new(
                    format!("budget[{i}].amount_wan"),
                    "金额应为 0 至 10,000,000 万元 / amount must be 0 to 10,000,000 (万元)",
                ));
            }
            if self.budget[..i].iter().any(|b| b.source == line.source) {
                c.push(FieldError::new(format!("budget[{i}].source"), "每种经费来源只填一行 / one line per source"));
            }
        }

        for (i, commitment) in self.commitments.iter().enumerate() {
            let field = format!("commitments[{i}]");
            let Some(indicator) = terms.indicators.iter().find(|ind| ind.name == commitment.indicator.trim()) else {
                c.push(FieldError::new(
                    format!("{field}.indicator"),
                    format!(
                        "榜单没有指标「{}」 / the challenge has no indicator '{}'",
                        commitment.indicator, commitment.indicator
                    ),
                ));
                continue;
            };
            if self.commitments[..i].iter().any(|p| p.indicator.trim() == indicator.name) {
                c.push(FieldError::new(
                    format!("{field}.indicator"),
                    format!("指标「{}」重复响应 / answered twice", indicator.name),
                ));
            }
            if !commitment.value.is_finite() || !indicator.expr.is_met_by(commitment.value) {
                let target = format!("{}{}", indicator.expr.op.display_symbol(), indicator.expr.threshold);
                c.push(FieldError::new(
                    format!("{field}.value"),
                    format!(
                        "承诺值 {} 未达到榜单要求「{} {target}」 / committed value {} does not meet the target {} {target}",
                        commitment.value, indicator.name, commitment.value, indicator.expr.metric.as_str()
                    ),
                ));
            }
        }
        for indicator in terms.indicators {
            if !self.commitments.iter().any(|p| p.indicator.trim() == indicator.name) {
                c.push(FieldError::new(
                    "commitments",
                    format!(
                        "缺少对指标「{}」的响应 / no commitment for indicator '{}'",
                        indicator.name, indicator.name
                    ),
                ));
            }
        }

        c.finish(|| Self {
            project_name: project_name.unwrap_or_default(),
            summary: summary.unwrap_or_default(),
            joint_units,
            leader,
            team,
            commitments: self
                .commitments
                .iter()
                .map(|p| Commitment { indicator: p.indicator.trim().to_owned(), value: p.value })
                .collect(),
            ..self.clone()
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::indicator::IndicatorInput;

    fn indicators() -> Vec<Indicator> {
        [("f1@0.5", ">=", 0.92), ("latency_p99_ms", "<=", 10.0)]
            .iter()
            .enumerate()
            .map(|(i, (metric, op, threshold))| {
                let input = IndicatorInput {
                    name: format!("指标{i}"),
                    metric: (*metric).into(),
                    op: (*op).into(),
                    threshold: Some(*threshold),
                    ..IndicatorInput::default()
                };
                input.validate().unwrap()
            })
            .collect()
    }

    fn member(org: i64) -> TeamMember {
        TeamMember { name: "张三".into(), title: "高级工程师".into(), organization_id: org, duty: String::new() }
    }

    fn input() -> ApplicationInput {
        ApplicationInput {
            project_name: " 云鼎化工行业大模型 ".into(),
            lead_organization_id: 1,
            joint_units: vec![JointUnit {
                organization_id: 2,
                role: ConsortiumRole::Academia,
                work: "算法研究".into(),
            }],
            leader: member(1),
            team: vec![member(2)],
            budget: vec![BudgetLine { source: BudgetSource::SelfFunded, amount_wan: 800.0 }],
            summary: "技术路线".into(),
            commitments: vec![
                Commitment { indicator: "指标0".into(), value: 0.95 },
                Commitment { indicator: "指标1".into(), value: 8.0 },
            ],
        }
    }

    fn terms(indicators: &[Indicator]) -> Terms<'_> {
        Terms { indicators, max_joint_units: 4 }
    }

    fn fields(err: Error) -> Vec<String> {
        err.field_errors().iter().map(|e| e.field.clone()).collect()
    }

    #[test]
    fn a_complete_application_is_trimmed_and_accepted() {
        let inds = indicators();
        let ok = input().validate(terms(&inds)).unwrap();
        assert_eq!(ok.project_name, "云鼎化工行业大模型");
        assert_eq!(ok.organization_ids(), [1, 2]);
    }

    #[test]
    fn commitments_must_meet_or_beat_each_threshold_in_its_direction() {
        let inds = indicators();
        let mut weak = input();
        weak.commitments[0].value = 0.90; // below ≥0.92
        weak.commitments[1].value = 12.0; // above ≤10
        let err = weak.validate(terms(&inds)).unwrap_err();
        assert_eq!(fields(err.clone()), ["commitments[0].value", "commitments[1].value"]);
        assert!(err.to_string().contains("未达到榜单要求"), "{err}");
    }

    #[test]
    fn every_indicator_needs_exactly_one_commitment() {
        let inds = indicators();
        let mut missing = input();
        missing.commitments.pop();
        missing.commitments.push(Commitment { indicator: "不存在".into(), value: 1.0 });
        assert_eq!(fields(missing.validate(terms(&inds)).unwrap_err()), ["commitments[1].indicator", "commitments"]);
    }

    #[test]
    fn consortium_size_duplicates_and_the_leaders_unit_are_checked() {
        let inds = indicators();
        let mut bad = input();
        bad.joint_units = (2..=6)
            .map(|id| JointUnit { organization_id: id, role: ConsortiumRole::Industry, work: "应用".into() })
            .collect();
        bad.joint_units.push(JointUnit { organization_id: 1, role: ConsortiumRole::User, work: "x".into() });
        bad.leader.organization_id = 2;
        bad.team[0].organization_id = 99;
        assert_eq!(
            fields(bad.validate(terms(&inds)).unwrap_err()),
            ["joint_units", "joint_units[5].organization_id", "leader.organization_id", "team[0].organization_id"]
        );
    }

    #[test]
    fn each_action_belongs_to_one_role_and_state() {
        use ApplicationState as S;
        assert_eq!(S::Draft.apply(Action::Submit, Actor::Applicant, true), Ok(S::Submitted));
        // Every state sits on the path of its program, with or without recommendation, and
        // each action moves an application forward on it or back to the applicant.
        for state in S::ALL {
            assert!(Stage::path(true).contains(&state.stage()));
            for action in Action::ALL {
                for actor in [Actor::Applicant, Actor::Organizer, Actor::Recommender] {
                    if let Ok(to) = state.apply(*action, actor, true) {
                        let step = |s: S| Stage::ALL.iter().position(|x| *x == s.stage());
                        let forward = step(to) >= step(*state);
                        assert!(forward || to.is_editable() || *action == Action::Rereview, "{state:?} {action:?}");
                    }
                }
            }
        }
        assert_eq!(Stage::path(false).len(), Stage::ALL.len() - 1);
        assert!(S::Draft.apply(Action::Submit, Actor::Organizer, true).is_err());
        assert!(S::Submitted.apply(Action::Recommend, Actor::Organizer, true).is_err());
        assert_eq!(S::Submitted.apply(Action::Recommend, Actor::Recommender, true), Ok(S::Recommended));
        // Without recommendation the organizer checks submitted applications directly …
        assert_eq!(S::Submitted.apply(Action::PassCheck, Actor::Organizer, false), Ok(S::CheckPassed));
        // … and with it, only recommended ones.
        assert!(S::Submitted.apply(Action::PassCheck, Actor::Organizer, true).is_err());
        assert_eq!(S::Returned.apply(Action::Submit, Actor::Applicant, true), Ok(S::Submitted));
        assert_eq!(S::Proposed.apply(Action::Rereview, Actor::Organizer, true), Ok(S::InReview));
        assert!(S::Selected.apply(Action::Withdraw, Actor::Organizer, true).is_err());
        assert!(Action::Decline.needs_reason() && !Action::Recommend.needs_reason());
        for state in ApplicationState::ALL {
            assert!(!state.label_zh().is_empty() && !state.label_en().is_empty());
        }
    }
}
