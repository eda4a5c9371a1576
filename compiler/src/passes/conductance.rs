//! `conductance`: the slope g = dI/dv of every current a mechanism writes, symbolically.
//!
//! NEURON and Jaxley estimate it with a 0.001 mV finite difference; gradmod differentiates the
//! BREAKPOINT block (without its SOLVE) forward with respect to v and assigns each current's
//! slope to a new ASSIGNED variable `d<current>_dv`, recorded in [`Module::conductances`]. For
//! currents linear in v the two agree exactly; for GHK-type currents gradmod's is the exact one.
//! With [`Slope::Neuron`] the slope is NEURON's finite difference instead: the block runs first
//! at v + 0.001 mV into shadow variables, then as written, and g = (I(v + 0.001) − I(v)) / 0.001.

use std::collections::HashMap;

use crate::diag::Diagnostics;
use crate::ir::{
    BinOp, Builtin, ExprId, IonRole, Module, Scope, Slope, Stmt, StmtKind, VarId, VarKind, Variable,
};

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
    let (mut body, slopes) = match m.slope {
        Slope::Symbolic => {
            let mut t = Tangents::new();
            let one = m.exprs.num(1.0);
            t.insert(v, one);
            let body = jvp(m, body, &mut t, "dv_")?;
            let slopes = currents
                .iter()
                .map(|c| t.get(c).copied().unwrap_or_else(|| m.exprs.num(0.0)))
                .collect::<Vec<_>>();
            (body, slopes)
        }
        Slope::Neuron => {
            let mut sets = false;
            for s in &body {
                s.for_each_stmt(&mut |s| sets |= matches!(s.kind, StmtKind::SetElement { .. }));
            }
            if sets {
                return Err(crate::diag::Diagnostic::error(
                    m.block(bp).span,
                    "NEURON's slope (--slope neuron) of a BREAKPOINT that writes an array \
                     element at a run-time index is not supported",
                )
                .into());
            }
            finite_difference(m, body, v, &currents)
        }
    };
    for (c, value) in currents.into_iter().zip(slopes) {
        let name = m.fresh_var_name(&format!("d{}_dv", m.var(c).name));
        let mut var = Variable::new(name, VarKind::Assigned, Scope::Range, m.var(c).span);
        var.unit = Some(if m.kind == crate::ir::MechKind::Point {
            "uS".into()
        } else {
            "S/cm2".into()
        });
        let g = m.add_var(var);
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

/// NEURON's slope: `body` preceded by a copy of itself run at v + 0.001 mV, whose assignments go
/// to shadow variables (each starting from the variable's value), without its SOLVEs; and for each
/// current, (shadow − current) / 0.001.
fn finite_difference(
    m: &mut Module,
    body: Vec<Stmt>,
    v: VarId,
    currents: &[VarId],
) -> (Vec<Stmt>, Vec<ExprId>) {
    const DV: f64 = 0.001;
    let mut assigned = Vec::new();
    for s in &body {
        s.for_each_stmt(&mut |s| {
            if let StmtKind::Assign { var, .. }
            | StmtKind::GetElement { var, .. }
            | StmtKind::Loop { var, .. } = s.kind
                && !assigned.contains(&var)
            {
                assigned.push(var);
            }
        });
    }
    let span = body.first().map_or(m.span, |s| s.span);
    let mut map: HashMap<VarId, ExprId> = HashMap::new();
    let (vx, dv) = (m.exprs.var(v), m.exprs.num(DV));
    map.insert(v, m.exprs.binary(BinOp::Add, vx, dv));
    let mut shadow: HashMap<VarId, VarId> = HashMap::new();
    let mut out = Vec::new();
    for &a in &assigned {
        let name = m.fresh_var_name(&format!("{}_at_v_plus_dv", m.var(a).name));
        let s = m.add_var(Variable::new(
            name,
            VarKind::Local,
            Scope::Range,
            m.var(a).span,
        ));
        shadow.insert(a, s);
        map.insert(a, m.exprs.var(s));
        // A shadow starts from its variable's value (a LOCAL's is 0 anyway).
        let value = m.exprs.var(a);
        out.push(Stmt {
            kind: StmtKind::Assign { var: s, value },
            span,
        });
    }
    out.extend(shifted(m, &body, &map, &shadow));
    out.extend(body);
    let slopes = currents
        .iter()
        .map(|&c| {
            let at_v = m.exprs.var(c);
            let above = shadow.get(&c).map_or(at_v, |&s| m.exprs.var(s));
            let diff = m.exprs.binary(BinOp::Sub, above, at_v);
            let dv = m.exprs.num(DV);
            m.exprs.binary(BinOp::Div, diff, dv)
        })
        .collect();
    (out, slopes)
}

/// `stmts` with every read through `map` and every assignment to its variable's shadow, SOLVEs
/// left out.
fn shifted(
    m: &mut Module,
    stmts: &[Stmt],
    map: &HashMap<VarId, ExprId>,
    shadow: &HashMap<VarId, VarId>,
) -> Vec<Stmt> {
    let sub = |m: &mut Module, e: ExprId| crate::sym::rewrite::substitute(&mut m.exprs, e, map);
    let mut out = Vec::new();
    for s in stmts {
        let kind = match &s.kind {
            StmtKind::Assign { var, value } => StmtKind::Assign {
                var: shadow.get(var).copied().unwrap_or(*var),
                value: sub(m, *value),
            },
            StmtKind::If {
                cond,
                then,
                otherwise,
            } => StmtKind::If {
                cond: sub(m, *cond),
                then: shifted(m, then, map, shadow),
                otherwise: shifted(m, otherwise, map, shadow),
            },
            StmtKind::While { cond, body } => StmtKind::While {
                cond: sub(m, *cond),
                body: shifted(m, body, map, shadow),
            },
            StmtKind::Loop {
                var,
                from,
                to,
                body,
            } => StmtKind::Loop {
                var: shadow.get(var).copied().unwrap_or(*var),
                from: sub(m, *from),
                to: sub(m, *to),
                body: shifted(m, body, map, shadow),
            },
            StmtKind::GetElement { var, array, index } => StmtKind::GetElement {
                var: shadow.get(var).copied().unwrap_or(*var),
                array: *array,
                index: sub(m, *index),
            },
            StmtKind::Solve { .. } => continue,
            other => other.clone(),
        };
        out.push(Stmt { kind, span: s.span });
    }
    out
}
