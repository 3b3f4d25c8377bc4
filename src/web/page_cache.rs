//! Rendered tenant pages, kept in memory so a warm page costs a lookup, not a render.
//!
//! A page is a pure function of the tenant profile (identified by its `resolved_at`), the admins'
//! settings (their `version`), the walkthrough shown and what the page shows about the device
//! ([`ShownDevice`]: the device class, the OS verdict and the version as printed, the in-app
//! browser, the browser the text names — never a patch version, a browser build or a model, so
//! random versions in User-Agents cannot evict real pages). Those make the key, so a refresh or
//! a settings change is a new key: nothing needs invalidating, stale entries just age out.
//!
//! Each entry holds the page in every encoding browsers ask for ([`Variants`]), compressed once
//! when the entry is made, so a warm request copies bytes instead of compressing them. A crowd
//! asking for a new entry at once waits for one compression, not one each.

use std::sync::{Arc, OnceLock};
use std::time::Duration;

use axum::http::HeaderValue;
use bytes::Bytes;
use time::OffsetDateTime;

use crate::device::WalkthroughKind;
use crate::walkthrough::ShownDevice;

use super::variants::{Effort, Variants};

/// Which rendered page a request needs.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct PageKey {
    domain: String,
    resolved_at: OffsetDateTime,
    settings_version: i64,
    shown: WalkthroughKind,
    device: ShownDevice,
}

impl PageKey {
    /// The key of the page for this profile version, settings version, tab and shown device.
    pub fn new(
        domain: &str,
        resolved_at: OffsetDateTime,
        settings_version: i64,
        shown: WalkthroughKind,
        device: ShownDevice,
    ) -> Self {
        Self {
            domain: domain.to_owned(),
            resolved_at,
            settings_version,
            shown,
            device,
        }
    }
}

/// Rendered pages by [`PageKey`], bounded by their total size, and the landing page.
#[derive(Clone)]
pub struct PageCache {
    pages: moka::sync::Cache<PageKey, Arc<Variants>>,
    /// The landing page depends on the configuration alone: made once per process.
    landing: Arc<OnceLock<Arc<Variants>>>,
}

impl std::fmt::Debug for PageCache {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PageCache")
            .field("entries", &self.pages.entry_count())
            .finish()
    }
}

/// Total bytes of rendered pages kept, all encodings counted (a page is roughly 60–120 KiB,
/// its three compressed variants together about a third of that).
const CAPACITY_BYTES: u64 = 64 * 1024 * 1024;
/// Pages not asked for in this long are dropped, whatever the room left.
const IDLE: Duration = Duration::from_secs(30 * 60);

impl Default for PageCache {
    fn default() -> Self {
        Self {
            pages: moka::sync::Cache::builder()
                .max_capacity(CAPACITY_BYTES)
                .weigher(|_key: &PageKey, page: &Arc<Variants>| {
                    u32::try_from(page.weight()).unwrap_or(u32::MAX)
                })
                .time_to_idle(IDLE)
                .build(),
            landing: Arc::default(),
        }
    }
}

impl PageCache {
    /// The page for `key`, rendering and compressing it on a miss. A failed render is not kept.
    pub async fn get_or_render<E>(
        &self,
        key: PageKey,
        render: impl FnOnce() -> Result<String, E>,
    ) -> Result<Arc<Variants>, E> {
        if let Some(page) = self.pages.get(&key) {
            return Ok(page);
        }
        let html = Bytes::from(render()?);
        // Boxed: the warm path's future stays small (it never runs this).
        Ok(Box::pin(self.compress_and_keep(key, html)).await)
    }

    /// Compress `html` off the async workers and keep it under `key`. Requests that miss the
    /// same key meanwhile wait for this one compression (moka's `get_with`) instead of each
    /// compressing the page again.
    async fn compress_and_keep(&self, key: PageKey, html: Bytes) -> Arc<Variants> {
        let pages = self.pages.clone();
        let fallback = html.clone();
        let compressed = tokio::task::spawn_blocking(move || {
            pages.get_with(key, || {
                Arc::new(Variants::compress(html, html_type(), Effort::Page))
            })
        })
        .await;
        compressed.unwrap_or_else(|error| {
            tracing::error!(%error, "page compression failed; serving the page uncompressed");
            Arc::new(Variants::identity_only(fallback, html_type()))
        })
    }

