//! Derivatives written in NMODL on both sides, compared by value at many points; user guards
//! (`vtrap`, `efun`, `linoid`) differentiated on both sides of their `if`; `exprelr` near zero.

use crate::sym_common::{Names, eval_at, parse, value_and_error_scale};
use gradmod_compiler::ir::expr::{BinOp, ExprArena, ExprId, Func, VarId};
use gradmod_compiler::sym::{build, diff, dual, eval::exprelr};

/// `(f, variable, df/dvariable)`, both sides NMODL.
const TABLE: &[(&str, &str, &str)] = &[
    ("x - log(x)", "x", "1 - 1/x"),
    ("exp(-x/2)", "x", "-exp(-x/2)/2"),
    ("x^3", "x", "3*x^2"),
    ("pow(x, 3)", "x", "3*x*x"),
    ("x^-2", "x", "-2/x^3"),
    ("(x - 1)^3", "x", "3*(x - 1)^2"),
    ("x^2.5", "x", "2.5*x^1.5"),
    ("x^-1.5", "x", "-1.5*x^(-2.5)"),
    ("x^y", "x", "y*x^(y - 1)"),
    ("x^y", "y", "x^y*log(x)"),
    ("y^x", "x", "y^x*log(y)"),
    ("x^x", "x", "x^x*(log(x) + 1)"),
    ("x^(y/2)", "y", "x^(y/2)*log(x)/2"),
    ("(x^2)^y", "y", "(x^2)^y*log(x^2)"),
    ("x^(y + x)", "x", "x^(y + x)*(log(x) + (y + x)/x)"),
    ("x^0.5", "x", "0.5/sqrt(x)"),
    ("pow(x, 0.5)", "x", "0.5/sqrt(x)"),
    ("2^-x", "x", "-log(2)*2^(-x)"),
    ("sqrt(x)", "x", "1/(2*sqrt(x))"),
    ("sqrt(x^2 + y^2)", "x", "x/sqrt(x^2 + y^2)"),
    ("1/x", "x", "-1/x^2"),
    ("-x^2", "x", "-2*x"),
    ("x*exp(x)", "x", "exp(x)*(1 + x)"),
    ("exp(x)^2", "x", "2*exp(2*x)"),
    ("exp(x)*exp(-x)", "x", "0"),
    ("log(x^2 + y)", "x", "2*x/(x^2 + y)"),
    ("log10(x)", "x", "1/(x*log(10))"),
    (
        "x/(exp(x/y) - 1)",
        "x",
        "1/(exp(x/y) - 1) - x*exp(x/y)/(y*(exp(x/y) - 1)^2)",
    ),
    (
        "x/(exp(x/y) - 1)",
        "y",
        "x^2*exp(x/y)/(y^2*(exp(x/y) - 1)^2)",
    ),
    (
        "0.1*(x + 40)/(1 - exp(-(x + 40)/10))",
        "x",
        "0.1/(1 - exp(-(x + 40)/10)) - 0.01*(x + 40)*exp(-(x + 40)/10)/(1 - exp(-(x + 40)/10))^2",
    ),
    ("4*exp(-(x + 65)/18)", "x", "-4/18*exp(-(x + 65)/18)"),
    (
        "1/(1 + exp(-(x + 35)/10))",
        "x",
        "exp(-(x + 35)/10)/10/(1 + exp(-(x + 35)/10))^2",
    ),
    (
        "y/(1 + exp((x - 20)/y))",
        "x",
        "-exp((x - 20)/y)/(1 + exp((x - 20)/y))^2",
    ),
    ("exp(-(x - y)^2/2)", "x", "-(x - y)*exp(-(x - y)^2/2)"),
    ("exp(-(x - y)^2/2)", "y", "(x - y)*exp(-(x - y)^2/2)"),
    ("tanh(x)", "x", "1 - tanh(x)^2"),
    ("tanh(x/y)", "x", "(1 - tanh(x/y)^2)/y"),
    ("sin(x)*cos(x)", "x", "cos(x)^2 - sin(x)^2"),
    ("cos(x^2)", "x", "-2*x*sin(x^2)"),
    ("tan(x)", "x", "1/cos(x)^2"),
    ("sinh(x)", "x", "cosh(x)"),
    ("cosh(2*x)", "x", "2*sinh(2*x)"),
    ("atan(x)", "x", "1/(1 + x^2)"),
    (
        "erf(x/y)",
        "x",
        "2/(sqrt(3.141592653589793)*y)*exp(-(x/y)^2)",
    ),
    ("erfc(x^2)", "x", "-4*x/sqrt(3.141592653589793)*exp(-x^4)"),
    ("erf(x) + erfc(x)", "x", "0"),
    ("asin(x/4)", "x", "1/sqrt(16 - x^2)"),
    ("acos(x/4)", "x", "-1/sqrt(16 - x^2)"),
    ("fabs(x - 1)", "x", "(x - 1)/fabs(x - 1)"),
    ("min(x, y)", "x", "x < y"),
    ("max(x, y)", "x", "x > y"),
    ("min(x^2, y)", "x", "2*x*(x^2 < y)"),
    ("max(x, 2*y)", "y", "2*(2*y > x)"),
    ("atan2(x, y)", "x", "y/(x^2 + y^2)"),
    ("atan2(y, x)", "x", "-y/(x^2 + y^2)"),
    ("fmod(x, y)", "x", "1"),
    ("fmod(y, x)", "x", "-select(y/x > 0, floor(y/x), ceil(y/x))"),
    ("exprelr(x)", "x", "(exp(x) - 1 - x*exp(x))/(exp(x) - 1)^2"),
    (
        "exprelr(-x/y)",
        "x",
        "-(exp(-x/y) - 1 + x/y*exp(-x/y))/(exp(-x/y) - 1)^2/y",
    ),
    ("(x > 1)*x^2", "x", "(x > 1)*2*x"),
    ("x*(x >= y)", "x", "x >= y"),
    ("(x < 2 && y > 1)*x", "x", "x < 2 && y > 1"),
    ("!(x > 2)*x", "x", "!(x > 2)"),
    ("floor(x)*x", "x", "floor(x)"),
    (
        "ceil(x) + step_right(x) + step_left(x) + step(x) + signum(x)",
        "x",
        "0",
    ),
    ("signum(x)*x", "x", "signum(x)"),
    ("(y - x)*x", "x", "y - 2*x"),
    ("select(x > 1, x^2, -x)", "x", "select(x > 1, 2*x, -1)"),
];

