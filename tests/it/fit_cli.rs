//! `gradmod fit` end to end on the inferior-olive model file (`models/io_cell.toml`): the file builds
//! the same cell as `fit::io_cell`, the command lowers the loss, the gradient it uses equals a
//! central finite difference of the loss, a fit resumes from its checkpoint, and bad input gives
//! clear errors. Also the errors of an SWC morphology with extra `[[section]]` tables.

use std::path::{Path, PathBuf};
use std::process::Command;

use gradmod::fit::command::{self, FitOptions};
use gradmod::{Library, fit, model, output};

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn io_model() -> model::Model {
    model::Model::load(&root().join("models/io_cell.toml")).unwrap()
}

/// A fresh temporary directory for one test.
fn tmp(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("gradmod_fit_cli_{}_{name}", std::process::id()));
    std::fs::remove_dir_all(&dir).ok();
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn set(pairs: &[&str]) -> Vec<model::Override> {
    pairs
        .iter()
        .map(|s| model::Override::parse(s).unwrap())
        .collect()
}

/// Writes a target CSV (`t` and one named column) sampled every `dt` from 0.
fn write_target(path: &Path, column: &str, dt: f64, v: &[f64]) {
    let times: Vec<f64> = (0..v.len()).map(|i| i as f64 * dt).collect();
    output::write_csv(path, &["t".into(), column.into()], &[&times, v]).unwrap();
}

