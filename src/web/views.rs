//! Template structs, one per file in `templates/`. Auto-escaping is always on.

use askama::Template;

use super::assets;
use crate::walkthrough::{CheckStatus, Walkthrough};

/// Data every page's layout (`templates/base.html`) needs.
#[derive(Debug, Clone)]
pub struct Layout {
    /// The document title.
    pub title: String,
    /// The meta description.
    pub description: String,
    /// The per-brand stylesheet (tenant pages), loaded after ours.
    pub brand_stylesheet: Option<String>,
}

impl Layout {
    /// A layout with the given title and the product's default description.
    pub fn new(title: impl Into<String>) -> Self {
        Self {
            title: title.into(),
            description: "Step-by-step, device-aware instructions for setting up a passkey in \
                          Microsoft Authenticator, branded for your company."
                .into(),
            brand_stylesheet: None,
        }
    }

    /// The content-hashed URL of an embedded asset, e.g. `asset("app.css")`.
    pub fn asset(&self, logical_name: &str) -> &'static str {
        assets::url(logical_name)
    }
}

/// `GET /`: the domain form and the generic guide.
#[derive(Debug, Template)]
#[template(path = "landing.html")]
pub struct LandingPage {
    /// Shared layout data.
    pub layout: Layout,
    /// The value to put back into the domain field (what the visitor typed).
    pub domain: String,
    /// Why the typed domain was refused, shown beside the field.
    pub error: Option<String>,
}

/// Every error page (400, 404, 500, 503 ...), HTML routes only.
#[derive(Debug, Template)]
#[template(path = "error.html")]
pub struct ErrorPage {
    /// Shared layout data.
    pub layout: Layout,
    /// The HTTP status code.
    pub status: u16,
    /// A short headline ("We couldn't find that page").
    pub heading: String,
    /// What happened and what to do next.
    pub message: String,
}

/// What `<main>` carries about the detected device (for CSS, analytics and tests).
#[derive(Debug, Clone)]
pub struct DetectedAttributes {
    /// `ios`, `ipados`, `android`, `windows`, `macos`, `linux`, `chromeos`, `unknown`.
    pub platform: &'static str,
    /// `apple`, `samsung`, `google`, `other`, `unknown`.
    pub vendor: &'static str,
    /// The exact OS version, empty when unknown.
    pub os_version: String,
    /// `met`, `update_recommended`, `not_met`, `unknown`, `not_applicable`.
    pub os_check: &'static str,
    /// `true` or `false`.
    pub in_app: bool,
}

/// `GET /t/{domain}` for an Entra tenant: the branded walkthrough.
#[derive(Debug, Template)]
#[template(path = "tenant.html")]
pub struct TenantPage {
    /// Shared layout data.
    pub layout: Layout,
    /// The normalised domain (for links).
    pub domain: String,
    /// The domain as people read it.
    pub display_domain: String,
    /// Our copy of the company logo.
    pub logo_url: Option<String>,
    /// The walkthrough content.
    pub walkthrough: Walkthrough,
    /// What was detected.
    pub detected: DetectedAttributes,
    /// The page's shareable address.
    pub share_url: String,
    /// The QR code of `share_url` (our own SVG markup).
    pub qr_svg: Option<std::sync::Arc<str>>,
}

impl TenantPage {
    /// CSS class suffix and visible word for a check status.
    pub fn status_word(&self, status: &CheckStatus) -> &'static str {
        match status {
            CheckStatus::Met => "Ready",
            CheckStatus::Warning => "Update recommended",
            CheckStatus::NotMet => "Fix this first",
            CheckStatus::Unknown => "Check this",
            CheckStatus::Todo => "To do",
        }
    }

    /// The company's initial, for the logo tile of the mock-ups when there is no logo.
    pub fn company_initial(&self) -> String {
        self.walkthrough
            .company
            .chars()
            .find(|c| c.is_alphanumeric())
            .map_or_else(|| "?".to_owned(), |c| c.to_uppercase().collect())
    }

    /// The company name, shortened to fit a mock-up's account row.
    pub fn company_short(&self) -> String {
        short(&self.walkthrough.company, 16)
    }

    /// A sample work address for the mock-ups (`you@domain` when it fits).
    pub fn mock_email(&self) -> String {
        let email = format!("you@{}", self.display_domain);
        if email.chars().count() <= 24 {
            email
        } else {
            "Work account".to_owned()
        }
    }
}

/// `text` cut to `max` characters, with an ellipsis when cut.
fn short(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        text.to_owned()
    } else {
        let mut cut: String = text.chars().take(max.saturating_sub(1)).collect();
        cut.push('…');
        cut
    }
}

/// `GET /t/{domain}` when the domain has no Entra tenant, or Microsoft could not be reached.
#[derive(Debug, Template)]
#[template(path = "tenant_status.html")]
pub struct TenantStatusPage {
    /// Shared layout data.
    pub layout: Layout,
    /// The domain as people read it.
    pub display_domain: String,
    /// `not_entra` or `unreachable`.
    pub status: &'static str,
    /// Where "try again" goes.
    pub retry_url: String,
}

/// First visit to an unknown domain: the lookups as they finish, then the page.
#[derive(Debug, Template)]
#[template(path = "progress.html")]
pub struct ProgressPage {
    /// Shared layout data.
    pub layout: Layout,
    /// The domain as people read it.
    pub display_domain: String,
    /// (id, label, finished) per lookup, in order.
    pub steps: Vec<(&'static str, &'static str, bool)>,
    /// Server-Sent Events with progress (used by app.js).
    pub events_url: String,
    /// Where the page goes when the lookups are done (waits for the result).
    pub result_url: String,
}

// --- adoption ---

/// `POST /t/{domain}/done`: the "You're all set" page after someone confirmed their passkey.
#[derive(Debug, Template)]
#[template(path = "done.html")]
pub struct DonePage {
    /// Shared layout data.
    pub layout: Layout,
    /// The company name as people know it.
    pub company: String,
    /// The domain as people read it.
    pub display_domain: String,
    /// What success looks like and what happens at the next sign-in (the walkthrough's words).
    pub what_next: Vec<String>,
    /// The walkthrough the person followed.
    pub back_url: String,
    /// The cloud's security-info page.
    pub security_info_url: &'static str,
    /// Its short form.
    pub security_info_short: &'static str,
}

// --- end adoption ---
