//! 我的申报: an applicant's applications across programs, each with its progress along the
//! program's path, the deadline that concerns it, the organizer's reason when it came back, and
//! what to do next.

use std::collections::HashMap;

use askama::Template;
use askama_web::WebTemplate;
use axum::Router;
use axum::extract::State;
use axum::routing::get;
use jiebang_core::application::{ApplicationState, Stage};
use jiebang_core::program::Day;
use jiebang_store::Application;

use super::{Ctx, PageError};
use crate::AppState;

pub(super) fn routes() -> Router<AppState> {
    Router::new().route("/my/applications", get(my_applications_page))
}

/// Where a step of the path stands for one application.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Step {
    Done,
    Current,
    Ahead,
}

impl Step {
    /// The CSS class; the step where an application's way ended is marked so.
    fn class(self, ended: bool) -> &'static str {
        match self {
            Self::Done => "done",
            Self::Current if ended => "current ended",
            Self::Current => "current",
            Self::Ahead => "ahead",
        }
    }
}

/// One application as the dashboard shows it.
struct Mine {
    application: Application,
    program_title: String,
    /// Each step of the program's path with its CSS class.
    steps: Vec<(Stage, &'static str)>,
    /// The applicants' deadline, while the application is still the applicant's to submit.
    deadline: Option<Day>,
    next: &'static str,
}

#[derive(Template, WebTemplate)]
#[template(path = "my_applications.html")]
struct MyApplicationsPage {
    ctx: Ctx,
    rows: Vec<Mine>,
}

async fn my_applications_page(State(state): State<AppState>, ctx: Ctx) -> Result<MyApplicationsPage, PageError> {
    let authed = ctx.viewer.require().map_err(|e| ctx.fail(e))?;
    let units = authed.principal.organizations();
    let applications = state.store.applications_led_by(&units).await.map_err(|e| ctx.fail(e))?;
    let programs: HashMap<i64, jiebang_store::Program> = state
        .store
        .list_programs(ctx.viewer.principal())
        .await
        .map_err(|e| ctx.fail(e))?
        .into_iter()
        .map(|p| (p.id, p))
        .collect();
    let rows = applications
        .into_iter()
        .filter_map(|application| {
            let program = programs.get(&application.program_id)?;
            let recommendation = program.rules.recommendation_required;
            let reached = application.state.stage();
            let mut seen_current = false;
            let steps = Stage::path(recommendation)
                .into_iter()
                .map(|stage| {
                    let step = if stage == reached {
                        seen_current = true;
                        Step::Current
                    } else if seen_current {
                        Step::Ahead
                    } else {
                        Step::Done
                    };
                    (stage, step.class(application.state.has_ended_unselected()))
                })
                .collect();
            let deadline = application.state.is_editable().then_some(program.timeline.applicant_deadline).flatten();
            Some(Mine {
                next: next_step(&ctx, application.state, recommendation),
                program_title: program.title.clone(),
                steps,
                deadline,
                application,
            })
        })
        .collect();
    Ok(MyApplicationsPage { ctx, rows })
}

/// What the applicant does, or waits for, next.
fn next_step(ctx: &Ctx, state: ApplicationState, recommendation: bool) -> &'static str {
    use ApplicationState as S;
    let m = ctx.t.mine;
    match state {
        S::Draft => m.next_draft,
        S::Returned => m.next_returned,
        S::Submitted if recommendation => m.next_recommendation,
        S::Submitted | S::Recommended => m.next_check,
        S::CheckPassed | S::InReview | S::Ranked => m.next_review,
        S::Proposed => m.next_publicity,
        S::Selected => m.next_selected,
        S::NotRecommended | S::CheckFailed | S::NotSelected | S::Withdrawn => m.next_ended,
    }
}
