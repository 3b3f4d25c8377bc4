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
    /// The general guide's steps and troubleshooting (the walkthrough's content, no tenant).
    pub guide: crate::walkthrough::Guide,
}

impl LandingPage {
    /// The guide's anchor for a device (`#iphone`, `#android`, `#samsung`, `#computer`).
    pub fn anchor(&self, kind: &crate::walkthrough::WalkthroughKind) -> &'static str {
        match kind {
            crate::walkthrough::WalkthroughKind::Ios => "iphone",
            crate::walkthrough::WalkthroughKind::Android => "android",
            crate::walkthrough::WalkthroughKind::Samsung => "samsung",
            crate::walkthrough::WalkthroughKind::Desktop => "computer",
        }
    }

    /// A device's heading in the guide.
    pub fn device_title(&self, kind: &crate::walkthrough::WalkthroughKind) -> &'static str {
        crate::walkthrough::text::guide_title(*kind)
    }
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
    /// The OS version as the page prints it ("17.3", "18", "26 or later"), empty when unknown.
    pub os_version: String,
    /// `met`, `update_recommended`, `not_met`, `unknown`, `not_applicable`.
    pub os_check: &'static str,
    /// `true` or `false`.
    pub in_app: bool,
}

/// The company's colour on a printed poster. Drawn as SVG fills (presentation attributes, which
/// the CSP allows), because the brand stylesheet is for screens only and print has no tenant CSS.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PosterColours {
    /// The band and the step numbers (`#RRGGBB`): the brand's button colour on white paper.
    pub fill: String,
    /// Digits and words on `fill`: white or near-black, whichever contrasts more.
    pub text: String,
}

impl PosterColours {
    /// The colours for `brand_hex` (`#RRGGBB`), or the product's blue without a usable one.
    pub fn for_brand(brand_hex: Option<&str>) -> Self {
        use crate::branding::palette::{Palette, Rgb};
        let brand = brand_hex.and_then(Rgb::parse_hex).unwrap_or(Rgb {
            r: 0x0f,
            g: 0x62,
            b: 0xc4,
        });
        let scheme = Palette::from_brand(brand).light;
        Self {
            fill: scheme.button.to_hex(),
            text: scheme.button_text.to_hex(),
        }
    }
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
    /// The page's own headings, badges and buttons.
    pub labels: &'static crate::walkthrough::text::PageLabels,
    /// The company's colour on the printed poster.
    pub poster_colours: PosterColours,
    /// The words inside the screen mock-ups.
    pub mock: &'static crate::walkthrough::text::MockupLabels,
}

impl TenantPage {
    /// CSS class suffix and visible word for a check status.
    pub fn status_word(&self, status: &CheckStatus) -> &'static str {
        crate::walkthrough::text::status_word(*status)
    }

    /// A source as the page lists it (publisher, title, revision date).
    pub fn source_line(&self, source: &crate::walkthrough::Source) -> String {
        crate::walkthrough::text::source_line(*source)
    }

    /// The sharing section's sentence.
    pub fn share_sentence(&self) -> String {
        crate::walkthrough::text::share_sentence(&self.walkthrough.company)
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
    pub security_info_url: String,
    /// Its short form.
    pub security_info_short: String,
}

// --- end adoption ---

// --- admin ---

/// What the admin navigation (`templates/admin/nav.html`) needs on every signed-in page.
#[derive(Debug, Clone)]
pub struct AdminNav {
    /// The session's CSRF token (the sign-out form).
    pub csrf: String,
    /// The company name.
    pub company: String,
    /// The domain signed in with (as people read it): the session's rights cover it and its
    /// subdomains.
    pub domain: String,
    /// The scope the page works on (as people read it).
    pub scope: String,
    /// `?scope=…` that keeps the scope across the navigation's links (empty for the own domain).
    pub scope_query: String,
    /// Which page is showing (`dashboard`, `settings`, `logo`, `kit`).
    pub current: &'static str,
}

impl AdminNav {
    /// `aria-current="page"` for the current page's link.
    pub fn current_attr(&self, name: &str) -> &'static str {
        if self.current == name {
            "page"
        } else {
            "false"
        }
    }
}

