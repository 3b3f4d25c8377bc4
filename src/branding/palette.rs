//! Brand colours and the WCAG-safe colours derived from them.
//!
//! A tenant's colour reaches the page only through the custom properties of `assets/app.css`
//! (`--brand`, `--brand-hover`, `--brand-contrast`, `--brand-text`, `--brand-soft`, `--focus`), written
//! by [`Palette::stylesheet`] into a small per-tenant stylesheet. Every colour written there is
//! derived here and checked against WCAG 2.2 AA on both the light and the dark page, so a tenant can
//! never make the page unreadable, whatever colour Entra, its website or its admin gives us.
//!
//! Adjustments happen in OKLCH: hue and chroma are kept while the perceptual lightness moves step by
//! step away from the brand until every ratio holds, so the result is the nearest shade of the same
//! colour rather than a jump to black or white.

use std::fmt;

use ::image::RgbaImage;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// WCAG 2.2 AA minimum for normal-size text (1.4.3), which includes button labels.
pub const TEXT_CONTRAST: f64 = 4.5;

/// WCAG 2.2 AA minimum for user-interface components and graphics (1.4.11): focus rings, and the
/// brand fill itself, which `app.css` also uses alone as borders, step markers and icon fills.
pub const NON_TEXT_CONTRAST: f64 = 3.0;

/// An sRGB colour with 8 bits per channel.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Rgb {
    /// Red channel.
    pub r: u8,
    /// Green channel.
    pub g: u8,
    /// Blue channel.
    pub b: u8,
}

impl Rgb {
    /// Pure white.
    pub const WHITE: Rgb = Rgb::new(0xFF, 0xFF, 0xFF);
    /// Pure black.
    pub const BLACK: Rgb = Rgb::new(0x00, 0x00, 0x00);

    /// A colour from its three channels.
    pub const fn new(r: u8, g: u8, b: u8) -> Rgb {
        Rgb { r, g, b }
    }

    /// Parses `#RRGGBB` or `#RGB` (any case, surrounding whitespace ignored); `None` for anything else.
    pub fn parse_hex(value: &str) -> Option<Rgb> {
        let digits = value.trim().strip_prefix('#')?;
        // Checked up front because `from_str_radix` would also accept a leading `+`.
        if !digits.bytes().all(|b| b.is_ascii_hexdigit()) {
            return None;
        }
        let channel = |s: &str| u8::from_str_radix(s, 16).ok();
        match digits.len() {
            6 => Some(Rgb::new(
                channel(&digits[0..2])?,
                channel(&digits[2..4])?,
                channel(&digits[4..6])?,
            )),
            3 => {
                // `#abc` is shorthand for `#aabbcc`: each digit repeated, i.e. times 17.
                let short = |s: &str| channel(s).map(|v| v * 17);
                Some(Rgb::new(
                    short(&digits[0..1])?,
                    short(&digits[1..2])?,
                    short(&digits[2..3])?,
                ))
            }
            _ => None,
        }
    }

    /// The colour as `#RRGGBB` in upper case, the only form ever written into a stylesheet.
    pub fn to_hex(&self) -> String {
        format!("#{:02X}{:02X}{:02X}", self.r, self.g, self.b)
    }

    /// WCAG 2.x relative luminance: 0.0 for black, 1.0 for white.
    pub fn relative_luminance(&self) -> f64 {
        let [r, g, b] = self.linear();
        0.2126 * r + 0.7152 * g + 0.0722 * b
    }

    /// The channels in linear light, using the 0.04045 threshold WCAG 2.x specifies.
    fn linear(&self) -> [f64; 3] {
        [self.r, self.g, self.b].map(|c| srgb_to_linear(f64::from(c) / 255.0))
    }

    /// The colour `share` of the way from `self` to `other`, mixed in gamma-encoded sRGB like CSS
    /// `color-mix(in srgb, …)`, so a tint looks the same as one a designer would write in CSS.
    fn mix(self, other: Rgb, share: f64) -> Rgb {
        let share = share.clamp(0.0, 1.0);
        let channel = |a: u8, b: u8| {
            let v = f64::from(a) + (f64::from(b) - f64::from(a)) * share;
            to_u8(v / 255.0)
        };
        Rgb::new(
            channel(self.r, other.r),
            channel(self.g, other.g),
            channel(self.b, other.b),
        )
    }
}

impl fmt::Display for Rgb {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_hex())
    }
}

impl Serialize for Rgb {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.to_hex())
    }
}

impl<'de> Deserialize<'de> for Rgb {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Rgb, D::Error> {
        let value = String::deserialize(deserializer)?;
        Rgb::parse_hex(&value).ok_or_else(|| {
            serde::de::Error::custom(format!("{value:?} is not a #RRGGBB or #RGB colour"))
        })
    }
}

/// WCAG 2.x contrast ratio `(L1 + 0.05) / (L2 + 0.05)`, from 1.0 (same colour) to 21.0.
pub fn contrast_ratio(a: Rgb, b: Rgb) -> f64 {
    let (la, lb) = (a.relative_luminance(), b.relative_luminance());
    let (lighter, darker) = if la >= lb { (la, lb) } else { (lb, la) };
    (lighter + 0.05) / (darker + 0.05)
}

