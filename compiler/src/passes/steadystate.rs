//! `steadystate`: `SOLVE block STEADYSTATE sparse` (or `derivimplicit`), which Markov channels
//! use in INITIAL (and Arbor's tests in BREAKPOINT, where each time step takes the states to their
//! equilibrium), becomes a new PROCEDURE of backward-Euler steps with NEURON's huge time step
//! (1e9 ms), which takes a scheme to its equilibrium while keeping what it conserves. It runs
//! before the other solver passes, which rewrite the block itself for the time steps.

use crate::diag::Diagnostics;
use crate::ir::{Block, BlockKind, Module, SolveMethod, Stmt, StmtKind};

use super::equations::{assignments, equations};
use super::implicit::backward_euler;

/// NEURON's time step for STEADYSTATE (ms).
pub const STEADY_DT: f64 = 1e9;

/// Backward-Euler steps taken with [`STEADY_DT`].
pub const STEPS: usize = 3;

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
                for _ in 0..STEPS {
                    body.extend(backward_euler(m, &eqs, dt, None, span));
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
