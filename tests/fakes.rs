//! The fakes answer like the real services, proved with OUR production client (`net::OutboundClient`
//! and `net::Dns`) wired to them only through configuration.
#![allow(clippy::unwrap_used, clippy::expect_used, reason = "tests")]

mod support;

use std::net::{Ipv4Addr, Ipv6Addr};
use std::sync::Arc;
use std::time::{Duration, Instant};

use authwalk::config::RawConfig;
use authwalk::net::client::JSON_CAP;
use authwalk::net::{Dns, DnsError, FetchError, Fetched, OutboundClient};
use hickory_proto::op::{Edns, Message, MessageType, Query, ResponseCode};
use hickory_proto::rr::{Name, RData, RecordType};
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, ServerName};
use serde_json::{Value, json};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpStream, UdpSocket};
use url::Url;

use support::fake_dns::{FakeDns, FakeRecord, NEGATIVE_TTL};
use support::fake_microsoft::{
    BRANDING_THROTTLED_TENANT, CDN_HOSTS, CHINA_LOGIN_HOST, CONTOSO_BACKGROUND_COLOR,
    CONTOSO_BANNER_LOGO, CONTOSO_CHINA_TENANT, CONTOSO_DE_BACKGROUND_COLOR, CONTOSO_ILLUSTRATION,
    CONTOSO_TENANT, CONTOSO_TILE_DARK_LOGO, CONTOSO_TILE_LOGO, Endpoint, FABRIKAM_TENANT,
    FakeMicrosoft, GCC_HIGH_BACKGROUND_COLOR, GCC_HIGH_BANNER_LOGO, GCC_HIGH_TENANT,
    GCC_MODERATE_TENANT, HOSTS, NORTHWIND_TENANT, PUBLIC_LOGIN_HOST, US_GOV_LOGIN_HOST,
};

/// Both fakes and our production clients wired to them.
struct Upstreams {
    microsoft: FakeMicrosoft,
    dns: FakeDns,
    client: OutboundClient,
    resolver: Dns,
}

async fn upstreams() -> Upstreams {
    upstreams_with_timeout("4s").await
}

async fn upstreams_with_timeout(timeout: &str) -> Upstreams {
    let microsoft = FakeMicrosoft::start().await;
    let dns = FakeDns::start().await;
    let config = RawConfig {
        connect_to: Some(microsoft.connect_to()),
        extra_ca: Some(microsoft.ca_pem_path().into()),
        dns_servers: Some(dns.addr().to_string()),
        upstream_timeout: timeout.into(),
        ..RawConfig::default()
    }
    .validate()
    .expect("valid configuration");
    let resolver = Dns::new(&config.dns_servers, config.upstream_timeout).expect("resolver");
    let client = OutboundClient::new(&config, resolver.clone()).expect("client");
    Upstreams {
        microsoft,
        dns,
        client,
        resolver,
    }
}

fn openid_url(host: &str, domain: &str) -> Url {
    Url::parse(&format!(
        "https://{host}/{domain}/v2.0/.well-known/openid-configuration"
    ))
    .unwrap()
}

fn openid_v1_url(host: &str, domain: &str) -> Url {
    Url::parse(&format!(
        "https://{host}/{domain}/.well-known/openid-configuration"
    ))
    .unwrap()
}

fn realm_url(host: &str, domain: &str) -> Url {
    Url::parse(&format!(
        "https://{host}/getuserrealm.srf?login=user@{domain}&json=1"
    ))
    .unwrap()
}

fn credential_type_url(host: &str) -> Url {
    Url::parse(&format!("https://{host}/common/GetCredentialType")).unwrap()
}

impl Upstreams {
    async fn get(&self, url: Url) -> Fetched {
        let shown = url.to_string();
        self.client
            .get(url, JSON_CAP)
            .await
            .unwrap_or_else(|error| panic!("GET {shown}: {error}"))
    }

    async fn openid(&self, host: &str, domain: &str) -> Fetched {
        self.get(openid_url(host, domain)).await
    }

    async fn realm(&self, host: &str, domain: &str) -> Fetched {
        self.get(realm_url(host, domain)).await
    }

    async fn credential_type(&self, host: &str, domain: &str) -> Fetched {
        let body = json!({
            "username": format!("probe@{domain}"),
            "isOtherIdpSupported": true,
            "checkPhones": false,
            "isRemoteNGCSupported": true,
            "isCookieBannerShown": false,
            "isFidoSupported": true,
            "originalRequest": "",
            "flowToken": "",
        });
        self.client
            .post_json(credential_type_url(host), body, JSON_CAP)
            .await
            .unwrap_or_else(|error| panic!("POST GetCredentialType on {host}: {error}"))
    }
}

fn json_of(fetched: &Fetched) -> Value {
    assert_eq!(
        fetched.media_type().as_deref(),
        Some("application/json"),
        "{} answers JSON",
        fetched.url
    );
    serde_json::from_slice(&fetched.body).unwrap_or_else(|error| {
        panic!(
            "{} answered invalid JSON ({error}): {}",
            fetched.url,
            String::from_utf8_lossy(&fetched.body)
        )
    })
}

fn header<'a>(fetched: &'a Fetched, name: &str) -> Option<&'a str> {
    fetched.headers.get(name).and_then(|v| v.to_str().ok())
}

/// The GUID path segment of an issuer or endpoint URL.
fn tenant_in(url: &str) -> String {
    Url::parse(url)
        .unwrap()
        .path_segments()
        .unwrap()
        .next()
        .unwrap()
        .to_owned()
}

// ---------------------------------------------------------------------------------------------
// TLS, pinning, protocols
// ---------------------------------------------------------------------------------------------

#[tokio::test]
async fn every_pinned_host_is_served_with_a_certificate_our_client_verifies() {
    let up = upstreams().await;
    for host in [PUBLIC_LOGIN_HOST, US_GOV_LOGIN_HOST] {
        let fetched = up.openid(host, "contoso.com").await;
        assert_eq!(fetched.status.as_u16(), 200, "{host}");
        assert_eq!(fetched.url.host_str(), Some(host));
    }
    let china = up.openid(CHINA_LOGIN_HOST, "contoso-china.cn").await;
    assert_eq!(china.status.as_u16(), 200);
    for host in CDN_HOSTS {
        let url = Url::parse(&format!(
            "https://{host}/c1c6b6c8-x/logintenantbranding/0/bannerlogo"
        ))
        .unwrap();
        assert_eq!(up.get(url).await.status.as_u16(), 404, "{host}");
    }
    assert_eq!(up.microsoft.total_requests(), 6);
    let connect_to = up.microsoft.connect_to();
    for host in HOSTS {
        assert!(
            connect_to.contains(&format!("{host}={}", up.microsoft.addr())),
            "{connect_to} pins {host}"
        );
    }
}

