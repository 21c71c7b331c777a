//! Projects after the announcement (揭榜攻关项目), as rules without IO: the life of a selected
//! team's project from its task agreement (任务书) to its conclusion and designation
//! ([`ProjectState::apply`], each step taken by one party), the acceptance verdict computed per
//! committed indicator against the value the team committed to ([`judge_acceptance`], with the
//! programs' vetoes), the mid-term rubric's bands ([`band_score`]), the extension rule
//! ([`ExtensionRule::check`]), tranche release ([`Tranche::releasable`]) and the 赛马 gate
//! ([`GateRule::apply`]). Every number is a program setting with the defaults the real rules use
//! (`docs/post-award.md` in the shared design notes).

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::error::{Error, FieldError};
use crate::indicator::IndicatorExpr;
use crate::program::Day;

named_enum!(
    /// Where a project is in its life.
    ProjectState {
        /// 任务书编制: the lead unit drafts the agreement from its application.
        Drafting = "drafting" / "任务书编制" / "Drafting the task agreement",
        /// 任务书签订: signed by the parties; the committed indicators are frozen.
        Signed = "signed" / "任务书已签订" / "Task agreement signed",
        /// 实施中: milestones and reports fall due.
        InProgress = "in_progress" / "实施中" / "In progress",
        /// 中期检查: the mid-term check is open.
        MidTerm = "mid_term" / "中期检查" / "Mid-term check",
        /// 限期整改: told to put things right by a date (after a mid-term check or a failed
        /// acceptance).
        Rectifying = "rectifying" / "限期整改" / "Rectifying",
        /// 验收申请: the lead unit applied for acceptance with its materials.
        AcceptanceApplied = "acceptance_applied" / "验收申请" / "Acceptance applied for",
        /// 测评: the delivery is tested (the platform's acceptance phase, a third-party lab).
        Testing = "testing" / "测评" / "Testing",
        /// 验收评审: experts give their opinions on the evidence.
        AcceptanceReview = "acceptance_review" / "验收评审" / "Acceptance review",
        /// 结论公示: the conclusion is public for appeals.
        ConclusionPublicity = "conclusion_publicity" / "结论公示" / "Conclusion in publicity",
        /// 已结论: the conclusion stands.
        Concluded = "concluded" / "已结论" / "Concluded",
        /// 揭榜优胜: named a winner.
        Designated = "designated" / "揭榜优胜" / "Named a winner",
        /// 终止: stopped; the agreement's refund applies.
        Terminated = "terminated" / "终止" / "Terminated",
    }
);

named_enum!(
    /// What a party does to a project.
    ProjectAction {
        /// The organizer (甲方) signs the agreement the lead unit drafted.
        Sign = "sign" / "签订任务书" / "Sign the task agreement",
        /// The organizer starts the work.
        Start = "start" / "启动实施" / "Start the work",
        /// The organizer opens the mid-term check.
        OpenMidTerm = "open_mid_term" / "开展中期检查" / "Open the mid-term check",
        /// The organizer continues its support after the check.
        Continue = "continue" / "继续支持" / "Continue support",
        /// The organizer requires the team to put things right by a date.
        Rectify = "rectify" / "限期整改" / "Require rectification",
        /// The lead unit reports its rectification; the mid-term check resumes.
        Resubmit = "resubmit" / "提交整改" / "Report the rectification",
        /// The lead unit applies for acceptance (again, after a failed one).
        ApplyAcceptance = "apply_acceptance" / "申请验收" / "Apply for acceptance",
        /// The organizer sends the delivery to testing.
        StartTesting = "start_testing" / "开始测评" / "Start testing",
        /// The organizer closes testing and asks the experts.
        Review = "review" / "验收评审" / "Review",
        /// The organizer records the conclusion and puts it in publicity.
        Conclude = "conclude" / "作出结论" / "Conclude",
        /// An upheld appeal sends the conclusion back to review.
        Reconsider = "reconsider" / "重新评审" / "Review again",
        /// The publicity ends without an upheld appeal.
        Finalize = "finalize" / "公示结束" / "Close the publicity",
        /// The organizer names a project that passed a winner.
        Designate = "designate" / "认定揭榜优胜" / "Name a winner",
        /// The organizer stops the project (a gate, a veto, the team's failure).
        Terminate = "terminate" / "终止" / "Terminate",
    }
);

named_enum!(
    /// An acceptance conclusion (通过 / 需要复议 / 结题 / 不通过, as MOST and the provinces use).
    Conclusion {
        /// 通过.
        Passed = "passed" / "通过" / "Passed",
        /// 需要复议: below the pass share, a key indicator missed, or the evidence unclear.
        Reconsider = "reconsider" / "需要复议" / "To be reconsidered",
        /// 结题: closed without passing or failing (MOST).
        Closed = "closed" / "结题" / "Closed",
        /// 不通过: a veto applies.
        Failed = "failed" / "不通过" / "Failed",
    }
);

/// Who acts on a project, as its agreement names the parties.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Party {
    /// 甲方: the organizer.
    Organizer,
    /// 乙方: the lead unit.
    Lead,
}

impl ProjectAction {
    /// The party whose step it is: the lead unit reports rectification and applies for
    /// acceptance; every other step is the organizer's.
    pub fn party(self) -> Party {
        match self {
            Self::Resubmit | Self::ApplyAcceptance => Party::Lead,
            _ => Party::Organizer,
        }
    }
}

impl ProjectState {
    /// Whether the project's life has ended.
    pub fn is_final(self) -> bool {
        matches!(self, Self::Designated | Self::Terminated)
    }

    /// The state `action` by `party` leads to, or why not.
    pub fn apply(self, action: ProjectAction, party: Party) -> Result<Self, Error> {
        use ProjectAction as A;
        use ProjectState as S;
        let to = match (action, party, self) {
            (A::Sign, Party::Organizer, S::Drafting) => Some(S::Signed),
            (A::Start, Party::Organizer, S::Signed) => Some(S::InProgress),
            (A::OpenMidTerm, Party::Organizer, S::InProgress) => Some(S::MidTerm),
            (A::Continue, Party::Organizer, S::MidTerm) => Some(S::InProgress),
            (A::Rectify, Party::Organizer, S::MidTerm | S::Concluded) => Some(S::Rectifying),
            (A::Resubmit, Party::Lead, S::Rectifying) => Some(S::MidTerm),
            (A::ApplyAcceptance, Party::Lead, S::InProgress | S::Rectifying) => Some(S::AcceptanceApplied),
            (A::StartTesting, Party::Organizer, S::AcceptanceApplied) => Some(S::Testing),
            (A::Review, Party::Organizer, S::Testing) => Some(S::AcceptanceReview),
            (A::Conclude, Party::Organizer, S::AcceptanceReview) => Some(S::ConclusionPublicity),
            (A::Reconsider, Party::Organizer, S::ConclusionPublicity) => Some(S::AcceptanceReview),
            (A::Finalize, Party::Organizer, S::ConclusionPublicity) => Some(S::Concluded),
            (A::Designate, Party::Organizer, S::Concluded) => Some(S::Designated),
            (A::Terminate, Party::Organizer, state) if !state.is_final() => Some(S::Terminated),
            _ => None,
        };
        to.ok_or_else(|| Error::Transition { from: self.label_zh().into(), to: action.label_zh().into() })
    }
}

