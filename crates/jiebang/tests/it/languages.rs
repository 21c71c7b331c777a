//! One language per page: every page the demo's roles reach, crawled in Chinese and in English,
//! speaks its page's language. Data people entered (names, titles, summaries) is exempt — it is
//! read from the database — and so is an element that declares its own `lang` (the language
//! switch, a quoted English term), as HTML's "language of parts" asks.

use std::collections::{BTreeMap, BTreeSet, HashSet, VecDeque};

use serde_json::json;

use crate::{Env, serve, server_password};

/// Pages crawled per role and language, at most; ids beyond three per route shape add nothing.
const PAGES_PER_WALK: usize = 400;
const SAME_SHAPE: usize = 3;

/// Terms a Chinese page may write in Latin letters: units, formats, standards, metric names.
const LATIN_TERMS: &[&str] = &[
    "AI",
    "API",
    "AUC",
    "ROC",
    "PR",
    "F1",
    "F",
    "EM",
    "BLEU",
    "chrF",
    "ROUGE",
    "ROUGE-L",
    "MAE",
    "RMSE",
    "MAPE",
    "R2",
    "ONNX",
    "GGUF",
    "Jinja",
    "candle",
    "opset",
    "CSV",
    "TSV",
    "XLSX",
    "JSON",
    "PDF",
    "Parquet",
    "SHA",
    "URL",
    "HTTP",
    "HTTPS",
    "SMTP",
    "Token",
    "ID",
    "GB",
    "T",
    "MB",
    "KB",
    "GiB",
    "MiB",
    "ms",
    "s",
    "p50",
    "p90",
    "p95",
    "p99",
    "CPU",
    "GPU",
    "LLM",
    "Ed25519",
    "OpenAI",
    "Excel",
    "PNG",
    "JPEG",
    "JSONL",
    "UTF-8",
    "UTF",
    "GBK",
    "xlsx",
    "csv",
    "B",
    "Runtime",
    "QPS",
    "TTFT",
    "TPOT",
    "ITL",
    "E2E",
    "C-Eval",
    "OpenAPI",
    "jiebang",
    "recall",
    "precision",
    "top",
    "k",
    "x",
    "N",
    "v",
];

#[tokio::test]
async fn every_page_speaks_one_language_in_both_languages() {
    let env = Env::new().await;
    let server = serve(&env, &["--demo"]);
    wait_for_scoring(&server).await;
    let data = DataWords::from(
        jiebang_store::Store::connect(&env.database_url).await.unwrap().every_text_value().await.unwrap(),
    );
    let mut problems = BTreeMap::<String, BTreeSet<String>>::new();
    let mut pages = 0;
    let mut shapes = BTreeSet::new();
    for who in [None, Some("admin"), Some("organizer"), Some("recommender"), Some("expert"), Some("applicant")] {
        for lang in ["zh", "en"] {
            let client = demo_client(&server, who).await;
            let base = &server.base;
            client.get(format!("{base}/lang/{lang}?next=/")).send().await.unwrap();
            for (path, html) in crawl(&client, base).await {
                pages += 1;
                shapes.insert(
                    path.split('?').next().unwrap().chars().filter(|c| !c.is_ascii_digit()).collect::<String>(),
                );
                for problem in check_page(&html, lang, &data) {
                    problems.entry(format!("{lang} {}: {path}", who.unwrap_or("public"))).or_default().insert(problem);
                }
            }
        }
    }
    assert!(pages > 150, "only {pages} pages were crawled");
    for page in [
        "/submissions//report",
        "/organizations/",
        "/my/applications",
        "/programs//publicity",
        "/users",
        "/programs//projects",
        "/projects/",
        "/projects//agreement",
        "/my/projects",
    ] {
        assert!(shapes.contains(page), "{page} was not crawled: {shapes:?}");
    }
    let report: Vec<String> = problems
        .iter()
        .map(|(page, found)| format!("{page}\n    {}", found.iter().cloned().collect::<Vec<_>>().join("\n    ")))
        .collect();
    assert!(report.is_empty(), "{} pages mix languages:\n{}", report.len(), report.join("\n"));
}

