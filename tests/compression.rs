//! Compression as browsers ask for it: every encoding of the tenant page, the landing page and an
//! embedded file decodes to the identity bytes; validators differ per encoding; 304s are empty;
//! q-values are honoured; small per-request bodies and images are sent as they are.
#![allow(clippy::unwrap_used, clippy::expect_used, reason = "tests")]

mod support;

use std::collections::HashSet;
use std::io::Read;

use reqwest::StatusCode;
use reqwest::header::{self, HeaderMap};
use support::{Backend, TestApp, Upstreams};

const IPHONE: &str = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1";
const SAFARI: &str = "gzip, deflate, br";
const CHROME: &str = "gzip, deflate, br, zstd";

/// One answer as sent: status, headers, body bytes (still encoded).
struct Answer {
    status: StatusCode,
    headers: HeaderMap,
    body: Vec<u8>,
}

impl Answer {
    fn header(&self, name: header::HeaderName) -> Option<&str> {
        self.headers.get(name).and_then(|value| value.to_str().ok())
    }

    fn encoding(&self) -> Option<&str> {
        self.header(header::CONTENT_ENCODING)
    }

    fn etag(&self) -> &str {
        self.header(header::ETAG).expect("an ETag")
    }

    /// The body decoded from its `Content-Encoding`.
    fn decoded(&self) -> Vec<u8> {
        let mut out = Vec::new();
        match self.encoding() {
            None => out.clone_from(&self.body),
            Some("br") => {
                brotli::Decompressor::new(self.body.as_slice(), 4096)
                    .read_to_end(&mut out)
                    .unwrap();
            }
            Some("zstd") => out = zstd::decode_all(self.body.as_slice()).unwrap(),
            Some("gzip") => {
                flate2::read::GzDecoder::new(self.body.as_slice())
                    .read_to_end(&mut out)
                    .unwrap();
            }
            Some(other) => panic!("unexpected Content-Encoding {other}"),
        }
        out
    }

    fn varies_on_accept_encoding(&self) -> bool {
        self.headers
            .get_all(header::VARY)
            .iter()
            .filter_map(|value| value.to_str().ok())
            .flat_map(|value| value.split(','))
            .any(|name| name.trim().eq_ignore_ascii_case("accept-encoding"))
    }
}

/// `method path` as iPhone Safari would send it, with this `Accept-Encoding` (none when `None`)
/// and these extra headers. The client decodes nothing: bodies arrive as sent.
async fn send(
    app: &TestApp,
    method: reqwest::Method,
    path: &str,
    accept_encoding: Option<&str>,
    extra: &[(header::HeaderName, &str)],
) -> Answer {
    let mut request = app
        .client
        .request(method, app.url(path))
        .header(header::USER_AGENT, IPHONE);
    if let Some(accept_encoding) = accept_encoding {
        request = request.header(header::ACCEPT_ENCODING, accept_encoding);
    }
    for (name, value) in extra {
        request = request.header(name, *value);
    }
    let response = request.send().await.expect("request");
    Answer {
        status: response.status(),
        headers: response.headers().clone(),
        body: response.bytes().await.expect("body").to_vec(),
    }
}

async fn get(app: &TestApp, path: &str, accept_encoding: Option<&str>) -> Answer {
    send(app, reqwest::Method::GET, path, accept_encoding, &[]).await
}

/// The tenant page, the landing page and the stylesheet: the bodies served many times.
async fn served_many_times(app: &TestApp) -> Vec<String> {
    let first = get(app, "/t/contoso.com?wait=1", None).await;
    assert_eq!(first.status, 200);
    let landing = String::from_utf8(get(app, "/", None).await.body).unwrap();
    let stylesheet = landing
        .split('"')
        .find(|part| part.starts_with("/assets/app.") && part.ends_with(".css"))
        .expect("the landing page links the stylesheet")
        .to_owned();
    vec!["/t/contoso.com".to_owned(), "/".to_owned(), stylesheet]
}

async fn every_encoding_decodes_to_the_identity_bytes(backend: Backend) {
    let upstreams = Upstreams::start().await;
    let Some(app) = TestApp::spawn_wired(backend, &upstreams, |_| {}).await else {
        return;
    };
    for path in served_many_times(&app).await {
        let identity = get(&app, &path, None).await;
        assert_eq!(identity.status, 200, "{path}");
        assert_eq!(identity.encoding(), None, "{path}");
        assert!(identity.body.len() > 1000, "{path}");
        for (accept, expected) in [
            ("br", "br"),
            ("zstd", "zstd"),
            ("gzip", "gzip"),
            (SAFARI, "br"),
            // Chrome accepts all three equally: the smallest is sent.
            (CHROME, "br"),
        ] {
            let encoded = get(&app, &path, Some(accept)).await;
            assert_eq!(encoded.status, 200, "{path} {accept}");
            assert_eq!(encoded.encoding(), Some(expected), "{path} {accept}");
            assert!(
                encoded.body.len() < identity.body.len() / 2,
                "{path} {accept}"
            );
            assert_eq!(encoded.decoded(), identity.body, "{path} {accept}");
            assert_eq!(
                encoded.header(header::CONTENT_TYPE),
                identity.header(header::CONTENT_TYPE),
                "{path} {accept}"
            );
        }
    }
    app.stop().await;
}
both_backends!(
    every_encoding_decodes_to_the_identity_bytes_on,
    every_encoding_decodes_to_the_identity_bytes
);

