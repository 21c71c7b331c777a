//! Demo selection data: the provincial list taken through 企业申报 → 市级推荐 → 形式审查 →
//! 专家评审 and into 公示 today (with one pending objection), and a small 2026 program in
//! review where the demo expert has applications waiting to be scored.
//!
//! Everything goes through the same store operations users trigger; past steps carry the dates
//! they would have had (applications before the 2025 deadline), the publicity starts today.

use anyhow::Context;
use jiebang_core::application::{
    Action, Actor, ApplicationInput, BudgetLine, BudgetSource, Commitment, ConsortiumRole, JointUnit, TeamMember,
};
use jiebang_core::calendar::WorkCalendar;
use jiebang_core::challenge::ChallengeInput;
use jiebang_core::indicator::{Comparison, IndicatorInput};
use jiebang_core::organization::OrganizationInput;
use jiebang_core::program::{Aggregation, Day, ProgramInput, ProgramStatus, Rules, Timeline};
use jiebang_core::publicity::{FilerKind, NoticeInput, ObjectionInput};
use jiebang_core::review::ExpertInput;
use jiebang_core::review::ReviewInput;
use jiebang_core::role::{Grant, Role, Scope};
use jiebang_core::uscc::CreditCode;
use jiebang_store::{ChallengeRecord, Store};

/// Applicant units beside the four main demo organizations: (name, credit code prefix, kind, region).
const UNITS: [(&str, &str, &str, &str); 8] = [
    ("济南齐鲁化工集团有限公司（示例）", "91370100MA3DEM011", "enterprise", "370112"),
    ("青岛海川智能装备有限公司（示例）", "91370200MA3DEM012", "enterprise", "370211"),
    ("中国石油大学（华东）（示例）", "12370000MB0DEM013", "university", "370211"),
    ("烟台万联新材料股份有限公司（示例）", "91370600MA3DEM014", "enterprise", "370600"),
    ("潍坊精工机械有限公司（示例）", "91370700MA3DEM015", "enterprise", "370700"),
    ("淄博智纺科技有限公司（示例）", "91370300MA3DEM016", "enterprise", "370300"),
    ("济南铝业智造有限公司（示例）", "91370100MA3DEM017", "enterprise", "370102"),
    ("青岛工业互联网研究院（示例）", "12370200MB0DEM018", "new_rnd_institution", "370212"),
];

/// A demo application: challenge code, project, lead, joint units with roles, the panel's
/// typical total.
type Planned = (&'static str, &'static str, i64, Vec<(i64, ConsortiumRole)>, f64);

pub(super) fn day(text: &str) -> anyhow::Result<Day> {
    Day::parse("date", text).map_err(|e| anyhow::anyhow!("{e}"))
}

async fn unit(store: &Store, (name, prefix, kind, region): (&str, &str, &str, &str)) -> anyhow::Result<i64> {
    let code = CreditCode::with_check_character(prefix).map_err(|e| anyhow::anyhow!("{e}"))?;
    let input = OrganizationInput {
        name: name.into(),
        credit_code: code.to_string(),
        kind: kind.into(),
        region: region.into(),
        industries: vec![],
        ..Default::default()
    };
    Ok(store.create_organization(&input.validate()?, None).await?.id)
}

pub(super) async fn user(store: &Store, email: &str, name: &str, grant: Option<Grant>) -> anyhow::Result<i64> {
    let id = match store.find_user_by_email(email).await? {
        Some(user) => user.id,
        None => store.create_user(email, name, &super::random_password()).await?.id,
    };
    if let Some(grant) = grant {
        store.add_grant(id, &grant).await?;
    }
    Ok(id)
}

/// Commitments a little better than each indicator's target.
fn commitments(challenge: &ChallengeRecord) -> Vec<Commitment> {
    challenge
        .challenge
        .indicators
        .iter()
        .map(|ind| {
            let t = ind.expr.threshold;
            let value = match ind.expr.op {
                Comparison::AtLeast | Comparison::Above if ind.expr.metric.is_fraction() => t + (1.0 - t) * 0.4,
                Comparison::AtLeast | Comparison::Above => t * 1.2,
                Comparison::AtMost | Comparison::Below => t * 0.8,
                Comparison::Equal => t,
            };
            Commitment { indicator: ind.name.clone(), value: (value * 1e4).round() / 1e4 }
        })
        .collect()
}

