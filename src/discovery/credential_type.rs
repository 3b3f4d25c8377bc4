//! Credential type → the tenant's sign-in branding per locale.
//!
//! `POST https://{login host}/common/GetCredentialType` with `{"username":"probe@{domain}"}`.
//! Throttling arrives INSIDE an HTTP 200 (`ThrottleStatus` ≠ 0 or `IfExistsResult` 2): then the
//! branding is unknown, never "none". Fields that describe a user rather than the tenant are ignored.

use serde::Deserialize;
use serde_json::json;
use url::Url;

use super::LookupError;
use crate::branding::palette::Rgb;
use crate::domain::DomainName;
use crate::net::OutboundClient;
use crate::net::client::JSON_CAP;
use crate::profile::Branding;

/// What GetCredentialType says about the tenant's branding.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BrandingOutcome {
    /// Branding entries, default locale (0) first.
    Branded(Vec<Branding>),
    /// The tenant has no custom branding.
    Unbranded,
    /// Microsoft throttled the call; branding is unknown this time.
    Throttled,
}

/// Longest sign-in text we keep (Microsoft allows 1024 characters).
const SIGN_IN_TEXT_LIMIT: usize = 1024;
/// `IfExistsResult` value for a throttled answer.
const IF_EXISTS_THROTTLED: i64 = 2;

#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
struct Answer {
    if_exists_result: Option<i64>,
    throttle_status: Option<i64>,
    ests_properties: Option<EstsProperties>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
struct EstsProperties {
    user_tenant_branding: Option<Vec<Entry>>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
struct Entry {
    locale: Option<i32>,
    banner_logo: Option<String>,
    tile_logo: Option<String>,
    tile_dark_logo: Option<String>,
    illustration: Option<String>,
    background_color: Option<String>,
    boiler_plate_text: Option<String>,
    user_id_label: Option<String>,
}

/// Ask `login_host` for the branding of `domain`'s tenant.
pub async fn fetch(
    client: &OutboundClient,
    login_host: &str,
    domain: &DomainName,
) -> Result<BrandingOutcome, LookupError> {
    let url = Url::parse(&format!("https://{login_host}/common/GetCredentialType"))
        .map_err(|error| LookupError::Malformed(error.to_string()))?;
    let body = json!({ "username": format!("probe@{}", domain.as_str()) });
    let response = client.post_json(url, body, JSON_CAP).await?;
    match response.status.as_u16() {
        200 => parse(&response.body),
        429 => Err(LookupError::Throttled),
        other => Err(LookupError::Status(other)),
    }
}

/// Interpret a 200 answer (pure).
pub fn parse(body: &[u8]) -> Result<BrandingOutcome, LookupError> {
    let answer: Answer = serde_json::from_slice(body)
        .map_err(|error| LookupError::Malformed(format!("credential type: {error}")))?;
    if answer.throttle_status.unwrap_or(0) != 0
        || answer.if_exists_result == Some(IF_EXISTS_THROTTLED)
    {
        return Ok(BrandingOutcome::Throttled);
    }
    let mut brandings: Vec<Branding> = answer
        .ests_properties
        .and_then(|properties| properties.user_tenant_branding)
        .unwrap_or_default()
        .into_iter()
        .map(branding_from)
        .filter(|branding| !branding.is_empty())
        .collect();
    // One entry per locale, default first (Microsoft already sends it first; don't rely on it).
    brandings.sort_by_key(|branding| branding.locale);
    brandings.dedup_by_key(|branding| branding.locale);
    if brandings.is_empty() {
        Ok(BrandingOutcome::Unbranded)
    } else {
        Ok(BrandingOutcome::Branded(brandings))
    }
}

fn branding_from(entry: Entry) -> Branding {
    Branding {
        locale: entry.locale.unwrap_or(0),
        banner_logo_url: image_url(entry.banner_logo),
        square_logo_url: image_url(entry.tile_logo),
        square_logo_dark_url: image_url(entry.tile_dark_logo),
        illustration_url: image_url(entry.illustration),
        background_color: entry.background_color.as_deref().and_then(hex_colour),
        sign_in_text: entry.boiler_plate_text.as_deref().and_then(plain_text),
        username_hint: entry
            .user_id_label
            .as_deref()
            .and_then(plain_text)
            .map(|hint| hint.chars().take(128).collect()),
        ..Branding::default()
    }
}

/// An https URL as sent; anything else is dropped (the branding step only fetches allowed hosts).
fn image_url(value: Option<String>) -> Option<String> {
    let value = value?;
    let url = Url::parse(value.trim()).ok()?;
    (url.scheme() == "https" && url.host_str().is_some()).then(|| url.to_string())
}

/// `#rrggbb` (or `#rgb`), normalised to upper-case six digits; anything else is dropped.
pub fn hex_colour(value: &str) -> Option<String> {
    Rgb::parse_hex(value).map(|colour| colour.to_hex())
}

/// The visible text of Microsoft's HTML, with paragraphs and line breaks kept as newlines.
pub fn plain_text(html: &str) -> Option<String> {
    // Mark block boundaries before parsing, so "<p>a</p><p>b</p>" doesn't become "ab".
    let marked = html
        .replace("<br", "\n<br")
        .replace("<BR", "\n<BR")
        .replace("</p>", "</p>\n")
        .replace("</P>", "</P>\n");
    let fragment = scraper::Html::parse_fragment(&marked);
    let mut text = String::new();
    for node in fragment.root_element().descendants() {
        let Some(piece) = node.value().as_text() else {
            continue;
        };
        // Script and style bodies are code, not words anyone should read.
        let inside_code = node.ancestors().any(|ancestor| {
            ancestor
                .value()
                .as_element()
                .is_some_and(|element| matches!(element.name(), "script" | "style"))
        });
        if !inside_code {
            text.push_str(piece);
        }
    }
    let lines: Vec<String> = text
        .lines()
        .map(|line| line.split_whitespace().collect::<Vec<_>>().join(" "))
        .filter(|line| !line.is_empty())
        .collect();
    let trimmed: String = lines
        .join("\n")
        .chars()
        // Bidi controls and other invisible format characters would make the text read as
        // something else than it says.
        .filter(|c| (!c.is_control() || *c == '\n') && !crate::invisible::is_invisible(*c))
        .take(SIGN_IN_TEXT_LIMIT)
        .collect();
    (!trimmed.is_empty()).then_some(trimmed)
}

#[cfg(test)]
mod tests {
    use super::*;