/// The most common colour of a logo, ignoring (near-)transparent, near-white, near-black and
/// near-grey pixels; `None` when nothing qualifies.
///
/// Pixels are counted in buckets of 16 levels per channel, so anti-aliased and compressed shades of
/// one colour add up instead of competing; the winner is the average of its bucket, which is the
/// exact colour for a flat fill.
pub fn dominant_colour(image: &RgbaImage) -> Option<Rgb> {
    /// Keeps the work bounded for a large logo; a sample this size still finds its main colour.
    const MAX_SAMPLES: usize = 262_144;

    #[derive(Clone, Copy, Default)]
    struct Bucket {
        count: u64,
        sum: [u64; 3],
    }

    let pixels = image.pixels().len();
    let stride = pixels.div_ceil(MAX_SAMPLES).max(1);
    let mut buckets = vec![Bucket::default(); 16 * 16 * 16];
    let mut visible: u64 = 0;
    for pixel in image.pixels().step_by(stride) {
        let [r, g, b, a] = pixel.0;
        if a < 128 {
            continue;
        }
        visible += 1;
        let (max, min) = (r.max(g).max(b), r.min(g).min(b));
        // White backgrounds, black outlines and grey text are what almost every logo has; they say
        // nothing about the company's colour.
        let near_black = max < 40;
        let near_white = min > 225;
        let near_grey = max - min < 30;
        if near_black || near_white || near_grey {
            continue;
        }
        let index = (usize::from(r >> 4) << 8) | (usize::from(g >> 4) << 4) | usize::from(b >> 4);
        let bucket = &mut buckets[index];
        bucket.count += 1;
        bucket.sum[0] += u64::from(r);
        bucket.sum[1] += u64::from(g);
        bucket.sum[2] += u64::from(b);
    }

    // A handful of coloured pixels (sub-pixel anti-aliasing of black text) is noise, not a brand.
    let minimum = (visible / 200).max(1);
    let best = buckets
        .iter()
        .filter(|bucket| bucket.count >= minimum)
        // `max_by_key` keeps the last maximum; reversing makes ties go to the lowest bucket, stably.
        .rev()
        .max_by_key(|bucket| bucket.count)?;
    let mean = |sum: u64| u8::try_from((sum + best.count / 2) / best.count).unwrap_or(u8::MAX);
    Some(Rgb::new(
        mean(best.sum[0]),
        mean(best.sum[1]),
        mean(best.sum[2]),
    ))
}

/// The site's own page colours for one colour scheme, as declared in `assets/app.css`.
///
/// The tenant stylesheet does not change these, so the derived colours are checked against them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PageColours {
    /// `--bg`, the page background.
    pub background: Rgb,
    /// `--surface`, the background of sections and cards that also carry links.
    pub surface: Rgb,
    /// `--text`, body text, also used on `--brand-soft`.
    pub text: Rgb,
}

/// The light scheme of `assets/app.css` (`:root`).
pub const LIGHT_PAGE: PageColours = PageColours {
    background: Rgb::new(0xFF, 0xFF, 0xFF),
    surface: Rgb::new(0xF4, 0xF7, 0xFB),
    text: Rgb::new(0x15, 0x20, 0x2B),
};

/// The dark scheme of `assets/app.css` (`@media (prefers-color-scheme: dark)`).
pub const DARK_PAGE: PageColours = PageColours {
    background: Rgb::new(0x0E, 0x14, 0x1B),
    surface: Rgb::new(0x15, 0x1E, 0x28),
    text: Rgb::new(0xE8, 0xEE, 0xF5),
};

/// The dark label colour for light buttons: the site's dark page colour, softer than pure black.
pub const NEAR_BLACK: Rgb = Rgb::new(0x0E, 0x14, 0x1B);

/// How much of the button colour tints `--brand-soft` on the light page.
const LIGHT_SOFT_SHARE: f64 = 0.10;
/// Dark surfaces need a larger share than light ones for the tint to be noticeable at all.
const DARK_SOFT_SHARE: f64 = 0.18;

/// Everything a page needs, derived from one brand colour.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Palette {
    /// The brand colour as given.
    pub brand: Rgb,
    /// Colours for the light page background.
    pub light: Scheme,
    /// Colours for the dark page background.
    pub dark: Scheme,
}

/// The derived colours for one page background; every pair used together meets WCAG 2.2 AA.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Scheme {
    /// The page background this scheme assumes (`--bg` of the scheme in `app.css`).
    pub background: Rgb,
    /// Button fill (`--brand`): the brand moved in lightness until its label reaches 4.5:1 and the
    /// fill itself 3:1 against the page.
    pub button: Rgb,
    /// Button label (`--brand-contrast`): white or near-black, whichever contrasts more.
    pub button_text: Rgb,
    /// Hovered button fill (`--brand-hover`), meeting the same ratios as `button`.
    pub button_hover: Rgb,
    /// Links and accent text (`--brand-text`): 4.5:1 on the background, the surface and `soft`.
    pub link: Rgb,
    /// Tinted surface (`--brand-soft`) on which both `link` and body text keep 4.5:1.
    pub soft: Rgb,
    /// Focus ring (`--focus`): 3:1 against the background, the surface and `soft`.
    pub focus: Rgb,
}

impl Palette {
    /// Derives both schemes from one brand colour; any colour, even white or black, yields a
    /// readable and visible palette.
    pub fn from_brand(brand: Rgb) -> Palette {
        Palette {
            brand,
            light: Scheme::derive(brand, &LIGHT_PAGE, LIGHT_SOFT_SHARE),
            dark: Scheme::derive(brand, &DARK_PAGE, DARK_SOFT_SHARE),
        }
    }

