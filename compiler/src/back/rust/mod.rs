//! The Rust back end: one Rust file per mechanism, implementing the runtime's `Mechanism` trait.
//!
//! The module has gone through the passes ([`Passed`]): every SOLVE is an explicit update,
//! BREAKPOINT ends with the conductances `d<current>_dv`, and the tangent maps are made. The file holds a struct of arrays (one `Vec<f64>` per parameter, state and
//! assigned variable, the node index and weight of every instance, and σ laid out
//! `[k][state][instance]`), the `INFO` metadata static, and `impl Mechanism` whose kernels loop
//! over instances with straight-line, CSE'd code (no allocation). The kernels are the module's
//! kernel plans ([`crate::back::kernels`]) printed as Rust.
//!
//! Code is built with `quote!` and printed with prettyplease; nothing is built from strings but
//! the header comment. Whatever would not compile is reported as a diagnostic on the .mod file:
//! names are mangled ([`names`]), and statements the runtime interface cannot express (net_send,
//! WATCH, while loops) are errors at their source location.

mod before_after;
mod expr;
mod kernel;
mod lanes;
mod layout;
pub mod names;

use proc_macro2::TokenStream;
use quote::quote;

use crate::back::kernels::{self, layout::Role};
use crate::diag::{Diagnostic, Diagnostics};
use crate::ir::{Module, VarKind};
use crate::passes::Passed;
use kernel::KernelPrinter;
use layout::Idents;

/// Choices of the generated code.
#[derive(Clone, Debug, Default)]
pub struct Options {
    /// The parameters that get tangent seeds (by name); `None` means every parameter. A
    /// parameter left out is a constant to the tangent kernels.
    pub parameters: Option<Vec<String>>,
}

/// One generated file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Generated {
    /// The mechanism's name (its SUFFIX or POINT_PROCESS name).
    pub name: String,
    /// The name of the generated struct.
    pub type_name: String,
    /// The Rust source, header comment included.
    pub code: String,
}

/// The FNV-1a 64-bit hash of `text`: the fingerprint of a source in the generated header.
pub fn fingerprint(text: &str) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in text.bytes() {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0000_0100_0000_01b3);
    }
    h
}