/// Points for `x` (wide, to cover voltages in mV) and `y`.
const XS: &[f64] = &[
    0.37, 0.81, 1.29, 1.93, 2.71, 3.3, -0.55, -1.7, -63.2, -41.3, 12.5, 35.1,
];
const YS: &[f64] = &[0.6, 1.7, 2.3];

#[test]
fn derivative_table_matches_by_value() {
    assert!(TABLE.len() >= 60, "table has {} entries", TABLE.len());
    let mut worst: f64 = 0.0;
    for &(f, var, expected) in TABLE {
        let mut ar = ExprArena::new();
        let mut names = Names::default();
        let (x, y) = (names.id("x"), names.id("y"));
        let e = parse(&mut ar, &mut names, f, true);
        let want = parse(&mut ar, &mut names, expected, false);
        let v = if var == "x" { x } else { y };
        let got = diff(&mut ar, e, v);
        let mut checked = 0;
        for &px in XS {
            for &py in YS {
                let env = [px, py];
                let (w, sw) = value_and_error_scale(&ar, want, &|v| env[v.index()]);
                let (g, sg) = value_and_error_scale(&ar, got, &|v| env[v.index()]);
                if !w.is_finite() || !sw.is_finite() || !sg.is_finite() {
                    continue;
                }
                let err = (g - w).abs();
                // Relative error below 1e-12, or within the rounding both formulas can incur.
                let tol = 1e-12 * w.abs().max(g.abs()) + 16.0 * f64::EPSILON * (sw + sg);
                assert!(
                    err <= tol,
                    "d({f})/d{var} at x={px}, y={py}: got {g}, want {w} (tol {tol:e})"
                );
                // The worst relative error is reported where both formulas are well conditioned.
                if 16.0 * f64::EPSILON * (sw + sg) <= 1e-12 * w.abs() {
                    worst = worst.max(err / w.abs());
                }
                checked += 1;
            }
        }
        assert!(checked >= 3, "only {checked} valid points for {f}");
    }
    println!("{} entries, worst relative error {worst:e}", TABLE.len());
    assert!(worst < 1e-12, "worst relative error {worst:e}");
}

