//! Selection (揭榜 → 推荐 → 形式审查 → 专家评审 → 公示 → 公告): applications, recommendation,
//! the expert pool and review, ranking, publicity with objections, the announced list and its
//! exports, statistics and notifications.
//!
//! Who sees an application: its consortium's users, the program's organizers, the recommenders
//! of its region once submitted, and experts assigned to it without a conflict of interest.
//! Everyone else gets 404. The public sees the published list only, never contact data or the
//! objectors' identities.

use std::collections::{BTreeMap, HashMap};

use axum::extract::Multipart;
use jiebang_core::application::{Action, Actor, ApplicationState, ListTier};
use jiebang_core::program::ProgramStatus;
use jiebang_core::publicity::{Decision, NoticeInput, notice_paragraphs, notice_paragraphs_en};
use jiebang_core::region::Region;
use jiebang_core::review::outliers;
use jiebang_store::{Application, ApplicationFilter, Objection, Program, Publicity};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::AppState;
use crate::app::access::{managed_program, standings, visible_application, visible_program};
use crate::auth::Viewer;
use crate::error::ApiError;
use crate::i18n::Lang;

/// A program the viewer may see, and those of its applications they may see.
pub(crate) async fn applications_seen_by(
    state: &AppState,
    viewer: &Viewer,
    program_id: i64,
) -> Result<(Program, Vec<Application>), ApiError> {
    let program = visible_program(state, viewer, program_id).await?;
    viewer.require()?;
    let all = state.store.list_applications(program_id, &ApplicationFilter::default()).await?;
    let standings = standings(state, viewer, program_id, &all).await?;
    Ok((program, all.into_iter().zip(standings).filter(|(_, s)| s.sees()).map(|(a, _)| a).collect()))
}

/// `?signed=true`.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
pub struct SnapshotQuery {
    /// Answer with the snapshot, its SHA-256 and the platform's signature in one JSON document
    /// (`jiebang verify` checks it) instead of the snapshot alone.
    #[serde(default)]
    pub signed: bool,
}

/// A signed application snapshot: the signature covers `snapshot` in its RFC 8785 canonical
/// form, whose SHA-256 is `sha256`.
#[derive(Debug, Serialize, ToSchema)]
pub struct SignedSnapshot {
    /// The snapshot.
    #[schema(value_type = Object)]
    pub snapshot: serde_json::Value,
    /// SHA-256 of the canonical snapshot, hex.
    pub sha256: String,
    /// `RFC8785`.
    pub canonicalization: &'static str,
    /// Ed25519 signature of the canonical snapshot, hex.
    pub signature: String,
    /// The platform's public key, hex.
    pub public_key: String,
}

/// A hand action on an application.
#[derive(Debug, Deserialize, ToSchema)]
pub struct ActionInput {
    /// `submit` (lead unit), `return`, `pass_check`, `fail_check` (organizers), `recommend`,
    /// `decline` (the region's recommender).
    #[schema(value_type = String)]
    pub action: Action,
    /// Required for return, decline and fail_check; shown to the applicant.
    #[serde(default)]
    pub reason: String,
}

/// Checks that the viewer holds the role `action` needs, then takes it.
pub(crate) async fn take_action(
    state: &AppState,
    viewer: &Viewer,
    id: i64,
    action: Action,
    reason: &str,
) -> Result<Application, ApiError> {
    let (application, standing) = visible_application(state, viewer, id).await?;
    let authed = viewer.require()?;
    let (actor, allowed) = match action {
        Action::Submit => (Actor::Applicant, standing.lead),
        Action::Recommend | Action::Decline => (Actor::Recommender, standing.recommender),
        _ => (Actor::Organizer, standing.organizer),
    };
    if !allowed {
        return Err(ApiError::Forbidden);
    }
    let region = authed.principal.grants.iter().find_map(|g| match &g.scope {
        jiebang_core::role::Scope::Region(code)
            if g.role == jiebang_core::role::Role::Recommender
                && jiebang_core::region::covers(code, &application.region_code) =>
        {
            Some(code.clone())
        }
        _ => None,
    });
    Ok(state
        .store
        .act_on_application(id, action, actor, reason, authed.user.id, region.as_deref(), state.clock.today())
        .await?)
}

