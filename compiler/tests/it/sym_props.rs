//! Property tests over random expression trees (depth at most 5, three variables, every operator
//! and function): symbolic derivatives against central finite differences and against dual
//! numbers, simplified against unsimplified evaluation, printing against parsing, CSE let-chains
//! against the roots, the linearity test, and substitution.
//!
//! Tolerances are relative, plus a first-order rounding bound (`eps * S`, see
//! `sym_common::value_and_error_scale`) so that points where a formula is ill-conditioned are
//! judged by what `f64` can deliver there rather than skipped wholesale. Each test counts the
//! points it actually checked and requires a healthy number of them.

use std::cell::Cell;
use std::collections::HashMap;

use crate::sym_common::value_and_error_scale as scale;
use crate::sym_common::{
    Names, Tree, dual_and_error_scale, eval_at, parse, point_strategy, tree_strategy,
};
use gradmod_compiler::ir::expr::{BinOp, Expr, ExprArena, ExprId, Func, TempId, UnOp, VarId};
use gradmod_compiler::sym::{
    self, build, depends_on, diff, dual, eval, eval_many, free_vars, is_linear_in, substitute,
    to_nmodl,
};
use proptest::prelude::*;
use proptest::test_runner::{Config, RngAlgorithm, TestRng, TestRunner};

const NVARS: usize = 3;
const EPS: f64 = f64::EPSILON;

/// A deterministic runner with `cases` cases (set `SYM_PROPTEST_RANDOM` to explore new seeds).
fn runner(cases: u32) -> TestRunner {
    let config = Config {
        cases,
        failure_persistence: None,
        ..Config::default()
    };
    if std::env::var_os("SYM_PROPTEST_RANDOM").is_some() {
        TestRunner::new(config)
    } else {
        TestRunner::new_with_rng(config, TestRng::deterministic_rng(RngAlgorithm::ChaCha))
    }
}

fn case() -> impl Strategy<Value = (Tree, Vec<Vec<f64>>)> {
    (
        tree_strategy(NVARS as u32),
        prop::collection::vec(point_strategy(NVARS), 3),
    )
}

fn with(xs: &[f64], k: usize, x: f64) -> Vec<f64> {
    let mut p = xs.to_vec();
    p[k] = x;
    p
}

/// The central difference of `e` in variable `k` at `xs` with step `h`.
fn central(ar: &ExprArena, e: ExprId, xs: &[f64], k: usize, h: f64) -> f64 {
    let xk = xs[k];
    (eval_at(ar, e, &with(xs, k, xk + h)) - eval_at(ar, e, &with(xs, k, xk - h))) / (2.0 * h)
}

#[test]
fn diff_matches_finite_differences() {
    let checked = Cell::new(0usize);
    let worst = Cell::new(0.0f64);
    runner(1500)
        .run(&case(), |(tree, points)| {
            let mut ar = ExprArena::new();
            let e = tree.build(&mut ar, true);
            for k in 0..NVARS {
                let d = diff(&mut ar, e, VarId(k as u32));
                for xs in &points {
                    let (f, sf) = scale(&ar, e, &|v| xs[v.index()]);
                    let g = eval_at(&ar, d, xs);
                    if !f.is_finite() || !sf.is_finite() || !g.is_finite() || f.abs() > 1e8 {
                        continue;
                    }
                    let h = 1e-6 * xs[k].abs().max(1.0);
                    if g.abs() * h > 1e-2 * f.abs().max(1.0) {
                        // f changes by more than a percent over the stencil: the step does not
                        // resolve it (as in sin(sinh(1/x^2)), which oscillates far below h).
                        continue;
                    }
                    let sig = branch_signature(&ar, e, xs);
                    if [h, -h]
                        .iter()
                        .any(|&s| branch_signature(&ar, e, &with(xs, k, xs[k] + s)) != sig)
                    {
                        // The stencil crosses a branch, a jump or a kink.
                        continue;
                    }
                    let (fd1, fd2) = (central(&ar, e, xs, k, h), central(&ar, e, xs, k, h / 2.0));
                    // Rounding noise of the half-step difference, from the error scale of f.
                    let noise = 4.0 * EPS * sf / (h / 2.0);
                    let spread = (fd1 - fd2).abs();
                    if !fd2.is_finite() || spread > 1e-6 * fd2.abs().max(1e-2) + 2.0 * noise {
                        // A kink or jump within the step, or a singularity: ill-conditioned.
                        continue;
                    }
                    let tol = 1e-5 * g.abs() + 4.0 * noise + 2.0 * spread;
                    prop_assert!(
                        (g - fd2).abs() <= tol,
                        "d/dx{k} of {tree:?} at {xs:?}: {g} vs finite difference {fd2}"
                    );
                    if g.abs() > 1e-3 {
                        worst.set(worst.get().max((g - fd2).abs() / g.abs()));
                    }
                    checked.set(checked.get() + 1);
                }
            }
            Ok(())
        })
        .unwrap();
    println!(
        "finite differences: {} points checked, worst relative error {:e}",
        checked.get(),
        worst.get()
    );
    assert!(
        checked.get() >= 4000,
        "only {} points checked",
        checked.get()
    );
}

