//! `GET /t/{domain}`: the branded walkthrough for each device profile, against the fakes.
#![allow(clippy::unwrap_used, clippy::expect_used, reason = "tests")]

mod support;

use reqwest::header;
use support::{Backend, TestApp, Upstreams};

const IPHONE_17_4: &str = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4 Mobile/15E148 Safari/604.1";
const IPHONE_16_7: &str = "Mozilla/5.0 (iPhone; CPU iPhone OS 16_7_10 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/16.6 Mobile/15E148 Safari/604.1";
const IPHONE_17_3: &str = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_3_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.3 Mobile/15E148 Safari/604.1";
const IPHONE_26: &str = "Mozilla/5.0 (iPhone; CPU iPhone OS 18_6 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/26.0 Mobile/15E148 Safari/604.1";
const IPHONE_FACEBOOK: &str = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148 [FBAN/FBIOS;FBAV/465.0.0.40.106;FBBV/627066391;FBDV/iPhone15,2;FBMD/iPhone;FBSN/iOS;FBSV/17.5;FBSS/3;FBID/phone;FBLC/en_US;FBOP/5]";
const ANDROID_REDUCED: &str = "Mozilla/5.0 (Linux; Android 10; K) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Mobile Safari/537.36";
const SAMSUNG_INTERNET: &str = "Mozilla/5.0 (Linux; Android 10; K) AppleWebKit/537.36 (KHTML, like Gecko) SamsungBrowser/26.0 Chrome/122.0.0.0 Mobile Safari/537.36";
const ANDROID_WEBVIEW: &str = "Mozilla/5.0 (Linux; Android 14; Pixel 8 Build/AP2A.240805.005; wv) AppleWebKit/537.36 (KHTML, like Gecko) Version/4.0 Chrome/127.0.6533.103 Mobile Safari/537.36";
const FIREFOX_ANDROID: &str =
    "Mozilla/5.0 (Android 14; Mobile; rv:128.0) Gecko/128.0 Firefox/128.0";
const WINDOWS_EDGE: &str = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36 Edg/131.0.0.0";
const MAC_SAFARI: &str = "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4 Safari/605.1.15";
const LINUX_CHROME: &str = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36";

/// A device profile: User-Agent, client hints, and what the page must say about it.
struct Profile {
    name: &'static str,
    user_agent: &'static str,
    hints: &'static [(&'static str, &'static str)],
    platform: &'static str,
    vendor: &'static str,
    os_check: &'static str,
    in_app: bool,
    shown: &'static str,
    /// Status of the `os_version` prerequisite.
    os_prerequisite: &'static str,
    /// Status of the `browser` prerequisite.
    browser_prerequisite: &'static str,
}

