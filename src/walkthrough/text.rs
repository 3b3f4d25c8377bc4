//! Every user-visible string of the walkthrough (English), in one place for translation, and
//! next to each step and troubleshooting entry the pages it comes from ([`Source`]).
//!
//! Grouped as the page reads: page, tabs, notices, prerequisites, paths and their steps, the
//! passkey choice, federation, troubleshooting, done, the poster, the page's own labels and the
//! words inside the mock-ups. Constants are fixed text; functions take what varies (company,
//! version, address). `build.rs` only chooses among them.
//!
//! Conventions:
//! - Menu paths use “→” between levels: `Settings → General → About`.
//! - On-screen labels are quoted as Microsoft's pages and the phones show them in English
//!   (“Create a passkey”, “+ Add sign-in method”). A translation uses the labels the phone
//!   shows in that language, not a literal translation of ours.
//! - A label no source confirms is hedged ("search Settings for “passkey”"), never stated.
//! - Curly apostrophes and quotes, as on the landing page.

use crate::device::{Browser, InApp, OsVersion, WalkthroughKind};

use super::shown_device::PrintedVersion;
use super::sources::Source;

// ---------------------------------------------------------------------------------------------
// Sourced text: what steps, troubleshooting entries and sections are made of
// ---------------------------------------------------------------------------------------------

/// One case of a step that depends on what the person sees ("Your work account is there: …").
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CaseText {
    /// When it applies.
    pub when: String,
    /// What to do then.
    pub then: String,
}

/// A step's words and the pages they come from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StepText {
    /// What to do, short and imperative.
    pub title: String,
    /// More detail, when needed.
    pub detail: Option<String>,
    /// Alternatives by what the person sees, most common first.
    pub cases: Vec<CaseText>,
    /// Where it comes from (never empty: a test checks every step).
    pub sources: &'static [Source],
}

/// A step with a title and a detail.
fn step(
    title: impl Into<String>,
    detail: impl Into<String>,
    sources: &'static [Source],
) -> StepText {
    StepText {
        title: title.into(),
        detail: Some(detail.into()),
        cases: Vec::new(),
        sources,
    }
}

/// A case of a step.
fn case(when: impl Into<String>, then: impl Into<String>) -> CaseText {
    CaseText {
        when: when.into(),
        then: then.into(),
    }
}

/// One row of the troubleshooting list and the pages it comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TroubleText {
    /// What the person sees.
    pub symptom: String,
    /// What it means.
    pub meaning: String,
    /// What to do.
    pub fix: String,
    /// Where it comes from (never empty: a test checks every entry).
    pub sources: &'static [Source],
}

fn trouble(
    symptom: impl Into<String>,
    meaning: impl Into<String>,
    fix: impl Into<String>,
    sources: &'static [Source],
) -> TroubleText {
    TroubleText {
        symptom: symptom.into(),
        meaning: meaning.into(),
        fix: fix.into(),
        sources,
    }
}

/// A paragraph and the pages it comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParagraphText {
    /// The words.
    pub text: String,
    /// Where they come from.
    pub sources: &'static [Source],
}

fn paragraph(text: impl Into<String>, sources: &'static [Source]) -> ParagraphText {
    ParagraphText {
        text: text.into(),
        sources,
    }
}

// ---------------------------------------------------------------------------------------------
// Shared phrases
// ---------------------------------------------------------------------------------------------

/// What "contact IT" says: the helpdesk block when the admin set one, else the IT team.
pub fn contact_it(helpdesk: bool) -> &'static str {
    if helpdesk {
        "Contact your helpdesk (below)"
    } else {
        "Contact your IT team"
    }
}

/// [`contact_it`] inside a sentence (lower-case start, "IT" kept).
pub fn contact_it_inline(helpdesk: bool) -> &'static str {
    if helpdesk {
        "contact your helpdesk (below)"
    } else {
        "contact your IT team"
    }
}

/// Who to ask, as the object of a sentence ("ask your helpdesk").
fn ask_it(helpdesk: bool) -> &'static str {
    if helpdesk {
        "your helpdesk (below)"
    } else {
        "your IT team"
    }
}

/// The OS name for a walkthrough ("iOS", "Android").
pub fn os_name(kind: WalkthroughKind) -> &'static str {
    match kind {
        WalkthroughKind::Ios => "iOS",
        WalkthroughKind::Android | WalkthroughKind::Samsung | WalkthroughKind::Desktop => "Android",
    }
}

/// A minimum version as people write it: "17.4", and "14" rather than "14.0".
pub fn minimum(version: OsVersion) -> String {
    if version.minor == 0 && version.patch.is_none() {
        version.major.to_string()
    } else {
        version.to_string()
    }
}

/// The app a built-in browser belongs to, when it can be named.
fn in_app_name(app: InApp) -> Option<&'static str> {
    match app {
        InApp::Outlook => Some("Outlook"),
        InApp::Teams => Some("Teams"),
        InApp::Authenticator => Some("Authenticator"),
        InApp::LinkedIn => Some("LinkedIn"),
        InApp::Facebook => Some("Facebook"),
        InApp::Instagram => Some("Instagram"),
        InApp::None | InApp::WebView => None,
    }
}

/// Browser names as their makers write them (only real browsers we can name).
fn browser_name(browser: Browser) -> Option<&'static str> {
    match browser {
        Browser::Safari => Some("Safari"),
        Browser::Chrome => Some("Chrome"),
        Browser::Edge => Some("Edge"),
        Browser::Firefox => Some("Firefox"),
        Browser::SamsungInternet => Some("Samsung Internet"),
        Browser::Other | Browser::Unknown => None,
    }
}

/// Where the app comes from.
fn store(kind: WalkthroughKind) -> &'static str {
    match kind {
        WalkthroughKind::Ios => "the App Store",
        WalkthroughKind::Android | WalkthroughKind::Samsung => "Google Play",
        WalkthroughKind::Desktop => "the App Store or Google Play",
    }
}

/// The phone's own biometric wording.
fn biometric(kind: WalkthroughKind) -> &'static str {
    match kind {
        WalkthroughKind::Ios => "Face ID or Touch ID (or your passcode)",
        WalkthroughKind::Android | WalkthroughKind::Samsung => {
            "your fingerprint, face or screen lock"
        }
        WalkthroughKind::Desktop => "your face, fingerprint or screen lock",
    }
}

/// The browser the steps name.
fn steps_browser(kind: WalkthroughKind) -> &'static str {
    match kind {
        WalkthroughKind::Ios => "Safari",
        WalkthroughKind::Android | WalkthroughKind::Samsung => "Chrome",
        WalkthroughKind::Desktop => "your browser",
    }
}

/// The synced passkey services a device offers (never Samsung Pass: its passkeys stay on the
/// Galaxy).
fn synced_services(kind: WalkthroughKind) -> &'static str {
    match kind {
        WalkthroughKind::Ios => "iCloud Keychain (the Passwords app)",
        WalkthroughKind::Android => "Google Password Manager",
        WalkthroughKind::Samsung => "Google Password Manager or another password manager",
        WalkthroughKind::Desktop => {
            "iCloud Keychain, Google Password Manager or another password manager"
        }
    }
}

/// Everywhere else a phone may offer to save a passkey.
fn other_passkey_places(kind: WalkthroughKind) -> &'static str {
    match kind {
        WalkthroughKind::Ios => "iCloud Keychain (Passwords)",
        WalkthroughKind::Android => "Google Password Manager",
        WalkthroughKind::Samsung => "Samsung Pass or Google Password Manager",
        WalkthroughKind::Desktop => "iCloud Keychain, Google Password Manager or Samsung Pass",
    }
}

// ---------------------------------------------------------------------------------------------
// Page
// ---------------------------------------------------------------------------------------------

/// The company in the landing page's general guide, where no tenant is known. Texts put the
/// company only where "your organisation" reads as well as a name.
pub const GENERIC_COMPANY: &str = "your organisation";

/// The page headline.
pub fn headline(company: &str) -> String {
    format!("Set up your {company} passkey")
}

/// The sentence under the headline, for the walkthrough shown.
pub fn lead(company: &str, shown: WalkthroughKind) -> String {
    match shown {
        WalkthroughKind::Ios => format!(
            "Sign in to {company} with Face ID or Touch ID instead of a password. Here’s how to add your passkey to Microsoft Authenticator on your iPhone — about five minutes."
        ),
        WalkthroughKind::Android => format!(
            "Sign in to {company} with your fingerprint or face instead of a password. Here’s how to add your passkey to Microsoft Authenticator on your Android phone — about five minutes."
        ),
        WalkthroughKind::Samsung => format!(
            "Sign in to {company} with your fingerprint or face instead of a password. Here’s how to add your passkey to Microsoft Authenticator on your Galaxy phone — about five minutes."
        ),
        WalkthroughKind::Desktop => format!(
            "Sign in to {company} with your face or fingerprint instead of a password. The passkey lives in Microsoft Authenticator on your phone, so that’s where you’ll finish — about five minutes."
        ),
    }
}

