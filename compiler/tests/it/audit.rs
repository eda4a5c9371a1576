//! `gradmod audit` output for every file of the built-in library, as reviewed snapshots, and the
//! augmented model of `--emit-mod` read back as NMODL.

use std::path::Path;

use gradmod_compiler::audit::{audit, emit_mod};
use gradmod_compiler::driver::load_source;

fn library() -> Vec<(String, String)> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../mod_files");
    let mut files: Vec<_> = std::fs::read_dir(dir)
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "mod"))
        .collect();
    files.sort();
    files
        .into_iter()
        .map(|p| {
            (
                p.file_stem().unwrap().to_string_lossy().into_owned(),
                std::fs::read_to_string(&p).unwrap(),
            )
        })
        .collect()
}

#[test]
fn audit_of_every_library_file() {
    for (stem, text) in library() {
        let name = format!("mod_files/{stem}.mod");
        let front = load_source(&name, &text);
        let m = front
            .module
            .as_ref()
            .unwrap_or_else(|| panic!("{}", front.render()));
        let out = audit(m, &name, None).unwrap_or_else(|d| panic!("{}", d.render(&front.sources)));
        assert_snapshot!(format!("audit_{stem}"), out);
    }
}

#[test]
fn audit_names_each_tangent_and_rejects_unknown_parameters() {
    let text =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("../mod_files/hh.mod"))
            .unwrap();
    let front = load_source("hh.mod", &text);
    let m = front.module.unwrap();
    let out = audit(&m, "hh.mod", Some(&["gnabar".to_string()])).unwrap();
    assert!(out.contains(": d(m_next)/d(gnabar)"), "{out}");
    assert!(out.contains(": d(ina)/d(gnabar)"), "{out}");
    assert!(!out.contains("/d(gkbar)"), "{out}");
    let err = audit(&m, "hh.mod", Some(&["gnabr".to_string()])).unwrap_err();
    assert!(
        err.0[0]
            .message
            .contains("`gnabr` is not a PARAMETER of hh"),
        "{:?}",
        err
    );
    assert!(err.0[0].notes[0].contains("gnabar, gkbar, gl, el"));
}

#[test]
fn emitted_models_read_back() {
    for (stem, text) in library() {
        let name = format!("mod_files/{stem}.mod");
        let m = load_source(&name, &text).module.unwrap();
        let augmented = emit_mod(&m, &name).unwrap();
        let again = load_source("augmented.mod", &augmented);
        assert!(
            again.module.is_some(),
            "{stem}: the augmented model does not read back:\n{}\n{augmented}",
            again.render()
        );
    }
}
