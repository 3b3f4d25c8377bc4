//! The product's vocabulary: what we know about a domain's Entra tenant.
//!
//! Discovery builds these values, the store saves and loads them, the walkthrough, admin and web
//! layers read them. They live at the bottom of the dependency graph and know nothing of HTTP or
//! SQL: the store keeps its own row shapes (`store::models`) and converts.

use serde::Serialize;
use time::OffsetDateTime;
use uuid::Uuid;

use crate::domain::DomainName;

/// What we know about a domain.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum DomainStatus {
    /// A Microsoft Entra tenant has verified this domain (its tenant id is known).
    Entra,
    /// Microsoft answered that no tenant has this domain.
    NotEntra,
    /// We could not find out (upstream failure); never stored.
    Unreachable,
}

impl DomainStatus {
    /// The stored and serialised name.
    pub fn as_str(self) -> &'static str {
        match self {
            DomainStatus::Entra => "entra",
            DomainStatus::NotEntra => "not_entra",
            DomainStatus::Unreachable => "unreachable",
        }
    }
}

/// The Microsoft cloud a tenant lives in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Cloud {
    /// The worldwide cloud (including GCC Moderate).
    Public,
    /// Azure US Government (GCC High, DoD).
    Usgov,
    /// Azure China, operated by 21Vianet.
    China,
}

impl Cloud {
    /// The stored and serialised name.
    pub fn as_str(self) -> &'static str {
        match self {
            Cloud::Public => "public",
            Cloud::Usgov => "usgov",
            Cloud::China => "china",
        }
    }

    /// Parse the stored name.
    pub fn from_stored(value: &str) -> Option<Self> {
        match value {
            "public" => Some(Cloud::Public),
            "usgov" => Some(Cloud::Usgov),
            "china" => Some(Cloud::China),
            _ => None,
        }
    }

    /// The cloud's sign-in host, where its realm and branding answers come from.
    pub fn login_host(self) -> &'static str {
        match self {
            Cloud::Public => "login.microsoftonline.com",
            Cloud::Usgov => "login.microsoftonline.us",
            Cloud::China => "login.partner.microsoftonline.cn",
        }
    }

    /// The cloud named by an OpenID document's `cloud_instance_name` (or a login host).
    pub fn from_instance_name(name: &str) -> Option<Self> {
        let name = name.trim().trim_end_matches('.').to_ascii_lowercase();
        let name = name.strip_prefix("login.").unwrap_or(&name);
        match name {
            "microsoftonline.com" => Some(Cloud::Public),
            "microsoftonline.us" => Some(Cloud::Usgov),
            "partner.microsoftonline.cn" | "chinacloudapi.cn" => Some(Cloud::China),
            _ => None,
        }
    }
}

/// Managed (Entra checks the password) or federated (the company's IdP does) sign-in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum NamespaceType {
    /// Entra signs users in itself.
    Managed,
    /// Sign-in is redirected to the company's identity provider.
    Federated,
    /// Not known (no tenant, or the realm lookup failed).
    Unknown,
}

impl NamespaceType {
    /// The stored and serialised name.
    pub fn as_str(self) -> &'static str {
        match self {
            NamespaceType::Managed => "managed",
            NamespaceType::Federated => "federated",
            NamespaceType::Unknown => "unknown",
        }
    }

    /// Parse the stored name (anything unexpected is `Unknown`).
    pub fn from_stored(value: &str) -> Self {
        match value {
            "managed" => NamespaceType::Managed,
            "federated" => NamespaceType::Federated,
            _ => NamespaceType::Unknown,
        }
    }
}

/// An Entra tenant.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Tenant {
    /// Microsoft's tenant id.
    pub tenant_id: Uuid,
    /// The company name Microsoft shows (FederationBrandName).
    pub display_name: Option<String>,
    /// The cloud it lives in.
    pub cloud: Cloud,
    /// `tenant_region_scope` (NA, EU, USGov, …).
    pub region_scope: Option<String>,
    /// `tenant_region_sub_scope` (GCC, DODCON, DOD).
    pub region_sub_scope: Option<String>,
}

