//! Lowering of `LONGITUDINAL_DIFFUSION [i,] coefficient {species}` (docs/DESIGN.md,
//! "Longitudinal diffusion").
//!
//! The statement is no update of the KINETIC block it sits in: NEURON's `ldifus.cpp` diffuses
//! each species along the cable after every mechanism's state update, with the coefficient of the
//! statement (a diffusion constant times a cross-section factor) and the volume of the species'
//! COMPARTMENT, both evaluated per instance. Lowering records each diffused STATE with its
//! coefficient and volume expressions; once every block is lowered, each expression becomes a
//! STATE of its own that the end of INITIAL assigns ([`crate::ir::Longitudinal`]), so that the
//! runtime reads the values from the instance's fields and their tangents from σ.
//!
//! NEURON evaluates both at every step; evaluating them at the end of INITIAL is the same as
//! long as they depend on nothing that changes during a run, which lowering checks: PARAMETERs,
//! constants, `diam`, `area`, `celsius`, and ASSIGNED variables that only INITIAL assigns.

use super::{Binding, Lowerer};
use crate::ast;
use crate::diag::Span;
use crate::ir::{
    self, BlockKind, Builtin, ExprId, Longitudinal, MechKind, Scope, Stmt, StmtKind, VarId,
    VarKind, Variable,
};
use crate::sym::free_vars;

/// A species of a LONGITUDINAL_DIFFUSION statement, before its volume is known.
#[derive(Clone, Debug)]
pub(super) struct Pending {
    /// The STATE that diffuses.
    species: VarId,
    /// Its coefficient.
    rate: ExprId,
    /// Where the statement is.
    span: Span,
}

