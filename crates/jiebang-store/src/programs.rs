//! Programs (批次) and their challenge lists (榜单), with indicators.

use std::collections::HashMap;

use jiebang_core::challenge::{Challenge, TaskClass};
use jiebang_core::indicator::{Comparison, Indicator, IndicatorExpr, MetricKey, Weighting};
use jiebang_core::industry::IndustryCode;
use jiebang_core::program::{ProgramInput, ProgramStatus, Rules, Timeline};
use jiebang_core::region::RegionCode;
use jiebang_core::role::{Grant, Principal, Role, Scope};
use serde::Serialize;
use sqlx::any::AnyRow;
use sqlx::{Any, Row, Transaction};

use crate::columns::{Flag, JsonText, record};
use crate::error::is_unique_violation;
use crate::{Page, PageRequest, Result, Store, StoreError, StoredFile, audit, now_text};

/// A stored program.
#[derive(Debug, Clone, PartialEq, Serialize, sqlx::FromRow)]
pub struct Program {
    /// Id.
    pub id: i64,
    /// Title.
    pub title: String,
    /// 发榜方.
    pub issuer: String,
    /// Year.
    #[sqlx(try_from = "i64")]
    pub year: i32,
    /// Notice text.
    pub description: String,
    /// Rules.
    #[sqlx(try_from = "JsonText<Rules>")]
    pub rules: Rules,
    /// Key dates.
    #[sqlx(try_from = "JsonText<Timeline>")]
    pub timeline: Timeline,
    /// Lifecycle state.
    #[sqlx(try_from = "String")]
    pub status: ProgramStatus,
    /// Loaded by `serve --demo`; pages mark it as demo data.
    #[sqlx(try_from = "Flag")]
    pub is_demo: bool,
    /// Number of challenges on its list.
    pub challenge_count: i64,
    /// Created.
    pub created_at: String,
    /// Last changed.
    pub updated_at: String,
}

/// A stored challenge.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ChallengeRecord {
    /// Id.
    pub id: i64,
    /// The program whose list it is on.
    pub program_id: i64,
    /// Order on the list (序号), from 1.
    pub position: i64,
    /// The challenge itself.
    #[serde(flatten)]
    pub challenge: Challenge,
    /// When it was taken off the list (撤榜); it then takes no applications or submissions.
    pub archived_at: Option<String>,
    /// Why it was taken off.
    pub archive_reason: String,
    /// Created.
    pub created_at: String,
    /// Last changed.
    pub updated_at: String,
}

/// A challenge as a list of links names it: what pages that only point at challenges read,
/// without their industries and indicators.
#[derive(Debug, Clone, Serialize)]
pub struct ChallengeHeading {
    /// Id.
    pub id: i64,
    /// Task number (任务编号).
    pub code: String,
    /// Title.
    pub title: String,
    /// How many winners it selects.
    pub winners: u32,
    /// Taken off the list (撤榜).
    pub archived: bool,
}

/// Filters for a program's list; all optional and combined with AND.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ChallengeFilter {
    /// GB/T 4754 division code.
    pub industry: Option<IndustryCode>,
    /// GB/T 2260 code; a city or province includes the divisions under it.
    pub region: Option<RegionCode>,
    /// Exact 揭榜方向.
    pub direction: Option<String>,
    /// Text in the code, title or scenario.
    pub text: Option<String>,
}

const PROGRAM_COLUMNS: &str = "p.*, (SELECT COUNT(*) FROM challenges c WHERE c.program_id = p.id) AS challenge_count";

fn indicator_from_row(row: &AnyRow) -> Result<Indicator> {
    let metric: String = row.try_get("metric")?;
    let op: String = row.try_get("op")?;
    let hard: i64 = row.try_get("hard")?;
    let weight: f64 = row.try_get("weight")?;
    Ok(Indicator {
        name: row.try_get("name")?,
        expr: IndicatorExpr {
            metric: MetricKey::parse(&metric).map_err(StoreError::corrupt)?,
            op: Comparison::parse(&op).ok_or_else(|| StoreError::corrupt(format!("indicator op {op}")))?,
            threshold: row.try_get("threshold")?,
        },
        unit: row.try_get("unit")?,
        test_method: row.try_get("test_method")?,
        weighting: if hard != 0 { Weighting::Hard } else { Weighting::Scored { weight } },
    })
}

