//! Checks that keep the architecture true: which crate may depend on what, and module docs.

use std::path::{Path, PathBuf};

fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..").canonicalize().unwrap()
}

/// A crate's `Cargo.toml`, parsed.
fn manifest(krate: &str) -> toml::Table {
    let path = workspace().join("crates").join(krate).join("Cargo.toml");
    std::fs::read_to_string(&path).unwrap().parse().unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// The names in a manifest's `[dependencies]` table.
fn dependencies(krate: &str) -> Vec<String> {
    manifest(krate)
        .get("dependencies")
        .and_then(|d| d.as_table())
        .map(|d| d.keys().cloned().collect())
        .unwrap_or_default()
}

/// The workspace's crates, by directory name.
fn crates() -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(workspace().join("crates"))
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .filter(|name| workspace().join("crates").join(name).join("Cargo.toml").exists())
        .collect();
    names.sort();
    names
}

#[test]
fn every_dependency_is_used_in_its_crates_code() {
    let mut unused = Vec::new();
    for krate in crates() {
        let code: Vec<String> =
            sources(&workspace().join("crates").join(&krate).join("src")).into_iter().map(|(_, text)| text).collect();
        for dependency in dependencies(&krate) {
            let name = dependency.replace('-', "_");
            let used =
                code.iter().any(|text| text.contains(&format!("{name}::")) || text.contains(&format!("use {name}")));
            if !used {
                unused.push(format!("{krate} → {dependency}"));
            }
        }
    }
    assert!(unused.is_empty(), "dependencies no code of the crate names (remove them): {unused:?}");
}

#[test]
fn architecture_md_says_which_of_our_crates_each_crate_uses() {
    let text = std::fs::read_to_string(workspace().join("ARCHITECTURE.md")).unwrap();
    // Items such as "- `jiebang-web` uses `jiebang-core`, `jiebang-store`…", wrapped over
    // indented lines.
    let mut items: Vec<String> = Vec::new();
    for line in text.lines() {
        match items.last_mut() {
            Some(item) if line.starts_with("  ") && !line.trim().is_empty() => item.push_str(line),
            _ => items.push(line.to_owned()),
        }
    }
    let mut documented = std::collections::BTreeMap::new();
    for item in items.iter().filter(|l| l.starts_with("- `jiebang") && l.contains("` uses ")) {
        // The names before the first ": " (what follows explains the crate).
        let head = item.split_once(": ").map_or(item.as_str(), |(head, _)| head);
        let names: Vec<String> = head.split('`').skip(1).step_by(2).map(str::to_owned).collect();
        let mut uses = names[1..].to_vec();
        uses.retain(|n| n.starts_with("jiebang"));
        uses.sort();
        documented.insert(names[0].clone(), uses);
    }
    let mut actual = std::collections::BTreeMap::new();
    for krate in crates() {
        let mut uses: Vec<String> = dependencies(&krate).into_iter().filter(|d| d.starts_with("jiebang")).collect();
        uses.sort();
        actual.insert(krate, uses);
    }
    assert_eq!(documented, actual, "ARCHITECTURE.md's \"uses\" list and the manifests disagree");
}

#[test]
fn only_the_store_knows_sql_only_the_web_knows_http_and_the_core_does_no_io() {
    let io = ["tokio", "sqlx", "axum", "tower", "tower-http", "object_store", "reqwest", "askama"];
    for krate in ["jiebang-core", "jiebang-sheets", "jiebang-eval"] {
        let deps = dependencies(krate);
        assert!(!deps.is_empty(), "{krate} has a [dependencies] table");
        for forbidden in io {
            assert!(!deps.iter().any(|d| d == forbidden), "{krate} must not depend on {forbidden}");
        }
    }
    assert!(
        !dependencies("jiebang-store").iter().any(|d| ["axum", "tower", "tower-http", "askama"].contains(&d.as_str()))
    );
    assert!(!dependencies("jiebang-web").iter().any(|d| d == "sqlx"), "the web crate goes through the store");
    assert!(!dependencies("jiebang").iter().any(|d| d == "sqlx"), "the binary goes through the store");
    let binary = dependencies("jiebang");
    assert!(
        !binary.iter().any(|d| ["axum", "tower", "tower-http", "askama"].contains(&d.as_str())),
        "the binary starts the server through jiebang_web::serve: {binary:?}"
    );
    let chat = dependencies("jiebang-chat");
    assert!(
        !chat.iter().any(|d| ["sqlx", "axum", "tower", "tower-http", "askama", "object_store"].contains(&d.as_str())),
        "calling a model needs no database and no web framework: {chat:?}"
    );
    let worker = dependencies("jiebang-worker");
    assert!(!worker.iter().any(|d| ["sqlx", "axum", "tower", "tower-http", "askama"].contains(&d.as_str())));
}

#[test]
fn only_the_onnx_crate_links_an_inference_engine_and_it_does_no_other_io() {
    let engines = ["tract-onnx", "tract-core", "ort", "onnxruntime"];
    for krate in crates() {
        let deps = dependencies(&krate);
        let links = deps.iter().any(|d| engines.contains(&d.as_str()));
        assert_eq!(links, krate == "jiebang-onnx", "{krate}: {deps:?}");
    }
    let onnx = dependencies("jiebang-onnx");
    assert!(!onnx.iter().any(|d| ["tokio", "sqlx", "axum", "object_store"].contains(&d.as_str())), "{onnx:?}");
}

