//! A fake authoritative DNS server on UDP and TCP (same port on 127.0.0.1), for hickory.
//!
//! It answers like a real authoritative server for whatever names the test adds: AA and RA set,
//! the query id and question echoed, NXDOMAIN for unknown names (NODATA for names that only have
//! descendants), NODATA with an SOA in the authority section for known names without the asked
//! type, CNAMEs returned (and followed within the fake) for other types, TXT strings split into
//! 255-byte character-strings. Over UDP an answer larger than the client's EDNS payload size (512
//! without EDNS) comes back empty with TC set, so resolvers retry over TCP (2-byte length prefix).
//! Wire format is encoded and decoded with hickory-proto.

use std::collections::{HashMap, HashSet};
use std::net::{Ipv4Addr, Ipv6Addr, SocketAddr};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use hickory_proto::op::{Edns, Message, MessageType, OpCode, ResponseCode};
use hickory_proto::rr::rdata::{A, AAAA, CNAME, MX, SOA, TXT};
use hickory_proto::rr::{Name, RData, Record, RecordType};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream, UdpSocket};
use tokio::task::{JoinHandle, JoinSet};

/// TTL of every record the fake serves.
pub const RECORD_TTL: u32 = 300;
/// TTL (and SOA minimum) of negative answers: how long resolvers may cache NXDOMAIN/NODATA.
pub const NEGATIVE_TTL: u32 = 30;
/// The EDNS payload size the fake advertises in its answers.
pub const SERVER_PAYLOAD: u16 = 1232;

/// A record the fake serves.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum FakeRecord {
    /// IPv4 address.
    A(Ipv4Addr),
    /// IPv6 address.
    Aaaa(Ipv6Addr),
    /// Mail exchange: preference and host.
    Mx(u16, String),
    /// One TXT record (split into 255-byte character-strings on the wire).
    Txt(String),
    /// Canonical name: the target host.
    Cname(String),
}

impl FakeRecord {
    fn record_type(&self) -> RecordType {
        match self {
            Self::A(_) => RecordType::A,
            Self::Aaaa(_) => RecordType::AAAA,
            Self::Mx(..) => RecordType::MX,
            Self::Txt(_) => RecordType::TXT,
            Self::Cname(_) => RecordType::CNAME,
        }
    }

    fn rdata(&self) -> RData {
        match self {
            Self::A(ip) => RData::A(A(*ip)),
            Self::Aaaa(ip) => RData::AAAA(AAAA(*ip)),
            Self::Mx(preference, host) => RData::MX(MX::new(*preference, absolute(host))),
            Self::Txt(text) => {
                let mut parts: Vec<&[u8]> = text.as_bytes().chunks(255).collect();
                if parts.is_empty() {
                    parts.push(b"");
                }
                RData::TXT(TXT::from_bytes(parts))
            }
            Self::Cname(target) => RData::CNAME(CNAME(absolute(target))),
        }
    }
}

/// Lower-case, without the trailing dot.
fn normalize(name: &str) -> String {
    name.trim().trim_end_matches('.').to_ascii_lowercase()
}

fn absolute(name: &str) -> Name {
    let mut parsed = Name::from_ascii(normalize(name))
        .unwrap_or_else(|error| panic!("fake DNS: {name:?} is not a DNS name: {error}"));
    parsed.set_fqdn(true);
    parsed
}

#[derive(Default)]
struct Zone {
    records: HashMap<String, Vec<FakeRecord>>,
    failing: HashSet<String>,
    delay: Duration,
    queries: HashMap<String, usize>,
    tcp_queries: HashMap<String, usize>,
}

type SharedZone = Arc<Mutex<Zone>>;

fn lock(zone: &Mutex<Zone>) -> MutexGuard<'_, Zone> {
    zone.lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Transport {
    Udp,
    Tcp,
}

/// A running fake DNS server; stops when dropped.
pub struct FakeDns {
    addr: SocketAddr,
    zone: SharedZone,
    tasks: Vec<JoinHandle<()>>,
}

impl std::fmt::Debug for FakeDns {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FakeDns")
            .field("addr", &self.addr)
            .finish_non_exhaustive()
    }
}

impl FakeDns {
    /// Start serving on one port of 127.0.0.1, UDP and TCP.
    pub async fn start() -> Self {
        let (udp, tcp) = bind_both().await;
        let addr = udp.local_addr().expect("fake DNS address");
        let zone = SharedZone::default();
        let tasks = vec![
            tokio::spawn(serve_udp(Arc::new(udp), zone.clone())),
            tokio::spawn(serve_tcp(tcp, zone.clone())),
        ];
        Self { addr, zone, tasks }
    }