/// Builds records from challenge rows plus all industry and indicator rows that may belong to them.
fn hydrate(rows: &[AnyRow], industry_rows: &[AnyRow], indicator_rows: &[AnyRow]) -> Result<Vec<ChallengeRecord>> {
    let mut industries: HashMap<i64, Vec<IndustryCode>> = HashMap::new();
    for row in industry_rows {
        let code: String = row.try_get("industry_code")?;
        industries
            .entry(row.try_get("challenge_id")?)
            .or_default()
            .push(IndustryCode::parse(&code).map_err(StoreError::corrupt)?);
    }
    let mut indicators: HashMap<i64, Vec<Indicator>> = HashMap::new();
    for row in indicator_rows {
        indicators.entry(row.try_get("challenge_id")?).or_default().push(indicator_from_row(row)?);
    }
    rows.iter()
        .map(|row| {
            let id: i64 = row.try_get("id")?;
            let task_class: String = row.try_get("task_class")?;
            let region: Option<String> = row.try_get("region_code")?;
            let period: i64 = row.try_get("period_months")?;
            let winners: i64 = row.try_get("winners")?;
            let mut industry_codes = industries.remove(&id).unwrap_or_default();
            industry_codes.sort_by_key(|c| c.code());
            Ok(ChallengeRecord {
                id,
                program_id: row.try_get("program_id")?,
                position: row.try_get("position")?,
                challenge: Challenge {
                    code: row.try_get("code")?,
                    title: row.try_get("title")?,
                    direction: row.try_get("direction")?,
                    sub_field: row.try_get("sub_field")?,
                    task_class: TaskClass::parse("task_class", &task_class).map_err(StoreError::corrupt)?,
                    industries: industry_codes,
                    region: region.map(|r| RegionCode::parse(&r)).transpose().map_err(StoreError::corrupt)?,
                    scenario: row.try_get("scenario")?,
                    background: row.try_get("background")?,
                    objectives: row.try_get("objectives")?,
                    indicators: indicators.remove(&id).unwrap_or_default(),
                    deliverables: row.try_get("deliverables")?,
                    period_months: period as u32,
                    support: row.try_get("support")?,
                    winners: winners as u32,
                },
                archived_at: row.try_get("archived_at")?,
                archive_reason: row.try_get("archive_reason")?,
                created_at: row.try_get("created_at")?,
                updated_at: row.try_get("updated_at")?,
            })
        })
        .collect()
}

fn duplicate_code(code: &str) -> StoreError {
    StoreError::Conflict {
        field: "code".into(),
        message: format!("任务编号 {code} 在本批次中已存在 / task number {code} already exists in this program"),
    }
}

/// Writes a challenge's industries and indicators (after deleting any old ones).
async fn write_children(tx: &mut Transaction<'static, Any>, challenge_id: i64, challenge: &Challenge) -> Result<()> {
    sqlx::query("DELETE FROM challenge_industries WHERE challenge_id = $1")
        .bind(challenge_id)
        .execute(&mut **tx)
        .await?;
    sqlx::query("DELETE FROM indicators WHERE challenge_id = $1").bind(challenge_id).execute(&mut **tx).await?;
    for industry in &challenge.industries {
        sqlx::query("INSERT INTO challenge_industries (challenge_id, industry_code) VALUES ($1, $2)")
            .bind(challenge_id)
            .bind(industry.code())
            .execute(&mut **tx)
            .await?;
    }
    for (position, indicator) in challenge.indicators.iter().enumerate() {
        let (hard, weight) = match indicator.weighting {
            // Not NULL for hard ones: sqlx's Any driver mis-encodes a NULL float for PostgreSQL.
            Weighting::Hard => (1_i64, 0.0),
            Weighting::Scored { weight } => (0, weight),
        };
        sqlx::query("INSERT INTO indicators (challenge_id, position, name, metric, op, threshold, unit, test_method, hard, weight) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)")
            .bind(challenge_id)
            .bind(position as i64)
            .bind(&indicator.name)
            .bind(indicator.expr.metric.as_str())
            .bind(indicator.expr.op.symbol())
            .bind(indicator.expr.threshold)
            .bind(&indicator.unit)
            .bind(&indicator.test_method)
            .bind(hard)
            .bind(weight)
            .execute(&mut **tx)
            .await?;
    }
    Ok(())
}

