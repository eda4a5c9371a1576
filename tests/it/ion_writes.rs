//! Tangents of the ion variables a mechanism writes outside its states, against central finite
//! differences of two full simulations: a concentration set in INITIAL only (`cainit`, as
//! neurodamus's TTXDynamicsSwitch sets `ttxi`) and a reversal potential written in INITIAL and
//! BREAKPOINT (`ecaw`, as Arbor's `write_eX`), each read by a calcium leak (`cacur`), and a
//! current written and read back by the mechanism's own state update (`capool`, as NEURON's
//! `capmpr.mod` reads `ica` in its KINETIC block), on the mechanisms of `tests/ion_writes/` loaded
//! at run time by both engines; that read is of the mechanism's own copy, as in NEURON, where
//! another mechanism writes the same current.

use std::path::Path;

use crate::models::{fd::check, generated};
use gradmod_runtime::{Cell, Morphology, ParamSpec, Region, Settings};
use gradmod_vm::{Catalogue, EngineChoice};

/// The run-time catalogue of `tests/ion_writes/` on an engine.
fn catalogue(engine: EngineChoice) -> Catalogue {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/ion_writes");
    Catalogue::load_with(&[dir], engine).unwrap_or_else(|e| panic!("{e}"))
}

/// A 20 µm × 20 µm soma with `pas`, the mechanisms `names` of `cat` in that order and a current
/// pulse.
fn soma(cat: &Catalogue, names: &[&str]) -> Cell {
    let mut m = Morphology::new();
    m.add_cylinder("soma", 1, 20.0, 20.0, None, 1).unwrap();
    let mut cell = Cell::new(m, Settings::default()).unwrap();
    cell.insert(generated("pas"), &Region::All).unwrap();
    for name in names {
        let mech = cat
            .make(name)
            .unwrap_or_else(|| panic!("no mechanism `{name}`"));
        cell.insert(mech, &Region::All).unwrap();
    }
    cell.add_iclamp("soma", 0.5, 1.0, 2.0, 0.05).unwrap();
    cell
}

#[test]
fn a_concentration_set_in_initial_carries_its_tangent() {
    for engine in [EngineChoice::Evaluator, EngineChoice::Jit] {
        let cat = catalogue(engine);
        let build = || soma(&cat, &["cainit", "cacur"]);
        let cv = build().cv_at("soma", 0.5).unwrap();
        let specs = [
            ParamSpec::mechanism("cainit", "cai0"),
            ParamSpec::mechanism("cacur", "gbar"),
        ];
        check(&build, &specs, &[cv], 5.0, &[1e-5; 2], 1e-6);
    }
}

#[test]
fn a_written_reversal_potential_carries_its_tangent() {
    for engine in [EngineChoice::Evaluator, EngineChoice::Jit] {
        let cat = catalogue(engine);
        let build = || soma(&cat, &["ecaw", "cacur"]);
        let cv = build().cv_at("soma", 0.5).unwrap();
        let specs = [
            ParamSpec::mechanism("ecaw", "e0"),
            ParamSpec::mechanism("cacur", "gbar"),
        ];
        check(&build, &specs, &[cv], 5.0, &[1e-5; 2], 1e-6);
    }
}

#[test]
fn a_written_current_read_by_the_state_update_carries_its_tangent() {
    for engine in [EngineChoice::Evaluator, EngineChoice::Jit] {
        let cat = catalogue(engine);
        let build = || soma(&cat, &["capool"]);
        let cv = build().cv_at("soma", 0.5).unwrap();
        let specs = [
            ParamSpec::mechanism("capool", "gp"),
            ParamSpec::mechanism("capool", "k"),
        ];
        check(&build, &specs, &[cv], 5.0, &[1e-5; 2], 1e-6);
    }
}

/// capool reads back the ica it writes (not declared READ) beside cacur, which writes ica too: as
/// in NEURON (tests/reference/own_current.py), capool reads its own copy, the current its last
/// BREAKPOINT computed, not the ion's total, so its state ignores cacur's current. v, capool's c
/// and the ion's total ica equal NEURON's trace on both engines, and the tangents equal central
/// differences.
#[test]
fn a_written_current_is_read_back_as_the_mechanisms_own_copy() {
    let reference = crate::models::csv_columns(
        &Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/reference/data/own_current/capool_cacur.csv"),
    );
    for engine in [EngineChoice::Evaluator, EngineChoice::Jit] {
        let cat = catalogue(engine);
        let build = || soma(&cat, &["capool", "cacur"]);
        let mut cell = build();
        let cv = cell.cv_at("soma", 0.5).unwrap();
        let pool = gradmod_runtime::MechId(1);
        let ca = cell.ion_index("ca").unwrap();
        let read = |c: &Cell, column: &str| match column {
            "v" => c.v()[cv],
            "c" => c.field(pool, "c").unwrap()[0],
            _ => c.ions().arrays[ca].current[cv],
        };
        for (column, d) in
            crate::models::against_reference(&mut cell, &reference, &["v", "c", "ica"], &read)
        {
            println!("capool + cacur ({engine:?}): max |{column} - NEURON| {d:.1e}");
            assert!(
                d < 1e-9,
                "{engine:?}: {column} differs from NEURON by {d:e}"
            );
        }
        let specs = [
            ParamSpec::mechanism("capool", "gp"),
            ParamSpec::mechanism("cacur", "gbar"),
        ];
        check(&build, &specs, &[cv], 5.0, &[1e-5; 2], 1e-6);
    }
}