/// An indicator as the team committed to it in its application, frozen into the agreement.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CommittedIndicator {
    /// The indicator's name on the challenge.
    pub name: String,
    /// The list's target (metric, comparison, threshold).
    pub target: IndicatorExpr,
    /// The value the team committed to, at least as strict as the target.
    pub committed: f64,
    /// A key indicator (一票否决 on the list): missing it cannot pass outright.
    pub key: bool,
}

impl CommittedIndicator {
    /// Judges `achieved` (`None`: nothing measured it) against the committed value.
    pub fn verdict(&self, achieved: Option<f64>) -> IndicatorVerdict {
        let achieved = achieved.filter(|v| v.is_finite());
        IndicatorVerdict {
            name: self.name.clone(),
            metric: self.target.metric.as_str().to_owned(),
            committed: self.committed,
            list_threshold: self.target.threshold,
            met: achieved.is_some_and(|v| self.target.op.holds(v, self.committed)),
            achieved,
            key: self.key,
        }
    }
}

/// A value measured for a metric, and where it comes from.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Measurement {
    /// The metric.
    pub metric: String,
    /// The value.
    pub value: f64,
    /// What measured it: `submission:{id}` (a signed report) or `lab:{id}` (a lab's report).
    pub source: String,
    /// When (CST text).
    pub at: String,
}

/// A committed indicator in the ledger: its verdict on the latest measurement, and that
/// measurement's source.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct LedgerRow {
    /// The verdict against the committed value.
    #[serde(flatten)]
    pub verdict: IndicatorVerdict,
    /// Where the value comes from.
    pub source: Option<String>,
    /// When it was measured.
    pub at: Option<String>,
}

/// The indicator ledger: each committed indicator against its latest measurement (`measured`
/// oldest first), so that a regression shows rather than an old best.
pub fn ledger(committed: &[CommittedIndicator], measured: &[Measurement]) -> Vec<LedgerRow> {
    committed
        .iter()
        .map(|c| {
            let latest = measured.iter().rev().find(|m| m.metric == c.target.metric.as_str() && m.value.is_finite());
            LedgerRow {
                verdict: c.verdict(latest.map(|m| m.value)),
                source: latest.map(|m| m.source.clone()),
                at: latest.map(|m| m.at.clone()),
            }
        })
        .collect()
}

/// One committed indicator at acceptance.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct IndicatorVerdict {
    /// The indicator's name.
    pub name: String,
    /// The metric.
    pub metric: String,
    /// The committed value it is judged against.
    pub committed: f64,
    /// The list's threshold, for comparison.
    pub list_threshold: f64,
    /// What the evidence shows; `None`: nothing measured it.
    pub achieved: Option<f64>,
    /// Whether `achieved` meets the committed value.
    pub met: bool,
    /// A key indicator.
    pub key: bool,
}

named_enum!(
    /// Why an acceptance cannot pass whatever the scores (Guangdong's screening vetoes).
    Veto {
        /// Fewer than the program's share of committed indicators met (80% by default).
        LowCompletion = "low_completion" / "考核指标完成率低于要求" / "Too few committed indicators met",
        /// Untrue documents or data.
        FalseData = "false_data" / "材料或数据不实" / "Untrue documents or data",
        /// Targets changed without an approved change.
        UnapprovedChange = "unapproved_change" / "擅自变更考核目标" / "Targets changed without approval",
        /// Applied beyond the window after the agreement's end.
        Overdue = "overdue" / "逾期申请验收" / "Applied for acceptance too late",
    }
);

/// What the program's acceptance rules are.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AcceptanceRules {
    /// Below this share of committed indicators met, the acceptance fails (0.8).
    pub veto_share: f64,
    /// At or above this share, with every key indicator met, it passes; between the two it is
    /// to be reconsidered (0.9).
    pub pass_share: f64,
}

impl Default for AcceptanceRules {
    fn default() -> Self {
        Self { veto_share: 0.8, pass_share: 0.9 }
    }
}

/// An acceptance as concluded: the ledger it was judged on (with each value's source), the
/// judgement and the organizer's findings. Frozen at the conclusion and public with it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AcceptanceRecord {
    /// Each committed indicator against the acceptance evidence.
    pub rows: Vec<LedgerRow>,
    /// The rules' judgement of those rows and findings.
    pub judgement: AcceptanceJudgement,
    /// What the organizer found besides the measurements.
    pub findings: AcceptanceFindings,
}

/// What the organizer found besides the measurements (`overdue` the platform works out from
/// when the team applied).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(default)]
pub struct AcceptanceFindings {
    /// Untrue documents or data were found.
    pub false_data: bool,
    /// A target was changed without an approved change.
    pub unapproved_change: bool,
    /// The application came after the window closed.
    pub overdue: bool,
}

/// The acceptance, computed: every committed indicator's verdict, the share met, the vetoes
/// and the conclusion the rules suggest (the organizer records the conclusion).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AcceptanceJudgement {
    /// Per committed indicator, in the agreement's order.
    pub verdicts: Vec<IndicatorVerdict>,
    /// Met over committed.
    pub share_met: f64,
    /// The vetoes that apply.
    pub vetoes: Vec<Veto>,
    /// What the rules suggest.
    pub suggested: Conclusion,
}

/// Judges each committed indicator against the value committed to (not only the list's
/// threshold) from `achieved` (metric → value, from the platform's signed reports or a lab's),
/// then applies the vetoes and the pass share.
pub fn judge_acceptance(
    committed: &[CommittedIndicator],
    achieved: &BTreeMap<String, f64>,
    findings: AcceptanceFindings,
    rules: AcceptanceRules,
) -> AcceptanceJudgement {
    let verdicts: Vec<IndicatorVerdict> =
        committed.iter().map(|c| c.verdict(achieved.get(c.target.metric.as_str()).copied())).collect();
    let met = verdicts.iter().filter(|v| v.met).count();
    let share_met = if verdicts.is_empty() { 0.0 } else { met as f64 / verdicts.len() as f64 };
    let mut vetoes = Vec::new();
    if share_met < rules.veto_share {
        vetoes.push(Veto::LowCompletion);
    }
    for (found, veto) in [
        (findings.false_data, Veto::FalseData),
        (findings.unapproved_change, Veto::UnapprovedChange),
        (findings.overdue, Veto::Overdue),
    ] {
        if found {
            vetoes.push(veto);
        }
    }
    let key_missed = verdicts.iter().any(|v| v.key && !v.met);
    let suggested = if !vetoes.is_empty() {
        Conclusion::Failed
    } else if share_met < rules.pass_share || key_missed {
        Conclusion::Reconsider
    } else {
        Conclusion::Passed
    };
    AcceptanceJudgement { verdicts, share_met, vetoes, suggested }
}

