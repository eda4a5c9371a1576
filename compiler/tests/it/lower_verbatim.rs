//! VERBATIM idioms (DESIGN.md, "VERBATIM"): header text ignored, `return` lowered as an early exit
//! (checked with the IR interpreter), the hoc Random idiom of NEURON before 9 lowered to its NMODL
//! fallback, and everything else rejected by name, with the misuses of `return` named.

use gradmod_compiler::driver::load_source;
use gradmod_compiler::interp::Machine;

/// The first error lowering `text` gives (the file must be rejected).
fn first_error(text: &str) -> String {
    let front = load_source("v.mod", text);
    assert!(front.module.is_none(), "accepted:\n{text}");
    front.render()
}

/// INITIAL sets `x = f(a)` and `y` through `p(a)`; both leave early under conditions on `a`.
const EXITS: &str = "NEURON { SUFFIX t RANGE a, x, y }\nPARAMETER { a = 0 }\nASSIGNED { x y }\n\
FUNCTION f(b) {\n    if (b > 2) {\nVERBATIM\n        return _lb; /* the argument */\nENDVERBATIM\n    }\n    f = 10 * b\n    if (b < 0) {\n        f = -1\nVERBATIM\n        return 7;\nENDVERBATIM\n        f = -2\n    }\n    f = f + 1\n}\n\
PROCEDURE p(b) {\n    y = 1\n    if (b > 1) {\n        if (b > 3) {\nVERBATIM\n            return 0;\nENDVERBATIM\n        }\n        y = 2\n    }\n    y = y + 10\n}\n\
INITIAL {\n    x = f(a)\n    p(a)\n    if (a == 5) {\nVERBATIM\n        return;\nENDVERBATIM\n    }\n    y = y + 100\n}\n";

#[test]
fn return_leaves_its_body_early() {
    let front = load_source("exits.mod", EXITS);
    let rendered = front.render();
    let m = front.module.unwrap_or_else(|| panic!("{rendered}"));
    let (a, x, y) = (
        m.lookup("a").unwrap(),
        m.lookup("x").unwrap(),
        m.lookup("y").unwrap(),
    );
    // (a, x = f(a), y after p(a) and the rest of INITIAL), as NEURON's C computes them.
    for (av, xv, yv) in [
        (1.0, 11.0, 111.0),
        (-1.0, 7.0, 111.0),
        (2.0, 21.0, 112.0),
        (3.0, 3.0, 112.0),
        (4.0, 4.0, 101.0),
        (5.0, 5.0, 1.0),
    ] {
        let mut mm = Machine::new(&m);
        mm.values[a.index()] = av;
        mm.run(m.initial.unwrap()).unwrap();
        assert_eq!(
            (mm.values[x.index()], mm.values[y.index()]),
            (xv, yv),
            "a = {av}"
        );
    }
}

#[test]
fn header_text_is_ignored_and_c_code_named() {
    let header = "NEURON { SUFFIX t }\nVERBATIM\n#include <math.h>\n#ifndef NRN_VERSION_GTEQ_8_2_0\nextern double* vector_vec(void *);\nvoid* nrn_random_arg(int argpos);\n#define RANDCAST\n#endif\nENDVERBATIM\nPARAMETER { g = 1 }\n";
    let front = load_source("h.mod", header);
    assert!(front.module.is_some(), "{}", front.render());
    let vector = "NEURON { SUFFIX t }\nASSIGNED { x }\nINITIAL {\nVERBATIM\n  x = vector_vec(vv)[0];\nENDVERBATIM\n}\n";
    let e = first_error(vector);
    assert!(
        e.contains("unsupported construct: VERBATIM reading a hoc Vector"),
        "{e}"
    );
}

