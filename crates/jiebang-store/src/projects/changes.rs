//! Change requests (变更): the lead unit asks (an extension checked by the program's
//! [`ExtensionRule`] when asked, a committed value that must still meet the list's target, a
//! member or budget change described), the recommending unit checks where the program has one,
//! the organizer approves or refuses. Until approved the original terms hold; an approved
//! extension moves the project's end, an approved indicator change its committed value.

use jiebang_core::FieldError;
use jiebang_core::program::Day;
use jiebang_core::project::{ChangeKind, ChangeState, ExtensionRule, ProjectState};
use serde::{Deserialize, Serialize};
use sqlx::Row;
use sqlx::any::AnyRow;

use super::decode;
use crate::notifications::{Audience, notify};
use crate::{Result, Store, StoreError, audit, now_text};

/// A change as the lead unit asks for it.
#[derive(Debug, Clone, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ChangeInput {
    /// What changes.
    pub kind: ChangeKind,
    /// Why (变更理由).
    pub reason: String,
    /// An extension's new end.
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>))]
    pub new_end: Option<Day>,
    /// An indicator change's committed indicator.
    #[serde(default)]
    pub indicator: Option<String>,
    /// Its new committed value.
    #[serde(default)]
    pub new_value: Option<f64>,
}

/// A change request and where it stands.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ProjectChange {
    /// Id.
    pub id: i64,
    /// The project.
    pub project_id: i64,
    /// What changes.
    pub kind: ChangeKind,
    /// Why.
    pub reason: String,
    /// An extension's new end.
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>))]
    pub new_end: Option<Day>,
    /// An indicator change's indicator.
    pub indicator: Option<String>,
    /// Its new committed value.
    pub new_value: Option<f64>,
    /// Where it is.
    pub state: ChangeState,
    /// Who asked.
    pub requested_by: i64,
    /// When (CST text).
    pub requested_at: String,
    /// Who checked it for the recommending unit.
    pub checked_by: Option<i64>,
    /// The recommending unit's opinion.
    pub check_note: String,
    /// Who decided.
    pub decided_by: Option<i64>,
    /// The organizer's opinion.
    pub decision_note: String,
    /// When decided.
    pub decided_at: Option<String>,
}

