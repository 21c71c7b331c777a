//! The `jiebang` command: parses arguments, loads settings, dispatches. Nothing else lives here.

mod bearing;
mod chem;
mod dataset;
mod demo;
mod eval;
mod service;
mod settings;

use std::io::{IsTerminal, Read};
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use anyhow::{Context, bail};
use clap::{Parser, Subcommand, ValueEnum};
use jiebang_core::role::{Grant, Role, Scope};
use jiebang_sheets::SheetError;
use jiebang_store::{FileStore, Store, StoreError};
use settings::Settings;

/// jiebang (揭榜): runs 揭榜挂帅 open-competition programs for industry AI models.
#[derive(Debug, Parser)]
#[command(version, about, long_about = None)]
struct Cli {
    /// TOML settings file (see `jiebang config default`).
    #[arg(long, global = true)]
    config: Option<PathBuf>,
    /// Directory for the SQLite database and uploaded files [default: ./jiebang-data].
    #[arg(long, global = true)]
    data_dir: Option<PathBuf>,
    /// Database URL, postgres://… or sqlite://… [default: SQLite in the data directory].
    #[arg(long, global = true, env = "JIEBANG_DATABASE_URL", hide_env_values = true)]
    database_url: Option<String>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Runs the web server (applies migrations first).
    Serve {
        /// Address to listen on [default: 127.0.0.1:8080]; port 0 picks a free one.
        #[arg(long)]
        bind: Option<String>,
        /// Loads the demo programs and accounts and prints the accounts' passwords.
        #[arg(long)]
        demo: bool,
    },
    /// Runs evaluation workers against a shared database and file store until stopped.
    Worker {
        /// How many workers this process runs.
        #[arg(long, default_value_t = 1)]
        count: usize,
        /// The file store the servers share: `s3://bucket` (S3-compatible, with the `s3` feature),
        /// `file:///path` or a directory [default: the data directory's files].
        #[arg(long)]
        store_url: Option<String>,
    },
    /// Runs one delivered model in this process under the limits of the request read on stdin
    /// (JSON, `jiebang_onnx::sandbox::RunRequest`) and prints the result; the worker starts it.
    #[command(hide = true)]
    ModelRun,
    /// Serves a GGUF model as an OpenAI-compatible chat endpoint on a loopback port with the
    /// built-in runner, confined to that port and the model file; prints one JSON line when
    /// ready. Threads: `RAYON_NUM_THREADS`. The worker starts it for each GGUF evaluation.
    LlmServe {
        /// The GGUF file.
        #[arg(long)]
        model: PathBuf,
        /// The port on 127.0.0.1; 0 picks a free one.
        #[arg(long, default_value_t = 0)]
        port: u16,
        /// The model name the endpoint answers to.
        #[arg(long, default_value = "model")]
        name: String,
        /// A chat template (Jinja) replacing the file's.
        #[arg(long)]
        template: Option<PathBuf>,
        /// The address-space limit, MiB.
        #[arg(long)]
        memory_mb: Option<u64>,
        /// Serve even where the kernel cannot enforce Landlock or seccomp.
        #[arg(long)]
        allow_unconfined: bool,
    },
    /// Runs a program under an address-space limit (the worker starts reference model servers
    /// so).
    #[command(hide = true)]
    RunLimited {
        /// The limit, MiB.
        #[arg(long)]
        memory_mb: u64,
        /// The program and its arguments.
        #[arg(trailing_var_arg = true, required = true)]
        command: Vec<String>,
    },
    /// Checks a signed evaluation report offline.
    Verify {
        /// The document as downloaded (`{"report" | "snapshot" | "checkpoint" | "agreement": …, "signature": …, "public_key": …}`).
        report: PathBuf,
        /// The platform's public key (hex, from /api/v1/keys); without it the key in the file is
        /// trusted, which only shows the report is unchanged since it was signed by that key.
        #[arg(long)]
        public_key: Option<String>,
    },
    /// Applies database migrations.
    Migrate,
    /// Administers accounts.
    Admin {
        #[command(subcommand)]
        command: AdminCommand,
    },
    /// Manages challenges' evaluation datasets.
    Dataset {
        #[command(subcommand)]
        command: dataset::DatasetCommand,
    },
    /// Imports data from files.
    Import {
        #[command(subcommand)]
        command: ImportCommand,
    },
    /// Exports data to files.
    Export {
        #[command(subcommand)]
        command: ExportCommand,
    },
    /// Shows settings.
    Config {
        #[command(subcommand)]
        command: ConfigCommand,
    },
    /// Scores prediction files against ground truth.
    Eval {
        #[command(subcommand)]
        command: eval::EvalCommand,
    },
    /// Checks the tamper-evident audit log.
    Audit {
        #[command(subcommand)]
        command: AuditCommand,
    },
    /// Looks after the file store.
    Files {
        #[command(subcommand)]
        command: FilesCommand,
    },
}

