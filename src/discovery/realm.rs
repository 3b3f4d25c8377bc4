//! User realm → managed or federated sign-in, company name, federation IdP.
//!
//! `GET https://{login host}/getuserrealm.srf?login=user@{domain}&json=1`; the answer is about the
//! domain, so a fixed local part is sent (never a person's username).

use serde::Deserialize;
use url::Url;

use super::LookupError;
use crate::domain::DomainName;
use crate::net::OutboundClient;
use crate::net::client::JSON_CAP;
use crate::profile::{Federation, NamespaceType};

/// What the realm endpoint says about a domain.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Realm {
    /// Managed, federated, or unknown (not in any tenant).
    pub namespace_type: NamespaceType,
    /// `FederationBrandName`: the tenant's display name.
    pub brand_name: Option<String>,
    /// The company's IdP, for federated domains.
    pub federation: Option<Federation>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
struct Answer {
    name_space_type: Option<String>,
    federation_brand_name: Option<String>,
    #[serde(rename = "AuthURL")]
    auth_url: Option<String>,
    federation_protocol: Option<String>,
}

/// Ask `login_host` for `domain`'s realm.
pub async fn fetch(
    client: &OutboundClient,
    login_host: &str,
    domain: &DomainName,
) -> Result<Realm, LookupError> {
    let mut url = Url::parse(&format!("https://{login_host}/getuserrealm.srf"))
        .map_err(|error| LookupError::Malformed(error.to_string()))?;
    url.query_pairs_mut()
        .append_pair("login", &format!("user@{}", domain.as_str()))
        .append_pair("json", "1");
    let response = client.get(url, JSON_CAP).await?;
    match response.status.as_u16() {
        200 => parse(&response.body),
        429 => Err(LookupError::Throttled),
        other => Err(LookupError::Status(other)),
    }
}

/// Interpret a 200 answer (pure).
pub fn parse(body: &[u8]) -> Result<Realm, LookupError> {
    let answer: Answer = serde_json::from_slice(body)
        .map_err(|error| LookupError::Malformed(format!("user realm: {error}")))?;
    let namespace_type = match answer.name_space_type.as_deref() {
        Some(kind) if kind.eq_ignore_ascii_case("managed") => NamespaceType::Managed,
        Some(kind) if kind.eq_ignore_ascii_case("federated") => NamespaceType::Federated,
        _ => NamespaceType::Unknown,
    };
    let federation = match namespace_type {
        NamespaceType::Federated => answer
            .auth_url
            .as_deref()
            .and_then(|auth_url| Url::parse(auth_url).ok())
            .and_then(|auth_url| auth_url.host_str().map(str::to_ascii_lowercase))
            .map(|idp_host| Federation {
                idp_host,
                protocol: answer.federation_protocol.clone().filter(|p| !p.is_empty()),
            }),
        _ => None,
    };
    Ok(Realm {
        namespace_type,
        brand_name: answer
            .federation_brand_name
            .map(|name| crate::invisible::strip(name.trim()).trim().to_owned())
            .filter(|name| !name.is_empty()),
        federation,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn brand_names_lose_bidi_controls_and_invisible_characters() {
        let realm = parse(
            "{\"NameSpaceType\":\"Managed\",\"FederationBrandName\":\"\u{202E}Contoso\u{200B} IT\u{202C}\"}"
                .as_bytes(),
        )
        .unwrap();
        assert_eq!(realm.brand_name.as_deref(), Some("Contoso IT"));
        let invisible_only = parse(
            "{\"NameSpaceType\":\"Managed\",\"FederationBrandName\":\"\u{200B}\u{2066}\"}"
                .as_bytes(),
        )
        .unwrap();
        assert_eq!(invisible_only.brand_name, None);
    }

    #[test]
    fn managed_domain_gives_brand_name() {
        let realm = parse(br#"{"State":4,"UserState":1,"Login":"user@contoso.com","NameSpaceType":"Managed","DomainName":"contoso.com","FederationBrandName":"Contoso","CloudInstanceName":"microsoftonline.com","CloudInstanceIssuerUri":"urn:federation:MicrosoftOnline"}"#).unwrap();
        assert_eq!(realm.namespace_type, NamespaceType::Managed);
        assert_eq!(realm.brand_name.as_deref(), Some("Contoso"));
        assert_eq!(realm.federation, None);
    }

    #[test]
    fn federated_domain_names_the_idp_host() {
        let realm = parse(br#"{"State":3,"UserState":2,"Login":"user@fabrikam.com","NameSpaceType":"Federated","DomainName":"fabrikam.com","FederationGlobalVersion":-1,"AuthURL":"https://sts.fabrikam.com/adfs/ls/?username=user%40fabrikam.com&wa=wsignin1.0&wtrealm=urn%3afederation%3aMicrosoftOnline&wctx=","FederationBrandName":"Fabrikam","AuthNForwardType":1,"FederationProtocol":"WSTrust","CloudInstanceName":"microsoftonline.com"}"#).unwrap();
        assert_eq!(realm.namespace_type, NamespaceType::Federated);
        assert_eq!(
            realm.federation,
            Some(Federation {
                idp_host: "sts.fabrikam.com".into(),
                protocol: Some("WSTrust".into())
            })
        );
    }

    #[test]
    fn unknown_domain_is_unknown_and_garbage_is_an_error() {
        let realm = parse(
            br#"{"State":4,"UserState":1,"Login":"user@example.org","NameSpaceType":"Unknown"}"#,
        )
        .unwrap();
        assert_eq!(realm.namespace_type, NamespaceType::Unknown);
        assert_eq!(realm.brand_name, None);
        assert!(matches!(parse(b"<html>"), Err(LookupError::Malformed(_))));
    }
}
