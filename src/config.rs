//! The configuration contract: flags and environment variables, validated once at start.
//!
//! clap collects the raw strings (so `--help` documents every option and its variable); this module
//! turns them into typed values and reports the first bad one as `VARIABLE: what is wrong`.

use std::net::{IpAddr, SocketAddr};
use std::num::NonZeroU32;
use std::path::PathBuf;
use std::time::Duration;

use clap::{Args, ValueEnum};
use ipnet::IpNet;
use url::Url;

use crate::profile::Cloud;

/// The default database: an SQLite file beside the working directory, created on first start.
pub const DEFAULT_DATABASE_URL: &str = "sqlite://authwalk.db";

/// Microsoft's branding CDN hosts (entra.md §3).
pub const DEFAULT_BRANDING_HOSTS: &str =
    "aadcdn.msftauthimages.net,aadcdn.msauthimages.net,secure.aadcdn.microsoftonline-p.com";

/// Default of `AUTHWALK_NEW_DOMAIN_RATE`: 20 new domains a minute per client, 5 at once.
pub const DEFAULT_NEW_DOMAIN_RATE: &str = "20/min burst 5";

/// Default of `AUTHWALK_VERIFY_RATE`: 10 verification attempts an hour per client, 5 at once.
pub const DEFAULT_VERIFY_RATE: &str = "10/h burst 5";

/// Default of `AUTHWALK_SECURITY_INFO_PUBLIC`: Microsoft's Security info page for the worldwide
/// cloud (Learn, "Register passkeys in Authenticator", 2026-07-05).
pub const DEFAULT_SECURITY_INFO_PUBLIC: &str = "https://mysignins.microsoft.com/security-info";
/// Default of `AUTHWALK_SECURITY_INFO_USGOV`: the US Government cloud's host as GCC High and DoD
/// help pages use it; no Microsoft page names it for passkeys, hence a setting.
pub const DEFAULT_SECURITY_INFO_USGOV: &str = "https://mysignins.microsoft.us/security-info";
/// Default of `AUTHWALK_SECURITY_INFO_CHINA`: the China (21Vianet) cloud's host; no Microsoft
/// source was found for it, hence a setting.
pub const DEFAULT_SECURITY_INFO_CHINA: &str = "https://mysignins.azure.cn/security-info";
/// Microsoft's short link to the worldwide Security info page, printed for that page only.
const SECURITY_INFO_SHORT_LINK: &str = "aka.ms/mysecurityinfo";

/// Default of `AUTHWALK_VERIFY_DOMAIN_RATE`: 40 verification attempts an hour per domain, 20 at
/// once (above one client's burst, so one client alone cannot lock a domain's admin out).
pub const DEFAULT_VERIFY_DOMAIN_RATE: &str = "40/h burst 20";

/// Default of `AUTHWALK_CHALLENGE_RATE`: 10 new DNS challenges an hour per client, 5 at once.
pub const DEFAULT_CHALLENGE_RATE: &str = "10/h burst 5";

/// Default of `AUTHWALK_CHALLENGE_DOMAIN_RATE`: 30 new DNS challenges an hour per domain, 15 at
/// once.
pub const DEFAULT_CHALLENGE_DOMAIN_RATE: &str = "30/h burst 15";

/// Default of `AUTHWALK_LOGO_UPLOAD_RATE`: 20 logo uploads an hour per tenant, 5 at once.
pub const DEFAULT_LOGO_UPLOAD_RATE: &str = "20/h burst 5";

/// Default of `AUTHWALK_UPLOAD_DECODE_WAIT`: how long an upload waits for a decode slot.
pub const DEFAULT_UPLOAD_DECODE_WAIT: &str = "5s";

/// Default of `AUTHWALK_MAX_CONNECTIONS`: open client connections served at once. Each costs a file
/// descriptor and a little memory; 512 leaves room under the common 1024-descriptor limit for the
/// database pool, outbound requests and resolver sockets, and is far more than two cores need to
/// stay busy.
pub const DEFAULT_MAX_CONNECTIONS: &str = "512";

/// Default of `AUTHWALK_MAX_CONNECTIONS_PER_CLIENT`: a quarter of the global cap, so one client
/// (an address, an IPv6 /48) alone never takes every connection, while a hundred people behind one
/// corporate NAT opening a fresh link at once still all get the page.
pub const DEFAULT_MAX_CONNECTIONS_PER_CLIENT: &str = "128";

/// Default of `AUTHWALK_FIRST_BYTE_TIMEOUT`: a browser sends its request as soon as it has
/// connected; a connection silent this long is someone holding a slot.
pub const DEFAULT_FIRST_BYTE_TIMEOUT: &str = "5s";

/// Default of `AUTHWALK_SEND_TIMEOUT`: how long an answer may wait for the client to take more of
/// it (a reader that stops reading holds its connection and its answer in memory).
pub const DEFAULT_SEND_TIMEOUT: &str = "30s";

/// Default of `AUTHWALK_SHUTDOWN_TIMEOUT`: how long a stop waits for connections to finish; under
/// the 10 s most container runtimes give before they kill, with room to write the counters.
pub const DEFAULT_SHUTDOWN_TIMEOUT: &str = "8s";

/// Default of `AUTHWALK_ADMIN_SAVE_RATE`: settings and logo changes per tenant (all its admins
/// together), far above any person's pace.
pub const DEFAULT_ADMIN_SAVE_RATE: &str = "120/h burst 30";

/// Default of `AUTHWALK_ASSET_SWEEP_INTERVAL`: how often unreferenced images are deleted.
pub const DEFAULT_ASSET_SWEEP_INTERVAL: &str = "1h";

