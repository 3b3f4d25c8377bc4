//! Branding: the images we may serve and the colours we may use.
//!
//! `image` turns untrusted bytes into our own re-encoded copies (`sniff` says what the bytes are,
//! `svg` checks and rasterises SVG); `palette` turns a brand colour into page colours that stay readable; `slots` decides
//! how many images are decoded at once, and for whom; `collect` deletes stored images nothing
//! names any more. [`prepare`] is what fetchers and uploads call.

pub mod collect;
pub mod image;
pub mod palette;
pub mod slots;
mod sniff;
mod svg;

use std::io::Cursor;

use ::image::{ImageFormat, ImageReader, Limits};
use bytes::Bytes;

use crate::store::models::NewAsset;
use image::{ImageError, ImageRole, normalize};
use slots::{DecodeLane, DecodeSlots};

/// Normalise untrusted image bytes in one of `lane`'s decode slots and describe the result for the
/// store (with its dominant colour).
pub async fn prepare(
    bytes: Bytes,
    role: ImageRole,
    slots: &DecodeSlots,
    lane: DecodeLane,
) -> Result<NewAsset, ImageError> {
    let image = normalize(bytes, role, slots, lane).await?;
    // Our own small PNG: decoding it again costs little, but keep CPU work off the runtime.
    let png = image.png.clone();
    let dominant_color = tokio::task::spawn_blocking(move || dominant_hex(&png))
        .await
        .ok()
        .flatten();
    Ok(NewAsset {
        sha256: image.sha256,
        width: image.width,
        height: image.height,
        dominant_color,
        png: image.png,
        webp: image.webp,
    })
}

/// The dominant colour (`#RRGGBB`) of a PNG we encoded ourselves.
pub fn dominant_hex(png: &[u8]) -> Option<String> {
    let mut reader = ImageReader::with_format(Cursor::new(png), ImageFormat::Png);
    let mut limits = Limits::default();
    limits.max_image_width = Some(4096);
    limits.max_image_height = Some(4096);
    limits.max_alloc = Some(64 * 1024 * 1024);
    reader.limits(limits);
    let pixels = reader.decode().ok()?.to_rgba8();
    palette::dominant_colour(&pixels).map(|colour| colour.to_hex())
}