/// A client with a cookie jar, signed in as the demo's `who` (`None`: the public).
async fn demo_client(server: &crate::Server, who: Option<&str>) -> reqwest::Client {
    let client =
        reqwest::Client::builder().cookie_store(true).redirect(reqwest::redirect::Policy::limited(5)).build().unwrap();
    if let Some(who) = who {
        let email = format!("{who}@demo.jiebang.cn");
        let password = server_password(&server.stdout, &email);
        let login = client
            .post(format!("{}/api/v1/session", server.base))
            .json(&json!({"email": email, "password": password}))
            .send()
            .await
            .unwrap();
        assert_eq!(login.status(), 200, "{who} signs in");
    }
    client
}

/// Until the embedded workers have scored the demo's submissions (their reports are pages too).
async fn wait_for_scoring(server: &crate::Server) {
    let client = demo_client(server, Some("organizer")).await;
    let started = std::time::Instant::now();
    loop {
        let queue: serde_json::Value = client
            .get(format!("{}/api/v1/phases/1/submissions", server.base))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let items = queue.as_array().cloned().unwrap_or_default();
        if !items.is_empty() && items.iter().all(|s| s["state"] != "queued" && s["state"] != "running") {
            return;
        }
        assert!(started.elapsed().as_secs() < 180, "the demo was not scored: {queue}");
        tokio::time::sleep(std::time::Duration::from_millis(250)).await;
    }
}

/// Every HTML page reachable from `/` by links, a few per route shape.
async fn crawl(client: &reqwest::Client, base: &str) -> Vec<(String, String)> {
    let mut queue = VecDeque::from(["/".to_owned()]);
    let mut seen = HashSet::new();
    let mut shapes = BTreeMap::<String, usize>::new();
    let mut pages = Vec::new();
    while let Some(path) = queue.pop_front() {
        if pages.len() >= PAGES_PER_WALK {
            break;
        }
        let response = client.get(format!("{base}{path}")).send().await.unwrap();
        let html =
            response.headers().get("content-type").is_some_and(|t| t.to_str().unwrap_or("").starts_with("text/html"));
        if !html {
            continue;
        }
        assert!(response.status().as_u16() < 500, "{path}: {}", response.status());
        let body = response.text().await.unwrap();
        for link in links(&body, &path) {
            let shape: String = link.chars().map(|c| if c.is_ascii_digit() { '9' } else { c }).collect();
            let count = shapes.entry(shape).or_default();
            if *count < SAME_SHAPE && seen.insert(link.clone()) {
                *count += 1;
                queue.push_back(link);
            }
        }
        pages.push((path, body));
    }
    pages
}

/// The site's own page links (and htmx fragments) in `html`: no sign-out, language switch, API, static or download.
fn links(html: &str, from: &str) -> Vec<String> {
    let here = from.split('?').next().unwrap_or("/");
    // Links, and the fragments htmx loads into tabs.
    html.split("href=\"")
        .skip(1)
        .chain(html.split("hx-get=\"").skip(1))
        .filter_map(|rest| rest.split('"').next())
        .map(|href| href.replace("&amp;", "&"))
        .map(|href| if href.starts_with('?') { format!("{here}{href}") } else { href })
        .filter(|href| href.starts_with('/') && !href.starts_with("//"))
        .map(|href| href.split('#').next().unwrap().to_owned())
        .filter(|href| {
            !["/lang/", "/api/", "/static/", "/logout", "/files/", "/favicon"].iter().any(|p| href.starts_with(p))
                && ![".csv", ".json", ".xlsx", ".pdf", ".onnx", ".zip", "/download"]
                    .iter()
                    .any(|s| href.split('?').next().unwrap().ends_with(s))
        })
        .collect()
}

/// What the database holds, split for the checks: Chinese runs and Latin words.
struct DataWords {
    runs: HashSet<String>,
    joined: String,
    words: HashSet<String>,
}

impl From<Vec<String>> for DataWords {
    fn from(values: Vec<String>) -> Self {
        let mut texts = Vec::new();
        for value in values {
            // JSON documents (snapshots, audit details) hold data too: take their strings.
            match serde_json::from_str::<serde_json::Value>(&value) {
                Ok(json) if json.is_object() || json.is_array() => strings_in(&json, &mut texts),
                _ => texts.push(value),
            }
        }
        let mut runs = HashSet::new();
        let mut words = HashSet::new();
        // A message the platform stored in both languages ("中文 / English") is not data: a
        // page must say one side of it.
        for text in texts.iter().filter(|t| !is_bilingual(t)) {
            runs.extend(han_runs(text));
            words.extend(latin_words(text));
        }
        let joined = runs.iter().cloned().collect::<Vec<_>>().join("\u{0}");
        Self { runs, joined, words }
    }
}

