//! Expert review (专家评审): the expert pool with affiliations, conflicts of interest, manual and
//! drawn assignments, reviews, and the ranking that proposes the draft list.
//!
//! Conflicts are checked in the transaction that assigns, from the same rule as the draw
//! ([`Panelist::conflicts_with`]), so a conflicted expert can never hold an assignment.

use std::collections::HashMap;

use jiebang_core::application::{Action, Actor, ApplicationState};
use jiebang_core::program::ProgramStatus;
use jiebang_core::review::{Candidate, ExpertInput, Panelist, ReviewInput, Standing, aggregate, draw, select};
use rand::Rng;
use serde::Serialize;
use sqlx::any::AnyRow;
use sqlx::{Any, Row, Transaction};

use crate::applications::{lock_program, set_state};
use crate::notifications::{Audience, notify};
use crate::{Result, Store, StoreError, audit, now_text};

/// A member of the expert pool.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Expert {
    /// Id.
    pub id: i64,
    /// The expert's account.
    pub user_id: i64,
    /// Name.
    pub name: String,
    /// 职称.
    pub title: String,
    /// 专业领域, comma-separated.
    pub fields: String,
    /// Organizations now.
    pub current_organizations: Vec<i64>,
    /// Organizations before.
    pub past_organizations: Vec<i64>,
}

/// A submitted review.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Review {
    /// One score per criterion.
    pub scores: Vec<f64>,
    /// Sum of the scores.
    pub total: f64,
    /// 专家意见.
    pub comment: String,
    /// 一票否决 reason.
    pub veto: Option<String>,
    /// When.
    pub submitted_at: String,
}

/// An expert on an application's panel.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Assignment {
    /// Id.
    pub id: i64,
    /// The application.
    pub application_id: i64,
    /// The expert.
    pub expert_id: i64,
    /// The expert's name.
    pub expert_name: String,
    /// The draw that made it, if drawn.
    pub draw_id: Option<i64>,
    /// The review, once submitted.
    pub review: Option<Review>,
}

/// A recorded draw.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Draw {
    /// Id.
    pub id: i64,
    /// The seed, as decimal text (a u64).
    pub seed: String,
    /// Experts per application.
    pub per_application: i64,
    /// (application, expert) pairs drawn.
    #[cfg_attr(feature = "openapi", schema(value_type = Vec<Vec<i64>>))]
    pub assignments: Vec<(i64, i64)>,
    /// When.
    pub created_at: String,
}

/// An expert's current and past organizations: those declared, and — as current — every
/// organization the expert's account acts for or registered, so an expert who is also an
/// applicant can never be drawn onto that unit's application.
async fn affiliations(tx: &mut Transaction<'static, Any>, expert_id: i64) -> Result<(Vec<i64>, Vec<i64>)> {
    let rows: Vec<(i64, i64)> = sqlx::query_as(
        "SELECT organization_id, is_current FROM expert_affiliations WHERE expert_id = $1 \
         UNION SELECT CAST(g.scope_id AS BIGINT), 1 FROM grants g JOIN experts e ON e.user_id = g.user_id \
               WHERE e.id = $1 AND g.scope_kind = 'organization' \
         UNION SELECT o.id, 1 FROM organizations o JOIN experts e ON e.user_id = o.created_by WHERE e.id = $1",
    )
    .bind(expert_id)
    .fetch_all(&mut **tx)
    .await?;
    let mut current: Vec<i64> = rows.iter().filter(|(_, c)| *c != 0).map(|(o, _)| *o).collect();
    current.sort_unstable();
    current.dedup();
    let mut past: Vec<i64> = rows.iter().filter(|(o, c)| *c == 0 && !current.contains(o)).map(|(o, _)| *o).collect();
    past.sort_unstable();
    past.dedup();
    Ok((current, past))
}

/// Whether the expert's account acts as an applicant for a unit with an application in the
/// program while the expert has not declared that dual role there: such an expert reviews
/// nothing in the program.
async fn undeclared_dual_role(tx: &mut Transaction<'static, Any>, expert_id: i64, program_id: i64) -> Result<bool> {
    let (applies, declared): (i64, i64) = sqlx::query_as(
        "SELECT (SELECT COUNT(*) FROM grants g JOIN experts e ON e.user_id = g.user_id \
                   JOIN application_units u ON CAST(g.scope_id AS BIGINT) = u.organization_id \
                   JOIN applications a ON a.id = u.application_id \
                 WHERE e.id = $1 AND g.role = 'applicant' AND g.scope_kind = 'organization' AND a.program_id = $2), \
                (SELECT COUNT(*) FROM dual_role_declarations WHERE expert_id = $1 AND program_id = $2)",
    )
    .bind(expert_id)
    .bind(program_id)
    .fetch_one(&mut **tx)
    .await?;
    Ok(applies > 0 && declared == 0)
}

