//! The company website's best logo, for tenants without an Entra logo.
//!
//! Fetch `https://{domain}/` (then `https://www.{domain}/`) through the outbound client, parse it with
//! a real HTML parser, collect candidates (apple-touch-icon, icon links with sizes, the web app
//! manifest's icons, og:image, /favicon.ico), rank them, and normalise the first that decodes.
//! Bounded: at most [`MAX_CANDIDATES`] downloads, and the caller's total time budget.

use std::time::Duration;

use bytes::Bytes;
use scraper::{Html, Selector};
use serde::Deserialize;
use url::Url;

use crate::branding::image::ImageRole;
use crate::branding::prepare;
use crate::branding::slots::{DecodeLane, DecodeSlots};
use crate::domain::DomainName;
use crate::net::client::{HTML_CAP, IMAGE_CAP, JSON_CAP};
use crate::net::{Fetched, OutboundClient};
use crate::store::models::NewAsset;

/// Most candidate images downloaded for one site.
pub const MAX_CANDIDATES: usize = 8;

/// What kind of reference a candidate came from (declaration order is rank order within a size).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum CandidateKind {
    /// `<link rel="apple-touch-icon">`: a large square icon made for home screens.
    AppleTouchIcon,
    /// An icon from the web app manifest.
    ManifestIcon,
    /// `<link rel="icon">` (or `shortcut icon`).
    Icon,
    /// `<meta property="og:image">`: a share picture, often not a logo.
    OpenGraphImage,
    /// `/favicon.ico`: the last resort.
    Favicon,
}

/// One place a logo might be.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Candidate {
    /// Absolute URL.
    pub url: Url,
    /// Where it was referenced.
    pub kind: CandidateKind,
    /// The largest size the page declares (`sizes="180x180"`), if any.
    pub declared_size: Option<u32>,
    /// Whether the page says it is SVG (by type or extension).
    pub svg: bool,
}

impl Candidate {
    /// Rank: lower is better. Large square raster icons first, then SVG, then og:image, then the
    /// favicon; small raster icons (< 64 px) rank just above the favicon.
    fn rank(&self) -> (u8, i64) {
        let size = i64::from(self.declared_size.unwrap_or(0));
        let tier = match self.kind {
            CandidateKind::Favicon => 5,
            CandidateKind::OpenGraphImage => 3,
            _ if self.svg => 2,
            CandidateKind::AppleTouchIcon => 0,
            _ if size >= 64 => 0,
            // An icon with no declared size could be anything: after SVG, before og:image.
            _ if self.declared_size.is_none() => 3,
            _ => 4,
        };
        // Within a tier: apple-touch-icon assumed 180 px when undeclared; bigger first.
        let effective = if self.kind == CandidateKind::AppleTouchIcon && size == 0 {
            180
        } else {
            size
        };
        (tier, -effective)
    }
}

