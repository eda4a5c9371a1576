//! Lowering of random numbers: Arbor's WHITE_NOISE variables, NEURON 9's RANDOM variables with
//! `random_uniform`, `random_normal`, `random_negexp`, and the older library functions
//! `normrand`, `exprand`, `scop_random` and `unirand`.
//!
//! Every WHITE_NOISE variable, and every call site of a random function, becomes a variable of
//! kind [`VarKind::Random`] with a stream of its own ([`StreamId`]): a read-only value the runtime
//! draws once per instance and kernel call from a counter-based generator. The arguments of a
//! call (a mean, a standard deviation, bounds) are applied by ordinary arithmetic around the
//! draw, so the IR has no calls by name and the tangent pass sees a variable whose derivative is
//! zero (pathwise tangents: the noise is held fixed).
//!
//! Because a draw is one value per kernel call, a draw read inside a `while` loop would give the
//! same number at every iteration; that is rejected by name. Reseeding calls (`set_seed`,
//! `random_setids`) are rejected by name: the streams are seeded from the simulation's seed.
//! `random_setseq(r, 0)` in INITIAL (NEURON's own NetStim restarts its stream so) is accepted
//! and does nothing: a stream's position is the step counter and phase of the kernel call,
//! which every run starts from the beginning; any other position is rejected by name.

use std::collections::HashSet;

use super::Lowerer;
use crate::ast::{self, ExprKind};
use crate::diag::Span;
use crate::ir::{
    self, BlockKind, Dist, Draw, ExprId, Scope, SolveMethod, StreamId, VarId, VarKind, Variable,
};
use crate::sym::build;

/// How a random function's arguments shape its draw.
enum Shape {
    /// `f()`: the draw itself.
    Plain,
    /// `scop_random()` or `scop_random(x)`: the draw itself, any argument ignored. scopmath's
    /// `double scop_random(void)` takes none, but NEURON before 9 declared it `double
    /// scop_random();` in C, which let older files (snudda's `scop_random(1)`) pass one that
    /// the function never read; NEURON 9's C++ rejects such a call.
    IgnoredArg,
    /// `f(mean, sd)`: `mean + sd * draw`.
    MeanSd,
    /// `f(mean)`: `mean * draw`.
    Scale,
    /// `f(ranvar)`, `f(ranvar, a, b)` (uniform: `a + (b - a) * draw`; normal: `a + b * draw`).
    Ranvar,
    /// `f(ranvar)` or `f(ranvar, mean)`: `mean * draw`.
    RanvarScale,
}

/// The random library functions gradmod lowers: distribution and argument shape.
fn random_function(name: &str) -> Option<(Dist, Shape)> {
    Some(match name {
        "scop_random" => (Dist::Uniform, Shape::IgnoredArg),
        "unirand" => (Dist::Uniform, Shape::Plain),
        "normrand" => (Dist::Normal, Shape::MeanSd),
        "exprand" => (Dist::Exponential, Shape::Scale),
        "random_uniform" => (Dist::Uniform, Shape::Ranvar),
        "random_normal" => (Dist::Normal, Shape::Ranvar),
        "random_negexp" => (Dist::Exponential, Shape::RanvarScale),
        _ => return None,
    })
}

/// Random functions with hidden state gradmod does not model, rejected by name with a reason.
pub(super) fn unsupported_random(name: &str) -> Option<&'static str> {
    Some(match name {
        "set_seed" | "scop_random_seed" | "random_setids" => {
            "streams are seeded from the simulation's seed ([simulation] seed), not by the mechanism."
        }
        "poisrand" | "erand" | "nrn_random_pick" | "nrnran123_normal" | "nrnran123_dblpick" => {
            "supported random functions are normrand, exprand, scop_random, unirand, \
             random_uniform, random_normal and random_negexp."
        }
        _ => return None,
    })
}

