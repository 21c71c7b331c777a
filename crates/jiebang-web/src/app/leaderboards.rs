//! Leaderboards: a phase's best submission per team, ranked by its primary metric, with the
//! indicators judged — as the public, a team or an organizer may see it — and its spreadsheet.

use std::collections::BTreeMap;

use jiebang_core::report::ScoreReport;
use jiebang_sheets::TableCell;
use jiebang_store::Phase;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::AppState;
use crate::app::access::is_participant;
use crate::app::submissions::shown_scores;
use crate::auth::Viewer;
use crate::error::ApiError;

/// `?split=&format=`.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
pub struct BoardQuery {
    /// The split to rank on [default: the phase's]; other splits (`private`) once published.
    pub split: Option<String>,
    /// `json` (default), `csv` or `xlsx`.
    pub format: Option<String>,
}

/// An indicator column of a board.
#[derive(Debug, Serialize, ToSchema)]
pub struct BoardIndicator {
    /// The indicator's name on the list, e.g. 故障预测AUC.
    pub name: String,
    /// As published, e.g. `f1@0.5>=0.9`.
    pub expr: String,
    /// The metric's key in the scores.
    pub metric: String,
    /// Operator.
    pub op: String,
    /// Target.
    pub threshold: f64,
}

/// A line of a board.
#[derive(Debug, Serialize, ToSchema)]
pub struct BoardRow {
    /// 1, 2, …; none for baselines.
    pub rank: Option<u32>,
    /// The team.
    pub team: String,
    /// The team's organization.
    pub team_id: i64,
    /// The submission that counts.
    pub submission_id: i64,
    /// An organizers' baseline.
    pub baseline: bool,
    /// The primary score, rounded.
    pub score: f64,
    /// Every score on the split, rounded.
    pub scores: BTreeMap<String, f64>,
    /// Whether each indicator (in `indicators` order) is met on the split.
    pub passes: Vec<Option<bool>>,
    /// The team's scored entries.
    pub entries: u32,
}

/// A phase's leaderboard on one split.
#[derive(Debug, Serialize, ToSchema)]
pub struct Leaderboard {
    /// The phase.
    pub phase_id: i64,
    /// The split ranked on (empty: all rows).
    pub split: String,
    /// The metric that ranks: the challenge's first indicator a prediction file answers.
    pub primary: String,
    /// `higher` or `lower` is better.
    pub direction: &'static str,
    /// Decimal places shown and compared.
    pub decimals: u32,
    /// The indicator columns.
    pub indicators: Vec<BoardIndicator>,
    /// The measured quantities boards show (`jiebang_core::delivery::ON_THE_BOARD` for models,
    /// `SERVED_ON_THE_BOARD` for live endpoints, both for GGUF models the platform serves) that
    /// rows of this board have; empty when every row is a prediction file.
    pub model_columns: Vec<String>,
    /// Best first.
    pub rows: Vec<BoardRow>,
}

