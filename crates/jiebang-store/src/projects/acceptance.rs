//! Acceptance (验收): the lead unit applies with the materials checklist (its date kept for the
//! overdue veto); the organizer starts testing on an acceptance phase of the challenge's
//! evaluation and may designate third-party labs, whose accounts file test reports per committed
//! indicator; the organizer records the conclusion with the judgement the application layer
//! computed — 通过 is refused while a veto applies — and it is public for the working days the
//! program sets, during which the lead unit may appeal; an upheld appeal sends it back to review,
//! and the publicity is closed only after its last day with every appeal decided.

use std::collections::BTreeMap;

use jiebang_core::FieldError;
use jiebang_core::calendar::WorkCalendar;
use jiebang_core::program::Day;
use jiebang_core::project::{ACCEPTANCE_MATERIALS, AcceptanceRecord, Conclusion, Party, ProjectAction, ProjectState};
use serde::Serialize;
use sqlx::Row;
use sqlx::any::AnyRow;

use super::{decode, step};
use crate::notifications::{Audience, notify};
use crate::{Result, Store, StoreError, StoredFile, audit, now_text};

/// A designated lab.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ProjectLab {
    /// The lab's account.
    pub user_id: i64,
    /// The lab's name (检测机构).
    pub name: String,
}

/// A lab's test report.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct LabReport {
    /// Id.
    pub id: i64,
    /// The project.
    pub project_id: i64,
    /// The lab's account.
    pub lab_user_id: i64,
    /// The lab's name.
    pub lab_name: String,
    /// Values by metric.
    pub measured: BTreeMap<String, f64>,
    /// The lab's note.
    pub note: String,
    /// The report's file.
    #[cfg_attr(feature = "openapi", schema(value_type = Vec<Object>))]
    pub files: Vec<StoredFile>,
    /// When (CST text).
    pub submitted_at: String,
}

/// An appeal against a conclusion in publicity.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Appeal {
    /// Id.
    pub id: i64,
    /// The project.
    pub project_id: i64,
    /// What the lead unit says.
    pub content: String,
    /// Who filed it.
    pub filed_by: i64,
    /// When (CST text).
    pub filed_at: String,
    /// Upheld (true), dismissed (false), or not decided yet.
    pub upheld: Option<bool>,
    /// The organizer's answer.
    pub note: String,
    /// When decided.
    pub decided_at: Option<String>,
}

impl Store {
    /// The lead unit applies for acceptance with every material of the checklist (`materials`:
    /// the checklist's field, the file); every missing one is named.
    pub async fn apply_for_acceptance(
        &self,
        project_id: i64,
        materials: &[(String, StoredFile)],
        today: Day,
        actor: i64,
    ) -> Result<super::Project> {
        let project = self.get_project(project_id).await?;
        // Refused out of turn before the materials are looked at.
        project.state.apply(ProjectAction::ApplyAcceptance, Party::Lead)?;
        let missing: Vec<FieldError> = ACCEPTANCE_MATERIALS
            .iter()
            .filter(|(field, _)| !materials.iter().any(|(f, _)| f == field))
            .map(|(field, name)| FieldError::new(*field, format!("请上传{name} / upload the {field}")))
            .collect();
        if !missing.is_empty() {
            return Err(jiebang_core::Error::Invalid(missing).into());
        }
        let mut tx = self.begin_write().await?;
        for (field, file) in materials {
            super::attach_file(&mut tx, project_id, file.id, &format!("acceptance:{field}")).await?;
        }
        sqlx::query("UPDATE projects SET acceptance_applied_on = $2 WHERE id = $1")
            .bind(project_id)
            .bind(today.to_string())
            .execute(&mut *tx)
            .await?;
        step(&mut tx, self.backend, &project, ProjectAction::ApplyAcceptance, Party::Lead, None, "", actor).await?;
        tx.commit().await?;
        self.get_project(project_id).await
    }

