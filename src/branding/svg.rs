//! SVG: checked, then rasterised by resvg at the output size — never stored or served as SVG.
//!
//! Refused before any rendering: more than [`MAX_SVG_BYTES`], gzip (SVGZ: usvg would inflate it
//! without a bound), entities, scripts and event handlers, external references (usvg's default
//! resolver reads local files: ours resolves nothing), embedded bitmaps, text, and documents whose
//! element count, nesting, filters or estimated pixel work would be too much. Part of the image
//! pipeline in `image.rs`, which sniffs the format and encodes the result.

use std::collections::HashMap;

use resvg::tiny_skia;
use resvg::usvg;
use resvg::usvg::roxmltree;

use image::RgbaImage;

use super::image::{ImageError, ImageRole, MAX_SVG_BYTES};
use super::sniff::contains_ignore_case;

/// XML nodes roxmltree may create for one SVG (elements, text and comments).
const MAX_SVG_XML_NODES: u32 = 50_000;
/// Elements after `<use>` expansion; bounds usvg's tree and resvg's rendering work.
const MAX_SVG_ELEMENTS: u64 = 10_000;
/// Nesting after `<use>` expansion; usvg and resvg recurse on it (blocking threads have 2 MiB stacks).
pub(super) const MAX_SVG_DEPTH: u32 = 64;
/// Filter primitives (`fe*`) after expansion; each one can cost a full-layer pass.
const MAX_SVG_FILTER_PRIMITIVES: u64 = 16;
/// Filter primitives whose cost is linear in the layer area; the others (morphology, convolution,
/// turbulence, lighting, displacement, feImage, feTile) can cost area × radius² or worse.
const CHEAP_FILTER_ELEMENTS: &[&str] = &[
    "feBlend",
    "feColorMatrix",
    "feComponentTransfer",
    "feFuncR",
    "feFuncG",
    "feFuncB",
    "feFuncA",
    "feComposite",
    "feDropShadow",
    "feFlood",
    "feGaussianBlur",
    "feMerge",
    "feMergeNode",
    "feOffset",
];
/// Pixels resvg may touch (fills, layers, filters), as a multiple of the output canvas.
const SVG_PIXEL_WORK_PER_CANVAS: f64 = 100.0;
/// Bytes of layers alive at once along any nesting path (resvg allocates a layer per isolated
/// group, up to 25 × the canvas, plus clip, mask and filter buffers of the same size).
const SVG_LAYER_BYTES: f64 = 192.0 * 1024.0 * 1024.0;
/// Dash segments resvg may generate in total (tiny-skia allows a million per path).
const SVG_MAX_DASHES: f64 = 100_000.0;
/// Smallest and largest intrinsic SVG side, in user units, we consider sane.
const SVG_SIDE_RANGE: (f32, f32) = (0.01, 100_000.0);
/// Most elongated SVG we rasterise (long side : short side).
const MAX_SVG_ASPECT: f32 = 100.0;

/// Why an SVG was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SvgRefusal {
    /// Over [`MAX_SVG_BYTES`].
    #[error("the SVG is {bytes} bytes; SVG files may be at most 256 KiB")]
    TooLarge {
        /// Size of the input.
        bytes: usize,
    },
    /// Gzip data (SVGZ): usvg would inflate it without a bound.
    #[error("the file is gzip-compressed (SVGZ?); upload the uncompressed SVG")]
    Compressed,
    /// Not UTF-8.
    #[error("the SVG is not UTF-8 text")]
    NotUtf8,
    /// `<script>`, `on…=` handlers, `javascript:` links, `<foreignObject>`.
    #[error("it contains script or active content ({what}); logos must be plain drawings")]
    Script {
        /// What was found.
        what: String,
    },
    /// A reference to anything outside the file (http, file:, other SVGs, stylesheets, fonts).
    #[error(
        "it refers to an external resource ({href}); everything must be inside the file, \
         or upload a PNG instead"
    )]
    ExternalReference {
        /// The reference, shortened.
        href: String,
    },
    /// `<image>` with inline bitmap data (we do not decode bitmaps inside SVG).
    #[error("it embeds a bitmap image; upload that bitmap (PNG or JPEG) directly instead")]
    EmbeddedImage,
    /// `<!ENTITY` declarations (billion laughs and friends).
    #[error(
        "it declares XML entities (<!ENTITY …>), which we do not expand; \
         re-export it without a DOCTYPE"
    )]
    Entities,
    /// Non-empty `<text>`: we have no fonts, it would silently vanish.
    #[error(
        "it contains text, which we cannot render without fonts; \
         convert text to outlines (paths) before exporting"
    )]
    Text,
    /// Too many elements, too deep, too many filters.
    #[error("it is too complex to render safely ({what})")]
    TooComplex {
        /// Which bound was hit.
        what: String,
    },
    /// Not well-formed XML or not an SVG root.
    #[error("it is not a well-formed SVG document ({detail})")]
    Malformed {
        /// Parser's explanation.
        detail: String,
    },
    /// A feature whose rendering cost we cannot bound (patterns, costly filters).
    #[error("it uses {what}, which we do not render; export a simpler SVG or a PNG")]
    UnsupportedFeature {
        /// The feature.
        what: String,
    },
    /// Zero, negative, absurd or extremely elongated size.
    #[error(
        "it has no usable size ({detail}); set width/height or a viewBox with positive, \
         reasonable values"
    )]
    BadSize {
        /// What was wrong.
        detail: String,
    },
    /// Rendered nothing visible.
    #[error("it renders as a fully transparent image")]
    Blank,
}

