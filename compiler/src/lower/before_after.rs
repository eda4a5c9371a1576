//! Lowering of BEFORE and AFTER blocks: each becomes a block of kind
//! [`BlockKind::BeforeAfter`] listed in [`ir::Module::ba`] under the point of NEURON's step it
//! runs at (docs/DESIGN.md, "Events").

use super::Lowerer;
use crate::ast;
use crate::diag::Span;
use crate::ir::{self, BlockKind};

impl Lowerer<'_> {
    /// Lowers a BEFORE (`before`) or AFTER block at `when`: one of the five points NEURON runs
    /// them at ([`ir::BaPoint`]), at most one block per point.
    pub(super) fn before_after(
        &mut self,
        before: bool,
        when: ast::When,
        body: &ast::Block,
        span: Span,
    ) {
        use ast::When;
        let point = match (before, when) {
            (true, When::Initial) => ir::BaPoint::BeforeInitial,
            (false, When::Initial) => ir::BaPoint::AfterInitial,
            (true, When::Breakpoint) => ir::BaPoint::BeforeBreakpoint,
            (false, When::Solve) => ir::BaPoint::AfterSolve,
            (true, When::Step) => ir::BaPoint::BeforeStep,
            _ => {
                let word = |w| match w {
                    When::Initial => "INITIAL",
                    When::Breakpoint => "BREAKPOINT",
                    When::Solve => "SOLVE",
                    When::Step => "STEP",
                };
                let which = format!("{} {}", if before { "BEFORE" } else { "AFTER" }, word(when));
                self.error(
                    span,
                    format!(
                        "NEURON has no `{which}` block: it runs BEFORE INITIAL, AFTER INITIAL, \
                         BEFORE BREAKPOINT, AFTER SOLVE and BEFORE STEP"
                    ),
                );
                return;
            }
        };
        if self.m.ba.iter().any(|&(p, _)| p == point) {
            self.error(span, format!("a second {} block", point.keyword()));
            return;
        }
        let id = self.block(
            point.keyword(),
            BlockKind::BeforeAfter,
            &body.stmts,
            span,
            &[],
        );
        self.m.ba.push((point, id));
    }
}
