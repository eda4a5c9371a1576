//! Lowering diagnostics as a user sees them: semantic errors and unsupported constructs, each
//! naming the file, line and column, with the source line and a caret. Snapshots are reviewed
//! text; update them with `INSTA_UPDATE=always` and read the diff.

use gradmod_compiler::driver::load_source;

/// Lowers `text` (which must parse) and renders its diagnostics.
fn diagnostics(name: &str, text: &str) -> String {
    let front = load_source(name, text);
    assert!(front.module.is_none(), "{name} was accepted");
    front.render()
}

const HEAD: &str = "NEURON { SUFFIX t }\nSTATE { m }\nPARAMETER { g = 1 }\n";

fn with_head(body: &str) -> String {
    format!("{HEAD}{body}")
}

#[test]
fn undeclared_variable() {
    assert_snapshot!(diagnostics(
        "undeclared.mod",
        &with_head("BREAKPOINT {\n    g = gbar * m\n}\n")
    ));
}

#[test]
fn recursion_is_inlined_to_a_bounded_depth_with_a_warning() {
    let text = with_head(
        "FUNCTION fact(n) {\n    if (n < 1) {\n        fact = 1\n    } else {\n        fact = n * fact(n - 1)\n    }\n}\nBREAKPOINT {\n    g = fact(3)\n}\n",
    );
    let front = load_source("recursion.mod", &text);
    assert!(front.module.is_some(), "recursion.mod was rejected");
    assert_snapshot!(front.render());
}

#[test]
fn a_bbcorepointer_is_ignored_and_verbatim_unsupported() {
    let text = "NEURON {\n    POINT_PROCESS p\n    BBCOREPOINTER donor\n}\nASSIGNED { donor }\nVERBATIM\nstatic int counter;\nENDVERBATIM\n";
    assert_snapshot!(diagnostics("bbcorepointer.mod", text));
}

#[test]
fn writing_through_a_pointer_outside_net_receive_is_unsupported() {
    let text = "NEURON {\n    POINT_PROCESS p\n    POINTER wsyn\n}\nASSIGNED { wsyn }\nBREAKPOINT {\n    wsyn = wsyn + 1\n}\nNET_RECEIVE(w) {\n    wsyn = wsyn + w\n}\n";
    assert_snapshot!(diagnostics("write_pointer.mod", text));
}

#[test]
fn before_after_blocks_at_points_neuron_has_not_or_twice() {
    // NEURON runs BEFORE INITIAL, AFTER INITIAL, BEFORE BREAKPOINT, AFTER SOLVE and BEFORE
    // STEP, each at most once per file.
    let text = "NEURON {\n    POINT_PROCESS p\n    RANGE x\n}\nASSIGNED { x }\nAFTER BREAKPOINT {\n    x = 1\n}\nAFTER SOLVE {\n    x = 2\n}\nAFTER SOLVE {\n    x = 3\n}\n";
    assert_snapshot!(diagnostics("before_after.mod", text));
}

#[test]
fn ode_outside_derivative() {
    assert_snapshot!(diagnostics(
        "ode.mod",
        &with_head("BREAKPOINT {\n    m' = -m\n}\n")
    ));
}

#[test]
fn derivative_of_a_parameter() {
    let text =
        with_head("BREAKPOINT {\n    SOLVE s METHOD cnexp\n}\nDERIVATIVE s {\n    g' = -g\n}\n");
    assert_snapshot!(diagnostics("param_ode.mod", &text));
}

#[test]
fn solve_of_an_unknown_block() {
    let text = with_head(
        "BREAKPOINT {\n    SOLVE s\n    SOLVE nowhere METHOD cnexp\n}\nDERIVATIVE s {\n    m' = -m\n}\n",
    );
    assert_snapshot!(diagnostics("solve.mod", &text));
}

#[test]
fn unsupported_method() {
    let text =
        with_head("BREAKPOINT {\n    SOLVE s METHOD adams\n}\nDERIVATIVE s {\n    m' = -m\n}\n");
    assert_snapshot!(diagnostics("adams.mod", &text));
}

#[test]
fn reversible_reaction_needs_two_rates() {
    let text = "NEURON { SUFFIX k }\nSTATE { a b }\nBREAKPOINT {\n    SOLVE kin METHOD sparse\n}\nKINETIC kin {\n    ~ a <-> b (1)\n}\n";
    assert_snapshot!(diagnostics("reaction.mod", text));
}

#[test]
fn bad_ion_variable() {
    let text = "NEURON {\n    SUFFIX x\n    USEION na READ ena, ek WRITE ina\n}\n";
    assert_snapshot!(diagnostics("ion.mod", text));
}