#[test]
fn diff_matches_dual_numbers_tightly() {
    let checked = Cell::new(0usize);
    let worst = Cell::new(0.0f64);
    runner(1500)
        .run(&case(), |(tree, points)| {
            for simplify in [true, false] {
                let mut ar = ExprArena::new();
                let e = tree.build(&mut ar, simplify);
                for k in 0..NVARS {
                    let var = VarId(k as u32);
                    let d = diff(&mut ar, e, var);
                    for xs in &points {
                        let env = |v: VarId| xs[v.index()];
                        let (g, sg) = scale(&ar, d, &env);
                        let (f, want) = dual::value_and_derivative(&ar, e, &env, var);
                        let (_, sw) = dual_and_error_scale(&ar, e, &env, var);
                        if !f.is_finite() || !g.is_finite() || !want.is_finite() || !sg.is_finite()
                        {
                            continue;
                        }
                        // Subnormal derivatives are compared absolutely (an overflowed cosh^2
                        // gives 0 where the dual gives 1e-318).
                        let tol = 1e-10 * want.abs() + 64.0 * EPS * (sg + sw) + 1e-300;
                        prop_assert!(
                            (g - want).abs() <= tol,
                            "d/dx{k} of {tree:?} at {xs:?}: symbolic {g}, dual {want}"
                        );
                        if want.abs() > 1e-3 {
                            worst.set(worst.get().max((g - want).abs() / want.abs()));
                        }
                        checked.set(checked.get() + 1);
                    }
                }
            }
            Ok(())
        })
        .unwrap();
    println!(
        "dual numbers: {} points checked, worst relative error {:e}",
        checked.get(),
        worst.get()
    );
    assert!(
        checked.get() >= 10000,
        "only {} points checked",
        checked.get()
    );
}

#[test]
fn second_derivatives_match_dual_numbers_of_first_derivatives() {
    // Tangents of conductances and of update maps differentiate derivatives again.
    let checked = Cell::new(0usize);
    runner(700)
        .run(&case(), |(tree, points)| {
            let mut ar = ExprArena::new();
            let e = tree.build(&mut ar, true);
            for (j, k) in [(0, 0), (0, 1), (2, 1)] {
                let (vj, vk) = (VarId(j), VarId(k));
                let d = diff(&mut ar, e, vj);
                let d2 = diff(&mut ar, d, vk);
                for xs in &points {
                    let env = |v: VarId| xs[v.index()];
                    let (g, sg) = scale(&ar, d2, &env);
                    let (f, want) = dual::value_and_derivative(&ar, d, &env, vk);
                    let (_, sw) = dual_and_error_scale(&ar, d, &env, vk);
                    if !f.is_finite() || !g.is_finite() || !want.is_finite() || !sg.is_finite() {
                        continue;
                    }
                    let tol = 1e-10 * want.abs() + 64.0 * EPS * (sg + sw) + 1e-300;
                    prop_assert!(
                        (g - want).abs() <= tol,
                        "d2/dx{j}dx{k} of {tree:?} at {xs:?}: symbolic {g}, dual {want}"
                    );
                    checked.set(checked.get() + 1);
                }
            }
            Ok(())
        })
        .unwrap();
    println!("second derivatives: {} points checked", checked.get());
    assert!(
        checked.get() >= 2000,
        "only {} points checked",
        checked.get()
    );
}