/// A place in a consortium.
#[derive(Debug, Serialize, ToSchema)]
pub struct PlaceView {
    /// The unit.
    pub organization_id: i64,
    /// Its name.
    pub organization_name: String,
    /// The lead unit.
    pub lead: bool,
    /// `pending`, `accepted` or `declined`.
    #[schema(value_type = String)]
    pub consent: jiebang_core::application::Consent,
    /// Why it declined.
    pub reason: String,
    /// When it answered.
    pub answered_at: Option<String>,
}

impl From<jiebang_store::Place> for PlaceView {
    fn from(p: jiebang_store::Place) -> Self {
        Self {
            organization_id: p.organization_id,
            organization_name: p.organization_name,
            lead: p.lead,
            consent: p.consent,
            reason: p.reason,
            answered_at: p.answered_at,
        }
    }
}

/// A joint unit's answer.
#[derive(Debug, Deserialize, ToSchema)]
pub struct PlaceAnswer {
    /// The unit answering; the caller must act for it.
    pub organization_id: i64,
    /// `true` to join the consortium, `false` to decline.
    pub accept: bool,
    /// Why it declines (required then); shown to the lead unit.
    #[serde(default)]
    pub reason: String,
}

/// Checks that the viewer acts for the answering unit, then records the answer.
pub(crate) async fn answer(
    state: &AppState,
    viewer: &Viewer,
    id: i64,
    input: &PlaceAnswer,
) -> Result<PlaceView, ApiError> {
    visible_application(state, viewer, id).await?;
    let authed = viewer.require_that(|p| p.can_act_for(input.organization_id))?;
    let place =
        state.store.answer_place(id, input.organization_id, input.accept, &input.reason, authed.user.id).await?;
    Ok(place.into())
}

/// An expert's declaration that their account also applies in the program.
#[derive(Debug, Serialize, ToSchema)]
pub struct DualRoleView {
    /// The expert.
    pub expert_id: i64,
    /// Their name.
    pub expert_name: String,
    /// What they declared.
    pub statement: String,
    /// When (RFC 3339).
    pub declared_at: String,
}

impl From<jiebang_store::DualRole> for DualRoleView {
    fn from(d: jiebang_store::DualRole) -> Self {
        Self { expert_id: d.expert_id, expert_name: d.expert_name, statement: d.statement, declared_at: d.declared_at }
    }
}

/// An attachment of an application, for everyone who may read the application (its units,
/// recommenders, organizers and assigned experts); 404 for anyone else and for a file that is
/// not one of its attachments.
pub(crate) async fn attachment(
    state: &AppState,
    viewer: &Viewer,
    id: i64,
    file_id: i64,
) -> Result<(jiebang_store::StoredFile, Vec<u8>), ApiError> {
    visible_application(state, viewer, id).await?;
    let file = state
        .store
        .application_files(id)
        .await?
        .into_iter()
        .find(|f| f.id == file_id)
        .ok_or_else(|| ApiError::NotFound(format!("附件 {file_id} 不存在 / attachment {file_id} not found")))?;
    let bytes = state.files.get(&file.key).await?;
    Ok((file, bytes))
}

/// The viewer (a user) if they act for the application's lead unit and it can still be
/// edited; otherwise 403, or 409 with `refusal`.
async fn lead_of_editable(state: &AppState, viewer: &Viewer, id: i64, refusal: &str) -> Result<i64, ApiError> {
    let (application, standing) = visible_application(state, viewer, id).await?;
    if !standing.lead {
        return Err(ApiError::Forbidden);
    }
    if !application.state.is_editable() {
        return Err(ApiError::Conflict { code: "refused", field: None, message: refusal.into() });
    }
    Ok(viewer.require()?.user.id)
}

/// The lead unit invites a unit not yet on the platform to its consortium, by e-mail, while
/// the application can still be edited (the invited unit is added once it is registered).
pub(crate) async fn invite_unit(
    state: &AppState,
    viewer: &Viewer,
    id: i64,
    email: &str,
    unit_name: &str,
) -> Result<(), ApiError> {
    let user = lead_of_editable(
        state,
        viewer,
        id,
        "只有草稿或退回修改的申报可以邀请联合单位 / units are invited to drafts and returned applications only",
    )
    .await?;
    if let Some(link) = state.store.invite_to_consortium(id, user, email, unit_name, state.config.sends_mail).await? {
        crate::app::accounts::hand_over(state, &link);
    }
    Ok(())
}

