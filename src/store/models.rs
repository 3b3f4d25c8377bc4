//! The store's row shapes: what SQL reads and writes, in types both backends decode alike.
//!
//! The product's vocabulary (`TenantProfile` and its parts) is in [`crate::profile`]; these are the
//! rows behind it and the admin records that only the store and `admin/` share.

use time::OffsetDateTime;
use uuid::Uuid;

use crate::profile::Branding;

/// A `brandings` row, decoded as both backends store it.
#[derive(Debug, sqlx::FromRow)]
pub(crate) struct BrandingRow {
    pub locale: i32,
    pub banner_logo_url: Option<String>,
    pub square_logo_url: Option<String>,
    pub square_logo_dark_url: Option<String>,
    pub illustration_url: Option<String>,
    pub background_color: Option<String>,
    pub sign_in_text: Option<String>,
    pub username_hint: Option<String>,
    pub banner_logo_sha256: Option<String>,
    pub square_logo_sha256: Option<String>,
    pub square_logo_dark_sha256: Option<String>,
    pub illustration_sha256: Option<String>,
}

impl From<BrandingRow> for Branding {
    fn from(row: BrandingRow) -> Self {
        Branding {
            locale: row.locale,
            banner_logo_url: row.banner_logo_url,
            square_logo_url: row.square_logo_url,
            square_logo_dark_url: row.square_logo_dark_url,
            illustration_url: row.illustration_url,
            background_color: row.background_color,
            sign_in_text: row.sign_in_text,
            username_hint: row.username_hint,
            banner_logo_sha256: row.banner_logo_sha256,
            square_logo_sha256: row.square_logo_sha256,
            square_logo_dark_sha256: row.square_logo_dark_sha256,
            illustration_sha256: row.illustration_sha256,
        }
    }
}

/// A `domains` row joined with its tenant, in types both backends decode alike.
#[derive(Debug, sqlx::FromRow)]
pub(crate) struct ProfileRow {
    pub status: String,
    pub tenant_id: Option<String>,
    pub namespace_type: String,
    pub federation_idp_host: Option<String>,
    pub federation_protocol: Option<String>,
    pub signals: String,
    pub website_logo_sha256: Option<String>,
    pub website_logo_source: Option<String>,
    pub brand_color: Option<String>,
    pub resolved_at: OffsetDateTime,
    pub display_name: Option<String>,
    pub cloud: Option<String>,
    pub region_scope: Option<String>,
    pub region_sub_scope: Option<String>,
}

/// A stored image in one format.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct StoredAsset {
    /// `image/png` or `image/webp`.
    pub content_type: String,
    /// Pixel width.
    pub width: i32,
    /// Pixel height.
    pub height: i32,
    /// The encoded bytes.
    pub bytes: Vec<u8>,
}

/// An image to store: its name, size, colour and every encoding we serve.
#[derive(Debug, Clone)]
pub struct NewAsset {
    /// SHA-256 (hex) of the PNG encoding.
    pub sha256: String,
    /// Pixel width.
    pub width: u32,
    /// Pixel height.
    pub height: u32,
    /// Dominant colour, `#RRGGBB`.
    pub dominant_color: Option<String>,
    /// The PNG encoding.
    pub png: Vec<u8>,
    /// The WebP encoding, when smaller.
    pub webp: Option<Vec<u8>>,
}

// --- admin ---

/// What a domain-control challenge or an admin link is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ChallengeKind {
    /// A DNS TXT record under `_authwalk-challenge.{domain}`.
    DnsTxt,
    /// A one-time sign-in link printed by `authwalk admin-link`.
    AdminLink,
}

impl ChallengeKind {
    /// The stored name (also `admin_sessions.sign_in_method`).
    pub fn as_str(self) -> &'static str {
        match self {
            ChallengeKind::DnsTxt => "dns_txt",
            ChallengeKind::AdminLink => "admin_link",
        }
    }

    /// Parse the stored name.
    pub fn from_stored(value: &str) -> Option<Self> {
        match value {
            "dns_txt" => Some(ChallengeKind::DnsTxt),
            "admin_link" => Some(ChallengeKind::AdminLink),
            _ => None,
        }
    }
}

