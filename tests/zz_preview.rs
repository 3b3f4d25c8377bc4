#![allow(clippy::unwrap_used, clippy::expect_used, reason = "preview")]
mod support;
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore]
async fn preview() {
    let up = support::Upstreams::start().await;
    let app = support::TestApp::spawn_wired(support::Backend::Sqlite, &up, |_| {}).await.unwrap();
    std::fs::write("/tmp/preview-addr-mock", app.addr.to_string()).unwrap();
    tokio::time::sleep(std::time::Duration::from_secs(600)).await;
}
