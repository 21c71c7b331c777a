//! The supply–demand catalogue (issue 20): demands, solutions and the engagements between them.
//! Each record keeps the input it was validated from and is validated again as it is read, so a
//! record is always a [`Demand`] or a [`Solution`]. A demand moves only by
//! [`DemandState::apply`]; its first engagement starts the matching and a signed one signs it. A
//! demand promoted into a challenge creates the challenge from its fields in one transaction and
//! links the two.

use jiebang_core::FieldError;
use jiebang_core::catalogue::{
    Channel, CheckedClaim, Claim, Demand, DemandAction, DemandInput, DemandState, EngagementStage, Evidence, Solution,
    SolutionInput,
};
use jiebang_core::challenge::ChallengeInput;
use jiebang_core::evaluation::SubmissionState;
use jiebang_core::indicator::IndicatorInput;
use jiebang_core::indicator::MetricKey;
use jiebang_core::program::Day;
use jiebang_core::project::{Conclusion, ProjectState};
use jiebang_core::report::ScoreReport;
use serde::Serialize;
use sqlx::Row;
use sqlx::any::AnyRow;

use crate::{ChallengeRecord, Result, Store, StoreError, audit, now_text};

/// A stored demand.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct DemandRecord {
    /// Id.
    pub id: i64,
    /// The demand.
    pub demand: Demand,
    /// The registered organization that publishes it, if linked.
    pub organization_id: Option<i64>,
    /// Where it stands.
    pub state: DemandState,
    /// The challenge it was promoted into.
    pub challenge_id: Option<i64>,
    /// The account that entered it.
    pub created_by: Option<i64>,
    /// Entered (CST text).
    pub created_at: String,
}

/// A stored solution.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SolutionRecord {
    /// Id.
    pub id: i64,
    /// The solution.
    pub solution: Solution,
    /// The registered organization that provides it, if linked.
    pub organization_id: Option<i64>,
    /// The accepted project whose model it lists.
    pub project_id: Option<i64>,
    /// Entered (CST text).
    pub created_at: String,
}

/// An engagement between a demand and a solution.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Engagement {
    /// Id.
    pub id: i64,
    /// The demand.
    pub demand_id: i64,
    /// The solution.
    pub solution_id: i64,
    /// How far it has gone.
    pub stage: EngagementStage,
    /// Where they met.
    pub channel: Channel,
    /// The contract's amount, 万元, once signed.
    pub amount_wan: Option<f64>,
    /// The day it was signed.
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>))]
    pub signed_on: Option<Day>,
    /// Notes.
    pub note: String,
    /// Last moved (CST text).
    pub updated_at: String,
}

/// What a list of demands is filtered by.
#[derive(Debug, Clone, Default)]
pub struct DemandFilter {
    /// Only these states.
    pub states: Option<Vec<DemandState>>,
}

fn demand_record(row: &AnyRow) -> Result<DemandRecord> {
    let input: DemandInput = serde_json::from_str(&row.try_get::<String, _>("input")?).map_err(StoreError::corrupt)?;
    Ok(DemandRecord {
        id: row.try_get("id")?,
        demand: input.validate().map_err(StoreError::corrupt)?,
        organization_id: row.try_get("organization_id")?,
        state: DemandState::parse("state", &row.try_get::<String, _>("state")?).map_err(StoreError::corrupt)?,
        challenge_id: row.try_get("challenge_id")?,
        created_by: row.try_get("created_by")?,
        created_at: row.try_get("created_at")?,
    })
}

fn solution_record(row: &AnyRow) -> Result<SolutionRecord> {
    let input: SolutionInput =
        serde_json::from_str(&row.try_get::<String, _>("input")?).map_err(StoreError::corrupt)?;
    Ok(SolutionRecord {
        id: row.try_get("id")?,
        solution: input.validate().map_err(StoreError::corrupt)?,
        organization_id: row.try_get("organization_id")?,
        project_id: row.try_get("project_id")?,
        created_at: row.try_get("created_at")?,
    })
}