#[tokio::test]
async fn without_the_test_ca_our_client_refuses_the_fake() {
    let microsoft = FakeMicrosoft::start().await;
    let config = RawConfig {
        connect_to: Some(microsoft.connect_to()),
        dns_servers: Some("127.0.0.1:9".into()),
        ..RawConfig::default()
    }
    .validate()
    .unwrap();
    let dns = Dns::new(&config.dns_servers, config.upstream_timeout).unwrap();
    let client = OutboundClient::new(&config, dns).unwrap();
    let error = client
        .get(openid_url(PUBLIC_LOGIN_HOST, "contoso.com"), JSON_CAP)
        .await
        .expect_err("an unknown CA must be refused");
    assert!(
        matches!(&error, FetchError::Transport { reason, .. } if reason.contains("certificate")),
        "{error}"
    );
    assert_eq!(
        microsoft.total_requests(),
        0,
        "no request crossed a refused handshake"
    );
}

/// A TLS client that trusts only the fake's CA and offers `alpn`.
async fn raw_tls(
    microsoft: &FakeMicrosoft,
    server_name: &str,
    alpn: &[&[u8]],
) -> std::io::Result<tokio_rustls::client::TlsStream<TcpStream>> {
    let mut roots = rustls::RootCertStore::empty();
    for certificate in CertificateDer::pem_slice_iter(microsoft.ca_pem().as_bytes()) {
        roots.add(certificate.unwrap()).unwrap();
    }
    let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
    let mut config = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_root_certificates(roots)
        .with_no_client_auth();
    config.alpn_protocols = alpn.iter().map(|p| p.to_vec()).collect();
    let connector = tokio_rustls::TlsConnector::from(Arc::new(config));
    let tcp = TcpStream::connect(microsoft.addr()).await?;
    let name = ServerName::try_from(server_name.to_owned()).unwrap();
    connector.connect(name, tcp).await
}

#[tokio::test]
async fn http2_and_http1_are_both_served() {
    let up = upstreams().await;
    up.openid(PUBLIC_LOGIN_HOST, "northwind.com").await;
    let recorded = up.microsoft.recorded();
    assert_eq!(
        recorded[0].version,
        axum::http::Version::HTTP_2,
        "our client negotiates h2"
    );

    let h2 = raw_tls(&up.microsoft, US_GOV_LOGIN_HOST, &[b"h2", b"http/1.1"])
        .await
        .unwrap();
    assert_eq!(h2.get_ref().1.alpn_protocol(), Some(&b"h2"[..]));

    let mut http1 = raw_tls(&up.microsoft, PUBLIC_LOGIN_HOST, &[b"http/1.1"])
        .await
        .unwrap();
    assert_eq!(http1.get_ref().1.alpn_protocol(), Some(&b"http/1.1"[..]));
    http1
        .write_all(
            b"GET /northwind.com/v2.0/.well-known/openid-configuration HTTP/1.1\r\n\
              Host: login.microsoftonline.com\r\nConnection: close\r\n\r\n",
        )
        .await
        .unwrap();
    let mut answer = Vec::new();
    http1.read_to_end(&mut answer).await.unwrap();
    let answer = String::from_utf8_lossy(&answer);
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
    assert!(answer.contains(NORTHWIND_TENANT), "{answer}");
    assert_eq!(
        up.microsoft.recorded()[1].version,
        axum::http::Version::HTTP_11
    );
}

#[tokio::test]
async fn the_certificate_names_only_the_microsoft_hosts() {
    let microsoft = FakeMicrosoft::start().await;
    for host in HOSTS {
        raw_tls(&microsoft, host, &[b"http/1.1"])
            .await
            .unwrap_or_else(|error| panic!("{host}: {error}"));
    }
    let error = raw_tls(&microsoft, "login.example.com", &[b"http/1.1"])
        .await
        .expect_err("a host the certificate does not name");
    assert!(error.to_string().contains("certificate"), "{error}");
}

