//! Shared by the end-to-end tests: the built-in catalogue (generated from `mod_files/` by the
//! build script), the standard models of MODELS.md over any `hh`, and the NEURON reference data.

// Each test binary uses a different subset.
#![allow(dead_code)]

#[path = "../../src/catalogue.rs"]
pub mod catalogue;

/// The finite-difference checker, shared with the runtime's own tangent tests.
#[path = "../../runtime/tests/common/fd.rs"]
pub mod fd;

/// Mechanisms only the tests use (`tests/mechanisms/`), compiled by the build script.
pub mod test_mechanisms {
    gradmod_runtime::include_mechanisms!("test_mechanisms");
}

use gradmod_runtime::mechanism::Mechanism;
use gradmod_runtime::{Cell, Morphology, Region, Settings};

/// A new mechanism from the generated catalogue or the test mechanisms.
pub fn generated(name: &str) -> Box<dyn Mechanism> {
    catalogue::by_name(name)
        .or_else(|| test_mechanisms::by_name(name))
        .unwrap_or_else(|| panic!("no generated mechanism `{name}`"))
}

/// Model A: soma 20 µm × 20 µm (one CV), axon 400 µm × 1 µm (ten CVs) at soma(1), `hh`
/// everywhere, IClamp `amp` nA at soma(0.5) from 10 to 11 ms.
pub fn model_a(amp: f64, hh: Box<dyn Mechanism>) -> Cell {
    let mut m = Morphology::new();
    let soma = m.add_cylinder("soma", 1, 20.0, 20.0, None, 1).unwrap();
    m.add_cylinder("axon", 2, 400.0, 1.0, Some((soma, 1.0)), 10)
        .unwrap();
    let mut cell = Cell::new(m, Settings::default()).unwrap();
    cell.insert(hh, &Region::All).unwrap();
    cell.add_iclamp("soma", 0.5, 10.0, 1.0, amp).unwrap();
    cell
}

/// Model A's recorded CVs: the soma centre and the last axon CV.
pub fn model_a_probes(cell: &Cell) -> (usize, usize) {
    (
        cell.cv_at("soma", 0.5).unwrap(),
        cell.cv_at("axon", 0.99).unwrap(),
    )
}

/// Model B(N): one cable of N CVs of 10 µm, diameter 1 µm, `hh`, IClamp 0.1 nA from 10 to
/// 11 ms into the first CV.
pub fn model_b(n: usize, hh: Box<dyn Mechanism>) -> Cell {
    let mut m = Morphology::new();
    m.add_cylinder("cable", 3, 10.0 * n as f64, 1.0, None, n)
        .unwrap();
    let mut cell = Cell::new(m, Settings::default()).unwrap();
    cell.insert(hh, &Region::All).unwrap();
    cell.add_iclamp("cable", 0.5 / n as f64, 10.0, 1.0, 0.1)
        .unwrap();
    cell
}

/// A column of a reference CSV in `tests/reference/data` (see its README for the format).
pub fn reference_column(file: &str, column: &str) -> Vec<f64> {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/reference/data")
        .join(file);
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{file}: {e}"));
    let mut lines = text.lines();
    let header: Vec<&str> = lines.next().unwrap().split(',').collect();
    let j = header
        .iter()
        .position(|h| *h == column)
        .unwrap_or_else(|| panic!("{file} has no column {column}"));
    lines
        .filter(|l| !l.trim().is_empty())
        .map(|l| l.split(',').nth(j).unwrap().parse().unwrap())
        .collect()
}

/// The largest absolute difference between two traces of equal length.
pub fn max_abs_diff(a: &[f64], b: &[f64]) -> f64 {
    assert_eq!(a.len(), b.len(), "trace lengths differ");
    a.iter()
        .zip(b)
        .map(|(x, y)| (x - y).abs())
        .fold(0.0, f64::max)
}