/// Everything the home page references, best first, without duplicates (pure; `base` is the
/// page's final URL).
pub fn extract_candidates(html: &str, base: &Url) -> (Vec<Candidate>, Option<Url>) {
    let document = Html::parse_document(html);
    let base = selector("base[href]")
        .and_then(|sel| document.select(&sel).next())
        .and_then(|element| element.value().attr("href"))
        .and_then(|href| base.join(href.trim()).ok())
        .unwrap_or_else(|| base.clone());
    let mut candidates = Vec::new();
    let mut manifest = None;
    if let Some(links) = selector("link[rel][href]") {
        for link in document.select(&links) {
            let element = link.value();
            let rel = element.attr("rel").unwrap_or_default().to_ascii_lowercase();
            let rels: Vec<&str> = rel.split_ascii_whitespace().collect();
            let Some(url) = element.attr("href").and_then(|href| absolute(&base, href)) else {
                continue;
            };
            if rels.contains(&"manifest") {
                manifest.get_or_insert(url);
                continue;
            }
            let kind = if rels
                .iter()
                .any(|r| *r == "apple-touch-icon" || *r == "apple-touch-icon-precomposed")
            {
                CandidateKind::AppleTouchIcon
            } else if rels.contains(&"icon") {
                CandidateKind::Icon
            } else {
                continue;
            };
            let svg = element
                .attr("type")
                .is_some_and(|kind| kind.eq_ignore_ascii_case("image/svg+xml"))
                || url.path().to_ascii_lowercase().ends_with(".svg");
            candidates.push(Candidate {
                url,
                kind,
                declared_size: element.attr("sizes").and_then(largest_size),
                svg,
            });
        }
    }
    if let Some(metas) = selector("meta[content]") {
        for meta in document.select(&metas) {
            let element = meta.value();
            let name = element
                .attr("property")
                .or_else(|| element.attr("name"))
                .unwrap_or_default()
                .to_ascii_lowercase();
            if !matches!(
                name.as_str(),
                "og:image" | "og:image:url" | "og:image:secure_url"
            ) {
                continue;
            }
            if let Some(url) = element.attr("content").and_then(|c| absolute(&base, c)) {
                candidates.push(Candidate {
                    svg: url.path().to_ascii_lowercase().ends_with(".svg"),
                    url,
                    kind: CandidateKind::OpenGraphImage,
                    declared_size: None,
                });
            }
        }
    }
    (candidates, manifest)
}

#[derive(Debug, Deserialize)]
struct Manifest {
    #[serde(default)]
    icons: Vec<ManifestIcon>,
}

#[derive(Debug, Deserialize)]
struct ManifestIcon {
    src: Option<String>,
    sizes: Option<String>,
    #[serde(rename = "type")]
    kind: Option<String>,
    purpose: Option<String>,
}

/// The icons a web app manifest lists (pure; `base` is the manifest's URL).
pub fn manifest_candidates(json: &[u8], base: &Url) -> Vec<Candidate> {
    let Ok(manifest) = serde_json::from_slice::<Manifest>(json) else {
        return Vec::new();
    };
    manifest
        .icons
        .into_iter()
        // Monochrome icons are silhouettes, not logos.
        .filter(|icon| {
            !icon
                .purpose
                .as_deref()
                .is_some_and(|p| p.split_ascii_whitespace().all(|p| p == "monochrome"))
        })
        .filter_map(|icon| {
            let url = absolute(base, icon.src.as_deref()?)?;
            Some(Candidate {
                svg: icon
                    .kind
                    .as_deref()
                    .is_some_and(|kind| kind.eq_ignore_ascii_case("image/svg+xml"))
                    || url.path().to_ascii_lowercase().ends_with(".svg"),
                url,
                kind: CandidateKind::ManifestIcon,
                declared_size: icon.sizes.as_deref().and_then(largest_size),
            })
        })
        .collect()
}

/// Candidates best first, duplicates removed, at most [`MAX_CANDIDATES`].
pub fn ranked(mut candidates: Vec<Candidate>) -> Vec<Candidate> {
    candidates.sort_by_key(Candidate::rank);
    let mut seen = std::collections::HashSet::new();
    candidates.retain(|candidate| seen.insert(candidate.url.clone()));
    candidates.truncate(MAX_CANDIDATES);
    candidates
}

/// A logo found on the website, normalised.
#[derive(Debug, Clone)]
pub struct FoundLogo {
    /// Where it was downloaded from.
    pub source_url: Url,
    /// Our re-encoded copy.
    pub asset: NewAsset,
}

/// Find the website's best logo within `budget`. `None` when the site has none we can use.
pub async fn find_logo(
    client: &OutboundClient,
    slots: &DecodeSlots,
    domain: &DomainName,
    budget: Duration,
) -> Option<FoundLogo> {
    match tokio::time::timeout(budget, search(client, slots, domain)).await {
        Ok(found) => found,
        Err(_) => {
            tracing::info!(%domain, ?budget, "website logo search ran out of time");
            None
        }
    }
}

