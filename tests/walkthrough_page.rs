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
        browser_prerequisite: "advice",
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
        browser_prerequisite: "advice",
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
        browser_prerequisite: "advice",
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
                assert!(html.contains("data-path=\"security_info\""), "{name}");
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
                    assert!(
                        html.contains("data-screen=\"provider_samsung\""),
                        "{name}: Samsung's own provider screen"
                    );
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
    let settings = mockup(&html, "provider_samsung");
    assert!(
        settings.contains("<svg")
            && settings.contains("Additional providers")
            && settings.contains("Samsung Pass"),
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

// --- Microsoft's flow of 2026, per tab and per OS version ---

const IPHONE_18_5: &str = "Mozilla/5.0 (iPhone; CPU iPhone OS 18_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.5 Mobile/15E148 Safari/604.1";

/// What a person reads in an HTML fragment: tags dropped, askama's escapes decoded.
fn plain_text(html: &str) -> String {
    let mut text = String::with_capacity(html.len());
    let mut in_tag = false;
    for c in html.chars() {
        match c {
            '<' => in_tag = true,
            '>' if in_tag => {
                in_tag = false;
                text.push(' ');
            }
            _ if !in_tag => text.push(c),
            _ => {}
        }
    }
    let text = text
        .replace("&#38;", "&")
        .replace("&#39;", "'")
        .replace("&#34;", "\"")
        .replace("&#60;", "<")
        .replace("&#62;", ">");
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// The first mock-up figure drawn for `screen`, on a phone or a computer.
fn figure<'a>(html: &'a str, screen: &str) -> &'a str {
    let start = html
        .find(&format!("data-mock=\"{screen}\""))
        .unwrap_or_else(|| panic!("no {screen} mock-up"));
    let rest = &html[start..];
    &rest[..rest.find("</figure>").unwrap()]
}

/// The `<section>` of the page whose opening tag carries `marker` (e.g. `data-path="in_app"`).
fn section_of<'a>(html: &'a str, marker: &str) -> &'a str {
    let start = html
        .find(marker)
        .unwrap_or_else(|| panic!("no section with {marker}"));
    let rest = &html[start..];
    &rest[..rest.find("</section>").unwrap()]
}

/// The text of the page a person reads, one block (paragraph, list item, heading) at a time:
/// everything but the mock-ups' drawn words and the list of sources.
fn readable_blocks(html: &str) -> Vec<String> {
    let main =
        &html[html.find("<main").unwrap()..html.find("<footer class=\"tenant-sources").unwrap()];
    let mut marked = main.to_owned();
    for end in [
        "</p>",
        "</li>",
        "</summary>",
        "</h1>",
        "</h2>",
        "</h3>",
        "</figcaption>",
    ] {
        marked = marked.replace(end, &format!("{end}\u{1}"));
    }
    let mut without_mockups = String::new();
    let mut rest = marked.as_str();
    while let Some(start) = rest.find("<figure class=\"mock-figure") {
        without_mockups.push_str(&rest[..start]);
        let end = rest[start..].find("</figure>").unwrap() + start + "</figure>".len();
        rest = &rest[end..];
    }
    without_mockups.push_str(rest);
    without_mockups
        .split('\u{1}')
        .map(plain_text)
        .filter(|block| !block.is_empty())
        .collect()
}

/// The text of the page a person reads: everything but the mock-ups' drawn words.
fn readable_text(html: &str) -> String {
    let main = &html[html.find("<main").unwrap()..html.find("</main>").unwrap()];
    let mut readable = String::new();
    let mut rest = main;
    while let Some(start) = rest.find("<figure class=\"mock-figure") {
        readable.push_str(&rest[..start]);
        let end = rest[start..].find("</figure>").unwrap() + start + "</figure>".len();
        rest = &rest[end..];
    }
    readable.push_str(rest);
    plain_text(&readable)
}

