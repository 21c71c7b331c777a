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