/// Runs the `gradmod` binary; returns (success, stdout, stderr).
fn gradmod(args: &[&str]) -> (bool, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_gradmod"))
        .args(args)
        .current_dir(root())
        .output()
        .unwrap();
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// The model file and `fit::io_cell` give the same soma trace, loss and gradient with respect to
/// all twelve conductances (20 ms from the paper's perturbed start against the g_K_Ca ×4 target).
#[test]
fn io_model_file_builds_the_fit_rs_cell() {
    let (tstop, dt) = (20.0, 0.025);
    let swc = std::fs::read_to_string(root().join("tests/reference/data/C4A.swc")).unwrap();
    let mut reference = [1.0; 12];
    reference[2] = 4.0;
    let setup = fit::IoSetup {
        cvs: fit::Cvs::PerSection,
        dt,
        tstop,
        window: (0.0, tstop),
        reference: [1.0; 12],
    };
    let target_setup = fit::IoSetup { reference, ..setup };
    let target = fit::io_problem(&Library::builtin(), swc.clone(), target_setup, vec![])
        .unwrap()
        .traces(&[0.0; 12])
        .unwrap()
        .remove(0);
    let coded = fit::io_problem(&Library::builtin(), swc, setup, target.clone()).unwrap();
    let dir = tmp("same_cell");
    let path = dir.join("target.csv");
    write_target(&path, "v_soma", dt, &target);
    let names: Vec<&str> = fit::IO_REFERENCE.iter().map(|e| e.0).collect();
    let mut opts = FitOptions::new(&path, &names, &dir);
    opts.overrides = set(&["tstop=20"]);
    let filed = command::setup(&io_model(), &Library::builtin(), &opts).unwrap();
    assert_eq!(filed.problem.probes, coded.probes);
    // The model values the multipliers scale are the reference conductances.
    for (k, p) in coded.params.iter().enumerate() {
        let v = filed.initial[k].unwrap();
        assert!((v - p.reference).abs() <= 1e-15 * v, "{}", p.name);
    }
    let a = coded.traces(&[0.0; 12]).unwrap().remove(0);
    let b = filed.problem.traces(&[0.0; 12]).unwrap().remove(0);
    let dv = a
        .iter()
        .zip(&b)
        .map(|(x, y)| (x - y).abs())
        .fold(0.0, f64::max);
    println!("max |dV| between the two cells at the reference: {dv:e} mV");
    assert_eq!(a.len(), b.len());
    assert!(dv < 1e-9, "{dv}");
    let u: Vec<f64> = fit::IO_START.iter().map(|m| m.ln()).collect();
    let (ea, eb) = (
        coded.evaluate(&u).unwrap(),
        filed.problem.evaluate(&u).unwrap(),
    );
    let norm = ea.grad.iter().map(|g| g * g).sum::<f64>().sqrt();
    let worst = ea
        .grad
        .iter()
        .zip(&eb.grad)
        .map(|(x, y)| (x - y).abs() / norm)
        .fold(0.0, f64::max);
    println!(
        "loss {} vs {}; gradient relative difference {worst:e}",
        ea.loss, eb.loss
    );
    assert!((ea.loss - eb.loss).abs() <= 1e-9 * ea.loss);
    assert!(worst < 1e-9, "{worst}");
    std::fs::remove_dir_all(&dir).ok();
}

/// The problem of the command tests: the IO cell for 50 ms, four conductances perturbed from the
/// g_K_Ca ×4 target.
const PARAMS: [&str; 4] = ["g_CaL", "g_K_s", "g_Na_s", "g_h"];
const STARTS: [(&str, f64); 4] = [
    ("g_CaL", 3.0),
    ("g_K_s", 0.6),
    ("g_Na_s", 1.5),
    ("g_h", 0.7),
];

/// Makes the 50 ms target with `gradmod run` and returns its traces.csv.
fn run_target(dir: &Path) -> PathBuf {
    run_target_for(dir, 50.0)
}

/// Makes a target of `tstop` ms with `gradmod run` and returns its traces.csv.
fn run_target_for(dir: &Path, tstop: f64) -> PathBuf {
    let out = dir.join("target");
    let tstop = format!("tstop={tstop}");
    let (ok, _, err) = gradmod(&[
        "run",
        "models/io_cell.toml",
        "--set",
        "io_kca.gbar=0.1",
        "--set",
        &tstop,
        "--no-plot",
        "--out",
        out.to_str().unwrap(),
    ]);
    assert!(ok, "{err}");
    out.join("traces.csv")
}

/// `gradmod run` makes the target, `gradmod fit` lowers the loss and writes its outputs, and a
/// resumed fit continues the same trajectory.
#[test]
fn fit_command_lowers_the_loss_and_resumes() {
    let dir = tmp("command");
    let target = run_target(&dir);
    let fit_dir = dir.join("fit");
    let params = PARAMS.join(",");
    let mut args: Vec<String> = [
        "fit",
        "models/io_cell.toml",
        "--set",
        "io_kca.gbar=0.1",
        "--set",
        "tstop=50",
        "--target",
        target.to_str().unwrap(),
        "--params",
        &params,
        "--rate",
        "0.05",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    for (n, x) in STARTS {
        args.push("--start".into());
        args.push(format!("{n}={x}"));
    }
    let run = |extra: &[&str]| {
        let mut a: Vec<&str> = args.iter().map(String::as_str).collect();
        a.extend_from_slice(extra);
        gradmod(&a)
    };
    let (ok, stdout, err) = run(&["--iterations", "8", "--out", fit_dir.to_str().unwrap()]);
    assert!(ok, "{err}");
    println!("{stdout}");
    for f in [
        "checkpoint.json",
        "loss.csv",
        "params.csv",
        "trace.csv",
        "loss.png",
        "params.png",
        "trace.png",
        "summary.txt",
    ] {
        assert!(fit_dir.join(f).is_file(), "{f} missing");
    }
    let ck = fit::Checkpoint::load(&fit_dir.join("checkpoint.json")).unwrap();
    let losses: Vec<f64> = ck.history.iter().map(|r| r.loss).collect();
    println!("losses {losses:?}");
    assert_eq!(losses.len(), 8);
    assert!(losses.windows(2).all(|w| w[1] < w[0]), "{losses:?}");
    assert!(
        losses[7] < 0.05 * losses[0],
        "loss {} -> {}",
        losses[0],
        losses[7]
    );
    // Four more iterations from the checkpoint equal iterations 8..12 of one run of 12.
    let resumed_dir = dir.join("resumed");
    let ck_path = fit_dir.join("checkpoint.json");
    let (ok, _, err) = run(&[
        "--iterations",
        "4",
        "--resume",
        ck_path.to_str().unwrap(),
        "--out",
        resumed_dir.to_str().unwrap(),
    ]);
    assert!(ok, "{err}");
    let straight_dir = dir.join("straight");
    let (ok, _, err) = run(&[
        "--iterations",
        "12",
        "--no-plot",
        "--out",
        straight_dir.to_str().unwrap(),
    ]);
    assert!(ok, "{err}");
    let resumed = fit::Checkpoint::load(&resumed_dir.join("checkpoint.json")).unwrap();
    let straight = fit::Checkpoint::load(&straight_dir.join("checkpoint.json")).unwrap();
    assert_eq!(resumed.history.len(), 12);
    assert_eq!(resumed.u, straight.u);
    std::fs::remove_dir_all(&dir).ok();
}

/// The gradient the fit records (and Adam uses) at its first iteration equals a central finite
/// difference of the loss.
#[test]
fn gradient_used_equals_central_finite_difference() {
    let dir = tmp("gradient");
    let target = run_target(&dir);
    let mut opts = FitOptions::new(&target, &PARAMS, dir.join("fit"));
    opts.overrides = set(&["io_kca.gbar=0.1", "tstop=50"]);
    opts.start = STARTS.iter().map(|&(n, x)| (n.to_string(), x)).collect();
    opts.iterations = 1;
    opts.plot = false;
    let model = io_model();
    let report = command::fit(&model, &Library::builtin(), &opts).unwrap();
    let used = &report.checkpoint.history[0];
    let problem = command::setup(&model, &Library::builtin(), &opts)
        .unwrap()
        .problem;
    let h = 1e-5;
    let norm = used.grad.iter().map(|g| g * g).sum::<f64>().sqrt();
    let mut worst: f64 = 0.0;
    for k in 0..PARAMS.len() {
        let (mut up, mut dn) = (used.u.clone(), used.u.clone());
        up[k] += h;
        dn[k] -= h;
        let fd = (problem.loss(&up).unwrap() - problem.loss(&dn).unwrap()) / (2.0 * h);
        let rel = (used.grad[k] - fd).abs() / norm;
        println!(
            "{:8} dL/du {:+.10e}  fd {:+.10e}  rel {rel:.2e}",
            PARAMS[k], used.grad[k], fd
        );
        worst = worst.max(rel);
    }
    assert!(worst < 1e-5, "largest relative error {worst:e}");
    std::fs::remove_dir_all(&dir).ok();
}

/// The feature losses (mean voltage, smoothed firing rate) have gradients equal to central finite
/// differences, on 200 ms of the IO cell that include a calcium spike.
#[test]
fn feature_loss_gradients_equal_central_finite_differences() {
    let dir = tmp("features");
    let target = run_target_for(&dir, 200.0);
    let params = ["g_CaL", "g_K_s", "g_h"];
    let mut opts = FitOptions::new(&target, &params, dir.join("fit"));
    opts.overrides = set(&["io_kca.gbar=0.1", "tstop=200"]);
    opts.start = vec![("g_CaL".into(), 1.5), ("g_K_s".into(), 0.8)];
    let s = command::setup(&io_model(), &Library::builtin(), &opts).unwrap();
    let mut problem = s.problem;
    for loss in [fit::Loss::MeanVoltage, fit::Loss::RATE] {
        problem.loss = loss;
        let eval = problem.evaluate(&s.start).unwrap();
        let norm = eval.grad.iter().map(|g| g * g).sum::<f64>().sqrt();
        let h = 1e-5;
        let mut worst: f64 = 0.0;
        for k in 0..params.len() {
            let (mut up, mut dn) = (s.start.clone(), s.start.clone());
            up[k] += h;
            dn[k] -= h;
            let fd = (problem.loss(&up).unwrap() - problem.loss(&dn).unwrap()) / (2.0 * h);
            let rel = (eval.grad[k] - fd).abs() / norm;
            println!(
                "{loss:?} {:6} loss {:.6e} dL/du {:+.10e}  fd {:+.10e}  rel {rel:.2e}",
                params[k], eval.loss, eval.grad[k], fd
            );
            worst = worst.max(rel);
        }
        assert!(eval.loss > 0.0 && norm > 0.0);
        assert!(worst < 1e-5, "{loss:?}: largest relative error {worst:e}");
    }
    assert_eq!(fit::Loss::parse("mean"), Ok(fit::Loss::MeanVoltage));
    assert_eq!(
        fit::Loss::parse("rate:-30:1"),
        Ok(fit::Loss::Rate {
            threshold: -30.0,
            width: 1.0,
            duration: 2.0
        })
    );
    assert!(fit::Loss::parse("rate:-30:0").is_err());
    assert!(fit::Loss::parse("rates").is_err());
    std::fs::remove_dir_all(&dir).ok();
}

/// The error of `command::setup` on the IO model with a target file, overrides and parameters.
fn setup_error(target: &Path, params: &[&str], edit: impl FnOnce(&mut FitOptions)) -> String {
    let mut opts = FitOptions::new(target, params, std::env::temp_dir());
    opts.overrides = set(&["tstop=5"]);
    edit(&mut opts);
    match command::setup(&io_model(), &Library::builtin(), &opts) {
        Ok(_) => "ok".into(),
        Err(e) => e,
    }
}

#[test]
fn bad_targets_and_parameters_give_clear_errors() {
    let dir = tmp("errors");
    let good = dir.join("good.csv");
    write_target(&good, "v_soma", 0.025, &vec![-60.0; 201]);
    assert_eq!(setup_error(&good, &["g_CaL"], |_| {}), "ok");
    let all = FitOptions::new(&good, &["all"], std::env::temp_dir());
    let all = command::setup(
        &io_model(),
        &Library::builtin(),
        &FitOptions {
            overrides: set(&["tstop=5"]),
            ..all
        },
    );
    assert_eq!(all.unwrap().problem.dim(), 12);
    // Unknown and repeated parameter names.
    let e = setup_error(&good, &["g_CaL", "g_Ca"], |_| {});
    assert!(
        e.starts_with(
            "--params: the model has no [[parameter]] named `g_Ca` (its parameters: g_CaL, g_h,"
        ),
        "{e}"
    );
    let e = setup_error(&good, &["g_CaL", "g_CaL"], |_| {});
    assert_eq!(e, "--params: `g_CaL` is named twice");
    // A missing column.
    let other = dir.join("other.csv");
    write_target(&other, "v_dend", 0.025, &vec![-60.0; 201]);
    let e = setup_error(&other, &["g_CaL"], |_| {});
    assert!(
        e.contains("has no column `v_soma` (its columns: v_dend)"),
        "{e}"
    );
    let e = setup_error(&good, &["g_CaL"], |o| o.probe = Some("v_axon".into()));
    assert_eq!(
        e,
        "--probe: the model has no [[probe]] named `v_axon` (its probes: v_soma)"
    );
    // Mismatched time grids: another dt, a shifted grid, a target too short for the window.
    let coarse = dir.join("coarse.csv");
    write_target(&coarse, "v_soma", 0.05, &vec![-60.0; 101]);
    let e = setup_error(&coarse, &["g_CaL"], |_| {});
    assert!(
        e.contains("is sampled every 0.05 ms but the model steps every 0.025 ms"),
        "{e}"
    );
    let shifted = dir.join("shifted.csv");
    let times: Vec<f64> = (0..201).map(|i| 1.0 + i as f64 * 0.025).collect();
    output::write_csv(
        &shifted,
        &["t".into(), "v_soma".into()],
        &[&times, &vec![-60.0; 201]],
    )
    .unwrap();
    let e = setup_error(&shifted, &["g_CaL"], |_| {});
    assert!(
        e.contains("time grid does not match the model's: sample 0 is at t = 1 ms"),
        "{e}"
    );
    let short = dir.join("short.csv");
    write_target(&short, "v_soma", 0.025, &vec![-60.0; 100]);
    let e = setup_error(&short, &["g_CaL"], |_| {});
    assert!(
        e.contains("ends at t = 2.475 ms, before the loss window's end 5 ms"),
        "{e}"
    );
    assert_eq!(
        setup_error(&short, &["g_CaL"], |o| o.window = Some((1.0, 2.0))),
        "ok"
    );
    // Bad windows, starts and files.
    let e = setup_error(&good, &["g_CaL"], |o| o.window = Some((3.0, 8.0)));
    assert_eq!(e, "--window 3,8: expected 0 ≤ T0 < T1 ≤ tstop = 5 ms");
    let e = setup_error(&good, &["g_CaL"], |o| {
        o.start = vec![("g_CaL".into(), 30.0)]
    });
    assert_eq!(e, "--start g_CaL=30: outside its bounds [0.05, 20]");
    let e = setup_error(&good, &["g_CaL"], |o| o.start = vec![("g_h".into(), 2.0)]);
    assert_eq!(e, "--start g_h: not a fitted parameter (fitted: g_CaL)");
    let e = setup_error(&good, &["g_CaL"], |o| {
        o.overrides = set(&["tstop=5", "io_cal.gbar=0"])
    });
    assert!(e.starts_with("--params: `g_CaL` is 0 in the model"), "{e}");
    // A model with noise or a controller is rejected, not fitted without them.
    let text = std::fs::read_to_string(root().join("models/io_cell.toml")).unwrap()
        + "\n[[noise]]\nsection = \"soma\"\nsigma = 0.01\n";
    let noisy = model::Model::parse("noisy.toml", &text, &root().join("models")).unwrap();
    let mut opts = FitOptions::new(&good, &["g_CaL"], std::env::temp_dir());
    opts.overrides = set(&["tstop=5"]);
    let e = command::setup(&noisy, &Library::builtin(), &opts)
        .err()
        .expect("an error");
    assert!(e.contains("[[noise]]"), "{e}");
    let e = setup_error(&dir.join("none.csv"), &["g_CaL"], |_| {});
    assert!(e.starts_with("cannot read the target"), "{e}");
    assert!(command::parse_window("1;2").is_err());
    assert!(command::parse_start("g_CaL=-1").is_err());
    // The command reports such errors with status 1, without panicking.
    let (ok, _, err) = gradmod(&[
        "fit",
        "models/io_cell.toml",
        "--set",
        "tstop=5",
        "--target",
        other.to_str().unwrap(),
        "--params",
        "g_CaL",
        "--out",
        dir.join("out").to_str().unwrap(),
    ]);
    assert!(!ok);
    assert!(err.starts_with("error: the target"), "{err}");
    assert!(!err.contains("panicked"), "{err}");
    std::fs::remove_dir_all(&dir).ok();
}

/// The first line of the error building `text` (a model in `models/`), or "ok".
fn build_headline(text: &str) -> String {
    let m = match model::Model::parse("model.toml", text, &root().join("models")) {
        Ok(m) => m,
        Err(e) => return e.headline(),
    };
    let lib = Library::builtin();
    match model::build(&m, &lib, &[]) {
        Ok(_) => "ok".into(),
        Err(e) => e.headline(),
    }
}

const SWC_AXON: &str = r#"[morphology]
swc = "../tests/reference/data/C4A.swc"

[[section]]
name = "axon[0]"
parent = "soma[0]"
at = 0.0
length = 4.0
diameter = 4.0

[[mechanism]]
name = "pas"
region = "axon[0]"
"#;

#[test]
fn swc_with_extra_sections() {
    assert_eq!(build_headline(SWC_AXON), "ok");
    assert_eq!(
        build_headline(&SWC_AXON.replace(r#"parent = "soma[0]""#, r#"parent = "soma""#)),
        "model.toml:6:10: section[0].parent: no section named `soma` in the SWC \
         (soma[0]..soma[1], dend[0]..dend[137]) or before this one (parents come first)"
            .replace("soma[0]..soma[1]", &soma_range())
            .replace("dend[0]..dend[137]", &dend_range())
    );
    assert_eq!(
        build_headline(&SWC_AXON.replace("parent = \"soma[0]\"\nat = 0.0\n", "")),
        format!(
            "model.toml:4:1: section[0]: with [morphology] swc, every [[section]] attaches to a \
             parent: give `parent`, a section of the SWC ({}, {}) or an earlier [[section]]",
            soma_range(),
            dend_range()
        )
    );
    assert_eq!(
        build_headline(&SWC_AXON.replace("name = \"axon[0]\"", "name = \"dend[3]\"")),
        "model.toml:4:1: section[0].name: the SWC file already has a section named `dend[3]`"
    );
    assert_eq!(
        build_headline(&SWC_AXON.replace("at = 0.0", "at = 1.5")),
        "model.toml:4:1: section[0]: `at` must be in [0, 1], got 1.5"
    );
    // A second section may attach to the first.
    let chained = format!(
        "{SWC_AXON}\n[[section]]\nname = \"axon[1]\"\nparent = \"axon[0]\"\nlength = 10.0\n\
         diameter = 1.0\n"
    );
    assert_eq!(build_headline(&chained), "ok");
}

/// The range of a prefix's section indices in C4A as the SWC reader names them, such as
/// `soma[0]..soma[16]`.
fn range(prefix: &str) -> String {
    let text = std::fs::read_to_string(root().join("tests/reference/data/C4A.swc")).unwrap();
    let m = gradmod_runtime::read_swc(&text).unwrap();
    let idx: Vec<usize> = m
        .sections()
        .iter()
        .filter_map(|s| {
            s.name
                .strip_prefix(prefix)?
                .strip_prefix('[')?
                .strip_suffix(']')?
                .parse()
                .ok()
        })
        .collect();
    let (lo, hi) = (idx.iter().min().unwrap(), idx.iter().max().unwrap());
    format!("{prefix}[{lo}]..{prefix}[{hi}]")
}

fn soma_range() -> String {
    range("soma")
}

fn dend_range() -> String {
    range("dend")
}
