//! The numerical sentinel: a state, an ion variable or a tangent that becomes NaN or infinite stops
//! the run with the time, the place, the quantity and the parameter, even while v stays finite;
//! `--allow-nonfinite` and `allow_nonfinite = true` let such a run go on.

use std::path::{Path, PathBuf};

use crate::hardening::gradmod;

/// A state that grows like sqrt(s) from s = 0: v stays finite, but the state's tangent with
/// respect to `a` is 0.5/sqrt(0)·0 = NaN from the first step.
const SQRT_MOD: &str = "NEURON {
    SUFFIX sq
    RANGE a
}
PARAMETER {
    a = 1
}
STATE {
    s
}
INITIAL {
    s = 0
}
BREAKPOINT {
    SOLVE d METHOD euler
}
DERIVATIVE d {
    s' = a * sqrt(s)
}
";

/// A state that is NaN from the first step (the square root of -1), without tangents.
const NEGATIVE_MOD: &str = "NEURON {
    SUFFIX neg
}
STATE {
    s
}
INITIAL {
    s = 1
}
BREAKPOINT {
    SOLVE d METHOD euler
}
DERIVATIVE d {
    s' = sqrt(s - 2)
}
";

/// A folder with the two mechanisms and a one-compartment model of `mechanism` (with `extra`
/// lines in its [simulation]), with `a` as a parameter when `tangents`.
fn model(name: &str, mechanism: &str, tangents: bool, extra: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("gradmod_sentinel_{}_{name}", std::process::id()));
    std::fs::remove_dir_all(&dir).ok();
    std::fs::create_dir_all(dir.join("mods")).unwrap();
    std::fs::write(dir.join("mods/sq.mod"), SQRT_MOD).unwrap();
    std::fs::write(dir.join("mods/neg.mod"), NEGATIVE_MOD).unwrap();
    let mut text = format!(
        "[simulation]\ntstop = 2.0\n{extra}\n[mechanisms]\npaths = [\"mods/\"]\n\n\
         [[section]]\nname = \"soma\"\nlength = 20.0\ndiameter = 20.0\n\n\
         [[mechanism]]\nname = \"pas\"\n\n[[mechanism]]\nname = \"{mechanism}\"\n\n\
         [[probe]]\nat = \"soma(0.5)\"\n"
    );
    if tangents {
        text += "\n[[probe]]\nat = \"soma(0.5)\"\nvariable = \"sq.s\"\n";
        text += "\n[[parameter]]\ntarget = \"sq.a\"\n";
    }
    std::fs::write(dir.join("model.toml"), text).unwrap();
    dir
}

fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}

#[test]
fn a_nan_tangent_with_finite_v_stops_the_run() {
    let dir = model("tangent", "sq", true, "");
    let out = dir.join("out");
    let (code, _, err) = gradmod(&["run", s(&dir.join("model.toml")), "--out", s(&out)]);
    assert_eq!(code, 1, "{err}");
    assert!(
        err.contains(
            "a value became non-finite between t = 0 ms and t = 0.4 ms: d(sq.s)/dθ = NaN for \
             the parameter `sq.a` (instance 0) at soma(0.5)"
        ),
        "{err}"
    );
    assert!(err.contains("--allow-nonfinite"), "{err}");
    assert!(!out.exists());
    // Allowed on the command line or in the file: the run goes on, and the NaN is written.
    let (code, _, err) = gradmod(&[
        "run",
        s(&dir.join("model.toml")),
        "--allow-nonfinite",
        "--no-plot",
        "--out",
        s(&out),
    ]);
    assert_eq!(code, 0, "{err}");
    let tangents = std::fs::read_to_string(out.join("tangents.csv")).unwrap();
    assert!(tangents.contains("NaN"));
    let dir2 = model("allowed", "sq", true, "allow_nonfinite = true");
    let (code, _, err) = gradmod(&[
        "run",
        s(&dir2.join("model.toml")),
        "--no-plot",
        "--out",
        s(&dir2.join("out")),
    ]);
    assert_eq!(code, 0, "{err}");
    std::fs::remove_dir_all(&dir).ok();
    std::fs::remove_dir_all(&dir2).ok();
}

#[test]
fn a_nan_state_without_tangents_stops_the_run() {
    let dir = model("state", "neg", false, "");
    let (code, _, err) = gradmod(&[
        "run",
        s(&dir.join("model.toml")),
        "--out",
        s(&dir.join("out")),
    ]);
    assert_eq!(code, 1, "{err}");
    assert!(
        err.contains("and t = 0.4 ms: neg.s = NaN (instance 0) at soma(0.5)"),
        "{err}"
    );
    std::fs::remove_dir_all(&dir).ok();
}
