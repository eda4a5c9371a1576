//! Random numbers in mechanisms (WHITE_NOISE, normrand, scop_random, exprand), on the mechanisms
//! of `tests/random_mechanisms/`: the generated Rust and the evaluator draw the same numbers; a
//! seed gives the same traces bit for bit on one thread or two and whatever the order of the
//! cells; instances draw from different streams; a WHITE_NOISE Ornstein–Uhlenbeck process has
//! the mean and variance of its Euler–Maruyama discretisation; and tangents, pathwise (the noise
//! held fixed), agree with central finite differences taken with the same seed.

use std::path::Path;

use crate::models::generated;
use gradmod_runtime::mechanism::Mechanism;
use gradmod_runtime::{Cell, Morphology, Network, ParamSpec, Probe, Recorder, Region, Settings};
use gradmod_vm::{Catalogue, Engine, EngineChoice};

mod random_mechanisms {
    gradmod_runtime::include_mechanisms!("random_mechanisms");
}

/// The run-time catalogue of `tests/random_mechanisms/` on an engine.
fn run_time(engine: EngineChoice) -> Catalogue {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/random_mechanisms");
    Catalogue::load_with(&[dir], engine).unwrap_or_else(|e| panic!("{e}"))
}

/// A mechanism of the build-time catalogue.
fn build_time(name: &str) -> Box<dyn Mechanism> {
    random_mechanisms::by_name(name).unwrap_or_else(|| panic!("no generated `{name}`"))
}

/// A 20 µm × 20 µm soma with `pas`, `noisy_leak` and an `ou_current` at its middle, seeded with
/// `seed`; with `params` (mechanism, field) differentiated.
fn soma(make: &dyn Fn(&str) -> Box<dyn Mechanism>, seed: u64, params: &[(&str, &str)]) -> Cell {
    let mut m = Morphology::new();
    m.add_cylinder("soma", 1, 20.0, 20.0, None, 1).unwrap();
    let settings = Settings {
        seed,
        ..Settings::default()
    };
    let mut cell = Cell::new(m, settings).unwrap();
    cell.insert(generated("pas"), &Region::All).unwrap();
    cell.insert(make("noisy_leak"), &Region::All).unwrap();
    cell.place(make("ou_current"), &[("soma", 0.5)]).unwrap();
    for &(mech, field) in params {
        cell.add_parameter(ParamSpec::mechanism(mech, field))
            .unwrap();
    }
    cell
}

const PARAMS: [(&str, &str); 4] = [
    ("ou_current", "sigma"),
    ("ou_current", "tau"),
    ("ou_current", "mu"),
    ("noisy_leak", "gbar"),
];

/// v, its tangents, the OU state and its tangents at every step of 30 ms.
fn traces(cell: &mut Cell) -> Vec<Vec<f64>> {
    let id = cell.mechanism_id("ou_current").unwrap();
    let kk = cell.parameter_count();
    let mut probes = vec![Probe::Voltage { cv: 0 }];
    probes.extend((0..kk).map(|k| Probe::Tangent { k, cv: 0 }));
    let field = cell.mechanism(id).info().field_index("x").unwrap();
    probes.push(Probe::Field {
        mech: id,
        field,
        instance: 0,
    });
    probes.extend((0..kk).map(|k| Probe::StateTangent {
        mech: id,
        state: 0,
        k,
        instance: 0,
    }));
    let mut rec = Recorder::new(probes, 1);
    cell.run(30.0, Some(&mut rec)).unwrap();
    rec.traces
}

fn bits(traces: &[Vec<f64>]) -> Vec<Vec<u64>> {
    traces
        .iter()
        .map(|t| t.iter().map(|x| x.to_bits()).collect())
        .collect()
}

#[test]
fn generated_rust_the_evaluator_and_the_jit_draw_the_same_numbers() {
    let want = traces(&mut soma(&build_time, 7, &PARAMS));
    for (choice, engine) in [
        (EngineChoice::Evaluator, Engine::Evaluator),
        (EngineChoice::Jit, Engine::Jit),
    ] {
        let vm = run_time(choice);
        assert!(vm.mechanisms().iter().all(|m| m.engine() == engine));
        let make_vm = |name: &str| vm.make(name).unwrap();
        let got = traces(&mut soma(&make_vm, 7, &PARAMS));
        assert!(
            bits(&want) == bits(&got),
            "the {engine:?} differs from the generated Rust"
        );
    }
    // The noise is there: another seed moves v, the state and the tangents along sigma and
    // gbar (not dx/dmu, which is 1 whatever the noise).
    let other = traces(&mut soma(&build_time, 8, &PARAMS));
    let x = 1 + PARAMS.len();
    for i in [0, 1, 4, x, x + 1] {
        assert!(want[i] != other[i], "trace {i} does not depend on the seed");
    }
    assert!(want.iter().flatten().all(|x| x.is_finite()));
}

