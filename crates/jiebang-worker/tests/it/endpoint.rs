//! Endpoint jobs against a scripted OpenAI-compatible server on loopback and a real store
//! (SQLite, or PostgreSQL when `JIEBANG_TEST_DATABASE_URL` is set): the answers scored and the
//! serving judged in a signed report whose transcript is stored; the key sent and never kept in
//! the clear; a run taken up after its worker died asks only what is left; a cancelled run stops.

use std::sync::Arc;
use std::time::Duration;

use jiebang_chat::client::Asked;
use jiebang_chat::exchange::{Exchange, Usage};
use jiebang_chat::run::Record;
use jiebang_chat::scripted::{Script, Server};
use jiebang_core::delivery::{DeliveryContract, EndpointContract, EndpointRegistration};
use jiebang_core::evaluation::{PhaseInput, PhaseKind, Quotas, SubmissionState, Visibility};
use jiebang_core::program::Day;
use jiebang_store::testing::{Arena, TestStore};
use jiebang_store::{DatasetFileInput, EndpointAnswer, NewSubmission, ScoringSpec};
use jiebang_worker::{Pace, Sealer, Signer, Worker, signing};

const KEY: &str = "sk-test-never-shown-0123456789";

/// Six multiple-choice questions; the scripted model always answers B, right on four.
const QUESTIONS: &str = "{\"id\":\"q1\",\"question\":\"一\",\"choices\":{\"A\":\"甲\",\"B\":\"乙\"}}\n\
{\"id\":\"q2\",\"question\":\"二\",\"choices\":{\"A\":\"甲\",\"B\":\"乙\"}}\n\
{\"id\":\"q3\",\"question\":\"三\",\"choices\":{\"A\":\"甲\",\"B\":\"乙\"}}\n\
{\"id\":\"q4\",\"question\":\"四\",\"choices\":{\"A\":\"甲\",\"B\":\"乙\"}}\n\
{\"id\":\"q5\",\"question\":\"五\",\"choices\":{\"A\":\"甲\",\"B\":\"乙\"}}\n\
{\"id\":\"q6\",\"question\":\"六\",\"choices\":{\"A\":\"甲\",\"B\":\"乙\"}}\n";
const TRUTH: &str = "{\"id\":\"q1\",\"answer\":\"B\"}\n{\"id\":\"q2\",\"answer\":\"B\"}\n{\"id\":\"q3\",\"answer\":\"A\"}\n\
{\"id\":\"q4\",\"answer\":\"B\"}\n{\"id\":\"q5\",\"answer\":\"A\"}\n{\"id\":\"q6\",\"answer\":\"B\"}\n";

/// A word-level tokenizer split on whitespace and punctuation, as `tokenizers` writes one.
const WORD_LEVEL: &str = r#"{"version":"1.0","truncation":null,"padding":null,"added_tokens":[],
    "normalizer":null,"pre_tokenizer":{"type":"Whitespace"},"post_processor":null,"decoder":null,
    "model":{"type":"WordLevel","vocab":{"[UNK]":0,"the":1,"answer":2,"is":3,"B":4,".":5},"unk_token":"[UNK]"}}"#;

struct Bench {
    t: TestStore,
    arena: Arena,
    phase: i64,
    signer: Arc<Signer>,
    sealer: Arc<Sealer>,
}

async fn bench(contract: EndpointContract) -> Bench {
    let t = TestStore::new().await;
    let indicators = ["choice_accuracy>=0.6", "error_rate<=0.01", "ttft_p99_ms<=5000", "f1@0.5>=0.9"];
    let arena = Arena::new(&t.store, &t.files, "id,label\n1,1\n", &indicators, Quotas::default()).await;
    let mut files = Vec::new();
    let files_in = [
        ("labels", "truth.jsonl", TRUTH),
        ("questions", "questions.jsonl", QUESTIONS),
        ("other", "tokenizer.json", WORD_LEVEL),
    ];
    for (purpose, name, text) in files_in {
        let file = t.store.save_file(&t.files, name, text.as_bytes().to_vec(), None).await.unwrap();
        files.push(DatasetFileInput { purpose: purpose.into(), file });
    }
    let scoring = ScoringSpec { task: "choice".into(), label_column: "answer".into(), ..ScoringSpec::binary("") };
    let dataset = t.store.create_dataset_version(arena.challenge, scoring, "", files, None).await.unwrap();
    let hidden: Vec<(String, bool)> = dataset.files.iter().map(|f| (f.purpose.clone(), f.hidden)).collect();
    assert!(
        hidden.iter().all(|(purpose, hidden)| *hidden == (purpose != "other")),
        "labels and questions are hidden: {hidden:?}"
    );
    let input = PhaseInput {
        kind: PhaseKind::Development,
        name: "接口测评".into(),
        opens_on: Day::parse("d", "2020-01-01").unwrap(),
        closes_on: Day::parse("d", "2099-12-31").unwrap(),
        split: String::new(),
        visibility: Visibility::Public,
        quotas: Quotas::default(),
        counted: 2,
        precision: 4,
    };
    let phase = t.store.create_phase(arena.challenge, dataset.id, input, None).await.unwrap().id;
    let contract = DeliveryContract { endpoint: Some(contract), ..DeliveryContract::default() };
    t.store.set_delivery_contract(arena.challenge, contract, None).await.unwrap();
    let signer = Arc::new(Signer::load_or_create(&t.files).await.unwrap());
    let sealer = Arc::new(Sealer::load_or_create(&t.files, None).await.unwrap());
    Bench { t, arena, phase, signer, sealer }
}

