//! The loss of MODELS.md and its gradient from tangents; Adam fitting recovers parameters.

mod common;

use common::models::{model_a, model_a_probes};
use gradmod_runtime::optim::{Adam, TraceLoss};
use gradmod_runtime::{Cell, ParamSpec, Probe, Recorder};

/// Model A with theta = (gnabar, gkbar) written before initialisation.
fn model(theta: &[f64]) -> Cell {
    let mut cell = model_a(0.5);
    cell.add_parameter(ParamSpec::mechanism("hh", "gnabar"))
        .unwrap();
    cell.add_parameter(ParamSpec::mechanism("hh", "gkbar"))
        .unwrap();
    for (k, &t) in theta.iter().enumerate() {
        cell.set_parameter(k, t).unwrap();
    }
    cell
}

fn target() -> Vec<f64> {
    let mut cell = model(&[0.12 * 1.1, 0.036 * 0.9]);
    let (soma, _) = model_a_probes(&cell);
    let mut rec = Recorder::new(vec![Probe::Voltage { cv: soma }], 1);
    cell.run(30.0, Some(&mut rec)).unwrap();
    rec.traces.remove(0)
}

fn loss(theta: &[f64], target: &[f64]) -> (f64, Vec<f64>) {
    let mut cell = model(theta);
    let (soma, _) = model_a_probes(&cell);
    let mut l = TraceLoss::new(soma, target.to_vec(), 2);
    cell.init().unwrap();
    l.accumulate(&cell).unwrap();
    for _ in 0..1200 {
        cell.step().unwrap();
        l.accumulate(&cell).unwrap();
    }
    (l.value(), l.gradient())
}

#[test]
fn loss_gradient_matches_finite_differences() {
    let target = target();
    let theta = [0.12, 0.036];
    let (value, grad) = loss(&theta, &target);
    assert!(value > 1.0, "the target differs: {value}");
    for k in 0..2 {
        let h = 1e-6 * theta[k];
        let mut p = theta;
        p[k] += h;
        let mut m = theta;
        m[k] -= h;
        let fd = (loss(&p, &target).0 - loss(&m, &target).0) / (2.0 * h);
        let rel = (grad[k] - fd).abs() / fd.abs();
        println!(
            "dL/dθ_{k}: tangent {:.9e}, finite difference {fd:.9e}, relative {rel:.1e}",
            grad[k]
        );
        assert!(rel < 1e-6);
    }
}

#[test]
fn adam_reduces_the_loss() {
    let target = target();
    // Work in relative units u (θ = θ0·u) so one rate suits both conductances.
    let scale = [0.12, 0.036];
    let mut u = vec![1.0, 1.0];
    let mut adam = Adam::new(0.02, 2);
    let first = loss(&[scale[0], scale[1]], &target).0;
    let mut last = first;
    for _ in 0..15 {
        let theta = [scale[0] * u[0], scale[1] * u[1]];
        let (value, grad) = loss(&theta, &target);
        last = value;
        let gu = [grad[0] * scale[0], grad[1] * scale[1]];
        adam.step(&mut u, &gu);
    }
    println!("loss {first:.4} -> {last:.4}, u = {u:?}");
    assert!(last < 0.5 * first, "loss {first} -> {last}");
}
