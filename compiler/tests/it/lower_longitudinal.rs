//! LONGITUDINAL_DIFFUSION in lowering (compiler/src/lower/longitudinal.rs): each diffused STATE,
//! an array species element by element, gets its coefficient and its COMPARTMENT volume as
//! STATEs that the end of INITIAL assigns; what NEURON would diffuse differently, or not at all,
//! is an error at the statement.

use gradmod_compiler::driver::load_source;
use gradmod_compiler::ir::{StmtKind, VarKind};

/// The rendered diagnostics of `text`, which lowering must reject.
fn rejected(name: &str, text: &str) -> String {
    let front = load_source(name, text);
    assert!(front.module.is_none(), "{name} was accepted");
    front.render()
}

const SHELLS: &str = "NEURON { SUFFIX sh }\nPARAMETER { D = 0.6 (um2/ms) }\nASSIGNED { diam (um) }\nSTATE { x[2] }\nBREAKPOINT { SOLVE k METHOD sparse }\n";

#[test]
fn the_shells_of_cadifus_diffuse_element_by_element() {
    let text = include_str!("../parse_extra/cadifus.mod");
    let front = load_source("cadifus.mod", text);
    let m = front.module.expect("cadifus.mod is accepted");
    let names: Vec<&str> = m
        .longitudinal
        .iter()
        .map(|l| m.var(l.species).name.as_str())
        .collect();
    assert_eq!(names, ["ca[0]", "ca[1]", "ca[2]", "ca[3]"]);
    let initial = &m.blocks[m.initial.unwrap().index()].body;
    for l in &m.longitudinal {
        assert_eq!(m.var(l.rate).kind, VarKind::State);
        assert_eq!(m.var(l.volume).kind, VarKind::State);
        // Both are assigned by INITIAL, after everything it computes (vrat).
        for v in [l.rate, l.volume] {
            let at = initial
                .iter()
                .position(|s| matches!(s.kind, StmtKind::Assign { var, .. } if var == v))
                .expect("assigned in INITIAL");
            assert!(at + 8 >= initial.len(), "{at} of {}", initial.len());
        }
    }
}

#[test]
fn a_species_without_a_compartment_is_rejected() {
    let text = format!(
        "{SHELLS}KINETIC k {{\n    LONGITUDINAL_DIFFUSION i, D {{x}}\n    ~ x[0] <-> x[1] (1, 1)\n}}\n"
    );
    let out = rejected("nocomp.mod", &text);
    assert!(out.contains("nocomp.mod:7:5"), "{out}");
    assert!(out.contains("no COMPARTMENT gives its volume"), "{out}");
}

#[test]
fn a_coefficient_that_reads_a_state_is_rejected() {
    let text = format!(
        "{SHELLS}KINETIC k {{\n    COMPARTMENT i, diam {{x}}\n    LONGITUDINAL_DIFFUSION i, D * x[0] {{x}}\n    ~ x[0] <-> x[1] (1, 1)\n}}\n"
    );
    let out = rejected("statecoef.mod", &text);
    assert!(out.contains("statecoef.mod:8:5"), "{out}");
    assert!(out.contains("depends on `x[0]`"), "{out}");
}

#[test]
fn an_ion_concentration_state_is_rejected() {
    let text = "NEURON {\n    SUFFIX cap\n    USEION ca READ ica WRITE cai\n}\nASSIGNED { diam (um) ica (mA/cm2) }\nSTATE { cai (mM) }\nBREAKPOINT { SOLVE k METHOD sparse }\nKINETIC k {\n    COMPARTMENT diam {cai}\n    LONGITUDINAL_DIFFUSION 0.6 {cai}\n    ~ cai << (-ica)\n}\n";
    let out = rejected("ionstate.mod", text);
    assert!(out.contains("ionstate.mod:10:"), "{out}");
    assert!(out.contains("an ion's concentration"), "{out}");
}

#[test]
fn a_point_process_cannot_diffuse() {
    let text = "NEURON { POINT_PROCESS pp }\nSTATE { x }\nBREAKPOINT { SOLVE k METHOD sparse }\nKINETIC k {\n    COMPARTMENT 1 {x}\n    LONGITUDINAL_DIFFUSION 1 {x}\n    ~ x << (1)\n}\n";
    let out = rejected("point.mod", text);
    assert!(out.contains("point.mod:6:5"), "{out}");
    assert!(out.contains("density mechanism"), "{out}");
}
