//! Where every variable of a module lives in the generated struct, and the `MechanismInfo`
//! static that describes it.

use std::collections::HashMap;

use proc_macro2::{Ident, Literal, TokenStream};
use quote::quote;

use super::expr::number;
use super::names::{Names, ident, type_name};
use crate::diag::{Diagnostic, Diagnostics};
use crate::ir::{IonRole, MechKind, Module, VarId, VarKind};

/// The role of a field, as the runtime's `FieldRole`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Role {
    /// A PARAMETER.
    Parameter,
    /// A STATE.
    State,
    /// An ASSIGNED variable.
    Assigned,
}

/// One `Vec<f64>` field of the generated struct.
#[derive(Clone, Debug)]
pub struct Field {
    /// The variable it stores.
    pub var: VarId,
    /// Its identifier.
    pub ident: Ident,
    /// Parameter, state or assigned.
    pub role: Role,
}

/// The storage of a module's variables in the generated struct.
#[derive(Clone, Debug)]
pub struct Layout {
    /// The struct's name.
    pub type_name: Ident,
    /// The fields: parameters, then states, then assigned variables, each in declaration order.
    /// Their positions are the field indices of `MechanismInfo::fields`.
    pub fields: Vec<Field>,
    /// The field index of each variable stored in a field.
    pub field_of: HashMap<VarId, usize>,
    /// The states in σ order (the order of their fields).
    pub states: Vec<VarId>,
    /// The identifier of every variable of the module, unique in the generated file.
    pub idents: Vec<Ident>,
    /// The names in use, from which kernels take fresh ones.
    pub names: Names,
}

impl Layout {
    /// The layout of `m`.
    pub fn new(m: &Module) -> Self {
        let mut names = Names::new();
        let idents: Vec<Ident> = m
            .vars
            .iter()
            .map(|v| ident(&names.fresh(&v.name)))
            .collect();
        let mut fields = Vec::new();
        for (role, kind) in [
            (Role::Parameter, VarKind::Parameter),
            (Role::State, VarKind::State),
            (Role::Assigned, VarKind::Assigned),
        ] {
            for var in m.vars_where(|v| v.kind == kind) {
                fields.push(Field {
                    var,
                    ident: idents[var.index()].clone(),
                    role,
                });
            }
        }
        let field_of = fields.iter().enumerate().map(|(i, f)| (f.var, i)).collect();
        let states = fields
            .iter()
            .filter(|f| f.role == Role::State)
            .map(|f| f.var)
            .collect();
        Layout {
            type_name: ident(&type_name(&m.name)),
            fields,
            field_of,
            states,
            idents,
            names,
        }
    }

    /// The identifier of `v`.
    pub fn ident(&self, v: VarId) -> Ident {
        self.idents[v.index()].clone()
    }

    /// The position of state `v` in σ.
    pub fn state_position(&self, v: VarId) -> Option<usize> {
        self.states.iter().position(|&s| s == v)
    }
}

