//! Typed settings: defaults, then an optional TOML file (`--config`), then `JIEBANG__SECTION__KEY`
//! environment variables, then command-line flags. Secrets are redacted when printed or logged.

use std::path::{Path, PathBuf};
use std::time::Duration;

use anyhow::Context;
use figment::Figment;
use figment::providers::{Env, Format, Serialized, Toml};
use serde::{Deserialize, Serialize};

/// Everything the program can be configured with.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default)]
pub(crate) struct Settings {
    /// Where the SQLite database and uploaded files live by default.
    pub(crate) data_dir: PathBuf,
    /// The database.
    pub(crate) database: DatabaseSettings,
    /// The file store.
    pub(crate) files: FileSettings,
    /// The HTTP server.
    pub(crate) server: ServerSettings,
    /// Evaluation workers.
    pub(crate) workers: WorkerSettings,
    /// The working-day calendar.
    pub(crate) calendar: CalendarSettings,
    /// E-mail copies of notifications.
    pub(crate) mail: MailSettings,
    /// Running and timing delivered models.
    pub(crate) models: ModelSettings,
}

/// Running and timing delivered models.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default)]
pub(crate) struct ModelSettings {
    /// ONNX Runtime's shared library (the `libonnxruntime.so.*` in the PyPI `onnxruntime`
    /// wheel's `capi` folder); unset: `ORT_DYLIB_PATH`. Without either, only challenges whose
    /// contract measures with tract can run models here.
    pub(crate) ort_library: Option<PathBuf>,
    /// Untimed calls before latency is measured.
    pub(crate) warmup: usize,
    /// Timed single-row queries, at least.
    pub(crate) latency_queries: usize,
    /// And at least this long (also per batch size for throughput), milliseconds.
    pub(crate) min_duration_ms: u64,
    /// Refuse to run a model where the kernel cannot confine its process with Landlock (Linux
    /// 5.13 or later with Landlock on); `false` runs it with the resource limits only.
    pub(crate) require_confinement: bool,
    /// The reference runtime for delivered GGUF models whose contract asks for one: an
    /// OpenAI-compatible server's command with `{model}`, `{port}` and `{threads}`, e.g.
    /// `llama-server -m {model} --port {port} -t {threads}`; unset: only the built-in runner.
    pub(crate) llm_reference_command: Option<String>,
    /// Its name and version, as reports name it (e.g. `llama.cpp b6000`).
    pub(crate) llm_reference_name: String,
    /// Seconds a published model stays loaded for the model service without a question.
    pub(crate) service_idle_seconds: u64,
}

impl Default for ModelSettings {
    fn default() -> Self {
        Self {
            ort_library: None,
            warmup: 50,
            latency_queries: 1000,
            min_duration_ms: 500,
            require_confinement: true,
            llm_reference_command: None,
            llm_reference_name: "reference runtime".into(),
            service_idle_seconds: 600,
        }
    }
}

impl ModelSettings {
    /// The runner: this program as the child (`jiebang model-run`).
    pub(crate) fn runner(&self) -> anyhow::Result<jiebang_worker::ModelRunner> {
        let program = std::env::current_exe().context("the path of this program")?;
        let ort_library = self
            .ort_library
            .clone()
            .or_else(|| std::env::var_os("ORT_DYLIB_PATH").map(PathBuf::from))
            .filter(|p| !p.as_os_str().is_empty())
            // ONNX Runtime resolves a relative path against the program's folder, not ours.
            .map(|p| std::path::absolute(&p).unwrap_or(p));
        Ok(jiebang_worker::ModelRunner {
            program,
            args: vec!["model-run".into()],
            ort_library,
            timing: jiebang_onnx::measure::Timing {
                warmup: self.warmup,
                queries: self.latency_queries.max(1),
                min_duration: Duration::from_millis(self.min_duration_ms),
            },
            require_confinement: self.require_confinement,
        })
    }

