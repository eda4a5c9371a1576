//! `gradmod._core`: the Python extension module under the `gradmod` package.
//!
//! It wraps the gradmod library (mechanism libraries, model descriptions, runs, fits) for Python,
//! with numpy arrays in and out. Every simulation releases the interpreter's lock and touches no
//! Python object. Errors become exceptions of the `gradmod.Error` family with the messages the
//! command line prints; a Rust panic becomes `gradmod.Error` too, and the interpreter survives.

mod convert;
mod fit;
mod library;
mod model;

use pyo3::create_exception;
use pyo3::exceptions::PyException;
use pyo3::prelude::*;

create_exception!(
    _core,
    Error,
    PyException,
    "Every error gradmod raises: a bad model, a .mod file that does not compile, a failed run."
);
create_exception!(
    _core,
    ModError,
    Error,
    "A .mod file does not compile. `errors` lists (file, line, column, message) tuples; `file`, \
     `line`, `column` are the first's."
);
create_exception!(
    _core,
    ModelError,
    Error,
    "A model description is wrong. `file`, `line`, `column` and `key` say where, when known."
);
create_exception!(
    _core,
    SimulationError,
    Error,
    "A simulation failed (for example a value became NaN or infinite)."
);

/// Runs `f`, turning a Rust panic into `gradmod.Error` instead of letting it unwind into Python.
pub(crate) fn guarded<T>(f: impl FnOnce() -> PyResult<T>) -> PyResult<T> {
    match std::panic::catch_unwind(std::panic::AssertUnwindSafe(f)) {
        Ok(r) => r,
        Err(payload) => {
            let what = payload
                .downcast_ref::<&str>()
                .map(|s| s.to_string())
                .or_else(|| payload.downcast_ref::<String>().cloned())
                .unwrap_or_else(|| "no message".into());
            Err(Error::new_err(format!(
                "internal error (a bug in gradmod; please report it): {what}"
            )))
        }
    }
}

#[pymodule]
fn _core(m: &Bound<'_, PyModule>) -> PyResult<()> {
    let py = m.py();
    m.add("Error", py.get_type::<Error>())?;
    m.add("ModError", py.get_type::<ModError>())?;
    m.add("ModelError", py.get_type::<ModelError>())?;
    m.add("SimulationError", py.get_type::<SimulationError>())?;
    m.add_class::<library::Library>()?;
    m.add_class::<model::Model>()?;
    m.add_class::<model::Result>()?;
    m.add_class::<fit::Objective>()?;
    m.add_class::<fit::FitResult>()?;
    m.add("__version__", env!("CARGO_PKG_VERSION"))?;
    Ok(())
}
