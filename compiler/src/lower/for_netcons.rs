//! `FOR_NETCONS(args) { body }` in NET_RECEIVE: a loop over the connections onto the instance.
//!
//! NEURON runs the body once per connection onto the point process (its NetCon list, in the
//! order the connections were made), its arguments aliasing that connection's values (the
//! weight, then the values kept per connection), as NET_RECEIVE's arguments alias those of the
//! event's connection. Lowering makes the body a block of its own whose arguments are
//! NET_RECEIVE's, by position (NEURON requires as many), like the INITIAL nested in NET_RECEIVE;
//! the statement becomes a request ([`ir::StmtKind::ForNetcons`]) that the runtime answers after
//! the NET_RECEIVE call by running the block over the connections (docs/DESIGN.md, "Events").
//!
//! Running the body after the block rather than at the statement is exact when nothing after
//! the statement reads what the body writes or writes what it reads: such a NET_RECEIVE is
//! rejected by name. The body sees module variables and its own arguments only, not NET_RECEIVE's
//! LOCALs, arguments or flag; it may hold no other FOR_NETCONS, and may not assign v.

use std::collections::BTreeSet;

use super::{Binding, Lowerer};
use crate::ast;
use crate::diag::Span;
use crate::ir::{self, BlockId, BlockKind, Stmt, StmtKind, VarId};

impl Lowerer<'_> {
    /// Lowers a FOR_NETCONS statement of NET_RECEIVE into `out`.
    pub(super) fn for_netcons(
        &mut self,
        params: &[ast::Param],
        body: &ast::Block,
        span: Span,
        out: &mut Vec<Stmt>,
    ) {
        if self.context != BlockKind::NetReceive || self.in_for_netcons {
            self.error(
                span,
                "FOR_NETCONS belongs in NET_RECEIVE (not in a block nested in it)",
            );
            return;
        }
        if self.for_netcons_block.is_some() {
            self.unsupported(
                span,
                "a second FOR_NETCONS",
                "NET_RECEIVE may hold one FOR_NETCONS statement.",
            );
            return;
        }
        if params.len() != self.net_args.len() {
            self.error(
                span,
                format!(
                    "FOR_NETCONS has {} arguments and NET_RECEIVE {}: NEURON requires as many",
                    params.len(),
                    self.net_args.len()
                ),
            );
            return;
        }
        if super::exprs::assigned_names(&body.stmts).contains("v") {
            self.unsupported(
                span,
                "assigning v in FOR_NETCONS",
                "the body runs once per connection after NET_RECEIVE; it may not set the membrane potential.",
            );
            return;
        }
        let bound: Vec<(String, Binding)> = params
            .iter()
            .zip(self.net_args.clone())
            .map(|(p, v)| (p.name.name.clone(), Binding::Var(v)))
            .collect();
        self.in_for_netcons = true;
        let block = self.block(
            "FOR_NETCONS",
            BlockKind::NetReceive,
            &body.stmts,
            body.span,
            &bound,
        );
        self.in_for_netcons = false;
        self.for_netcons_block = Some(block);
        out.push(Stmt {
            kind: StmtKind::ForNetcons { block },
            span,
        });
    }

    /// Rejects a NET_RECEIVE body that, after its FOR_NETCONS statement, reads what the loop's
    /// body writes or writes what it reads or writes: the loop runs after the whole block.
    pub(super) fn check_after_for_netcons(&mut self, receive: BlockId, each: BlockId) {
        let loop_body = &self.m.block(each).body;
        let writes: BTreeSet<VarId> = ir::assigned_vars(loop_body);
        let mut reads: BTreeSet<VarId> = BTreeSet::new();
        for s in loop_body {
            s.for_each_expr(&mut |e| reads.extend(crate::sym::free_vars(&self.m.exprs, e)));
        }
        let touched: BTreeSet<VarId> = reads.union(&writes).copied().collect();
        let mut seen = false;
        let mut conflict: Option<(Span, String)> = None;
        for s in &self.m.block(receive).body {
            s.for_each_stmt(&mut |t| {
                if conflict.is_some() {
                    return;
                }
                if let StmtKind::ForNetcons { .. } = t.kind {
                    seen = true;
                    return;
                }
                if !seen {
                    return;
                }
                let (r, w) = direct_uses(&self.m, t);
                let clash = r
                    .iter()
                    .find(|v| writes.contains(v))
                    .or_else(|| w.iter().find(|v| touched.contains(v)));
                if let Some(&v) = clash {
                    conflict = Some((t.span, self.m.var(v).name.clone()));
                }
            });
        }
        if let Some((span, name)) = conflict {
            self.unsupported(
                span,
                "NET_RECEIVE using after FOR_NETCONS what its body uses",
                &format!(
                    "gradmod runs the FOR_NETCONS body over the connections after the whole \
                     NET_RECEIVE block, so a statement after it may not read what the body \
                     writes, nor write what it reads or writes (here `{name}`); move the \
                     statement before FOR_NETCONS."
                ),
            );
        }
    }
}

/// The variables statement `s` itself reads and writes (not those of the statements nested in
/// it, which are visited on their own).
fn direct_uses(m: &ir::Module, s: &Stmt) -> (Vec<VarId>, Vec<VarId>) {
    let mut reads = Vec::new();
    let mut read = |e: ir::ExprId| reads.extend(crate::sym::free_vars(&m.exprs, e));
    let mut writes = Vec::new();
    match &s.kind {
        StmtKind::If { cond, .. } | StmtKind::While { cond, .. } => read(*cond),
        StmtKind::Loop { var, from, to, .. } => {
            read(*from);
            read(*to);
            writes.push(*var);
        }
        StmtKind::Assign { var, value } => {
            read(*value);
            writes.push(*var);
        }
        StmtKind::GetElement { var, index, .. } => {
            read(*index);
            writes.push(*var);
        }
        StmtKind::SetElement {
            array,
            index,
            value,
        } => {
            read(*index);
            read(*value);
            writes.extend(m.array(*array).elems.iter().copied());
        }
        StmtKind::VectorRead { var, index } => {
            if let Some(i) = index {
                read(*i);
            }
            writes.push(*var);
        }
        _ => s.for_each_expr(&mut read),
    }
    (reads, writes)
}