#[test]
fn every_entry_point_accepts_every_expression() {
    // Extreme constants (infinities, NaN, the largest and smallest numbers) anywhere in a tree
    // must not make any entry point panic.
    let extremes = prop::sample::select(vec![
        f64::INFINITY,
        f64::NEG_INFINITY,
        f64::NAN,
        f64::MAX,
        -f64::MAX,
        f64::MIN_POSITIVE,
        5e-324,
        -0.0,
        0.0,
        710.0,
    ]);
    let strategy = (
        tree_strategy(NVARS as u32),
        prop::collection::vec(extremes, 4),
        prop::collection::vec(point_strategy(NVARS), 2),
    );
    runner(700)
        .run(&strategy, |(tree, consts, points)| {
            let mut ar = ExprArena::new();
            let base = tree.build(&mut ar, false);
            // Splice the extreme constants in for variables 1 and 2, and add them at the top.
            let (c0, c1) = (ar.num(consts[0]), ar.num(consts[1]));
            let map = HashMap::from([(VarId(1), c0), (VarId(2), c1)]);
            let e0 = substitute(&mut ar, base, &map);
            let c2 = ar.num(consts[2]);
            let e1 = ar.binary(BinOp::Mul, e0, c2);
            let c3 = ar.num(consts[3]);
            let e = build::binary(&mut ar, BinOp::Pow, e1, c3);
            let s = sym::simplify(&mut ar, e);
            let d = diff(&mut ar, s, VarId(0));
            let j = sym::jacobian(&mut ar, &[e, s], &[VarId(0), VarId(1)]);
            let _ = is_linear_in(&mut ar, e, VarId(0));
            let plan = sym::cse(&ar, &[e, s, d, j[0][0]]);
            let _ = plan.to_let_chain(&mut ar, &[e, d], &mut || TempId(99));
            let _ = to_nmodl(&ar, e, &|v| format!("v{}", v.0));
            let _ = to_nmodl(&ar, d, &|v| format!("v{}", v.0));
            for xs in &points {
                let _ = eval_many(&ar, &[e, s, d], &|v| {
                    xs.get(v.index()).copied().unwrap_or(0.0)
                });
                let _ = dual::value_and_derivative(&ar, e, &|v| xs[v.index() % NVARS], VarId(0));
            }
            Ok(())
        })
        .unwrap();
}

/// Whether simplification may legitimately change the value of `e` at `xs`: some `atan2(a, b)`
/// has `a == 0` (the sign of a zero, which `x*0 -> 0` does not keep, picks `pi` or `-pi`), or
/// some subexpression is not finite (`x*0 -> 0` and `x - x -> 0` assume finite `x`, and a
/// comparison can turn the difference into a finite one).
fn simplification_may_differ(ar: &ExprArena, e: ExprId, xs: &[f64]) -> bool {
    ar.reachable(&[e]).into_iter().any(|id| match ar.get(id) {
        Expr::Binary(BinOp::Atan2, a, _) if eval_at(ar, a, xs) == 0.0 => true,
        _ => !eval_at(ar, id, xs).is_finite(),
    })
}

/// The discrete state of every non-smooth node of `e` at `xs` (which branch, which integer part,
/// which side of a kink), so that a finite difference whose stencil changes it can be skipped.
fn branch_signature(ar: &ExprArena, e: ExprId, xs: &[f64]) -> Vec<u64> {
    let at = |id| eval_at(ar, id, xs);
    let mut sig = Vec::new();
    for id in ar.reachable(&[e]) {
        let state = match ar.get(id) {
            Expr::Unary(UnOp::Not, _) | Expr::Call(Func::Floor | Func::Ceil, _) => at(id),
            Expr::Call(Func::Fabs | Func::Signum | Func::Step, a) => at(a).signum(),
            Expr::Call(Func::StepLeft | Func::StepRight, a) => at(a).signum(),
            Expr::Binary(op, a, b) => match op {
                BinOp::Min | BinOp::Max => f64::from(u8::from(at(id) == at(a))),
                BinOp::Fmod => ((at(a) - at(id)) / at(b)).round(),
                BinOp::Atan2 => at(a).signum() + 4.0 * at(b).signum(),
                BinOp::Add | BinOp::Sub | BinOp::Mul | BinOp::Div | BinOp::Pow => continue,
                _ => at(id),
            },
            Expr::Select { cond, .. } => f64::from(u8::from(at(cond) != 0.0)),
            _ => continue,
        };
        sig.push(state.to_bits());
    }
    sig
}