impl Lowerer<'_> {
    /// Declares the variables of a WHITE_NOISE block.
    pub(super) fn white_noise(&mut self, decls: &[ast::Decl]) {
        for d in decls {
            if d.size.is_some() {
                self.unsupported(
                    d.span,
                    "WHITE_NOISE array",
                    "declare each white-noise source by name.",
                );
                continue;
            }
            let v = self.random_var(&d.name.name, Dist::WhiteNoise, d.name.span);
            self.globals
                .insert(d.name.name.clone(), super::Binding::Var(v));
        }
    }

    /// Declares NEURON 9's RANDOM variables (names only usable as the first argument of the
    /// `random_*` functions).
    pub(super) fn random_decls(&mut self, names: &[ast::Ident]) {
        for n in names {
            self.randoms.insert(n.name.clone());
        }
    }

    /// A new random variable with a stream of its own.
    fn random_var(&mut self, name: &str, dist: Dist, span: Span) -> VarId {
        let stream = StreamId(self.m.random_vars().len() as u32);
        let var = Variable::new(
            name,
            VarKind::Random(Draw { stream, dist }),
            Scope::Range,
            span,
        );
        self.add_var(var)
    }

    /// `random_setseq(ranvar, x)`: NEURON moves the stream of `ranvar` to position x. gradmod's
    /// streams have no position of their own (a draw is keyed by the step counter and phase of
    /// its kernel call), and every run starts them from the beginning, so position 0 set in
    /// INITIAL, NetStim's `seed(0)`, is what they do already; it lowers to nothing (the call's
    /// value, 0). Another position, or a call outside INITIAL, is rejected by name.
    pub(super) fn random_setseq(
        &mut self,
        args: &[ast::Expr],
        span: Span,
        out: &mut Vec<ir::Stmt>,
    ) -> ExprId {
        let ranvar = matches!(
            args.first().map(|a| &a.kind),
            Some(ExprKind::Name(id)) if self.randoms.contains(&id.name)
        );
        if args.len() != 2 || !ranvar {
            self.error(
                span,
                "`random_setseq` takes a RANDOM variable and a position",
            );
            return self.m.exprs.num(0.0);
        }
        let x = self.expr(&args[1], out);
        if self.context != BlockKind::Initial || self.m.exprs.as_num(x) != Some(0.0) {
            self.unsupported(
                span,
                "random_setseq()",
                "only random_setseq(r, 0) in INITIAL is supported (it restarts the stream, as \
                 every run does); streams have no other position (docs/DESIGN.md, \"Random \
                 numbers\").",
            );
        }
        self.m.exprs.num(0.0)
    }

    /// Lowers a call of a random function, or returns None when `name` is not one.
    pub(super) fn random_call(
        &mut self,
        func: &ast::Ident,
        args: &[ast::Expr],
        span: Span,
        out: &mut Vec<ir::Stmt>,
    ) -> Option<ExprId> {
        let name = func.name.as_str();
        let (dist, shape) = random_function(name)?;
        let (ranvar, rest) = match shape {
            Shape::Ranvar | Shape::RanvarScale => match args.first() {
                Some(ast::Expr {
                    kind: ExprKind::Name(id),
                    ..
                }) if self.randoms.contains(&id.name) => (true, &args[1..]),
                _ => {
                    self.error(
                        span,
                        format!("the first argument of `{name}` must be a RANDOM variable"),
                    );
                    return Some(self.m.exprs.num(0.0));
                }
            },
            _ => (false, args),
        };
        let allowed: &[usize] = match shape {
            Shape::Plain => &[0],
            Shape::IgnoredArg => &[0, 1],
            Shape::MeanSd => &[2],
            Shape::Scale => &[1],
            Shape::Ranvar => &[0, 2],
            Shape::RanvarScale => &[0, 1],
        };
        if !allowed.contains(&rest.len()) {
            let n = allowed
                .iter()
                .map(|k| (k + usize::from(ranvar)).to_string())
                .collect::<Vec<_>>()
                .join(" or ");
            self.error(
                span,
                format!("`{name}` takes {n} arguments, not {}", args.len()),
            );
            return Some(self.m.exprs.num(0.0));
        }
        // The argument of `scop_random(x)` is not evaluated, as the C function never read it.
        let rest = if matches!(shape, Shape::IgnoredArg) {
            &[]
        } else {
            rest
        };
        let vals: Vec<ExprId> = rest.iter().map(|a| self.expr(a, out)).collect();
        let v = self.random_var(name, dist, func.span);
        let ar = &mut self.m.exprs;
        let x = ar.var(v);
        Some(match (dist, vals.as_slice()) {
            (_, []) => x,
            (Dist::Uniform, &[a, b]) => {
                let w = build::sub(ar, b, a);
                let s = build::mul(ar, w, x);
                build::add(ar, a, s)
            }
            (_, &[mean, sd]) => {
                let s = build::mul(ar, sd, x);
                build::add(ar, mean, s)
            }
            (_, &[mean]) => build::mul(ar, mean, x),
            _ => x,
        })
    }

    /// Checks where random variables are read, after every block is lowered: white noise only in
    /// DERIVATIVE blocks solved by `METHOD stochastic`. (A draw in a loop takes a number of its own
    /// in each iteration: docs/DESIGN.md, "Random numbers".)
    pub(super) fn check_random(&mut self) {
        let random: HashSet<VarId> = self.m.random_vars().into_iter().collect();
        if random.is_empty() {
            return;
        }
        let white: HashSet<VarId> = random
            .iter()
            .copied()
            .filter(
                |&v| matches!(self.m.var(v).kind, VarKind::Random(d) if d.dist == Dist::WhiteNoise),
            )
            .collect();
        let mut problems: Vec<(Span, &str, &str)> = Vec::new();
        for block in &self.m.blocks {
            let mut reads = Vec::new();
            for s in &block.body {
                s.for_each_expr(&mut |e| reads.push((e, s.span)));
            }
            let stochastic =
                block.kind == BlockKind::Derivative && self.stochastic.contains(&block.name);
            if !stochastic
                && let Some(&(_, span)) = reads.iter().find(|&&(e, _)| self.reads_any(e, &white))
            {
                problems.push((
                    span,
                    "WHITE_NOISE outside a DERIVATIVE block solved by METHOD stochastic",
                    "white noise is the derivative of a Wiener process: it only has a meaning in \
                     an ODE integrated by Euler-Maruyama (METHOD stochastic).",
                ));
            }
        }
        for (span, what, why) in problems {
            self.unsupported(span, what, why);
        }
    }

    /// Whether expression `e` reads any of `vars`.
    fn reads_any(&self, e: ExprId, vars: &HashSet<VarId>) -> bool {
        self.m
            .exprs
            .reachable(&[e])
            .into_iter()
            .any(|id| matches!(self.m.exprs.get(id), ir::Expr::Var(v) if vars.contains(&v)))
    }

    /// Records that the DERIVATIVE block `name` is solved by `METHOD stochastic`, and returns
    /// the method that runs it: explicit Euler, which on `x' = f + g*W` with W a standard normal
    /// over sqrt(dt) is Euler-Maruyama.
    pub(super) fn stochastic_method(&mut self, name: &str) -> SolveMethod {
        self.stochastic.insert(name.to_string());
        SolveMethod::Euler
    }
}