#[test]
fn misplaced_returns_are_rejected_by_name() {
    let ret = "VERBATIM\nreturn;\nENDVERBATIM\n";
    let ret0 = "VERBATIM\nreturn 0;\nENDVERBATIM\n";
    let head = "NEURON { SUFFIX t NONSPECIFIC_CURRENT i }\nSTATE { m }\nASSIGNED { i v }\n";
    let cases = [
        (
            format!("{head}BREAKPOINT {{\n i = m\n{ret0} i = 2\n}}\n"),
            "unsupported construct: `return` in BREAKPOINT",
        ),
        (
            format!(
                "{head}BREAKPOINT {{\n SOLVE s METHOD cnexp\n i = m\n}}\nDERIVATIVE s {{\n m' = -m\n{ret0}}}\n"
            ),
            "unsupported construct: `return` in a DERIVATIVE block",
        ),
        (
            format!("{head}INITIAL {{\n m = 0\n while (m < 3) {{\n  m = m + 1\n{ret} }}\n}}\n"),
            "unsupported construct: `return` in a loop",
        ),
        (
            format!("{head}INITIAL {{\n m = 0\n{ret0} m = 1\n}}\n"),
            "`return` with a value where NEURON's C function returns nothing",
        ),
        (
            format!("{head}FUNCTION f() {{\n f = 1\n{ret}}}\nINITIAL {{\n m = f()\n}}\n"),
            "`return;` without a value in a PROCEDURE or FUNCTION",
        ),
        (
            format!(
                "{head}FUNCTION f() {{\n f = 1\nVERBATIM\nreturn zz;\nENDVERBATIM\n}}\nINITIAL {{\n m = f()\n}}\n"
            ),
            "`zz` is not a variable of this file",
        ),
    ];
    for (text, expected) in cases {
        let e = first_error(&text);
        assert!(e.contains(expected), "expected `{expected}`:\n{e}");
    }
}

/// pyNN's stochastic weight adjuster, as published (comments shortened): the hoc Random idiom
/// lowers to its NMODL fallback, and `rng` is bound to nothing.
const IDIOM: &str = "NEURON {\n    POINT_PROCESS SimpleStochasticWA\n    RANGE p\n    POINTER rng, wsyn\n}\n\
PARAMETER { p = 0.5 }\n\
VERBATIM\n#include<stdlib.h>\n#ifndef NRN_VERSION_GTEQ_8_2_0\ndouble nrn_random_pick(void* r);\nvoid* nrn_random_arg(int argpos);\n#define RANDCAST\n#else\n#define RANDCAST (Rand*)\n#endif\nENDVERBATIM\n\
ASSIGNED { wsyn rng }\n\
NET_RECEIVE(w) {\n    if (urand() < p) {\n        wsyn = w\n    } else {\n        wsyn = 0.0\n    }\n}\n\
PROCEDURE setRNG() {\nVERBATIM\n    {\n        void** pv = (void**)(&_p_rng);\n        if( ifarg(1)) {\n            *pv = nrn_random_arg(1);\n        } else {\n            *pv = (void*)0;\n        }\n    }\nENDVERBATIM\n}\n\
FUNCTION urand() {\nVERBATIM\n        double value;\n        if (_p_rng) {\n            /* the hoc Random */\n            value = nrn_random_pick(RANDCAST _p_rng);\n            //printf(\"%lf\\n\",value);\n            return value;\n        } else {\nENDVERBATIM\n            value = scop_random()\nVERBATIM\n        }\nENDVERBATIM\n        urand = value\n}\n";

#[test]
fn hoc_random_idiom_lowers_to_its_fallback() {
    let front = load_source("stochastic_synapse.mod", IDIOM);
    let rendered = front.render();
    let m = front.module.unwrap_or_else(|| panic!("{rendered}"));
    let names: Vec<&str> = m.pointers.iter().map(|&p| m.var(p).name.as_str()).collect();
    assert_eq!(names, ["wsyn"], "rng holds a hoc Random object: no POINTER");
    // Without its closing `}`, the opening is an error; a `}` alone is C code.
    let unclosed = IDIOM.replace("VERBATIM\n        }\nENDVERBATIM\n", "");
    let e = first_error(&unclosed);
    assert!(e.contains("no VERBATIM holding `}` closes it"), "{e}");
    let lone =
        "NEURON { SUFFIX t }\nASSIGNED { x }\nINITIAL {\n x = 1\nVERBATIM\n}\nENDVERBATIM\n}\n";
    let e = first_error(lone);
    assert!(e.contains("unsupported construct: VERBATIM"), "{e}");
}

