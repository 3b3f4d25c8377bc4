//! Every user-visible string of the walkthrough (English), in one place for translation.
//!
//! Grouped as the page reads: page, tabs, notices, prerequisites, paths and their steps, the
//! passkey choice, federation, troubleshooting, done. Constants are fixed text; functions take
//! what varies (company, IdP host, version, address). `build.rs` only chooses among them.
//!
//! Conventions (kept from the landing page's guide so both read alike):
//! - Menu paths use “→” between levels: `Settings → General → About`.
//! - On-screen labels are quoted as the phones and Microsoft's pages show them in English
//!   (“Add sign-in method”, “Preferred service”). A translation should use the labels the
//!   phone shows in that language, not a literal translation of ours.
//! - Curly apostrophes and quotes, as on the landing page.

use crate::device::{Browser, InApp, OsVersion, WalkthroughKind};

use super::PasskeyPolicy;

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

/// [`contact_it`] in mid-sentence.
fn contact_it_lower(helpdesk: bool) -> &'static str {
    if helpdesk {
        "contact your helpdesk (below)"
    } else {
        "contact your IT team"
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

/// The OS name for a walkthrough ("iOS", "Android").
pub fn os_name(kind: WalkthroughKind) -> &'static str {
    match kind {
        WalkthroughKind::Ios => "iOS",
        WalkthroughKind::Android | WalkthroughKind::Samsung | WalkthroughKind::Desktop => "Android",
    }
}

/// A version as people write it: Android drops a zero minor ("14", not "14.0"); iOS keeps it.
pub fn version(kind: WalkthroughKind, version: OsVersion) -> String {
    match kind {
        WalkthroughKind::Android | WalkthroughKind::Samsung
            if version.minor == 0 && version.patch.is_none() =>
        {
            version.major.to_string()
        }
        _ => version.to_string(),
    }
}