impl Lowerer<'_> {
    /// Records the species of one LONGITUDINAL_DIFFUSION statement of a KINETIC block.
    pub(super) fn longitudinal(
        &mut self,
        index: Option<&ast::Ident>,
        rate: &ast::Expr,
        species: &[ast::Reactant],
        span: Span,
        out: &mut Vec<ir::Stmt>,
    ) {
        if !self.in_kinetic(span, "LONGITUDINAL_DIFFUSION") {
            return;
        }
        if self.m.kind != MechKind::Density {
            self.error(
                span,
                "LONGITUDINAL_DIFFUSION needs a density mechanism (SUFFIX): NEURON diffuses \
                 between the segments a mechanism is inserted in",
            );
            return;
        }
        for r in species {
            let s = &r.name;
            if let Some(i) = &r.index {
                if let Some(v) = self.target(s, Some(i), out) {
                    let rate = self.expr(rate, out);
                    self.push_longitudinal(v, rate, s.span, span);
                }
                continue;
            }
            match (self.resolve(&s.name), index) {
                (Some(Binding::Var(v)), None) => {
                    let rate = self.expr(rate, out);
                    self.push_longitudinal(v, rate, s.span, span);
                }
                (Some(Binding::Array(vs)), Some(i)) => {
                    for (k, &v) in vs.iter().enumerate() {
                        self.scopes.push(std::collections::HashMap::new());
                        let ki = self.m.exprs.num(k as f64);
                        self.bind_local(&i.name, Binding::Expr(ki));
                        let rate = self.expr(rate, out);
                        self.scopes.pop();
                        self.push_longitudinal(v, rate, s.span, span);
                    }
                }
                (Some(Binding::Array(vs)), None) => {
                    let rate = self.expr(rate, out);
                    for v in vs {
                        self.push_longitudinal(v, rate, s.span, span);
                    }
                }
                _ => self.error(
                    s.span,
                    format!(
                        "`{}` in LONGITUDINAL_DIFFUSION is not a declared STATE",
                        s.name
                    ),
                ),
            }
        }
    }

    /// Records that `species` (named at `at`) diffuses with coefficient `rate`.
    fn push_longitudinal(&mut self, species: VarId, rate: ExprId, at: Span, span: Span) {
        let var = self.m.var(species);
        if var.kind != VarKind::State || self.is_ion_state(species) {
            let what = if var.kind == VarKind::State {
                "an ion's concentration"
            } else {
                "not a STATE"
            };
            self.error(
                at,
                format!(
                    "`{}` in LONGITUDINAL_DIFFUSION is {what}: gradmod diffuses STATEs of the \
                     mechanism's own (as cadif.mod diffuses `ca[0]` and copies it into `cai`)",
                    var.name
                ),
            );
            return;
        }
        if self
            .longitudinal_pending
            .iter()
            .any(|p| p.species == species)
        {
            self.error(
                at,
                format!(
                    "`{}` is named by more than one LONGITUDINAL_DIFFUSION statement",
                    var.name
                ),
            );
            return;
        }
        self.longitudinal_pending.push(Pending {
            species,
            rate,
            span,
        });
    }

    /// Whether `v` is a STATE a USEION statement binds to an ion's quantity.
    fn is_ion_state(&self, v: VarId) -> bool {
        self.m
            .ions
            .iter()
            .any(|ion| ion.states.iter().any(|&(s, _)| s == v))
    }

    /// Once every block is lowered: gives each diffused species its volume (from the
    /// COMPARTMENT naming it), checks what the coefficient and the volume depend on, and makes
    /// both STATEs that the end of INITIAL assigns.
    pub(super) fn finish_longitudinal(&mut self) {
        let pending = std::mem::take(&mut self.longitudinal_pending);
        let mut assigns = Vec::new();
        for p in pending {
            let name = self.m.var(p.species).name.clone();
            let Some(volume) = self.compartment_volume(p.species) else {
                self.error(
                    p.span,
                    format!(
                        "`{name}` diffuses but no COMPARTMENT gives its volume (NEURON then \
                         leaves out the diffusion of the whole mechanism without a word)"
                    ),
                );
                continue;
            };
            if !self.steady(p.rate, p.span, "coefficient") || !self.steady(volume, p.span, "volume")
            {
                continue;
            }
            let stem: String = name
                .chars()
                .map(|c| if c.is_ascii_alphanumeric() { c } else { '_' })
                .collect();
            let stem = stem.trim_end_matches('_').to_string();
            let rate = self.add_var(Variable::new(
                format!("ldiff_rate_{stem}"),
                VarKind::State,
                Scope::Range,
                p.span,
            ));
            let vol = self.add_var(Variable::new(
                format!("ldiff_volume_{stem}"),
                VarKind::State,
                Scope::Range,
                p.span,
            ));
            assigns.push(Stmt {
                kind: StmtKind::Assign {
                    var: rate,
                    value: p.rate,
                },
                span: p.span,
            });
            assigns.push(Stmt {
                kind: StmtKind::Assign {
                    var: vol,
                    value: volume,
                },
                span: p.span,
            });
            self.m.longitudinal.push(Longitudinal {
                species: p.species,
                rate,
                volume: vol,
                span: p.span,
            });
        }
        if assigns.is_empty() {
            return;
        }
        let initial = self.initial_block();
        self.m.blocks[initial.index()].body.extend(assigns);
    }

    /// The volume the COMPARTMENT statements of the KINETIC blocks give `state`, if any.
    fn compartment_volume(&self, state: VarId) -> Option<ExprId> {
        self.m
            .blocks
            .iter()
            .filter(|b| b.kind == BlockKind::Kinetic)
            .flat_map(|b| &b.body)
            .find_map(|s| match &s.kind {
                StmtKind::Compartment { volume, states } if states.contains(&state) => {
                    Some(*volume)
                }
                _ => None,
            })
    }

    /// Whether `e` (the `what` of a statement at `span`) depends only on what does not change
    /// during a run; reports the first variable that does otherwise.
    fn steady(&mut self, e: ExprId, span: Span, what: &str) -> bool {
        let initial = self.m.initial;
        for v in free_vars(&self.m.exprs, e) {
            let var = self.m.var(v);
            let ok = match var.kind {
                VarKind::Parameter | VarKind::Constant => true,
                VarKind::Builtin(b) => {
                    matches!(b, Builtin::Diam | Builtin::Area | Builtin::Celsius)
                }
                VarKind::Assigned => !self.m.blocks.iter().enumerate().any(|(i, b)| {
                    Some(ir::BlockId(i as u32)) != initial
                        && ir::assigned_vars(&b.body).contains(&v)
                }),
                _ => false,
            };
            if !ok {
                let name = var.name.clone();
                self.error(
                    span,
                    format!(
                        "the {what} of LONGITUDINAL_DIFFUSION depends on `{name}`, which \
                         changes during a run: gradmod evaluates it once, at the end of INITIAL, \
                         so it may depend only on PARAMETERs, constants, diam, area, celsius and \
                         ASSIGNED variables that only INITIAL assigns"
                    ),
                );
                return false;
            }
        }
        true
    }
}
