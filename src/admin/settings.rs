//! Tenant settings: what admins may change and how each value is checked. Every text field loses
//! its invisible format characters (bidi controls, zero-width characters: [`crate::invisible`])
//! before it is checked, stored or shown. What the pages read is in `customizations.rs`.

use std::borrow::Cow;

use crate::branding::palette;
use crate::domain::DomainName;
use crate::invisible;
use crate::store::models::SettingsUpdate;

use super::customizations::{Customization, policy_as_stored};

/// Longest intro message, in characters.
pub const INTRO_MAX_CHARS: usize = 500;
/// Short link length bounds, in characters.
pub const SLUG_LENGTH: (usize, usize) = (3, 40);
/// Words a short link may not be: they name our own routes, could pass for them, or would read
/// as Microsoft's or our own sign-in and security pages on our domain, whoever owns a domain
/// called so.
pub const RESERVED_SLUGS: &[&str] = &[
    "about",
    "account",
    "accounts",
    "admin",
    "aka",
    "api",
    "assets",
    "authenticator",
    "authwalk",
    "azure",
    "entra",
    "go",
    "healthz",
    "help",
    "login",
    "logout",
    "microsoft",
    "mysignins",
    "office",
    "outlook",
    "passkey",
    "passkeys",
    "password",
    "readyz",
    "security",
    "signin",
    "signout",
    "sso",
    "static",
    "support",
    "t",
    "verify",
    "www",
];

/// The settings form as typed (every field a string, echoed back on errors).
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Deserialize)]
#[serde(default)]
pub struct SettingsForm {
    /// `#rrggbb`, or empty for the automatic colour.
    pub brand_color: String,
    /// `authenticator_only` or `synced_allowed`.
    pub passkey_policy: String,
    /// Helpdesk email address.
    pub helpdesk_email: String,
    /// Helpdesk phone number.
    pub helpdesk_phone: String,
    /// Helpdesk web address.
    pub helpdesk_url: String,
    /// Plain-text message from IT.
    pub intro_message: String,
    /// The short link.
    pub short_slug: String,
}

/// A message per field that was refused.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FieldErrors {
    /// Brand colour.
    pub brand_color: Option<String>,
    /// Passkey policy.
    pub passkey_policy: Option<String>,
    /// Helpdesk email.
    pub helpdesk_email: Option<String>,
    /// Helpdesk phone.
    pub helpdesk_phone: Option<String>,
    /// Helpdesk URL.
    pub helpdesk_url: Option<String>,
    /// Intro message.
    pub intro_message: Option<String>,
    /// Short link.
    pub short_slug: Option<String>,
}

impl FieldErrors {
    /// Whether no field was refused.
    pub fn is_empty(&self) -> bool {
        *self == FieldErrors::default()
    }
}

impl SettingsForm {
    /// The form filled with what is stored.
    pub fn from_customization(customization: &Customization) -> Self {
        let helpdesk = customization.settings.helpdesk.clone().unwrap_or_default();
        Self {
            brand_color: customization.brand_color.clone().unwrap_or_default(),
            passkey_policy: policy_as_stored(customization.settings.passkey_policy).to_owned(),
            helpdesk_email: helpdesk.email.unwrap_or_default(),
            helpdesk_phone: helpdesk.phone.unwrap_or_default(),
            helpdesk_url: helpdesk.url.unwrap_or_default(),
            intro_message: customization
                .settings
                .intro_message
                .clone()
                .unwrap_or_default(),
            short_slug: customization.short_slug.clone().unwrap_or_default(),
        }
    }

    /// Check every field; the update to store, or a message beside each refused field.
    pub fn validate(&self) -> Result<SettingsUpdate, Box<FieldErrors>> {
        let mut errors = FieldErrors::default();
        let keep = |result: Result<Option<String>, String>, slot: &mut Option<String>| {
            result.unwrap_or_else(|message| {
                *slot = Some(message);
                None
            })
        };
        let brand_color = keep(brand_colour(&self.brand_color), &mut errors.brand_color);
        let passkey_policy = keep(
            passkey_policy(&self.passkey_policy).map(Some),
            &mut errors.passkey_policy,
        );
        let update = SettingsUpdate {
            brand_color,
            passkey_policy: passkey_policy.unwrap_or_default(),
            helpdesk_email: keep(email(&self.helpdesk_email), &mut errors.helpdesk_email),
            helpdesk_phone: keep(phone(&self.helpdesk_phone), &mut errors.helpdesk_phone),
            helpdesk_url: keep(web_address(&self.helpdesk_url), &mut errors.helpdesk_url),
            intro_message: keep(
                intro_message(&self.intro_message),
                &mut errors.intro_message,
            ),
            short_slug: keep(short_slug(&self.short_slug), &mut errors.short_slug),
        };
        if errors.is_empty() {
            Ok(update)
        } else {
            Err(Box::new(errors))
        }
    }
}

