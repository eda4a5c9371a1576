//! Tests as data: simplification rules, printing with minimal parentheses, number formatting,
//! CSE plans, the linearity test, and robustness on very deep and very shared expressions.

use std::collections::HashMap;

use crate::sym_common::{Names, eval_at, parse};
use gradmod_compiler::ir::expr::{BinOp, Expr, ExprArena, ExprId, VarId};
use gradmod_compiler::sym::print::format_num;
use gradmod_compiler::sym::{
    self, build, cse, cse_with, depends_on, diff, eval, free_vars, is_linear_in, substitute,
    substitute_tangent, to_nmodl, to_nmodl_with,
};

/// A fresh arena with `x`, `y`, `z` as variables 0, 1, 2.
fn setup() -> (ExprArena, Names) {
    let mut names = Names::default();
    for n in ["x", "y", "z"] {
        names.id(n);
    }
    (ExprArena::new(), names)
}

fn show(ar: &ExprArena, names: &Names, e: ExprId) -> String {
    to_nmodl(ar, e, &|v| names.name(v))
}

/// Parses `input` (simplifying as it builds, or raw) and checks its printed form.
fn check(input: &str, simplify: bool, expected: &str) {
    let (mut ar, mut names) = setup();
    let e = parse(&mut ar, &mut names, input, simplify);
    assert_eq!(show(&ar, &names, e), expected, "input: {input}");
}

#[test]
fn smart_constructors_fold_and_apply_identities() {
    let cases = [
        ("x*0", "0"),
        ("0*x", "0"),
        ("x*1", "x"),
        ("1*x", "x"),
        ("x+0", "x"),
        ("0+x", "x"),
        ("x-x", "0"),
        ("x-0", "x"),
        ("0-x", "-x"),
        ("x/1", "x"),
        ("x/(-1)", "-x"),
        // Kept on purpose: x may be zero at run time.
        ("0/x", "0 / x"),
        ("x/x", "x / x"),
        ("-(-x)", "x"),
        ("x^1", "x"),
        ("x^0", "1"),
        ("1^x", "1"),
        ("x^-1", "1 / x"),
        ("x^2", "x^2"),
        ("x*x", "x^2"),
        ("x+x", "2 * x"),
        ("(-x)^2", "x^2"),
        ("2*3", "6"),
        ("2^10", "1024"),
        ("2^0.5", "1.4142135623730951"),
        ("exp(0)", "1"),
        ("exprelr(0)", "1"),
        ("fmod(7, 3)", "1"),
        ("atan2(1, 1)", "0.7853981633974483"),
        ("min(2, 3) + max(2, 3)", "5"),
        // Folds that would print inf or NaN are not done.
        ("1/0", "1 / 0"),
        ("log(0)", "log(0)"),
        ("sqrt(-1)", "sqrt(-1)"),
        ("2*(3*x)", "6 * x"),
        ("x*2", "2 * x"),
        ("1+x", "x + 1"),
        ("x + -2", "x - 2"),
        ("x - -2", "x + 2"),
        ("x + -y", "x - y"),
        ("-x + y", "y - x"),
        ("-x - y", "-(x + y)"),
        ("-x*y", "-(x * y)"),
        ("x/(-y)", "-(x / y)"),
        ("-(x - y)", "y - x"),
        ("-(2*x)", "-2 * x"),
        ("x*(-1)", "-x"),
        ("x*y - y*x", "0"),
        ("fabs(-x)", "fabs(x)"),
        ("fabs(fabs(x))", "fabs(x)"),
        ("min(x, x)", "x"),
        ("select(1, x, y)", "x"),
        ("select(0, x, y)", "y"),
        ("select(x > 0, y, y)", "y"),
        ("select(!(x > 0), 1, 2)", "select(x > 0, 2, 1)"),
        ("select(x < y, 1, 0)", "x < y"),
        ("select(x < y, 0, 1)", "select(x < y, 0, 1)"),
        ("(-x)^3", "-x^3"),
        ("(-x)^0.5", "(-x)^0.5"),
        ("!1", "0"),
        ("2 < 3", "1"),
        ("(x < 1) && 0", "0"),
        ("1 || x", "1"),
    ];
    for (input, expected) in cases {
        check(input, true, expected);
    }
}