    /// How delivered GGUF models are served: this program's `llm-serve`, or the configured
    /// reference runtime.
    pub(crate) fn hosting(&self) -> anyhow::Result<jiebang_worker::Hosting> {
        Ok(jiebang_worker::Hosting {
            program: std::env::current_exe().context("the path of this program")?,
            reference: self
                .llm_reference_command
                .clone()
                .filter(|c| !c.trim().is_empty())
                .map(|c| (c, self.llm_reference_name.clone())),
            require_confinement: self.require_confinement,
        })
    }
}

/// E-mail copies of notifications; off until `smtp_url` is set.
#[derive(Clone, Serialize, Deserialize)]
#[serde(default)]
pub(crate) struct MailSettings {
    /// `smtp://[user:pass@]host[:port]`, `smtp://…?tls=required` (STARTTLS) or `smtps://…`.
    pub(crate) smtp_url: Option<String>,
    /// The sender.
    pub(crate) from: String,
    /// The site's public address, for links in the mails.
    pub(crate) site_url: String,
    /// Seconds between deliveries of the outbox.
    pub(crate) interval_seconds: u64,
}

impl Default for MailSettings {
    fn default() -> Self {
        Self {
            smtp_url: None,
            from: "揭榜平台 <noreply@localhost>".into(),
            site_url: "http://127.0.0.1:8080".into(),
            interval_seconds: 10,
        }
    }
}

impl std::fmt::Debug for MailSettings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MailSettings")
            .field("smtp_url", &self.smtp_url.as_deref().map(jiebang_store::redact))
            .field("from", &self.from)
            .field("site_url", &self.site_url)
            .field("interval_seconds", &self.interval_seconds)
            .finish()
    }
}

/// The working-day calendar for 公示 periods.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(default)]
pub(crate) struct CalendarSettings {
    /// A calendar file that replaces the shipped one (same format as
    /// `crates/jiebang-core/data/calendar-cn.txt`), e.g. when next year's holidays are published.
    pub(crate) file: Option<PathBuf>,
}

impl CalendarSettings {
    /// The configured calendar, or the shipped one.
    pub(crate) fn load(&self) -> anyhow::Result<jiebang_core::calendar::WorkCalendar> {
        match &self.file {
            None => Ok(jiebang_core::calendar::WorkCalendar::shipped()),
            Some(path) => {
                let text = std::fs::read_to_string(path)
                    .with_context(|| format!("读取日历文件 / reading the calendar file {}", path.display()))?;
                jiebang_core::calendar::WorkCalendar::parse(&text).with_context(|| format!("{}", path.display()))
            }
        }
    }
}

/// Evaluation workers.
#[derive(Clone, Serialize, Deserialize)]
#[serde(default)]
pub(crate) struct WorkerSettings {
    /// Workers `serve` runs in its own process (0 when standalone `jiebang worker`s do the work).
    pub(crate) embedded: usize,
    /// Seconds a claimed job is held before another worker may take it back.
    pub(crate) lease_seconds: u64,
    /// Memory the process's scoring may use at once, MiB: a job reserves an estimate (three times
    /// its two files) before it starts, and waits while others hold the budget; a job larger
    /// than the whole budget runs alone.
    pub(crate) scoring_memory_mb: u32,
    /// Whether teams' model endpoints may be on loopback or private networks (a closed test
    /// network; `serve --demo` allows them for its own baseline). Off: such an endpoint makes
    /// the submission invalid, so no question is sent to the platform's own services.
    pub(crate) private_endpoints: bool,
    /// The key that seals teams' endpoint API keys, 64 hex digits; unset: a key created once
    /// in the file store's private `keys/`. Setting it keeps the key apart from the data.
    pub(crate) secrets_key: Option<String>,
}

impl Default for WorkerSettings {
    fn default() -> Self {
        Self { embedded: 2, lease_seconds: 60, scoring_memory_mb: 2048, private_endpoints: false, secrets_key: None }
    }
}

