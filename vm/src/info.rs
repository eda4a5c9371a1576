//! The runtime's `MechanismInfo` for a mechanism compiled at run time.
//!
//! The runtime's metadata is `'static` (generated code declares it as a `static`), so the
//! metadata of a mechanism compiled at run time is leaked once and interned: loading the same
//! mechanism again reuses it, so a process that loads files repeatedly (tests, notebooks) does
//! not grow.

use std::sync::Mutex;

use gradmod_compiler::back::kernels::Info;
use gradmod_compiler::back::kernels::layout::Role;
use gradmod_compiler::ir::IonRole;
use gradmod_runtime::mechanism::{
    FieldInfo, FieldRole, IonUse, IonVar, Longitudinal, MechanismInfo, MechanismKind,
};

/// Every metadata leaked so far, with what it was made from.
static INTERNED: Mutex<Vec<(Info, &'static MechanismInfo)>> = Mutex::new(Vec::new());

/// The runtime's metadata for `info`.
pub fn intern(info: &Info) -> &'static MechanismInfo {
    let mut table = INTERNED.lock().unwrap_or_else(|e| e.into_inner());
    if let Some((_, m)) = table.iter().find(|(i, _)| i == info) {
        return m;
    }
    let m: &'static MechanismInfo = Box::leak(Box::new(convert(info)));
    table.push((info.clone(), m));
    m
}

/// The runtime's list of the states `info` diffuses along the cable: empty for almost every
/// mechanism, and leaked (a few words per load) for those with LONGITUDINAL_DIFFUSION.
pub fn longitudinal(info: &Info) -> &'static [Longitudinal] {
    if info.longitudinal.is_empty() {
        return &[];
    }
    Box::leak(
        info.longitudinal
            .iter()
            .map(|&[species, rate, volume]| Longitudinal {
                species,
                rate,
                volume,
            })
            .collect::<Vec<_>>()
            .into_boxed_slice(),
    )
}

fn leak_str(s: &str) -> &'static str {
    Box::leak(s.to_string().into_boxed_str())
}

fn ion_var(role: IonRole) -> Option<IonVar> {
    Some(match role {
        IonRole::Current => IonVar::Current,
        IonRole::Reversal => IonVar::Reversal,
        IonRole::ConcIn => IonVar::Inside,
        IonRole::ConcOut => IonVar::Outside,
        IonRole::ConcDiff => IonVar::Diffusive,
        IonRole::Conductance => return None,
    })
}

fn convert(info: &Info) -> MechanismInfo {
    let fields: Vec<FieldInfo> = info
        .fields
        .iter()
        .map(|f| FieldInfo {
            name: leak_str(&f.name),
            unit: leak_str(&f.unit),
            default: f.default,
            role: match f.role {
                Role::Parameter => FieldRole::Parameter,
                Role::State => FieldRole::State,
                Role::Assigned => FieldRole::Assigned,
                Role::Pointer => FieldRole::Pointer,
                Role::Voltage => FieldRole::Voltage,
            },
            lower: f.limits.map(|l| l.0),
            upper: f.limits.map(|l| l.1),
        })
        .collect();
    let vars = |roles: &[IonRole]| -> &'static [IonVar] {
        Box::leak(
            roles
                .iter()
                .filter_map(|&r| ion_var(r))
                .collect::<Vec<_>>()
                .into_boxed_slice(),
        )
    };
    let ions: Vec<IonUse> = info
        .ions
        .iter()
        .map(|i| IonUse {
            name: leak_str(&i.species),
            valence: i.valence,
            reads: vars(&i.reads),
            writes: vars(&i.writes),
        })
        .collect();
    MechanismInfo {
        name: leak_str(&info.name),
        kind: if info.point {
            MechanismKind::Point
        } else {
            MechanismKind::Density
        },
        fields: Box::leak(fields.into_boxed_slice()),
        ions: Box::leak(ions.into_boxed_slice()),
        net_receive: info.net_receive,
        emit_slots: info.emit_slots,
        voltage_process: info.voltage_process,
        post_event: info.post_event,
        vector: info.vector,
        function_tables: Box::leak(
            info.function_tables
                .iter()
                .map(|n| leak_str(n))
                .collect::<Vec<&'static str>>()
                .into_boxed_slice(),
        ),
        net_args: Box::leak(
            info.net_args
                .iter()
                .map(|a| leak_str(a))
                .collect::<Vec<_>>()
                .into_boxed_slice(),
        ),
    }
}