/// Raw options as typed by the operator (flags or environment variables).
#[derive(Debug, Clone, Args)]
pub struct RawConfig {
    /// Address to serve on.
    #[arg(
        long,
        env = "AUTHWALK_LISTEN",
        default_value = "127.0.0.1:3000",
        global = true
    )]
    pub listen: String,

    /// Database: `postgres://…` selects Postgres, anything else an SQLite file (created if missing).
    #[arg(long, env = "DATABASE_URL", default_value = DEFAULT_DATABASE_URL, global = true)]
    pub database_url: String,

    /// Base of links, QR codes and emails [default: http:// + listen address].
    #[arg(long, env = "AUTHWALK_PUBLIC_URL", global = true)]
    pub public_url: Option<String>,

    /// Comma-separated `ip:port` nameservers for every lookup (UDP and TCP) [default: system resolver].
    #[arg(long, env = "AUTHWALK_DNS_SERVERS", global = true)]
    pub dns_servers: Option<String>,

    /// Comma-separated `host=ip:port` pins for outbound HTTPS (like curl --resolve); pinned hosts are trusted.
    #[arg(long, env = "AUTHWALK_CONNECT_TO", global = true)]
    pub connect_to: Option<String>,

    /// PEM file of extra trusted root certificates (corporate proxies, test servers).
    #[arg(long, env = "AUTHWALK_EXTRA_CA", global = true)]
    pub extra_ca: Option<PathBuf>,

    /// Comma-separated hosts branding images may be downloaded from (Microsoft's branding CDN).
    #[arg(
        long,
        env = "AUTHWALK_BRANDING_HOSTS",
        default_value = DEFAULT_BRANDING_HOSTS,
        global = true
    )]
    pub branding_hosts: String,

    /// A stored tenant older than this is served, then refreshed in the background.
    #[arg(
        long,
        env = "AUTHWALK_REFRESH_AFTER",
        default_value = "24h",
        global = true
    )]
    pub refresh_after: String,

    /// How long "not an Entra domain" is remembered.
    #[arg(
        long,
        env = "AUTHWALK_NOT_FOUND_TTL",
        default_value = "1h",
        global = true
    )]
    pub not_found_ttl: String,

    /// Timeout of each outbound lookup.
    #[arg(
        long,
        env = "AUTHWALK_UPSTREAM_TIMEOUT",
        default_value = "4s",
        global = true
    )]
    pub upstream_timeout: String,

    /// Comma-separated IPs or CIDRs of reverse proxies whose `X-Forwarded-For` is believed.
    #[arg(long, env = "AUTHWALK_TRUSTED_PROXIES", global = true)]
    pub trusted_proxies: Option<String>,

    /// How often one client may look up domains not seen before (`N/period`, optional `burst B`).
    #[arg(
        long,
        env = "AUTHWALK_NEW_DOMAIN_RATE",
        default_value = DEFAULT_NEW_DOMAIN_RATE,
        global = true
    )]
    pub new_domain_rate: String,

    /// How often one client may try admin domain verification ("Check DNS").
    #[arg(
        long,
        env = "AUTHWALK_VERIFY_RATE",
        default_value = DEFAULT_VERIFY_RATE,
        global = true
    )]
    pub verify_rate: String,

    /// How often admin domain verification may be tried for one domain (all clients together).
    #[arg(
        long,
        env = "AUTHWALK_VERIFY_DOMAIN_RATE",
        default_value = DEFAULT_VERIFY_DOMAIN_RATE,
        global = true
    )]
    pub verify_domain_rate: String,

    /// How often one client may start a new admin DNS challenge.
    #[arg(
        long,
        env = "AUTHWALK_CHALLENGE_RATE",
        default_value = DEFAULT_CHALLENGE_RATE,
        global = true
    )]
    pub challenge_rate: String,

    /// How often new admin DNS challenges may be started for one domain (all clients together).
    #[arg(
        long,
        env = "AUTHWALK_CHALLENGE_DOMAIN_RATE",
        default_value = DEFAULT_CHALLENGE_DOMAIN_RATE,
        global = true
    )]
    pub challenge_domain_rate: String,

    /// Most domain resolutions running at once (each sends several upstream requests).
    #[arg(
        long,
        env = "AUTHWALK_MAX_RESOLUTIONS",
        default_value = "16",
        global = true
    )]
    pub max_resolutions: String,

    /// How long a client may take to send a request's line and headers (also how long an idle
    /// HTTP/1 or HTTP/2 connection stays open).
    #[arg(
        long,
        env = "AUTHWALK_HEADER_READ_TIMEOUT",
        default_value = "10s",
        global = true
    )]
    pub header_read_timeout: String,

    /// Security info page (where employees add sign-in methods) of the worldwide cloud.
    #[arg(
        long,
        env = "AUTHWALK_SECURITY_INFO_PUBLIC",
        default_value = DEFAULT_SECURITY_INFO_PUBLIC,
        global = true
    )]
    pub security_info_public: String,

    /// Security info page of the US Government cloud (GCC High, DoD).
    #[arg(
        long,
        env = "AUTHWALK_SECURITY_INFO_USGOV",
        default_value = DEFAULT_SECURITY_INFO_USGOV,
        global = true
    )]
    pub security_info_usgov: String,

    /// Security info page of the China cloud (21Vianet).
    #[arg(
        long,
        env = "AUTHWALK_SECURITY_INFO_CHINA",
        default_value = DEFAULT_SECURITY_INFO_CHINA,
        global = true
    )]
    pub security_info_china: String,

    /// Most client connections open at once; further clients wait in the listen queue.
    #[arg(
        long,
        env = "AUTHWALK_MAX_CONNECTIONS",
        default_value = DEFAULT_MAX_CONNECTIONS,
        global = true
    )]
    pub max_connections: String,

    /// Most connections one client (an address; IPv6: its /48) may have open at once; trusted
    /// proxies are not limited.
    #[arg(
        long,
        env = "AUTHWALK_MAX_CONNECTIONS_PER_CLIENT",
        default_value = DEFAULT_MAX_CONNECTIONS_PER_CLIENT,
        global = true
    )]
    pub max_connections_per_client: String,

    /// How long a new connection may stay silent before its first byte.
    #[arg(
        long,
        env = "AUTHWALK_FIRST_BYTE_TIMEOUT",
        default_value = DEFAULT_FIRST_BYTE_TIMEOUT,
        global = true
    )]
    pub first_byte_timeout: String,

    /// How long an answer may wait for the client to read more of it.
    #[arg(
        long,
        env = "AUTHWALK_SEND_TIMEOUT",
        default_value = DEFAULT_SEND_TIMEOUT,
        global = true
    )]
    pub send_timeout: String,

    /// How long a stop waits for open connections before closing them.
    #[arg(
        long,
        env = "AUTHWALK_SHUTDOWN_TIMEOUT",
        default_value = DEFAULT_SHUTDOWN_TIMEOUT,
        global = true
    )]
    pub shutdown_timeout: String,

    /// How often one tenant's admins may save settings or change a logo (same syntax).
    #[arg(
        long,
        env = "AUTHWALK_ADMIN_SAVE_RATE",
        default_value = DEFAULT_ADMIN_SAVE_RATE,
        global = true
    )]
    pub admin_save_rate: String,

    /// How often one tenant's admins may upload a logo (`N/period`, optional `burst B`).
    #[arg(
        long,
        env = "AUTHWALK_LOGO_UPLOAD_RATE",
        default_value = DEFAULT_LOGO_UPLOAD_RATE,
        global = true
    )]
    pub logo_upload_rate: String,

    /// How long a logo upload waits for an image decode slot before it is answered busy (503).
    #[arg(
        long,
        env = "AUTHWALK_UPLOAD_DECODE_WAIT",
        default_value = DEFAULT_UPLOAD_DECODE_WAIT,
        global = true
    )]
    pub upload_decode_wait: String,

    /// How often images no tenant or page refers to any more are deleted from the database.
    #[arg(
        long,
        env = "AUTHWALK_ASSET_SWEEP_INTERVAL",
        default_value = DEFAULT_ASSET_SWEEP_INTERVAL,
        global = true
    )]
    pub asset_sweep_interval: String,

    /// Log filter (tracing's EnvFilter syntax).
    #[arg(long, env = "RUST_LOG", default_value = "info", global = true)]
    pub rust_log: String,

    /// Log format: `pretty` for people, `json` for log collectors.
    #[arg(
        long,
        env = "AUTHWALK_LOG_FORMAT",
        default_value = "pretty",
        global = true
    )]
    pub log_format: String,
}