/// The general guide's headline.
pub const GUIDE_HEADLINE: &str = "Set up your passkey";

/// A device's heading in the landing page's general guide.
pub fn guide_title(kind: WalkthroughKind) -> &'static str {
    match kind {
        WalkthroughKind::Ios => "Steps on iPhone",
        WalkthroughKind::Android => "Steps on Android (Pixel and most phones)",
        WalkthroughKind::Samsung => "Steps on a Samsung Galaxy",
        WalkthroughKind::Desktop => "Starting on a computer",
    }
}

/// The line that dates the steps, like a guide's "last reviewed".
pub fn checked_on(date: time::Date) -> String {
    format!(
        "Steps checked against Microsoft’s documentation on {} {} {}.",
        date.day(),
        date.month(),
        date.year()
    )
}

/// A source as the page lists it: "Microsoft Learn: Register passkeys … (revised 5 July 2026)".
pub fn source_line(source: Source) -> String {
    match source.revised() {
        Some(date) => format!(
            "{}: {} (revised {} {} {})",
            source.publisher(),
            source.title(),
            date.day(),
            date.month(),
            date.year()
        ),
        None => format!("{}: {}", source.publisher(), source.title()),
    }
}

// ---------------------------------------------------------------------------------------------
// Tabs
// ---------------------------------------------------------------------------------------------

/// A device tab's label.
pub fn tab_label(kind: WalkthroughKind) -> &'static str {
    match kind {
        WalkthroughKind::Ios => "iPhone",
        WalkthroughKind::Android => "Android",
        WalkthroughKind::Samsung => "Samsung Galaxy",
        WalkthroughKind::Desktop => "Computer",
    }
}

// ---------------------------------------------------------------------------------------------
// Notices about the detected device
// ---------------------------------------------------------------------------------------------

/// How to leave an app's built-in browser, on the device detected.
pub fn in_app_fix(detected: WalkthroughKind) -> &'static str {
    match detected {
        WalkthroughKind::Ios => {
            "Tap ⋯ or the share icon and choose “Open in Safari” (some apps say “Open in browser” or “Open in external browser”). No such option? Copy this page’s address and paste it into Safari."
        }
        WalkthroughKind::Android | WalkthroughKind::Samsung => {
            "Tap ⋮ (top right) and choose “Open in Chrome” or “Open in browser”. No such option? Copy this page’s address and paste it into Chrome."
        }
        WalkthroughKind::Desktop => {
            "Look for “Open in browser” in the app’s menu, or copy this page’s address into your usual browser, such as Edge, Chrome or Safari."
        }
    }
}

/// Where the page is open, when it is inside an app: "inside Facebook, in its built-in browser".
fn in_app_where(app: InApp) -> String {
    match in_app_name(app) {
        Some(name) => format!("inside {name}, in its built-in browser"),
        None => "inside an app’s built-in browser".to_owned(),
    }
}

/// A Mac User-Agent that may be an iPad asking for desktop sites.
pub const NOTICE_MAYBE_IPAD: &str = "On an iPad? Use the iPhone steps: they’re the same on iPad.";

/// An iPad reading the iPhone tab.
pub const NOTICE_IPAD: &str = "On iPad, the steps are the same as on iPhone.";

/// A Samsung Galaxy reading the plain Android tab.
pub const NOTICE_SAMSUNG_ON_ANDROID_TAB: &str = "This looks like a Samsung Galaxy: the Samsung Galaxy tab shows where Galaxy phones keep the passkey setting.";

/// An Android phone whose maker the request does not tell, reading the Android tab.
pub const NOTICE_MAYBE_SAMSUNG: &str = "On a Samsung Galaxy? Use the Samsung Galaxy tab: Galaxy phones keep the passkey setting in another place.";

/// The device could not be recognised.
pub const NOTICE_UNKNOWN_DEVICE: &str =
    "We couldn’t tell which device you’re using. Pick yours from the tabs.";

/// A computer reading a phone's steps.
pub fn notice_computer_reading_phone_steps(shown: WalkthroughKind) -> String {
    format!(
        "You’re on a computer: do these {} steps on the phone itself. The Computer tab has a QR code that opens this page on your phone.",
        tab_label(shown)
    )
}

/// A phone reading the computer steps.
pub fn notice_phone_reading_computer_steps(detected: WalkthroughKind) -> String {
    format!(
        "You’re on a phone: the {} tab shows how to set it up right here.",
        tab_label(detected)
    )
}

/// A phone reading another phone's steps.
pub fn notice_other_phone(detected: WalkthroughKind, shown: WalkthroughKind) -> String {
    format!(
        "These are the {} steps, but this looks like {}: the {} tab fits your device.",
        tab_label(shown),
        match detected {
            WalkthroughKind::Ios => "an iPhone or iPad",
            WalkthroughKind::Samsung => "a Samsung Galaxy",
            WalkthroughKind::Android | WalkthroughKind::Desktop => "an Android phone",
        },
        tab_label(detected)
    )
}

// ---------------------------------------------------------------------------------------------
// Prerequisites
// ---------------------------------------------------------------------------------------------

// --- authenticator ---

/// Title of the Authenticator prerequisite.
pub const AUTHENTICATOR_TITLE: &str = "Microsoft Authenticator, and your usual way to sign in";

/// What to have ready: the app, the usual sign-in, and a Temporary Access Pass when that fails
/// (S1: the app; S2: the Temporary Access Pass for Conditional Access loops).
pub fn authenticator_detail(kind: WalkthroughKind, helpdesk: bool) -> String {
    format!(
        "Install Microsoft Authenticator on your phone from {}, and keep it up to date. If you already approve sign-ins with it, your work account is in it and you’ll start from there. Have your usual way to sign in ready — your password plus an approval or a code. Can’t sign in, or asked for a passkey before you have one? Ask {} for a Temporary Access Pass.",
        store(kind),
        ask_it(helpdesk)
    )
}

// --- os_version ---

/// The iPhone requirement: Microsoft's minimum, and the later release the product brief
/// recommends (S1: "iOS version 17 or later"; the brief: 17.4) — "iOS 17 or later (17.4 or later
/// recommended)". Never states the recommendation as the minimum.
pub fn ios_requirement(ios: IosVersions<'_>) -> String {
    format!(
        "iOS {} or later ({} or later recommended)",
        ios.required, ios.recommended
    )
}

/// The iOS versions the text names: Microsoft's minimum and the recommended release.
#[derive(Debug, Clone, Copy)]
pub struct IosVersions<'a> {
    /// Microsoft's minimum ("17").
    pub required: &'a str,
    /// The release recommended before starting ("17.4").
    pub recommended: &'a str,
}

/// Title of the OS-version prerequisite.
pub fn os_title(kind: WalkthroughKind, ios: IosVersions<'_>, android_minimum: &str) -> String {
    match kind {
        WalkthroughKind::Ios => ios_requirement(ios),
        WalkthroughKind::Android | WalkthroughKind::Samsung => {
            format!("Android {android_minimum} or later")
        }
        WalkthroughKind::Desktop => {
            format!(
                "A phone with {}, or Android {android_minimum} or later",
                ios_requirement(ios)
            )
        }
    }
}

/// Version met. `found` is the version as the page prints it ("17.4", "18", "26 or later").
pub fn os_met(os: &str, found: PrintedVersion) -> String {
    format!("This device runs {os} {found}: recent enough.")
}

/// iOS 17.0–17.3: Microsoft's minimum is met, a later release is recommended.
pub fn os_warning(os: &str, found: PrintedVersion, minimum: &str, recommended: &str) -> String {
    format!(
        "This device runs {os} {found}. Passkeys in Authenticator work from {os} {minimum}, but {os} {recommended} or later is recommended."
    )
}

/// Fix for the soft warning.
pub fn os_warning_fix(update_path: &str) -> String {
    format!("Update first if you can: {update_path}.")
}

/// Version too old: below Microsoft's minimum (`minimum`, "17" or "14").
pub fn os_not_met(os: &str, found: PrintedVersion, minimum: &str) -> String {
    format!(
        "This device runs {os} {found}, which is too old: passkeys in Authenticator need {os} {minimum} or later."
    )
}

/// Fix for a version too old.
pub fn os_not_met_fix(update_path: &str, os: &str, minimum: &str, helpdesk: bool) -> String {
    format!(
        "Update first: {update_path}. If no update to {os} {minimum} or later is offered, this phone can’t hold the passkey. {} to ask what to use instead.",
        contact_it(helpdesk)
    )
}

/// The version of this phone can't be seen (reduced or frozen User-Agent, no hints).
pub fn os_unknown_here(os: &str) -> String {
    format!("This page can’t see which {os} version your phone runs.")
}

/// The phone tab is read on another device: its version can't be seen from here.
pub fn os_unknown_elsewhere(shown: WalkthroughKind) -> String {
    format!(
        "You’re reading the {} steps on another device, so we can’t see your phone’s version from here.",
        tab_label(shown)
    )
}

/// The computer tab: the passkey goes on a phone whose version can't be seen.
pub const OS_UNKNOWN_DESKTOP: &str =
    "The passkey goes on your phone, and we can’t see its version from here.";

