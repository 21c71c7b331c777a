//! Datasets, phases, submissions under quotas, and the job queue's leases.

use std::sync::Arc;

use jiebang_core::evaluation::{PhaseInput, PhaseKind, Quotas, SubmissionState, Visibility};
use jiebang_core::program::Day;
use jiebang_core::role::{Grant, Role, Scope};
use jiebang_store::testing::{Arena, TestStore};
use jiebang_store::{DatasetFileInput, NewSubmission, Outcome, ScoringSpec, StoreError, StoredFile, today};

/// An arena for one team; returns `(user, organization, phase)`.
async fn open_phase(t: &TestStore, quotas: Quotas) -> (i64, i64, i64) {
    let labels = "id,label,split\n1,1,public\n2,0,private\n";
    let arena = Arena::new(&t.store, &t.files, labels, &["f1@0.5>=0.9"], quotas).await;
    (arena.user, arena.organization, arena.phase)
}

fn scoring() -> ScoringSpec {
    ScoringSpec::binary("split")
}

fn phase_input(quotas: Quotas) -> PhaseInput {
    PhaseInput {
        kind: PhaseKind::Development,
        name: "开发阶段".into(),
        opens_on: Day::parse("d", "2020-01-01").unwrap(),
        closes_on: Day::parse("d", "2099-12-31").unwrap(),
        split: "public".into(),
        visibility: Visibility::Public,
        quotas,
        counted: 2,
        precision: 4,
    }
}

async fn upload(t: &TestStore, n: usize) -> StoredFile {
    t.store.save_file(&t.files, "pred.csv", format!("id,score\n1,0.9\n2,0.{n}\n").into_bytes(), None).await.unwrap()
}

#[tokio::test]
async fn a_dataset_version_needs_one_labels_file_and_versions_count_up() {
    let t = TestStore::new().await;
    let (_, _, phase) = open_phase(&t, Quotas::default()).await;
    let challenge = t.store.get_phase(phase).await.unwrap().challenge_id;
    let file = upload(&t, 1).await;
    let err = t
        .store
        .create_dataset_version(
            challenge,
            scoring(),
            "",
            vec![DatasetFileInput { purpose: "train".into(), file }],
            None,
        )
        .await
        .unwrap_err();
    assert!(err.to_string().contains("exactly one labels file"), "{err}");
    let labels = upload(&t, 2).await;
    let second = t
        .store
        .create_dataset_version(
            challenge,
            scoring(),
            "修订",
            vec![DatasetFileInput { purpose: "labels".into(), file: labels }],
            None,
        )
        .await
        .unwrap();
    assert_eq!(second.version, 2);
    let train = t.store.save_file(&t.files, "train.csv", b"id,x\n9,0.1\n".to_vec(), None).await.unwrap();
    let labels = upload(&t, 3).await;
    let files = vec![
        DatasetFileInput { purpose: "labels".into(), file: labels },
        DatasetFileInput { purpose: "train".into(), file: train },
    ];
    let third = t.store.create_dataset_version(challenge, scoring(), "", files, None).await.unwrap();
    let versions = t.store.list_dataset_versions(challenge).await.unwrap();
    assert_eq!(versions.iter().map(|v| v.version).collect::<Vec<_>>(), [3, 2, 1]);
    assert_eq!(versions[2].labels().unwrap().name, "labels.csv", "earlier versions are unchanged");
    assert_eq!(
        third.files.iter().map(|f| (f.name.as_str(), f.hidden)).collect::<Vec<_>>(),
        [("train.csv", false), ("pred.csv", true)]
    );
}

async fn bank_truth(t: &TestStore) -> StoredFile {
    let bytes = br#"{"id": 1, "task": "choice", "answer": "A"}"#.to_vec();
    t.store.save_file(&t.files, "truth.jsonl", bytes, None).await.unwrap()
}

