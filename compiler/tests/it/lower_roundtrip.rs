//! The NMODL printer is the IR's text format: printing a module, parsing and lowering the text
//! again gives the same module (compared through its printed form and its variable table).

use gradmod_compiler::back::nmodl::print_module;
use gradmod_compiler::driver::load_source;
use gradmod_compiler::ir::{Module, VarKind};

fn var_table(m: &Module) -> Vec<String> {
    m.vars
        .iter()
        // Locals are compared through the printed blocks: NMODL gives them no units, and an
        // unused LOCAL has no text form.
        .filter(|v| v.kind != VarKind::Local)
        .map(|v| {
            format!(
                "{} {:?} {:?} {:?} {:?} {:?}",
                v.name, v.kind, v.scope, v.unit, v.value, v.limits
            )
        })
        .collect::<std::collections::BTreeSet<_>>()
        .into_iter()
        .collect()
}

fn ion_table(m: &Module) -> Vec<String> {
    let names = |vs: &[gradmod_compiler::ir::VarId]| {
        vs.iter()
            .map(|&v| m.var(v).name.clone())
            .collect::<Vec<_>>()
    };
    m.ions
        .iter()
        .map(|i| {
            format!(
                "{} {:?} read {:?} write {:?}",
                i.species,
                i.valence,
                names(&i.read),
                names(&i.write)
            )
        })
        .collect()
}

/// Every module the tests can see (the built-in library, the extra parse fixtures and the corpus
/// of published files when it has been fetched) prints, parses and lowers to itself.
#[test]
fn print_parse_lower_is_a_fixed_point() {
    let stable = crate::common::check_modules("print_parse_lower_is_a_fixed_point", |name, m| {
        let printed = print_module(m);
        let again = load_source("printed.mod", &printed);
        let Some(m2) = again.module else {
            panic!(
                "{name}: the printed IR does not lower again:\n{}\n{printed}",
                again.render()
            );
        };
        let reprinted = print_module(&m2);
        assert_eq!(printed, reprinted, "{name}: printing is not a fixed point");
        assert_eq!(
            var_table(m),
            var_table(&m2),
            "{name}: the variable tables differ"
        );
        assert_eq!(
            m.blocks.len(),
            m2.blocks.len(),
            "{name}: block counts differ"
        );
        assert_eq!(ion_table(m), ion_table(&m2), "{name}: the ions differ");
        assert_eq!(m.kind, m2.kind);
        assert_eq!(m.nonspecific.len(), m2.nonspecific.len());
        Some(())
    });
    eprintln!("round trip: {} accepted files stable", stable.len());
    assert!(stable.len() >= 2);
}

/// Prints `text` lowered, parses and lowers the printed text, and checks that printing it again
/// gives the same text and the same variable table.
fn assert_round_trip(text: &str) -> String {
    let loaded = load_source("given.mod", text);
    let Some(m) = loaded.module else {
        panic!("{}", loaded.render());
    };
    let printed = print_module(&m);
    let again = load_source("printed.mod", &printed);
    let Some(m2) = again.module else {
        panic!(
            "the printed IR does not lower again:\n{}\n{printed}",
            again.render()
        );
    };
    assert_eq!(printed, print_module(&m2), "printing is not a fixed point");
    assert_eq!(var_table(&m), var_table(&m2), "the variable tables differ");
    printed
}

/// A FUNCTION with a LOCAL array, inlined twice: each inlined copy is an array of its own, printed
/// as one (`LOCAL x_1[2]`, read as `x_1[0]`), not as elements with the suffix after the index.
#[test]
fn inlined_local_arrays_print_as_arrays() {
    let printed = assert_round_trip(
        "NEURON { SUFFIX twice RANGE y }
         ASSIGNED { y }
         FUNCTION f(a) {
             LOCAL x[2]
             x[0] = a
             x[1] = 2 * a
             f = x[0] * x[1]
         }
         INITIAL { y = f(1) + f(3) }",
    );
    assert!(!printed.contains("]_"), "{printed}");
    assert!(printed.contains("x_1[2]"), "{printed}");
}