async fn validators_differ_per_encoding_and_304s_are_empty(backend: Backend) {
    let upstreams = Upstreams::start().await;
    let Some(app) = TestApp::spawn_wired(backend, &upstreams, |_| {}).await else {
        return;
    };
    for path in served_many_times(&app).await {
        let mut etags = HashSet::new();
        for accept in ["identity", "br", "zstd", "gzip"] {
            let answer = get(&app, &path, Some(accept)).await;
            assert!(answer.varies_on_accept_encoding(), "{path} {accept}");
            assert!(etags.insert(answer.etag().to_owned()), "{path} {accept}");

            // The same request again, with the validator: 304, no body, the same tag.
            let etag = answer.etag().to_owned();
            let again = send(
                &app,
                reqwest::Method::GET,
                &path,
                Some(accept),
                &[(header::IF_NONE_MATCH, &etag)],
            )
            .await;
            assert_eq!(again.status, StatusCode::NOT_MODIFIED, "{path} {accept}");
            assert!(again.body.is_empty(), "{path} {accept}");
            assert_eq!(again.etag(), etag, "{path} {accept}");
            assert!(again.varies_on_accept_encoding(), "{path} {accept}");

            // HEAD tells what GET would send, without the body.
            let head = send(&app, reqwest::Method::HEAD, &path, Some(accept), &[]).await;
            assert_eq!(head.status, 200, "{path} {accept}");
            assert!(head.body.is_empty(), "{path} {accept}");
            for name in [
                header::CONTENT_ENCODING,
                header::ETAG,
                header::CONTENT_TYPE,
                header::CONTENT_LENGTH,
                header::VARY,
            ] {
                assert_eq!(
                    head.header(name.clone()),
                    answer.header(name.clone()),
                    "{path} {accept} {name}"
                );
            }
            assert_eq!(
                answer.header(header::CONTENT_LENGTH),
                Some(answer.body.len().to_string().as_str()),
                "{path} {accept}"
            );
        }
        assert_eq!(etags.len(), 4, "{path}");

        // A brotli tag does not validate the gzip bytes: they are sent in full.
        let br = get(&app, &path, Some("br")).await;
        let br_etag = br.etag().to_owned();
        let gzip = send(
            &app,
            reqwest::Method::GET,
            &path,
            Some("gzip"),
            &[(header::IF_NONE_MATCH, &br_etag)],
        )
        .await;
        assert_eq!(gzip.status, 200, "{path}");
        assert_eq!(gzip.encoding(), Some("gzip"), "{path}");
    }
    app.stop().await;
}
both_backends!(
    validators_differ_per_encoding_and_304s_are_empty_on,
    validators_differ_per_encoding_and_304s_are_empty
);

async fn q_values_are_honoured(backend: Backend) {
    let upstreams = Upstreams::start().await;
    let Some(app) = TestApp::spawn_wired(backend, &upstreams, |_| {}).await else {
        return;
    };
    for path in served_many_times(&app).await {
        for (accept, expected) in [
            ("br;q=0, gzip", Some("gzip")),
            ("gzip;q=0.2, zstd;q=0.9, br;q=0.5", Some("zstd")),
            ("gzip;q=0.5, identity", None),
            ("*;q=0.1, br;q=0", Some("zstd")),
            // Accepts nothing we have: identity, which every client reads.
            ("identity;q=0", None),
            ("deflate", None),
            ("compress, deflate;q=0.5", None),
            ("", None),
        ] {
            let answer = get(&app, &path, Some(accept)).await;
            assert_eq!(answer.status, 200, "{path} `{accept}`");
            assert_eq!(answer.encoding(), expected, "{path} `{accept}`");
            assert!(answer.varies_on_accept_encoding(), "{path} `{accept}`");
        }
    }
    app.stop().await;
}
both_backends!(q_values_are_honoured_on, q_values_are_honoured);

async fn small_per_request_bodies_and_images_are_sent_as_they_are(backend: Backend) {
    let upstreams = Upstreams::start().await;
    let Some(app) = TestApp::spawn_wired(backend, &upstreams, |_| {}).await else {
        return;
    };
    let page = String::from_utf8(get(&app, "/t/contoso.com?wait=1", None).await.body).unwrap();
    // The JSON API: made per request, a few KiB.
    let api = get(&app, "/api/v1/tenants/contoso.com", Some(CHROME)).await;
    assert_eq!(api.status, 200);
    assert!(api.body.len() < 8 * 1024, "{}", api.body.len());
    assert_eq!(api.encoding(), None);
    // The tenant's logo: an image, already compressed.
    let logo = page
        .split('"')
        .find(|part| part.starts_with("/assets/t/"))
        .expect("the page shows the tenant's logo")
        .to_owned();
    let image = get(&app, &logo, Some(CHROME)).await;
    assert_eq!(image.status, 200);
    assert_eq!(image.encoding(), None);
    assert!(
        image
            .header(header::CONTENT_TYPE)
            .unwrap()
            .starts_with("image/")
    );
    app.stop().await;
}
both_backends!(
    small_per_request_bodies_and_images_are_sent_as_they_are_on,
    small_per_request_bodies_and_images_are_sent_as_they_are
);
