-- Admin trust: rights follow proof.
--
-- Proving control of a domain used to give its whole tenant, parent domains included. Now each
-- verified_domains row is a grant: rights over that domain and its subdomains, never its parent,
-- recorded with how it was proven. A domain unrelated to the tenant's existing grants (a sibling)
-- waits, `pending`, until an existing admin approves it (method `approval`, `approved_by` names
-- the approving admin's domain). `entra_role` is reserved for signing in with an Entra admin role.
ALTER TABLE verified_domains DROP CONSTRAINT verified_domains_method_check;
ALTER TABLE verified_domains ADD CONSTRAINT verified_domains_method_check
    CHECK (method IN ('dns_txt', 'admin_link', 'approval', 'entra_role'));
ALTER TABLE verified_domains
    ADD COLUMN status TEXT NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'pending')),
    ADD COLUMN approved_by TEXT,
    ADD COLUMN approved_at TIMESTAMPTZ,
    ADD CONSTRAINT verified_domains_approval_check
        CHECK ((method = 'approval') = (approved_by IS NOT NULL));

-- Settings belong to a scope: a verified domain whose pages, and its subdomains' pages, they
-- shape (a page reads the nearest scope that covers its domain). A tenant's existing settings
-- move to its first verified domain, where its short link already led.
ALTER TABLE tenant_settings ADD COLUMN scope TEXT;
UPDATE tenant_settings s SET scope = (
    SELECT v.domain FROM verified_domains v WHERE v.tenant_id = s.tenant_id
    ORDER BY v.verified_at, v.domain LIMIT 1);
DELETE FROM tenant_settings WHERE scope IS NULL;
ALTER TABLE tenant_settings ALTER COLUMN scope SET NOT NULL;
ALTER TABLE tenant_settings DROP CONSTRAINT tenant_settings_pkey;
ALTER TABLE tenant_settings ADD PRIMARY KEY (tenant_id, scope);
-- `version` is unique across all rows, so a page rendered from one scope's settings is never
-- mistaken for one rendered from another scope's at the same number.
CREATE SEQUENCE tenant_settings_version;
SELECT setval('tenant_settings_version',
              COALESCE((SELECT MAX(version) FROM tenant_settings), 0) + 1, false);
ALTER TABLE tenant_settings ALTER COLUMN version SET DEFAULT nextval('tenant_settings_version');

-- A DNS challenge belongs to the browser that asked for it, as ACME binds a token to an account
-- key: the SHA-256 of a random secret kept in that browser's cookie. NULL for admin links.
ALTER TABLE admin_challenges ADD COLUMN browser_sha256 TEXT
    CHECK (browser_sha256 IS NULL OR length(browser_sha256) = 64);
CREATE INDEX admin_challenges_browser ON admin_challenges (domain, browser_sha256);
CREATE INDEX admin_challenges_expires_at ON admin_challenges (expires_at);

-- Sessions: a public id other admins may name to revoke one (never the id's hash), and how the
-- session signed in.
ALTER TABLE admin_sessions ADD COLUMN public_id TEXT;
UPDATE admin_sessions SET public_id = md5(random()::text || id_sha256);
ALTER TABLE admin_sessions ALTER COLUMN public_id SET NOT NULL;
CREATE UNIQUE INDEX admin_sessions_public_id ON admin_sessions (public_id);
ALTER TABLE admin_sessions ADD COLUMN sign_in_method TEXT NOT NULL DEFAULT 'dns_txt'
    CHECK (sign_in_method IN ('dns_txt', 'admin_link', 'entra_role'));
CREATE INDEX admin_sessions_tenant_id ON admin_sessions (tenant_id);
