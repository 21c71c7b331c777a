//! The search against a judged query set: a small catalogue written for the test and, for each
//! query, the entries a person judged relevant, in the order they should come. Every relevant
//! entry must rank above every other, and the ordered ones in that order.

use jiebang_search::{Entry, Kind, Query, SearchIndex};

fn entry(kind: Kind, id: i64, title: &str, text: &str, industries: &[&str], regions: &[&str]) -> Entry {
    Entry {
        kind,
        id,
        title: title.into(),
        text: text.into(),
        industries: industries.iter().map(|s| s.to_string()).collect(),
        regions: regions.iter().map(|s| s.to_string()).collect(),
    }
}

fn catalogue() -> Vec<Entry> {
    use Kind::*;
    vec![
        entry(
            Demand,
            1,
            "化工园区危险化学品泄漏预警",
            "园区储罐区需要基于视频与气体传感器的泄漏早期预警，误报率低于5%。化工企业提供测试场地。",
            &["C26"],
            &["370100"],
        ),
        entry(
            Solution,
            2,
            "化工行业大模型",
            "面向化工生产的工艺参数优化与安全管理问答，私有化部署。",
            &["C26"],
            &["370800"],
        ),
        entry(
            Demand,
            3,
            "风电主轴轴承故障诊断",
            "对主轴轴承振动数据进行故障诊断，提前7天预警。",
            &["D4415"],
            &["370200"],
        ),
        entry(
            Solution,
            4,
            "滚动轴承剩余寿命预测",
            "基于振动时序数据的轴承寿命预测，准确率95%。",
            &["C34"],
            &["370200"],
        ),
        entry(
            Demand,
            5,
            "纺织面料瑕疵视觉检测",
            "织物表面瑕疵检测，漏检率低于1%，用于纺织厂的出厂检验。",
            &["C17"],
            &["370700"],
        ),
        entry(Solution, 6, "AI质检一体机", "面向电子与纺织的视觉检测一体机，支持端侧部署。", &["C39"], &["370100"]),
        entry(Scenario, 7, "设备智能巡检", "利用机器人与视觉对生产设备进行巡检，发现异常。", &["C"], &[]),
        entry(Challenge, 8, "节水灌溉装备大模型", "农业灌溉装备的智能决策与用水优化。", &["A05"], &["370100"]),
        entry(Dataset, 9, "化工工艺安全问答数据集", "指令微调数据十万条，来源于化工安全规程。", &["C26"], &["370000"]),
        entry(Model, 10, "钢铁表面缺陷检测模型", "热轧带钢表面缺陷识别，已通过验收。", &["C31"], &["370100"]),
        entry(Demand, 11, "港口集装箱智能调度", "码头装卸设备调度优化，降低等待时间。", &["G55"], &["370200"]),
        entry(
            Solution,
            12,
            "Bearing fault diagnosis platform",
            "Vibration analysis for rolling bearings in wind turbines.",
            &["C34"],
            &["310000"],
        ),
        entry(Demand, 13, "轴向柱塞泵噪声优化", "柱塞泵的降噪设计与仿真。", &["C34"], &["370100"]),
        entry(Solution, 14, "医药研发知识大模型", "药物分子筛选与文献问答。", &["C27"], &["310000"]),
        entry(Demand, 15, "电网短期负荷预测", "基于气象与历史负荷的短期负荷预测，误差低于3%。", &["D44"], &["370100"]),
        entry(Dataset, 16, "电力负荷时序数据集", "省级电网15分钟粒度负荷数据，可用于负荷预测。", &["D44"], &["370000"]),
        entry(Solution, 17, "纺织行业知识库", "纺织工艺问答，兼顾质检流程说明。", &["C17"], &["370700"]),
    ]
}

fn index() -> SearchIndex {
    let index = SearchIndex::new().unwrap();
    index.replace_all(catalogue()).unwrap();
    index
}

fn search(index: &SearchIndex, text: &str) -> Vec<(Kind, i64)> {
    let query = Query { text: text.into(), limit: 20, ..Query::default() };
    index.search(&query).unwrap().hits.into_iter().map(|hit| (hit.kind, hit.id)).collect()
}

/// A query and its judgement: relevant ids in the order they must come, relevant ids in any
/// order after them, ids that must not be found at all.
type Judged = (&'static str, &'static [i64], &'static [i64], &'static [i64]);

const JUDGED: &[Judged] = &[
    ("化工", &[], &[1, 2, 9], &[]),
    ("轴承", &[], &[3, 4], &[13, 12]),
    ("故障诊断", &[3], &[], &[4]),
    ("ＡＩ质检", &[6], &[], &[]),
    ("质检", &[6, 17], &[], &[]),
    ("bearings", &[12], &[], &[]),
    ("Wind Turbine", &[12], &[], &[]),
    ("负荷预测", &[15, 16], &[], &[]),
    ("灌溉", &[8], &[], &[]),
    ("缺陷检测", &[10], &[], &[]),
    ("大模型", &[], &[2, 8, 14], &[10]),
    ("瑕疵", &[5], &[], &[6]),
    ("集装箱调度", &[11], &[], &[]),
];

#[test]
fn judged_queries_rank_their_relevant_entries_first() {
    let index = index();
    let mut reciprocal_ranks = Vec::new();
    for (query, ordered, unordered, absent) in JUDGED {
        let found: Vec<i64> = search(&index, query).into_iter().map(|(_, id)| id).collect();
        let relevant = ordered.len() + unordered.len();
        assert!(found.len() >= relevant, "{query}: found {found:?}");
        assert_eq!(&found[..ordered.len()], *ordered, "{query}: order of {found:?}");
        let mut rest: Vec<i64> = found[ordered.len()..relevant].to_vec();
        rest.sort();
        assert_eq!(rest, unordered.to_vec(), "{query}: the relevant entries are not first in {found:?}");
        for id in *absent {
            assert!(!found.contains(id), "{query}: {id} should not match in {found:?}");
        }
        reciprocal_ranks.push(
            1.0 / (1 + found.iter().position(|id| ordered.contains(id) || unordered.contains(id)).unwrap()) as f64,
        );
    }
    let mrr = reciprocal_ranks.iter().sum::<f64>() / reciprocal_ranks.len() as f64;
    assert_eq!(mrr, 1.0);
}