/// Largest attachment.
pub(crate) const MAX_ATTACHMENT_BYTES: u64 = 20 << 20;

/// Checks the viewer leads the application, then stores and attaches every PDF in the form.
pub(crate) async fn attach_pdfs(
    state: &AppState,
    viewer: &Viewer,
    id: i64,
    multipart: Multipart,
) -> Result<(), ApiError> {
    // Refused before the body is read (the store checks again when it attaches).
    let user = lead_of_editable(
        state,
        viewer,
        id,
        "只有草稿或退回修改的申报可以添加附件 / attachments can be added to drafts and returned applications only",
    )
    .await?;
    let form = crate::http::read_form(state, multipart, MAX_ATTACHMENT_BYTES, user).await?;
    crate::http::with_uploads(state, user, form, |form| async move {
        if form.files.is_empty() {
            return Err(jiebang_core::Error::invalid("file", "请选择 PDF 文件 / choose a PDF file").into());
        }
        crate::http::require_pdfs(state, &form).await?;
        for (_, file) in &form.files {
            state.store.attach_file(id, file, user).await?;
        }
        Ok(())
    })
    .await
}

/// The expert to assign.
#[derive(Debug, Deserialize, ToSchema)]
pub struct AssignInput {
    /// Expert id.
    pub expert_id: i64,
}

/// The seed of a draw.
#[derive(Debug, Deserialize, ToSchema, Default)]
pub struct DrawInput {
    /// A u64 seed; random when omitted. Recorded either way.
    pub seed: Option<u64>,
}

/// A declared conflict.
#[derive(Debug, Deserialize, ToSchema)]
pub struct ConflictInput {
    /// Why (e.g. 近三年合作).
    pub reason: String,
}

/// A dual role declared.
#[derive(Debug, Deserialize, ToSchema)]
pub struct DualRoleInput {
    /// What the caller does for which applying unit (e.g. 本人同时为某公司揭榜联系人).
    pub statement: String,
}

/// Records the viewer's dual-role statement in a program they see (experts in the pool only).
pub(crate) async fn declare_dual_role_as(
    state: &AppState,
    viewer: &Viewer,
    program_id: i64,
    statement: &str,
) -> Result<(), ApiError> {
    let authed = viewer.require()?;
    visible_program(state, viewer, program_id).await?;
    let expert = state.store.expert_for_user(authed.user.id).await?.ok_or(ApiError::Forbidden)?;
    Ok(state.store.declare_dual_role(expert.id, program_id, statement, authed.user.id).await?)
}

/// One expert's review as organizers see it, with the outlier flag.
#[derive(Debug, Serialize, ToSchema)]
pub struct ReviewRow {
    /// The expert.
    pub expert_name: String,
    /// Scores per criterion, or none while pending.
    pub scores: Option<Vec<f64>>,
    /// Total.
    pub total: Option<f64>,
    /// 专家意见.
    pub comment: String,
    /// 一票否决 reason.
    pub veto: Option<String>,
    /// More than the program's outlier points from the median total.
    pub outlier: bool,
}

/// The reviews of an application (organizers), outliers flagged for the panel chair.
pub(crate) async fn review_rows(state: &AppState, application: &Application) -> Result<Vec<ReviewRow>, ApiError> {
    let program = state.store.get_program(application.program_id).await?;
    let panel = state.store.application_assignments(application.id).await?;
    let totals: Vec<f64> = panel.iter().filter_map(|a| a.review.as_ref().map(|r| r.total)).collect();
    let mut flags = outliers(&totals, f64::from(program.rules.outlier_points)).into_iter();
    Ok(panel
        .into_iter()
        .map(|a| {
            let outlier = a.review.is_some() && flags.next().unwrap_or(false);
            ReviewRow {
                expert_name: a.expert_name,
                scores: a.review.as_ref().map(|r| r.scores.clone()),
                total: a.review.as_ref().map(|r| r.total),
                comment: a.review.as_ref().map(|r| r.comment.clone()).unwrap_or_default(),
                veto: a.review.and_then(|r| r.veto),
                outlier,
            }
        })
        .collect())
}