/// How log lines are written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum LogFormat {
    /// Human-readable lines.
    Pretty,
    /// One JSON object per line.
    Json,
}

/// Which database backend a URL selects.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DatabaseUrl {
    /// A Postgres server URL (`postgres://` or `postgresql://`).
    Postgres(String),
    /// An SQLite file path (from `sqlite://path`, `sqlite:path` or a bare path).
    Sqlite(PathBuf),
}

/// An operator pin: connect to `addr` whenever `host` is asked for, and verify TLS for `host`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConnectPin {
    /// Lower-case host name as it appears in URLs.
    pub host: String,
    /// Where to connect instead of resolving `host`.
    pub addr: SocketAddr,
}

/// Extra root certificates, read and checked at start.
#[derive(Debug, Clone)]
pub struct ExtraCa {
    /// Where the PEM came from (for messages).
    pub path: PathBuf,
    /// The PEM bytes; holds at least one certificate.
    pub pem: Vec<u8>,
}

/// A rate limit: `count` requests per `period`, of which up to `burst` may come at once.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rate {
    /// Requests allowed per period, on average.
    pub count: NonZeroU32,
    /// The period `count` is measured over.
    pub period: Duration,
    /// Requests allowed back to back before the average applies.
    pub burst: NonZeroU32,
}

impl Rate {
    /// How long it takes to earn one more request.
    pub fn replenish_interval(&self) -> Duration {
        self.period / self.count.get()
    }

    /// `factor` times this rate: the count and the burst multiplied, the period kept.
    pub fn times(&self, factor: u32) -> Self {
        let factor = NonZeroU32::new(factor).unwrap_or(NonZeroU32::MIN);
        Self {
            count: self.count.saturating_mul(factor),
            period: self.period,
            burst: self.burst.saturating_mul(factor),
        }
    }
}

/// One cloud's Security info page: where the walkthrough sends employees to add a passkey.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SecurityInfoPage {
    url: String,
    short: String,
}

impl SecurityInfoPage {
    /// The page at `url` (an https address checked by [`RawConfig::validate`]). Its short form
    /// for print and speech is Microsoft's `aka.ms/mysecurityinfo` for the worldwide page, and
    /// the address without `https://` for any other.
    fn new(url: &Url) -> Self {
        let full = url.as_str().trim_end_matches('/').to_owned();
        let short = if full == DEFAULT_SECURITY_INFO_PUBLIC {
            SECURITY_INFO_SHORT_LINK.to_owned()
        } else {
            full.trim_start_matches("https://").to_owned()
        };
        Self { url: full, short }
    }

    /// The full address (`https://mysignins.microsoft.com/security-info`).
    pub fn url(&self) -> &str {
        &self.url
    }

    /// The short form people type (`aka.ms/mysecurityinfo`, `mysignins.microsoft.us/security-info`).
    pub fn short(&self) -> &str {
        &self.short
    }
}

/// The Security info page of each cloud.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SecurityInfoPages {
    /// Worldwide (including GCC Moderate).
    pub public: SecurityInfoPage,
    /// US Government (GCC High, DoD).
    pub usgov: SecurityInfoPage,
    /// China (21Vianet).
    pub china: SecurityInfoPage,
}

impl SecurityInfoPages {
    /// The page of `cloud`.
    pub fn for_cloud(&self, cloud: Cloud) -> &SecurityInfoPage {
        match cloud {
            Cloud::Public => &self.public,
            Cloud::Usgov => &self.usgov,
            Cloud::China => &self.china,
        }
    }
}

impl Default for SecurityInfoPages {
    /// Today's addresses (the defaults of the three settings).
    fn default() -> Self {
        let page = |raw: &str| {
            Url::parse(raw).map_or_else(
                |_| SecurityInfoPage {
                    url: raw.to_owned(),
                    short: raw.to_owned(),
                },
                |url| SecurityInfoPage::new(&url),
            )
        };
        Self {
            public: page(DEFAULT_SECURITY_INFO_PUBLIC),
            usgov: page(DEFAULT_SECURITY_INFO_USGOV),
            china: page(DEFAULT_SECURITY_INFO_CHINA),
        }
    }
}

/// Validated configuration.
#[derive(Debug, Clone)]
pub struct Config {
    /// Address to serve on.
    pub listen: SocketAddr,
    /// The database to use.
    pub database: DatabaseUrl,
    /// Base of every absolute link we hand out, without a trailing slash.
    pub public_url: Url,
    /// Nameservers for every lookup; empty means the system resolver.
    pub dns_servers: Vec<SocketAddr>,
    /// Operator pins for outbound HTTPS.
    pub connect_to: Vec<ConnectPin>,
    /// Extra trusted roots.
    pub extra_ca: Option<ExtraCa>,
    /// Hosts branding images may be downloaded from (lower-case).
    pub branding_hosts: Vec<String>,
    /// Age after which a stored tenant is refreshed in the background.
    pub refresh_after: Duration,
    /// How long a `not_entra` answer is remembered.
    pub not_found_ttl: Duration,
    /// Timeout of each outbound lookup.
    pub upstream_timeout: Duration,
    /// Reverse proxies whose `X-Forwarded-For` is believed; empty trusts none.
    pub trusted_proxies: Vec<IpNet>,
    /// Per-client rate of lookups of domains not seen before.
    pub new_domain_rate: Rate,
    /// Per-client rate of admin verification attempts.
    pub verify_rate: Rate,
    /// Per-domain rate of admin verification attempts.
    pub verify_domain_rate: Rate,
    /// Per-client rate of new admin DNS challenges.
    pub challenge_rate: Rate,
    /// Per-domain rate of new admin DNS challenges.
    pub challenge_domain_rate: Rate,
    /// Most domain resolutions running at once.
    pub max_resolutions: usize,
    /// Longest time a client may take to send a request's line and headers; also how long an
    /// idle connection stays open.
    pub header_read_timeout: Duration,
    /// Where each cloud's employees add sign-in methods.
    pub security_info: SecurityInfoPages,
    /// Most client connections open at once.
    pub max_connections: usize,
    /// Most connections one client may have open at once.
    pub max_connections_per_client: usize,
    /// Longest silence of a new connection before its first byte.
    pub first_byte_timeout: Duration,
    /// Longest wait of an answer for the client to read more of it.
    pub send_timeout: Duration,
    /// Longest wait of a stop for open connections.
    pub shutdown_timeout: Duration,
    /// Per-tenant rate of settings saves and logo changes.
    pub admin_save_rate: Rate,
    /// Per-tenant rate of logo uploads.
    pub logo_upload_rate: Rate,
    /// Longest wait of an upload for an image decode slot.
    pub upload_decode_wait: Duration,
    /// How often unreferenced images are deleted.
    pub asset_sweep_interval: Duration,
    /// Log filter directive.
    pub rust_log: String,
    /// Log format.
    pub log_format: LogFormat,
}

