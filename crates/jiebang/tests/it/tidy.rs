//! Checks that keep the architecture true: which crate may depend on what, and module docs.

use std::path::{Path, PathBuf};

fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..").canonicalize().unwrap()
}

/// The names in a manifest's `[dependencies]` table.
fn dependencies(krate: &str) -> Vec<String> {
    let manifest = std::fs::read_to_string(workspace().join("crates").join(krate).join("Cargo.toml")).unwrap();
    let mut in_dependencies = false;
    let mut names = Vec::new();
    for line in manifest.lines() {
        let line = line.trim();
        if line.starts_with('[') {
            in_dependencies = line == "[dependencies]";
        } else if in_dependencies && let Some((name, _)) = line.split_once('=') {
            names.push(name.trim().trim_end_matches(".workspace").to_owned());
        }
    }
    names
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
    let worker = dependencies("jiebang-worker");
    assert!(!worker.iter().any(|d| ["sqlx", "axum", "tower", "tower-http", "askama"].contains(&d.as_str())));
}

#[test]
fn only_the_onnx_crate_links_an_inference_engine_and_it_does_no_other_io() {
    let engines = ["tract-onnx", "tract-core", "ort", "onnxruntime"];
    let crates = std::fs::read_dir(workspace().join("crates")).unwrap();
    for krate in crates.map(|e| e.unwrap().file_name().into_string().unwrap()) {
        let deps = dependencies(&krate);
        let links = deps.iter().any(|d| engines.contains(&d.as_str()));
        assert_eq!(links, krate == "jiebang-onnx", "{krate}: {deps:?}");
    }
    let onnx = dependencies("jiebang-onnx");
    assert!(!onnx.iter().any(|d| ["tokio", "sqlx", "axum", "object_store"].contains(&d.as_str())), "{onnx:?}");
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