#[tokio::test]
async fn the_fake_stops_serving_when_dropped() {
    let microsoft = FakeMicrosoft::start().await;
    let addr = microsoft.addr();
    // An open connection is closed too.
    let mut open = raw_tls(&microsoft, PUBLIC_LOGIN_HOST, &[b"http/1.1"])
        .await
        .unwrap();
    drop(microsoft);
    let mut buffer = [0u8; 16];
    let read = tokio::time::timeout(Duration::from_secs(5), open.read(&mut buffer))
        .await
        .expect("the connection is closed promptly");
    assert!(matches!(read, Ok(0) | Err(_)), "{read:?}");
    let deadline = Instant::now() + Duration::from_secs(5);
    while TcpStream::connect(addr).await.is_ok() {
        assert!(Instant::now() < deadline, "still accepting after drop");
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}

// ---------------------------------------------------------------------------------------------
// Scenarios
// ---------------------------------------------------------------------------------------------

#[tokio::test]
async fn contoso_is_managed_in_the_public_cloud_with_branding() {
    let up = upstreams().await;

    let openid = up.openid(PUBLIC_LOGIN_HOST, "contoso.com").await;
    assert_eq!(openid.status.as_u16(), 200);
    assert_eq!(
        header(&openid, "content-type"),
        Some("application/json; charset=utf-8")
    );
    assert_eq!(
        header(&openid, "cache-control"),
        Some("max-age=86400, private")
    );
    let document = json_of(&openid);
    assert_eq!(
        document["issuer"],
        format!("https://login.microsoftonline.com/{CONTOSO_TENANT}/v2.0")
    );
    assert_eq!(
        document["token_endpoint"],
        format!("https://login.microsoftonline.com/{CONTOSO_TENANT}/oauth2/v2.0/token")
    );
    assert_eq!(
        tenant_in(document["issuer"].as_str().unwrap()),
        CONTOSO_TENANT
    );
    assert_eq!(document["tenant_region_scope"], "NA");
    assert!(document.get("tenant_region_sub_scope").is_none());
    assert_eq!(document["cloud_instance_name"], "microsoftonline.com");
    assert_eq!(document["cloud_graph_host_name"], "graph.windows.net");
    assert_eq!(document["msgraph_host"], "graph.microsoft.com");
    assert_eq!(document["rbac_url"], "https://pas.windows.net");

    let v1 = json_of(
        &up.get(openid_v1_url(PUBLIC_LOGIN_HOST, "contoso.com"))
            .await,
    );
    assert_eq!(
        v1["issuer"],
        format!("https://sts.windows.net/{CONTOSO_TENANT}/")
    );
    assert_eq!(
        v1["token_endpoint"],
        format!("https://login.microsoftonline.com/{CONTOSO_TENANT}/oauth2/token")
    );

    let realm = up.realm(PUBLIC_LOGIN_HOST, "contoso.com").await;
    assert_eq!(
        header(&realm, "content-type"),
        Some("application/json; charset=utf-8")
    );
    let realm = json_of(&realm);
    assert_eq!(realm["State"], 4);
    assert_eq!(realm["UserState"], 1);
    assert_eq!(realm["Login"], "user@contoso.com");
    assert_eq!(realm["NameSpaceType"], "Managed");
    assert_eq!(realm["DomainName"], "contoso.com");
    assert_eq!(realm["FederationBrandName"], "Contoso");
    assert_eq!(realm["CloudInstanceName"], "microsoftonline.com");
    assert_eq!(
        realm["CloudInstanceIssuerUri"],
        "urn:federation:MicrosoftOnline"
    );
    assert!(realm.get("AuthURL").is_none());

    let credential = up.credential_type(PUBLIC_LOGIN_HOST, "contoso.com").await;
    assert_eq!(credential.status.as_u16(), 200);
    assert_eq!(
        header(&credential, "content-type"),
        Some("application/json; charset=utf-8")
    );
    let credential = json_of(&credential);
    assert_eq!(credential["Username"], "probe@contoso.com");
    assert_eq!(credential["Display"], "probe@contoso.com");
    assert_eq!(credential["IfExistsResult"], 1);
    assert_eq!(credential["ThrottleStatus"], 0);
    assert!(credential["Credentials"].is_object());
    assert_eq!(credential["EstsProperties"]["DomainType"], 3);
    let branding = credential["EstsProperties"]["UserTenantBranding"]
        .as_array()
        .unwrap();
    assert_eq!(branding.len(), 2);
    let default = &branding[0];
    assert_eq!(default["Locale"], 0);
    assert_eq!(default["BannerLogo"], CONTOSO_BANNER_LOGO);
    assert_eq!(default["TileLogo"], CONTOSO_TILE_LOGO);
    assert_eq!(default["TileDarkLogo"], CONTOSO_TILE_DARK_LOGO);
    assert_eq!(default["Illustration"], CONTOSO_ILLUSTRATION);
    for (key, file) in [
        ("BannerLogo", "bannerlogo"),
        ("TileLogo", "tilelogo"),
        ("TileDarkLogo", "squarelogodark"),
        ("Illustration", "illustration"),
    ] {
        let url = Url::parse(default[key].as_str().unwrap()).unwrap();
        assert_eq!(url.host_str(), Some("aadcdn.msftauthimages.net"));
        assert!(
            url.path()
                .ends_with(&format!("/logintenantbranding/0/{file}")),
            "{url}"
        );
        assert!(url.query().unwrap().starts_with("ts="), "{url}");
    }
    assert_eq!(default["BackgroundColor"], CONTOSO_BACKGROUND_COLOR);
    assert_eq!(default["BackgroundColor"], "#0072C6");
    assert_eq!(
        default["BoilerPlateText"],
        "<p>Sign in with your Contoso account.</p>\n"
    );
    assert_eq!(default["UserIdLabel"], "someone@contoso.com");
    assert_eq!(default["KeepMeSignedInDisabled"], false);
    assert_eq!(default["UseTransparentLightBox"], false);
    assert_eq!(branding[1]["Locale"], 1031);
    assert_eq!(branding[1]["BackgroundColor"], CONTOSO_DE_BACKGROUND_COLOR);
    assert_ne!(branding[1]["BackgroundColor"], default["BackgroundColor"]);

    let posted: Value = serde_json::from_str(
        &up.microsoft
            .recorded()
            .iter()
            .find(|request| request.endpoint == Endpoint::CredentialType)
            .unwrap()
            .body,
    )
    .unwrap();
    assert_eq!(posted["username"], "probe@contoso.com");
}

#[tokio::test]
async fn northwind_is_managed_in_europe_without_branding() {
    let up = upstreams().await;
    let document = json_of(&up.openid(PUBLIC_LOGIN_HOST, "northwind.com").await);
    assert_eq!(
        tenant_in(document["issuer"].as_str().unwrap()),
        NORTHWIND_TENANT
    );
    assert_eq!(document["tenant_region_scope"], "EU");
    let realm = json_of(&up.realm(PUBLIC_LOGIN_HOST, "northwind.com").await);
    assert_eq!(realm["NameSpaceType"], "Managed");
    assert_eq!(realm["FederationBrandName"], "Northwind Traders");
    let credential = json_of(&up.credential_type(PUBLIC_LOGIN_HOST, "northwind.com").await);
    assert!(credential["EstsProperties"]["UserTenantBranding"].is_null());
    assert_eq!(credential["ThrottleStatus"], 0);
}

#[tokio::test]
async fn fabrikam_is_federated_through_its_own_adfs() {
    let up = upstreams().await;
    let document = json_of(&up.openid(PUBLIC_LOGIN_HOST, "fabrikam.com").await);
    assert_eq!(
        tenant_in(document["issuer"].as_str().unwrap()),
        FABRIKAM_TENANT
    );
    assert_eq!(document["tenant_region_scope"], "NA");
    let realm = json_of(&up.realm(PUBLIC_LOGIN_HOST, "fabrikam.com").await);
    assert_eq!(realm["State"], 3);
    assert_eq!(realm["UserState"], 2);
    assert_eq!(realm["NameSpaceType"], "Federated");
    assert_eq!(
        realm["AuthURL"],
        "https://sts.fabrikam.com/adfs/ls/?username=user%40fabrikam.com&wa=wsignin1.0&wtrealm=urn%3afederation%3aMicrosoftOnline&wctx="
    );
    assert_eq!(realm["FederationProtocol"], "WSTrust");
    assert_eq!(realm["FederationGlobalVersion"], -1);
    assert_eq!(realm["AuthNForwardType"], 1);
    assert_eq!(realm["FederationBrandName"], "Fabrikam");
    let credential = json_of(&up.credential_type(PUBLIC_LOGIN_HOST, "fabrikam.com").await);
    assert_eq!(credential["EstsProperties"]["DomainType"], 4);
    assert!(credential["EstsProperties"]["UserTenantBranding"].is_null());
}

#[tokio::test]
async fn gcc_high_is_answered_by_the_public_host_but_branded_only_on_the_us_host() {
    let up = upstreams().await;
    let document = json_of(&up.openid(PUBLIC_LOGIN_HOST, "gcchigh-agency.gov").await);
    assert_eq!(
        document["issuer"],
        format!("https://login.microsoftonline.us/{GCC_HIGH_TENANT}/v2.0")
    );
    assert_eq!(
        Url::parse(document["token_endpoint"].as_str().unwrap())
            .unwrap()
            .host_str(),
        Some(US_GOV_LOGIN_HOST)
    );
    assert_eq!(document["tenant_region_scope"], "USGov");
    assert_eq!(document["tenant_region_sub_scope"], "DODCON");
    assert_eq!(document["cloud_instance_name"], "microsoftonline.us");
    assert_eq!(document["msgraph_host"], "graph.microsoft.us");
    assert_eq!(document["cloud_graph_host_name"], "graph.microsoftazure.us");

    let public_realm = json_of(&up.realm(PUBLIC_LOGIN_HOST, "gcchigh-agency.gov").await);
    assert_eq!(public_realm["NameSpaceType"], "Managed");
    assert!(public_realm.get("FederationBrandName").is_none());
    let public_credential = json_of(
        &up.credential_type(PUBLIC_LOGIN_HOST, "gcchigh-agency.gov")
            .await,
    );
    assert!(public_credential["EstsProperties"]["UserTenantBranding"].is_null());

    let us_realm = json_of(&up.realm(US_GOV_LOGIN_HOST, "gcchigh-agency.gov").await);
    assert_eq!(us_realm["NameSpaceType"], "Managed");
    assert_eq!(us_realm["FederationBrandName"], "Agency");
    assert_eq!(us_realm["CloudInstanceName"], "microsoftonline.us");
    let us_credential = json_of(
        &up.credential_type(US_GOV_LOGIN_HOST, "gcchigh-agency.gov")
            .await,
    );
    let branding = &us_credential["EstsProperties"]["UserTenantBranding"][0];
    assert_eq!(branding["Locale"], 0);
    assert_eq!(branding["BannerLogo"], GCC_HIGH_BANNER_LOGO);
    assert_eq!(branding["BackgroundColor"], GCC_HIGH_BACKGROUND_COLOR);
    assert_eq!(branding["BackgroundColor"], "#112E51");

    assert_eq!(
        up.microsoft
            .requests_on(PUBLIC_LOGIN_HOST, Endpoint::UserRealm),
        1
    );
    assert_eq!(
        up.microsoft
            .requests_on(US_GOV_LOGIN_HOST, Endpoint::UserRealm),
        1
    );
    assert_eq!(
        up.microsoft
            .requests_on(US_GOV_LOGIN_HOST, Endpoint::CredentialType),
        1
    );
}

#[tokio::test]
async fn gcc_moderate_lives_in_the_public_cloud() {
    let up = upstreams().await;
    let document = json_of(&up.openid(PUBLIC_LOGIN_HOST, "gcc-moderate.gov").await);
    assert_eq!(
        document["issuer"],
        format!("https://login.microsoftonline.com/{GCC_MODERATE_TENANT}/v2.0")
    );
    assert_eq!(document["tenant_region_scope"], "NA");
    assert_eq!(document["tenant_region_sub_scope"], "GCC");
    assert_eq!(document["cloud_instance_name"], "microsoftonline.com");
    let realm = json_of(&up.realm(PUBLIC_LOGIN_HOST, "gcc-moderate.gov").await);
    assert_eq!(realm["FederationBrandName"], "Moderate Agency");
    let credential = json_of(
        &up.credential_type(PUBLIC_LOGIN_HOST, "gcc-moderate.gov")
            .await,
    );
    assert!(credential["EstsProperties"]["UserTenantBranding"].is_null());
}

#[tokio::test]
async fn a_china_tenant_points_to_the_21vianet_cloud() {
    let up = upstreams().await;
    let document = json_of(&up.openid(PUBLIC_LOGIN_HOST, "contoso-china.cn").await);
    assert_eq!(
        document["issuer"],
        format!("https://login.partner.microsoftonline.cn/{CONTOSO_CHINA_TENANT}/v2.0")
    );
    assert_eq!(
        document["cloud_instance_name"],
        "partner.microsoftonline.cn"
    );
    assert_eq!(document["tenant_region_scope"], "AS");
    let v1 = json_of(
        &up.get(openid_v1_url(CHINA_LOGIN_HOST, "contoso-china.cn"))
            .await,
    );
    assert_eq!(
        v1["issuer"],
        format!("https://sts.chinacloudapi.cn/{CONTOSO_CHINA_TENANT}/")
    );
    for host in [PUBLIC_LOGIN_HOST, CHINA_LOGIN_HOST] {
        let realm = json_of(&up.realm(host, "contoso-china.cn").await);
        assert_eq!(realm["NameSpaceType"], "Managed", "{host}");
        assert_eq!(realm["FederationBrandName"], "Contoso China", "{host}");
        let credential = json_of(&up.credential_type(host, "contoso-china.cn").await);
        assert!(credential["EstsProperties"]["UserTenantBranding"].is_null());
    }
    // The China cloud knows only its own tenants.
    let other = up.openid(CHINA_LOGIN_HOST, "contoso.com").await;
    assert_eq!(other.status.as_u16(), 400);
}

#[tokio::test]
async fn throttled_branding_arrives_inside_a_200() {
    let up = upstreams().await;
    let document = json_of(&up.openid(PUBLIC_LOGIN_HOST, "branding-throttled.com").await);
    assert_eq!(
        tenant_in(document["issuer"].as_str().unwrap()),
        BRANDING_THROTTLED_TENANT
    );
    let realm = json_of(&up.realm(PUBLIC_LOGIN_HOST, "branding-throttled.com").await);
    assert_eq!(realm["FederationBrandName"], "Throttled Co");
    let fetched = up
        .credential_type(PUBLIC_LOGIN_HOST, "branding-throttled.com")
        .await;
    assert_eq!(fetched.status.as_u16(), 200);
    let credential = json_of(&fetched);
    assert_eq!(credential["ThrottleStatus"], 1);
    assert_eq!(credential["IfExistsResult"], 2);
    assert!(
        credential["EstsProperties"]
            .get("UserTenantBranding")
            .is_none()
    );
}

#[tokio::test]
async fn broken_json_is_answered_with_a_200_that_does_not_parse() {
    let up = upstreams().await;
    let openid = up.openid(PUBLIC_LOGIN_HOST, "broken-json.com").await;
    assert_eq!(openid.status.as_u16(), 200);
    assert_eq!(openid.media_type().as_deref(), Some("application/json"));
    assert_eq!(
        &openid.body[..],
        br#"{"token_endpoint":"https://login.micro"#
    );
    assert!(serde_json::from_slice::<Value>(&openid.body).is_err());
    for fetched in [
        up.realm(PUBLIC_LOGIN_HOST, "broken-json.com").await,
        up.credential_type(PUBLIC_LOGIN_HOST, "broken-json.com")
            .await,
    ] {
        assert_eq!(fetched.status.as_u16(), 200);
        assert_eq!(fetched.media_type().as_deref(), Some("text/html"));
        assert!(serde_json::from_slice::<Value>(&fetched.body).is_err());
    }
}

fn assert_aadsts(fetched: &Fetched, status: u16, error: &str, code: u64) -> Value {
    assert_eq!(fetched.status.as_u16(), status, "{}", fetched.url);
    let body = json_of(fetched);
    assert_eq!(body["error"], error);
    assert_eq!(body["error_codes"], json!([code]));
    let description = body["error_description"].as_str().unwrap();
    assert!(
        description.starts_with(&format!("AADSTS{code}: ")),
        "{description}"
    );
    for key in ["timestamp", "trace_id", "correlation_id"] {
        assert!(body[key].as_str().is_some_and(|v| !v.is_empty()), "{key}");
        assert!(
            description.contains(body[key].as_str().unwrap()),
            "{key} is in the description"
        );
    }
    assert_eq!(
        body["error_uri"],
        format!(
            "https://{}/error?code={code}",
            fetched.url.host_str().unwrap()
        )
    );
    body
}

#[tokio::test]
async fn a_throttled_tenant_answers_429_with_retry_after_everywhere() {
    let up = upstreams().await;
    for fetched in [
        up.openid(PUBLIC_LOGIN_HOST, "throttled-tenant.com").await,
        up.realm(PUBLIC_LOGIN_HOST, "throttled-tenant.com").await,
        up.credential_type(PUBLIC_LOGIN_HOST, "throttled-tenant.com")
            .await,
    ] {
        assert_eq!(header(&fetched, "retry-after"), Some("30"));
        assert_aadsts(&fetched, 429, "temporarily_unavailable", 90055);
    }
}

#[tokio::test]
async fn an_unavailable_tenant_answers_503_server_error_everywhere() {
    let up = upstreams().await;
    for fetched in [
        up.openid(PUBLIC_LOGIN_HOST, "unavailable-tenant.com").await,
        up.realm(PUBLIC_LOGIN_HOST, "unavailable-tenant.com").await,
        up.credential_type(PUBLIC_LOGIN_HOST, "unavailable-tenant.com")
            .await,
    ] {
        assert_aadsts(&fetched, 503, "server_error", 90041);
    }
}

#[tokio::test]
async fn an_unknown_domain_is_invalid_tenant_90002() {
    let up = upstreams().await;
    for domain in ["notentra.org", "example.org"] {
        let body = assert_aadsts(
            &up.openid(PUBLIC_LOGIN_HOST, domain).await,
            400,
            "invalid_tenant",
            90002,
        );
        assert!(
            body["error_description"].as_str().unwrap().starts_with(&format!(
                "AADSTS90002: Tenant '{domain}' not found. Check to make sure you have the correct \
                 tenant ID and are signing into the correct cloud."
            )),
            "{body}"
        );
        let realm = json_of(&up.realm(PUBLIC_LOGIN_HOST, domain).await);
        assert_eq!(
            realm,
            json!({"State": 4, "UserState": 1, "Login": format!("user@{domain}"), "NameSpaceType": "Unknown"})
        );
        let credential = json_of(&up.credential_type(PUBLIC_LOGIN_HOST, domain).await);
        assert_eq!(credential["IfExistsResult"], 1);
        assert!(credential["EstsProperties"]["UserTenantBranding"].is_null());
    }
}

#[tokio::test]
async fn a_malformed_domain_is_invalid_request_900023() {
    let up = upstreams().await;
    for domain in ["contoso..com", "bad domain.com", "-contoso.com"] {
        let body = assert_aadsts(
            &up.openid(PUBLIC_LOGIN_HOST, domain).await,
            400,
            "invalid_request",
            900023,
        );
        assert!(
            body["error_description"]
                .as_str()
                .unwrap()
                .contains(&format!("'{domain}' is neither a valid DNS name")),
            "{body}"
        );
    }
}

#[tokio::test]
async fn domains_are_case_insensitive_and_tenant_ids_work_too() {
    let up = upstreams().await;
    let document = json_of(&up.openid(PUBLIC_LOGIN_HOST, "Contoso.COM").await);
    assert_eq!(
        tenant_in(document["issuer"].as_str().unwrap()),
        CONTOSO_TENANT
    );
    let by_id = json_of(&up.openid(PUBLIC_LOGIN_HOST, CONTOSO_TENANT).await);
    assert_eq!(by_id["issuer"], document["issuer"]);
    let realm = json_of(&up.realm(PUBLIC_LOGIN_HOST, "CONTOSO.com").await);
    assert_eq!(realm["FederationBrandName"], "Contoso");
    assert_eq!(realm["Login"], "user@CONTOSO.com");
    let credential = json_of(&up.credential_type(PUBLIC_LOGIN_HOST, "Contoso.Com").await);
    assert!(credential["EstsProperties"]["UserTenantBranding"].is_array());
}

#[tokio::test]
async fn unknown_paths_on_login_hosts_are_404_and_counted_as_other() {
    let up = upstreams().await;
    let url = Url::parse("https://login.microsoftonline.com/common/oauth2/v2.0/nothing").unwrap();
    assert_eq!(up.get(url).await.status.as_u16(), 404);
    assert_eq!(up.microsoft.requests(Endpoint::Other), 1);
}

// ---------------------------------------------------------------------------------------------
// Counts, delays, timeouts
// ---------------------------------------------------------------------------------------------

#[tokio::test]
async fn requests_are_counted_per_endpoint_and_host() {
    let up = upstreams().await;
    up.openid(PUBLIC_LOGIN_HOST, "contoso.com").await;
    up.openid(PUBLIC_LOGIN_HOST, "example.org").await;
    up.realm(PUBLIC_LOGIN_HOST, "contoso.com").await;
    up.realm(US_GOV_LOGIN_HOST, "gcchigh-agency.gov").await;
    up.credential_type(US_GOV_LOGIN_HOST, "gcchigh-agency.gov")
        .await;
    let m = &up.microsoft;
    assert_eq!(m.requests(Endpoint::OpenIdConfiguration), 2);
    assert_eq!(m.requests(Endpoint::UserRealm), 2);
    assert_eq!(m.requests(Endpoint::CredentialType), 1);
    assert_eq!(m.requests(Endpoint::Other), 0);
    assert_eq!(m.requests_on(PUBLIC_LOGIN_HOST, Endpoint::UserRealm), 1);
    assert_eq!(
        m.requests_on("LOGIN.microsoftonline.US", Endpoint::UserRealm),
        1
    );
    assert_eq!(
        m.requests_on(US_GOV_LOGIN_HOST, Endpoint::OpenIdConfiguration),
        0
    );
    assert_eq!(m.total_requests(), 5);
    let recorded = m.recorded();
    assert_eq!(recorded.len(), 5);
    assert_eq!(
        recorded[2].path_and_query,
        "/getuserrealm.srf?login=user@contoso.com&json=1"
    );
    assert!(
        recorded[0]
            .user_agent
            .as_deref()
            .is_some_and(|ua| ua.starts_with("authwalk/")),
        "{:?}",
        recorded[0].user_agent
    );
    m.reset_counts();
    assert_eq!(m.total_requests(), 0);
    assert!(m.recorded().is_empty());
    up.openid(PUBLIC_LOGIN_HOST, "contoso.com").await;
    assert_eq!(m.requests(Endpoint::OpenIdConfiguration), 1);
}

#[tokio::test]
async fn a_delayed_answer_waits_the_delay() {
    let up = upstreams().await;
    let delay = Duration::from_millis(600);
    up.microsoft.set_delay(delay);
    let started = Instant::now();
    up.openid(PUBLIC_LOGIN_HOST, "contoso.com").await;
    assert!(started.elapsed() >= delay);
    up.microsoft.set_delay(Duration::ZERO);
    let started = Instant::now();
    up.openid(PUBLIC_LOGIN_HOST, "contoso.com").await;
    assert!(started.elapsed() < delay);
}

/// Whether our client gave up on the deadline.
fn timed_out(result: &Result<Fetched, FetchError>) -> bool {
    matches!(result, Err(FetchError::Timeout { .. }))
}

#[tokio::test]
async fn a_delay_longer_than_our_timeout_makes_our_client_give_up() {
    let up = upstreams_with_timeout("300ms").await;
    up.microsoft.set_delay(Duration::from_secs(2));
    let started = Instant::now();
    let result = up
        .client
        .get(openid_url(PUBLIC_LOGIN_HOST, "contoso.com"), JSON_CAP)
        .await;
    assert!(timed_out(&result), "{result:?}");
    assert!(started.elapsed() < Duration::from_secs(2));
    assert_eq!(
        up.microsoft.requests(Endpoint::OpenIdConfiguration),
        1,
        "the request arrived"
    );
}

/// Our own deadline (not reqwest's) fires, so callers can tell a timeout from a failure.
#[tokio::test]
async fn a_delay_longer_than_our_timeout_is_reported_as_a_timeout() {
    let up = upstreams_with_timeout("300ms").await;
    up.microsoft.set_delay(Duration::from_secs(2));
    let error = up
        .client
        .get(openid_url(PUBLIC_LOGIN_HOST, "contoso.com"), JSON_CAP)
        .await
        .expect_err("the delay exceeds the timeout");
    assert!(
        matches!(error, FetchError::Timeout { timeout, .. } if timeout == Duration::from_millis(300)),
        "{error:?}"
    );
}

#[tokio::test]
async fn a_delay_for_one_endpoint_leaves_the_others_fast() {
    let up = upstreams_with_timeout("500ms").await;
    up.microsoft
        .set_delay_for(Endpoint::CredentialType, Duration::from_secs(2));
    up.openid(PUBLIC_LOGIN_HOST, "contoso.com").await;
    up.realm(PUBLIC_LOGIN_HOST, "contoso.com").await;
    let result = up
        .client
        .post_json(
            credential_type_url(PUBLIC_LOGIN_HOST),
            json!({"username": "probe@contoso.com"}),
            JSON_CAP,
        )
        .await;
    assert!(timed_out(&result), "{result:?}");
}

#[tokio::test]
async fn the_slow_tenant_outlasts_our_timeout_on_every_endpoint() {
    let up = upstreams_with_timeout("300ms").await;
    let started = Instant::now();
    let openid = up
        .client
        .get(openid_url(PUBLIC_LOGIN_HOST, "slow-tenant.com"), JSON_CAP)
        .await;
    let realm = up
        .client
        .get(realm_url(PUBLIC_LOGIN_HOST, "slow-tenant.com"), JSON_CAP)
        .await;
    let credential = up
        .client
        .post_json(
            credential_type_url(PUBLIC_LOGIN_HOST),
            json!({"username": "probe@slow-tenant.com"}),
            JSON_CAP,
        )
        .await;
    for result in [openid, realm, credential] {
        assert!(timed_out(&result), "{result:?}");
    }
    assert!(started.elapsed() < Duration::from_secs(5));
    assert_eq!(up.microsoft.total_requests(), 3);
}

// ---------------------------------------------------------------------------------------------
// DNS through our resolver
// ---------------------------------------------------------------------------------------------

#[tokio::test]
async fn dns_answers_every_record_type_over_udp() {
    let up = upstreams().await;
    up.dns.add(
        "www.contoso.com",
        FakeRecord::A(Ipv4Addr::new(20, 70, 246, 20)),
    );
    up.dns.add(
        "www.contoso.com.",
        FakeRecord::Aaaa("2603:1030::1".parse().unwrap()),
    );
    up.dns
        .add("contoso.com", FakeRecord::Mx(10, "mx1.contoso.com".into()));
    up.dns
        .add("contoso.com", FakeRecord::Txt("hello world".into()));
    up.dns.add(
        "autodiscover.contoso.com",
        FakeRecord::Cname("autodiscover.outlook.com".into()),
    );

    let mut ips = up.resolver.lookup_ips("www.contoso.com").await.unwrap();
    ips.sort();
    assert_eq!(
        ips,
        vec![
            std::net::IpAddr::V4(Ipv4Addr::new(20, 70, 246, 20)),
            std::net::IpAddr::V6("2603:1030::1".parse::<Ipv6Addr>().unwrap()),
        ]
    );
    assert_eq!(
        up.resolver.mx("contoso.com").await.unwrap(),
        vec!["mx1.contoso.com"]
    );
    assert_eq!(
        up.resolver.txt("contoso.com").await.unwrap(),
        vec!["hello world"]
    );
    assert_eq!(
        up.resolver.cname("autodiscover.contoso.com").await.unwrap(),
        "autodiscover.outlook.com"
    );
    assert!(up.dns.queries("www.contoso.com") >= 2, "A and AAAA");
    assert_eq!(up.dns.queries("contoso.com"), 2, "MX and TXT");
    assert_eq!(
        up.dns.tcp_queries("contoso.com"),
        0,
        "small answers stay on UDP"
    );
}

#[tokio::test]
async fn microsoft365_records_look_like_exchange_online() {
    let up = upstreams().await;
    up.dns.add_microsoft365("contoso.com");
    assert_eq!(
        up.resolver.mx("contoso.com").await.unwrap(),
        vec!["contoso-com.mail.protection.outlook.com"]
    );
    let mut txt = up.resolver.txt("contoso.com").await.unwrap();
    txt.sort();
    assert_eq!(
        txt,
        vec![
            "MS=ms12345678",
            "v=spf1 include:spf.protection.outlook.com -all"
        ]
    );
    for (label, target) in [
        ("autodiscover", "autodiscover.outlook.com"),
        (
            "enterpriseregistration",
            "enterpriseregistration.windows.net",
        ),
        (
            "enterpriseenrollment",
            "enterpriseenrollment-s.manage.microsoft.com",
        ),
        ("lyncdiscover", "webdir.online.lync.com"),
    ] {
        assert_eq!(
            up.resolver
                .cname(&format!("{label}.contoso.com"))
                .await
                .unwrap(),
            target
        );
    }
}

#[tokio::test]
async fn unknown_names_and_missing_types_are_no_records() {
    let up = upstreams().await;
    up.dns
        .add("contoso.com", FakeRecord::Txt("v=spf1 -all".into()));
    let nxdomain = up.resolver.mx("notentra.org").await.unwrap_err();
    assert!(
        matches!(nxdomain, DnsError::NoRecords { .. }),
        "{nxdomain:?}"
    );
    let nodata = up.resolver.mx("contoso.com").await.unwrap_err();
    assert!(matches!(nodata, DnsError::NoRecords { .. }), "{nodata:?}");
    let no_ips = up.resolver.lookup_ips("contoso.com").await.unwrap_err();
    assert!(no_ips.is_no_records(), "{no_ips:?}");
}

#[tokio::test]
async fn servfail_is_a_failure_not_an_absence() {
    let up = upstreams().await;
    up.dns
        .add("contoso.com", FakeRecord::Txt("MS=ms12345678".into()));
    up.dns.fail("Contoso.com.");
    let error = up.resolver.txt_uncached("contoso.com").await.unwrap_err();
    assert!(matches!(error, DnsError::Failed { .. }), "{error:?}");
    up.dns.recover("contoso.com");
    assert_eq!(
        up.resolver.txt_uncached("contoso.com").await.unwrap(),
        vec!["MS=ms12345678"]
    );
}

#[tokio::test]
async fn long_txt_records_are_split_and_large_answers_fall_back_to_tcp() {
    let up = upstreams().await;
    // Over 512 bytes: fits the resolver's EDNS payload, so it stays on UDP.
    let medium: String = "m".repeat(600);
    up.dns
        .add("medium.contoso.com", FakeRecord::Txt(medium.clone()));
    assert_eq!(
        up.resolver.txt("medium.contoso.com").await.unwrap(),
        vec![medium]
    );
    // Over any EDNS payload: truncated on UDP, then retried over TCP.
    let large: String = (0..3000)
        .map(|i| char::from(b'a' + (i % 26) as u8))
        .collect();
    up.dns
        .add("large.contoso.com", FakeRecord::Txt(large.clone()));
    assert_eq!(
        up.resolver.txt("large.contoso.com").await.unwrap(),
        vec![large]
    );
    assert_eq!(up.dns.tcp_queries("large.contoso.com"), 1);
    assert!(up.dns.queries("large.contoso.com") >= 2, "UDP then TCP");
}

#[tokio::test]
async fn a_cname_is_followed_to_addresses_within_the_fake() {
    let up = upstreams().await;
    up.dns.add(
        "www.northwind.com",
        FakeRecord::Cname("northwind.azurewebsites.net".into()),
    );
    up.dns.add(
        "northwind.azurewebsites.net",
        FakeRecord::A(Ipv4Addr::new(20, 40, 202, 3)),
    );
    assert_eq!(
        up.resolver.lookup_ips("WWW.Northwind.com").await.unwrap(),
        vec![std::net::IpAddr::V4(Ipv4Addr::new(20, 40, 202, 3))]
    );
}

#[tokio::test]
async fn a_dns_delay_longer_than_our_timeout_fails_the_lookup() {
    let up = upstreams_with_timeout("300ms").await;
    up.dns
        .add("contoso.com", FakeRecord::Txt("MS=ms12345678".into()));
    up.dns.set_delay(Duration::from_secs(2));
    let started = Instant::now();
    let error = up.resolver.txt("contoso.com").await.unwrap_err();
    assert!(matches!(error, DnsError::Failed { .. }), "{error:?}");
    assert!(started.elapsed() < Duration::from_secs(2));
}

#[tokio::test]
async fn unpinned_hosts_are_resolved_through_the_fake_dns() {
    let up = upstreams().await;
    up.dns
        .add("intranet.contoso.com", FakeRecord::A(Ipv4Addr::LOCALHOST));
    let error = up
        .client
        .get(
            Url::parse("https://intranet.contoso.com/logo.png").unwrap(),
            JSON_CAP,
        )
        .await
        .unwrap_err();
    assert!(
        error.to_string().contains("resolves to 127.0.0.1"),
        "the fake's answer reached the address rule: {error:?}"
    );
    assert!(up.dns.queries("intranet.contoso.com") >= 1);
    assert_eq!(up.microsoft.total_requests(), 0);
}

/// A refusal made inside our resolver reaches the caller as `Blocked` / `Dns`, not a transport error.
#[tokio::test]
async fn a_resolver_refusal_is_reported_as_blocked_or_dns() {
    let up = upstreams().await;
    up.dns
        .add("intranet.contoso.com", FakeRecord::A(Ipv4Addr::LOCALHOST));
    let error = up
        .client
        .get(
            Url::parse("https://intranet.contoso.com/logo.png").unwrap(),
            JSON_CAP,
        )
        .await
        .unwrap_err();
    assert!(matches!(error, FetchError::Blocked { .. }), "{error:?}");
    let error = up
        .client
        .get(
            Url::parse("https://missing.contoso.com/").unwrap(),
            JSON_CAP,
        )
        .await
        .unwrap_err();
    assert!(
        matches!(&error, FetchError::Dns(dns) if dns.is_no_records()),
        "{error:?}"
    );
}

// ---------------------------------------------------------------------------------------------
// DNS on the wire (what the resolver hides)
// ---------------------------------------------------------------------------------------------

fn wire_query(name: &str, record_type: RecordType, edns: bool) -> Message {
    let mut query = Message::query();
    query.metadata.recursion_desired = true;
    query.add_query(Query::query(Name::from_ascii(name).unwrap(), record_type));
    if edns {
        let mut options = Edns::new();
        options.set_max_payload(1232);
        query.set_edns(options);
    }
    query
}

async fn ask_udp(dns: &FakeDns, query: &Message) -> Message {
    let socket = UdpSocket::bind("127.0.0.1:0").await.unwrap();
    socket
        .send_to(&query.to_vec().unwrap(), dns.addr())
        .await
        .unwrap();
    let mut buffer = vec![0u8; 65_535];
    let (length, _) = tokio::time::timeout(Duration::from_secs(5), socket.recv_from(&mut buffer))
        .await
        .expect("an answer")
        .unwrap();
    Message::from_vec(&buffer[..length]).unwrap()
}

async fn ask_tcp(dns: &FakeDns, query: &Message) -> Message {
    let mut stream = TcpStream::connect(dns.addr()).await.unwrap();
    let wire = query.to_vec().unwrap();
    let mut framed = u16::try_from(wire.len()).unwrap().to_be_bytes().to_vec();
    framed.extend_from_slice(&wire);
    stream.write_all(&framed).await.unwrap();
    let mut length = [0u8; 2];
    stream.read_exact(&mut length).await.unwrap();
    let mut answer = vec![0u8; usize::from(u16::from_be_bytes(length))];
    stream.read_exact(&mut answer).await.unwrap();
    Message::from_vec(&answer).unwrap()
}

#[tokio::test]
async fn answers_are_authoritative_and_echo_the_query() {
    let dns = FakeDns::start().await;
    dns.add("contoso.com", FakeRecord::A(Ipv4Addr::new(20, 70, 246, 20)));
    dns.add(
        "selector1._domainkey.contoso.com",
        FakeRecord::Cname("selector1-contoso-com._domainkey.contoso.onmicrosoft.com".into()),
    );
    dns.add("alias.contoso.com", FakeRecord::Cname("contoso.com".into()));

    let query = wire_query("Contoso.COM.", RecordType::A, true);
    let answer = ask_udp(&dns, &query).await;
    assert_eq!(answer.metadata.id, query.metadata.id);
    assert_eq!(answer.metadata.message_type, MessageType::Response);
    assert!(answer.metadata.authoritative);
    assert!(answer.metadata.recursion_available);
    assert!(answer.metadata.recursion_desired);
    assert_eq!(answer.metadata.response_code, ResponseCode::NoError);
    assert_eq!(answer.queries, query.queries);
    assert!(answer.edns.is_some(), "EDNS answered with EDNS");
    assert_eq!(answer.answers.len(), 1);
    assert_eq!(
        answer.answers[0].name,
        Name::from_ascii("Contoso.COM.").unwrap()
    );
    assert_eq!(
        answer.answers[0].data,
        RData::A(Ipv4Addr::new(20, 70, 246, 20).into())
    );

    let nxdomain = ask_udp(
        &dns,
        &wire_query("nothing.contoso.com.", RecordType::A, false),
    )
    .await;
    assert_eq!(nxdomain.metadata.response_code, ResponseCode::NXDomain);
    assert!(nxdomain.answers.is_empty());
    assert!(nxdomain.edns.is_none(), "no EDNS asked, none answered");
    assert!(
        matches!(&nxdomain.authorities[..], [soa] if matches!(soa.data, RData::SOA(_)) && soa.ttl == NEGATIVE_TTL)
    );

    let nodata = ask_udp(&dns, &wire_query("contoso.com.", RecordType::MX, false)).await;
    assert_eq!(nodata.metadata.response_code, ResponseCode::NoError);
    assert!(nodata.answers.is_empty());
    assert!(matches!(nodata.authorities[0].data, RData::SOA(_)));

    // A name with only descendants exists (empty non-terminal): NODATA, not NXDOMAIN.
    let empty_non_terminal = ask_udp(
        &dns,
        &wire_query("_domainkey.contoso.com.", RecordType::TXT, false),
    )
    .await;
    assert_eq!(
        empty_non_terminal.metadata.response_code,
        ResponseCode::NoError
    );

    // A CNAME-only name asked for A: the CNAME, then the target's A record.
    let alias_query = wire_query("alias.contoso.com.", RecordType::A, false);
    let chased = ask_tcp(&dns, &alias_query).await;
    assert_eq!(chased.metadata.id, alias_query.metadata.id);
    assert_eq!(chased.answers.len(), 2);
    assert!(
        matches!(&chased.answers[0].data, RData::CNAME(target) if target.0 == Name::from_ascii("contoso.com.").unwrap())
    );
    assert!(matches!(chased.answers[1].data, RData::A(_)));
    assert_eq!(dns.tcp_queries("alias.contoso.com"), 1);

    dns.fail("contoso.com");
    let servfail = ask_tcp(&dns, &wire_query("contoso.com.", RecordType::A, false)).await;
    assert_eq!(servfail.metadata.response_code, ResponseCode::ServFail);
}

#[tokio::test]
async fn big_udp_answers_are_truncated_and_complete_over_tcp() {
    let dns = FakeDns::start().await;
    let text = "x".repeat(600);
    dns.add("big.contoso.com", FakeRecord::Txt(text.clone()));

    // Without EDNS the UDP limit is 512 bytes.
    let truncated = ask_udp(
        &dns,
        &wire_query("big.contoso.com.", RecordType::TXT, false),
    )
    .await;
    assert!(truncated.metadata.truncation);
    assert!(truncated.answers.is_empty());
    // With EDNS 1232 it fits.
    let fits = ask_udp(&dns, &wire_query("big.contoso.com.", RecordType::TXT, true)).await;
    assert!(!fits.metadata.truncation);
    assert_eq!(fits.answers.len(), 1);

    let full = ask_tcp(
        &dns,
        &wire_query("big.contoso.com.", RecordType::TXT, false),
    )
    .await;
    assert!(!full.metadata.truncation);
    let RData::TXT(txt) = &full.answers[0].data else {
        panic!("a TXT answer: {full:?}");
    };
    let lengths: Vec<usize> = txt.txt_data.iter().map(|part| part.len()).collect();
    assert_eq!(lengths, vec![255, 255, 90], "split into character-strings");
    assert_eq!(txt.txt_data.concat(), text.as_bytes());
}