/// A network of `n` somata with seeds 1..=n, built in the given order; each cell's v and OU state
/// after 40 ms, in seed order.
fn network_run(n: u64, reversed: bool, threads: usize) -> Vec<(u64, u64)> {
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()
        .unwrap();
    let mut seeds: Vec<u64> = (1..=n).collect();
    if reversed {
        seeds.reverse();
    }
    let mut net = Network::new();
    for &s in &seeds {
        net.add_cell(soma(&build_time, s, &[]));
    }
    pool.install(|| net.run(40.0)).unwrap();
    let mut out: Vec<(u64, (u64, u64))> = seeds
        .iter()
        .zip(net.cells())
        .map(|(&s, c)| {
            let id = c.mechanism_id("ou_current").unwrap();
            let x = c.field(id, "x").unwrap()[0];
            (s, (c.v()[0].to_bits(), x.to_bits()))
        })
        .collect();
    out.sort_unstable();
    out.into_iter().map(|(_, r)| r).collect()
}

#[test]
fn a_seed_gives_the_same_bits_on_any_thread_count_and_cell_order() {
    let one = network_run(4, false, 1);
    assert_eq!(one, network_run(4, false, 2));
    assert_eq!(one, network_run(4, true, 2));
    // Each cell has its own streams.
    for i in 0..one.len() {
        for j in 0..i {
            assert_ne!(one[i], one[j]);
        }
    }
}

/// A cable of `n` CVs with `ou_density` everywhere, seeded with `seed`, and its mechanism id.
fn ou_cable(n: usize, seed: u64) -> (Cell, gradmod_runtime::MechId) {
    let mut m = Morphology::new();
    m.add_cylinder("cable", 1, 1000.0, 2.0, None, n).unwrap();
    let settings = Settings {
        seed,
        ..Settings::default()
    };
    let mut cell = Cell::new(m, settings).unwrap();
    let id = cell.insert(build_time("ou_density"), &Region::All).unwrap();
    (cell, id)
}

/// On a cable of 100 instances (several chunks of the evaluator, lanes of the generated Rust),
/// every engine gives every instance the generated Rust's numbers.
#[test]
fn every_engine_draws_each_instance_s_numbers() {
    let (mut want, id) = ou_cable(100, 9);
    want.run(5.0, None).unwrap();
    for choice in [EngineChoice::Evaluator, EngineChoice::Jit] {
        let vm = run_time(choice);
        let mut m = Morphology::new();
        m.add_cylinder("cable", 1, 1000.0, 2.0, None, 100).unwrap();
        let settings = Settings {
            seed: 9,
            ..Settings::default()
        };
        let mut cell = Cell::new(m, settings).unwrap();
        let got = cell
            .insert(vm.make("ou_density").unwrap(), &Region::All)
            .unwrap();
        cell.run(5.0, None).unwrap();
        let bits = |c: &Cell, id| -> Vec<u64> {
            c.field(id, "x")
                .unwrap()
                .iter()
                .map(|x| x.to_bits())
                .collect()
        };
        assert!(bits(&want, id) == bits(&cell, got), "{choice:?}");
    }
}

#[test]
fn instances_draw_from_different_streams() {
    let (mut cell, id) = ou_cable(100, 3);
    cell.run(5.0, None).unwrap();
    let mut x = cell.field(id, "x").unwrap().to_vec();
    assert_eq!(x.len(), 100);
    x.sort_by(f64::total_cmp);
    assert!(
        x.windows(2).all(|w| w[0] < w[1]),
        "two instances share a stream"
    );
    // The same seed gives the same numbers.
    let (mut again, _) = ou_cable(100, 3);
    again.run(5.0, None).unwrap();
    let mut y = again.field(id, "x").unwrap().to_vec();
    y.sort_by(f64::total_cmp);
    assert_eq!(x, y);
}