#[test]
fn commutative_operands_intern_to_one_id() {
    let (mut ar, mut names) = setup();
    for (a, b) in [
        ("x*y", "y*x"),
        ("x+y", "y+x"),
        ("exp(x)*2", "2*exp(x)"),
        ("min(x, y)", "min(y, x)"),
        ("x == y", "y == x"),
        ("(x > 1) && (y > 1)", "(y > 1) && (x > 1)"),
    ] {
        let ea = parse(&mut ar, &mut names, a, true);
        let eb = parse(&mut ar, &mut names, b, true);
        assert_eq!(ea, eb, "{a} and {b}");
    }
    let (p, q) = (
        parse(&mut ar, &mut names, "x - y", true),
        parse(&mut ar, &mut names, "y - x", true),
    );
    assert_ne!(p, q);
}

#[test]
fn printing_uses_nmodl_precedence_and_minimal_parentheses() {
    let cases = [
        ("-x^2", "-x^2"),
        ("-(x^2)", "-x^2"),
        ("(-x)^2", "(-x)^2"),
        ("x^y^z", "x^y^z"),
        ("x^(y^z)", "x^y^z"),
        ("(x^y)^z", "(x^y)^z"),
        ("x - (y - z)", "x - (y - z)"),
        ("(x - y) - z", "x - y - z"),
        ("x - (y + z)", "x - (y + z)"),
        ("x + (y - z)", "x + (y - z)"),
        ("x / (y * z)", "x / (y * z)"),
        ("x * (y / z)", "x * (y / z)"),
        ("(x * y) / z", "x * y / z"),
        ("(x + y) * z", "(x + y) * z"),
        ("x - -2", "x - (-2)"),
        ("x * -y", "x * (-y)"),
        ("x^-2", "x^(-2)"),
        ("(-2)^x", "(-2)^x"),
        ("-2^x", "-2^x"),
        ("-2 * x", "-2 * x"),
        ("2^-x", "2^(-x)"),
        ("-(-x)", "-(-x)"),
        ("-(x + y)", "-(x + y)"),
        ("!(x < y)", "!(x < y)"),
        ("!x", "!x"),
        ("x < y == (y < z)", "x < y == (y < z)"),
        ("(x < y) == y", "x < y == y"),
        ("x || y && z", "x || y && z"),
        ("(x || y) && z", "(x || y) && z"),
        ("x + y < z * 2", "x + y < z * 2"),
        ("exp(-x/2)", "exp(-x / 2)"),
        ("pow(x, 3)", "x^3"),
        ("min(x, y + 1)", "min(x, y + 1)"),
        ("fmod(x, 2) + atan2(y, x)", "fmod(x, 2) + atan2(y, x)"),
        ("select(x > 0, x, -x)", "select(x > 0, x, -x)"),
        ("step_right(x) * signum(y)", "step_right(x) * signum(y)"),
    ];
    for (input, expected) in cases {
        check(input, false, expected);
    }
}

#[test]
fn numbers_print_in_shortest_round_trip_form() {
    let cases = [
        (0.0, "0"),
        (1.0, "1"),
        (0.1, "0.1"),
        (-2.5, "-2.5"),
        (1e-5, "1e-5"),
        (0.001, "0.001"),
        (0.0001, "0.0001"),
        (1000.0, "1000"),
        (1e6, "1e6"),
        (1.5e-7, "1.5e-7"),
        (1e300, "1e300"),
        (123456789012.0, "123456789012"),
        (6.02214076e23, "6.02214076e23"),
        (1.0 / 3.0, "0.3333333333333333"),
        (f64::INFINITY, "1e999"),
        (f64::NEG_INFINITY, "-1e999"),
    ];
    for (x, text) in cases {
        assert_eq!(format_num(x).0, text);
    }
    assert_eq!(format_num(f64::NAN).0, "(0/0)");
    // Every finite value reads back exactly, in NMODL's number syntax (no `inf`, no `+`).
    let mut x = 5e-324f64;
    while x.is_finite() {
        for y in [x, x * 1.2345678901234567, -x * 7.1] {
            let text = format_num(y).0;
            assert_eq!(text.parse::<f64>().unwrap(), y, "{text}");
            assert!(
                text.chars()
                    .all(|c| c.is_ascii_digit() || ".e-".contains(c))
            );
        }
        x *= 3.7;
    }
}

