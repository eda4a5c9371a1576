//! Arbor's POST_EVENT (runtime/src/post_event.rs): the test synapse stdp, written as Arbor's
//! built-in expsyn_stdp, on the soma of tests/reference/arbor/post_event.toml driven over its
//! detector's threshold four times, gives Arbor 0.12's own plastic-weight trace
//! (tests/reference/data/arbor/post_event.csv, made by tests/reference/arbor/post_event.py), and
//! its tangents equal central finite differences of gradmod with the spike steps unchanged.

use std::path::PathBuf;

use gradmod::output::Traces;
use gradmod::{Library, model, run};

/// The traces of the model with overrides: v, g, apre, apost, weight_plastic.
fn simulate(overrides: &[String]) -> Traces {
    let file =
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/reference/arbor/post_event.toml");
    let m = model::Model::load(&file).unwrap();
    let overrides: Vec<_> = overrides
        .iter()
        .map(|s| model::Override::parse(s).unwrap())
        .collect();
    let built = model::build(&m, &Library::builtin(), &overrides).unwrap_or_else(|e| panic!("{e}"));
    run::simulate(built, false).unwrap().0.remove(0).1
}

/// Arbor's columns v, g, apre, apost, weight_plastic, by row (every fourth step).
fn arbor() -> Vec<Vec<f64>> {
    let path =
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/reference/data/arbor/post_event.csv");
    let text = std::fs::read_to_string(path).unwrap();
    let rows: Vec<Vec<f64>> = text
        .lines()
        .skip(1)
        .map(|l| l.split(',').map(|x| x.parse().unwrap()).collect())
        .collect();
    (1..6)
        .map(|c| rows.iter().map(|r| r[c]).collect())
        .collect()
}

#[test]
fn plastic_weight_follows_arbor() {
    let traces = simulate(&[]);
    let reference = arbor();
    let (v, w) = (&traces.values[0], &traces.values[4]);
    // Arbor samples at the start of a step, after that step's events and the POST_EVENTs of the
    // spike that ended the step before; gradmod records at the end of the step, and delivers
    // those in the next one. v agrees row for row; the plastic weight, which only events and
    // spikes change, is Arbor's row i in gradmod's sample 4 i + 1.
    let mut dv: f64 = 0.0;
    let mut dw: f64 = 0.0;
    for (i, (&va, &wa)) in reference[0].iter().zip(&reference[4]).enumerate() {
        dv = dv.max((v[4 * i] - va).abs());
        dw = dw.max((w[4 * i + 1] - wa).abs());
    }
    println!("stdp against Arbor 0.12: v {dv:.1e} mV, weight_plastic {dw:.1e}");
    // Arbor's cnexp multiplies g, apre and apost by the (1,1) Padé form of exp(-dt/tau) (as in
    // tests/it/diffusion.rs), gradmod by the exponential: 1.6e-7 relative per step for tau =
    // 2 ms, which moves v by about 1e-4 mV over a synaptic event, and the traces that the plastic
    // weight sums (tau 10 ms) by less than 1e-6 relative.
    assert!(dv < 1e-3, "{dv}");
    assert!(dw < 1e-7, "{dw}");
    // Four spikes each moved the weight by apre, and the events after the first spike by apost
    // (the first event came before any spike, when apost was 0).
    let changes = w.windows(2).filter(|p| p[0] != p[1]).count();
    assert_eq!(changes, 8, "{changes}");
    assert!(w.last().unwrap().abs() > 1e-3);
}

#[test]
fn stdp_tangents_equal_central_differences() {
    let base = simulate(&[]);
    let params = [
        ("stdp.Apre", 0.01),
        ("stdp.taupost", 10.0),
        ("pas.g", 0.001),
    ];
    for (k, (key, theta)) in params.into_iter().enumerate() {
        // Small enough that no crossing of the detector's threshold moves to another step.
        let h = 1e-6 * theta;
        let plus = simulate(&[format!("{key}={}", theta + h)]);
        let minus = simulate(&[format!("{key}={}", theta - h)]);
        for (i, &p) in base.with_tangents.iter().enumerate() {
            let mut worst: f64 = 0.0;
            let mut scale: f64 = 0.0;
            for (j, &t) in base.tangents[i][k].iter().enumerate() {
                let fd = (plus.values[p][j] - minus.values[p][j]) / (2.0 * h);
                worst = worst.max((t - fd).abs());
                scale = scale.max(fd.abs());
            }
            println!(
                "d{}/d{key}: max |tangent - FD| {worst:.1e} of {scale:.1e}",
                base.names[p]
            );
            assert!(
                worst <= 1e-5 * scale + 1e-12,
                "{key}, probe {p}: {worst} of {scale}"
            );
        }
    }
    // The plastic weight moves with Apre (through the POST_EVENT's apre) and taupost (through
    // the events' apost).
    let w = base.with_tangents.iter().position(|&p| p == 4).unwrap();
    assert!(base.tangents[w][0].iter().any(|x| x.abs() > 1.0));
    assert!(base.tangents[w][1].iter().any(|x| x.abs() > 1e-3));
}

#[test]
fn compiler_and_runtime_agree_on_the_post_event_flag() {
    assert_eq!(
        gradmod_compiler::ir::POST_EVENT_FLAG.to_bits(),
        gradmod_runtime::events::POST_EVENT_FLAG.to_bits()
    );
}