/// The ensemble of `ou_density` (mu 1, sigma 0.5, tau 2 ms, dt 0.025 ms) over 200 instances,
/// sampled every 5 tau after 10 tau of relaxation: 4000 nearly independent samples (the
/// correlation of two samples is (1 − dt/tau)^400 < 0.007). Euler–Maruyama's stationary law is
/// N(mu, b²/(1 − a²)) with a = 1 − dt/tau and b = sigma sqrt(2 dt/tau); the sample mean and
/// variance must be within 4 standard errors of it.
#[test]
fn white_noise_ou_process_has_the_euler_maruyama_statistics() {
    let (mu, sigma, tau, dt) = (1.0, 0.5, 2.0, 0.025);
    let (mut cell, id) = ou_cable(200, 11);
    cell.run(10.0 * tau, None).unwrap();
    let mut samples = Vec::new();
    for k in 1..=20 {
        cell.run(10.0 * tau + 5.0 * tau * k as f64, None).unwrap();
        samples.extend_from_slice(cell.field(id, "x").unwrap());
    }
    let n = samples.len() as f64;
    let mean = samples.iter().sum::<f64>() / n;
    let var = samples.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / (n - 1.0);
    let a: f64 = 1.0 - dt / tau;
    let b2 = sigma * sigma * 2.0 * dt / tau;
    let want_var = b2 / (1.0 - a * a);
    let se_mean = (want_var / n).sqrt();
    let se_var = want_var * (2.0 / (n - 1.0)).sqrt();
    println!(
        "n {n}: mean {mean:.4} (want {mu}, se {se_mean:.4}), variance {var:.5} (want {want_var:.5}, se {se_var:.5})"
    );
    assert!((mean - mu).abs() < 4.0 * se_mean);
    assert!((var - want_var).abs() < 4.0 * se_var);
}

#[test]
fn pathwise_tangents_agree_with_finite_differences_at_the_same_seed() {
    let mut cell = soma(&build_time, 5, &PARAMS);
    let run = |cell: &mut Cell| {
        cell.run(30.0, None).unwrap();
        let id = cell.mechanism_id("ou_current").unwrap();
        (cell.v()[0], cell.field(id, "x").unwrap()[0])
    };
    run(&mut cell);
    let id = cell.mechanism_id("ou_current").unwrap();
    for (k, &(mech, field)) in PARAMS.iter().enumerate() {
        let dv = cell.tangent(k)[0];
        let dx = cell.state_tangent(id, "x", k).unwrap()[0];
        let p0 = match mech {
            "ou_current" => [0.1, 5.0, 0.05][["sigma", "tau", "mu"]
                .iter()
                .position(|f| *f == field)
                .unwrap()],
            _ => 0.001,
        };
        let h = 1e-5 * p0;
        let at = |p: f64| {
            let mut c = soma(&build_time, 5, &[]);
            let m = c.mechanism_id(mech).unwrap();
            c.set_field(m, field, &Region::All, p).unwrap();
            run(&mut c)
        };
        let (vp, xp) = at(p0 + h);
        let (vm, xm) = at(p0 - h);
        let (fd_v, fd_x) = ((vp - vm) / (2.0 * h), (xp - xm) / (2.0 * h));
        let err_v = (dv - fd_v).abs() / fd_v.abs().max(1e-12);
        println!("{mech}.{field}: dv/dθ {dv:.6e} (FD {fd_v:.6e}), dx/dθ {dx:.6e} (FD {fd_x:.6e})");
        assert!(dv != 0.0, "{mech}.{field}: a zero tangent");
        assert!(err_v < 1e-4, "{mech}.{field}: relative error {err_v:.1e}");
        if mech == "ou_current" {
            let err_x = (dx - fd_x).abs() / fd_x.abs().max(1e-12);
            assert!(
                err_x < 1e-4,
                "{mech}.{field}: dx relative error {err_x:.1e}"
            );
        }
    }
}

/// Runs `gradmod` in `dir`.
fn gradmod(dir: &Path, args: &[&str]) -> std::process::Output {
    std::process::Command::new(env!("CARGO_BIN_EXE_gradmod"))
        .args(args)
        .current_dir(dir)
        .output()
        .unwrap()
}

/// The traces.csv of a run, as text.
fn run_traces(dir: &Path, args: &[&str], out: &str) -> String {
    let mut all = vec!["run", "model.toml", "--out", out, "--no-plot"];
    all.extend_from_slice(args);
    let o = gradmod(dir, &all);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    std::fs::read_to_string(dir.join(out).join("traces.csv")).unwrap()
}

