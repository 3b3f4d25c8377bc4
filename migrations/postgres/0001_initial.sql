-- authwalk schema, Postgres flavour. The SQLite file beside this one holds the same tables.
-- Forward-only: never edit a migration once merged; add a new numbered file instead.

-- An Entra tenant, keyed by Microsoft's tenant id (one tenant owns many domains).
CREATE TABLE tenants (
    tenant_id        UUID PRIMARY KEY,
    -- FederationBrandName from the user-realm endpoint: the best public company name.
    display_name     TEXT,
    cloud            TEXT NOT NULL CHECK (cloud IN ('public', 'usgov', 'china')),
    -- tenant_region_scope (NA, EU, USGov, ...) and tenant_region_sub_scope (GCC, DODCON, DOD).
    region_scope     TEXT,
    region_sub_scope TEXT,
    created_at       TIMESTAMPTZ NOT NULL DEFAULT now(),
    updated_at       TIMESTAMPTZ NOT NULL DEFAULT now()
);

-- Content-addressed images we decoded and re-encoded ourselves. `sha256` names the image (hash of its
-- canonical PNG encoding); each format we serve it in is its own row.
CREATE TABLE assets (
    sha256       TEXT NOT NULL CHECK (length(sha256) = 64),
    format       TEXT NOT NULL CHECK (format IN ('png', 'webp')),
    content_type TEXT NOT NULL,
    width        INTEGER NOT NULL CHECK (width > 0),
    height       INTEGER NOT NULL CHECK (height > 0),
    byte_size    INTEGER NOT NULL CHECK (byte_size >= 0),
    bytes        BYTEA NOT NULL,
    created_at   TIMESTAMPTZ NOT NULL DEFAULT now(),
    PRIMARY KEY (sha256, format)
);

-- Every normalised domain we were asked about: an Entra tenant's domain or a remembered "not Entra".
-- "unreachable" is never stored: a failed lookup must not be remembered as an answer.
CREATE TABLE domains (
    domain               TEXT PRIMARY KEY,
    status               TEXT NOT NULL CHECK (status IN ('entra', 'not_entra')),
    tenant_id            UUID REFERENCES tenants (tenant_id) ON DELETE CASCADE,
    -- Managed or federated sign-in is a property of each verified domain in Entra, not of the tenant:
    -- one tenant may federate contoso.com and keep fabrikam.com managed.
    namespace_type       TEXT NOT NULL DEFAULT 'unknown'
                         CHECK (namespace_type IN ('managed', 'federated', 'unknown')),
    federation_idp_host  TEXT,
    federation_protocol  TEXT,
    -- DNS evidence of Microsoft 365 (MX, TXT, CNAMEs) as a JSON object of booleans.
    signals              JSONB NOT NULL DEFAULT '{}',
    -- Website fallback logo (when the tenant has no Entra branding logo).
    website_logo_sha256  TEXT,
    website_logo_source  TEXT,
    resolved_at          TIMESTAMPTZ NOT NULL,
    created_at           TIMESTAMPTZ NOT NULL DEFAULT now(),
    CHECK ((status = 'entra') = (tenant_id IS NOT NULL))
);
CREATE INDEX domains_tenant_id ON domains (tenant_id);

-- Company branding from GetCredentialType, per Windows LCID (0 = the default entry).
-- *_url are Microsoft CDN addresses we download from; *_sha256 are our re-encoded copies.
CREATE TABLE brandings (
    tenant_id                 UUID NOT NULL REFERENCES tenants (tenant_id) ON DELETE CASCADE,
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
    -- Sanitised plain text; Microsoft's BoilerPlateText is HTML and is never stored as such.
    sign_in_text              TEXT,
    username_hint             TEXT,
    fetched_at                TIMESTAMPTZ NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, locale)
);

-- What a tenant's admins chose. One row per tenant: every verified domain of a tenant shares it.
CREATE TABLE tenant_settings (
    tenant_id            UUID PRIMARY KEY REFERENCES tenants (tenant_id) ON DELETE CASCADE,
    logo_sha256          TEXT,            -- published upload
    pending_logo_sha256  TEXT,            -- uploaded, shown as a preview until published
    brand_color          TEXT CHECK (brand_color IS NULL OR brand_color ~ '^#[0-9a-f]{6}$'),
    passkey_policy       TEXT NOT NULL DEFAULT 'authenticator_only'
                         CHECK (passkey_policy IN ('authenticator_only', 'synced_allowed')),
    helpdesk_email       TEXT,
    helpdesk_phone       TEXT,
    helpdesk_url         TEXT,
    intro_message        TEXT CHECK (intro_message IS NULL OR char_length(intro_message) <= 500),
    short_slug           TEXT UNIQUE,
    -- Bumped on every change so other instances can tell a stale cache entry.
    version              BIGINT NOT NULL DEFAULT 1,
    updated_at           TIMESTAMPTZ NOT NULL DEFAULT now()
);

-- Domains an admin proved control of (DNS TXT or an operator's admin link).
CREATE TABLE verified_domains (
    domain           TEXT PRIMARY KEY,
    tenant_id        UUID NOT NULL REFERENCES tenants (tenant_id) ON DELETE CASCADE,
    method           TEXT NOT NULL CHECK (method IN ('dns_txt', 'admin_link')),
    verified_at      TIMESTAMPTZ NOT NULL,
    last_checked_at  TIMESTAMPTZ NOT NULL
);
CREATE INDEX verified_domains_tenant_id ON verified_domains (tenant_id);

-- Domain-control challenges and one-time admin links. Only the SHA-256 of the secret is stored.
CREATE TABLE admin_challenges (
    token_sha256  TEXT PRIMARY KEY CHECK (length(token_sha256) = 64),
    domain        TEXT NOT NULL,
    kind          TEXT NOT NULL CHECK (kind IN ('dns_txt', 'admin_link')),
    expires_at    TIMESTAMPTZ NOT NULL,
    used_at       TIMESTAMPTZ,
    created_at    TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE INDEX admin_challenges_domain ON admin_challenges (domain);

-- Server-side admin sessions; the cookie holds the random id, we keep only its hash.
CREATE TABLE admin_sessions (
    id_sha256     TEXT PRIMARY KEY CHECK (length(id_sha256) = 64),
    tenant_id     UUID NOT NULL REFERENCES tenants (tenant_id) ON DELETE CASCADE,
    domain        TEXT NOT NULL,
    csrf_token    TEXT NOT NULL,
    created_at    TIMESTAMPTZ NOT NULL,
    last_seen_at  TIMESTAMPTZ NOT NULL,
    expires_at    TIMESTAMPTZ NOT NULL  -- absolute expiry; idle expiry is judged from last_seen_at
);
CREATE INDEX admin_sessions_expires_at ON admin_sessions (expires_at);

-- Anonymous daily counters: no cookies, no IPs, no personal data. `metric` is what happened (view,
-- prereq_fail, troubleshoot_open, done); `dimension` refines it (device class, error key).
CREATE TABLE adoption_daily (
    tenant_id  UUID NOT NULL REFERENCES tenants (tenant_id) ON DELETE CASCADE,
    day        DATE NOT NULL,
    metric     TEXT NOT NULL,
    dimension  TEXT NOT NULL DEFAULT '',
    count      BIGINT NOT NULL DEFAULT 0 CHECK (count >= 0),
    PRIMARY KEY (tenant_id, day, metric, dimension)
);
