//! What the API sends: serializable counterparts of store records, with code-table names
//! resolved, so clients need no copy of GB/T 2260 or GB/T 4754.

use jiebang_core::challenge::TaskClass;
use jiebang_core::indicator::{Comparison, Direction, Indicator, Weighting};
use jiebang_core::industry::IndustryCode;
use jiebang_core::organization::OrgKind;
use jiebang_core::program::{ProgramStatus, Rules, Timeline};
use jiebang_core::region::{Region, RegionCode};
use jiebang_core::role::Grant;
use jiebang_store::{ChallengeRecord, Organization, Page, Program, User};
use serde::Serialize;
use utoipa::ToSchema;

/// A code with its names.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct CodeName {
    /// The code, e.g. `370100` or `26`.
    pub code: String,
    /// Chinese name.
    pub name: String,
    /// English name.
    pub name_en: String,
}

impl From<IndustryCode> for CodeName {
    fn from(i: IndustryCode) -> Self {
        let industry = i.industry();
        Self { code: industry.code.into(), name: industry.name.into(), name_en: industry.name_en.into() }
    }
}

impl From<&Region> for CodeName {
    fn from(r: &Region) -> Self {
        Self { code: r.code.into(), name: r.name.into(), name_en: r.name_en.into() }
    }
}

impl From<RegionCode> for CodeName {
    fn from(r: RegionCode) -> Self {
        r.region().into()
    }
}

/// One page of a list.
#[derive(Debug, Serialize, ToSchema)]
pub struct PageView<T> {
    /// Items on this page.
    pub items: Vec<T>,
    /// Items on all pages.
    pub total: i64,
    /// This page (from 1).
    pub page: u32,
    /// Page size.
    pub per_page: u32,
}

impl<T> PageView<T> {
    /// Converts a store page.
    pub fn from_page<S>(page: Page<S>, convert: impl Fn(S) -> T) -> Self {
        Self {
            items: page.items.into_iter().map(convert).collect(),
            total: page.total,
            page: page.page,
            per_page: page.per_page,
        }
    }
}

/// A program.
#[derive(Debug, Serialize, ToSchema)]
pub struct ProgramView {
    /// Id.
    pub id: i64,
    /// Title.
    pub title: String,
    /// 发榜方.
    pub issuer: String,
    /// Year.
    pub year: i32,
    /// Notice text.
    pub description: String,
    /// Rules.
    pub rules: Rules,
    /// Key dates.
    pub timeline: Timeline,
    /// Lifecycle state.
    pub status: ProgramStatus,
    /// States it may move to next.
    pub next_statuses: Vec<ProgramStatus>,
    /// Demo data loaded by `serve --demo`.
    pub is_demo: bool,
    /// Challenges on its list.
    pub challenge_count: i64,
    /// Created (RFC 3339).
    pub created_at: String,
    /// Last changed (RFC 3339).
    pub updated_at: String,
}

impl From<Program> for ProgramView {
    fn from(p: Program) -> Self {
        Self {
            id: p.id,
            title: p.title,
            issuer: p.issuer,
            year: p.year,
            description: p.description,
            rules: p.rules,
            timeline: p.timeline,
            status: p.status,
            next_statuses: p.status.manual_successors(),
            is_demo: p.is_demo,
            challenge_count: p.challenge_count,
            created_at: p.created_at,
            updated_at: p.updated_at,
        }
    }
}

/// An indicator of a challenge.
#[derive(Debug, Serialize, ToSchema)]
pub struct IndicatorView {
    /// Name.
    pub name: String,
    /// Metric key.
    pub metric: String,
    /// Comparison.
    pub op: Comparison,
    /// Target.
    pub threshold: f64,
    /// Display unit.
    pub unit: String,
    /// Test method.
    pub test_method: String,
    /// 一票否决.
    pub hard: bool,
    /// Weight of a scored indicator.
    pub weight: Option<f64>,
    /// `higher` or `lower` is better.
    pub better: &'static str,
}

impl From<Indicator> for IndicatorView {
    fn from(i: Indicator) -> Self {
        let (hard, weight) = match i.weighting {
            Weighting::Hard => (true, None),
            Weighting::Scored { weight } => (false, Some(weight)),
        };
        Self {
            better: match i.expr.metric.direction() {
                Direction::HigherIsBetter => "higher",
                Direction::LowerIsBetter => "lower",
            },
            name: i.name,
            metric: i.expr.metric.as_str().into(),
            op: i.expr.op,
            threshold: i.expr.threshold,
            unit: i.unit,
            test_method: i.test_method,
            hard,
            weight,
        }
    }
}