#[test]
fn cse_names_shared_nontrivial_nodes_once() {
    let (mut ar, mut names) = setup();
    let f = parse(&mut ar, &mut names, "exp(x)*y + exp(x) + x*y", true);
    let g = parse(&mut ar, &mut names, "exp(x)/2 - x*y + x", true);
    let plan = cse(&ar, &[f, g]);
    let exp_x = parse(&mut ar, &mut names, "exp(x)", true);
    let xy = parse(&mut ar, &mut names, "x*y", true);
    assert_eq!(plan.temps, {
        let mut t = vec![exp_x, xy];
        t.sort();
        t
    });
    // Print the straight-line code with the temporaries named.
    let temp_names: HashMap<ExprId, String> = plan
        .temps
        .iter()
        .enumerate()
        .map(|(i, &t)| (t, format!("t{i}")))
        .collect();
    let name_of = |id: ExprId| temp_names.get(&id).cloned();
    let lines: Vec<String> = plan
        .temps
        .iter()
        .chain([f, g].iter())
        .map(|&t| to_nmodl_with(&ar, t, &|v| names.name(v), &name_of))
        .collect();
    let t_exp = &temp_names[&exp_x];
    let t_xy = &temp_names[&xy];
    assert_eq!(lines[2], format!("{t_exp} * y + {t_exp} + {t_xy}"));
    assert_eq!(lines[3], format!("{t_exp} / 2 - {t_xy} + x"));

    // Selects can be forced into temporaries (NMODL writes them as if statements).
    let s = parse(&mut ar, &mut names, "select(x > 0, x, -x) * 2", true);
    let forced = cse_with(&ar, &[s], &|ar, id| {
        matches!(ar.get(id), Expr::Select { .. })
    });
    assert_eq!(forced.temps.len(), 1);
    assert!(matches!(ar.get(forced.temps[0]), Expr::Select { .. }));
    assert!(cse(&ar, &[s]).temps.is_empty());
}

#[test]
fn linearity_test_drives_cnexp_sparse_and_conductance() {
    let mut names = Names::default();
    let mut ar = ExprArena::new();
    let v = names.id("v");
    let linear = [
        ("gbar*m^3*h*(v - ek)", "gbar*m^3*h", "-(gbar*m^3*h*ek)"),
        ("(minf - v)/tau", "-1/tau", "minf/tau"),
        ("v/g", "1/g", "0"),
        ("3", "0", "3"),
        ("-(v - 1)*2", "-2", "2"),
        ("(v - e)*g - v", "g - 1", "-e*g"),
        (
            "select(t > 0, v, 2*v + 1)",
            "select(t > 0, 1, 2)",
            "select(t > 0, 0, 1)",
        ),
        ("exp(t)*v + log(t)", "exp(t)", "log(t)"),
    ];
    let env: HashMap<VarId, f64> = ["gbar", "m", "h", "ek", "minf", "tau", "g", "e", "t"]
        .iter()
        .enumerate()
        .map(|(i, n)| (names.id(n), 0.3 + 0.17 * i as f64))
        .collect();
    let at = |ar: &ExprArena, e| eval(ar, e, &|u| env.get(&u).copied().unwrap_or(f64::NAN));
    for (text, a, b) in linear {
        let e = parse(&mut ar, &mut names, text, true);
        let (pa, pb) = is_linear_in(&mut ar, e, v).unwrap_or_else(|| panic!("{text}"));
        assert!(!depends_on(&ar, pa, v) && !depends_on(&ar, pb, v));
        let (wa, wb) = (
            parse(&mut ar, &mut names, a, true),
            parse(&mut ar, &mut names, b, true),
        );
        for (got, want) in [(pa, wa), (pb, wb)] {
            let (g, w) = (at(&ar, got), at(&ar, want));
            assert!(
                (g - w).abs() <= 1e-15 * w.abs().max(1.0),
                "{text}: {g} vs {w}"
            );
        }
    }
    for text in [
        "exp(v)",
        "v*v",
        "g/v",
        "v/v",
        "select(v > 0, v, 2*v)",
        "fabs(v)",
        "min(v, 1)",
    ] {
        let e = parse(&mut ar, &mut names, text, true);
        assert_eq!(is_linear_in(&mut ar, e, v), None, "{text}");
    }
}

