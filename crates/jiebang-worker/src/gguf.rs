//! The queue's GGUF jobs: a delivered quantized large model is staged from the file store, its
//! header checked again (the upload was checked, but a worker trusts no file), and served on a
//! loopback port of this machine ([`crate::hosted`]) within the contract's limits. It is then
//! evaluated exactly as a team's own endpoint is (`served`) — the judged concurrency
//! level resumably, the others measured afterwards — and its report adds the header, the
//! runtime, the confinement, the host, the peak memory and the load time.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::time::{Duration, Instant};

use jiebang_chat::client::Client;
use jiebang_chat::measure::{Slo, measure};
use jiebang_chat::run::{Load, Plan, Question, run};
use jiebang_chat::tokens::Counter;
use jiebang_core::delivery::{GgufContract, LlmRuntime};
use jiebang_core::report::{HostSummary, HostingReport, ServingLevel};
use jiebang_onnx::measure::Host;
use jiebang_store::{FileStore, Job, Submission};

use crate::hosted::{HostPlan, HostRuntime, Hosted};
use crate::model::ModelFailure;
use crate::{Unscorable, Worker};

/// How this process serves delivered GGUF models.
#[derive(Debug, Clone)]
pub struct Hosting {
    /// The `jiebang` program (its `llm-serve` and `run-limited` commands).
    pub program: PathBuf,
    /// The reference runtime configured on this machine: its command (with `{model}`, `{port}`,
    /// `{threads}`) and its name and version for reports.
    pub reference: Option<(String, String)>,
    /// Refuse to serve where the built-in runner cannot be confined (Landlock, seccomp).
    pub require_confinement: bool,
}

/// A delivered model ready to be served: its plan, and the scratch directory holding the copy
/// of the file (when the file store is not local) and the contract's template, which must
/// outlive the server.
pub struct Staged {
    /// How to serve it.
    pub plan: HostPlan,
    /// Removed when dropped.
    pub scratch: Option<tempfile::TempDir>,
}

impl Hosting {
    /// The server the contract asks for, if this machine has it (a reference runtime must be
    /// configured).
    pub fn runtime(&self, contract: &GgufContract) -> Option<HostRuntime> {
        match (contract.runtime, &self.reference) {
            (LlmRuntime::Builtin, _) => Some(HostRuntime::BuiltIn),
            (LlmRuntime::Reference, Some((command, name))) => {
                Some(HostRuntime::Reference { command: command.clone(), name: name.clone() })
            }
            (LlmRuntime::Reference, None) => None,
        }
    }

    /// Stages the stored file `file_key` for `runtime` under `contract`'s limits: the file
    /// store's own file where it is a directory, else a private copy; the contract's template
    /// written beside it. The worker and the model service both start models so. An error is
    /// the platform's (no scratch space, an unreadable store).
    pub async fn stage(
        &self,
        files: &FileStore,
        file_key: &str,
        contract: &GgufContract,
        runtime: HostRuntime,
        name: &str,
    ) -> Result<Staged, String> {
        let scratch_error = |e: std::io::Error| format!("scratch directory: {e}");
        let mut scratch = None;
        let mut dir = || -> Result<std::path::PathBuf, String> {
            if scratch.is_none() {
                scratch = Some(tempfile::tempdir().map_err(scratch_error)?);
            }
            Ok(scratch.as_ref().map(|d| d.path().to_owned()).unwrap_or_default())
        };
        let model = match files.local_path(file_key) {
            Some(path) => path,
            None => {
                let path = dir()?.join("model.gguf");
                files.download(file_key, &path).await.map_err(|e| e.to_string())?;
                path
            }
        };
        let template = match contract.chat_template.trim() {
            "" => None,
            text => {
                let path = dir()?.join("template.jinja");
                std::fs::write(&path, text).map_err(scratch_error)?;
                Some(path)
            }
        };
        let plan = HostPlan {
            program: self.program.clone(),
            runtime,
            model,
            name: name.into(),
            template,
            memory_bytes: u64::from(contract.memory_limit_mb) << 20,
            threads: contract.threads as usize,
            start_timeout: Duration::from_secs(u64::from(contract.load_timeout_s)),
            require_confinement: self.require_confinement,
        };
        Ok(Staged { plan, scratch })
    }
}

/// A delivered model being served for its evaluation.
pub(crate) struct Served {
    hosted: Hosted,
    contract: GgufContract,
    header: jiebang_gguf::Summary,
    file_sha256: String,
    /// The staged copy and the contract's template, removed when the run ends.
    _scratch: Option<tempfile::TempDir>,
}

impl Served {
    /// `http://127.0.0.1:port/v1` of the model.
    pub(crate) fn base_url(&self) -> &str {
        &self.hosted.base_url
    }

    /// The concurrency level indicators are judged at.
    pub(crate) fn judged_concurrency(&self) -> u32 {
        self.contract.concurrency_levels.first().copied().unwrap_or(1)
    }

    /// An error when the model's server has died (a crash, the memory limit): the team's fault.
    pub(crate) fn check_alive(&mut self) -> Result<(), String> {
        self.hosted.check_alive().map_err(|failure| failure.to_string())
    }

