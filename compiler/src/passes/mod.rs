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
pub mod steadystate;
pub mod tangent;

use crate::diag::Diagnostics;
use crate::ir::{self, BlockId, Module, SolveMethod, StmtKind};

/// A pass: rewrites a module in place, or explains why it cannot.
pub type Pass = fn(&mut Module) -> Result<(), Diagnostics>;

/// The passes, in the order they run, with the names `--after` accepts.
pub const PIPELINE: &[(&str, Pass)] = &[
    ("steadystate", steadystate::run),
    ("cnexp", cnexp::run),
    ("euler", euler::run),
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
    fn walk(stmts: &mut [ir::Stmt], target: BlockId, from: SolveMethod) {
        for s in stmts {
            match &mut s.kind {
                StmtKind::Solve { block, method } if *block == target && *method == from => {
                    *method = SolveMethod::Direct
                }
                StmtKind::If {
                    then, otherwise, ..
                } => {
                    walk(then, target, from);
                    walk(otherwise, target, from);
                }
                StmtKind::While { body, .. } => walk(body, target, from),
                _ => {}
            }
        }
    }
    for id in [m.initial, m.breakpoint].into_iter().flatten() {
        walk(&mut m.blocks[id.index()].body, target, from);
    }
}
