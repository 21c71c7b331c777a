//! `jiebang eval llm`: runs a delivered quantized model (GGUF) on this machine, as the
//! platform's workers do, and evaluates it like a live endpoint. The header is checked first
//! (every problem at once, no weight loaded); the model is served on a loopback port by the
//! built-in runner (`jiebang llm-serve`) or a configured reference server under a memory limit;
//! the bank is put to it at each concurrency level; quality, serving, size, parameters, peak
//! memory and load time are judged against the indicators.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::time::Duration;

use anyhow::{Context, bail};
use clap::{Args, ValueEnum};
use jiebang_chat::client::{Client, Endpoint};
use jiebang_chat::run::Load;
use jiebang_chat::tokens::Counter;
use jiebang_gguf::Rules;
use jiebang_onnx::measure::Host;
use jiebang_worker::hosted::{HostPlan, HostRuntime, Hosted};
use serde_json::json;

use super::endpoint::{BankArgs, ask_all, prepare, score_run, transcript_path};
use super::{OutputFormat, print_table};

#[derive(Debug, Clone, Copy, PartialEq, ValueEnum)]
pub(crate) enum RuntimeArg {
    /// The built-in runner (candle, pure Rust).
    Builtin,
    /// The server that --reference-command starts.
    Reference,
}

#[derive(Debug, Args)]
pub(crate) struct LlmArgs {
    /// The delivered model (GGUF).
    #[arg(long)]
    model: PathBuf,
    /// Which runtime serves it.
    #[arg(long, value_enum, default_value = "builtin")]
    runtime: RuntimeArg,
    /// With --runtime reference: the OpenAI-compatible server's command, with {model}, {port}
    /// and {threads}, e.g. "llama-server -m {model} --port {port} -t {threads}".
    #[arg(long, env = "JIEBANG_LLM_REFERENCE_COMMAND")]
    reference_command: Option<String>,
    /// With --runtime reference: its name and version for the report.
    #[arg(long, default_value = "reference runtime")]
    reference_name: String,
    /// Requests in flight (repeatable: each level is a run of the whole bank; indicators are
    /// judged on the first).
    #[arg(long = "concurrency", default_values_t = [1])]
    concurrency: Vec<usize>,
    /// The model process's address-space limit, MiB.
    #[arg(long, default_value_t = 16384)]
    memory_mb: u64,
    /// CPU threads for the model.
    #[arg(long, default_value_t = 1)]
    threads: usize,
    /// The largest model file accepted, MB (10⁶ bytes).
    #[arg(long)]
    max_size_mb: Option<f64>,
    /// A chat template (Jinja) for models whose file holds none (built-in runner).
    #[arg(long)]
    chat_template: Option<PathBuf>,
    /// Seconds the model may take to load.
    #[arg(long, default_value_t = 600.0)]
    start_timeout_s: f64,
    #[command(flatten)]
    bank: BankArgs,
}