const PROFILES: &[Profile] = &[
    Profile {
        name: "iPhone iOS 17.4 Safari",
        user_agent: IPHONE_17_4,
        hints: &[],
        platform: "ios",
        vendor: "apple",
        os_check: "met",
        in_app: false,
        shown: "ios",
        os_prerequisite: "met",
        browser_prerequisite: "met",
    },
    Profile {
        name: "iPhone iOS 16.7",
        user_agent: IPHONE_16_7,
        hints: &[],
        platform: "ios",
        vendor: "apple",
        os_check: "not_met",
        in_app: false,
        shown: "ios",
        os_prerequisite: "not_met",
        browser_prerequisite: "met",
    },
    Profile {
        name: "iPhone iOS 17.3",
        user_agent: IPHONE_17_3,
        hints: &[],
        platform: "ios",
        vendor: "apple",
        os_check: "update_recommended",
        in_app: false,
        shown: "ios",
        os_prerequisite: "warning",
        browser_prerequisite: "met",
    },
    Profile {
        name: "iPhone iOS 26 (frozen UA)",
        user_agent: IPHONE_26,
        hints: &[],
        platform: "ios",
        vendor: "apple",
        os_check: "met",
        in_app: false,
        shown: "ios",
        os_prerequisite: "met",
        browser_prerequisite: "met",
    },
    Profile {
        name: "Facebook in-app on iPhone",
        user_agent: IPHONE_FACEBOOK,
        hints: &[],
        platform: "ios",
        vendor: "apple",
        os_check: "met",
        in_app: true,
        shown: "ios",
        os_prerequisite: "met",
        browser_prerequisite: "not_met",
    },
    Profile {
        name: "Android reduced UA, no hints",
        user_agent: ANDROID_REDUCED,
        hints: &[],
        platform: "android",
        vendor: "unknown",
        os_check: "unknown",
        in_app: false,
        shown: "android",
        os_prerequisite: "unknown",
        browser_prerequisite: "met",
    },
    Profile {
        name: "Pixel 8, Android 14 hints",
        user_agent: ANDROID_REDUCED,
        hints: &[
            ("sec-ch-ua-platform", "\"Android\""),
            ("sec-ch-ua-platform-version", "\"14.0.0\""),
            ("sec-ch-ua-model", "\"Pixel 8\""),
            ("sec-ch-ua-mobile", "?1"),
        ],
        platform: "android",
        vendor: "google",
        os_check: "met",
        in_app: false,
        shown: "android",
        os_prerequisite: "met",
        browser_prerequisite: "met",
    },
    Profile {
        name: "Pixel 6a, Android 13 hints",
        user_agent: ANDROID_REDUCED,
        hints: &[
            ("sec-ch-ua-platform", "\"Android\""),
            ("sec-ch-ua-platform-version", "\"13.0.0\""),
            ("sec-ch-ua-model", "\"Pixel 6a\""),
        ],
        platform: "android",
        vendor: "google",
        os_check: "not_met",
        in_app: false,
        shown: "android",
        os_prerequisite: "not_met",
        browser_prerequisite: "met",
    },
    Profile {
        name: "Galaxy S23 Ultra, Android 14 hints",
        user_agent: ANDROID_REDUCED,
        hints: &[
            ("sec-ch-ua-platform", "\"Android\""),
            ("sec-ch-ua-platform-version", "\"14.0.0\""),
            ("sec-ch-ua-model", "\"SM-S918B\""),
        ],
        platform: "android",
        vendor: "samsung",
        os_check: "met",
        in_app: false,
        shown: "samsung",
        os_prerequisite: "met",
        browser_prerequisite: "met",
    },
    Profile {
        name: "Samsung Internet",
        user_agent: SAMSUNG_INTERNET,
        hints: &[],
        platform: "android",
        vendor: "samsung",
        os_check: "unknown",
        in_app: false,
        shown: "samsung",
        os_prerequisite: "unknown",
        browser_prerequisite: "met",
    },
    Profile {
        name: "Android WebView",
        user_agent: ANDROID_WEBVIEW,
        hints: &[],
        platform: "android",
        vendor: "google",
        os_check: "met",
        in_app: true,
        shown: "android",
        os_prerequisite: "met",
        browser_prerequisite: "not_met",
    },
    Profile {
        name: "Firefox on Android 14",
        user_agent: FIREFOX_ANDROID,
        hints: &[],
        platform: "android",
        vendor: "unknown",
        os_check: "met",
        in_app: false,
        shown: "android",
        os_prerequisite: "met",
        browser_prerequisite: "met",
    },
    Profile {
        name: "Windows Edge",
        user_agent: WINDOWS_EDGE,
        hints: &[
            ("sec-ch-ua-platform", "\"Windows\""),
            ("sec-ch-ua-platform-version", "\"15.0.0\""),
        ],
        platform: "windows",
        vendor: "unknown",
        os_check: "not_applicable",
        in_app: false,
        shown: "desktop",
        os_prerequisite: "",
        browser_prerequisite: "",
    },
    Profile {
        name: "macOS Safari",
        user_agent: MAC_SAFARI,
        hints: &[],
        platform: "macos",
        vendor: "apple",
        os_check: "not_applicable",
        in_app: false,
        shown: "desktop",
        os_prerequisite: "",
        browser_prerequisite: "",
    },
    Profile {
        name: "Linux Chrome",
        user_agent: LINUX_CHROME,
        hints: &[],
        platform: "linux",
        vendor: "unknown",
        os_check: "not_applicable",
        in_app: false,
        shown: "desktop",
        os_prerequisite: "",
        browser_prerequisite: "",
    },
    Profile {
        name: "curl",
        user_agent: "curl/8.5.0",
        hints: &[],
        platform: "unknown",
        vendor: "unknown",
        os_check: "unknown",
        in_app: false,
        shown: "desktop",
        os_prerequisite: "",
        browser_prerequisite: "",
    },
];

