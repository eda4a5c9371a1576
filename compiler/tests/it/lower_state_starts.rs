//! States start at `x0` (or their START value) before INITIAL runs, as nocmodl's generated code
//! has them: checked on the IR, by running the lowered INITIAL and its tangent.

use gradmod_compiler::back::nmodl::print_module;
use gradmod_compiler::driver::load_source;
use gradmod_compiler::interp::Machine;
use gradmod_compiler::ir::{Module, VarId};
use gradmod_compiler::passes;

const FIXTURE: &str = include_str!("../parse_extra/state_starts.mod");

fn module(text: &str) -> Module {
    let front = load_source("state_starts.mod", text);
    let text = front.render();
    front.module.unwrap_or_else(|| panic!("{text}"))
}

fn var(m: &Module, name: &str) -> VarId {
    m.var_ids()
        .find(|&v| m.var(v).name == name)
        .unwrap_or_else(|| panic!("no variable {name}"))
}

/// The values after INITIAL, with the ion concentration `cai` given the value `cai_ion`.
fn initial(m: &Module, cai_ion: f64) -> Machine<'_> {
    let mut mach = Machine::new(m);
    mach.values[var(m, "cai").index()] = cai_ion;
    mach.run(m.initial.expect("INITIAL")).unwrap();
    mach
}

#[test]
fn states_start_at_x0_or_start_before_initial() {
    let m = module(FIXTURE);
    let mach = initial(&m, 5e-5);
    let value = |name: &str| mach.values[var(&m, name).index()];
    // pump = pump0 before INITIAL, which then reads it.
    assert_eq!(value("pump"), 3e-3);
    assert_eq!(value("pumpca"), 6e-3);
    // START gives the starting value when there is no w0.
    assert_eq!(value("w"), 0.5);
    // INITIAL's own assignment comes after `y = y0` and wins.
    assert_eq!(value("y"), 7.0);
    // An ion concentration starts from the ion's value, not from cai0.
    assert_eq!(value("cai"), 5e-5);
}

#[test]
fn a_module_without_initial_gets_one() {
    let text = FIXTURE.replace("INITIAL {\n\tpumpca = 2*pump\n\ty = 7\n}\n", "");
    let m = module(&text);
    let mach = initial(&m, 5e-5);
    let value = |name: &str| mach.values[var(&m, name).index()];
    assert_eq!(
        (value("pump"), value("pumpca"), value("w"), value("y")),
        (3e-3, 0.0, 0.5, 2.0)
    );
}

#[test]
fn printing_and_reading_again_does_not_repeat_the_starts() {
    let m = module(FIXTURE);
    let printed = print_module(&m);
    let again = module(&printed);
    assert_eq!(print_module(&again), printed);
    let body = |m: &Module| m.block(m.initial.unwrap()).body.len();
    assert_eq!(body(&again), body(&m));
}

#[test]
fn the_tangent_of_a_state_flows_from_x0() {
    let mut m = module(FIXTURE);
    passes::run(&mut m, None).unwrap();
    let maps = m.tangent.clone().expect("tangent maps");
    let tangent_of = |name: &str| {
        let v = var(&m, name);
        maps.inputs
            .iter()
            .chain(&maps.outputs)
            .find(|(p, _)| *p == v)
            .map(|(_, t)| *t)
            .unwrap_or_else(|| panic!("no tangent of {name}"))
    };
    let mut mach = Machine::new(&m);
    // The direction θ = pump0.
    mach.values[tangent_of("pump0").index()] = 1.0;
    mach.run(maps.init.expect("init tangent")).unwrap();
    assert_eq!(mach.values[tangent_of("pump").index()], 1.0);
    assert_eq!(mach.values[tangent_of("pumpca").index()], 2.0);
}
