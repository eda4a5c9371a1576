//! The forward kernels: `init` (INITIAL), `currents` (BREAKPOINT without its SOLVE), `states`
//! (the solved blocks) and `net_receive`.

use std::collections::HashSet;

use super::Body;
use super::body::{KernelWriter, Loader, Output};
use super::exec::{Env, Exec, Solves};
use super::layout::ion_binding;
use super::seq::Seq;
use super::{Sink, Source};
use crate::diag::Diagnostic;
use crate::ir::{IonRole, Module, StmtKind, VarId, VarKind};

/// The outputs every kernel has: each stored variable whose value changed, written back to its
/// field or (for concentrations and reversal potentials) to the ion arrays at the instance's CV.
/// Currents are not stored here; the current kernel accumulates them.
pub fn stores(
    kw: &KernelWriter,
    ar: &mut crate::ir::ExprArena,
    env: &Env,
    body_flags: &mut Body,
) -> Vec<Output> {
    let mut out: Vec<Output> = Vec::new();
    for (&v, &value) in &env.values {
        if value == ar.var(v) {
            continue;
        }
        match kw.m.var(v).kind {
            VarKind::Parameter | VarKind::State | VarKind::Assigned => {
                let field = kw.layout.field_of[&v];
                match ion_binding(kw.m, v) {
                    Some((ion, role, _, true)) => {
                        body_flags.uses_cv = true;
                        body_flags.ion_slots.insert(ion);
                        out.push((value, false, Sink::FieldAndIon(field, ion, role)));
                    }
                    _ => out.push((value, false, Sink::Field(field))),
                }
            }
            VarKind::Ion {
                ion,
                role:
                    role @ (IonRole::ConcIn | IonRole::ConcOut | IonRole::ConcDiff | IonRole::Reversal),
            } => {
                body_flags.uses_cv = true;
                body_flags.ion_slots.insert(ion.index());
                out.push((value, false, Sink::Ion(ion.index(), role)));
            }
            _ => {}
        }
    }
    out
}

/// Merges flags found while listing outputs into a body built afterwards.
pub fn merge(mut body: Body, flags: Body) -> Body {
    body.uses_cv |= flags.uses_cv;
    body.uses_weight |= flags.uses_weight;
    body.ion_slots.extend(flags.ion_slots);
    body
}

/// The starting values of INITIAL: every state from its declared start value (0 by default),
/// as NEURON resets states before running INITIAL; a state that is an ion concentration the
/// mechanism reads starts from the ion's value.
pub fn initial_env(m: &Module, ex: &mut Exec) -> Env {
    let mut env = Env::default();
    for s in m.states() {
        if matches!(ion_binding(m, s), Some((_, _, true, _))) {
            continue;
        }
        let x = ex.ar.num(m.var(s).value.unwrap_or(0.0));
        env.values.insert(s, x);
    }
    env
}

/// `init`: INITIAL over every instance.
pub fn init(kw: &KernelWriter, ex: &mut Exec) -> Body {
    let m = kw.m;
    let mut env = initial_env(m, ex);
    let seq = match m.initial {
        Some(b) => ex.run_block(&m.block(b).body, &mut env, Solves::Inline),
        None => None,
    };
    // Every state is stored: those INITIAL leaves alone at their start values.
    let mut flags = Body::default();
    let outputs = stores(kw, &mut ex.ar, &env, &mut flags);
    finish(kw, ex, seq, outputs, flags, &|_| None)
}

/// The body of `outputs`, after the items of `seq` where the block was sequential.
pub fn finish(
    kw: &KernelWriter,
    ex: &mut Exec,
    seq: Option<Seq>,
    outputs: Vec<Output>,
    flags: Body,
    load: Loader,
) -> Body {
    let body = match seq {
        Some(seq) => kw.body_seq(&mut ex.ar, seq, outputs, load, &|_| false),
        None => kw.body(&mut ex.ar, outputs, load, &|_| false, &HashSet::new()),
    };
    merge(body, flags)
}

/// `currents`: BREAKPOINT without its SOLVE, accumulating currents and conductances.
pub fn currents(kw: &KernelWriter, ex: &mut Exec) -> Body {
    let m = kw.m;
    let mut env = Env::default();
    let seq = match m.breakpoint {
        Some(b) => ex.run_block(&m.block(b).body, &mut env, Solves::Skip),
        None => None,
    };
    let mut flags = Body::default();
    let mut outputs = stores(kw, &mut ex.ar, &env, &mut flags);
    for (value, sink) in current_sinks(kw, &mut flags, false) {
        let x = env.get(&mut ex.ar, value);
        outputs.push((x, false, sink));
    }
    finish(kw, ex, seq, outputs, flags, &|_| None)
}

