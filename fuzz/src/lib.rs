//! What must hold for every input to authwalk's parsers of untrusted data.
//!
//! One function per fuzz target: it feeds the bytes to the code under test and panics when an
//! invariant breaks. The fuzz targets in `fuzz/fuzz_targets/` call these, and
//! `tests/fuzz_regressions.rs` includes this same file (`#[path]`) and calls them on every seed
//! and every kept finding, so `cargo test` checks the invariants on the corpus cheaply.
//!
//! Input formats (seed files are written in them):
//! - `domain_parse`: UTF-8 text, what a person types into the domain box;
//! - `device_detect`: an HTTP header block, `Name: value` per line (`User-Agent`, `Sec-CH-UA-*`,
//!   `X-Requested-With`; names case-insensitive, the first of a name wins);
//! - `website_icons`: a home page's HTML, and the same bytes as a web app manifest;
//! - `image_normalize`: the bytes of an uploaded or downloaded image.

use std::collections::HashSet;
use std::io::Cursor;
use std::net::IpAddr;

use authwalk::branding::image::{ImageError, ImageRole, normalize_blocking};
use authwalk::device::{ClientHints, Device, OsCheck, OsVersion, Platform, Vendor};
use authwalk::discovery::website::{
    Candidate, CandidateKind, MAX_CANDIDATES, extract_candidates, manifest_candidates, ranked,
};
use authwalk::domain::DomainName;
use image::{ImageFormat, ImageReader, Limits, RgbaImage};
use sha2::{Digest, Sha256};
use url::{Host, Url};

/// Longest name DNS carries (RFC 1035), which `DomainName` promises.
const MAX_NAME_BYTES: usize = 253;
/// Longest DNS label.
const MAX_LABEL_BYTES: usize = 63;
/// Longest model name `Device` repeats back (`MAX_MODEL_BYTES` in src/device/mod.rs).
const MAX_MODEL_BYTES: usize = 48;
/// A refusal message repeats only short excerpts of the input, so it stays under this many
/// characters (the bound `src/domain.rs`'s own property tests hold it to).
const MESSAGE_CHARS_LIMIT: usize = 500;

// ---------------------------------------------------------------------------------------------
// domain_parse
// ---------------------------------------------------------------------------------------------

/// `DomainName::parse` on arbitrary UTF-8: an accepted name is in normal form, a refusal is a
/// short message without characters that would hide or reorder text on the error page.
pub fn domain_parse(data: &[u8]) {
    let Ok(raw) = std::str::from_utf8(data) else {
        return;
    };
    match DomainName::parse(raw) {
        Ok(domain) => assert_normal_domain(raw, &domain),
        Err(error) => {
            let message = error.to_string();
            assert!(!error.code().is_empty(), "{raw:?}: empty error code");
            assert!(
                message.chars().count() < MESSAGE_CHARS_LIMIT,
                "{raw:?}: message of {} characters",
                message.chars().count()
            );
            assert!(
                !message.chars().any(hides_text),
                "{raw:?}: message {message:?} carries an invisible or bidi control character"
            );
        }
    }
}