fn engagement(row: &AnyRow) -> Result<Engagement> {
    let signed_on: Option<String> = row.try_get("signed_on")?;
    Ok(Engagement {
        id: row.try_get("id")?,
        demand_id: row.try_get("demand_id")?,
        solution_id: row.try_get("solution_id")?,
        stage: EngagementStage::parse("stage", &row.try_get::<String, _>("stage")?).map_err(StoreError::corrupt)?,
        channel: Channel::parse("channel", &row.try_get::<String, _>("channel")?).map_err(StoreError::corrupt)?,
        amount_wan: row.try_get("amount_wan")?,
        signed_on: signed_on.map(|d| Day::parse("signed_on", &d)).transpose().map_err(StoreError::corrupt)?,
        note: row.try_get("note")?,
        updated_at: row.try_get("updated_at")?,
    })
}

/// Names the files `claims` cite, so that they are kept and served for the solution.
async fn cite_evidence(
    tx: &mut sqlx::Transaction<'static, sqlx::Any>,
    solution_id: i64,
    claims: &[Claim],
) -> Result<()> {
    for claim in claims {
        if let Evidence::LabReport { file_id, .. } = claim.evidence {
            sqlx::query("INSERT INTO solution_evidence (solution_id, file_id) VALUES ($1, $2) ON CONFLICT DO NOTHING")
                .bind(solution_id)
                .bind(file_id)
                .execute(&mut **tx)
                .await?;
        }
    }
    Ok(())
}

/// A claimed value is the report's when they agree to 1e-9, relative to the larger.
fn same_value(measured: f64, claimed: f64) -> bool {
    (measured - claimed).abs() <= 1e-9 * measured.abs().max(claimed.abs()).max(1.0)
}

/// Writes a validated demand (征集中) and its audit event in `tx`; returns its id.
async fn insert_demand(
    tx: &mut sqlx::Transaction<'static, sqlx::Any>,
    backend: crate::Backend,
    number: &str,
    title: &str,
    input: &DemandInput,
    organization_id: Option<i64>,
    actor: Option<i64>,
) -> Result<i64> {
    let now = now_text();
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO demands (number, title, organization_id, input, state, created_by, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $7) RETURNING id",
    )
    .bind(number)
    .bind(title)
    .bind(organization_id)
    .bind(serde_json::to_string(input).map_err(StoreError::corrupt)?)
    .bind(DemandState::Collecting.as_str())
    .bind(actor)
    .bind(&now)
    .fetch_one(&mut **tx)
    .await?;
    audit::append(tx, backend, actor, "demand.create", &format!("demand:{id}"), serde_json::json!({"number": number}))
        .await?;
    Ok(id)
}

/// Writes a validated solution and its audit event in `tx`; returns its id.
async fn insert_solution(
    tx: &mut sqlx::Transaction<'static, sqlx::Any>,
    backend: crate::Backend,
    title: &str,
    input: &SolutionInput,
    organization_id: Option<i64>,
    project_id: Option<i64>,
    actor: Option<i64>,
) -> Result<i64> {
    let now = now_text();
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO solutions (title, organization_id, input, project_id, created_by, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $6) RETURNING id",
    )
    .bind(title)
    .bind(organization_id)
    .bind(serde_json::to_string(input).map_err(StoreError::corrupt)?)
    .bind(project_id)
    .bind(actor)
    .bind(&now)
    .fetch_one(&mut **tx)
    .await?;
    cite_evidence(tx, id, &input.claims).await?;
    audit::append(
        tx,
        backend,
        actor,
        "solution.create",
        &format!("solution:{id}"),
        serde_json::json!({"title": title}),
    )
    .await?;
    Ok(id)
}

impl Store {
    /// Enters a demand (征集中), every problem with it reported at once; its number is unique.
    pub async fn create_demand(
        &self,
        input: &DemandInput,
        organization_id: Option<i64>,
        actor: Option<i64>,
    ) -> Result<DemandRecord> {
        let demand = input.validate()?;
        self.known_organization(organization_id).await?;
        let mut tx = self.begin_write().await?;
        let taken: Option<i64> = sqlx::query_scalar("SELECT id FROM demands WHERE number = $1")
            .bind(&demand.number)
            .fetch_optional(&mut *tx)
            .await?;
        if taken.is_some() {
            return Err(StoreError::Conflict {
                field: "number".into(),
                message: format!("需求编号 {} 已存在 / demand number {} is taken", demand.number, demand.number),
            });
        }
        let id =
            insert_demand(&mut tx, self.backend, &demand.number, &demand.title, input, organization_id, actor).await?;
        tx.commit().await?;
        self.get_demand(id).await
    }

