//! HTTP for jiebang: the JSON API under `/api/v1` (with its OpenAPI document and Swagger UI),
//! the server-rendered pages, both over one application layer ([`app`]), sessions and API
//! tokens, CSRF protection, public pages served from memory ([`cache`]), and the one mapping
//! from errors to HTTP responses.
//!
//! Invariant: this is the only crate that knows HTTP. Handlers are thin: extract, call [`app`]
//! (which asks [`app::access`] who may see or manage what, then the store), respond. Every
//! handler checks who is asking through [`auth::Viewer`].

pub mod api;
pub mod app;
pub mod auth;
pub mod baseline;
pub mod cache;
pub mod error;
pub(crate) mod http;
pub mod i18n;
mod pages;

use std::sync::Arc;

use axum::Router;
use axum::extract::{DefaultBodyLimit, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use jiebang_store::{Backend, FileStore, Store};
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::compression::CompressionLayer;
use tower_http::compression::predicate::{DefaultPredicate, NotForContentType, Predicate};
use tower_http::csrf::CsrfLayer;
use tower_http::set_header::SetResponseHeaderLayer;
use tower_http::trace::TraceLayer;
use utoipa::OpenApi;
use utoipa_swagger_ui::SwaggerUi;

use crate::error::ApiError;

/// Web settings.
#[derive(Debug, Clone)]
pub struct WebConfig {
    /// Mark cookies `Secure` (behind HTTPS).
    pub secure_cookies: bool,
    /// The request header that carries the client's address behind a reverse proxy (its last
    /// entry); `None`: the connection's address.
    pub client_address_header: Option<String>,
    /// Session lifetime.
    pub session_seconds: i64,
    /// Largest accepted upload of a spreadsheet or form.
    pub max_upload_bytes: usize,
    /// Largest accepted data file (a dataset file or a prediction file), streamed to the file
    /// store rather than held in memory.
    pub max_data_bytes: u64,
    /// Bytes one user may upload per day (UTC); beyond, uploads answer 429.
    pub daily_upload_bytes: u64,
    /// The platform sends mail (SMTP is configured): account links go to their owners. Without
    /// it, a link is written to the log and shown to the admin who asks for it again.
    pub sends_mail: bool,
    /// The demo's retrieval baseline, served at `/demo/llm/v1/chat/completions` (`serve --demo`
    /// only; otherwise that path is 404).
    pub demo_baseline: Option<Arc<baseline::RetrievalBaseline>>,
    /// Runs published models for people to try (`/models`); `None`: the pages say the service
    /// is not running here.
    pub model_service: Option<Arc<app::service::ModelService>>,
}

impl WebConfig {
    /// The request body limit of the routes that take data files: the file and room for fields.
    pub(crate) fn data_body_limit(&self) -> usize {
        usize::try_from(self.max_data_bytes).unwrap_or(usize::MAX).saturating_add(1 << 20)
    }
}

impl Default for WebConfig {
    fn default() -> Self {
        Self {
            secure_cookies: false,
            client_address_header: None,
            session_seconds: 12 * 3600,
            max_upload_bytes: 10 << 20,
            max_data_bytes: 4 << 30,
            daily_upload_bytes: 32 << 30,
            sends_mail: false,
            demo_baseline: None,
            model_service: None,
        }
    }
}

/// Everything handlers share; built once at start-up.
#[derive(Debug, Clone)]
pub struct AppState {
    /// The database.
    pub store: Store,
    /// Uploaded files.
    pub files: FileStore,
    /// Settings.
    pub config: Arc<WebConfig>,
    /// The platform's key: signs snapshots and checkpoints; its public half, served at
    /// `/api/v1/keys`, checks every signed document.
    pub signer: Arc<jiebang_store::signing::Signer>,
    /// Seals teams' endpoint keys as they are registered (only workers open them).
    pub sealer: Arc<jiebang_store::secrets::Sealer>,
    /// The working-day calendar for 公示 periods.
    pub calendar: Arc<jiebang_core::calendar::WorkCalendar>,
    /// Today's date for deadlines and periods.
    pub clock: Clock,
    /// Rendered public pages.
    pub cache: Arc<cache::PublicCache>,
    /// This server's search index.
    pub search: Arc<app::search::Search>,
}

/// Today's date (China Standard Time), shifted by a number of days that tests can set to walk a
/// program through deadlines and publicity periods. Production never shifts it.
#[derive(Debug, Clone, Default)]
pub struct Clock {
    offset_days: Arc<std::sync::atomic::AtomicI64>,
}

impl Clock {
    /// Today.
    pub fn today(&self) -> jiebang_core::program::Day {
        let offset = self.offset_days.load(std::sync::atomic::Ordering::Relaxed);
        let today = jiebang_store::today();
        today.plus_days(offset)
    }

    /// Moves the clock `days` forward (tests only).
    pub fn advance(&self, days: i64) {
        self.offset_days.fetch_add(days, std::sync::atomic::Ordering::Relaxed);
    }
}

/// The whole application: API, docs, pages, health check.
pub fn router(state: AppState) -> Router {
    let max_body = state.config.max_upload_bytes + (64 << 10);
    let csp = "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; frame-ancestors 'none'; form-action 'self'";
    let data_limit = state.config.data_body_limit();
    let pages = pages::routes(data_limit)
        .layer(SetResponseHeaderLayer::overriding(header::CONTENT_SECURITY_POLICY, HeaderValue::from_static(csp)));
    Router::new()
        .nest("/api/v1", api::routes(data_limit))
        .merge(SwaggerUi::new("/api/docs").url("/api/v1/openapi.json", api::ApiDoc::openapi()))
        .merge(pages)
        .route("/healthz", get(healthz))
        .route("/demo/llm/v1/chat/completions", axum::routing::post(baseline::chat))
        .route("/metrics", get(api::evaluation::metrics))
        .layer(axum::middleware::from_fn_with_state(state.clone(), cache::serve))
        .layer(DefaultBodyLimit::max(max_body))
        .layer(CsrfLayer::new())
        .layer(axum::middleware::map_response(explain_refusal))
        .layer(SetResponseHeaderLayer::overriding(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff")))
        .layer(SetResponseHeaderLayer::overriding(header::REFERRER_POLICY, HeaderValue::from_static("same-origin")))
        .layer(CatchPanicLayer::custom(|_| ApiError::Internal("handler panicked".into()).into_response()))
        .layer(CompressionLayer::new().gzip(true).compress_when(compressible()))
        // The path only: a query may carry an account link's secret, which is never logged.
        .layer(TraceLayer::new_for_http().make_span_with(|request: &axum::http::Request<_>| {
            tracing::debug_span!("request", method = %request.method(), path = %request.uri().path())
        }))
        .with_state(state)
}

/// Text worth compressing for clients that ask: pages, JSON, styles and scripts — not data
/// files (dataset downloads stream as they are) nor what is compressed already.
fn compressible() -> impl Predicate {
    DefaultPredicate::new()
        .and(NotForContentType::const_new("application/octet-stream"))
        .and(NotForContentType::const_new("application/vnd.openxmlformats"))
        .and(NotForContentType::const_new("application/zip"))
        .and(NotForContentType::const_new("application/gzip"))
        .and(NotForContentType::const_new("text/csv"))
}

/// Serves the whole application on `listener` until `shutdown` completes, with each request's
/// client address known (failed sign-ins are counted per address).
pub async fn serve(
    listener: tokio::net::TcpListener,
    state: AppState,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let app = router(state).into_make_service_with_connect_info::<std::net::SocketAddr>();
    axum::serve(listener, app).with_graceful_shutdown(shutdown).await
}

/// A bare refusal from a layer (the CSRF check's empty 403, the body limit's plain-text 413)
/// becomes the error envelope, so every client reads one shape.
async fn explain_refusal(response: Response) -> Response {
    let status = response.status();
    let kind = response.headers().get(header::CONTENT_TYPE).map(|t| t.as_bytes().to_vec()).unwrap_or_default();
    let bare = !(kind.starts_with(b"application/json") || kind.starts_with(b"text/html"));
    match status {
        StatusCode::FORBIDDEN if bare => {
            let error = error::ErrorBody {
                code: "cross_site",
                message: "跨站请求被拒绝：请从本站页面提交 / a cross-site request was refused: submit from this site's own pages"
                    .into(),
                details: vec![],
            };
            (StatusCode::FORBIDDEN, axum::Json(error::ErrorEnvelope { error })).into_response()
        }
        StatusCode::PAYLOAD_TOO_LARGE if bare => {
            ApiError::TooLarge("请求体超过上限 / the request body is over the limit".into()).into_response()
        }
        _ => response,
    }
}

/// Answers once the database answers.
async fn healthz(State(state): State<AppState>) -> Result<impl IntoResponse, ApiError> {
    state.store.ping().await?;
    let database = match state.store.backend() {
        Backend::Sqlite => "sqlite",
        Backend::Postgres => "postgres",
    };
    Ok(axum::Json(serde_json::json!({ "status": "ok", "database": database, "version": env!("CARGO_PKG_VERSION") })))
}
