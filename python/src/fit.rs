//! `gradmod.Objective` and `gradmod.FitResult`: a loss with its exact gradient, for any
//! optimiser, and gradmod's own Adam fit.

use std::sync::Arc;

use numpy::{PyArray1, PyArrayMethods};
use pyo3::prelude::*;
use pyo3::types::PyDict;

use gradmod::fit::command::{FitOptions, FitSetup, setup};
use gradmod::fit::{AdamOptions, Checkpoint, Loss, fit_adam};

use crate::model::Model;
use crate::{Error, guarded};

/// A loss L(x) of a model against a target trace, with its exact gradient dL/dx, where x holds
/// the logarithms of multipliers of the fitted `[[parameter]]` entries (x = 0: the model's
/// values). Calling it returns `(loss, grad)`, as `scipy.optimize.minimize(objective,
/// objective.x0, jac=True, bounds=objective.bounds)` wants; one call is one simulation with
/// tangents.
///
/// `target` is the target voltage at every step from 0 to tstop; `params` names the
/// `[[parameter]]` entries (default all); `loss` is "trace", "mean" or
/// "rate[:THRESHOLD[:WIDTH[:DURATION]]]"; `window` (t0, t1) in ms; `probe` the voltage probe
/// (default the first); `start` {name: multiplier} sets `x0`.
#[pyclass(module = "gradmod._core", frozen)]
pub struct Objective {
    setup: Arc<FitSetup>,
}

impl Objective {
    pub(crate) fn new(
        model: &Model,
        target: Vec<f64>,
        params: Option<Vec<String>>,
        loss: &str,
        window: Option<(f64, f64)>,
        probe: Option<String>,
        start: Option<&Bound<'_, PyDict>>,
    ) -> PyResult<Self> {
        let mut opts = FitOptions::new("<target array>", &[], "");
        opts.target_values = Some(target);
        opts.params = params.unwrap_or_else(|| vec!["all".into()]);
        opts.loss = Loss::parse(loss).map_err(Error::new_err)?;
        opts.window = window;
        opts.probe = probe;
        opts.overrides = model.overrides.clone();
        opts.progress = false;
        opts.plot = false;
        if let Some(d) = start {
            for (k, v) in d.iter() {
                opts.start.push((k.extract()?, v.extract()?));
            }
        }
        let parsed = model.parsed()?;
        let s = guarded(|| setup(&parsed, &model.library, &opts).map_err(Error::new_err))?;
        Ok(Self { setup: Arc::new(s) })
    }

    /// Adam from `x0`, `iterations` evaluations at learning rate `rate`.
    pub(crate) fn adam(&self, py: Python<'_>, iterations: usize, rate: f64) -> PyResult<FitResult> {
        if !(rate > 0.0 && rate.is_finite()) {
            return Err(Error::new_err(format!("rate {rate}: must be positive")));
        }
        let s = Arc::clone(&self.setup);
        let names: Vec<String> = s.problem.params.iter().map(|p| p.name.clone()).collect();
        let start = Checkpoint {
            names: names.clone(),
            rate,
            u: s.start.clone(),
            history: Vec::new(),
        };
        let opts = AdamOptions {
            rate,
            iterations,
            budget_seconds: None,
            checkpoint: None,
            progress: false,
        };
        let ck =
            py.detach(|| guarded(|| fit_adam(&s.problem, start, &opts).map_err(Error::new_err)))?;
        let best = ck
            .history
            .iter()
            .min_by(|a, b| a.loss.total_cmp(&b.loss))
            .cloned()
            .ok_or_else(|| Error::new_err("no iteration was run"))?;
        let loss: Vec<f64> = ck.history.iter().map(|r| r.loss).collect();
        let xs: Vec<f64> = ck.history.iter().flat_map(|r| r.u.clone()).collect();
        let n = ck.history.len();
        let k = names.len();
        Ok(FitResult {
            names,
            loss: PyArray1::from_vec(py, loss).into_any().unbind(),
            x: PyArray1::from_vec(py, xs)
                .reshape([n, k])?
                .into_any()
                .unbind(),
            best_x: best.u.clone(),
            best_loss: best.loss,
            values: self.values_at(&best.u),
        })
    }

