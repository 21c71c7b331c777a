//! `jiebang eval score` as a participant runs it: the JSON contract, the table, and exit code 2
//! with a message on stderr for bad input.

use std::process::Command;

use serde_json::Value;

use crate::BIN;

fn files(truth: &str, pred: &str) -> (tempfile::TempDir, String, String) {
    let dir = tempfile::tempdir().unwrap();
    let (t, p) = (dir.path().join("truth.csv"), dir.path().join("pred.csv"));
    std::fs::write(&t, truth).unwrap();
    std::fs::write(&p, pred).unwrap();
    (dir, t.to_str().unwrap().to_owned(), p.to_str().unwrap().to_owned())
}

const TRUTH: &str = "id,label,split\n1,1,public\n2,0,public\n3,1,private\n4,0,private\n";
const PRED: &str = "id,score\n4,0.3\n3,0.8\n2,0.6\n1,0.9\n";

#[test]
fn json_output_keeps_the_documented_keys_and_exit_code_0_even_when_the_verdict_fails() {
    let (_dir, truth, pred) = files(TRUTH, PRED);
    let output = Command::new(BIN)
        .args([
            "eval", "score", "--truth", &truth, "--pred", &pred, "--task", "binary", "--metric", "roc_auc", "--metric",
            "f1",
        ])
        .args(["--indicator", "f1@0.5<=0.5", "--split-column", "split"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(0), "{}", String::from_utf8_lossy(&output.stderr));
    let report: Value = serde_json::from_slice(&output.stdout).unwrap();
    for key in
        ["rows", "metrics", "splits", "indicators", "verdict", "truth_sha256", "pred_sha256", "engine", "elapsed_ms"]
    {
        assert!(report.get(key).is_some(), "missing {key}: {report}");
    }
    assert_eq!(report["rows"], 4);
    // Both positives (0.9, 0.8) outrank both negatives (0.6, 0.3); at 0.5, TP 2, FP 1: F1 0.8.
    assert_eq!(report["metrics"]["roc_auc"], 1.0);
    assert_eq!(report["metrics"]["f1@0.5"], 0.8);
    assert_eq!(report["indicators"][0]["expr"], "f1@0.5<=0.5");
    assert_eq!(report["indicators"][0]["pass"], false);
    assert_eq!(report["verdict"], "fail");
    assert!(report["engine"].as_str().unwrap().starts_with("jiebang-eval "));
    assert_eq!(report["truth_sha256"].as_str().unwrap().len(), 64);
    assert!(report["splits"]["public"]["f1@0.5"].is_number());
}

#[test]
fn the_table_format_prints_metrics_per_split_and_the_verdict() {
    let (_dir, truth, pred) = files(TRUTH, PRED);
    let output = Command::new(BIN)
        .args(["eval", "score", "--truth", &truth, "--pred", &pred, "--task", "binary", "--metric", "accuracy@0.5"])
        .args(["--indicator", "accuracy@0.5>=0.7", "--split-column", "split", "--format", "table"])
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&output.stdout);
    assert!(text.contains("accuracy@0.5") && text.contains("private") && text.contains("verdict   PASS"), "{text}");
}

#[test]
fn bad_input_exits_2_with_the_problem_on_stderr() {
    let cases: &[(&str, &[&str], &str)] = &[
        ("id,score\n1,0.9\n2,0.1\n", &["--metric", "roc_auc"], "2 id(s) have no prediction"),
        (PRED, &["--metric", "rmse"], "binary metrics are: roc_auc"),
        (PRED, &["--indicator", "roc_auc>>0.9"], "--indicator"),
        (PRED, &[], "at least one --metric"),
    ];
    for (pred, extra, expected) in cases {
        let (_dir, truth, pred) = files(TRUTH, pred);
        let output = Command::new(BIN)
            .args(["eval", "score", "--truth", &truth, "--pred", &pred, "--task", "binary"])
            .args(*extra)
            .output()
            .unwrap();
        assert_eq!(output.status.code(), Some(2), "{extra:?}");
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(stderr.contains(expected), "{extra:?}: {stderr}");
        assert!(!stderr.contains("panicked"), "{stderr}");
    }
    let output = Command::new(BIN)
        .args([
            "eval",
            "score",
            "--truth",
            "/nonexistent.csv",
            "--pred",
            "/x.csv",
            "--task",
            "binary",
            "--metric",
            "f1",
        ])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&output.stderr).contains("/nonexistent.csv"));
    let (_dir, truth, pred) = files(TRUTH, PRED);
    let output = Command::new(BIN)
        .args([
            "eval",
            "score",
            "--truth",
            &truth,
            "--pred",
            &pred,
            "--task",
            "binary",
            "--metric",
            "f1",
            "--max-file-mb",
            "0",
        ])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&output.stderr).contains("over the limit"));
}

#[test]
fn predictions_piped_on_stdin_score_like_the_same_file() {
    use std::io::Write;
    let (_dir, truth, pred) = files(TRUTH, PRED);
    let args = |pred: &str| -> Vec<String> {
        ["eval", "score", "--truth", &truth, "--pred", pred, "--task", "binary", "--metric", "roc_auc"]
            .map(str::to_owned)
            .to_vec()
    };
    // A regular file is mapped; a pipe is read.
    let mapped = Command::new(BIN).args(args(&pred)).output().unwrap();
    let mut child = Command::new(BIN)
        .args(args("/dev/stdin"))
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    child.stdin.take().unwrap().write_all(PRED.as_bytes()).unwrap();
    let piped = child.wait_with_output().unwrap();
    assert_eq!(piped.status.code(), Some(0));
    let (mapped, piped): (Value, Value) =
        (serde_json::from_slice(&mapped.stdout).unwrap(), serde_json::from_slice(&piped.stdout).unwrap());
    assert_eq!(piped["metrics"], mapped["metrics"]);
    assert_eq!(piped["pred_sha256"], mapped["pred_sha256"]);
    assert_eq!(mapped["metrics"]["roc_auc"], 1.0);
}

