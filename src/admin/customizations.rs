//! What admins chose, as the pages read it: per tenant, every scope's [`Customization`] in
//! memory; a page takes the nearest scope that covers its domain.
//!
//! Caching across instances: [`TenantCustomizations`] keeps each tenant's scopes in memory.
//! Every write invalidates the local entry at once; on Postgres every write also sends
//! `pg_notify` in its transaction and [`TenantCustomizations::listen_for_changes`] invalidates
//! the entry on every other instance. After the listener's connection drops, everything is
//! invalidated once it is back, since notifications may have been missed meanwhile.

use std::sync::{Arc, Weak};
use std::time::Duration;

use uuid::Uuid;

use crate::store::models::TenantSettingsRecord;
use crate::store::{SettingsChange, Store};
use crate::walkthrough::{Helpdesk, PasskeyPolicy, TenantSettings};

use super::AdminError;
use super::{rights, settings};

/// The customisation of a page no admin has changed: made once, shared by every such page view.
static DEFAULTS: std::sync::LazyLock<Arc<Customization>> = std::sync::LazyLock::new(Arc::default);

/// What one scope's admins chose, as the pages need it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Customization {
    /// The domain whose settings these are (`None`: nobody's, the defaults).
    pub scope: Option<String>,
    /// Passkey policy, helpdesk and intro message.
    pub settings: TenantSettings,
    /// The published admin logo (SHA-256 of our PNG copy), if any.
    pub logo_sha256: Option<String>,
    /// The `#rrggbb` admin colour override, if any.
    pub brand_color: Option<String>,
    /// `tenant_settings.version`: unique across scopes (0 for the defaults).
    pub version: i64,
    /// The `/go/{slug}` short link, if any.
    pub short_slug: Option<String>,
    /// An uploaded logo waiting to be published (shown only to admins).
    pub pending_logo_sha256: Option<String>,
}

impl Customization {
    /// The defaults, shared (most tenants' pages: no admin has changed anything).
    pub fn defaults() -> Arc<Customization> {
        Arc::clone(&DEFAULTS)
    }

    /// The customisation a stored row describes (defaults when there is none).
    pub fn from_record(record: Option<&TenantSettingsRecord>) -> Self {
        let Some(record) = record else {
            return Self::default();
        };
        // Rows may predate today's rules (invisible characters, a `?subject=` in an email): what
        // is shown passes them again, and a value they refuse is not shown at all.
        let shown = |value: &Option<String>, rule: fn(&str) -> Result<Option<String>, String>| {
            value.as_deref().and_then(|raw| rule(raw).ok().flatten())
        };
        let helpdesk = Helpdesk {
            email: shown(&record.helpdesk_email, settings::email),
            phone: shown(&record.helpdesk_phone, settings::phone),
            url: shown(&record.helpdesk_url, settings::web_address),
        };
        let has_helpdesk = helpdesk != Helpdesk::default();
        Self {
            scope: Some(record.scope.clone()),
            settings: TenantSettings {
                passkey_policy: policy_from_stored(&record.passkey_policy),
                helpdesk: has_helpdesk.then_some(helpdesk),
                intro_message: record
                    .intro_message
                    .as_deref()
                    .map(|text| crate::invisible::strip(text).trim().to_owned())
                    .filter(|text| !text.is_empty()),
            },
            logo_sha256: record.logo_sha256.clone(),
            brand_color: record.brand_color.clone(),
            version: record.version,
            short_slug: record.short_slug.clone(),
            pending_logo_sha256: record.pending_logo_sha256.clone(),
        }
    }
}

/// The stored name of a passkey policy.
pub fn policy_as_stored(policy: PasskeyPolicy) -> &'static str {
    match policy {
        PasskeyPolicy::AuthenticatorOnly => "authenticator_only",
        PasskeyPolicy::SyncedAllowed => "synced_allowed",
    }
}

fn policy_from_stored(value: &str) -> PasskeyPolicy {
    match value {
        "synced_allowed" => PasskeyPolicy::SyncedAllowed,
        _ => PasskeyPolicy::AuthenticatorOnly,
    }
}

/// Every scope of one tenant that has settings.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TenantScopes {
    scopes: Vec<Arc<Customization>>,
}

