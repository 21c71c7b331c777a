//! Expert review (专家评审): the review form, conflicts of interest, the seeded random draw of
//! experts, score aggregation with outlier flags, and the ranking that selects the draft list.
//!
//! The draw is replayable: anyone holding the recorded seed and inputs can run [`draw`] and get
//! the same panel. Its generator is SplitMix64, written out here so the algorithm is the code.

use std::collections::HashMap;

use serde::{Deserialize, Serialize};

use crate::error::{Collector, Error, FieldError, optional_text, required_text};
use crate::program::Aggregation;

/// One criterion of the review form.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Criterion {
    /// e.g. 技术路线.
    pub name: String,
    /// Highest score an expert may give.
    pub max: u32,
}

/// The default form (docs/domain.md §5), 100 points in all.
pub fn default_form() -> Vec<Criterion> {
    [
        ("研究基础与条件", 15),
        ("研究内容与预期目标", 15),
        ("技术路线", 20),
        ("团队实力", 15),
        ("进度计划", 10),
        ("预期成果", 15),
        ("经费合理性", 10),
    ]
    .into_iter()
    .map(|(name, max)| Criterion { name: name.into(), max })
    .collect()
}

/// Checks a program's form: 1–20 criteria, names unique, each worth 1–100.
pub fn validate_form(form: &[Criterion]) -> Vec<FieldError> {
    let mut errors = Vec::new();
    if form.is_empty() || form.len() > 20 {
        errors.push(FieldError::new("rules.review_form", "评审表应有 1 到 20 项 / the form needs 1 to 20 criteria"));
    }
    for (i, criterion) in form.iter().enumerate() {
        if criterion.name.trim().is_empty() || form[..i].iter().any(|c| c.name == criterion.name) {
            errors.push(FieldError::new(
                format!("rules.review_form[{i}].name"),
                "名称必填且不重复 / required and unique",
            ));
        }
        if !(1..=100).contains(&criterion.max) {
            errors.push(FieldError::new(format!("rules.review_form[{i}].max"), "满分应为 1 到 100 / must be 1 to 100"));
        }
    }
    errors
}

/// A new member of the expert pool.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ExpertInput {
    /// The expert's account.
    pub user_id: i64,
    /// Name.
    pub name: String,
    /// 职称.
    #[serde(default)]
    pub title: String,
    /// 专业领域.
    #[serde(default)]
    pub fields: String,
    /// Organizations now (for conflicts of interest).
    #[serde(default)]
    pub current_organizations: Vec<i64>,
    /// Organizations before.
    #[serde(default)]
    pub past_organizations: Vec<i64>,
}

/// An expert's review as submitted.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ReviewInput {
    /// One score per criterion, in form order.
    pub scores: Vec<f64>,
    /// 专家意见.
    pub comment: String,
    /// 一票否决 and its reason; one veto keeps the application off the list.
    #[serde(default)]
    pub veto: Option<String>,
}

impl ReviewInput {
    /// Checks the review against the form; returns it trimmed, with its total.
    pub fn validate(&self, form: &[Criterion]) -> Result<(Self, f64), Error> {
        let mut c = Collector::default();
        if self.scores.len() != form.len() {
            c.push(FieldError::new(
                "scores",
                format!(
                    "应有 {} 项评分，实际 {} 项 / expected {} scores, found {}",
                    form.len(),
                    self.scores.len(),
                    form.len(),
                    self.scores.len()
                ),
            ));
        }
        for (i, (score, criterion)) in self.scores.iter().zip(form).enumerate() {
            if !score.is_finite() || *score < 0.0 || *score > f64::from(criterion.max) {
                c.push(FieldError::new(
                    format!("scores[{i}]"),
                    format!(
                        "「{}」应为 0 到 {} 分，实际为 {score} / must be 0 to {}",
                        criterion.name, criterion.max, criterion.max
                    ),
                ));
            }
        }
        let comment = c.check(required_text("comment", &self.comment, 2000));
        let veto = match &self.veto {
            Some(reason) if !reason.trim().is_empty() => c.check(optional_text("veto", reason, 500)),
            _ => None,
        };
        let total = self.scores.iter().sum();
        c.finish(|| (Self { scores: self.scores.clone(), comment: comment.unwrap_or_default(), veto }, total))
    }
}

/// Combines the totals of one application's reviews. The trimmed mean drops one highest and one
/// lowest total when there are at least five; with fewer it is the plain mean.
pub fn aggregate(totals: &[f64], rule: Aggregation) -> Option<f64> {
    if totals.is_empty() {
        return None;
    }
    let mut sorted = totals.to_vec();
    sorted.sort_by(f64::total_cmp);
    let mean = |xs: &[f64]| xs.iter().sum::<f64>() / xs.len() as f64;
    Some(match rule {
        Aggregation::Mean => mean(&sorted),
        Aggregation::TrimmedMean if sorted.len() >= 5 => mean(&sorted[1..sorted.len() - 1]),
        Aggregation::TrimmedMean => mean(&sorted),
        Aggregation::Median => median(&sorted),
    })
}

