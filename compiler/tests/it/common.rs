//! Helpers shared by the pass tests: the .mod files the tests can see, a deterministic random
//! generator, and random operating points.

use std::path::{Path, PathBuf};

use gradmod_compiler::driver::load_source;
use gradmod_compiler::interp::Machine;
use gradmod_compiler::ir::SolveMethod;
use gradmod_compiler::ir::{BlockId, Builtin, IonRole, Module, StmtKind, VarKind};

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

pub fn modules() -> Vec<(String, Module)> {
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
    files
        .into_iter()
        .filter_map(|p| {
            let text = std::fs::read_to_string(&p).ok()?;
            let m = load_source(&p.display().to_string(), &text).module?;
            Some((p.file_name()?.to_string_lossy().into_owned(), m))
        })
        .collect()
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

/// Sets an operating point: v, states, concentrations and the builtins.
pub fn operating_point(m: &Module, mach: &mut Machine, rng: &mut Rng) {
    for id in m.var_ids() {
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