/// A version known only as a lower bound (iOS 26's frozen User-Agent): "26.0 or later".
pub fn version_at_least(version: &str) -> String {
    format!("{version} or later")
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

// ---------------------------------------------------------------------------------------------
// Page
// ---------------------------------------------------------------------------------------------

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

/// The page is open in an app's built-in browser: say which and how to leave it.
pub fn notice_in_app(app: InApp, detected: WalkthroughKind) -> String {
    format!(
        "You’re reading this {}, where the passkey prompt may never appear. {}",
        in_app_where(app),
        in_app_fix(detected)
    )
}

/// A Mac User-Agent that may be an iPad asking for desktop sites.
pub const NOTICE_MAYBE_IPAD: &str = "On an iPad? Use the iPhone steps: they’re the same on iPad.";

/// An iPad reading the iPhone tab.
pub const NOTICE_IPAD: &str = "On iPad, the steps are the same as on iPhone.";

/// A Samsung Galaxy reading the plain Android tab.
pub const NOTICE_SAMSUNG_ON_ANDROID_TAB: &str = "This looks like a Samsung Galaxy. The Samsung Galaxy tab has the one extra setting Galaxy phones need (moving passkeys from Samsung Pass to Authenticator).";

/// An Android phone whose maker the request does not tell, reading the Android tab.
pub const NOTICE_MAYBE_SAMSUNG: &str =
    "On a Samsung Galaxy? Use the Samsung Galaxy tab: Galaxy phones need one extra setting.";

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
pub const AUTHENTICATOR_TITLE: &str = "Microsoft Authenticator, with your work account";

/// What to have ready in Authenticator.
pub fn authenticator_detail(kind: WalkthroughKind) -> String {
    format!(
        "Install Microsoft Authenticator on your phone from {}, open it, and keep it up to date. Your work account goes in it too (+ → “Work or school account”): the recommended steps below do that for you. Have your usual way to sign in ready — your password plus an approval or a code.",
        store(kind)
    )
}

// --- os_version ---

/// Title of the OS-version prerequisite.
pub fn os_title(kind: WalkthroughKind, ios_minimum: &str, android_minimum: &str) -> String {
    match kind {
        WalkthroughKind::Ios => format!("iOS {ios_minimum} or later"),
        WalkthroughKind::Android | WalkthroughKind::Samsung => {
            format!("Android {android_minimum} or later")
        }
        WalkthroughKind::Desktop => {
            format!(
                "A phone with iOS {ios_minimum} or later, or Android {android_minimum} or later"
            )
        }
    }
}

/// Version met. `found` is the version as shown ("17.4", "26.0 or later").
pub fn os_met(os: &str, found: &str) -> String {
    format!("This device runs {os} {found}: recent enough.")
}

/// iOS 17.0–17.3: should work, update recommended.
pub fn os_warning(os: &str, found: &str, minimum: &str) -> String {
    format!(
        "This device runs {os} {found}. Passkeys in Authenticator should work on it, but {os} {minimum} or later is recommended."
    )
}

/// Fix for the soft warning.
pub fn os_warning_fix(update_path: &str) -> String {
    format!("Update first if you can: {update_path}.")
}

/// Version too old.
pub fn os_not_met(os: &str, found: &str, minimum: &str) -> String {
    format!(
        "This device runs {os} {found}, which is too old: passkeys in Authenticator need {os} {minimum} or later. Older versions show a security-key prompt instead, and that route doesn’t work for this."
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
pub fn os_check_fix(
    kind: WalkthroughKind,
    ios_minimum: &str,
    ios_soft_major: u16,
    android_minimum: &str,
) -> String {
    match kind {
        WalkthroughKind::Ios => format!(
            "Check it in Settings → General → About → iOS Version. You need iOS {ios_minimum} or later; an earlier iOS {ios_soft_major} release usually works, but update first if you can."
        ),
        WalkthroughKind::Android => format!(
            "Check it in Settings → About phone → Android version. You need Android {android_minimum} or later."
        ),
        WalkthroughKind::Samsung => format!(
            "Check it in Settings → About phone → Software information → Android version. You need Android {android_minimum} or later."
        ),
        WalkthroughKind::Desktop => format!(
            "Check on the phone. iPhone: Settings → General → About → iOS Version (iOS {ios_minimum} or later). Android: Settings → About phone → Android version; on Samsung, About phone → Software information (Android {android_minimum} or later)."
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
            "You’re in {name}, a regular browser. The steps name Safari, but {name} on iPhone shows the same passkey prompts."
        ),
        Some(name) if name != expected && shown != WalkthroughKind::Desktop => format!(
            "You’re in {name}, a regular browser. The steps name Chrome: if no passkey prompt appears in {name}, switch to Chrome."
        ),
        _ => "You’re in a regular browser.".to_owned(),
    }
}

/// Inside an app's built-in browser.
pub fn browser_in_app(app: InApp) -> String {
    format!(
        "You’re reading this {}, where the passkey prompt may never appear.",
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
    format!("Passkeys turned on by {company}")
}

/// What the tenant policy means for the person.
pub const TENANT_POLICY_DETAIL: &str = "Your IT team has enabled passkeys (“Passkey (FIDO2)” in Microsoft Entra) for your work account. If the Passkey option is missing or greyed out later on, that’s why.";

/// What to do when the Passkey option is missing.
pub fn tenant_policy_fix(helpdesk: bool) -> String {
    format!(
        "If it’s missing, {} and ask them to turn on passkeys for you.",
        contact_it_lower(helpdesk)
    )
}

// ---------------------------------------------------------------------------------------------
// Paths
// ---------------------------------------------------------------------------------------------

// --- in_app (phones, recommended) ---

/// Title of the in-app path.
pub const IN_APP_TITLE: &str = "In the Authenticator app";

/// When to use the in-app path.
pub fn in_app_summary(kind: WalkthroughKind) -> &'static str {
    match kind {
        WalkthroughKind::Android | WalkthroughKind::Samsung => {
            "Recommended: Microsoft’s quickest route, and the most reliable one on Android. Do it even if your work account is already in Authenticator."
        }
        WalkthroughKind::Ios | WalkthroughKind::Desktop => {
            "Recommended: Microsoft’s quickest route. Do it even if your work account is already in Authenticator."
        }
    }
}

/// Step: open Authenticator and add the work account.
pub const STEP_OPEN_AUTHENTICATOR: &str = "Open Authenticator and tap +";

/// Detail of the first in-app step.
pub const STEP_OPEN_AUTHENTICATOR_DETAIL: &str = "Then choose “Work or school account” → “Sign in”. Even if your work account is already in Authenticator, do this once: it’s what adds the passkey.";

/// Step: sign in with the work account.
pub const STEP_SIGN_IN: &str = "Sign in with your work email";

/// Detail of the sign-in step.
pub fn step_sign_in_detail(company: &str) -> String {
    format!(
        "Use your {company} email address and finish the check you normally use: an approval, a code or your password."
    )
}

/// Step (in-app): turn on Authenticator as passkey provider, when the app asks.
pub const STEP_PROVIDER_WHEN_ASKED: &str =
    "When Authenticator asks, turn it on as a passkey provider";

/// Step (browser): turn on the provider if asked.
pub const STEP_PROVIDER_IF_ASKED: &str = "If asked, turn on Authenticator in Settings";

/// iOS 17 provider settings.
pub const PROVIDER_IOS_17: &str = "Open Settings → Passwords → Password Options. Make sure “AutoFill Passwords and Passkeys” is on, and under “Use Passwords and Passkeys From” choose Authenticator. Can’t find it? Search Settings for “passkey”.";

/// iOS 18 and later provider settings.
pub const PROVIDER_IOS_18: &str = "Open Settings → General → AutoFill & Passwords and switch on Authenticator. Can’t find it? Search Settings for “passkey”.";

/// Provider settings when the iOS version is not known: both.
pub const PROVIDER_IOS_ANY: &str = "Open Settings. On iOS 18 and later: General → AutoFill & Passwords, then switch on Authenticator. On iOS 17: Passwords → Password Options, make sure “AutoFill Passwords and Passkeys” is on, and under “Use Passwords and Passkeys From” choose Authenticator. Can’t find it? Search Settings for “passkey”.";

/// Android (not Samsung) provider settings.
pub const PROVIDER_ANDROID: &str = "Open Settings → Passwords & accounts (“Passwords, passkeys & accounts” on some phones) and, under “Additional providers”, switch on Authenticator. Names differ between phone makers: can’t find it? Search Settings for “passkey”. On a Samsung Galaxy, use the Samsung Galaxy tab.";

/// Samsung: the extra detour, its own step.
pub const STEP_SAMSUNG_PROVIDER: &str = "Switch passkeys from Samsung Pass to Authenticator";

/// Detail of the Samsung provider step.
pub const PROVIDER_SAMSUNG: &str = "Galaxy phones save passkeys in Samsung Pass unless you change it. When Authenticator asks (or before you start), open Settings → General management → Passwords, passkeys and autofill. Under “Preferred service”, tap Samsung Pass and choose Authenticator; on some One UI versions you switch on Authenticator under “Additional providers” instead. Menu names change between One UI versions: can’t find it? Search Settings for “passkey”.";

/// What to do after the provider setting (in-app path).
pub const PROVIDER_THEN_BACK: &str = " Then go back to Authenticator.";

/// What to do after the provider setting (browser path).
pub fn provider_then_continue(kind: WalkthroughKind) -> String {
    format!(
        " Then return to {} and tap “Continue”, then “I understand”.",
        steps_browser(kind)
    )
}

/// Step: confirm in Authenticator.
pub const STEP_CONFIRM: &str = "Back in Authenticator, confirm it’s you";

/// Detail of the confirm step.
pub fn step_confirm_detail(kind: WalkthroughKind, company: &str) -> String {
    format!(
        "Confirm with {}. Authenticator creates the passkey according to {company}’s rules and confirms with a green tick.",
        biometric(kind)
    )
}

// --- browser (phones, second) ---

/// Title of the browser path.
pub fn browser_path_title(kind: WalkthroughKind) -> String {
    format!("From {}", steps_browser(kind))
}

/// When to use the browser path.
pub fn browser_path_summary(kind: WalkthroughKind) -> &'static str {
    match kind {
        WalkthroughKind::Android | WalkthroughKind::Samsung => {
            "Another way, through My Security info. If it stalls, use the Authenticator route above: Microsoft hasn’t offered same-phone browser setup on every Android version."
        }
        WalkthroughKind::Ios | WalkthroughKind::Desktop => {
            "Another way: the classic route through My Security info."
        }
    }
}

/// Step: open the browser at the security-info page.
pub fn step_open_security_info(kind: WalkthroughKind, short: &str) -> String {
    format!("Open {} and go to {short}", steps_browser(kind))
}

/// Detail: which browser, and the full address.
pub fn step_open_security_info_detail(kind: WalkthroughKind, url: &str) -> String {
    format!(
        "Use {} — not the browser inside Authenticator, Teams or Outlook. The full address is {url}.",
        steps_browser(kind)
    )
}

/// Step: sign in on the security-info page.
pub const STEP_SIGN_IN_WORK_ACCOUNT: &str = "Sign in with your work account";

/// Detail of signing in on the security-info page.
pub const STEP_SIGN_IN_WORK_ACCOUNT_DETAIL: &str =
    "Finish the check you normally use: an approval, a code or your password.";

/// Step: add the passkey method.
pub const STEP_ADD_METHOD: &str =
    "Tap “+ Add sign-in method” → “Passkey in Microsoft Authenticator” → “Add”";

/// Detail of adding the method.
pub const STEP_ADD_METHOD_DETAIL: &str = "Sometimes the option is just called “Passkey”. You may be asked to prove it’s you once more, and to download Authenticator if it isn’t installed. If the option is missing or greyed out, passkeys aren’t turned on for you yet (see Before you start).";

/// Step: choose Authenticator in the system sheet.
pub const STEP_CHOOSE_AUTHENTICATOR: &str = "Choose Microsoft Authenticator to save the passkey";

/// Detail of the system sheet, per device and policy.
pub fn step_choose_authenticator_detail(
    kind: WalkthroughKind,
    policy: PasskeyPolicy,
    company: &str,
) -> String {
    let (ask, others) = match kind {
        WalkthroughKind::Ios => (
            "If your iPhone lists places to save it",
            "iCloud Keychain (Passwords)",
        ),
        WalkthroughKind::Android => (
            "When Android asks where to save it",
            "Google Password Manager",
        ),
        WalkthroughKind::Samsung => (
            "When your phone asks where to save it",
            "Samsung Pass or Google Password Manager",
        ),
        WalkthroughKind::Desktop => (
            "When the phone asks where to save it",
            "iCloud Keychain, Google Password Manager or Samsung Pass",
        ),
    };
    match policy {
        PasskeyPolicy::AuthenticatorOnly => format!(
            "{ask}, pick Microsoft Authenticator — not {others}: {company} only accepts passkeys in Authenticator."
        ),
        PasskeyPolicy::SyncedAllowed => format!(
            "{ask}, pick Microsoft Authenticator: these steps set the passkey up there. ({company} also accepts {others}; see “Which passkey?” below.)"
        ),
    }
}

/// Step: confirm, name it, done.
pub const STEP_NAME_PASSKEY: &str = "Confirm it’s you, name the passkey and tap “Done”";

/// Detail of the naming step.
pub fn step_name_passkey_detail(kind: WalkthroughKind) -> String {
    format!(
        "Confirm with {}. Give the passkey a name you’ll recognise, like “Phone – Authenticator”. {} then lists it under your sign-in methods.",
        biometric(kind),
        steps_browser(kind)
    )
}

// --- continue_on_phone (computer, recommended) ---

/// Title of the continue-on-phone path.
pub const CONTINUE_ON_PHONE_TITLE: &str = "Continue on your phone";

/// When to use it.
pub const CONTINUE_ON_PHONE_SUMMARY: &str =
    "Recommended: the passkey lives on your phone, so the quickest way is to do it all there.";

/// Step: scan the QR code on this page.
pub const STEP_SCAN_PAGE_QR: &str = "Scan the QR code on this page with your phone’s camera";

/// Detail of scanning the page's QR code.
pub const STEP_SCAN_PAGE_QR_DETAIL: &str = "Point the phone’s Camera app at the code and tap the link that appears: this walkthrough opens on your phone, with the steps for that phone. No camera handy? Open the link from the rollout email on your phone instead.";

/// Step: follow the phone's steps.
pub const STEP_FOLLOW_PHONE: &str = "Follow the steps on your phone";

/// What the phone will show.
pub const STEP_FOLLOW_PHONE_DETAIL: &str = "They start in the Authenticator app: tap +, choose “Work or school account” and sign in. Your phone then asks you to turn on Authenticator as a passkey provider in Settings (on a Samsung Galaxy, instead of Samsung Pass), and you confirm with your face or fingerprint.";

/// Step: the green tick.
pub const STEP_PHONE_DONE: &str = "Look for the green tick in Authenticator";

/// Detail of the phone's confirmation.
pub const STEP_PHONE_DONE_DETAIL: &str =
    "That’s your passkey. Nothing else to do on this computer.";

// --- cross_device (computer, second) ---

/// Title of the cross-device path.
pub const CROSS_DEVICE_TITLE: &str = "Start on this computer";

/// When to use it.
pub const CROSS_DEVICE_SUMMARY: &str = "Another way, if you’d rather start at My Security info on the computer. You finish with your phone, over Bluetooth.";

/// Step: open the security-info page on the computer.
pub fn step_open_security_info_computer(short: &str) -> String {
    format!("On this computer, go to {short} and sign in")
}

/// Detail: full address and sign-in.
pub fn step_open_security_info_computer_detail(url: &str) -> String {
    format!(
        "The full address is {url}. Sign in with your work account and finish the check you normally use."
    )
}

/// Step: add the method (computer wording).
pub const STEP_ADD_METHOD_COMPUTER: &str =
    "Choose “+ Add sign-in method” → “Passkey in Microsoft Authenticator” → “Add”";

/// Step: pick the phone type and turn on the provider.
pub const STEP_PICK_PHONE: &str =
    "Pick iOS or Android, and turn on Authenticator as a passkey provider on the phone";

/// Where the provider setting is, on every phone.
pub const STEP_PICK_PHONE_DETAIL: &str = "iPhone with iOS 18 or later: Settings → General → AutoFill & Passwords, switch on Authenticator. iOS 17: Settings → Passwords → Password Options, “Use Passwords and Passkeys From”: Authenticator. Android: Settings → Passwords & accounts → “Additional providers”, switch on Authenticator. Samsung Galaxy: Settings → General management → Passwords, passkeys and autofill → “Preferred service”: Authenticator instead of Samsung Pass. Can’t find it? Search Settings for “passkey”. Then select “Continue” on the computer.";

/// Step: choose another device in the computer's security window.
pub const STEP_CHOOSE_PHONE_DEVICE: &str = "Choose “iPhone, iPad or Android device”";

/// Detail of the computer's security window.
pub const STEP_CHOOSE_PHONE_DEVICE_DETAIL: &str = "The computer opens its own security window. If it offers to save the passkey on the computer or a security key, choose “Use another device” or “More options” first.";

/// Step: scan the WebAuthn QR code with the system camera.
pub const STEP_SCAN_SYSTEM_CAMERA: &str = "Scan the QR code with the phone’s Camera app";

/// Why the system camera.
pub const STEP_SCAN_SYSTEM_CAMERA_DETAIL: &str = "Use the phone’s built-in Camera app — the system camera — not the scanner inside Authenticator: that one can’t read this kind of code. Then tap “Save a passkey”.";

/// Step: Bluetooth and approve on the phone.
pub const STEP_APPROVE_ON_PHONE: &str =
    "Keep Bluetooth and the internet on for both, and approve on the phone";

/// Detail of approving on the phone.
pub const STEP_APPROVE_ON_PHONE_DETAIL: &str = "The phone connects to the computer over Bluetooth. When it asks where to save the passkey, choose Authenticator, then confirm with your face or fingerprint.";

/// Step: name it on the computer.
pub const STEP_NAME_ON_COMPUTER: &str = "Back on the computer, name the passkey and select “Done”";

/// Detail of naming on the computer.
pub const STEP_NAME_ON_COMPUTER_DETAIL: &str =
    "Pick a name you’ll recognise. The passkey now shows under your sign-in methods.";

// ---------------------------------------------------------------------------------------------
// Passkey choice: device-bound or synced
// ---------------------------------------------------------------------------------------------

/// The synced services a device offers.
fn synced_services(kind: WalkthroughKind) -> &'static str {
    match kind {
        WalkthroughKind::Ios => "iCloud Keychain (the Passwords app)",
        WalkthroughKind::Android => "Google Password Manager",
        WalkthroughKind::Samsung => "Samsung Pass or Google Password Manager",
        WalkthroughKind::Desktop => "iCloud Keychain, Google Password Manager or Samsung Pass",
    }
}

/// Heading of the passkey choice.
pub const CHOICE_TITLE: &str = "Which passkey?";

/// Authenticator only: what to do.
pub fn choice_authenticator_only(company: &str, kind: WalkthroughKind) -> String {
    format!(
        "Use Microsoft Authenticator. {company} doesn’t accept passkeys saved in {}, so if your phone offers to save it there, choose Authenticator instead.",
        synced_services(kind)
    )
}

/// What device-bound means.
pub const CHOICE_DEVICE_BOUND: &str = "A passkey in Authenticator is device-bound: it stays on the one phone where you create it, which gives the highest assurance. On a new phone you simply set it up again.";

/// Synced allowed: the two kinds.
pub fn choice_synced_allowed(company: &str, kind: WalkthroughKind) -> String {
    format!(
        "{company} accepts two kinds of passkey: one in Microsoft Authenticator (device-bound) or one synced by {}.",
        synced_services(kind)
    )
}

/// When Authenticator fits.
pub const CHOICE_WHEN_AUTHENTICATOR: &str = "Authenticator: stays on one phone only, highest assurance, and IT can confirm where it’s kept. On a new phone you set it up again. Best for company-managed phones and stricter roles. These steps set up this kind.";

/// When synced fits.
pub const CHOICE_WHEN_SYNCED: &str = "Synced: available on every device signed in to the same Apple ID, Google account or Samsung account, and it comes along to a new phone; lower assurance. Reasonable on a personal phone. Your IT team can tell you how to add one.";

/// If unsure.
pub const CHOICE_NOT_SURE: &str =
    "Not sure? Choose Authenticator: it’s accepted wherever passkeys are.";

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

/// One row of the troubleshooting table.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TroubleText {
    /// What the person sees.
    pub symptom: String,
    /// What it means.
    pub meaning: String,
    /// What to do.
    pub fix: String,
}