async fn page(
    app: &TestApp,
    path: &str,
    user_agent: &str,
    hints: &[(&str, &str)],
) -> (u16, header::HeaderMap, String) {
    let (status, headers, html) = fetch(app, path, user_agent, hints).await;
    // A first visit may get the progress page; a browser then follows it to the result.
    if html.contains("data-status=\"resolving\"") {
        let separator = if path.contains('?') { '&' } else { '?' };
        return fetch(app, &format!("{path}{separator}wait=1"), user_agent, hints).await;
    }
    (status, headers, html)
}

async fn fetch(
    app: &TestApp,
    path: &str,
    user_agent: &str,
    hints: &[(&str, &str)],
) -> (u16, header::HeaderMap, String) {
    let mut request = app
        .client
        .get(app.url(path))
        .header(header::USER_AGENT, user_agent);
    for (name, value) in hints {
        request = request.header(*name, *value);
    }
    let response = request.send().await.unwrap();
    let status = response.status().as_u16();
    let headers = response.headers().clone();
    (status, headers, response.text().await.unwrap())
}

/// The first mock-up figure drawn for `screen`.
fn mockup<'a>(html: &'a str, screen: &str) -> &'a str {
    let start = html
        .find(&format!("class=\"mock-figure\" data-mock=\"{screen}\""))
        .unwrap_or_else(|| panic!("no {screen} mock-up"));
    let rest = &html[start..];
    &rest[..rest.find("</figure>").unwrap()]
}

/// The value of `attribute="…"` on the first element that has it.
fn attribute<'a>(html: &'a str, attribute: &str) -> Option<&'a str> {
    let start = html.find(&format!("{attribute}=\""))? + attribute.len() + 2;
    let end = html[start..].find('"')? + start;
    Some(&html[start..end])
}

/// The `data-status` of the prerequisite `id`.
fn prerequisite<'a>(html: &'a str, id: &str) -> Option<&'a str> {
    let at = html.find(&format!("data-check=\"{id}\""))?;
    attribute(&html[at..], "data-status")
}

