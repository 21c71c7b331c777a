//! The `jiebang` command as people run it: real processes, a real server on a random loopback
//! port, real files — on SQLite, or on PostgreSQL when `JIEBANG_TEST_DATABASE_URL` is set.

#![allow(missing_docs)]

mod endpoint;
mod eval;
mod languages;
mod llama;
mod llama_gguf;
mod models;
mod tidy;
mod workers;

use std::io::{BufRead, BufReader, Write};
use std::path::Path;
use std::process::{Child, Command, Output, Stdio};

use serde_json::{Value, json};

pub(crate) const BIN: &str = env!("CARGO_BIN_EXE_jiebang");

/// A data directory and the database URL the commands use.
struct Env {
    dir: tempfile::TempDir,
    database_url: String,
}

impl Env {
    async fn new() -> Self {
        let dir = tempfile::tempdir().unwrap();
        let database_url = jiebang_store::testing::fresh_database_url(dir.path()).await;
        Self { dir, database_url }
    }

    fn command(&self, args: &[&str]) -> Command {
        let mut command = Command::new(BIN);
        command
            .args(["--data-dir", self.dir.path().to_str().unwrap(), "--database-url", &self.database_url])
            .args(args);
        command.env_remove("RUST_LOG");
        // Killed workers' jobs come back after 3 s instead of a minute.
        command.env("JIEBANG__WORKERS__LEASE_SECONDS", "3");
        command
    }

    fn run(&self, args: &[&str], stdin: &str) -> Output {
        let mut child =
            self.command(args).stdin(Stdio::piped()).stdout(Stdio::piped()).stderr(Stdio::piped()).spawn().unwrap();
        // A command refused on its arguments exits without reading stdin: a broken pipe is fine.
        let _ = child.stdin.take().unwrap().write_all(stdin.as_bytes());
        child.wait_with_output().unwrap()
    }
}