#[tokio::test]
async fn a_question_bank_keeps_its_metrics_refusal_phrases_and_rule_versions() {
    let t = TestStore::new().await;
    let (_, _, phase) = open_phase(&t, Quotas::default()).await;
    let challenge = t.store.get_phase(phase).await.unwrap().challenge_id;
    let bank = ScoringSpec {
        task: "bank".into(),
        metrics: vec!["choice_accuracy".into(), " f1@zh ".into(), String::new()],
        refusal_phrases: vec!["恕不奉告".into()],
        ..scoring()
    };
    let files = vec![DatasetFileInput { purpose: "labels".into(), file: bank_truth(&t).await }];
    let version = t.store.create_dataset_version(challenge, bank.clone(), "题库", files, None).await.unwrap();
    let stored = t.store.get_dataset_version(version.id).await.unwrap().scoring;
    assert_eq!(stored.metrics, ["choice_accuracy", "f1@zh"], "trimmed, blank lines dropped");
    assert_eq!(stored.refusal_phrases, ["恕不奉告"]);
    assert_eq!(stored.rules, ["choice-v1", "refusal-v1"], "this build's rule versions are recorded");

    // Every problem at once, by field: an unknown metric, a rule version this build lacks.
    let wrong = ScoringSpec { metrics: vec!["bleu@klingon".into()], rules: vec!["choice-v9".into()], ..bank };
    let files = vec![DatasetFileInput { purpose: "labels".into(), file: bank_truth(&t).await }];
    let Err(StoreError::Domain(jiebang_core::Error::Invalid(errors))) =
        t.store.create_dataset_version(challenge, wrong, "", files, None).await
    else {
        panic!("refused");
    };
    assert_eq!(errors.iter().map(|e| e.field.as_str()).collect::<Vec<_>>(), ["metrics[0]", "rules[0]"]);
    let table = ScoringSpec { metrics: vec!["roc_auc".into()], ..scoring() };
    assert_eq!(table.problems().iter().map(|e| e.field.as_str()).collect::<Vec<_>>(), ["metrics"]);
}

#[tokio::test]
async fn fifty_concurrent_submissions_against_a_quota_of_five_accept_exactly_five() {
    let t = TestStore::new().await;
    let quotas = Quotas { per_day: 5, total: 100, concurrent: 0, invalid: 10 };
    let (user, org, phase) = open_phase(&t, quotas).await;
    let file = Arc::new(upload(&t, 1).await);
    let attempts = (0..50).map(|_| {
        let (store, file) = (t.store.clone(), file.clone());
        tokio::spawn(
            async move { store.create_submission(&NewSubmission::new(phase, org, user, &file, today())).await },
        )
    });
    let mut accepted = 0;
    for attempt in attempts {
        match attempt.await.unwrap() {
            Ok(_) => accepted += 1,
            Err(StoreError::Refused(reason)) => assert!(reason.contains("per 24 hours"), "{reason}"),
            Err(other) => panic!("unexpected error: {other}"),
        }
    }
    assert_eq!(accepted, 5);
    assert_eq!(t.store.list_submissions(phase, Some(org)).await.unwrap().len(), 5);
    assert_eq!(t.store.queue_stats().await.unwrap().queued, 5, "one job per accepted submission");
}

#[tokio::test]
async fn the_concurrent_and_invalid_quotas_count_what_they_say() {
    let t = TestStore::new().await;
    let (user, org, phase) = open_phase(&t, Quotas { per_day: 0, total: 0, concurrent: 1, invalid: 1 }).await;
    let file = upload(&t, 1).await;
    t.store.create_submission(&NewSubmission::new(phase, org, user, &file, today())).await.unwrap();
    let err = t.store.create_submission(&NewSubmission::new(phase, org, user, &file, today())).await.unwrap_err();
    assert!(err.to_string().contains("queued or running"), "{err}");
    // Baselines from organizers are not counted.
    t.store
        .create_submission(&NewSubmission {
            note: "基线",
            is_baseline: true,
            ..NewSubmission::new(phase, org, user, &file, today())
        })
        .await
        .unwrap();
    let worker = "w1";
    t.store.register_worker(worker, "host", "test").await.unwrap();
    let job = t.store.claim_job(worker, 60_000).await.unwrap().unwrap();
    assert!(t.store.finish_job(&job, worker, Outcome::Invalid("第2行 score 不是数字".into())).await.unwrap());
    let err = t.store.create_submission(&NewSubmission::new(phase, org, user, &file, today())).await.unwrap_err();
    assert!(err.to_string().contains("invalid submission(s) is reached"), "{err}");
}