impl SvgRefusal {
    /// Stable short code for APIs, logs and tests.
    pub fn code(&self) -> &'static str {
        match self {
            Self::TooLarge { .. } => "svg_too_large",
            Self::Compressed => "svg_compressed",
            Self::NotUtf8 => "svg_not_utf8",
            Self::Script { .. } => "svg_script",
            Self::ExternalReference { .. } => "svg_external_reference",
            Self::EmbeddedImage => "svg_embedded_image",
            Self::Entities => "svg_entities",
            Self::Text => "svg_text",
            Self::TooComplex { .. } => "svg_too_complex",
            Self::UnsupportedFeature { .. } => "svg_unsupported_feature",
            Self::Malformed { .. } => "svg_malformed",
            Self::BadSize { .. } => "svg_bad_size",
            Self::Blank => "svg_blank",
        }
    }
}

const SVG_NS: &str = "http://www.w3.org/2000/svg";

/// Checks, parses and rasterises an SVG so that its long side equals the role's bound.
pub(super) fn rasterize_svg(bytes: &[u8], role: ImageRole) -> Result<RgbaImage, ImageError> {
    if bytes.len() > MAX_SVG_BYTES {
        return Err(SvgRefusal::TooLarge { bytes: bytes.len() }.into());
    }
    let text = std::str::from_utf8(bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes))
        .map_err(|_| SvgRefusal::NotUtf8)?;
    // roxmltree bounds entity expansion depth but allows any number of references at the top
    // level, so 256 KiB of `&big;` can still expand to gigabytes: refuse entities outright.
    if contains_ignore_case(text.as_bytes(), b"<!ENTITY") {
        return Err(SvgRefusal::Entities.into());
    }
    // Textual check first so the admin hears "script" even when the XML is also broken.
    if contains_ignore_case(text.as_bytes(), b"<script") {
        return Err(SvgRefusal::Script {
            what: "a <script> element".into(),
        }
        .into());
    }
    let document = parse_svg_xml(text)?;
    inspect_svg(&document)?;
    let tree = usvg::Tree::from_xmltree(&document, &svg_options()).map_err(|e| match e {
        usvg::Error::ElementsLimitReached
        | usvg::Error::ParsingFailed(roxmltree::Error::NodesLimitReached) => {
            SvgRefusal::TooComplex {
                what: "too many elements".into(),
            }
        }
        usvg::Error::InvalidSize => SvgRefusal::BadSize {
            detail: "width, height and viewBox are missing or not positive".into(),
        },
        other => SvgRefusal::Malformed {
            detail: other.to_string(),
        },
    })?;
    render_svg(&tree, role.max_side())
}

