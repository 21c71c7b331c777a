//! The supply–demand catalogue as spreadsheets: demands and solutions read from the sheets
//! organizers already keep (Chinese headers; `.xlsx`, or `.csv` in UTF-8 or GBK), each row
//! validated by the core as a form would be, every bad cell reported by row and header and
//! nothing returned unless all rows are good; and written back with the same headers, so an
//! export re-imports.
//!
//! Solutions' claimed values are not read from sheets: each needs its evidence (a signed report
//! or an attached lab report), which a form or the API attaches.

use std::collections::HashMap;

use jiebang_core::catalogue::{DemandInput, DemandView, Solution, SolutionInput};
use jiebang_core::program::Day;

use crate::read::{first_token, parse_indicator_cell, read_table};
use crate::write::{TableCell, write_table_xlsx};
use crate::{RowError, SheetError};

/// One column: its header, the other headers people write for it, and the input field it fills.
struct Column {
    header: &'static str,
    aliases: &'static [&'static str],
    field: &'static str,
}

const fn column(header: &'static str, aliases: &'static [&'static str], field: &'static str) -> Column {
    Column { header, aliases, field }
}

/// The demand sheet's columns, in the order an export writes them.
const DEMAND_COLUMNS: &[Column] = &[
    column("需求编号", &["编号", "序号"], "number"),
    column("需求名称", &["场景名称", "名称"], "title"),
    column("需求单位", &["单位名称", "发布单位"], "organization"),
    column("单位类型", &["单位性质"], "demander_kind"),
    column("所属行业", &["行业"], "industries"),
    column("所在地区", &["地区", "所在地市"], "region"),
    column("应用领域", &["领域"], "field"),
    column("典型场景", &["场景编号"], "scenario"),
    column("痛点问题", &["需求描述", "场景描述"], "pain_points"),
    column("技术指标", &["量化指标", "考核指标"], "requirements"),
    column("可提供条件", &["需求方可提供"], "offers"),
    column("合作方式", &[], "cooperation"),
    column("预算（万元）", &["预算(万元)", "预算"], "budget_wan"),
    column("发布日期", &[], "published_on"),
    column("截止日期", &[], "deadline"),
    column("联系人", &[], "contact_name"),
    column("联系电话", &["电话"], "contact_phone"),
    column("电子邮箱", &["邮箱"], "contact_email"),
];

/// The solution sheet's columns, in the order an export writes them.
const SOLUTION_COLUMNS: &[Column] = &[
    column("方案名称", &["产品名称", "名称"], "title"),
    column("供给方", &["供给单位", "单位名称"], "provider"),
    column("类型", &["方案类型"], "kind"),
    column("适用行业", &["所属行业", "行业"], "industries"),
    column("适用场景", &["典型场景"], "scenarios"),
    column("所在地区", &["地区"], "region"),
    column("方案简介", &["简介", "方案描述"], "summary"),
    column("部署方式", &[], "deployments"),
    column("资质", &["资质证书"], "qualifications"),
    column("价格下限（万元）", &["价格下限(万元)"], "price_from_wan"),
    column("价格上限（万元）", &["价格上限(万元)"], "price_to_wan"),
    column("联系人", &[], "contact_name"),
    column("联系电话", &["电话"], "contact_phone"),
    column("电子邮箱", &["邮箱"], "contact_email"),
];

/// A row read and validated, with its spreadsheet row number.
#[derive(Debug, Clone)]
pub struct Imported<T> {
    /// The spreadsheet's own row number.
    pub row: usize,
    /// What the row says.
    pub input: T,
}

/// A row's cells by field.
struct Cells<'a> {
    by_field: HashMap<&'static str, &'a str>,
}

impl Cells<'_> {
    fn text(&self, field: &str) -> String {
        self.by_field.get(field).copied().unwrap_or_default().trim().to_owned()
    }

    /// A list cell: items separated by 、，,；; or line breaks.
    fn list(&self, field: &str) -> Vec<String> {
        self.text(field)
            .split(['、', '，', ',', '；', ';', '\n'])
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(str::to_owned)
            .collect()
    }
}

