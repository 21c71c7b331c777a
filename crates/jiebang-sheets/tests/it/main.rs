//! Reading and writing challenge lists: encodings, delimiters, every kind of bad row, and the
//! export → import round trip.

#![allow(missing_docs)]

mod catalogue;

use jiebang_sheets::{SheetError, read_challenges, write_csv, write_xlsx};

const HEADER: &str = "序号,任务编号,任务名称,揭榜方向,任务类别,所属行业,所在地区,考核指标,实施期限（月）";

fn csv(rows: &[&str]) -> String {
    let mut text = String::from(HEADER);
    for row in rows {
        text.push('\n');
        text.push_str(row);
    }
    text
}

const GOOD_1: &str = r#"1,SD-01,化工安全大模型,人工智能+制造,示范应用,C26、C28,370100 济南市,"异常工况F1 | f1>=0.92 | | 隐藏测试集 | 硬性
单次推理时延 | latency_p99_ms<=200 | ms | 平台实测 | 权重30",24"#;
const GOOD_2: &str = "2,SD-02,纺织质检大模型,人工智能+制造,重点产品,17,青岛市,缺陷检出率 | recall>=0.95,";

fn row_errors(
    result: Result<Vec<jiebang_sheets::ImportedChallenge>, SheetError>,
) -> Vec<(usize, Option<String>, String)> {
    match result {
        Err(SheetError::Rows { errors, .. }) => errors.into_iter().map(|e| (e.row, e.column, e.message)).collect(),
        other => panic!("expected row errors, got {other:?}"),
    }
}

fn file_error(result: Result<Vec<jiebang_sheets::ImportedChallenge>, SheetError>) -> String {
    match result {
        Err(SheetError::File { message, .. }) => message,
        other => panic!("expected a file error, got {other:?}"),
    }
}

#[test]
fn a_good_utf8_csv_imports_every_row_with_structured_indicators() {
    let list = read_challenges("list.csv", csv(&[GOOD_1, GOOD_2]).as_bytes()).unwrap();
    assert_eq!(
        list.iter().map(|c| c.row).collect::<Vec<_>>(),
        [2, 3],
        "rows as a spreadsheet shows them, not text lines"
    );
    let first = &list[0].challenge;
    assert_eq!(first.industries.iter().map(|i| i.code()).collect::<Vec<_>>(), ["26", "28"]);
    assert_eq!(first.region.unwrap().code(), "370100");
    assert_eq!(first.indicators.len(), 2);
    assert_eq!(first.indicators[1].target_text(), "≤ 200 ms");
    assert_eq!(list[1].challenge.period_months, 24, "an empty period takes the default");
}

#[test]
fn bom_gbk_gb18030_and_tab_separated_files_are_read_alike() {
    let text = csv(&[GOOD_1, GOOD_2]);
    let expected = read_challenges("a.csv", text.as_bytes()).unwrap();
    let with_bom = [b"\xEF\xBB\xBF".as_slice(), text.as_bytes()].concat();
    assert_eq!(read_challenges("b.csv", &with_bom).unwrap(), expected);
    let (gbk, _, lossy) = encoding_rs::GBK.encode(&text);
    assert!(!lossy);
    assert_eq!(read_challenges("c.csv", &gbk).unwrap(), expected);
    let (gb18030, _, _) = encoding_rs::GB18030.encode(&text);
    assert_eq!(read_challenges("d.csv", &gb18030).unwrap(), expected);
    let tabbed = csv(&[GOOD_2]).replace(',', "\t");
    assert_eq!(read_challenges("e.tsv", tabbed.as_bytes()).unwrap()[0].challenge, expected[1].challenge);
    let crlf = text.replace('\n', "\r\n");
    assert_eq!(read_challenges("f.csv", crlf.as_bytes()).unwrap().len(), 2);
}

#[test]
fn one_bad_row_imports_nothing_and_every_problem_is_named_by_row_and_column() {
    let rows = [
        GOOD_2,
        "3,SD-03,,人工智能+制造,示范应用,99,莱芜市,F1 | f1>=0.9,x",
        "4,SD-04,无阈值,人工智能+制造,示范应用,26,,F1 | f1>=,",
        "5,SD-02,重复编号,人工智能+制造,示范应用,26,,F1 | f1>=0.9,",
    ];
    let errors = row_errors(read_challenges("bad.csv", csv(&rows).as_bytes()));
    let cells: Vec<_> = errors.iter().map(|(row, column, _)| (*row, column.clone().unwrap_or_default())).collect();
    assert_eq!(
        cells,
        [
            (3, "实施期限（月）".into()),
            (3, "任务名称".into()),
            (3, "所属行业".into()),
            (3, "所在地区".into()),
            (4, "考核指标".into()),
            (5, "任务编号".into()),
        ]
    );
    assert!(errors[3].2.contains("370100"), "Laiwu's error names its successor: {}", errors[3].2);
    assert!(errors[4].2.contains("阈值") || errors[4].2.contains("threshold"), "{}", errors[4].2);
}

#[test]
fn missing_columns_are_listed_with_the_columns_found() {
    let message = file_error(read_challenges("x.csv", "序号,名称\n1,a\n".as_bytes()));
    assert!(message.contains("任务名称") && message.contains("考核指标") && message.contains("名称"), "{message}");
}

