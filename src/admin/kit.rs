//! The rollout kit: what the announcement email says, the advice for the admin running the
//! rollout, and the link's QR code as a PNG.

use std::io::Cursor;

use image::codecs::png::PngEncoder;
use image::{ExtendedColorType, GrayImage, ImageEncoder, Luma};
use qrcode::{Color, EcLevel, QrCode};

use crate::walkthrough::text;
use crate::walkthrough::{Helpdesk, PasskeyPolicy};

/// Advice for the admin (from the rollout guide), shown beside the kit, never sent to employees.
pub const ROLLOUT_ADVICE: [&str; 6] = [
    "Send the announcement with the ONE link below: it adapts to each person's device, so nobody \
     has to read past instructions for phones they don't have.",
    "Expect helpdesk volume to spike in the first 48 hours after the announcement, then taper: \
     have people ready, and put the helpdesk contact in the settings so every page shows it.",
    "Pilot on real Samsung, Pixel, iPhone and Windows devices before announcing to everyone: a \
     Pixel's screens do not predict a Samsung's.",
    "Watch the adoption figures on the dashboard during the rollout (visits, completions, errors \
     by device) and follow up where people get stuck.",
    "Check your Conditional Access policies first (Microsoft Learn: Enable and support passkeys \
     in Authenticator). A policy that requires a passkey for all resources asks people for a \
     passkey before they can add one: let your mobile policy accept Temporary Access Passes, and \
     have them ready. An approved-client-app or app-protection policy blocks Authenticator, and a \
     Temporary Access Pass won't help: target specific apps instead of all resources, require \
     compliant devices, or grant a temporary exemption.",
    "If your passkey profile enforces attestation, the QR-code route from a computer fails: \
     people must create the passkey in the Authenticator app, as the walkthrough recommends.",
];

/// The email's first step. The sentence above the steps already says to open the link on the
/// phone, so the steps start in Authenticator.
const EMAIL_FIRST_STEP: &str = "Open Authenticator on that phone.";

/// What the announcement email to employees needs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Announcement {
    /// The company name.
    pub company: String,
    /// The one adaptive link.
    pub link: String,
    /// The passkey policy (decides the one sentence about synced passkeys).
    pub policy: PasskeyPolicy,
    /// The IT message, if any.
    pub intro_message: Option<String>,
    /// Where to get help, if set.
    pub helpdesk: Option<Helpdesk>,
}

impl Announcement {
    /// The email's subject line.
    pub fn subject(&self) -> String {
        format!(
            "Action needed: set up your {} passkey in Microsoft Authenticator (5 minutes)",
            self.company
        )
    }

    /// The sentence about which passkeys are allowed.
    pub fn policy_sentence(&self) -> &'static str {
        match self.policy {
            PasskeyPolicy::AuthenticatorOnly => {
                "Your passkey is stored in Microsoft Authenticator on your phone only; a passkey \
                 saved in iCloud Keychain, Google Password Manager or Samsung Pass won't work for \
                 your work account."
            }
            PasskeyPolicy::SyncedAllowed => {
                "Microsoft Authenticator is the recommended place for your passkey; a passkey \
                 saved in iCloud Keychain or Google Password Manager is allowed too."
            }
        }
    }

    /// The steps in short, as the walkthrough and the poster have them.
    pub fn steps(&self) -> [&'static str; 3] {
        [
            EMAIL_FIRST_STEP,
            text::SHORT_STEPS_IN_AUTHENTICATOR[0],
            text::SHORT_STEPS_IN_AUTHENTICATOR[1],
        ]
    }

    /// What the phone needs (the walkthrough's minimums), as a list item.
    pub fn requirement(&self) -> String {
        format!(
            "{}, with Microsoft Authenticator installed",
            crate::walkthrough::supported_phones()
        )
    }

    /// Where to turn when signing in is blocked: a Temporary Access Pass from IT.
    pub fn blocked_sentence(&self) -> &'static str {
        if self.helpdesk_line().is_some() {
            "Asked for a passkey before you have one, or can't sign in to set it up? Ask the \
             helpdesk for a Temporary Access Pass."
        } else {
            "Asked for a passkey before you have one, or can't sign in to set it up? Ask IT for a \
             Temporary Access Pass."
        }
    }

    /// The helpdesk contact as one line ("email · phone · web"), if any.
    pub fn helpdesk_line(&self) -> Option<String> {
        let helpdesk = self.helpdesk.as_ref()?;
        let parts: Vec<&str> = [&helpdesk.email, &helpdesk.phone, &helpdesk.url]
            .into_iter()
            .filter_map(|part| part.as_deref())
            .collect();
        (!parts.is_empty()).then(|| parts.join(" · "))
    }
}

/// Pixels per QR module in the PNG.
const PNG_MODULE_PIXELS: u32 = 12;
/// Light modules around the code (the standard's quiet zone).
const QUIET_ZONE_MODULES: u32 = 4;

