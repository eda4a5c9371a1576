//! Lowering: the AST of one file to the IR of one mechanism.
//!
//! Names resolve to [`VarId`]s here, once. Declarations are read first (the NEURON block, UNITS,
//! PARAMETER, CONSTANT, STATE, ASSIGNED), then the blocks the runtime calls are lowered; the
//! blocks a SOLVE names are lowered when the SOLVE is met. User FUNCTIONs and PROCEDUREs are
//! inlined at each call (recursion is rejected), every LOCAL becomes a variable of its own with a
//! name unique in the module, arrays become one variable per element, and FROM loops with
//! constant bounds are unrolled. Constructs gradmod does not support are rejected by name, at
//! their location; nothing that changes a model's meaning is dropped silently.

mod before_after;
mod decls;
mod elements;
mod exprs;
mod for_netcons;
mod function_table;
mod hoist_solves;
mod library;
mod longitudinal;
mod own_currents;
mod post_event;
mod random;
mod returns;
mod starts;
mod stmts;
pub mod units;
mod vector;
mod verbatim;
mod voltage_process;

use std::collections::{HashMap, HashSet};

use crate::ast;
use crate::diag::{Diagnostic, Diagnostics, SourceMap, Span};
use crate::ir::{self, BlockId, ExprId, Module, VarId};

/// Lowers a parsed file to a module. Returns the module when there were no errors, and every
/// diagnostic (errors and warnings) either way.
pub fn lower(sources: &SourceMap, file: &ast::File) -> (Option<Module>, Diagnostics) {
    let name = sources.get(file.file).name.clone();
    let stem = std::path::Path::new(&name).file_stem().map_or_else(
        || "mechanism".to_string(),
        |s| s.to_string_lossy().into_owned(),
    );
    let mut l = Lowerer::new(file, stem);
    l.run();
    let Lowerer { m, diags, .. } = l;
    if diags.has_errors() {
        return (None, diags);
    }
    match ir::validate(&m) {
        Ok(()) => (Some(m), diags),
        Err(more) => {
            let mut diags = diags;
            diags.extend(more);
            (None, diags)
        }
    }
}

/// What a name stands for while lowering.
#[derive(Clone, Debug)]
enum Binding {
    /// A scalar variable.
    Var(VarId),
    /// An array: one variable per element.
    Array(Vec<VarId>),
    /// An expression substituted for the name (an argument of an inlined call that the body
    /// never assigns, or a FROM loop index).
    Expr(ExprId),
}

