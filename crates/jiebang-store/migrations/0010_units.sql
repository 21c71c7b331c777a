-- 单位注册 completed: a contact, the licence (营业执照 / 法人证书) a verifier checks, the
-- outcome of a rejected registration with its reason, and the unit's administrator (its
-- verified registrant), who invites colleagues.
ALTER TABLE organizations ADD COLUMN contact_name TEXT NOT NULL DEFAULT '';
ALTER TABLE organizations ADD COLUMN contact_phone TEXT NOT NULL DEFAULT '';
ALTER TABLE organizations ADD COLUMN licence_file_id BIGINT REFERENCES files(id);
ALTER TABLE organizations ADD COLUMN rejected_at TEXT;
ALTER TABLE organizations ADD COLUMN rejected_reason TEXT NOT NULL DEFAULT '';
ALTER TABLE organizations ADD COLUMN admin_user_id BIGINT REFERENCES users(id);
UPDATE organizations SET admin_user_id = created_by
    WHERE verified_at IS NOT NULL AND created_by IS NOT NULL
      AND created_by IN (SELECT user_id FROM grants WHERE role = 'applicant'
          AND scope_kind = 'organization' AND scope_id = CAST(organizations.id AS TEXT));
