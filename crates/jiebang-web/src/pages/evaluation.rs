//! Evaluation pages: a phase with its tabs (数据 data · 提交 submit · 我的提交 my submissions ·
//! 排行榜 leaderboard), registration and upload forms, and the organizers' queue page. They use
//! the same checks and store calls as the API; the submissions table refreshes itself (htmx)
//! while anything is queued or running.

use askama::Template;
use askama_web::WebTemplate;
use axum::Router;
use axum::extract::{Multipart, Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use jiebang_core::evaluation::SubmissionState;
use jiebang_core::report::{ModelReport, ScoreReport};
use jiebang_store::{DatasetVersion, Organization, Phase};
use serde::Deserialize;

use super::{Ctx, PageError, filters};
use crate::AppState;
use crate::app::access::{managed_phase, own_submission, visible_challenge, visible_phase};
use crate::app::leaderboards::{Leaderboard, board};
use crate::app::queue::{QueueView, queue_view};
use crate::app::submissions::{SubmissionView, may_submit, submission_limit, submissions_seen_by, submit};
use crate::error::ApiError;
use crate::http::{read_form, with_uploads};

pub(super) fn routes(data_limit: usize) -> Router<AppState> {
    Router::new()
        .route("/phases/{id}", get(phase_page))
        .route("/phases/{id}/register", post(register_submit))
        .route("/phases/{id}/submit", post(submit_form).layer(axum::extract::DefaultBodyLimit::max(data_limit)))
        .route("/phases/{id}/mine", get(mine_fragment))
        .route("/phases/{id}/publish", post(publish_submit))
        .route("/phases/{id}/rerun", post(rerun_submit))
        .route("/submissions/{id}/select", post(select_submit))
        .route("/submissions/{id}/cancel", post(cancel_submit))
        .route("/submissions/{id}/transcript", get(transcript_download))
        .route("/queue", get(queue_page))
        .route("/challenges/{id}/evaluation", get(setup_page))
        .route(
            "/challenges/{id}/datasets",
            post(dataset_submit).layer(axum::extract::DefaultBodyLimit::max(data_limit)),
        )
        .route("/challenges/{id}/phases", post(phase_submit))
        .route("/challenges/{id}/delivery", post(delivery_submit))
        .route("/submissions/{id}/report", get(report_page))
}

/// `?tab=`.
#[derive(Debug, Deserialize)]
pub(super) struct TabQuery {
    tab: Option<String>,
}

/// The submissions table, alone (the htmx refresh) or inside the phase page.
#[derive(Template, WebTemplate)]
#[template(path = "submissions_table.html")]
pub(super) struct SubmissionsTable {
    ctx: Ctx,
    phase_id: i64,
    submissions: Vec<SubmissionView>,
    /// Whether to poll again: something is still queued or running.
    active: bool,
    /// A final phase: teams choose which submissions count.
    selectable: bool,
    /// The viewer manages the phase (may re-run it).
    manages: bool,
}

#[derive(Template, WebTemplate)]
#[template(path = "phase.html")]
pub(super) struct PhasePage {
    ctx: Ctx,
    challenge_id: i64,
    challenge_title: String,
    phase: Phase,
    phases: Vec<Phase>,
    tab: &'static str,
    manages: bool,
    dataset: Option<DatasetVersion>,
    /// The viewer's organizations, and whether each is registered.
    teams: Vec<(Organization, bool)>,
    /// On the submit tab: each registered team's submissions left (24 hours, phase; `None`
    /// unlimited).
    left: Vec<(String, Option<u32>, Option<u32>)>,
    open: bool,
    /// The 我的提交 tab's table, when that tab is shown.
    table: Option<SubmissionsTable>,
    /// The 排行榜 tab's board (or why the viewer may not see it), when that tab is shown.
    board: Option<Result<Leaderboard, String>>,
    /// Bar widths (0–100) of the board's primary scores, in row order.
    bars: Vec<f64>,
    /// The challenge's delivery contract (whether the submit form takes models).
    contract: jiebang_core::delivery::DeliveryContract,
    error: Option<String>,
}

impl PhasePage {
    /// Whether a board row is the viewer's own team (highlighted).
    fn is_own(&self, row: &crate::app::leaderboards::BoardRow) -> bool {
        !row.baseline && self.ctx.viewer.principal().is_some_and(|p| p.organizations().contains(&row.team_id))
    }

    /// A measured quantity's name in the page's language (`latency_p99_ms`: 单条推理时延 P99).
    fn measured_name(&self, key: &str) -> String {
        jiebang_core::delivery::MEASURED
            .iter()
            .chain(jiebang_core::delivery::SERVING)
            .find(|(k, _, _)| *k == key)
            .map_or_else(|| key.to_owned(), |(_, _, name)| self.ctx.t.lang.pick(name))
    }

    /// A board row's value of a model column, or a dash for a prediction file.
    fn model_cell(&self, row: &crate::app::leaderboards::BoardRow, column: &str) -> String {
        row.scores
            .get(column)
            .map_or("—".into(), |v| format!("{:.4}", v).trim_end_matches('0').trim_end_matches('.').to_owned())
    }

    /// Whether the challenge takes live model endpoints (the submit tab then has their form).
    fn takes_endpoints(&self) -> bool {
        self.contract.takes(jiebang_core::delivery::SubmissionKind::Endpoint)
    }

    /// The GGUF contract, when the challenge takes models the platform serves (the submit tab
    /// then has their upload form).
    fn served(&self) -> Option<&jiebang_core::delivery::GgufContract> {
        self.contract.gguf.as_ref().filter(|_| self.contract.takes(jiebang_core::delivery::SubmissionKind::Gguf))
    }

    /// What the file input accepts.
    fn accepted_files(&self) -> &'static str {
        use jiebang_core::delivery::Accepts;
        match self.contract.accepts {
            Accepts::Predictions => ".csv,.tsv,.txt,.parquet",
            Accepts::Models => ".onnx",
            Accepts::Both => ".csv,.tsv,.txt,.parquet,.onnx",
        }
    }

    fn file_url(&self, name: &str) -> String {
        let dataset = self.dataset.as_ref().map_or(0, |d| d.id);
        format!("/api/v1/datasets/{dataset}/files/{}", crate::http::urlencode(name))
    }

    fn registered(&self) -> bool {
        self.teams.iter().any(|(_, registered)| *registered)
    }
}