/// Where a federated domain's users sign in.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Federation {
    /// Host of the company's IdP sign-in page (from `AuthURL`).
    pub idp_host: String,
    /// `WSTrust`, `SAML20`, … when Microsoft says.
    pub protocol: Option<String>,
}

/// One locale's company branding from GetCredentialType.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Branding {
    /// Windows LCID; 0 is the default entry.
    pub locale: i32,
    /// Banner logo on Microsoft's CDN.
    pub banner_logo_url: Option<String>,
    /// Square logo (light theme) on Microsoft's CDN.
    pub square_logo_url: Option<String>,
    /// Square logo (dark theme) on Microsoft's CDN.
    pub square_logo_dark_url: Option<String>,
    /// Background illustration on Microsoft's CDN.
    pub illustration_url: Option<String>,
    /// Page background colour, `#rrggbb`.
    pub background_color: Option<String>,
    /// Sign-in page text as plain text (Microsoft sends HTML; we never keep it).
    pub sign_in_text: Option<String>,
    /// The username field's hint (`someone@contoso.com`).
    pub username_hint: Option<String>,
    /// Our copy of the banner logo (SHA-256 of its PNG), once downloaded.
    pub banner_logo_sha256: Option<String>,
    /// Our copy of the square logo.
    pub square_logo_sha256: Option<String>,
    /// Our copy of the dark square logo.
    pub square_logo_dark_sha256: Option<String>,
    /// Our copy of the illustration.
    pub illustration_sha256: Option<String>,
}

impl Branding {
    /// Whether the entry carries anything worth showing.
    pub fn is_empty(&self) -> bool {
        self.banner_logo_url.is_none()
            && self.square_logo_url.is_none()
            && self.square_logo_dark_url.is_none()
            && self.illustration_url.is_none()
            && self.background_color.is_none()
            && self.sign_in_text.is_none()
            && self.username_hint.is_none()
    }
}

/// The logo found on the company website (when Entra has none).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct WebsiteLogo {
    /// Our copy (SHA-256 of its PNG).
    pub sha256: String,
    /// Where it came from.
    pub source_url: String,
}

/// Where the logo and colours a page shows come from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum BrandingSource {
    /// The tenant's Entra sign-in branding.
    Entra,
    /// The company website's icon.
    Website,
    /// The tenant admin's upload.
    Admin,
    /// Nothing: the page uses authwalk's own look.
    None,
}

impl BrandingSource {
    /// The serialised name.
    pub fn as_str(self) -> &'static str {
        match self {
            BrandingSource::Entra => "entra",
            BrandingSource::Website => "website",
            BrandingSource::Admin => "admin",
            BrandingSource::None => "none",
        }
    }
}

/// What a page shows: our copies of the images and the brand colour.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ShownBranding {
    /// Where it comes from.
    pub source: BrandingSource,
    /// The logo (SHA-256 of our PNG copy).
    pub logo_sha256: Option<String>,
    /// A square logo for small places (SHA-256), when there is one.
    pub square_logo_sha256: Option<String>,
    /// The background illustration (SHA-256).
    pub illustration_sha256: Option<String>,
    /// The brand colour, `#RRGGBB`.
    pub brand_color: Option<String>,
    /// The sign-in page text (plain text).
    pub sign_in_text: Option<String>,
}

/// DNS evidence that the domain uses Microsoft 365.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, serde::Deserialize)]
#[serde(default)]
pub struct Signals {
    /// MX at Exchange Online (`mail.protection.outlook.com` or `mx.microsoft`).
    pub mx_microsoft: bool,
    /// An `MS=ms…` domain-verification TXT record.
    pub txt_ms_verification: bool,
    /// SPF includes Exchange Online.
    pub spf_microsoft: bool,
    /// `autodiscover.` points at Outlook.
    pub autodiscover_microsoft: bool,
    /// `enterpriseregistration.` points at Entra device registration.
    pub enterprise_registration: bool,
    /// `enterpriseenrollment.` points at Intune.
    pub enterprise_enrollment: bool,
    /// `lyncdiscover.` points at Teams / Skype for Business.
    pub lync_discover: bool,
}