    /// Where it listens (UDP and TCP), for `AUTHWALK_DNS_SERVERS`.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// Serve `record` at `name` (case-insensitive, trailing dot optional) besides any already there.
    pub fn add(&self, name: &str, record: FakeRecord) {
        let name = normalize(name);
        let _ = absolute(&name);
        lock(&self.zone)
            .records
            .entry(name)
            .or_default()
            .push(record);
    }

    /// The DNS of a domain on Microsoft 365: MX to Exchange Online, the `MS=` verification and
    /// SPF TXT records, and the autodiscover, enterpriseregistration, enterpriseenrollment and
    /// lyncdiscover CNAMEs.
    pub fn add_microsoft365(&self, domain: &str) {
        let domain = normalize(domain);
        self.add(
            &domain,
            FakeRecord::Mx(
                0,
                format!("{}.mail.protection.outlook.com", domain.replace('.', "-")),
            ),
        );
        self.add(&domain, FakeRecord::Txt("MS=ms12345678".into()));
        self.add(
            &domain,
            FakeRecord::Txt("v=spf1 include:spf.protection.outlook.com -all".into()),
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
            self.add(
                &format!("{label}.{domain}"),
                FakeRecord::Cname(target.into()),
            );
        }
    }

    /// Forget every record at `name` and stop failing it: it becomes NXDOMAIN.
    pub fn remove(&self, name: &str) {
        let name = normalize(name);
        let mut zone = lock(&self.zone);
        zone.records.remove(&name);
        zone.failing.remove(&name);
    }

    /// Answer SERVFAIL for every query of `name` until [`FakeDns::recover`].
    pub fn fail(&self, name: &str) {
        lock(&self.zone).failing.insert(normalize(name));
    }

    /// Answer `name` normally again after [`FakeDns::fail`].
    pub fn recover(&self, name: &str) {
        lock(&self.zone).failing.remove(&normalize(name));
    }

    /// Make every answer wait `delay` first (zero: no delay).
    pub fn set_delay(&self, delay: Duration) {
        lock(&self.zone).delay = delay;
    }

    /// Queries received for `name`, any type, UDP and TCP.
    pub fn queries(&self, name: &str) -> usize {
        lock(&self.zone)
            .queries
            .get(&normalize(name))
            .copied()
            .unwrap_or(0)
    }

    /// Queries received for `name` over TCP.
    pub fn tcp_queries(&self, name: &str) -> usize {
        lock(&self.zone)
            .tcp_queries
            .get(&normalize(name))
            .copied()
            .unwrap_or(0)
    }

    /// Queries received in all.
    pub fn total_queries(&self) -> usize {
        lock(&self.zone).queries.values().sum()
    }
}

impl Drop for FakeDns {
    fn drop(&mut self) {
        for task in &self.tasks {
            task.abort();
        }
    }
}

/// A UDP socket and a TCP listener on the same loopback port.
async fn bind_both() -> (UdpSocket, TcpListener) {
    for _ in 0..50 {
        let tcp = TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind fake DNS (TCP)");
        let port = tcp.local_addr().expect("fake DNS TCP address").port();
        if let Ok(udp) = UdpSocket::bind(("127.0.0.1", port)).await {
            return (udp, tcp);
        }
    }
    panic!("fake DNS: no loopback port free for both UDP and TCP");
}

async fn serve_udp(socket: Arc<UdpSocket>, zone: SharedZone) {
    let mut in_flight = JoinSet::new();
    let mut buffer = vec![0u8; 65_535];
    loop {
        let Ok((length, peer)) = socket.recv_from(&mut buffer).await else {
            continue;
        };
        while in_flight.try_join_next().is_some() {}
        let packet = buffer[..length].to_vec();
        let (socket, zone) = (socket.clone(), zone.clone());
        in_flight.spawn(async move {
            if let Some(answer) = answer(&zone, &packet, Transport::Udp).await {
                let _ = socket.send_to(&answer, peer).await;
            }
        });
    }
}

async fn serve_tcp(listener: TcpListener, zone: SharedZone) {
    let mut connections = JoinSet::new();
    loop {
        let Ok((stream, _)) = listener.accept().await else {
            tokio::time::sleep(Duration::from_millis(10)).await;
            continue;
        };
        while connections.try_join_next().is_some() {}
        connections.spawn(serve_tcp_connection(stream, zone.clone()));
    }
}

async fn serve_tcp_connection(mut stream: TcpStream, zone: SharedZone) {
    loop {
        let mut length = [0u8; 2];
        if stream.read_exact(&mut length).await.is_err() {
            return;
        }
        let mut packet = vec![0u8; usize::from(u16::from_be_bytes(length))];
        if stream.read_exact(&mut packet).await.is_err() {
            return;
        }
        let Some(answer) = answer(&zone, &packet, Transport::Tcp).await else {
            continue;
        };
        let Ok(length) = u16::try_from(answer.len()) else {
            return;
        };
        let mut framed = Vec::with_capacity(answer.len() + 2);
        framed.extend_from_slice(&length.to_be_bytes());
        framed.extend_from_slice(&answer);
        if stream.write_all(&framed).await.is_err() {
            return;
        }
    }
}