/// A phase's board on `split` (default: the phase's), as `viewer` may see it.
pub(crate) async fn board(
    state: &AppState,
    viewer: &Viewer,
    phase: &Phase,
    manages: bool,
    split: Option<String>,
) -> Result<Leaderboard, ApiError> {
    use jiebang_core::evaluation::{Entry, PhaseKind, Visibility};
    if !manages {
        match phase.input.visibility {
            Visibility::Public => {}
            Visibility::Participants => {
                let authed = viewer.require()?;
                if !is_participant(state, authed, phase.challenge_id).await? {
                    return Err(ApiError::Forbidden);
                }
            }
            Visibility::Organizers => {
                viewer.require()?;
                return Err(ApiError::Forbidden);
            }
        }
    }
    let split = split.map_or_else(|| phase.input.split.clone(), |s| s.trim().to_owned());
    if split != phase.input.split && !manages && !phase.private_published {
        return Err(ApiError::Conflict {
            code: "not_published",
            field: Some("split".into()),
            message: format!("「{split}」榜尚未公布 / the '{split}' results are not published yet"),
        });
    }
    let scored = state.store.scored_submissions(phase.id).await?;
    // A stored report that does not read is left off the board, never shown as zeros.
    let scored: Vec<(jiebang_store::Submission, Option<ScoreReport>)> =
        scored.into_iter().map(|(submission, text)| (submission, serde_json::from_str(&text).ok())).collect();
    // Every indicator of the challenge, always — whatever the rows happen to have measured. A
    // report names the metric an indicator was judged on as the dataset resolved it (`f1` at
    // the dataset's threshold is `f1@0.5`), so that name is used where any report gives one.
    let resolved: BTreeMap<String, String> = scored
        .iter()
        .filter_map(|(_, report)| report.as_ref())
        .flat_map(|report| report.indicators.iter().map(|i| (i.expr.clone(), i.metric.clone())))
        .collect();
    let indicators: Vec<BoardIndicator> = state
        .store
        .get_challenge(phase.challenge_id)
        .await?
        .challenge
        .indicators
        .into_iter()
        .map(|i| {
            let expr = i.expr.to_string();
            let metric = resolved.get(&expr).cloned().unwrap_or_else(|| i.expr.metric.as_str().to_owned());
            BoardIndicator {
                name: i.name,
                metric,
                op: i.expr.op.symbol().to_owned(),
                threshold: i.expr.threshold,
                expr,
            }
        })
        .collect();
    let entries: Vec<Entry> = scored
        .iter()
        .filter_map(|(submission, report)| {
            Some(Entry {
                submission_id: submission.id,
                team_id: submission.organization_id,
                team: submission.organization_name.clone(),
                baseline: submission.is_baseline,
                submitted_ms: submission.created_ms,
                selected: submission.selected,
                scores: shown_scores(report.as_ref()?, &split, phase.input.precision)?,
            })
        })
        .collect();
    // The first indicator the rows answer ranks (a model's latency is no ranking for prediction
    // files); else the rows' first metric.
    let primary = indicators
        .iter()
        .find(|i| entries.iter().any(|e| e.scores.contains_key(&i.metric)))
        .map(|i| i.metric.clone())
        .or_else(|| entries.first().and_then(|e| e.scores.keys().next().cloned()))
        .unwrap_or_default();
    let direction = jiebang_core::indicator::MetricKey::parse(&primary)
        .map_or(jiebang_core::indicator::Direction::HigherIsBetter, |k| k.direction());
    let decimals = phase.input.precision;
    let counted = (phase.input.kind == PhaseKind::Final).then_some(phase.input.counted);
    let rows: Vec<BoardRow> = jiebang_core::evaluation::rank(entries, &primary, direction, decimals, counted)
        .into_iter()
        .map(|standing| BoardRow {
            rank: standing.rank,
            passes: indicators
                .iter()
                .map(|i| {
                    let value = standing.entry.scores.get(&i.metric)?;
                    let op = jiebang_core::indicator::Comparison::parse(&i.op)?;
                    Some(op.holds(*value, i.threshold))
                })
                .collect(),
            team: standing.entry.team,
            team_id: standing.entry.team_id,
            submission_id: standing.entry.submission_id,
            baseline: standing.entry.baseline,
            score: standing.score,
            scores: standing
                .entry
                .scores
                .into_iter()
                .map(|(k, v)| (k, jiebang_core::evaluation::round_to(v, decimals)))
                .collect(),
            entries: standing.entries,
        })
        .collect();
    let model_columns = jiebang_core::delivery::ON_THE_BOARD
        .iter()
        .chain(jiebang_core::delivery::SERVED_ON_THE_BOARD)
        .filter(|key| rows.iter().any(|r| r.scores.contains_key(**key)))
        .map(|key| (*key).to_owned())
        .collect();
    Ok(Leaderboard {
        model_columns,
        phase_id: phase.id,
        split,
        primary,
        direction: match direction {
            jiebang_core::indicator::Direction::HigherIsBetter => "higher",
            jiebang_core::indicator::Direction::LowerIsBetter => "lower",
        },
        decimals,
        indicators,
        rows,
    })
}

/// The board as a table: rank, team, submission, baseline, every score, every indicator.
pub(crate) fn board_table(board: &Leaderboard) -> (Vec<String>, Vec<Vec<TableCell>>) {
    // Every row's metrics: a delivered model's measurements are columns too.
    let metrics: Vec<&String> = board
        .rows
        .iter()
        .flat_map(|r| r.scores.keys())
        .collect::<std::collections::BTreeSet<_>>()
        .into_iter()
        .collect();
    let mut header = vec!["排名 rank".to_owned(), "团队 team".into(), "提交 submission".into(), "基线 baseline".into()];
    header.extend(metrics.iter().map(|m| (*m).clone()));
    header.extend(board.indicators.iter().map(|i| format!("达标 {}", i.expr)));
    let rows = board
        .rows
        .iter()
        .map(|row| {
            let mut cells = vec![
                row.rank.map_or(TableCell::Empty, |r| TableCell::Number(f64::from(r))),
                TableCell::Text(row.team.clone()),
                TableCell::Number(row.submission_id as f64),
                if row.baseline { TableCell::Text("是".into()) } else { TableCell::Empty },
            ];
            cells
                .extend(metrics.iter().map(|m| row.scores.get(*m).map_or(TableCell::Empty, |v| TableCell::Number(*v))));
            cells.extend(row.passes.iter().map(|p| match p {
                Some(true) => TableCell::Text("是".into()),
                Some(false) => TableCell::Text("否".into()),
                None => TableCell::Empty,
            }));
            cells
        })
        .collect();
    (header, rows)
}