#[test]
fn structural_zeros_are_not_divided() {
    let (mut ar, mut names) = setup();
    let (x, y) = (VarId(0), VarId(1));
    let zero = ar.num(0.0);
    // The linearity test: `x/y` has no term free of `x`, and `-x/y + z` none in `x/y`.
    let e = parse(&mut ar, &mut names, "x/y", true);
    assert_eq!(is_linear_in(&mut ar, e, x).map(|(_, b)| b), Some(zero));
    let e = parse(&mut ar, &mut names, "-x/y + z", true);
    let (a, b) = is_linear_in(&mut ar, e, x).unwrap();
    assert_eq!(show(&ar, &names, a), "-1 / y");
    assert_eq!(show(&ar, &names, b), "z");
    // A derivative rule whose numerator cancels: atan2(x, x) has derivative 0 in x.
    let e = parse(&mut ar, &mut names, "atan2(x, x)", true);
    assert_eq!(diff(&mut ar, e, x), zero);
    // Substituting 0 for a tangent variable drops the quotient it vanishes from; a plain
    // substitution keeps `0/y`, as user code needs, and a `0/y` written as such stays.
    let dp = names.id("dp");
    let e = parse(&mut ar, &mut names, "x*dp/y + z", true);
    let map = HashMap::from([(dp, zero)]);
    let kept = substitute(&mut ar, e, &map);
    assert_eq!(show(&ar, &names, kept), "0 / y + z");
    let dropped = substitute_tangent(&mut ar, e, &map);
    assert_eq!(show(&ar, &names, dropped), "z");
    let written = parse(&mut ar, &mut names, "0/y + dp", true);
    let s = substitute_tangent(&mut ar, written, &map);
    assert_eq!(show(&ar, &names, s), "0 / y");
    let user = parse(&mut ar, &mut names, "x/y", true);
    let s = substitute(&mut ar, user, &HashMap::from([(x, zero)]));
    assert_eq!(show(&ar, &names, s), "0 / y");
    assert!(depends_on(&ar, s, y));
}

#[test]
fn queries_and_substitution() {
    let (mut ar, mut names) = setup();
    let (x, y, z) = (VarId(0), VarId(1), VarId(2));
    let e = parse(
        &mut ar,
        &mut names,
        "x*y + exp(x) + select(z > 0, 1, 2)",
        true,
    );
    assert_eq!(free_vars(&ar, e), vec![x, y, z]);
    // Condition variables count as dependencies, though they have no derivative.
    assert!(depends_on(&ar, e, z));
    let dz = diff(&mut ar, e, z);
    assert_eq!(ar.as_num(dz), Some(0.0));
    let two = ar.num(2.0);
    let s = substitute(&mut ar, e, &HashMap::from([(y, two)]));
    assert_eq!(free_vars(&ar, s), vec![x, z]);
    assert_eq!(show(&ar, &names, s), "2 * x + exp(x) + select(z > 0, 1, 2)");
    // Untouched subexpressions keep their ids.
    let exp_x = parse(&mut ar, &mut names, "exp(x)", true);
    assert!(ar.reachable(&[s]).contains(&exp_x));
    // Simplification is a substitution of nothing.
    let raw = parse(&mut ar, &mut names, "(x*1 + 0)*(y - y + 1)", false);
    assert_eq!(sym::simplify(&mut ar, raw), ar.var(x));
}

