//! [`Device`]: which phone or computer opened the link, from the User-Agent and Client Hints.
//!
//! A wrong OS-version claim costs a helpdesk ticket, so every fact here is either read from a
//! source that tells the truth or left unknown:
//!
//! - **iPhone / iPad** UAs carry the iOS version (`CPU iPhone OS 17_4 like Mac OS X`) — except
//!   that from iOS 26 WebKit freezes that token for every standard UA (Safari *and* in-app
//!   WKWebViews) at the last iOS 18 release (`18_6`, later `18_7`; WebKit `Quirks.cpp`), and
//!   Firefox for iOS sends a constant `18_6`/`18_7` on every iOS version. So:
//!   Safari with `Version/26+` ⇒ *at least* 26.0; any other 18.6/18.7 token ⇒ *at least* that
//!   (the device runs 18.6+ or 26+), never "exactly 18.6"; Firefox's 18.6+ ⇒ unknown.
//!   Facebook (`FBSV/`) and Instagram (`; iOS 17_5;`) add the real system version themselves,
//!   which resolves the frozen case inside those apps.
//! - **Android** Chromium browsers send the reduced `Android 10; K`: neither version nor model is
//!   true. Only `Sec-CH-UA-Platform-Version` / `Sec-CH-UA-Model` (asked for with [`ACCEPT_CH`])
//!   or a non-reduced UA (Firefox, WebViews, old browsers) give them.
//! - **Desktop** UAs are frozen (`Windows NT 10.0`, `Mac OS X 10_15_7`); desktop needs no version,
//!   and only a platform-version hint fills [`Device::os_version`] there.
//! - A Mac UA from Safari may be an iPad asking for the desktop site: [`Device::maybe_ipad`].
//!
//! Client hints, when present, win over the UA for the platform. Parsing is hand-written, looks at
//! no more than [`MAX_USER_AGENT_BYTES`] and allocates only for the model name.

use std::fmt;
use std::str::FromStr;
use std::sync::LazyLock;

use aho_corasick::AhoCorasick;
use serde::Serialize;

/// Longest User-Agent prefix looked at, in bytes; anything after it is ignored.
pub const MAX_USER_AGENT_BYTES: usize = 1024;
/// Longest single-value client hint looked at; longer values are ignored as malformed.
const MAX_HINT_BYTES: usize = 128;
/// Longest model name we repeat back (real ones are short: "SM-S918B", "Pixel 8 Pro").
const MAX_MODEL_BYTES: usize = 48;

/// Response header asking Chromium for the high-entropy hints we need (send on every response).
pub const ACCEPT_CH: &str = "Sec-CH-UA-Platform-Version, Sec-CH-UA-Model";
/// Response header making Chromium retry the first navigation with those hints.
pub const CRITICAL_CH: &str = "Sec-CH-UA-Platform-Version, Sec-CH-UA-Model";
/// `Vary` for pages whose content depends on the device.
pub const VARY: &str = "Sec-CH-UA-Platform-Version, Sec-CH-UA-Model, User-Agent";

/// Lowest iOS/iPadOS version that fully meets the passkey-in-Authenticator requirement.
pub const IOS_MINIMUM: OsVersion = OsVersion::new(17, 4, None);
/// Lowest iOS/iPadOS version that should work, with an update recommended.
pub const IOS_SOFT_MINIMUM: OsVersion = OsVersion::new(17, 0, None);
/// Lowest Android version that meets the requirement.
pub const ANDROID_MINIMUM: OsVersion = OsVersion::new(14, 0, None);

/// Implements `Display` and `Serialize` through `as_str`, so the three never disagree.
macro_rules! text_from_as_str {
    ($($ty:ty),* $(,)?) => {$(
        impl fmt::Display for $ty {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.as_str())
            }
        }
        impl Serialize for $ty {
            fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                serializer.serialize_str(self.as_str())
            }
        }
    )*};
}

/// The operating system family.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Platform {
    /// iPhone or iPod touch.
    Ios,
    /// iPad (with an iPad UA, or a Mac UA carrying an iOS-only browser token).
    Ipados,
    /// Any Android device.
    Android,
    /// Windows (10 and 11 look the same in the UA).
    Windows,
    /// macOS (or an iPad asking for desktop sites: see [`Device::maybe_ipad`]).
    Macos,
    /// Desktop Linux.
    Linux,
    /// ChromeOS.
    Chromeos,
    /// Not recognisable (bots, scripts, garbage).
    Unknown,
}

impl Platform {
    /// Stable lowercase name: "ios", "ipados", "android", "windows", "macos", "linux", …
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Ios => "ios",
            Self::Ipados => "ipados",
            Self::Android => "android",
            Self::Windows => "windows",
            Self::Macos => "macos",
            Self::Linux => "linux",
            Self::Chromeos => "chromeos",
            Self::Unknown => "unknown",
        }
    }

    /// iPhone, iPad or Android: where the passkey lives in Authenticator.
    pub fn is_mobile_os(self) -> bool {
        matches!(self, Self::Ios | Self::Ipados | Self::Android)
    }
}

/// Who made the device, when that is known.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Vendor {
    /// iPhone, iPad, Mac.
    Apple,
    /// Samsung Galaxy (an `SM-…` model, or Samsung Internet without a model).
    Samsung,
    /// Google Pixel.
    Google,
    /// A known model from another maker.
    Other,
    /// Not told.
    Unknown,
}

impl Vendor {
    /// Stable lowercase name: "apple", "samsung", "google", "other", "unknown".
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Apple => "apple",
            Self::Samsung => "samsung",
            Self::Google => "google",
            Self::Other => "other",
            Self::Unknown => "unknown",
        }
    }
}

/// The browser, as far as it names itself.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Browser {
    /// Safari (iOS, iPadOS, macOS).
    Safari,
    /// Chrome, including Chrome on iOS (`CriOS`).
    Chrome,
    /// Edge, including Edge on iOS (`EdgiOS`) and Android (`EdgA`).
    Edge,
    /// Firefox, including Firefox on iOS (`FxiOS`).
    Firefox,
    /// Samsung Internet.
    SamsungInternet,
    /// Another browser, or an app's embedded web view.
    Other,
    /// Not recognisable.
    Unknown,
}

impl Browser {
    /// Stable lowercase name: "safari", "chrome", "edge", "firefox", "samsung_internet", …
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Safari => "safari",
            Self::Chrome => "chrome",
            Self::Edge => "edge",
            Self::Firefox => "firefox",
            Self::SamsungInternet => "samsung_internet",
            Self::Other => "other",
            Self::Unknown => "unknown",
        }
    }
}

/// The app whose built-in browser shows the page, if any (the page then says "open in Safari/Chrome").
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum InApp {
    /// A real browser.
    None,
    /// Outlook (`Outlook-iOS/`, `Outlook-Android/`, or the Android package name).
    Outlook,
    /// Microsoft Teams (`Teams/`, or the Android package name).
    Teams,
    /// Microsoft Authenticator (Android package name only; see [`ClientHints::requested_with`]).
    Authenticator,
    /// LinkedIn (`LinkedInApp`).
    LinkedIn,
    /// Facebook or Messenger (`FBAN/`, `FBAV/`, `FB_IAB/`).
    Facebook,
    /// Instagram (`Instagram 123.…`).
    Instagram,
    /// Some other app's web view (Android `; wv)`, an iOS WebKit UA without `Safari/`, or a
    /// Microsoft sign-in web view marked `PKeyAuth/1.0`).
    WebView,
}

impl InApp {
    /// Stable lowercase name: "none", "outlook", "teams", "authenticator", "linkedin", …
    pub fn as_str(self) -> &'static str {
        match self {
            Self::None => "none",
            Self::Outlook => "outlook",
            Self::Teams => "teams",
            Self::Authenticator => "authenticator",
            Self::LinkedIn => "linkedin",
            Self::Facebook => "facebook",
            Self::Instagram => "instagram",
            Self::WebView => "webview",
        }
    }

    /// An app we can name (not a real browser, not an anonymous web view).
    fn is_named(self) -> bool {
        !matches!(self, Self::None | Self::WebView)
    }
}

/// How the device's OS version compares with the passkey-in-Authenticator minimums.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum OsCheck {
    /// Known to meet the minimum.
    Met,
    /// iOS 17.0–17.3: should work, updating is recommended.
    UpdateRecommended,
    /// Known to be below the minimum.
    NotMet,
    /// A phone or tablet whose version the request does not tell: ask the person to check.
    Unknown,
    /// A computer: the passkey goes on a phone, no check applies.
    NotApplicable,
}