pub(super) fn application(
    project: &str,
    challenge: &ChallengeRecord,
    lead: i64,
    joint: &[(i64, ConsortiumRole)],
    leader: &str,
) -> ApplicationInput {
    ApplicationInput {
        project_name: project.into(),
        lead_organization_id: lead,
        joint_units: joint
            .iter()
            .map(|(org, role)| JointUnit {
                organization_id: *org, role: *role, work: "联合攻关与示范应用".into()
            })
            .collect(),
        leader: TeamMember {
            name: leader.into(),
            title: "正高级工程师".into(),
            organization_id: lead,
            duty: "项目总体负责".into(),
        },
        team: vec![],
        budget: vec![
            BudgetLine { source: BudgetSource::SelfFunded, amount_wan: 1200.0 },
            BudgetLine { source: BudgetSource::Fiscal, amount_wan: 300.0 },
        ],
        summary: "基于行业多模态数据与工业知识库，构建行业大模型并完成轻量化部署，在试点企业开展示范应用。（示例）"
            .into(),
        commitments: commitments(challenge),
    }
}

pub(super) fn review(total: f64) -> ReviewInput {
    let maxima = [15.0, 15.0, 20.0, 15.0, 10.0, 15.0, 10.0];
    ReviewInput {
        scores: maxima.iter().map(|m: &f64| (m * total / 100.0 * 2.0).round() / 2.0).collect(),
        comment: "技术路线清晰，团队基础较好，建议加强数据安全与部署验证。（示例）".into(),
        veto: None,
    }
}

