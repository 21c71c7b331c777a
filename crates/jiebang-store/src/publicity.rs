//! Publicity (公示) of the draft list, objections and their decisions, and the announcement
//! (公告) of the final list.
//!
//! The program's status moves only through these operations once review ends: publishing puts
//! it in 公示, an objection upheld for re-review returns it to review, and the announcement
//! closes the period, which needs the period over and every objection decided.

use jiebang_core::application::{Action, Actor, ApplicationState};
use jiebang_core::calendar::WorkCalendar;
use jiebang_core::program::{Day, ProgramStatus};
use jiebang_core::publicity::{Decision, FilerKind, NoticeInput, ObjectionInput, ObjectionStatus};
use serde::Serialize;
use sqlx::{Any, Transaction};

use crate::applications::{lock_program, set_state};
use crate::columns::{JsonText, Maybe, record};
use crate::notifications::{Audience, notify};
use crate::{ApplicationFilter, Backend, Result, Store, StoreError, audit, now_text};

/// A published draft list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, sqlx::FromRow)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Publicity {
    /// Id.
    pub id: i64,
    /// Program.
    pub program_id: i64,
    /// The notice as written (standard sentences filled in).
    #[sqlx(try_from = "JsonText<NoticeInput>")]
    pub notice: NoticeInput,
    /// First day of the period.
    #[sqlx(try_from = "String")]
    pub starts_on: Day,
    /// Last day of the period.
    #[sqlx(try_from = "String")]
    pub ends_on: Day,
    /// Length in working days.
    pub working_days: i64,
    /// When it was published.
    pub published_at: String,
    /// Set when an upheld objection sent the list back to review.
    pub ended_at: Option<String>,
    /// Set when the final list was announced.
    pub announced_at: Option<String>,
}

impl Publicity {
    /// Whether objections may be filed on `today`: from publication (which may fall on a rest
    /// day before the period's first working day) to the period's last day.
    pub fn is_open_on(&self, today: Day) -> bool {
        self.ended_at.is_none() && self.announced_at.is_none() && today <= self.ends_on
    }
}

/// An objection with its handling. The filer's identity is for organizers only.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, sqlx::FromRow)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Objection {
    /// Id.
    pub id: i64,
    /// The publicity it was filed in.
    pub publicity_id: i64,
    /// The application objected to.
    pub application_id: i64,
    /// Individual or unit.
    #[sqlx(try_from = "String")]
    pub filer_kind: FilerKind,
    /// Name of the filer.
    pub filer_name: String,
    /// Their contact.
    pub contact: String,
    /// What they say.
    pub content: String,
    /// The filer's account.
    pub filed_by: i64,
    /// When.
    pub filed_at: String,
    /// Where it stands.
    #[sqlx(try_from = "String")]
    pub status: ObjectionStatus,
    /// The decision, once made.
    #[sqlx(try_from = "Maybe<Decision>")]
    pub decision: Option<Decision>,
    /// How it was looked into (核查情况) and why it was decided so.
    pub handling: String,
    /// When it was decided.
    pub decided_at: Option<String>,
}

/// Moves the program's status inside `tx`, with its audit event.
pub(crate) async fn move_program(
    tx: &mut Transaction<'static, Any>,
    backend: Backend,
    id: i64,
    from: ProgramStatus,
    to: ProgramStatus,
    actor: Option<i64>,
) -> Result<()> {
    from.transition(to)?;
    let done = sqlx::query("UPDATE programs SET status = $1, updated_at = $2 WHERE id = $3 AND status = $4")
        .bind(to.as_str())
        .bind(now_text())
        .bind(id)
        .bind(from.as_str())
        .execute(&mut **tx)
        .await?;
    if done.rows_affected() == 0 {
        return Err(jiebang_core::Error::Transition { from: from.as_str().into(), to: to.as_str().into() }.into());
    }
    audit::append(
        tx,
        backend,
        actor,
        "program.transition",
        &format!("program:{id}"),
        serde_json::json!({"from": from.as_str(), "to": to.as_str()}),
    )
    .await
}