impl Config {
    /// The warning to log at start when admins would sign in over plain http from other
    /// machines: a public URL that is not https while the listener accepts more than loopback.
    /// Session cookies then travel unencrypted and cannot be `Secure` or `__Host-` prefixed, so
    /// anyone on the path can take over an admin session (a TLS-terminating proxy in front must
    /// be named in `AUTHWALK_PUBLIC_URL` as https).
    pub fn plain_http_warning(&self) -> Option<String> {
        if self.public_url.scheme() == "https" || self.listen.ip().is_loopback() {
            return None;
        }
        Some(format!(
            "AUTHWALK_PUBLIC_URL is {} (plain http) while authwalk listens on {}, beyond this \
             machine: admin sessions and sign-in cookies would travel unencrypted and could be \
             stolen or replaced on the network. Serve authwalk behind https and set \
             AUTHWALK_PUBLIC_URL=https://…",
            self.public_url, self.listen
        ))
    }
}

/// A configuration value that cannot be used: names the variable and what is wrong.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{variable}: {problem}")]
pub struct ConfigError {
    /// The environment variable (flags use the same words).
    pub variable: &'static str,
    /// What is wrong, quoting the value.
    pub problem: String,
}

fn bad(variable: &'static str, problem: impl Into<String>) -> ConfigError {
    ConfigError {
        variable,
        problem: problem.into(),
    }
}

impl RawConfig {
    /// Check every value and build the typed configuration.
    pub fn validate(&self) -> Result<Config, ConfigError> {
        let listen = parse_socket_addr("AUTHWALK_LISTEN", &self.listen)?;
        let database = parse_database_url(&self.database_url)?;
        let public_url = match &self.public_url {
            Some(raw) => parse_public_url(raw)?,
            None => Url::parse(&format!("http://{listen}"))
                .map_err(|e| bad("AUTHWALK_LISTEN", format!("cannot form a public URL: {e}")))?,
        };
        let dns_servers = match &self.dns_servers {
            Some(raw) => split_list(raw)
                .map(|item| parse_socket_addr("AUTHWALK_DNS_SERVERS", item))
                .collect::<Result<Vec<_>, _>>()?,
            None => Vec::new(),
        };
        let connect_to = match &self.connect_to {
            Some(raw) => split_list(raw)
                .map(parse_connect_pin)
                .collect::<Result<Vec<_>, _>>()?,
            None => Vec::new(),
        };
        let extra_ca = self.extra_ca.as_deref().map(read_extra_ca).transpose()?;
        let branding_hosts = split_list(&self.branding_hosts)
            .map(|host| parse_host("AUTHWALK_BRANDING_HOSTS", host))
            .collect::<Result<Vec<_>, _>>()?;
        let trusted_proxies = match &self.trusted_proxies {
            Some(raw) => split_list(raw)
                .map(parse_trusted_proxy)
                .collect::<Result<Vec<_>, _>>()?,
            None => Vec::new(),
        };
        let log_format = LogFormat::from_str(&self.log_format, true).map_err(|_| {
            bad(
                "AUTHWALK_LOG_FORMAT",
                format!("unknown format {:?} (use pretty or json)", self.log_format),
            )
        })?;
        tracing_subscriber::EnvFilter::try_new(&self.rust_log).map_err(|e| {
            bad(
                "RUST_LOG",
                format!("invalid filter {:?}: {e}", self.rust_log),
            )
        })?;
        Ok(Config {
            listen,
            database,
            public_url,
            dns_servers,
            connect_to,
            extra_ca,
            branding_hosts,
            refresh_after: parse_duration("AUTHWALK_REFRESH_AFTER", &self.refresh_after)?,
            not_found_ttl: parse_duration("AUTHWALK_NOT_FOUND_TTL", &self.not_found_ttl)?,
            upstream_timeout: parse_duration("AUTHWALK_UPSTREAM_TIMEOUT", &self.upstream_timeout)?,
            trusted_proxies,
            new_domain_rate: parse_rate("AUTHWALK_NEW_DOMAIN_RATE", &self.new_domain_rate)?,
            verify_rate: parse_rate("AUTHWALK_VERIFY_RATE", &self.verify_rate)?,
            verify_domain_rate: parse_rate(
                "AUTHWALK_VERIFY_DOMAIN_RATE",
                &self.verify_domain_rate,
            )?,
            challenge_rate: parse_rate("AUTHWALK_CHALLENGE_RATE", &self.challenge_rate)?,
            challenge_domain_rate: parse_rate(
                "AUTHWALK_CHALLENGE_DOMAIN_RATE",
                &self.challenge_domain_rate,
            )?,
            max_resolutions: parse_max_resolutions(&self.max_resolutions)?,
            header_read_timeout: parse_duration(
                "AUTHWALK_HEADER_READ_TIMEOUT",
                &self.header_read_timeout,
            )?,
            security_info: SecurityInfoPages {
                public: parse_security_info(
                    "AUTHWALK_SECURITY_INFO_PUBLIC",
                    &self.security_info_public,
                )?,
                usgov: parse_security_info(
                    "AUTHWALK_SECURITY_INFO_USGOV",
                    &self.security_info_usgov,
                )?,
                china: parse_security_info(
                    "AUTHWALK_SECURITY_INFO_CHINA",
                    &self.security_info_china,
                )?,
            },
            max_connections: parse_count("AUTHWALK_MAX_CONNECTIONS", &self.max_connections, "512")?,
            max_connections_per_client: parse_count(
                "AUTHWALK_MAX_CONNECTIONS_PER_CLIENT",
                &self.max_connections_per_client,
                "128",
            )?,
            first_byte_timeout: parse_duration(
                "AUTHWALK_FIRST_BYTE_TIMEOUT",
                &self.first_byte_timeout,
            )?,
            send_timeout: parse_duration("AUTHWALK_SEND_TIMEOUT", &self.send_timeout)?,
            shutdown_timeout: parse_duration("AUTHWALK_SHUTDOWN_TIMEOUT", &self.shutdown_timeout)?,
            admin_save_rate: parse_rate("AUTHWALK_ADMIN_SAVE_RATE", &self.admin_save_rate)?,
            logo_upload_rate: parse_rate("AUTHWALK_LOGO_UPLOAD_RATE", &self.logo_upload_rate)?,
            upload_decode_wait: parse_duration(
                "AUTHWALK_UPLOAD_DECODE_WAIT",
                &self.upload_decode_wait,
            )?,
            asset_sweep_interval: parse_duration(
                "AUTHWALK_ASSET_SWEEP_INTERVAL",
                &self.asset_sweep_interval,
            )?,
            rust_log: self.rust_log.clone(),
            log_format,
        })
    }
}