    /// Stops the server and states what ran (the levels are the caller's to add), with the
    /// measured size, parameters, peak memory and load time.
    pub(crate) fn finish(self) -> (HostingReport, BTreeMap<String, f64>) {
        let (runtime, confinement, load_ms) =
            (self.hosted.runtime.clone(), self.hosted.confinement.clone(), self.hosted.load_ms);
        let peak_kib = self.hosted.stop();
        let measured = BTreeMap::from([
            ("model_size_mb".to_owned(), self.header.file_bytes as f64 / 1e6),
            ("parameter_count".to_owned(), self.header.parameter_count as f64),
            ("peak_memory_mb".to_owned(), peak_kib as f64 / 1024.0),
            ("load_time_s".to_owned(), load_ms / 1000.0),
        ]);
        let host = Host::this_machine();
        let report = HostingReport {
            runtime,
            confinement,
            threads: self.contract.threads,
            memory_limit_mb: self.contract.memory_limit_mb,
            file_sha256: self.file_sha256,
            header: serde_json::to_value(&self.header).unwrap_or_default(),
            measured: measured.clone(),
            levels: Vec::new(),
            host: Some(HostSummary { cpu: host.cpu, cores: host.cores, memory_mib: host.memory_mib, os: host.os }),
        };
        (report, measured)
    }
}

impl Worker {
    /// Stages the submission's model, checks its header against the contract and starts its
    /// server. The outer error is the platform's (retried); the inner one the team's (the
    /// submission is invalid: a broken header, a file the runtime cannot run, a model that
    /// crashes or overruns its memory or load time).
    pub(crate) async fn serve_delivered(
        &self,
        submission: &Submission,
        contract: GgufContract,
    ) -> Result<Result<Served, String>, Unscorable> {
        let Some(hosting) = self.hosting.clone() else {
            return Err(Unscorable::Setup("此评测进程不运行大模型 / this worker does not serve large models".into()));
        };
        let Some(runtime) = hosting.runtime(&contract) else {
            return Err(Unscorable::Setup(
                "此评测进程未配置参考运行时（[llm] reference_command）/ this worker has no reference runtime \
                 configured ([llm] reference_command)"
                    .into(),
            ));
        };
        let Staged { plan, scratch } = hosting
            .stage(&self.files, &submission.file_key, &contract, runtime, "delivered")
            .await
            .map_err(Unscorable::Setup)?;
        let rules = jiebang_gguf::Rules {
            max_bytes: Some(contract.max_model_bytes()),
            ..match contract.runtime {
                LlmRuntime::Builtin => jiebang_gguf::Rules::built_in(plan.template.is_some()),
                LlmRuntime::Reference => jiebang_gguf::Rules::llama_cpp(),
            }
        };
        let model = plan.model.clone();
        let started = tokio::task::spawn_blocking(move || {
            let header = jiebang_gguf::read_file(&model).map_err(|e| ModelFailure::Model(e.to_string()))?;
            let problems = header.problems(&rules);
            if !problems.is_empty() {
                return Err(ModelFailure::Model(problems.join("\n")));
            }
            Ok((header.summary(), Hosted::start(&plan)?))
        })
        .await
        .map_err(|e| Unscorable::Setup(format!("the model's start failed: {e}")))?;
        Ok(match started {
            Ok((header, hosted)) => {
                Ok(Served { hosted, contract, header, file_sha256: submission.file_sha256.clone(), _scratch: scratch })
            }
            Err(ModelFailure::Model(problem)) => Err(problem),
            Err(ModelFailure::Platform(problem)) => return Err(Unscorable::Setup(problem)),
        })
    }

    /// Asks the whole bank again at each concurrency level after the judged one, keeping the
    /// lease, and measures serving at each (the answers are not kept: quality is judged once).
    pub(crate) async fn other_levels(
        &self,
        job: &Job,
        served: &Served,
        (client, questions, plan): (&Client, &[Question], &Plan),
        (slo, counter): (Slo, &Counter),
    ) -> Result<Vec<ServingLevel>, crate::served::Stopped> {
        let mut levels = Vec::new();
        for &concurrency in served.contract.concurrency_levels.iter().skip(1) {
            let plan = Plan { load: Load::Concurrency { requests: concurrency as usize }, ..*plan };
            let mut exchanges = Vec::with_capacity(questions.len());
            let mut shutting_down = false;
            let (_held, never_lost) = tokio::sync::watch::channel(false);
            let cancel = async { shutting_down = self.hold_lease(job, never_lost).await };
            let started = Instant::now();
            let summary =
                run(client, questions.to_vec(), &plan, cancel, |record| exchanges.push(record.asked.exchange)).await;
            if summary.cancelled {
                return Err(if shutting_down {
                    crate::served::Stopped::ShuttingDown
                } else {
                    crate::served::Stopped::Lost
                });
            }
            let wall_ms = started.elapsed().as_secs_f64() * 1000.0;
            let measured = measure(&exchanges, wall_ms, slo, |e| counter.count(&e.answer));
            levels.push(ServingLevel {
                concurrency,
                values: measured.values.iter().map(|(k, v)| ((*k).to_owned(), *v)).collect(),
            });
        }
        Ok(levels)
    }
}