    /// The per-tenant stylesheet: the light scheme on `:root`, the dark one inside
    /// `prefers-color-scheme: dark`.
    ///
    /// Both blocks are limited to `screen` so the black-and-white `@media print` overrides of
    /// `app.css` still win on paper. Only upper-case `#RRGGBB` values are written, so the output
    /// cannot carry markup or break out of its rule, and the same palette always gives the same
    /// bytes, which lets it be served at a content-hashed URL.
    pub fn stylesheet(&self) -> String {
        format!(
            "@media screen{{:root{{{}}}}}\n@media screen and (prefers-color-scheme: dark){{:root{{{}}}}}\n",
            self.light.declarations(),
            self.dark.declarations()
        )
    }
}

impl Scheme {
    /// Derives the scheme for one page; every search falls back to a colour known to pass.
    fn derive(brand: Rgb, page: &PageColours, soft_share: f64) -> Scheme {
        let button = nearest_passing(brand, |c| button_passes(c, page.background))
            .unwrap_or_else(|| last_resort_button(page.background));
        let button_text = best_label(button);
        let button_hover = hover_for(button, button_text, page.background);
        let soft = soft_for(button, page, soft_share);
        let link = nearest_passing(brand, |c| {
            [page.background, page.surface, soft]
                .iter()
                .all(|&under| contrast_ratio(c, under) >= TEXT_CONTRAST)
        })
        // Body text passes on all three: app.css pairs it with bg and surface (checked in the tests)
        // and `soft_for` only returns tints on which it does.
        .unwrap_or(page.text);
        let focus = nearest_passing(brand, |c| {
            [page.background, page.surface, soft]
                .iter()
                .all(|&under| contrast_ratio(c, under) >= NON_TEXT_CONTRAST)
        })
        .unwrap_or(page.text);
        Scheme {
            background: page.background,
            button,
            button_text,
            button_hover,
            link,
            soft,
            focus,
        }
    }

    /// The custom-property declarations of this scheme, in a fixed order.
    fn declarations(&self) -> String {
        [
            ("--brand", self.button),
            ("--brand-contrast", self.button_text),
            ("--brand-hover", self.button_hover),
            ("--brand-text", self.link),
            ("--brand-soft", self.soft),
            ("--focus", self.focus),
        ]
        .iter()
        .map(|(name, colour)| format!("{name}:{}", colour.to_hex()))
        .collect::<Vec<_>>()
        .join(";")
    }
}

/// The label colour that contrasts more with `fill` (white on a tie).
fn best_label(fill: Rgb) -> Rgb {
    if contrast_ratio(Rgb::WHITE, fill) >= contrast_ratio(NEAR_BLACK, fill) {
        Rgb::WHITE
    } else {
        NEAR_BLACK
    }
}

/// A button fill is usable when its best label reaches 4.5:1 and the fill stands out from the page.
fn button_passes(fill: Rgb, background: Rgb) -> bool {
    contrast_ratio(best_label(fill), fill) >= TEXT_CONTRAST
        && contrast_ratio(fill, background) >= NON_TEXT_CONTRAST
}

/// Black on a light page, white on a dark one: both pass `button_passes` for any page colour that
/// body text can be read on (black vs white is 21:1, white vs `NEAR_BLACK` 18.5:1).
fn last_resort_button(background: Rgb) -> Rgb {
    if contrast_ratio(Rgb::BLACK, background) >= contrast_ratio(Rgb::WHITE, background) {
        Rgb::BLACK
    } else {
        Rgb::WHITE
    }
}

/// How far the hover fill must be from the button fill, as a luminance contrast ratio, for the
/// change to be noticed (the site's own blue and its hover differ by 1.34:1).
const HOVER_DIFFERENCE: f64 = 1.25;

/// A visibly different fill for the hover state that keeps the same label readable.
///
/// It moves away from the label first (darker under white text, lighter under dark text), which
/// can only raise the label's contrast; when that direction runs out (a black button cannot get
/// darker) it tries the other one. Without a clearly different shade it takes the most different
/// one that passes, and as a last resort the button colour itself, which is known to pass.
fn hover_for(button: Rgb, label: Rgb, background: Rgb) -> Rgb {
    /// Lightness steps of 0.01 up to 0.3: far enough for any colour to change noticeably.
    const STEPS: u32 = 30;
    let base = Oklch::from_rgb(button);
    let away = if label == Rgb::WHITE { -1.0 } else { 1.0 };
    let passing: Vec<Rgb> = [away, -away]
        .iter()
        .flat_map(|direction| (1..=STEPS).map(move |k| direction * f64::from(k) / 100.0))
        .map(|delta| base.with_lightness(base.l + delta).to_rgb())
        .filter(|&c| {
            c != button
                && contrast_ratio(label, c) >= TEXT_CONTRAST
                && contrast_ratio(c, background) >= NON_TEXT_CONTRAST
        })
        .collect();
    let difference = |c: &Rgb| contrast_ratio(*c, button);
    // Near the ends of the lightness axis the gamut has no room for colour: a cyan button would
    // hover white. Keeping at least half the chroma keeps the hover recognisably the brand.
    let keeps_colour = |c: &Rgb| Oklch::from_rgb(*c).c >= base.c / 2.0;
    passing
        .iter()
        .find(|c| difference(c) >= HOVER_DIFFERENCE && keeps_colour(c))
        .or_else(|| passing.iter().find(|c| difference(c) >= HOVER_DIFFERENCE))
        .or_else(|| {
            passing
                .iter()
                .max_by(|a, b| difference(a).total_cmp(&difference(b)))
        })
        .copied()
        .unwrap_or(button)
}

