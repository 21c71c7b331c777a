//! Search latency over `JIEBANG_BENCH_ENTRIES` (default 100,000) generated catalogue entries:
//! the time to build the index, then `JIEBANG_BENCH_QUERIES` (default 2,000) queries — one
//! two-character Chinese word, two words, an English word, full-width input, and each with a
//! kind, industry or region filter — timed one by one, with facets and snippets as the page
//! asks them. Prints one JSON line; `scripts/bench` puts it in docs/benchmarks.md next to
//! SQLite's FTS5 and `LIKE` over the same entries, which it reads from the corpus this writes to
//! `JIEBANG_BENCH_FILES_DIR` (one entry per line: kind, title, text, tab-separated) together
//! with the queries.

use std::io::Write;
use std::time::Instant;

use jiebang_search::{Entry, Kind, Query, SearchIndex};

const WORDS: &[&str] = &[
    "化工",
    "轴承",
    "泄漏",
    "预警",
    "故障",
    "诊断",
    "质检",
    "缺陷",
    "检测",
    "视觉",
    "能耗",
    "优化",
    "调度",
    "排产",
    "钢铁",
    "纺织",
    "港口",
    "集装箱",
    "电网",
    "负荷",
    "预测",
    "光伏",
    "风电",
    "齿轮箱",
    "刀具",
    "磨损",
    "焊缝",
    "印染",
    "配色",
    "医药",
    "结晶",
    "饮片",
    "食品",
    "异物",
    "灌装",
    "农业",
    "灌溉",
    "病虫害",
    "养殖",
    "水质",
    "煤矿",
    "安全",
    "隐患",
    "桥梁",
    "工地",
    "污染",
    "溯源",
    "大模型",
    "知识库",
    "问答",
    "数字孪生",
    "机器人",
    "巡检",
    "仓储",
    "物流",
    "运维",
    "工艺",
    "参数",
    "寿命",
    "振动",
    "温度",
    "窑炉",
    "锅炉",
    "燃烧",
    "模具",
    "冲压",
    "轮胎",
    "晶圆",
    "贴片",
    "电机",
    "装配",
    "节拍",
    "追溯",
    "冷库",
    "单证",
    "识别",
    "分拣",
    "估重",
];
const LATIN: &[&str] = &["bearing", "leakage", "forecast", "inspection", "scheduling", "defect", "vision"];
const FILLER: &[&str] = &["基于", "面向", "实现", "提升", "降低", "系统", "平台", "方案", "企业", "生产线", "数据"];
const INDUSTRIES: &[&str] = &["C26", "C31", "C17", "C36", "D44", "C34", "C27", "C14", "G55", "A01", "C39", "B06"];
const REGIONS: &[&str] = &["370102", "370202", "370303", "370602", "370702", "370811", "371302", "371002"];

struct Random(u64);

impl Random {
    fn next(&mut self) -> usize {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        (self.0 >> 11) as usize
    }

    fn pick<'a>(&mut self, list: &[&'a str]) -> &'a str {
        list[self.next() % list.len()]
    }
}

fn entries(n: usize) -> Vec<Entry> {
    let mut random = Random(0x9e37_79b9_7f4a_7c15);
    (0..n)
        .map(|i| {
            let kind = Kind::ALL[random.next() % Kind::ALL.len()];
            let title = format!("{}{}{}", random.pick(WORDS), random.pick(WORDS), random.pick(FILLER));
            let mut text = String::new();
            for _ in 0..24 {
                text.push_str(random.pick(FILLER));
                text.push_str(random.pick(WORDS));
            }
            text.push('。');
            if i % 10 == 0 {
                text.push_str(&format!(" {} {}", random.pick(LATIN), random.pick(LATIN)));
            }
            Entry {
                kind,
                id: i as i64,
                title,
                text,
                industries: vec![random.pick(INDUSTRIES).to_owned()],
                regions: vec![random.pick(REGIONS).to_owned()],
            }
        })
        .collect()
}

fn queries(n: usize) -> Vec<Query> {
    let mut random = Random(0x2545_f491_4f6c_dd1d);
    (0..n)
        .map(|i| {
            let text = match i % 4 {
                0 => random.pick(WORDS).to_owned(),
                1 => format!("{} {}", random.pick(WORDS), random.pick(WORDS)),
                2 => random.pick(LATIN).to_owned(),
                // Full-width input, as a Chinese input method types Latin letters.
                _ => random.pick(LATIN).chars().map(full_width).collect(),
            };
            let mut query = Query { text, limit: 20, ..Query::default() };
            match i % 5 {
                1 => query.kinds = vec![Kind::Demand],
                2 => query.industry = Some(random.pick(INDUSTRIES)[..1].to_owned()),
                3 => query.region = Some("370000".to_owned()),
                _ => {}
            }
            query
        })
        .collect()
}

fn full_width(c: char) -> char {
    char::from_u32(c as u32 + 0xFEE0).unwrap_or(c)
}

fn percentile(sorted: &[f64], p: f64) -> f64 {
    sorted[((sorted.len() as f64 - 1.0) * p).round() as usize]
}

fn env(name: &str, default: usize) -> usize {
    std::env::var(name).ok().and_then(|v| v.parse().ok()).unwrap_or(default)
}

fn main() {
    let (n, q) = (env("JIEBANG_BENCH_ENTRIES", 100_000), env("JIEBANG_BENCH_QUERIES", 2_000));
    let corpus = entries(n);
    let asked = queries(q);
    if let Ok(dir) = std::env::var("JIEBANG_BENCH_FILES_DIR") {
        let mut out = std::io::BufWriter::new(std::fs::File::create(format!("{dir}/corpus.tsv")).unwrap());
        for e in &corpus {
            writeln!(out, "{}\t{}\t{}", e.kind.as_str(), e.title, e.text).unwrap();
        }
        let mut out = std::io::BufWriter::new(std::fs::File::create(format!("{dir}/queries.txt")).unwrap());
        for query in &asked {
            let half: String = query.text.chars().map(jiebang_core::text::half_width).collect();
            writeln!(out, "{half}").unwrap();
        }
    }
    let index = SearchIndex::new().unwrap();
    let started = Instant::now();
    index.replace_all(corpus).unwrap();
    let build_s = started.elapsed().as_secs_f64();
    // One warm-up pass, as a server that has answered a few searches would be.
    for query in asked.iter().take(50) {
        index.search(query).unwrap();
    }
    let mut ms = Vec::with_capacity(asked.len());
    let mut hits = 0usize;
    let mut empty = 0usize;
    for query in &asked {
        let started = Instant::now();
        let results = index.search(query).unwrap();
        ms.push(started.elapsed().as_secs_f64() * 1000.0);
        hits += results.total;
        empty += usize::from(results.total == 0);
    }
    ms.sort_by(f64::total_cmp);
    println!(
        "{{\"entries\":{n},\"queries\":{q},\"build_s\":{build_s:.3},\"p50_ms\":{:.3},\"p99_ms\":{:.3},\"max_ms\":{:.3},\"mean_hits\":{:.1},\"empty\":{empty}}}",
        percentile(&ms, 0.5),
        percentile(&ms, 0.99),
        ms[ms.len() - 1],
        hits as f64 / q as f64
    );
}
