//! The one DNS resolver of the process (hickory), shared by discovery and the HTTP client.
//!
//! Names are always queried as absolute names (`contoso.com.`), so resolv.conf search domains can
//! never turn `contoso.com` into `contoso.com.corp.internal`.

use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;
use std::time::Duration;

use hickory_resolver::TokioResolver;
use hickory_resolver::config::{ConnectionConfig, NameServerConfig, ResolverConfig, ResolverOpts};
use hickory_resolver::net::runtime::TokioRuntimeProvider;
use hickory_resolver::proto::rr::{Name, RData, Record, RecordType};

/// Why a lookup produced no answer.
#[derive(Debug, Clone, thiserror::Error)]
pub enum DnsError {
    /// The name does not exist, or has no record of the asked type (a definite answer).
    #[error("no {record_type} record for {name}")]
    NoRecords {
        /// The queried name.
        name: String,
        /// The record type asked for.
        record_type: &'static str,
    },
    /// The name cannot be queried (not a valid DNS name).
    #[error("{name:?} is not a valid DNS name")]
    InvalidName {
        /// The rejected name.
        name: String,
    },
    /// The only answers are owned by another name, reached through a CNAME: they say nothing
    /// about the queried name (domain-control checks refuse them).
    #[error("the {record_type} records for {name} are owned by {owner}, reached through a CNAME")]
    Aliased {
        /// The queried name.
        name: String,
        /// The record type asked for.
        record_type: &'static str,
        /// The name that owns the answers (lower-case, no trailing dot).
        owner: String,
    },
    /// The lookup failed (timeout, refused, SERVFAIL): we don't know the answer.
    #[error("DNS lookup of {name} failed: {reason}")]
    Failed {
        /// The queried name.
        name: String,
        /// What went wrong.
        reason: String,
    },
    /// The resolver could not be configured.
    #[error("cannot configure the DNS resolver: {0}")]
    Setup(String),
}

impl DnsError {
    /// Whether this is a definite "no such record" rather than a failure to find out.
    pub fn is_no_records(&self) -> bool {
        matches!(self, DnsError::NoRecords { .. })
    }
}

/// The shared resolver; cheap to clone.
#[derive(Clone)]
pub struct Dns {
    cached: Arc<TokioResolver>,
    uncached: Arc<TokioResolver>,
    /// The deadline of one whole lookup (hickory's own timeout is per attempt, and it tries
    /// UDP, then TCP).
    timeout: Duration,
}

impl std::fmt::Debug for Dns {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Dns").finish_non_exhaustive()
    }
}

impl Dns {
    /// A resolver that asks `servers` (UDP and TCP), or the system's nameservers when empty.
    pub fn new(servers: &[SocketAddr], timeout: Duration) -> Result<Self, DnsError> {
        Ok(Self {
            cached: Arc::new(build(servers, timeout, true)?),
            uncached: Arc::new(build(servers, timeout, false)?),
            timeout,
        })
    }

    /// `lookup` bounded by the whole-lookup deadline.
    async fn within_deadline<T>(
        &self,
        name: &str,
        lookup: impl Future<Output = Result<T, DnsError>>,
    ) -> Result<T, DnsError> {
        tokio::time::timeout(self.timeout, lookup)
            .await
            .unwrap_or_else(|_| {
                Err(DnsError::Failed {
                    name: name.to_owned(),
                    reason: format!("no answer within {:?}", self.timeout),
                })
            })
    }

    /// Every IPv4 and IPv6 address of `host`.
    pub async fn lookup_ips(&self, host: &str) -> Result<Vec<IpAddr>, DnsError> {
        let name = absolute(host)?;
        let lookup = self
            .within_deadline(host, async {
                self.cached
                    .lookup_ip(name)
                    .await
                    .map_err(|error| classify(host, "A/AAAA", &error))
            })
            .await?;
        let ips: Vec<IpAddr> = lookup.iter().collect();
        if ips.is_empty() {
            return Err(no_records(host, "A/AAAA"));
        }
        Ok(ips)
    }

    /// The exchange hosts of `domain`'s MX records, lower-case without the trailing dot.
    pub async fn mx(&self, domain: &str) -> Result<Vec<String>, DnsError> {
        let records = self.records(&self.cached, domain, RecordType::MX).await?;
        Ok(records
            .iter()
            .filter_map(|data| match data {
                RData::MX(mx) => Some(host_text(&mx.exchange)),
                _ => None,
            })
            .collect())
    }

    /// The TXT strings at `name` (each record's character-strings joined, as SPF does).
    pub async fn txt(&self, name: &str) -> Result<Vec<String>, DnsError> {
        let records = self.records(&self.cached, name, RecordType::TXT).await?;
        Ok(txt_strings(&records))
    }