    /// Imports the demands of a spreadsheet (the catalogue organizers' own sheets: Chinese
    /// headers, `.xlsx` or `.csv` in UTF-8 or GBK), all or none: every bad cell, a number twice in
    /// the file and a number already entered are reported by row, and then nothing is written.
    pub async fn import_demands(&self, file_name: &str, bytes: Vec<u8>, actor: i64) -> Result<Vec<DemandRecord>> {
        let name = file_name.to_owned();
        let rows = tokio::task::spawn_blocking(move || jiebang_sheets::read_demands(&name, &bytes))
            .await
            .map_err(StoreError::corrupt)??;
        let mut tx = self.begin_write().await?;
        let mut clashes = Vec::new();
        let mut ids = Vec::new();
        for row in &rows {
            let demand = row.input.validate()?;
            let taken: Option<i64> = sqlx::query_scalar("SELECT id FROM demands WHERE number = $1")
                .bind(&demand.number)
                .fetch_optional(&mut *tx)
                .await?;
            if taken.is_some() {
                clashes.push(jiebang_sheets::RowError {
                    row: row.row,
                    column: Some("需求编号".into()),
                    message: format!("需求编号 {} 已存在 / demand number {} is taken", demand.number, demand.number),
                });
                continue;
            }
            ids.push(
                insert_demand(&mut tx, self.backend, &demand.number, &demand.title, &row.input, None, Some(actor))
                    .await?,
            );
        }
        if !clashes.is_empty() {
            return Err(jiebang_sheets::SheetError::Rows { file: file_name.to_owned(), errors: clashes }.into());
        }
        tx.commit().await?;
        let mut imported = Vec::with_capacity(ids.len());
        for id in ids {
            imported.push(self.get_demand(id).await?);
        }
        Ok(imported)
    }

    /// Imports the solutions of a spreadsheet, all or none, every bad cell reported by row.
    pub async fn import_solutions(&self, file_name: &str, bytes: Vec<u8>, actor: i64) -> Result<Vec<SolutionRecord>> {
        let name = file_name.to_owned();
        let rows = tokio::task::spawn_blocking(move || jiebang_sheets::read_solutions(&name, &bytes))
            .await
            .map_err(StoreError::corrupt)??;
        let mut tx = self.begin_write().await?;
        let mut ids = Vec::new();
        for row in &rows {
            let solution = row.input.validate()?;
            ids.push(
                insert_solution(&mut tx, self.backend, &solution.title, &row.input, None, None, Some(actor)).await?,
            );
        }
        tx.commit().await?;
        let mut imported = Vec::with_capacity(ids.len());
        for id in ids {
            imported.push(self.get_solution(id).await?);
        }
        Ok(imported)
    }

    /// An entry's unit must be registered: a clear field error, not the database's refusal.
    async fn known_organization(&self, organization_id: Option<i64>) -> Result<()> {
        match organization_id {
            Some(id) if self.get_organization(id).await.is_err() => Err(jiebang_core::Error::invalid(
                "organization_id",
                format!("单位 {id} 未登记 / organization {id} is not registered"),
            )
            .into()),
            _ => Ok(()),
        }
    }

    /// A demand.
    pub async fn get_demand(&self, id: i64) -> Result<DemandRecord> {
        let row = sqlx::query("SELECT * FROM demands WHERE id = $1")
            .bind(id)
            .fetch_optional(&self.pool)
            .await?
            .ok_or(StoreError::NotFound { entity: "demand", id: id.to_string() })?;
        demand_record(&row)
    }

    /// Demands, newest first.
    pub async fn list_demands(&self, filter: &DemandFilter) -> Result<Vec<DemandRecord>> {
        let rows = sqlx::query("SELECT * FROM demands ORDER BY id DESC").fetch_all(&self.pool).await?;
        let mut demands = Vec::with_capacity(rows.len());
        for row in &rows {
            let record = demand_record(row)?;
            if filter.states.as_ref().is_none_or(|states| states.contains(&record.state)) {
                demands.push(record);
            }
        }
        Ok(demands)
    }

