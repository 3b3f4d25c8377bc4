-- Admin trust: rights follow proof (see the Postgres file for the reasoning of each change).
-- SQLite cannot change a CHECK constraint or a primary key in place, so verified_domains and
-- tenant_settings are rebuilt under their old names; nothing references either table.

-- Each row is a grant: rights over `domain` and its subdomains, never its parent.
CREATE TABLE verified_domains_rebuilt (
    domain           TEXT PRIMARY KEY,
    tenant_id        TEXT NOT NULL REFERENCES tenants (tenant_id) ON DELETE CASCADE,
    method           TEXT NOT NULL
                     CHECK (method IN ('dns_txt', 'admin_link', 'approval', 'entra_role')),
    status           TEXT NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'pending')),
    verified_at      TEXT NOT NULL,
    last_checked_at  TEXT NOT NULL,
    approved_by      TEXT,
    approved_at      TEXT,
    CHECK ((method = 'approval') = (approved_by IS NOT NULL))
);
INSERT INTO verified_domains_rebuilt (domain, tenant_id, method, status, verified_at, last_checked_at)
    SELECT domain, tenant_id, method, 'active', verified_at, last_checked_at FROM verified_domains;
DROP TABLE verified_domains;
ALTER TABLE verified_domains_rebuilt RENAME TO verified_domains;
CREATE INDEX verified_domains_tenant_id ON verified_domains (tenant_id);

-- Settings per scope: a verified domain whose pages, and its subdomains' pages, they shape.
-- `version` is unique across all rows (every write takes the largest plus one).
CREATE TABLE tenant_settings_rebuilt (
    tenant_id            TEXT NOT NULL REFERENCES tenants (tenant_id) ON DELETE CASCADE,
    scope                TEXT NOT NULL,
    logo_sha256          TEXT,
    pending_logo_sha256  TEXT,
    brand_color          TEXT CHECK (brand_color IS NULL OR (length(brand_color) = 7
                                     AND brand_color GLOB '#[0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f]')),
    passkey_policy       TEXT NOT NULL DEFAULT 'authenticator_only'
                         CHECK (passkey_policy IN ('authenticator_only', 'synced_allowed')),
    helpdesk_email       TEXT,
    helpdesk_phone       TEXT,
    helpdesk_url         TEXT,
    intro_message        TEXT CHECK (intro_message IS NULL OR length(intro_message) <= 500),
    short_slug           TEXT UNIQUE,
    version              INTEGER NOT NULL,
    updated_at           TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    PRIMARY KEY (tenant_id, scope)
);
INSERT INTO tenant_settings_rebuilt (tenant_id, scope, logo_sha256, pending_logo_sha256,
        brand_color, passkey_policy, helpdesk_email, helpdesk_phone, helpdesk_url, intro_message,
        short_slug, version, updated_at)
    SELECT s.tenant_id,
           (SELECT v.domain FROM verified_domains v WHERE v.tenant_id = s.tenant_id
            ORDER BY v.verified_at, v.domain LIMIT 1),
           s.logo_sha256, s.pending_logo_sha256, s.brand_color, s.passkey_policy,
           s.helpdesk_email, s.helpdesk_phone, s.helpdesk_url, s.intro_message, s.short_slug,
           s.version, s.updated_at
    FROM tenant_settings s
    WHERE EXISTS (SELECT 1 FROM verified_domains v WHERE v.tenant_id = s.tenant_id);
DROP TABLE tenant_settings;
ALTER TABLE tenant_settings_rebuilt RENAME TO tenant_settings;

-- A DNS challenge belongs to the browser that asked for it (SHA-256 of that browser's secret).
ALTER TABLE admin_challenges ADD COLUMN browser_sha256 TEXT
    CHECK (browser_sha256 IS NULL OR length(browser_sha256) = 64);
CREATE INDEX admin_challenges_browser ON admin_challenges (domain, browser_sha256);
CREATE INDEX admin_challenges_expires_at ON admin_challenges (expires_at);

-- Sessions: a public id other admins may name to revoke one, and how it signed in.
ALTER TABLE admin_sessions ADD COLUMN public_id TEXT NOT NULL DEFAULT '';
UPDATE admin_sessions SET public_id = lower(hex(randomblob(16)));
CREATE UNIQUE INDEX admin_sessions_public_id ON admin_sessions (public_id);
ALTER TABLE admin_sessions ADD COLUMN sign_in_method TEXT NOT NULL DEFAULT 'dns_txt'
    CHECK (sign_in_method IN ('dns_txt', 'admin_link', 'entra_role'));
CREATE INDEX admin_sessions_tenant_id ON admin_sessions (tenant_id);
