//! [`DomainName`]: the one way a company domain typed by a stranger enters the system.
//!
//! People paste URLs, e-mail addresses, `www.` names and Unicode names into the domain box, and
//! every later step sends requests for whatever comes out of here. So parsing accepts generously
//! but lets only a public, registrable DNS name through:
//!
//! 1. find the host: text with a URL scheme goes through the WHATWG parser (`url`), so we see the
//!    host a browser would; anything else (`host:port/path`, e-mail addresses) is cut by hand;
//! 2. map it with UTS-46 (`idna`) to lowercase ASCII (punycode) and check DNS syntax;
//! 3. refuse what is not a company's internet domain: IP literals in any spelling, `localhost`,
//!    single labels, reserved and unknown top-level domains, bare public suffixes (ICANN and
//!    private sections of the public-suffix list alike).
//!
//! Decisions callers can rely on:
//! - a leading `www.` is dropped (repeatedly) while what remains is still registrable; `www.co.uk`
//!   and `www.com` are kept as they are, because the public-suffix list says they *are* registrable;
//! - other subdomains are kept (`eu.contoso.com`); [`DomainName::registrable`] gives the organisation;
//! - `example.com`, `.org`, `.net` are accepted (real, resolvable names); only reserved top-level
//!   domains such as `.example` and `.test` are refused;
//! - a URL's userinfo is ignored the way browsers ignore it (`https://evil.com@contoso.com` is
//!   `contoso.com`).

use std::borrow::Cow;
use std::fmt::{self, Write as _};
use std::str::FromStr;

use idna::uts46::{AsciiDenyList, DnsLength, Hyphens, Uts46};
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use url::{Host, Url};

/// Longest input looked at, in bytes; anything longer is refused before parsing to bound the work.
pub const MAX_INPUT_BYTES: usize = 2048;
/// Longest domain name DNS can carry (RFC 1035), ASCII form without the trailing dot.
const MAX_NAME_BYTES: usize = 253;
/// Longest label DNS can carry (RFC 1035), ASCII form.
const MAX_LABEL_BYTES: usize = 63;
/// How many characters of a refused value an error message repeats back.
const SHOWN_CHARS: usize = 80;

/// Top-level domains that never resolve on the public internet: special-use names (RFC 2606,
/// 6761, 6762, 7686, 9476, ICANN's `.internal`) and the ones routers and AD forests invent.
const RESERVED_TLDS: &[&str] = &[
    "alt",
    "arpa",
    "corp",
    "example",
    "home",
    "internal",
    "invalid",
    "lan",
    "local",
    "localdomain",
    "localhost",
    "onion",
    "private",
    "test",
];

/// Schemes whose hosts the WHATWG parser normalises as domains; other schemes are reparsed as https.
const SPECIAL_SCHEMES: &[&str] = &["http", "https", "ws", "wss", "ftp", "file"];

/// A company domain as typed by a person, normalised: ASCII (punycode), lowercase, no trailing dot.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct DomainName(String);

/// Lets maps keyed by domain be searched with a path segment as it arrived, without parsing it:
/// a hit proves the text is a canonical name. Sound because `Hash` and `Eq` are derived from the
/// one `String` field, so they agree with `str`'s.
impl std::borrow::Borrow<str> for DomainName {
    fn borrow(&self) -> &str {
        &self.0
    }
}

impl DomainName {
    /// Parses what a person typed or pasted (domain, URL or e-mail address) into a public domain.
    ///
    /// # Errors
    /// A [`DomainError`] saying why the text is not a public company domain.
    pub fn parse(raw: &str) -> Result<Self, DomainError> {
        if raw.len() > MAX_INPUT_BYTES {
            // Counted in characters for the message: a person typed characters, not UTF-8 bytes.
            return Err(DomainError::InputTooLong {
                characters: raw.chars().count(),
            });
        }
        let input = raw.trim();
        if input.is_empty() {
            return Err(DomainError::Empty);
        }
        // The URL parser silently drops tabs and line breaks; a person should hear about them.
        if let Some(character) = input.chars().find(|c| c.is_control()) {
            return Err(DomainError::InvalidCharacter {
                value: shown(input),
                character,
            });
        }
        let host = locate_host(strip_display_name(input), input)?;
        let name = to_ascii_name(&host)?;
        let name = classify(&name)?;
        refuse_mixed_scripts(name)?;
        Ok(Self(name.to_owned()))
    }

    /// The ASCII (punycode) form, e.g. `xn--bcher-kva.de`: use it for DNS, URLs and storage.
    #[must_use]
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The display form, e.g. `bücher.de`; the ASCII form when a label would pass for Latin
    /// letters it is not (`аррӏе.com` in Cyrillic is shown as `xn--80ak6aa92e.com`), as browsers do.
    #[must_use]
    pub fn to_unicode(&self) -> String {
        let unicode = display_form(&self.0);
        if imitates_latin(&unicode) {
            return self.0.clone();
        }
        unicode
    }

    /// The registrable part per the public-suffix list, e.g. `contoso.co.uk` for `eu.contoso.co.uk`.
    #[must_use]
    pub fn registrable(&self) -> &str {
        // `parse` has already proved a registrable part exists; the fallback is never taken.
        psl::domain_str(&self.0).unwrap_or(&self.0)
    }
}

impl fmt::Display for DomainName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl FromStr for DomainName {
    type Err = DomainError;

    fn from_str(raw: &str) -> Result<Self, Self::Err> {
        Self::parse(raw)
    }
}

impl AsRef<str> for DomainName {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

impl Serialize for DomainName {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.0)
    }
}

impl<'de> Deserialize<'de> for DomainName {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        // Through `parse`, so stored or posted JSON can never smuggle in an unchecked name.
        let raw = String::deserialize(deserializer)?;
        Self::parse(&raw).map_err(serde::de::Error::custom)
    }
}

