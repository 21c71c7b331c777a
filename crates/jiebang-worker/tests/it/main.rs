//! Workers against a real store (SQLite, or PostgreSQL when `JIEBANG_TEST_DATABASE_URL` is set)
//! and real files: a submission is scored against the hidden labels and the challenge's own
//! indicators, the report is signed, and each kind of failure lands where it belongs.

#![allow(missing_docs)]

mod endpoint;
mod mail;

use std::sync::Arc;
use std::time::Duration;

use jiebang_core::evaluation::{Quotas, SubmissionState};
use jiebang_store::testing::{Arena, TestStore};
use jiebang_worker::{Pace, Signer, Worker, signing};

struct Setup {
    t: TestStore,
    arena: Arena,
    worker: Worker,
    signer: Arc<Signer>,
}

const LABELS: &str = "id,label,split\n1,1,public\n2,0,public\n3,1,private\n4,0,private\n5,1,public\n6,0,private\n";

async fn setup(labels: &str) -> Setup {
    let t = TestStore::new().await;
    let indicators = ["roc_auc>=0.9", "f1@0.5>=0.99", "latency_p99_ms<=10"];
    let unlimited = Quotas { per_day: 0, total: 0, concurrent: 0, invalid: 0 };
    let arena = Arena::new(&t.store, &t.files, labels, &indicators, unlimited).await;
    let signer = Arc::new(Signer::load_or_create(&t.files).await.unwrap());
    let pace =
        Pace { lease: Duration::from_secs(30), heartbeat: Duration::from_millis(50), idle: Duration::from_millis(10) };
    let worker = Worker::start(t.store.clone(), t.files.clone(), signer.clone(), "0", pace).await.unwrap();
    Setup { t, arena, worker, signer }
}

impl Setup {
    async fn submit(&self, predictions: &str) -> i64 {
        self.arena.submit(&self.t.store, &self.t.files, predictions).await.unwrap()
    }
}

#[tokio::test]
async fn a_submission_is_scored_on_the_challenge_indicators_and_the_report_is_signed() {
    let s = setup(LABELS).await;
    let id = s.submit("id,score\n6,0.2\n5,0.8\n4,0.3\n3,0.7\n2,0.6\n1,0.9\n").await;
    assert!(s.worker.step().await.unwrap());
    assert!(!s.worker.step().await.unwrap(), "the queue is empty now");
    let submission = s.t.store.get_submission(id).await.unwrap();
    assert_eq!(submission.state, SubmissionState::Scored, "{}", submission.message);
    let evaluation = s.t.store.list_evaluations(id).await.unwrap().remove(0);
    assert!(signing::verify(&s.signer.public_key_hex(), evaluation.report.as_bytes(), &evaluation.signature));
    let report: serde_json::Value = serde_json::from_str(&evaluation.report).unwrap();
    // Stored and signed in canonical form (RFC 8785), so the parsed value verifies too.
    assert_eq!(jiebang_core::canonical::to_string(&report), evaluation.report);
    assert!(signing::verify_document(&s.signer.public_key_hex(), &report, &evaluation.signature));
    let mut altered = report.clone();
    altered["metrics"]["roc_auc"] = serde_json::json!(0.9);
    assert!(!signing::verify_document(&s.signer.public_key_hex(), &altered, &evaluation.signature));
    // Positives 0.9, 0.8, 0.7 all outrank negatives 0.6, 0.3, 0.2: AUC 1; at 0.5, one false positive.
    assert_eq!(report["metrics"]["roc_auc"], 1.0);
    assert_eq!(report["metrics"]["f1@0.5"], 6.0 / 7.0);
    assert_eq!(report["indicators"][0]["pass"], true);
    assert_eq!(report["indicators"][1]["pass"], false);
    assert_eq!(report["verdict"], "fail");
    assert_eq!(report["not_measured"][0], "latency_p99_ms<=10");
    assert_eq!(report["splits"]["private"]["roc_auc"], 1.0);
    assert_eq!(report["submission_sha256"], submission.file_sha256);
    assert_eq!(report["dataset"]["version"], 1);
    assert_eq!(report["team"]["name"], "云鼎科技股份有限公司");
    // Another process of the same platform finds the same key.
    let again = Signer::load_or_create(&s.t.files).await.unwrap();
    assert_eq!(again.public_key_hex(), s.signer.public_key_hex());
}

