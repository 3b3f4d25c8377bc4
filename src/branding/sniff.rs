//! Sniffing: what untrusted bytes really are, decided by their content alone (never by a file
//! name or a Content-Type). Accepted formats are named; anything else is refused saying what it
//! looked like ("an HTML page", "a PDF document"), so an admin knows what they uploaded.

use super::image::{ImageError, PNG_SIGNATURE, SourceFormat};
use super::svg::SvgRefusal;

/// Decides the format from the bytes alone; anything else is refused naming what it looked like.
pub(super) fn sniff(bytes: &[u8]) -> Result<SourceFormat, ImageError> {
    let at =
        |offset: usize, magic: &[u8]| bytes.get(offset..).is_some_and(|b| b.starts_with(magic));
    if at(0, PNG_SIGNATURE) {
        return Ok(SourceFormat::Png);
    }
    if at(0, b"\xFF\xD8\xFF") {
        return Ok(SourceFormat::Jpeg);
    }
    if at(0, b"GIF87a") || at(0, b"GIF89a") {
        return Ok(SourceFormat::Gif);
    }
    if at(0, b"RIFF") {
        return match bytes.get(8..12) {
            Some(b"WEBP") => Ok(SourceFormat::Webp),
            Some(b"WAVE") => Err(ImageError::unsupported("a WAV audio file")),
            Some(b"AVI ") => Err(ImageError::unsupported("an AVI video")),
            _ => Err(ImageError::unsupported("a RIFF container that is not WebP")),
        };
    }
    if at(0, b"\x00\x00\x01\x00") && bytes.len() >= 6 && (bytes[4] != 0 || bytes[5] != 0) {
        return Ok(SourceFormat::Ico);
    }
    if at(0, b"\x1F\x8B") {
        // Usually SVGZ; either way we do not inflate unbounded archives.
        return Err(SvgRefusal::Compressed.into());
    }
    if let Some(looked_like) = sniff_other_binary(bytes) {
        return Err(ImageError::unsupported(looked_like));
    }
    sniff_text(bytes)
}

/// Names common non-image (or non-accepted image) formats by their magic numbers.
fn sniff_other_binary(bytes: &[u8]) -> Option<&'static str> {
    let at =
        |offset: usize, magic: &[u8]| bytes.get(offset..).is_some_and(|b| b.starts_with(magic));
    let table: &[(&[u8], &str)] = &[
        (b"\x00\x00\x02\x00", "a Windows cursor (CUR)"),
        (b"II*\x00", "a TIFF image"),
        (b"MM\x00*", "a TIFF image"),
        (b"%PDF-", "a PDF document"),
        (b"%!PS", "a PostScript document"),
        (b"PK\x03\x04", "a ZIP archive (or an Office document)"),
        (b"PK\x05\x06", "a ZIP archive"),
        (b"Rar!", "a RAR archive"),
        (b"7z\xBC\xAF", "a 7-Zip archive"),
        (b"\xD0\xCF\x11\xE0", "a legacy Office document"),
        (b"\xFF\x0A", "a JPEG XL image"),
        (b"\x00\x00\x00\x0CJXL ", "a JPEG XL image"),
        (b"\x00\x00\x00\x0CjP  ", "a JPEG 2000 image"),
        (b"8BPS", "a Photoshop document (PSD)"),
        (b"qoif", "a QOI image"),
        (b"DDS ", "a DDS texture"),
        (b"farbfeld", "a farbfeld image"),
        (b"#?RADIANCE", "a Radiance HDR image"),
        (b"\x76\x2F\x31\x01", "an OpenEXR image"),
        (b"wOFF", "a web font"),
        (b"wOF2", "a web font"),
        (b"MZ", "a Windows executable"),
        (b"\x7FELF", "an executable"),
        (b"\xFF\xFE", "UTF-16 text"),
        (b"\xFE\xFF", "UTF-16 text"),
    ];
    if let Some((_, name)) = table.iter().find(|(magic, _)| bytes.starts_with(magic)) {
        return Some(name);
    }
    // "BM" alone would also match text; the four reserved header bytes are zero in real BMPs.
    if at(0, b"BM") && bytes.get(6..10) == Some(&[0, 0, 0, 0]) {
        return Some("a BMP bitmap (convert it to PNG)");
    }
    if at(4, b"ftyp") {
        return Some(match bytes.get(8..12) {
            Some(b"avif" | b"avis") => "an AVIF image",
            Some(b"heic" | b"heix" | b"hevc" | b"heim" | b"heis" | b"mif1" | b"msf1") => {
                "a HEIC/HEIF image"
            }
            _ => "an MP4/QuickTime video",
        });
    }
    None
}