/// A challenge or admin link to store (only the hash of its secret).
#[derive(Debug, Clone)]
pub struct NewChallenge {
    /// SHA-256 (hex) of the secret token.
    pub token_sha256: String,
    /// The normalised domain it proves.
    pub domain: String,
    /// DNS record or admin link.
    pub kind: ChallengeKind,
    /// When it stops working.
    pub expires_at: OffsetDateTime,
    /// SHA-256 (hex) of the secret of the browser that asked for it (DNS challenges only).
    pub browser_sha256: Option<String>,
}

/// A stored challenge or admin link.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredChallenge {
    /// The normalised domain it proves.
    pub domain: String,
    /// DNS record or admin link.
    pub kind: ChallengeKind,
    /// When it stops working.
    pub expires_at: OffsetDateTime,
    /// When it was used, if it was.
    pub used_at: Option<OffsetDateTime>,
    /// SHA-256 (hex) of the secret of the browser it belongs to (DNS challenges).
    pub browser_sha256: Option<String>,
}

/// An `admin_challenges` row in types both backends decode alike.
#[derive(Debug, sqlx::FromRow)]
pub(crate) struct ChallengeRow {
    pub domain: String,
    pub kind: String,
    pub expires_at: OffsetDateTime,
    pub used_at: Option<OffsetDateTime>,
    pub browser_sha256: Option<String>,
}

/// How the rights of a grant were proven.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GrantMethod {
    /// A DNS TXT record under `_authwalk-challenge.{domain}`.
    DnsTxt,
    /// The operator's one-time sign-in link.
    AdminLink,
    /// A DNS proof of a domain unrelated to the tenant's grants, approved by an existing admin.
    Approval,
    /// An Entra admin role of the tenant (signing in with Microsoft, next).
    EntraRole,
}

impl GrantMethod {
    /// The stored name (`verified_domains.method`).
    pub fn as_str(self) -> &'static str {
        match self {
            GrantMethod::DnsTxt => "dns_txt",
            GrantMethod::AdminLink => "admin_link",
            GrantMethod::Approval => "approval",
            GrantMethod::EntraRole => "entra_role",
        }
    }

    /// Parse the stored name.
    pub fn from_stored(value: &str) -> Option<Self> {
        match value {
            "dns_txt" => Some(GrantMethod::DnsTxt),
            "admin_link" => Some(GrantMethod::AdminLink),
            "approval" => Some(GrantMethod::Approval),
            "entra_role" => Some(GrantMethod::EntraRole),
            _ => None,
        }
    }
}

impl From<ChallengeKind> for GrantMethod {
    fn from(kind: ChallengeKind) -> Self {
        match kind {
            ChallengeKind::DnsTxt => GrantMethod::DnsTxt,
            ChallengeKind::AdminLink => GrantMethod::AdminLink,
        }
    }
}

/// Whether a grant gives rights yet.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GrantStatus {
    /// Rights over the domain and its subdomains.
    Active,
    /// Proven, waiting for an existing admin of the tenant to approve it: no rights yet.
    Pending,
}

impl GrantStatus {
    /// The stored name (`verified_domains.status`).
    pub fn as_str(self) -> &'static str {
        match self {
            GrantStatus::Active => "active",
            GrantStatus::Pending => "pending",
        }
    }

    /// Parse the stored name.
    pub fn from_stored(value: &str) -> Option<Self> {
        match value {
            "active" => Some(GrantStatus::Active),
            "pending" => Some(GrantStatus::Pending),
            _ => None,
        }
    }
}

/// A domain an admin proved control of: a grant of rights over it and its subdomains.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VerifiedDomain {
    /// The normalised domain.
    pub domain: String,
    /// Its tenant.
    pub tenant_id: Uuid,
    /// How the rights were proven.
    pub method: GrantMethod,
    /// Active, or waiting for approval.
    pub status: GrantStatus,
    /// When control was first proved.
    pub verified_at: OffsetDateTime,
    /// The domain of the admin who approved it (method `approval`).
    pub approved_by: Option<String>,
}

/// A `verified_domains` row in types both backends decode alike.
#[derive(Debug, sqlx::FromRow)]
pub(crate) struct VerifiedDomainRow {
    pub domain: String,
    pub tenant_id: String,
    pub method: String,
    pub status: String,
    pub verified_at: OffsetDateTime,
    pub approved_by: Option<String>,
}