async fn search(
    client: &OutboundClient,
    slots: &DecodeSlots,
    domain: &DomainName,
) -> Option<FoundLogo> {
    // Most sites answer on one of the two: ask both at once (a failed apex must not add a whole
    // lookup to the resolution) and prefer the apex.
    let apex = format!("https://{}/", domain.as_str());
    let www = format!("https://www.{}/", domain.as_str());
    let (apex_page, www_page) = tokio::join!(home_page(client, &apex), home_page(client, &www));
    let page = apex_page.or(www_page)?;
    let html = String::from_utf8_lossy(&page.body);
    let (mut candidates, manifest) = extract_candidates(&html, &page.url);
    if let Some(manifest_url) = manifest {
        match client.get(manifest_url.clone(), JSON_CAP).await {
            Ok(answer) if answer.status.is_success() => {
                candidates.extend(manifest_candidates(&answer.body, &answer.url));
            }
            Ok(_) | Err(_) => tracing::debug!(%manifest_url, "manifest not usable"),
        }
    }
    if let Ok(favicon) = page.url.join("/favicon.ico") {
        candidates.push(Candidate {
            url: favicon,
            kind: CandidateKind::Favicon,
            declared_size: None,
            svg: false,
        });
    }
    for candidate in ranked(candidates) {
        if let Some(found) = try_candidate(client, slots, &candidate).await {
            return Some(found);
        }
    }
    None
}

/// A home page that answered with success, or `None` (logged).
async fn home_page(client: &OutboundClient, url: &str) -> Option<Fetched> {
    let home = Url::parse(url).ok()?;
    match client.get(home.clone(), HTML_CAP).await {
        Ok(page) if page.status.is_success() => Some(page),
        Ok(page) => {
            tracing::debug!(%home, status = %page.status, "home page not usable");
            None
        }
        Err(error) => {
            crate::metrics::upstream_error("website");
            tracing::debug!(%home, %error, "home page not reachable");
            None
        }
    }
}

async fn try_candidate(
    client: &OutboundClient,
    slots: &DecodeSlots,
    candidate: &Candidate,
) -> Option<FoundLogo> {
    let response = match client.get(candidate.url.clone(), IMAGE_CAP).await {
        Ok(response) if response.status.is_success() => response,
        Ok(response) => {
            tracing::debug!(url = %candidate.url, status = %response.status, "icon not served");
            return None;
        }
        Err(error) => {
            tracing::info!(url = %candidate.url, %error, "icon not downloadable");
            return None;
        }
    };
    let body = Bytes::clone(&response.body);
    match prepare(body, ImageRole::Logo, slots, DecodeLane::Discovery).await {
        Ok(asset) => Some(FoundLogo {
            source_url: response.url,
            asset,
        }),
        Err(error) => {
            tracing::info!(url = %candidate.url, %error, "icon refused; trying the next one");
            None
        }
    }
}

fn selector(css: &str) -> Option<Selector> {
    Selector::parse(css).ok()
}

/// An absolute http(s) URL for `href` (data: and javascript: URLs are skipped).
fn absolute(base: &Url, href: &str) -> Option<Url> {
    let url = base.join(href.trim()).ok()?;
    matches!(url.scheme(), "https" | "http").then_some(url)
}