/// A rubric item's score from the share of its committed items done, in the bands of the
/// national mid-term score sheet (≥50% → full; 30–50% → 60–98% of it; 10–30% → 40–58%;
/// below 10% → 0–38%), linear within a band.
pub fn band_score(share_done: f64, points: f64) -> f64 {
    let s = share_done.clamp(0.0, 1.0);
    let fraction = if s >= 0.5 {
        1.0
    } else if s >= 0.3 {
        0.6 + (s - 0.3) / 0.2 * 0.38
    } else if s >= 0.1 {
        0.4 + (s - 0.1) / 0.2 * 0.18
    } else {
        s / 0.1 * 0.38
    };
    fraction * points
}

/// When an extension may be asked for and how long it may be.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ExtensionRule {
    /// Asked at least this many months before the end (3).
    pub months_before_end: u32,
    /// At most this many extensions (1).
    pub at_most: u32,
    /// Each at most this many months (12).
    pub max_months: u32,
}

impl Default for ExtensionRule {
    fn default() -> Self {
        Self { months_before_end: 3, at_most: 1, max_months: 12 }
    }
}

impl ExtensionRule {
    /// Checks an extension of a project ending on `end` to `new_end`, asked on `asked_on`
    /// after `earlier` approved ones; every problem at once.
    pub fn check(&self, end: Day, new_end: Day, asked_on: Day, earlier: u32) -> Result<(), Error> {
        let mut problems = Vec::new();
        let months = self.months_before_end;
        if asked_on > plus_months(end, -(i64::from(months))) {
            problems.push(FieldError::new(
                "asked_on",
                format!("延期须在执行期结束前至少 {months} 个月申请 / an extension must be asked at least {months} months before the end"),
            ));
        }
        if earlier >= self.at_most {
            let n = self.at_most;
            problems.push(FieldError::new(
                "extension",
                format!("延期至多 {n} 次，已用完 / at most {n} extension(s), already used"),
            ));
        }
        let max = self.max_months;
        if new_end <= end || new_end > plus_months(end, i64::from(max)) {
            problems.push(FieldError::new(
                "new_end",
                format!("新的结束日期须晚于原日期且延长不超过 {max} 个月 / the new end must be later, by at most {max} months"),
            ));
        }
        if problems.is_empty() { Ok(()) } else { Err(Error::Invalid(problems)) }
    }
}

/// `day` moved by `months` calendar months, its day of month clamped to the month's length.
fn plus_months(day: Day, months: i64) -> Day {
    let date = day.0;
    let index = i64::from(date.year()) * 12 + i64::from(u8::from(date.month())) - 1 + months;
    let (year, month) = (index.div_euclid(12) as i32, (index.rem_euclid(12) + 1) as u8);
    let month = time::Month::try_from(month).unwrap_or(time::Month::January);
    let last = month.length(year);
    let clamped = time::Date::from_calendar_date(year, month, date.day().min(last));
    Day(clamped.unwrap_or(date))
}

named_enum!(
    /// What makes a tranche of funding releasable.
    TrancheTrigger {
        /// On signing the agreement.
        OnSigning = "on_signing" / "任务书签订后" / "On signing",
        /// When the named milestone passes.
        OnMilestone = "on_milestone" / "里程碑通过后" / "When a milestone passes",
        /// When the mid-term check continues support.
        OnMidTerm = "on_mid_term" / "中期检查通过后" / "After the mid-term check",
        /// When the acceptance passes.
        OnAcceptance = "on_acceptance" / "验收通过后" / "On acceptance",
    }
);

/// A tranche the agreement plans; the platform says whether it may be paid (it pays nothing).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Tranche {
    /// Amount, yuan.
    pub amount_cny: f64,
    /// What releases it.
    pub trigger: TrancheTrigger,
    /// With `OnMilestone`, which milestone (its position in the plan, from 1).
    #[serde(default)]
    pub milestone: Option<u32>,
}

/// What a project has passed so far, for tranches.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Passed {
    /// The agreement is signed.
    pub signed: bool,
    /// Milestones passed, by position.
    pub milestones: Vec<u32>,
    /// The mid-term check continued support.
    pub mid_term: bool,
    /// The acceptance passed.
    pub acceptance: bool,
    /// The project was terminated: nothing more is released.
    pub terminated: bool,
}

impl Tranche {
    /// Whether it may be paid now.
    pub fn releasable(&self, passed: &Passed) -> bool {
        !passed.terminated
            && match self.trigger {
                TrancheTrigger::OnSigning => passed.signed,
                TrancheTrigger::OnMilestone => self.milestone.is_some_and(|m| passed.milestones.contains(&m)),
                TrancheTrigger::OnMidTerm => passed.mid_term,
                TrancheTrigger::OnAcceptance => passed.acceptance,
            }
    }
}

/// What a terminated project owes back: part, all, or double of what was paid (the
/// agreement's refund factor: 0.5, 1 or 2).
pub fn refund(paid_cny: f64, factor: f64) -> f64 {
    (paid_cny * factor).max(0.0)
}

/// How a 赛马 gate decides who goes on.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum GateRule {
    /// The best `n` go on; a tie at the edge keeps everyone tied.
    KeepTop(usize),
    /// Those at or above the score go on.
    AtLeast(f64),
}

impl GateRule {
    /// Splits `(team, score)` into those who go on and those dropped, each best first.
    pub fn apply<T: Clone>(&self, scores: &[(T, f64)]) -> (Vec<T>, Vec<T>) {
        let mut ranked: Vec<&(T, f64)> = scores.iter().collect();
        ranked.sort_by(|a, b| b.1.total_cmp(&a.1));
        let cut = match *self {
            GateRule::KeepTop(0) => 0,
            GateRule::KeepTop(n) => match ranked.get(n.saturating_sub(1)) {
                Some(edge) => ranked.iter().take_while(|(_, s)| *s >= edge.1).count(),
                None => ranked.len(),
            },
            GateRule::AtLeast(floor) => ranked.iter().take_while(|(_, s)| *s >= floor).count(),
        };
        let (kept, dropped) = ranked.split_at(cut);
        (kept.iter().map(|(t, _)| t.clone()).collect(), dropped.iter().map(|(t, _)| t.clone()).collect())
    }
}

named_enum!(
    /// Where a budget line's money comes from (the 任务书's sources).
    FundSource {
        /// 中央财政.
        Central = "central" / "中央财政" / "Central government",
        /// 省级财政.
        Provincial = "provincial" / "省级财政" / "Provincial government",
        /// 市县财政.
        Municipal = "municipal" / "市县财政" / "City or county government",
        /// 单位自筹.
        SelfRaised = "self_raised" / "单位自筹" / "Raised by the units",
        /// 其他来源.
        Other = "other" / "其他来源" / "Other",
    }
);

impl FundSource {
    /// Public money, paid by the organizer in tranches.
    pub fn is_fiscal(self) -> bool {
        matches!(self, Self::Central | Self::Provincial | Self::Municipal)
    }
}

/// One line of the agreement's budget.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct FundingLine {
    /// Where the money comes from.
    pub source: FundSource,
    /// Amount, yuan.
    pub amount_cny: f64,
}