fn assert_normal_domain(raw: &str, domain: &DomainName) {
    let ascii = domain.as_str();
    assert!(
        !ascii.is_empty() && ascii.len() <= MAX_NAME_BYTES,
        "{raw:?} → {ascii:?}: length {}",
        ascii.len()
    );
    assert!(
        ascii
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-' || b == b'.'),
        "{raw:?} → {ascii:?}: not lower-case ASCII letters, digits, hyphens and dots"
    );
    for label in ascii.split('.') {
        assert!(
            (1..=MAX_LABEL_BYTES).contains(&label.len()),
            "{raw:?} → {ascii:?}: label {label:?} is empty or too long"
        );
        assert!(
            !label.starts_with('-') && !label.ends_with('-'),
            "{raw:?} → {ascii:?}: label {label:?} starts or ends with a hyphen"
        );
    }
    assert!(
        ascii.contains('.'),
        "{raw:?} → {ascii:?}: a single label is not a company domain"
    );
    // Never an IP literal, in the std spelling or in any the WHATWG parser (browsers) accept.
    assert!(
        ascii.parse::<IpAddr>().is_err(),
        "{raw:?} → {ascii:?} is an IP address"
    );
    assert!(
        matches!(Host::parse(ascii), Ok(Host::Domain(_))),
        "{raw:?} → {ascii:?} is read as an IP address by URL parsers"
    );
    assert!(
        ascii != "localhost" && !ascii.ends_with(".localhost"),
        "{raw:?} → {ascii:?} is this computer"
    );
    assert!(
        ascii.ends_with(domain.registrable()),
        "{raw:?} → {ascii:?}: registrable part {:?} is not its suffix",
        domain.registrable()
    );
    assert_eq!(domain.to_string(), ascii, "{raw:?}: Display differs");
    assert_eq!(
        DomainName::parse(ascii).as_ref(),
        Ok(domain),
        "{raw:?}: re-parsing the ASCII form changes it"
    );
    let unicode = domain.to_unicode();
    assert_eq!(
        DomainName::parse(&unicode).as_ref(),
        Ok(domain),
        "{raw:?}: re-parsing the display form {unicode:?} changes it"
    );
}

/// Characters that would be invisible or reorder the text around them on a page.
fn hides_text(c: char) -> bool {
    c.is_control()
        || matches!(
            c,
            '\u{200B}'..='\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}' | '\u{FEFF}'
        )
}

// ---------------------------------------------------------------------------------------------
// device_detect
// ---------------------------------------------------------------------------------------------

/// `Device::detect` on an arbitrary header block: never panics, never invents a version or a
/// model, and its answers agree with each other.
pub fn device_detect(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let headers = header_block(text);
    let lookup = |name: &str| {
        headers
            .iter()
            .find(|(header, _)| header.eq_ignore_ascii_case(name))
            .map(|(_, value)| *value)
    };
    let user_agent = lookup("user-agent");
    let hints = ClientHints::from_lookup(&lookup);
    // Only what detect reads counts as "the input" a version may come from.
    let mut read: Vec<&str> = user_agent.into_iter().collect();
    read.extend(
        ClientHints::HEADER_NAMES
            .iter()
            .filter_map(|name| lookup(name)),
    );

    for hints in [hints, ClientHints::NONE] {
        let device = Device::detect(user_agent, &hints);
        assert_eq!(
            Device::detect(user_agent, &hints),
            device,
            "detection is not deterministic"
        );
        let read = if hints == ClientHints::NONE {
            &read[..usize::from(user_agent.is_some())]
        } else {
            &read[..]
        };
        assert_device_consistent(&device, read);
    }
}

/// `Name: value` lines (CR LF or LF); a line without a colon is skipped, as are empty names.
fn header_block(text: &str) -> Vec<(&str, &str)> {
    text.split('\n')
        .filter_map(|line| {
            let line = line.strip_suffix('\r').unwrap_or(line);
            let (name, value) = line.split_once(':')?;
            let name = name.trim();
            // HTTP strips optional white space around a field value.
            (!name.is_empty()).then(|| (name, value.trim_matches([' ', '\t'])))
        })
        .collect()
}