/// The button colour mixed lightly into the page background, with less of it until body text
/// reaches 4.5:1 on the tint; the last candidate is the background itself, on which it always does.
fn soft_for(button: Rgb, page: &PageColours, share: f64) -> Rgb {
    [1.0, 0.75, 0.5, 0.25]
        .iter()
        .map(|factor| page.background.mix(button, share * factor))
        .find(|&tint| contrast_ratio(page.text, tint) >= TEXT_CONTRAST)
        .unwrap_or(page.background)
}

/// The shade of `start` nearest in OKLCH lightness (same hue, as much chroma as the sRGB gamut
/// allows) for which `passes` holds; `start` itself when it already does.
fn nearest_passing(start: Rgb, passes: impl Fn(Rgb) -> bool) -> Option<Rgb> {
    /// Fine enough that the result lands within about one 8-bit step of the threshold.
    const STEPS: u32 = 400;
    if passes(start) {
        return Some(start);
    }
    let base = Oklch::from_rgb(start);
    (1..=STEPS)
        .flat_map(|k| {
            let d = f64::from(k) / f64::from(STEPS);
            [base.l - d, base.l + d]
        })
        .filter(|l| (0.0..=1.0).contains(l))
        .map(|l| base.with_lightness(l).to_rgb())
        // The ends of the lightness axis may fall between grid steps; black and white close it.
        .chain([Rgb::BLACK, Rgb::WHITE])
        .find(|&c| passes(c))
}

/// A colour in OKLCH: perceptual lightness `l` (0..1), chroma `c` and hue `h` in radians.
#[derive(Debug, Clone, Copy)]
struct Oklch {
    l: f64,
    c: f64,
    h: f64,
}

impl Oklch {
    /// Converts through linear sRGB and OKLab (Björn Ottosson's matrices).
    fn from_rgb(rgb: Rgb) -> Oklch {
        let [r, g, b] = rgb.linear();
        let l = (0.412_221_470_8 * r + 0.536_332_536_3 * g + 0.051_445_992_9 * b).cbrt();
        let m = (0.211_903_498_2 * r + 0.680_699_545_1 * g + 0.107_396_956_6 * b).cbrt();
        let s = (0.088_302_461_9 * r + 0.281_718_837_6 * g + 0.629_978_700_5 * b).cbrt();
        let lightness = 0.210_454_255_3 * l + 0.793_617_785 * m - 0.004_072_046_8 * s;
        let a = 1.977_998_495_1 * l - 2.428_592_205 * m + 0.450_593_709_9 * s;
        let bb = 0.025_904_037_1 * l + 0.782_771_766_2 * m - 0.808_675_766 * s;
        Oklch {
            l: lightness,
            c: a.hypot(bb),
            h: bb.atan2(a),
        }
    }

    /// The same hue and chroma at another lightness.
    fn with_lightness(self, l: f64) -> Oklch {
        Oklch {
            l: l.clamp(0.0, 1.0),
            ..self
        }
    }

    /// Linear sRGB channels, possibly outside 0..1 when the colour is out of gamut.
    fn to_linear(self) -> [f64; 3] {
        let (a, b) = (self.c * self.h.cos(), self.c * self.h.sin());
        let l = (self.l + 0.396_337_777_4 * a + 0.215_803_757_3 * b).powi(3);
        let m = (self.l - 0.105_561_345_8 * a - 0.063_854_172_8 * b).powi(3);
        let s = (self.l - 0.089_484_177_5 * a - 1.291_485_548 * b).powi(3);
        [
            4.076_741_662_1 * l - 3.307_711_591_3 * m + 0.230_969_929_2 * s,
            -1.268_438_004_6 * l + 2.609_757_401_1 * m - 0.341_319_396_5 * s,
            -0.004_196_086_3 * l - 0.703_418_614_7 * m + 1.707_614_701 * s,
        ]
    }

    /// The nearest sRGB colour: chroma is reduced (hue and lightness kept) until the colour fits
    /// the gamut, because clipping channels instead would shift the hue.
    fn to_rgb(self) -> Rgb {
        const EPSILON: f64 = 1e-6;
        let fits = |c: Oklch| {
            c.to_linear()
                .iter()
                .all(|v| (-EPSILON..=1.0 + EPSILON).contains(v))
        };
        let mapped = if fits(self) {
            self
        } else {
            let (mut low, mut high) = (0.0, self.c);
            for _ in 0..24 {
                let mid = (low + high) / 2.0;
                if fits(Oklch { c: mid, ..self }) {
                    low = mid;
                } else {
                    high = mid;
                }
            }
            Oklch { c: low, ..self }
        };
        let [r, g, b] = mapped.to_linear().map(linear_to_srgb);
        Rgb::new(to_u8(r), to_u8(g), to_u8(b))
    }
}

/// sRGB decoding with the WCAG 2.x threshold.
fn srgb_to_linear(v: f64) -> f64 {
    if v <= 0.040_45 {
        v / 12.92
    } else {
        ((v + 0.055) / 1.055).powf(2.4)
    }
}