/// A running `jiebang serve`; killed on drop.
struct Server {
    child: Child,
    base: String,
    stdout: Vec<String>,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn serve(env: &Env, extra: &[&str]) -> Server {
    serve_with(env, extra, &[])
}

/// `serve` with settings from the environment (`JIEBANG__SECTION__KEY`).
fn serve_with(env: &Env, extra: &[&str], settings: &[(&str, &str)]) -> Server {
    let mut args = vec!["serve", "--bind", "127.0.0.1:0"];
    args.extend_from_slice(extra);
    let mut command = env.command(&args);
    command.envs(settings.iter().copied());
    let mut child = command.stdout(Stdio::piped()).stderr(Stdio::null()).spawn().unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let first = lines.next().expect("server printed its address").unwrap();
    let base = first.split_whitespace().find(|w| w.starts_with("http://")).expect("an address").to_owned();
    let mut stdout = vec![first];
    if extra.contains(&"--demo") {
        stdout.extend(lines.by_ref().take(6).map(Result::unwrap));
    }
    Server { child, base, stdout }
}

fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

#[test]
fn help_lists_the_subcommands() {
    let output = Command::new(BIN).arg("--help").output().unwrap();
    let text = stdout(&output);
    for command in ["serve", "migrate", "admin", "import", "export", "config", "audit"] {
        assert!(text.contains(command), "--help lacks {command}:\n{text}");
    }
}

#[test]
fn config_default_prints_toml_that_names_every_section() {
    let output = Command::new(BIN).args(["config", "default"]).output().unwrap();
    assert!(output.status.success());
    let text = stdout(&output);
    for key in ["data_dir", "[server]", "bind = \"127.0.0.1:8080\"", "JIEBANG__DATABASE__URL"] {
        assert!(text.contains(key), "{key} missing:\n{text}");
    }
}

#[tokio::test]
async fn serve_demo_answers_health_and_shows_the_demo_programs_on_the_page_and_the_api() {
    let env = Env::new().await;
    let server = serve(&env, &["--demo"]);
    assert!(server.stdout.iter().any(|l| l.contains("admin@demo.jiebang.cn")), "{:?}", server.stdout);
    let client = reqwest::Client::new();
    let health: Value = client.get(format!("{}/healthz", server.base)).send().await.unwrap().json().await.unwrap();
    assert_eq!(health["status"], "ok");
    let programs: Value =
        client.get(format!("{}/api/v1/programs", server.base)).send().await.unwrap().json().await.unwrap();
    let programs = programs.as_array().unwrap();
    assert_eq!(programs.len(), 5);
    assert!(programs.iter().all(|p| p["is_demo"] == true));
    let statuses: Vec<&str> = programs.iter().map(|p| p["status"].as_str().unwrap()).collect();
    assert!(statuses.contains(&"publicity") && statuses.contains(&"under_review"), "{statuses:?}");
    assert!(statuses.contains(&"announced"), "{statuses:?}");
    let shandong = programs.iter().find(|p| p["title"].as_str().unwrap().contains("工业领域")).unwrap();
    // The provincial list is in 公示, with its draft list, the standard notice and an open period.
    let notice: Value = client
        .get(format!("{}/api/v1/programs/{}/publicity", server.base, shandong["id"]))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(notice["open"], true, "{notice}");
    assert!(notice["rows"].as_array().unwrap().len() >= 5, "{notice}");
    assert!(notice["paragraphs"].to_string().contains("匿名反映"), "{notice}");
    let list: Value = client
        .get(format!("{}/api/v1/programs/{}/challenges?per_page=200", server.base, shandong["id"]))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let items = list["items"].as_array().unwrap();
    assert!(items.len() >= 18, "about 20 challenges");
    let industries: std::collections::HashSet<_> = items
        .iter()
        .flat_map(|c| c["industries"].as_array().unwrap().iter().map(|i| i["code"].as_str().unwrap().to_owned()))
        .collect();
    assert!(industries.len() >= 8, "at least 8 industries: {industries:?}");
    let cities: std::collections::HashSet<_> =
        items.iter().filter_map(|c| c["region"]["code"].as_str().map(|r| r[..4].to_owned())).collect();
    assert!(cities.len() >= 4, "several cities: {cities:?}");
    assert!(items.iter().all(|c| (2..=4).contains(&c["indicators"].as_array().unwrap().len())));
    let page = client.get(&server.base).send().await.unwrap().text().await.unwrap();
    assert!(page.contains("示例数据") && page.contains("2025年工业领域行业大模型"));
    demo_model_is_measured_against_the_lightweight_targets(&client, &server.base, programs, &server.stdout, &env).await;
    demo_projects_are_in_every_state(&client, &server.base, programs).await;
    // What a model or another user must not read is this user's alone.
    use std::os::unix::fs::PermissionsExt;
    let mode = |path: &str| std::fs::metadata(env.dir.path().join(path)).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode("files"), 0o700);
    assert_eq!(mode("files/keys/report-signing.ed25519.pk8"), 0o600);
    if env.database_url.starts_with("sqlite:") {
        assert_eq!(mode("jiebang.db"), 0o600);
    }
}