fn assert_device_consistent(device: &Device, read: &[&str]) {
    if device.bot {
        assert_eq!(
            device,
            &Device {
                bot: true,
                ..Device::unknown()
            },
            "a bot is the unknown device"
        );
    }
    assert!(
        device.os_version.is_none() || device.os_version_at_least.is_none(),
        "{device:?}: both an exact version and a lower bound"
    );
    if let Some(version) = device.os_version {
        assert!(
            read.iter().any(|value| version_written_in(value, version)),
            "{device:?}: version {version} appears nowhere in {read:?}"
        );
    }
    if let Some(bound) = device.os_version_at_least {
        // A bound may be a Safari `Version/26.1` read as "at least 26.0": only its major is written.
        let major = u64::from(bound.major);
        assert!(
            read.iter()
                .any(|value| number_runs(value).iter().any(|run| run.contains(&major))),
            "{device:?}: lower bound {bound} appears nowhere in {read:?}"
        );
    }
    if let Some(model) = &device.model {
        assert_eq!(
            device.platform,
            Platform::Android,
            "{device:?}: model off Android"
        );
        assert!(
            !model.is_empty() && model.len() <= MAX_MODEL_BYTES && model != "K",
            "{device:?}: model {model:?}"
        );
        assert!(
            model.bytes().all(|b| b.is_ascii_graphic() || b == b' '),
            "{device:?}: model {model:?} is not printable ASCII"
        );
        assert!(
            read.iter().any(|value| value.contains(model.as_str())),
            "{device:?}: model {model:?} appears nowhere in {read:?}"
        );
    }
    match device.platform {
        Platform::Ios | Platform::Ipados | Platform::Macos => {
            assert_eq!(device.vendor, Vendor::Apple, "{device:?}");
        }
        Platform::Android => {}
        _ => assert_eq!(device.vendor, Vendor::Unknown, "{device:?}"),
    }
    if device.maybe_ipad {
        assert_eq!(device.platform, Platform::Macos, "{device:?}: maybe_ipad");
    }
    let check = device.os_check();
    match device.platform {
        Platform::Windows | Platform::Macos | Platform::Linux | Platform::Chromeos => {
            assert_eq!(check, OsCheck::NotApplicable, "{device:?}");
        }
        Platform::Unknown => assert_eq!(check, OsCheck::Unknown, "{device:?}"),
        Platform::Ios | Platform::Ipados | Platform::Android => {
            if device.os_version.is_none() && device.os_version_at_least.is_none() {
                assert_eq!(
                    check,
                    OsCheck::Unknown,
                    "{device:?}: no version, yet {check:?}"
                );
            }
        }
    }
}

/// Whether `version` is written in `text` as numbers joined by `.` or `_` (`17_3_1`, `14.0.0`,
/// `14` for 14.0): the major, then the minor and patch or nothing where they are zero.
fn version_written_in(text: &str, version: OsVersion) -> bool {
    let wanted = [
        u64::from(version.major),
        u64::from(version.minor),
        u64::from(version.patch.unwrap_or(0)),
    ];
    number_runs(text).iter().any(|run| {
        (0..run.len()).any(|start| {
            wanted
                .iter()
                .enumerate()
                .all(|(i, &part)| run.get(start + i).copied().unwrap_or(0) == part)
        })
    })
}

/// Runs of decimal numbers joined by single `.` or `_`: `a 17_3_1 b 4.0` → [[17, 3, 1], [4, 0]].
/// A number too long for u64 reads as u64::MAX (never a version part).
fn number_runs(text: &str) -> Vec<Vec<u64>> {
    let mut runs = Vec::new();
    let mut run: Vec<u64> = Vec::new();
    let mut number: Option<u64> = None;
    let mut previous_was_separator = false;
    for c in text.chars() {
        if let Some(digit) = c.to_digit(10) {
            let value = number.unwrap_or(0);
            number = Some(
                value
                    .checked_mul(10)
                    .and_then(|v| v.checked_add(u64::from(digit)))
                    .unwrap_or(u64::MAX),
            );
            previous_was_separator = false;
            continue;
        }
        if let Some(value) = number.take() {
            run.push(value);
        }
        let separator = matches!(c, '.' | '_') && !run.is_empty() && !previous_was_separator;
        if !separator && !run.is_empty() {
            runs.push(std::mem::take(&mut run));
        }
        previous_was_separator = separator;
    }
    if let Some(value) = number {
        run.push(value);
    }
    if !run.is_empty() {
        runs.push(run);
    }
    runs
}

// ---------------------------------------------------------------------------------------------
// website_icons
// ---------------------------------------------------------------------------------------------

/// The page a home page was served from (its final URL after redirects).
const PAGE_URL: &str = "https://www.contoso.com/en-us/";
/// Where the manifest was served from.
const MANIFEST_URL: &str = "https://www.contoso.com/static/site.webmanifest";

