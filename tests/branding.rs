//! Branding end to end: Entra images from the fake CDN, the website fallback on fake company sites,
//! hostile images, and serving our copies — on both backends.
#![allow(clippy::unwrap_used, clippy::expect_used, reason = "tests")]

mod support;

use reqwest::header;
use serde_json::Value;
use support::fake_microsoft::{
    CDN_ELSEWHERE_BACKGROUND_COLOR, CONTOSO_BACKGROUND_COLOR, CONTOSO_BANNER_LOGO_COLOR,
    CONTOSO_ILLUSTRATION_COLOR, Endpoint, GCC_HIGH_BANNER_LOGO_COLOR,
};
use support::fake_web::{EVIL_CDN_LOGO, EXPECTED_PICKS, images};
use support::{Backend, TestApp, TestDatabase, Upstreams, test_config};

async fn tenant(app: &TestApp, domain: &str) -> Value {
    let (status, json) = app.get_json(&format!("/api/v1/tenants/{domain}")).await;
    assert_eq!(status, 200, "{domain}: {json}");
    json
}

/// Fetch one of our image URLs as PNG and return its dominant colour.
async fn served_colour(app: &TestApp, url: &str) -> [u8; 3] {
    assert!(
        url.starts_with("/assets/t/"),
        "our own copy, never a third party: {url}"
    );
    let response = app.get(url).await;
    assert_eq!(response.status(), 200, "{url}");
    assert_eq!(response.headers()[header::CONTENT_TYPE], "image/png");
    let bytes = response.bytes().await.unwrap();
    let image = images::decode(&bytes).unwrap();
    images::dominant_color(&image).unwrap()
}

async fn entra_branding_brings_our_copies_of_logo_and_illustration(backend: Backend) {
    let upstreams = Upstreams::start().await;
    images::warm_up();
    let Some(app) = TestApp::spawn_wired(backend, &upstreams, |_| {}).await else {
        return;
    };
    let contoso = tenant(&app, "contoso.com").await;
    let branding = &contoso["branding"];
    assert_eq!(branding["source"], "entra");
    assert_eq!(branding["background_color"], CONTOSO_BACKGROUND_COLOR);
    let logo = branding["logo_url"].as_str().unwrap();
    let colour = served_colour(&app, logo).await;
    assert!(
        images::close(colour, CONTOSO_BANNER_LOGO_COLOR, 12),
        "{colour:?}"
    );
    let illustration = branding["illustration_url"].as_str().unwrap();
    let colour = served_colour(&app, illustration).await;
    assert!(
        images::close(colour, CONTOSO_ILLUSTRATION_COLOR, 12),
        "{colour:?}"
    );
    assert!(
        upstreams.microsoft.requests(Endpoint::Cdn) >= 4,
        "all four images fetched"
    );

    // Sovereign tenants' images come from the CDN too.
    let agency = tenant(&app, "gcchigh-agency.gov").await;
    let colour = served_colour(&app, agency["branding"]["logo_url"].as_str().unwrap()).await;
    assert!(
        images::close(colour, GCC_HIGH_BANNER_LOGO_COLOR, 12),
        "{colour:?}"
    );

    // Restart: the images are read back from the store, not downloaded again.
    let (database, raw_config) = app.stop_keeping_database().await;
    upstreams.microsoft.reset_counts();
    let app = TestApp::start(raw_config, database).await;
    let again = tenant(&app, "contoso.com").await;
    assert_eq!(again["branding"], contoso["branding"]);
    served_colour(&app, again["branding"]["logo_url"].as_str().unwrap()).await;
    assert_eq!(upstreams.microsoft.total_requests(), 0);
    app.stop().await;
}
both_backends!(
    entra,
    entra_branding_brings_our_copies_of_logo_and_illustration
);

async fn website_fallback_picks_the_best_icon_for_each_site(backend: Backend) {
    let upstreams = Upstreams::start().await;
    images::warm_up();
    let Some(app) = TestApp::spawn_wired(backend, &upstreams, |_| {}).await else {
        return;
    };
    for pick in EXPECTED_PICKS {
        let json = tenant(&app, pick.domain).await;
        assert_eq!(json["status"], "entra", "{}", pick.domain);
        let branding = &json["branding"];
        match pick.color {
            Some(expected) => {
                assert_eq!(branding["source"], "website", "{}: {json}", pick.domain);
                let logo = branding["logo_url"].as_str().unwrap();
                let colour = served_colour(&app, logo).await;
                assert!(
                    images::close(colour, expected, 16),
                    "{}: picked {colour:?}, expected {expected:?}",
                    pick.domain
                );
                let expected_hex =
                    format!("#{:02X}{:02X}{:02X}", expected[0], expected[1], expected[2]);
                // A grey logo gives no brand colour (the page keeps ours); any other gives its own.
                let neutral = expected.iter().max().unwrap() - expected.iter().min().unwrap() < 24;
                match branding["background_color"].as_str() {
                    Some(brand) => {
                        let brand = u32::from_str_radix(&brand[1..], 16).unwrap().to_be_bytes();
                        assert!(
                            images::close([brand[1], brand[2], brand[3]], expected, 24),
                            "{}: brand colour {brand:?} is the logo's ({expected_hex})",
                            pick.domain
                        );
                    }
                    None => assert!(neutral, "{}: no brand colour: {json}", pick.domain),
                }
            }
            None => {
                assert_eq!(branding["source"], "none", "{}: {json}", pick.domain);
                assert_eq!(branding["logo_url"], Value::Null);
            }
        }
    }
    // The redirecting site never reached what it pointed at (tests/ssrf.rs proves the caps).
    assert_eq!(upstreams.web.requests_for("https://127.0.0.1/"), 0);
    app.stop().await;
}
both_backends!(website, website_fallback_picks_the_best_icon_for_each_site);

