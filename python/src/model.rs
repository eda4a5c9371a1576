//! `gradmod.Model` and `gradmod.Result`: a model description and what a run of it recorded.

use std::path::PathBuf;

use numpy::{PyArray1, PyArrayMethods};
use pyo3::prelude::*;
use pyo3::types::PyDict;
use rayon::prelude::*;

use gradmod::model::{self, Override};
use gradmod::output::Traces;

use crate::library::Library;
use crate::{Error, ModelError, SimulationError, guarded};

/// A model description (the schema of a model file, models/README.md), with the mechanism
/// library it is built with and overrides of its values.
///
/// Make one with `Model.load(path)`, `Model.from_toml(text)` or `Model.from_dict(d)` (the dict
/// holds what a model file holds; `gradmod.Cell` builds one). Relative paths in it (an SWC
/// file, `[mechanisms]` folders) are taken from the file's folder, or from `base_dir`.
#[pyclass(module = "gradmod._core")]
#[derive(Clone)]
pub struct Model {
    pub(crate) name: String,
    pub(crate) text: String,
    pub(crate) dir: PathBuf,
    pub(crate) library: gradmod::Library,
    pub(crate) overrides: Vec<Override>,
}

/// `gradmod.ModelError` for a model error, with file, line, column and key as attributes.
pub(crate) fn model_error(e: &model::ModelError) -> PyErr {
    let err = ModelError::new_err(e.to_string());
    Python::attach(|py| {
        let v = err.value(py);
        let _ = v.setattr("file", e.file.clone());
        let _ = v.setattr("line", e.position.map(|p| p.0));
        let _ = v.setattr("column", e.position.map(|p| p.1));
        let _ = v.setattr("key", e.key.clone());
    });
    err
}

/// The Python exception for an error of a run: a model error, a simulation error, or another.
pub(crate) fn run_error(e: Box<dyn std::error::Error>) -> PyErr {
    if let Some(m) = e.downcast_ref::<model::ModelError>() {
        return model_error(m);
    }
    if e.downcast_ref::<gradmod_runtime::Error>().is_some() {
        return SimulationError::new_err(e.to_string());
    }
    Error::new_err(e.to_string())
}

impl Model {
    /// The parsed description (checked for syntax).
    pub(crate) fn parsed(&self) -> PyResult<model::Model> {
        model::Model::parse(&self.name, &self.text, &self.dir).map_err(|e| model_error(&e))
    }

    /// The overrides of this model, then `extra`.
    fn overrides_with(&self, extra: &[Override]) -> Vec<Override> {
        let mut all = self.overrides.clone();
        all.extend_from_slice(extra);
        all
    }

    fn new(name: String, text: String, dir: PathBuf, library: Option<&Library>) -> PyResult<Self> {
        let m = Self {
            name,
            text,
            dir,
            library: library.map_or_else(gradmod::Library::builtin, |l| l.inner.clone()),
            overrides: Vec::new(),
        };
        m.parsed()?;
        Ok(m)
    }
}

/// Overrides from a Python dict {key: value}.
pub(crate) fn overrides(set: Option<&Bound<'_, PyDict>>) -> PyResult<Vec<Override>> {
    let mut out = Vec::new();
    if let Some(d) = set {
        for (k, v) in d.iter() {
            let key: String = k.extract()?;
            let value: f64 = v
                .extract()
                .map_err(|_| Error::new_err(format!("set {key}: the value must be a number")))?;
            out.push(checked(key, value)?);
        }
    }
    Ok(out)
}

/// An override, checked as `--set` checks it (a finite value, a key that can name something).
fn checked(key: String, value: f64) -> PyResult<Override> {
    Override::new(&key, value).map_err(|m| {
        model_error(&model::ModelError {
            file: "set".into(),
            position: None,
            key: Some(key.clone()),
            message: m.replacen("--set ", "set ", 1),
            snippet: None,
        })
    })
}

/// One simulation of `model` with `extra` overrides, with the interpreter's lock released.
fn simulate(
    py: Python<'_>,
    model: &Model,
    extra: Vec<Override>,
    threads: Option<usize>,
) -> PyResult<model_run::Simulated> {
    let parsed = model.parsed()?;
    let library = model.library.clone();
    let all = model.overrides_with(&extra);
    let run = || {
        guarded(|| gradmod::run::simulate_model(&parsed, &library, &all, false).map_err(run_error))
    };
    match threads {
        None => py.detach(run),
        Some(0) => Err(Error::new_err("threads must be at least 1")),
        Some(n) => {
            let pool = rayon::ThreadPoolBuilder::new()
                .num_threads(n)
                .build()
                .map_err(|e| Error::new_err(format!("cannot start the threads: {e}")))?;
            py.detach(|| pool.install(run))
        }
    }
}

