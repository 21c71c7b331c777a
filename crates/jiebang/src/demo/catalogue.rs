//! The demo's supply–demand catalogue (百企百景, clearly demo data): the 60 demands and 60
//! solutions of `catalogue.tsv` across two dozen industries and a dozen Shandong cities, a
//! matchmaking fair's engagements — some signed, one carried through to acceptance — and one
//! demand promoted into a challenge of the national list that is open for applications.

use anyhow::Context;
use jiebang_core::catalogue::{Channel, Claim, DemandInput, EngagementStage, Evidence, SolutionInput};
use jiebang_core::indicator::IndicatorInput;
use jiebang_core::program::Day;
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
    open_program: i64,
    organizer: i64,
    today: Day,
) -> anyhow::Result<()> {
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
    Ok(())
}