/// `[simulation] seed` seeds the streams of a model's mechanisms, and `--set seed=` overrides it
/// like editing the file.
#[test]
fn the_model_seed_and_set_seed_choose_the_streams() {
    let dir = std::env::temp_dir().join(format!("gradmod-seed-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let mods = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/random_mechanisms");
    let model = |seed: u64| {
        format!(
            "[simulation]\ntstop = 20.0\ndt = 0.025\nseed = {seed}\n\n\
             [mechanisms]\npaths = [{:?}]\n\n\
             [[section]]\nname = \"soma\"\nlength = 20.0\ndiameter = 20.0\n\n\
             [[mechanism]]\nname = \"pas\"\n\n\
             [[point_process]]\nname = \"ou_current\"\nat = \"soma(0.5)\"\nlabel = \"ou\"\n\
             parameters = {{ sigma = 0.2 }}\n\n\
             [[probe]]\nname = \"v\"\nat = \"soma(0.5)\"\n",
            mods.to_str().unwrap()
        )
    };
    std::fs::write(dir.join("model.toml"), model(1)).unwrap();
    let one = run_traces(&dir, &[], "one");
    assert_eq!(one, run_traces(&dir, &[], "again"));
    let two = run_traces(&dir, &["--set", "seed=2"], "two");
    assert_ne!(one, two);
    std::fs::write(dir.join("model.toml"), model(2)).unwrap();
    assert_eq!(two, run_traces(&dir, &[], "edited"));
    let bad = gradmod(
        &dir,
        &["run", "model.toml", "--set", "seed=-1", "--no-plot"],
    );
    assert!(!bad.status.success());
    assert!(String::from_utf8_lossy(&bad.stderr).contains("seed"));
}

/// LoopDraws (tests/random_mechanisms/loopdraws.mod) at a soma, sent `events` events 0.05 ms
/// apart; returns its fields after the run: the 64 uniforms of INITIAL's FROM loop, their sum and
/// sum of squares, the sum over the nested loops, and the counts of the while loop's draws.
fn loop_draws(mech: Box<dyn Mechanism>, events: usize) -> (Vec<f64>, [f64; 5]) {
    let mut m = Morphology::new();
    m.add_cylinder("soma", 1, 20.0, 20.0, None, 1).unwrap();
    let settings = Settings {
        seed: 11,
        ..Settings::default()
    };
    let mut cell = Cell::new(m, settings).unwrap();
    let id = cell.place(mech, &[("soma", 0.5)]).unwrap();
    let nc = cell.connect(id, 0, 1.0).unwrap();
    for e in 0..events {
        cell.deliver(0.05 * (e + 1) as f64, nc).unwrap();
    }
    cell.run(0.05 * (events + 1) as f64, None).unwrap();
    let u = (0..64)
        .map(|k| cell.field(id, &format!("u[{k}]")).unwrap()[0])
        .collect();
    let f = |name: &str| cell.field(id, name).unwrap()[0];
    (
        u,
        [f("sum"), f("sumsq"), f("nested"), f("tries"), f("events")],
    )
}

/// A draw in a loop takes a number of its own in each iteration (a FROM loop of run-time bounds,
/// two nested loops, and a while loop that draws until a uniform falls below p), the same on the
/// generated Rust, the JIT and the evaluator; the numbers have the statistics of independent
/// uniforms (means within 5 standard errors).
#[test]
fn draws_in_loops_are_new_in_every_iteration() {
    let events = 2000;
    let (u, [sum, sumsq, nested, tries, n]) = loop_draws(build_time("LoopDraws"), events);
    assert_eq!(n, events as f64);
    let mut sorted = u.clone();
    sorted.sort_by(f64::total_cmp);
    assert!(
        sorted.windows(2).all(|w| w[0] < w[1]),
        "two iterations drew the same number: {u:?}"
    );
    assert!(u.iter().all(|&x| (0.0..1.0).contains(&x)));
    assert_eq!(sum, u.iter().sum::<f64>());
    assert_eq!(sumsq, u.iter().map(|x| x * x).sum::<f64>());
    // The mean of n uniforms is 1/2 with standard error sqrt(1/12/n).
    for (total, count) in [(sum, 64.0f64), (nested, 64.0)] {
        let se = (1.0 / 12.0 / count).sqrt();
        let mean = total / count;
        println!("mean of {count} loop draws {mean:.4} (standard error {se:.4})");
        assert!((mean - 0.5).abs() < 5.0 * se, "mean {mean}");
    }
    // Draws until one falls below p = 1/4: geometric, mean 4, variance 12, per event.
    let mean = tries / n;
    let se = (12.0 / n).sqrt();
    println!("draws per event {mean:.4} (standard error {se:.4})");
    assert!((mean - 4.0).abs() < 5.0 * se, "draws per event {mean}");
    let want: Vec<u64> = u
        .iter()
        .chain(&[sum, nested, tries])
        .map(|x| x.to_bits())
        .collect();
    for choice in [EngineChoice::Evaluator, EngineChoice::Jit] {
        let (u, [sum, _, nested, tries, _]) =
            loop_draws(run_time(choice).make("LoopDraws").unwrap(), events);
        let got: Vec<u64> = u
            .iter()
            .chain(&[sum, nested, tries])
            .map(|x| x.to_bits())
            .collect();
        assert!(got == want, "{choice:?} draws other numbers");
    }
}
