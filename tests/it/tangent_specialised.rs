//! The tangent kernels specialised for directions without a seed (docs/DESIGN.md, "Tangent
//! kernels without seeds") compute what the general kernels compute for a direction whose seeds
//! are all zero: for every mechanism of `mod_files/` and of the test mechanisms, on the build-time
//! path and on both engines of the run-time path, two copies of the mechanism run the same calls
//! with nonzero input tangents (S, σ, the ions'), one with direction 1 unseeded (so that it runs
//! the specialised kernels) and one with a seed of zeros for it (so that it runs the general
//! kernels); every output tangent of direction 1 is the same (as numbers: the sign of a zero may
//! differ), and so is everything direction 0 (seeded in both) and the forward kernels compute.

use std::path::Path;

use crate::models::{catalogue, test_mechanisms};
use gradmod_runtime::mechanism::{
    Context, EventArgs, FieldRole, IonArrays, IonTangents, Mechanism, MechanismKind, Seed, Tangents,
};
use gradmod_runtime::random::{Draws, Phase};
use gradmod_vm::{Catalogue, EngineChoice};

/// CVs and instances of the harness (one instance per CV).
const NCV: usize = 3;
/// Tangent directions: 0 seeded in both copies, 1 the one compared.
const K: usize = 2;

/// The arrays of one copy: the cell's side of every call.
struct Arrays {
    v: Vec<f64>,
    i: Vec<f64>,
    g: Vec<f64>,
    area: Vec<f64>,
    diam: Vec<f64>,
    ions: Vec<IonArrays>,
    slots: Vec<usize>,
    s: Vec<f64>,
    di: Vec<f64>,
    dg: Vec<f64>,
    tan_ions: Vec<IonTangents>,
    emit: Vec<f64>,
}

/// A value per CV and direction that differs from entry to entry.
fn spread(n: usize, scale: f64, offset: f64) -> Vec<f64> {
    (0..n)
        .map(|i| offset + scale * ((i as f64 * 0.7).sin() + 0.1 * i as f64))
        .collect()
}

impl Arrays {
    fn new(m: &dyn Mechanism) -> Arrays {
        let ions: Vec<IonArrays> = m
            .info()
            .ions
            .iter()
            .map(|ion| {
                let (rev, inside, outside) = match ion.name {
                    "na" => (50.0, 10.0, 140.0),
                    "k" => (-77.0, 140.0, 5.0),
                    "ca" => (132.0, 5e-5, 2.0),
                    _ => (-20.0, 1.0, 2.0),
                };
                IonArrays {
                    current: vec![0.0; NCV],
                    current_dv: vec![0.0; NCV],
                    rev: vec![rev; NCV],
                    inside: vec![inside; NCV],
                    outside: vec![outside; NCV],
                    diffusive: vec![inside; NCV],
                }
            })
            .collect();
        let tan_ions = ions
            .iter()
            .map(|_| IonTangents {
                current: vec![0.0; K * NCV],
                rev: spread(K * NCV, 0.3, 0.1),
                inside: spread(K * NCV, 1e-6, 2e-6),
                outside: spread(K * NCV, 0.01, 0.02),
                diffusive: spread(K * NCV, 0.01, 0.03),
            })
            .collect();
        Arrays {
            v: vec![-65.0, -30.0, 12.0],
            i: vec![0.0; NCV],
            g: vec![0.0; NCV],
            area: vec![400.0; NCV],
            diam: vec![10.0; NCV],
            slots: (0..ions.len()).collect(),
            ions,
            s: spread(K * NCV, 0.5, 0.2),
            di: vec![0.0; K * NCV],
            dg: vec![0.0; K * NCV],
            tan_ions,
            // Three values per event statement of INITIAL or NET_RECEIVE, per instance.
            emit: vec![0.0; 3 * m.info().emit_slots * NCV],
        }
    }

    /// Every number the calls wrote: the forward accumulators and ion arrays, and the tangent
    /// accumulators and ion tangents of all directions.
    fn outputs(&self) -> Vec<f64> {
        let mut out = [&self.i, &self.g, &self.di, &self.dg]
            .map(|x| x.to_vec())
            .concat();
        for ion in &self.ions {
            out.extend(
                [
                    &ion.current,
                    &ion.current_dv,
                    &ion.rev,
                    &ion.inside,
                    &ion.outside,
                ]
                .into_iter()
                .flatten(),
            );
        }
        for ion in &self.tan_ions {
            out.extend(
                [&ion.current, &ion.rev, &ion.inside, &ion.outside]
                    .into_iter()
                    .flatten(),
            );
        }
        out
    }
}

/// Runs one kernel call of `m` with the context (and tangents, with `seeds`) of `a`.
fn call(
    m: &mut dyn Mechanism,
    a: &mut Arrays,
    seeds: &[Option<Seed>],
    phase: Phase,
    f: &mut dyn FnMut(&mut dyn Mechanism, &mut Context, &mut Tangents),
) {
    let mut ctx = Context {
        dt: 0.025,
        t: 1.0,
        celsius: 6.3,
        v: &a.v,
        i: &mut a.i,
        g: &mut a.g,
        area: &a.area,
        diam: &a.diam,
        ions: &mut a.ions,
        ion_slots: &a.slots,
        random: Draws::new(1, 0, 3, phase, 1.0),
        emit: &mut a.emit,
        vectors: &[],
        tables: &[],
    };
    let mut tan = Tangents {
        k: K,
        ncv: NCV,
        s: &a.s,
        di: &mut a.di,
        dg: &mut a.dg,
        ions: &mut a.tan_ions,
        seeds,
    };
    f(m, &mut ctx, &mut tan);
}

