//! The stored shapes: what discovery produces and the store persists.
//!
//! These types live at the bottom of the dependency graph (discovery builds them, the store saves
//! and loads them, the web layer shows them), so none of them knows about HTTP or SQL.

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
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, sqlx::FromRow)]
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
            resolved_at: OffsetDateTime::now_utc(),
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

/// A `domains` row joined with its tenant, in types both backends decode alike.
#[derive(Debug, sqlx::FromRow)]
pub(crate) struct ProfileRow {
    pub status: String,
    pub tenant_id: Option<String>,
    pub namespace_type: String,
    pub federation_idp_host: Option<String>,
    pub federation_protocol: Option<String>,
    pub signals: String,
    pub resolved_at: OffsetDateTime,
    pub display_name: Option<String>,
    pub cloud: Option<String>,
    pub region_scope: Option<String>,
    pub region_sub_scope: Option<String>,
}
