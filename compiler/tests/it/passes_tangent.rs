//! The tangent maps: for every mechanism the pipeline can take, at random operating points and in
//! random directions, each tangent map (init, currents, state update, NET_RECEIVE), run by the IR
//! interpreter, equals the central finite difference of its primal map.

use crate::common::{Rng, check_modules, operating_point, stops_as_sparse};
use gradmod_compiler::interp::Machine;
use gradmod_compiler::ir::{BlockId, Builtin, Module, StmtKind, VarId, VarKind};
use gradmod_compiler::passes;

/// Which kernel a check is about.
#[derive(Clone, Copy, Debug, PartialEq)]
enum Kernel {
    Init,
    Current,
    State,
    NetReceive,
}

/// Runs the primal of `kernel` on a machine.
fn run_primal(m: &Module, mach: &mut Machine, kernel: Kernel) {
    match kernel {
        Kernel::Init => {
            if let Some(init) = m.initial {
                mach.run(init).unwrap();
            }
        }
        Kernel::Current => {
            mach.skip_solves = true;
            mach.run(m.breakpoint.unwrap()).unwrap();
            mach.skip_solves = false;
        }
        Kernel::State => {
            for s in &m.block(m.breakpoint.unwrap()).body {
                if let StmtKind::Solve { block, .. } = s.kind {
                    mach.run(block).unwrap();
                }
            }
        }
        Kernel::NetReceive => mach.run(m.net_receive.as_ref().unwrap().body).unwrap(),
    }
}

