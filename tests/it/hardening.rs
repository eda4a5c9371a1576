//! Hostile and mistaken input to `gradmod run`, `fit` and `check`: refused with a message that names
//! what is wrong, never a panic, a silent wrong result or a half-written output folder.
//! Checkpoints are tied to the run that wrote them; the output folder is checked before the
//! simulation and filled all at once; the size of the work is limited; `check` checks all of the
//! built-in library; progress shows on a pipe.

use std::path::{Path, PathBuf};
use std::process::Command;

use gradmod::fit::Checkpoint;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// A fresh temporary directory for one test.
fn tmp(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("gradmod_harden_{}_{name}", std::process::id()));
    std::fs::remove_dir_all(&dir).ok();
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// Runs the `gradmod` binary in the checkout; returns (exit code, stdout, stderr).
pub(crate) fn gradmod_env(args: &[&str], env: &[(&str, &str)]) -> (i32, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_gradmod"))
        .args(args)
        .envs(env.iter().copied())
        .current_dir(root())
        .output()
        .unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

pub(crate) fn gradmod(args: &[&str]) -> (i32, String, String) {
    gradmod_env(args, &[])
}

fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}

/// A 5 ms target of model A and a 2-iteration fit of gnabar against it; returns the fit's folder.
fn small_fit(dir: &Path) -> (PathBuf, PathBuf) {
    let target = dir.join("target");
    let (code, _, err) = gradmod(&[
        "run",
        "models/A_hh_axon.toml",
        "--set",
        "tstop=5",
        "--no-plot",
        "--out",
        s(&target),
    ]);
    assert_eq!(code, 0, "{err}");
    let fit = dir.join("fit");
    let (code, _, err) = gradmod(&[
        "fit",
        "models/A_hh_axon.toml",
        "--set",
        "tstop=5",
        "--target",
        s(&target.join("traces.csv")),
        "--params",
        "hh.gnabar",
        "--start",
        "hh.gnabar=1.2",
        "--iterations",
        "2",
        "--no-plot",
        "--out",
        s(&fit),
    ]);
    assert_eq!(code, 0, "{err}");
    (target.join("traces.csv"), fit)
}

/// `gradmod fit --resume` with `extra` arguments (the small fit's, changed by `edit`).
fn resume(
    target: &Path,
    checkpoint: &Path,
    out: &Path,
    edit: &[(&str, &str)],
) -> (i32, String, String) {
    let mut args: Vec<String> = [
        "fit",
        "models/A_hh_axon.toml",
        "--set",
        "tstop=5",
        "--target",
        s(target),
        "--params",
        "hh.gnabar",
        "--iterations",
        "1",
        "--no-plot",
        "--resume",
        s(checkpoint),
        "--out",
        s(out),
    ]
    .iter()
    .map(|a| a.to_string())
    .collect();
    for (from, to) in edit {
        let i = args
            .iter()
            .position(|a| a == from)
            .expect("argument to edit");
        args[i] = to.to_string();
    }
    let a: Vec<&str> = args.iter().map(String::as_str).collect();
    gradmod(&a)
}

