//! `derivimplicit` and `sparse`: DERIVATIVE blocks solved with METHOD derivimplicit and KINETIC
//! blocks solved with METHOD sparse (and DERIVATIVE blocks solved with METHOD sparse, which Arbor
//! accepts and solves by the same backward-Euler step) become one backward-Euler step by Newton's method
//! ([`super::implicit`]), followed by the block's assignments at the new states. The block becomes
//! a PROCEDURE that the SOLVE runs directly.

use crate::diag::Diagnostics;
use crate::ir::{BlockKind, Module, SolveMethod};

use super::equations::{assignments, equations};
use super::implicit::backward_euler;

/// Runs the pass on every SOLVE ... METHOD derivimplicit.
pub fn run(m: &mut Module) -> Result<(), Diagnostics> {
    solve_implicitly(m, SolveMethod::Derivimplicit, &[BlockKind::Derivative])
}

/// Runs the pass on every SOLVE ... METHOD sparse.
pub fn run_sparse(m: &mut Module) -> Result<(), Diagnostics> {
    solve_implicitly(m, SolveMethod::Sparse, &[BlockKind::Kinetic, BlockKind::Derivative])
}

fn solve_implicitly(
    m: &mut Module,
    method: SolveMethod,
    kinds: &[BlockKind],
) -> Result<(), Diagnostics> {
    for (target, meth) in super::solves(m) {
        if meth != method || !kinds.contains(&m.block(target).kind) {
            continue;
        }
        let eqs = equations(m, target)?;
        let dt = super::cnexp::dt_var(m);
        let dt = m.exprs.var(dt);
        let span = m.block(target).span;
        let mut body = backward_euler(m, &eqs, dt, None, span);
        body.extend(assignments(&m.block(target).body));
        let block = &mut m.blocks[target.index()];
        block.body = body;
        block.kind = BlockKind::Procedure;
        super::retarget_solves(m, target, method);
    }
    Ok(())
}