#[tokio::test]
async fn a_claimed_job_is_recorded_once_and_a_lost_lease_records_nothing() {
    let t = TestStore::new().await;
    let (user, org, phase) = open_phase(&t, Quotas::default()).await;
    let submission =
        t.store.create_submission(&NewSubmission::new(phase, org, user, &upload(&t, 1).await, today())).await.unwrap();
    assert_eq!(t.store.queue_position(submission.id).await.unwrap(), Some(0));
    for worker in ["a", "b"] {
        t.store.register_worker(worker, "host", "test").await.unwrap();
    }
    // Worker a claims with a lease that is already over; the sweeper hands the job to b.
    let first = t.store.claim_job("a", -1).await.unwrap().unwrap();
    assert_eq!(t.store.get_submission(submission.id).await.unwrap().state, SubmissionState::Running);
    assert!(t.store.claim_job("b", 60_000).await.unwrap().is_none(), "a running job is not claimed twice");
    assert_eq!(t.store.requeue_expired().await.unwrap(), 1);
    let second = t.store.claim_job("b", 60_000).await.unwrap().unwrap();
    assert_eq!((second.id, second.attempts), (first.id, 2));
    assert!(!t.store.extend_lease(first.id, "a", 60_000).await.unwrap(), "a has lost its lease");
    let scored = || Outcome::Scored { report: "{}".into(), signature: "00".into() };
    assert!(!t.store.finish_job(&first, "a", scored()).await.unwrap(), "a late result is dropped");
    assert!(t.store.finish_job(&second, "b", scored()).await.unwrap());
    assert!(!t.store.finish_job(&second, "b", scored()).await.unwrap(), "a job closes once");
    assert_eq!(t.store.list_evaluations(submission.id).await.unwrap().len(), 1);
    let done = t.store.get_submission(submission.id).await.unwrap();
    assert_eq!(done.state, SubmissionState::Scored);
    assert!(done.finished_ms.is_some());
    // A re-run is a new run with its own evaluation; the first is kept.
    let rerun = t.store.rerun_submission(submission.id, user).await.unwrap();
    assert_eq!((rerun.state, rerun.runs), (SubmissionState::Queued, 2));
    let job = t.store.claim_job("b", 60_000).await.unwrap().unwrap();
    assert_eq!(job.run, 2);
    assert!(t.store.finish_job(&job, "b", scored()).await.unwrap());
    assert_eq!(
        t.store.list_evaluations(submission.id).await.unwrap().iter().map(|e| e.run).collect::<Vec<_>>(),
        [2, 1]
    );
}

#[tokio::test]
async fn platform_errors_are_retried_then_fail_with_a_reason_and_cost_no_quota() {
    let t = TestStore::new().await;
    let (user, org, phase) = open_phase(&t, Quotas { per_day: 1, total: 0, concurrent: 0, invalid: 0 }).await;
    let submission =
        t.store.create_submission(&NewSubmission::new(phase, org, user, &upload(&t, 1).await, today())).await.unwrap();
    t.store.register_worker("w", "host", "test").await.unwrap();
    let job = t.store.claim_job("w", 60_000).await.unwrap().unwrap();
    assert!(t.store.finish_job(&job, "w", Outcome::Error("disk full".into())).await.unwrap());
    let retried = t.store.get_submission(submission.id).await.unwrap();
    assert_eq!(retried.state, SubmissionState::Queued);
    assert!(retried.message.contains("will be retried"), "{}", retried.message);
    assert!(t.store.claim_job("w", 60_000).await.unwrap().is_none(), "the retry waits out its backoff");
    // Skip the backoff, then use up the attempts.
    t.store.execute_unchecked("UPDATE jobs SET run_after_ms = 0").await.unwrap();
    for _ in 1..3 {
        let job = t.store.claim_job("w", 60_000).await.unwrap().unwrap();
        assert!(t.store.finish_job(&job, "w", Outcome::Error("disk full".into())).await.unwrap());
        t.store.execute_unchecked("UPDATE jobs SET run_after_ms = 0").await.unwrap();
    }
    let failed = t.store.get_submission(submission.id).await.unwrap();
    assert_eq!(failed.state, SubmissionState::Failed);
    assert!(failed.message.contains("disk full"), "{}", failed.message);
    assert_eq!(t.store.queue_stats().await.unwrap().failed, 1);
    // The platform's failure did not use the team's one submission of the day.
    t.store.create_submission(&NewSubmission::new(phase, org, user, &upload(&t, 2).await, today())).await.unwrap();
}

#[tokio::test]
async fn a_closed_phase_refuses_submissions_but_takes_baselines() {
    let t = TestStore::new().await;
    let (user, org, phase) = open_phase(&t, Quotas::default()).await;
    let challenge = t.store.get_phase(phase).await.unwrap().challenge_id;
    let dataset = t.store.list_dataset_versions(challenge).await.unwrap()[0].id;
    let closed = PhaseInput { closes_on: Day::parse("d", "2020-12-31").unwrap(), ..phase_input(Quotas::default()) };
    let closed = t.store.create_phase(challenge, dataset, closed, None).await.unwrap().id;
    let file = upload(&t, 1).await;
    let err = t.store.create_submission(&NewSubmission::new(closed, org, user, &file, today())).await.unwrap_err();
    assert!(err.to_string().contains("from 2020-01-01 to 2020-12-31"), "{err}");
    t.store
        .create_submission(&NewSubmission {
            note: "基线",
            is_baseline: true,
            ..NewSubmission::new(closed, org, user, &file, today())
        })
        .await
        .unwrap();
    assert_eq!(t.store.list_phases(challenge).await.unwrap().len(), 2);
}