/// A central difference of `e` in variable 0 at `xs`, with step `h`.
fn central(ar: &ExprArena, e: ExprId, xs: &[f64], h: f64) -> f64 {
    let mut p = xs.to_vec();
    let mut m = xs.to_vec();
    p[0] += h;
    m[0] -= h;
    (eval_at(ar, e, &p) - eval_at(ar, e, &m)) / (2.0 * h)
}

/// Checks `d e / d x` against central differences at points on both sides of a guard at
/// `|x/y| = threshold` (or `|x| = threshold` when not `scaled`), with steps that stay inside the branch, and against `exact(x, y)`, the
/// true derivative of the guarded function (computed through an accurate `exprelr'`), where
/// the user's formula is well conditioned.
fn check_guard(text: &str, exact: impl Fn(f64, f64) -> f64, threshold: f64, scaled: bool) {
    let mut ar = ExprArena::new();
    let mut names = Names::default();
    let x = names.id("x");
    names.id("y");
    let e = parse(&mut ar, &mut names, text, true);
    let d = diff(&mut ar, e, x);
    for y in [1.0f64, 2.5, -3.0] {
        let t = if scaled {
            threshold * y.abs()
        } else {
            threshold
        };
        for x in [
            -3.0,
            -0.4,
            0.7,
            2.2,
            25.0,
            0.3 * t,
            -0.6 * t,
            0.9 * t,
            3.0 * t,
            -40.0 * t,
        ] {
            let xs = [x, y];
            let g = eval_at(&ar, d, &xs);
            // Inside the series branch the step must not cross the guard.
            let h = if x.abs() < t {
                (t - x.abs()).min(x.abs()) * 0.25
            } else {
                1e-6 * x.abs().max(1.0)
            };
            let fd = central(&ar, e, &xs, h);
            let (_, scale) = value_and_error_scale(&ar, e, &|v| xs[v.index()]);
            let tol = 1e-6 * g.abs().max(1e-3) + 8.0 * f64::EPSILON * scale / h;
            assert!(
                (g - fd).abs() <= tol,
                "{text}: d/dx at x={x}, y={y}: {g} vs finite difference {fd}"
            );
            // Far from the guard the derivative is the true one; inside, the series branch is
            // the first-order approximation the user wrote.
            let w = exact(x, y);
            if x.abs() > 1e3 * t {
                assert!((g - w).abs() <= 1e-9 * w.abs(), "{text} at {x}: {g} vs {w}");
            } else if x.abs() < t {
                assert!((g - w).abs() <= 1e-3 * w.abs(), "{text} at {x}: {g} vs {w}");
            }
        }
    }
}

#[test]
fn user_guards_differentiate_on_both_branches() {
    let rp = dual::exprelr_prime_value;
    // vtrap(x, y) = y exprelr(x/y).
    check_guard(
        "select(fabs(x/y) < 1e-6, y*(1 - x/y/2), x/(exp(x/y) - 1))",
        |x, y| rp(x / y),
        1e-6,
        true,
    );
    // efun(z) = exprelr(z).
    check_guard(
        "select(fabs(x) < 1e-4, 1 - x/2, x/(exp(x) - 1))",
        |x, _| rp(x),
        1e-4,
        false,
    );
    // linoid(x, y) = y exprelr(-x/y).
    check_guard(
        "select(fabs(x/y) < 1e-6, y*(1 + x/y/2), x/(1 - exp(-x/y)))",
        |x, y| -rp(-x / y),
        1e-6,
        true,
    );
    // The series branch of vtrap has the exact derivative -1/2.
    let mut ar = ExprArena::new();
    let mut names = Names::default();
    let x = names.id("x");
    let e = parse(
        &mut ar,
        &mut names,
        "select(fabs(x/y) < 1e-6, y*(1 - x/y/2), x/(exp(x/y) - 1))",
        true,
    );
    let d = diff(&mut ar, e, x);
    assert_eq!(eval_at(&ar, d, &[1e-7, 1.0]), -0.5);
}

