//! The PDF 申报书: an application laid out as the paper filed for 盖章 — a cover, the units,
//! the team, the budget, the indicator commitments and the summary — with the submitted
//! snapshot's SHA-256 at the foot of every page, so a printed copy can be matched to the record.
//! It is written in Chinese whatever the page's language: it is filed with Chinese authorities.

use std::sync::OnceLock;

use jiebang_pdf::{Block, PrintDocument, Printer};

use crate::AppState;
use crate::app::access::visible_application;
use crate::auth::Viewer;
use crate::error::ApiError;

/// The font, read once; an error says what to install.
fn printer() -> Result<&'static Printer, ApiError> {
    static PRINTER: OnceLock<Result<Printer, String>> = OnceLock::new();
    PRINTER
        .get_or_init(|| Printer::from_system().map_err(|e| e.to_string()))
        .as_ref()
        .map_err(|e| ApiError::Unavailable(e.clone()))
}

/// The application as a PDF, for everyone who may read it; its file name.
pub(crate) async fn application_pdf(state: &AppState, viewer: &Viewer, id: i64) -> Result<(String, Vec<u8>), ApiError> {
    let (application, _) = visible_application(state, viewer, id).await?;
    let challenge = state.store.get_challenge(application.challenge_id).await?;
    let program = state.store.get_program(application.program_id).await?;
    let input = &application.input;
    let mut ids = input.organization_ids();
    ids.extend(input.team.iter().map(|m| m.organization_id));
    ids.push(input.leader.organization_id);
    let units = state.store.organizations_by_id(&ids).await?;
    let unit_name = |id: i64| units.get(&id).map_or_else(|| format!("单位 {id}"), |o| o.name.clone());
    let unit_code = |id: i64| units.get(&id).map(|o| o.credit_code.clone()).unwrap_or_default();
    let files = state.store.application_files(id).await?;

    let mut unit_rows = vec![vec![
        unit_name(input.lead_organization_id),
        unit_code(input.lead_organization_id),
        "牵头单位".to_owned(),
        input.leader.duty.clone(),
    ]];
    unit_rows.extend(input.joint_units.iter().map(|u| {
        vec![unit_name(u.organization_id), unit_code(u.organization_id), u.role.label_zh().to_owned(), u.work.clone()]
    }));
    let team_rows = std::iter::once(&input.leader)
        .chain(&input.team)
        .enumerate()
        .map(|(i, m)| {
            let role = if i == 0 { "项目负责人" } else { "成员" };
            vec![m.name.clone(), m.title.clone(), unit_name(m.organization_id), role.to_owned(), m.duty.clone()]
        })
        .collect();
    let mut budget_rows: Vec<Vec<String>> =
        input.budget.iter().map(|b| vec![b.source.label_zh().to_owned(), format!("{}", b.amount_wan)]).collect();
    budget_rows.push(vec!["合计".into(), format!("{}", input.budget_total())]);
    let indicators = &challenge.challenge.indicators;
    let commitment_rows = input
        .commitments
        .iter()
        .enumerate()
        .map(|(i, c)| {
            let target = indicators
                .get(i)
                .map(|ind| format!("{}{}", ind.expr.op.display_symbol(), ind.expr.threshold))
                .unwrap_or_default();
            vec![c.indicator.clone(), target, c.value.to_string()]
        })
        .collect();
    let submitted = application.submitted_at.as_deref().map(crate::i18n::cst).unwrap_or_else(|| "未提交".into());
    let footer = match &application.snapshot_sha256 {
        Some(sha) => format!("{} · 申报快照 SHA-256 {sha}", input.project_name),
        None => format!("{} · 草稿，未提交，无申报快照", input.project_name),
    };
    let mut blocks = vec![
        Block::Heading("一、申报单位".into()),
        Block::Table {
            columns: vec![
                ("单位名称".into(), 3.0),
                ("统一社会信用代码".into(), 2.4),
                ("角色".into(), 1.2),
                ("分工".into(), 2.6),
            ],
            rows: unit_rows,
        },
        Block::Heading("二、项目团队".into()),
        Block::Table {
            columns: vec![
                ("姓名".into(), 1.2),
                ("职称".into(), 1.2),
                ("工作单位".into(), 2.6),
                ("角色".into(), 1.2),
                ("分工".into(), 2.4),
            ],
            rows: team_rows,
        },
        Block::Heading("三、经费预算（万元）".into()),
        Block::Table { columns: vec![("来源".into(), 2.0), ("金额".into(), 1.0)], rows: budget_rows },
        Block::Heading("四、指标承诺".into()),
        Block::Paragraph("以下指标为揭榜时承诺、验收时按榜单测评方法逐项测试的指标。".into()),
        Block::Table {
            columns: vec![("指标".into(), 3.0), ("榜单目标".into(), 1.2), ("承诺值".into(), 1.2)],
            rows: commitment_rows,
        },
        Block::Heading("五、项目摘要".into()),
        Block::Paragraph(input.summary.clone()),
    ];
    if !files.is_empty() {
        blocks.push(Block::Heading("六、附件".into()));
        blocks.push(Block::Table {
            columns: vec![("文件".into(), 2.0), ("SHA-256".into(), 3.0)],
            rows: files.iter().map(|f| vec![f.name.clone(), f.sha256.clone()]).collect(),
        });
    }
    if let Some(sha) = &application.snapshot_sha256 {
        blocks.push(Block::Heading("申报快照".into()));
        blocks.push(Block::Paragraph(format!(
            "本申报书按提交时的申报快照生成。快照 SHA-256：{sha}。平台上的快照可通过 /api/v1/applications/{id}/snapshot?signed=true 下载并用平台公钥校验签名，与本页脚所印哈希一致即为同一份申报。"
        )));
    }
    let document = PrintDocument {
        title: "揭榜挂帅项目申报书".into(),
        cover: vec![
            format!("项目名称：{}", input.project_name),
            format!("揭榜任务：{} {}", challenge.challenge.code, challenge.challenge.title),
            format!("牵头单位：{}", unit_name(input.lead_organization_id)),
            format!("所属批次：{}", program.title),
            format!("发榜方：{}", program.issuer),
            format!("申报状态：{}", application.state.label_zh()),
            format!("提交时间：{submitted}"),
        ],
        blocks,
        footer,
        page_label: "第 {} 页，共 {} 页".into(),
    };
    let printer = printer()?;
    let bytes = tokio::task::spawn_blocking(move || jiebang_pdf::render(printer, &document))
        .await
        .map_err(|e| ApiError::Internal(e.to_string()))?
        .map_err(|e| ApiError::Internal(e.to_string()))?;
    Ok((format!("申报书-{id}.pdf"), bytes))
}

