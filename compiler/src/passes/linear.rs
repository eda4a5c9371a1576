//! `linear`: a LINEAR or NONLINEAR block that INITIAL or BREAKPOINT SOLVEs becomes a PROCEDURE that
//! solves its equations `~ lhs = rhs` for the STATEs they read, by Newton's method
//! ([`super::implicit::newton`]) from the states' current values: one step, which is exact, for a
//! LINEAR system, a fixed number of steps for a NONLINEAR one, as NEURON's `simeq` and `newton`
//! do. The block's assignments then run at the solution. The tangent pass differentiates the
//! statements written out, which for a linear system is the implicit function theorem exactly:
//! the tangent of the solution is `-J⁻¹ ∂F/∂p · ṗ` with J the system's matrix.

use crate::diag::{Diagnostic, Diagnostics};
use crate::ir::{BlockKind, Module, SolveMethod};

use super::equations::{assignments, equations};
use super::implicit::newton;

/// Runs the pass on every SOLVE of a LINEAR or NONLINEAR block.
pub fn run(m: &mut Module) -> Result<(), Diagnostics> {
    let mut done = Vec::new();
    for (target, method) in super::solves(m) {
        let kind = m.block(target).kind;
        if method != SolveMethod::Direct
            || !matches!(kind, BlockKind::Linear | BlockKind::NonLinear)
            || done.contains(&target)
        {
            continue;
        }
        done.push(target);
        let eqs = equations(m, target)?;
        let block = m.block(target);
        let span = block.span;
        if eqs.residuals.len() != eqs.states.len() {
            let names: Vec<&str> = eqs.states.iter().map(|&s| m.var(s).name.as_str()).collect();
            return Err(Diagnostic::error(
                span,
                format!(
                    "{} {} has {} equations for {} STATEs ({})",
                    kind.keyword(),
                    block.name,
                    eqs.residuals.len(),
                    eqs.states.len(),
                    names.join(", ")
                ),
            )
            .with_note("NEURON solves a LINEAR or NONLINEAR block for the STATEs its equations read, one equation each")
            .into());
        }
        let mut body = newton(m, &eqs.states, &eqs.residuals, None, span);
        body.extend(assignments(&m.block(target).body));
        let block = &mut m.blocks[target.index()];
        block.body = body;
        block.kind = BlockKind::Procedure;
    }
    Ok(())
}