/// `exprelr(x) = sum B_n x^n / n!` and its derivative, by the series (exact to f64 here).
fn exprelr_series(x: f64) -> (f64, f64) {
    let value = 1.0 - x / 2.0 + x * x / 12.0 - x.powi(4) / 720.0 + x.powi(6) / 30240.0;
    let slope = -0.5 + x / 6.0 - x.powi(3) / 180.0 + x.powi(5) / 5040.0 - x.powi(7) / 151_200.0;
    (value, slope)
}

#[test]
fn exprelr_near_zero_matches_series() {
    let mut ar = ExprArena::new();
    let x = ar.var(VarId(0));
    let e = build::call(&mut ar, Func::Exprelr, x);
    let d = diff(&mut ar, e, VarId(0));
    assert_eq!(eval_at(&ar, e, &[0.0]), 1.0);
    assert_eq!(eval_at(&ar, d, &[0.0]), -0.5);
    for x in [1e-8, -1e-8, 1e-6, -1e-6, 1e-3, -1e-3, 0.05, -0.05] {
        let (v, s) = exprelr_series(x);
        let ev = eval_at(&ar, e, &[x]);
        let es = eval_at(&ar, d, &[x]);
        // Two ulp: one for the evaluation, one for the reference itself.
        assert!(
            (ev - v).abs() <= 4.5e-16 * v.abs(),
            "exprelr({x}) = {ev}, series {v}"
        );
        assert!(
            (es - s).abs() <= 4.5e-16 * s.abs(),
            "exprelr'({x}) = {es}, series {s}"
        );
        assert_eq!(exprelr(x), ev);
    }
}

#[test]
fn exprelr_derivative_matches_independent_formula_everywhere() {
    let mut ar = ExprArena::new();
    let x = ar.var(VarId(0));
    let e = build::call(&mut ar, Func::Exprelr, x);
    let d = diff(&mut ar, e, VarId(0));
    let d2 = diff(&mut ar, d, VarId(0));
    let t = gradmod_compiler::sym::diff::EXPRELR_SERIES_BELOW;
    let mut worst: f64 = 0.0;
    for x in [
        t,
        -t,
        t * (1.0 + 1e-15),
        t * (1.0 - 1e-15),
        0.2,
        -0.3,
        0.49,
        0.51,
        1.0,
        -1.0,
        5.0,
        -5.0,
        30.0,
        -30.0,
        300.0,
        -300.0,
        750.0,
        -750.0,
        1e6,
        -1e6,
    ] {
        let got = eval_at(&ar, d, &[x]);
        let want = dual::exprelr_prime_value(x);
        let rel = (got - want).abs() / want.abs().max(1e-300);
        worst = worst.max(rel);
        assert!(rel <= 1e-13, "exprelr'({x}) = {got}, reference {want}");
        // The second derivative (needed for tangents of conductances) is finite and matches a
        // central difference of the first derivative.
        let h = 1e-5 * x.abs().max(1.0);
        let fd = (eval_at(&ar, d, &[x + h]) - eval_at(&ar, d, &[x - h])) / (2.0 * h);
        let g2 = eval_at(&ar, d2, &[x]);
        assert!(g2.is_finite(), "exprelr''({x}) = {g2}");
        assert!(
            (g2 - fd).abs() <= 1e-6 * fd.abs() + 1e-9,
            "exprelr''({x}) = {g2}, finite difference {fd}"
        );
    }
    println!("exprelr' against the independent formula: worst relative error {worst:e}");
    assert!(worst <= 1e-13, "worst {worst:e}");
}

