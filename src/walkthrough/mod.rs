//! The walkthrough: what an employee reads, built from tenant profile × device × tenant settings.
//!
//! Content lives here, typed; templates only lay it out. Every user-visible string is in
//! `text.rs`, ready for translation, each step and troubleshooting entry with its sources
//! (`sources.rs`). The page depends on the device only through [`ShownDevice`], what it shows.
//! `Walkthrough::build` is pure (no I/O) and unit-tested.

mod build;
mod shown_device;
pub mod sources;
pub mod text;

#[cfg(test)]
mod tests;

use serde::Serialize;

pub use crate::device::WalkthroughKind;
pub use build::supported_phones;
pub use shown_device::{PrintedVersion, ShownDevice};
pub use sources::Source;

/// What tenant admins chose (defaults until an admin changes them).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TenantSettings {
    /// Which passkeys the tenant allows.
    pub passkey_policy: PasskeyPolicy,
    /// Where employees get help.
    pub helpdesk: Option<Helpdesk>,
    /// A short plain-text message from IT shown at the top.
    pub intro_message: Option<String>,
}

/// The tenant's passkey policy as the walkthrough needs it.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum PasskeyPolicy {
    /// Only device-bound passkeys in Microsoft Authenticator (the safe default).
    #[default]
    AuthenticatorOnly,
    /// Synced passkeys (iCloud Keychain, Google Password Manager) are allowed too.
    SyncedAllowed,
}

/// Helpdesk contact, validated by the admin module.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Helpdesk {
    /// Email address.
    pub email: Option<String>,
    /// Phone number as the admin typed it.
    pub phone: Option<String>,
    /// Web address.
    pub url: Option<String>,
}

impl Helpdesk {
    /// The percent-encoded `mailto:` link of the email address, when there is one.
    pub fn email_href(&self) -> Option<String> {
        self.email.as_deref().map(mailto_href)
    }
}

/// The `mailto:` link of a helpdesk address, percent-encoded (RFC 6068): every byte but the
/// unreserved characters and `@ ! $ ' ( ) * + , ; :` is written `%XX`. For an address
/// `admin::settings::email` accepted, only the UTF-8 of an internationalised domain is encoded, exactly as a
/// browser encodes it when following `mailto:{address}`.
pub fn mailto_href(address: &str) -> String {
    let mut href = String::from("mailto:");
    for byte in address.bytes() {
        if byte.is_ascii_alphanumeric() || b"-._~@!$'()*+,;:".contains(&byte) {
            href.push(char::from(byte));
        } else {
            href.push_str(&format!("%{byte:02X}"));
        }
    }
    href
}

/// A check's outcome.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum CheckStatus {
    /// Fine as detected.
    Met,
    /// Should work, but better fixed first.
    Warning,
    /// Must be fixed before starting.
    NotMet,
    /// We can't tell; the person checks it themselves.
    Unknown,
    /// Something to do or know, not something we can check.
    Todo,
    /// Worth knowing about this device, but nothing that stops the recommended steps.
    Advice,
}

impl CheckStatus {
    /// The name used in CSS classes and data attributes.
    pub fn as_str(self) -> &'static str {
        match self {
            CheckStatus::Met => "met",
            CheckStatus::Warning => "warning",
            CheckStatus::NotMet => "not_met",
            CheckStatus::Unknown => "unknown",
            CheckStatus::Todo => "todo",
            CheckStatus::Advice => "advice",
        }
    }
}

/// One prerequisite, with its verdict for this visitor.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Prerequisite {
    /// Stable id (`authenticator`, `os_version`, `browser`, `tenant_policy`).
    pub id: &'static str,
    /// The verdict.
    pub status: CheckStatus,
    /// Short title ("iOS 17 or later (17.4 or later recommended)").
    pub title: String,
    /// What we found / what it means.
    pub detail: String,
    /// What to do about it, when something is to be done.
    pub fix: Option<String>,
}

