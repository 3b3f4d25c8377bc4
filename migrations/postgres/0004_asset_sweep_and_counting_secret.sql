-- Unreferenced images are deleted periodically, and counting tokens are signed with a shared secret.

-- When an image was last saved. The sweep (branding::collect) deletes an image only when no domain,
-- branding or tenant setting names it AND it was last saved long ago. Saving an image that already
-- exists refreshes this, so an image about to be referred to again (a resolution or an upload saves
-- the image first, then the row that names it) is never swept away in between. NULL: saved before
-- this column existed; created_at stands in.
ALTER TABLE assets ADD COLUMN saved_at TIMESTAMPTZ;

-- Secrets every instance of one deployment shares, made once by whichever instance starts first
-- (INSERT … ON CONFLICT DO NOTHING, then read back). `counting` signs the per-view tokens that
-- "Done" and troubleshooting events must carry, so a token minted by one instance is accepted by
-- all. Tokens themselves are never stored: each carries its own signature.
CREATE TABLE service_secrets (
    name        TEXT PRIMARY KEY,
    secret      BYTEA NOT NULL CHECK (length(secret) = 32),
    created_at  TIMESTAMPTZ NOT NULL DEFAULT now()
);
