//! Projects after the announcement (揭榜攻关项目): one per application on the announced list,
//! created by the organizers, carrying the indicators its team committed to — read from the
//! submitted application and frozen with its snapshot's hash — and moved only by
//! [`jiebang_core::project::ProjectState::apply`], each step recorded, audited and told to the
//! other party. The lead unit drafts the task agreement (任务书); the organizer's signature freezes
//! it with the hash of its canonical text. Milestone reports carry the team's evidence (its scored
//! submissions and files) and the reviewers' decision.

mod acceptance;
mod changes;
mod checks;
mod opinions;
mod progress;
mod reminders;

pub use acceptance::{Appeal, LabReport, ProjectLab};
pub use changes::{ChangeInput, ProjectChange};
pub use checks::{Gate, MidTermCheck};
pub use opinions::AcceptanceOpinion;
pub use progress::{ProgressInput, ProgressReport, schedule as progress_schedule};

use jiebang_core::FieldError;
use jiebang_core::application::ApplicationState;
use jiebang_core::indicator::Weighting;
use jiebang_core::program::Day;
use jiebang_core::program::ProgramStatus;
use jiebang_core::project::{
    AcceptanceRecord, Agreement, CommittedIndicator, Conclusion, MilestoneDecision, Party, ProjectAction, ProjectState,
};
use serde::Serialize;
use sha2::{Digest, Sha256};
use sqlx::Row;
use sqlx::any::AnyRow;

use crate::notifications::{Audience, notify};
use crate::{ApplicationFilter, Result, Store, StoreError, StoredFile, audit, now_text};

/// A project as stored.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Project {
    /// Id.
    pub id: i64,
    /// The selected application it comes from.
    pub application_id: i64,
    /// Program.
    pub program_id: i64,
    /// Challenge.
    pub challenge_id: i64,
    /// The lead unit (乙方).
    pub lead_organization_id: i64,
    /// 项目名称, from the application.
    pub name: String,
    /// From the 潜力单位 tier of the list rather than its winners.
    pub potential: bool,
    /// Where it is.
    pub state: ProjectState,
    /// The committed indicators, frozen.
    pub committed: Vec<CommittedIndicator>,
    /// The submitted application's snapshot hash the commitments come from.
    pub snapshot_sha256: String,
    /// The acceptance conclusion, once recorded.
    pub conclusion: Option<Conclusion>,
    /// The task agreement, once drafted.
    pub agreement: Option<Agreement>,
    /// SHA-256 of the signed agreement's canonical text ([`Project::agreement_document`]).
    pub agreement_sha256: Option<String>,
    /// When the organizer signed it (CST text).
    pub signed_at: Option<String>,
    /// The end an approved extension moved the agreement's to.
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>))]
    pub extended_end: Option<Day>,
    /// When the lead unit applied for acceptance.
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>))]
    pub acceptance_applied_on: Option<Day>,
    /// The acceptance phase on the challenge's evaluation.
    pub acceptance_phase_id: Option<i64>,
    /// The acceptance as concluded (public with the conclusion).
    pub acceptance: Option<AcceptanceRecord>,
    /// The conclusion's publicity: first day.
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>))]
    pub publicity_starts_on: Option<Day>,
    /// Last day.
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>))]
    pub publicity_ends_on: Option<Day>,
    /// Created (CST text).
    pub created_at: String,
    /// Last changed.
    pub updated_at: String,
}

impl Project {
    /// When the work ends: the agreement's end, or the approved extension's.
    pub fn end(&self) -> Option<Day> {
        self.extended_end.or(self.agreement.as_ref().map(|a| a.end))
    }

    /// What the organizer signs: the parties, the committed indicators and the agreement. Its
    /// RFC 8785 text is what [`Project::agreement_sha256`] hashes, so anyone can check it.
    pub fn agreement_document(&self) -> serde_json::Value {
        serde_json::json!({
            "project": self.id,
            "name": self.name,
            "program": self.program_id,
            "challenge": self.challenge_id,
            "application": self.application_id,
            "application_sha256": self.snapshot_sha256,
            "lead_organization": self.lead_organization_id,
            "committed": self.committed,
            "agreement": self.agreement,
        })
    }

    /// The hash of [`Project::agreement_document`]'s canonical text, hex.
    pub fn agreement_hash(&self) -> String {
        hex::encode(Sha256::digest(jiebang_core::canonical::to_string(&self.agreement_document()).as_bytes()))
    }
}