impl WorkerSettings {
    /// The sealer of endpoint keys, from `secrets_key` or the file store.
    pub(crate) async fn sealer(
        &self,
        files: &jiebang_store::FileStore,
    ) -> anyhow::Result<std::sync::Arc<jiebang_worker::Sealer>> {
        Ok(std::sync::Arc::new(jiebang_worker::Sealer::load_or_create(files, self.secrets_key.as_deref()).await?))
    }
}

impl WorkerSettings {
    /// The pace every worker keeps: heartbeats six times per lease.
    pub(crate) fn pace(&self) -> jiebang_worker::Pace {
        let lease = Duration::from_secs(self.lease_seconds.max(3));
        jiebang_worker::Pace { lease, heartbeat: lease / 6, idle: Duration::from_millis(500) }
    }
}

/// The database.
#[derive(Clone, Default, Serialize, Deserialize)]
#[serde(default)]
pub(crate) struct DatabaseSettings {
    /// `postgres://…` or `sqlite://…`; unset means `<data_dir>/jiebang.db`.
    pub(crate) url: Option<String>,
}

impl std::fmt::Debug for WorkerSettings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WorkerSettings")
            .field("embedded", &self.embedded)
            .field("lease_seconds", &self.lease_seconds)
            .field("scoring_memory_mb", &self.scoring_memory_mb)
            .field("private_endpoints", &self.private_endpoints)
            .field("secrets_key", &self.secrets_key.as_ref().map(|_| "<redacted>"))
            .finish()
    }
}

impl std::fmt::Debug for DatabaseSettings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DatabaseSettings").field("url", &self.url.as_deref().map(jiebang_store::redact)).finish()
    }
}

/// The file store.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(default)]
pub(crate) struct FileSettings {
    /// Directory for uploaded files; unset means `<data_dir>/files`.
    pub(crate) dir: Option<PathBuf>,
    /// A file store URL that wins over `dir`: `s3://bucket[/prefix]` (with the `s3` feature;
    /// credentials and endpoint from the `AWS_*` environment variables) or `file:///path`.
    pub(crate) url: Option<String>,
}

/// The HTTP server.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default)]
pub(crate) struct ServerSettings {
    /// Address to listen on.
    pub(crate) bind: String,
    /// Mark cookies `Secure`. Unset: yes, unless `bind` is a loopback address — a server
    /// reachable from elsewhere is expected behind HTTPS; set `false` to serve plain HTTP on a
    /// network.
    pub(crate) secure_cookies: Option<bool>,
    /// The header a reverse proxy puts the client's address in (`X-Forwarded-For`, `X-Real-IP`);
    /// its last entry counts failed sign-ins per client. Unset: the connection's address. Set
    /// it only behind a proxy that writes the header, or clients can choose their address.
    pub(crate) client_address_header: Option<String>,
    /// Session lifetime in hours.
    pub(crate) session_hours: i64,
    /// Largest upload of a spreadsheet or form in MiB.
    pub(crate) max_upload_mb: usize,
    /// Largest data file (dataset file, prediction file, delivered model) in MiB; streamed to
    /// the file store. A quantized 7B model is about 5 GB; a challenge's contract sets its own
    /// limit within this one.
    pub(crate) max_data_mb: u64,
    /// MiB one user may upload per day (UTC); beyond, uploads answer 429.
    pub(crate) daily_upload_mb: u64,
    /// Milliseconds a process serves public pages from memory before asking the database whether
    /// published content changed: another process's change shows within this (its own at once).
    pub(crate) cache_recheck_ms: u64,
    /// MiB of rendered public pages kept in memory.
    pub(crate) cache_mb: usize,
}

impl Default for Settings {
    fn default() -> Self {
        Self {
            data_dir: PathBuf::from("./jiebang-data"),
            database: DatabaseSettings::default(),
            files: FileSettings::default(),
            server: ServerSettings::default(),
            workers: WorkerSettings::default(),
            calendar: CalendarSettings::default(),
            mail: MailSettings::default(),
            models: ModelSettings::default(),
        }
    }
}