    /// The landing page, rendered with `render` and compressed on first use.
    pub async fn landing<E>(
        &self,
        render: impl FnOnce() -> Result<String, E>,
    ) -> Result<Arc<Variants>, E> {
        if let Some(page) = self.landing.get() {
            return Ok(page.clone());
        }
        let html = Bytes::from(render()?);
        let landing = self.landing.clone();
        let fallback = html.clone();
        let compressed = tokio::task::spawn_blocking(move || {
            landing
                .get_or_init(|| Arc::new(Variants::compress(html, html_type(), Effort::Best)))
                .clone()
        })
        .await;
        Ok(compressed.unwrap_or_else(|error| {
            tracing::error!(%error, "landing page compression failed; serving it uncompressed");
            Arc::new(Variants::identity_only(fallback, html_type()))
        }))
    }

    /// Bytes kept in every variant of every page (for the memory benchmark and diagnostics).
    pub fn weight(&self) -> u64 {
        self.pages.run_pending_tasks();
        self.pages.weighted_size()
    }

    /// How many pages are kept (for tests and diagnostics).
    pub fn len(&self) -> u64 {
        self.pages.run_pending_tasks();
        self.pages.entry_count()
    }

    /// Whether no page is kept.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

fn html_type() -> HeaderValue {
    HeaderValue::from_static("text/html; charset=utf-8")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::device::{ClientHints, Device};

    fn device(user_agent: &str) -> Device {
        Device::detect(Some(user_agent), &ClientHints::default())
    }

    const IPHONE: &str = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) \
        AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1";
    const GALAXY: &str = "Mozilla/5.0 (Linux; Android 14; SM-S918B) AppleWebKit/537.36 \
        (KHTML, like Gecko) SamsungBrowser/25.0 Chrome/121.0.0.0 Mobile Safari/537.36";
    const GALAXY_OTHER_MODEL: &str = "Mozilla/5.0 (Linux; Android 14; SM-A546B) \
        AppleWebKit/537.36 (KHTML, like Gecko) SamsungBrowser/25.0 Chrome/121.0.0.0 Mobile \
        Safari/537.36";

    fn key(user_agent: &str, version: i64) -> PageKey {
        let device = device(user_agent);
        PageKey::new(
            "contoso.com",
            OffsetDateTime::UNIX_EPOCH,
            version,
            device.walkthrough(),
            ShownDevice::of(&device),
        )
    }

    #[tokio::test]
    async fn a_second_request_is_served_without_rendering_or_compressing() {
        let cache = PageCache::default();
        let mut renders = 0;
        let html = "<html>".to_owned() + &"<p>Open Authenticator</p>".repeat(200) + "</html>";
        let mut first = None;
        for _ in 0..3 {
            let page = cache
                .get_or_render(key(IPHONE, 1), || {
                    renders += 1;
                    Ok::<_, ()>(html.clone())
                })
                .await
                .unwrap();
            assert_eq!(page.identity(), html.as_bytes());
            assert_eq!(page.encodings().count(), 4);
            // The very same compressed variants, not new ones.
            let first = first.get_or_insert_with(|| page.clone());
            assert!(Arc::ptr_eq(first, &page));
        }
        assert_eq!(renders, 1);
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_crowd_missing_one_page_compresses_it_once() {
        let cache = PageCache::default();
        let html = "<html>".to_owned() + &"<p>Create a passkey</p>".repeat(2000) + "</html>";
        let pages = futures_util::future::join_all((0..16).map(|_| {
            let cache = cache.clone();
            let html = html.clone();
            async move {
                cache
                    .get_or_render(key(GALAXY, 3), || Ok::<_, ()>(html))
                    .await
            }
        }))
        .await;
        let first = pages[0].as_ref().unwrap();
        for page in &pages {
            assert!(Arc::ptr_eq(first, page.as_ref().unwrap()));
        }
    }

    #[test]
    fn another_settings_version_or_device_is_another_page() {
        assert_ne!(key(IPHONE, 1), key(IPHONE, 2));
        assert_ne!(key(IPHONE, 1), key(GALAXY, 1));
    }

    #[test]
    fn phone_models_of_one_class_share_a_page() {
        assert_eq!(key(GALAXY, 1), key(GALAXY_OTHER_MODEL, 1));
    }

    #[tokio::test]
    async fn a_failed_render_is_not_kept() {
        let cache = PageCache::default();
        let failed = cache
            .get_or_render(key(IPHONE, 1), || Err::<String, _>("broken"))
            .await;
        assert_eq!(failed.err(), Some("broken"));
        assert!(cache.is_empty());
    }
}
