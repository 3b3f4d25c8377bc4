//! The tenant's admins on the overview page: verified domains (with approvals of sibling domains)
//! and live sessions, and the posts that revoke, approve or refuse them. HTTP only: who may do
//! what is decided by [`crate::admin::AdminService`] from the session's rights.

use askama::Template;
use axum::Form;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;

use crate::admin::session::AdminSession;
use crate::domain::DomainName;
use crate::store::models::{ChallengeKind, GrantMethod, GrantStatus, Revocation, RevocationKind};

use super::super::AppState;
use super::super::client_ip::ClientIp;
use super::super::error::AppError;
use super::super::views::{AdminAwaitingPage, DomainRow, Layout, RevocationLine, SessionRow};
use super::{Admin, no_store, now, page};

/// How a proof reads on the admin pages.
pub(super) fn method_label(method: GrantMethod) -> &'static str {
    match method {
        GrantMethod::DnsTxt => "DNS TXT record",
        GrantMethod::AdminLink => "operator's sign-in link",
        GrantMethod::Approval => "DNS TXT record, approved by an admin",
        GrantMethod::EntraRole => "Microsoft Entra admin role",
    }
}

fn sign_in_label(method: ChallengeKind) -> &'static str {
    match method {
        ChallengeKind::DnsTxt => "DNS TXT record",
        ChallengeKind::AdminLink => "operator's sign-in link",
    }
}

fn shown(domain: &str) -> String {
    DomainName::parse(domain).map_or_else(|_| domain.to_owned(), |domain| domain.to_unicode())
}

/// The overview's lists of the tenant's verified domains, live sessions and latest removals.
pub(super) struct Rows {
    pub domains: Vec<DomainRow>,
    pub sessions: Vec<SessionRow>,
    pub revocations: Vec<RevocationLine>,
}

/// A removal as the overview says it.
fn revocation_line(revocation: &Revocation) -> RevocationLine {
    let by = shown(&revocation.revoked_by);
    let domain = shown(&revocation.domain);
    let what = match revocation.kind {
        RevocationKind::Session => format!(
            "the admin of {by} ended a session signed in with {domain} (session {})",
            revocation.session_public_id.as_deref().unwrap_or_default()
        ),
        RevocationKind::Domain => format!("the admin of {by} removed {domain}"),
        RevocationKind::Refusal => format!("the admin of {by} refused {domain}"),
    };
    RevocationLine {
        at: crate::admin::format_time(revocation.revoked_at),
        what,
    }
}

/// The tenant's admins as `session` may see and act on them.
pub(super) async fn rows(state: &AppState, session: &AdminSession) -> Result<Rows, AppError> {
    let team = state.admin.team(session, now()).await?;
    let rights = &session.rights;
    let domains = team
        .domains
        .into_iter()
        .map(|grant| {
            let pending = grant.status == GrantStatus::Pending;
            DomainRow {
                shown: shown(&grant.domain),
                method: method_label(grant.method),
                verified_at: crate::admin::format_time(grant.verified_at),
                approved_by: grant.approved_by.as_deref().map(shown),
                yours: grant.domain == session.domain(),
                can_revoke: !pending && rights.covers(&grant.domain),
                can_decide: pending && rights.may_approve(),
                pending,
                domain: grant.domain,
            }
        })
        .collect();
    let sessions = team
        .sessions
        .into_iter()
        .map(|other| SessionRow {
            this_browser: other.public_id == session.public_id,
            can_revoke: rights.covers(&other.domain),
            domain: shown(&other.domain),
            method: sign_in_label(other.sign_in_method),
            signed_in_at: crate::admin::format_time(other.created_at),
            last_seen_at: crate::admin::format_time(other.last_seen_at),
            public_id: other.public_id,
        })
        .collect();
    let revocations = team.revocations.iter().map(revocation_line).collect();
    Ok(Rows {
        domains,
        sessions,
        revocations,
    })
}

/// The overview of an admin whose domain waits for approval: no rights, only who can approve.
pub(super) async fn awaiting_page(
    state: &AppState,
    session: &AdminSession,
) -> Result<Response, AppError> {
    let team = state.admin.team(session, now()).await?;
    let approvers = team
        .domains
        .iter()
        .filter(|grant| {
            grant.status == GrantStatus::Active && crate::admin::rights::is_top_level(&grant.domain)
        })
        .map(|grant| shown(&grant.domain))
        .collect();
    let html = AdminAwaitingPage {
        layout: Layout::new("Waiting for approval · authwalk admin"),
        domain: session.rights.root.to_unicode(),
        approvers,
        csrf: session.csrf_token.clone(),
    }
    .render()?;
    Ok(page(StatusCode::OK, html))
}

/// A form naming one verified domain.
#[derive(Debug, Deserialize)]
pub struct DomainActionForm {
    /// The session's CSRF token.
    #[serde(default)]
    pub csrf: String,
    /// The verified domain acted on.
    #[serde(default)]
    pub domain: String,
}

/// A form naming one admin session.
#[derive(Debug, Deserialize)]
pub struct SessionActionForm {
    /// The session's CSRF token.
    #[serde(default)]
    pub csrf: String,
    /// The public id of the session to end.
    #[serde(default)]
    pub session: String,
}

fn back_to_overview() -> Response {
    no_store(Redirect::to("/admin#admins").into_response())
}

/// `POST /admin/sessions/revoke`: end another admin's session (one whose domain is within yours).
pub async fn revoke_session(
    State(state): State<AppState>,
    client: ClientIp,
    Admin(session): Admin,
    Form(form): Form<SessionActionForm>,
) -> Result<Response, AppError> {
    session.check_csrf(&form.csrf)?;
    state.limits.admin_save(&session, &client)?;
    state
        .admin
        .revoke_session(&session, &form.session, now())
        .await?;
    Ok(back_to_overview())
}

/// `POST /admin/domains/revoke`: remove a verified domain within yours, ending its sessions.
pub async fn revoke_domain(
    State(state): State<AppState>,
    client: ClientIp,
    Admin(session): Admin,
    Form(form): Form<DomainActionForm>,
) -> Result<Response, AppError> {
    session.check_csrf(&form.csrf)?;
    state.limits.admin_save(&session, &client)?;
    state
        .admin
        .revoke_domain(&session, &form.domain, now())
        .await?;
    Ok(back_to_overview())
}

/// `POST /admin/domains/approve`: a sibling domain's admin gets rights over it.
pub async fn approve_domain(
    State(state): State<AppState>,
    client: ClientIp,
    Admin(session): Admin,
    Form(form): Form<DomainActionForm>,
) -> Result<Response, AppError> {
    session.check_csrf(&form.csrf)?;
    state.limits.admin_save(&session, &client)?;
    state
        .admin
        .approve_domain(&session, &form.domain, now())
        .await?;
    Ok(back_to_overview())
}

/// `POST /admin/domains/refuse`: a sibling domain's request is refused and its sessions end.
pub async fn refuse_domain(
    State(state): State<AppState>,
    client: ClientIp,
    Admin(session): Admin,
    Form(form): Form<DomainActionForm>,
) -> Result<Response, AppError> {
    session.check_csrf(&form.csrf)?;
    state.limits.admin_save(&session, &client)?;
    state
        .admin
        .refuse_domain(&session, &form.domain, now())
        .await?;
    Ok(back_to_overview())
}
