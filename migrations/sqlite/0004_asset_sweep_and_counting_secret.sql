-- Unreferenced images are swept, and counting tokens are signed (see the Postgres file).
-- saved_at is RFC 3339 text in UTC like created_at; NULL: saved before this column existed.
ALTER TABLE assets ADD COLUMN saved_at TEXT;

CREATE TABLE service_secrets (
    name        TEXT PRIMARY KEY,
    secret      BLOB NOT NULL CHECK (length(secret) = 32),
    created_at  TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
);