#[test]
fn jacobian_and_tangent_agree_with_partials() {
    let mut ar = ExprArena::new();
    let mut names = Names::default();
    let (x, y) = (names.id("x"), names.id("y"));
    let f = parse(&mut ar, &mut names, "x^2*y + exp(x/y)", true);
    let g = parse(&mut ar, &mut names, "sin(x) - y^3", true);
    let j = gradmod_compiler::sym::jacobian(&mut ar, &[f, g], &[x, y]);
    let pts = [0.7, 1.3];
    let want = [
        [
            2.0 * 0.7 * 1.3 + (0.7f64 / 1.3).exp() / 1.3,
            0.49 - 0.7 * (0.7f64 / 1.3).exp() / (1.3 * 1.3),
        ],
        [0.7f64.cos(), -3.0 * 1.3 * 1.3],
    ];
    for i in 0..2 {
        for k in 0..2 {
            let v = eval_at(&ar, j[i][k], &pts);
            assert!((v - want[i][k]).abs() < 1e-14 * want[i][k].abs().max(1.0));
        }
    }
    // A tangent along (dx, dy) = (2, -1) is 2 df/dx - df/dy.
    let two = ar.num(2.0);
    let minus_one = ar.num(-1.0);
    let t = gradmod_compiler::sym::tangent(&mut ar, &[f], &|v| {
        if v == x {
            Some(two)
        } else if v == y {
            Some(minus_one)
        } else {
            None
        }
    })[0];
    let v = eval_at(&ar, t, &pts);
    let w = 2.0 * want[0][0] - want[0][1];
    assert!((v - w).abs() < 1e-13 * w.abs());
    // Conditions are never differentiated: no node for d(x > y) is interned.
    let before = ar.len();
    let s = parse(&mut ar, &mut names, "select(x > y, y, 2)", true);
    let ds = diff(&mut ar, s, x);
    assert_eq!(ar.as_num(ds), Some(0.0));
    assert!(ar.len() <= before + 6);
    let _ = BinOp::Gt;
}

/// `d(x^p) = p x^(p-1) dx + x^p ln(x) dp` is finite where the true derivative is: at `x = 0` the
/// `dp` term is 0 (`x^p` is 0 there for `p > 0`, although `ln x` is `-inf`), a direction that
/// leaves `x` or `p` still contributes nothing through it (not `inf * 0` or `ln(-2) * 0`), and a
/// structurally constant exponent gives no `dp` term at all.
#[test]
fn pow_tangents_are_finite_at_a_zero_or_negative_base() {
    let mut ar = ExprArena::new();
    let mut names = Names::default();
    let (x, p, dx, dp) = (names.id("x"), names.id("p"), names.id("dx"), names.id("dp"));
    let e = parse(&mut ar, &mut names, "x^p", true);
    let (dxe, dpe) = (ar.var(dx), ar.var(dp));
    let seed = |v: VarId| {
        if v == x {
            Some(dxe)
        } else if v == p {
            Some(dpe)
        } else {
            None
        }
    };
    let t = diff::tangent(&mut ar, &[e], &seed)[0];
    // (x, p, dx, dp) and the exact tangent.
    let cases: &[([f64; 4], f64)] = &[
        ([0.0, 2.0, 0.0, 1.0], 0.0),
        ([0.0, 2.0, 1.0, 0.0], 0.0),
        ([0.0, 2.0, 1.0, 1.0], 0.0),
        ([0.0, 1.0, 1.0, 1.0], 1.0),
        ([0.0, 0.5, 0.0, 1.0], 0.0),
        ([0.0, 0.5, 0.0, 0.0], 0.0),
        ([-2.0, 2.0, 1.0, 0.0], -4.0),
        ([-2.0, 3.0, 0.5, 0.0], 6.0),
        ([2.0, 3.0, 0.0, 1.0], 8.0 * std::f64::consts::LN_2),
        ([2.0, 3.0, 1.0, 1.0], 12.0 + 8.0 * std::f64::consts::LN_2),
    ];
    for &(xs, want) in cases {
        let got = eval_at(&ar, t, &xs);
        assert!(
            (got - want).abs() <= 1e-15 * want.abs(),
            "d(x^p) at (x, p, dx, dp) = {xs:?}: got {got}, want {want}"
        );
    }
    // With only the exponent moving (a base free of the seeded variables), and only the base.
    let only_p = diff::tangent(&mut ar, &[e], &|v| (v == p).then_some(dpe))[0];
    assert_eq!(eval_at(&ar, only_p, &[0.0, 2.0, 0.0, 1.0]), 0.0);
    assert_eq!(eval_at(&ar, only_p, &[-2.0, 2.0, 0.0, 0.0]), 0.0);
    let only_x = diff::tangent(&mut ar, &[e], &|v| (v == x).then_some(dxe))[0];
    assert_eq!(eval_at(&ar, only_x, &[0.0, 0.5, 0.0, 0.0]), 0.0);
    // A constant exponent: the rule is `p x^(p-1) dx` alone, as before.
    let cube = parse(&mut ar, &mut names, "x^3", true);
    let d = diff::tangent(&mut ar, &[cube], &seed)[0];
    let want = parse(&mut ar, &mut names, "3*x^2*dx", true);
    assert_eq!(d, want);
}
