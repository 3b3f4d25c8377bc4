//! Compress once, serve many: a body we send again and again (a rendered page, an embedded
//! stylesheet) is compressed once into each encoding browsers accept, and every request then picks
//! the variant its `Accept-Encoding` asks for.
//!
//! Every response built here carries `Vary: Accept-Encoding` and an ETag per encoding (a strong
//! validator names one byte sequence, so the brotli bytes cannot share the identity bytes' tag). A
//! client whose validator still matches gets 304 without a body; HEAD gets the headers GET would.
//! Responses built here are marked [`Negotiated`], so the on-the-fly compression layer (kept for
//! large per-request bodies) leaves them as they are.

use std::io::Write;

use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use bytes::Bytes;
use sha2::{Digest, Sha256};

use super::assets::etag_matches;

/// A content coding we can send.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Encoding {
    /// The bytes as they are.
    Identity,
    /// Brotli (Safari and Chrome both accept it).
    Brotli,
    /// Zstandard (Chromium browsers).
    Zstd,
    /// Gzip (every browser, and most other clients).
    Gzip,
}

impl Encoding {
    /// The compressed codings, in the order variants are made.
    pub const COMPRESSED: [Encoding; 3] = [Encoding::Brotli, Encoding::Zstd, Encoding::Gzip];

    /// The coding's token in `Accept-Encoding` and `Content-Encoding`.
    pub fn token(self) -> &'static str {
        match self {
            Encoding::Identity => "identity",
            Encoding::Brotli => "br",
            Encoding::Zstd => "zstd",
            Encoding::Gzip => "gzip",
        }
    }

    fn from_token(token: &str) -> Option<Self> {
        const ALIASES: [(&str, Encoding); 5] = [
            ("identity", Encoding::Identity),
            ("br", Encoding::Brotli),
            ("zstd", Encoding::Zstd),
            ("gzip", Encoding::Gzip),
            // RFC 9110 §8.4.1.3: a recipient should treat x-gzip as gzip.
            ("x-gzip", Encoding::Gzip),
        ];
        ALIASES
            .iter()
            .find(|(name, _)| name.eq_ignore_ascii_case(token))
            .map(|&(_, encoding)| encoding)
    }
}

/// How much a client wants each coding, read from its `Accept-Encoding` (RFC 9110 §12.5.3).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct AcceptEncoding {
    /// Weights (0 to 1000, q-values in thousandths) of identity, br, zstd and gzip.
    weights: [u16; 4],
}

/// Weight of a coding the client says nothing about (and `*` does not cover).
const UNLISTED: u16 = 0;
/// Weight of identity when the client says nothing about it: acceptable (RFC 9110 §12.5.3), but
/// below anything the client names, so `gzip;q=0.5` still means "gzip, please".
const IMPLICIT_IDENTITY: u16 = 1;
/// Weight of `q=1`.
const FULL: u16 = 1000;

impl AcceptEncoding {
    /// Read every `Accept-Encoding` line of `headers`. Without one, a client gets identity: that
    /// is what clients that never ask (scripts, probes) can read.
    pub fn from_headers(headers: &HeaderMap) -> Self {
        let mut listed = [None::<u16>; 4];
        let mut wildcard = None::<u16>;
        let mut any_line = false;
        for line in headers.get_all(header::ACCEPT_ENCODING) {
            any_line = true;
            let Ok(line) = line.to_str() else { continue };
            for item in line.split(',') {
                let mut parts = item.split(';');
                let token = parts.next().unwrap_or_default().trim();
                if token.is_empty() {
                    continue;
                }
                let Some(weight) = parts.map(str::trim).find_map(q_value).unwrap_or(Some(FULL))
                else {
                    // A malformed q-value: the item says nothing we can trust.
                    continue;
                };
                if token == "*" {
                    wildcard = Some(weight);
                } else if let Some(encoding) = Encoding::from_token(token) {
                    let slot = &mut listed[index(encoding)];
                    // Listed twice: the larger weight wins (lenient, and never less acceptable).
                    *slot = Some(slot.map_or(weight, |old| old.max(weight)));
                }
            }
        }
        let mut weights = [UNLISTED; 4];
        for (slot, (given, weight)) in listed.iter().zip(weights.iter_mut()).enumerate() {
            *weight = match given {
                Some(given) => *given,
                None => match wildcard {
                    Some(wildcard) => wildcard,
                    // Identity is acceptable unless excluded (by `identity;q=0` or `*;q=0`).
                    None if slot == index(Encoding::Identity) => IMPLICIT_IDENTITY,
                    None => UNLISTED,
                },
            };
        }
        if !any_line {
            weights = [FULL, 0, 0, 0];
        }
        Self { weights }
    }

