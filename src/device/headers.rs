//! Reading the request headers: the User-Agent ([`UaFacts`]) and the Client Hints
//! ([`HintFacts`]), merged into one [`Device`]. Hand-written, bounded by
//! [`MAX_USER_AGENT_BYTES`], allocating only for the model name.

use std::sync::LazyLock;

use aho_corasick::AhoCorasick;

use super::version::{parse_version, version_after};
use super::{
    Browser, ClientHints, Device, InApp, MAX_HINT_BYTES, MAX_MODEL_BYTES, MAX_USER_AGENT_BYTES,
    OsVersion, Platform, Vendor,
};

/// Recognise the device from the `User-Agent` header and the client hints.
pub(super) fn detect(user_agent: Option<&str>, hints: &ClientHints<'_>) -> Device {
    let ua = clip_user_agent(user_agent.unwrap_or_default().trim());
    if is_automated(ua) {
        return Device {
            bot: true,
            ..Device::unknown()
        };
    }
    merge(UaFacts::parse(ua), HintFacts::parse(hints))
}

/// What the User-Agent alone says.
#[derive(Debug)]
struct UaFacts<'a> {
    platform: Platform,
    os_version: Option<OsVersion>,
    os_at_least: Option<OsVersion>,
    model: Option<&'a str>,
    browser: Browser,
    in_app: InApp,
    mobile: bool,
    maybe_ipad: bool,
    samsung_browser: bool,
    names_samsung: bool,
}

/// Tokens only browsers on iOS/iPadOS send; with a Mac UA they mean an iPad in desktop mode.
const IOS_ONLY_BROWSERS: &[&str] = &["CriOS/", "FxiOS/", "EdgiOS/", "OPiOS/"];
/// Browsers we recognise but have no walkthrough wording for.
const OTHER_BROWSERS: &[&str] = &[
    "OPR/",
    "OPT/",
    "OPiOS/",
    "Opera",
    "YaBrowser/",
    "UCBrowser/",
    "Vivaldi/",
    "MiuiBrowser/",
    "HuaweiBrowser/",
    "DuckDuckGo/",
    "GSA/",
    "Electron/",
];

impl<'a> UaFacts<'a> {
    fn parse(ua: &'a str) -> Self {
        let system = system_info(ua);
        let platform = platform_of(system, ua);
        let apple = matches!(platform, Platform::Ios | Platform::Ipados | Platform::Macos);
        let in_app = in_app_of(ua, system, platform, apple);
        let mut browser = browser_of(ua, apple);
        if in_app != InApp::None {
            browser = Browser::Other;
        }
        let mut facts = UaFacts {
            platform,
            os_version: None,
            os_at_least: None,
            model: None,
            browser,
            in_app,
            mobile: false,
            maybe_ipad: false,
            samsung_browser: ua.contains("SamsungBrowser/"),
            names_samsung: names_samsung(ua),
        };
        match platform {
            // An iOS browser token in a Mac UA (desktop mode) carries no iOS version.
            Platform::Ios | Platform::Ipados if !system.contains("Macintosh") => {
                facts.mobile = true;
                (facts.os_version, facts.os_at_least) = ios_version(ua, system, browser, in_app);
            }
            Platform::Android => {
                facts.mobile = has_word(ua, "Mobile");
                (facts.os_version, facts.model) = android_version_and_model(system);
            }
            Platform::Macos => {
                facts.maybe_ipad = browser == Browser::Safari || in_app == InApp::WebView;
            }
            _ => {}
        }
        facts
    }
}

/// The first parenthesised comment: `iPhone; CPU iPhone OS 17_4 like Mac OS X`.
fn system_info(ua: &str) -> &str {
    let Some(open) = ua.find('(') else {
        return "";
    };
    let rest = &ua[open + 1..];
    match rest.find(')') {
        Some(close) => &rest[..close],
        None => rest,
    }
}

