//! Throughput of the generated mechanisms (the built-in catalogue) on model B(1000) and on model
//! C (C4A, one CV per SWC segment), forward only and with K = 1, 3 and 12 tangent columns, beside
//! the runtime's hand-written hh on B(1000). Prints CV-steps per second of thread CPU time, so
//! that other load on the machine does not distort the figures, and the ratio to forward.
//!
//! Run with `cargo bench --bench generated`; `cargo bench --bench generated -- forward` runs
//! the forward simulations only (for a profiler). `cargo bench --bench generated -- json
//! [repeats=N]` runs the forward simulations over 100 ms (4000 steps) for every model, best of N
//! (default 3), and prints one JSON object per model (for `tests/reference/bench_side_by_side.py`).

use gradmod_runtime::mechanism::Mechanism;
use gradmod_runtime::{Cell, ParamSpec, Region, SectionId, Settings, read_swc};
use gradmod_testkit::hh;
use gradmod_testkit::models::model_b_with as model_b;

/// A new mechanism of the built-in catalogue.
fn generated(name: &str) -> Box<dyn Mechanism> {
    gradmod::catalogue::by_name(name).unwrap_or_else(|| panic!("no generated mechanism `{name}`"))
}

/// Tangent columns: the parameters of `mech`, repeated until there are `k` (each repeat is still
/// a full column of work).
fn add_params(cell: &mut Cell, mech: &str, params: &[&str], k: usize) {
    for j in 0..k {
        cell.add_parameter(ParamSpec::mechanism(mech, params[j % params.len()]))
            .unwrap();
    }
}

/// The `sentinel` mode: B(1000) with the generated hh, forward and with K = 3 and 12 tangent
/// columns, with the numerical sentinel off, at its default interval and after every step;
/// interleaved rounds, best of five, as the cost relative to the sentinel off.
fn sentinel_cost(hh_params: &[&str]) {
    let settings = [
        ("off", 0),
        ("default", gradmod_runtime::sentinel::DEFAULT_CHECK_EVERY),
        ("every step", 1),
    ];
    println!("B(1000) generated hh, 2000 steps: CV-steps per CPU second, best of 5 rounds");
    for k in [0, 3, 12] {
        let mut best = [0.0f64; 3];
        for _ in 0..5 {
            for (i, &(_, every)) in settings.iter().enumerate() {
                let mut cell = model_b(1000, generated("hh"));
                add_params(&mut cell, "hh", hh_params, k);
                cell.set_finite_check(every);
                best[i] = best[i].max(throughput(cell, 2000));
            }
        }
        let mut line = format!("  K={k:<2}");
        for (i, (name, _)) in settings.iter().enumerate() {
            line += &format!(
                "  {name} {:.3e} ({:+.2}%)",
                best[i],
                100.0 * (best[0] / best[i] - 1.0)
            );
        }
        println!("{line}");
    }
}

/// CPU time of this thread (ns), where the system reports it.
fn thread_cpu_ns() -> Option<u64> {
    let text = std::fs::read_to_string("/proc/thread-self/schedstat").ok()?;
    text.split_whitespace().next()?.parse().ok()
}

/// CV-steps per CPU-second over `steps` steps (wall time where CPU time is unavailable).
fn throughput(mut cell: Cell, steps: usize) -> f64 {
    cell.init().unwrap();
    let ncv = cell.layout().area.len();
    let (c0, w0) = (thread_cpu_ns(), std::time::Instant::now());
    for _ in 0..steps {
        cell.step().unwrap();
    }
    let secs = match (c0, thread_cpu_ns()) {
        (Some(a), Some(b)) => (b - a) as f64 * 1e-9,
        _ => w0.elapsed().as_secs_f64(),
    };
    (ncv * steps) as f64 / secs
}

/// One forward run of `steps` steps, for the `json` mode: thread CPU seconds (None where the
/// system does not report it), wall seconds, and the least and largest membrane potential seen at
/// CV `probe`.
fn timed_run(mut cell: Cell, steps: usize, probe: usize) -> (Option<f64>, f64, (f64, f64)) {
    cell.init().unwrap();
    let mut vmin = cell.v()[probe];
    let mut vmax = vmin;
    let (c0, w0) = (thread_cpu_ns(), std::time::Instant::now());
    for _ in 0..steps {
        cell.step().unwrap();
        vmin = vmin.min(cell.v()[probe]);
        vmax = vmax.max(cell.v()[probe]);
    }
    let wall = w0.elapsed().as_secs_f64();
    let cpu = match (c0, thread_cpu_ns()) {
        (Some(a), Some(b)) => Some((b - a) as f64 * 1e-9),
        _ => None,
    };
    (cpu, wall, (vmin, vmax))
}

