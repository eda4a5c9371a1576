//! What the Arbor back end does not translate, rejected by name at its place in the source.

use crate::diag::{Diagnostic, Diagnostics};
use crate::ir::{Builtin, MechKind, Module, SolveMethod, StmtKind, VarKind};

use super::{derive, events};

/// Rejects what the back end does not translate, by name and where it is.
pub(super) fn check_supported(m: &Module) -> Result<(), Diagnostics> {
    let here = |what: &str| {
        Diagnostic::error(
            m.span,
            format!(
                "{what} is not supported by the Arbor back end (mechanism `{}`)",
                m.name
            ),
        )
    };
    match m.kind {
        MechKind::Density => {}
        MechKind::Point => {}
        MechKind::Artificial => return Err(here("an ARTIFICIAL_CELL").into()),
    }
    if let Some(&p) = m.pointers.first() {
        return Err(Diagnostic::error(
            m.var(p).span,
            format!(
                "POINTER `{}` is not supported by the Arbor back end (mechanism `{}`): Arbor has \
                 no pointers into other mechanisms or locations",
                m.var(p).name,
                m.name
            ),
        )
        .into());
    }
    if m.post_event {
        return Err(here(
            "a POST_EVENT block (its tangents would have to be carried through Arbor's own \
             POST_EVENT, which the back end does not emit yet)",
        )
        .into());
    }
    if m.voltage_process {
        return Err(here(
            "a VOLTAGE_PROCESS (the tangent of the v it sets would have to replace dv/dθ, which \
             the emitted mechanisms carry in diffusive concentrations)",
        )
        .into());
    }
    if let Some(v) = m.voltage {
        return Err(Diagnostic::error(
            m.var(v).span,
            format!(
                "NET_RECEIVE of `{}` sets v, which the Arbor back end does not support: Arbor's \
                 NET_RECEIVE cannot write the membrane potential (a VOLTAGE_PROCESS would have to \
                 carry the reset and its tangent)",
                m.name
            ),
        )
        .into());
    }
    events::check_net_receive(m)?;
    if let Some(&(point, block)) = m.ba.first() {
        return Err(Diagnostic::error(
            m.block(block).span,
            format!(
                "unsupported construct: {} in the Arbor back end",
                point.keyword()
            ),
        )
        .with_label("Arbor has no BEFORE or AFTER blocks")
        .with_note("NEURON runs them at fixed points of its step; Arbor's step has no such hooks")
        .into());
    }
    if let Some(l) = m.longitudinal.first() {
        return Err(Diagnostic::error(
            l.span,
            format!(
                "LONGITUDINAL_DIFFUSION of `{}` is not supported by the Arbor back end (mechanism \
                 `{}`): Arbor diffuses ion concentrations only, not a mechanism's states",
                m.var(l.species).name,
                m.name
            ),
        )
        .into());
    }
    // A diffusive concentration of the mechanism's own (Arbor's `Xd`, a STATE once it has a
    // derivative): the emitted mechanisms carry dv/dθ in diffusive concentrations, and the
    // tangents through a mechanism's own are not derived.
    for ion in &m.ions {
        if let Some(&v) = ion
            .read
            .iter()
            .chain(&ion.write)
            .find(|&&v| m.var(v).name == format!("{}d", ion.species))
        {
            return Err(Diagnostic::error(
                m.var(v).span,
                format!(
                    "the diffusive concentration `{}` is not supported by the Arbor back end \
                     (mechanism `{}`): the tangents through it are not derived",
                    m.var(v).name,
                    m.name
                ),
            )
            .into());
        }
    }
    for v in &m.vars {
        if let VarKind::Random(d) = v.kind {
            let what = if d.dist == crate::ir::Dist::WhiteNoise {
                "WHITE_NOISE (the tangents of Arbor's METHOD stochastic are not derived yet)"
            } else {
                "a random function (Arbor's NMODL has only WHITE_NOISE)"
            };
            return Err(Diagnostic::error(
                v.span,
                format!(
                    "`{}`: {what} is not supported by the Arbor back end (mechanism `{}`)",
                    v.name, m.name
                ),
            )
            .into());
        }
        if v.kind == VarKind::Builtin(Builtin::T) {
            return Err(Diagnostic::error(
                v.span,
                "`t` is not available to Arbor mechanisms (Arbor has no time variable; it \
                 exposes v, dt, area, diam and celsius)",
            )
            .into());
        }
        // The emitted code reads Arbor's own `dt` and `area`, which a variable of the
        // mechanism's own would hide.
        if matches!(v.name.as_str(), "dt" | "area") && !matches!(v.kind, VarKind::Builtin(_)) {
            return Err(Diagnostic::error(
                v.span,
                format!(
                    "a variable named `{}` is not supported by the Arbor back end (mechanism \
                     `{}`): the name is Arbor's builtin",
                    v.name, m.name
                ),
            )
            .into());
        }
    }
    let mut steady_solves = 0;
    // The SOLVEs in BREAKPOINT: a PROCEDURE is accepted only as the one SOLVE there.
    let mut bp_solves = 0;
    if let Some(bp) = m.breakpoint {
        for s in &m.block(bp).body {
            s.for_each_stmt(&mut |x| {
                bp_solves += matches!(x.kind, StmtKind::Solve { .. }) as usize
            });
        }
    }
    for id in [m.initial, m.breakpoint].into_iter().flatten() {
        for s in &m.block(id).body {
            let mut bad: Option<(crate::diag::Span, String)> = None;
            s.for_each_stmt(&mut |x| match &x.kind {
                StmtKind::Solve { block, method } => {
                    use crate::ir::BlockKind;
                    let kind = m.block(*block).kind;
                    let in_breakpoint = Some(id) == m.breakpoint;
                    let scheme = matches!(kind, BlockKind::Derivative | BlockKind::Kinetic);
                    let ok = match method {
                        SolveMethod::Cnexp | SolveMethod::Derivimplicit | SolveMethod::Euler => {
                            in_breakpoint && kind == BlockKind::Derivative
                        }
                        SolveMethod::Sparse => in_breakpoint && scheme,
                        // One steady state, at INITIAL's top level.
                        SolveMethod::SteadyStateSparse => {
                            steady_solves += 1;
                            !in_breakpoint && scheme && std::ptr::eq(x, s) && steady_solves == 1
                        }
                        // A PROCEDURE: in BREAKPOINT, explicit updates of the states once a
                        // step after the voltage solve, which a DERIVATIVE block without ODEs
                        // does in Arbor; in INITIAL, a call.
                        SolveMethod::Direct => {
                            kind == BlockKind::Procedure && (!in_breakpoint || bp_solves == 1)
                        }
                        _ => false,
                    };
                    if !ok && bad.is_none() {
                        bad = Some((
                            x.span,
                            format!(
                                "{}{} is not supported by the Arbor back end (only a DERIVATIVE \
                                 block solved from BREAKPOINT with cnexp, derivimplicit or euler, \
                                 a KINETIC or DERIVATIVE block solved from BREAKPOINT with \
                                 sparse, a PROCEDURE solved from INITIAL or as the one SOLVE of \
                                 BREAKPOINT, and one STEADYSTATE sparse at the top level of \
                                 INITIAL are)",
                                format!("SOLVE {} {}", m.block(*block).name, method.nmodl())
                                    .trim_end(),
                                match kind {
                                    BlockKind::Linear => " of a LINEAR block",
                                    BlockKind::NonLinear => " of a NONLINEAR block",
                                    _ => "",
                                },
                            ),
                        ));
                    }
                }
                StmtKind::Assign { .. } | StmtKind::If { .. } => {}
                other => {
                    if bad.is_none() {
                        bad = Some((
                            x.span,
                            format!(
                                "{} is not supported by the Arbor back end",
                                derive::statement_name(other)
                            ),
                        ))
                    }
                }
            });
            if let Some((span, msg)) = bad {
                return Err(Diagnostic::error(span, msg).into());
            }
        }
    }
    // What Arbor's dialect cannot say, though the back end could write it. (Several
    // NONSPECIFIC_CURRENTs and assigned PARAMETERs are rewritten: see `rewrite`.)
    if let Some(&c) = m
        .nonspecific
        .iter()
        .find(|&&c| m.var(c).kind == VarKind::State)
    {
        return Err(Diagnostic::error(
            m.var(c).span,
            format!(
                "a NONSPECIFIC_CURRENT that is a STATE (`{}`) is not supported by the Arbor back \
                 end (mechanism `{}`): Arbor computes a current in BREAKPOINT",
                m.var(c).name,
                m.name
            ),
        )
        .into());
    }
    // An array whose every element is indexed by a constant (after FROM loops with constant
    // bounds are unrolled) is a set of scalars (see `rewrite::scalar_elements`); one indexed at
    // run time is rejected.
    let mut indexed = None;
    for b in &m.blocks {
        for s in &b.body {
            s.for_each_stmt(&mut |x| match x.kind {
                StmtKind::GetElement { array, .. } | StmtKind::SetElement { array, .. } => {
                    indexed = indexed.or(Some((array, x.span)))
                }
                _ => {}
            });
        }
    }
    if let Some((a, span)) = indexed {
        return Err(Diagnostic::error(
            span,
            format!(
                "the array `{}`, indexed at run time, is not supported by the Arbor back end \
                 (mechanism `{}`): Arbor's NMODL has no arrays",
                m.array(a).name,
                m.name
            ),
        )
        .into());
    }
    Ok(())
}