    /// The weight of one coding (0 means "not acceptable").
    pub fn weight(&self, encoding: Encoding) -> u16 {
        self.weights[index(encoding)]
    }
}

/// `q=0.8` → `Some(Some(800))`; another parameter → `None`; a malformed q → `Some(None)`.
fn q_value(parameter: &str) -> Option<Option<u16>> {
    let (name, value) = parameter.split_once('=')?;
    if !name.trim().eq_ignore_ascii_case("q") {
        return None;
    }
    let value = value.trim();
    // qvalue = ( "0" [ "." 0*3DIGIT ] ) / ( "1" [ "." 0*3("0") ] )
    let (whole, fraction) = value.split_once('.').unwrap_or((value, ""));
    let valid = matches!(whole, "0" | "1")
        && fraction.len() <= 3
        && fraction.bytes().all(|b| b.is_ascii_digit())
        && (whole == "0" || fraction.bytes().all(|b| b == b'0'));
    if !valid {
        return Some(None);
    }
    let thousandths = fraction
        .bytes()
        .chain(std::iter::repeat(b'0'))
        .take(3)
        .fold(0u16, |sum, digit| sum * 10 + u16::from(digit - b'0'));
    Some(Some(if whole == "1" { FULL } else { thousandths }))
}

fn index(encoding: Encoding) -> usize {
    match encoding {
        Encoding::Identity => 0,
        Encoding::Brotli => 1,
        Encoding::Zstd => 2,
        Encoding::Gzip => 3,
    }
}

/// How hard to compress: bodies made once and served for the life of the process get the best
/// levels; pages made per cache entry get levels that cost a few milliseconds, because an entry
/// can be evicted and made again, and a request should never buy seconds of CPU.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Effort {
    /// Embedded files, compressed once at start.
    Best,
    /// Rendered pages, compressed once per cache entry.
    Page,
}

impl Effort {
    fn brotli_quality(self) -> u32 {
        match self {
            Effort::Best => 11,
            Effort::Page => 9,
        }
    }

    fn zstd_level(self) -> i32 {
        match self {
            Effort::Best => 19,
            Effort::Page => 12,
        }
    }

    fn gzip_level(self) -> u32 {
        9
    }
}

/// Brotli's window (log2 of bytes): 4 MiB, more than any body we compress.
const BROTLI_WINDOW: u32 = 22;

/// One body in every encoding worth sending, with its validators.
#[derive(Debug)]
pub struct Variants {
    content_type: HeaderValue,
    identity: Bytes,
    /// The compressed variants that came out smaller than the identity bytes.
    compressed: Vec<(Encoding, Bytes)>,
    /// ETags: identity's first, then one per entry of `compressed`, in the same order.
    etags: Vec<HeaderValue>,
}

impl Variants {
    /// Compress `identity` into every coding at `effort`, keeping the variants that are smaller.
    pub fn compress(identity: Bytes, content_type: HeaderValue, effort: Effort) -> Self {
        let compressed = Encoding::COMPRESSED
            .iter()
            .filter_map(|&encoding| {
                let bytes = compress(&identity, encoding, effort)?;
                (bytes.len() < identity.len()).then(|| (encoding, Bytes::from(bytes)))
            })
            .collect();
        Self::with_variants(identity, content_type, compressed)
    }

    /// The identity bytes alone (when compressing could not be done).
    pub fn identity_only(identity: Bytes, content_type: HeaderValue) -> Self {
        Self::with_variants(identity, content_type, Vec::new())
    }