/// Generates the Rust file of a module after the passes. `file_name` (for example `hh.mod`) and
/// `source` (the text it was compiled from) go into the header.
pub fn generate(
    passed: &Passed,
    file_name: &str,
    source: &str,
    opts: &Options,
) -> Result<Generated, Diagnostics> {
    let m = passed.module();
    let ks = kernels::plan(passed, opts.parameters.as_deref())?;
    let idents = Idents::new(m);
    let info = layout::info(&ks.info);
    let kp = KernelPrinter::new(m, &ks, &idents);
    let init = kernel_fn("init", kp.primal(&ks.init), false);
    let watch = ks
        .watch
        .as_ref()
        .map(|body| kernel_fn("watch", kp.primal(body), false));
    // The kernels of every step run over lanes of instances; their generic bodies and wide entries
    // go into an inherent `impl` (`lane_fns`).
    let mut lane_fns = Vec::new();
    // A sequential body (loops, run-time element accesses) runs one instance at a time.
    let mut over_lanes = |method: &str, body: &kernels::Body, tangent: bool| {
        if body.is_sequential() {
            let code = if tangent {
                kp.tangent(body)
            } else {
                kp.primal(body)
            };
            return kernel_fn(method, code, tangent);
        }
        match kp.lane_kernel(method, body, tangent) {
            Some(k) => {
                lane_fns.push(k.functions);
                k.method
            }
            None => kernel_fn(method, TokenStream::new(), tangent),
        }
    };
    let currents = over_lanes("currents", &ks.currents, false);
    let states = over_lanes("states", &ks.states, false);
    let event_fn = |name: &str, code: TokenStream| {
        let f = names::ident(name);
        let (ctx, instance, ev) = (
            param(&code, "ctx"),
            param(&code, "instance"),
            param(&code, "ev"),
        );
        quote! {
            fn #f(&mut self, #ctx: &mut Context, #instance: usize, #ev: &mut EventArgs) {
                #code
            }
        }
    };
    let net_receive = ks
        .net_receive
        .as_ref()
        .map(|body| event_fn("net_receive", kp.net_receive(body)));
    let net_init = ks
        .net_init
        .as_ref()
        .map(|body| event_fn("net_init", kp.net_receive(body)));
    let for_netcons = ks
        .for_netcons
        .as_ref()
        .map(|body| event_fn("for_netcons", kp.net_receive(body)));
    let tangents = {
        let tk = &ks.tangent;
        let init = match &tk.init {
            Some(body) => kp.tangent(body),
            None => kp.zero_sigma(),
        };
        let init = kernel_fn("init_tangent", init, true);
        let currents = over_lanes("currents_tangent", &tk.currents, true);
        let states = over_lanes("states_tangent", &tk.states, true);
        let event_tangent_fn = |name: &str, body: &kernels::Body| {
            let code = kp.net_receive_tangent(body);
            let f = names::ident(name);
            let (ctx, tan, instance, ev) = (
                param(&code, "ctx"),
                param(&code, "tan"),
                param(&code, "instance"),
                param(&code, "ev"),
            );
            quote! {
                fn #f(
                    &mut self,
                    #ctx: &mut Context,
                    #tan: &mut Tangents,
                    #instance: usize,
                    #ev: &mut EventArgs,
                ) {
                    #code
                }
            }
        };
        let nr = tk
            .net_receive
            .as_ref()
            .map(|body| event_tangent_fn("net_receive_tangent", body));
        let ni = tk
            .net_init
            .as_ref()
            .map(|body| event_tangent_fn("net_init_tangent", body));
        let fnc = tk
            .for_netcons
            .as_ref()
            .map(|body| event_tangent_fn("for_netcons_tangent", body));
        let fused = tk.fused;
        let fused_currents = tk.fused_currents;
        let longitudinal = longitudinal_fn(&ks.info.longitudinal);
        quote! {
            #init
            #currents
            #states
            fn fused_states(&self) -> bool {
                #fused
            }
            fn fused_currents(&self) -> bool {
                #fused_currents
            }
            #nr
            #ni
            #fnc
            #longitudinal
        }
    };
    let before_after = before_after::methods(&kp, &ks);
    let carried_access = before_after::carried(&ks);
    let helpers = kp.helpers();
    let helpers = expr::helpers_module(&helpers);
    let ncarried = passed.tangent().carried.len();
    let items = structure(m, &ks.layout, &idents, ncarried);
    let size_carried = if ncarried == 0 {
        TokenStream::new()
    } else {
        let n = proc_macro2::Literal::usize_unsuffixed(ncarried);
        quote!(self.dcarried = vec![0.0; k * #n * self.node.len()];)
    };
    let ty = &idents.type_name;
    let lane_impl = if lane_fns.is_empty() {
        TokenStream::new()
    } else {
        quote! {
            #[allow(non_snake_case, unused_parens, clippy::all)]
            impl #ty {
                #(#lane_fns)*
            }
        }
    };
    let uses_ion_var = m
        .ions
        .iter()
        .any(|i| !i.read.is_empty() || !i.write.is_empty());
    let ion_var = if uses_ion_var {
        quote!(IonVar,)
    } else {
        TokenStream::new()
    };
    let event_args = if ks.net_receive.is_some() {
        quote!(EventArgs,)
    } else {
        TokenStream::new()
    };
    let ba_point = if ks.ba.is_empty() {
        TokenStream::new()
    } else {
        quote!(BaPoint,)
    };
    let file = quote! {
        use gradmod_runtime::mechanism::{
            #ba_point Context, #event_args FieldInfo, FieldRole, IonUse, #ion_var Mechanism, MechanismInfo,
            MechanismKind, Tangents,
        };

        #info

        #items

        #[allow(non_snake_case, unused_parens, clippy::all)]
        impl Mechanism for #ty {
            fn info(&self) -> &'static MechanismInfo {
                &INFO
            }
            fn allocate(&mut self, nodes: &[usize], weights: &[f64]) {
                self.allocate_fields(nodes, weights);
            }
            fn instance_count(&self) -> usize {
                self.node.len()
            }
            fn nodes(&self) -> &[usize] {
                &self.node
            }
            fn field(&self, field: usize) -> &[f64] {
                self.field_ref(field)
            }
            fn field_mut(&mut self, field: usize) -> &mut [f64] {
                self.field_ref_mut(field)
            }
            fn set_tangent_count(&mut self, k: usize) {
                self.sigma = vec![0.0; k * Self::STATES * self.node.len()];
                #size_carried
            }
            fn state_tangents(&self) -> &[f64] {
                &self.sigma
            }
            fn state_tangents_mut(&mut self) -> &mut [f64] {
                &mut self.sigma
            }
            #init
            #currents
            #states
            #net_receive
            #net_init
            #for_netcons
            #watch
            #tangents
            #before_after
            #carried_access
        }

        #lane_impl

        #helpers
    };
    let code = format(m, file, file_name, source)?;
    Ok(Generated {
        name: m.name.clone(),
        type_name: idents.type_name.to_string(),
        code,
    })
}

