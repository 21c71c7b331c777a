//! The supply–demand catalogue around the lists (百企百景, issue 20): scenario and technology
//! demands (场景需求 / 技术需求) with quantified requirements, solutions (解决方案 / 产品) whose
//! claimed indicators carry the evidence that proves them, the engagements (对接) between the two,
//! and the matching that ranks one side for the other with its reasons shown.
//!
//! A demand's fields each have a visibility — public, registered users, or internal — as MIIT
//! publishes only the 可公开部分 of a demand; [`Demand::visible_to`] is the one place a field is
//! withheld. Requirements use the challenges' indicator type, so a demand promoted into a
//! challenge carries them over unchanged.

use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};

use crate::error::{Collector, optional_text, required_text};
use crate::indicator::{Indicator, IndicatorInput};
use crate::industry::IndustryCode;
use crate::program::Day;
use crate::region::RegionCode;
use crate::{Error, FieldError};

named_enum!(
    /// Who publishes a demand.
    DemanderKind {
        /// 政府部门.
        Government = "government" / "政府部门" / "Government department",
        /// 事业单位.
        PublicInstitution = "public_institution" / "事业单位" / "Public institution",
        /// 国企.
        StateOwned = "state_owned" / "国企" / "State-owned enterprise",
        /// 民企.
        Private = "private" / "民企" / "Private enterprise",
        /// 链主企业: the firm that leads an industrial chain.
        ChainLeader = "chain_leader" / "链主企业" / "Chain-leading enterprise",
    }
);

named_enum!(
    /// How the demander means to work with a provider.
    CooperationMode {
        /// 采购解决方案.
        BuySolution = "buy_solution" / "采购解决方案" / "Buy a solution",
        /// 设备采购租赁.
        Equipment = "equipment" / "设备采购租赁" / "Buy or lease equipment",
        /// 商业化运营.
        Operation = "operation" / "商业化运营" / "Commercial operation",
        /// 联合研发.
        JointRnd = "joint_rnd" / "联合研发" / "Joint R&D",
        /// 揭榜攻关: the demand is meant to become a challenge of a list.
        Challenge = "challenge" / "揭榜攻关" / "Open challenge",
    }
);

named_enum!(
    /// What a demander offers the provider.
    Offer {
        /// 开放数据.
        Data = "data" / "开放数据" / "Data",
        /// 提供测试场地.
        TestSite = "test_site" / "提供测试场地" / "A test site",
        /// 首试首用: the demander commits to be the first user.
        FirstUse = "first_use" / "首试首用" / "First use",
    }
);

named_enum!(
    /// Who may read a field, from the widest audience to the narrowest.
    Visibility {
        /// 公开: anyone.
        Public = "public" / "公开" / "Public",
        /// 注册用户可见: anyone signed in.
        Registered = "registered" / "注册用户可见" / "Registered users",
        /// 仅内部: the demander and the catalogue's organizers.
        Internal = "internal" / "仅内部" / "Internal",
    }
);

named_enum!(
    /// The fields of a demand whose visibility can be narrowed; the rest are always public.
    #[derive(PartialOrd, Ord)]
    DemandField {
        /// The demanding organization's name.
        Organization = "organization" / "需求方" / "Demander",
        /// 场景描述与痛点.
        PainPoints = "pain_points" / "场景描述与痛点" / "Scenario and pain points",
        /// 技术需求·量化指标.
        Requirements = "requirements" / "量化技术需求" / "Quantified requirements",
        /// 预算.
        Budget = "budget" / "预算" / "Budget",
        /// 联系人、电话、邮箱.
        Contact = "contact" / "联系方式" / "Contact",
    }
);

impl DemandField {
    /// The visibility a field has unless the demand says otherwise: the contact is internal
    /// (MIIT publishes it to no one), everything else public.
    pub fn default_visibility(self) -> Visibility {
        match self {
            Self::Contact => Visibility::Internal,
            _ => Visibility::Public,
        }
    }
}

named_enum!(
    /// Where a demand stands.
    DemandState {
        /// 征集中: open for solutions.
        Collecting = "collecting" / "征集中" / "Collecting",
        /// 对接中: in talks with providers.
        Matching = "matching" / "对接中" / "Matching",
        /// 已签约.
        Signed = "signed" / "已签约" / "Signed",
        /// 已完成.
        Completed = "completed" / "已完成" / "Completed",
        /// 已截止: closed without a contract.
        Closed = "closed" / "已截止" / "Closed",
        /// 撤回 by the demander.
        Withdrawn = "withdrawn" / "撤回" / "Withdrawn",
    }
);

named_enum!(
    /// A step of a demand.
    DemandAction {
        /// Talks with providers start.
        StartMatching = "start_matching" / "开始对接" / "Start matching",
        /// A contract is signed.
        Sign = "sign" / "签约" / "Sign",
        /// The work is done.
        Complete = "complete" / "完成" / "Complete",
        /// The deadline passed without a contract.
        Close = "close" / "截止" / "Close",
        /// The demander takes it back.
        Withdraw = "withdraw" / "撤回" / "Withdraw",
    }
);