/// A milestone the agreement plans (计划进度和阶段目标): what is due when, and which committed
/// indicators must be reached by then.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PlannedMilestone {
    /// 节点名称.
    pub title: String,
    /// Due on.
    pub due: Day,
    /// 考核目标: what the reviewers check.
    pub goal: String,
    /// Committed indicators (by name) the milestone's evidence must reach.
    #[serde(default)]
    pub indicators: Vec<String>,
}

/// The task agreement (任务书) the lead unit drafts and the organizer signs: the period, the
/// content, the plan, the budget by source, the tranches and the refund on failure. The
/// committed indicators are the project's, frozen from the application; the agreement names
/// them and cannot weaken them.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Agreement {
    /// 起始日期.
    pub start: Day,
    /// 结束日期.
    pub end: Day,
    /// 主要研究开发内容.
    pub content: String,
    /// 丙方: the recommending or supervising unit, as named on the agreement.
    #[serde(default)]
    pub supervisor: String,
    /// The plan, in due order.
    pub milestones: Vec<PlannedMilestone>,
    /// The budget by source.
    pub budget: Vec<FundingLine>,
    /// The public money's tranches and what releases each.
    pub tranches: Vec<Tranche>,
    /// What a project stopped for its own fault pays back, as a share of what was paid: 0.5
    /// (part), 1 (all) or 2 (double).
    pub refund_factor: f64,
    /// How often the team reports progress (月报 / 季报 / 年报), if the program asks. Left out
    /// of the text when `none`, so agreements signed before the field existed hash as they did.
    #[serde(default, skip_serializing_if = "ReportCadence::is_none")]
    pub progress_reports: ReportCadence,
}

impl Agreement {
    /// The whole budget, yuan.
    pub fn total_cny(&self) -> f64 {
        self.budget.iter().map(|line| line.amount_cny).sum()
    }

    /// The public money, yuan: what the tranches pay out.
    pub fn fiscal_cny(&self) -> f64 {
        self.budget.iter().filter(|line| line.source.is_fiscal()).map(|line| line.amount_cny).sum()
    }

    /// Checks the agreement against the committed indicators, every problem at once.
    pub fn check(&self, committed: &[CommittedIndicator]) -> Result<(), Error> {
        let mut problems = Vec::new();
        let mut problem = |field: String, message: &str| problems.push(FieldError::new(field, message));
        if self.end <= self.start {
            problem("end".into(), "结束日期须晚于起始日期 / the end must come after the start");
        }
        if self.content.trim().is_empty() {
            problem("content".into(), "请填写主要研究开发内容 / describe the work");
        }
        if self.milestones.is_empty() {
            problem("milestones".into(), "至少安排一个里程碑 / plan at least one milestone");
        }
        for (i, m) in self.milestones.iter().enumerate() {
            let field = |name: &str| format!("milestones[{i}].{name}");
            if m.title.trim().is_empty() {
                problem(field("title"), "请填写节点名称 / name the milestone");
            }
            if m.goal.trim().is_empty() {
                problem(field("goal"), "请填写考核目标 / say what is checked");
            }
            if m.due < self.start || m.due > self.end {
                problem(field("due"), "节点日期须在执行期内 / due within the period");
            }
            if i > 0 && m.due <= self.milestones[i - 1].due {
                problem(field("due"), "里程碑须按日期先后排列 / milestones come in date order");
            }
            for name in &m.indicators {
                if !committed.iter().any(|c| c.name == *name) {
                    problem(field("indicators"), &format!("「{name}」不是承诺的指标 / not a committed indicator"));
                }
            }
        }
        for (i, line) in self.budget.iter().enumerate() {
            if !(line.amount_cny.is_finite() && line.amount_cny >= 0.0) {
                problem(format!("budget[{i}].amount_cny"), "金额须为非负数 / the amount must not be negative");
            }
        }
        if self.total_cny() <= 0.0 {
            problem("budget".into(), "请填写经费预算 / give the budget");
        }
        for (i, tranche) in self.tranches.iter().enumerate() {
            let field = |name: &str| format!("tranches[{i}].{name}");
            if !(tranche.amount_cny.is_finite() && tranche.amount_cny > 0.0) {
                problem(field("amount_cny"), "金额须为正数 / the amount must be positive");
            }
            let milestones = self.milestones.len() as u32;
            match (tranche.trigger, tranche.milestone) {
                (TrancheTrigger::OnMilestone, Some(m)) if (1..=milestones).contains(&m) => {}
                (TrancheTrigger::OnMilestone, _) => {
                    problem(field("milestone"), "须指明计划中的里程碑 / name a planned milestone");
                }
                _ => {}
            }
        }
        let paid: f64 = self.tranches.iter().map(|t| t.amount_cny).sum();
        if paid > self.fiscal_cny() + 1e-6 {
            problem("tranches".into(), "拨付总额超过财政资金预算 / the tranches pay more than the public budget");
        }
        if ![0.5, 1.0, 2.0].contains(&self.refund_factor) {
            problem(
                "refund_factor".into(),
                "退还比例须为部分(0.5)、全部(1)或加倍(2) / part (0.5), all (1) or double (2)",
            );
        }
        if problems.is_empty() { Ok(()) } else { Err(Error::Invalid(problems)) }
    }
}

named_enum!(
    /// The reviewers' decision on a milestone report.
    MilestoneDecision {
        /// 通过: the milestone is passed; its tranche becomes releasable.
        Passed = "passed" / "通过" / "Passed",
        /// 限期整改: report again by a date.
        Rectify = "rectify" / "限期整改" / "Rectify by a date",
        /// 未通过.
        Failed = "failed" / "未通过" / "Not passed",
    }
);

named_enum!(
    /// Where a planned milestone stands.
    MilestoneStatus {
        /// Not yet due, nothing reported.
        Upcoming = "upcoming" / "未到期" / "Upcoming",
        /// Reported, awaiting review.
        Submitted = "submitted" / "待评审" / "Awaiting review",
        /// To be reported again by a date.
        Rectifying = "rectifying" / "限期整改" / "Rectifying",
        /// Passed.
        Passed = "passed" / "已通过" / "Passed",
        /// Not passed.
        Failed = "failed" / "未通过" / "Not passed",
        /// Due (or its rectification due) and not reported.
        Overdue = "overdue" / "已逾期" / "Overdue",
    }
);

named_enum!(
    /// How often a team reports progress between milestones.
    #[derive(Default)]
    ReportCadence {
        /// No periodic reports: the milestones suffice.
        #[default]
        None = "none" / "无需报送" / "None",
        /// 月报, due by the 10th of the next month.
        Monthly = "monthly" / "按月报送" / "Monthly",
        /// 季报, due 15 days after the quarter.
        Quarterly = "quarterly" / "按季度报送" / "Quarterly",
        /// 年报 (annual 绩效 self-assessment), due by 31 January.
        Annual = "annual" / "按年度报送" / "Annual",
    }
);

