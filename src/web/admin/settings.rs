//! The settings page of a scope: the form at the version it was loaded at, saving it (or showing
//! it again as typed: per-field messages, someone else's save beside it, a store failure), and
//! removing a scope's own settings. HTTP only: the rules are in [`crate::admin`].

use askama::Template;
use axum::Form;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use serde::Deserialize;

use crate::admin::AdminError;
use crate::admin::scopes::SettingsOutcome;
use crate::admin::settings::{FieldErrors, SettingsForm};

use super::super::AppState;
use super::super::client_ip::ClientIp;
use super::super::error::AppError;
use super::super::views::{AdminSettingsPage, Layout, SettingsConflict};
use super::{
    Admin, Context, ScopeQuery, back_to, context, context_after_failure, page, with_retry_after,
};

/// `GET /admin/settings`: the settings form of a scope, filled with what its pages show.
pub async fn settings_page(
    State(state): State<AppState>,
    Admin(session): Admin,
    Query(query): Query<ScopeQuery>,
) -> Result<Response, AppError> {
    let context = context(&state, &session, query.scope.as_deref()).await?;
    let form = SettingsForm::from_customization(&context.customization);
    let version = context.own.version;
    render_settings(
        &context,
        SettingsView {
            form,
            version,
            ..SettingsView::default()
        },
        StatusCode::OK,
    )
}

/// What a settings page shows besides its context.
#[derive(Debug, Default)]
struct SettingsView {
    form: SettingsForm,
    errors: FieldErrors,
    saved: bool,
    /// The version the form is loaded at (what a save may replace).
    version: i64,
    /// Someone else's save, shown beside what was typed.
    conflict: Option<SettingsConflict>,
    /// Why nothing could be saved (the store failed); the typed form is kept.
    failure: Option<String>,
}

fn render_settings(
    context: &Context,
    view: SettingsView,
    status: StatusCode,
) -> Result<Response, AppError> {
    let html = AdminSettingsPage {
        layout: Layout::new(format!("Settings · {} · authwalk admin", context.company)),
        nav: context.nav("settings"),
        scope: context.scope.as_str().to_owned(),
        scopes: context.scope_choices("/admin/settings"),
        inherited_from: (context.own.version == 0)
            .then(|| context.inherited_from())
            .flatten(),
        has_own_settings: context.own.version != 0,
        version: view.version,
        form: view.form,
        errors: view.errors,
        saved: view.saved,
        conflict: view.conflict,
        failure: view.failure,
    }
    .render()?;
    Ok(page(status, html))
}

/// The settings form as posted, with its CSRF token, scope and loaded version.
#[derive(Debug, Deserialize)]
pub struct SettingsPost {
    /// The session's CSRF token.
    #[serde(default)]
    pub csrf: String,
    /// The domain whose settings these are (the session's own when empty).
    #[serde(default)]
    pub scope: String,
    /// The version the form was loaded at (0: the scope had no settings of its own).
    #[serde(default)]
    pub version: String,
    /// The fields.
    #[serde(flatten)]
    pub form: SettingsForm,
}