/// A challenge's own columns, in the order [`bind_challenge`] binds them (insert and update
/// share both, so a new column is added in one place).
const CHALLENGE_COLUMNS: [&str; 13] = [
    "code",
    "title",
    "direction",
    "sub_field",
    "task_class",
    "region_code",
    "scenario",
    "background",
    "objectives",
    "deliverables",
    "period_months",
    "support",
    "winners",
];

/// Binds a challenge's [`CHALLENGE_COLUMNS`] to the query's next placeholders.
fn bind_challenge<'q>(
    query: sqlx::query::Query<'q, Any, sqlx::any::AnyArguments>,
    challenge: &Challenge,
) -> sqlx::query::Query<'q, Any, sqlx::any::AnyArguments> {
    query
        .bind(challenge.code.clone())
        .bind(challenge.title.clone())
        .bind(challenge.direction.clone())
        .bind(challenge.sub_field.clone())
        .bind(challenge.task_class.as_str())
        .bind(challenge.region.map(|r| r.code()))
        .bind(challenge.scenario.clone())
        .bind(challenge.background.clone())
        .bind(challenge.objectives.clone())
        .bind(challenge.deliverables.clone())
        .bind(i64::from(challenge.period_months))
        .bind(challenge.support.clone())
        .bind(i64::from(challenge.winners))
}

pub(crate) async fn insert_challenge(
    tx: &mut Transaction<'static, Any>,
    program_id: i64,
    challenge: &Challenge,
) -> Result<i64> {
    let position: i64 =
        sqlx::query_scalar("SELECT COALESCE(MAX(position), 0) + 1 FROM challenges WHERE program_id = $1")
            .bind(program_id)
            .fetch_one(&mut **tx)
            .await?;
    let now = now_text();
    let n = CHALLENGE_COLUMNS.len();
    let sql = format!(
        "INSERT INTO challenges (program_id, position, {}, created_at, updated_at) VALUES ($1, $2, {}, ${}, ${}) RETURNING id",
        CHALLENGE_COLUMNS.join(", "),
        crate::placeholders(3, n),
        n + 3,
        n + 4
    );
    let query = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(program_id).bind(position);
    let row = bind_challenge(query, challenge)
        .bind(now.clone())
        .bind(now)
        .fetch_one(&mut **tx)
        .await
        .map_err(|e| if is_unique_violation(&e) { duplicate_code(&challenge.code) } else { e.into() })?;
    let id: i64 = row.try_get("id")?;
    write_children(tx, id, challenge).await?;
    Ok(id)
}