#[test]
fn empty_header_only_binary_and_xls_files_get_their_own_message() {
    assert!(file_error(read_challenges("e.csv", b"")).contains("empty"));
    assert!(file_error(read_challenges("e.csv", b"\n\n")).contains("empty"));
    assert!(file_error(read_challenges("h.csv", HEADER.as_bytes())).contains("no rows"));
    assert!(file_error(read_challenges("b.csv", &[0, 159, 146, 150, 0, 1, 2])).contains("binary"));
    assert!(file_error(read_challenges("old.xls", b"\xD0\xCF\x11\xE0rest")).contains(".xls"));
    assert!(file_error(read_challenges("broken.xlsx", b"PK\x03\x04 not really a zip")).contains(".xlsx"));
}

#[test]
fn exported_cells_that_look_like_formulas_are_neutralised_and_import_back_unchanged() {
    let mut challenges: Vec<_> =
        read_challenges("l.csv", csv(&[GOOD_1]).as_bytes()).unwrap().into_iter().map(|c| c.challenge).collect();
    challenges[0].title = "=HYPERLINK(\"http://evil.example\",\"点此\")".into();
    let exported = String::from_utf8(write_csv(&challenges).unwrap()).unwrap();
    assert!(exported.contains("\"'=HYPERLINK("), "{exported}");
    assert!(!exported.contains(",=HYPERLINK") && !exported.contains(",\"=HYPERLINK"), "{exported}");
    let back: Vec<_> =
        read_challenges("l.csv", exported.as_bytes()).unwrap().into_iter().map(|c| c.challenge).collect();
    assert_eq!(back, challenges);
    for (cell, shown) in [("-0.5", "-0.5"), ("+86 531", "'+86 531"), ("@SUM(A1)", "'@SUM(A1)"), ("揭榜", "揭榜")] {
        assert_eq!(jiebang_sheets::neutralise(cell), shown);
    }
}

/// A workbook with text in the given cells (zero-based row and column).
fn workbook(cells: &[(u32, u16)]) -> Vec<u8> {
    let mut book = rust_xlsxwriter::Workbook::new();
    let sheet = book.add_worksheet();
    for &(row, column) in cells {
        sheet.write_string(row, column, "x").unwrap();
    }
    book.save_to_buffer().unwrap()
}

#[test]
fn a_far_away_cell_or_a_deflate_bomb_is_refused_without_allocating_what_it_declares() {
    // A1 and XFD1048576: a full-sheet range would be 17 billion cells.
    let far = workbook(&[(0, 0), (1_048_575, 16_383)]);
    assert!(far.len() < 10_000, "a tiny file: {} bytes", far.len());
    let message = file_error(read_challenges("far.xlsx", &far));
    assert!(message.contains("XFD1048576") && message.contains("out of bounds"), "{message}");
    let message = file_error(read_challenges("long.xlsx", &workbook(&[(0, 0), (199_999, 701)])));
    assert!(message.contains("ZZ200000"), "{message}");
    // 200 MiB of spaces in the sheet's XML compress to a few hundred KiB.
    let mut bomb = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let deflated = zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Deflated);
    bomb.start_file("xl/worksheets/sheet1.xml", deflated).unwrap();
    let spaces = vec![b' '; 1 << 20];
    for _ in 0..200 {
        std::io::Write::write_all(&mut bomb, &spaces).unwrap();
    }
    let bomb = bomb.finish().unwrap().into_inner();
    assert!(bomb.len() < 2 << 20, "{}", bomb.len());
    let message = file_error(read_challenges("bomb.xlsx", &bomb));
    assert!(message.contains("64 MiB once decompressed"), "{message}");
}

#[test]
fn a_row_with_more_cells_than_the_header_is_reported() {
    let errors = row_errors(read_challenges("r.csv", csv(&[&format!("{GOOD_2},extra,cells")]).as_bytes()));
    assert_eq!(errors.len(), 1);
    assert!(errors[0].2.contains("11"), "{}", errors[0].2);
}

#[test]
fn a_bad_indicator_cell_explains_the_expected_layout() {
    let errors = row_errors(read_challenges("i.csv", csv(&["1,A,t,d,示范应用,26,,只有名称没有表达式,"]).as_bytes()));
    assert!(errors[0].2.contains("名称 | 表达式"), "{}", errors[0].2);
    let errors =
        row_errors(read_challenges("i.csv", csv(&["1,A,t,d,示范应用,26,,F1 | f1>=0.9 | | | 重要,"]).as_bytes()));
    assert!(errors[0].2.contains("硬性"), "{}", errors[0].2);
}

#[test]
fn an_exported_list_imports_back_unchanged_as_csv_and_as_xlsx() {
    let original: Vec<_> =
        read_challenges("l.csv", csv(&[GOOD_1, GOOD_2]).as_bytes()).unwrap().into_iter().map(|c| c.challenge).collect();
    let exported = write_csv(&original).unwrap();
    assert!(exported.starts_with(b"\xEF\xBB\xBF"));
    let back: Vec<_> = read_challenges("export.csv", &exported).unwrap().into_iter().map(|c| c.challenge).collect();
    assert_eq!(back, original);
    let workbook = write_xlsx("2025年工业领域行业大模型[揭榜挂帅]攻关项目榜单", &original).unwrap();
    let back: Vec<_> = read_challenges("export.xlsx", &workbook).unwrap().into_iter().map(|c| c.challenge).collect();
    assert_eq!(back, original);
}
