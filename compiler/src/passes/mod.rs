//! Passes over the IR, one per file, run in the order of [`PIPELINE`]. Each is a
//! `fn(&mut Module) -> Result<(), Diagnostics>`, and the module is validated after each one, so a
//! pass never hands an invalid module to the next.

pub mod cnexp;
pub mod conductance;
pub mod dce;
pub mod derivimplicit;
pub mod deselect;
pub mod equations;
pub mod euler;
pub mod implicit;
pub mod jvp;
pub mod linear;
pub mod runge;
pub mod steadystate;
pub mod tangent;

use crate::diag::Diagnostics;
use crate::ir::{self, BlockId, Module, SolveMethod, StmtKind, TangentMaps};

/// A pass: rewrites a module in place, or explains why it cannot.
pub type Pass = fn(&mut Module) -> Result<(), Diagnostics>;

/// The passes, in the order they run, with the names `--after` accepts.
pub const PIPELINE: &[(&str, Pass)] = &[
    ("steadystate", steadystate::run),
    ("cnexp", cnexp::run),
    ("euler", euler::run),
    ("runge", runge::run),
    ("derivimplicit", derivimplicit::run),
    ("sparse", derivimplicit::run_sparse),
    ("linear", linear::run),
    ("conductance", conductance::run),
    ("tangent", tangent::run),
];

/// Runs the pipeline up to and including the pass named `until` (all of it when `None`).
pub fn run(m: &mut Module, until: Option<&str>) -> Result<(), Diagnostics> {
    if let Some(name) = until
        && !PIPELINE.iter().any(|(n, _)| *n == name)
    {
        let names: Vec<&str> = PIPELINE.iter().map(|(n, _)| *n).collect();
        let d = crate::diag::Diagnostic::error(m.span, format!("there is no pass `{name}`"))
            .with_note(format!("the passes are: {}", names.join(", ")));
        return Err(d.into());
    }
    for (name, pass) in PIPELINE {
        pass(m)?;
        ir::validate(m)?;
        if until == Some(*name) {
            break;
        }
    }
    Ok(())
}

/// A module that has been through every pass of [`PIPELINE`], validated after each: its SOLVEs
/// are explicit updates, its currents have their slopes and its tangent maps are made. Only
/// [`run_all`] makes one, so the back ends, which take it, need not check any of this (as naga's
/// back ends take the module with the validator's `ModuleInfo`). It reads as the [`Module`] it
/// holds, which it does not let change.
#[derive(Clone, Debug)]
pub struct Passed {
    module: Module,
    tangent: TangentMaps,
}

impl Passed {
    /// The module after the passes.
    pub fn module(&self) -> &Module {
        &self.module
    }

    /// Its tangent maps (also in [`Module::tangent`], for printing).
    pub fn tangent(&self) -> &TangentMaps {
        &self.tangent
    }

    /// The module, to change it further (a pass is no longer vouched for).
    pub fn into_module(self) -> Module {
        self.module
    }
}

impl std::ops::Deref for Passed {
    type Target = Module;

    fn deref(&self) -> &Module {
        &self.module
    }
}

/// Runs the whole pipeline on `m`: what the back ends take.
pub fn run_all(mut m: Module) -> Result<Passed, Diagnostics> {
    run(&mut m, None)?;
    let Some(tangent) = m.tangent.clone() else {
        let d = crate::diag::Diagnostic::error(
            m.span,
            "internal: the pipeline ended without tangent maps",
        );
        return Err(d.into());
    };
    Ok(Passed { module: m, tangent })
}

/// Every SOLVE statement of INITIAL and BREAKPOINT with the method asked for: `(block holding the
/// statement, index path, target, method)` flattened to the targets and methods.
pub(crate) fn solves(m: &Module) -> Vec<(BlockId, SolveMethod)> {
    let mut out = Vec::new();
    for id in [m.initial, m.breakpoint].into_iter().flatten() {
        for s in &m.block(id).body {
            s.for_each_stmt(&mut |s| {
                if let StmtKind::Solve { block, method } = s.kind {
                    out.push((block, method));
                }
            });
        }
    }
    out
}

/// Rewrites every `SOLVE target METHOD from` into `SOLVE target` (a SOLVE of a PROCEDURE), once the
/// target holds explicit updates.
pub(crate) fn retarget_solves(m: &mut Module, target: BlockId, from: SolveMethod) {
    change_solves(m, target, from, SolveMethod::Direct);
}

/// Makes every `SOLVE target METHOD from` of INITIAL and BREAKPOINT a `SOLVE target METHOD to`.
pub(crate) fn change_solves(m: &mut Module, target: BlockId, from: SolveMethod, to: SolveMethod) {
    fn walk(stmts: &mut [ir::Stmt], target: BlockId, from: SolveMethod, to: SolveMethod) {
        for s in stmts {
            match &mut s.kind {
                StmtKind::Solve { block, method } if *block == target && *method == from => {
                    *method = to
                }
                StmtKind::If {
                    then, otherwise, ..
                } => {
                    walk(then, target, from, to);
                    walk(otherwise, target, from, to);
                }
                StmtKind::While { body, .. } => walk(body, target, from, to),
                _ => {}
            }
        }
    }
    for id in [m.initial, m.breakpoint].into_iter().flatten() {
        walk(&mut m.blocks[id.index()].body, target, from, to);
    }
}

/// The warnings `gradmod check` gives about how NEURON runs what a module says, read by the
/// driver after lowering (the passes report errors only): cnexp equations that are not linear
/// in their state ([`cnexp::warnings`]).
pub fn warnings(m: &Module) -> Diagnostics {
    cnexp::warnings(m)
}