impl Bench {
    async fn register(&self, base_url: &str, key: Option<&str>) -> i64 {
        let registration = EndpointRegistration { base_url: base_url.into(), model: "scripted".into() };
        let bytes = serde_json::to_vec(&registration).unwrap();
        let file = self.t.store.save_file(&self.t.files, "endpoint", bytes, None).await.unwrap();
        let sealed = key.map(|k| self.sealer.seal(k).unwrap());
        let new =
            NewSubmission::new(self.phase, self.arena.organization, self.arena.user, &file, jiebang_store::today());
        self.t.store.create_endpoint_submission(&new, sealed.as_deref()).await.unwrap().id
    }

    async fn worker(&self, name: &str, private: bool) -> Worker {
        let pace = Pace {
            lease: Duration::from_secs(30),
            heartbeat: Duration::from_millis(50),
            idle: Duration::from_millis(10),
        };
        Worker::start(self.t.store.clone(), self.t.files.clone(), self.signer.clone(), name, pace)
            .await
            .unwrap()
            .with_sealer(self.sealer.clone())
            .allow_private_endpoints(private)
    }
}

fn contract() -> EndpointContract {
    EndpointContract { concurrency: 2, max_tokens: 8, ..EndpointContract::default() }
}

#[tokio::test]
async fn a_live_model_is_scored_and_measured_in_a_signed_report_with_its_transcript() {
    let b = bench(contract()).await;
    let server = Server::start(|_| {
        Script::answer(&["答案", "是 B"], Duration::from_millis(20), Duration::from_millis(5), Some((30, 3)))
    })
    .await
    .unwrap();
    let id = b.register(&server.base_url(), Some(KEY)).await;
    // The key is kept sealed only.
    let sealed = b.t.store.endpoint_key(id).await.unwrap().unwrap();
    assert!(!sealed.contains(KEY));
    let worker = b.worker("0", true).await;
    assert!(worker.step().await.unwrap());
    let submission = b.t.store.get_submission(id).await.unwrap();
    assert_eq!(submission.state, SubmissionState::Scored, "{}", submission.message);
    // Every question went to the model once, with the key in the Authorization header.
    let requests = server.requests();
    assert_eq!(requests.len(), 6);
    assert!(requests.iter().all(|r| r.authorization.as_deref() == Some(&format!("Bearer {KEY}")[..])));
    assert!(requests.iter().all(|r| r.body["max_tokens"] == 8 && r.body["model"] == "scripted"));

    let evaluation = b.t.store.list_evaluations(id).await.unwrap().remove(0);
    assert!(signing::verify(&b.signer.public_key_hex(), evaluation.report.as_bytes(), &evaluation.signature));
    assert!(!evaluation.report.contains(KEY), "the report never holds the key");
    let report: serde_json::Value = serde_json::from_str(&evaluation.report).unwrap();
    assert_eq!(report["kind"], "endpoint");
    assert_eq!(report["metrics"]["choice_accuracy"], 4.0 / 6.0);
    assert_eq!(report["metrics"]["error_rate"], 0.0);
    // usage said 3 tokens an answer: 18 output tokens in all.
    assert_eq!(report["serving"]["tokens"], "usage");
    assert_eq!((report["serving"]["answered"].as_u64(), report["serving"]["failed"].as_u64()), (Some(6), Some(0)));
    assert!(report["metrics"]["ttft_p50_ms"].as_f64().unwrap() >= 20.0);
    let verdicts: Vec<(String, bool)> = report["indicators"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| (v["expr"].as_str().unwrap().to_owned(), v["pass"].as_bool().unwrap()))
        .collect();
    assert_eq!(
        verdicts,
        [
            ("choice_accuracy>=0.6".to_owned(), true),
            ("error_rate<=0.01".to_owned(), true),
            ("ttft_p99_ms<=5000".to_owned(), true)
        ]
    );
    assert_eq!(report["not_measured"], serde_json::json!(["f1@0.5>=0.9"]));

    // The transcript is stored, and is what the report's sha256 says.
    let transcript = b.t.store.endpoint_transcript(id, 1).await.unwrap().unwrap();
    let bytes = b.t.files.get(&transcript.key).await.unwrap();
    assert_eq!(report["serving"]["transcript"]["sha256"], jiebang_chat::transcript::sha256_hex(&bytes));
    assert_eq!(report["serving"]["transcript"]["lines"], 7);
    let text = String::from_utf8(bytes).unwrap();
    assert!(!text.contains(KEY), "the transcript never holds the key");
    assert!(text.contains("\"answer\":\"答案是 B\""), "{text}");
    let progress = b.t.store.endpoint_progress(&[id]).await.unwrap()[&id];
    assert_eq!((progress.total, progress.finished, progress.failed), (6, 6, 0));
}