fn header_of(columns: &[Column], field: &str) -> Option<String> {
    // `requirements[1].threshold` is in the 技术指标 column.
    let base = field.split(['[', '.']).next().unwrap_or(field);
    columns.iter().find(|c| c.field == base).map(|c| c.header.to_owned())
}

/// Reads the rows of `bytes` with `columns`, each turned into an input by `read` and checked by
/// `check`; every problem, or every input.
fn read_rows<T>(
    file_name: &str,
    bytes: &[u8],
    columns: &'static [Column],
    required: &[&str],
    read: impl Fn(&Cells<'_>) -> (T, Vec<(String, String)>),
    check: impl Fn(&T) -> Result<(), jiebang_core::Error>,
) -> Result<Vec<Imported<T>>, SheetError> {
    let file_error = |message: String| SheetError::File { file: file_name.to_owned(), message };
    let table = read_table(file_name, bytes).map_err(file_error)?;
    let Some(header_index) = table.iter().position(|row| row.iter().any(|c| !c.trim().is_empty())) else {
        return Err(file_error("文件是空的 / the file is empty".into()));
    };
    let header = &table[header_index];
    let mut positions: HashMap<&'static str, usize> = HashMap::new();
    for (i, name) in header.iter().enumerate() {
        let name = name.trim();
        if let Some(column) = columns.iter().find(|c| c.header == name || c.aliases.contains(&name))
            && positions.insert(column.field, i).is_some()
        {
            return Err(file_error(format!(
                "「{}」列出现了两次 / column {} appears twice",
                column.header, column.header
            )));
        }
    }
    let missing: Vec<&str> = columns
        .iter()
        .filter(|c| required.contains(&c.field) && !positions.contains_key(c.field))
        .map(|c| c.header)
        .collect();
    if !missing.is_empty() {
        return Err(file_error(format!(
            "缺少必需的列：{} / missing required columns: {}",
            missing.join("、"),
            missing.join(", ")
        )));
    }
    let mut errors = Vec::new();
    let mut imported = Vec::new();
    for (index, cells) in table.iter().enumerate().skip(header_index + 1) {
        let row = index + 1;
        if cells.iter().all(|c| c.trim().is_empty()) {
            continue;
        }
        let by_field = positions.iter().filter_map(|(field, &i)| cells.get(i).map(|c| (*field, c.as_str()))).collect();
        // The cells that could not be read, then what the checks find in the rest.
        let (input, mut problems) = read(&Cells { by_field });
        if let Err(error) = check(&input) {
            if error.field_errors().is_empty() {
                problems.push((String::new(), error.to_string()));
            }
            for e in error.field_errors() {
                let base = |f: &str| f.split(['[', '.']).next().unwrap_or_default().to_owned();
                if !problems.iter().any(|(field, _)| base(field) == base(&e.field)) {
                    problems.push((e.field.clone(), e.message.clone()));
                }
            }
        }
        if problems.is_empty() {
            imported.push(Imported { row, input });
            continue;
        }
        errors.extend(problems.into_iter().map(|(field, message)| RowError {
            row,
            column: header_of(columns, &field),
            message,
        }));
    }
    if !errors.is_empty() {
        return Err(SheetError::Rows { file: file_name.to_owned(), errors });
    }
    if imported.is_empty() {
        return Err(file_error("只有表头，没有数据行 / the file has a header but no rows".into()));
    }
    Ok(imported)
}

fn number(cells: &Cells<'_>, field: &str, problems: &mut Vec<(String, String)>) -> Option<f64> {
    let text = cells.text(field);
    if text.is_empty() || text == "面议" {
        return None;
    }
    match text.trim_end_matches("万元").trim().parse::<f64>() {
        Ok(value) => Some(value),
        Err(_) => {
            problems.push((field.to_owned(), format!("「{text}」不是数字 / '{text}' is not a number")));
            None
        }
    }
}

fn day(cells: &Cells<'_>, field: &str, problems: &mut Vec<(String, String)>) -> Option<Day> {
    let text = cells.text(field).replace(['/', '.'], "-");
    if text.is_empty() {
        return None;
    }
    Day::parse(field, &text).map_err(|e| problems.push((field.to_owned(), e.message))).ok()
}

/// Reads every demand in the file, or reports every problem and returns none. A number twice in
/// the file is a problem of the later row.
pub fn read_demands(file_name: &str, bytes: &[u8]) -> Result<Vec<Imported<DemandInput>>, SheetError> {
    let read = |cells: &Cells<'_>| {
        let mut problems = Vec::new();
        let requirements = parse_indicator_cell(&cells.text("requirements"))
            .map_err(|message| problems.push(("requirements".to_owned(), message)))
            .unwrap_or_default();
        let input = DemandInput {
            number: cells.text("number"),
            title: cells.text("title"),
            organization: cells.text("organization"),
            demander_kind: cells.text("demander_kind"),
            industries: cells.list("industries").iter().map(|i| first_token(i).to_owned()).collect(),
            region: first_token(&cells.text("region")).to_owned(),
            field: cells.text("field"),
            scenario: first_token(&cells.text("scenario")).to_owned(),
            pain_points: cells.text("pain_points"),
            requirements,
            offers: cells.list("offers"),
            cooperation: cells.text("cooperation"),
            budget_wan: number(cells, "budget_wan", &mut problems),
            published_on: day(cells, "published_on", &mut problems),
            deadline: day(cells, "deadline", &mut problems),
            contact_name: cells.text("contact_name"),
            contact_phone: cells.text("contact_phone"),
            contact_email: cells.text("contact_email"),
            ..DemandInput::default()
        };
        (input, problems)
    };
    let demands = read_rows(file_name, bytes, DEMAND_COLUMNS, &["number", "title"], read, |d: &DemandInput| {
        d.validate().map(|_| ())
    })?;
    let mut first_row: HashMap<&str, usize> = HashMap::new();
    let repeats: Vec<RowError> = demands
        .iter()
        .filter_map(|d| {
            let first = *first_row.entry(d.input.number.as_str()).or_insert(d.row);
            (first != d.row).then(|| RowError {
                row: d.row,
                column: Some("需求编号".into()),
                message: format!(
                    "需求编号 {} 与第{first}行重复 / demand number {} repeats row {first}",
                    d.input.number, d.input.number
                ),
            })
        })
        .collect();
    if !repeats.is_empty() {
        return Err(SheetError::Rows { file: file_name.to_owned(), errors: repeats });
    }
    Ok(demands)
}