fn is_bilingual(text: &str) -> bool {
    text.match_indices(" / ").any(|(at, _)| {
        text[..at].chars().any(is_han) && text[at + 3..].chars().next().is_some_and(|c| c.is_ascii_alphanumeric())
    })
}

fn strings_in(json: &serde_json::Value, out: &mut Vec<String>) {
    match json {
        serde_json::Value::String(s) => out.push(s.clone()),
        serde_json::Value::Array(items) => items.iter().for_each(|v| strings_in(v, out)),
        // A report's keys are data too: the bank's category names, its metric names.
        serde_json::Value::Object(map) => map.iter().for_each(|(k, v)| {
            out.push(k.clone());
            strings_in(v, out)
        }),
        _ => {}
    }
}

fn is_han(c: char) -> bool {
    matches!(c, '\u{3400}'..='\u{9fff}' | '\u{f900}'..='\u{faff}' | '\u{3000}'..='\u{303f}' | '\u{ff00}'..='\u{ffef}')
}

/// Runs of Chinese characters and punctuation.
fn han_runs(text: &str) -> Vec<String> {
    let mut runs = Vec::new();
    let mut run = String::new();
    for c in text.chars() {
        if is_han(c) {
            run.push(c);
        } else if !run.is_empty() {
            runs.push(std::mem::take(&mut run));
        }
    }
    if !run.is_empty() {
        runs.push(run);
    }
    runs.into_iter().filter(|r| r.chars().any(|c| c.is_alphabetic())).collect()
}

/// Latin words, leaving out addresses, paths, file names and hex digests.
fn latin_words(text: &str) -> Vec<String> {
    text.split(|c: char| c.is_whitespace() || is_han(c))
        .filter(|chunk| !chunk.contains('@') && !chunk.contains("://") && !chunk.starts_with('/'))
        .filter(|chunk| {
            let bare = chunk.trim_matches(|c: char| !c.is_alphanumeric() && c != '.');
            !(bare.contains('.') && bare.rsplit('.').next().is_some_and(|ext| (2..=5).contains(&ext.len())))
        })
        .flat_map(|chunk| chunk.split(|c: char| !(c.is_ascii_alphanumeric() || c == '_' || c == '-')))
        .map(|word| word.trim_matches('-'))
        .filter(|word| word.chars().any(|c| c.is_ascii_alphabetic()))
        .filter(|word| !(word.len() >= 8 && word.chars().all(|c| c.is_ascii_hexdigit())))
        .map(str::to_owned)
        .collect()
}

/// A code such as an industry division (C34), a version (v1) or a percentile (p99).
fn is_code(word: &str) -> bool {
    let mut chars = word.chars();
    chars.next().is_some_and(|c| c.is_ascii_alphabetic())
        && !chars.as_str().is_empty()
        && chars.all(|c| c.is_ascii_digit())
}

/// What is wrong with one page: Chinese on an English page, English on a Chinese page.
fn check_page(html: &str, lang: &str, data: &DataWords) -> Vec<String> {
    let text = page_text(html, lang);
    if lang == "en" {
        han_runs(&text)
            .into_iter()
            .filter(|run| !data.runs.contains(run) && !data.joined.contains(run.as_str()))
            .map(|run| format!("Chinese: {run}"))
            .collect()
    } else {
        latin_words(&text)
            .into_iter()
            .filter(|word| {
                !data.words.contains(word)
                    && !LATIN_TERMS.contains(&word.as_str())
                    && !is_code(word)
                    && !word
                        .split(['-', '_'])
                        .all(|part| LATIN_TERMS.contains(&part) || part.chars().all(|c| c.is_ascii_digit()))
            })
            .map(|word| format!("English: {word}"))
            .collect()
    }
}