/// The icon extractor on arbitrary HTML and manifest JSON: every URL it hands on is an absolute
/// http(s) URL, and what is downloaded is at most [`MAX_CANDIDATES`] distinct URLs.
pub fn website_icons(data: &[u8]) {
    let (Ok(page), Ok(manifest_base)) = (Url::parse(PAGE_URL), Url::parse(MANIFEST_URL)) else {
        panic!("the fixed base URLs parse");
    };
    // As `find_logo` does: the page is decoded lossily.
    let html = String::from_utf8_lossy(data);
    let (from_page, manifest) = extract_candidates(&html, &page);
    for candidate in &from_page {
        assert_fetchable(&candidate.url);
        assert!(
            matches!(
                candidate.kind,
                CandidateKind::AppleTouchIcon | CandidateKind::Icon | CandidateKind::OpenGraphImage
            ),
            "{candidate:?}: a page yields only link and og:image candidates"
        );
    }
    if let Some(manifest) = &manifest {
        assert_fetchable(manifest);
    }
    let from_manifest = manifest_candidates(data, &manifest_base);
    for candidate in &from_manifest {
        assert_fetchable(&candidate.url);
        assert_eq!(candidate.kind, CandidateKind::ManifestIcon, "{candidate:?}");
    }
    let mut all: Vec<Candidate> = from_page.into_iter().chain(from_manifest).collect();
    if let Ok(favicon) = page.join("/favicon.ico") {
        all.push(Candidate {
            url: favicon,
            kind: CandidateKind::Favicon,
            declared_size: None,
            svg: false,
        });
    }
    let offered: HashSet<Url> = all.iter().map(|c| c.url.clone()).collect();
    let chosen = ranked(all);
    assert!(
        chosen.len() <= MAX_CANDIDATES,
        "{} candidates to download, more than {MAX_CANDIDATES}",
        chosen.len()
    );
    assert_eq!(
        chosen.len(),
        offered.len().min(MAX_CANDIDATES),
        "ranking lost candidates"
    );
    let mut seen = HashSet::new();
    for candidate in &chosen {
        assert!(
            offered.contains(&candidate.url),
            "{candidate:?} was invented"
        );
        assert!(seen.insert(&candidate.url), "{candidate:?} twice");
    }
}

fn assert_fetchable(url: &Url) {
    assert!(
        matches!(url.scheme(), "http" | "https"),
        "{url}: not http(s)"
    );
    assert!(
        url.has_host() && !url.cannot_be_a_base(),
        "{url}: not an absolute URL with a host"
    );
    assert!(
        url.host_str().is_some_and(|host| !host.is_empty()),
        "{url}: empty host"
    );
}

// ---------------------------------------------------------------------------------------------
// image_normalize
// ---------------------------------------------------------------------------------------------

/// `normalize_blocking` on arbitrary bytes for each role: an accepted image fits the role's
/// bound and its PNG (and WebP) decode again to the same pixels; a refusal is never our fault.
pub fn image_normalize(data: &[u8]) {
    for role in [ImageRole::Logo, ImageRole::Illustration] {
        match normalize_blocking(data, role) {
            Ok(image) => {
                let max = role.max_side();
                assert!(
                    (1..=max).contains(&image.width) && (1..=max).contains(&image.height),
                    "{role:?}: {}×{} is outside 1..={max}",
                    image.width,
                    image.height
                );
                assert_eq!(
                    image.sha256,
                    hex::encode(Sha256::digest(&image.png)),
                    "{role:?}: sha256 does not name the PNG"
                );
                let png = decode_our(&image.png, ImageFormat::Png);
                assert_eq!(
                    png.dimensions(),
                    (image.width, image.height),
                    "{role:?}: PNG dimensions differ from the reported ones"
                );
                if let Some(webp) = &image.webp {
                    assert!(
                        webp.len() < image.png.len(),
                        "{role:?}: WebP kept though larger"
                    );
                    assert!(
                        decode_our(webp, ImageFormat::WebP) == png,
                        "{role:?}: WebP pixels differ from the PNG's"
                    );
                }
            }
            Err(error) => {
                assert!(
                    !matches!(error, ImageError::Internal { .. }),
                    "{role:?}: input refused as our own failure: {error}"
                );
                assert!(!error.code().is_empty() && !error.to_string().is_empty());
            }
        }
    }
}