impl Default for ServerSettings {
    fn default() -> Self {
        Self {
            bind: "127.0.0.1:8080".into(),
            secure_cookies: None,
            client_address_header: None,
            session_hours: 12,
            max_upload_mb: 10,
            max_data_mb: 16 << 10,
            daily_upload_mb: 32 << 10,
            cache_recheck_ms: 250,
            cache_mb: 64,
        }
    }
}

impl ServerSettings {
    /// Whether cookies are marked `Secure` (see `secure_cookies`).
    pub(crate) fn secure_cookies(&self) -> bool {
        self.secure_cookies.unwrap_or_else(|| {
            let host = self.bind.rsplit_once(':').map_or(self.bind.as_str(), |(host, _)| host);
            let host = host.trim_start_matches('[').trim_end_matches(']');
            !(host == "localhost" || host.parse::<std::net::IpAddr>().is_ok_and(|ip| ip.is_loopback()))
        })
    }
}

impl Settings {
    /// Loads defaults, the file (if given; it must exist) and the environment.
    pub(crate) fn load(config: Option<&Path>) -> anyhow::Result<Self> {
        let mut figment = Figment::from(Serialized::defaults(Settings::default()));
        if let Some(path) = config {
            anyhow::ensure!(path.is_file(), "配置文件不存在 / config file not found: {}", path.display());
            figment = figment.merge(Toml::file(path));
        }
        figment = figment.merge(Env::prefixed("JIEBANG__").split("__"));
        figment.extract().context("设置有误 / invalid settings")
    }

    /// The database URL in force.
    pub(crate) fn database_url(&self) -> String {
        match &self.database.url {
            Some(url) if !url.is_empty() => url.clone(),
            _ => jiebang_store::sqlite_url(
                &std::path::absolute(self.data_dir.join("jiebang.db")).unwrap_or(self.data_dir.join("jiebang.db")),
            ),
        }
    }

    /// The file store directory in force (when no URL is set).
    pub(crate) fn files_dir(&self) -> PathBuf {
        self.files.dir.clone().unwrap_or_else(|| self.data_dir.join("files"))
    }

    /// The file store in force: the URL if set, else the directory.
    pub(crate) fn files_url(&self) -> String {
        match &self.files.url {
            Some(url) if !url.is_empty() => url.clone(),
            _ => self.files_dir().display().to_string(),
        }
    }

    /// The defaults as a commented TOML file.
    pub(crate) fn default_toml() -> String {
        let body = toml::to_string_pretty(&Settings::default()).unwrap_or_default();
        format!(
            "# jiebang settings. Every key can also be set as JIEBANG__SECTION__KEY, e.g.\n\
             # JIEBANG__DATABASE__URL=postgres://user:password@host/db or JIEBANG__SERVER__BIND=0.0.0.0:8080.\n\
             # [database] url: unset means SQLite at <data_dir>/jiebang.db.\n\
             # [files] dir: unset means <data_dir>/files.\n\n{body}"
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_printed_defaults_parse_back_to_the_defaults() {
        let parsed: Settings = toml::from_str(&Settings::default_toml()).unwrap();
        assert_eq!(parsed.server.bind, "127.0.0.1:8080");
        assert_eq!(parsed.data_dir, PathBuf::from("./jiebang-data"));
    }

    #[test]
    fn a_database_password_never_shows_in_debug_output() {
        let settings = DatabaseSettings { url: Some("postgres://app:hunter22@db/jiebang".into()) };
        let printed = format!("{settings:?}");
        assert!(!printed.contains("hunter22") && printed.contains("***"), "{printed}");
    }

    #[test]
    fn without_a_url_the_database_is_sqlite_in_the_data_dir() {
        let settings = Settings { data_dir: PathBuf::from("/srv/jb"), ..Settings::default() };
        assert_eq!(settings.database_url(), "sqlite:///srv/jb/jiebang.db?mode=rwc");
        assert_eq!(settings.files_dir(), PathBuf::from("/srv/jb/files"));
    }
}