impl TenantScopes {
    /// The scopes of these stored rows.
    pub fn from_records(records: &[TenantSettingsRecord]) -> Self {
        Self {
            scopes: records
                .iter()
                .map(|record| Arc::new(Customization::from_record(Some(record))))
                .collect(),
        }
    }

    /// What `domain`'s page shows: the nearest scope that covers it, else the defaults.
    pub fn for_domain(&self, domain: &str) -> Arc<Customization> {
        let nearest = rights::nearest_scope(domain, self.scope_names());
        nearest
            .and_then(|scope| self.own(scope))
            .unwrap_or_else(Customization::defaults)
    }

    /// The settings of exactly `scope`, if it has some.
    pub fn own(&self, scope: &str) -> Option<Arc<Customization>> {
        self.scopes
            .iter()
            .find(|customization| customization.scope.as_deref() == Some(scope))
            .cloned()
    }

    /// The scopes that have settings.
    pub fn scope_names(&self) -> impl Iterator<Item = &str> {
        self.scopes
            .iter()
            .filter_map(|customization| customization.scope.as_deref())
    }
}

/// Most tenants kept in memory.
const CACHE_CAPACITY: u64 = 50_000;
/// First and longest wait before subscribing again after the listener lost its connection.
const RESUBSCRIBE_BACKOFF: (Duration, Duration) =
    (Duration::from_millis(250), Duration::from_secs(5));

/// Per-tenant customisation, cached in memory, invalidated across instances.
#[derive(Clone)]
pub struct TenantCustomizations {
    inner: Arc<Inner>,
}

struct Inner {
    store: Store,
    /// A synchronous cache: a warm page's lookup then costs no async bookkeeping (moka's async
    /// cache cost twice as much per read under load). Each entry is a cell, so the first readers
    /// of a tenant share one load.
    cache: moka::sync::Cache<Uuid, Entry>,
}

/// A tenant's scopes once loaded.
type Entry = Arc<tokio::sync::OnceCell<Arc<TenantScopes>>>;

impl std::fmt::Debug for TenantCustomizations {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TenantCustomizations")
            .field("entries", &self.inner.cache.entry_count())
            .finish_non_exhaustive()
    }
}

impl TenantCustomizations {
    /// An empty cache over the store (call [`Self::listen_for_changes`] in a server).
    pub fn new(store: Store) -> Self {
        Self {
            inner: Arc::new(Inner {
                store,
                cache: moka::sync::Cache::builder()
                    .max_capacity(CACHE_CAPACITY)
                    .build(),
            }),
        }
    }

    /// What `domain`'s page of tenant `tenant_id` shows (memory first).
    pub async fn for_domain(
        &self,
        tenant_id: Uuid,
        domain: &str,
    ) -> Result<Arc<Customization>, AdminError> {
        Ok(self.for_tenant(tenant_id).await?.for_domain(domain))
    }

    /// Every scope of the tenant: from memory when cached (no database access), else loaded.
    pub async fn for_tenant(&self, tenant_id: Uuid) -> Result<Arc<TenantScopes>, AdminError> {
        if let Some(cached) = self
            .inner
            .cache
            .get(&tenant_id)
            .and_then(|e| e.get().cloned())
        {
            return Ok(cached);
        }
        // Boxed: the load's state machine would otherwise ride along in every cached read.
        Box::pin(self.load(tenant_id)).await
    }

    /// Load into the cache (one load per tenant however many ask at once). A failed load leaves
    /// the cell empty, so the next reader tries again. An invalidation meanwhile drops the cell:
    /// the load still answers its own readers, but what it read is not kept.
    async fn load(&self, tenant_id: Uuid) -> Result<Arc<TenantScopes>, AdminError> {
        let entry = self.inner.cache.get_with(tenant_id, Entry::default);
        let store = self.inner.store.clone();
        entry
            .get_or_try_init(|| async move {
                let records = store.tenant_settings(tenant_id).await?;
                Ok::<_, crate::store::StoreError>(Arc::new(TenantScopes::from_records(&records)))
            })
            .await
            .cloned()
            .map_err(|error| AdminError::Settings(Arc::new(error)))
    }

    /// Forget the tenant's entry (after a write, or when another instance wrote).
    pub async fn invalidate(&self, tenant_id: Uuid) {
        self.inner.cache.invalidate(&tenant_id);
    }

    /// Forget every entry.
    pub fn invalidate_all(&self) {
        self.inner.cache.invalidate_all();
    }

