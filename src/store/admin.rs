//! The admin records: challenges and links, grants (verified domains), sessions and the settings of
//! each scope. The statements are in `postgres/admin.rs` and `sqlite/admin.rs`, one per backend
//! behind this one API; the rules that decide what to write are in `crate::admin`.

use time::OffsetDateTime;
use uuid::Uuid;

use super::models::{
    AdminSignIn, ChallengeKind, GrantStatus, LogoChange, LogoChanged, NewChallenge, Purged,
    Revocation, RevocationKind, Revoker, SessionSummary, SettingsSaved, SettingsUpdate,
    SignInOutcome, StoredAdminSession, StoredChallenge, TenantSettingsRecord, VerifiedDomain,
};
use super::{Backend, Store, StoreError, postgres, sqlite};

/// The Postgres channel every tenant-settings write notifies (payload:
/// `"{tenant id} {version} {scope}"`).
pub const SETTINGS_CHANNEL: &str = "authwalk_tenant_settings";

/// Decides the status of a new grant from the tenant's grants and the domains its admins removed
/// or refused, inside the sign-in's transaction (so two sign-ins of one tenant are judged one
/// after the other); `None` refuses the grant (the tenant holds the most domains it may).
pub type GrantDecision<'a> =
    &'a (dyn Fn(&[VerifiedDomain], &[String]) -> Option<GrantStatus> + Send + Sync);

/// Dispatch one call to the backend's function of the same name.
macro_rules! on_backend {
    ($store:expr, $function:ident ( $($argument:expr),* )) => {
        match &$store.backend {
            Backend::Postgres(pool) => postgres::admin::$function(pool, $($argument),*).await,
            Backend::Sqlite(pool) => sqlite::admin::$function(pool, $($argument),*).await,
        }
    };
}

impl Store {
    /// Store a new domain-control challenge or admin link (its secret's hash only). For a DNS
    /// challenge bound to a browser, the oldest unused ones of the same domain and browser are
    /// withdrawn so that at most `max_live` remain.
    pub async fn insert_admin_challenge(
        &self,
        challenge: &NewChallenge,
        max_live: usize,
    ) -> Result<(), StoreError> {
        let max_live = i64::try_from(max_live.max(1)).unwrap_or(i64::MAX);
        on_backend!(self, insert_admin_challenge(challenge, max_live))
    }

    /// The challenge or admin link whose secret hashes to `token_sha256`.
    pub async fn load_admin_challenge(
        &self,
        token_sha256: &str,
    ) -> Result<Option<StoredChallenge>, StoreError> {
        let row = on_backend!(self, load_admin_challenge(token_sha256))?;
        row.map(|row| {
            let kind =
                ChallengeKind::from_stored(&row.kind).ok_or_else(|| StoreError::Corrupt {
                    what: format!("admin challenge for {}", row.domain),
                    detail: format!("kind {:?}", row.kind),
                })?;
            Ok(StoredChallenge {
                domain: row.domain,
                kind,
                expires_at: row.expires_at,
                used_at: row.used_at,
                browser_sha256: row.browser_sha256,
            })
        })
        .transpose()
    }

    /// How many unused DNS challenges for `domain` the browser whose secret hashes to
    /// `browser_sha256` holds that are still valid at `now`.
    pub async fn live_challenges(
        &self,
        domain: &str,
        browser_sha256: &str,
        now: OffsetDateTime,
    ) -> Result<u64, StoreError> {
        on_backend!(self, live_challenges(domain, browser_sha256, now))
    }

    /// Use up a challenge, record the grant (its status decided by `decide` from the tenant's
    /// grants) and start the session, in one transaction. A domain that moved to another tenant
    /// leaves its old tenant's grant and sessions behind.
    pub async fn complete_admin_sign_in(
        &self,
        sign_in: &AdminSignIn,
        decide: GrantDecision<'_>,
    ) -> Result<SignInOutcome, StoreError> {
        on_backend!(self, complete_admin_sign_in(sign_in, decide))
    }

    /// The admin session whose id hashes to `id_sha256`, with its grant.
    pub async fn load_admin_session(
        &self,
        id_sha256: &str,
    ) -> Result<Option<StoredAdminSession>, StoreError> {
        let row = on_backend!(self, load_admin_session(id_sha256))?;
        row.map(super::models::AdminSessionRow::into_record)
            .transpose()
    }

    /// Record activity on a session (idle expiry counts from here).
    pub async fn touch_admin_session(
        &self,
        id_sha256: &str,
        now: OffsetDateTime,
    ) -> Result<(), StoreError> {
        on_backend!(self, touch_admin_session(id_sha256, now))
    }