fn row(
    symptom: impl Into<String>,
    meaning: impl Into<String>,
    fix: impl Into<String>,
) -> TroubleText {
    TroubleText {
        symptom: symptom.into(),
        meaning: meaning.into(),
        fix: fix.into(),
    }
}

/// `not_supported_by_tenant`.
pub fn trouble_not_supported(company: &str, helpdesk: bool) -> TroubleText {
    row(
        "“This sign-in method is not supported by your tenant”, or the Passkey option is missing or greyed out",
        format!("{company} hasn’t turned on passkeys for your account yet."),
        format!(
            "{} and ask them to enable “Passkey (FIDO2)” for you. There’s nothing to fix on your phone.",
            contact_it(helpdesk)
        ),
    )
}

/// `cannot_verify_device`.
pub fn trouble_cannot_verify_device() -> TroubleText {
    row(
        "“We couldn’t verify your device.”",
        "The work account in Authenticator isn’t linked to your phone yet.",
        "In Authenticator, tap your work account, finish the device registration it offers, then try again.",
    )
}

/// `authenticator_not_installed`.
pub fn trouble_authenticator_not_installed(kind: WalkthroughKind) -> TroubleText {
    row(
        "“Authenticator is not installed.”",
        "The phone’s passkey prompt couldn’t find Authenticator.",
        format!(
            "Reinstall Authenticator from {}, sign in to it once, check it’s turned on as a passkey provider, and try again.",
            store(kind)
        ),
    )
}