/// Where to check the version, and what is needed.
pub fn os_check_fix(kind: WalkthroughKind, ios: IosVersions<'_>, android_minimum: &str) -> String {
    match kind {
        WalkthroughKind::Ios => format!(
            "Check it in Settings → General → About → iOS Version. You need iOS {} or later; {} or later is recommended, so update first if you can.",
            ios.required, ios.recommended
        ),
        WalkthroughKind::Android => format!(
            "Check it in Settings → About phone → Android version. You need Android {android_minimum} or later."
        ),
        WalkthroughKind::Samsung => format!(
            "Check it in Settings → About phone → Software information → Android version. You need Android {android_minimum} or later."
        ),
        WalkthroughKind::Desktop => format!(
            "Check on the phone. iPhone: Settings → General → About → iOS Version (iOS {} or later; {} or later recommended). Android: Settings → About phone → Android version; on Samsung, About phone → Software information (Android {android_minimum} or later).",
            ios.required, ios.recommended
        ),
    }
}

/// Where to update the OS.
pub fn os_update_path(kind: WalkthroughKind) -> &'static str {
    match kind {
        WalkthroughKind::Ios => "Settings → General → Software Update",
        WalkthroughKind::Samsung => "Settings → Software update → Download and install",
        WalkthroughKind::Android | WalkthroughKind::Desktop => {
            "Settings → System → Software updates (names vary by maker: search Settings for “update”)"
        }
    }
}

// --- browser ---

/// Title of the browser prerequisite.
pub fn browser_title(kind: WalkthroughKind) -> &'static str {
    match kind {
        WalkthroughKind::Ios => "Safari, not an app’s built-in browser",
        WalkthroughKind::Android | WalkthroughKind::Samsung => {
            "Chrome, not an app’s built-in browser"
        }
        WalkthroughKind::Desktop => "A regular browser, not an app’s built-in one",
    }
}

/// A real browser. Names the browser when the steps name a different one.
pub fn browser_met(shown: WalkthroughKind, browser: Browser) -> String {
    let expected = steps_browser(shown);
    match browser_name(browser) {
        Some(name) if name != expected && shown == WalkthroughKind::Ios => format!(
            "You’re in {name}, a regular browser. The steps name Safari, but {name} on iPhone shows the same screens."
        ),
        Some(name) if name != expected && shown != WalkthroughKind::Desktop => format!(
            "You’re in {name}, a regular browser. The steps name Chrome: if Security info doesn’t work in {name}, switch to Chrome."
        ),
        _ => "You’re in a regular browser.".to_owned(),
    }
}

/// Edge on Android: setting up works (the passkey is made in the app), but Microsoft says signing
/// in with it in Edge on Android is still to come (S5; S7 disagrees, so the safer advice).
pub const BROWSER_EDGE_ANDROID: &str = "You’re in Edge, a regular browser. To sign in with your passkey in a browser on this phone later, use Chrome: Microsoft says support in Edge on Android is still coming.";

/// Firefox on Android: no passkeys there (S7), but the in-app steps need no browser.
pub const BROWSER_FIREFOX_ANDROID: &str = "You’re in Firefox, which doesn’t support passkeys on Android. The Authenticator steps don’t need a browser; for Security info, and to sign in with your passkey later, use Chrome.";

/// Inside an app's built-in browser: the in-app steps still work.
pub fn browser_in_app(app: InApp) -> String {
    format!(
        "You’re reading this {}. The Authenticator steps work from here; the Security info route needs a regular browser.",
        in_app_where(app)
    )
}

/// The phone tab read on another device: advice for the phone.
pub fn browser_on_phone(shown: WalkthroughKind) -> String {
    format!(
        "On your phone, open this page in {} — not inside Outlook, Teams or another app’s built-in browser.",
        steps_browser(shown)
    )
}

/// The browser could not be recognised.
pub const BROWSER_UNKNOWN: &str = "We couldn’t tell which browser this is. Use Safari on iPhone, Chrome on Android, or any regular browser on a computer — not an app’s built-in browser.";

// --- tenant_policy ---

/// Title of the tenant-policy prerequisite.
pub fn tenant_policy_title(company: &str) -> String {
    format!("Passkeys in Authenticator turned on by {company}")
}

/// What the tenant policy means for the person.
pub const TENANT_POLICY_DETAIL: &str = "Your IT team turns on passkeys in Microsoft Authenticator (“Passkey (FIDO2)” in Microsoft Entra). If “Create a passkey” or “Passkey in Microsoft Authenticator” is missing later on, that’s why.";

/// What to do when the option is missing.
pub fn tenant_policy_fix(helpdesk: bool) -> String {
    format!(
        "If it’s missing, {} and ask them to turn on passkeys in Authenticator for you.",
        contact_it_inline(helpdesk)
    )
}

// ---------------------------------------------------------------------------------------------
// Paths
// ---------------------------------------------------------------------------------------------

/// The phone's provider settings, as far as the version we know tells them apart.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ProviderSettings {
    /// iOS 17: Settings → Passwords → Password Options.
    Ios17,
    /// iOS 18 to 25: Settings → General → AutoFill & Passwords.
    Ios18,
    /// iOS 26 and later: as iOS 18, not confirmed on 26 (hedged).
    Ios26,
    /// An iPhone whose version we don't know: both.
    IosAny,
    /// Android other than Samsung; `android_14` when it may run Android 14 (update advice).
    Android {
        /// The phone may run Android 14, where the setting can be missing.
        android_14: bool,
    },
    /// Samsung Galaxy (One UI); `android_14` as above.
    Samsung {
        /// The phone may run Android 14.
        android_14: bool,
    },
    /// Any phone (the computer tab): each in one line.
    AnyPhone,
}

/// Microsoft's advice when Android 14 has no "Additional providers" (S1, S10).
const ANDROID_14_UPDATE: &str = " On Android 14, if there’s no “Additional providers” or Authenticator can’t be switched on, Microsoft recommends updating to Android 15.";

/// Where to turn on Authenticator as a passkey provider (S1; Samsung's One UI 7 path as S4 writes
/// it, unconfirmed on a device, so the search comes first).
fn provider_path(settings: ProviderSettings) -> String {
    match settings {
        ProviderSettings::Ios17 => "In Settings → Passwords → Password Options, make sure “AutoFill Passwords and Passkeys” is on, and under “Use Passwords and Passkeys From” select Authenticator. Not there? Search Settings for “passkey”.".to_owned(),
        ProviderSettings::Ios18 => "In Settings → General → AutoFill & Passwords, make sure “AutoFill Passwords and Passkeys” is on, and under “AutoFill From” select Authenticator. Not there? Search Settings for “passkey”.".to_owned(),
        ProviderSettings::Ios26 => "In Settings → General → AutoFill & Passwords, make sure “AutoFill Passwords and Passkeys” is on, and under “AutoFill From” select Authenticator. iOS 26 may name or place it differently: if it isn’t there, search Settings for “passkey”.".to_owned(),
        ProviderSettings::IosAny => "iOS 18 and later: Settings → General → AutoFill & Passwords; make sure “AutoFill Passwords and Passkeys” is on and, under “AutoFill From”, select Authenticator. iOS 17: Settings → Passwords → Password Options; turn on “AutoFill Passwords and Passkeys” and, under “Use Passwords and Passkeys From”, select Authenticator. Not sure, or can’t find it? Search Settings for “passkey”.".to_owned(),
        ProviderSettings::Android { android_14 } => format!(
            "Open “Passwords & accounts” (phone makers name it differently, such as “Passwords, passkeys & accounts”) and, under “Additional providers”, switch on Authenticator. Can’t find it? Search Settings for “passkey”.{}",
            if android_14 { ANDROID_14_UPDATE } else { "" }
        ),
        ProviderSettings::Samsung { android_14 } => format!(
            "The quickest way: in Settings, tap the search icon and type “passkey”. Or look yourself; it’s usually at One UI 7 and later: Settings → Security and privacy → More security settings → Passwords, passkeys and autofill; One UI 6: Settings → General management → Passwords, passkeys and autofill. Under “Additional providers”, switch on Authenticator. Leave “Preferred service” as it is: changing it can stop your passwords being filled in.{}",
            if android_14 { ANDROID_14_UPDATE } else { "" }
        ),
        ProviderSettings::AnyPhone => "iPhone: Settings → General → AutoFill & Passwords, “AutoFill From”: Authenticator (iOS 17: Settings → Passwords → Password Options). Android: Settings → Passwords & accounts → “Additional providers”: switch on Authenticator. Samsung Galaxy: switch on Authenticator under “Additional providers” and leave “Preferred service” as it is. Can’t find it? Search Settings for “passkey”.".to_owned(),
    }
}

