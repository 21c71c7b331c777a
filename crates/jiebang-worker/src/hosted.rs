//! A delivered large model (GGUF) served on the platform's own hardware for as long as it is
//! evaluated: the built-in runner (`jiebang llm-serve`, which confines itself to its port and
//! the model file) or a configured reference server (llama.cpp's, vLLM …, started through
//! `jiebang run-limited` so its address space is capped too). [`Hosted::start`] waits until the
//! model answers, [`Hosted::stop`] ends the whole process group; meanwhile a sampler thread
//! keeps the peak resident memory of the process tree (the sum of every process's `VmRSS`,
//! every 50 ms, and never less than the server's own `VmHWM`).

use std::io::{BufRead, BufReader, Read};
use std::os::unix::process::CommandExt;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

use crate::model::ModelFailure;

/// Which program serves the model.
#[derive(Debug, Clone, PartialEq)]
pub enum HostRuntime {
    /// `jiebang llm-serve`.
    BuiltIn,
    /// An OpenAI-compatible server command with `{model}`, `{port}` and `{threads}` in its
    /// arguments, e.g. `llama-server -m {model} --port {port} -t {threads}`.
    Reference {
        /// The command, split on whitespace.
        command: String,
        /// Its name and version for reports, e.g. `llama.cpp b6000`.
        name: String,
    },
}

/// How to serve one model.
#[derive(Debug, Clone)]
pub struct HostPlan {
    /// The `jiebang` program (for `llm-serve` and `run-limited`).
    pub program: PathBuf,
    /// Which server.
    pub runtime: HostRuntime,
    /// The GGUF file.
    pub model: PathBuf,
    /// The name requests use.
    pub name: String,
    /// A chat template replacing the file's (built-in runner).
    pub template: Option<PathBuf>,
    /// The address-space limit, bytes.
    pub memory_bytes: u64,
    /// CPU threads for the model.
    pub threads: usize,
    /// How long loading may take before the model is given up on.
    pub start_timeout: Duration,
    /// Refuse to serve where Landlock or seccomp cannot be enforced (built-in runner).
    pub require_confinement: bool,
}

/// A model being served.
#[derive(Debug)]
pub struct Hosted {
    child: Child,
    /// `http://127.0.0.1:port/v1`.
    pub base_url: String,
    /// The runtime and its version.
    pub runtime: String,
    /// What confines it.
    pub confinement: String,
    /// From the start to the first answer of its health check, ms.
    pub load_ms: f64,
    peak_kib: Arc<AtomicU64>,
    sampling: Arc<AtomicBool>,
    stderr: Option<std::thread::JoinHandle<String>>,
}