/// What every walkthrough page says, whatever the tab: Microsoft's page names, the date the steps
/// were checked, and no instruction Microsoft's flow of 2026 contradicts.
fn assert_current_flow(name: &str, html: &str) {
    let text = readable_text(html);
    assert!(
        text.contains("Steps checked against Microsoft’s documentation on 5 July 2026."),
        "{name}: the date line"
    );
    assert!(
        html.contains("data-source=\"S1\""),
        "{name}: the sources list"
    );
    assert!(
        !text.contains("My Security info"),
        "{name}: the page is “Security info”"
    );
    assert!(
        !text.contains("just called “Passkey”") && !text.contains("sometimes just"),
        "{name}: never sends Authenticator users to the plain “Passkey”"
    );
    assert!(text.contains("Temporary Access Pass"), "{name}");
    let blocks = readable_blocks(html);
    for sentence in blocks
        .iter()
        .flat_map(|block| block.split(['.', ';', '?', '!']))
    {
        if sentence.contains("Preferred service") {
            let lower = sentence.to_lowercase();
            assert!(
                lower.contains("leave “preferred service” as it is")
                    || lower.contains("no need to change “preferred service”"),
                "{name}: a sentence tells someone to set a Preferred service: {sentence}"
            );
        }
        if sentence.contains("Samsung Pass") && sentence.to_lowercase().contains("synced") {
            assert!(
                sentence.contains("isn’t a synced option"),
                "{name}: a sentence calls Samsung Pass synced: {sentence}"
            );
        }
    }
}

