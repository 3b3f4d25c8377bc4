//! HTML pages and probes. Handlers are thin: extract, call the module that owns the rule, render.

use std::convert::Infallible;
use std::sync::{Arc, LazyLock};
use std::time::Duration;

use askama::Template;
use axum::extract::{Path, RawQuery, State};
use axum::http::{HeaderMap, HeaderName, HeaderValue, StatusCode, header};
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::response::{Html, IntoResponse, Redirect, Response};
use futures_util::{Stream, StreamExt};
use tokio::sync::watch;

use crate::admin::Customization;
use crate::admin::counting::Client;
use crate::device::{self, InApp, WalkthroughKind};
use crate::discovery::{Lookup, PROGRESS_STREAM_LIMIT, Progress};
use crate::domain::DomainName;
use crate::profile::{BrandingSource, DomainStatus, ShownBranding, TenantProfile};
use crate::walkthrough::{Guide, ShownDevice, Walkthrough};

use super::AppState;
use super::assets;
use super::client_ip::ClientIp;
use super::error::AppError;
use super::events;
use super::page_cache::PageKey;
use super::views::{
    DetectedAttributes, LandingPage, Layout, PosterColours, ProgressPage, TenantPage,
    TenantStatusPage,
};

/// Longest raw form value we echo back into the domain field.
const ECHO_LIMIT: usize = 256;

/// `GET /`: the domain form and the generic guide (rendered and compressed once per process).
pub async fn landing(
    State(state): State<AppState>,
    headers: HeaderMap,
) -> Result<Response, AppError> {
    let page = state
        .rendered_pages
        .landing(|| {
            LandingPage {
                layout: Layout::new("Passkeys in Microsoft Authenticator, step by step · authwalk"),
                domain: String::new(),
                error: None,
                guide: Guide::new(&state.config.security_info),
            }
            .render()
        })
        .await?;
    Ok(page.respond(&headers, HeaderValue::from_static("no-cache")))
}

/// `GET /t?domain=…`: the landing form's target; 303 to the canonical `/t/{domain}`.
///
/// A domain that cannot be valid re-shows the form with the reason beside the field (400), keeping
/// what the visitor typed so nothing is lost.
pub async fn lookup(
    State(state): State<AppState>,
    RawQuery(query): RawQuery,
) -> Result<Response, AppError> {
    let typed = query_value(query.as_deref(), "domain").unwrap_or_default();
    match DomainName::parse(&typed) {
        Ok(domain) => Ok(Redirect::to(&tenant_path(&domain)).into_response()),
        Err(error) => {
            let page = LandingPage {
                layout: Layout::new("Check the domain · authwalk"),
                domain: typed.chars().take(ECHO_LIMIT).collect(),
                error: Some(error.to_string()),
                guide: Guide::new(&state.config.security_info),
            };
            Ok((StatusCode::BAD_REQUEST, Html(page.render()?)).into_response())
        }
    }
}