/// A mock-up of the screen a step shows (drawn as inline SVG in the company's colours).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Screen {
    /// Authenticator's work account, with "Create a passkey".
    AuthenticatorAccount,
    /// The company's (or Microsoft's) sign-in page with the company logo.
    SignIn,
    /// iOS 17: Settings → Passwords → Password Options.
    ProviderIos17,
    /// iOS 18 and later: Settings → General → AutoFill & Passwords, "AutoFill From".
    ProviderIos18,
    /// Android: Passwords & accounts, Authenticator on under "Additional providers".
    ProviderAndroid,
    /// Samsung: Passwords, passkeys and autofill, Authenticator on under "Additional providers".
    ProviderSamsung,
    /// The account in Authenticator listing "Passkey", with "Done".
    AccountPasskey,
    /// Security info's "+ Add sign-in method" with "Passkey in Microsoft Authenticator".
    SecurityInfo,
    /// Security info handing over to Authenticator ("Next", "Having trouble?").
    SecurityInfoHandoff,
    /// The computer's own passkey window offering "iPhone, iPad, or Android device".
    OtherDeviceWindow,
    /// The phone confirming it’s you (face, fingerprint or screen lock), drawn for any phone.
    Biometric,
    /// A QR code in the phone's camera.
    QrCode,
    /// Security info's "Passkey created" with "Done".
    Done,
}

impl Screen {
    /// The mock-up's name (data attribute and drawing selector).
    pub fn as_str(self) -> &'static str {
        match self {
            Screen::AuthenticatorAccount => "authenticator_account",
            Screen::SignIn => "sign_in",
            Screen::ProviderIos17 => "provider_ios17",
            Screen::ProviderIos18 => "provider_ios18",
            Screen::ProviderAndroid => "provider_android",
            Screen::ProviderSamsung => "provider_samsung",
            Screen::AccountPasskey => "account_passkey",
            Screen::SecurityInfo => "security_info",
            Screen::SecurityInfoHandoff => "security_info_handoff",
            Screen::OtherDeviceWindow => "other_device_window",
            Screen::Biometric => "biometric",
            Screen::QrCode => "qr_code",
            Screen::Done => "done",
        }
    }
}

/// Where a mock-up's screen is: the phone, or the computer the visitor starts on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ScreenOn {
    /// A phone (drawn in the shown tab's style).
    Phone,
    /// A computer's browser or its own window.
    Computer,
}

/// A step's mock-up: which screen, on which device.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Mockup {
    /// The screen drawn.
    pub screen: Screen,
    /// Where it is.
    pub on: ScreenOn,
}

impl Mockup {
    /// Whether the screen is the computer's (drawn as a monitor, not a phone).
    pub fn on_computer(&self) -> bool {
        self.on == ScreenOn::Computer
    }
}

/// One case of a step ("Your work account is already there:" → "tap the account, …").
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StepCase {
    /// When it applies.
    pub when: String,
    /// What to do then.
    pub then: String,
}

/// One step.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Step {
    /// What to do, short and imperative.
    pub title: String,
    /// More detail, when needed.
    pub detail: Option<String>,
    /// Alternatives by what the person sees, most common first.
    pub cases: Vec<StepCase>,
    /// A mock-up of what the screen looks like.
    pub mockup: Option<Mockup>,
    /// Where the step comes from.
    pub sources: &'static [Source],
    /// The step scans the page's own QR code: a page that can't draw one leaves it out.
    pub scans_page_qr: bool,
}

impl Step {
    /// The screen of its mock-up, if it has one.
    pub fn screen(&self) -> Option<Screen> {
        self.mockup.map(|mockup| mockup.screen)
    }
}

/// What a path is to the visitor.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PathRole {
    /// The way to do it.
    Recommended,
    /// Another way that works as well.
    Alternative,
    /// Only when the others fail.
    Fallback,
}

/// A way to get there (Microsoft's in-app path first, the browser path second).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StepPath {
    /// Stable id (`in_app`, `browser`, `continue_on_phone`, `security_info`, `cross_device`).
    pub id: &'static str,
    /// Title of the path.
    pub title: String,
    /// One or two sentences on when to use it.
    pub summary: String,
    /// Recommended, another way, or the fallback.
    pub role: PathRole,
    /// The steps in order.
    pub steps: Vec<Step>,
}