impl ReportCadence {
    /// No periodic reports.
    pub fn is_none(&self) -> bool {
        *self == Self::None
    }
}

/// One reporting period of a project: its label (`2026-03`, `2026-Q1`, `2026`), the days it
/// covers within the agreement's period, and when its report is due.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ProgressPeriod {
    /// The period's name, also its key.
    pub label: String,
    /// First day covered.
    pub from: Day,
    /// Last day covered.
    pub to: Day,
    /// The report is due by this day.
    pub due: Day,
}

/// The reporting periods from `start` to `end` (calendar months, quarters or years, the first
/// and last cut to the agreement's period). The period that holds the end is left out: the
/// acceptance application reports on it.
pub fn progress_periods(start: Day, end: Day, cadence: ReportCadence) -> Vec<ProgressPeriod> {
    use time::{Date, Month};
    let months: u8 = match cadence {
        ReportCadence::None => return Vec::new(),
        ReportCadence::Monthly => 1,
        ReportCadence::Quarterly => 3,
        ReportCadence::Annual => 12,
    };
    let first_of = |year: i32, month: u8| {
        Date::from_calendar_date(year, Month::try_from(month).expect("1..=12"), 1).expect("a first of the month")
    };
    let mut periods = Vec::new();
    let (mut year, mut month) = (start.0.year(), (u8::from(start.0.month()) - 1) / months * months + 1);
    loop {
        let from = first_of(year, month);
        (year, month) = if month + months > 12 { (year + 1, month + months - 12) } else { (year, month + months) };
        let next = first_of(year, month);
        let to = next.previous_day().expect("not the first day of time");
        if to >= end.0 {
            break;
        }
        let label = match cadence {
            ReportCadence::Monthly => format!("{}-{:02}", from.year(), u8::from(from.month())),
            ReportCadence::Quarterly => format!("{}-Q{}", from.year(), (u8::from(from.month()) - 1) / 3 + 1),
            _ => from.year().to_string(),
        };
        let due = match cadence {
            ReportCadence::Monthly => Day(next).plus_days(9),
            ReportCadence::Quarterly => Day(to).plus_days(15),
            _ => Day(next).plus_days(30),
        };
        periods.push(ProgressPeriod { label, from: Day(from.max(start.0)), to: Day(to), due });
    }
    periods
}

named_enum!(
    /// Where a reporting period's report stands.
    ProgressStatus {
        /// The period is not over.
        Upcoming = "upcoming" / "未到报告期" / "Upcoming",
        /// Over and not yet due: to be filed.
        Open = "open" / "待报送" / "To file",
        /// Due and not filed.
        Overdue = "overdue" / "已逾期" / "Overdue",
        /// Filed by its due day.
        Filed = "filed" / "已报送" / "Filed",
        /// Filed after its due day.
        FiledLate = "filed_late" / "逾期报送" / "Filed late",
    }
);

impl ProgressPeriod {
    /// The period's name for people: 2026年3月 / 2026年第1季度 / 2026年度 in Chinese, March 2026 /
    /// Q1 2026 / 2026 in English (the label stays the key).
    pub fn name(&self, chinese: bool) -> String {
        let label = self.label.as_str();
        let year = label.get(..4).unwrap_or(label);
        match (label.get(5..6), label.get(6..).and_then(|n| n.parse::<u8>().ok())) {
            (Some("Q"), Some(q)) if chinese => format!("{year}年第{q}季度"),
            (Some("Q"), Some(q)) => format!("Q{q} {year}"),
            _ => match label.get(5..).and_then(|m| m.parse::<u8>().ok()) {
                Some(month) if chinese => format!("{year}年{month}月"),
                Some(month) => {
                    let month = time::Month::try_from(month).map_or_else(|_| month.to_string(), |m| m.to_string());
                    format!("{month} {year}")
                }
                None if chinese => format!("{year}年度"),
                None => year.to_owned(),
            },
        }
    }

    /// Where its report stands on `today`; `filed`: whether it was filed, and late.
    pub fn status(&self, filed: Option<bool>, today: Day) -> ProgressStatus {
        match filed {
            Some(false) => ProgressStatus::Filed,
            Some(true) => ProgressStatus::FiledLate,
            None if today <= self.to => ProgressStatus::Upcoming,
            None if today <= self.due => ProgressStatus::Open,
            None => ProgressStatus::Overdue,
        }
    }
}

/// A milestone's status on `today` from its plan and its reports' decisions, oldest first
/// (`None`: not reviewed yet), each rectification with the day it is due.
pub fn milestone_status(
    due: Day,
    decisions: &[(Option<MilestoneDecision>, Option<Day>)],
    today: Day,
) -> MilestoneStatus {
    match decisions.last() {
        None if today > due => MilestoneStatus::Overdue,
        None => MilestoneStatus::Upcoming,
        Some((None, _)) => MilestoneStatus::Submitted,
        Some((Some(MilestoneDecision::Passed), _)) => MilestoneStatus::Passed,
        Some((Some(MilestoneDecision::Failed), _)) => MilestoneStatus::Failed,
        Some((Some(MilestoneDecision::Rectify), by)) if by.is_some_and(|by| today > by) => MilestoneStatus::Overdue,
        Some((Some(MilestoneDecision::Rectify), _)) => MilestoneStatus::Rectifying,
    }
}

named_enum!(
    /// What a mid-term check decides (继续支持 / 整改 / 调整 / 终止).
    MidTermOutcome {
        /// 继续支持: the next annual payment may follow.
        Continue = "continue" / "继续支持" / "Continue support",
        /// 整改: put right by a date, then checked again.
        Rectify = "rectify" / "整改" / "Rectify",
        /// 调整: continue, with a change to the tasks, budget or members to be requested.
        Adjust = "adjust" / "调整" / "Adjust",
        /// 终止.
        Terminate = "terminate" / "终止" / "Terminate",
    }
);

impl MidTermOutcome {
    /// The project's step this outcome takes.
    pub fn action(self) -> ProjectAction {
        match self {
            Self::Continue | Self::Adjust => ProjectAction::Continue,
            Self::Rectify => ProjectAction::Rectify,
            Self::Terminate => ProjectAction::Terminate,
        }
    }
}

/// One expert item of a mid-term score sheet.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RubricItem {
    /// What is scored.
    pub name: String,
    /// Worth.
    pub points: f64,
    /// Given.
    pub score: f64,
}

/// A mid-term score sheet: the stage-task completion item, scored in the national sheet's bands
/// from the share of committed indicators the ledger shows met ([`band_score`]), the experts'
/// items, and the research-integrity question that vetoes everything else.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct MidTermSheet {
    /// 阶段任务完成情况: worth 60 of 100 on the national sheet.
    pub completion_points: f64,
    /// The experts' items, worth the rest.
    pub items: Vec<RubricItem>,
    /// 是否存在弄虚作假等严重违反科研诚信的行为.
    pub integrity_veto: bool,
}

