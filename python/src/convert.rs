//! Python values as TOML: a model built in Python is a dict with the schema of a model file
//! (models/README.md), turned into the same TOML text a file would hold, so that both are read,
//! checked and built by one code path.

use pyo3::prelude::*;
use pyo3::types::{PyBool, PyDict, PyFloat, PyInt, PyList, PyString, PyTuple};

use crate::Error;

/// `obj` as a TOML value; `at` names where it is, for errors (such as `mechanism[0].name`).
pub fn to_toml(obj: &Bound<'_, PyAny>, at: &str) -> PyResult<toml::Value> {
    let here = |what: &str| {
        Error::new_err(format!(
            "{}: {what}",
            if at.is_empty() { "the model" } else { at }
        ))
    };
    if obj.is_instance_of::<PyBool>() {
        return Ok(toml::Value::Boolean(obj.extract()?));
    }
    if obj.is_instance_of::<PyInt>() {
        return Ok(toml::Value::Integer(
            obj.extract()
                .map_err(|_| here("an integer too large for a model file"))?,
        ));
    }
    if obj.is_instance_of::<PyFloat>() {
        return Ok(toml::Value::Float(obj.extract()?));
    }
    if obj.is_instance_of::<PyString>() {
        return Ok(toml::Value::String(obj.extract()?));
    }
    if let Ok(d) = obj.cast::<PyDict>() {
        let mut table = toml::Table::new();
        for (k, v) in d.iter() {
            let key: String = k
                .extract()
                .map_err(|_| here("keys of a model's tables must be strings"))?;
            let path = if at.is_empty() {
                key.clone()
            } else {
                format!("{at}.{key}")
            };
            if v.is_none() {
                continue;
            }
            table.insert(key, to_toml(&v, &path)?);
        }
        return Ok(toml::Value::Table(table));
    }
    if obj.is_instance_of::<PyList>() || obj.is_instance_of::<PyTuple>() {
        let mut items = Vec::new();
        for (i, v) in obj.try_iter()?.enumerate() {
            items.push(to_toml(&v?, &format!("{at}[{i}]"))?);
        }
        return Ok(toml::Value::Array(items));
    }
    // numpy scalars and other numbers: by their float value.
    if let Ok(x) = obj.extract::<f64>() {
        return Ok(toml::Value::Float(x));
    }
    if let Ok(s) = obj.str()
        && obj.hasattr("__fspath__")?
    {
        return Ok(toml::Value::String(s.to_string()));
    }
    Err(here(&format!(
        "cannot put a {} in a model description",
        obj.get_type().name()?
    )))
}

/// The TOML text of a model dict.
pub fn model_text(model: &Bound<'_, PyAny>) -> PyResult<String> {
    let value = to_toml(model, "")?;
    if !value.is_table() {
        return Err(Error::new_err("a model description is a dict"));
    }
    toml::to_string(&value).map_err(|e| Error::new_err(format!("the model as TOML: {e}")))
}