fn parse_svg_xml(text: &str) -> Result<roxmltree::Document<'_>, SvgRefusal> {
    let options = roxmltree::ParsingOptions {
        // Exported SVGs routinely carry `<!DOCTYPE svg PUBLIC …>`; entities are refused above
        // and external DTDs are never fetched (no entity resolver).
        allow_dtd: true,
        nodes_limit: MAX_SVG_XML_NODES,
        entity_resolver: None,
    };
    roxmltree::Document::parse_with_options(text, options).map_err(|e| match e {
        roxmltree::Error::NodesLimitReached => SvgRefusal::TooComplex {
            what: format!("more than {MAX_SVG_XML_NODES} XML nodes"),
        },
        roxmltree::Error::EntityReferenceLoop(_) => SvgRefusal::Entities,
        other => SvgRefusal::Malformed {
            detail: other.to_string(),
        },
    })
}

/// usvg options that can reach nothing outside the document.
pub(super) fn svg_options() -> usvg::Options<'static> {
    usvg::Options {
        // No base directory: relative paths have nothing to resolve against.
        resources_dir: None,
        // usvg's default resolver reads local files for `<image href="/etc/passwd">` and parses
        // nested SVG from data URLs; ours resolves nothing.
        image_href_resolver: usvg::ImageHrefResolver {
            resolve_data: Box::new(|_, _, _| None),
            resolve_string: Box::new(|_, _| None),
        },
        ..usvg::Options::default()
    }
}

/// Refuses active content, external references, text, embedded bitmaps and excessive complexity,
/// so the admin learns why instead of getting a silently different picture.
fn inspect_svg(document: &roxmltree::Document<'_>) -> Result<(), SvgRefusal> {
    let root = document.root_element();
    if root.tag_name().name() != "svg" || root.tag_name().namespace() != Some(SVG_NS) {
        return Err(SvgRefusal::Malformed {
            detail: "the root element is not <svg> in the SVG namespace \
                     (missing xmlns=\"http://www.w3.org/2000/svg\"?)"
                .into(),
        });
    }
    check_svg_root_size(root)?;
    for node in document.descendants() {
        if let Some(pi) = node.pi() {
            if pi.target.eq_ignore_ascii_case("xml-stylesheet") {
                return Err(SvgRefusal::ExternalReference {
                    href: shorten(pi.value.unwrap_or("xml-stylesheet")),
                });
            }
            continue;
        }
        if !node.is_element() {
            continue;
        }
        let name = node.tag_name().name();
        match name {
            "script" => {
                return Err(SvgRefusal::Script {
                    what: "a <script> element".into(),
                });
            }
            "foreignObject" => {
                return Err(SvgRefusal::Script {
                    what: "a <foreignObject> element (embedded HTML)".into(),
                });
            }
            "image" => {
                let href = node
                    .attributes()
                    .find(|a| a.name() == "href")
                    .map(|a| a.value().trim())
                    .unwrap_or("");
                if href
                    .get(..5)
                    .is_some_and(|p| p.eq_ignore_ascii_case("data:"))
                {
                    return Err(SvgRefusal::EmbeddedImage);
                }
            }
            "text" => {
                let has_text = node
                    .descendants()
                    .any(|n| n.is_text() && n.text().is_some_and(|t| !t.trim().is_empty()));
                if has_text {
                    return Err(SvgRefusal::Text);
                }
            }
            "style" => {
                for css in node
                    .descendants()
                    .filter_map(|n| n.is_text().then(|| n.text()).flatten())
                {
                    check_css(css)?;
                }
            }
            // resvg sizes a pattern tile by its user-space rect, without any bound.
            "pattern" => {
                return Err(SvgRefusal::UnsupportedFeature {
                    what: "a <pattern> fill".into(),
                });
            }
            fe if fe.starts_with("fe") && !CHEAP_FILTER_ELEMENTS.contains(&fe) => {
                return Err(SvgRefusal::UnsupportedFeature {
                    what: format!("the filter effect <{fe}>"),
                });
            }
            _ => {}
        }
        for attribute in node.attributes() {
            let attr = attribute.name();
            let value = attribute.value().trim();
            if attr.len() > 2 && attr.get(..2).is_some_and(|p| p.eq_ignore_ascii_case("on")) {
                return Err(SvgRefusal::Script {
                    what: format!("an event handler attribute {attr}=\"…\""),
                });
            }
            if contains_ignore_case(value.as_bytes(), b"javascript:") {
                return Err(SvgRefusal::Script {
                    what: "a javascript: URL".into(),
                });
            }
            // A hyperlink is not fetched when rasterising; any other href would be loaded.
            if attr == "href" && name != "a" && !value.starts_with('#') {
                return Err(SvgRefusal::ExternalReference {
                    href: shorten(value),
                });
            }
            check_css(value)?;
        }
    }
    check_svg_complexity(document)
}