const TABS: [&str; 4] = ["data", "submit", "mine", "board"];

async fn team_submissions(
    state: &AppState,
    ctx: &Ctx,
    phase: &Phase,
    manages: bool,
) -> Result<SubmissionsTable, ApiError> {
    let submissions = submissions_seen_by(state, ctx.viewer.principal(), phase, manages).await?;
    let active = submissions.iter().any(|s| s.state.is_active());
    let selectable = phase.input.kind == jiebang_core::evaluation::PhaseKind::Final;
    Ok(SubmissionsTable { ctx: ctx.clone(), phase_id: phase.id, submissions, active, selectable, manages })
}

async fn render_phase(
    state: &AppState,
    ctx: Ctx,
    id: i64,
    tab: Option<String>,
    error: Option<String>,
) -> Result<PhasePage, PageError> {
    let fail = |e: ApiError| ctx.fail(e);
    let phase = state.store.get_phase(id).await.map_err(|e| fail(e.into()))?;
    let (challenge, manages) = visible_challenge(state, &ctx.viewer, phase.challenge_id).await.map_err(fail)?;
    let tab = TABS.into_iter().find(|t| tab.as_deref() == Some(*t)).unwrap_or("data");
    let phases = state.store.list_phases(phase.challenge_id).await.map_err(|e| fail(e.into()))?;
    let dataset = state.store.get_dataset_version(phase.dataset_id).await.ok();
    let registered = state.store.participant_organizations(phase.challenge_id).await.map_err(|e| fail(e.into()))?;
    let mut teams = Vec::new();
    for organization in ctx.viewer.principal().map(|p| p.organizations()).unwrap_or_default() {
        if let Ok(org) = state.store.get_organization(organization).await {
            teams.push((org, registered.contains(&organization)));
        }
    }
    // Only the shown tab's content is read.
    let table = match tab {
        "mine" => Some(team_submissions(state, &ctx, &phase, manages).await.map_err(fail)?),
        _ => None,
    };
    let board = match tab {
        "board" => {
            Some(board(state, &ctx.viewer, &phase, manages, None).await.map_err(|e| super::error_text(&e, ctx.t.lang)))
        }
        _ => None,
    };
    let bars = match &board {
        Some(Ok(b)) => {
            let max = b.rows.iter().map(|r| r.score.abs()).fold(0.0, f64::max);
            b.rows
                .iter()
                .map(|r| if max > 0.0 { (r.score.abs() / max * 100.0).clamp(0.0, 100.0) } else { 0.0 })
                .collect()
        }
        _ => Vec::new(),
    };
    let mut left = Vec::new();
    if tab == "submit" {
        for (org, _) in teams.iter().filter(|(_, registered)| *registered) {
            let usage = state.store.team_usage(phase.id, org.id).await.map_err(|e| fail(e.into()))?;
            let (today, total) = phase.input.quotas.left(&usage);
            left.push((org.name.clone(), today, total));
        }
    }
    let open = phase.input.is_open_on(state.clock.today());
    let contract = state.store.delivery_contract(phase.challenge_id).await.map_err(|e| fail(e.into()))?;
    let dataset = dataset.map(|mut d| {
        d.files.retain(|f| manages || !f.hidden);
        d
    });
    Ok(PhasePage {
        ctx,
        challenge_id: challenge.id,
        challenge_title: challenge.challenge.title,
        phase,
        phases,
        tab,
        manages,
        dataset,
        teams,
        left,
        open,
        table,
        board,
        bars,
        contract,
        error,
    })
}

async fn phase_page(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
    Query(query): Query<TabQuery>,
) -> Result<PhasePage, PageError> {
    render_phase(&state, ctx, id, query.tab, None).await
}

/// The submissions table alone, for the page's self-refresh.
async fn mine_fragment(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
) -> Result<SubmissionsTable, PageError> {
    let authed = ctx.viewer.require().map_err(|e| ctx.fail(e))?;
    let (phase, manages) = visible_phase(&state, &ctx.viewer, id).await.map_err(|e| ctx.fail(e))?;
    if !manages && authed.principal.organizations().is_empty() {
        return Err(ctx.fail(ApiError::Forbidden));
    }
    team_submissions(&state, &ctx, &phase, manages).await.map_err(|e| ctx.fail(e))
}

#[derive(Debug, Deserialize)]
pub(super) struct RegisterForm {
    organization_id: i64,
}

async fn register_submit(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
    axum::Form(form): axum::Form<RegisterForm>,
) -> Result<Response, PageError> {
    let (phase, _) = visible_phase(&state, &ctx.viewer, id).await.map_err(|e| ctx.fail(e))?;
    let authed = ctx.viewer.require_that(|p| p.can_act_for(form.organization_id)).map_err(|e| ctx.fail(e))?;
    state.store.get_organization(form.organization_id).await.map_err(|e| ctx.fail(e))?;
    state
        .store
        .register_participant(phase.challenge_id, form.organization_id, authed.user.id)
        .await
        .map_err(|e| ctx.fail(e))?;
    Ok(crate::http::done(&state.signer, &format!("/phases/{id}?tab=data"), ctx.t.eval.done_register))
}

async fn submit_form(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
    multipart: Multipart,
) -> Result<Response, PageError> {
    let authed = ctx.viewer.require().map_err(|e| ctx.fail(e))?.clone();
    let (phase, manages) = visible_phase(&state, &ctx.viewer, id).await.map_err(|e| ctx.fail(e))?;
    let limit = submission_limit(&state, &phase).await.map_err(|e| ctx.fail(e))?;
    // Refused (closed, archived, out of quota) before the body is read.
    let result = match may_submit(&state, &authed, &phase, manages).await {
        Ok(()) => match read_form(&state, multipart, limit, authed.user.id).await {
            Ok(form) => {
                with_uploads(&state, authed.user.id, form, |form| submit(&state, &authed, &phase, manages, form)).await
            }
            Err(e) => Err(e),
        },
        Err(e) => Err(e),
    };
    match result {
        Ok(_) => Ok(crate::http::done(&state.signer, &format!("/phases/{id}?tab=mine"), ctx.t.eval.done_submit)),
        Err(e @ (ApiError::Unauthenticated | ApiError::Forbidden | ApiError::NotFound(_))) => Err(ctx.fail(e)),
        Err(e) => {
            let (status, _) = e.parts();
            let message = super::error_text(&e, ctx.t.lang);
            let page = render_phase(&state, ctx, id, Some("submit".into()), Some(message)).await?;
            Ok((if status == StatusCode::CONFLICT { StatusCode::CONFLICT } else { status }, page).into_response())
        }
    }
}

