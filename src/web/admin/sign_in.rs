//! Signing in and out: the sign-in page, DNS challenges (bound to this browser's secret),
//! "Check DNS", the operator's one-time links and signing out. HTTP only: the rules are in
//! [`crate::admin`].

use askama::Template;
use axum::Form;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;

use crate::admin::challenge::CHALLENGE_LIFETIME;
use crate::admin::service::SignedIn;
use crate::admin::session::{BROWSER_COOKIE, SESSION_COOKIE, SIGN_IN_CSRF_COOKIE};
use crate::admin::{AdminError, secret};
use crate::domain::DomainName;

use super::super::AppState;
use super::super::client_ip::ClientIp;
use super::super::error::AppError;
use super::super::views::{AdminChallengePage, AdminLinkPage, AdminSignInPage, Layout};
use super::{
    Admin, MaybeAdmin, clear_unprefixed_cookies, cookie, cookies, dashboard, no_store, now, page,
    set_cookie, sign_in_csrf,
};

/// Refuse a sign-in form whose token is not the browser's sign-in CSRF cookie.
fn check_sign_in_csrf(
    state: &AppState,
    headers: &HeaderMap,
    submitted: &str,
) -> Result<(), AppError> {
    match cookie(state, headers, SIGN_IN_CSRF_COOKIE) {
        Some(expected) if secret::same_secret(submitted, &expected) => Ok(()),
        _ => Err(AppError::Admin(AdminError::Csrf)),
    }
}

/// The SHA-256 of this browser's secret, if it has one.
fn browser_sha256(state: &AppState, headers: &HeaderMap) -> Option<String> {
    cookie(state, headers, BROWSER_COOKIE)
        .filter(|value| value.len() >= 32)
        .map(|value| secret::sha256_hex(&value))
}

/// This browser's secret's SHA-256, made when it has none, and the `Set-Cookie` that keeps the
/// secret at least as long as the challenge it is about to be bound to.
fn ensure_browser_secret(
    state: &AppState,
    headers: &HeaderMap,
) -> Result<(String, String), AppError> {
    let value = match cookie(state, headers, BROWSER_COOKIE).filter(|value| value.len() >= 32) {
        Some(value) => value,
        None => secret::session_secret().map_err(AppError::Admin)?,
    };
    let set = cookies(state).set(BROWSER_COOKIE, &value, Some(CHALLENGE_LIFETIME));
    Ok((secret::sha256_hex(&value), set))
}

fn signed_in_response(state: &AppState, signed_in: &SignedIn) -> Response {
    let cookie = cookies(state).set(
        SESSION_COOKIE,
        &signed_in.cookie_value,
        Some(crate::admin::session::ABSOLUTE_TIMEOUT),
    );
    let mut response = Redirect::to("/admin").into_response();
    set_cookie(&mut response, &cookie);
    no_store(response)
}

/// The status a form re-shown because of `error` carries.
fn status_of(error: &AdminError) -> StatusCode {
    match error {
        AdminError::Unreachable { .. }
        | AdminError::TenantUnconfirmed { .. }
        | AdminError::DnsFailed { .. } => StatusCode::SERVICE_UNAVAILABLE,
        AdminError::TooManyDomains { .. } => StatusCode::CONFLICT,
        _ => StatusCode::BAD_REQUEST,
    }
}

// --- sign-in ---

/// A sign-in form: the domain (challenge, verify) and the CSRF token.
#[derive(Debug, Deserialize)]
pub struct DomainForm {
    /// The sign-in CSRF token.
    #[serde(default)]
    pub csrf: String,
    /// The domain as typed.
    #[serde(default)]
    pub domain: String,
}

/// A form that carries only the CSRF token.
#[derive(Debug, Deserialize)]
pub struct CsrfForm {
    /// The CSRF token.
    #[serde(default)]
    pub csrf: String,
}