impl Default for RawConfig {
    fn default() -> Self {
        Self {
            listen: "127.0.0.1:3000".into(),
            database_url: DEFAULT_DATABASE_URL.into(),
            public_url: None,
            dns_servers: None,
            connect_to: None,
            extra_ca: None,
            branding_hosts: DEFAULT_BRANDING_HOSTS.into(),
            refresh_after: "24h".into(),
            not_found_ttl: "1h".into(),
            upstream_timeout: "4s".into(),
            trusted_proxies: None,
            new_domain_rate: DEFAULT_NEW_DOMAIN_RATE.into(),
            verify_rate: DEFAULT_VERIFY_RATE.into(),
            verify_domain_rate: DEFAULT_VERIFY_DOMAIN_RATE.into(),
            challenge_rate: DEFAULT_CHALLENGE_RATE.into(),
            challenge_domain_rate: DEFAULT_CHALLENGE_DOMAIN_RATE.into(),
            max_resolutions: "16".into(),
            header_read_timeout: "10s".into(),
            security_info_public: DEFAULT_SECURITY_INFO_PUBLIC.into(),
            security_info_usgov: DEFAULT_SECURITY_INFO_USGOV.into(),
            security_info_china: DEFAULT_SECURITY_INFO_CHINA.into(),
            max_connections: DEFAULT_MAX_CONNECTIONS.into(),
            max_connections_per_client: DEFAULT_MAX_CONNECTIONS_PER_CLIENT.into(),
            first_byte_timeout: DEFAULT_FIRST_BYTE_TIMEOUT.into(),
            send_timeout: DEFAULT_SEND_TIMEOUT.into(),
            shutdown_timeout: DEFAULT_SHUTDOWN_TIMEOUT.into(),
            admin_save_rate: DEFAULT_ADMIN_SAVE_RATE.into(),
            logo_upload_rate: DEFAULT_LOGO_UPLOAD_RATE.into(),
            upload_decode_wait: DEFAULT_UPLOAD_DECODE_WAIT.into(),
            asset_sweep_interval: DEFAULT_ASSET_SWEEP_INTERVAL.into(),
            rust_log: "info".into(),
            log_format: "pretty".into(),
        }
    }
}

fn split_list(raw: &str) -> impl Iterator<Item = &str> {
    raw.split(',')
        .map(str::trim)
        .filter(|item| !item.is_empty())
}

fn parse_socket_addr(variable: &'static str, raw: &str) -> Result<SocketAddr, ConfigError> {
    raw.trim().parse().map_err(|_| {
        bad(
            variable,
            format!("invalid socket address {raw:?} (expected ip:port)"),
        )
    })
}

fn parse_duration(variable: &'static str, raw: &str) -> Result<Duration, ConfigError> {
    let duration = humantime::parse_duration(raw.trim()).map_err(|e| {
        bad(
            variable,
            format!("invalid duration {raw:?}: {e} (examples: 500ms, 4s, 1h, 24h)"),
        )
    })?;
    if duration.is_zero() {
        return Err(bad(
            variable,
            format!("duration {raw:?} must be greater than zero"),
        ));
    }
    Ok(duration)
}

fn parse_database_url(raw: &str) -> Result<DatabaseUrl, ConfigError> {
    let raw = raw.trim();
    if raw.starts_with("postgres://") || raw.starts_with("postgresql://") {
        Url::parse(raw).map_err(|e| bad("DATABASE_URL", format!("invalid Postgres URL: {e}")))?;
        return Ok(DatabaseUrl::Postgres(raw.to_owned()));
    }
    let path = raw
        .strip_prefix("sqlite://")
        .or_else(|| raw.strip_prefix("sqlite:"))
        .unwrap_or(raw);
    // Connection options after `?` belong to URLs, not file names: we set the pragmas ourselves.
    let path = path.split('?').next().unwrap_or(path);
    if path.is_empty() {
        return Err(bad(
            "DATABASE_URL",
            format!("{raw:?} names no database (use postgres://… or sqlite://file.db)"),
        ));
    }
    if path.contains("://") {
        return Err(bad(
            "DATABASE_URL",
            format!("unsupported database {raw:?} (use postgres://… or sqlite://file.db)"),
        ));
    }
    Ok(DatabaseUrl::Sqlite(PathBuf::from(path)))
}

fn parse_public_url(raw: &str) -> Result<Url, ConfigError> {
    let url = Url::parse(raw.trim())
        .map_err(|e| bad("AUTHWALK_PUBLIC_URL", format!("invalid URL {raw:?}: {e}")))?;
    if !matches!(url.scheme(), "http" | "https") || url.host().is_none() {
        return Err(bad(
            "AUTHWALK_PUBLIC_URL",
            format!("{raw:?} must be an http(s) URL with a host"),
        ));
    }
    if url.query().is_some() || url.fragment().is_some() {
        return Err(bad(
            "AUTHWALK_PUBLIC_URL",
            format!("{raw:?} must not carry a query or fragment"),
        ));
    }
    Ok(url)
}

/// A Security info address: https with a host, no credentials, query or fragment (it is printed
/// on every walkthrough and must be the page itself).
fn parse_security_info(variable: &'static str, raw: &str) -> Result<SecurityInfoPage, ConfigError> {
    let problem = |why: &str| {
        bad(
            variable,
            format!(
                "{raw:?} {why} (expected an https address such as \
                 {DEFAULT_SECURITY_INFO_PUBLIC})"
            ),
        )
    };
    let url = Url::parse(raw.trim()).map_err(|_| problem("is not a URL"))?;
    if url.scheme() != "https" {
        return Err(problem("must use https"));
    }
    if url.host_str().is_none_or(str::is_empty) {
        return Err(problem("has no host"));
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err(problem("must not carry a user name or password"));
    }
    if url.query().is_some() || url.fragment().is_some() {
        return Err(problem("must not carry a query or fragment"));
    }
    Ok(SecurityInfoPage::new(&url))
}

fn parse_connect_pin(item: &str) -> Result<ConnectPin, ConfigError> {
    let (host, addr) = item.split_once('=').ok_or_else(|| {
        bad(
            "AUTHWALK_CONNECT_TO",
            format!("invalid pin {item:?} (expected host=ip:port)"),
        )
    })?;
    let host = parse_host("AUTHWALK_CONNECT_TO", host)?;
    let addr = addr.trim().parse().map_err(|_| {
        bad(
            "AUTHWALK_CONNECT_TO",
            format!("invalid socket address in pin {item:?} (expected host=ip:port)"),
        )
    })?;
    Ok(ConnectPin { host, addr })
}