/// `provider_missing`.
pub fn trouble_provider_missing(kind: WalkthroughKind) -> TroubleText {
    match kind {
        WalkthroughKind::Ios => row(
            "You can’t find where to turn on Authenticator in Settings",
            "The setting moved in iOS 18.",
            "iOS 18 and later: Settings → General → AutoFill & Passwords. iOS 17: Settings → Passwords → Password Options. Or search Settings for “passkey”. Authenticator not in the list? Update it from the App Store and open it once.",
        ),
        WalkthroughKind::Android | WalkthroughKind::Samsung | WalkthroughKind::Desktop => row(
            "There’s no “Additional providers” in Settings, or Authenticator isn’t listed",
            "Phone makers name and place this setting differently; some Android 14 versions don’t show “Additional providers” at all.",
            "Open Settings and search for “passkey”. Make sure Authenticator is up to date and the phone runs Android 14 or later.",
        ),
    }
}

/// `samsung_pass_default` (Samsung only).
pub fn trouble_samsung_pass_default() -> TroubleText {
    row(
        "Samsung Pass offers to save the passkey",
        "Samsung Pass is still the phone’s preferred passkey service.",
        "To save it in Authenticator, cancel, then open Settings → General management → Passwords, passkeys and autofill and set “Preferred service” to Authenticator. Start the steps again.",
    )
}