/// The lowering state of one file.
struct Lowerer<'a> {
    file: &'a ast::File,
    m: Module,
    diags: Diagnostics,
    /// Names visible everywhere: declared variables, constants and DEFINEs.
    globals: HashMap<String, Binding>,
    /// DEFINEd integer constants.
    defines: HashMap<String, f64>,
    /// FUNCTIONs and PROCEDUREs by name, for inlining.
    callables: HashMap<String, (&'a ast::Callable, bool)>,
    /// DERIVATIVE, KINETIC, LINEAR, NONLINEAR blocks by name.
    named: HashMap<String, (ir::BlockKind, &'a ast::NamedBlock)>,
    /// Blocks already lowered, by name (each is lowered once).
    lowered: HashMap<String, BlockId>,
    /// Local scopes, innermost last.
    scopes: Vec<HashMap<String, Binding>>,
    /// The FUNCTIONs and PROCEDUREs being inlined, outermost first (to bound recursion).
    call_stack: Vec<String>,
    /// The copies made so far of bodies that call themselves, and the FUNCTIONs and
    /// PROCEDUREs whose recursion was cut off (each warned about once).
    recursion: (usize, HashSet<String>),
    /// Every variable name used so far, to keep names unique.
    taken: HashSet<String>,
    /// The kind of block being lowered (what statements it may hold).
    context: ir::BlockKind,
    /// `f_flux` and `b_flux`: the forward and backward fluxes of the last reaction lowered.
    fluxes: Option<(ExprId, ExprId)>,
    /// The names of NEURON 9's RANDOM variables.
    randoms: HashSet<String>,
    /// The DERIVATIVE blocks solved by `METHOD stochastic`.
    stochastic: HashSet<String>,
    /// How a `return` leaves the body being lowered (`returns.rs`).
    returns: Option<returns::Returns>,
    /// The number of loops the statement being lowered is in.
    loops: usize,
    /// The openings of the hoc Random idiom's NMODL fallback not closed yet (`returns.rs`).
    random_fallbacks: Vec<Span>,
    /// The species of LONGITUDINAL_DIFFUSION statements, until every block is lowered.
    longitudinal_pending: Vec<longitudinal::Pending>,
    /// NET_RECEIVE's arguments, while its body is lowered (FOR_NETCONS binds them).
    net_args: Vec<VarId>,
    /// The body of NET_RECEIVE's FOR_NETCONS, once lowered.
    for_netcons_block: Option<BlockId>,
    /// Whether a FOR_NETCONS body is being lowered.
    in_for_netcons: bool,
}

impl<'a> Lowerer<'a> {
    fn new(file: &'a ast::File, stem: String) -> Self {
        Lowerer {
            file,
            m: Module::new(stem, ir::MechKind::Density, Span::default()),
            diags: Diagnostics::new(),
            globals: HashMap::new(),
            defines: HashMap::new(),
            callables: HashMap::new(),
            named: HashMap::new(),
            lowered: HashMap::new(),
            scopes: Vec::new(),
            call_stack: Vec::new(),
            recursion: (0, HashSet::new()),
            taken: HashSet::new(),
            context: ir::BlockKind::Initial,
            fluxes: None,
            randoms: HashSet::new(),
            stochastic: HashSet::new(),
            returns: None,
            loops: 0,
            random_fallbacks: Vec::new(),
            longitudinal_pending: Vec::new(),
            net_args: Vec::new(),
            for_netcons_block: None,
            in_for_netcons: false,
        }
    }

    fn run(&mut self) {
        self.declarations();
        if self.diags.has_errors() {
            return;
        }
        self.blocks();
        self.finish_longitudinal();
        self.post_event();
        self.own_currents();
        self.check_voltage_process();
        self.state_starts();
        self.check_random();
    }

    fn error(&mut self, span: Span, message: impl Into<String>) {
        self.diags.push(Diagnostic::error(span, message));
    }

    /// Reports a construct gradmod does not support, by name.
    fn unsupported(&mut self, span: Span, construct: &str, why: &str) {
        self.diags.push(
            Diagnostic::error(span, format!("unsupported construct: {construct}"))
                .with_label(format!("{construct} is not supported"))
                .with_note(why.to_string()),
        );
    }

    /// A name not used by any variable yet, based on `name`.
    fn fresh_name(&mut self, name: &str) -> String {
        let mut candidate = name.to_string();
        let mut n = 1;
        while self.taken.contains(&candidate) {
            candidate = format!("{name}_{n}");
            n += 1;
        }
        self.taken.insert(candidate.clone());
        candidate
    }

    /// The module's INITIAL block, made (empty) if the file has none.
    fn initial_block(&mut self) -> ir::BlockId {
        if let Some(b) = self.m.initial {
            return b;
        }
        let id = self.m.add_block(ir::Block {
            name: "INITIAL".to_string(),
            kind: ir::BlockKind::Initial,
            body: Vec::new(),
            span: crate::diag::Span::default(),
        });
        self.m.initial = Some(id);
        id
    }

    /// Adds a variable under a unique name.
    fn add_var(&mut self, mut var: ir::Variable) -> VarId {
        var.name = self.fresh_name(&var.name);
        self.m.add_var(var)
    }

    /// Adds an array of `n` elements like `var` under a unique name (`x`, or `x_1` for the
    /// second copy of an inlined LOCAL array), its elements named `x[0]`, `x[1]`, ..., and
    /// registers it in the module's array table, so that later stages know each element's array
    /// from the IR rather than from its name.
    fn add_array(&mut self, var: &ir::Variable, n: usize) -> Vec<VarId> {
        let base = self.fresh_name(&var.name);
        let elems: Vec<VarId> = (0..n)
            .map(|i| {
                let mut elem = var.clone();
                elem.name = self.fresh_name(&format!("{base}[{i}]"));
                self.m.add_var(elem)
            })
            .collect();
        self.m.array_of(&base, &elems, var.span);
        elems
    }

    /// Looks a name up: local scopes innermost first, then module-level names.
    fn resolve(&self, name: &str) -> Option<Binding> {
        for scope in self.scopes.iter().rev() {
            if let Some(b) = scope.get(name) {
                return Some(b.clone());
            }
        }
        self.globals.get(name).cloned()
    }

    /// Binds `name` in the innermost scope.
    fn bind_local(&mut self, name: &str, b: Binding) {
        if let Some(scope) = self.scopes.last_mut() {
            scope.insert(name.to_string(), b);
        } else {
            self.globals.insert(name.to_string(), b);
        }
    }
}
