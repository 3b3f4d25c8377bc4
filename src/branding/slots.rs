//! Decode slots: how many images are decoded at once, and who waits how long for a turn.
//!
//! Decoding, resizing and re-encoding an image is CPU work measured in tens to hundreds of
//! milliseconds, on a machine with two cores that also serves every page. It runs in blocking
//! threads, a few at a time. Discovery (a new domain's branding and website logo) and admin logo
//! uploads draw from separate pools, so a flood of uploads can never starve the lookups' images,
//! nor a burst of new domains keep an admin waiting without end. Discovery waits for its turn
//! (each lookup has its own deadline); an upload waits at most the configured time and is then
//! told to come back (503 with `Retry-After`), so upload requests cannot pile up behind each other.

use std::sync::Arc;
use std::time::Duration;

use tokio::sync::{OwnedSemaphorePermit, Semaphore};

use super::image::ImageError;

/// Images decoded at once for discovery (a resolution fetches up to five).
pub const DISCOVERY_DECODES: usize = 2;
/// Images decoded at once for admin uploads: one, beside discovery's two, on two cores.
pub const UPLOAD_DECODES: usize = 1;
/// What an upload refused for want of a slot is told to wait before trying again.
pub const UPLOAD_BUSY_RETRY_AFTER: Duration = Duration::from_secs(10);

/// Whose image is being decoded, which decides the pool and the wait.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DecodeLane {
    /// Branding and website logos found by a resolution.
    Discovery,
    /// A logo an admin uploaded.
    Upload,
}

/// The decode pools of the process; cheap to clone.
#[derive(Debug, Clone)]
pub struct DecodeSlots {
    inner: Arc<Pools>,
}

#[derive(Debug)]
struct Pools {
    discovery: Arc<Semaphore>,
    uploads: Arc<Semaphore>,
    upload_wait: Duration,
}

/// The right to run one decode; the slot is free again when this is dropped.
#[derive(Debug)]
pub struct DecodeSlot {
    _permit: OwnedSemaphorePermit,
}

impl DecodeSlots {
    /// Pools of `discovery` and `uploads` slots (at least one each); an upload waits at most
    /// `upload_wait` for its slot.
    pub fn new(discovery: usize, uploads: usize, upload_wait: Duration) -> Self {
        Self {
            inner: Arc::new(Pools {
                discovery: Arc::new(Semaphore::new(discovery.max(1))),
                uploads: Arc::new(Semaphore::new(uploads.max(1))),
                upload_wait,
            }),
        }
    }

    /// The default pools ([`DISCOVERY_DECODES`], [`UPLOAD_DECODES`]) with the given upload wait.
    pub fn with_upload_wait(upload_wait: Duration) -> Self {
        Self::new(DISCOVERY_DECODES, UPLOAD_DECODES, upload_wait)
    }

    /// A slot in `lane`'s pool. Discovery waits for one; an upload waits at most the configured
    /// time, then gets [`ImageError::Busy`].
    pub async fn acquire(&self, lane: DecodeLane) -> Result<DecodeSlot, ImageError> {
        let closed = |_| ImageError::Internal {
            detail: "the image decode pool is closed".into(),
        };
        let permit = match lane {
            DecodeLane::Discovery => Arc::clone(&self.inner.discovery)
                .acquire_owned()
                .await
                .map_err(closed)?,
            DecodeLane::Upload => {
                let wait = self.inner.upload_wait;
                let acquire = Arc::clone(&self.inner.uploads).acquire_owned();
                match tokio::time::timeout(wait, acquire).await {
                    Ok(permit) => permit.map_err(closed)?,
                    Err(_) => {
                        tracing::info!(?wait, "no upload decode slot free in time: answered busy");
                        return Err(ImageError::Busy {
                            retry_after: UPLOAD_BUSY_RETRY_AFTER,
                        });
                    }
                }
            }
        };
        Ok(DecodeSlot { _permit: permit })
    }

    /// How many slots of `lane`'s pool are free now.
    pub fn available(&self, lane: DecodeLane) -> usize {
        match lane {
            DecodeLane::Discovery => self.inner.discovery.available_permits(),
            DecodeLane::Upload => self.inner.uploads.available_permits(),
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, reason = "tests")]

    use super::*;

    #[tokio::test(start_paused = true)]
    async fn a_busy_upload_pool_answers_busy_after_the_wait_and_leaves_discovery_alone() {
        let slots = DecodeSlots::new(1, 1, Duration::from_secs(3));
        let held = slots.acquire(DecodeLane::Upload).await.unwrap();
        let refused = slots.acquire(DecodeLane::Upload).await.unwrap_err();
        assert!(
            matches!(refused, ImageError::Busy { retry_after } if retry_after == UPLOAD_BUSY_RETRY_AFTER),
            "{refused:?}"
        );
        // Discovery's pool is untouched by the uploads.
        let discovery = slots.acquire(DecodeLane::Discovery).await.unwrap();
        assert_eq!(slots.available(DecodeLane::Discovery), 0);
        drop(discovery);
        drop(held);
        assert_eq!(slots.available(DecodeLane::Upload), 1);
        assert!(slots.acquire(DecodeLane::Upload).await.is_ok());
    }

    #[tokio::test(start_paused = true)]
    async fn an_upload_gets_a_slot_freed_within_its_wait() {
        let slots = DecodeSlots::new(1, 1, Duration::from_secs(3));
        let held = slots.acquire(DecodeLane::Upload).await.unwrap();
        let release = tokio::spawn(async move {
            tokio::time::sleep(Duration::from_secs(1)).await;
            drop(held);
        });
        assert!(slots.acquire(DecodeLane::Upload).await.is_ok());
        release.await.unwrap();
    }
}