/// `biometric_failed`.
pub fn trouble_biometric_failed(kind: WalkthroughKind) -> TroubleText {
    match kind {
        WalkthroughKind::Ios => row(
            "Face ID or Touch ID fails and the prompt closes",
            "The face or fingerprint check didn’t succeed.",
            "Open Authenticator on its own and make sure Face ID or Touch ID works there (Settings → Face ID & Passcode), then start again.",
        ),
        WalkthroughKind::Android | WalkthroughKind::Samsung => row(
            "The fingerprint or face check fails and the prompt closes",
            "The phone couldn’t confirm it’s you.",
            "Open Authenticator on its own and check your fingerprint or face unlock works there — or use your screen lock PIN — then start again.",
        ),
        WalkthroughKind::Desktop => row(
            "The face or fingerprint check on the phone fails and the prompt closes",
            "The phone couldn’t confirm it’s you.",
            "Open Authenticator on the phone and check your face or fingerprint unlock works there, then start again.",
        ),
    }
}

/// `qr_scanner_instead`.
pub fn trouble_qr_scanner_instead(kind: WalkthroughKind) -> TroubleText {
    match kind {
        WalkthroughKind::Desktop => row(
            "Authenticator’s scanner can’t read the QR code from the computer",
            "The scanner inside Authenticator can’t read passkey QR codes.",
            "Scan it with the phone’s Camera app instead, with Bluetooth on for both devices.",
        ),
        WalkthroughKind::Ios | WalkthroughKind::Android | WalkthroughKind::Samsung => row(
            "A QR-code scanner opens instead of Authenticator",
            "An older phone or Authenticator version, or “Security key” was tapped instead of “Passkey”.",
            "Update the phone and Authenticator, restart, and choose “Passkey” at the second prompt. Scanning a code from a computer? Use the Camera app.",
        ),
    }
}