impl DemandState {
    /// The state `action` leads to, or why not.
    pub fn apply(self, action: DemandAction) -> Result<Self, Error> {
        use DemandAction as A;
        use DemandState as S;
        let next = match (self, action) {
            (S::Collecting, A::StartMatching) => Some(S::Matching),
            (S::Collecting | S::Matching, A::Sign) => Some(S::Signed),
            (S::Signed, A::Complete) => Some(S::Completed),
            (S::Collecting | S::Matching, A::Close) => Some(S::Closed),
            (S::Collecting | S::Matching, A::Withdraw) => Some(S::Withdrawn),
            _ => None,
        };
        next.ok_or_else(|| {
            Error::invalid(
                "action",
                format!(
                    "需求{}，不能{} / a demand that is {} cannot {}",
                    self.label_zh(),
                    action.label_zh(),
                    self.label_en().to_lowercase(),
                    action.label_en().to_lowercase()
                ),
            )
        })
    }

    /// Whether providers may still answer it.
    pub fn is_open(self) -> bool {
        matches!(self, Self::Collecting | Self::Matching)
    }
}

/// A demand as a form, the API or a spreadsheet row gives it.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct DemandInput {
    /// 需求编号, unique in the catalogue.
    pub number: String,
    /// 需求名称.
    pub title: String,
    /// 需求方 as named (the organization, when registered, is linked by the store).
    pub organization: String,
    /// 需求方类型 (`government`, `state_owned` …).
    pub demander_kind: String,
    /// 所属行业, GB/T 4754 divisions.
    pub industries: Vec<String>,
    /// 所在地区, GB/T 2260.
    pub region: String,
    /// 应用领域 (智能制造, 智慧城市 …).
    pub field: String,
    /// A typical scenario's code, if it answers one.
    pub scenario: String,
    /// 场景描述与痛点.
    pub pain_points: String,
    /// 技术需求: quantified, as a challenge's indicators.
    pub requirements: Vec<IndicatorInput>,
    /// 可提供条件 (`data`, `test_site`, `first_use`).
    pub offers: Vec<String>,
    /// 合作方式.
    pub cooperation: String,
    /// 预算, 万元; none: 面议.
    pub budget_wan: Option<f64>,
    /// 发布日期.
    pub published_on: Option<Day>,
    /// 截止日期.
    pub deadline: Option<Day>,
    /// 联系人.
    pub contact_name: String,
    /// 联系电话.
    pub contact_phone: String,
    /// 联系邮箱.
    pub contact_email: String,
    /// Narrowed visibility by field (`contact`: `registered` …); others keep their default.
    pub visibility: BTreeMap<String, String>,
}

/// A checked demand.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Demand {
    /// 需求编号.
    pub number: String,
    /// 需求名称.
    pub title: String,
    /// 需求方.
    pub organization: String,
    /// 需求方类型.
    pub demander_kind: DemanderKind,
    /// 所属行业.
    #[cfg_attr(feature = "openapi", schema(value_type = Vec<String>))]
    pub industries: Vec<IndustryCode>,
    /// 所在地区.
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    pub region: RegionCode,
    /// 应用领域.
    pub field: String,
    /// A typical scenario's code, if any.
    pub scenario: Option<String>,
    /// 场景描述与痛点.
    pub pain_points: String,
    /// Quantified requirements.
    pub requirements: Vec<Indicator>,
    /// 可提供条件.
    pub offers: Vec<Offer>,
    /// 合作方式.
    pub cooperation: CooperationMode,
    /// 预算, 万元; `None`: 面议.
    pub budget_wan: Option<f64>,
    /// 发布日期.
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>))]
    pub published_on: Option<Day>,
    /// 截止日期.
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>))]
    pub deadline: Option<Day>,
    /// 联系人, 电话, 邮箱.
    pub contact: Contact,
    /// Each narrowable field's visibility.
    pub visibility: BTreeMap<DemandField, Visibility>,
}

/// Who to call about an entry.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Contact {
    /// Name.
    pub name: String,
    /// Phone.
    pub phone: String,
    /// E-mail.
    pub email: String,
}