/// Reads every solution in the file, or reports every problem and returns none.
pub fn read_solutions(file_name: &str, bytes: &[u8]) -> Result<Vec<Imported<SolutionInput>>, SheetError> {
    let read = |cells: &Cells<'_>| {
        let mut problems = Vec::new();
        let input = SolutionInput {
            title: cells.text("title"),
            provider: cells.text("provider"),
            kind: cells.text("kind"),
            industries: cells.list("industries").iter().map(|i| first_token(i).to_owned()).collect(),
            scenarios: cells.list("scenarios").iter().map(|s| first_token(s).to_owned()).collect(),
            region: first_token(&cells.text("region")).to_owned(),
            summary: cells.text("summary"),
            deployments: cells.list("deployments"),
            qualifications: cells.list("qualifications"),
            price_from_wan: number(cells, "price_from_wan", &mut problems),
            price_to_wan: number(cells, "price_to_wan", &mut problems),
            contact_name: cells.text("contact_name"),
            contact_phone: cells.text("contact_phone"),
            contact_email: cells.text("contact_email"),
            ..SolutionInput::default()
        };
        (input, problems)
    };
    read_rows(file_name, bytes, SOLUTION_COLUMNS, &["title", "provider"], read, |s: &SolutionInput| {
        s.validate().map(|_| ())
    })
}

