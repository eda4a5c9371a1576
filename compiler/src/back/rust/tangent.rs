//! The tangent kernels (DESIGN.md, steps 1'-3'), from the module's [`TangentMaps`]:
//! `init_tangent`, `currents_tangent`, the fused `states_tangent` (it also advances the states)
//! and `net_receive_tangent`.
//!
//! Each runs its tangent block once per instance: the primal part (rates, exponentials) once,
//! outside the loop over directions k, and the tangent part once per direction, reading the
//! input tangents (S_k for v, σ_k for states, the seed for parameters, the runtime's ion
//! tangents, d(weight), the stored tangents of carried ASSIGNED variables) and writing the
//! output tangents.
//!
//! [`TangentMaps`]: crate::ir::TangentMaps

use std::collections::{HashMap, HashSet};

use proc_macro2::{Literal, TokenStream, TokenTree};
use quote::quote;

use super::exec::{Env, Exec, Solves};
use super::kernel::{Body, KernelWriter, Output};
use super::layout::{ion_array, ion_binding};
use super::primal::{current_sinks, initial_env, merge, stores};
use crate::ir::{BlockId, Builtin, IonRole, StmtKind, TangentMaps, VarId, VarKind};

/// Writes the tangent kernels of one module.
pub struct TangentWriter<'a> {
    kw: &'a KernelWriter<'a>,
    maps: &'a TangentMaps,
    /// The tangent variable of each primal input or output.
    tangent_of: HashMap<VarId, VarId>,
    /// The parameters that get seeds; the others are constants to the tangent kernels.
    seeded: HashSet<VarId>,
    /// Whether the kernel being written is INITIAL's, where carried parameters read their seeds.
    in_init: std::cell::Cell<bool>,
}