/// sRGB encoding, the inverse of [`srgb_to_linear`].
fn linear_to_srgb(v: f64) -> f64 {
    let v = v.clamp(0.0, 1.0);
    if v <= 0.003_130_8 {
        v * 12.92
    } else {
        1.055 * v.powf(1.0 / 2.4) - 0.055
    }
}

/// A 0..1 channel as the nearest 8-bit value.
fn to_u8(v: f64) -> u8 {
    // Clamped to 0..=255 first, so the float-to-int cast neither truncates nor wraps.
    (v.clamp(0.0, 1.0) * 255.0).round() as u8
}

/// Why an admin's chosen colour is refused, with the measured ratio.
#[derive(Debug, thiserror::Error)]
pub enum ColourError {
    /// The value is not a `#RRGGBB` or `#RGB` colour.
    #[error("{value:?} is not a colour: write it as #RRGGBB or #RGB, for example #0072C6")]
    Invalid {
        /// What was entered (cut to 64 characters).
        value: String,
    },
    /// The colour cannot be used unchanged as the button colour.
    #[error(
        "{colour} reaches only {ratio:.2}:1 against {against}, and a button needs {needed:.1}:1; \
         pick a darker or lighter shade, for example {suggestion}"
    )]
    TooLowContrast {
        /// The colour as `#RRGGBB`.
        colour: String,
        /// What it was measured against.
        against: &'static str,
        /// The best ratio measured.
        ratio: f64,
        /// The ratio WCAG 2.2 AA requires for this pair.
        needed: f64,
        /// The nearest shade that passes, as `#RRGGBB`.
        suggestion: String,
    },
}

/// Admin override check: accepts the colour as the brand button colour only when it can be used
/// unchanged on the light page, i.e. white or near-black text on it reaches 4.5:1 (the best ratio
/// is reported otherwise) and the button itself reaches 3:1 against the white page.
///
/// The dark scheme is always derived, so it is not a reason to refuse a colour.
pub fn check_admin_colour(value: &str) -> Result<Rgb, ColourError> {
    let colour = Rgb::parse_hex(value).ok_or_else(|| ColourError::Invalid {
        value: value.chars().take(64).collect(),
    })?;
    let suggestion = || Palette::from_brand(colour).light.button.to_hex();
    let label_ratio = contrast_ratio(best_label(colour), colour);
    if label_ratio < TEXT_CONTRAST {
        return Err(ColourError::TooLowContrast {
            colour: colour.to_hex(),
            against: "white or near-black button text",
            ratio: label_ratio,
            needed: TEXT_CONTRAST,
            suggestion: suggestion(),
        });
    }
    let page_ratio = contrast_ratio(colour, LIGHT_PAGE.background);
    if page_ratio < NON_TEXT_CONTRAST {
        return Err(ColourError::TooLowContrast {
            colour: colour.to_hex(),
            against: "the white page background",
            ratio: page_ratio,
            needed: NON_TEXT_CONTRAST,
            suggestion: suggestion(),
        });
    }
    Ok(colour)
}

#[cfg(test)]
mod tests {
    use super::*;
    use ::image::Rgba;
    use proptest::prelude::*;

    const TOLERANCE: f64 = 0.01;

    fn hex(value: &str) -> Rgb {
        Rgb::parse_hex(value).expect("test colour")
    }

    /// HSL to RGB, for building brand colours around the hue wheel.
    fn hsl(h: f64, s: f64, l: f64) -> Rgb {
        let c = (1.0 - (2.0 * l - 1.0).abs()) * s;
        let x = c * (1.0 - ((h / 60.0) % 2.0 - 1.0).abs());
        let m = l - c / 2.0;
        let (r, g, b) = match h {
            h if h < 60.0 => (c, x, 0.0),
            h if h < 120.0 => (x, c, 0.0),
            h if h < 180.0 => (0.0, c, x),
            h if h < 240.0 => (0.0, x, c),
            h if h < 300.0 => (x, 0.0, c),
            _ => (c, 0.0, x),
        };
        Rgb::new(to_u8(r + m), to_u8(g + m), to_u8(b + m))
    }

    fn test_brands() -> Vec<Rgb> {
        let wheel = (0..20).map(|i| hsl(f64::from(i) * 18.0, 0.85, 0.5));
        let edges = [
            "#FFFFFF", "#000000", "#FFFF00", "#00FFFF", "#777777", "#0072C6", "#E3008C",
        ]
        .into_iter()
        .map(hex);
        wheel.chain(edges).collect()
    }

    /// Every pair the stylesheet puts together, with the ratio it must reach.
    fn pairs(scheme: &Scheme, page: &PageColours) -> Vec<(&'static str, f64, f64)> {
        vec![
            (
                "button text on button",
                contrast_ratio(scheme.button_text, scheme.button),
                TEXT_CONTRAST,
            ),
            (
                "button text on hover",
                contrast_ratio(scheme.button_text, scheme.button_hover),
                TEXT_CONTRAST,
            ),
            (
                "button on background",
                contrast_ratio(scheme.button, scheme.background),
                NON_TEXT_CONTRAST,
            ),
            (
                "link on background",
                contrast_ratio(scheme.link, scheme.background),
                TEXT_CONTRAST,
            ),
            (
                "link on surface",
                contrast_ratio(scheme.link, page.surface),
                TEXT_CONTRAST,
            ),
            (
                "link on soft",
                contrast_ratio(scheme.link, scheme.soft),
                TEXT_CONTRAST,
            ),
            (
                "body text on soft",
                contrast_ratio(page.text, scheme.soft),
                TEXT_CONTRAST,
            ),
            (
                "focus on background",
                contrast_ratio(scheme.focus, scheme.background),
                NON_TEXT_CONTRAST,
            ),
            (
                "focus on surface",
                contrast_ratio(scheme.focus, page.surface),
                NON_TEXT_CONTRAST,
            ),
        ]
    }