/// `GET /admin` without a session: the domain form that starts a DNS challenge.
#[derive(Debug, Template)]
#[template(path = "admin/signin.html")]
pub struct AdminSignInPage {
    /// Shared layout data.
    pub layout: Layout,
    /// The domain as typed (echoed back).
    pub domain: String,
    /// Why the domain was refused.
    pub error: Option<String>,
    /// The sign-in CSRF token.
    pub csrf: String,
}

/// The DNS challenge to publish (right after issuing) or the result of a failed check.
#[derive(Debug, Template)]
#[template(path = "admin/challenge.html")]
pub struct AdminChallengePage {
    /// Shared layout data.
    pub layout: Layout,
    /// The normalised domain (form value).
    pub domain: String,
    /// The domain as people read it.
    pub display_domain: String,
    /// Where the TXT record goes.
    pub record_name: String,
    /// The record's value: shown only once, when issued.
    pub record_value: Option<String>,
    /// When the challenge expires (RFC 3339), when just issued.
    pub expires: Option<String>,
    /// Why the check failed.
    pub error: Option<String>,
    /// The sign-in CSRF token.
    pub csrf: String,
}

/// `GET /admin/link/{token}`: confirm signing in with an admin link, or why it can't be used.
#[derive(Debug, Template)]
#[template(path = "admin/link.html")]
pub struct AdminLinkPage {
    /// Shared layout data.
    pub layout: Layout,
    /// The domain the link is for, when it works.
    pub domain: Option<String>,
    /// The link's token (form action), empty when refused.
    pub token: String,
    /// The sign-in CSRF token.
    pub csrf: String,
    /// Why the link can't be used.
    pub error: Option<String>,
}

/// `GET /admin` signed in: the tenant's overview.
#[derive(Debug, Template)]
#[template(path = "admin/dashboard.html")]
pub struct AdminDashboardPage {
    /// Shared layout data.
    pub layout: Layout,
    /// Navigation.
    pub nav: AdminNav,
    /// How the session's own domain was proven.
    pub rights_method: &'static str,
    /// The tenant's verified domains (grants), with what this admin may do to each.
    pub domains: Vec<DomainRow>,
    /// The tenant's live admin sessions, with what this admin may do to each.
    pub sessions: Vec<SessionRow>,
    /// The latest removals: who ended which session or removed which domain, and when.
    pub revocations: Vec<RevocationLine>,
    /// The scopes this admin may change (its domain and those below it).
    pub scopes: Vec<ScopeChoice>,
    /// The one link for employees.
    pub share_url: String,
    /// Whether an admin logo is published.
    pub has_logo: bool,
    /// Whether an uploaded logo awaits publishing.
    pub has_pending_logo: bool,
    /// The colour override.
    pub brand_color: Option<String>,
    /// Whether a helpdesk contact is set.
    pub has_helpdesk: bool,
    /// The settings version.
    pub version: i64,
    /// The sign-in forms' CSRF token (verifying another domain).
    pub sign_in_csrf: String,
    /// The last 30 days' chart (our own SVG markup).
    pub adoption_chart: String,
    /// Visits and confirmations per device class over the 30 days.
    pub adoption_rows: Vec<AdoptionRow>,
    /// All visits, confirmations, prerequisite failures and troubleshooting opens (small counts
    /// hidden).
    pub adoption_totals: crate::admin::adoption::ReportFigures,
    /// Each prerequisite failure and troubleshooting entry seen, with its figure (most first).
    pub adoption_problems: Vec<(String, crate::admin::adoption::Figure)>,
}

/// One device class's line of the dashboard's adoption table.
#[derive(Debug, Clone)]
pub struct AdoptionRow {
    /// The device class as people say it.
    pub label: &'static str,
    /// Walkthroughs shown (small counts hidden).
    pub views: crate::admin::adoption::Figure,
    /// "Done" confirmations (small counts hidden).
    pub done: crate::admin::adoption::Figure,
}