#[test]
fn simplification_preserves_values() {
    let checked = Cell::new(0usize);
    runner(2000)
        .run(&case(), |(tree, points)| {
            let mut ar = ExprArena::new();
            let raw = tree.build(&mut ar, false);
            let built = tree.build(&mut ar, true);
            let simplified = sym::simplify(&mut ar, raw);
            // Building through the smart constructors and simplifying afterwards agree, and
            // simplification is idempotent.
            prop_assert_eq!(simplified, built);
            prop_assert_eq!(sym::simplify(&mut ar, simplified), simplified);
            for xs in &points {
                let (u, su) = scale(&ar, raw, &|v| xs[v.index()]);
                let (s, ss) = scale(&ar, simplified, &|v| xs[v.index()]);
                if !u.is_finite() || simplification_may_differ(&ar, raw, xs) {
                    continue;
                }
                prop_assert!(s.is_finite(), "{tree:?} at {xs:?}: {u} became {s}");
                let tol = 1e-12 * u.abs() + 64.0 * EPS * (su + ss);
                prop_assert!(
                    (u - s).abs() <= tol,
                    "{tree:?} at {xs:?}: unsimplified {u}, simplified {s}"
                );
                checked.set(checked.get() + 1);
            }
            Ok(())
        })
        .unwrap();
    println!("simplification: {} points checked", checked.get());
    assert!(
        checked.get() >= 2000,
        "only {} points checked",
        checked.get()
    );
}

fn same(a: f64, b: f64) -> bool {
    a.to_bits() == b.to_bits() || (a.is_nan() && b.is_nan()) || (a == 0.0 && b == 0.0)
}

#[test]
fn printing_round_trips_through_parsing() {
    runner(1500)
        .run(&case(), |(tree, points)| {
            for simplify in [false, true] {
                let mut ar = ExprArena::new();
                let e = tree.build(&mut ar, simplify);
                let mut names = Names::default();
                for n in ["x", "y", "z"] {
                    names.id(n);
                }
                let text = to_nmodl(&ar, e, &|v| names.name(v));
                let back = parse(&mut ar, &mut names, &text, false);
                let again = to_nmodl(&ar, back, &|v| names.name(v));
                prop_assert_eq!(&again, &text);
                for xs in &points {
                    let (a, b) = (eval_at(&ar, e, xs), eval_at(&ar, back, xs));
                    prop_assert!(same(a, b), "{text} at {xs:?}: {a} vs {b} after parsing");
                }
            }
            Ok(())
        })
        .unwrap();
}

/// `e` with every temporary replaced by its definition in `temps` (itself free of temporaries),
/// rebuilt without simplification; a temporary not yet bound is an error of the let chain.
fn bind_temps(ar: &mut ExprArena, e: ExprId, temps: &HashMap<TempId, ExprId>) -> ExprId {
    let mut map: HashMap<ExprId, ExprId> = HashMap::new();
    for id in ar.reachable(&[e]) {
        let new = match ar.get(id) {
            Expr::Temp(t) => *temps.get(&t).expect("read before binding"),
            Expr::Num(_) | Expr::Var(_) => id,
            Expr::Unary(op, a) => ar.unary(op, map[&a]),
            Expr::Binary(op, a, b) => ar.binary(op, map[&a], map[&b]),
            Expr::Call(f, a) => ar.call(f, map[&a]),
            Expr::Select {
                cond,
                then,
                otherwise,
            } => ar.select(map[&cond], map[&then], map[&otherwise]),
        };
        map.insert(id, new);
    }
    map[&e]
}

#[test]
fn cse_let_chains_compute_the_roots() {
    let temps = Cell::new(0usize);
    runner(1000)
        .run(&case(), |(tree, points)| {
            let mut ar = ExprArena::new();
            let e = tree.build(&mut ar, true);
            let mut roots = vec![e];
            roots.extend((0..NVARS).map(|k| diff(&mut ar, e, VarId(k as u32))));
            let plan = sym::cse(&ar, &roots);
            temps.set(temps.get() + plan.temps.len());
            let mut next = 0u32;
            let chain = plan.to_let_chain(&mut ar, &roots, &mut || {
                next += 1;
                TempId(next - 1)
            });
            prop_assert_eq!(chain.lets.len(), plan.temps.len());
            for xs in &points {
                let want = eval_many(&ar, &roots, &|v| xs[v.index()]);
                let mut temps: HashMap<TempId, ExprId> = HashMap::new();
                for &(t, def) in &chain.lets {
                    // Every read is of an input or an earlier binding.
                    let def = bind_temps(&mut ar, def, &temps);
                    temps.insert(t, def);
                }
                for (r, w) in chain.roots.iter().zip(&want) {
                    let r = bind_temps(&mut ar, *r, &temps);
                    let got = eval(&ar, r, &|u| xs[u.index()]);
                    prop_assert!(same(got, *w), "root {got} vs {w}");
                }
            }
            Ok(())
        })
        .unwrap();
    assert!(
        temps.get() > 500,
        "only {} temporaries over all cases",
        temps.get()
    );
}