/// The same, in one short line, for steps that refer back to it.
fn provider_path_short(settings: ProviderSettings) -> &'static str {
    match settings {
        ProviderSettings::Ios17 => "Settings → Passwords → Password Options",
        ProviderSettings::Ios18 | ProviderSettings::Ios26 => {
            "Settings → General → AutoFill & Passwords"
        }
        ProviderSettings::IosAny => {
            "Settings → General → AutoFill & Passwords; on iOS 17, Settings → Passwords → Password Options"
        }
        ProviderSettings::Android { .. } => {
            "Settings → Passwords & accounts → “Additional providers”"
        }
        ProviderSettings::Samsung { .. } => {
            "“Additional providers” in Settings; search Settings for “passkey”"
        }
        ProviderSettings::AnyPhone => {
            "iPhone: Settings → General → AutoFill & Passwords; Android: “Additional providers” in Settings; or search Settings for “passkey”"
        }
    }
}

/// The three starting points in Authenticator, most common first (S1).
fn starting_points() -> Vec<CaseText> {
    vec![
        case(
            "Your work account is already there (you approve sign-ins with it):",
            "tap the account, then tap “Create a passkey”.",
        ),
        case(
            "No work account yet:",
            "tap “+” (or “Add account”), choose “Work or school account”, then “Sign in”.",
        ),
        case(
            "First time you open Authenticator:",
            "go through the privacy screens, then tap “Add work or school account”.",
        ),
    ]
}

// --- in_app (phones, recommended) ---

/// Title of the in-app path.
pub const IN_APP_TITLE: &str = "In the Authenticator app";

/// When to use the in-app path.
pub const IN_APP_SUMMARY: &str = "Recommended by Microsoft. Do it even if your work account is already in Authenticator: that’s how the passkey gets added.";

/// Step: open Authenticator at one of its three starting points (S1).
pub fn step_start_in_authenticator() -> StepText {
    StepText {
        title: "Open Authenticator".to_owned(),
        detail: Some("What you tap depends on what Authenticator shows:".to_owned()),
        cases: starting_points(),
        sources: &[Source::LearnRegisterInAuthenticator],
    }
}

/// Step: sign in and complete MFA (S1).
pub fn step_sign_in(federation_note: Option<&str>) -> StepText {
    let mut detail = "If Authenticator asks, sign in with your work account, then finish the check you normally use: an approval, a code or your password.".to_owned();
    if let Some(note) = federation_note {
        detail.push(' ');
        detail.push_str(note);
    }
    step(
        "Sign in and confirm it’s you",
        detail,
        &[Source::LearnRegisterInAuthenticator],
    )
}

/// Step: a screen lock, when the phone has none (S1).
pub fn step_screen_lock(kind: WalkthroughKind) -> StepText {
    let detail = match kind {
        WalkthroughKind::Ios => {
            "A passkey needs a passcode on your iPhone. If Authenticator says so, tap “Settings”, set a passcode, then come back to Authenticator."
        }
        WalkthroughKind::Android | WalkthroughKind::Samsung => {
            "A passkey needs a screen lock. If Authenticator says so, tap “Settings”, set a PIN, pattern or password, then come back to Authenticator."
        }
        WalkthroughKind::Desktop => {
            "A passkey needs a passcode or screen lock on the phone. If Authenticator says so, tap “Settings”, set one, then come back to Authenticator."
        }
    };
    step(
        "If asked, set up a screen lock",
        detail,
        &[Source::LearnRegisterInAuthenticator],
    )
}

/// Step: turn on Authenticator as a passkey provider (S1; S4 and S10 for Android's variants).
pub fn step_provider(settings: ProviderSettings) -> StepText {
    let (title, sources): (&str, &'static [Source]) = match settings {
        ProviderSettings::Samsung { .. } => (
            "Tap “Settings” and switch on Authenticator under “Additional providers”",
            &[
                Source::LearnRegisterInAuthenticator,
                Source::LearnRegisterSynced,
                Source::EntraDocsIssue1014,
            ],
        ),
        ProviderSettings::Android { .. } | ProviderSettings::AnyPhone => (
            "Tap “Settings” and turn on Authenticator as a passkey provider",
            &[
                Source::LearnRegisterInAuthenticator,
                Source::EntraDocsIssue1014,
            ],
        ),
        ProviderSettings::Ios17
        | ProviderSettings::Ios18
        | ProviderSettings::Ios26
        | ProviderSettings::IosAny => (
            "Tap “Settings” and turn on Authenticator as a passkey provider",
            &[Source::LearnRegisterInAuthenticator],
        ),
    };
    step(
        title,
        format!(
            "{} Then come back to Authenticator.",
            provider_path(settings)
        ),
        sources,
    )
}

/// Step: the two "Done" taps, and what the account shows then (S1).
pub fn step_done_twice(company: &str) -> StepText {
    step(
        "Back in Authenticator, tap “Done”, then “Done” again",
        format!(
            "The first “Done” confirms Authenticator as your passkey provider. Your account then lists “Passkey” as a sign-in method; the second “Done” finishes. Authenticator sets up the passkey according to {company}’s rules."
        ),
        &[Source::LearnRegisterInAuthenticator],
    )
}

// --- browser (phones, second): Security info hands over to the app ---

/// Title of the browser path.
pub fn browser_path_title(kind: WalkthroughKind) -> String {
    format!("From {}: Security info", steps_browser(kind))
}

/// When to use the browser path.
pub const BROWSER_PATH_SUMMARY: &str = "Another way: start on the Security info page. It hands you over to Authenticator, where you create the passkey as above.";

/// Step: open the browser at Security info and sign in (S1).
pub fn step_open_security_info(
    kind: WalkthroughKind,
    short: &str,
    url: &str,
    federation_note: Option<&str>,
) -> StepText {
    let browser = steps_browser(kind);
    let mut detail = format!(
        "That’s the Security info page ({url}). Use {browser}, not the browser inside Teams or Outlook. Sign in with your work account and finish the check you normally use."
    );
    if let Some(note) = federation_note {
        detail.push(' ');
        detail.push_str(note);
    }
    step(
        format!("Open {browser} and go to {short}"),
        detail,
        &[Source::LearnRegisterInAuthenticator],
    )
}

/// What "+ Add sign-in method" offers, and the plain "Passkey" that is not this (S1, S4, S8).
fn add_method_detail(kind: WalkthroughKind, action: &str, helpdesk: bool) -> String {
    let synced = match kind {
        WalkthroughKind::Ios => "iCloud Keychain",
        WalkthroughKind::Android | WalkthroughKind::Samsung => "Google Password Manager",
        WalkthroughKind::Desktop => "iCloud Keychain or Google Password Manager",
    };
    format!(
        "Not the plain “Passkey”: that one saves a synced passkey in {synced} or another password manager instead. If you’re asked to sign in again, {action} “Next” and confirm (Microsoft asks when your last check was more than five minutes ago). Only “Passkey” offered, or no passkey option at all? Passkeys in Authenticator aren’t turned on for you: {}.",
        contact_it_inline(helpdesk)
    )
}

/// Step: add the method, on a phone (S1, S4, S8).
pub fn step_add_method(kind: WalkthroughKind, helpdesk: bool) -> StepText {
    step(
        "Tap “+ Add sign-in method” and choose “Passkey in Microsoft Authenticator”",
        add_method_detail(kind, "tap", helpdesk),
        &[
            Source::LearnRegisterInAuthenticator,
            Source::LearnRegisterSynced,
            Source::LearnEnablePasskeys,
        ],
    )
}

/// Step: install Authenticator when Security info offers it (S1).
pub fn step_get_authenticator(kind: WalkthroughKind) -> StepText {
    step(
        "If asked, get Authenticator, then tap “Next”",
        format!(
            "Security info may offer to install Authenticator from {}. Once it’s installed, tap “Next”.",
            store(kind)
        ),
        &[Source::LearnRegisterInAuthenticator],
    )
}

/// What Security info says at the hand-off, before the starting points (S1).
const HANDOFF_DETAIL: &str = "Security info asks you to finish in the app. What you tap in Authenticator depends on what it shows:";

/// Step: the hand-off: open Authenticator at one of its three starting points — a fresh install
/// shows the first-run screen, not "+" (S1).
pub fn step_create_in_app() -> StepText {
    StepText {
        title: "Open Authenticator and create the passkey there".to_owned(),
        detail: Some(HANDOFF_DETAIL.to_owned()),
        cases: starting_points(),
        sources: &[Source::LearnRegisterInAuthenticator],
    }
}

/// Step: after the hand-off, the app's prompts as in the in-app path (S1).
pub fn step_finish_in_app(settings: ProviderSettings) -> StepText {
    step(
        "Follow Authenticator’s prompts, then tap “Done” twice",
        format!(
            "Sign in and set up a screen lock if asked, and turn on Authenticator as a passkey provider ({}), as in the steps above.",
            provider_path_short(settings)
        ),
        &[Source::LearnRegisterInAuthenticator],
    )
}

/// Step: back in the browser, "Next" then "Done" (S1).
pub fn step_back_in_browser(kind: WalkthroughKind) -> StepText {
    step(
        format!("Back in {}, tap “Next”, then “Done”", steps_browser(kind)),
        "Security info checks that the passkey was created in Authenticator, then lists it under your sign-in methods.",
        &[Source::LearnRegisterInAuthenticator],
    )
}

