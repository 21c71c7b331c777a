//! Evaluation workers as operators run them: standalone `jiebang worker` processes and the pool
//! inside `serve`. Whatever is killed mid-job, every submission ends scored exactly once, and a
//! report verifies offline with `jiebang verify`.

use std::process::{Child, Stdio};
use std::time::{Duration, Instant};

use jiebang_core::evaluation::{Quotas, SubmissionState};
use jiebang_store::testing::Arena;
use jiebang_store::{FileStore, Store};

use crate::{Env, Server, serve};

/// Something to kill -9 in the middle of its work.
trait Process {
    /// Its process id.
    fn pid(&self) -> u32;
    /// Kills it without warning and reaps it.
    fn kill_now(&mut self);
}

impl Process for Child {
    fn pid(&self) -> u32 {
        self.id()
    }

    fn kill_now(&mut self) {
        self.kill().unwrap();
        self.wait().unwrap();
    }
}

impl Process for Server {
    fn pid(&self) -> u32 {
        self.child.id()
    }

    fn kill_now(&mut self) {
        self.child.kill_now();
    }
}

/// Large enough that scoring takes a moment in a debug build, so a kill lands mid-job.
const ROWS: usize = 200_000;

/// The file store the processes share: `JIEBANG_TEST_STORE_URL` when set (scripts/test sets an
/// S3-compatible one for the scale-out run), else the data directory's.
pub(crate) fn store_url(env: &Env) -> String {
    std::env::var("JIEBANG_TEST_STORE_URL")
        .ok()
        .filter(|u| !u.is_empty())
        .unwrap_or_else(|| env.dir.path().join("files").display().to_string())
}

/// A store with `n` submissions queued for one challenge.
async fn queued(env: &Env, n: usize) -> (Store, FileStore, Vec<i64>) {
    let store = Store::connect(&env.database_url).await.unwrap();
    store.migrate().await.unwrap();
    let files = FileStore::open(&store_url(env)).unwrap();
    let mut labels = String::from("id,label\n");
    (0..ROWS).for_each(|i| labels.push_str(&format!("{i},{}\n", i % 2)));
    let unlimited = Quotas { per_day: 0, total: 0, concurrent: 0, invalid: 0 };
    let arena = Arena::new(&store, &files, &labels, &["roc_auc>=0.5"], unlimited).await;
    let mut ids = Vec::new();
    for k in 0..n {
        let mut predictions = String::from("id,score\n");
        (0..ROWS).for_each(|i| predictions.push_str(&format!("{i},{:.3}\n", ((i * (k + 7)) % 1000) as f64 / 1000.0)));
        ids.push(arena.submit(&store, &files, &predictions).await.unwrap());
    }
    (store, files, ids)
}

async fn states(store: &Store, ids: &[i64]) -> Vec<SubmissionState> {
    let mut states = Vec::new();
    for &id in ids {
        states.push(store.get_submission(id).await.unwrap().state);
    }
    states
}