/// The first value of `key` in a raw query string (decoded), ignoring repeats.
fn query_value(query: Option<&str>, key: &str) -> Option<String> {
    url::form_urlencoded::parse(query?.as_bytes())
        .find(|(name, _)| name == key)
        .map(|(_, value)| value.into_owned())
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

/// `GET /t/{domain}`: the walkthrough for the visitor's device (or the `?device=` tab chosen),
/// branded for the domain's tenant; resolved on first visit.
pub async fn tenant(
    State(state): State<AppState>,
    client: ClientIp,
    Path(raw): Path<String>,
    RawQuery(query): RawQuery,
    headers: HeaderMap,
) -> Result<Response, AppError> {
    let chosen = query_value(query.as_deref(), "device")
        .and_then(|value| value.parse::<WalkthroughKind>().ok());
    // Warm path first: a fresh profile in memory needs nothing else. It is looked up by the path
    // as it arrived; a hit proves that spelling canonical, so the name need not be parsed.
    let profile = match state.discovery.fresh_in_memory_spelled(&raw).await {
        Some(profile) => profile,
        None => {
            let domain = DomainName::parse(&raw)?;
            if raw != domain.as_str() {
                let mut canonical = tenant_path(&domain);
                if let Some(kind) = chosen {
                    canonical = format!("{canonical}?device={}", kind.as_str());
                }
                return Ok(Redirect::permanent(&canonical).into_response());
            }
            let wait_for_result = query_value(query.as_deref(), "wait").is_some();
            // A first visit shows progress if the lookup takes a moment; its retry waits.
            let wait = (!wait_for_result).then_some(FIRST_VISIT_WAIT);
            // Only a request that starts a lookup costs the visitor part of their allowance:
            // joining one already running (a crowd opening a fresh link at once) is free.
            let admit = || state.limits.new_domain(&client);
            match state
                .discovery
                .profile_admitted(&domain, wait, admit)
                .await?
            {
                Some(profile) => profile,
                None => return progress_page(&state, &domain, chosen),
            }
        }
    };
    let domain = &profile.domain;
    let retry_url = tenant_path(domain);
    match profile.status {
        DomainStatus::NotEntra | DomainStatus::Unreachable => {
            let unreachable = profile.status == DomainStatus::Unreachable;
            let page = TenantStatusPage {
                layout: Layout::new(format!("{} · authwalk", domain.to_unicode())),
                display_domain: domain.to_unicode(),
                status: profile.status.as_str(),
                retry_url,
            };
            let mut response = (
                if unreachable {
                    StatusCode::SERVICE_UNAVAILABLE
                } else {
                    StatusCode::NOT_FOUND
                },
                Html(page.render()?),
            )
                .into_response();
            if unreachable {
                response
                    .headers_mut()
                    .insert(header::RETRY_AFTER, HeaderValue::from_static("30"));
            }
            Ok(response)
        }
        DomainStatus::Entra => {
            Ok(walkthrough_page(&state, &profile, chosen, &headers, &client).await?)
        }
    }
}

/// How long a first visit waits for a new domain before showing the progress page instead.
const FIRST_VISIT_WAIT: Duration = Duration::from_millis(1200);

/// Human labels of the lookups on the progress page.
fn lookup_label(lookup: Lookup) -> &'static str {
    match lookup {
        Lookup::Tenant => "Finding the company’s Microsoft Entra tenant",
        Lookup::SignIn => "Checking how employees sign in",
        Lookup::Branding => "Fetching the company’s sign-in branding",
        Lookup::Dns => "Checking the domain’s Microsoft 365 records",
        Lookup::Website => "Looking for the company logo",
    }
}

fn progress_page(
    state: &AppState,
    domain: &DomainName,
    chosen: Option<WalkthroughKind>,
) -> Result<Response, AppError> {
    let finished = state
        .discovery
        .progress(domain)
        .map(|progress| progress.borrow().finished.clone())
        .unwrap_or_default();
    let path = tenant_path(domain);
    let result_url = match chosen {
        Some(kind) => format!("{path}?device={}&wait=1", kind.as_str()),
        None => format!("{path}?wait=1"),
    };
    let page = ProgressPage {
        layout: Layout::new(format!("Looking up {} · authwalk", domain.to_unicode())),
        display_domain: domain.to_unicode(),
        steps: Lookup::ALL
            .iter()
            .map(|lookup| {
                (
                    lookup.as_str(),
                    lookup_label(*lookup),
                    finished.contains(lookup),
                )
            })
            .collect(),
        events_url: format!("{path}/progress"),
        result_url,
    };
    let mut response = Html(page.render()?).into_response();
    response
        .headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    Ok(response)
}

/// `GET /t/{domain}/progress`: Server-Sent Events — one `lookup` event per finished lookup, then
/// `done` when the lookup ends, or after [`PROGRESS_STREAM_LIMIT`] in any case. A domain with no
/// lookup in flight gets `done` at once.
pub async fn progress_events(
    State(state): State<AppState>,
    Path(raw): Path<String>,
) -> Result<Sse<impl Stream<Item = Result<Event, Infallible>>>, AppError> {
    let domain = DomainName::parse(&raw)?;
    let receiver = state.discovery.progress(&domain);
    let events = progress_updates(receiver, PROGRESS_STREAM_LIMIT).map(|update| {
        Ok(match update {
            ProgressUpdate::Lookup(lookup) => {
                Event::default().event("lookup").data(lookup.as_str())
            }
            ProgressUpdate::Done => Event::default().event("done").data("done"),
        })
    });
    Ok(Sse::new(events).keep_alive(KeepAlive::default()))
}

/// What the progress stream tells the page.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum ProgressUpdate {
    /// This lookup finished.
    Lookup(Lookup),
    /// Stop listening: the lookup is over (or the stream has run for its limit).
    Done,
}

