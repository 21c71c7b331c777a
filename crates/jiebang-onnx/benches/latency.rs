//! Latency of the fixture models on one core, per engine, through the measurement harness and
//! through a bare loop of the same calls on the same rows. The harness's overhead is the median,
//! over many adjacent pairs of short runs (in alternating order), of the ratio of their means:
//! pairing cancels the machine's drift, which on a shared VM is larger than the overhead itself. Prints one JSON line; `scripts/bench` puts it in
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
            let measured = latency(engine.as_mut(), &x, FEATURES, timing).unwrap();
            let short = Timing { warmup: 20, queries: 500, min_duration: std::time::Duration::ZERO };
            let (mut ratios, mut loops) = (Vec::new(), Vec::new());
            for round in 0..41 {
                let harnessed = |engine: &mut dyn Engine| latency(engine, &x, FEATURES, short).unwrap().mean_ms;
                let (loop_ms, harness_ms) = if round % 2 == 0 {
                    let loop_ms = bare(engine.as_mut(), &x, short.queries);
                    (loop_ms, harnessed(engine.as_mut()))
                } else {
                    let harness_ms = harnessed(engine.as_mut());
                    (bare(engine.as_mut(), &x, short.queries), harness_ms)
                };
                ratios.push(harness_ms / loop_ms);
                loops.push(loop_ms);
            }
            let median = |v: &mut Vec<f64>| {
                v.sort_by(f64::total_cmp);
                v[v.len() / 2]
            };
            results.push(format!(
                r#"{{"model":"{model}","engine":"{}","p50_ms":{},"p90_ms":{},"p99_ms":{},"mean_ms":{},"bare_mean_ms":{},"overhead":{},"queries":{}}}"#,
                engine.describe(),
                measured.p50_ms,
                measured.p90_ms,
                measured.p99_ms,
                measured.mean_ms,
                median(&mut loops),
                median(&mut ratios) - 1.0,
                measured.queries
            ));
        }
    }
    println!("[{}]", results.join(","));
}