    fn assert_palette_is_accessible(brand: Rgb) {
        let palette = Palette::from_brand(brand);
        for (name, scheme, page) in [
            ("light", &palette.light, &LIGHT_PAGE),
            ("dark", &palette.dark, &DARK_PAGE),
        ] {
            assert_eq!(scheme.background, page.background);
            assert!(
                scheme.button_text == Rgb::WHITE || scheme.button_text == NEAR_BLACK,
                "{brand} {name}: label {}",
                scheme.button_text
            );
            for (pair, ratio, needed) in pairs(scheme, page) {
                assert!(
                    ratio >= needed,
                    "brand {brand}, {name} scheme: {pair} is {ratio:.3}:1, needs {needed}:1 ({scheme:?})"
                );
            }
        }
    }

    #[test]
    fn luminance_follows_the_wcag_formula() {
        assert!((Rgb::BLACK.relative_luminance() - 0.0).abs() < 1e-12);
        assert!((Rgb::WHITE.relative_luminance() - 1.0).abs() < 1e-12);
        assert!((hex("#777777").relative_luminance() - 0.184_475).abs() < 1e-5);
        assert!((hex("#0072C6").relative_luminance() - 0.161_118).abs() < 1e-5);
    }

    #[test]
    fn contrast_of_known_pairs_matches_the_formula() {
        // Expected values computed independently from the WCAG 2.x definition.
        for (a, b, expected) in [
            ("#000", "#FFF", 21.0),
            ("#777777", "#FFFFFF", 4.478_089),
            ("#0072C6", "#FFFFFF", 4.973_511),
            ("#FFFF00", "#FFFFFF", 1.073_839),
            ("#FFFF00", "#000000", 19.556),
            ("#0F62C4", "#FFFFFF", 5.891_447),
        ] {
            let ratio = contrast_ratio(hex(a), hex(b));
            assert!(
                (ratio - expected).abs() < TOLERANCE,
                "{a}/{b}: {ratio} vs {expected}"
            );
            assert!((contrast_ratio(hex(b), hex(a)) - ratio).abs() < 1e-12);
        }
        assert!((contrast_ratio(hex("#0072C6"), hex("#0072C6")) - 1.0).abs() < 1e-12);
    }

    #[test]
    fn hex_parsing_accepts_long_and_short_forms_in_any_case() {
        assert_eq!(Rgb::parse_hex("#0072C6"), Some(Rgb::new(0x00, 0x72, 0xC6)));
        assert_eq!(Rgb::parse_hex("#0072c6"), Some(Rgb::new(0x00, 0x72, 0xC6)));
        assert_eq!(Rgb::parse_hex("  #abc\n"), Some(Rgb::new(0xAA, 0xBB, 0xCC)));
        assert_eq!(Rgb::parse_hex("#FFF"), Some(Rgb::WHITE));
    }