    /// Moves a demand by `action`, from the state it was read in.
    pub async fn act_on_demand(&self, id: i64, action: DemandAction, actor: i64) -> Result<DemandRecord> {
        let current = self.get_demand(id).await?;
        let next = current.state.apply(action)?;
        let mut tx = self.begin_write().await?;
        move_demand(&mut tx, id, current.state, next).await?;
        audit::append(
            &mut tx,
            self.backend,
            Some(actor),
            "demand.act",
            &format!("demand:{id}"),
            serde_json::json!({"action": action.as_str(), "from": current.state.as_str(), "to": next.as_str()}),
        )
        .await?;
        tx.commit().await?;
        self.get_demand(id).await
    }

    /// Promotes an open demand into a challenge of `program_id` numbered `code`: its title,
    /// industries, region, scenario, pain points and requirements carried over, the two linked.
    pub async fn promote_demand(&self, id: i64, program_id: i64, code: &str, actor: i64) -> Result<ChallengeRecord> {
        let record = self.get_demand(id).await?;
        if let Some(challenge) = record.challenge_id {
            return Err(StoreError::refused(format!(
                "需求已转为榜题 {challenge} / the demand is already challenge {challenge}"
            )));
        }
        if !record.state.is_open() {
            return Err(StoreError::refused(format!(
                "需求{}，不能转为榜题 / only an open demand becomes a challenge",
                record.state.label_zh()
            )));
        }
        self.get_program(program_id).await?;
        let demand = &record.demand;
        let challenge = ChallengeInput {
            code: code.into(),
            title: demand.title.clone(),
            direction: if demand.field.is_empty() { "人工智能+".into() } else { demand.field.clone() },
            task_class: "demonstration".into(),
            industries: demand.industries.iter().map(|i| i.code().to_owned()).collect(),
            region: demand.region.code().into(),
            scenario: demand.scenario.clone().unwrap_or_else(|| demand.title.clone()),
            background: demand.pain_points.clone(),
            indicators: demand.requirements.iter().map(IndicatorInput::from).collect(),
            support: format!("来自需求 {} / from demand {}", demand.number, demand.number),
            ..ChallengeInput::default()
        }
        .validate()?;
        let mut tx = self.begin_write().await?;
        let challenge_id = crate::programs::insert_challenge(&mut tx, program_id, &challenge).await?;
        sqlx::query("UPDATE demands SET challenge_id = $2, updated_at = $3 WHERE id = $1")
            .bind(id)
            .bind(challenge_id)
            .bind(now_text())
            .execute(&mut *tx)
            .await?;
        audit::append(
            &mut tx,
            self.backend,
            Some(actor),
            "demand.promote",
            &format!("demand:{id}"),
            serde_json::json!({"program": program_id, "challenge": challenge_id}),
        )
        .await?;
        tx.commit().await?;
        self.get_challenge(challenge_id).await
    }

    /// Enters a solution, every problem with it reported at once.
    pub async fn create_solution(
        &self,
        input: &SolutionInput,
        organization_id: Option<i64>,
        project_id: Option<i64>,
        actor: Option<i64>,
    ) -> Result<SolutionRecord> {
        let solution = input.validate()?;
        self.known_organization(organization_id).await?;
        self.check_evidence(&solution.claims, 0, organization_id, actor, &[]).await?;
        self.store_solution(&solution, input, organization_id, project_id, actor).await
    }

    async fn store_solution(
        &self,
        solution: &Solution,
        input: &SolutionInput,
        organization_id: Option<i64>,
        project_id: Option<i64>,
        actor: Option<i64>,
    ) -> Result<SolutionRecord> {
        let mut tx = self.begin_write().await?;
        let id =
            insert_solution(&mut tx, self.backend, &solution.title, input, organization_id, project_id, actor).await?;
        tx.commit().await?;
        self.get_solution(id).await
    }

