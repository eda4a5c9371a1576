//! The Rust names of a module's variables and fields, and the `MechanismInfo` static that
//! describes the generated struct.

use proc_macro2::{Ident, Literal, TokenStream};
use quote::quote;

use super::expr::number;
use super::names::{Names, ident, type_name};
use crate::back::kernels::layout::{Info, Role};
use crate::ir::{IonRole, Module, VarId};

/// The identifiers of the generated file.
#[derive(Clone, Debug)]
pub struct Idents {
    /// The struct's name.
    pub type_name: Ident,
    /// The identifier of every variable of the module, unique in the generated file.
    pub vars: Vec<Ident>,
    /// The names in use, from which kernels take fresh ones.
    pub names: Names,
}

impl Idents {
    /// The identifiers of `m`.
    pub fn new(m: &Module) -> Self {
        let mut names = Names::new();
        let vars: Vec<Ident> = m
            .vars
            .iter()
            .map(|v| ident(&names.fresh(&v.name)))
            .collect();
        Idents {
            type_name: ident(&type_name(&m.name)),
            vars,
            names,
        }
    }

    /// The identifier of `v`.
    pub fn var(&self, v: VarId) -> Ident {
        self.vars[v.index()].clone()
    }
}

/// The `FieldInfo`, `IonUse` and `MechanismInfo` statics of a mechanism.
pub fn info(info: &Info) -> TokenStream {
    let fields = info.fields.iter().map(|f| {
        let name = &f.name;
        let unit = &f.unit;
        let default = number(f.default);
        let role = match f.role {
            Role::Parameter => quote!(FieldRole::Parameter),
            Role::State => quote!(FieldRole::State),
            Role::Assigned => quote!(FieldRole::Assigned),
            Role::Pointer => quote!(FieldRole::Pointer),
            Role::Voltage => quote!(FieldRole::Voltage),
        };
        let bound = |x: Option<f64>| match x {
            Some(x) => {
                let x = number(x);
                quote!(Some(#x))
            }
            None => quote!(None),
        };
        let lower = bound(f.limits.map(|l| l.0));
        let upper = bound(f.limits.map(|l| l.1));
        quote! {
            FieldInfo {
                name: #name,
                unit: #unit,
                default: #default,
                role: #role,
                lower: #lower,
                upper: #upper,
            }
        }
    });
    let ions: Vec<TokenStream> = info
        .ions
        .iter()
        .map(|ion| {
            let name = &ion.species;
            let valence = match ion.valence {
                None => quote!(None),
                Some(z) => {
                    let z = Literal::i32_unsuffixed(z);
                    quote!(Some(#z))
                }
            };
            let vars = |list: &[IonRole]| {
                let vs = list.iter().map(|&r| ion_var(r));
                quote!(&[#(#vs),*])
            };
            let (reads, writes) = (vars(&ion.reads), vars(&ion.writes));
            quote! {
                IonUse { name: #name, valence: #valence, reads: #reads, writes: #writes }
            }
        })
        .collect();
    let kind = if info.point {
        quote!(MechanismKind::Point)
    } else {
        quote!(MechanismKind::Density)
    };
    let name = &info.name;
    let (nf, ni) = (info.fields.len(), info.ions.len());
    let net_receive = info.net_receive;
    let net_args = &info.net_args;
    let emit_slots = info.emit_slots;
    let voltage_process = info.voltage_process;
    let post_event = info.post_event;
    let vector = info.vector;
    let function_tables = &info.function_tables;
    quote! {
        static FIELDS: [FieldInfo; #nf] = [#(#fields),*];

        static IONS: [IonUse; #ni] = [#(#ions),*];

        /// The mechanism's metadata: its fields (parameters, states, assigned variables) and ions.
        pub static INFO: MechanismInfo = MechanismInfo {
            name: #name,
            kind: #kind,
            fields: &FIELDS,
            ions: &IONS,
            net_receive: #net_receive,
            net_args: &[#(#net_args),*],
            emit_slots: #emit_slots,
            voltage_process: #voltage_process,
            post_event: #post_event,
            vector: #vector,
            function_tables: &[#(#function_tables),*],
        };
    }
}

/// The runtime's `IonVar` for an ion role. The metadata never lists the conductance, which
/// has none (`kernels::layout::info` leaves it out).
fn ion_var(role: IonRole) -> TokenStream {
    match role {
        IonRole::Current => quote!(IonVar::Current),
        IonRole::Reversal => quote!(IonVar::Reversal),
        IonRole::ConcIn => quote!(IonVar::Inside),
        IonRole::ConcDiff => quote!(IonVar::Diffusive),
        IonRole::ConcOut | IonRole::Conductance => quote!(IonVar::Outside),
    }
}

/// The field of the runtime's `IonArrays` (and `IonTangents`) holding an ion role.
pub fn ion_array(role: IonRole) -> Ident {
    ident(match role {
        IonRole::Current => "current",
        IonRole::Reversal => "rev",
        IonRole::ConcIn => "inside",
        IonRole::ConcOut => "outside",
        IonRole::ConcDiff => "diffusive",
        IonRole::Conductance => "current_dv",
    })
}
