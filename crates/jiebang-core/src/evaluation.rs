//! The evaluation side of a challenge (测评): phases with their dates, quotas and visibility, and
//! the life of a submission. Pure types and rules; the store keeps them and the worker moves
//! submissions along.

use serde::{Deserialize, Serialize};

use crate::error::{Collector, Error, FieldError, required_text};
use crate::program::Day;

named_enum!(
    /// What a phase is for.
    PhaseKind {
        /// 开发: participants iterate against the public split.
        Development = "development" / "开发" / "Development",
        /// 最终: the private split decides; teams pick which submissions count.
        Final = "final" / "最终" / "Final",
        /// 验收: the acceptance test of the delivered work.
        Acceptance = "acceptance" / "验收" / "Acceptance",
    }
);

named_enum!(
    /// Who sees a phase's leaderboard.
    Visibility {
        /// The challenge's organizers only.
        Organizers = "organizers" / "仅发榜方" / "Organizers only",
        /// Registered participants and organizers.
        Participants = "participants" / "参赛方" / "Participants",
        /// Everyone.
        Public = "public" / "公开" / "Public",
    }
);

named_enum!(
    /// Where a submission is in its life.
    SubmissionState {
        /// Waiting for a worker.
        Queued = "queued" / "排队中" / "Queued",
        /// A worker is scoring it.
        Running = "running" / "评测中" / "Running",
        /// Scored; it has an evaluation.
        Scored = "scored" / "已评分" / "Scored",
        /// The file's fault (the engine's message says why); counts against the invalid cap.
        Invalid = "invalid" / "无效" / "Invalid",
        /// The platform's fault, after its retries; does not count against any quota.
        Failed = "failed" / "失败" / "Failed",
        /// Withdrawn by its team or an organizer before it ran.
        Cancelled = "cancelled" / "已取消" / "Cancelled",
    }
);

impl SubmissionState {
    /// Whether nothing more will happen to it (until an organizer re-runs it).
    pub fn is_finished(self) -> bool {
        matches!(self, Self::Scored | Self::Invalid | Self::Failed | Self::Cancelled)
    }

    /// Whether it still occupies a concurrent slot.
    pub fn is_active(self) -> bool {
        matches!(self, Self::Queued | Self::Running)
    }
}

/// Limits on one team's submissions in one phase. Zero means "no limit".
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Quotas {
    /// Per rolling 24 hours (invalid files included: a failing file still costs something).
    pub per_day: u32,
    /// Over the whole phase.
    pub total: u32,
    /// Queued or running at once.
    pub concurrent: u32,
    /// Invalid submissions over the whole phase.
    pub invalid: u32,
}

impl Default for Quotas {
    fn default() -> Self {
        Self { per_day: 5, total: 100, concurrent: 2, invalid: 20 }
    }
}

/// A team's submissions in a phase so far, as the quotas count them. Failed (the platform's
/// fault) and cancelled submissions count nowhere.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Usage {
    /// In the last 24 hours.
    pub last_day: u32,
    /// In the phase.
    pub total: u32,
    /// Queued or running now.
    pub active: u32,
    /// Invalid in the phase.
    pub invalid: u32,
}

impl Quotas {
    /// Submissions left in the next 24 hours and in the phase (`None`: no limit), as a team
    /// sees them before uploading.
    pub fn left(&self, usage: &Usage) -> (Option<u32>, Option<u32>) {
        let left = |limit: u32, used: u32| (limit > 0).then(|| limit.saturating_sub(used));
        let total = left(self.total, usage.total);
        let today = left(self.per_day, usage.last_day).map(|today| total.map_or(today, |total| today.min(total)));
        (today, total)
    }

    /// Why one more submission is not allowed, if it is not.
    pub fn refuse(&self, usage: &Usage) -> Option<String> {
        let over = |limit: u32, used: u32| limit > 0 && used >= limit;
        if over(self.concurrent, usage.active) {
            let n = self.concurrent;
            return Some(format!(
                "已有 {n} 个提交在排队或评测，请等待完成 / {n} submission(s) already queued or running; wait for one to finish"
            ));
        }
        if over(self.per_day, usage.last_day) {
            let n = self.per_day;
            return Some(format!("24 小时内最多提交 {n} 次 / at most {n} submission(s) per 24 hours"));
        }
        if over(self.total, usage.total) {
            let n = self.total;
            return Some(format!("本阶段最多提交 {n} 次 / at most {n} submission(s) in this phase"));
        }
        if over(self.invalid, usage.invalid) {
            let n = self.invalid;
            return Some(format!("无效提交已达上限 {n} 次 / the cap of {n} invalid submission(s) is reached"));
        }
        None
    }
}

