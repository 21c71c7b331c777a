//! The organization register.

use jiebang_core::industry::IndustryCode;
use jiebang_core::organization::{NewOrganization, OrgKind};
use serde::Serialize;

use crate::columns::{CommaList, record};
use crate::error::is_unique_violation;
use crate::{Page, PageRequest, Result, Store, StoreError, audit, now_text};

/// A registered organization.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, sqlx::FromRow)]
pub struct Organization {
    /// Id.
    pub id: i64,
    /// Name.
    pub name: String,
    /// Unified social credit code.
    pub credit_code: String,
    /// Kind.
    #[sqlx(try_from = "String")]
    pub kind: OrgKind,
    /// GB/T 2260 code.
    pub region_code: String,
    /// GB/T 4754 division codes.
    #[sqlx(try_from = "CommaList")]
    pub industries: Vec<String>,
    /// Created.
    pub created_at: String,
    /// Who registered it, if a user did.
    pub created_by: Option<i64>,
    /// When an admin or the region's recommender confirmed it is the unit it claims to be;
    /// `None` while it waits (its registrant has no applicant rights until then).
    pub verified_at: Option<String>,
}

/// Organizations one user may have waiting for verification at once.
pub const PENDING_PER_USER: i64 = 3;

/// A name as compared for duplicates: no spaces (half- or full-width), full-width brackets as
/// half-width. [`NAME_KEY_SQL`] is the same rule in SQL.
fn name_key(name: &str) -> String {
    name.chars()
        .filter(|c| !matches!(c, ' ' | '\u{3000}'))
        .map(|c| match c {
            '（' => '(',
            '）' => ')',
            c => c,
        })
        .collect()
}

/// [`name_key`] of the `name` column, the same in SQLite and PostgreSQL.
const NAME_KEY_SQL: &str = "REPLACE(REPLACE(REPLACE(REPLACE(name, ' ', ''), '\u{3000}', ''), '（', '('), '）', ')')";

impl Store {
    /// Registers an organization as verified (an admin, an import, the demo); a credit code or
    /// a name already registered is a conflict.
    pub async fn create_organization(&self, org: &NewOrganization, created_by: Option<i64>) -> Result<Organization> {
        self.insert_organization(org, created_by, true).await
    }

    /// Registers an organization for a signed-in user (单位注册): it waits, unverified, until an
    /// admin or its region's recommender verifies it ([`Store::verify_organization`]), and only
    /// then does the user become its applicant. At most [`PENDING_PER_USER`] wait per user.
    pub async fn register_organization(&self, org: &NewOrganization, user_id: i64) -> Result<Organization> {
        let (pending,): (i64,) =
            sqlx::query_as("SELECT COUNT(*) FROM organizations WHERE created_by = $1 AND verified_at IS NULL")
                .bind(user_id)
                .fetch_one(&self.pool)
                .await?;
        if pending >= PENDING_PER_USER {
            return Err(StoreError::refused(format!(
                "已有 {pending} 个单位等待核验，核验后再登记新的单位 / {pending} of your organizations are waiting for verification; register more once they are verified"
            )));
        }
        self.insert_organization(org, Some(user_id), false).await
    }

    /// Verifies a waiting organization and makes its registrant its applicant, in one
    /// transaction with the audit event. Verifying twice is a refusal.
    pub async fn verify_organization(&self, id: i64, actor: i64) -> Result<Organization> {
        let org = self.get_organization(id).await?;
        let mut tx = self.begin_write().await?;
        let at = now_text();
        let done = sqlx::query(
            "UPDATE organizations SET verified_at = $1, verified_by = $2 WHERE id = $3 AND verified_at IS NULL",
        )
        .bind(&at)
        .bind(actor)
        .bind(id)
        .execute(&mut *tx)
        .await?;
        if done.rows_affected() == 0 {
            return Err(StoreError::refused(format!("单位 {id} 已核验 / organization {id} is already verified")));
        }
        if let Some(user) = org.created_by {
            sqlx::query("INSERT INTO grants (user_id, role, scope_kind, scope_id) VALUES ($1, 'applicant', 'organization', $2) ON CONFLICT DO NOTHING")
                .bind(user)
                .bind(id.to_string())
                .execute(&mut *tx)
                .await?;
        }
        audit::append(
            &mut tx,
            self.backend,
            Some(actor),
            "organization.verify",
            &format!("organization:{id}"),
            serde_json::json!({"registrant": org.created_by}),
        )
        .await?;
        tx.commit().await?;
        Ok(Organization { verified_at: Some(at), ..org })
    }

