//! The forward kernels: `init` (INITIAL), `currents` (BREAKPOINT without its SOLVE), `states`
//! (the solved blocks), `net_receive` and the BEFORE and AFTER blocks.

use std::collections::HashSet;

use super::Body;
use super::body::{KernelWriter, Loader, Output};
use super::exec::EmitKind;
use super::exec::{Env, Exec, Solves};
use super::layout::ion_binding;
use super::seq::Seq;
use super::{Sink, Source};
use crate::diag::Diagnostic;
use crate::ir::{
    BaPoint, BinOp, Builtin, Expr, ExprArena, ExprId, IonRole, Module, StmtKind, VarId, VarKind,
};

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
    let mut outputs = stores(kw, &mut ex.ar, &env, &mut flags);
    outputs.extend(emit_stores(ex));
    finish(kw, ex, seq, outputs, flags, &|_| None)
}

/// The stores of the event statements the last block ran ([`Sink::Emit`]), which it takes.
fn emit_stores(ex: &mut Exec) -> Vec<Output> {
    let emits = std::mem::take(&mut ex.emits);
    ex.emitted = emits.len();
    let mut out = Vec::with_capacity(3 * emits.len());
    for (i, e) in emits.iter().enumerate() {
        let mut code = ex.ar.num(e.kind as u8 as f64);
        if let Some(above) = e.above {
            // WATCH: 5 where the condition already holds when armed, else 4.
            let zero = ex.ar.num(0.0);
            let holds = ex.ar.binary(BinOp::Gt, above, zero);
            let five = ex.ar.num(EmitKind::Watch as u8 as f64 + 1.0);
            code = ex.ar.select(holds, five, code);
        }
        let kind = match e.cond {
            None => code,
            Some(c) => {
                let zero = ex.ar.num(0.0);
                ex.ar.select(c, code, zero)
            }
        };
        out.push((kind, false, Sink::Emit(3 * i)));
        out.push((e.a, false, Sink::Emit(3 * i + 1)));
        out.push((e.b, false, Sink::Emit(3 * i + 2)));
    }
    out
}

/// Rejects the event statements of a block that cannot send events (they were run last).
pub fn no_emits(ex: &mut Exec, block: &str) {
    for e in std::mem::take(&mut ex.emits) {
        let what = e.kind.name();
        ex.diags.push(
            Diagnostic::error(e.span, format!("unsupported construct: {what} in {block}"))
                .with_label("only INITIAL and NET_RECEIVE send events")
                .with_note("NEURON sends events from INITIAL and NET_RECEIVE (WATCH: NET_RECEIVE)"),
        );
    }
}

/// Rejects the WATCH statements of INITIAL (they were run last): NEURON arms conditions only
/// from NET_RECEIVE.
fn no_watches(ex: &mut Exec) {
    for e in ex.emits.iter().filter(|e| e.kind == EmitKind::Watch) {
        ex.diags.push(
            Diagnostic::error(e.span, "unsupported construct: WATCH in INITIAL")
                .with_label("WATCH is armed from NET_RECEIVE")
                .with_note(
                    "NEURON allows WATCH only in NET_RECEIVE; INITIAL can send a self-event \
                     (`net_send(0, flag)`) whose NET_RECEIVE arms it",
                ),
        );
    }
}

/// `watch`: the value of every WATCH condition of every instance, positive where it holds,
/// stored in the instance's event requests (entry i for condition i of [`Exec::watches`]);
/// the runtime evaluates it after each step for the instances with armed conditions. `None`
/// without WATCH. A condition reads the instance's variables and the node's v as NEURON's
/// does (NET_RECEIVE's copy of v is the node's v here); it may not read the block's
/// arguments, its flag or its locals.
pub fn watch(kw: &KernelWriter, ex: &mut Exec) -> Option<Body> {
    let m = kw.m;
    if ex.watches.is_empty() {
        return None;
    }
    let mut env = Env::default();
    if let (Some(copy), Some(v)) = (m.voltage, m.builtin(Builtin::V)) {
        let node_v = ex.ar.var(v);
        env.values.insert(copy, node_v);
    }
    let mut outputs = Vec::new();
    for (i, w) in ex.watches.clone().into_iter().enumerate() {
        let value = ex.substitute(w.value, &env);
        let bad = ex
            .ar
            .reachable(&[value])
            .into_iter()
            .find_map(|e| match ex.ar.get(e) {
                Expr::Var(x) if event_load(m, x).is_some() || m.var(x).kind == VarKind::Local => {
                    Some(x)
                }
                _ => None,
            });
        if let Some(x) = bad {
            let name = &m.var(x).name;
            ex.diags.push(
                Diagnostic::error(w.span, format!("unsupported construct: WATCH condition reading `{name}`"))
                    .with_label(format!("`{name}` is not a variable of the instance"))
                    .with_note("the condition is tested after each step, outside NET_RECEIVE: it may read the instance's variables and v"),
            );
            continue;
        }
        outputs.push((value, false, Sink::Emit(i)));
    }
    Some(finish(kw, ex, None, outputs, Body::default(), &|_| None))
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
    outputs.extend(current_sinks(
        kw,
        &mut ex.ar,
        &mut flags,
        false,
        &mut |ar, c| Some(env.get(ar, c)),
    ));
    finish(kw, ex, seq, outputs, flags, &|_| None)
}

