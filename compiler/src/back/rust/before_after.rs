//! The BEFORE and AFTER blocks as methods of the generated `impl Mechanism`: `before_after`
//! (the points the mechanism has blocks at), `ba` and the fused `ba_tangent` (one instance per
//! call, a `match` over the points), and the carried tangents a POINTER of another mechanism
//! may be bound to.

use proc_macro2::TokenStream;
use quote::quote;

use super::kernel::KernelPrinter;
use super::param;
use crate::back::kernels::Kernels;
use crate::ir::BaPoint;

/// The variant of the runtime's `BaPoint` for `point`.
fn variant(point: BaPoint) -> TokenStream {
    match point {
        BaPoint::BeforeInitial => quote!(BaPoint::BeforeInitial),
        BaPoint::AfterInitial => quote!(BaPoint::AfterInitial),
        BaPoint::BeforeBreakpoint => quote!(BaPoint::BeforeBreakpoint),
        BaPoint::AfterSolve => quote!(BaPoint::AfterSolve),
        BaPoint::BeforeStep => quote!(BaPoint::BeforeStep),
    }
}

/// The methods of the BEFORE and AFTER blocks; empty for a module without any.
pub(super) fn methods(kp: &KernelPrinter, ks: &Kernels) -> TokenStream {
    if ks.ba.is_empty() {
        return TokenStream::new();
    }
    let points = ks.ba.iter().map(|&(p, _)| variant(p));
    let arms = ks.ba.iter().map(|(p, body)| {
        let v = variant(*p);
        let code = kp.net_receive(body);
        quote!(#v => { #code })
    });
    let arms: Vec<TokenStream> = arms.collect();
    let all = quote!(#(#arms)*);
    let (ctx, instance) = (param(&all, "ctx"), param(&all, "instance"));
    let tarms: Vec<TokenStream> = ks
        .tangent
        .ba
        .iter()
        .map(|(p, body)| {
            let v = variant(*p);
            let code = kp.net_receive_tangent(body);
            quote!(#v => { #code })
        })
        .collect();
    let tall = quote!(#(#tarms)*);
    let (tctx, ttan, tinstance) = (
        param(&tall, "ctx"),
        param(&tall, "tan"),
        param(&tall, "instance"),
    );
    quote! {
        fn before_after(&self) -> &'static [BaPoint] {
            &[#(#points),*]
        }
        fn ba(&mut self, #ctx: &mut Context, point: BaPoint, #instance: usize) {
            #[allow(unreachable_patterns)]
            match point {
                #all
                _ => {}
            }
        }
        fn ba_tangent(
            &mut self,
            #tctx: &mut Context,
            #ttan: &mut Tangents,
            point: BaPoint,
            #tinstance: usize,
        ) {
            #[allow(unreachable_patterns)]
            match point {
                #tall
                _ => {}
            }
        }
    }
}

/// The accessors of the carried tangents (`carried_fields`, `carried_tangents` and its mutable
/// twin), through which a POINTER bound to a carried ASSIGNED variable reads and writes its
/// tangent; empty for a module without BEFORE or AFTER blocks or without carried variables.
pub(super) fn carried(ks: &Kernels) -> TokenStream {
    let fields = &ks.tangent.carried_fields;
    if ks.ba.is_empty() || fields.is_empty() {
        return TokenStream::new();
    }
    let fields = fields
        .iter()
        .map(|&f| proc_macro2::Literal::usize_unsuffixed(f));
    quote! {
        fn carried_fields(&self) -> &[usize] {
            &[#(#fields),*]
        }
        fn carried_tangents(&self) -> &[f64] {
            &self.dcarried
        }
        fn carried_tangents_mut(&mut self) -> &mut [f64] {
            &mut self.dcarried
        }
    }
}
