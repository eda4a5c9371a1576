//! The run-time path (mechanisms compiled from .mod files when the model runs) on both of
//! `gradmod-vm`'s engines, the array evaluator and the Cranelift JIT, side by side with the
//! build-time path (the same files compiled to Rust by the build script), in one interleaved run:
//! the time to compile the inferior-olive cell's ten channel files at run time for each engine,
//! and the speed of the three paths on model B(1000) with hh and on the IO cell (C4A, one CV per
//! section, its ten channel mechanisms), forward and with K = 3 tangents (and K = 12 on the IO cell:
//! the twelve conductances of the fitting example). Times are thread CPU
//! time (read with `clock_gettime(CLOCK_THREAD_CPUTIME_ID)`: other load on the machine distorts
//! them less than wall time), best of the rounds, the order of the paths rotating from round to
//! round; the ratio is a run-time engine's speed over the build-time path's.
//!
//! Run with `cargo bench --bench vm` (`-- rounds=N`, default 5).

use std::path::Path;

use gradmod::fit;
use gradmod::library::{Catalogue as Source, Library};
use gradmod_runtime::{Cell, ParamSpec, Region};
use gradmod_testkit::models::model_b_with as model_b;
use gradmod_vm::{Catalogue, Engine, EngineChoice};

/// The IO cell's channel files.
const IO_FILES: [&str; 10] = [
    "io_leak", "io_cal", "io_na_s", "io_kdr", "io_k", "io_cah", "io_cad", "io_kca", "io_h",
    "io_na_a",
];

/// The CPU time this thread takes to run `f` (s), by `clock_gettime(CLOCK_THREAD_CPUTIME_ID)`,
/// which counts to the nanosecond (/proc/thread-self/schedstat is updated at scheduler ticks
/// only).
fn cpu_seconds(f: impl FnOnce()) -> f64 {
    let now = || {
        let mut ts = libc::timespec {
            tv_sec: 0,
            tv_nsec: 0,
        };
        // SAFETY: a clock id the kernel knows and a pointer to a live timespec.
        let rc = unsafe { libc::clock_gettime(libc::CLOCK_THREAD_CPUTIME_ID, &mut ts) };
        assert_eq!(rc, 0, "clock_gettime(CLOCK_THREAD_CPUTIME_ID)");
        ts.tv_sec as f64 + ts.tv_nsec as f64 * 1e-9
    };
    let t0 = now();
    f();
    now() - t0
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
    if k == 12 {
        // The twelve conductances of the fitting example, each in its region.
        for (_, m, p, tags, _) in fit::IO_REFERENCE {
            let spec = ParamSpec::mechanism(m, p).in_region(Region::Tag(tags[0]));
            cell.add_parameter(spec.log_scaled()).unwrap();
        }
        return cell;
    }
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

/// The library of the IO cell's channels and hh compiled at run time for `engine`.
fn run_time(paths: &[std::path::PathBuf], engine: EngineChoice) -> Library {
    let loaded = std::sync::Arc::new(Catalogue::load_with(paths, engine).unwrap());
    let names: Vec<&str> = loaded.names().collect();
    Library::new().with_catalogue(Source::new("run time", move |n| loaded.make(n), names))
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
    let built = Library::builtin();
    let evaluator = run_time(&paths, EngineChoice::Evaluator);
    let jit = run_time(&paths, EngineChoice::Jit);
    let check = Catalogue::load_with(&paths, EngineChoice::Jit).unwrap();
    assert!(check.mechanisms().iter().all(|m| m.engine() == Engine::Jit));
    // Every mechanism the rows use must be the right one.
    for library in [&evaluator, &jit] {
        assert!(built.make("hh").unwrap().info() == library.make("hh").unwrap().info());
    }
    let paths_of: [(&str, &Library); 3] = [
        ("build time", &built),
        ("evaluator", &evaluator),
        ("JIT", &jit),
    ];

    type Row<'a> = (&'a str, &'a dyn Fn(&Library) -> Cell, usize);
    let rows: [Row; 5] = [
        ("B(1000) hh, forward", &|m| b1000(m, 0), 2000),
        ("B(1000) hh, K = 3", &|m| b1000(m, 3), 2000),
        ("IO cell (C4A), forward", &|m| io_cell(m, 0), 20000),
        ("IO cell (C4A), K = 3", &|m| io_cell(m, 3), 20000),
        ("IO cell (C4A), K = 12", &|m| io_cell(m, 12), 20000),
    ];
    // `profile=I[:PATH[:STEPS]]` runs only row I, on the build-time path (`build`), the
    // evaluator (`evaluator`) or the JIT (`jit`, the default), for STEPS steps (ten times the
    // row's by default): for a profiler, or for `valgrind --tool=callgrind`, whose instruction
    // counts do not depend on the machine's load.
    if let Some(arg) = std::env::args().find_map(|a| a.strip_prefix("profile=").map(String::from)) {
        let mut parts = arg.split(':');
        let i: usize = parts
            .next()
            .and_then(|i| i.parse().ok())
            .expect("profile=ROW[:build|evaluator|jit[:STEPS]]");
        let path = parts.next().unwrap_or("jit");
        let (label, make, steps) = rows[i];
        let steps = parts
            .next()
            .map_or(steps * 10, |n| n.parse().expect("STEPS"));
        let library = match path {
            "build" => &built,
            "evaluator" => &evaluator,
            "jit" => &jit,
            other => panic!("profile: no path `{other}` (build, evaluator or jit)"),
        };
        println!("{label} ({path}): {:.3} s", run(make(library), steps));
        return;
    }
    // Compile times: every file anew, to register code (what the evaluator runs), and to
    // register code and native code (what the JIT runs).
    let compile_for = |engine| {
        cpu_seconds(|| {
            let mut c = Catalogue::new().with_engine(engine).uncached();
            c.add_paths(&io_paths).unwrap();
        })
    };
    let mut compile = [f64::INFINITY; 2];
    let mut best = vec![[f64::INFINITY; 3]; rows.len()];
    for round in 0..rounds {
        compile[0] = compile[0].min(compile_for(EngineChoice::Evaluator));
        compile[1] = compile[1].min(compile_for(EngineChoice::Jit));
        for (i, (_, make, steps)) in rows.iter().enumerate() {
            for e in 0..3 {
                let e = (e + round) % 3;
                let t = run(make(paths_of[e].1), *steps);
                best[i][e] = best[i][e].min(t);
            }
        }
        eprintln!("round {} of {rounds} done", round + 1);
    }
    println!("best of {rounds} interleaved rounds, thread CPU time");
    println!(
        "  compiling the IO cell's {} channel files at run time: {:.1} ms to register code \
         (the evaluator), {:.1} ms to native code (the JIT)",
        IO_FILES.len(),
        compile[0] * 1e3,
        compile[1] * 1e3
    );
    println!(
        "  {:<24} {:>11} {:>11} {:>11} {:>10} {:>10}",
        "model", "build time", "evaluator", "JIT", "eval/build", "JIT/build"
    );
    for ((label, _, steps), [b, v, j]) in rows.iter().zip(&best) {
        println!(
            "  {label:<24} {b:>9.3} s {v:>9.3} s {j:>9.3} s {:>9.2}x {:>9.2}x  ({steps} steps)",
            b / v,
            b / j
        );
    }
}