/// A milestone report and its review.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct MilestoneReport {
    /// Id.
    pub id: i64,
    /// The project.
    pub project_id: i64,
    /// The planned milestone, by position from 1.
    pub milestone: u32,
    /// The team's summary.
    pub summary: String,
    /// The team's submissions offered as evidence.
    pub submissions: Vec<i64>,
    /// Attached files.
    #[cfg_attr(feature = "openapi", schema(value_type = Vec<Object>))]
    pub files: Vec<StoredFile>,
    /// Who reported.
    pub submitted_by: i64,
    /// When (CST text).
    pub submitted_at: String,
    /// The reviewers' decision; `None`: awaiting review.
    pub decision: Option<MilestoneDecision>,
    /// The reviewers' note.
    pub note: String,
    /// With `rectify`, the day the new report is due.
    pub rectify_by: Option<Day>,
    /// Who decided.
    pub decided_by: Option<i64>,
    /// When.
    pub decided_at: Option<String>,
}

/// A milestone report as the team writes it.
#[derive(Debug, Clone, Copy)]
pub struct NewMilestoneReport<'a> {
    /// The planned milestone, by position from 1.
    pub milestone: u32,
    /// What was done.
    pub summary: &'a str,
    /// Scored submissions of the team to the challenge's phases.
    pub submissions: &'a [i64],
    /// Uploaded evidence.
    pub files: &'a [StoredFile],
}

/// One step of a project's history.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ProjectEvent {
    /// What was done.
    pub action: ProjectAction,
    /// From.
    pub from_state: ProjectState,
    /// To.
    pub to_state: ProjectState,
    /// Who did it.
    pub actor: Option<i64>,
    /// Why, as written.
    pub reason: String,
    /// When (CST text).
    pub at: String,
}

impl Store {
    /// Creates a project for every application on the announced list of `program_id` that has
    /// none yet (so it is safe to run again): its committed indicators are the application's
    /// commitments against the challenge's indicators, a hard indicator being a key one.
    /// The 潜力单位 tier gets projects only where the program's rules say so.
    /// Returns the program's projects.
    pub async fn create_projects(&self, program_id: i64, actor: i64) -> Result<Vec<Project>> {
        let program = self.get_program(program_id).await?;
        if program.status != ProgramStatus::Announced {
            return Err(StoreError::refused("榜单公告后方可立项 / projects are created once the list is announced"));
        }
        let filter = ApplicationFilter { states: Some(vec![ApplicationState::Selected]), ..Default::default() };
        let selected = self.list_applications(program_id, &filter).await?;
        let mut tx = self.begin_write().await?;
        for application in selected.iter().filter(|a| !a.potential || program.rules.potential_projects) {
            let exists: Option<i64> = sqlx::query_scalar("SELECT id FROM projects WHERE application_id = $1")
                .bind(application.id)
                .fetch_optional(&mut *tx)
                .await?;
            if exists.is_some() {
                continue;
            }
            let challenge = self.get_challenge(application.challenge_id).await?;
            let committed: Vec<CommittedIndicator> = challenge
                .challenge
                .indicators
                .iter()
                .filter_map(|indicator| {
                    let value = application
                        .input
                        .commitments
                        .iter()
                        .find(|c| c.indicator.trim() == indicator.name)
                        .map(|c| c.value)?;
                    Some(CommittedIndicator {
                        name: indicator.name.clone(),
                        target: indicator.expr.clone(),
                        committed: value,
                        key: matches!(indicator.weighting, Weighting::Hard),
                    })
                })
                .collect();
            let now = now_text();
            let id: i64 = sqlx::query_scalar(
                "INSERT INTO projects (application_id, program_id, challenge_id, lead_organization_id, name, state, \
                 committed, snapshot_sha256, created_at, updated_at, potential) \
                 SELECT id, program_id, challenge_id, lead_organization_id, project_name, $2, $3, $4, $5, $5, potential \
                 FROM applications WHERE id = $1 RETURNING id",
            )
            .bind(application.id)
            .bind(ProjectState::Drafting.as_str())
            .bind(serde_json::to_string(&committed).map_err(decode)?)
            .bind(application.snapshot_sha256.clone().unwrap_or_default())
            .bind(&now)
            .fetch_one(&mut *tx)
            .await?;
            audit::append(
                &mut tx,
                self.backend,
                Some(actor),
                "project.create",
                &format!("project:{id}"),
                serde_json::json!({"application": application.id, "committed": committed.len()}),
            )
            .await?;
        }
        tx.commit().await?;
        self.list_projects(program_id).await
    }