    fn with_variants(
        identity: Bytes,
        content_type: HeaderValue,
        compressed: Vec<(Encoding, Bytes)>,
    ) -> Self {
        let digest = hex::encode(Sha256::digest(&identity));
        let tag = &digest[..16];
        let etags = std::iter::once(format!("\"{tag}\""))
            .chain(
                compressed
                    .iter()
                    .map(|(encoding, _)| format!("\"{tag}-{}\"", encoding.token())),
            )
            // Hex digits, a dash and a token: always a valid header value.
            .filter_map(|etag| HeaderValue::from_str(&etag).ok())
            .collect();
        Self {
            content_type,
            identity,
            compressed,
            etags,
        }
    }

    /// The identity bytes.
    pub fn identity(&self) -> &Bytes {
        &self.identity
    }

    /// Bytes kept in all variants (what a cache should weigh this at).
    pub fn weight(&self) -> usize {
        self.identity.len()
            + self
                .compressed
                .iter()
                .map(|(_, bytes)| bytes.len())
                .sum::<usize>()
    }

    /// The encodings this body is available in, identity first.
    pub fn encodings(&self) -> impl Iterator<Item = Encoding> + '_ {
        std::iter::once(Encoding::Identity).chain(self.compressed.iter().map(|(e, _)| *e))
    }

    /// Which variant (index into `etags`; 0 is identity) a client with these preferences gets:
    /// the most wanted of those we have, the smallest among equals. A client that accepts
    /// nothing we have gets identity, which every HTTP client can read.
    fn choose(&self, accept: &AcceptEncoding) -> usize {
        let mut best = 0;
        let mut best_weight = accept.weight(Encoding::Identity);
        let mut best_len = self.identity.len();
        for (position, (encoding, bytes)) in self.compressed.iter().enumerate() {
            let weight = accept.weight(*encoding);
            if weight == 0 {
                continue;
            }
            if weight > best_weight || (weight == best_weight && bytes.len() < best_len) {
                best = position + 1;
                best_weight = weight;
                best_len = bytes.len();
            }
        }
        best
    }

    /// The response for a request with these headers: the negotiated variant, or 304 when the
    /// client's validator names it. `cache_control` is sent on both.
    pub fn respond(&self, request: &HeaderMap, cache_control: HeaderValue) -> Response {
        let chosen = self.choose(&AcceptEncoding::from_headers(request));
        let etag = self.etags.get(chosen).cloned();
        let mut response = match &etag {
            Some(etag) if etag_matches(request, etag) => StatusCode::NOT_MODIFIED.into_response(),
            _ => {
                let (encoding, bytes) = match chosen.checked_sub(1) {
                    Some(position) => self
                        .compressed
                        .get(position)
                        .map_or((Encoding::Identity, &self.identity), |(e, b)| (*e, b)),
                    None => (Encoding::Identity, &self.identity),
                };
                let mut response = bytes.clone().into_response();
                let headers = response.headers_mut();
                headers.insert(header::CONTENT_TYPE, self.content_type.clone());
                if encoding != Encoding::Identity {
                    headers.insert(
                        header::CONTENT_ENCODING,
                        HeaderValue::from_static(encoding.token()),
                    );
                }
                response
            }
        };
        let headers = response.headers_mut();
        if let Some(etag) = etag {
            headers.insert(header::ETAG, etag);
        }
        headers.insert(header::CACHE_CONTROL, cache_control);
        headers.append(header::VARY, HeaderValue::from_static("Accept-Encoding"));
        response.extensions_mut().insert(Negotiated);
        response
    }
}

/// Marks a response whose encoding was already negotiated: the compression layer must not touch it.
#[derive(Debug, Clone, Copy)]
pub struct Negotiated;

/// Whether the on-the-fly compression layer may compress this response: not one negotiated
/// here, not a small one (the work would cost more than the bytes saved), not an image or a
/// stream (tower-http's defaults).
#[derive(Debug, Clone, Copy, Default)]
pub struct CompressOnTheFly;

/// Bodies generated per request below this size are sent as they are.
pub const ON_THE_FLY_MIN_BYTES: u16 = 8 * 1024;

