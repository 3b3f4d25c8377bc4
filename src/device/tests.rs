//! Device detection against real User-Agents and hints, its version rules and properties.
#![allow(clippy::unwrap_used, clippy::expect_used, reason = "tests")]

use super::headers::{AUTOMATED_MARKERS, contains_ignore_ascii_case, is_automated};
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
    // ---- Any User-Agent that names Samsung, or an older Galaxy model code ----
    // AT&T Galaxy S4 (stock browser): `SAMSUNG-` carrier model.
    Row { ua: Some("Mozilla/5.0 (Linux; U; Android 4.2.2; en-us; SAMSUNG-SGH-I337 Build/JDQ39) AppleWebKit/534.30 (KHTML, like Gecko) Version/4.0 Mobile Safari/534.30"), hints: NO,
          platform: P::Android, vendor: V::Samsung, os: v3(4, 2, 2), at_least: None, browser: B::Other, in_app: A::None, check: C::NotMet, walk: W::Samsung },
    // T-Mobile, Verizon, Korean and Sprint Galaxy S4 (Chrome before the reduction).
    Row { ua: Some("Mozilla/5.0 (Linux; Android 4.4.2; SGH-M919 Build/KOT49H) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/34.0.1847.114 Mobile Safari/537.36"), hints: NO,
          platform: P::Android, vendor: V::Samsung, os: v3(4, 4, 2), at_least: None, browser: B::Chrome, in_app: A::None, check: C::NotMet, walk: W::Samsung },
    Row { ua: Some("Mozilla/5.0 (Linux; Android 4.4.2; SCH-I545 Build/KOT49H) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/34.0.1847.114 Mobile Safari/537.36"), hints: NO,
          platform: P::Android, vendor: V::Samsung, os: v3(4, 4, 2), at_least: None, browser: B::Chrome, in_app: A::None, check: C::NotMet, walk: W::Samsung },
    Row { ua: Some("Mozilla/5.0 (Linux; Android 5.0.1; SHV-E300S Build/LRX22C) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/44.0.2403.133 Mobile Safari/537.36"), hints: NO,
          platform: P::Android, vendor: V::Samsung, os: v3(5, 0, 1), at_least: None, browser: B::Chrome, in_app: A::None, check: C::NotMet, walk: W::Samsung },
    Row { ua: Some("Mozilla/5.0 (Linux; Android 4.4.2; SPH-L720 Build/KOT49H) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/34.0.1847.114 Mobile Safari/537.36"), hints: NO,
          platform: P::Android, vendor: V::Samsung, os: v3(4, 4, 2), at_least: None, browser: B::Chrome, in_app: A::None, check: C::NotMet, walk: W::Samsung },
    Row { ua: Some("Mozilla/5.0 (Linux; Android 4.4.2; GT-I9505 Build/KOT49H) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/34.0.1847.114 Mobile Safari/537.36"), hints: NO,
          platform: P::Android, vendor: V::Samsung, os: v3(4, 4, 2), at_least: None, browser: B::Chrome, in_app: A::None, check: C::NotMet, walk: W::Samsung },
    // Instagram's WebView on a reduced UA: the app names `samsung;`, the version stays unknown
    // (the reduced `Android 14; K` is not read, nor is the app's own `34/14`).
    Row { ua: Some("Mozilla/5.0 (Linux; Android 10; K; wv) AppleWebKit/537.36 (KHTML, like Gecko) Version/4.0 Chrome/125.0.6422.165 Mobile Safari/537.36 Instagram 337.0.0.35.102 Android (34/14; 480dpi; 1080x2340; samsung; SM-S918B; dm3q; qcom; en_US; 614299283)"), hints: NO,
          platform: P::Android, vendor: V::Samsung, os: None, at_least: None, browser: B::Other, in_app: A::Instagram, check: C::Unknown, walk: W::Samsung },
    // Facebook's WebView on a reduced UA: `FBBD/samsung;`.
    Row { ua: Some("Mozilla/5.0 (Linux; Android 10; K; wv) AppleWebKit/537.36 (KHTML, like Gecko) Version/4.0 Chrome/126.0.6478.122 Mobile Safari/537.36 [FB_IAB/FB4A;FBAV/470.0.0.43.110;FBBD/samsung;FBPN/com.facebook.katana;FBDV/SM-A546B;FBSV/14;FBLC/en_GB;FBOP/1]"), hints: NO,
          platform: P::Android, vendor: V::Samsung, os: None, at_least: None, browser: B::Other, in_app: A::Facebook, check: C::Unknown, walk: W::Samsung },
    // `samsung` before a model we cannot place (Tab A on an old Chrome).
    Row { ua: Some("Mozilla/5.0 (Linux; Android 9; samsung SM-T510) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/96.0.4664.104 Safari/537.36"), hints: NO,
          platform: P::Android, vendor: V::Samsung, os: v(9, 0), at_least: None, browser: B::Chrome, in_app: A::None, check: C::NotMet, walk: W::Samsung },
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
fn a_model_code_decides_the_vendor_before_any_samsung_word() {
    // Every Samsung model family we know, from the hint as Chromium sends it.
    for model in [
        "SM-S918B",
        "GT-I9505",
        "SGH-I337",
        "SCH-I545",
        "SHV-E300S",
        "SPH-L720",
        "SAMSUNG-SGH-I337",
        "SC-51D",
        "SCG19",
    ] {
        let device = Device::detect(Some(REDUCED_CHROME), &android_hints("\"14.0.0\"", model));
        assert_eq!(device.vendor, Vendor::Samsung, "{model}");
        assert_eq!(device.walkthrough(), WalkthroughKind::Samsung, "{model}");
    }
    // Near misses are not Samsung: a code needs its dash (or digits), the word its boundaries.
    for model in ["SMART-1", "SC-X1", "SCGX", "Galaxy-like", "Pixel 8"] {
        let device = Device::detect(Some(REDUCED_CHROME), &android_hints("\"14.0.0\"", model));
        assert_ne!(device.vendor, Vendor::Samsung, "{model}");
    }
    // A Pixel hint wins over a User-Agent that names Samsung.
    let pixel = Device::detect(
        Some(
            "Mozilla/5.0 (Linux; Android 14; SAMSUNG SM-S911B) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/125.0.0.0 Mobile Safari/537.36",
        ),
        &android_hints("\"14.0.0\"", "\"Pixel 8\""),
    );
    assert_eq!(pixel.vendor, Vendor::Google);
    // The reduced User-Agent alone stays unknown: never guessed to be a Galaxy.
    assert_eq!(
        Device::detect(Some(REDUCED_CHROME), &ClientHints::NONE).vendor,
        Vendor::Unknown
    );
    // "Samsung" inside another word is not the maker.
    let other = Device::detect(
        Some(
            "Mozilla/5.0 (Linux; Android 14; Nexus 6P) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/125.0.0.0 Mobile Safari/537.36 NotSamsungish/1.0",
        ),
        &ClientHints::NONE,
    );
    assert_eq!(other.vendor, Vendor::Other);
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
        (proptest::sample::select(AUTOMATED_MARKERS), any::<u64>()).prop_map(|(marker, cases)| {
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
        }),
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