/// `phone_cannot_connect` (computer only).
pub fn trouble_phone_cannot_connect() -> TroubleText {
    row(
        "After scanning, the phone can’t connect or nothing happens",
        "Setting up from a computer uses Bluetooth and the internet on both devices.",
        "Turn on Bluetooth on both, make sure both are online, keep the phone near the computer and try again — or do it all on the phone (Continue on your phone).",
    )
}

/// `passkey_already_exists`.
pub fn trouble_passkey_already_exists(short: &str) -> TroubleText {
    row(
        "“Passkey already exists”",
        "Authenticator already holds a passkey for this account.",
        format!(
            "If you set it up before, you may already be done: check {short}. To start over, delete it in Authenticator (the bin icon) and in My Security info, then set it up again."
        ),
    )
}

/// `in_app_browser`.
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
    row(
        "No passkey prompt appears at all",
        "Usually the page is open in another app’s built-in browser (Teams, Outlook, LinkedIn…).",
        fix,
    )
}

// ---------------------------------------------------------------------------------------------
// Done
// ---------------------------------------------------------------------------------------------

/// Heading of the confirmation.
pub const DONE_TITLE: &str = "Done: what success looks like";

/// Authenticator's confirmation.
pub const DONE_TICK: &str = "Authenticator shows a green tick: your passkey is set up.";

