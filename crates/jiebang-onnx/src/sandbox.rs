//! The measuring child process: a delivered model runs in a process of its own, so a hostile or
//! broken model can neither take the worker down nor read what the worker can. What is enforced:
//!
//! - a memory limit (`RLIMIT_AS`) and a wall-time limit (the parent kills the child);
//! - an empty scratch directory as its working directory (the model and features are copied in);
//! - Landlock, before the engine loads: only the system libraries (`/usr`, `/lib`, `/lib64`,
//!   `/etc/ld.so.cache`), `/proc` and the CPU description in `/sys`, and ONNX Runtime's own
//!   directory can be read; nothing can be written, no TCP port bound or connected, no abstract
//!   UNIX socket reached and no signal sent outside the child; Landlock also denies the child
//!   `ptrace`-style reads of other processes (`/proc/<worker>/environ`, `/mem`). So the data
//!   directory — database, uploads, hidden labels, the signing key — is out of reach even when an
//!   engine follows a path the model names;
//! - once the engine is loaded, a second Landlock layer that allows no file access at all, and
//!   every descriptor slot below the open-file limit filled, so no file or socket can be opened.
//!
//! - a seccomp filter, also before the engine loads ([`forbid_syscalls`], the deny list
//!   `jiebang-confine` shares with the GGUF runner): creating sockets,
//!   running programs, tracing or reading other processes, mounting, entering or making
//!   namespaces, BPF, perf events, keyrings, kernel modules and io_uring fail with `EPERM`.
//!
//! Not enforced: a separate user or a mount namespace (they need privileges the worker does not
//! have). A kernel without Landlock (before Linux 5.13, or disabled) or without seccomp leaves
//! only the limits, and the child then refuses to run unless the request allows it
//! ([`RunRequest::require_confinement`]). The report names what held ([`RunResult::confinement`]).
//!
//! [`run_child`] is the parent's side; [`child_main`] is what the child (`jiebang model-run`)
//! does with the request it reads on stdin.

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
    /// Refuse to run when Landlock cannot be enforced (an old or configured-off kernel).
    #[serde(default = "yes")]
    pub require_confinement: bool,
}

fn yes() -> bool {
    true
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
    /// What confined the child, e.g. `landlock (fully enforced: files, TCP, scopes); rlimits`.
    #[serde(default)]
    pub confinement: String,
}

/// The peak resident memory in KiB (`VmHWM`) from `/proc/self/status`, opened before the
/// child locked itself down and read afresh from its start.
fn peak_rss_kib(status: &mut std::fs::File) -> u64 {
    use std::io::Seek;
    let mut text = String::new();
    if status.rewind().and_then(|()| status.read_to_string(&mut text)).is_err() {
        return 0;
    }
    text.lines().find(|l| l.starts_with("VmHWM:")).and_then(|l| l.split_whitespace().nth(1)?.parse().ok()).unwrap_or(0)
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
    let open = |path: &str| std::fs::File::open(path).map_err(|e| OnnxError::Input(format!("{path}: {e}")));
    let (mut status, null) = (open("/proc/self/status")?, open("/dev/null")?);
    lock_down(request.memory_bytes)?;
    let confinement = confine(ort_library, request.require_confinement)?;
    // ONNX Runtime sessions take any batch; tract plans one batch size per loaded model.
    let load = |batch: usize| -> Result<Box<dyn Engine>, OnnxError> {
        Ok(match ort_library {
            Some(library) => Box::new(OrtEngine::load(library, &model, &request.contract, request.threads)?),
            None => Box::new(TractEngine::load(&model, &request.contract, batch)?),
        })
    };
    let mut engine = load(request.batch)?;
    close_files(null)?;
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
        peak_rss_kib: peak_rss_kib(&mut status),
        confinement,
    })
}