/// The announced 2024 list's projects are in every state the issue names, and the winner's
/// ledger, read from signed reports, meets every committed value while the one to be
/// reconsidered misses one of five, as the acceptance rules suggest.
async fn demo_projects_are_in_every_state(client: &reqwest::Client, base: &str, programs: &[Value]) {
    use jiebang_core::project::{
        AcceptanceFindings, AcceptanceRules, CommittedIndicator, Conclusion, judge_acceptance,
    };
    let announced: Vec<&Value> = programs.iter().filter(|p| p["status"] == "announced").collect();
    let [provincial, national] = announced[..] else { panic!("two announced lists: {announced:?}") };
    let projects_of = |program: &Value| {
        let url = format!("{base}/api/v1/programs/{}/projects", program["id"]);
        async move { client.get(url).send().await.unwrap().json::<Value>().await.unwrap() }
    };
    let (provincial, national) = if provincial["issuer"].as_str().unwrap().contains("工业和信息化部") {
        (national, provincial)
    } else {
        (provincial, national)
    };
    let mut projects = projects_of(provincial).await.as_array().unwrap().clone();
    let racers = projects_of(national).await.as_array().unwrap().clone();
    // The national list: three racers with projects, a 潜力单位 listed without one.
    assert_eq!(racers.len(), 3, "{racers:?}");
    let list: Value = client
        .get(format!("{base}/api/v1/programs/{}/publicity", national["id"]))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let tiers: Vec<&str> = list["rows"].as_array().unwrap().iter().map(|r| r["tier"].as_str().unwrap()).collect();
    assert_eq!(tiers, ["揭榜单位", "揭榜单位", "揭榜单位", "潜力单位"]);
    projects.extend(racers);
    let projects = &projects;
    let states: std::collections::BTreeSet<&str> = projects.iter().map(|p| p["state"].as_str().unwrap()).collect();
    for state in ["drafting", "in_progress", "mid_term", "concluded", "designated", "terminated"] {
        assert!(states.contains(state), "no project {state}: {states:?}");
    }
    let mut overdue = 0;
    for p in projects {
        let milestones: Value = client
            .get(format!("{base}/api/v1/projects/{}/milestones", p["id"]))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        overdue += milestones.as_array().unwrap().iter().filter(|m| m["status"] == "overdue").count();
    }
    assert!(overdue >= 1, "an overdue milestone");
    // The race's gate kept two of three by their mid-term totals and terminated the third.
    let gates: Value = client
        .get(format!("{base}/api/v1/programs/{}/gates", national["id"]))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let kept: Vec<bool> =
        gates[0]["ranking"].as_array().unwrap().iter().map(|r| r["kept"].as_bool().unwrap()).collect();
    assert_eq!(kept, [true, true, false], "{gates}");
    let dropped = projects.iter().find(|p| p["id"] == gates[0]["ranking"][2]["project_id"]).unwrap();
    assert_eq!(dropped["state"], "terminated");
    let mut judged = Vec::new();
    for conclusion in ["passed", "reconsider"] {
        let project = projects.iter().find(|p| p["conclusion"] == conclusion).unwrap();
        let committed: Vec<CommittedIndicator> = serde_json::from_value(project["committed"].clone()).unwrap();
        let url = format!("{base}/api/v1/projects/{}/ledger", project["id"]);
        // The evidence is scored by the embedded workers as the server starts.
        let mut ledger = Value::Null;
        for _ in 0..600 {
            ledger = client.get(&url).send().await.unwrap().json().await.unwrap();
            if ledger["rows"].as_array().unwrap().iter().all(|r| r["achieved"].is_number()) {
                break;
            }
            tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        }
        let achieved = ledger["rows"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| (r["metric"].as_str().unwrap().to_owned(), r["achieved"].as_f64().expect("measured")))
            .collect();
        let judgement =
            judge_acceptance(&committed, &achieved, AcceptanceFindings::default(), AcceptanceRules::default());
        let met: Vec<bool> = ledger["rows"].as_array().unwrap().iter().map(|r| r["met"].as_bool().unwrap()).collect();
        assert_eq!(met, judgement.verdicts.iter().map(|v| v.met).collect::<Vec<_>>());
        assert!(ledger["rows"][0]["source"].as_str().unwrap().starts_with("submission:"), "{ledger}");
        judged.push((judgement.share_met, judgement.suggested));
    }
    assert_eq!(judged, [(1.0, Conclusion::Passed), (0.8, Conclusion::Reconsider)]);
    // The winner's model is in the supply catalogue, its five values evidenced by the lab.
    let solutions: Value = client.get(format!("{base}/api/v1/solutions")).send().await.unwrap().json().await.unwrap();
    let winner = projects.iter().find(|p| p["conclusion"] == "passed").unwrap();
    let listed = solutions.as_array().unwrap().iter().find(|s| s["project_id"] == winner["id"]).expect("listed");
    let evidence: Vec<&str> = listed["solution"]["claims"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["evidence"]["kind"].as_str().unwrap())
        .collect();
    assert_eq!(evidence, ["lab_report"; 5], "{listed}");
}

