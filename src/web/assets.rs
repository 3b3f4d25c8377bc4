//! Static assets embedded in the binary, served under content-hashed names.
//!
//! `app.css` is served as `/assets/app.<hash>.css` with a one-year immutable lifetime: a new build
//! with changed bytes gets a new name, so caches never serve a stale file. Text files are
//! compressed once, at start, at the encoders' best levels ([`Variants`]); images and fonts are
//! already compressed and are sent as they are.

use std::borrow::Cow;
use std::collections::HashMap;
use std::sync::{Arc, LazyLock};

use axum::extract::Path;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use bytes::Bytes;
use rust_embed::RustEmbed;
use sha2::{Digest, Sha256};

use super::error::AppError;
use super::variants::{Effort, Variants};

#[derive(RustEmbed)]
#[folder = "assets/"]
struct Embedded;

/// Cache lifetime of content-hashed files.
pub const IMMUTABLE: &str = "public, max-age=31536000, immutable";

/// One embedded file, ready to serve in every encoding worth having.
#[derive(Debug)]
struct StaticAsset {
    url: &'static str,
    variants: Variants,
}

#[derive(Debug, Default)]
struct Catalog {
    by_logical_name: HashMap<String, usize>,
    by_hashed_name: HashMap<String, usize>,
    assets: Vec<StaticAsset>,
}

static CATALOG: LazyLock<Catalog> = LazyLock::new(build_catalog);

fn build_catalog() -> Catalog {
    let mut catalog = Catalog::default();
    for logical_name in Embedded::iter() {
        let Some(file) = Embedded::get(&logical_name) else {
            continue;
        };
        let digest = hex::encode(Sha256::digest(&file.data));
        let short_hash = &digest[..16];
        let hashed_name = match logical_name.rsplit_once('.') {
            Some((stem, ext)) => format!("{stem}.{short_hash}.{ext}"),
            None => format!("{logical_name}.{short_hash}"),
        };
        // Leaked once per embedded file at start: the URLs live as long as the process.
        let url: &'static str = Box::leak(format!("/assets/{hashed_name}").into_boxed_str());
        let content_type = content_type_for(&logical_name);
        let bytes = match file.data {
            Cow::Borrowed(bytes) => Bytes::from_static(bytes),
            Cow::Owned(bytes) => Bytes::from(bytes),
        };
        let content_type_value = HeaderValue::from_static(content_type);
        let variants = if is_text(content_type) {
            Variants::compress(bytes, content_type_value, Effort::Best)
        } else {
            Variants::identity_only(bytes, content_type_value)
        };
        let index = catalog.assets.len();
        catalog.assets.push(StaticAsset { url, variants });
        catalog
            .by_logical_name
            .insert(logical_name.into_owned(), index);
        catalog.by_hashed_name.insert(hashed_name, index);
    }
    catalog
}

fn content_type_for(name: &str) -> &'static str {
    match name.rsplit_once('.').map(|(_, ext)| ext) {
        Some("css") => "text/css; charset=utf-8",
        Some("js") => "text/javascript; charset=utf-8",
        Some("svg") => "image/svg+xml",
        Some("png") => "image/png",
        Some("ico") => "image/x-icon",
        Some("webmanifest") => "application/manifest+json",
        Some("woff2") => "font/woff2",
        Some("txt") => "text/plain; charset=utf-8",
        _ => "application/octet-stream",
    }
}

/// Whether a file of this type shrinks when compressed (images and fonts already are).
fn is_text(content_type: &str) -> bool {
    content_type.starts_with("text/")
        || content_type.starts_with("image/svg+xml")
        || content_type.starts_with("application/manifest+json")
}

/// The content-hashed URL of an embedded file (`"app.css"` → `"/assets/app.3f…9c.css"`).
///
/// An unknown name yields a URL that answers 404; the page tests fetch every asset URL a page
/// references, so a typo in a template fails the tests rather than a visitor's page.
pub fn url(logical_name: &str) -> &'static str {
    CATALOG
        .by_logical_name
        .get(logical_name)
        .and_then(|&index| CATALOG.assets.get(index))
        .map_or("/assets/missing", |asset| asset.url)
}

