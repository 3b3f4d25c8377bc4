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
//!
//! The module keeps three ideas apart: reading the headers (`headers.rs`), the version rules
//! (`version.rs`: [`OsVersion`], the minimums and [`OsCheck`]) and the walkthrough a device gets
//! (`choice.rs`: [`WalkthroughKind`]).

use std::fmt;

use serde::Serialize;

pub use choice::{UnknownWalkthrough, WalkthroughKind};
pub use memo::Detections;
pub use version::{ANDROID_MINIMUM, IOS_MINIMUM, IOS_SOFT_MINIMUM, OsCheck, OsVersion};

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

mod choice;
mod headers;
mod memo;
mod version;

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

text_from_as_str!(Platform, Vendor, Browser, InApp);

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
        headers::detect(user_agent, hints)
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

#[cfg(test)]
mod tests;