/// Requires a usable intrinsic size: usvg silently ignores a broken viewBox and falls back to
/// 100×100, which would crop or distort the drawing.
fn check_svg_root_size(root: roxmltree::Node<'_, '_>) -> Result<(), SvgRefusal> {
    let bad = |detail: String| SvgRefusal::BadSize { detail };
    if let Some(view_box) = root.attribute("viewBox") {
        let numbers: Vec<f32> = view_box
            .split(|c: char| c.is_whitespace() || c == ',')
            .filter(|part| !part.is_empty())
            .map(str::parse)
            .collect::<Result<_, _>>()
            .map_err(|_| {
                bad(format!(
                    "viewBox \"{}\" is not four numbers",
                    shorten(view_box)
                ))
            })?;
        match numbers[..] {
            [_, _, w, h] if w > 0.0 && h > 0.0 && w.is_finite() && h.is_finite() => return Ok(()),
            _ => return Err(bad(format!("viewBox \"{}\"", shorten(view_box)))),
        }
    }
    let absolute = |name: &str| {
        let value = root.attribute(name)?.trim();
        // Percentages depend on a viewport we do not have; absolute units are fine.
        let number = ["px", "pt", "pc", "mm", "cm", "in", "em", "ex"]
            .iter()
            .find_map(|unit| value.strip_suffix(unit))
            .unwrap_or(value);
        let number: f32 = number.trim().parse().ok()?;
        (number > 0.0 && number.is_finite()).then_some(number)
    };
    match (absolute("width"), absolute("height")) {
        (Some(_), Some(_)) => Ok(()),
        _ => Err(bad(
            "no viewBox and no positive absolute width and height".into()
        )),
    }
}

/// Refuses `@import` and `url(…)` that does not point inside the document.
fn check_css(css: &str) -> Result<(), SvgRefusal> {
    if contains_ignore_case(css.as_bytes(), b"@import") {
        return Err(SvgRefusal::ExternalReference {
            href: "a CSS @import".into(),
        });
    }
    let lower = css.to_ascii_lowercase();
    let mut from = 0;
    while let Some(found) = lower[from..].find("url(") {
        let start = from + found + 4;
        let target =
            css[start..].trim_start_matches(|c: char| c.is_whitespace() || c == '"' || c == '\'');
        if !target.starts_with('#') {
            let end = target.find(')').unwrap_or(target.len());
            return Err(SvgRefusal::ExternalReference {
                href: shorten(target[..end].trim_end_matches(['"', '\''])),
            });
        }
        from = start;
    }
    Ok(())
}

fn shorten(text: &str) -> String {
    const MAX: usize = 80;
    match text.char_indices().nth(MAX) {
        Some((cut, _)) => format!("{}…", &text[..cut]),
        None => text.to_owned(),
    }
}

