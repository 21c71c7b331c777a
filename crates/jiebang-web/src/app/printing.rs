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
