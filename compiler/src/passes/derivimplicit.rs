//! `derivimplicit` and `sparse`: DERIVATIVE blocks solved with METHOD derivimplicit and KINETIC
//! blocks solved with METHOD sparse (and DERIVATIVE blocks solved with METHOD sparse, which NEURON
//! refuses and Arbor solves by the same backward-Euler step: exactly when linear in the states, else
//! with [`ARBOR_SPARSE_ITERATIONS`] Newton iterations, as Arbor's modcc writes them) become one backward-Euler step by Newton's method
//! ([`super::implicit`]), followed by the block's assignments at the new states. A prologue of
//! loops (and the statements before them) that reads no STATE runs once, before the Newton
//! iterations ([`super::equations::equations_after_prologue`]). The block becomes
//! a PROCEDURE that the SOLVE runs directly.

use crate::diag::Diagnostics;
use crate::ir::{BlockKind, Module, SolveMethod};

use super::equations::{assignments, equations_after_prologue};
use super::implicit::{Iterations, backward_euler};

/// Newton iterations Arbor's modcc writes for METHOD sparse on a DERIVATIVE block that is not linear
/// in its states.
pub const ARBOR_SPARSE_ITERATIONS: usize = 3;

/// Runs the pass on every SOLVE ... METHOD derivimplicit.
pub fn run(m: &mut Module) -> Result<(), Diagnostics> {
    solve_implicitly(m, SolveMethod::Derivimplicit, &[BlockKind::Derivative])
}

/// Runs the pass on every SOLVE ... METHOD sparse.
pub fn run_sparse(m: &mut Module) -> Result<(), Diagnostics> {
    solve_implicitly(
        m,
        SolveMethod::Sparse,
        &[BlockKind::Kinetic, BlockKind::Derivative],
    )
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
        let (prologue, eqs) = equations_after_prologue(m, target)?;
        let dt = super::cnexp::dt_var(m);
        let dt = m.exprs.var(dt);
        let span = m.block(target).span;
        let iterations = match (method, m.block(target).kind) {
            (SolveMethod::Sparse, BlockKind::Derivative) => {
                Iterations::UnlessLinear(Some(ARBOR_SPARSE_ITERATIONS))
            }
            (SolveMethod::Sparse, _) => Iterations::Sparse,
            _ => Iterations::UnlessLinear(None),
        };
        let rest = m.block(target).body[prologue.len()..].to_vec();
        let mut body = prologue;
        body.extend(backward_euler(m, &eqs, dt, iterations, span));
        body.extend(assignments(&rest));
        let block = &mut m.blocks[target.index()];
        block.body = body;
        block.kind = BlockKind::Procedure;
        super::retarget_solves(m, target, method);
    }
    Ok(())
}