    /// End a session.
    pub async fn delete_admin_session(&self, id_sha256: &str) -> Result<(), StoreError> {
        on_backend!(self, delete_admin_session(id_sha256))
    }

    /// The tenant's sessions still alive at `now` (not past their absolute expiry, seen after
    /// `idle_since`), latest sign-in first.
    pub async fn tenant_sessions(
        &self,
        tenant_id: Uuid,
        now: OffsetDateTime,
        idle_since: OffsetDateTime,
    ) -> Result<Vec<SessionSummary>, StoreError> {
        let rows = on_backend!(self, tenant_sessions(tenant_id, now, idle_since))?;
        rows.into_iter()
            .map(super::models::SessionSummaryRow::into_summary)
            .collect()
    }

    /// End the tenant's session named `public_id` and record who ended it; whether there was
    /// one.
    pub async fn revoke_session(
        &self,
        tenant_id: Uuid,
        public_id: &str,
        by: &Revoker,
    ) -> Result<bool, StoreError> {
        on_backend!(self, revoke_session(tenant_id, public_id, by))
    }

    /// The tenant's latest removals (sessions ended, domains removed or refused), newest first.
    pub async fn revocations(
        &self,
        tenant_id: Uuid,
        limit: i64,
    ) -> Result<Vec<Revocation>, StoreError> {
        let rows = on_backend!(self, revocations(tenant_id, limit))?;
        rows.into_iter()
            .map(super::models::RevocationRow::into_record)
            .collect()
    }

    /// The grants (verified domains) of `tenant_id`, oldest first.
    pub async fn verified_domains(
        &self,
        tenant_id: Uuid,
    ) -> Result<Vec<VerifiedDomain>, StoreError> {
        let rows = on_backend!(self, verified_domains(tenant_id))?;
        rows.into_iter()
            .map(super::models::VerifiedDomainRow::into_record)
            .collect()
    }

    /// Approve the tenant's pending grant of `domain` (method `approval`, approved by the admin of
    /// `approved_by`, whose own grant must still be active when this is written); whether it was
    /// pending.
    pub async fn approve_verified_domain(
        &self,
        tenant_id: Uuid,
        domain: &str,
        approved_by: &str,
        now: OffsetDateTime,
    ) -> Result<bool, StoreError> {
        on_backend!(
            self,
            approve_verified_domain(tenant_id, domain, approved_by, now)
        )
    }

    /// Delete the tenant's grant of `domain` (only a pending one for a refusal), end every
    /// session signed in with it, withdraw the unused challenges and links of it and its
    /// subdomains, and record who did it; whether there was such a grant.
    pub async fn revoke_verified_domain(
        &self,
        tenant_id: Uuid,
        domain: &str,
        kind: RevocationKind,
        by: &Revoker,
    ) -> Result<bool, StoreError> {
        on_backend!(self, revoke_verified_domain(tenant_id, domain, kind, by))
    }

    /// Delete what can never be used again: challenges and links past their expiry, sessions
    /// past their absolute expiry or unseen since `idle_since`, and grants still pending since
    /// before `pending_since` (with their sessions).
    pub async fn purge_expired_admin_records(
        &self,
        now: OffsetDateTime,
        idle_since: OffsetDateTime,
        pending_since: OffsetDateTime,
    ) -> Result<Purged, StoreError> {
        on_backend!(
            self,
            purge_expired_admin_records(now, idle_since, pending_since)
        )
    }

    /// The settings of one scope of the tenant, if its admins ever saved some.
    pub async fn load_scope_settings(
        &self,
        tenant_id: Uuid,
        scope: &str,
    ) -> Result<Option<TenantSettingsRecord>, StoreError> {
        on_backend!(self, load_scope_settings(tenant_id, scope))
    }

    /// Every scope's settings of the tenant.
    pub async fn tenant_settings(
        &self,
        tenant_id: Uuid,
    ) -> Result<Vec<TenantSettingsRecord>, StoreError> {
        on_backend!(self, tenant_settings(tenant_id))
    }

    /// Write every admin-editable setting of a scope at once, only if its version is still
    /// `expected_version` (0: the scope has no settings yet); the new version is unique across
    /// all scopes. On Postgres every instance is notified in the same transaction.
    pub async fn save_scope_settings(
        &self,
        tenant_id: Uuid,
        scope: &str,
        expected_version: i64,
        update: &SettingsUpdate,
    ) -> Result<SettingsSaved, StoreError> {
        on_backend!(
            self,
            save_scope_settings(tenant_id, scope, expected_version, update)
        )
    }

