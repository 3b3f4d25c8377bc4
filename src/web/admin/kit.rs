//! The rollout kit of a scope (announcement email, poster, QR codes) and the downloads (QR
//! codes, the adoption figures as CSV). HTTP only: the content is built in [`crate::admin`].

use askama::Template;
use axum::extract::{Query, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use time::OffsetDateTime;

use crate::admin::kit::{self, Announcement};
use crate::domain::DomainName;
use crate::walkthrough::Poster;

use super::super::AppState;
use super::super::assets;
use super::super::error::AppError;
use super::super::views::{
    AdminKitPage, AdminPosterPage, AnnouncementHtml, AnnouncementText, Layout, PosterColours,
};
use super::{Admin, Context, ScopeQuery, context, no_store, page};

/// `GET /admin/adoption.csv`: the last 30 days, one row per day, one column per counted event.
pub async fn adoption_csv(
    State(state): State<AppState>,
    Admin(session): Admin,
) -> Result<Response, AppError> {
    let scope = state.admin.scope(&session, None)?;
    let report = state
        .adoption
        .report(session.tenant_id(), OffsetDateTime::now_utc().date())
        .await?;
    Ok(download(
        "text/csv; charset=utf-8",
        &format!("authwalk-{}-adoption.csv", filename_safe(scope.as_str())),
        report.to_csv().into_bytes(),
    ))
}

fn announcement(state: &AppState, context: &Context) -> (Announcement, String) {
    let share_url = state
        .admin
        .share_url(&context.scope, &context.customization);
    let settings = &context.customization.settings;
    (
        Announcement {
            company: context.company.clone(),
            link: share_url.clone(),
            policy: settings.passkey_policy,
            intro_message: settings.intro_message.clone(),
            helpdesk: settings.helpdesk.clone(),
        },
        share_url,
    )
}

/// `GET /admin/kit`: the announcement email, the advice for IT, the poster and QR downloads.
pub async fn kit_page(
    State(state): State<AppState>,
    Admin(session): Admin,
    Query(query): Query<ScopeQuery>,
) -> Result<Response, AppError> {
    let context = context(&state, &session, query.scope.as_deref()).await?;
    let (announcement, share_url) = announcement(&state, &context);
    let text = AnnouncementText {
        email: announcement.clone(),
    }
    .render()?;
    let html_email = AnnouncementHtml {
        email: announcement.clone(),
    }
    .render()?;
    let html = AdminKitPage {
        layout: Layout::new(format!(
            "Rollout kit · {} · authwalk admin",
            context.company
        )),
        nav: context.nav("kit"),
        subject: announcement.subject(),
        text_email: text,
        html_email,
        qr_svg: state
            .qr_codes
            .svg_for(&share_url, &format!("QR code for {share_url}")),
        share_url,
        advice: kit::ROLLOUT_ADVICE.to_vec(),
    }
    .render()?;
    Ok(page(StatusCode::OK, html))
}

/// `GET /admin/kit/poster`: a print-ready page with the company, logo, link and a big QR code.
pub async fn poster_page(
    State(state): State<AppState>,
    Admin(session): Admin,
    Query(query): Query<ScopeQuery>,
) -> Result<Response, AppError> {
    let context = context(&state, &session, query.scope.as_deref()).await?;
    let (_, share_url) = announcement(&state, &context);
    let brand_color = context
        .customization
        .brand_color
        .as_deref()
        .or(context.automatic_brand_color.as_deref());
    let mut layout = Layout::new(format!("{} · Set up your passkey", context.company));
    layout.brand_stylesheet = brand_color.and_then(assets::brand_stylesheet_url);
    let html = AdminPosterPage {
        layout,
        company: context.company.clone(),
        logo_url: context.logo_url(),
        qr_svg: state
            .qr_codes
            .svg_for(&share_url, &format!("QR code for {share_url}")),
        share_url,
        poster: Poster::new(
            &context.company,
            context.customization.settings.helpdesk.as_ref(),
        ),
        colours: PosterColours::for_brand(brand_color),
        labels: &crate::walkthrough::text::POSTER_PAGE_LABELS,
    }
    .render()?;
    Ok(page(StatusCode::OK, html))
}

fn download(content_type: &'static str, filename: &str, body: Vec<u8>) -> Response {
    let disposition = format!("attachment; filename=\"{filename}\"");
    let mut response = (
        [(header::CONTENT_TYPE, HeaderValue::from_static(content_type))],
        body,
    )
        .into_response();
    if let Ok(value) = HeaderValue::from_str(&disposition) {
        response
            .headers_mut()
            .insert(header::CONTENT_DISPOSITION, value);
    }
    no_store(response)
}

fn qr_filename(scope: &DomainName, extension: &str) -> String {
    format!("authwalk-{}-qr.{extension}", filename_safe(scope.as_str()))
}

/// A domain as it may appear in a download's file name.
fn filename_safe(domain: &str) -> String {
    domain
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '.' || c == '-' {
                c
            } else {
                '_'
            }
        })
        .collect()
}

/// `GET /admin/kit/qr.svg`: the link's QR code as a standalone SVG file.
pub async fn qr_svg(
    State(state): State<AppState>,
    Admin(session): Admin,
    Query(query): Query<ScopeQuery>,
) -> Result<Response, AppError> {
    let context = context(&state, &session, query.scope.as_deref()).await?;
    let (_, share_url) = announcement(&state, &context);
    let svg = state
        .qr_codes
        .svg_for(&share_url, &format!("QR code for {share_url}"))
        .ok_or(AppError::NotFound)?;
    // `svg_for` always names the SVG namespace, so the inline markup is a valid file as it is.
    Ok(download(
        "image/svg+xml",
        &qr_filename(&context.scope, "svg"),
        svg.as_bytes().to_vec(),
    ))
}

/// `GET /admin/kit/qr.png`: the link's QR code as a PNG for print and slides.
pub async fn qr_png(
    State(state): State<AppState>,
    Admin(session): Admin,
    Query(query): Query<ScopeQuery>,
) -> Result<Response, AppError> {
    let context = context(&state, &session, query.scope.as_deref()).await?;
    let (_, share_url) = announcement(&state, &context);
    let png = tokio::task::spawn_blocking(move || kit::qr_png(&share_url))
        .await
        .ok()
        .flatten()
        .ok_or(AppError::NotFound)?;
    Ok(download(
        "image/png",
        &qr_filename(&context.scope, "png"),
        png,
    ))
}