/// How to rank.
#[derive(Debug, Deserialize, ToSchema, Default)]
pub struct RankingInput {
    /// Weight (0–1) of the objective evaluation score; 0 ranks on expert scores alone.
    #[serde(default)]
    pub objective_weight: f64,
    /// The evaluation phase whose leaderboard gives the objective score (its primary metric,
    /// a fraction, as 0–100), by the lead unit.
    pub objective_phase_id: Option<i64>,
}

/// Ranks a program, taking objective scores from a phase's leaderboard when asked.
pub(crate) async fn rank_program(
    state: &AppState,
    viewer: &Viewer,
    id: i64,
    input: &RankingInput,
) -> Result<Vec<Application>, ApiError> {
    let (_, user) = managed_program(state, viewer, id).await?;
    let mut objective = HashMap::new();
    if let Some(phase_id) = input.objective_phase_id.filter(|_| input.objective_weight > 0.0) {
        let (phase, _) = crate::app::access::visible_phase(state, viewer, phase_id).await?;
        let board = crate::app::leaderboards::board(state, viewer, &phase, true, None).await?;
        let fraction = jiebang_core::indicator::MetricKey::parse(&board.primary).is_ok_and(|m| m.is_fraction());
        if board.direction != "higher" || !fraction {
            return Err(jiebang_core::Error::invalid(
                "objective_phase_id",
                format!("主指标 {} 不是越高越好的比例，不能折算为百分制 / the primary metric {} is not a higher-is-better fraction", board.primary, board.primary),
            )
            .into());
        }
        for row in board.rows.iter().filter(|r| !r.baseline) {
            objective.insert(row.team_id, row.score * 100.0);
        }
    }
    Ok(state.store.rank_program(id, input.objective_weight, &objective, user).await?)
}

/// Publishes the draft list (organizers) and signs a checkpoint of the audit chain: the API's
/// and the desk's one path.
pub(crate) async fn publish_program(
    state: &AppState,
    viewer: &Viewer,
    id: i64,
    input: &NoticeInput,
) -> Result<Publicity, ApiError> {
    let (_, user) = managed_program(state, viewer, id).await?;
    let publicity = state.store.publish_publicity(id, input, &state.calendar, state.clock.today(), user).await?;
    checkpoint(state, "publicity").await;
    Ok(publicity)
}

/// Announces the final list (organizers) and signs a checkpoint of the audit chain.
pub(crate) async fn announce_program(state: &AppState, viewer: &Viewer, id: i64) -> Result<Publicity, ApiError> {
    let (_, user) = managed_program(state, viewer, id).await?;
    let publicity = state.store.announce(id, state.clock.today(), user).await?;
    checkpoint(state, "announcement").await;
    Ok(publicity)
}

/// Signs a checkpoint after a decision that has already been committed: a failure is logged
/// (the next daily checkpoint covers the decision), not reported as the decision's.
pub(crate) async fn checkpoint(state: &AppState, reason: &str) {
    if let Err(error) = state.store.record_checkpoint(&state.signer, reason).await {
        tracing::error!(%error, reason, "could not sign an audit checkpoint");
    }
}

/// One row of the published list (columns as in docs/domain.md §6.2).
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ListRow {
    /// 序号.
    pub number: usize,
    /// The application.
    pub application_id: i64,
    /// 项目名称.
    pub project_name: String,
    /// 牵头单位.
    pub lead: String,
    /// 联合单位.
    pub joint: Vec<String>,
    /// 所属行业 (GB/T 4754 names).
    pub industries: Vec<String>,
    /// 所在市.
    pub city: String,
    /// 推荐单位.
    pub recommender: String,
    /// 揭榜方向.
    pub direction: String,
    /// 拟入选, 入围 or 撤销入选, in the language asked for.
    pub state: String,
    /// Withdrawn from the draft list (撤销入选): shown struck through.
    pub withdrawn: bool,
    /// 揭榜单位 or 潜力单位, where the program lists a 潜力单位 tier.
    pub tier: Option<String>,
}

/// The public notice: text, period and list.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct NoticeView {
    /// Program title.
    pub program: String,
    /// 发榜方.
    pub issuer: String,
    /// Whether the final list is announced (公告) rather than in 公示.
    pub announced: bool,
    /// The publicity record.
    #[schema(value_type = Object)]
    pub publicity: Publicity,
    /// Whether objections may be filed today.
    pub open: bool,
    /// Whether the period ends in a year whose holiday arrangement is not published yet.
    pub provisional: bool,
    /// The notice's paragraphs.
    pub paragraphs: Vec<String>,
    /// The list.
    pub rows: Vec<ListRow>,
}