    /// On Postgres, start the task that applies other instances' changes (no-op on SQLite). The
    /// task ends when every handle of this cache is dropped and its connection goes.
    pub fn listen_for_changes(&self) {
        if self.inner.store.kind() != crate::store::BackendKind::Postgres {
            return;
        }
        let weak = Arc::downgrade(&self.inner);
        let store = self.inner.store.clone();
        tokio::spawn(listen(weak, store));
    }
}

async fn listen(weak: Weak<Inner>, store: Store) {
    let mut backoff = RESUBSCRIBE_BACKOFF.0;
    loop {
        if weak.strong_count() == 0 {
            return;
        }
        let mut changes = match store.settings_changes().await {
            Ok(Some(changes)) => changes,
            Ok(None) => return,
            Err(error) => {
                tracing::debug!(%error, "cannot subscribe to tenant settings changes; retrying");
                tokio::time::sleep(backoff).await;
                backoff = (backoff * 2).min(RESUBSCRIBE_BACKOFF.1);
                continue;
            }
        };
        backoff = RESUBSCRIBE_BACKOFF.0;
        // Subscribed (again): whatever changed while we were not listening must be reloaded.
        match weak.upgrade() {
            Some(inner) => inner.cache.invalidate_all(),
            None => return,
        }
        loop {
            match changes.next().await {
                SettingsChange::Tenant(tenant_id, written) => match weak.upgrade() {
                    Some(inner) => {
                        // Our own write arrives here too, often after this instance has already
                        // loaded the new version: dropping it then would only cost a reload (and,
                        // were the database to go away meanwhile, the customisation itself).
                        let current = inner.cache.get(&tenant_id).and_then(|e| e.get().cloned());
                        let up_to_date = match (&current, &written) {
                            (Some(cached), Some((scope, version))) => cached
                                .own(scope)
                                .is_some_and(|scope| scope.version >= *version),
                            _ => false,
                        };
                        if !up_to_date {
                            inner.cache.invalidate(&tenant_id);
                        }
                    }
                    None => return,
                },
                SettingsChange::Unrecognised => {}
                SettingsChange::Lost => {
                    tracing::info!("lost the tenant settings subscription; subscribing again");
                    break;
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record(scope: &str, version: i64) -> TenantSettingsRecord {
        TenantSettingsRecord {
            scope: scope.into(),
            passkey_policy: "authenticator_only".into(),
            version,
            ..TenantSettingsRecord::default()
        }
    }

    #[test]
    fn a_record_becomes_the_customization_the_pages_need() {
        assert_eq!(Customization::from_record(None).version, 0);
        let stored = TenantSettingsRecord {
            passkey_policy: "synced_allowed".into(),
            helpdesk_phone: Some("+1 425 555 0100".into()),
            logo_sha256: Some("a".repeat(64)),
            brand_color: Some("#0072c6".into()),
            ..record("contoso.com", 3)
        };
        let customization = Customization::from_record(Some(&stored));
        assert_eq!(customization.scope.as_deref(), Some("contoso.com"));
        assert_eq!(
            customization.settings.passkey_policy,
            PasskeyPolicy::SyncedAllowed
        );
        assert_eq!(
            customization.settings.helpdesk.unwrap().phone.as_deref(),
            Some("+1 425 555 0100")
        );
        assert_eq!(customization.version, 3);
        let bare = Customization::from_record(Some(&record("contoso.com", 1)));
        assert_eq!(bare.settings.helpdesk, None);
    }

    #[test]
    fn each_page_reads_the_nearest_scope_and_a_parent_never_reads_a_subdomain() {
        let scopes =
            TenantScopes::from_records(&[record("contoso.com", 4), record("dept.contoso.com", 7)]);
        assert_eq!(scopes.for_domain("dept.contoso.com").version, 7);
        assert_eq!(scopes.for_domain("eu.dept.contoso.com").version, 7);
        assert_eq!(
            scopes.for_domain("contoso.com").version,
            4,
            "never the child's"
        );
        assert_eq!(scopes.for_domain("sales.contoso.com").version, 4);
        assert_eq!(scopes.for_domain("contoso.net").version, 0, "the defaults");
        assert_eq!(scopes.own("dept.contoso.com").map(|c| c.version), Some(7));
        assert!(scopes.own("sales.contoso.com").is_none());
    }
}
