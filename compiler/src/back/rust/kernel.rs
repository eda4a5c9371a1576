//! Straight-line kernel bodies: loads, CSE'd `let`s and stores for one instance.
//!
//! A kernel body is built from the values symbolic execution left for its outputs. Shared
//! subexpressions are named once ([`crate::sym::cse`]); the variables the code reads are loaded
//! into `let`s first, from the struct's fields, the context (v, t, dt, celsius, area, diam), the
//! ion arrays at the instance's CV, or as constants. With tangents, everything that does not
//! depend on a tangent input is computed once per instance, outside the loop over directions k.

use std::collections::{BTreeSet, HashSet};

use proc_macro2::{Ident, TokenStream};
use quote::quote;

use super::expr::{ExprWriter, Helper, number};
use super::layout::{Layout, ion_array, ion_binding};
use super::names::{Names, ident};
use crate::ir::{Builtin, Expr, ExprArena, ExprId, Module, VarId, VarKind};
use crate::sym::cse;

/// What an output of a kernel does with its value: the statement made from the value as an
/// expression of its own and as the right operand of a product (`w * x`), parenthesised if
/// needed.
pub type Sink = Box<dyn Fn(TokenStream, TokenStream) -> TokenStream>;

/// An output of a kernel: its value, whether it belongs inside the loop over tangent
/// directions, and its sink.
pub type Output = (ExprId, bool, Sink);

/// How a variable that a kernel reads gets its value, when the default (by its kind) is not
/// what the kernel needs.
pub type Loader<'a> = &'a dyn Fn(VarId) -> Option<TokenStream>;

/// One instance's code, split in the part outside the loop over tangent directions and the part
/// inside it (empty for primal kernels).
#[derive(Default)]
pub struct Body {
    /// Loads and lets whose values are the same for every instance, before the instance loop.
    pub pre: TokenStream,
    /// Loads, lets and stores that do not depend on tangent inputs.
    pub outer: TokenStream,
    /// Loads, lets and stores that do.
    pub inner: TokenStream,
    /// Whether the code reads the instance's CV (`cv`).
    pub uses_cv: bool,
    /// Whether the code reads the instance's weight (`w`).
    pub uses_weight: bool,
    /// The ion slots (positions in `m.ions`) the code reads.
    pub ion_slots: BTreeSet<usize>,
    /// Helper functions the code calls.
    pub helpers: BTreeSet<Helper>,
}

