//! Delivered models run in `jiebang model-run` child processes: a good model's predictions come
//! back, while one that allocates beyond the memory limit or runs past the time limit fails with
//! the reason and leaves the parent unharmed.

use std::path::{Path, PathBuf};
use std::time::Duration;

use jiebang_onnx::sandbox::{RunRequest, run_child};
use jiebang_onnx::{Contract, OnnxError, OutputKind};

use crate::BIN;

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../jiebang-onnx/tests/fixtures")
}

/// The fixture features as the child reads them (float32, little-endian), and their row count.
fn features(dir: &Path) -> (PathBuf, usize) {
    let text = std::fs::read_to_string(fixtures().join("features.csv")).unwrap();
    let rows: Vec<Vec<f32>> =
        text.lines().skip(1).map(|l| l.split(',').skip(1).map(|v| v.parse().unwrap()).collect()).collect();
    let bytes: Vec<u8> = rows.iter().flatten().flat_map(|v| v.to_le_bytes()).collect();
    let path = dir.join("features.f32");
    std::fs::write(&path, bytes).unwrap();
    (path, rows.len())
}

fn expected(column: &str) -> Vec<f64> {
    let text = std::fs::read_to_string(fixtures().join("expected.csv")).unwrap();
    let mut lines = text.lines();
    let index = lines.next().unwrap().split(',').position(|h| h == column).unwrap();
    lines.map(|l| l.split(',').nth(index).unwrap().parse().unwrap()).collect()
}

fn ort_library() -> PathBuf {
    let lib = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../target/onnx-venv/lib");
    std::fs::read_dir(&lib)
        .ok()
        .and_then(|d| d.flatten().find_map(|p| std::fs::read_dir(p.path().join("site-packages/onnxruntime/capi")).ok()))
        .and_then(|d| d.flatten().map(|f| f.path()).find(|p| p.to_string_lossy().contains("libonnxruntime.so.")))
        .unwrap_or_else(|| panic!("no ONNX Runtime in {}: run scripts/test", lib.display()))
}

fn request(dir: &Path, model: &str, engine: &str, memory_mib: u64) -> RunRequest {
    let (features, rows) = features(dir);
    let (output, kind) = if matches!(model, "gbt" | "mlp") {
        ("probabilities", OutputKind::Probabilities { column: 1 })
    } else {
        ("probability", OutputKind::Value)
    };
    RunRequest {
        model: fixtures().join(format!("{model}.onnx")),
        features,
        rows,
        contract: Contract {
            input: "features".into(),
            features: 64,
            output: output.into(),
            output_kind: kind,
            min_opset: 9,
            max_opset: 21,
            max_bytes: 1 << 30,
        },
        engine: engine.into(),
        ort_library: Some(ort_library()),
        memory_bytes: memory_mib << 20,
        batch: 32,
        threads: 1,
        measure: None,
        require_confinement: true,
    }
}

#[test]
fn a_child_process_returns_the_predictions_of_both_engines() {
    let dir = tempfile::tempdir().unwrap();
    for (model, engine) in [("logreg", "tract"), ("cnn", "tract"), ("gbt", "onnxruntime"), ("mlp", "onnxruntime")] {
        let result = run_child(
            Path::new(BIN),
            &["model-run"],
            &request(dir.path(), model, engine, 2048),
            Duration::from_secs(60),
        )
        .unwrap_or_else(|e| panic!("{model} on {engine}: {e}"));
        let worst =
            result.predictions.iter().zip(expected(model)).map(|(g, e)| (f64::from(*g) - e).abs()).fold(0.0, f64::max);
        assert!(worst <= 1e-5, "{model} on {engine}: {worst}");
        assert!(
            result.engine.starts_with(if engine == "tract" { "tract" } else { "onnxruntime" }),
            "{}",
            result.engine
        );
        assert!(result.peak_rss_kib > 1000, "{model}: peak RSS {} KiB", result.peak_rss_kib);
    }
}

