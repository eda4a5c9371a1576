//! The homeostatic observer `rate_objective` (mod_files/objective.mod), `rate_obs`
//! (mod_files/rate_observer.mod) and `excitability` (mod_files/excitability.mod): with λ = 0 the
//! tangents of the rate estimate f, of the objective e and of the soft indicator a equal central
//! finite differences of full simulations, and f tracks the true spike rate of a noise-driven HH
//! cell.

use crate::models::generated;
use gradmod_runtime::noise::OuParams;
use gradmod_runtime::{Cell, Morphology, ParamSpec, Probe, Recorder, Region, Settings};

/// A one-compartment HH cell driven by OU noise, with both observers.
fn noisy_hh(sigma: f64, seed: u64) -> Cell {
    let mut m = Morphology::new();
    m.add_cylinder("soma", 1, 20.0, 20.0, None, 1).unwrap();
    let mut cell = Cell::new(m, Settings::default()).unwrap();
    cell.insert(generated("hh"), &Region::All).unwrap();
    cell.insert(generated("rate_objective"), &Region::All)
        .unwrap();
    cell.insert(generated("rate_obs"), &Region::All).unwrap();
    cell.insert(generated("excitability"), &Region::All)
        .unwrap();
    cell.add_ou_noise(
        &gradmod::homeostasis::OU_NOISE,
        "soma",
        0.5,
        OuParams {
            mean: 0.03,
            sigma,
            tau: 5.0,
            gain: 1.0,
            seed,
        },
    )
    .unwrap();
    cell
}

const PARAMS: [(&str, &str); 7] = [
    ("hh", "gnabar"),
    ("hh", "gkbar"),
    ("ou_noise", "gain"),
    ("rate_objective", "ftarget"),
    ("rate_objective", "tauf"),
    ("excitability", "vs"),
    ("excitability", "ks"),
];

/// Runs with the parameters declared (one moved), recording v, f, e, a and their tangents.
fn run(set: Option<(usize, f64)>) -> (Vec<Vec<f64>>, Vec<f64>) {
    let mut cell = noisy_hh(0.08, 3);
    let obj = cell.mechanism_id("rate_objective").unwrap();
    let ex = cell.mechanism_id("excitability").unwrap();
    cell.set_field(obj, "ftarget", &Region::All, 3.0).unwrap();
    cell.set_field(obj, "tauf", &Region::All, 50.0).unwrap();
    for (m, p) in PARAMS {
        cell.add_parameter(ParamSpec::mechanism(m, p)).unwrap();
    }
    let theta: Vec<f64> = (0..PARAMS.len()).map(|k| cell.parameter(k)).collect();
    if let Some((k, x)) = set {
        cell.set_parameter(k, x).unwrap();
    }
    let mut probes = vec![
        Probe::Voltage { cv: 1 },
        Probe::field(&cell, obj, "f", 0).unwrap(),
        Probe::field(&cell, obj, "e", 0).unwrap(),
        Probe::field(&cell, ex, "a", 0).unwrap(),
    ];
    for k in 0..PARAMS.len() {
        for (mech, state) in [(obj, 1), (obj, 2), (ex, 0)] {
            probes.push(Probe::StateTangent {
                mech,
                state,
                k,
                instance: 0,
            });
        }
    }
    let mut rec = Recorder::new(probes, 8);
    cell.run(200.0, Some(&mut rec)).unwrap();
    (rec.traces, theta)
}

#[test]
fn objective_tangents_match_finite_differences() {
    let (base, theta) = run(None);
    let spikes = base[0]
        .windows(2)
        .filter(|w| w[0] < 0.0 && w[1] >= 0.0)
        .count();
    assert!(spikes >= 2, "the test needs spikes, got {spikes}");
    for (k, (m, p)) in PARAMS.iter().enumerate() {
        let h = 1e-6 * theta[k].abs();
        let (plus, _) = run(Some((k, theta[k] + h)));
        let (minus, _) = run(Some((k, theta[k] - h)));
        for (s, name) in [(1, "f"), (2, "e"), (3, "a")] {
            let tangent = &base[4 + 3 * k + (s - 1)];
            let scale = tangent.iter().fold(0.0f64, |a, x| a.max(x.abs()));
            // One observer's parameters do not reach the other observer's states.
            let other = match *m {
                "rate_objective" => name == "a",
                "excitability" => name != "a",
                _ => false,
            };
            if other {
                assert_eq!(scale, 0.0, "d{name}/d({m}.{p}) should vanish");
                continue;
            }
            let err = tangent
                .iter()
                .zip(plus[s].iter().zip(&minus[s]))
                .map(|(t, (p, q))| (t - (p - q) / (2.0 * h)).abs())
                .fold(0.0f64, f64::max);
            println!(
                "d{name}/d({m}.{p}): max {scale:.4e}, relative error {:.2e}",
                err / scale
            );
            assert!(scale > 0.0, "d{name}/d({m}.{p}) is identically zero");
            assert!(
                err / scale < 1e-5,
                "d{name}/d({m}.{p}) off by {:e}",
                err / scale
            );
        }
    }
}

/// Over 20 s of noise-driven firing at about 5, 20 and 50 Hz, the mean of f over the last 15 s
/// (after the filter's start-up) is within 10% of the true rate counted by a threshold detector.
#[test]
fn the_rate_estimate_tracks_the_true_rate() {
    for (sigma, seed) in [(0.012, 1), (0.02, 2), (0.1, 3)] {
        let mut cell = noisy_hh(sigma, seed);
        let obs = cell.mechanism_id("rate_obs").unwrap();
        cell.add_detector(1, -10.0).unwrap();
        let probe = Probe::field(&cell, obs, "f", 0).unwrap();
        let mut rec = Recorder::new(vec![probe], 40);
        cell.run(20_000.0, Some(&mut rec)).unwrap();
        let spikes: Vec<f64> = cell.take_spikes().iter().map(|s| s.time).collect();
        let late = spikes.iter().filter(|&&t| t > 5000.0).count();
        let true_rate = late as f64 / 15.0;
        let f: Vec<f64> = rec
            .times
            .iter()
            .zip(&rec.traces[0])
            .filter(|(t, _)| **t > 5000.0)
            .map(|(_, f)| *f)
            .collect();
        let est = f.iter().sum::<f64>() / f.len() as f64;
        println!(
            "sigma {sigma}: true rate {true_rate:.3} Hz ({} spikes), mean estimate {est:.3} Hz",
            spikes.len()
        );
        assert!(true_rate > 0.5, "too few spikes to compare: {true_rate} Hz");
        assert!(
            (est - true_rate).abs() < 0.1 * true_rate,
            "estimate {est} Hz vs true {true_rate} Hz"
        );
    }
}