impl Store {
    /// The lead unit asks for a change of a signed project still under way, on `today`; every
    /// problem at once. One open request of each kind at a time.
    pub async fn request_change(
        &self,
        project_id: i64,
        input: &ChangeInput,
        today: Day,
        actor: i64,
    ) -> Result<ProjectChange> {
        let project = self.get_project(project_id).await?;
        use ProjectState as S;
        if !matches!(project.state, S::Signed | S::InProgress | S::MidTerm | S::Rectifying) {
            return Err(StoreError::refused(format!(
                "项目{}，不能申请变更 / changes are asked for while the work goes on",
                project.state.label_zh()
            )));
        }
        let earlier = self.project_changes(project_id).await?;
        if earlier
            .iter()
            .any(|c| c.kind == input.kind && matches!(c.state, ChangeState::Requested | ChangeState::Checked))
        {
            return Err(StoreError::refused(format!(
                "已有一项{}申请待审批 / a {} request is already open",
                input.kind.label_zh(),
                input.kind.label_en()
            )));
        }
        let mut problems = Vec::new();
        if input.reason.trim().is_empty() {
            problems.push(FieldError::new("reason", "请写明变更理由 / give the reason"));
        }
        match input.kind {
            ChangeKind::Extension => match (input.new_end, project.end()) {
                (None, _) => problems.push(FieldError::new("new_end", "请填写延期后的结束日期 / give the new end")),
                (Some(_), None) => {
                    problems.push(FieldError::new("new_end", "任务书没有执行期 / the agreement has no period"))
                }
                (Some(new_end), Some(end)) => {
                    let approved = earlier
                        .iter()
                        .filter(|c| c.kind == ChangeKind::Extension && c.state == ChangeState::Approved)
                        .count() as u32;
                    if let Err(jiebang_core::Error::Invalid(found)) =
                        ExtensionRule::default().check(end, new_end, today, approved)
                    {
                        problems.extend(found);
                    }
                }
            },
            ChangeKind::Indicator => {
                let committed =
                    input.indicator.as_deref().and_then(|name| project.committed.iter().find(|c| c.name == name));
                match (committed, input.new_value) {
                    (None, _) => {
                        problems.push(FieldError::new("indicator", "请选择承诺的指标 / choose a committed indicator"))
                    }
                    (Some(_), None) => {
                        problems.push(FieldError::new("new_value", "请填写新的承诺值 / give the new value"))
                    }
                    (Some(c), Some(v)) if !v.is_finite() || v == c.committed => {
                        problems
                            .push(FieldError::new("new_value", "新的承诺值须不同于原值 / the new value must differ"));
                    }
                    (Some(c), Some(v)) if !c.target.op.holds(v, c.target.threshold) => problems.push(FieldError::new(
                        "new_value",
                        format!(
                            "承诺值不得低于榜单要求 {} {} / a commitment must still meet the list's {} {}",
                            c.target.op.symbol(),
                            c.target.threshold,
                            c.target.op.symbol(),
                            c.target.threshold
                        ),
                    )),
                    _ => {}
                }
            }
            ChangeKind::Member | ChangeKind::Budget => {}
        }
        if !problems.is_empty() {
            return Err(jiebang_core::Error::Invalid(problems).into());
        }
        let (new_end, indicator, new_value) = match input.kind {
            ChangeKind::Extension => (input.new_end, None, None),
            ChangeKind::Indicator => (None, input.indicator.clone(), input.new_value),
            _ => (None, None, None),
        };
        let mut tx = self.begin_write().await?;
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO project_changes (project_id, kind, reason, new_end, indicator, state, requested_by, requested_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id",
        )
        .bind(project_id)
        .bind(input.kind.as_str())
        .bind(input.reason.trim())
        .bind(new_end.map(|d| d.to_string()))
        .bind(indicator)
        .bind(ChangeState::Requested.as_str())
        .bind(actor)
        .bind(now_text())
        .fetch_one(&mut *tx)
        .await?;
        // Set apart: the Any driver cannot bind a null float for PostgreSQL.
        if let Some(value) = new_value {
            sqlx::query("UPDATE project_changes SET new_value = $2 WHERE id = $1")
                .bind(id)
                .bind(value)
                .execute(&mut *tx)
                .await?;
        }
        let title = format!(
            "{}申请：{} / {} requested: {}",
            input.kind.label_zh(),
            project.name,
            input.kind.label_en(),
            project.name
        );
        let link = format!("/projects/{project_id}");
        let region: String = sqlx::query_scalar("SELECT region_code FROM organizations WHERE id = $1")
            .bind(project.lead_organization_id)
            .fetch_one(&mut *tx)
            .await?;
        for audience in [Audience::Organizers(project.program_id), Audience::Recommenders(&region)] {
            notify(&mut tx, audience, "project.change", &title, input.reason.trim(), &link).await?;
        }
        audit::append(
            &mut tx,
            self.backend,
            Some(actor),
            "project.change",
            &format!("project:{project_id}"),
            serde_json::json!({"change": id, "kind": input.kind.as_str()}),
        )
        .await?;
        tx.commit().await?;
        self.get_change(id).await
    }

    /// The recommending unit's check (丙方): passed on to the organizer, or refused.
    pub async fn check_change(&self, id: i64, agree: bool, note: &str, actor: i64) -> Result<ProjectChange> {
        let change = self.get_change(id).await?;
        if change.state != ChangeState::Requested {
            return Err(StoreError::refused(format!(
                "该申请{} / the request is {}",
                change.state.label_zh(),
                change.state.as_str()
            )));
        }
        if !agree && note.trim().is_empty() {
            return Err(jiebang_core::Error::invalid("note", "不同意须写明理由 / give the reason").into());
        }
        let to = if agree { ChangeState::Checked } else { ChangeState::Refused };
        let mut tx = self.begin_write().await?;
        let moved = sqlx::query(
            "UPDATE project_changes SET state = $2, checked_by = $3, check_note = $4, \
             decided_at = CASE WHEN $2 = 'refused' THEN $5 ELSE decided_at END WHERE id = $1 AND state = 'requested'",
        )
        .bind(id)
        .bind(to.as_str())
        .bind(actor)
        .bind(note.trim())
        .bind(now_text())
        .execute(&mut *tx)
        .await?
        .rows_affected();
        if moved == 0 {
            return Err(StoreError::refused("申请已变化，请刷新后重试 / the request changed; reload and try again"));
        }
        audit::append(
            &mut tx,
            self.backend,
            Some(actor),
            "project.change_check",
            &format!("project:{}", change.project_id),
            serde_json::json!({"change": id, "state": to.as_str()}),
        )
        .await?;
        tx.commit().await?;
        self.get_change(id).await
    }

