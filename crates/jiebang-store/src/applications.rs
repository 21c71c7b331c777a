//! Applications (揭榜申报): drafts, submission with a frozen and hashed snapshot, return for
//! revision, recommendation within regional quotas, and the formal check.
//!
//! The program's rules are enforced here, inside the transaction that writes, so two requests at
//! once cannot both slip under a limit: applications per organization, one consortium per
//! organization per challenge (a unique index), earlier winners, deadlines per actor.

use jiebang_core::application::{Action, Actor, ApplicationInput, ApplicationState, Consent, Terms};
use jiebang_core::program::{Day, ProgramStatus, Rules};
use serde::Serialize;
use sha2::{Digest, Sha256};
use sqlx::{Any, Row, Transaction};

use crate::columns::{Flag, JsonText, record};
use crate::error::is_unique_violation;
use crate::notifications::{Audience, notify};
use crate::{Backend, Result, Store, StoreError, StoredFile, audit, now_text};

/// A stored application.
#[derive(Debug, Clone, PartialEq, Serialize, sqlx::FromRow)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Application {
    /// Id (申报编号).
    pub id: i64,
    /// Program.
    pub program_id: i64,
    /// Challenge.
    pub challenge_id: i64,
    /// The challenge's code.
    pub challenge_code: String,
    /// The challenge's title.
    pub challenge_title: String,
    /// The lead unit's name.
    #[sqlx(rename = "lead_name")]
    pub lead_organization_name: String,
    /// The lead unit's region when the application was created.
    pub region_code: String,
    /// What the applicant wrote.
    #[serde(flatten)]
    #[sqlx(rename = "body", try_from = "JsonText<ApplicationInput>")]
    pub input: ApplicationInput,
    /// Where it is.
    #[sqlx(try_from = "String")]
    pub state: ApplicationState,
    /// Why it was last returned, declined, failed or withdrawn.
    pub reason: String,
    /// SHA-256 of the frozen snapshot of the last submission.
    pub snapshot_sha256: Option<String>,
    /// Last submitted.
    pub submitted_at: Option<String>,
    /// The recommender's user id.
    pub recommended_by: Option<i64>,
    /// The region it was recommended in.
    pub recommended_region: Option<String>,
    /// Aggregated expert score.
    pub review_score: Option<f64>,
    /// Objective evaluation score (0–100) blended in, if any.
    pub objective_score: Option<f64>,
    /// Final score used for ranking.
    pub final_score: Option<f64>,
    /// Rank within its challenge.
    pub rank: Option<i64>,
    /// Chosen for the draft list by the last ranking.
    #[sqlx(try_from = "Flag")]
    pub proposed: bool,
    /// Chosen in the 潜力单位 tier, after the challenge's winners (`proposed` too).
    #[sqlx(try_from = "Flag")]
    pub potential: bool,
    /// Vetoed by an expert.
    #[sqlx(try_from = "Flag")]
    pub vetoed: bool,
    /// Created.
    pub created_at: String,
    /// Last changed.
    pub updated_at: String,
}

/// A unit's place in a submitted application's consortium.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Place {
    /// The unit.
    pub organization_id: i64,
    /// Its name.
    pub organization_name: String,
    /// The lead unit (accepted by submitting).
    pub lead: bool,
    /// The unit's answer.
    pub consent: Consent,
    /// Why it declined.
    pub reason: String,
    /// When it answered.
    pub answered_at: Option<String>,
}

/// Which applications to list; all filters combine with AND.
#[derive(Debug, Clone, Default)]
pub struct ApplicationFilter {
    /// One challenge.
    pub challenge_id: Option<i64>,
    /// Led by one of these organizations.
    pub lead_organizations: Option<Vec<i64>>,
    /// In these states.
    pub states: Option<Vec<ApplicationState>>,
}

const APPLICATION_SELECT: &str = "SELECT a.*, c.code AS challenge_code, c.title AS challenge_title, o.name AS lead_name FROM applications a JOIN challenges c ON c.id = a.challenge_id JOIN organizations o ON o.id = a.lead_organization_id";

