//! `OutboundClient`: the one HTTP client that may leave the process.
//!
//! Rules (see the security reference): names are resolved by our [`Dns`] and EVERY address is
//! checked against [`policy`] before connecting (the checked answer is the one used, which also
//! closes DNS rebinding); IP-literal URLs are checked too; redirects are followed here, at most
//! [`MAX_REDIRECTS`], each hop re-checked; only http(s) on the default ports; bodies are capped
//! while streaming; every request has a deadline. Hosts pinned by the operator
//! (`AUTHWALK_CONNECT_TO`) connect to their pinned address and are exempt from the address rule.

use std::collections::HashMap;
use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use reqwest::dns::{Addrs, Name, Resolve, Resolving};
use reqwest::header::{self, HeaderMap};
use reqwest::{Method, StatusCode};
use url::{Host, Url};

use super::dns::{Dns, DnsError};
use super::policy::{self, BlockedRange};
use crate::config::Config;

/// Most redirects one fetch follows.
pub const MAX_REDIRECTS: usize = 5;
/// Body cap for JSON answers.
pub const JSON_CAP: usize = 256 * 1024;
/// Body cap for HTML pages.
pub const HTML_CAP: usize = 1024 * 1024;
/// Body cap for images.
pub const IMAGE_CAP: usize = 5 * 1024 * 1024;

/// Why an outbound request did not produce a response.
#[derive(Debug, Clone, thiserror::Error)]
pub enum FetchError {
    /// The URL is not one we may fetch (scheme, port, credentials).
    #[error("refused to fetch {url}: {reason}")]
    NotAllowed {
        /// The refused URL.
        url: String,
        /// Which rule refused it.
        reason: &'static str,
    },
    /// The host is, or resolves to, an address that is not public.
    #[error("refused to contact {host}: it resolves to {address}, a {range} address")]
    Blocked {
        /// The host asked for.
        host: String,
        /// The offending address.
        address: IpAddr,
        /// Why that address is refused.
        range: BlockedRange,
    },
    /// DNS gave no usable answer.
    #[error(transparent)]
    Dns(#[from] DnsError),
    /// More than [`MAX_REDIRECTS`] redirects, or a redirect without a usable Location.
    #[error("too many or malformed redirects starting at {url}")]
    Redirects {
        /// The first URL.
        url: String,
    },
    /// The whole exchange took longer than the deadline.
    #[error("{url} did not answer within {timeout:?}")]
    Timeout {
        /// The URL.
        url: String,
        /// The deadline.
        timeout: Duration,
    },
    /// The body was larger than the cap for its kind.
    #[error("{url} sent more than {cap} bytes")]
    TooLarge {
        /// The URL.
        url: String,
        /// The cap in bytes.
        cap: usize,
    },
    /// Connection, TLS or protocol failure.
    #[error("request to {url} failed: {reason}")]
    Transport {
        /// The URL.
        url: String,
        /// What went wrong.
        reason: String,
    },
}

/// Why the client could not be built.
#[derive(Debug, thiserror::Error)]
pub enum ClientSetupError {
    /// The extra CA file holds something rustls cannot use.
    #[error("AUTHWALK_EXTRA_CA: {0}")]
    ExtraCa(String),
    /// reqwest refused the configuration.
    #[error("cannot build the HTTP client: {0}")]
    Build(String),
}

/// A complete response whose body stayed under its cap.
#[derive(Debug, Clone)]
pub struct Fetched {
    /// The HTTP status of the last hop.
    pub status: StatusCode,
    /// The URL that finally answered (after redirects).
    pub url: Url,
    /// Response headers of the last hop.
    pub headers: HeaderMap,
    /// The body.
    pub body: Bytes,
}

impl Fetched {
    /// The media type, lower-case, without parameters (`application/json`).
    pub fn media_type(&self) -> Option<String> {
        let value = self.headers.get(header::CONTENT_TYPE)?.to_str().ok()?;
        let media = value.split(';').next()?.trim().to_ascii_lowercase();
        (!media.is_empty()).then_some(media)
    }
}

/// A request body.
#[derive(Debug, Clone)]
pub enum Payload {
    /// No body (GET).
    Empty,
    /// A JSON body (POST).
    Json(serde_json::Value),
}

/// A caller's own rule for every URL of one fetch (the first and each redirect target): `Err`
/// names the rule that refused it.
pub type HopRule<'a> = &'a (dyn Fn(&Url) -> Result<(), &'static str> + Sync);

/// The one outbound HTTP client; cheap to clone.
#[derive(Clone)]
pub struct OutboundClient {
    http: reqwest::Client,
    /// Pinned host → the port its pin connects to.
    pinned_hosts: Arc<HashMap<String, u16>>,
    timeout: Duration,
}

impl std::fmt::Debug for OutboundClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OutboundClient")
            .field("pinned_hosts", &self.pinned_hosts)
            .field("timeout", &self.timeout)
            .finish_non_exhaustive()
    }
}