    /// The organizer's decision: once the recommending unit has checked it, or straight away
    /// where the program has no recommending step. An approved change takes effect now.
    pub async fn decide_change(&self, id: i64, approve: bool, note: &str, actor: i64) -> Result<ProjectChange> {
        let change = self.get_change(id).await?;
        let project = self.get_project(change.project_id).await?;
        let program = self.get_program(project.program_id).await?;
        let open = match change.state {
            ChangeState::Checked => true,
            ChangeState::Requested => !program.rules.recommendation_required,
            _ => false,
        };
        if !open {
            return Err(StoreError::refused(format!(
                "该申请{}，不能审批 / the request cannot be decided while {}",
                change.state.label_zh(),
                change.state.as_str()
            )));
        }
        if project.state.is_final() {
            return Err(StoreError::refused(format!("项目{} / the project has ended", project.state.label_zh())));
        }
        if !approve && note.trim().is_empty() {
            return Err(jiebang_core::Error::invalid("note", "不批准须写明理由 / give the reason").into());
        }
        let to = if approve { ChangeState::Approved } else { ChangeState::Refused };
        let mut tx = self.begin_write().await?;
        let moved = sqlx::query(
            "UPDATE project_changes SET state = $2, decided_by = $3, decision_note = $4, decided_at = $5 \
             WHERE id = $1 AND state = $6",
        )
        .bind(id)
        .bind(to.as_str())
        .bind(actor)
        .bind(note.trim())
        .bind(now_text())
        .bind(change.state.as_str())
        .execute(&mut *tx)
        .await?
        .rows_affected();
        if moved == 0 {
            return Err(StoreError::refused("申请已变化，请刷新后重试 / the request changed; reload and try again"));
        }
        if approve {
            match change.kind {
                ChangeKind::Extension => {
                    sqlx::query("UPDATE projects SET extended_end = $2 WHERE id = $1")
                        .bind(project.id)
                        .bind(change.new_end.map(|d| d.to_string()))
                        .execute(&mut *tx)
                        .await?;
                }
                ChangeKind::Indicator => {
                    let mut committed = project.committed.clone();
                    for c in committed.iter_mut().filter(|c| Some(&c.name) == change.indicator.as_ref()) {
                        c.committed = change.new_value.unwrap_or(c.committed);
                    }
                    sqlx::query("UPDATE projects SET committed = $2 WHERE id = $1")
                        .bind(project.id)
                        .bind(serde_json::to_string(&committed).map_err(decode)?)
                        .execute(&mut *tx)
                        .await?;
                }
                ChangeKind::Member | ChangeKind::Budget => {}
            }
        }
        let title = format!(
            "{}{}：{} / {} {}: {}",
            change.kind.label_zh(),
            to.label_zh(),
            project.name,
            change.kind.label_en(),
            to.label_en(),
            project.name
        );
        let link = format!("/projects/{}", project.id);
        notify(
            &mut tx,
            Audience::Organization(project.lead_organization_id),
            "project.change_decision",
            &title,
            note.trim(),
            &link,
        )
        .await?;
        audit::append(
            &mut tx,
            self.backend,
            Some(actor),
            "project.change_decision",
            &format!("project:{}", project.id),
            serde_json::json!({"change": id, "kind": change.kind.as_str(), "state": to.as_str()}),
        )
        .await?;
        tx.commit().await?;
        self.get_change(id).await
    }

    /// One change request.
    pub async fn get_change(&self, id: i64) -> Result<ProjectChange> {
        let row = sqlx::query("SELECT * FROM project_changes WHERE id = $1")
            .bind(id)
            .fetch_optional(&self.pool)
            .await?
            .ok_or_else(|| StoreError::not_found("change", id))?;
        change(&row)
    }

    /// A project's change requests, oldest first.
    pub async fn project_changes(&self, project_id: i64) -> Result<Vec<ProjectChange>> {
        let rows = sqlx::query("SELECT * FROM project_changes WHERE project_id = $1 ORDER BY id")
            .bind(project_id)
            .fetch_all(&self.pool)
            .await?;
        rows.iter().map(change).collect()
    }
}

fn change(row: &AnyRow) -> Result<ProjectChange> {
    let kind: String = row.try_get("kind")?;
    let state: String = row.try_get("state")?;
    let new_end: Option<String> = row.try_get("new_end")?;
    Ok(ProjectChange {
        id: row.try_get("id")?,
        project_id: row.try_get("project_id")?,
        kind: ChangeKind::parse("kind", &kind).map_err(decode)?,
        reason: row.try_get("reason")?,
        new_end: new_end.map(|d| Day::parse("new_end", &d)).transpose().map_err(decode)?,
        indicator: row.try_get("indicator")?,
        new_value: row.try_get("new_value")?,
        state: ChangeState::parse("state", &state).map_err(decode)?,
        requested_by: row.try_get("requested_by")?,
        requested_at: row.try_get("requested_at")?,
        checked_by: row.try_get("checked_by")?,
        check_note: row.try_get("check_note")?,
        decided_by: row.try_get("decided_by")?,
        decision_note: row.try_get("decision_note")?,
        decided_at: row.try_get("decided_at")?,
    })
}
