//! Latency of the fixture models on one core, per engine, through the measurement harness and
//! through a bare loop of the same calls on the same rows: the harness's overhead is the
//! difference of their means. Prints one JSON line; `scripts/bench` puts it in
//! docs/benchmarks.md next to Python onnxruntime measured the same way
//! (`scripts/onnx-latency.py`). Needs `ORT_DYLIB_PATH` (scripts/bench sets it).

use std::path::PathBuf;
use std::time::Instant;

use jiebang_onnx::measure::{Timing, latency};
use jiebang_onnx::{Contract, Engine, OrtEngine, OutputKind, TractEngine};

const FEATURES: usize = 64;

fn fixtures() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures")
}

fn features() -> Vec<f32> {
    let text = std::fs::read_to_string(fixtures().join("features.csv")).unwrap();
    text.lines()
        .skip(1)
        .flat_map(|l| l.split(',').skip(1).map(|v| v.parse::<f32>().unwrap()).collect::<Vec<_>>())
        .collect()
}

/// Mean milliseconds per call of `calls` single-row predictions with no per-call bookkeeping.
fn bare(engine: &mut dyn Engine, x: &[f32], calls: usize) -> f64 {
    let rows = x.len() / FEATURES;
    for i in 0..50 {
        engine.predict(&x[(i % rows) * FEATURES..(i % rows + 1) * FEATURES], 1).unwrap();
    }
    let t = Instant::now();
    for i in 0..calls {
        engine.predict(&x[(i % rows) * FEATURES..(i % rows + 1) * FEATURES], 1).unwrap();
    }
    t.elapsed().as_secs_f64() * 1e3 / calls as f64
}

fn main() {
    let library = PathBuf::from(std::env::var_os("ORT_DYLIB_PATH").expect("ORT_DYLIB_PATH names libonnxruntime.so"));
    let x = features();
    let timing = Timing { warmup: 50, queries: 2000, min_duration: std::time::Duration::from_millis(500) };
    let mut results = Vec::new();
    for (model, output, kind) in [
        ("logreg", "probability", OutputKind::Value),
        ("mlp", "probabilities", OutputKind::Probabilities { column: 1 }),
        ("cnn", "probability", OutputKind::Value),
        ("gbt", "probabilities", OutputKind::Probabilities { column: 1 }),
    ] {
        let bytes = std::fs::read(fixtures().join(format!("{model}.onnx"))).unwrap();
        let contract = Contract {
            input: "features".into(),
            features: FEATURES,
            output: output.into(),
            output_kind: kind,
            min_opset: 9,
            max_opset: 21,
            max_bytes: 1 << 30,
        };
        let mut engines: Vec<Box<dyn Engine>> =
            vec![Box::new(OrtEngine::load(&library, &bytes, &contract, 1).unwrap())];
        if let Ok(tract) = TractEngine::load(&bytes, &contract, 1) {
            engines.push(Box::new(tract));
        }
        for engine in &mut engines {
            // Alternate bare and harnessed runs so drift of the machine hits both alike.
            let mut harness = Vec::new();
            let mut loops = Vec::new();
            let mut last = None;
            for _ in 0..3 {
                loops.push(bare(engine.as_mut(), &x, timing.queries));
                let measured = latency(engine.as_mut(), &x, FEATURES, timing).unwrap();
                harness.push(measured.mean_ms);
                last = Some(measured);
            }
            let min = |v: &[f64]| v.iter().copied().fold(f64::INFINITY, f64::min);
            let measured = last.unwrap();
            results.push(format!(
                r#"{{"model":"{model}","engine":"{}","p50_ms":{},"p90_ms":{},"p99_ms":{},"mean_ms":{},"bare_mean_ms":{},"queries":{}}}"#,
                engine.describe(),
                measured.p50_ms,
                measured.p90_ms,
                measured.p99_ms,
                min(&harness),
                min(&loops),
                measured.queries
            ));
        }
    }
    println!("[{}]", results.join(","));
}
