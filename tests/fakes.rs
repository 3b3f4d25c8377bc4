//! The fakes answer like the real services, proved with OUR production client (`net::OutboundClient`
//! and `net::Dns`) wired to them only through configuration.
#![allow(clippy::unwrap_used, clippy::expect_used, reason = "tests")]

mod support;

use std::net::{Ipv4Addr, Ipv6Addr};
use std::sync::Arc;
use std::time::{Duration, Instant};

use authwalk::config::RawConfig;
use authwalk::net::client::{HTML_CAP, IMAGE_CAP, JSON_CAP};
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
use support::fake_microsoft::{
    CDN_CACHE_CONTROL, CDN_ELSEWHERE_BANNER_LOGO, CDN_ELSEWHERE_TENANT, CONTOSO_BANNER_LOGO_COLOR,
    CONTOSO_BANNER_LOGO_SIZE, CONTOSO_ILLUSTRATION_COLOR, CONTOSO_ILLUSTRATION_SIZE,
    CONTOSO_TILE_DARK_LOGO_COLOR, CONTOSO_TILE_LOGO_COLOR, CONTOSO_TILE_LOGO_SIZE,
    GCC_HIGH_BANNER_LOGO_COLOR, HOSTILE_BANNER_LOGO, HOSTILE_BRANDING_TENANT, HOSTILE_ILLUSTRATION,
    HOSTILE_TILE_DARK_LOGO, HOSTILE_TILE_LOGO, icons_brand, icons_tenant_id, is_icons_domain,
};
use support::fake_web::{
    self, EVIL_CDN_HOST, EVIL_CDN_LOGO, FakeWeb, HUGE_BODY_BYTES, colors, images,
};
use support::test_ca::TestCa;

/// The fakes (both HTTPS fakes signed by one test CA) and our production clients wired to them.
struct Upstreams {
    ca: TestCa,
    microsoft: FakeMicrosoft,
    web: FakeWeb,
    dns: FakeDns,
    client: OutboundClient,
    resolver: Dns,
}

async fn upstreams() -> Upstreams {
    upstreams_with_timeout("4s").await
}

