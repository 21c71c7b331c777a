//! `jiebang eval endpoint`: puts a question bank to a live model through its OpenAI-compatible
//! endpoint, scores its answers with the answer-file metrics and measures how it served them
//! (TTFT, TPOT, throughput, errors), judging indicators on both; every exchange goes to a JSON
//! Lines transcript whose sha256 the report gives. The API key is read from an environment
//! variable, never from an argument, and is never printed.

use std::collections::BTreeMap;
use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::time::Duration;

use anyhow::{Context, bail};
use clap::Args;
use jiebang_chat::client::{Client, Endpoint, Retry, Settings, Timeouts};
use jiebang_chat::measure::Slo;
use jiebang_chat::prompt::Template;
use jiebang_chat::run::{Load, Plan, Question, Record, Summary, run};
use jiebang_chat::tokens::Counter;
use jiebang_chat::transcript::Transcript;
use jiebang_eval::Source;
use jiebang_worker::endpoint::{Scoring, image_type, read_questions, score};
use serde_json::{Value, json};

use super::{OutputFormat, TaskArg, parse_indicators, print_table};

/// The largest image a question may show the model.
const MAX_IMAGE_BYTES: u64 = 20 << 20;

#[derive(Debug, Args)]
pub(crate) struct EndpointArgs {
    /// The endpoint's base URL, up to and including /v1.
    #[arg(long)]
    base_url: String,
    /// The model name sent with every request.
    #[arg(long)]
    model: String,
    /// The environment variable that holds the API key (the key itself is never an argument).
    #[arg(long)]
    api_key_env: Option<String>,
    /// Requests in flight (closed loop).
    #[arg(long, conflicts_with = "rate")]
    concurrency: Option<usize>,
    /// Mean requests a second, sent at Poisson arrival times (open loop).
    #[arg(long)]
    rate: Option<f64>,
    /// With --rate: at most this many in flight.
    #[arg(long, requires = "rate")]
    max_in_flight: Option<usize>,
    /// Seed of the arrival times.
    #[arg(long, default_value_t = 0)]
    seed: u64,
    /// Never send more than this many requests a second.
    #[arg(long)]
    max_rate: Option<f64>,
    /// Ask for whole answers instead of streams (TTFT is then the whole answer's time).
    #[arg(long)]
    no_stream: bool,
    /// The model's tokenizer.json: counts the output tokens of answers the server sends no usage
    /// for [default: characters].
    #[arg(long)]
    tokenizer: Option<PathBuf>,
    #[command(flatten)]
    bank: BankArgs,
}