/// Initialisation, then three steps' kernels (and an event for a mechanism with NET_RECEIVE),
/// on `m` with direction 1 seeded by `second`; every number written, after every call.
fn run(mut m: Box<dyn Mechanism>, param: usize, second: Option<Seed>) -> Vec<f64> {
    let point = m.info().kind == MechanismKind::Point;
    let weights = vec![if point { 100.0 / 400.0 } else { 1.0 }; NCV];
    m.allocate(&[0, 1, 2], &weights);
    m.set_tangent_count(K);
    let first = Some(Seed {
        param,
        factor: spread(NCV, 0.2, 1.0),
    });
    let seeds = [first, second];
    let mut a = Arrays::new(m.as_ref());
    let mut out = Vec::new();
    let record = |m: &dyn Mechanism, a: &Arrays, out: &mut Vec<f64>| {
        out.extend(a.outputs());
        out.extend_from_slice(m.state_tangents());
        for f in 0..m.info().fields.len() {
            out.extend_from_slice(m.field(f));
        }
    };
    call(
        m.as_mut(),
        &mut a,
        &seeds,
        Phase::Init,
        &mut |m, ctx, tan| {
            m.init_tangent(ctx, tan);
            m.init(ctx);
        },
    );
    record(m.as_ref(), &a, &mut out);
    // State tangents that differ from entry to entry, as after steps with moving parameters.
    let rows = m.state_tangents().len();
    m.state_tangents_mut()
        .copy_from_slice(&spread(rows, 0.05, 0.01));
    for step in 0..3 {
        if step == 1 && m.info().net_receive {
            call(
                m.as_mut(),
                &mut a,
                &seeds,
                Phase::Event,
                &mut |m, ctx, tan| {
                    let nargs = m.info().net_args.len().max(1);
                    let mut args = vec![0.0; nargs];
                    args[0] = 0.005;
                    let mut dargs = vec![0.0; nargs * tan.k];
                    let mut ev = EventArgs {
                        flag: 0.0,
                        args: &mut args,
                        dargs: &mut dargs,
                    };
                    m.net_receive_tangent(ctx, tan, 1, &mut ev);
                    m.net_receive(ctx, 1, &mut ev);
                },
            );
            record(m.as_ref(), &a, &mut out);
        }
        call(
            m.as_mut(),
            &mut a,
            &seeds,
            Phase::Currents,
            &mut |m, ctx, tan| {
                m.currents(ctx);
                m.currents_tangent(ctx, tan);
            },
        );
        record(m.as_ref(), &a, &mut out);
        call(
            m.as_mut(),
            &mut a,
            &seeds,
            Phase::States,
            &mut |m, ctx, tan| {
                m.states_tangent(ctx, tan);
                if !m.fused_states() {
                    m.states(ctx);
                }
            },
        );
        record(m.as_ref(), &a, &mut out);
    }
    out
}

/// Where the runs of `make` with direction 1 unseeded and with a seed of zeros differ, if
/// anywhere (`None` for a mechanism without a parameter).
fn difference(make: &dyn Fn() -> Box<dyn Mechanism>) -> Option<String> {
    let info = make().info();
    let param = info
        .fields
        .iter()
        .position(|f| f.role == FieldRole::Parameter)?;
    let unseeded = run(make(), param, None);
    let zeros = Some(Seed {
        param,
        factor: vec![0.0; NCV],
    });
    let general = run(make(), param, zeros);
    assert_eq!(unseeded.len(), general.len());
    let same = |x: f64, y: f64| x == y || (x.is_nan() && y.is_nan());
    let at = unseeded
        .iter()
        .zip(&general)
        .position(|(&x, &y)| !same(x, y))?;
    Some(format!(
        "`{}`: value {at} of the record is {:e} unseeded, {:e} with zero seeds",
        info.name, unseeded[at], general[at]
    ))
}

/// The mechanisms of a catalogue compiled at run time from `dir` on `engine`.
fn run_time(dir: &str, engine: EngineChoice) -> Catalogue {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    Catalogue::load_with(&[root.join(dir)], engine).unwrap_or_else(|e| panic!("{e}"))
}

/// Checks every mechanism `names` lists, built by `make`; panics with every difference.
fn check_all(names: &[&str], make: &dyn Fn(&str) -> Option<Box<dyn Mechanism>>, path: &str) {
    let mut checked = 0;
    let mut failures = Vec::new();
    for &name in names {
        if make(name).is_none() {
            continue;
        }
        if let Some(d) = difference(&|| make(name).expect("present")) {
            failures.push(d);
        }
        checked += 1;
    }
    assert!(checked > 0, "{path}: no mechanism checked");
    assert!(failures.is_empty(), "{path}:\n{}", failures.join("\n"));
}

#[test]
fn specialised_kernels_equal_the_general_ones_on_the_build_time_path() {
    check_all(catalogue::NAMES, &catalogue::by_name, "mod_files");
    check_all(
        test_mechanisms::NAMES,
        &test_mechanisms::by_name,
        "tests/mechanisms",
    );
}

#[test]
fn specialised_kernels_equal_the_general_ones_on_both_engines() {
    for engine in [EngineChoice::Jit, EngineChoice::Evaluator] {
        for dir in ["mod_files", "tests/mechanisms"] {
            let c = run_time(dir, engine);
            let names: Vec<&str> = c.names().collect();
            check_all(&names, &|n| c.make(n), &format!("{dir} ({engine:?})"));
        }
    }
}