/// Element (k, `pos`, j) of `array`, laid out `[k][row][instance]` with `rows` rows and `ni`
/// instances, written without the factors that are one or zero.
fn strided(array: TokenStream, rows: usize, pos: usize) -> TokenStream {
    let n = Literal::usize_unsuffixed(rows);
    match pos {
        0 if rows == 1 => quote!(#array[k * ni + j]),
        0 => quote!(#array[k * #n * ni + j]),
        pos => {
            let pos = Literal::usize_unsuffixed(pos);
            quote!(#array[(k * #n + #pos) * ni + j])
        }
    }
}

/// Whether `ts` mentions the identifier `name` anywhere.
pub fn mentions(ts: &TokenStream, name: &str) -> bool {
    ts.clone().into_iter().any(|t| match t {
        TokenTree::Ident(i) => i == name,
        TokenTree::Group(g) => mentions(&g.stream(), name),
        _ => false,
    })
}

impl<'a> TangentWriter<'a> {
    /// A writer for `maps`, seeding the parameters in `seeded`.
    pub fn new(kw: &'a KernelWriter<'a>, maps: &'a TangentMaps, seeded: HashSet<VarId>) -> Self {
        let tangent_of = maps
            .inputs
            .iter()
            .chain(&maps.outputs)
            .map(|&(p, t)| (p, t))
            .collect();
        TangentWriter {
            kw,
            maps,
            tangent_of,
            seeded,
            in_init: std::cell::Cell::new(false),
        }
    }

    fn is_tangent(&self, v: VarId) -> bool {
        matches!(self.kw.m.var(v).kind, VarKind::Tangent(_))
    }

    /// How an input tangent is read in direction k, for instance j at CV cv.
    fn load(&self, v: VarId, flags: &mut Body) -> Option<TokenStream> {
        let m = self.kw.m;
        let weight = m
            .net_receive
            .as_ref()
            .and_then(|nr| nr.args.first().copied());
        if let Some(nr) = &m.net_receive {
            if Some(v) == weight {
                return Some(quote!(weight));
            }
            if v == nr.flag {
                return Some(quote!(0.0));
            }
        }
        let VarKind::Tangent(p) = m.var(v).kind else {
            return None;
        };
        Some(match m.var(p).kind {
            VarKind::Builtin(Builtin::V) => {
                flags.uses_cv = true;
                quote!(tan.s[idx])
            }
            VarKind::State => self.sigma(p),
            VarKind::Assigned if self.maps.carried.contains(&p) => self.carried(p),
            // A parameter some block assigns: its seed on entry to INITIAL, then what the blocks
            // leave.
            VarKind::Parameter if self.maps.carried.contains(&p) && !self.in_init.get() => {
                self.carried(p)
            }
            VarKind::Parameter if self.seeded.contains(&p) => {
                let field = self.kw.layout.field_of[&p];
                quote!(match &tan.seeds[k] {
                    Some(seed) if seed.param == #field => seed.factor[j],
                    _ => 0.0,
                })
            }
            VarKind::Ion { ion, role } if role != IonRole::Conductance => {
                flags.uses_cv = true;
                flags.ion_slots.insert(ion.index());
                let slot = self.kw.slot_ident(ion.index());
                let array = ion_array(role);
                quote!(tan.ions[#slot].#array[idx])
            }
            _ if Some(p) == weight => quote!(if dweight.is_empty() { 0.0 } else { dweight[k] }),
            _ => quote!(0.0),
        })
    }

    /// σ of state `p` in direction k for instance j.
    fn sigma(&self, p: VarId) -> TokenStream {
        let pos = self.kw.layout.state_position(p).unwrap_or(0);
        strided(quote!(self.sigma), self.kw.layout.states.len(), pos)
    }

    /// The stored tangent of carried ASSIGNED variable `p` in direction k for instance j.
    fn carried(&self, p: VarId) -> TokenStream {
        let pos = self.maps.carried.iter().position(|&c| c == p).unwrap_or(0);
        strided(quote!(self.dcarried), self.maps.carried.len(), pos)
    }

    /// The stores of the tangents of the carried ASSIGNED variables that `block` assigns.
    fn carried_stores(&self, ex: &mut Exec, env: &Env, block: BlockId) -> Vec<Output> {
        let m = self.kw.m;
        let assigned = |t: VarId| {
            m.block(block)
                .body
                .iter()
                .any(|s| matches!(s.kind, StmtKind::Assign { var, .. } if var == t))
        };
        let mut out: Vec<Output> = Vec::new();
        for &c in &self.maps.carried {
            let Some(&t) = self.tangent_of.get(&c) else {
                continue;
            };
            // INITIAL stores a carried parameter's tangent even when it leaves it as seeded.
            let initial_parameter = self.in_init.get() && m.var(c).kind == VarKind::Parameter;
            if !assigned(t) && !initial_parameter {
                continue;
            }
            let x = env.get(&mut ex.ar, t);
            let target = self.carried(c);
            out.push((x, true, Box::new(move |x, _| quote!(#target = #x;))));
        }
        out
    }

    /// The body of a tangent block run from `env`, with `outputs` built from the final
    /// environment by `sinks`.
    fn body(
        &self,
        ex: &mut Exec,
        block: BlockId,
        mut env: Env,
        sinks: &dyn Fn(&mut Exec, &Env, &mut Body) -> Vec<Output>,
    ) -> Body {
        let m = self.kw.m;
        ex.run(&m.block(block).body, &mut env, Solves::Inline);
        let mut flags = Body::default();
        let outputs = sinks(ex, &env, &mut flags);
        let load_flags = std::cell::RefCell::new(Body::default());
        let load = |v: VarId| self.load(v, &mut load_flags.borrow_mut());
        let body = self
            .kw
            .body(&mut ex.ar, outputs, &load, &|v| self.is_tangent(v));
        merge(merge(body, flags), load_flags.into_inner())
    }

    /// The σ stores of every state tangent output.
    fn sigma_stores(&self, ex: &mut Exec, env: &Env, flags: &mut Body) -> Vec<Output> {
        let mut out: Vec<Output> = Vec::new();
        for &s in &self.kw.layout.states {
            let Some(&t) = self.tangent_of.get(&s) else {
                continue;
            };
            let x = env.get(&mut ex.ar, t);
            let target = self.sigma(s);
            match ion_binding(self.kw.m, s) {
                Some((ion, role, _, true)) => {
                    flags.ion_slots.insert(ion);
                    let slot = self.kw.slot_ident(ion);
                    let array = ion_array(role);
                    out.push((
                        x,
                        true,
                        Box::new(move |x, _| {
                            quote!({ let acc = #x; #target = acc; tan.ions[#slot].#array[idx] = acc; })
                        }),
                    ));
                }
                _ => out.push((x, true, Box::new(move |x, _| quote!(#target = #x;)))),
            }
        }
        out
    }

    /// Stores of the tangents of concentrations written (not states).
    fn conc_stores(&self, ex: &mut Exec, env: &Env, flags: &mut Body) -> Vec<Output> {
        let m = self.kw.m;
        let mut out: Vec<Output> = Vec::new();
        for &(p, t) in &self.maps.outputs {
            if let VarKind::Ion {
                ion,
                role: role @ (IonRole::ConcIn | IonRole::ConcOut),
            } = m.var(p).kind
            {
                flags.uses_cv = true;
                flags.ion_slots.insert(ion.index());
                let slot = self.kw.slot_ident(ion.index());
                let array = ion_array(role);
                let x = env.get(&mut ex.ar, t);
                out.push((
                    x,
                    true,
                    Box::new(move |x, _| quote!(tan.ions[#slot].#array[idx] = #x;)),
                ));
            }
        }
        out
    }

    /// The loop over instances with the loop over directions inside.
    fn kernel(&self, body: &Body) -> TokenStream {
        let inner = &body.inner;
        let idx = if mentions(inner, "idx") {
            quote!(let idx = k * ncv + cv;)
        } else {
            TokenStream::new()
        };
        let mut body = Body {
            pre: body.pre.clone(),
            outer: body.outer.clone(),
            inner: TokenStream::new(),
            uses_cv: body.uses_cv || !idx.is_empty(),
            uses_weight: body.uses_weight,
            ion_slots: body.ion_slots.clone(),
            helpers: body.helpers.clone(),
        };
        let k_loop = if inner.is_empty() {
            None
        } else {
            Some(quote! {
                for k in 0..tan.k {
                    #idx
                    #inner
                }
            })
        };
        body.inner = TokenStream::new();
        let lp = self.kw.instance_loop(&body, k_loop);
        let ni = if mentions(&lp, "ni") {
            quote!(let ni = self.node.len();)
        } else {
            TokenStream::new()
        };
        let ncv = if mentions(&lp, "ncv") {
            quote!(let ncv = tan.ncv;)
        } else {
            TokenStream::new()
        };
        quote! {
            #ni
            #ncv
            #lp
        }
    }

    /// `fn init_tangent`.
    pub fn init(&self, ex: &mut Exec) -> (TokenStream, Body) {
        let Some(block) = self.maps.init else {
            return (self.zero_sigma(), Body::default());
        };
        let mut env = initial_env(self.kw.m, ex);
        // States start from constants: their tangents start at zero.
        for s in &self.kw.layout.states {
            if let Some(&t) = self.tangent_of.get(s) {
                let zero = ex.ar.num(0.0);
                env.values.insert(t, zero);
            }
        }
        self.in_init.set(true);
        let body = self.body(ex, block, env, &|ex, env, flags| {
            let mut out = self.sigma_stores(ex, env, flags);
            out.extend(self.conc_stores(ex, env, flags));
            out.extend(self.carried_stores(ex, env, block));
            out
        });
        self.in_init.set(false);
        (self.kernel(&body), body)
    }

    /// Zeroes σ and the carried tangents (INITIAL sets nothing from anything a parameter moves).
    fn zero_sigma(&self) -> TokenStream {
        let carried = if self.maps.carried.is_empty() {
            TokenStream::new()
        } else {
            quote!(self.dcarried.iter_mut().for_each(|x| *x = 0.0);)
        };
        quote! {
            self.sigma.iter_mut().for_each(|x| *x = 0.0);
            #carried
        }
    }

    /// `fn currents_tangent`.
    pub fn currents(&self, ex: &mut Exec) -> (TokenStream, Body) {
        let Some(block) = self.maps.current else {
            return (TokenStream::new(), Body::default());
        };
        let body = self.body(ex, block, Env::default(), &|ex, env, flags| {
            let mut out: Vec<Output> = Vec::new();
            for (c, sink) in current_sinks(self.kw, flags, true) {
                if let Some(&t) = self.tangent_of.get(&c) {
                    let x = env.get(&mut ex.ar, t);
                    out.push((x, true, sink));
                }
            }
            out.extend(self.carried_stores(ex, env, block));
            out
        });
        (self.kernel(&body), body)
    }

    /// `fn states_tangent`, fused: it advances the states as `states` does and their tangents.
    pub fn states(&self, ex: &mut Exec) -> (TokenStream, Body) {
        let Some(block) = self.maps.state else {
            return (TokenStream::new(), Body::default());
        };
        let body = self.body(ex, block, Env::default(), &|ex, env, flags| {
            let primal = Env {
                values: env
                    .values
                    .iter()
                    .filter(|(v, _)| !self.is_tangent(**v))
                    .map(|(&v, &e)| (v, e))
                    .collect(),
            };
            let mut out = stores(self.kw, &mut ex.ar, &primal, flags);
            out.extend(self.sigma_stores(ex, env, flags));
            out.extend(self.conc_stores(ex, env, flags));
            out.extend(self.carried_stores(ex, env, block));
            out
        });
        (self.kernel(&body), body)
    }

    /// `fn net_receive_tangent` for one instance, if the module has NET_RECEIVE.
    pub fn net_receive(&self, ex: &mut Exec) -> Option<(TokenStream, Body)> {
        let block = self.maps.net_receive?;
        self.kw.m.net_receive.as_ref()?;
        let env = Env::default();
        let body = self.body(ex, block, env, &|ex, env, flags| {
            let mut out = self.sigma_stores(ex, env, flags);
            out.extend(self.carried_stores(ex, env, block));
            out
        });
        let inner = &body.inner;
        let idx = if mentions(inner, "idx") {
            quote!(let idx = k * ncv + cv;)
        } else {
            TokenStream::new()
        };
        let k_loop = quote! {
            for k in 0..tan.k {
                #idx
                #inner
            }
        };
        let single = Body {
            pre: body.pre.clone(),
            outer: body.outer.clone(),
            inner: k_loop,
            uses_cv: body.uses_cv || !idx.is_empty(),
            uses_weight: false,
            ion_slots: body.ion_slots.clone(),
            helpers: body.helpers.clone(),
        };
        let code = super::primal::single_instance(&single, self.kw);
        let ni = if mentions(&code, "ni") {
            quote!(let ni = self.node.len();)
        } else {
            TokenStream::new()
        };
        let ncv = if mentions(&code, "ncv") {
            quote!(let ncv = tan.ncv;)
        } else {
            TokenStream::new()
        };
        let code = quote! {
            #ni
            #ncv
            #code
        };
        Some((code, body))
    }
}