impl Hosted {
    /// Starts the server and waits until it answers.
    pub fn start(plan: &HostPlan) -> Result<Hosted, ModelFailure> {
        let started = Instant::now();
        let mut command = Command::new(&plan.program);
        let memory_mb = (plan.memory_bytes >> 20).max(1).to_string();
        // A reference server is awaited on its port, the built-in runner by its ready line.
        let reference = match &plan.runtime {
            HostRuntime::BuiltIn => {
                command.args(["llm-serve", "--port", "0", "--memory-mb", &memory_mb, "--name", &plan.name, "--model"]);
                command.arg(&plan.model);
                if let Some(template) = &plan.template {
                    command.arg("--template").arg(template);
                }
                if !plan.require_confinement {
                    command.arg("--allow-unconfined");
                }
                None
            }
            HostRuntime::Reference { command: line, name } => {
                let port = free_port().map_err(|e| ModelFailure::Platform(format!("port: {e}")))?;
                let model = plan.model.display().to_string();
                let words: Vec<String> = line
                    .split_whitespace()
                    .map(|w| {
                        w.replace("{model}", &model)
                            .replace("{port}", &port.to_string())
                            .replace("{threads}", &plan.threads.to_string())
                    })
                    .collect();
                if words.is_empty() {
                    return Err(ModelFailure::Platform("the reference runtime's command is empty".into()));
                }
                command.args(["run-limited", "--memory-mb", &memory_mb, "--"]).args(&words);
                Some((port, name.clone()))
            }
        };
        let threads = plan.threads.max(1).to_string();
        command
            .env("RAYON_NUM_THREADS", &threads)
            .env("OMP_NUM_THREADS", &threads)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .process_group(0);
        let mut child =
            command.spawn().map_err(|e| ModelFailure::Platform(format!("{}: {e}", plan.program.display())))?;
        let stderr = child.stderr.take().map(|pipe| std::thread::spawn(move || tail(pipe)));
        let peak_kib = Arc::new(AtomicU64::new(0));
        let sampling = Arc::new(AtomicBool::new(true));
        {
            let (peak, running, pid) = (peak_kib.clone(), sampling.clone(), child.id());
            std::thread::spawn(move || {
                while running.load(Ordering::Relaxed) {
                    peak.fetch_max(tree_rss_kib(pid), Ordering::Relaxed);
                    std::thread::sleep(Duration::from_millis(50));
                }
            });
        }
        let mut hosted = Hosted {
            child,
            base_url: String::new(),
            runtime: String::new(),
            confinement: String::new(),
            load_ms: 0.0,
            peak_kib,
            sampling,
            stderr,
        };
        let deadline = started + plan.start_timeout;
        match reference {
            None => {
                let ready = hosted.read_ready(deadline)?;
                hosted.base_url = format!("http://{}/v1", ready.listening);
                hosted.runtime = ready.runtime;
                hosted.confinement = ready.confinement;
            }
            Some((port, name)) => {
                hosted.base_url = format!("http://127.0.0.1:{port}/v1");
                hosted.runtime = name;
                hosted.confinement =
                    "address-space limit only (a reference runtime is not sandboxed: no Landlock or seccomp, its network is not restricted)".into();
                let _first_line = hosted.drain_stdout();
                hosted.wait_healthy(port, deadline)?;
            }
        }
        hosted.load_ms = started.elapsed().as_secs_f64() * 1000.0;
        Ok(hosted)
    }

    /// The built-in runner's ready line, or why it never came. The rest of stdout is drained
    /// (a server whose pipe fills would block).
    fn read_ready(&mut self, deadline: Instant) -> Result<jiebang_gguf::Ready, ModelFailure> {
        let receive = self.drain_stdout();
        let wait = deadline.saturating_duration_since(Instant::now());
        match receive.recv_timeout(wait) {
            Ok(line) if !line.trim().is_empty() => serde_json::from_str(&line)
                .map_err(|e| ModelFailure::Platform(format!("llm-serve printed {line:?}: {e}"))),
            Ok(_) => Err(self.died()),
            Err(_) => Err(self.timed_out()),
        }
    }

