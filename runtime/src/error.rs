//! Errors of the runtime. Every variant names the object at fault.

use std::fmt;

/// An error from building or running a simulation.
#[derive(Clone, Debug, PartialEq)]
pub enum Error {
    /// A malformed or inconsistent SWC file; `line` is 1-based.
    Swc {
        /// Line number (1-based) of the offending sample.
        line: usize,
        /// What is wrong.
        message: String,
    },
    /// An invalid morphology built programmatically.
    Morphology {
        /// The section at fault.
        section: String,
        /// What is wrong.
        message: String,
    },
    /// An unknown or ambiguous name (mechanism, field, section, region, ion).
    UnknownName {
        /// What kind of object was looked up.
        kind: &'static str,
        /// The name given.
        name: String,
    },
    /// A parameter or setting with a non-finite or out-of-range value.
    BadValue {
        /// The object whose value is bad (for example `hh.gnabar` or `IClamp 0 amp`).
        object: String,
        /// The value given.
        value: f64,
        /// Why it is rejected.
        message: String,
    },
    /// A simulation that produced a non-finite membrane potential.
    Diverged {
        /// Time (ms) at which the state became non-finite.
        t: f64,
        /// CV at which it happened.
        cv: usize,
        /// The first non-finite field of a mechanism, if any (its name, field, value and
        /// instance): often where the value came from, e.g. an array element a write out of
        /// range filled with NaN.
        field: Option<String>,
    },
    /// A simulation in which a state, an ion variable or a tangent became non-finite (found by the
    /// numerical sentinel, `sentinel.rs`).
    NonFinite {
        /// Time (ms) of the scan that found it.
        t: f64,
        /// Time (ms) of the last scan that found every value finite, if any.
        since: Option<f64>,
        /// Where: `section(x)`.
        place: String,
        /// What: the quantity, its value and, for a tangent, the parameter.
        what: String,
    },
    /// Anything else that is structurally invalid (for example tangents requested after init).
    Invalid(String),
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::Swc { line, message } => write!(f, "SWC line {line}: {message}"),
            Error::Morphology { section, message } => write!(f, "section `{section}`: {message}"),
            Error::UnknownName { kind, name } => write!(f, "unknown {kind} `{name}`"),
            Error::BadValue {
                object,
                value,
                message,
            } => write!(
                f,
                "{object} = {}: {message}",
                crate::mechanism::short_number(*value)
            ),
            Error::Diverged { t, cv, field } => {
                write!(
                    f,
                    "membrane potential became non-finite at t = {t} ms in CV {cv}"
                )?;
                match field {
                    Some(field) => write!(f, " (first non-finite field: {field})"),
                    None => Ok(()),
                }
            }
            Error::NonFinite {
                t,
                since,
                place,
                what,
            } => {
                let when = match since {
                    Some(s) if *s > 0.0 => format!("between t = {s} ms and t = {t} ms"),
                    Some(_) if *t > 0.0 => format!("between t = 0 ms and t = {t} ms"),
                    _ if *t > 0.0 => format!("by t = {t} ms"),
                    _ => "at initialisation (t = 0 ms)".into(),
                };
                write!(f, "a value became non-finite {when}: {what} at {place}")
            }
            Error::Invalid(message) => f.write_str(message),
        }
    }
}

impl std::error::Error for Error {}

/// Result type of the runtime.
pub type Result<T> = std::result::Result<T, Error>;

/// Checks that a value is finite, naming the object otherwise.
pub(crate) fn check_finite(object: impl FnOnce() -> String, value: f64) -> Result<()> {
    if value.is_finite() {
        Ok(())
    } else {
        Err(Error::BadValue {
            object: object(),
            value,
            message: "must be finite".into(),
        })
    }
}
