//! The Ornstein–Uhlenbeck current source: its statistics, its tangents against central finite
//! differences of full simulations, and bit-for-bit reproducibility whatever the thread count.

use gradmod_runtime::noise::{OuParams, OuSource, normal};
use gradmod_runtime::{
    Cell, Connection, Morphology, Network, ParamSpec, Probe, Recorder, Region, Settings,
};
use gradmod_testkit::hh::Hh;
use gradmod_testkit::point::ExpSyn;

/// The OU source, under the name the tests give it.
static OU_NOISE: OuSource = OuSource::named("ou_noise");

/// A one-compartment HH cell (soma 20 µm × 20 µm) driven by an OU source.
fn noisy_cell(seed: u64, sigma: f64) -> Cell {
    let mut m = Morphology::new();
    m.add_cylinder("soma", 1, 20.0, 20.0, None, 1).unwrap();
    let mut cell = Cell::new(m, Settings::default()).unwrap();
    cell.insert(Box::new(Hh::new()), &Region::All).unwrap();
    cell.add_ou_noise(
        &OU_NOISE,
        "soma",
        0.5,
        OuParams {
            mean: 0.02,
            sigma,
            tau: 5.0,
            gain: 1.0,
            seed,
        },
    )
    .unwrap();
    cell
}

#[test]
fn the_generator_is_standard_normal() {
    let n = 200_000;
    let xs: Vec<f64> = (0..n).map(|i| normal(7, 3, i)).collect();
    let mean = xs.iter().sum::<f64>() / n as f64;
    let var = xs.iter().map(|x| (x - mean) * (x - mean)).sum::<f64>() / n as f64;
    let lag1 = xs.windows(2).map(|w| w[0] * w[1]).sum::<f64>() / n as f64;
    println!("mean {mean:.4}, variance {var:.4}, lag-1 correlation {lag1:.4}");
    assert!(mean.abs() < 0.01 && (var - 1.0).abs() < 0.01 && lag1.abs() < 0.01);
    // Different streams and seeds differ.
    assert_ne!(normal(7, 3, 0), normal(7, 4, 0));
    assert_ne!(normal(7, 3, 0), normal(8, 3, 0));
}

#[test]
fn the_process_has_unit_variance_and_correlation_time_tau() {
    let mut cell = noisy_cell(11, 0.1);
    let id = cell.mechanism_id("ou_noise").unwrap();
    let probe = Probe::field(&cell, id, "z", 0).unwrap();
    let mut rec = Recorder::new(vec![probe], 1);
    cell.run(20_000.0, Some(&mut rec)).unwrap();
    let z = &rec.traces[0];
    let n = z.len() as f64;
    let mean = z.iter().sum::<f64>() / n;
    let var = z.iter().map(|x| (x - mean) * (x - mean)).sum::<f64>() / n;
    // Lag of tau = 5 ms = 200 steps: correlation exp(−1).
    let lag = 200;
    let corr = z
        .iter()
        .zip(&z[lag..])
        .map(|(a, b)| (a - mean) * (b - mean))
        .sum::<f64>()
        / (z.len() - lag) as f64
        / var;
    println!("mean {mean:.4}, variance {var:.4}, correlation at tau {corr:.4}");
    assert!(mean.abs() < 0.05, "mean {mean}");
    assert!((var - 1.0).abs() < 0.05, "variance {var}");
    assert!((corr - (-1.0f64).exp()).abs() < 0.03, "correlation {corr}");
}

/// v and its tangents for the four differentiable parameters of the source, over a run long enough
/// for several noise-driven spikes.
fn run_with(set: Option<(usize, f64)>) -> (Vec<f64>, Vec<Vec<f64>>, Vec<f64>) {
    let mut cell = noisy_cell(5, 0.12);
    for p in ["gain", "mean", "sigma", "tau"] {
        cell.add_parameter(ParamSpec::mechanism("ou_noise", p))
            .unwrap();
    }
    let theta: Vec<f64> = (0..4).map(|k| cell.parameter(k)).collect();
    if let Some((k, x)) = set {
        cell.set_parameter(k, x).unwrap();
    }
    let cv = cell.cv_at("soma", 0.5).unwrap();
    let mut probes = vec![Probe::Voltage { cv }];
    probes.extend((0..4).map(|k| Probe::Tangent { k, cv }));
    let mut rec = Recorder::new(probes, 4);
    cell.run(150.0, Some(&mut rec)).unwrap();
    let mut traces = rec.traces;
    let v = traces.remove(0);
    (v, traces, theta)
}