/// `GET /admin`: the dashboard when signed in, else the sign-in page.
pub async fn home(
    State(state): State<AppState>,
    maybe: MaybeAdmin,
    headers: HeaderMap,
) -> Result<Response, AppError> {
    let mut response = match maybe.session {
        Some(session) => dashboard(&state, &session, &headers).await,
        None => sign_in_page(&state, &headers, String::new(), None, StatusCode::OK),
    }?;
    clear_unprefixed_cookies(&state, &headers, &mut response);
    Ok(response)
}

fn sign_in_page(
    state: &AppState,
    headers: &HeaderMap,
    domain: String,
    error: Option<String>,
    status: StatusCode,
) -> Result<Response, AppError> {
    let (csrf, set_csrf) = sign_in_csrf(state, headers)?;
    let html = AdminSignInPage {
        layout: Layout::new("Administer your company's walkthrough · authwalk"),
        domain,
        error,
        csrf,
    }
    .render()?;
    let mut response = page(status, html);
    if let Some(set_csrf) = set_csrf {
        set_cookie(&mut response, &set_csrf);
    }
    Ok(response)
}

/// Longest typed value echoed back into a form field.
const ECHO_LIMIT: usize = 256;

fn echo(value: &str) -> String {
    value.chars().take(ECHO_LIMIT).collect()
}

/// `POST /admin/challenge`: issue a DNS challenge for the typed domain, bound to this browser (a
/// domain we would have to look up first costs the visitor part of their new-domain allowance,
/// as on the tenant page; every challenge costs part of the client's and the domain's).
pub async fn start_challenge(
    State(state): State<AppState>,
    client: ClientIp,
    headers: HeaderMap,
    Form(form): Form<DomainForm>,
) -> Result<Response, AppError> {
    check_sign_in_csrf(&state, &headers, &form.csrf)?;
    if let Ok(domain) = DomainName::parse(&form.domain) {
        if state.discovery.would_resolve(&domain).await {
            state.limits.new_domain(&client)?;
        }
        state.limits.challenge(&client, &domain)?;
    }
    let (browser, set_browser) = ensure_browser_secret(&state, &headers)?;
    match state
        .admin
        .start_challenge(&form.domain, &browser, now())
        .await
    {
        Ok(challenge) => {
            let html = AdminChallengePage {
                layout: Layout::new("Prove you control your domain · authwalk"),
                domain: challenge.domain.as_str().to_owned(),
                display_domain: challenge.domain.to_unicode(),
                record_name: challenge.record_name,
                record_value: Some(challenge.record_value),
                expires: Some(crate::admin::format_time(challenge.expires_at)),
                error: None,
                csrf: form.csrf,
            }
            .render()?;
            let mut response = page(StatusCode::OK, html);
            set_cookie(&mut response, &set_browser);
            Ok(response)
        }
        Err(error) if !matches!(error, AdminError::Store(_) | AdminError::Randomness(_)) => {
            let status = status_of(&error);
            sign_in_page(
                &state,
                &headers,
                echo(&form.domain),
                Some(error.to_string()),
                status,
            )
        }
        Err(error) => Err(error.into()),
    }
}