/// The field without invisible format characters, trimmed; `None` when nothing is left.
fn optional(value: &str) -> Option<Cow<'_, str>> {
    let visible = invisible::strip(value.trim());
    let trimmed = visible.trim();
    if trimmed.is_empty() {
        return None;
    }
    Some(match visible {
        Cow::Borrowed(text) => Cow::Borrowed(text.trim()),
        Cow::Owned(text) => Cow::Owned(text.trim().to_owned()),
    })
}

/// The admin's colour override: readable as a button on our pages (WCAG AA), stored lower case.
pub fn brand_colour(value: &str) -> Result<Option<String>, String> {
    let Some(value) = optional(value) else {
        return Ok(None);
    };
    palette::check_admin_colour(&value)
        .map(|colour| Some(colour.to_hex().to_ascii_lowercase()))
        .map_err(|error| error.to_string())
}

fn passkey_policy(value: &str) -> Result<String, String> {
    match value.trim() {
        "" | "authenticator_only" => Ok("authenticator_only".into()),
        "synced_allowed" => Ok("synced_allowed".into()),
        _ => Err("Choose one of the two passkey policies.".into()),
    }
}

/// Characters that would turn a `mailto:` link into more than an address: a subject, copies, a
/// body (`?`, `&`, `=`), an escape (`%`) or a fragment (`#`).
pub const EMAIL_LINK_CHARACTERS: &[char] = &['?', '&', '=', '%', '#'];

/// A helpdesk email address: a plain address, one `@`, a local part of letters, digits and
/// `. _ + - '`, and a public domain. Nothing in it needs percent-encoding in a `mailto:` link
/// (see [`mailto_href`]), so the address shown is exactly the address the link writes to.
pub fn email(value: &str) -> Result<Option<String>, String> {
    let Some(value) = optional(value) else {
        return Ok(None);
    };
    let refuse = |why: &str| {
        Err(format!(
            "“{}” isn't an email address we can use: {why}.",
            shown(&value)
        ))
    };
    if value.chars().count() > 254 {
        return refuse("it is longer than 254 characters");
    }
    if let Some(c) = value.chars().find(|c| EMAIL_LINK_CHARACTERS.contains(c)) {
        return refuse(&format!(
            "it contains “{c}”; a helpdesk address is a plain address such as \
             helpdesk@contoso.com, without ?, &, =, % or #, which would add a subject, copies or \
             text to the email employees write"
        ));
    }
    let Some((local, domain)) = value.rsplit_once('@') else {
        return refuse("it has no @, as in helpdesk@contoso.com");
    };
    if local.is_empty() || local.len() > 64 {
        return refuse("the part before the @ must be 1 to 64 characters");
    }
    let plain = |c: char| c.is_ascii_alphanumeric() || "._+-'".contains(c);
    if !local.chars().all(plain)
        || local.starts_with('.')
        || local.ends_with('.')
        || local.contains("..")
    {
        return refuse("the part before the @ has a space or a character addresses can't have");
    }
    let parsed = match DomainName::parse(domain) {
        Ok(parsed) if !domain.ends_with('.') && !domain.contains(['/', ':']) => parsed,
        _ => return refuse("the part after the @ isn't a public domain such as contoso.com"),
    };
    // Stored as judged: the domain normalised (lower case, full-width letters and dots mapped), so
    // the address shown and written to is the one checked, not a look-alike spelling of it.
    Ok(Some(format!("{local}@{}", parsed.to_unicode())))
}

/// The `mailto:` link of a helpdesk address (the walkthrough writes it; the rule is its).
pub use crate::walkthrough::mailto_href;

/// A helpdesk phone number: digits, spaces and `+ ( ) - .`, with 5 to 20 digits.
pub fn phone(value: &str) -> Result<Option<String>, String> {
    let Some(value) = optional(value) else {
        return Ok(None);
    };
    let refuse = |why: &str| {
        Err(format!(
            "“{}” isn't a phone number we can show: {why}.",
            shown(&value)
        ))
    };
    if let Some(c) = value
        .chars()
        .find(|c| !(c.is_ascii_digit() || " +()-.".contains(*c)))
    {
        return refuse(&format!(
            "it contains “{c}”; use only digits, spaces and + ( ) - ."
        ));
    }
    if value.char_indices().any(|(i, c)| c == '+' && i != 0) {
        return refuse("a + may only start the number, as in +1 425 555 0100");
    }
    let digits = value.chars().filter(char::is_ascii_digit).count();
    if !(5..=20).contains(&digits) {
        return refuse("a phone number has 5 to 20 digits");
    }
    Ok(Some(value.split_whitespace().collect::<Vec<_>>().join(" ")))
}

