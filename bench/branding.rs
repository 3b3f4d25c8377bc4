//! Branding benchmarks, each figure printed with a reference measured in the same run and their
//! ratio. Nothing is asserted on time or memory; the program exits non-zero only when something is
//! broken (a refused image, a failed request, a wrong answer). See `bench/README.md`.
//!
//! 1. Normalising a 4096×4096 PNG logo (`normalize_blocking(…, ImageRole::Logo)`, the largest
//!    image the decode limits let through): median time against decoding the same PNG with plain
//!    `image::load_from_memory`, and the peak extra resident memory of one normalisation (VmHWM of a
//!    child process of this binary, after it has only read the input, then after the call) against
//!    the size of the decoded RGBA buffer.
//! 2. Serving a cached tenant logo: the real app (`App::build`, SQLite) against the fakes of
//!    `tests/support`, `GET {logo_url}` throughput against `GET /healthz`, same process, same
//!    connection count.
#![allow(
    clippy::print_stdout,
    clippy::print_stderr,
    clippy::disallowed_methods,
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "a benchmark program: it prints its results, reads its own arguments, builds plain \
              HTTP clients for our server, and shares the tests' support code"
)]

#[path = "common/mod.rs"]
mod common;
#[path = "../tests/support/mod.rs"]
mod support;

use std::hint::black_box;
use std::path::Path;
use std::process::ExitCode;
use std::time::{Duration, Instant};

use authwalk::branding::image::{ImageRole, SourceFormat, normalize_blocking};
use image::codecs::png::{CompressionType, FilterType as PngFilter, PngEncoder};
use image::{ExtendedColorType, ImageEncoder, Rgba, RgbaImage};
use reqwest::header::HeaderMap;
use serde_json::Value;

use common::{
    Backend, MIB, Rate, Result, Row, RunningApp, Schedule, app_client, max, median, mib, min, ms,
    ratio, size, vm_hwm_kib,
};
use support::Upstreams;

/// Side of the generated logo: the largest square the decode limits accept (4096² pixels).
const SIDE: u32 = 4096;
/// Bytes of the decoded RGBA8 buffer of the logo.
const DECODED_BYTES: u64 = SIDE as u64 * SIDE as u64 * 4;
/// Timed runs of the normalisation and of the reference decode (1), interleaved.
const TIME_RUNS: usize = 5;
/// Child processes measuring peak memory, per operation (1).
const MEMORY_RUNS: usize = 3;
/// First argument of this binary when it runs as a memory-measuring child.
const CHILD_ARG: &str = "--branding-child";
/// Keep-alive connections driving the throughput test (2).
const CONNECTIONS: usize = 32;
/// One measuring slice of (2); each path gets two, interleaved (5 s each in all).
const SLICE: Duration = Duration::from_millis(2500);
/// Untimed warm-up of each path before (2) measures.
const WARM_UP: Duration = Duration::from_millis(500);
/// How (2) drives the logo and `/healthz`.
const SCHEDULE: Schedule = Schedule {
    connections: CONNECTIONS,
    warm_up: WARM_UP,
    slice: SLICE,
    rounds: 2,
};
/// The tenant whose Entra banner logo is served in (2).
const DOMAIN: &str = "contoso.com";

fn main() -> ExitCode {
    // `cargo bench` passes `--bench`; our own child is started with `CHILD_ARG kind path`.
    let args: Vec<String> = std::env::args().collect();
    if let Some(at) = args.iter().position(|arg| arg == CHILD_ARG) {
        return common::exit_code("bench child", child(&args[at + 1..]));
    }
    common::exit_code("bench", run())
}