    /// A program's projects, in application order.
    pub async fn list_projects(&self, program_id: i64) -> Result<Vec<Project>> {
        let rows = sqlx::query("SELECT * FROM projects WHERE program_id = $1 ORDER BY application_id")
            .bind(program_id)
            .fetch_all(&self.pool)
            .await?;
        rows.iter().map(project).collect()
    }

    /// The projects these organizations lead, newest first.
    pub async fn projects_led_by(&self, organizations: &[i64]) -> Result<Vec<Project>> {
        let mut projects = Vec::new();
        for &organization in organizations {
            let rows = sqlx::query("SELECT * FROM projects WHERE lead_organization_id = $1")
                .bind(organization)
                .fetch_all(&self.pool)
                .await?;
            for row in &rows {
                projects.push(project(row)?);
            }
        }
        projects.sort_by_key(|p| std::cmp::Reverse(p.id));
        Ok(projects)
    }

    /// One project.
    pub async fn get_project(&self, id: i64) -> Result<Project> {
        let row = sqlx::query("SELECT * FROM projects WHERE id = $1")
            .bind(id)
            .fetch_optional(&self.pool)
            .await?
            .ok_or_else(|| StoreError::not_found("project", id))?;
        project(&row)
    }

    /// Takes a step on a project as `party` (checked by the caller against who `actor` is).
    /// `Designate` needs the recorded conclusion to be 通过; rectification, termination and a
    /// new review need a reason. Applying for acceptance, concluding and closing the publicity
    /// have their own calls, which carry what those steps rest on.
    pub async fn act_on_project(
        &self,
        id: i64,
        action: ProjectAction,
        party: Party,
        conclusion: Option<Conclusion>,
        reason: &str,
        actor: i64,
    ) -> Result<Project> {
        if matches!(action, ProjectAction::ApplyAcceptance | ProjectAction::Conclude | ProjectAction::Finalize) {
            return Err(StoreError::refused(format!(
                "「{}」须提交其材料或依据办理 / '{}' takes its own materials",
                action.label_zh(),
                action.label_en()
            )));
        }
        let current = self.get_project(id).await?;
        let mut tx = self.begin_write().await?;
        step(&mut tx, self.backend, &current, action, party, conclusion, reason, actor).await?;
        tx.commit().await?;
        self.get_project(id).await
    }

    /// Saves the lead unit's draft of the task agreement (while it is drafted), checked against
    /// the committed indicators.
    pub async fn save_agreement(&self, id: i64, agreement: &Agreement, actor: i64) -> Result<Project> {
        let current = self.get_project(id).await?;
        if current.state != ProjectState::Drafting {
            return Err(StoreError::refused(
                "任务书签订后不能修改，请走变更程序 / a signed agreement changes only through an approved change",
            ));
        }
        agreement.check(&current.committed)?;
        let mut tx = self.begin_write().await?;
        let saved = sqlx::query("UPDATE projects SET agreement = $2, updated_at = $3 WHERE id = $1 AND state = $4")
            .bind(id)
            .bind(serde_json::to_string(agreement).map_err(decode)?)
            .bind(now_text())
            .bind(ProjectState::Drafting.as_str())
            .execute(&mut *tx)
            .await?
            .rows_affected();
        if saved == 0 {
            return Err(StoreError::refused(
                "项目状态已变化，请刷新后重试 / the project changed; reload and try again",
            ));
        }
        audit::append(
            &mut tx,
            self.backend,
            Some(actor),
            "project.agreement",
            &format!("project:{id}"),
            serde_json::json!({"milestones": agreement.milestones.len(), "total_cny": agreement.total_cny()}),
        )
        .await?;
        tx.commit().await?;
        self.get_project(id).await
    }