/// The accumulations of the currents and conductances a mechanism writes, as kernel outputs:
/// into the context's `i`, `g` and ion arrays, or (with `tangent`) into the tangent
/// accumulators `di`, `dg` and the ion current tangents. `value` gives each current's or
/// conductance's value (its tangent, with `tangent`), or `None` where it has none.
///
/// Each accumulator is written once per instance: the membrane current is the sum of the
/// mechanism's currents (nonspecific and ionic) added in one step, as is the conductance, and
/// each ion's current and `current_dv` get their own term. (Adding the terms one by one would be a
/// chain of read-modify-writes of the same element, the dearest part of a tangent kernel.) An
/// ELECTRODE_CURRENT's nonspecific terms are subtracted, in a sum of their own.
pub fn current_sinks(
    kw: &KernelWriter,
    ar: &mut ExprArena,
    flags: &mut Body,
    tangent: bool,
    value: &mut dyn FnMut(&mut ExprArena, VarId) -> Option<ExprId>,
) -> Vec<Output> {
    let m = kw.m;
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
    // Sums of the terms of the membrane current and conductance, subtracted or added.
    let mut sums: [[Option<ExprId>; 2]; 2] = [[None; 2]; 2];
    let add = |ar: &mut ExprArena, sum: &mut Option<ExprId>, x: ExprId| {
        *sum = Some(match *sum {
            None => x,
            Some(s) => ar.binary(BinOp::Add, s, x),
        });
    };
    let mut out: Vec<Output> = Vec::new();
    for &c in &m.nonspecific {
        if let Some(x) = value(ar, c) {
            add(ar, &mut sums[0][usize::from(negate)], x);
        }
    }
    for ion in &m.ions {
        for &c in &ion.write {
            let Some(slot) = ion_of(c) else { continue };
            flags.ion_slots.insert(slot);
            let Some(x) = value(ar, c) else { continue };
            add(ar, &mut sums[0][0], x);
            out.push((x, tangent, Sink::IonCurrent { tangent, ion: slot }));
        }
    }
    for &(c, gv) in &m.conductances {
        let Some(x) = value(ar, gv) else { continue };
        match ion_of(c) {
            Some(slot) => {
                add(ar, &mut sums[1][0], x);
                if !tangent {
                    out.push((x, false, Sink::IonConductance(slot)));
                }
            }
            None => add(ar, &mut sums[1][usize::from(negate)], x),
        }
    }
    for (kind, pair) in sums.into_iter().enumerate() {
        for (negate, sum) in pair.into_iter().enumerate() {
            let Some(x) = sum else { continue };
            let negate = negate == 1;
            let sink = if kind == 0 {
                Sink::Current { tangent, negate }
            } else {
                Sink::Conductance { tangent, negate }
            };
            out.push((x, tangent, sink));
        }
    }
    out
}

/// The statements of the blocks BREAKPOINT solves, in order, as one block (lowering has moved
/// every SOLVE of BREAKPOINT to its top level, as NEURON runs them: `lower/hoist_solves.rs`).
pub fn solved_body(m: &Module) -> Vec<crate::ir::Stmt> {
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
    out
}

/// `states`: the blocks BREAKPOINT solves.
pub fn states(kw: &KernelWriter, ex: &mut Exec) -> Body {
    let m = kw.m;
    let solves = solved_body(m);
    let mut env = Env::default();
    let seq = ex.run_block(&solves, &mut env, Solves::Inline);
    let mut flags = Body::default();
    let outputs = stores(kw, &mut ex.ar, &env, &mut flags);
    finish(kw, ex, seq, outputs, flags, &|_| None)
}

