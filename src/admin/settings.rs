//! Tenant settings: what admins may change, how each value is checked, and the per-tenant
//! customisation the tenant page and API read from memory.
//!
//! Caching across instances: [`TenantCustomizations`] keeps each tenant's [`Customization`] in
//! memory. Every write invalidates the local entry at once; on Postgres every write also sends
//! `pg_notify` in its transaction and [`TenantCustomizations::listen_for_changes`] invalidates
//! the entry on every other instance. After the listener's connection drops, everything is
//! invalidated once it is back, since notifications may have been missed meanwhile.

use std::sync::{Arc, Weak};
use std::time::Duration;

use uuid::Uuid;

use crate::branding::palette;
use crate::domain::DomainName;
use crate::store::models::{SettingsUpdate, TenantSettingsRecord};
use crate::store::{SettingsChange, Store};
use crate::walkthrough::{Helpdesk, PasskeyPolicy, TenantSettings};

use super::AdminError;

/// What a tenant's admins chose, as the pages need it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Customization {
    /// Passkey policy, helpdesk and intro message.
    pub settings: TenantSettings,
    /// The published admin logo (SHA-256 of our PNG copy), if any.
    pub logo_sha256: Option<String>,
    /// The `#rrggbb` admin colour override, if any.
    pub brand_color: Option<String>,
    /// `tenant_settings.version` (0 when the tenant has no row).
    pub version: i64,
    /// The `/go/{slug}` short link, if any.
    pub short_slug: Option<String>,
    /// An uploaded logo waiting to be published (shown only to admins).
    pub pending_logo_sha256: Option<String>,
}