async fn every_device_profile_gets_its_own_walkthrough(backend: Backend) {
    let upstreams = Upstreams::start().await;
    let Some(app) = TestApp::spawn_wired(backend, &upstreams, |_| {}).await else {
        return;
    };
    for profile in PROFILES {
        let (status, headers, html) =
            page(&app, "/t/contoso.com", profile.user_agent, profile.hints).await;
        let name = profile.name;
        assert_eq!(status, 200, "{name}");
        assert_eq!(
            attribute(&html, "data-platform"),
            Some(profile.platform),
            "{name}"
        );
        assert_eq!(
            attribute(&html, "data-vendor"),
            Some(profile.vendor),
            "{name}"
        );
        assert_eq!(
            attribute(&html, "data-os-check"),
            Some(profile.os_check),
            "{name}"
        );
        assert_eq!(
            attribute(&html, "data-in-app"),
            Some(if profile.in_app { "true" } else { "false" }),
            "{name}"
        );
        assert_eq!(
            attribute(&html, "data-shown"),
            Some(profile.shown),
            "{name}"
        );
        if !profile.os_prerequisite.is_empty() {
            assert_eq!(
                prerequisite(&html, "os_version"),
                Some(profile.os_prerequisite),
                "{name}"
            );
            assert_eq!(
                prerequisite(&html, "browser"),
                Some(profile.browser_prerequisite),
                "{name}"
            );
        }
        match profile.shown {
            "desktop" => {
                assert!(
                    html.contains("data-qr"),
                    "{name}: desktop shows the QR code"
                );
                assert!(html.contains("data-path=\"continue_on_phone\""), "{name}");
                assert!(html.contains("data-path=\"cross_device\""), "{name}");
            }
            phone => {
                assert!(!html.contains("data-qr"), "{name}: no QR code on a phone");
                let in_app = html.find("data-path=\"in_app\"").unwrap();
                let browser = html.find("data-path=\"browser\"").unwrap();
                assert!(
                    in_app < browser,
                    "{name}: Microsoft's in-app path comes first"
                );
                if phone == "samsung" {
                    assert!(html.contains("Samsung Pass"), "{name}: the provider detour");
                    assert!(html.contains("data-screen=\"provider_settings\""), "{name}");
                }
                if phone == "ios" && profile.in_app {
                    assert!(
                        html.contains("Safari"),
                        "{name}: how to open the page in Safari"
                    );
                }
                if phone == "android" && profile.in_app {
                    assert!(
                        html.contains("Chrome"),
                        "{name}: how to open the page in Chrome"
                    );
                }
            }
        }
        if profile.os_check == "not_met" {
            assert!(html.contains("update"), "{name}: says to update first");
        }
        assert!(
            html.contains("https://mysignins.microsoft.com/security-info"),
            "{name}"
        );
        assert_eq!(
            headers["accept-ch"],
            "Sec-CH-UA-Platform-Version, Sec-CH-UA-Model"
        );
        assert_eq!(
            headers["critical-ch"],
            "Sec-CH-UA-Platform-Version, Sec-CH-UA-Model"
        );
        assert!(
            headers[header::VARY]
                .to_str()
                .unwrap()
                .contains("User-Agent")
        );
    }
    app.stop().await;
}
both_backends!(devices, every_device_profile_gets_its_own_walkthrough);

async fn tenant_facts_change_the_walkthrough(backend: Backend) {
    let upstreams = Upstreams::start().await;
    let Some(app) = TestApp::spawn_wired(backend, &upstreams, |_| {}).await else {
        return;
    };
    for (domain, security_info) in [
        (
            "contoso.com",
            "https://mysignins.microsoft.com/security-info",
        ),
        (
            "gcchigh-agency.gov",
            "https://mysignins.microsoft.us/security-info",
        ),
        (
            "contoso-china.cn",
            "https://mysignins.azure.cn/security-info",
        ),
    ] {
        let (status, _, html) = page(&app, &format!("/t/{domain}"), IPHONE_17_4, &[]).await;
        assert_eq!(status, 200, "{domain}");
        assert!(html.contains(security_info), "{domain}: {security_info}");
    }
    let (_, _, fabrikam) = page(&app, "/t/fabrikam.com", IPHONE_17_4, &[]).await;
    assert!(
        fabrikam.contains("data-federation"),
        "federated tenants get the IdP note"
    );
    assert!(fabrikam.contains("sts.fabrikam.com"));
    let (_, _, contoso) = page(&app, "/t/contoso.com", IPHONE_17_4, &[]).await;
    assert!(
        !contoso.contains("data-federation"),
        "managed tenants don't"
    );

    // Branded: our logo copy and the brand stylesheet; never Microsoft's CDN or the company site.
    assert!(contoso.contains("Contoso"));
    assert!(contoso.contains("/assets/brand/0072C6.css"));
    let logo = contoso.split("src=\"/assets/t/").nth(1).unwrap();
    assert!(logo.starts_with(|c: char| c.is_ascii_hexdigit()));
    for foreign in [
        "aadcdn",
        "msftauthimages",
        "msauthimages",
        "microsoftonline-p",
    ] {
        assert!(
            !contoso.contains(foreign),
            "the page never points at {foreign}"
        );
    }
    assert!(!contoso.contains("<script>") && !contoso.contains("style=\""));

    // Mock-ups: decorative inline SVG, styled only by classes; sign-in shows our logo copy.
    assert!(!contoso.contains("<style"));
    let sign_in = mockup(&contoso, "sign_in");
    assert!(
        sign_in.contains("aria-hidden=\"true\"") && sign_in.contains("focusable=\"false\""),
        "{sign_in}"
    );
    assert!(sign_in.contains("<image href=\"/assets/t/"), "{sign_in}");
    let no_logo = mockup(&fabrikam, "sign_in");
    assert!(
        !no_logo.contains("<image") && no_logo.contains(">F</text>"),
        "no logo: the company's initial on a brand tile: {no_logo}"
    );
    app.stop().await;
}
both_backends!(tenant_facts, tenant_facts_change_the_walkthrough);

