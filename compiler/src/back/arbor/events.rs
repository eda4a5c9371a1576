//! Point processes and NET_RECEIVE for the Arbor back end.
//!
//! A point process's current (nA) reaches dv/dθ as the semi-implicit membrane step of its
//! current, `S <- S - 1e5 dt dI / (cm area + 1e5 dt g)` mV (g its conductance, µS), where `area`
//! is Arbor's builtin, the area (µm²) of the CV the process is placed on: Arbor adds what a point
//! process writes to a diffusive concentration without scaling it by the CV's area (measured:
//! the tangent followed the area otherwise). NET_RECEIVE gets the
//! tangents of the states it changes; the direction `MECH.weight` (the name of the first
//! argument) is the derivative with respect to a common scale λ of the weights of every
//! connection onto the mechanism, at λ = 1: d(weight)/dλ = weight.

use crate::diag::{Diagnostic, Diagnostics};
use crate::ir::{Module, StmtKind, VarKind};

use super::derive::{self, DirVars, Direction};
use super::print;

/// Fails on a NET_RECEIVE the back end does not translate: one with an INITIAL block or with
/// arguments after the weight (Arbor keeps no values per connection), or with statements other
/// than assignments and if/else.
pub fn check_net_receive(m: &Module) -> Result<(), Diagnostics> {
    let Some(nr) = &m.net_receive else {
        return Ok(());
    };
    if nr.initial.is_some() {
        return Err(Diagnostic::error(
            nr.span,
            "an INITIAL block inside NET_RECEIVE is not supported by the Arbor back end",
        )
        .into());
    }
    if nr.args.len() > 1 {
        return Err(Diagnostic::error(
            nr.span,
            "NET_RECEIVE arguments after the weight (values kept per connection) are not \
             supported by the Arbor back end",
        )
        .with_note("Arbor passes only the weight to NET_RECEIVE and keeps no values per connection")
        .into());
    }
    for s in &m.block(nr.body).body {
        let mut bad = None;
        s.for_each_stmt(&mut |x| {
            if !matches!(x.kind, StmtKind::Assign { .. } | StmtKind::If { .. }) && bad.is_none() {
                bad = Some((x.span, derive::statement_name(&x.kind)));
            }
        });
        if let Some((span, what)) = bad {
            return Err(Diagnostic::error(
                span,
                format!("{what} in NET_RECEIVE is not supported by the Arbor back end"),
            )
            .into());
        }
    }
    Ok(())
}

/// The name of the NET_RECEIVE weight argument, if the mechanism has one.
pub fn weight_name(m: &Module) -> Option<&str> {
    let nr = m.net_receive.as_ref()?;
    nr.args.first().map(|&w| m.var(w).name.as_str())
}

/// The NET_RECEIVE block with the tangents of the states it changes, along every direction.
pub fn net_receive(
    m: &mut Module,
    dirs: &[Direction],
    dvs: &[DirVars],
    prefixes: &[String],
) -> Result<Option<String>, Diagnostics> {
    let Some(nr) = m.net_receive.clone() else {
        return Ok(None);
    };
    let weight = nr.args.first().copied();
    let mut seeds = derive::equation_seeds(m, dvs);
    for ((d, dv), t) in dirs.iter().zip(dvs).zip(seeds.iter_mut()) {
        // v does not move during an event; a direction along the weights seeds the weight.
        if let Some(v) = m.builtin(crate::ir::Builtin::V) {
            t.remove(&v);
        }
        let _ = dv;
        if let Some(w) = weight
            && d.mech == m.name
            && d.param == m.var(w).name
        {
            let e = m.exprs.var(w);
            t.insert(w, e);
        }
    }
    let body = m.block(nr.body).body.clone();
    let (mut stmts, ends) = derive::jvp_many(m, &body, seeds, prefixes)?;
    // The tangents of the states, and of the carried values the block assigns (zero where
    // the block leaves none: a value set to a constant).
    let written = crate::ir::assigned_vars(&body);
    for (dv, t) in dvs.iter().zip(&ends) {
        for &(x, sx) in &dv.sigma {
            let value = match t.get(&x) {
                None if written.contains(&x) => Some(m.exprs.num(0.0)),
                found => found.copied(),
            };
            if let Some(value) = value
                && (m.var(x).kind == VarKind::State || written.contains(&x))
            {
                stmts.push(crate::ir::Stmt {
                    kind: StmtKind::Assign { var: sx, value },
                    span: nr.span,
                });
            }
        }
    }
    let stmts = print::hoist_selects(m, stmts);
    print::check_exprs(m, &stmts)?;
    let args: Vec<String> = nr.args.iter().map(|&a| m.var(a).name.clone()).collect();
    let head = format!("NET_RECEIVE({})", args.join(", "));
    // The arguments are declared by the head, not as LOCALs.
    let mut text = print::block(m, &head, &[], &stmts);
    for a in &args {
        text = text.replace(&format!("LOCAL {a}, "), "LOCAL ");
        text = text.replace(&format!(", {a}\n"), "\n");
        text = text.replace(&format!(", {a},"), ",");
        text = text.replace(&format!("    LOCAL {a}\n"), "");
    }
    Ok(Some(text))
}
