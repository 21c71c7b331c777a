//! The measuring child process: a delivered model runs in a process of its own, with a memory
//! limit (`RLIMIT_AS`), no way to open new files or sockets (`RLIMIT_NOFILE` at what it already
//! holds) and a wall-time limit enforced by the parent, so a hostile or broken model cannot take
//! the worker down. [`run_child`] is the parent's side; [`child_main`] is what the child
//! (`jiebang model-run`) does with the request it reads on stdin.

use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use serde::{Deserialize, Serialize};

use crate::measure::{Latency, Timing, latency, throughput};
use crate::{Contract, Engine, OnnxError, OrtEngine, TractEngine};

/// What the child is asked to do.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RunRequest {
    /// The model file.
    pub model: PathBuf,
    /// The features: `rows × contract.features` float32 values, little-endian, row-major.
    pub features: PathBuf,
    /// Rows in `features`.
    pub rows: usize,
    /// The delivery contract.
    pub contract: Contract,
    /// `tract` or `onnxruntime`.
    pub engine: String,
    /// The ONNX Runtime library, for `onnxruntime`.
    pub ort_library: Option<PathBuf>,
    /// Address-space limit of the child in bytes.
    pub memory_bytes: u64,
    /// Rows per call for the predictions.
    pub batch: usize,
    /// Threads the engine may use (ONNX Runtime's intra-op threads; tract uses one).
    pub threads: usize,
    /// Latency and throughput to measure after predicting, if any.
    pub measure: Option<MeasurePlan>,
}

/// What to time after the predictions.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MeasurePlan {
    /// How long single-stream latency is measured.
    pub timing: Timing,
    /// Batch sizes whose offline throughput is measured, each for `timing.min_duration`.
    pub batch_sizes: Vec<usize>,
}

/// Offline throughput at one batch size.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BatchThroughput {
    /// Rows per call (at most the rows available).
    pub batch: usize,
    /// Rows per second.
    pub rows_per_second: f64,
}

/// What the child reports.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RunResult {
    /// The engine and its version.
    pub engine: String,
    /// One prediction per row.
    pub predictions: Vec<f32>,
    /// Single-stream latency, when measured.
    pub latency: Option<Latency>,
    /// Offline throughput per batch size, when measured.
    pub throughput: Vec<BatchThroughput>,
    /// The child's peak resident memory in KiB (`VmHWM`): the engine, the model and the
    /// features it was given.
    pub peak_rss_kib: u64,
}

fn peak_rss_kib() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines().find(|l| l.starts_with("VmHWM:")).and_then(|l| l.split_whitespace().nth(1)?.parse().ok())
        })
        .unwrap_or(0)
}

/// The child's work: read both files, lock itself down, load the model and predict every row.
/// Any failure is an error the parent reports; the child never panics on bad input.
pub fn child_main(request: &RunRequest) -> Result<RunResult, OnnxError> {
    let model =
        std::fs::read(&request.model).map_err(|e| OnnxError::Input(format!("{}: {e}", request.model.display())))?;
    let raw = std::fs::read(&request.features)
        .map_err(|e| OnnxError::Input(format!("{}: {e}", request.features.display())))?;
    let features: Vec<f32> = raw.chunks_exact(4).map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]])).collect();
    let ort_library = match request.engine.as_str() {
        "onnxruntime" => {
            Some(request.ort_library.as_deref().ok_or_else(|| OnnxError::Input("ort_library is required".into()))?)
        }
        _ => None,
    };
    lock_down(request.memory_bytes)?;
    // ONNX Runtime sessions take any batch; tract plans one batch size per loaded model.
    let load = |batch: usize| -> Result<Box<dyn Engine>, OnnxError> {
        Ok(match ort_library {
            Some(library) => Box::new(OrtEngine::load(library, &model, &request.contract, request.threads)?),
            None => Box::new(TractEngine::load(&model, &request.contract, batch)?),
        })
    };
    let mut engine = load(request.batch)?;
    close_files()?;
    let predictions = engine.predict(&features, request.rows)?;
    let (mut measured_latency, mut measured_throughput) = (None, Vec::new());
    if let Some(plan) = &request.measure {
        let width = request.contract.features;
        let own_plan = |batch: usize| ort_library.is_none() && batch != request.batch;
        let mut other: Box<dyn Engine>;
        let timed: &mut dyn Engine = if own_plan(1) {
            other = load(1)?;
            other.as_mut()
        } else {
            engine.as_mut()
        };
        measured_latency = Some(latency(timed, &features, width, plan.timing)?);
        for &batch in &plan.batch_sizes {
            let batch = batch.clamp(1, request.rows.max(1));
            let timed: &mut dyn Engine = if own_plan(batch) {
                other = load(batch)?;
                other.as_mut()
            } else {
                engine.as_mut()
            };
            let rows_per_second = throughput(timed, &features, width, batch, plan.timing.min_duration)?;
            measured_throughput.push(BatchThroughput { batch, rows_per_second });
        }
    }
    Ok(RunResult {
        engine: engine.describe(),
        predictions,
        latency: measured_latency,
        throughput: measured_throughput,
        peak_rss_kib: peak_rss_kib(),
    })
}

