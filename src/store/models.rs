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
    /// The stored name (also `verified_domains.method`).
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
}

/// An `admin_challenges` row in types both backends decode alike.
#[derive(Debug, sqlx::FromRow)]
pub(crate) struct ChallengeRow {
    pub domain: String,
    pub kind: String,
    pub expires_at: OffsetDateTime,
    pub used_at: Option<OffsetDateTime>,
}

/// A new admin session row (the id itself is only in the visitor's cookie).
#[derive(Debug, Clone)]
pub struct NewAdminSession {
    /// SHA-256 (hex) of the session id.
    pub id_sha256: String,
    /// The tenant the session administers.
    pub tenant_id: Uuid,
    /// The domain whose control was proved.
    pub domain: String,
    /// The session's CSRF token.
    pub csrf_token: String,
    /// Sign-in time (also the first `last_seen_at`).
    pub created_at: OffsetDateTime,
    /// Absolute expiry.
    pub expires_at: OffsetDateTime,
}

/// A stored admin session.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredAdminSession {
    /// The tenant the session administers.
    pub tenant_id: Uuid,
    /// The domain whose control was proved.
    pub domain: String,
    /// The session's CSRF token.
    pub csrf_token: String,
    /// Sign-in time.
    pub created_at: OffsetDateTime,
    /// Last request seen (idle expiry is judged from it).
    pub last_seen_at: OffsetDateTime,
    /// Absolute expiry.
    pub expires_at: OffsetDateTime,
}

/// An `admin_sessions` row in types both backends decode alike.
#[derive(Debug, sqlx::FromRow)]
pub(crate) struct AdminSessionRow {
    pub tenant_id: String,
    pub domain: String,
    pub csrf_token: String,
    pub created_at: OffsetDateTime,
    pub last_seen_at: OffsetDateTime,
    pub expires_at: OffsetDateTime,
}

/// Everything a successful proof of control writes, in one transaction.
#[derive(Debug, Clone)]
pub struct AdminSignIn {
    /// The challenge or link being used up.
    pub token_sha256: String,
    /// The verified domain.
    pub domain: String,
    /// Its tenant.
    pub tenant_id: Uuid,
    /// How control was proved.
    pub method: ChallengeKind,
    /// When.
    pub now: OffsetDateTime,
    /// The session to start.
    pub session: NewAdminSession,
    /// The hash of a session the browser already had, ended by this sign-in (rotation).
    pub replaces_session_sha256: Option<String>,
}

/// A domain an admin proved control of.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct VerifiedDomain {
    /// The normalised domain.
    pub domain: String,
    /// `dns_txt` or `admin_link`.
    pub method: String,
    /// When control was first proved.
    pub verified_at: OffsetDateTime,
}

/// A `tenant_settings` row: what a tenant's admins chose.
#[derive(Debug, Clone, Default, PartialEq, Eq, sqlx::FromRow)]
pub struct TenantSettingsRecord {
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
    /// Bumped on every change.
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
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SettingsSaved {
    /// Written (version bumped).
    Saved,
    /// Another tenant already has the short link; nothing was written.
    SlugTaken,
}

/// A change to a tenant's admin logo.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LogoChange {
    /// An upload (already stored as an asset) becomes the preview.
    SetPending(String),
    /// The preview becomes the published logo.
    PublishPending,
    /// The preview is dropped.
    DiscardPending,
    /// No admin logo: back to Entra or website branding.
    UseAutomatic,
}