/// The parameter `name` of a kernel, `_name` when `code` does not use it.
fn param(code: &TokenStream, name: &str) -> proc_macro2::Ident {
    if kernel::mentions(code, name) {
        names::ident(name)
    } else {
        names::ident(&format!("_{name}"))
    }
}

/// A kernel method `name` of the `Mechanism` trait around `code`; with `tangent`, it also takes
/// the tangent view.
fn kernel_fn(name: &str, code: TokenStream, tangent: bool) -> TokenStream {
    let f = names::ident(name);
    let ctx = param(&code, "ctx");
    if tangent {
        let tan = param(&code, "tan");
        quote! {
            fn #f(&mut self, #ctx: &mut Context, #tan: &mut Tangents) {
                #code
            }
        }
    } else {
        quote! {
            fn #f(&mut self, #ctx: &mut Context) {
                #code
            }
        }
    }
}

/// The struct, its constructor and its field accessors.
fn structure(
    m: &Module,
    layout: &kernels::Layout,
    idents: &Idents,
    ncarried: usize,
) -> TokenStream {
    let ty = &idents.type_name;
    let doc = match &m.title {
        Some(t) => format!(" `{}`: {}", m.name, t.trim()),
        None => format!(" The mechanism `{}`.", m.name),
    };
    let decls = layout.fields.iter().map(|f| {
        let v = m.var(f.var);
        let role = match f.role {
            Role::Parameter => "parameter",
            Role::State => "state",
            Role::Assigned => "assigned",
            Role::Pointer => "pointer",
            Role::Voltage => "voltage",
        };
        let unit = v
            .unit
            .as_deref()
            .map(|u| format!(" ({u})"))
            .unwrap_or_default();
        let doc = format!(" `{}`{unit}, {role}, one value per instance.", v.name);
        let id = idents.var(f.var);
        quote! {
            #[doc = #doc]
            pub #id: Vec<f64>,
        }
    });
    let allocs = layout.fields.iter().enumerate().map(|(i, f)| {
        let id = idents.var(f.var);
        quote!(self.#id = vec![FIELDS[#i].default; nodes.len()];)
    });
    let refs: Vec<_> = layout
        .fields
        .iter()
        .enumerate()
        .map(|(i, f)| {
            let id = idents.var(f.var);
            quote!(#i => &self.#id,)
        })
        .collect();
    let muts = layout.fields.iter().enumerate().map(|(i, f)| {
        let id = idents.var(f.var);
        quote!(#i => &mut self.#id,)
    });
    let nstates = layout.states.len();
    let states_doc = " The number of states (the stride of σ).";
    let (carried_field, clear_carried) = if ncarried == 0 {
        (TokenStream::new(), TokenStream::new())
    } else {
        let doc = format!(
            " Tangents of the {ncarried} ASSIGNED variables whose values cross from one kernel to \
             another, `[k][variable][instance]`."
        );
        (
            quote! {
                #[doc = #doc]
                dcarried: Vec<f64>,
            },
            quote!(self.dcarried.clear();),
        )
    };
    let is_state = |v| m.var(v).kind == VarKind::State || m.pointers.contains(&v);
    debug_assert!(layout.states.iter().all(|&s| is_state(s)));
    quote! {
        #[doc = #doc]
        #[derive(Clone, Debug, Default)]
        #[allow(non_snake_case)]
        pub struct #ty {
            /// The CV of every instance.
            node: Vec<usize>,
            /// The weight of every instance (area fraction, or 100/area for point processes).
            weight: Vec<f64>,
            #(#decls)*
            /// State tangents σ, `[k][state][instance]`.
            sigma: Vec<f64>,
            #carried_field
        }

        impl #ty {
            #[doc = #states_doc]
            pub const STATES: usize = #nstates;

            /// A mechanism with no instances yet.
            pub fn new() -> Self {
                Self::default()
            }

            fn allocate_fields(&mut self, nodes: &[usize], weights: &[f64]) {
                self.node = nodes.to_vec();
                self.weight = weights.to_vec();
                #(#allocs)*
                self.sigma.clear();
                #clear_carried
            }

            fn field_ref(&self, field: usize) -> &[f64] {
                match field {
                    #(#refs)*
                    _ => panic!("`{}` has no field {}", INFO.name, field),
                }
            }

            fn field_ref_mut(&mut self, field: usize) -> &mut [f64] {
                match field {
                    #(#muts)*
                    _ => panic!("`{}` has no field {}", INFO.name, field),
                }
            }
        }
    }
}

/// The header comment and the pretty-printed file.
fn format(
    m: &Module,
    file: TokenStream,
    file_name: &str,
    source: &str,
) -> Result<String, Diagnostics> {
    let parsed: syn::File = syn::parse2(file).map_err(|e| {
        Diagnostics::from(Diagnostic::error(
            m.span,
            format!("internal: the Rust back end produced code that does not parse: {e}"),
        ))
    })?;
    let body = prettyplease::unparse(&parsed);
    let name = std::path::Path::new(file_name).file_name().map_or_else(
        || file_name.to_string(),
        |n| n.to_string_lossy().into_owned(),
    );
    Ok(format!(
        "// @generated by gradmod from {name}\n// Source fingerprint (FNV-1a 64): {:016x}. Do not edit; regenerate instead.\n\n{body}",
        fingerprint(source)
    ))
}

/// The `longitudinal` method of a mechanism with LONGITUDINAL_DIFFUSION (none without it, so
/// that other mechanisms keep the trait's default).
fn longitudinal_fn(list: &[[usize; 3]]) -> TokenStream {
    if list.is_empty() {
        return TokenStream::new();
    }
    let entries = list.iter().map(|&[species, rate, volume]| {
        let (s, r, v) = (
            proc_macro2::Literal::usize_unsuffixed(species),
            proc_macro2::Literal::usize_unsuffixed(rate),
            proc_macro2::Literal::usize_unsuffixed(volume),
        );
        quote!(gradmod_runtime::mechanism::Longitudinal { species: #s, rate: #r, volume: #v })
    });
    quote! {
        fn longitudinal(&self) -> &'static [gradmod_runtime::mechanism::Longitudinal] {
            &[#(#entries),*]
        }
    }
}
