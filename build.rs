//! Compiles every mechanism in `mod_files/` into the built-in catalogue (`src/catalogue.rs`), the
//! test-only mechanisms of `tests/mechanisms/` into a catalogue of their own for the end-to-end
//! tests, and the published files of the NEURON and NMODL wheels (`tests/corpus/files/`, fetched
//! by `tests/corpus/fetch.sh`; none without it) into the `corpus` catalogue, against which the
//! tests check mechanisms compiled at run time.

use std::path::{Path, PathBuf};

use gradmod_compiler::builder::Builder;

fn main() {
    Builder::new().dir("mod_files").build();
    embed_sources();
    Builder::new()
        .dir("tests/mechanisms")
        .name("test_mechanisms")
        .build();
    // Mechanisms that draw random numbers (tests/it/random_draws.rs).
    Builder::new()
        .dir("tests/random_mechanisms")
        .name("random_mechanisms")
        .build();
    let corpus = Path::new("tests/corpus/files");
    let mut files: Vec<PathBuf> = std::fs::read_dir(corpus)
        .into_iter()
        .flatten()
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| {
            let name = p.file_name().unwrap_or_default().to_string_lossy();
            (name.starts_with("neuron__") || name.starts_with("nmodl__")) && name.ends_with(".mod")
        })
        .collect();
    files.sort();
    println!("cargo:rerun-if-changed=tests/corpus");
    // Files the compiler rejects are left out (the catalogue's REJECTED lists them), and so is
    // generated code over 256 KB (kinetic schemes whose Newton iterations the solver writes out,
    // which rustc cannot compile at its default stack size).
    Builder::new()
        .files(files)
        .name("corpus")
        .skip_rejected(true)
        .max_generated_bytes(1 << 18)
        .build();
}

/// Writes `builtin_sources.rs` into OUT_DIR: the name and text of every file of `mod_files/`, for
/// `gradmod check` without files (`cli::BUILTIN`).
fn embed_sources() {
    let mut files: Vec<PathBuf> = std::fs::read_dir("mod_files")
        .expect("mod_files/ is readable")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "mod"))
        .collect();
    files.sort();
    let mut text = String::from("&[\n");
    for f in &files {
        let name = f.file_name().unwrap_or_default().to_string_lossy();
        let full = std::fs::canonicalize(f).expect("a mod_files/ file has a full path");
        text += &format!(
            "    (\"mod_files/{name}\", include_str!({:?})),\n",
            full.display().to_string()
        );
    }
    text += "]\n";
    let out = PathBuf::from(std::env::var_os("OUT_DIR").expect("cargo sets OUT_DIR"));
    std::fs::write(out.join("builtin_sources.rs"), text).expect("OUT_DIR is writable");
    println!("cargo:rerun-if-changed=mod_files");
}
