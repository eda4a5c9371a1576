//! Compiles every mechanism in `mod_files/` into the built-in catalogue (`src/catalogue.rs`), the
//! test-only mechanisms of `tests/mechanisms/` into a catalogue of their own for the end-to-end
//! tests, and the published files of the NEURON and NMODL wheels (`tests/corpus/files/`, fetched
//! by `tests/corpus/fetch.sh`; none without it) into the `corpus` catalogue, against which the
//! tests check mechanisms compiled at run time.

use std::path::{Path, PathBuf};

use gradmod_compiler::builder::Builder;

fn main() {
    Builder::new().dir("mod_files").build();
    Builder::new()
        .dir("tests/mechanisms")
        .name("test_mechanisms")
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
