//! `jiebang eval endpoint`: puts a question bank to a live model through its OpenAI-compatible
//! endpoint, scores its answers with the answer-file metrics and measures how it served them
//! (TTFT, TPOT, throughput, errors), judging indicators on both; every exchange goes to a JSON
//! Lines transcript whose sha256 the report gives. The API key is read from an environment
//! variable, never from an argument, and is never printed.

use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::time::Duration;

use anyhow::{Context, bail};
use clap::Args;
use jiebang_chat::client::{Client, Endpoint, Retry, Settings, Timeouts};
use jiebang_chat::measure::Slo;
use jiebang_chat::prompt::Template;
use jiebang_chat::run::{Load, Plan, run};
use jiebang_chat::tokens::Counter;
use jiebang_chat::transcript::Transcript;
use jiebang_eval::Source;
use jiebang_worker::endpoint::{Scoring, image_type, read_questions, score};
use serde_json::json;

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
    /// Ask for whole answers instead of streams (TTFT is then the whole answer's time).
    #[arg(long)]
    no_stream: bool,
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
    /// The model's tokenizer.json: counts the output tokens of answers the server sends no usage
    /// for [default: characters].
    #[arg(long)]
    tokenizer: Option<PathBuf>,
    /// A refusal phrase added to the built-in list (safety banks; repeatable).
    #[arg(long = "refusal-phrase")]
    refusal_phrases: Vec<String>,
    /// Output format.
    #[arg(long, value_enum, default_value = "json")]
    format: OutputFormat,
}

fn seconds(name: &str, value: f64) -> anyhow::Result<Duration> {
    Duration::try_from_secs_f64(value)
        .ok()
        .filter(|d| !d.is_zero())
        .with_context(|| format!("--{name} 须为正数 / must be positive"))
}

pub(crate) fn endpoint(args: EndpointArgs) -> anyhow::Result<()> {
    let Some(task) = args.task.answers() else {
        bail!("--task 须为 choice、safety、generation 或 bank / --task must be choice, safety, generation or bank")
    };
    let api_key = match &args.api_key_env {
        None => None,
        Some(var) => Some(std::env::var(var).map_err(|_| {
            anyhow::anyhow!("--api-key-env: 环境变量 {var} 未设置 / the environment variable {var} is not set")
        })?),
    };
    let template = match &args.prompt_template {
        None => Template::default(),
        Some(path) => {
            let text = std::fs::read_to_string(path).with_context(|| format!("{}", path.display()))?;
            Template::parse(&text).map_err(|e| anyhow::anyhow!("{}: {e}", path.display()))?
        }
    };
    let questions_bytes = std::fs::read(&args.questions).with_context(|| format!("{}", args.questions.display()))?;
    let truth = std::fs::read(&args.truth).with_context(|| format!("{}", args.truth.display()))?;
    let folder = args.questions.parent().unwrap_or(Path::new(".")).to_path_buf();
    let questions_name = args.questions.display().to_string();
    let questions = read_questions(Source { name: &questions_name, bytes: &questions_bytes }, &template, |path| {
        image(&folder, path)
    })?;
    let indicators = parse_indicators(&args.indicators)?;
    let counter = match &args.tokenizer {
        None => Counter::Characters,
        Some(path) => {
            let bytes = std::fs::read(path).with_context(|| format!("{}", path.display()))?;
            Counter::from_json(&bytes).map_err(|e| anyhow::anyhow!("{}: {e}", path.display()))?
        }
    };
    let settings = Settings {
        stream: !args.no_stream,
        max_tokens: Some(args.max_tokens),
        temperature: Some(args.temperature),
        top_p: args.top_p,
        seed: Some(args.request_seed),
        stop: args.stop.clone(),
        timeouts: Timeouts {
            connect: seconds("connect-timeout-s", args.connect_timeout_s)?,
            first_token: seconds("first-token-timeout-s", args.first_token_timeout_s)?,
            total: seconds("timeout-s", args.timeout_s)?,
        },
        retry: Retry { attempts: args.attempts.max(1), ..Retry::default() },
    };
    let load = match args.rate {
        Some(per_s) if per_s > 0.0 && per_s.is_finite() => {
            Load::Rate { per_s, seed: args.seed, max_in_flight: args.max_in_flight }
        }
        Some(_) => bail!("--rate 须为正数 / --rate must be positive"),
        None => Load::Concurrency { requests: args.concurrency.unwrap_or(1).max(1) },
    };
    let plan = Plan {
        load,
        max_rate_per_s: args.max_rate,
        time_limit: args.time_limit_s.map(|s| seconds("time-limit-s", s)).transpose()?,
    };
    let endpoint = Endpoint { base_url: args.base_url.clone(), model: args.model.clone(), api_key };
    let client = Client::new(&endpoint, settings.clone())?;
    let transcript_path = args.transcript.clone().unwrap_or_else(|| args.questions.with_extension("transcript.jsonl"));
    let file = std::fs::File::create(&transcript_path).with_context(|| format!("{}", transcript_path.display()))?;
    let described = json!({"base_url": args.base_url, "model": args.model, "settings": settings, "load": plan,
                           "questions_sha256": jiebang_chat::transcript::sha256_hex(&questions_bytes)});
    let mut transcript = Transcript::start(std::io::BufWriter::new(file), &described)?;

    let bar = indicatif::ProgressBar::new(questions.len() as u64);
    if std::io::stderr().is_terminal() {
        bar.set_style(
            indicatif::ProgressStyle::with_template("{bar:40} {pos}/{len} {msg} [{elapsed_precise}, ETA {eta}]")
                .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
        );
    } else {
        bar.set_draw_target(indicatif::ProgressDrawTarget::hidden());
    }
    let mut records = Vec::with_capacity(questions.len());
    let mut written: std::io::Result<()> = Ok(());
    let mut errors = 0usize;
    let summary = tokio::runtime::Handle::current().block_on(run(
        &client,
        questions,
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
    let (transcript_sha256, lines) = transcript.finish()?;
    if summary.cancelled {
        bail!(
            "已中断：{} 道题有回答，记录在 {} / interrupted: {} questions answered, kept in {}",
            summary.finished,
            transcript_path.display(),
            summary.finished,
            transcript_path.display()
        );
    }
    let truth_name = args.truth.display().to_string();
    let scoring = Scoring {
        task,
        truth: Source { name: &truth_name, bytes: &truth },
        metrics: args.metrics,
        indicators,
        slo: Slo { ttft_ms: args.slo_ttft_ms, tpot_ms: args.slo_tpot_ms },
        refusal_phrases: args.refusal_phrases,
        counter: &counter,
    };
    let (report, measured) = score(&records, summary.wall_ms, &scoring)?;
    let transcript_json =
        json!({"path": transcript_path.display().to_string(), "sha256": transcript_sha256, "lines": lines});
    match args.format {
        OutputFormat::Json => {
            let mut value = serde_json::to_value(&report)?;
            value["serving"] = json!({"endpoint": {"base_url": args.base_url, "model": args.model}, "tokens": counter.label(measured.tokens),
                                      "load": plan, "settings": settings, "run": summary});
            value["transcript"] = transcript_json;
            println!("{value}");
        }
        OutputFormat::Table => {
            println!("endpoint  {} ({})", args.base_url, args.model);
            println!(
                "asked     {} in {:.1} s, {} failed, tokens from {}",
                summary.finished,
                summary.wall_ms / 1000.0,
                errors,
                counter.label(measured.tokens)
            );
            println!("transcript {} sha256 {transcript_sha256}", transcript_path.display());
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