impl tower_http::compression::Predicate for CompressOnTheFly {
    fn should_compress<B>(&self, response: &axum::http::Response<B>) -> bool
    where
        B: axum::body::HttpBody,
    {
        use tower_http::compression::predicate::{DefaultPredicate, SizeAbove};
        response.extensions().get::<Negotiated>().is_none()
            && DefaultPredicate::new()
                .and(SizeAbove::new(ON_THE_FLY_MIN_BYTES))
                .should_compress(response)
    }
}

/// `data` in `encoding` at `effort`; `None` when the encoder fails (then that variant is skipped).
fn compress(data: &[u8], encoding: Encoding, effort: Effort) -> Option<Vec<u8>> {
    match encoding {
        Encoding::Identity => None,
        Encoding::Brotli => {
            let mut output = Vec::with_capacity(data.len() / 4);
            {
                let mut writer = brotli::CompressorWriter::new(
                    &mut output,
                    64 * 1024,
                    effort.brotli_quality(),
                    BROTLI_WINDOW,
                );
                writer.write_all(data).ok()?;
                writer.flush().ok()?;
            }
            Some(output)
        }
        Encoding::Zstd => zstd::bulk::compress(data, effort.zstd_level()).ok(),
        Encoding::Gzip => {
            let mut encoder = flate2::write::GzEncoder::new(
                Vec::with_capacity(data.len() / 4),
                flate2::Compression::new(effort.gzip_level()),
            );
            encoder.write_all(data).ok()?;
            encoder.finish().ok()
        }
    }
}

#[cfg(test)]
mod tests {
    use std::io::Read;

    use super::*;

    fn accept(value: &str) -> AcceptEncoding {
        let mut headers = HeaderMap::new();
        headers.insert(
            header::ACCEPT_ENCODING,
            HeaderValue::from_str(value).unwrap(),
        );
        AcceptEncoding::from_headers(&headers)
    }

    fn page() -> Bytes {
        let mut html = String::from("<!doctype html><html><body>");
        for step in 0..400 {
            html.push_str(&format!(
                "<li class=\"step\">Step {step}: open Authenticator</li>"
            ));
        }
        html.push_str("</body></html>");
        Bytes::from(html)
    }

    fn variants() -> Variants {
        Variants::compress(
            page(),
            HeaderValue::from_static("text/html; charset=utf-8"),
            Effort::Page,
        )
    }

    pub(crate) fn decode(encoding: Option<&str>, body: &[u8]) -> Vec<u8> {
        let mut out = Vec::new();
        match encoding {
            None => out.extend_from_slice(body),
            Some("br") => {
                brotli::Decompressor::new(body, 4096)
                    .read_to_end(&mut out)
                    .unwrap();
            }
            Some("zstd") => out = zstd::decode_all(body).unwrap(),
            Some("gzip") => {
                flate2::read::GzDecoder::new(body)
                    .read_to_end(&mut out)
                    .unwrap();
            }
            Some(other) => panic!("unexpected encoding {other}"),
        }
        out
    }

    #[test]
    fn q_values_follow_the_grammar() {
        assert_eq!(q_value("q=1"), Some(Some(1000)));
        assert_eq!(q_value("q=1.000"), Some(Some(1000)));
        assert_eq!(q_value("Q = 0.5"), Some(Some(500)));
        assert_eq!(q_value("q=0.125"), Some(Some(125)));
        assert_eq!(q_value("q=0"), Some(Some(0)));
        assert_eq!(q_value("q=1.5"), Some(None));
        assert_eq!(q_value("q=0.1234"), Some(None));
        assert_eq!(q_value("q=-1"), Some(None));
        assert_eq!(q_value("level=3"), None);
    }