#[test]
fn a_model_beyond_the_memory_limit_fails_cleanly_on_both_engines() {
    let dir = tempfile::tempdir().unwrap();
    for engine in ["tract", "onnxruntime"] {
        let err = run_child(
            Path::new(BIN),
            &["model-run"],
            &request(dir.path(), "memory_hog", engine, 1024),
            Duration::from_secs(60),
        )
        .err()
        .unwrap_or_else(|| panic!("{engine}: a 4 GiB allocation under a 1 GiB limit succeeded"));
        assert!(matches!(err, OnnxError::Limit(_) | OnnxError::Engine { .. }), "{engine}: {err}");
        assert!(err.to_string().contains("4294967296"), "{engine}: the message names the allocation: {err}");
    }
}

#[test]
fn a_model_past_the_time_limit_is_stopped_with_the_reason() {
    let dir = tempfile::tempdir().unwrap();
    let started = std::time::Instant::now();
    let err = run_child(
        Path::new(BIN),
        &["model-run"],
        &request(dir.path(), "slow", "onnxruntime", 2048),
        Duration::from_secs(3),
    )
    .unwrap_err();
    assert!(matches!(&err, OnnxError::Limit(m) if m.contains("ran longer than 3 s")), "{err}");
    assert!(started.elapsed() < Duration::from_secs(30));
}

#[test]
fn a_test_set_whose_report_outgrows_a_pipe_comes_back_whole() {
    // 30,000 rows: half a megabyte of predictions, far beyond a pipe's 64 KiB buffer.
    let dir = tempfile::tempdir().unwrap();
    let mut request = request(dir.path(), "logreg", "tract", 2048);
    let one = std::fs::read(&request.features).unwrap();
    let copies = 30_000usize.div_ceil(request.rows);
    std::fs::write(&request.features, one.repeat(copies)).unwrap();
    request.rows *= copies;
    let result = run_child(Path::new(BIN), &["model-run"], &request, Duration::from_secs(60)).unwrap();
    assert_eq!(result.predictions.len(), request.rows);
    let expected = expected("logreg");
    assert!((f64::from(result.predictions[request.rows - 1]) - expected[expected.len() - 1]).abs() <= 1e-5);
}

#[test]
fn the_child_cannot_read_the_data_directory_even_when_the_engine_follows_a_path_the_model_names() {
    // The worker's data directory as ONNX Runtime would find it from a working directory that
    // holds it: a model whose weights point there would carry the signing key's bytes as weights.
    let dir = tempfile::tempdir().unwrap();
    let keys = dir.path().join("jiebang-data/keys");
    std::fs::create_dir_all(&keys).unwrap();
    std::fs::write(keys.join("report-signing.ed25519.pk8"), [7u8; 256]).unwrap();
    let model = std::fs::read(fixtures().join("external_data.onnx")).unwrap();
    let (from, to) = (b"../../jiebang-data/".as_slice(), b"./././jiebang-data/".as_slice());
    let at = model.windows(from.len()).position(|w| w == from).unwrap();
    let model = [&model[..at], to, &model[at + from.len()..]].concat();
    std::fs::write(dir.path().join("model.onnx"), model).unwrap();
    let mut request = request(dir.path(), "logreg", "onnxruntime", 2048);
    request.model = dir.path().join("model.onnx");
    let err = run_child(Path::new(BIN), &["model-run"], &request, Duration::from_secs(60))
        .expect_err("the engine read the data directory");
    assert!(matches!(err, OnnxError::Engine { .. }), "{err}");
    // A good model in the same place runs, and says what confined it.
    std::fs::copy(fixtures().join("logreg.onnx"), dir.path().join("model.onnx")).unwrap();
    let result = run_child(Path::new(BIN), &["model-run"], &request, Duration::from_secs(60)).unwrap();
    assert!(result.confinement.starts_with("landlock (fully enforced"), "{}", result.confinement);
    assert!(result.confinement.contains("; seccomp (no sockets"), "{}", result.confinement);
}