    /// Adds a claimed value with its evidence to a solution, checked as when it was entered;
    /// `uploaded` are the files the caller sent with it (files are stored by content, so a
    /// report someone else uploaded first keeps their name on the record).
    pub async fn add_claim(
        &self,
        solution_id: i64,
        claim: &Claim,
        actor: i64,
        uploaded: &[i64],
    ) -> Result<SolutionRecord> {
        let record = self.get_solution(solution_id).await?;
        let stored: String = sqlx::query_scalar("SELECT input FROM solutions WHERE id = $1")
            .bind(solution_id)
            .fetch_one(&self.pool)
            .await?;
        let mut input: SolutionInput = serde_json::from_str(&stored).map_err(StoreError::corrupt)?;
        let at = input.claims.len();
        input.claims.push(claim.clone());
        let solution = input.validate()?;
        self.check_evidence(&solution.claims[at..], at, record.organization_id, Some(actor), uploaded).await?;
        let mut tx = self.begin_write().await?;
        sqlx::query("UPDATE solutions SET input = $1, updated_at = $2 WHERE id = $3")
            .bind(serde_json::to_string(&input).map_err(StoreError::corrupt)?)
            .bind(now_text())
            .bind(solution_id)
            .execute(&mut *tx)
            .await?;
        cite_evidence(&mut tx, solution_id, std::slice::from_ref(claim)).await?;
        audit::append(
            &mut tx,
            self.backend,
            Some(actor),
            "solution.claim",
            &format!("solution:{solution_id}"),
            serde_json::json!({"metric": solution.claims[at].indicator.expr.metric.as_str(), "value": claim.value}),
        )
        .await?;
        tx.commit().await?;
        self.get_solution(solution_id).await
    }

    /// Checks where each claimed value comes from, every problem at once (`first` numbers the
    /// claims in the solution). A signed report must be the providing unit's own scored
    /// submission and say the claimed value, in the view that unit sees (a phase's hidden rows
    /// stay hidden: a claim cannot probe them); a lab's report must be a file the caller uploaded
    /// (earlier, or `uploaded` with this request): citing it shows it to every reader.
    async fn check_evidence(
        &self,
        claims: &[CheckedClaim],
        first: usize,
        organization_id: Option<i64>,
        actor: Option<i64>,
        uploaded: &[i64],
    ) -> Result<()> {
        let mut problems = Vec::new();
        for (i, claim) in claims.iter().enumerate() {
            let at = format!("claims[{}]", first + i);
            match &claim.evidence {
                Evidence::SignedReport { submission_id } => {
                    let field = format!("{at}.evidence.submission_id");
                    match self.signed_value(*submission_id, organization_id, &claim.indicator.expr.metric).await? {
                        Err(message) => problems.push(FieldError::new(field, message)),
                        Ok(measured) if !same_value(measured, claim.value) => problems.push(FieldError::new(
                            format!("{at}.value"),
                            format!(
                                "签名报告中 {metric} 为 {measured}，与填写的 {claimed} 不符 / the signed report \
                                 says {metric} = {measured}, not {claimed}",
                                metric = claim.indicator.expr.metric.as_str(),
                                claimed = claim.value
                            ),
                        )),
                        Ok(_) => {}
                    }
                }
                Evidence::LabReport { file_id, .. } => {
                    let uploader: Option<Option<i64>> =
                        sqlx::query_scalar("SELECT created_by FROM files WHERE id = $1")
                            .bind(file_id)
                            .fetch_optional(&self.pool)
                            .await?;
                    let message = match uploader {
                        None => Some(format!("文件 {file_id} 不存在 / file {file_id} does not exist")),
                        Some(by) if actor.is_some() && by != actor && !uploaded.contains(file_id) => Some(format!(
                            "请附上本人上传的检测报告（文件 {file_id} 不是） / attach a report you uploaded \
                             (file {file_id} is not one)"
                        )),
                        Some(_) => None,
                    };
                    problems.extend(message.map(|m| FieldError::new(format!("{at}.evidence.file_id"), m)));
                }
            }
        }
        if problems.is_empty() { Ok(()) } else { Err(jiebang_core::Error::Invalid(problems).into()) }
    }