/// A helpdesk web address: `https://` (or `http://`) with a host.
pub fn web_address(value: &str) -> Result<Option<String>, String> {
    let Some(value) = optional(value) else {
        return Ok(None);
    };
    let refuse = |why: &str| {
        Err(format!(
            "“{}” isn't a web address we can link to: {why}.",
            shown(&value)
        ))
    };
    if value.len() > 2048 {
        return refuse("it is longer than 2048 characters");
    }
    let url = match url::Url::parse(&value) {
        Ok(url) => url,
        Err(url::ParseError::RelativeUrlWithoutBase) => {
            return refuse("start it with https://, as in https://help.contoso.com");
        }
        Err(error) => return refuse(&error.to_string()),
    };
    if !matches!(url.scheme(), "https" | "http") {
        return refuse("only https:// (or http://) addresses can be linked");
    }
    let has_domain = url
        .host_str()
        .is_some_and(|host| DomainName::parse(host).is_ok());
    if !has_domain {
        return refuse("it needs a public host name, as in https://help.contoso.com");
    }
    if !url.username().is_empty() || url.password().is_some() {
        return refuse("it must not contain a user name or password");
    }
    Ok(Some(url.to_string()))
}

/// The intro message: plain text, at most 500 characters, line breaks but no other control
/// characters.
pub fn intro_message(value: &str) -> Result<Option<String>, String> {
    let normalised = value.replace("\r\n", "\n").replace('\r', "\n");
    let Some(text) = optional(&normalised) else {
        return Ok(None);
    };
    let text = text.as_ref();
    if let Some(c) = text.chars().find(|c| c.is_control() && *c != '\n') {
        return Err(format!(
            "The message contains an invisible control character (U+{:04X}); remove it and use \
             plain text.",
            u32::from(c)
        ));
    }
    let count = text.chars().count();
    if count > INTRO_MAX_CHARS {
        return Err(format!(
            "The message is {count} characters long; keep it to {INTRO_MAX_CHARS}."
        ));
    }
    Ok(Some(text.to_owned()))
}

/// The short link: 3–40 of `a-z 0-9 -`, no leading or trailing hyphen, not a reserved word.
pub fn short_slug(value: &str) -> Result<Option<String>, String> {
    let Some(slug) = optional(value) else {
        return Ok(None);
    };
    let slug = slug.to_ascii_lowercase();
    let count = slug.chars().count();
    if count < SLUG_LENGTH.0 || count > SLUG_LENGTH.1 {
        return Err(format!(
            "A short link has {} to {} characters; “{}” has {count}.",
            SLUG_LENGTH.0,
            SLUG_LENGTH.1,
            shown(&slug)
        ));
    }
    if let Some(c) = slug
        .chars()
        .find(|c| !(c.is_ascii_lowercase() || c.is_ascii_digit() || *c == '-'))
    {
        return Err(format!(
            "A short link may use only letters a–z, digits and hyphens; “{c}” isn't allowed."
        ));
    }
    if slug.starts_with('-') || slug.ends_with('-') {
        return Err("A short link can't start or end with a hyphen.".into());
    }
    if RESERVED_SLUGS.contains(&slug.as_str()) {
        return Err(format!("“{slug}” is reserved; choose another short link."));
    }
    Ok(Some(slug))
}

/// The names a short link of a tenant may be: the name each of its active (verified or approved)
/// domains is registered under (`contoso` for `contoso.com` and `dept.contoso.co.uk`), alone or
/// followed by one label below it (`contoso-dept`). A subdomain's label alone is not enough: a
/// tenant can add any subdomain of its own domain (`microsoft.contoso.com`), so it would let
/// anyone put another company's name on our domain. Labels are compared in their ASCII (punycode)
/// form, as domain names are stored.
pub fn slug_labels<'a>(domains: impl IntoIterator<Item = &'a DomainName>) -> Vec<String> {
    let mut labels: Vec<String> = domains
        .into_iter()
        .flat_map(|domain| {
            let registrable = domain.registrable();
            let Some(own) = registrable.split('.').next().filter(|own| !own.is_empty()) else {
                return Vec::new();
            };
            let below = domain
                .as_str()
                .strip_suffix(registrable)
                .unwrap_or_default()
                .split('.')
                .filter(|label| !label.is_empty())
                .map(|label| format!("{own}-{label}"));
            std::iter::once(own.to_owned()).chain(below).collect()
        })
        .collect();
    labels.sort();
    labels.dedup();
    labels
}

