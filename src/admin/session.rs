//! Admin sessions: 256-bit random ids kept only in the admin's cookie (we store their SHA-256),
//! idle and absolute expiry, rotation on sign-in, the per-session CSRF token, and the cookies'
//! attributes.
//!
//! Cookies: behind an https public URL every admin cookie is `__Host-` prefixed, `Secure` and
//! `Path=/`, so no other host (a subdomain, a man in the middle on plain http) can set or shadow
//! it; on plain http (local use) they are limited to `Path=/admin`.

use time::{Duration, OffsetDateTime};
use uuid::Uuid;

use crate::domain::DomainName;
use crate::store::models::{ChallengeKind, NewAdminSession, StoredAdminSession};

use super::rights::Rights;
use super::{AdminError, secret};

/// The session cookie's name (before any prefix).
pub const SESSION_COOKIE: &str = "authwalk_admin";
/// The cookie that carries the CSRF token of the sign-in forms (before there is a session).
pub const SIGN_IN_CSRF_COOKIE: &str = "authwalk_admin_csrf";
/// The cookie that holds this browser's secret, to which its DNS challenges are bound.
pub const BROWSER_COOKIE: &str = "authwalk_admin_browser";
/// The path admin cookies are limited to on plain http.
pub const COOKIE_PATH: &str = "/admin";
/// The prefix browsers enforce as "Secure, Path=/, set by this host only".
pub const HOST_PREFIX: &str = "__Host-";
/// A session ends after this long without a request.
pub const IDLE_TIMEOUT: Duration = Duration::minutes(30);
/// A session ends this long after sign-in, however active.
pub const ABSOLUTE_TIMEOUT: Duration = Duration::hours(12);
/// `last_seen_at` is written at most this often (saves a write per request).
pub const TOUCH_INTERVAL: Duration = Duration::minutes(1);

/// A signed-in admin, as handlers see it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AdminSession {
    /// What the session may change: every admin action is checked against it.
    pub rights: Rights,
    /// The random id other admins of the tenant see (and may name to revoke it).
    pub public_id: String,
    /// How it signed in.
    pub sign_in_method: ChallengeKind,
    /// The token every form of this session must carry.
    pub csrf_token: String,
    /// SHA-256 of the session id (the row's key).
    pub id_sha256: String,
    /// When the session ends at the latest.
    pub expires_at: OffsetDateTime,
}

impl AdminSession {
    /// The tenant administered.
    pub fn tenant_id(&self) -> Uuid {
        self.rights.tenant_id
    }

    /// The domain whose control was proved (normalised).
    pub fn domain(&self) -> &str {
        self.rights.root.as_str()
    }

    /// Refuse a form whose CSRF token is not this session's (constant-time comparison).
    pub fn check_csrf(&self, submitted: &str) -> Result<(), AdminError> {
        if secret::same_secret(submitted, &self.csrf_token) {
            Ok(())
        } else {
            Err(AdminError::Csrf)
        }
    }
}

/// A new session: the id for the cookie and the row to store.
#[derive(Debug, Clone)]
pub struct StartedSession {
    /// The secret id, only ever in the `Set-Cookie` header.
    pub cookie_value: String,
    /// The row (hash of the id, tenant, CSRF token, times).
    pub row: NewAdminSession,
}

/// Start a session for `tenant_id` at `now`, proven for `domain` by `method`.
pub fn start(
    tenant_id: Uuid,
    domain: &str,
    method: ChallengeKind,
    now: OffsetDateTime,
) -> Result<StartedSession, AdminError> {
    let cookie_value = secret::session_secret()?;
    Ok(StartedSession {
        row: NewAdminSession {
            id_sha256: secret::sha256_hex(&cookie_value),
            public_id: secret::public_id()?,
            tenant_id,
            domain: domain.to_owned(),
            sign_in_method: method,
            csrf_token: secret::session_secret()?,
            created_at: now,
            expires_at: now + ABSOLUTE_TIMEOUT,
        },
        cookie_value,
    })
}

/// What a stored session is worth at `now`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    /// Usable; `touch` says whether `last_seen_at` should be written.
    Active {
        /// The session.
        session: AdminSession,
        /// Whether to record this request as activity.
        touch: bool,
    },
    /// Idle too long, past its absolute expiry, or its grant was revoked: delete it and sign in
    /// again.
    Expired,
}

