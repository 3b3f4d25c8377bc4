//! The JSON API (`/api/v1/…`): stable shapes; the pages show the same data.

use std::sync::Arc;

use axum::Json;
use axum::extract::{Path, State};
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use time::format_description::well_known::Rfc3339;
use uuid::Uuid;

use crate::admin::Customization;
use crate::domain::DomainName;
use crate::profile::{Cloud, DomainStatus, NamespaceType, Signals, TenantProfile};

use super::AppState;
use super::assets::tenant_image_url;
use super::client_ip::ClientIp;
use super::error::AppError;
use super::pages::{customization_of, shown_branding};

/// `GET /api/v1/tenants/{domain}` and `authwalk resolve`.
#[derive(Debug, Serialize)]
pub struct TenantJson {
    /// The normalised (ASCII) domain.
    pub domain: String,
    /// The domain as people read it (Unicode).
    pub display_domain: String,
    /// `entra`, `not_entra` or `unreachable`.
    pub status: DomainStatus,
    /// Microsoft's tenant id.
    pub tenant_id: Option<Uuid>,
    /// The company name Microsoft shows.
    pub display_name: Option<String>,
    /// `public`, `usgov` or `china`.
    pub cloud: Option<Cloud>,
    /// `managed`, `federated` or `unknown`.
    pub namespace_type: NamespaceType,
    /// The IdP of a federated domain; null when managed.
    pub federation: Option<FederationJson>,
    /// `tenant_region_scope`.
    pub region_scope: Option<String>,
    /// `tenant_region_sub_scope` (GCC, DODCON, DOD).
    pub region_sub_scope: Option<String>,
    /// The company branding we show.
    pub branding: BrandingJson,
    /// DNS evidence of Microsoft 365.
    pub signals: Signals,
    /// When the lookups ran (RFC 3339).
    pub resolved_at: String,
}

/// Federation details.
#[derive(Debug, Serialize)]
pub struct FederationJson {
    /// Host of the company's sign-in page.
    pub idp_host: String,
    /// `WSTrust`, `SAML20`, …
    pub protocol: Option<String>,
}

/// Branding as served by us.
#[derive(Debug, Serialize)]
pub struct BrandingJson {
    /// `entra`, `website`, `admin` or `none`.
    pub source: &'static str,
    /// Our copy of the logo (never a third-party URL).
    pub logo_url: Option<String>,
    /// The brand background colour, `#RRGGBB`.
    pub background_color: Option<String>,
    /// Our copy of the background illustration.
    pub illustration_url: Option<String>,
    /// The sign-in page text, as plain text.
    pub sign_in_text: Option<String>,
}

impl TenantJson {
    /// The API view of a profile with its tenant admins' customisation applied.
    pub fn new(profile: &TenantProfile, customization: &Customization) -> Self {
        let tenant = profile.tenant.as_ref();
        let shown = shown_branding(profile, customization);
        Self {
            domain: profile.domain.as_str().to_owned(),
            display_domain: profile.domain.to_unicode(),
            status: profile.status,
            tenant_id: tenant.map(|tenant| tenant.tenant_id),
            display_name: tenant.and_then(|tenant| tenant.display_name.clone()),
            cloud: tenant.map(|tenant| tenant.cloud),
            namespace_type: profile.namespace_type,
            federation: profile
                .federation
                .as_ref()
                .map(|federation| FederationJson {
                    idp_host: federation.idp_host.clone(),
                    protocol: federation.protocol.clone(),
                }),
            region_scope: tenant.and_then(|tenant| tenant.region_scope.clone()),
            region_sub_scope: tenant.and_then(|tenant| tenant.region_sub_scope.clone()),
            branding: BrandingJson {
                source: shown.source.as_str(),
                logo_url: shown.logo_sha256.as_deref().map(tenant_image_url),
                background_color: shown.brand_color,
                illustration_url: shown.illustration_sha256.as_deref().map(tenant_image_url),
                sign_in_text: shown.sign_in_text,
            },
            signals: profile.signals,
            resolved_at: profile.resolved_at.format(&Rfc3339).unwrap_or_default(),
        }
    }
}

/// `GET /api/v1/tenants/{domain}`: the tenant profile of a domain, resolved if never seen.
pub async fn tenant(
    State(state): State<AppState>,
    client: ClientIp,
    Path(raw): Path<String>,
) -> Result<Response, AppError> {
    let domain = DomainName::parse(&raw)?;
    // Only a request that starts a lookup costs the caller part of their allowance; joining one
    // already running is free.
    let admit = || state.limits.new_domain(&client);
    let profile = state
        .discovery
        .profile_admitted(&domain, None, admit)
        .await?
        .unwrap_or_else(|| {
            Arc::new(TenantProfile::unreachable(
                domain.clone(),
                Signals::default(),
            ))
        });
    let customization = customization_of(&state, &profile).await;
    let cache_control = match profile.status {
        DomainStatus::Unreachable => "no-store",
        _ => "public, max-age=300",
    };
    Ok((
        [(
            header::CACHE_CONTROL,
            HeaderValue::from_static(cache_control),
        )],
        Json(TenantJson::new(&profile, &customization)),
    )
        .into_response())
}