async fn hostile_or_foreign_branding_images_are_refused(backend: Backend) {
    let upstreams = Upstreams::start().await;
    images::warm_up();
    let Some(app) = TestApp::spawn_wired(backend, &upstreams, |_| {}).await else {
        return;
    };
    let hostile = tenant(&app, "hostile-branding.com").await;
    assert_eq!(hostile["status"], "entra");
    assert_eq!(hostile["branding"]["logo_url"], Value::Null, "{hostile}");
    assert_eq!(hostile["branding"]["illustration_url"], Value::Null);
    let text = hostile["branding"]["sign_in_text"]
        .as_str()
        .unwrap_or_default();
    assert!(!text.contains('<'), "sign-in text is plain text: {text}");

    let elsewhere = tenant(&app, "cdn-elsewhere.com").await;
    assert_eq!(elsewhere["branding"]["logo_url"], Value::Null);
    assert_eq!(
        elsewhere["branding"]["background_color"],
        CDN_ELSEWHERE_BACKGROUND_COLOR
    );
    assert_eq!(
        upstreams.web.requests_for(EVIL_CDN_LOGO),
        0,
        "images outside Microsoft's CDN are never fetched"
    );
    app.stop().await;
}
both_backends!(hostile, hostile_or_foreign_branding_images_are_refused);

async fn tenant_images_are_served_immutable_with_etag_and_webp_negotiation(backend: Backend) {
    let upstreams = Upstreams::start().await;
    images::warm_up();
    let Some(app) = TestApp::spawn_wired(backend, &upstreams, |_| {}).await else {
        return;
    };
    let contoso = tenant(&app, "contoso.com").await;
    let logo = contoso["branding"]["logo_url"].as_str().unwrap().to_owned();
    let png = app.get(&logo).await;
    assert_eq!(png.status(), 200);
    let headers = png.headers().clone();
    assert_eq!(
        headers[header::CACHE_CONTROL],
        "public, max-age=31536000, immutable"
    );
    assert_eq!(headers[header::X_CONTENT_TYPE_OPTIONS], "nosniff");
    assert_eq!(headers[header::VARY], "Accept");
    assert!(
        headers[header::CONTENT_SECURITY_POLICY]
            .to_str()
            .unwrap()
            .contains("default-src 'none'")
    );
    let bytes = png.bytes().await.unwrap();
    assert_eq!(&bytes[..8], b"\x89PNG\r\n\x1a\n");

    let revalidated = app
        .client
        .get(app.url(&logo))
        .header(header::IF_NONE_MATCH, headers[header::ETAG].clone())
        .send()
        .await
        .unwrap();
    assert_eq!(revalidated.status(), 304);

    // WebP by Accept when we have a smaller WebP; PNG otherwise. Either way the bytes are real.
    let negotiated = app
        .client
        .get(app.url(&logo))
        .header(header::ACCEPT, "image/avif,image/webp,*/*")
        .send()
        .await
        .unwrap();
    let content_type = negotiated.headers()[header::CONTENT_TYPE].clone();
    let body = negotiated.bytes().await.unwrap();
    if content_type == "image/webp" {
        assert_eq!(&body[..4], b"RIFF");
        assert_eq!(&body[8..12], b"WEBP");
        let explicit = app.get(&logo.replace(".png", ".webp")).await;
        assert_eq!(explicit.status(), 200);
    } else {
        assert_eq!(content_type, "image/png");
    }

    for bad in [
        "/assets/t/0000000000000000000000000000000000000000000000000000000000000000.png",
        "/assets/t/not-a-hash.png",
        "/assets/t/..%2F..%2Fetc%2Fpasswd",
        &logo.replace(".png", ".gif"),
    ] {
        assert_eq!(app.get(bad).await.status(), 404, "{bad}");
    }
    app.stop().await;
}
both_backends!(
    serving,
    tenant_images_are_served_immutable_with_etag_and_webp_negotiation
);

/// Once served, a logo comes from memory: it still answers while Postgres is unreachable.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hot_images_are_served_from_memory_while_the_database_is_down() {
    let Some((database, proxy, url)) = TestDatabase::postgres_behind_proxy().await else {
        return;
    };
    let upstreams = Upstreams::start().await;
    images::warm_up();
    let mut config = test_config(&url);
    upstreams.wire(&mut config);
    let app = TestApp::start(config, database).await;
    let contoso = tenant(&app, "contoso.com").await;
    let logo = contoso["branding"]["logo_url"].as_str().unwrap().to_owned();
    assert_eq!(app.get(&logo).await.status(), 200);

    proxy.cut();
    assert_eq!(
        app.get("/readyz").await.status(),
        503,
        "the database is down"
    );
    assert_eq!(app.get(&logo).await.status(), 200, "the logo is in memory");
    let again = tenant(&app, "contoso.com").await;
    assert_eq!(
        again["tenant_id"], contoso["tenant_id"],
        "so is the profile"
    );
    proxy.restore();
    app.stop().await;
}