#[test]
fn tangent_maps_equal_finite_differences_of_primal_maps() {
    let mut report = Vec::new();
    let mut skipped = Vec::new();
    check_modules(
        "tangent_maps_equal_finite_differences_of_primal_maps",
        |name, m0| {
            let mut m = m0.clone();
            if let Err(d) = passes::run(&mut m, None) {
                skipped.push(format!("{name}: {}", d.0[0].message));
                return None;
            }
            let maps = m
                .tangent
                .clone()
                .expect("the pipeline ends with the tangent pass");
            let kernels: Vec<(Kernel, BlockId)> = [
                (Kernel::Init, maps.init),
                (Kernel::Current, maps.current),
                (Kernel::State, maps.state),
                (Kernel::NetReceive, maps.net_receive),
            ]
            .into_iter()
            .filter_map(|(k, b)| Some((k, b?)))
            .collect();
            let mut rng = Rng(0xD1B5_4A32_D192_ED03);
            let mut worst: f64 = 0.0;
            let mut at_jumps = 0;
            let mut held = std::collections::BTreeSet::new();
            for &(kernel, tblock) in &kernels {
                for _ in 0..12 {
                    let mut base = Machine::new(&m);
                    operating_point(&m, &mut base, &mut rng);
                    // Parameters away from their defaults, so that no derivative vanishes by accident.
                    for p in m.parameters() {
                        let x = &mut base.values[p.index()];
                        *x = if *x == 0.0 {
                            rng.uniform(0.5, 1.5)
                        } else {
                            *x * rng.uniform(0.5, 1.5)
                        };
                    }
                    // Past INITIAL (which sets what the kernels need, such as shell volumes), with
                    // the states moved to a random point.
                    if kernel != Kernel::Init {
                        if let Some(init) = m.initial {
                            base.run(init).unwrap();
                        }
                        for s in m.states() {
                            base.values[s.index()] *= rng.uniform(0.5, 1.5);
                        }
                    }
                    if let Some(nr) = &m.net_receive {
                        for &a in &nr.args {
                            base.values[a.index()] = rng.uniform(0.1, 2.0);
                        }
                    }
                    // A random direction over the inputs, scaled to each input's size.
                    let mut dir: Vec<(VarId, VarId, f64)> = Vec::new();
                    for &(x, dx) in &maps.inputs {
                        // INITIAL starts the states and carried variables from values no parameter
                        // moved.
                        let carried_value =
                            maps.carried.contains(&x) && m.var(x).kind != VarKind::Parameter;
                        if kernel == Kernel::Init
                            && (m.var(x).kind == VarKind::State || carried_value)
                        {
                            continue;
                        }
                        let scale = match m.var(x).kind {
                            VarKind::Builtin(Builtin::V) => 1.0,
                            // Relative to the input's own size, which for some is tiny (pump densities
                            // in mol/cm2 are around 1e-14).
                            _ if base.values[x.index()] != 0.0 => base.values[x.index()].abs(),
                            _ => 1.0,
                        };
                        dir.push((x, dx, rng.uniform(-1.0, 1.0) * scale));
                    }
                    let h = 1e-5;
                    // Where a step moves the block onto another branch, the difference spans a
                    // jump and is no derivative. An input whose own step does that is a flag
                    // compared with `==` (snudda's `NO` tests `refractory == 0`, pyNN's
                    // `stochastic_tsodyksmarkram` `R == 1`, set by comparing random draws): the
                    // map is constant in it on each piece, and the tangent is the derivative with
                    // it held fixed, so it stays fixed. A point still at a jump is not compared.
                    let branches = |dir: &[(VarId, VarId, f64)], step: f64| {
                        let mut mach = base.clone();
                        for &(x, _, r) in dir {
                            mach.values[x.index()] += step * r;
                        }
                        mach.branches = Some(Vec::new());
                        run_primal(&m, &mut mach, kernel);
                        mach.branches
                    };
                    let at_base = branches(&dir, 0.0);
                    let jumps = |dir: &[(VarId, VarId, f64)]| {
                        [h, -h, 2.0 * h, -2.0 * h]
                            .iter()
                            .any(|&step| branches(dir, step) != at_base)
                    };
                    if jumps(&dir) {
                        // Newton's method that stops as NEURON's `sparse` does takes another
                        // number of iterations, or clamps another state at zero, under a step of
                        // any input: no input is a flag to hold, so the point is not compared
                        // (tests/it/newton_kinetic.rs checks those tangents over whole runs).
                        if stops_as_sparse(&m) {
                            at_jumps += 1;
                            continue;
                        }
                        for i in 0..dir.len() {
                            if jumps(&dir[i..=i]) {
                                dir[i].2 = 0.0;
                                held.insert(m.var(dir[i].0).name.clone());
                            }
                        }
                        if jumps(&dir) {
                            at_jumps += 1;
                            continue;
                        }
                    }
                    let mut tan = base.clone();
                    for &(_, dx, r) in &dir {
                        tan.values[dx.index()] = r;
                    }
                    tan.run(tblock).unwrap();
                    // The map is linear in the direction: run with three times the direction, whose
                    // disagreement with three times the result measures the map's own rounding.
                    let mut tan3 = base.clone();
                    for &(_, dx, r) in &dir {
                        tan3.values[dx.index()] = 3.0 * r;
                    }
                    tan3.run(tblock).unwrap();
                    let shifted = |step: f64| {
                        let mut mach = base.clone();
                        for &(x, _, r) in &dir {
                            mach.values[x.index()] += step * r;
                        }
                        run_primal(&m, &mut mach, kernel);
                        mach
                    };
                    let (plus, minus) = (shifted(h), shifted(-h));
                    // The same difference with twice the step: where the two disagree, the finite
                    // difference itself is at its rounding floor (an output that is a small
                    // difference of large terms, such as a pump's net flux at steady state).
                    let (plus2, minus2) = (shifted(2.0 * h), shifted(-2.0 * h));
                    // A difference with a tiny step measures the rounding error of the primal
                    // output itself, which bounds what either derivative can resolve.
                    let tiny = 1e-9;
                    let (plus_t, minus_t) = (shifted(tiny), shifted(-tiny));
                    let here = shifted(0.0);
                    for &(y, dy) in &maps.outputs {
                        let written = maps.carried.contains(&y)
                            || match kernel {
                                Kernel::Current => m.var(y).kind != VarKind::State,
                                _ => {
                                    m.var(y).kind == VarKind::State
                                        || matches!(m.var(y).kind, VarKind::Ion { .. })
                                }
                            };
                        // Outside the model's domain (golding's `r_tau1` takes log(v/-128),
                        // NaN for v > 0 in NEURON too) there is no value to differentiate.
                        if !written || !here.values[y.index()].is_finite() {
                            continue;
                        }
                        let exact = tan.values[dy.index()];
                        let fd = (plus.values[y.index()] - minus.values[y.index()]) / (2.0 * h);
                        let fd2 = (plus2.values[y.index()] - minus2.values[y.index()]) / (4.0 * h);
                        // Truncation differs by a factor four between the steps, so the spread of
                        // a converged difference is its truncation error, well below the target.
                        let spread = (fd - fd2).abs();
                        let fd_tiny =
                            (plus_t.values[y.index()] - minus_t.values[y.index()]) / (2.0 * tiny);
                        let rounding = (fd_tiny - fd).abs() * tiny;
                        let tangent_rounding = (tan3.values[dy.index()] - 3.0 * exact).abs();
                        // Central differences carry a rounding error of about eps·|y|/h besides the
                        // truncation error; the bound allows for it on top of the 1e-6 relative target.
                        // States of a coupled scheme share rounding: judge them against the largest.
                        let magnitude = if m.var(y).kind == VarKind::State {
                            m.states()
                                .iter()
                                .fold(0.0_f64, |a, s| a.max(here.values[s.index()].abs()))
                        } else {
                            here.values[y.index()].abs()
                        };
                        // Intermediate values of order one (a saturated tanh, a gating variable)
                        // round at about 1e-16 too, which a step of 1e-5 turns into 1e-11.
                        let noise = 1e-9 * magnitude.max(1e-3)
                            + 2.0 * spread
                            + 10.0 * rounding / h
                            + 10.0 * tangent_rounding;
                        let scale = exact.abs().max(fd.abs());
                        assert!(
                            exact.is_finite() && fd.is_finite(),
                            "{name}: {kernel:?} d({}) is not finite",
                            m.var(y).name
                        );
                        let err = (exact - fd).abs() / scale.max(1e-300);
                        if scale > 1e3 * noise {
                            worst = worst.max(err);
                        }
                        assert!(
                            (exact - fd).abs() <= 1e-6 * scale + noise,
                            "{name}: {kernel:?} d({}) = {exact} by the tangent map, {fd} by finite difference (relative error {err:e})",
                            m.var(y).name
                        );
                    }
                }
            }
            let carried: Vec<&str> = maps
                .carried
                .iter()
                .map(|&c| m.var(c).name.as_str())
                .collect();
            report.push(format!(
                "{name}: {} kernels, worst relative error {worst:.1e}, {at_jumps} points at jumps, held fixed [{}], carried [{}]",
                kernels.len(),
                held.iter().cloned().collect::<Vec<_>>().join(", "),
                carried.join(", ")
            ));
            Some(())
        },
    );
    eprintln!(
        "checked:\n  {}\nnot through the pipeline:\n  {}",
        report.join("\n  "),
        skipped.join("\n  ")
    );
    assert!(report.iter().any(|r| r.starts_with("hh.mod")));
    assert!(
        report.len() >= 10,
        "only {} mechanisms checked",
        report.len()
    );
}