async fn units(tx: &mut Transaction<'static, Any>, application_id: i64) -> Result<Vec<i64>> {
    Ok(sqlx::query_scalar("SELECT organization_id FROM application_units WHERE application_id = $1")
        .bind(application_id)
        .fetch_all(&mut **tx)
        .await?)
}

/// An expert's declaration that their account also applies in a program.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DualRole {
    /// The program.
    pub program_id: i64,
    /// Its title.
    pub program_title: String,
    /// The expert.
    pub expert_id: i64,
    /// The expert's name.
    pub expert_name: String,
    /// What they declared.
    pub statement: String,
    /// When.
    pub declared_at: String,
}

impl From<(i64, String, i64, String, String, String)> for DualRole {
    fn from(
        (program_id, program_title, expert_id, expert_name, statement, declared_at): (
            i64,
            String,
            i64,
            String,
            String,
            String,
        ),
    ) -> Self {
        Self { program_id, program_title, expert_id, expert_name, statement, declared_at }
    }
}

fn assignment_from_row(row: &AnyRow) -> Result<Assignment> {
    let submitted_at: Option<String> = row.try_get("submitted_at")?;
    let review = match submitted_at {
        Some(submitted_at) => {
            let scores: String = row.try_get("scores")?;
            Some(Review {
                scores: serde_json::from_str(&scores).map_err(StoreError::corrupt)?,
                total: row.try_get("total")?,
                comment: row.try_get("comment")?,
                veto: row.try_get("veto")?,
                submitted_at,
            })
        }
        None => None,
    };
    Ok(Assignment {
        id: row.try_get("id")?,
        application_id: row.try_get("application_id")?,
        expert_id: row.try_get("expert_id")?,
        expert_name: row.try_get("expert_name")?,
        draw_id: row.try_get("draw_id")?,
        review,
    })
}

const ASSIGNMENT_SELECT: &str = "SELECT s.id, s.application_id, s.expert_id, s.draw_id, e.name AS expert_name, r.scores, r.total, r.comment, r.veto, r.submitted_at FROM assignments s JOIN experts e ON e.id = s.expert_id LEFT JOIN reviews r ON r.assignment_id = s.id";

