//! The organization register.

use jiebang_core::industry::IndustryCode;
use jiebang_core::organization::{NewOrganization, OrgKind};
use serde::Serialize;
use sqlx::Row;
use sqlx::any::AnyRow;

use crate::error::is_unique_violation;
use crate::{Page, PageRequest, Result, Store, StoreError, audit, now_text};

/// A registered organization.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Organization {
    /// Id.
    pub id: i64,
    /// Name.
    pub name: String,
    /// Unified social credit code.
    pub credit_code: String,
    /// Kind.
    pub kind: OrgKind,
    /// GB/T 2260 code.
    pub region_code: String,
    /// GB/T 4754 division codes.
    pub industries: Vec<String>,
    /// Created.
    pub created_at: String,
}

fn org_from_row(row: &AnyRow) -> Result<Organization> {
    let kind: String = row.try_get("kind")?;
    let industries: String = row.try_get("industries")?;
    Ok(Organization {
        id: row.try_get("id")?,
        name: row.try_get("name")?,
        credit_code: row.try_get("credit_code")?,
        kind: OrgKind::parse(&kind).map_err(StoreError::corrupt)?,
        region_code: row.try_get("region_code")?,
        industries: industries.split(',').filter(|s| !s.is_empty()).map(str::to_owned).collect(),
        created_at: row.try_get("created_at")?,
    })
}

impl Store {
    /// Registers an organization; a credit code already registered is a conflict.
    pub async fn create_organization(&self, org: &NewOrganization, created_by: Option<i64>) -> Result<Organization> {
        let code = org.credit_code.as_str();
        let industries = org.industries.iter().map(IndustryCode::code).collect::<Vec<_>>().join(",");
        let mut tx = self.begin_write().await?;
        let row = sqlx::query(
            "INSERT INTO organizations (name, credit_code, kind, region_code, industries, created_by, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING *",
        )
        .bind(&org.name)
        .bind(code)
        .bind(org.kind.as_str())
        .bind(org.region.code())
        .bind(industries)
        .bind(created_by)
        .bind(now_text())
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
        let created = org_from_row(&row)?;
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

    /// One organization.
    pub async fn get_organization(&self, id: i64) -> Result<Organization> {
        let row = sqlx::query("SELECT * FROM organizations WHERE id = $1")
            .bind(id)
            .fetch_optional(&self.pool)
            .await?
            .ok_or_else(|| StoreError::not_found("organization", id))?;
        org_from_row(&row)
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
            items: rows.iter().map(org_from_row).collect::<Result<_>>()?,
            total,
            page: page.page,
            per_page: limit as u32,
        })
    }
}