/// The demo's NAT25-01 takes models: the embedded workers run the applicant's delivered model,
/// and the public leaderboard shows its size, latency and memory beside the verdicts.
async fn demo_model_is_measured_against_the_lightweight_targets(
    client: &reqwest::Client,
    base: &str,
    programs: &[Value],
    stdout: &[String],
    env: &Env,
) {
    let get = |path: String| async move { api_get(client, base, &path).await };
    let (challenge, phase) = demo_phase(client, base, programs, "NAT25-01").await;
    let contract = get(format!("/api/v1/challenges/{challenge}/delivery")).await;
    assert_eq!((contract["accepts"].as_str(), contract["input"].as_str()), (Some("both"), Some("features")));
    let started = std::time::Instant::now();
    let board = loop {
        let board = get(format!("/api/v1/phases/{phase}/leaderboard")).await;
        // One row per team: the applicant's best is its model, the others' their files.
        let rows = board["rows"].as_array().unwrap();
        if rows.len() == 4 && rows.iter().any(|r| r["scores"].get("latency_p99_ms").is_some()) {
            break board;
        }
        assert!(started.elapsed() < std::time::Duration::from_secs(120), "the demo was not scored: {board}");
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    };
    assert_eq!(board["model_columns"], json!(["model_size_mb", "latency_p99_ms", "peak_memory_mb"]), "{board}");
    let model = board["rows"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["scores"].get("latency_p99_ms").is_some())
        .unwrap_or_else(|| panic!("a model row: {board}"));
    let indicators: Vec<&str> =
        board["indicators"].as_array().unwrap().iter().map(|i| i["metric"].as_str().unwrap()).collect();
    assert_eq!(indicators, ["roc_auc", "recall@0.5", "latency_p99_ms", "model_size_mb"]);
    assert_eq!(model["passes"], json!([true, true, true, true]), "{model}");
    assert!(model["scores"]["model_size_mb"].as_f64().unwrap() < 0.01, "{model}");
    every_demo_report_verifies(base, &phase, &server_password(stdout, "organizer@demo.jiebang.cn"), env).await;
    demo_gguf_model_is_served_and_judged(base, programs, stdout, env).await;
}