#[tokio::test]
async fn a_queued_submission_can_be_cancelled_and_then_is_never_claimed() {
    let t = TestStore::new().await;
    let (user, org, phase) = open_phase(&t, Quotas::default()).await;
    let submission =
        t.store.create_submission(&NewSubmission::new(phase, org, user, &upload(&t, 1).await, today())).await.unwrap();
    assert!(t.store.cancel_submission(submission.id, user).await.unwrap());
    assert!(!t.store.cancel_submission(submission.id, user).await.unwrap());
    t.store.register_worker("w", "host", "test").await.unwrap();
    assert!(t.store.claim_job("w", 60_000).await.unwrap().is_none());
    assert_eq!(t.store.get_submission(submission.id).await.unwrap().state, SubmissionState::Cancelled);
    let workers = t.store.list_workers(60_000).await.unwrap();
    assert_eq!(workers.len(), 1);
}

#[tokio::test]
async fn a_team_selects_at_most_counted_scored_submissions_and_only_in_a_final_phase() {
    let t = TestStore::new().await;
    let (user, org, development) = open_phase(&t, Quotas::default()).await;
    let challenge = t.store.get_phase(development).await.unwrap().challenge_id;
    let dataset = t.store.list_dataset_versions(challenge).await.unwrap()[0].id;
    let final_phase = PhaseInput { kind: PhaseKind::Final, counted: 1, ..phase_input(Quotas::default()) };
    let final_phase = t.store.create_phase(challenge, dataset, final_phase, None).await.unwrap().id;
    t.store.register_worker("w", "host", "test").await.unwrap();
    let mut scored = Vec::new();
    for (phase, n) in [(final_phase, 1), (final_phase, 2), (development, 3)] {
        let id = t
            .store
            .create_submission(&NewSubmission::new(phase, org, user, &upload(&t, n).await, today()))
            .await
            .unwrap()
            .id;
        let job = t.store.claim_job("w", 60_000).await.unwrap().unwrap();
        t.store.finish_job(&job, "w", Outcome::Scored { report: "{}".into(), signature: String::new() }).await.unwrap();
        scored.push(id);
    }
    assert!(t.store.select_submission(scored[0], true, user).await.unwrap().selected);
    let err = t.store.select_submission(scored[1], true, user).await.unwrap_err();
    assert!(err.to_string().contains("at most 1 submission(s) count"), "{err}");
    t.store.select_submission(scored[0], false, user).await.unwrap();
    assert!(t.store.select_submission(scored[1], true, user).await.unwrap().selected);
    let err = t.store.select_submission(scored[2], true, user).await.unwrap_err();
    assert!(err.to_string().contains("only a final phase"), "{err}");
}

#[tokio::test]
async fn a_streamed_upload_is_stored_like_a_whole_one_and_an_oversized_one_leaves_nothing() {
    let t = TestStore::new().await;
    let bytes: Vec<u8> = (0..200_000u32).flat_map(|i| i.to_le_bytes()).collect();
    let whole = t.store.save_file(&t.files, "whole.bin", bytes.clone(), None).await.unwrap();
    let chunks: Vec<Result<Vec<u8>, std::io::Error>> = bytes.chunks(7_777).map(|c| Ok(c.to_vec())).collect();
    let streamed =
        t.store.save_stream(&t.files, "streamed.bin", futures::stream::iter(chunks), 1 << 20, None).await.unwrap();
    assert_eq!((streamed.id, &streamed.sha256, streamed.size), (whole.id, &whole.sha256, 800_000));
    assert_eq!(t.files.get(&streamed.key).await.unwrap(), bytes);
    let chunks: Vec<Result<Vec<u8>, std::io::Error>> = bytes.chunks(7_777).map(|c| Ok(c.to_vec())).collect();
    let err = t.store.save_stream(&t.files, "big.bin", futures::stream::iter(chunks), 100_000, None).await.unwrap_err();
    assert!(matches!(err, StoreError::TooLarge(100_000)), "{err}");
    let broken = futures::stream::iter(vec![Ok(vec![1u8; 10]), Err(std::io::Error::other("connection reset"))]);
    let err = t.store.save_stream(&t.files, "cut.bin", broken, 1 << 20, None).await.unwrap_err();
    assert!(err.to_string().contains("connection reset"), "{err}");
    let leftovers = std::fs::read_dir(t.dir.path().join("files/tmp")).map(|d| d.count()).unwrap_or(0);
    assert_eq!(leftovers, 0, "aborted uploads leave no temporary object");
}

