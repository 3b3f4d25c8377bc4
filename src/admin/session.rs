//! Admin sessions: 256-bit random ids kept only in the admin's cookie (we store their SHA-256),
//! idle and absolute expiry, rotation on sign-in, and the per-session CSRF token.

use time::{Duration, OffsetDateTime};
use uuid::Uuid;

use crate::store::models::{NewAdminSession, StoredAdminSession};

use super::{AdminError, secret};

/// The session cookie's name.
pub const SESSION_COOKIE: &str = "authwalk_admin";
/// The cookie that carries the CSRF token of the sign-in forms (before there is a session).
pub const SIGN_IN_CSRF_COOKIE: &str = "authwalk_admin_csrf";
/// The path every admin cookie is limited to.
pub const COOKIE_PATH: &str = "/admin";
/// A session ends after this long without a request.
pub const IDLE_TIMEOUT: Duration = Duration::minutes(30);
/// A session ends this long after sign-in, however active.
pub const ABSOLUTE_TIMEOUT: Duration = Duration::hours(12);
/// `last_seen_at` is written at most this often (saves a write per request).
pub const TOUCH_INTERVAL: Duration = Duration::minutes(1);

/// A signed-in admin, as handlers see it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AdminSession {
    /// The tenant administered: every admin action is scoped to it.
    pub tenant_id: Uuid,
    /// The domain whose control was proved.
    pub domain: String,
    /// The token every form of this session must carry.
    pub csrf_token: String,
    /// SHA-256 of the session id (the row's key).
    pub id_sha256: String,
    /// When the session ends at the latest.
    pub expires_at: OffsetDateTime,
}

impl AdminSession {
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

/// Start a session for `tenant_id` at `now`.
pub fn start(
    tenant_id: Uuid,
    domain: &str,
    now: OffsetDateTime,
) -> Result<StartedSession, AdminError> {
    let cookie_value = secret::session_secret()?;
    Ok(StartedSession {
        row: NewAdminSession {
            id_sha256: secret::sha256_hex(&cookie_value),
            tenant_id,
            domain: domain.to_owned(),
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
    /// Idle too long or past its absolute expiry: delete it and sign in again.
    Expired,
}

/// Judge a stored session at `now`.
pub fn judge(id_sha256: &str, stored: StoredAdminSession, now: OffsetDateTime) -> Verdict {
    if now >= stored.expires_at || now - stored.last_seen_at >= IDLE_TIMEOUT {
        return Verdict::Expired;
    }
    Verdict::Active {
        touch: now - stored.last_seen_at >= TOUCH_INTERVAL,
        session: AdminSession {
            tenant_id: stored.tenant_id,
            domain: stored.domain,
            csrf_token: stored.csrf_token,
            id_sha256: id_sha256.to_owned(),
            expires_at: stored.expires_at,
        },
    }
}

/// A `Set-Cookie` value for an admin cookie (`HttpOnly; SameSite=Lax; Path=/admin`, `Secure`
/// behind https); `max_age` of `None` makes a browser-session cookie, zero deletes it.
pub fn cookie(name: &str, value: &str, secure: bool, max_age: Option<Duration>) -> String {
    let mut cookie = format!("{name}={value}; Path={COOKIE_PATH}; HttpOnly; SameSite=Lax");
    if let Some(max_age) = max_age {
        cookie.push_str(&format!("; Max-Age={}", max_age.whole_seconds().max(0)));
    }
    if secure {
        cookie.push_str("; Secure");
    }
    cookie
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
    use time::macros::datetime;

    fn stored(created: OffsetDateTime, last_seen: OffsetDateTime) -> StoredAdminSession {
        StoredAdminSession {
            tenant_id: Uuid::nil(),
            domain: "contoso.com".into(),
            csrf_token: "csrf".into(),
            created_at: created,
            last_seen_at: last_seen,
            expires_at: created + ABSOLUTE_TIMEOUT,
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
    fn a_started_session_stores_only_the_hash_of_its_id() {
        let now = datetime!(2026-05-01 08:00 UTC);
        let started = start(Uuid::nil(), "contoso.com", now).unwrap();
        assert_eq!(
            started.row.id_sha256,
            secret::sha256_hex(&started.cookie_value)
        );
        assert_ne!(started.row.csrf_token, started.cookie_value);
        assert_eq!(started.row.expires_at, now + ABSOLUTE_TIMEOUT);
    }

    #[test]
    fn csrf_tokens_must_match_exactly() {
        let session = AdminSession {
            tenant_id: Uuid::nil(),
            domain: "contoso.com".into(),
            csrf_token: "right".into(),
            id_sha256: "h".into(),
            expires_at: datetime!(2026-05-01 08:00 UTC),
        };
        assert!(session.check_csrf("right").is_ok());
        assert!(matches!(session.check_csrf("wrong"), Err(AdminError::Csrf)));
        assert!(matches!(session.check_csrf(""), Err(AdminError::Csrf)));
    }

    #[test]
    fn cookies_are_http_only_lax_and_scoped_to_admin() {
        assert_eq!(
            cookie(SESSION_COOKIE, "v", false, None),
            "authwalk_admin=v; Path=/admin; HttpOnly; SameSite=Lax"
        );
        assert_eq!(
            cookie(SESSION_COOKIE, "", true, Some(Duration::ZERO)),
            "authwalk_admin=; Path=/admin; HttpOnly; SameSite=Lax; Max-Age=0; Secure"
        );
        assert_eq!(
            cookie_value("a=1; authwalk_admin=xyz; b=2", SESSION_COOKIE),
            Some("xyz")
        );
        assert_eq!(cookie_value("authwalk_admin_csrf=q", SESSION_COOKIE), None);
        assert_eq!(cookie_value("authwalk_admin=", SESSION_COOKIE), None);
    }
}