async fn each_tab_and_os_version_shows_microsofts_current_flow(backend: Backend) {
    let upstreams = Upstreams::start().await;
    let Some(app) = TestApp::spawn_wired(backend, &upstreams, |_| {}).await else {
        return;
    };
    let pixel = |version: &'static str| -> Vec<(&'static str, &'static str)> {
        vec![
            ("sec-ch-ua-platform", "\"Android\""),
            ("sec-ch-ua-platform-version", version),
            ("sec-ch-ua-model", "\"Pixel 8\""),
        ]
    };

    // iPhone, per iOS version: the in-app path starts at the account, then the screen lock, the
    // provider settings of that version (and its mock-up), and the two "Done" taps.
    for (name, ua, query, provider_mock, must, must_not) in [
        (
            "iOS 17.4",
            IPHONE_17_4,
            "",
            "provider_ios17",
            &[
                "Settings → Passwords → Password Options",
                "“Use Passwords and Passkeys From”",
            ][..],
            &["AutoFill & Passwords", "“AutoFill From”"][..],
        ),
        (
            "iOS 18.5",
            IPHONE_18_5,
            "",
            "provider_ios18",
            &[
                "Settings → General → AutoFill & Passwords",
                "under “AutoFill From” select Authenticator",
            ][..],
            &["Password Options"][..],
        ),
        (
            "iOS 26 (frozen User-Agent)",
            IPHONE_26,
            "",
            "provider_ios18",
            &[
                "Settings → General → AutoFill & Passwords",
                "“AutoFill From”",
                "search Settings for “passkey”",
            ][..],
            &["Password Options", "18.6"][..],
        ),
        (
            "a computer reading the iPhone tab (version unknown)",
            WINDOWS_EDGE,
            "?device=ios",
            "provider_ios18",
            &[
                "AutoFill & Passwords",
                "“AutoFill From”",
                "Password Options",
            ][..],
            &[][..],
        ),
    ] {
        let (status, _, html) = page(&app, &format!("/t/contoso.com{query}"), ua, &[]).await;
        assert_eq!(status, 200, "{name}");
        assert_current_flow(name, &html);
        let in_app = plain_text(section_of(&html, "data-path=\"in_app\""));
        for label in [
            "Open Authenticator",
            "tap the account, then tap “Create a passkey”",
            "“Add work or school account”",
            "“Work or school account”",
            "If asked, set up a screen lock",
            "“AutoFill Passwords and Passkeys”",
            "Back in Authenticator, tap “Done”, then “Done” again",
        ] {
            assert!(in_app.contains(label), "{name}: {label} in {in_app}");
        }
        for label in must {
            assert!(in_app.contains(label), "{name}: {label} in {in_app}");
        }
        for label in must_not {
            assert!(!in_app.contains(label), "{name}: no {label} in {in_app}");
        }
        assert!(
            html.contains(&format!("data-screen=\"{provider_mock}\"")),
            "{name}: the {provider_mock} mock-up"
        );
        let account = plain_text(mockup(&html, "authenticator_account"));
        assert!(account.contains("Create a passkey"), "{name}: {account}");
        let settings = plain_text(mockup(&html, provider_mock));
        if provider_mock == "provider_ios18" {
            assert!(
                settings.contains("AutoFill & Passwords") && settings.contains("AUTOFILL FROM:"),
                "{name}: {settings}"
            );
        } else {
            assert!(
                settings.contains("Password Options")
                    && settings.contains("USE PASSWORDS AND PASSKEYS FROM:"),
                "{name}: {settings}"
            );
            // No source names Apple's own entry on iOS 17: drawn as a blank line.
            assert!(!settings.contains("iCloud"), "{name}: {settings}");
        }
        assert!(settings.contains("Authenticator"), "{name}: {settings}");
        // The browser path is Security info's hand-off to the app.
        let browser = plain_text(section_of(&html, "data-path=\"browser\""));
        for label in [
            "Security info",
            "“+ Add sign-in method”",
            "“Passkey in Microsoft Authenticator”",
            "Not the plain “Passkey”",
            "Open Authenticator and create the passkey there",
            // After "If asked, get Authenticator": the first-run screen too.
            "“Add work or school account”",
            "Follow Authenticator’s prompts, then tap “Done” twice",
            "tap “Next”, then “Done”",
        ] {
            assert!(browser.contains(label), "{name}: {label} in {browser}");
        }
        // Microsoft's minimum, and 17.4 only as the recommendation.
        let os = plain_text(section_of(&html, "aria-labelledby=\"before\""));
        assert!(
            os.contains("iOS 17 or later (17.4 or later recommended)"),
            "{name}: {os}"
        );
    }

    // Android, per version: "Additional providers", and Android 15 only while it may help.
    for (name, hints, update_advice) in [
        ("Android 14 (Pixel 8)", pixel("\"14.0.0\""), true),
        ("Android 15 (Pixel 8)", pixel("\"15.0.0\""), false),
        ("Android, version unknown", vec![], true),
    ] {
        let (status, _, html) = page(&app, "/t/contoso.com", ANDROID_REDUCED, &hints).await;
        assert_eq!(status, 200, "{name}");
        assert_eq!(attribute(&html, "data-shown"), Some("android"), "{name}");
        assert_current_flow(name, &html);
        let in_app = plain_text(section_of(&html, "data-path=\"in_app\""));
        assert!(in_app.contains("“Create a passkey”"), "{name}");
        assert!(in_app.contains("If asked, set up a screen lock"), "{name}");
        assert!(
            in_app.contains("under “Additional providers”, switch on Authenticator"),
            "{name}: {in_app}"
        );
        assert!(
            in_app.contains("search Settings for “passkey”")
                || in_app.contains("Search Settings for “passkey”"),
            "{name}"
        );
        assert_eq!(
            in_app.contains("Microsoft recommends updating to Android 15"),
            update_advice,
            "{name}: {in_app}"
        );
        let settings = plain_text(mockup(&html, "provider_android"));
        assert!(
            settings.contains("Additional providers") && settings.contains("Authenticator"),
            "{name}: {settings}"
        );
    }

    // Samsung: Authenticator switched on under "Additional providers", the Preferred service
    // left alone, with the One UI 7 and One UI 6 paths.
    let galaxy = [
        ("sec-ch-ua-platform", "\"Android\""),
        ("sec-ch-ua-platform-version", "\"14.0.0\""),
        ("sec-ch-ua-model", "\"SM-S918B\""),
    ];
    let (_, _, html) = page(&app, "/t/contoso.com", ANDROID_REDUCED, &galaxy).await;
    assert_eq!(attribute(&html, "data-shown"), Some("samsung"));
    assert_current_flow("Samsung Galaxy", &html);
    let in_app = plain_text(section_of(&html, "data-path=\"in_app\""));
    for label in [
        "switch on Authenticator under “Additional providers”",
        "One UI 7 and later: Settings → Security and privacy → More security settings → Passwords, passkeys and autofill",
        "One UI 6: Settings → General management → Passwords, passkeys and autofill",
        "Leave “Preferred service” as it is",
        "type “passkey”",
    ] {
        assert!(in_app.contains(label), "Samsung: {label} in {in_app}");
    }
    let settings = plain_text(mockup(&html, "provider_samsung"));
    let additional = settings
        .find("Additional providers")
        .expect("Additional providers");
    assert!(
        settings[additional..].contains("Authenticator"),
        "Authenticator is switched on under Additional providers: {settings}"
    );
    let (_, _, samsung_pass) = page(&app, "/t/contoso.com?device=samsung", WINDOWS_EDGE, &[]).await;
    assert!(
        readable_text(&samsung_pass).contains("Samsung Pass or Google offers to save the passkey")
    );

    // The computer: Security info hands off to the phone; the QR code and Bluetooth route is the
    // "Having trouble?" fallback, with the attestation caveat.
    let (_, _, html) = page(&app, "/t/contoso.com", WINDOWS_EDGE, &[]).await;
    assert_current_flow("Computer", &html);
    let security_info = plain_text(section_of(&html, "data-path=\"security_info\""));
    for label in [
        "From this computer: Security info",
        "no Bluetooth connection needed",
        "“+ Add sign-in method” → “Passkey in Microsoft Authenticator”, then “Next”",
        "On your phone, open Authenticator and create the passkey there",
        "“Create a passkey”",
        "“Add work or school account”",
        "On the phone, follow Authenticator’s prompts, then tap “Done” twice",
        "select “Next”, then “Done”",
    ] {
        assert!(security_info.contains(label), "{label} in {security_info}");
    }
    let fallback = plain_text(section_of(&html, "data-path=\"cross_device\""));
    for label in [
        "Having trouble? Create your passkey a different way",
        "If nothing else works",
        "If Contoso requires attestation for passkeys in Authenticator, this route doesn’t work: create the passkey in the Authenticator app instead",
        "First, on the phone, turn on Authenticator as a passkey provider",
        "“iPhone, iPad, or Android device”",
        "Scan it with the phone’s Camera app (on iPhone, Authenticator’s own scanner can’t read this code).",
        "Bluetooth",
    ] {
        assert!(fallback.contains(label), "{label} in {fallback}");
    }
    for wrong in ["so does Authenticator’s scanner", "recommended setting"] {
        assert!(!fallback.contains(wrong), "{wrong} in {fallback}");
    }
    assert!(
        fallback.find("turn on Authenticator as a passkey provider")
            < fallback.find("Scan it with"),
        "the provider is on before the scan"
    );
    // The phone's confirmation drawn for any phone: no one maker's words.
    let confirm = mockup(&html, "biometric");
    let drawn = plain_text(&confirm[confirm.find('>').unwrap() + 1..]);
    assert_eq!(drawn, "9:41", "only the clock is written");
    let text = readable_text(&html);
    for label in [
        "Can’t scan it?",
        "Signing in on a computer: when asked, choose “iPhone, iPad, or Android device”",
        "You’re told the app isn’t approved or needs app protection",
        "A Temporary Access Pass won’t help",
    ] {
        assert!(text.contains(label), "the computer tab says {label}");
    }
    let window = plain_text(figure(&html, "other_device_window"));
    assert!(
        window.contains("iPhone, iPad, or Android device"),
        "{window}"
    );
    let on_phone = plain_text(section_of(&html, "data-path=\"continue_on_phone\""));
    assert!(
        on_phone.contains("tap the account, then tap “Create a passkey”"),
        "{on_phone}"
    );
    let handoff = plain_text(figure(&html, "security_info_handoff"));
    assert!(
        handoff.contains("Passkey in Microsoft Authenticator")
            && handoff.contains("Having trouble?"),
        "{handoff}"
    );
    app.stop().await;
}
both_backends!(
    current_flow,
    each_tab_and_os_version_shows_microsofts_current_flow
);