#[derive(Debug, Subcommand)]
enum FilesCommand {
    /// Removes uploads nothing references any more (`serve` does this daily): records no
    /// submission, dataset, application or import uses, and stored bytes without a record.
    Gc {
        /// Keep anything newer than this many hours.
        #[arg(long, default_value_t = 24)]
        grace_hours: u64,
    },
}

#[derive(Debug, Subcommand)]
enum AdminCommand {
    /// Creates a user with one role; the password is read from standard input.
    CreateUser {
        /// Login e-mail.
        #[arg(long)]
        email: String,
        /// Display name.
        #[arg(long)]
        name: String,
        /// Role to grant.
        #[arg(long, value_enum)]
        role: RoleArg,
        /// Program id, for an organizer of one program (omit to let them create programs).
        #[arg(long)]
        program: Option<i64>,
        /// GB/T 2260 region code, for a recommender.
        #[arg(long)]
        region: Option<String>,
        /// Organization id, for an applicant.
        #[arg(long)]
        organization: Option<i64>,
        /// Read the password from standard input (required; keeps it out of the shell history).
        #[arg(long, required = true)]
        password_stdin: bool,
    },
}

#[derive(Debug, Clone, Copy, ValueEnum)]
enum RoleArg {
    Admin,
    Organizer,
    Expert,
    Recommender,
    Applicant,
}

#[derive(Debug, Subcommand)]
enum ImportCommand {
    /// Imports a challenge list (.xlsx or .csv) into a program; all rows or none.
    Challenges {
        /// Program id.
        #[arg(long)]
        program: i64,
        /// The spreadsheet.
        file: PathBuf,
    },
}

#[derive(Debug, Subcommand)]
enum ExportCommand {
    /// Exports a program's challenge list.
    Challenges {
        /// Program id.
        #[arg(long)]
        program: i64,
        /// File format.
        #[arg(long, value_enum, default_value = "xlsx")]
        format: SheetFormat,
        /// Output file [default: program-ID-challenges.FORMAT].
        #[arg(long, short)]
        output: Option<PathBuf>,
    },
}

#[derive(Debug, Clone, Copy, ValueEnum)]
enum SheetFormat {
    Xlsx,
    Csv,
}

#[derive(Debug, Subcommand)]
enum ConfigCommand {
    /// Prints the default settings as TOML.
    Default,
}

