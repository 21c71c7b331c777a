//! Mid-term checks and 赛马 gates. A mid-term check records the score sheet with the share of
//! committed indicators the ledger showed met and takes the project's step its outcome names,
//! in one transaction; a gate ranks a challenge's projects by their latest mid-term totals and
//! terminates those the rule drops, recording the ranking.

use jiebang_core::project::{GateRow, GateRule, MidTermOutcome, MidTermSheet, Party, ProjectAction, ProjectState};
use serde::Serialize;
use sqlx::Row;
use sqlx::any::AnyRow;

use super::{Project, decode, step};
use crate::{Result, Store, StoreError, audit, now_text};

/// A recorded mid-term check.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct MidTermCheck {
    /// Id.
    pub id: i64,
    /// The project.
    pub project_id: i64,
    /// The score sheet as filled in.
    pub sheet: MidTermSheet,
    /// Committed indicators the ledger showed met, as a share.
    pub share_met: f64,
    /// Out of 100.
    pub total: f64,
    /// What it decided.
    pub outcome: MidTermOutcome,
    /// The experts' and organizer's opinion.
    pub note: String,
    /// Who recorded it.
    pub decided_by: i64,
    /// When (CST text).
    pub decided_at: String,
}

/// A recorded 赛马 gate.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Gate {
    /// Id.
    pub id: i64,
    /// The program.
    pub program_id: i64,
    /// The challenge whose projects raced.
    pub challenge_id: i64,
    /// The rule applied.
    pub rule: GateRule,
    /// Every project, best first.
    pub ranking: Vec<GateRow>,
    /// Who ran it.
    pub decided_by: i64,
    /// When (CST text).
    pub decided_at: String,
}

impl Store {
    /// Records a mid-term check of a project in 中期检查 and takes the step its outcome names:
    /// the sheet must be worth 100; the integrity veto allows only termination; any outcome
    /// but 继续支持 needs the opinion.
    pub async fn record_mid_term(
        &self,
        project_id: i64,
        sheet: &MidTermSheet,
        share_met: f64,
        outcome: MidTermOutcome,
        note: &str,
        actor: i64,
    ) -> Result<MidTermCheck> {
        let project = self.get_project(project_id).await?;
        if project.state != ProjectState::MidTerm {
            return Err(StoreError::refused(format!(
                "项目{}，不在中期检查中 / the project is not in its mid-term check",
                project.state.label_zh()
            )));
        }
        sheet.check()?;
        let note = note.trim();
        if sheet.integrity_veto && outcome != MidTermOutcome::Terminate {
            return Err(StoreError::refused(
                "存在严重违反科研诚信的行为，只能终止 / research misconduct allows only termination",
            ));
        }
        if outcome != MidTermOutcome::Continue && note.is_empty() {
            return Err(jiebang_core::Error::invalid("note", "请写明检查意见 / give the check's opinion").into());
        }
        let score = sheet.score(share_met);
        let mut tx = self.begin_write().await?;
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO mid_term_checks (project_id, sheet, share_met, total, outcome, note, decided_by, decided_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id",
        )
        .bind(project_id)
        .bind(serde_json::to_string(sheet).map_err(decode)?)
        .bind(share_met)
        .bind(score.total)
        .bind(outcome.as_str())
        .bind(note)
        .bind(actor)
        .bind(now_text())
        .fetch_one(&mut *tx)
        .await?;
        let reason = format!("中期检查 {:.1} 分，{}。{note}", score.total, outcome.label_zh());
        step(&mut tx, self.backend, &project, outcome.action(), Party::Organizer, None, &reason, actor).await?;
        tx.commit().await?;
        let checks = self.mid_term_checks(project_id).await?;
        checks.into_iter().find(|c| c.id == id).ok_or_else(|| StoreError::not_found("mid-term check", id))
    }

    /// A project's mid-term checks, oldest first.
    pub async fn mid_term_checks(&self, project_id: i64) -> Result<Vec<MidTermCheck>> {
        let rows = sqlx::query("SELECT * FROM mid_term_checks WHERE project_id = $1 ORDER BY id")
            .bind(project_id)
            .fetch_all(&self.pool)
            .await?;
        rows.iter().map(mid_term_check).collect()
    }