fn platform_of(system: &str, ua: &str) -> Platform {
    if system.contains("Windows Phone") {
        // Its UA also says "Android" and "iPhone"; neither is true.
        Platform::Unknown
    } else if system.contains("iPhone") || system.contains("iPod") {
        Platform::Ios
    } else if system.contains("iPad") {
        Platform::Ipados
    } else if system.contains("Android") {
        Platform::Android
    } else if system.contains("CrOS") {
        Platform::Chromeos
    } else if system.contains("Windows") {
        Platform::Windows
    } else if system.contains("Macintosh") {
        if has_any(ua, IOS_ONLY_BROWSERS) {
            // Chrome/Edge/Firefox for iOS in desktop mode (the iPad default): an iOS device,
            // most likely an iPad; the Mac UA carries no iOS version.
            Platform::Ipados
        } else {
            Platform::Macos
        }
    } else if system.contains("Linux") {
        Platform::Linux
    } else {
        Platform::Unknown
    }
}

fn browser_of(ua: &str, apple: bool) -> Browser {
    if ua.contains("SamsungBrowser/") {
        Browser::SamsungInternet
    } else if has_any(ua, &["EdgiOS/", "EdgA/", "Edg/", "Edge/"]) {
        Browser::Edge
    } else if has_any(ua, &["FxiOS/", "Firefox/"]) {
        Browser::Firefox
    } else if ua.contains("CriOS/") {
        Browser::Chrome
    } else if has_any(ua, OTHER_BROWSERS) {
        Browser::Other
    } else if ua.contains("Chrome/") {
        Browser::Chrome
    } else if apple && ua.contains("Version/") && ua.contains("Safari/") {
        Browser::Safari
    } else if has_any(ua, &["AppleWebKit/", "Gecko/", "Trident/", "Presto/"]) {
        Browser::Other
    } else {
        Browser::Unknown
    }
}

/// In-app browsers named by their UA tokens. Confidence, from published UA strings:
/// - certain: `FBAN/`/`FBAV/` (Facebook and Messenger on iOS), `FB_IAB/` (Android),
///   `Instagram <version>`, `[LinkedInApp]`, Android WebView `; wv)`, iOS WKWebView without
///   `Safari/`, `PKeyAuth/1.0` (appended by Microsoft's MSAL/ADAL sign-in web views in ANY app
///   that uses them — Outlook Lite, Company Portal, … — so it means "a web view", not Authenticator);
/// - unverified: `Teams/` is documented for the Teams desktop (Electron) client, not for its mobile
///   web view; `Outlook-iOS/` / `Outlook-Android/` are the Outlook apps' own HTTP clients and may
///   not appear in their web views. Both only ever name the app correctly when they do appear.
///
/// A bare "Authenticator" word is not trusted; the Android package name is (see [`ClientHints`]).
fn in_app_of(ua: &str, system: &str, platform: Platform, apple: bool) -> InApp {
    if has_any(ua, &["FBAN/", "FBAV/", "FB_IAB/"]) {
        InApp::Facebook
    } else if instagram_version_follows(ua) {
        InApp::Instagram
    } else if ua.contains("LinkedInApp") {
        InApp::LinkedIn
    } else if ua.contains("Teams/") {
        InApp::Teams
    } else if has_any(ua, &["Outlook-iOS/", "Outlook-Android/"]) {
        InApp::Outlook
    } else if is_web_view(ua, system, platform, apple) {
        InApp::WebView
    } else {
        InApp::None
    }
}

/// An embedded browser we cannot name: Android `; wv)`, Microsoft's `PKeyAuth/1.0` sign-in web
/// views, or an Apple WebKit UA without the `Safari/` token (WKWebView; Safari, Chrome, Edge and
/// Firefox on iOS all send it).
fn is_web_view(ua: &str, system: &str, platform: Platform, apple: bool) -> bool {
    let android_wv =
        platform == Platform::Android && system.split(';').any(|entry| entry.trim() == "wv");
    let wk_web_view = apple && ua.contains("AppleWebKit/") && !ua.contains("Safari/");
    android_wv || wk_web_view || ua.contains("PKeyAuth/")
}

/// `Instagram 334.0.4.32.98 (…)`: the word followed by a version, not just any mention.
fn instagram_version_follows(ua: &str) -> bool {
    ua.match_indices("Instagram ")
        .any(|(at, word)| ua[at + word.len()..].starts_with(|c: char| c.is_ascii_digit()))
}

