//! Arbor's `POST_EVENT(time)` block (spike-timing plasticity: expsyn_stdp), lowered into the
//! NET_RECEIVE block as the branch taken when the event's flag is [`POST_EVENT_FLAG`].

use super::{Binding, Lowerer};
use crate::ast::ItemKind;
use crate::diag::Span;
use crate::ir::{
    self, BinOp, Block, BlockKind, Builtin, Expr, NetReceive, POST_EVENT_FLAG, Scope, StmtKind,
    VarKind, Variable,
};

impl Lowerer<'_> {
    /// Lowers the file's POST_EVENT block, if any: its statements, with its argument bound to
    /// the event's time `t` (the spike time), become the `then` branch of
    /// `if (flag == POST_EVENT_FLAG) { ... } else { NET_RECEIVE's statements }`; a mechanism
    /// without NET_RECEIVE gets one with a weight argument and no other statement. The runtime
    /// sends such an event to every instance when the cell spikes, so that the block runs
    /// through the NET_RECEIVE kernel on every back end, one instance at a time.
    pub(super) fn post_event(&mut self) {
        let file = self.file;
        let mut found = None;
        for item in &file.items {
            if let ItemKind::PostEvent { params, body } = &item.kind {
                if found.is_some() {
                    self.error(item.span, "a second POST_EVENT block");
                    return;
                }
                found = Some((params, body, item.span));
            }
        }
        let Some((params, body, span)) = found else {
            return;
        };
        if self.m.kind == ir::MechKind::Density {
            self.unsupported(
                span,
                "POST_EVENT in a density mechanism",
                "gradmod runs POST_EVENT for the instances of point processes (Arbor's STDP \
                 synapses); a density mechanism's instances are not yet sent the cell's spikes.",
            );
            return;
        }
        if super::exprs::assigned_names(&body.stmts).contains("v") {
            self.error(span, "POST_EVENT cannot set the membrane potential");
            return;
        }
        if params.len() > 1 {
            self.error(span, "POST_EVENT takes one argument, the spike time");
            return;
        }
        let nr = match self.m.net_receive.clone() {
            Some(nr) => nr,
            None => self.empty_net_receive(span),
        };
        // The argument is a LOCAL set to the event's t where the block reads it (so that a
        // block that does not reads no t).
        let mut bound = vec![("flag".to_string(), Binding::Var(nr.flag))];
        let time = params.first().map(|p| {
            // Named apart from the argument, which may be `t` itself.
            let var = Variable::new("post_event_time", VarKind::Local, Scope::Range, p.name.span);
            let id = self.add_var(var);
            bound.push((p.name.name.clone(), Binding::Var(id)));
            id
        });
        let id = self.block(
            "POST_EVENT",
            BlockKind::NetReceive,
            &body.stmts,
            span,
            &bound,
        );
        // The block lives on only as the branch: it is the last block, nothing was lowered
        // after it (NET_RECEIVE and what it calls are inlined).
        let mut then = if id.index() + 1 == self.m.blocks.len() {
            self.m.blocks.pop().map(|b| b.body).unwrap_or_default()
        } else {
            std::mem::take(&mut self.m.blocks[id.index()].body)
        };
        if let Some(time) = time {
            let mut reads = false;
            for s in &then {
                s.for_each_expr(&mut |e| {
                    let ar = &self.m.exprs;
                    reads |= ar
                        .reachable(&[e])
                        .iter()
                        .any(|&x| ar.get(x) == Expr::Var(time));
                });
            }
            if reads {
                let t = self.builtin_var(Builtin::T, span);
                let value = self.m.exprs.var(t);
                let assign = StmtKind::Assign { var: time, value };
                then.insert(0, ir::Stmt { kind: assign, span });
            }
        }
        let flag = self.m.exprs.var(nr.flag);
        let value = self.m.exprs.num(POST_EVENT_FLAG);
        let cond = self.m.exprs.binary(BinOp::Eq, flag, value);
        let block = &mut self.m.blocks[nr.body.index()];
        let otherwise = std::mem::take(&mut block.body);
        block.body.push(ir::Stmt {
            kind: StmtKind::If {
                cond,
                then,
                otherwise,
            },
            span,
        });
        self.m.post_event = true;
    }

    /// A NET_RECEIVE block with a weight argument and no statement, for a POST_EVENT to join.
    fn empty_net_receive(&mut self, span: Span) -> NetReceive {
        let weight = self.add_var(Variable::new("weight", VarKind::Local, Scope::Range, span));
        let flag = self.add_var(Variable::new("flag", VarKind::Local, Scope::Range, span));
        let body = self.m.add_block(Block {
            name: "NET_RECEIVE".to_string(),
            kind: BlockKind::NetReceive,
            body: Vec::new(),
            span,
        });
        let nr = NetReceive {
            args: vec![weight],
            flag,
            initial: None,
            for_netcons: None,
            body,
            span,
        };
        self.m.net_receive = Some(nr.clone());
        nr
    }
}
