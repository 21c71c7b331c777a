//! The catalogue's sheets: demands from a GBK CSV with the headers organizers use, every bad
//! cell of every row reported by row and header with nothing returned, and the export of
//! demands and solutions read back the same.

use jiebang_core::catalogue::Visibility;
use jiebang_sheets::{SheetError, read_demands, read_solutions, write_demands_xlsx, write_solutions_xlsx};

const DEMANDS: &str = "需求编号,需求名称,需求单位,单位类型,所属行业,所在地区,痛点问题,技术指标,合作方式,预算（万元）,联系人,联系电话
JQ-01,化工园区泄漏预警,某化工集团,国企,C26,370100 济南市,巡检难以发现微量泄漏。,泄漏召回率 | recall>=0.95,揭榜攻关,300,王工,0531-1
JQ-02,轴承故障诊断,某风电公司,民企,44、34,青岛市,轴承故障难早期发现。,,联合研发,面议,李工,0532-2
";

fn rows(result: Result<impl std::fmt::Debug, SheetError>) -> Vec<(usize, Option<String>)> {
    match result {
        Err(SheetError::Rows { errors, .. }) => errors.into_iter().map(|e| (e.row, e.column)).collect(),
        other => panic!("expected row errors, got {other:?}"),
    }
}

#[test]
fn demands_are_read_from_a_gbk_csv_with_chinese_headers() {
    let (gbk, _, lossy) = encoding_rs::GBK.encode(DEMANDS);
    assert!(!lossy);
    let demands = read_demands("需求.csv", &gbk).unwrap();
    assert_eq!(demands.len(), 2);
    assert_eq!((demands[0].row, demands[1].row), (2, 3));
    let first = demands[0].input.validate().unwrap();
    assert_eq!(first.region.code(), "370100");
    assert_eq!(first.requirements[0].expr.threshold, 0.95);
    assert_eq!(first.budget_wan, Some(300.0));
    let second = demands[1].input.validate().unwrap();
    assert_eq!(second.industries.iter().map(|i| i.code()).collect::<Vec<_>>(), ["44", "34"]);
    assert_eq!((second.budget_wan, second.region.code()), (None, "370200"));
}

#[test]
fn every_bad_cell_of_every_row_is_reported_and_nothing_is_read() {
    let text = format!(
        "{DEMANDS}JQ-03,,某单位,外企,ZZ,火星,,召回率 | recall>>0.9,揭榜攻关,三百,赵工,
JQ-01,重复编号,某单位,民企,26,370100,巡检难。,,采购解决方案,10,钱工,0531-3
"
    );
    let found = rows(read_demands("需求.csv", text.as_bytes()));
    let at = |row: usize, header: &str| found.contains(&(row, Some(header.to_owned())));
    for header in ["需求名称", "单位类型", "所属行业", "所在地区", "技术指标", "预算（万元）", "联系电话"]
    {
        assert!(at(4, header), "row 4, {header}: {found:?}");
    }
    assert!(found.iter().all(|(row, _)| *row == 4), "the good rows have nothing: {found:?}");
    // Once the cells are good, a number twice is the later row's problem.
    let fixed = text.replace("JQ-03,,某单位,外企,ZZ,火星,,召回率 | recall>>0.9,揭榜攻关,三百,赵工,", "");
    assert_eq!(rows(read_demands("需求.csv", fixed.as_bytes())), [(5, Some("需求编号".to_owned()))]);
}

#[test]
fn a_sheet_without_the_required_columns_is_refused_whole() {
    let error = read_demands("需求.csv", "名字,地区\n甲,济南\n".as_bytes()).unwrap_err();
    assert!(error.to_string().contains("需求编号、需求名称"), "{error}");
}

#[test]
fn exported_demands_and_solutions_read_back_the_same() {
    let demands: Vec<_> = read_demands("需求.csv", DEMANDS.as_bytes())
        .unwrap()
        .into_iter()
        .map(|d| d.input.validate().unwrap().visible_to(Visibility::Internal))
        .collect();
    let xlsx = write_demands_xlsx(&demands).unwrap();
    let again: Vec<_> = read_demands("需求.xlsx", &xlsx)
        .unwrap()
        .into_iter()
        .map(|d| d.input.validate().unwrap().visible_to(Visibility::Internal))
        .collect();
    assert_eq!(again, demands);
    // A public export holds what the public reads: no contact, so it does not read back.
    let public: Vec<_> = demands
        .iter()
        .cloned()
        .map(|mut d| {
            d.contact = None;
            d
        })
        .collect();
    let problems = rows(read_demands("需求.xlsx", &write_demands_xlsx(&public).unwrap()));
    assert!(problems.contains(&(2, Some("联系人".to_owned()))) && problems.contains(&(3, Some("联系人".to_owned()))));
    assert!(
        problems.iter().all(|(_, c)| matches!(c.as_deref(), Some("联系人" | "联系电话" | "电子邮箱"))),
        "{problems:?}"
    );

    let sheet =
        "方案名称,供给方,类型,适用行业,所在地区,方案简介,部署方式,价格下限（万元）,价格上限（万元）,联系人,电子邮箱
泄漏预警大模型,某科技,行业大模型,C26,济南市,多模态泄漏预警。,私有化、端侧,50,200,李工,li@example.cn
";
    let solutions: Vec<_> = read_solutions("方案.csv", sheet.as_bytes())
        .unwrap()
        .into_iter()
        .map(|s| s.input.validate().unwrap())
        .collect();
    assert_eq!(solutions[0].price_wan, Some((50.0, 200.0)));
    let xlsx = write_solutions_xlsx(&solutions, true).unwrap();
    let again: Vec<_> =
        read_solutions("方案.xlsx", &xlsx).unwrap().into_iter().map(|s| s.input.validate().unwrap()).collect();
    assert_eq!(again, solutions);
}
