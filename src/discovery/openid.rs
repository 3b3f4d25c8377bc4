//! OpenID configuration by domain → tenant id, cloud, region.
//!
//! `GET https://{login host}/{domain}/v2.0/.well-known/openid-configuration`. A domain verified in a
//! tenant answers 200 with the tenant id in `issuer`; an unknown one answers 400 with AADSTS90002,
//! the only answer that means "not Entra". Everything else means "we could not find out".

use serde::Deserialize;
use url::Url;
use uuid::Uuid;

use super::LookupError;
use crate::domain::DomainName;
use crate::net::OutboundClient;
use crate::net::client::JSON_CAP;
use crate::profile::Cloud;

/// What the OpenID document says about a domain.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum OpenIdOutcome {
    /// A tenant has verified the domain.
    Found(OpenIdTenant),
    /// Microsoft answered AADSTS90002: no tenant has this domain.
    NotFound,
}

/// The tenant facts the OpenID document carries.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OpenIdTenant {
    /// The tenant id (GUID in `issuer`).
    pub tenant_id: Uuid,
    /// The cloud (`cloud_instance_name`, else the issuer's host).
    pub cloud: Cloud,
    /// `tenant_region_scope`.
    pub region_scope: Option<String>,
    /// `tenant_region_sub_scope`.
    pub region_sub_scope: Option<String>,
}

#[derive(Debug, Deserialize)]
struct Document {
    issuer: Option<String>,
    token_endpoint: Option<String>,
    tenant_region_scope: Option<String>,
    tenant_region_sub_scope: Option<String>,
    cloud_instance_name: Option<String>,
}

#[derive(Debug, Deserialize)]
struct ErrorBody {
    error: Option<String>,
    error_description: Option<String>,
    #[serde(default)]
    error_codes: Vec<i64>,
}

/// AADSTS code for "tenant not found".
const TENANT_NOT_FOUND: i64 = 90002;

/// Ask `login_host` for `domain`'s OpenID configuration.
pub async fn fetch(
    client: &OutboundClient,
    login_host: &str,
    domain: &DomainName,
) -> Result<OpenIdOutcome, LookupError> {
    let url = Url::parse(&format!(
        "https://{login_host}/{}/v2.0/.well-known/openid-configuration",
        domain.as_str()
    ))
    .map_err(|error| LookupError::Malformed(error.to_string()))?;
    let response = client.get(url, JSON_CAP).await?;
    parse(response.status.as_u16(), &response.body)
}

/// Interpret an answer (pure: status and body).
pub fn parse(status: u16, body: &[u8]) -> Result<OpenIdOutcome, LookupError> {
    match status {
        200 => {
            let document: Document = serde_json::from_slice(body)
                .map_err(|error| LookupError::Malformed(format!("OpenID document: {error}")))?;
            found(&document).map(OpenIdOutcome::Found)
        }
        400 => {
            let error: ErrorBody =
                serde_json::from_slice(body).map_err(|_| LookupError::Status(400))?;
            let not_found = error.error_codes.contains(&TENANT_NOT_FOUND)
                || error
                    .error_description
                    .as_deref()
                    .is_some_and(|text| text.starts_with("AADSTS90002:"));
            if not_found {
                Ok(OpenIdOutcome::NotFound)
            } else {
                Err(LookupError::Rejected(
                    error
                        .error_description
                        .or(error.error)
                        .unwrap_or_else(|| "HTTP 400".into())
                        .chars()
                        .take(200)
                        .collect(),
                ))
            }
        }
        429 => Err(LookupError::Throttled),
        other => Err(LookupError::Status(other)),
    }
}

fn found(document: &Document) -> Result<OpenIdTenant, LookupError> {
    let tenant_id = [&document.issuer, &document.token_endpoint]
        .into_iter()
        .flatten()
        .find_map(|url| tenant_id_in(url))
        .ok_or_else(|| LookupError::Malformed("no tenant id in the OpenID document".into()))?;
    let cloud = document
        .cloud_instance_name
        .as_deref()
        .and_then(Cloud::from_instance_name)
        .or_else(|| {
            let issuer = Url::parse(document.issuer.as_deref()?).ok()?;
            Cloud::from_instance_name(issuer.host_str()?)
        })
        .unwrap_or(Cloud::Public);
    Ok(OpenIdTenant {
        tenant_id,
        cloud,
        region_scope: clean(document.tenant_region_scope.as_deref()),
        region_sub_scope: clean(document.tenant_region_sub_scope.as_deref()),
    })
}

/// The first path segment of `url` that is a GUID.
fn tenant_id_in(url: &str) -> Option<Uuid> {
    Url::parse(url)
        .ok()?
        .path_segments()?
        .find_map(|segment| Uuid::parse_str(segment).ok())
}