/// The wire answer to one wire query, or `None` when the packet deserves no answer.
async fn answer(zone: &Mutex<Zone>, packet: &[u8], transport: Transport) -> Option<Vec<u8>> {
    let Ok(request) = Message::from_vec(packet) else {
        // Undecodable: FORMERR with the id, if there is one.
        let id = u16::from_be_bytes([*packet.first()?, *packet.get(1)?]);
        return Message::error_msg(id, OpCode::Query, ResponseCode::FormErr)
            .to_vec()
            .ok();
    };
    if request.metadata.message_type != MessageType::Query {
        return None;
    }
    let delay = {
        let mut zone = lock(zone);
        if let Some(query) = request.queries.first() {
            let name = normalize(&query.name.to_ascii());
            *zone.queries.entry(name.clone()).or_default() += 1;
            if transport == Transport::Tcp {
                *zone.tcp_queries.entry(name).or_default() += 1;
            }
        }
        zone.delay
    };
    if !delay.is_zero() {
        tokio::time::sleep(delay).await;
    }
    let response = respond(&lock(zone), &request);
    let wire = response.to_vec().ok()?;
    let limit = request
        .edns
        .as_ref()
        .map_or(512, |edns| usize::from(edns.max_payload().max(512)));
    if transport == Transport::Udp && wire.len() > limit {
        return response.truncate().to_vec().ok();
    }
    Some(wire)
}

fn respond(zone: &Zone, request: &Message) -> Message {
    let mut response = Message::response(request.metadata.id, request.metadata.op_code);
    response.metadata.authoritative = true;
    response.metadata.recursion_desired = request.metadata.recursion_desired;
    response.metadata.recursion_available = true;
    response.metadata.checking_disabled = request.metadata.checking_disabled;
    response.add_queries(request.queries.iter().cloned());
    if request.edns.is_some() {
        let mut edns = Edns::new();
        edns.set_max_payload(SERVER_PAYLOAD);
        response.set_edns(edns);
    }
    if request.metadata.op_code != OpCode::Query {
        response.metadata.response_code = ResponseCode::NotImp;
        return response;
    }
    let [query] = request.queries.as_slice() else {
        response.metadata.response_code = ResponseCode::FormErr;
        return response;
    };
    let asked = normalize(&query.name.to_ascii());
    if zone.failing.contains(&asked) {
        response.metadata.response_code = ResponseCode::ServFail;
        return response;
    }
    let query_type = query.query_type;
    let mut owner = query.name.clone();
    let mut current = asked.clone();
    let mut seen = HashSet::new();
    while seen.insert(current.clone()) {
        let Some(records) = zone.records.get(&current) else {
            if current == asked {
                let has_descendants = zone
                    .records
                    .keys()
                    .any(|name| name.ends_with(&format!(".{asked}")));
                if !has_descendants {
                    response.metadata.response_code = ResponseCode::NXDomain;
                }
            }
            break;
        };
        let matching: Vec<&FakeRecord> = records
            .iter()
            .filter(|record| query_type == RecordType::ANY || record.record_type() == query_type)
            .collect();
        if !matching.is_empty() {
            for record in matching {
                response.add_answer(Record::from_rdata(
                    owner.clone(),
                    RECORD_TTL,
                    record.rdata(),
                ));
            }
            break;
        }
        let Some(FakeRecord::Cname(target)) = records
            .iter()
            .find(|record| matches!(record, FakeRecord::Cname(_)))
        else {
            break;
        };
        response.add_answer(Record::from_rdata(
            owner.clone(),
            RECORD_TTL,
            RData::CNAME(CNAME(absolute(target))),
        ));
        owner = absolute(target);
        current = normalize(target);
    }
    if response.answers.is_empty() {
        response.add_authority(soa_for(&asked));
    }
    response
}

/// The SOA of the (guessed) zone of `name`: its last two labels.
fn soa_for(name: &str) -> Record {
    let labels: Vec<&str> = name.split('.').collect();
    let apex = labels[labels.len().saturating_sub(2)..].join(".");
    let apex = if apex.is_empty() { "." } else { apex.as_str() };
    let owner = if apex == "." {
        Name::root()
    } else {
        absolute(apex)
    };
    Record::from_rdata(
        owner,
        NEGATIVE_TTL,
        RData::SOA(SOA::new(
            absolute("ns1.fake-dns.test"),
            absolute("hostmaster.fake-dns.test"),
            2026010101,
            3600,
            600,
            604_800,
            NEGATIVE_TTL,
        )),
    )
}
