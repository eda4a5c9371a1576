//! Kernel plans printed as Rust: loads, `let`s and stores inside the loops over instances and
//! tangent directions.

use std::cell::RefCell;
use std::collections::{BTreeSet, HashMap, HashSet};

use proc_macro2::{Ident, Literal, TokenStream, TokenTree};
use quote::quote;

use super::expr::{ExprWriter, Helper, Names, number};
use super::layout::{Idents, ion_array};
use super::names::ident;
use crate::back::kernels::{Body, Item, Kernels, Sink, Source, TempKind, guard};
use crate::ir::{ArrayId, Module, TempId, VarId};

/// The position of the [`Item::LoopEnd`] that closes the loop opened at `start`.
fn matching_end(list: &[Item], start: usize) -> usize {
    let mut depth = 0;
    for (i, item) in list.iter().enumerate().skip(start) {
        match item {
            Item::LoopStart { .. } => depth += 1,
            Item::LoopEnd => {
                depth -= 1;
                if depth == 0 {
                    return i;
                }
            }
            _ => {}
        }
    }
    list.len()
}

/// Whether `ts` mentions the identifier `name` anywhere.
pub fn mentions(ts: &TokenStream, name: &str) -> bool {
    ts.clone().into_iter().any(|t| match t {
        TokenTree::Ident(i) => i == name,
        TokenTree::Group(g) => mentions(&g.stream(), name),
        _ => false,
    })
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

/// A body printed: the part before the loop over instances, the part per instance, and the
/// part per tangent direction.
struct Printed {
    pre: TokenStream,
    outer: TokenStream,
    inner: TokenStream,
    /// The per-direction part for directions without a seed ([`Body::unseeded`]).
    unseeded: Option<TokenStream>,
}

/// The per-direction part: `inner`, or, where there is a specialised `unseeded` part, the one
/// of the two that direction k needs: `inner` where k moves a parameter of the mechanism.
pub(super) fn per_direction(inner: &TokenStream, unseeded: Option<&TokenStream>) -> TokenStream {
    match unseeded {
        None => inner.clone(),
        // Nothing to do in a direction without a seed (a leak's current tangent: its
        // conductance term is the runtime's).
        Some(unseeded) if unseeded.is_empty() => quote! {
            if tan.seeds[k].is_some() {
                #inner
            }
        },
        Some(unseeded) => quote! {
            if tan.seeds[k].is_some() {
                #inner
            } else {
                #unseeded
            }
        },
    }
}

/// The identifiers of one body's code: the module's variables by their own names, the body's
/// temporaries by fresh ones.
pub(super) struct BodyNames<'a> {
    idents: &'a Idents,
    temps: Vec<Ident>,
}

impl Names for BodyNames<'_> {
    fn var(&self, v: VarId) -> Ident {
        self.idents.var(v)
    }

    fn temp(&self, t: TempId) -> Ident {
        self.temps[t.index()].clone()
    }
}

/// Prints the kernels of one module.
pub struct KernelPrinter<'a> {
    m: &'a Module,
    pub(super) kernels: &'a Kernels,
    pub(super) idents: &'a Idents,
    pub(super) helpers: RefCell<BTreeSet<Helper>>,
}

impl<'a> KernelPrinter<'a> {
    /// A printer of `kernels`, planned from `m`.
    pub fn new(m: &'a Module, kernels: &'a Kernels, idents: &'a Idents) -> Self {
        KernelPrinter {
            m,
            kernels,
            idents,
            helpers: RefCell::new(BTreeSet::new()),
        }
    }

    /// The helper functions the printed code calls.
    pub fn helpers(&self) -> BTreeSet<Helper> {
        self.helpers.borrow().clone()
    }

    /// The identifier of the ion slot of ion `i` (`ion_0_na`).
    pub(super) fn slot_ident(&self, i: usize) -> Ident {
        let species = &self.m.ions[i].species;
        let clean: String = species
            .chars()
            .map(|c| if c.is_ascii_alphanumeric() { c } else { '_' })
            .collect();
        ident(&format!("ion_{i}_{clean}"))
    }

