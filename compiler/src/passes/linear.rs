//! `linear`: a LINEAR or NONLINEAR block that INITIAL or BREAKPOINT SOLVEs becomes a PROCEDURE that
//! solves its equations `~ lhs = rhs` for the STATEs they read, by Newton's method
//! ([`super::implicit::newton`]) from the states' current values: one step, which is exact, for a
//! LINEAR system, a fixed number of steps for a NONLINEAR one, as NEURON's `simeq` and `newton`
//! do. The block's assignments then run at the solution. The tangent pass differentiates the
//! statements written out, which for a linear system is the implicit function theorem exactly:
//! the tangent of the solution is `-J⁻¹ ∂F/∂p · ṗ` with J the system's matrix.
//!
//! The elimination does not pivot at run time, so the equations are first ordered so that each
//! unknown's pivot is the equation where its coefficient is the largest expression: in the balance
//! equations of a kinetic scheme written out as a LINEAR block, the state's own balance, whose
//! coefficient sums every rate out of the state and dominates its column (a pivot of a single rate
//! constant, which may be 1e-12, loses every digit).

use crate::diag::{Diagnostic, Diagnostics};
use crate::ir::{BlockKind, ExprId, Module, SolveMethod, VarId};
use crate::sym::jacobian;

use super::equations::{assignments, equations};
use super::implicit::{Iterations, newton};

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
        let residuals = pivot_order(m, &eqs.states, &eqs.residuals);
        let mut body = newton(
            m,
            &eqs.states,
            &residuals,
            Iterations::UnlessLinear(None),
            span,
        );
        body.extend(assignments(&m.block(target).body));
        let block = &mut m.blocks[target.index()];
        block.body = body;
        block.kind = BlockKind::Procedure;
    }
    Ok(())
}

/// The residuals reordered so that row k pivots on unknown k: for each unknown in turn, of the
/// equations not yet chosen that read it, the one whose coefficient of it is the largest
/// expression (ties keep the written order); equations left over keep their order.
fn pivot_order(m: &mut Module, states: &[VarId], residuals: &[ExprId]) -> Vec<ExprId> {
    let jac = jacobian(&mut m.exprs, residuals, states);
    let mut chosen: Vec<Option<usize>> = vec![None; states.len()];
    let mut taken = vec![false; residuals.len()];
    for k in 0..states.len() {
        let best = (0..residuals.len())
            .filter(|&i| !taken[i] && m.exprs.as_num(jac[i][k]) != Some(0.0))
            .map(|i| (m.exprs.reachable(&[jac[i][k]]).len(), i))
            .max_by(|a, b| a.0.cmp(&b.0).then(b.1.cmp(&a.1)));
        if let Some((_, i)) = best {
            taken[i] = true;
            chosen[k] = Some(i);
        }
    }
    let mut rest = (0..residuals.len()).filter(|&i| !taken[i]);
    chosen
        .into_iter()
        .map(|c| residuals[c.unwrap_or_else(|| rest.next().expect("as many equations as states"))])
        .collect()
}