impl DemandInput {
    /// Checks every field and reports all problems at once.
    pub fn validate(&self) -> Result<Demand, Error> {
        let mut c = Collector::default();
        let number = c.check(required_text("number", &self.number, 40));
        let title = c.check(required_text("title", &self.title, 100));
        let organization = c.check(required_text("organization", &self.organization, 100));
        let demander_kind = c.check(DemanderKind::parse("demander_kind", &self.demander_kind));
        let industries = c.check(IndustryCode::parse_list(&self.industries.join(",")));
        let region = c.check(RegionCode::parse(&self.region).map_err(|e| FieldError { field: "region".into(), ..e }));
        let field = c.check(optional_text("field", &self.field, 40));
        let scenario = c.check(optional_text("scenario", &self.scenario, 40));
        let pain_points = c.check(required_text("pain_points", &self.pain_points, 5000));
        let mut requirements = Vec::new();
        for (i, input) in self.requirements.iter().enumerate() {
            match input.validate() {
                Ok(indicator) => requirements.push(indicator),
                Err(errors) => c.extend_within(&format!("requirements[{i}]"), errors),
            }
        }
        let mut offers = Vec::new();
        for (i, offer) in self.offers.iter().enumerate() {
            if let Some(offer) = c.check(Offer::parse(&format!("offers[{i}]"), offer)) {
                offers.push(offer);
            }
        }
        let cooperation = c.check(CooperationMode::parse("cooperation", &self.cooperation));
        if let Some(budget) = self.budget_wan
            && !(budget.is_finite() && budget > 0.0)
        {
            c.push(FieldError::new(
                "budget_wan",
                "预算须为正数（万元），面议请留空 / a positive amount in 万元, or empty",
            ));
        }
        if let (Some(from), Some(to)) = (self.published_on, self.deadline)
            && to < from
        {
            c.push(FieldError::new("deadline", "截止日期早于发布日期 / the deadline comes before publication"));
        }
        let contact_name = c.check(required_text("contact_name", &self.contact_name, 40));
        let contact_phone = c.check(optional_text("contact_phone", &self.contact_phone, 40));
        let contact_email = c.check(optional_text("contact_email", &self.contact_email, 100));
        if self.contact_phone.trim().is_empty() && self.contact_email.trim().is_empty() {
            c.push(FieldError::new("contact_phone", "请留电话或邮箱 / give a phone number or an e-mail address"));
        }
        let mut visibility: BTreeMap<DemandField, Visibility> =
            DemandField::ALL.iter().map(|f| (*f, f.default_visibility())).collect();
        for (name, level) in &self.visibility {
            let field = format!("visibility.{name}");
            let parsed = (DemandField::parse(&field, name), Visibility::parse(&field, level));
            match parsed {
                (Ok(f), Ok(v)) => {
                    visibility.insert(f, v);
                }
                (Err(e), _) | (_, Err(e)) => c.push(e),
            }
        }
        c.finish(|| Demand {
            number: number.unwrap_or_default(),
            title: title.unwrap_or_default(),
            organization: organization.unwrap_or_default(),
            demander_kind: demander_kind.expect("checked"),
            industries: industries.unwrap_or_default(),
            region: region.expect("checked"),
            field: field.unwrap_or_default(),
            scenario: scenario.filter(|s| !s.is_empty()),
            pain_points: pain_points.unwrap_or_default(),
            requirements,
            offers,
            cooperation: cooperation.expect("checked"),
            budget_wan: self.budget_wan,
            published_on: self.published_on,
            deadline: self.deadline,
            contact: Contact {
                name: contact_name.unwrap_or_default(),
                phone: contact_phone.unwrap_or_default(),
                email: contact_email.unwrap_or_default(),
            },
            visibility,
        })
    }
}

/// A demand as one reader may see it: a withheld field is `None` (and its requirements empty).
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct DemandView {
    /// 需求编号.
    pub number: String,
    /// 需求名称.
    pub title: String,
    /// 需求方, unless withheld.
    pub organization: Option<String>,
    /// 需求方类型.
    pub demander_kind: DemanderKind,
    /// 所属行业 (codes).
    pub industries: Vec<String>,
    /// 所在地区 (code).
    pub region: String,
    /// 应用领域.
    pub field: String,
    /// A typical scenario's code.
    pub scenario: Option<String>,
    /// 场景描述与痛点, unless withheld.
    pub pain_points: Option<String>,
    /// The quantified requirements, unless withheld.
    pub requirements: Option<Vec<Indicator>>,
    /// 可提供条件.
    pub offers: Vec<Offer>,
    /// 合作方式.
    pub cooperation: CooperationMode,
    /// 预算 (万元), unless withheld; `Some(None)`: 面议.
    pub budget_wan: Option<Option<f64>>,
    /// 发布日期.
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>))]
    pub published_on: Option<Day>,
    /// 截止日期.
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>))]
    pub deadline: Option<Day>,
    /// 联系方式, unless withheld.
    pub contact: Option<Contact>,
    /// The fields withheld from this reader.
    pub withheld: Vec<DemandField>,
}

impl Demand {
    /// The demand as a reader allowed to see up to `reader` sees it: every field whose visibility
    /// is narrower is withheld.
    pub fn visible_to(&self, reader: Visibility) -> DemandView {
        let rank = |v: Visibility| Visibility::ALL.iter().position(|x| *x == v).unwrap_or(usize::MAX);
        let shown = |field: DemandField| {
            let level = self.visibility.get(&field).copied().unwrap_or(field.default_visibility());
            rank(level) <= rank(reader)
        };
        let keep = |field: DemandField| shown(field).then_some(());
        DemandView {
            number: self.number.clone(),
            title: self.title.clone(),
            organization: keep(DemandField::Organization).map(|()| self.organization.clone()),
            demander_kind: self.demander_kind,
            industries: self.industries.iter().map(|i| i.code().to_owned()).collect(),
            region: self.region.code().to_owned(),
            field: self.field.clone(),
            scenario: self.scenario.clone(),
            pain_points: keep(DemandField::PainPoints).map(|()| self.pain_points.clone()),
            requirements: keep(DemandField::Requirements).map(|()| self.requirements.clone()),
            offers: self.offers.clone(),
            cooperation: self.cooperation,
            budget_wan: keep(DemandField::Budget).map(|()| self.budget_wan),
            published_on: self.published_on,
            deadline: self.deadline,
            contact: keep(DemandField::Contact).map(|()| self.contact.clone()),
            withheld: DemandField::ALL.iter().copied().filter(|f| !shown(*f)).collect(),
        }
    }
}