/// A public address too long for a QR code: the computer tab draws no code, so it doesn't ask
/// anyone to scan one.
async fn a_page_without_a_qr_code_does_not_ask_to_scan_one(backend: Backend) {
    let upstreams = Upstreams::start().await;
    let long = format!("https://passkeys.example.com/{}/", "rollout".repeat(400));
    let Some(app) = TestApp::spawn_wired(backend, &upstreams, |config| {
        config.public_url = Some(long.clone());
    })
    .await
    else {
        return;
    };
    let (status, _, html) = page(&app, "/t/contoso.com", WINDOWS_EDGE, &[]).await;
    assert_eq!(status, 200);
    assert!(
        !html.contains("data-qr"),
        "the address is too long to encode"
    );
    let section = section_of(&html, "data-path=\"continue_on_phone\"");
    assert!(
        !section.contains("data-screen=\"qr_code\""),
        "no camera mock-up for it"
    );
    let on_phone = plain_text(section);
    assert!(!on_phone.contains("Scan the QR code"), "{on_phone}");
    assert!(
        on_phone.contains("On your phone, open Authenticator"),
        "{on_phone}"
    );
    app.stop().await;

    // With a code, the step is there.
    let Some(app) = TestApp::spawn_wired(backend, &upstreams, |_| {}).await else {
        return;
    };
    let (_, _, html) = page(&app, "/t/contoso.com", WINDOWS_EDGE, &[]).await;
    assert!(html.contains("data-qr"));
    let section = section_of(&html, "data-path=\"continue_on_phone\"");
    assert!(section.contains("data-screen=\"qr_code\""));
    assert!(
        plain_text(section).contains("Scan the QR code on this page with your phone’s camera"),
        "{section}"
    );
    app.stop().await;
}
both_backends!(
    no_qr_code,
    a_page_without_a_qr_code_does_not_ask_to_scan_one
);