mod model_run {
    pub use gradmod::run::Simulated;
}

#[pymethods]
impl Model {
    /// Reads a model file (TOML).
    #[staticmethod]
    #[pyo3(signature = (path, library = None))]
    fn load(path: PathBuf, library: Option<&Library>) -> PyResult<Self> {
        let text = std::fs::read_to_string(&path).map_err(|e| {
            Error::new_err(format!(
                "cannot read the model file {}: {e}",
                path.display()
            ))
        })?;
        let dir = path
            .parent()
            .map(PathBuf::from)
            .unwrap_or_else(|| PathBuf::from("."));
        Self::new(path.display().to_string(), text, dir, library)
    }

    /// A model from the text of a model file.
    #[staticmethod]
    #[pyo3(signature = (text, base_dir = PathBuf::from("."), name = "<model>".to_string(), library = None))]
    fn from_toml(
        text: String,
        base_dir: PathBuf,
        name: String,
        library: Option<&Library>,
    ) -> PyResult<Self> {
        Self::new(name, text, base_dir, library)
    }

    /// A model from a dict with the schema of a model file.
    #[staticmethod]
    #[pyo3(signature = (description, base_dir = PathBuf::from("."), library = None))]
    fn from_dict(
        description: &Bound<'_, PyAny>,
        base_dir: PathBuf,
        library: Option<&Library>,
    ) -> PyResult<Self> {
        let text = crate::convert::model_text(description)?;
        Self::new("<model from a dict>".into(), text, base_dir, library)
    }

    /// The model file's text (for a model from a dict, the TOML it was turned into).
    #[getter]
    fn toml(&self) -> String {
        self.text.clone()
    }

    /// The library the model is built with.
    #[getter]
    fn library(&self) -> Library {
        Library {
            inner: self.library.clone(),
        }
    }

    /// A copy of the model built with another library.
    fn with_library(&self, library: &Library) -> Self {
        Self {
            library: library.inner.clone(),
            ..self.clone()
        }
    }

    /// Sets a value for the next runs, as `gradmod run --set KEY=VALUE` does: `MECH.PARAM`
    /// (everywhere the mechanism is), `CLAMP.amp|delay|dur`, `cm`, `Ra`, or a [simulation] key
    /// such as `tstop`, `dt`, `celsius`, `forgetting`.
    fn set(&mut self, key: String, value: f64) -> PyResult<()> {
        let o = checked(key, value)?;
        self.overrides.retain(|x| x.key != o.key);
        self.overrides.push(o);
        Ok(())
    }

