//! The JIT's own tests: the semantics of every operation and library function on edge values,
//! against the reference [`gradmod_compiler::sym::eval`] (and the evaluator alongside), and the
//! checks that keep kernels within their arrays.

use std::sync::Arc;

use gradmod_compiler::back::kernels::{Sink, Source};
use gradmod_compiler::ir::{BinOp, Func, UnOp};
use gradmod_compiler::sym::eval::{apply_binary, apply_call, apply_unary, pow_value};
use gradmod_runtime::mechanism::{
    Context, FieldInfo, FieldRole, Mechanism, MechanismInfo, MechanismKind, Seed, Tangents,
};

use super::JitCode;
use crate::code::{Code, KernelSet, Shape, TangentSet};
use crate::engine::{Engine, EngineChoice};
use crate::instances::Instances;
use crate::load::Catalogue;
use crate::program::{Op, Program};

/// Values where operations and functions are most likely to differ between implementations.
const EDGES: [f64; 17] = [
    0.0,
    -0.0,
    1.0,
    -1.0,
    0.5,
    -2.5,
    3.0,
    1e-17,
    -1e-17,
    700.0,
    -745.5,
    1e300,
    f64::INFINITY,
    f64::NEG_INFINITY,
    f64::NAN,
    std::f64::consts::SQRT_2,
    -7.25,
];

const BINARY: [BinOp; 17] = [
    BinOp::Add,
    BinOp::Sub,
    BinOp::Mul,
    BinOp::Div,
    BinOp::Pow,
    BinOp::Lt,
    BinOp::Le,
    BinOp::Gt,
    BinOp::Ge,
    BinOp::Eq,
    BinOp::Ne,
    BinOp::And,
    BinOp::Or,
    BinOp::Min,
    BinOp::Max,
    BinOp::Atan2,
    BinOp::Fmod,
];

const POWERS: [i32; 11] = [-5, -2, -1, 0, 1, 2, 3, 4, 7, 10, 31];

/// One operation of the test kernel: what it computes from the operands a and b (registers 0
/// and 1), and the reference value.
struct Case {
    label: String,
    op: Op,
    reference: Box<dyn Fn(f64, f64) -> f64>,
}

/// Every operation the register code has, each writing its own register.
fn cases() -> Vec<Case> {
    let mut cases = Vec::new();
    let mut dst = 2;
    let mut add = |label: String, make: &dyn Fn(u32) -> Op, r: Box<dyn Fn(f64, f64) -> f64>| {
        cases.push(Case {
            label,
            op: make(dst),
            reference: r,
        });
        dst += 1;
    };
    for op in BINARY {
        let make = move |dst| Op::Binary {
            op,
            dst,
            a: 0,
            b: 1,
        };
        add(
            format!("{op:?}"),
            &make,
            Box::new(move |a, b| apply_binary(op, a, b, false)),
        );
    }
    for f in Func::ALL {
        let make = move |dst| Op::Call { f, dst, a: 0 };
        add(
            format!("{f:?}"),
            &make,
            Box::new(move |a, _| apply_call(f, a)),
        );
    }
    for op in [UnOp::Neg, UnOp::Not] {
        let make = move |dst| Op::Unary { op, dst, a: 0 };
        add(
            format!("{op:?}"),
            &make,
            Box::new(move |a, _| apply_unary(op, a)),
        );
    }
    for n in POWERS {
        let make = move |dst| Op::Powi { dst, a: 0, n };
        add(
            format!("powi {n}"),
            &make,
            Box::new(move |a, _| pow_value(a, n as f64, true)),
        );
    }
    let make = |dst| Op::Select {
        dst,
        c: 0,
        t: 1,
        o: 0,
    };
    add(
        "select".into(),
        &make,
        Box::new(|a, b| if a != 0.0 { b } else { a }),
    );
    cases
}