/// What `eval endpoint` and `eval llm` share: the bank, how it is asked, how it is scored.
#[derive(Debug, Args)]
pub(crate) struct BankArgs {
    /// The questions (JSON Lines: id, question, optional choices, category, task, images).
    #[arg(long)]
    questions: PathBuf,
    /// The hidden answers (JSON Lines or CSV, as for `eval score`).
    #[arg(long)]
    truth: PathBuf,
    /// What the bank is: choice, safety, generation or bank.
    #[arg(long, value_enum)]
    task: TaskArg,
    /// Metric to report (repeatable): an answer metric or a serving measurement.
    #[arg(long = "metric")]
    metrics: Vec<String>,
    /// Indicator to judge (repeatable), e.g. "choice_accuracy>=0.8", "ttft_p99_ms<=500".
    #[arg(long = "indicator")]
    indicators: Vec<String>,
    /// Send nothing new after this many seconds; unasked questions count as failed.
    #[arg(long)]
    time_limit_s: Option<f64>,
    /// max_tokens of every request.
    #[arg(long, default_value_t = 512)]
    max_tokens: u32,
    /// Sampling temperature.
    #[arg(long, default_value_t = 0.0)]
    temperature: f64,
    /// top_p, if set.
    #[arg(long)]
    top_p: Option<f64>,
    /// The `seed` field of every request.
    #[arg(long, default_value_t = 0)]
    request_seed: u64,
    /// A stop sequence (repeatable).
    #[arg(long = "stop")]
    stop: Vec<String>,
    /// The prompt template: plain text with {question}, {choices}, {category}, or JSON with
    /// system, shots and user [default: C-Eval's for multiple choice, else the question].
    #[arg(long)]
    prompt_template: Option<PathBuf>,
    /// Seconds to open a connection.
    #[arg(long, default_value_t = 10.0)]
    connect_timeout_s: f64,
    /// Seconds from a send to the first token.
    #[arg(long, default_value_t = 60.0)]
    first_token_timeout_s: f64,
    /// Seconds for a whole exchange, retries included.
    #[arg(long, default_value_t = 300.0)]
    timeout_s: f64,
    /// Attempts per question (connection errors, 429 and 5xx before the first byte).
    #[arg(long, default_value_t = 4)]
    attempts: u32,
    /// Goodput's TTFT limit, ms.
    #[arg(long)]
    slo_ttft_ms: Option<f64>,
    /// Goodput's TPOT limit, ms.
    #[arg(long)]
    slo_tpot_ms: Option<f64>,
    /// Where to write the transcript [default: `QUESTIONS.transcript.jsonl`, beside the questions].
    #[arg(long)]
    transcript: Option<PathBuf>,
    /// A refusal phrase added to the built-in list (safety banks; repeatable).
    #[arg(long = "refusal-phrase")]
    refusal_phrases: Vec<String>,
    /// Output format.
    #[arg(long, value_enum, default_value = "json")]
    pub(super) format: OutputFormat,
}

fn seconds(name: &str, value: f64) -> anyhow::Result<Duration> {
    Duration::try_from_secs_f64(value)
        .ok()
        .filter(|d| !d.is_zero())
        .with_context(|| format!("--{name} 须为正数 / must be positive"))
}

/// The bank read and the request settings made, before anything is asked.
pub(super) struct Prepared {
    task: jiebang_eval::answers::AnswerTask,
    questions: Vec<Question>,
    questions_sha256: String,
    truth: Vec<u8>,
    indicators: Vec<jiebang_core::indicator::IndicatorExpr>,
    pub(super) settings: Settings,
}

/// Reads the bank and makes the settings; every problem of the questions file at once.
pub(super) fn prepare(bank: &BankArgs, stream: bool) -> anyhow::Result<Prepared> {
    let Some(task) = bank.task.answers() else {
        bail!("--task 须为 choice、safety、generation 或 bank / --task must be choice, safety, generation or bank")
    };
    let template = match &bank.prompt_template {
        None => Template::default(),
        Some(path) => {
            let text = std::fs::read_to_string(path).with_context(|| format!("{}", path.display()))?;
            Template::parse(&text).map_err(|e| anyhow::anyhow!("{}: {e}", path.display()))?
        }
    };
    let questions_bytes = std::fs::read(&bank.questions).with_context(|| format!("{}", bank.questions.display()))?;
    let truth = std::fs::read(&bank.truth).with_context(|| format!("{}", bank.truth.display()))?;
    let folder = bank.questions.parent().unwrap_or(Path::new(".")).to_path_buf();
    let questions_name = bank.questions.display().to_string();
    let questions = read_questions(Source { name: &questions_name, bytes: &questions_bytes }, &template, |path| {
        image(&folder, path)
    })?;
    let settings = Settings {
        stream,
        max_tokens: Some(bank.max_tokens),
        temperature: Some(bank.temperature),
        top_p: bank.top_p,
        seed: Some(bank.request_seed),
        stop: bank.stop.clone(),
        timeouts: Timeouts {
            connect: seconds("connect-timeout-s", bank.connect_timeout_s)?,
            first_token: seconds("first-token-timeout-s", bank.first_token_timeout_s)?,
            total: seconds("timeout-s", bank.timeout_s)?,
        },
        retry: Retry { attempts: bank.attempts.max(1), ..Retry::default() },
    };
    Ok(Prepared {
        task,
        questions,
        questions_sha256: jiebang_chat::transcript::sha256_hex(&questions_bytes),
        truth,
        indicators: parse_indicators(&bank.indicators)?,
        settings,
    })
}

