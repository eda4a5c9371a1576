//! The run-time path (mechanisms compiled from .mod files when the model runs, executed by
//! `gradmod-vm`'s array evaluator) side by side with the build-time path (the same files compiled
//! to Rust by the build script), in one interleaved run: the time to compile the inferior-olive
//! cell's channels at run time, and the speed of both paths on model B(1000) with hh and on the
//! IO cell (C4A, one CV per section, its ten channel mechanisms), forward and with K = 3
//! tangents. Times are thread CPU time (other load on the machine distorts them less than wall
//! time), best of the rounds; the ratio is run-time speed over build-time speed.
//!
//! Run with `cargo bench --bench vm` (`-- rounds=N`, default 5).

use std::path::Path;

use gradmod::fit;
use gradmod::library::{Catalogue as Source, Library};
use gradmod_runtime::{Cell, ParamSpec};
use gradmod_testkit::models::model_b_with as model_b;
use gradmod_vm::Catalogue;

/// The IO cell's channel files.
const IO_FILES: [&str; 10] = [
    "io_leak", "io_cal", "io_na_s", "io_kdr", "io_k", "io_cah", "io_cad", "io_kca", "io_h",
    "io_na_a",
];

/// CPU time of this thread (s), or wall time where the system does not report it.
fn cpu_seconds(f: impl FnOnce()) -> f64 {
    let read = || -> Option<u64> {
        let text = std::fs::read_to_string("/proc/thread-self/schedstat").ok()?;
        text.split_whitespace().next()?.parse().ok()
    };
    let (c0, w0) = (read(), std::time::Instant::now());
    f();
    match (c0, read()) {
        (Some(a), Some(b)) => (b - a) as f64 * 1e-9,
        _ => w0.elapsed().as_secs_f64(),
    }
}

/// The seconds `steps` steps of `cell` take (after its initialisation).
fn run(mut cell: Cell, steps: usize) -> f64 {
    cell.init().unwrap();
    cpu_seconds(|| {
        for _ in 0..steps {
            cell.step().unwrap();
        }
    })
}

fn io_cell(library: &Library, k: usize) -> Cell {
    let swc = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/reference/data/C4A.swc"),
    )
    .unwrap();
    let mut cell = fit::io_cell(library, &swc, fit::Cvs::PerSection, 0.025, &[1.0; 12]).unwrap();
    let params = [("io_cal", "gbar"), ("io_na_s", "gbar"), ("io_kdr", "gbar")];
    for &(m, p) in &params[..k] {
        cell.add_parameter(ParamSpec::mechanism(m, p)).unwrap();
    }
    cell
}

fn b1000(library: &Library, k: usize) -> Cell {
    let mut cell = model_b(1000, library.make("hh").unwrap());
    for p in &["gnabar", "gkbar", "gl"][..k] {
        cell.add_parameter(ParamSpec::mechanism("hh", p)).unwrap();
    }
    cell
}

fn main() {
    let rounds: usize = std::env::args()
        .find_map(|a| {
            a.strip_prefix("rounds=")
                .map(|n| n.parse().expect("rounds=N"))
        })
        .unwrap_or(5);
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let io_paths: Vec<_> = IO_FILES
        .iter()
        .map(|f| root.join(format!("mod_files/{f}.mod")))
        .collect();
    let mut paths = io_paths.clone();
    paths.push(root.join("mod_files/hh.mod"));
    let loaded = std::sync::Arc::new(Catalogue::load(&paths).unwrap());
    let names: Vec<&str> = loaded.names().collect();
    let vm = Library::new().with_catalogue(Source::new("run time", move |n| loaded.make(n), names));
    let built = Library::builtin();
    // Every mechanism the rows use must be the right one.
    assert!(built.make("hh").unwrap().info() == vm.make("hh").unwrap().info());

    type Row<'a> = (&'a str, &'a dyn Fn(&Library) -> Cell, usize);
    let rows: [Row; 4] = [
        ("B(1000) hh, forward", &|m| b1000(m, 0), 2000),
        ("B(1000) hh, K = 3", &|m| b1000(m, 3), 2000),
        ("IO cell (C4A), forward", &|m| io_cell(m, 0), 20000),
        ("IO cell (C4A), K = 3", &|m| io_cell(m, 3), 20000),
    ];
    // `profile=I[:PATH[:STEPS]]` runs only row I, on the run-time path (`vm`, the default) or
    // the build-time path (`build`), for STEPS steps (ten times the row's by default): for a
    // profiler, or for `valgrind --tool=callgrind`, whose instruction counts do not depend on
    // the machine's load.
    if let Some(arg) = std::env::args().find_map(|a| a.strip_prefix("profile=").map(String::from)) {
        let mut parts = arg.split(':');
        let i: usize = parts
            .next()
            .and_then(|i| i.parse().ok())
            .expect("profile=ROW[:build|vm[:STEPS]]");
        let path = parts.next().unwrap_or("vm");
        let (label, make, steps) = rows[i];
        let steps = parts
            .next()
            .map_or(steps * 10, |n| n.parse().expect("STEPS"));
        let library = if path == "build" { &built } else { &vm };
        println!("{label} ({path}): {:.3} s", run(make(library), steps));
        return;
    }
    let mut compile = f64::INFINITY;
    let mut best = vec![(f64::INFINITY, f64::INFINITY); rows.len()];
    for round in 0..rounds {
        compile = compile.min(cpu_seconds(|| {
            Catalogue::load(&io_paths).unwrap();
        }));
        for (i, (_, make, steps)) in rows.iter().enumerate() {
            let b = run(make(&built), *steps);
            let v = run(make(&vm), *steps);
            best[i] = (best[i].0.min(b), best[i].1.min(v));
        }
        eprintln!("round {} of {rounds} done", round + 1);
    }
    println!("best of {rounds} interleaved rounds, thread CPU time");
    println!(
        "  compiling the IO cell's {} channel files at run time: {:.3} s",
        IO_FILES.len(),
        compile
    );
    println!(
        "  {:<26} {:>12} {:>12} {:>18}",
        "model", "build time", "run time", "run-time speed"
    );
    for ((label, _, steps), (b, v)) in rows.iter().zip(&best) {
        println!(
            "  {label:<26} {:>10.3} s {:>10.3} s {:>13.2}x ({steps} steps)",
            b,
            v,
            b / v
        );
    }
}