    /// The value of `metric` in a submission's signed report as `organization_id` sees it, or
    /// why it cannot be cited.
    async fn signed_value(
        &self,
        submission_id: i64,
        organization_id: Option<i64>,
        metric: &MetricKey,
    ) -> Result<std::result::Result<f64, String>> {
        let Ok(submission) = self.get_submission(submission_id).await else {
            return Ok(Err(format!("提交 {submission_id} 不存在 / submission {submission_id} does not exist")));
        };
        if organization_id != Some(submission.organization_id) {
            return Ok(Err(format!(
                "提交 {submission_id} 不是提供单位的；签名报告只能列在提交它的单位名下 / submission \
                 {submission_id} is not the providing unit's: a signed report is cited for the unit that submitted it"
            )));
        }
        let text = self.latest_reports(&[submission_id]).await?.remove(&submission_id);
        let report = text.and_then(|t| serde_json::from_str::<ScoreReport>(&t).ok());
        let Some(report) =
            report.filter(|r| submission.state == SubmissionState::Scored && r.near_duplicate_of.is_none())
        else {
            return Ok(Err(format!(
                "提交 {submission_id} 尚无签名成绩 / submission {submission_id} has no signed score"
            )));
        };
        let phase = self.get_phase(submission.phase_id).await?;
        let view = if phase.all_rows_public() { report } else { report.team_view(&phase.input.split) };
        // A bare key names the metric at its default parameter when the report has just one
        // (`f1` is the report's `f1@0.5`).
        let bare: Vec<f64> = view
            .metrics
            .iter()
            .filter(|(key, _)| !metric.as_str().contains('@') && key.split('@').next() == Some(metric.as_str()))
            .map(|(_, value)| *value)
            .collect();
        let found = view.metrics.get(metric.as_str()).copied().or(match bare[..] {
            [value] => Some(value),
            _ => None,
        });
        Ok(found.ok_or_else(|| {
            let has = view.metrics.keys().map(String::as_str).collect::<Vec<_>>().join(", ");
            format!(
                "提交 {submission_id} 的签名报告（本单位可见部分）没有 {m}，只有 {has} / submission {submission_id}'s \
                 signed report (the part the unit sees) has no {m}, only {has}",
                m = metric.as_str()
            )
        }))
    }

    /// Lists a project's accepted model as a solution (行业大模型), its claims the committed
    /// indicators it met at acceptance, each with the evidence the record cites — the signed
    /// report of a submission, or the lab's report — once, when it was accepted (通过).
    pub async fn list_accepted_model(&self, project_id: i64, actor: i64) -> Result<SolutionRecord> {
        let project = self.get_project(project_id).await?;
        let accepted = project.conclusion == Some(Conclusion::Passed)
            && matches!(project.state, ProjectState::Concluded | ProjectState::Designated);
        let Some(record) = project.acceptance.as_ref().filter(|_| accepted) else {
            return Err(StoreError::refused("项目验收通过后方可列入供给目录 / a project is listed once accepted"));
        };
        let listed: Option<i64> = sqlx::query_scalar("SELECT id FROM solutions WHERE project_id = $1")
            .bind(project_id)
            .fetch_optional(&self.pool)
            .await?;
        if let Some(id) = listed {
            return Err(StoreError::Conflict {
                field: "project_id".into(),
                message: format!("该项目已列为方案 {id} / the project is listed as solution {id}"),
            });
        }
        let lead = self.get_organization(project.lead_organization_id).await?;
        if lead.contact_phone.is_empty() {
            return Err(StoreError::refused(format!(
                "牵头单位「{}」未登记联系电话，请先补充单位信息 / the lead unit has no contact phone; add it first",
                lead.name
            )));
        }
        let challenge = self.get_challenge(project.challenge_id).await?.challenge;
        let labs = self.lab_reports(project_id).await?;
        let mut claims = Vec::new();
        for (row, committed) in record.rows.iter().zip(&project.committed) {
            let (Some(value), true) = (row.verdict.achieved, row.verdict.met) else { continue };
            let evidence = match row.source.as_deref().and_then(|s| s.split_once(':')) {
                Some(("submission", id)) => {
                    id.parse().ok().map(|submission_id| Evidence::SignedReport { submission_id })
                }
                Some(("lab", id)) => labs.iter().find(|l| l.id.to_string() == id).and_then(|lab| {
                    Some(Evidence::LabReport {
                        file_id: lab.files.first()?.id,
                        lab: lab.lab_name.clone(),
                        tested_on: Day::parse("tested_on", lab.submitted_at.get(..10)?).ok()?,
                    })
                }),
                _ => None,
            };
            let Some(evidence) = evidence else { continue };
            let indicator = jiebang_core::indicator::IndicatorInput {
                name: committed.name.clone(),
                metric: committed.target.metric.as_str().into(),
                op: committed.target.op.symbol().into(),
                threshold: Some(committed.committed),
                ..Default::default()
            };
            claims.push(Claim { indicator, value, evidence });
        }
        let input = SolutionInput {
            title: project.name.clone(),
            provider: lead.name.clone(),
            kind: "industry_model".into(),
            industries: challenge.industries.iter().map(|i| i.code().to_owned()).collect(),
            region: lead.region_code.clone(),
            summary: format!(
                "「{}」揭榜挂帅项目，验收通过；以下指标为验收时的实测值，附签名测评报告或检测报告。",
                challenge.title
            ),
            claims,
            contact_name: if lead.contact_name.is_empty() { lead.name.clone() } else { lead.contact_name.clone() },
            contact_phone: lead.contact_phone.clone(),
            ..SolutionInput::default()
        };
        // The values are the acceptance record's own, each cited as the record cites it.
        self.store_solution(&input.validate()?, &input, Some(lead.id), Some(project_id), Some(actor)).await
    }