/// A density mechanism with the fields a, b and one output per case, whose INITIAL computes
/// every case from a and b.
fn code(cases: &[Case]) -> Code {
    let names: Vec<String> = ["a".to_string(), "b".to_string()]
        .into_iter()
        .chain((0..cases.len()).map(|i| format!("r{i}")))
        .collect();
    let fields: Vec<FieldInfo> = names
        .iter()
        .map(|n| FieldInfo {
            name: Box::leak(n.clone().into_boxed_str()),
            unit: "1",
            default: 0.0,
            role: FieldRole::Assigned,
            lower: None,
            upper: None,
        })
        .collect();
    let info: &'static MechanismInfo = Box::leak(Box::new(MechanismInfo {
        name: "semantics",
        kind: MechanismKind::Density,
        fields: Box::leak(fields.into_boxed_slice()),
        ions: &[],
        net_receive: false,
        net_args: &[],
        emit_slots: 0,
        voltage_process: false,
        post_event: false,
        vector: false,
        function_tables: &[],
    }));
    let mut outer = vec![
        Op::Load {
            dst: 0,
            from: Source::Field(0),
        },
        Op::Load {
            dst: 1,
            from: Source::Field(1),
        },
    ];
    for (i, c) in cases.iter().enumerate() {
        outer.push(c.op);
        let src = c.op.writes().expect("every case writes");
        outer.push(Op::Store {
            src,
            sink: Sink::Field(2 + i),
        });
    }
    let init = Program {
        outer,
        registers: 2 + cases.len(),
        ..Program::default()
    };
    Code {
        shape: Shape {
            info,
            states: 0,
            carried: 0,
            fused: false,
            fused_currents: false,
            ba: &[],
            carried_fields: &[],
            longitudinal: &[],
        },
        kernels: KernelSet {
            // The currents run the same operations: over lanes where the CPU has them.
            currents: init.clone(),
            init,
            states: Program::default(),
            net_receive: None,
            net_init: None,
            for_netcons: None,
            watch: None,
            ba: Vec::new(),
            tangent: TangentSet {
                init: None,
                currents: Program::default(),
                states: Program::default(),
                net_receive: None,
                net_init: None,
                for_netcons: None,
                ba: Vec::new(),
            },
        },
        constants: Vec::new(),
        registers: 2 + cases.len(),
    }
}

/// The per-CV arrays of a context over `ncv` CVs.
struct Cvs {
    v: Vec<f64>,
    i: Vec<f64>,
    g: Vec<f64>,
    area: Vec<f64>,
    diam: Vec<f64>,
}

impl Cvs {
    fn new(ncv: usize) -> Self {
        Cvs {
            v: vec![-65.0; ncv],
            i: vec![0.0; ncv],
            g: vec![0.0; ncv],
            area: vec![100.0; ncv],
            diam: vec![1.0; ncv],
        }
    }

    fn context(&mut self) -> Context<'_> {
        Context {
            dt: 0.025,
            t: 0.0,
            celsius: 6.3,
            v: &self.v,
            i: &mut self.i,
            g: &mut self.g,
            area: &self.area,
            diam: &self.diam,
            ions: &mut [],
            ion_slots: &[],
            random: Default::default(),
            emit: &mut [],
            vectors: &[],
            tables: &[],
        }
    }
}

/// Every operation and library function gives, on every pair of edge values, the reference's
/// value to the bit (any NaN for a NaN), on both engines, in INITIAL (one instance at a time in
/// the JIT) and in the currents (over lanes where the CPU has them). The instances (one per
/// pair, 289) fill whole chunks of the evaluator and a partial one, and leave one instance after
/// the JIT's blocks of four.
#[test]
fn every_operation_matches_the_reference_on_edge_values() {
    let cases = cases();
    let code = code(&cases);
    let jit = Arc::new(JitCode::new(&code).expect("the JIT compiles the test kernel"));
    let engines: [(&str, Box<dyn Mechanism>); 2] = [
        ("jit", Box::new(Instances::new(jit))),
        ("evaluator", Box::new(Instances::new(Arc::new(code)))),
    ];
    let pairs: Vec<(f64, f64)> = EDGES
        .iter()
        .flat_map(|&a| EDGES.iter().map(move |&b| (a, b)))
        .collect();
    let mut bad = Vec::new();
    for (engine, mut m) in engines {
        m.allocate(&vec![0; pairs.len()], &vec![1.0; pairs.len()]);
        for (j, &(a, b)) in pairs.iter().enumerate() {
            m.field_mut(0)[j] = a;
            m.field_mut(1)[j] = b;
        }
        let mut cvs = Cvs::new(1);
        for kernel in ["init", "currents"] {
            for i in 0..cases.len() {
                m.field_mut(2 + i).fill(-1.0);
            }
            if kernel == "init" {
                m.init(&mut cvs.context());
            } else {
                m.currents(&mut cvs.context());
            }
            for (i, c) in cases.iter().enumerate() {
                for (j, &(a, b)) in pairs.iter().enumerate() {
                    let (want, got) = ((c.reference)(a, b), m.field(2 + i)[j]);
                    if want.to_bits() != got.to_bits() && !(want.is_nan() && got.is_nan()) {
                        bad.push(format!(
                            "{engine} {kernel}: {}({a}, {b}) = {got}, the reference gives {want}",
                            c.label
                        ));
                    }
                }
            }
        }
    }
    assert!(bad.is_empty(), "{}", bad.join("\n"));
}