/// `jiebang eval model` on a fixture with quick timings; its JSON report.
fn eval_model(model: &str, extra: &[&str]) -> std::process::Output {
    let f = fixtures();
    let path = |name: &str| f.join(name).to_str().unwrap().to_owned();
    std::process::Command::new(BIN)
        .args(["eval", "model", "--model", &path(&format!("{model}.onnx")), "--features", &path("features.csv")])
        .args(["--truth", &path("truth.csv"), "--task", "binary", "--split-column", "split", "--input", "features"])
        .args(["--latency-queries", "200", "--min-duration-ms", "50", "--batch-size", "1", "--batch-size", "32"])
        .args(extra)
        .env_remove("ORT_DYLIB_PATH")
        .output()
        .unwrap()
}

/// A report's verdicts as (metric, passed), in order.
fn verdicts(report: &serde_json::Value) -> Vec<(&str, bool)> {
    report["indicators"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| (i["metric"].as_str().unwrap(), i["pass"].as_bool().unwrap()))
        .collect()
}

/// The oracle: Python onnxruntime's outputs for `model`, scored by `jiebang eval score`.
fn oracle_auc(model: &str) -> f64 {
    let dir = tempfile::tempdir().unwrap();
    let pred = dir.path().join("oracle.csv");
    let lines: Vec<String> = expected(model).iter().enumerate().map(|(i, p)| format!("{},{p}", i + 1)).collect();
    std::fs::write(&pred, format!("id,score\n{}\n", lines.join("\n"))).unwrap();
    let output = std::process::Command::new(BIN)
        .args(["eval", "score", "--truth", fixtures().join("truth.csv").to_str().unwrap()])
        .args(["--pred", pred.to_str().unwrap(), "--task", "binary", "--metric", "roc_auc"])
        .output()
        .unwrap();
    let report: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    report["metrics"]["roc_auc"].as_f64().unwrap()
}

#[test]
fn eval_model_scores_the_outputs_like_python_onnxruntime_and_judges_the_measurements() {
    let ort = ort_library();
    for (model, output, extra) in [
        ("logreg", "probability", vec!["--engine", "tract"]),
        ("mlp", "probabilities", vec!["--probability-column", "1", "--ort-library", ort.to_str().unwrap()]),
    ] {
        let mut args = vec!["--output", output, "--indicator", "roc_auc>=0.5", "--indicator", "latency_p99_ms<=1000"];
        args.extend(["--indicator", "model_size_mb<=0.0001", "--indicator", "peak_memory_mb<=4096"]);
        args.extend(["--indicator", "throughput_qps>=1", "--indicator", "parameter_count<=100000"]);
        args.extend(extra);
        let output = eval_model(model, &args);
        assert!(output.status.success(), "{model}: {}", String::from_utf8_lossy(&output.stderr));
        let report: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
        let auc = report["metrics"]["roc_auc"].as_f64().unwrap();
        assert!((auc - oracle_auc(model)).abs() < 1e-9, "{model}: {auc} against the oracle's {}", oracle_auc(model));
        let verdicts = verdicts(&report);
        // Every file here is more than 100 bytes: the size target fails, the generous ones pass.
        assert_eq!(
            verdicts,
            [
                ("roc_auc", true),
                ("latency_p99_ms", true),
                ("model_size_mb", false),
                ("peak_memory_mb", true),
                ("throughput_qps", true),
                ("parameter_count", true)
            ],
            "{model}"
        );
        assert_eq!(report["verdict"], "fail");
        let details = &report["model"];
        let size = std::fs::metadata(fixtures().join(format!("{model}.onnx"))).unwrap().len();
        assert_eq!(details["bytes"], size);
        assert_eq!(report["metrics"]["model_size_mb"].as_f64().unwrap(), size as f64 / 1e6);
        let latency = &details["latency"];
        assert!(latency["queries"].as_u64().unwrap() >= 200, "{latency}");
        assert!(latency["p50_ms"].as_f64().unwrap() <= latency["p99_ms"].as_f64().unwrap());
        let batches: Vec<u64> =
            details["throughput"].as_array().unwrap().iter().map(|t| t["batch"].as_u64().unwrap()).collect();
        assert_eq!(batches, [1, 32]);
        assert!(details["engine"].as_str().unwrap().starts_with(if model == "logreg" {
            "tract"
        } else {
            "onnxruntime"
        }));
        assert!(
            details["host"]["cores"].as_u64().unwrap() >= 1 && details["timed"].as_str().unwrap().contains("excluded")
        );
        // Measurements belong to every split, so a leaderboard on either split shows them.
        assert_eq!(report["splits"]["public"]["latency_p99_ms"], report["metrics"]["latency_p99_ms"]);
    }
}

