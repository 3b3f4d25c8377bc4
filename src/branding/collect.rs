//! The asset sweep: images no page can show any more are deleted from the database.
//!
//! An image is kept while a domain (website logo), a branding (Entra images) or a tenant's
//! settings (published or previewed logo) names it. Refreshes replace Entra images and admins
//! upload new logos, so without a sweep every replaced image would stay forever (and uploads
//! would be an unbounded store). The sweep never races a save: an image is deleted only when it
//! was last saved more than [`SWEEP_GRACE`] ago, and every save of an image — including one that
//! already exists — marks it saved now, before the row that names it is written.

use std::time::Duration;

use time::OffsetDateTime;

use crate::store::{Store, StoreError};

/// An image saved within this long is kept even while nothing names it yet: far longer than the
/// moment between saving an image and saving the row that names it, and than a rendered page
/// that names a replaced image stays in memory.
pub const SWEEP_GRACE: Duration = Duration::from_secs(24 * 3600);

/// Delete the images nothing names that were last saved before `now - SWEEP_GRACE`; returns how
/// many stored files (one per format) went.
pub async fn sweep_once(store: &Store, now: OffsetDateTime) -> Result<u64, StoreError> {
    let saved_before = now - SWEEP_GRACE;
    let deleted = store.sweep_unreferenced_assets(saved_before).await?;
    if deleted > 0 {
        tracing::info!(deleted, "unreferenced images deleted");
    }
    Ok(deleted)
}

/// Sweep every `every`, the first time a full interval after the start, until the store is
/// closed (a failed sweep is logged and tried again at the next tick). The caller owns the task.
pub async fn sweep_every(store: Store, every: Duration) {
    let mut ticks = tokio::time::interval(every);
    ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    // The first tick completes at once: sweep after a full interval, not while starting.
    ticks.tick().await;
    loop {
        ticks.tick().await;
        match sweep_once(&store, OffsetDateTime::now_utc()).await {
            Ok(_) => {}
            // The service stopped and closed its pool: so does the sweep.
            Err(StoreError::Unavailable(sqlx::Error::PoolClosed)) => return,
            Err(error) => {
                tracing::warn!(%error, "unreferenced images could not be swept; trying again later");
            }
        }
    }
}