/// One verified domain (grant) of the tenant on the overview page.
#[derive(Debug, Clone)]
pub struct DomainRow {
    /// The normalised domain (form value).
    pub domain: String,
    /// As people read it.
    pub shown: String,
    /// How it was proven.
    pub method: &'static str,
    /// When (RFC 3339).
    pub verified_at: String,
    /// The domain of the admin who approved it.
    pub approved_by: Option<String>,
    /// Whether it waits for an existing admin's approval.
    pub pending: bool,
    /// Whether it is the domain this admin signed in with.
    pub yours: bool,
    /// Whether this admin may remove it (it is within their rights).
    pub can_revoke: bool,
    /// Whether this admin may approve or refuse it.
    pub can_decide: bool,
}

/// One removal on the overview page.
#[derive(Debug, Clone)]
pub struct RevocationLine {
    /// When (RFC 3339).
    pub at: String,
    /// Who did what, as a sentence.
    pub what: String,
}

/// One live admin session of the tenant on the overview page.
#[derive(Debug, Clone)]
pub struct SessionRow {
    /// The id the revoke form names.
    pub public_id: String,
    /// The domain it proved (as people read it).
    pub domain: String,
    /// How it signed in.
    pub method: &'static str,
    /// When it signed in (RFC 3339).
    pub signed_in_at: String,
    /// Its last request (RFC 3339).
    pub last_seen_at: String,
    /// Whether it is this browser's own session.
    pub this_browser: bool,
    /// Whether this admin may end it (its domain is within their rights).
    pub can_revoke: bool,
}

/// A scope an admin page can switch to.
#[derive(Debug, Clone)]
pub struct ScopeChoice {
    /// The domain as people read it.
    pub label: String,
    /// The page for that scope.
    pub href: String,
    /// Whether the page shows it now.
    pub current: bool,
}

/// `GET /admin` for an admin whose sibling domain waits for approval.
#[derive(Debug, Template)]
#[template(path = "admin/awaiting.html")]
pub struct AdminAwaitingPage {
    /// Shared layout data.
    pub layout: Layout,
    /// The proven domain, as people read it.
    pub domain: String,
    /// The tenant's domains whose admins can approve it.
    pub approvers: Vec<String>,
    /// The session's CSRF token (the sign-out form).
    pub csrf: String,
}

/// `GET /admin/settings`: the settings form.
#[derive(Debug, Template)]
#[template(path = "admin/settings.html")]
pub struct AdminSettingsPage {
    /// Shared layout data.
    pub layout: Layout,
    /// Navigation.
    pub nav: AdminNav,
    /// The scope the form saves (normalised domain).
    pub scope: String,
    /// The scopes this admin may change.
    pub scopes: Vec<ScopeChoice>,
    /// When the scope has no settings of its own: the scope its pages show now.
    pub inherited_from: Option<String>,
    /// Whether the scope has settings of its own (they can be removed).
    pub has_own_settings: bool,
    /// The version the form is loaded at.
    pub version: i64,
    /// The values shown (stored, or as typed when refused).
    pub form: crate::admin::settings::SettingsForm,
    /// A message beside each refused field.
    pub errors: crate::admin::settings::FieldErrors,
    /// Whether the form was just saved.
    pub saved: bool,
    /// What someone else saved meanwhile, beside what was typed (409).
    pub conflict: Option<SettingsConflict>,
    /// Why nothing was saved, when it is not a field's fault.
    pub failure: Option<String>,
}