/// The message beside the short-link field when the slug is not one of the tenant's names.
pub fn slug_not_own_message(slug: &str, labels: &[String]) -> String {
    let choices = labels
        .iter()
        .map(|label| format!("“{label}”"))
        .collect::<Vec<_>>()
        .join(", ");
    format!(
        "A short link must be the name one of your verified domains is registered under, alone \
         or followed by one of its subdomains, so that nobody can pass for another company on \
         our site; “{slug}” isn't. Choose one of {choices}."
    )
}

/// The message beside the short-link field when another tenant has it.
pub fn slug_taken_message(slug: &str) -> String {
    format!("The short link “{slug}” is already taken; choose another.")
}

/// A refused value as repeated in a message (shortened).
fn shown(value: &str) -> String {
    const SHOWN_CHARS: usize = 60;
    if value.chars().count() <= SHOWN_CHARS {
        value.to_owned()
    } else {
        let mut cut: String = value.chars().take(SHOWN_CHARS - 1).collect();
        cut.push('…');
        cut
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn colours_are_checked_for_contrast_and_stored_lower_case() {
        assert_eq!(brand_colour(""), Ok(None));
        assert_eq!(brand_colour("#0072C6"), Ok(Some("#0072c6".into())));
        let pale = brand_colour("#ffff00").unwrap_err();
        assert!(pale.contains(":1"), "the measured ratio is named: {pale}");
        assert!(brand_colour("blue").unwrap_err().contains("#RRGGBB"));
    }

    #[test]
    fn emails_phones_and_urls_are_sane() {
        assert_eq!(
            email(" helpdesk@contoso.com "),
            Ok(Some("helpdesk@contoso.com".into()))
        );
        for bad in [
            "helpdesk",
            "@contoso.com",
            "a b@contoso.com",
            "x@localhost",
            "x@10.0.0.1",
            "x@contoso",
        ] {
            assert!(email(bad).is_err(), "{bad}");
        }
        assert_eq!(
            phone("+1 (425)  555-0100"),
            Ok(Some("+1 (425) 555-0100".into()))
        );
        for bad in ["call us", "12", "1+2345678", "+44 20 7946 0958 ext 2"] {
            assert!(phone(bad).is_err(), "{bad}");
        }
        assert_eq!(
            web_address("https://help.contoso.com/passkeys"),
            Ok(Some("https://help.contoso.com/passkeys".into()))
        );
        for bad in [
            "help.contoso.com",
            "javascript:alert(1)",
            "ftp://contoso.com",
            "https://127.0.0.1/",
            "https://user:pw@contoso.com/",
        ] {
            assert!(web_address(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn intro_messages_are_short_plain_text() {
        assert_eq!(intro_message("  "), Ok(None));
        assert_eq!(
            intro_message("Hello\r\nteam"),
            Ok(Some("Hello\nteam".into()))
        );
        assert!(intro_message(&"é".repeat(500)).is_ok());
        let long = intro_message(&"a".repeat(501)).unwrap_err();
        assert!(long.contains("501"), "{long}");
        assert!(intro_message("bell\u{7}").unwrap_err().contains("U+0007"));
    }

    #[test]
    fn short_links_follow_the_rules() {
        assert_eq!(short_slug("Contoso-IT"), Ok(Some("contoso-it".into())));
        assert_eq!(short_slug(""), Ok(None));
        for bad in [
            "ab",
            "-contoso",
            "contoso-",
            "con toso",
            "admin",
            "assets",
            "Microsoft",
            "MySignIns",
            "passkeys",
            &"a".repeat(41),
        ] {
            assert!(short_slug(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn a_form_with_errors_names_each_refused_field() {
        let form = SettingsForm {
            brand_color: "#ffff00".into(),
            passkey_policy: "synced_allowed".into(),
            helpdesk_email: "nope".into(),
            helpdesk_phone: "+1 425 555 0100".into(),
            helpdesk_url: String::new(),
            intro_message: "x".repeat(501),
            short_slug: "contoso".into(),
        };
        let errors = form.validate().unwrap_err();
        assert!(errors.brand_color.is_some());
        assert!(errors.helpdesk_email.is_some());
        assert!(errors.intro_message.is_some());
        assert!(errors.helpdesk_phone.is_none() && errors.short_slug.is_none());
        let fixed = SettingsForm {
            brand_color: "#0072c6".into(),
            helpdesk_email: "it@contoso.com".into(),
            intro_message: "Hi".into(),
            ..form
        };
        let update = fixed.validate().unwrap();
        assert_eq!(update.passkey_policy, "synced_allowed");
        assert_eq!(update.short_slug.as_deref(), Some("contoso"));
    }

    #[test]
    fn invisible_format_characters_are_removed_from_every_text_field() {
        let rlo = "\u{202E}";
        assert_eq!(
            intro_message(&format!("Call {rlo}0010 555 524 1+{rlo} now")),
            Ok(Some("Call 0010 555 524 1+ now".into()))
        );
        assert_eq!(
            phone("+1\u{200B} 425 555\u{2066} 0100"),
            Ok(Some("+1 425 555 0100".into()))
        );
        assert_eq!(
            email("help\u{200D}desk@contoso.com\u{FEFF}"),
            Ok(Some("helpdesk@contoso.com".into()))
        );
        assert_eq!(
            web_address("https://help.contoso.com/\u{202E}moc.live"),
            Ok(Some("https://help.contoso.com/moc.live".into()))
        );
        assert_eq!(
            intro_message("\u{200B}\u{200B}"),
            Ok(None),
            "nothing visible left"
        );
    }

    #[test]
    fn a_helpdesk_email_is_a_plain_address_that_needs_no_encoding_in_its_link() {
        for (bad, says) in [
            ("help@contoso.com?subject=Reset", "“?”"),
            ("help@contoso.com?cc=boss@contoso.com", "“?”"),
            ("help&bcc=all@contoso.com", "“&”"),
            ("help%40evil.example@contoso.com", "“%”"),
            ("help=1@contoso.com", "“="),
            ("help#x@contoso.com", "“#”"),
        ] {
            let message = email(bad).unwrap_err();
            assert!(message.contains(says), "{bad}: {message}");
            assert!(message.contains("plain address"), "{bad}: {message}");
        }
        for bad in [
            "he/lp@contoso.com",
            "{help}@contoso.com",
            "h|p@contoso.com",
            "hé@contoso.com",
        ] {
            assert!(email(bad).is_err(), "{bad}");
        }
        for (typed, stored) in [
            ("help@CONTOSO.com", "help@contoso.com"),
            ("help@ｃｏｎｔｏｓｏ。com", "help@contoso.com"),
            ("help@xn--bcher-kva.de", "help@bücher.de"),
        ] {
            assert_eq!(email(typed), Ok(Some(stored.to_owned())), "{typed}");
        }
        for good in [
            "helpdesk@contoso.com",
            "it.help+passkeys@contoso.com",
            "o'brien-desk_1@dept.contoso.co.uk",
        ] {
            let stored = email(good).unwrap().unwrap();
            assert_eq!(mailto_href(&stored), format!("mailto:{good}"), "{good}");
        }
        assert_eq!(
            mailto_href("help@bücher.de"),
            "mailto:help@b%C3%BCcher.de",
            "only an internationalised domain's UTF-8 is encoded"
        );
    }

    #[test]
    fn short_links_may_only_be_names_of_the_tenants_own_domains() {
        let domains = ["dept.contoso.co.uk", "contoso.com", "xn--bcher-kva.de"]
            .map(|domain| DomainName::parse(domain).unwrap());
        assert_eq!(
            slug_labels(domains.iter()),
            ["contoso", "contoso-dept", "xn--bcher-kva"]
        );
        let message = slug_not_own_message("microsoft", &slug_labels(domains.iter()));
        assert!(message.contains("“microsoft” isn't"), "{message}");
        assert!(message.contains("“contoso”, “contoso-dept”"), "{message}");
        // A subdomain named after another company gives its name to nobody.
        let borrowed = [DomainName::parse("fabrikam.contoso.com").unwrap()];
        assert_eq!(
            slug_labels(borrowed.iter()),
            ["contoso", "contoso-fabrikam"]
        );
        // An internationalised domain is named by its ASCII form; the Unicode form is no slug.
        let idn = [DomainName::parse("bücher.de").unwrap()];
        assert_eq!(slug_labels(idn.iter()), ["xn--bcher-kva"]);
        assert!(short_slug("bücher").is_err());
    }
}