/// A density mechanism with a state, compiled for the JIT.
fn relax() -> Box<dyn Mechanism> {
    let text = "NEURON { SUFFIX relax NONSPECIFIC_CURRENT i RANGE g, tau }
        PARAMETER { g = 0.001 (S/cm2) tau = 5 (ms) }
        STATE { m }
        ASSIGNED { v (mV) i (mA/cm2) }
        INITIAL { m = 0.5 }
        BREAKPOINT { SOLVE s METHOD cnexp  i = g * m * (v + 70) }
        DERIVATIVE s { m' = (1 / (1 + exp(-v / 10)) - m) / tau }";
    let mut c = Catalogue::new().with_engine(EngineChoice::Jit);
    c.add_source("relax.mod", text).unwrap();
    assert_eq!(c.mechanisms()[0].engine(), Engine::Jit);
    c.make("relax").unwrap()
}

/// S, dI and dg over `ncv` CVs in `k` directions, and the seeds: `g` in direction 0.
type TangentArrays = (Vec<f64>, Vec<f64>, Vec<f64>, Vec<Option<Seed>>);

/// The tangents of `ncv` CVs in `k` directions, with a seed for `g` in direction 0.
fn tangents(k: usize, ncv: usize, instances: usize) -> TangentArrays {
    let mut seeds = vec![None; k];
    if k > 0 {
        seeds[0] = Some(Seed {
            param: 0,
            factor: vec![1.0; instances],
        });
    }
    (
        vec![0.0; k * ncv],
        vec![0.0; k * ncv],
        vec![0.0; k * ncv],
        seeds,
    )
}

#[test]
fn kernels_run_when_every_array_fits() {
    let mut m = relax();
    m.allocate(&[0, 2, 2], &[1.0; 3]);
    m.set_tangent_count(2);
    let mut cvs = Cvs::new(3);
    let (s, mut di, mut dg, seeds) = tangents(2, 3, 3);
    let mut tan = Tangents {
        k: 2,
        ncv: 3,
        s: &s,
        di: &mut di,
        dg: &mut dg,
        ions: &mut [],
        seeds: &seeds,
    };
    m.init_tangent(&mut cvs.context(), &mut tan);
    m.init(&mut cvs.context());
    m.currents(&mut cvs.context());
    m.currents_tangent(&mut cvs.context(), &mut tan);
    m.states_tangent(&mut cvs.context(), &mut tan);
    // CV 1 has no instance; direction 1 moves nothing.
    assert!(
        cvs.i[0] != 0.0 && cvs.i[1] == 0.0 && cvs.i[2] != 0.0,
        "{:?}",
        cvs.i
    );
    assert!(di[0] != 0.0 && di[1] == 0.0 && di[2] != 0.0, "{di:?}");
    assert!(di[3..].iter().all(|&x| x == 0.0), "{di:?}");
}

#[test]
#[should_panic(expected = "V has 2 values where 3 are indexed")]
fn a_voltage_array_shorter_than_the_nodes_is_refused() {
    let mut m = relax();
    m.allocate(&[0, 2], &[1.0; 2]);
    let mut cvs = Cvs::new(2);
    m.currents(&mut cvs.context());
}

#[test]
#[should_panic(expected = "Sigma has 4 values where 6 are indexed")]
fn more_tangent_directions_than_sized_are_refused() {
    let mut m = relax();
    m.allocate(&[0, 1], &[1.0; 2]);
    m.set_tangent_count(2);
    let mut cvs = Cvs::new(2);
    let (s, mut di, mut dg, seeds) = tangents(3, 2, 2);
    let mut tan = Tangents {
        k: 3,
        ncv: 2,
        s: &s,
        di: &mut di,
        dg: &mut dg,
        ions: &mut [],
        seeds: &seeds,
    };
    m.currents_tangent(&mut cvs.context(), &mut tan);
}

#[test]
#[should_panic(expected = "tangent arrays of 1 CVs for instances on 2")]
fn a_tangent_stride_below_the_nodes_is_refused() {
    let mut m = relax();
    m.allocate(&[0, 1], &[1.0; 2]);
    m.set_tangent_count(1);
    let mut cvs = Cvs::new(2);
    let (s, mut di, mut dg, seeds) = tangents(1, 2, 2);
    let mut tan = Tangents {
        k: 1,
        ncv: 1,
        s: &s,
        di: &mut di,
        dg: &mut dg,
        ions: &mut [],
        seeds: &seeds,
    };
    m.currents_tangent(&mut cvs.context(), &mut tan);
}

#[test]
#[should_panic(expected = "a seed of 1 values for 2 instances")]
fn a_short_seed_is_refused() {
    let mut m = relax();
    m.allocate(&[0, 1], &[1.0; 2]);
    m.set_tangent_count(1);
    let mut cvs = Cvs::new(2);
    let (s, mut di, mut dg, mut seeds) = tangents(1, 2, 2);
    seeds[0] = Some(Seed {
        param: 0,
        factor: vec![1.0],
    });
    let mut tan = Tangents {
        k: 1,
        ncv: 2,
        s: &s,
        di: &mut di,
        dg: &mut dg,
        ions: &mut [],
        seeds: &seeds,
    };
    m.currents_tangent(&mut cvs.context(), &mut tan);
}

#[test]
#[should_panic(expected = "one weight per instance")]
fn a_weight_per_instance_is_required() {
    relax().allocate(&[0, 1], &[1.0]);
}
