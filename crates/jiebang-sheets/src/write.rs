//! Writing a challenge list as `.csv` (UTF-8 with BOM, so Excel shows Chinese) or `.xlsx`.

use jiebang_core::challenge::Challenge;
use jiebang_core::indicator::{Indicator, Weighting};
use rust_xlsxwriter::{Format, Workbook};

use crate::{COLUMNS, Column, SheetError};

pub(crate) fn indicator_line(i: &Indicator) -> String {
    let kind = match i.weighting {
        Weighting::Hard => "硬性".to_owned(),
        Weighting::Scored { weight } => format!("权重{weight}"),
    };
    format!("{} | {} | {} | {} | {kind}", i.name, i.expr, i.unit, i.test_method)
}

fn cells(position: usize, c: &Challenge) -> Vec<String> {
    COLUMNS
        .iter()
        .map(|(column, _)| match column {
            Column::Number => position.to_string(),
            Column::Code => c.code.clone(),
            Column::Title => c.title.clone(),
            Column::Direction => c.direction.clone(),
            Column::SubField => c.sub_field.clone(),
            Column::TaskClass => c.task_class.label_zh().to_owned(),
            Column::Industries => c
                .industries
                .iter()
                .map(|i| format!("{}{} {}", i.industry().section, i.code(), i.industry().name))
                .collect::<Vec<_>>()
                .join("\n"),
            Column::Region => c.region.map(|r| format!("{} {}", r.code(), r.region().name)).unwrap_or_default(),
            Column::Scenario => c.scenario.clone(),
            Column::Background => c.background.clone(),
            Column::Objectives => c.objectives.clone(),
            Column::Indicators => c.indicators.iter().map(indicator_line).collect::<Vec<_>>().join("\n"),
            Column::Deliverables => c.deliverables.clone(),
            Column::PeriodMonths => c.period_months.to_string(),
            Column::Support => c.support.clone(),
            Column::Winners => c.winners.to_string(),
        })
        .collect()
}

/// The list as CSV.
pub fn write_csv(challenges: &[Challenge]) -> Result<Vec<u8>, SheetError> {
    let mut writer = csv::Writer::from_writer(b"\xEF\xBB\xBF".to_vec());
    let error = |e: csv::Error| SheetError::Write(e.to_string());
    writer.write_record(COLUMNS.iter().map(|(c, _)| c.header())).map_err(error)?;
    for (i, challenge) in challenges.iter().enumerate() {
        writer.write_record(cells(i + 1, challenge).iter().map(|c| neutralise(c).into_owned())).map_err(error)?;
    }
    writer.into_inner().map_err(|e| SheetError::Write(e.to_string()))
}

/// The list as an `.xlsx` workbook with one sheet named after the program (at most 31 characters).
pub fn write_xlsx(sheet_name: &str, challenges: &[Challenge]) -> Result<Vec<u8>, SheetError> {
    let error = |e: rust_xlsxwriter::XlsxError| SheetError::Write(e.to_string());
    let mut workbook = Workbook::new();
    let sheet = workbook.add_worksheet();
    let name: String = sheet_name.chars().filter(|c| !"[]:*?/\\".contains(*c)).take(31).collect();
    sheet.set_name(if name.trim().is_empty() { "榜单" } else { name.trim() }).map_err(error)?;
    let bold = Format::new().set_bold();
    let wrap = Format::new().set_text_wrap();
    for (col, (column, _)) in COLUMNS.iter().enumerate() {
        sheet.write_string_with_format(0, col as u16, column.header(), &bold).map_err(error)?;
        let width = match column {
            Column::Number | Column::PeriodMonths | Column::Winners => 8,
            Column::Title | Column::Industries | Column::Scenario => 28,
            Column::Indicators => 60,
            _ => 16,
        };
        sheet.set_column_width(col as u16, width).map_err(error)?;
    }
    for (i, challenge) in challenges.iter().enumerate() {
        for (col, value) in cells(i + 1, challenge).iter().enumerate() {
            sheet.write_string_with_format(i as u32 + 1, col as u16, value, &wrap).map_err(error)?;
        }
    }
    sheet.set_freeze_panes(1, 0).map_err(error)?;
    workbook.save_to_buffer().map_err(error)
}

/// A cell of a generic table: text, or a number Excel can compute with.
#[derive(Debug, Clone, PartialEq)]
pub enum TableCell {
    /// Text.
    Text(String),
    /// A number.
    Number(f64),
    /// Nothing.
    Empty,
}