/// Stops an endpoint evaluation or withdraws a queued submission, once its box is ticked.
async fn cancel_submit(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
    axum::Form(form): axum::Form<Confirmed>,
) -> Result<Response, PageError> {
    let (submission, _, _) = own_submission(&state, &ctx.viewer, id).await.map_err(|e| ctx.fail(e))?;
    let back = format!("/phases/{}?tab=mine", submission.phase_id);
    let result = match form.confirm {
        None => Err(jiebang_core::Error::invalid("confirm", ctx.t.confirm_irreversible).into()),
        Some(_) => crate::app::submissions::cancel(&state, &ctx.viewer, id).await.map(|_| ()),
    };
    Ok(super::back(&state, &back, result, &ctx, ctx.t.serve.done_cancel))
}

/// A confirmation box, ticked before an irreversible step.
#[derive(Debug, Deserialize)]
pub(super) struct Confirmed {
    pub(super) confirm: Option<String>,
}

async fn transcript_download(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
) -> Result<Response, PageError> {
    let (name, bytes) = crate::app::submissions::transcript(&state, &ctx.viewer, id).await.map_err(|e| ctx.fail(e))?;
    Ok(super::download("application/x-ndjson", &name, bytes))
}

async fn publish_submit(State(state): State<AppState>, ctx: Ctx, Path(id): Path<i64>) -> Result<Response, PageError> {
    let (_, authed) = managed_phase(&state, &ctx.viewer, id).await.map_err(|e| ctx.fail(e))?;
    state.store.publish_private(id, authed.user.id).await.map_err(|e| ctx.fail(e))?;
    Ok(crate::http::done(&state.signer, &format!("/phases/{id}?tab=board"), ctx.t.eval.done_publish))
}

async fn rerun_submit(State(state): State<AppState>, ctx: Ctx, Path(id): Path<i64>) -> Result<Response, PageError> {
    let (_, authed) = managed_phase(&state, &ctx.viewer, id).await.map_err(|e| ctx.fail(e))?;
    state.store.rerun_phase(id, authed.user.id).await.map_err(|e| ctx.fail(e))?;
    Ok(crate::http::done(&state.signer, &format!("/phases/{id}?tab=mine"), ctx.t.eval.done_rerun))
}

#[derive(Debug, Deserialize)]
pub(super) struct SelectForm {
    selected: bool,
}

/// A team's choice of the submissions that count in a final phase.
async fn select_submit(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
    axum::Form(form): axum::Form<SelectForm>,
) -> Result<Response, PageError> {
    let (submission, _, _) = own_submission(&state, &ctx.viewer, id).await.map_err(|e| ctx.fail(e))?;
    let actor = ctx.viewer.require().map_err(|e| ctx.fail(e))?.user.id;
    state.store.select_submission(id, form.selected, actor).await.map_err(|e| ctx.fail(e))?;
    Ok(crate::http::done(&state.signer, &format!("/phases/{}?tab=mine", submission.phase_id), ctx.t.eval.done_select))
}

#[derive(Template, WebTemplate)]
#[template(path = "queue.html")]
pub(super) struct QueuePage {
    ctx: Ctx,
    queue: QueueView,
    now_ms: i64,
}

impl QueuePage {
    /// Scored share of the finished submissions of a phase, as text.
    fn success_rate(&self, states: &std::collections::BTreeMap<String, i64>) -> String {
        let count = |s: SubmissionState| states.get(s.as_str()).copied().unwrap_or(0);
        let finished =
            count(SubmissionState::Scored) + count(SubmissionState::Invalid) + count(SubmissionState::Failed);
        if finished == 0 {
            "—".into()
        } else {
            format!("{:.0}%", count(SubmissionState::Scored) as f64 / finished as f64 * 100.0)
        }
    }

    /// The headline numbers: queued, running and failed jobs, and the oldest wait.
    fn cards(&self) -> Vec<(&'static str, String)> {
        let e = self.ctx.t.eval;
        let jobs = &self.queue.jobs;
        vec![
            (self.ctx.label(&SubmissionState::Queued), jobs.queued.to_string()),
            (self.ctx.label(&SubmissionState::Running), jobs.running.to_string()),
            (self.ctx.label(&SubmissionState::Failed), jobs.failed.to_string()),
            (e.oldest_wait, self.queue.oldest_wait_seconds.map_or("—".into(), |s| format!("{s:.0} s"))),
        ]
    }

    fn seconds_since(&self, ms: &i64) -> String {
        format!("{:.0}", (self.now_ms - ms) as f64 / 1000.0)
    }

    fn count(&self, states: &std::collections::BTreeMap<String, i64>, state: &SubmissionState) -> i64 {
        states.get(state.as_str()).copied().unwrap_or(0)
    }
}

async fn queue_page(State(state): State<AppState>, ctx: Ctx) -> Result<QueuePage, PageError> {
    ctx.viewer.require_that(|p| p.can_create_program()).map_err(|e| ctx.fail(e))?;
    let queue = queue_view(&state).await.map_err(|e| ctx.fail(e))?;
    Ok(QueuePage { ctx, queue, now_ms: jiebang_store::now_ms() })
}

/// A metric row of the report page: the value overall and on each split.
pub(super) struct ReportMetric {
    name: String,
    overall: String,
    splits: Vec<String>,
}