/// Each finished lookup of `receiver`'s flight, then `Done` — when the flight ends, when its sender
/// goes away, or after `limit`, whichever comes first.
fn progress_updates(
    receiver: Option<watch::Receiver<Progress>>,
    limit: Duration,
) -> impl Stream<Item = ProgressUpdate> {
    let deadline = tokio::time::Instant::now() + limit;
    futures_util::stream::unfold(
        (receiver, 0usize, false),
        move |(receiver, mut sent, finished)| async move {
            if finished {
                return None;
            }
            let done = |sent| Some((ProgressUpdate::Done, (None, sent, true)));
            let Some(mut receiver) = receiver else {
                return done(sent);
            };
            loop {
                let progress = receiver.borrow_and_update().clone();
                if let Some(lookup) = progress.finished.get(sent) {
                    sent += 1;
                    return Some((
                        ProgressUpdate::Lookup(*lookup),
                        (Some(receiver), sent, false),
                    ));
                }
                if progress.done {
                    return done(sent);
                }
                match tokio::time::timeout_at(deadline, receiver.changed()).await {
                    Ok(Ok(())) => {}
                    // The flight is gone, or the stream has followed it long enough.
                    Ok(Err(_)) | Err(_) => return done(sent),
                }
            }
        },
    )
}

async fn walkthrough_page(
    state: &AppState,
    profile: &TenantProfile,
    chosen: Option<WalkthroughKind>,
    headers: &HeaderMap,
    client: &ClientIp,
) -> Result<Response, AppError> {
    let device = state.devices.detect(
        headers
            .iter()
            .filter_map(|(name, value)| Some((name.as_str(), value.to_str().ok()?))),
    );
    let shown = chosen.unwrap_or_else(|| device.walkthrough());
    let customization = customization_of(state, profile).await;
    // Only a real visit counts: not an embedded image, a prefetch or a script's fetch. Its token
    // travels in a cookie, so the rendered page itself stays one shared, cacheable page.
    let view_token = match &profile.tenant {
        Some(tenant) if events::is_top_level_navigation(headers) => {
            let presented = events::presented_view_tokens(headers, &state.config.public_url);
            let presented: Vec<&str> = presented.iter().map(String::as_str).collect();
            let visitor = Client {
                address: client.limiter_key(),
            };
            state
                .adoption
                .page_view(tenant.tenant_id, &device, shown, visitor, &presented)
        }
        _ => None,
    };
    // The page depends on the device only through what it shows, and so does its cache key.
    let shown_device = ShownDevice::of(&device);
    let key = PageKey::new(
        profile.domain.as_str(),
        profile.resolved_at,
        customization.version,
        shown,
        shown_device,
    );
    let page = state
        .rendered_pages
        .get_or_render(key, || {
            render_walkthrough(state, profile, &shown_device, shown, &customization)
        })
        .await?;
    let mut response = page.respond(headers, HeaderValue::from_static("private, no-cache"));
    let response_headers = response.headers_mut();
    // Ask Chromium for the platform version and model (first visit retried with them).
    response_headers.insert(
        HeaderName::from_static("accept-ch"),
        HeaderValue::from_static(device::ACCEPT_CH),
    );
    response_headers.insert(
        HeaderName::from_static("critical-ch"),
        HeaderValue::from_static(device::CRITICAL_CH),
    );
    response_headers.insert(header::VARY, TENANT_PAGE_VARY.clone());
    if let Some(token) = view_token
        && let Some(cookie) = events::view_cookie(&token, &profile.domain, &state.config.public_url)
    {
        response_headers.append(header::SET_COOKIE, cookie);
    }
    Ok(response)
}

/// What the tenant page varies on: its encoding and what the device headers say.
static TENANT_PAGE_VARY: LazyLock<HeaderValue> = LazyLock::new(|| {
    HeaderValue::from_str(&format!("Accept-Encoding, {}", device::VARY))
        .unwrap_or_else(|_| HeaderValue::from_static("Accept-Encoding, User-Agent"))
});

/// Build and render the walkthrough page (the page cache's miss path).
fn render_walkthrough(
    state: &AppState,
    profile: &TenantProfile,
    device: &ShownDevice,
    shown: WalkthroughKind,
    customization: &Customization,
) -> Result<String, AppError> {
    let walkthrough = Walkthrough::build(
        profile,
        device,
        shown,
        &customization.settings,
        &state.config.security_info,
    );
    let branding = shown_branding(profile, customization);
    let poster_colours = PosterColours::for_brand(branding.brand_color.as_deref());
    let share_url = state
        .config
        .public_url
        .join(&tenant_path(&profile.domain)[1..])
        .map(|url| url.to_string())
        .unwrap_or_default();
    let mut layout = Layout::new(format!("{} · Set up your passkey", walkthrough.company));
    layout.brand_stylesheet = branding
        .brand_color
        .as_deref()
        .and_then(assets::brand_stylesheet_url);
    let qr_svg = state
        .qr_codes
        .svg_for(&share_url, &format!("QR code for {share_url}"));
    let page = TenantPage {
        layout,
        domain: profile.domain.as_str().to_owned(),
        display_domain: profile.domain.to_unicode(),
        logo_url: branding
            .logo_sha256
            .as_deref()
            .map(assets::tenant_image_url),
        detected: DetectedAttributes {
            platform: device.platform.as_str(),
            vendor: device.vendor.as_str(),
            os_version: device
                .version
                .map(|version| version.to_string())
                .unwrap_or_default(),
            os_check: device.os_check.as_str(),
            in_app: device.in_app != InApp::None,
        },
        walkthrough,
        share_url,
        qr_svg,
        labels: &crate::walkthrough::text::PAGE_LABELS,
        poster_colours,
        mock: &crate::walkthrough::text::MOCKUP_LABELS,
    };
    Ok(page.render()?)
}

