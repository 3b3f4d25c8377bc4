//! One-time admin sign-in links for self-hosted operators (`authwalk admin-link <domain>`): proof
//! of control by whoever runs the server, no DNS needed. A link works once, for 15 minutes; we keep
//! only its token's SHA-256.

use time::{Duration, OffsetDateTime};
use url::Url;

use crate::discovery::Discovery;
use crate::domain::DomainName;
use crate::store::Store;
use crate::store::models::{ChallengeKind, NewChallenge, StoredChallenge};

use super::{AdminError, format_time, secret};

/// How long an admin link works.
pub const LINK_LIFETIME: Duration = Duration::minutes(15);
/// The path under which links are redeemed (`/admin/link/{token}`).
pub const LINK_PATH: &str = "/admin/link/";

/// A printed admin link.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AdminLink {
    /// The domain it signs in for.
    pub domain: DomainName,
    /// The full URL to open.
    pub url: Url,
    /// When it stops working.
    pub expires_at: OffsetDateTime,
}

/// Issue a link for `raw` (which must be an Entra tenant's domain) at `now`; what the CLI calls.
pub async fn issue(
    store: &Store,
    discovery: &Discovery,
    public_url: &Url,
    raw: &str,
    now: OffsetDateTime,
) -> Result<AdminLink, AdminError> {
    let domain = DomainName::parse(raw)?;
    super::service::tenant_of(discovery, &domain).await?;
    let token = secret::session_secret()?;
    let expires_at = now + LINK_LIFETIME;
    store
        .insert_admin_challenge(
            &NewChallenge {
                token_sha256: secret::sha256_hex(&token),
                domain: domain.as_str().to_owned(),
                kind: ChallengeKind::AdminLink,
                expires_at,
                browser_sha256: None,
            },
            1,
        )
        .await?;
    let url = public_url
        .join(&format!("{}{token}", &LINK_PATH[1..]))
        .map_err(|error| AdminError::PublicUrl(error.to_string()))?;
    Ok(AdminLink {
        domain,
        url,
        expires_at,
    })
}

/// Judge a stored admin link at `now`: it must exist, be an admin link, unused and unexpired.
pub fn judge(stored: Option<&StoredChallenge>, now: OffsetDateTime) -> Result<(), AdminError> {
    let stored = stored
        .filter(|stored| stored.kind == ChallengeKind::AdminLink)
        .ok_or(AdminError::LinkInvalid)?;
    if stored.used_at.is_some() {
        return Err(AdminError::LinkUsed);
    }
    if now >= stored.expires_at {
        return Err(AdminError::LinkExpired {
            expired_at: format_time(stored.expires_at),
        });
    }
    Ok(())
}

/// Whether `token` could be one of our link tokens (cheap check before any database access).
pub fn plausible_token(token: &str) -> bool {
    token.len() == 43
        && token
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    #[test]
    fn a_link_works_for_fifteen_minutes_once() {
        let issued = datetime!(2026-05-01 09:00 UTC);
        let link = StoredChallenge {
            domain: "contoso.com".into(),
            kind: ChallengeKind::AdminLink,
            expires_at: issued + LINK_LIFETIME,
            used_at: None,
            browser_sha256: None,
        };
        assert!(judge(Some(&link), issued + Duration::minutes(14)).is_ok());
        let late = judge(Some(&link), issued + Duration::minutes(15)).unwrap_err();
        assert!(late.to_string().contains("2026-05-01T09:15:00Z"), "{late}");
        let used = StoredChallenge {
            used_at: Some(issued),
            ..link.clone()
        };
        assert!(matches!(
            judge(Some(&used), issued),
            Err(AdminError::LinkUsed)
        ));
        assert!(matches!(judge(None, issued), Err(AdminError::LinkInvalid)));
        let dns = StoredChallenge {
            kind: ChallengeKind::DnsTxt,
            ..link
        };
        assert!(matches!(
            judge(Some(&dns), issued),
            Err(AdminError::LinkInvalid)
        ));
    }

    #[test]
    fn only_token_shaped_strings_are_looked_up() {
        assert!(plausible_token(&secret::session_secret().unwrap()));
        assert!(!plausible_token("short"));
        assert!(!plausible_token(&format!("{}%", "a".repeat(42))));
    }
}