/// The QR code of `url` as a black-on-white PNG for printing; `None` if the URL is too long.
pub fn qr_png(url: &str) -> Option<Vec<u8>> {
    let code = QrCode::with_error_correction_level(url.as_bytes(), EcLevel::M).ok()?;
    let modules = u32::try_from(code.width()).ok()?;
    let side = (modules + 2 * QUIET_ZONE_MODULES) * PNG_MODULE_PIXELS;
    let colors = code.to_colors();
    let image = GrayImage::from_fn(side, side, |x, y| {
        let module = |p: u32| (p / PNG_MODULE_PIXELS).checked_sub(QUIET_ZONE_MODULES);
        let dark = match (module(x), module(y)) {
            (Some(mx), Some(my)) if mx < modules && my < modules => {
                let index = usize::try_from(my * modules + mx).unwrap_or(usize::MAX);
                colors.get(index) == Some(&Color::Dark)
            }
            _ => false,
        };
        Luma([if dark { 0 } else { 255 }])
    });
    let mut png = Vec::new();
    PngEncoder::new(Cursor::new(&mut png))
        .write_image(image.as_raw(), side, side, ExtendedColorType::L8)
        .ok()?;
    Some(png)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn announcement(helpdesk: Option<Helpdesk>) -> Announcement {
        Announcement {
            company: "Contoso".into(),
            link: "https://passkeys.example.com/t/contoso.com".into(),
            policy: PasskeyPolicy::AuthenticatorOnly,
            intro_message: None,
            helpdesk,
        }
    }

    #[test]
    fn the_subject_names_the_company_and_the_helpdesk_line_joins_what_is_set() {
        let plain = announcement(None);
        assert!(plain.subject().contains("Contoso passkey"));
        assert_eq!(plain.helpdesk_line(), None);
        let with_help = announcement(Some(Helpdesk {
            email: Some("it@contoso.com".into()),
            phone: None,
            url: Some("https://help.contoso.com/".into()),
        }));
        assert_eq!(
            with_help.helpdesk_line().as_deref(),
            Some("it@contoso.com · https://help.contoso.com/")
        );
    }

    #[test]
    fn the_email_follows_the_walkthrough_in_three_short_steps() {
        let email = announcement(None);
        let steps = email.steps();
        // The sentence above the list already says to open the link on the phone.
        assert_eq!(steps[0], "Open Authenticator on that phone.");
        assert!(steps[1].contains("tap your work account → “Create a passkey”"));
        assert!(
            steps[1].contains("“Add work or school account”"),
            "{}",
            steps[1]
        );
        assert!(steps[2].contains("“Done” twice"));
        // A Galaxy owner is sent to "Additional providers" and keeps the Preferred service.
        assert!(
            steps[2].contains(
                "Samsung Galaxy: under “Additional providers”; leave “Preferred service” as it is"
            ),
            "{}",
            steps[2]
        );
        assert_eq!(&steps[1..], &text::POSTER_STEPS[1..], "the poster's words");
        assert_eq!(
            email.requirement(),
            "an iPhone with iOS 17 or later (17.4 or later recommended), or an Android phone \
             with Android 14 or later, with Microsoft Authenticator installed"
        );
        assert!(email.blocked_sentence().contains("Temporary Access Pass"));
        assert!(email.blocked_sentence().contains("Ask IT"));
        let with_help = announcement(Some(Helpdesk {
            phone: Some("+1 555 0100".into()),
            ..Helpdesk::default()
        }));
        assert!(with_help.blocked_sentence().contains("Ask the helpdesk"));
    }

    #[test]
    fn the_conditional_access_advice_keeps_the_temporary_access_pass_to_the_passkey_loop() {
        let advice = ROLLOUT_ADVICE
            .iter()
            .find(|a| a.contains("Conditional Access"))
            .unwrap();
        assert!(
            advice.contains(
                "A policy that requires a passkey for all resources asks people for a passkey \
                 before they can add one: let your mobile policy accept Temporary Access Passes"
            ),
            "{advice}"
        );
        assert!(
            advice.contains(
                "An approved-client-app or app-protection policy blocks Authenticator, and a \
                 Temporary Access Pass won't help: target specific apps instead of all resources, \
                 require compliant devices, or grant a temporary exemption."
            ),
            "{advice}"
        );
    }

    #[test]
    fn the_png_qr_code_is_a_square_black_and_white_image_with_a_quiet_zone() {
        let png = qr_png("https://passkeys.example.com/t/contoso.com").unwrap();
        let image = image::load_from_memory(&png).unwrap().to_luma8();
        assert_eq!(image.width(), image.height());
        assert_eq!(image.width() % PNG_MODULE_PIXELS, 0);
        // The quiet zone is white; the finder pattern's corner just inside it is black.
        assert_eq!(image.get_pixel(0, 0).0, [255]);
        let inner = QUIET_ZONE_MODULES * PNG_MODULE_PIXELS;
        assert_eq!(image.get_pixel(inner, inner).0, [0]);
        assert!(qr_png(&"x".repeat(5000)).is_none());
    }
}