    /// Reads stdout to its end on a thread of its own, handing over the first line.
    fn drain_stdout(&mut self) -> std::sync::mpsc::Receiver<String> {
        let stdout = self.child.stdout.take().expect("piped");
        let (send, receive) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            let mut reader = BufReader::new(stdout);
            let mut line = String::new();
            let _ = reader.read_line(&mut line);
            let _ = send.send(line);
            let _ = std::io::copy(&mut reader, &mut std::io::sink());
        });
        receive
    }

    fn wait_healthy(&mut self, port: u16, deadline: Instant) -> Result<(), ModelFailure> {
        loop {
            if let Ok(Some(_)) = self.child.try_wait() {
                return Err(self.died());
            }
            if answers(port) {
                return Ok(());
            }
            if Instant::now() >= deadline {
                return Err(self.timed_out());
            }
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    /// Why the server ended: a signal (an allocation beyond the memory limit aborts) or its own
    /// message.
    fn died(&mut self) -> ModelFailure {
        let status = self.child.wait().ok();
        let said = self.stderr.take().and_then(|h| h.join().ok()).unwrap_or_default();
        let signal = status.and_then(|s| std::os::unix::process::ExitStatusExt::signal(&s));
        if status.and_then(|s| s.code()) == Some(i32::from(jiebang_gguf::PLATFORM_FAULT_EXIT)) {
            return ModelFailure::Platform(format!(
                "模型服务无法启动 / the model server cannot start: {}",
                said.trim()
            ));
        }
        ModelFailure::Model(match signal {
            Some(signal) => format!(
                "模型进程被信号 {signal} 终止（多为超出内存上限）/ the model's process was ended by signal {signal} (most often: beyond the memory limit){}",
                if said.trim().is_empty() { String::new() } else { format!(": {}", said.trim()) }
            ),
            None => format!("模型无法加载 / the model could not be loaded: {}", said.trim()),
        })
    }

    fn timed_out(&mut self) -> ModelFailure {
        self.kill();
        ModelFailure::Model("模型未在时限内完成加载 / the model did not finish loading within the time limit".into())
    }

    /// Whether the server is still running; `Err` says how it ended.
    pub fn check_alive(&mut self) -> Result<(), ModelFailure> {
        match self.child.try_wait() {
            Ok(None) => Ok(()),
            _ => Err(self.died()),
        }
    }

    /// The peak resident memory of the process tree so far, KiB.
    pub fn peak_kib(&self) -> u64 {
        self.peak_kib.load(Ordering::Relaxed).max(tree_rss_kib(self.child.id()))
    }

    fn kill(&mut self) {
        // The whole process group: a reference runtime may have started helpers.
        let _ = Command::new("kill").args(["-KILL", "--", &format!("-{}", self.child.id())]).status();
        let _ = self.child.kill();
        let _ = self.child.wait();
        self.sampling.store(false, Ordering::Relaxed);
    }

    /// Stops the server; returns the peak resident memory of its process tree, KiB.
    pub fn stop(mut self) -> u64 {
        let peak_kib = self.peak_kib().max(high_water_kib(self.child.id()));
        self.kill();
        peak_kib
    }
}

impl Drop for Hosted {
    fn drop(&mut self) {
        if let Ok(None) = self.child.try_wait() {
            self.kill();
        }
        self.sampling.store(false, Ordering::Relaxed);
    }
}

/// The last 4 KiB a pipe carried.
fn tail(mut pipe: impl Read) -> String {
    let mut all = Vec::new();
    let mut buffer = [0u8; 8192];
    while let Ok(n) = pipe.read(&mut buffer) {
        if n == 0 {
            break;
        }
        all.extend_from_slice(&buffer[..n]);
        if all.len() > 64 << 10 {
            all.drain(..all.len() - 4096);
        }
    }
    let start = all.len().saturating_sub(4096);
    String::from_utf8_lossy(&all[start..]).into_owned()
}

fn free_port() -> std::io::Result<u16> {
    Ok(std::net::TcpListener::bind("127.0.0.1:0")?.local_addr()?.port())
}

/// Whether something answers HTTP on the port with a 200 for `/v1/models`.
fn answers(port: u16) -> bool {
    use std::io::Write;
    let Ok(mut stream) =
        std::net::TcpStream::connect_timeout(&([127, 0, 0, 1], port).into(), Duration::from_millis(500))
    else {
        return false;
    };
    let _ = stream.set_read_timeout(Some(Duration::from_secs(2)));
    let request = format!("GET /v1/models HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nConnection: close\r\n\r\n");
    if stream.write_all(request.as_bytes()).is_err() {
        return false;
    }
    let mut head = [0u8; 12];
    stream.read_exact(&mut head).is_ok() && head.starts_with(b"HTTP/1.") && &head[9..12] == b"200"
}

/// A `/proc/<pid>/status` field in KiB.
fn status_kib(pid: u32, field: &str) -> u64 {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .ok()
        .and_then(|text| {
            text.lines().find(|l| l.starts_with(field)).and_then(|l| l.split_whitespace().nth(1)?.parse().ok())
        })
        .unwrap_or(0)
}

fn high_water_kib(pid: u32) -> u64 {
    status_kib(pid, "VmHWM:")
}

/// The resident memory of `pid` and all its descendants, KiB.
fn tree_rss_kib(pid: u32) -> u64 {
    let mut total = 0;
    let mut pending = vec![pid];
    while let Some(pid) = pending.pop() {
        total += status_kib(pid, "VmRSS:");
        if let Ok(tasks) = std::fs::read_dir(format!("/proc/{pid}/task")) {
            for task in tasks.flatten() {
                if let Ok(children) = std::fs::read_to_string(task.path().join("children")) {
                    pending.extend(children.split_whitespace().filter_map(|c| c.parse::<u32>().ok()));
                }
            }
        }
    }
    total
}
