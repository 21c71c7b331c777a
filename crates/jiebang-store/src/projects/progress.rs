//! Periodic progress reports (月报 / 季报 / 年报): where the task agreement asks for them, the lead
//! unit files one per reporting period once the period is over — what was done, what is in the
//! way, what has been spent — and the organizers and the recommending unit read them. A report
//! filed after its due day is kept and marked late.

use jiebang_core::FieldError;
use jiebang_core::program::Day;
use jiebang_core::project::{ProgressPeriod, ProjectState, progress_periods};
use serde::{Deserialize, Serialize};
use sqlx::Row;

use super::Project;
use crate::notifications::{Audience, notify};
use crate::{Result, Store, StoreError, audit, now_text};

/// What the lead unit reports for one period.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ProgressInput {
    /// The period's label, as the project's schedule names it (`2026-03`, `2026-Q1`, `2026`).
    pub period: String,
    /// 进展情况: what was done.
    pub summary: String,
    /// 存在问题: what is in the way (may be empty).
    #[serde(default)]
    pub problems: String,
    /// Spent so far, yuan, all sources.
    pub spent_cny: f64,
}

/// A filed progress report.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ProgressReport {
    /// Id.
    pub id: i64,
    /// The project.
    pub project_id: i64,
    /// The period's label.
    pub period: String,
    /// What was done.
    pub summary: String,
    /// What is in the way.
    pub problems: String,
    /// Spent so far, yuan.
    pub spent_cny: f64,
    /// Filed after the due day.
    pub late: bool,
    /// When (CST text).
    pub submitted_at: String,
}

/// The reporting schedule of a signed project: its periods to the current end (an approved
/// extension adds periods).
pub fn schedule(project: &Project) -> Vec<ProgressPeriod> {
    match (&project.agreement, project.end()) {
        (Some(agreement), Some(end)) if project.signed_at.is_some() => {
            progress_periods(agreement.start, end, agreement.progress_reports)
        }
        _ => Vec::new(),
    }
}

impl Store {
    /// The lead unit files the report of a period that is over, once per period, while the work
    /// goes on. Every problem with the fields is reported at once.
    pub async fn file_progress_report(
        &self,
        project_id: i64,
        input: &ProgressInput,
        today: Day,
        actor: i64,
    ) -> Result<ProgressReport> {
        let project = self.get_project(project_id).await?;
        use ProjectState as S;
        if !matches!(project.state, S::Signed | S::InProgress | S::MidTerm | S::Rectifying) {
            return Err(StoreError::refused(format!(
                "项目{}，不再报送进展 / progress is reported while the work goes on",
                project.state.label_zh()
            )));
        }
        let periods = schedule(&project);
        if periods.is_empty() {
            return Err(StoreError::refused("任务书未要求报送进展报告 / the agreement asks for no progress reports"));
        }
        let mut problems = Vec::new();
        let period = periods.iter().find(|p| p.label == input.period.trim());
        match period {
            None => problems.push(FieldError::new(
                "period",
                format!(
                    "「{}」不是本项目的报告期，应为 {} 等 / not one of the project's periods",
                    input.period,
                    periods.iter().take(3).map(|p| p.label.as_str()).collect::<Vec<_>>().join("、")
                ),
            )),
            Some(p) if today <= p.to => problems.push(FieldError::new(
                "period",
                format!("{}到 {} 才结束 / {} ends on {}", p.name(true), p.to, p.name(false), p.to),
            )),
            Some(_) => {}
        }
        if input.summary.trim().is_empty() {
            problems.push(FieldError::new("summary", "请填写进展情况 / say what was done"));
        }
        if !(input.spent_cny.is_finite() && input.spent_cny >= 0.0) {
            problems.push(FieldError::new("spent_cny", "累计支出须为非负数 / the amount spent must not be negative"));
        }
        let (Some(period), true) = (period, problems.is_empty()) else {
            return Err(jiebang_core::Error::Invalid(problems).into());
        };
        let filed: Option<i64> =
            sqlx::query_scalar("SELECT id FROM progress_reports WHERE project_id = $1 AND period = $2")
                .bind(project_id)
                .bind(&period.label)
                .fetch_optional(&self.pool)
                .await?;
        if filed.is_some() {
            return Err(StoreError::refused(format!(
                "{}的进展报告已报送 / the report for {} is filed",
                period.name(true),
                period.name(false)
            )));
        }
        let late = today > period.due;
        let mut tx = self.begin_write().await?;
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO progress_reports (project_id, period, summary, problems, spent_cny, late, submitted_by, submitted_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id",
        )
        .bind(project_id)
        .bind(&period.label)
        .bind(input.summary.trim())
        .bind(input.problems.trim())
        .bind(input.spent_cny)
        .bind(i64::from(late))
        .bind(actor)
        .bind(now_text())
        .fetch_one(&mut *tx)
        .await?;
        let title = format!(
            "进展报告（{}）：{} / Progress report ({}): {}",
            period.name(true),
            project.name,
            period.name(false),
            project.name
        );
        let link = format!("/projects/{project_id}");
        notify(&mut tx, Audience::Organizers(project.program_id), "project.progress", &title, "", &link).await?;
        audit::append(
            &mut tx,
            self.backend,
            Some(actor),
            "project.progress",
            &format!("project:{project_id}"),
            serde_json::json!({"report": id, "period": period.label, "late": late}),
        )
        .await?;
        tx.commit().await?;
        Ok(self.progress_reports(project_id).await?.into_iter().find(|r| r.id == id).expect("just filed"))
    }

    /// A project's progress reports, by period.
    pub async fn progress_reports(&self, project_id: i64) -> Result<Vec<ProgressReport>> {
        let rows = sqlx::query("SELECT * FROM progress_reports WHERE project_id = $1 ORDER BY period")
            .bind(project_id)
            .fetch_all(&self.pool)
            .await?;
        rows.iter()
            .map(|row| {
                Ok(ProgressReport {
                    id: row.try_get("id")?,
                    project_id: row.try_get("project_id")?,
                    period: row.try_get("period")?,
                    summary: row.try_get("summary")?,
                    problems: row.try_get("problems")?,
                    spent_cny: row.try_get("spent_cny")?,
                    late: row.try_get::<i64, _>("late")? != 0,
                    submitted_at: row.try_get("submitted_at")?,
                })
            })
            .collect()
    }
}