/// A page's words: text and the attributes people read (title, placeholder, aria-label, alt),
/// leaving out scripts, styles, code, and elements that declare another language.
fn page_text(html: &str, lang: &str) -> String {
    const VOID: &[&str] = &["br", "img", "input", "meta", "link", "hr", "wbr", "col", "source", "area", "base"];
    const UNREAD: &[&str] = &["script", "style", "code", "pre", "kbd", "samp", "textarea"];
    let mut out = String::new();
    let mut stack: Vec<(String, bool)> = Vec::new();
    let mut rest = html;
    while let Some(open) = rest.find('<') {
        let skipping = stack.iter().any(|(_, skip)| *skip);
        if !skipping {
            out.push_str(&decode(&rest[..open]));
            out.push(' ');
        }
        rest = &rest[open..];
        if rest.starts_with("<!--") {
            rest = rest.find("-->").map_or("", |end| &rest[end + 3..]);
            continue;
        }
        let Some(close) = rest.find('>') else { break };
        let tag = &rest[1..close];
        rest = &rest[close + 1..];
        if tag.starts_with('!') {
            continue;
        }
        if let Some(name) = tag.strip_prefix('/') {
            let name = name.trim().to_ascii_lowercase();
            if let Some(at) = stack.iter().rposition(|(open, _)| *open == name) {
                stack.truncate(at);
            }
            continue;
        }
        let name = tag.split(|c: char| c.is_whitespace() || c == '/').next().unwrap_or("").to_ascii_lowercase();
        let own_lang = attribute(tag, "lang");
        let skip =
            UNREAD.contains(&name.as_str()) || (name != "html" && own_lang.is_some_and(|l| !l.starts_with(lang)));
        if !skipping && !skip {
            for attr in ["title", "placeholder", "aria-label", "alt"] {
                if let Some(value) = attribute(tag, attr) {
                    out.push_str(&decode(value));
                    out.push(' ');
                }
            }
        }
        if !VOID.contains(&name.as_str()) && !tag.ends_with('/') {
            stack.push((name, skip));
        }
    }
    out
}

/// The value of `name="…"` in a start tag.
fn attribute<'a>(tag: &'a str, name: &str) -> Option<&'a str> {
    let mut search = tag;
    while let Some(at) = search.find(&format!("{name}=\"")) {
        let before = search[..at].chars().last();
        let value = &search[at + name.len() + 2..];
        if before.is_none_or(char::is_whitespace) {
            return value.split('"').next();
        }
        search = value;
    }
    None
}

fn decode(text: &str) -> String {
    let mut out = String::new();
    let mut rest = text;
    while let Some(at) = rest.find('&') {
        out.push_str(&rest[..at]);
        rest = &rest[at..];
        let Some(end) = rest.find(';').filter(|&end| end < 10) else {
            out.push('&');
            rest = &rest[1..];
            continue;
        };
        let entity = &rest[1..end];
        let decoded = match entity {
            "amp" => Some('&'),
            "lt" => Some('<'),
            "gt" => Some('>'),
            "quot" => Some('"'),
            "nbsp" => Some(' '),
            _ => entity
                .strip_prefix("#x")
                .and_then(|hex| u32::from_str_radix(hex, 16).ok())
                .or_else(|| entity.strip_prefix('#').and_then(|dec| dec.parse().ok()))
                .and_then(char::from_u32),
        };
        match decoded {
            Some(c) => {
                out.push(c);
                rest = &rest[end + 1..];
            }
            None => {
                out.push('&');
                rest = &rest[1..];
            }
        }
    }
    out.push_str(rest);
    out
}

#[test]
fn the_checker_finds_mixed_pages_and_spares_data_and_marked_parts() {
    let data = DataWords::from(vec!["云鼎科技".to_owned(), r#"{"title": "节水灌溉装备大模型 v2"}"#.to_owned()]);
    let en = r#"<html lang="en"><p title="提交">Applicant 云鼎科技 &amp; 节水灌溉装备大模型</p><a lang="zh">中文</a><script>var x = "中文";</script><p>申报</p></html>"#;
    assert_eq!(check_page(en, "en", &data), ["Chinese: 提交", "Chinese: 申报"]);
    let zh = r#"<html lang="zh-CN"><p>申报单位 云鼎科技 v2，AUC 0.93，文件 pred.csv，a@b.cn</p><a lang="en">English</a><p>Save</p><code>curl -H</code></html>"#;
    assert_eq!(check_page(zh, "zh", &data), ["English: Save"]);
}