/// The notice of a program in 公示 or announced, for everyone.
pub(crate) async fn notice(state: &AppState, viewer: &Viewer, id: i64, lang: Lang) -> Result<NoticeView, ApiError> {
    let program = visible_program(state, viewer, id).await?;
    let publicity = state
        .store
        .latest_publicity(id)
        .await?
        .ok_or_else(|| ApiError::NotFound(format!("批次 {id} 尚未公示 / program {id} has no publicity yet")))?;
    let announced = program.status != ProgramStatus::Publicity && publicity.announced_at.is_some();
    let states = if announced {
        vec![ApplicationState::Selected]
    } else {
        vec![ApplicationState::Proposed, ApplicationState::Withdrawn]
    };
    let tiered = program.rules.potential_per_challenge > 0;
    let rows = list_rows(state, id, states, tiered, lang).await?;
    let period = (publicity.starts_on, publicity.ends_on);
    let paragraphs = match lang {
        Lang::Zh => notice_paragraphs,
        Lang::En => notice_paragraphs_en,
    }(&publicity.notice, &program.title, period, publicity.working_days as u32);
    Ok(NoticeView {
        open: program.status == ProgramStatus::Publicity && publicity.is_open_on(state.clock.today()),
        provisional: state.calendar.is_provisional(publicity.ends_on),
        program: program.title,
        issuer: program.issuer,
        announced,
        publicity,
        paragraphs,
        rows,
    })
}

pub(crate) async fn list_rows(
    state: &AppState,
    program_id: i64,
    states: Vec<ApplicationState>,
    tiered: bool,
    lang: Lang,
) -> Result<Vec<ListRow>, ApiError> {
    let mut applications = state
        .store
        .list_applications(program_id, &ApplicationFilter { states: Some(states), ..Default::default() })
        .await?;
    // The winners first, then the 潜力单位 (a stable sort keeps each tier's order).
    applications.sort_by_key(|a| a.potential);
    let challenges: HashMap<i64, jiebang_store::ChallengeRecord> =
        state.store.all_challenges(program_id).await?.into_iter().map(|c| (c.id, c)).collect();
    // Every name the list shows, in one query per table rather than one per row.
    let unit_ids: Vec<i64> =
        applications.iter().flat_map(|a| &a.input.joint_units).map(|u| u.organization_id).collect();
    let recommender_ids: Vec<i64> = applications.iter().filter_map(|a| a.recommended_by).collect();
    let units = state.store.organizations_by_id(&unit_ids).await?;
    let recommenders = state.store.user_names(&recommender_ids).await?;
    let mut rows = Vec::new();
    for (i, a) in applications.into_iter().enumerate() {
        let joint = a
            .input
            .joint_units
            .iter()
            .map(|u| units.get(&u.organization_id).map(|o| o.name.clone()).unwrap_or_default())
            .collect();
        let recommender = a.recommended_by.and_then(|user| recommenders.get(&user).cloned()).unwrap_or_default();
        let challenge = challenges.get(&a.challenge_id);
        rows.push(ListRow {
            number: i + 1,
            application_id: a.id,
            project_name: a.input.project_name.clone(),
            lead: a.lead_organization_name.clone(),
            joint,
            industries: challenge
                .map(|c| c.challenge.industries.iter().map(|i| lang.catalog().industry(i).to_owned()).collect())
                .unwrap_or_default(),
            city: city_name(&a.region_code, lang),
            recommender,
            direction: challenge.map(|c| c.challenge.direction.clone()).unwrap_or_default(),
            state: lang.label(&a.state).to_owned(),
            withdrawn: a.state == ApplicationState::Withdrawn,
            tier: tiered.then(|| {
                let tier = if a.potential { ListTier::Potential } else { ListTier::Winner };
                lang.label(&tier).to_owned()
            }),
        });
    }
    Ok(rows)
}