    fn values_at(&self, x: &[f64]) -> Vec<f64> {
        self.setup
            .problem
            .params
            .iter()
            .zip(&self.setup.initial)
            .zip(x)
            .map(|((p, initial), &u)| initial.unwrap_or(p.reference) * u.exp())
            .collect()
    }
}

#[pymethods]
impl Objective {
    /// The loss and its gradient at `x`, `(float, ndarray)`.
    fn __call__<'py>(&self, py: Python<'py>, x: Vec<f64>) -> PyResult<(f64, Bound<'py, PyAny>)> {
        let s = Arc::clone(&self.setup);
        let e = py.detach(|| guarded(|| s.problem.evaluate(&x).map_err(Error::new_err)))?;
        Ok((e.loss, PyArray1::from_vec(py, e.grad).into_any()))
    }

    /// The loss alone at `x` (a simulation without tangents where the model allows it).
    fn loss(&self, py: Python<'_>, x: Vec<f64>) -> PyResult<f64> {
        let s = Arc::clone(&self.setup);
        py.detach(|| guarded(|| s.problem.loss(&x).map_err(Error::new_err)))
    }

    /// The fitted parameters' names.
    #[getter]
    fn names(&self) -> Vec<String> {
        self.setup
            .problem
            .params
            .iter()
            .map(|p| p.name.clone())
            .collect()
    }

    /// The starting point (logarithms of the starting multipliers).
    #[getter]
    fn x0<'py>(&self, py: Python<'py>) -> Bound<'py, PyAny> {
        PyArray1::from_vec(py, self.setup.start.clone()).into_any()
    }

    /// Bounds on x: the logarithms of each entry's multiplier bounds, as (low, high) pairs.
    #[getter]
    fn bounds(&self) -> Vec<(f64, f64)> {
        self.setup
            .problem
            .params
            .iter()
            .map(|p| (p.bounds.0.ln(), p.bounds.1.ln()))
            .collect()
    }

    /// The parameters' values at `x`.
    fn values(&self, x: Vec<f64>) -> Vec<f64> {
        self.values_at(&x)
    }

    /// The name of the probe compared with the target.
    #[getter]
    fn probe(&self) -> String {
        self.setup.probe.clone()
    }

    /// Sample times of the target (ms), one per step.
    #[getter]
    fn times<'py>(&self, py: Python<'py>) -> Bound<'py, PyAny> {
        PyArray1::from_vec(py, self.setup.times.clone()).into_any()
    }

    /// Runs gradmod's Adam from `x0`; returns a `gradmod.FitResult`.
    #[pyo3(signature = (iterations = 100, rate = 0.05))]
    fn adam_fit(&self, py: Python<'_>, iterations: usize, rate: f64) -> PyResult<FitResult> {
        self.adam(py, iterations, rate)
    }
}

/// What an Adam fit did: `loss` (N,) and `x` (N, K) at every evaluated iteration, the best
/// `best_x` and `best_loss`, and the fitted parameters' `values` there, in `names` order.
#[pyclass(module = "gradmod._core", frozen, get_all)]
pub struct FitResult {
    names: Vec<String>,
    loss: Py<PyAny>,
    x: Py<PyAny>,
    best_x: Vec<f64>,
    best_loss: f64,
    values: Vec<f64>,
}

#[pymethods]
impl FitResult {
    fn __repr__(&self) -> String {
        format!(
            "gradmod.FitResult(best_loss={:e}, values={:?})",
            self.best_loss,
            self.names.iter().zip(&self.values).collect::<Vec<_>>()
        )
    }
}