/// The demo's NAT25-06 takes GGUF models: the embedded workers serve the university's tiny
/// constant-"B" model with the built-in runner, put the whole bank to it at concurrency 1 and
/// 4, and sign a report whose accuracy is exactly the share of "B" among the choice answers,
/// with tokens/s, TTFT, memory and size judged and drawn on the report page.
async fn demo_gguf_model_is_served_and_judged(base: &str, programs: &[Value], stdout: &[String], env: &Env) {
    let client = signed_in(base, stdout, "organizer@demo.jiebang.cn").await;
    let (phase, submission) = demo_gguf_submission(&client, base, programs).await;
    let get = |path: String| {
        let client = client.clone();
        async move {
            let response = client.get(format!("{base}{path}")).send().await.unwrap();
            assert!(response.status().is_success(), "{path}: {}", response.status());
            response.text().await.unwrap()
        }
    };
    let phase = &phase;
    assert_eq!(submission["state"], "scored", "{submission}");
    let signed: Value =
        serde_json::from_str(&get(format!("/api/v1/submissions/{}/report", submission["id"])).await).unwrap();
    let report = &signed["report"];
    // The hidden truth, read as the platform holds it: the constant model is right exactly on
    // the choice questions whose answer is B.
    let store = jiebang_store::Store::connect(&env.database_url).await.unwrap();
    let files = jiebang_store::FileStore::local(&env.dir.path().join("files")).unwrap();
    let phase_record = store.get_phase(phase.as_i64().unwrap()).await.unwrap();
    let dataset = store.get_dataset_version(phase_record.dataset_id).await.unwrap();
    let truth = String::from_utf8(files.get(&dataset.labels().unwrap().key).await.unwrap()).unwrap();
    let rows: Vec<Value> = truth.lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    let choice: Vec<&Value> = rows.iter().filter(|r| r["task"] == "choice").collect();
    let b = choice.iter().filter(|r| r["answer"] == "B").count();
    let accuracy = report["metrics"]["choice_accuracy"].as_f64().unwrap();
    assert!((accuracy - b as f64 / choice.len() as f64).abs() < 1e-12, "{accuracy} vs {b}/{}", choice.len());
    let hosting = &report["serving"]["hosting"];
    assert!(hosting["runtime"].as_str().unwrap().contains("candle"), "{hosting}");
    assert_eq!(hosting["header"]["architecture"], "llama");
    let levels: Vec<u64> =
        hosting["levels"].as_array().unwrap().iter().map(|l| l["concurrency"].as_u64().unwrap()).collect();
    assert_eq!(levels, [1, 4]);
    assert!(hosting["levels"][1]["values"]["output_tokens_per_s"].as_f64().unwrap() > 0.0, "{hosting}");
    let peak = report["metrics"]["peak_memory_mb"].as_f64().unwrap();
    assert!(peak > 1.0 && peak < 2048.0, "peak memory {peak} MiB within the contract's 2048");
    assert!(report["metrics"]["model_size_mb"].as_f64().unwrap() < 1.0);
    let judged: Vec<&str> =
        report["indicators"].as_array().unwrap().iter().map(|i| i["expr"].as_str().unwrap()).collect();
    for expr in [
        "output_tokens_per_s>=15",
        "peak_memory_mb<=16384",
        "model_size_mb<=8192",
        "ttft_p99_ms<=1000",
        "choice_accuracy>=0.8",
    ] {
        assert!(judged.contains(&expr), "{expr} judged: {judged:?}");
    }
    let page = get(format!("/submissions/{}/report", submission["id"])).await;
    for testid in ["report-hosting", "report-hosting-memory", "report-hosting-levels"] {
        assert!(page.contains(&format!("data-testid=\"{testid}\"")), "{testid} on the report page");
    }
}

/// A cookie client signed in as the demo's `email`.
async fn signed_in(base: &str, stdout: &[String], email: &str) -> reqwest::Client {
    let client = reqwest::Client::builder().cookie_store(true).build().unwrap();
    let login = client
        .post(format!("{base}/api/v1/session"))
        .json(&json!({"email": email, "password": server_password(stdout, email)}))
        .send()
        .await
        .unwrap();
    assert_eq!(login.status(), 200);
    client
}

/// A GET of the API as `client`, which must succeed.
async fn api_get(client: &reqwest::Client, base: &str, path: &str) -> Value {
    let response = client.get(format!("{base}{path}")).send().await.unwrap();
    assert!(response.status().is_success(), "{path}: {}", response.status());
    response.json::<Value>().await.unwrap()
}

/// The demo challenge `code`'s id and its first phase's id.
async fn demo_phase(client: &reqwest::Client, base: &str, programs: &[Value], code: &str) -> (Value, Value) {
    let mut challenge = None;
    for program in programs {
        let list = api_get(client, base, &format!("/api/v1/programs/{}/challenges?per_page=200", program["id"])).await;
        challenge = challenge.or(list["items"].as_array().unwrap().iter().find(|c| c["code"] == code).cloned());
    }
    let id = challenge.unwrap_or_else(|| panic!("{code} in the demo"))["id"].clone();
    let phase = api_get(client, base, &format!("/api/v1/challenges/{id}/phases")).await[0]["id"].clone();
    (id, phase)
}