#[derive(Template, WebTemplate)]
#[template(path = "report.html")]
pub(super) struct ReportPage {
    ctx: Ctx,
    submission_id: i64,
    report: ScoreReport,
    /// The report's JSON, pretty, for people who want to see what was signed.
    pretty: String,
    split_names: Vec<String>,
    metrics: Vec<ReportMetric>,
    signature: String,
    public_key: String,
    /// The delivered model's measurements, for a model submission.
    model: Option<ModelSection>,
    /// A question bank's results per category, drawn as bars.
    categories: Vec<CategoryBars>,
    /// A live endpoint's serving measurements, drawn.
    serving: Option<ServingSection>,
    /// A GGUF model the platform served: what ran where, its memory and its levels, drawn.
    hosting: Option<HostingSection>,
    /// Its publication to the model service, with what the viewer may do about it.
    publication: Option<PublicationCard>,
    /// Whether the viewer may download the run's transcript.
    transcript_shown: bool,
    /// For the challenge's organizers: each multiple-choice answer no rule could read (id, text).
    unparsed: Vec<(String, String)>,
}

/// One category of a question bank: (metric, value, bar width 0–100) for each metric it has.
pub(super) struct CategoryBars {
    name: String,
    bars: Vec<(String, String, String)>,
}

impl CategoryBars {
    fn of(report: &ScoreReport) -> Vec<Self> {
        report
            .categories
            .iter()
            .map(|(name, metrics)| {
                let bars = metrics
                    .iter()
                    .filter(|(_, value)| value.is_finite())
                    .map(|(metric, &value)| {
                        // BLEU and chrF are on 0–100, the rest on 0–1.
                        let scale = if metric.starts_with("bleu") || metric.starts_with("chrf") { 1.0 } else { 100.0 };
                        let width = (value * scale).clamp(0.0, 100.0);
                        (metric.clone(), format!("{value:.4}"), format!("{width:.1}"))
                    })
                    .collect();
                CategoryBars { name: name.clone(), bars }
            })
            .collect()
    }
}

/// A live endpoint's part of a report, ready to print and draw.
pub(super) struct ServingSection {
    endpoint: String,
    questions: String,
    failures: String,
    tokens: &'static str,
    segments: usize,
    wall: String,
    throughput: String,
    transcript_sha256: String,
    transcript_size: String,
    /// (label, milliseconds, bar width 0–100 relative to the largest).
    latency: Vec<(String, String, String)>,
    /// The TTFT and decode-speed histograms: (title, columns, test id).
    charts: Vec<(&'static str, Columns, &'static str)>,
}

/// A histogram drawn as columns in a 200 × 60 box: (x, y, width, height, label) per bucket.
pub(super) struct Columns {
    bars: Vec<(String, String, String, String, String)>,
    max_label: String,
}

impl Columns {
    fn of(histogram: &[(f64, usize)], unit: &str) -> Self {
        let most = histogram.iter().map(|(_, n)| *n).max().unwrap_or(0).max(1) as f64;
        let width = 200.0 / histogram.len().max(1) as f64;
        let mut low = 0.0;
        let bars = histogram
            .iter()
            .enumerate()
            .map(|(i, &(upper, n))| {
                let height = n as f64 / most * 56.0;
                let label = format!("{low:.1}–{upper:.1} {unit}: {n}");
                low = upper;
                (
                    format!("{:.2}", i as f64 * width + 0.5),
                    format!("{:.2}", 60.0 - height),
                    format!("{:.2}", (width - 1.0).max(0.5)),
                    format!("{height:.2}"),
                    label,
                )
            })
            .collect();
        let max_label = histogram.last().map_or(String::new(), |(upper, _)| format!("{upper:.1} {unit}"));
        Self { bars, max_label }
    }
}

impl ServingSection {
    fn of(report: &ScoreReport, serving: &jiebang_core::report::ServingReport, t: &crate::i18n::ServingText) -> Self {
        let metric = |key: &str| report.metrics.get(key).copied().filter(|v| v.is_finite());
        let keys: [(String, &str); 7] = [
            ("TTFT p50".into(), "ttft_p50_ms"),
            ("TTFT p90".into(), "ttft_p90_ms"),
            ("TTFT p99".into(), "ttft_p99_ms"),
            (format!("TPOT {}", t.mean), "tpot_mean_ms"),
            ("TPOT p99".into(), "tpot_p99_ms"),
            ("ITL p99".into(), "itl_p99_ms"),
            ("E2E p99".into(), "e2e_p99_ms"),
        ];
        let largest = keys.iter().filter_map(|(_, k)| metric(k)).fold(0.0, f64::max);
        let latency = keys
            .iter()
            .map(|(label, key)| {
                let value = metric(key);
                let width = match value {
                    Some(v) if largest > 0.0 => v / largest * 100.0,
                    _ => 0.0,
                };
                (label.clone(), value.map_or("—".into(), |v| format!("{v:.2}")), format!("{width:.1}"))
            })
            .collect();
        let failures = serving
            .failures
            .iter()
            .map(|(kind, n)| format!("{} {n}", t.failure_name(kind)))
            .collect::<Vec<_>>()
            .join(" · ");
        Self {
            endpoint: format!("{} · {}", serving.base_url, serving.model),
            questions: format!(
                "{} · {} {} · {} {}",
                serving.questions, t.answered, serving.answered, t.failed, serving.failed
            ),
            failures: if failures.is_empty() { "—".into() } else { failures },
            tokens: t.tokens_from(&serving.tokens),
            segments: serving.segments.saturating_sub(1),
            wall: format!("{:.1} s", serving.wall_ms / 1000.0),
            throughput: format!(
                "{} {} · {} {}",
                metric("output_tokens_per_s").map_or("—".into(), |v| format!("{v:.2}")),
                t.tokens_per_s,
                metric("requests_per_s").map_or("—".into(), |v| format!("{v:.3}")),
                t.requests_per_s
            ),
            transcript_sha256: serving.transcript.sha256.clone(),
            transcript_size: format!("{} · {} B", serving.transcript.lines, serving.transcript.bytes),
            latency,
            charts: vec![
                (t.ttft_histogram, Columns::of(&serving.ttft_histogram, "ms"), "report-ttft-histogram"),
                (
                    t.speed_histogram,
                    Columns::of(&serving.tokens_per_s_histogram, t.tokens_per_s),
                    "report-speed-histogram",
                ),
            ],
        }
    }
}