/// A phase as an organizer defines it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PhaseInput {
    /// Development, final or acceptance.
    pub kind: PhaseKind,
    /// Shown name, e.g. 开发阶段.
    pub name: String,
    /// First day submissions are accepted (China Standard Time).
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    pub opens_on: Day,
    /// Last day submissions are accepted.
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    pub closes_on: Day,
    /// The split the leaderboard ranks on, e.g. `public`; empty for all rows.
    #[serde(default)]
    pub split: String,
    /// Who sees the leaderboard.
    pub visibility: Visibility,
    /// Submission limits per team.
    #[serde(default)]
    pub quotas: Quotas,
    /// Final phase: how many selected submissions count per team (default the latest 2).
    #[serde(default = "default_counted")]
    pub counted: u32,
    /// Decimal places shown on the leaderboard.
    #[serde(default = "default_precision")]
    pub precision: u32,
}

fn default_counted() -> u32 {
    2
}

fn default_precision() -> u32 {
    4
}

impl PhaseInput {
    /// Checks every field; reports all problems at once.
    pub fn validate(self) -> Result<Self, Error> {
        let mut errors = Collector::default();
        let name = errors.check(required_text("name", &self.name, 100));
        let split = errors.check(crate::error::optional_text("split", &self.split, 50));
        if self.closes_on < self.opens_on {
            errors.push(FieldError::new("closes_on", "截止日期早于开始日期 / the phase closes before it opens"));
        }
        if self.counted == 0 || self.counted > 20 {
            errors.push(FieldError::new(
                "counted",
                "计入成绩的提交数应在 1 到 20 之间 / counted must be between 1 and 20",
            ));
        }
        if self.precision > 10 {
            errors.push(FieldError::new("precision", "小数位数最多 10 / precision is at most 10 decimal places"));
        }
        errors.finish(|| Self { name: name.unwrap_or_default(), split: split.unwrap_or_default(), ..self })
    }

    /// Whether submissions are accepted on `today`.
    pub fn is_open_on(&self, today: Day) -> bool {
        self.opens_on <= today && today <= self.closes_on
    }
}

/// One scored submission as a leaderboard sees it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Entry {
    /// The submission.
    pub submission_id: i64,
    /// The team's organization.
    pub team_id: i64,
    /// The team's name.
    pub team: String,
    /// An organizers' reference submission: listed, never ranked.
    pub baseline: bool,
    /// When it was submitted (ms), which breaks ties: earlier first.
    pub submitted_ms: i64,
    /// Chosen by its team to count in a final phase.
    pub selected: bool,
    /// Its scores on the split the board shows.
    pub scores: std::collections::BTreeMap<String, f64>,
}

/// A line of a leaderboard: a team's best entry (or a baseline), in board order.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Standing {
    /// 1, 2, … for teams; `None` for baselines.
    pub rank: Option<u32>,
    /// The entry that counts.
    #[serde(flatten)]
    pub entry: Entry,
    /// The primary score rounded to the board's precision (what is compared).
    pub score: f64,
    /// Scored entries the team had on this board.
    pub entries: u32,
}

/// The largest prediction file worth reading against hidden labels of `labels_bytes`: a
/// prediction line holds an id of the truth and, per class, a number of at most 26 characters,
/// while each truth line has at least 4 bytes (`1,0` and a line break), so a single-score file
/// stays within 8 × the labels and a multiclass one within 64 × (eight classes' probabilities
/// at full precision), plus 1 MiB for headers and spaces. Anything larger is refused before it
/// is stored or read.
pub fn prediction_size_limit(labels_bytes: u64, multiclass: bool) -> u64 {
    let factor = if multiclass { 64 } else { 8 };
    labels_bytes.saturating_mul(factor).saturating_add(1 << 20)
}