    /// Runs a 赛马 gate over the projects of a challenge still under way: ranked by their latest
    /// mid-term totals (every one needs one), those the rule drops are terminated.
    pub async fn run_gate(&self, challenge_id: i64, rule: GateRule, actor: i64) -> Result<Gate> {
        let rows = sqlx::query("SELECT * FROM projects WHERE challenge_id = $1 ORDER BY id")
            .bind(challenge_id)
            .fetch_all(&self.pool)
            .await?;
        let racing: Vec<Project> = rows
            .iter()
            .map(super::project)
            .collect::<Result<Vec<_>>>()?
            .into_iter()
            .filter(|p| !p.state.is_final())
            .collect();
        if racing.len() < 2 {
            return Err(StoreError::refused("赛马须有两个以上在研项目 / a race needs two projects or more under way"));
        }
        let mut scores = Vec::new();
        let mut unchecked = Vec::new();
        for project in &racing {
            match self.mid_term_checks(project.id).await?.last() {
                Some(check) => scores.push((project.id, check.total)),
                None => unchecked.push(project.name.clone()),
            }
        }
        if !unchecked.is_empty() {
            let names = unchecked.join("、");
            return Err(StoreError::refused(format!(
                "以下项目尚无中期检查得分：{names} / these projects have no mid-term score yet: {names}"
            )));
        }
        let (kept, dropped) = rule.apply(&scores);
        let ranked = kept.iter().map(|id| (*id, true)).chain(dropped.iter().map(|id| (*id, false)));
        let ranking: Vec<GateRow> = ranked
            .map(|(id, kept)| {
                let project = racing.iter().find(|p| p.id == id).expect("ranked from the racing projects");
                let score = scores.iter().find(|(p, _)| *p == id).map_or(0.0, |(_, s)| *s);
                GateRow { project_id: id, name: project.name.clone(), score, kept }
            })
            .collect();
        let mut tx = self.begin_write().await?;
        for (place, row) in ranking.iter().enumerate().filter(|(_, r)| !r.kept) {
            let project = racing.iter().find(|p| p.id == row.project_id).expect("ranked from the racing projects");
            let reason = format!(
                "赛马淘汰：中期得分 {:.1}，第 {} 名（共 {} 名）/ dropped at the gate: scored {:.1}, place {} of {}",
                row.score,
                place + 1,
                ranking.len(),
                row.score,
                place + 1,
                ranking.len()
            );
            step(&mut tx, self.backend, project, ProjectAction::Terminate, Party::Organizer, None, &reason, actor)
                .await?;
        }
        let program_id = racing[0].program_id;
        let now = now_text();
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO project_gates (program_id, challenge_id, rule, ranking, decided_by, decided_at) \
             VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
        )
        .bind(program_id)
        .bind(challenge_id)
        .bind(serde_json::to_string(&rule).map_err(decode)?)
        .bind(serde_json::to_string(&ranking).map_err(decode)?)
        .bind(actor)
        .bind(&now)
        .fetch_one(&mut *tx)
        .await?;
        audit::append(
            &mut tx,
            self.backend,
            Some(actor),
            "project.gate",
            &format!("challenge:{challenge_id}"),
            serde_json::json!({"gate": id, "rule": rule, "kept": kept, "dropped": dropped}),
        )
        .await?;
        tx.commit().await?;
        Ok(Gate { id, program_id, challenge_id, rule, ranking, decided_by: actor, decided_at: now })
    }

    /// A program's gates, oldest first.
    pub async fn gates(&self, program_id: i64) -> Result<Vec<Gate>> {
        let rows = sqlx::query("SELECT * FROM project_gates WHERE program_id = $1 ORDER BY id")
            .bind(program_id)
            .fetch_all(&self.pool)
            .await?;
        rows.iter()
            .map(|row| {
                let rule: String = row.try_get("rule")?;
                let ranking: String = row.try_get("ranking")?;
                Ok(Gate {
                    id: row.try_get("id")?,
                    program_id: row.try_get("program_id")?,
                    challenge_id: row.try_get("challenge_id")?,
                    rule: serde_json::from_str(&rule).map_err(decode)?,
                    ranking: serde_json::from_str(&ranking).map_err(decode)?,
                    decided_by: row.try_get("decided_by")?,
                    decided_at: row.try_get("decided_at")?,
                })
            })
            .collect()
    }
}

fn mid_term_check(row: &AnyRow) -> Result<MidTermCheck> {
    let sheet: String = row.try_get("sheet")?;
    let outcome: String = row.try_get("outcome")?;
    Ok(MidTermCheck {
        id: row.try_get("id")?,
        project_id: row.try_get("project_id")?,
        sheet: serde_json::from_str(&sheet).map_err(decode)?,
        share_met: row.try_get("share_met")?,
        total: row.try_get("total")?,
        outcome: MidTermOutcome::parse("outcome", &outcome).map_err(decode)?,
        note: row.try_get("note")?,
        decided_by: row.try_get("decided_by")?,
        decided_at: row.try_get("decided_at")?,
    })
}