/// Why a typed domain was refused; `Display` is a sentence for the person who typed it.
///
/// `value` fields hold what was typed (shortened, invisible characters spelled out as `[U+200B]`).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DomainError {
    /// Nothing was entered.
    #[error("Enter a company domain such as contoso.com.")]
    Empty,
    /// More than [`MAX_INPUT_BYTES`] were entered.
    #[error(
        "That is too long to be a domain name ({characters} characters); enter just your company's domain, such as contoso.com."
    )]
    InputTooLong {
        /// Length of the input in characters.
        characters: usize,
    },
    /// A URL or e-mail address without a host, such as `https://` or `someone@`.
    #[error(
        "“{value}” doesn't contain a domain name; enter your company's domain, such as contoso.com."
    )]
    MissingHost {
        /// What was entered.
        value: String,
    },
    /// A URL whose host looks fine but which is otherwise broken (for example its port).
    #[error(
        "We couldn't read a domain name from “{value}”; enter just your company's domain, such as contoso.com."
    )]
    Unreadable {
        /// What was entered.
        value: String,
    },
    /// A character no host name may hold (`_`, space, `%`, `\`, control characters, ...).
    #[error(
        "“{value}” contains {}, which can't be part of a domain name; domain names use only letters, digits, hyphens and dots, as in contoso.com.",
        describe_char(.character)
    )]
    InvalidCharacter {
        /// The host that holds the character.
        value: String,
        /// The first offending character, as typed (or as UTS-46 mapped it).
        character: char,
    },
    /// A non-ASCII name UTS-46 refuses, with no single character to blame (bidi mix, bad punycode).
    #[error(
        "“{value}” isn't a valid international domain name; check the spelling, or copy the domain exactly as your domain registrar shows it."
    )]
    InvalidInternationalName {
        /// The host as typed.
        value: String,
    },
    /// Two dots in a row, or a dot at the start.
    #[error(
        "“{value}” has an empty part between two dots; remove the extra dot, as in contoso.com."
    )]
    EmptyLabel {
        /// The host as typed.
        value: String,
    },
    /// Longer than the 253 bytes DNS allows (ASCII form).
    #[error(
        "“{value}” is longer than the 253 characters a domain name can have; enter your company's main domain, such as contoso.com."
    )]
    NameTooLong {
        /// The host as typed.
        value: String,
    },
    /// A label longer than the 63 bytes DNS allows (ASCII form).
    #[error(
        "In “{value}”, the part “{label}” is longer than the 63 characters allowed between two dots; check for a typo and enter the domain again."
    )]
    LabelTooLong {
        /// The host as typed.
        value: String,
        /// The label that is too long.
        label: String,
    },
    /// A label that starts or ends with a hyphen.
    #[error(
        "In “{value}”, the part “{label}” starts or ends with a hyphen, which domain names don't allow; check for a typo and enter the domain again."
    )]
    LabelHyphen {
        /// The host as typed.
        value: String,
        /// The offending label.
        label: String,
    },
    /// An IPv4 or IPv6 address in any spelling (`127.1`, `0x7f.1`, `2130706433`, `[::1]`).
    #[error(
        "“{value}” is an IP address, not a domain name; enter your company's domain instead, such as contoso.com."
    )]
    IpAddress {
        /// The address as typed or as the URL parser read it.
        value: String,
    },
    /// `localhost` or a name under it.
    #[error(
        "“{value}” means this computer itself, not a company; enter your company's public domain, such as contoso.com."
    )]
    Localhost {
        /// The name.
        value: String,
    },
    /// One label only, such as `contoso` or `intranet`.
    #[error(
        "“{value}” has no ending such as .com or .co.uk, so it can only be a name inside a private network; enter your company's full public domain, such as contoso.com."
    )]
    SingleLabel {
        /// The name.
        value: String,
    },
    /// A top-level domain reserved for private networks or testing (`.local`, `.internal`, `.test`...).
    #[error(
        "“{value}” ends in “.{tld}”, which is reserved for private networks and testing and doesn't exist on the internet; enter your company's public domain, such as contoso.com."
    )]
    ReservedTld {
        /// The name.
        value: String,
        /// The reserved top-level domain, without its dot.
        tld: String,
    },
    /// A top-level domain the public-suffix list does not know (`contoso.con`).
    #[error(
        "“{value}” ends in “.{tld}”, which isn't a top-level domain in use on the internet; check the ending for a typo (such as .com, .org or .co.uk)."
    )]
    UnknownTld {
        /// The name.
        value: String,
        /// The unknown top-level domain, without its dot.
        tld: String,
    },
    /// One label mixes letters of alphabets that look alike (Latin `a` beside Cyrillic `а`): the
    /// trick of look-alike domains, and a name no registry hands out.
    #[error(
        "“{value}” ({ascii}) mixes {scripts} letters in one part, as look-alike domains do to imitate another name; type your company's domain again in one alphabet, such as contoso.com."
    )]
    MixedScripts {
        /// The name in Unicode, as typed.
        value: String,
        /// The same name in ASCII (punycode), which shows the trick.
        ascii: String,
        /// The alphabets mixed, e.g. "Latin and Cyrillic".
        scripts: String,
    },
    /// A bare public suffix (`com`, `co.uk`, `github.io`) that many organisations share.
    #[error(
        "“{suffix}” is a public suffix shared by many organisations; enter your company's own domain, such as contoso.{suffix}."
    )]
    PublicSuffix {
        /// The suffix, in display (Unicode) form.
        suffix: String,
    },
}

impl DomainError {
    /// Stable machine-readable code for the JSON API's "error" field, e.g. "empty", "ip_address", "public_suffix".
    #[must_use]
    pub fn code(&self) -> &'static str {
        match self {
            Self::Empty => "empty",
            Self::InputTooLong { .. } => "input_too_long",
            Self::MissingHost { .. } => "missing_host",
            Self::Unreadable { .. } => "unreadable",
            Self::InvalidCharacter { .. } => "invalid_character",
            Self::InvalidInternationalName { .. } => "invalid_international_name",
            Self::EmptyLabel { .. } => "empty_label",
            Self::NameTooLong { .. } => "name_too_long",
            Self::LabelTooLong { .. } => "label_too_long",
            Self::LabelHyphen { .. } => "label_hyphen",
            Self::IpAddress { .. } => "ip_address",
            Self::Localhost { .. } => "localhost",
            Self::SingleLabel { .. } => "single_label",
            Self::ReservedTld { .. } => "reserved_tld",
            Self::UnknownTld { .. } => "unknown_tld",
            Self::PublicSuffix { .. } => "public_suffix",
            Self::MixedScripts { .. } => "mixed_scripts",
        }
    }
}

/// `"Name" <someone@contoso.com>` → `someone@contoso.com`, as copied from a mail client.
fn strip_display_name(input: &str) -> &str {
    match (input.rfind('<'), input.strip_suffix('>')) {
        (Some(open), Some(inner)) => inner.get(open + 1..).map_or(input, str::trim),
        _ => input,
    }
}

/// Finds the host in a URL, an e-mail address or a bare `host[:port][/path]`.
fn locate_host<'a>(candidate: &'a str, input: &str) -> Result<Cow<'a, str>, DomainError> {
    if let Some((scheme, rest)) = split_scheme(candidate) {
        if scheme.eq_ignore_ascii_case("mailto") {
            return bare_host(rest, input).map(Cow::Borrowed);
        }
        if SPECIAL_SCHEMES
            .iter()
            .any(|s| scheme.eq_ignore_ascii_case(s))
        {
            return url_host(candidate, rest, input).map(Cow::Owned);
        }
        if rest.starts_with("//") {
            // `ldap://dc.contoso.com`: non-special schemes keep opaque, un-normalised hosts.
            return url_host(&format!("https:{rest}"), rest, input).map(Cow::Owned);
        }
        // Not a scheme after all: `contoso.com:443`, `localhost:3000`.
    } else if candidate.starts_with("//") {
        return url_host(&format!("https:{candidate}"), candidate, input).map(Cow::Owned);
    }
    bare_host(candidate, input).map(Cow::Borrowed)
}