// --- continue_on_phone (computer, recommended) ---

/// Title of the continue-on-phone path.
pub const CONTINUE_ON_PHONE_TITLE: &str = "On your phone";

/// When to use it.
pub const CONTINUE_ON_PHONE_SUMMARY: &str = "Recommended: the passkey lives in Authenticator on your phone, so the quickest way is to do it all there.";

/// Step: scan the QR code on this page (this page's own feature; only where the page shows one).
pub fn step_scan_page_qr() -> StepText {
    step(
        "Scan the QR code on this page with your phone’s camera",
        "Point the phone’s Camera app at the code and tap the link that appears: this walkthrough opens on your phone, with the steps for that phone. Can’t scan it? On your phone, open the link from your company’s rollout email, or type the address shown under the code.",
        &[Source::ThisPage],
    )
}

/// Step: the general guide's way onto the phone: it has no QR code and its readers no rollout
/// email of ours (this page's own feature).
pub fn step_open_on_phone() -> StepText {
    step(
        "On your phone, open this page (or your company’s walkthrough link)",
        "It shows the steps for your phone (iPhone, Android or Samsung Galaxy) with that phone’s own settings; the steps below are the short version.",
        &[Source::ThisPage],
    )
}

/// Step: on the phone, the three starting points (S1).
pub fn step_start_on_phone() -> StepText {
    StepText {
        title: "On your phone, open Authenticator".to_owned(),
        detail: Some("What you tap depends on what Authenticator shows:".to_owned()),
        cases: starting_points(),
        sources: &[Source::LearnRegisterInAuthenticator],
    }
}

/// Step: follow the app's prompts: sign-in, screen lock, provider (S1, S10).
pub fn step_follow_prompts() -> StepText {
    step(
        "Follow Authenticator’s prompts",
        format!(
            "Sign in and confirm it’s you if asked, and set up a screen lock if asked. Then tap “Settings” to turn on Authenticator as a passkey provider. {} Then come back to Authenticator.",
            provider_path(ProviderSettings::AnyPhone)
        ),
        &[
            Source::LearnRegisterInAuthenticator,
            Source::EntraDocsIssue1014,
        ],
    )
}

/// Step: "Done" twice; nothing to do on the computer (S1).
pub fn step_phone_done() -> StepText {
    step(
        "Tap “Done”, then “Done” again",
        "Your work account in Authenticator now lists “Passkey”. Nothing else to do on this computer.",
        &[Source::LearnRegisterInAuthenticator],
    )
}

// --- security_info (computer, second): the hand-off to the phone ---

/// Title of the computer's Security info path.
pub const SECURITY_INFO_TITLE: &str = "From this computer: Security info";

/// When to use it.
pub const SECURITY_INFO_SUMMARY: &str = "Another way: start on the Security info page here. It hands you over to Authenticator on your phone, no Bluetooth connection needed.";

/// Step: go to Security info on the computer and sign in (S1).
pub fn step_open_security_info_computer(
    short: &str,
    url: &str,
    federation_note: Option<&str>,
) -> StepText {
    let mut detail = format!(
        "That’s the Security info page ({url}). Sign in with your work account and finish the check you normally use."
    );
    if let Some(note) = federation_note {
        detail.push(' ');
        detail.push_str(note);
    }
    step(
        format!("On this computer, go to {short} and sign in"),
        detail,
        &[Source::LearnRegisterInAuthenticator],
    )
}

/// Step: add the method, on a computer (S1, S4, S8).
pub fn step_add_method_computer(helpdesk: bool) -> StepText {
    step(
        "Select “+ Add sign-in method” → “Passkey in Microsoft Authenticator”, then “Next”",
        add_method_detail(WalkthroughKind::Desktop, "select", helpdesk),
        &[
            Source::LearnRegisterInAuthenticator,
            Source::LearnRegisterSynced,
            Source::LearnEnablePasskeys,
        ],
    )
}

/// Step: install Authenticator on the phone when asked (S1).
pub fn step_get_authenticator_computer() -> StepText {
    step(
        "If asked, install Authenticator on your phone, then select “Next”",
        "Security info shows a QR code that opens the App Store or Google Play on your phone.",
        &[Source::LearnRegisterInAuthenticator],
    )
}

/// Step: the hand-off to the phone, at one of Authenticator's three starting points (S1).
pub fn step_create_on_phone() -> StepText {
    StepText {
        title: "On your phone, open Authenticator and create the passkey there".to_owned(),
        detail: Some(HANDOFF_DETAIL.to_owned()),
        cases: starting_points(),
        sources: &[Source::LearnRegisterInAuthenticator],
    }
}

/// Step: on the phone after the hand-off, the app's prompts (S1).
pub fn step_finish_on_phone() -> StepText {
    step(
        "On the phone, follow Authenticator’s prompts, then tap “Done” twice",
        format!(
            "Sign in and set up a screen lock if asked, and turn on Authenticator as a passkey provider ({}), as under “On your phone” above.",
            provider_path_short(ProviderSettings::AnyPhone)
        ),
        &[Source::LearnRegisterInAuthenticator],
    )
}

/// Step: back on the computer, "Next" then "Done" (S1).
pub fn step_back_on_computer() -> StepText {
    step(
        "Back on the computer, select “Next”, then “Done”",
        "Security info checks that the passkey was created in Authenticator, then lists it under your sign-in methods.",
        &[Source::LearnRegisterInAuthenticator],
    )
}

// --- cross_device (computer, fallback): QR code and Bluetooth ---

/// Title of the fallback.
pub const CROSS_DEVICE_TITLE: &str = "Having trouble? Create your passkey a different way";

/// When to use it: only as a fallback, and never with attestation — whose remedy is the app
/// (S1, S2: "Users can only register attested passkeys directly in the Authenticator app").
pub fn cross_device_summary(company: &str, helpdesk: bool) -> String {
    format!(
        "Only if the steps above don’t work: the computer shows a QR code and your phone saves the passkey over Bluetooth. If {company} requires attestation for passkeys in Authenticator, this route doesn’t work: create the passkey in the Authenticator app instead (“On your phone”, above), or {}.",
        contact_it_inline(helpdesk)
    )
}

/// Step: the provider must be on before the scan, or the phone won't offer Authenticator; people
/// on this route may never have been through the app's own prompts (S1).
pub fn step_provider_first() -> StepText {
    step(
        "First, on the phone, turn on Authenticator as a passkey provider",
        format!(
            "Check that Authenticator is installed and turned on as a passkey provider ({}), as under “Follow Authenticator’s prompts” above. Otherwise the phone won’t offer to save the passkey in Authenticator.",
            provider_path_short(ProviderSettings::AnyPhone)
        ),
        &[Source::LearnRegisterInAuthenticator],
    )
}

/// Step: the fallback's entry on Security info (S1).
pub fn step_having_trouble() -> StepText {
    step(
        "On Security info, select “Having trouble?”, then “Create your passkey a different way”",
        "You’ll find it after choosing “+ Add sign-in method” → “Passkey in Microsoft Authenticator”.",
        &[Source::LearnRegisterInAuthenticator],
    )
}

/// Step: the phone's kind (S1).
pub fn step_choose_phone_kind() -> StepText {
    step(
        "Choose your phone: “iPhone or iPad”, or “Android”",
        "Security info then asks your computer to create the passkey on another device.",
        &[Source::LearnRegisterInAuthenticator],
    )
}

/// Step: the computer's own window (S5).
pub fn step_choose_other_device() -> StepText {
    step(
        "In your computer’s window, choose “iPhone, iPad, or Android device”",
        "That’s how Windows 11 words it; a Mac or another browser may say it differently — choose the option that uses a phone. If the window offers to save the passkey on this computer or a security key, choose another device first.",
        &[Source::LearnSignInWithAuthenticator],
    )
}

/// Step: scan with the system camera. S5 says the iOS app's camera can't read this code; it
/// describes Android's only for signing in with an existing passkey, so nothing is promised for it.
pub fn step_scan_with_camera() -> StepText {
    step(
        "Scan the QR code on the computer’s screen",
        "Scan it with the phone’s Camera app (on iPhone, Authenticator’s own scanner can’t read this code).",
        &[Source::LearnSignInWithAuthenticator],
    )
}

/// Step: Bluetooth, internet, save in Authenticator (S1, S2).
pub fn step_save_over_bluetooth(kind_biometric: WalkthroughKind) -> StepText {
    step(
        "Keep Bluetooth and the internet on for both, and save the passkey in Authenticator",
        format!(
            "When the phone asks where to save the passkey, choose Authenticator, then confirm with {}. On a company network, the phone must be able to reach cable.ua5v.com and cable.auth.com (an iPhone also needs Apple’s app-site-association servers).",
            biometric(kind_biometric)
        ),
        &[
            Source::LearnRegisterInAuthenticator,
            Source::LearnEnableInAuthenticator,
        ],
    )
}

