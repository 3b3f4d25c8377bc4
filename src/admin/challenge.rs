//! Proving control of a domain with a DNS TXT record (as Let's Encrypt DNS-01, GitHub's verified
//! domains and the IETF domain-control-validation draft do).
//!
//! The admin publishes `token=<token> expiry=<RFC 3339>` at `_authwalk-challenge.{domain}`. We keep
//! only the token's SHA-256; a check accepts a record only when it is exactly the value we issued
//! for that domain, unused and unexpired, AND the check comes from the browser that asked for it.
//!
//! The record is public: anyone can read it while the admin waits for DNS. As ACME binds a token
//! to an account key, a challenge is bound to a random secret of the asking browser (kept in an
//! `HttpOnly` cookie, stored as its SHA-256 with the challenge), so a stranger who copies the
//! record and presses "Check DNS" gets nothing.

use time::{Duration, OffsetDateTime};

use crate::domain::DomainName;
use crate::store::models::{ChallengeKind, NewChallenge, StoredChallenge};

use super::{AdminError, format_time, secret};

/// The label under the domain that holds the challenge record.
pub const RECORD_LABEL: &str = "_authwalk-challenge";
/// How long a challenge may be used.
pub const CHALLENGE_LIFETIME: Duration = Duration::days(7);
/// Most unused challenges one browser keeps for one domain; a newer one withdraws the oldest.
pub const MAX_LIVE_PER_BROWSER: usize = 3;

/// A challenge as shown to the admin (the only time the token is shown).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IssuedChallenge {
    /// The domain it proves.
    pub domain: DomainName,
    /// Where the TXT record goes.
    pub record_name: String,
    /// The record's exact value.
    pub record_value: String,
    /// When it stops working.
    pub expires_at: OffsetDateTime,
}

/// `_authwalk-challenge.{domain}`.
pub fn record_name(domain: &DomainName) -> String {
    format!("{RECORD_LABEL}.{}", domain.as_str())
}

/// The TXT value for `token`, valid until `expires_at`.
pub fn record_value(token: &str, expires_at: OffsetDateTime) -> String {
    format!("token={token} expiry={}", format_time(expires_at))
}

/// A new challenge for `domain` issued at `now` to the browser whose secret hashes to
/// `browser_sha256`: what to show, and what to store.
pub fn issue(
    domain: &DomainName,
    browser_sha256: &str,
    now: OffsetDateTime,
) -> Result<(IssuedChallenge, NewChallenge), AdminError> {
    let token = secret::challenge_token()?;
    // Whole seconds, so the value we rebuild from the stored expiry is byte-for-byte the same.
    let expires_at = now.replace_nanosecond(0).unwrap_or(now) + CHALLENGE_LIFETIME;
    let issued = IssuedChallenge {
        domain: domain.clone(),
        record_name: record_name(domain),
        record_value: record_value(&token, expires_at),
        expires_at,
    };
    let stored = NewChallenge {
        token_sha256: secret::sha256_hex(&token),
        domain: domain.as_str().to_owned(),
        kind: ChallengeKind::DnsTxt,
        expires_at,
        browser_sha256: Some(browser_sha256.to_owned()),
    };
    Ok((issued, stored))
}

/// The token of a TXT string shaped like a challenge value (`token=… expiry=…`).
pub fn token_in(txt: &str) -> Option<&str> {
    let rest = txt.strip_prefix("token=")?;
    let (token, expiry) = rest.split_once(' ')?;
    expiry.starts_with("expiry=").then_some(token)
}