/// `N/period` with an optional ` burst B` (`20/min`, `10/h burst 5`, `100/10s`); the burst
/// defaults to `N`.
fn parse_rate(variable: &'static str, raw: &str) -> Result<Rate, ConfigError> {
    let invalid = |why: &str| {
        bad(
            variable,
            format!("invalid rate {raw:?}: {why} (examples: 20/min, 10/h burst 5, 100/10s)"),
        )
    };
    let text = raw.trim();
    let (rate, burst) = match text.split_once("burst") {
        Some((rate, burst)) => (rate.trim(), Some(burst.trim())),
        None => (text, None),
    };
    let (count, period) = rate
        .split_once('/')
        .ok_or_else(|| invalid("expected N/period"))?;
    let count = count
        .trim()
        .parse::<NonZeroU32>()
        .map_err(|_| invalid("the count must be a whole number above zero"))?;
    let period = period.trim();
    // `min` means one minute: humantime wants a number in front of the unit.
    let period = if period.starts_with(|c: char| c.is_ascii_digit()) {
        humantime::parse_duration(period)
    } else {
        humantime::parse_duration(&format!("1{period}"))
    }
    .map_err(|_| invalid("unknown period"))?;
    if (period / count.get()).is_zero() {
        return Err(invalid("the period is too short for the count"));
    }
    let burst = match burst {
        Some(burst) => burst
            .parse::<NonZeroU32>()
            .map_err(|_| invalid("the burst must be a whole number above zero"))?,
        None => count,
    };
    Ok(Rate {
        count,
        period,
        burst,
    })
}

/// A whole number above zero (`example` goes into the message).
fn parse_count(variable: &'static str, raw: &str, example: &str) -> Result<usize, ConfigError> {
    match raw.trim().parse::<usize>() {
        Ok(count) if count > 0 => Ok(count),
        _ => Err(bad(
            variable,
            format!("invalid count {raw:?} (a whole number above zero, e.g. {example})"),
        )),
    }
}

fn parse_max_resolutions(raw: &str) -> Result<usize, ConfigError> {
    match raw.trim().parse::<usize>() {
        Ok(count) if count > 0 => Ok(count),
        _ => Err(bad(
            "AUTHWALK_MAX_RESOLUTIONS",
            format!("invalid count {raw:?} (a whole number above zero, e.g. 16)"),
        )),
    }
}

/// A trusted proxy: an IP address (one host) or a CIDR network.
fn parse_trusted_proxy(item: &str) -> Result<IpNet, ConfigError> {
    let parsed = if item.contains('/') {
        item.parse::<IpNet>().ok()
    } else {
        item.parse::<IpAddr>().ok().map(IpNet::from)
    };
    parsed.ok_or_else(|| {
        bad(
            "AUTHWALK_TRUSTED_PROXIES",
            format!(
                "invalid proxy address {item:?} (expected an IP address or a CIDR like 10.0.0.0/8)"
            ),
        )
    })
}

/// A lower-case host name (letters, digits, `-`, `.`), without a trailing dot.
fn parse_host(variable: &'static str, raw: &str) -> Result<String, ConfigError> {
    let host = raw.trim().trim_end_matches('.').to_ascii_lowercase();
    let valid = !host.is_empty()
        && host
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '.');
    if valid {
        Ok(host)
    } else {
        Err(bad(variable, format!("invalid host name {raw:?}")))
    }
}

