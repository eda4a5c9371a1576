//! `gradmod.Library`: the mechanisms a model can name.

use std::path::PathBuf;

use pyo3::prelude::*;
use pyo3::types::{PyDict, PyList};

use gradmod_runtime::mechanism::{FieldRole, IonVar, MechanismKind};

use crate::{Error, ModError, guarded};

/// The mechanisms a model can name: the built-in catalogue, plus the mechanisms of .mod files
/// and folders compiled when the library is made (as NEURON's nrnivmodl takes a model's folder).
///
/// Library(mods=[], replace_builtins=False, slope="symbolic"). A mechanism of `mods` whose name
/// is a built-in one is an error, unless `replace_builtins` is true; a file that does not compile
/// raises `gradmod.ModError` with its diagnostics. `slope="neuron"` computes every current's
/// slope di/dv as NEURON does (a 0.001 mV finite difference), to compare with NEURON to rounding.
#[pyclass(module = "gradmod._core", frozen)]
#[derive(Clone)]
pub struct Library {
    pub(crate) inner: gradmod::Library,
}

/// `library` with the mechanisms of `mods`, or `gradmod.ModError`.
pub(crate) fn with_mods(
    library: gradmod::Library,
    mods: &[PathBuf],
    replace: bool,
) -> PyResult<gradmod::Library> {
    if mods.is_empty() {
        return Ok(library);
    }
    for p in mods {
        if !p.exists() {
            return Err(Error::new_err(format!(
                "there is no .mod file or folder {}",
                p.display()
            )));
        }
    }
    // Compile once here for structured diagnostics; the library then finds them in the cache.
    if let Err(e) = gradmod_vm::Catalogue::with_slope(library.slope()).add_paths(mods) {
        return Err(mod_error(&e));
    }
    library
        .with_mod_files(mods, replace)
        .map_err(Error::new_err)
}

/// `gradmod.ModError` for a load error, with its located errors as attributes.
pub(crate) fn mod_error(e: &gradmod_vm::LoadError) -> PyErr {
    let err = ModError::new_err(e.message.trim_end().to_string());
    Python::attach(|py| {
        let value = err.value(py);
        let list: Vec<(String, usize, usize, String)> = e
            .errors
            .iter()
            .map(|l| (l.file.clone(), l.line, l.column, l.message.clone()))
            .collect();
        let first = list.first().cloned();
        let _ = value.setattr("errors", list);
        let _ = value.setattr("file", first.as_ref().map(|f| f.0.clone()));
        let _ = value.setattr("line", first.as_ref().map(|f| f.1));
        let _ = value.setattr("column", first.as_ref().map(|f| f.2));
    });
    err
}

#[pymethods]
impl Library {
    #[new]
    #[pyo3(signature = (mods = Vec::new(), replace_builtins = false, slope = "symbolic"))]
    fn new(
        py: Python<'_>,
        mods: Vec<PathBuf>,
        replace_builtins: bool,
        slope: &str,
    ) -> PyResult<Self> {
        let slope = match slope {
            "symbolic" => gradmod::library::Slope::Symbolic,
            "neuron" => gradmod::library::Slope::Neuron,
            other => {
                return Err(Error::new_err(format!(
                    "slope={other:?}: expected \"symbolic\" or \"neuron\""
                )));
            }
        };
        let inner = py.detach(|| {
            guarded(|| {
                let base = gradmod::Library::builtin()
                    .with_slope(slope)
                    .map_err(Error::new_err)?;
                with_mods(base, &mods, replace_builtins)
            })
        })?;
        Ok(Self { inner })
    }

    /// This library with the mechanisms of more .mod files and folders.
    #[pyo3(signature = (mods, replace_builtins = false))]
    fn with_mods(
        &self,
        py: Python<'_>,
        mods: Vec<PathBuf>,
        replace_builtins: bool,
    ) -> PyResult<Self> {
        let base = self.inner.clone();
        let inner = py.detach(|| guarded(|| with_mods(base, &mods, replace_builtins)))?;
        Ok(Self { inner })
    }

    /// The names of every mechanism, catalogue after catalogue.
    fn names(&self) -> Vec<String> {
        self.inner.names().into_iter().map(String::from).collect()
    }

    /// Every mechanism as text (as `gradmod mechanisms` prints it).
    fn listing(&self) -> String {
        self.inner.listing()
    }

    /// One mechanism's metadata: kind, parameters {name: (default, unit)}, states, assigned
    /// variables, ions {species: {"reads": [...], "writes": [...]}} and whether it receives
    /// events.
    fn describe<'py>(&self, py: Python<'py>, name: &str) -> PyResult<Bound<'py, PyDict>> {
        let m = self.inner.make(name).ok_or_else(|| {
            Error::new_err(format!(
                "unknown mechanism `{name}`; the mechanisms available are: {}",
                self.inner.names().join(", ")
            ))
        })?;
        let info = m.info();
        let d = PyDict::new(py);
        d.set_item("name", info.name)?;
        d.set_item(
            "kind",
            match info.kind {
                MechanismKind::Density => "density",
                MechanismKind::Point => "point",
            },
        )?;
        let params = PyDict::new(py);
        let (mut states, mut assigned) = (Vec::new(), Vec::new());
        for f in info.fields {
            match f.role {
                FieldRole::Parameter => params.set_item(f.name, (f.default, f.unit))?,
                FieldRole::State => states.push(f.name),
                FieldRole::Assigned | FieldRole::Pointer | FieldRole::Voltage => {
                    assigned.push(f.name)
                }
            }
        }
        d.set_item("parameters", params)?;
        d.set_item("states", PyList::new(py, states)?)?;
        d.set_item("assigned", PyList::new(py, assigned)?)?;
        let ions = PyDict::new(py);
        let var = |v: &IonVar, s: &str| match v {
            IonVar::Current => format!("i{s}"),
            IonVar::Reversal => format!("e{s}"),
            IonVar::Inside => format!("{s}i"),
            IonVar::Outside => format!("{s}o"),
            IonVar::Diffusive => format!("{s}d"),
        };
        for i in info.ions {
            let e = PyDict::new(py);
            e.set_item(
                "reads",
                i.reads.iter().map(|v| var(v, i.name)).collect::<Vec<_>>(),
            )?;
            e.set_item(
                "writes",
                i.writes.iter().map(|v| var(v, i.name)).collect::<Vec<_>>(),
            )?;
            ions.set_item(i.name, e)?;
        }
        d.set_item("ions", ions)?;
        d.set_item("net_receive", info.net_receive)?;
        Ok(d)
    }

    fn __repr__(&self) -> String {
        format!("gradmod.Library({} mechanisms)", self.inner.names().len())
    }
}