/// `value` rounded half away from zero to `decimals` places.
pub fn round_to(value: f64, decimals: u32) -> f64 {
    let scale = 10f64.powi(decimals.min(15) as i32);
    (value * scale).round() / scale
}

/// Ranks teams by their best entry on `primary` (rounded to `decimals`, better first in
/// `direction`, ties to the earlier submission). With `counted` (the final phase's rule), only
/// the entries a team selected count — or, when it selected none, its latest `counted`. Baselines are listed in place,
/// unranked; entries without the primary score are left out.
pub fn rank(
    entries: Vec<Entry>,
    primary: &str,
    direction: crate::indicator::Direction,
    decimals: u32,
    counted: Option<u32>,
) -> Vec<Standing> {
    use std::collections::BTreeMap;
    let better = |a: f64, b: f64| match direction {
        crate::indicator::Direction::HigherIsBetter => b.total_cmp(&a),
        crate::indicator::Direction::LowerIsBetter => a.total_cmp(&b),
    };
    let mut by_team: BTreeMap<i64, Vec<Entry>> = BTreeMap::new();
    let mut standings = Vec::new();
    for entry in entries.into_iter().filter(|e| e.scores.get(primary).is_some_and(|v| v.is_finite())) {
        if entry.baseline {
            let score = round_to(entry.scores[primary], decimals);
            standings.push(Standing { rank: None, entry, score, entries: 1 });
        } else {
            by_team.entry(entry.team_id).or_default().push(entry);
        }
    }
    for (_, mut team) in by_team {
        let total = team.len() as u32;
        if let Some(n) = counted {
            if team.iter().any(|e| e.selected) {
                team.retain(|e| e.selected);
            } else {
                team.sort_by_key(|e| std::cmp::Reverse(e.submitted_ms));
                team.truncate(n as usize);
            }
        }
        let best = team.into_iter().min_by(|a, b| {
            let (x, y) = (round_to(a.scores[primary], decimals), round_to(b.scores[primary], decimals));
            better(x, y).then(a.submitted_ms.cmp(&b.submitted_ms))
        });
        if let Some(entry) = best {
            let score = round_to(entry.scores[primary], decimals);
            standings.push(Standing { rank: Some(0), entry, score, entries: total });
        }
    }
    standings.sort_by(|a, b| better(a.score, b.score).then(a.entry.submitted_ms.cmp(&b.entry.submitted_ms)));
    let mut next = 0;
    for standing in &mut standings {
        if standing.rank.is_some() {
            next += 1;
            standing.rank = Some(next);
        }
    }
    standings
}

#[cfg(test)]
mod tests {
    #[test]
    fn what_is_left_is_the_tighter_of_the_day_and_the_phase() {
        let quotas = Quotas { per_day: 5, total: 6, concurrent: 2, invalid: 3 };
        let usage = |last_day, total| Usage { last_day, total, ..Usage::default() };
        assert_eq!(quotas.left(&usage(2, 2)), (Some(3), Some(4)));
        assert_eq!(quotas.left(&usage(0, 5)), (Some(1), Some(1)), "the phase's last one");
        assert_eq!(quotas.left(&usage(7, 7)), (Some(0), Some(0)));
        let unlimited = Quotas { per_day: 0, total: 0, ..quotas };
        assert_eq!(unlimited.left(&usage(9, 9)), (None, None));
    }

    use super::*;

    fn entry(id: i64, team: i64, score: f64, at: i64) -> Entry {
        Entry {
            submission_id: id,
            team_id: team,
            team: format!("team {team}"),
            baseline: team == 0,
            submitted_ms: at,
            selected: false,
            scores: [("f1@0.5".to_owned(), score)].into(),
        }
    }

