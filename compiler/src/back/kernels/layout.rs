//! Where every variable of a module lives in a mechanism's storage, and the metadata the runtime
//! describes the mechanism with.

use std::collections::HashMap;

use crate::diag::{Diagnostic, Diagnostics};
use crate::ir::{Builtin, IonRole, MechKind, Module, VarId, VarKind};

/// The role of a field, as the runtime's `FieldRole`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Role {
    /// A PARAMETER.
    Parameter,
    /// A STATE.
    State,
    /// An ASSIGNED variable.
    Assigned,
    /// A POINTER: an ASSIGNED variable whose value (and tangent) the runtime copies in from
    /// what the model binds it to, before every kernel call.
    Pointer,
    /// The membrane potential NET_RECEIVE sets ([`Module::voltage`]): a state-like copy of v
    /// that the runtime writes back into v (and its tangent into S_k) after every event.
    Voltage,
}

/// One per-instance array of the mechanism.
#[derive(Clone, Debug, PartialEq)]
pub struct Field {
    /// The variable it stores.
    pub var: VarId,
    /// Parameter, state or assigned.
    pub role: Role,
}

/// The storage of a module's variables.
#[derive(Clone, Debug, PartialEq)]
pub struct Layout {
    /// The fields: parameters, then states, then assigned variables, then pointers, each in
    /// declaration order, then the voltage NET_RECEIVE sets, if any. Their positions are the field indices of the runtime's
    /// `MechanismInfo::fields`.
    pub fields: Vec<Field>,
    /// The field index of each variable stored in a field.
    pub field_of: HashMap<VarId, usize>,
    /// The rows of σ: the states in the order of their fields, then the pointers (whose tangent
    /// rows the runtime writes and the kernels only read), then the voltage NET_RECEIVE sets.
    pub states: Vec<VarId>,
}

impl Layout {
    /// The layout of `m`.
    pub fn new(m: &Module) -> Self {
        let mut fields = Vec::new();
        for (role, kind) in [
            (Role::Parameter, VarKind::Parameter),
            (Role::State, VarKind::State),
            (Role::Assigned, VarKind::Assigned),
        ] {
            for var in m.vars_where(|v| v.kind == kind) {
                if !m.pointers.contains(&var) && m.voltage != Some(var) {
                    fields.push(Field { var, role });
                }
            }
        }
        for &var in &m.pointers {
            fields.push(Field {
                var,
                role: Role::Pointer,
            });
        }
        if let Some(var) = m.voltage {
            fields.push(Field {
                var,
                role: Role::Voltage,
            });
        }
        let field_of = fields.iter().enumerate().map(|(i, f)| (f.var, i)).collect();
        let states = fields
            .iter()
            .filter(|f| matches!(f.role, Role::State | Role::Pointer | Role::Voltage))
            .map(|f| f.var)
            .collect();
        Layout {
            fields,
            field_of,
            states,
        }
    }

    /// The position of state (or pointer) `v` in σ.
    pub fn state_position(&self, v: VarId) -> Option<usize> {
        self.states.iter().position(|&s| s == v)
    }
}

/// Metadata of one field, as the runtime's `FieldInfo`.
#[derive(Clone, Debug, PartialEq)]
pub struct FieldMeta {
    /// Its name as in the .mod file.
    pub name: String,
    /// Its unit as written (empty when none).
    pub unit: String,
    /// Its default value.
    pub default: f64,
    /// Parameter, state or assigned.
    pub role: Role,
    /// The `<lo, hi>` limits, if given.
    pub limits: Option<(f64, f64)>,
}

/// An ion the mechanism uses, as the runtime's `IonUse`.
#[derive(Clone, Debug, PartialEq)]
pub struct IonMeta {
    /// The species.
    pub species: String,
    /// The declared valence, if any.
    pub valence: Option<i32>,
    /// The ion variables read.
    pub reads: Vec<IonRole>,
    /// The ion variables written.
    pub writes: Vec<IonRole>,
}

/// The metadata of a mechanism, as the runtime's `MechanismInfo`.
#[derive(Clone, Debug, PartialEq)]
pub struct Info {
    /// The mechanism's name.
    pub name: String,
    /// Whether it is a point process (else a density mechanism).
    pub point: bool,
    /// Its fields, in [`Layout::fields`] order.
    pub fields: Vec<FieldMeta>,
    /// Its ions, in USEION order.
    pub ions: Vec<IonMeta>,
    /// Whether it has a NET_RECEIVE block.
    pub net_receive: bool,
    /// The names of the NET_RECEIVE arguments, the weight first (the values each connection
    /// keeps).
    pub net_args: Vec<String>,
    /// The number of event statements (net_send, net_move) of INITIAL or of NET_RECEIVE,
    /// whichever has more: the slots of event requests each instance has.
    pub emit_slots: usize,
    /// Whether it is a VOLTAGE_PROCESS ([`Module::voltage_process`]): its `states` kernel sets
    /// v through its voltage field, after the voltage solve and every other mechanism's states.
    pub voltage_process: bool,
    /// Whether it has a POST_EVENT block ([`Module::post_event`]): the runtime sends each
    /// instance an event with the flag [`crate::ir::POST_EVENT_FLAG`] when the cell spikes.
    pub post_event: bool,
    /// Whether a kernel reads the instance's vector ([`crate::ir::StmtKind::VectorRead`]): the
    /// model description must give every instance one.
    pub vector: bool,
    /// The names of the FUNCTION_TABLEs ([`Module::function_tables`]), whose values the model
    /// gives; kernels read table k by its index.
    pub function_tables: Vec<String>,
    /// The species LONGITUDINAL_DIFFUSION moves ([`Module::longitudinal`]), as the field
    /// indices of the diffusing state, of its coefficient and of its volume (all states).
    pub longitudinal: Vec<[usize; 3]>,
}

