//! Straight-line kernel bodies: loads, CSE'd `let`s and stores for one instance.
//!
//! A kernel body is built from the values symbolic execution left for its outputs. Shared
//! subexpressions are named once ([`crate::sym::cse`]); the variables the code reads are loaded
//! first, from the mechanism's fields, the context (v, t, dt, celsius, area, diam), the ion
//! arrays at the instance's CV, or as constants. With tangents, everything that does not depend
//! on a tangent input is computed once per instance, outside the loop over directions k.

use std::collections::{HashMap, HashSet};

use super::exps::share;
use super::layout::{Layout, ion_binding};
use super::reduce::reduce;
use super::seq::Seq;
use super::{Body, Item, Sink, Source, TempKind};
use crate::ir::{Builtin, Expr, ExprArena, ExprId, Module, TempId, VarId, VarKind};
use crate::sym::{cse, cse_with, free_vars, substitute_zeros};

/// An output of a kernel: its value, whether it belongs inside the loop over tangent
/// directions, and its sink.
pub type Output = (ExprId, bool, Sink);

/// How a variable that a kernel reads gets its value, when the default (by its kind) is not
/// what the kernel needs.
pub type Loader<'a> = &'a dyn Fn(VarId) -> Option<Source>;

/// The largest product of an output's tangent inputs and its expression's node count that
/// [`linearize`] differentiates.
const LINEARIZE_BUDGET: usize = 2_000_000;

/// Rewrites each output that is linear in the tangent inputs, Σ c_i · d_i, so that its
/// coefficients c_i (which read only primal values) are computed once per instance, outside the
/// loop over directions, and the loop only forms the sums. The coefficients are the symbolic
/// derivatives of the output with respect to each tangent input; an output in which a
/// coefficient still reads a tangent input is kept as it is. `coef` makes a new coefficient
/// temporary; equal coefficients share one. Returns the coefficient bindings and the outputs
/// rewritten, in their order.
fn linearize(
    ar: &mut ExprArena,
    outputs: Vec<Output>,
    tangent: &dyn Fn(VarId) -> bool,
    coef: &mut dyn FnMut() -> TempId,
) -> (Vec<Output>, Vec<Output>) {
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
    let mut named: HashMap<ExprId, TempId> = HashMap::new();
    for (root, in_loop, sink) in outputs {
        let inputs = if in_loop {
            tangent_inputs(ar, root)
        } else {
            Vec::new()
        };
        // Each coefficient is a symbolic derivative of the whole output: where that would
        // traverse too much (the written-out Newton iterations of a large kinetic scheme, whose
        // outputs read every state's tangent), the output is kept as it is.
        if inputs.is_empty() || inputs.len() * ar.reachable(&[root]).len() > LINEARIZE_BUDGET {
            out.push((root, in_loop, sink));
            continue;
        }
        // A coefficient is a derivative: factors its rules multiply and divide by cancel.
        let cs: Vec<ExprId> = inputs
            .iter()
            .map(|&v| {
                let c = crate::sym::diff(ar, root, v);
                crate::sym::cancel(ar, c)
            })
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
                    let t = *named.entry(c).or_insert_with(|| {
                        let t = coef();
                        coefficients.push((c, false, Sink::Let(t)));
                        t
                    });
                    let cv = ar.temp(t);
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
    (coefficients, out)
}

/// The temporaries `e` reads.
fn free_temps(ar: &ExprArena, e: ExprId) -> impl Iterator<Item = TempId> + '_ {
    ar.reachable(&[e])
        .into_iter()
        .filter_map(|id| match ar.get(id) {
            Expr::Temp(t) => Some(t),
            _ => None,
        })
}

/// The variables and the temporaries `e` reads, in one traversal.
fn leaves(ar: &ExprArena, e: ExprId) -> (Vec<VarId>, Vec<TempId>) {
    let (mut vars, mut temps) = (Vec::new(), Vec::new());
    for id in ar.reachable(&[e]) {
        match ar.get(id) {
            Expr::Var(v) => vars.push(v),
            Expr::Temp(t) => temps.push(t),
            _ => {}
        }
    }
    (vars, temps)
}

/// What computing some roots reads through the bindings of a let chain.
#[derive(Default)]
struct Needed {
    /// The module's variables read.
    vars: HashSet<VarId>,
    /// The temporaries read.
    temps: HashSet<TempId>,
}

