//! The demo's supply–demand catalogue (百企百景, clearly demo data): the 60 demands and 60
//! solutions of `catalogue.tsv` across two dozen industries and a dozen Shandong cities, a
//! matchmaking fair's engagements — some signed, one carried through to acceptance — and one
//! demand promoted into a challenge of the national list that is open for applications; and the
//! cards of the demo's datasets, and typical cases under the guide's scenarios.

use anyhow::Context;
use jiebang_core::catalogue::{Channel, Claim, DemandInput, EngagementStage, Evidence, MatchEventInput, SolutionInput};
use jiebang_core::dataset_card::{Compliance, DataSource, DatasetCardInput, Labelling, QualityScore};
use jiebang_core::indicator::IndicatorInput;
use jiebang_core::program::Day;
use jiebang_core::scenario::TypicalCaseInput;
use jiebang_store::{FileStore, Store};

const CATALOGUE: &str = include_str!("catalogue.tsv");

fn indicator(spec: &str) -> Option<(IndicatorInput, Option<f64>)> {
    let parts: Vec<&str> = spec.split('|').collect();
    let [name, metric, op, threshold, rest @ ..] = parts.as_slice() else {
        return None;
    };
    let input = IndicatorInput {
        name: (*name).into(),
        metric: (*metric).into(),
        op: (*op).into(),
        threshold: threshold.parse().ok(),
        ..IndicatorInput::default()
    };
    Some((input, rest.first().and_then(|v| v.parse().ok())))
}

fn list(text: &str) -> Vec<String> {
    text.split(',').map(str::trim).filter(|s| !s.is_empty()).map(str::to_owned).collect()
}

fn demand(fields: &[&str], today: Day) -> anyhow::Result<DemandInput> {
    let [
        number,
        organization,
        kind,
        industry,
        region,
        title,
        field,
        pain,
        requirement,
        cooperation,
        budget,
        scenario,
        offers,
    ] = fields
    else {
        anyhow::bail!("demo demand: {} columns", fields.len());
    };
    Ok(DemandInput {
        number: (*number).into(),
        title: (*title).into(),
        organization: (*organization).into(),
        demander_kind: (*kind).into(),
        industries: vec![(*industry).into()],
        region: (*region).into(),
        field: (*field).into(),
        scenario: (*scenario).into(),
        pain_points: (*pain).into(),
        requirements: indicator(requirement).map(|(i, _)| i).into_iter().collect(),
        offers: list(offers),
        cooperation: (*cooperation).into(),
        budget_wan: budget.parse().ok(),
        published_on: Some(today.plus_days(-30)),
        deadline: Some(today.plus_days(60)),
        contact_name: "示例联系人".into(),
        contact_phone: "0531-00000000".into(),
        // The budget to those signed in, as many catalogues publish it.
        visibility: [("budget".to_owned(), "registered".to_owned())].into(),
        ..DemandInput::default()
    })
}

fn solution(fields: &[&str], evidence: &Evidence) -> anyhow::Result<SolutionInput> {
    let [provider, industry, region, kind, title, summary, claim, deployments, from, to, scenario @ ..] = fields else {
        anyhow::bail!("demo solution: {} columns", fields.len());
    };
    let claims = indicator(claim)
        .and_then(|(indicator, value)| Some(Claim { indicator, value: value?, evidence: evidence.clone() }))
        .into_iter()
        .collect();
    Ok(SolutionInput {
        title: (*title).into(),
        provider: (*provider).into(),
        kind: (*kind).into(),
        industries: vec![(*industry).into()],
        scenarios: scenario.iter().filter(|s| !s.is_empty()).map(|s| (*s).to_owned()).collect(),
        region: (*region).into(),
        summary: (*summary).into(),
        claims,
        deployments: list(deployments),
        price_from_wan: from.parse().ok(),
        price_to_wan: to.parse().ok(),
        contact_name: "示例联系人".into(),
        contact_email: "contact@demo.jiebang.cn".into(),
        ..SolutionInput::default()
    })
}

/// (demand number, solution title, the stage the fair's engagement reached, amount 万元).
const FAIR: &[(&str, &str, EngagementStage, Option<f64>)] = &[
    ("JQ-D-001", "危化品泄漏视频智能预警方案", EngagementStage::Accepted, Some(180.0)),
    ("JQ-D-006", "带钢表面缺陷检测系统", EngagementStage::Implementing, Some(320.0)),
    ("JQ-D-011", "布匹瑕疵检测一体机", EngagementStage::Signed, Some(96.0)),
    ("JQ-D-021", "电网负荷预测大模型", EngagementStage::Signed, Some(240.0)),
    ("JQ-D-041", "集装箱码头智能调度系统", EngagementStage::Signed, Some(450.0)),
    ("JQ-D-016", "汽车制造质量大模型", EngagementStage::Negotiation, None),
    ("JQ-D-026", "泵组预测性维护平台", EngagementStage::Negotiation, None),
    ("JQ-D-046", "设施蔬菜病虫害识别系统", EngagementStage::Intention, None),
    ("JQ-D-052", "家电售后服务大模型", EngagementStage::Intention, None),
    ("JQ-D-003", "化工安全生产大模型", EngagementStage::Intention, None),
];

