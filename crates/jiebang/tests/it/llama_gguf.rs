//! Delivered GGUF models run on this machine (`jiebang eval llm`): by the built-in runner and by
//! llama.cpp as the reference runtime, judged on quality, serving, size and memory; hostile
//! files, a memory hog and an endless generation end cleanly. The fixtures and llama.cpp come
//! from `scripts/test` (`JIEBANG_LLM_FIXTURES`, `JIEBANG_LLAMA_PYTHON`).

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use serde_json::Value;

use crate::BIN;

fn fixture(name: &str) -> PathBuf {
    let folder = std::env::var("JIEBANG_LLM_FIXTURES").expect("JIEBANG_LLM_FIXTURES: scripts/test sets it");
    Path::new(&folder).join(name)
}

/// Ten multiple-choice questions, four answered B (`llama::bank`); and a generation bank of three.
fn banks(dir: &Path) -> [(PathBuf, PathBuf); 2] {
    let (q, t) = crate::llama::bank(dir);
    let (gq, gt) = (dir.join("generation.jsonl"), dir.join("generation-truth.jsonl"));
    let ids = ["g0", "g1", "g2"];
    std::fs::write(&gq, ids.map(|id| format!("{{\"id\":\"{id}\",\"question\":\"请简述安全联锁。\"}}\n")).concat())
        .unwrap();
    std::fs::write(&gt, ids.map(|id| format!("{{\"id\":\"{id}\",\"answer\":\"联锁\"}}\n")).concat()).unwrap();
    [(q, t), (gq, gt)]
}

fn eval_llm(model: &str, bank: &(PathBuf, PathBuf), task: &str, extra: &[&str]) -> Output {
    let mut command = Command::new(BIN);
    command.args(["eval", "llm", "--model"]).arg(fixture(model));
    command.arg("--questions").arg(&bank.0).arg("--truth").arg(&bank.1).args(["--task", task]);
    command.args(extra).output().unwrap()
}

fn report(output: &Output) -> Value {
    assert_eq!(output.status.code(), Some(0), "{}", String::from_utf8_lossy(&output.stderr));
    serde_json::from_slice(&output.stdout).unwrap()
}

#[test]
#[ignore = "needs llama.cpp and the GGUF fixtures: scripts/test runs this"]
fn llama_cpp_and_the_built_in_runner_judge_a_delivered_gguf_model_alike() {
    let dir = tempfile::tempdir().unwrap();
    let [choice, _] = banks(dir.path());
    let python = std::env::var("JIEBANG_LLAMA_PYTHON").expect("JIEBANG_LLAMA_PYTHON: scripts/test sets it");
    let reference = format!(
        "{python} -m llama_cpp.server --model {{model}} --host 127.0.0.1 --port {{port}} --n_threads {{threads}} --n_ctx 2048 --model_alias delivered --interrupt_requests false"
    );
    let indicators = [
        "--indicator",
        "choice_accuracy>=0.4",
        "--indicator",
        "peak_memory_mb<=4096",
        "--indicator",
        "model_size_mb<=1",
        "--indicator",
        "parameter_count<=200000",
        "--indicator",
        "load_time_s<=120",
        "--indicator",
        "output_tokens_per_s>=0.1",
    ];
    for runtime in ["builtin", "reference"] {
        let mut extra = vec![
            "--runtime",
            runtime,
            "--reference-command",
            &reference,
            "--reference-name",
            "llama-cpp-python 0.3.36",
        ];
        extra.extend(["--concurrency", "1", "--concurrency", "2", "--max-tokens", "8", "--memory-mb", "8192"]);
        extra.extend(indicators);
        let transcript = dir.path().join(format!("{runtime}.jsonl"));
        extra.extend(["--transcript", transcript.to_str().unwrap()]);
        let report = report(&eval_llm("constant-b.gguf", &choice, "choice", &extra));
        assert_eq!(report["metrics"]["choice_accuracy"], 0.4, "{runtime}: {report}");
        assert_eq!(report["verdict"], "pass", "{runtime}: {report}");
        assert_eq!(report["metrics"]["parameter_count"], 115_520.0);
        let peak = report["metrics"]["peak_memory_mb"].as_f64().unwrap();
        assert!(peak > 1.0 && peak < 4096.0, "{runtime}: peak {peak}");
        assert_eq!(report["model"]["header"]["architecture"], "llama");
        assert_eq!(report["levels"].as_array().unwrap().len(), 2);
        // llama-cpp-python's streams carry no usage; the built-in runner's do.
        let tokens = if runtime == "builtin" { "usage" } else { "characters" };
        assert_eq!(report["levels"][0]["tokens"], tokens, "{runtime}");
        let runtime_name = report["model"]["runtime"].as_str().unwrap();
        let confinement = report["model"]["confinement"].as_str().unwrap();
        if runtime == "builtin" {
            assert!(
                runtime_name.contains("built-in") && confinement.contains("landlock"),
                "{runtime_name}; {confinement}"
            );
        } else {
            assert_eq!(runtime_name, "llama-cpp-python 0.3.36");
            assert!(confinement.contains("not sandboxed"), "{confinement}");
        }
        assert!(std::fs::read_to_string(&transcript).unwrap().lines().count() > 10);
    }
}

