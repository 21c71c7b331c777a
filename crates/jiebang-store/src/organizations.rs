//! The organization register.

use jiebang_core::industry::IndustryCode;
use jiebang_core::organization::{NewOrganization, OrgKind};
use serde::Serialize;

use crate::columns::{CommaList, record};
use crate::error::is_unique_violation;
use crate::notifications::{Audience, notify};
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
    /// 联系人, or "".
    pub contact_name: String,
    /// 联系电话, or "".
    pub contact_phone: String,
    /// The licence (营业执照 / 法人证书) the registrant attached.
    pub licence_file_id: Option<i64>,
    /// When a verifier turned the registration down; its credit code and name are free again.
    pub rejected_at: Option<String>,
    /// Why, as the registrant reads it.
    pub rejected_reason: String,
    /// The unit's administrator: its verified registrant, who invites colleagues.
    pub admin_user_id: Option<i64>,
}

/// A registration's outcome as its registrant and verifiers see it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Standing {
    /// Waiting for a verifier.
    Waiting,
    /// Verified.
    Verified,
    /// Turned down, with a reason.
    Rejected,
}

impl Organization {
    /// Waiting for a verifier: neither verified nor rejected.
    pub fn is_waiting(&self) -> bool {
        self.standing() == Standing::Waiting
    }

    /// Where the registration stands.
    pub fn standing(&self) -> Standing {
        match (&self.verified_at, &self.rejected_at) {
            (Some(_), _) => Standing::Verified,
            (None, Some(_)) => Standing::Rejected,
            (None, None) => Standing::Waiting,
        }
    }
}

/// Consortium invitations one user may send a day.
pub const CONSORTIUM_INVITES_PER_DAY: i64 = 20;

/// Largest licence scan accepted.
pub const MAX_LICENCE_BYTES: u64 = 10 << 20;

