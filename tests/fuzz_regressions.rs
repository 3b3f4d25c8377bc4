//! The fuzz targets' invariants on every seed (`fuzz/corpus/<target>/`) and every kept finding
//! (`fuzz/regressions/<target>/`), as a normal test: CI checks them cheaply without a fuzzer.
//!
//! The invariants are the fuzz crate's own code, included here so the two never drift apart.
#![allow(clippy::unwrap_used, clippy::expect_used, reason = "tests")]

#[path = "../fuzz/src/lib.rs"]
mod invariants;

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::{Path, PathBuf};

/// The files of `fuzz/<kind>/<target>/`, sorted; none when the folder does not exist.
fn inputs(kind: &str, target: &str) -> Vec<PathBuf> {
    let folder = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fuzz")
        .join(kind)
        .join(target);
    let Ok(entries) = std::fs::read_dir(&folder) else {
        return Vec::new();
    };
    let mut files: Vec<PathBuf> = entries
        .map(|entry| entry.unwrap().path())
        .filter(|path| path.is_file())
        .filter(|path| {
            // Editors' and libFuzzer's hidden files are not inputs.
            !path
                .file_name()
                .is_some_and(|name| name.to_string_lossy().starts_with('.'))
        })
        .collect();
    files.sort();
    files
}

/// Runs `check` on every seed and finding of `target`; fails naming every input that broke it.
fn check_all(target: &str, check: fn(&[u8])) {
    let seeds = inputs("corpus", target);
    assert!(!seeds.is_empty(), "fuzz/corpus/{target}/ has no seed files");
    let files: Vec<PathBuf> = seeds
        .into_iter()
        .chain(inputs("regressions", target))
        .collect();
    let failures: Vec<String> = files
        .iter()
        .filter_map(|path| {
            let data = std::fs::read(path).unwrap();
            catch_unwind(AssertUnwindSafe(|| check(&data)))
                .err()
                .map(|_| path.display().to_string())
        })
        .collect();
    assert!(
        failures.is_empty(),
        "invariants of {target} broken by (see the panic messages above): {failures:#?}"
    );
}

#[test]
fn domain_parse_invariants_hold_on_seeds_and_findings() {
    check_all("domain_parse", invariants::domain_parse);
}

#[test]
fn device_detect_invariants_hold_on_seeds_and_findings() {
    check_all("device_detect", invariants::device_detect);
}

#[test]
fn website_icons_invariants_hold_on_seeds_and_findings() {
    check_all("website_icons", invariants::website_icons);
}

#[test]
fn image_normalize_invariants_hold_on_seeds_and_findings() {
    check_all("image_normalize", invariants::image_normalize);
}