/// Step: finish on the computer (S1).
pub fn step_finish_on_computer() -> StepText {
    step(
        "Back on the computer, finish and select “Done”",
        "Security info then lists the passkey under your sign-in methods.",
        &[Source::LearnRegisterInAuthenticator],
    )
}

// ---------------------------------------------------------------------------------------------
// Passkey choice: device-bound or synced
// ---------------------------------------------------------------------------------------------

/// Heading of the passkey choice.
pub const CHOICE_TITLE: &str = "Which passkey?";

/// Authenticator only: what to do (S6).
pub fn choice_authenticator_only(company: &str, kind: WalkthroughKind) -> ParagraphText {
    paragraph(
        format!(
            "Use Microsoft Authenticator. {company} accepts passkeys in Authenticator only, so if your phone offers to save the passkey in {}, choose Authenticator instead.",
            other_passkey_places(kind)
        ),
        &[Source::LearnPasskeysInEntra],
    )
}

/// What device-bound means (S6).
pub fn choice_device_bound() -> ParagraphText {
    paragraph(
        "A passkey in Authenticator is device-bound: it stays on the phone where you create it. On a new phone you set it up again.",
        &[Source::LearnPasskeysInEntra],
    )
}

/// Synced allowed: the two kinds (S3, S6).
pub fn choice_synced_allowed(company: &str, kind: WalkthroughKind) -> ParagraphText {
    paragraph(
        format!(
            "{company} accepts two kinds of passkey: one in Microsoft Authenticator, which stays on your phone, or a synced one in {}.",
            synced_services(kind)
        ),
        &[Source::LearnEnableSynced, Source::LearnPasskeysInEntra],
    )
}

/// When Authenticator fits: only attestation lets IT confirm where it is kept (S2, S6).
pub fn choice_when_authenticator(company: &str) -> ParagraphText {
    paragraph(
        format!(
            "Authenticator: device-bound, so it stays on the one phone and you set it up again on a new one. When {company} requires attestation, your IT team can also confirm it was made by Authenticator. These steps set up this kind."
        ),
        &[
            Source::LearnPasskeysInEntra,
            Source::LearnEnableInAuthenticator,
        ],
    )
}

/// When synced fits (S3, S4).
pub fn choice_when_synced() -> ParagraphText {
    paragraph(
        "Synced: on every device signed in to the same Apple Account, Google account or password manager, and it comes along to a new phone. It’s added at Security info with “+ Add sign-in method” → “Passkey”; your IT team can tell you more.",
        &[Source::LearnEnableSynced, Source::LearnRegisterSynced],
    )
}

/// Samsung Pass is not a synced option (S12).
pub fn choice_samsung_pass() -> ParagraphText {
    paragraph(
        "Samsung Pass isn’t a synced option: a passkey saved in Samsung Pass is stored only on this Galaxy phone.",
        &[Source::SamsungPassPasskeys],
    )
}

/// If unsure: a passkey profile may allow one kind only, so ask (S2).
pub fn choice_not_sure(company: &str) -> ParagraphText {
    paragraph(
        format!(
            "Not sure which to pick? These steps set up the one in Authenticator; your IT team can tell you which kinds {company} allows."
        ),
        &[Source::LearnEnableInAuthenticator],
    )
}

// ---------------------------------------------------------------------------------------------
// Federation
// ---------------------------------------------------------------------------------------------

/// A federated domain: the company's own sign-in page.
pub fn federation_note(company: &str, idp_host: &str) -> String {
    format!(
        "When you sign in you’ll see {company}’s own sign-in page at {idp_host} — that’s expected."
    )
}

/// A federated domain whose IdP host is not known.
pub fn federation_note_no_host(company: &str) -> String {
    format!("When you sign in you’ll see {company}’s own sign-in page — that’s expected.")
}

// ---------------------------------------------------------------------------------------------
// Troubleshooting
// ---------------------------------------------------------------------------------------------

/// `not_supported_by_tenant`: the message is quoted from the product brief only (no Microsoft
/// page shows it, so it is hedged "a message like"); S2 and S8 say passkeys in Authenticator must be
/// turned on in the Passkey (FIDO2) policy.
pub fn trouble_not_supported(company: &str, helpdesk: bool) -> TroubleText {
    trouble(
        "A message like “This sign-in method is not supported by your tenant”, or “Passkey in Microsoft Authenticator” is missing or greyed out",
        format!("Passkeys in Authenticator aren’t turned on for your account at {company} yet."),
        format!(
            "{} and ask them to allow passkeys in Microsoft Authenticator (“Passkey (FIDO2)” in Microsoft Entra). There’s nothing to fix on your phone.",
            contact_it(helpdesk)
        ),
        &[
            Source::ProductBrief,
            Source::LearnEnableInAuthenticator,
            Source::LearnEnablePasskeys,
        ],
    )
}

/// `conditional_access`: the loop of a policy that requires a passkey to add one, which a
/// Temporary Access Pass breaks when the mobile policy accepts one (S2, "authentication strength
/// Conditional Access policy loop").
pub fn trouble_conditional_access(company: &str, helpdesk: bool) -> TroubleText {
    trouble(
        "You’re asked for a passkey before you can set one up",
        format!(
            "The sign-in rules at {company} (Conditional Access) ask for a passkey even to add one."
        ),
        format!(
            "{} and ask for a Temporary Access Pass, a time-limited code. In Authenticator, sign in with it when asked (add your account first if it isn’t there), and create the passkey.",
            contact_it(helpdesk)
        ),
        &[Source::LearnEnableInAuthenticator],
    )
}

/// `app_not_approved`: an "approved client app" or "app protection" rule, which Authenticator
/// can't satisfy and a Temporary Access Pass doesn't lift; S2's user-side remedy is a temporary
/// exemption (the others are IT's: app filters, compliant devices).
pub fn trouble_app_not_approved(company: &str, helpdesk: bool) -> TroubleText {
    trouble(
        "You’re told the app isn’t approved or needs app protection",
        format!(
            "Sign-in rules at {company} (Conditional Access) block Authenticator here. A Temporary Access Pass won’t help."
        ),
        format!(
            "{} and ask for a temporary exception so you can create the passkey.",
            contact_it(helpdesk)
        ),
        &[Source::LearnEnableInAuthenticator],
    )
}

/// `cannot_verify_device`: message and fix from the product brief only (hedged: no Microsoft page
/// shows the message).
pub fn trouble_cannot_verify_device() -> TroubleText {
    trouble(
        "A message like “We couldn’t verify your device”",
        "The work account in Authenticator isn’t linked to your phone yet.",
        "In Authenticator, tap your work account, finish the device registration it offers, then try again.",
        &[Source::ProductBrief],
    )
}

/// `authenticator_not_installed`: the message is the product brief's (hedged); S1 for installing
/// Authenticator and turning it on as a passkey provider.
pub fn trouble_authenticator_not_installed(kind: WalkthroughKind) -> TroubleText {
    trouble(
        "A message like “Authenticator is not installed”",
        "The phone couldn’t find Authenticator.",
        format!(
            "Install or update Authenticator from {}, open it once, check it’s turned on as a passkey provider, and try again.",
            store(kind)
        ),
        &[Source::ProductBrief, Source::LearnRegisterInAuthenticator],
    )
}

/// `provider_missing` (S1, S10).
pub fn trouble_provider_missing(kind: WalkthroughKind) -> TroubleText {
    match kind {
        WalkthroughKind::Ios => trouble(
            "You can’t find where to turn on Authenticator in Settings",
            "The setting moved in iOS 18.",
            "Make sure “AutoFill Passwords and Passkeys” is on first. iOS 18 and later (probably iOS 26 too): Settings → General → AutoFill & Passwords, then under “AutoFill From” select Authenticator. iOS 17: Settings → Passwords → Password Options, then under “Use Passwords and Passkeys From” select Authenticator. Not there? Search Settings for “passkey”. Authenticator not in the list? Update it from the App Store and open it once.",
            &[Source::LearnRegisterInAuthenticator],
        ),
        WalkthroughKind::Android | WalkthroughKind::Samsung => trouble(
            "There’s no “Additional providers” in Settings, or Authenticator isn’t listed",
            "Phone makers name and place this setting differently, and some Android 14 versions don’t have it.",
            "Open Settings and search for “passkey”. Update Authenticator from Google Play and open it once. On Android 14 without the setting, Microsoft recommends updating to Android 15.",
            &[
                Source::LearnRegisterInAuthenticator,
                Source::EntraDocsIssue1014,
            ],
        ),
        WalkthroughKind::Desktop => trouble(
            "The phone has no setting to turn on Authenticator",
            "Each phone keeps this setting in a different place.",
            "iPhone: Settings → General → AutoFill & Passwords (iOS 17: Settings → Passwords → Password Options), with “AutoFill Passwords and Passkeys” on and Authenticator selected. Android: search Settings for “passkey” and look under “Additional providers”; on Android 14 without it, Microsoft recommends updating to Android 15.",
            &[
                Source::LearnRegisterInAuthenticator,
                Source::EntraDocsIssue1014,
            ],
        ),
    }
}