#[test]
#[ignore = "needs the GGUF fixtures from llama.cpp's converter package: scripts/test runs this"]
fn hostile_gguf_files_are_refused_with_their_reason_before_anything_runs() {
    let dir = tempfile::tempdir().unwrap();
    let [choice, _] = banks(dir.path());
    for (file, reason) in [
        ("hostile-truncated.gguf", "the file is truncated or its header is wrong"),
        ("hostile-trillion.gguf", "claims 1000000000000 tensors"),
        ("hostile-duplicate-vocab.gguf", "the vocabulary repeats the tokens"),
        ("hostile-unknown-arch.gguf", "the architecture jiebang-unknown is not supported"),
    ] {
        for runtime in ["builtin", "reference"] {
            let output =
                eval_llm(file, &choice, "choice", &["--runtime", runtime, "--reference-command", "false {model}"]);
            let stderr = String::from_utf8_lossy(&output.stderr);
            assert_eq!(output.status.code(), Some(2), "{file} ({runtime}): {stderr}");
            assert!(stderr.contains(reason) && !stderr.contains("panicked"), "{file} ({runtime}): {stderr}");
        }
    }
    let output = eval_llm("random.gguf", &choice, "choice", &["--max-size-mb", "0.1"]);
    assert!(String::from_utf8_lossy(&output.stderr).contains("exceed the limit of 0.1 MB"));
}

#[test]
#[ignore = "needs the GGUF fixtures: scripts/test runs this"]
fn a_model_that_asks_for_tens_of_gigabytes_ends_at_the_memory_limit() {
    let dir = tempfile::tempdir().unwrap();
    let [choice, _] = banks(dir.path());
    let output = eval_llm("memory-hog.gguf", &choice, "choice", &["--memory-mb", "1024"]);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("beyond the memory limit") || stderr.contains("memory allocation"), "{stderr}");
}

#[test]
#[ignore = "needs the GGUF fixtures: scripts/test runs this"]
fn an_endless_generation_is_cut_by_the_time_limit_and_the_next_question_is_answered() {
    let dir = tempfile::tempdir().unwrap();
    let [_, generation] = banks(dir.path());
    // A babbling model with no answer length: each answer runs until the whole-exchange limit.
    let transcript = dir.path().join("endless.jsonl");
    let mut extra = vec!["--max-tokens", "100000", "--timeout-s", "1", "--attempts", "1", "--metric", "exact_match"];
    extra.extend(["--transcript", transcript.to_str().unwrap()]);
    let started = std::time::Instant::now();
    let report = report(&eval_llm("random.gguf", &generation, "generation", &extra));
    assert_eq!(report["metrics"]["error_rate"], 1.0, "{report}");
    assert!(started.elapsed().as_secs() < 60, "the runaway generations were stopped");
    // The runner answers one request at a time: every question got tokens, so each runaway
    // generation stopped when its client gave up instead of holding the model.
    let records: Vec<Value> = std::fs::read_to_string(&transcript)
        .unwrap()
        .lines()
        .skip(1)
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(records.len(), 3);
    for record in &records {
        let exchange = &record["record"]["exchange"];
        assert!(exchange["first_token_ms"].as_f64().is_some(), "{exchange}");
        assert!(
            !exchange["answer"].as_str().unwrap_or_default().is_empty() || exchange["failure"].is_object(),
            "{exchange}"
        );
    }
}

#[test]
#[ignore = "needs llama.cpp: scripts/test runs this"]
fn llama_cpp_serves_the_known_answer_model_the_platform_writes_itself() {
    let dir = tempfile::tempdir().unwrap();
    let [choice, _] = banks(dir.path());
    let model = dir.path().join("constant-b.gguf");
    std::fs::write(&model, jiebang_gguf::write::constant_answer_model(b'B')).unwrap();
    let python = std::env::var("JIEBANG_LLAMA_PYTHON").expect("JIEBANG_LLAMA_PYTHON: scripts/test sets it");
    let reference = format!(
        "{python} -m llama_cpp.server --model {{model}} --host 127.0.0.1 --port {{port}} --n_ctx 2048 --model_alias delivered"
    );
    let output = Command::new(BIN)
        .args(["eval", "llm", "--runtime", "reference", "--reference-command", &reference, "--model"])
        .arg(&model)
        .arg("--questions")
        .arg(&choice.0)
        .arg("--truth")
        .arg(&choice.1)
        .args(["--task", "choice", "--max-tokens", "8"])
        .output()
        .unwrap();
    assert_eq!(report(&output)["metrics"]["choice_accuracy"], 0.4);
}

/// The model servers run in a process group of their own, so a killed worker cannot take them
/// down with it: each ends itself once its parent is gone.
#[test]
fn a_model_server_ends_when_the_process_that_started_it_is_killed() {
    let dir = tempfile::tempdir().unwrap();
    let model = dir.path().join("constant-b.gguf");
    std::fs::write(&model, jiebang_gguf::write::constant_answer_model(b'B')).unwrap();
    let model = model.to_str().unwrap();
    for server in
        [format!("{BIN} llm-serve --model {model}"), format!("{BIN} run-limited --memory-mb 1024 -- sleep 600")]
    {
        // A stand-in for the worker: a shell that starts the server and reports its pid.
        let mut parent = std::process::Command::new("sh")
            .args(["-c", &format!("{server} >/dev/null 2>&1 & echo $!; wait")])
            .stdout(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        let mut line = String::new();
        std::io::BufRead::read_line(&mut std::io::BufReader::new(parent.stdout.take().unwrap()), &mut line).unwrap();
        let pid = line.trim().to_owned();
        let alive = || {
            std::path::Path::new(&format!("/proc/{pid}")).exists()
                && !std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default().contains(") Z")
        };
        std::thread::sleep(std::time::Duration::from_millis(500));
        assert!(alive(), "{server} started");
        parent.kill().unwrap();
        parent.wait().unwrap();
        let gone = (0..40).any(|_| {
            std::thread::sleep(std::time::Duration::from_millis(100));
            !alive()
        });
        assert!(gone, "{server} outlived the process that started it");
    }
}