/// The largest edge in a `sizes` attribute (`"16x16 32x32"` → 32; `"any"` → None).
fn largest_size(sizes: &str) -> Option<u32> {
    sizes
        .split_ascii_whitespace()
        .filter_map(|size| {
            let (w, h) = size
                .to_ascii_lowercase()
                .split_once('x')
                .map(|(w, h)| (w.parse::<u32>().ok(), h.parse::<u32>().ok()))?;
            Some(w?.max(h?))
        })
        .max()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn base() -> Url {
        Url::parse("https://www.contoso.com/").unwrap()
    }

    #[test]
    fn candidates_are_collected_from_links_meta_and_base() {
        let html = r#"<!doctype html><html><head>
            <base href="/static/">
            <link rel="stylesheet" href="site.css">
            <link rel="icon" href="favicon-32.png" sizes="32x32">
            <link rel="icon" type="image/svg+xml" href="/logo.svg">
            <link rel="apple-touch-icon" href="https://cdn.contoso.com/touch.png">
            <link rel="manifest" href="/site.webmanifest">
            <link rel="icon" href="data:image/png;base64,AAAA">
            <meta property="og:image" content="/og.jpg">
            </head><body></body></html>"#;
        let (candidates, manifest) = extract_candidates(html, &base());
        let urls: Vec<String> = candidates.iter().map(|c| c.url.to_string()).collect();
        assert_eq!(
            urls,
            [
                "https://www.contoso.com/static/favicon-32.png",
                "https://www.contoso.com/logo.svg",
                "https://cdn.contoso.com/touch.png",
                "https://www.contoso.com/og.jpg",
            ]
        );
        assert_eq!(candidates[0].declared_size, Some(32));
        assert!(candidates[1].svg);
        assert_eq!(
            manifest.unwrap().as_str(),
            "https://www.contoso.com/site.webmanifest"
        );
    }

    #[test]
    fn ranking_prefers_large_square_raster_then_svg_then_og_then_favicon() {
        let candidate = |path: &str, kind, size, svg| Candidate {
            url: base().join(path).unwrap(),
            kind,
            declared_size: size,
            svg,
        };
        let ranked = ranked(vec![
            candidate("/favicon.ico", CandidateKind::Favicon, None, false),
            candidate("/og.jpg", CandidateKind::OpenGraphImage, None, false),
            candidate("/small.png", CandidateKind::Icon, Some(32), false),
            candidate("/logo.svg", CandidateKind::Icon, None, true),
            candidate("/m192.png", CandidateKind::ManifestIcon, Some(192), false),
            candidate("/touch.png", CandidateKind::AppleTouchIcon, None, false),
            candidate("/m512.png", CandidateKind::ManifestIcon, Some(512), false),
            candidate("/m512.png", CandidateKind::ManifestIcon, Some(512), false),
        ]);
        let paths: Vec<&str> = ranked.iter().map(|c| c.url.path()).collect();
        assert_eq!(
            paths,
            [
                "/m512.png",
                "/m192.png",
                "/touch.png",
                "/logo.svg",
                "/og.jpg",
                "/small.png",
                "/favicon.ico"
            ],
            "best first, duplicates gone"
        );
    }

    #[test]
    fn manifest_icons_are_read_and_monochrome_skipped() {
        let json = br#"{"name":"Contoso","icons":[
            {"src":"icons/48.png","sizes":"48x48","type":"image/png"},
            {"src":"icons/512.png","sizes":"512x512","type":"image/png","purpose":"any maskable"},
            {"src":"icons/mono.png","sizes":"512x512","purpose":"monochrome"},
            {"src":"javascript:alert(1)","sizes":"1024x1024"}]}"#;
        let base = Url::parse("https://contoso.com/app/site.webmanifest").unwrap();
        let icons = manifest_candidates(json, &base);
        let urls: Vec<&str> = icons.iter().map(|c| c.url.as_str()).collect();
        assert_eq!(
            urls,
            [
                "https://contoso.com/app/icons/48.png",
                "https://contoso.com/app/icons/512.png"
            ]
        );
        assert_eq!(icons[1].declared_size, Some(512));
        assert!(manifest_candidates(b"not json", &base).is_empty());
    }

    #[test]
    fn sizes_attribute_gives_the_largest_edge() {
        assert_eq!(largest_size("16x16 32x32 48X48"), Some(48));
        assert_eq!(largest_size("any"), None);
        assert_eq!(largest_size("180x120"), Some(180));
        assert_eq!(largest_size("x"), None);
    }
}