/// A served model's publication state and the viewer's part in it.
pub(super) struct PublicationCard {
    consented: bool,
    published: bool,
    /// The team's applicant (or an admin) may consent.
    may_consent: bool,
    /// The organizers may publish once the team consented.
    may_publish: bool,
}

/// A served GGUF model's part of a report, ready to print and draw.
pub(super) struct HostingSection {
    runtime: String,
    confinement: String,
    host: String,
    header: String,
    file: String,
    limits: String,
    peak_memory: String,
    load_time: String,
    /// Peak memory against the limit: (label, MiB, bar width 0–100 of the limit).
    memory: Vec<(String, String, String)>,
    /// Per concurrency level, tokens/s then TTFT p99: (label, value, width relative to the
    /// largest of its kind).
    levels: Vec<(String, String, String)>,
}

impl HostingSection {
    fn of(
        hosting: &jiebang_core::report::HostingReport,
        t: &crate::i18n::HostingText,
        serve: &crate::i18n::ServingText,
    ) -> Self {
        let measured = |key: &str| hosting.measured.get(key).copied().filter(|v| v.is_finite());
        let header = &hosting.header;
        let text = |key: &str| match &header[key] {
            serde_json::Value::Null => "—".to_owned(),
            serde_json::Value::String(s) => s.clone(),
            other => other.to_string(),
        };
        let peak = measured("peak_memory_mb").unwrap_or(0.0);
        let limit = f64::from(hosting.memory_limit_mb);
        let share = |v: f64| if limit > 0.0 { (v / limit * 100.0).clamp(0.0, 100.0) } else { 0.0 };
        let level_value = |level: &jiebang_core::report::ServingLevel, key: &str| {
            level.values.get(key).copied().filter(|v| v.is_finite())
        };
        let mut levels = Vec::new();
        for (key, unit) in [("output_tokens_per_s", serve.tokens_per_s), ("ttft_p99_ms", "ms TTFT p99")] {
            let largest = hosting.levels.iter().filter_map(|l| level_value(l, key)).fold(0.0, f64::max);
            for level in &hosting.levels {
                let value = level_value(level, key);
                let width = value.filter(|_| largest > 0.0).map_or(0.0, |v| v / largest * 100.0);
                levels.push((
                    format!("{} {} · {unit}", t.level, level.concurrency),
                    value.map_or("—".into(), |v| format!("{v:.2}")),
                    format!("{width:.1}"),
                ));
            }
        }
        let host = hosting
            .host
            .as_ref()
            .map_or("—".into(), |h| format!("{} · {} {} · {} MiB · {}", h.cpu, h.cores, t.cores, h.memory_mib, h.os));
        Self {
            runtime: hosting.runtime.clone(),
            confinement: hosting.confinement.clone(),
            host,
            header: format!(
                "{} {} · {} {} · {} {} · {} {}",
                t.architecture,
                text("architecture"),
                t.quantization,
                text("quantization"),
                t.parameters,
                text("parameter_count"),
                t.context_length,
                text("context_length")
            ),
            file: format!("{:.3} MB · SHA-256 {}", measured("model_size_mb").unwrap_or(f64::NAN), hosting.file_sha256),
            limits: format!("{} × CPU · ≤ {} MiB", hosting.threads, hosting.memory_limit_mb),
            peak_memory: format!("{peak:.1} MiB"),
            load_time: measured("load_time_s").map_or("—".into(), |v| format!("{v:.2} s")),
            memory: vec![
                (t.peak_memory.to_owned(), format!("{peak:.1}"), format!("{:.1}", share(peak))),
                (t.memory_limit.to_owned(), format!("{limit:.0}"), format!("{:.1}", share(limit))),
            ],
            levels,
        }
    }
}