/// `POST /admin/verify`: look the challenge up in DNS and sign in on success. The client's
/// allowance is charged first; a browser holding no challenge for the domain is refused before
/// the domain's allowance is charged or DNS asked, so strangers cannot use it up.
pub async fn verify(
    State(state): State<AppState>,
    maybe: MaybeAdmin,
    client: ClientIp,
    headers: HeaderMap,
    Form(form): Form<DomainForm>,
) -> Result<Response, AppError> {
    check_sign_in_csrf(&state, &headers, &form.csrf)?;
    let domain = match DomainName::parse(&form.domain) {
        Ok(domain) => domain,
        Err(error) => {
            return sign_in_page(
                &state,
                &headers,
                echo(&form.domain),
                Some(error.to_string()),
                StatusCode::BAD_REQUEST,
            );
        }
    };
    state.limits.verification_by_client(&client)?;
    let browser = browser_sha256(&state, &headers);
    let result = if state
        .admin
        .has_live_challenge(&domain, browser.as_deref(), now())
        .await?
    {
        state.limits.verification_by_domain(&client, &domain)?;
        state
            .admin
            .verify(&domain, browser.as_deref(), maybe.cookie.as_deref(), now())
            .await
    } else {
        Err(AdminError::NoBrowserChallenge {
            domain: domain.to_unicode(),
        })
    };
    match result {
        Ok(signed_in) => Ok(signed_in_response(&state, &signed_in)),
        Err(error @ (AdminError::Store(_) | AdminError::Randomness(_))) => Err(error.into()),
        Err(error) => {
            let html = AdminChallengePage {
                layout: Layout::new("Prove you control your domain · authwalk"),
                domain: domain.as_str().to_owned(),
                display_domain: domain.to_unicode(),
                record_name: crate::admin::challenge::record_name(&domain),
                record_value: None,
                expires: None,
                error: Some(error.to_string()),
                csrf: form.csrf,
            }
            .render()?;
            Ok(page(status_of(&error), html))
        }
    }
}

/// `GET /admin/link/{token}`: confirm before using an admin link (link scanners only GET).
pub async fn link_page(
    State(state): State<AppState>,
    Path(token): Path<String>,
    headers: HeaderMap,
) -> Result<Response, AppError> {
    let (csrf, set_csrf) = sign_in_csrf(&state, &headers)?;
    let (domain, error, status) = match state.admin.check_link(&token, now()).await {
        Ok(domain) => (Some(domain), None, StatusCode::OK),
        Err(error @ (AdminError::Store(_) | AdminError::Randomness(_))) => return Err(error.into()),
        Err(error) => (None, Some(error.to_string()), link_status(&error)),
    };
    let html = AdminLinkPage {
        layout: Layout::new("Sign in to administer authwalk"),
        domain,
        token: if error.is_none() {
            token
        } else {
            String::new()
        },
        csrf,
        error,
    }
    .render()?;
    let mut response = page(status, html);
    if let Some(set_csrf) = set_csrf {
        set_cookie(&mut response, &set_csrf);
    }
    Ok(response)
}

fn link_status(error: &AdminError) -> StatusCode {
    match error {
        AdminError::LinkExpired { .. } | AdminError::LinkUsed => StatusCode::GONE,
        AdminError::LinkInvalid => StatusCode::NOT_FOUND,
        other => status_of(other),
    }
}

/// `POST /admin/link/{token}`: use the link up and sign in.
pub async fn redeem_link(
    State(state): State<AppState>,
    maybe: MaybeAdmin,
    Path(token): Path<String>,
    headers: HeaderMap,
    Form(form): Form<CsrfForm>,
) -> Result<Response, AppError> {
    check_sign_in_csrf(&state, &headers, &form.csrf)?;
    match state
        .admin
        .redeem_link(&token, maybe.cookie.as_deref(), now())
        .await
    {
        Ok(signed_in) => Ok(signed_in_response(&state, &signed_in)),
        Err(error @ (AdminError::Store(_) | AdminError::Randomness(_))) => Err(error.into()),
        Err(error) => {
            let status = link_status(&error);
            let html = AdminLinkPage {
                layout: Layout::new("Sign in to administer authwalk"),
                domain: None,
                token: String::new(),
                csrf: form.csrf,
                error: Some(error.to_string()),
            }
            .render()?;
            Ok(page(status, html))
        }
    }
}

/// `POST /admin/signout`: end the session and clear its cookie.
pub async fn sign_out(
    State(state): State<AppState>,
    Admin(session): Admin,
    Form(form): Form<CsrfForm>,
) -> Result<Response, AppError> {
    session.check_csrf(&form.csrf)?;
    state.admin.sign_out(&session).await?;
    let cleared = cookies(&state).set(SESSION_COOKIE, "", Some(time::Duration::ZERO));
    let mut response = Redirect::to("/admin").into_response();
    set_cookie(&mut response, &cleared);
    Ok(no_store(response))
}