/// `net_receive`: the NET_RECEIVE body for one instance. Returns `None` without NET_RECEIVE.
/// Its arguments are the values of the event's connection: read from and stored back to it.
pub fn net_receive(kw: &KernelWriter, ex: &mut Exec) -> Option<Body> {
    let m = kw.m;
    let nr = m.net_receive.as_ref()?;
    let mut env = Env::default();
    let seq = ex.run_block(&m.block(nr.body).body, &mut env, Solves::Inline);
    Some(event_body(kw, ex, seq, &env))
}

/// The BEFORE and AFTER blocks, each for one instance (the runtime calls them one instance at a
/// time, so that writes through POINTERs reach their targets in instance order, as NEURON's
/// do): the fields they change, POINTERs included, which the runtime copies into their targets
/// after the call. They send no events.
pub fn ba(kw: &KernelWriter, ex: &mut Exec) -> Vec<(BaPoint, Body)> {
    let m = kw.m;
    let mut out = Vec::new();
    for &(point, block) in &m.ba {
        let mut env = Env::default();
        let seq = ex.run_block(&m.block(block).body, &mut env, Solves::Inline);
        no_emits(ex, point.keyword());
        let mut flags = Body::default();
        let outputs = stores(kw, &mut ex.ar, &env, &mut flags);
        out.push((point, finish(kw, ex, seq, outputs, flags, &|_| None)));
    }
    out
}

/// Rejects the WATCH statements INITIAL ran; called after `init`.
pub fn init_checks(ex: &mut Exec) {
    no_watches(ex);
}

/// `net_init`: the INITIAL block nested in NET_RECEIVE, for one connection; `None` without it.
pub fn net_init(kw: &KernelWriter, ex: &mut Exec) -> Option<Body> {
    let m = kw.m;
    let block = m.net_receive.as_ref()?.initial?;
    let mut env = Env::default();
    let seq = ex.run_block(&m.block(block).body, &mut env, Solves::Inline);
    no_emits(ex, "the INITIAL nested in NET_RECEIVE");
    Some(event_body(kw, ex, seq, &env))
}

/// The body of NET_RECEIVE's FOR_NETCONS, for one connection; `None` without it.
pub fn for_netcons(kw: &KernelWriter, ex: &mut Exec) -> Option<Body> {
    let m = kw.m;
    let block = m.net_receive.as_ref()?.for_netcons?;
    let mut env = Env::default();
    let seq = ex.run_block(&m.block(block).body, &mut env, Solves::Inline);
    no_emits(ex, "FOR_NETCONS");
    Some(event_body(kw, ex, seq, &env))
}

/// The body of a block run with a connection's values: the fields it changes and the
/// arguments it assigns, stored back to the connection.
fn event_body(kw: &KernelWriter, ex: &mut Exec, seq: Option<Seq>, env: &Env) -> Body {
    let mut flags = Body::default();
    let mut outputs = stores(kw, &mut ex.ar, env, &mut flags);
    outputs.extend(arg_stores(kw.m, &mut ex.ar, env, false));
    outputs.extend(emit_stores(ex));
    finish(kw, ex, seq, outputs, flags, &|v| event_load(kw.m, v))
}

/// How a block run for an event reads the NET_RECEIVE arguments and the flag.
pub fn event_load(m: &Module, v: VarId) -> Option<Source> {
    let nr = m.net_receive.as_ref()?;
    if let Some(i) = nr.args.iter().position(|&a| a == v) {
        Some(Source::Arg(i))
    } else if v == nr.flag {
        Some(Source::Flag)
    } else {
        None
    }
}

/// The stores of the NET_RECEIVE arguments `env` changed (or, with `tangent`, of their
/// tangents, given as the tangent variables' values).
pub fn arg_stores(
    m: &Module,
    ar: &mut crate::ir::ExprArena,
    env: &Env,
    tangent: bool,
) -> Vec<Output> {
    let mut out = Vec::new();
    let Some(nr) = m.net_receive.as_ref() else {
        return out;
    };
    for (i, &a) in nr.args.iter().enumerate() {
        let var = if tangent {
            match m.var_ids().find(|&t| m.var(t).kind == VarKind::Tangent(a)) {
                Some(t) => t,
                None => continue,
            }
        } else {
            a
        };
        let Some(&value) = env.values.get(&var) else {
            continue;
        };
        if value == ar.var(var) {
            continue;
        }
        let sink = if tangent {
            Sink::TanArg(i)
        } else {
            Sink::Arg(i)
        };
        out.push((value, tangent, sink));
    }
    out
}
