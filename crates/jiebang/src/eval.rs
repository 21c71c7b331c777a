//! `jiebang eval`: scores a prediction file against a ground-truth file from the command line,
//! with the same engine the platform uses.

use std::io::{IsTerminal, Read};
use std::path::PathBuf;
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use clap::{Args, Subcommand, ValueEnum};
use jiebang_core::indicator::IndicatorExpr;
use jiebang_eval::table::Kind;
use jiebang_eval::{Bootstrap, Columns, Metric, Request, Source, Task, evaluate};

/// `jiebang eval …`.
#[derive(Debug, Subcommand)]
pub(crate) enum EvalCommand {
    /// Scores predictions against the truth; prints JSON (or a table) on stdout.
    Score(Box<ScoreArgs>),
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
}

/// A file's bytes: mapped when it is a regular file, read otherwise (pipes, empty files).
///
/// Mapping skips copying hundreds of megabytes out of the page cache and the page faults of a
/// fresh buffer; for a 10-million-row task that is a tenth of the scoring time.
enum Contents {
    Mapped(memmap2::Mmap),
    Read(Vec<u8>),
}

impl std::ops::Deref for Contents {
    type Target = [u8];
    fn deref(&self) -> &[u8] {
        match self {
            Contents::Mapped(map) => map,
            Contents::Read(bytes) => bytes,
        }
    }
}

#[allow(unsafe_code)] // the one mapping; see the SAFETY note
fn read(path: &PathBuf, max_mb: u64) -> anyhow::Result<Contents> {
    let file = std::fs::File::open(path).with_context(|| format!("{}", path.display()))?;
    let metadata = file.metadata().with_context(|| format!("{}", path.display()))?;
    let size = metadata.len();
    if size > max_mb << 20 {
        bail!(
            "{}: 文件 {} MiB 超过上限 {max_mb} MiB / the file is {} MiB, over the limit of {max_mb} MiB",
            path.display(),
            size >> 20,
            size >> 20
        );
    }
    if metadata.is_file() && size > 0 {
        // SAFETY: the map is only read. A file truncated by another process while we read it
        // would fault; that is the price every mapping reader (ripgrep included) pays, and
        // evaluation inputs are not being written while they are scored.
        if let Ok(map) = unsafe { memmap2::MmapOptions::new().populate().map(&file) } {
            return Ok(Contents::Mapped(map));
        }
    }
    let mut bytes = Vec::new();
    file.take((max_mb << 20) + 1).read_to_end(&mut bytes).with_context(|| format!("{}", path.display()))?;
    Ok(Contents::Read(bytes))
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

fn score(args: ScoreArgs) -> anyhow::Result<()> {
    let started = Instant::now();
    let task = match args.task {
        TaskArg::Binary => Task::Binary,
        TaskArg::Multiclass => Task::Multiclass,
        TaskArg::Regression => Task::Regression,
    };
    let metrics = args.metrics.iter().map(|m| Metric::parse(task, m)).collect::<Result<Vec<_>, _>>()?;
    let indicators = args
        .indicators
        .iter()
        .map(|e| IndicatorExpr::parse(e).map_err(|err| anyhow::anyhow!("--indicator {e}: {}", err.message)))
        .collect::<anyhow::Result<Vec<_>>>()?;
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
        OutputFormat::Json => {
            let mut value = serde_json::to_value(&report)?;
            value["elapsed_ms"] = serde_json::json!((elapsed_ms * 1000.0).round() / 1000.0);
            println!("{value}");
        }
        OutputFormat::Table => print_table(&report, elapsed_ms),
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