impl OsCheck {
    /// Stable name: "met", "update_recommended", "not_met", "unknown", "not_applicable".
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Met => "met",
            Self::UpdateRecommended => "update_recommended",
            Self::NotMet => "not_met",
            Self::Unknown => "unknown",
            Self::NotApplicable => "not_applicable",
        }
    }
}

/// Which walkthrough fits the device.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum WalkthroughKind {
    /// iPhone and iPad.
    Ios,
    /// Android phones other than Samsung Galaxy.
    Android,
    /// Samsung Galaxy (One UI labels differ).
    Samsung,
    /// Everything else, including unknown devices: the cross-device (QR) path.
    Desktop,
}

impl WalkthroughKind {
    /// Every kind, in the order the tabs show them.
    pub const ALL: [Self; 4] = [Self::Ios, Self::Android, Self::Samsung, Self::Desktop];

    /// The `?device=` value: "ios", "android", "samsung", "desktop".
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Ios => "ios",
            Self::Android => "android",
            Self::Samsung => "samsung",
            Self::Desktop => "desktop",
        }
    }
}

/// A `?device=` value that names no walkthrough.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnknownWalkthrough;

impl fmt::Display for UnknownWalkthrough {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("unknown device: use ios, android, samsung or desktop")
    }
}

impl std::error::Error for UnknownWalkthrough {}

impl FromStr for WalkthroughKind {
    type Err = UnknownWalkthrough;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let s = s.trim();
        Self::ALL
            .into_iter()
            .find(|kind| kind.as_str().eq_ignore_ascii_case(s))
            .ok_or(UnknownWalkthrough)
    }
}

text_from_as_str!(Platform, Vendor, Browser, InApp, OsCheck, WalkthroughKind);

/// An OS version as far as it is known: `17.4`, `17.3.1`, `14.0`. A zero patch is dropped.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct OsVersion {
    /// Major version (17 in 17.3.1).
    pub major: u16,
    /// Minor version (3 in 17.3.1; 0 when absent).
    pub minor: u16,
    /// Patch version (1 in 17.3.1; `None` when absent or zero).
    pub patch: Option<u16>,
}

impl OsVersion {
    /// A version; `patch: Some(0)` is stored as `None` so `17.4.0 == 17.4`.
    pub const fn new(major: u16, minor: u16, patch: Option<u16>) -> Self {
        let patch = match patch {
            Some(0) => None,
            other => other,
        };
        Self {
            major,
            minor,
            patch,
        }
    }
}

impl fmt::Display for OsVersion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{}", self.major, self.minor)?;
        if let Some(patch) = self.patch {
            write!(f, ".{patch}")?;
        }
        Ok(())
    }
}

impl Serialize for OsVersion {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

/// The raw request headers that describe the device, as the web layer received them.
///
/// Values are the header texts (`"\"Android\""`, `"?1"`); absent headers are `None`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ClientHints<'a> {
    /// `Sec-CH-UA`: the brand list (`"Chromium";v="131", "Google Chrome";v="131"`).
    pub ua: Option<&'a str>,
    /// `Sec-CH-UA-Mobile`: `?1` or `?0`.
    pub mobile: Option<&'a str>,
    /// `Sec-CH-UA-Platform`: `"Android"`, `"Windows"`, `"macOS"`, `"Linux"`, `"Chrome OS"`.
    pub platform: Option<&'a str>,
    /// `Sec-CH-UA-Platform-Version` (high entropy): `"14.0.0"`.
    pub platform_version: Option<&'a str>,
    /// `Sec-CH-UA-Model` (high entropy): `"SM-S918B"`, `"Pixel 8"`, `""` on desktops.
    pub model: Option<&'a str>,
    /// `Sec-CH-UA-Full-Version-List` (high entropy): brands with full versions.
    pub full_version_list: Option<&'a str>,
    /// `X-Requested-With`: Android WebViews send the embedding app's package name
    /// (`com.azure.authenticator`); only package names we know are used.
    pub requested_with: Option<&'a str>,
}

impl<'a> ClientHints<'a> {
    /// No hints at all (Safari, Firefox, first visits).
    pub const NONE: ClientHints<'static> = ClientHints {
        ua: None,
        mobile: None,
        platform: None,
        platform_version: None,
        model: None,
        full_version_list: None,
        requested_with: None,
    };

    /// Header names (lowercase) read by [`ClientHints::from_lookup`], in field order.
    pub const HEADER_NAMES: [&'static str; 7] = [
        "sec-ch-ua",
        "sec-ch-ua-mobile",
        "sec-ch-ua-platform",
        "sec-ch-ua-platform-version",
        "sec-ch-ua-model",
        "sec-ch-ua-full-version-list",
        "x-requested-with",
    ];

    /// Fill from any header map: `ClientHints::from_lookup(|name| headers.get(name)?.to_str().ok())`.
    pub fn from_lookup(mut get: impl FnMut(&'static str) -> Option<&'a str>) -> Self {
        let [
            ua,
            mobile,
            platform,
            platform_version,
            model,
            full_version_list,
            requested_with,
        ] = Self::HEADER_NAMES;
        Self {
            ua: get(ua),
            mobile: get(mobile),
            platform: get(platform),
            platform_version: get(platform_version),
            model: get(model),
            full_version_list: get(full_version_list),
            requested_with: get(requested_with),
        }
    }
}

/// What the request tells about the visitor's device.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
pub struct Device {
    /// The operating system family.
    pub platform: Platform,
    /// The maker, when a model or browser tells it.
    pub vendor: Vendor,
    /// The model, only from a trustworthy source (`Sec-CH-UA-Model` or a non-reduced UA).
    pub model: Option<String>,
    /// The exact OS version; `None` when unknown, frozen or reduced — never a guess.
    pub os_version: Option<OsVersion>,
    /// A lower bound when only that is known (iOS 26's frozen UA ⇒ at least 26.0).
    pub os_version_at_least: Option<OsVersion>,
    /// The browser.
    pub browser: Browser,
    /// The app whose built-in browser this is, if any.
    pub in_app: InApp,
    /// The browser asks for a mobile layout (`Sec-CH-UA-Mobile`, else the UA's mobile tokens).
    pub mobile: bool,
    /// A Mac UA that may be an iPad asking for desktop sites (offer the iPhone steps).
    pub maybe_ipad: bool,
    /// A crawler, link-preview fetcher or script, not a person's browser.
    pub bot: bool,
}

impl Default for Device {
    fn default() -> Self {
        Self::unknown()
    }
}

impl Device {
    /// A device about which nothing is known (shown the desktop walkthrough).
    pub const fn unknown() -> Self {
        Self {
            platform: Platform::Unknown,
            vendor: Vendor::Unknown,
            model: None,
            os_version: None,
            os_version_at_least: None,
            browser: Browser::Unknown,
            in_app: InApp::None,
            mobile: false,
            maybe_ipad: false,
            bot: false,
        }
    }

    /// Recognise the device from the `User-Agent` header and the client hints.
    pub fn detect(user_agent: Option<&str>, hints: &ClientHints<'_>) -> Device {
        let ua = clip_user_agent(user_agent.unwrap_or_default().trim());
        if is_automated(ua) {
            return Device {
                bot: true,
                ..Device::unknown()
            };
        }
        merge(UaFacts::parse(ua), HintFacts::parse(hints))
    }

    /// Passkey-in-Authenticator minimums (one place): iOS ≥ 17.4 met; 17.0–17.3
    /// update_recommended; < 17 not_met; Android ≥ 14 met, < 14 not_met; unknown version →
    /// Unknown; computers → NotApplicable.
    pub fn os_check(&self) -> OsCheck {
        let (met, soft) = match self.platform {
            Platform::Ios | Platform::Ipados => (IOS_MINIMUM, IOS_SOFT_MINIMUM),
            Platform::Android => (ANDROID_MINIMUM, ANDROID_MINIMUM),
            Platform::Windows | Platform::Macos | Platform::Linux | Platform::Chromeos => {
                return OsCheck::NotApplicable;
            }
            Platform::Unknown => return OsCheck::Unknown,
        };
        match (self.os_version, self.os_version_at_least) {
            (Some(version), _) if version >= met => OsCheck::Met,
            (Some(version), _) if version >= soft => OsCheck::UpdateRecommended,
            (Some(_), _) => OsCheck::NotMet,
            (None, Some(bound)) if bound >= met => OsCheck::Met,
            (None, _) => OsCheck::Unknown,
        }
    }

