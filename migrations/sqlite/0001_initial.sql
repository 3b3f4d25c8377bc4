-- authwalk schema, SQLite flavour. Same tables and rules as migrations/postgres/0001_initial.sql.
-- Differences: UUIDs are stored as lower-case hyphenated TEXT, timestamps as RFC 3339 TEXT (UTC),
-- JSON as TEXT, bytes as BLOB. Forward-only: never edit a migration once merged.

CREATE TABLE tenants (
    tenant_id        TEXT PRIMARY KEY CHECK (length(tenant_id) = 36),
    display_name     TEXT,
    cloud            TEXT NOT NULL CHECK (cloud IN ('public', 'usgov', 'china')),
    region_scope     TEXT,
    region_sub_scope TEXT,
    created_at       TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    updated_at       TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
);

CREATE TABLE assets (
    sha256       TEXT NOT NULL CHECK (length(sha256) = 64),
    format       TEXT NOT NULL CHECK (format IN ('png', 'webp')),
    content_type TEXT NOT NULL,
    width        INTEGER NOT NULL CHECK (width > 0),
    height       INTEGER NOT NULL CHECK (height > 0),
    byte_size    INTEGER NOT NULL CHECK (byte_size >= 0),
    bytes        BLOB NOT NULL,
    created_at   TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    PRIMARY KEY (sha256, format)
);

-- "unreachable" is never stored; federation is per domain (see the Postgres file).
CREATE TABLE domains (
    domain               TEXT PRIMARY KEY,
    status               TEXT NOT NULL CHECK (status IN ('entra', 'not_entra')),
    tenant_id            TEXT REFERENCES tenants (tenant_id) ON DELETE CASCADE,
    namespace_type       TEXT NOT NULL DEFAULT 'unknown'
                         CHECK (namespace_type IN ('managed', 'federated', 'unknown')),
    federation_idp_host  TEXT,
    federation_protocol  TEXT,
    signals              TEXT NOT NULL DEFAULT '{}' CHECK (json_valid(signals)),
    website_logo_sha256  TEXT,
    website_logo_source  TEXT,
    resolved_at          TEXT NOT NULL,
    created_at           TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    CHECK ((status = 'entra') = (tenant_id IS NOT NULL))
);
CREATE INDEX domains_tenant_id ON domains (tenant_id);

CREATE TABLE brandings (
    tenant_id                 TEXT NOT NULL REFERENCES tenants (tenant_id) ON DELETE CASCADE,
    locale                    INTEGER NOT NULL DEFAULT 0,
    banner_logo_url           TEXT,
    square_logo_url           TEXT,
    square_logo_dark_url      TEXT,
    illustration_url          TEXT,
    banner_logo_sha256        TEXT,
    square_logo_sha256        TEXT,
    square_logo_dark_sha256   TEXT,
    illustration_sha256       TEXT,
    background_color          TEXT,
    sign_in_text              TEXT,
    username_hint             TEXT,
    fetched_at                TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    PRIMARY KEY (tenant_id, locale)
);

CREATE TABLE tenant_settings (
    tenant_id            TEXT PRIMARY KEY REFERENCES tenants (tenant_id) ON DELETE CASCADE,
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
    version              INTEGER NOT NULL DEFAULT 1,
    updated_at           TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
);

CREATE TABLE verified_domains (
    domain           TEXT PRIMARY KEY,
    tenant_id        TEXT NOT NULL REFERENCES tenants (tenant_id) ON DELETE CASCADE,
    method           TEXT NOT NULL CHECK (method IN ('dns_txt', 'admin_link')),
    verified_at      TEXT NOT NULL,
    last_checked_at  TEXT NOT NULL
);
CREATE INDEX verified_domains_tenant_id ON verified_domains (tenant_id);

CREATE TABLE admin_challenges (
    token_sha256  TEXT PRIMARY KEY CHECK (length(token_sha256) = 64),
    domain        TEXT NOT NULL,
    kind          TEXT NOT NULL CHECK (kind IN ('dns_txt', 'admin_link')),
    expires_at    TEXT NOT NULL,
    used_at       TEXT,
    created_at    TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
);
CREATE INDEX admin_challenges_domain ON admin_challenges (domain);

CREATE TABLE admin_sessions (
    id_sha256     TEXT PRIMARY KEY CHECK (length(id_sha256) = 64),
    tenant_id     TEXT NOT NULL REFERENCES tenants (tenant_id) ON DELETE CASCADE,
    domain        TEXT NOT NULL,
    csrf_token    TEXT NOT NULL,
    created_at    TEXT NOT NULL,
    last_seen_at  TEXT NOT NULL,
    expires_at    TEXT NOT NULL
);
CREATE INDEX admin_sessions_expires_at ON admin_sessions (expires_at);

CREATE TABLE adoption_daily (
    tenant_id  TEXT NOT NULL REFERENCES tenants (tenant_id) ON DELETE CASCADE,
    day        TEXT NOT NULL CHECK (length(day) = 10),   -- YYYY-MM-DD
    metric     TEXT NOT NULL,
    dimension  TEXT NOT NULL DEFAULT '',
    count      INTEGER NOT NULL DEFAULT 0 CHECK (count >= 0),
    PRIMARY KEY (tenant_id, day, metric, dimension)
);