/// Rewrites each output that is linear in the tangent inputs, Σ c_i · d_i, so that its
/// coefficients c_i (which read only primal values) are computed once per instance, outside the
/// loop over directions, and the loop only forms the sums. The coefficients are the symbolic
/// derivatives of the output with respect to each tangent input; an output in which a
/// coefficient still reads a tangent input is kept as it is. `coef` names a new coefficient.
fn linearize(
    ar: &mut ExprArena,
    outputs: Vec<Output>,
    tangent: &dyn Fn(VarId) -> bool,
    coef: &mut dyn FnMut(&mut ExprArena) -> (ExprId, Ident),
) -> Vec<Output> {
    let tangent_inputs = |ar: &ExprArena, e: ExprId| -> Vec<VarId> {
        let mut vs: Vec<VarId> = ar
            .reachable(&[e])
            .into_iter()
            .filter_map(|id| match ar.get(id) {
                Expr::Var(v) if tangent(v) => Some(v),
                _ => None,
            })
            .collect();
        vs.sort_unstable();
        vs
    };
    let mut out = Vec::with_capacity(outputs.len());
    let mut coefficients: Vec<Output> = Vec::new();
    for (root, in_loop, sink) in outputs {
        let inputs = if in_loop {
            tangent_inputs(ar, root)
        } else {
            Vec::new()
        };
        if inputs.is_empty() {
            out.push((root, in_loop, sink));
            continue;
        }
        let cs: Vec<ExprId> = inputs
            .iter()
            .map(|&v| crate::sym::diff(ar, root, v))
            .collect();
        if cs.iter().any(|&c| !tangent_inputs(ar, c).is_empty()) {
            out.push((root, in_loop, sink));
            continue;
        }
        let mut sum: Option<ExprId> = None;
        for (&v, &c) in inputs.iter().zip(&cs) {
            let d = ar.var(v);
            let term = match ar.get(c) {
                Expr::Num(n) if n.0 == 0.0 => continue,
                Expr::Num(n) if n.0 == 1.0 => d,
                Expr::Num(_) | Expr::Var(_) => ar.binary(crate::ir::BinOp::Mul, c, d),
                _ => {
                    let (cv, name) = coef(ar);
                    coefficients.push((c, false, Box::new(move |x, _| quote!(let #name = #x;))));
                    ar.binary(crate::ir::BinOp::Mul, cv, d)
                }
            };
            sum = Some(match sum {
                None => term,
                Some(s) => ar.binary(crate::ir::BinOp::Add, s, term),
            });
        }
        let root = sum.unwrap_or_else(|| ar.num(0.0));
        out.push((root, in_loop, sink));
    }
    coefficients.extend(out);
    coefficients
}

/// Builds kernel bodies of one module.
pub struct KernelWriter<'a> {
    /// The module.
    pub m: &'a Module,
    /// Its layout.
    pub layout: &'a Layout,
}

impl KernelWriter<'_> {
    /// The identifier of the ion slot of ion `i` (`ion_na`).
    pub fn slot_ident(&self, i: usize) -> Ident {
        let species = &self.m.ions[i].species;
        let clean: String = species
            .chars()
            .map(|c| if c.is_ascii_alphanumeric() { c } else { '_' })
            .collect();
        ident(&format!("ion_{i}_{clean}"))
    }

    /// The body computing `outputs` (value and sink) over `ar`. Variables for which `tangent`
    /// holds are tangent inputs: code depending on them goes in [`Body::inner`], loaded by
    /// `load`. Sinks whose flag is true go inside the loop over directions.
    pub fn body(
        &self,
        ar: &mut ExprArena,
        outputs: Vec<Output>,
        load: Loader,
        tangent: &dyn Fn(VarId) -> bool,
    ) -> Body {
        let mut body = Body::default();
        let mut names: Names = self.layout.names.clone();
        // Temporaries are numbered after the module's variables.
        let base = self.m.vars.len() as u32;
        let mut temp_names: Vec<Ident> = Vec::new();
        let outputs = linearize(ar, outputs, tangent, &mut |ar| {
            let id = VarId(base + temp_names.len() as u32);
            let name = ident(&names.fresh(&format!("c{}", temp_names.len())));
            temp_names.push(name.clone());
            (ar.var(id), name)
        });
        let roots: Vec<ExprId> = outputs.iter().map(|o| o.0).collect();
        let plan = cse(ar, &roots);
        let mut fresh = || {
            let id = VarId(base + temp_names.len() as u32);
            temp_names.push(ident(&names.fresh(&format!("t{}", temp_names.len()))));
            id
        };
        let chain = plan.to_let_chain(ar, &roots, &mut fresh);
        let nvars = self.m.vars.len();
        let name = |v: VarId| -> Ident {
            if v.index() < nvars {
                self.layout.ident(v)
            } else {
                temp_names[(v.0 - base) as usize].clone()
            }
        };
        let writer = ExprWriter::new(ar, &name);

        // Which temporaries depend on tangent inputs, and which variables are read.
        let mut inner_vars: HashSet<VarId> = HashSet::new();
        let mut reads: BTreeSet<VarId> = BTreeSet::new();
        let free = |e: ExprId, ar: &ExprArena| -> Vec<VarId> {
            ar.reachable(&[e])
                .into_iter()
                .filter_map(|id| match ar.get(id) {
                    Expr::Var(v) => Some(v),
                    _ => None,
                })
                .collect()
        };
        let is_inner = |e: ExprId, inner_vars: &HashSet<VarId>| {
            free(e, ar)
                .into_iter()
                .any(|v| inner_vars.contains(&v) || (v.index() < nvars && tangent(v)))
        };
        // Values that are the same for every instance (from t, dt, celsius and constants) are
        // computed once, before the loop over instances.
        let mut uniform_temps: HashSet<VarId> = HashSet::new();
        let is_uniform = |e: ExprId, uniform_temps: &HashSet<VarId>| {
            free(e, ar).into_iter().all(|v| {
                uniform_temps.contains(&v) || (v.index() < nvars && self.uniform(v, tangent))
            })
        };
        let mut lets_pre = Vec::new();
        let mut lets_outer = Vec::new();
        let mut lets_inner = Vec::new();
        for &(t, e) in &chain.lets {
            reads.extend(free(e, ar).into_iter().filter(|v| v.index() < nvars));
            let value = writer.value(e);
            let id = name(t);
            let stmt = quote!(let #id = #value;);
            if is_inner(e, &inner_vars) {
                inner_vars.insert(t);
                lets_inner.push(stmt);
            } else if is_uniform(e, &uniform_temps) {
                uniform_temps.insert(t);
                lets_pre.push(stmt);
            } else {
                lets_outer.push(stmt);
            }
        }
        let mut stores_outer = Vec::new();
        let mut stores_inner = Vec::new();
        for ((_, in_loop, sink), &root) in outputs.iter().zip(&chain.roots) {
            reads.extend(free(root, ar).into_iter().filter(|v| v.index() < nvars));
            let stmt = sink(writer.value(root), writer.factor(root));
            if *in_loop {
                stores_inner.push(stmt);
            } else {
                stores_outer.push(stmt);
            }
        }
        body.helpers = writer.helpers();
        let mut loads_pre = Vec::new();
        let mut loads_outer = Vec::new();
        let mut loads_inner = Vec::new();
        for v in reads {
            let id = self.layout.ident(v);
            let value = match load(v) {
                Some(t) => t,
                None => self.default_load(v, &mut body),
            };
            let stmt = quote!(let #id = #value;);
            if tangent(v) {
                loads_inner.push(stmt);
            } else if self.uniform(v, tangent) {
                loads_pre.push(stmt);
            } else {
                loads_outer.push(stmt);
            }
        }
        let all = |a: Vec<TokenStream>, b: Vec<TokenStream>, c: Vec<TokenStream>| quote!(#(#a)* #(#b)* #(#c)*);
        body.pre = quote!(#(#loads_pre)* #(#lets_pre)*);
        body.outer = all(loads_outer, lets_outer, stores_outer);
        body.inner = all(loads_inner, lets_inner, stores_inner);
        body
    }

    /// Whether `v` has one value for every instance during a kernel call: t, dt, celsius and
    /// the CONSTANTs.
    fn uniform(&self, v: VarId, tangent: &dyn Fn(VarId) -> bool) -> bool {
        !tangent(v)
            && matches!(
                self.m.var(v).kind,
                VarKind::Constant | VarKind::Builtin(Builtin::T | Builtin::Dt | Builtin::Celsius)
            )
    }

    /// How a variable is read when the kernel gives no loader for it.
    fn default_load(&self, v: VarId, body: &mut Body) -> TokenStream {
        let var = self.m.var(v);
        if let Some((ion, role, true, _)) = ion_binding(self.m, v) {
            body.uses_cv = true;
            body.ion_slots.insert(ion);
            let slot = self.slot_ident(ion);
            let array = ion_array(role);
            return quote!(ctx.ions[#slot].#array[cv]);
        }
        match var.kind {
            VarKind::Parameter | VarKind::State | VarKind::Assigned => {
                let id = self.layout.ident(v);
                quote!(self.#id[j])
            }
            VarKind::Builtin(b) => match b {
                Builtin::V => {
                    body.uses_cv = true;
                    quote!(ctx.v[cv])
                }
                Builtin::T => quote!(ctx.t),
                Builtin::Dt => quote!(ctx.dt),
                Builtin::Celsius => quote!(ctx.celsius),
                Builtin::Area => {
                    body.uses_cv = true;
                    quote!(ctx.area[cv])
                }
                Builtin::Diam => {
                    body.uses_cv = true;
                    quote!(ctx.diam[cv])
                }
            },
            VarKind::Ion { ion, role } => {
                body.uses_cv = true;
                body.ion_slots.insert(ion.index());
                let slot = self.slot_ident(ion.index());
                let array = ion_array(role);
                quote!(ctx.ions[#slot].#array[cv])
            }
            VarKind::Constant => number(var.value.unwrap_or(0.0)),
            // A LOCAL read before it is assigned holds 0, as in the interpreter.
            VarKind::Local | VarKind::Tangent(_) => quote!(0.0),
        }
    }

    /// The loop over instances around `body`, with the ion slots it needs loaded first. `inner`
    /// wraps the tangent part in its loop over directions when given.
    pub fn instance_loop(&self, body: &Body, tangent_loop: Option<TokenStream>) -> TokenStream {
        let slots = body.ion_slots.iter().map(|&i| {
            let id = self.slot_ident(i);
            quote!(let #id = ctx.ion_slots[#i];)
        });
        let cv = if body.uses_cv {
            quote!(let cv = self.node[j];)
        } else {
            TokenStream::new()
        };
        let w = if body.uses_weight {
            quote!(let w = self.weight[j];)
        } else {
            TokenStream::new()
        };
        let (pre, outer) = (&body.pre, &body.outer);
        let inner = tangent_loop.unwrap_or_default();
        if outer.is_empty() && inner.is_empty() {
            return TokenStream::new();
        }
        quote! {
            #(#slots)*
            #pre
            for j in 0..self.node.len() {
                #cv
                #w
                #outer
                #inner
            }
        }
    }
}
