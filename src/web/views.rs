//! Template structs, one per file in `templates/`. Auto-escaping is always on.

use askama::Template;

use super::assets;

/// Data every page's layout (`templates/base.html`) needs.
#[derive(Debug, Clone)]
pub struct Layout {
    /// The document title.
    pub title: String,
    /// The meta description.
    pub description: String,
}

impl Layout {
    /// A layout with the given title and the product's default description.
    pub fn new(title: impl Into<String>) -> Self {
        Self {
            title: title.into(),
            description: "Step-by-step, device-aware instructions for setting up a passkey in \
                          Microsoft Authenticator, branded for your company."
                .into(),
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