async fn brand_colours_reach_pages_through_an_immutable_stylesheet(backend: Backend) {
    let Some(app) = TestApp::spawn(backend).await else {
        return;
    };
    let response = app.get("/assets/brand/0072C6.css").await;
    assert_eq!(response.status(), 200);
    assert_eq!(
        response.headers()[header::CONTENT_TYPE],
        "text/css; charset=utf-8"
    );
    assert_eq!(
        response.headers()[header::CACHE_CONTROL],
        "public, max-age=31536000, immutable"
    );
    let etag = response.headers()[header::ETAG].clone();
    let css = response.text().await.unwrap();
    for property in ["--brand:", "--brand-contrast:", "--brand-text:", "--focus:"] {
        assert!(css.contains(property), "{property} in {css}");
    }
    assert!(
        css.contains("prefers-color-scheme: dark"),
        "a dark scheme too"
    );
    let revalidated = app
        .client
        .get(app.url("/assets/brand/0072C6.css"))
        .header(header::IF_NONE_MATCH, etag)
        .send()
        .await
        .unwrap();
    assert_eq!(revalidated.status(), 304);
    for bad in [
        "/assets/brand/0072c6.css",
        "/assets/brand/0072C6",
        "/assets/brand/GGGGGG.css",
        "/assets/brand/0072C6;}body{x.css",
        "/assets/brand/abc.css",
    ] {
        assert_eq!(app.get(bad).await.status(), 404, "{bad}");
    }
    app.stop().await;
}
both_backends!(
    brand_stylesheet,
    brand_colours_reach_pages_through_an_immutable_stylesheet
);

/// An image of our own that nothing names (its bytes need not decode: the store keeps bytes).
fn orphan(seed: u8) -> authwalk::store::models::NewAsset {
    authwalk::store::models::NewAsset {
        sha256: format!("{seed:02x}").repeat(32),
        width: 16,
        height: 16,
        dominant_color: None,
        png: vec![seed; 64],
        webp: None,
    }
}

/// Run `statement` on the test database, past the app.
async fn execute(database: &TestDatabase, statement: &str) {
    use sqlx::Connection;
    let statement = sqlx::AssertSqlSafe(statement.to_owned());
    match database.backend {
        Backend::Sqlite => {
            let mut connection = sqlx::SqliteConnection::connect(&database.url)
                .await
                .unwrap();
            sqlx::query(statement)
                .execute(&mut connection)
                .await
                .unwrap();
        }
        Backend::Postgres => {
            let mut connection = sqlx::PgConnection::connect(&database.url).await.unwrap();
            sqlx::query(statement)
                .execute(&mut connection)
                .await
                .unwrap();
        }
    }
}

/// Images nothing names are deleted by the periodic sweep once last saved long ago; images a
/// tenant's branding names stay, recently saved ones stay, and an old image saved again (a save
/// about to name it) is never swept from under it.
async fn unreferenced_images_are_swept_periodically(backend: Backend) {
    let upstreams = Upstreams::start().await;
    let Some(app) = TestApp::spawn_wired(backend, &upstreams, |config| {
        config.asset_sweep_interval = "200ms".into();
    })
    .await
    else {
        return;
    };
    let contoso = tenant(&app, "contoso.com").await;
    let logo_url = contoso["branding"]["logo_url"].as_str().unwrap().to_owned();
    let named = logo_url
        .trim_start_matches("/assets/t/")
        .trim_end_matches(".png")
        .to_owned();
    let (recent, old, saved_again) = (orphan(0xa1), orphan(0xa2), orphan(0xa3));
    for asset in [&recent, &old, &saved_again] {
        app.store.save_asset(asset).await.unwrap();
    }
    // Every image but `recent` was last saved long ago…
    execute(
        &app.database,
        &format!(
            "UPDATE assets SET saved_at = '2020-01-01T00:00:00.000Z' WHERE sha256 <> '{}'",
            recent.sha256
        ),
    )
    .await;
    // …and `saved_again` is being saved once more right now.
    app.store.save_asset(&saved_again).await.unwrap();

    let stored = |sha256: String| {
        let store = app.store.clone();
        async move { store.load_asset(&sha256, "png").await.unwrap().is_some() }
    };
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    while stored(old.sha256.clone()).await {
        assert!(std::time::Instant::now() < deadline, "never swept");
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    assert!(stored(recent.sha256.clone()).await, "recently saved");
    assert!(stored(saved_again.sha256.clone()).await, "saved again");
    assert!(stored(named).await, "named by Contoso's branding");
    app.stop().await;
}
both_backends!(sweep, unreferenced_images_are_swept_periodically);