impl VerifiedDomainRow {
    /// The typed record; `Corrupt` for a value our code never writes.
    pub(crate) fn into_record(self) -> Result<VerifiedDomain, super::StoreError> {
        let corrupt = |detail: String| super::StoreError::Corrupt {
            what: format!("verified domain {}", self.domain),
            detail,
        };
        let tenant_id = Uuid::parse_str(&self.tenant_id)
            .map_err(|error| corrupt(format!("tenant id {:?}: {error}", self.tenant_id)))?;
        let method = GrantMethod::from_stored(&self.method)
            .ok_or_else(|| corrupt(format!("method {:?}", self.method)))?;
        let status = GrantStatus::from_stored(&self.status)
            .ok_or_else(|| corrupt(format!("status {:?}", self.status)))?;
        Ok(VerifiedDomain {
            domain: self.domain,
            tenant_id,
            method,
            status,
            verified_at: self.verified_at,
            approved_by: self.approved_by,
        })
    }
}

/// A new admin session row (the id itself is only in the visitor's cookie).
#[derive(Debug, Clone)]
pub struct NewAdminSession {
    /// SHA-256 (hex) of the session id.
    pub id_sha256: String,
    /// A random id other admins of the tenant may see and name to revoke it.
    pub public_id: String,
    /// The tenant the session administers.
    pub tenant_id: Uuid,
    /// The domain whose control was proved (its grant gives the session's rights).
    pub domain: String,
    /// How it signed in.
    pub sign_in_method: ChallengeKind,
    /// The session's CSRF token.
    pub csrf_token: String,
    /// Sign-in time (also the first `last_seen_at`).
    pub created_at: OffsetDateTime,
    /// Absolute expiry.
    pub expires_at: OffsetDateTime,
}

/// A stored admin session with the grant its rights come from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredAdminSession {
    /// The random id other admins may name.
    pub public_id: String,
    /// The tenant the session administers.
    pub tenant_id: Uuid,
    /// The domain whose control was proved.
    pub domain: String,
    /// How it signed in.
    pub sign_in_method: ChallengeKind,
    /// The session's CSRF token.
    pub csrf_token: String,
    /// Sign-in time.
    pub created_at: OffsetDateTime,
    /// Last request seen (idle expiry is judged from it).
    pub last_seen_at: OffsetDateTime,
    /// Absolute expiry.
    pub expires_at: OffsetDateTime,
    /// The grant of `domain` in `tenant_id`; `None` once it was revoked (the session is over).
    pub grant: Option<(GrantMethod, GrantStatus)>,
}

/// An `admin_sessions` row joined with its grant, in types both backends decode alike.
#[derive(Debug, sqlx::FromRow)]
pub(crate) struct AdminSessionRow {
    pub public_id: String,
    pub tenant_id: String,
    pub domain: String,
    pub sign_in_method: String,
    pub csrf_token: String,
    pub created_at: OffsetDateTime,
    pub last_seen_at: OffsetDateTime,
    pub expires_at: OffsetDateTime,
    pub grant_method: Option<String>,
    pub grant_status: Option<String>,
}

impl AdminSessionRow {
    /// The typed record; `Corrupt` for a value our code never writes.
    pub(crate) fn into_record(self) -> Result<StoredAdminSession, super::StoreError> {
        let corrupt = |detail: String| super::StoreError::Corrupt {
            what: format!("admin session for {}", self.domain),
            detail,
        };
        let tenant_id = Uuid::parse_str(&self.tenant_id)
            .map_err(|error| corrupt(format!("tenant id {:?}: {error}", self.tenant_id)))?;
        let sign_in_method = ChallengeKind::from_stored(&self.sign_in_method)
            .ok_or_else(|| corrupt(format!("sign-in method {:?}", self.sign_in_method)))?;
        let grant = match (&self.grant_method, &self.grant_status) {
            (Some(method), Some(status)) => Some((
                GrantMethod::from_stored(method)
                    .ok_or_else(|| corrupt(format!("grant method {method:?}")))?,
                GrantStatus::from_stored(status)
                    .ok_or_else(|| corrupt(format!("grant status {status:?}")))?,
            )),
            _ => None,
        };
        Ok(StoredAdminSession {
            public_id: self.public_id,
            tenant_id,
            domain: self.domain,
            sign_in_method,
            csrf_token: self.csrf_token,
            created_at: self.created_at,
            last_seen_at: self.last_seen_at,
            expires_at: self.expires_at,
            grant,
        })
    }
}