async fn tabs_switch_devices_without_javascript(backend: Backend) {
    let upstreams = Upstreams::start().await;
    let Some(app) = TestApp::spawn_wired(backend, &upstreams, |_| {}).await else {
        return;
    };
    let (_, _, html) = page(&app, "/t/contoso.com", WINDOWS_EDGE, &[]).await;
    for kind in ["ios", "android", "samsung", "desktop"] {
        assert!(
            html.contains(&format!("href=\"/t/contoso.com?device={kind}\"")),
            "{kind} tab"
        );
    }
    let (_, _, html) = page(&app, "/t/contoso.com?device=samsung", WINDOWS_EDGE, &[]).await;
    assert_eq!(attribute(&html, "data-shown"), Some("samsung"));
    let settings = mockup(&html, "provider_settings");
    assert!(
        settings.contains("<svg") && settings.contains("Samsung Pass"),
        "{settings}"
    );
    assert!(!html.contains("style=\""));
    assert_eq!(
        attribute(&html, "data-platform"),
        Some("windows"),
        "still detected as Windows"
    );
    assert_eq!(
        prerequisite(&html, "os_version"),
        Some("unknown"),
        "the PC's OS says nothing about the phone"
    );
    let (_, _, html) = page(&app, "/t/contoso.com?device=bogus", IPHONE_17_4, &[]).await;
    assert_eq!(
        attribute(&html, "data-shown"),
        Some("ios"),
        "an unknown tab falls back to detection"
    );
    app.stop().await;
}
both_backends!(tabs, tabs_switch_devices_without_javascript);

async fn other_outcomes_get_clear_pages(backend: Backend) {
    let upstreams = Upstreams::start().await;
    let Some(app) = TestApp::spawn_wired(backend, &upstreams, |config| {
        config.upstream_timeout = "700ms".into();
    })
    .await
    else {
        return;
    };
    let (status, _, html) = page(&app, "/t/notentra.org", IPHONE_17_4, &[]).await;
    assert_eq!(status, 404);
    assert!(html.contains("doesn’t use Microsoft Entra ID"), "{html}");
    assert!(html.contains("/#guide"), "offers the generic guide");
    assert!(html.contains("data-status=\"not_entra\""));

    let (status, headers, html) = page(&app, "/t/unavailable-tenant.com", IPHONE_17_4, &[]).await;
    assert_eq!(status, 503);
    assert_eq!(headers[header::RETRY_AFTER], "30");
    assert!(html.contains("couldn’t reach Microsoft"), "{html}");
    assert!(
        html.contains("href=\"/t/unavailable-tenant.com\""),
        "a retry link"
    );

    let response = app.get("/t/Contoso.COM?device=android").await;
    assert_eq!(response.status(), 308);
    assert_eq!(
        response.headers()[header::LOCATION],
        "/t/contoso.com?device=android"
    );

    let (status, _, html) = page(&app, "/t/co.uk", IPHONE_17_4, &[]).await;
    assert_eq!(status, 400);
    assert!(html.contains("public suffix"), "{html}");
    app.stop().await;
}
both_backends!(outcomes, other_outcomes_get_clear_pages);