impl StepPath {
    /// Whether this is the recommended path.
    pub fn recommended(&self) -> bool {
        self.role == PathRole::Recommended
    }

    /// Whether this is the fallback.
    pub fn fallback(&self) -> bool {
        self.role == PathRole::Fallback
    }
}

/// A common error with its cause and fix.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Trouble {
    /// Stable id (used for the adoption counters of troubleshooting opens).
    pub id: &'static str,
    /// What the person sees.
    pub symptom: String,
    /// What it means.
    pub meaning: String,
    /// What to do.
    pub fix: String,
    /// Where the entry comes from.
    pub sources: &'static [Source],
}

/// A titled block of paragraphs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Section {
    /// Heading.
    pub title: String,
    /// Paragraphs (plain text).
    pub paragraphs: Vec<String>,
    /// Where the paragraphs come from.
    pub sources: Vec<Source>,
}

/// One device tab.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Tab {
    /// The walkthrough it shows.
    pub kind: WalkthroughKind,
    /// Its label ("iPhone").
    pub label: String,
    /// Whether it is the one shown.
    pub selected: bool,
    /// Whether it is what we detected.
    pub detected: bool,
}

/// Everything one walkthrough page says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Walkthrough {
    /// The walkthrough shown.
    pub shown: WalkthroughKind,
    /// What device detection suggested.
    pub detected: WalkthroughKind,
    /// The company name as people know it.
    pub company: String,
    /// Page headline.
    pub headline: String,
    /// One or two sentences under the headline.
    pub lead: String,
    /// IT's own message, plain text, when the admin wrote one.
    pub intro_message: Option<String>,
    /// The device tabs, in a fixed order.
    pub tabs: Vec<Tab>,
    /// Notes about the detected device (e.g. "open this in Safari").
    pub notices: Vec<String>,
    /// Before you start.
    pub prerequisites: Vec<Prerequisite>,
    /// Whether a prerequisite blocks starting now.
    pub blocked: bool,
    /// The ways to set it up, recommended first.
    pub paths: Vec<StepPath>,
    /// Device-bound vs synced advice, following the tenant's policy.
    pub passkey_choice: Section,
    /// The federated IdP sign-in note, when the domain is federated.
    pub federation_note: Option<String>,
    /// Full address of the cloud's security-info page.
    pub security_info_url: String,
    /// Short form of it for print and speech (e.g. `aka.ms/mysecurityinfo`).
    pub security_info_short: String,
    /// Common errors for this device.
    pub troubleshooting: Vec<Trouble>,
    /// Helpdesk lines ("Email it@contoso.com"), when the admin set a contact.
    pub helpdesk: Option<Helpdesk>,
    /// The "Done" confirmation.
    pub done: Section,
    /// The printed poster: what a wall or a desk needs to get people started.
    pub poster: Poster,
    /// "Steps checked against Microsoft's documentation on …".
    pub checked_on: String,
    /// Every source the page's steps, entries and sections name, each once, in a fixed order.
    pub sources: Vec<Source>,
}

/// The landing page's general guide: each device's walkthrough for no tenant in particular, and
/// every troubleshooting entry once.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Guide {
    /// iPhone, Android, Samsung Galaxy and computer, in the tabs' order.
    pub devices: Vec<Walkthrough>,
    /// The entries of all devices, each once, in the words that fit every phone.
    pub troubleshooting: Vec<Trouble>,
    /// "Steps checked against Microsoft's documentation on …".
    pub checked_on: String,
}

/// The one-page poster the print stylesheet turns the page into.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Poster {
    /// Big headline.
    pub title: String,
    /// One sentence on why.
    pub lead: String,
    /// Under the QR code.
    pub scan_caption: String,
    /// Three short steps, for every phone.
    pub steps: Vec<String>,
    /// What the phone needs.
    pub requirement: String,
    /// Who to ask, when the admin set a helpdesk ("Questions? it@contoso.com · +1 …").
    pub help: Option<String>,
}
