//! `jiebang eval endpoint` against the scripted server: answers scored and serving measured in
//! one report, failures counted, the transcript hashed, and the key nowhere but in its header.

use std::process::Command;
use std::time::Duration;

use jiebang_chat::scripted::{Script, Server};
use serde_json::Value;

use crate::BIN;

const QUESTIONS: &str = r#"{"id":"q1","category":"化工安全","question":"氯气是什么颜色？","choices":{"A":"无色","B":"黄绿色"}}
{"id":"q2","category":"化工安全","question":"哪项是本质安全措施？","choices":{"A":"佩戴口罩","B":"以低毒原料替代"}}
{"id":"q3","category":"化工安全","question":"爆炸下限指什么？","choices":{"A":"最低浓度","B":"最高温度","C":"最低压力"}}
{"id":"q4","category":"化工安全","question":"服务器总是出错的题","choices":{"A":"甲","B":"乙"}}
"#;
const TRUTH: &str = r#"{"id":"q1","answer":"B"}
{"id":"q2","answer":"B"}
{"id":"q3","answer":"A"}
{"id":"q4","answer":"B"}
"#;
const KEY: &str = "sk-jiebang-test-0123456789";

#[tokio::test(flavor = "multi_thread")]
async fn a_live_endpoint_is_scored_and_measured_in_one_report_with_its_transcript() {
    let server = Server::start(|request| {
        if request.body.to_string().contains("总是出错") {
            Script::status(500, &[])
        } else {
            Script::answer(&["答案", "是B"], Duration::from_millis(50), Duration::from_millis(20), Some((30, 2)))
        }
    })
    .await
    .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let (questions, truth, transcript) =
        (dir.path().join("q.jsonl"), dir.path().join("t.jsonl"), dir.path().join("transcript.jsonl"));
    std::fs::write(&questions, QUESTIONS).unwrap();
    std::fs::write(&truth, TRUTH).unwrap();
    let mut command = Command::new(BIN);
    command
        .args([
            "eval",
            "endpoint",
            "--base-url",
            &server.base_url(),
            "--model",
            "scripted",
            "--api-key-env",
            "TEST_KEY",
        ])
        .args(["--questions", questions.to_str().unwrap(), "--truth", truth.to_str().unwrap(), "--task", "choice"])
        .args(["--concurrency", "2", "--attempts", "2", "--transcript", transcript.to_str().unwrap()])
        .args([
            "--indicator",
            "choice_accuracy>=0.5",
            "--indicator",
            "error_rate<=0.01",
            "--indicator",
            "ttft_p50_ms>=50",
        ])
        .env("TEST_KEY", KEY);
    let output = tokio::task::spawn_blocking(move || command.output().unwrap()).await.unwrap();
    let (stdout, stderr) = (String::from_utf8_lossy(&output.stdout), String::from_utf8_lossy(&output.stderr));
    assert_eq!(output.status.code(), Some(0), "{stderr}");
    let report: Value = serde_json::from_str(&stdout).unwrap();
    assert_eq!(report["metrics"]["choice_accuracy"], 0.5, "q1 and q2 right, q3 wrong, q4 failed: {report}");
    assert_eq!(report["metrics"]["error_rate"], 0.25);
    assert!(report["metrics"]["ttft_p50_ms"].as_f64().unwrap() >= 50.0);
    assert_eq!(report["serving"]["tokens"], "usage");
    let verdicts: Vec<(&str, bool)> = report["indicators"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| (i["expr"].as_str().unwrap(), i["pass"] == true))
        .collect();
    assert_eq!(verdicts, [("choice_accuracy>=0.5", true), ("error_rate<=0.01", false), ("ttft_p50_ms>=50", true)]);
    assert_eq!(report["verdict"], "fail");
    // The transcript: a run line and one line a question, hashed as written.
    let bytes = std::fs::read(&transcript).unwrap();
    assert_eq!(report["transcript"]["sha256"], jiebang_chat::transcript::sha256_hex(&bytes));
    let lines: Vec<Value> =
        bytes.split(|b| *b == b'\n').filter(|l| !l.is_empty()).map(|l| serde_json::from_slice(l).unwrap()).collect();
    assert_eq!(lines.len(), 5);
    let failed = lines.iter().find(|l| l["record"]["id"] == "q4").unwrap();
    assert_eq!(failed["record"]["attempts"].as_array().unwrap().len(), 2, "a 500 is retried once with --attempts 2");
    // The key went to the server, and nowhere else.
    assert!(server.requests().iter().all(|r| r.authorization.as_deref() == Some(&format!("Bearer {KEY}"))));
    for text in [&stdout[..], &stderr[..], &String::from_utf8_lossy(&bytes)[..]] {
        assert!(!text.contains(KEY));
    }
}

#[test]
fn an_unset_key_variable_and_a_bad_questions_file_are_named() {
    let dir = tempfile::tempdir().unwrap();
    let questions = dir.path().join("q.jsonl");
    std::fs::write(&questions, "{\"id\":\"1\"}\n{\"id\":\"1\",\"question\":\"x\"}\n").unwrap();
    let run = |extra: &[&str]| {
        let output = Command::new(BIN)
            .args(["eval", "endpoint", "--base-url", "http://127.0.0.1:9/v1", "--model", "m", "--task", "choice"])
            .args(["--questions", questions.to_str().unwrap(), "--truth", questions.to_str().unwrap()])
            .args(extra)
            .env_remove("NO_SUCH_KEY_VAR")
            .output()
            .unwrap();
        assert_ne!(output.status.code(), Some(0));
        String::from_utf8_lossy(&output.stderr).into_owned()
    };
    assert!(run(&["--api-key-env", "NO_SUCH_KEY_VAR"]).contains("NO_SUCH_KEY_VAR is not set"));
    let error = run(&[]);
    assert!(
        error.contains("line 1, field question") && error.contains("line 2, field id: id 1 appears twice"),
        "{error}"
    );
    // A tokenizer that cannot be read is named before anything is asked.
    std::fs::write(&questions, "{\"id\":\"1\",\"question\":\"x\"}\n").unwrap();
    let tokenizer = dir.path().join("tokenizer.json");
    std::fs::write(&tokenizer, "{\"model\": 1}").unwrap();
    let error = run(&["--tokenizer", tokenizer.to_str().unwrap()]);
    assert!(error.contains("tokenizer.json: ") && error.contains("not a readable tokenizer.json"), "{error}");
}