#[test]
fn assigning_constants_and_time() {
    let text =
        with_head("CONSTANT { c = 2 }\nBREAKPOINT {\n    c = 3\n    t = 1\n    v = -65\n}\n");
    assert_snapshot!(diagnostics("assign.mod", &text));
}

#[test]
fn array_index_out_of_range() {
    let text = "NEURON { SUFFIX a }\nSTATE { c[3] }\nBREAKPOINT {\n    SOLVE s METHOD cnexp\n}\nDERIVATIVE s {\n    FROM i = 0 TO 3 {\n        c'[i] = -c[i]\n    }\n}\n";
    assert_snapshot!(diagnostics("array.mod", text));
}

/// Random draws are accepted, but not where a draw held for the whole step would be wrong or
/// meaningless: in a `while` loop, white noise outside a DERIVATIVE block solved by METHOD
/// stochastic, reseeding from the mechanism, a `random_*` call on something not RANDOM.
#[test]
fn random_numbers_misused_are_rejected_by_name() {
    assert_snapshot!(diagnostics(
        "random.mod",
        &with_head(
            "WHITE_NOISE { W }\nPROCEDURE seed(x) {\n    set_seed(x)\n}\nBREAKPOINT {\n    LOCAL y\n    y = normrand(0, 1) + W\n    y = y + random_uniform(y)\n    seed(1)\n}\n"
        )
    ));
}

/// `random_setseq(r, 0)` in INITIAL (NEURON's NetStim calls it through `seed(0)`) restarts the
/// stream, as every run does: the module is the one without the call. Another position, or the
/// call outside INITIAL, is rejected by name.
#[test]
fn random_setseq_restarts_in_initial_only() {
    let module = |initial: &str, breakpoint: &str| {
        format!(
            "NEURON {{ SUFFIX rs RANDOM r RANGE x }}\nASSIGNED {{ x }}\nPROCEDURE seed(p) {{\n    random_setseq(r, p)\n}}\nINITIAL {{\n{initial}    x = 0\n}}\nBREAKPOINT {{\n{breakpoint}    x = random_uniform(r)\n}}\n"
        )
    };
    let print = |text: &str| {
        let front = load_source("rs.mod", text);
        let m = front
            .module
            .as_ref()
            .unwrap_or_else(|| panic!("{}", front.render()));
        gradmod_compiler::back::nmodl::print_module(m)
    };
    assert_eq!(print(&module("    seed(0)\n", "")), print(&module("", "")));
    for (initial, breakpoint) in [("    seed(2)\n", ""), ("", "    seed(0)\n")] {
        let text = diagnostics("rs.mod", &module(initial, breakpoint));
        assert!(
            text.contains("unsupported construct: random_setseq()")
                && text.contains("only random_setseq(r, 0) in INITIAL"),
            "{text}"
        );
    }
}

/// A DESTRUCTOR holding only VERBATIM (C code freeing what C code made) is ignored; one with
/// NMODL statements is rejected by name.
#[test]
fn destructor_with_only_verbatim_is_ignored() {
    let verbatim = with_head("DESTRUCTOR {\nVERBATIM\n    free(_p_x);\nENDVERBATIM\n}\n");
    let front = load_source("d.mod", &verbatim);
    assert!(front.module.is_some(), "{}", front.render());
    let text = diagnostics("d.mod", &with_head("DESTRUCTOR {\n    g = 0\n}\n"));
    assert!(text.contains("unsupported construct: DESTRUCTOR"), "{text}");
}

#[test]
fn wrong_arity() {
    assert_snapshot!(diagnostics(
        "arity.mod",
        &with_head("BREAKPOINT {\n    g = exp(1, 2) + pow(2)\n}\n")
    ));
}

#[test]
fn declared_twice() {
    assert_snapshot!(diagnostics("twice.mod", &with_head("ASSIGNED { g }\n")));
}

/// A PROCEDURE may assign `v`: it changes a copy of its own, and the module is accepted.
#[test]
fn procedure_assigning_v_works_on_a_copy() {
    let text = with_head(
        "ASSIGNED { x }\nPROCEDURE shift(vm) {\n    v = vm + 10\n    x = v\n}\nBREAKPOINT {\n    shift(v)\n    g = x\n}\n",
    );
    let front = load_source("copy.mod", &text);
    let m = front
        .module
        .as_ref()
        .unwrap_or_else(|| panic!("{}", front.render()));
    let printed = gradmod_compiler::back::nmodl::print_module(m);
    assert!(printed.contains("v_1 = v\n"), "{printed}");
    assert!(printed.contains("x = v_1\n"), "{printed}");
}