/// The iOS version, exact or as a lower bound, honouring the iOS 26 freeze (see module docs).
fn ios_version(
    ua: &str,
    system: &str,
    browser: Browser,
    in_app: InApp,
) -> (Option<OsVersion>, Option<OsVersion>) {
    const FROZEN_FROM: OsVersion = OsVersion::new(18, 6, None);
    const FROZEN_BELOW: OsVersion = OsVersion::new(19, 0, None);
    let Some(token) = ios_os_token(system) else {
        return (None, app_ios_version(ua, in_app));
    };
    let safari_major = version_after(ua, "Version/", b'.').map(|v| v.major);
    let (exact, at_least) = match safari_major {
        // Safari 26+ (WebKit's frozen UA): the Version token tracks the iOS major version.
        Some(major) if major >= 26 && token.major < 26 => {
            (None, Some(OsVersion::new(major, 0, None)))
        }
        // Firefox for iOS sends a constant 18_6/18_7 whatever the iOS version.
        _ if browser == Browser::Firefox && token >= FROZEN_FROM => (None, None),
        // WKWebViews (and possibly other browsers) on iOS 26+ show the frozen 18.6/18.7:
        // the device runs that version or a later one.
        _ if token >= FROZEN_FROM && token < FROZEN_BELOW && browser != Browser::Safari => {
            (None, Some(token))
        }
        // Safari before 26 and everyone else below 18.6 tell the truth.
        _ => (Some(token), None),
    };
    if exact.is_none()
        && let Some(app) = app_ios_version(ua, in_app)
        && at_least.is_none_or(|bound| app >= bound)
    {
        return (Some(app), None);
    }
    (exact, at_least)
}

/// `… OS 17_3_1 like Mac OS X` → 17.3.1.
fn ios_os_token(system: &str) -> Option<OsVersion> {
    let end = system.find(" like Mac OS X")?;
    let before = &system[..end];
    let start = before.rfind(' ').map_or(0, |space| space + 1);
    parse_version(&before[start..], '_')
}

/// The real iOS version some apps add to their web view's UA (not subject to WebKit's freeze).
fn app_ios_version(ua: &str, in_app: InApp) -> Option<OsVersion> {
    match in_app {
        // `[FBAN/FBIOS;…;FBSN/iOS;FBSV/17.5;…]`
        InApp::Facebook => version_after(ua, "FBSV/", b'.'),
        // `Instagram 334.0.4.32.98 (iPhone14,5; iOS 17_5; en_US; …)`
        InApp::Instagram => version_after(ua, "; iOS ", b'_'),
        _ => None,
    }
}

/// Android version and model from `Linux; Android 13; SM-A536B` (both unknown when reduced).
fn android_version_and_model(system: &str) -> (Option<OsVersion>, Option<&str>) {
    let mut entries = system.split(';').map(str::trim);
    let Some(android) = entries.find(|entry| entry.starts_with("Android")) else {
        return (None, None);
    };
    let version = parse_version(android["Android".len()..].trim(), '.').filter(|v| v.major > 0);
    let candidate = entries.find(|entry| !is_android_non_model(entry));
    match candidate {
        // Chromium's reduced UA: "Android 10; K" — neither is true.
        Some("K") => (None, None),
        Some(entry) => (version, clean_model(entry)),
        None => (version, None),
    }
}

/// Entries after `Android x` that are not a model: `U`, `Mobile`, `Tablet`, `wv`, `rv:128.0`, `en-US`.
fn is_android_non_model(entry: &str) -> bool {
    matches!(entry, "" | "U" | "Mobile" | "Tablet" | "wv" | "HarmonyOS")
        || entry.starts_with("rv:")
        || is_locale(entry)
}

/// `en`, `en-US`, `en_us`.
fn is_locale(entry: &str) -> bool {
    let b = entry.as_bytes();
    let letters = |s: &[u8]| s.iter().all(u8::is_ascii_alphabetic);
    match b.len() {
        2 => letters(b) && entry != "wv",
        5 => letters(&b[..2]) && matches!(b[2], b'-' | b'_') && letters(&b[3..]),
        _ => false,
    }
}