/// A program's status and rules, read (and on PostgreSQL locked) inside a transaction, so every
/// count against the rules is taken under the same lock.
pub(crate) async fn lock_program(
    tx: &mut Transaction<'static, Any>,
    backend: Backend,
    program_id: i64,
) -> Result<(ProgramStatus, Rules, String)> {
    let lock = if backend == Backend::Postgres { " FOR UPDATE" } else { "" };
    let row =
        sqlx::query(sqlx::AssertSqlSafe(format!("SELECT status, rules, title FROM programs WHERE id = $1{lock}")))
            .bind(program_id)
            .fetch_optional(&mut **tx)
            .await?
            .ok_or_else(|| StoreError::not_found("program", program_id))?;
    let status: String = row.try_get("status")?;
    let rules: String = row.try_get("rules")?;
    Ok((
        ProgramStatus::parse("status", &status).map_err(StoreError::corrupt)?,
        serde_json::from_str(&rules).map_err(StoreError::corrupt)?,
        row.try_get("title")?,
    ))
}

/// Moves an application from `from` to `to` in `tx`; a concurrent change makes this one lose.
pub(crate) async fn set_state(
    tx: &mut Transaction<'static, Any>,
    id: i64,
    from: ApplicationState,
    to: ApplicationState,
    reason: Option<&str>,
) -> Result<()> {
    let done = sqlx::query(
        "UPDATE applications SET state = $1, reason = COALESCE($2, reason), updated_at = $3 WHERE id = $4 AND state = $5",
    )
    .bind(to.as_str())
    .bind(reason)
    .bind(now_text())
    .bind(id)
    .bind(from.as_str())
    .execute(&mut **tx)
    .await?;
    if done.rows_affected() == 0 {
        return Err(StoreError::refused(format!(
            "申报 {id} 的状态已被他人更改，请刷新 / application {id} changed meanwhile; reload"
        )));
    }
    Ok(())
}

/// Today in China Standard Time, the calendar deadlines are written in.
pub fn today() -> Day {
    Day(time::OffsetDateTime::now_utc().to_offset(time::macros::offset!(+8)).date())
}

impl Store {
    async fn check_application(
        &self,
        tx: &mut Transaction<'static, Any>,
        challenge_id: i64,
        input: &ApplicationInput,
        editing: Option<i64>,
        today: Day,
    ) -> Result<(i64, ApplicationInput)> {
        let challenge = self.get_challenge(challenge_id).await?;
        if challenge.archived_at.is_some() {
            return Err(StoreError::refused(format!(
                "该任务已撤榜（{}），不接受申报 / the challenge is archived and takes no applications",
                challenge.archive_reason
            )));
        }
        let (status, rules, _) = lock_program(tx, self.backend, challenge.program_id).await?;
        let timeline = self.get_program(challenge.program_id).await?.timeline;
        if let Some(why) = timeline.intake(status, today).refusal() {
            return Err(StoreError::refused(why));
        }
        let terms = Terms { indicators: &challenge.challenge.indicators, max_joint_units: rules.max_joint_units };
        let valid = input.validate(terms)?;
        for (i, org) in valid.organization_ids().into_iter().enumerate() {
            let exists: Option<i64> = sqlx::query_scalar("SELECT id FROM organizations WHERE id = $1")
                .bind(org)
                .fetch_optional(&mut **tx)
                .await?;
            if exists.is_none() {
                let field = if i == 0 {
                    "lead_organization_id".to_owned()
                } else {
                    format!("joint_units[{}].organization_id", i - 1)
                };
                return Err(jiebang_core::Error::invalid(
                    field,
                    format!("单位 {org} 未登记 / organization {org} is not registered"),
                )
                .into());
            }
        }
        let led: i64 = sqlx::query_scalar(
            "SELECT COUNT(*) FROM applications WHERE program_id = $1 AND lead_organization_id = $2 AND id <> $3 AND state <> 'withdrawn'",
        )
        .bind(challenge.program_id)
        .bind(valid.lead_organization_id)
        .bind(editing.unwrap_or(0))
        .fetch_one(&mut **tx)
        .await?;
        if led >= i64::from(rules.max_applications_per_org) {
            return Err(jiebang_core::Error::invalid(
                "lead_organization_id",
                format!(
                    "每个单位在本批次最多牵头 {} 项申报，已有 {led} 项 / an organization may lead at most {} applications in this program; it has {led}",
                    rules.max_applications_per_org, rules.max_applications_per_org
                ),
            )
            .into());
        }
        if rules.exclude_previous_winners {
            let won: Option<String> = sqlx::query_scalar(
                // The same issuer's earlier lists, their winners (a 潜力单位 did not win).
                "SELECT p.title FROM applications a JOIN programs p ON p.id = a.program_id \
                 WHERE a.lead_organization_id = $1 AND a.state = 'selected' AND a.potential = 0 AND a.program_id <> $2 \
                 AND p.issuer = (SELECT issuer FROM programs WHERE id = $2) LIMIT 1",
            )
            .bind(valid.lead_organization_id)
            .bind(challenge.program_id)
            .fetch_optional(&mut **tx)
            .await?;
            if let Some(title) = won {
                return Err(jiebang_core::Error::invalid(
                    "lead_organization_id",
                    format!("牵头单位已在《{title}》中入围，本批次不再受理前期揭榜优胜单位 / the lead unit was selected in '{title}'; this program excludes earlier winners"),
                )
                .into());
            }
        }
        Ok((challenge.program_id, valid))
    }

