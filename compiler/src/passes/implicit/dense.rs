//! Newton's method kept as loops, for nonlinear systems of at least [`LOOP_MIN_UNKNOWNS`]
//! unknowns: a run-time loop over the iterations whose body assigns the residuals and the
//! structurally nonzero Jacobian entries into kernel-local arrays and solves `J δ = -F` by a
//! dense LU factorisation written as FROM loops over those arrays. The statements are the IR's
//! own (`Loop`, `GetElement`, `SetElement`), which every back end runs and the tangent pass
//! differentiates statement by statement, so the generated code grows with the number of
//! Jacobian entries and residuals, not with the cube of the system times the iterations, as the
//! written-out elimination of [`super::newton`] does (docs/DESIGN.md, "Newton's method kept as
//! a loop").
//!
//! The factorisation does not pivot at run time: the matrix of a kinetic scheme is an M-matrix,
//! whose leading minors do not vanish. A pivot that is zero by construction (an equation that
//! does not read the unknown of its row) is exchanged, before any code is written, for the first
//! row below that reads it after the fill-in of the rows above, as the written-out elimination
//! does, so that both forms eliminate the same rows in the same order.

use crate::diag::Span;
use crate::ir::{Array, ArrayId, ExprId, Module, Scope, Stmt, StmtKind, VarId, VarKind, Variable};
use crate::sym::build;

/// The fewest unknowns of a nonlinear system that Newton's method solves in loops; smaller
/// systems get the written-out form, whose code is as short and runs faster.
pub const LOOP_MIN_UNKNOWNS: usize = 10;

/// When Newton's method in loops stops.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Stop {
    /// After exactly this many iterations.
    Fixed(usize),
    /// As NEURON's `sparse` (scopmath's `sparse_thread`): once the summed absolute increments of
    /// an iteration are at most [`super::converge::SPARSE_CONVERGE`], after at most
    /// [`super::converge::SPARSE_MAX_ITERATIONS`]; a
    /// state that an iteration takes below zero is set to zero.
    Sparse,
}

/// The statements of Newton's method on `residuals(states) = 0`, stopping as `stop` says, with
/// `jac` the Jacobian of the residuals in the states, as loops (see the module's documentation).
pub fn newton_loop(
    m: &mut Module,
    states: &[VarId],
    residuals: &[ExprId],
    jac: &[Vec<ExprId>],
    stop: Stop,
    span: Span,
) -> Vec<Stmt> {
    let n = states.len();
    let rows = static_row_order(m, jac);
    let mut g = Gen { m, span };
    let a = g.array("newton_J", n * n);
    let b = g.array("newton_F", n);
    let mut body = Vec::new();
    // The matrix starts from zero in every iteration: the factorisation fills in entries that
    // are zero by construction.
    let z = g.local("newton_z");
    let (zv, zero) = (g.var(z), g.num(0.0));
    let set_zero = g.set(a, zv, zero);
    body.push(g.for_loop(z, 0.0, (n * n - 1) as f64, vec![set_zero]));
    for (r, &eq) in rows.iter().enumerate() {
        for (j, &entry) in jac[eq].iter().enumerate() {
            if g.m.exprs.as_num(entry) != Some(0.0) {
                let index = g.num((r * n + j) as f64);
                body.push(g.set(a, index, entry));
            }
        }
        let minus_f = build::neg(&mut g.m.exprs, residuals[eq]);
        let index = g.num(r as f64);
        body.push(g.set(b, index, minus_f));
    }
    g.factor(a, b, n, &mut body);
    g.substitute_back(a, b, n, &mut body);
    // Only now, with every increment computed from the current iterate, move the states.
    let mut deltas = Vec::with_capacity(n);
    for i in 0..n {
        let index = g.num(i as f64);
        deltas.push(g.get(b, index, "newton_delta", &mut body));
    }
    for (&s, &d) in states.iter().zip(&deltas) {
        let x = g.var(s);
        let value = build::add(&mut g.m.exprs, x, d);
        body.push(assign(s, value, span));
    }
    match stop {
        Stop::Fixed(iterations) => {
            let it = g.local("newton_iteration");
            vec![g.for_loop(it, 1.0, iterations as f64, body)]
        }
        Stop::Sparse => super::converge::as_sparse_stops(g.m, states, &deltas, body, span),
    }
}