/// The variables and temporaries that computing `roots` reads through the bindings of `lets`:
/// the free variables and temporaries of the roots, and of every binding so read.
fn needed(ar: &ExprArena, lets: &[(TempId, ExprId)], roots: &[ExprId]) -> Needed {
    let mut need = Needed::default();
    let note = |need: &mut Needed, e: ExprId| {
        need.vars.extend(free_vars(ar, e));
        need.temps.extend(free_temps(ar, e));
    };
    for &r in roots {
        note(&mut need, r);
    }
    for &(t, e) in lets.iter().rev() {
        if need.temps.contains(&t) {
            note(&mut need, e);
        }
    }
    need
}

/// `items` without the temporaries nothing reads (`let`s and element reads) and the loop
/// slots nothing but their own assignments reads, to a fixed point.
fn prune(ar: &ExprArena, mut items: Vec<Item>) -> Vec<Item> {
    loop {
        let mut used: HashSet<TempId> = HashSet::new();
        let mut keep = vec![true; items.len()];
        for (i, item) in items.iter().enumerate().rev() {
            keep[i] = match *item {
                Item::Let { var, .. }
                | Item::GetElement { var, .. }
                | Item::Draw { var, .. }
                | Item::TableRead { var, .. }
                | Item::VectorRead { var, .. } => used.contains(&var),
                _ => true,
            };
            if keep[i] {
                for e in item.exprs() {
                    used.extend(free_temps(ar, e));
                }
            }
        }
        // A slot is needed where something other than its own assignments reads it.
        let mut read: HashSet<TempId> = HashSet::new();
        for (item, &k) in items.iter().zip(&keep) {
            if !k {
                continue;
            }
            let own = match *item {
                Item::Set { var, .. } => Some(var),
                _ => None,
            };
            for e in item.exprs() {
                read.extend(free_temps(ar, e).filter(|&t| Some(t) != own));
            }
        }
        for (item, k) in items.iter().zip(keep.iter_mut()) {
            if let Item::Set { var, .. } = *item {
                *k &= read.contains(&var);
            }
        }
        // An element write is needed where a read of its array may follow it: after it, or
        // anywhere after the start of the outermost loop around it.
        let mut outermost: Option<usize> = None;
        let mut depth = 0;
        for i in 0..items.len() {
            match items[i] {
                Item::LoopStart { .. } => {
                    if depth == 0 {
                        outermost = Some(i);
                    }
                    depth += 1;
                }
                Item::LoopEnd => depth -= 1,
                Item::SetElement { array, .. } => {
                    let from = if depth > 0 { outermost.unwrap_or(i) } else { i };
                    keep[i] &= items.iter().zip(&keep).skip(from).any(|(item, &k)| {
                        k && matches!(*item, Item::GetElement { array: a, .. } if a == array)
                    });
                }
                _ => {}
            }
        }
        if keep.iter().all(|&k| k) {
            return items;
        }
        items = items
            .into_iter()
            .zip(keep)
            .filter_map(|(item, k)| k.then_some(item))
            .collect();
    }
}

/// Builds kernel bodies of one module.
pub struct KernelWriter<'a> {
    /// The module.
    pub m: &'a Module,
    /// Its layout.
    pub layout: &'a Layout,
}