async fn program_status(
    tx: &mut Transaction<'static, Any>,
    backend: Backend,
    id: i64,
    expected: ProgramStatus,
) -> Result<()> {
    let (status, _, _) = lock_program(tx, backend, id).await?;
    if status != expected {
        return Err(StoreError::refused(format!(
            "批次当前为「{}」，此操作需在「{}」阶段进行 / the program is {}; this needs {}",
            status.label_zh(),
            expected.label_zh(),
            status.as_str(),
            expected.as_str()
        )));
    }
    Ok(())
}

/// Objections one user may have pending in one publicity at once.
pub const MAX_PENDING_OBJECTIONS: i64 = 3;
/// Objections one user may file in one publicity per day (UTC).
pub const MAX_OBJECTIONS_PER_DAY: i64 = 5;

impl Store {
    /// Publishes the ranked draft list for `working_days` working days from the first working
    /// day on or after `today`: proposed applications become 拟入选, the others 未入选.
    pub async fn publish_publicity(
        &self,
        program_id: i64,
        notice: &NoticeInput,
        calendar: &WorkCalendar,
        today: Day,
        actor: i64,
    ) -> Result<Publicity> {
        let program = self.get_program(program_id).await?;
        let notice = notice.validate(&program.title, program.rules.recommendation_required)?;
        let (starts_on, ends_on) = calendar
            .period(today, program.rules.publicity_working_days)
            .map_err(|e| StoreError::refused(e.to_string()))?;
        let candidates = self
            .list_applications(
                program_id,
                &ApplicationFilter {
                    states: Some(vec![ApplicationState::InReview, ApplicationState::Ranked]),
                    ..Default::default()
                },
            )
            .await?;
        if let Some(unranked) = candidates.iter().find(|a| a.state == ApplicationState::InReview) {
            return Err(StoreError::refused(format!(
                "申报 {}「{}」尚未排名，请先计算排名 / application {} is not ranked yet",
                unranked.id, unranked.input.project_name, unranked.id
            )));
        }
        if !candidates.iter().any(|a| a.proposed) {
            return Err(StoreError::refused("排名中没有拟入选的申报 / the ranking proposes no application"));
        }
        let mut tx = self.begin_write().await?;
        program_status(&mut tx, self.backend, program_id, ProgramStatus::UnderReview).await?;
        for application in &candidates {
            let action = if application.proposed { Action::Propose } else { Action::Reject };
            let to = application.state.apply(action, Actor::Organizer, true)?;
            set_state(&mut tx, application.id, application.state, to, None).await?;
            let project = &application.input.project_name;
            let title = format!("{}：{project} / {}: {project}", to.label_zh(), to.label_en());
            let body = format!(
                "评审结果已公示，公示期 {starts_on} 至 {ends_on}。 / The review results are published for comment from {starts_on} to {ends_on}."
            );
            notify(
                &mut tx,
                Audience::Organization(application.input.lead_organization_id),
                "publicity.published",
                &title,
                &body,
                &format!("/programs/{program_id}/publicity"),
            )
            .await?;
        }
        move_program(
            &mut tx,
            self.backend,
            program_id,
            ProgramStatus::UnderReview,
            ProgramStatus::Publicity,
            Some(actor),
        )
        .await?;
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO publicities (program_id, notice, starts_on, ends_on, working_days, published_by, published_at) VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
        )
        .bind(program_id)
        .bind(serde_json::to_string(&notice).map_err(StoreError::corrupt)?)
        .bind(starts_on.to_string())
        .bind(ends_on.to_string())
        .bind(i64::from(program.rules.publicity_working_days))
        .bind(actor)
        .bind(now_text())
        .fetch_one(&mut *tx)
        .await?;
        let proposed: Vec<i64> = candidates.iter().filter(|a| a.proposed).map(|a| a.id).collect();
        audit::append(
            &mut tx,
            self.backend,
            Some(actor),
            "publicity.publish",
            &format!("program:{program_id}"),
            serde_json::json!({"publicity_id": id, "starts_on": starts_on, "ends_on": ends_on, "proposed": proposed}),
        )
        .await?;
        tx.commit().await?;
        Ok(self.latest_publicity(program_id).await?.expect("just published"))
    }

    /// The program's latest publicity, if any.
    pub async fn latest_publicity(&self, program_id: i64) -> Result<Option<Publicity>> {
        let row = sqlx::query("SELECT * FROM publicities WHERE program_id = $1 ORDER BY id DESC LIMIT 1")
            .bind(program_id)
            .fetch_optional(&self.pool)
            .await?;
        row.as_ref().map(record::<Publicity>).transpose()
    }

    /// Files an objection against an application on the draft list during the period.
    pub async fn file_objection(
        &self,
        program_id: i64,
        input: &ObjectionInput,
        user: i64,
        today: Day,
    ) -> Result<Objection> {
        let input = input.validate()?;
        let publicity = self
            .latest_publicity(program_id)
            .await?
            .ok_or_else(|| StoreError::refused("本批次没有公示 / the program has no publicity"))?;
        if !publicity.is_open_on(today) {
            return Err(StoreError::refused(format!(
                "不在公示期内（{} 至 {}），逾期反映的异议无效 / outside the publicity period ({} to {}); late objections are invalid",
                publicity.starts_on, publicity.ends_on, publicity.starts_on, publicity.ends_on
            )));
        }
        let application = self.get_application(input.application_id).await?;
        if application.program_id != program_id || application.state != ApplicationState::Proposed {
            return Err(jiebang_core::Error::invalid(
                "application_id",
                "只能对公示名单中的项目提出异议 / objections concern projects on the published list only",
            )
            .into());
        }
        let mut tx = self.begin_write().await?;
        program_status(&mut tx, self.backend, program_id, ProgramStatus::Publicity).await?;
        // Each pending objection holds the announcement: one user may not hold it at will.
        let (pending, today_count): (i64, i64) = sqlx::query_as(
            "SELECT (SELECT COUNT(*) FROM objections WHERE publicity_id = $1 AND filed_by = $2 AND status = 'pending'), \
                    (SELECT COUNT(*) FROM objections WHERE publicity_id = $1 AND filed_by = $2 AND filed_at >= $3)",
        )
        .bind(publicity.id)
        .bind(user)
        .bind(format!("{}T00:00:00", time::OffsetDateTime::now_utc().date()))
        .fetch_one(&mut *tx)
        .await?;
        if pending >= MAX_PENDING_OBJECTIONS || today_count >= MAX_OBJECTIONS_PER_DAY {
            return Err(StoreError::Busy {
                retry_after_s: 3600,
                message: format!(
                    "每位用户同时最多 {MAX_PENDING_OBJECTIONS} 件待处理异议、每天最多 {MAX_OBJECTIONS_PER_DAY} 件 / at most {MAX_PENDING_OBJECTIONS} pending objections per user and {MAX_OBJECTIONS_PER_DAY} a day"
                ),
            });
        }
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO objections (publicity_id, application_id, filer_kind, filer_name, contact, content, filed_by, filed_at, status) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 'pending') RETURNING id",
        )
        .bind(publicity.id)
        .bind(input.application_id)
        .bind(input.filer_kind.as_str())
        .bind(&input.filer_name)
        .bind(&input.contact)
        .bind(&input.content)
        .bind(user)
        .bind(now_text())
        .fetch_one(&mut *tx)
        .await?;
        let title = format!("收到异议：{0} / Objection received: {0}", application.input.project_name);
        notify(
            &mut tx,
            Audience::Organizers(program_id),
            "objection.filed",
            &title,
            "公示期间收到一份异议，请核查处理。 / An objection was filed during the publicity; check and decide it.",
            &format!("/programs/{program_id}/applications"),
        )
        .await?;
        notify(
            &mut tx,
            Audience::Organization(application.input.lead_organization_id),
            "objection.filed",
            &title,
            "您的项目在公示期间收到异议，发榜方正在核查。 / Your project received an objection during the publicity; the organizer is checking it.",
            &format!("/applications/{}", application.id),
        )
        .await?;
        audit::append(
            &mut tx,
            self.backend,
            Some(user),
            "objection.file",
            &format!("application:{}", application.id),
            serde_json::json!({"objection_id": id, "filer_kind": input.filer_kind.as_str()}),
        )
        .await?;
        tx.commit().await?;
        self.get_objection(id).await
    }

    /// One objection.
    pub async fn get_objection(&self, id: i64) -> Result<Objection> {
        let row = sqlx::query("SELECT * FROM objections WHERE id = $1")
            .bind(id)
            .fetch_optional(&self.pool)
            .await?
            .ok_or_else(|| StoreError::not_found("objection", id))?;
        record::<Objection>(&row)
    }

    /// A program's objections, across its publicities, oldest first.
    pub async fn list_objections(&self, program_id: i64) -> Result<Vec<Objection>> {
        let rows = sqlx::query("SELECT o.* FROM objections o JOIN publicities p ON p.id = o.publicity_id WHERE p.program_id = $1 ORDER BY o.id")
            .bind(program_id)
            .fetch_all(&self.pool)
            .await?;
        rows.iter().map(record::<Objection>).collect()
    }

    /// Records the decision on a pending objection. Upheld with [`Decision::Withdraw`] takes the
    /// application off the list; with [`Decision::Rereview`] it goes back to review, the
    /// publicity ends and the program returns to review (publish again afterwards).
    pub async fn decide_objection(&self, id: i64, decision: Decision, handling: &str, actor: i64) -> Result<Objection> {
        let handling =
            jiebang_core::error::required_text("handling", handling, 2000).map_err(jiebang_core::Error::from)?;
        let objection = self.get_objection(id).await?;
        if objection.status != ObjectionStatus::Pending {
            return Err(StoreError::refused("该异议已处理 / the objection was already decided"));
        }
        let application = self.get_application(objection.application_id).await?;
        let program_id = application.program_id;
        let mut tx = self.begin_write().await?;
        program_status(&mut tx, self.backend, program_id, ProgramStatus::Publicity).await?;
        let done = sqlx::query("UPDATE objections SET status = $1, decision = $2, handling = $3, decided_by = $4, decided_at = $5 WHERE id = $6 AND status = 'pending'")
            .bind(decision.status().as_str())
            .bind(decision.as_str())
            .bind(&handling)
            .bind(actor)
            .bind(now_text())
            .bind(id)
            .execute(&mut *tx)
            .await?;
        if done.rows_affected() == 0 {
            return Err(StoreError::refused("该异议已处理 / the objection was already decided"));
        }
        match decision {
            Decision::Reject => {}
            Decision::Withdraw => {
                let to = application.state.apply(Action::Withdraw, Actor::Organizer, true)?;
                set_state(&mut tx, application.id, application.state, to, Some(&handling)).await?;
            }
            Decision::Rereview => {
                let to = application.state.apply(Action::Rereview, Actor::Organizer, true)?;
                set_state(&mut tx, application.id, application.state, to, Some(&handling)).await?;
                sqlx::query("UPDATE applications SET proposed = 0 WHERE id = $1")
                    .bind(application.id)
                    .execute(&mut *tx)
                    .await?;
                // The rest of the list waits, ranked, for the next publicity.
                let others = self
                    .list_applications(
                        program_id,
                        &ApplicationFilter {
                            states: Some(vec![ApplicationState::Proposed, ApplicationState::NotSelected]),
                            ..Default::default()
                        },
                    )
                    .await?;
                for other in others.iter().filter(|a| a.id != application.id) {
                    set_state(&mut tx, other.id, other.state, ApplicationState::Ranked, None).await?;
                }
                sqlx::query("UPDATE publicities SET ended_at = $1 WHERE id = $2")
                    .bind(now_text())
                    .bind(objection.publicity_id)
                    .execute(&mut *tx)
                    .await?;
                move_program(
                    &mut tx,
                    self.backend,
                    program_id,
                    ProgramStatus::Publicity,
                    ProgramStatus::UnderReview,
                    Some(actor),
                )
                .await?;
            }
        }
        let title = format!("异议处理结果：{} / Objection decided: {}", decision.label_zh(), decision.label_en());
        notify(
            &mut tx,
            Audience::Users(&[objection.filed_by]),
            "objection.decided",
            &title,
            &handling,
            &format!("/programs/{program_id}/publicity"),
        )
        .await?;
        if decision != Decision::Reject {
            let project = &application.input.project_name;
            let title = format!("{}：{project} / {}: {project}", decision.label_zh(), decision.label_en());
            notify(
                &mut tx,
                Audience::Organization(application.input.lead_organization_id),
                "objection.decided",
                &title,
                &handling,
                &format!("/applications/{}", application.id),
            )
            .await?;
        }
        audit::append(
            &mut tx,
            self.backend,
            Some(actor),
            "objection.decide",
            &format!("application:{}", application.id),
            serde_json::json!({"objection_id": id, "decision": decision.as_str(), "handling": handling}),
        )
        .await?;
        tx.commit().await?;
        self.get_objection(id).await
    }

    /// Announces the final list (公告): after the period, with every objection decided.
    pub async fn announce(&self, program_id: i64, today: Day, actor: i64) -> Result<Publicity> {
        let publicity = self
            .latest_publicity(program_id)
            .await?
            .ok_or_else(|| StoreError::refused("本批次没有公示 / the program has no publicity"))?;
        if today <= publicity.ends_on {
            return Err(StoreError::refused(format!(
                "公示期至 {} 结束，之后方可公告 / the publicity runs until {}; announce after it",
                publicity.ends_on, publicity.ends_on
            )));
        }
        let pending = self
            .list_objections(program_id)
            .await?
            .into_iter()
            .filter(|o| o.publicity_id == publicity.id && o.status == ObjectionStatus::Pending)
            .count();
        if pending > 0 {
            return Err(StoreError::refused(format!(
                "还有 {pending} 份异议未处理 / {pending} objections are still pending"
            )));
        }
        let proposed = self
            .list_applications(
                program_id,
                &ApplicationFilter { states: Some(vec![ApplicationState::Proposed]), ..Default::default() },
            )
            .await?;
        let mut tx = self.begin_write().await?;
        program_status(&mut tx, self.backend, program_id, ProgramStatus::Publicity).await?;
        for application in &proposed {
            let to = application.state.apply(Action::Select, Actor::Organizer, true)?;
            set_state(&mut tx, application.id, application.state, to, None).await?;
            let title = format!("入围：{0} / Selected: {0}", application.input.project_name);
            notify(
                &mut tx,
                Audience::Organization(application.input.lead_organization_id),
                "application.selected",
                &title,
                "入围名单已正式公告。 / The final list is announced.",
                &format!("/programs/{program_id}/publicity"),
            )
            .await?;
        }
        sqlx::query("UPDATE publicities SET announced_at = $1 WHERE id = $2")
            .bind(now_text())
            .bind(publicity.id)
            .execute(&mut *tx)
            .await?;
        move_program(
            &mut tx,
            self.backend,
            program_id,
            ProgramStatus::Publicity,
            ProgramStatus::Announced,
            Some(actor),
        )
        .await?;
        audit::append(&mut tx, self.backend, Some(actor), "publicity.announce", &format!("program:{program_id}"), serde_json::json!({"publicity_id": publicity.id, "selected": proposed.iter().map(|a| a.id).collect::<Vec<_>>()}))
            .await?;
        tx.commit().await?;
        Ok(self.latest_publicity(program_id).await?.expect("announced"))
    }
}
