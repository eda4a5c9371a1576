//! CONSERVE in a KINETIC block with COMPARTMENTs conserves the amounts (each state times its
//! compartment size), as NEURON's kinetic schemes do: nocmodl writes the law's matrix row as
//! `coefficient * compartment` for each state.

use gradmod_compiler::driver::load_source;
use gradmod_compiler::interp::Machine;
use gradmod_compiler::ir::{BlockId, Module, StmtKind, VarId};
use gradmod_compiler::passes;

fn compiled(name: &str, text: &str) -> Module {
    let front = load_source(name, text);
    let rendered = front.render();
    let mut m = front.module.unwrap_or_else(|| panic!("{rendered}"));
    passes::run(&mut m, None).unwrap();
    m
}

fn var(m: &Module, name: &str) -> VarId {
    m.var_ids()
        .find(|&v| m.var(v).name == name)
        .unwrap_or_else(|| panic!("no variable {name}"))
}

#[test]
fn conserve_weights_states_by_their_compartments() {
    let m = compiled(
        "pump_compartments.mod",
        include_str!("../parse_extra/pump_compartments.mod"),
    );
    let mut mach = Machine::new(&m);
    for (name, x) in [("diam", 1.0), ("cao", 2.0), ("cai", 5e-5)] {
        mach.values[var(&m, name).index()] = x;
    }
    // INITIAL: the steady state at t = 0.
    mach.run(m.initial.unwrap()).unwrap();
    let value = |mach: &Machine, name: &str| mach.values[var(&m, name).index()];
    let (pump, pumpca, cai) = (
        value(&mach, "pump"),
        value(&mach, "pumpca"),
        value(&mach, "cai"),
    );
    assert!(
        pump.is_finite() && pumpca.is_finite() && cai.is_finite(),
        "{pump} {pumpca} {cai}"
    );
    let pumpdens = 3e-14;
    assert!(
        ((pump + pumpca) / pumpdens - 1.0).abs() < 1e-12,
        "pump + pumpca = {} (mol/cm2), not pumpdens",
        pump + pumpca
    );
    // The state update keeps the law too.
    if let Some(dt) = m.var_ids().find(|&v| m.var(v).name == "dt") {
        mach.values[dt.index()] = 0.025;
    }
    for block in state_blocks(&m) {
        mach.run(block).unwrap();
    }
    let total = value(&mach, "pump") + value(&mach, "pumpca");
    assert!((total / pumpdens - 1.0).abs() < 1e-12, "{total}");
}

/// The blocks BREAKPOINT's SOLVEs name, after the passes.
fn state_blocks(m: &Module) -> Vec<BlockId> {
    let body = &m.block(m.breakpoint.unwrap()).body;
    body.iter()
        .filter_map(|s| match s.kind {
            StmtKind::Solve { block, .. } => Some(block),
            _ => None,
        })
        .collect()
}
