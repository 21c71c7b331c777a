//! Who may see or manage what. Each function answers for one viewer and one record: the record
//! when the viewer may see it (`visible_*`) or manage it (`managed_*`), else 404 — never 403, so
//! nobody learns that a hidden record exists — or 401 for a visitor who must sign in first.
//! `standing` is what a viewer is to an application (applicant, organizer, recommender, expert).

use jiebang_store::{Application, ChallengeRecord, Phase, Program, Submission};

use crate::AppState;
use crate::auth::{Authed, Viewer};
use crate::error::ApiError;

/// The challenge if the viewer may see it (its program is visible), and whether they manage it.
pub(crate) async fn visible_challenge(
    state: &AppState,
    viewer: &Viewer,
    id: i64,
) -> Result<(ChallengeRecord, bool), ApiError> {
    let challenge = state.store.get_challenge(id).await?;
    visible_program(state, viewer, challenge.program_id).await?;
    let manages = viewer.principal().is_some_and(|p| p.can_manage_program(challenge.program_id));
    Ok((challenge, manages))
}

/// A phase the viewer may see, with whether they manage its challenge.
pub(crate) async fn visible_phase(state: &AppState, viewer: &Viewer, id: i64) -> Result<(Phase, bool), ApiError> {
    let phase = state.store.get_phase(id).await?;
    let (_, manages) = visible_challenge(state, viewer, phase.challenge_id).await?;
    Ok((phase, manages))
}

/// A phase the viewer manages (401 when signed out, 403 for others), and who they are.
pub(crate) async fn managed_phase<'v>(
    state: &AppState,
    viewer: &'v Viewer,
    id: i64,
) -> Result<(Phase, &'v Authed), ApiError> {
    let (phase, manages) = visible_phase(state, viewer, id).await?;
    let authed = viewer.require()?;
    if manages { Ok((phase, authed)) } else { Err(ApiError::Forbidden) }
}

/// A submission as its team or the challenge's organizers may see it (404 for everyone else);
/// with the phase and whether the viewer manages it.
pub(crate) async fn own_submission(
    state: &AppState,
    viewer: &Viewer,
    id: i64,
) -> Result<(Submission, Phase, bool), ApiError> {
    let authed = viewer.require()?;
    let submission = state.store.get_submission(id).await?;
    let (phase, manages) = visible_phase(state, viewer, submission.phase_id).await?;
    if manages || authed.principal.can_act_for(submission.organization_id) {
        Ok((submission, phase, manages))
    } else {
        Err(ApiError::NotFound(format!("submission {id} 不存在 / submission {id} not found")))
    }
}

/// Whether the viewer's team is registered for the challenge.
pub(crate) async fn is_participant(state: &AppState, authed: &Authed, challenge_id: i64) -> Result<bool, ApiError> {
    let registered = state.store.participant_organizations(challenge_id).await?;
    Ok(authed.principal.organizations().iter().any(|o| registered.contains(o)))
}

/// The program if the viewer may see it; a draft is invisible (404) to all but its organizers.
pub(crate) async fn visible_program(state: &AppState, viewer: &Viewer, id: i64) -> Result<Program, ApiError> {
    let program = state.store.get_program(id).await?;
    if program.status.is_public() || viewer.principal().is_some_and(|p| p.can_manage_program(id)) {
        Ok(program)
    } else {
        Err(ApiError::NotFound(format!("program {id} 不存在 / program {id} not found")))
    }
}

/// The challenge if the viewer organizes its program (404 when the program is a draft they
/// cannot see, else 403), with the organizer's user id.
pub(crate) async fn managed_challenge(
    state: &AppState,
    viewer: &Viewer,
    id: i64,
) -> Result<(jiebang_store::ChallengeRecord, i64), ApiError> {
    let record = state.store.get_challenge(id).await?;
    visible_program(state, viewer, record.program_id).await?;
    let user = viewer.require_that(|p| p.can_manage_program(record.program_id))?.user.id;
    Ok((record, user))
}

