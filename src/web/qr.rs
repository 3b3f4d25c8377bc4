//! QR codes as inline SVG (our own markup, safe to embed).

use std::sync::Arc;

use qrcode::render::svg;
use qrcode::{EcLevel, QrCode};

/// QR codes already drawn, by URL and label: encoding one costs far more than rendering a page,
/// and each tenant page's URL never changes.
#[derive(Clone)]
pub struct QrCache {
    drawn: moka::sync::Cache<(String, String), Option<Arc<str>>>,
}

impl std::fmt::Debug for QrCache {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("QrCache").finish_non_exhaustive()
    }
}

impl Default for QrCache {
    fn default() -> Self {
        Self {
            drawn: moka::sync::Cache::new(QR_CACHE_ENTRIES),
        }
    }
}

/// Most QR codes kept (a few KiB each).
const QR_CACHE_ENTRIES: u64 = 10_000;

impl QrCache {
    /// The QR code for `url`, drawn once.
    pub fn svg_for(&self, url: &str, label: &str) -> Option<Arc<str>> {
        self.drawn.get_with((url.to_owned(), label.to_owned()), || {
            svg_for(url, label).map(Arc::from)
        })
    }
}

/// An inline `<svg>` QR code for `url`, labelled for assistive technology; `None` if the URL is
/// too long to encode.
pub fn svg_for(url: &str, label: &str) -> Option<String> {
    let code = QrCode::with_error_correction_level(url.as_bytes(), EcLevel::M).ok()?;
    let image = code
        .render::<svg::Color>()
        .min_dimensions(200, 200)
        .dark_color(svg::Color("#000000"))
        .light_color(svg::Color("#ffffff"))
        .build();
    // Drop the XML prolog (not allowed inside HTML) and name the image.
    let body = image
        .split_once("?>")
        .map_or(image.as_str(), |(_, svg)| svg);
    let label = escape_attribute(label);
    Some(body.replacen(
        "<svg ",
        &format!(r#"<svg class="qr" role="img" aria-label="{label}" "#),
        1,
    ))
}

fn escape_attribute(value: &str) -> String {
    value
        .chars()
        .map(|c| match c {
            '&' => "&amp;".to_owned(),
            '"' => "&quot;".to_owned(),
            '<' => "&lt;".to_owned(),
            '>' => "&gt;".to_owned(),
            other => other.to_string(),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn qr_is_inline_svg_with_an_escaped_label() {
        let svg = svg_for(
            "https://passkeys.example.com/t/contoso.com",
            "QR \"<code>\"",
        )
        .unwrap();
        assert!(svg.starts_with("<svg class=\"qr\" role=\"img\""), "{svg}");
        assert!(svg.contains("aria-label=\"QR &quot;&lt;code&gt;&quot;\""));
        assert!(!svg.contains("<?xml"));
        assert!(svg.ends_with("</svg>"));
    }

    #[test]
    fn overlong_urls_give_no_code() {
        assert!(svg_for(&"x".repeat(5000), "too long").is_none());
    }
}