/// NAT25-06's phase id and its GGUF submission once the workers are done with it.
async fn demo_gguf_submission(client: &reqwest::Client, base: &str, programs: &[Value]) -> (Value, Value) {
    let get = |path: String| async move { api_get(client, base, &path).await };
    let (_, phase) = demo_phase(client, base, programs, "NAT25-06").await;
    let started = std::time::Instant::now();
    loop {
        let submissions = get(format!("/api/v1/phases/{phase}/submissions")).await;
        let gguf = submissions.as_array().unwrap().iter().find(|s| s["kind"] == "gguf").cloned().expect("a GGUF row");
        if gguf["state"] != "queued" && gguf["state"] != "running" {
            return (phase, gguf);
        }
        assert!(started.elapsed() < std::time::Duration::from_secs(300), "the GGUF model was not scored: {gguf}");
        tokio::time::sleep(std::time::Duration::from_millis(500)).await;
    }
}

/// The demo's GGUF model, once its team consents and the organizers publish it, is loaded on
/// the first question, answers, is stopped when idle, and loads again for the next question.
#[tokio::test]
async fn a_published_model_is_loaded_when_asked_and_stopped_when_idle() {
    let env = Env::new().await;
    let server = serve_with(&env, &["--demo"], &[("JIEBANG__MODELS__SERVICE_IDLE_SECONDS", "2")]);
    let base = server.base.as_str();
    let admin = signed_in(base, &server.stdout, "admin@demo.jiebang.cn").await;
    let programs: Value = admin.get(format!("{base}/api/v1/programs")).send().await.unwrap().json().await.unwrap();
    let (_, submission) = demo_gguf_submission(&admin, base, programs.as_array().unwrap()).await;
    let id = &submission["id"];
    for step in ["consent", "publication"] {
        let response = admin.post(format!("{base}/api/v1/submissions/{id}/{step}")).send().await.unwrap();
        assert_eq!(response.status(), 200, "{step}");
    }
    // The model's server is the one serving this data directory's file under the service's name.
    let files = env.dir.path().join("files").display().to_string();
    let serving = || {
        std::fs::read_dir("/proc").unwrap().filter_map(Result::ok).any(|entry| {
            let cmdline = std::fs::read(entry.path().join("cmdline")).unwrap_or_default();
            let cmdline = String::from_utf8_lossy(&cmdline);
            cmdline.contains("llm-serve") && cmdline.contains("published") && cmdline.contains(&files)
        })
    };
    let ask = || async {
        let response = admin
            .post(format!("{base}/api/v1/models/{id}/chat"))
            .json(&json!({"messages": [{"role": "user", "content": "氯气是什么颜色？A. 无色 B. 黄绿色"}]}))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 200);
        response.json::<Value>().await.unwrap()["answer"].as_str().unwrap().to_owned()
    };
    assert!(!serving(), "nothing is loaded before the first question");
    assert!(ask().await.contains('B'));
    assert!(serving(), "the first question loads the model");
    let stopped = (0..80).any(|_| {
        std::thread::sleep(std::time::Duration::from_millis(100));
        !serving()
    });
    assert!(stopped, "the idle model was not stopped");
    assert!(ask().await.contains('B'), "the next question loads it again");
}

/// The password `serve --demo` printed for `email`.
fn server_password(stdout: &[String], email: &str) -> String {
    let line = stdout.iter().find(|l| l.split_whitespace().any(|w| w == email)).expect("the demo account");
    line.split_whitespace().last().unwrap().to_owned()
}