/// Where the passkey is listed.
pub fn done_listed(short: &str) -> String {
    format!("At {short}, the passkey is listed under your sign-in methods.")
}

/// The next sign-in.
pub fn done_next_sign_in(company: &str) -> String {
    format!(
        "Next time you sign in to {company}, choose “Face, fingerprint, PIN or security key” (or your passkey when it’s offered) and confirm on your phone."
    )
}

/// Keep Authenticator.
pub const DONE_KEEP: &str =
    "Keep Authenticator on your phone: the passkey lives there. On a new phone, set it up again.";

// --- Poster (print view) ----------------------------------------------------------------------

/// Poster headline.
pub fn poster_title(company: &str) -> String {
    format!("{company}: set up your passkey")
}

/// Poster lead.
pub const POSTER_LEAD: &str = "Sign in to your work account with your face or fingerprint instead of a password, using Microsoft Authenticator on your phone. It takes about five minutes.";

/// Under the poster's QR code.
pub const POSTER_SCAN: &str = "Scan with your phone’s camera";

/// Poster step 1: the phone.
pub fn poster_step_phone(ios_minimum: &str, android_minimum: &str) -> String {
    format!(
        "Have your phone ready: an iPhone on iOS {ios_minimum} or later, or an Android phone on Android {android_minimum} or later, with Microsoft Authenticator installed."
    )
}

/// Poster step 2.
pub const POSTER_STEP_SCAN: &str = "Scan the code, or open the link, in the phone’s own browser (Safari or Chrome), not inside another app.";

/// Poster step 3.
pub const POSTER_STEP_FOLLOW: &str =
    "Follow the steps for your phone. When Authenticator shows a green tick, you’re done.";

/// Poster helpdesk line.
pub fn poster_help(contacts: &str) -> String {
    format!("Questions? {contacts}")
}

// --- Screen mock-ups (templates/partials/screen*.html) -----------------------------------------