/// A matchmaking event (对接会) as entered.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct MatchEventInput {
    /// 名称, e.g. 2026年济青先导区"百企百景"供需对接会.
    pub name: String,
    /// The day it is held.
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    pub held_on: Option<Day>,
    /// The city (GB/T 2260 code or name).
    pub region: String,
    /// 地点.
    #[serde(default)]
    pub venue: String,
    /// 主办单位.
    pub host: String,
}

/// A checked matchmaking event.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct MatchEvent {
    /// 名称.
    pub name: String,
    /// 日期.
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    pub held_on: Day,
    /// 城市.
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    pub region: RegionCode,
    /// 地点.
    pub venue: String,
    /// 主办单位.
    pub host: String,
}

impl MatchEventInput {
    /// Checks every field and reports all problems at once.
    pub fn validate(&self) -> Result<MatchEvent, Error> {
        let mut c = Collector::default();
        let name = c.check(required_text("name", &self.name, 100));
        if self.held_on.is_none() {
            c.push(FieldError::new("held_on", "请填写举办日期 / the day it is held is required"));
        }
        let region = c.check(RegionCode::parse(&self.region).map_err(|e| FieldError { field: "region".into(), ..e }));
        let venue = c.check(optional_text("venue", &self.venue, 100));
        let host = c.check(required_text("host", &self.host, 100));
        c.finish(|| MatchEvent {
            name: name.unwrap_or_default(),
            held_on: self.held_on.expect("checked"),
            region: region.expect("checked"),
            venue: venue.unwrap_or_default(),
            host: host.unwrap_or_default(),
        })
    }
}

named_enum!(
    /// What a solution is.
    SolutionKind {
        /// 行业大模型.
        IndustryModel = "industry_model" / "行业大模型" / "Industry large model",
        /// 解决方案.
        Solution = "solution" / "解决方案" / "Solution",
        /// 智能装备.
        Equipment = "equipment" / "智能装备" / "Intelligent equipment",
        /// 数据集.
        Dataset = "dataset" / "数据集" / "Dataset",
        /// 服务.
        Service = "service" / "服务" / "Service",
    }
);

named_enum!(
    /// How a solution is deployed.
    Deployment {
        /// 云.
        Cloud = "cloud" / "云端" / "Cloud",
        /// 私有化.
        OnPremises = "on_premises" / "私有化" / "On premises",
        /// 端侧.
        Edge = "edge" / "端侧" / "Edge",
        /// 一体机.
        Appliance = "appliance" / "一体机" / "Appliance",
    }
);

/// What proves a claimed value.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum Evidence {
    /// A submission's signed jiebang report, which anyone can verify.
    SignedReport {
        /// The submission.
        submission_id: i64,
    },
    /// A third-party lab's test report, attached.
    LabReport {
        /// The attached file.
        file_id: i64,
        /// The lab.
        lab: String,
        /// Its date.
        #[cfg_attr(feature = "openapi", schema(value_type = String))]
        tested_on: Day,
    },
}

/// An indicator a solution claims, with its value and the evidence.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Claim {
    /// What is claimed, as an indicator (its threshold is the claimed level).
    pub indicator: IndicatorInput,
    /// The value measured.
    pub value: f64,
    /// What proves it.
    pub evidence: Evidence,
}

/// A typical case: who uses it and what changed.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Case {
    /// The customer.
    pub customer: String,
    /// The effect, before and after.
    pub effect: String,
}

/// A solution as a form, the API or a spreadsheet row gives it.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SolutionInput {
    /// 方案名称.
    pub title: String,
    /// 供给方.
    pub provider: String,
    /// 类型.
    pub kind: String,
    /// 适用行业.
    pub industries: Vec<String>,
    /// 适用场景 (typical scenarios' codes).
    pub scenarios: Vec<String>,
    /// 所在地区 of the provider.
    pub region: String,
    /// 方案简介.
    pub summary: String,
    /// 技术指标, each with its evidence.
    pub claims: Vec<Claim>,
    /// 部署方式.
    pub deployments: Vec<String>,
    /// 典型案例.
    pub cases: Vec<Case>,
    /// 资质 (生成式人工智能服务备案 …).
    pub qualifications: Vec<String>,
    /// 价格区间, 万元: from.
    pub price_from_wan: Option<f64>,
    /// 价格区间, 万元: to.
    pub price_to_wan: Option<f64>,
    /// 联系人.
    pub contact_name: String,
    /// 联系电话.
    pub contact_phone: String,
    /// 联系邮箱.
    pub contact_email: String,
}

/// A checked solution.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Solution {
    /// 方案名称.
    pub title: String,
    /// 供给方.
    pub provider: String,
    /// 类型.
    pub kind: SolutionKind,
    /// 适用行业.
    #[cfg_attr(feature = "openapi", schema(value_type = Vec<String>))]
    pub industries: Vec<IndustryCode>,
    /// 适用场景.
    pub scenarios: Vec<String>,
    /// 所在地区.
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    pub region: RegionCode,
    /// 方案简介.
    pub summary: String,
    /// Claimed indicators with their values and evidence.
    pub claims: Vec<CheckedClaim>,
    /// 部署方式.
    pub deployments: Vec<Deployment>,
    /// 典型案例.
    pub cases: Vec<Case>,
    /// 资质.
    pub qualifications: Vec<String>,
    /// 价格区间, 万元.
    pub price_wan: Option<(f64, f64)>,
    /// 联系方式.
    pub contact: Contact,
}