    /// The acceptance materials filed, as (checklist field, file).
    pub async fn acceptance_materials(&self, project_id: i64) -> Result<Vec<(String, StoredFile)>> {
        let rows = sqlx::query(
            "SELECT f.*, pf.attached_to FROM files f JOIN project_files pf ON pf.file_id = f.id \
             WHERE pf.project_id = $1 AND pf.attached_to LIKE 'acceptance:%' ORDER BY f.id",
        )
        .bind(project_id)
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|row| {
                let attached: String = row.try_get("attached_to")?;
                Ok((attached.trim_start_matches("acceptance:").to_owned(), crate::files::stored_file(row)?))
            })
            .collect()
    }

    /// The organizer starts testing, on an acceptance phase of the project's challenge or (with
    /// none) by labs alone.
    pub async fn start_testing(&self, project_id: i64, phase_id: Option<i64>, actor: i64) -> Result<super::Project> {
        let project = self.get_project(project_id).await?;
        if let Some(phase) = phase_id {
            let phase = self.get_phase(phase).await?;
            if phase.challenge_id != project.challenge_id {
                return Err(jiebang_core::Error::invalid(
                    "phase_id",
                    "须为本榜题的测评阶段 / a phase of this challenge",
                )
                .into());
            }
        }
        let mut tx = self.begin_write().await?;
        sqlx::query("UPDATE projects SET acceptance_phase_id = $2 WHERE id = $1")
            .bind(project_id)
            .bind(phase_id)
            .execute(&mut *tx)
            .await?;
        step(&mut tx, self.backend, &project, ProjectAction::StartTesting, Party::Organizer, None, "", actor).await?;
        tx.commit().await?;
        self.get_project(project_id).await
    }

    /// The organizer designates an account as the project's testing lab, while acceptance is
    /// applied for or tested.
    pub async fn designate_lab(&self, project_id: i64, user_id: i64, name: &str, actor: i64) -> Result<ProjectLab> {
        let project = self.get_project(project_id).await?;
        if !matches!(project.state, ProjectState::AcceptanceApplied | ProjectState::Testing) {
            return Err(StoreError::refused(
                "验收申请后、测评结束前方可指定检测机构 / labs are designated between the application and the end of testing",
            ));
        }
        if name.trim().is_empty() {
            return Err(jiebang_core::Error::invalid("name", "请填写检测机构名称 / name the lab").into());
        }
        self.get_user(user_id).await?;
        let mut tx = self.begin_write().await?;
        sqlx::query(
            "INSERT INTO project_labs (project_id, user_id, name, designated_by, designated_at) VALUES ($1, $2, $3, $4, $5) \
             ON CONFLICT (project_id, user_id) DO UPDATE SET name = excluded.name",
        )
        .bind(project_id)
        .bind(user_id)
        .bind(name.trim())
        .bind(actor)
        .bind(now_text())
        .execute(&mut *tx)
        .await?;
        let title = format!("受托测评：{} / Testing assigned: {}", project.name, project.name);
        notify(&mut tx, Audience::Users(&[user_id]), "project.lab", &title, "", &format!("/projects/{project_id}"))
            .await?;
        audit::append(
            &mut tx,
            self.backend,
            Some(actor),
            "project.lab",
            &format!("project:{project_id}"),
            serde_json::json!({"lab": user_id, "name": name.trim()}),
        )
        .await?;
        tx.commit().await?;
        Ok(ProjectLab { user_id, name: name.trim().to_owned() })
    }

    /// The project's designated labs.
    pub async fn project_labs(&self, project_id: i64) -> Result<Vec<ProjectLab>> {
        let rows =
            sqlx::query("SELECT user_id, name FROM project_labs WHERE project_id = $1 ORDER BY designated_at, user_id")
                .bind(project_id)
                .fetch_all(&self.pool)
                .await?;
        rows.iter().map(|row| Ok(ProjectLab { user_id: row.try_get("user_id")?, name: row.try_get("name")? })).collect()
    }

    /// A designated lab files its test report while the project is tested: a value per
    /// committed indicator it measured (by the indicator's name), every problem at once.
    pub async fn submit_lab_report(
        &self,
        project_id: i64,
        values: &BTreeMap<String, f64>,
        files: &[StoredFile],
        note: &str,
        actor: i64,
    ) -> Result<LabReport> {
        let project = self.get_project(project_id).await?;
        let lab = self.project_labs(project_id).await?.into_iter().find(|l| l.user_id == actor);
        let Some(lab) = lab else {
            return Err(StoreError::refused(
                "只有受托的检测机构可提交测评报告 / only a designated lab files test reports",
            ));
        };
        if project.state != ProjectState::Testing {
            return Err(StoreError::refused(format!(
                "项目{}，不在测评中 / the project is not being tested",
                project.state.label_zh()
            )));
        }
        let mut problems = Vec::new();
        let mut measured = BTreeMap::new();
        for (name, value) in values {
            match project.committed.iter().find(|c| c.name == *name) {
                None => problems
                    .push(FieldError::new(format!("values.{name}"), "不是承诺的指标 / not a committed indicator")),
                Some(_) if !value.is_finite() => {
                    problems.push(FieldError::new(format!("values.{name}"), "须为数值 / must be a number"))
                }
                Some(c) => {
                    measured.insert(c.target.metric.as_str().to_owned(), *value);
                }
            }
        }
        if values.is_empty() {
            problems.push(FieldError::new("values", "请至少填写一项指标的测评值 / give at least one value"));
        }
        if files.is_empty() {
            problems.push(FieldError::new("file", "请上传测评报告 / upload the test report"));
        }
        if !problems.is_empty() {
            return Err(jiebang_core::Error::Invalid(problems).into());
        }
        let mut tx = self.begin_write().await?;
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO lab_reports (project_id, lab_user_id, lab_name, measured, note, submitted_at) \
             VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
        )
        .bind(project_id)
        .bind(actor)
        .bind(&lab.name)
        .bind(serde_json::to_string(&measured).map_err(decode)?)
        .bind(note.trim())
        .bind(now_text())
        .fetch_one(&mut *tx)
        .await?;
        for file in files {
            super::attach_file(&mut tx, project_id, file.id, &format!("lab:{id}")).await?;
        }
        let title = format!("检测机构报告：{} / Lab report: {}", project.name, project.name);
        notify(
            &mut tx,
            Audience::Organizers(project.program_id),
            "project.lab_report",
            &title,
            "",
            &format!("/projects/{project_id}"),
        )
        .await?;
        audit::append(
            &mut tx,
            self.backend,
            Some(actor),
            "project.lab_report",
            &format!("project:{project_id}"),
            serde_json::json!({"report": id, "lab": lab.name, "measured": measured}),
        )
        .await?;
        tx.commit().await?;
        let reports = self.lab_reports(project_id).await?;
        reports.into_iter().find(|r| r.id == id).ok_or_else(|| StoreError::not_found("lab report", id))
    }

    /// A project's lab reports, oldest first.
    pub async fn lab_reports(&self, project_id: i64) -> Result<Vec<LabReport>> {
        let rows = sqlx::query("SELECT * FROM lab_reports WHERE project_id = $1 ORDER BY id")
            .bind(project_id)
            .fetch_all(&self.pool)
            .await?;
        let mut reports = Vec::with_capacity(rows.len());
        for row in &rows {
            let measured: String = row.try_get("measured")?;
            let id: i64 = row.try_get("id")?;
            let files = sqlx::query(
                "SELECT f.* FROM files f JOIN project_files pf ON pf.file_id = f.id \
                 WHERE pf.project_id = $1 AND pf.attached_to = $2 ORDER BY f.id",
            )
            .bind(project_id)
            .bind(format!("lab:{id}"))
            .fetch_all(&self.pool)
            .await?;
            reports.push(LabReport {
                id,
                project_id,
                lab_user_id: row.try_get("lab_user_id")?,
                lab_name: row.try_get("lab_name")?,
                measured: serde_json::from_str(&measured).map_err(decode)?,
                note: row.try_get("note")?,
                files: files.iter().map(crate::files::stored_file).collect::<Result<_>>()?,
                submitted_at: row.try_get("submitted_at")?,
            });
        }
        Ok(reports)
    }

    /// The organizer records the conclusion with the acceptance it rests on, and the conclusion
    /// goes into publicity for the program's working days from `today`. 通过 is refused while a
    /// veto applies.
    #[allow(clippy::too_many_arguments)]
    pub async fn conclude_acceptance(
        &self,
        project_id: i64,
        conclusion: Conclusion,
        record: &AcceptanceRecord,
        reason: &str,
        calendar: &WorkCalendar,
        today: Day,
        actor: i64,
    ) -> Result<super::Project> {
        let project = self.get_project(project_id).await?;
        if conclusion == Conclusion::Passed && !record.judgement.vetoes.is_empty() {
            let vetoes: Vec<&str> = record.judgement.vetoes.iter().map(|v| v.label_zh()).collect();
            let names = vetoes.join("、");
            return Err(StoreError::refused(format!(
                "存在否决情形（{names}），不能通过验收 / a veto applies ({names}): the acceptance cannot pass"
            )));
        }
        let program = self.get_program(project.program_id).await?;
        let (starts_on, ends_on) = calendar
            .period(today, program.rules.publicity_working_days)
            .map_err(|e| StoreError::refused(e.to_string()))?;
        let mut tx = self.begin_write().await?;
        sqlx::query(
            "UPDATE projects SET acceptance = $2, publicity_starts_on = $3, publicity_ends_on = $4 WHERE id = $1",
        )
        .bind(project_id)
        .bind(serde_json::to_string(record).map_err(decode)?)
        .bind(starts_on.to_string())
        .bind(ends_on.to_string())
        .execute(&mut *tx)
        .await?;
        let reason = if reason.trim().is_empty() {
            format!("结论公示期 {starts_on} 至 {ends_on} / in publicity from {starts_on} to {ends_on}")
        } else {
            reason.trim().to_owned()
        };
        step(
            &mut tx,
            self.backend,
            &project,
            ProjectAction::Conclude,
            Party::Organizer,
            Some(conclusion),
            &reason,
            actor,
        )
        .await?;
        tx.commit().await?;
        self.get_project(project_id).await
    }

    /// The lead unit appeals the conclusion during its publicity.
    pub async fn file_appeal(&self, project_id: i64, content: &str, today: Day, actor: i64) -> Result<Appeal> {
        let project = self.get_project(project_id).await?;
        let open = project.state == ProjectState::ConclusionPublicity
            && project.publicity_starts_on.is_some_and(|d| today >= d)
            && project.publicity_ends_on.is_some_and(|d| today <= d);
        if !open {
            return Err(StoreError::refused("不在结论公示期内 / the conclusion is not in its publicity period"));
        }
        if content.trim().is_empty() {
            return Err(
                jiebang_core::Error::invalid("content", "请写明申诉事项与理由 / say what is appealed and why").into()
            );
        }
        let mut tx = self.begin_write().await?;
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO project_appeals (project_id, content, filed_by, filed_at) VALUES ($1, $2, $3, $4) RETURNING id",
        )
        .bind(project_id)
        .bind(content.trim())
        .bind(actor)
        .bind(now_text())
        .fetch_one(&mut *tx)
        .await?;
        let title = format!("结论申诉：{} / Appeal: {}", project.name, project.name);
        notify(
            &mut tx,
            Audience::Organizers(project.program_id),
            "project.appeal",
            &title,
            content.trim(),
            &format!("/projects/{project_id}"),
        )
        .await?;
        audit::append(
            &mut tx,
            self.backend,
            Some(actor),
            "project.appeal",
            &format!("project:{project_id}"),
            serde_json::json!({"appeal": id}),
        )
        .await?;
        tx.commit().await?;
        self.get_appeal(id).await
    }

    /// The organizer decides an appeal: upheld sends the conclusion back to review.
    pub async fn decide_appeal(&self, id: i64, upheld: bool, note: &str, actor: i64) -> Result<Appeal> {
        let appeal = self.get_appeal(id).await?;
        if appeal.upheld.is_some() {
            return Err(StoreError::refused("该申诉已处理 / the appeal has been decided"));
        }
        if note.trim().is_empty() {
            return Err(jiebang_core::Error::invalid("note", "请写明处理意见 / give the answer").into());
        }
        let project = self.get_project(appeal.project_id).await?;
        let mut tx = self.begin_write().await?;
        let decided = sqlx::query(
            "UPDATE project_appeals SET upheld = $2, note = $3, decided_by = $4, decided_at = $5 WHERE id = $1 AND upheld IS NULL",
        )
        .bind(id)
        .bind(i64::from(upheld))
        .bind(note.trim())
        .bind(actor)
        .bind(now_text())
        .execute(&mut *tx)
        .await?
        .rows_affected();
        if decided == 0 {
            return Err(StoreError::refused("该申诉已处理 / the appeal has been decided"));
        }
        if upheld {
            let reason = format!("申诉成立：{} / appeal upheld", note.trim());
            step(&mut tx, self.backend, &project, ProjectAction::Reconsider, Party::Organizer, None, &reason, actor)
                .await?;
        } else {
            let title = format!("申诉不成立：{} / Appeal dismissed: {}", project.name, project.name);
            notify(
                &mut tx,
                Audience::Organization(project.lead_organization_id),
                "project.appeal_decision",
                &title,
                note.trim(),
                &format!("/projects/{}", project.id),
            )
            .await?;
        }
        audit::append(
            &mut tx,
            self.backend,
            Some(actor),
            "project.appeal_decision",
            &format!("project:{}", project.id),
            serde_json::json!({"appeal": id, "upheld": upheld}),
        )
        .await?;
        tx.commit().await?;
        self.get_appeal(id).await
    }

    /// Closes the publicity once its last day has passed with every appeal decided.
    pub async fn finalize_conclusion(&self, project_id: i64, today: Day, actor: i64) -> Result<super::Project> {
        let project = self.get_project(project_id).await?;
        if let Some(ends) = project.publicity_ends_on
            && today <= ends
        {
            return Err(StoreError::refused(format!("结论公示期至 {ends} 结束 / the publicity runs until {ends}")));
        }
        if self.project_appeals(project_id).await?.iter().any(|a| a.upheld.is_none()) {
            return Err(StoreError::refused("尚有申诉未处理 / an appeal awaits its decision"));
        }
        let mut tx = self.begin_write().await?;
        step(&mut tx, self.backend, &project, ProjectAction::Finalize, Party::Organizer, None, "", actor).await?;
        tx.commit().await?;
        self.get_project(project_id).await
    }

    /// One appeal.
    pub async fn get_appeal(&self, id: i64) -> Result<Appeal> {
        let row = sqlx::query("SELECT * FROM project_appeals WHERE id = $1")
            .bind(id)
            .fetch_optional(&self.pool)
            .await?
            .ok_or_else(|| StoreError::not_found("appeal", id))?;
        appeal(&row)
    }

    /// A project's appeals, oldest first.
    pub async fn project_appeals(&self, project_id: i64) -> Result<Vec<Appeal>> {
        let rows = sqlx::query("SELECT * FROM project_appeals WHERE project_id = $1 ORDER BY id")
            .bind(project_id)
            .fetch_all(&self.pool)
            .await?;
        rows.iter().map(appeal).collect()
    }
}

fn appeal(row: &AnyRow) -> Result<Appeal> {
    let upheld: Option<i64> = row.try_get("upheld")?;
    Ok(Appeal {
        id: row.try_get("id")?,
        project_id: row.try_get("project_id")?,
        content: row.try_get("content")?,
        filed_by: row.try_get("filed_by")?,
        filed_at: row.try_get("filed_at")?,
        upheld: upheld.map(|u| u != 0),
        note: row.try_get("note")?,
        decided_at: row.try_get("decided_at")?,
    })
}
