//! Text as published .mod files are written: old Mac line endings (a lone carriage return) are
//! line breaks everywhere, and Latin-1 bytes in comments are read (lossily) by every path that
//! reads a .mod file from disk: the driver, INCLUDE resolution and the build-script Builder.

use std::path::PathBuf;

use gradmod_compiler::back::nmodl::print_module;
use gradmod_compiler::builder::compile_file;
use gradmod_compiler::driver::{load_file, load_source};

const HH: &str = include_str!("../parse_extra/hh.mod");

/// A fresh directory under the system's temporary directory for one test.
fn scratch(name: &str) -> PathBuf {
    let dir =
        std::env::temp_dir().join(format!("gradmod-source-text-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

#[test]
fn a_file_with_carriage_returns_only_reads_as_its_unix_twin() {
    let unix = load_source("hh.mod", HH);
    let mac = load_source("hh.mod", &HH.replace('\n', "\r"));
    let (unix, mac) = (
        unix.module.expect("the LF file"),
        mac.module
            .unwrap_or_else(|| panic!("the CR file is rejected")),
    );
    assert_eq!(mac.name, "hh");
    assert_eq!(mac.states().len(), 3);
    assert_eq!(print_module(&mac), print_module(&unix));
    // Windows line endings, and a mixture of all three, too.
    let mixed: String = HH
        .lines()
        .enumerate()
        .map(|(i, l)| format!("{l}{}", ["\r\n", "\r", "\n"][i % 3]))
        .collect();
    let mixed = load_source("hh.mod", &mixed)
        .module
        .expect("the mixed file");
    assert_eq!(print_module(&mixed), print_module(&unix));
}

#[test]
fn diagnostics_count_lone_carriage_returns_as_lines() {
    let text = "NEURON {\n SUFFIX x\n}\nPARAMETER {\n g = 1\n}\nBREAKPOINT {\n y = g +\n}\n";
    let unix = load_source("x.mod", text).render();
    let mac = load_source("x.mod", &text.replace('\n', "\r")).render();
    assert!(unix.contains("x.mod:8:"), "{unix}");
    assert_eq!(mac, unix);
}

#[test]
fn latin1_comments_and_mac_lines_are_read_from_disk_by_every_path() {
    let dir = scratch("latin1");
    // `: é` in Latin-1 (one byte 0xE9), lines ended by carriage returns only.
    let mut main = b"TITLE caf\xe9 : r\xe9sum\xe9\r".to_vec();
    main.extend_from_slice(b"INCLUDE \"consts.inc\"\r");
    main.extend_from_slice(
        b"NEURON {\r SUFFIX latin\r RANGE g\r}\rPARAMETER {\r g = 0.001 (S/cm2) : \xe0 la\r}\r",
    );
    main.extend_from_slice(b"ASSIGNED { v (mV) i (mA/cm2) }\rNEURON { NONSPECIFIC_CURRENT i }\r");
    main.extend_from_slice(b"BREAKPOINT {\r i = g*(v - erev)\r}\r");
    std::fs::write(dir.join("latin.mod"), &main).unwrap();
    std::fs::write(
        dir.join("consts.inc"),
        b": constantes d\xe9finies ici\rPARAMETER {\r erev = -70 (mV)\r}\r",
    )
    .unwrap();
    let path = dir.join("latin.mod");
    // The driver (gradmod check, audit and dump) and INCLUDE resolution.
    let front = load_file(&path).unwrap();
    let text = front.render();
    let m = front.module.unwrap_or_else(|| panic!("{text}"));
    assert_eq!(m.name, "latin");
    assert_eq!(m.parameters().len(), 2);
    // The build-script Builder and `gradmod compile`.
    let generated = compile_file(&path, &|_| None).unwrap_or_else(|e| panic!("{e}"));
    assert!(generated.code.contains("erev"));
    let _ = std::fs::remove_dir_all(&dir);
}