    /// The lead unit reports a planned milestone with its evidence, while the work goes on:
    /// once per milestone unless told to rectify, with only its own submissions to the project's
    /// challenge that are scored or being scored (the ledger reads them once scored). Every
    /// problem with the report at once.
    pub async fn submit_milestone_report(
        &self,
        project_id: i64,
        report: &NewMilestoneReport<'_>,
        actor: i64,
    ) -> Result<MilestoneReport> {
        let project = self.get_project(project_id).await?;
        if !matches!(project.state, ProjectState::InProgress | ProjectState::MidTerm | ProjectState::Rectifying) {
            return Err(StoreError::refused(format!(
                "项目{}，不能提交里程碑报告 / milestone reports are taken while the work goes on",
                project.state.label_zh()
            )));
        }
        let planned = project.agreement.as_ref().map_or(0, |a| a.milestones.len()) as u32;
        let mut problems = Vec::new();
        if !(1..=planned).contains(&report.milestone) {
            problems.push(FieldError::new("milestone", "任务书中没有该里程碑 / no such milestone in the agreement"));
        }
        if report.summary.trim().is_empty() {
            problems.push(FieldError::new("summary", "请填写完成情况 / say what was done"));
        }
        if report.submissions.is_empty() && report.files.is_empty() {
            problems
                .push(FieldError::new("evidence", "请提供佐证：评测提交或附件 / give evidence: submissions or files"));
        }
        for &submission in report.submissions {
            let owned: Option<(i64, i64, String)> = sqlx::query_as(
                "SELECT s.organization_id, p.challenge_id, s.state FROM submissions s                  JOIN phases p ON p.id = s.phase_id WHERE s.id = $1",
            )
            .bind(submission)
            .fetch_optional(&self.pool)
            .await?;
            let problem = match owned {
                None => Some("不存在 / does not exist"),
                Some((org, challenge, _))
                    if org != project.lead_organization_id || challenge != project.challenge_id =>
                {
                    Some("不是本项目牵头单位在本榜题的提交 / not the lead unit's submission to this challenge")
                }
                Some((_, _, state)) if matches!(state.as_str(), "invalid" | "failed" | "cancelled") => {
                    Some("未能评分 / could not be scored")
                }
                Some(_) => None,
            };
            if let Some(problem) = problem {
                problems.push(FieldError::new("submissions", format!("提交 {submission}：{problem}")));
            }
        }
        if !problems.is_empty() {
            return Err(jiebang_core::Error::Invalid(problems).into());
        }
        let earlier = self.milestone_reports(project_id).await?;
        match earlier.iter().rev().find(|r| r.milestone == report.milestone).map(|r| r.decision) {
            Some(None) => return Err(StoreError::refused("该里程碑报告待评审 / this milestone awaits review")),
            Some(Some(MilestoneDecision::Passed)) => {
                return Err(StoreError::refused("该里程碑已通过 / this milestone has passed"));
            }
            Some(Some(MilestoneDecision::Failed)) => {
                return Err(StoreError::refused("该里程碑未通过 / this milestone did not pass"));
            }
            Some(Some(MilestoneDecision::Rectify)) | None => {}
        }
        let mut tx = self.begin_write().await?;
        let now = now_text();
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO milestone_reports (project_id, milestone, summary, submissions, submitted_by, submitted_at)              VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
        )
        .bind(project_id)
        .bind(i64::from(report.milestone))
        .bind(report.summary.trim())
        .bind(serde_json::to_string(report.submissions).map_err(decode)?)
        .bind(actor)
        .bind(&now)
        .fetch_one(&mut *tx)
        .await?;
        for file in report.files {
            attach_file(&mut tx, project_id, file.id, &format!("milestone:{id}")).await?;
        }
        let title = format!("里程碑报告：{} / Milestone report: {}", project.name, project.name);
        let link = format!("/projects/{project_id}");
        notify(&mut tx, Audience::Organizers(project.program_id), "project.milestone", &title, "", &link).await?;
        audit::append(
            &mut tx,
            self.backend,
            Some(actor),
            "project.milestone",
            &format!("project:{project_id}"),
            serde_json::json!({"report": id, "milestone": report.milestone, "submissions": report.submissions, "files": report.files.len()}),
        )
        .await?;
        tx.commit().await?;
        self.milestone_report(id).await
    }

    /// The reviewers' decision on a milestone report awaiting review. Anything but 通过 needs a
    /// note; 限期整改 needs a day after `today` by which to report again.
    pub async fn review_milestone_report(
        &self,
        report_id: i64,
        decision: MilestoneDecision,
        note: &str,
        rectify_by: Option<Day>,
        today: Day,
        actor: i64,
    ) -> Result<MilestoneReport> {
        let report = self.milestone_report(report_id).await?;
        let project = self.get_project(report.project_id).await?;
        if project.state.is_final() {
            return Err(StoreError::refused(format!("项目{} / the project has ended", project.state.label_zh())));
        }
        let note = note.trim();
        let mut problems = Vec::new();
        if decision != MilestoneDecision::Passed && note.is_empty() {
            problems.push(FieldError::new("note", "请写明评审意见 / give the reviewers' reasons"));
        }
        let rectify_by = match decision {
            MilestoneDecision::Rectify => {
                if rectify_by.is_none_or(|by| by <= today) {
                    problems
                        .push(FieldError::new("rectify_by", "整改期限须晚于今天 / the deadline must be after today"));
                }
                rectify_by
            }
            _ => None,
        };
        if !problems.is_empty() {
            return Err(jiebang_core::Error::Invalid(problems).into());
        }
        let mut tx = self.begin_write().await?;
        let decided = sqlx::query(
            "UPDATE milestone_reports SET decision = $2, note = $3, rectify_by = $4, decided_by = $5, decided_at = $6              WHERE id = $1 AND decision IS NULL",
        )
        .bind(report_id)
        .bind(decision.as_str())
        .bind(note)
        .bind(rectify_by.map(|d| d.to_string()))
        .bind(actor)
        .bind(now_text())
        .execute(&mut *tx)
        .await?
        .rows_affected();
        if decided == 0 {
            return Err(StoreError::refused("该报告已评审 / this report has been reviewed"));
        }
        let title = format!(
            "里程碑{}：{} / Milestone {}: {}",
            decision.label_zh(),
            project.name,
            decision.label_en(),
            project.name
        );
        let link = format!("/projects/{}", project.id);
        notify(
            &mut tx,
            Audience::Organization(project.lead_organization_id),
            "project.milestone_review",
            &title,
            note,
            &link,
        )
        .await?;
        audit::append(
            &mut tx,
            self.backend,
            Some(actor),
            "project.milestone_review",
            &format!("project:{}", project.id),
            serde_json::json!({"report": report_id, "milestone": report.milestone, "decision": decision.as_str()}),
        )
        .await?;
        tx.commit().await?;
        self.milestone_report(report_id).await
    }

    /// A file one of the project's documents carries (milestone evidence, acceptance materials,
    /// a lab's report).
    pub async fn project_file(&self, project_id: i64, file_id: i64) -> Result<StoredFile> {
        let row = sqlx::query(
            "SELECT f.* FROM files f WHERE f.id = $2 AND EXISTS \
             (SELECT 1 FROM project_files pf WHERE pf.project_id = $1 AND pf.file_id = f.id)",
        )
        .bind(project_id)
        .bind(file_id)
        .fetch_optional(&self.pool)
        .await?
        .ok_or_else(|| StoreError::not_found("file", file_id))?;
        crate::files::stored_file(&row)
    }

    /// One milestone report.
    pub async fn milestone_report(&self, id: i64) -> Result<MilestoneReport> {
        let row = sqlx::query("SELECT * FROM milestone_reports WHERE id = $1")
            .bind(id)
            .fetch_optional(&self.pool)
            .await?
            .ok_or_else(|| StoreError::not_found("milestone report", id))?;
        self.with_files(milestone_report(&row)?).await
    }

    /// A project's milestone reports, oldest first.
    pub async fn milestone_reports(&self, project_id: i64) -> Result<Vec<MilestoneReport>> {
        let rows = sqlx::query("SELECT * FROM milestone_reports WHERE project_id = $1 ORDER BY id")
            .bind(project_id)
            .fetch_all(&self.pool)
            .await?;
        let mut reports = Vec::with_capacity(rows.len());
        for row in &rows {
            reports.push(self.with_files(milestone_report(row)?).await?);
        }
        Ok(reports)
    }

    async fn with_files(&self, mut report: MilestoneReport) -> Result<MilestoneReport> {
        let rows = sqlx::query(
            "SELECT f.* FROM files f JOIN project_files pf ON pf.file_id = f.id              WHERE pf.project_id = $1 AND pf.attached_to = $2 ORDER BY f.id",
        )
        .bind(report.project_id)
        .bind(format!("milestone:{}", report.id))
        .fetch_all(&self.pool)
        .await?;
        report.files = rows.iter().map(crate::files::stored_file).collect::<Result<_>>()?;
        Ok(report)
    }

    /// A project's steps, oldest first.
    pub async fn project_history(&self, id: i64) -> Result<Vec<ProjectEvent>> {
        let rows = sqlx::query("SELECT * FROM project_events WHERE project_id = $1 ORDER BY id")
            .bind(id)
            .fetch_all(&self.pool)
            .await?;
        rows.iter()
            .map(|row| {
                let named = |column: &str| -> Result<String> { Ok(row.try_get::<String, _>(column)?) };
                Ok(ProjectEvent {
                    action: ProjectAction::parse("action", &named("action")?).map_err(decode)?,
                    from_state: ProjectState::parse("from_state", &named("from_state")?).map_err(decode)?,
                    to_state: ProjectState::parse("to_state", &named("to_state")?).map_err(decode)?,
                    actor: row.try_get("actor")?,
                    reason: named("reason")?,
                    at: named("at")?,
                })
            })
            .collect()
    }
}