fn answered(id: &str) -> Record {
    let exchange = Exchange {
        answer: "B".into(),
        first_token_ms: Some(10.0),
        first_any_token_ms: Some(10.0),
        last_token_ms: Some(12.0),
        answer_chunks_ms: vec![10.0],
        usage: Some(Usage { prompt_tokens: 5, completion_tokens: 1 }),
        finish_reason: Some("stop".into()),
        ..Exchange::default()
    };
    let asked = Asked { request: serde_json::json!({}), attempts: Vec::new(), events: Vec::new(), exchange };
    Record { id: id.into(), started_ms: 0.0, asked }
}

#[tokio::test]
async fn a_run_taken_up_after_its_worker_died_never_asks_a_question_twice() {
    let b = bench(contract()).await;
    let server = Server::start(|_| Script::answer(&["B"], Duration::from_millis(5), Duration::ZERO, Some((5, 1))))
        .await
        .unwrap();
    let id = b.register(&server.base_url(), None).await;
    // A worker claimed the run, answered two questions and died; its lease ran out.
    b.t.store.register_worker("dead", "host", "test").await.unwrap();
    let job = b.t.store.claim_job("dead", 1).await.unwrap().unwrap();
    b.t.store.start_endpoint_run(id, job.run, 6).await.unwrap();
    for (question, done_us) in [("q1", 40_000), ("q3", 50_000)] {
        let record = serde_json::to_string(&answered(question)).unwrap();
        let answer = EndpointAnswer { question_id: question.into(), segment: job.attempts, done_us, record };
        assert!(b.t.store.record_endpoint_answer(&job, "dead", &answer, false).await.unwrap());
    }
    tokio::time::sleep(Duration::from_millis(5)).await;

    let worker = b.worker("0", true).await;
    assert!(worker.step().await.unwrap());
    let submission = b.t.store.get_submission(id).await.unwrap();
    assert_eq!(submission.state, SubmissionState::Scored, "{}", submission.message);
    let asked: Vec<String> = server
        .requests()
        .iter()
        .map(|r| r.body["messages"][0]["content"].as_str().unwrap_or_default().to_owned())
        .collect();
    assert_eq!(asked.len(), 4, "only the four questions left were asked");
    assert!(asked.iter().all(|content| !content.contains("\n一\n") && !content.contains("\n三\n")), "{asked:?}");
    let report: serde_json::Value =
        serde_json::from_str(&b.t.store.list_evaluations(id).await.unwrap()[0].report).unwrap();
    assert_eq!(report["serving"]["segments"], 2);
    assert_eq!(report["serving"]["answered"], 6);
    assert_eq!(report["metrics"]["choice_accuracy"], 4.0 / 6.0);
    // The first segment's span (50 ms) is part of the run's wall time.
    assert!(report["serving"]["wall_ms"].as_f64().unwrap() >= 50.0);
}

