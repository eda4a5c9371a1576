//! Losses from tangents and a gradient optimiser, for offline fitting.
//!
//! A [`TraceLoss`] accumulates L = mean over samples of (v − v_target)² at one CV together with its
//! exact gradient dL/dθ_k = mean of 2 (v − v_target) S_k, sample by sample, so memory does not grow
//! with the simulated time. [`Adam`] updates parameter values from such gradients.

use crate::cell::Cell;
use crate::error::{Error, Result};

/// Mean squared error between v at one CV and a target trace, with its gradient.
#[derive(Clone, Debug)]
pub struct TraceLoss {
    cv: usize,
    target: Vec<f64>,
    samples: usize,
    sum: f64,
    grad: Vec<f64>,
}

impl TraceLoss {
    /// A loss at `cv` against `target` (one value per sample, sample 0 after initialisation), for a
    /// cell with `k` tangent parameters.
    pub fn new(cv: usize, target: Vec<f64>, k: usize) -> Self {
        Self {
            cv,
            target,
            samples: 0,
            sum: 0.0,
            grad: vec![0.0; k],
        }
    }

    /// Adds the cell's current state as the next sample; samples beyond the target are ignored.
    pub fn accumulate(&mut self, cell: &Cell) -> Result<()> {
        let Some(&target) = self.target.get(self.samples) else {
            return Ok(());
        };
        if self.grad.len() != cell.parameter_count() {
            return Err(Error::Invalid(format!(
                "the loss was made for {} parameters, the cell has {}",
                self.grad.len(),
                cell.parameter_count()
            )));
        }
        let e = cell.v()[self.cv] - target;
        self.sum += e * e;
        for (k, g) in self.grad.iter_mut().enumerate() {
            *g += 2.0 * e * cell.tangent(k)[self.cv];
        }
        self.samples += 1;
        Ok(())
    }

    /// Number of samples accumulated.
    pub fn samples(&self) -> usize {
        self.samples
    }

    /// The loss: mean squared error (mV²).
    pub fn value(&self) -> f64 {
        self.sum / self.samples.max(1) as f64
    }

    /// dL/dθ_k for every parameter.
    pub fn gradient(&self) -> Vec<f64> {
        let n = self.samples.max(1) as f64;
        self.grad.iter().map(|g| g / n).collect()
    }
}

/// The Adam optimiser (Kingma and Ba) over a vector of parameters.
#[derive(Clone, Debug)]
pub struct Adam {
    /// Learning rate.
    pub rate: f64,
    /// Decay of the first moment.
    pub beta1: f64,
    /// Decay of the second moment.
    pub beta2: f64,
    /// Denominator guard.
    pub epsilon: f64,
    m: Vec<f64>,
    v: Vec<f64>,
    t: i32,
}

impl Adam {
    /// Adam with the usual constants (0.9, 0.999, 1e-8) for `k` parameters.
    pub fn new(rate: f64, k: usize) -> Self {
        Self {
            rate,
            beta1: 0.9,
            beta2: 0.999,
            epsilon: 1e-8,
            m: vec![0.0; k],
            v: vec![0.0; k],
            t: 0,
        }
    }

    /// One update of `theta` from `grad`.
    pub fn step(&mut self, theta: &mut [f64], grad: &[f64]) {
        self.t += 1;
        let c1 = 1.0 - self.beta1.powi(self.t);
        let c2 = 1.0 - self.beta2.powi(self.t);
        for i in 0..theta.len() {
            self.m[i] = self.beta1 * self.m[i] + (1.0 - self.beta1) * grad[i];
            self.v[i] = self.beta2 * self.v[i] + (1.0 - self.beta2) * grad[i] * grad[i];
            let mh = self.m[i] / c1;
            let vh = self.v[i] / c2;
            theta[i] -= self.rate * mh / (vh.sqrt() + self.epsilon);
        }
    }
}

/// dσ/dθ_k of one state of one mechanism instance, for every parameter k, written into `out`.
pub fn state_gradient(
    cell: &Cell,
    mech: crate::cell::MechId,
    state: &str,
    instance: usize,
    out: &mut [f64],
) -> Result<()> {
    for (k, o) in out.iter_mut().enumerate().take(cell.parameter_count()) {
        let col = cell.state_tangent(mech, state, k)?;
        *o = *col.get(instance).ok_or_else(|| Error::UnknownName {
            kind: "instance",
            name: format!("{state}[{instance}]"),
        })?;
    }
    Ok(())
}