/// Load (hash and compress) every embedded file now, so the first visitor doesn't pay for it.
pub fn preload() -> usize {
    CATALOG.assets.len()
}

/// `GET /assets/{file}`: an embedded file by its hashed name, in the encoding the client asks
/// for, with an ETag per encoding and 304 support.
pub async fn serve(Path(file): Path<String>, headers: HeaderMap) -> Result<Response, AppError> {
    let asset = CATALOG
        .by_hashed_name
        .get(&file)
        .and_then(|&index| CATALOG.assets.get(index))
        .ok_or(AppError::NotFound)?;
    Ok(asset
        .variants
        .respond(&headers, HeaderValue::from_static(IMMUTABLE)))
}

/// Whether `If-None-Match` names this ETag (a list, `*`, or a weak form all count).
pub fn etag_matches(headers: &HeaderMap, etag: &HeaderValue) -> bool {
    let Some(etag) = etag.to_str().ok() else {
        return false;
    };
    headers
        .get_all(header::IF_NONE_MATCH)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(','))
        .map(|candidate| candidate.trim().trim_start_matches("W/"))
        .any(|candidate| candidate == "*" || candidate == etag)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_embedded_file_gets_a_hashed_url() {
        assert!(preload() >= 3);
        let css = url("app.css");
        assert!(
            css.starts_with("/assets/app.") && css.ends_with(".css"),
            "{css}"
        );
        assert_eq!(css.len(), "/assets/app..css".len() + 16);
        assert_eq!(url("no-such-file.css"), "/assets/missing");
    }

    #[test]
    fn if_none_match_lists_and_weak_tags_match() {
        let etag = HeaderValue::from_static("\"abc\"");
        let mut headers = HeaderMap::new();
        assert!(!etag_matches(&headers, &etag));
        headers.insert(
            header::IF_NONE_MATCH,
            HeaderValue::from_static("\"x\", W/\"abc\""),
        );
        assert!(etag_matches(&headers, &etag));
        headers.insert(header::IF_NONE_MATCH, HeaderValue::from_static("\"x\""));
        assert!(!etag_matches(&headers, &etag));
    }
}

/// Tenant images (our re-encoded copies), served from memory once read.
#[derive(Clone)]
pub struct TenantImages {
    store: crate::store::Store,
    cache: moka::future::Cache<(String, ImageFormatName), Arc<TenantImage>>,
}

/// The formats tenant images are stored in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ImageFormatName {
    /// PNG, always present.
    Png,
    /// Lossless WebP, present when smaller than the PNG.
    Webp,
}

impl ImageFormatName {
    fn stored(self) -> &'static str {
        match self {
            ImageFormatName::Png => "png",
            ImageFormatName::Webp => "webp",
        }
    }
}

/// One tenant image ready to send.
#[derive(Debug)]
struct TenantImage {
    content_type: HeaderValue,
    etag: HeaderValue,
    bytes: Bytes,
}

/// Memory kept for hot tenant images.
const TENANT_IMAGE_CACHE_BYTES: u64 = 64 * 1024 * 1024;

impl std::fmt::Debug for TenantImages {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TenantImages").finish_non_exhaustive()
    }
}

impl TenantImages {
    /// An empty cache over the store.
    pub fn new(store: crate::store::Store) -> Self {
        Self {
            store,
            cache: moka::future::Cache::builder()
                .weigher(|_key, image: &Arc<TenantImage>| {
                    u32::try_from(image.bytes.len()).unwrap_or(u32::MAX)
                })
                .max_capacity(TENANT_IMAGE_CACHE_BYTES)
                .build(),
        }
    }

    /// The image, from memory or the store (`None` when there is no such image).
    async fn get(
        &self,
        sha256: &str,
        format: ImageFormatName,
    ) -> Result<Option<Arc<TenantImage>>, AppError> {
        let key = (sha256.to_owned(), format);
        if let Some(image) = self.cache.get(&key).await {
            return Ok(Some(image));
        }
        let Some(stored) = self.store.load_asset(sha256, format.stored()).await? else {
            return Ok(None);
        };
        let content_type = match format {
            ImageFormatName::Png => HeaderValue::from_static("image/png"),
            ImageFormatName::Webp => HeaderValue::from_static("image/webp"),
        };
        let etag = HeaderValue::from_str(&format!("\"{}-{}\"", &sha256[..16], format.stored()))
            .map_err(|_| AppError::NotFound)?;
        let image = Arc::new(TenantImage {
            content_type,
            etag,
            bytes: Bytes::from(stored.bytes),
        });
        self.cache.insert(key, image.clone()).await;
        Ok(Some(image))
    }
}