/// `samsung_pass_default` (Samsung only; S1, S4 for the plain "Passkey", S12).
pub fn trouble_samsung_pass_default() -> TroubleText {
    trouble(
        "Samsung Pass or Google offers to save the passkey",
        "Authenticator isn’t switched on under “Additional providers” yet, or you chose the plain “Passkey” at Security info instead of “Passkey in Microsoft Authenticator”.",
        "Cancel. Switch on Authenticator under “Additional providers” (search Settings for “passkey”), then start again in Authenticator, or at Security info with “Passkey in Microsoft Authenticator”; when asked where to save the passkey, choose Authenticator. There’s no need to change “Preferred service”.",
        &[
            Source::LearnRegisterInAuthenticator,
            Source::LearnRegisterSynced,
            Source::SamsungPassPasskeys,
        ],
    )
}

/// `work_profile` (Android phones and the computer tab; S2, S9).
pub fn trouble_work_profile() -> TroubleText {
    trouble(
        "Your Android phone has a work profile (work apps with a briefcase badge), and sign-in finds no passkey or says “We couldn’t sign you in”",
        "On Android, a passkey works only in the profile where you created it.",
        "Create it in the work profile’s Authenticator for work apps. If you also sign in to work from the personal side, create one in that profile’s Authenticator too. Don’t scan a sign-in QR code with the personal profile’s camera.",
        &[
            Source::LearnEnableInAuthenticator,
            Source::SupportTroubleshootPasskeys,
        ],
    )
}

/// `firefox_android` (Android phones; S7).
pub fn trouble_firefox_android() -> TroubleText {
    trouble(
        "You use Firefox on your phone",
        "Firefox on Android doesn’t support passkeys for work accounts.",
        "Use Chrome for Security info and to sign in with your passkey. The Authenticator steps don’t need a browser.",
        &[Source::LearnCompatibility],
    )
}

/// `qr_scanner_instead` (computer only; S5).
pub fn trouble_qr_scanner_instead() -> TroubleText {
    trouble(
        "Authenticator on iPhone can’t read the QR code on the computer",
        "Authenticator’s scanner on iPhone can’t read this kind of code.",
        "Scan it with the iPhone’s Camera app instead.",
        &[Source::LearnSignInWithAuthenticator],
    )
}

/// `phone_cannot_connect` (computer only; S1, S5).
pub fn trouble_phone_cannot_connect() -> TroubleText {
    trouble(
        "After scanning, the phone can’t connect or nothing happens",
        "Creating a passkey across two devices uses Bluetooth and the internet on both.",
        "Turn on Bluetooth on both, make sure both are online, keep the phone near the computer and try again — or create the passkey in Authenticator on the phone (“On your phone”, above), which needs no Bluetooth link to this computer.",
        &[
            Source::LearnRegisterInAuthenticator,
            Source::LearnSignInWithAuthenticator,
        ],
    )
}

/// `network_blocks_cross_device` (computer only; S1, S2).
pub fn trouble_network_blocks_cross_device(helpdesk: bool) -> TroubleText {
    trouble(
        "On the company network or VPN, the phone and the computer never connect",
        "The network may block the addresses this uses: cable.ua5v.com and cable.auth.com, and for an iPhone also app-site-association.cdn-apple.com and app-site-association.networking.apple.",
        format!(
            "Create the passkey in Authenticator on the phone instead (“On your phone”, above), or {} and ask them to allow those addresses.",
            contact_it_inline(helpdesk)
        ),
        &[
            Source::LearnEnableInAuthenticator,
            Source::LearnRegisterInAuthenticator,
        ],
    )
}

/// `biometric_failed` (S5, the product brief).
pub fn trouble_biometric_failed(kind: WalkthroughKind) -> TroubleText {
    const SOURCES: &[Source] = &[Source::LearnSignInWithAuthenticator, Source::ProductBrief];
    match kind {
        WalkthroughKind::Ios => trouble(
            "Face ID or Touch ID fails and the prompt closes",
            "The face or fingerprint check didn’t succeed.",
            "Make sure Face ID or Touch ID works (Settings → Face ID & Passcode, or Touch ID & Passcode), or use your passcode when it’s offered, then start again.",
            SOURCES,
        ),
        WalkthroughKind::Android | WalkthroughKind::Samsung => trouble(
            "The fingerprint or face check fails and the prompt closes",
            "The phone couldn’t confirm it’s you.",
            "Check your fingerprint or face unlock works — or use your screen lock PIN when it’s offered — then start again.",
            SOURCES,
        ),
        WalkthroughKind::Desktop => trouble(
            "The face or fingerprint check on the phone fails and the prompt closes",
            "The phone couldn’t confirm it’s you.",
            "Check the phone’s face or fingerprint unlock works, or use its PIN or passcode when offered, then start again.",
            SOURCES,
        ),
    }
}

/// `passkey_already_exists`: usually saved in Authenticator but never registered (S1).
pub fn trouble_passkey_already_exists(company: &str, short: &str) -> TroubleText {
    trouble(
        "“Passkey already exists”",
        format!(
            "Usually Authenticator saved a passkey that never reached {company}’s sign-in, for example when the connection timed out."
        ),
        format!(
            "In Authenticator, tap your work account → “Settings” → “Delete passkey”, then start again. Remove a passkey at {short} only if it’s listed there."
        ),
        &[Source::LearnRegisterInAuthenticator],
    )
}

/// `in_app_browser`: Security info itself failing, not a missing passkey prompt (Security info
/// shows none since the hand-off; the product brief only).
pub fn trouble_in_app_browser(kind: WalkthroughKind) -> TroubleText {
    let fix = match kind {
        WalkthroughKind::Ios => "Open the page in Safari and start again.",
        WalkthroughKind::Android | WalkthroughKind::Samsung => {
            "Open the page in Chrome and start again."
        }
        WalkthroughKind::Desktop => {
            "Open the page in a regular browser — Safari on iPhone, Chrome on Android, Edge, Chrome or Safari on a computer — and start again."
        }
    };
    trouble(
        "Security info won’t load, or its buttons do nothing",
        "Usually the page is open in another app’s built-in browser (Teams, Outlook, LinkedIn…).",
        fix,
        &[Source::ProductBrief],
    )
}

// ---------------------------------------------------------------------------------------------
// Done
// ---------------------------------------------------------------------------------------------

/// Heading of the confirmation.
pub const DONE_TITLE: &str = "Done: what success looks like";

/// What the account shows in Authenticator (S1).
pub fn done_account() -> ParagraphText {
    paragraph(
        "Your work account in Authenticator lists “Passkey” as a sign-in method.",
        &[Source::LearnRegisterInAuthenticator],
    )
}

/// Where the passkey is listed (S1).
pub fn done_listed(short: &str) -> ParagraphText {
    paragraph(
        format!("At {short}, the passkey is listed under your sign-in methods."),
        &[Source::LearnRegisterInAuthenticator],
    )
}

/// The next sign-in (S5).
pub fn done_next_sign_in(company: &str) -> ParagraphText {
    paragraph(
        format!(
            "Next time you sign in to {company}, choose “Other ways to sign in” (or “Sign-in options”), then “Face, fingerprint, PIN or security key”, and confirm on your phone. Once you’ve used your passkey, you’re usually asked for it straight away."
        ),
        &[Source::LearnSignInWithAuthenticator],
    )
}

/// Signing in on a computer with the passkey on the phone: the system camera and Bluetooth
/// (computer tab only; S5).
pub fn done_sign_in_on_computer() -> ParagraphText {
    paragraph(
        "Signing in on a computer: when asked, choose “iPhone, iPad, or Android device” (that’s how Windows 11 words it), scan the QR code with your phone’s Camera app, keep Bluetooth and the internet on for both, then confirm on the phone.",
        &[Source::LearnSignInWithAuthenticator],
    )
}

/// Keep Authenticator (S6).
pub fn done_keep() -> ParagraphText {
    paragraph(
        "Keep Authenticator on your phone: the passkey lives there. On a new phone, set it up again.",
        &[Source::LearnPasskeysInEntra],
    )
}

// ---------------------------------------------------------------------------------------------
// Poster (the tenant page's print view and the rollout kit's poster)
// ---------------------------------------------------------------------------------------------

/// Poster headline.
pub fn poster_title(company: &str) -> String {
    format!("{company}: set up your passkey")
}

/// Poster lead.
pub const POSTER_LEAD: &str = "Sign in with your face or fingerprint instead of a password, using Microsoft Authenticator on your phone. About five minutes.";

/// Under the poster's QR code.
pub const POSTER_SCAN: &str = "Scan with your phone’s camera";

/// The short steps in Authenticator, for every phone (S1): the poster's and the rollout email's
/// last two. The provider step names the Galaxy's setting and keeps its Preferred service, as
/// the Samsung steps do: "turn on a passkey provider" alone reads as "Preferred service" there.
pub const SHORT_STEPS_IN_AUTHENTICATOR: [&str; 2] = [
    "In Authenticator, tap your work account → “Create a passkey” (no account yet? “Add work or school account”, or “+” → “Work or school account”).",
    "Turn on Authenticator as a passkey provider when asked (Samsung Galaxy: under “Additional providers”; leave “Preferred service” as it is), then tap “Done” twice.",
];

