//! The catalogue the build script generates from `mod_files/` is the code the compiler's
//! snapshot tests hold (`compiler/tests/snapshots/back_rust__<file>.snap`): a stale snapshot, or
//! a .mod file without one, fails here. The snapshots thereby compile and run (the other tests
//! in this folder simulate with them).

use std::path::Path;

/// The code of an insta snapshot file, without its header.
fn snapshot_body(text: &str) -> &str {
    // The header is `---`, metadata lines, `---`; the snapshot follows.
    let rest = text.strip_prefix("---\n").expect("an insta header");
    let end = rest.find("\n---\n").expect("the end of the insta header");
    &rest[end + 5..]
}

#[test]
fn generated_catalogue_equals_the_snapshots() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let out = Path::new(env!("OUT_DIR")).join("catalogue");
    let mut count = 0;
    for entry in std::fs::read_dir(root.join("mod_files")).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_none_or(|e| e != "mod") {
            continue;
        }
        let stem = path.file_stem().unwrap().to_string_lossy().into_owned();
        let generated = std::fs::read_to_string(out.join(format!("{stem}.rs")))
            .unwrap_or_else(|e| panic!("no generated code for {stem}.mod: {e}"));
        let snap = root.join(format!("compiler/tests/snapshots/back_rust__{stem}.snap"));
        let snap = std::fs::read_to_string(&snap).unwrap_or_else(|e| {
            panic!("no snapshot for {stem}.mod ({e}): run `INSTA_UPDATE=always cargo test -p gradmod-compiler --test it back_rust`")
        });
        let (want, got) = (snapshot_body(&snap).trim_end(), generated.trim_end());
        if want != got {
            let line = want
                .lines()
                .zip(got.lines())
                .position(|(a, b)| a != b)
                .unwrap_or_else(|| want.lines().count().min(got.lines().count()));
            panic!(
                "the snapshot of {stem}.mod is stale (first difference at line {}: {:?} in the snapshot, {:?} generated); run `INSTA_UPDATE=always cargo test -p gradmod-compiler --test it back_rust` and review",
                line + 1,
                want.lines().nth(line).unwrap_or(""),
                got.lines().nth(line).unwrap_or(""),
            );
        }
        count += 1;
    }
    assert!(count >= 2);
}

#[test]
fn catalogue_knows_every_mechanism_by_name() {
    for name in gradmod::catalogue::NAMES {
        let m = crate::models::generated(name);
        assert_eq!(m.info().name, *name);
    }
    assert!(gradmod::catalogue::by_name("no_such_mechanism").is_none());
    assert!(gradmod::catalogue::NAMES.contains(&"hh"));
    assert!(gradmod::catalogue::NAMES.contains(&"pas"));
}

#[test]
fn gradmod_compile_writes_the_same_code() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let out = Path::new(env!("CARGO_TARGET_TMPDIR")).join("pas_compiled.rs");
    let status = std::process::Command::new(env!("CARGO_BIN_EXE_gradmod"))
        .arg("compile")
        .arg(root.join("mod_files/pas.mod"))
        .arg("-o")
        .arg(&out)
        .status()
        .unwrap();
    assert!(status.success());
    let written = std::fs::read_to_string(&out).unwrap();
    let snap =
        std::fs::read_to_string(root.join("compiler/tests/snapshots/back_rust__pas.snap")).unwrap();
    assert_eq!(snapshot_body(&snap).trim_end(), written.trim_end());
}

#[test]
fn gradmod_compile_reports_errors_on_the_mod_file() {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR"));
    let bad = dir.join("bad_compile.mod");
    std::fs::write(
        &bad,
        "NEURON { POINT_PROCESS syn }\nBREAKPOINT { net_event(t) }\n",
    )
    .unwrap();
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_gradmod"))
        .arg("compile")
        .arg(&bad)
        .arg("-o")
        .arg(dir.join("bad_compile.rs"))
        .output()
        .unwrap();
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("bad_compile.mod:2"), "{err}");
    assert!(err.contains("net_event"), "{err}");
}
