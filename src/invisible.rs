//! Invisible characters: bidi controls and the other format characters (Unicode category Cf)
//! that change how text reads without showing themselves. A right-to-left override in a brand
//! name or a helpdesk number makes the page say something other than what was typed; a zero-width
//! space makes two different strings look the same. Text from strangers (admins' settings,
//! Microsoft's brand names) loses them before it is stored or shown.

use std::borrow::Cow;

use unicode_properties::{GeneralCategory, UnicodeGeneralCategory};

/// Whether `c` is a format character (Cf): every bidi embedding, override and isolate control,
/// the left-to-right and right-to-left marks, zero-width spaces and joiners, soft hyphens, tags.
pub fn is_invisible(c: char) -> bool {
    c.general_category() == GeneralCategory::Format
}

/// `text` without its format characters (borrowed when it has none).
pub fn strip(text: &str) -> Cow<'_, str> {
    if text.chars().any(is_invisible) {
        Cow::Owned(text.chars().filter(|c| !is_invisible(*c)).collect())
    } else {
        Cow::Borrowed(text)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_bidi_control_and_zero_width_character_is_invisible() {
        let controls = [
            '\u{202A}',
            '\u{202B}',
            '\u{202C}',
            '\u{202D}',
            '\u{202E}', // embeddings, overrides
            '\u{2066}',
            '\u{2067}',
            '\u{2068}',
            '\u{2069}', // isolates
            '\u{200E}',
            '\u{200F}',
            '\u{061C}', // marks
            '\u{200B}',
            '\u{200C}',
            '\u{200D}',
            '\u{2060}',
            '\u{FEFF}', // zero width
            '\u{00AD}',
            '\u{E0001}',
            '\u{E0041}', // soft hyphen, tags
        ];
        for c in controls {
            assert!(is_invisible(c), "U+{:04X}", u32::from(c));
        }
        for c in [
            'a', 'é', 'ß', 'Ж', 'ع', '中', ' ', '\n', '+', '😀', '\u{0301}',
        ] {
            assert!(!is_invisible(c), "U+{:04X}", u32::from(c));
        }
    }

    #[test]
    fn stripping_removes_only_format_characters_and_borrows_clean_text() {
        assert_eq!(
            strip("Contoso\u{202E}kcatta\u{202C} Helpdesk"),
            "Contosokcatta Helpdesk"
        );
        assert_eq!(strip("+1\u{200B} 425\u{2066} 555"), "+1 425 555");
        assert_eq!(strip("مرحبا Contoso"), "مرحبا Contoso");
        assert!(matches!(strip("plain text"), Cow::Borrowed("plain text")));
    }
}