/// Loads both demo selections. `organizations` are the four main demo units (the applicant's
/// enterprise first); `shandong` is the provincial program's id. Returns every demo unit: the
/// four, then [`UNITS`].
pub(super) async fn load(
    store: &Store,
    shandong: i64,
    organizations: &[i64],
    calendar: &WorkCalendar,
) -> anyhow::Result<Vec<i64>> {
    let organizer = store.find_user_by_email("organizer@demo.jiebang.cn").await?.context("demo organizer")?.id;
    let applicant = store.find_user_by_email("applicant@demo.jiebang.cn").await?.context("demo applicant")?.id;
    let jinan = store.find_user_by_email("recommender@demo.jiebang.cn").await?.context("demo recommender")?.id;
    let expert_user = store.find_user_by_email("expert@demo.jiebang.cn").await?.context("demo expert")?.id;
    let mut units = organizations.to_vec();
    for u in UNITS {
        units.push(unit(store, u).await?);
    }
    let recommenders = [
        ("370100", jinan),
        (
            "370200",
            user(
                store,
                "qingdao@demo.jiebang.cn",
                "青岛市工信局（示例）",
                Some(Grant { role: Role::Recommender, scope: Scope::Region("370200".into()) }),
            )
            .await?,
        ),
        (
            "370600",
            user(
                store,
                "yantai@demo.jiebang.cn",
                "烟台市工信局（示例）",
                Some(Grant { role: Role::Recommender, scope: Scope::Region("370600".into()) }),
            )
            .await?,
        ),
        (
            "370700",
            user(
                store,
                "weifang@demo.jiebang.cn",
                "潍坊市工信局（示例）",
                Some(Grant { role: Role::Recommender, scope: Scope::Region("370700".into()) }),
            )
            .await?,
        ),
        (
            "370300",
            user(
                store,
                "zibo@demo.jiebang.cn",
                "淄博市工信局（示例）",
                Some(Grant { role: Role::Recommender, scope: Scope::Region("370300".into()) }),
            )
            .await?,
        ),
    ];
    let mut experts = vec![
        store
            .create_expert(
                &ExpertInput {
                    user_id: expert_user,
                    name: "演示专家".into(),
                    title: "教授".into(),
                    fields: "工业智能、机器学习".into(),
                    current_organizations: vec![organizations[2]],
                    past_organizations: vec![],
                },
                None,
            )
            .await?
            .id,
    ];
    for (i, (name, field)) in [
        ("刘教授", "化工过程控制"),
        ("陈研究员", "智能装备"),
        ("赵高工", "工业软件"),
        ("孙教授", "计算机视觉"),
        ("周研究员", "数据治理"),
        ("吴教授", "材料工程"),
    ]
    .into_iter()
    .enumerate()
    {
        let uid = user(store, &format!("expert{}@demo.jiebang.cn", i + 1), name, None).await?;
        let input = ExpertInput {
            user_id: uid,
            name: name.into(),
            title: "正高级".into(),
            fields: field.into(),
            current_organizations: vec![],
            past_organizations: vec![],
        };
        experts.push(store.create_expert(&input, None).await?.id);
    }

    // The provincial list: applications in June 2025, recommendations in July.
    let challenges = store.all_challenges(shandong).await?;
    let by_code = |code: &str| {
        challenges.iter().find(|c| c.challenge.code == code).cloned().with_context(|| format!("demo challenge {code}"))
    };
    let u = &units;
    let plan: [Planned; 8] = [
        ("SD25-01", "云鼎化工行业大模型", u[0], vec![(u[2], ConsortiumRole::Academia)], 88.0),
        ("SD25-01", "齐鲁化工安全生产大模型", u[4], vec![(u[6], ConsortiumRole::Academia)], 82.0),
        ("SD25-03", "青岛轮胎外观缺陷检测大模型", u[3], vec![(u[5], ConsortiumRole::Industry)], 86.0),
        ("SD25-05", "智纺面料瑕疵检测大模型", u[9], vec![], 80.0),
        ("SD25-06", "万联高炉炉况预测大模型", u[7], vec![(u[11], ConsortiumRole::Research)], 84.0),
        ("SD25-07", "济铝电解能耗优化大模型", u[10], vec![(u[1], ConsortiumRole::Research)], 85.0),
        ("SD25-08", "精工工程机械健康管理大模型", u[8], vec![], 78.0),
        ("SD25-08", "海智装备预测性维护大模型", u[11], vec![(u[3], ConsortiumRole::User)], 74.0),
    ];
    let applied = day("2025-06-20")?;
    let mut ids = Vec::new();
    for (code, project, lead, joint, _) in &plan {
        let challenge = by_code(code)?;
        let a = store
            .create_application(
                challenge.id,
                &application(project, &challenge, *lead, joint, "王工"),
                applicant,
                applied,
            )
            .await?;
        store
            .act_on_application(a.id, Action::Submit, Actor::Applicant, "", applicant, None, day("2025-07-10")?)
            .await?;
        for (unit, _) in joint {
            store.answer_place(a.id, *unit, true, "", applicant).await?;
        }
        let region = store.get_application(a.id).await?.region_code;
        let (scope, recommender) = recommenders
            .iter()
            .find(|(scope, _)| jiebang_core::region::covers(scope, &region))
            .context("demo recommender for region")?;
        store
            .act_on_application(
                a.id,
                Action::Recommend,
                Actor::Recommender,
                "",
                *recommender,
                Some(scope),
                day("2025-07-25")?,
            )
            .await?;
        store
            .act_on_application(a.id, Action::PassCheck, Actor::Organizer, "", organizer, None, day("2025-08-05")?)
            .await?;
        ids.push(a.id);
    }
    store.transition_program(shandong, ProgramStatus::ApplicationsClosed, Some(organizer)).await?;
    store.transition_program(shandong, ProgramStatus::UnderReview, Some(organizer)).await?;
    store.draw_experts(shandong, Some(2025), organizer).await?;
    for ((.., score), id) in plan.iter().zip(&ids) {
        for (k, assignment) in store.application_assignments(*id).await?.into_iter().enumerate() {
            let spread = [0.0, 2.0, -2.0, 4.0, -3.0][k % 5];
            store.submit_review(*id, assignment.expert_id, &review(score + spread)).await?;
        }
    }
    store.rank_program(shandong, 0.0, &Default::default(), organizer).await?;
    let notice = NoticeInput {
        legal_basis: "根据《关于组织开展2025年工业领域行业大模型“揭榜挂帅”攻关项目申报工作的通知》（示例）".into(),
        process: String::new(),
        contact: "山东省工业和信息化厅（示例）信息化推进处，电话 0531-00000000，邮箱 demo@example.cn".into(),
    };
    let today = jiebang_store::today();
    store.publish_publicity(shandong, &notice, calendar, today, organizer).await?;
    let citizen = user(store, "citizen@demo.jiebang.cn", "公众（示例）", None).await?;
    let objection = ObjectionInput {
        application_id: ids[2],
        filer_kind: FilerKind::Individual,
        filer_name: "李某（示例）".into(),
        contact: "13800000000".into(),
        content: "反映该项目检测精确率承诺缺少第三方测试依据，请予核查。（示例）".into(),
        sealed: false,
    };
    if let Err(e) = store.file_objection(shandong, &objection, citizen, today).await {
        tracing::warn!(error = %e, "demo objection not filed");
    }

    // A 2026 program in review: the demo expert has two applications to score.
    let mut rules = Rules {
        recommendation_required: false,
        experts_per_application: 3,
        aggregation: Aggregation::TrimmedMean,
        ..Rules::default()
    };
    rules.max_applications_per_org = 3;
    let input = ProgramInput {
        title: "2026年“人工智能+制造”揭榜挂帅专项（示例）".into(),
        issuer: "山东省工业和信息化厅（示例）".into(),
        year: 2026,
        description: "面向轻量化部署的工业大模型专项，评审进行中。本批次为示例数据。".into(),
        rules,
        timeline: Timeline::default(),
    };
    let program = store.create_program(input, None, true).await?;
    store.add_program_organizer(program.id, organizer).await?;
    let indicator = |name: &str, metric: &str, op: &str, threshold: f64| IndicatorInput {
        name: name.into(),
        metric: metric.into(),
        op: op.into(),
        threshold: Some(threshold),
        ..IndicatorInput::default()
    };
    let specs = [
        (
            "AIM26-01",
            "轴承故障诊断轻量化模型",
            "34",
            vec![
                indicator("故障识别F1值", "f1@0.5", ">=", 0.92),
                indicator("单次推理时延", "latency_p99_ms", "<=", 10.0),
            ],
        ),
        (
            "AIM26-02",
            "焊缝缺陷检测边缘模型",
            "34",
            vec![indicator("检出召回率", "recall@0.5", ">=", 0.9), indicator("模型大小", "model_size_mb", "<=", 20.0)],
        ),
    ];
    let mut waiting = Vec::new();
    for (code, title, industry, indicators) in specs {
        let challenge = ChallengeInput {
            code: code.into(),
            title: title.into(),
            direction: "人工智能+制造".into(),
            sub_field: "智能装备".into(),
            task_class: "重点产品".into(),
            industries: vec![industry.into()],
            region: "370000".into(),
            scenario: "产线边缘侧实时检测".into(),
            indicators,
            winners: Some(1),
            ..ChallengeInput::default()
        }
        .validate()?;
        waiting.push(store.create_challenge(program.id, &challenge, None).await?);
    }
    store.transition_program(program.id, ProgramStatus::Published, None).await?;
    let now = today;
    let entries = [(0, "云鼎轴承诊断轻量化模型", u[0]), (1, "潍坊精工焊缝检测模型", u[8])];
    for (challenge, project, lead) in entries {
        let c = &waiting[challenge];
        let a = store.create_application(c.id, &application(project, c, lead, &[], "张工"), applicant, now).await?;
        store.act_on_application(a.id, Action::Submit, Actor::Applicant, "", applicant, None, now).await?;
        store.act_on_application(a.id, Action::PassCheck, Actor::Organizer, "", organizer, None, now).await?;
    }
    store.transition_program(program.id, ProgramStatus::ApplicationsClosed, None).await?;
    store.transition_program(program.id, ProgramStatus::UnderReview, None).await?;
    let in_review = store.list_applications(program.id, &Default::default()).await?;
    for a in &in_review {
        for expert in [experts[0], experts[2], experts[3]] {
            store.assign_expert(a.id, expert, organizer).await?;
        }
        for expert in [experts[2], experts[3]] {
            store.submit_review(a.id, expert, &review(83.0)).await?;
        }
    }
    Ok(units)
}