    #[test]
    fn a_board_ranks_each_teams_best_entry_breaks_rounded_ties_by_time_and_lists_baselines_unranked() {
        use crate::indicator::Direction::*;
        let entries = vec![
            entry(1, 1, 0.81, 10),
            entry(2, 1, 0.90, 20),
            entry(3, 2, 0.90004, 15), // rounds to 0.9000 like team 1's, but came first
            entry(4, 3, 0.70, 5),
            entry(5, 0, 0.85, 1),
        ];
        let board = rank(entries.clone(), "f1@0.5", HigherIsBetter, 4, None);
        let order: Vec<(Option<u32>, i64)> = board.iter().map(|s| (s.rank, s.entry.submission_id)).collect();
        assert_eq!(order, [(Some(1), 3), (Some(2), 2), (None, 5), (Some(3), 4)]);
        assert_eq!(board[1].entries, 2);
        assert_eq!(board[0].score, 0.9);
        // Lower is better: the order turns around.
        let board = rank(entries.clone(), "f1@0.5", LowerIsBetter, 4, None);
        assert_eq!(board[0].entry.submission_id, 4);
        // Only the latest entry counts: team 1's 0.90 at t=20 stays, its 0.81 is dropped either way;
        // with counted = 1 and a later worse entry, the later one counts.
        let mut later = entries;
        later.push(entry(6, 1, 0.5, 30));
        let board = rank(later.clone(), "f1@0.5", HigherIsBetter, 4, Some(1));
        let team1 = board.iter().find(|s| s.entry.team_id == 1).unwrap();
        assert_eq!((team1.entry.submission_id, team1.entries), (6, 3));
        // A team's own selection overrides "the latest".
        later[1].selected = true;
        let board = rank(later, "f1@0.5", HigherIsBetter, 4, Some(1));
        assert_eq!(board.iter().find(|s| s.entry.team_id == 1).unwrap().entry.submission_id, 2);
    }

    #[test]
    fn rounding_is_half_away_from_zero() {
        assert_eq!(round_to(0.12345, 4), 0.1235);
        assert_eq!(round_to(-0.5, 0), -1.0);
        assert_eq!(round_to(2.0 / 3.0, 2), 0.67);
    }

    fn day(text: &str) -> Day {
        Day::parse("d", text).unwrap()
    }

    fn phase() -> PhaseInput {
        PhaseInput {
            kind: PhaseKind::Development,
            name: " 开发阶段 ".into(),
            opens_on: day("2026-01-01"),
            closes_on: day("2026-03-31"),
            split: "public".into(),
            visibility: Visibility::Public,
            quotas: Quotas::default(),
            counted: 2,
            precision: 4,
        }
    }

    #[test]
    fn a_phase_is_trimmed_and_every_bad_field_is_named() {
        assert_eq!(phase().validate().unwrap().name, "开发阶段");
        let bad = PhaseInput { name: " ".into(), closes_on: day("2025-12-31"), counted: 0, precision: 11, ..phase() };
        let fields: Vec<String> = bad.validate().unwrap_err().field_errors().iter().map(|e| e.field.clone()).collect();
        assert_eq!(fields, ["name", "closes_on", "counted", "precision"]);
    }

    #[test]
    fn a_phase_is_open_on_both_of_its_end_days() {
        let p = phase();
        assert!(p.is_open_on(day("2026-01-01")) && p.is_open_on(day("2026-03-31")));
        assert!(!p.is_open_on(day("2025-12-31")) && !p.is_open_on(day("2026-04-01")));
    }

    #[test]
    fn each_quota_refuses_with_its_own_reason_and_zero_means_unlimited() {
        let quotas = Quotas { per_day: 3, total: 10, concurrent: 1, invalid: 2 };
        assert_eq!(quotas.refuse(&Usage { last_day: 2, total: 9, active: 0, invalid: 1 }), None);
        let reason = |usage: Usage| quotas.refuse(&usage).unwrap();
        assert!(reason(Usage { active: 1, ..Usage::default() }).contains("queued or running"));
        assert!(reason(Usage { last_day: 3, ..Usage::default() }).contains("per 24 hours"));
        assert!(reason(Usage { total: 10, ..Usage::default() }).contains("in this phase"));
        assert!(reason(Usage { invalid: 2, ..Usage::default() }).contains("invalid"));
        let unlimited = Quotas { per_day: 0, total: 0, concurrent: 0, invalid: 0 };
        assert_eq!(unlimited.refuse(&Usage { last_day: 99, total: 999, active: 50, invalid: 9 }), None);
    }

    #[test]
    fn states_know_whether_they_are_finished_and_names_round_trip() {
        for &state in SubmissionState::ALL {
            assert_eq!(SubmissionState::parse("state", state.as_str()).unwrap(), state);
            assert_ne!(state.is_finished(), state.is_active());
        }
        assert!(SubmissionState::parse("state", "done").unwrap_err().message.contains("queued"));
    }
}