/// Counts elements, nesting depth and filter primitives as usvg will see them, i.e. with every
/// `<use>` replaced by a copy of its target (nested `<use>` multiplies). Iterative on purpose:
/// recursion on hostile nesting would overflow the stack.
fn check_svg_complexity(document: &roxmltree::Document<'_>) -> Result<(), SvgRefusal> {
    #[derive(Clone, Copy)]
    struct Cost {
        elements: u64,
        depth: u32,
        filters: u64,
    }
    let too_complex = |what: String| SvgRefusal::TooComplex { what };
    let mut ids = HashMap::new();
    for node in document.descendants().filter(|n| n.is_element()) {
        if let Some(id) = node.attribute("id") {
            ids.entry(id).or_insert(node);
        }
    }
    let use_target = |node: roxmltree::Node<'_, '_>| {
        if node.tag_name().name() != "use" {
            return None;
        }
        let href = node
            .attributes()
            .find(|a| a.name() == "href")?
            .value()
            .trim();
        ids.get(href.strip_prefix('#')?).copied()
    };
    let mut done: HashMap<roxmltree::NodeId, Cost> = HashMap::new();
    let mut in_progress = std::collections::HashSet::new();
    let mut stack = vec![(document.root_element(), false)];
    while let Some((node, children_done)) = stack.pop() {
        if done.contains_key(&node.id()) {
            continue;
        }
        let dependencies = node
            .children()
            .filter(|c| c.is_element())
            .chain(use_target(node));
        if !children_done {
            in_progress.insert(node.id());
            stack.push((node, true));
            for dependency in dependencies {
                if in_progress.contains(&dependency.id()) {
                    return Err(too_complex("a <use> element refers to itself".into()));
                }
                if !done.contains_key(&dependency.id()) {
                    stack.push((dependency, false));
                }
            }
            continue;
        }
        let is_filter = u64::from(node.tag_name().name().starts_with("fe"));
        let mut cost = Cost {
            elements: 1,
            depth: 1,
            filters: is_filter,
        };
        for dependency in dependencies {
            // Every dependency was pushed above it and is finished by now.
            let Some(child) = done.get(&dependency.id()) else {
                return Err(too_complex("unresolvable <use> structure".into()));
            };
            // `<defs>` content is drawn only through references, which count it there; its
            // nesting still counts because usvg parses it recursively.
            if dependency.tag_name().name() != "defs" {
                cost.elements = cost.elements.saturating_add(child.elements);
                cost.filters = cost.filters.saturating_add(child.filters);
            }
            cost.depth = cost.depth.max(child.depth.saturating_add(1));
        }
        if cost.elements > MAX_SVG_ELEMENTS {
            return Err(too_complex(format!(
                "more than {MAX_SVG_ELEMENTS} elements once <use> references are expanded"
            )));
        }
        if cost.depth > MAX_SVG_DEPTH {
            return Err(too_complex(format!(
                "nested more than {MAX_SVG_DEPTH} levels deep"
            )));
        }
        if cost.filters > MAX_SVG_FILTER_PRIMITIVES {
            return Err(too_complex(format!(
                "more than {MAX_SVG_FILTER_PRIMITIVES} filter primitives"
            )));
        }
        in_progress.remove(&node.id());
        done.insert(node.id(), cost);
    }
    Ok(())
}

fn render_svg(tree: &usvg::Tree, max_side: u32) -> Result<RgbaImage, ImageError> {
    let size = tree.size();
    let (width, height) = (size.width(), size.height());
    let (min_side, max_allowed) = SVG_SIDE_RANGE;
    let sane = |v: f32| v.is_finite() && (min_side..=max_allowed).contains(&v);
    if !sane(width) || !sane(height) {
        return Err(SvgRefusal::BadSize {
            detail: format!("{width}×{height} user units"),
        }
        .into());
    }
    let (long, short) = (width.max(height), width.min(height));
    if long / short > MAX_SVG_ASPECT {
        return Err(SvgRefusal::BadSize {
            detail: format!("aspect ratio {width}:{height} is more extreme than 100:1"),
        }
        .into());
    }
    // Vector art scales cleanly, so we render at the role's full bound rather than at the often
    // tiny intrinsic size (24×24 icons would otherwise come out blurry when displayed).
    let scale = max_side as f32 / long;
    let to_px = |v: f32| ((v * scale).round() as u32).clamp(1, max_side);
    let (out_w, out_h) = (to_px(width), to_px(height));
    let transform = tiny_skia::Transform::from_scale(out_w as f32 / width, out_h as f32 / height);
    check_render_cost(tree, transform, out_w, out_h)?;
    let mut pixmap = tiny_skia::Pixmap::new(out_w, out_h)
        .ok_or_else(|| ImageError::internal("could not allocate the SVG canvas"))?;
    resvg::render(tree, transform, &mut pixmap.as_mut());
    if pixmap.pixels().iter().all(|p| p.alpha() == 0) {
        return Err(SvgRefusal::Blank.into());
    }
    RgbaImage::from_raw(out_w, out_h, pixmap.take_demultiplied())
        .ok_or_else(|| ImageError::internal("SVG canvas has an unexpected size"))
}