/// The three steps, in short, for every phone (S1).
pub const POSTER_STEPS: [&str; 3] = [
    "Scan the code with your phone’s camera: it opens the steps for your phone.",
    SHORT_STEPS_IN_AUTHENTICATOR[0],
    SHORT_STEPS_IN_AUTHENTICATOR[1],
];

/// The phones that can hold the passkey: "an iPhone with iOS 17 or later (17.4 or later
/// recommended), or an Android phone with Android 14 or later".
pub fn supported_phones(ios: IosVersions<'_>, android_minimum: &str) -> String {
    format!(
        "an iPhone with {}, or an Android phone with Android {android_minimum} or later",
        ios_requirement(ios)
    )
}

/// What the phone needs, on the poster.
pub fn poster_requirement(phones: &str) -> String {
    format!("You need {phones}, and Microsoft Authenticator.")
}

/// The rollout kit's poster page: what is around the poster on screen.
#[derive(Debug)]
pub struct PosterPageLabels {
    /// The link back to the kit.
    pub back_to_kit: &'static str,
    /// How to print it.
    pub print_hint: &'static str,
}

/// The poster page's labels in English.
pub const POSTER_PAGE_LABELS: PosterPageLabels = PosterPageLabels {
    back_to_kit: "Back to the rollout kit",
    print_hint: "Use your browser’s Print command to print this poster: it fits one A4 or Letter page.",
};

/// Poster helpdesk line.
pub fn poster_help(contacts: &str) -> String {
    format!("Questions? {contacts}")
}

// ---------------------------------------------------------------------------------------------
// The page's own labels (templates/tenant.html)
// ---------------------------------------------------------------------------------------------

/// Headings, badges and buttons of the walkthrough page.
#[derive(Debug)]
pub struct PageLabels {
    /// Over IT's own message.
    pub it_message: &'static str,
    /// The device tabs' landmark.
    pub choose_device: &'static str,
    /// After the detected tab's label.
    pub this_device: &'static str,
    /// The prerequisites' heading.
    pub before_you_start: &'static str,
    /// The recommended path's badge.
    pub recommended: &'static str,
    /// The fallback path's badge.
    pub fallback: &'static str,
    /// Under the page's QR code, before its address.
    pub qr_caption: &'static str,
    /// The troubleshooting heading.
    pub if_something_goes_wrong: &'static str,
    /// Before a troubleshooting entry's meaning.
    pub what_it_means: &'static str,
    /// Before a troubleshooting entry's fix.
    pub what_to_do: &'static str,
    /// The helpdesk block's heading.
    pub your_helpdesk: &'static str,
    /// Before the helpdesk's email address.
    pub email: &'static str,
    /// Before its phone number.
    pub phone: &'static str,
    /// Before its web address.
    pub web: &'static str,
    /// The "Done" button.
    pub done_button: &'static str,
    /// The sharing heading.
    pub share_title: &'static str,
    /// Before the security-info link in the sharing section.
    pub security_info_page: &'static str,
    /// The sources' summary.
    pub sources: &'static str,
}

/// The page labels in English.
pub const PAGE_LABELS: PageLabels = PageLabels {
    it_message: "A message from your IT team",
    choose_device: "Choose your device",
    this_device: "(this device)",
    before_you_start: "Before you start",
    recommended: "Recommended",
    fallback: "If nothing else works",
    qr_caption: "Scan with your phone’s camera to open",
    if_something_goes_wrong: "If something goes wrong",
    what_it_means: "What it means:",
    what_to_do: "What to do:",
    your_helpdesk: "Your helpdesk",
    email: "Email:",
    phone: "Phone:",
    web: "Web:",
    done_button: "I’ve set up my passkey",
    share_title: "Share this page",
    security_info_page: "Security info page:",
    sources: "Where these steps come from",
};

/// The sharing section's sentence.
pub fn share_sentence(company: &str) -> String {
    format!("Everyone at {company} can use the same link; it adapts to their device:")
}

// ---------------------------------------------------------------------------------------------
// Screen mock-ups (templates/partials/screen*.html)
// ---------------------------------------------------------------------------------------------

/// The words drawn inside the SVG mock-ups: the labels of the real screens they imitate.
#[derive(Debug)]
pub struct MockupLabels {
    /// “Authenticator”.
    pub authenticator: &'static str,
    /// “Create a passkey”.
    pub create_a_passkey: &'static str,
    /// “Passkey”.
    pub passkey: &'static str,
    /// “Sign in”.
    pub sign_in: &'static str,
    /// “Next”.
    pub next: &'static str,
    /// “Done”.
    pub done: &'static str,
    /// “‹ Passwords” (iOS 17's back button).
    pub back_passwords: &'static str,
    /// “‹ General” (iOS 18's back button).
    pub back_general: &'static str,
    /// “Password Options”.
    pub password_options: &'static str,
    /// “AutoFill & Passwords”.
    pub autofill_and_passwords: &'static str,
    /// “AutoFill Passwords” (first line of “AutoFill Passwords and Passkeys”).
    pub autofill_passwords: &'static str,
    /// “and Passkeys” (its second line).
    pub and_passkeys: &'static str,
    /// “USE PASSWORDS AND PASSKEYS FROM:” (iOS 17).
    pub use_passwords_and_passkeys_from: &'static str,
    /// “AUTOFILL FROM:” (iOS 18).
    pub autofill_from: &'static str,
    /// “Passwords” (iOS 18's app).
    pub passwords: &'static str,
    /// “Passwords & accounts”.
    pub passwords_and_accounts: &'static str,
    /// “Passwords, passkeys” (first line of Samsung's screen title).
    pub passwords_passkeys: &'static str,
    /// “and autofill” (its second line).
    pub and_autofill: &'static str,
    /// “Preferred service”.
    pub preferred_service: &'static str,
    /// “Additional providers”.
    pub additional_providers: &'static str,
    /// “Samsung Pass”.
    pub samsung_pass: &'static str,
    /// “Google”.
    pub google: &'static str,
    /// “My Sign-Ins”.
    pub my_sign_ins: &'static str,
    /// “Security info”.
    pub security_info: &'static str,
    /// “+ Add sign-in method”.
    pub add_sign_in_method: &'static str,
    /// “Passkey in Microsoft” (first line of “Passkey in Microsoft Authenticator”).
    pub passkey_in_microsoft: &'static str,
    /// “Passkey in Microsoft Authenticator”.
    pub passkey_in_microsoft_authenticator: &'static str,
    /// “Having trouble?”.
    pub having_trouble: &'static str,
    /// “Passkey created”.
    pub passkey_created: &'static str,
    /// “iPhone, iPad, or” (first line of Windows' choice).
    pub iphone_ipad_or: &'static str,
    /// “Android device” (its second line).
    pub android_device: &'static str,
    /// “iPhone, iPad, or Android device”.
    pub iphone_ipad_or_android_device: &'static str,
}

/// The mock-up labels in English.
pub const MOCKUP_LABELS: MockupLabels = MockupLabels {
    authenticator: "Authenticator",
    create_a_passkey: "Create a passkey",
    passkey: "Passkey",
    sign_in: "Sign in",
    next: "Next",
    done: "Done",
    back_passwords: "‹ Passwords",
    back_general: "‹ General",
    password_options: "Password Options",
    autofill_and_passwords: "AutoFill & Passwords",
    autofill_passwords: "AutoFill Passwords",
    and_passkeys: "and Passkeys",
    use_passwords_and_passkeys_from: "USE PASSWORDS AND PASSKEYS FROM:",
    autofill_from: "AUTOFILL FROM:",
    passwords: "Passwords",
    passwords_and_accounts: "Passwords & accounts",
    passwords_passkeys: "Passwords, passkeys",
    and_autofill: "and autofill",
    preferred_service: "Preferred service",
    additional_providers: "Additional providers",
    samsung_pass: "Samsung Pass",
    google: "Google",
    my_sign_ins: "My Sign-Ins",
    security_info: "Security info",
    add_sign_in_method: "+ Add sign-in method",
    passkey_in_microsoft: "Passkey in Microsoft",
    passkey_in_microsoft_authenticator: "Passkey in Microsoft Authenticator",
    having_trouble: "Having trouble?",
    passkey_created: "Passkey created",
    iphone_ipad_or: "iPhone, iPad, or",
    android_device: "Android device",
    iphone_ipad_or_android_device: "iPhone, iPad, or Android device",
};

/// The badge word of a prerequisite's verdict.
pub fn status_word(status: super::CheckStatus) -> &'static str {
    match status {
        super::CheckStatus::Met => "Ready",
        super::CheckStatus::Warning => "Update recommended",
        super::CheckStatus::NotMet => "Fix this first",
        super::CheckStatus::Unknown => "Check this",
        super::CheckStatus::Todo => "To do",
        super::CheckStatus::Advice => "Worth knowing",
    }
}
