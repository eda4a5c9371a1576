//! Constructs that published models are written in and NEURON accepts, each checked against
//! what NEURON makes of it: an NMODL fragment in, and the module the passes make of it equal to
//! the module of the spelling gradmod already knew, or the behaviour NEURON gives it.

use gradmod_compiler::back::nmodl::print_module;
use gradmod_compiler::driver::load_source;
use gradmod_compiler::passes;

/// The module of `text` after every pass, printed as NMODL; panics with the diagnostics when a
/// stage rejects it.
pub fn after_passes(text: &str) -> String {
    let front = load_source("p.mod", text);
    let render = |d: &gradmod_compiler::diag::Diagnostics| d.render(&front.sources);
    let mut m = front
        .module
        .clone()
        .unwrap_or_else(|| panic!("{}", render(&front.diags)));
    passes::run(&mut m, None).unwrap_or_else(|d| panic!("{}", render(&d)));
    passes::deselect::run(&mut m).unwrap_or_else(|d| panic!("{}", render(&d)));
    print_module(&m)
}

/// The rendered errors of `text`, which the front end must reject.
pub fn rejected(text: &str) -> String {
    let front = load_source("p.mod", text);
    assert!(front.module.is_none(), "accepted:\n{text}");
    front.render()
}

const GATE: &str = "NEURON { SUFFIX gate }\nSTATE { m }\nPARAMETER { tau = 2 (ms) }\n\
                    ASSIGNED { v (mV) }\nINITIAL { m = 0 }\n\
                    DERIVATIVE states { m' = (1 / (1 + exp(-v / 10)) - m) / tau }\n";

#[test]
fn solve_without_method_on_a_derivative_block_is_derivimplicit_as_in_neuron() {
    // NEURON's nocmodl solves `SOLVE states` of a DERIVATIVE block with derivimplicit.
    let plain = format!("{GATE}BREAKPOINT {{ SOLVE states }}\n");
    let implicit = format!("{GATE}BREAKPOINT {{ SOLVE states METHOD derivimplicit }}\n");
    assert_eq!(after_passes(&plain), after_passes(&implicit));
}

const CLAMP: &str = "NEURON { POINT_PROCESS clamp ELECTRODE_CURRENT i RANGE rs, vc }\n\
                     PARAMETER { rs = 1 (megohm) vc = -20 (mV) }\n\
                     ASSIGNED { v (mV) i (nA) }\nINITIAL { i = 0 }\n\
                     PROCEDURE icur() { i = (vc - v) / rs }\n";

#[test]
fn a_procedure_solved_after_cvode_is_called_where_the_states_advance() {
    // With a fixed step NEURON calls a PROCEDURE solved `after_cvode` (or `cvode_t`) in its
    // state update, as it calls one solved without METHOD (NEURON's svclmp.mod).
    let plain = after_passes(&format!("{CLAMP}BREAKPOINT {{ SOLVE icur }}\n"));
    for method in ["after_cvode", "cvode_t"] {
        let text = format!("{CLAMP}BREAKPOINT {{ SOLVE icur METHOD {method} }}\n");
        assert_eq!(after_passes(&text), plain, "{method}");
    }
    // On a DERIVATIVE block NEURON 9's nocmodl integrates with derivimplicit in its fixed step
    // (its generated nrn_state calls derivimplicit_thread).
    let implicit = after_passes(&format!(
        "{GATE}BREAKPOINT {{ SOLVE states METHOD derivimplicit }}\n"
    ));
    for method in ["after_cvode", "cvode_t"] {
        let text = format!("{GATE}BREAKPOINT {{ SOLVE states METHOD {method} }}\n");
        assert_eq!(after_passes(&text), implicit, "{method}");
    }
}

/// `scop_random(1)` (snudda's older synapses, written for NEURON before 9, whose C declaration
/// `double scop_random();` let a call pass an argument the function never read) is the same
/// uniform draw as `scop_random()`, its argument never evaluated.
#[test]
fn scop_random_with_an_ignored_argument_is_scop_random() {
    let file = |call: &str| {
        format!(
            "NEURON {{ POINT_PROCESS s RANGE u }}\nASSIGNED {{ u }}\n\
             FUNCTION urand() {{\n    urand = {call}\n}}\n\
             NET_RECEIVE (w) {{\n    u = urand()\n}}\n"
        )
    };
    let with_argument = after_passes(&file("scop_random(1)"));
    assert_eq!(with_argument, after_passes(&file("scop_random()")));
    assert!(with_argument.contains("u = "), "{with_argument}");
    let front = load_source("p.mod", &file("scop_random(1, 2)"));
    let rendered = front.render();
    assert!(
        rendered.contains("`scop_random` takes 0 or 1 arguments, not 2"),
        "{rendered}"
    );
}

/// `EXTERNAL celsius` (and t, dt) names the simulator's own variable, which a mechanism reads
/// without the declaration too: the module is the same. Another EXTERNAL, a global of hoc or of
/// another mechanism, is rejected by name.
#[test]
fn external_simulator_variables_are_the_simulators() {
    let text = |external: &str| {
        format!(
            "NEURON {{ SUFFIX q10 {external} RANGE x }}\nASSIGNED {{ x }}\nBREAKPOINT {{ x = 3^((celsius - 6.3) / 10) + t }}\n"
        )
    };
    assert_eq!(
        after_passes(&text("EXTERNAL celsius, t")),
        after_passes(&text(""))
    );
    let errors = rejected(&text("EXTERNAL nai0_na_ion"));
    assert!(
        errors.contains("unsupported construct: EXTERNAL nai0_na_ion"),
        "{errors}"
    );
}