#[tokio::test]
async fn models_are_taken_only_under_a_delivery_contract_that_accepts_them() {
    use jiebang_core::delivery::{Accepts, DeliveryContract, SubmissionKind};
    let t = TestStore::new().await;
    let (user, organization, phase) = open_phase(&t, Quotas::default()).await;
    let challenge = t.store.get_phase(phase).await.unwrap().challenge_id;
    let model = t.store.save_file(&t.files, "model.onnx", vec![8; 2_000], None).await.unwrap();
    assert_eq!(t.store.delivery_contract(challenge).await.unwrap(), DeliveryContract::default());
    let err = t
        .store
        .create_model_submission(&NewSubmission::new(phase, organization, user, &model, today()))
        .await
        .unwrap_err();
    assert!(matches!(&err, StoreError::Refused(m) if m.contains("prediction files only")), "{err}");

    let bad = DeliveryContract { accepts: Accepts::Models, threads: 0, batch_sizes: vec![], ..Default::default() };
    let err = t.store.set_delivery_contract(challenge, bad, Some(user)).await.unwrap_err();
    assert!(err.to_string().contains("batch_sizes") && err.to_string().contains("threads"), "{err}");
    let contract = DeliveryContract {
        accepts: Accepts::Models,
        max_model_mb: 0.001,
        batch_sizes: vec![8, 1],
        ..Default::default()
    };
    t.store.set_delivery_contract(challenge, contract, Some(user)).await.unwrap();
    let stored = t.store.delivery_contract(challenge).await.unwrap();
    assert_eq!((stored.accepts, stored.batch_sizes.as_slice()), (Accepts::Models, &[1, 8][..]));

    // 2,000 bytes against a 1,000-byte limit, then a prediction file against "models only".
    let err = t
        .store
        .create_model_submission(&NewSubmission::new(phase, organization, user, &model, today()))
        .await
        .unwrap_err();
    assert!(err.to_string().contains("2000 bytes"), "{err}");
    let err = t
        .store
        .create_submission(&NewSubmission::new(phase, organization, user, &upload(&t, 1).await, today()))
        .await
        .unwrap_err();
    assert!(err.to_string().contains("models only"), "{err}");

    let roomy = DeliveryContract { accepts: Accepts::Both, max_model_mb: 1.0, ..stored };
    t.store.set_delivery_contract(challenge, roomy, Some(user)).await.unwrap();
    let submission =
        t.store.create_model_submission(&NewSubmission::new(phase, organization, user, &model, today())).await.unwrap();
    assert_eq!(t.store.get_submission(submission.id).await.unwrap().kind, SubmissionKind::Model);
    let predictions =
        t.store.create_submission(&NewSubmission::new(phase, organization, user, &upload(&t, 2).await, today())).await;
    let predictions = predictions.unwrap();
    assert_eq!(predictions.kind, SubmissionKind::Predictions);
    assert!(t.store.verify_audit_chain().await.unwrap() > 0);
    // A predictions-only worker passes over the older model job.
    t.store.register_worker("files", "host", "test").await.unwrap();
    let job = t.store.claim_prediction_job("files", 60_000).await.unwrap().unwrap();
    assert_eq!(job.subject_id, predictions.id);
    assert!(t.store.claim_prediction_job("files", 60_000).await.unwrap().is_none());
    assert_eq!(t.store.claim_job("files", 60_000).await.unwrap().unwrap().subject_id, submission.id);

    // The measurement budget: once the team's model runs took the contract's daily minutes, a
    // further model waits (prediction files do not count against it).
    let tight = DeliveryContract { daily_model_minutes: 30, ..t.store.delivery_contract(challenge).await.unwrap() };
    t.store.set_delivery_contract(challenge, tight, Some(user)).await.unwrap();
    let hour_ago = jiebang_store::now_ms() - 3_600_000;
    let ran = format!(
        "UPDATE submissions SET state = 'scored', started_ms = {hour_ago}, finished_ms = {} WHERE id = {}",
        hour_ago + 29 * 60_000,
        submission.id
    );
    t.store.execute_unchecked(&ran).await.unwrap();
    let done = format!("UPDATE submissions SET state = 'scored' WHERE id = {}", predictions.id);
    t.store.execute_unchecked(&done).await.unwrap();
    t.store.create_model_submission(&NewSubmission::new(phase, organization, user, &model, today())).await.unwrap();
    let ran = format!("UPDATE submissions SET finished_ms = {} WHERE id = {}", hour_ago + 31 * 60_000, submission.id);
    t.store.execute_unchecked(&ran).await.unwrap();
    let err = t
        .store
        .create_model_submission(&NewSubmission::new(phase, organization, user, &model, today()))
        .await
        .unwrap_err();
    assert!(matches!(&err, StoreError::Refused(m) if m.contains("measurement budget of 30 minutes")), "{err}");
    t.store
        .create_submission(&NewSubmission::new(phase, organization, user, &upload(&t, 3).await, today()))
        .await
        .unwrap();
}

