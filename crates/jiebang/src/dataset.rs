//! `jiebang dataset upload`: adds a dataset version to a challenge from local files, streamed to
//! the file store with a progress bar — the organizer's path for data too large for a browser.

use std::io::IsTerminal;
use std::path::PathBuf;

use anyhow::Context;
use clap::{Args, Subcommand};
use jiebang_store::{DatasetFileInput, FileStore, ScoringSpec, Store};
use tokio::io::AsyncReadExt;

/// Dataset commands.
#[derive(Debug, Subcommand)]
pub(crate) enum DatasetCommand {
    /// Adds a dataset version to a challenge: hidden test labels plus public files.
    Upload(Box<UploadArgs>),
}

/// `jiebang dataset upload`.
#[derive(Debug, Args)]
pub(crate) struct UploadArgs {
    /// Challenge id.
    #[arg(long)]
    challenge: i64,
    /// `binary`, `multiclass` or `regression`.
    #[arg(long)]
    task: String,
    /// The hidden test labels (id, label and optionally split columns).
    #[arg(long)]
    labels: PathBuf,
    /// Training data (public).
    #[arg(long)]
    train: Option<PathBuf>,
    /// Test features without labels (public).
    #[arg(long)]
    test_features: Option<PathBuf>,
    /// A sample submission (public).
    #[arg(long)]
    sample_submission: Option<PathBuf>,
    /// A data card describing the data (public).
    #[arg(long)]
    data_card: Option<PathBuf>,
    /// Any other public file (repeatable).
    #[arg(long)]
    other: Vec<PathBuf>,
    /// Id column.
    #[arg(long, default_value = "id")]
    id_column: String,
    /// Label column of the labels file.
    #[arg(long, default_value = "label")]
    label_column: String,
    /// Split column of the labels file (`public` / `private` rows), if any.
    #[arg(long, default_value = "")]
    split_column: String,
    /// The positive class of a binary task with text labels.
    #[arg(long, default_value = "")]
    positive_label: String,
    /// Question banks: a metric to report (repeatable; none = the task's defaults).
    #[arg(long)]
    metric: Vec<String>,
    /// Question banks: a refusal phrase to add to the rule set's list (repeatable).
    #[arg(long)]
    refusal_phrase: Vec<String>,
    /// What this version is.
    #[arg(long, default_value = "")]
    note: String,
    /// Largest file accepted, in MiB.
    #[arg(long, default_value_t = 4096)]
    max_file_mb: u64,
}

pub(crate) async fn run(store: &Store, files: &FileStore, command: DatasetCommand) -> anyhow::Result<()> {
    let DatasetCommand::Upload(args) = command;
    store.get_challenge(args.challenge).await?;
    let scoring = ScoringSpec {
        task: args.task.clone(),
        id_column: args.id_column.clone(),
        label_column: args.label_column.clone(),
        split_column: args.split_column.clone(),
        positive_label: args.positive_label.clone(),
        metrics: args.metric.clone(),
        refusal_phrases: args.refusal_phrase.clone(),
        rules: Vec::new(),
    };
    let problems = scoring.problems();
    if !problems.is_empty() {
        return Err(jiebang_core::Error::Invalid(problems).into());
    }
    let mut named: Vec<(&str, &PathBuf)> = vec![("labels", &args.labels)];
    named.extend(args.train.iter().map(|p| ("train", p)));
    named.extend(args.test_features.iter().map(|p| ("test_features", p)));
    named.extend(args.sample_submission.iter().map(|p| ("sample_submission", p)));
    named.extend(args.data_card.iter().map(|p| ("data_card", p)));
    named.extend(args.other.iter().map(|p| ("other", p)));
    let mut uploaded = Vec::with_capacity(named.len());
    for (purpose, path) in named {
        let file = upload(store, files, path, args.max_file_mb << 20).await?;
        uploaded.push(DatasetFileInput { purpose: purpose.into(), file });
    }
    let dataset = store.create_dataset_version(args.challenge, scoring, &args.note, uploaded, None).await?;
    println!("dataset {} = challenge {} version {}:", dataset.id, dataset.challenge_id, dataset.version);
    for file in &dataset.files {
        let visibility = if file.hidden { "hidden" } else { "public" };
        println!(
            "  {:<8} {:<18} {:>12} bytes  sha256 {}  {}",
            visibility, file.purpose, file.size, file.sha256, file.name
        );
    }
    Ok(())
}

/// Streams one file into the store, with a progress bar on a terminal.
async fn upload(
    store: &Store,
    files: &FileStore,
    path: &PathBuf,
    max_bytes: u64,
) -> anyhow::Result<jiebang_store::StoredFile> {
    let file = tokio::fs::File::open(path).await.with_context(|| format!("{}", path.display()))?;
    let size = file.metadata().await.with_context(|| format!("{}", path.display()))?.len();
    let name = path.file_name().map_or_else(|| path.display().to_string(), |n| n.to_string_lossy().into_owned());
    let bar = indicatif::ProgressBar::new(size);
    if std::io::stderr().is_terminal() {
        bar.set_style(
            indicatif::ProgressStyle::with_template("{msg} [{bar:40}] {bytes}/{total_bytes} {bytes_per_sec}")
                .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
        );
        bar.set_message(name.clone());
    } else {
        bar.set_draw_target(indicatif::ProgressDrawTarget::hidden());
    }
    let chunks = futures::stream::unfold((file, bar.clone()), |(mut file, bar)| async move {
        let mut buffer = vec![0u8; 1 << 20];
        match file.read(&mut buffer).await {
            Ok(0) => None,
            Ok(n) => {
                buffer.truncate(n);
                bar.inc(n as u64);
                Some((Ok(buffer), (file, bar)))
            }
            Err(e) => Some((Err(e), (file, bar))),
        }
    });
    let stored = store
        .save_stream(files, &name, Box::pin(chunks), max_bytes, None)
        .await
        .with_context(|| format!("{}", path.display()))?;
    bar.finish_and_clear();
    Ok(stored)
}
