//! Test support shared by the runtime's tests and benches and the root package's end-to-end
//! tests: hand-written mechanisms with hand-written tangents (NEURON's `pas` and `hh`, a shunt and
//! `ExpSyn`), the standard models of docs/MODELS.md built with them, the finite-difference checker of
//! tangents, and the NEURON reference data of `tests/reference/data`.
//!
//! It is a crate of its own so that both packages' tests use it as a dependency (the runtime's as
//! a dev-dependency), rather than including each other's test files by path.

// Numerical kernels index parallel arrays by range.
#![allow(clippy::needless_range_loop)]
#![warn(missing_docs)]

pub mod dual;
pub mod fd;
pub mod hh;
pub mod models;
pub mod pas;
pub mod point;

use std::path::PathBuf;

/// Path of a file in the repository's `tests/reference/data` directory.
pub fn reference_path(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../tests/reference/data")
        .join(name)
}

/// A CSV file: header and rows of fields.
pub struct Csv {
    /// The column names.
    pub header: Vec<String>,
    /// The rows, each a list of fields.
    pub rows: Vec<Vec<String>>,
}

impl Csv {
    /// Reads a file of `tests/reference/data`, if it exists.
    pub fn read(name: &str) -> Option<Csv> {
        let text = std::fs::read_to_string(reference_path(name)).ok()?;
        let mut lines = text.lines();
        let header = lines.next()?.split(',').map(String::from).collect();
        let rows = lines
            .filter(|l| !l.trim().is_empty())
            .map(|l| l.split(',').map(String::from).collect())
            .collect();
        Some(Csv { header, rows })
    }

    /// A numeric column by name.
    pub fn column(&self, name: &str) -> Vec<f64> {
        let j = self
            .header
            .iter()
            .position(|h| h == name)
            .unwrap_or_else(|| panic!("no column {name}"));
        self.rows.iter().map(|r| r[j].parse().unwrap()).collect()
    }
}

/// Largest absolute difference between two traces of equal length.
pub fn max_abs_diff(a: &[f64], b: &[f64]) -> f64 {
    assert_eq!(a.len(), b.len(), "trace lengths differ");
    a.iter()
        .zip(b)
        .map(|(x, y)| (x - y).abs())
        .fold(0.0, f64::max)
}