impl Default for MidTermSheet {
    fn default() -> Self {
        let item = |name: &str, points: f64| RubricItem { name: name.into(), points, score: 0.0 };
        Self {
            completion_points: 60.0,
            items: vec![
                item("技术路线与研发进展", 15.0),
                item("经费到位与使用", 15.0),
                item("组织管理与配套条件", 10.0),
            ],
            integrity_veto: false,
        }
    }
}

/// A mid-term sheet's result.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct MidTermScore {
    /// Committed indicators the ledger shows met, as a share.
    pub share_met: f64,
    /// The completion item's score.
    pub completion: f64,
    /// The experts' items' sum.
    pub experts: f64,
    /// Out of 100; 0 under the integrity veto.
    pub total: f64,
}

impl MidTermSheet {
    /// Checks the sheet is worth 100 and every score is within its item, every problem at once.
    pub fn check(&self) -> Result<(), Error> {
        let mut problems = Vec::new();
        let worth = self.completion_points + self.items.iter().map(|i| i.points).sum::<f64>();
        if (worth - 100.0).abs() > 1e-9 {
            problems.push(FieldError::new(
                "items",
                format!("各项分值合计须为 100，现为 {worth} / the items must be worth 100, not {worth}"),
            ));
        }
        if !(self.completion_points.is_finite() && self.completion_points > 0.0) {
            problems.push(FieldError::new(
                "completion_points",
                "任务完成情况分值须为正数 / the completion item must be worth something",
            ));
        }
        for (i, item) in self.items.iter().enumerate() {
            if item.name.trim().is_empty() {
                problems.push(FieldError::new(format!("items[{i}].name"), "请填写评分项 / name the item"));
            }
            if !(item.points.is_finite() && item.points > 0.0) {
                problems.push(FieldError::new(
                    format!("items[{i}].points"),
                    "分值须为正数 / the item must be worth something",
                ));
            }
            if !(item.score.is_finite() && (0.0..=item.points).contains(&item.score)) {
                problems.push(FieldError::new(
                    format!("items[{i}].score"),
                    format!("得分须在 0 到 {} 之间 / the score must be between 0 and {}", item.points, item.points),
                ));
            }
        }
        if problems.is_empty() { Ok(()) } else { Err(Error::Invalid(problems)) }
    }

    /// The sheet's score with `share_met` of the committed indicators met.
    pub fn score(&self, share_met: f64) -> MidTermScore {
        let completion = band_score(share_met, self.completion_points);
        let experts: f64 = self.items.iter().map(|i| i.score).sum();
        let total = if self.integrity_veto { 0.0 } else { completion + experts };
        MidTermScore { share_met, completion, experts, total }
    }
}

named_enum!(
    /// What a change request (变更申请) changes.
    ChangeKind {
        /// 延期: the end date.
        Extension = "extension" / "延期" / "Extension",
        /// 考核指标变更: a committed value.
        Indicator = "indicator" / "考核指标变更" / "Indicator change",
        /// 成员变更.
        Member = "member" / "成员变更" / "Member change",
        /// 预算调整.
        Budget = "budget" / "预算调整" / "Budget change",
    }
);

named_enum!(
    /// Where a change request is: the lead unit asks, the recommending unit (丙方) checks where
    /// the program has one, the organizer decides; until then the original terms hold.
    ChangeState {
        /// Asked.
        Requested = "requested" / "已申请" / "Requested",
        /// Checked by the recommending unit.
        Checked = "checked" / "推荐单位已审核" / "Checked by the recommending unit",
        /// Approved: in force.
        Approved = "approved" / "已批准" / "Approved",
        /// Refused (by either).
        Refused = "refused" / "未批准" / "Refused",
    }
);

/// A gate's ranking: each project's score, whether it goes on, and its place.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct GateRow {
    /// The project.
    pub project_id: i64,
    /// Its name.
    pub name: String,
    /// Its score (the latest mid-term total).
    pub score: f64,
    /// Goes on.
    pub kept: bool,
}

/// The acceptance materials the lead unit files (the provinces' checklists, abridged): the form
/// field each comes under and its name.
pub const ACCEPTANCE_MATERIALS: [(&str, &str); 4] = [
    ("application_form", "验收申请表"),
    ("summary_report", "完成情况总结报告"),
    ("finance_report", "经费执行情况报告"),
    ("user_opinion", "用户意见书"),
];

/// Months after the end within which acceptance is applied for (6): later, the overdue veto.
pub const ACCEPTANCE_WINDOW_MONTHS: i64 = 6;

