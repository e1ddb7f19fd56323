//! The fuzz corpus and every crash input, replayed natively through the checks the fuzz
//! targets run (fuzz/src/checks/), so `make test` keeps passing what `make fuzz` once found —
//! without libFuzzer or a nightly toolchain. Inputs: fuzz/corpus/<target>/ (seeds, minimized),
//! fuzz/regressions/<target>/ (each crash found, kept with its fix) and any
//! fuzz/artifacts/<target>/crash-* a local `make fuzz` left (failing here until fixed).

#[path = "../../fuzz/src/lib.rs"]
mod fuzz;

// The manifest modules of the macro crate reach each other from the crate root, as there.
use fuzz::{channels, manifest, template};

use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::{Path, PathBuf};

use fuzz::checks::TARGETS;

/// Most inputs committed per target: the corpus stays a handful of minimized seeds.
const MAX_CORPUS_INPUTS: usize = 64;

fn fuzz_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../fuzz")
}

/// The files in `fuzz/<folder>/<target>` whose names pass `keep`, sorted; none if it is absent.
fn inputs(folder: &str, target: &str, keep: fn(&str) -> bool) -> Vec<PathBuf> {
    let Ok(entries) = std::fs::read_dir(fuzz_dir().join(folder).join(target)) else {
        return Vec::new();
    };
    let mut files: Vec<PathBuf> = entries
        .map(|e| e.expect("a readable folder").path())
        .filter(|p| p.is_file())
        .filter(|p| keep(&p.file_name().unwrap_or_default().to_string_lossy()))
        .collect();
    files.sort();
    files
}

/// The names of the folders in `fuzz/<folder>`.
fn target_folders(folder: &str) -> Vec<String> {
    let Ok(entries) = std::fs::read_dir(fuzz_dir().join(folder)) else {
        return Vec::new();
    };
    entries
        .map(|e| e.expect("a readable folder"))
        .filter(|e| e.path().is_dir())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect()
}

#[test]
fn every_target_has_its_fuzz_target_and_a_small_corpus() {
    for (name, _) in TARGETS {
        let target = fuzz_dir().join("fuzz_targets").join(format!("{name}.rs"));
        assert!(target.is_file(), "{} is missing", target.display());
        let corpus = inputs("corpus", name, |_| true).len();
        assert!(
            (1..=MAX_CORPUS_INPUTS).contains(&corpus),
            "fuzz/corpus/{name} holds {corpus} inputs; keep 1 to {MAX_CORPUS_INPUTS} (minimize it)"
        );
    }
    for folder in ["corpus", "regressions"] {
        for name in target_folders(folder) {
            assert!(
                fuzz::checks::check(&name).is_some(),
                "fuzz/{folder}/{name} belongs to no target in fuzz/src/checks/mod.rs"
            );
        }
    }
}

#[test]
fn the_corpus_and_every_crash_input_pass_their_check() {
    let mut replayed = 0;
    let mut failed = Vec::new();
    for (name, check) in TARGETS {
        let files = [
            inputs("corpus", name, |_| true),
            inputs("regressions", name, |_| true),
            inputs("artifacts", name, |f| f.starts_with("crash-")),
        ];
        for file in files.iter().flatten() {
            let data = std::fs::read(file).expect("a readable input");
            replayed += 1;
            if catch_unwind(AssertUnwindSafe(|| check(&data))).is_err() {
                failed.push(file.display().to_string());
            }
        }
    }
    assert!(replayed >= TARGETS.len());
    assert!(
        failed.is_empty(),
        "inputs failing their fuzz check (the panics are printed above):\n{}",
        failed.join("\n")
    );
}