/// FOR_NETCONS is lowered in NET_RECEIVE only, with as many arguments as NET_RECEIVE (as NEURON
/// requires), once; a NET_RECEIVE that uses after the statement what the loop's body writes is
/// rejected by name (the runtime runs the body after the whole block).
#[test]
fn for_netcons_misused_is_rejected_by_name() {
    let module = |receive: &str| {
        format!(
            "NEURON {{ POINT_PROCESS fn RANGE x }}\nASSIGNED {{ x }}\nINITIAL {{ x = 0 }}\nNET_RECEIVE (w, a) {{\n{receive}}}\n"
        )
    };
    let cases = [
        (
            "    FOR_NETCONS (w1) {\n        x = w1\n    }\n",
            "FOR_NETCONS has 1 arguments and NET_RECEIVE 2",
        ),
        (
            "    FOR_NETCONS (w1, a1) {\n        a1 = 1\n    }\n    FOR_NETCONS (w2, a2) {\n        a2 = 2\n    }\n",
            "unsupported construct: a second FOR_NETCONS",
        ),
        (
            "    FOR_NETCONS (w1, a1) {\n        x = x + w1\n    }\n    a = x\n",
            "unsupported construct: NET_RECEIVE using after FOR_NETCONS what its body uses",
        ),
        (
            "    INITIAL {\n        FOR_NETCONS (w1, a1) {\n            a1 = 0\n        }\n    }\n",
            "FOR_NETCONS belongs in NET_RECEIVE",
        ),
        ("    FOR_NETCONS (w1, a1) {\n        a1 = w\n    }\n", "`w`"),
    ];
    for (receive, want) in cases {
        let text = diagnostics("fn.mod", &module(receive));
        assert!(text.contains(want), "{receive}:\n{text}");
    }
    // Statements before the loop, and after it on other variables, are accepted.
    let fine = module(
        "    x = w\n    FOR_NETCONS (w1, a1) {\n        a1 = a1 + x\n    }\n    net_send(1, 2)\n",
    );
    let front = load_source("fn.mod", &fine);
    assert!(front.module.is_some(), "{}", front.render());
}

/// FUNCTION_TABLE: a table of no argument is an error (as in NEURON), one of two is rejected by
/// name, a call must pass one argument; a read in a cnexp block is accepted, and in a block solved
/// implicitly where it reads no STATE.
#[test]
fn function_tables_misused_are_rejected_by_name() {
    let module = |decl: &str, derivative: &str, method: &str| {
        format!(
            "NEURON {{ SUFFIX ft }}\nSTATE {{ n }}\nASSIGNED {{ v (mV) }}\n{decl}\nBREAKPOINT {{\n    SOLVE states METHOD {method}\n}}\nDERIVATIVE states {{\n{derivative}}}\n"
        )
    };
    let cases = [
        (
            module("FUNCTION_TABLE f()", "    n' = f() - n\n", "cnexp"),
            "FUNCTION_TABLE `f` must have one or more arguments",
        ),
        (
            module("FUNCTION_TABLE f(x, y)", "    n' = f(v, v) - n\n", "cnexp"),
            "unsupported construct: FUNCTION_TABLE of 2 arguments",
        ),
        (
            module(
                "FUNCTION_TABLE f(x (mV))",
                "    n' = f(v, 1) - n\n",
                "cnexp",
            ),
            "the FUNCTION_TABLE `f` takes 1 argument, not 2",
        ),
    ];
    for (text, want) in cases {
        let d = diagnostics("ft.mod", &text);
        assert!(d.contains(want), "{text}\n{d}");
    }
    let fine = module("FUNCTION_TABLE f(x (mV))", "    n' = f(v) - n\n", "cnexp");
    assert!(load_source("ft.mod", &fine).module.is_some());
    // In a block solved implicitly a read of v runs before the Newton iterations; a read of a
    // STATE cannot.
    let implicit = |arg: &str| {
        let derivative = format!("    n' = f({arg}) - n\n");
        let text = module("FUNCTION_TABLE f(x (mV))", &derivative, "derivimplicit");
        gradmod_compiler::driver::check_source("ft.mod", &text)
    };
    assert!(implicit("v").kernels.is_some());
    let state = format!("{:?}", implicit("n").diags);
    assert!(
        state.contains("FUNCTION_TABLE read in a block solved implicitly must come before"),
        "{state}"
    );
}