/// VecStim as NEURON's vecevent.mod writes it (the Vector held in a BBCOREPOINTER, the
/// CoreNEURON transfer functions at the top level).
const VECSTIM: &str = "NEURON { THREADSAFE ARTIFICIAL_CELL VecStim BBCOREPOINTER ptr }\n\
ASSIGNED { index etime (ms) ptr }\n\
INITIAL { index = 0 element() if (index > 0) { net_send(etime - t, 1) } }\n\
NET_RECEIVE (w) { if (flag == 1) { net_event(t) element() if (index > 0) { net_send(etime - t, 1) } } }\n\
DESTRUCTOR {\nVERBATIM\n\tvoid* vv = (void*)(_p_ptr);\n\tif (vv) { hoc_obj_unref(*vector_pobj(vv)); }\nENDVERBATIM\n}\n\
PROCEDURE element() {\nVERBATIM\n  { void* vv; int i, size; double* px;\n\ti = (int)index;\n\tif (i >= 0) {\n\t\tvv = (void*)(_p_ptr);\n\t\tif (vv) {\n\t\t\tsize = vector_capacity(vv);\n\t\t\tpx = vector_vec(vv);\n\t\t\tif (i < size) {\n\t\t\t\tetime = px[i];\n\t\t\t\tindex += 1.;\n\t\t\t}else{\n\t\t\t\tindex = -1.;\n\t\t\t}\n\t\t}else{\n\t\t\tindex = -1.;\n\t\t}\n\t}\n  }\nENDVERBATIM\n}\n\
PROCEDURE play() {\nVERBATIM\n\tvoid** pv; void* ptmp = NULL;\n\tif (ifarg(1)) { ptmp = vector_arg(1); hoc_obj_ref(*vector_pobj(ptmp)); }\n\tpv = (void**)(&_p_ptr);\n\t*pv = ptmp;\nENDVERBATIM\n}\n\
VERBATIM\nstatic void bbcore_write(double* xarray, int* iarray, int* xoffset, int* ioffset, _threadargsproto_) {\n  int dsize = 0;\n  if (_p_ptr) { dsize = vector_capacity(_p_ptr); }\n  *ioffset += 1; *xoffset += dsize;\n}\n\
static void bbcore_read(double* xarray, int* iarray, int* xoffset, int* ioffset, _threadargsproto_) {\n  *xoffset += 0;\n}\nENDVERBATIM\n";

/// VecStim's `element()` reads the instance's vector as NEURON's C reads the hoc Vector: INITIAL
/// reads the first element and sends a self-event to it; past the last element `index` is -1
/// and no event follows; an empty vector sends none. The BBCOREPOINTER is no POINTER.
#[test]
fn vecstim_reads_its_vector_as_neurons_c_does() {
    use gradmod_compiler::interp::Event;
    let front = load_source("vecevent.mod", VECSTIM);
    let rendered = front.render();
    let m = front.module.unwrap_or_else(|| panic!("{rendered}"));
    assert!(
        m.pointers.is_empty(),
        "the Vector's holder is bound to nothing"
    );
    let (index, etime) = (m.lookup("index").unwrap(), m.lookup("etime").unwrap());
    let t = m.builtin(gradmod_compiler::ir::Builtin::T).unwrap();
    let receive = m.net_receive.as_ref().unwrap();
    let (body, flag) = (receive.body, receive.flag);
    let mut mm = Machine::new(&m);
    mm.vector = vec![2.5, 7.0];
    mm.run(m.initial.unwrap()).unwrap();
    assert_eq!(
        (mm.values[index.index()], mm.values[etime.index()]),
        (1.0, 2.5)
    );
    assert!(
        matches!(mm.events[..], [Event::NetSend { delay, flag, .. }] if delay == 2.5 && flag == 1.0),
        "{:?}",
        mm.events
    );
    // The two events of the vector, then nothing more.
    for (at, next_index, next_etime, sends) in [(2.5, 2.0, 7.0, 1), (7.0, -1.0, 7.0, 0)] {
        mm.events.clear();
        mm.values[t.index()] = at;
        mm.values[flag.index()] = 1.0;
        mm.run(body).unwrap();
        assert_eq!(
            (mm.values[index.index()], mm.values[etime.index()]),
            (next_index, next_etime)
        );
        let sent = mm
            .events
            .iter()
            .filter(|e| matches!(e, Event::NetSend { .. }))
            .count();
        assert_eq!(sent, sends, "{:?}", mm.events);
    }
    let mut empty = Machine::new(&m);
    empty.run(m.initial.unwrap()).unwrap();
    assert_eq!(empty.values[index.index()], -1.0);
    assert!(empty.events.is_empty(), "{:?}", empty.events);
    // The whole file passes every stage.
    let checked = gradmod_compiler::driver::check_source("vecevent.mod", VECSTIM);
    assert!(checked.accepted(), "{}", checked.render());
    assert!(checked.kernels.unwrap().info.vector);
}

/// C that reads a hoc Vector otherwise than VecStim's `element()` stays rejected by name, and
/// `bbcore_write` inside a block is C code.
#[test]
fn other_vector_code_stays_rejected() {
    let changed = VECSTIM.replace("etime = px[i];", "etime = px[i] + 1.0;");
    let e = first_error(&changed);
    assert!(
        e.contains("unsupported construct: VERBATIM reading a hoc Vector"),
        "{e}"
    );
}
