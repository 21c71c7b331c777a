//! The model service's runner (`/models`): a published GGUF model is served on this machine by
//! the same path the workers use ([`jiebang_worker::hosted`], within its challenge's contract:
//! runtime, threads, memory, template), loaded when first asked, and stopped after a spell
//! without questions. One model runs at a time, so trying models never holds more memory than
//! one contract allows; questions wait their turn.

use std::time::{Duration, Instant};

use jiebang_chat::client::{Client, Endpoint, Settings};
use jiebang_store::{FileStore, PublishedModel, Store};
use jiebang_web::app::service::{ServeModels, Turn};
use jiebang_worker::Hosting;
use jiebang_worker::gguf::Staged;
use jiebang_worker::hosted::{HostRuntime, Hosted};
use serde_json::json;

/// Published models run here, one at a time.
#[derive(Debug)]
pub(crate) struct HostedModels {
    store: Store,
    files: FileStore,
    hosting: Hosting,
    idle: Duration,
    running: tokio::sync::Mutex<Option<Running>>,
}

/// The model now loaded.
#[derive(Debug)]
struct Running {
    submission_id: i64,
    hosted: Hosted,
    client: Client,
    last_asked: Instant,
    /// The staged copy and the template, when the file store is not a local directory.
    _scratch: Option<tempfile::TempDir>,
}

impl HostedModels {
    pub(crate) fn new(store: Store, files: FileStore, hosting: Hosting, idle: Duration) -> Self {
        Self { store, files, hosting, idle, running: tokio::sync::Mutex::new(None) }
    }

    /// Stops the model — only if nobody asked it for the idle time, with `only_idle` (the server
    /// calls this now and then, and without it as it shuts down: the model's process group
    /// would outlive it).
    pub(crate) async fn stop(&self, only_idle: bool) {
        let mut running = self.running.lock().await;
        if running.as_ref().is_some_and(|r| !only_idle || r.last_asked.elapsed() >= self.idle)
            && let Some(stopped) = running.take()
        {
            tracing::info!(submission = stopped.submission_id, "model service: idle model stopped");
            let _ = tokio::task::spawn_blocking(move || stopped.hosted.stop()).await;
        }
    }

    async fn start(&self, model: &PublishedModel) -> Result<Running, String> {
        let platform = |e: &dyn std::fmt::Display| {
            tracing::error!(error = %e, submission = model.submission_id, "model service: the model cannot start");
            "模型暂时无法启动，请稍后再试 / the model cannot start now; try again later".to_owned()
        };
        let contract = self.store.delivery_contract(model.challenge_id).await.map_err(|e| platform(&e))?;
        let (gguf, asking) = (contract.gguf.unwrap_or_default(), contract.endpoint.unwrap_or_default());
        // A contract asking for a reference runtime this machine lacks is tried on the built-in one.
        let runtime = self.hosting.runtime(&gguf).unwrap_or(HostRuntime::BuiltIn);
        let Staged { plan, scratch } = self
            .hosting
            .stage(&self.files, &model.file_key, &gguf, runtime, "published")
            .await
            .map_err(|e| platform(&e))?;
        let hosted = tokio::task::spawn_blocking(move || Hosted::start(&plan))
            .await
            .map_err(|e| platform(&e))?
            .map_err(|e| platform(&e))?;
        let endpoint = Endpoint { base_url: hosted.base_url.clone(), model: "published".into(), api_key: None };
        let settings = Settings {
            stream: false,
            max_tokens: Some(asking.max_tokens),
            temperature: Some(asking.temperature),
            ..Settings::default()
        };
        let client = Client::new(&endpoint, settings).map_err(|e| platform(&e))?;
        tracing::info!(submission = model.submission_id, "model service: model loaded");
        Ok(Running {
            submission_id: model.submission_id,
            hosted,
            client,
            last_asked: Instant::now(),
            _scratch: scratch,
        })
    }
}

impl ServeModels for HostedModels {
    fn answer<'a>(
        &'a self,
        model: &'a PublishedModel,
        turns: &'a [Turn],
    ) -> std::pin::Pin<Box<dyn std::future::Future<Output = Result<String, String>> + Send + 'a>> {
        Box::pin(async move {
            let mut running = self.running.lock().await;
            if running.as_ref().is_some_and(|r| r.submission_id != model.submission_id)
                && let Some(other) = running.take()
            {
                let _ = tokio::task::spawn_blocking(move || other.hosted.stop()).await;
            }
            if running.as_mut().is_some_and(|r| r.hosted.check_alive().is_err()) {
                *running = None;
            }
            let current = match running.as_mut() {
                Some(current) => current,
                None => running.insert(self.start(model).await?),
            };
            current.last_asked = Instant::now();
            let messages = turns.iter().map(|t| json!({"role": t.role, "content": t.content})).collect();
            let asked = current.client.ask(messages).await;
            match asked.exchange.failure {
                None => Ok(asked.exchange.answer),
                Some(failure) => {
                    tracing::warn!(submission = model.submission_id, ?failure, "model service: no answer");
                    Err("模型未能回答，请稍后再试 / the model gave no answer; try again later".into())
                }
            }
        })
    }
}
