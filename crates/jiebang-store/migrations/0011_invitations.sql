-- A unit not yet on the platform is invited to a consortium by e-mail: its contact gets an
-- account whose invitation link sets a password, and the mail says who invites it to what.
ALTER TABLE account_links ADD COLUMN mail_note TEXT NOT NULL DEFAULT '';
