//! The standard models of docs/MODELS.md, built with the hand-written mechanisms or with any `hh`.

use crate::{hh::Hh, pas::Pas};
use gradmod_runtime::mechanism::Mechanism;
use gradmod_runtime::{Cell, Morphology, Region, Settings};

/// Model A: soma 20 µm × 20 µm (one CV), axon 400 µm × 1 µm (ten CVs) attached at soma(1), HH
/// everywhere, IClamp `amp` nA at soma(0.5) from 10 to 11 ms.
pub fn model_a(amp: f64) -> Cell {
    model_a_with(amp, Box::new(Hh::new()))
}

/// Model A with `hh` (any mechanism standing for HH, such as a generated one) everywhere.
pub fn model_a_with(amp: f64, hh: Box<dyn Mechanism>) -> Cell {
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

/// Model B(N): one cable of N CVs of 10 µm, diameter 1 µm, HH, IClamp 0.1 nA from 10 to 11 ms
/// into the first CV.
pub fn model_b(n: usize) -> Cell {
    model_b_with(n, Box::new(Hh::new()))
}

/// Model B(N) with `hh` (any mechanism standing for HH, such as a generated one).
pub fn model_b_with(n: usize, hh: Box<dyn Mechanism>) -> Cell {
    let mut m = Morphology::new();
    m.add_cylinder("cable", 3, 10.0 * n as f64, 1.0, None, n)
        .unwrap();
    let mut cell = Cell::new(m, Settings::default()).unwrap();
    cell.insert(hh, &Region::All).unwrap();
    cell.add_iclamp("cable", 0.5 / n as f64, 10.0, 1.0, 0.1)
        .unwrap();
    cell
}

/// A branched HH cell: soma, two dendrites off soma(1) (one with a child), an axon off soma(0).
pub fn branched_hh() -> Cell {
    let mut m = Morphology::new();
    let soma = m.add_cylinder("soma", 1, 15.0, 15.0, None, 1).unwrap();
    let d1 = m
        .add_frustum("dend1", 3, 150.0, 3.0, 1.0, Some((soma, 1.0)), 5)
        .unwrap();
    m.add_cylinder("dend2", 3, 100.0, 1.5, Some((soma, 1.0)), 4)
        .unwrap();
    m.add_cylinder("dend1a", 3, 80.0, 0.8, Some((d1, 1.0)), 3)
        .unwrap();
    m.add_cylinder("axon", 2, 200.0, 1.0, Some((soma, 0.0)), 6)
        .unwrap();
    let mut cell = Cell::new(m, Settings::default()).unwrap();
    let hh = cell.insert(Box::new(Hh::new()), &Region::All).unwrap();
    cell.set_field(hh, "gnabar", &Region::Tag(3), 0.06).unwrap();
    let pas = cell.insert(Box::new(Pas::new()), &Region::Tag(3)).unwrap();
    cell.set_field(pas, "g", &Region::All, 2e-4).unwrap();
    cell.set_field(pas, "e", &Region::All, -65.0).unwrap();
    cell.add_iclamp("soma", 0.5, 2.0, 1.0, 0.3).unwrap();
    cell
}