/// A claim whose indicator is checked.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CheckedClaim {
    /// The indicator.
    pub indicator: Indicator,
    /// The value measured.
    pub value: f64,
    /// Whether the value reaches the claimed level.
    pub holds: bool,
    /// What proves it.
    pub evidence: Evidence,
}

impl SolutionInput {
    /// Checks every field and reports all problems at once.
    pub fn validate(&self) -> Result<Solution, Error> {
        let mut c = Collector::default();
        let title = c.check(required_text("title", &self.title, 100));
        let provider = c.check(required_text("provider", &self.provider, 100));
        let kind = c.check(SolutionKind::parse("kind", &self.kind));
        let industries = c.check(IndustryCode::parse_list(&self.industries.join(",")));
        let region = c.check(RegionCode::parse(&self.region).map_err(|e| FieldError { field: "region".into(), ..e }));
        let summary = c.check(required_text("summary", &self.summary, 5000));
        let mut claims = Vec::new();
        for (i, claim) in self.claims.iter().enumerate() {
            let at = format!("claims[{i}]");
            let indicator = match claim.indicator.validate() {
                Ok(indicator) => Some(indicator),
                Err(errors) => {
                    c.extend_within(&format!("{at}.indicator"), errors);
                    None
                }
            };
            if !claim.value.is_finite() {
                c.push(FieldError::new(
                    format!("{at}.value"),
                    "实测值须为有限数值 / the value must be a finite number",
                ));
            }
            if let Evidence::LabReport { lab, .. } = &claim.evidence
                && lab.trim().is_empty()
            {
                c.push(FieldError::new(format!("{at}.evidence.lab"), "请填写检测机构 / name the lab"));
            }
            if let Some(indicator) = indicator.filter(|_| claim.value.is_finite()) {
                let holds = indicator.expr.op.holds(claim.value, indicator.expr.threshold);
                claims.push(CheckedClaim { indicator, value: claim.value, holds, evidence: claim.evidence.clone() });
            }
        }
        let mut deployments = Vec::new();
        for (i, d) in self.deployments.iter().enumerate() {
            if let Some(d) = c.check(Deployment::parse(&format!("deployments[{i}]"), d)) {
                deployments.push(d);
            }
        }
        let price_wan = match (self.price_from_wan, self.price_to_wan) {
            (None, None) => None,
            (Some(from), Some(to)) if from.is_finite() && to.is_finite() && 0.0 <= from && from <= to => {
                Some((from, to))
            }
            _ => {
                c.push(FieldError::new(
                    "price_from_wan",
                    "价格区间须为 0 ≤ 起价 ≤ 止价（万元），或都留空 / a range 0 ≤ from ≤ to in 万元, or both empty",
                ));
                None
            }
        };
        let contact_name = c.check(required_text("contact_name", &self.contact_name, 40));
        if self.contact_phone.trim().is_empty() && self.contact_email.trim().is_empty() {
            c.push(FieldError::new("contact_phone", "请留电话或邮箱 / give a phone number or an e-mail address"));
        }
        c.finish(|| Solution {
            title: title.unwrap_or_default(),
            provider: provider.unwrap_or_default(),
            kind: kind.expect("checked"),
            industries: industries.unwrap_or_default(),
            scenarios: self.scenarios.iter().map(|s| s.trim().to_owned()).filter(|s| !s.is_empty()).collect(),
            region: region.expect("checked"),
            summary: summary.unwrap_or_default(),
            claims,
            deployments,
            cases: self.cases.clone(),
            qualifications: self.qualifications.clone(),
            price_wan,
            contact: Contact {
                name: contact_name.unwrap_or_default(),
                phone: self.contact_phone.trim().to_owned(),
                email: self.contact_email.trim().to_owned(),
            },
        })
    }
}

named_enum!(
    /// How far an engagement between a demand and a solution has gone.
    EngagementStage {
        /// 意向.
        Intention = "intention" / "意向" / "Intention",
        /// 洽谈.
        Negotiation = "negotiation" / "洽谈" / "Negotiation",
        /// 签约.
        Signed = "signed" / "签约" / "Signed",
        /// 实施.
        Implementing = "implementing" / "实施" / "Implementing",
        /// 验收.
        Accepted = "accepted" / "验收" / "Accepted",
    }
);

named_enum!(
    /// Where a demand and a solution met.
    Channel {
        /// 对接会.
        Fair = "fair" / "对接会" / "Matchmaking fair",
        /// 线上撮合.
        Online = "online" / "线上撮合" / "Online matching",
        /// 发榜揭榜: through a list's challenge.
        List = "list" / "发榜揭榜" / "Through a list",
        /// 专场路演.
        Roadshow = "roadshow" / "专场路演" / "Roadshow",
    }
);

impl EngagementStage {
    /// The stage after this one, if any.
    pub fn next(self) -> Option<Self> {
        let position = Self::ALL.iter().position(|x| *x == self)?;
        Self::ALL.get(position + 1).copied()
    }