    /// Like [`Dns::txt`] but never answered from the cache, and only the records whose owner is
    /// `name` itself (domain-control checks): a TXT record reached through a CNAME lives under
    /// another name, often another registrable domain, and proves nothing about this one.
    pub async fn txt_uncached(&self, name: &str) -> Result<Vec<String>, DnsError> {
        let query = absolute(name)?;
        let answers = self.answers(&self.uncached, name, RecordType::TXT).await?;
        let (owned, elsewhere): (Vec<Record>, Vec<Record>) =
            answers.into_iter().partition(|record| record.name == query);
        if owned.is_empty() {
            return Err(match elsewhere.first() {
                Some(record) => DnsError::Aliased {
                    name: name.to_owned(),
                    record_type: "TXT",
                    owner: host_text(&record.name),
                },
                None => no_records(name, "TXT"),
            });
        }
        let data: Vec<RData> = owned.into_iter().map(|record| record.data).collect();
        Ok(txt_strings(&data))
    }

    /// The target of `name`'s CNAME record, lower-case without the trailing dot.
    pub async fn cname(&self, name: &str) -> Result<String, DnsError> {
        let records = self.records(&self.cached, name, RecordType::CNAME).await?;
        records
            .iter()
            .find_map(|data| match data {
                RData::CNAME(cname) => Some(host_text(&cname.0)),
                _ => None,
            })
            .ok_or_else(|| no_records(name, "CNAME"))
    }

    async fn records(
        &self,
        resolver: &TokioResolver,
        name: &str,
        record_type: RecordType,
    ) -> Result<Vec<RData>, DnsError> {
        let answers = self.answers(resolver, name, record_type).await?;
        Ok(answers.into_iter().map(|record| record.data).collect())
    }

    /// The answer records of `record_type` (whatever their owner: a CNAME chain is followed),
    /// never empty.
    async fn answers(
        &self,
        resolver: &TokioResolver,
        name: &str,
        record_type: RecordType,
    ) -> Result<Vec<Record>, DnsError> {
        let query = absolute(name)?;
        let type_name = record_type_name(record_type);
        let lookup = self
            .within_deadline(name, async {
                resolver
                    .lookup(query, record_type)
                    .await
                    .map_err(|error| classify(name, type_name, &error))
            })
            .await?;
        let records: Vec<Record> = lookup
            .answers()
            .iter()
            .filter(|record| record.record_type() == record_type)
            .cloned()
            .collect();
        if records.is_empty() {
            return Err(no_records(name, type_name));
        }
        Ok(records)
    }
}

fn build(
    servers: &[SocketAddr],
    timeout: Duration,
    cache: bool,
) -> Result<TokioResolver, DnsError> {
    let provider = TokioRuntimeProvider::default();
    let mut builder = if servers.is_empty() {
        TokioResolver::builder(provider).map_err(|error| DnsError::Setup(error.to_string()))?
    } else {
        let name_servers = servers
            .iter()
            .map(|server| {
                let mut udp = ConnectionConfig::udp();
                udp.port = server.port();
                let mut tcp = ConnectionConfig::tcp();
                tcp.port = server.port();
                NameServerConfig::new(server.ip(), true, vec![udp, tcp])
            })
            .collect();
        TokioResolver::builder_with_config(
            ResolverConfig::from_name_servers(name_servers),
            provider,
        )
    };
    let options: &mut ResolverOpts = builder.options_mut();
    options.timeout = timeout;
    options.attempts = 1;
    options.ndots = 0;
    if !cache {
        options.cache_size = 0;
    }
    builder
        .build()
        .map_err(|error| DnsError::Setup(error.to_string()))
}

fn absolute(name: &str) -> Result<Name, DnsError> {
    let mut parsed =
        Name::from_ascii(name.trim_end_matches('.')).map_err(|_| DnsError::InvalidName {
            name: name.to_owned(),
        })?;
    parsed.set_fqdn(true);
    Ok(parsed)
}

fn host_text(name: &Name) -> String {
    name.to_ascii().trim_end_matches('.').to_ascii_lowercase()
}

fn txt_strings(records: &[RData]) -> Vec<String> {
    records
        .iter()
        .filter_map(|data| match data {
            RData::TXT(txt) => Some(
                txt.txt_data
                    .iter()
                    .map(|part| String::from_utf8_lossy(part).into_owned())
                    .collect::<String>(),
            ),
            _ => None,
        })
        .collect()
}

fn no_records(name: &str, record_type: &'static str) -> DnsError {
    DnsError::NoRecords {
        name: name.to_owned(),
        record_type,
    }
}

fn classify(
    name: &str,
    record_type: &'static str,
    error: &hickory_resolver::net::NetError,
) -> DnsError {
    if error.is_nx_domain() || error.is_no_records_found() {
        no_records(name, record_type)
    } else {
        DnsError::Failed {
            name: name.to_owned(),
            reason: error.to_string(),
        }
    }
}

fn record_type_name(record_type: RecordType) -> &'static str {
    match record_type {
        RecordType::MX => "MX",
        RecordType::TXT => "TXT",
        RecordType::CNAME => "CNAME",
        RecordType::A => "A",
        RecordType::AAAA => "AAAA",
        _ => "DNS",
    }
}
