//! The evaluation queue as organizers watch it: jobs by state and the workers alive.

use serde::Serialize;
use utoipa::ToSchema;

use crate::AppState;
use crate::error::ApiError;

/// The evaluation queue as operators watch it.
#[derive(Debug, Serialize, ToSchema)]
pub struct QueueView {
    /// Jobs by state.
    #[schema(value_type = Object)]
    pub jobs: jiebang_store::QueueStats,
    /// Seconds the oldest waiting job has waited.
    pub oldest_wait_seconds: Option<f64>,
    /// Workers that reported in the last two minutes.
    #[schema(value_type = Vec<Object>)]
    pub workers: Vec<jiebang_store::WorkerRecord>,
    /// Submissions per phase and state.
    #[schema(value_type = Vec<Object>)]
    pub phases: Vec<jiebang_store::PhaseCounts>,
}

/// Workers count as alive when they reported within this window.
pub(crate) const WORKER_WINDOW_MS: i64 = 120_000;

pub(crate) async fn queue_view(state: &AppState) -> Result<QueueView, ApiError> {
    let jobs = state.store.queue_stats().await?;
    let oldest_wait_seconds = jobs.oldest_queued_ms.map(|ms| (jiebang_store::now_ms() - ms) as f64 / 1000.0);
    Ok(QueueView {
        jobs,
        oldest_wait_seconds,
        workers: state.store.list_workers(WORKER_WINDOW_MS).await?,
        phases: state.store.phase_counts().await?,
    })
}
