//! Helpers shared by the pass tests: the .mod files the tests can see, a deterministic random
//! generator, and random operating points.

use std::path::{Path, PathBuf};

use gradmod_compiler::driver::load_source;
use gradmod_compiler::interp::Machine;
use gradmod_compiler::ir::SolveMethod;
use gradmod_compiler::ir::{
    BlockId, Builtin, IonRole, Module, StmtKind, VarId, VarKind, assigned_vars,
};

pub fn collect(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for e in entries.flatten() {
        let p = e.path();
        if p.is_dir() {
            collect(&p, out);
        } else if p.extension().is_some_and(|x| x == "mod") {
            out.push(p);
        }
    }
}

/// Every module the tests can see (the built-in library, the extra parse fixtures and the corpus
/// of published files when it has been fetched), by file name, with whether each comes from the
/// corpus.
pub fn sourced_modules() -> Vec<(String, bool, Module)> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let mut files = Vec::new();
    for dir in [
        "mod_files",
        "compiler/tests/parse_extra",
        "tests/corpus/files",
    ] {
        collect(&root.join(dir), &mut files);
    }
    files.sort();
    let corpus = corpus_dir();
    files
        .into_iter()
        .filter_map(|p| {
            let text = String::from_utf8_lossy(&std::fs::read(&p).ok()?).into_owned();
            let m = load_source(&p.display().to_string(), &text).module?;
            let in_corpus = p.parent() == Some(corpus.as_path());
            Some((p.file_name()?.to_string_lossy().into_owned(), in_corpus, m))
        })
        .collect()
}

/// Runs `check` on every module the tests can see (`sourced_modules`), catching panics. `check`
/// returns what it checked, or None when the module is not for this test.
///
/// A panic for one of the project's files fails the test. A panic for a corpus file must be
/// listed under `test` in `tests/corpus/known_failures.tsv` (a known failure, with its reason);
/// a listed file that no longer panics fails the test too, so that the list stays true. A corpus
/// file listed under `*` with a reason that starts with `slow:` is not checked at all (the
/// passes take minutes on it), and the test says so.
pub fn check_modules<T>(test: &str, mut check: impl FnMut(&str, &Module) -> Option<T>) -> Vec<T> {
    let known = known_failures(test);
    let slow = known_failures("*");
    let mut done = Vec::new();
    let mut unexpected = Vec::new();
    let mut failed_as_known = Vec::new();
    let mut skipped = Vec::new();
    let mut seen = std::collections::BTreeSet::new();
    for (name, in_corpus, m) in sourced_modules() {
        if in_corpus {
            seen.insert(name.clone());
            if slow.get(&name).is_some_and(|r| r.starts_with("slow:")) {
                skipped.push(name);
                continue;
            }
        }
        let start = std::time::Instant::now();
        let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| check(&name, &m)));
        let seconds = start.elapsed().as_secs_f64();
        if seconds > 10.0 {
            eprintln!("{test}: {name} took {seconds:.0} s");
        }
        match result {
            Ok(r) => {
                if in_corpus && known.contains_key(&name) {
                    unexpected.push(format!(
                        "{name}: listed as a known failure of {test}, but it passes now; \
                         take it off tests/corpus/known_failures.tsv"
                    ));
                }
                done.extend(r);
            }
            Err(payload) => {
                let message = payload
                    .downcast_ref::<String>()
                    .cloned()
                    .or_else(|| payload.downcast_ref::<&str>().map(|s| s.to_string()))
                    .unwrap_or_else(|| "a panic".into());
                let first = message.lines().next().unwrap_or("").to_string();
                if in_corpus && known.contains_key(&name) {
                    failed_as_known.push(name.clone());
                } else {
                    unexpected.push(format!("{name}: {first}"));
                }
            }
        }
    }
    if !failed_as_known.is_empty() {
        eprintln!(
            "{test}: {} known failures of corpus files (tests/corpus/known_failures.tsv): {}",
            failed_as_known.len(),
            failed_as_known.join(", ")
        );
    }
    if !skipped.is_empty() {
        eprintln!(
            "{test}: {} slow corpus files not checked (tests/corpus/known_failures.tsv): {}",
            skipped.len(),
            skipped.join(", ")
        );
    }
    let absent = known.keys().filter(|k| !seen.contains(*k)).count();
    if absent > 0 {
        eprintln!("{test}: {absent} listed known failures are not in tests/corpus/files");
    }
    assert!(
        unexpected.is_empty(),
        "{test}: {} unexpected results:\n{}\n(A corpus file that fails for a known reason \
         belongs in tests/corpus/known_failures.tsv, with the reason.)",
        unexpected.len(),
        unexpected.join("\n")
    );
    done
}

/// The corpus files listed under `test` in `tests/corpus/known_failures.tsv`, with the reasons.
pub fn known_failures(test: &str) -> std::collections::BTreeMap<String, String> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/corpus/known_failures.tsv");
    let Ok(text) = std::fs::read_to_string(&path) else {
        return Default::default();
    };
    text.lines()
        .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
        .filter_map(|l| {
            let mut cols = l.splitn(3, '\t');
            let (t, file, reason) = (cols.next()?, cols.next()?, cols.next().unwrap_or(""));
            (t == test).then(|| (file.to_string(), reason.to_string()))
        })
        .collect()
}

/// The folder of the corpus of published .mod files, fetched by `tests/corpus/fetch.sh`.
pub fn corpus_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/corpus/files")
}

