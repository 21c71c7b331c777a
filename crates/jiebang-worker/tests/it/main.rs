//! Workers against a real store (SQLite, or PostgreSQL when `JIEBANG_TEST_DATABASE_URL` is set)
//! and real files: a submission is scored against the hidden labels and the challenge's own
//! indicators, the report is signed, and each kind of failure lands where it belongs.

#![allow(missing_docs)]

use std::sync::Arc;
use std::time::Duration;

use jiebang_core::challenge::ChallengeInput;
use jiebang_core::evaluation::{PhaseInput, PhaseKind, Quotas, SubmissionState, Visibility};
use jiebang_core::indicator::IndicatorInput;
use jiebang_core::organization::OrganizationInput;
use jiebang_core::program::{Day, ProgramInput, Rules, Timeline};
use jiebang_core::uscc::CreditCode;
use jiebang_store::testing::TestStore;
use jiebang_store::{DatasetFileInput, ScoringSpec};
use jiebang_worker::{Pace, Signer, Worker, signing};

struct Setup {
    t: TestStore,
    user: i64,
    org: i64,
    phase: i64,
    worker: Worker,
    signer: Arc<Signer>,
}

const LABELS: &str = "id,label,split\n1,1,public\n2,0,public\n3,1,private\n4,0,private\n5,1,public\n6,0,private\n";

async fn setup(labels: &str) -> Setup {
    let t = TestStore::new().await;
    let store = &t.store;
    let user = store.create_user("team@example.com", "队长", "correct horse battery").await.unwrap().id;
    let org = OrganizationInput {
        name: "云鼎科技股份有限公司".into(),
        credit_code: CreditCode::with_check_character("91370000163042000").unwrap().to_string(),
        kind: "企业".into(),
        region: "370100".into(),
        industries: vec!["C26".into()],
    };
    let org = store.create_organization(&org.validate().unwrap(), Some(user)).await.unwrap().id;
    let program = ProgramInput {
        title: "测评".into(),
        issuer: "工信厅".into(),
        year: 2026,
        description: String::new(),
        rules: Rules::default(),
        timeline: Timeline::default(),
    };
    let program = store.create_program(program, None, false).await.unwrap().id;
    let indicator = |metric: &str, op: &str, threshold: f64| IndicatorInput {
        name: metric.into(),
        metric: metric.into(),
        op: op.into(),
        threshold: Some(threshold),
        ..Default::default()
    };
    let challenge = ChallengeInput {
        code: "JB-01".into(),
        title: "轴承故障识别".into(),
        direction: "智能制造".into(),
        sub_field: "装备".into(),
        task_class: "示范应用".into(),
        industries: vec!["C34".into()],
        region: "370100".into(),
        scenario: "预测性维护".into(),
        indicators: vec![
            indicator("roc_auc", ">=", 0.9),
            indicator("f1@0.5", ">=", 0.99),
            indicator("latency_p99_ms", "<=", 10.0),
        ],
        ..Default::default()
    }
    .validate()
    .unwrap();
    let challenge = store.create_challenge(program, &challenge, None).await.unwrap().id;
    let labels = store.save_file(&t.files, "labels.csv", labels.as_bytes().to_vec(), None).await.unwrap();
    let scoring = ScoringSpec {
        task: "binary".into(),
        id_column: "id".into(),
        label_column: "label".into(),
        split_column: "split".into(),
        positive_label: String::new(),
    };
    let dataset = store
        .create_dataset_version(
            challenge,
            scoring,
            "",
            vec![DatasetFileInput { purpose: "labels".into(), file: labels }],
            None,
        )
        .await
        .unwrap();
    let phase = PhaseInput {
        kind: PhaseKind::Development,
        name: "开发阶段".into(),
        opens_on: Day::parse("d", "2020-01-01").unwrap(),
        closes_on: Day::parse("d", "2099-12-31").unwrap(),
        split: "public".into(),
        visibility: Visibility::Public,
        quotas: Quotas { per_day: 0, total: 0, concurrent: 0, invalid: 0 },
        counted: 2,
        precision: 4,
    };
    let phase = store.create_phase(challenge, dataset.id, phase, None).await.unwrap().id;
    let signer = Arc::new(Signer::load_or_create(&t.files).await.unwrap());
    let pace =
        Pace { lease: Duration::from_secs(30), heartbeat: Duration::from_millis(50), idle: Duration::from_millis(10) };
    let worker = Worker::start(store.clone(), t.files.clone(), signer.clone(), "0", pace).await.unwrap();
    Setup { t, user, org, phase, worker, signer }
}

impl Setup {
    async fn submit(&self, predictions: &str) -> i64 {
        let file =
            self.t.store.save_file(&self.t.files, "pred.csv", predictions.as_bytes().to_vec(), None).await.unwrap();
        self.t.store.create_submission(self.phase, self.org, self.user, &file, "", false).await.unwrap().id
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
    assert!(!signing::verify(
        &s.signer.public_key_hex(),
        evaluation.report.replace("1.0", "0.9").as_bytes(),
        &evaluation.signature
    ));
    let report: serde_json::Value = serde_json::from_str(&evaluation.report).unwrap();
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