#[test]
fn tangents_match_finite_differences() {
    let (v, tangents, theta) = run_with(None);
    let spikes = v.windows(2).filter(|w| w[0] < 0.0 && w[1] >= 0.0).count();
    assert!(
        spikes >= 2,
        "the test needs noise-driven spikes, got {spikes}"
    );
    for (k, name) in ["gain", "mean", "sigma", "tau"].iter().enumerate() {
        let h = 1e-6 * theta[k].abs().max(1e-2);
        let (plus, _, _) = run_with(Some((k, theta[k] + h)));
        let (minus, _, _) = run_with(Some((k, theta[k] - h)));
        let scale = tangents[k].iter().fold(0.0f64, |m, x| m.max(x.abs()));
        let err = tangents[k]
            .iter()
            .zip(plus.iter().zip(&minus))
            .map(|(s, (p, m))| (s - (p - m) / (2.0 * h)).abs())
            .fold(0.0f64, f64::max);
        println!(
            "ou_noise.{name}: max |dV/dθ| {scale:.4e}, relative error {:.2e}",
            err / scale
        );
        assert!(scale > 0.0, "tangent of {name} is identically zero");
        assert!(
            err / scale < 1e-6,
            "tangent of {name} off by {:e}",
            err / scale
        );
    }
}

/// Eight noisy cells, each with its own seed, wired by ExpSyn synapses; cell gain and hh.gnabar
/// are tangent parameters, and the cells forget (λ > 0).
fn noisy_network() -> Network {
    let n = 8;
    let mut net = Network::new();
    for i in 0..n {
        let mut cell = noisy_cell(100 + i as u64, 0.1);
        let syn = cell
            .place(Box::new(ExpSyn::default()), &[("soma", 0.5)])
            .unwrap();
        cell.set_field(syn, "tau", &Region::All, 2.0).unwrap();
        let cv = cell.cv_at("soma", 0.5).unwrap();
        cell.add_detector(cv, -10.0).unwrap();
        cell.add_parameter(ParamSpec::mechanism("ou_noise", "gain"))
            .unwrap();
        cell.add_parameter(ParamSpec::mechanism("hh", "gnabar"))
            .unwrap();
        cell.set_forgetting(0.01).unwrap();
        net.add_cell(cell);
    }
    for i in 0..n {
        for d in [1, 3] {
            let target = (i + d) % n;
            let mech = net.cells()[target].mechanism_id("ExpSyn").unwrap();
            net.connect(Connection {
                source_cell: i,
                detector: 0,
                target_cell: target,
                mech,
                instance: 0,
                weight: 0.02,
                delay: 5.0,
            })
            .unwrap();
        }
    }
    net
}

type Outcome = (Vec<(usize, usize, f64)>, Vec<u64>);

fn simulate(threads: usize) -> Outcome {
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()
        .unwrap();
    pool.install(|| {
        let mut net = noisy_network();
        net.run(200.0).unwrap();
        // Every cell's v, noise state and tangents, as bits.
        let mut bits = Vec::new();
        for cell in net.cells() {
            let id = cell.mechanism_id("ou_noise").unwrap();
            bits.extend(cell.v().iter().map(|x| x.to_bits()));
            bits.extend(cell.field(id, "z").unwrap().iter().map(|x| x.to_bits()));
            for k in 0..2 {
                bits.extend(cell.tangent(k).iter().map(|x| x.to_bits()));
            }
        }
        (net.spikes().to_vec(), bits)
    })
}

#[test]
fn noise_is_reproducible_whatever_the_thread_count() {
    let one = simulate(1);
    assert!(one.0.len() >= 8, "too few spikes: {}", one.0.len());
    for threads in [2, 4] {
        let many = simulate(threads);
        assert_eq!(one.0, many.0, "spikes differ with {threads} threads");
        assert_eq!(one.1, many.1, "state differs with {threads} threads");
    }
    // And across runs in one thread.
    assert_eq!(one, simulate(1));
}

#[test]
fn bad_parameters_are_rejected() {
    let mut m = Morphology::new();
    m.add_cylinder("soma", 1, 20.0, 20.0, None, 1).unwrap();
    let mut cell = Cell::new(m, Settings::default()).unwrap();
    let bad = OuParams {
        tau: 0.0,
        ..OuParams::default()
    };
    let err = cell.add_ou_noise(&OU_NOISE, "soma", 0.5, bad).unwrap_err();
    assert!(err.to_string().contains("tau"), "{err}");
    let err = cell
        .add_ou_noise(&OU_NOISE, "nowhere", 0.5, OuParams::default())
        .unwrap_err();
    assert!(err.to_string().contains("nowhere"), "{err}");
    // The seed is not differentiable.
    cell.add_ou_noise(&OU_NOISE, "soma", 0.5, OuParams::default())
        .unwrap();
    let err = cell
        .add_parameter(ParamSpec::mechanism("ou_noise", "seed"))
        .unwrap_err();
    assert!(err.to_string().contains("PARAMETER"), "{err}");
}