#[tokio::test]
async fn a_broken_prediction_file_is_invalid_with_the_engine_message() {
    let s = setup(LABELS).await;
    let id = s.submit("id,score\n1,0.9\n2,abc\n3,0.7\n4,0.3\n5,0.8\n6,0.2\n").await;
    s.worker.step().await.unwrap();
    let submission = s.t.store.get_submission(id).await.unwrap();
    assert_eq!(submission.state, SubmissionState::Invalid);
    assert!(submission.message.contains("line 3") && submission.message.contains("abc"), "{}", submission.message);
    assert!(s.t.store.list_evaluations(id).await.unwrap().is_empty());
}

#[tokio::test]
async fn broken_hidden_labels_are_the_platforms_fault_and_are_not_shown_to_the_team() {
    let s = setup("id,label,split\n1,1,public\n2,secret-label,public\n").await;
    let id = s.submit("id,score\n1,0.9\n2,0.1\n").await;
    s.worker.step().await.unwrap();
    let submission = s.t.store.get_submission(id).await.unwrap();
    assert_eq!(submission.state, SubmissionState::Queued, "retried, not blamed on the team");
    assert!(submission.message.contains("will be retried"), "{}", submission.message);
    assert!(!submission.message.contains("secret-label"), "{}", submission.message);
}