#[test]
fn two_character_chinese_words_match_inside_longer_ones() {
    let index = index();
    // 故障 sits inside 故障诊断, 负荷 inside 负荷预测, 预警 at the end of a title.
    assert_eq!(search(&index, "故障"), vec![(Kind::Demand, 3)]);
    assert!(search(&index, "负荷").len() == 2);
    assert!(search(&index, "预警").contains(&(Kind::Demand, 1)));
}

#[test]
fn filters_narrow_by_kind_industry_and_region_and_facets_count_what_matched() {
    let index = index();
    let query = |kinds: Vec<Kind>, industry: Option<&str>, region: Option<&str>| Query {
        text: "化工".into(),
        kinds,
        industry: industry.map(str::to_owned),
        region: region.map(str::to_owned),
        offset: 0,
        limit: 10,
    };
    let all = index.search(&query(vec![], None, None)).unwrap();
    assert_eq!(all.total, 3);
    assert_eq!(all.facets.industries, vec![("C".to_string(), 3)]);
    assert_eq!(all.facets.regions, vec![("370000".to_string(), 3)]);
    let kinds: Vec<(Kind, u64)> = {
        let mut k = all.facets.kinds.clone();
        k.sort();
        k
    };
    assert_eq!(kinds, vec![(Kind::Demand, 1), (Kind::Solution, 1), (Kind::Dataset, 1)]);

    let demands = index.search(&query(vec![Kind::Demand], None, None)).unwrap();
    assert_eq!(demands.hits.iter().map(|h| h.id).collect::<Vec<_>>(), vec![1]);
    let jinan = index.search(&query(vec![], None, Some("370100"))).unwrap();
    assert_eq!(jinan.hits.iter().map(|h| h.id).collect::<Vec<_>>(), vec![1]);
    let division = index.search(&query(vec![], Some("C26"), Some("370000"))).unwrap();
    assert_eq!(division.total, 3);
    assert_eq!(index.search(&query(vec![], Some("A05"), None)).unwrap().total, 0);
    // A code that is no code filters everything out.
    assert_eq!(index.search(&query(vec![], Some("化工"), None)).unwrap().total, 0);
}

#[test]
fn no_entry_with_every_word_relaxes_to_any_word_and_says_so() {
    let index = index();
    let results = index.search(&Query { text: "化工 灌溉".into(), limit: 10, ..Query::default() }).unwrap();
    assert!(results.relaxed);
    assert_eq!(results.total, 4);
    let strict = index.search(&Query { text: "化工 预警".into(), limit: 10, ..Query::default() }).unwrap();
    assert!(!strict.relaxed);
    assert_eq!(strict.hits.iter().map(|h| h.id).collect::<Vec<_>>(), vec![1]);
}

#[test]
fn snippets_mark_the_words_and_escape_the_rest() {
    let index = SearchIndex::new().unwrap();
    index.replace_all([entry(Kind::Demand, 1, "标题", "<script>预警</script> 需要泄漏预警", &[], &[])]).unwrap();
    let hit = &index.search(&Query { text: "预警".into(), limit: 1, ..Query::default() }).unwrap().hits[0];
    assert!(hit.snippet_html.contains("<b>预警</b>"), "{}", hit.snippet_html);
    assert!(!hit.snippet_html.contains("<script>"), "{}", hit.snippet_html);
    // jieba's search mode cuts 集装箱 into overlapping words; the passage still reads whole.
    index.replace_all([entry(Kind::Demand, 2, "调度", "港口集装箱装卸调度", &[], &[])]).unwrap();
    let hit = &index.search(&Query { text: "装箱 集装箱".into(), limit: 1, ..Query::default() }).unwrap().hits[0];
    assert_eq!(hit.snippet_html, "港口<b>集装箱</b>装卸调度");
}

#[test]
fn updates_replace_and_removals_take_out() {
    let index = index();
    index
        .update(
            &[entry(Kind::Demand, 11, "港口岸桥远程控制", "岸桥远程操控。", &["G55"], &["370200"])],
            &[(Kind::Solution, 2)],
        )
        .unwrap();
    assert_eq!(index.len(), 16);
    assert!(search(&index, "集装箱").is_empty());
    assert_eq!(search(&index, "岸桥"), vec![(Kind::Demand, 11)]);
    assert!(!search(&index, "化工").contains(&(Kind::Solution, 2)));
    // The same id under another kind is another entry.
    index.update(&[entry(Kind::Dataset, 11, "岸桥作业视频", "视频数据。", &[], &[])], &[]).unwrap();
    assert_eq!(search(&index, "岸桥").len(), 2);
}

#[test]
fn empty_text_lists_what_the_filters_let_through_with_a_plain_snippet() {
    let index = index();
    let results = index.search(&Query { kinds: vec![Kind::Dataset], limit: 10, ..Query::default() }).unwrap();
    assert_eq!(results.total, 2);
    assert!(results.hits.iter().all(|hit| !hit.snippet_html.is_empty()));
    // Punctuation and spaces alone are no words.
    assert_eq!(index.search(&Query { text: "，。 ！".into(), limit: 100, ..Query::default() }).unwrap().total, 17);
}
