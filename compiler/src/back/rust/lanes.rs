//! Kernel plans printed over lanes of instances (`gradmod_runtime::lanes`).
//!
//! The loop kernels that run every step (`currents`, `states` and their tangents) are printed once
//! as a generic function over `Lanes: Real` that works `Lanes::W` instances at a time, from a given
//! first instance, and returns where it stopped. The trait method calls it over eight lanes in a
//! function compiled for AVX-512 where the CPU has it (then over four and one for the instances
//! left over), else over four lanes in a function compiled for AVX2 and FMA where the CPU has
//! them, then over `f64`; elsewhere over `f64` alone. Loads of per-CV values are gathers through the node
//! index, stores to them scatters, and accumulations run in instance order, as in the run-time
//! engine. The CVs of a block of instances (and whether they are consecutive) and the instances'
//! weights are read once per block, before the loop over tangent directions, as the JIT does.

use proc_macro2::TokenStream;
use quote::{format_ident, quote};

use super::expr::{ExprWriter, Names, number};
use super::kernel::{BodyNames, KernelPrinter};
use super::layout::ion_array;
use super::names::ident;
use crate::back::kernels::{Body, Item, Sink, Source};

/// The index of element (k, `pos`, j) of an array laid out `[k][row][instance]`.
fn strided_index(rows: usize, pos: usize) -> TokenStream {
    let n = proc_macro2::Literal::usize_unsuffixed(rows);
    let pos = proc_macro2::Literal::usize_unsuffixed(pos);
    quote!((k * #n + #pos) * ni + j)
}

/// Whether `body` reads or writes values per CV (and so needs the block's CVs, computed once per
/// block of instances), and whether it accumulates (and so needs the instances' weights).
fn per_cv_access(body: &Body) -> (bool, bool) {
    let (mut per_cv, mut weighted) = (false, false);
    let all = body
        .outer
        .iter()
        .chain(&body.inner)
        .chain(body.unseeded.iter().flatten());
    for item in all {
        match *item {
            Item::Load { from, .. } => {
                per_cv |= matches!(
                    from,
                    Source::V
                        | Source::Area
                        | Source::Diam
                        | Source::Ion(..)
                        | Source::TanV
                        | Source::TanIon(..)
                );
            }
            Item::Store { sink, .. } => {
                weighted |= sink.accumulates();
                per_cv |= sink.accumulates()
                    || matches!(
                        sink,
                        Sink::FieldAndIon(..)
                            | Sink::Ion(..)
                            | Sink::SigmaAndTanIon(..)
                            | Sink::TanIon(..)
                    );
            }
            _ => {}
        }
    }
    (per_cv, weighted)
}

/// A kernel printed over lanes: the trait method and the inherent functions it calls.
pub struct LaneKernel {
    /// The `Mechanism` method.
    pub method: TokenStream,
    /// The functions of the inherent `impl` (the generic body and its wide entry).
    pub functions: TokenStream,
}

impl KernelPrinter<'_> {
    fn lane_source(&self, from: Source) -> TokenStream {
        let gather = |array: TokenStream, offset: TokenStream| quote!(Lanes::gather_at(#array, &cv, #offset));
        match from {
            Source::Field(f) => {
                let id = self.field_ident(f);
                quote!(Lanes::load(&self.#id, j))
            }
            Source::Draw(d) => {
                let one = super::kernel::draw(d, quote!(i));
                quote!(Lanes::from_instances(j, |i| #one))
            }
            Source::V => gather(quote!(ctx.v), quote!(0)),
            Source::T => quote!(Lanes::splat(ctx.t)),
            Source::Dt => quote!(Lanes::splat(ctx.dt)),
            Source::Celsius => quote!(Lanes::splat(ctx.celsius)),
            Source::Area => gather(quote!(ctx.area), quote!(0)),
            Source::Diam => gather(quote!(ctx.diam), quote!(0)),
            Source::Ion(slot, role) => {
                let (slot, array) = (self.slot_ident(slot), ion_array(role));
                gather(quote!(&ctx.ions[#slot].#array), quote!(0))
            }
            Source::Const(x) => {
                let x = number(x);
                quote!(Lanes::splat(#x))
            }
            // Kernels that read an event run one instance at a time, never over lanes.
            Source::Arg(_) | Source::TanArg(_) | Source::Flag => {
                unreachable!("an event's values in a kernel over lanes")
            }
            Source::TanV => gather(quote!(tan.s), quote!(k * ncv)),
            Source::Sigma(pos) => {
                let at = strided_index(self.state_rows(), pos);
                quote!(Lanes::load(&self.sigma, #at))
            }
            Source::Carried(pos) => {
                let at = strided_index(self.carried_rows(), pos);
                quote!(Lanes::load(&self.dcarried, #at))
            }
            Source::Seed(field) => quote!(match &tan.seeds[k] {
                Some(seed) if seed.param == #field => Lanes::load(&seed.factor, j),
                _ => Lanes::splat(0.0),
            }),
            Source::TanIon(slot, role) => {
                let (slot, array) = (self.slot_ident(slot), ion_array(role));
                gather(quote!(&tan.ions[#slot].#array), quote!(k * ncv))
            }
        }
    }

    fn lane_store(&self, sink: Sink, x: TokenStream, names: &BodyNames) -> TokenStream {
        let acc = |array: TokenStream, tangent: bool, negate: bool| {
            let offset = if tangent { quote!(k * ncv) } else { quote!(0) };
            quote!(Lanes::accumulate_at(acc, #array, &cv, w, #offset, #negate);)
        };
        let pick = |tangent: bool, a: TokenStream, b: TokenStream| if tangent { b } else { a };
        match sink {
            Sink::Let(t) => {
                let id = names.temp(t);
                quote!(let #id = #x;)
            }
            Sink::Field(field) => {
                let id = self.field_ident(field);
                quote!(Lanes::store(#x, &mut self.#id, j);)
            }
            Sink::FieldAndIon(field, slot, role) => {
                let id = self.field_ident(field);
                let (slot, array) = (self.slot_ident(slot), ion_array(role));
                quote!({
                    let acc = #x;
                    Lanes::store(acc, &mut self.#id, j);
                    Lanes::scatter_at(acc, &mut ctx.ions[#slot].#array, &cv, 0);
                })
            }
            Sink::Ion(slot, role) => {
                let (slot, array) = (self.slot_ident(slot), ion_array(role));
                quote!(Lanes::scatter_at(#x, &mut ctx.ions[#slot].#array, &cv, 0);)
            }
            Sink::Current { tangent, negate } | Sink::Conductance { tangent, negate } => {
                let array = match sink {
                    Sink::Current { .. } => pick(tangent, quote!(ctx.i), quote!(tan.di)),
                    _ => pick(tangent, quote!(ctx.g), quote!(tan.dg)),
                };
                let a = acc(array, tangent, negate);
                quote!({ let acc = #x; #a })
            }
            Sink::IonCurrent { tangent, ion } => {
                let s = self.slot_ident(ion);
                let a = acc(
                    pick(
                        tangent,
                        quote!(&mut ctx.ions[#s].current),
                        quote!(&mut tan.ions[#s].current),
                    ),
                    tangent,
                    false,
                );
                // The runtime leaves the columns of a current nothing reads empty.
                match tangent {
                    false => quote!({ let acc = #x; #a }),
                    true => quote!(if !tan.ions[#s].current.is_empty() { let acc = #x; #a }),
                }
            }
            Sink::IonConductance(s) => {
                let s = self.slot_ident(s);
                let a = acc(quote!(&mut ctx.ions[#s].current_dv), false, false);
                quote!({ let acc = #x; #a })
            }
            Sink::Sigma(pos) => {
                let at = strided_index(self.state_rows(), pos);
                quote!(Lanes::store(#x, &mut self.sigma, #at);)
            }
            Sink::SigmaAndTanIon(pos, slot, role) => {
                let at = strided_index(self.state_rows(), pos);
                let (slot, array) = (self.slot_ident(slot), ion_array(role));
                quote!({
                    let acc = #x;
                    Lanes::store(acc, &mut self.sigma, #at);
                    Lanes::scatter_at(acc, &mut tan.ions[#slot].#array, &cv, k * ncv);
                })
            }
            Sink::TanIon(slot, role) => {
                let (slot, array) = (self.slot_ident(slot), ion_array(role));
                quote!(Lanes::scatter_at(#x, &mut tan.ions[#slot].#array, &cv, k * ncv);)
            }
            Sink::Carried(pos) => {
                let at = strided_index(self.carried_rows(), pos);
                quote!(Lanes::store(#x, &mut self.dcarried, #at);)
            }
            Sink::Arg(_) | Sink::TanArg(_) | Sink::Emit(_) => {
                unreachable!("an event's values in a kernel over lanes")
            }
        }
    }

    /// The parts of `body` over lanes: before the loop, per instance, per tangent direction (the
    /// general part or the specialised one, as direction k needs).
    fn lane_parts(&self, body: &Body) -> [TokenStream; 3] {
        let name = self.namer(body);
        let writer = ExprWriter::new_lanes(&self.kernels.arena, &name);
        let items = |list: &[Item]| -> TokenStream {
            let stmts = list.iter().map(|item| match *item {
                Item::Load { var, from } => {
                    let id = name.var(var);
                    let value = self.lane_source(from);
                    quote!(let #id = #value;)
                }
                Item::Let { var, value } => {
                    let id = name.temp(var);
                    let value = writer.value(value);
                    quote!(let #id = #value;)
                }
                Item::Store { value, sink } => self.lane_store(sink, writer.value(value), &name),
                // Sequential bodies are printed one instance at a time (`Body::is_sequential`).
                Item::Set { .. }
                | Item::LoopStart { .. }
                | Item::LoopEnd
                | Item::ExitUnless { .. }
                | Item::Draw { .. }
                | Item::TableRead { .. }
                | Item::GetElement { .. }
                | Item::VectorRead { .. }
                | Item::SetElement { .. } => {
                    unreachable!("a sequential body printed over lanes")
                }
            });
            quote!(#(#stmts)*)
        };
        // What only the kept ion current tangent columns need goes inside one test of them.
        let per_direction = |list: &[Item]| self.guarded(list, &mut |l| items(l));
        let inner = super::kernel::per_direction(
            &per_direction(&body.inner),
            body.unseeded.as_deref().map(per_direction).as_ref(),
        );
        let parts = [items(&body.pre), items(&body.outer), inner];
        self.helpers.borrow_mut().extend(writer.helpers());
        parts
    }

    /// The kernel `method` (`currents`, `states`, `currents_tangent` or `states_tangent`) over
    /// lanes, or `None` when it has nothing to do per instance.
    pub fn lane_kernel(&self, method: &str, body: &Body, tangent: bool) -> Option<LaneKernel> {
        let [pre, outer, inner] = self.lane_parts(body);
        if outer.is_empty() && inner.is_empty() {
            return None;
        }
        let slots = self.slot_loads(body);
        let (per_cv, weighted) = per_cv_access(body);
        let block = per_cv.then(|| quote!(let cv = Lanes::block(&self.node, j);));
        let weights = weighted.then(|| quote!(let w = Lanes::load(&self.weight, j);));
        let k_loop = if inner.is_empty() {
            TokenStream::new()
        } else {
            quote!(for k in 0..tan.k { #inner })
        };
        let code = Self::with_strides(quote! {
            #(#slots)*
            #pre
            let mut j = start;
            while j + Lanes::W <= self.node.len() {
                #block
                #weights
                #outer
                #k_loop
                j += Lanes::W;
            }
            j
        });
        let f = ident(method);
        let generic = format_ident!("{}_lanes", method);
        let wide = format_ident!("{}_wide", method);
        let wide8 = format_ident!("{}_wide8", method);
        let ctx = super::param(&code, "ctx");
        let (tan_param, tan_arg) = if tangent {
            let tan = super::param(&code, "tan");
            (quote!(, #tan: &mut Tangents), quote!(, tan))
        } else {
            (TokenStream::new(), TokenStream::new())
        };
        let tan_plain = if tangent {
            quote!(, tan: &mut Tangents)
        } else {
            TokenStream::new()
        };
        let functions = quote! {
            #[inline(always)]
            fn #generic<Lanes: gradmod_runtime::lanes::Real>(
                &mut self,
                #ctx: &mut Context #tan_param,
                start: usize,
            ) -> usize {
                #code
            }
            #[cfg_attr(target_arch = "x86_64", target_feature(enable = "avx2,fma"))]
            fn #wide(&mut self, ctx: &mut Context #tan_plain) {
                let j = self.#generic::<gradmod_runtime::lanes::F64x4>(ctx #tan_arg, 0);
                self.#generic::<f64>(ctx #tan_arg, j);
            }
            #[cfg_attr(
                target_arch = "x86_64",
                target_feature(enable = "avx2,fma,avx512f,avx512vl,avx512dq")
            )]
            fn #wide8(&mut self, ctx: &mut Context #tan_plain) {
                let j = self.#generic::<gradmod_runtime::lanes::F64x8>(ctx #tan_arg, 0);
                let j = self.#generic::<gradmod_runtime::lanes::F64x4>(ctx #tan_arg, j);
                self.#generic::<f64>(ctx #tan_arg, j);
            }
        };
        let method = quote! {
            fn #f(&mut self, ctx: &mut Context #tan_plain) {
                if gradmod_runtime::lanes::wide8() {
                    // Safety: `wide8()` checked that the CPU has AVX2, FMA and AVX-512.
                    #[allow(unused_unsafe)]
                    unsafe {
                        self.#wide8(ctx #tan_arg)
                    }
                } else if gradmod_runtime::lanes::wide() {
                    // Safety: `wide()` checked that the CPU has AVX2 and FMA.
                    #[allow(unused_unsafe)]
                    unsafe {
                        self.#wide(ctx #tan_arg)
                    }
                } else {
                    self.#generic::<f64>(ctx #tan_arg, 0);
                }
            }
        };
        Some(LaneKernel { method, functions })
    }
}
