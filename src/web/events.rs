//! The tenant page's two counting endpoints: `POST /t/{domain}/done` ("I've set up my passkey")
//! and `POST /t/{domain}/events` (a troubleshooting entry was opened, sent as a beacon), and the
//! counting cookie that ties them to a real page view.
//!
//! Both are anonymous: no session, and nothing about the visitor is stored — only a tenant's
//! counter is bumped (see `admin::adoption`). An event counts only when it brings the token of a
//! real page view (`admin::counting`): the walkthrough page sets it as a cookie scoped to the
//! tenant's page (`HttpOnly`, `SameSite=Strict`, two days), so the rendered page stays one shared,
//! cacheable page and the "Done" form works without JavaScript. Without a session there is no CSRF
//! token, so both refuse browser requests from other sites (`Sec-Fetch-Site`, else `Origin`) with
//! 403. Only domains already known as Entra tenants count: these endpoints never start a lookup.

use std::sync::Arc;

use askama::Template;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{Html, IntoResponse, Response};
use bytes::Bytes;
use url::Url;
use uuid::Uuid;

use crate::admin::adoption::{Event, TroubleKey, UnknownTroubleKey};
use crate::admin::counting::{NotCounted, ViewToken};
use crate::device::{UnknownWalkthrough, WalkthroughKind};
use crate::domain::DomainName;
use crate::profile::{DomainStatus, TenantProfile};
use crate::walkthrough::{ShownDevice, TenantSettings, Walkthrough};

use super::AppState;
use super::assets;
use super::error::AppError;
use super::pages::tenant_path;
use super::views::{DonePage, Layout};

/// Largest body either endpoint reads: the forms are a few dozen bytes.
pub const BODY_LIMIT: usize = 1024;