impl OutboundClient {
    /// Build the client from the configuration contract and the shared resolver.
    pub fn new(config: &Config, dns: Dns) -> Result<Self, ClientSetupError> {
        let user_agent = format!(
            "authwalk/{} (+{})",
            env!("CARGO_PKG_VERSION"),
            config.public_url.as_str().trim_end_matches('/')
        );
        #[expect(
            clippy::disallowed_methods,
            reason = "this is the one place the outbound client is built"
        )]
        let mut builder = reqwest::Client::builder()
            .no_proxy()
            .redirect(reqwest::redirect::Policy::none())
            .dns_resolver(FilteringResolver { dns })
            .user_agent(user_agent)
            // The overall deadline is ours (see `fetch`), so it is reported as a timeout.
            .connect_timeout(config.upstream_timeout)
            .pool_idle_timeout(Duration::from_secs(30))
            .https_only(false);
        for pin in &config.connect_to {
            builder = builder.resolve_to_addrs(&pin.host, &[pin.addr]);
        }
        if let Some(extra) = &config.extra_ca {
            let certificates = reqwest::Certificate::from_pem_bundle(&extra.pem)
                .map_err(|e| ClientSetupError::ExtraCa(format!("{}: {e}", extra.path.display())))?;
            builder = builder.tls_certs_merge(certificates);
        }
        let http = builder
            .build()
            .map_err(|e| ClientSetupError::Build(e.to_string()))?;
        Ok(Self {
            http,
            pinned_hosts: Arc::new(
                config
                    .connect_to
                    .iter()
                    .map(|pin| (pin.host.clone(), pin.addr.port()))
                    .collect(),
            ),
            timeout: config.upstream_timeout,
        })
    }

    /// Whether the operator pinned `host` (pinned hosts are trusted).
    pub fn is_pinned(&self, host: &str) -> bool {
        self.pin_port(host).is_some()
    }

    fn pin_port(&self, host: &str) -> Option<u16> {
        self.pinned_hosts
            .get(host.trim_end_matches('.').to_ascii_lowercase().as_str())
            .copied()
    }

    /// The per-request deadline.
    pub fn timeout(&self) -> Duration {
        self.timeout
    }

    /// `GET url`, following redirects, with the body capped at `cap` bytes.
    pub async fn get(&self, url: Url, cap: usize) -> Result<Fetched, FetchError> {
        self.fetch(Method::GET, url, Payload::Empty, cap).await
    }

    /// `GET url` like [`Self::get`], and `rule` must also allow the URL and every redirect target
    /// before it is requested (an allow-list of hosts, say); a refused hop is
    /// [`FetchError::NotAllowed`].
    pub async fn get_checked(
        &self,
        url: Url,
        cap: usize,
        rule: HopRule<'_>,
    ) -> Result<Fetched, FetchError> {
        self.within_deadline(url.to_string(), async {
            self.follow(Method::GET, url, Payload::Empty, cap, Some(rule))
                .await
        })
        .await
    }

    /// `POST url` with a JSON body, with the response body capped at `cap` bytes.
    pub async fn post_json(
        &self,
        url: Url,
        body: serde_json::Value,
        cap: usize,
    ) -> Result<Fetched, FetchError> {
        self.fetch(Method::POST, url, Payload::Json(body), cap)
            .await
    }

    /// Send a request under the rules above, within the client's deadline.
    pub async fn fetch(
        &self,
        method: Method,
        url: Url,
        payload: Payload,
        cap: usize,
    ) -> Result<Fetched, FetchError> {
        self.within_deadline(
            url.to_string(),
            self.follow(method, url, payload, cap, None),
        )
        .await
    }

    async fn within_deadline(
        &self,
        first: String,
        exchange: impl Future<Output = Result<Fetched, FetchError>>,
    ) -> Result<Fetched, FetchError> {
        match tokio::time::timeout(self.timeout, exchange).await {
            Ok(result) => result,
            Err(_) => Err(FetchError::Timeout {
                url: first,
                timeout: self.timeout,
            }),
        }
    }

    async fn follow(
        &self,
        mut method: Method,
        mut url: Url,
        mut payload: Payload,
        cap: usize,
        rule: Option<HopRule<'_>>,
    ) -> Result<Fetched, FetchError> {
        let first = url.to_string();
        for _hop in 0..=MAX_REDIRECTS {
            self.check_url(&url)?;
            if let Some(rule) = rule {
                rule(&url).map_err(|reason| FetchError::NotAllowed {
                    url: url.to_string(),
                    reason,
                })?;
            }
            let mut request = self.http.request(method.clone(), url.clone());
            if let Payload::Json(body) = &payload {
                request = request.json(body);
            }
            let response = request
                .send()
                .await
                .map_err(|error| transport_error(&url, &error))?;
            let status = response.status();
            if status.is_redirection() && status != StatusCode::NOT_MODIFIED {
                let next = response
                    .headers()
                    .get(header::LOCATION)
                    .and_then(|location| location.to_str().ok())
                    .and_then(|location| url.join(location).ok())
                    .ok_or_else(|| FetchError::Redirects { url: first.clone() })?;
                // 301/302/303 turn a POST into a GET, as browsers do; 307/308 keep it.
                if !matches!(
                    status,
                    StatusCode::TEMPORARY_REDIRECT | StatusCode::PERMANENT_REDIRECT
                ) {
                    method = Method::GET;
                    payload = Payload::Empty;
                }
                url = next;
                continue;
            }
            let headers = response.headers().clone();
            let body = read_capped(response, &url, cap).await?;
            return Ok(Fetched {
                status,
                url,
                headers,
                body,
            });
        }
        Err(FetchError::Redirects { url: first })
    }

    /// The URL rules that need no DNS: scheme, credentials, port, and IP-literal hosts.
    fn check_url(&self, url: &Url) -> Result<(), FetchError> {
        let refuse = |reason| FetchError::NotAllowed {
            url: url.to_string(),
            reason,
        };
        let default_port = match url.scheme() {
            "https" => 443,
            "http" => 80,
            _ => return Err(refuse("only http and https are fetched")),
        };
        if !url.username().is_empty() || url.password().is_some() {
            return Err(refuse("URLs with credentials are not fetched"));
        }
        let host = url.host().ok_or_else(|| refuse("the URL has no host"))?;
        if let Host::Domain(name) = &host
            && let Some(pin_port) = self.pin_port(name)
        {
            // An explicit port would replace the pin's port on the pinned address: only the pin's
            // own port (or none) keeps the request where the operator pointed it.
            return match url.port() {
                None => Ok(()),
                Some(port) if port == pin_port => Ok(()),
                Some(_) => Err(refuse("a pinned host is only fetched on its pinned port")),
            };
        }
        if url.port().is_some_and(|port| port != default_port) {
            return Err(refuse("only the default port is fetched"));
        }
        let literal = match host {
            Host::Ipv4(ip) => IpAddr::V4(ip),
            Host::Ipv6(ip) => IpAddr::V6(ip),
            Host::Domain(_) => return Ok(()),
        };
        policy::check(literal).map_err(|range| FetchError::Blocked {
            host: literal.to_string(),
            address: literal,
            range,
        })
    }
}