/// First visit to a slow new domain: a progress page at once, progress events as each lookup
/// finishes, then the walkthrough.
async fn first_visit_shows_progress_then_the_page(backend: Backend) {
    let upstreams = Upstreams::start().await;
    upstreams
        .microsoft
        .set_delay(std::time::Duration::from_millis(2000));
    let Some(app) = TestApp::spawn_wired(backend, &upstreams, |_| {}).await else {
        return;
    };
    let started = std::time::Instant::now();
    let (status, headers, html) =
        fetch(&app, "/t/northwind.com?device=android", IPHONE_17_4, &[]).await;
    assert_eq!(status, 200);
    assert!(
        started.elapsed() < std::time::Duration::from_millis(1900),
        "not waiting for Microsoft"
    );
    assert_eq!(attribute(&html, "data-status"), Some("resolving"));
    assert!(
        html.contains("http-equiv=\"refresh\""),
        "works without JavaScript"
    );
    assert!(
        html.contains("/t/northwind.com?device=android&#38;wait=1"),
        "{html}"
    );
    assert_eq!(headers[header::CACHE_CONTROL], "no-store");

    let events = app.get("/t/northwind.com/progress").await;
    assert_eq!(events.headers()[header::CONTENT_TYPE], "text/event-stream");
    let body = events.text().await.unwrap();
    for lookup in ["tenant", "sign_in", "branding", "dns", "website"] {
        assert!(
            body.contains(&format!("event: lookup\ndata: {lookup}")),
            "{lookup} in {body}"
        );
    }
    assert!(
        body.trim_end().ends_with("event: done\ndata: done"),
        "{body}"
    );

    let (status, _, html) = page(
        &app,
        "/t/northwind.com?device=android&wait=1",
        IPHONE_17_4,
        &[],
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(attribute(&html, "data-shown"), Some("android"));
    // Warm: no progress page any more, and no second resolution.
    let (_, _, html) = page(&app, "/t/northwind.com", IPHONE_17_4, &[]).await;
    assert_eq!(attribute(&html, "data-shown"), Some("ios"));
    assert_eq!(
        upstreams
            .microsoft
            .requests(support::fake_microsoft::Endpoint::OpenIdConfiguration),
        1
    );
    // A domain with nothing running gets `done` at once.
    let body = app
        .get("/t/contoso.com/progress")
        .await
        .text()
        .await
        .unwrap();
    assert_eq!(body.trim(), "event: done\ndata: done");
    app.stop().await;
}
both_backends!(first_visit, first_visit_shows_progress_then_the_page);

/// The warm paths must not carry the lookup in their state machines: kept inline, the store load
/// and resolution made the page handler's future about 60 KiB, which every warm request allocated
/// and copied (the cost `bench/walkthrough.rs` found). Discovery boxes its cold paths, so the
/// handlers that await it stay small.
#[tokio::test]
async fn handler_futures_do_not_carry_the_lookup() {
    use axum::extract::{Path, RawQuery, State};

    let database = support::TestDatabase::create(Backend::Sqlite)
        .await
        .unwrap();
    let config = support::test_config(&database.url).validate().unwrap();
    let app = authwalk::App::build(config).await.unwrap();
    let client = authwalk::web::client_ip::ClientIp(std::net::Ipv4Addr::LOCALHOST.into());
    let page = authwalk::web::pages::tenant(
        State(app.state().clone()),
        client,
        Path("contoso.com".to_owned()),
        RawQuery(None),
        axum::http::HeaderMap::new(),
    );
    let page_bytes = std::mem::size_of_val(&page);
    assert!(
        page_bytes <= 8 * 1024,
        "the tenant page handler's future is {page_bytes} bytes"
    );
    let api = authwalk::web::api::tenant(
        State(app.state().clone()),
        client,
        Path("contoso.com".to_owned()),
    );
    let api_bytes = std::mem::size_of_val(&api);
    assert!(
        api_bytes <= 8 * 1024,
        "the tenant API handler's future is {api_bytes} bytes"
    );
}