impl Store {
    /// Creates a program in draft; its creator becomes its organizer.
    pub async fn create_program(&self, input: ProgramInput, creator: Option<i64>, is_demo: bool) -> Result<Program> {
        let input = input.validate()?;
        let now = now_text();
        let mut tx = self.begin_write().await?;
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO programs (title, issuer, year, description, rules, timeline, status, is_demo, created_by, created_at, updated_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) RETURNING id",
        )
        .bind(&input.title)
        .bind(&input.issuer)
        .bind(i64::from(input.year))
        .bind(&input.description)
        .bind(serde_json::to_string(&input.rules).map_err(StoreError::corrupt)?)
        .bind(serde_json::to_string(&input.timeline).map_err(StoreError::corrupt)?)
        .bind(ProgramStatus::Draft.as_str())
        .bind(i64::from(is_demo))
        .bind(creator)
        .bind(&now)
        .bind(&now)
        .fetch_one(&mut *tx)
        .await?;
        if let Some(user_id) = creator {
            sqlx::query("INSERT INTO grants (user_id, role, scope_kind, scope_id) VALUES ($1, $2, 'program', $3)")
                .bind(user_id)
                .bind(Role::Organizer.as_str())
                .bind(id.to_string())
                .execute(&mut *tx)
                .await?;
        }
        audit::append(
            &mut tx,
            self.backend,
            creator,
            "program.create",
            &format!("program:{id}"),
            serde_json::json!({"title": input.title}),
        )
        .await?;
        tx.commit().await?;
        self.get_program(id).await
    }

    /// Replaces a program's title, issuer, year, description, rules and timeline.
    pub async fn update_program(&self, id: i64, input: ProgramInput, actor: Option<i64>) -> Result<Program> {
        let input = input.validate()?;
        let mut tx = self.begin_write().await?;
        let done = sqlx::query("UPDATE programs SET title = $1, issuer = $2, year = $3, description = $4, rules = $5, timeline = $6, updated_at = $7 WHERE id = $8")
            .bind(&input.title)
            .bind(&input.issuer)
            .bind(i64::from(input.year))
            .bind(&input.description)
            .bind(serde_json::to_string(&input.rules).map_err(StoreError::corrupt)?)
            .bind(serde_json::to_string(&input.timeline).map_err(StoreError::corrupt)?)
            .bind(now_text())
            .bind(id)
            .execute(&mut *tx)
            .await?;
        if done.rows_affected() == 0 {
            return Err(StoreError::not_found("program", id));
        }
        audit::append(
            &mut tx,
            self.backend,
            actor,
            "program.update",
            &format!("program:{id}"),
            serde_json::to_value(&input).unwrap_or_default(),
        )
        .await?;
        tx.commit().await?;
        self.get_program(id).await
    }

    /// One program.
    pub async fn get_program(&self, id: i64) -> Result<Program> {
        let row = sqlx::query(sqlx::AssertSqlSafe(format!("SELECT {PROGRAM_COLUMNS} FROM programs p WHERE p.id = $1")))
            .bind(id)
            .fetch_optional(&self.pool)
            .await?
            .ok_or_else(|| StoreError::not_found("program", id))?;
        record::<Program>(&row)
    }

    /// Programs the viewer may see, newest year first: everything public, plus drafts of programs
    /// the viewer manages.
    pub async fn list_programs(&self, viewer: Option<&Principal>) -> Result<Vec<Program>> {
        let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {PROGRAM_COLUMNS} FROM programs p ORDER BY p.year DESC, p.id DESC"
        )))
        .fetch_all(&self.pool)
        .await?;
        let programs = rows.iter().map(record::<Program>).collect::<Result<Vec<_>>>()?;
        Ok(programs
            .into_iter()
            .filter(|p| p.status.is_public() || viewer.is_some_and(|v| v.can_manage_program(p.id)))
            .collect())
    }

    /// Moves a program to `to` if its lifecycle allows it, recording who did it.
    pub async fn transition_program(&self, id: i64, to: ProgramStatus, actor: Option<i64>) -> Result<Program> {
        if matches!(to, ProgramStatus::Publicity | ProgramStatus::Announced) {
            return Err(StoreError::Refused(format!(
                "「{}」须通过发布公示或公告完成 / '{}' is reached by publishing the publicity or the announcement",
                to.label_zh(),
                to.as_str()
            )));
        }
        let mut tx = self.begin_write().await?;
        let status: String = sqlx::query_scalar("SELECT status FROM programs WHERE id = $1")
            .bind(id)
            .fetch_optional(&mut *tx)
            .await?
            .ok_or_else(|| StoreError::not_found("program", id))?;
        let from = ProgramStatus::parse("status", &status).map_err(StoreError::corrupt)?;
        if from == ProgramStatus::Publicity {
            return Err(StoreError::Refused(
                "公示期间只能通过异议处理返回评审 / during publicity only an upheld objection returns the program to review".into(),
            ));
        }
        crate::publicity::move_program(&mut tx, self.backend, id, from, to, actor).await?;
        tx.commit().await?;
        self.get_program(id).await
    }

    /// Adds a challenge at the end of a program's list.
    pub async fn create_challenge(
        &self,
        program_id: i64,
        challenge: &Challenge,
        actor: Option<i64>,
    ) -> Result<ChallengeRecord> {
        self.get_program(program_id).await?;
        let mut tx = self.begin_write().await?;
        let id = insert_challenge(&mut tx, program_id, challenge).await?;
        audit::append(
            &mut tx,
            self.backend,
            actor,
            "challenge.create",
            &format!("program:{program_id}"),
            serde_json::json!({"challenge_id": id, "code": challenge.code}),
        )
        .await?;
        tx.commit().await?;
        self.get_challenge(id).await
    }

    /// Adds many challenges in one transaction: all are stored or none. `source` is the stored
    /// spreadsheet they came from, kept with the program.
    pub async fn import_challenges(
        &self,
        program_id: i64,
        challenges: &[Challenge],
        actor: Option<i64>,
        source: Option<&StoredFile>,
    ) -> Result<Vec<ChallengeRecord>> {
        self.get_program(program_id).await?;
        let mut tx = self.begin_write().await?;
        for challenge in challenges {
            insert_challenge(&mut tx, program_id, challenge).await?;
        }
        if let Some(file) = source {
            sqlx::query("INSERT INTO import_files (program_id, file_id, imported_at) VALUES ($1, $2, $3)")
                .bind(program_id)
                .bind(file.id)
                .bind(now_text())
                .execute(&mut *tx)
                .await?;
        }
        let source = source.map(|f| format!("file:{} {} sha256:{}", f.id, f.name, f.sha256));
        audit::append(
            &mut tx,
            self.backend,
            actor,
            "challenge.import",
            &format!("program:{program_id}"),
            serde_json::json!({"count": challenges.len(), "source": source}),
        )
        .await?;
        tx.commit().await?;
        self.all_challenges(program_id).await
    }

    /// Replaces a challenge's content, keeping its id and position.
    pub async fn update_challenge(
        &self,
        id: i64,
        challenge: &Challenge,
        actor: Option<i64>,
    ) -> Result<ChallengeRecord> {
        let existing = self.get_challenge(id).await?;
        let mut tx = self.begin_write().await?;
        let assignments: Vec<String> =
            CHALLENGE_COLUMNS.iter().enumerate().map(|(i, column)| format!("{column} = ${}", i + 1)).collect();
        let n = CHALLENGE_COLUMNS.len();
        let sql =
            format!("UPDATE challenges SET {}, updated_at = ${} WHERE id = ${}", assignments.join(", "), n + 1, n + 2);
        bind_challenge(sqlx::query(sqlx::AssertSqlSafe(sql)), challenge)
            .bind(now_text())
            .bind(id)
            .execute(&mut *tx)
            .await
            .map_err(|e| if is_unique_violation(&e) { duplicate_code(&challenge.code) } else { e.into() })?;
        write_children(&mut tx, id, challenge).await?;
        audit::append(
            &mut tx,
            self.backend,
            actor,
            "challenge.update",
            &format!("program:{}", existing.program_id),
            serde_json::json!({"challenge_id": id, "code": challenge.code}),
        )
        .await?;
        tx.commit().await?;
        self.get_challenge(id).await
    }

    /// Removes a challenge from its list.
    pub async fn delete_challenge(&self, id: i64, actor: Option<i64>) -> Result<()> {
        let existing = self.get_challenge(id).await?;
        let mut tx = self.begin_write().await?;
        // Deleting would cascade through datasets, phases, submissions and signed evaluations:
        // once the list is out or anyone has acted on the challenge, it stays.
        let status: String = sqlx::query_scalar("SELECT status FROM programs WHERE id = $1")
            .bind(existing.program_id)
            .fetch_one(&mut *tx)
            .await?;
        let (applications, submissions): (i64, i64) = sqlx::query_as(
            "SELECT (SELECT COUNT(*) FROM applications WHERE challenge_id = $1), \
                    (SELECT COUNT(*) FROM submissions s JOIN phases p ON p.id = s.phase_id WHERE p.challenge_id = $1)",
        )
        .bind(id)
        .fetch_one(&mut *tx)
        .await?;
        if status != "draft" || applications > 0 || submissions > 0 {
            return Err(StoreError::refused(format!(
                "榜单已发布或已有申报、提交（{applications} 份申报，{submissions} 次提交），不能删除该任务，请改为撤榜 / the list is published or the challenge has applications or submissions ({applications} and {submissions}): it cannot be deleted; archive it instead (撤榜)"
            )));
        }
        sqlx::query("DELETE FROM challenges WHERE id = $1").bind(id).execute(&mut *tx).await?;
        audit::append(
            &mut tx,
            self.backend,
            actor,
            "challenge.delete",
            &format!("program:{}", existing.program_id),
            serde_json::json!({"challenge_id": id, "code": existing.challenge.code}),
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Takes a challenge off a published list (撤榜): it stays on the list, marked, with its
    /// applications, submissions and signed reports, and takes no new applications or
    /// submissions. For a challenge that cannot be deleted any more; needs a reason.
    pub async fn archive_challenge(&self, id: i64, reason: &str, actor: i64) -> Result<ChallengeRecord> {
        let reason = reason.trim();
        if reason.is_empty() {
            return Err(jiebang_core::Error::invalid("reason", "撤榜须写明理由 / archiving needs a reason").into());
        }
        let existing = self.get_challenge(id).await?;
        let mut tx = self.begin_write().await?;
        let done = sqlx::query(
            "UPDATE challenges SET archived_at = $1, archived_by = $2, archive_reason = $3, updated_at = $1 WHERE id = $4 AND archived_at IS NULL",
        )
        .bind(now_text())
        .bind(actor)
        .bind(reason)
        .bind(id)
        .execute(&mut *tx)
        .await?;
        if done.rows_affected() == 0 {
            return Err(StoreError::refused("该任务已撤榜 / the challenge is already archived"));
        }
        audit::append(
            &mut tx,
            self.backend,
            Some(actor),
            "challenge.archive",
            &format!("program:{}", existing.program_id),
            serde_json::json!({"challenge_id": id, "code": existing.challenge.code, "reason": reason}),
        )
        .await?;
        tx.commit().await?;
        self.get_challenge(id).await
    }

    /// One challenge.
    pub async fn get_challenge(&self, id: i64) -> Result<ChallengeRecord> {
        let rows = sqlx::query("SELECT * FROM challenges WHERE id = $1").bind(id).fetch_all(&self.pool).await?;
        if rows.is_empty() {
            return Err(StoreError::not_found("challenge", id));
        }
        let industries = sqlx::query("SELECT * FROM challenge_industries WHERE challenge_id = $1")
            .bind(id)
            .fetch_all(&self.pool)
            .await?;
        let indicators = sqlx::query("SELECT * FROM indicators WHERE challenge_id = $1 ORDER BY position")
            .bind(id)
            .fetch_all(&self.pool)
            .await?;
        Ok(hydrate(&rows, &industries, &indicators)?.remove(0))
    }

    /// A program's list in list order, filtered.
    pub async fn list_challenges(
        &self,
        program_id: i64,
        filter: &ChallengeFilter,
        page: PageRequest,
    ) -> Result<Page<ChallengeRecord>> {
        let (limit, offset) = page.limit_offset();
        let region = filter.region.map(|r| format!("{}%", jiebang_core::region::prefix(r.code())));
        let text = filter
            .text
            .as_deref()
            .map(str::trim)
            .filter(|t| !t.is_empty())
            .map(|t| format!("%{}%", t.replace(['%', '_'], "")));
        const WHERE: &str = "c.program_id = $1 \
            AND ($2 IS NULL OR EXISTS (SELECT 1 FROM challenge_industries ci WHERE ci.challenge_id = c.id AND ci.industry_code = $2)) \
            AND ($3 IS NULL OR c.region_code LIKE $3) \
            AND ($4 IS NULL OR c.direction = $4) \
            AND ($5 IS NULL OR c.code LIKE $5 OR c.title LIKE $5 OR c.scenario LIKE $5)";
        let bind = |sql: String| {
            sqlx::query(sqlx::AssertSqlSafe(sql))
                .bind(program_id)
                .bind(filter.industry.map(|i| i.code()))
                .bind(region.clone())
                .bind(filter.direction.clone())
                .bind(text.clone())
        };
        let rows =
            bind(format!("SELECT c.* FROM challenges c WHERE {WHERE} ORDER BY c.position, c.id LIMIT $6 OFFSET $7"))
                .bind(limit)
                .bind(offset)
                .fetch_all(&self.pool)
                .await?;
        let total: i64 = bind(format!("SELECT COUNT(*) AS n FROM challenges c WHERE {WHERE}"))
            .fetch_one(&self.pool)
            .await?
            .try_get("n")?;
        let industries = sqlx::query("SELECT ci.* FROM challenge_industries ci JOIN challenges c ON c.id = ci.challenge_id WHERE c.program_id = $1")
            .bind(program_id)
            .fetch_all(&self.pool)
            .await?;
        let indicators = sqlx::query("SELECT i.* FROM indicators i JOIN challenges c ON c.id = i.challenge_id WHERE c.program_id = $1 ORDER BY i.challenge_id, i.position")
            .bind(program_id)
            .fetch_all(&self.pool)
            .await?;
        Ok(Page { items: hydrate(&rows, &industries, &indicators)?, total, page: page.page, per_page: limit as u32 })
    }

    /// A program's whole list, in list order (for exports and statistics).
    pub async fn all_challenges(&self, program_id: i64) -> Result<Vec<ChallengeRecord>> {
        let mut all = Vec::new();
        let mut page = PageRequest { page: 1, per_page: 200 };
        loop {
            let batch = self.list_challenges(program_id, &ChallengeFilter::default(), page).await?;
            let done = batch.items.is_empty() || all.len() + batch.items.len() >= batch.total as usize;
            all.extend(batch.items);
            if done {
                return Ok(all);
            }
            page.page += 1;
        }
    }

    /// A program's challenges in list order, as headings (one query).
    pub async fn challenge_headings(&self, program_id: i64) -> Result<Vec<ChallengeHeading>> {
        let rows = sqlx::query(
            "SELECT id, code, title, winners, archived_at FROM challenges WHERE program_id = $1 ORDER BY position, id",
        )
        .bind(program_id)
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|row| {
                Ok(ChallengeHeading {
                    id: row.try_get("id")?,
                    code: row.try_get("code")?,
                    title: row.try_get("title")?,
                    winners: u32::try_from(row.try_get::<i64, _>("winners")?).unwrap_or(0),
                    archived: row.try_get::<Option<String>, _>("archived_at")?.is_some(),
                })
            })
            .collect()
    }

    /// The distinct directions on a program's list, for filters.
    pub async fn list_directions(&self, program_id: i64) -> Result<Vec<String>> {
        Ok(sqlx::query_scalar("SELECT DISTINCT direction FROM challenges WHERE program_id = $1 ORDER BY direction")
            .bind(program_id)
            .fetch_all(&self.pool)
            .await?)
    }

    /// Task numbers already used in a program.
    pub async fn challenge_codes(&self, program_id: i64) -> Result<Vec<String>> {
        Ok(sqlx::query_scalar("SELECT code FROM challenges WHERE program_id = $1")
            .bind(program_id)
            .fetch_all(&self.pool)
            .await?)
    }

    /// Grants a user the organizer role for one program.
    pub async fn add_program_organizer(&self, program_id: i64, user_id: i64) -> Result<()> {
        self.get_program(program_id).await?;
        self.add_grant(user_id, &Grant { role: Role::Organizer, scope: Scope::Program(program_id) }).await
    }
}
