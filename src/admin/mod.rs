//! Tenant administration rules (no HTTP): domain-control challenges, sessions, settings, uploads,
//! and the anonymous adoption counters shown on the dashboard.
//!
//! Every rule that depends on the time takes `now` as a parameter, so tests move the clock instead
//! of sleeping. [`AdminService`] ties the rules to the store, discovery and DNS for the web layer;
//! [`TenantCustomizations`] is what the tenant page and API read.

pub mod adoption;
pub mod challenge;
pub mod chart;
pub mod counting;
pub mod kit;
pub mod link;
pub mod secret;
pub mod service;
pub mod session;
pub mod settings;

use std::sync::Arc;

use time::OffsetDateTime;

use crate::branding::image::ImageError;
use crate::domain::DomainError;
use crate::store::StoreError;

pub use service::AdminService;
pub use settings::{Customization, TenantCustomizations};

/// Why an admin action failed; every message is meant for the admin.
#[derive(Debug, thiserror::Error)]
pub enum AdminError {
    /// The typed domain cannot be valid.
    #[error(transparent)]
    InvalidDomain(#[from] DomainError),
    /// Microsoft says no Entra tenant has the domain.
    #[error(
        "{domain} isn't a domain of a Microsoft Entra tenant, so there is nothing to administer \
         for it. Check the spelling, or enter a domain your Microsoft 365 tenant has verified."
    )]
    NotEntra {
        /// The domain as people read it.
        domain: String,
    },
    /// Microsoft could not be asked about the domain.
    #[error("We couldn't reach Microsoft to look up {domain}. Please try again in a minute.")]
    Unreachable {
        /// The domain as people read it.
        domain: String,
    },
    /// No TXT record at the challenge name.
    #[error(
        "We found no TXT record at {record_name}. Add the record exactly as shown, wait a few \
         minutes for DNS to update, then check again."
    )]
    NoChallengeRecord {
        /// `_authwalk-challenge.{domain}`.
        record_name: String,
    },
    /// TXT records exist but none is a challenge we issued for the domain.
    #[error(
        "The TXT record at {record_name} doesn't match the challenge we issued. Copy the value \
         again exactly (it starts with token=), or start again to get a new one."
    )]
    ChallengeMismatch {
        /// `_authwalk-challenge.{domain}`.
        record_name: String,
    },
    /// The challenge in DNS is past its expiry.
    #[error(
        "The challenge in your TXT record expired on {expired_at}. Start again to get a new one, \
         and replace the record."
    )]
    ChallengeExpired {
        /// When it expired (RFC 3339).
        expired_at: String,
    },
    /// The challenge in DNS was already used to sign in.
    #[error(
        "The challenge in your TXT record was already used to sign in. Start again to get a new \
         one, and replace the record."
    )]
    ChallengeUsed,
    /// DNS could not be asked.
    #[error("We couldn't look up {record_name} in DNS ({reason}). Please try again in a minute.")]
    DnsFailed {
        /// `_authwalk-challenge.{domain}`.
        record_name: String,
        /// What went wrong.
        reason: String,
    },
    /// The configured public URL cannot carry a link.
    #[error("cannot build a link on the public URL: {0}")]
    PublicUrl(String),
    /// An admin link that never existed (or was mistyped).
    #[error(
        "This sign-in link isn't valid. Ask your authwalk operator to run `authwalk admin-link` \
         for your domain again."
    )]
    LinkInvalid,
    /// An admin link past its 15 minutes.
    #[error(
        "This sign-in link expired at {expired_at}; links work for 15 minutes. Ask your authwalk \
         operator for a new one."
    )]
    LinkExpired {
        /// When it expired (RFC 3339).
        expired_at: String,
    },
    /// An admin link already used.
    #[error("This sign-in link was already used; each link works once. Ask for a new one.")]
    LinkUsed,
    /// A form post without the session's CSRF token.
    #[error(
        "This form has expired or came from somewhere else. Go back, reload the page and try \
         again."
    )]
    Csrf,
    /// A state-changing request from another site.
    #[error("Cross-site form submissions are refused.")]
    CrossOrigin,
    /// The upload form arrived without a file.
    #[error("Choose an image file (PNG, JPEG, WebP, GIF, ICO or SVG) to upload.")]
    NoFile,
    /// There is no uploaded logo to publish.
    #[error("There is no uploaded logo to publish. Upload one first.")]
    NothingToPublish,
    /// The uploaded image was refused.
    #[error("That image can't be used: {0}.")]
    Image(#[from] ImageError),
    /// The operating system's random number generator failed.
    #[error("no randomness available: {0}")]
    Randomness(String),
    /// The database failed.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// Loading a tenant's settings failed (shared by every caller waiting for the same load).
    #[error("tenant settings could not be loaded: {0}")]
    Settings(Arc<StoreError>),
}

impl AdminError {
    /// Whether the failure is on our side or upstream rather than the admin's mistake.
    pub fn is_server_side(&self) -> bool {
        match self {
            AdminError::Store(_)
            | AdminError::Settings(_)
            | AdminError::Randomness(_)
            | AdminError::PublicUrl(_)
            | AdminError::Unreachable { .. }
            | AdminError::DnsFailed { .. } => true,
            AdminError::Image(error) => matches!(error, ImageError::Internal { .. }),
            _ => false,
        }
    }
}

/// A time as admins read it in messages and pages: RFC 3339 in UTC, whole seconds.
pub fn format_time(time: OffsetDateTime) -> String {
    let time = time
        .to_offset(time::UtcOffset::UTC)
        .replace_nanosecond(0)
        .unwrap_or(time);
    time.format(&time::format_description::well_known::Rfc3339)
        .unwrap_or_default()
}