/// The city (地级市) a region code lies in, by name.
pub(crate) fn city_name(region_code: &str, lang: Lang) -> String {
    Region::lookup(region_code)
        .map(|r| lang.catalog().region(r.city().unwrap_or(r)).to_owned())
        .unwrap_or_else(|| region_code.to_owned())
}

/// `?format=csv|xlsx`.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
pub struct ListQuery {
    /// `csv` or `xlsx` (default).
    pub format: Option<String>,
}

/// The decision on an objection.
#[derive(Debug, Deserialize, ToSchema)]
pub struct DecisionInput {
    /// `reject`, `withdraw` (upheld: off the list) or `rereview` (upheld: back to review).
    #[schema(value_type = String)]
    pub decision: Decision,
    /// 核查情况 and reasons.
    pub handling: String,
}

/// Checks the viewer organizes the objection's program, then records the decision.
pub(crate) async fn decide_objection(
    state: &AppState,
    viewer: &Viewer,
    id: i64,
    decision: Decision,
    handling: &str,
) -> Result<Objection, ApiError> {
    viewer.require()?;
    let objection = state.store.get_objection(id).await?;
    let application = state.store.get_application(objection.application_id).await?;
    let (_, user) = managed_program(state, viewer, application.program_id).await?;
    Ok(state.store.decide_objection(id, decision, handling, user).await?)
}

/// Counts for one group.
#[derive(Debug, Clone, Default, Serialize, ToSchema)]
pub struct Count {
    /// Group label.
    pub label: String,
    /// Submitted applications.
    pub applications: u32,
    /// On the draft or final list.
    pub selected: u32,
}

/// Applications and selections by city, industry and organization kind.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Statistics {
    /// By city of the lead unit, most selections first.
    pub by_city: Vec<Count>,
    /// By industry of the challenge.
    pub by_industry: Vec<Count>,
    /// By kind of the lead unit.
    pub by_kind: Vec<Count>,
    /// Totals.
    pub total: Count,
}

/// Computes a program's statistics (public once the program is).
pub(crate) async fn statistics(state: &AppState, viewer: &Viewer, id: i64, lang: Lang) -> Result<Statistics, ApiError> {
    visible_program(state, viewer, id).await?;
    let applications = state.store.list_applications(id, &ApplicationFilter::default()).await?;
    let challenges: HashMap<i64, jiebang_store::ChallengeRecord> =
        state.store.all_challenges(id).await?.into_iter().map(|c| (c.id, c)).collect();
    let mut by_city: BTreeMap<String, Count> = BTreeMap::new();
    let mut by_industry: BTreeMap<String, Count> = BTreeMap::new();
    let mut by_kind: BTreeMap<String, Count> = BTreeMap::new();
    let mut total = Count { label: lang.catalog().sel.total_row.into(), ..Count::default() };
    let leads: Vec<i64> = applications.iter().map(|a| a.input.lead_organization_id).collect();
    let leads = state.store.organizations_by_id(&leads).await?;
    for a in applications.iter().filter(|a| a.state.is_submitted()) {
        let chosen = matches!(a.state, ApplicationState::Proposed | ApplicationState::Selected);
        let kind = leads.get(&a.input.lead_organization_id).map(|o| lang.label(&o.kind)).unwrap_or_default().to_owned();
        let industries = challenges
            .get(&a.challenge_id)
            .map(|c| c.challenge.industries.iter().map(|i| lang.catalog().industry(i).to_owned()).collect())
            .unwrap_or_default();
        let groups = [
            (&mut by_city, vec![city_name(&a.region_code, lang)]),
            (&mut by_industry, industries),
            (&mut by_kind, vec![kind]),
        ];
        for (map, labels) in groups {
            for label in labels {
                let count = map.entry(label.clone()).or_insert_with(|| Count { label, ..Count::default() });
                count.applications += 1;
                count.selected += u32::from(chosen);
            }
        }
        total.applications += 1;
        total.selected += u32::from(chosen);
    }
    let sorted = |map: BTreeMap<String, Count>| {
        let mut v: Vec<Count> = map.into_values().collect();
        v.sort_by(|a, b| {
            b.selected.cmp(&a.selected).then(b.applications.cmp(&a.applications)).then(a.label.cmp(&b.label))
        });
        v
    };
    Ok(Statistics { by_city: sorted(by_city), by_industry: sorted(by_industry), by_kind: sorted(by_kind), total })
}
