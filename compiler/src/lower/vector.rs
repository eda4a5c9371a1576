//! VecStim's hoc Vector idiom, lowered into reads of the instance's vector.
//!
//! NEURON's VecStim (`vecevent.mod` and its copies) keeps a hoc Vector of spike times, given by
//! `vs.play(vec)` from hoc or Python, and reads it in a PROCEDURE `element()` of VERBATIM C
//! (`verbatim::Verbatim::VectorElement`). gradmod gives each instance its vector from the model
//! description instead (`[[vector]]` of a model file; DESIGN.md, "Vectors"), and lowers the
//! whole body into NMODL statements around [`StmtKind::VectorRead`]:
//!
//! ```text
//! if (index >= 0) { i = floor(index) } else { i = ceil(index) }   : C's (int) cast
//! if (i >= 0) {
//!     size = vector size
//!     if (i < size) { x = vector[i]  etime = x  index = index + 1 } else { index = -1 }
//! }
//! ```
//!
//! NEURON's C also sets `index = -1` where no Vector was given; gradmod's runtime refuses to run
//! an instance without one (naming it), so that branch never runs and is left out. `play()`,
//! which only hoc calls, is never lowered; nor is the DESTRUCTOR that releases the Vector.
//!
//! The NMODL printer writes a read as `x = vector_element(i)` or `x = vector_size()` (gradmod's
//! own names, not NEURON's), which [`Lowerer::vector_read`] reads back, so that printed IR lowers
//! to itself.

use super::Binding;
use super::Lowerer;
use crate::ast;
use crate::diag::Span;
use crate::ir::{self, BinOp, Func, Scope, StmtKind, VarId, VarKind, Variable};
use crate::sym::build;

impl Lowerer<'_> {
    /// Lowers the body of `element()`: element `index` of the instance's vector into `value`.
    pub(super) fn vector_element(
        &mut self,
        index: &str,
        value: &str,
        span: Span,
        out: &mut Vec<ir::Stmt>,
    ) {
        let (Some(index), Some(value)) =
            (self.vector_var(index, span), self.vector_var(value, span))
        else {
            return;
        };
        let local = |l: &mut Self, name: &str| {
            l.add_var(Variable::new(name, VarKind::Local, Scope::Range, span))
        };
        let (i, size, x) = (local(self, "i"), local(self, "size"), local(self, "x"));
        let ar = &mut self.m.exprs;
        let idx = ar.var(index);
        let zero = ar.num(0.0);
        let nonneg = build::binary(ar, BinOp::Ge, idx, zero);
        let down = build::call(ar, Func::Floor, idx);
        let up = build::call(ar, Func::Ceil, idx);
        let vi = ar.var(i);
        let in_vector = build::binary(ar, BinOp::Ge, vi, zero);
        let vsize = ar.var(size);
        let below = build::binary(ar, BinOp::Lt, vi, vsize);
        let vx = ar.var(x);
        let one = ar.num(1.0);
        let next = build::add(ar, idx, one);
        let minus_one = ar.num(-1.0);
        let stmt = |kind| ir::Stmt { kind, span };
        let assign = |var, value| stmt(StmtKind::Assign { var, value });
        // The truncation as an `if`, not a select, so that the printed IR is NMODL.
        out.push(stmt(StmtKind::If {
            cond: nonneg,
            then: vec![assign(i, down)],
            otherwise: vec![assign(i, up)],
        }));
        out.push(stmt(StmtKind::If {
            cond: in_vector,
            then: vec![
                stmt(StmtKind::VectorRead {
                    var: size,
                    index: None,
                }),
                stmt(StmtKind::If {
                    cond: below,
                    then: vec![
                        stmt(StmtKind::VectorRead {
                            var: x,
                            index: Some(vi),
                        }),
                        assign(value, vx),
                        assign(index, next),
                    ],
                    otherwise: vec![assign(index, minus_one)],
                }),
            ],
            otherwise: Vec::new(),
        }));
    }

    /// The mechanism variable `name` of the idiom, which must be ASSIGNED (or a RANGE or
    /// GLOBAL variable the block may assign).
    fn vector_var(&mut self, name: &str, span: Span) -> Option<VarId> {
        match self.resolve(name) {
            Some(Binding::Var(v))
                if matches!(
                    self.m.var(v).kind,
                    VarKind::Assigned | VarKind::State | VarKind::Parameter
                ) =>
            {
                Some(v)
            }
            _ => {
                self.error(
                    span,
                    format!(
                        "the VERBATIM reading a hoc Vector names `{name}`, which is not an \
                         ASSIGNED variable of the mechanism"
                    ),
                );
                None
            }
        }
    }

    /// `var = vector_element(i)` or `var = vector_size()`, as the NMODL printer writes a
    /// [`StmtKind::VectorRead`], unless the file defines a FUNCTION of that name.
    pub(super) fn vector_read(
        &mut self,
        var: VarId,
        value: &ast::Expr,
        out: &mut Vec<ir::Stmt>,
    ) -> Option<StmtKind> {
        let ast::ExprKind::Call { func, args } = &value.kind else {
            return None;
        };
        let name = func.name.as_str();
        if self.callables.contains_key(name) {
            return None;
        }
        match (name, args.as_slice()) {
            ("vector_size", []) => Some(StmtKind::VectorRead { var, index: None }),
            ("vector_element", [i]) => {
                let index = self.expr(i, out);
                Some(StmtKind::VectorRead {
                    var,
                    index: Some(index),
                })
            }
            _ => None,
        }
    }
}
