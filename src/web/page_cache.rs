//! Rendered tenant pages, kept in memory so a warm page costs a lookup, not a render.
//!
//! A page is a pure function of the tenant profile (identified by its `resolved_at`), the admins'
//! settings (their `version`), the walkthrough shown and what the page shows about the device
//! ([`ShownDevice`]: the device class, the OS verdict and the version as printed, the in-app
//! browser, the browser the text names — never a patch version, a browser build or a model, so
//! random versions in User-Agents cannot evict real pages). Those make the key, so a refresh or
//! a settings change is a new key: nothing needs invalidating, stale entries just age out.

use std::time::Duration;

use bytes::Bytes;
use time::OffsetDateTime;

use crate::device::WalkthroughKind;
use crate::walkthrough::ShownDevice;

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

/// Rendered pages by [`PageKey`], bounded by their total size.
#[derive(Clone)]
pub struct PageCache {
    pages: moka::sync::Cache<PageKey, Bytes>,
}

impl std::fmt::Debug for PageCache {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PageCache")
            .field("entries", &self.pages.entry_count())
            .finish()
    }
}

/// Total bytes of rendered pages kept (a page is roughly 60–120 KiB).
const CAPACITY_BYTES: u64 = 64 * 1024 * 1024;
/// Pages not asked for in this long are dropped, whatever the room left.
const IDLE: Duration = Duration::from_secs(30 * 60);

impl Default for PageCache {
    fn default() -> Self {
        Self {
            pages: moka::sync::Cache::builder()
                .max_capacity(CAPACITY_BYTES)
                .weigher(|_key: &PageKey, page: &Bytes| {
                    u32::try_from(page.len()).unwrap_or(u32::MAX)
                })
                .time_to_idle(IDLE)
                .build(),
        }
    }
}

impl PageCache {
    /// The page for `key`, rendering it with `render` on a miss. A failed render is not kept.
    pub fn get_or_render<E>(
        &self,
        key: PageKey,
        render: impl FnOnce() -> Result<String, E>,
    ) -> Result<Bytes, E> {
        if let Some(page) = self.pages.get(&key) {
            return Ok(page);
        }
        let page = Bytes::from(render()?);
        self.pages.insert(key, page.clone());
        Ok(page)
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

    #[test]
    fn a_second_request_is_served_without_rendering() {
        let cache = PageCache::default();
        let mut renders = 0;
        for _ in 0..3 {
            let page = cache
                .get_or_render(key(IPHONE, 1), || {
                    renders += 1;
                    Ok::<_, ()>("<html>page</html>".to_owned())
                })
                .unwrap();
            assert_eq!(page, "<html>page</html>");
        }
        assert_eq!(renders, 1);
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

    #[test]
    fn a_failed_render_is_not_kept() {
        let cache = PageCache::default();
        let failed = cache.get_or_render(key(IPHONE, 1), || Err::<String, _>("broken"));
        assert_eq!(failed, Err("broken"));
        assert!(cache.is_empty());
    }
}