pub(crate) fn llm(args: LlmArgs) -> anyhow::Result<()> {
    let header = jiebang_gguf::read_file(&args.model)?;
    let max_bytes = args.max_size_mb.map(|mb| (mb * 1e6) as u64);
    let rules = match args.runtime {
        RuntimeArg::Builtin => Rules { max_bytes, ..Rules::built_in(args.chat_template.is_some()) },
        RuntimeArg::Reference => Rules { max_bytes, ..Rules::llama_cpp() },
    };
    let problems = header.problems(&rules);
    if !problems.is_empty() {
        bail!("{}：\n  {}", args.model.display(), problems.join("\n  "));
    }
    let summary = header.summary();
    let runtime = match args.runtime {
        RuntimeArg::Builtin => HostRuntime::BuiltIn,
        RuntimeArg::Reference => HostRuntime::Reference {
            command: args.reference_command.clone().context(
                "--runtime reference 需要 --reference-command / --runtime reference needs --reference-command",
            )?,
            name: args.reference_name.clone(),
        },
    };
    if args.concurrency.contains(&0) {
        bail!("--concurrency 须为正整数 / --concurrency must be positive");
    }
    let prepared = prepare(&args.bank, true)?;
    let plan = HostPlan {
        program: std::env::current_exe().context("the jiebang program")?,
        runtime,
        model: args.model.clone(),
        name: "delivered".into(),
        template: args.chat_template.clone(),
        memory_bytes: args.memory_mb << 20,
        threads: args.threads.max(1),
        start_timeout: Duration::try_from_secs_f64(args.start_timeout_s).context("--start-timeout-s")?,
        require_confinement: true,
    };
    eprintln!(
        "loading {} ({} {}, {:.1} MB) …",
        args.model.display(),
        summary.architecture,
        summary.quantization,
        summary.file_bytes as f64 / 1e6
    );
    let mut hosted = Hosted::start(&plan)?;
    let endpoint = Endpoint { base_url: hosted.base_url.clone(), model: plan.name.clone(), api_key: None };
    let client = Client::new(&endpoint, prepared.settings.clone())?;
    let base = transcript_path(&args.bank);
    let mut levels = Vec::new();
    for (i, &concurrency) in args.concurrency.iter().enumerate() {
        let path = if i == 0 { base.clone() } else { base.with_extension(format!("c{concurrency}.jsonl")) };
        let described = json!({"model_file": args.model.display().to_string(), "runtime": hosted.runtime, "concurrency": concurrency});
        let asked = ask_all(
            &client,
            &prepared,
            &args.bank,
            Load::Concurrency { requests: concurrency },
            None,
            &path,
            described,
        )?;
        hosted.check_alive()?;
        levels.push((concurrency, asked));
    }
    let (runtime_name, confinement, load_ms) = (hosted.runtime.clone(), hosted.confinement.clone(), hosted.load_ms);
    let peak_kib = hosted.stop();
    let hosted_values = BTreeMap::from([
        ("model_size_mb".to_owned(), summary.file_bytes as f64 / 1e6),
        ("parameter_count".to_owned(), summary.parameter_count as f64),
        ("peak_memory_mb".to_owned(), peak_kib as f64 / 1024.0),
        ("load_time_s".to_owned(), load_ms / 1000.0),
    ]);
    // Both runtimes send usage, so tokens are the model's own; characters only if one does not.
    let counter = Counter::Characters;
    let (first, rest) = levels.split_first().context("a concurrency level")?;
    let (report, measured) = score_run(&args.bank, &prepared, &first.1, &counter, hosted_values.clone())?;
    let mut others = Vec::new();
    for (concurrency, asked) in rest {
        let (_, measured) = score_run(&args.bank, &prepared, asked, &counter, hosted_values.clone())?;
        others.push((*concurrency, measured, asked.transcript.clone()));
    }
    let host = Host::this_machine();
    match args.bank.format {
        OutputFormat::Json => {
            let mut value = serde_json::to_value(&report)?;
            value["model"] = json!({"file": args.model.display().to_string(), "header": summary, "runtime": runtime_name,
                                    "confinement": confinement, "threads": plan.threads, "memory_limit_mb": args.memory_mb,
                                    "measured": hosted_values,
                                    "host": {"cpu": host.cpu, "cores": host.cores, "memory_mib": host.memory_mib, "os": host.os}});
            let mut all =
                vec![json!({"concurrency": first.0, "tokens": counter.label(measured.tokens), "run": first.1.summary,
                                      "measurements": measured.values, "transcript": first.1.transcript})];
            all.extend(others.iter().map(|(c, m, t)| json!({"concurrency": c, "tokens": counter.label(m.tokens), "measurements": m.values, "transcript": t})));
            value["levels"] = json!(all);
            println!("{value}");
        }
        OutputFormat::Table => {
            println!(
                "model     {} — {} {}, {} parameters, {:.1} MB",
                args.model.display(),
                summary.architecture,
                summary.quantization,
                summary.parameter_count,
                summary.file_bytes as f64 / 1e6
            );
            println!("runtime   {runtime_name} ({} threads, ≤ {} MiB)", plan.threads, args.memory_mb);
            println!("host      {} ({} cores, {} MiB)", host.cpu, host.cores, host.memory_mib);
            println!("loaded in {:.2} s; peak memory {:.1} MiB", load_ms / 1000.0, peak_kib as f64 / 1024.0);
            for (concurrency, m, _) in &others {
                let get = |k: &str| m.values.get(k).copied().unwrap_or(f64::NAN);
                println!(
                    "at concurrency {concurrency}: {:.2} tokens/s, TTFT p99 {:.1} ms",
                    get("output_tokens_per_s"),
                    get("ttft_p99_ms")
                );
            }
            println!("indicators judged at concurrency {}:", first.0);
            print_table(&report.report, first.1.summary.wall_ms);
        }
    }
    Ok(())
}