/// One run of the bank: what was asked and answered, and where the transcript went.
pub(super) struct Asked {
    pub(super) records: Vec<Record>,
    pub(super) summary: Summary,
    pub(super) errors: usize,
    pub(super) transcript: Value,
}

/// Puts every question to `client` under `load`, with a progress bar on a terminal, writing the
/// transcript to `transcript_path`; Ctrl-C stops it, keeping what was answered.
pub(super) fn ask_all(
    client: &Client,
    prepared: &Prepared,
    bank: &BankArgs,
    load: Load,
    max_rate_per_s: Option<f64>,
    transcript_path: &Path,
    endpoint: Value,
) -> anyhow::Result<Asked> {
    let plan =
        Plan { load, max_rate_per_s, time_limit: bank.time_limit_s.map(|s| seconds("time-limit-s", s)).transpose()? };
    let file = std::fs::File::create(transcript_path).with_context(|| format!("{}", transcript_path.display()))?;
    let mut described = endpoint;
    described["settings"] = json!(prepared.settings);
    described["load"] = json!(plan);
    described["questions_sha256"] = json!(prepared.questions_sha256);
    let mut transcript = Transcript::start(std::io::BufWriter::new(file), &described)?;

    let bar = indicatif::ProgressBar::new(prepared.questions.len() as u64);
    if std::io::stderr().is_terminal() {
        bar.set_style(
            indicatif::ProgressStyle::with_template("{bar:40} {pos}/{len} {msg} [{elapsed_precise}, ETA {eta}]")
                .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
        );
    } else {
        bar.set_draw_target(indicatif::ProgressDrawTarget::hidden());
    }
    let mut records = Vec::with_capacity(prepared.questions.len());
    let mut written: std::io::Result<()> = Ok(());
    let mut errors = 0usize;
    let summary = tokio::runtime::Handle::current().block_on(run(
        client,
        prepared.questions.clone(),
        &plan,
        async {
            let _ = tokio::signal::ctrl_c().await;
        },
        |record| {
            if written.is_ok() {
                written = transcript.record(&record);
            }
            if !record.asked.exchange.is_ok() {
                errors += 1;
                bar.set_message(format!("errors {errors}"));
            }
            bar.inc(1);
            records.push(record);
        },
    ));
    bar.finish_and_clear();
    written.with_context(|| format!("{}", transcript_path.display()))?;
    let (sha256, lines) = transcript.finish()?;
    if summary.cancelled {
        bail!(
            "已中断：{} 道题有回答，记录在 {} / interrupted: {} questions answered, kept in {}",
            summary.finished,
            transcript_path.display(),
            summary.finished,
            transcript_path.display()
        );
    }
    let transcript = json!({"path": transcript_path.display().to_string(), "sha256": sha256, "lines": lines});
    Ok(Asked { records, summary, errors, transcript })
}

/// Scores a run: the answers against the truth, the serving measurements and `hosted` (what
/// the platform measured on a model it served itself), indicators judged on all of them.
pub(super) fn score_run(
    bank: &BankArgs,
    prepared: &Prepared,
    asked: &Asked,
    counter: &Counter,
    hosted: BTreeMap<String, f64>,
) -> anyhow::Result<(jiebang_eval::answers::AnswerReport, jiebang_chat::measure::Measurements)> {
    let truth_name = bank.truth.display().to_string();
    let scoring = Scoring {
        task: prepared.task,
        truth: Source { name: &truth_name, bytes: &prepared.truth },
        metrics: bank.metrics.clone(),
        indicators: prepared.indicators.clone(),
        slo: Slo { ttft_ms: bank.slo_ttft_ms, tpot_ms: bank.slo_tpot_ms },
        refusal_phrases: bank.refusal_phrases.clone(),
        counter,
        hosted,
    };
    Ok(score(&asked.records, asked.summary.wall_ms, &scoring)?)
}