    /// Whether an engagement may move from `self` to `next`: forward one stage at a time; a
    /// signed one needs the amount and the day it was signed.
    pub fn advance(self, next: Self, amount_wan: Option<f64>, signed_on: Option<Day>) -> Result<Self, Error> {
        let position = |s: Self| Self::ALL.iter().position(|x| *x == s).unwrap_or(0);
        if position(next) != position(self) + 1 {
            return Err(Error::invalid(
                "stage",
                format!(
                    "对接只能从「{}」进到下一阶段，不能到「{}」 / an engagement moves one stage on from {}, not to {}",
                    self.label_zh(),
                    next.label_zh(),
                    self.as_str(),
                    next.as_str()
                ),
            ));
        }
        if next == Self::Signed {
            let mut problems = Vec::new();
            if !amount_wan.is_some_and(|a| a.is_finite() && a > 0.0) {
                problems.push(FieldError::new("amount_wan", "签约须填写金额（万元）/ a signed contract has an amount"));
            }
            if signed_on.is_none() {
                problems.push(FieldError::new("signed_on", "签约须填写签约日期 / a signed contract has a date"));
            }
            if !problems.is_empty() {
                return Err(Error::Invalid(problems));
            }
        }
        Ok(next)
    }
}

/// Why a solution was matched to a demand.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum Reason {
    /// They share an industry division.
    Industry {
        /// The division's code.
        code: String,
    },
    /// They share an industry section (门类) but no division.
    IndustrySection {
        /// The section's letter.
        section: String,
    },
    /// The solution answers the demand's typical scenario.
    Scenario {
        /// The scenario's code.
        code: String,
    },
    /// Same city.
    City,
    /// Same province, another city.
    Province,
    /// Words both texts use.
    Words {
        /// The shared terms, most telling first.
        terms: Vec<String>,
    },
    /// A claimed, evidenced value meets one of the demand's requirements.
    MeetsRequirement {
        /// The requirement's name.
        requirement: String,
    },
    /// A claimed value falls short of a requirement on the same metric.
    FallsShort {
        /// The requirement's name.
        requirement: String,
    },
}

impl Reason {
    /// The reason as a sentence for a page, in Chinese or English.
    pub fn describe(&self, chinese: bool) -> String {
        let industry = |code: &str| {
            crate::industry::IndustryCode::parse(code)
                .map(|c| if chinese { c.industry().name } else { c.industry().name_en })
                .unwrap_or(code)
                .to_owned()
        };
        match (self, chinese) {
            (Reason::Industry { code }, true) => format!("同属行业：{}", industry(code)),
            (Reason::Industry { code }, false) => format!("Same industry: {}", industry(code)),
            (Reason::IndustrySection { section }, true) => format!(
                "同属门类：{}",
                section.chars().next().and_then(|c| crate::industry::section_name(c, true)).unwrap_or(section)
            ),
            (Reason::IndustrySection { section }, false) => format!(
                "Same industry section: {}",
                section.chars().next().and_then(|c| crate::industry::section_name(c, false)).unwrap_or(section)
            ),
            (Reason::Scenario { code }, true) => format!("对应典型场景 {code}"),
            (Reason::Scenario { code }, false) => format!("Answers typical scenario {code}"),
            (Reason::City, true) => "同一城市".to_owned(),
            (Reason::City, false) => "Same city".to_owned(),
            (Reason::Province, true) => "同一省份".to_owned(),
            (Reason::Province, false) => "Same province".to_owned(),
            (Reason::Words { terms }, true) => format!("共同用词：{}", terms.join("、")),
            (Reason::Words { terms }, false) => format!("Shared words: {}", terms.join(", ")),
            (Reason::MeetsRequirement { requirement }, true) => format!("有证据的指标满足「{requirement}」"),
            (Reason::MeetsRequirement { requirement }, false) => format!("An evidenced value meets '{requirement}'"),
            (Reason::FallsShort { requirement }, true) => format!("指标未达「{requirement}」"),
            (Reason::FallsShort { requirement }, false) => format!("Falls short of '{requirement}'"),
        }
    }
}

/// One side ranked for the other.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Match {
    /// The score: higher is better.
    pub score: f64,
    /// Why, in the order the score counts them.
    pub reasons: Vec<Reason>,
}

/// How much each reason counts.
const INDUSTRY: f64 = 3.0;
const SECTION: f64 = 1.0;
const SCENARIO: f64 = 3.0;
const CITY: f64 = 1.0;
const PROVINCE: f64 = 0.5;
const WORDS: f64 = 4.0;
const MEETS: f64 = 2.0;
const FALLS_SHORT: f64 = -1.0;