    /// Which walkthrough fits: "ios" (iPhone and iPad), "samsung" (Samsung Galaxy), "android"
    /// (other Android), "desktop" (everything else, including unknown and Macs that may be iPads).
    pub fn walkthrough(&self) -> WalkthroughKind {
        match self.platform {
            Platform::Ios | Platform::Ipados => WalkthroughKind::Ios,
            Platform::Android if self.vendor == Vendor::Samsung => WalkthroughKind::Samsung,
            Platform::Android => WalkthroughKind::Android,
            _ => WalkthroughKind::Desktop,
        }
    }

    /// 11 or 10 when a Windows platform-version hint tells (13.0.0+ is Windows 11).
    pub fn windows_release(&self) -> Option<u8> {
        match (self.platform, self.os_version) {
            (Platform::Windows, Some(v)) if v.major >= 13 => Some(11),
            (Platform::Windows, Some(v)) if v.major >= 1 => Some(10),
            _ => None,
        }
    }
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

/// Samsung model codes: `SM-…` (every current Galaxy), `GT-…` (older), Japanese carrier models
/// `SC-51D` (docomo) and `SCG19` (au).
fn vendor_of_model(model: &str) -> Vendor {
    let digit_at = |i: usize| model.as_bytes().get(i).is_some_and(u8::is_ascii_digit);
    if model.starts_with("SM-")
        || model.starts_with("GT-")
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
            Some(model) => vendor_of_model(model),
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
const AUTOMATED_MARKERS: &[&str] = &[
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
fn is_automated(ua: &str) -> bool {
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

/// The version right after `marker`, up to the first byte that is neither a digit nor `sep`.
/// `None` when the other separator follows: `; iOS 26.1` is not the `26_1` form, and reading
/// its `26` as 26.0 would invent a version.
fn version_after(hay: &str, marker: &str, sep: u8) -> Option<OsVersion> {
    let start = hay.find(marker)? + marker.len();
    let rest = &hay[start..];
    let len = rest
        .bytes()
        .take_while(|b| b.is_ascii_digit() || *b == sep)
        .count();
    if matches!(rest.as_bytes().get(len), Some(b'.' | b'_')) {
        return None;
    }
    parse_version(&rest[..len], char::from(sep))
}

/// `17_3_1` / `14.0.0` / `14` → a version; anything else (letters, 4+ parts, overflow) → None.
fn parse_version(text: &str, sep: char) -> Option<OsVersion> {
    fn number(part: &str) -> Option<u16> {
        if part.is_empty() || part.len() > 5 || !part.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        part.parse().ok()
    }
    let mut parts = text.split(sep);
    let major = number(parts.next()?)?;
    let minor = parts.next().map_or(Some(0), number)?;
    let patch = parts.next().map_or(Some(0), number)?;
    if parts.next().is_some() {
        return None;
    }
    Some(OsVersion::new(major, minor, Some(patch)))
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

/// `word` delimited by non-alphanumeric bytes (so "Mobile" matches "Mobile/15E148", not "Automobile").
fn has_word(hay: &str, word: &str) -> bool {
    hay.match_indices(word).any(|(at, _)| {
        let before = hay.as_bytes().get(at.wrapping_sub(1));
        let after = hay.as_bytes().get(at + word.len());
        !before.is_some_and(u8::is_ascii_alphanumeric)
            && !after.is_some_and(u8::is_ascii_alphanumeric)
    })
}

fn contains_ignore_ascii_case(hay: &str, needle: &str) -> bool {
    hay.as_bytes()
        .windows(needle.len())
        .any(|window| window.eq_ignore_ascii_case(needle.as_bytes()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    use Browser as B;
    use InApp as A;
    use OsCheck as C;
    use Platform as P;
    use Vendor as V;
    use WalkthroughKind as W;

    const fn v(major: u16, minor: u16) -> Option<OsVersion> {
        Some(OsVersion::new(major, minor, None))
    }

    const fn v3(major: u16, minor: u16, patch: u16) -> Option<OsVersion> {
        Some(OsVersion::new(major, minor, Some(patch)))
    }

    const fn android_hints(version: &'static str, model: &'static str) -> ClientHints<'static> {
        ClientHints {
            ua: Some(r#""Chromium";v="131", "Not_A Brand";v="24", "Google Chrome";v="131""#),
            mobile: Some("?1"),
            platform: Some(r#""Android""#),
            platform_version: Some(version),
            model: Some(model),
            ..ClientHints::NONE
        }
    }

    /// One real User-Agent (with the hints its browser sends) and everything we must conclude.
    struct Row {
        ua: Option<&'static str>,
        hints: ClientHints<'static>,
        platform: Platform,
        vendor: Vendor,
        os: Option<OsVersion>,
        at_least: Option<OsVersion>,
        browser: Browser,
        in_app: InApp,
        check: OsCheck,
        walk: WalkthroughKind,
    }

    const NO: ClientHints<'static> = ClientHints::NONE;
    const REDUCED_CHROME: &str = "Mozilla/5.0 (Linux; Android 10; K) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Mobile Safari/537.36";
    const MAC_SAFARI_17_4: &str = "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4 Safari/605.1.15";

    #[rustfmt::skip]
    const ROWS: &[Row] = &[
        // ---- iPhone Safari, iOS 15 to 26 ----
        Row { ua: Some("Mozilla/5.0 (iPhone; CPU iPhone OS 15_6 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/15.6 Mobile/15E148 Safari/604.1"), hints: NO,
              platform: P::Ios, vendor: V::Apple, os: v(15, 6), at_least: None, browser: B::Safari, in_app: A::None, check: C::NotMet, walk: W::Ios },
        Row { ua: Some("Mozilla/5.0 (iPhone; CPU iPhone OS 16_7_10 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/16.6 Mobile/15E148 Safari/604.1"), hints: NO,
              platform: P::Ios, vendor: V::Apple, os: v3(16, 7, 10), at_least: None, browser: B::Safari, in_app: A::None, check: C::NotMet, walk: W::Ios },
        Row { ua: Some("Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.0 Mobile/15E148 Safari/604.1"), hints: NO,
              platform: P::Ios, vendor: V::Apple, os: v(17, 0), at_least: None, browser: B::Safari, in_app: A::None, check: C::UpdateRecommended, walk: W::Ios },
        Row { ua: Some("Mozilla/5.0 (iPhone; CPU iPhone OS 17_3_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.3 Mobile/15E148 Safari/604.1"), hints: NO,
              platform: P::Ios, vendor: V::Apple, os: v3(17, 3, 1), at_least: None, browser: B::Safari, in_app: A::None, check: C::UpdateRecommended, walk: W::Ios },
        Row { ua: Some("Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4 Mobile/15E148 Safari/604.1"), hints: NO,
              platform: P::Ios, vendor: V::Apple, os: v(17, 4), at_least: None, browser: B::Safari, in_app: A::None, check: C::Met, walk: W::Ios },
        Row { ua: Some("Mozilla/5.0 (iPhone; CPU iPhone OS 18_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.5 Mobile/15E148 Safari/604.1"), hints: NO,
              platform: P::Ios, vendor: V::Apple, os: v(18, 5), at_least: None, browser: B::Safari, in_app: A::None, check: C::Met, walk: W::Ios },
        // Safari 18.6 on iOS 18.6 (WebKit blog): Version < 26, so the OS token is true.
        Row { ua: Some("Mozilla/5.0 (iPhone; CPU iPhone OS 18_6 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.6 Mobile/15E148 Safari/604.1"), hints: NO,
              platform: P::Ios, vendor: V::Apple, os: v(18, 6), at_least: None, browser: B::Safari, in_app: A::None, check: C::Met, walk: W::Ios },
        // Safari 26.0 (WebKit blog): OS frozen at 18_6.
        Row { ua: Some("Mozilla/5.0 (iPhone; CPU iPhone OS 18_6 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/26.0 Mobile/15E148 Safari/604.1"), hints: NO,
              platform: P::Ios, vendor: V::Apple, os: None, at_least: v(26, 0), browser: B::Safari, in_app: A::None, check: C::Met, walk: W::Ios },
        // iOS 26.3 (Pixel Envy): OS frozen at 18_7.
        Row { ua: Some("Mozilla/5.0 (iPhone; CPU iPhone OS 18_7 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/26.3 Mobile/15E148 Safari/604.1"), hints: NO,
              platform: P::Ios, vendor: V::Apple, os: None, at_least: v(26, 0), browser: B::Safari, in_app: A::None, check: C::Met, walk: W::Ios },
        // ---- iPad ----
        Row { ua: Some("Mozilla/5.0 (iPad; CPU OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1"), hints: NO,
              platform: P::Ipados, vendor: V::Apple, os: v(17, 5), at_least: None, browser: B::Safari, in_app: A::None, check: C::Met, walk: W::Ios },
        Row { ua: Some("Mozilla/5.0 (iPad; CPU OS 16_6 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) CriOS/117.0.5938.117 Mobile/15E148 Safari/604.1"), hints: NO,
              platform: P::Ipados, vendor: V::Apple, os: v(16, 6), at_least: None, browser: B::Chrome, in_app: A::None, check: C::NotMet, walk: W::Ios },
        // iPad Safari asking for the desktop site: indistinguishable from a Mac.
        Row { ua: Some(MAC_SAFARI_17_4), hints: NO,
              platform: P::Macos, vendor: V::Apple, os: None, at_least: None, browser: B::Safari, in_app: A::None, check: C::NotApplicable, walk: W::Desktop },
        // Chrome for iOS in desktop mode (Chromium's desktop UA template): an iOS device.
        Row { ua: Some("Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) CriOS/125 Version/11.1.1 Safari/605.1.15"), hints: NO,
              platform: P::Ipados, vendor: V::Apple, os: None, at_least: None, browser: B::Chrome, in_app: A::None, check: C::Unknown, walk: W::Ios },
        // ---- other iPhone browsers ----
        Row { ua: Some("Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) CriOS/125.0.6422.80 Mobile/15E148 Safari/604.1"), hints: NO,
              platform: P::Ios, vendor: V::Apple, os: v(17, 5), at_least: None, browser: B::Chrome, in_app: A::None, check: C::Met, walk: W::Ios },
        Row { ua: Some("Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.0 EdgiOS/125.2535.60 Mobile/15E148 Safari/605.1.15"), hints: NO,
              platform: P::Ios, vendor: V::Apple, os: v(17, 5), at_least: None, browser: B::Edge, in_app: A::None, check: C::Met, walk: W::Ios },
        Row { ua: Some("Mozilla/5.0 (iPhone; CPU iPhone OS 16_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) FxiOS/114.1 Mobile/15E148 Safari/605.1.15"), hints: NO,
              platform: P::Ios, vendor: V::Apple, os: v(16, 5), at_least: None, browser: B::Firefox, in_app: A::None, check: C::NotMet, walk: W::Ios },
        // Firefox for iOS 143+ sends the constant 18_6 on every iOS version.
        Row { ua: Some("Mozilla/5.0 (iPhone; CPU iPhone OS 18_6 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) FxiOS/143.0 Mobile/15E148 Safari/604.1"), hints: NO,
              platform: P::Ios, vendor: V::Apple, os: None, at_least: None, browser: B::Firefox, in_app: A::None, check: C::Unknown, walk: W::Ios },
        // ---- iOS in-app browsers ----
        Row { ua: Some("Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148 [FBAN/FBIOS;FBAV/465.0.0.40.106;FBBV/613433263;FBDV/iPhone14,5;FBMD/iPhone;FBSN/iOS;FBSV/17.5;FBSS/3;FBID/phone;FBLC/en_US;FBOP/5;FBRV/615285224]"), hints: NO,
              platform: P::Ios, vendor: V::Apple, os: v(17, 5), at_least: None, browser: B::Other, in_app: A::Facebook, check: C::Met, walk: W::Ios },
        Row { ua: Some("Mozilla/5.0 (iPhone; CPU iPhone OS 16_6 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148 Instagram 302.0.0.23.114 (iPhone13,2; iOS 16_6; en_US; en; scale=3.00; 1170x2532; 522767130)"), hints: NO,
              platform: P::Ios, vendor: V::Apple, os: v(16, 6), at_least: None, browser: B::Other, in_app: A::Instagram, check: C::NotMet, walk: W::Ios },
        Row { ua: Some("Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148 [LinkedInApp]/9.29.8735"), hints: NO,
              platform: P::Ios, vendor: V::Apple, os: v(17, 5), at_least: None, browser: B::Other, in_app: A::LinkedIn, check: C::Met, walk: W::Ios },
        Row { ua: Some("Mozilla/5.0 (iPhone; CPU iPhone OS 16_4_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148"), hints: NO,
              platform: P::Ios, vendor: V::Apple, os: v3(16, 4, 1), at_least: None, browser: B::Other, in_app: A::WebView, check: C::NotMet, walk: W::Ios },
        // ---- Android Chrome (reduced UA), with and without hints ----
        Row { ua: Some(REDUCED_CHROME), hints: NO,
              platform: P::Android, vendor: V::Unknown, os: None, at_least: None, browser: B::Chrome, in_app: A::None, check: C::Unknown, walk: W::Android },
        Row { ua: Some(REDUCED_CHROME), hints: android_hints("\"14.0.0\"", "\"Pixel 8\""),
              platform: P::Android, vendor: V::Google, os: v(14, 0), at_least: None, browser: B::Chrome, in_app: A::None, check: C::Met, walk: W::Android },
        Row { ua: Some(REDUCED_CHROME), hints: android_hints("\"13.0.0\"", "\"Pixel 6a\""),
              platform: P::Android, vendor: V::Google, os: v(13, 0), at_least: None, browser: B::Chrome, in_app: A::None, check: C::NotMet, walk: W::Android },
        Row { ua: Some(REDUCED_CHROME), hints: android_hints("\"14.0.0\"", "\"SM-S918B\""),
              platform: P::Android, vendor: V::Samsung, os: v(14, 0), at_least: None, browser: B::Chrome, in_app: A::None, check: C::Met, walk: W::Samsung },
        // Low-entropy hints only (first visit): still unknown.
        Row { ua: Some(REDUCED_CHROME), hints: ClientHints { ua: Some(r#""Chromium";v="131", "Not_A Brand";v="24", "Google Chrome";v="131""#), mobile: Some("?1"), platform: Some("\"Android\""), ..NO },
              platform: P::Android, vendor: V::Unknown, os: None, at_least: None, browser: B::Chrome, in_app: A::None, check: C::Unknown, walk: W::Android },
        // Pre-reduction Chrome (Android 10, Pixel 4): real version and model.
        Row { ua: Some("Mozilla/5.0 (Linux; Android 10; Pixel 4) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/86.0.4240.183 Mobile Safari/537.36"), hints: NO,
              platform: P::Android, vendor: V::Google, os: v(10, 0), at_least: None, browser: B::Chrome, in_app: A::None, check: C::NotMet, walk: W::Android },
        Row { ua: Some("Mozilla/5.0 (Linux; Android 10; K) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/125.0.0.0 Mobile Safari/537.36 EdgA/125.0.2535.87"), hints: NO,
              platform: P::Android, vendor: V::Unknown, os: None, at_least: None, browser: B::Edge, in_app: A::None, check: C::Unknown, walk: W::Android },
        // ---- Samsung Internet, new (reduced) and old ----
        Row { ua: Some("Mozilla/5.0 (Linux; Android 10; K) AppleWebKit/537.36 (KHTML, like Gecko) SamsungBrowser/26.0 Chrome/122.0.0.0 Mobile Safari/537.36"), hints: NO,
              platform: P::Android, vendor: V::Samsung, os: None, at_least: None, browser: B::SamsungInternet, in_app: A::None, check: C::Unknown, walk: W::Samsung },
        Row { ua: Some("Mozilla/5.0 (Linux; Android 13; SM-A536B) AppleWebKit/537.36 (KHTML, like Gecko) SamsungBrowser/23.0 Chrome/115.0.0.0 Mobile Safari/537.36"), hints: NO,
              platform: P::Android, vendor: V::Samsung, os: v(13, 0), at_least: None, browser: B::SamsungInternet, in_app: A::None, check: C::NotMet, walk: W::Samsung },
        Row { ua: Some("Mozilla/5.0 (Linux; Android 13; SAMSUNG SM-S911B) AppleWebKit/537.36 (KHTML, like Gecko) SamsungBrowser/21.0 Chrome/110.0.5481.154 Mobile Safari/537.36"), hints: NO,
              platform: P::Android, vendor: V::Samsung, os: v(13, 0), at_least: None, browser: B::SamsungInternet, in_app: A::None, check: C::NotMet, walk: W::Samsung },
        // ---- Firefox for Android (not reduced) ----
        Row { ua: Some("Mozilla/5.0 (Android 14; Mobile; rv:128.0) Gecko/128.0 Firefox/128.0"), hints: NO,
              platform: P::Android, vendor: V::Unknown, os: v(14, 0), at_least: None, browser: B::Firefox, in_app: A::None, check: C::Met, walk: W::Android },
        // ---- Android in-app browsers (WebView UAs are not reduced) ----
        Row { ua: Some("Mozilla/5.0 (Linux; Android 14; Pixel 8 Build/AP2A.240805.005; wv) AppleWebKit/537.36 (KHTML, like Gecko) Version/4.0 Chrome/127.0.6533.103 Mobile Safari/537.36"), hints: NO,
              platform: P::Android, vendor: V::Google, os: v(14, 0), at_least: None, browser: B::Other, in_app: A::WebView, check: C::Met, walk: W::Android },
        Row { ua: Some("Mozilla/5.0 (Linux; Android 14; SM-S918B Build/UP1A.231005.007; wv) AppleWebKit/537.36 (KHTML, like Gecko) Version/4.0 Chrome/125.0.6422.165 Mobile Safari/537.36 [FB_IAB/FB4A;FBAV/468.1.0.56.78;]"), hints: NO,
              platform: P::Android, vendor: V::Samsung, os: v(14, 0), at_least: None, browser: B::Other, in_app: A::Facebook, check: C::Met, walk: W::Samsung },
        Row { ua: Some("Mozilla/5.0 (Linux; Android 14; Pixel 7 Build/AP2A.240605.024; wv) AppleWebKit/537.36 (KHTML, like Gecko) Version/4.0 Chrome/126.0.6478.71 Mobile Safari/537.36 Instagram 337.0.0.35.102 Android (34/14; 420dpi; 1080x2400; Google/google; Pixel 7; panther; panther; en_US; 614299283)"), hints: NO,
              platform: P::Android, vendor: V::Google, os: v(14, 0), at_least: None, browser: B::Other, in_app: A::Instagram, check: C::Met, walk: W::Android },
        Row { ua: Some("Mozilla/5.0 (Linux; Android 13; SM-G991B Build/TP1A.220624.014; wv) AppleWebKit/537.36 (KHTML, like Gecko) Version/4.0 Chrome/124.0.6367.179 Mobile Safari/537.36 [LinkedInApp]/4.1.957"), hints: NO,
              platform: P::Android, vendor: V::Samsung, os: v(13, 0), at_least: None, browser: B::Other, in_app: A::LinkedIn, check: C::NotMet, walk: W::Samsung },
        // Outlook Lite's Microsoft sign-in web view (PKeyAuth) named by X-Requested-With.
        Row { ua: Some("Mozilla/5.0 (Linux; Android 9; SM-G975N Build/PQ3B.190801.08041932; wv) AppleWebKit/537.36 (KHTML, like Gecko) Version/4.0 Chrome/91.0.4472.114 Mobile Safari/537.36 PKeyAuth/1.0"),
              hints: ClientHints { requested_with: Some("com.microsoft.outlooklite"), ..NO },
              platform: P::Android, vendor: V::Samsung, os: v(9, 0), at_least: None, browser: B::Other, in_app: A::Outlook, check: C::NotMet, walk: W::Samsung },
        // UC Browser (old, not reduced, locale entry before the model).
        Row { ua: Some("Mozilla/5.0 (Linux; U; Android 8.1.0; en-US; Nexus 6P Build/OPM7.181205.001) AppleWebKit/537.36 (KHTML, like Gecko) Version/4.0 Chrome/57.0.2987.108 UCBrowser/12.11.1.1197 Mobile Safari/537.36"), hints: NO,
              platform: P::Android, vendor: V::Other, os: v(8, 1), at_least: None, browser: B::Other, in_app: A::None, check: C::NotMet, walk: W::Android },
        // ---- Windows ----
        Row { ua: Some("Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36 Edg/131.0.0.0"),
              hints: ClientHints { ua: Some(r#""Microsoft Edge";v="131", "Chromium";v="131", "Not_A Brand";v="24""#), mobile: Some("?0"), platform: Some("\"Windows\""), platform_version: Some("\"15.0.0\""), model: Some("\"\""), ..NO },
              platform: P::Windows, vendor: V::Unknown, os: v(15, 0), at_least: None, browser: B::Edge, in_app: A::None, check: C::NotApplicable, walk: W::Desktop },
        Row { ua: Some("Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36"), hints: NO,
              platform: P::Windows, vendor: V::Unknown, os: None, at_least: None, browser: B::Chrome, in_app: A::None, check: C::NotApplicable, walk: W::Desktop },
        Row { ua: Some("Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:128.0) Gecko/20100101 Firefox/128.0"), hints: NO,
              platform: P::Windows, vendor: V::Unknown, os: None, at_least: None, browser: B::Firefox, in_app: A::None, check: C::NotApplicable, walk: W::Desktop },
        Row { ua: Some("Mozilla/5.0 (Windows NT 10.0; WOW64; Trident/7.0; rv:11.0) like Gecko"), hints: NO,
              platform: P::Windows, vendor: V::Unknown, os: None, at_least: None, browser: B::Other, in_app: A::None, check: C::NotApplicable, walk: W::Desktop },
        // Classic Teams desktop client (Electron).
        Row { ua: Some("Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Teams/1.3.00.24755 Chrome/69.0.3497.128 Electron/4.2.12 Safari/537.36"), hints: NO,
              platform: P::Windows, vendor: V::Unknown, os: None, at_least: None, browser: B::Other, in_app: A::Teams, check: C::NotApplicable, walk: W::Desktop },
        // ---- macOS ----
        Row { ua: Some("Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.6 Safari/605.1.15"), hints: NO,
              platform: P::Macos, vendor: V::Apple, os: None, at_least: None, browser: B::Safari, in_app: A::None, check: C::NotApplicable, walk: W::Desktop },
        Row { ua: Some("Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36"),
              hints: ClientHints { platform: Some("\"macOS\""), platform_version: Some("\"14.5.0\""), mobile: Some("?0"), ..NO },
              platform: P::Macos, vendor: V::Apple, os: v(14, 5), at_least: None, browser: B::Chrome, in_app: A::None, check: C::NotApplicable, walk: W::Desktop },
        Row { ua: Some("Mozilla/5.0 (Macintosh; Intel Mac OS X 10.15; rv:128.0) Gecko/20100101 Firefox/128.0"), hints: NO,
              platform: P::Macos, vendor: V::Apple, os: None, at_least: None, browser: B::Firefox, in_app: A::None, check: C::NotApplicable, walk: W::Desktop },
        // ---- Linux, ChromeOS ----
        Row { ua: Some("Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36"), hints: NO,
              platform: P::Linux, vendor: V::Unknown, os: None, at_least: None, browser: B::Chrome, in_app: A::None, check: C::NotApplicable, walk: W::Desktop },
        Row { ua: Some("Mozilla/5.0 (X11; Ubuntu; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0"), hints: NO,
              platform: P::Linux, vendor: V::Unknown, os: None, at_least: None, browser: B::Firefox, in_app: A::None, check: C::NotApplicable, walk: W::Desktop },
        Row { ua: Some("Mozilla/5.0 (X11; CrOS x86_64 14541.0.0) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36"),
              hints: ClientHints { platform: Some("\"Chrome OS\""), platform_version: Some("\"16093.68.0\""), ..NO },
              platform: P::Chromeos, vendor: V::Unknown, os: None, at_least: None, browser: B::Chrome, in_app: A::None, check: C::NotApplicable, walk: W::Desktop },
        // ---- bots, scripts, nothing ----
        Row { ua: Some("Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)"), hints: NO,
              platform: P::Unknown, vendor: V::Unknown, os: None, at_least: None, browser: B::Unknown, in_app: A::None, check: C::Unknown, walk: W::Desktop },
        Row { ua: Some("Mozilla/5.0 (Linux; Android 6.0.1; Nexus 5X Build/MMB29P) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.6778.139 Mobile Safari/537.36 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)"), hints: NO,
              platform: P::Unknown, vendor: V::Unknown, os: None, at_least: None, browser: B::Unknown, in_app: A::None, check: C::Unknown, walk: W::Desktop },
        Row { ua: Some("facebookexternalhit/1.1 (+http://www.facebook.com/externalhit_uatext.php)"), hints: NO,
              platform: P::Unknown, vendor: V::Unknown, os: None, at_least: None, browser: B::Unknown, in_app: A::None, check: C::Unknown, walk: W::Desktop },
        Row { ua: Some("curl/8.5.0"), hints: NO,
              platform: P::Unknown, vendor: V::Unknown, os: None, at_least: None, browser: B::Unknown, in_app: A::None, check: C::Unknown, walk: W::Desktop },
        Row { ua: Some(""), hints: NO,
              platform: P::Unknown, vendor: V::Unknown, os: None, at_least: None, browser: B::Unknown, in_app: A::None, check: C::Unknown, walk: W::Desktop },
        Row { ua: None, hints: NO,
              platform: P::Unknown, vendor: V::Unknown, os: None, at_least: None, browser: B::Unknown, in_app: A::None, check: C::Unknown, walk: W::Desktop },
    ];

    #[test]
    fn real_user_agents_are_recognised_without_wrong_versions() {
        assert!(
            ROWS.len() >= 40,
            "the table must cover at least 40 real strings"
        );
        let mut failures = Vec::new();
        for row in ROWS {
            let device = Device::detect(row.ua, &row.hints);
            let got = (
                device.platform,
                device.vendor,
                device.os_version,
                device.os_version_at_least,
                device.browser,
                device.in_app,
                device.os_check(),
                device.walkthrough(),
            );
            let want = (
                row.platform,
                row.vendor,
                row.os,
                row.at_least,
                row.browser,
                row.in_app,
                row.check,
                row.walk,
            );
            if got != want {
                failures.push(format!("{:?}\n   got  {got:?}\n   want {want:?}", row.ua));
            }
        }
        assert!(failures.is_empty(), "{}", failures.join("\n"));
    }

    #[test]
    fn frozen_ios26_string_is_at_least_26_never_18_6() {
        let device = Device::detect(
            Some(
                "Mozilla/5.0 (iPhone; CPU iPhone OS 18_6 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/26.0 Mobile/15E148 Safari/604.1",
            ),
            &ClientHints::NONE,
        );
        assert_eq!(device.os_version, None);
        assert_eq!(device.os_version_at_least, v(26, 0));
        assert_eq!(device.os_check(), OsCheck::Met);
    }

    #[test]
    fn frozen_token_in_an_ios_web_view_is_only_a_lower_bound() {
        // WebKit freezes WKWebView UAs too, and they carry no Version/ token.
        let device = Device::detect(
            Some(
                "Mozilla/5.0 (iPhone; CPU iPhone OS 18_7 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148",
            ),
            &ClientHints::NONE,
        );
        assert_eq!(device.in_app, InApp::WebView);
        assert_eq!(device.os_version, None);
        assert_eq!(device.os_version_at_least, v(18, 7));
        assert_eq!(device.os_check(), OsCheck::Met);
    }

    #[test]
    fn facebook_and_instagram_report_the_real_ios_version_behind_the_freeze() {
        let facebook = Device::detect(
            Some(
                "Mozilla/5.0 (iPhone; CPU iPhone OS 18_6 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148 [FBAN/FBIOS;FBAV/520.0.0.38.101;FBBV/777;FBDV/iPhone16,2;FBMD/iPhone;FBSN/iOS;FBSV/26.0.1;FBSS/3;FBID/phone;FBLC/en_US;FBOP/5]",
            ),
            &ClientHints::NONE,
        );
        assert_eq!(facebook.os_version, v3(26, 0, 1));
        assert_eq!(facebook.os_version_at_least, None);
        let instagram = Device::detect(
            Some(
                "Mozilla/5.0 (iPhone; CPU iPhone OS 18_7 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148 Instagram 400.0.0.0.1 (iPhone16,2; iOS 26_2; en_US; en; scale=3.00; 1179x2556; 1)",
            ),
            &ClientHints::NONE,
        );
        assert_eq!(instagram.os_version, v(26, 2));
        // An app version below the frozen bound is not believed.
        let odd = Device::detect(
            Some(
                "Mozilla/5.0 (iPhone; CPU iPhone OS 18_6 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148 [FBAN/FBIOS;FBSV/12.0]",
            ),
            &ClientHints::NONE,
        );
        assert_eq!((odd.os_version, odd.os_version_at_least), (None, v(18, 6)));
    }

    #[test]
    fn an_app_version_in_an_unexpected_form_is_not_guessed() {
        // Found by fuzzing (fuzz/regressions/device_detect/): Instagram writes `iOS 26_1`; with
        // dots, only the `26` was read and reported as exactly 26.0.
        let instagram = Device::detect(
            Some(
                "Mozilla/5.0 (iPhone; CPU iPhone OS 18_6 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148 Instagram 400.0.0.0.1 (iPhone16,2; iOS 26.1; en_US; en; scale=3.00; 1179x2556; 1)",
            ),
            &ClientHints::NONE,
        );
        assert_eq!(
            (instagram.os_version, instagram.os_version_at_least),
            (None, v(18, 6))
        );
        assert_eq!(instagram.in_app, InApp::Instagram);
        // Facebook writes `FBSV/26.0.1`; underscores there are not its form either.
        let facebook = Device::detect(
            Some(
                "Mozilla/5.0 (iPhone; CPU iPhone OS 18_6 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148 [FBAN/FBIOS;FBSV/26_1]",
            ),
            &ClientHints::NONE,
        );
        assert_eq!(
            (facebook.os_version, facebook.os_version_at_least),
            (None, v(18, 6))
        );
    }

    #[test]
    fn reduced_android_ua_gives_no_version_and_no_model() {
        let device = Device::detect(Some(REDUCED_CHROME), &ClientHints::NONE);
        assert_eq!(device.os_version, None);
        assert_eq!(device.model, None);
        assert!(device.mobile);
    }

    #[test]
    fn model_comes_from_the_hint_or_a_non_reduced_ua_never_k() {
        let hinted = Device::detect(
            Some(REDUCED_CHROME),
            &android_hints("\"14.0.0\"", "\"SM-S918B\""),
        );
        assert_eq!(hinted.model.as_deref(), Some("SM-S918B"));
        let old = Device::detect(
            Some(
                "Mozilla/5.0 (Linux; Android 13; SAMSUNG SM-S911B) AppleWebKit/537.36 (KHTML, like Gecko) SamsungBrowser/21.0 Chrome/110.0.5481.154 Mobile Safari/537.36",
            ),
            &ClientHints::NONE,
        );
        assert_eq!(old.model.as_deref(), Some("SM-S911B"));
        let webview = Device::detect(
            Some(
                "Mozilla/5.0 (Linux; Android 14; Pixel 8 Build/AP2A.240805.005; wv) AppleWebKit/537.36 (KHTML, like Gecko) Version/4.0 Chrome/127.0.6533.103 Mobile Safari/537.36",
            ),
            &ClientHints::NONE,
        );
        assert_eq!(webview.model.as_deref(), Some("Pixel 8"));
        let k_hint = Device::detect(Some(REDUCED_CHROME), &android_hints("\"14.0.0\"", "\"K\""));
        assert_eq!(k_hint.model, None);
    }

    #[test]
    fn samsung_internet_on_a_pixel_follows_the_model_not_the_browser() {
        let device = Device::detect(
            Some(
                "Mozilla/5.0 (Linux; Android 10; K) AppleWebKit/537.36 (KHTML, like Gecko) SamsungBrowser/26.0 Chrome/122.0.0.0 Mobile Safari/537.36",
            ),
            &android_hints("\"15.0.0\"", "\"Pixel 8\""),
        );
        assert_eq!(device.vendor, Vendor::Google);
        assert_eq!(device.walkthrough(), WalkthroughKind::Android);
    }

    #[test]
    fn client_hint_platform_wins_over_the_user_agent() {
        // Chrome for Android in "desktop site" mode sends a Linux UA but still says Android.
        let device = Device::detect(
            Some(
                "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36",
            ),
            &ClientHints {
                platform: Some("\"Android\""),
                platform_version: Some("\"14.0.0\""),
                model: Some("\"SM-S918B\""),
                ..ClientHints::NONE
            },
        );
        assert_eq!(device.platform, Platform::Android);
        assert_eq!(device.os_version, v(14, 0));
        assert_eq!(device.walkthrough(), WalkthroughKind::Samsung);
        // The UA's Android version does not survive a platform change the other way.
        let device = Device::detect(
            Some(
                "Mozilla/5.0 (Linux; Android 13; SM-A536B) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/115.0.0.0 Mobile Safari/537.36",
            ),
            &ClientHints {
                platform: Some("\"Windows\""),
                ..ClientHints::NONE
            },
        );
        assert_eq!(
            (device.platform, device.os_version, device.model),
            (Platform::Windows, None, None)
        );
    }

    #[test]
    fn hints_alone_identify_an_android_phone() {
        let device = Device::detect(None, &android_hints("\"14.0.0\"", "\"Pixel 8\""));
        assert_eq!(device.platform, Platform::Android);
        assert_eq!(device.os_check(), OsCheck::Met);
        assert_eq!(device.browser, Browser::Chrome);
        assert!(device.mobile);
    }

    #[test]
    fn malformed_platform_version_hint_is_ignored() {
        for bad in [
            "\"14.0.0",
            "\"fourteen\"",
            "\"14.0.0.0\"",
            "\"99999999.0\"",
            "\"\"",
            "\"0.0.0\"",
        ] {
            let device = Device::detect(Some(REDUCED_CHROME), &android_hints(bad, "\"Pixel 8\""));
            assert_eq!(device.os_version, None, "{bad}");
        }
        let unquoted = Device::detect(Some(REDUCED_CHROME), &android_hints("14.0.0", "Pixel 8"));
        assert_eq!(unquoted.os_version, v(14, 0));
    }

    #[test]
    fn windows_platform_version_13_and_above_is_windows_11() {
        let with = |version: &'static str| {
            Device::detect(
                Some("Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36"),
                &ClientHints { platform: Some("\"Windows\""), platform_version: Some(version), ..ClientHints::NONE },
            )
            .windows_release()
        };
        assert_eq!(with("\"15.0.0\""), Some(11));
        assert_eq!(with("\"13.0.0\""), Some(11));
        assert_eq!(with("\"10.0.0\""), Some(10));
        assert_eq!(with("\"0.3.0\""), None);
        let no_hint = Device::detect(
            Some(
                "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36",
            ),
            &ClientHints::NONE,
        );
        assert_eq!(no_hint.windows_release(), None);
    }

    #[test]
    fn mac_safari_may_be_an_ipad_but_mac_chrome_is_not() {
        assert!(Device::detect(Some(MAC_SAFARI_17_4), &ClientHints::NONE).maybe_ipad);
        let chrome = Device::detect(
            Some(
                "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36",
            ),
            &ClientHints::NONE,
        );
        assert!(!chrome.maybe_ipad);
        let firefox = Device::detect(
            Some(
                "Mozilla/5.0 (Macintosh; Intel Mac OS X 10.15; rv:128.0) Gecko/20100101 Firefox/128.0",
            ),
            &ClientHints::NONE,
        );
        assert!(!firefox.maybe_ipad);
    }

    #[test]
    fn pkeyauth_is_a_microsoft_sign_in_web_view_not_proof_of_authenticator() {
        let ua = "Mozilla/5.0 (Linux; Android 14; Pixel 8 Build/AP2A.240805.005; wv) AppleWebKit/537.36 (KHTML, like Gecko) Version/4.0 Chrome/127.0.6533.103 Mobile Safari/537.36 PKeyAuth/1.0";
        assert_eq!(
            Device::detect(Some(ua), &ClientHints::NONE).in_app,
            InApp::WebView
        );
        let hints = ClientHints {
            requested_with: Some("com.azure.authenticator"),
            ..ClientHints::NONE
        };
        assert_eq!(
            Device::detect(Some(ua), &hints).in_app,
            InApp::Authenticator
        );
        // Unknown package names add nothing.
        let hints = ClientHints {
            requested_with: Some("com.example.app"),
            ..ClientHints::NONE
        };
        assert_eq!(Device::detect(Some(ua), &hints).in_app, InApp::WebView);
    }

    #[test]
    fn android_webview_brand_marks_an_in_app_browser() {
        let hints = ClientHints {
            ua: Some(r#""Android WebView";v="131", "Chromium";v="131", "Not_A Brand";v="24""#),
            platform: Some("\"Android\""),
            ..ClientHints::NONE
        };
        let device = Device::detect(Some(REDUCED_CHROME), &hints);
        assert_eq!(device.in_app, InApp::WebView);
        assert_eq!(device.browser, Browser::Other);
    }

    #[test]
    fn bots_and_scripts_get_the_unknown_device_flagged() {
        for ua in [
            "curl/8.5.0",
            "Mozilla/5.0 (compatible; bingbot/2.0; +http://www.bing.com/bingbot.htm)",
            "Slackbot-LinkExpanding 1.0 (+https://api.slack.com/robots)",
            "Mozilla/5.0 (Windows NT 6.1; WOW64) SkypeUriPreview Preview/0.5 skype-url-preview@microsoft.com",
            "python-requests/2.31.0",
        ] {
            let device = Device::detect(Some(ua), &ClientHints::NONE);
            assert!(device.bot, "{ua}");
            assert_eq!(device.walkthrough(), WalkthroughKind::Desktop, "{ua}");
        }
        // Constructed: a phone brand containing "bot" is not a bot.
        let cubot = Device::detect(
            Some(
                "Mozilla/5.0 (Linux; Android 12; Cubot KingKong 9) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.6099.43 Mobile Safari/537.36",
            ),
            &ClientHints::NONE,
        );
        assert!(!cubot.bot);
        assert_eq!(cubot.model.as_deref(), Some("Cubot KingKong 9"));
    }

    #[test]
    fn garbage_long_and_non_ascii_input_is_unknown_desktop() {
        let long = "Mozilla/5.0 ".repeat(1000);
        let inputs = [
            "\u{0}\u{1}(((",
            "(iPhone; CPU iPhone OS 1a_2 like Mac OS X)",
            "(iPhone; CPU iPhone OS 99999999_1 like Mac OS X)",
            "Mozilla/5.0 (Ünïcödé; 😀) Gecko/1",
            "(",
            ")",
            long.as_str(),
        ];
        for ua in inputs {
            let device = Device::detect(Some(ua), &ClientHints::NONE);
            assert_eq!(device.os_version, None, "{ua:?}");
            assert_eq!(
                device.walkthrough(),
                match device.platform {
                    Platform::Ios | Platform::Ipados => WalkthroughKind::Ios,
                    _ => WalkthroughKind::Desktop,
                }
            );
        }
    }

    #[test]
    fn input_beyond_one_kib_is_not_read() {
        let mut ua = "x".repeat(MAX_USER_AGENT_BYTES);
        ua.push_str("(iPhone; CPU iPhone OS 17_4 like Mac OS X)");
        assert_eq!(
            Device::detect(Some(&ua), &ClientHints::NONE).platform,
            Platform::Unknown
        );
        // Cutting inside a multi-byte character must not panic.
        let mut ua = "é".repeat(MAX_USER_AGENT_BYTES);
        ua.push('x');
        let _ = Device::detect(Some(&ua), &ClientHints::NONE);
    }

    #[test]
    fn an_entry_cut_by_the_one_kib_limit_is_not_read() {
        // Found by fuzzing (fuzz/regressions/device_detect/): `FBSV/26.0.11` cut after `26.0`
        // was read as exactly iOS 26.0.
        let head = "Mozilla/5.0 (iPhone; CPU iPhone OS 18_6 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148 ";
        let cut_after = "[FBAN/FBIOS;FBSV/26.0";
        let padding = "x".repeat(MAX_USER_AGENT_BYTES - head.len() - cut_after.len());
        let ua = format!("{head}{padding}[FBAN/FBIOS;FBSV/26.0.11;FBSS/3]");
        assert!(ua[..MAX_USER_AGENT_BYTES].ends_with(cut_after));
        let facebook = Device::detect(Some(&ua), &ClientHints::NONE);
        assert_eq!(facebook.in_app, InApp::Facebook);
        assert_eq!(
            (facebook.os_version, facebook.os_version_at_least),
            (None, v(18, 6))
        );
        // A model cut in the middle is no model at all.
        let head = "Mozilla/5.0 (Linux; Android 14; ";
        let padding = "x".repeat(MAX_USER_AGENT_BYTES - head.len() - "Pixel 8 P".len());
        let ua = format!("{padding}{head}Pixel 8 Pro) AppleWebKit/537.36 Chrome/127.0.0.0");
        let pixel = Device::detect(Some(&ua), &ClientHints::NONE);
        assert_eq!(pixel.platform, Platform::Android);
        assert_eq!((pixel.os_version, pixel.model), (v(14, 0), None));
    }

    #[test]
    fn os_check_thresholds_live_in_one_place() {
        let ios = |os, at_least| Device {
            platform: Platform::Ios,
            os_version: os,
            os_version_at_least: at_least,
            ..Device::unknown()
        };
        assert_eq!(ios(v(17, 4), None).os_check(), OsCheck::Met);
        assert_eq!(
            ios(v3(17, 3, 9), None).os_check(),
            OsCheck::UpdateRecommended
        );
        assert_eq!(ios(v(17, 0), None).os_check(), OsCheck::UpdateRecommended);
        assert_eq!(ios(v3(16, 7, 10), None).os_check(), OsCheck::NotMet);
        assert_eq!(ios(None, v(26, 0)).os_check(), OsCheck::Met);
        assert_eq!(
            ios(None, v(17, 0)).os_check(),
            OsCheck::Unknown,
            "a low bound proves nothing"
        );
        assert_eq!(ios(None, None).os_check(), OsCheck::Unknown);
        let android = |os| Device {
            platform: Platform::Android,
            os_version: os,
            ..Device::unknown()
        };
        assert_eq!(android(v(14, 0)).os_check(), OsCheck::Met);
        assert_eq!(android(v3(13, 0, 9)).os_check(), OsCheck::NotMet);
        assert_eq!(android(None).os_check(), OsCheck::Unknown);
        let windows = Device {
            platform: Platform::Windows,
            ..Device::unknown()
        };
        assert_eq!(windows.os_check(), OsCheck::NotApplicable);
    }

    #[test]
    fn versions_display_like_people_write_them() {
        assert_eq!(OsVersion::new(17, 4, None).to_string(), "17.4");
        assert_eq!(OsVersion::new(17, 3, Some(1)).to_string(), "17.3.1");
        assert_eq!(OsVersion::new(14, 0, Some(0)).to_string(), "14.0");
        assert!(OsVersion::new(17, 4, None) > OsVersion::new(17, 3, Some(9)));
        assert!(OsVersion::new(17, 4, Some(1)) > OsVersion::new(17, 4, None));
    }

    #[test]
    fn walkthrough_kind_parses_the_device_query_parameter() {
        for kind in WalkthroughKind::ALL {
            assert_eq!(kind.as_str().parse(), Ok(kind));
        }
        assert_eq!(" Samsung ".parse(), Ok(WalkthroughKind::Samsung));
        assert_eq!("iphone".parse::<WalkthroughKind>(), Err(UnknownWalkthrough));
        assert_eq!("".parse::<WalkthroughKind>(), Err(UnknownWalkthrough));
    }

    #[test]
    fn names_serialize_as_their_as_str() {
        let device = Device::detect(
            Some(
                "Mozilla/5.0 (iPhone; CPU iPhone OS 17_3_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.3 Mobile/15E148 Safari/604.1",
            ),
            &ClientHints::NONE,
        );
        let json = serde_json::to_value(&device).unwrap();
        assert_eq!(json["platform"], "ios");
        assert_eq!(json["vendor"], "apple");
        assert_eq!(json["os_version"], "17.3.1");
        assert_eq!(json["os_version_at_least"], serde_json::Value::Null);
        assert_eq!(json["in_app"], "none");
        assert_eq!(
            serde_json::to_value(Browser::SamsungInternet).unwrap(),
            "samsung_internet"
        );
        assert_eq!(
            serde_json::to_value(OsCheck::UpdateRecommended).unwrap(),
            "update_recommended"
        );
        assert_eq!(InApp::LinkedIn.to_string(), "linkedin");
    }

    #[test]
    fn hints_are_read_from_any_header_map_by_name() {
        let headers = [
            ("sec-ch-ua-platform", "\"Android\""),
            ("sec-ch-ua-platform-version", "\"14.0.0\""),
            ("sec-ch-ua-model", "\"Pixel 8\""),
        ];
        let hints = ClientHints::from_lookup(|name| {
            headers
                .iter()
                .find(|(n, _)| *n == name)
                .map(|(_, value)| *value)
        });
        assert_eq!(hints.platform, Some("\"Android\""));
        assert_eq!(hints.model, Some("\"Pixel 8\""));
        assert_eq!(hints.mobile, None);
        assert_eq!(
            Device::detect(Some(REDUCED_CHROME), &hints).os_check(),
            OsCheck::Met
        );
    }

    /// Properties every result has, whatever the input.
    fn assert_consistent(device: &Device, ua: Option<&str>, hints: &ClientHints<'_>) {
        assert!(device.os_version.is_none() || device.os_version_at_least.is_none());
        assert_ne!(device.model.as_deref(), Some("K"));
        if device.walkthrough() == WalkthroughKind::Samsung {
            assert_eq!(
                (device.platform, device.vendor),
                (Platform::Android, Vendor::Samsung)
            );
        }
        if !device.platform.is_mobile_os() && device.platform != Platform::Unknown {
            assert_eq!(device.os_check(), OsCheck::NotApplicable);
        }
        if device.maybe_ipad {
            assert_eq!(device.platform, Platform::Macos);
        }
        // A version is never invented: without hints its major number is in the UA.
        if *hints == ClientHints::NONE
            && let Some(version) = device.os_version
        {
            assert!(ua.unwrap_or_default().contains(&version.major.to_string()));
        }
    }

    /// Text around, and maybe containing, automated-client markers in any letter case.
    fn text_with_markers() -> impl Strategy<Value = String> {
        let piece = prop_oneof![
            ".{0,12}",
            (proptest::sample::select(AUTOMATED_MARKERS), any::<u64>()).prop_map(
                |(marker, cases)| {
                    marker
                        .chars()
                        .enumerate()
                        .map(|(at, c)| {
                            if cases >> (at % 64) & 1 == 1 {
                                c.to_ascii_uppercase()
                            } else {
                                c
                            }
                        })
                        .collect::<String>()
                }
            ),
            // A marker cut short: a near miss.
            proptest::sample::select(AUTOMATED_MARKERS)
                .prop_map(|marker| marker[..marker.len() - 1].to_owned()),
        ];
        proptest::collection::vec(piece, 0..6).prop_map(|pieces| pieces.concat())
    }

    proptest! {
        #[test]
        fn automated_clients_are_any_marker_in_any_case(ua in text_with_markers()) {
            let scanned = AUTOMATED_MARKERS
                .iter()
                .any(|marker| contains_ignore_ascii_case(&ua, marker));
            prop_assert_eq!(is_automated(&ua), scanned, "{:?}", ua);
        }

        #[test]
        fn detect_never_panics_on_arbitrary_strings(
            ua in proptest::option::of(".{0,1200}"),
            platform in proptest::option::of(".{0,24}"),
            version in proptest::option::of("\"?[0-9._]{0,12}\"?"),
            model in proptest::option::of(".{0,60}"),
            mobile in proptest::option::of("\\?[01]|.{0,3}"),
            brands in proptest::option::of(".{0,80}"),
            requested_with in proptest::option::of(".{0,30}"),
        ) {
            let hints = ClientHints {
                ua: brands.as_deref(),
                mobile: mobile.as_deref(),
                platform: platform.as_deref(),
                platform_version: version.as_deref(),
                model: model.as_deref(),
                full_version_list: brands.as_deref(),
                requested_with: requested_with.as_deref(),
            };
            let device = Device::detect(ua.as_deref(), &hints);
            assert_consistent(&device, ua.as_deref(), &hints);
            let device = Device::detect(ua.as_deref(), &ClientHints::NONE);
            assert_consistent(&device, ua.as_deref(), &ClientHints::NONE);
        }

        #[test]
        fn detect_never_panics_on_mangled_real_user_agents(
            row in 0..ROWS.len(),
            cut in 0usize..400,
            insert in ".{0,12}",
            platform in proptest::sample::select(vec!["\"Android\"", "\"Windows\"", "\"macOS\"", "\"iOS\"", "\"Chrome OS\"", "\"\""]),
        ) {
            let real = ROWS[row].ua.unwrap_or_default();
            let mut at = cut.min(real.len());
            while !real.is_char_boundary(at) {
                at -= 1;
            }
            let mangled = format!("{}{insert}{}", &real[..at], &real[at..]);
            let truncated = &real[..at];
            for ua in [mangled.as_str(), truncated] {
                assert_consistent(&Device::detect(Some(ua), &ClientHints::NONE), Some(ua), &ClientHints::NONE);
                let hints = ClientHints { platform: Some(platform), platform_version: Some("\"14.0.0\""), ..ClientHints::NONE };
                assert_consistent(&Device::detect(Some(ua), &hints), Some(ua), &hints);
            }
        }
    }
}