    /// The overrides set so far, {key: value}.
    #[getter]
    fn overrides<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        let d = PyDict::new(py);
        for o in &self.overrides {
            d.set_item(&o.key, o.value)?;
        }
        Ok(d)
    }

    /// The values of field `PARAM` of mechanism `MECH` (key `MECH.PARAM`) in every instance of
    /// the built cell (a numpy array), or the value of a [simulation] key.
    fn get<'py>(&self, py: Python<'py>, key: &str) -> PyResult<Bound<'py, PyAny>> {
        let parsed = self.parsed()?;
        let built = guarded(|| {
            model::build(&parsed, &self.library, &self.overrides).map_err(|e| model_error(&e))
        })?;
        match key {
            "tstop" => return Ok(built.tstop.into_pyobject(py)?.into_any()),
            "dt" => return Ok(built.dt.into_pyobject(py)?.into_any()),
            _ => {}
        }
        let cell = built
            .cells
            .first()
            .ok_or_else(|| Error::new_err("the model has no cell"))?;
        let (mech, field) = key.rsplit_once('.').ok_or_else(|| {
            Error::new_err(format!("get {key}: expected MECH.PARAM, tstop or dt"))
        })?;
        let id = cell
            .cell
            .mechanism_id(mech)
            .map_err(|e| Error::new_err(format!("get {key}: {e}")))?;
        let values = cell
            .cell
            .field(id, field)
            .map_err(|e| Error::new_err(format!("get {key}: {e}")))?;
        Ok(PyArray1::from_slice(py, values).into_any())
    }

    /// Runs the model and returns what its probes recorded, with their tangents.
    ///
    /// `tstop`, `dt` and `forgetting` (the online mode's rate, 1/ms) override the model's;
    /// `set` is a dict of further overrides for this run only. A network's cells run on
    /// `threads` threads (default one per core); results are the same for any number.
    #[pyo3(signature = (tstop = None, dt = None, forgetting = None, set = None, threads = None))]
    fn run(
        &self,
        py: Python<'_>,
        tstop: Option<f64>,
        dt: Option<f64>,
        forgetting: Option<f64>,
        set: Option<&Bound<'_, PyDict>>,
        threads: Option<usize>,
    ) -> PyResult<Result> {
        let mut extra = Vec::new();
        for (k, v) in [("tstop", tstop), ("dt", dt), ("forgetting", forgetting)] {
            if let Some(v) = v {
                extra.push(checked(k.into(), v)?);
            }
        }
        extra.extend(overrides(set)?);
        let (traces, spikes) = simulate(py, self, extra, threads)?;
        Result::from_run(py, traces, spikes)
    }

    /// Runs the model once per dict of overrides in `sets`, in parallel threads (`threads`,
    /// default one per core), and returns the results in order.
    #[pyo3(signature = (sets, threads = None))]
    fn run_many(
        &self,
        py: Python<'_>,
        sets: Vec<Bound<'_, PyDict>>,
        threads: Option<usize>,
    ) -> PyResult<Vec<Result>> {
        let parsed_sets: Vec<Vec<Override>> = sets
            .iter()
            .map(|d| overrides(Some(d)).map(|o| self.overrides_with(&o)))
            .collect::<PyResult<_>>()?;
        let parsed = self.parsed()?;
        let library = self.library.clone();
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(threads.unwrap_or(0))
            .build()
            .map_err(|e| Error::new_err(format!("cannot start the threads: {e}")))?;
        let runs: Vec<PyResult<model_run::Simulated>> = py.detach(|| {
            pool.install(|| {
                parsed_sets
                    .par_iter()
                    .map(|o| {
                        guarded(|| {
                            gradmod::run::simulate_model(&parsed, &library, o, false)
                                .map_err(|e| e.to_string())
                                .map_err(Error::new_err)
                        })
                    })
                    .collect()
            })
        });
        runs.into_iter()
            .map(|r| {
                let (traces, spikes) = r?;
                Result::from_run(py, traces, spikes)
            })
            .collect()
    }

    /// A loss and its exact gradient for `scipy.optimize.minimize(..., jac=True)`; see
    /// `gradmod.Objective`.
    #[pyo3(signature = (target, params = None, loss = "trace", window = None, probe = None, start = None))]
    fn objective(
        &self,
        target: Vec<f64>,
        params: Option<Vec<String>>,
        loss: &str,
        window: Option<(f64, f64)>,
        probe: Option<String>,
        start: Option<&Bound<'_, PyDict>>,
    ) -> PyResult<crate::fit::Objective> {
        crate::fit::Objective::new(self, target, params, loss, window, probe, start)
    }

    /// Fits parameters to a target trace with gradmod's Adam; see `gradmod.FitResult`.
    #[pyo3(signature = (target, params = None, iterations = 100, rate = 0.05, loss = "trace", window = None, probe = None, start = None))]
    #[allow(clippy::too_many_arguments)]
    fn fit(
        &self,
        py: Python<'_>,
        target: Vec<f64>,
        params: Option<Vec<String>>,
        iterations: usize,
        rate: f64,
        loss: &str,
        window: Option<(f64, f64)>,
        probe: Option<String>,
        start: Option<&Bound<'_, PyDict>>,
    ) -> PyResult<crate::fit::FitResult> {
        let objective =
            crate::fit::Objective::new(self, target, params, loss, window, probe, start)?;
        objective.adam(py, iterations, rate)
    }

    fn __repr__(&self) -> String {
        format!("gradmod.Model({:?})", self.name)
    }
}