    #[test]
    fn hex_parsing_rejects_everything_else() {
        for bad in [
            "",
            "#",
            "red",
            "#12",
            "#1234",
            "#12345",
            "#1234567",
            "#12345678",
            "0072C6",
            "#+12",
            "#+1+2+3",
            "#GGGGGG",
            "# 0072C6",
            "#00 72C6",
            "#٠٠٠",
            "##0072C6",
        ] {
            assert_eq!(Rgb::parse_hex(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn hex_output_is_upper_case_and_round_trips() {
        assert_eq!(Rgb::new(0x00, 0x72, 0xC6).to_hex(), "#0072C6");
        assert_eq!(Rgb::new(0xab, 0x0c, 0x0d).to_string(), "#AB0C0D");
        for brand in test_brands() {
            assert_eq!(Rgb::parse_hex(&brand.to_hex()), Some(brand));
        }
    }

    #[test]
    fn rgb_serializes_as_a_hex_string() {
        let json = serde_json::to_string(&hex("#0072c6")).expect("serialize");
        assert_eq!(json, "\"#0072C6\"");
        let back: Rgb = serde_json::from_str(&json).expect("deserialize");
        assert_eq!(back, hex("#0072C6"));
        assert!(serde_json::from_str::<Rgb>("\"red\"").is_err());
    }

    #[test]
    fn page_colours_match_app_css() {
        let css = include_str!("../../assets/app.css");
        let (light, rest) = css
            .split_once("@media (prefers-color-scheme: dark)")
            .expect("app.css has a dark scheme");
        let value = |block: &str, name: &str| {
            let start = block.find(&format!("{name}:")).expect(name) + name.len() + 1;
            let end = start + block[start..].find(';').expect("declaration end");
            hex(&block[start..end])
        };
        for (block, page) in [(light, &LIGHT_PAGE), (rest, &DARK_PAGE)] {
            assert_eq!(value(block, "--bg"), page.background);
            assert_eq!(value(block, "--surface"), page.surface);
            assert_eq!(value(block, "--text"), page.text);
        }
    }

    #[test]
    fn body_text_and_last_resort_colours_pass_on_the_site_pages() {
        // The fallbacks in `Scheme::derive` rely on these.
        for page in [LIGHT_PAGE, DARK_PAGE] {
            assert!(contrast_ratio(page.text, page.background) >= TEXT_CONTRAST);
            assert!(contrast_ratio(page.text, page.surface) >= TEXT_CONTRAST);
            assert!(button_passes(
                last_resort_button(page.background),
                page.background
            ));
        }
    }

    #[test]
    fn brands_around_the_hue_wheel_and_edge_cases_meet_every_ratio_in_both_schemes() {
        for brand in test_brands() {
            assert_palette_is_accessible(brand);
        }
    }

    #[test]
    fn every_colour_on_a_coarse_grid_meets_every_ratio_in_both_schemes() {
        for r in (0..=255).step_by(51) {
            for g in (0..=255).step_by(51) {
                for b in (0..=255).step_by(51) {
                    assert_palette_is_accessible(Rgb::new(r, g, b));
                }
            }
        }
    }

    proptest! {
        #[test]
        fn any_brand_colour_meets_every_ratio_in_both_schemes(r: u8, g: u8, b: u8) {
            assert_palette_is_accessible(Rgb::new(r, g, b));
        }
    }

    #[test]
    fn a_brand_that_already_passes_is_kept_as_the_light_button() {
        let palette = Palette::from_brand(hex("#0072C6"));
        assert_eq!(palette.brand, hex("#0072C6"));
        assert_eq!(palette.light.button, hex("#0072C6"));
        assert_eq!(palette.light.button_text, Rgb::WHITE);
        assert_eq!(palette.light.focus, hex("#0072C6"));
        // On white it would pass (4.97:1), but links also sit on the brand tint, so they get a
        // shade darker.
        assert_eq!(palette.light.link, hex("#006FC1"));
    }

    #[test]
    fn adjusted_colours_keep_the_brand_hue() {
        for brand in test_brands() {
            let base = Oklch::from_rgb(brand);
            if base.c < 0.05 {
                continue; // greys have no hue to keep
            }
            let palette = Palette::from_brand(brand);
            for scheme in [palette.light, palette.dark] {
                for derived in [scheme.button, scheme.link, scheme.focus] {
                    let got = Oklch::from_rgb(derived);
                    if got.c < 0.03 {
                        continue; // pushed to the end of the lightness axis, hue is meaningless
                    }
                    let diff = (got.h - base.h).sin().abs();
                    assert!(diff < 0.2, "{brand} -> {derived}: hue moved by {diff}");
                }
            }
        }
    }

    #[test]
    fn white_and_black_brands_stay_visible_on_both_pages() {
        for brand in [Rgb::WHITE, Rgb::BLACK] {
            let palette = Palette::from_brand(brand);
            for scheme in [palette.light, palette.dark] {
                assert!(contrast_ratio(scheme.button, scheme.background) >= NON_TEXT_CONTRAST);
                assert_ne!(scheme.button_hover, scheme.button);
                assert_ne!(scheme.soft, scheme.background);
            }
        }
        let white = Palette::from_brand(Rgb::WHITE);
        assert_ne!(white.light.button, Rgb::WHITE);
        let black = Palette::from_brand(Rgb::BLACK);
        assert_ne!(black.dark.button, Rgb::BLACK);
    }

    #[test]
    fn hover_differs_from_the_button_for_every_test_brand() {
        for brand in test_brands() {
            let palette = Palette::from_brand(brand);
            assert_ne!(palette.light.button_hover, palette.light.button, "{brand}");
            assert_ne!(palette.dark.button_hover, palette.dark.button, "{brand}");
        }
    }

    /// 64×64, mostly transparent, with a black border, a blue square and white "text" on it.
    fn logo() -> RgbaImage {
        let blue = Rgba([0x00, 0x72, 0xC6, 0xFF]);
        let mut image = RgbaImage::from_pixel(64, 64, Rgba([0, 0, 0, 0]));
        for (x, y, pixel) in image.enumerate_pixels_mut() {
            if x == 0 || y == 0 || x == 63 || y == 63 {
                *pixel = Rgba([0, 0, 0, 255]);
            } else if (20..44).contains(&x) && (20..44).contains(&y) {
                *pixel = if y % 4 == 0 && x % 3 != 0 {
                    Rgba([255, 255, 255, 255])
                } else {
                    blue
                };
            } else if (4..60).contains(&x) && (4..8).contains(&y) {
                // A wide stripe of faint red: many pixels, but too transparent to count.
                *pixel = Rgba([0xE0, 0x10, 0x10, 0x40]);
            } else if (4..8).contains(&x) && (50..52).contains(&y) {
                // A few grey anti-aliasing pixels.
                *pixel = Rgba([0x80, 0x80, 0x80, 0xFF]);
            }
        }
        image
    }

    #[test]
    fn dominant_colour_of_a_logo_is_its_blue() {
        assert_eq!(dominant_colour(&logo()), Some(hex("#0072C6")));
    }

    #[test]
    fn dominant_colour_prefers_the_larger_area() {
        let mut image = RgbaImage::from_pixel(10, 10, Rgba([0xE3, 0x00, 0x8C, 0xFF]));
        for x in 0..10 {
            for y in 0..3 {
                image.put_pixel(x, y, Rgba([0x00, 0x99, 0x33, 0xFF]));
            }
        }
        assert_eq!(dominant_colour(&image), Some(hex("#E3008C")));
    }

    #[test]
    fn dominant_colour_ignores_stray_coloured_pixels() {
        let mut image = RgbaImage::from_pixel(100, 100, Rgba([255, 255, 255, 255]));
        image.put_pixel(5, 5, Rgba([0xFF, 0x00, 0x00, 0xFF]));
        assert_eq!(dominant_colour(&image), None);
    }

    #[test]
    fn dominant_colour_of_a_colourless_image_is_none() {
        for pixel in [
            Rgba([255, 255, 255, 255]),
            Rgba([0, 0, 0, 0]),
            Rgba([0x00, 0x72, 0xC6, 0x10]),
            Rgba([0, 0, 0, 255]),
            Rgba([0x77, 0x77, 0x77, 255]),
            Rgba([0xF0, 0xF4, 0xFA, 255]),
        ] {
            assert_eq!(
                dominant_colour(&RgbaImage::from_pixel(32, 32, pixel)),
                None,
                "{pixel:?}"
            );
        }
        assert_eq!(dominant_colour(&RgbaImage::new(0, 0)), None);
    }

    /// The `name:value` declarations of one `:root{…}` block, in order.
    fn declarations(block: &str) -> Vec<(String, String)> {
        block
            .split(';')
            .map(|d| {
                let (name, value) = d.split_once(':').expect("name:value");
                (name.to_owned(), value.to_owned())
            })
            .collect()
    }

    #[test]
    fn stylesheet_is_deterministic_and_declares_every_property_for_both_schemes() {
        let brand = hex("#E3008C");
        let css = Palette::from_brand(brand).stylesheet();
        assert_eq!(css, Palette::from_brand(brand).stylesheet());
        assert_ne!(css, Palette::from_brand(hex("#0072C6")).stylesheet());

        let (light, dark) = css
            .split_once("@media screen and (prefers-color-scheme: dark)")
            .expect("dark block");
        let body = |block: &str| {
            let start = block.find(":root{").expect(":root") + ":root{".len();
            let end = start + block[start..].find('}').expect("end");
            block[start..end].to_owned()
        };
        let palette = Palette::from_brand(brand);
        for (block, scheme) in [(light, palette.light), (dark, palette.dark)] {
            let expected = [
                ("--brand", scheme.button),
                ("--brand-contrast", scheme.button_text),
                ("--brand-hover", scheme.button_hover),
                ("--brand-text", scheme.link),
                ("--brand-soft", scheme.soft),
                ("--focus", scheme.focus),
            ]
            .map(|(name, colour)| (name.to_owned(), colour.to_hex()));
            assert_eq!(declarations(&body(block)), expected.to_vec());
        }
    }

    #[test]
    fn stylesheet_writes_only_hex_colours() {
        for brand in test_brands() {
            let css = Palette::from_brand(brand).stylesheet();
            assert!(!css.contains('<') && !css.contains('"') && !css.contains('\''));
            assert_eq!(css.matches('{').count(), 4);
            assert_eq!(css.matches('}').count(), 4);
            for line in css.lines() {
                let start = line.find(":root{").expect(":root") + ":root{".len();
                let end = line.rfind("}}").expect("end");
                for (name, value) in declarations(&line[start..end]) {
                    assert!(name.starts_with("--"), "{name}");
                    assert!(
                        value.len() == 7
                            && value.starts_with('#')
                            && value[1..]
                                .bytes()
                                .all(|b| b.is_ascii_digit() || (b'A'..=b'F').contains(&b)),
                        "{name}:{value}"
                    );
                }
            }
        }
    }

    #[test]
    fn admin_colour_with_enough_contrast_is_accepted() {
        assert_eq!(check_admin_colour(" #0072c6 ").ok(), Some(hex("#0072C6")));
        assert_eq!(check_admin_colour("#000").ok(), Some(Rgb::BLACK));
    }

    #[test]
    fn admin_colour_invisible_on_the_page_is_refused_with_its_ratio() {
        let error = check_admin_colour("#FFFF00").expect_err("yellow is refused");
        let ColourError::TooLowContrast {
            ratio, suggestion, ..
        } = &error
        else {
            panic!("{error:?}");
        };
        assert!((ratio - 1.073_839).abs() < TOLERANCE);
        let message = error.to_string();
        assert!(message.contains("1.07:1"), "{message}");
        assert!(message.contains("3.0:1"), "{message}");
        // The suggestion is itself acceptable.
        assert!(check_admin_colour(suggestion).is_ok(), "{message}");
    }

    #[test]
    fn admin_colour_unreadable_under_any_label_is_refused_with_the_best_ratio() {
        // #777777: white text 4.48:1, near-black text 4.12:1.
        let error = check_admin_colour("#777777").expect_err("mid grey is refused");
        let message = error.to_string();
        assert!(message.contains("4.48:1"), "{message}");
        assert!(message.contains("4.5:1"), "{message}");
        assert!(matches!(
            error,
            ColourError::TooLowContrast { against, .. } if against.contains("text")
        ));
    }

    #[test]
    fn admin_colour_that_is_not_a_colour_is_invalid() {
        for bad in ["red", "#12", "", "javascript:alert(1)"] {
            assert!(
                matches!(check_admin_colour(bad), Err(ColourError::Invalid { .. })),
                "{bad:?}"
            );
        }
        let long = "x".repeat(1000);
        let Err(ColourError::Invalid { value }) = check_admin_colour(&long) else {
            panic!("long input is invalid");
        };
        assert_eq!(value.len(), 64);
    }
}