/// Loads the catalogue; `open_program` is the list a demand is promoted into.
pub(super) async fn load(
    store: &Store,
    files: &FileStore,
    programs: &[i64],
    organizer: i64,
    today: Day,
) -> anyhow::Result<()> {
    let open_program = programs[1];
    let report = "%PDF-1.4\n% 示例第三方检测报告\n".as_bytes().to_vec();
    let file = store.save_file(files, "示例第三方检测报告.pdf", report, Some(organizer)).await?;
    let evidence =
        Evidence::LabReport {
            file_id: file.id, lab: "示例·山东某检测中心".into(), tested_on: today.plus_days(-90)
        };
    let mut demands = Vec::new();
    let mut solutions = Vec::new();
    for (n, line) in CATALOGUE.lines().enumerate().filter(|(_, l)| !l.starts_with('#') && !l.trim().is_empty()) {
        let fields: Vec<&str> = line.split('\t').collect();
        let context = || format!("catalogue.tsv line {}", n + 1);
        match fields[0] {
            "D" => {
                let input = demand(&fields[1..], today).with_context(context)?;
                demands.push(store.create_demand(&input, None, Some(organizer)).await.with_context(context)?);
            }
            "S" => {
                let input = solution(&fields[1..], &evidence).with_context(context)?;
                solutions.push(store.create_solution(&input, None, None, Some(organizer)).await.with_context(context)?);
            }
            other => anyhow::bail!("{}: unknown kind {other}", context()),
        }
    }
    // The fair presents its demands and solutions first; the talks there follow.
    let fair = MatchEventInput {
        name: "2026年济青先导区“百企百景”供需对接会（示例）".into(),
        held_on: Some(today.plus_days(-30)),
        region: "370200".into(),
        venue: "青岛国际会展中心（示例）".into(),
        host: "示例·济青先导区建设推进办公室".into(),
    };
    let event = store.create_match_event(&fair, organizer).await?;
    let shown_demands: Vec<i64> = demands.iter().take(30).map(|d| d.id).collect();
    let shown_solutions: Vec<i64> = solutions.iter().take(30).map(|s| s.id).collect();
    let mut extra_demands = Vec::new();
    let mut extra_solutions = Vec::new();
    for (number, title, ..) in FAIR {
        let demand = demands.iter().find(|d| d.demand.number == *number).context(*number)?;
        let solution = solutions.iter().find(|s| s.solution.title == *title).context(*title)?;
        extra_demands.push(demand.id);
        extra_solutions.push(solution.id);
    }
    store
        .add_to_match_event(
            event.id,
            &[shown_demands, extra_demands].concat(),
            &[shown_solutions, extra_solutions].concat(),
            organizer,
        )
        .await?;
    for (number, title, reached, amount) in FAIR {
        let demand = demands.iter().find(|d| d.demand.number == *number).context(*number)?;
        let solution = solutions.iter().find(|s| s.solution.title == *title).context(*title)?;
        let engagement = store
            .record_engagement(demand.id, solution.id, Channel::Fair, "2026年济青先导区供需对接会（示例）", organizer)
            .await?;
        let mut stage = EngagementStage::Intention;
        while stage != *reached {
            let next = stage.next().context("a later stage")?;
            let signing = next == EngagementStage::Signed;
            let (amount, day) = if signing { (*amount, Some(today.plus_days(-20))) } else { (None, None) };
            store.advance_engagement(engagement.id, next, amount, day, organizer).await?;
            stage = next;
        }
    }
    // A demand becomes a challenge on a list open for applications.
    let promoted = demands.iter().find(|d| d.demand.number == "JQ-D-022").context("JQ-D-022")?;
    store.promote_demand(promoted.id, open_program, "NAT25-JQ22", organizer).await?;
    dataset_cards(store, programs, organizer).await?;
    typical_cases(store, organizer).await
}

/// Typical cases filed under the guide's scenarios, written for the demo.
async fn typical_cases(store: &Store, organizer: i64) -> anyhow::Result<()> {
    let cases = [
        (
            "ZNZZ-2025-20",
            "热轧带钢表面缺陷在线识别（示例）",
            "示例·日照钢铁控股",
            "371100",
            "31",
            "线阵相机与深度学习模型在线识别 12 类表面缺陷，替代人工目检。",
            "缺陷漏检率由 3.2% 降至 0.6%。",
        ),
        (
            "ZNZZ-2025-24",
            "风电机组轴承预测性维护（示例）",
            "示例·华电青岛发电",
            "370200",
            "44",
            "主轴与齿轮箱轴承振动在线监测，故障提前 7 天预警。",
            "非计划停机减少 35%。",
        ),
        (
            "ZNZZ-2025-17",
            "反应釜工艺参数智能寻优（示例）",
            "示例·齐鲁石化科技",
            "370500",
            "26",
            "机理与数据融合模型给出温度、压力设定建议。",
            "收率提升 1.8 个百分点。",
        ),
        (
            "ZNZZ-2025-31",
            "化工园区泄漏视频预警（示例）",
            "示例·鲁中化工集团",
            "370300",
            "26",
            "红外与可见光双模态识别储罐区微量泄漏。",
            "泄漏发现时间由 40 分钟缩短到 3 分钟。",
        ),
        (
            "ZNZZ-2025-27",
            "集装箱码头智能调度（示例）",
            "示例·青岛港集团",
            "370200",
            "55",
            "岸桥、场桥与集卡协同调度。",
            "船舶在港时间缩短 12%。",
        ),
        (
            "ZNZZ-2025-03",
            "发动机装配线数字孪生（示例）",
            "示例·潍坊动力总成",
            "370700",
            "34",
            "产线三维孪生与虚拟调试。",
            "换型调试周期缩短 40%。",
        ),
    ];
    for (scenario, title, organization, region, industry, summary, results) in cases {
        let input = TypicalCaseInput {
            title: title.into(),
            organization: organization.into(),
            region: region.into(),
            industries: vec![industry.into()],
            scenario: scenario.into(),
            year: Some(2025),
            summary: summary.into(),
            results: results.into(),
        };
        store.create_typical_case(&input, organizer).await?;
    }
    Ok(())
}