#[derive(Debug, Subcommand)]
enum AuditCommand {
    /// Re-computes the audit chain and checks it against every signed checkpoint (those in the
    /// database and any saved copies given): reports the first broken event, a cut-short chain
    /// or a rewritten one.
    Verify {
        /// A saved copy of `/api/v1/audit/checkpoints` or of one checkpoint (repeatable).
        #[arg(long = "checkpoint")]
        checkpoints: Vec<PathBuf>,
        /// The platform's public key (hex) [default: the key in the file store].
        #[arg(long)]
        public_key: Option<String>,
    },
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    if matches!(cli.command, Command::ModelRun) {
        // Before any runtime or thread exists: the child's limits cover all it does.
        return model_run();
    }
    if let Command::LlmServe { model, port, name, template, memory_mb, allow_unconfined } = &cli.command {
        // Likewise: every thread of the server starts after it has locked itself down.
        let options = jiebang_llm::ServeOptions {
            model: model.clone(),
            port: *port,
            name: name.clone(),
            template: template.clone(),
            memory_bytes: memory_mb.map(|mb| mb << 20),
            require_confinement: !allow_unconfined,
        };
        return match jiebang_llm::serve_main(&options) {
            Ok(()) => ExitCode::SUCCESS,
            Err(e) => {
                eprintln!("{e}");
                let platform = matches!(e, jiebang_llm::LlmError::System(_));
                ExitCode::from(if platform { jiebang_gguf::PLATFORM_FAULT_EXIT } else { 2 })
            }
        };
    }
    if let Command::RunLimited { memory_mb, command } = &cli.command {
        return match jiebang_confine::run_limited(memory_mb << 20, command) {
            // The server's own exit code, never read as the platform's.
            Ok(code) if code == i32::from(jiebang_gguf::PLATFORM_FAULT_EXIT) => ExitCode::from(1),
            Ok(code) => ExitCode::from(u8::try_from(code).unwrap_or(1)),
            // It could not be started: the platform's setup.
            Err(e) => {
                eprintln!("{e}");
                ExitCode::from(jiebang_gguf::PLATFORM_FAULT_EXIT)
            }
        };
    }
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| "info,sqlx=warn,tower_http=warn".into()),
        )
        .with_writer(std::io::stderr)
        .init();
    let runtime = match tokio::runtime::Runtime::new() {
        Ok(runtime) => runtime,
        Err(e) => {
            eprintln!("jiebang: {e}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(run(cli)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("jiebang: {e:#}");
            ExitCode::from(2)
        }
    }
}

/// The child side of `jiebang_onnx::sandbox::run_child`: exits with
/// `jiebang_onnx::sandbox::INPUT_FAILURE` when its own input failed, 2 when the model did.
fn model_run() -> ExitCode {
    use std::io::Read;
    let input_failure = |message: String| (jiebang_onnx::sandbox::INPUT_FAILURE as u8, message);
    let mut input = String::new();
    let result = std::io::stdin()
        .read_to_string(&mut input)
        .map_err(|e| input_failure(e.to_string()))
        .and_then(|_| serde_json::from_str(&input).map_err(|e| input_failure(format!("bad request: {e}"))))
        .and_then(|request| {
            // A model can make an engine panic (a failed allocation, say): report it as the
            // model's failure instead of a backtrace.
            std::panic::set_hook(Box::new(|_| {}));
            match std::panic::catch_unwind(|| jiebang_onnx::sandbox::child_main(&request)) {
                Ok(Ok(result)) => Ok(result),
                Ok(Err(jiebang_onnx::OnnxError::Input(message))) => Err(input_failure(message)),
                Ok(Err(error)) => Err((2, error.to_string())),
                Err(panic) => {
                    let what = panic
                        .downcast_ref::<String>()
                        .cloned()
                        .or_else(|| panic.downcast_ref::<&str>().map(|s| (*s).to_owned()))
                        .unwrap_or_default();
                    Err((2, format!("模型运行时引擎崩溃 / the engine crashed running the model: {what}")))
                }
            }
        });
    match result.and_then(|r| serde_json::to_string(&r).map_err(|e| input_failure(e.to_string()))) {
        Ok(json) => {
            println!("{json}");
            ExitCode::SUCCESS
        }
        Err((code, message)) => {
            eprintln!("{message}");
            ExitCode::from(code)
        }
    }
}

async fn run(cli: Cli) -> anyhow::Result<()> {
    let mut settings = Settings::load(cli.config.as_deref())?;
    if let Some(dir) = cli.data_dir {
        settings.data_dir = dir;
    }
    if let Some(url) = cli.database_url {
        settings.database.url = Some(url);
    }
    match cli.command {
        Command::Config { command: ConfigCommand::Default } => {
            print!("{}", Settings::default_toml());
            Ok(())
        }
        Command::ModelRun | Command::LlmServe { .. } | Command::RunLimited { .. } => {
            anyhow::bail!("this command runs before the runtime starts")
        }
        Command::Migrate => {
            let store = connect(&settings).await?;
            let applied = store.migrate().await?;
            println!(
                "{}",
                if applied.is_empty() {
                    "数据库已是最新 / database is up to date".to_owned()
                } else {
                    format!("applied: {}", applied.join(", "))
                }
            );
            Ok(())
        }
        Command::Serve { bind, demo } => serve(settings, bind, demo).await,
        Command::Worker { count, store_url } => {
            if let Some(url) = store_url {
                settings.files.url = Some(url);
            }
            let (store, files) = open(&settings).await?;
            let signer = Arc::new(jiebang_store::signing::Signer::load_or_create(&files).await?);
            let sealer = settings.workers.sealer(&files).await?;
            let (stop, workers) =
                start_workers(&store, &files, &signer, &sealer, count.max(1), &settings.workers, &settings.models)
                    .await?;
            println!("{} worker(s) running; stop with Ctrl-C", count.max(1));
            shutdown_signal().await;
            stop_workers(stop, workers).await;
            store.close().await;
            Ok(())
        }
        Command::Verify { report, public_key } => verify_report(&report, public_key.as_deref()),
        Command::Dataset { command } => {
            let (store, files) = open(&settings).await?;
            dataset::run(&store, &files, command).await
        }
        Command::Admin { command } => admin(settings, command).await,
        Command::Import { command: ImportCommand::Challenges { program, file } } => {
            import_challenges(settings, program, file).await
        }
        Command::Export { command: ExportCommand::Challenges { program, format, output } } => {
            export_challenges(settings, program, format, output).await
        }
        // Scoring files needs no database; the work is CPU-bound, so off the async executor.
        Command::Eval { command } => tokio::task::spawn_blocking(move || eval::run(command)).await?,
        Command::Files { command: FilesCommand::Gc { grace_hours } } => {
            let (store, files) = open(&settings).await?;
            let collected = store.collect_unreferenced(&files, Duration::from_secs(grace_hours * 3600)).await?;
            println!(
                "已清理 {} 条记录、{} 个文件（{} 字节）/ collected {} records and {} stored files ({} bytes)",
                collected.records,
                collected.objects,
                collected.bytes,
                collected.records,
                collected.objects,
                collected.bytes
            );
            Ok(())
        }
        Command::Audit { command: AuditCommand::Verify { checkpoints, public_key } } => {
            let (store, files) = open(&settings).await?;
            let key = match public_key {
                Some(key) => key,
                None => jiebang_store::signing::Signer::load_or_create(&files).await?.public_key_hex(),
            };
            let mut all = store.list_checkpoints(i64::MAX).await?;
            for path in &checkpoints {
                all.extend(read_checkpoints(path)?);
            }
            let n = store.verify_audit_chain_against(&all, &key).await?;
            println!(
                "审计链完整，共 {n} 条，与 {} 个签名检查点一致 / audit chain intact: {n} events, consistent with {} signed checkpoints",
                all.len(),
                all.len()
            );
            Ok(())
        }
    }
}

async fn connect(settings: &Settings) -> anyhow::Result<Store> {
    let url = settings.database_url();
    if url.starts_with("sqlite:") {
        jiebang_store::private_dir(&settings.data_dir)
            .with_context(|| format!("creating {}", settings.data_dir.display()))?;
    }
    Store::connect(&url).await.with_context(|| format!("连接数据库 / connecting to {}", jiebang_store::redact(&url)))
}

/// Connects and migrates: every command that uses data works on a current schema.
async fn open(settings: &Settings) -> anyhow::Result<(Store, FileStore)> {
    let store = connect(settings).await?;
    store.migrate().await?;
    let files = FileStore::open(&settings.files_url())?;
    Ok((store, files))
}

async fn serve(mut settings: Settings, bind: Option<String>, demo: bool) -> anyhow::Result<()> {
    if let Some(bind) = bind {
        settings.server.bind = bind;
    }
    // The demo's baseline endpoint is served by this very server, on loopback.
    settings.workers.private_endpoints |= demo;
    let (store, files) = open(&settings).await?;
    let calendar = settings.calendar.load()?;
    warn_when_the_calendar_runs_out(&calendar, jiebang_store::today());
    let models = settings.models.runner()?;
    // Bound first, so the demo knows the address its own baseline endpoint is served at.
    let listener = tokio::net::TcpListener::bind(&settings.server.bind)
        .await
        .with_context(|| format!("无法监听 / cannot listen on {}", settings.server.bind))?;
    let address = listener.local_addr()?;
    let accounts = if demo {
        let measuring = if models.ort_library.is_some() {
            jiebang_core::delivery::MeasuringEngine::OnnxRuntime
        } else {
            jiebang_core::delivery::MeasuringEngine::Tract
        };
        let local = if address.ip().is_unspecified() {
            std::net::SocketAddr::from(([127, 0, 0, 1], address.port()))
        } else {
            address
        };
        demo::load(&store, &files, &calendar, measuring, &format!("http://{local}/demo/llm/v1")).await?
    } else {
        Vec::new()
    };
    let config = jiebang_web::WebConfig {
        secure_cookies: settings.server.secure_cookies(),
        client_address_header: settings.server.client_address_header.clone(),
        session_seconds: settings.server.session_hours * 3600,
        max_upload_bytes: settings.server.max_upload_mb << 20,
        max_data_bytes: settings.server.max_data_mb << 20,
        daily_upload_bytes: settings.server.daily_upload_mb << 20,
        sends_mail: settings.mail.smtp_url.as_deref().is_some_and(|u| !u.is_empty()),
        demo_baseline: demo
            .then(|| {
                chem::ChemBank::load()
                    .map(|bank| Arc::new(jiebang_web::baseline::RetrievalBaseline::new(bank.dev_pairs())))
            })
            .transpose()?,
        model_service: None,
    };
    // Published models are tried on this machine, one at a time, stopped when idle.
    let models = Arc::new(service::HostedModels::new(
        store.clone(),
        files.clone(),
        settings.models.hosting()?,
        Duration::from_secs(settings.models.service_idle_seconds.max(1)),
    ));
    let config = jiebang_web::WebConfig {
        model_service: Some(Arc::new(jiebang_web::app::service::ModelService::new(models.clone()))),
        ..config
    };
    let reaper = {
        let models = models.clone();
        let every = Duration::from_secs(settings.models.service_idle_seconds / 2)
            .clamp(Duration::from_secs(1), Duration::from_secs(30));
        tokio::spawn(async move {
            loop {
                tokio::time::sleep(every).await;
                models.stop(true).await;
            }
        })
    };
    let signer = Arc::new(jiebang_store::signing::Signer::load_or_create(&files).await?);
    let sealer = settings.workers.sealer(&files).await?;
    let (stop, workers) =
        start_workers(&store, &files, &signer, &sealer, settings.workers.embedded, &settings.workers, &settings.models)
            .await?;
    let housekeeping = start_housekeeping(&store, &files, &signer);
    let state = jiebang_web::AppState {
        store: store.clone(),
        files,
        config: Arc::new(config),
        signer,
        sealer,
        calendar: Arc::new(calendar),
        clock: jiebang_web::Clock::default(),
        cache: Arc::new(jiebang_web::cache::PublicCache::new(jiebang_web::cache::CacheSettings {
            recheck: std::time::Duration::from_millis(settings.server.cache_recheck_ms),
            max_bytes: settings.server.cache_mb << 20,
            ..Default::default()
        })),
        search: Arc::new(jiebang_web::app::search::Search::new()?),
    };
    // The search index is built now rather than by the first search; a search before it is
    // done waits for it.
    tokio::spawn({
        let state = state.clone();
        async move {
            let started = std::time::Instant::now();
            match state.search.rebuild(&state).await {
                Ok(entries) => {
                    tracing::info!(entries, elapsed_ms = started.elapsed().as_millis() as u64, "search index built")
                }
                Err(error) => tracing::warn!(%error, "search index not built; the first search builds it"),
            }
        }
    });
    println!("jiebang {} listening on http://{address}", env!("CARGO_PKG_VERSION"));
    if demo {
        println!("演示数据已加载（示例数据）/ demo data loaded. Demo accounts (passwords are new at every start):");
        for account in &accounts {
            println!("  {:<22} {:<30} {}", account.role, account.email, account.password);
        }
    }
    tracing::info!(database = %jiebang_store::redact(&settings.database_url()), "serving");
    let mailer = start_mailer(&store, &settings.mail)?;
    jiebang_web::serve(listener, state, shutdown_signal()).await?;
    if let Some(mailer) = mailer {
        mailer.abort();
    }
    housekeeping.abort();
    reaper.abort();
    models.stop(false).await;
    stop_workers(stop, workers).await;
    store.close().await;
    Ok(())
}

/// Says at start when 公示 periods this year — or, from November, next year — would count
/// provisional or missing holidays, so the operator replaces the calendar file once the State
/// Council's notice (usually early November) is out.
fn warn_when_the_calendar_runs_out(calendar: &jiebang_core::calendar::WorkCalendar, today: jiebang_core::program::Day) {
    let horizon = today.0.year() + i32::from(u8::from(today.0.month()) >= 11);
    if calendar.last_confirmed_year().is_none_or(|year| year < horizon) {
        tracing::warn!(
            confirmed_until = ?calendar.last_confirmed_year(),
            covered_until = calendar.years().1,
            "工作日历缺少 {horizon} 年的正式节假日安排，请在国务院通知发布后更新 [calendar] file / the working-day calendar lacks the official {horizon} arrangement; point [calendar] file at an updated calendar once the notice is out"
        );
    }
}

/// How many of the search feed's newest positions housekeeping keeps.
const SEARCH_FEED_KEPT: i64 = 100_000;

/// Signs a checkpoint of the audit chain when the newest one is a day old (or there is none) and
/// sends the projects' reminders due today (each once), and trims the search feed:
/// checked every ten minutes, so each of several `serve` processes may add one. Once a day,
/// starting ten minutes after start-up (not on the start-up path), it also collects the uploads
/// nothing references (a day's grace).
fn start_housekeeping(
    store: &Store,
    files: &FileStore,
    signer: &Arc<jiebang_store::signing::Signer>,
) -> tokio::task::JoinHandle<()> {
    let (store, files, signer) = (store.clone(), files.clone(), signer.clone());
    tokio::spawn(async move {
        for round in 0u64.. {
            if let Err(error) = store.record_daily_checkpoint(&signer).await {
                tracing::warn!(%error, "could not sign the daily audit checkpoint");
            }
            match store.send_project_reminders(jiebang_store::today()).await {
                Ok(0) => {}
                Ok(sent) => tracing::info!(sent, "sent project reminders"),
                Err(error) => tracing::warn!(%error, "could not send project reminders"),
            }
            // Every server reads the feed before each search; one that falls further behind
            // than this rebuilds its index instead.
            match store.prune_search_feed(SEARCH_FEED_KEPT).await {
                Ok(0) => {}
                Ok(gone) => tracing::info!(gone, "trimmed the search feed"),
                Err(error) => tracing::warn!(%error, "could not trim the search feed"),
            }
            if round % 144 == 1 {
                match store.collect_unreferenced(&files, Duration::from_secs(86_400)).await {
                    Ok(c) if c.records + c.objects > 0 => {
                        tracing::info!(
                            records = c.records,
                            objects = c.objects,
                            bytes = c.bytes,
                            "collected unreferenced uploads"
                        )
                    }
                    Ok(_) => {}
                    Err(error) => tracing::warn!(%error, "could not collect unreferenced uploads"),
                }
            }
            tokio::time::sleep(Duration::from_secs(600)).await;
        }
    })
}

/// Delivers the notification outbox every few seconds when SMTP is configured.
fn start_mailer(
    store: &Store,
    settings: &settings::MailSettings,
) -> anyhow::Result<Option<tokio::task::JoinHandle<()>>> {
    let Some(url) = settings.smtp_url.as_deref().filter(|u| !u.is_empty()) else { return Ok(None) };
    let mailer = jiebang_worker::Mailer::new(url, &settings.from, &settings.site_url)?;
    let (store, interval) = (store.clone(), std::time::Duration::from_secs(settings.interval_seconds.max(1)));
    tracing::info!(smtp = %jiebang_store::redact(url), "mailer started");
    Ok(Some(tokio::spawn(async move {
        loop {
            if let Err(error) = mailer.deliver(&store, 50).await {
                tracing::warn!(%error, "mail delivery failed");
            }
            tokio::time::sleep(interval).await;
        }
    })))
}

/// Starts `count` workers on the queue; they stop when the returned sender says so.
async fn start_workers(
    store: &Store,
    files: &FileStore,
    signer: &Arc<jiebang_store::signing::Signer>,
    sealer: &Arc<jiebang_worker::Sealer>,
    count: usize,
    settings: &settings::WorkerSettings,
    models: &settings::ModelSettings,
) -> anyhow::Result<(tokio::sync::watch::Sender<bool>, Vec<tokio::task::JoinHandle<()>>)> {
    let (runner, hosting) = (models.runner()?, models.hosting()?);
    let (stop, stopped) = tokio::sync::watch::channel(false);
    let mut handles = Vec::with_capacity(count);
    // One memory budget for the process's scoring, whatever the number of workers.
    let budget = jiebang_worker::MemoryBudget::new(settings.scoring_memory_mb);
    for n in 0..count {
        let pace = settings.pace();
        let worker =
            jiebang_worker::Worker::start(store.clone(), files.clone(), signer.clone(), &n.to_string(), pace).await?;
        let worker = worker.with_memory_budget(budget.clone()).allow_private_endpoints(settings.private_endpoints);
        // With two or more, the first scores prediction files only, so slow models and long
        // endpoint runs never hold every worker while files wait.
        let worker = if n == 0 && count > 1 {
            worker
        } else {
            worker.with_models(runner.clone()).with_sealer(sealer.clone()).with_hosting(hosting.clone())
        };
        tracing::info!(worker = worker.id(), "worker started");
        handles.push(tokio::spawn(worker.run(stopped.clone())));
    }
    Ok((stop, handles))
}

/// Asks the workers to stop and waits for the jobs they hold to finish.
async fn stop_workers(stop: tokio::sync::watch::Sender<bool>, workers: Vec<tokio::task::JoinHandle<()>>) {
    let _ = stop.send(true);
    for worker in workers {
        let _ = worker.await;
    }
}

/// Checks a downloaded document's signature (a report from `/submissions/{id}/report`, a
/// snapshot from `/applications/{id}/snapshot?signed=true`, a checkpoint from
/// `/api/v1/audit/checkpoints`): an error (exit 2) when it does not verify.
fn verify_report(path: &std::path::Path, public_key: Option<&str>) -> anyhow::Result<()> {
    let text = std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
    let signed: serde_json::Value =
        serde_json::from_str(&text).with_context(|| format!("{}: 不是 JSON / not JSON", path.display()))?;
    let field =
        |name: &str| signed.get(name).with_context(|| format!("{}: 缺少「{name}」/ no '{name}' field", path.display()));
    let document = ["report", "snapshot", "checkpoint", "agreement"]
        .into_iter()
        .find_map(|name| signed.get(name))
        .with_context(|| {
            format!("{}: 缺少「report」/ no 'report', 'snapshot', 'checkpoint' or 'agreement' field", path.display())
        })?;
    let signature = field("signature")?.as_str().unwrap_or_default();
    let key = match public_key {
        Some(key) => key.to_owned(),
        None => field("public_key")?.as_str().unwrap_or_default().to_owned(),
    };
    if !jiebang_store::signing::verify_document(&key, document, signature) {
        bail!(
            "{}: 签名无效，文件被改动或不是由该密钥签发 / the signature does not match: the document was changed or not signed by this key",
            path.display()
        );
    }
    println!("签名有效 / signature valid (key {key})");
    Ok(())
}

/// Checkpoints saved from `/api/v1/audit/checkpoints` (a list) or one of them.
fn read_checkpoints(path: &std::path::Path) -> anyhow::Result<Vec<jiebang_store::Checkpoint>> {
    let text = std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
    let value: serde_json::Value =
        serde_json::from_str(&text).with_context(|| format!("{}: 不是 JSON / not JSON", path.display()))?;
    let items = match value {
        serde_json::Value::Array(items) => items,
        one => vec![one],
    };
    items
        .into_iter()
        .map(|item| {
            let signature = item["signature"].as_str().map(str::to_owned);
            match (item.get("checkpoint"), signature) {
                (Some(checkpoint), Some(signature)) => Ok(jiebang_store::Checkpoint {
                    id: item["id"].as_i64().unwrap_or_default(),
                    checkpoint: checkpoint.clone(),
                    signature,
                }),
                _ => bail!("{}: 不是检查点 / not a checkpoint (no 'checkpoint' or 'signature')", path.display()),
            }
        })
        .collect()
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        if let Ok(mut signal) = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            signal.recv().await;
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! { () = ctrl_c => {}, () = terminate => {} }
}

async fn admin(settings: Settings, command: AdminCommand) -> anyhow::Result<()> {
    let AdminCommand::CreateUser { email, name, role, program, region, organization, password_stdin: _ } = command;
    let scope = match (role, program, region, organization) {
        (RoleArg::Organizer, Some(id), None, None) => Scope::Program(id),
        (RoleArg::Recommender, None, Some(code), None) => Scope::Region(code),
        (RoleArg::Applicant, None, None, Some(id)) => Scope::Organization(id),
        (RoleArg::Admin | RoleArg::Organizer | RoleArg::Expert, None, None, None) => Scope::Global,
        (RoleArg::Recommender, ..) => bail!("--role recommender needs --region CODE (and nothing else)"),
        (RoleArg::Applicant, ..) => bail!("--role applicant needs --organization ID (and nothing else)"),
        _ => bail!("--program is only for organizers; --region for recommenders; --organization for applicants"),
    };
    let role = match role {
        RoleArg::Admin => Role::Admin,
        RoleArg::Organizer => Role::Organizer,
        RoleArg::Expert => Role::Expert,
        RoleArg::Recommender => Role::Recommender,
        RoleArg::Applicant => Role::Applicant,
    };
    let mut password = String::new();
    std::io::stdin().read_to_string(&mut password).context("reading the password from standard input")?;
    let password = password.trim_end_matches(['\r', '\n']);
    let (store, _) = open(&settings).await?;
    match &scope {
        Scope::Program(id) => drop(store.get_program(*id).await?),
        Scope::Organization(id) => drop(store.get_organization(*id).await?),
        Scope::Global | Scope::Region(_) => {}
    }
    let user = store.create_user(&email, &name, password).await?;
    store.add_grant(user.id, &Grant { role, scope }).await?;
    println!("created user {} <{}> with role {}", user.id, user.email, role.as_str());
    Ok(())
}

async fn import_challenges(settings: Settings, program: i64, file: PathBuf) -> anyhow::Result<()> {
    let bytes = std::fs::read(&file).with_context(|| format!("reading {}", file.display()))?;
    let name = file.file_name().map_or_else(|| file.display().to_string(), |n| n.to_string_lossy().into_owned());
    let (store, files) = open(&settings).await?;
    let spinner = indicatif::ProgressBar::new_spinner();
    if std::io::stderr().is_terminal() {
        spinner.enable_steady_tick(Duration::from_millis(100));
    }
    spinner.set_message(format!("importing {name} ({} KiB)…", bytes.len() / 1024));
    let result = store.import_sheet(&files, program, &name, bytes, None).await;
    spinner.finish_and_clear();
    match result {
        Ok(records) => {
            println!("imported {} challenges into program {program}", records.len());
            Ok(())
        }
        Err(StoreError::Sheet(SheetError::Rows { errors, .. })) => {
            for error in &errors {
                match &error.column {
                    Some(column) => eprintln!("  row {}, {column}: {}", error.row, error.message),
                    None => eprintln!("  row {}: {}", error.row, error.message),
                }
            }
            bail!("{name}: {} problem(s); nothing imported", errors.len())
        }
        Err(StoreError::Domain(jiebang_core::Error::Invalid(errors))) => {
            for error in &errors {
                eprintln!("  {}: {}", error.field, error.message);
            }
            bail!("{name}: {} problem(s); nothing imported", errors.len())
        }
        Err(error) => bail!(error),
    }
}

async fn export_challenges(
    settings: Settings,
    program: i64,
    format: SheetFormat,
    output: Option<PathBuf>,
) -> anyhow::Result<()> {
    let (store, _) = open(&settings).await?;
    let found = store.get_program(program).await?;
    let challenges: Vec<_> = store.all_challenges(program).await?.into_iter().map(|r| r.challenge).collect();
    let (bytes, extension) = match format {
        SheetFormat::Xlsx => (jiebang_sheets::write_xlsx(&found.title, &challenges)?, "xlsx"),
        SheetFormat::Csv => (jiebang_sheets::write_csv(&challenges)?, "csv"),
    };
    let output = output.unwrap_or_else(|| PathBuf::from(format!("program-{program}-challenges.{extension}")));
    std::fs::write(&output, bytes).with_context(|| format!("writing {}", output.display()))?;
    println!("wrote {} challenges to {}", challenges.len(), output.display());
    Ok(())
}

#[cfg(test)]
mod tests {
    use clap::CommandFactory;

    #[test]
    fn the_command_line_is_well_formed() {
        super::Cli::command().debug_assert();
    }
}