/// How well a solution answers a demand, and why. Text relevance is the Jaccard overlap of the
/// two texts' terms ([`terms`]: Chinese character bigrams and Latin words), so that 化工 matches
/// 化工 without a dictionary.
pub fn match_score(demand: &Demand, solution: &Solution) -> Match {
    let mut reasons = Vec::new();
    let mut score = 0.0;
    let divisions: BTreeSet<&str> = solution.industries.iter().map(|i| i.code()).collect();
    let shared: Vec<&IndustryCode> = demand.industries.iter().filter(|i| divisions.contains(i.code())).collect();
    for industry in &shared {
        score += INDUSTRY;
        reasons.push(Reason::Industry { code: industry.code().to_owned() });
    }
    if shared.is_empty() {
        let sections: BTreeSet<char> = solution.industries.iter().map(|i| i.industry().section).collect();
        if let Some(section) = demand.industries.iter().map(|i| i.industry().section).find(|s| sections.contains(s)) {
            score += SECTION;
            reasons.push(Reason::IndustrySection { section: section.to_string() });
        }
    }
    if let Some(scenario) = &demand.scenario
        && solution.scenarios.contains(scenario)
    {
        score += SCENARIO;
        reasons.push(Reason::Scenario { code: scenario.clone() });
    }
    let (d, s) = (demand.region.code(), solution.region.code());
    if d.get(..4) == s.get(..4) {
        score += CITY;
        reasons.push(Reason::City);
    } else if d.get(..2) == s.get(..2) {
        score += PROVINCE;
        reasons.push(Reason::Province);
    }
    let demand_terms = terms(&format!("{} {} {}", demand.title, demand.field, demand.pain_points));
    let solution_terms = terms(&format!("{} {}", solution.title, solution.summary));
    let common: Vec<&String> = demand_terms.intersection(&solution_terms).collect();
    if !common.is_empty() {
        let union = demand_terms.union(&solution_terms).count() as f64;
        score += WORDS * common.len() as f64 / union;
        let mut shown: Vec<String> = common.iter().map(|t| (*t).clone()).collect();
        shown.sort_by(|a, b| b.chars().count().cmp(&a.chars().count()).then(a.cmp(b)));
        shown.truncate(8);
        reasons.push(Reason::Words { terms: shown });
    }
    for requirement in &demand.requirements {
        let same_metric = solution.claims.iter().filter(|c| c.indicator.expr.metric == requirement.expr.metric);
        let mut answered = false;
        let mut short = false;
        for claim in same_metric {
            if requirement.expr.op.holds(claim.value, requirement.expr.threshold) {
                answered = true;
            } else {
                short = true;
            }
        }
        if answered {
            score += MEETS;
            reasons.push(Reason::MeetsRequirement { requirement: requirement.name.clone() });
        } else if short {
            score += FALLS_SHORT;
            reasons.push(Reason::FallsShort { requirement: requirement.name.clone() });
        }
    }
    Match { score, reasons }
}

/// The terms of a text for matching: each run of Chinese characters as its overlapping bigrams
/// (a single character alone), each Latin word or number lower-cased; full-width letters and
/// digits read as their ASCII forms.
pub fn terms(text: &str) -> BTreeSet<String> {
    let normal: String = text.chars().map(crate::text::half_width).collect();
    let mut out = BTreeSet::new();
    let mut han: Vec<char> = Vec::new();
    let mut word = String::new();
    let flush_han = |han: &mut Vec<char>, out: &mut BTreeSet<String>| {
        match han.len() {
            0 => {}
            1 => {
                out.insert(han[0].to_string());
            }
            _ => out.extend(han.windows(2).map(|w| w.iter().collect::<String>())),
        }
        han.clear();
    };
    for ch in normal.chars() {
        if is_han(ch) {
            if !word.is_empty() {
                out.insert(std::mem::take(&mut word));
            }
            han.push(ch);
        } else if ch.is_alphanumeric() {
            flush_han(&mut han, &mut out);
            word.extend(ch.to_lowercase());
        } else {
            flush_han(&mut han, &mut out);
            if !word.is_empty() {
                out.insert(std::mem::take(&mut word));
            }
        }
    }
    flush_han(&mut han, &mut out);
    if !word.is_empty() {
        out.insert(word);
    }
    out
}

fn is_han(c: char) -> bool {
    matches!(c, '\u{4E00}'..='\u{9FFF}' | '\u{3400}'..='\u{4DBF}' | '\u{F900}'..='\u{FAFF}')
}

#[cfg(test)]
mod tests {
    use super::*;

    fn requirement(name: &str, metric: &str, op: &str, threshold: f64) -> IndicatorInput {
        IndicatorInput {
            name: name.into(),
            metric: metric.into(),
            op: op.into(),
            threshold: Some(threshold),
            ..IndicatorInput::default()
        }
    }

    fn demand() -> DemandInput {
        DemandInput {
            number: "JQ-D-001".into(),
            title: "化工园区危化品泄漏智能预警".into(),
            organization: "某化工集团有限公司".into(),
            demander_kind: "state_owned".into(),
            industries: vec!["26".into()],
            region: "370100".into(),
            field: "智能制造".into(),
            scenario: "IM-05-02".into(),
            pain_points: "人工巡检难以及时发现化工装置的微量泄漏。".into(),
            requirements: vec![requirement("泄漏识别召回率", "recall@0.5", ">=", 0.95)],
            offers: vec!["data".into(), "first_use".into()],
            cooperation: "buy_solution".into(),
            budget_wan: Some(300.0),
            contact_name: "王工".into(),
            contact_phone: "0531-00000000".into(),
            ..DemandInput::default()
        }
    }

    fn solution(title: &str, industry: &str, region: &str, recall: f64) -> SolutionInput {
        SolutionInput {
            title: title.into(),
            provider: "某科技有限公司".into(),
            kind: "industry_model".into(),
            industries: vec![industry.into()],
            scenarios: vec!["IM-05-02".into()],
            region: region.into(),
            summary: "基于多模态数据的化工泄漏预警大模型，端侧部署。".into(),
            claims: vec![Claim {
                indicator: requirement("召回率", "recall@0.5", ">=", 0.9),
                value: recall,
                evidence: Evidence::SignedReport { submission_id: 7 },
            }],
            deployments: vec!["edge".into()],
            contact_name: "李工".into(),
            contact_email: "li@example.cn".into(),
            ..SolutionInput::default()
        }
    }