async fn read_capped(
    mut response: reqwest::Response,
    url: &Url,
    cap: usize,
) -> Result<Bytes, FetchError> {
    let too_large = || FetchError::TooLarge {
        url: url.to_string(),
        cap,
    };
    if response
        .content_length()
        .is_some_and(|length| length > cap as u64)
    {
        return Err(too_large());
    }
    let mut body = Vec::new();
    while let Some(chunk) = response
        .chunk()
        .await
        .map_err(|error| transport_error(url, &error))?
    {
        if body.len() + chunk.len() > cap {
            return Err(too_large());
        }
        body.extend_from_slice(&chunk);
    }
    Ok(Bytes::from(body))
}

/// Turn reqwest's error into ours, recovering a refusal made by our resolver.
fn transport_error(url: &Url, error: &reqwest::Error) -> FetchError {
    let mut source: Option<&(dyn std::error::Error + 'static)> = Some(error);
    while let Some(current) = source {
        if let Some(refusal) = current.downcast_ref::<ResolveRefusal>() {
            return refusal.0.clone();
        }
        source = current.source();
    }
    let mut reason = error.to_string();
    let mut cause = std::error::Error::source(error);
    while let Some(inner) = cause {
        reason = format!("{reason}: {inner}");
        cause = inner.source();
    }
    FetchError::Transport {
        url: url.to_string(),
        reason,
    }
}

/// The resolver reqwest uses: our DNS, then the public-address rule over EVERY answer.
struct FilteringResolver {
    dns: Dns,
}

/// A refusal by [`FilteringResolver`], carried through reqwest's error chain.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
struct ResolveRefusal(FetchError);

impl Resolve for FilteringResolver {
    fn resolve(&self, name: Name) -> Resolving {
        let dns = self.dns.clone();
        let host = name.as_str().to_owned();
        Box::pin(async move {
            // Boxed once, as `dyn Error`, so `transport_error` finds the refusal in the chain.
            let refuse = |error: FetchError| -> Box<dyn std::error::Error + Send + Sync> {
                Box::new(ResolveRefusal(error))
            };
            let ips = dns
                .lookup_ips(&host)
                .await
                .map_err(|error| refuse(FetchError::Dns(error)))?;
            policy::check_all(&ips).map_err(|(address, range)| {
                tracing::warn!(%host, %address, %range, "refused a non-public address");
                refuse(FetchError::Blocked {
                    host: host.clone(),
                    address,
                    range,
                })
            })?;
            // Port 0: hyper fills in the scheme's port (URLs with other ports are refused earlier).
            let addrs: Addrs = Box::new(ips.into_iter().map(|ip| SocketAddr::new(ip, 0)));
            Ok(addrs)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::RawConfig;

    fn client(connect_to: Option<&str>) -> OutboundClient {
        let config = RawConfig {
            connect_to: connect_to.map(Into::into),
            dns_servers: Some("127.0.0.1:9".into()),
            ..RawConfig::default()
        }
        .validate()
        .unwrap();
        let dns = Dns::new(&config.dns_servers, config.upstream_timeout).unwrap();
        OutboundClient::new(&config, dns).unwrap()
    }

    fn check(client: &OutboundClient, url: &str) -> Result<(), FetchError> {
        client.check_url(&Url::parse(url).unwrap())
    }

    #[test]
    fn ip_literal_urls_are_judged_by_the_address_rule() {
        let client = client(None);
        for url in [
            "http://127.0.0.1/",
            "http://0x7f.1/",
            "http://2130706433/",
            "http://0177.0.0.1/",
            "http://127.1/",
            "http://[::1]/",
            "http://[::ffff:7f00:1]/",
            "http://[::ffff:127.0.0.1]/",
            "http://169.254.169.254/latest/meta-data/",
            "http://10.0.0.1/",
        ] {
            assert!(
                matches!(check(&client, url), Err(FetchError::Blocked { .. })),
                "{url} must be refused"
            );
        }
        assert!(check(&client, "https://20.190.151.68/").is_ok());
    }

    #[test]
    fn only_http_and_https_on_default_ports() {
        let client = client(None);
        assert!(check(&client, "https://contoso.com/").is_ok());
        assert!(check(&client, "http://contoso.com:80/").is_ok());
        for url in [
            "ftp://contoso.com/",
            "file:///etc/passwd",
            "https://contoso.com:8443/",
            "http://contoso.com:22/",
            "https://user:pass@contoso.com/",
        ] {
            assert!(
                matches!(check(&client, url), Err(FetchError::NotAllowed { .. })),
                "{url} must be refused"
            );
        }
    }

    #[test]
    fn pinned_hosts_are_fetched_only_on_their_pinned_port() {
        let client = client(Some("login.microsoftonline.com=127.0.0.1:8443"));
        assert!(check(&client, "https://login.microsoftonline.com:8443/x").is_ok());
        assert!(check(&client, "https://LOGIN.microsoftonline.com/x").is_ok());
        assert!(check(&client, "https://login.microsoftonline.com:80/x").is_err());
        assert!(check(&client, "http://login.microsoftonline.com:443/x").is_err());
        assert!(check(&client, "https://other.microsoftonline.com:8443/x").is_err());
    }
}