    /// The identifier of field `f`.
    pub(super) fn field_ident(&self, f: usize) -> Ident {
        self.idents.var(self.kernels.layout.fields[f].var)
    }

    /// The number of state rows of σ.
    pub(super) fn state_rows(&self) -> usize {
        self.kernels.layout.states.len()
    }

    /// The number of rows of the carried tangents.
    pub(super) fn carried_rows(&self) -> usize {
        self.kernels.tangent.carried
    }

    fn sigma(&self, pos: usize) -> TokenStream {
        strided(quote!(self.sigma), self.state_rows(), pos)
    }

    fn carried(&self, pos: usize) -> TokenStream {
        strided(quote!(self.dcarried), self.carried_rows(), pos)
    }

    fn source(&self, from: Source) -> TokenStream {
        match from {
            Source::Field(f) => {
                let id = self.field_ident(f);
                quote!(self.#id[j])
            }
            Source::V => quote!(ctx.v[cv]),
            Source::T => quote!(ctx.t),
            Source::Dt => quote!(ctx.dt),
            Source::Celsius => quote!(ctx.celsius),
            Source::Area => quote!(ctx.area[cv]),
            Source::Diam => quote!(ctx.diam[cv]),
            Source::Ion(slot, role) => {
                let (slot, array) = (self.slot_ident(slot), ion_array(role));
                quote!(ctx.ions[#slot].#array[cv])
            }
            Source::Const(x) => number(x),
            Source::Arg(i) => quote!(ev.args[#i]),
            Source::Flag => quote!(ev.flag),
            Source::TanV => quote!(tan.s[idx]),
            Source::Sigma(pos) => self.sigma(pos),
            Source::Carried(pos) => self.carried(pos),
            Source::Seed(field) => quote!(match &tan.seeds[k] {
                Some(seed) if seed.param == #field => seed.factor[j],
                _ => 0.0,
            }),
            Source::TanIon(slot, role) => {
                let (slot, array) = (self.slot_ident(slot), ion_array(role));
                quote!(tan.ions[#slot].#array[idx])
            }
            Source::TanArg(i) => {
                let n = self.kernels.info.net_args.len();
                quote!(ev.dargs[k * #n + #i])
            }
            Source::Draw(d) => draw(d, quote!(j)),
        }
    }

    /// The statement storing `x` (as an operand of a product: `f`) in `sink`.
    fn store(&self, sink: Sink, x: TokenStream, f: TokenStream, names: &BodyNames) -> TokenStream {
        let accumulator = |tangent: bool, i: TokenStream, di: TokenStream| {
            if tangent { di } else { i }
        };
        match sink {
            Sink::Let(t) => {
                let id = names.temp(t);
                quote!(let #id = #x;)
            }
            Sink::Field(field) => {
                let id = self.field_ident(field);
                quote!(self.#id[j] = #x;)
            }
            Sink::FieldAndIon(field, slot, role) => {
                let id = self.field_ident(field);
                let (slot, array) = (self.slot_ident(slot), ion_array(role));
                quote!({ let acc = #x; self.#id[j] = acc; ctx.ions[#slot].#array[cv] = acc; })
            }
            Sink::Ion(slot, role) => {
                let (slot, array) = (self.slot_ident(slot), ion_array(role));
                quote!(ctx.ions[#slot].#array[cv] = #x;)
            }
            Sink::Current { tangent, negate } | Sink::Conductance { tangent, negate } => {
                let target = match sink {
                    Sink::Current { .. } => {
                        accumulator(tangent, quote!(ctx.i[cv]), quote!(tan.di[idx]))
                    }
                    _ => accumulator(tangent, quote!(ctx.g[cv]), quote!(tan.dg[idx])),
                };
                let sign = if negate { quote!(-=) } else { quote!(+=) };
                quote!(#target #sign w * #f;)
            }
            Sink::IonCurrent { tangent, ion } => {
                let s = self.slot_ident(ion);
                let ion_i = accumulator(
                    tangent,
                    quote!(ctx.ions[#s].current[cv]),
                    quote!(tan.ions[#s].current[idx]),
                );
                // The runtime leaves the columns of a current nothing reads empty.
                match tangent {
                    false => quote!(#ion_i += w * #f;),
                    true => quote!(if !tan.ions[#s].current.is_empty() { #ion_i += w * #f; }),
                }
            }
            Sink::IonConductance(s) => {
                let s = self.slot_ident(s);
                quote!(ctx.ions[#s].current_dv[cv] += w * #f;)
            }
            Sink::Sigma(pos) => {
                let target = self.sigma(pos);
                quote!(#target = #x;)
            }
            Sink::SigmaAndTanIon(pos, slot, role) => {
                let target = self.sigma(pos);
                let (slot, array) = (self.slot_ident(slot), ion_array(role));
                quote!({ let acc = #x; #target = acc; tan.ions[#slot].#array[idx] = acc; })
            }
            Sink::TanIon(slot, role) => {
                let (slot, array) = (self.slot_ident(slot), ion_array(role));
                quote!(tan.ions[#slot].#array[idx] = #x;)
            }
            Sink::Carried(pos) => {
                let target = self.carried(pos);
                quote!(#target = #x;)
            }
            Sink::Arg(i) => quote!(ev.args[#i] = #x;),
            Sink::Emit(off) => {
                let stride = 3 * self.kernels.info.emit_slots;
                quote!(ctx.emit[j * #stride + #off] = #x;)
            }
            Sink::TanArg(i) => {
                let n = self.kernels.info.net_args.len();
                quote!(ev.dargs[k * #n + #i] = #x;)
            }
        }
    }

    /// The names of the temporaries of `body`, fresh beside the module's variables, in order.
    fn temp_names(&self, body: &Body) -> Vec<Ident> {
        let mut names = self.idents.names.clone();
        body.temps
            .iter()
            .enumerate()
            .map(|(i, kind)| {
                let prefix = match kind {
                    TempKind::Coefficient => "c",
                    TempKind::Shared => "t",
                };
                ident(&names.fresh(&format!("{prefix}{i}")))
            })
            .collect()
    }

    /// The identifiers of `body`'s code: its temporaries' fresh names, and the variables' own.
    pub(super) fn namer<'b>(&'b self, body: &Body) -> BodyNames<'b> {
        BodyNames {
            idents: self.idents,
            temps: self.temp_names(body),
        }
    }

    /// The identifiers of the local arrays of `body` and of the loops' last values, fresh beside
    /// the module's variables and the body's temporaries.
    fn seq_names(&self, body: &Body) -> (HashMap<ArrayId, Ident>, HashMap<TempId, Ident>) {
        let mut names = self.idents.names.clone();
        for i in 0..body.temps.len() {
            for prefix in ["c", "t"] {
                names.fresh(&format!("{prefix}{i}"));
            }
        }
        let arrays = body
            .arrays
            .iter()
            .map(|&(a, _)| {
                let n = &self.m.array(a).name;
                (a, ident(&names.fresh(&format!("{n}_local"))))
            })
            .collect();
        let ends = body
            .outer
            .iter()
            .chain(&body.inner)
            .filter_map(|item| match *item {
                Item::LoopStart { counter, .. } => {
                    Some((counter, ident(&names.fresh(&format!("end{}", counter.0)))))
                }
                _ => None,
            })
            .collect();
        (arrays, ends)
    }

    /// A per-direction part printed by `items`, with what only the kept ion current tangent
    /// columns need inside one test that one of them is kept (the runtime leaves those of a
    /// current nothing reads empty).
    pub(super) fn guarded(
        &self,
        list: &[Item],
        items: &mut dyn FnMut(&[Item]) -> TokenStream,
    ) -> TokenStream {
        let Some(g) = guard::split(&self.kernels.arena, list) else {
            return items(list);
        };
        let (common, guarded) = (items(&g.common), items(&g.guarded));
        let tests = g.slots.iter().map(|&s| {
            let s = self.slot_ident(s);
            quote!(!tan.ions[#s].current.is_empty())
        });
        quote!(#common if #(#tests)||* { #guarded })
    }

    /// The three parts of `body` as Rust statements.
    fn print(&self, body: &Body) -> Printed {
        let name = self.namer(body);
        let writer = ExprWriter::new(&self.kernels.arena, &name);
        let (arrays, ends) = self.seq_names(body);
        let mut slots: HashSet<TempId> = HashSet::new();
        let mut items = |list: &[Item]| -> TokenStream {
            self.items(list, &name, &writer, (&arrays, &ends), &mut slots)
        };
        let (pre, outer) = (items(&body.pre), items(&body.outer));
        // The per-direction parts with what only the kept ion current tangent columns need
        // inside one test of those columns.
        let mut per_direction = |list: &[Item]| self.guarded(list, &mut items);
        let inner = per_direction(&body.inner);
        let unseeded = body.unseeded.as_deref().map(&mut per_direction);
        let mut printed = Printed {
            pre,
            outer,
            inner,
            unseeded,
        };
        // The local arrays start zero-filled in the part that holds the loops.
        let decls: TokenStream = body
            .arrays
            .iter()
            .map(|&(a, n)| {
                let id = &arrays[&a];
                quote!(let mut #id = [0.0f64; #n];)
            })
            .collect();
        if !body.inner.is_empty() && !body.arrays.is_empty() {
            let inner = std::mem::take(&mut printed.inner);
            printed.inner = quote!(#decls #inner);
        } else if !body.arrays.is_empty() {
            let outer = std::mem::take(&mut printed.outer);
            printed.outer = quote!(#decls #outer);
        }
        self.helpers.borrow_mut().extend(writer.helpers());
        printed
    }

    /// `list` as Rust statements, a loop's body nested in its `while`.
    fn items(
        &self,
        list: &[Item],
        name: &BodyNames,
        writer: &ExprWriter,
        (arrays, ends): (&HashMap<ArrayId, Ident>, &HashMap<TempId, Ident>),
        slots: &mut HashSet<TempId>,
    ) -> TokenStream {
        let mut out = TokenStream::new();
        let mut i = 0;
        while i < list.len() {
            let stmt = match list[i] {
                Item::Load { var, from } => {
                    let id = name.var(var);
                    let value = self.source(from);
                    quote!(let #id = #value;)
                }
                Item::Let { var, value } => {
                    let id = name.temp(var);
                    let value = writer.value(value);
                    quote!(let #id = #value;)
                }
                Item::Store { value, sink } => {
                    self.store(sink, writer.value(value), writer.factor(value), name)
                }
                Item::Set { var, value } => {
                    let (id, value) = (name.temp(var), writer.value(value));
                    if slots.insert(var) {
                        // A slot the loop never changes is bound once.
                        let again = list[i + 1..]
                            .iter()
                            .any(|x| matches!(*x, Item::Set { var: w, .. } if w == var));
                        if again {
                            quote!(let mut #id: f64 = #value;)
                        } else {
                            quote!(let #id: f64 = #value;)
                        }
                    } else {
                        quote!(#id = #value;)
                    }
                }
                Item::LoopStart { counter, from, to } => {
                    let end = matching_end(list, i);
                    let inner = self.items(&list[i + 1..end], name, writer, (arrays, ends), slots);
                    i = end;
                    let (c, last) = (name.temp(counter), &ends[&counter]);
                    let (from, to) = (writer.value(from), writer.value(to));
                    quote! {
                        let mut #c: f64 = #from;
                        let #last: f64 = #to;
                        while #c <= #last {
                            #inner
                            #c += 1.0;
                        }
                    }
                }
                Item::LoopEnd => TokenStream::new(),
                Item::Draw {
                    var,
                    draw: d,
                    iteration,
                } => {
                    let (id, iteration) = (name.temp(var), writer.value(iteration));
                    let value = draw_in(d, quote!(j), quote!(ctx.random.at(#iteration)));
                    quote!(let #id = #value;)
                }
                Item::TableRead {
                    var,
                    table,
                    arg,
                    slope,
                } => {
                    let (id, arg) = (name.temp(var), writer.value(arg));
                    quote!(let #id = ctx.function_table(#table, #arg, #slope);)
                }
                Item::ExitUnless { cond } => {
                    let cond = writer.condition(cond);
                    quote!(if !(#cond) { break; })
                }
                Item::GetElement { var, array, index } => {
                    let n = self.m.array(array).elems.len() as f64;
                    let constant = self.kernels.arena.as_num(index);
                    let (id, a, index) = (name.temp(var), &arrays[&array], writer.value(index));
                    match constant {
                        Some(i) if i >= 0.0 && i.trunc() < n => {
                            let i = i.trunc() as usize;
                            quote!(let #id = #a[#i];)
                        }
                        _ => quote! {
                            let #id = {
                                let ix = f64::trunc(#index);
                                if ix >= 0.0 && ix < #n { #a[ix as usize] } else { f64::NAN }
                            };
                        },
                    }
                }
                Item::VectorRead { var, index } => {
                    let id = name.temp(var);
                    match index {
                        Some(index) => {
                            let index = writer.value(index);
                            quote!(let #id = ctx.vector_element(j, #index);)
                        }
                        None => quote!(let #id = ctx.vector_size(j);),
                    }
                }
                Item::SetElement {
                    array,
                    index,
                    value,
                } => {
                    let len = self.m.array(array).elems.len();
                    let constant = self.kernels.arena.as_num(index);
                    let (a, index, value) =
                        (&arrays[&array], writer.value(index), writer.value(value));
                    let n = len as f64;
                    match constant {
                        // An index known in range (a copy into the local array) needs no check.
                        Some(i) if i >= 0.0 && i.trunc() < n => {
                            let i = i.trunc() as usize;
                            quote!(#a[#i] = #value;)
                        }
                        _ => quote! {
                            {
                                let ix = f64::trunc(#index);
                                let x = #value;
                                if ix >= 0.0 && ix < #n { #a[ix as usize] = x; } else { #a = [f64::NAN; #len]; }
                            }
                        },
                    }
                }
            };
            out.extend(stmt);
            i += 1;
        }
        out
    }

    pub(super) fn slot_loads(&self, body: &Body) -> Vec<TokenStream> {
        body.ion_slots
            .iter()
            .map(|&i| {
                let id = self.slot_ident(i);
                quote!(let #id = ctx.ion_slots[#i];)
            })
            .collect()
    }

    /// The loop over instances around a body, with the ion slots it needs loaded first.
    /// `tangent_loop` is the loop over directions, placed after the per-instance part.
    fn instance_loop(
        &self,
        body: &Body,
        uses_cv: bool,
        p: &Printed,
        tangent_loop: Option<TokenStream>,
    ) -> TokenStream {
        let slots = self.slot_loads(body);
        let cv = if uses_cv {
            quote!(let cv = self.node[j];)
        } else {
            TokenStream::new()
        };
        let w = if body.uses_weight {
            quote!(let w = self.weight[j];)
        } else {
            TokenStream::new()
        };
        let (pre, outer) = (&p.pre, &p.outer);
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

    /// A primal kernel over every instance.
    pub fn primal(&self, body: &Body) -> TokenStream {
        let p = self.print(body);
        self.instance_loop(body, body.uses_cv, &p, None)
    }

    /// The body for the one instance `instance` (event delivery); `inner` follows the
    /// per-instance part.
    fn single_instance(
        &self,
        body: &Body,
        uses_cv: bool,
        p: &Printed,
        inner: &TokenStream,
    ) -> TokenStream {
        let slots = self.slot_loads(body);
        let cv = if uses_cv {
            quote!(let cv = self.node[j];)
        } else {
            TokenStream::new()
        };
        let (pre, outer) = (&p.pre, &p.outer);
        let rest = quote! {
            #cv
            #outer
            #inner
        };
        // The nested INITIAL of NET_RECEIVE may touch the connection's values alone.
        let j = if mentions(&rest, "j") {
            quote!(let j = instance;)
        } else {
            TokenStream::new()
        };
        quote! {
            #(#slots)*
            #pre
            #j
            #rest
        }
    }

    /// The primal NET_RECEIVE kernel.
    pub fn net_receive(&self, body: &Body) -> TokenStream {
        let p = self.print(body);
        self.single_instance(body, body.uses_cv, &p, &p.inner)
    }

    /// The `let idx = ...` a tangent part needs, if it reads or writes per-CV tangents.
    fn idx(inner: &TokenStream) -> TokenStream {
        if mentions(inner, "idx") {
            quote!(let idx = k * ncv + cv;)
        } else {
            TokenStream::new()
        }
    }

    /// `let ni` and `let ncv` where `code` needs them, then `code`.
    pub(super) fn with_strides(code: TokenStream) -> TokenStream {
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
        quote! {
            #ni
            #ncv
            #code
        }
    }

    /// A tangent kernel: the loop over instances with the loop over directions inside.
    pub fn tangent(&self, body: &Body) -> TokenStream {
        let p = self.print(body);
        let inner = per_direction(&p.inner, p.unseeded.as_ref());
        let idx = Self::idx(&inner);
        let k_loop = if p.inner.is_empty() && p.unseeded.as_ref().is_none_or(|u| u.is_empty()) {
            None
        } else {
            Some(quote! {
                for k in 0..tan.k {
                    #idx
                    #inner
                }
            })
        };
        let lp = self.instance_loop(body, body.uses_cv || !idx.is_empty(), &p, k_loop);
        Self::with_strides(lp)
    }

    /// The tangent NET_RECEIVE kernel, for one instance.
    pub fn net_receive_tangent(&self, body: &Body) -> TokenStream {
        let p = self.print(body);
        let inner = per_direction(&p.inner, p.unseeded.as_ref());
        let idx = Self::idx(&inner);
        let k_loop = quote! {
            for k in 0..tan.k {
                #idx
                #inner
            }
        };
        let code = self.single_instance(body, body.uses_cv || !idx.is_empty(), &p, &k_loop);
        Self::with_strides(code)
    }

    /// Zeroes σ and the carried tangents (INITIAL sets nothing from anything a parameter moves).
    pub fn zero_sigma(&self) -> TokenStream {
        let carried = if self.kernels.tangent.carried == 0 {
            TokenStream::new()
        } else {
            quote!(self.dcarried.iter_mut().for_each(|x| *x = 0.0);)
        };
        quote! {
            self.sigma.iter_mut().for_each(|x| *x = 0.0);
            #carried
        }
    }
}

/// The random draw `d` of instance `j` in this kernel call.
pub(super) fn draw(d: crate::ir::Draw, j: TokenStream) -> TokenStream {
    draw_in(d, j, quote!(ctx.random))
}

/// The random draw `d` of instance `j` from the draws `random` (a `random::Draws`).
fn draw_in(d: crate::ir::Draw, j: TokenStream, random: TokenStream) -> TokenStream {
    use crate::ir::Dist;
    let s = d.stream.0;
    match d.dist {
        Dist::Uniform => quote!(#random.uniform(#j, #s)),
        Dist::Normal => quote!(#random.normal(#j, #s)),
        Dist::Exponential => quote!(#random.exponential(#j, #s)),
        Dist::WhiteNoise => quote!(#random.white_noise(#j, #s, ctx.dt)),
    }
}