#[test]
fn very_deep_expressions_do_not_overflow_the_stack() {
    // e = ((((x*x - !1) + 1)*1)*x - !1 + 1)*1..., 100 000 levels, built raw (so simplification
    // has work at every level); everything runs on a small stack.
    let handle = std::thread::Builder::new()
        .stack_size(256 * 1024)
        .spawn(|| {
            let mut ar = ExprArena::new();
            let x = ar.var(VarId(0));
            let one = ar.num(1.0);
            let mut e = x;
            for _ in 0..100_000 {
                let p = ar.binary(BinOp::Mul, e, x);
                let n = ar.unary(gradmod_compiler::ir::expr::UnOp::Not, one);
                let q = ar.binary(BinOp::Sub, p, n);
                let q = ar.binary(BinOp::Add, q, one);
                e = ar.binary(BinOp::Mul, q, one);
            }
            let s = sym::simplify(&mut ar, e);
            let d = diff(&mut ar, s, VarId(0));
            let (v, dv) = (eval_at(&ar, s, &[0.5]), eval_at(&ar, d, &[0.5]));
            // The fixed point of e -> e x + 1 at x = 1/2 is 2, with derivative 4 there.
            assert!(
                (v - 2.0).abs() < 1e-12 && (dv - 4.0).abs() < 1e-9,
                "{v} {dv}"
            );
            let (dual_v, dual_d) = sym::dual::value_and_derivative(&ar, e, &|_| 0.5, VarId(0));
            assert!((dual_v - v).abs() < 1e-12 && (dual_d - dv).abs() < 1e-9);
            assert!(to_nmodl(&ar, s, &|_| "x".into()).len() > 500_000);
            assert!(!cse(&ar, &[s, d]).temps.is_empty());
            assert_eq!(is_linear_in(&mut ar, s, VarId(0)), None);
            let t = ar.var(VarId(1));
            let sub = substitute(&mut ar, s, &HashMap::from([(VarId(0), t)]));
            assert_eq!(free_vars(&ar, sub), vec![VarId(1)]);
            // A long chain of negated conditions.
            let mut c = ar.binary(BinOp::Gt, x, one);
            for _ in 0..100_000 {
                c = ar.unary(gradmod_compiler::ir::expr::UnOp::Not, c);
            }
            let sel = build::select(&mut ar, c, x, one);
            assert!(matches!(ar.get(sel), Expr::Select { .. }));
        })
        .unwrap();
    handle.join().unwrap();
}

#[test]
fn shared_dags_are_differentiated_once_per_node() {
    // e_{k+1} = e_k * e_k + x: a tree of 2^60 leaves, a DAG of about 120 nodes.
    let mut ar = ExprArena::new();
    let x = ar.var(VarId(0));
    let mut e = x;
    for _ in 0..60 {
        let sq = ar.binary(BinOp::Mul, e, e);
        e = ar.binary(BinOp::Add, sq, x);
    }
    let before = ar.len();
    let d = diff(&mut ar, e, VarId(0));
    assert!(
        ar.len() - before < 10 * before,
        "{} new nodes",
        ar.len() - before
    );
    // At x = 0 every e_k is 0 and every derivative is 1.
    assert_eq!(eval_at(&ar, d, &[0.0]), 1.0);
    let plan = cse(&ar, &[e, d]);
    assert!(plan.temps.len() >= 59);
}

#[test]
fn zero_substitution_drops_only_the_terms_of_the_zeros() {
    let (mut ar, mut names) = setup();
    // Built raw: the identities of the smart constructors (y·1 → y) must not be applied.
    let text = "(x*y + dp*z) - dp/y + (0 - dp)*x + (y*1 + dp) + select(z > 0, dp, -dp)";
    let e = parse(&mut ar, &mut names, text, false);
    let dp = names.id("dp");
    let zeros = std::collections::HashSet::from([dp]);
    let out = sym::substitute_zeros(&mut ar, &[e], &zeros)[0];
    assert_eq!(show(&ar, &names, out), "x * y + y * 1");
    // For finite values the result is the original with dp = 0, to the bit.
    for xs in [[1.5, -2.0, 0.25], [-3.0, 7.0, -1.0], [1e-300, 3.0, 2.0]] {
        let original = eval_at(&ar, e, &[xs[0], xs[1], xs[2], 0.0]);
        assert_eq!(
            eval_at(&ar, out, &xs).to_bits(),
            original.to_bits(),
            "{xs:?}"
        );
    }
    // What reads no zero keeps its id.
    let other = parse(&mut ar, &mut names, "x*1 + y", false);
    assert_eq!(sym::substitute_zeros(&mut ar, &[other], &zeros)[0], other);
}