/// Judge a stored session at `now`.
pub fn judge(id_sha256: &str, stored: StoredAdminSession, now: OffsetDateTime) -> Verdict {
    if now >= stored.expires_at || now - stored.last_seen_at >= IDLE_TIMEOUT {
        return Verdict::Expired;
    }
    // A revoked grant ends its sessions at once.
    let Some((method, status)) = stored.grant else {
        return Verdict::Expired;
    };
    let Ok(root) = DomainName::parse(&stored.domain) else {
        return Verdict::Expired;
    };
    Verdict::Active {
        touch: now - stored.last_seen_at >= TOUCH_INTERVAL,
        session: AdminSession {
            rights: Rights {
                tenant_id: stored.tenant_id,
                root,
                method,
                status,
            },
            public_id: stored.public_id,
            sign_in_method: stored.sign_in_method,
            csrf_token: stored.csrf_token,
            id_sha256: id_sha256.to_owned(),
            expires_at: stored.expires_at,
        },
    }
}

/// Names and attributes of the admin cookies for one public URL.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AdminCookies {
    /// Served behind https: `__Host-` names, `Secure`, `Path=/`.
    pub secure: bool,
}

impl AdminCookies {
    /// The cookies for a service whose public URL has this scheme.
    pub fn for_scheme(scheme: &str) -> Self {
        Self {
            secure: scheme.eq_ignore_ascii_case("https"),
        }
    }

    /// The name cookie `base` goes by (`__Host-{base}` behind https).
    pub fn name(&self, base: &str) -> String {
        if self.secure {
            format!("{HOST_PREFIX}{base}")
        } else {
            base.to_owned()
        }
    }

    /// A `Set-Cookie` value for cookie `base` (always `HttpOnly; SameSite=Lax`); `max_age` of
    /// `None` makes a browser-session cookie, zero deletes it.
    pub fn set(&self, base: &str, value: &str, max_age: Option<Duration>) -> String {
        let path = if self.secure { "/" } else { COOKIE_PATH };
        let mut cookie = format!(
            "{}={value}; Path={path}; HttpOnly; SameSite=Lax",
            self.name(base)
        );
        if let Some(max_age) = max_age {
            cookie.push_str(&format!("; Max-Age={}", max_age.whole_seconds().max(0)));
        }
        if self.secure {
            cookie.push_str("; Secure");
        }
        cookie
    }

    /// Behind https: `Set-Cookie` values that delete the unprefixed admin cookies this `Cookie`
    /// header still carries (left from plain-http days, or planted by a subdomain), which are
    /// never read but would ride along on every request; none on plain http.
    pub fn clear_unprefixed(&self, cookie_header: &str) -> Vec<String> {
        if !self.secure {
            return Vec::new();
        }
        [SESSION_COOKIE, SIGN_IN_CSRF_COOKIE, BROWSER_COOKIE]
            .into_iter()
            .filter(|base| {
                cookie_header
                    .split(';')
                    .filter_map(|pair| pair.trim().split_once('='))
                    .any(|(name, _)| name == *base)
            })
            .flat_map(|base| {
                // A cookie is deleted under the path it was set with: plain http used /admin.
                [COOKIE_PATH, "/"].map(|path| {
                    format!("{base}=; Path={path}; Max-Age=0; HttpOnly; SameSite=Lax; Secure")
                })
            })
            .collect()
    }

    /// The value of cookie `base` in a `Cookie` request header (only under its own name: behind
    /// https an unprefixed cookie, which any subdomain could have set, is ignored).
    pub fn value<'a>(&self, cookie_header: &'a str, base: &str) -> Option<&'a str> {
        cookie_value(cookie_header, &self.name(base))
    }
}