/// A delivered model's part of a report, ready to print.
pub(super) struct ModelSection {
    engine: String,
    size: String,
    parameters: String,
    opset: String,
    operators: String,
    host: String,
    threads: String,
    timed: String,
    queries: String,
    peak_memory: String,
    /// (label, milliseconds) for p50, p90, p99 and the mean.
    latency: Vec<(&'static str, String)>,
    /// (batch size, rows per second, bar width 0–100 relative to the best).
    throughput: Vec<(String, String, String)>,
}

impl ModelSection {
    fn of(model: &ModelReport, t: &crate::i18n::ModelText, lang: crate::i18n::Lang) -> Self {
        let ms = |v: Option<f64>| v.map_or("—".into(), |v| format!("{v:.4}"));
        let latency = model.latency.as_ref();
        let best = model.throughput.iter().map(|t| t.rows_per_second).fold(0.0, f64::max);
        let host = &model.host;
        Self {
            engine: model.engine.clone(),
            size: format!("{:.3} MB ({} B)", model.bytes as f64 / 1e6, model.bytes),
            parameters: model.parameters.to_string(),
            opset: model.opset.map_or("—".into(), |o| o.to_string()),
            operators: model.operators.join(", "),
            host: format!("{} · {} {} · {} MiB · {}", host.cpu, host.cores, t.cores, host.memory_mib, host.os),
            threads: model.threads.to_string(),
            timed: lang.pick(&model.timed),
            queries: format!(
                "{} ({} {}, ≥ {} ms)",
                latency.map_or("—".into(), |l| l.queries.to_string()),
                t.warm_up,
                model.timing.warmup,
                model.timing.min_duration_ms
            ),
            peak_memory: format!("{:.1} MB", model.peak_rss_kib as f64 / 1024.0),
            latency: vec![
                ("p50", ms(latency.map(|l| l.p50_ms))),
                ("p90", ms(latency.map(|l| l.p90_ms))),
                ("p99", ms(latency.map(|l| l.p99_ms))),
                (t.mean, ms(latency.map(|l| l.mean_ms))),
            ],
            throughput: model
                .throughput
                .iter()
                .map(|t| {
                    let width = if best > 0.0 { t.rows_per_second / best * 100.0 } else { 0.0 };
                    (t.batch.to_string(), format!("{:.0}", t.rows_per_second), format!("{width:.1}"))
                })
                .collect(),
        }
    }
}

impl ReportPage {
    fn indicators(&self) -> Vec<(String, String, bool)> {
        let value = |v: f64| if v.is_nan() { String::new() } else { format!("{v:.6}") };
        self.report.indicators.iter().map(|i| (i.expr.clone(), value(i.value), i.pass)).collect()
    }
}

async fn report_page(State(state): State<AppState>, ctx: Ctx, Path(id): Path<i64>) -> Result<ReportPage, PageError> {
    let signed = crate::app::submissions::signed_report(&state, &ctx.viewer, id).await.map_err(|e| ctx.fail(e))?;
    let report = signed.typed().map_err(|e| ctx.fail(e))?;
    let split_names: Vec<String> = report.splits.keys().cloned().collect();
    let number = |v: Option<&f64>| v.filter(|v| !v.is_nan()).map_or(String::new(), |v| format!("{v:.6}"));
    let metrics = report
        .metrics
        .iter()
        .map(|(name, value)| ReportMetric {
            name: name.clone(),
            overall: number(Some(value)),
            splits: split_names.iter().map(|s| number(report.splits[s].get(name))).collect(),
        })
        .collect();
    let mut unparsed = Vec::new();
    if !report.unparsed.is_empty() {
        let challenge = state.store.get_challenge(report.challenge.id).await;
        let organizer =
            challenge.is_ok_and(|c| ctx.viewer.principal().is_some_and(|p| p.can_manage_program(c.program_id)));
        if organizer {
            unparsed = report.unparsed.iter().map(|u| (u.id.clone(), u.answer.clone())).collect();
        }
    }
    let own = crate::app::access::own_submission(&state, &ctx.viewer, id).await.ok();
    let transcript_shown =
        report.serving.is_some() && own.as_ref().is_some_and(|(_, phase, manages)| *manages || phase.all_rows_public());
    let publication = match &own {
        Some((submission, _, manages)) if submission.kind == jiebang_core::delivery::SubmissionKind::Gguf => {
            let state_now = state.store.publication(id).await.map_err(|e| ctx.fail(e))?;
            let acts = ctx.viewer.principal().is_some_and(|p| p.can_act_for(submission.organization_id));
            Some(PublicationCard {
                consented: state_now.is_some(),
                published: state_now.as_ref().is_some_and(|p| p.published_at.is_some()),
                may_consent: acts && state_now.is_none(),
                may_publish: *manages && state_now.is_some(),
            })
        }
        _ => None,
    };
    Ok(ReportPage {
        serving: report.serving.as_ref().map(|s| ServingSection::of(&report, s, ctx.t.serve)),
        publication,
        hosting: report
            .serving
            .as_ref()
            .and_then(|s| s.hosting.as_ref())
            .map(|h| HostingSection::of(h, ctx.t.host, ctx.t.serve)),
        transcript_shown,
        categories: CategoryBars::of(&report),
        unparsed,
        model: report.model.as_ref().map(|m| ModelSection::of(m, ctx.t.model, ctx.t.lang)),
        pretty: serde_json::to_string_pretty(&signed.report).unwrap_or_default(),
        ctx,
        submission_id: id,
        report,
        split_names,
        metrics,
        signature: signed.signature,
        public_key: signed.public_key,
    })
}

#[derive(Template, WebTemplate)]
#[template(path = "evaluation_setup.html")]
pub(super) struct SetupPage {
    ctx: Ctx,
    challenge_id: i64,
    challenge_title: String,
    datasets: Vec<DatasetVersion>,
    phases: Vec<Phase>,
    contract: jiebang_core::delivery::DeliveryContract,
    error: Option<String>,
}

impl SetupPage {
    /// The contract's endpoint settings, or the defaults the form offers.
    fn endpoint(&self) -> jiebang_core::delivery::EndpointContract {
        self.contract.endpoint.clone().unwrap_or_default()
    }

    /// The GGUF part of the contract, or its defaults for the form.
    fn gguf(&self) -> jiebang_core::delivery::GgufContract {
        self.contract.gguf.clone().unwrap_or_default()
    }

    /// The GGUF contract's concurrency levels as a form value.
    fn concurrency_levels(&self) -> String {
        self.gguf().concurrency_levels.iter().map(u32::to_string).collect::<Vec<_>>().join(", ")
    }

    /// An optional number as a form value.
    fn optional(&self, value: &Option<f64>) -> String {
        value.map_or(String::new(), |v| v.to_string())
    }

    /// The tasks a dataset version can be scored as.
    fn tasks(&self) -> &'static [&'static str] {
        jiebang_store::TASKS
    }

    fn batch_sizes(&self) -> String {
        self.contract.batch_sizes.iter().map(u32::to_string).collect::<Vec<_>>().join(", ")
    }

    fn probability_column(&self) -> String {
        self.contract.probability_column.map_or(String::new(), |c| c.to_string())
    }
}

/// The organizers' evaluation setup of a challenge: its dataset versions and phases, and forms
/// to add both.
async fn render_setup(state: &AppState, ctx: Ctx, id: i64, error: Option<String>) -> Result<SetupPage, PageError> {
    let (challenge, _) = visible_challenge(state, &ctx.viewer, id).await.map_err(|e| ctx.fail(e))?;
    ctx.viewer.require_that(|p| p.can_manage_program(challenge.program_id)).map_err(|e| ctx.fail(e))?;
    let datasets = state.store.list_dataset_versions(id).await.map_err(|e| ctx.fail(e))?;
    let phases = state.store.list_phases(id).await.map_err(|e| ctx.fail(e))?;
    let contract = state.store.delivery_contract(id).await.map_err(|e| ctx.fail(e))?;
    Ok(SetupPage {
        ctx,
        challenge_id: id,
        challenge_title: challenge.challenge.title,
        datasets,
        phases,
        contract,
        error,
    })
}

async fn setup_page(State(state): State<AppState>, ctx: Ctx, Path(id): Path<i64>) -> Result<SetupPage, PageError> {
    render_setup(&state, ctx, id, None).await
}