#[test]
fn linearity_test_is_sound_and_finds_affine_forms() {
    let found = Cell::new(0usize);
    let strategy = (
        tree_strategy(2),
        tree_strategy(2),
        tree_strategy(NVARS as u32),
        prop::collection::vec(point_strategy(NVARS), 3),
    );
    runner(1000)
        .run(&strategy, |(ta, tb, tany, points)| {
            let mut ar = ExprArena::new();
            let x = VarId(0);
            // a*x + b with a, b over y and z only must be recognised as linear.
            let (a, b) = (
                ta.shifted(1).build(&mut ar, true),
                tb.shifted(1).build(&mut ar, true),
            );
            let xv = ar.var(x);
            let ax = build::mul(&mut ar, a, xv);
            let affine = build::add(&mut ar, ax, b);
            prop_assert!(
                is_linear_in(&mut ar, affine, x).is_some(),
                "{ta:?} x + {tb:?}"
            );
            for e in [affine, tany.build(&mut ar, true)] {
                let Some((p, q)) = is_linear_in(&mut ar, e, x) else {
                    continue;
                };
                found.set(found.get() + 1);
                prop_assert!(!depends_on(&ar, p, x) && !depends_on(&ar, q, x));
                let d = diff(&mut ar, e, x);
                let pxq = {
                    let px = build::mul(&mut ar, p, xv);
                    build::add(&mut ar, px, q)
                };
                for xs in &points {
                    let env = |v: VarId| xs[v.index()];
                    let ((u, su), (w, sw)) = (scale(&ar, e, &env), scale(&ar, pxq, &env));
                    if u.is_finite() && !simplification_may_differ(&ar, e, xs) {
                        let tol = 1e-12 * u.abs() + 64.0 * EPS * (su + sw);
                        prop_assert!((u - w).abs() <= tol, "{u} vs {w} = a x + b");
                    }
                    let (g, sg) = scale(&ar, d, &env);
                    let (c, sc) = scale(&ar, p, &env);
                    if g.is_finite() && c.is_finite() {
                        let tol = 1e-12 * g.abs() + 64.0 * EPS * (sg + sc);
                        prop_assert!((g - c).abs() <= tol, "derivative {g} vs coefficient {c}");
                    }
                }
            }
            Ok(())
        })
        .unwrap();
    assert!(found.get() >= 1000);
}

#[test]
fn substitution_and_free_variables_agree_with_evaluation() {
    let checked = Cell::new(0usize);
    let strategy = (
        tree_strategy(NVARS as u32),
        tree_strategy(2),
        prop::collection::vec(point_strategy(NVARS), 3),
    );
    runner(1000)
        .run(&strategy, |(tree, tg, points)| {
            let mut ar = ExprArena::new();
            let e = tree.build(&mut ar, true);
            // Replace x by g(y, z).
            let g = tg.shifted(1).build(&mut ar, true);
            let map = HashMap::from([(VarId(0), g)]);
            let s = substitute(&mut ar, e, &map);
            prop_assert!(!depends_on(&ar, s, VarId(0)));
            let fv = free_vars(&ar, e);
            for k in 0..NVARS as u32 {
                prop_assert_eq!(fv.contains(&VarId(k)), depends_on(&ar, e, VarId(k)));
            }
            for xs in &points {
                let gx = eval_at(&ar, g, xs);
                let inner = with(xs, 0, gx);
                let (u, su) = scale(&ar, e, &|v| inner[v.index()]);
                let (w, sw) = scale(&ar, s, &|v| xs[v.index()]);
                if !u.is_finite() || !gx.is_finite() || simplification_may_differ(&ar, e, &inner) {
                    continue;
                }
                let tol = 1e-12 * u.abs() + 64.0 * EPS * (su + sw);
                prop_assert!(
                    (u - w).abs() <= tol,
                    "{tree:?}[x := {tg:?}] at {xs:?}: {u} vs {w}"
                );
                checked.set(checked.get() + 1);
            }
            Ok(())
        })
        .unwrap();
    assert!(
        checked.get() >= 1000,
        "only {} points checked",
        checked.get()
    );
}
