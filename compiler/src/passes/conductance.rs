//! `conductance`: the slope g = dI/dv of every current a mechanism writes, symbolically.
//!
//! NEURON and Jaxley estimate it with a 0.001 mV finite difference; gradmod differentiates the
//! BREAKPOINT block (without its SOLVE) forward with respect to v and assigns each current's
//! slope to a new ASSIGNED variable `d<current>_dv`, recorded in [`Module::conductances`]. For
//! currents linear in v the two agree exactly; for GHK-type currents gradmod's is the exact one.

use crate::diag::Diagnostics;
use crate::ir::{Builtin, IonRole, Module, Scope, Stmt, StmtKind, VarKind, Variable};

use super::jvp::{Tangents, jvp};

/// Runs the pass.
pub fn run(m: &mut Module) -> Result<(), Diagnostics> {
    let Some(bp) = m.breakpoint else {
        return Ok(());
    };
    if !m.conductances.is_empty() {
        return Ok(());
    }
    let mut currents = m.nonspecific.clone();
    for ion in &m.ions {
        for &w in &ion.write {
            if matches!(
                m.var(w).kind,
                VarKind::Ion {
                    role: IonRole::Current,
                    ..
                }
            ) {
                currents.push(w);
            }
        }
    }
    if currents.is_empty() {
        return Ok(());
    }
    let Some(v) = m.builtin(Builtin::V) else {
        // Nothing depends on v: every slope is zero, and no statement is needed.
        return Ok(());
    };
    let body = std::mem::take(&mut m.blocks[bp.index()].body);
    let mut t = Tangents::new();
    let one = m.exprs.num(1.0);
    t.insert(v, one);
    let mut body = jvp(m, body, &mut t, "dv_")?;
    for c in currents {
        let name = super::euler::unique(m, &format!("d{}_dv", m.var(c).name));
        let mut var = Variable::new(name, VarKind::Assigned, Scope::Range, m.var(c).span);
        var.unit = Some(if m.kind == crate::ir::MechKind::Point {
            "uS".into()
        } else {
            "S/cm2".into()
        });
        let g = m.add_var(var);
        let value = t.get(&c).copied().unwrap_or_else(|| m.exprs.num(0.0));
        let span = m.block(bp).span;
        body.push(Stmt {
            kind: StmtKind::Assign { var: g, value },
            span,
        });
        m.conductances.push((c, g));
    }
    m.blocks[bp.index()].body = body;
    Ok(())
}