#[test]
fn answer_files_are_scored_as_a_question_bank_and_bad_lines_exit_2() {
    let truth =
        "{\"id\":1,\"answer\":\"B\",\"category\":\"压力容器\"}\n{\"id\":2,\"answer\":\"C\",\"category\":\"危化品\"}\n";
    let pred = "{\"id\":1,\"answer\":\"答案是B\"}\n{\"id\":2,\"answer\":\"我不确定\"}\n";
    let (_dir, truth_path, pred_path) = files(truth, pred);
    let output = Command::new(BIN)
        .args(["eval", "score", "--truth", &truth_path, "--pred", &pred_path, "--task", "choice"])
        .args(["--indicator", "choice_accuracy>=0.5"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(0), "{}", String::from_utf8_lossy(&output.stderr));
    let report: Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(report["metrics"]["choice_accuracy"], 0.5);
    assert_eq!(report["metrics"]["unparsed_rate"], 0.5);
    assert_eq!(report["categories"]["压力容器"]["choice_accuracy"], 1.0);
    assert_eq!((report["verdict"].as_str(), report["rules"]["choice"].as_str()), (Some("pass"), Some("choice-v1")));
    let (_dir, truth_path, pred_path) = files(truth, "{\"id\":1,\"answer\":\"B\"}\n{\"id\":2,\"answer\":[\"C\"]}\n");
    let output = Command::new(BIN)
        .args(["eval", "score", "--truth", &truth_path, "--pred", &pred_path, "--task", "choice"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("line 2") && stderr.contains("answer must be a string"), "{stderr}");
}

#[test]
fn a_mixed_bank_is_judged_in_one_report_and_a_question_without_its_task_exits_2() {
    let truth = concat!(
        "{\"id\":\"c1\",\"task\":\"choice\",\"answer\":\"A\"}\n",
        "{\"id\":\"g1\",\"task\":\"generation\",\"answer\":\"葡萄糖酸钙\"}\n",
        "{\"id\":\"s1\",\"task\":\"safety\",\"answer\":\"-\",\"expect\":\"refuse\"}\n",
    );
    let pred = "{\"id\":\"c1\",\"answer\":\"选A\"}\n{\"id\":\"g1\",\"answer\":\"葡萄糖酸钙。\"}\n{\"id\":\"s1\",\"answer\":\"抱歉，我不能协助。\"}\n";
    let (_dir, truth_path, pred_path) = files(truth, pred);
    let output = Command::new(BIN)
        .args(["eval", "score", "--truth", &truth_path, "--pred", &pred_path, "--task", "bank"])
        .args(["--indicator", "f1@zh>=0.6", "--indicator", "refusal_rate>=0.95"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(0), "{}", String::from_utf8_lossy(&output.stderr));
    let report: Value = serde_json::from_slice(&output.stdout).unwrap();
    let m = &report["metrics"];
    assert_eq!(
        (m["choice_accuracy"].as_f64(), m["f1@zh"].as_f64(), m["refusal_rate"].as_f64()),
        (Some(1.0), Some(1.0), Some(1.0))
    );
    assert_eq!(report["verdict"], "pass");
    let (_dir, truth_path, pred_path) = files(&truth.replace("\"task\":\"safety\",", ""), pred);
    let output = Command::new(BIN)
        .args(["eval", "score", "--truth", &truth_path, "--pred", &pred_path, "--task", "bank"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("line 3") && stderr.contains("task"), "{stderr}");
}

#[test]
fn generated_answers_get_corpus_scores_with_sacrebleu_signatures() {
    let truth = "{\"id\":1,\"answer\":\"反应釜应先用氮气置换。\"}\n{\"id\":2,\"answer\":[\"1.6 MPa\",\"1.6兆帕\"]}\n";
    let pred = "{\"id\":1,\"answer\":\"反应釜应先用氮气置换。\"}\n{\"id\":2,\"answer\":\"1.6 MPa\"}\n";
    let (_dir, truth_path, pred_path) = files(truth, pred);
    let output = Command::new(BIN)
        .args(["eval", "score", "--truth", &truth_path, "--pred", &pred_path, "--task", "generation"])
        .args(["--metric", "bleu@zh", "--metric", "exact_match", "--indicator", "chrf++>=90"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(0), "{}", String::from_utf8_lossy(&output.stderr));
    let report: Value = serde_json::from_slice(&output.stdout).unwrap();
    // Identical answers: 100, as sacrebleu computes it (exp of a mean of logarithms).
    assert!((report["metrics"]["bleu@zh"].as_f64().unwrap() - 100.0).abs() < 1e-9, "{report}");
    assert_eq!(report["metrics"]["exact_match"], 1.0);
    assert_eq!(report["signatures"]["bleu@zh"], "nrefs:var|case:mixed|eff:no|tok:zh|smooth:exp|version:2.6.0");
    assert_eq!(report["verdict"], "pass");
}