    /// Delete a scope's settings, only if its version is still `expected_version` (its pages then
    /// read the nearest scope above it); whether they were deleted.
    pub async fn delete_scope_settings(
        &self,
        tenant_id: Uuid,
        scope: &str,
        expected_version: i64,
    ) -> Result<bool, StoreError> {
        on_backend!(
            self,
            delete_scope_settings(tenant_id, scope, expected_version)
        )
    }

    /// Change a scope's admin logo (a new version, notified like settings).
    pub async fn change_scope_logo(
        &self,
        tenant_id: Uuid,
        scope: &str,
        change: &LogoChange,
    ) -> Result<LogoChanged, StoreError> {
        on_backend!(self, change_scope_logo(tenant_id, scope, change))
    }

    /// Whether a scope other than (`tenant_id`, `scope`) has the short link `slug`.
    pub async fn slug_taken(
        &self,
        slug: &str,
        tenant_id: Uuid,
        scope: &str,
    ) -> Result<bool, StoreError> {
        on_backend!(self, slug_taken(slug, tenant_id, scope))
    }

    /// The tenant and scope (a domain) whose short link is `slug`.
    pub async fn domain_for_slug(&self, slug: &str) -> Result<Option<(Uuid, String)>, StoreError> {
        let row: Option<(String, String)> = on_backend!(self, domain_for_slug(slug))?;
        row.map(|(tenant, scope)| {
            Uuid::parse_str(&tenant)
                .map(|tenant| (tenant, scope))
                .map_err(|error| StoreError::Corrupt {
                    what: format!("the short link {slug}"),
                    detail: format!("tenant id {tenant:?}: {error}"),
                })
        })
        .transpose()
    }

    /// Subscribe to tenant-settings changes made by any instance: `None` on SQLite, where this
    /// process is the only writer.
    pub async fn settings_changes(&self) -> Result<Option<SettingsChanges>, StoreError> {
        match &self.backend {
            Backend::Postgres(pool) => Ok(Some(SettingsChanges {
                listener: postgres::admin::settings_listener(pool).await?,
            })),
            Backend::Sqlite(_) => Ok(None),
        }
    }
}

/// A subscription to [`SETTINGS_CHANNEL`] on its own Postgres connection.
pub struct SettingsChanges {
    listener: sqlx::postgres::PgListener,
}

impl std::fmt::Debug for SettingsChanges {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SettingsChanges").finish_non_exhaustive()
    }
}

/// One event of [`SettingsChanges`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SettingsChange {
    /// This tenant's settings changed; which scope now has which version, when the payload says.
    Tenant(Uuid, Option<(String, i64)>),
    /// A notification whose payload is not a tenant id (ignore it).
    Unrecognised,
    /// The connection was lost: notifications may have been missed.
    Lost,
}

impl SettingsChanges {
    /// The next change; [`SettingsChange::Lost`] when the connection dropped (subscribe again).
    pub async fn next(&mut self) -> SettingsChange {
        match self.listener.try_recv().await {
            Ok(Some(notification)) => parse_settings_change(notification.payload()),
            Ok(None) | Err(_) => SettingsChange::Lost,
        }
    }
}

/// `"{tenant id} {version} {scope}"`; anything less names only the tenant.
fn parse_settings_change(payload: &str) -> SettingsChange {
    let mut parts = payload.splitn(3, ' ');
    let Some(Ok(tenant_id)) = parts.next().map(Uuid::parse_str) else {
        return SettingsChange::Unrecognised;
    };
    let version = parts.next().and_then(|version| version.parse::<i64>().ok());
    let scope = parts.next().filter(|scope| !scope.is_empty());
    SettingsChange::Tenant(
        tenant_id,
        version
            .zip(scope)
            .map(|(version, scope)| (scope.to_owned(), version)),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn settings_notifications_carry_the_tenant_and_the_scope_written() {
        let tenant = "0b6b4b4e-3c5a-4d8e-9f6a-2b1c3d4e5f60";
        let id = Uuid::parse_str(tenant).unwrap();
        assert_eq!(
            parse_settings_change(&format!("{tenant} 7 dept.contoso.com")),
            SettingsChange::Tenant(id, Some(("dept.contoso.com".into(), 7)))
        );
        assert_eq!(
            parse_settings_change(&format!("{tenant} 7")),
            SettingsChange::Tenant(id, None)
        );
        assert_eq!(
            parse_settings_change(tenant),
            SettingsChange::Tenant(id, None)
        );
        assert_eq!(
            parse_settings_change(&format!("{tenant} x contoso.com")),
            SettingsChange::Tenant(id, None)
        );
        assert_eq!(
            parse_settings_change("hello 3 contoso.com"),
            SettingsChange::Unrecognised
        );
    }
}