/// Everything discovery learnt about one domain.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TenantProfile {
    /// The normalised domain.
    pub domain: DomainName,
    /// The outcome.
    pub status: DomainStatus,
    /// The tenant, when `status` is `Entra`.
    pub tenant: Option<Tenant>,
    /// Managed or federated sign-in for this domain.
    pub namespace_type: NamespaceType,
    /// The IdP of a federated domain.
    pub federation: Option<Federation>,
    /// Company branding per locale, default (0) first; `None` when it could not be learnt this
    /// time (throttled or failed), which keeps what was stored before.
    pub brandings: Option<Vec<Branding>>,
    /// DNS evidence of Microsoft 365.
    pub signals: Signals,
    /// The company website's logo, used when Entra has none.
    pub website_logo: Option<WebsiteLogo>,
    /// The brand colour discovery settled on (`#RRGGBB`).
    pub brand_color: Option<String>,
    /// When the lookups ran.
    pub resolved_at: OffsetDateTime,
}

impl TenantProfile {
    /// A profile that says only "we could not find out".
    pub fn unreachable(domain: DomainName, signals: Signals) -> Self {
        Self {
            domain,
            status: DomainStatus::Unreachable,
            tenant: None,
            namespace_type: NamespaceType::Unknown,
            federation: None,
            brandings: None,
            signals,
            website_logo: None,
            brand_color: None,
            resolved_at: OffsetDateTime::now_utc(),
        }
    }

    /// After a refresh of the same tenant: keep what `previous` knew where this answer has
    /// nothing because a lookup failed for the moment (the sign-in type, the company name, the
    /// website logo), rather than forgetting it until the next refresh.
    pub fn keep_unlearnt(&mut self, previous: &TenantProfile) {
        let same_tenant = matches!(
            (&self.tenant, &previous.tenant),
            (Some(fresh), Some(old)) if fresh.tenant_id == old.tenant_id
        );
        if self.status != DomainStatus::Entra || !same_tenant {
            return;
        }
        if self.namespace_type == NamespaceType::Unknown {
            self.namespace_type = previous.namespace_type;
            if self.federation.is_none() {
                self.federation.clone_from(&previous.federation);
            }
        }
        if let (Some(fresh), Some(old)) = (&mut self.tenant, &previous.tenant)
            && fresh.display_name.is_none()
        {
            fresh.display_name.clone_from(&old.display_name);
        }
        if self.website_logo.is_none() && previous.website_logo.is_some() {
            self.website_logo.clone_from(&previous.website_logo);
            if self.brand_color.is_none() {
                self.brand_color.clone_from(&previous.brand_color);
            }
        }
    }

    /// The logo, images and colour a page shows: Entra's when it has a logo, else the website's.
    pub fn shown_branding(&self) -> ShownBranding {
        let entra = self.default_branding();
        let entra_logo = entra.and_then(|b| {
            b.banner_logo_sha256
                .clone()
                .or_else(|| b.square_logo_sha256.clone())
        });
        let (source, logo_sha256) = match (&entra_logo, &self.website_logo) {
            (Some(logo), _) => (BrandingSource::Entra, Some(logo.clone())),
            (None, Some(website)) => (BrandingSource::Website, Some(website.sha256.clone())),
            // Entra branding without a logo still brings a colour and text.
            (None, None) if entra.is_some() => (BrandingSource::Entra, None),
            (None, None) => (BrandingSource::None, None),
        };
        ShownBranding {
            source,
            logo_sha256,
            square_logo_sha256: entra
                .and_then(|b| b.square_logo_sha256.clone())
                .or_else(|| self.website_logo.as_ref().map(|w| w.sha256.clone())),
            illustration_sha256: entra.and_then(|b| b.illustration_sha256.clone()),
            brand_color: self.brand_color.clone(),
            // Cleaned here too: branding stored before its text was cleaned at parse time.
            sign_in_text: entra
                .and_then(|b| b.sign_in_text.as_deref())
                .map(|text| crate::invisible::strip(text).trim().to_owned())
                .filter(|text| !text.is_empty()),
        }
    }

    /// The default-locale branding, when the tenant has one.
    pub fn default_branding(&self) -> Option<&Branding> {
        self.brandings
            .as_deref()?
            .iter()
            .find(|branding| branding.locale == 0)
    }
}