/// Waits until `done` holds for the submissions' states, or panics after a minute.
pub(crate) async fn wait_for(store: &Store, ids: &[i64], what: &str, done: impl Fn(&[SubmissionState]) -> bool) {
    let started = Instant::now();
    loop {
        let now = states(store, ids).await;
        if done(&now) {
            return;
        }
        assert!(started.elapsed() < Duration::from_secs(120), "timed out waiting for {what}: {now:?}");
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
}

fn worker(env: &Env) -> Child {
    env.command(&["worker", "--store-url", &store_url(env)])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap()
}

/// Kills whatever `start` runs while it scores, starts it again, and checks that every
/// submission ends scored exactly once, the interrupted one by the second process.
async fn survives_a_kill<P: Process>(start: impl Fn(&Env) -> P) {
    let env = Env::new().await;
    let (store, _files, ids) = queued(&env, 3).await;
    let mut first = start(&env);
    wait_for(&store, &ids, "a running submission", |s| s.contains(&SubmissionState::Running)).await;
    first.kill_now();
    // Usually the job it held; none only if the kill fell between two jobs.
    let interrupted = states(&store, &ids).await.iter().position(|s| *s == SubmissionState::Running).map(|i| ids[i]);
    let mut second = start(&env);
    wait_for(&store, &ids, "every submission scored", |s| s.iter().all(|s| *s == SubmissionState::Scored)).await;
    second.kill_now();
    for &id in &ids {
        let evaluations = store.list_evaluations(id).await.unwrap();
        assert_eq!(evaluations.len(), 1, "submission {id} recorded once");
    }
    if let Some(id) = interrupted {
        let evaluation = store.list_evaluations(id).await.unwrap().remove(0);
        let killed = format!(":{}:", first.pid());
        assert!(!evaluation.worker.contains(&killed), "the killed process recorded nothing: {}", evaluation.worker);
    }
    assert_eq!(store.queue_stats().await.unwrap().done, ids.len() as i64);
}

#[tokio::test]
async fn a_killed_worker_process_loses_no_submission_and_scores_none_twice() {
    survives_a_kill(worker).await;
}

#[tokio::test]
async fn a_killed_server_with_embedded_workers_loses_no_submission_and_scores_none_twice() {
    survives_a_kill(|env| serve(env, &[])).await;
}

#[tokio::test]
async fn two_worker_processes_share_the_queue_and_a_report_verifies_offline() {
    let env = Env::new().await;
    let (store, files, ids) = queued(&env, 4).await;
    let mut workers = [worker(&env), worker(&env)];
    wait_for(&store, &ids, "every submission scored", |s| s.iter().all(|s| *s == SubmissionState::Scored)).await;
    workers.iter_mut().for_each(Process::kill_now);
    let mut scorers = std::collections::BTreeSet::new();
    for &id in &ids {
        scorers.insert(store.list_evaluations(id).await.unwrap().remove(0).worker);
    }
    assert_eq!(scorers.len(), 2, "both processes scored: {scorers:?}");
    let evaluation = store.list_evaluations(ids[0]).await.unwrap().remove(0);
    let key = jiebang_store::signing::Signer::load_or_create(&files).await.unwrap().public_key_hex();
    let report: serde_json::Value = serde_json::from_str(&evaluation.report).unwrap();
    let signed = serde_json::json!({"report": report, "signature": evaluation.signature, "public_key": key});
    let path = env.dir.path().join("report.json");
    std::fs::write(&path, serde_json::to_vec_pretty(&signed).unwrap()).unwrap();
    let output = env.run(&["verify", path.to_str().unwrap(), "--public-key", &key], "");
    assert_eq!(output.status.code(), Some(0), "{}", crate::stderr(&output));
    let auc = report["metrics"]["roc_auc"].as_f64().unwrap();
    let tampered = serde_json::to_string(&signed).unwrap().replace(&format!("\"roc_auc\":{auc}"), "\"roc_auc\":0.99");
    assert_ne!(tampered, serde_json::to_string(&signed).unwrap(), "the value was replaced");
    std::fs::write(&path, tampered).unwrap();
    let output = env.run(&["verify", path.to_str().unwrap()], "");
    assert_eq!(output.status.code(), Some(2));
    assert!(crate::stderr(&output).contains("signature does not match"), "{}", crate::stderr(&output));
}

#[tokio::test]
async fn dataset_upload_adds_a_version_with_hidden_labels_and_names_what_is_wrong() {
    let env = Env::new().await;
    let (store, _files, _) = queued(&env, 0).await;
    let challenge = store.get_phase(1).await.unwrap().challenge_id;
    let labels = env.dir.path().join("labels.csv");
    let train = env.dir.path().join("train.csv");
    std::fs::write(&labels, "id,label\n1,1\n2,0\n").unwrap();
    std::fs::write(&train, "id,x,label\n9,0.5,1\n").unwrap();
    let (labels, train) = (labels.to_str().unwrap(), train.to_str().unwrap());
    let id = challenge.to_string();
    let upload = ["dataset", "upload", "--challenge", &id, "--task", "binary", "--labels", labels, "--train", train];
    let output = env.run(&upload, "");
    assert_eq!(output.status.code(), Some(0), "{}", crate::stderr(&output));
    let out = crate::stdout(&output);
    assert!(out.contains("version 2") && out.contains("hidden") && out.contains("labels.csv"), "{out}");
    let versions = store.list_dataset_versions(challenge).await.unwrap();
    assert_eq!(versions[0].files.iter().filter(|f| f.hidden).count(), 1);
    let bad = ["dataset", "upload", "--challenge", &id, "--task", "ranking", "--labels", labels];
    let output = env.run(&bad, "");
    assert_eq!(output.status.code(), Some(2));
    assert!(
        crate::stderr(&output).contains("task 'ranking' must be one of binary, multiclass, regression, choice"),
        "{}",
        crate::stderr(&output)
    );
    let missing = ["dataset", "upload", "--challenge", &id, "--task", "binary", "--labels", "/nonexistent/l.csv"];
    let output = env.run(&missing, "");
    assert_eq!(output.status.code(), Some(2));
    assert!(crate::stderr(&output).contains("/nonexistent/l.csv"), "{}", crate::stderr(&output));
    assert_eq!(store.list_dataset_versions(challenge).await.unwrap().len(), 2, "nothing half-written");
}
