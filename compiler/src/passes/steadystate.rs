//! `steadystate`: `SOLVE block STEADYSTATE sparse` (or `derivimplicit`), which Markov channels
//! use in INITIAL (and Arbor's tests in BREAKPOINT, where each time step takes the states to their
//! equilibrium), becomes a new PROCEDURE of backward-Euler steps with NEURON's huge time step
//! (1e9 ms), which takes a scheme close to its equilibrium while keeping what it conserves. It
//! runs before the other solver passes, which rewrite the block itself for the time steps.
//!
//! The steps are NEURON's (`_ss_sparse` of its scopmath library), so that the states start where
//! NEURON's do, which is not the equilibrium itself but one step of 1e9 ms towards it:
//!
//! - a scheme linear in its states: one backward-Euler step from the values INITIAL gave, by
//!   Newton's method until the increment is below 1e-6, which takes a linear system two
//!   iterations (the second moves the states by rounding only);
//! - a nonlinear scheme: one Newton iteration of a backward-Euler step from those values, states
//!   below -1e-6 then set to zero (NEURON's `check_state`), and a whole backward-Euler step from
//!   there as NEURON's `sparse` takes it: iterations until their increments sum to at most 1e-6,
//!   each setting states below zero to zero ([`Iterations::UntilConverged`]).
//!
//! Where the check sets a state to zero, NEURON repeats its first stage (up to seven times);
//! gradmod takes the whole step from the clamped states at once. `STEADYSTATE derivimplicit`
//! takes the same steps.

use crate::diag::Diagnostics;
use crate::ir::{Block, BlockKind, Module, SolveMethod, Stmt, StmtKind};

use super::equations::{assignments, equations};
use super::implicit::{Iterations, backward_euler, clamp_below, equations_are_linear};

/// NEURON's time step for STEADYSTATE (ms).
pub const STEADY_DT: f64 = 1e9;

/// Newton iterations NEURON's steady state gives a system linear in its states: its test of
/// convergence (a sum of increments below 1e-6) passes after the second.
pub const LINEAR_ITERATIONS: usize = 2;

/// Runs the pass.
pub fn run(m: &mut Module) -> Result<(), Diagnostics> {
    for id in [m.initial, m.breakpoint].into_iter().flatten() {
        let mut body = std::mem::take(&mut m.blocks[id.index()].body);
        let result = rewrite(m, &mut body);
        m.blocks[id.index()].body = body;
        result?;
    }
    Ok(())
}

fn rewrite(m: &mut Module, stmts: &mut [Stmt]) -> Result<(), Diagnostics> {
    for s in stmts {
        match &mut s.kind {
            StmtKind::Solve {
                block,
                method:
                    method @ (SolveMethod::SteadyStateSparse | SolveMethod::SteadyStateDerivimplicit),
            } => {
                let target = *block;
                let eqs = equations(m, target)?;
                let dt = m.exprs.num(STEADY_DT);
                let span = m.block(target).span;
                let mut body = Vec::new();
                if equations_are_linear(m, &eqs) {
                    let steps = Iterations::Exactly(LINEAR_ITERATIONS);
                    body.extend(backward_euler(m, &eqs, dt, steps, span));
                } else {
                    body.extend(backward_euler(m, &eqs, dt, Iterations::Exactly(1), span));
                    body.extend(clamp_below(m, &eqs.states, -1e-6, span));
                    let rest = Iterations::UntilConverged;
                    body.extend(backward_euler(m, &eqs, dt, rest, span));
                }
                body.extend(assignments(&m.block(target).body));
                let name = m.fresh_block_name(&format!("{}_steadystate", m.block(target).name));
                let id = m.add_block(Block {
                    name,
                    kind: BlockKind::Procedure,
                    body,
                    span,
                });
                *block = id;
                *method = SolveMethod::Direct;
            }
            StmtKind::If {
                then, otherwise, ..
            } => {
                rewrite(m, then)?;
                rewrite(m, otherwise)?;
            }
            _ => {}
        }
    }
    Ok(())
}