#[tokio::test]
async fn a_user_acting_for_two_units_does_not_get_two_quotas() {
    let t = TestStore::new().await;
    let (user, org, phase) = open_phase(&t, Quotas { per_day: 0, total: 2, concurrent: 0, invalid: 0 }).await;
    let second = jiebang_core::organization::OrganizationInput {
        name: "另一家单位".into(),
        credit_code: jiebang_core::uscc::CreditCode::with_check_character("91370100MA3QQQ001").unwrap().to_string(),
        kind: "enterprise".into(),
        region: "370100".into(),
        industries: vec![],
        ..Default::default()
    };
    let second = t.store.create_organization(&second.validate().unwrap(), None).await.unwrap().id;
    for unit in [org, second] {
        let grant = Grant { role: Role::Applicant, scope: Scope::Organization(unit) };
        t.store.add_grant(user, &grant).await.unwrap();
    }
    for n in 1..=2 {
        t.store.create_submission(&NewSubmission::new(phase, org, user, &upload(&t, n).await, today())).await.unwrap();
    }
    let err = t
        .store
        .create_submission(&NewSubmission::new(phase, second, user, &upload(&t, 3).await, today()))
        .await
        .unwrap_err();
    assert!(matches!(err, StoreError::Refused(_)), "{err}");
}

#[tokio::test]
async fn an_endpoint_run_keeps_each_answer_once_while_its_lease_holds_and_stops_when_cancelled() {
    use jiebang_core::delivery::{DeliveryContract, EndpointContract};
    use jiebang_store::EndpointAnswer;
    let t = TestStore::new().await;
    let (user, organization, phase) = open_phase(&t, Quotas::default()).await;
    let challenge = t.store.get_phase(phase).await.unwrap().challenge_id;
    let registration = br#"{"base_url":"https://llm.example.cn/v1","model":"m"}"#.to_vec();
    let file = t.store.save_file(&t.files, "m @ https://llm.example.cn/v1", registration, None).await.unwrap();
    let new = NewSubmission::new(phase, organization, user, &file, today());
    // Refused until the contract takes endpoints.
    let err = t.store.create_endpoint_submission(&new, Some("v1.sealed")).await.unwrap_err();
    assert!(matches!(err, StoreError::Refused(_)), "{err}");
    let contract = DeliveryContract { endpoint: Some(EndpointContract::default()), ..DeliveryContract::default() };
    t.store.set_delivery_contract(challenge, contract, Some(user)).await.unwrap();
    let submission = t.store.create_endpoint_submission(&new, Some("v1.sealed")).await.unwrap();
    assert_eq!(t.store.endpoint_key(submission.id).await.unwrap().as_deref(), Some("v1.sealed"));

    // A predictions-only worker never takes it; a full worker does.
    t.store.register_worker("w", "host", "test").await.unwrap();
    assert!(t.store.claim_prediction_job("w", 60_000).await.unwrap().is_none());
    let job = t.store.claim_job("w", 60_000).await.unwrap().unwrap();
    t.store.start_endpoint_run(submission.id, job.run, 3).await.unwrap();
    let answer = |id: &str, done_us| EndpointAnswer {
        question_id: id.into(),
        segment: job.attempts,
        done_us,
        record: format!("{{\"id\":\"{id}\"}}"),
    };
    assert!(t.store.record_endpoint_answer(&job, "w", &answer("q1", 10), false).await.unwrap());
    assert!(t.store.record_endpoint_answer(&job, "w", &answer("q2", 20), true).await.unwrap());
    // The same question again (a retried write) is kept once; another worker writes nothing.
    assert!(t.store.record_endpoint_answer(&job, "w", &answer("q1", 30), false).await.unwrap());
    assert!(!t.store.record_endpoint_answer(&job, "other", &answer("q3", 40), false).await.unwrap());
    let progress = t.store.endpoint_progress(&[submission.id]).await.unwrap()[&submission.id];
    assert_eq!((progress.total, progress.finished, progress.failed), (3, 2, 1));
    let kept = t.store.endpoint_answers(submission.id, job.run).await.unwrap();
    assert_eq!(kept.iter().map(|a| (a.question_id.as_str(), a.done_us)).collect::<Vec<_>>(), [("q1", 10), ("q2", 20)]);

    // Cancelling a running endpoint run takes the job from its worker; the answers stay.
    assert!(t.store.cancel_submission(submission.id, user).await.unwrap());
    assert!(!t.store.record_endpoint_answer(&job, "w", &answer("q3", 50), false).await.unwrap());
    assert!(!t.store.extend_lease(job.id, "w", 60_000).await.unwrap());
    assert!(!t.store.finish_job(&job, "w", Outcome::Invalid("late".into())).await.unwrap());
    let cancelled = t.store.get_submission(submission.id).await.unwrap();
    assert_eq!(cancelled.state, SubmissionState::Cancelled);
    assert_eq!(t.store.endpoint_answers(submission.id, job.run).await.unwrap().len(), 2);
    // A running prediction file is not cancelled.
    let file_submission = t
        .store
        .create_submission(&NewSubmission::new(phase, organization, user, &upload(&t, 3).await, today()))
        .await
        .unwrap();
    let file_job = t.store.claim_job("w", 60_000).await.unwrap().unwrap();
    assert_eq!(file_job.subject_id, file_submission.id);
    assert!(!t.store.cancel_submission(file_submission.id, user).await.unwrap());
}