impl TableCell {
    /// The cell as CSV text.
    pub fn text(&self) -> String {
        match self {
            Self::Text(text) => text.clone(),
            Self::Number(value) => value.to_string(),
            Self::Empty => String::new(),
        }
    }
}

/// A text cell as a spreadsheet will not run it: one that starts like a formula (`=`, `+`,
/// `-`, `@`, a tab or a carriage return) gets a leading `'`, as OWASP advises against CSV
/// injection, unless it is a plain number. [`crate::read_challenges`] drops that quote again.
pub fn neutralise(text: &str) -> std::borrow::Cow<'_, str> {
    let risky = text.starts_with(['=', '+', '-', '@', '\t', '\r']);
    if risky && text.trim().parse::<f64>().is_err() { format!("'{text}").into() } else { text.into() }
}

/// A table (a leaderboard, say) as CSV with a BOM.
pub fn write_table_csv(header: &[String], rows: &[Vec<TableCell>]) -> Result<Vec<u8>, SheetError> {
    let mut writer = csv::Writer::from_writer(b"\xEF\xBB\xBF".to_vec());
    let error = |e: csv::Error| SheetError::Write(e.to_string());
    writer.write_record(header).map_err(error)?;
    for row in rows {
        writer
            .write_record(row.iter().map(|cell| match cell {
                TableCell::Text(text) => neutralise(text).into_owned(),
                other => other.text(),
            }))
            .map_err(error)?;
    }
    writer.into_inner().map_err(|e| SheetError::Write(e.to_string()))
}

/// A table as an `.xlsx` workbook: bold frozen header, numbers as numbers.
pub fn write_table_xlsx(sheet_name: &str, header: &[String], rows: &[Vec<TableCell>]) -> Result<Vec<u8>, SheetError> {
    write_tables_xlsx(&[(sheet_name, header, rows)])
}

/// One worksheet: its name, header and rows.
pub type Sheet<'a> = (&'a str, &'a [String], &'a [Vec<TableCell>]);

/// Several tables as the worksheets of one `.xlsx`, each with its header bold and frozen.
pub fn write_tables_xlsx(sheets: &[Sheet<'_>]) -> Result<Vec<u8>, SheetError> {
    let error = |e: rust_xlsxwriter::XlsxError| SheetError::Write(e.to_string());
    let mut workbook = Workbook::new();
    let bold = Format::new().set_bold();
    for (n, (sheet_name, header, rows)) in sheets.iter().enumerate() {
        let sheet = workbook.add_worksheet();
        let name: String = sheet_name.chars().filter(|c| !"[]:*?/\\".contains(*c)).take(31).collect();
        let fallback = format!("Sheet{}", n + 1);
        sheet.set_name(if name.trim().is_empty() { fallback.as_str() } else { name.trim() }).map_err(error)?;
        for (col, title) in header.iter().enumerate() {
            sheet.write_string_with_format(0, col as u16, title, &bold).map_err(error)?;
            sheet.set_column_width(col as u16, 14).map_err(error)?;
        }
        for (r, row) in rows.iter().enumerate() {
            for (col, cell) in row.iter().enumerate() {
                let (r, col) = (r as u32 + 1, col as u16);
                match cell {
                    TableCell::Text(text) => sheet.write_string(r, col, text).map(drop),
                    TableCell::Number(value) => sheet.write_number(r, col, *value).map(drop),
                    TableCell::Empty => Ok(()),
                }
                .map_err(error)?;
            }
        }
        sheet.set_freeze_panes(1, 0).map_err(error)?;
    }
    workbook.save_to_buffer().map_err(error)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_table_keeps_numbers_numeric_in_xlsx_and_quotes_text_in_csv() {
        let header = vec!["排名 rank".to_owned(), "团队 team".to_owned()];
        let rows = vec![
            vec![TableCell::Number(1.0), TableCell::Text("云鼎, 科技".into())],
            vec![TableCell::Empty, TableCell::Text("基线".into())],
        ];
        let csv = String::from_utf8(write_table_csv(&header, &rows).unwrap()).unwrap();
        assert_eq!(csv, "\u{feff}排名 rank,团队 team\n1,\"云鼎, 科技\"\n,基线\n");
        let xlsx = write_table_xlsx("排行榜", &header, &rows).unwrap();
        assert!(xlsx.starts_with(b"PK"), "an xlsx is a zip");
        let mut book: calamine::Xlsx<_> = calamine::open_workbook_from_rs(std::io::Cursor::new(xlsx)).unwrap();
        use calamine::Reader;
        let range = book.worksheet_range("排行榜").unwrap();
        assert_eq!(range.get_value((1, 0)), Some(&calamine::Data::Float(1.0)));
    }
}
