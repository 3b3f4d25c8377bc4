-- Removing an admin's access leaves a record (see the Postgres file for the reasoning).
CREATE TABLE admin_revocations (
    id                  INTEGER PRIMARY KEY AUTOINCREMENT,
    tenant_id           TEXT NOT NULL REFERENCES tenants (tenant_id) ON DELETE CASCADE,
    kind                TEXT NOT NULL CHECK (kind IN ('session', 'domain', 'refusal')),
    domain              TEXT NOT NULL,
    session_public_id   TEXT,
    revoked_by          TEXT NOT NULL,
    revoked_by_session  TEXT NOT NULL,
    revoked_at          TEXT NOT NULL,
    CHECK ((kind = 'session') = (session_public_id IS NOT NULL))
);
CREATE INDEX admin_revocations_tenant ON admin_revocations (tenant_id, revoked_at);

-- Settings versions come from one counter that only ever grows. MAX(version) + 1 went backwards
-- when the newest row was deleted, so a form loaded before a scope's settings were removed and
-- saved again could match the new row's version and overwrite it (Postgres uses a sequence).
CREATE TABLE tenant_settings_version (
    id    INTEGER PRIMARY KEY CHECK (id = 1),
    last  INTEGER NOT NULL
);
INSERT INTO tenant_settings_version (id, last)
    SELECT 1, COALESCE(MAX(version), 0) FROM tenant_settings;