async fn upstreams_with_timeout(timeout: &str) -> Upstreams {
    let ca = TestCa::new();
    let microsoft = FakeMicrosoft::start_with_ca(&ca).await;
    let web = FakeWeb::start_with_ca(&ca).await;
    let dns = FakeDns::start().await;
    let config = RawConfig {
        connect_to: Some(format!("{},{}", microsoft.connect_to(), web.connect_to())),
        extra_ca: Some(ca.pem_path().into()),
        dns_servers: Some(dns.addr().to_string()),
        upstream_timeout: timeout.into(),
        ..RawConfig::default()
    }
    .validate()
    .expect("valid configuration");
    let resolver = Dns::new(&config.dns_servers, config.upstream_timeout).expect("resolver");
    let client = OutboundClient::new(&config, resolver.clone()).expect("client");
    Upstreams {
        ca,
        microsoft,
        web,
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
    raw_tls_to(microsoft.addr(), microsoft.ca_pem(), server_name, alpn).await
}

/// A TLS client to `addr` that trusts only `ca_pem` and offers `alpn`.
async fn raw_tls_to(
    addr: std::net::SocketAddr,
    ca_pem: &str,
    server_name: &str,
    alpn: &[&[u8]],
) -> std::io::Result<tokio_rustls::client::TlsStream<TcpStream>> {
    let mut roots = rustls::RootCertStore::empty();
    for certificate in CertificateDer::pem_slice_iter(ca_pem.as_bytes()) {
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
    let tcp = TcpStream::connect(addr).await?;
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

// ---------------------------------------------------------------------------------------------
// One test CA for every HTTPS fake
// ---------------------------------------------------------------------------------------------

/// Certificates in a PEM text.
fn certificates_in(pem: &str) -> usize {
    CertificateDer::pem_slice_iter(pem.as_bytes()).count()
}

#[tokio::test]
async fn one_shared_ca_verifies_both_https_fakes_through_our_client() {
    let up = upstreams().await;
    let pem = std::fs::read_to_string(up.ca.pem_path()).unwrap();
    assert_eq!(certificates_in(&pem), 1, "ONE root in AUTHWALK_EXTRA_CA");
    assert_eq!(up.microsoft.ca_pem_path(), up.ca.pem_path());
    assert_eq!(up.web.ca_pem_path(), up.ca.pem_path());
    assert_eq!(up.microsoft.ca_pem(), up.web.ca_pem());

    let openid = up.openid(PUBLIC_LOGIN_HOST, "contoso.com").await;
    assert_eq!(openid.status.as_u16(), 200);
    let image = up.get(Url::parse(CONTOSO_BANNER_LOGO).unwrap()).await;
    assert_eq!(image.status.as_u16(), 200);
    // Every site host is verified (the redirect and big-page sites have their own tests).
    for host in fake_web::HOSTS
        .iter()
        .filter(|host| !host.contains("icons-redirect") && !host.contains("icons-bigpage"))
    {
        let url = if *host == EVIL_CDN_HOST {
            EVIL_CDN_LOGO.to_owned()
        } else {
            format!("https://{host}/")
        };
        let page = up
            .get_capped(&url, HTML_CAP)
            .await
            .unwrap_or_else(|error| panic!("{host}: {error}"));
        assert_eq!(page.status.as_u16(), 200, "{host}");
    }
    let connect_to = up.web.connect_to();
    for host in fake_web::HOSTS {
        assert!(
            connect_to
                .split(',')
                .any(|pin| pin == format!("{host}={}", up.web.addr())),
            "{connect_to} pins {host}"
        );
    }
}

#[tokio::test]
async fn the_shared_ca_signs_certificates_for_any_host_names() {
    let ca = TestCa::new();
    let web = FakeWeb::start_with_ca(&ca).await;
    for host in fake_web::HOSTS {
        raw_tls_to(web.addr(), ca.pem(), host, &[b"h2"])
            .await
            .unwrap_or_else(|error| panic!("{host}: {error}"));
    }
    for host in ["icons-www.com", PUBLIC_LOGIN_HOST, "example.com"] {
        let error = raw_tls_to(web.addr(), ca.pem(), host, &[b"http/1.1"])
            .await
            .expect_err("a host the web certificate does not name");
        assert!(error.to_string().contains("certificate"), "{host}: {error}");
    }
    // A CA of its own (standalone start) is not the shared one, and is refused by a client that
    // trusts only the shared one.
    let standalone = FakeMicrosoft::start().await;
    assert_ne!(standalone.ca_pem(), ca.pem());
    assert_eq!(certificates_in(standalone.ca_pem()), 1);
    let error = raw_tls_to(standalone.addr(), ca.pem(), PUBLIC_LOGIN_HOST, &[b"h2"])
        .await
        .expect_err("another CA");
    assert!(error.to_string().contains("certificate"), "{error}");
    // And a standalone FakeWeb has its own CA too.
    let own = FakeWeb::start().await;
    assert_ne!(own.ca_pem(), ca.pem());
    raw_tls_to(own.addr(), own.ca_pem(), "icons-apple.com", &[b"h2"])
        .await
        .unwrap();
}

#[tokio::test]
async fn a_standalone_fake_microsoft_still_wires_by_itself() {
    let microsoft = FakeMicrosoft::start().await;
    let dns = FakeDns::start().await;
    let config = RawConfig {
        connect_to: Some(microsoft.connect_to()),
        extra_ca: Some(microsoft.ca_pem_path().into()),
        dns_servers: Some(dns.addr().to_string()),
        ..RawConfig::default()
    }
    .validate()
    .unwrap();
    let resolver = Dns::new(&config.dns_servers, config.upstream_timeout).unwrap();
    let client = OutboundClient::new(&config, resolver).unwrap();
    let fetched = client
        .get(Url::parse(CONTOSO_TILE_LOGO).unwrap(), IMAGE_CAP)
        .await
        .unwrap();
    assert_eq!(fetched.status.as_u16(), 200);
    assert_eq!(microsoft.cdn_requests(CONTOSO_TILE_LOGO), 1);
}

// ---------------------------------------------------------------------------------------------
// Branding CDN
// ---------------------------------------------------------------------------------------------

impl Upstreams {
    async fn get_capped(&self, url: &str, cap: usize) -> Result<Fetched, FetchError> {
        self.client.get(Url::parse(url).unwrap(), cap).await
    }

    async fn image(&self, url: &str) -> Fetched {
        self.get_capped(url, IMAGE_CAP)
            .await
            .unwrap_or_else(|error| panic!("GET {url}: {error}"))
    }
}

/// Make the generated images now, off the runtime, so no fetch waits for a debug-build encoder.
async fn warm_up_images() {
    tokio::task::spawn_blocking(images::warm_up).await.unwrap();
}

/// Decode `bytes` and check its size and dominant colour.
fn assert_image(what: &str, bytes: &[u8], size: (u32, u32), color: images::Rgb, tolerance: u8) {
    let image = images::decode(bytes).unwrap_or_else(|error| panic!("{what}: {error}"));
    assert_eq!((image.width(), image.height()), size, "{what}");
    let dominant = images::dominant_color(&image).unwrap();
    assert!(
        images::close(dominant, color, tolerance),
        "{what}: dominant {dominant:02X?}, expected {color:02X?}"
    );
}

#[tokio::test]
async fn contoso_and_gcc_high_cdn_images_are_real_images_with_real_headers() {
    warm_up_images().await;
    let up = upstreams().await;
    let cases = [
        (
            CONTOSO_BANNER_LOGO,
            "image/png",
            CONTOSO_BANNER_LOGO_SIZE,
            CONTOSO_BANNER_LOGO_COLOR,
        ),
        (
            CONTOSO_TILE_LOGO,
            "image/png",
            CONTOSO_TILE_LOGO_SIZE,
            CONTOSO_TILE_LOGO_COLOR,
        ),
        (
            CONTOSO_TILE_DARK_LOGO,
            "image/png",
            CONTOSO_TILE_LOGO_SIZE,
            CONTOSO_TILE_DARK_LOGO_COLOR,
        ),
        (
            CONTOSO_ILLUSTRATION,
            "image/jpeg",
            CONTOSO_ILLUSTRATION_SIZE,
            CONTOSO_ILLUSTRATION_COLOR,
        ),
        (
            GCC_HIGH_BANNER_LOGO,
            "image/png",
            CONTOSO_BANNER_LOGO_SIZE,
            GCC_HIGH_BANNER_LOGO_COLOR,
        ),
    ];
    for (url, media, size, color) in cases {
        let fetched = up.image(url).await;
        assert_eq!(fetched.status.as_u16(), 200, "{url}");
        assert_eq!(fetched.media_type().as_deref(), Some(media), "{url}");
        assert_eq!(header(&fetched, "cache-control"), Some(CDN_CACHE_CONTROL));
        assert!(header(&fetched, "etag").is_some(), "{url}");
        assert_image(url, &fetched.body, size, color, 12);
        assert_eq!(up.microsoft.cdn_requests(url), 1, "{url}");
        let path = Url::parse(url).unwrap().path().to_owned();
        assert_eq!(up.microsoft.cdn_requests(&path), 1, "{path}");
        // Deterministic bytes: a second fetch answers the same.
        assert_eq!(up.image(url).await.body, fetched.body, "{url}");
    }
    // Small where size is not the point.
    let illustration = up.image(CONTOSO_ILLUSTRATION).await;
    assert!(
        illustration.body.len() < 256 * 1024,
        "{}",
        illustration.body.len()
    );
    // The banner has transparency.
    let banner = images::decode(&up.image(CONTOSO_BANNER_LOGO).await.body).unwrap();
    assert!(banner.to_rgba8().pixels().any(|pixel| pixel.0[3] == 0));
    assert_eq!(up.microsoft.requests(Endpoint::Cdn), 12);
    assert_eq!(
        up.microsoft
            .requests_on("aadcdn.msftauthimages.net", Endpoint::Cdn),
        12
    );
}

#[tokio::test]
async fn cdn_objects_live_on_their_host_and_path_only() {
    let up = upstreams().await;
    let banner = Url::parse(CONTOSO_BANNER_LOGO).unwrap();
    // Another CDN host, the same path: 404 as Azure Blob writes it.
    let elsewhere = format!("https://{}{}", CDN_HOSTS[1], banner.path());
    let fetched = up.get(Url::parse(&elsewhere).unwrap()).await;
    assert_eq!(fetched.status.as_u16(), 404);
    assert_eq!(fetched.media_type().as_deref(), Some("application/xml"));
    assert!(String::from_utf8_lossy(&fetched.body).contains("<Code>BlobNotFound</Code>"));
    // The query is ignored, as the CDN does.
    let other_ts = format!("https://{}{}?ts=1", CDN_HOSTS[0], banner.path());
    assert_eq!(up.image(&other_ts).await.status.as_u16(), 200);
    assert_eq!(up.microsoft.cdn_requests(CONTOSO_BANNER_LOGO), 1);
    assert_eq!(up.microsoft.cdn_requests(&elsewhere), 1);
    assert_eq!(up.microsoft.cdn_requests(banner.path()), 2);
    assert_eq!(up.microsoft.requests(Endpoint::Cdn), 2);
    assert_eq!(up.microsoft.requests(Endpoint::Other), 0);
    up.microsoft.reset_counts();
    assert_eq!(up.microsoft.cdn_requests(banner.path()), 0);
}

/// The branding URLs of a credential-type answer.
async fn branding_urls(up: &Upstreams, host: &str, domain: &str) -> Vec<String> {
    let credential = json_of(&up.credential_type(host, domain).await);
    let entries = credential["EstsProperties"]["UserTenantBranding"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    entries
        .iter()
        .flat_map(|entry| {
            ["BannerLogo", "TileLogo", "TileDarkLogo", "Illustration"]
                .into_iter()
                .filter_map(|key| entry[key].as_str().map(str::to_owned))
        })
        .collect()
}

#[tokio::test]
async fn every_branding_url_of_the_scenarios_is_served_by_the_cdn() {
    warm_up_images().await;
    let up = upstreams().await;
    let contoso = branding_urls(&up, PUBLIC_LOGIN_HOST, "contoso.com").await;
    assert_eq!(contoso.len(), 4);
    let agency = branding_urls(&up, US_GOV_LOGIN_HOST, "gcchigh-agency.gov").await;
    assert_eq!(agency, vec![GCC_HIGH_BANNER_LOGO.to_owned()]);
    for url in contoso.iter().chain(&agency) {
        let fetched = up.image(url).await;
        assert_eq!(fetched.status.as_u16(), 200, "{url}");
        images::decode(&fetched.body).unwrap_or_else(|error| panic!("{url}: {error}"));
    }
    let hostile = branding_urls(&up, PUBLIC_LOGIN_HOST, "hostile-branding.com").await;
    assert_eq!(
        hostile,
        [
            HOSTILE_BANNER_LOGO,
            HOSTILE_TILE_LOGO,
            HOSTILE_TILE_DARK_LOGO,
            HOSTILE_ILLUSTRATION
        ]
    );
    for url in &hostile {
        let host = Url::parse(url).unwrap().host_str().unwrap().to_owned();
        assert!(CDN_HOSTS.contains(&host.as_str()), "{url} is on the CDN");
    }
}

#[tokio::test]
async fn hostile_branding_serves_traps_from_the_cdn() {
    warm_up_images().await;
    let up = upstreams().await;
    let openid = json_of(&up.openid(PUBLIC_LOGIN_HOST, "hostile-branding.com").await);
    assert_eq!(
        tenant_in(openid["issuer"].as_str().unwrap()),
        HOSTILE_BRANDING_TENANT
    );
    let realm = json_of(&up.realm(PUBLIC_LOGIN_HOST, "hostile-branding.com").await);
    assert_eq!(realm["NameSpaceType"], "Managed");

    // A PNG declaring 100000×100000: valid signature and header, tiny, undecodable.
    let banner = up.image(HOSTILE_BANNER_LOGO).await;
    assert_eq!(banner.media_type().as_deref(), Some("image/png"));
    assert!(banner.body.len() < 2048, "{}", banner.body.len());
    assert_eq!(&banner.body[..8], b"\x89PNG\r\n\x1a\n");
    assert_eq!(&banner.body[12..16], b"IHDR");
    assert_eq!(&banner.body[16..20], &100_000u32.to_be_bytes());
    assert_eq!(&banner.body[20..24], &100_000u32.to_be_bytes());
    let crc = images::crc32(&banner.body[12..29]);
    assert_eq!(
        &banner.body[29..33],
        &crc.to_be_bytes(),
        "IHDR CRC is valid"
    );
    let reader = image::ImageReader::new(std::io::Cursor::new(&banner.body[..]))
        .with_guessed_format()
        .unwrap();
    assert_eq!(reader.into_dimensions().unwrap(), (100_000, 100_000));
    assert!(images::decode(&banner.body).is_err());

    // HTML served as image/png.
    let tile = up.image(HOSTILE_TILE_LOGO).await;
    assert_eq!(tile.media_type().as_deref(), Some("image/png"));
    assert!(tile.body.starts_with(b"<!DOCTYPE html>"));
    assert!(images::decode(&tile.body).is_err());

    // A truncated JPEG: its header is there, no decoder gets pixels.
    let dark = up.image(HOSTILE_TILE_DARK_LOGO).await;
    assert_eq!(dark.media_type().as_deref(), Some("image/jpeg"));
    assert_eq!(&dark.body[..3], &[0xFF, 0xD8, 0xFF]);
    assert!(dark.body.len() < 1024);
    assert!(images::decode(&dark.body).is_err());

    // 20 MiB announced by Content-Length: refused before reading, and readable when allowed.
    let error = up
        .get_capped(HOSTILE_ILLUSTRATION, IMAGE_CAP)
        .await
        .expect_err("20 MiB is over the image cap");
    assert!(matches!(error, FetchError::TooLarge { .. }), "{error:?}");
    let whole = up
        .get_capped(HOSTILE_ILLUSTRATION, HUGE_BODY_BYTES)
        .await
        .unwrap();
    assert_eq!(whole.body.len(), HUGE_BODY_BYTES);
    assert_eq!(
        header(&whole, "content-length"),
        Some(HUGE_BODY_BYTES.to_string().as_str())
    );
    assert_eq!(&whole.body[..2], &[0xFF, 0xD8]);
    assert_eq!(up.microsoft.cdn_requests(HOSTILE_ILLUSTRATION), 2);
}

#[tokio::test]
async fn cdn_elsewhere_points_its_banner_outside_the_cdn_at_a_counted_host() {
    let up = upstreams().await;
    let urls = branding_urls(&up, PUBLIC_LOGIN_HOST, "cdn-elsewhere.com").await;
    assert_eq!(urls, vec![CDN_ELSEWHERE_BANNER_LOGO.to_owned()]);
    let host = Url::parse(&urls[0]).unwrap().host_str().unwrap().to_owned();
    assert_eq!(host, EVIL_CDN_HOST);
    assert!(!CDN_HOSTS.contains(&host.as_str()));
    let openid = json_of(&up.openid(PUBLIC_LOGIN_HOST, "cdn-elsewhere.com").await);
    assert_eq!(
        tenant_in(openid["issuer"].as_str().unwrap()),
        CDN_ELSEWHERE_TENANT
    );

    assert_eq!(up.web.requests_for(EVIL_CDN_LOGO), 0);
    let fetched = up.image(EVIL_CDN_LOGO).await;
    assert_eq!(fetched.media_type().as_deref(), Some("image/png"));
    assert_image(EVIL_CDN_LOGO, &fetched.body, (280, 60), colors::EVIL_CDN, 0);
    assert_eq!(
        up.web.requests_for(EVIL_CDN_LOGO),
        1,
        "fetching it is visible"
    );
    assert_eq!(up.web.requests_on(EVIL_CDN_HOST), 1);
    assert_eq!(up.microsoft.requests(Endpoint::Cdn), 0);
}

// ---------------------------------------------------------------------------------------------
// Unbranded tenants of the website scenarios
// ---------------------------------------------------------------------------------------------

#[tokio::test]
async fn icons_domains_are_managed_tenants_without_branding() {
    let up = upstreams().await;
    for domain in fake_web::SITES {
        let openid = json_of(&up.openid(PUBLIC_LOGIN_HOST, domain).await);
        let tenant = tenant_in(openid["issuer"].as_str().unwrap());
        assert_eq!(tenant, icons_tenant_id(domain), "{domain}");
        let parsed = uuid::Uuid::parse_str(&tenant).unwrap();
        assert_eq!(parsed.get_version_num(), 4, "{domain}");
        assert_eq!(openid["tenant_region_scope"], "NA");

        let realm = json_of(&up.realm(PUBLIC_LOGIN_HOST, domain).await);
        assert_eq!(realm["NameSpaceType"], "Managed", "{domain}");
        assert_eq!(
            realm["FederationBrandName"],
            icons_brand(domain),
            "{domain}"
        );

        let credential = json_of(&up.credential_type(PUBLIC_LOGIN_HOST, domain).await);
        assert_eq!(credential["EstsProperties"]["DomainType"], 3);
        assert!(
            credential["EstsProperties"]["UserTenantBranding"].is_null(),
            "{domain}: no Entra branding"
        );
    }
    assert_eq!(icons_brand("icons-apple.com"), "Icons Apple");
    assert_eq!(icons_brand("ICONS-bigpage.com."), "Icons Bigpage");
    // Deterministic, distinct, case-insensitive.
    assert_eq!(
        icons_tenant_id("icons-apple.com"),
        icons_tenant_id("Icons-Apple.com")
    );
    assert_ne!(
        icons_tenant_id("icons-apple.com"),
        icons_tenant_id("icons-svg.com")
    );
    let realm = json_of(&up.realm(PUBLIC_LOGIN_HOST, "icons-anything-else.org").await);
    assert_eq!(realm["FederationBrandName"], "Icons Anything Else");

    // Only the first label counts; the China host does not know them.
    for (host, domain) in [
        (PUBLIC_LOGIN_HOST, "www.icons-apple.com"),
        (PUBLIC_LOGIN_HOST, "myicons-apple.com"),
        (PUBLIC_LOGIN_HOST, "icons-"),
        (CHINA_LOGIN_HOST, "icons-apple.com"),
    ] {
        let fetched = up.openid(host, domain).await;
        assert_eq!(fetched.status.as_u16(), 400, "{domain} on {host}");
    }
}

// ---------------------------------------------------------------------------------------------
// Company websites
// ---------------------------------------------------------------------------------------------

/// What a URL of a site should answer.
#[derive(Debug, Clone, Copy)]
enum Want {
    /// A decodable image of this media type, size and dominant colour.
    Image(&'static str, (u32, u32), images::Rgb),
    /// An SVG that renders with this dominant colour.
    Svg(images::Rgb),
    /// A web app manifest.
    Manifest,
    /// 404.
    Missing,
}

/// The icon candidates a page declares: `link` elements whose `rel` has `icon`,
/// `apple-touch-icon` or `manifest`, and `og:image`, resolved against `<base href>` if any.
fn declared_candidates(page_url: &Url, html: &str) -> Vec<String> {
    let document = scraper::Html::parse_document(html);
    let base = scraper::Selector::parse("base[href]").unwrap();
    let base = document
        .select(&base)
        .next()
        .and_then(|element| element.value().attr("href"))
        .and_then(|href| page_url.join(href).ok())
        .unwrap_or_else(|| page_url.clone());
    let links = scraper::Selector::parse("link[rel][href]").unwrap();
    let og = scraper::Selector::parse(r#"meta[property="og:image"][content]"#).unwrap();
    let mut found: Vec<String> = document
        .select(&links)
        .filter(|element| {
            element
                .value()
                .attr("rel")
                .unwrap_or_default()
                .split_ascii_whitespace()
                .any(|rel| {
                    ["icon", "apple-touch-icon", "manifest"]
                        .iter()
                        .any(|wanted| rel.eq_ignore_ascii_case(wanted))
                })
        })
        .filter_map(|element| element.value().attr("href"))
        .chain(
            document
                .select(&og)
                .filter_map(|element| element.value().attr("content")),
        )
        .filter_map(|href| base.join(href).ok())
        .map(|url| url.to_string())
        .collect();
    found.sort();
    found
}

/// Render an SVG the way the app may (no resources resolved) and return its dominant colour.
fn svg_color(bytes: &[u8]) -> Option<images::Rgb> {
    let tree = resvg::usvg::Tree::from_data(bytes, &resvg::usvg::Options::default()).ok()?;
    let size = tree.size().to_int_size();
    let mut pixmap = resvg::tiny_skia::Pixmap::new(size.width(), size.height())?;
    resvg::render(
        &tree,
        resvg::tiny_skia::Transform::default(),
        &mut pixmap.as_mut(),
    );
    let image = image::RgbaImage::from_raw(size.width(), size.height(), pixmap.data().to_vec())?;
    images::dominant_color(&image::DynamicImage::ImageRgba8(image))
}

async fn assert_serves(up: &Upstreams, url: &str, want: Want) {
    let fetched = up
        .get_capped(url, IMAGE_CAP)
        .await
        .unwrap_or_else(|error| panic!("GET {url}: {error}"));
    if let Want::Missing = want {
        assert_eq!(fetched.status.as_u16(), 404, "{url}");
        return;
    }
    assert_eq!(fetched.status.as_u16(), 200, "{url}");
    match want {
        Want::Image(media, size, color) => {
            assert_eq!(fetched.media_type().as_deref(), Some(media), "{url}");
            assert_image(url, &fetched.body, size, color, 12);
        }
        Want::Svg(color) => {
            assert_eq!(fetched.media_type().as_deref(), Some("image/svg+xml"));
            let rendered = svg_color(&fetched.body).expect("the SVG renders");
            assert!(images::close(rendered, color, 2), "{url}: {rendered:02X?}");
        }
        Want::Manifest => {
            assert_eq!(
                fetched.media_type().as_deref(),
                Some("application/manifest+json")
            );
            let manifest: Value = serde_json::from_slice(&fetched.body).unwrap();
            assert!(manifest["icons"].is_array(), "{url}");
        }
        Want::Missing => unreachable!(),
    }
}

/// A site: its domain, the hosts serving its home page, and its icon candidates.
type Site = (
    &'static str,
    &'static [&'static str],
    Vec<(&'static str, Want)>,
);

#[tokio::test]
async fn every_site_serves_the_icons_its_page_declares() {
    use fake_web::{APPLE_TOUCH_SIZE, OG_SIZE};
    warm_up_images().await;
    let up = upstreams().await;
    let (png, jpeg, ico) = ("image/png", "image/jpeg", "image/x-icon");
    let apple_touch = (APPLE_TOUCH_SIZE, APPLE_TOUCH_SIZE);
    #[rustfmt::skip]
    let sites: [Site; 7] = [
        ("icons-apple.com", &["icons-apple.com", "www.icons-apple.com"], vec![
            ("https://icons-apple.com/apple-touch-icon.png", Want::Image(png, apple_touch, colors::APPLE_TOUCH)),
            ("https://icons-apple.com/favicon-32.png", Want::Image(png, (32, 32), colors::APPLE_ICON_32)),
            ("https://icons-apple.com/og.jpg", Want::Image(jpeg, OG_SIZE, colors::APPLE_OG)),
        ]),
        ("icons-svg.com", &["icons-svg.com", "www.icons-svg.com"], vec![
            ("https://icons-svg.com/logo.svg", Want::Svg(colors::SVG)),
        ]),
        ("icons-manifest.com", &["icons-manifest.com", "www.icons-manifest.com"], vec![
            ("https://icons-manifest.com/static/site.webmanifest", Want::Manifest),
        ]),
        ("icons-og.com", &["icons-og.com", "www.icons-og.com"], vec![
            ("https://icons-og.com/images/social-share.jpg", Want::Image(jpeg, OG_SIZE, colors::OG)),
        ]),
        ("icons-favicon.com", &["icons-favicon.com", "www.icons-favicon.com"], vec![]),
        ("icons-none.com", &["icons-none.com", "www.icons-none.com"], vec![]),
        ("icons-www.com", &["www.icons-www.com"], vec![
            ("https://www.icons-www.com/apple-touch-icon.png", Want::Image(png, apple_touch, colors::WWW_APPLE_TOUCH)),
        ]),
    ];
    let favicons: [(&str, Want); 7] = [
        (
            "icons-apple.com",
            Want::Image(ico, (32, 32), colors::APPLE_FAVICON),
        ),
        ("icons-svg.com", Want::Missing),
        ("icons-manifest.com", Want::Missing),
        ("icons-og.com", Want::Missing),
        (
            "icons-favicon.com",
            Want::Image(ico, (48, 48), colors::FAVICON_48),
        ),
        ("icons-none.com", Want::Missing),
        ("www.icons-www.com", Want::Missing),
    ];
    for (domain, hosts, candidates) in &sites {
        let mut pages = Vec::new();
        for host in *hosts {
            let url = Url::parse(&format!("https://{host}/")).unwrap();
            let page = up.get_capped(url.as_str(), HTML_CAP).await.unwrap();
            assert_eq!(page.status.as_u16(), 200, "{host}");
            assert_eq!(
                header(&page, "content-type"),
                Some("text/html; charset=utf-8")
            );
            let html = String::from_utf8(page.body.to_vec()).unwrap();
            assert!(html.contains("<head>") || html.contains("<head "), "{host}");
            let mut expected: Vec<String> = candidates
                .iter()
                .map(|(url, _)| (*url).to_owned())
                .collect();
            expected.sort();
            let mut declared = declared_candidates(&url, &html);
            if hosts.len() > 1 && host.starts_with("www.") {
                // Relative links on the www copy resolve to www: compare without it.
                let apex = |list: &[String]| -> Vec<String> {
                    let mut list: Vec<String> = list
                        .iter()
                        .map(|url| url.replace("://www.", "://"))
                        .collect();
                    list.sort();
                    list
                };
                expected = apex(&expected);
                declared = apex(&declared);
            }
            assert_eq!(declared, expected, "{host}");
            pages.push(html);
        }
        assert!(
            pages.windows(2).all(|pair| pair[0] == pair[1]),
            "{domain}: apex = www"
        );
        for (url, want) in candidates {
            assert_serves(&up, url, *want).await;
        }
    }
    for (host, want) in favicons {
        assert_serves(&up, &format!("https://{host}/favicon.ico"), want).await;
    }
    // The 16 and 32 entries of the favicon are olive, the 48 gold.
    let ico = up.image("https://icons-favicon.com/favicon.ico").await;
    assert_eq!(
        u16::from_le_bytes([ico.body[4], ico.body[5]]),
        3,
        "3 entries"
    );
    assert_eq!(&ico.body[6..8], &[16, 16]);
    assert_eq!(&ico.body[22..24], &[32, 32]);
    assert_eq!(&ico.body[38..40], &[48, 48]);
}

#[tokio::test]
async fn the_manifest_icons_resolve_against_the_manifest_behind_a_base_href() {
    warm_up_images().await;
    let up = upstreams().await;
    let manifest_url = "https://icons-manifest.com/static/site.webmanifest";
    let manifest: Value =
        serde_json::from_slice(&up.get_capped(manifest_url, HTML_CAP).await.unwrap().body).unwrap();
    let icons = manifest["icons"].as_array().unwrap();
    let mut seen = Vec::new();
    for icon in icons {
        let src = Url::parse(manifest_url)
            .unwrap()
            .join(icon["src"].as_str().unwrap())
            .unwrap();
        let sizes = icon["sizes"].as_str().unwrap();
        let size: u32 = sizes.split('x').next().unwrap().parse().unwrap();
        assert_eq!(icon["type"], "image/png");
        assert!(icon["purpose"].as_str().unwrap().contains("any"));
        let color = if size == 48 {
            colors::MANIFEST_48
        } else {
            colors::MANIFEST_LARGE
        };
        assert_serves(
            &up,
            src.as_str(),
            Want::Image("image/png", (size, size), color),
        )
        .await;
        seen.push(size);
    }
    assert_eq!(seen, fake_web::MANIFEST_ICON_SIZES);
    let pick = fake_web::expected_pick("icons-manifest.com").unwrap();
    assert_eq!(up.web.requests_for(pick.url.unwrap()), 1);
}

#[tokio::test]
async fn the_hostile_site_serves_a_trap_for_every_candidate_but_the_favicon() {
    warm_up_images().await;
    let up = upstreams().await;
    let page_url = Url::parse("https://icons-hostile.com/").unwrap();
    let page = up.get_capped(page_url.as_str(), HTML_CAP).await.unwrap();
    let html = String::from_utf8(page.body.to_vec()).unwrap();
    let base = "https://icons-hostile.com";
    let mut expected: Vec<String> = [
        "/apple-touch-icon.png",
        "/icons/icon-192.png",
        "/icons/logo-script.svg",
        "/icons/logo-laughs.svg",
        "/icons/spinner.gif",
        "/manifest.json",
        "/og/share.jpg",
    ]
    .iter()
    .map(|path| format!("{base}{path}"))
    .collect();
    expected.sort();
    assert_eq!(declared_candidates(&page_url, &html), expected);

    let bomb = up.image(&format!("{base}/apple-touch-icon.png")).await;
    assert_eq!(
        &bomb.body[16..24],
        [100_000u32.to_be_bytes(), 100_000u32.to_be_bytes()].concat()
    );
    assert!(images::decode(&bomb.body).is_err());

    let html_png = up.image(&format!("{base}/icons/icon-192.png")).await;
    assert_eq!(html_png.media_type().as_deref(), Some("image/png"));
    assert!(html_png.body.starts_with(b"<!DOCTYPE html>"));

    let script = up.image(&format!("{base}/icons/logo-script.svg")).await;
    let text = String::from_utf8_lossy(&script.body);
    assert!(text.contains("<script") && text.contains("file:///etc/passwd"));
    let tree =
        resvg::usvg::Tree::from_data(&script.body, &resvg::usvg::Options::default()).unwrap();
    assert!(
        !tree.root().has_children(),
        "rendered safely it draws nothing"
    );
    assert_eq!(svg_color(&script.body), None, "fully transparent");

    let laughs = up.image(&format!("{base}/icons/logo-laughs.svg")).await;
    assert!(String::from_utf8_lossy(&laughs.body).contains("<!ENTITY lol9"));
    assert!(resvg::usvg::Tree::from_data(&laughs.body, &resvg::usvg::Options::default()).is_err());

    let gif = up.image(&format!("{base}/icons/spinner.gif")).await;
    assert_eq!(gif.media_type().as_deref(), Some("image/gif"));
    assert_eq!(&gif.body[..6], b"GIF89a");
    assert_eq!(
        &gif.body[6..10],
        &[0xFF, 0xFF, 0xFF, 0xFF],
        "65535×65535 screen"
    );
    let frames = gif
        .body
        .windows(3)
        .filter(|w| *w == [0x21, 0xF9, 4])
        .count();
    assert_eq!(frames, fake_web::GIF_FRAMES);
    assert!(
        images::decode(&gif.body).is_err(),
        "over image's default limits"
    );

    let manifest: Value = serde_json::from_slice(
        &up.get_capped(&format!("{base}/manifest.json"), HTML_CAP)
            .await
            .unwrap()
            .body,
    )
    .unwrap();
    assert_eq!(manifest["icons"][0]["src"], "/icons/icon-512.jpg");
    let truncated = up.image(&format!("{base}/icons/icon-512.jpg")).await;
    assert_eq!(&truncated.body[..2], &[0xFF, 0xD8]);
    assert!(images::decode(&truncated.body).is_err());

    // 20 MiB without Content-Length: our cap stops the read, and the fake stops producing.
    let og = format!("{base}/og/share.jpg");
    let error = up
        .get_capped(&og, IMAGE_CAP)
        .await
        .expect_err("over the cap");
    assert!(matches!(error, FetchError::TooLarge { .. }), "{error:?}");
    tokio::time::sleep(Duration::from_millis(500)).await;
    let produced = up.web.bytes_streamed("icons-hostile.com", "/og/share.jpg");
    assert!(produced >= IMAGE_CAP as u64, "{produced}");
    assert!(produced < HUGE_BODY_BYTES as u64, "{produced}");

    assert_serves(
        &up,
        &format!("{base}/favicon.ico"),
        Want::Image("image/x-icon", (32, 32), colors::HOSTILE_FAVICON),
    )
    .await;
    let pick = fake_web::expected_pick("icons-hostile.com").unwrap();
    assert_eq!(pick.url, Some("https://icons-hostile.com/favicon.ico"));
}

#[tokio::test]
async fn the_redirect_site_points_at_internal_addresses_our_client_refuses() {
    let up = upstreams().await;
    for (host, status, location) in [
        ("icons-redirect.com", 302, "https://127.0.0.1/"),
        (
            "www.icons-redirect.com",
            301,
            "http://169.254.169.254/latest/meta-data/",
        ),
    ] {
        for path in ["/", "/favicon.ico"] {
            let error = up
                .get_capped(&format!("https://{host}{path}"), HTML_CAP)
                .await
                .expect_err("the redirect target is not public");
            assert!(matches!(error, FetchError::Blocked { .. }), "{error:?}");
            assert_eq!(up.web.requests(host, path), 1, "{host}{path}");
        }
        let mut tls = raw_tls_to(up.web.addr(), up.ca.pem(), host, &[b"http/1.1"])
            .await
            .unwrap();
        tls.write_all(
            format!("GET / HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n").as_bytes(),
        )
        .await
        .unwrap();
        let mut answer = String::new();
        tls.read_to_string(&mut answer).await.unwrap_or_default();
        assert!(
            answer.starts_with(&format!("HTTP/1.1 {status}")),
            "{answer}"
        );
        assert!(
            answer
                .to_ascii_lowercase()
                .contains(&format!("location: {location}\r\n")),
            "{answer}"
        );
    }
    assert_eq!(up.web.requests_for_site("icons-redirect.com"), 6);
}

#[tokio::test]
async fn the_big_page_streams_past_the_html_cap_with_its_icon_late() {
    warm_up_images().await;
    let up = upstreams().await;
    for host in ["icons-bigpage.com", "www.icons-bigpage.com"] {
        let url = format!("https://{host}/");
        let error = up
            .get_capped(&url, HTML_CAP)
            .await
            .expect_err("over the cap");
        assert!(matches!(error, FetchError::TooLarge { .. }), "{error:?}");
    }
    tokio::time::sleep(Duration::from_millis(200)).await;
    up.web.reset_counts();
    let whole = up
        .get_capped("https://icons-bigpage.com/", 4 * 1024 * 1024)
        .await
        .unwrap();
    assert!(header(&whole, "content-length").is_none(), "streamed");
    assert!(
        whole.body.len() >= fake_web::BIGPAGE_BYTES,
        "{}",
        whole.body.len()
    );
    assert!(whole.body.len() < fake_web::BIGPAGE_BYTES + 4096);
    let html = String::from_utf8(whole.body.to_vec()).unwrap();
    let icon_at = html.find("/late-icon.png").unwrap();
    assert!(icon_at > fake_web::BIGPAGE_ICON_AFTER, "{icon_at}");
    assert!(html.ends_with("</html>\n"));
    assert_eq!(
        up.web.bytes_streamed("icons-bigpage.com", "/"),
        whole.body.len() as u64,
        "produced lazily, counted as produced"
    );
    let page_url = Url::parse("https://icons-bigpage.com/").unwrap();
    assert_eq!(
        declared_candidates(&page_url, &html),
        vec!["https://icons-bigpage.com/late-icon.png"; 2]
    );
    assert_serves(
        &up,
        "https://icons-bigpage.com/late-icon.png",
        Want::Image("image/png", (192, 192), colors::BIGPAGE_LATE_ICON),
    )
    .await;
    assert_serves(&up, "https://icons-bigpage.com/favicon.ico", Want::Missing).await;
}

#[tokio::test]
async fn the_www_only_site_has_no_apex_anywhere() {
    let up = upstreams().await;
    assert!(!fake_web::HOSTS.contains(&"icons-www.com"));
    let connect_to = up.web.connect_to();
    assert!(
        !connect_to
            .split(',')
            .any(|pin| pin.starts_with("icons-www.com=")),
        "{connect_to}"
    );
    let error = up
        .get_capped("https://icons-www.com/", HTML_CAP)
        .await
        .expect_err("the apex does not resolve");
    assert!(matches!(error, FetchError::Dns(_)), "{error:?}");
    assert_eq!(up.web.requests_on("icons-www.com"), 0);
    let www = up
        .get_capped("https://www.icons-www.com/", HTML_CAP)
        .await
        .unwrap();
    assert_eq!(www.status.as_u16(), 200);
}

#[tokio::test]
async fn web_requests_are_counted_per_host_and_path_and_can_be_delayed() {
    let up = upstreams().await;
    up.get_capped("https://icons-none.com/", HTML_CAP)
        .await
        .unwrap();
    up.get_capped("https://icons-none.com/?utm_source=x", HTML_CAP)
        .await
        .unwrap();
    up.get_capped("https://WWW.icons-none.com/favicon.ico", HTML_CAP)
        .await
        .unwrap();
    let web = &up.web;
    assert_eq!(web.requests("icons-none.com", "/"), 2);
    assert_eq!(web.requests("ICONS-NONE.com.", "/"), 2);
    assert_eq!(web.requests("www.icons-none.com", "/favicon.ico"), 1);
    assert_eq!(
        web.requests_for("https://www.icons-none.com/favicon.ico?x=1"),
        1
    );
    assert_eq!(web.requests_on("icons-none.com"), 2);
    assert_eq!(web.requests_for_site("www.icons-none.com"), 3);
    assert_eq!(web.total_requests(), 3);
    let recorded = web.recorded();
    assert_eq!(recorded.len(), 3);
    assert_eq!(recorded[1].path_and_query, "/?utm_source=x");
    assert_eq!(recorded[0].version, axum::http::Version::HTTP_2);
    assert!(
        recorded[0]
            .user_agent
            .as_deref()
            .is_some_and(|ua| ua.starts_with("authwalk/"))
    );
    web.reset_counts();
    assert_eq!(web.total_requests(), 0);
    assert!(web.recorded().is_empty());

    let delay = Duration::from_millis(400);
    web.set_delay(delay);
    let started = Instant::now();
    up.get_capped("https://icons-none.com/", HTML_CAP)
        .await
        .unwrap();
    assert!(started.elapsed() >= delay);
    web.set_delay(Duration::ZERO);
    let started = Instant::now();
    up.get_capped("https://icons-none.com/", HTML_CAP)
        .await
        .unwrap();
    assert!(started.elapsed() < delay);
    assert_eq!(up.microsoft.total_requests(), 0, "the fakes count apart");
}

#[test]
fn the_expected_picks_cover_every_site_in_order() {
    let domains: Vec<&str> = fake_web::EXPECTED_PICKS
        .iter()
        .map(|pick| pick.domain)
        .collect();
    assert_eq!(domains, fake_web::SITES);
    for pick in fake_web::EXPECTED_PICKS {
        assert_eq!(pick.url.is_some(), pick.color.is_some(), "{}", pick.domain);
        assert_eq!(pick.url.is_some(), pick.size.is_some(), "{}", pick.domain);
        assert!(is_icons_domain(pick.domain), "{}", pick.domain);
    }
    assert!(!is_icons_domain("contoso.com"));
}