/// `SAMSUNG SM-S911B` → `SM-S911B`, `Pixel 8 Build/AP2A.240805.005` → `Pixel 8`; odd text → None.
fn clean_model(raw: &str) -> Option<&str> {
    let without_build = raw.find("Build/").map_or(raw, |at| &raw[..at]);
    let model = without_build.trim();
    let model = model
        .strip_prefix("SAMSUNG ")
        .or_else(|| model.strip_prefix("samsung "))
        .unwrap_or(model)
        .trim();
    valid_model(model).then_some(model)
}

/// Short, printable ASCII, and not the reduced UA's placeholder `K`.
fn valid_model(model: &str) -> bool {
    !model.is_empty()
        && model.len() <= MAX_MODEL_BYTES
        && model != "K"
        && model.bytes().all(|b| {
            b.is_ascii_alphanumeric() || matches!(b, b' ' | b'-' | b'_' | b'.' | b'+' | b'(' | b')')
        })
}

/// Samsung model codes: `SM-…` (every current Galaxy), `GT-…`, `SGH-…`, `SCH-…`, `SHV-…`,
/// `SPH-…` (older Galaxy, by carrier and region), `SAMSUNG-…` (US carrier builds such as
/// `SAMSUNG-SGH-I337`), Japanese carrier models `SC-51D` (docomo) and `SCG19` (au).
fn vendor_of_model(model: &str) -> Vendor {
    const SAMSUNG_PREFIXES: [&str; 7] = ["SM-", "GT-", "SGH-", "SCH-", "SHV-", "SPH-", "SAMSUNG-"];
    let digit_at = |i: usize| model.as_bytes().get(i).is_some_and(u8::is_ascii_digit);
    if SAMSUNG_PREFIXES
        .iter()
        .any(|prefix| model.starts_with(prefix))
        || (model.starts_with("SC-") && digit_at(3))
        || (model.starts_with("SCG") && digit_at(3))
    {
        Vendor::Samsung
    } else if model.starts_with("Pixel") {
        Vendor::Google
    } else {
        Vendor::Other
    }
}

/// What the client hints say (each part only when well-formed).
#[derive(Debug, Default)]
struct HintFacts<'a> {
    platform: Option<Platform>,
    platform_version: Option<OsVersion>,
    model: Option<&'a str>,
    mobile: Option<bool>,
    brand_browser: Option<Browser>,
    webview_brand: bool,
    app: Option<InApp>,
}

impl<'a> HintFacts<'a> {
    fn parse(hints: &ClientHints<'a>) -> Self {
        let platform = hints.platform.and_then(sf_string).and_then(|p| match p {
            "Android" => Some(Platform::Android),
            "Windows" => Some(Platform::Windows),
            "macOS" => Some(Platform::Macos),
            "Linux" => Some(Platform::Linux),
            "Chrome OS" | "Chromium OS" => Some(Platform::Chromeos),
            "iOS" => Some(Platform::Ios),
            _ => None,
        });
        let brands = |name: &str| {
            [hints.ua, hints.full_version_list]
                .into_iter()
                .flatten()
                .any(|list| clip(list, MAX_USER_AGENT_BYTES).contains(name))
        };
        let brand_browser = if brands("\"Microsoft Edge\"") {
            Some(Browser::Edge)
        } else if brands("\"Samsung Internet\"") {
            Some(Browser::SamsungInternet)
        } else if brands("\"Google Chrome\"") {
            Some(Browser::Chrome)
        } else {
            None
        };
        Self {
            platform,
            platform_version: hints
                .platform_version
                .and_then(sf_string)
                .and_then(|v| parse_version(v, '.')),
            model: hints
                .model
                .and_then(sf_string)
                .map(str::trim)
                .filter(|m| valid_model(m)),
            mobile: match hints.mobile.map(str::trim) {
                Some("?1") => Some(true),
                Some("?0") => Some(false),
                _ => None,
            },
            brand_browser,
            webview_brand: brands("\"Android WebView\""),
            app: hints.requested_with.and_then(app_of_package),
        }
    }
}