#[tokio::test]
async fn a_resumed_endpoint_run_finds_its_answers_and_links_its_transcript() {
    use jiebang_core::delivery::{DeliveryContract, EndpointContract};
    use jiebang_store::EndpointAnswer;
    let t = TestStore::new().await;
    let (user, organization, phase) = open_phase(&t, Quotas::default()).await;
    let challenge = t.store.get_phase(phase).await.unwrap().challenge_id;
    let contract = DeliveryContract { endpoint: Some(EndpointContract::default()), ..DeliveryContract::default() };
    t.store.set_delivery_contract(challenge, contract, Some(user)).await.unwrap();
    let file = t.store.save_file(&t.files, "endpoint", b"{}".to_vec(), None).await.unwrap();
    let submission = t
        .store
        .create_endpoint_submission(&NewSubmission::new(phase, organization, user, &file, today()), None)
        .await
        .unwrap();
    assert_eq!(t.store.endpoint_key(submission.id).await.unwrap(), None);
    t.store.register_worker("w1", "host", "test").await.unwrap();
    t.store.register_worker("w2", "host", "test").await.unwrap();
    // The first worker answers one question, then dies: its lease runs out.
    let first = t.store.claim_job("w1", 1).await.unwrap().unwrap();
    t.store.start_endpoint_run(submission.id, first.run, 2).await.unwrap();
    let answer = EndpointAnswer { question_id: "q1".into(), segment: first.attempts, done_us: 5, record: "{}".into() };
    assert!(t.store.record_endpoint_answer(&first, "w1", &answer, false).await.unwrap());
    tokio::time::sleep(std::time::Duration::from_millis(5)).await;
    assert_eq!(t.store.requeue_expired().await.unwrap(), 1);
    let second = t.store.claim_job("w2", 60_000).await.unwrap().unwrap();
    assert_eq!((second.id, second.run, second.attempts), (first.id, first.run, 2));
    let kept = t.store.endpoint_answers(submission.id, second.run).await.unwrap();
    assert_eq!(kept, [answer]);
    assert!(
        !t.store
            .record_endpoint_answer(
                &first,
                "w1",
                &EndpointAnswer { question_id: "q2".into(), segment: 1, done_us: 9, record: "{}".into() },
                false
            )
            .await
            .unwrap()
    );
    let transcript =
        t.store.save_file(&t.files, "transcript.jsonl", b"{\"type\":\"run\"}\n".to_vec(), None).await.unwrap();
    t.store.set_endpoint_transcript(submission.id, second.run, transcript.id).await.unwrap();
    assert_eq!(
        t.store.endpoint_transcript(submission.id, second.run).await.unwrap().map(|f| f.id),
        Some(transcript.id)
    );
    // A referenced transcript is never collected.
    let collected = t.store.collect_unreferenced(&t.files, std::time::Duration::ZERO).await.unwrap();
    assert!(t.store.get_file(transcript.id).await.is_ok(), "{collected:?}");
}

