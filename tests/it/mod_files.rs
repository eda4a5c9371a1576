//! A user's own .mod files, as a NEURON user brings a model folder: the model file names the
//! folder (`[mechanisms] paths`), `gradmod run` compiles it when the model runs, with no Rust
//! toolchain on the machine, and the mechanisms are used like built-in ones (parameters,
//! `--set`, `[[parameter]]` tangents). The files are NEURON's own `nachan.mod` (HHna) and
//! `khhchan.mod` (HHk) from the NEURON wheel of the corpus; with `pas` as the leak they make
//! model A's hh axon again.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use gradmod_testkit::fd;

/// A fresh, empty temporary directory for one test.
fn temp_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("gradmod-mods-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// Runs the gradmod binary in `dir` on a PATH without cargo or rustc.
fn gradmod(dir: &Path, args: &[&str]) -> Output {
    let empty = dir.join("empty-path");
    std::fs::create_dir_all(&empty).unwrap();
    Command::new(env!("CARGO_BIN_EXE_gradmod"))
        .args(args)
        .current_dir(dir)
        .env("PATH", &empty)
        .env_remove("CARGO")
        .env_remove("RUSTC")
        .env_remove("CARGO_HOME")
        .env_remove("RUSTUP_HOME")
        .output()
        .unwrap()
}

fn success(out: &Output) {
    assert!(
        out.status.success(),
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

/// The columns of a CSV file, by header.
fn columns(path: &Path) -> Vec<(String, Vec<f64>)> {
    let text = std::fs::read_to_string(path).unwrap();
    let mut lines = text.lines();
    let mut cols: Vec<(String, Vec<f64>)> = lines
        .next()
        .unwrap()
        .split(',')
        .map(|h| (h.to_string(), Vec::new()))
        .collect();
    for l in lines {
        for (c, x) in cols.iter_mut().zip(l.split(',')) {
            c.1.push(x.parse().unwrap());
        }
    }
    cols
}

/// The corpus file of the NEURON wheel named `file`, if the corpus has been fetched.
fn neuron_demo(file: &str) -> Option<PathBuf> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/corpus/files")
        .join(format!(
            "neuron__neuron_.data_share_nrn_demo_release_{file}"
        ));
    path.exists().then_some(path)
}

/// Model A with HHna, HHk and pas in place of hh, from the folder `mods/`.
fn model_with_own_channels(dir: &Path) -> Option<PathBuf> {
    let mods = dir.join("mods");
    std::fs::create_dir_all(&mods).unwrap();
    for f in ["nachan.mod", "khhchan.mod"] {
        std::fs::copy(neuron_demo(f)?, mods.join(f)).unwrap();
    }
    let a = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("models/A_hh_axon.toml"),
    )
    .unwrap();
    let text = a
        .replace(
            "[[mechanism]]\nname = \"hh\"\nregion = \"all\"\n",
            "[mechanisms]\npaths = [\"mods/\"]\n\n\
             [[mechanism]]\nname = \"HHna\"\n\n\
             [[mechanism]]\nname = \"HHk\"\n\n\
             [[mechanism]]\nname = \"pas\"\nparameters = { g = 0.0003, e = -54.3 }\n",
        )
        .replace("hh.gnabar", "HHna.gnabar")
        .replace("hh.gkbar", "HHk.gkbar")
        .replace("hh.gl", "pas.g");
    assert_ne!(text, a);
    let path = dir.join("model.toml");
    std::fs::write(&path, text).unwrap();
    Some(path)
}

#[test]
fn own_mod_files_run_without_a_toolchain_and_equal_the_built_in_hh() {
    let dir = temp_dir("hh");
    let Some(model) = model_with_own_channels(&dir) else {
        println!("note: the corpus has not been fetched (tests/corpus/fetch.sh); skipped");
        return;
    };
    let model = model.to_str().unwrap();
    let a = Path::new(env!("CARGO_MANIFEST_DIR")).join("models/A_hh_axon.toml");
    success(&gradmod(&dir, &["run", model, "--out", "own", "--no-plot"]));
    success(&gradmod(
        &dir,
        &["run", a.to_str().unwrap(), "--out", "hh", "--no-plot"],
    ));

    // The voltage equals the built-in hh's; so do the tangents, parameter for parameter.
    let (own, hh) = (dir.join("own"), dir.join("hh"));
    for file in ["traces.csv", "tangents.csv"] {
        let (x, y) = (columns(&own.join(file)), columns(&hh.join(file)));
        assert_eq!(x.len(), y.len());
        for ((nx, cx), (ny, cy)) in x.iter().zip(&y).skip(1) {
            let scale = cy.iter().fold(0.0f64, |m, v| m.max(v.abs()));
            let diff = cx
                .iter()
                .zip(cy)
                .fold(0.0f64, |m, (a, b)| m.max((a - b).abs()));
            let tolerance = if file == "traces.csv" {
                1e-10
            } else {
                1e-10 * scale
            };
            println!("{nx} against {ny}: largest difference {diff:.1e} (scale {scale:.1e})");
            assert!(diff <= tolerance, "{nx} differs from {ny} by {diff:e}");
        }
    }

    // Each tangent equals a central finite difference of two runs with the parameter moved.
    let tangents = columns(&own.join("tangents.csv"));
    for (k, (param, value)) in [
        ("HHna.gnabar", 0.12),
        ("HHk.gkbar", 0.036),
        ("pas.g", 0.0003),
    ]
    .into_iter()
    .enumerate()
    {
        let h = fd::step(value, 1e-5);
        let mut runs = Vec::new();
        for (sign, out) in [(1.0, "plus"), (-1.0, "minus")] {
            let set = format!("{param}={}", value + sign * h);
            success(&gradmod(
                &dir,
                &["run", model, "--out", out, "--no-plot", "--set", &set],
            ));
            runs.push(columns(&dir.join(out).join("traces.csv")));
        }
        // Tangent columns: k for the soma, 4 + k for the axon's end.
        for (probe, column) in [(1, 1 + k), (2, 5 + k)] {
            let (name, tangent) = &tangents[column];
            let (scale, err) = fd::deviation(tangent, &runs[0][probe].1, &runs[1][probe].1, h);
            println!(
                "{name}: relative deviation from central differences {:.1e}",
                err / scale
            );
            assert!(err / scale < 1e-6, "{name}: {:e}", err / scale);
        }
    }
}

#[test]
fn unknown_mechanisms_say_how_to_load_a_file_and_clashes_name_both_files() {
    let dir = temp_dir("errors");
    let Some(model) = model_with_own_channels(&dir) else {
        println!("note: the corpus has not been fetched (tests/corpus/fetch.sh); skipped");
        return;
    };
    // Without [mechanisms], HHna is unknown; the message lists what there is and how to load it.
    let text = std::fs::read_to_string(&model).unwrap();
    let bare = dir.join("bare.toml");
    std::fs::write(
        &bare,
        text.replace("[mechanisms]\npaths = [\"mods/\"]\n", ""),
    )
    .unwrap();
    let out = gradmod(&dir, &["run", bare.to_str().unwrap(), "--out", "bare"]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success());
    assert!(err.contains("unknown mechanism `HHna`"), "{err}");
    assert!(err.contains("hh, ") && err.contains("--mods DIR"), "{err}");
    assert!(err.contains("[mechanisms] paths"), "{err}");
    // --mods loads the folder from the command line instead.
    let out = gradmod(
        &dir,
        &[
            "run",
            bare.to_str().unwrap(),
            "--mods",
            "mods",
            "--out",
            "via-flag",
            "--no-plot",
        ],
    );
    success(&out);

    // A file defining a built-in name clashes, naming both; --replace-builtins lets it win.
    std::fs::copy(dir.join("mods/nachan.mod"), dir.join("hh.mod")).unwrap();
    let renamed = std::fs::read_to_string(dir.join("hh.mod"))
        .unwrap()
        .replace("SUFFIX HHna", "SUFFIX hh");
    std::fs::write(dir.join("hh.mod"), renamed).unwrap();
    let out = gradmod(&dir, &["mechanisms", "--mods", "hh.mod"]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success());
    assert!(
        err.contains("`hh` of hh.mod is also defined by the built-in catalogue"),
        "{err}"
    );
    let out = gradmod(
        &dir,
        &["mechanisms", "--mods", "hh.mod", "--replace-builtins"],
    );
    success(&out);
    let listing = String::from_utf8_lossy(&out.stdout);
    assert!(
        listing.contains("hh: density mechanism, from hh.mod"),
        "{listing}"
    );

    // Two files of one folder defining one name: an error naming both.
    std::fs::copy(
        dir.join("mods/nachan.mod"),
        dir.join("mods/nachan_copy.mod"),
    )
    .unwrap();
    let out = gradmod(&dir, &["run", model.to_str().unwrap(), "--out", "twice"]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success());
    assert!(
        err.contains("`HHna` is defined twice") && err.contains("nachan_copy.mod"),
        "{err}"
    );

    // A malformed file: its located diagnostic, and nothing simulated.
    std::fs::remove_file(dir.join("mods/nachan_copy.mod")).unwrap();
    std::fs::write(dir.join("mods/broken.mod"), "NEURON { SUFFIX broken\n").unwrap();
    let out = gradmod(&dir, &["run", model.to_str().unwrap(), "--out", "broken"]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success());
    assert!(err.contains("broken.mod:1:23"), "{err}");
    assert!(!dir.join("broken").exists());
}

#[test]
fn the_listing_shows_kinds_parameters_states_and_ions() {
    let dir = temp_dir("listing");
    let out = gradmod(&dir, &["mechanisms"]);
    success(&out);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("hh: density mechanism, from the built-in catalogue"),
        "{text}"
    );
    assert!(
        text.contains("parameters: gnabar = 0.12 S/cm2, gkbar = 0.036 S/cm2"),
        "{text}"
    );
    assert!(text.contains("states: m, h, n"), "{text}");
    assert!(text.contains("na (reads ena, writes ina)"), "{text}");
    assert!(text.contains("ExpSyn: point process"), "{text}");
    assert!(text.contains("receives events (NET_RECEIVE)"), "{text}");
}
