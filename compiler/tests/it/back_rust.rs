//! The Rust back end: snapshots of the generated code for every file in `mod_files/`, and
//! generated code for awkward names and unsupported statements.
//!
//! The snapshots are also compiled and run: the root package's build script generates the
//! built-in catalogue from the same files, and its tests check that the generated files equal
//! these snapshots (so a stale snapshot fails there too).

use std::path::{Path, PathBuf};

use gradmod_compiler::back::rust::{Options, generate};
use gradmod_compiler::{driver, passes};

fn mod_files() -> Vec<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../mod_files");
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "mod"))
        .collect();
    files.sort();
    files
}

/// The generated code of `text`, or the rendered diagnostics.
fn compile(name: &str, text: &str) -> Result<String, String> {
    let front = driver::load_source(name, text);
    let sources = front.sources.clone();
    let m = front.into_module()?;
    let m = passes::run_all(m).map_err(|d| d.render(&sources))?;
    generate(&m, name, text, &Options::default())
        .map(|g| g.code)
        .map_err(|d| d.render(&sources))
}

#[test]
fn snapshots_of_mod_files() {
    let files = mod_files();
    assert!(files.len() >= 2, "mod_files/ holds hh.mod and pas.mod");
    for path in files {
        let text = std::fs::read_to_string(&path).unwrap();
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        let code = compile(&name, &text).unwrap_or_else(|e| panic!("{e}"));
        let stem = path.file_stem().unwrap().to_string_lossy().into_owned();
        assert_snapshot!(stem, code);
    }
}

#[test]
fn keywords_and_reserved_names_are_mangled() {
    let text = "NEURON {
    SUFFIX type
    NONSPECIFIC_CURRENT loop
    RANGE match, j, k
}
PARAMETER { match = 1 (S/cm2) j = 2 k = 3 }
STATE { self }
ASSIGNED { v (mV) loop (mA/cm2) }
INITIAL { self = j }
BREAKPOINT {
    SOLVE st METHOD cnexp
    loop = match*self*(v - k)
}
DERIVATIVE st { self' = (j - self)/k }
";
    let code = compile("keywords.mod", text).unwrap_or_else(|e| panic!("{e}"));
    assert!(code.contains("pub struct Type"), "{code}");
    assert!(code.contains("pub match_: Vec<f64>"), "{code}");
    assert!(code.contains("pub self_: Vec<f64>"), "{code}");
    assert!(code.contains("pub j_1: Vec<f64>"), "{code}");
    assert!(code.contains("name: \"match\""), "{code}");
}

#[test]
fn unsupported_statements_are_reported_on_the_mod_file() {
    // Only INITIAL and NET_RECEIVE send events.
    let text = "NEURON { POINT_PROCESS syn NONSPECIFIC_CURRENT i }
PARAMETER { d = 1 }
ASSIGNED { i }
BREAKPOINT { i = 0 net_send(d, 1) }
";
    let err = compile("syn.mod", text).unwrap_err();
    assert!(
        err.contains("unsupported construct: net_send in BREAKPOINT"),
        "{err}"
    );
    assert!(err.contains("syn.mod:4"), "{err}");
}

#[test]
fn builder_writes_one_file_per_mechanism_and_an_index() {
    let out = std::env::temp_dir().join(format!("gradmod-builder-{}", std::process::id()));
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../mod_files");
    let compiled = gradmod_compiler::builder::Builder::new()
        .dir(&dir)
        .out_dir(&out)
        .name("lib")
        .parameters("hh", &["gnabar"])
        .cargo_metadata(false)
        .compile()
        .unwrap();
    assert_eq!(compiled.len(), mod_files().len());
    let index = std::fs::read_to_string(out.join("lib.rs")).unwrap();
    assert!(index.contains("pub mod hh"), "{index}");
    assert!(
        index.contains("\"hh\" => Some(Box::new(hh::Hh::new()))"),
        "{index}"
    );
    let hh = std::fs::read_to_string(out.join("lib/hh.rs")).unwrap();
    // Only gnabar is seeded: no other parameter's seed is read.
    assert!(hh.contains("seed.param == 0usize"), "{hh}");
    assert!(!hh.contains("seed.param == 1usize"), "{hh}");
    std::fs::remove_dir_all(&out).ok();
}

#[test]
fn builder_errors_point_at_the_mod_file() {
    let dir = std::env::temp_dir().join(format!("gradmod-builder-bad-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let bad = dir.join("bad.mod");
    std::fs::write(&bad, "NEURON { SUFFIX bad }\nBREAKPOINT { x = }\n").unwrap();
    let err = gradmod_compiler::builder::Builder::new()
        .file(&bad)
        .out_dir(dir.join("out"))
        .cargo_metadata(false)
        .compile()
        .unwrap_err();
    assert!(err.message.contains("bad.mod:2"), "{err}");
    std::fs::remove_dir_all(&dir).ok();
}