/// Every report the demo organizer downloads verifies with `jiebang verify` against the key at
/// `/api/v1/keys`, and again from its exactly parsed value in canonical form.
async fn every_demo_report_verifies(base: &str, phase: &Value, password: &str, env: &Env) {
    let client = reqwest::Client::builder().cookie_store(true).build().unwrap();
    let login = client
        .post(format!("{base}/api/v1/session"))
        .json(&json!({"email": "organizer@demo.jiebang.cn", "password": password}))
        .send()
        .await
        .unwrap();
    assert_eq!(login.status(), 200);
    let get = |path: String| {
        let client = client.clone();
        async move {
            let response = client.get(format!("{base}{path}")).send().await.unwrap();
            assert!(response.status().is_success(), "{path}: {}", response.status());
            response.text().await.unwrap()
        }
    };
    let keys: Value = serde_json::from_str(&get("/api/v1/keys".into()).await).unwrap();
    let key = keys["report_signing"].as_str().unwrap();
    let submissions: Value = serde_json::from_str(&get(format!("/api/v1/phases/{phase}/submissions")).await).unwrap();
    let scored: Vec<&Value> = submissions.as_array().unwrap().iter().filter(|s| s["state"] == "scored").collect();
    assert!(scored.len() >= 5, "the demo's scored submissions: {submissions}");
    for submission in scored {
        let text = get(format!("/api/v1/submissions/{}/report", submission["id"])).await;
        let path = env.dir.path().join(format!("report-{}.json", submission["id"]));
        std::fs::write(&path, &text).unwrap();
        let output = env.run(&["verify", path.to_str().unwrap(), "--public-key", key], "");
        assert!(output.status.success(), "report {}: {}", submission["id"], stderr(&output));
        let signed: Value = serde_json::from_str(&text).unwrap();
        let canonical = jiebang_core::canonical::to_string(&signed["report"]);
        assert!(jiebang_store::signing::verify(key, canonical.as_bytes(), signed["signature"].as_str().unwrap()));
    }
}

#[tokio::test]
async fn a_cli_created_admin_logs_in_and_a_restart_with_demo_keeps_one_copy() {
    let env = Env::new().await;
    let output = env.run(
        &[
            "admin",
            "create-user",
            "--email",
            "root@example.cn",
            "--name",
            "管理员",
            "--role",
            "admin",
            "--password-stdin",
        ],
        "s3cret-pass\n",
    );
    assert!(output.status.success(), "{}", stderr(&output));
    let again = env.run(
        &["admin", "create-user", "--email", "root@example.cn", "--name", "x", "--role", "admin", "--password-stdin"],
        "s3cret-pass\n",
    );
    assert_eq!(again.status.code(), Some(2));
    assert!(stderr(&again).contains("already registered"), "{}", stderr(&again));
    let missing_scope = env.run(
        &[
            "admin",
            "create-user",
            "--email",
            "r@example.cn",
            "--name",
            "r",
            "--role",
            "recommender",
            "--password-stdin",
        ],
        "s3cret-pass\n",
    );
    assert_eq!(missing_scope.status.code(), Some(2));
    assert!(stderr(&missing_scope).contains("--region"));

    for _ in 0..2 {
        let server = serve(&env, &["--demo"]);
        let client = reqwest::Client::new();
        let login = client
            .post(format!("{}/api/v1/session", server.base))
            .json(&json!({"email": "root@example.cn", "password": "s3cret-pass"}))
            .send()
            .await
            .unwrap();
        assert_eq!(login.status(), 200);
        let programs: Value =
            client.get(format!("{}/api/v1/programs", server.base)).send().await.unwrap().json().await.unwrap();
        assert_eq!(programs.as_array().unwrap().len(), 5, "the demo is loaded once, not on every start");
        let demo_admin = server.stdout.iter().find(|l| l.contains("admin@demo.jiebang.cn")).unwrap();
        let password = demo_admin.split_whitespace().last().unwrap();
        let login = client
            .post(format!("{}/api/v1/session", server.base))
            .json(&json!({"email": "admin@demo.jiebang.cn", "password": password}))
            .send()
            .await
            .unwrap();
        assert_eq!(login.status(), 200, "the printed demo password works");
    }
}