fn headers(columns: &[Column]) -> Vec<String> {
    columns.iter().map(|c| c.header.to_owned()).collect()
}

fn text(value: impl Into<String>) -> TableCell {
    TableCell::Text(value.into())
}

/// The demands as an `.xlsx` in the import's columns, each with only what its reader may see
/// (a withheld field is left empty).
pub fn write_demands_xlsx(demands: &[DemandView]) -> Result<Vec<u8>, SheetError> {
    write_table_xlsx("需求目录", &headers(DEMAND_COLUMNS), &demand_rows(demands))
}

/// A matchmaking event's catalogue: its demands and its solutions as two worksheets, in the
/// import's columns, so either sheet reads back.
pub fn write_catalogue_xlsx(
    demands: &[DemandView],
    solutions: &[Solution],
    show_contact: bool,
) -> Result<Vec<u8>, SheetError> {
    let (demand_header, solution_header) = (headers(DEMAND_COLUMNS), headers(SOLUTION_COLUMNS));
    let (demand_rows, solution_rows) = (demand_rows(demands), solution_rows(solutions, show_contact));
    crate::write::write_tables_xlsx(&[
        ("需求目录", &demand_header, &demand_rows),
        ("方案目录", &solution_header, &solution_rows),
    ])
}

fn demand_rows(demands: &[DemandView]) -> Vec<Vec<TableCell>> {
    demands
        .iter()
        .map(|d| {
            let requirements = d.requirements.as_deref().unwrap_or_default();
            let contact = d.contact.clone().unwrap_or_default();
            vec![
                text(&d.number),
                text(&d.title),
                text(d.organization.clone().unwrap_or_default()),
                text(d.demander_kind.label_zh()),
                text(d.industries.join("、")),
                text(&d.region),
                text(&d.field),
                text(d.scenario.clone().unwrap_or_default()),
                text(d.pain_points.clone().unwrap_or_default()),
                text(requirements.iter().map(crate::write::indicator_line).collect::<Vec<_>>().join("\n")),
                text(d.offers.iter().map(|o| o.label_zh()).collect::<Vec<_>>().join("、")),
                text(d.cooperation.label_zh()),
                match d.budget_wan {
                    Some(Some(wan)) => TableCell::Number(wan),
                    Some(None) => text("面议"),
                    None => text(""),
                },
                text(d.published_on.map(|p| p.to_string()).unwrap_or_default()),
                text(d.deadline.map(|p| p.to_string()).unwrap_or_default()),
                text(contact.name),
                text(contact.phone),
                text(contact.email),
            ]
        })
        .collect()
}

/// The solutions as an `.xlsx` in the import's columns (the contact as `show_contact` says).
pub fn write_solutions_xlsx(solutions: &[Solution], show_contact: bool) -> Result<Vec<u8>, SheetError> {
    write_table_xlsx("方案目录", &headers(SOLUTION_COLUMNS), &solution_rows(solutions, show_contact))
}

fn solution_rows(solutions: &[Solution], show_contact: bool) -> Vec<Vec<TableCell>> {
    solutions
        .iter()
        .map(|s| {
            let price = |pick: fn((f64, f64)) -> f64| s.price_wan.map_or(text(""), |p| TableCell::Number(pick(p)));
            let contact = if show_contact { s.contact.clone() } else { Default::default() };
            vec![
                text(&s.title),
                text(&s.provider),
                text(s.kind.label_zh()),
                text(s.industries.iter().map(|i| i.code()).collect::<Vec<_>>().join("、")),
                text(s.scenarios.join("、")),
                text(s.region.code()),
                text(&s.summary),
                text(s.deployments.iter().map(|d| d.label_zh()).collect::<Vec<_>>().join("、")),
                text(s.qualifications.join("、")),
                price(|p| p.0),
                price(|p| p.1),
                text(contact.name),
                text(contact.phone),
                text(contact.email),
            ]
        })
        .collect()
}