/// The `.mod` files of the fetched corpus, sorted; empty when it has not been fetched.
pub fn corpus_files() -> Vec<PathBuf> {
    let Ok(entries) = std::fs::read_dir(corpus_dir()) else {
        return Vec::new();
    };
    let mut files: Vec<PathBuf> = entries
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "mod"))
        .collect();
    files.sort();
    files
}

/// What `tests/corpus/expected.tsv` records for one corpus file.
#[derive(Clone, Debug, PartialEq)]
pub enum Recorded {
    Accepted,
    /// Rejected, with the message of the first error.
    Rejected(String),
    /// `gradmod check` did not finish in the time classify.py gives it (a slow file, which the
    /// tests do not check).
    TimedOut,
}

/// The record of `tests/corpus/expected.tsv` (written by `tests/corpus/classify.py`): file
/// name to verdict.
pub fn corpus_record() -> std::collections::BTreeMap<String, Recorded> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/corpus/expected.tsv");
    let text = std::fs::read_to_string(&path).expect("tests/corpus/expected.tsv is readable");
    let mut record = std::collections::BTreeMap::new();
    for line in text
        .lines()
        .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
    {
        let mut cols = line.splitn(3, '\t');
        let (file, verdict, first) = (cols.next(), cols.next(), cols.next().unwrap_or(""));
        let verdict = match verdict {
            Some("accepted") => Recorded::Accepted,
            Some("rejected") => Recorded::Rejected(first.to_string()),
            Some("timeout") => Recorded::TimedOut,
            _ => panic!("tests/corpus/expected.tsv: malformed line {line:?}"),
        };
        record.insert(file.unwrap().to_string(), verdict);
    }
    record
}

/// What to do when the corpus results differ from the record.
pub const RERECORD: &str = "If the change is intended, record it: `cargo build` and then \
`python3 tests/corpus/classify.py --gradmod target/debug/gradmod --write` (which also \
rewrites the tables of tests/corpus/README.md).";

/// Whether `m` (after the passes) holds Newton's method in loops that stop as NEURON's `sparse`
/// does (docs/DESIGN.md, "Newton's method kept as a loop").
pub fn stops_as_sparse(m: &Module) -> bool {
    m.vars.iter().any(|v| v.name.starts_with("newton_err"))
}

/// The SOLVE statements of BREAKPOINT.
pub fn breakpoint_solves(m: &Module) -> Vec<(BlockId, SolveMethod)> {
    let mut out = Vec::new();
    if let Some(b) = m.breakpoint {
        for s in &m.block(b).body {
            s.for_each_stmt(&mut |s| {
                if let StmtKind::Solve { block, method } = s.kind {
                    out.push((block, method));
                }
            });
        }
    }
    out
}

/// A small deterministic generator (xorshift), so that failures reproduce.
pub struct Rng(pub u64);

impl Rng {
    pub fn uniform(&mut self, lo: f64, hi: f64) -> f64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        lo + (hi - lo) * ((self.0 >> 11) as f64 / (1u64 << 53) as f64)
    }
}

/// Sets an operating point: v, states, concentrations and the builtins, and the values a
/// user sets (see [`user_set`]).
pub fn operating_point(m: &Module, mach: &mut Machine, rng: &mut Rng) {
    // Drawn from a generator of their own, so that the other draws stay those of a module
    // without such values.
    let mut own = Rng(rng.0 ^ 0x2545_F491_4F6C_DD1D);
    let set_by_user = user_set(m);
    for id in m.var_ids() {
        if set_by_user.contains(&id) {
            mach.values[id.index()] = own.uniform(0.5, 1.5);
            continue;
        }
        let x = match m.var(id).kind {
            VarKind::Builtin(Builtin::V) => rng.uniform(-100.0, 50.0),
            VarKind::Builtin(Builtin::Dt) => 0.025,
            VarKind::Builtin(Builtin::T) => rng.uniform(0.0, 100.0),
            VarKind::Builtin(Builtin::Celsius) => rng.uniform(6.3, 37.0),
            VarKind::Builtin(Builtin::Area) => 100.0,
            VarKind::Builtin(Builtin::Diam) => 1.0,
            VarKind::State => rng.uniform(0.05, 0.95),
            VarKind::Ion {
                role: IonRole::ConcIn,
                ..
            } => rng.uniform(1e-5, 1e-3),
            VarKind::Ion {
                role: IonRole::ConcOut,
                ..
            } => rng.uniform(1.0, 3.0),
            VarKind::Ion {
                role: IonRole::Reversal,
                ..
            } => rng.uniform(-90.0, 60.0),
            VarKind::Ion {
                role: IonRole::Current,
                ..
            } => rng.uniform(-0.01, 0.01),
            _ => continue,
        };
        mach.values[id.index()] = x;
    }
}

/// The variables a model's user sets rather than the file: PARAMETERs declared without a
/// value, and ASSIGNED variables that no block assigns (nrv's `caextscale` reads `L` and `nseg`,
/// set from Python). NEURON starts both at 0, where such a file divides by zero (snudda's
/// `tmglut_double` by its time constants `tau1_ampa`, which snudda sets per synapse).
pub fn user_set(m: &Module) -> std::collections::BTreeSet<VarId> {
    let mut assigned = std::collections::BTreeSet::new();
    for b in &m.blocks {
        assigned.extend(assigned_vars(&b.body));
    }
    m.var_ids()
        .filter(|&v| match m.var(v).kind {
            VarKind::Parameter => m.var(v).value.is_none(),
            VarKind::Assigned => !assigned.contains(&v),
            _ => false,
        })
        .collect()
}