/// Android package names (sent as `X-Requested-With` by WebViews) of apps we can name.
fn app_of_package(raw: &str) -> Option<InApp> {
    match raw.trim() {
        "com.azure.authenticator" => Some(InApp::Authenticator),
        "com.microsoft.office.outlook" | "com.microsoft.outlooklite" => Some(InApp::Outlook),
        "com.microsoft.teams" => Some(InApp::Teams),
        "com.facebook.katana" | "com.facebook.orca" | "com.facebook.lite" => Some(InApp::Facebook),
        "com.instagram.android" => Some(InApp::Instagram),
        "com.linkedin.android" => Some(InApp::LinkedIn),
        _ => None,
    }
}

/// A structured-field string (`"14.0.0"`) without its quotes; unquoted text is accepted as is.
/// Escapes never occur in the values we use, so a value with one is refused.
fn sf_string(raw: &str) -> Option<&str> {
    let raw = raw.trim();
    if raw.len() > MAX_HINT_BYTES {
        return None;
    }
    let inner = match raw.strip_prefix('"') {
        Some(rest) => rest.strip_suffix('"')?,
        None => raw,
    };
    (!inner.contains(['"', '\\'])).then_some(inner)
}

fn merge(ua: UaFacts<'_>, hints: HintFacts<'_>) -> Device {
    let platform = match hints.platform {
        // "iOS" adds nothing to an iPhone/iPad UA (and must not turn an iPad into an iPhone).
        Some(Platform::Ios) if matches!(ua.platform, Platform::Ios | Platform::Ipados) => {
            ua.platform
        }
        Some(hinted) => hinted,
        None => ua.platform,
    };
    // What the UA says about its OS only counts when it describes the same OS.
    let ua_agrees = platform == ua.platform;
    let (mut os_version, mut os_version_at_least) = if ua_agrees {
        (ua.os_version, ua.os_at_least)
    } else {
        (None, None)
    };
    if hints.platform.is_some()
        && let Some(version) = hints.platform_version
    {
        // Linux and ChromeOS report kernel/build numbers here; iOS never sends it.
        let usable = match platform {
            Platform::Android => version.major > 0,
            Platform::Windows | Platform::Macos => true,
            _ => false,
        };
        if usable {
            os_version = Some(version);
            os_version_at_least = None;
        }
    }
    let model = match platform {
        Platform::Android => hints.model.or(if ua_agrees { ua.model } else { None }),
        _ => None,
    };
    let vendor = match platform {
        Platform::Ios | Platform::Ipados | Platform::Macos => Vendor::Apple,
        Platform::Android => match model {
            // A model we can place decides, whatever else the request says.
            Some(model) if vendor_of_model(model) != Vendor::Other => vendor_of_model(model),
            // A User-Agent that names Samsung is a Galaxy (`SAMSUNG SM-G930F`, Instagram's
            // `; samsung; SM-S918B;`, Facebook's `FBBD/samsung;`), even when its model entry is
            // the reduced `K` or a code we don't know.
            _ if ua_agrees && ua.names_samsung => Vendor::Samsung,
            Some(_) => Vendor::Other,
            // Samsung Internet runs on other phones too, but in practice means a Galaxy.
            None if ua.samsung_browser || hints.brand_browser == Some(Browser::SamsungInternet) => {
                Vendor::Samsung
            }
            None => Vendor::Unknown,
        },
        _ => Vendor::Unknown,
    };
    let in_app = if ua.in_app.is_named() {
        ua.in_app
    } else if let Some(app) = hints.app {
        app
    } else if ua.in_app == InApp::None && hints.webview_brand {
        InApp::WebView
    } else {
        ua.in_app
    };
    let browser = if in_app != InApp::None {
        Browser::Other
    } else if ua.browser == Browser::Unknown {
        hints.brand_browser.unwrap_or(Browser::Unknown)
    } else {
        ua.browser
    };
    Device {
        platform,
        vendor,
        model: model.map(str::to_owned),
        os_version,
        os_version_at_least,
        browser,
        in_app,
        mobile: hints.mobile.unwrap_or(ua.mobile && ua_agrees),
        maybe_ipad: platform == Platform::Macos && ua_agrees && ua.maybe_ipad,
        bot: false,
    }
}