/// Landlock before the engine loads: read-only system libraries, `/proc`, the CPU description
/// and ONNX Runtime's package; nothing else, no TCP, no scopes outside the child.
fn confine(ort_library: Option<&Path>, required: bool) -> Result<String, OnnxError> {
    use landlock::{
        ABI, Access, AccessFs, AccessNet, RulesetAttr, RulesetCreatedAttr, RulesetStatus, Scope, path_beneath_rules,
    };
    let abi = ABI::V6;
    let mut readable: Vec<PathBuf> =
        ["/usr", "/lib", "/lib64", "/etc/ld.so.cache", "/proc", "/sys/devices/system/cpu", "/sys/fs/cgroup"]
            .iter()
            .map(PathBuf::from)
            .collect();
    // The wheel keeps the library in onnxruntime/capi and its dependencies beside the package.
    if let Some(package) = ort_library.and_then(Path::parent).and_then(Path::parent) {
        readable.push(package.to_owned());
        readable.extend(package.parent().map(|site| site.join("onnxruntime.libs")));
    }
    readable.retain(|p| p.exists());
    let failed = |e: landlock::RulesetError| OnnxError::Input(format!("landlock: {e}"));
    let status = landlock::Ruleset::default()
        .handle_access(AccessFs::from_all(abi))
        .and_then(|r| r.handle_access(AccessNet::from_all(abi)))
        .and_then(|r| r.scope(Scope::from_all(abi)))
        .and_then(|r| r.create())
        .and_then(|r| r.add_rules(path_beneath_rules(&readable, AccessFs::from_read(abi))))
        .and_then(|r| r.restrict_self())
        .map_err(failed)?;
    let held = match status.ruleset {
        RulesetStatus::FullyEnforced => "landlock (fully enforced: files, TCP, scopes)",
        RulesetStatus::PartiallyEnforced => "landlock (partly enforced by this kernel)",
        RulesetStatus::NotEnforced if required => {
            return Err(OnnxError::Input(
                "此内核不支持 Landlock，拒绝在无隔离的情况下运行模型 / this kernel does not enforce Landlock; refusing to run a model unconfined ([models] require_confinement = false allows it)".into(),
            ));
        }
        RulesetStatus::NotEnforced => "no landlock (not supported by this kernel)",
    };
    let filtered = match forbid_syscalls() {
        Ok(()) => "seccomp (no sockets, exec, tracing, mounts, namespaces, bpf, keyrings)",
        Err(e) if required => return Err(e),
        Err(_) => "no seccomp (not supported by this kernel)",
    };
    Ok(format!("{held}; {filtered}; rlimits (address space, open files); empty working directory"))
}

/// Installs the shared seccomp deny list ([`jiebang_confine::FORBIDDEN_SYSCALLS`]) on the child;
/// it keeps nothing of it.
pub fn forbid_syscalls() -> Result<(), OnnxError> {
    jiebang_confine::forbid_syscalls(&[]).map_err(|e| OnnxError::Input(e.to_string()))
}

/// Once the engine is loaded, nothing more can be opened: the open-file limit drops to just
/// above the highest descriptor open, every free slot below it is taken by copies of `null` (so
/// neither a file nor a socket finds a number), and a last Landlock layer allows no file access.
fn close_files(null: std::fs::File) -> Result<(), OnnxError> {
    use landlock::{ABI, Access, AccessFs, RulesetAttr};
    let highest = std::fs::read_dir("/proc/self/fd")
        .map(|dir| dir.filter_map(|e| e.ok()?.file_name().to_str()?.parse::<u64>().ok()).max().unwrap_or(2))
        .unwrap_or(15);
    landlock::Ruleset::default()
        .handle_access(AccessFs::from_all(ABI::V6))
        .and_then(|r| r.create())
        .and_then(|r| r.restrict_self())
        .map_err(|e| OnnxError::Input(format!("landlock: {e}")))?;
    let (_, hard) = rlimit::Resource::NOFILE.get().map_err(|e| OnnxError::Input(format!("getrlimit: {e}")))?;
    let limit = (highest + 1).min(hard);
    rlimit::Resource::NOFILE.set(limit, limit).map_err(|e| OnnxError::Input(format!("setrlimit: {e}")))?;
    // Duplicates need no open, which Landlock now refuses. Leaked on purpose: the slots must
    // stay taken for the child's life.
    while let Ok(copy) = null.try_clone() {
        std::mem::forget(copy);
    }
    std::mem::forget(null);
    Ok(())
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
    // The model's own scratch directory, which holds only the model and the features.
    let scratch = request.model.parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or(Path::new("/"));
    let mut child = Command::new(program)
        .args(args)
        .current_dir(scratch)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(spawn)?;
    // Both pipes are drained while the child runs: a report larger than a pipe's buffer would
    // otherwise block the child until the time limit.
    let drain = |pipe: Option<Box<dyn Read + Send>>| {
        std::thread::spawn(move || {
            let mut text = String::new();
            if let Some(mut pipe) = pipe {
                let _ = pipe.read_to_string(&mut text);
            }
            text
        })
    };
    let out = drain(child.stdout.take().map(|p| Box::new(p) as Box<dyn Read + Send>));
    let err = drain(child.stderr.take().map(|p| Box::new(p) as Box<dyn Read + Send>));
    let body = serde_json::to_vec(request).map_err(|e| OnnxError::Input(e.to_string()))?;
    // A child that dies before reading its request is reported by its exit status below.
    let _ = child.stdin.take().map(|mut stdin| stdin.write_all(&body));
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
    let out = out.join().unwrap_or_default();
    let err = err.join().unwrap_or_default();
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