/// What the viewer is to each of a program's `applications`, as [`standing`] decides it, with
/// an expert's assignments and conflicts read once for the whole list.
pub(crate) async fn standings(
    state: &AppState,
    viewer: &Viewer,
    program_id: i64,
    applications: &[Application],
) -> Result<Vec<Standing>, ApiError> {
    let Some(principal) = viewer.principal() else { return Ok(vec![Standing::default(); applications.len()]) };
    let mut assigned = std::collections::HashSet::new();
    let mut conflicts = std::collections::HashSet::new();
    let mut expert_id = None;
    if principal.is_expert()
        && let Some(expert) = state.store.expert_for_user(principal.user_id).await?
    {
        let listed: std::collections::HashSet<i64> = applications.iter().map(|a| a.id).collect();
        assigned = state
            .store
            .expert_assignments(expert.id)
            .await?
            .into_iter()
            .map(|a| a.application_id)
            .filter(|id| listed.contains(id))
            .collect();
        let ids: Vec<i64> = assigned.iter().copied().collect();
        conflicts = state.store.conflicts_in(expert.id, program_id, &ids).await?;
        expert_id = Some(expert.id);
    }
    Ok(applications
        .iter()
        .map(|application| {
            let mut standing = roles(principal, application);
            if assigned.contains(&application.id) && !conflicts.contains(&application.id) {
                standing.expert = expert_id;
            }
            standing
        })
        .collect())
}

/// What a principal's grants make them to an application, before any expert assignment.
fn roles(principal: &jiebang_core::role::Principal, application: &Application) -> Standing {
    Standing {
        organizer: principal.can_manage_program(application.program_id),
        lead: principal.can_act_for(application.input.lead_organization_id),
        // A draft is the lead unit's alone; the named units see it once it is submitted.
        member: application.state.is_submitted()
            && application.input.joint_units.iter().any(|j| principal.can_act_for(j.organization_id)),
        recommender: application.state.is_submitted() && principal.can_recommend_in(&application.region_code),
        expert: None,
    }
}

/// What the viewer is to an application.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct Standing {
    /// Organizes its program.
    pub(crate) organizer: bool,
    /// Acts for its lead unit.
    pub(crate) lead: bool,
    /// Acts for a joint unit.
    pub(crate) member: bool,
    /// Recommends in its region (once submitted).
    pub(crate) recommender: bool,
    /// Assigned to review it, as this expert (never when conflicted).
    pub(crate) expert: Option<i64>,
}

impl Standing {
    pub(crate) fn sees(self) -> bool {
        self.organizer || self.lead || self.member || self.recommender || self.expert.is_some()
    }
}

/// The viewer's standing towards `application`.
pub(crate) async fn standing(
    state: &AppState,
    viewer: &Viewer,
    application: &Application,
) -> Result<Standing, ApiError> {
    let Some(principal) = viewer.principal() else { return Ok(Standing::default()) };
    let mut standing = roles(principal, application);
    if principal.is_expert()
        && let Some(expert) = state.store.expert_for_user(principal.user_id).await?
    {
        let assigned =
            state.store.application_assignments(application.id).await?.iter().any(|a| a.expert_id == expert.id);
        if assigned && !state.store.has_conflict(expert.id, application.id).await? {
            standing.expert = Some(expert.id);
        }
    }
    Ok(standing)
}

/// The application if the viewer may see it (404 otherwise), and their standing.
pub(crate) async fn visible_application(
    state: &AppState,
    viewer: &Viewer,
    id: i64,
) -> Result<(Application, Standing), ApiError> {
    let application = state.store.get_application(id).await?;
    let standing = standing(state, viewer, &application).await?;
    if standing.sees() {
        Ok((application, standing))
    } else if viewer.0.is_none() {
        Err(ApiError::Unauthenticated)
    } else {
        Err(ApiError::NotFound(format!("application {id} 不存在 / application {id} not found")))
    }
}

/// The program if the viewer organizes it (404 for drafts they cannot see, else 403).
pub(crate) async fn managed_program(state: &AppState, viewer: &Viewer, id: i64) -> Result<(Program, i64), ApiError> {
    let program = visible_program(state, viewer, id).await?;
    let authed = viewer.require_that(|p| p.can_manage_program(id))?;
    Ok((program, authed.user.id))
}

/// Whether `viewer` may verify `org`: admins, and recommenders of its region.
pub(crate) fn may_verify(viewer: &Viewer, org: &jiebang_store::Organization) -> bool {
    viewer.require().is_ok_and(|a| a.principal.is_admin() || a.principal.can_recommend_in(&org.region_code))
}
