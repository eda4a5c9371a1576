//! The forward kernels: `init` (INITIAL), `currents` (BREAKPOINT without its SOLVE), `states`
//! (the solved blocks) and `net_receive`.

use proc_macro2::TokenStream;
use quote::quote;

use super::exec::{Env, Exec, Solves};
use super::kernel::{Body, KernelWriter, Output, Sink};
use super::layout::{ion_array, ion_binding};
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
                let id = kw.layout.ident(v);
                match ion_binding(kw.m, v) {
                    Some((ion, role, _, true)) => {
                        body_flags.uses_cv = true;
                        body_flags.ion_slots.insert(ion);
                        let slot = kw.slot_ident(ion);
                        let array = ion_array(role);
                        out.push((
                            value,
                            false,
                            Box::new(move |x, _| {
                                quote!({ let acc = #x; self.#id[j] = acc; ctx.ions[#slot].#array[cv] = acc; })
                            }),
                        ));
                    }
                    _ => out.push((
                        value,
                        false,
                        Box::new(move |x, _| quote!(self.#id[j] = #x;)),
                    )),
                }
            }
            VarKind::Ion {
                ion,
                role: role @ (IonRole::ConcIn | IonRole::ConcOut | IonRole::Reversal),
            } => {
                body_flags.uses_cv = true;
                body_flags.ion_slots.insert(ion.index());
                let slot = kw.slot_ident(ion.index());
                let array = ion_array(role);
                out.push((
                    value,
                    false,
                    Box::new(move |x, _| quote!(ctx.ions[#slot].#array[cv] = #x;)),
                ));
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

/// `fn init`.
pub fn init(kw: &KernelWriter, ex: &mut Exec) -> (TokenStream, Body) {
    let m = kw.m;
    let mut env = initial_env(m, ex);
    if let Some(b) = m.initial {
        ex.run(&m.block(b).body, &mut env, Solves::Inline);
    }
    // Every state is stored: those INITIAL leaves alone at their start values.
    let mut flags = Body::default();
    let outputs = stores(kw, &mut ex.ar, &env, &mut flags);
    finish(kw, ex, outputs, flags)
}

fn finish(
    kw: &KernelWriter,
    ex: &mut Exec,
    outputs: Vec<Output>,
    flags: Body,
) -> (TokenStream, Body) {
    let body = kw.body(&mut ex.ar, outputs, &|_| None, &|_| false);
    let body = merge(body, flags);
    (kw.instance_loop(&body, None), body)
}

/// `fn currents`: BREAKPOINT without its SOLVE, accumulating currents and conductances.
pub fn currents(kw: &KernelWriter, ex: &mut Exec) -> (TokenStream, Body) {
    let m = kw.m;
    let mut env = Env::default();
    if let Some(b) = m.breakpoint {
        ex.run(&m.block(b).body, &mut env, Solves::Skip);
    }
    let mut flags = Body::default();
    let mut outputs = stores(kw, &mut ex.ar, &env, &mut flags);
    for (value, sink) in current_sinks(kw, &mut flags, false) {
        let x = env.get(&mut ex.ar, value);
        outputs.push((x, false, sink));
    }
    finish(kw, ex, outputs, flags)
}

/// The accumulations of the currents and conductances a mechanism writes: `(variable, sink)`,
/// into the context's `i`, `g` and ion arrays, or (with `tangent`) into the tangent
/// accumulators `di`, `dg` and the ion current tangents at `idx`.
pub fn current_sinks(kw: &KernelWriter, flags: &mut Body, tangent: bool) -> Vec<(VarId, Sink)> {
    let m = kw.m;
    let mut out: Vec<(VarId, Sink)> = Vec::new();
    let sign = if m.electrode_current {
        quote!(-=)
    } else {
        quote!(+=)
    };
    let (i, g) = if tangent {
        (quote!(tan.di[idx]), quote!(tan.dg[idx]))
    } else {
        (quote!(ctx.i[cv]), quote!(ctx.g[cv]))
    };
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
        let (i, sign) = (i.clone(), sign.clone());
        out.push((c, Box::new(move |_, x| quote!(#i #sign w * #x;))));
    }
    for ion in &m.ions {
        for &c in &ion.write {
            let Some(slot) = ion_of(c) else { continue };
            flags.ion_slots.insert(slot);
            let s = kw.slot_ident(slot);
            let i = i.clone();
            let ion_i = if tangent {
                quote!(tan.ions[#s].current[idx])
            } else {
                quote!(ctx.ions[#s].current[cv])
            };
            out.push((
                c,
                Box::new(move |x, _| quote!({ let acc = #x; #i += w * acc; #ion_i += w * acc; })),
            ));
        }
    }
    for &(c, gv) in &m.conductances {
        let g = g.clone();
        match ion_of(c) {
            Some(slot) if !tangent => {
                let s = kw.slot_ident(slot);
                out.push((
                    gv,
                    Box::new(move |x, _| {
                        quote!({ let acc = #x; #g += w * acc; ctx.ions[#s].current_dv[cv] += w * acc; })
                    }),
                ));
            }
            Some(_) => out.push((gv, Box::new(move |_, x| quote!(#g += w * #x;)))),
            None => {
                let sign = sign.clone();
                out.push((gv, Box::new(move |_, x| quote!(#g #sign w * #x;))));
            }
        }
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
                ex.diags.push(Diagnostic::error(
                    s.span,
                    "the Rust back end does not support a SOLVE inside if or while yet",
                ));
            }
        }
    }
    out
}

/// `fn states`: the blocks BREAKPOINT solves.
pub fn states(kw: &KernelWriter, ex: &mut Exec) -> (TokenStream, Body) {
    let m = kw.m;
    let solves = solved_body(m, ex);
    let mut env = Env::default();
    ex.run(&solves, &mut env, Solves::Inline);
    let mut flags = Body::default();
    let outputs = stores(kw, &mut ex.ar, &env, &mut flags);
    finish(kw, ex, outputs, flags)
}

/// `fn net_receive`: the NET_RECEIVE body for one instance. Returns `None` without NET_RECEIVE.
pub fn net_receive(kw: &KernelWriter, ex: &mut Exec) -> Option<TokenStream> {
    let m = kw.m;
    let nr = m.net_receive.as_ref()?;
    if let Some(b) = nr.initial {
        ex.diags.push(Diagnostic::error(
            m.block(b).span,
            "the Rust back end does not support an INITIAL block inside NET_RECEIVE yet",
        ));
    }
    if nr.args.len() > 1 {
        ex.diags.push(
            Diagnostic::error(
                nr.span,
                "the runtime passes only the weight to NET_RECEIVE; further arguments are not supported yet",
            ),
        );
    }
    let mut env = Env::default();
    ex.run(&m.block(nr.body).body, &mut env, Solves::Inline);
    let mut flags = Body::default();
    let outputs = stores(kw, &mut ex.ar, &env, &mut flags);
    let weight = nr.args.first().copied();
    let flag = nr.flag;
    let load = move |v: VarId| {
        if Some(v) == weight {
            Some(quote!(weight))
        } else if v == flag {
            Some(quote!(0.0))
        } else {
            None
        }
    };
    let body = merge(kw.body(&mut ex.ar, outputs, &load, &|_| false), flags);
    Some(single_instance(&body, kw))
}

/// A body for the one instance `instance` (event delivery).
pub fn single_instance(body: &Body, kw: &KernelWriter) -> TokenStream {
    let slots = body.ion_slots.iter().map(|&i| {
        let id = kw.slot_ident(i);
        quote!(let #id = ctx.ion_slots[#i];)
    });
    let cv = if body.uses_cv {
        quote!(let cv = self.node[j];)
    } else {
        TokenStream::new()
    };
    let (pre, outer, inner) = (&body.pre, &body.outer, &body.inner);
    quote! {
        #(#slots)*
        #pre
        let j = instance;
        #cv
        #outer
        #inner
    }
}
