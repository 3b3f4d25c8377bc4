-- Removing an admin's access leaves a record: who ended which session, removed which verified
-- domain or refused which request, and when. A removed domain (and every domain below it) is no
-- longer granted at once when proven again: it waits for an admin's approval, so removing a
-- rogue admin who still controls the domain's DNS is not undone by a fresh TXT record.
CREATE TABLE admin_revocations (
    id                  BIGSERIAL PRIMARY KEY,
    tenant_id           UUID NOT NULL REFERENCES tenants (tenant_id) ON DELETE CASCADE,
    kind                TEXT NOT NULL CHECK (kind IN ('session', 'domain', 'refusal')),
    -- The domain removed or refused, or the domain the ended session had signed in with.
    domain              TEXT NOT NULL,
    -- The public id of the ended session (kind 'session' only).
    session_public_id   TEXT,
    -- The acting admin: the domain they proved and their session's public id.
    revoked_by          TEXT NOT NULL,
    revoked_by_session  TEXT NOT NULL,
    revoked_at          TIMESTAMPTZ NOT NULL,
    CHECK ((kind = 'session') = (session_public_id IS NOT NULL))
);
CREATE INDEX admin_revocations_tenant ON admin_revocations (tenant_id, revoked_at);