    const BRANDED: &str = r##"{"Username":"probe@contoso.com","Display":"probe@contoso.com","IfExistsResult":1,"IsUnmanaged":false,"ThrottleStatus":0,"Credentials":{"PrefCredential":1,"HasPassword":true},"EstsProperties":{"DomainType":3,"UserTenantBranding":[{"Locale":0,"BannerLogo":"https://aadcdn.msftauthimages.net/dbd5a2dd-abc/logintenantbranding/0/bannerlogo?ts=637","TileLogo":"https://aadcdn.msftauthimages.net/dbd5a2dd-abc/logintenantbranding/0/tilelogo?ts=637","TileDarkLogo":"https://aadcdn.msftauthimages.net/dbd5a2dd-abc/logintenantbranding/0/squarelogodark?ts=637","Illustration":"https://aadcdn.msftauthimages.net/dbd5a2dd-abc/logintenantbranding/0/illustration?ts=637","BackgroundColor":"#0072C6","BoilerPlateText":"<p>Sign in with your Contoso account.</p>\n","UserIdLabel":"someone@contoso.com","KeepMeSignedInDisabled":false,"UseTransparentLightBox":false},{"Locale":1031,"BackgroundColor":"#004578"}]}}"##;

    #[test]
    fn branded_tenant_yields_default_locale_first() {
        let BrandingOutcome::Branded(brandings) = parse(BRANDED.as_bytes()).unwrap() else {
            panic!("expected branding");
        };
        assert_eq!(brandings.len(), 2);
        let default = &brandings[0];
        assert_eq!(default.locale, 0);
        assert!(
            default
                .banner_logo_url
                .as_deref()
                .unwrap()
                .ends_with("bannerlogo?ts=637")
        );
        assert!(default.square_logo_dark_url.is_some());
        assert!(default.illustration_url.is_some());
        assert_eq!(default.background_color.as_deref(), Some("#0072C6"));
        assert_eq!(
            default.sign_in_text.as_deref(),
            Some("Sign in with your Contoso account.")
        );
        assert_eq!(
            default.username_hint.as_deref(),
            Some("someone@contoso.com")
        );
        assert_eq!(brandings[1].locale, 1031);
        assert_eq!(brandings[1].background_color.as_deref(), Some("#004578"));
    }

    #[test]
    fn no_branding_is_unbranded() {
        for body in [
            r#"{"IfExistsResult":1,"ThrottleStatus":0,"EstsProperties":{"DomainType":3,"UserTenantBranding":null}}"#,
            r#"{"IfExistsResult":1,"ThrottleStatus":0,"EstsProperties":{"DomainType":3}}"#,
            r#"{"IfExistsResult":1}"#,
            r#"{"EstsProperties":{"UserTenantBranding":[{"Locale":0}]}}"#,
        ] {
            assert_eq!(
                parse(body.as_bytes()).unwrap(),
                BrandingOutcome::Unbranded,
                "{body}"
            );
        }
    }

    #[test]
    fn throttling_inside_a_200_is_unknown_not_none() {
        for body in [
            r#"{"IfExistsResult":2,"ThrottleStatus":0}"#,
            r#"{"IfExistsResult":1,"ThrottleStatus":1}"#,
        ] {
            assert_eq!(
                parse(body.as_bytes()).unwrap(),
                BrandingOutcome::Throttled,
                "{body}"
            );
        }
    }

    #[test]
    fn sign_in_text_loses_invisible_format_characters() {
        assert_eq!(
            plain_text("<p>Call \u{202E}0010 555 524 1+\u{202C} for help\u{200B}</p>").as_deref(),
            Some("Call 0010 555 524 1+ for help")
        );
    }

    #[test]
    fn sign_in_text_becomes_plain_text() {
        assert_eq!(
            plain_text("<p>Hello <b>world</b></p><p>Second&nbsp;line &amp; more</p>").as_deref(),
            Some("Hello world\nSecond line & more")
        );
        assert_eq!(
            plain_text("<script>alert(1)</script><p>Visible</p>").as_deref(),
            Some("Visible")
        );
        assert_eq!(
            plain_text("line one<br/>line two").as_deref(),
            Some("line one\nline two")
        );
        assert_eq!(plain_text("   <p> </p>"), None);
    }

    #[test]
    fn colours_and_urls_are_validated() {
        assert_eq!(hex_colour("#0072c6").as_deref(), Some("#0072C6"));
        assert_eq!(hex_colour("#abc").as_deref(), Some("#AABBCC"));
        assert_eq!(hex_colour("red"), None);
        assert_eq!(hex_colour("#12345"), None);
        assert_eq!(hex_colour("#GGGGGG"), None);
        assert_eq!(image_url(Some("javascript:alert(1)".into())), None);
        assert_eq!(
            image_url(Some("http://aadcdn.msftauthimages.net/x".into())),
            None
        );
    }
}
