//! The walkthrough: what an employee reads, built from tenant profile × device × tenant settings.
//!
//! Content lives here, typed; templates only lay it out. Every user-visible string is in
//! `text.rs`, ready for translation. `Walkthrough::build` is pure (no I/O) and unit-tested.

mod build;
pub mod text;

use serde::Serialize;

pub use crate::device::WalkthroughKind;

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
    /// Short title ("iOS 17.4 or later").
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
    /// Authenticator's account list with the + button.
    AuthenticatorAdd,
    /// The company's (or Microsoft's) sign-in page with the company logo.
    SignIn,
    /// Settings: choose Authenticator as passkey provider.
    ProviderSettings,
    /// The system sheet that saves a passkey.
    PasskeySheet,
    /// Face ID / fingerprint confirmation.
    Biometric,
    /// The security-info page with "Add sign-in method".
    SecurityInfo,
    /// The QR code to continue on a phone.
    QrCode,
    /// The green tick: passkey created.
    Done,
}

impl Screen {
    /// The mock-up's name (data attribute and drawing selector).
    pub fn as_str(self) -> &'static str {
        match self {
            Screen::AuthenticatorAdd => "authenticator_add",
            Screen::SignIn => "sign_in",
            Screen::ProviderSettings => "provider_settings",
            Screen::PasskeySheet => "passkey_sheet",
            Screen::Biometric => "biometric",
            Screen::SecurityInfo => "security_info",
            Screen::QrCode => "qr_code",
            Screen::Done => "done",
        }
    }
}

/// One step.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Step {
    /// What to do, short and imperative.
    pub title: String,
    /// More detail, when needed.
    pub detail: Option<String>,
    /// A mock-up of what the screen looks like.
    pub screen: Option<Screen>,
}

/// A way to get there (Microsoft's in-app path first, the browser path second).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StepPath {
    /// Stable id (`in_app`, `browser`, `continue_on_phone`, `cross_device`).
    pub id: &'static str,
    /// Title of the path.
    pub title: String,
    /// One sentence on when to use it.
    pub summary: String,
    /// Whether this is the recommended path.
    pub recommended: bool,
    /// The steps in order.
    pub steps: Vec<Step>,
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
}

/// A titled block of paragraphs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Section {
    /// Heading.
    pub title: String,
    /// Paragraphs (plain text).
    pub paragraphs: Vec<String>,
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
    pub security_info_url: &'static str,
    /// Short form of it for print and speech (e.g. `aka.ms/mysecurityinfo`).
    pub security_info_short: &'static str,
    /// Common errors for this device.
    pub troubleshooting: Vec<Trouble>,
    /// Helpdesk lines ("Email it@contoso.com"), when the admin set a contact.
    pub helpdesk: Option<Helpdesk>,
    /// The "Done" confirmation.
    pub done: Section,
    /// The printed poster: what a wall or a desk needs to get people started.
    pub poster: Poster,
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
    /// Who to ask, when the admin set a helpdesk ("Questions? it@contoso.com · +1 …").
    pub help: Option<String>,
}