/// Once the engine is loaded, not even the 16 descriptors `lock_down` left: the open-file limit
/// drops to just above the highest descriptor open, so no file or socket can be opened at all.
fn close_files() -> Result<(), OnnxError> {
    let highest = std::fs::read_dir("/proc/self/fd")
        .map(|dir| dir.filter_map(|e| e.ok()?.file_name().to_str()?.parse::<u64>().ok()).max().unwrap_or(2))
        .unwrap_or(15);
    let (_, hard) = rlimit::Resource::NOFILE.get().map_err(|e| OnnxError::Input(format!("getrlimit: {e}")))?;
    let limit = (highest + 1).min(hard);
    rlimit::Resource::NOFILE.set(limit, limit).map_err(|e| OnnxError::Input(format!("setrlimit: {e}")))
}

fn lock_down(memory_bytes: u64) -> Result<(), OnnxError> {
    let limit = |e: std::io::Error| OnnxError::Input(format!("setrlimit: {e}"));
    rlimit::Resource::AS.set(memory_bytes, memory_bytes).map_err(limit)?;
    // stdin, stdout, stderr and what is open now; no new files or sockets.
    rlimit::Resource::NOFILE.set(16, 16).map_err(limit)?;
    Ok(())
}

/// The child's exit code when the platform's side failed ([`OnnxError::Input`]); any other
/// failure exits with 2 and is the model's.
pub const INPUT_FAILURE: i32 = 3;

/// Runs `program args…` as the child, sends it `request` and waits at most `wall`. A child
/// killed for time, dead by a signal (an allocation beyond the memory limit aborts) or
/// reporting an error becomes [`OnnxError::Limit`] or the child's message.
pub fn run_child(program: &Path, args: &[&str], request: &RunRequest, wall: Duration) -> Result<RunResult, OnnxError> {
    let spawn = |e: std::io::Error| OnnxError::Input(format!("{}: {e}", program.display()));
    let mut child = Command::new(program)
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(spawn)?;
    let body = serde_json::to_vec(request).map_err(|e| OnnxError::Input(e.to_string()))?;
    child.stdin.take().map(|mut stdin| stdin.write_all(&body)).transpose().map_err(spawn)?;
    let started = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().map_err(spawn)? {
            break status;
        }
        if started.elapsed() > wall {
            let _ = child.kill();
            let _ = child.wait();
            return Err(OnnxError::Limit(format!(
                "运行超过 {} 秒，已终止 / ran longer than {} s and was stopped",
                wall.as_secs_f64(),
                wall.as_secs_f64()
            )));
        }
        std::thread::sleep(Duration::from_millis(10));
    };
    let mut out = String::new();
    let mut err = String::new();
    if let Some(mut s) = child.stdout.take() {
        let _ = s.read_to_string(&mut out);
    }
    if let Some(mut s) = child.stderr.take() {
        let _ = s.read_to_string(&mut err);
    }
    if !status.success() {
        let last = err.lines().rev().find(|l| !l.trim().is_empty()).unwrap_or("").to_owned();
        return Err(match std::os::unix::process::ExitStatusExt::signal(&status) {
            Some(signal) => OnnxError::Limit(format!(
                "模型进程被信号 {signal} 终止（多为超出内存上限 {} MiB） / the model process died by signal {signal} (most often beyond the memory limit of {} MiB): {last}",
                request.memory_bytes >> 20,
                request.memory_bytes >> 20
            )),
            // The child's own input (the platform's files, its limits) failed, not the model.
            None if status.code() == Some(INPUT_FAILURE) => OnnxError::Input(last),
            None => OnnxError::Engine { engine: "model-run", message: last },
        });
    }
    serde_json::from_str(out.trim())
        .map_err(|e| OnnxError::Engine { engine: "model-run", message: format!("bad report: {e}") })
}