/// Everything a successful proof of control writes, in one transaction.
#[derive(Debug, Clone)]
pub struct AdminSignIn {
    /// The challenge or link being used up.
    pub token_sha256: String,
    /// The verified domain.
    pub domain: String,
    /// Its tenant, as Microsoft says now.
    pub tenant_id: Uuid,
    /// The tenant's cloud, as Microsoft says now (the tenant is recorded when the store has not
    /// seen it yet: a stale profile may name another tenant).
    pub cloud: crate::profile::Cloud,
    /// How control was proved.
    pub method: ChallengeKind,
    /// When.
    pub now: OffsetDateTime,
    /// The session to start.
    pub session: NewAdminSession,
    /// The hash of a session the browser already had, ended by this sign-in (rotation).
    pub replaces_session_sha256: Option<String>,
}

/// What a sign-in wrote.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SignInOutcome {
    /// The challenge or link was already used: nothing written.
    AlreadyUsed,
    /// The session started; the domain's grant now has this status.
    Started(GrantStatus),
    /// The tenant already holds the most verified domains it may: nothing written (the
    /// challenge or link is not used up).
    TooManyDomains,
}

/// The admin who removes something: the domain they proved and their session's public id.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Revoker {
    /// The acting session's proven domain.
    pub domain: String,
    /// The acting session's public id.
    pub session_public_id: String,
    /// When.
    pub at: OffsetDateTime,
}

/// What an admin removed (`admin_revocations.kind`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RevocationKind {
    /// Another admin's session was ended.
    Session,
    /// A verified domain was removed (its sessions ended).
    Domain,
    /// A sibling domain's request for approval was refused.
    Refusal,
}

impl RevocationKind {
    /// The stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            RevocationKind::Session => "session",
            RevocationKind::Domain => "domain",
            RevocationKind::Refusal => "refusal",
        }
    }

    /// The kind of a stored name.
    pub fn from_stored(value: &str) -> Option<Self> {
        match value {
            "session" => Some(RevocationKind::Session),
            "domain" => Some(RevocationKind::Domain),
            "refusal" => Some(RevocationKind::Refusal),
            _ => None,
        }
    }
}

/// The record of one removal: who removed what, and when.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Revocation {
    /// What was removed.
    pub kind: RevocationKind,
    /// The domain removed or refused, or the domain the ended session had signed in with.
    pub domain: String,
    /// The public id of the ended session (sessions only).
    pub session_public_id: Option<String>,
    /// The domain the acting admin proved.
    pub revoked_by: String,
    /// The public id of the acting admin's session.
    pub revoked_by_session: String,
    /// When.
    pub revoked_at: OffsetDateTime,
}

/// An `admin_revocations` row in types both backends decode alike.
#[derive(Debug, sqlx::FromRow)]
pub(crate) struct RevocationRow {
    pub kind: String,
    pub domain: String,
    pub session_public_id: Option<String>,
    pub revoked_by: String,
    pub revoked_by_session: String,
    pub revoked_at: OffsetDateTime,
}

impl RevocationRow {
    /// The typed record; `Corrupt` for a value our code never writes.
    pub(crate) fn into_record(self) -> Result<Revocation, super::StoreError> {
        let kind =
            RevocationKind::from_stored(&self.kind).ok_or_else(|| super::StoreError::Corrupt {
                what: format!("admin revocation of {}", self.domain),
                detail: format!("kind {:?}", self.kind),
            })?;
        Ok(Revocation {
            kind,
            domain: self.domain,
            session_public_id: self.session_public_id,
            revoked_by: self.revoked_by,
            revoked_by_session: self.revoked_by_session,
            revoked_at: self.revoked_at,
        })
    }
}

/// An active admin session as the tenant's other admins see it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SessionSummary {
    /// The id to name when revoking it.
    pub public_id: String,
    /// The domain whose control it proved.
    pub domain: String,
    /// How it signed in.
    pub sign_in_method: ChallengeKind,
    /// When it signed in.
    pub created_at: OffsetDateTime,
    /// Its last request.
    pub last_seen_at: OffsetDateTime,
}