/// Takes a step on `current` within `tx` (see [`Store::act_on_project`]): the state machine,
/// the rules of the step, the event, the other party's notification and the audit record.
#[allow(clippy::too_many_arguments)]
pub(crate) async fn step(
    tx: &mut sqlx::Transaction<'static, sqlx::Any>,
    backend: crate::Backend,
    current: &Project,
    action: ProjectAction,
    party: Party,
    conclusion: Option<Conclusion>,
    reason: &str,
    actor: i64,
) -> Result<()> {
    let id = current.id;
    let reason = reason.trim();
    let to = current.state.apply(action, party)?;
    let conclusion = match (action, conclusion) {
        (ProjectAction::Conclude, None) => {
            return Err(StoreError::refused("作出结论须选择结论 / give the conclusion"));
        }
        (ProjectAction::Conclude, Some(conclusion)) => Some(conclusion),
        (ProjectAction::Designate, _) if current.conclusion != Some(Conclusion::Passed) => {
            return Err(StoreError::refused(
                "只有验收通过的项目可认定为揭榜优胜 / only a project that passed acceptance can be named a winner",
            ));
        }
        _ => current.conclusion,
    };
    let needs_reason = matches!(action, ProjectAction::Rectify | ProjectAction::Terminate | ProjectAction::Reconsider);
    if needs_reason && reason.is_empty() {
        return Err(StoreError::refused("此操作须写明理由 / this step needs a reason"));
    }
    let now = now_text();
    if action == ProjectAction::Sign {
        let Some(agreement) = &current.agreement else {
            return Err(StoreError::refused("任务书尚未编制 / the task agreement has not been drafted"));
        };
        agreement.check(&current.committed)?;
        sqlx::query("UPDATE projects SET agreement_sha256 = $2, signed_at = $3 WHERE id = $1")
            .bind(id)
            .bind(current.agreement_hash())
            .bind(&now)
            .execute(&mut **tx)
            .await?;
    }
    // Only from the state read above: a concurrent step makes this one fail, not both apply.
    let moved =
        sqlx::query("UPDATE projects SET state = $2, conclusion = $3, updated_at = $4 WHERE id = $1 AND state = $5")
            .bind(id)
            .bind(to.as_str())
            .bind(conclusion.map(|c| c.as_str()))
            .bind(&now)
            .bind(current.state.as_str())
            .execute(&mut **tx)
            .await?
            .rows_affected();
    if moved == 0 {
        return Err(StoreError::refused("项目状态已变化，请刷新后重试 / the project changed; reload and try again"));
    }
    sqlx::query(
        "INSERT INTO project_events (project_id, action, from_state, to_state, actor, reason, at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7)",
    )
    .bind(id)
    .bind(action.as_str())
    .bind(current.state.as_str())
    .bind(to.as_str())
    .bind(actor)
    .bind(reason)
    .bind(&now)
    .execute(&mut **tx)
    .await?;
    let title = format!("{}：{} / {}: {}", action.label_zh(), current.name, action.label_en(), current.name);
    let detail = if reason.is_empty() { String::new() } else { format!("理由：{reason} / Reason: {reason}") };
    let audience = match party {
        Party::Organizer => Audience::Organization(current.lead_organization_id),
        Party::Lead => Audience::Organizers(current.program_id),
    };
    let kind = format!("project.{}", action.as_str());
    notify(tx, audience, &kind, &title, &detail, &format!("/projects/{id}")).await?;
    audit::append(
        tx,
        backend,
        Some(actor),
        &format!("project.{}", action.as_str()),
        &format!("project:{id}"),
        serde_json::json!({"from": current.state.as_str(), "to": to.as_str(), "conclusion": conclusion.map(|c| c.as_str())}),
    )
    .await?;
    Ok(())
}