/// The metadata of `m`; what the runtime cannot represent is reported in `diags`.
pub fn info(m: &Module, layout: &Layout, diags: &mut Diagnostics) -> Info {
    let fields = layout
        .fields
        .iter()
        .map(|f| {
            let v = m.var(f.var);
            FieldMeta {
                name: v.name.clone(),
                unit: v.unit.clone().unwrap_or_default(),
                default: v.value.unwrap_or(0.0),
                role: f.role,
                limits: v.limits,
            }
        })
        .collect();
    let ions = m
        .ions
        .iter()
        .map(|ion| {
            let valence = match ion.valence {
                None => None,
                Some(z) if z.fract() == 0.0 && z.abs() <= 64.0 => Some(z as i32),
                Some(z) => {
                    diags.push(Diagnostic::error(
                        ion.span,
                        format!("the valence {z} of `{}` is not an integer", ion.species),
                    ));
                    None
                }
            };
            let roles = |list: &[VarId]| -> Vec<IonRole> {
                list.iter()
                    .filter_map(|&v| match m.var(v).kind {
                        VarKind::Ion { role, .. } => Some(role),
                        _ => ion_binding(m, v).map(|b| b.1),
                    })
                    .filter(|&r| r != IonRole::Conductance)
                    .collect()
            };
            IonMeta {
                species: ion.species.clone(),
                valence,
                reads: roles(&ion.read),
                writes: roles(&ion.write),
            }
        })
        .collect();
    let point = match m.kind {
        MechKind::Density => false,
        MechKind::Point => true,
        // An artificial cell runs as a point process placed like one: it has no membrane
        // current and reads nothing of the cell, so where it sits does not change any result.
        MechKind::Artificial => {
            let touches = if !m.nonspecific.is_empty() || !m.ions.is_empty() {
                Some("a membrane current or an ion")
            } else if [Builtin::V, Builtin::Area, Builtin::Diam]
                .iter()
                .any(|&b| m.builtin(b).is_some())
            {
                Some("v, area or diam")
            } else {
                None
            };
            if let Some(what) = touches {
                diags.push(
                    Diagnostic::error(m.span, format!("an ARTIFICIAL_CELL cannot use {what}"))
                        .with_label("an artificial cell has no membrane")
                        .with_note("declare the mechanism as a POINT_PROCESS"),
                );
            }
            true
        }
    };
    Info {
        name: m.name.clone(),
        point,
        fields,
        ions,
        net_receive: m.net_receive.is_some(),
        net_args: m
            .net_receive
            .iter()
            .flat_map(|nr| nr.args.iter().map(|&a| m.var(a).name.clone()))
            .collect(),
        emit_slots: 0,
        voltage_process: m.voltage_process,
        post_event: m.post_event,
        vector: reads_vector(m),
        function_tables: m.function_tables.iter().map(|t| t.name.clone()).collect(),
        longitudinal: m
            .longitudinal
            .iter()
            .filter_map(|l| {
                let f = |v: VarId| layout.field_of.get(&v).copied();
                Some([f(l.species)?, f(l.rate)?, f(l.volume)?])
            })
            .collect(),
    }
}

/// Whether a block of `m` reads the instance's vector.
fn reads_vector(m: &Module) -> bool {
    let mut found = false;
    for b in &m.blocks {
        for s in &b.body {
            s.for_each_stmt(&mut |t| {
                found |= matches!(t.kind, crate::ir::StmtKind::VectorRead { .. })
            });
        }
    }
    found
}

/// For a STATE that a USEION names (a concentration a mechanism keeps as a state, as calcium
/// accumulation does; [`crate::ir::IonUse::states`]): its ion, role, and whether the mechanism
/// reads and writes it. Such a variable is loaded from the ion arrays when read, and stored to
/// both its field and the ion arrays when written.
pub fn ion_binding(m: &Module, v: VarId) -> Option<(usize, IonRole, bool, bool)> {
    m.ions.iter().enumerate().find_map(|(i, ion)| {
        let &(_, role) = ion.states.iter().find(|&&(s, _)| s == v)?;
        let (read, write) = (ion.read.contains(&v), ion.write.contains(&v));
        (read || write).then_some((i, role, read, write))
    })
}