/// The admins' customisation of the nearest scope that covers the page's domain (its own
/// settings, else its parent domain's; defaults when none). A database outage must not take the
/// walkthrough down: an uncached tenant then gets the defaults.
pub(super) async fn customization_of(
    state: &AppState,
    profile: &TenantProfile,
) -> Arc<Customization> {
    let Some(tenant) = &profile.tenant else {
        return Customization::defaults();
    };
    let domain = profile.domain.as_str();
    match state
        .customizations
        .for_domain(tenant.tenant_id, domain)
        .await
    {
        Ok(customization) => customization,
        Err(error) => {
            tracing::warn!(%error, tenant_id = %tenant.tenant_id, "tenant settings unavailable; showing defaults");
            Customization::defaults()
        }
    }
}

/// What the page shows: the admins' logo and colour override the discovered branding.
pub(super) fn shown_branding(
    profile: &TenantProfile,
    customization: &Customization,
) -> ShownBranding {
    let mut shown = profile.shown_branding();
    if let Some(logo) = &customization.logo_sha256 {
        shown.source = BrandingSource::Admin;
        shown.logo_sha256 = Some(logo.clone());
    }
    if let Some(colour) = &customization.brand_color {
        shown.brand_color = Some(colour.clone());
    }
    shown
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, reason = "tests")]

    use super::*;

    #[tokio::test(start_paused = true)]
    async fn a_progress_stream_ends_at_its_limit_even_if_the_lookup_does_not() {
        let (sender, receiver) = watch::channel(Progress::default());
        sender.send_modify(|progress| progress.finished.push(Lookup::Dns));
        let started = tokio::time::Instant::now();
        let updates: Vec<ProgressUpdate> =
            progress_updates(Some(receiver), Duration::from_secs(60))
                .collect()
                .await;
        assert_eq!(
            updates,
            [ProgressUpdate::Lookup(Lookup::Dns), ProgressUpdate::Done]
        );
        assert_eq!(started.elapsed(), Duration::from_secs(60));
        // The lookup is still "running": only the stream gave up.
        assert!(!sender.borrow().done);
    }

    #[tokio::test(start_paused = true)]
    async fn a_progress_stream_ends_when_its_lookup_ends_or_goes_away() {
        let (sender, receiver) = watch::channel(Progress::default());
        let follow = tokio::spawn(
            progress_updates(Some(receiver), Duration::from_secs(60)).collect::<Vec<_>>(),
        );
        tokio::time::sleep(Duration::from_secs(1)).await;
        sender.send_modify(|progress| progress.finished.push(Lookup::Tenant));
        sender.send_modify(|progress| {
            progress.finished.push(Lookup::SignIn);
            progress.done = true;
        });
        let started = tokio::time::Instant::now();
        assert_eq!(
            follow.await.unwrap(),
            [
                ProgressUpdate::Lookup(Lookup::Tenant),
                ProgressUpdate::Lookup(Lookup::SignIn),
                ProgressUpdate::Done
            ]
        );
        assert_eq!(started.elapsed(), Duration::ZERO);

        // A flight that vanishes without its `done` mark ends the stream too.
        let (sender, receiver) = watch::channel(Progress::default());
        let follow = tokio::spawn(
            progress_updates(Some(receiver), Duration::from_secs(60)).collect::<Vec<_>>(),
        );
        tokio::time::sleep(Duration::from_secs(1)).await;
        drop(sender);
        assert_eq!(follow.await.unwrap(), [ProgressUpdate::Done]);
        // No flight at all: done at once.
        assert_eq!(
            progress_updates(None, Duration::from_secs(60))
                .collect::<Vec<_>>()
                .await,
            [ProgressUpdate::Done]
        );
    }
}