/// The value of cookie `name` in a `Cookie` request header.
pub fn cookie_value<'a>(cookie_header: &'a str, name: &str) -> Option<&'a str> {
    cookie_header
        .split(';')
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(key, _)| *key == name)
        .map(|(_, value)| value.trim())
        .filter(|value| !value.is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::models::{GrantMethod, GrantStatus};
    use time::macros::datetime;

    fn stored(created: OffsetDateTime, last_seen: OffsetDateTime) -> StoredAdminSession {
        StoredAdminSession {
            public_id: "p".into(),
            tenant_id: Uuid::nil(),
            domain: "contoso.com".into(),
            sign_in_method: ChallengeKind::DnsTxt,
            csrf_token: "csrf".into(),
            created_at: created,
            last_seen_at: last_seen,
            expires_at: created + ABSOLUTE_TIMEOUT,
            grant: Some((GrantMethod::DnsTxt, GrantStatus::Active)),
        }
    }

    #[test]
    fn sessions_expire_when_idle_or_old() {
        let start = datetime!(2026-05-01 08:00 UTC);
        let active = |now| judge("h", stored(start, start), now);
        assert!(matches!(
            active(start + Duration::minutes(29)),
            Verdict::Active { touch: true, .. }
        ));
        assert!(matches!(
            active(start + Duration::seconds(30)),
            Verdict::Active { touch: false, .. }
        ));
        assert_eq!(active(start + Duration::minutes(30)), Verdict::Expired);
        // Kept busy, it still ends 12 hours after sign-in.
        let busy = |now: OffsetDateTime| judge("h", stored(start, now - Duration::minutes(1)), now);
        assert!(matches!(
            busy(start + Duration::hours(11)),
            Verdict::Active { .. }
        ));
        assert_eq!(busy(start + Duration::hours(12)), Verdict::Expired);
    }

    #[test]
    fn a_session_whose_grant_was_revoked_is_over() {
        let start = datetime!(2026-05-01 08:00 UTC);
        let revoked = StoredAdminSession {
            grant: None,
            ..stored(start, start)
        };
        assert_eq!(judge("h", revoked, start), Verdict::Expired);
        let pending = StoredAdminSession {
            grant: Some((GrantMethod::DnsTxt, GrantStatus::Pending)),
            ..stored(start, start)
        };
        let Verdict::Active { session, .. } = judge("h", pending, start) else {
            panic!("a pending admin is signed in, with no rights");
        };
        assert!(!session.rights.is_active());
        assert!(!session.rights.covers("contoso.com"));
    }

    #[test]
    fn a_started_session_stores_only_the_hash_of_its_id() {
        let now = datetime!(2026-05-01 08:00 UTC);
        let started = start(Uuid::nil(), "contoso.com", ChallengeKind::DnsTxt, now).unwrap();
        assert_eq!(
            started.row.id_sha256,
            secret::sha256_hex(&started.cookie_value)
        );
        assert_ne!(started.row.csrf_token, started.cookie_value);
        assert_ne!(started.row.public_id, started.row.id_sha256);
        assert_eq!(started.row.expires_at, now + ABSOLUTE_TIMEOUT);
    }

    #[test]
    fn csrf_tokens_must_match_exactly() {
        let Verdict::Active { session, .. } = judge(
            "h",
            StoredAdminSession {
                csrf_token: "right".into(),
                ..stored(
                    datetime!(2026-05-01 08:00 UTC),
                    datetime!(2026-05-01 08:00 UTC),
                )
            },
            datetime!(2026-05-01 08:00 UTC),
        ) else {
            panic!("active");
        };
        assert!(session.check_csrf("right").is_ok());
        assert!(matches!(session.check_csrf("wrong"), Err(AdminError::Csrf)));
        assert!(matches!(session.check_csrf(""), Err(AdminError::Csrf)));
    }

    #[test]
    fn plain_http_cookies_are_http_only_lax_and_scoped_to_admin() {
        let cookies = AdminCookies::for_scheme("http");
        assert_eq!(
            cookies.set(SESSION_COOKIE, "v", None),
            "authwalk_admin=v; Path=/admin; HttpOnly; SameSite=Lax"
        );
        assert_eq!(
            cookies.set(SESSION_COOKIE, "", Some(Duration::ZERO)),
            "authwalk_admin=; Path=/admin; HttpOnly; SameSite=Lax; Max-Age=0"
        );
        assert_eq!(
            cookies.value("a=1; authwalk_admin=xyz; b=2", SESSION_COOKIE),
            Some("xyz")
        );
        assert_eq!(cookie_value("authwalk_admin_csrf=q", SESSION_COOKIE), None);
        assert_eq!(cookie_value("authwalk_admin=", SESSION_COOKIE), None);
    }

    #[test]
    fn https_cookies_are_host_prefixed_secure_and_site_wide() {
        let cookies = AdminCookies::for_scheme("https");
        for base in [SESSION_COOKIE, SIGN_IN_CSRF_COOKIE, BROWSER_COOKIE] {
            let set = cookies.set(base, "v", Some(Duration::hours(1)));
            assert_eq!(
                set,
                format!("__Host-{base}=v; Path=/; HttpOnly; SameSite=Lax; Max-Age=3600; Secure")
            );
        }
        // Unprefixed cookies still sent behind https are deleted, under both paths.
        assert_eq!(
            cookies.clear_unprefixed("authwalk_admin=old; __Host-authwalk_admin=real; x=1"),
            [
                "authwalk_admin=; Path=/admin; Max-Age=0; HttpOnly; SameSite=Lax; Secure",
                "authwalk_admin=; Path=/; Max-Age=0; HttpOnly; SameSite=Lax; Secure",
            ]
        );
        assert!(
            cookies
                .clear_unprefixed("__Host-authwalk_admin=real")
                .is_empty()
        );
        assert!(
            AdminCookies::for_scheme("http")
                .clear_unprefixed("authwalk_admin=x")
                .is_empty()
        );
        // An unprefixed cookie (settable by any subdomain) is not read behind https.
        assert_eq!(
            cookies.value("authwalk_admin=planted", SESSION_COOKIE),
            None
        );
        assert_eq!(
            cookies.value(
                "authwalk_admin=planted; __Host-authwalk_admin=real",
                SESSION_COOKIE
            ),
            Some("real")
        );
    }
}