    /// A solution.
    pub async fn get_solution(&self, id: i64) -> Result<SolutionRecord> {
        let row = sqlx::query("SELECT * FROM solutions WHERE id = $1")
            .bind(id)
            .fetch_optional(&self.pool)
            .await?
            .ok_or(StoreError::NotFound { entity: "solution", id: id.to_string() })?;
        solution_record(&row)
    }

    /// Every solution, newest first.
    pub async fn list_solutions(&self) -> Result<Vec<SolutionRecord>> {
        let rows = sqlx::query("SELECT * FROM solutions ORDER BY id DESC").fetch_all(&self.pool).await?;
        rows.iter().map(solution_record).collect()
    }

    /// Records an intention (意向) between an open demand and a solution, once per pair; the
    /// demand's first engagement starts its matching (对接中).
    pub async fn record_engagement(
        &self,
        demand_id: i64,
        solution_id: i64,
        channel: Channel,
        note: &str,
        actor: i64,
    ) -> Result<Engagement> {
        let demand = self.get_demand(demand_id).await?;
        self.get_solution(solution_id).await?;
        if !demand.state.is_open() {
            return Err(StoreError::refused(format!(
                "需求{}，不再对接 / a demand that is {} takes no engagements",
                demand.state.label_zh(),
                demand.state.as_str()
            )));
        }
        let mut tx = self.begin_write().await?;
        let exists: Option<i64> =
            sqlx::query_scalar("SELECT id FROM engagements WHERE demand_id = $1 AND solution_id = $2")
                .bind(demand_id)
                .bind(solution_id)
                .fetch_optional(&mut *tx)
                .await?;
        if exists.is_some() {
            return Err(StoreError::Conflict {
                field: "solution_id".into(),
                message: "该需求与方案已有对接记录 / this demand and solution are already engaged".into(),
            });
        }
        let now = now_text();
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO engagements (demand_id, solution_id, stage, channel, note, recorded_by, created_at, updated_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $7) RETURNING id",
        )
        .bind(demand_id)
        .bind(solution_id)
        .bind(EngagementStage::Intention.as_str())
        .bind(channel.as_str())
        .bind(note.trim())
        .bind(actor)
        .bind(&now)
        .fetch_one(&mut *tx)
        .await?;
        step(&mut tx, id, EngagementStage::Intention, actor).await?;
        if demand.state == DemandState::Collecting {
            move_demand(&mut tx, demand_id, DemandState::Collecting, DemandState::Matching).await?;
        }
        audit::append(
            &mut tx,
            self.backend,
            Some(actor),
            "engagement.create",
            &format!("engagement:{id}"),
            serde_json::json!({"demand": demand_id, "solution": solution_id, "channel": channel.as_str()}),
        )
        .await?;
        tx.commit().await?;
        self.get_engagement(id).await
    }

    /// Moves an engagement one stage on (a signed one with its amount and date); signing signs
    /// the demand.
    pub async fn advance_engagement(
        &self,
        id: i64,
        stage: EngagementStage,
        amount_wan: Option<f64>,
        signed_on: Option<Day>,
        actor: i64,
    ) -> Result<Engagement> {
        let current = self.get_engagement(id).await?;
        let next = current.stage.advance(stage, amount_wan, signed_on)?;
        let demand = self.get_demand(current.demand_id).await?;
        let mut tx = self.begin_write().await?;
        let updated = sqlx::query("UPDATE engagements SET stage = $2, updated_at = $4 WHERE id = $1 AND stage = $3")
            .bind(id)
            .bind(next.as_str())
            .bind(current.stage.as_str())
            .bind(now_text())
            .execute(&mut *tx)
            .await?
            .rows_affected();
        if updated == 0 {
            return Err(StoreError::refused("对接记录已被他人更新，请刷新 / the engagement changed meanwhile; reload"));
        }
        if next == EngagementStage::Signed {
            // Set apart: the Any driver cannot bind a typed NULL for a float on PostgreSQL.
            sqlx::query("UPDATE engagements SET amount_wan = $2, signed_on = $3 WHERE id = $1")
                .bind(id)
                .bind(amount_wan.unwrap_or_default())
                .bind(signed_on.map(|d| d.to_string()))
                .execute(&mut *tx)
                .await?;
            if demand.state.is_open() {
                move_demand(&mut tx, demand.id, demand.state, DemandState::Signed).await?;
            }
        }
        step(&mut tx, id, next, actor).await?;
        audit::append(
            &mut tx,
            self.backend,
            Some(actor),
            "engagement.advance",
            &format!("engagement:{id}"),
            serde_json::json!({"from": current.stage.as_str(), "to": next.as_str(), "amount_wan": amount_wan}),
        )
        .await?;
        tx.commit().await?;
        self.get_engagement(id).await
    }

    /// An engagement.
    pub async fn get_engagement(&self, id: i64) -> Result<Engagement> {
        let row = sqlx::query("SELECT * FROM engagements WHERE id = $1")
            .bind(id)
            .fetch_optional(&self.pool)
            .await?
            .ok_or(StoreError::NotFound { entity: "engagement", id: id.to_string() })?;
        engagement(&row)
    }

    /// Every engagement, oldest first.
    pub async fn list_engagements(&self) -> Result<Vec<Engagement>> {
        let rows = sqlx::query("SELECT * FROM engagements ORDER BY id").fetch_all(&self.pool).await?;
        rows.iter().map(engagement).collect()
    }
}

async fn move_demand(
    tx: &mut sqlx::Transaction<'static, sqlx::Any>,
    id: i64,
    from: DemandState,
    to: DemandState,
) -> Result<()> {
    let moved = sqlx::query("UPDATE demands SET state = $2, updated_at = $4 WHERE id = $1 AND state = $3")
        .bind(id)
        .bind(to.as_str())
        .bind(from.as_str())
        .bind(now_text())
        .execute(&mut **tx)
        .await?
        .rows_affected();
    if moved == 0 {
        return Err(StoreError::refused("需求状态已被他人更新，请刷新 / the demand changed meanwhile; reload"));
    }
    Ok(())
}

async fn step(
    tx: &mut sqlx::Transaction<'static, sqlx::Any>,
    engagement: i64,
    stage: EngagementStage,
    actor: i64,
) -> Result<()> {
    sqlx::query("INSERT INTO engagement_steps (engagement_id, stage, taken_by, taken_at) VALUES ($1, $2, $3, $4)")
        .bind(engagement)
        .bind(stage.as_str())
        .bind(actor)
        .bind(now_text())
        .execute(&mut **tx)
        .await?;
    Ok(())
}
