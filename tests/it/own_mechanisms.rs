//! A program with mechanisms of its own reuses the whole command line over a library of the
//! built-in catalogue and its own (`examples/own_mechanisms.rs`, whose `main` is three lines): a
//! model naming one of the test mechanisms runs through [`gradmod::cli::run_from`] with that
//! library, and the `gradmod` binary, which knows the built-in catalogue only, rejects it.

use std::path::PathBuf;
use std::process::{Command, ExitCode};

use gradmod::Library;

use crate::models::test_mechanisms;

/// A soma with `hh` and the test mechanism `cachan` (a calcium current).
const MODEL: &str = r#"
[simulation]
tstop = 5.0

[[section]]
name = "soma"
length = 20.0
diameter = 20.0
nseg = 1

[[mechanism]]
name = "hh"

[[mechanism]]
name = "cachan"

[[iclamp]]
at = "soma(0.5)"
delay = 1.0
dur = 1.0
amp = 0.5

[[probe]]
name = "v_soma"
at = "soma(0.5)"

[[parameter]]
target = "cachan.gbar"
"#;

/// A fresh directory holding `model.toml`.
fn model_dir(name: &str) -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join(name);
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("model.toml"), MODEL).unwrap();
    dir
}

#[test]
fn own_catalogue_runs_models_that_name_it() {
    let dir = model_dir("own_mechanisms_run");
    let library = Library::builtin().with(test_mechanisms::by_name, test_mechanisms::NAMES);
    let (model, out) = (dir.join("model.toml"), dir.join("out"));
    let args = [
        "gradmod",
        "run",
        model.to_str().unwrap(),
        "--no-plot",
        "--out",
    ];
    let status = gradmod::cli::run_from(args.into_iter().chain([out.to_str().unwrap()]), &library);
    assert_eq!(status, ExitCode::SUCCESS);
    let traces = std::fs::read_to_string(out.join("traces.csv")).unwrap();
    assert!(traces.starts_with("t,v_soma"), "{traces}");
}

#[test]
fn builtin_command_rejects_the_test_mechanism() {
    let dir = model_dir("own_mechanisms_builtin");
    let out = Command::new(env!("CARGO_BIN_EXE_gradmod"))
        .args(["run", "model.toml", "--no-plot"])
        .current_dir(&dir)
        .output()
        .unwrap();
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("unknown mechanism `cachan`"), "{err}");
}
