//! Forward-mode differentiation of statements: the engine under the `conductance` and tangent
//! passes.
//!
//! For every assignment `x = e`, the directional derivative `ẋ = Σ ∂e/∂y · ẏ` is assigned to a
//! new LOCAL just before it, so the tangent reads the values the primal statement reads. Across
//! if/else the tangents of both branches meet in one LOCAL assigned at the end of each branch.
//! This is the derivative of what the statements compute, including the values of the branches
//! a condition selects; conditions themselves are not differentiated.

use std::collections::{BTreeSet, HashMap};

use crate::diag::{Diagnostic, Diagnostics, Span};
use crate::ir::{
    Array, ArrayId, ExprId, Module, Scope, Stmt, StmtKind, VarId, VarKind, Variable, assigned_vars,
    indexed_arrays,
};
use crate::sym::tangent;

/// The tangent of each variable that has one, as an expression (absent means zero).
pub type Tangents = HashMap<VarId, ExprId>;

/// Differentiates `stmts` forward, given the tangents of their inputs in `t`; returns the
/// statements with their tangents interleaved (in new LOCALs named `<prefix><variable>`), and leaves in `t` the tangents at the end.
/// SOLVE statements are kept and not differentiated (they belong to another map).
///
/// Arrays indexed at run time get tangent arrays (LOCAL elements `<prefix><array>[i]`): before
/// a statement indexes an array at run time, the tangent array is made to hold the current
/// tangent of every element, so the tangent statement can index it as the primal one indexes
/// the array. A FROM loop with run-time bounds, and a while loop, is differentiated statement by
/// statement (a while loop runs as often as the primal one): the
/// tangents of the variables its body assigns live in LOCALs assigned before the loop and at
/// the end of every iteration.
pub fn jvp(
    m: &mut Module,
    stmts: Vec<Stmt>,
    t: &mut Tangents,
    prefix: &str,
) -> Result<Vec<Stmt>, Diagnostics> {
    Jvp {
        prefix,
        arrays: HashMap::new(),
    }
    .stmts(m, stmts, t)
}

/// The state of one differentiation: the tangent array of each array indexed at run time.
struct Jvp<'p> {
    prefix: &'p str,
    arrays: HashMap<ArrayId, ArrayId>,
}

fn assign(var: VarId, value: ExprId, span: Span) -> Stmt {
    Stmt {
        kind: StmtKind::Assign { var, value },
        span,
    }
}