/// The URL of a tenant image we serve (PNG name; WebP is negotiated).
pub fn tenant_image_url(sha256: &str) -> String {
    format!("/assets/t/{sha256}.png")
}

/// `GET /assets/t/{sha256}.{png|webp}`: a tenant image. `.png` negotiates WebP by `Accept`.
pub async fn serve_tenant_image(
    axum::extract::State(images): axum::extract::State<TenantImages>,
    Path(file): Path<String>,
    headers: HeaderMap,
) -> Result<Response, AppError> {
    let (sha256, extension) = file.rsplit_once('.').ok_or(AppError::NotFound)?;
    let valid_hash = sha256.len() == 64
        && sha256
            .bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b));
    if !valid_hash {
        return Err(AppError::NotFound);
    }
    let accepts_webp = headers
        .get_all(header::ACCEPT)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .any(|accept| accept.contains("image/webp"));
    let image = match extension {
        "webp" => images.get(sha256, ImageFormatName::Webp).await?,
        "png" if accepts_webp => match images.get(sha256, ImageFormatName::Webp).await? {
            Some(webp) => Some(webp),
            None => images.get(sha256, ImageFormatName::Png).await?,
        },
        "png" => images.get(sha256, ImageFormatName::Png).await?,
        _ => None,
    }
    .ok_or(AppError::NotFound)?;
    let common = [
        (header::ETAG, image.etag.clone()),
        (header::CACHE_CONTROL, HeaderValue::from_static(IMMUTABLE)),
        (header::VARY, HeaderValue::from_static("Accept")),
        // Image responses never run anything, whatever a browser thinks they are.
        (
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_static("default-src 'none'; sandbox"),
        ),
    ];
    if etag_matches(&headers, &image.etag) {
        return Ok((StatusCode::NOT_MODIFIED, common).into_response());
    }
    Ok((
        common,
        [(header::CONTENT_TYPE, image.content_type.clone())],
        image.bytes.clone(),
    )
        .into_response())
}

/// The URL of the stylesheet that carries a brand colour's palette (immutable: the colour names it).
pub fn brand_stylesheet_url(brand_hex: &str) -> Option<String> {
    let colour = crate::branding::palette::Rgb::parse_hex(brand_hex)?;
    Some(format!("/assets/brand/{}.css", &colour.to_hex()[1..]))
}

/// `GET /assets/brand/{RRGGBB}.css`: CSS custom properties for a brand colour, light and dark.
pub async fn serve_brand_stylesheet(
    Path(file): Path<String>,
    headers: HeaderMap,
) -> Result<Response, AppError> {
    let hex = file.strip_suffix(".css").ok_or(AppError::NotFound)?;
    // Only the canonical spelling (six upper-case hex digits) exists, so each colour has one URL.
    let canonical = hex.len() == 6
        && hex
            .bytes()
            .all(|b| b.is_ascii_digit() || (b'A'..=b'F').contains(&b));
    let colour = canonical
        .then(|| crate::branding::palette::Rgb::parse_hex(&format!("#{hex}")))
        .flatten()
        .ok_or(AppError::NotFound)?;
    let etag = HeaderValue::from_str(&format!("\"brand-{hex}-{}\"", env!("CARGO_PKG_VERSION")))
        .map_err(|_| AppError::NotFound)?;
    let common = [
        (header::ETAG, etag.clone()),
        (header::CACHE_CONTROL, HeaderValue::from_static(IMMUTABLE)),
    ];
    if etag_matches(&headers, &etag) {
        return Ok((StatusCode::NOT_MODIFIED, common).into_response());
    }
    let css = crate::branding::palette::Palette::from_brand(colour).stylesheet();
    Ok((
        common,
        [(
            header::CONTENT_TYPE,
            HeaderValue::from_static("text/css; charset=utf-8"),
        )],
        css,
    )
        .into_response())
}