/// Judge one TXT string against the challenge stored under its token's hash, for the browser
/// whose secret hashes to `browser_sha256`.
///
/// `Ok(())` only for an exact match of a live, unused DNS challenge of `domain` issued to that
/// browser.
pub fn judge(
    txt: &str,
    token: &str,
    stored: Option<&StoredChallenge>,
    domain: &DomainName,
    browser_sha256: Option<&str>,
    now: OffsetDateTime,
) -> Result<(), AdminError> {
    let mismatch = || AdminError::ChallengeMismatch {
        record_name: record_name(domain),
    };
    let stored = stored.ok_or_else(mismatch)?;
    if stored.kind != ChallengeKind::DnsTxt
        || stored.domain != domain.as_str()
        || txt != record_value(token, stored.expires_at)
    {
        return Err(mismatch());
    }
    let same_browser = match (stored.browser_sha256.as_deref(), browser_sha256) {
        (Some(issued_to), Some(asking)) => secret::same_secret(asking, issued_to),
        _ => false,
    };
    if !same_browser {
        return Err(AdminError::OtherBrowser {
            record_name: record_name(domain),
        });
    }
    if stored.used_at.is_some() {
        return Err(AdminError::ChallengeUsed);
    }
    if now >= stored.expires_at {
        return Err(AdminError::ChallengeExpired {
            expired_at: format_time(stored.expires_at),
        });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    fn contoso() -> DomainName {
        DomainName::parse("contoso.com").unwrap()
    }

    const BROWSER: &str = "b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0";
    const STRANGER: &str = "5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e";

    fn stored(issued: &IssuedChallenge) -> StoredChallenge {
        StoredChallenge {
            domain: issued.domain.as_str().to_owned(),
            kind: ChallengeKind::DnsTxt,
            expires_at: issued.expires_at,
            used_at: None,
            browser_sha256: Some(BROWSER.into()),
        }
    }

    #[test]
    fn a_challenge_has_the_drafts_shape_and_lives_seven_days() {
        let now = datetime!(2026-05-01 10:20:30.456 UTC);
        let (issued, new) = issue(&contoso(), BROWSER, now).unwrap();
        assert_eq!(issued.record_name, "_authwalk-challenge.contoso.com");
        let token = token_in(&issued.record_value).unwrap();
        assert_eq!(token.len(), 32);
        assert_eq!(
            issued.record_value,
            format!("token={token} expiry=2026-05-08T10:20:30Z")
        );
        assert_eq!(new.token_sha256, secret::sha256_hex(token));
        assert_eq!(new.domain, "contoso.com");
        assert_eq!(new.expires_at, datetime!(2026-05-08 10:20:30 UTC));
        assert_eq!(new.browser_sha256.as_deref(), Some(BROWSER));
    }

    #[test]
    fn only_an_exact_live_unused_match_for_the_domain_passes() {
        let now = datetime!(2026-05-01 10:00 UTC);
        let (issued, _) = issue(&contoso(), BROWSER, now).unwrap();
        let txt = issued.record_value.clone();
        let token = token_in(&txt).unwrap().to_owned();
        let row = stored(&issued);
        let judge = |txt: &str, row: Option<&StoredChallenge>, domain: &DomainName, now| {
            judge(txt, &token, row, domain, Some(BROWSER), now)
        };
        assert!(judge(&txt, Some(&row), &contoso(), now).is_ok());

        // Another browser (or none) gets nothing, even with the exact record.
        for asking in [Some(STRANGER), None] {
            assert!(matches!(
                super::judge(&txt, &token, Some(&row), &contoso(), asking, now),
                Err(AdminError::OtherBrowser { .. })
            ));
        }

        let altered = format!("{txt} ");
        assert!(matches!(
            judge(&altered, Some(&row), &contoso(), now),
            Err(AdminError::ChallengeMismatch { .. })
        ));
        assert!(matches!(
            judge(&txt, None, &contoso(), now),
            Err(AdminError::ChallengeMismatch { .. })
        ));
        let other = DomainName::parse("northwind.com").unwrap();
        assert!(matches!(
            judge(&txt, Some(&row), &other, now),
            Err(AdminError::ChallengeMismatch { .. })
        ));
        let used = StoredChallenge {
            used_at: Some(now),
            ..row.clone()
        };
        assert!(matches!(
            judge(&txt, Some(&used), &contoso(), now),
            Err(AdminError::ChallengeUsed)
        ));
        let later = now + CHALLENGE_LIFETIME;
        let expired = judge(&txt, Some(&row), &contoso(), later).unwrap_err();
        assert!(
            expired
                .to_string()
                .contains("expired on 2026-05-08T10:00:00Z"),
            "{expired}"
        );
        let link = StoredChallenge {
            kind: ChallengeKind::AdminLink,
            ..row
        };
        assert!(judge(&txt, Some(&link), &contoso(), now).is_err());
    }

    #[test]
    fn only_challenge_shaped_strings_yield_a_token() {
        assert_eq!(
            token_in("token=ABC expiry=2026-01-01T00:00:00Z"),
            Some("ABC")
        );
        assert_eq!(token_in("v=spf1 -all"), None);
        assert_eq!(token_in("token=ABC"), None);
        assert_eq!(token_in("token=ABC other=1"), None);
    }
}