    #[test]
    fn browsers_get_their_best_encoding() {
        let variants = variants();
        let chosen = |value: &str| {
            let index = variants.choose(&accept(value));
            variants.encodings().nth(index).unwrap()
        };
        // Safari: brotli is smaller than gzip.
        assert_eq!(chosen("gzip, deflate, br"), Encoding::Brotli);
        assert_eq!(chosen("br;q=0, gzip"), Encoding::Gzip);
        assert_eq!(chosen("gzip;q=0.5, zstd;q=0.9"), Encoding::Zstd);
        assert_eq!(chosen("GZIP"), Encoding::Gzip);
        assert_eq!(chosen("x-gzip"), Encoding::Gzip);
        assert_eq!(chosen("deflate"), Encoding::Identity);
        assert_eq!(chosen("identity"), Encoding::Identity);
        assert_eq!(chosen("gzip;q=0.5, identity"), Encoding::Identity);
        let smallest = variants
            .compressed
            .iter()
            .min_by_key(|(_, bytes)| bytes.len())
            .map(|(encoding, _)| *encoding)
            .unwrap();
        assert_eq!(chosen("*"), smallest);
        assert_eq!(chosen("gzip, br, zstd"), smallest);
        assert_eq!(chosen("*, br;q=0, zstd;q=0"), Encoding::Gzip);
        // Accepts nothing we have: identity, which every client can read.
        assert_eq!(chosen("identity;q=0"), Encoding::Identity);
        assert_eq!(chosen("*;q=0"), Encoding::Identity);
        assert_eq!(chosen("identity;q=0, gzip"), Encoding::Gzip);
        // A malformed q-value makes its item say nothing.
        assert_eq!(chosen("br;q=high, gzip"), Encoding::Gzip);
        let none = variants.choose(&AcceptEncoding::from_headers(&HeaderMap::new()));
        assert_eq!(none, 0);
    }

    #[test]
    fn every_variant_decodes_to_the_identity_bytes() {
        let variants = variants();
        assert_eq!(variants.compressed.len(), 3);
        for (encoding, bytes) in &variants.compressed {
            assert!(bytes.len() < variants.identity.len() / 4, "{encoding:?}");
            assert_eq!(decode(Some(encoding.token()), bytes), page());
        }
        let best = Variants::compress(page(), HeaderValue::from_static("text/css"), Effort::Best);
        for (encoding, bytes) in &best.compressed {
            assert_eq!(decode(Some(encoding.token()), bytes), page());
        }
    }

    #[test]
    fn a_body_that_does_not_shrink_is_kept_identity_only() {
        let tiny = Variants::compress(
            Bytes::from_static(b"ok"),
            HeaderValue::from_static("text/plain"),
            Effort::Page,
        );
        assert_eq!(tiny.encodings().collect::<Vec<_>>(), [Encoding::Identity]);
        let response = tiny.respond(&HeaderMap::new(), HeaderValue::from_static("no-cache"));
        assert!(response.headers().get(header::CONTENT_ENCODING).is_none());
    }

    #[test]
    fn each_encoding_has_its_own_etag_and_a_match_is_304() {
        let variants = variants();
        let etags: std::collections::HashSet<_> = variants.etags.iter().collect();
        assert_eq!(etags.len(), 4);
        let mut request = HeaderMap::new();
        request.insert(header::ACCEPT_ENCODING, HeaderValue::from_static("br"));
        let response = variants.respond(&request, HeaderValue::from_static("no-cache"));
        assert_eq!(response.status(), StatusCode::OK);
        let etag = response.headers()[header::ETAG].clone();
        assert!(etag.to_str().unwrap().ends_with("-br\""));
        assert_eq!(response.headers()[header::VARY], "Accept-Encoding");

        request.insert(header::IF_NONE_MATCH, etag.clone());
        let not_modified = variants.respond(&request, HeaderValue::from_static("no-cache"));
        assert_eq!(not_modified.status(), StatusCode::NOT_MODIFIED);
        assert_eq!(not_modified.headers()[header::ETAG], etag);
        assert!(
            not_modified
                .headers()
                .get(header::CONTENT_ENCODING)
                .is_none()
        );

        // The brotli tag does not validate the gzip bytes.
        request.insert(header::ACCEPT_ENCODING, HeaderValue::from_static("gzip"));
        let gzip = variants.respond(&request, HeaderValue::from_static("no-cache"));
        assert_eq!(gzip.status(), StatusCode::OK);
        assert_eq!(gzip.headers()[header::CONTENT_ENCODING], "gzip");
    }
}