impl KernelWriter<'_> {
    /// The body computing `outputs` (value and sink) over `ar`. Variables for which `tangent`
    /// holds are tangent inputs: code depending on them goes in [`Body::inner`], loaded by
    /// `load`. Sinks whose flag is true go inside the loop over directions. `seeds` are the
    /// tangent inputs that are parameter seeds: where the part inside the loop reads one, the
    /// body also gets that part specialised for seeds that are all zero ([`Body::unseeded`]).
    pub fn body(
        &self,
        ar: &mut ExprArena,
        outputs: Vec<Output>,
        load: Loader,
        tangent: &dyn Fn(VarId) -> bool,
        seeds: &HashSet<VarId>,
    ) -> Body {
        let mut body = Body::default();
        let temps = std::cell::RefCell::new(Vec::new());
        let fresh = |kind: TempKind| {
            let mut temps = temps.borrow_mut();
            temps.push(kind);
            TempId(temps.len() as u32 - 1)
        };
        // The outputs inside the loop with every seed zero; an accumulation of a zero is left
        // out (it would add nothing).
        let reads_seed =
            |ar: &ExprArena, e: ExprId| free_vars(ar, e).iter().any(|v| seeds.contains(v));
        let specialise = outputs
            .iter()
            .any(|&(root, in_loop, _)| in_loop && reads_seed(ar, root));
        let unseeded: Vec<Output> = if specialise {
            let inner: Vec<&Output> = outputs.iter().filter(|o| o.1).collect();
            let roots: Vec<ExprId> = inner.iter().map(|o| o.0).collect();
            let folded = substitute_zeros(ar, &roots, seeds);
            let zero = ar.num(0.0);
            inner
                .iter()
                .zip(folded)
                .filter(|&(o, x)| !(o.2.accumulates() && x == zero))
                .map(|(o, x)| (x, true, o.2))
                .collect()
        } else {
            Vec::new()
        };
        let ngeneral = outputs.len();
        let all: Vec<Output> = outputs.into_iter().chain(unseeded).collect();
        let (coefficients, mut rewritten) =
            linearize(ar, all, tangent, &mut || fresh(TempKind::Coefficient));
        let unseeded = rewritten.split_off(ngeneral);
        let outputs: Vec<Output> = coefficients.into_iter().chain(rewritten).collect();
        let nfirst = outputs.len();
        let roots: Vec<ExprId> = outputs.iter().chain(&unseeded).map(|o| o.0).collect();
        // A temporary (a coefficient of the tangent inputs) is taken to depend on the instance.
        let primal: Vec<bool> = outputs
            .iter()
            .chain(&unseeded)
            .map(|&(_, in_loop, sink)| !in_loop && !matches!(sink, Sink::Let(_)))
            .collect();
        let uniform = |v| self.uniform(v, tangent);
        let roots = share(ar, &roots, &primal, &uniform);
        let (roots, hoist) = reduce(ar, &roots, &primal, &uniform);
        let plan = cse_with(ar, &roots, &|_, id| hoist.contains(&id));
        let chain = plan.to_let_chain(ar, &roots, &mut || fresh(TempKind::Shared));
        body.temps = temps.into_inner();

        // Which temporaries depend on tangent inputs, and which variables are read.
        let mut inner_temps: HashSet<TempId> = HashSet::new();
        let mut reads: std::collections::BTreeSet<VarId> = Default::default();
        // Values that are the same for every instance (from t, dt, celsius and constants) are
        // computed once, before the loop over instances.
        let mut uniform_temps: HashSet<TempId> = HashSet::new();
        // What each variant of the loop's part reads: the general part the stores inside the
        // loop of `outputs`, the specialised one those of `unseeded`.
        let (first_roots, unseeded_roots) = chain.roots.split_at(nfirst);
        let general_inner: Vec<ExprId> = outputs
            .iter()
            .zip(first_roots)
            .filter(|(o, _)| o.1)
            .map(|(_, &r)| r)
            .collect();
        let need_general = needed(ar, &chain.lets, &general_inner);
        let need_unseeded = needed(ar, &chain.lets, unseeded_roots);
        let mut lets_pre = Vec::new();
        let mut lets_outer = Vec::new();
        let mut lets_inner = Vec::new();
        let mut lets_unseeded = Vec::new();
        for &(t, e) in &chain.lets {
            let (vars, temps) = leaves(ar, e);
            let item = Item::Let { var: t, value: e };
            let is_inner =
                temps.iter().any(|t| inner_temps.contains(t)) || vars.iter().any(|&v| tangent(v));
            let is_uniform = temps.iter().all(|t| uniform_temps.contains(t))
                && vars.iter().all(|&v| self.uniform(v, tangent));
            reads.extend(vars);
            if is_inner {
                inner_temps.insert(t);
                if !specialise || need_general.temps.contains(&t) {
                    lets_inner.push(item);
                }
                if need_unseeded.temps.contains(&t) {
                    lets_unseeded.push(item);
                }
            } else if is_uniform {
                uniform_temps.insert(t);
                lets_pre.push(item);
            } else {
                lets_outer.push(item);
            }
        }
        let mut stores_outer = Vec::new();
        let mut stores_inner = Vec::new();
        for (&(_, in_loop, sink), &root) in outputs.iter().zip(first_roots) {
            reads.extend(free_vars(ar, root));
            let item = Item::Store { value: root, sink };
            if in_loop {
                stores_inner.push(item);
            } else {
                stores_outer.push(item);
            }
        }
        let mut stores_unseeded = Vec::new();
        for (&(_, _, sink), &root) in unseeded.iter().zip(unseeded_roots) {
            reads.extend(free_vars(ar, root));
            stores_unseeded.push(Item::Store { value: root, sink });
        }
        let mut loads_pre = Vec::new();
        let mut loads_outer = Vec::new();
        let mut loads_inner = Vec::new();
        let mut loads_unseeded = Vec::new();
        for v in reads {
            let from = load(v).unwrap_or_else(|| self.default_load(v));
            body.note_load(from);
            let item = Item::Load { var: v, from };
            if tangent(v) {
                if !specialise || need_general.vars.contains(&v) {
                    loads_inner.push(item);
                }
                if need_unseeded.vars.contains(&v) {
                    loads_unseeded.push(item);
                }
            } else if self.uniform(v, tangent) {
                loads_pre.push(item);
            } else {
                loads_outer.push(item);
            }
        }
        body.pre = [loads_pre, lets_pre].concat();
        body.outer = [loads_outer, lets_outer, stores_outer].concat();
        body.inner = [loads_inner, lets_inner, stores_inner].concat();
        body.unseeded =
            specialise.then(|| [loads_unseeded, lets_unseeded, stores_unseeded].concat());
        body
    }

    /// The body of a sequential kernel ([`Seq`]): loads of every variable of the module the
    /// code reads, the items in program order, then the CSE'd `let`s and stores of `outputs`.
    /// A tangent body (one that reads a tangent input or stores in the loop over directions)
    /// runs everything but the loads of primal values once per direction: primal stores then
    /// store the same values, computed from the loads, in every direction.
    pub fn body_seq(
        &self,
        ar: &mut ExprArena,
        seq: Seq,
        outputs: Vec<Output>,
        load: Loader,
        tangent: &dyn Fn(VarId) -> bool,
    ) -> Body {
        let arrays: Vec<(crate::ir::ArrayId, usize)> = seq
            .arrays()
            .into_iter()
            .map(|a| (a, self.m.array(a).elems.len()))
            .collect();
        let temps = std::cell::RefCell::new(seq.temps);
        let fresh = || {
            let mut temps = temps.borrow_mut();
            temps.push(TempKind::Shared);
            TempId(temps.len() as u32 - 1)
        };
        let roots: Vec<ExprId> = outputs.iter().map(|o| o.0).collect();
        let plan = cse(ar, &roots);
        let chain = plan.to_let_chain(ar, &roots, &mut || fresh());
        let mut items = seq.items;
        let mut tangent_body = outputs.iter().any(|o| o.1);
        for &(t, e) in &chain.lets {
            items.push(Item::Let { var: t, value: e });
        }
        for (&(_, _, sink), &root) in outputs.iter().zip(&chain.roots) {
            items.push(Item::Store { value: root, sink });
        }
        let items = prune(ar, items);
        let arrays = arrays
            .into_iter()
            .filter(|&(a, _)| {
                items.iter().any(|i| {
                    matches!(*i, Item::GetElement { array, .. } | Item::SetElement { array, .. } if array == a)
                })
            })
            .collect();
        let mut reads: std::collections::BTreeSet<VarId> = Default::default();
        let roots: Vec<ExprId> = items.iter().flat_map(Item::exprs).collect();
        for id in ar.reachable(&roots) {
            if let Expr::Var(v) = ar.get(id) {
                reads.insert(v);
            }
        }
        let mut body = Body {
            temps: temps.into_inner(),
            arrays,
            ..Body::default()
        };
        let mut primal_loads = Vec::new();
        let mut tangent_loads = Vec::new();
        for v in reads {
            let from = load(v).unwrap_or_else(|| self.default_load(v));
            body.note_load(from);
            let item = Item::Load { var: v, from };
            if tangent(v) {
                tangent_body = true;
                tangent_loads.push(item);
            } else {
                primal_loads.push(item);
            }
        }
        if tangent_body {
            body.outer = primal_loads;
            body.inner = [tangent_loads, items].concat();
        } else {
            body.outer = [primal_loads, items].concat();
        }
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
    fn default_load(&self, v: VarId) -> Source {
        let var = self.m.var(v);
        if let Some((ion, role, true, _)) = ion_binding(self.m, v) {
            return Source::Ion(ion, role);
        }
        match var.kind {
            VarKind::Parameter | VarKind::State | VarKind::Assigned => {
                Source::Field(self.layout.field_of[&v])
            }
            VarKind::Builtin(b) => match b {
                Builtin::V => Source::V,
                Builtin::T => Source::T,
                Builtin::Dt => Source::Dt,
                Builtin::Celsius => Source::Celsius,
                Builtin::Area => Source::Area,
                Builtin::Diam => Source::Diam,
            },
            VarKind::Ion { ion, role } => Source::Ion(ion.index(), role),
            VarKind::Constant => Source::Const(var.value.unwrap_or(0.0)),
            VarKind::Random(d) => Source::Draw(d),
            // A LOCAL read before it is assigned holds 0, as in the interpreter.
            VarKind::Local | VarKind::Tangent(_) => Source::Const(0.0),
        }
    }
}