#[test]
fn only_the_llm_crate_links_candle_and_the_worker_reaches_it_through_a_process() {
    for krate in crates() {
        let deps = dependencies(&krate);
        let links = deps.iter().any(|d| d.starts_with("candle"));
        assert_eq!(links, krate == "jiebang-llm", "{krate}: {deps:?}");
    }
    // The worker starts `jiebang llm-serve`; it never links the runner.
    assert!(!dependencies("jiebang-worker").contains(&"jiebang-llm".to_owned()));
    let llm = dependencies("jiebang-llm");
    assert!(!llm.iter().any(|d| ["sqlx", "axum", "object_store", "reqwest"].contains(&d.as_str())), "{llm:?}");
}

#[test]
fn every_source_file_starts_with_a_module_doc() {
    let missing: Vec<String> = sources(&workspace().join("crates"))
        .into_iter()
        .filter(|(_, text)| !text.starts_with("//!"))
        .map(|(path, _)| path.display().to_string())
        .collect();
    assert!(missing.is_empty(), "files without a //! first line: {missing:?}");
}

/// Every `.rs` file under `dir`, with its text.
fn sources(dir: &Path) -> Vec<(PathBuf, String)> {
    let mut found = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                stack.push(path);
            } else if path.extension().is_some_and(|e| e == "rs") {
                let text = std::fs::read_to_string(&path).unwrap();
                found.push((path, text));
            }
        }
    }
    found
}

#[test]
fn the_api_and_the_pages_are_adapters_over_the_application_layer_and_never_import_each_other() {
    let web = workspace().join("crates/jiebang-web/src");
    let rules = [
        ("api", ["crate::pages", "super::pages"].as_slice()),
        ("pages", ["crate::api", "super::api"].as_slice()),
        ("app", ["crate::api", "crate::pages", "super::api", "super::pages"].as_slice()),
    ];
    let mut crossings = Vec::new();
    for (layer, forbidden) in rules {
        for (path, text) in sources(&web.join(layer)) {
            for (number, line) in text.lines().enumerate() {
                if !line.trim_start().starts_with("//") && forbidden.iter().any(|f| line.contains(&format!("{f}::"))) {
                    crossings.push(format!("{}:{}: {}", path.display(), number + 1, line.trim()));
                }
            }
        }
    }
    assert!(crossings.is_empty(), "layers crossed:\n{}", crossings.join("\n"));
}

#[test]
fn every_error_code_the_web_sends_is_documented_on_the_envelope() {
    let web = workspace().join("crates/jiebang-web/src");
    let envelope = std::fs::read_to_string(web.join("error.rs")).unwrap();
    let mut sent = std::collections::BTreeSet::new();
    // `i18n` names languages with `code: "zh"`; every other `code: "…"` or `body("…"` is an error code.
    for (path, text) in sources(&web).into_iter().filter(|(path, _)| !path.ends_with("i18n.rs")) {
        for marker in ["code: \"", "body(\""] {
            for (at, _) in text.match_indices(marker) {
                let rest = &text[at + marker.len()..];
                let code = &rest[..rest.find('"').unwrap()];
                sent.insert((code.to_owned(), path.display().to_string()));
            }
        }
    }
    assert!(sent.len() >= 10, "found the codes: {sent:?}");
    let undocumented: Vec<_> =
        sent.into_iter().filter(|(code, _)| !envelope.contains(&format!("/// - `{code}` ("))).collect();
    assert!(undocumented.is_empty(), "codes missing from ErrorBody's list: {undocumented:?}");
}

/// The OpenAPI document names each schema by its type's name, and a second type of the same
/// name silently replaces the first (two `BudgetLine`s once did, and the fuzzer caught the
/// application's budget answered against the agreement's schema). Every type given a schema
/// has a name of its own.
#[test]
fn no_two_types_in_the_openapi_document_share_a_name() {
    let mut seen: std::collections::BTreeMap<String, PathBuf> = std::collections::BTreeMap::new();
    let mut clashes = Vec::new();
    for krate in crates() {
        for (path, text) in sources(&workspace().join("crates").join(&krate).join("src")) {
            let lines: Vec<&str> = text.lines().collect();
            for (i, line) in lines.iter().enumerate() {
                if !line.trim_start().starts_with("#[") || !line.contains("ToSchema") {
                    continue;
                }
                let declared = lines[i + 1..].iter().take(6).find_map(|l| {
                    let l = l.trim_start();
                    let rest = l.strip_prefix("pub struct ").or_else(|| l.strip_prefix("pub enum "))?;
                    Some(rest.split(|c: char| !c.is_alphanumeric() && c != '_').next()?.to_owned())
                });
                if let Some(name) = declared
                    && let Some(first) = seen.insert(name.clone(), path.clone())
                    && first != path
                {
                    clashes.push(format!("{name}: {} and {}", first.display(), path.display()));
                }
            }
        }
    }
    assert!(clashes.is_empty(), "types sharing a schema name:\n{}", clashes.join("\n"));
}