/// A model of the `json` mode: key, label, constructor, probe (section, x).
type JsonRow<'a> = (&'a str, &'a str, &'a dyn Fn() -> Cell, (&'a str, f64));

/// The `json` mode: forward only, 4000 steps (100 ms) for every model, best of `repeats`; one
/// JSON object per line.
fn json_rows(repeats: usize) {
    const STEPS: usize = 4000;
    let rows: [JsonRow; 4] = [
        (
            "B1000_hh",
            "B(1000) generated hh",
            &|| model_b(1000, generated("hh")),
            ("cable", 0.9995),
        ),
        (
            "B1000_hh_hand",
            "B(1000) hand-written hh",
            &|| model_b(1000, Box::new(hh::Hh::new())),
            ("cable", 0.9995),
        ),
        (
            "C_hh",
            "C (C4A) generated hh",
            &|| c4a(generated("hh")),
            ("soma[0]", 0.5),
        ),
        (
            "C_pas",
            "C (C4A) generated pas",
            &|| c4a(generated("pas")),
            ("soma[0]", 0.5),
        ),
    ];
    for (key, label, make, (sec, x)) in rows {
        let cell = make();
        let cvs = cell.cv_count();
        let probe = cell.cv_at(sec, x).unwrap();
        let (mut cpu, mut wall, mut vrange) = (f64::INFINITY, f64::INFINITY, (f64::NAN, f64::NAN));
        let mut cpu_measured = true;
        for _ in 0..repeats.max(1) {
            let (c, w, v) = timed_run(make(), STEPS, probe);
            cpu_measured &= c.is_some();
            cpu = cpu.min(c.unwrap_or(w));
            wall = wall.min(w);
            vrange = v;
        }
        println!(
            "{{\"key\": \"{key}\", \"label\": \"{label}\", \"cvs\": {cvs}, \"steps\": {STEPS}, \
             \"repeats\": {}, \"cpu_s\": {cpu:e}, \"cpu_measured\": {cpu_measured}, \"wall_s\": {wall:e}, \
             \"cv_steps_per_s\": {:e}, \"min_v_probe_mV\": {}, \"max_v_probe_mV\": {}}}",
            repeats.max(1),
            (cvs * STEPS) as f64 / cpu,
            vrange.0,
            vrange.1,
        );
    }
}

fn c4a(mech: Box<dyn Mechanism>) -> Cell {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/reference/data/C4A.swc");
    let mut m = read_swc(&std::fs::read_to_string(path).unwrap()).unwrap();
    for i in 0..m.sections().len() {
        let n = m.sections()[i].points.len() - 1;
        m.section_mut(SectionId(i)).nseg = n;
    }
    let mut cell = Cell::new(m, Settings::default()).unwrap();
    cell.insert(mech, &Region::All).unwrap();
    cell.add_iclamp("soma[0]", 0.5, 10.0, 50.0, 0.2).unwrap();
    cell
}

fn main() {
    let hh_params = ["gnabar", "gkbar", "gl", "el"];
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.iter().any(|a| a == "json") {
        let repeats = args
            .iter()
            .find_map(|a| a.strip_prefix("repeats="))
            .map_or(3, |n| n.parse().expect("repeats=N"));
        json_rows(repeats);
        return;
    }
    if args.iter().any(|a| a == "sentinel") {
        sentinel_cost(&hh_params);
        return;
    }
    let forward_only = args.iter().any(|a| a == "forward");
    println!("CV-steps per second of thread CPU time (ratio to forward):");
    let row = |label: &str, make: &dyn Fn(usize) -> Cell, steps: usize| {
        let forward = throughput(make(0), steps);
        let mut line = format!("  {label:<34} forward {forward:.2e}");
        let ks: &[usize] = if forward_only { &[] } else { &[1, 3, 12] };
        for &k in ks {
            let with = throughput(make(k), steps);
            line += &format!("  K={k} {with:.2e} ({:.2}x)", forward / with);
        }
        println!("{line}");
    };
    row(
        "B(1000) generated hh",
        &|k| {
            let mut cell = model_b(1000, generated("hh"));
            add_params(&mut cell, "hh", &hh_params, k);
            cell
        },
        2000,
    );
    row(
        "B(1000) hand-written hh",
        &|k| {
            let mut cell = model_b(1000, Box::new(hh::Hh::new()));
            add_params(&mut cell, "hh", &hh_params, k);
            cell
        },
        2000,
    );
    row(
        "C (C4A) generated hh",
        &|k| {
            let mut cell = c4a(generated("hh"));
            add_params(&mut cell, "hh", &hh_params, k);
            cell
        },
        1000,
    );
    row(
        "C (C4A) generated pas",
        &|k| {
            let mut cell = c4a(generated("pas"));
            add_params(&mut cell, "pas", &["g", "e"], k);
            cell
        },
        1000,
    );
}