fn milestone_report(row: &AnyRow) -> Result<MilestoneReport> {
    let submissions: String = row.try_get("submissions")?;
    let decision: Option<String> = row.try_get("decision")?;
    let rectify_by: Option<String> = row.try_get("rectify_by")?;
    Ok(MilestoneReport {
        id: row.try_get("id")?,
        project_id: row.try_get("project_id")?,
        milestone: u32::try_from(row.try_get::<i64, _>("milestone")?).map_err(decode)?,
        summary: row.try_get("summary")?,
        submissions: serde_json::from_str(&submissions).map_err(decode)?,
        files: Vec::new(),
        submitted_by: row.try_get("submitted_by")?,
        submitted_at: row.try_get("submitted_at")?,
        decision: decision.map(|d| MilestoneDecision::parse("decision", &d)).transpose().map_err(decode)?,
        note: row.try_get("note")?,
        rectify_by: rectify_by.map(|d| Day::parse("rectify_by", &d)).transpose().map_err(decode)?,
        decided_by: row.try_get("decided_by")?,
        decided_at: row.try_get("decided_at")?,
    })
}

/// A nullable `YYYY-MM-DD` column.
fn day_column(row: &AnyRow, column: &str) -> Result<Option<Day>> {
    let text: Option<String> = row.try_get(column)?;
    text.map(|d| Day::parse(column, &d)).transpose().map_err(decode)
}