#[tokio::test]
async fn a_worker_run_loop_scores_what_is_queued_and_stops_when_told() {
    let s = setup(LABELS).await;
    let ids = [
        s.submit("id,score\n1,0.9\n2,0.1\n3,0.8\n4,0.2\n5,0.7\n6,0.3\n").await,
        s.submit("id,score\n1,0.1\n2,0.9\n3,0.2\n4,0.8\n5,0.3\n6,0.7\n").await,
    ];
    let (stop, stopped) = tokio::sync::watch::channel(false);
    let running = tokio::spawn(s.worker.clone().run(stopped));
    for _ in 0..200 {
        let states = futures_states(&s, &ids).await;
        if states.iter().all(|st| *st == SubmissionState::Scored) {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    stop.send(true).unwrap();
    running.await.unwrap();
    assert_eq!(futures_states(&s, &ids).await, [SubmissionState::Scored, SubmissionState::Scored]);
    let second = s.t.store.list_evaluations(ids[1]).await.unwrap().remove(0);
    let report: serde_json::Value = serde_json::from_str(&second.report).unwrap();
    assert_eq!(report["metrics"]["roc_auc"], 0.0);
}

async fn futures_states(s: &Setup, ids: &[i64]) -> Vec<SubmissionState> {
    let mut states = Vec::new();
    for &id in ids {
        states.push(s.t.store.get_submission(id).await.unwrap().state);
    }
    states
}

#[tokio::test]
async fn a_resubmission_with_one_row_changed_is_flagged_as_a_probe_and_a_new_model_is_not() {
    let s = setup(LABELS).await;
    let first = s.submit("id,score\n1,0.9\n2,0.2\n3,0.7\n4,0.3\n5,0.8\n6,0.1\n").await;
    // Row 2 flipped to find out its label.
    let probe = s.submit("id,score\n1,0.9\n2,0.99\n3,0.7\n4,0.3\n5,0.8\n6,0.1\n").await;
    let retrained = s.submit("id,score\n1,0.91\n2,0.21\n3,0.71\n4,0.31\n5,0.81\n6,0.11\n").await;
    while s.worker.step().await.unwrap() {}
    let store = &s.t.store;
    let report = |id| async move {
        let evaluation = store.list_evaluations(id).await.unwrap().remove(0);
        serde_json::from_str::<serde_json::Value>(&evaluation.report).unwrap()
    };
    assert!(report(first).await.get("near_duplicate_of").is_none());
    let flagged = report(probe).await;
    assert_eq!(flagged["near_duplicate_of"]["submission"], first, "{flagged}");
    assert_eq!(flagged["near_duplicate_of"]["changed_rows_estimate"], 1.0);
    assert!(report(retrained).await.get("near_duplicate_of").is_none(), "every row differs");
}

#[tokio::test]
async fn a_job_waits_for_the_memory_budget_and_gives_it_back() {
    let s = setup(LABELS).await;
    let budget = jiebang_worker::MemoryBudget::new(4);
    assert_eq!((budget.estimate_mb(100), budget.estimate_mb(1 << 20), budget.estimate_mb(1 << 30)), (1, 3, 4));
    let worker = s.worker.clone().with_memory_budget(budget.clone());
    let id = s.submit("id,score\n6,0.2\n5,0.8\n4,0.3\n3,0.7\n2,0.6\n1,0.9\n").await;
    // Another job holds the whole budget: this one is claimed but waits, lease kept.
    let held = budget.reserve(1 << 30).await;
    assert_eq!(budget.available_mb(), 0);
    let running = tokio::spawn(async move { worker.step().await.unwrap() });
    tokio::time::sleep(Duration::from_millis(300)).await;
    let waiting = s.t.store.get_submission(id).await.unwrap();
    assert_eq!(waiting.state, SubmissionState::Running, "scored while the budget was held");
    drop(held);
    assert!(running.await.unwrap());
    assert_eq!(s.t.store.get_submission(id).await.unwrap().state, SubmissionState::Scored);
    assert_eq!(budget.available_mb(), 4, "the job gave its share back");
}

#[tokio::test]
async fn a_question_bank_scores_a_large_models_answer_file_on_its_indicators() {
    let bank = "{\"id\":1,\"answer\":\"B\",\"category\":\"压力容器\",\"split\":\"public\"}\n\
                {\"id\":2,\"answer\":\"C\",\"category\":\"危化品\",\"split\":\"private\"}\n\
                {\"id\":3,\"answer\":\"A\",\"category\":\"危化品\",\"split\":\"private\"}\n";
    let s = setup(bank).await;
    s.t.store
        .execute_unchecked(&format!("UPDATE dataset_versions SET task = 'choice' WHERE id = {}", s.arena.dataset))
        .await
        .unwrap();
    s.t.store
        .execute_unchecked(&format!(
            "UPDATE indicators SET metric = 'choice_accuracy', op = '>=', threshold = 0.6 WHERE challenge_id = {} AND position = 0",
            s.arena.challenge
        ))
        .await
        .unwrap();
    let id = s
        .submit("{\"id\":1,\"answer\":\"答案是B\"}\n{\"id\":2,\"answer\":\"故选C。\"}\n{\"id\":3,\"answer\":\"我不确定\"}\n")
        .await;
    assert!(s.worker.step().await.unwrap());
    let submission = s.t.store.get_submission(id).await.unwrap();
    assert_eq!(submission.state, SubmissionState::Scored, "{}", submission.message);
    let evaluation = s.t.store.list_evaluations(id).await.unwrap().remove(0);
    assert!(signing::verify(&s.signer.public_key_hex(), evaluation.report.as_bytes(), &evaluation.signature));
    let report: serde_json::Value = serde_json::from_str(&evaluation.report).unwrap();
    assert_eq!(report["metrics"]["choice_accuracy"], 2.0 / 3.0);
    assert_eq!(report["categories"]["危化品"]["choice_accuracy"], 0.5);
    assert_eq!(report["splits"]["private"]["unparsed_rate"], 0.5);
    assert_eq!(
        (report["indicators"][0]["metric"].as_str(), report["verdict"].as_str()),
        (Some("choice_accuracy"), Some("pass"))
    );
    assert_eq!(report["rules"]["choice"], "choice-v1");
    // A missing answer makes the file invalid, with the line.
    let id = s.submit("{\"id\":1,\"answer\":\"B\"}\n{\"id\":2}\n{\"id\":3,\"answer\":\"A\"}\n").await;
    s.worker.step().await.unwrap();
    let submission = s.t.store.get_submission(id).await.unwrap();
    assert_eq!(submission.state, SubmissionState::Invalid);
    assert!(submission.message.contains("line 2"), "{}", submission.message);
}