// --- the rendered-page cache keys on what the page shows ---

/// Requests whose User-Agents differ only in what the page never prints — patch and minor
/// versions within one printed version, Chrome build numbers, phone models — share one rendered
/// page; the page prints only the version it saw.
#[expect(
    clippy::disallowed_methods,
    reason = "the test's own client talks to the app under test on loopback"
)]
async fn user_agents_that_differ_only_in_unprinted_details_share_one_page(backend: Backend) {
    let upstreams = Upstreams::start().await;
    let Some(database) = support::TestDatabase::create(backend).await else {
        return;
    };
    let mut raw = support::test_config(&database.url);
    upstreams.wire(&mut raw);
    let app = authwalk::App::build(raw.validate().unwrap()).await.unwrap();
    let pages = app.state().rendered_pages.clone();
    let base = format!("http://{}", app.local_addr());
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let server = tokio::spawn(app.run(async {
        let _ = stopped.await;
    }));
    let client = reqwest::Client::new();
    let status = client
        .get(format!("{base}/api/v1/tenants/contoso.com"))
        .send()
        .await
        .unwrap()
        .status();
    assert!(status.is_success(), "warming contoso.com: {status}");
    let fetch = |user_agent: String, hints: Vec<(&'static str, String)>| {
        let mut request = client
            .get(format!("{base}/t/contoso.com"))
            .header(header::USER_AGENT, user_agent);
        for (name, value) in hints {
            request = request.header(name, value);
        }
        async move {
            let response = request.send().await.unwrap();
            assert_eq!(response.status(), 200);
            response.text().await.unwrap()
        }
    };
    // A cheap, fixed sequence of "random" numbers: the same run every time.
    let mut seed = 0x2545_f491_u32;
    let mut random = move |below: u32| {
        seed ^= seed << 13;
        seed ^= seed >> 17;
        seed ^= seed << 5;
        seed % below
    };
    assert_eq!(pages.len(), 0);

    // iOS 18, any minor and patch: the page says "iOS 18" and nothing more.
    for _ in 0..12 {
        let (minor, patch) = (random(8), 1 + random(9));
        let ua = format!(
            "Mozilla/5.0 (iPhone; CPU iPhone OS 18_{minor}_{patch} like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.{minor} Mobile/15E148 Safari/604.1"
        );
        let html = fetch(ua, vec![]).await;
        assert_eq!(attribute(&html, "data-os-version"), Some("18"));
        let text = readable_text(&html);
        assert!(
            text.contains("This device runs iOS 18: recent enough."),
            "{text}"
        );
        assert!(
            !text.contains(&format!("18.{minor}.{patch}"))
                && !text.contains(&format!("iOS 18.{minor}")),
            "never a version it did not print as seen"
        );
    }
    assert_eq!(pages.len(), 1, "every iOS 18 patch shares one page");

    // iOS 17.3 with random patches: "iOS 17.3", never the patch; a second page (another verdict).
    for _ in 0..6 {
        let patch = 1 + random(9);
        let ua = format!(
            "Mozilla/5.0 (iPhone; CPU iPhone OS 17_3_{patch} like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.3 Mobile/15E148 Safari/604.1"
        );
        let html = fetch(ua, vec![]).await;
        assert_eq!(
            attribute(&html, "data-os-check"),
            Some("update_recommended")
        );
        let text = readable_text(&html);
        assert!(text.contains("This device runs iOS 17.3."), "{text}");
        assert!(!text.contains(&format!("17.3.{patch}")), "{text}");
    }
    assert_eq!(pages.len(), 2);

    // iOS 26 behind the frozen `18_6`: "26 or later", never 18.6, whatever Safari's minor.
    for _ in 0..4 {
        let minor = random(4);
        let ua = format!(
            "Mozilla/5.0 (iPhone; CPU iPhone OS 18_6 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/26.{minor} Mobile/15E148 Safari/604.1"
        );
        let html = fetch(ua, vec![]).await;
        let text = readable_text(&html);
        assert!(text.contains("iOS 26 or later"), "{text}");
        assert!(!text.contains("18.6"), "{text}");
    }
    assert_eq!(pages.len(), 3);

    // Galaxy phones: random models, Chrome builds and Android 14 patch levels.
    for _ in 0..12 {
        let ua = format!(
            "Mozilla/5.0 (Linux; Android 10; K) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.{}.{} Mobile Safari/537.36",
            6000 + random(900),
            random(300)
        );
        let html = fetch(
            ua,
            vec![
                ("sec-ch-ua-platform", "\"Android\"".to_owned()),
                (
                    "sec-ch-ua-platform-version",
                    format!("\"14.0.{}\"", random(5)),
                ),
                (
                    "sec-ch-ua-model",
                    format!("\"SM-S9{}{}B\"", random(10), random(10)),
                ),
            ],
        )
        .await;
        assert_eq!(attribute(&html, "data-shown"), Some("samsung"));
        assert!(!html.contains("SM-S9"), "the model is never printed");
    }
    assert_eq!(pages.len(), 4, "every Galaxy on Android 14 shares one page");

    // Windows with random Edge builds.
    for _ in 0..6 {
        let build = random(9000);
        let ua = format!(
            "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.{build}.0 Safari/537.36 Edg/131.0.{build}.0"
        );
        fetch(ua, vec![]).await;
    }
    assert_eq!(pages.len(), 5);

    // What the page does print still tells pages apart: another verdict, another tab.
    fetch(IPHONE_17_4.to_owned(), vec![]).await;
    assert_eq!(pages.len(), 6);
    let _ = stop.send(());
    server.await.unwrap().unwrap();
}
both_backends!(
    page_cache_key,
    user_agents_that_differ_only_in_unprinted_details_share_one_page
);

