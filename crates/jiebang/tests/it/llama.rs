//! The real thing: llama.cpp's OpenAI-compatible server (`llama-cpp-python[server]`) serving the
//! tiny GGUF models `scripts/llm-fixtures.py` writes. `scripts/test` builds and caches the server,
//! writes the models and runs these with `--ignored`, setting `JIEBANG_LLAMA_PYTHON` (the venv's
//! python) and `JIEBANG_LLM_FIXTURES` (the models' folder).

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;

use crate::BIN;

/// A llama.cpp server on a free loopback port; killed on drop.
struct Llama {
    child: Child,
    base_url: String,
}

impl Drop for Llama {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn fixture(name: &str) -> PathBuf {
    let folder = std::env::var("JIEBANG_LLM_FIXTURES").expect("JIEBANG_LLM_FIXTURES: scripts/test sets it");
    Path::new(&folder).join(name)
}

async fn llama(model: &str) -> Llama {
    let python = std::env::var("JIEBANG_LLAMA_PYTHON").expect("JIEBANG_LLAMA_PYTHON: scripts/test sets it");
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let child = Command::new(python)
        .args(["-m", "llama_cpp.server", "--model", fixture(model).to_str().unwrap(), "--host", "127.0.0.1"])
        .args(["--port", &port.to_string(), "--n_ctx", "2048", "--n_threads", "1", "--model_alias", "tiny"])
        // By default a new request cuts the one streaming (it ends with [DONE] and no answer,
        // which the client rightly counts as failed); queued, every question is answered.
        .args(["--interrupt_requests", "false"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let server = Llama { child, base_url: format!("http://127.0.0.1:{port}/v1") };
    let started = Instant::now();
    let client = reqwest::Client::new();
    loop {
        let ready =
            client.get(format!("{}/models", server.base_url)).send().await.is_ok_and(|r| r.status().is_success());
        if ready {
            return server;
        }
        assert!(started.elapsed() < Duration::from_secs(120), "llama.cpp did not start serving {model}");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

/// Ten questions, four of them answered B.
pub(crate) fn bank(dir: &Path) -> (PathBuf, PathBuf) {
    let (mut questions, mut truth) = (String::new(), String::new());
    for (i, answer) in ["B", "A", "B", "C", "D", "B", "A", "C", "B", "D"].iter().enumerate() {
        let q = serde_json::json!({"id": format!("q{i}"), "category": "化工安全", "question": format!("第 {i} 题：以下哪项正确？"),
                                   "choices": {"A": "甲", "B": "乙", "C": "丙", "D": "丁"}});
        questions.push_str(&format!("{q}\n"));
        truth.push_str(&format!("{}\n", serde_json::json!({"id": format!("q{i}"), "answer": answer})));
    }
    let (q, t) = (dir.join("questions.jsonl"), dir.join("truth.jsonl"));
    std::fs::write(&q, questions).unwrap();
    std::fs::write(&t, truth).unwrap();
    (q, t)
}

async fn eval(args: Vec<String>) -> Value {
    let output = tokio::task::spawn_blocking(move || Command::new(BIN).args(args).output().unwrap()).await.unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(0), "{stderr}");
    serde_json::from_slice(&output.stdout).unwrap()
}

fn args(server: &Llama, q: &Path, t: &Path, dir: &Path, extra: &[&str]) -> Vec<String> {
    let mut args: Vec<String> =
        ["eval", "endpoint", "--base-url", &server.base_url, "--model", "tiny", "--task", "choice"]
            .iter()
            .map(|s| (*s).to_owned())
            .collect();
    for (flag, path) in [("--questions", q), ("--truth", t), ("--transcript", &dir.join("transcript.jsonl"))] {
        args.extend([flag.to_owned(), path.to_str().unwrap().to_owned()]);
    }
    args.extend(extra.iter().map(|s| (*s).to_owned()));
    args
}

#[tokio::test(flavor = "multi_thread")]
#[ignore = "needs llama.cpp: scripts/test builds it and runs this"]
async fn a_model_whose_answer_is_always_b_scores_exactly_the_share_of_bs() {
    let server = llama("constant-b.gguf").await;
    let dir = tempfile::tempdir().unwrap();
    let (q, t) = bank(dir.path());
    for stream in [true, false] {
        let mut extra = vec!["--concurrency", "2", "--max-tokens", "8", "--indicator", "choice_accuracy>=0.4"];
        extra.extend(["--indicator", "error_rate<=0", "--indicator", "ttft_p99_ms<=60000"]);
        if !stream {
            extra.push("--no-stream");
        }
        let report = eval(args(&server, &q, &t, dir.path(), &extra)).await;
        assert_eq!(report["metrics"]["choice_accuracy"], 0.4, "stream {stream}: {report}");
        assert_eq!(report["metrics"]["error_rate"], 0.0);
        assert_eq!(report["metrics"]["truncation_rate"], 0.0, "the model ends its answer with <|im_end|>");
        assert_eq!(report["verdict"], "pass");
        let transcript = std::fs::read_to_string(dir.path().join("transcript.jsonl")).unwrap();
        let answers: Vec<String> = transcript
            .lines()
            .skip(1)
            .map(|l| {
                serde_json::from_str::<Value>(l).unwrap()["record"]["exchange"]["answer"].as_str().unwrap().to_owned()
            })
            .collect();
        assert_eq!(answers.len(), 10);
        assert!(answers.iter().all(|a| a == "B"), "greedy answers: {answers:?}");
    }
}

#[tokio::test(flavor = "multi_thread")]
#[ignore = "needs llama.cpp: scripts/test builds it and runs this"]
async fn a_babbling_model_is_measured_and_cut_at_max_tokens() {
    let server = llama("random.gguf").await;
    let dir = tempfile::tempdir().unwrap();
    let (q, t) = bank(dir.path());
    let extra = ["--max-tokens", "16", "--rate", "5", "--seed", "1"];
    let report = eval(args(&server, &q, &t, dir.path(), &extra)).await;
    let m = &report["metrics"];
    assert_eq!(m["error_rate"], 0.0, "{report}");
    assert!(m["output_tokens_per_s"].as_f64().unwrap() > 0.0);
    assert!(m["tpot_mean_ms"].as_f64().unwrap() > 0.0);
    assert!(m["ttft_p50_ms"].as_f64().unwrap() <= m["e2e_p99_ms"].as_f64().unwrap());
    let transcript = std::fs::read_to_string(dir.path().join("transcript.jsonl")).unwrap();
    let usage: Vec<Value> = transcript
        .lines()
        .skip(1)
        .map(|l| serde_json::from_str::<Value>(l).unwrap()["record"]["exchange"]["usage"].clone())
        .collect();
    let truncated = transcript.lines().filter(|l| l.contains(r#""finish_reason":"length""#)).count();
    assert!(truncated as f64 / 10.0 == m["truncation_rate"].as_f64().unwrap(), "{truncated} truncated, {m}");
    match report["serving"]["tokens"].as_str() {
        Some("usage") => assert!(usage.iter().all(|u| u["completion_tokens"].as_u64().unwrap() <= 16)),
        other => assert_eq!(other, Some("characters")),
    }
}

/// The share of the demo bank's hidden multiple-choice questions whose answer is B.
fn demo_share_of_b() -> f64 {
    let bank = include_str!("../../demo/chem-bank.jsonl");
    let choices: Vec<Value> = bank
        .lines()
        .map(|l| serde_json::from_str::<Value>(l).unwrap())
        .filter(|q| q["task"] == "choice" && q["split"] != "dev")
        .collect();
    choices.iter().filter(|q| q["answer"] == "B").count() as f64 / choices.len() as f64
}

#[tokio::test(flavor = "multi_thread")]
#[ignore = "needs llama.cpp: scripts/test builds it and runs this"]
async fn through_the_platform_a_registered_llama_cpp_endpoint_is_judged_in_a_signed_report_with_its_transcript() {
    let llama = llama("constant-b.gguf").await;
    let env = crate::Env::new().await;
    let server = crate::serve(&env, &["--demo"]);
    let base = server.base.clone();
    let store = jiebang_store::Store::connect(&env.database_url).await.unwrap();
    let mut phase = None;
    for program in store.list_programs(None).await.unwrap() {
        for challenge in store.all_challenges(program.id).await.unwrap() {
            if challenge.challenge.code == "NAT25-06" {
                phase = store.list_phases(challenge.id).await.unwrap().first().map(|p| p.id);
            }
        }
    }
    let phase = phase.expect("the demo's NAT25-06 phase");
    let team = store.list_submissions(phase, None).await.unwrap()[0].organization_id;

    // The demo organizer registers the llama.cpp server as a baseline endpoint, with a key.
    let client = reqwest::Client::builder().cookie_store(true).build().unwrap();
    let password = crate::server_password(&server.stdout, "organizer@demo.jiebang.cn");
    let login = client
        .post(format!("{base}/api/v1/session"))
        .json(&serde_json::json!({"email": "organizer@demo.jiebang.cn", "password": password}))
        .send()
        .await
        .unwrap();
    assert_eq!(login.status(), 200);
    let key = "sk-llama-platform-test-1234";
    let form = reqwest::multipart::Form::new()
        .text("organization_id", team.to_string())
        .text("baseline", "true")
        .text("kind", "endpoint")
        .text("base_url", llama.base_url.clone())
        .text("model", "tiny")
        .text("api_key", key);
    let created =
        client.post(format!("{base}/api/v1/phases/{phase}/submissions")).multipart(form).send().await.unwrap();
    assert_eq!(created.status(), 201);
    let id = created.json::<Value>().await.unwrap()["id"].as_i64().unwrap();

    let started = Instant::now();
    let submission = loop {
        let submission: Value =
            client.get(format!("{base}/api/v1/submissions/{id}")).send().await.unwrap().json().await.unwrap();
        if !matches!(submission["state"].as_str(), Some("queued" | "running")) {
            break submission;
        }
        assert!(started.elapsed() < Duration::from_secs(600), "still {submission}");
        tokio::time::sleep(Duration::from_millis(500)).await;
    };
    assert_eq!(submission["state"], "scored", "{submission}");
    assert!(!submission.to_string().contains(key));
    let signed: Value =
        client.get(format!("{base}/api/v1/submissions/{id}/report")).send().await.unwrap().json().await.unwrap();
    let report = &signed["report"];
    let canonical = jiebang_core::canonical::to_string(report);
    let public_key = signed["public_key"].as_str().unwrap();
    assert!(jiebang_store::signing::verify(public_key, canonical.as_bytes(), signed["signature"].as_str().unwrap()));
    assert_eq!(report["serving"]["failed"], 0, "{report}");
    assert_eq!(report["metrics"]["error_rate"], 0.0);
    // A model that always answers B scores exactly the share of Bs among the hidden choices.
    assert!((report["metrics"]["choice_accuracy"].as_f64().unwrap() - demo_share_of_b()).abs() < 1e-12, "{report}");
    let ttft = report["indicators"].as_array().unwrap().iter().find(|v| v["metric"] == "ttft_p99_ms").cloned();
    assert!(ttft.is_some_and(|v| v["value"].as_f64().unwrap() > 0.0), "the serving indicator is judged: {report}");
    let transcript = client.get(format!("{base}/api/v1/submissions/{id}/transcript")).send().await.unwrap();
    assert_eq!(transcript.status(), 200);
    let bytes = transcript.bytes().await.unwrap();
    assert_eq!(report["serving"]["transcript"]["sha256"], jiebang_chat::transcript::sha256_hex(&bytes));
    assert!(!String::from_utf8_lossy(&bytes).contains(key), "the transcript never holds the key");
}