/// The `FieldInfo`, `IonUse` and `MechanismInfo` statics of `m`.
pub fn info(m: &Module, layout: &Layout, diags: &mut Diagnostics) -> TokenStream {
    let fields = layout.fields.iter().map(|f| {
        let v = m.var(f.var);
        let name = &v.name;
        let unit = v.unit.as_deref().unwrap_or("");
        let default = number(v.value.unwrap_or(0.0));
        let role = match f.role {
            Role::Parameter => quote!(FieldRole::Parameter),
            Role::State => quote!(FieldRole::State),
            Role::Assigned => quote!(FieldRole::Assigned),
        };
        let bound = |x: Option<f64>| match x {
            Some(x) => {
                let x = number(x);
                quote!(Some(#x))
            }
            None => quote!(None),
        };
        let lower = bound(v.limits.map(|l| l.0));
        let upper = bound(v.limits.map(|l| l.1));
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
    let ions: Vec<TokenStream> = m
        .ions
        .iter()
        .map(|ion| {
            let name = &ion.species;
            let valence = match ion.valence {
                None => quote!(None),
                Some(z) if z.fract() == 0.0 && z.abs() <= 64.0 => {
                    let z = Literal::i32_unsuffixed(z as i32);
                    quote!(Some(#z))
                }
                Some(z) => {
                    diags.push(Diagnostic::error(
                        ion.span,
                        format!("the valence {z} of `{name}` is not an integer"),
                    ));
                    quote!(None)
                }
            };
            let vars = |list: &[VarId]| {
                let vs = list.iter().filter_map(|&v| match m.var(v).kind {
                    VarKind::Ion { role, .. } => ion_var(role),
                    _ => ion_binding(m, v).and_then(|b| ion_var(b.1)),
                });
                quote!(&[#(#vs),*])
            };
            let (reads, writes) = (vars(&ion.read), vars(&ion.write));
            quote! {
                IonUse { name: #name, valence: #valence, reads: #reads, writes: #writes }
            }
        })
        .collect();
    let kind = match m.kind {
        MechKind::Density => quote!(MechanismKind::Density),
        MechKind::Point => quote!(MechanismKind::Point),
        MechKind::Artificial => {
            diags.push(
                Diagnostic::error(m.span, "the runtime does not support ARTIFICIAL_CELL yet")
                    .with_note("declare the mechanism as a POINT_PROCESS"),
            );
            quote!(MechanismKind::Point)
        }
    };
    let name = &m.name;
    let (nf, ni) = (layout.fields.len(), m.ions.len());
    let net_receive = m.net_receive.is_some();
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
        };
    }
}

/// For a STATE or ASSIGNED variable that a USEION names (a concentration a mechanism keeps as a
/// state, as calcium accumulation does): its ion, role, and whether the mechanism reads and
/// writes it. Such a variable is loaded from the ion arrays when read, and stored to both its
/// field and the ion arrays when written.
pub fn ion_binding(m: &Module, v: VarId) -> Option<(usize, IonRole, bool, bool)> {
    if matches!(m.var(v).kind, VarKind::Ion { .. }) {
        return None;
    }
    m.ions.iter().enumerate().find_map(|(i, ion)| {
        let (read, write) = (ion.read.contains(&v), ion.write.contains(&v));
        if !read && !write {
            return None;
        }
        let role = ion_role(&ion.species, &m.var(v).name)?;
        Some((i, role, read, write))
    })
}

/// The role of `name` as a variable of `species`, if it is one (as USEION names them).
fn ion_role(species: &str, name: &str) -> Option<IonRole> {
    if name.strip_prefix('i') == Some(species) {
        Some(IonRole::Current)
    } else if name.strip_prefix('e') == Some(species) {
        Some(IonRole::Reversal)
    } else if name.strip_suffix('i') == Some(species) {
        Some(IonRole::ConcIn)
    } else if name.strip_suffix('o') == Some(species) {
        Some(IonRole::ConcOut)
    } else {
        None
    }
}

/// The runtime's `IonVar` for an ion role, if it has one.
fn ion_var(role: IonRole) -> Option<TokenStream> {
    Some(match role {
        IonRole::Current => quote!(IonVar::Current),
        IonRole::Reversal => quote!(IonVar::Reversal),
        IonRole::ConcIn => quote!(IonVar::Inside),
        IonRole::ConcOut => quote!(IonVar::Outside),
        IonRole::Conductance => return None,
    })
}

/// The field of the runtime's `IonArrays` (and `IonTangents`) holding an ion role.
pub fn ion_array(role: IonRole) -> Ident {
    ident(match role {
        IonRole::Current => "current",
        IonRole::Reversal => "rev",
        IonRole::ConcIn => "inside",
        IonRole::ConcOut => "outside",
        IonRole::Conductance => "current_dv",
    })
}