/// Item 1 and 2 of the hardening issue: a checkpoint whose history is malformed, whose rate is
/// negative, or that was written for another problem is refused with a message naming the
/// difference, exit status 1, and no output folder.
#[test]
fn resume_refuses_bad_and_foreign_checkpoints() {
    let dir = tmp("resume");
    let (target, fit) = small_fit(&dir);
    let ck_path = fit.join("checkpoint.json");
    let text = std::fs::read_to_string(&ck_path).unwrap();
    assert!(text.contains("\"model_hash\""), "{text}");
    // The same problem resumes.
    let out = dir.join("ok");
    let (code, _, err) = resume(&target, &ck_path, &out, &[]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(
        Checkpoint::load(&out.join("checkpoint.json"))
            .unwrap()
            .history
            .len(),
        3
    );

    let bad = |name: &str, edit: &dyn Fn(&mut serde_json::Value)| {
        let mut v: serde_json::Value = serde_json::from_str(&text).unwrap();
        edit(&mut v);
        let p = dir.join(format!("{name}.json"));
        std::fs::write(&p, serde_json::to_string(&v).unwrap()).unwrap();
        let out = dir.join(format!("out_{name}"));
        let (code, _, err) = resume(&target, &p, &out, &[]);
        assert_eq!(code, 1, "{name}: {err}");
        assert!(!out.exists(), "{name}: the output folder was made");
        err
    };
    let err = bad("short_grad", &|v| {
        v["history"][1]["grad"] = serde_json::json!([]);
    });
    assert!(
        err.contains("history record 1: 1 values of u and 0 of the gradient, expected 1"),
        "{err}"
    );
    let err = bad("negative_rate", &|v| v["rate"] = serde_json::json!(-0.05));
    assert!(err.contains("rate is -0.05: it must be positive"), "{err}");
    let err = bad("no_origin", &|v| {
        v.as_object_mut().unwrap().remove("origin");
    });
    assert!(
        err.contains("does not record what it was computed for"),
        "{err}"
    );
    let err = bad("other_params", &|v| {
        v["names"] = serde_json::json!(["hh.gkbar"]);
    });
    assert!(
        err.contains(
            "the checkpoint fits the parameters (hh.gkbar), but this run --params (hh.gnabar)"
        ),
        "{err}"
    );

    // Another override, loss, window or target.
    let cases: [(&[(&str, &str)], &str); 4] = [
        (
            &[("--no-plot", "--set=hh.gl=0.0004")],
            "other overrides (--set tstop=5); this run has --set tstop=5 --set hh.gl=0.0004",
        ),
        (
            &[("--no-plot", "--loss=mean")],
            "--loss trace; this run has --loss mean",
        ),
        (
            &[("--no-plot", "--window=1,4")],
            "--window 0,5; this run has --window 1,4",
        ),
        (&[], "another target"),
    ];
    let other_target = dir.join("other.csv");
    let shifted = std::fs::read_to_string(&target)
        .unwrap()
        .replace(",-6", ",-7");
    std::fs::write(&other_target, shifted).unwrap();
    for (i, (edit, expected)) in cases.iter().enumerate() {
        let out = dir.join(format!("foreign{i}"));
        let t = if edit.is_empty() {
            &other_target
        } else {
            &target
        };
        let (code, _, err) = resume(t, &ck_path, &out, edit);
        assert_eq!(code, 1, "{expected}: {err}");
        assert!(err.contains(expected), "{expected}: {err}");
        assert!(!out.exists());
    }
    std::fs::remove_dir_all(&dir).ok();
}

/// Item 8: the fit's CSV files write iteration numbers as integers.
#[test]
fn fit_csv_iterations_are_integers() {
    let dir = tmp("fit_csv");
    let (_, fit) = small_fit(&dir);
    for f in ["loss.csv", "params.csv"] {
        let text = std::fs::read_to_string(fit.join(f)).unwrap();
        let rows: Vec<&str> = text
            .lines()
            .skip(1)
            .map(|l| l.split(',').next().unwrap())
            .collect();
        assert_eq!(rows, ["0", "1"], "{f}: {text}");
    }
    std::fs::remove_dir_all(&dir).ok();
}

/// Item 3: `--out` is checked before simulating, errors name the path, and a rerun into a folder
/// of another model's results leaves none of them behind.
#[test]
fn run_output_folder_is_checked_first_and_never_mixed() {
    let dir = tmp("out");
    // A file where the folder should be: refused before any simulation, naming the path.
    let file = dir.join("file");
    std::fs::write(&file, "x").unwrap();
    let started = std::time::Instant::now();
    let (code, _, err) = gradmod(&["run", "models/A_hh_axon.toml", "--out", s(&file)]);
    assert_eq!(code, 1);
    assert!(
        err.contains(&format!(
            "{}: it exists and is not a folder",
            file.display()
        )),
        "{err}"
    );
    assert!(started.elapsed().as_secs_f64() < 5.0);
    let nested = file.join("sub");
    let (code, _, err) = gradmod(&["run", "models/A_hh_axon.toml", "--out", s(&nested)]);
    assert_eq!(code, 1);
    assert!(err.contains(&nested.display().to_string()), "{err}");
    // Model A writes tangents; a rerun of a model without tangents into the same folder removes
    // them, keeps a file of the user's, and leaves no temporary folder.
    let out = dir.join("results");
    let (code, _, err) = gradmod(&[
        "run",
        "models/A_hh_axon.toml",
        "--set",
        "tstop=1",
        "--no-plot",
        "--out",
        s(&out),
    ]);
    assert_eq!(code, 0, "{err}");
    assert!(out.join("tangents.npy").is_file());
    std::fs::write(out.join("notes.txt"), "mine").unwrap();
    let model = dir.join("no_tangents.toml");
    let text = std::fs::read_to_string(root().join("models/A_hh_axon.toml")).unwrap();
    let cut = text.find("[[parameter]]").unwrap();
    std::fs::write(&model, &text[..cut]).unwrap();
    let (code, _, err) = gradmod(&[
        "run",
        s(&model),
        "--set",
        "tstop=1",
        "--no-plot",
        "--out",
        s(&out),
    ]);
    assert_eq!(code, 0, "{err}");
    let mut names: Vec<String> = std::fs::read_dir(&out)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    assert_eq!(names, ["notes.txt", "t.npy", "traces.csv", "traces.npy"]);
    // A run that fails (here the numerical sentinel) leaves the folder as it was.
    let before = std::fs::read(out.join("traces.csv")).unwrap();
    let (code, _, _) = gradmod(&[
        "run",
        s(&model),
        "--set",
        "hh.gnabar=1e300",
        "--no-plot",
        "--out",
        s(&out),
    ]);
    assert_eq!(code, 1);
    assert_eq!(std::fs::read(out.join("traces.csv")).unwrap(), before);
    assert_eq!(std::fs::read_dir(&out).unwrap().count(), 4);
    // A new folder is not left behind by a failed run.
    let fresh = dir.join("fresh");
    let (code, _, _) = gradmod(&[
        "run",
        s(&model),
        "--set",
        "hh.gnabar=1e300",
        "--out",
        s(&fresh),
    ]);
    assert_eq!(code, 1);
    assert!(!fresh.exists());
    std::fs::remove_dir_all(&dir).ok();
}

/// Item 5: the size and grid of the work are checked, with the keys and values in the message;
/// `--allow-large` lifts the size limits.
#[test]
fn work_size_and_time_grid_are_checked() {
    let cases: [(&[&str], &str); 5] = [
        (&["--set", "dt=1e-300"], "more than can be counted"),
        (&["--set", "tstop=1e300"], "more than can be counted"),
        (
            &["--set", "tstop=1e7"],
            "tstop = 10000000 ms with dt = 0.025 ms is 400000000 steps, more than the limit of 100000000",
        ),
        (
            &["--set", "dt=2", "--set", "tstop=1"],
            "dt = 2 ms is longer than tstop = 1 ms",
        ),
        (
            &["--set", "tstop=1.01"],
            "tstop = 1.01 ms is not a whole number of steps of dt = 0.025 ms (40.4000 steps); gradmod does not round it: choose a multiple of dt, such as 1 or 1.025 ms",
        ),
    ];
    for (args, expected) in cases {
        let mut a = vec![
            "run",
            "models/A_hh_axon.toml",
            "--no-plot",
            "--out",
            "/nonexistent/never",
        ];
        a.extend_from_slice(args);
        let (code, _, err) = gradmod(&a);
        assert_eq!(code, 1, "{args:?}: {err}");
        assert!(err.contains(expected), "{args:?}: {err}");
    }
    let dir = tmp("large");
    let model = dir.join("big.toml");
    let text = std::fs::read_to_string(root().join("models/A_hh_axon.toml")).unwrap();
    std::fs::write(&model, text.replace("nseg = 10", "nseg = 10000000")).unwrap();
    let (code, _, err) = gradmod(&["run", s(&model), "--no-plot", "--out", s(&dir.join("o"))]);
    assert_eq!(code, 1);
    assert!(
        err.contains("the cell would have 10000004 CVs (section `axon` has nseg = 10000000), more than the limit of 1000000"),
        "{err}"
    );
    assert!(err.contains("--allow-large"), "{err}");
    // Allowed explicitly: a passive cable of 1,000,001 segments, initialised only.
    let big = dir.join("passive.toml");
    let text = "[simulation]\ntstop = 0\n\n[[section]]\nname = \"cable\"\nlength = 1000.0\n\
                diameter = 1.0\nnseg = 1000001\n\n[[mechanism]]\nname = \"pas\"\n";
    std::fs::write(&big, text).unwrap();
    let (code, _, err) = gradmod(&["run", s(&big), "--no-plot", "--out", s(&dir.join("ok"))]);
    assert_eq!(code, 1, "{err}");
    assert!(err.contains("1000003 CVs"), "{err}");
    let (code, _, err) = gradmod(&[
        "run",
        s(&big),
        "--no-plot",
        "--allow-large",
        "--out",
        s(&dir.join("ok")),
    ]);
    assert_eq!(code, 0, "{err}");
    std::fs::remove_dir_all(&dir).ok();
}

/// Item 6: `gradmod check` without files checks every file of mod_files/.
#[test]
fn check_without_files_checks_the_whole_builtin_library() {
    let files = std::fs::read_dir(root().join("mod_files")).unwrap().count();
    assert_eq!(gradmod::cli::BUILTIN.len(), files);
    let (code, out, err) = gradmod(&["check"]);
    assert_eq!(code, 0, "{err}");
    assert!(out.contains(&format!("({files} files)")), "{out}");
    assert_eq!(
        out.lines().filter(|l| l.starts_with("ok ")).count(),
        files,
        "{out}"
    );
}

/// `gradmod check FOLDER` checks the folder's .mod files, as `nrnivmodl` takes a model's folder,
/// and reports every file even after one fails.
#[test]
fn check_of_a_folder_checks_each_of_its_files() {
    let dir = std::env::temp_dir().join(format!("gradmod_check_folder_{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("a_broken.mod"), "NEURON { SUFFIX broken\n").unwrap();
    std::fs::copy(root().join("mod_files/pas.mod"), dir.join("b_pas.mod")).unwrap();
    std::fs::write(dir.join("notes.txt"), "not a mechanism").unwrap();
    let (code, out, _) = gradmod(&["check", s(&dir)]);
    assert_eq!(code, 1, "{out}");
    assert!(
        out.contains("a_broken.mod") && out.contains("ok     "),
        "{out}"
    );
    assert!(!out.contains("notes.txt"), "{out}");
    std::fs::remove_file(dir.join("a_broken.mod")).unwrap();
    let (code, out, _) = gradmod(&["check", s(&dir)]);
    assert_eq!(code, 0, "{out}");
    let empty = dir.join("empty");
    std::fs::create_dir_all(&empty).unwrap();
    let (code, out, _) = gradmod(&["check", s(&empty)]);
    assert_eq!(code, 1, "{out}");
    assert!(out.contains("holds no .mod files"), "{out}");
    std::fs::remove_dir_all(&dir).ok();
}

/// Item 7: under a pipe, a run reports its progress in lines on stderr.
#[test]
fn progress_lines_show_on_a_pipe() {
    let dir = tmp("progress");
    let (code, _, err) = gradmod_env(
        &[
            "run",
            "models/A_hh_axon.toml",
            "--set",
            "tstop=20",
            "--no-plot",
            "--out",
            s(&dir),
        ],
        &[("GRADMOD_PROGRESS_SECONDS", "0")],
    );
    assert_eq!(code, 0, "{err}");
    let line = err
        .lines()
        .find(|l| l.starts_with("run: "))
        .unwrap_or_else(|| panic!("{err}"));
    assert!(
        line.contains("% (") && line.contains("ms simulated") && line.contains("left"),
        "{line}"
    );
    std::fs::remove_dir_all(&dir).ok();
}

/// Item 8: the smaller messages. Duplicate [[parameter]] entries and log-scaled zeros are refused;
/// declared ranges read `<lo, hi>`; an unknown PARAMETER unit is a located warning; errors about
/// a command line option do not point into the .mod file.
#[test]
fn smaller_messages_are_clear() {
    let dir = tmp("messages");
    let a = std::fs::read_to_string(root().join("models/A_hh_axon.toml")).unwrap();
    let dup = dir.join("dup.toml");
    std::fs::write(
        &dup,
        format!("{a}\n[[parameter]]\ntarget = \"hh.gnabar\"\n"),
    )
    .unwrap();
    let (code, _, err) = gradmod(&["run", s(&dup), "--out", s(&dir.join("o"))]);
    assert_eq!(code, 1);
    assert!(
        err.contains("`hh.gnabar` is declared twice (also parameter[0])"),
        "{err}"
    );
    let zero = dir.join("zero.toml");
    let text = a.replace("name = \"hh\"", "name = \"hh\"\nparameters = { el = 0.0 }");
    std::fs::write(
        &zero,
        format!("{text}\n[[parameter]]\ntarget = \"hh.el\"\nlog = true\n"),
    )
    .unwrap();
    let (code, _, err) = gradmod(&["run", s(&zero), "--out", s(&dir.join("o"))]);
    assert_eq!(code, 1);
    assert!(
        err.contains("`log hh.el` is log-scaled (p = p0·e^θ) but its model value is 0"),
        "{err}"
    );
    let (code, _, err) = gradmod(&["run", "models/A_hh_axon.toml", "--set", "hh.gnabar=-1"]);
    assert_eq!(code, 1);
    assert!(err.contains("outside the declared range <0, 1e9>"), "{err}");
    assert!(!err.contains("Some("), "{err}");
    // The work of a run (CVs x steps x (1 + K)) is estimated before it starts: 10^4 CVs for 8·10^7
    // steps with 4 tangents pass each single limit but not their product.
    let big = dir.join("big.toml");
    std::fs::write(
        &big,
        std::fs::read_to_string(root().join("models/A_hh_axon.toml"))
            .unwrap()
            .replace("nseg = 10\n", "nseg = 10000\n"),
    )
    .unwrap();
    let args = [
        "run",
        s(&big),
        "--set",
        "tstop=2000000",
        "--set",
        "sample_every=1000",
    ];
    let (code, _, err) = gradmod(&args);
    assert_eq!(code, 1);
    assert!(
        err.contains("CV-steps") && err.contains("more than the limit of 1e12"),
        "{err}"
    );
    // Extreme values read in exponent form, not as hundreds of digits.
    let (code, _, err) = gradmod(&["run", "models/A_hh_axon.toml", "--set", "dt=1e-300"]);
    assert_eq!(code, 1);
    assert!(
        err.contains("dt = 1e-300 ms") && !err.contains("0000000000"),
        "{err}"
    );
    let unit = dir.join("unit.mod");
    std::fs::write(
        &unit,
        "NEURON { SUFFIX u }\nPARAMETER { g = 1 (furlong) }\n",
    )
    .unwrap();
    let (code, _, err) = gradmod(&["check", s(&unit)]);
    assert_eq!(code, 0, "{err}");
    assert!(
        err.contains("unknown unit `furlong` of the PARAMETER `g`"),
        "{err}"
    );
    assert!(err.contains(":2:"), "{err}");
    let (_, _, err) = gradmod(&["check"]);
    assert!(!err.contains("unknown unit"), "the built-in files: {err}");
    for args in [
        &["audit", "mod_files/pas.mod", "--wrt", "nosuch"][..],
        &[
            "compile",
            "mod_files/pas.mod",
            "--wrt",
            "nosuch",
            "-o",
            "/nonexistent/x.rs",
        ],
    ] {
        let (code, _, err) = gradmod(args);
        assert_eq!(code, 1, "{err}");
        assert!(
            err.starts_with(
                "error: --wrt nosuch: `nosuch` is not a PARAMETER of `pas` (its parameters: g, e)"
            ),
            "{err}"
        );
        assert!(!err.contains("SUFFIX pas"), "{err}");
    }
    let (code, _, err) = gradmod(&["dump", "mod_files/pas.mod", "--after", "nosuch"]);
    assert_eq!(code, 1);
    assert!(
        err.starts_with(
            "error: --after nosuch: there is no such pass; the passes are: steadystate"
        ),
        "{err}"
    );
    std::fs::remove_dir_all(&dir).ok();
}