/// `POST /admin/settings`: save every field over the version the form was loaded at, or re-show
/// the form as typed: with a message per field (400), beside what someone else saved meanwhile
/// (409), or after the store failed (503 or 500).
pub async fn save_settings(
    State(state): State<AppState>,
    client: ClientIp,
    Admin(session): Admin,
    Form(post): Form<SettingsPost>,
) -> Result<Response, AppError> {
    session.check_csrf(&post.csrf)?;
    let scope = state.admin.scope(&session, Some(&post.scope))?;
    let loaded_version = post.version.trim().parse::<i64>().unwrap_or(-1);
    if let Err(AppError::RateLimited { retry_after }) = state.limits.admin_save(&session, &client) {
        let context = context(&state, &session, Some(scope.as_str())).await?;
        let view = SettingsView {
            form: post.form,
            version: loaded_version.max(0),
            failure: Some(format!(
                "Nothing was saved: your company's admins have saved many changes in a short \
                 time. Your changes are still in the form below; try again in {} seconds.",
                retry_after.as_secs().max(1)
            )),
            ..SettingsView::default()
        };
        let page = render_settings(&context, view, StatusCode::TOO_MANY_REQUESTS)?;
        return Ok(with_retry_after(page, retry_after));
    }
    let outcome = state
        .admin
        .save_settings(&session, &scope, loaded_version, &post.form)
        .await;
    let scope_text = scope.as_str().to_owned();
    match outcome {
        Ok(SettingsOutcome::Saved(version)) => {
            let context = context(&state, &session, Some(&scope_text)).await?;
            let form = SettingsForm::from_customization(&context.customization);
            let view = SettingsView {
                form,
                saved: true,
                version,
                ..SettingsView::default()
            };
            render_settings(&context, view, StatusCode::OK)
        }
        Ok(SettingsOutcome::Invalid(errors)) => {
            let context = context(&state, &session, Some(&scope_text)).await?;
            let view = SettingsView {
                form: post.form,
                errors: *errors,
                version: loaded_version.max(0),
                ..SettingsView::default()
            };
            render_settings(&context, view, StatusCode::BAD_REQUEST)
        }
        Ok(SettingsOutcome::Stale(current)) => {
            let context = context(&state, &session, Some(&scope_text)).await?;
            let theirs = SettingsForm::from_customization(&current);
            let view = SettingsView {
                conflict: Some(SettingsConflict::between(&theirs, &post.form)),
                form: post.form,
                // Saving again now replaces what is stored: the admin has seen both.
                version: current.version,
                failure: Some(AdminError::SettingsChanged.to_string()),
                ..SettingsView::default()
            };
            render_settings(&context, view, StatusCode::CONFLICT)
        }
        Err(error) if error.is_server_side() => {
            tracing::error!(%error, scope = %scope, "settings could not be saved");
            let status = unavailable_or_internal(&error);
            let context = context_after_failure(&state, &session, scope).await;
            let view = SettingsView {
                form: post.form,
                version: loaded_version.max(0),
                failure: Some(
                    "Nothing was saved: authwalk couldn't write to its database just now. Your \
                     changes are still in the form below; try saving again in a minute."
                        .into(),
                ),
                ..SettingsView::default()
            };
            render_settings(&context, view, status)
        }
        Err(error @ AdminError::TooManyScopes { .. }) => {
            let context = context(&state, &session, Some(&scope_text)).await?;
            let view = SettingsView {
                form: post.form,
                version: loaded_version.max(0),
                failure: Some(error.to_string()),
                ..SettingsView::default()
            };
            render_settings(&context, view, StatusCode::CONFLICT)
        }
        Err(error) => Err(error.into()),
    }
}

/// 503 when the database is unreachable (worth retrying), else 500.
fn unavailable_or_internal(error: &AdminError) -> StatusCode {
    use crate::store::StoreError;
    match error {
        AdminError::Store(StoreError::Unavailable(_)) => StatusCode::SERVICE_UNAVAILABLE,
        AdminError::Settings(error) if matches!(**error, StoreError::Unavailable(_)) => {
            StatusCode::SERVICE_UNAVAILABLE
        }
        _ => StatusCode::INTERNAL_SERVER_ERROR,
    }
}

/// A form naming a scope and the version it was loaded at.
#[derive(Debug, Deserialize)]
pub struct ScopeVersionForm {
    /// The session's CSRF token.
    #[serde(default)]
    pub csrf: String,
    /// The scope.
    #[serde(default)]
    pub scope: String,
    /// The version the page was loaded at.
    #[serde(default)]
    pub version: String,
}

/// `POST /admin/settings/remove`: the scope's own settings go; its pages read the scope above.
pub async fn remove_settings(
    State(state): State<AppState>,
    client: ClientIp,
    Admin(session): Admin,
    Form(form): Form<ScopeVersionForm>,
) -> Result<Response, AppError> {
    session.check_csrf(&form.csrf)?;
    let scope = state.admin.scope(&session, Some(&form.scope))?;
    state.limits.admin_save(&session, &client)?;
    let version = form.version.trim().parse::<i64>().unwrap_or(-1);
    state
        .admin
        .remove_settings(&session, &scope, version)
        .await?;
    Ok(back_to("/admin/settings", &session, &scope))
}