fn read_extra_ca(path: &std::path::Path) -> Result<ExtraCa, ConfigError> {
    let pem = std::fs::read(path).map_err(|e| {
        bad(
            "AUTHWALK_EXTRA_CA",
            format!("cannot read {}: {e}", path.display()),
        )
    })?;
    let holds_certificate = String::from_utf8_lossy(&pem).contains("-----BEGIN CERTIFICATE-----");
    if !holds_certificate {
        return Err(bad(
            "AUTHWALK_EXTRA_CA",
            format!("{} holds no PEM certificate", path.display()),
        ));
    }
    Ok(ExtraCa {
        path: path.to_owned(),
        pem,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn raw() -> RawConfig {
        RawConfig::default()
    }

    #[test]
    fn defaults_are_valid_and_match_the_contract() {
        let config = raw().validate().unwrap();
        assert_eq!(config.listen, "127.0.0.1:3000".parse().unwrap());
        assert_eq!(
            config.database,
            DatabaseUrl::Sqlite(PathBuf::from("authwalk.db"))
        );
        assert_eq!(config.public_url.as_str(), "http://127.0.0.1:3000/");
        assert!(config.dns_servers.is_empty());
        assert!(config.connect_to.is_empty());
        assert_eq!(config.refresh_after, Duration::from_secs(24 * 3600));
        assert_eq!(config.not_found_ttl, Duration::from_secs(3600));
        assert_eq!(config.upstream_timeout, Duration::from_secs(4));
        assert_eq!(config.log_format, LogFormat::Pretty);
    }

    #[test]
    fn security_info_defaults_to_microsofts_pages_with_the_short_link_for_the_worldwide_one() {
        let pages = raw().validate().unwrap().security_info;
        assert_eq!(pages, SecurityInfoPages::default());
        let public = pages.for_cloud(Cloud::Public);
        assert_eq!(
            (public.url(), public.short()),
            (
                "https://mysignins.microsoft.com/security-info",
                "aka.ms/mysecurityinfo"
            )
        );
        let usgov = pages.for_cloud(Cloud::Usgov);
        assert_eq!(
            (usgov.url(), usgov.short()),
            (
                "https://mysignins.microsoft.us/security-info",
                "mysignins.microsoft.us/security-info"
            )
        );
        let china = pages.for_cloud(Cloud::China);
        assert_eq!(
            (china.url(), china.short()),
            (
                "https://mysignins.azure.cn/security-info",
                "mysignins.azure.cn/security-info"
            )
        );
    }

    #[test]
    fn security_info_pages_are_settings_checked_at_start() {
        let config = RawConfig {
            security_info_china: " https://mysignins.example.cn/security-info/ ".into(),
            ..raw()
        }
        .validate()
        .unwrap();
        let china = config.security_info.for_cloud(Cloud::China);
        assert_eq!(china.url(), "https://mysignins.example.cn/security-info");
        assert_eq!(china.short(), "mysignins.example.cn/security-info");
        for (value, why) in [
            (
                "http://mysignins.microsoft.us/security-info",
                "must use https",
            ),
            ("mysignins.microsoft.us/security-info", "is not a URL"),
            (
                "https://u:p@mysignins.microsoft.us/",
                "user name or password",
            ),
            ("https://mysignins.microsoft.us/?x=1", "query or fragment"),
        ] {
            let err = RawConfig {
                security_info_usgov: value.into(),
                ..raw()
            }
            .validate()
            .unwrap_err();
            assert_eq!(err.variable, "AUTHWALK_SECURITY_INFO_USGOV", "{value}");
            assert!(err.problem.contains(why), "{value}: {err}");
        }
    }

    #[test]
    fn bad_listen_address_names_the_variable() {
        let err = RawConfig {
            listen: "abc".into(),
            ..raw()
        }
        .validate()
        .unwrap_err();
        assert_eq!(
            err.to_string(),
            r#"AUTHWALK_LISTEN: invalid socket address "abc" (expected ip:port)"#
        );
    }

    #[test]
    fn postgres_urls_select_postgres() {
        for url in [
            "postgres://postgres@127.0.0.1/test",
            "postgresql://u:p@db:5432/x",
        ] {
            let config = RawConfig {
                database_url: url.into(),
                ..raw()
            }
            .validate()
            .unwrap();
            assert_eq!(config.database, DatabaseUrl::Postgres(url.into()));
        }
    }

    #[test]
    fn sqlite_urls_and_paths_select_sqlite() {
        for (url, path) in [
            ("sqlite://data/a.db", "data/a.db"),
            ("sqlite:b.db", "b.db"),
            ("sqlite:///var/lib/authwalk.db", "/var/lib/authwalk.db"),
            ("c.db", "c.db"),
            ("sqlite://d.db?mode=rwc", "d.db"),
        ] {
            let config = RawConfig {
                database_url: url.into(),
                ..raw()
            }
            .validate()
            .unwrap();
            assert_eq!(config.database, DatabaseUrl::Sqlite(path.into()), "{url}");
        }
    }

    #[test]
    fn unknown_database_scheme_is_refused() {
        let err = RawConfig {
            database_url: "mysql://root@localhost/db".into(),
            ..raw()
        }
        .validate()
        .unwrap_err();
        assert_eq!(err.variable, "DATABASE_URL");
        assert!(err.problem.contains("mysql://"), "{err}");
    }

    #[test]
    fn public_url_defaults_to_listen_and_accepts_https() {
        let config = RawConfig {
            listen: "0.0.0.0:8080".into(),
            ..raw()
        }
        .validate()
        .unwrap();
        assert_eq!(config.public_url.as_str(), "http://0.0.0.0:8080/");
        let config = RawConfig {
            public_url: Some("https://passkeys.example.com".into()),
            ..raw()
        }
        .validate()
        .unwrap();
        assert_eq!(config.public_url.scheme(), "https");
        let err = RawConfig {
            public_url: Some("ftp://x".into()),
            ..raw()
        }
        .validate()
        .unwrap_err();
        assert_eq!(err.variable, "AUTHWALK_PUBLIC_URL");
    }

    #[test]
    fn dns_servers_and_pins_are_lists() {
        let config = RawConfig {
            dns_servers: Some("127.0.0.1:5353, [::1]:53".into()),
            connect_to: Some(
                "login.microsoftonline.com=127.0.0.1:8443,Example.COM.=[::1]:443".into(),
            ),
            ..raw()
        }
        .validate()
        .unwrap();
        assert_eq!(config.dns_servers.len(), 2);
        assert_eq!(config.connect_to[0].host, "login.microsoftonline.com");
        assert_eq!(config.connect_to[0].addr, "127.0.0.1:8443".parse().unwrap());
        assert_eq!(config.connect_to[1].host, "example.com");
    }

    #[test]
    fn malformed_lists_are_refused_with_the_item() {
        let err = RawConfig {
            dns_servers: Some("127.0.0.1".into()),
            ..raw()
        }
        .validate()
        .unwrap_err();
        assert_eq!(err.variable, "AUTHWALK_DNS_SERVERS");
        let err = RawConfig {
            connect_to: Some("login.microsoftonline.com:127.0.0.1:443".into()),
            ..raw()
        }
        .validate()
        .unwrap_err();
        assert_eq!(err.variable, "AUTHWALK_CONNECT_TO");
        assert!(err.problem.contains("host=ip:port"));
    }

    #[test]
    fn durations_use_human_units_and_refuse_zero() {
        let config = RawConfig {
            upstream_timeout: "750ms".into(),
            refresh_after: "2h 30m".into(),
            ..raw()
        }
        .validate()
        .unwrap();
        assert_eq!(config.upstream_timeout, Duration::from_millis(750));
        assert_eq!(config.refresh_after, Duration::from_secs(9000));
        for bad_value in ["0s", "soon", "-1s"] {
            let err = RawConfig {
                not_found_ttl: bad_value.into(),
                ..raw()
            }
            .validate()
            .unwrap_err();
            assert_eq!(err.variable, "AUTHWALK_NOT_FOUND_TTL", "{bad_value}");
        }
    }

    #[test]
    fn extra_ca_must_be_a_readable_pem() {
        let err = RawConfig {
            extra_ca: Some("/nonexistent/ca.pem".into()),
            ..raw()
        }
        .validate()
        .unwrap_err();
        assert_eq!(err.variable, "AUTHWALK_EXTRA_CA");
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("ca.pem");
        std::fs::write(&path, "not a certificate").unwrap();
        let err = RawConfig {
            extra_ca: Some(path.clone()),
            ..raw()
        }
        .validate()
        .unwrap_err();
        assert!(err.problem.contains("no PEM certificate"));
    }

    #[test]
    fn trusted_proxies_take_addresses_and_networks() {
        let config = raw().validate().unwrap();
        assert!(config.trusted_proxies.is_empty());
        let config = RawConfig {
            trusted_proxies: Some("10.0.0.0/8, 192.0.2.7,2001:db8::/32".into()),
            ..raw()
        }
        .validate()
        .unwrap();
        assert_eq!(
            config.trusted_proxies,
            vec![
                "10.0.0.0/8".parse::<IpNet>().unwrap(),
                "192.0.2.7/32".parse().unwrap(),
                "2001:db8::/32".parse().unwrap(),
            ]
        );
        for bad_value in ["10.0.0.0/33", "proxy.internal", "10.0.0"] {
            let err = RawConfig {
                trusted_proxies: Some(bad_value.into()),
                ..raw()
            }
            .validate()
            .unwrap_err();
            assert_eq!(err.variable, "AUTHWALK_TRUSTED_PROXIES", "{bad_value}");
            assert!(err.problem.contains(bad_value), "{err}");
        }
    }

    #[test]
    fn connection_limits_and_the_admin_save_rate_have_defaults_and_refuse_nonsense() {
        let config = raw().validate().unwrap();
        assert_eq!(config.max_connections_per_client, 128);
        assert_eq!(config.first_byte_timeout, Duration::from_secs(5));
        assert_eq!(config.send_timeout, Duration::from_secs(30));
        assert_eq!(config.shutdown_timeout, Duration::from_secs(8));
        assert_eq!(config.admin_save_rate.count.get(), 120);
        assert_eq!(config.admin_save_rate.burst.get(), 30);
        let refused = |raw: RawConfig| raw.validate().unwrap_err().variable;
        assert_eq!(
            refused(RawConfig {
                max_connections_per_client: "0".into(),
                ..raw()
            }),
            "AUTHWALK_MAX_CONNECTIONS_PER_CLIENT"
        );
        for (variable, config) in [
            (
                "AUTHWALK_FIRST_BYTE_TIMEOUT",
                RawConfig {
                    first_byte_timeout: "0s".into(),
                    ..raw()
                },
            ),
            (
                "AUTHWALK_SEND_TIMEOUT",
                RawConfig {
                    send_timeout: "soon".into(),
                    ..raw()
                },
            ),
            (
                "AUTHWALK_SHUTDOWN_TIMEOUT",
                RawConfig {
                    shutdown_timeout: "".into(),
                    ..raw()
                },
            ),
            (
                "AUTHWALK_ADMIN_SAVE_RATE",
                RawConfig {
                    admin_save_rate: "often".into(),
                    ..raw()
                },
            ),
        ] {
            assert_eq!(refused(config), variable);
        }
    }

    #[test]
    fn rates_read_count_period_and_burst() {
        let config = raw().validate().unwrap();
        assert_eq!(config.new_domain_rate.count.get(), 20);
        assert_eq!(config.new_domain_rate.period, Duration::from_secs(60));
        assert_eq!(config.new_domain_rate.burst.get(), 5);
        assert_eq!(
            config.new_domain_rate.replenish_interval(),
            Duration::from_secs(3)
        );
        assert_eq!(config.verify_rate.count.get(), 10);
        assert_eq!(config.verify_rate.period, Duration::from_secs(3600));
        assert_eq!(config.verify_rate.burst.get(), 5);
        assert_eq!(config.max_resolutions, 16);
        assert_eq!(config.header_read_timeout, Duration::from_secs(10));
        let config = RawConfig {
            new_domain_rate: "100/10s".into(),
            verify_rate: " 3 / hour burst 1 ".into(),
            ..raw()
        }
        .validate()
        .unwrap();
        assert_eq!(config.new_domain_rate.period, Duration::from_secs(10));
        assert_eq!(config.new_domain_rate.burst.get(), 100);
        assert_eq!(config.verify_rate.count.get(), 3);
        assert_eq!(config.verify_rate.burst.get(), 1);
        for bad_value in [
            "20",
            "0/min",
            "20/fortnight",
            "20/min burst 0",
            "x/min",
            "5/0s",
        ] {
            let err = RawConfig {
                new_domain_rate: bad_value.into(),
                ..raw()
            }
            .validate()
            .unwrap_err();
            assert_eq!(err.variable, "AUTHWALK_NEW_DOMAIN_RATE", "{bad_value}");
            assert!(err.problem.contains("examples"), "{err}");
        }
        for bad_value in ["0", "-1", "many"] {
            let err = RawConfig {
                max_resolutions: bad_value.into(),
                ..raw()
            }
            .validate()
            .unwrap_err();
            assert_eq!(err.variable, "AUTHWALK_MAX_RESOLUTIONS", "{bad_value}");
        }
        let err = RawConfig {
            header_read_timeout: "0s".into(),
            ..raw()
        }
        .validate()
        .unwrap_err();
        assert_eq!(err.variable, "AUTHWALK_HEADER_READ_TIMEOUT");
    }

    #[test]
    fn admin_rates_default_to_a_domain_allowance_above_one_clients() {
        let config = raw().validate().unwrap();
        assert_eq!(config.verify_domain_rate.count.get(), 40);
        assert_eq!(config.verify_domain_rate.burst.get(), 20);
        assert_eq!(config.challenge_rate.count.get(), 10);
        assert_eq!(config.challenge_rate.burst.get(), 5);
        assert_eq!(config.challenge_domain_rate.count.get(), 30);
        assert_eq!(config.challenge_domain_rate.burst.get(), 15);
        assert!(config.verify_domain_rate.burst > config.verify_rate.burst);
        assert!(config.challenge_domain_rate.burst > config.challenge_rate.burst);
        for (variable, raw) in [
            (
                "AUTHWALK_VERIFY_DOMAIN_RATE",
                RawConfig {
                    verify_domain_rate: "often".into(),
                    ..raw()
                },
            ),
            (
                "AUTHWALK_CHALLENGE_RATE",
                RawConfig {
                    challenge_rate: "0/h".into(),
                    ..raw()
                },
            ),
            (
                "AUTHWALK_CHALLENGE_DOMAIN_RATE",
                RawConfig {
                    challenge_domain_rate: "5/h burst 0".into(),
                    ..raw()
                },
            ),
        ] {
            assert_eq!(raw.validate().unwrap_err().variable, variable);
        }
    }

    #[test]
    fn abuse_limits_have_defaults_and_refuse_bad_values() {
        let config = raw().validate().unwrap();
        assert_eq!(config.max_connections, 512);
        assert_eq!(config.upload_decode_wait, Duration::from_secs(5));
        assert_eq!(config.asset_sweep_interval, Duration::from_secs(3600));
        assert_eq!(config.logo_upload_rate.count.get(), 20);
        assert_eq!(config.logo_upload_rate.period, Duration::from_secs(3600));
        assert_eq!(config.logo_upload_rate.burst.get(), 5);
        let refusals: [(RawConfig, &str); 4] = [
            (
                RawConfig {
                    max_connections: "0".into(),
                    ..raw()
                },
                "AUTHWALK_MAX_CONNECTIONS",
            ),
            (
                RawConfig {
                    logo_upload_rate: "often".into(),
                    ..raw()
                },
                "AUTHWALK_LOGO_UPLOAD_RATE",
            ),
            (
                RawConfig {
                    upload_decode_wait: "0ms".into(),
                    ..raw()
                },
                "AUTHWALK_UPLOAD_DECODE_WAIT",
            ),
            (
                RawConfig {
                    asset_sweep_interval: "soon".into(),
                    ..raw()
                },
                "AUTHWALK_ASSET_SWEEP_INTERVAL",
            ),
        ];
        for (config, variable) in refusals {
            let err = config.validate().unwrap_err();
            assert_eq!(err.variable, variable, "{err}");
        }
    }

    #[test]
    fn plain_http_beyond_loopback_is_warned_about() {
        let warning = |listen: &str, public_url: Option<&str>| {
            RawConfig {
                listen: listen.into(),
                public_url: public_url.map(Into::into),
                ..raw()
            }
            .validate()
            .unwrap()
            .plain_http_warning()
        };
        assert_eq!(warning("127.0.0.1:3000", None), None, "local use");
        assert_eq!(warning("[::1]:3000", Some("http://localhost:3000")), None);
        assert_eq!(
            warning("0.0.0.0:3000", Some("https://walk.example.com")),
            None,
            "behind https"
        );
        let loud = warning("0.0.0.0:3000", Some("http://walk.example.com")).unwrap();
        assert!(loud.contains("plain http"), "{loud}");
        assert!(loud.contains("0.0.0.0:3000"), "{loud}");
        assert!(warning("192.0.2.10:80", None).is_some());
    }

    #[test]
    fn log_settings_are_checked() {
        let err = RawConfig {
            log_format: "xml".into(),
            ..raw()
        }
        .validate()
        .unwrap_err();
        assert_eq!(err.variable, "AUTHWALK_LOG_FORMAT");
        let err = RawConfig {
            rust_log: "info,[".into(),
            ..raw()
        }
        .validate()
        .unwrap_err();
        assert_eq!(err.variable, "RUST_LOG");
        let config = RawConfig {
            log_format: "JSON".into(),
            ..raw()
        }
        .validate()
        .unwrap();
        assert_eq!(config.log_format, LogFormat::Json);
    }
}
