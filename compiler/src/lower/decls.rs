//! Lowering of declarations: the NEURON block, UNITS, DEFINE, PARAMETER, CONSTANT, STATE, ASSIGNED
//! and the ions a mechanism uses.

use super::units::UnitTable;
use super::{Binding, Lowerer};
use crate::ast::{self, ArraySize, ItemKind, NeuronKind};
use crate::diag::Diagnostic;
use crate::diag::Span;
use crate::ir::{Builtin, IonId, IonRole, IonUse, MechKind, Scope, VarId, VarKind, Variable};

/// Whether `text` is a unit NEURON's unit library knows under a spelling gradmod's calculator does
/// not (`mv`, `deg`, `megohm`, as published files write them).
fn neuron_spelling(units: &UnitTable, text: &str) -> bool {
    let respelled = text
        .replace("mv", "mV")
        .replace("megohm", "megaohm")
        .replace("degree", "degC")
        .replace("deg", "degC")
        .replace("degCC", "degC");
    units.factor(&respelled).is_ok()
}

/// Which declaration block a declaration comes from.
#[derive(Clone, Copy, PartialEq, Eq)]
enum DeclBlock {
    Parameter,
    Constant,
    State,
    Assigned,
}

impl Lowerer<'_> {
    /// Reads every declaration of the file into the module's variable table.
    pub(super) fn declarations(&mut self) {
        let file = self.file;
        let mut units = UnitTable::new();
        let mut neuron = Vec::new();
        let mut kind_seen = false;
        let mut junction = None;
        for item in &file.items {
            match &item.kind {
                ItemKind::Title(t) => self.m.title = Some(t.clone()),
                ItemKind::Define { name, value } => {
                    self.defines.insert(name.name.clone(), value.value);
                }
                ItemKind::Units(defs) => self.unit_defs(defs, &mut units),
                ItemKind::Neuron(stmts) => {
                    for s in stmts {
                        let (kind, name) = match &s.kind {
                            NeuronKind::Suffix(n) => (MechKind::Density, n),
                            NeuronKind::PointProcess(n) => (MechKind::Point, n),
                            NeuronKind::ArtificialCell(n) => (MechKind::Artificial, n),
                            NeuronKind::JunctionProcess(n) => {
                                junction = Some(n.span);
                                (MechKind::Point, n)
                            }
                            NeuronKind::VoltageProcess(n) => {
                                self.m.voltage_process = true;
                                (MechKind::Density, n)
                            }
                            _ => {
                                neuron.push(s);
                                continue;
                            }
                        };
                        if kind_seen {
                            self.error(s.span, "a second SUFFIX, POINT_PROCESS, ARTIFICIAL_CELL, JUNCTION_PROCESS or VOLTAGE_PROCESS");
                        }
                        kind_seen = true;
                        self.m.kind = kind;
                        self.m.name = name.name.clone();
                        self.m.span = name.span;
                    }
                }
                _ => {}
            }
        }
        for item in &file.items {
            match &item.kind {
                ItemKind::Parameter(decls) => self.decl_block(decls, DeclBlock::Parameter, &units),
                ItemKind::Constant(decls) => self.decl_block(decls, DeclBlock::Constant, &units),
                ItemKind::State(decls) => self.decl_block(decls, DeclBlock::State, &units),
                ItemKind::Assigned(decls) => self.decl_block(decls, DeclBlock::Assigned, &units),
                ItemKind::Local(vars) => {
                    // File-level LOCALs are temporaries shared by the file's blocks.
                    for v in vars {
                        let size = v.size.as_ref().map(|s| self.array_size(s));
                        self.declare(
                            &v.name,
                            size,
                            Variable::new(
                                &v.name.name,
                                VarKind::Assigned,
                                Scope::Global,
                                v.name.span,
                            ),
                        );
                    }
                }
                ItemKind::WhiteNoise(decls) => self.white_noise(decls),
                _ => {}
            }
        }
        for s in neuron {
            self.neuron_stmt(s);
        }
        // Arbor's JUNCTION_PROCESS is a point process whose current reads the potential at the
        // other end of its gap junction, `v_peer`: here a POINTER (mV) the model binds to v at
        // the peer's location, as a gap junction written for NEURON reads it.
        if let Some(span) = junction {
            let v_peer = ast::Ident {
                name: "v_peer".to_string(),
                span,
            };
            self.neuron_stmt(&ast::NeuronStmt {
                kind: NeuronKind::Pointer(vec![v_peer]),
                span,
            });
            if let Some(Binding::Var(v)) = self.globals.get("v_peer") {
                self.m.vars[v.index()].unit = Some("mV".to_string());
            }
        }
        self.other_items();
    }

    fn unit_defs(&mut self, defs: &[ast::UnitDef], units: &mut UnitTable) {
        for def in defs {
            match def {
                ast::UnitDef::Alias {
                    name,
                    definition,
                    span,
                } => {
                    if let Err(msg) = units.define(&name.text, &definition.text) {
                        // An alias only matters for constants defined through it; report it then.
                        self.diags.push(crate::diag::Diagnostic::warning(
                            *span,
                            format!("unit alias not understood: {msg}"),
                        ));
                    }
                }
                ast::UnitDef::Constant {
                    name,
                    value,
                    units: to,
                    span,
                } => {
                    let (x, unit) = match value {
                        ast::UnitValue::Number(n) => (
                            Ok(n.value),
                            to.as_ref().or(n.units.as_ref()).map(|u| u.text.clone()),
                        ),
                        ast::UnitValue::Factor(f) => {
                            let target = to.as_ref().map_or("1", |u| u.text.as_str());
                            (
                                units.constant(&f.text, target),
                                to.as_ref().map(|u| u.text.clone()),
                            )
                        }
                    };
                    match x {
                        Ok(x) => {
                            let mut var =
                                Variable::new(&name.name, VarKind::Constant, Scope::Global, *span);
                            var.value = Some(x);
                            var.unit = unit;
                            self.declare(name, None, var);
                        }
                        Err(msg) => self.error(
                            *span,
                            format!("cannot evaluate the constant `{}`: {msg}", name.name),
                        ),
                    }
                }
            }
        }
    }

    /// The size of an array declaration.
    pub(super) fn array_size(&mut self, size: &ArraySize) -> usize {
        match size {
            ArraySize::Int(n, _) => *n as usize,
            ArraySize::Name(id) => match self.defines.get(&id.name) {
                Some(&x) if x >= 0.0 && x.fract() == 0.0 => x as usize,
                _ => {
                    self.error(
                        id.span,
                        format!("the array size `{}` is not a DEFINEd integer", id.name),
                    );
                    0
                }
            },
        }
    }

    fn decl_block(&mut self, decls: &[ast::Decl], block: DeclBlock, units: &UnitTable) {
        for d in decls {
            if let Some(b) = Builtin::from_name(&d.name.name) {
                self.builtin_var(b, d.name.span);
                continue;
            }
            let (kind, scope) = match block {
                DeclBlock::Parameter => (VarKind::Parameter, Scope::Global),
                DeclBlock::Constant => (VarKind::Constant, Scope::Global),
                DeclBlock::State => (VarKind::State, Scope::Range),
                DeclBlock::Assigned => (VarKind::Assigned, Scope::Global),
            };
            let mut var = Variable::new(&d.name.name, kind, scope, d.name.span);
            var.unit = d.units.as_ref().map(|u| u.text.clone());
            // A unit that neither NEURON's library nor the file's UNITS block defines is most
            // likely a typo; the value is used as written either way (as NEURON does).
            if let (DeclBlock::Parameter, Some(u)) = (block, &d.units)
                && let Err(why) = units.factor(&u.text)
                && !neuron_spelling(units, &u.text)
            {
                self.diags.push(
                    Diagnostic::warning(
                        u.span,
                        format!(
                            "unknown unit `{}` of the PARAMETER `{}`",
                            u.text, d.name.name
                        ),
                    )
                    .with_note(format!("{why}; the value is used as written")),
                );
            }
            var.value = d.value.as_ref().map(|n| n.value);
            if let Some(ast::Limits::Range(lo, hi)) = &d.limits {
                var.limits = Some((lo.value, hi.value));
            }
            if block == DeclBlock::Constant && var.value.is_none() {
                self.error(
                    d.span,
                    format!("the CONSTANT `{}` has no value", d.name.name),
                );
            }
            let size = d.size.as_ref().map(|s| self.array_size(s));
            self.declare(&d.name, size, var);
        }
    }

    /// Declares a module-level variable (or array), reporting a second declaration.
    fn declare(&mut self, name: &ast::Ident, size: Option<usize>, var: Variable) {
        if let Some(prev) = self.globals.get(&name.name) {
            let what = match prev {
                Binding::Var(v) => self.m.var(*v).span,
                Binding::Array(vs) => vs.first().map_or(name.span, |&v| self.m.var(v).span),
                Binding::Expr(_) => name.span,
            };
            let (line, _) = (what.start, what.end);
            let _ = line;
            self.error(name.span, format!("`{}` is declared twice", name.name));
            return;
        }
        if self.defines.contains_key(&name.name) {
            self.error(
                name.span,
                format!(
                    "`{}` is a DEFINEd constant and cannot be declared",
                    name.name
                ),
            );
            return;
        }
        let binding = match size {
            None => Binding::Var(self.add_var(var)),
            Some(n) => Binding::Array(self.add_array(&var, n)),
        };
        self.globals.insert(name.name.clone(), binding);
    }

    /// The variable for builtin `b`, created on first use.
    pub(super) fn builtin_var(&mut self, b: Builtin, span: Span) -> VarId {
        if let Some(v) = self.m.builtin(b) {
            return v;
        }
        let scope = if matches!(b, Builtin::V | Builtin::Area | Builtin::Diam) {
            Scope::Range
        } else {
            Scope::Global
        };
        let mut var = Variable::new(b.name(), VarKind::Builtin(b), scope, span);
        var.unit = Some(b.unit().to_string());
        self.taken.insert(b.name().to_string());
        let id = self.m.add_var(var);
        self.globals.insert(b.name().to_string(), Binding::Var(id));
        id
    }

    fn neuron_stmt(&mut self, s: &ast::NeuronStmt) {
        match &s.kind {
            // The mechanism's kind and name were read first; an ontology term has no effect.
            NeuronKind::Suffix(_)
            | NeuronKind::PointProcess(_)
            | NeuronKind::ArtificialCell(_)
            | NeuronKind::JunctionProcess(_)
            | NeuronKind::VoltageProcess(_)
            | NeuronKind::Represents(_) => {}
            NeuronKind::UseIon(u) => self.use_ion(u, s.span),
            NeuronKind::NonspecificCurrent(names) | NeuronKind::ElectrodeCurrent(names) => {
                if matches!(s.kind, NeuronKind::ElectrodeCurrent(_)) {
                    self.m.electrode_current = true;
                }
                for n in names {
                    let v = match self.globals.get(&n.name) {
                        Some(Binding::Var(v)) => *v,
                        Some(_) => {
                            self.error(
                                n.span,
                                format!("the current `{}` must be a scalar", n.name),
                            );
                            continue;
                        }
                        None => {
                            let var =
                                Variable::new(&n.name, VarKind::Assigned, Scope::Range, n.span);
                            self.declare(n, None, var);
                            match self.globals.get(&n.name) {
                                Some(Binding::Var(v)) => *v,
                                _ => continue,
                            }
                        }
                    };
                    // A current may be a STATE (a synaptic current that decays and jumps at
                    // events, as PyNN's ExpISyn): NEURON then adds the state's value at the
                    // step's start to the membrane current, with a zero slope in v.
                    if self.m.vars[v.index()].kind != VarKind::State {
                        self.m.vars[v.index()].kind = VarKind::Assigned;
                    }
                    self.m.vars[v.index()].scope = Scope::Range;
                    self.m.nonspecific.push(v);
                }
            }
            NeuronKind::Range(names) | NeuronKind::Global(names) => {
                let scope = if matches!(s.kind, NeuronKind::Range(_)) {
                    Scope::Range
                } else {
                    Scope::Global
                };
                for n in names {
                    let ids = match self.globals.get(&n.name) {
                        Some(Binding::Var(v)) => vec![*v],
                        Some(Binding::Array(vs)) => vs.clone(),
                        _ => {
                            // NEURON accepts RANGE names it has not seen declared (and then
                            // declares them ASSIGNED); so do we.
                            let var = Variable::new(&n.name, VarKind::Assigned, scope, n.span);
                            self.declare(n, None, var);
                            continue;
                        }
                    };
                    for v in ids {
                        let var = &mut self.m.vars[v.index()];
                        if matches!(var.kind, VarKind::Parameter | VarKind::Assigned) {
                            var.scope = scope;
                        }
                    }
                }
            }
            NeuronKind::ThreadSafe(_) => self.m.threadsafe = true,
            NeuronKind::Pointer(names) => {
                let idiom_pointers = super::returns::idiom_pointers(self.file);
                for n in names {
                    let v = match self.globals.get(&n.name) {
                        Some(Binding::Var(v)) => *v,
                        Some(_) => {
                            self.error(
                                n.span,
                                format!("the POINTER `{}` must be a scalar", n.name),
                            );
                            continue;
                        }
                        None => {
                            // NEURON declares an undeclared POINTER name ASSIGNED; so do we.
                            let var =
                                Variable::new(&n.name, VarKind::Assigned, Scope::Range, n.span);
                            self.declare(n, None, var);
                            match self.globals.get(&n.name) {
                                Some(Binding::Var(v)) => *v,
                                _ => continue,
                            }
                        }
                    };
                    if self.m.vars[v.index()].kind != VarKind::Assigned {
                        self.error(
                            n.span,
                            format!("the POINTER `{}` must be declared ASSIGNED", n.name),
                        );
                        continue;
                    }
                    // A POINTER that holds a hoc Random object or a hoc Vector for an idiom of
                    // `verbatim.rs` stays an ASSIGNED variable, bound to nothing.
                    if !self.m.pointers.contains(&v) && !idiom_pointers.contains(&n.name) {
                        self.m.vars[v.index()].scope = Scope::Range;
                        self.m.pointers.push(v);
                    }
                }
            }
            // A BBCOREPOINTER marks a handle (a hoc Vector, a random stream) whose data
            // CoreNEURON's transfer functions (bbcore_write, bbcore_read) copy; only VERBATIM C
            // reads it, which is translated or rejected where it stands. The declaration
            // itself means nothing without CoreNEURON: the name is an ASSIGNED variable bound
            // to nothing, declared ASSIGNED where the file does not, as NEURON does.
            NeuronKind::BbcorePointer(names) => {
                for n in names {
                    if !self.globals.contains_key(&n.name) {
                        let var = Variable::new(&n.name, VarKind::Assigned, Scope::Range, n.span);
                        self.declare(n, None, var);
                    }
                }
            }
            // EXTERNAL names a C global that the generated C links to (NEURON 9's mechanisms'
            // variables are not: `EXTERNAL minf_hh` fails to load there with an undefined
            // symbol); the simulator's own (t, dt, celsius) read as they do without it.
            NeuronKind::External(names) => {
                for n in names {
                    if !matches!(n.name.as_str(), "t" | "dt" | "celsius") {
                        self.unsupported(
                            n.span,
                            &format!("EXTERNAL {}", n.name),
                            "an EXTERNAL variable is a C global that the mechanism links to: \
                             NEURON 9 cannot load one that names another mechanism's variable \
                             either (they are not C globals there), and gradmod has no hoc; only \
                             the simulator's t, dt and celsius are known (declare a PARAMETER and \
                             set it in the model instead).",
                        );
                    }
                }
            }
            NeuronKind::Random(names) => self.random_decls(names),
        }
    }

    fn use_ion(&mut self, u: &ast::UseIon, span: Span) {
        let species = u.ion.name.clone();
        if self.m.ions.iter().any(|i| i.species == species) {
            self.error(u.ion.span, format!("USEION {species} appears twice"));
            return;
        }
        let ion = IonId(self.m.ions.len() as u32);
        let mut valence = u.valence.as_ref().map(|n| n.value);
        if let Some(n) = &u.valence_name {
            valence = Some(self.named_valence(n, &species));
        }
        self.m.ions.push(IonUse {
            species: species.clone(),
            valence,
            read: vec![],
            write: vec![],
            states: vec![],
            span,
        });
        for (names, write) in [(&u.read, false), (&u.write, true)] {
            for n in names {
                let Some(role) = ion_role(&species, &n.name) else {
                    let message = format!(
                        "`{}` is not a variable of the ion {species} (expected i{species}, e{species}, {species}i, {species}o or Arbor's {species}d)",
                        n.name
                    );
                    self.error(n.span, message);
                    continue;
                };
                let v = self.ion_var(n, ion, role);
                let entry = &mut self.m.ions[ion.index()];
                if write {
                    entry.write.push(v)
                } else {
                    entry.read.push(v)
                }
            }
        }
    }

    /// `DESTRUCTOR`: NEURON runs it when an instance is freed, and its C code (VERBATIM) frees
    /// what other C code made (vectors, random streams), which gradmod rejects where it is
    /// made. Empty or VERBATIM only, it has no meaning here and is ignored; NMODL statements in
    /// it are rejected by name (a value set as the instance goes away has no reader here).
    fn destructor(&mut self, body: &ast::Block, span: Span) {
        let meaningful = body.stmts.iter().any(|s| {
            !matches!(
                s.kind,
                ast::StmtKind::Verbatim(_) | ast::StmtKind::MutexLock | ast::StmtKind::MutexUnlock
            )
        });
        if meaningful {
            self.unsupported(
                span,
                "DESTRUCTOR",
                "a DESTRUCTOR with NMODL statements is not supported (one holding only VERBATIM, \
                 C code that frees what C code made, is ignored).",
            );
        }
    }

    /// Arbor's `VALENCE zx`: `zx` becomes a CONSTANT holding the species' valence, the
    /// runtime's for the species (2 for ca, 1 for every other species, as
    /// `runtime::ions::defaults` has them), which the mechanism's metadata then declares, so
    /// that a cell whose mechanisms declare another valence for the species is refused.
    fn named_valence(&mut self, n: &ast::Ident, species: &str) -> f64 {
        let z = if species == "ca" { 2.0 } else { 1.0 };
        if self.globals.contains_key(&n.name) {
            self.error(
                n.span,
                format!(
                    "`{}` names the valence of the ion {species} and is declared elsewhere too",
                    n.name
                ),
            );
            return z;
        }
        let mut var = Variable::new(&n.name, VarKind::Constant, Scope::Global, n.span);
        var.value = Some(z);
        let id = self.add_var(var);
        self.globals.insert(n.name.clone(), Binding::Var(id));
        z
    }

    /// Makes a diffusive concentration the mechanism writes (Arbor's `Xd`) a STATE bound to the
    /// ion, when a DERIVATIVE block gives it a derivative (Arbor's `decay`: `xd' = -tau*xd`).
    /// The state is read from the ion at the start of each kernel, as the runtime diffuses it
    /// between steps, and stored to it after.
    pub(super) fn diffusive_state(&mut self, v: VarId) {
        let VarKind::Ion {
            ion,
            role: IonRole::ConcDiff,
        } = self.m.vars[v.index()].kind
        else {
            return;
        };
        let entry = &mut self.m.ions[ion.index()];
        if !entry.write.contains(&v) {
            return;
        }
        if !entry.read.contains(&v) {
            entry.read.push(v);
        }
        entry.states.push((v, IonRole::ConcDiff));
        self.m.vars[v.index()].kind = VarKind::State;
    }

    /// The variable of an ion quantity: the declared one, re-kinded (a declared STATE stays a
    /// state, as in calcium-accumulation mechanisms), or a new one.
    fn ion_var(&mut self, n: &ast::Ident, ion: IonId, role: IonRole) -> VarId {
        match self.globals.get(&n.name) {
            Some(Binding::Var(v)) => {
                let v = *v;
                let var = &mut self.m.vars[v.index()];
                if var.kind == VarKind::State {
                    let states = &mut self.m.ions[ion.index()].states;
                    if !states.contains(&(v, role)) {
                        states.push((v, role));
                    }
                } else {
                    var.kind = VarKind::Ion { ion, role };
                    var.scope = Scope::Range;
                    var.value = None;
                }
                v
            }
            _ => {
                let mut var =
                    Variable::new(&n.name, VarKind::Ion { ion, role }, Scope::Range, n.span);
                var.unit = Some(
                    match role {
                        IonRole::Current => "mA/cm2",
                        IonRole::Reversal => "mV",
                        IonRole::ConcIn | IonRole::ConcOut | IonRole::ConcDiff => "mM",
                        IonRole::Conductance => "S/cm2",
                    }
                    .to_string(),
                );
                let id = self.add_var(var);
                self.globals.insert(n.name.clone(), Binding::Var(id));
                id
            }
        }
    }

    /// Collects FUNCTIONs, PROCEDUREs and named blocks, and rejects unsupported items.
    fn other_items(&mut self) {
        let file = self.file;
        for item in &file.items {
            match &item.kind {
                ItemKind::Procedure(c) | ItemKind::Function(c) => {
                    let is_function = matches!(item.kind, ItemKind::Function(_));
                    if self.callables.insert(c.name.name.clone(), (c, is_function)).is_some() {
                        self.error(c.name.span, format!("`{}` is defined twice", c.name.name));
                    }
                }
                ItemKind::Derivative(b) | ItemKind::Kinetic(b) | ItemKind::Linear(b) | ItemKind::NonLinear(b) => {
                    let kind = match item.kind {
                        ItemKind::Derivative(_) => crate::ir::BlockKind::Derivative,
                        ItemKind::Kinetic(_) => crate::ir::BlockKind::Kinetic,
                        ItemKind::Linear(_) => crate::ir::BlockKind::Linear,
                        _ => crate::ir::BlockKind::NonLinear,
                    };
                    if self.named.insert(b.name.name.clone(), (kind, b)).is_some() {
                        self.error(b.name.span, format!("the block `{}` is defined twice", b.name.name));
                    }
                }
                ItemKind::FunctionTable { name, params, units } => {
                    self.function_table(name, params, units.as_ref())
                }
                ItemKind::Constructor(_) => self.unsupported(item.span, "CONSTRUCTOR", "CONSTRUCTOR blocks (C code run when an instance is created) are not supported."),
                ItemKind::Destructor(body) => self.destructor(body, item.span),
                // Header text (preprocessor lines, prototypes) declares C names for other C
                // code, which is translated or rejected where it stands: it is ignored.
                ItemKind::Verbatim(text) => match super::verbatim::classify(text) {
                    super::verbatim::Verbatim::Header => {}
                    super::verbatim::Verbatim::Return(_) => self.error(item.span, "`return` outside a block"),
                    super::verbatim::Verbatim::Code(what) => self.verbatim_code(what, item.span),
                    // bbcore_write and bbcore_read copy a BBCOREPOINTER's data to CoreNEURON and
                    // back; NEURON calls them only when it hands the model to CoreNEURON, which
                    // gradmod has no counterpart of: ignored.
                    super::verbatim::Verbatim::CoreNeuron => {}
                    super::verbatim::Verbatim::RandomOpen { .. }
                    | super::verbatim::Verbatim::Close
                    | super::verbatim::Verbatim::VectorElement { .. } => {
                        self.verbatim_code(None, item.span)
                    }
                },
                _ => {}
            }
        }
    }
}

/// The role of `name` as a variable of `species`, if it is one.
pub(super) fn ion_role(species: &str, name: &str) -> Option<IonRole> {
    if name.strip_prefix('i') == Some(species) {
        Some(IonRole::Current)
    } else if name.strip_prefix('e') == Some(species) {
        Some(IonRole::Reversal)
    } else if name.strip_suffix('i') == Some(species) {
        Some(IonRole::ConcIn)
    } else if name.strip_suffix('o') == Some(species) {
        Some(IonRole::ConcOut)
    } else if name.strip_suffix('d') == Some(species) {
        Some(IonRole::ConcDiff)
    } else {
        None
    }
}