/// A matchmaking event's printed booklet (对接会手册): a cover with the event, then each demand and
/// each solution with what the public may read of it — it is handed out to anyone at the fair.
/// In Chinese, as the fair is held.
pub(crate) async fn event_booklet(state: &AppState, id: i64) -> Result<(String, Vec<u8>), ApiError> {
    let anonymous = Viewer(None);
    let view = crate::app::catalogue::event(state, &anonymous, id).await?;
    let event = &view.event;
    let mut blocks = vec![Block::Heading(format!("一、场景需求（{} 项）", view.demands.len()))];
    for (n, entry) in view.demands.iter().enumerate() {
        let d = &entry.demand;
        blocks.push(Block::Heading(format!("{}. {}（{}）", n + 1, d.title, d.number)));
        let mut fields = vec![
            ("需求单位".to_owned(), d.organization.clone().unwrap_or_default()),
            (
                "所属行业".to_owned(),
                d.industries
                    .iter()
                    .filter_map(|c| jiebang_core::industry::IndustryCode::parse(c).ok())
                    .map(|c| c.industry().name)
                    .collect::<Vec<_>>()
                    .join("、"),
            ),
            (
                "所在地区".to_owned(),
                jiebang_core::region::RegionCode::parse(&d.region)
                    .map(|r| r.region().name.to_owned())
                    .unwrap_or_default(),
            ),
            ("合作方式".to_owned(), d.cooperation.label_zh().to_owned()),
        ];
        if let Some(scenario) = &d.scenario {
            fields.push(("典型场景".to_owned(), scenario.clone()));
        }
        blocks.push(Block::Fields(fields));
        if let Some(pain) = &d.pain_points {
            blocks.push(Block::Paragraph(pain.clone()));
        }
        if let Some(requirements) = d.requirements.as_ref().filter(|r| !r.is_empty()) {
            blocks.push(Block::Table {
                columns: vec![("技术指标".into(), 2.0), ("要求".into(), 1.0)],
                rows: requirements.iter().map(|i| vec![i.name.clone(), i.expr.to_string()]).collect(),
            });
        }
    }
    blocks.push(Block::PageBreak);
    blocks.push(Block::Heading(format!("二、解决方案（{} 项）", view.solutions.len())));
    for (n, entry) in view.solutions.iter().enumerate() {
        let s = &entry.record.solution;
        blocks.push(Block::Heading(format!("{}. {}", n + 1, s.title)));
        blocks.push(Block::Fields(vec![
            ("供给方".to_owned(), s.provider.clone()),
            ("类型".to_owned(), s.kind.label_zh().to_owned()),
            ("所在地区".to_owned(), s.region.region().name.to_owned()),
            ("部署方式".to_owned(), s.deployments.iter().map(|d| d.label_zh()).collect::<Vec<_>>().join("、")),
        ]));
        blocks.push(Block::Paragraph(s.summary.clone()));
        if !s.claims.is_empty() {
            blocks.push(Block::Table {
                columns: vec![("指标".into(), 2.0), ("实测值".into(), 1.0), ("证据".into(), 2.0)],
                rows: s
                    .claims
                    .iter()
                    .map(|c| {
                        let evidence = match &c.evidence {
                            jiebang_core::catalogue::Evidence::SignedReport { submission_id } => {
                                format!("平台签名测评报告（提交 {submission_id}）")
                            }
                            jiebang_core::catalogue::Evidence::LabReport { lab, tested_on, .. } => {
                                format!("{lab}，{tested_on}")
                            }
                        };
                        vec![c.indicator.name.clone(), c.value.to_string(), evidence]
                    })
                    .collect(),
            });
        }
    }
    let document = PrintDocument {
        title: event.name.clone(),
        cover: vec![
            format!("举办日期：{}", event.held_on),
            format!("举办城市：{}", event.region.region().name),
            format!("地点：{}", event.venue),
            format!("主办单位：{}", event.host),
            format!("场景需求 {} 项 · 解决方案 {} 项", view.demands.len(), view.solutions.len()),
        ],
        blocks,
        footer: format!("{} · 对接会手册", event.name),
        page_label: "第 {} 页，共 {} 页".into(),
    };
    let printer = printer()?;
    let bytes = tokio::task::spawn_blocking(move || jiebang_pdf::render(printer, &document))
        .await
        .map_err(|e| ApiError::Internal(e.to_string()))?
        .map_err(|e| ApiError::Internal(e.to_string()))?;
    Ok((format!("对接会手册-{id}.pdf"), bytes))
}
