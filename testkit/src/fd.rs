//! Tangent traces against central finite differences of two full simulations, shared by the
//! runtime's tangent tests and the end-to-end gradient tests of the workspace.

use gradmod_runtime::{Cell, ParamSpec, Probe, Recorder};

/// Runs a cell with the given parameters declared (parameter `set.0` moved to `set.1`),
/// recording v and every tangent at `cvs` every `every` steps; returns the traces (per CV: v,
/// then its K tangents) and the parameters' values.
pub fn run(
    build: &dyn Fn() -> Cell,
    specs: &[ParamSpec],
    cvs: &[usize],
    set: Option<(usize, f64)>,
    tstop: f64,
    every: u64,
) -> (Vec<Vec<f64>>, Vec<f64>) {
    let mut cell = build();
    for s in specs {
        cell.add_parameter(s.clone()).unwrap();
    }
    let theta: Vec<f64> = (0..specs.len()).map(|k| cell.parameter(k)).collect();
    if let Some((k, value)) = set {
        cell.set_parameter(k, value).unwrap();
    }
    let mut probes = Vec::new();
    for &cv in cvs {
        probes.push(Probe::Voltage { cv });
        for k in 0..specs.len() {
            probes.push(Probe::Tangent { k, cv });
        }
    }
    let mut rec = Recorder::new(probes, every);
    cell.run(tstop, Some(&mut rec)).unwrap();
    (rec.traces, theta)
}

/// Checks every tangent trace against a central difference with relative step `rel[k]` for
/// parameter k (absolute for a parameter that is zero): the largest error relative to the
/// trace's maximum must stay below `tol`. Prints one line per trace.
pub fn check(
    build: &dyn Fn() -> Cell,
    specs: &[ParamSpec],
    cvs: &[usize],
    tstop: f64,
    rel: &[f64],
    tol: f64,
) {
    let kk = specs.len();
    let every = 1;
    let (base, theta) = run(build, specs, cvs, None, tstop, every);
    let mut failures = Vec::new();
    for k in 0..kk {
        let h = step(theta[k], rel[k]);
        let (plus, _) = run(build, specs, cvs, Some((k, theta[k] + h)), tstop, every);
        let (minus, _) = run(build, specs, cvs, Some((k, theta[k] - h)), tstop, every);
        for (c, cv) in cvs.iter().enumerate() {
            let vi = c * (kk + 1);
            let (scale, err) = deviation(&base[vi + 1 + k], &plus[vi], &minus[vi], h);
            let line = format!(
                "{:?} at CV {cv}: max |dV/dθ| {scale:.4e}, relative error {:.2e}",
                specs[k].target,
                err / scale
            );
            println!("{line}");
            if !(scale > 0.0 && err / scale < tol) {
                failures.push(line);
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// The finite-difference step for a parameter at `theta`: `rel` relative to it, or `rel`
/// itself for a parameter that is zero.
pub fn step(theta: f64, rel: f64) -> f64 {
    if theta != 0.0 { rel * theta.abs() } else { rel }
}

/// The largest |tangent| of a trace, and the largest deviation of the tangent from the central
/// difference (plus − minus)/2h of the traces at θ ± h.
pub fn deviation(tangent: &[f64], plus: &[f64], minus: &[f64], h: f64) -> (f64, f64) {
    let scale = tangent.iter().fold(0.0f64, |m, x| m.max(x.abs()));
    let err = tangent
        .iter()
        .zip(plus.iter().zip(minus))
        .map(|(s, (p, m))| (s - (p - m) / (2.0 * h)).abs())
        .fold(0.0f64, f64::max);
    (scale, err)
}