/// Splits `scheme:rest` when the text before the first colon is a syntactically valid scheme.
fn split_scheme(text: &str) -> Option<(&str, &str)> {
    let (scheme, rest) = text.split_once(':')?;
    let mut chars = scheme.chars();
    let valid = chars.next().is_some_and(|c| c.is_ascii_alphabetic())
        && chars.all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'));
    valid.then_some((scheme, rest))
}

/// The host of a URL as the WHATWG parser (and so a browser) sees it.
fn url_host(url: &str, after_scheme: &str, input: &str) -> Result<String, DomainError> {
    match Url::parse(url) {
        Ok(parsed) => match parsed.host() {
            Some(Host::Domain(domain)) if !domain.is_empty() => Ok(domain.to_owned()),
            Some(Host::Ipv4(ip)) => Err(DomainError::IpAddress {
                value: ip.to_string(),
            }),
            Some(Host::Ipv6(ip)) => Err(DomainError::IpAddress {
                value: format!("[{ip}]"),
            }),
            Some(Host::Domain(_)) | None => Err(DomainError::MissingHost {
                value: shown(input),
            }),
        },
        // The parser only says *that* it failed; our own checks on the host say *why*.
        Err(_) => {
            let host = bare_host(after_scheme.trim_start_matches(['/', '\\']), input)?;
            classify(&to_ascii_name(host)?)?;
            Err(DomainError::Unreadable {
                value: shown(input),
            })
        }
    }
}

/// Cuts `user@host:port/path?query#fragment` (or an e-mail address) down to the host by hand.
fn bare_host<'a>(text: &'a str, input: &str) -> Result<&'a str, DomainError> {
    let authority = text.split(['/', '?', '#']).next().unwrap_or(text);
    let authority = authority
        .rsplit_once('@')
        .map_or(authority, |(_, host)| host);
    if let Some(bracketed) = authority.strip_prefix('[') {
        // Only IP literals are written in brackets (`[::1]:443`, `someone@[127.0.0.1]`).
        let inner = bracketed.split(']').next().unwrap_or(bracketed);
        return Err(if is_ipv6(inner) || ends_in_number(inner) {
            DomainError::IpAddress {
                value: shown(authority),
            }
        } else {
            DomainError::InvalidCharacter {
                value: shown(authority),
                character: '[',
            }
        });
    }
    let host = match authority.split_once(':') {
        None => authority,
        Some(_) if is_ipv6(authority) => {
            return Err(DomainError::IpAddress {
                value: shown(authority),
            });
        }
        Some((host, port)) if port.chars().all(|c| c.is_ascii_digit()) => {
            if !port.is_empty() && port.parse::<u16>().is_err() {
                return Err(DomainError::Unreadable {
                    value: shown(input),
                });
            }
            host
        }
        Some(_) => {
            return Err(DomainError::InvalidCharacter {
                value: shown(authority),
                character: ':',
            });
        }
    };
    if host.is_empty() {
        return Err(DomainError::MissingHost {
            value: shown(input),
        });
    }
    Ok(host)
}

/// Whether the WHATWG parser reads `text` (a zone id like `%eth0` aside) as an IPv6 address.
fn is_ipv6(text: &str) -> bool {
    let address = text.split('%').next().unwrap_or(text);
    address.contains(':') && matches!(Host::parse(&format!("[{address}]")), Ok(Host::Ipv6(_)))
}

/// WHATWG's "ends in a number" rule: a last label of digits or `0x` hex makes an IPv4 address.
fn ends_in_number(name: &str) -> bool {
    let name = name.strip_suffix('.').unwrap_or(name);
    let last = name.rsplit('.').next().unwrap_or(name);
    match last.strip_prefix("0x").or_else(|| last.strip_prefix("0X")) {
        Some(hex) => hex.bytes().all(|b| b.is_ascii_hexdigit()),
        None => !last.is_empty() && last.bytes().all(|b| b.is_ascii_digit()),
    }
}

/// UTS-46 maps the host to lowercase ASCII; then the DNS syntax rules are checked on that form.
fn to_ascii_name(host: &str) -> Result<String, DomainError> {
    // Name the character as the person typed it, before UTS-46 maps it to something else.
    if let Some(character) = host.chars().find(|&c| forbidden_as_typed(c)) {
        return Err(DomainError::InvalidCharacter {
            value: shown(host),
            character,
        });
    }
    let ascii = uts46_to_ascii(host).map_err(|()| explain_uts46_failure(host))?;
    // Some characters map to ASCII no host name may hold (fullwidth `＿` becomes `_`).
    if let Some(character) = ascii.chars().find(|&c| !is_ldh_or_dot(c)) {
        return Err(DomainError::InvalidCharacter {
            value: shown(host),
            character,
        });
    }
    let name = ascii.strip_suffix('.').unwrap_or(&ascii);
    if name.is_empty() {
        return Err(DomainError::Empty);
    }
    let labels: Vec<&str> = name.split('.').collect();
    if labels.iter().any(|label| label.is_empty()) {
        return Err(DomainError::EmptyLabel { value: shown(host) });
    }
    if ends_in_number(name) {
        return Err(DomainError::IpAddress { value: shown(host) });
    }
    if name.len() > MAX_NAME_BYTES {
        return Err(DomainError::NameTooLong { value: shown(host) });
    }
    if let Some(label) = labels.iter().find(|label| label.len() > MAX_LABEL_BYTES) {
        return Err(DomainError::LabelTooLong {
            value: shown(host),
            label: shown(&display_form(label)),
        });
    }
    if let Some(label) = labels
        .iter()
        .find(|label| label.starts_with('-') || label.ends_with('-'))
    {
        return Err(DomainError::LabelHyphen {
            value: shown(host),
            label: shown(label),
        });
    }
    Ok(name.to_owned())
}

/// Refuses what is syntactically a domain but not a company's public one; drops a leading `www.`.
fn classify(name: &str) -> Result<&str, DomainError> {
    let value = || shown(&display_form(name));
    let tld = name.rsplit('.').next().unwrap_or(name);
    if name == "localhost" || name.ends_with(".localhost") {
        return Err(DomainError::Localhost { value: value() });
    }
    let known_suffix = psl::suffix(name.as_bytes()).is_some_and(|suffix| suffix.is_known());
    if !name.contains('.') && !known_suffix {
        return Err(DomainError::SingleLabel { value: value() });
    }
    if RESERVED_TLDS.contains(&tld) {
        return Err(DomainError::ReservedTld {
            value: value(),
            tld: tld.to_owned(),
        });
    }
    if !known_suffix {
        return Err(DomainError::UnknownTld {
            value: value(),
            tld: shown(&display_form(tld)),
        });
    }
    // Repeatedly, so that parsing the result again changes nothing (`www.www.contoso.com`).
    let mut name = name;
    while let Some(rest) = name.strip_prefix("www.") {
        if psl::domain(rest.as_bytes()).is_none() {
            break;
        }
        name = rest;
    }
    if psl::domain(name.as_bytes()).is_none() {
        return Err(DomainError::PublicSuffix {
            suffix: shown(&display_form(name)),
        });
    }
    Ok(name)
}