fn run() -> Result<()> {
    let started = Instant::now();
    let mut rows = Vec::new();

    println!("\n== 1. normalising a {SIDE}×{SIDE} PNG logo (ImageRole::Logo)");
    let normalise = normalise()?;
    normalise.print();
    rows.extend(normalise.rows());

    println!("\n== 2. serving a cached logo, {CONNECTIONS} keep-alive connections (sqlite)");
    let runtime = common::runtime()?;
    let serving = runtime.block_on(serving())?;
    serving.print();
    rows.push(serving.row());

    common::print_summary(started, &rows);
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// 1. Normalising a large PNG logo
// ---------------------------------------------------------------------------------------------

/// A deterministic 4096×4096 RGBA logo: a rounded badge on a transparent background, with a
/// diagonal two-colour gradient, a soft highlight, an emblem of circles and a ring, four tiles,
/// a band of fine stripes and a grain texture along the bottom (so the PNG is megabytes, not
/// kilobytes, like a real export from a design tool).
fn generate_logo() -> RgbaImage {
    let side = SIDE as f32;
    RgbaImage::from_fn(SIDE, SIDE, |x, y| {
        let (px, py) = (x as f32 + 0.5, y as f32 + 0.5);
        let (u, v) = (px / side, py / side);

        // Badge: rounded square inset 4 %, corner radius 12 %, anti-aliased edge.
        let inset = 0.04 * side;
        let radius = 0.12 * side;
        let half = side / 2.0 - inset;
        let qx = (px - side / 2.0).abs() - (half - radius);
        let qy = (py - side / 2.0).abs() - (half - radius);
        let outside = (qx.max(0.0).powi(2) + qy.max(0.0).powi(2)).sqrt();
        let distance = outside + qx.max(qy).min(0.0) - radius;
        let badge = coverage(distance);
        if badge <= 0.0 {
            return Rgba([0, 0, 0, 0]);
        }

        // Diagonal gradient between two brand colours, plus a radial highlight.
        let t = (u + v) / 2.0;
        let mut colour = mix([0.0, 0.47, 0.83], [0.36, 0.16, 0.63], t);
        let highlight = (1.0 - dist(u, v, 0.3, 0.25) / 0.6).max(0.0).powi(2) * 0.35;
        colour = mix(colour, [1.0, 1.0, 1.0], highlight);

        // Emblem: a filled circle with a vertical gradient, a ring and a small inner disc.
        let emblem = coverage((dist(u, v, 0.5, 0.42) - 0.22) * side);
        let sun = mix([1.0, 0.55, 0.1], [1.0, 0.85, 0.2], (v - 0.2) / 0.44);
        colour = mix(colour, sun, emblem);
        let ring = coverage(((dist(u, v, 0.5, 0.42) - 0.29).abs() - 0.012) * side);
        colour = mix(colour, [1.0, 1.0, 1.0], ring * 0.85);
        let disc = coverage((dist(u, v, 0.56, 0.36) - 0.06) * side);
        colour = mix(colour, [0.95, 0.3, 0.2], disc);

        // Four tiles under the emblem.
        for (i, tile) in [
            [0.95, 0.31, 0.13],
            [0.5, 0.73, 0.0],
            [0.0, 0.64, 0.94],
            [1.0, 0.73, 0.0],
        ]
        .into_iter()
        .enumerate()
        {
            let left = 0.2 + i as f32 * 0.155;
            let dx = (u - (left + 0.0625)).abs() - 0.0625;
            let dy = (v - 0.8).abs() - 0.045;
            colour = mix(colour, tile, coverage(dx.max(dy) * side));
        }

        // Fine diagonal stripes in a band across the emblem.
        if (0.66..0.72).contains(&v) {
            let stripe = (((u - v) * side / 9.0).sin() * 0.5 + 0.5) * 0.25;
            colour = mix(colour, [1.0, 1.0, 1.0], stripe);
        }

        // Grain texture (a deterministic hash) along the bottom of the badge.
        if v > 0.88 {
            let grain = (hash(x, y) & 0x1F) as f32 / 31.0 - 0.5;
            colour = colour.map(|c| c + grain * 0.06);
        }

        let [r, g, b] = colour.map(|c| (c.clamp(0.0, 1.0) * 255.0).round() as u8);
        Rgba([r, g, b, (badge * 255.0).round() as u8])
    })
}

/// Pixel coverage of a shape from its signed distance in pixels (negative inside).
fn coverage(distance: f32) -> f32 {
    (0.5 - distance).clamp(0.0, 1.0)
}

fn dist(u: f32, v: f32, cu: f32, cv: f32) -> f32 {
    ((u - cu).powi(2) + (v - cv).powi(2)).sqrt()
}

fn mix(a: [f32; 3], b: [f32; 3], t: f32) -> [f32; 3] {
    let t = t.clamp(0.0, 1.0);
    [0, 1, 2].map(|i| a[i] + (b[i] - a[i]) * t)
}

fn hash(x: u32, y: u32) -> u32 {
    let mut h = x.wrapping_mul(0x9E37_79B1) ^ y.wrapping_mul(0x85EB_CA77);
    h ^= h >> 15;
    h = h.wrapping_mul(0x2C1B_3C6D);
    h ^ (h >> 12)
}

/// The logo as a design tool would export it: RGBA8, default compression, adaptive filters.
fn encode_png(image: &RgbaImage) -> Result<Vec<u8>> {
    let mut png = Vec::new();
    PngEncoder::new_with_quality(&mut png, CompressionType::Default, PngFilter::Adaptive)
        .write_image(
            image.as_raw(),
            image.width(),
            image.height(),
            ExtendedColorType::Rgba8,
        )?;
    Ok(png)
}

struct Normalise {
    input_bytes: usize,
    output: String,
    /// `normalize_blocking`, one sample per run.
    normalise: Vec<Duration>,
    /// `image::load_from_memory`, one sample per run.
    decode: Vec<Duration>,
    /// `normalize_blocking` of its own 512² output: the decode-and-encode tail without the shrink.
    tail: Vec<Duration>,
    /// Peak extra resident bytes of one normalisation, one sample per child.
    normalise_memory: Vec<u64>,
    /// Peak extra resident bytes of one plain decode, one sample per child.
    decode_memory: Vec<u64>,
}

impl Normalise {
    fn time_ratio(&self) -> f64 {
        ratio(median(&self.normalise), median(&self.decode))
    }

    fn memory(&self) -> u64 {
        median(&self.normalise_memory)
    }

    fn decode_memory(&self) -> u64 {
        median(&self.decode_memory)
    }

    fn print(&self) {
        println!(
            "  input: {:.2} MiB PNG ({:.1} % of the {} MiB RGBA), output {}",
            self.input_bytes as f64 / MIB,
            self.input_bytes as f64 * 100.0 / DECODED_BYTES as f64,
            DECODED_BYTES / (1024 * 1024),
            self.output
        );
        println!(
            "  normalize_blocking     median {}  min {}  max {}  (n = {})",
            ms(median(&self.normalise)),
            ms(min(&self.normalise)),
            ms(max(&self.normalise)),
            self.normalise.len()
        );
        println!(
            "  load_from_memory       median {}  min {}  max {}  (n = {})",
            ms(median(&self.decode)),
            ms(min(&self.decode)),
            ms(max(&self.decode)),
            self.decode.len()
        );
        println!("  ratio normalise / decode alone: {:.2}", self.time_ratio());
        println!(
            "  for scale: normalising its own 512² output again (small decode, PNG + WebP encode) \
             median {}; the rest is roughly the full-size premultiply and box shrink",
            ms(median(&self.tail))
        );
        println!(
            "  peak extra memory (VmHWM, child processes): normalise {} (samples {}), \
             decode alone {} (samples {})",
            mib(self.memory()),
            samples_mib(&self.normalise_memory),
            mib(self.decode_memory()),
            samples_mib(&self.decode_memory)
        );
        println!(
            "  ratio to the decoded RGBA ({}): normalise {:.2}, decode alone {:.2}",
            mib(DECODED_BYTES),
            self.memory() as f64 / DECODED_BYTES as f64,
            self.decode_memory() as f64 / DECODED_BYTES as f64
        );
    }

    fn rows(&self) -> [Row; 3] {
        [
            Row {
                label: format!("1. normalise {SIDE}² PNG logo → 512² (median of {TIME_RUNS})"),
                figure: ms(median(&self.normalise)),
                reference: format!("{} decode alone", ms(median(&self.decode))),
                ratio: format!("{:.2}", self.time_ratio()),
                ..Row::default()
            },
            Row {
                label: "1. normalise: peak extra memory (VmHWM)".into(),
                figure: mib(self.memory()),
                reference: format!("{} decoded RGBA", mib(DECODED_BYTES)),
                ratio: format!("{:.2}", self.memory() as f64 / DECODED_BYTES as f64),
                ..Row::default()
            },
            Row {
                label: "1. decode alone: peak extra memory (VmHWM)".into(),
                figure: mib(self.decode_memory()),
                reference: format!("{} decoded RGBA", mib(DECODED_BYTES)),
                ratio: format!("{:.2}", self.decode_memory() as f64 / DECODED_BYTES as f64),
                ..Row::default()
            },
        ]
    }
}

fn normalise() -> Result<Normalise> {
    let generated = Instant::now();
    let png = encode_png(&generate_logo())?;
    println!(
        "  generated and encoded the logo in {}",
        ms(generated.elapsed())
    );
    let dir = tempfile::tempdir()?;
    let path = dir.path().join("logo.png");
    std::fs::write(&path, &png)?;

    // Untimed first run of each: checks the result and faults in code and allocator arenas.
    let out = normalize_blocking(&png, ImageRole::Logo)
        .map_err(|e| format!("normalize_blocking refused the logo: {e} ({})", e.code()))?;
    if (out.width, out.height, out.source_format) != (512, 512, SourceFormat::Png) {
        return Err(format!(
            "normalize_blocking gave {}×{} from {}, expected 512×512 from PNG",
            out.width, out.height, out.source_format
        )
        .into());
    }
    let output = format!(
        "512×512, PNG {:.0} KiB{}",
        out.png.len() as f64 / 1024.0,
        out.webp.as_ref().map_or_else(String::new, |webp| format!(
            " + WebP {:.0} KiB",
            webp.len() as f64 / 1024.0
        ))
    );
    let small = out.png;
    let decoded = image::load_from_memory(&png)?;
    if (decoded.width(), decoded.height()) != (SIDE, SIDE) {
        return Err("load_from_memory: wrong dimensions".into());
    }
    drop(decoded);

    let mut normalise = Vec::new();
    let mut decode = Vec::new();
    let mut tail = Vec::new();
    for _ in 0..TIME_RUNS {
        let started = Instant::now();
        let decoded = image::load_from_memory(black_box(&png))?;
        decode.push(started.elapsed());
        drop(black_box(decoded));

        let started = Instant::now();
        let out = normalize_blocking(black_box(&png), ImageRole::Logo)?;
        normalise.push(started.elapsed());
        drop(black_box(out));

        let started = Instant::now();
        let out = normalize_blocking(black_box(&small), ImageRole::Logo)?;
        tail.push(started.elapsed());
        drop(black_box(out));
    }

    let mut normalise_memory = Vec::new();
    let mut decode_memory = Vec::new();
    for _ in 0..MEMORY_RUNS {
        normalise_memory.push(peak_in_child("normalize", &path)?);
        decode_memory.push(peak_in_child("decode", &path)?);
    }
    Ok(Normalise {
        input_bytes: png.len(),
        output,
        normalise,
        decode,
        tail,
        normalise_memory,
        decode_memory,
    })
}

/// Runs this binary as a child doing one `kind` on the PNG at `path`; returns its peak resident
/// memory above what it had after reading the input, in bytes.
fn peak_in_child(kind: &str, path: &Path) -> Result<u64> {
    let output = std::process::Command::new(std::env::current_exe()?)
        .arg(CHILD_ARG)
        .arg(kind)
        .arg(path)
        .output()?;
    let stdout = String::from_utf8_lossy(&output.stdout);
    if !output.status.success() {
        return Err(format!(
            "memory child ({kind}) failed: {}: {}{}",
            output.status,
            stdout.trim(),
            String::from_utf8_lossy(&output.stderr).trim()
        )
        .into());
    }
    let figures: Vec<u64> = stdout
        .split_whitespace()
        .filter_map(|word| word.parse().ok())
        .collect();
    match figures[..] {
        [baseline_kib, peak_kib] => Ok(peak_kib.saturating_sub(baseline_kib) * 1024),
        _ => Err(format!("memory child ({kind}) printed {stdout:?}").into()),
    }
}

/// The child: read the input, note VmHWM, do one operation, note VmHWM again; prints both in KiB.
fn child(args: &[String]) -> Result<()> {
    let [kind, path] = args else {
        return Err(format!("usage: {CHILD_ARG} normalize|decode PATH").into());
    };
    let bytes = std::fs::read(path)?;
    let baseline = vm_hwm_kib("self")?;
    match kind.as_str() {
        "normalize" => drop(black_box(normalize_blocking(
            black_box(&bytes),
            ImageRole::Logo,
        )?)),
        "decode" => drop(black_box(image::load_from_memory(black_box(&bytes))?)),
        other => return Err(format!("unknown child operation {other:?}").into()),
    }
    let peak = vm_hwm_kib("self")?;
    println!("{baseline} {peak}");
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// 2. Serving a cached logo
// ---------------------------------------------------------------------------------------------

struct Serving {
    logo_url: String,
    logo_bytes: usize,
    logo: Rate,
    healthz: Rate,
}

impl Serving {
    fn ratio(&self) -> f64 {
        self.logo.per_second() / self.healthz.per_second()
    }

    fn print(&self) {
        println!(
            "  logo {}… ({}, image/png)",
            &self.logo_url[..self.logo_url.len().min(26)],
            size(self.logo_bytes, 0)
        );
        println!(
            "  GET {{logo_url}}  {:>9.0} req/s  {:>7.1} MiB/s  ({} requests in {:.1} s)",
            self.logo.per_second(),
            self.logo.mib_per_second(),
            self.logo.requests,
            self.logo.elapsed.as_secs_f64()
        );
        println!(
            "  GET /healthz     {:>9.0} req/s  {:>7.1} MiB/s  ({} requests in {:.1} s)",
            self.healthz.per_second(),
            self.healthz.mib_per_second(),
            self.healthz.requests,
            self.healthz.elapsed.as_secs_f64()
        );
        println!("  ratio logo / healthz: {:.2}", self.ratio());
    }

    fn row(&self) -> Row {
        Row {
            label: format!(
                "2. cached logo ({} PNG), {CONNECTIONS} connections",
                size(self.logo_bytes, 0)
            ),
            figure: format!("{:.0} req/s", self.logo.per_second()),
            reference: format!("{:.0} req/s /healthz", self.healthz.per_second()),
            ratio: format!("{:.2}", self.ratio()),
            ..Row::default()
        }
    }
}

async fn serving() -> Result<Serving> {
    let upstreams = Upstreams::start().await;
    upstreams.dns.add_microsoft365(DOMAIN);
    let app = RunningApp::start(&upstreams, &Backend::Sqlite).await?;
    let client = app_client(1, HeaderMap::new())?;

    let api_url = app.url(&format!("/api/v1/tenants/{DOMAIN}"));
    let response = client.get(&api_url).send().await?;
    let status = response.status();
    let body: Value = response.json().await?;
    let logo_url = body
        .pointer("/branding/logo_url")
        .and_then(Value::as_str)
        .filter(|url| url.starts_with("/assets/t/") && url.ends_with(".png"))
        .ok_or_else(|| format!("GET {api_url}: HTTP {status}, no tenant logo URL in {body}"))?
        .to_owned();

    // Warm: the first GET reads the image from the store into the memory cache.
    let logo = app.url(&logo_url);
    let response = client.get(&logo).send().await?;
    let status = response.status();
    let content_type = response
        .headers()
        .get(reqwest::header::CONTENT_TYPE)
        .cloned();
    let bytes = response.bytes().await?;
    if status != reqwest::StatusCode::OK
        || content_type.as_ref().and_then(|v| v.to_str().ok()) != Some("image/png")
        || !bytes.starts_with(b"\x89PNG\r\n\x1a\n")
    {
        return Err(format!("GET {logo_url}: HTTP {status}, {content_type:?}, not our PNG").into());
    }
    drop(client);

    let healthz = app.url("/healthz");
    let targets = [
        (logo.as_str(), Some(bytes.len())),
        (healthz.as_str(), Some(3)),
    ];
    let slices = SCHEDULE.run(&targets, &HeaderMap::new()).await?;
    let result = Serving {
        logo_url,
        logo_bytes: bytes.len(),
        logo: Rate::total(&slices[0]),
        healthz: Rate::total(&slices[1]),
    };
    app.stop().await?;
    Ok(result)
}

/// Each sample in MiB, for the detail line.
fn samples_mib(samples: &[u64]) -> String {
    let each: Vec<String> = samples
        .iter()
        .map(|bytes| format!("{:.1}", *bytes as f64 / MIB))
        .collect();
    each.join(", ")
}