/// Text formats: SVG (after BOM, XML declaration, comments, processing instructions and DOCTYPE),
/// HTML pages served as images, other XML, JSON, plain text.
fn sniff_text(bytes: &[u8]) -> Result<SourceFormat, ImageError> {
    let text = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    let mut rest = trim_ascii_start(text);
    loop {
        if rest.starts_with(b"<?") {
            rest = match find(rest, b"?>") {
                Some(end) => trim_ascii_start(&rest[end + 2..]),
                None => return Err(ImageError::unsupported("an XML document")),
            };
        } else if rest.starts_with(b"<!--") {
            rest = match find(rest, b"-->") {
                Some(end) => trim_ascii_start(&rest[end + 3..]),
                None => return Err(ImageError::unsupported("an XML or HTML document")),
            };
        } else if starts_with_ignore_case(rest, b"<!DOCTYPE") {
            let name = trim_ascii_start(&rest[9..]);
            if starts_with_ignore_case(name, b"html") {
                return Err(ImageError::unsupported("an HTML page"));
            }
            rest = match skip_doctype(rest) {
                Some(after) => trim_ascii_start(after),
                None => return Err(ImageError::unsupported("an XML document")),
            };
        } else {
            break;
        }
    }
    if let Some(tag) = rest.strip_prefix(b"<") {
        let name_len = tag
            .iter()
            .position(|&b| !(b.is_ascii_alphanumeric() || matches!(b, b':' | b'-' | b'_' | b'.')))
            .unwrap_or(tag.len());
        let name = String::from_utf8_lossy(&tag[..name_len]).to_ascii_lowercase();
        if name == "svg" || name.ends_with(":svg") {
            return Ok(SourceFormat::Svg);
        }
        const HTML_TAGS: &[&str] = &[
            "html", "head", "body", "meta", "title", "script", "style", "link", "div", "p", "a",
            "span", "table", "iframe", "form", "noscript", "center", "h1", "h2", "br", "pre",
        ];
        if HTML_TAGS.contains(&name.as_str()) {
            return Err(ImageError::unsupported("an HTML page"));
        }
        return Err(ImageError::unsupported("an XML document that is not SVG"));
    }
    if rest.starts_with(b"{") || rest.starts_with(b"[") {
        return Err(ImageError::unsupported("JSON data"));
    }
    let head = &text[..text.len().min(512)];
    let printable = match std::str::from_utf8(head) {
        Ok(s) => s,
        // A multi-byte character may be cut at 512 bytes: accept the valid prefix.
        Err(e) if e.error_len().is_none() => {
            std::str::from_utf8(&head[..e.valid_up_to()]).unwrap_or("")
        }
        Err(_) => "",
    };
    if !printable.is_empty()
        && !printable
            .chars()
            .any(|c| c.is_control() && !matches!(c, '\t' | '\r' | '\n'))
    {
        return Err(ImageError::unsupported("plain text"));
    }
    Err(ImageError::unsupported("unrecognised binary data"))
}

/// Returns what follows a `<!DOCTYPE …>` declaration, skipping an internal subset `[ … ]`.
fn skip_doctype(doctype: &[u8]) -> Option<&[u8]> {
    let open = doctype.iter().position(|&b| b == b'[' || b == b'>')?;
    if doctype[open] == b'>' {
        return Some(&doctype[open + 1..]);
    }
    let close = find(&doctype[open..], b"]")? + open;
    let gt = doctype[close..].iter().position(|&b| b == b'>')? + close;
    Some(&doctype[gt + 1..])
}

fn trim_ascii_start(bytes: &[u8]) -> &[u8] {
    let start = bytes
        .iter()
        .position(|b| !b.is_ascii_whitespace())
        .unwrap_or(bytes.len());
    &bytes[start..]
}

fn starts_with_ignore_case(hay: &[u8], prefix: &[u8]) -> bool {
    hay.get(..prefix.len())
        .is_some_and(|h| h.eq_ignore_ascii_case(prefix))
}

pub(super) fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).position(|w| w == needle)
}

pub(super) fn contains_ignore_case(hay: &[u8], needle: &[u8]) -> bool {
    hay.windows(needle.len())
        .any(|w| w.eq_ignore_ascii_case(needle))
}