    /// Writes the consortium's places for a submitted (or returned) application: the lead's
    /// accepted, each joint unit's as it was answered before (an accepted place stays accepted,
    /// anything else waits again). A unit with an accepted place in another consortium of the
    /// challenge cannot be named; a pending place elsewhere does not stop anyone. Returns the
    /// joint units that still have to answer.
    async fn write_units(
        &self,
        tx: &mut Transaction<'static, Any>,
        id: i64,
        challenge_id: i64,
        input: &ApplicationInput,
    ) -> Result<Vec<i64>> {
        let accepted: Vec<i64> = sqlx::query_scalar(
            "SELECT organization_id FROM application_units WHERE application_id = $1 AND consent = 'accepted'",
        )
        .bind(id)
        .fetch_all(&mut **tx)
        .await?;
        sqlx::query("DELETE FROM application_units WHERE application_id = $1").bind(id).execute(&mut **tx).await?;
        let mut pending = Vec::new();
        for (i, org) in input.organization_ids().into_iter().enumerate() {
            let field = if i == 0 {
                "lead_organization_id".to_owned()
            } else {
                format!("joint_units[{}].organization_id", i - 1)
            };
            let taken = || StoreError::Conflict {
                field: field.clone(),
                message: format!(
                    "单位 {org} 已在本榜单的另一个联合体中，每个单位每个榜单只能参加一个联合体 / organization {org} is already in another consortium for this challenge"
                ),
            };
            let elsewhere: i64 = sqlx::query_scalar(
                "SELECT COUNT(*) FROM application_units WHERE challenge_id = $1 AND organization_id = $2 AND consent = 'accepted' AND application_id <> $3",
            )
            .bind(challenge_id)
            .bind(org)
            .bind(id)
            .fetch_one(&mut **tx)
            .await?;
            if elsewhere > 0 {
                return Err(taken());
            }
            let consent = if i == 0 || accepted.contains(&org) { Consent::Accepted } else { Consent::Pending };
            if consent == Consent::Pending {
                pending.push(org);
            }
            sqlx::query("INSERT INTO application_units (application_id, challenge_id, organization_id, is_lead, consent) VALUES ($1, $2, $3, $4, $5)")
                .bind(id)
                .bind(challenge_id)
                .bind(org)
                .bind(i64::from(i == 0))
                .bind(consent.as_str())
                .execute(&mut **tx)
                .await
                .map_err(|e| if is_unique_violation(&e) { taken() } else { e.into() })?;
        }
        Ok(pending)
    }