impl Store {
    /// Adds a user to the expert pool (and gives them the expert role).
    pub async fn create_expert(&self, input: &ExpertInput, actor: Option<i64>) -> Result<Expert> {
        let name = jiebang_core::error::required_text("name", &input.name, 50).map_err(jiebang_core::Error::from)?;
        self.get_user(input.user_id).await?;
        let mut tx = self.begin_write().await?;
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO experts (user_id, name, title, fields, created_at) VALUES ($1, $2, $3, $4, $5) RETURNING id",
        )
        .bind(input.user_id)
        .bind(&name)
        .bind(input.title.trim())
        .bind(input.fields.trim())
        .bind(now_text())
        .fetch_one(&mut *tx)
        .await
        .map_err(|e| {
            if crate::error::is_unique_violation(&e) {
                StoreError::Conflict {
                    field: "user_id".into(),
                    message: "该用户已在专家库中 / the user is already an expert".into(),
                }
            } else {
                e.into()
            }
        })?;
        let affiliations =
            input.current_organizations.iter().map(|o| (o, 1)).chain(input.past_organizations.iter().map(|o| (o, 0)));
        for (org, current) in affiliations {
            sqlx::query("INSERT INTO expert_affiliations (expert_id, organization_id, is_current) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING")
                .bind(id)
                .bind(org)
                .bind(current)
                .execute(&mut *tx)
                .await?;
        }
        sqlx::query("INSERT INTO grants (user_id, role, scope_kind, scope_id) VALUES ($1, 'expert', 'global', '') ON CONFLICT DO NOTHING")
            .bind(input.user_id)
            .execute(&mut *tx)
            .await?;
        audit::append(&mut tx, self.backend, actor, "expert.create", &format!("expert:{id}"), serde_json::json!({"user_id": input.user_id, "name": name, "current": input.current_organizations, "past": input.past_organizations}))
            .await?;
        tx.commit().await?;
        self.get_expert(id).await
    }

    /// One expert.
    pub async fn get_expert(&self, id: i64) -> Result<Expert> {
        let row = sqlx::query("SELECT * FROM experts WHERE id = $1")
            .bind(id)
            .fetch_optional(&self.pool)
            .await?
            .ok_or_else(|| StoreError::not_found("expert", id))?;
        let mut conn = self.pool.begin().await?;
        let (current, past) = affiliations(&mut conn, id).await?;
        Ok(Expert {
            id,
            user_id: row.try_get("user_id")?,
            name: row.try_get("name")?,
            title: row.try_get("title")?,
            fields: row.try_get("fields")?,
            current_organizations: current,
            past_organizations: past,
        })
    }

    /// The pool.
    pub async fn list_experts(&self) -> Result<Vec<Expert>> {
        let ids: Vec<i64> = sqlx::query_scalar("SELECT id FROM experts ORDER BY id").fetch_all(&self.pool).await?;
        let mut experts = Vec::with_capacity(ids.len());
        for id in ids {
            experts.push(self.get_expert(id).await?);
        }
        Ok(experts)
    }

    /// The expert profile of a user, if they are in the pool.
    pub async fn expert_for_user(&self, user_id: i64) -> Result<Option<Expert>> {
        let id: Option<i64> = sqlx::query_scalar("SELECT id FROM experts WHERE user_id = $1")
            .bind(user_id)
            .fetch_optional(&self.pool)
            .await?;
        match id {
            Some(id) => Ok(Some(self.get_expert(id).await?)),
            None => Ok(None),
        }
    }

    /// Whether an expert has a conflict with an application: their organization takes part, or
    /// they declared one.
    pub async fn has_conflict(&self, expert_id: i64, application_id: i64) -> Result<bool> {
        let mut tx = self.pool.begin().await?;
        conflict(&mut tx, expert_id, application_id).await
    }

    /// Which of a program's `application_ids` the expert has a conflict with (as
    /// [`Store::has_conflict`] decides), in a handful of queries for the whole list.
    pub async fn conflicts_in(
        &self,
        expert_id: i64,
        program_id: i64,
        application_ids: &[i64],
    ) -> Result<std::collections::HashSet<i64>> {
        let mut tx = self.pool.begin().await?;
        if application_ids.is_empty() {
            return Ok(Default::default());
        }
        if undeclared_dual_role(&mut tx, expert_id, program_id).await? {
            return Ok(application_ids.iter().copied().collect());
        }
        let (current, past) = affiliations(&mut tx, expert_id).await?;
        let mut declared = Vec::new();
        let mut units: HashMap<i64, Vec<i64>> = HashMap::new();
        for chunk in application_ids.chunks(500) {
            let list = crate::placeholders(2, chunk.len());
            let sql = format!(
                "SELECT application_id FROM conflict_declarations WHERE expert_id = $1 AND application_id IN ({list})"
            );
            let mut query = sqlx::query_scalar::<_, i64>(sqlx::AssertSqlSafe(sql)).bind(expert_id);
            for id in chunk {
                query = query.bind(*id);
            }
            declared.extend(query.fetch_all(&mut *tx).await?);
            let sql = format!(
                "SELECT application_id, organization_id FROM application_units WHERE application_id IN ({})",
                crate::placeholders(1, chunk.len())
            );
            let mut query = sqlx::query_as::<_, (i64, i64)>(sqlx::AssertSqlSafe(sql));
            for id in chunk {
                query = query.bind(*id);
            }
            for (application, organization) in query.fetch_all(&mut *tx).await? {
                units.entry(application).or_default().push(organization);
            }
        }
        let panelist =
            Panelist { expert_id, organizations: current.into_iter().chain(past).collect(), declared, load: 0 };
        Ok(application_ids
            .iter()
            .copied()
            .filter(|id| {
                let organizations = units.remove(id).unwrap_or_default();
                panelist.conflicts_with(&Candidate { application_id: *id, organizations })
            })
            .collect())
    }

    /// An expert who also applies in a program declares that dual role there (a statement for
    /// the organizers); from then on they may review the program's other applications, never
    /// their own units'. Audited; declaring twice keeps the first statement.
    pub async fn declare_dual_role(&self, expert_id: i64, program_id: i64, statement: &str, actor: i64) -> Result<()> {
        let statement =
            jiebang_core::error::required_text("statement", statement, 1000).map_err(jiebang_core::Error::from)?;
        self.get_program(program_id).await?;
        let mut tx = self.begin_write().await?;
        sqlx::query("INSERT INTO dual_role_declarations (expert_id, program_id, statement, declared_at) VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING")
            .bind(expert_id)
            .bind(program_id)
            .bind(&statement)
            .bind(now_text())
            .execute(&mut *tx)
            .await?;
        let details = serde_json::json!({"expert_id": expert_id, "statement": statement});
        audit::append(
            &mut tx,
            self.backend,
            Some(actor),
            "review.dual_role",
            &format!("program:{program_id}"),
            details,
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// The dual-role statements declared in a program, oldest first, with the experts' names
    /// (for its organizers).
    pub async fn dual_role_declarations(&self, program_id: i64) -> Result<Vec<DualRole>> {
        let rows: Vec<(i64, String, i64, String, String, String)> = sqlx::query_as(
            "SELECT d.program_id, p.title, d.expert_id, e.name, d.statement, d.declared_at FROM dual_role_declarations d \
             JOIN experts e ON e.id = d.expert_id JOIN programs p ON p.id = d.program_id WHERE d.program_id = $1 ORDER BY d.declared_at, d.expert_id",
        )
        .bind(program_id)
        .fetch_all(&self.pool)
        .await?;
        Ok(rows.into_iter().map(DualRole::from).collect())
    }

    /// The programs in which an expert's account applies (acts for a unit with an application
    /// there), each with the expert's declaration if made: until it is, the expert reviews
    /// nothing in that program.
    pub async fn dual_roles_of(&self, expert_id: i64) -> Result<Vec<(i64, String, Option<DualRole>)>> {
        let rows = sqlx::query(
            "SELECT DISTINCT p.id, p.title, e.name, d.statement, d.declared_at FROM grants g \
               JOIN experts e ON e.user_id = g.user_id \
               JOIN application_units u ON CAST(g.scope_id AS BIGINT) = u.organization_id \
               JOIN applications a ON a.id = u.application_id JOIN programs p ON p.id = a.program_id \
               LEFT JOIN dual_role_declarations d ON d.expert_id = e.id AND d.program_id = p.id \
             WHERE e.id = $1 AND g.role = 'applicant' AND g.scope_kind = 'organization' ORDER BY p.id",
        )
        .bind(expert_id)
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|row| {
                let (id, title): (i64, String) = (row.try_get("id")?, row.try_get("title")?);
                let statement: Option<String> = row.try_get("statement")?;
                let declared_at: Option<String> = row.try_get("declared_at")?;
                let declared = match statement.zip(declared_at) {
                    Some((statement, declared_at)) => Some(DualRole {
                        program_id: id,
                        program_title: title.clone(),
                        expert_id,
                        expert_name: row.try_get("name")?,
                        statement,
                        declared_at,
                    }),
                    None => None,
                };
                Ok((id, title, declared))
            })
            .collect()
    }

    /// An expert declares a conflict (回避). An assignment without a review is withdrawn.
    pub async fn declare_conflict(&self, expert_id: i64, application_id: i64, reason: &str, actor: i64) -> Result<()> {
        let reason = jiebang_core::error::required_text("reason", reason, 500).map_err(jiebang_core::Error::from)?;
        let mut tx = self.begin_write().await?;
        sqlx::query("INSERT INTO conflict_declarations (expert_id, application_id, reason, declared_at) VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING")
            .bind(expert_id)
            .bind(application_id)
            .bind(&reason)
            .bind(now_text())
            .execute(&mut *tx)
            .await?;
        sqlx::query("DELETE FROM assignments WHERE expert_id = $1 AND application_id = $2 AND id NOT IN (SELECT assignment_id FROM reviews)")
            .bind(expert_id)
            .bind(application_id)
            .execute(&mut *tx)
            .await?;
        audit::append(
            &mut tx,
            self.backend,
            Some(actor),
            "expert.declare_conflict",
            &format!("application:{application_id}"),
            serde_json::json!({"expert_id": expert_id, "reason": reason}),
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    async fn reviewable(&self, tx: &mut Transaction<'static, Any>, program_id: i64) -> Result<()> {
        let (status, _, _) = lock_program(tx, self.backend, program_id).await?;
        if status != ProgramStatus::UnderReview {
            return Err(StoreError::refused(format!(
                "批次当前为「{}」，不在评审阶段 / the program is {}, not under review",
                status.label_zh(),
                status.as_str()
            )));
        }
        Ok(())
    }

    /// Assigns an expert by hand; refused on a conflict of interest.
    pub async fn assign_expert(&self, application_id: i64, expert_id: i64, actor: i64) -> Result<Assignment> {
        let application = self.get_application(application_id).await?;
        let mut tx = self.begin_write().await?;
        self.reviewable(&mut tx, application.program_id).await?;
        if !matches!(application.state, ApplicationState::CheckPassed | ApplicationState::InReview) {
            return Err(StoreError::refused(format!(
                "申报处于「{}」，不能分配专家 / the application is {}",
                application.state.label_zh(),
                application.state.as_str()
            )));
        }
        let known: Option<i64> =
            sqlx::query_scalar("SELECT id FROM experts WHERE id = $1").bind(expert_id).fetch_optional(&mut *tx).await?;
        if known.is_none() {
            return Err(jiebang_core::Error::invalid(
                "expert_id",
                format!("专家库中没有 {expert_id} / no expert {expert_id} in the pool"),
            )
            .into());
        }
        if conflict(&mut tx, expert_id, application_id).await? {
            return Err(jiebang_core::Error::invalid("expert_id", format!("专家 {expert_id} 与申报 {application_id} 存在利益冲突，须回避 / expert {expert_id} has a conflict of interest with application {application_id}")).into());
        }
        let id = insert_assignment(&mut tx, application.program_id, application_id, expert_id, None).await?;
        if application.state == ApplicationState::CheckPassed {
            set_state(&mut tx, application_id, application.state, ApplicationState::InReview, None).await?;
        }
        audit::append(
            &mut tx,
            self.backend,
            Some(actor),
            "review.assign",
            &format!("application:{application_id}"),
            serde_json::json!({"expert_id": expert_id}),
        )
        .await?;
        tx.commit().await?;
        Ok(self.application_assignments(application_id).await?.into_iter().find(|a| a.id == id).expect("just assigned"))
    }

    /// Draws experts for every application that passed the formal check or is in review, up to
    /// the program's experts per application, with a recorded seed (random when not given).
    pub async fn draw_experts(&self, program_id: i64, seed: Option<u64>, actor: i64) -> Result<Draw> {
        let seed = seed.unwrap_or_else(|| rand::rng().random());
        let mut tx = self.begin_write().await?;
        self.reviewable(&mut tx, program_id).await?;
        let (_, rules, _) = lock_program(&mut tx, self.backend, program_id).await?;
        let applications: Vec<(i64, String)> = sqlx::query_as(
            "SELECT id, state FROM applications WHERE program_id = $1 AND state IN ('check_passed', 'in_review') ORDER BY id",
        )
        .bind(program_id)
        .fetch_all(&mut *tx)
        .await?;
        if applications.is_empty() {
            return Err(StoreError::refused(
                "没有通过形式审查、待评审的申报 / no application has passed the formal check",
            ));
        }
        let mut candidates = Vec::new();
        for (id, _) in &applications {
            candidates.push(Candidate { application_id: *id, organizations: units(&mut tx, *id).await? });
        }
        let experts: Vec<i64> = sqlx::query_scalar("SELECT id FROM experts ORDER BY id").fetch_all(&mut *tx).await?;
        let mut panelists = Vec::new();
        for expert_id in experts {
            let (current, past) = affiliations(&mut tx, expert_id).await?;
            let declared: Vec<i64> =
                sqlx::query_scalar("SELECT application_id FROM conflict_declarations WHERE expert_id = $1")
                    .bind(expert_id)
                    .fetch_all(&mut *tx)
                    .await?;
            let load: i64 =
                sqlx::query_scalar("SELECT COUNT(*) FROM assignments WHERE program_id = $1 AND expert_id = $2")
                    .bind(program_id)
                    .bind(expert_id)
                    .fetch_one(&mut *tx)
                    .await?;
            // An undeclared dual role rules the expert out of every application here.
            let declared = if undeclared_dual_role(&mut tx, expert_id, program_id).await? {
                candidates.iter().map(|c| c.application_id).collect()
            } else {
                declared
            };
            panelists.push(Panelist {
                expert_id,
                organizations: current.into_iter().chain(past).collect(),
                declared,
                load: load as u32,
            });
        }
        let existing: Vec<(i64, i64)> =
            sqlx::query_as("SELECT application_id, expert_id FROM assignments WHERE program_id = $1")
                .bind(program_id)
                .fetch_all(&mut *tx)
                .await?;
        let drawn = draw(seed, rules.experts_per_application as usize, &candidates, &panelists, &existing)?;
        let result = serde_json::to_string(&drawn).map_err(StoreError::corrupt)?;
        let now = now_text();
        let draw_id: i64 = sqlx::query_scalar(
            "INSERT INTO draws (program_id, seed, per_application, result, created_by, created_at) VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
        )
        .bind(program_id)
        .bind(seed.to_string())
        .bind(i64::from(rules.experts_per_application))
        .bind(&result)
        .bind(actor)
        .bind(&now)
        .fetch_one(&mut *tx)
        .await?;
        for (application_id, expert_id) in &drawn {
            insert_assignment(&mut tx, program_id, *application_id, *expert_id, Some(draw_id)).await?;
        }
        for (id, state) in &applications {
            if state == ApplicationState::CheckPassed.as_str() {
                set_state(&mut tx, *id, ApplicationState::CheckPassed, ApplicationState::InReview, None).await?;
            }
        }
        let mut notified: Vec<i64> = drawn.iter().map(|(_, e)| *e).collect();
        notified.sort_unstable();
        notified.dedup();
        for expert_id in notified {
            let user: i64 = sqlx::query_scalar("SELECT user_id FROM experts WHERE id = $1")
                .bind(expert_id)
                .fetch_one(&mut *tx)
                .await?;
            notify(
                &mut tx,
                Audience::Users(&[user]),
                "review.assigned",
                "新的评审任务 / new review assignments",
                "您被抽取为评审专家，请在评审截止前完成评分。 / You were drawn as a reviewer; submit your scores before the review deadline.",
                "/reviews",
            )
            .await?;
        }
        audit::append(&mut tx, self.backend, Some(actor), "review.draw", &format!("program:{program_id}"), serde_json::json!({"draw_id": draw_id, "seed": seed.to_string(), "per_application": rules.experts_per_application, "assignments": drawn}))
            .await?;
        tx.commit().await?;
        Ok(Draw {
            id: draw_id,
            seed: seed.to_string(),
            per_application: i64::from(rules.experts_per_application),
            assignments: drawn,
            created_at: now,
        })
    }

    /// A program's draws, oldest first.
    pub async fn list_draws(&self, program_id: i64) -> Result<Vec<Draw>> {
        let rows = sqlx::query("SELECT * FROM draws WHERE program_id = $1 ORDER BY id")
            .bind(program_id)
            .fetch_all(&self.pool)
            .await?;
        rows.iter()
            .map(|row| {
                let result: String = row.try_get("result")?;
                Ok(Draw {
                    id: row.try_get("id")?,
                    seed: row.try_get("seed")?,
                    per_application: row.try_get("per_application")?,
                    assignments: serde_json::from_str(&result).map_err(StoreError::corrupt)?,
                    created_at: row.try_get("created_at")?,
                })
            })
            .collect()
    }

    /// An application's panel and reviews.
    pub async fn application_assignments(&self, application_id: i64) -> Result<Vec<Assignment>> {
        let rows =
            sqlx::query(sqlx::AssertSqlSafe(format!("{ASSIGNMENT_SELECT} WHERE s.application_id = $1 ORDER BY s.id")))
                .bind(application_id)
                .fetch_all(&self.pool)
                .await?;
        rows.iter().map(assignment_from_row).collect()
    }

    /// An expert's assignments, newest first.
    pub async fn expert_assignments(&self, expert_id: i64) -> Result<Vec<Assignment>> {
        let rows =
            sqlx::query(sqlx::AssertSqlSafe(format!("{ASSIGNMENT_SELECT} WHERE s.expert_id = $1 ORDER BY s.id DESC")))
                .bind(expert_id)
                .fetch_all(&self.pool)
                .await?;
        rows.iter().map(assignment_from_row).collect()
    }

    /// An expert submits the review of an assignment; final once submitted.
    pub async fn submit_review(&self, application_id: i64, expert_id: i64, input: &ReviewInput) -> Result<Review> {
        let application = self.get_application(application_id).await?;
        let program = self.get_program(application.program_id).await?;
        let (review, total) = input.validate(&program.rules.review_form)?;
        let mut tx = self.begin_write().await?;
        self.reviewable(&mut tx, application.program_id).await?;
        if application.state != ApplicationState::InReview {
            return Err(StoreError::refused(format!(
                "申报处于「{}」，不在评审中 / the application is not in review",
                application.state.label_zh()
            )));
        }
        let assignment: Option<i64> =
            sqlx::query_scalar("SELECT id FROM assignments WHERE application_id = $1 AND expert_id = $2")
                .bind(application_id)
                .bind(expert_id)
                .fetch_optional(&mut *tx)
                .await?;
        let assignment =
            assignment.ok_or_else(|| StoreError::not_found("assignment", format!("{application_id}/{expert_id}")))?;
        let now = now_text();
        sqlx::query("INSERT INTO reviews (assignment_id, scores, total, comment, veto, submitted_at) VALUES ($1, $2, $3, $4, $5, $6)")
            .bind(assignment)
            .bind(serde_json::to_string(&review.scores).map_err(StoreError::corrupt)?)
            .bind(total)
            .bind(&review.comment)
            .bind(&review.veto)
            .bind(&now)
            .execute(&mut *tx)
            .await
            .map_err(|e| {
                if crate::error::is_unique_violation(&e) {
                    StoreError::refused("评审意见已提交，不能修改 / the review was already submitted and is final")
                } else {
                    e.into()
                }
            })?;
        audit::append(
            &mut tx,
            self.backend,
            None,
            "review.submit",
            &format!("application:{application_id}"),
            serde_json::json!({"expert_id": expert_id, "scores": review.scores, "total": total, "veto": review.veto}),
        )
        .await?;
        tx.commit().await?;
        Ok(Review { scores: review.scores, total, comment: review.comment, veto: review.veto, submitted_at: now })
    }

    /// Aggregates every in-review application's reviews with the program's rule, blends in
    /// `objective` scores (0–100, by lead organization) with `objective_weight`, ranks each
    /// challenge and marks the proposals (see [`jiebang_core::review::select`]). Refused while
    /// any assigned review is missing. May be run again until the publicity.
    pub async fn rank_program(
        &self,
        program_id: i64,
        objective_weight: f64,
        objective: &HashMap<i64, f64>,
        actor: i64,
    ) -> Result<Vec<crate::Application>> {
        if !(0.0..=1.0).contains(&objective_weight) {
            return Err(jiebang_core::Error::invalid(
                "objective_weight",
                "权重应在 0 到 1 之间 / the weight must be between 0 and 1",
            )
            .into());
        }
        let program = self.get_program(program_id).await?;
        let filter = crate::ApplicationFilter {
            states: Some(vec![ApplicationState::InReview, ApplicationState::Ranked]),
            ..Default::default()
        };
        let applications = self.list_applications(program_id, &filter).await?;
        if applications.is_empty() {
            return Err(StoreError::refused("没有评审中的申报 / no application is in review"));
        }
        let mut standings = Vec::new();
        for application in &applications {
            let panel = self.application_assignments(application.id).await?;
            let missing = panel.iter().filter(|a| a.review.is_none()).count();
            if panel.is_empty() || missing > 0 {
                return Err(StoreError::refused(format!(
                    "申报 {}「{}」还有 {missing} 份评审未提交（共 {} 位专家） / application {} still lacks {missing} of {} reviews",
                    application.id,
                    application.input.project_name,
                    panel.len(),
                    application.id,
                    panel.len()
                )));
            }
            let totals: Vec<f64> = panel.iter().filter_map(|a| a.review.as_ref().map(|r| r.total)).collect();
            standings.push(Standing {
                application_id: application.id,
                challenge_id: application.challenge_id,
                review_score: aggregate(&totals, program.rules.aggregation).unwrap_or(0.0),
                objective_score: objective
                    .get(&application.input.lead_organization_id)
                    .copied()
                    .filter(|_| objective_weight > 0.0),
                vetoed: panel.iter().any(|a| a.review.as_ref().is_some_and(|r| r.veto.is_some())),
                submitted_at: application.submitted_at.clone().unwrap_or_default(),
            });
        }
        let winners: HashMap<i64, u32> =
            self.challenge_headings(program_id).await?.into_iter().map(|c| (c.id, c.winners)).collect();
        let rules = &program.rules;
        let placements =
            select(&standings, objective_weight, &winners, rules.selection_quota, rules.potential_per_challenge);
        let mut tx = self.begin_write().await?;
        self.reviewable(&mut tx, program_id).await?;
        for placement in &placements {
            let standing =
                standings.iter().find(|s| s.application_id == placement.application_id).expect("placed from standings");
            let application =
                applications.iter().find(|a| a.id == placement.application_id).expect("standing of an application");
            sqlx::query("UPDATE applications SET review_score = $1, objective_score = $2, final_score = $3, rank = $4, proposed = $5, vetoed = $6, potential = $8 WHERE id = $7")
                .bind(standing.review_score)
                .bind(standing.objective_score)
                .bind(placement.final_score)
                .bind(i64::from(placement.rank))
                .bind(i64::from(placement.proposed))
                .bind(i64::from(standing.vetoed))
                .bind(placement.application_id)
                .bind(i64::from(placement.potential))
                .execute(&mut *tx)
                .await?;
            let to = application.state.apply(Action::Rank, Actor::Organizer, true)?;
            set_state(&mut tx, application.id, application.state, to, None).await?;
        }
        audit::append(
            &mut tx,
            self.backend,
            Some(actor),
            "review.rank",
            &format!("program:{program_id}"),
            serde_json::json!({
                "aggregation": program.rules.aggregation.as_str(),
                "objective_weight": objective_weight,
                "placements": placements.iter().map(|p| serde_json::json!({"application_id": p.application_id, "final_score": p.final_score, "rank": p.rank, "proposed": p.proposed, "potential": p.potential})).collect::<Vec<_>>(),
            }),
        )
        .await?;
        tx.commit().await?;
        self.list_applications(
            program_id,
            &crate::ApplicationFilter { states: Some(vec![ApplicationState::Ranked]), ..Default::default() },
        )
        .await
    }
}

async fn conflict(tx: &mut Transaction<'static, Any>, expert_id: i64, application_id: i64) -> Result<bool> {
    let program_id: Option<i64> = sqlx::query_scalar("SELECT program_id FROM applications WHERE id = $1")
        .bind(application_id)
        .fetch_optional(&mut **tx)
        .await?;
    if let Some(program_id) = program_id
        && undeclared_dual_role(tx, expert_id, program_id).await?
    {
        return Ok(true);
    }
    let (current, past) = affiliations(tx, expert_id).await?;
    let declared: Option<i64> =
        sqlx::query_scalar("SELECT expert_id FROM conflict_declarations WHERE expert_id = $1 AND application_id = $2")
            .bind(expert_id)
            .bind(application_id)
            .fetch_optional(&mut **tx)
            .await?;
    let panelist = Panelist {
        expert_id,
        organizations: current.into_iter().chain(past).collect(),
        declared: declared.map(|_| vec![application_id]).unwrap_or_default(),
        load: 0,
    };
    Ok(panelist.conflicts_with(&Candidate { application_id, organizations: units(tx, application_id).await? }))
}

async fn insert_assignment(
    tx: &mut Transaction<'static, Any>,
    program_id: i64,
    application_id: i64,
    expert_id: i64,
    draw_id: Option<i64>,
) -> Result<i64> {
    sqlx::query_scalar(
        "INSERT INTO assignments (program_id, application_id, expert_id, draw_id, created_at) VALUES ($1, $2, $3, $4, $5) RETURNING id",
    )
    .bind(program_id)
    .bind(application_id)
    .bind(expert_id)
    .bind(draw_id)
    .bind(now_text())
    .fetch_one(&mut **tx)
    .await
    .map_err(|e| {
        if crate::error::is_unique_violation(&e) {
            StoreError::Conflict { field: "expert_id".into(), message: format!("专家 {expert_id} 已分配给申报 {application_id} / already assigned") }
        } else {
            e.into()
        }
    })
}