/// The accumulations of the currents and conductances a mechanism writes: `(variable, sink)`,
/// into the context's `i`, `g` and ion arrays, or (with `tangent`) into the tangent
/// accumulators `di`, `dg` and the ion current tangents.
pub fn current_sinks(kw: &KernelWriter, flags: &mut Body, tangent: bool) -> Vec<(VarId, Sink)> {
    let m = kw.m;
    let mut out: Vec<(VarId, Sink)> = Vec::new();
    let negate = m.electrode_current;
    flags.uses_cv = true;
    flags.uses_weight = true;
    let ion_of = |c: VarId| match m.var(c).kind {
        VarKind::Ion {
            ion,
            role: IonRole::Current,
        } => Some(ion.index()),
        _ => None,
    };
    for &c in &m.nonspecific {
        out.push((c, Sink::Current { tangent, negate }));
    }
    for ion in &m.ions {
        for &c in &ion.write {
            let Some(slot) = ion_of(c) else { continue };
            flags.ion_slots.insert(slot);
            out.push((c, Sink::IonCurrent { tangent, ion: slot }));
        }
    }
    for &(c, gv) in &m.conductances {
        let sink = match ion_of(c) {
            Some(slot) if !tangent => Sink::Conductance {
                tangent,
                negate: false,
                ion: Some(slot),
            },
            Some(_) => Sink::Conductance {
                tangent,
                negate: false,
                ion: None,
            },
            None => Sink::Conductance {
                tangent,
                negate,
                ion: None,
            },
        };
        out.push((gv, sink));
    }
    out
}

/// The statements of the blocks BREAKPOINT solves, in order, as one block.
pub fn solved_body(m: &Module, ex: &mut Exec) -> Vec<crate::ir::Stmt> {
    let mut out = Vec::new();
    let Some(bp) = m.breakpoint else {
        return out;
    };
    for s in &m.block(bp).body {
        s.for_each_stmt(&mut |s| {
            if let StmtKind::Solve { .. } = s.kind {
                out.push(s.clone());
            }
        });
    }
    for s in &m.block(bp).body {
        if let StmtKind::If { .. } | StmtKind::While { .. } = s.kind {
            let mut nested = false;
            s.for_each_stmt(&mut |t| nested |= matches!(t.kind, StmtKind::Solve { .. }));
            if nested {
                ex.diags.push(
                    Diagnostic::error(s.span, "unsupported construct: SOLVE inside if or while")
                        .with_label("SOLVE inside if or while is not supported")
                        .with_note("the states are advanced once per step, whatever the condition"),
                );
            }
        }
    }
    out
}

/// `states`: the blocks BREAKPOINT solves.
pub fn states(kw: &KernelWriter, ex: &mut Exec) -> Body {
    let m = kw.m;
    let solves = solved_body(m, ex);
    let mut env = Env::default();
    let seq = ex.run_block(&solves, &mut env, Solves::Inline);
    let mut flags = Body::default();
    let outputs = stores(kw, &mut ex.ar, &env, &mut flags);
    finish(kw, ex, seq, outputs, flags, &|_| None)
}

/// `net_receive`: the NET_RECEIVE body for one instance. Returns `None` without NET_RECEIVE.
pub fn net_receive(kw: &KernelWriter, ex: &mut Exec) -> Option<Body> {
    let m = kw.m;
    let nr = m.net_receive.as_ref()?;
    if let Some(b) = nr.initial {
        ex.diags.push(
            Diagnostic::error(
                m.block(b).span,
                "unsupported construct: INITIAL inside NET_RECEIVE",
            )
            .with_label("INITIAL inside NET_RECEIVE is not supported")
            .with_note("the runtime keeps no values per connection"),
        );
    }
    if nr.args.len() > 1 {
        ex.diags.push(
            Diagnostic::error(nr.span, "unsupported construct: NET_RECEIVE arguments after the weight")
                .with_label("NET_RECEIVE arguments after the weight are not supported")
                .with_note("the runtime passes only the weight to NET_RECEIVE and keeps no values per connection"),
        );
    }
    let mut env = Env::default();
    let seq = ex.run_block(&m.block(nr.body).body, &mut env, Solves::Inline);
    let mut flags = Body::default();
    let outputs = stores(kw, &mut ex.ar, &env, &mut flags);
    let weight = nr.args.first().copied();
    let flag = nr.flag;
    let load = move |v: VarId| {
        if Some(v) == weight {
            Some(Source::Weight)
        } else if v == flag {
            Some(Source::Flag)
        } else {
            None
        }
    };
    Some(finish(kw, ex, seq, outputs, flags, &load))
}