fn median(sorted: &[f64]) -> f64 {
    let n = sorted.len();
    if n % 2 == 1 { sorted[n / 2] } else { (sorted[n / 2 - 1] + sorted[n / 2]) / 2.0 }
}

/// Which totals lie more than `gap` points from the median, for the panel chair to look at.
pub fn outliers(totals: &[f64], gap: f64) -> Vec<bool> {
    if totals.is_empty() {
        return Vec::new();
    }
    let mut sorted = totals.to_vec();
    sorted.sort_by(f64::total_cmp);
    let m = median(&sorted);
    totals.iter().map(|t| (t - m).abs() > gap).collect()
}

/// An application as the draw sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Candidate {
    /// Application id.
    pub application_id: i64,
    /// Lead and joint units.
    pub organizations: Vec<i64>,
}

/// An expert as the draw sees them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Panelist {
    /// Expert id.
    pub expert_id: i64,
    /// Current and past organizations.
    pub organizations: Vec<i64>,
    /// Applications the expert declared a conflict with.
    pub declared: Vec<i64>,
    /// Assignments the expert already holds in this program.
    pub load: u32,
}

impl Panelist {
    /// Whether the expert may not review `candidate` (回避).
    pub fn conflicts_with(&self, candidate: &Candidate) -> bool {
        self.declared.contains(&candidate.application_id)
            || self.organizations.iter().any(|o| candidate.organizations.contains(o))
    }
}

/// SplitMix64 (Steele, Lea & Flood 2014): tiny, fast, and fully specified by these lines.
#[derive(Debug, Clone)]
pub struct SplitMix64(u64);

impl SplitMix64 {
    /// Seeded generator.
    pub fn new(seed: u64) -> Self {
        Self(seed)
    }

    /// The next number.
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in `0..n` (n > 0), by rejection so no value is favoured.
    pub fn below(&mut self, n: u64) -> u64 {
        let zone = u64::MAX - (u64::MAX % n);
        loop {
            let x = self.next_u64();
            if x < zone {
                return x % n;
            }
        }
    }
}

/// Draws `k` experts for every candidate. Candidates are taken in the order given (callers pass
/// them by id); for each, the experts without a conflict and not yet on its panel are shuffled
/// (Fisher–Yates with the seeded generator), stably sorted by current load, and the first ones
/// fill the panel up to `k`. `existing` are assignments already made (they count toward `k` and
/// the load). Returns the new (application, expert) pairs, or an error naming the first
/// application that cannot get `k` experts.
pub fn draw(
    seed: u64,
    k: usize,
    candidates: &[Candidate],
    panelists: &[Panelist],
    existing: &[(i64, i64)],
) -> Result<Vec<(i64, i64)>, Error> {
    let mut rng = SplitMix64::new(seed);
    let mut load: HashMap<i64, u32> = panelists.iter().map(|p| (p.expert_id, p.load)).collect();
    let mut drawn = Vec::new();
    for candidate in candidates {
        let on_panel: Vec<i64> =
            existing.iter().filter(|(a, _)| *a == candidate.application_id).map(|(_, e)| *e).collect();
        let needed = k.saturating_sub(on_panel.len());
        let mut eligible: Vec<i64> = panelists
            .iter()
            .filter(|p| !p.conflicts_with(candidate) && !on_panel.contains(&p.expert_id))
            .map(|p| p.expert_id)
            .collect();
        if eligible.len() < needed {
            return Err(Error::invalid(
                "experts",
                format!(
                    "申报 {} 只有 {} 位无利益冲突的专家可抽取，需要 {needed} 位 / application {} has {} eligible experts, {needed} needed",
                    candidate.application_id,
                    eligible.len(),
                    candidate.application_id,
                    eligible.len()
                ),
            ));
        }
        for i in (1..eligible.len()).rev() {
            let j = rng.below(i as u64 + 1) as usize;
            eligible.swap(i, j);
        }
        eligible.sort_by_key(|e| load[e]);
        for expert in eligible.into_iter().take(needed) {
            *load.get_mut(&expert).expect("every eligible expert has a load") += 1;
            drawn.push((candidate.application_id, expert));
        }
    }
    Ok(drawn)
}

