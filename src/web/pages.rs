//! HTML pages and probes. Handlers are thin: extract, call the module that owns the rule, render.

use askama::Template;
use axum::extract::{RawQuery, State};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Redirect, Response};

use crate::domain::DomainName;

use super::AppState;
use super::error::AppError;
use super::views::{LandingPage, Layout};

/// Longest raw form value we echo back into the domain field.
const ECHO_LIMIT: usize = 256;

/// `GET /`: the domain form and the generic guide.
pub async fn landing() -> Result<Html<String>, AppError> {
    let page = LandingPage {
        layout: Layout::new("Passkeys in Microsoft Authenticator, step by step · authwalk"),
        domain: String::new(),
        error: None,
    };
    Ok(Html(page.render()?))
}

/// `GET /t?domain=…`: the landing form's target; 303 to the canonical `/t/{domain}`.
///
/// A domain that cannot be valid re-shows the form with the reason beside the field (400), keeping
/// what the visitor typed so nothing is lost.
pub async fn lookup(RawQuery(query): RawQuery) -> Result<Response, AppError> {
    let typed = query
        .as_deref()
        .and_then(|query| {
            url::form_urlencoded::parse(query.as_bytes())
                .find(|(key, _)| key == "domain")
                .map(|(_, value)| value.into_owned())
        })
        .unwrap_or_default();
    match DomainName::parse(&typed) {
        Ok(domain) => Ok(Redirect::to(&tenant_path(&domain)).into_response()),
        Err(error) => {
            let page = LandingPage {
                layout: Layout::new("Check the domain · authwalk"),
                domain: typed.chars().take(ECHO_LIMIT).collect(),
                error: Some(error.to_string()),
            };
            Ok((StatusCode::BAD_REQUEST, Html(page.render()?)).into_response())
        }
    }
}

/// The canonical path of a tenant's walkthrough.
pub fn tenant_path(domain: &DomainName) -> String {
    format!("/t/{}", domain.as_str())
}

/// `GET /healthz`: the process is alive (no dependencies checked).
pub async fn healthz() -> &'static str {
    "ok\n"
}

/// `GET /readyz`: ready to serve — the database answers (503 when it does not).
pub async fn readyz(State(state): State<AppState>) -> Result<&'static str, AppError> {
    state.store.ping().await?;
    Ok("ready\n")
}