    #[test]
    fn a_demand_reports_every_problem_at_once() {
        let bad = DemandInput {
            title: String::new(),
            demander_kind: "alien".into(),
            region: "999999".into(),
            budget_wan: Some(-1.0),
            requirements: vec![requirement("x", "accuracy", "~", 1.0)],
            contact_phone: String::new(),
            visibility: BTreeMap::from([("contact".into(), "secret".into())]),
            ..demand()
        };
        let fields: Vec<String> = bad.validate().unwrap_err().field_errors().iter().map(|e| e.field.clone()).collect();
        for field in [
            "title",
            "demander_kind",
            "region",
            "requirements[0].op",
            "budget_wan",
            "contact_phone",
            "visibility.contact",
        ] {
            assert!(fields.iter().any(|f| f == field), "{field} missing from {fields:?}");
        }
        assert!(demand().validate().is_ok());
    }

    #[test]
    fn a_field_narrower_than_the_reader_is_withheld() {
        let mut input = demand();
        input.visibility.insert("budget".into(), "registered".into());
        let demand = input.validate().unwrap();
        let public = demand.visible_to(Visibility::Public);
        assert_eq!((public.budget_wan, public.contact.is_none()), (None, true));
        assert_eq!(public.withheld, [DemandField::Budget, DemandField::Contact]);
        let registered = demand.visible_to(Visibility::Registered);
        assert_eq!((registered.budget_wan, registered.contact.is_none()), (Some(Some(300.0)), true));
        let internal = demand.visible_to(Visibility::Internal);
        assert_eq!(internal.contact.map(|c| c.name), Some("王工".into()));
        assert!(internal.withheld.is_empty());
    }

    #[test]
    fn demands_move_only_along_their_path() {
        use DemandAction as A;
        use DemandState as S;
        assert_eq!(S::Collecting.apply(A::StartMatching).unwrap(), S::Matching);
        assert_eq!(S::Matching.apply(A::Sign).unwrap(), S::Signed);
        assert_eq!(S::Signed.apply(A::Complete).unwrap(), S::Completed);
        assert!(S::Signed.apply(A::Withdraw).is_err());
        assert!(S::Closed.apply(A::Sign).is_err());
        assert!(S::Matching.is_open() && !S::Withdrawn.is_open());
    }

    #[test]
    fn an_engagement_moves_one_stage_at_a_time_and_signs_with_an_amount() {
        use EngagementStage as E;
        assert!(E::Intention.advance(E::Signed, Some(1.0), None).is_err(), "no skipping 洽谈");
        let err = E::Negotiation.advance(E::Signed, None, None).unwrap_err();
        let fields: Vec<&str> = err.field_errors().iter().map(|e| e.field.as_str()).collect();
        assert_eq!(fields, ["amount_wan", "signed_on"]);
        let day = Day::parse("d", "2026-11-30").unwrap();
        assert_eq!(E::Negotiation.advance(E::Signed, Some(120.0), Some(day)).unwrap(), E::Signed);
    }

    #[test]
    fn matching_ranks_by_industry_scenario_region_words_and_evidenced_values_with_reasons() {
        let demand = demand().validate().unwrap();
        let near = solution("化工泄漏预警大模型", "26", "370102", 0.97).validate().unwrap();
        let far = solution("化工泄漏预警大模型", "26", "440100", 0.97).validate().unwrap();
        let short = solution("化工泄漏预警大模型", "26", "370102", 0.91).validate().unwrap();
        let other = solution("纺织面料瑕疵检测", "17", "440100", 0.97).validate().unwrap();
        let (n, f, s, o) = (
            match_score(&demand, &near),
            match_score(&demand, &far),
            match_score(&demand, &short),
            match_score(&demand, &other),
        );
        assert!(
            n.score > f.score && n.score > s.score && f.score > o.score && s.score > o.score,
            "{n:?} {f:?} {s:?} {o:?}"
        );
        assert!(n.reasons.contains(&Reason::Industry { code: "26".into() }));
        assert!(n.reasons.contains(&Reason::Scenario { code: "IM-05-02".into() }));
        assert!(n.reasons.contains(&Reason::City) && f.reasons.iter().all(|r| *r != Reason::City));
        assert!(n.reasons.contains(&Reason::MeetsRequirement { requirement: "泄漏识别召回率".into() }));
        assert!(s.reasons.contains(&Reason::FallsShort { requirement: "泄漏识别召回率".into() }));
        let Some(Reason::Words { terms }) = n.reasons.iter().find(|r| matches!(r, Reason::Words { .. })) else {
            panic!("{n:?}")
        };
        assert!(terms.contains(&"化工".to_owned()) && terms.contains(&"泄漏".to_owned()), "{terms:?}");
        // Manufacturing (C) both, but different divisions: the section counts, less.
        assert!(o.reasons.contains(&Reason::IndustrySection { section: "C".into() }), "{o:?}");
    }

    #[test]
    fn terms_are_chinese_bigrams_and_latin_words_with_full_width_folded() {
        let t = terms("轴承故障 ＡＩ模型 GPU-4090，化");
        for term in ["轴承", "承故", "故障", "ai", "模型", "gpu", "4090", "化"] {
            assert!(t.contains(term), "{term} missing from {t:?}");
        }
        assert!(!t.contains("障a") && !t.contains("ＡＩ"), "{t:?}");
    }
}