/// A licence scan's kind by its first bytes: PDF, PNG or JPEG, or `None`.
pub fn licence_kind(head: &[u8]) -> Option<&'static str> {
    if head.starts_with(b"%PDF-") {
        Some("application/pdf")
    } else if head.starts_with(b"\x89PNG\r\n\x1a\n") {
        Some("image/png")
    } else if head.starts_with(&[0xFF, 0xD8, 0xFF]) {
        Some("image/jpeg")
    } else {
        None
    }
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
        self.insert_organization(org, created_by, true, None).await
    }

    /// Registers an organization for a signed-in user (单位注册): it waits, unverified, until an
    /// admin or its region's recommender verifies it ([`Store::verify_organization`]), and only
    /// then does the user become its applicant. At most [`PENDING_PER_USER`] wait per user.
    pub async fn register_organization(
        &self,
        org: &NewOrganization,
        user_id: i64,
        licence: Option<&crate::StoredFile>,
    ) -> Result<Organization> {
        let (pending,): (i64,) = sqlx::query_as(
            "SELECT COUNT(*) FROM organizations WHERE created_by = $1 AND verified_at IS NULL AND rejected_at IS NULL",
        )
        .bind(user_id)
        .fetch_one(&self.pool)
        .await?;
        if pending >= PENDING_PER_USER {
            return Err(StoreError::refused(format!(
                "已有 {pending} 个单位等待核验，核验后再登记新的单位 / {pending} of your organizations are waiting for verification; register more once they are verified"
            )));
        }
        self.insert_organization(org, Some(user_id), false, licence.map(|f| f.id)).await
    }

    /// Verifies a waiting organization and makes its registrant its applicant, in one
    /// transaction with the audit event. Verifying twice is a refusal.
    pub async fn verify_organization(&self, id: i64, actor: i64) -> Result<Organization> {
        let org = self.get_organization(id).await?;
        let mut tx = self.begin_write().await?;
        let at = now_text();
        let done = sqlx::query(
            "UPDATE organizations SET verified_at = $1, verified_by = $2, admin_user_id = created_by WHERE id = $3 AND verified_at IS NULL AND rejected_at IS NULL",
        )
        .bind(&at)
        .bind(actor)
        .bind(id)
        .execute(&mut *tx)
        .await?;
        if done.rows_affected() == 0 {
            return Err(already_decided(&org));
        }
        if let Some(user) = org.created_by {
            grant_applicant(&mut tx, user, id).await?;
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
        if let Some(user) = org.created_by {
            let title = format!("单位已核验：{0} / Unit verified: {0}", org.name);
            let body = "您现在可以代表本单位揭榜申报，并在单位页面邀请同事加入。 / You can now apply for the unit and invite colleagues from its page.";
            notify(
                &mut tx,
                Audience::Users(&[user]),
                "organization.verified",
                &title,
                body,
                &format!("/organizations/{id}"),
            )
            .await?;
        }
        tx.commit().await?;
        Ok(Organization { verified_at: Some(at), admin_user_id: org.created_by, ..org })
    }

    /// Turns a waiting registration down with a reason its registrant reads; its credit code
    /// and name are free for a corrected registration.
    pub async fn reject_organization(&self, id: i64, actor: i64, reason: &str) -> Result<Organization> {
        let reason = jiebang_core::error::required_text("reason", reason, 500).map_err(jiebang_core::Error::from)?;
        let org = self.get_organization(id).await?;
        let mut tx = self.begin_write().await?;
        let at = now_text();
        let done = sqlx::query(
            "UPDATE organizations SET rejected_at = $1, rejected_reason = $2 WHERE id = $3 AND verified_at IS NULL AND rejected_at IS NULL",
        )
        .bind(&at)
        .bind(&reason)
        .bind(id)
        .execute(&mut *tx)
        .await?;
        if done.rows_affected() == 0 {
            return Err(already_decided(&org));
        }
        let details = serde_json::json!({"reason": reason, "registrant": org.created_by});
        audit::append(
            &mut tx,
            self.backend,
            Some(actor),
            "organization.reject",
            &format!("organization:{id}"),
            details,
        )
        .await?;
        if let Some(user) = org.created_by {
            let title = format!("单位登记未通过：{0} / Unit registration turned down: {0}", org.name);
            notify(&mut tx, Audience::Users(&[user]), "organization.rejected", &title, &reason, "/organizations")
                .await?;
        }
        tx.commit().await?;
        Ok(Organization { rejected_at: Some(at), rejected_reason: reason, ..org })
    }

    async fn insert_organization(
        &self,
        org: &NewOrganization,
        created_by: Option<i64>,
        verified: bool,
        licence: Option<i64>,
    ) -> Result<Organization> {
        let code = org.credit_code.as_str();
        let industries = org.industries.iter().map(IndustryCode::code).collect::<Vec<_>>().join(",");
        let mut tx = self.begin_write().await?;
        // A registration turned down holds neither its code nor its name.
        sqlx::query(sqlx::AssertSqlSafe(format!(
            "DELETE FROM organizations WHERE rejected_at IS NOT NULL AND (credit_code = $1 OR {NAME_KEY_SQL} = $2)"
        )))
        .bind(code)
        .bind(name_key(&org.name))
        .execute(&mut *tx)
        .await?;
        let same_name: Option<i64> = sqlx::query_scalar(sqlx::AssertSqlSafe(format!(
            "SELECT id FROM organizations WHERE {NAME_KEY_SQL} = $1 LIMIT 1"
        )))
        .bind(name_key(&org.name))
        .fetch_optional(&mut *tx)
        .await?;
        if let Some(other) = same_name {
            drop(tx);
            return Err(StoreError::Conflict { field: "name".into(), message: self.who_to_contact(other).await? });
        }
        let verified_at = verified.then(now_text);
        let row = sqlx::query(
            "INSERT INTO organizations (name, credit_code, kind, region_code, industries, created_by, created_at, verified_at, contact_name, contact_phone, licence_file_id) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) RETURNING *",
        )
        .bind(&org.name)
        .bind(code)
        .bind(org.kind.as_str())
        .bind(org.region.code())
        .bind(industries)
        .bind(created_by)
        .bind(now_text())
        .bind(verified_at)
        .bind(&org.contact_name)
        .bind(&org.contact_phone)
        .bind(licence)
        .fetch_one(&mut *tx)
        .await;
        let row = match row {
            Err(e) if is_unique_violation(&e) => {
                drop(tx);
                let other: i64 = sqlx::query_scalar("SELECT id FROM organizations WHERE credit_code = $1")
                    .bind(code)
                    .fetch_one(&self.pool)
                    .await?;
                return Err(StoreError::Conflict {
                    field: "credit_code".into(),
                    message: self.who_to_contact(other).await?,
                });
            }
            row => row?,
        };
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

    /// Why a unit cannot be registered again, and whom to ask: its administrator invites
    /// colleagues; a unit registered by someone else is a matter for the platform's admins.
    async fn who_to_contact(&self, existing: i64) -> Result<String> {
        let org = self.get_organization(existing).await?;
        let admin = match org.admin_user_id {
            Some(user) => self.user_names(&[user]).await?.remove(&user),
            None => None,
        };
        Ok(match admin {
            Some(name) => format!(
                "「{0}」已在平台登记，单位管理员为{1}：请联系其在单位页面邀请您加入；如认为登记有误，请联系平台管理员 / {0} is registered, and {1} administers it: ask them to invite you from the unit's page; if the registration is wrong, contact the platform's administrators",
                org.name, name
            ),
            None if org.is_waiting() => format!(
                "「{0}」已有人登记，正在等待核验：如非本单位人员所为，请联系平台管理员 / {0} is registered and waiting for verification: if nobody of the unit did it, contact the platform's administrators",
                org.name
            ),
            None => format!(
                "「{0}」已在平台登记：请联系平台管理员将您加入该单位 / {0} is registered: ask the platform's administrators to add you to it",
                org.name
            ),
        })
    }

    /// Makes `user` the administrator of a verified unit and one of its members (the demo; an
    /// operator handing a unit over).
    pub async fn set_unit_admin(&self, id: i64, user: i64, actor: Option<i64>) -> Result<()> {
        let mut tx = self.begin_write().await?;
        let done = sqlx::query("UPDATE organizations SET admin_user_id = $1 WHERE id = $2 AND verified_at IS NOT NULL")
            .bind(user)
            .bind(id)
            .execute(&mut *tx)
            .await?;
        if done.rows_affected() == 0 {
            return Err(StoreError::refused("单位尚未核验 / the unit is not verified"));
        }
        grant_applicant(&mut tx, user, id).await?;
        let target = format!("organization:{id}");
        audit::append(&mut tx, self.backend, actor, "organization.admin", &target, serde_json::json!({"user": user}))
            .await?;
        tx.commit().await?;
        Ok(())
    }

    /// The people who act for a unit (its applicant role), by name.
    pub async fn organization_members(&self, id: i64) -> Result<Vec<crate::User>> {
        let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {} FROM users u JOIN grants g ON g.user_id = u.id \
             WHERE g.role = 'applicant' AND g.scope_kind = 'organization' AND g.scope_id = $1 ORDER BY u.name, u.id",
            crate::accounts::USER_COLUMNS
        )))
        .bind(id.to_string())
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(record::<crate::User>).collect()
    }

    /// The unit administrator invites a colleague to act for the unit: an account of that
    /// address gets the applicant role at once; for a new address an account is made that
    /// works once its owner sets a password through the invitation link (returned, to mail).
    pub async fn invite_member(
        &self,
        organization_id: i64,
        actor: i64,
        email: &str,
        name: &str,
        mail: bool,
    ) -> Result<Option<crate::AccountLink>> {
        let org = self.get_organization(organization_id).await?;
        if org.verified_at.is_none() {
            return Err(StoreError::refused(
                "单位核验后才能邀请同事 / colleagues are invited once the unit is verified",
            ));
        }
        let email = crate::accounts::normalise_email(email).map_err(jiebang_core::Error::from)?;
        let existing = self.find_user_by_email(&email).await?;
        let name = match &existing {
            Some(user) => user.name.clone(),
            None => jiebang_core::error::required_text("name", name, 100).map_err(jiebang_core::Error::from)?,
        };
        let mut tx = self.begin_write().await?;
        let (user, link) = match existing {
            Some(user) => (user, None),
            None => {
                let link = crate::signup::invited_account(&mut tx, &email, &name, mail, "").await?;
                (link.user.clone(), Some(link))
            }
        };
        grant_applicant(&mut tx, user.id, organization_id).await?;
        let details = serde_json::json!({"user": user.id, "email": user.email, "new_account": link.is_some()});
        let target = format!("organization:{organization_id}");
        audit::append(&mut tx, self.backend, Some(actor), "organization.invite", &target, details).await?;
        if link.is_none() {
            let title = format!("您已加入单位：{0} / You now act for {0}", org.name);
            let body = "您现在可以代表本单位揭榜申报。 / You can now apply for the unit.";
            notify(
                &mut tx,
                Audience::Users(&[user.id]),
                "organization.member",
                &title,
                body,
                &format!("/organizations/{organization_id}"),
            )
            .await?;
        }
        tx.commit().await?;
        Ok(link)
    }

    /// A lead unit invites a unit not yet on the platform to its consortium, by the e-mail of
    /// someone there. An address with an account is told in its inbox; a new address gets an
    /// account whose invitation link (returned, to mail) sets its password, and the mail names
    /// the lead unit, the project and the challenge. At most [`CONSORTIUM_INVITES_PER_DAY`] a
    /// day per inviter.
    pub async fn invite_to_consortium(
        &self,
        application_id: i64,
        actor: i64,
        email: &str,
        unit_name: &str,
        mail: bool,
    ) -> Result<Option<crate::AccountLink>> {
        let application = self.get_application(application_id).await?;
        let mut problems = Vec::new();
        let email = crate::accounts::normalise_email(email).map_err(|e| problems.push(e)).unwrap_or_default();
        let unit_name = jiebang_core::error::required_text("unit_name", unit_name, 100)
            .map_err(|e| problems.push(e))
            .unwrap_or_default();
        if !problems.is_empty() {
            return Err(jiebang_core::Error::Invalid(problems).into());
        }
        let key = format!("consortium-invite:{actor}");
        self.count_attempt(&[(&key, CONSORTIUM_INVITES_PER_DAY)], 24 * 3600 * 1000, "邀请", "invitations").await?;
        let note = format!(
            "「{lead}」邀请贵单位「{unit_name}」作为联合单位，参与揭榜申报《{project}》（{challenge} {title}）。请设置密码后登记单位；单位核验后，牵头单位即可将贵单位列入联合体，贵单位在申报页面确认参加。\n\n{lead} invites {unit_name} to join its consortium applying with \"{project}\" ({challenge}). Set a password, then register your unit; once it is verified the lead unit adds it, and you confirm on the application's page.",
            lead = application.lead_organization_name,
            project = application.input.project_name,
            challenge = application.challenge_code,
            title = application.challenge_title,
        );
        let existing = self.find_user_by_email(&email).await?;
        let mut tx = self.begin_write().await?;
        let link = match &existing {
            Some(user) => {
                let title =
                    format!("联合申报邀请：{0} / Invitation to a consortium: {0}", application.input.project_name);
                notify(
                    &mut tx,
                    Audience::Users(&[user.id]),
                    "application.invite",
                    &title,
                    &note,
                    &format!("/applications/{application_id}"),
                )
                .await?;
                None
            }
            None => Some(crate::signup::invited_account(&mut tx, &email, &unit_name, mail, &note).await?),
        };
        let details = serde_json::json!({"email": email, "unit": unit_name, "new_account": link.is_some()});
        let target = format!("application:{application_id}");
        audit::append(&mut tx, self.backend, Some(actor), "application.invite_unit", &target, details).await?;
        tx.commit().await?;
        Ok(link)
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

/// The refusal of a second decision on a registration.
fn already_decided(org: &Organization) -> StoreError {
    StoreError::refused(format!("「{0}」已核验或已退回 / {0} is already verified or turned down", org.name))
}

/// Lets `user` act for the unit (the applicant role in its scope); granting twice is harmless.
async fn grant_applicant(tx: &mut sqlx::Transaction<'static, sqlx::Any>, user: i64, organization: i64) -> Result<()> {
    sqlx::query(
        "INSERT INTO grants (user_id, role, scope_kind, scope_id) VALUES ($1, 'applicant', 'organization', $2) ON CONFLICT DO NOTHING",
    )
    .bind(user)
    .bind(organization.to_string())
    .execute(&mut **tx)
    .await?;
    Ok(())
}