/// Alphabets whose letters pass for one another's (homographs): one label may use only one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum LookAlikeScript {
    Latin,
    Greek,
    Cyrillic,
    Armenian,
    Cherokee,
}

impl LookAlikeScript {
    /// The alphabet of a letter, when it is one of these (by Unicode block; digits, hyphens and
    /// other scripts have none).
    fn of(c: char) -> Option<Self> {
        match u32::from(c) {
            0x41..=0x5A
            | 0x61..=0x7A
            | 0xC0..=0x2AF
            | 0x1D00..=0x1DBF
            | 0x1E00..=0x1EFF
            | 0x2C60..=0x2C7F
            | 0xA720..=0xA7FF
            | 0xAB30..=0xAB6F => Some(Self::Latin),
            0x370..=0x3FF | 0x1F00..=0x1FFF => Some(Self::Greek),
            0x400..=0x52F | 0x1C80..=0x1C8F | 0x2DE0..=0x2DFF | 0xA640..=0xA69F => {
                Some(Self::Cyrillic)
            }
            0x530..=0x58F | 0xFB13..=0xFB17 => Some(Self::Armenian),
            0x13A0..=0x13FF | 0xAB70..=0xABBF => Some(Self::Cherokee),
            _ => None,
        }
    }

    fn name(self) -> &'static str {
        match self {
            Self::Latin => "Latin",
            Self::Greek => "Greek",
            Self::Cyrillic => "Cyrillic",
            Self::Armenian => "Armenian",
            Self::Cherokee => "Cherokee",
        }
    }
}

/// Lower-case letters of other alphabets that look like Latin ones (`а`, `о`, `р` in Cyrillic...).
const LATIN_LOOK_ALIKES: &str = "асԁеһіјӏорԛѕԝхуүԍпгѵѡαικνορυχօսզցհոագ";

/// Refuses a name with a label that mixes look-alike alphabets (`gооgle.com` with Cyrillic `о`).
fn refuse_mixed_scripts(ascii: &str) -> Result<(), DomainError> {
    if !ascii.split('.').any(|label| label.starts_with("xn--")) {
        return Ok(());
    }
    let unicode = display_form(ascii);
    for label in unicode.split('.') {
        let mut scripts: Vec<LookAlikeScript> = Vec::new();
        for script in label.chars().filter_map(LookAlikeScript::of) {
            if !scripts.contains(&script) {
                scripts.push(script);
            }
        }
        if scripts.len() > 1 {
            scripts.sort_unstable();
            let names: Vec<&str> = scripts.iter().map(|script| script.name()).collect();
            let scripts = match names.split_last() {
                Some((last, [])) => (*last).to_owned(),
                Some((last, rest)) => format!("{} and {last}", rest.join(", ")),
                None => String::new(),
            };
            return Err(DomainError::MixedScripts {
                value: shown(&unicode),
                ascii: shown(ascii),
                scripts,
            });
        }
    }
    Ok(())
}

/// Whether a name under a Latin top-level domain has a label written entirely in letters of
/// another alphabet that look like Latin ones (`аррӏе.com`): shown in Unicode, it would pass
/// for a different, Latin name.
fn imitates_latin(unicode: &str) -> bool {
    let tld_is_latin = unicode.rsplit('.').next().is_some_and(|tld| tld.is_ascii());
    tld_is_latin
        && unicode.split('.').any(|label| {
            let mut letters = label.chars().filter(|c| c.is_alphabetic()).peekable();
            letters.peek().is_some()
                && letters.all(|c| {
                    LATIN_LOOK_ALIKES.contains(c)
                        && LookAlikeScript::of(c).is_some_and(|s| s != LookAlikeScript::Latin)
                })
        })
}

/// UTS-46 ToASCII without STD3 rules, so that we (not the library) can name a bad character.
fn uts46_to_ascii(text: &str) -> Result<String, ()> {
    Uts46::new()
        .to_ascii(
            text.as_bytes(),
            AsciiDenyList::EMPTY,
            Hyphens::Allow,
            DnsLength::Ignore,
        )
        .map(Cow::into_owned)
        .map_err(|_| ())
}

/// Turns a UTS-46 failure into the most specific error we can find.
fn explain_uts46_failure(host: &str) -> DomainError {
    // A character to blame fails alone and after a letter (so a combining mark or a right-to-left
    // letter, valid only in context, is not blamed for a problem elsewhere).
    let culprit = host.chars().filter(|c| !c.is_ascii()).find(|c| {
        uts46_to_ascii(&c.to_string()).is_err() && uts46_to_ascii(&format!("a{c}")).is_err()
    });
    if let Some(character) = culprit {
        return DomainError::InvalidCharacter {
            value: shown(host),
            character,
        };
    }
    // Punycode refuses labels of more than 1000 characters before any length check of ours.
    let is_dot = |c: char| matches!(c, '.' | '\u{3002}' | '\u{FF0E}' | '\u{FF61}');
    if let Some(label) = host
        .split(is_dot)
        .find(|label| label.chars().count() > MAX_LABEL_BYTES)
    {
        return DomainError::LabelTooLong {
            value: shown(host),
            label: shown(label),
        };
    }
    DomainError::InvalidInternationalName { value: shown(host) }
}

/// Characters refused as typed: ASCII other than letters, digits, `-` and `.`, and any whitespace.
fn forbidden_as_typed(c: char) -> bool {
    (c.is_ascii() && !is_ldh_or_dot(c)) || c.is_whitespace() || c.is_control()
}

/// Letters, digits, hyphen and dot: all a host name may hold in ASCII form.
fn is_ldh_or_dot(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '-' || c == '.'
}

/// Unicode form of an ASCII name for people to read; the ASCII form if it cannot be decoded.
fn display_form(ascii: &str) -> String {
    match idna::domain_to_unicode(ascii) {
        (unicode, Ok(())) => unicode,
        (_, Err(_)) => ascii.to_owned(),
    }
}

/// Text safe to repeat in a message: invisible characters spelled out, and at most [`SHOWN_CHARS`]
/// characters of the result (then `…`), however many invisible characters were typed.
fn shown(text: &str) -> String {
    let mut out = String::new();
    let mut length = 0;
    let mut spelled = String::new();
    for c in text.chars() {
        spelled.clear();
        if is_invisible(c) {
            // Writing to a String cannot fail.
            let _ = write!(spelled, "[U+{:04X}]", u32::from(c));
        } else {
            spelled.push(c);
        }
        let width = spelled.chars().count();
        if length + width > SHOWN_CHARS {
            out.push('…');
            break;
        }
        out.push_str(&spelled);
        length += width;
    }
    out
}