/// Decodes one of our own outputs; failure to decode it is a finding.
fn decode_our(bytes: &[u8], format: ImageFormat) -> RgbaImage {
    let mut reader = ImageReader::with_format(Cursor::new(bytes), format);
    let mut limits = Limits::default();
    limits.max_alloc = Some(64 * 1024 * 1024);
    reader.limits(limits);
    match reader.decode() {
        Ok(image) => image.into_rgba8(),
        Err(error) => panic!("our {format:?} output does not decode: {error}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::panic::catch_unwind;

    #[test]
    fn number_runs_join_numbers_by_single_dots_and_underscores() {
        assert_eq!(
            number_runs("CPU iPhone OS 17_3_1 like Mac OS X; v=26.0..4 x9_"),
            [vec![17, 3, 1], vec![26, 0], vec![4], vec![9]]
        );
        assert_eq!(
            number_runs("99999999999999999999999.1"),
            [vec![u64::MAX, 1]]
        );
        assert!(number_runs("no digits").is_empty());
    }

    #[test]
    fn a_version_is_written_with_its_zero_parts_optional() {
        let v = |major, minor, patch| OsVersion::new(major, minor, patch);
        assert!(version_written_in("Linux; Android 14; K", v(14, 0, None)));
        assert!(version_written_in("\"14.0.0\"", v(14, 0, None)));
        assert!(version_written_in("OS 17_3_1 like", v(17, 3, Some(1))));
        assert!(!version_written_in("OS 17_3_1 like", v(17, 4, None)));
        assert!(!version_written_in("OS 17_3 like", v(17, 3, Some(1))));
        assert!(!version_written_in("Android 4", v(14, 0, None)));
    }

    #[test]
    fn header_block_reads_names_and_trimmed_values() {
        assert_eq!(
            header_block(
                "User-Agent:  a b \r\nno colon\n: empty name\nSec-CH-UA-Model:\"Pixel 8\""
            ),
            [("User-Agent", "a b"), ("Sec-CH-UA-Model", "\"Pixel 8\"")]
        );
    }

    #[test]
    fn an_invented_version_or_model_breaks_the_device_invariants() {
        let phone = Device {
            platform: Platform::Ios,
            vendor: Vendor::Apple,
            os_version: Some(OsVersion::new(17, 4, None)),
            ..Device::unknown()
        };
        assert!(catch_unwind(|| assert_device_consistent(&phone, &["iPhone OS 17_4"])).is_ok());
        assert!(catch_unwind(|| assert_device_consistent(&phone, &["iPhone OS 17_3"])).is_err());
        let android = Device {
            platform: Platform::Android,
            model: Some("Pixel 9".to_owned()),
            ..Device::unknown()
        };
        assert!(catch_unwind(|| assert_device_consistent(&android, &["Pixel 8"])).is_err());
    }

    #[test]
    fn only_absolute_http_urls_are_fetchable() {
        assert!(
            catch_unwind(|| assert_fetchable(&Url::parse("https://contoso.com/a.png").unwrap()))
                .is_ok()
        );
        for bad in [
            "data:image/png;base64,AAAA",
            "ftp://contoso.com/a.png",
            "file:///etc/passwd",
        ] {
            let url = Url::parse(bad).unwrap();
            assert!(catch_unwind(|| assert_fetchable(&url)).is_err(), "{bad}");
        }
    }

    #[test]
    fn a_normal_domain_passes_and_hidden_characters_are_caught() {
        assert!(catch_unwind(|| domain_parse("https://www.Bücher.de/".as_bytes())).is_ok());
        assert!(hides_text('\u{202E}') && hides_text('\n') && !hides_text('ü'));
    }
}