#[tokio::test]
async fn a_cancelled_run_stops_asking_and_keeps_what_was_answered() {
    let b = bench(EndpointContract { concurrency: 1, ..contract() }).await;
    let server =
        Server::start(|_| Script::answer(&["B"], Duration::from_millis(150), Duration::ZERO, None)).await.unwrap();
    let id = b.register(&server.base_url(), None).await;
    let worker = b.worker("0", true).await;
    let running = tokio::spawn(async move { worker.step().await.unwrap() });
    // Wait for two answers, then cancel.
    loop {
        tokio::time::sleep(Duration::from_millis(20)).await;
        let progress = b.t.store.endpoint_progress(&[id]).await.unwrap();
        if progress.get(&id).is_some_and(|p| p.finished >= 2) {
            break;
        }
    }
    assert!(b.t.store.cancel_submission(id, b.arena.user).await.unwrap());
    tokio::time::timeout(Duration::from_secs(5), running).await.expect("the worker stops").unwrap();
    let asked = server.requests().len();
    assert!(asked < 6, "{asked} questions asked after cancelling");
    let submission = b.t.store.get_submission(id).await.unwrap();
    assert_eq!(submission.state, SubmissionState::Cancelled);
    assert!(b.t.store.list_evaluations(id).await.unwrap().is_empty());
    assert!(b.t.store.endpoint_answers(id, 1).await.unwrap().len() >= 2);
}

#[tokio::test]
async fn an_endpoint_on_the_platforms_own_network_is_refused_unless_allowed() {
    let b = bench(contract()).await;
    let server = Server::start(|_| Script::answer(&["B"], Duration::ZERO, Duration::ZERO, None)).await.unwrap();
    let id = b.register(&server.base_url(), None).await;
    let worker = b.worker("0", false).await;
    assert!(worker.step().await.unwrap());
    let submission = b.t.store.get_submission(id).await.unwrap();
    assert_eq!(submission.state, SubmissionState::Invalid);
    assert!(submission.message.contains("internal address 127.0.0.1"), "{}", submission.message);
    assert!(server.requests().is_empty(), "no question was sent");
}

/// A log sink for one test.
#[derive(Clone, Default)]
struct Captured(Arc<std::sync::Mutex<Vec<u8>>>);

impl std::io::Write for Captured {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(bytes);
        Ok(bytes.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[tokio::test]
async fn the_key_appears_in_no_log_line_even_when_the_endpoint_refuses_it() {
    let captured = Captured::default();
    let sink = captured.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::TRACE)
        .with_writer(move || sink.clone())
        .with_ansi(false)
        .finish();
    let _guard = tracing::subscriber::set_default(subscriber);
    let b = bench(EndpointContract { attempts: 2, ..contract() }).await;
    // The endpoint refuses the key (401), then a second registration is answered.
    let refusing = Server::start(|_| Script::status(401, &[])).await.unwrap();
    let id = b.register(&refusing.base_url(), Some(KEY)).await;
    let worker = b.worker("0", true).await;
    assert!(worker.step().await.unwrap());
    let submission = b.t.store.get_submission(id).await.unwrap();
    assert_eq!(submission.state, SubmissionState::Scored, "{}", submission.message);
    let report: serde_json::Value =
        serde_json::from_str(&b.t.store.list_evaluations(id).await.unwrap()[0].report).unwrap();
    assert_eq!(report["metrics"]["error_rate"], 1.0);
    assert_eq!(report["serving"]["failures"]["http"], 6);
    let logged = String::from_utf8(captured.0.lock().unwrap().clone()).unwrap();
    assert!(!logged.is_empty(), "the test captured the log");
    assert!(!logged.contains(KEY), "the key was logged:\n{logged}");
    assert!(!submission.message.contains(KEY));
}

#[tokio::test]
async fn without_usage_the_contracts_tokenizer_counts_the_output_tokens() {
    let b = bench(EndpointContract { tokenizer_file: "tokenizer.json".into(), ..contract() }).await;
    // No usage chunk: "the answer is B." is five tokens to the word-level tokenizer.
    let server = Server::start(|_| {
        Script::answer(&["the answer", " is B."], Duration::from_millis(5), Duration::from_millis(5), None)
    })
    .await
    .unwrap();
    let id = b.register(&server.base_url(), None).await;
    let worker = b.worker("0", true).await;
    assert!(worker.step().await.unwrap());
    let submission = b.t.store.get_submission(id).await.unwrap();
    assert_eq!(submission.state, SubmissionState::Scored, "{}", submission.message);
    let report: serde_json::Value =
        serde_json::from_str(&b.t.store.list_evaluations(id).await.unwrap()[0].report).unwrap();
    assert_eq!(report["serving"]["tokens"], "tokenizer");
    let tokens = report["metrics"]["output_tokens_per_s"].as_f64().unwrap()
        * report["serving"]["wall_ms"].as_f64().unwrap()
        / 1000.0;
    assert!((tokens - 30.0).abs() < 1e-6, "six answers of five tokens: {tokens}");
}