pub(crate) fn project(row: &AnyRow) -> Result<Project> {
    let committed: String = row.try_get("committed")?;
    let conclusion: Option<String> = row.try_get("conclusion")?;
    let agreement: Option<String> = row.try_get("agreement")?;
    let acceptance: Option<String> = row.try_get("acceptance")?;
    Ok(Project {
        id: row.try_get("id")?,
        application_id: row.try_get("application_id")?,
        program_id: row.try_get("program_id")?,
        challenge_id: row.try_get("challenge_id")?,
        lead_organization_id: row.try_get("lead_organization_id")?,
        name: row.try_get("name")?,
        potential: row.try_get::<i64, _>("potential")? != 0,
        state: ProjectState::parse("state", &row.try_get::<String, _>("state")?).map_err(decode)?,
        committed: serde_json::from_str(&committed).map_err(decode)?,
        snapshot_sha256: row.try_get("snapshot_sha256")?,
        conclusion: conclusion.map(|c| Conclusion::parse("conclusion", &c)).transpose().map_err(decode)?,
        agreement: agreement.map(|a| serde_json::from_str(&a)).transpose().map_err(decode)?,
        agreement_sha256: row.try_get("agreement_sha256")?,
        signed_at: row.try_get("signed_at")?,
        extended_end: day_column(row, "extended_end")?,
        acceptance_applied_on: day_column(row, "acceptance_applied_on")?,
        acceptance_phase_id: row.try_get("acceptance_phase_id")?,
        acceptance: acceptance.map(|a| serde_json::from_str(&a)).transpose().map_err(decode)?,
        publicity_starts_on: day_column(row, "publicity_starts_on")?,
        publicity_ends_on: day_column(row, "publicity_ends_on")?,
        created_at: row.try_get("created_at")?,
        updated_at: row.try_get("updated_at")?,
    })
}

/// Records that a project's document carries a file, so that file collection keeps it
/// (`attached_to`: `milestone:{report}`, `lab:{report}`, `acceptance:{field}`); once.
pub(crate) async fn attach_file(
    tx: &mut sqlx::Transaction<'static, sqlx::Any>,
    project_id: i64,
    file_id: i64,
    attached_to: &str,
) -> Result<()> {
    sqlx::query(
        "INSERT INTO project_files (project_id, file_id, attached_to) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING",
    )
    .bind(project_id)
    .bind(file_id)
    .bind(attached_to)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// A stored value that does not read back: the database's fault, as sqlx reports decoding.
pub(crate) fn decode(error: impl std::error::Error + Send + Sync + 'static) -> StoreError {
    StoreError::Database(sqlx::Error::Decode(Box::new(error)))
}