    /// The places of an application's consortium, lead first (empty until it is submitted).
    pub async fn consortium_places(&self, application_id: i64) -> Result<Vec<Place>> {
        let rows = sqlx::query(
            "SELECT u.*, o.name FROM application_units u JOIN organizations o ON o.id = u.organization_id \
             WHERE u.application_id = $1 ORDER BY u.is_lead DESC, u.organization_id",
        )
        .bind(application_id)
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|row| {
                let consent: String = row.try_get("consent")?;
                let lead: i64 = row.try_get("is_lead")?;
                Ok(Place {
                    organization_id: row.try_get("organization_id")?,
                    organization_name: row.try_get("name")?,
                    lead: lead != 0,
                    consent: Consent::parse("consent", &consent).map_err(StoreError::corrupt)?,
                    reason: row.try_get("reason")?,
                    answered_at: row.try_get("answered_at")?,
                })
            })
            .collect()
    }

    /// A joint unit answers its place in a submitted application's consortium (the caller acts
    /// for `organization_id`). Accepting takes the unit's one place in the challenge and declines
    /// the other consortia that named it there; declining needs a reason and sends a submitted
    /// application back to its lead unit. The lead unit is told either way.
    pub async fn answer_place(
        &self,
        application_id: i64,
        organization_id: i64,
        accept: bool,
        reason: &str,
        actor: i64,
    ) -> Result<Place> {
        let reason = reason.trim();
        if !accept && reason.is_empty() {
            return Err(jiebang_core::Error::invalid("reason", "拒绝参加须写明理由 / declining needs a reason").into());
        }
        let application = self.get_application(application_id).await?;
        let mut tx = self.begin_write().await?;
        lock_program(&mut tx, self.backend, application.program_id).await?;
        let consent: Option<String> = sqlx::query_scalar(
            "SELECT consent FROM application_units WHERE application_id = $1 AND organization_id = $2 AND is_lead = 0",
        )
        .bind(application_id)
        .bind(organization_id)
        .fetch_optional(&mut *tx)
        .await?;
        match consent.as_deref() {
            Some("pending") => {}
            Some(other) => {
                let label = Consent::parse("consent", other).map_err(StoreError::corrupt)?;
                return Err(StoreError::refused(format!(
                    "本单位已答复（{}） / this unit has already answered ({})",
                    label.label_zh(),
                    label.as_str()
                )));
            }
            None => {
                return Err(StoreError::refused(
                    "该申报没有请本单位确认参加联合体 / this application awaits no answer from this unit",
                ));
            }
        }
        if accept {
            self.set_consent(&mut tx, application_id, organization_id, Consent::Accepted, "", actor).await.map_err(
                |e| match e {
                    StoreError::Database(e) if is_unique_violation(&e) => StoreError::refused(
                        "本单位已确认参加本榜单的另一个联合体 / this unit already confirmed another consortium for this challenge",
                    ),
                    e => e,
                },
            )?;
            let others: Vec<i64> = sqlx::query_scalar(
                "SELECT application_id FROM application_units WHERE challenge_id = $1 AND organization_id = $2 AND consent = 'pending' AND application_id <> $3",
            )
            .bind(application.challenge_id)
            .bind(organization_id)
            .bind(application_id)
            .fetch_all(&mut *tx)
            .await?;
            for other in others {
                let other = self.get_application(other).await?;
                let why = format!(
                    "已确认参加本榜单的另一个联合体（申报 {application_id}） / it confirmed another consortium for this challenge (application {application_id})"
                );
                self.decline_place(&mut tx, &other, organization_id, &why, actor).await?;
            }
            let title = format!("联合单位已确认：{0} / Joint unit confirmed: {0}", application.input.project_name);
            let name = self.get_organization(organization_id).await?.name;
            notify(
                &mut tx,
                Audience::Organization(application.input.lead_organization_id),
                "application.joint_accepted",
                &title,
                &format!("「{name}」确认参加联合体。 / {name} confirmed its place in the consortium."),
                &format!("/applications/{application_id}"),
            )
            .await?;
        } else {
            self.decline_place(&mut tx, &application, organization_id, reason, actor).await?;
        }
        tx.commit().await?;
        self.consortium_places(application_id)
            .await?
            .into_iter()
            .find(|p| p.organization_id == organization_id)
            .ok_or_else(|| StoreError::not_found("consortium place", organization_id))
    }

    async fn set_consent(
        &self,
        tx: &mut Transaction<'static, Any>,
        application_id: i64,
        organization_id: i64,
        consent: Consent,
        reason: &str,
        actor: i64,
    ) -> Result<()> {
        sqlx::query("UPDATE application_units SET consent = $1, reason = $2, answered_by = $3, answered_at = $4 WHERE application_id = $5 AND organization_id = $6")
            .bind(consent.as_str())
            .bind(reason)
            .bind(actor)
            .bind(now_text())
            .bind(application_id)
            .bind(organization_id)
            .execute(&mut **tx)
            .await?;
        audit::append(
            tx,
            self.backend,
            Some(actor),
            &format!("application.joint_{}", consent.as_str()),
            &format!("application:{application_id}"),
            serde_json::json!({"organization_id": organization_id, "reason": reason}),
        )
        .await
    }

    /// Records a declined place and returns a submitted application to its lead unit, who can
    /// name another unit and submit again.
    async fn decline_place(
        &self,
        tx: &mut Transaction<'static, Any>,
        application: &Application,
        organization_id: i64,
        reason: &str,
        actor: i64,
    ) -> Result<()> {
        self.set_consent(tx, application.id, organization_id, Consent::Declined, reason, actor).await?;
        let name = self.get_organization(organization_id).await?.name;
        let why = format!(
            "联合单位「{name}」拒绝参加联合体：{reason} / {name} declined its place in the consortium: {reason}"
        );
        if application.state == ApplicationState::Submitted {
            set_state(tx, application.id, ApplicationState::Submitted, ApplicationState::Returned, Some(&why)).await?;
        }
        notify(
            tx,
            Audience::Organization(application.input.lead_organization_id),
            "application.joint_declined",
            &format!("联合单位拒绝参加：{0} / A joint unit declined: {0}", application.input.project_name),
            &why,
            &format!("/applications/{}", application.id),
        )
        .await
    }

    /// Creates a draft application for a challenge while the program takes applications.
    pub async fn create_application(
        &self,
        challenge_id: i64,
        input: &ApplicationInput,
        actor: i64,
        today: Day,
    ) -> Result<Application> {
        let mut tx = self.begin_write().await?;
        let (program_id, valid) = self.check_application(&mut tx, challenge_id, input, None, today).await?;
        let region: String = sqlx::query_scalar("SELECT region_code FROM organizations WHERE id = $1")
            .bind(valid.lead_organization_id)
            .fetch_one(&mut *tx)
            .await?;
        let now = now_text();
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO applications (program_id, challenge_id, lead_organization_id, region_code, project_name, body, state, created_by, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, 'draft', $7, $8, $8) RETURNING id",
        )
        .bind(program_id)
        .bind(challenge_id)
        .bind(valid.lead_organization_id)
        .bind(region)
        .bind(&valid.project_name)
        .bind(serde_json::to_string(&valid).map_err(StoreError::corrupt)?)
        .bind(actor)
        .bind(&now)
        .fetch_one(&mut *tx)
        .await?;
        // A draft reserves no unit: naming a unit locks it into this consortium only once the
        // application is submitted (see `write_units`).
        audit::append(
            &mut tx,
            self.backend,
            Some(actor),
            "application.create",
            &format!("application:{id}"),
            serde_json::json!({"challenge_id": challenge_id, "project_name": valid.project_name, "units": valid.organization_ids()}),
        )
        .await?;
        tx.commit().await?;
        self.get_application(id).await
    }

    /// Replaces a draft's or returned application's content. The lead unit cannot change.
    pub async fn update_application(
        &self,
        id: i64,
        input: &ApplicationInput,
        actor: i64,
        today: Day,
    ) -> Result<Application> {
        let current = self.get_application(id).await?;
        if !current.state.is_editable() {
            return Err(StoreError::refused(format!(
                "申报处于「{}」，只有草稿或退回修改的申报可以编辑 / only drafts and returned applications can be edited",
                current.state.label_zh()
            )));
        }
        if input.lead_organization_id != current.input.lead_organization_id {
            return Err(jiebang_core::Error::invalid(
                "lead_organization_id",
                "牵头单位不能更改 / the lead unit cannot change",
            )
            .into());
        }
        let mut tx = self.begin_write().await?;
        let (_, valid) = self.check_application(&mut tx, current.challenge_id, input, Some(id), today).await?;
        let done = sqlx::query(
            "UPDATE applications SET project_name = $1, body = $2, updated_at = $3 WHERE id = $4 AND state = $5",
        )
        .bind(&valid.project_name)
        .bind(serde_json::to_string(&valid).map_err(StoreError::corrupt)?)
        .bind(now_text())
        .bind(id)
        .bind(current.state.as_str())
        .execute(&mut *tx)
        .await?;
        if done.rows_affected() == 0 {
            return Err(StoreError::refused("申报状态已变化，请刷新 / the application changed meanwhile; reload"));
        }
        if current.submitted_at.is_some() {
            // A returned application keeps its consortium's places, as edited.
            self.write_units(&mut tx, id, current.challenge_id, &valid).await?;
        }
        audit::append(
            &mut tx,
            self.backend,
            Some(actor),
            "application.update",
            &format!("application:{id}"),
            serde_json::json!({"project_name": valid.project_name, "units": valid.organization_ids()}),
        )
        .await?;
        tx.commit().await?;
        self.get_application(id).await
    }

    /// Deletes a draft that was never submitted.
    pub async fn delete_application(&self, id: i64, actor: i64) -> Result<()> {
        let mut tx = self.begin_write().await?;
        let done = sqlx::query("DELETE FROM applications WHERE id = $1 AND state = 'draft' AND submitted_at IS NULL")
            .bind(id)
            .execute(&mut *tx)
            .await?;
        if done.rows_affected() == 0 {
            return Err(StoreError::refused("只能删除从未提交过的草稿 / only drafts never submitted can be deleted"));
        }
        audit::append(
            &mut tx,
            self.backend,
            Some(actor),
            "application.delete",
            &format!("application:{id}"),
            serde_json::json!({}),
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Takes a hand action on an application ([`Action::MANUAL`]): submit, return, recommend,
    /// decline, pass or fail the formal check. `recommender_region` is the region the
    /// recommender acts for. The caller has checked that `actor` is who they claim to be.
    #[allow(clippy::too_many_arguments)]
    pub async fn act_on_application(
        &self,
        id: i64,
        action: Action,
        actor: Actor,
        reason: &str,
        user: i64,
        recommender_region: Option<&str>,
        today: Day,
    ) -> Result<Application> {
        let reason = reason.trim();
        if action.needs_reason() && reason.is_empty() {
            return Err(jiebang_core::Error::invalid(
                "reason",
                format!("「{}」须写明理由 / '{}' needs a reason", action.label_zh(), action.as_str()),
            )
            .into());
        }
        if !Action::MANUAL.contains(&action) {
            return Err(StoreError::refused(format!(
                "「{}」由评审与公示流程完成 / '{}' follows from review and publicity",
                action.label_zh(),
                action.as_str()
            )));
        }
        let current = self.get_application(id).await?;
        let program = self.get_program(current.program_id).await?;
        let mut tx = self.begin_write().await?;
        let (status, rules, _) = lock_program(&mut tx, self.backend, current.program_id).await?;
        let to = current.state.apply(action, actor, rules.recommendation_required)?;
        let link = format!("/applications/{id}");
        match action {
            Action::Submit => {
                if let Some(why) = program.timeline.intake(status, today).refusal() {
                    return Err(StoreError::refused(why));
                }
                // The consortium's places are written now, not while it was a draft; the named
                // units that have not accepted are asked to.
                let pending = self.write_units(&mut tx, id, current.challenge_id, &current.input).await?;
                for organization in pending {
                    let title =
                        format!("请确认联合申报：{0} / Confirm the consortium: {0}", current.input.project_name);
                    let body = format!(
                        "「{0}」将本单位列为联合体成员提交了揭榜申报。请在申报页面确认参加或拒绝；确认前该申报不能推荐或通过形式审查。 / {0} named your unit in its consortium: confirm or decline on the application's page; until then it cannot be recommended or pass the formal check.",
                        current.lead_organization_name
                    );
                    notify(&mut tx, Audience::Organization(organization), "application.joint", &title, &body, &link)
                        .await?;
                }
                // Canonical (RFC 8785), so the hash verifies from the parsed snapshot too.
                let snapshot = jiebang_core::canonical::to_string(&serde_json::json!({
                    "application_id": id,
                    "program": program.title,
                    "challenge": {"code": current.challenge_code, "title": current.challenge_title},
                    "lead_organization": current.lead_organization_name,
                    "content": current.input,
                    "submitted_at": now_text(),
                }));
                let sha = hex::encode(Sha256::digest(snapshot.as_bytes()));
                sqlx::query("UPDATE applications SET snapshot = $1, snapshot_sha256 = $2, submitted_at = $3, recommended_by = NULL, recommended_region = NULL WHERE id = $4")
                    .bind(&snapshot)
                    .bind(&sha)
                    .bind(now_text())
                    .bind(id)
                    .execute(&mut *tx)
                    .await?;
                if rules.recommendation_required {
                    let title = format!("待推荐：{0} / To recommend: {0}", current.input.project_name);
                    notify(
                        &mut tx,
                        Audience::Recommenders(&current.region_code),
                        "application.submitted",
                        &title,
                        "本地区单位提交了揭榜申报，请在推荐截止日前处理。 / A unit of your region applied; decide before the recommendation deadline.",
                        &link,
                    )
                    .await?;
                }
            }
            Action::Recommend | Action::Decline => {
                let Some(region) = recommender_region.filter(|r| jiebang_core::region::covers(r, &current.region_code))
                else {
                    return Err(StoreError::refused(
                        "该申报不在您负责推荐的地区 / the application is outside your region",
                    ));
                };
                if let Some(deadline) = program.timeline.recommender_deadline
                    && today > deadline
                {
                    return Err(StoreError::refused(format!(
                        "推荐已于 {deadline} 截止 / recommendation closed on {deadline}"
                    )));
                }
                if action == Action::Recommend {
                    let used: i64 = sqlx::query_scalar(
                        "SELECT COUNT(*) FROM applications WHERE program_id = $1 AND recommended_region = $2 AND recommended_by IS NOT NULL AND state <> 'not_recommended' AND state <> 'returned'",
                    )
                    .bind(current.program_id)
                    .bind(region)
                    .fetch_one(&mut *tx)
                    .await?;
                    if rules.recommendation_quota > 0 && used >= i64::from(rules.recommendation_quota) {
                        return Err(StoreError::refused(format!(
                            "本地区推荐名额 {} 个已用完 / the region's quota of {} recommendations is used up",
                            rules.recommendation_quota, rules.recommendation_quota
                        )));
                    }
                }
                sqlx::query("UPDATE applications SET recommended_by = $1, recommended_region = $2 WHERE id = $3")
                    .bind(user)
                    .bind(region)
                    .bind(id)
                    .execute(&mut *tx)
                    .await?;
            }
            _ => {}
        }
        if matches!(action, Action::Recommend | Action::PassCheck) {
            const WAITING: &str = "SELECT o.name FROM application_units u JOIN organizations o ON o.id = u.organization_id \
                 WHERE u.application_id = $1 AND u.consent <> 'accepted' ORDER BY o.id";
            let waiting: Vec<String> = sqlx::query_scalar(WAITING).bind(id).fetch_all(&mut *tx).await?;
            if !waiting.is_empty() {
                let names = waiting.join("、");
                return Err(StoreError::refused(format!(
                    "联合单位「{names}」尚未确认参加联合体 / joint units not yet confirmed: {names}"
                )));
            }
        }
        set_state(&mut tx, id, current.state, to, action.needs_reason().then_some(reason)).await?;
        let detail = if reason.is_empty() { String::new() } else { format!("理由：{reason} / Reason: {reason}") };
        if actor != Actor::Applicant {
            let project = &current.input.project_name;
            let title = format!("{}：{project} / {}: {project}", action.label_zh(), action.label_en());
            notify(
                &mut tx,
                Audience::Organization(current.input.lead_organization_id),
                &format!("application.{}", action.as_str()),
                &title,
                &detail,
                &link,
            )
            .await?;
        }
        audit::append(
            &mut tx,
            self.backend,
            Some(user),
            &format!("application.{}", action.as_str()),
            &format!("application:{id}"),
            serde_json::json!({"from": current.state.as_str(), "to": to.as_str(), "reason": reason}),
        )
        .await?;
        tx.commit().await?;
        self.get_application(id).await
    }

    /// One application.
    pub async fn get_application(&self, id: i64) -> Result<Application> {
        let row = sqlx::query(sqlx::AssertSqlSafe(format!("{APPLICATION_SELECT} WHERE a.id = $1")))
            .bind(id)
            .fetch_optional(&self.pool)
            .await?
            .ok_or_else(|| StoreError::not_found("application", id))?;
        record::<Application>(&row)
    }

    /// The frozen snapshot of the last submission and its SHA-256.
    pub async fn application_snapshot(&self, id: i64) -> Result<Option<(String, String)>> {
        let row: Option<(Option<String>, Option<String>)> =
            sqlx::query_as("SELECT snapshot, snapshot_sha256 FROM applications WHERE id = $1")
                .bind(id)
                .fetch_optional(&self.pool)
                .await?;
        Ok(row.and_then(|(s, h)| s.zip(h)))
    }

    /// A program's applications by challenge and id.
    pub async fn list_applications(&self, program_id: i64, filter: &ApplicationFilter) -> Result<Vec<Application>> {
        let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
            "{APPLICATION_SELECT} WHERE a.program_id = $1 ORDER BY c.position, a.id"
        )))
        .bind(program_id)
        .fetch_all(&self.pool)
        .await?;
        let all = rows.iter().map(record::<Application>).collect::<Result<Vec<_>>>()?;
        Ok(all
            .into_iter()
            .filter(|a| filter.challenge_id.is_none_or(|c| a.challenge_id == c))
            .filter(|a| {
                filter.lead_organizations.as_ref().is_none_or(|orgs| orgs.contains(&a.input.lead_organization_id))
            })
            .filter(|a| filter.states.as_ref().is_none_or(|states| states.contains(&a.state)))
            .collect())
    }

    /// Every application led by these units, in any program, newest first (an applicant's
    /// 我的申报), in one query per 500 units.
    pub async fn applications_led_by(&self, organization_ids: &[i64]) -> Result<Vec<Application>> {
        let sql = format!("{APPLICATION_SELECT} WHERE a.lead_organization_id IN ({{ids}})");
        let mut all = self
            .rows_with_ids(&sql, organization_ids)
            .await?
            .iter()
            .map(record::<Application>)
            .collect::<Result<Vec<_>>>()?;
        all.sort_by_key(|a| std::cmp::Reverse(a.id));
        Ok(all)
    }

    /// Attaches an uploaded PDF to an editable application.
    pub async fn attach_file(&self, application_id: i64, file: &StoredFile, actor: i64) -> Result<()> {
        let current = self.get_application(application_id).await?;
        if !current.state.is_editable() {
            return Err(StoreError::refused(
                "只有草稿或退回修改的申报可以添加附件 / attachments can be added to drafts and returned applications only",
            ));
        }
        let mut tx = self.begin_write().await?;
        sqlx::query("INSERT INTO application_files (application_id, file_id) VALUES ($1, $2) ON CONFLICT DO NOTHING")
            .bind(application_id)
            .bind(file.id)
            .execute(&mut *tx)
            .await?;
        audit::append(
            &mut tx,
            self.backend,
            Some(actor),
            "application.attach",
            &format!("application:{application_id}"),
            serde_json::json!({"file": file.name, "sha256": file.sha256, "size": file.size}),
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// An application's attachments.
    pub async fn application_files(&self, application_id: i64) -> Result<Vec<StoredFile>> {
        let rows = sqlx::query("SELECT f.* FROM files f JOIN application_files af ON af.file_id = f.id WHERE af.application_id = $1 ORDER BY f.id")
            .bind(application_id)
            .fetch_all(&self.pool)
            .await?;
        rows.iter().map(crate::files::stored_file).collect()
    }
}