/// What crawlers, link-preview fetchers and scripts put in their User-Agent, matched
/// case-insensitively; `bot/` and `+http` (a crawler's contact URL) cover most crawlers without
/// catching phone models such as "Cubot".
pub(super) const AUTOMATED_MARKERS: &[&str] = &[
    "bot/",
    "bot;",
    "+http",
    "crawler",
    "spider",
    "facebookexternalhit",
    "skypeuripreview",
    "slackbot",
    "whatsapp/",
    "headlesschrome",
    "curl/",
    "wget/",
    "python-",
    "go-http-client",
    "okhttp/",
    "java/",
    "apache-httpclient",
    "libwww",
];

/// Crawlers, link-preview fetchers and scripts (they get the unknown device, flagged `bot`).
pub(super) fn is_automated(ua: &str) -> bool {
    // One pass over the UA for all markers: this runs on every page view, and a marker-by-marker
    // case-insensitive scan cost more than the rest of the detection together.
    static AUTOMATED: LazyLock<Option<AhoCorasick>> = LazyLock::new(|| {
        AhoCorasick::builder()
            .ascii_case_insensitive(true)
            .build(AUTOMATED_MARKERS)
            .ok()
    });
    match AUTOMATED.as_ref() {
        Some(markers) => markers.is_match(ua),
        None => AUTOMATED_MARKERS
            .iter()
            .any(|marker| contains_ignore_ascii_case(ua, marker)),
    }
}

/// The first [`MAX_USER_AGENT_BYTES`] of a User-Agent, and when it is longer, only up to the last
/// `;`, `)` or `]` within them: an entry cut in the middle is dropped, not read as something it
/// is not (`FBSV/26.0.11` cut after `26.0`, `Pixel 8 Pro` cut after `Pixel 8 P`).
fn clip_user_agent(ua: &str) -> &str {
    let clipped = clip(ua, MAX_USER_AGENT_BYTES);
    if clipped.len() == ua.len() {
        return ua;
    }
    clipped
        .rfind([';', ')', ']'])
        .map_or("", |end| &clipped[..=end])
}

/// `s` cut to at most `max` bytes, on a character boundary.
fn clip(s: &str, max: usize) -> &str {
    if s.len() <= max {
        return s;
    }
    let mut end = max;
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    &s[..end]
}

fn has_any(hay: &str, needles: &[&str]) -> bool {
    needles.iter().any(|needle| hay.contains(needle))
}

/// The word "Samsung" in any letter case, delimited by non-alphanumeric bytes: `SAMSUNG SM-…`,
/// `SAMSUNG-SGH-I337`, `samsung;` — but not `SamsungBrowser/`, which is read on its own.
fn names_samsung(ua: &str) -> bool {
    const WORD: &[u8] = b"samsung";
    let bytes = ua.as_bytes();
    bytes.windows(WORD.len()).enumerate().any(|(at, window)| {
        let before = at.checked_sub(1).and_then(|i| bytes.get(i));
        window.eq_ignore_ascii_case(WORD)
            && !before.is_some_and(u8::is_ascii_alphanumeric)
            && !bytes
                .get(at + WORD.len())
                .is_some_and(u8::is_ascii_alphanumeric)
    })
}

/// `word` delimited by non-alphanumeric bytes (so "Mobile" matches "Mobile/15E148", not "Automobile").
fn has_word(hay: &str, word: &str) -> bool {
    hay.match_indices(word).any(|(at, _)| {
        let before = hay.as_bytes().get(at.wrapping_sub(1));
        let after = hay.as_bytes().get(at + word.len());
        !before.is_some_and(u8::is_ascii_alphanumeric)
            && !after.is_some_and(u8::is_ascii_alphanumeric)
    })
}

pub(super) fn contains_ignore_ascii_case(hay: &str, needle: &str) -> bool {
    hay.as_bytes()
        .windows(needle.len())
        .any(|window| window.eq_ignore_ascii_case(needle.as_bytes()))
}