/// A save refused because someone else saved first: each field that differs, both ways.
#[derive(Debug, Clone, Default)]
pub struct SettingsConflict {
    /// (field label, what is stored now, what was typed).
    pub fields: Vec<(&'static str, String, String)>,
}

impl SettingsConflict {
    /// The fields where what is stored (`theirs`) and what was typed (`yours`) differ.
    pub fn between(
        theirs: &crate::admin::settings::SettingsForm,
        yours: &crate::admin::settings::SettingsForm,
    ) -> Self {
        let pairs = [
            ("Brand colour", &theirs.brand_color, &yours.brand_color),
            (
                "Passkey policy",
                &theirs.passkey_policy,
                &yours.passkey_policy,
            ),
            (
                "Helpdesk email",
                &theirs.helpdesk_email,
                &yours.helpdesk_email,
            ),
            (
                "Helpdesk phone",
                &theirs.helpdesk_phone,
                &yours.helpdesk_phone,
            ),
            (
                "Helpdesk web page",
                &theirs.helpdesk_url,
                &yours.helpdesk_url,
            ),
            (
                "Message from IT",
                &theirs.intro_message,
                &yours.intro_message,
            ),
            ("Short link", &theirs.short_slug, &yours.short_slug),
        ];
        Self {
            fields: pairs
                .into_iter()
                .filter(|(_, theirs, yours)| theirs.trim() != yours.trim())
                .map(|(label, theirs, yours)| (label, theirs.clone(), yours.clone()))
                .collect(),
        }
    }
}

impl AdminSettingsPage {
    /// `checked` for the chosen policy's radio button.
    pub fn policy_checked(&self, policy: &str) -> bool {
        let chosen = if self.form.passkey_policy.is_empty() {
            "authenticator_only"
        } else {
            self.form.passkey_policy.as_str()
        };
        chosen == policy
    }
}

/// `GET /admin/logo`: logos and the upload form.
#[derive(Debug, Template)]
#[template(path = "admin/logo.html")]
pub struct AdminLogoPage {
    /// Shared layout data.
    pub layout: Layout,
    /// Navigation.
    pub nav: AdminNav,
    /// The scope whose logo the forms change (normalised domain).
    pub scope: String,
    /// The scopes this admin may change.
    pub scopes: Vec<ScopeChoice>,
    /// The scope's own published logo.
    pub published_logo_url: Option<String>,
    /// Without one: the logo its pages show from the scope above, and that scope.
    pub inherited_logo: Option<(String, String)>,
    /// The uploaded preview.
    pub pending_logo_url: Option<String>,
    /// The preview's SHA-256 (what "Publish" and "Discard" name).
    pub pending_logo_sha256: String,
    /// The logo from Entra or the website (shown without an admin logo).
    pub automatic_logo_url: Option<String>,
    /// Why the last upload or change was refused.
    pub error: Option<String>,
    /// The upload limit in MiB.
    pub max_megabytes: usize,
}

/// `GET /admin/kit`: the rollout kit.
#[derive(Debug, Template)]
#[template(path = "admin/kit.html")]
pub struct AdminKitPage {
    /// Shared layout data.
    pub layout: Layout,
    /// Navigation.
    pub nav: AdminNav,
    /// The email's subject.
    pub subject: String,
    /// The email as plain text.
    pub text_email: String,
    /// The email as HTML source.
    pub html_email: String,
    /// The one link.
    pub share_url: String,
    /// The link's QR code (our own SVG markup).
    pub qr_svg: Option<std::sync::Arc<str>>,
    /// Advice for the admin.
    pub advice: Vec<&'static str>,
}

/// `GET /admin/kit/poster`: the printable poster.
#[derive(Debug, Template)]
#[template(path = "admin/poster.html")]
pub struct AdminPosterPage {
    /// Shared layout data.
    pub layout: Layout,
    /// The company name.
    pub company: String,
    /// The logo pages show.
    pub logo_url: Option<String>,
    /// The one link.
    pub share_url: String,
    /// Its QR code (our own SVG markup).
    pub qr_svg: Option<std::sync::Arc<str>>,
    /// What the poster says (the walkthrough's poster: title, three steps, requirement, help).
    pub poster: crate::walkthrough::Poster,
    /// The company's colour on it.
    pub colours: PosterColours,
    /// The poster page's own words.
    pub labels: &'static crate::walkthrough::text::PosterPageLabels,
}

/// The announcement email as plain text (`templates/emails/announcement.txt`, not escaped).
#[derive(Debug, Template)]
#[template(path = "emails/announcement.txt")]
pub struct AnnouncementText {
    /// What it says.
    pub email: crate::admin::kit::Announcement,
}

/// The announcement email as HTML (`templates/emails/announcement.html`, escaped).
#[derive(Debug, Template)]
#[template(path = "emails/announcement.html")]
pub struct AnnouncementHtml {
    /// What it says.
    pub email: crate::admin::kit::Announcement,
}