    async fn insert_organization(
        &self,
        org: &NewOrganization,
        created_by: Option<i64>,
        verified: bool,
    ) -> Result<Organization> {
        let code = org.credit_code.as_str();
        let industries = org.industries.iter().map(IndustryCode::code).collect::<Vec<_>>().join(",");
        let mut tx = self.begin_write().await?;
        let same_name: Option<i64> = sqlx::query_scalar(sqlx::AssertSqlSafe(format!(
            "SELECT id FROM organizations WHERE {NAME_KEY_SQL} = $1 LIMIT 1"
        )))
        .bind(name_key(&org.name))
        .fetch_optional(&mut *tx)
        .await?;
        if let Some(other) = same_name {
            return Err(StoreError::Conflict {
                field: "name".into(),
                message: format!("已有同名单位（{other}）/ an organization of this name is registered ({other})"),
            });
        }
        let verified_at = verified.then(now_text);
        let row = sqlx::query(
            "INSERT INTO organizations (name, credit_code, kind, region_code, industries, created_by, created_at, verified_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING *",
        )
        .bind(&org.name)
        .bind(code)
        .bind(org.kind.as_str())
        .bind(org.region.code())
        .bind(industries)
        .bind(created_by)
        .bind(now_text())
        .bind(verified_at)
        .fetch_one(&mut *tx)
        .await
        .map_err(|e| {
            if is_unique_violation(&e) {
                StoreError::Conflict {
                    field: "credit_code".into(),
                    message: format!("统一社会信用代码 {code} 已登记 / credit code {code} is already registered"),
                }
            } else {
                e.into()
            }
        })?;
        let created = record::<Organization>(&row)?;
        audit::append(
            &mut tx,
            self.backend,
            created_by,
            "organization.create",
            &format!("organization:{}", created.id),
            serde_json::json!({"name": created.name, "credit_code": code}),
        )
        .await?;
        tx.commit().await?;
        Ok(created)
    }

    /// The organizations with these ids, in one query per 500 — for lists that show many.
    pub async fn organizations_by_id(&self, ids: &[i64]) -> Result<std::collections::HashMap<i64, Organization>> {
        let mut ids = ids.to_vec();
        ids.sort_unstable();
        ids.dedup();
        let rows = self.rows_with_ids("SELECT * FROM organizations WHERE id IN ({ids})", &ids).await?;
        rows.iter().map(|row| record::<Organization>(row).map(|organization| (organization.id, organization))).collect()
    }

    /// One organization.
    pub async fn get_organization(&self, id: i64) -> Result<Organization> {
        let row = sqlx::query("SELECT * FROM organizations WHERE id = $1")
            .bind(id)
            .fetch_optional(&self.pool)
            .await?
            .ok_or_else(|| StoreError::not_found("organization", id))?;
        record::<Organization>(&row)
    }

    /// Organizations by name, optionally filtered by a name fragment or credit code.
    pub async fn list_organizations(&self, query: Option<&str>, page: PageRequest) -> Result<Page<Organization>> {
        let (limit, offset) = page.limit_offset();
        let pattern = query.map(|q| format!("%{}%", q.trim().replace(['%', '_'], "")));
        let rows = sqlx::query("SELECT * FROM organizations WHERE ($1 IS NULL OR name LIKE $1 OR credit_code LIKE $1) ORDER BY name, id LIMIT $2 OFFSET $3")
            .bind(pattern.clone())
            .bind(limit)
            .bind(offset)
            .fetch_all(&self.pool)
            .await?;
        let total: i64 = sqlx::query_scalar(
            "SELECT COUNT(*) FROM organizations WHERE ($1 IS NULL OR name LIKE $1 OR credit_code LIKE $1)",
        )
        .bind(pattern)
        .fetch_one(&self.pool)
        .await?;
        Ok(Page {
            items: rows.iter().map(record::<Organization>).collect::<Result<_>>()?,
            total,
            page: page.page,
            per_page: limit as u32,
        })
    }
}
