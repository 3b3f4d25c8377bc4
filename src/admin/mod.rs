//! Tenant administration rules (no HTTP): domain-control challenges, sessions, settings, uploads,
//! and the anonymous adoption counters shown on the dashboard.
//!
//! Every rule that depends on the time takes `now` as a parameter, so tests move the clock instead
//! of sleeping. [`AdminService`] ties the rules to the store, discovery and DNS for the web layer;
//! [`TenantCustomizations`] is what the tenant page and API read. [`rights`] says what a session
//! may change: rights follow proof (a domain and its subdomains, never its parent).

pub mod adoption;
pub mod challenge;
pub mod chart;
pub mod counting;
pub mod customizations;
pub mod kit;
pub mod link;
pub mod rights;
pub mod scopes;
pub mod secret;
pub mod service;
pub mod session;
pub mod settings;
pub mod team;

use std::sync::Arc;

use time::OffsetDateTime;

use crate::branding::image::ImageError;
use crate::domain::DomainError;
use crate::store::StoreError;

pub use customizations::{Customization, TenantCustomizations};
pub use service::AdminService;

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
    /// Microsoft could not be asked, just now, which tenant the domain belongs to: rights are
    /// never granted on a remembered answer.
    #[error(
        "We couldn't reach Microsoft to confirm which tenant {domain} belongs to, so we can't \
         sign you in right now. Nothing was used up: try again in a minute."
    )]
    TenantUnconfirmed {
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
    /// This browser holds no live challenge for the domain (checked before any DNS lookup).
    #[error(
        "This browser has no challenge for {domain} waiting. Start one here, publish its TXT \
         record, then check DNS from this same browser."
    )]
    NoBrowserChallenge {
        /// The domain as people read it.
        domain: String,
    },
    /// The record in DNS is a challenge issued to another browser.
    #[error(
        "The challenge in the TXT record at {record_name} was started in another browser. \
         Check DNS from the browser where you started it, or start again here and publish the \
         new value."
    )]
    OtherBrowser {
        /// `_authwalk-challenge.{domain}`.
        record_name: String,
    },
    /// The TXT record answering for the challenge name is owned by another name (a CNAME).
    #[error(
        "The TXT record for {record_name} is reached through a CNAME to {owner}, so it doesn't \
         prove control of this domain. Publish the TXT record at {record_name} itself, not as \
         a CNAME."
    )]
    ChallengeAliased {
        /// `_authwalk-challenge.{domain}`.
        record_name: String,
        /// The name the CNAME leads to.
        owner: String,
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
    /// The preview changed since the admin looked at it (another admin uploaded or discarded).
    #[error(
        "The preview changed since you looked at it: another admin uploaded or discarded a \
         logo meanwhile. Nothing was published; look at the preview now shown, then decide."
    )]
    PreviewChanged,
    /// Settings changed since the form was loaded (another admin saved meanwhile).
    #[error(
        "These settings were changed by someone else since you opened this page. Nothing was \
         overwritten: compare both versions below, then save again."
    )]
    SettingsChanged,
    /// The action concerns a domain outside the session's rights.
    #[error(
        "You proved control of {root}, so you can change {root} and its subdomains, but not \
         {domain}. Sign in with {domain} (or a domain above it) to change it."
    )]
    OutsideRights {
        /// The domain asked about, as people read it.
        domain: String,
        /// The session's proven domain.
        root: String,
    },
    /// The session's grant waits for an existing admin's approval.
    #[error(
        "Your control of {domain} is proven, but this tenant already has admins: one of them \
         must approve {domain} on their overview page before you can change anything."
    )]
    AwaitingApproval {
        /// The proven domain, as people read it.
        domain: String,
    },
    /// The tenant already holds the most verified domains it may.
    #[error(
        "Your tenant already has {max} verified domains here, the most it can hold, so {domain} \
         was not added and nothing was used up. Remove a domain you no longer need on the \
         overview page, then check DNS again.",
        max = rights::MAX_DOMAINS_PER_TENANT
    )]
    TooManyDomains {
        /// The proven domain, as people read it.
        domain: String,
    },
    /// The tenant already has settings for the most scopes it may.
    #[error(
        "Your tenant already has its own settings for {max} domains, the most it can hold, so \
         {domain} can't get settings of its own; it shows the settings of the domain above it. \
         Remove the settings of a domain you no longer need first.",
        max = scopes::MAX_SCOPES_PER_TENANT
    )]
    TooManyScopes {
        /// The scope asked for, as people read it.
        domain: String,
    },
    /// Only an admin of a whole registrable domain of the tenant may approve or refuse.
    #[error(
        "You proved control of {root}, a subdomain: only an admin of one of your tenant's \
         top-level domains (such as {top}) can approve or refuse another domain."
    )]
    NotAnApprover {
        /// The session's proven domain.
        root: String,
        /// Its registrable domain.
        top: String,
    },
    /// The named admin session or verified domain does not exist (any more).
    #[error("{what} isn't there any more: it may have ended or been removed already.")]
    NoSuchRecord {
        /// What was named, as people read it.
        what: String,
    },
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
            | AdminError::TenantUnconfirmed { .. }
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
