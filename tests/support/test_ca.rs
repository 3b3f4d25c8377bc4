//! A throw-away certificate authority for the HTTPS fakes, and the TLS serving they share.
//!
//! [`TestCa::new`] makes an rcgen CA and writes it to a PEM file (for `AUTHWALK_EXTRA_CA`). It can
//! issue a leaf certificate for any list of host names ([`TestCa::issue`]) and serve an axum router
//! over tokio-rustls for those names ([`TestCa::serve`]: HTTP/1.1 and HTTP/2 by ALPN). One CA per
//! [`super::Upstreams`] signs every fake, so the app trusts ONE extra root.
//!
//! A `TestCa` is a cheap handle (clones share the CA); the PEM file lives as long as any clone.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::extract::Request;
use axum::http::header;
use hyper_util::rt::{TokioExecutor, TokioIo};
use hyper_util::server::conn::auto;
use hyper_util::service::TowerToHyperService;
use rcgen::{
    BasicConstraints, CertificateParams, DnType, ExtendedKeyUsagePurpose, IsCa, Issuer, KeyPair,
    KeyUsagePurpose,
};
use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};
use tokio::net::TcpListener;
use tokio::task::{JoinHandle, JoinSet};
use tokio_rustls::TlsAcceptor;

/// A test certificate authority; clones share it.
#[derive(Clone)]
pub struct TestCa {
    inner: Arc<Inner>,
}

struct Inner {
    issuer: Issuer<'static, KeyPair>,
    der: CertificateDer<'static>,
    pem: String,
    pem_path: PathBuf,
    _dir: tempfile::TempDir,
}

impl std::fmt::Debug for TestCa {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TestCa")
            .field("pem_path", &self.inner.pem_path)
            .finish_non_exhaustive()
    }
}

impl Default for TestCa {
    fn default() -> Self {
        Self::new()
    }
}

impl TestCa {
    /// A fresh CA named "authwalk test CA", written to a PEM file in a temporary directory.
    pub fn new() -> Self {
        Self::named("authwalk test CA")
    }

    /// A fresh CA with this common name.
    pub fn named(common_name: &str) -> Self {
        let mut params = CertificateParams::new(Vec::<String>::new()).expect("CA parameters");
        params.distinguished_name = rcgen::DistinguishedName::new();
        params
            .distinguished_name
            .push(DnType::CommonName, common_name);
        params
            .distinguished_name
            .push(DnType::OrganizationName, "authwalk tests");
        params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        params.key_usages = vec![
            KeyUsagePurpose::KeyCertSign,
            KeyUsagePurpose::CrlSign,
            KeyUsagePurpose::DigitalSignature,
        ];
        let key = KeyPair::generate().expect("CA key");
        let certificate = params.self_signed(&key).expect("self-signed CA");
        let pem = certificate.pem();
        let dir = tempfile::tempdir().expect("temporary directory for the test CA");
        let pem_path = dir.path().join("authwalk-test-ca.pem");
        std::fs::write(&pem_path, &pem).expect("write the test CA");
        Self {
            inner: Arc::new(Inner {
                issuer: Issuer::new(params, key),
                der: certificate.der().clone(),
                pem,
                pem_path,
                _dir: dir,
            }),
        }
    }

    /// The CA certificate as PEM text.
    pub fn pem(&self) -> &str {
        &self.inner.pem
    }

    /// The PEM file holding only this CA, for `AUTHWALK_EXTRA_CA`.
    pub fn pem_path(&self) -> &Path {
        &self.inner.pem_path
    }

    /// The CA certificate (DER).
    pub fn certificate(&self) -> &CertificateDer<'static> {
        &self.inner.der
    }

    /// A server certificate chain (leaf only) naming every host of `hosts`, and its key. The
    /// first host is the common name.
    pub fn issue<S: AsRef<str>>(
        &self,
        hosts: &[S],
    ) -> (Vec<CertificateDer<'static>>, PrivateKeyDer<'static>) {
        let names: Vec<String> = hosts.iter().map(|h| h.as_ref().to_owned()).collect();
        let common_name = names.first().cloned().unwrap_or_default();
        let mut params = CertificateParams::new(names).expect("leaf parameters");
        params.distinguished_name = rcgen::DistinguishedName::new();
        params
            .distinguished_name
            .push(DnType::CommonName, common_name);
        params.is_ca = IsCa::ExplicitNoCa;
        params.key_usages = vec![KeyUsagePurpose::DigitalSignature];
        params.extended_key_usages = vec![ExtendedKeyUsagePurpose::ServerAuth];
        params.use_authority_key_identifier_extension = true;
        let key = KeyPair::generate().expect("leaf key");
        let certificate = params
            .signed_by(&key, &self.inner.issuer)
            .expect("leaf signed by the test CA");
        let key = PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(key.serialize_der()));
        (vec![certificate.der().clone()], key)
    }

    /// A TLS acceptor for `hosts` (one certificate naming them all), offering h2 and http/1.1.
    pub fn acceptor<S: AsRef<str>>(&self, hosts: &[S]) -> TlsAcceptor {
        let (chain, key) = self.issue(hosts);
        let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
        let mut tls = rustls::ServerConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .expect("TLS versions")
            .with_no_client_auth()
            .with_single_cert(chain, key)
            .expect("TLS server configuration");
        tls.alpn_protocols = vec![b"h2".to_vec(), b"http/1.1".to_vec()];
        TlsAcceptor::from(Arc::new(tls))
    }

    /// Serve `router` over HTTPS on `127.0.0.1:0` with a certificate for `hosts`. Aborting the
    /// returned task stops accepting and closes every open connection.
    pub async fn serve<S: AsRef<str>>(
        &self,
        hosts: &[S],
        router: Router,
    ) -> (SocketAddr, JoinHandle<()>) {
        let acceptor = self.acceptor(hosts);
        let listener = TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind a fake HTTPS server");
        let addr = listener.local_addr().expect("fake server address");
        (addr, tokio::spawn(serve_tls(listener, acceptor, router)))
    }
}

/// Accept TLS connections on `listener` and serve `router` on each (HTTP/1.1 or HTTP/2).
pub async fn serve_tls(listener: TcpListener, acceptor: TlsAcceptor, router: Router) {
    let mut connections = JoinSet::new();
    loop {
        let stream = match listener.accept().await {
            Ok((stream, _)) => stream,
            Err(_) => {
                tokio::time::sleep(Duration::from_millis(10)).await;
                continue;
            }
        };
        while connections.try_join_next().is_some() {}
        let acceptor = acceptor.clone();
        let service = TowerToHyperService::new(router.clone());
        // Dropping this task drops the JoinSet, which aborts every open connection.
        connections.spawn(async move {
            let Ok(tls) = acceptor.accept(stream).await else {
                return;
            };
            let _ = auto::Builder::new(TokioExecutor::new())
                .serve_connection(TokioIo::new(tls), service)
                .await;
        });
    }
}

/// The host a request came to: the Host header (HTTP/1.1) or `:authority` (HTTP/2), lower-case,
/// without port or trailing dot.
pub fn request_host(request: &Request) -> String {
    let raw = request
        .headers()
        .get(header::HOST)
        .and_then(|value| value.to_str().ok())
        .map(str::to_owned)
        .or_else(|| request.uri().authority().map(|a| a.as_str().to_owned()))
        .unwrap_or_default();
    let without_port = match raw.rsplit_once(':') {
        Some((host, port)) if port.bytes().all(|b| b.is_ascii_digit()) => host,
        _ => raw.as_str(),
    };
    without_port.trim_end_matches('.').to_ascii_lowercase()
}