/// An `admin_sessions` summary row in types both backends decode alike.
#[derive(Debug, sqlx::FromRow)]
pub(crate) struct SessionSummaryRow {
    pub public_id: String,
    pub domain: String,
    pub sign_in_method: String,
    pub created_at: OffsetDateTime,
    pub last_seen_at: OffsetDateTime,
}

impl SessionSummaryRow {
    /// The typed summary; `Corrupt` for a value our code never writes.
    pub(crate) fn into_summary(self) -> Result<SessionSummary, super::StoreError> {
        let sign_in_method = ChallengeKind::from_stored(&self.sign_in_method).ok_or_else(|| {
            super::StoreError::Corrupt {
                what: format!("admin session for {}", self.domain),
                detail: format!("sign-in method {:?}", self.sign_in_method),
            }
        })?;
        Ok(SessionSummary {
            public_id: self.public_id,
            domain: self.domain,
            sign_in_method,
            created_at: self.created_at,
            last_seen_at: self.last_seen_at,
        })
    }
}

/// How many expired records a purge deleted.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Purged {
    /// Challenges and admin links past their expiry.
    pub challenges: u64,
    /// Sessions past their absolute or idle expiry.
    pub sessions: u64,
    /// Grants left waiting for approval too long.
    pub pending_grants: u64,
}

/// A `tenant_settings` row: what a scope's admins chose.
#[derive(Debug, Clone, Default, PartialEq, Eq, sqlx::FromRow)]
pub struct TenantSettingsRecord {
    /// The verified domain whose pages (and its subdomains' pages) these settings shape.
    pub scope: String,
    /// Published admin logo (SHA-256 of our PNG copy).
    pub logo_sha256: Option<String>,
    /// Uploaded logo waiting to be published.
    pub pending_logo_sha256: Option<String>,
    /// Brand colour override, `#rrggbb` (lower case).
    pub brand_color: Option<String>,
    /// `authenticator_only` or `synced_allowed`.
    pub passkey_policy: String,
    /// Helpdesk email address.
    pub helpdesk_email: Option<String>,
    /// Helpdesk phone number.
    pub helpdesk_phone: Option<String>,
    /// Helpdesk web address.
    pub helpdesk_url: Option<String>,
    /// Plain-text message from IT.
    pub intro_message: Option<String>,
    /// The `/go/{slug}` short link.
    pub short_slug: Option<String>,
    /// Unique across all rows, larger after every change.
    pub version: i64,
}

/// The admin-editable settings, all written at once.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SettingsUpdate {
    /// Brand colour override, `#rrggbb` (lower case).
    pub brand_color: Option<String>,
    /// `authenticator_only` or `synced_allowed`.
    pub passkey_policy: String,
    /// Helpdesk email address.
    pub helpdesk_email: Option<String>,
    /// Helpdesk phone number.
    pub helpdesk_phone: Option<String>,
    /// Helpdesk web address.
    pub helpdesk_url: Option<String>,
    /// Plain-text message from IT.
    pub intro_message: Option<String>,
    /// The `/go/{slug}` short link.
    pub short_slug: Option<String>,
}

/// What saving settings did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SettingsSaved {
    /// Written; the new version.
    Saved(i64),
    /// Another tenant already has the short link; nothing was written.
    SlugTaken,
    /// The scope's settings changed since the form was loaded; nothing was written. What is
    /// stored now (`None`: the scope has no settings any more).
    Stale(Option<Box<TenantSettingsRecord>>),
}

/// A change to a scope's admin logo.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LogoChange {
    /// An upload (already stored as an asset) becomes the preview.
    SetPending(String),
    /// The preview with this hash (the one the admin saw) becomes the published logo.
    PublishPending(String),
    /// The preview with this hash is dropped.
    DiscardPending(String),
    /// No admin logo: back to Entra or website branding.
    UseAutomatic,
}

/// What a logo change did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LogoChanged {
    /// Done.
    Changed,
    /// The preview is not the one named (another admin uploaded or discarded meanwhile):
    /// nothing changed.
    Stale,
}