#[test]
fn eval_model_takes_a_scikit_learn_export_as_it_comes_and_says_what_it_chose() {
    // skl2onnx's names: input X, outputs label (int64) and probabilities [N, 2].
    let f = fixtures();
    let path = |name: &str| f.join(name).to_str().unwrap().to_owned();
    let run = |extra: &[&str]| {
        std::process::Command::new(BIN)
            .args(["eval", "model", "--model", &path("skl_default_names.onnx"), "--features", &path("features.csv")])
            .args(["--truth", &path("truth.csv"), "--task", "binary", "--split-column", "split"])
            .args(["--latency-queries", "10", "--min-duration-ms", "10", "--batch-size", "8"])
            .args(extra)
            .env_remove("ORT_DYLIB_PATH")
            .output()
            .unwrap()
    };
    let ort = ort_library();
    let output = run(&["--ort-library", ort.to_str().unwrap()]);
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    let report: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    let chosen = report["model"]["chosen"].as_str().unwrap();
    assert!(chosen.contains("input 'X', output 'probabilities', its last column"), "{chosen}");
    // The same logistic regression as the fixture's own, so the same ranking.
    let auc = report["metrics"]["roc_auc"].as_f64().unwrap();
    assert!((auc - oracle_auc("logreg")).abs() < 1e-3, "{auc}");
    // tract lacks scikit-learn's LinearClassifier: the message says how to get ONNX Runtime.
    let output = run(&[]);
    let stderr = String::from_utf8_lossy(&output.stderr);
    if !output.status.success() {
        assert!(stderr.contains("pip install onnxruntime") && stderr.contains("ORT_DYLIB_PATH"), "{stderr}");
    }
}

#[test]
fn eval_model_names_what_is_wrong_with_a_model_or_the_features() {
    let cases: [(&str, &[&str], &str); 4] = [
        ("truncated", &["--output", "probability"], "cannot be parsed"),
        ("wrong_input", &["--output", "probability"], "features"),
        ("unsupported_op", &["--output", "probability"], "NoSuchOp"),
        (
            "logreg",
            &["--output", "probability", "--feature-column", "f0", "--feature-column", "nope"],
            "no column 'nope'",
        ),
    ];
    for (model, args, reason) in cases {
        let output = eval_model(model, args);
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(2), "{model}: {stderr}");
        assert!(stderr.contains(reason), "{model}: {stderr}");
    }
}

