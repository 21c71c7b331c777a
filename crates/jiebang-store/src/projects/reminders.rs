//! Reminders before projects' deadlines: a milestone (or its rectification) or a periodic progress
//! report due in 7 days and in 1 day, one overdue, and the acceptance window's last month. Each is recorded as it is sent,
//! so the pass may run every few minutes on every server and still reminds once.

use jiebang_core::program::Day;
use jiebang_core::project::{MilestoneDecision, ProjectState};

use crate::notifications::{Audience, notify};
use crate::{Result, Store, now_text};

impl Store {
    /// Sends the reminders due on `today`; returns how many were sent.
    pub async fn send_project_reminders(&self, today: Day) -> Result<usize> {
        let rows = sqlx::query("SELECT * FROM projects ORDER BY id").fetch_all(&self.pool).await?;
        let mut sent = 0;
        for row in &rows {
            let project = super::project(row)?;
            use ProjectState as S;
            if !matches!(project.state, S::Signed | S::InProgress | S::MidTerm | S::Rectifying) {
                continue;
            }
            let Some(agreement) = &project.agreement else { continue };
            let reports = self.milestone_reports(project.id).await?;
            let mut due = Vec::new();
            for (milestone, position) in agreement.milestones.iter().zip(1u32..) {
                let latest = reports.iter().rev().find(|r| r.milestone == position);
                let on = match latest.map(|r| (r.decision, r.rectify_by)) {
                    None => milestone.due,
                    Some((Some(MilestoneDecision::Rectify), Some(by))) => by,
                    // Reported and awaiting review, passed or failed: nothing to remind of.
                    Some(_) => continue,
                };
                due.push((format!("milestone:{position}"), milestone.title.clone(), on));
            }
            let filed = self.progress_reports(project.id).await?;
            for period in super::progress_schedule(&project) {
                if !filed.iter().any(|r| r.period == period.label) {
                    due.push((
                        format!("progress:{}", period.label),
                        format!("{}进展报告", period.name(true)),
                        period.due,
                    ));
                }
            }
            if let Some(end) = project.end() {
                due.push(("acceptance".to_owned(), "验收申请".to_owned(), end));
            }
            for (subject, title, on) in due {
                let days = (on.0 - today.0).whole_days();
                let kind = match (subject.as_str(), days) {
                    ("acceptance", 30) => "window_30",
                    ("acceptance", _) => continue,
                    (_, 7) => "due_7",
                    (_, 1) => "due_1",
                    (_, d) if d < 0 => "overdue",
                    _ => continue,
                };
                let mut tx = self.begin_write().await?;
                let inserted = sqlx::query(
                    "INSERT INTO project_reminders (project_id, subject, kind, due_on, sent_at) VALUES ($1, $2, $3, $4, $5) \
                     ON CONFLICT DO NOTHING",
                )
                .bind(project.id)
                .bind(&subject)
                .bind(kind)
                .bind(on.to_string())
                .bind(now_text())
                .execute(&mut *tx)
                .await?
                .rows_affected();
                if inserted == 0 {
                    continue;
                }
                let (zh, en) = match kind {
                    "due_7" => ("7 天后到期", "due in 7 days"),
                    "due_1" => ("明天到期", "due tomorrow"),
                    "window_30" => {
                        ("执行期 30 天后结束，请及时申请验收", "the work ends in 30 days: apply for acceptance in time")
                    }
                    _ => ("已逾期", "overdue"),
                };
                let message =
                    format!("{}「{title}」{zh}（{on}）/ {}: '{title}' {en} ({on})", project.name, project.name);
                let link = format!("/projects/{}", project.id);
                notify(
                    &mut tx,
                    Audience::Organization(project.lead_organization_id),
                    "project.reminder",
                    &message,
                    "",
                    &link,
                )
                .await?;
                if kind == "overdue" {
                    notify(&mut tx, Audience::Organizers(project.program_id), "project.reminder", &message, "", &link)
                        .await?;
                }
                tx.commit().await?;
                sent += 1;
            }
        }
        Ok(sent)
    }
}