fn source(name: &str, licence: &str) -> DataSource {
    DataSource { name: name.into(), licence: licence.into() }
}

/// Cards for the demo challenges' evaluation datasets (their hidden labels held for evaluation
/// only) and for three datasets of the catalogue.
async fn dataset_cards(store: &Store, programs: &[i64], organizer: i64) -> anyhow::Result<()> {
    let labelling = Labelling {
        roles: vec!["标注员".into(), "审核员".into(), "验收方".into()],
        method: "人工标注，双人背靠背，分歧由审核员裁定".into(),
        acceptance_sampling: "按批抽检 10%，合格率不低于 98%".into(),
    };
    let compliance = Compliance {
        personal_information: "不含个人信息".into(),
        copyright: "建设单位所有，授权平台评测使用".into(),
        content_safety: "全量机审，抽检 5% 人审，未发现违规内容".into(),
    };
    let quality = |accuracy: f64| {
        vec![
            QualityScore { dimension: "完整性".into(), score: 0.99 },
            QualityScore { dimension: "准确性".into(), score: accuracy },
            QualityScore { dimension: "一致性".into(), score: 0.97 },
        ]
    };
    for program in programs {
        for challenge in store.all_challenges(*program).await? {
            for version in store.list_dataset_versions(challenge.id).await? {
                let text = challenge.challenge.title.contains("化工");
                let card = DatasetCardInput {
                    name: format!("{}评测数据集（示例）", challenge.challenge.title),
                    version: format!("v{}", version.version),
                    builder: "示例·山东省人工智能产品检验检测中心".into(),
                    summary: "榜单任务的评测数据：公开部分供开发，隐藏部分只在平台上评测，不提供下载。".into(),
                    industries: challenge.challenge.industries.iter().map(|i| i.code().to_owned()).collect(),
                    modality: if text { "text" } else { "time_series" }.into(),
                    stage: "evaluation".into(),
                    records: 2_000,
                    schema: version.files.iter().map(|f| f.name.clone()).collect::<Vec<_>>().join("、"),
                    sources: vec![source("示例企业生产现场采集", "仅限本批次揭榜挂帅评测")],
                    labelling: labelling.clone(),
                    quality: quality(0.98),
                    compliance: compliance.clone(),
                    access: "evaluation_only".into(),
                    ..DatasetCardInput::default()
                };
                store.create_dataset_card(&card, Some(version.id), Some(organizer)).await?;
            }
        }
    }
    let catalogue = [
        (
            "纺织面料瑕疵图像数据集（示例）",
            "17",
            "image",
            "pretraining",
            120_000,
            "open",
            "CC BY 4.0",
            vec!["破洞", "断经", "油污", "色差"],
        ),
        (
            "电网负荷时序数据集（示例）",
            "44",
            "time_series",
            "evaluation",
            350_400,
            "conditional",
            "申请使用，签署数据使用协议",
            vec![],
        ),
        (
            "化工安全规程指令微调数据集（示例）",
            "26",
            "text",
            "instruction_tuning",
            86_000,
            "conditional",
            "申请使用，仅限研究与揭榜攻关",
            vec![],
        ),
    ];
    for (name, industry, modality, stage, records, access, licence, labels) in catalogue {
        let card = DatasetCardInput {
            name: name.into(),
            version: "v1.0".into(),
            builder: "示例·济南市人工智能数据标注基地".into(),
            summary: "“人工智能+制造”高质量行业数据集（示例数据）。".into(),
            industries: vec![industry.into()],
            modality: modality.into(),
            stage: stage.into(),
            records,
            labels: labels.into_iter().map(str::to_owned).collect(),
            sources: vec![source("示例企业授权数据", licence)],
            labelling: labelling.clone(),
            quality: quality(0.96),
            compliance: compliance.clone(),
            access: access.into(),
            lineage: vec!["原始采集数据 2025-06".into()],
            ..DatasetCardInput::default()
        };
        store.create_dataset_card(&card, None, Some(organizer)).await?;
    }
    Ok(())
}