/// Through the platform: a `jiebang worker` process takes model submissions from the queue, runs
/// each in its limited child, and records a signed report for the good one and the reason for
/// each hostile one, staying alive throughout.
#[tokio::test]
async fn a_worker_scores_a_model_submission_and_hostile_models_fail_cleanly() {
    use jiebang_core::delivery::{Accepts, DeliveryContract, MeasuringEngine};
    use jiebang_core::evaluation::{PhaseInput, Quotas, SubmissionState};
    use jiebang_store::{DatasetFileInput, FileStore, ScoringSpec, Store, testing::Arena};

    let env = crate::Env::new().await;
    let store = Store::connect(&env.database_url).await.unwrap();
    store.migrate().await.unwrap();
    let files = FileStore::open(&crate::workers::store_url(&env)).unwrap();
    let truth = std::fs::read_to_string(fixtures().join("truth.csv")).unwrap();
    let unlimited = Quotas { per_day: 0, total: 0, concurrent: 0, invalid: 0 };
    let indicators = ["roc_auc>=0.9", "latency_p99_ms<=1000", "model_size_mb<=0.0001"];
    let arena = Arena::new(&store, &files, &truth, &indicators, unlimited).await;
    // A dataset version with the test features, and a phase on it.
    let mut dataset_files = Vec::new();
    for (purpose, name) in [("labels", "truth.csv"), ("test_features", "features.csv")] {
        let file = store.save_file(&files, name, std::fs::read(fixtures().join(name)).unwrap(), None).await.unwrap();
        dataset_files.push(DatasetFileInput { purpose: purpose.into(), file });
    }
    let dataset = store
        .create_dataset_version(arena.challenge, ScoringSpec::binary("split"), "", dataset_files, None)
        .await
        .unwrap();
    let mut phase: PhaseInput = store.get_phase(arena.phase).await.unwrap().input;
    phase.name = "模型测评".into();
    let phase = store.create_phase(arena.challenge, dataset.id, phase, None).await.unwrap().id;
    let contract = DeliveryContract {
        accepts: Accepts::Both,
        input: "features".into(),
        output: "probability".into(),
        engine: MeasuringEngine::OnnxRuntime,
        batch_sizes: vec![1, 32],
        memory_limit_mb: 1024,
        time_limit_s: 5,
        ..DeliveryContract::default()
    };
    store.set_delivery_contract(arena.challenge, contract, None).await.unwrap();
    let mut ids = Vec::new();
    for model in ["logreg", "memory_hog", "slow", "wrong_input", "truncated"] {
        let bytes = std::fs::read(fixtures().join(format!("{model}.onnx"))).unwrap();
        let file = store.save_file(&files, &format!("{model}.onnx"), bytes, None).await.unwrap();
        ids.push(
            store
                .create_model_submission(&jiebang_store::NewSubmission::new(
                    phase,
                    arena.organization,
                    arena.user,
                    &file,
                    jiebang_store::today(),
                ))
                .await
                .unwrap()
                .id,
        );
    }

    // The ONNX Runtime library comes from settings; quick timings keep the test short.
    let mut worker = env
        .command(&["worker", "--store-url", &crate::workers::store_url(&env)])
        .env("JIEBANG__MODELS__ORT_LIBRARY", ort_library())
        .env("JIEBANG__MODELS__LATENCY_QUERIES", "100")
        .env("JIEBANG__MODELS__MIN_DURATION_MS", "20")
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let finished = |s: &[SubmissionState]| s.iter().all(|s| s.is_finished());
    crate::workers::wait_for(&store, &ids, "every model run", finished).await;
    assert!(worker.try_wait().unwrap().is_none(), "the worker process survived every model");
    worker.kill().unwrap();

    let submission = store.get_submission(ids[0]).await.unwrap();
    assert_eq!(submission.state, SubmissionState::Scored, "{}", submission.message);
    let evaluation = store.list_evaluations(ids[0]).await.unwrap().remove(0);
    let report: serde_json::Value = serde_json::from_str(&evaluation.report).unwrap();
    assert_eq!(report["kind"], "model");
    assert!(report["model"]["engine"].as_str().unwrap().starts_with("onnxruntime"), "{}", report["model"]);
    let verdicts = verdicts(&report);
    assert_eq!(
        verdicts,
        [("roc_auc", oracle_auc("logreg") >= 0.9), ("latency_p99_ms", true), ("model_size_mb", false)]
    );
    assert!((report["metrics"]["roc_auc"].as_f64().unwrap() - oracle_auc("logreg")).abs() < 1e-9);

    let reasons = [(1, "4294967296"), (2, "ran longer than 5 s"), (3, "features"), (4, "cannot be parsed")];
    for (i, reason) in reasons {
        let submission = store.get_submission(ids[i]).await.unwrap();
        assert_eq!(submission.state, SubmissionState::Invalid, "submission {i}: {}", submission.message);
        assert!(submission.message.contains(reason), "submission {i}: {}", submission.message);
    }
}