/// Why a counting request was refused (the visitor's or a script's mistake, never ours).
#[derive(Debug, thiserror::Error)]
pub enum EventRejection {
    /// A browser sent it from another site.
    #[error("this can only be sent from the walkthrough page itself, not from another site")]
    CrossSite,
    /// A required form field is missing or empty.
    #[error("the form is missing its `{0}` field")]
    MissingField(&'static str),
    /// `device` names no walkthrough.
    #[error(transparent)]
    UnknownDevice(#[from] UnknownWalkthrough),
    /// `key` names no troubleshooting entry.
    #[error(transparent)]
    UnknownTroubleKey(#[from] UnknownTroubleKey),
    /// `kind` is not an event this endpoint counts.
    #[error("unknown event kind: only `troubleshoot_open` is counted here")]
    UnknownKind,
    /// No token of a real page view came with it.
    #[error("not counted: {0}")]
    NotCounted(#[from] NotCounted),
}

impl EventRejection {
    /// The status it is answered with: 403 for another site, 400 for a malformed form.
    pub fn status(&self) -> StatusCode {
        match self {
            EventRejection::CrossSite | EventRejection::NotCounted(_) => StatusCode::FORBIDDEN,
            _ => StatusCode::BAD_REQUEST,
        }
    }

    /// Short headline for the HTML error page.
    pub fn heading(&self) -> &'static str {
        match self {
            EventRejection::CrossSite => "That came from another site",
            EventRejection::NotCounted(_) => "That wasn't counted",
            _ => "We couldn't understand that request",
        }
    }

    /// Stable machine-readable code.
    pub fn code(&self) -> &'static str {
        match self {
            EventRejection::CrossSite => "cross_site",
            EventRejection::MissingField(_) => "missing_field",
            EventRejection::UnknownDevice(_) => "unknown_device",
            EventRejection::UnknownTroubleKey(_) => "unknown_trouble_key",
            EventRejection::UnknownKind => "unknown_event_kind",
            EventRejection::NotCounted(NotCounted::NoToken) => "no_view_token",
            EventRejection::NotCounted(NotCounted::InvalidToken) => "invalid_view_token",
            EventRejection::NotCounted(NotCounted::OtherWalkthrough) => "other_walkthrough",
        }
    }
}

/// `POST /t/{domain}/done` with `device=<walkthrough>`: count a "Done" (with a page view's token)
/// and say what comes next. Whoever asks gets the page; only a real visit's "Done" counts.
pub async fn done(
    State(state): State<AppState>,
    Path(raw): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, AppError> {
    require_same_origin(&headers, &state.config.public_url)?;
    let domain = DomainName::parse(&raw)?;
    let kind: WalkthroughKind = form_value(&body, "device")?
        .parse()
        .map_err(EventRejection::from)?;
    let (tenant_id, profile) = known_tenant(&state, &domain).await?;
    let presented = presented_view_tokens(&headers, &state.config.public_url);
    let presented: Vec<&str> = presented.iter().map(String::as_str).collect();
    if let Err(not_counted) = state
        .adoption
        .page_event(tenant_id, Event::Done(kind), &presented)
    {
        tracing::debug!(%domain, %not_counted, "a Done was not counted");
    }

    // The same words as the page's "Done" section, for the device the visitor followed.
    let walkthrough = Walkthrough::build(
        &profile,
        &ShownDevice::unknown(),
        kind,
        &TenantSettings::default(),
        &state.config.security_info,
    );
    let mut layout = Layout::new(format!("You’re all set · {}", walkthrough.company));
    layout.brand_stylesheet = profile
        .shown_branding()
        .brand_color
        .as_deref()
        .and_then(assets::brand_stylesheet_url);
    let page = DonePage {
        layout,
        display_domain: domain.to_unicode(),
        back_url: format!("{}?device={}", tenant_path(&domain), kind.as_str()),
        security_info_url: walkthrough.security_info_url,
        security_info_short: walkthrough.security_info_short,
        company: walkthrough.company,
        what_next: walkthrough.done.paragraphs,
    };
    let mut response = Html(page.render()?).into_response();
    response
        .headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    Ok(response)
}

/// `POST /t/{domain}/events` with `kind=troubleshoot_open&key=<trouble key>`: count the opening
/// of a troubleshooting entry; 204 (also when this view already counted it), 403 without a page
/// view's token.
pub async fn events(
    State(state): State<AppState>,
    Path(raw): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<StatusCode, AppError> {
    require_same_origin(&headers, &state.config.public_url)?;
    let domain = DomainName::parse(&raw)?;
    if form_value(&body, "kind")? != "troubleshoot_open" {
        return Err(EventRejection::UnknownKind.into());
    }
    let key: TroubleKey = form_value(&body, "key")?
        .parse()
        .map_err(EventRejection::from)?;
    let (tenant_id, _) = known_tenant(&state, &domain).await?;
    let presented = presented_view_tokens(&headers, &state.config.public_url);
    let presented: Vec<&str> = presented.iter().map(String::as_str).collect();
    state
        .adoption
        .page_event(tenant_id, Event::TroubleshootOpen(key), &presented)
        .map_err(EventRejection::from)?;
    Ok(StatusCode::NO_CONTENT)
}

/// Whether a request is a top-level navigation a person made: `Sec-Fetch-Dest: document` (not an
/// image, frame or script fetch), and not announced as a prefetch or prerender.
pub fn is_top_level_navigation(headers: &HeaderMap) -> bool {
    let document = headers
        .get("sec-fetch-dest")
        .is_some_and(|dest| dest.as_bytes().eq_ignore_ascii_case(b"document"));
    let speculative = ["sec-purpose", "purpose", "x-moz"].iter().any(|name| {
        headers.get_all(*name).iter().any(|value| {
            let value = value.to_str().unwrap_or_default().to_ascii_lowercase();
            value.contains("prefetch") || value.contains("prerender")
        })
    });
    document && !speculative
}

/// The counting cookie's name: `__Secure-` prefixed (and `Secure`) behind an https public URL.
fn view_cookie_name(public_url: &Url) -> &'static str {
    if public_url.scheme() == "https" {
        "__Secure-aw_view"
    } else {
        "aw_view"
    }
}

/// Most counting cookies read from one request (one per path at most, in practice).
const MAX_PRESENTED_TOKENS: usize = 4;

/// The counting tokens a request brings (most specific path first, as browsers send them).
pub fn presented_view_tokens(headers: &HeaderMap, public_url: &Url) -> Vec<String> {
    let name = view_cookie_name(public_url);
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .filter(|(key, _)| *key == name)
        .map(|(_, value)| value.trim().to_owned())
        .take(MAX_PRESENTED_TOKENS)
        .collect()
}

/// The `Set-Cookie` that hands a page view's token to the browser: only the tenant's page and its
/// counting endpoints see it, no script reads it, no other site sends it.
pub fn view_cookie(
    token: &ViewToken,
    domain: &DomainName,
    public_url: &Url,
) -> Option<HeaderValue> {
    let secure = if public_url.scheme() == "https" {
        "; Secure"
    } else {
        ""
    };
    let cookie = format!(
        "{}={}; Path={}; Max-Age={VIEW_COOKIE_SECONDS}; HttpOnly; SameSite=Strict{secure}",
        view_cookie_name(public_url),
        token.as_str(),
        tenant_path(domain),
    );
    HeaderValue::from_str(&cookie).ok()
}

/// How long the counting cookie lives: its token is valid on its day and the next.
const VIEW_COOKIE_SECONDS: u64 = 2 * 24 * 3600;

/// Refuse what a browser sent from another site. `Sec-Fetch-Site` decides when present (only
/// `same-origin` passes); otherwise an `Origin` must be ours (the public URL, or the `Host` the
/// request came to). A request with neither is no cross-site browser request and passes.
fn require_same_origin(headers: &HeaderMap, public_url: &Url) -> Result<(), EventRejection> {
    if let Some(site) = headers.get("sec-fetch-site") {
        return match site.as_bytes() {
            b"same-origin" => Ok(()),
            _ => Err(EventRejection::CrossSite),
        };
    }
    let Some(origin) = headers.get(header::ORIGIN) else {
        return Ok(());
    };
    let origin = origin.to_str().map_err(|_| EventRejection::CrossSite)?;
    let ours = public_url.origin().ascii_serialization();
    let to_this_host = headers
        .get(header::HOST)
        .and_then(|host| host.to_str().ok())
        .zip(origin.split_once("://"))
        .is_some_and(|(host, (_, authority))| authority.eq_ignore_ascii_case(host));
    if origin.eq_ignore_ascii_case(&ours) || to_this_host {
        Ok(())
    } else {
        Err(EventRejection::CrossSite)
    }
}

/// The first non-empty value of `name` in a URL-encoded form body.
fn form_value(body: &[u8], name: &'static str) -> Result<String, EventRejection> {
    url::form_urlencoded::parse(body)
        .find(|(key, _)| key == name)
        .map(|(_, value)| value.trim().to_owned())
        .filter(|value| !value.is_empty())
        .ok_or(EventRejection::MissingField(name))
}

/// The tenant of a domain we already know as an Entra domain (memory, else the store); 404 for
/// anything else. Never starts a lookup: a counter is no reason to contact Microsoft.
async fn known_tenant(
    state: &AppState,
    domain: &DomainName,
) -> Result<(Uuid, Arc<TenantProfile>), AppError> {
    let profile = match state.discovery.cached(domain).await {
        Some(profile) => Some(profile),
        None => state.store.load_profile(domain).await?.map(Arc::new),
    };
    let profile = profile
        .filter(|profile| profile.status == DomainStatus::Entra)
        .ok_or(AppError::NotFound)?;
    let tenant_id = profile
        .tenant
        .as_ref()
        .map(|tenant| tenant.tenant_id)
        .ok_or(AppError::NotFound)?;
    Ok((tenant_id, profile))
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, reason = "tests")]

    use super::*;

    fn headers(pairs: &[(&'static str, &'static str)]) -> HeaderMap {
        let mut headers = HeaderMap::new();
        for (name, value) in pairs {
            headers.insert(*name, HeaderValue::from_static(value));
        }
        headers
    }

    #[test]
    fn only_same_origin_browser_requests_pass() {
        let ours = Url::parse("https://authwalk.example").unwrap();
        let check = |pairs| require_same_origin(&headers(pairs), &ours).is_ok();
        assert!(check(&[("sec-fetch-site", "same-origin")]));
        assert!(!check(&[("sec-fetch-site", "cross-site")]));
        assert!(!check(&[("sec-fetch-site", "same-site")]));
        assert!(!check(&[("sec-fetch-site", "none")]));
        // Sec-Fetch-Site decides even when Origin looks like ours.
        assert!(!check(&[
            ("sec-fetch-site", "cross-site"),
            ("origin", "https://authwalk.example")
        ]));
        assert!(check(&[("origin", "https://authwalk.example")]));
        assert!(check(&[("origin", "https://AUTHWALK.example")]));
        assert!(!check(&[("origin", "https://evil.example")]));
        assert!(!check(&[("origin", "null")]));
        assert!(!check(&[("origin", "http://authwalk.example")]));
        // Behind a proxy that keeps the Host, the Host names us too.
        assert!(check(&[
            ("origin", "http://10.0.0.5:3000"),
            ("host", "10.0.0.5:3000")
        ]));
        assert!(!check(&[
            ("origin", "https://evil.example"),
            ("host", "10.0.0.5:3000")
        ]));
        // Not a browser's cross-site request.
        assert!(check(&[]));
    }

    #[test]
    fn form_values_are_required_and_trimmed() {
        assert_eq!(form_value(b"device=ios", "device").unwrap(), "ios");
        assert_eq!(
            form_value(b"kind=troubleshoot_open&key=biometric_failed", "key").unwrap(),
            "biometric_failed"
        );
        assert_eq!(form_value(b"device=%20ios%20", "device").unwrap(), "ios");
        assert!(matches!(
            form_value(b"device=", "device"),
            Err(EventRejection::MissingField("device"))
        ));
        assert!(matches!(
            form_value(b"", "key"),
            Err(EventRejection::MissingField("key"))
        ));
    }
}
