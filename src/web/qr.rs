//! QR codes as inline SVG (our own markup, safe to embed).

use std::sync::Arc;

use std::fmt::Write as _;

use qrcode::{Color, EcLevel, QrCode};

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

/// Light modules around the code that scanners need to find it (the standard's quiet zone).
const QUIET_ZONE: usize = 4;
/// Drawn size of one module, in CSS pixels (the page may scale the image).
const MODULE_PX: usize = 6;

/// An inline `<svg>` QR code for `url`, labelled for assistive technology; `None` if the URL is
/// too long to encode.
///
/// Drawn in module units with one path of horizontal runs: under half the bytes of the
/// qrcode crate's one-square-per-module SVG, and this markup sits on every tenant page.
pub fn svg_for(url: &str, label: &str) -> Option<String> {
    let code = QrCode::with_error_correction_level(url.as_bytes(), EcLevel::M).ok()?;
    let width = code.width();
    let modules = code.to_colors();
    let side = width + 2 * QUIET_ZONE;
    let pixels = side * MODULE_PX;
    let label = escape_attribute(label);
    let mut svg = format!(
        r##"<svg class="qr" role="img" aria-label="{label}" xmlns="http://www.w3.org/2000/svg" width="{pixels}" height="{pixels}" viewBox="0 0 {side} {side}" shape-rendering="crispEdges"><rect width="{side}" height="{side}" fill="#ffffff"/><path fill="#000000" d=""##
    );
    for (y, row) in modules.chunks(width).enumerate() {
        let mut x = 0;
        for run in row.chunk_by(|a, b| a == b) {
            if run.first() == Some(&Color::Dark) {
                let (left, top, length) = (x + QUIET_ZONE, y + QUIET_ZONE, run.len());
                // Writing to a String cannot fail.
                let _ = write!(svg, "M{left} {top}h{length}v1h-{length}z");
            }
            x += run.len();
        }
    }
    svg.push_str(r#""/></svg>"#);
    Some(svg)
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

    /// The dark modules a path of `M{x} {y}h{n}v1h-{n}z` runs paints, in module coordinates.
    fn painted_modules(svg: &str) -> std::collections::BTreeSet<(usize, usize)> {
        let path = svg
            .split(" d=\"")
            .nth(1)
            .unwrap()
            .split('"')
            .next()
            .unwrap();
        let mut painted = std::collections::BTreeSet::new();
        for run in path.split('M').filter(|run| !run.is_empty()) {
            let (start, rest) = run.split_once('h').unwrap();
            let (x, y) = start.split_once(' ').unwrap();
            let (x, y): (usize, usize) = (x.parse().unwrap(), y.parse().unwrap());
            let (length, tail) = rest.split_once("v1h-").unwrap();
            assert_eq!(
                tail,
                format!("{length}z"),
                "a run comes back to its start: {run}"
            );
            for column in x..x + length.parse::<usize>().unwrap() {
                assert!(painted.insert((column, y)), "module painted twice: {run}");
            }
        }
        painted
    }

    #[test]
    fn the_path_paints_exactly_the_codes_dark_modules_inside_the_quiet_zone() {
        for url in [
            "https://passkeys.example.com/t/contoso.com",
            "https://passkeys.example.com/t/xn--bcher-kva.example?device=samsung",
            &format!("https://passkeys.example.com/t/{}.example", "a".repeat(180)),
        ] {
            let svg = svg_for(url, "QR").unwrap();
            let code = QrCode::with_error_correction_level(url.as_bytes(), EcLevel::M).unwrap();
            let width = code.width();
            let expected: std::collections::BTreeSet<(usize, usize)> = code
                .to_colors()
                .iter()
                .enumerate()
                .filter(|(_, color)| **color == Color::Dark)
                .map(|(index, _)| (index % width + QUIET_ZONE, index / width + QUIET_ZONE))
                .collect();
            assert_eq!(painted_modules(&svg), expected, "{url}");
            let side = width + 2 * QUIET_ZONE;
            assert!(
                svg.contains(&format!("viewBox=\"0 0 {side} {side}\"")),
                "{svg}"
            );
            assert!(
                svg.contains(&format!("width=\"{}\"", side * MODULE_PX)),
                "{svg}"
            );
        }
    }

    #[test]
    fn a_page_link_costs_under_four_kib() {
        let svg = svg_for("https://passkeys.example.com/t/contoso.com", "QR").unwrap();
        assert!(svg.len() < 4 * 1024, "{} bytes", svg.len());
    }

    #[test]
    fn overlong_urls_give_no_code() {
        assert!(svg_for(&"x".repeat(5000), "too long").is_none());
    }
}