/// The words drawn inside the SVG mock-ups: the labels of the real screens they imitate.
#[derive(Debug)]
pub struct MockupLabels {
    /// “Authenticator”.
    pub authenticator: &'static str,
    /// “Add account”.
    pub add_account: &'static str,
    /// “Personal account”.
    pub personal_account: &'static str,
    /// “Work or school account”.
    pub work_or_school_account: &'static str,
    /// “Other account”.
    pub other_account: &'static str,
    /// “Sign in”.
    pub sign_in: &'static str,
    /// “Next”.
    pub next: &'static str,
    /// “‹ Passwords”.
    pub passwords: &'static str,
    /// “Password Options”.
    pub password_options: &'static str,
    /// “AutoFill Passwords”.
    pub autofill_passwords: &'static str,
    /// “USE PASSWORDS AND PASSKEYS FROM:”.
    pub use_passwords_and_passkeys_from: &'static str,
    /// “iCloud Passwords”.
    pub icloud_passwords: &'static str,
    /// “Passwords, passkeys”.
    pub passwords_passkeys: &'static str,
    /// “and autofill”.
    pub and_autofill: &'static str,
    /// “Preferred service”.
    pub preferred_service: &'static str,
    /// “Additional providers”.
    pub additional_providers: &'static str,
    /// “Samsung Pass”.
    pub samsung_pass: &'static str,
    /// “& accounts”.
    pub accounts: &'static str,
    /// “Google”.
    pub google: &'static str,
    /// “Chrome”.
    pub chrome: &'static str,
    /// “Choose where to save”.
    pub choose_where_to_save: &'static str,
    /// “this passkey”.
    pub this_passkey: &'static str,
    /// “This computer”.
    pub this_computer: &'static str,
    /// “iPhone, iPad or”.
    pub iphone_ipad_or: &'static str,
    /// “Android device”.
    pub android_device: &'static str,
    /// “Security key”.
    pub security_key: &'static str,
    /// “Save a passkey?”.
    pub save_a_passkey: &'static str,
    /// “Continue”.
    pub continue_button: &'static str,
    /// “Face ID”.
    pub face_id: &'static str,
    /// “Verify it’s you”.
    pub verify_its_you: &'static str,
    /// “Use your fingerprint”.
    pub use_your_fingerprint: &'static str,
    /// “Cancel”.
    pub cancel: &'static str,
    /// “My Sign-Ins”.
    pub my_sign_ins: &'static str,
    /// “Security info”.
    pub security_info: &'static str,
    /// “Methods you use to sign in”.
    pub methods_you_use_to_sign_in: &'static str,
    /// “+ Add sign-in method”.
    pub add_sign_in_method: &'static str,
    /// “Passkey created”.
    pub passkey_created: &'static str,
    /// “Done”.
    pub done: &'static str,
    /// “iPhone, iPad or Android device”.
    pub iphone_ipad_or_android_device: &'static str,
}

/// The mock-up labels in English.
pub const MOCKUP_LABELS: MockupLabels = MockupLabels {
    authenticator: "Authenticator",
    add_account: "Add account",
    personal_account: "Personal account",
    work_or_school_account: "Work or school account",
    other_account: "Other account",
    sign_in: "Sign in",
    next: "Next",
    passwords: "‹ Passwords",
    password_options: "Password Options",
    autofill_passwords: "AutoFill Passwords",
    use_passwords_and_passkeys_from: "USE PASSWORDS AND PASSKEYS FROM:",
    icloud_passwords: "iCloud Passwords",
    passwords_passkeys: "Passwords, passkeys",
    and_autofill: "and autofill",
    preferred_service: "Preferred service",
    additional_providers: "Additional providers",
    samsung_pass: "Samsung Pass",
    accounts: "& accounts",
    google: "Google",
    chrome: "Chrome",
    choose_where_to_save: "Choose where to save",
    this_passkey: "this passkey",
    this_computer: "This computer",
    iphone_ipad_or: "iPhone, iPad or",
    android_device: "Android device",
    security_key: "Security key",
    save_a_passkey: "Save a passkey?",
    continue_button: "Continue",
    face_id: "Face ID",
    verify_its_you: "Verify it’s you",
    use_your_fingerprint: "Use your fingerprint",
    cancel: "Cancel",
    my_sign_ins: "My Sign-Ins",
    security_info: "Security info",
    methods_you_use_to_sign_in: "Methods you use to sign in",
    add_sign_in_method: "+ Add sign-in method",
    passkey_created: "Passkey created",
    done: "Done",
    iphone_ipad_or_android_device: "iPhone, iPad or Android device",
};

/// The badge word of a prerequisite's verdict.
pub fn status_word(status: super::CheckStatus) -> &'static str {
    match status {
        super::CheckStatus::Met => "Ready",
        super::CheckStatus::Warning => "Update recommended",
        super::CheckStatus::NotMet => "Fix this first",
        super::CheckStatus::Unknown => "Check this",
        super::CheckStatus::Todo => "To do",
    }
}