/// Renders the setup page again with the error, or goes back to it after success.
async fn setup_outcome(
    state: &AppState,
    ctx: Ctx,
    id: i64,
    result: Result<(), ApiError>,
) -> Result<Response, PageError> {
    match result {
        Ok(()) => Ok(crate::http::done(&state.signer, &format!("/challenges/{id}/evaluation"), ctx.t.eval.done_setup)),
        Err(e @ (ApiError::Unauthenticated | ApiError::Forbidden | ApiError::NotFound(_))) => Err(ctx.fail(e)),
        Err(e) => {
            let (status, _) = e.parts();
            let message = super::error_text(&e, ctx.t.lang);
            Ok((status, render_setup(state, ctx, id, Some(message)).await?).into_response())
        }
    }
}

async fn dataset_submit(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
    multipart: Multipart,
) -> Result<Response, PageError> {
    let (challenge, _) = visible_challenge(&state, &ctx.viewer, id).await.map_err(|e| ctx.fail(e))?;
    let authed =
        ctx.viewer.require_that(|p| p.can_manage_program(challenge.program_id)).map_err(|e| ctx.fail(e))?.clone();
    let result = async {
        let user = authed.user.id;
        let form = read_form(&state, multipart, state.config.max_data_bytes, user).await?;
        with_uploads(&state, user, form, |form| async {
            let (scoring, note, files) = form.into_dataset();
            state.store.create_dataset_version(id, scoring, &note, files, Some(user)).await?;
            Ok(())
        })
        .await
    }
    .await;
    setup_outcome(&state, ctx, id, result).await
}

/// The delivery-contract form, as posted.
#[derive(Debug, Deserialize)]
pub(super) struct DeliveryForm {
    accepts: String,
    input: String,
    output: String,
    #[serde(default)]
    probability_column: String,
    #[serde(default)]
    feature_columns: String,
    min_opset: String,
    max_opset: String,
    max_model_mb: String,
    batch_sizes: String,
    threads: String,
    engine: String,
    memory_limit_mb: String,
    time_limit_s: String,
    daily_model_minutes: String,
    /// `on` when the challenge takes live model endpoints; the `endpoint_*` fields then say how.
    #[serde(default)]
    endpoint: Option<String>,
    #[serde(default)]
    endpoint_questions_file: String,
    #[serde(default)]
    endpoint_prompt_template: String,
    #[serde(default)]
    endpoint_system_prompt: String,
    #[serde(default)]
    endpoint_max_tokens: String,
    #[serde(default)]
    endpoint_temperature: String,
    #[serde(default)]
    endpoint_concurrency: String,
    #[serde(default)]
    endpoint_rate_per_s: String,
    #[serde(default)]
    endpoint_first_token_timeout_s: String,
    #[serde(default)]
    endpoint_timeout_s: String,
    #[serde(default)]
    endpoint_time_limit_s: String,
    #[serde(default)]
    endpoint_slo_ttft_ms: String,
    #[serde(default)]
    endpoint_slo_tpot_ms: String,
    #[serde(default)]
    endpoint_tokenizer_file: String,
    /// `on` when the challenge takes GGUF models the platform serves; the `gguf_*` fields then
    /// say how.
    #[serde(default)]
    gguf: Option<String>,
    #[serde(default)]
    gguf_exclusive: Option<String>,
    #[serde(default)]
    gguf_runtime: String,
    #[serde(default)]
    gguf_max_model_mb: String,
    #[serde(default)]
    gguf_threads: String,
    #[serde(default)]
    gguf_memory_limit_mb: String,
    #[serde(default)]
    gguf_load_timeout_s: String,
    #[serde(default)]
    gguf_concurrency_levels: String,
    #[serde(default)]
    gguf_chat_template: String,
}