impl Jvp<'_> {
    /// The tangent array of `a`, made on first use.
    fn tangent_array(&mut self, m: &mut Module, a: ArrayId) -> ArrayId {
        if let Some(&d) = self.arrays.get(&a) {
            return d;
        }
        let base = m.fresh_var_name(&format!("{}{}", self.prefix, m.array(a).name));
        let span = m.array(a).span;
        let elems = (0..m.array(a).elems.len())
            .map(|i| {
                let name = format!("{base}[{i}]");
                m.add_var(Variable::new(name, VarKind::Local, Scope::Range, span))
            })
            .collect();
        m.arrays.push(Array {
            name: base,
            elems,
            span,
        });
        let d = ArrayId(m.arrays.len() as u32 - 1);
        self.arrays.insert(a, d);
        d
    }

    /// Makes the tangent array of `a` hold the current tangent of each element (assignments to
    /// `out`), and records it in `t` as where those tangents now live.
    fn sync(
        &mut self,
        m: &mut Module,
        a: ArrayId,
        t: &mut Tangents,
        span: Span,
        out: &mut Vec<Stmt>,
    ) {
        let d = self.tangent_array(m, a);
        let zero = m.exprs.num(0.0);
        for i in 0..m.array(a).elems.len() {
            let (e, de) = (m.array(a).elems[i], m.array(d).elems[i]);
            let dv = m.exprs.var(de);
            let current = t.get(&e).copied().unwrap_or(zero);
            if current != dv {
                out.push(assign(de, current, span));
                t.insert(e, dv);
            }
        }
    }

    /// The body of a loop (a FROM loop with counter `var`, or a while loop) differentiated:
    /// the tangents of the scalars it assigns live in LOCALs assigned before the loop (pushed to
    /// `out`) and at the end of every iteration, and the tangent arrays of the arrays it indexes
    /// are up to date before it and at the end of every iteration.
    fn loop_body(
        &mut self,
        m: &mut Module,
        body: Vec<Stmt>,
        var: Option<VarId>,
        t: &mut Tangents,
        span: Span,
        out: &mut Vec<Stmt>,
    ) -> Result<Vec<Stmt>, Diagnostics> {
        let prefix = self.prefix;
        let arrays = indexed_arrays(&body);
        for &a in &arrays {
            self.sync(m, a, t, span, out);
        }
        let in_arrays: BTreeSet<VarId> = arrays
            .iter()
            .flat_map(|&a| m.array(a).elems.clone())
            .collect();
        let zero = m.exprs.num(0.0);
        let mut scalars = Vec::new();
        for x in assigned_vars(&body) {
            if Some(x) == var || in_arrays.contains(&x) {
                continue;
            }
            let c = tangent_local(m, x, prefix);
            out.push(assign(c, t.get(&x).copied().unwrap_or(zero), span));
            t.insert(x, m.exprs.var(c));
            scalars.push((x, c));
        }
        if let Some(var) = var {
            t.remove(&var);
        }
        let mut tb = t.clone();
        let mut body = self.stmts(m, body, &mut tb)?;
        for &a in &arrays {
            self.sync(m, a, &mut tb, span, &mut body);
        }
        for &(x, c) in &scalars {
            let value = tb.get(&x).copied().unwrap_or(zero);
            if value != m.exprs.var(c) {
                body.push(assign(c, value, span));
            }
        }
        Ok(body)
    }

    fn stmts(
        &mut self,
        m: &mut Module,
        stmts: Vec<Stmt>,
        t: &mut Tangents,
    ) -> Result<Vec<Stmt>, Diagnostics> {
        let prefix = self.prefix;
        let mut out = Vec::with_capacity(stmts.len() * 2);
        for s in stmts {
            let span = s.span;
            match s.kind {
                StmtKind::Assign { var, value } => {
                    let d = tangent(&mut m.exprs, &[value], &|v| t.get(&v).copied())[0];
                    if m.exprs.as_num(d) == Some(0.0) {
                        t.remove(&var);
                    } else {
                        let dvar = tangent_local(m, var, prefix);
                        out.push(Stmt {
                            kind: StmtKind::Assign {
                                var: dvar,
                                value: d,
                            },
                            span,
                        });
                        t.insert(var, m.exprs.var(dvar));
                    }
                    out.push(Stmt {
                        kind: StmtKind::Assign { var, value },
                        span,
                    });
                }
                StmtKind::If {
                    cond,
                    then,
                    otherwise,
                } => {
                    // Tangent arrays are brought up to date before the branches, so that the branches
                    // do not each copy every element.
                    let mut both = then.clone();
                    both.extend(otherwise.iter().cloned());
                    for a in indexed_arrays(&both) {
                        self.sync(m, a, t, span, &mut out);
                    }
                    let mut tt = t.clone();
                    let mut then = self.stmts(m, then, &mut tt)?;
                    let mut to = t.clone();
                    let mut otherwise = self.stmts(m, otherwise, &mut to)?;
                    // A tangent the if/else leaves zero in both branches (a variable assigned a
                    // constant in each) is absent from both, and must be removed from `t` too:
                    // the keys are those of the tangents before the statement as well.
                    let keys: BTreeSet<VarId> = t
                        .keys()
                        .chain(tt.keys())
                        .chain(to.keys())
                        .copied()
                        .collect();
                    for k in keys {
                        let (a, b) = (tt.get(&k).copied(), to.get(&k).copied());
                        if a == b {
                            match a {
                                Some(e) => t.insert(k, e),
                                None => t.remove(&k),
                            };
                            continue;
                        }
                        let merged = tangent_local(m, k, prefix);
                        let zero = m.exprs.num(0.0);
                        then.push(Stmt {
                            kind: StmtKind::Assign {
                                var: merged,
                                value: a.unwrap_or(zero),
                            },
                            span,
                        });
                        otherwise.push(Stmt {
                            kind: StmtKind::Assign {
                                var: merged,
                                value: b.unwrap_or(zero),
                            },
                            span,
                        });
                        t.insert(k, m.exprs.var(merged));
                    }
                    out.push(Stmt {
                        kind: StmtKind::If {
                            cond,
                            then,
                            otherwise,
                        },
                        span,
                    });
                }
                StmtKind::Loop {
                    var,
                    from,
                    to,
                    body,
                } => {
                    let body = self.loop_body(m, body, Some(var), t, span, &mut out)?;
                    out.push(Stmt {
                        kind: StmtKind::Loop {
                            var,
                            from,
                            to,
                            body,
                        },
                        span,
                    });
                }
                StmtKind::While { cond, body } => {
                    // The loop runs as many times as the primal one: its condition is not
                    // differentiated, as an if's is not.
                    let body = self.loop_body(m, body, None, t, span, &mut out)?;
                    out.push(Stmt {
                        kind: StmtKind::While { cond, body },
                        span,
                    });
                }
                StmtKind::GetElement { var, array, index } => {
                    self.sync(m, array, t, span, &mut out);
                    let d = self.tangent_array(m, array);
                    let dvar = tangent_local(m, var, prefix);
                    out.push(Stmt {
                        kind: StmtKind::GetElement {
                            var: dvar,
                            array: d,
                            index,
                        },
                        span,
                    });
                    t.insert(var, m.exprs.var(dvar));
                    out.push(Stmt {
                        kind: StmtKind::GetElement { var, array, index },
                        span,
                    });
                }
                StmtKind::SetElement {
                    array,
                    index,
                    value,
                } => {
                    self.sync(m, array, t, span, &mut out);
                    let d = self.tangent_array(m, array);
                    let dvalue = tangent(&mut m.exprs, &[value], &|v| t.get(&v).copied())[0];
                    out.push(Stmt {
                        kind: StmtKind::SetElement {
                            array: d,
                            index,
                            value: dvalue,
                        },
                        span,
                    });
                    out.push(Stmt {
                        kind: StmtKind::SetElement {
                            array,
                            index,
                            value,
                        },
                        span,
                    });
                }
                StmtKind::TableRead {
                    var,
                    table,
                    arg,
                    slope,
                } => {
                    // The value's tangent is the interpolation's slope times the argument's; the
                    // slope is piecewise constant, its tangent 0.
                    let darg = tangent(&mut m.exprs, &[arg], &|v| t.get(&v).copied())[0];
                    if slope || m.exprs.as_num(darg) == Some(0.0) {
                        t.remove(&var);
                    } else {
                        let s_var = tangent_local(m, var, "slope_");
                        out.push(Stmt {
                            kind: StmtKind::TableRead {
                                var: s_var,
                                table,
                                arg,
                                slope: true,
                            },
                            span,
                        });
                        let dvar = tangent_local(m, var, prefix);
                        let sv = m.exprs.var(s_var);
                        let value = crate::sym::build::mul(&mut m.exprs, sv, darg);
                        out.push(assign(dvar, value, span));
                        t.insert(var, m.exprs.var(dvar));
                    }
                    out.push(Stmt {
                        kind: StmtKind::TableRead {
                            var,
                            table,
                            arg,
                            slope,
                        },
                        span,
                    });
                }
                StmtKind::VectorRead { var, index } => {
                    // The vector is data, not a function of any parameter.
                    t.remove(&var);
                    out.push(Stmt {
                        kind: StmtKind::VectorRead { var, index },
                        span,
                    });
                }
                StmtKind::Solve { .. }
                | StmtKind::NetSend { .. }
                | StmtKind::NetEvent { .. }
                | StmtKind::NetMove { .. }
                | StmtKind::ForNetcons { .. }
                | StmtKind::Watch { .. } => out.push(Stmt { kind: s.kind, span }),
                StmtKind::Ode { .. }
                | StmtKind::Reaction { .. }
                | StmtKind::Flux { .. }
                | StmtKind::Conserve { .. }
                | StmtKind::Compartment { .. }
                | StmtKind::Equation { .. } => {
                    return Err(Diagnostic::error(
                        span,
                        "internal: an equation reached differentiation before its solver pass",
                    )
                    .into());
                }
            }
        }
        Ok(out)
    }
}

/// A new LOCAL to hold a tangent of `of`, named `<prefix><name>` (made unique).
fn tangent_local(m: &mut Module, of: VarId, prefix: &str) -> VarId {
    let base = format!("{prefix}{}", m.var(of).name.replace(['[', ']'], "_"));
    let name = m.fresh_var_name(&base);
    let span = m.var(of).span;
    m.add_var(Variable::new(name, VarKind::Local, Scope::Range, span))
}