#[tokio::test]
async fn a_gguf_model_is_taken_within_its_size_limit_and_published_only_with_its_teams_consent() {
    use jiebang_core::delivery::{DeliveryContract, EndpointContract, GgufContract, SubmissionKind};
    let t = TestStore::new().await;
    let (user, organization, phase) = open_phase(&t, Quotas::default()).await;
    let challenge = t.store.get_phase(phase).await.unwrap().challenge_id;
    let file = t.store.save_file(&t.files, "m.gguf", vec![7; 2_000], None).await.unwrap();
    let new = NewSubmission::new(phase, organization, user, &file, today());
    // Refused until the contract takes GGUF models; then only within its size limit.
    let endpoints = DeliveryContract { endpoint: Some(EndpointContract::default()), ..DeliveryContract::default() };
    t.store.set_delivery_contract(challenge, endpoints.clone(), Some(user)).await.unwrap();
    let err = t.store.create_gguf_submission(&new).await.unwrap_err();
    assert!(err.to_string().contains("GGUF"), "{err}");
    let tight = GgufContract { max_model_mb: 0.001, ..GgufContract::default() };
    let contract = DeliveryContract { gguf: Some(tight), ..endpoints.clone() };
    t.store.set_delivery_contract(challenge, contract, Some(user)).await.unwrap();
    let err = t.store.create_gguf_submission(&new).await.unwrap_err();
    assert!(err.to_string().contains("2000"), "{err}");
    let contract =
        DeliveryContract { gguf: Some(GgufContract { exclusive: true, ..GgufContract::default() }), ..endpoints };
    t.store.set_delivery_contract(challenge, contract, Some(user)).await.unwrap();
    let submission = t.store.create_gguf_submission(&new).await.unwrap();
    assert_eq!(submission.kind, SubmissionKind::Gguf);
    // An exclusive contract refuses teams' own endpoints.
    assert!(t.store.create_endpoint_submission(&new, None).await.is_err());

    // Only a worker that serves models claims it.
    t.store.register_worker("w", "host", "test").await.unwrap();
    let others = [SubmissionKind::Predictions, SubmissionKind::Model, SubmissionKind::Endpoint];
    assert!(t.store.claim_kinds("w", 60_000, &others).await.unwrap().is_none());
    // Not scored yet: no consent.
    assert!(matches!(t.store.consent_to_publication(submission.id, user).await, Err(StoreError::Refused(_))));
    let job = t.store.claim_kinds("w", 60_000, &[SubmissionKind::Gguf]).await.unwrap().unwrap();
    let scored = Outcome::Scored { report: "{}".into(), signature: "00".into() };
    assert!(t.store.finish_job(&job, "w", scored).await.unwrap());
    // Publishing needs the team's consent first.
    assert!(matches!(t.store.set_published(submission.id, user, true).await, Err(StoreError::Refused(_))));
    assert!(t.store.published_models().await.unwrap().is_empty());
    let consented = t.store.consent_to_publication(submission.id, user).await.unwrap();
    assert_eq!(consented.published_at, None);
    let published = t.store.set_published(submission.id, user, true).await.unwrap();
    assert!(published.published_at.is_some());
    let listed = t.store.published_models().await.unwrap();
    assert_eq!(
        listed.iter().map(|m| (m.submission_id, m.challenge_id)).collect::<Vec<_>>(),
        [(submission.id, challenge)]
    );
    assert_eq!(listed[0].file_sha256, file.sha256);
    t.store.set_published(submission.id, user, false).await.unwrap();
    assert!(t.store.published_models().await.unwrap().is_empty());
    assert!(t.store.publication(submission.id).await.unwrap().is_some(), "the consent stays");
}

/// A dataset card describes a challenge's dataset version; the version holds the hidden labels,
/// so its card is evaluation-only, and a name and version or a dataset version has one card.
#[tokio::test]
async fn the_card_of_a_hidden_test_set_is_evaluation_only_and_entered_once() {
    let t = TestStore::new().await;
    let (_, _, phase) = open_phase(&t, Quotas::default()).await;
    let phase = t.store.get_phase(phase).await.unwrap();
    let card = |access: &str| jiebang_core::dataset_card::DatasetCardInput {
        name: "轴承故障测试集".into(),
        version: "v1".into(),
        builder: "某研究院".into(),
        modality: "time_series".into(),
        stage: "test_only".into(),
        records: 2,
        sources: vec![jiebang_core::dataset_card::DataSource {
            name: "试验台".into(), licence: "仅限本次评测".into()
        }],
        access: access.into(),
        ..Default::default()
    };
    let open = jiebang_core::dataset_card::DatasetCardInput { stage: "evaluation".into(), ..card("open") };
    let err = t.store.create_dataset_card(&open, Some(phase.dataset_id), None).await.unwrap_err();
    assert!(err.to_string().contains("仅评测托管"), "{err}");
    let held = t.store.create_dataset_card(&card("evaluation_only"), Some(phase.dataset_id), None).await.unwrap();
    assert_eq!((held.challenge_id, held.dataset_version_id), (Some(phase.challenge_id), Some(phase.dataset_id)));
    assert!(!held.card.downloadable());
    let again = t.store.create_dataset_card(&card("evaluation_only"), None, None).await.unwrap_err();
    assert!(matches!(again, StoreError::Conflict { .. }), "{again}");
    let cards = t.store.challenge_dataset_cards(phase.challenge_id).await.unwrap();
    assert_eq!(cards.iter().map(|c| c.id).collect::<Vec<_>>(), [held.id]);
    assert_eq!(t.store.list_dataset_cards().await.unwrap().len(), 1);
}