/// A short token as Microsoft sends it (`NA`, `USGov`), or nothing when empty or odd.
fn clean(value: Option<&str>) -> Option<String> {
    let value = value?.trim();
    let plausible = !value.is_empty()
        && value.len() <= 16
        && value.chars().all(|c| c.is_ascii_alphanumeric() || c == '-');
    plausible.then(|| value.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    const PUBLIC: &str = r#"{"token_endpoint":"https://login.microsoftonline.com/11111111-2222-3333-4444-555555555555/oauth2/v2.0/token","issuer":"https://login.microsoftonline.com/11111111-2222-3333-4444-555555555555/v2.0","tenant_region_scope":"NA","cloud_instance_name":"microsoftonline.com","cloud_graph_host_name":"graph.windows.net","msgraph_host":"graph.microsoft.com","rbac_url":"https://pas.windows.net"}"#;

    #[test]
    fn public_tenant_yields_id_cloud_and_region() {
        let OpenIdOutcome::Found(tenant) = parse(200, PUBLIC.as_bytes()).unwrap() else {
            panic!("expected a tenant");
        };
        assert_eq!(
            tenant.tenant_id,
            Uuid::parse_str("11111111-2222-3333-4444-555555555555").unwrap()
        );
        assert_eq!(tenant.cloud, Cloud::Public);
        assert_eq!(tenant.region_scope.as_deref(), Some("NA"));
        assert_eq!(tenant.region_sub_scope, None);
    }

    #[test]
    fn government_tenant_names_its_cloud_and_sub_scope() {
        let body = r#"{"issuer":"https://login.microsoftonline.us/aaaaaaaa-0000-0000-0000-000000000001/v2.0","tenant_region_scope":"USGov","tenant_region_sub_scope":"DODCON","cloud_instance_name":"microsoftonline.us"}"#;
        let OpenIdOutcome::Found(tenant) = parse(200, body.as_bytes()).unwrap() else {
            panic!("expected a tenant");
        };
        assert_eq!(tenant.cloud, Cloud::Usgov);
        assert_eq!(tenant.region_sub_scope.as_deref(), Some("DODCON"));
    }

    #[test]
    fn v1_issuer_and_missing_cloud_name_still_work() {
        let body = r#"{"issuer":"https://sts.windows.net/11111111-2222-3333-4444-555555555555/"}"#;
        let OpenIdOutcome::Found(tenant) = parse(200, body.as_bytes()).unwrap() else {
            panic!("expected a tenant");
        };
        assert_eq!(tenant.cloud, Cloud::Public);
        let china = r#"{"issuer":"https://login.partner.microsoftonline.cn/11111111-2222-3333-4444-555555555555/v2.0","cloud_instance_name":"partner.microsoftonline.cn"}"#;
        let OpenIdOutcome::Found(tenant) = parse(200, china.as_bytes()).unwrap() else {
            panic!("expected a tenant");
        };
        assert_eq!(tenant.cloud, Cloud::China);
    }

    #[test]
    fn aadsts90002_means_not_entra() {
        let body = r#"{"error":"invalid_tenant","error_description":"AADSTS90002: Tenant 'example.org' not found. Check to make sure you have the correct tenant ID and are signing into the correct cloud.","error_codes":[90002],"timestamp":"2026-01-01 00:00:00Z","trace_id":"x","correlation_id":"y","error_uri":"https://login.microsoftonline.com/error?code=90002"}"#;
        assert_eq!(
            parse(400, body.as_bytes()).unwrap(),
            OpenIdOutcome::NotFound
        );
    }

    #[test]
    fn every_other_answer_is_not_an_answer() {
        let malformed = r#"{"error":"invalid_request","error_description":"AADSTS900023: Specified tenant identifier 'x y' is neither a valid DNS name, nor a valid external domain.","error_codes":[900023]}"#;
        assert!(matches!(
            parse(400, malformed.as_bytes()),
            Err(LookupError::Rejected(_))
        ));
        assert!(matches!(parse(429, b"{}"), Err(LookupError::Throttled)));
        assert!(matches!(parse(503, b"{}"), Err(LookupError::Status(503))));
        assert!(matches!(
            parse(200, b"{\"token_endpoint\":\"https://login.micro"),
            Err(LookupError::Malformed(_))
        ));
        assert!(matches!(
            parse(200, b"<html>hi</html>"),
            Err(LookupError::Malformed(_))
        ));
        assert!(matches!(
            parse(
                200,
                br#"{"issuer":"https://login.microsoftonline.com/common/v2.0"}"#
            ),
            Err(LookupError::Malformed(_))
        ));
        assert!(matches!(
            parse(400, b"not json"),
            Err(LookupError::Status(400))
        ));
    }
}