fn write(dir: &Path, name: &str, text: &str) -> String {
    let path = dir.join(name);
    std::fs::write(&path, text).unwrap();
    path.to_str().unwrap().to_owned()
}

#[tokio::test]
async fn cli_import_names_the_bad_row_imports_nothing_and_a_good_file_imports_all() {
    let env = Env::new().await;
    let store = jiebang_store::Store::connect(&env.database_url).await.unwrap();
    store.migrate().await.unwrap();
    let input = jiebang_core::program::ProgramInput {
        title: "P".into(),
        issuer: "I".into(),
        year: 2025,
        description: String::new(),
        rules: Default::default(),
        timeline: Default::default(),
    };
    let program = store.create_program(input, None, false).await.unwrap().id.to_string();
    let header = "序号,任务编号,任务名称,揭榜方向,任务类别,所属行业,考核指标\n";
    let bad = write(
        env.dir.path(),
        "bad.csv",
        &format!(
            "{header}1,A,甲,方向,示范应用,26,F1 | f1>=0.9\n2,B,乙,方向,示范应用,26,F1 | f1>=0.9\n3,C,丙,方向,示范应用,999,F1 | f1>=0.9\n"
        ),
    );
    let output = env.run(&["import", "challenges", "--program", &program, &bad], "");
    assert_eq!(output.status.code(), Some(2));
    assert!(stderr(&output).contains("row 4, 所属行业"), "{}", stderr(&output));
    assert!(store.challenge_codes(program.parse().unwrap()).await.unwrap().is_empty(), "nothing imported");

    let good = write(
        env.dir.path(),
        "good.csv",
        &format!("{header}1,A,甲,方向,示范应用,26,F1 | f1>=0.9\n2,B,乙,方向,示范应用,26,F1 | f1>=0.9\n"),
    );
    let output = env.run(&["import", "challenges", "--program", &program, &good], "");
    assert!(output.status.success(), "{}", stderr(&output));
    assert!(stdout(&output).contains("imported 2 challenges"));
    let exported = env.dir.path().join("out.xlsx");
    let output = env.run(&["export", "challenges", "--program", &program, "--output", exported.to_str().unwrap()], "");
    assert!(output.status.success(), "{}", stderr(&output));
    let rows = jiebang_sheets::read_challenges("out.xlsx", &std::fs::read(&exported).unwrap()).unwrap();
    assert_eq!(rows.len(), 2);
    let output = env.run(&["audit", "verify"], "");
    assert!(stdout(&output).contains("intact"), "{}", stdout(&output));

    // Rewriting a past decision breaks the chain at that event, and the command says where.
    let second: i64 = store.list_audit_events(&format!("program:{program}")).await.unwrap()[1].id;
    let edited = store
        .execute_unchecked(&format!("UPDATE audit_events SET details = '{{\"forged\":true}}' WHERE id = {second}"))
        .await
        .unwrap();
    assert_eq!(edited, 1);
    let output = env.run(&["audit", "verify"], "");
    assert_eq!(output.status.code(), Some(2), "{}", stdout(&output));
    assert!(stderr(&output).contains(&format!("event {second}")), "{}", stderr(&output));
}

#[tokio::test]
async fn an_unreachable_database_is_a_clear_error_not_a_panic() {
    let dir = tempfile::tempdir().unwrap();
    let output = Command::new(BIN)
        .args([
            "--data-dir",
            dir.path().to_str().unwrap(),
            "--database-url",
            "postgres://nobody:secret@127.0.0.1:1/x",
            "migrate",
        ])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    let text = stderr(&output);
    assert!(text.contains("127.0.0.1:1") && !text.contains("secret"), "{text}");
}