/// The landing page's general guide is the same content as the walkthrough (no copy to drift):
/// Microsoft's current flow for every device, and a comparison table keyboard users can scroll.
async fn the_landing_guide_follows_the_same_flow(backend: Backend) {
    let Some(app) = TestApp::spawn(backend).await else {
        return;
    };
    let html = app.get("/").await.text().await.unwrap();
    let text = plain_text(&html);
    for label in [
        "tap the account, then tap “Create a passkey”",
        "On your phone, open this page (or your company’s walkthrough link)",
        "iPhone with iOS 17 or later (17.4 or later recommended), or Android 14 or later.",
        "A policy that requires a passkey for all resources asks people for a passkey before they can add one: let the mobile policy accept Temporary Access Passes",
        "An approved-client-app or app-protection policy blocks Authenticator, and a Temporary Access Pass won’t help",
        "If asked, set up a screen lock",
        "under “AutoFill From”, select Authenticator",
        "under “Additional providers”, switch on Authenticator",
        "Leave “Preferred service” as it is",
        "“Passkey in Microsoft Authenticator”",
        "“iPhone, iPad, or Android device”",
        "Temporary Access Pass",
        "Steps checked against Microsoft’s documentation on 5 July 2026.",
    ] {
        assert!(text.contains(label), "the landing guide says {label}");
    }
    for wrong in [
        "My Security info",
        "bin icon",
        "Accepted wherever passkeys are allowed",
        "just called",
        "“Preferred service”, tap",
        // The landing page has no QR code of its own, and the brief's unsourced claim is gone.
        "Scan the QR code on this page",
        "security-key prompt",
        "iOS 17.4 or later",
        "Save a passkey?",
    ] {
        assert!(
            !text.contains(wrong),
            "the landing guide still says {wrong}"
        );
    }
    for anchor in ["iphone", "android", "samsung", "computer"] {
        assert!(html.contains(&format!("id=\"{anchor}\"")), "#{anchor}");
    }
    // The hero shows the screen the recommended flow starts at: the account with "Create a
    // passkey", not a system sheet that flow never shows.
    let hero = &html[html.find("<svg class=\"phone\"").unwrap()..];
    let hero = plain_text(&hero[..hero.find("</svg>").unwrap()]);
    assert!(
        hero.contains("Create a passkey") && hero.contains("Contoso"),
        "{hero}"
    );
    assert!(
        html.contains(
            "<div class=\"table-scroll\" tabindex=\"0\" role=\"region\" aria-labelledby=\"bound-caption\">"
        ),
        "the scrollable table takes keyboard focus and has a name"
    );
    app.stop().await;
}
both_backends!(landing_guide, the_landing_guide_follows_the_same_flow);
