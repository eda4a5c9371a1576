//! `gradmod run` on models/homeostasis_cell.toml: the `[[noise]]` source drives the cell, the
//! `[homeostasis]` controller adapts g_Na, g_K and the input gain toward the target rate, and the
//! rate estimate and the parameter trajectories are written beside the probes.

use std::path::{Path, PathBuf};
use std::process::Command;

/// A fresh, empty temporary directory for one test.
fn temp_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("gradmod-homeo-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// Runs `gradmod run MODEL --out OUT --no-plot --set tstop=…` and returns its standard output.
fn run(model: &Path, out: &Path, tstop: f64) -> String {
    let o = Command::new(env!("CARGO_BIN_EXE_gradmod"))
        .arg("run")
        .arg(model)
        .arg("--out")
        .arg(out)
        .args(["--no-plot", "--set", &format!("tstop={tstop}")])
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&o.stdout).into_owned();
    assert!(
        o.status.success(),
        "gradmod run failed: {}{stdout}",
        String::from_utf8_lossy(&o.stderr)
    );
    stdout
}

/// The spike count `gradmod run` reports.
fn spikes(stdout: &str) -> usize {
    stdout
        .lines()
        .find_map(|l| l.strip_suffix(" spikes detected"))
        .map_or(0, |n| n.trim().parse().unwrap())
}

/// A CSV column by name.
fn column(path: &Path, name: &str) -> Vec<f64> {
    let text = std::fs::read_to_string(path).unwrap();
    let mut lines = text.lines();
    let header: Vec<&str> = lines.next().unwrap().split(',').collect();
    let j = header
        .iter()
        .position(|h| *h == name)
        .unwrap_or_else(|| panic!("no column {name} in {header:?}"));
    lines
        .map(|l| l.split(',').nth(j).unwrap().parse().unwrap())
        .collect()
}

/// 60 s of the bundled model with and without its `[homeostasis]` section: with it, the cell fires
/// less (its uncontrolled rate is far above the 2 Hz target), every adapted parameter moves the
/// way that lowers the rate and stays within its bounds, and the trajectories are recorded.
#[test]
fn gradmod_run_adapts_parameters_toward_the_target() {
    let dir = temp_dir("run");
    let model = Path::new(env!("CARGO_MANIFEST_DIR")).join("models/homeostasis_cell.toml");
    let tstop = 60_000.0;
    let controlled = run(&model, &dir.join("controlled"), tstop);

    // The same file without the controller: the noise source stays.
    let text = std::fs::read_to_string(&model).unwrap();
    let free_text = &text[..text.find("[homeostasis]").unwrap()];
    let free_model = dir.join("free.toml");
    std::fs::write(&free_model, free_text).unwrap();
    let free = run(&free_model, &dir.join("free"), tstop);

    let (n_free, n_controlled) = (spikes(&free), spikes(&controlled));
    let traces = dir.join("controlled/traces.csv");
    let t = column(&traces, "t");
    let f = column(&traces, "homeostasis.f");
    let gna = column(&traces, "homeostasis.hh.gnabar");
    let gk = column(&traces, "homeostasis.hh.gkbar");
    let gain = column(&traces, "homeostasis.ou_noise.gain");
    println!(
        "spikes in {} s: {n_free} without control, {n_controlled} with; final f {:.2} Hz, gnabar \
         {:.5}, gkbar {:.5}, gain {:.4}",
        tstop / 1000.0,
        f[f.len() - 1],
        gna[gna.len() - 1],
        gk[gk.len() - 1],
        gain[gain.len() - 1]
    );
    assert_eq!(t.len(), 601, "a sample every 100 ms");
    assert!(
        n_free as f64 > 15.0 * tstop / 1000.0,
        "the uncontrolled cell fires at {n_free} spikes per 60 s"
    );
    assert!(
        (n_controlled as f64) < 0.8 * n_free as f64 && n_controlled > 0,
        "control did not lower the rate: {n_free} → {n_controlled} spikes"
    );
    // The first samples are the model's values; each parameter then moves one way only.
    assert_eq!((gna[0], gk[0], gain[0]), (0.12, 0.036, 1.0));
    let last = gna.len() - 1;
    assert!(
        gna[last] < 0.98 * gna[0],
        "gnabar {} → {}",
        gna[0],
        gna[last]
    );
    assert!(gk[last] > 1.02 * gk[0], "gkbar {} → {}", gk[0], gk[last]);
    assert!(
        gain[last] < 0.99 * gain[0],
        "gain {} → {}",
        gain[0],
        gain[last]
    );
    for (name, p, upper) in [
        ("gnabar", &gna, f64::INFINITY),
        ("gkbar", &gk, f64::INFINITY),
        ("gain", &gain, 2.0),
    ] {
        assert!(
            p.iter().all(|&x| (0.0..=upper).contains(&x)),
            "{name} left its bounds"
        );
    }
    // The rate estimate is below what the uncontrolled cell fires at.
    assert!(f[last] < 0.8 * n_free as f64 / (tstop / 1000.0));
    let _ = std::fs::remove_dir_all(&dir);
}
