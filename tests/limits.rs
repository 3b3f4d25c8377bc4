//! Abuse limits against the real app and the fakes: the global cap on concurrent resolutions.
#![allow(clippy::unwrap_used, clippy::expect_used, reason = "tests")]

mod support;

use std::time::{Duration, Instant};

use authwalk::Services;
use authwalk::domain::DomainName;
use authwalk::store::models::DomainStatus;
use support::fake_microsoft::Endpoint;
use support::{Backend, TestDatabase, Upstreams, test_config};

/// Wait (bounded) until `done` holds.
async fn eventually(what: &str, mut done: impl FnMut() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(10);
    while !done() {
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// With one resolution slot, a second new domain is answered busy while a slow one resolves —
/// and busy is not remembered: once the slot is free, the same domain resolves.
async fn a_full_resolution_cap_answers_busy(backend: Backend) {
    let upstreams = Upstreams::start().await;
    let Some(database) = TestDatabase::create(backend).await else {
        return;
    };
    let mut raw = test_config(&database.url);
    upstreams.wire(&mut raw);
    raw.max_resolutions = "1".into();
    // `slow-tenant.com` answers after 30 s: its resolution holds the one slot for this long.
    raw.upstream_timeout = "5s".into();
    let services = Services::build(&raw.validate().unwrap()).await.unwrap();
    let discovery = services.discovery.clone();

    let slow = DomainName::parse("slow-tenant.com").unwrap();
    let first = tokio::spawn({
        let discovery = discovery.clone();
        async move { discovery.try_profile(&slow).await }
    });
    eventually("the slow resolution to start", || {
        upstreams.microsoft.requests(Endpoint::OpenIdConfiguration) > 0
    })
    .await;

    let contoso = DomainName::parse("contoso.com").unwrap();
    let asked = Instant::now();
    let busy = discovery.try_profile(&contoso).await.unwrap_err();
    assert!(busy.retry_after >= Duration::from_secs(1), "{busy:?}");
    // It waited for a slot a little, not for the slow resolution.
    assert!(
        asked.elapsed() < Duration::from_secs(4),
        "{:?}",
        asked.elapsed()
    );
    assert_eq!(
        upstreams.microsoft.requests(Endpoint::OpenIdConfiguration),
        1,
        "nothing was asked about contoso.com while busy"
    );
    // Busy is not remembered.
    assert!(discovery.known(&contoso).await.is_none());

    let slow_profile = first.await.unwrap().unwrap();
    assert_eq!(slow_profile.status, DomainStatus::Unreachable);
    let profile = discovery.try_profile(&contoso).await.unwrap();
    assert_eq!(profile.status, DomainStatus::Entra);
    assert!(discovery.known(&contoso).await.is_some());
    services.store.close().await;
}
both_backends!(
    a_full_resolution_cap_answers_busy_test,
    a_full_resolution_cap_answers_busy
);
