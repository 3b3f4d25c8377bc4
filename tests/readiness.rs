//! `/readyz` follows the database: 503 within 2 s of Postgres becoming unreachable, 200 again when
//! it is back, without a restart.
#![allow(clippy::unwrap_used, clippy::expect_used, reason = "tests")]

mod support;

use std::time::{Duration, Instant};

use support::{TestApp, TestDatabase, test_config};

async fn status_of(app: &TestApp, path: &str) -> u16 {
    app.get(path).await.status().as_u16()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn readyz_turns_503_while_postgres_is_unreachable_and_recovers() {
    let Some((database, proxy, url)) = TestDatabase::postgres_behind_proxy().await else {
        return;
    };
    let app = TestApp::start(test_config(&url), database).await;
    assert_eq!(status_of(&app, "/readyz").await, 200);

    proxy.cut();
    let started = Instant::now();
    let status = status_of(&app, "/readyz").await;
    assert_eq!(status, 503, "database unreachable");
    assert!(
        started.elapsed() < Duration::from_secs(2),
        "{:?}",
        started.elapsed()
    );
    assert_eq!(
        status_of(&app, "/healthz").await,
        200,
        "the process itself is alive"
    );
    assert_eq!(
        status_of(&app, "/").await,
        200,
        "pages that need no database still work"
    );

    proxy.restore();
    let deadline = Instant::now() + Duration::from_secs(5);
    while status_of(&app, "/readyz").await != 200 {
        assert!(Instant::now() < deadline, "readyz did not recover");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    app.stop().await;
}