/// What a run recorded, as numpy arrays.
///
/// `t` (T,) in ms; `traces` (T, P), one column per probe, in `probes` order; `tangents`
/// (T, P, K): d(probe)/d(θ_k) for each [[parameter]] θ_k (NaN for probes recorded without
/// tangents); `parameters` names the θ_k and `theta` holds their values. For a network, `cells`
/// maps each cell's name to its own Result and `spikes` lists (cell, detector, time).
#[pyclass(module = "gradmod._core", frozen, get_all)]
pub struct Result {
    /// Sample times (ms).
    t: Option<Py<PyAny>>,
    /// Probe values, (T, P).
    traces: Option<Py<PyAny>>,
    /// Tangents, (T, P, K).
    tangents: Option<Py<PyAny>>,
    /// Probe names.
    probes: Vec<String>,
    /// Probe units.
    units: Vec<String>,
    /// Parameter names θ_k.
    parameters: Vec<String>,
    /// Parameter values θ_k.
    theta: Vec<f64>,
    /// A network's spikes: (cell, detector, time in ms).
    spikes: Vec<(String, usize, f64)>,
    /// A network's cells by name.
    cells: Py<PyDict>,
}

impl Result {
    /// The arrays of one cell's traces.
    fn of_cell(py: Python<'_>, t: Traces) -> PyResult<Result> {
        let (np, nt, nk) = (t.values.len(), t.times.len(), t.parameters.len());
        let values: Vec<f64> = t.values.concat();
        let traces = PyArray1::from_vec(py, values)
            .reshape([np, nt])?
            .call_method0("transpose")?;
        let mut tangents = vec![f64::NAN; np * nk * nt];
        for (i, &p) in t.with_tangents.iter().enumerate() {
            for k in 0..nk {
                let at = (p * nk + k) * nt;
                tangents[at..at + nt].copy_from_slice(&t.tangents[i][k]);
            }
        }
        let tangents = PyArray1::from_vec(py, tangents)
            .reshape([np, nk, nt])?
            .call_method1("transpose", ((2, 0, 1),))?;
        Ok(Result {
            t: Some(PyArray1::from_vec(py, t.times).into_any().unbind()),
            traces: Some(traces.unbind()),
            tangents: Some(tangents.unbind()),
            probes: t.names,
            units: t.units,
            parameters: t.parameters,
            theta: t.theta,
            spikes: Vec::new(),
            cells: PyDict::new(py).unbind(),
        })
    }

    /// The result of a run: one cell's, or a network's with its cells.
    fn from_run(
        py: Python<'_>,
        traces: Vec<(String, Traces)>,
        spikes: Vec<(String, usize, f64)>,
    ) -> PyResult<Result> {
        if traces.len() == 1 && traces[0].0.is_empty() {
            let mut r = Self::of_cell(
                py,
                traces.into_iter().next().map(|t| t.1).unwrap_or_default(),
            )?;
            r.spikes = spikes;
            return Ok(r);
        }
        let cells = PyDict::new(py);
        for (name, t) in traces {
            cells.set_item(name, Self::of_cell(py, t)?)?;
        }
        Ok(Result {
            t: None,
            traces: None,
            tangents: None,
            probes: Vec::new(),
            units: Vec::new(),
            parameters: Vec::new(),
            theta: Vec::new(),
            spikes,
            cells: cells.unbind(),
        })
    }
}

#[pymethods]
impl Result {
    /// The trace of the probe called `name`, (T,).
    fn trace<'py>(&self, py: Python<'py>, name: &str) -> PyResult<Bound<'py, PyAny>> {
        let i = self.probe_index(name)?;
        let traces = self
            .traces
            .as_ref()
            .ok_or_else(|| Error::new_err("a network's result: read result.cells[NAME]"))?;
        traces
            .bind(py)
            .get_item((pyo3::types::PySlice::full(py), i))
    }

    /// The tangents of the probe called `name`, (T, K).
    fn tangent<'py>(&self, py: Python<'py>, name: &str) -> PyResult<Bound<'py, PyAny>> {
        let i = self.probe_index(name)?;
        let tangents = self
            .tangents
            .as_ref()
            .ok_or_else(|| Error::new_err("a network's result: read result.cells[NAME]"))?;
        tangents.bind(py).get_item((
            pyo3::types::PySlice::full(py),
            i,
            pyo3::types::PySlice::full(py),
        ))
    }

    fn __repr__(&self) -> String {
        if self.probes.is_empty() {
            return format!("gradmod.Result(network, {} spikes)", self.spikes.len());
        }
        format!(
            "gradmod.Result(probes={:?}, parameters={:?})",
            self.probes, self.parameters
        )
    }
}

impl Result {
    fn probe_index(&self, name: &str) -> PyResult<usize> {
        self.probes.iter().position(|p| p == name).ok_or_else(|| {
            Error::new_err(format!(
                "no probe `{name}` (the probes: {})",
                self.probes.join(", ")
            ))
        })
    }
}
