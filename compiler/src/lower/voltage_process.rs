//! Lowering of a VOLTAGE_PROCESS (Arbor's v_clamp, v_limit): its BREAKPOINT as a PROCEDURE on a
//! copy of v, and what such a process may not hold.

use super::Lowerer;
use crate::ast;
use crate::ir::{self, Block, BlockId, BlockKind, SolveMethod, StmtKind, VarKind};

/// The name of the PROCEDURE a VOLTAGE_PROCESS's BREAKPOINT becomes.
pub(super) const VOLTAGE_PROCESS_BLOCK: &str = "voltage_process";

impl Lowerer<'_> {
    /// Lowers the BREAKPOINT of a VOLTAGE_PROCESS (Arbor's v_clamp, v_limit): its statements
    /// become a PROCEDURE that works on a copy of v ([`ir::Module::voltage`], as NET_RECEIVE's
    /// copy), and BREAKPOINT solves that PROCEDURE, so that it is the mechanism's `states`
    /// kernel. The runtime runs it after the voltage solve and every other mechanism's states,
    /// and writes the copy and its tangent into v and S_k at the instance's CV, as Arbor runs a
    /// voltage process's BREAKPOINT after its cable solve and state updates.
    pub(super) fn voltage_process(&mut self, b: &ast::Block) -> BlockId {
        let body = self.block(
            VOLTAGE_PROCESS_BLOCK,
            BlockKind::Procedure,
            &b.stmts,
            b.span,
            &[],
        );
        let mut stmts = Vec::new();
        let method = SolveMethod::Direct;
        Self::push(
            &mut stmts,
            StmtKind::Solve {
                block: body,
                method,
            },
            b.span,
        );
        self.m.add_block(Block {
            name: "BREAKPOINT".to_string(),
            kind: BlockKind::Breakpoint,
            body: stmts,
            span: b.span,
        })
    }

    /// Reports what a VOLTAGE_PROCESS cannot hold: a membrane current (the process sets v after
    /// the voltage solve, where no current enters it) and a NET_RECEIVE (which would set v
    /// through the same copy).
    pub(super) fn check_voltage_process(&mut self) {
        if !self.m.voltage_process {
            return;
        }
        let current = self.m.nonspecific.first().copied().or_else(|| {
            self.m
                .ions
                .iter()
                .flat_map(|u| &u.write)
                .copied()
                .find(|&w| {
                    matches!(
                        self.m.var(w).kind,
                        VarKind::Ion {
                            role: ir::IonRole::Current,
                            ..
                        }
                    )
                })
        });
        if let Some(c) = current {
            let (span, name) = (self.m.var(c).span, self.m.var(c).name.clone());
            self.error(
                span,
                format!(
                    "a VOLTAGE_PROCESS sets the membrane potential and has no current, \
                     but `{name}` is one"
                ),
            );
        }
        if let Some(nr) = &self.m.net_receive {
            let span = self.m.block(nr.body).span;
            self.error(span, "a VOLTAGE_PROCESS cannot have a NET_RECEIVE block");
        }
    }
}