/// Whether an acceptance applied for on `applied_on` for work ending on `end` is overdue.
pub fn applied_late(end: Day, applied_on: Day) -> bool {
    applied_on > plus_months(end, ACCEPTANCE_WINDOW_MONTHS)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::indicator::Comparison;

    fn day(text: &str) -> Day {
        Day::parse("day", text).unwrap()
    }

    fn committed(name: &str, expr: &str, value: f64, key: bool) -> CommittedIndicator {
        CommittedIndicator { name: name.into(), target: IndicatorExpr::parse(expr).unwrap(), committed: value, key }
    }

    #[test]
    fn reporting_periods_follow_the_calendar_and_leave_the_last_to_the_acceptance() {
        let labels = |cadence| -> Vec<(String, String, String, String)> {
            progress_periods(day("2026-02-15"), day("2027-01-20"), cadence)
                .into_iter()
                .map(|p| (p.label, p.from.to_string(), p.to.to_string(), p.due.to_string()))
                .collect()
        };
        let monthly = labels(ReportCadence::Monthly);
        assert_eq!(monthly.len(), 11, "Feb–Dec 2026; January 2027 holds the end");
        assert_eq!(monthly[0], ("2026-02".into(), "2026-02-15".into(), "2026-02-28".into(), "2026-03-10".into()));
        assert_eq!(monthly[10].0, "2026-12");
        let quarterly = labels(ReportCadence::Quarterly);
        let names: Vec<&str> = quarterly.iter().map(|q| q.0.as_str()).collect();
        assert_eq!(names, ["2026-Q1", "2026-Q2", "2026-Q3", "2026-Q4"]);
        assert_eq!(quarterly[3], ("2026-Q4".into(), "2026-10-01".into(), "2026-12-31".into(), "2027-01-15".into()));
        assert_eq!(
            labels(ReportCadence::Annual),
            [("2026".into(), "2026-02-15".into(), "2026-12-31".into(), "2027-01-31".into())]
        );
        assert!(labels(ReportCadence::None).is_empty());
        let named = |cadence, chinese| progress_periods(day("2026-02-15"), day("2027-01-20"), cadence)[0].name(chinese);
        assert_eq!(
            [
                named(ReportCadence::Monthly, true),
                named(ReportCadence::Quarterly, true),
                named(ReportCadence::Annual, true)
            ],
            ["2026年2月", "2026年第1季度", "2026年度"]
        );
        assert_eq!(
            [
                named(ReportCadence::Monthly, false),
                named(ReportCadence::Quarterly, false),
                named(ReportCadence::Annual, false)
            ],
            ["February 2026", "Q1 2026", "2026"]
        );
        let q4 = &progress_periods(day("2026-02-15"), day("2027-01-20"), ReportCadence::Quarterly)[3];
        let statuses: Vec<ProgressStatus> =
            ["2026-12-31", "2027-01-15", "2027-01-16"].iter().map(|d| q4.status(None, day(d))).collect();
        assert_eq!(statuses, [ProgressStatus::Upcoming, ProgressStatus::Open, ProgressStatus::Overdue]);
        assert_eq!(q4.status(Some(true), day("2027-01-16")), ProgressStatus::FiledLate);
        // An agreement ending on a period's last day reports on that period at acceptance.
        assert!(progress_periods(day("2026-01-01"), day("2026-12-31"), ReportCadence::Annual).is_empty());
    }

    fn agreement() -> Agreement {
        Agreement {
            start: day("2026-01-01"),
            end: day("2027-12-31"),
            content: "化工过程大模型".into(),
            supervisor: "济南市工业和信息化局".into(),
            milestones: vec![
                PlannedMilestone {
                    title: "数据集".into(),
                    due: day("2026-06-30"),
                    goal: "完成".into(),
                    indicators: vec![],
                },
                PlannedMilestone {
                    title: "模型".into(),
                    due: day("2027-06-30"),
                    goal: "准确率".into(),
                    indicators: vec!["准确率".into()],
                },
            ],
            budget: vec![
                FundingLine { source: FundSource::Provincial, amount_cny: 2e6 },
                FundingLine { source: FundSource::SelfRaised, amount_cny: 6e6 },
            ],
            tranches: vec![
                Tranche { amount_cny: 1e6, trigger: TrancheTrigger::OnSigning, milestone: None },
                Tranche { amount_cny: 1e6, trigger: TrancheTrigger::OnMilestone, milestone: Some(2) },
            ],
            refund_factor: 1.0,
            progress_reports: ReportCadence::Quarterly,
        }
    }

    #[test]
    fn an_agreement_reports_every_problem_at_once() {
        let committed = [committed("准确率", "choice_accuracy>=0.8", 0.9, true)];
        let good = agreement();
        assert!(good.check(&committed).is_ok());
        assert_eq!((good.total_cny(), good.fiscal_cny()), (8e6, 2e6));
        let mut bad = agreement();
        bad.milestones[1].due = day("2026-03-01");
        bad.milestones[1].indicators.push("召回率".into());
        bad.tranches[1].milestone = Some(3);
        bad.tranches.push(Tranche { amount_cny: 5e5, trigger: TrancheTrigger::OnAcceptance, milestone: None });
        bad.refund_factor = 3.0;
        bad.content = " ".into();
        let Err(Error::Invalid(problems)) = bad.check(&committed) else { panic!("a bad agreement passed") };
        let fields: Vec<&str> = problems.iter().map(|p| p.field.as_str()).collect();
        assert_eq!(
            fields,
            [
                "content",
                "milestones[1].due",
                "milestones[1].indicators",
                "tranches[1].milestone",
                "tranches",
                "refund_factor"
            ]
        );
    }

    #[test]
    fn a_milestone_is_overdue_when_due_or_its_rectification_is_and_nothing_came() {
        use MilestoneDecision as D;
        let due = day("2026-06-30");
        let (before, after) = (day("2026-06-01"), day("2026-07-01"));
        assert_eq!(milestone_status(due, &[], before), MilestoneStatus::Upcoming);
        assert_eq!(milestone_status(due, &[], after), MilestoneStatus::Overdue);
        assert_eq!(milestone_status(due, &[(None, None)], after), MilestoneStatus::Submitted);
        let rectify = (Some(D::Rectify), Some(day("2026-07-15")));
        assert_eq!(milestone_status(due, &[rectify], after), MilestoneStatus::Rectifying);
        assert_eq!(milestone_status(due, &[rectify], day("2026-07-16")), MilestoneStatus::Overdue);
        assert_eq!(milestone_status(due, &[rectify, (None, None)], day("2026-08-01")), MilestoneStatus::Submitted);
        assert_eq!(milestone_status(due, &[rectify, (Some(D::Passed), None)], after), MilestoneStatus::Passed);
    }

    #[test]
    fn the_ledger_reads_the_latest_measurement_of_each_committed_indicator() {
        let committed = [
            committed("准确率", "choice_accuracy>=0.8", 0.9, true),
            committed("首字时延", "ttft_p99_ms<=1000", 500.0, false),
        ];
        let at = |metric: &str, value: f64, source: &str| Measurement {
            metric: metric.into(),
            value,
            source: source.into(),
            at: String::new(),
        };
        let rows = ledger(
            &committed,
            &[at("choice_accuracy", 0.95, "submission:1"), at("choice_accuracy", 0.85, "submission:2")],
        );
        assert_eq!(rows[0].verdict.achieved, Some(0.85));
        assert!(!rows[0].verdict.met, "the regression shows");
        assert_eq!(rows[0].source.as_deref(), Some("submission:2"));
        assert!(rows[1].verdict.achieved.is_none() && rows[1].source.is_none());
    }

    #[test]
    fn a_mid_term_sheet_is_worth_100_and_the_integrity_veto_zeroes_it() {
        let mut sheet = MidTermSheet::default();
        for (item, score) in sheet.items.iter_mut().zip([12.0, 13.0, 8.0]) {
            item.score = score;
        }
        assert!(sheet.check().is_ok());
        let score = sheet.score(0.4);
        assert!((score.completion - band_score(0.4, 60.0)).abs() < 1e-12 && score.experts == 33.0);
        assert!((score.total - (score.completion + 33.0)).abs() < 1e-12);
        sheet.integrity_veto = true;
        assert_eq!(sheet.score(1.0).total, 0.0);
        sheet.items[0].score = 16.0;
        sheet.items.push(RubricItem { name: " ".into(), points: 5.0, score: 1.0 });
        let Err(Error::Invalid(problems)) = sheet.check() else { panic!("a bad sheet passed") };
        let fields: Vec<&str> = problems.iter().map(|p| p.field.as_str()).collect();
        assert_eq!(fields, ["items", "items[0].score", "items[3].name"]);
        assert_eq!(MidTermOutcome::Adjust.action(), ProjectAction::Continue);
    }

    #[test]
    fn a_project_walks_from_its_agreement_to_a_winner_and_each_step_belongs_to_one_party() {
        use ProjectAction as A;
        let mut state = ProjectState::Drafting;
        for (action, party) in [
            (A::Sign, Party::Organizer),
            (A::Start, Party::Organizer),
            (A::OpenMidTerm, Party::Organizer),
            (A::Rectify, Party::Organizer),
            (A::Resubmit, Party::Lead),
            (A::Continue, Party::Organizer),
            (A::ApplyAcceptance, Party::Lead),
            (A::StartTesting, Party::Organizer),
            (A::Review, Party::Organizer),
            (A::Conclude, Party::Organizer),
            (A::Reconsider, Party::Organizer),
            (A::Conclude, Party::Organizer),
            (A::Finalize, Party::Organizer),
            (A::Designate, Party::Organizer),
        ] {
            state = state.apply(action, party).unwrap_or_else(|e| panic!("{action:?} by {party:?}: {e}"));
        }
        assert_eq!(state, ProjectState::Designated);
        assert!(state.apply(A::Terminate, Party::Organizer).is_err(), "a winner is not terminated");
        // The lead unit cannot sign for the organizer, nor the organizer apply for the team.
        assert!(ProjectState::Drafting.apply(A::Sign, Party::Lead).is_err());
        assert!(ProjectState::InProgress.apply(A::ApplyAcceptance, Party::Organizer).is_err());
        let refused = ProjectState::Drafting.apply(A::Designate, Party::Organizer).unwrap_err();
        assert!(refused.to_string().contains("任务书编制"), "{refused}");
        assert_eq!(ProjectState::InProgress.apply(A::Terminate, Party::Organizer).unwrap(), ProjectState::Terminated);
        // Each action's party is the one the state machine accepts it from.
        for action in ProjectAction::ALL {
            let other = if action.party() == Party::Lead { Party::Organizer } else { Party::Lead };
            assert!(ProjectState::ALL.iter().all(|s| s.apply(*action, other).is_err()), "{action:?}");
        }
    }

    #[test]
    fn acceptance_is_judged_against_the_committed_value_not_the_lists_threshold() {
        let agreement = [
            committed("准确率", "choice_accuracy>=0.8", 0.9, true),
            committed("首字时延", "ttft_p99_ms<=1000", 500.0, false),
            committed("吞吐", "output_tokens_per_s>=15", 20.0, false),
            committed("内存", "peak_memory_mb<=16384", 8192.0, false),
            committed("大小", "model_size_mb<=8192", 4096.0, false),
        ];
        let achieved = |accuracy: f64, ttft: f64| {
            BTreeMap::from([
                ("choice_accuracy".to_owned(), accuracy),
                ("ttft_p99_ms".to_owned(), ttft),
                ("output_tokens_per_s".to_owned(), 25.0),
                ("peak_memory_mb".to_owned(), 6000.0),
                ("model_size_mb".to_owned(), 4000.0),
            ])
        };
        let rules = AcceptanceRules::default();
        let all = judge_acceptance(&agreement, &achieved(0.92, 400.0), AcceptanceFindings::default(), rules);
        assert_eq!((all.share_met, all.suggested, all.vetoes.len()), (1.0, Conclusion::Passed, 0));
        // 0.85 beats the list's 0.8 but not the 0.9 committed: a key indicator missed.
        let key_missed = judge_acceptance(&agreement, &achieved(0.85, 400.0), AcceptanceFindings::default(), rules);
        assert!(!key_missed.verdicts[0].met && key_missed.verdicts[0].list_threshold == 0.8);
        assert_eq!((key_missed.share_met, key_missed.suggested), (0.8, Conclusion::Reconsider));
        // Two of five missed: under 80%, the veto fails it.
        let low = judge_acceptance(&agreement, &achieved(0.85, 800.0), AcceptanceFindings::default(), rules);
        assert_eq!((low.suggested, low.vetoes.as_slice()), (Conclusion::Failed, [Veto::LowCompletion].as_slice()));
        // Nothing measured is not met; untrue data fails whatever the numbers.
        let unmeasured = judge_acceptance(&agreement, &BTreeMap::new(), AcceptanceFindings::default(), rules);
        assert!(unmeasured.verdicts.iter().all(|v| v.achieved.is_none() && !v.met));
        let findings = AcceptanceFindings { false_data: true, ..AcceptanceFindings::default() };
        let untrue = judge_acceptance(&agreement, &achieved(0.95, 100.0), findings, rules);
        assert_eq!((untrue.suggested, untrue.vetoes.as_slice()), (Conclusion::Failed, [Veto::FalseData].as_slice()));
        assert_eq!(agreement[1].target.op, Comparison::AtMost);
    }

    #[test]
    fn the_mid_term_bands_follow_the_national_score_sheet() {
        for (share, points) in [(0.5, 50.0), (1.0, 50.0), (0.3, 30.0), (0.1, 20.0), (0.0, 0.0)] {
            assert!((band_score(share, 50.0) - points).abs() < 1e-9, "{share}: {}", band_score(share, 50.0));
        }
        // Inside a band, more done never scores less; each band stays within the sheet's range.
        let scores: Vec<f64> = (0..=100).map(|i| band_score(f64::from(i) / 100.0, 50.0)).collect();
        assert!(scores.windows(2).all(|w| w[0] <= w[1]));
        assert!((30.0..=49.0).contains(&band_score(0.49, 50.0)) && (20.0..=29.0).contains(&band_score(0.29, 50.0)));
        assert!(band_score(0.09, 50.0) <= 19.0 && (band_score(0.4, 10.0) - 7.9).abs() < 1e-9);
    }

    #[test]
    fn an_extension_is_asked_in_time_once_and_for_at_most_a_year() {
        let rule = ExtensionRule::default();
        let end = day("2027-12-31");
        assert!(rule.check(end, day("2028-06-30"), day("2027-09-30"), 0).is_ok());
        let Err(Error::Invalid(late)) = rule.check(end, day("2029-06-30"), day("2027-11-01"), 1) else {
            panic!("a late, second, long extension was allowed")
        };
        let fields: Vec<&str> = late.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(fields, ["asked_on", "extension", "new_end"]);
        assert_eq!(plus_months(day("2027-03-31"), -1), day("2027-02-28"));
        assert!(!applied_late(end, day("2028-06-30")) && applied_late(end, day("2028-07-01")));
        assert_eq!(plus_months(day("2027-11-30"), 3), day("2028-02-29"));
    }

    #[test]
    fn tranches_are_released_by_what_passed_and_never_after_termination() {
        let on_second = Tranche { amount_cny: 1e6, trigger: TrancheTrigger::OnMilestone, milestone: Some(2) };
        let signing = Tranche { amount_cny: 5e5, trigger: TrancheTrigger::OnSigning, milestone: None };
        let mut passed = Passed { signed: true, milestones: vec![1], ..Passed::default() };
        assert!(signing.releasable(&passed) && !on_second.releasable(&passed));
        passed.milestones.push(2);
        assert!(on_second.releasable(&passed));
        passed.terminated = true;
        assert!(!signing.releasable(&passed) && !on_second.releasable(&passed));
        assert_eq!(refund(1e6, 2.0), 2e6);
    }

    #[test]
    fn a_gate_keeps_the_best_and_everyone_tied_at_the_edge() {
        let scores = [("甲", 81.0), ("乙", 90.0), ("丙", 81.0), ("丁", 60.0)];
        assert_eq!(GateRule::KeepTop(2).apply(&scores), (vec!["乙", "甲", "丙"], vec!["丁"]));
        assert_eq!(GateRule::KeepTop(1).apply(&scores), (vec!["乙"], vec!["甲", "丙", "丁"]));
        assert_eq!(GateRule::AtLeast(80.0).apply(&scores).1, vec!["丁"]);
        assert_eq!(GateRule::KeepTop(9).apply(&scores).1, Vec::<&str>::new());
    }
}