/// Estimates resvg's work and memory from the converted tree and refuses what exceeds the budget:
/// - pixels touched: every path's box, every layer (isolated group) and its clip, mask and filter
///   passes, each clipped to resvg's own layer bound (the canvas grown by 2× on every side);
/// - layer memory alive at once along any nesting path;
/// - dash segments, from an upper bound of each dashed path's length (its control polygon).
fn check_render_cost(
    tree: &usvg::Tree,
    root: tiny_skia::Transform,
    canvas_w: u32,
    canvas_h: u32,
) -> Result<(), SvgRefusal> {
    let (cw, ch) = (f64::from(canvas_w), f64::from(canvas_h));
    let canvas_px = cw * ch;
    let (sx, sy) = (f64::from(root.sx), f64::from(root.sy));
    // Area in output pixels of a canvas-unit box, clipped to resvg's maximum layer region.
    let clipped_area = |left: f32, top: f32, right: f32, bottom: f32| {
        let span = |a: f32, b: f32, scale: f64, size: f64| {
            let (a, b) = (f64::from(a) * scale, f64::from(b) * scale);
            (b.min(3.0 * size) - a.max(-2.0 * size)).max(0.0) + 4.0
        };
        span(left, right, sx, cw) * span(top, bottom, sy, ch)
    };
    let too_complex = |what: String| SvgRefusal::TooComplex { what };
    let mut work = 0.0;
    let mut dashes = 0.0;
    let mut stack: Vec<(&usvg::Group, f64)> = vec![(tree.root(), canvas_px * 4.0)];
    while let Some((group, alive_above)) = stack.pop() {
        let mut alive = alive_above;
        if group.should_isolate() {
            let r = group.abs_layer_bounding_box();
            let layer_px = clipped_area(r.left(), r.top(), r.right(), r.bottom());
            // The layer itself, then same-size buffers: one for a clip, two for a mask (pixmap
            // and alpha), and for filters the source copy, a scratch input and every
            // primitive's result (resvg keeps them all until the filter ends).
            let primitives: usize = group.filters().iter().map(|f| f.primitives().len()).sum();
            let filter_buffers = if primitives == 0 {
                0.0
            } else {
                2.0 + primitives as f64
            };
            let buffers = 1.0
                + f64::from(u8::from(group.clip_path().is_some()))
                + 2.0 * f64::from(u8::from(group.mask().is_some()))
                + filter_buffers;
            alive += layer_px * 4.0 * buffers;
            work += layer_px * (buffers + 1.0);
            if alive > SVG_LAYER_BYTES {
                return Err(too_complex(format!(
                    "nested transparency, mask, clip or filter layers would need {} MiB at once",
                    (alive / 1_048_576.0).ceil()
                )));
            }
        }
        let mut mask = group.mask();
        while let Some(m) = mask {
            stack.push((m.root(), alive));
            mask = m.mask();
        }
        let mut clip = group.clip_path();
        while let Some(c) = clip {
            stack.push((c.root(), alive));
            clip = c.clip_path();
        }
        for child in group.children() {
            match child {
                usvg::Node::Group(child) => stack.push((child, alive)),
                usvg::Node::Path(path) => {
                    let b = path.abs_stroke_bounding_box();
                    let painted =
                        u8::from(path.fill().is_some()) + u8::from(path.stroke().is_some());
                    work +=
                        clipped_area(b.left(), b.top(), b.right(), b.bottom()) * f64::from(painted);
                    if let Some(pattern) = path.stroke().and_then(|s| s.dasharray()) {
                        let period: f32 = pattern.iter().sum();
                        let (psx, psy) = root.pre_concat(path.abs_transform()).get_scale();
                        let length = control_polygon_length(path.data()) * f64::from(psx.max(psy));
                        let period_px = f64::from(period) * f64::from(psx.min(psy));
                        dashes += if period_px > 0.0 {
                            length / period_px * pattern.len() as f64
                        } else {
                            f64::INFINITY
                        };
                    }
                }
                usvg::Node::Image(_) | usvg::Node::Text(_) => {}
            }
        }
        if work > SVG_PIXEL_WORK_PER_CANVAS * canvas_px {
            return Err(too_complex(format!(
                "painting it would touch more than {SVG_PIXEL_WORK_PER_CANVAS} times the image area"
            )));
        }
        if dashes > SVG_MAX_DASHES {
            return Err(too_complex("dashed strokes with too many dashes".into()));
        }
    }
    Ok(())
}

/// Sum of distances between consecutive path points, control points included: never shorter
/// than the curve itself.
fn control_polygon_length(path: &tiny_skia::Path) -> f64 {
    path.points()
        .windows(2)
        .map(|pair| f64::from((pair[1].x - pair[0].x).hypot(pair[1].y - pair[0].y)))
        .sum()
}