impl Customization {
    /// The customisation a stored row describes (defaults when there is none).
    pub fn from_record(record: Option<&TenantSettingsRecord>) -> Self {
        let Some(record) = record else {
            return Self::default();
        };
        let helpdesk = Helpdesk {
            email: record.helpdesk_email.clone(),
            phone: record.helpdesk_phone.clone(),
            url: record.helpdesk_url.clone(),
        };
        let has_helpdesk = helpdesk != Helpdesk::default();
        Self {
            settings: TenantSettings {
                passkey_policy: policy_from_stored(&record.passkey_policy),
                helpdesk: has_helpdesk.then_some(helpdesk),
                intro_message: record.intro_message.clone(),
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
    cache: moka::future::Cache<Uuid, Arc<Customization>>,
}

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
                cache: moka::future::Cache::builder()
                    .max_capacity(CACHE_CAPACITY)
                    .build(),
            }),
        }
    }

    /// The tenant's customisation: from memory when cached (no database access), else loaded.
    pub async fn for_tenant(&self, tenant_id: Uuid) -> Result<Arc<Customization>, AdminError> {
        if let Some(cached) = self.inner.cache.get(&tenant_id).await {
            return Ok(cached);
        }
        // Boxed: the load's state machine would otherwise ride along in every cached read.
        Box::pin(self.load(tenant_id)).await
    }

    /// Load into the cache (one load per tenant however many ask at once).
    async fn load(&self, tenant_id: Uuid) -> Result<Arc<Customization>, AdminError> {
        let store = self.inner.store.clone();
        self.inner
            .cache
            .try_get_with(tenant_id, async move {
                let record = store.load_tenant_settings(tenant_id).await?;
                Ok::<_, crate::store::StoreError>(Arc::new(Customization::from_record(
                    record.as_ref(),
                )))
            })
            .await
            .map_err(AdminError::Settings)
    }

    /// Forget the tenant's entry (after a write, or when another instance wrote).
    pub async fn invalidate(&self, tenant_id: Uuid) {
        self.inner.cache.invalidate(&tenant_id).await;
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
                SettingsChange::Tenant(tenant_id, version) => match weak.upgrade() {
                    Some(inner) => {
                        // Our own write arrives here too, often after this instance has already
                        // loaded the new version: dropping it then would only cost a reload (and,
                        // were the database to go away meanwhile, the customisation itself).
                        let current = inner.cache.get(&tenant_id).await;
                        let up_to_date = matches!(
                            (&current, version),
                            (Some(cached), Some(version)) if cached.version >= version
                        );
                        if !up_to_date {
                            inner.cache.invalidate(&tenant_id).await;
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

// --- validation ---

/// Longest intro message, in characters.
pub const INTRO_MAX_CHARS: usize = 500;
/// Short link length bounds, in characters.
pub const SLUG_LENGTH: (usize, usize) = (3, 40);
/// Words a short link may not be (they name our own routes, or could pass for them).
pub const RESERVED_SLUGS: &[&str] = &[
    "about", "admin", "api", "assets", "go", "healthz", "help", "login", "logout", "readyz",
    "signin", "signout", "static", "support", "t", "www",
];

/// The settings form as typed (every field a string, echoed back on errors).
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Deserialize)]
#[serde(default)]
pub struct SettingsForm {
    /// `#rrggbb`, or empty for the automatic colour.
    pub brand_color: String,
    /// `authenticator_only` or `synced_allowed`.
    pub passkey_policy: String,
    /// Helpdesk email address.
    pub helpdesk_email: String,
    /// Helpdesk phone number.
    pub helpdesk_phone: String,
    /// Helpdesk web address.
    pub helpdesk_url: String,
    /// Plain-text message from IT.
    pub intro_message: String,
    /// The short link.
    pub short_slug: String,
}

/// A message per field that was refused.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FieldErrors {
    /// Brand colour.
    pub brand_color: Option<String>,
    /// Passkey policy.
    pub passkey_policy: Option<String>,
    /// Helpdesk email.
    pub helpdesk_email: Option<String>,
    /// Helpdesk phone.
    pub helpdesk_phone: Option<String>,
    /// Helpdesk URL.
    pub helpdesk_url: Option<String>,
    /// Intro message.
    pub intro_message: Option<String>,
    /// Short link.
    pub short_slug: Option<String>,
}

impl FieldErrors {
    /// Whether no field was refused.
    pub fn is_empty(&self) -> bool {
        *self == FieldErrors::default()
    }
}

impl SettingsForm {
    /// The form filled with what is stored.
    pub fn from_customization(customization: &Customization) -> Self {
        let helpdesk = customization.settings.helpdesk.clone().unwrap_or_default();
        Self {
            brand_color: customization.brand_color.clone().unwrap_or_default(),
            passkey_policy: policy_as_stored(customization.settings.passkey_policy).to_owned(),
            helpdesk_email: helpdesk.email.unwrap_or_default(),
            helpdesk_phone: helpdesk.phone.unwrap_or_default(),
            helpdesk_url: helpdesk.url.unwrap_or_default(),
            intro_message: customization
                .settings
                .intro_message
                .clone()
                .unwrap_or_default(),
            short_slug: customization.short_slug.clone().unwrap_or_default(),
        }
    }

    /// Check every field; the update to store, or a message beside each refused field.
    pub fn validate(&self) -> Result<SettingsUpdate, Box<FieldErrors>> {
        let mut errors = FieldErrors::default();
        let keep = |result: Result<Option<String>, String>, slot: &mut Option<String>| {
            result.unwrap_or_else(|message| {
                *slot = Some(message);
                None
            })
        };
        let brand_color = keep(brand_colour(&self.brand_color), &mut errors.brand_color);
        let passkey_policy = keep(
            passkey_policy(&self.passkey_policy).map(Some),
            &mut errors.passkey_policy,
        );
        let update = SettingsUpdate {
            brand_color,
            passkey_policy: passkey_policy.unwrap_or_default(),
            helpdesk_email: keep(email(&self.helpdesk_email), &mut errors.helpdesk_email),
            helpdesk_phone: keep(phone(&self.helpdesk_phone), &mut errors.helpdesk_phone),
            helpdesk_url: keep(web_address(&self.helpdesk_url), &mut errors.helpdesk_url),
            intro_message: keep(
                intro_message(&self.intro_message),
                &mut errors.intro_message,
            ),
            short_slug: keep(short_slug(&self.short_slug), &mut errors.short_slug),
        };
        if errors.is_empty() {
            Ok(update)
        } else {
            Err(Box::new(errors))
        }
    }
}

/// `None` for an empty (whitespace-only) field.
fn optional(value: &str) -> Option<&str> {
    Some(value.trim()).filter(|value| !value.is_empty())
}

/// The admin's colour override: readable as a button on our pages (WCAG AA), stored lower case.
pub fn brand_colour(value: &str) -> Result<Option<String>, String> {
    let Some(value) = optional(value) else {
        return Ok(None);
    };
    palette::check_admin_colour(value)
        .map(|colour| Some(colour.to_hex().to_ascii_lowercase()))
        .map_err(|error| error.to_string())
}

fn passkey_policy(value: &str) -> Result<String, String> {
    match value.trim() {
        "" | "authenticator_only" => Ok("authenticator_only".into()),
        "synced_allowed" => Ok("synced_allowed".into()),
        _ => Err("Choose one of the two passkey policies.".into()),
    }
}

/// A helpdesk email address: one `@`, a plausible local part and a public domain.
pub fn email(value: &str) -> Result<Option<String>, String> {
    let Some(value) = optional(value) else {
        return Ok(None);
    };
    let refuse = |why: &str| {
        Err(format!(
            "“{}” isn't an email address we can use: {why}.",
            shown(value)
        ))
    };
    if value.chars().count() > 254 {
        return refuse("it is longer than 254 characters");
    }
    let Some((local, domain)) = value.rsplit_once('@') else {
        return refuse("it has no @, as in helpdesk@contoso.com");
    };
    if local.is_empty() || local.len() > 64 {
        return refuse("the part before the @ must be 1 to 64 characters");
    }
    let bad = |c: char| c.is_whitespace() || c.is_control() || "@<>()[]\\,;:\"".contains(c);
    if local.chars().any(bad)
        || local.starts_with('.')
        || local.ends_with('.')
        || local.contains("..")
    {
        return refuse("the part before the @ has a space or a character addresses can't have");
    }
    if DomainName::parse(domain).is_err() || domain.ends_with('.') || domain.contains(['/', ':']) {
        return refuse("the part after the @ isn't a public domain such as contoso.com");
    }
    Ok(Some(value.to_owned()))
}

/// A helpdesk phone number: digits, spaces and `+ ( ) - .`, with 5 to 20 digits.
pub fn phone(value: &str) -> Result<Option<String>, String> {
    let Some(value) = optional(value) else {
        return Ok(None);
    };
    let refuse = |why: &str| {
        Err(format!(
            "“{}” isn't a phone number we can show: {why}.",
            shown(value)
        ))
    };
    if let Some(c) = value
        .chars()
        .find(|c| !(c.is_ascii_digit() || " +()-.".contains(*c)))
    {
        return refuse(&format!(
            "it contains “{c}”; use only digits, spaces and + ( ) - ."
        ));
    }
    if value.char_indices().any(|(i, c)| c == '+' && i != 0) {
        return refuse("a + may only start the number, as in +1 425 555 0100");
    }
    let digits = value.chars().filter(char::is_ascii_digit).count();
    if !(5..=20).contains(&digits) {
        return refuse("a phone number has 5 to 20 digits");
    }
    Ok(Some(value.split_whitespace().collect::<Vec<_>>().join(" ")))
}

/// A helpdesk web address: `https://` (or `http://`) with a host.
pub fn web_address(value: &str) -> Result<Option<String>, String> {
    let Some(value) = optional(value) else {
        return Ok(None);
    };
    let refuse = |why: &str| {
        Err(format!(
            "“{}” isn't a web address we can link to: {why}.",
            shown(value)
        ))
    };
    if value.len() > 2048 {
        return refuse("it is longer than 2048 characters");
    }
    let url = match url::Url::parse(value) {
        Ok(url) => url,
        Err(url::ParseError::RelativeUrlWithoutBase) => {
            return refuse("start it with https://, as in https://help.contoso.com");
        }
        Err(error) => return refuse(&error.to_string()),
    };
    if !matches!(url.scheme(), "https" | "http") {
        return refuse("only https:// (or http://) addresses can be linked");
    }
    let has_domain = url
        .host_str()
        .is_some_and(|host| DomainName::parse(host).is_ok());
    if !has_domain {
        return refuse("it needs a public host name, as in https://help.contoso.com");
    }
    if !url.username().is_empty() || url.password().is_some() {
        return refuse("it must not contain a user name or password");
    }
    Ok(Some(url.to_string()))
}

/// The intro message: plain text, at most 500 characters, line breaks but no other control
/// characters.
pub fn intro_message(value: &str) -> Result<Option<String>, String> {
    let normalised = value.replace("\r\n", "\n").replace('\r', "\n");
    let Some(text) = optional(&normalised) else {
        return Ok(None);
    };
    if let Some(c) = text.chars().find(|c| c.is_control() && *c != '\n') {
        return Err(format!(
            "The message contains an invisible control character (U+{:04X}); remove it and use \
             plain text.",
            u32::from(c)
        ));
    }
    let count = text.chars().count();
    if count > INTRO_MAX_CHARS {
        return Err(format!(
            "The message is {count} characters long; keep it to {INTRO_MAX_CHARS}."
        ));
    }
    Ok(Some(text.to_owned()))
}

/// The short link: 3–40 of `a-z 0-9 -`, no leading or trailing hyphen, not a reserved word.
pub fn short_slug(value: &str) -> Result<Option<String>, String> {
    let Some(slug) = optional(value) else {
        return Ok(None);
    };
    let slug = slug.to_ascii_lowercase();
    let count = slug.chars().count();
    if count < SLUG_LENGTH.0 || count > SLUG_LENGTH.1 {
        return Err(format!(
            "A short link has {} to {} characters; “{}” has {count}.",
            SLUG_LENGTH.0,
            SLUG_LENGTH.1,
            shown(&slug)
        ));
    }
    if let Some(c) = slug
        .chars()
        .find(|c| !(c.is_ascii_lowercase() || c.is_ascii_digit() || *c == '-'))
    {
        return Err(format!(
            "A short link may use only letters a–z, digits and hyphens; “{c}” isn't allowed."
        ));
    }
    if slug.starts_with('-') || slug.ends_with('-') {
        return Err("A short link can't start or end with a hyphen.".into());
    }
    if RESERVED_SLUGS.contains(&slug.as_str()) {
        return Err(format!("“{slug}” is reserved; choose another short link."));
    }
    Ok(Some(slug))
}

/// The message beside the short-link field when another tenant has it.
pub fn slug_taken_message(slug: &str) -> String {
    format!("The short link “{slug}” is already taken; choose another.")
}

/// A refused value as repeated in a message (shortened).
fn shown(value: &str) -> String {
    const SHOWN_CHARS: usize = 60;
    if value.chars().count() <= SHOWN_CHARS {
        value.to_owned()
    } else {
        let mut cut: String = value.chars().take(SHOWN_CHARS - 1).collect();
        cut.push('…');
        cut
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn colours_are_checked_for_contrast_and_stored_lower_case() {
        assert_eq!(brand_colour(""), Ok(None));
        assert_eq!(brand_colour("#0072C6"), Ok(Some("#0072c6".into())));
        let pale = brand_colour("#ffff00").unwrap_err();
        assert!(pale.contains(":1"), "the measured ratio is named: {pale}");
        assert!(brand_colour("blue").unwrap_err().contains("#RRGGBB"));
    }

    #[test]
    fn emails_phones_and_urls_are_sane() {
        assert_eq!(
            email(" helpdesk@contoso.com "),
            Ok(Some("helpdesk@contoso.com".into()))
        );
        for bad in [
            "helpdesk",
            "@contoso.com",
            "a b@contoso.com",
            "x@localhost",
            "x@10.0.0.1",
            "x@contoso",
        ] {
            assert!(email(bad).is_err(), "{bad}");
        }
        assert_eq!(
            phone("+1 (425)  555-0100"),
            Ok(Some("+1 (425) 555-0100".into()))
        );
        for bad in ["call us", "12", "1+2345678", "+44 20 7946 0958 ext 2"] {
            assert!(phone(bad).is_err(), "{bad}");
        }
        assert_eq!(
            web_address("https://help.contoso.com/passkeys"),
            Ok(Some("https://help.contoso.com/passkeys".into()))
        );
        for bad in [
            "help.contoso.com",
            "javascript:alert(1)",
            "ftp://contoso.com",
            "https://127.0.0.1/",
            "https://user:pw@contoso.com/",
        ] {
            assert!(web_address(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn intro_messages_are_short_plain_text() {
        assert_eq!(intro_message("  "), Ok(None));
        assert_eq!(
            intro_message("Hello\r\nteam"),
            Ok(Some("Hello\nteam".into()))
        );
        assert!(intro_message(&"é".repeat(500)).is_ok());
        let long = intro_message(&"a".repeat(501)).unwrap_err();
        assert!(long.contains("501"), "{long}");
        assert!(intro_message("bell\u{7}").unwrap_err().contains("U+0007"));
    }

    #[test]
    fn short_links_follow_the_rules() {
        assert_eq!(short_slug("Contoso-IT"), Ok(Some("contoso-it".into())));
        assert_eq!(short_slug(""), Ok(None));
        for bad in [
            "ab",
            "-contoso",
            "contoso-",
            "con toso",
            "admin",
            "assets",
            &"a".repeat(41),
        ] {
            assert!(short_slug(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn a_form_with_errors_names_each_refused_field() {
        let form = SettingsForm {
            brand_color: "#ffff00".into(),
            passkey_policy: "synced_allowed".into(),
            helpdesk_email: "nope".into(),
            helpdesk_phone: "+1 425 555 0100".into(),
            helpdesk_url: String::new(),
            intro_message: "x".repeat(501),
            short_slug: "contoso".into(),
        };
        let errors = form.validate().unwrap_err();
        assert!(errors.brand_color.is_some());
        assert!(errors.helpdesk_email.is_some());
        assert!(errors.intro_message.is_some());
        assert!(errors.helpdesk_phone.is_none() && errors.short_slug.is_none());
        let fixed = SettingsForm {
            brand_color: "#0072c6".into(),
            helpdesk_email: "it@contoso.com".into(),
            intro_message: "Hi".into(),
            ..form
        };
        let update = fixed.validate().unwrap();
        assert_eq!(update.passkey_policy, "synced_allowed");
        assert_eq!(update.short_slug.as_deref(), Some("contoso"));
    }

    #[test]
    fn a_record_becomes_the_customization_the_pages_need() {
        assert_eq!(Customization::from_record(None).version, 0);
        let record = TenantSettingsRecord {
            passkey_policy: "synced_allowed".into(),
            helpdesk_phone: Some("+1 425 555 0100".into()),
            logo_sha256: Some("a".repeat(64)),
            brand_color: Some("#0072c6".into()),
            version: 3,
            ..TenantSettingsRecord::default()
        };
        let customization = Customization::from_record(Some(&record));
        assert_eq!(
            customization.settings.passkey_policy,
            PasskeyPolicy::SyncedAllowed
        );
        assert_eq!(
            customization.settings.helpdesk.unwrap().phone.as_deref(),
            Some("+1 425 555 0100")
        );
        assert_eq!(customization.version, 3);
        let bare = Customization::from_record(Some(&TenantSettingsRecord {
            passkey_policy: "authenticator_only".into(),
            ..TenantSettingsRecord::default()
        }));
        assert_eq!(bare.settings.helpdesk, None);
    }
}
