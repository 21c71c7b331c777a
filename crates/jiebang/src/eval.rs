//! `jiebang eval`: scores a prediction file against a ground-truth file from the command line,
//! with the same engine the platform uses; `jiebang eval model` runs a delivered ONNX model on
//! test features first, as the platform's workers do, and judges its latency, size and memory
//! too; `jiebang eval endpoint` puts a question bank to a live model's endpoint; `jiebang eval
//! llm` serves a delivered GGUF model on this machine and does the same to it.

use std::io::IsTerminal;
use std::path::PathBuf;
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use clap::{Args, Subcommand, ValueEnum};
use jiebang_core::indicator::IndicatorExpr;
use jiebang_eval::answers::{AnswerRequest, AnswerTask, evaluate_answers};
use jiebang_eval::table::Kind;
use jiebang_eval::{Bootstrap, Columns, Metric, Request, Source, Task, evaluate};
use jiebang_worker::mapped::Contents;

mod endpoint;
mod llm;

/// `jiebang eval …`.
#[derive(Debug, Subcommand)]
pub(crate) enum EvalCommand {
    /// Scores predictions against the truth; prints JSON (or a table) on stdout.
    Score(Box<ScoreArgs>),
    /// Runs an ONNX model on test features in a limited child process, scores its outputs
    /// against the truth and measures latency, throughput, size and memory.
    Model(Box<ModelArgs>),
    /// Puts a question bank to a live model through its OpenAI-compatible endpoint, scores the
    /// answers and measures TTFT, TPOT, throughput and errors; writes every exchange to a
    /// transcript.
    Endpoint(Box<endpoint::EndpointArgs>),
    /// Runs a delivered quantized model (GGUF) on this machine — the built-in runner or a
    /// reference server — and evaluates it like an endpoint, judging size, parameters, peak
    /// memory and load time too.
    Llm(Box<llm::LlmArgs>),
    /// Only reads both files (the benchmark's baseline); prints their row counts.
    #[command(hide = true)]
    Parse {
        /// Truth file.
        #[arg(long)]
        truth: PathBuf,
        /// Predictions file.
        #[arg(long)]
        pred: PathBuf,
    },
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub(crate) enum TaskArg {
    Binary,
    Multiclass,
    Regression,
    /// Answer files: multiple choice (`choice_accuracy`, `choice_accuracy@macro`, `unparsed_rate`).
    Choice,
    /// Answer files: a safety bank (`refusal_rate`, `over_refusal_rate`, `safety_score`).
    Safety,
    /// Answer files: generated text (`bleu`, `bleu@zh`, `bleu@intl`, `bleu@char`, `bleu@none`,
    /// `chrf`, `chrf++`, `exact_match`, `f1`, `exact_match@zh`, `f1@zh`, `rouge1`, `rouge2`,
    /// `rougeL`, `rougeLsum`, each ROUGE also `@char` and `@jieba`).
    Generation,
    /// Answer files: a mixed bank whose questions each name their `task` (the three above).
    Bank,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub(crate) enum OutputFormat {
    Json,
    Table,
}

#[derive(Debug, Args)]
pub(crate) struct ScoreArgs {
    /// Ground-truth table (CSV or TSV).
    #[arg(long)]
    truth: PathBuf,
    /// Predictions table (CSV or TSV).
    #[arg(long)]
    pred: PathBuf,
    /// What is predicted.
    #[arg(long, value_enum)]
    task: TaskArg,
    /// Metric to report (repeatable), e.g. roc_auc, f1@0.5, rmse, top_k_accuracy@3.
    #[arg(long = "metric")]
    metrics: Vec<String>,
    /// Indicator to judge (repeatable), e.g. "f1@0.5>=0.9".
    #[arg(long = "indicator")]
    indicators: Vec<String>,
    /// Truth column that assigns rows to splits (public / private).
    #[arg(long)]
    split_column: Option<String>,
    /// Id column in both files.
    #[arg(long, default_value = "id")]
    id_column: String,
    /// Truth label column.
    #[arg(long, default_value = "label")]
    label_column: String,
    /// Binary score column in the predictions.
    #[arg(long, default_value = "score")]
    score_column: String,
    /// Predicted value or class column in the predictions.
    #[arg(long, default_value = "prediction")]
    prediction_column: String,
    /// Prefix of class probability columns (`p_<class>`).
    #[arg(long, default_value = "p_")]
    proba_prefix: String,
    /// The positive class of a binary task whose labels are not 0/1.
    #[arg(long)]
    positive_label: Option<String>,
    /// Bootstrap resamples for 95% confidence intervals.
    #[arg(long)]
    bootstrap: Option<usize>,
    /// Seed of the bootstrap.
    #[arg(long, default_value_t = 0)]
    seed: u64,
    /// Output format.
    #[arg(long, value_enum, default_value = "json")]
    format: OutputFormat,
    /// Largest accepted file, in MiB.
    #[arg(long, default_value_t = 4095)]
    max_file_mb: u64,
    /// Answer files: a question without an answer counts as an empty answer instead of an error.
    #[arg(long)]
    missing_as_empty: bool,
    /// Answer files of a safety bank: a refusal phrase added to the built-in list (repeatable).
    #[arg(long = "refusal-phrase")]
    refusal_phrases: Vec<String>,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub(crate) enum EngineArg {
    Onnxruntime,
    Tract,
}

#[derive(Debug, Args)]
pub(crate) struct ModelArgs {
    /// The ONNX model.
    #[arg(long)]
    model: PathBuf,
    /// Test features (CSV or TSV): the id column and the feature columns.
    #[arg(long)]
    features: PathBuf,
    /// Ground-truth table (CSV or TSV).
    #[arg(long)]
    truth: PathBuf,
    /// What is predicted (binary or regression).
    #[arg(long, value_enum)]
    task: TaskArg,
    /// Metric to report (repeatable), e.g. roc_auc.
    #[arg(long = "metric")]
    metrics: Vec<String>,
    /// Indicator to judge (repeatable): on predictions ("roc_auc>=0.9") or on the model
    /// ("latency_p99_ms<=10", "model_size_mb<=20", "throughput_qps>=500", "peak_memory_mb<=512").
    #[arg(long = "indicator")]
    indicators: Vec<String>,
    /// Truth column that assigns rows to splits; also left out of the features.
    #[arg(long)]
    split_column: Option<String>,
    /// Id column in the features and the truth.
    #[arg(long, default_value = "id")]
    id_column: String,
    /// Truth label column.
    #[arg(long, default_value = "label")]
    label_column: String,
    /// The positive class of a binary task whose labels are not 0/1.
    #[arg(long)]
    positive_label: Option<String>,
    /// Feature column, in the model's order (repeatable); default: every column but the id and
    /// split columns.
    #[arg(long = "feature-column")]
    feature_columns: Vec<String>,
    /// The model's input name [default: its only input].
    #[arg(long)]
    input: Option<String>,
    /// The model's output name [default: for a binary task the class-probability output, else
    /// the only float output].
    #[arg(long)]
    output: Option<String>,
    /// With a class-probability output, the positive class's column (-1 = last); omit for one
    /// score or value per row [default with no --output: the last column of a probability
    /// output].
    #[arg(long, allow_hyphen_values = true)]
    probability_column: Option<i32>,
    /// The engine that runs and times the model [default: onnxruntime when its library is
    /// given, else tract].
    #[arg(long, value_enum)]
    engine: Option<EngineArg>,
    /// ONNX Runtime's shared library (the PyPI wheel's `libonnxruntime.so.*`).
    #[arg(long, env = "ORT_DYLIB_PATH")]
    ort_library: Option<PathBuf>,
    /// Threads the engine may use.
    #[arg(long, default_value_t = 1)]
    threads: u32,
    /// Batch size for offline throughput (repeatable; the best counts).
    #[arg(long = "batch-size")]
    batch_sizes: Vec<u32>,
    /// Memory the model process may reserve, MiB.
    #[arg(long, default_value_t = 2048)]
    memory_mb: u32,
    /// Wall time the model process may take, seconds.
    #[arg(long, default_value_t = 600)]
    time_limit_s: u32,
    /// Run the model even where the kernel cannot confine it with Landlock.
    #[arg(long)]
    unconfined: bool,
    /// Largest accepted model, MB.
    #[arg(long, default_value_t = 100.0)]
    max_model_mb: f64,
    /// Timed single-row queries, at least.
    #[arg(long, default_value_t = 1000)]
    latency_queries: usize,
    /// Untimed calls first.
    #[arg(long, default_value_t = 50)]
    warmup: usize,
    /// Minimum timing duration (latency, and each batch size), milliseconds.
    #[arg(long, default_value_t = 500)]
    min_duration_ms: u64,
    /// Output format.
    #[arg(long, value_enum, default_value = "json")]
    format: OutputFormat,
}

fn read(path: &PathBuf, max_mb: u64) -> anyhow::Result<Contents> {
    let file = std::fs::File::open(path).with_context(|| format!("{}", path.display()))?;
    let size = file.metadata().with_context(|| format!("{}", path.display()))?.len();
    if size > max_mb << 20 {
        bail!(
            "{}: 文件 {} MiB 超过上限 {max_mb} MiB / the file is {} MiB, over the limit of {max_mb} MiB",
            path.display(),
            size >> 20,
            size >> 20
        );
    }
    // Mapping skips copying hundreds of megabytes out of the page cache and the page faults of
    // a fresh buffer; for a 10-million-row task that is a tenth of the scoring time.
    jiebang_worker::mapped::read(file, max_mb << 20).with_context(|| format!("{}", path.display()))
}

/// Reads both files at once: copying from the page cache is work for both cores too.
fn read_both(truth: &PathBuf, pred: &PathBuf, max_mb: u64) -> anyhow::Result<(Contents, Contents)> {
    let (truth, pred) = std::thread::scope(|scope| {
        let truth = scope.spawn(|| read(truth, max_mb));
        (truth.join().unwrap_or_else(|_| Err(anyhow::anyhow!("reading the truth failed"))), read(pred, max_mb))
    });
    Ok((truth?, pred?))
}

pub(crate) fn run(command: EvalCommand) -> anyhow::Result<()> {
    match command {
        EvalCommand::Score(args) => score(*args),
        EvalCommand::Model(args) => model(*args),
        EvalCommand::Endpoint(args) => endpoint::endpoint(*args),
        EvalCommand::Llm(args) => llm::llm(*args),
        EvalCommand::Parse { truth, pred } => {
            let (t, p) = read_both(&truth, &pred, 4095)?;
            // Typed as scoring types them: the first column as ids, the truth's others as labels,
            // the predictions' others as numbers.
            let read_all = |name, bytes, rest: Kind<'static>| {
                jiebang_eval::table::read_table(Source { name, bytes }, u64::MAX, |header: &[String]| {
                    header.iter().enumerate().map(|(i, h)| (h.clone(), if i == 0 { Kind::Id } else { rest })).collect()
                })
            };
            let truth_rows = read_all("truth", &t, Kind::Category)?.rows();
            let pred_rows = read_all("pred", &p, Kind::Number)?.rows();
            println!("{{\"truth_rows\":{truth_rows},\"pred_rows\":{pred_rows}}}");
            Ok(())
        }
    }
}

impl TaskArg {
    fn task(self) -> anyhow::Result<Task> {
        Ok(match self {
            TaskArg::Binary => Task::Binary,
            TaskArg::Multiclass => Task::Multiclass,
            TaskArg::Regression => Task::Regression,
            TaskArg::Choice | TaskArg::Safety | TaskArg::Generation | TaskArg::Bank => bail!(
                "--task choice、safety、generation 与 bank 评的是回答文件，不是模型 / --task choice, safety, generation and bank score answer files, not models"
            ),
        })
    }

    /// The answer-file task, for `choice`, `safety`, `generation` and `bank`.
    fn answers(self) -> Option<AnswerTask> {
        match self {
            TaskArg::Choice => Some(AnswerTask::Choice),
            TaskArg::Safety => Some(AnswerTask::Safety),
            TaskArg::Generation => Some(AnswerTask::Generation),
            TaskArg::Bank => Some(AnswerTask::Bank),
            _ => None,
        }
    }
}

fn parse_indicators(texts: &[String]) -> anyhow::Result<Vec<IndicatorExpr>> {
    texts
        .iter()
        .map(|e| IndicatorExpr::parse(e).map_err(|err| anyhow::anyhow!("--indicator {e}: {}", err.message)))
        .collect()
}

fn model(args: ModelArgs) -> anyhow::Result<()> {
    use jiebang_core::delivery::{Accepts, DeliveryContract, MeasuringEngine, is_measured};
    let started = Instant::now();
    let task = args.task.task()?;
    let metrics = args.metrics.iter().map(|m| Metric::parse(task, m)).collect::<Result<Vec<_>, _>>()?;
    let (measured, indicators): (Vec<IndicatorExpr>, Vec<IndicatorExpr>) =
        parse_indicators(&args.indicators)?.into_iter().partition(|i| is_measured(i.metric.as_str()));
    let engine = match (args.engine, &args.ort_library) {
        (Some(EngineArg::Onnxruntime), _) | (None, Some(_)) => MeasuringEngine::OnnxRuntime,
        (Some(EngineArg::Tract), _) | (None, None) => MeasuringEngine::Tract,
    };
    let read_small = |path: &PathBuf| std::fs::read(path).with_context(|| format!("{}", path.display()));
    let (model, features, truth) = (read_small(&args.model)?, read_small(&args.features)?, read_small(&args.truth)?);
    // What nobody named is chosen from what the model declares, and the report says so.
    let mut chosen = None;
    let (input, output, probability_column) = match (args.input, args.output) {
        (Some(input), Some(output)) => (input, output, args.probability_column),
        (input, output) => {
            let info = jiebang_onnx::inspect(&model).map_err(|e| anyhow::anyhow!("{}: {e}", args.model.display()))?;
            let io =
                info.default_io(task == Task::Binary).map_err(|e| anyhow::anyhow!("{}: {e}", args.model.display()))?;
            let column = match (&output, io.kind) {
                (None, jiebang_onnx::OutputKind::Probabilities { column }) => Some(column),
                _ => args.probability_column,
            };
            chosen = Some(io.why);
            (input.unwrap_or(io.input), output.unwrap_or(io.output), column)
        }
    };
    let contract = DeliveryContract {
        accepts: Accepts::Models,
        input,
        feature_columns: args.feature_columns,
        output,
        probability_column,
        max_model_mb: args.max_model_mb,
        batch_sizes: if args.batch_sizes.is_empty() {
            DeliveryContract::default().batch_sizes
        } else {
            args.batch_sizes
        },
        threads: args.threads,
        engine,
        memory_limit_mb: args.memory_mb,
        time_limit_s: args.time_limit_s,
        ..DeliveryContract::default()
    }
    .validate()?;
    let runner = jiebang_worker::ModelRunner {
        program: std::env::current_exe().context("the path of this program")?,
        args: vec!["model-run".into()],
        ort_library: args.ort_library.map(|p| std::path::absolute(&p).unwrap_or(p)),
        timing: jiebang_onnx::measure::Timing {
            warmup: args.warmup,
            queries: args.latency_queries.max(1),
            min_duration: Duration::from_millis(args.min_duration_ms),
        },
        require_confinement: !args.unconfined,
    };
    let features_name = args.features.display().to_string();
    let spinner = indicatif::ProgressBar::new_spinner();
    if std::io::stderr().is_terminal() {
        spinner.set_message(format!("running and timing {} …", args.model.display()));
        spinner.enable_steady_tick(Duration::from_millis(120));
    }
    let run = runner.run(&jiebang_worker::ModelTask {
        task,
        model: &model,
        features: Source { name: &features_name, bytes: &features },
        id_column: &args.id_column,
        split_column: args.split_column.as_deref(),
        contract: &contract,
    });
    spinner.finish_and_clear();
    let run = run.map_err(|e| {
        let hint = if engine == MeasuringEngine::Tract && e.to_string().contains("tract") {
            "\n  tract 不支持该模型；ONNX Runtime 可以运行更多模型：pip install onnxruntime，再以 --ort-library \
             或 ORT_DYLIB_PATH 指向 site-packages/onnxruntime/capi/libonnxruntime.so.*\n  tract cannot run this \
             model; ONNX Runtime runs more: pip install onnxruntime, then point --ort-library or ORT_DYLIB_PATH at \
             site-packages/onnxruntime/capi/libonnxruntime.so.*"
        } else {
            ""
        };
        anyhow::anyhow!("{}: {e}{hint}", args.model.display())
    })?;
    let truth_name = args.truth.display().to_string();
    let request = Request {
        task,
        truth: Source { name: &truth_name, bytes: &truth },
        predictions: Source { name: "模型输出 / model outputs", bytes: &run.predictions },
        columns: Columns {
            id: args.id_column,
            label: args.label_column,
            split: args.split_column,
            ..Columns::default()
        },
        metrics: if metrics.is_empty() && indicators.is_empty() {
            vec![Metric::parse(task, if task == Task::Regression { "rmse" } else { "roc_auc" })?]
        } else {
            metrics
        },
        indicators,
        bootstrap: None,
        positive_label: args.positive_label,
        max_bytes: u64::MAX,
    };
    let mut report = evaluate(&request)?;
    report.add_measured(&run.measured, &measured);
    let elapsed_ms = started.elapsed().as_secs_f64() * 1000.0;
    match args.format {
        OutputFormat::Json => {
            let mut value = serde_json::to_value(&report)?;
            value["model"] = serde_json::to_value(&run.details)?;
            if let Some(chosen) = &chosen {
                value["model"]["chosen"] = serde_json::json!(chosen);
            }
            value["elapsed_ms"] = serde_json::json!((elapsed_ms * 1000.0).round() / 1000.0);
            println!("{value}");
        }
        OutputFormat::Table => {
            println!("model     {} ({})", args.model.display(), run.details.engine);
            if let Some(chosen) = &chosen {
                println!("chosen    {chosen}");
            }
            print_table(&report, elapsed_ms);
        }
    }
    Ok(())
}

fn score(args: ScoreArgs) -> anyhow::Result<()> {
    if let Some(task) = args.task.answers() {
        return score_answers(args, task);
    }
    let started = Instant::now();
    let task = args.task.task()?;
    let metrics = args.metrics.iter().map(|m| Metric::parse(task, m)).collect::<Result<Vec<_>, _>>()?;
    let indicators = parse_indicators(&args.indicators)?;
    let (truth, pred) = read_both(&args.truth, &args.pred, args.max_file_mb)?;
    let truth_name = args.truth.display().to_string();
    let pred_name = args.pred.display().to_string();
    let request = Request {
        task,
        truth: Source { name: &truth_name, bytes: &truth },
        predictions: Source { name: &pred_name, bytes: &pred },
        columns: Columns {
            id: args.id_column,
            label: args.label_column,
            score: args.score_column,
            prediction: args.prediction_column,
            proba_prefix: args.proba_prefix,
            split: args.split_column,
        },
        metrics,
        indicators,
        bootstrap: args.bootstrap.map(|resamples| Bootstrap { resamples, seed: args.seed }),
        positive_label: args.positive_label,
        max_bytes: args.max_file_mb << 20,
    };
    let large = truth.len() + pred.len() > 32 << 20;
    let spinner = indicatif::ProgressBar::new_spinner();
    if large && std::io::stderr().is_terminal() {
        spinner.set_message(format!("scoring {} MiB…", (truth.len() + pred.len()) >> 20));
        spinner.enable_steady_tick(Duration::from_millis(120));
    }
    let report = evaluate(&request);
    spinner.finish_and_clear();
    let report = report?;
    let elapsed_ms = started.elapsed().as_secs_f64() * 1000.0;
    match args.format {
        OutputFormat::Json => print_json(&report, elapsed_ms)?,
        OutputFormat::Table => print_table(&report, elapsed_ms),
    }
    Ok(())
}

/// The report as one JSON line, with the time it took.
fn print_json(report: &impl serde::Serialize, elapsed_ms: f64) -> anyhow::Result<()> {
    let mut value = serde_json::to_value(report)?;
    value["elapsed_ms"] = serde_json::json!((elapsed_ms * 1000.0).round() / 1000.0);
    println!("{value}");
    Ok(())
}

/// `eval score --task choice|safety|generation|bank`: a model's answers against the question bank.
fn score_answers(args: ScoreArgs, task: AnswerTask) -> anyhow::Result<()> {
    let started = Instant::now();
    let (truth, pred) = read_both(&args.truth, &args.pred, args.max_file_mb)?;
    let truth_name = args.truth.display().to_string();
    let pred_name = args.pred.display().to_string();
    let request = AnswerRequest {
        task,
        truth: Source { name: &truth_name, bytes: &truth },
        predictions: Source { name: &pred_name, bytes: &pred },
        metrics: args.metrics,
        indicators: parse_indicators(&args.indicators)?,
        bootstrap: args.bootstrap.map(|resamples| Bootstrap { resamples, seed: args.seed }),
        missing_as_empty: args.missing_as_empty,
        refusal_phrases: args.refusal_phrases,
    };
    let report = evaluate_answers(&request)?;
    let elapsed_ms = started.elapsed().as_secs_f64() * 1000.0;
    match args.format {
        OutputFormat::Json => print_json(&report, elapsed_ms)?,
        OutputFormat::Table => {
            print_table(&report.report, elapsed_ms);
            for (category, values) in &report.categories {
                let values: Vec<String> = values.iter().map(|(k, v)| format!("{k} {v:.4}")).collect();
                println!("{category:<24} {}", values.join("  "));
            }
            if !report.unparsed.is_empty() {
                let ids: Vec<&str> = report.unparsed.iter().map(|u| u.id.as_str()).collect();
                println!("unparsed  {} (ids: {})", ids.len(), ids.join(", "));
            }
        }
    }
    Ok(())
}

fn print_table(report: &jiebang_eval::Report, elapsed_ms: f64) {
    println!("rows      {}", report.rows);
    println!("engine    {}   ({elapsed_ms:.1} ms)", report.engine);
    println!("truth     sha256 {}", report.truth_sha256);
    println!("pred      sha256 {}", report.pred_sha256);
    let splits: Vec<&String> = report.splits.keys().collect();
    print!("\n{:<24} {:>12}", "metric", "all");
    for split in &splits {
        print!(" {split:>12}");
    }
    if !report.intervals.is_empty() {
        print!("   95% interval");
    }
    println!();
    for (name, value) in &report.metrics {
        print!("{name:<24} {value:>12.6}");
        for split in &splits {
            match report.splits[*split].get(name) {
                Some(v) => print!(" {v:>12.6}"),
                None => print!(" {:>12}", "—"),
            }
        }
        if let Some([low, high]) = report.intervals.get(name) {
            print!("   [{low:.6}, {high:.6}]");
        }
        println!();
    }
    if !report.indicators.is_empty() {
        println!();
        for i in &report.indicators {
            println!("{:<6} {:<28} measured {:.6}", if i.pass { "PASS" } else { "FAIL" }, i.expr, i.value);
        }
        println!("\nverdict   {}", report.verdict.unwrap_or("-").to_uppercase());
    }
}