impl DeliveryForm {
    /// The contract, or every field that does not parse.
    fn contract(&self) -> Result<jiebang_core::delivery::DeliveryContract, jiebang_core::Error> {
        use jiebang_core::FieldError;
        use jiebang_core::delivery::{Accepts, DeliveryContract, MeasuringEngine};
        fn number<T: std::str::FromStr + Default>(
            errors: &mut jiebang_core::error::Collector,
            field: &str,
            text: &str,
        ) -> T {
            text.trim().parse().unwrap_or_else(|_| {
                errors.push(FieldError::new(field, format!("「{text}」不是有效数字 / '{text}' is not a number")));
                T::default()
            })
        }
        let mut errors = jiebang_core::error::Collector::default();
        let accepts = errors.check(Accepts::parse("accepts", &self.accepts));
        let engine = errors.check(MeasuringEngine::parse("engine", &self.engine));
        let probability_column = match self.probability_column.trim() {
            "" => None,
            text => Some(number(&mut errors, "probability_column", text)),
        };
        fn list(text: &str) -> Vec<&str> {
            text.split([',', '，', ' ']).map(str::trim).filter(|t| !t.is_empty()).collect()
        }
        let batch_sizes = list(&self.batch_sizes).iter().map(|b| number(&mut errors, "batch_sizes", b)).collect();
        let contract = DeliveryContract {
            accepts: accepts.unwrap_or(Accepts::Predictions),
            input: self.input.clone(),
            feature_columns: list(&self.feature_columns).into_iter().map(str::to_owned).collect(),
            output: self.output.clone(),
            probability_column,
            min_opset: number(&mut errors, "min_opset", &self.min_opset),
            max_opset: number(&mut errors, "max_opset", &self.max_opset),
            max_model_mb: number(&mut errors, "max_model_mb", &self.max_model_mb),
            batch_sizes,
            threads: number(&mut errors, "threads", &self.threads),
            engine: engine.unwrap_or(MeasuringEngine::OnnxRuntime),
            memory_limit_mb: number(&mut errors, "memory_limit_mb", &self.memory_limit_mb),
            time_limit_s: number(&mut errors, "time_limit_s", &self.time_limit_s),
            daily_model_minutes: number(&mut errors, "daily_model_minutes", &self.daily_model_minutes),
            endpoint: None,
            gguf: None,
        };
        // An empty field keeps the default; an optional one stays unset.
        fn or<T: std::str::FromStr + Default>(
            errors: &mut jiebang_core::error::Collector,
            field: &str,
            text: &str,
            default: T,
        ) -> T {
            if text.trim().is_empty() { default } else { number(errors, field, text) }
        }
        let gguf = self.gguf.is_some().then(|| {
            use jiebang_core::delivery::{GgufContract, LlmRuntime};
            let defaults = GgufContract::default();
            let runtime = match self.gguf_runtime.trim() {
                "" => defaults.runtime,
                text => errors.check(LlmRuntime::parse("gguf.runtime", text)).unwrap_or(defaults.runtime),
            };
            let levels = list(&self.gguf_concurrency_levels);
            GgufContract {
                max_model_mb: or(&mut errors, "gguf.max_model_mb", &self.gguf_max_model_mb, defaults.max_model_mb),
                runtime,
                threads: or(&mut errors, "gguf.threads", &self.gguf_threads, defaults.threads),
                memory_limit_mb: or(
                    &mut errors,
                    "gguf.memory_limit_mb",
                    &self.gguf_memory_limit_mb,
                    defaults.memory_limit_mb,
                ),
                load_timeout_s: or(
                    &mut errors,
                    "gguf.load_timeout_s",
                    &self.gguf_load_timeout_s,
                    defaults.load_timeout_s,
                ),
                concurrency_levels: if levels.is_empty() {
                    defaults.concurrency_levels
                } else {
                    levels.iter().map(|c| number(&mut errors, "gguf.concurrency_levels", c)).collect()
                },
                chat_template: self.gguf_chat_template.trim().to_owned(),
                exclusive: self.gguf_exclusive.is_some(),
            }
        });
        let endpoint = self.endpoint.is_some().then(|| {
            use jiebang_core::delivery::EndpointContract;
            let defaults = EndpointContract::default();
            fn optional(errors: &mut jiebang_core::error::Collector, field: &str, text: &str) -> Option<f64> {
                (!text.trim().is_empty()).then(|| number(errors, field, text))
            }
            EndpointContract {
                questions_file: self.endpoint_questions_file.trim().to_owned(),
                prompt_template: self.endpoint_prompt_template.clone(),
                system_prompt: self.endpoint_system_prompt.trim().to_owned(),
                max_tokens: or(&mut errors, "endpoint.max_tokens", &self.endpoint_max_tokens, defaults.max_tokens),
                temperature: or(&mut errors, "endpoint.temperature", &self.endpoint_temperature, defaults.temperature),
                concurrency: or(&mut errors, "endpoint.concurrency", &self.endpoint_concurrency, defaults.concurrency),
                rate_per_s: optional(&mut errors, "endpoint.rate_per_s", &self.endpoint_rate_per_s),
                first_token_timeout_s: or(
                    &mut errors,
                    "endpoint.first_token_timeout_s",
                    &self.endpoint_first_token_timeout_s,
                    defaults.first_token_timeout_s,
                ),
                timeout_s: or(&mut errors, "endpoint.timeout_s", &self.endpoint_timeout_s, defaults.timeout_s),
                time_limit_s: or(
                    &mut errors,
                    "endpoint.time_limit_s",
                    &self.endpoint_time_limit_s,
                    defaults.time_limit_s,
                ),
                slo_ttft_ms: optional(&mut errors, "endpoint.slo_ttft_ms", &self.endpoint_slo_ttft_ms),
                slo_tpot_ms: optional(&mut errors, "endpoint.slo_tpot_ms", &self.endpoint_slo_tpot_ms),
                tokenizer_file: self.endpoint_tokenizer_file.trim().to_owned(),
                ..defaults
            }
        });
        let contract = DeliveryContract { endpoint, gguf, ..contract };
        errors.finish(|| contract)
    }
}

async fn delivery_submit(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
    axum::Form(form): axum::Form<DeliveryForm>,
) -> Result<Response, PageError> {
    let (challenge, _) = visible_challenge(&state, &ctx.viewer, id).await.map_err(|e| ctx.fail(e))?;
    let authed =
        ctx.viewer.require_that(|p| p.can_manage_program(challenge.program_id)).map_err(|e| ctx.fail(e))?.clone();
    let result = async {
        state.store.set_delivery_contract(id, form.contract()?, Some(authed.user.id)).await?;
        Ok::<(), ApiError>(())
    }
    .await;
    setup_outcome(&state, ctx, id, result).await
}

/// The phase form, as posted.
#[derive(Debug, Deserialize)]
pub(super) struct PhaseForm {
    dataset_id: i64,
    kind: String,
    name: String,
    opens_on: String,
    closes_on: String,
    #[serde(default)]
    split: String,
    visibility: String,
    per_day: u32,
    total: u32,
    concurrent: u32,
    invalid: u32,
    counted: u32,
    precision: u32,
}

async fn phase_submit(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
    axum::Form(form): axum::Form<PhaseForm>,
) -> Result<Response, PageError> {
    use jiebang_core::evaluation::{PhaseInput, PhaseKind, Quotas, Visibility};
    let (challenge, _) = visible_challenge(&state, &ctx.viewer, id).await.map_err(|e| ctx.fail(e))?;
    let authed =
        ctx.viewer.require_that(|p| p.can_manage_program(challenge.program_id)).map_err(|e| ctx.fail(e))?.clone();
    let result = async {
        let mut errors = jiebang_core::error::Collector::default();
        let kind = errors.check(PhaseKind::parse("kind", &form.kind));
        let visibility = errors.check(Visibility::parse("visibility", &form.visibility));
        let opens_on = errors.check(jiebang_core::program::Day::parse("opens_on", &form.opens_on));
        let closes_on = errors.check(jiebang_core::program::Day::parse("closes_on", &form.closes_on));
        let input = errors.finish(|| PhaseInput {
            kind: kind.unwrap_or(PhaseKind::Development),
            name: form.name.clone(),
            opens_on: opens_on.unwrap_or(jiebang_core::program::Day(time::Date::MIN)),
            closes_on: closes_on.unwrap_or(jiebang_core::program::Day(time::Date::MIN)),
            split: form.split.clone(),
            visibility: visibility.unwrap_or(Visibility::Organizers),
            quotas: Quotas {
                per_day: form.per_day,
                total: form.total,
                concurrent: form.concurrent,
                invalid: form.invalid,
            },
            counted: form.counted,
            precision: form.precision,
        })?;
        state.store.create_phase(id, form.dataset_id, input, Some(authed.user.id)).await?;
        Ok::<(), ApiError>(())
    }
    .await;
    setup_outcome(&state, ctx, id, result).await
}