/// The transcript's path: the one given, else beside the questions.
pub(super) fn transcript_path(bank: &BankArgs) -> PathBuf {
    bank.transcript.clone().unwrap_or_else(|| bank.questions.with_extension("transcript.jsonl"))
}

pub(crate) fn endpoint(args: EndpointArgs) -> anyhow::Result<()> {
    let api_key = match &args.api_key_env {
        None => None,
        Some(var) => Some(std::env::var(var).map_err(|_| {
            anyhow::anyhow!("--api-key-env: 环境变量 {var} 未设置 / the environment variable {var} is not set")
        })?),
    };
    let prepared = prepare(&args.bank, !args.no_stream)?;
    let counter = match &args.tokenizer {
        None => Counter::Characters,
        Some(path) => {
            let bytes = std::fs::read(path).with_context(|| format!("{}", path.display()))?;
            Counter::from_json(&bytes).map_err(|e| anyhow::anyhow!("{}: {e}", path.display()))?
        }
    };
    let load = match args.rate {
        Some(per_s) if per_s > 0.0 && per_s.is_finite() => {
            Load::Rate { per_s, seed: args.seed, max_in_flight: args.max_in_flight }
        }
        Some(_) => bail!("--rate 须为正数 / --rate must be positive"),
        None => Load::Concurrency { requests: args.concurrency.unwrap_or(1).max(1) },
    };
    let endpoint = Endpoint { base_url: args.base_url.clone(), model: args.model.clone(), api_key };
    let client = Client::new(&endpoint, prepared.settings.clone())?;
    let path = transcript_path(&args.bank);
    let described = json!({"base_url": args.base_url, "model": args.model});
    let asked = ask_all(&client, &prepared, &args.bank, load, args.max_rate, &path, described)?;
    let (report, measured) = score_run(&args.bank, &prepared, &asked, &counter, BTreeMap::new())?;
    let summary = &asked.summary;
    match args.bank.format {
        OutputFormat::Json => {
            let mut value = serde_json::to_value(&report)?;
            value["serving"] = json!({"endpoint": {"base_url": args.base_url, "model": args.model}, "tokens": counter.label(measured.tokens),
                                      "load": load, "settings": prepared.settings, "run": summary});
            value["transcript"] = asked.transcript;
            println!("{value}");
        }
        OutputFormat::Table => {
            println!("endpoint  {} ({})", args.base_url, args.model);
            println!(
                "asked     {} in {:.1} s, {} failed, tokens from {}",
                summary.finished,
                summary.wall_ms / 1000.0,
                asked.errors,
                counter.label(measured.tokens)
            );
            println!(
                "transcript {} sha256 {}",
                path.display(),
                asked.transcript["sha256"].as_str().unwrap_or_default()
            );
            print_table(&report.report, summary.wall_ms);
        }
    }
    Ok(())
}

/// An image a question names, relative to the questions file.
fn image(folder: &Path, path: &str) -> Result<(String, Vec<u8>), (String, String)> {
    let Some(mime) = image_type(path) else {
        return Err((
            format!("{path} 不是 PNG、JPEG、WebP 或 GIF 图片"),
            format!("{path} is not a PNG, JPEG, WebP or GIF image"),
        ));
    };
    let full = folder.join(path);
    let size =
        std::fs::metadata(&full).map(|m| m.len()).map_err(|e| (format!("{path}：{e}"), format!("{path}: {e}")))?;
    if size > MAX_IMAGE_BYTES {
        return Err((format!("{path} 超过 20 MB"), format!("{path} is over 20 MB")));
    }
    let bytes = std::fs::read(&full).map_err(|e| (format!("{path}：{e}"), format!("{path}: {e}")))?;
    Ok((mime.to_owned(), bytes))
}