/// Characters that would be invisible, or would reorder the text around them, if shown as is.
fn is_invisible(c: char) -> bool {
    (c.is_whitespace() && c != ' ')
        || c.is_control()
        || matches!(
            c,
            '\u{00AD}'
                | '\u{034F}'
                | '\u{061C}'
                | '\u{115F}'
                | '\u{1160}'
                | '\u{17B4}'
                | '\u{17B5}'
                | '\u{180B}'..='\u{180F}'
                | '\u{200B}'..='\u{200F}'
                | '\u{202A}'..='\u{202E}'
                | '\u{2060}'..='\u{206F}'
                | '\u{3164}'
                | '\u{FE00}'..='\u{FE0F}'
                | '\u{FEFF}'
                | '\u{FFA0}'
                | '\u{FFF0}'..='\u{FFFB}'
                | '\u{E0000}'..='\u{E0FFF}'
        )
}

/// How a message names a character: quoted if visible, described and numbered if not.
fn describe_char(c: &char) -> String {
    match *c {
        ' ' => "a space".to_owned(),
        '\t' => "a tab (U+0009)".to_owned(),
        '\n' | '\r' => format!("a line break (U+{:04X})", u32::from(*c)),
        '\0' => "a null character (U+0000)".to_owned(),
        c if is_invisible(c) => format!("an invisible character (U+{:04X})", u32::from(c)),
        c => format!("“{c}”"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn parsed(raw: &str) -> DomainName {
        DomainName::parse(raw).unwrap()
    }

    fn refused(raw: &str) -> DomainError {
        DomainName::parse(raw).unwrap_err()
    }

    /// Every accept case: (what was pasted, the normalised ASCII form).
    const ACCEPTED: &[(&str, &str)] = &[
        ("contoso.com", "contoso.com"),
        ("Contoso.COM", "contoso.com"),
        (" contoso.com. ", "contoso.com"),
        ("\tcontoso.com\r\n", "contoso.com"),
        ("eu.contoso.com", "eu.contoso.com"),
        ("a-b.contoso.com", "a-b.contoso.com"),
        ("1password.com", "1password.com"),
        ("contoso.github.io", "contoso.github.io"),
        // URLs
        ("https://www.contoso.com/careers?x=1", "contoso.com"),
        ("http://contoso.com", "contoso.com"),
        ("HTTPS://CONTOSO.COM/", "contoso.com"),
        ("https://contoso.com./", "contoso.com"),
        ("https://contoso.com:8443/sign-in#top", "contoso.com"),
        ("http:contoso.com", "contoso.com"),
        ("//contoso.com/path", "contoso.com"),
        ("contoso.com/path/to?x", "contoso.com"),
        ("contoso.com:443", "contoso.com"),
        ("contoso.com:", "contoso.com"),
        ("contoso.com?q=1", "contoso.com"),
        ("contoso.com#fragment", "contoso.com"),
        ("https://evil.com@contoso.com/", "contoso.com"),
        ("https://user:pass@eu.contoso.com/", "eu.contoso.com"),
        ("ldap://dc01.Contoso.com:389", "dc01.contoso.com"),
        ("https://contoso.com/my page", "contoso.com"),
        // e-mail addresses
        ("someone@contoso.com", "contoso.com"),
        ("someone@Contoso.com:25", "contoso.com"),
        ("mailto:someone@contoso.com", "contoso.com"),
        ("MAILTO:someone@Contoso.com?subject=hello", "contoso.com"),
        ("\"Some One\" <someone@contoso.com>", "contoso.com"),
        ("Some One <mailto:someone@contoso.com>", "contoso.com"),
        ("<https://www.contoso.com/>", "contoso.com"),
        // international names
        ("bücher.de", "xn--bcher-kva.de"),
        ("BÜCHER.DE", "xn--bcher-kva.de"),
        ("bücher。de", "xn--bcher-kva.de"),
        ("bücher.de。", "xn--bcher-kva.de"),
        ("ｃｏｎｔｏｓｏ．ｃｏｍ", "contoso.com"),
        ("https://bücher.de/katalog", "xn--bcher-kva.de"),
        ("xn--bcher-kva.de", "xn--bcher-kva.de"),
        ("XN--BCHER-KVA.DE", "xn--bcher-kva.de"),
        ("straße.de", "xn--strae-oqa.de"),
        // www
        ("www.contoso.com", "contoso.com"),
        ("www.www.contoso.com", "contoso.com"),
        ("WWW.Contoso.co.uk", "contoso.co.uk"),
        ("www.eu.contoso.com", "eu.contoso.com"),
        ("www1.contoso.com", "www1.contoso.com"),
        ("eu.www.contoso.com", "eu.www.contoso.com"),
        ("www.co.uk", "www.co.uk"),
        ("www.com", "www.com"),
        ("www.www.co.uk", "www.co.uk"),
    ];

    #[test]
    fn what_people_paste_is_normalised() {
        for (raw, expected) in ACCEPTED {
            match DomainName::parse(raw) {
                Ok(domain) => assert_eq!(domain.as_str(), *expected, "input {raw:?}"),
                Err(error) => panic!("input {raw:?} was refused: {error}"),
            }
        }
    }

    #[test]
    fn accepted_inputs_are_stable_when_parsed_again() {
        for (raw, _) in ACCEPTED {
            let domain = parsed(raw);
            assert_eq!(DomainName::parse(domain.as_str()), Ok(domain.clone()));
            assert_eq!(DomainName::parse(&domain.to_unicode()), Ok(domain.clone()));
        }
    }

    #[test]
    fn pasted_url_keeps_only_the_host() {
        let domain = parsed("https://www.contoso.com/careers?x=1");
        assert_eq!(domain.as_str(), "contoso.com");
    }

    #[test]
    fn email_address_gives_its_domain() {
        assert_eq!(parsed("someone@contoso.com").as_str(), "contoso.com");
    }

    #[test]
    fn international_name_is_stored_as_punycode_and_shown_in_unicode() {
        let domain = parsed("Bücher.de");
        assert_eq!(domain.as_str(), "xn--bcher-kva.de");
        assert_eq!(domain.to_unicode(), "bücher.de");
        assert_eq!(domain.to_string(), "xn--bcher-kva.de");
        assert_eq!(domain.as_ref(), "xn--bcher-kva.de");
        let chinese = parsed("食狮.中国");
        assert!(chinese.as_str().is_ascii());
        assert_eq!(chinese.to_unicode(), "食狮.中国");
    }

    #[test]
    fn look_alikes_of_latin_names_are_shown_in_ascii() {
        // Cyrillic "аррӏе": every letter passes for a Latin one under a Latin top-level domain.
        let spoof = parsed("\u{430}\u{440}\u{440}\u{4cf}\u{435}.com");
        assert_eq!(spoof.to_unicode(), "xn--80ak6aa92e.com");
        // Real Cyrillic names keep their letters: some of them look like no Latin letter...
        assert_eq!(parsed("пример.com").to_unicode(), "пример.com");
        // ...or the whole name is Cyrillic, top-level domain included.
        assert_eq!(parsed("арр.рф").to_unicode(), "арр.рф");
        assert_eq!(parsed("bücher.de").to_unicode(), "bücher.de");
    }

    #[test]
    fn registrable_part_follows_the_public_suffix_list() {
        let cases = [
            ("eu.contoso.co.uk", "contoso.co.uk"),
            ("contoso.com", "contoso.com"),
            ("a.b.contoso.github.io", "contoso.github.io"),
            ("www.co.uk", "www.co.uk"),
            ("mail.bücher.de", "xn--bcher-kva.de"),
        ];
        for (raw, registrable) in cases {
            assert_eq!(parsed(raw).registrable(), registrable, "input {raw:?}");
        }
    }

    #[test]
    fn from_str_is_parse() {
        let domain: DomainName = "Contoso.com".parse().unwrap();
        assert_eq!(domain, parsed("contoso.com"));
        assert!(matches!(
            "localhost".parse::<DomainName>(),
            Err(DomainError::Localhost { .. })
        ));
    }

    #[test]
    fn serde_writes_ascii_and_reads_through_parse() {
        let domain = parsed("bücher.de");
        assert_eq!(
            serde_json::to_string(&domain).unwrap(),
            "\"xn--bcher-kva.de\""
        );
        let read: DomainName = serde_json::from_str("\"https://www.Contoso.com/\"").unwrap();
        assert_eq!(read.as_str(), "contoso.com");
        let error = serde_json::from_str::<DomainName>("\"127.0.0.1\"").unwrap_err();
        assert!(error.to_string().contains("IP address"), "{error}");
        assert!(serde_json::from_str::<DomainName>("42").is_err());
    }

    /// Every reject case: (input, expected code, text the message must contain).
    const REFUSED: &[(&str, &str, &str)] = &[
        ("", "empty", "contoso.com"),
        ("   ", "empty", "contoso.com"),
        ("\t\r\n", "empty", "contoso.com"),
        (".", "empty", "contoso.com"),
        // hosts missing or unreadable
        ("https://", "missing_host", "https://"),
        ("someone@", "missing_host", "someone@"),
        ("mailto:", "missing_host", "mailto:"),
        ("file:///etc/passwd", "missing_host", "file:///etc/passwd"),
        ("<>", "missing_host", "<>"),
        (":443", "missing_host", ":443"),
        ("contoso.com:99999", "unreadable", "contoso.com:99999"),
        (
            "https://contoso.com:99999/",
            "unreadable",
            "contoso.com:99999",
        ),
        // IP addresses in any spelling
        ("127.0.0.1", "ip_address", "127.0.0.1"),
        ("[::1]", "ip_address", "::1"),
        ("::1", "ip_address", "::1"),
        ("::ffff:127.0.0.1", "ip_address", "::ffff:127.0.0.1"),
        ("[::ffff:7f00:1]", "ip_address", "7f00:1"),
        ("fe80::1%eth0", "ip_address", "fe80::1"),
        ("0x7f.1", "ip_address", "0x7f.1"),
        ("0177.0.0.1", "ip_address", "0177.0.0.1"),
        ("2130706433", "ip_address", "2130706433"),
        ("127.1", "ip_address", "127.1"),
        ("127.0.0.1.", "ip_address", "127.0.0.1"),
        ("1.2.3.4:80", "ip_address", "1.2.3.4"),
        ("999.999.999.999", "ip_address", "999.999.999.999"),
        ("contoso.123", "ip_address", "contoso.123"),
        ("１２７.０.０.１", "ip_address", "１２７"),
        ("http://[::1]/", "ip_address", "::1"),
        (
            "http://[::ffff:127.0.0.1]:8080/",
            "ip_address",
            "[::ffff:127.0.0.1]",
        ),
        ("http://0x7f.1/", "ip_address", "127.0.0.1"),
        ("https://2130706433/", "ip_address", "127.0.0.1"),
        ("https://999.1.1.1/", "ip_address", "999.1.1.1"),
        ("someone@[127.0.0.1]", "ip_address", "127.0.0.1"),
        // this computer and single labels
        ("localhost", "localhost", "localhost"),
        ("LOCALHOST", "localhost", "localhost"),
        ("localhost.", "localhost", "localhost"),
        ("app.localhost", "localhost", "app.localhost"),
        ("localhost:8080", "localhost", "localhost"),
        ("http://localhost:3000/", "localhost", "localhost"),
        ("contoso", "single_label", "contoso"),
        ("intranet", "single_label", "intranet"),
        ("https://intranet/", "single_label", "intranet"),
        ("someone@intranet", "single_label", "intranet"),
        // DNS syntax
        ("a..b", "empty_label", "a..b"),
        ("contoso..com", "empty_label", "contoso..com"),
        (".contoso.com", "empty_label", ".contoso.com"),
        ("contoso.com..", "empty_label", "contoso.com.."),
        ("-contoso.com", "label_hyphen", "-contoso"),
        ("contoso-.com", "label_hyphen", "contoso-"),
        ("eu.-x.contoso.com", "label_hyphen", "-x"),
        // characters no host may hold
        ("a_b.com", "invalid_character", "“_”"),
        ("conto so.com", "invalid_character", "a space"),
        ("<contoso.com", "invalid_character", "“<”"),
        ("conto\"so.com", "invalid_character", "“\"”"),
        ("conto%73o.com", "invalid_character", "“%”"),
        ("contoso\\.com", "invalid_character", "“\\”"),
        ("*.contoso.com", "invalid_character", "“*”"),
        ("conto\u{0}so.com", "invalid_character", "U+0000"),
        (
            "contoso.com\r\nX-Injected: 1",
            "invalid_character",
            "U+000D",
        ),
        ("conto\u{7f}so.com", "invalid_character", "U+007F"),
        ("contoso\u{3000}inc.com", "invalid_character", "U+3000"),
        ("ｃｏｎｔｏｓｏ＿.com", "invalid_character", "“_”"),
        ("contoso.com:abc", "invalid_character", "“:”"),
        ("javascript:alert(1)", "invalid_character", "“:”"),
        ("a:b:c", "invalid_character", "“:”"),
        ("[contoso.com]", "invalid_character", "“[”"),
        ("https://conto so.com/", "invalid_character", "a space"),
        ("https://a_b.contoso.com/", "invalid_character", "“_”"),
        ("https://contoso.com%2f.evil/", "invalid_character", "“%”"),
        ("xn--bcher-kva.de\u{202e}", "invalid_character", "U+202E"),
        // international names that UTS-46 refuses
        ("a\u{5d0}.com", "invalid_international_name", "a\u{5d0}.com"),
        ("\u{301}contoso.com", "invalid_international_name", ".com"),
        ("xn--zz-.com", "invalid_international_name", "xn--zz-.com"),
        // look-alike domains: one label mixing alphabets whose letters pass for each other
        (
            "\u{430}pple.com",
            "mixed_scripts",
            "(xn--pple-43d.com) mixes Latin and Cyrillic",
        ),
        ("xn--pple-43d.com", "mixed_scripts", "“\u{430}pple.com”"),
        (
            "g\u{430}\u{261}gle.com",
            "mixed_scripts",
            "Latin and Cyrillic",
        ),
        ("paypa\u{3bf}.com", "mixed_scripts", "Latin and Greek"),
        (
            "mail.micr\u{585}soft.com",
            "mixed_scripts",
            "Latin and Armenian",
        ),
        // public suffixes, known and unknown top-level domains
        ("com", "public_suffix", "“com”"),
        ("COM.", "public_suffix", "“com”"),
        ("co.uk", "public_suffix", "such as contoso.co.uk"),
        ("github.io", "public_suffix", "“github.io”"),
        ("https://co.uk/", "public_suffix", "“co.uk”"),
        ("中国", "public_suffix", "“中国”"),
        ("contoso.con", "unknown_tld", "“.con”"),
        ("contoso.invalidtld", "unknown_tld", "“.invalidtld”"),
        ("https://www.contoso.cmo/", "unknown_tld", "“.cmo”"),
        ("contoso.local", "reserved_tld", "“.local”"),
        ("dc01.corp.internal", "reserved_tld", "“.internal”"),
        ("contoso.test", "reserved_tld", "“.test”"),
        ("contoso.invalid", "reserved_tld", "“.invalid”"),
        ("contoso.example", "reserved_tld", "“.example”"),
        ("hidden.onion", "reserved_tld", "“.onion”"),
        ("1.0.0.127.in-addr.arpa", "reserved_tld", "“.arpa”"),
        ("router.home.arpa", "reserved_tld", "“.arpa”"),
        ("nas.lan", "reserved_tld", "“.lan”"),
    ];

    #[test]
    fn every_refusal_has_its_own_code_and_names_the_problem() {
        let mut failures = Vec::new();
        for (raw, code, mention) in REFUSED {
            match DomainName::parse(raw) {
                Ok(domain) => failures.push(format!("{raw:?} was accepted as {domain}")),
                Err(error) if error.code() != *code => {
                    failures.push(format!("{raw:?} gave {}: {error}", error.code()));
                }
                Err(error) if !error.to_string().contains(mention) => {
                    failures.push(format!("{raw:?}: {error:?} should mention {mention:?}"));
                }
                Err(_) => {}
            }
        }
        assert!(failures.is_empty(), "{failures:#?}");
    }

    #[test]
    fn empty_input_asks_for_a_domain() {
        let error = refused("  ");
        assert_eq!(error, DomainError::Empty);
        assert_eq!(
            error.to_string(),
            "Enter a company domain such as contoso.com."
        );
    }

    #[test]
    fn bare_public_suffix_is_refused() {
        let error = refused("co.uk");
        assert_eq!(
            error,
            DomainError::PublicSuffix {
                suffix: "co.uk".to_owned()
            }
        );
        assert_eq!(
            error.to_string(),
            "“co.uk” is a public suffix shared by many organisations; enter your company's own domain, such as contoso.co.uk."
        );
        assert_eq!(error.code(), "public_suffix");
    }

    #[test]
    fn www_before_a_public_suffix_is_kept_not_stripped() {
        assert_eq!(parsed("www.co.uk").as_str(), "www.co.uk");
        assert_eq!(parsed("www.github.io").as_str(), "www.github.io");
    }

    #[test]
    fn ip_literals_are_refused_in_every_spelling() {
        for raw in [
            "127.0.0.1",
            "[::1]",
            "::1",
            "::ffff:127.0.0.1",
            "0x7f.1",
            "0177.0.0.1",
            "2130706433",
            "127.1",
            "1.2.3.4:80",
            "http://[::1]/",
            "169.254.169.254",
            "http://169.254.169.254/latest/meta-data/",
        ] {
            assert!(
                matches!(refused(raw), DomainError::IpAddress { .. }),
                "input {raw:?}"
            );
        }
    }

    #[test]
    fn unknown_top_level_domain_names_the_ending() {
        assert_eq!(
            refused("Contoso.CON"),
            DomainError::UnknownTld {
                value: "contoso.con".to_owned(),
                tld: "con".to_owned()
            }
        );
    }

    #[test]
    fn invalid_character_is_named_with_the_host() {
        let error = refused("https://a_b.contoso.com/x");
        assert_eq!(
            error,
            DomainError::InvalidCharacter {
                value: "a_b.contoso.com".to_owned(),
                character: '_'
            }
        );
        assert!(
            error
                .to_string()
                .starts_with("“a_b.contoso.com” contains “_”")
        );
    }

    #[test]
    fn too_long_input_is_refused_before_parsing() {
        let raw = format!("https://contoso.com/{}", "a".repeat(MAX_INPUT_BYTES));
        assert_eq!(
            refused(&raw),
            DomainError::InputTooLong {
                characters: raw.len()
            }
        );
        // The message counts what a person typed: characters, not UTF-8 bytes.
        let umlauts = "ü".repeat(MAX_INPUT_BYTES / 2 + 1);
        assert_eq!(
            refused(&umlauts).to_string(),
            format!(
                "That is too long to be a domain name ({} characters); enter just your company's \
                 domain, such as contoso.com.",
                MAX_INPUT_BYTES / 2 + 1
            )
        );
        // Exactly at the limit is still parsed.
        let at_limit = format!("contoso.com/{}", "a".repeat(MAX_INPUT_BYTES - 12));
        assert_eq!(at_limit.len(), MAX_INPUT_BYTES);
        assert_eq!(parsed(&at_limit).as_str(), "contoso.com");
    }

    #[test]
    fn names_and_labels_longer_than_dns_allows_are_refused() {
        let label = "a".repeat(63);
        assert_eq!(
            parsed(&format!("{label}.com")).as_str(),
            format!("{label}.com")
        );
        assert!(matches!(
            refused(&format!("a{label}.com")),
            DomainError::LabelTooLong { .. }
        ));
        let name = format!("{label}.{label}.{label}.{}.com", "a".repeat(57));
        assert_eq!(name.len(), 253);
        assert_eq!(parsed(&name).as_str(), name);
        assert!(matches!(
            refused(&format!("a{name}")),
            DomainError::NameTooLong { .. }
        ));
        // Too long only once encoded: 60 `ü` become a punycode label of more than 63 bytes.
        assert!(matches!(
            refused(&format!("{}.de", "ü".repeat(60))),
            DomainError::LabelTooLong { .. }
        ));
        // Too long for punycode itself.
        assert!(matches!(
            refused(&format!("{}.de", "ü".repeat(1001))),
            DomainError::LabelTooLong { .. }
        ));
    }

    #[test]
    fn messages_repeat_at_most_a_short_escaped_excerpt() {
        let raw = format!("{}_.com", "a".repeat(500));
        let DomainError::InvalidCharacter { value, character } = refused(&raw) else {
            panic!("expected an invalid character");
        };
        assert_eq!(character, '_');
        assert_eq!(value.chars().count(), SHOWN_CHARS + 1);
        assert!(value.ends_with('…'));

        let message = refused("evil\u{202e}moc.com").to_string();
        assert!(!message.contains('\u{202e}'), "{message}");
        assert!(message.contains("[U+202E]"), "{message}");
        let message = refused("conto\nso.com").to_string();
        assert!(!message.contains('\n'), "{message}");
    }

    #[test]
    fn spelled_out_invisible_characters_count_against_the_excerpt() {
        // Found by fuzzing (fuzz/regressions/domain_parse/): 61 invisible characters, each
        // spelled `[U+0000]`, made a 772-character message.
        let raw = format!("\u{301}{}", "\u{0}".repeat(60));
        let DomainError::InvalidCharacter { value, character } = refused(&raw) else {
            panic!("expected an invalid character");
        };
        assert_eq!(character, '\u{0}');
        assert!(value.starts_with("\u{301}[U+0000][U+0000]"), "{value}");
        // The mark and nine spellings fit in SHOWN_CHARS; a tenth would not.
        assert_eq!(value.chars().count(), 1 + 9 * 8 + 1, "{value}");
        assert!(value.ends_with('…'));
        assert!(refused(&raw).to_string().chars().count() < 500);
        // A spelling is never cut in half.
        let value = shown(&format!("{}\u{200b}", "a".repeat(SHOWN_CHARS - 4)));
        assert_eq!(value, format!("{}…", "a".repeat(SHOWN_CHARS - 4)));
    }

    #[test]
    fn codes_are_distinct_snake_case() {
        let mut codes: Vec<&str> = REFUSED
            .iter()
            .map(|(raw, _, _)| refused(raw).code())
            .collect();
        codes.push(refused(&"a".repeat(MAX_INPUT_BYTES + 1)).code());
        codes.push(refused(&format!("{}.com", "a".repeat(64))).code());
        codes.push(refused(&format!("{}com", "abc.".repeat(70))).code());
        codes.sort_unstable();
        codes.dedup();
        assert_eq!(codes.len(), 17, "{codes:?}");
        for code in codes {
            assert!(code.chars().all(|c| c.is_ascii_lowercase() || c == '_'));
        }
    }

    /// Checks what every accepted name must satisfy.
    fn assert_normal_form(raw: &str) -> Result<(), TestCaseError> {
        match DomainName::parse(raw) {
            Ok(domain) => {
                let ascii = domain.as_str();
                prop_assert!(ascii.is_ascii() && ascii.len() <= MAX_NAME_BYTES);
                prop_assert!(
                    ascii.chars().all(|c| c == '.'
                        || c == '-'
                        || c.is_ascii_lowercase()
                        || c.is_ascii_digit())
                );
                prop_assert!(ascii.ends_with(domain.registrable()));
                prop_assert_eq!(DomainName::parse(ascii), Ok(domain.clone()));
                prop_assert_eq!(DomainName::parse(&domain.to_unicode()), Ok(domain.clone()));
            }
            Err(error) => {
                prop_assert!(!error.code().is_empty());
                prop_assert!(error.to_string().chars().count() < 500);
            }
        }
        Ok(())
    }

    proptest! {
        // No regression files next to the source: a shrunk failure is printed, and belongs in
        // the ACCEPTED or REFUSED table as a named case.
        #![proptest_config(ProptestConfig {
            cases: 2000,
            failure_persistence: None,
            ..ProptestConfig::default()
        })]

        #[test]
        fn parse_never_panics_on_arbitrary_text(raw in any::<String>()) {
            assert_normal_form(&raw)?;
        }

        #[test]
        fn parse_never_panics_on_printable_unicode(raw in "\\PC{0,120}") {
            assert_normal_form(&raw)?;
        }

        #[test]
        fn parse_never_panics_on_hostname_like_text(
            raw in "[a-zA-Z0-9.:/@\\[\\]%_\\-?#<> \"xXwü。．ß\u{301}]{0,60}"
        ) {
            assert_normal_form(&raw)?;
        }

        #[test]
        fn normalising_twice_changes_nothing(
            labels in prop::collection::vec("(www|xn--[a-z0-9]{1,6}|[a-zA-Z0-9][a-zA-Z0-9-]{0,8})", 1..5),
            tld in prop::sample::select(vec!["com", "co.uk", "de", "github.io", "con", "local", "1", "中国"]),
            decoration in prop::sample::select(vec!["{}", "https://{}/x", "{}.", "a@{}", "{}:443", " {} "]),
        ) {
            let raw = decoration.replace("{}", &format!("{}.{tld}", labels.join(".")));
            assert_normal_form(&raw)?;
        }

        #[test]
        fn ordinary_domains_are_accepted_and_kept(
            labels in prop::collection::vec("[a-z][a-z0-9-]{0,10}[a-z0-9]", 1..4),
            tld in prop::sample::select(vec!["com", "co.uk", "de", "org", "io", "github.io"]),
        ) {
            prop_assume!(labels.iter().all(|label| label != "www" && !label.starts_with("xn--")));
            let name = format!("{}.{tld}", labels.join("."));
            // Random labels can hit private suffixes such as `x0.com`.
            prop_assume!(psl::domain(name.as_bytes()).is_some());
            let domain = DomainName::parse(&name.to_uppercase());
            prop_assert_eq!(domain.as_ref().map(DomainName::as_str), Ok(name.as_str()));
        }

        #[test]
        fn international_domains_round_trip_through_unicode(
            // One alphabet per label (Han mixes with either): mixing Latin and Cyrillic is refused.
            labels in prop::collection::vec(prop_oneof![
                "[a-zäöüßéñçøåæ\u{4e00}-\u{9fa5}]{1,12}",
                "[\u{4e00}-\u{9fa5}\u{430}-\u{44f}]{1,12}",
            ], 1..3),
            tld in prop::sample::select(vec!["com", "de", "рф", "中国"]),
        ) {
            let name = format!("{}.{tld}", labels.join("."));
            let domain = DomainName::parse(&name);
            prop_assert!(domain.is_ok(), "{} was refused: {:?}", name, domain);
            assert_normal_form(&name)?;
        }
    }
}