/// A challenge.
#[derive(Debug, Serialize, ToSchema)]
pub struct ChallengeView {
    /// Id.
    pub id: i64,
    /// Program.
    pub program_id: i64,
    /// 序号.
    pub position: i64,
    /// 任务编号.
    pub code: String,
    /// Title.
    pub title: String,
    /// 揭榜方向.
    pub direction: String,
    /// 细分领域.
    pub sub_field: String,
    /// 任务类别.
    pub task_class: TaskClass,
    /// GB/T 4754 divisions.
    pub industries: Vec<CodeName>,
    /// GB/T 2260 region.
    pub region: Option<CodeName>,
    /// 应用场景.
    pub scenario: String,
    /// 需求背景.
    pub background: String,
    /// 攻关目标.
    pub objectives: String,
    /// 考核指标.
    pub indicators: Vec<IndicatorView>,
    /// 预期成果.
    pub deliverables: String,
    /// Months.
    pub period_months: u32,
    /// 支持方式.
    pub support: String,
    /// Number of winners.
    pub winners: u32,
    /// When it was taken off the list (撤榜), if it was.
    pub archived_at: Option<String>,
    /// Why it was taken off.
    pub archive_reason: String,
    /// Created.
    pub created_at: String,
    /// Last changed.
    pub updated_at: String,
}

impl From<ChallengeRecord> for ChallengeView {
    fn from(r: ChallengeRecord) -> Self {
        let c = r.challenge;
        Self {
            id: r.id,
            program_id: r.program_id,
            position: r.position,
            code: c.code,
            title: c.title,
            direction: c.direction,
            sub_field: c.sub_field,
            task_class: c.task_class,
            industries: c.industries.into_iter().map(CodeName::from).collect(),
            region: c.region.map(CodeName::from),
            scenario: c.scenario,
            background: c.background,
            objectives: c.objectives,
            indicators: c.indicators.into_iter().map(IndicatorView::from).collect(),
            deliverables: c.deliverables,
            period_months: c.period_months,
            support: c.support,
            winners: c.winners,
            archived_at: r.archived_at,
            archive_reason: r.archive_reason,
            created_at: r.created_at,
            updated_at: r.updated_at,
        }
    }
}

/// An organization.
#[derive(Debug, Serialize, ToSchema)]
pub struct OrganizationView {
    /// Id.
    pub id: i64,
    /// Name.
    pub name: String,
    /// Unified social credit code.
    pub credit_code: String,
    /// Kind.
    pub kind: OrgKind,
    /// Region.
    pub region: CodeName,
    /// Industries.
    pub industries: Vec<CodeName>,
    /// Created.
    pub created_at: String,
    /// Whether an admin or the region's recommender has verified it.
    pub verified: bool,
}

impl From<Organization> for OrganizationView {
    fn from(o: Organization) -> Self {
        let region = Region::lookup(&o.region_code).map(CodeName::from).unwrap_or(CodeName {
            code: o.region_code.clone(),
            name: String::new(),
            name_en: String::new(),
        });
        Self {
            id: o.id,
            name: o.name,
            credit_code: o.credit_code,
            kind: o.kind,
            verified: o.verified_at.is_some(),
            region,
            industries: o.industries.iter().filter_map(|c| IndustryCode::parse(c).ok()).map(CodeName::from).collect(),
            created_at: o.created_at,
        }
    }
}

/// A user account.
#[derive(Debug, Serialize, ToSchema)]
pub struct UserView {
    /// Id.
    pub id: i64,
    /// E-mail.
    pub email: String,
    /// Name.
    pub name: String,
    /// Roles and their scopes.
    pub grants: Vec<Grant>,
    /// Created.
    pub created_at: String,
}

impl UserView {
    /// A user with their grants.
    pub fn new(user: User, grants: Vec<Grant>) -> Self {
        Self { id: user.id, email: user.email, name: user.name, grants, created_at: user.created_at }
    }
}

/// `?page=&per_page=`.
#[derive(Debug, Clone, Copy, serde::Deserialize, utoipa::IntoParams)]
pub struct Paging {
    /// Page number from 1 (default 1).
    pub page: Option<u32>,
    /// Page size, 1–200 (default 50).
    pub per_page: Option<u32>,
}

impl Paging {
    pub(crate) fn request(self) -> jiebang_store::PageRequest {
        jiebang_store::PageRequest {
            page: self.page.unwrap_or(1).max(1),
            per_page: self.per_page.unwrap_or(50).clamp(1, 200),
        }
    }
}