/// The equation that each row of the matrix holds: the written order, but where a pivot is
/// zero by construction (after the fill-in of the rows above), the first row below whose entry
/// in that column is not.
fn static_row_order(m: &Module, jac: &[Vec<ExprId>]) -> Vec<usize> {
    let n = jac.len();
    let mut nz: Vec<Vec<bool>> = jac
        .iter()
        .map(|row| {
            row.iter()
                .map(|&e| m.exprs.as_num(e) != Some(0.0))
                .collect()
        })
        .collect();
    let mut rows: Vec<usize> = (0..n).collect();
    for k in 0..n {
        if !nz[k][k]
            && let Some(i) = (k + 1..n).find(|&i| nz[i][k])
        {
            nz.swap(k, i);
            rows.swap(k, i);
        }
        for i in k + 1..n {
            if nz[i][k] {
                for j in k + 1..n {
                    nz[i][j] |= nz[k][j];
                }
            }
        }
    }
    rows
}

fn assign(var: VarId, value: ExprId, span: Span) -> Stmt {
    Stmt {
        kind: StmtKind::Assign { var, value },
        span,
    }
}

/// Writes statements of the loop form.
struct Gen<'m> {
    m: &'m mut Module,
    span: Span,
}

impl Gen<'_> {
    fn num(&mut self, x: f64) -> ExprId {
        self.m.exprs.num(x)
    }

    fn var(&mut self, v: VarId) -> ExprId {
        self.m.exprs.var(v)
    }

    /// A new LOCAL named after `name`.
    fn local(&mut self, name: &str) -> VarId {
        let name = self.m.fresh_var_name(name);
        self.m
            .add_var(Variable::new(name, VarKind::Local, Scope::Range, self.span))
    }

    /// A new array of `len` LOCAL elements named after `name`.
    fn array(&mut self, name: &str, len: usize) -> ArrayId {
        let base = self.m.fresh_var_name(name);
        let elems = (0..len)
            .map(|i| {
                let v = Variable::new(
                    format!("{base}[{i}]"),
                    VarKind::Local,
                    Scope::Range,
                    self.span,
                );
                self.m.add_var(v)
            })
            .collect();
        self.m.arrays.push(Array {
            name: base,
            elems,
            span: self.span,
        });
        ArrayId(self.m.arrays.len() as u32 - 1)
    }

    /// `array[index] = value`.
    fn set(&mut self, array: ArrayId, index: ExprId, value: ExprId) -> Stmt {
        Stmt {
            kind: StmtKind::SetElement {
                array,
                index,
                value,
            },
            span: self.span,
        }
    }

    /// A new LOCAL assigned `array[index]` (a statement pushed to `out`), as an expression.
    fn get(&mut self, array: ArrayId, index: ExprId, name: &str, out: &mut Vec<Stmt>) -> ExprId {
        let var = self.local(name);
        out.push(Stmt {
            kind: StmtKind::GetElement { var, array, index },
            span: self.span,
        });
        self.var(var)
    }

    /// `FROM var = from TO to { body }`.
    fn for_loop(&mut self, var: VarId, from: f64, to: f64, body: Vec<Stmt>) -> Stmt {
        let (from, to) = (self.num(from), self.num(to));
        self.for_loop_exprs(var, from, to, body)
    }

    fn for_loop_exprs(&mut self, var: VarId, from: ExprId, to: ExprId, body: Vec<Stmt>) -> Stmt {
        Stmt {
            kind: StmtKind::Loop {
                var,
                from,
                to,
                body,
            },
            span: self.span,
        }
    }

    /// `row * n + col`.
    fn flat(&mut self, row: ExprId, col: ExprId, n: usize) -> ExprId {
        let n = self.num(n as f64);
        let r = build::mul(&mut self.m.exprs, row, n);
        build::add(&mut self.m.exprs, r, col)
    }

    /// Gaussian elimination of the `n` × `n` matrix `a` (row-major), the right-hand side `b`
    /// following: for each pivot k, each row i below it loses `l = a[i][k] / a[k][k]` times row k
    /// (columns after k), and `b[i]` loses `l · b[k]`.
    fn factor(&mut self, a: ArrayId, b: ArrayId, n: usize, out: &mut Vec<Stmt>) {
        let one = self.num(1.0);
        let last = self.num((n - 1) as f64);
        let (k, i, j) = (
            self.local("newton_k"),
            self.local("newton_i"),
            self.local("newton_j"),
        );
        let (kv, iv, jv) = (self.var(k), self.var(i), self.var(j));
        let after_k = build::add(&mut self.m.exprs, kv, one);

        // The innermost loop: a[i][j] -= l * a[k][j] for j after k.
        let l = self.local("newton_l");
        let lv = self.var(l);
        let mut inner = Vec::new();
        let kj = self.flat(kv, jv, n);
        let akj = self.get(a, kj, "newton_akj", &mut inner);
        let ij = self.flat(iv, jv, n);
        let aij = self.get(a, ij, "newton_aij", &mut inner);
        let p = build::mul(&mut self.m.exprs, lv, akj);
        let value = build::sub(&mut self.m.exprs, aij, p);
        inner.push(self.set(a, ij, value));

        let mut rows = Vec::new();
        let ik = self.flat(iv, kv, n);
        let aik = self.get(a, ik, "newton_aik", &mut rows);
        let kk = self.flat(kv, kv, n);
        let akk = self.get(a, kk, "newton_akk", &mut rows);
        let ratio = build::div(&mut self.m.exprs, aik, akk);
        rows.push(assign(l, ratio, self.span));
        rows.push(self.for_loop_exprs(j, after_k, last, inner));
        let bk = self.get(b, kv, "newton_bk", &mut rows);
        let bi = self.get(b, iv, "newton_bi", &mut rows);
        let p = build::mul(&mut self.m.exprs, lv, bk);
        let value = build::sub(&mut self.m.exprs, bi, p);
        rows.push(self.set(b, iv, value));

        let before_last = self.num((n - 2) as f64);
        let pivots = vec![self.for_loop_exprs(i, after_k, last, rows)];
        let zero = self.num(0.0);
        out.push(self.for_loop_exprs(k, zero, before_last, pivots));
    }

    /// Back substitution on the upper triangle of `a`, in place in `b`: from the last row up,
    /// `b[i] = (b[i] - Σ_{j>i} a[i][j] b[j]) / a[i][i]`.
    fn substitute_back(&mut self, a: ArrayId, b: ArrayId, n: usize, out: &mut Vec<Stmt>) {
        let one = self.num(1.0);
        let last = self.num((n - 1) as f64);
        let (r, i, j) = (
            self.local("newton_r"),
            self.local("newton_row"),
            self.local("newton_col"),
        );
        let (rv, iv, jv) = (self.var(r), self.var(i), self.var(j));
        let acc = self.local("newton_acc");
        let accv = self.var(acc);

        let mut inner = Vec::new();
        let ij = self.flat(iv, jv, n);
        let aij = self.get(a, ij, "newton_aij", &mut inner);
        let bj = self.get(b, jv, "newton_bj", &mut inner);
        let p = build::mul(&mut self.m.exprs, aij, bj);
        let value = build::sub(&mut self.m.exprs, accv, p);
        inner.push(assign(acc, value, self.span));

        let mut rows = Vec::new();
        let row = build::sub(&mut self.m.exprs, last, rv);
        rows.push(assign(i, row, self.span));
        let bi = self.get(b, iv, "newton_bi", &mut rows);
        rows.push(assign(acc, bi, self.span));
        let after_i = build::add(&mut self.m.exprs, iv, one);
        rows.push(self.for_loop_exprs(j, after_i, last, inner));
        let ii = self.flat(iv, iv, n);
        let aii = self.get(a, ii, "newton_aii", &mut rows);
        let value = build::div(&mut self.m.exprs, accv, aii);
        rows.push(self.set(b, iv, value));
        let zero = self.num(0.0);
        out.push(self.for_loop_exprs(r, zero, last, rows));
    }
}