/// An application ready to be ranked.
#[derive(Debug, Clone, PartialEq)]
pub struct Standing {
    /// Application id.
    pub application_id: i64,
    /// Its challenge.
    pub challenge_id: i64,
    /// Aggregated expert score (0–100 on the default form).
    pub review_score: f64,
    /// The objective evaluation score on the same 0–100 scale, when blended.
    pub objective_score: Option<f64>,
    /// Whether any expert vetoed it.
    pub vetoed: bool,
    /// Submission time (RFC 3339), the second tie-break.
    pub submitted_at: String,
}

/// The outcome for one application.
#[derive(Debug, Clone, PartialEq)]
pub struct Placement {
    /// Application id.
    pub application_id: i64,
    /// Final score after blending.
    pub final_score: f64,
    /// 1-based rank within its challenge.
    pub rank: u32,
    /// On the draft list.
    pub proposed: bool,
    /// On it in the 潜力单位 tier, after the challenge's winners (`proposed` too).
    pub potential: bool,
}

/// The tie-break rule, stated on the ranking page: higher final score first; then earlier
/// submission; then lower application id.
pub const TIE_BREAK: &str = "总分高者在前；总分相同时提交时间早者在前；再相同按申报编号 / higher final score first; then earlier submission; then lower application id";

/// Ranks the applications of each challenge and proposes up to `winners[challenge]` of them,
/// then at most `quota` across the program (0 = no program quota; the best final scores stay);
/// the next `potential` of each challenge are proposed in the 潜力单位 tier, outside the quota.
/// `objective_weight` (0–1) blends the objective score in where one is given. Vetoed
/// applications are ranked but never proposed.
pub fn select(
    standings: &[Standing],
    objective_weight: f64,
    winners: &HashMap<i64, u32>,
    quota: u32,
    potential: u32,
) -> Vec<Placement> {
    let final_score = |s: &Standing| match s.objective_score {
        Some(objective) => (1.0 - objective_weight) * s.review_score + objective_weight * objective,
        None => s.review_score,
    };
    let mut order: Vec<(&Standing, f64)> = standings.iter().map(|s| (s, final_score(s))).collect();
    order.sort_by(|(a, fa), (b, fb)| {
        fb.total_cmp(fa).then_with(|| a.submitted_at.cmp(&b.submitted_at)).then(a.application_id.cmp(&b.application_id))
    });
    let mut rank_in: HashMap<i64, u32> = HashMap::new();
    let mut taken: HashMap<i64, u32> = HashMap::new();
    let mut potential_taken: HashMap<i64, u32> = HashMap::new();
    let mut proposed_total = 0;
    let mut placements = Vec::new();
    for (standing, score) in order {
        let rank = rank_in.entry(standing.challenge_id).or_insert(0);
        *rank += 1;
        let taken = taken.entry(standing.challenge_id).or_insert(0);
        let room = winners.get(&standing.challenge_id).copied().unwrap_or(0);
        let proposed = !standing.vetoed && *taken < room && (quota == 0 || proposed_total < quota);
        if proposed {
            *taken += 1;
            proposed_total += 1;
        }
        let tier = potential_taken.entry(standing.challenge_id).or_insert(0);
        let in_tier = !proposed && !standing.vetoed && *tier < potential;
        *tier += u32::from(in_tier);
        placements.push(Placement {
            application_id: standing.application_id,
            final_score: score,
            rank: *rank,
            proposed: proposed || in_tier,
            potential: in_tier,
        });
    }
    placements
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_default_form_is_worth_one_hundred_points() {
        let form = default_form();
        assert_eq!(form.iter().map(|c| c.max).sum::<u32>(), 100);
        assert!(validate_form(&form).is_empty());
        let bad = vec![Criterion { name: "a".into(), max: 0 }, Criterion { name: "a".into(), max: 5 }];
        let fields: Vec<_> = validate_form(&bad).into_iter().map(|e| e.field).collect();
        assert_eq!(fields, ["rules.review_form[0].max", "rules.review_form[1].name"]);
    }

    #[test]
    fn reviews_are_checked_against_each_criterions_maximum() {
        let form = default_form();
        let good =
            ReviewInput {
                scores: vec![12.0, 13.0, 18.0, 12.0, 8.0, 13.0, 9.0], comment: " 良好 ".into(), veto: None
            };
        let (review, total) = good.validate(&form).unwrap();
        assert_eq!((review.comment.as_str(), total), ("良好", 85.0));
        let bad = ReviewInput { scores: vec![16.0, 1.0], comment: String::new(), veto: Some("  ".into()) };
        let fields: Vec<_> = bad.validate(&form).unwrap_err().field_errors().iter().map(|e| e.field.clone()).collect();
        assert_eq!(fields, ["scores", "scores[0]", "comment"]);
    }

    #[test]
    fn trimmed_mean_drops_one_highest_and_one_lowest_from_five_reviews() {
        let five = [80.0, 90.0, 85.0, 40.0, 95.0];
        assert_eq!(aggregate(&five, Aggregation::TrimmedMean), Some(85.0));
        assert_eq!(aggregate(&five, Aggregation::Mean), Some(78.0));
        assert_eq!(aggregate(&five, Aggregation::Median), Some(85.0));
        assert_eq!(aggregate(&five[..4], Aggregation::TrimmedMean), Some(73.75));
        assert_eq!(aggregate(&[80.0, 90.0], Aggregation::Median), Some(85.0));
        assert_eq!(aggregate(&[], Aggregation::Mean), None);
        assert_eq!(outliers(&five, 20.0), [false, false, false, true, false]);
    }

    fn panel(n: i64) -> Vec<Panelist> {
        (1..=n).map(|id| Panelist { expert_id: id, organizations: vec![100 + id], declared: vec![], load: 0 }).collect()
    }

    fn candidates() -> Vec<Candidate> {
        (1..=4).map(|id| Candidate { application_id: id, organizations: vec![id, 10 + id] }).collect()
    }

    #[test]
    fn the_draw_is_replayable_from_its_seed_and_balances_load() {
        let experts = panel(7);
        let a = draw(42, 5, &candidates(), &experts, &[]).unwrap();
        assert_eq!(a, draw(42, 5, &candidates(), &experts, &[]).unwrap());
        assert_ne!(a, draw(43, 5, &candidates(), &experts, &[]).unwrap());
        assert_eq!(a.len(), 20);
        let mut load: HashMap<i64, u32> = HashMap::new();
        for (_, e) in &a {
            *load.entry(*e).or_default() += 1;
        }
        let (lo, hi) = (load.values().min().unwrap(), load.values().max().unwrap());
        assert!(hi - lo <= 1, "{load:?}");
    }

    #[test]
    fn conflicted_experts_are_never_drawn_and_a_short_panel_is_an_error() {
        let mut experts = panel(6);
        experts[0].organizations.push(2); // works for application 2's lead unit
        experts[1].declared.push(3);
        let drawn = draw(7, 5, &candidates(), &experts, &[]).unwrap();
        assert!(!drawn.contains(&(2, 1)) && !drawn.contains(&(3, 2)));
        let err = draw(7, 6, &candidates(), &experts, &[]).unwrap_err();
        assert!(err.to_string().contains("申报 1") || err.to_string().contains("申报 2"), "{err}");
        // Existing assignments count toward the panel.
        let more = draw(7, 5, &candidates()[..1], &experts, &[(1, 3), (1, 4)]).unwrap();
        assert_eq!(more.len(), 3);
    }

    #[test]
    fn selection_takes_the_winners_per_challenge_within_the_quota_skipping_vetoes() {
        let s = |id: i64, challenge: i64, score: f64, vetoed: bool, at: &str| Standing {
            application_id: id,
            challenge_id: challenge,
            review_score: score,
            objective_score: None,
            vetoed,
            submitted_at: at.into(),
        };
        let standings = [
            s(1, 10, 80.0, false, "2025-01-02"),
            s(2, 10, 90.0, true, "2025-01-01"),
            s(3, 10, 80.0, false, "2025-01-01"),
            s(4, 20, 70.0, false, "2025-01-01"),
        ];
        let winners = HashMap::from([(10, 1), (20, 1)]);
        let placed = select(&standings, 0.0, &winners, 0, 0);
        let by_id = |id| placed.iter().find(|p| p.application_id == id).unwrap().clone();
        assert_eq!((by_id(2).rank, by_id(2).proposed), (1, false)); // vetoed
        assert_eq!((by_id(3).rank, by_id(3).proposed), (2, true)); // tie broken by earlier submission
        assert_eq!((by_id(1).rank, by_id(1).proposed), (3, false));
        assert!(by_id(4).proposed);
        // A program quota of 1 keeps only the best final score.
        let capped = select(&standings, 0.0, &winners, 1, 0);
        assert_eq!(capped.iter().filter(|p| p.proposed).map(|p| p.application_id).collect::<Vec<_>>(), [3]);
        // One 潜力单位 a challenge: the next unvetoed after the winners, outside the quota.
        let tiered = select(&standings, 0.0, &winners, 1, 1);
        let tier: Vec<(i64, bool, bool)> = tiered.iter().map(|p| (p.application_id, p.proposed, p.potential)).collect();
        assert_eq!(tier, [(2, false, false), (3, true, false), (1, true, true), (4, true, true)]);
        // Blending: 50% of an objective 100 lifts application 4 to 85.
        let mut blended = standings.clone();
        blended[3].objective_score = Some(100.0);
        assert_eq!(
            select(&blended, 0.5, &winners, 0, 0).iter().find(|p| p.application_id == 4).unwrap().final_score,
            85.0
        );
    }
}
