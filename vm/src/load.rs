//! Loading .mod files at run time: each file through the compiler's front end, passes and
//! kernel planner, into register code, and for the JIT into native code; the process-wide cache
//! of both.

use std::collections::HashMap;
use std::fmt;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, OnceLock};

use gradmod_compiler::back::rust::fingerprint;
use gradmod_compiler::diag::{Diagnostics, SourceMap};
use gradmod_compiler::driver::{self, Frontend};
use gradmod_compiler::ir::Slope;
use gradmod_runtime::mechanism::{Mechanism, MechanismInfo};

use crate::code::Code;
use crate::engine::{ENGINE_VARIABLE, Engine, EngineChoice};
use crate::info::intern;
use crate::instances::Instances;
use crate::jit::{self, JitCode};

/// Why loading failed: the diagnostics of every file that failed, rendered as `gradmod check`
/// renders them (file, line, column, the source line and a caret), or the path at fault.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LoadError {
    /// The rendered messages.
    pub message: String,
    /// Each error where it is, for programs that show it their own way (empty for an error
    /// that is about a path rather than a place in a file).
    pub errors: Vec<Located>,
}

/// One error of a .mod file and where it is.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Located {
    /// The file (as named when loading, or an INCLUDEd file).
    pub file: String,
    /// One-based line.
    pub line: usize,
    /// One-based column.
    pub column: usize,
    /// What is wrong.
    pub message: String,
}

impl LoadError {
    /// An error about a path, with no place in a file.
    fn about(message: String) -> Self {
        Self {
            message,
            errors: Vec::new(),
        }
    }
}

impl fmt::Display for LoadError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.message.trim_end())
    }
}

impl std::error::Error for LoadError {}

/// One mechanism compiled from a .mod file at run time.
#[derive(Clone, Debug)]
pub struct Loaded {
    /// The file it was compiled from.
    pub path: PathBuf,
    /// Its register code and metadata.
    pub code: Arc<Code>,
    /// Its native code, when the JIT runs it.
    jit: Option<Arc<JitCode>>,
    /// Why the JIT does not run it, when the JIT was chosen automatically but could not be set
    /// up.
    fallback: Option<Arc<str>>,
}

impl Loaded {
    /// The mechanism's name (its SUFFIX or POINT_PROCESS name).
    pub fn name(&self) -> &'static str {
        self.code.shape.info.name
    }

    /// Its metadata.
    pub fn info(&self) -> &'static MechanismInfo {
        self.code.shape.info
    }

    /// The engine that runs its kernels.
    pub fn engine(&self) -> Engine {
        match self.jit {
            Some(_) => Engine::Jit,
            None => Engine::Evaluator,
        }
    }

    /// Why the evaluator runs it although the JIT was chosen ([`EngineChoice::Auto`]): the JIT
    /// could not be set up, or a kernel is larger than it compiles by default
    /// ([`crate::AUTO_LIMIT`]). `None` when it runs on the engine chosen.
    pub fn fallback(&self) -> Option<&str> {
        self.fallback.as_deref()
    }

    /// A new mechanism with no instances.
    pub fn make(&self) -> Box<dyn Mechanism> {
        match &self.jit {
            Some(jit) => Box::new(Instances::new(Arc::clone(jit))),
            None => Box::new(Instances::new(Arc::clone(&self.code))),
        }
    }
}

/// Mechanisms compiled at run time from .mod files, by name.
#[derive(Clone, Debug, Default)]
pub struct Catalogue {
    mechanisms: Vec<Loaded>,
    by_name: HashMap<String, usize>,
    /// The engine chosen; `None`: the one [`ENGINE_VARIABLE`] names when files are added.
    engine: Option<EngineChoice>,
    /// Whether every file is compiled anew, bypassing the process-wide cache.
    uncached: bool,
    /// The slope dI/dv the files are compiled with.
    slope: Slope,
}

impl Catalogue {
    /// An empty catalogue, whose mechanisms run on the engine that the environment variable
    /// `GRADMOD_ENGINE` names when they are added (by default the JIT, falling back to the
    /// evaluator where the JIT cannot be set up).
    pub fn new() -> Self {
        Self::default()
    }

    /// An empty catalogue whose files are compiled with the given slope dI/dv (by default the
    /// symbolic, exact one; NEURON's finite difference to compare with NEURON to rounding).
    pub fn with_slope(slope: Slope) -> Self {
        Self {
            slope,
            ..Self::default()
        }
    }

    /// This catalogue, running the mechanisms added from now on with `engine` whatever the
    /// environment says.
    pub fn with_engine(mut self, engine: EngineChoice) -> Self {
        self.engine = Some(engine);
        self
    }

    /// This catalogue, compiling the files added from now on anew rather than reusing what this
    /// process compiled before from the same sources (to measure compile times).
    pub fn uncached(mut self) -> Self {
        self.uncached = true;
        self
    }

    /// Compiles every .mod file in `paths`: a file is taken as it is, a folder gives its `.mod`
    /// files (not those of its subfolders), in name order, as NEURON's `nrnivmodl` takes a
    /// model's folder. Nothing is loaded when any file fails: the error holds every file's
    /// diagnostics, and a mechanism name defined by two files is an error naming both.
    pub fn load<P: AsRef<Path>>(paths: &[P]) -> Result<Catalogue, LoadError> {
        let mut catalogue = Catalogue::new();
        catalogue.add_paths(paths)?;
        Ok(catalogue)
    }

    /// [`Catalogue::load`] with the engine `engine`, whatever the environment says.
    pub fn load_with<P: AsRef<Path>>(
        paths: &[P],
        engine: EngineChoice,
    ) -> Result<Catalogue, LoadError> {
        let mut catalogue = Catalogue::new().with_engine(engine);
        catalogue.add_paths(paths)?;
        Ok(catalogue)
    }

    /// The engine choice in force: the catalogue's own, or the environment's.
    fn choice(&self) -> Result<EngineChoice, LoadError> {
        match self.engine {
            Some(e) => Ok(e),
            None => EngineChoice::from_env().map_err(LoadError::about),
        }
    }

    /// Adds the mechanisms of `paths` (as [`Catalogue::load`] reads them); on error nothing is
    /// added.
    pub fn add_paths<P: AsRef<Path>>(&mut self, paths: &[P]) -> Result<(), LoadError> {
        let choice = self.choice()?;
        let mut files = Vec::new();
        for p in paths {
            files.extend(mod_files(p.as_ref())?);
        }
        let mut errors = String::new();
        let mut located = Vec::new();
        let mut loaded = Vec::new();
        for path in files {
            let front = driver::load_file(&path).map_err(|e| {
                LoadError::about(format!("error: cannot read {}: {e}", path.display()))
            })?;
            let made = compile(front, self.slope, self.uncached)
                .and_then(|c| c.load(path.clone(), choice).map_err(LoadError::about));
            match made {
                Ok(l) => loaded.push(l),
                Err(e) => {
                    errors.push_str(&e.message);
                    located.extend(e.errors);
                }
            }
        }
        if !errors.is_empty() {
            return Err(LoadError {
                message: errors,
                errors: located,
            });
        }
        self.extend(loaded)
    }

    /// Compiles one mechanism from its text, reported under `name` (INCLUDEs are read relative
    /// to `name`).
    pub fn add_source(&mut self, name: &str, text: &str) -> Result<(), LoadError> {
        let choice = self.choice()?;
        let loaded = compile(driver::load_source(name, text), self.slope, self.uncached)?
            .load(PathBuf::from(name), choice)
            .map_err(LoadError::about)?;
        self.extend(vec![loaded])
    }

    fn extend(&mut self, loaded: Vec<Loaded>) -> Result<(), LoadError> {
        let mut names = self.by_name.clone();
        let mut errors = String::new();
        for (i, l) in loaded.iter().enumerate() {
            let index = self.mechanisms.len() + i;
            if let Some(&other) = names.get(l.name()) {
                let first = self
                    .mechanisms
                    .get(other)
                    .or_else(|| loaded.get(other - self.mechanisms.len()))
                    .map_or_else(String::new, |o| o.path.display().to_string());
                errors.push_str(&format!(
                    "error: the mechanism `{}` is defined twice, in {first} and {}\n",
                    l.name(),
                    l.path.display()
                ));
            } else {
                names.insert(l.name().to_string(), index);
            }
        }
        if !errors.is_empty() {
            return Err(LoadError::about(errors));
        }
        self.mechanisms.extend(loaded);
        self.by_name = names;
        Ok(())
    }

    /// The mechanism called `name`, if loaded.
    pub fn get(&self, name: &str) -> Option<&Loaded> {
        self.by_name.get(name).map(|&i| &self.mechanisms[i])
    }

    /// A new mechanism called `name`, if loaded.
    pub fn make(&self, name: &str) -> Option<Box<dyn Mechanism>> {
        self.get(name).map(Loaded::make)
    }

    /// Every loaded mechanism, in load order.
    pub fn mechanisms(&self) -> &[Loaded] {
        &self.mechanisms
    }

    /// The names of the loaded mechanisms, in load order.
    pub fn names(&self) -> impl Iterator<Item = &'static str> + '_ {
        self.mechanisms.iter().map(Loaded::name)
    }

    /// Whether nothing is loaded.
    pub fn is_empty(&self) -> bool {
        self.mechanisms.is_empty()
    }
}

/// The .mod files a path names: the file itself, or a folder's `.mod` files in name order (not
/// those of its subfolders), as NEURON's `nrnivmodl` takes a model's folder; a folder without
/// .mod files is an error.
pub fn mod_files(path: &Path) -> Result<Vec<PathBuf>, LoadError> {
    let meta = std::fs::metadata(path).map_err(|e| {
        LoadError::about(format!(
            "error: cannot read the mechanism path {}: {e}",
            path.display()
        ))
    })?;
    if !meta.is_dir() {
        return Ok(vec![path.to_path_buf()]);
    }
    let entries = std::fs::read_dir(path).map_err(|e| {
        LoadError::about(format!(
            "error: cannot read the folder {}: {e}",
            path.display()
        ))
    })?;
    let mut found: Vec<PathBuf> = entries
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.is_file() && p.extension().is_some_and(|e| e == "mod"))
        .collect();
    found.sort();
    if found.is_empty() {
        return Err(LoadError::about(format!(
            "error: the folder {} holds no .mod files",
            path.display()
        )));
    }
    Ok(found)
}

/// The code already compiled in this process, by the names and texts of its sources (the file
/// and what it INCLUDEs): a model built again and again (a fit, a sweep, a notebook cell run
/// twice) compiles its files once, to register code and (when the JIT is used) to native code,
/// so that repeated loads take no more executable memory.
static COMPILED: Mutex<Vec<Arc<Compiled>>> = Mutex::new(Vec::new());

/// One mechanism's code, with the hash of its sources, the sources (name and text of each) and
/// the slope it was compiled with.
struct Compiled {
    hash: u64,
    key: Vec<(String, String)>,
    slope: Slope,
    /// The register code, which the evaluator runs and the JIT translates.
    code: Arc<Code>,
    /// The native code, made when the JIT is first asked for, or why it cannot be made.
    jit: OnceLock<Result<Arc<JitCode>, String>>,
}

impl Compiled {
    /// The native code, compiled on first use. A panic of the code generator is caught and
    /// reported as the reason the JIT cannot run the mechanism.
    fn jit(&self) -> Result<Arc<JitCode>, String> {
        self.jit
            .get_or_init(|| {
                let made = catch_unwind(AssertUnwindSafe(|| JitCode::new(&self.code)));
                match made {
                    Ok(made) => made.map(Arc::new),
                    Err(panic) => Err(format!(
                        "the code generator failed: {}",
                        panic
                            .downcast_ref::<String>()
                            .map(String::as_str)
                            .or_else(|| panic.downcast_ref::<&str>().copied())
                            .unwrap_or("a panic")
                    )),
                }
            })
            .clone()
    }

    /// The mechanism compiled from `path`, for the engine `choice` selects.
    fn load(&self, path: PathBuf, choice: EngineChoice) -> Result<Loaded, String> {
        let (jit, fallback) = match choice {
            EngineChoice::Evaluator => (None, None),
            EngineChoice::Jit => match self.jit() {
                Ok(jit) => (Some(jit), None),
                Err(why) => {
                    return Err(format!(
                        "error: {}: the JIT cannot run `{}` ({ENGINE_VARIABLE}=jit): {why}\n",
                        path.display(),
                        self.code.shape.info.name
                    ));
                }
            },
            EngineChoice::Auto => match jit::declines(&self.code).map_or_else(|| self.jit(), Err) {
                Ok(jit) => (Some(jit), None),
                Err(why) => (None, Some(Arc::from(why))),
            },
        };
        Ok(Loaded {
            path,
            code: Arc::clone(&self.code),
            jit,
            fallback,
        })
    }
}

/// One file's front-end result through the passes and the planner into register code, or its
/// diagnostics. Parsing and lowering always run (they are quick and report the file's
/// warnings); the rest is reused when the same sources were compiled before with the same
/// slope, unless `uncached`.
fn compile(front: Frontend, slope: Slope, uncached: bool) -> Result<Arc<Compiled>, LoadError> {
    let sources: SourceMap = front.sources.clone();
    let key: Vec<(String, String)> = sources
        .files()
        .iter()
        .map(|f| (f.name.clone(), f.text.clone()))
        .collect();
    let hash = key.iter().fold(0u64, |h, (n, t)| {
        h.rotate_left(5) ^ fingerprint(n) ^ fingerprint(t).rotate_left(17)
    });
    let cached = |table: &[Arc<Compiled>], key: &[(String, String)]| {
        table
            .iter()
            .find(|c| c.hash == hash && c.key == key && c.slope == slope)
            .map(Arc::clone)
    };
    let failed = |diags: &Diagnostics| LoadError {
        message: diags.render(&sources),
        errors: diags
            .0
            .iter()
            .filter(|d| d.is_error())
            .map(|d| {
                let file = sources.get(d.span.file);
                let (line, column) = file.line_col(d.span.start);
                Located {
                    file: file.name.clone(),
                    line,
                    column,
                    message: d.message.clone(),
                }
            })
            .collect(),
    };
    let Some(mut m) = front.module else {
        return Err(failed(&front.diags));
    };
    if !uncached && let Some(c) = cached(&COMPILED.lock().unwrap_or_else(|e| e.into_inner()), &key)
    {
        return Ok(c);
    }
    m.slope = slope;
    // The stages `gradmod check` runs after the front end, so that it accepts what loads.
    let ks = driver::back_end_stages(m).map_err(|d| failed(&d))?;
    let info = intern(&ks.info);
    let compiled = Arc::new(Compiled {
        hash,
        key,
        slope,
        code: Arc::new(Code::new(&ks, info)),
        jit: OnceLock::new(),
    });
    if !uncached {
        let mut table = COMPILED.lock().unwrap_or_else(|e| e.into_inner());
        // Another thread may have compiled the same sources meanwhile: keep the first.
        if let Some(c) = cached(&table, &compiled.key) {
            return Ok(c);
        }
        table.push(Arc::clone(&compiled));
    }
    Ok(compiled)
}

#[cfg(test)]
mod tests {
    use std::process::Command;

    use super::*;

    const LEAK: &str = "NEURON { SUFFIX leak NONSPECIFIC_CURRENT i RANGE g, e }
        PARAMETER { g = 0.001 (S/cm2) e = -70 (mV) }
        ASSIGNED { v (mV) i (mA/cm2) }
        BREAKPOINT { i = g * (v - e) }";

    /// Run in a child process by `the_environment_chooses_the_engine`: loads a mechanism with
    /// the engine the environment names and prints which engine runs it, or the error.
    #[test]
    #[ignore = "run in a child process by the_environment_chooses_the_engine"]
    fn child_reports_its_engine() {
        let mut c = Catalogue::new();
        match c.add_source("leak.mod", LEAK) {
            Ok(()) => println!("engine: {}", c.mechanisms()[0].engine()),
            Err(e) => println!("load error: {e}"),
        }
    }

    /// The output of `child_reports_its_engine` with `GRADMOD_ENGINE` set to `value`.
    fn child(value: &str) -> String {
        let exe = std::env::current_exe().unwrap();
        let out = Command::new(exe)
            .args(["load::tests::child_reports_its_engine", "--exact"])
            .args(["--ignored", "--nocapture", "--test-threads=1"])
            .env(ENGINE_VARIABLE, value)
            .output()
            .unwrap();
        assert!(out.status.success(), "{out:?}");
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    #[test]
    fn the_environment_chooses_the_engine() {
        let out = child("evaluator");
        assert!(out.contains("engine: evaluator"), "{out}");
        let out = child("jit");
        assert!(out.contains("engine: jit"), "{out}");
        // Unset (here: empty), the JIT runs the mechanism on a machine where it can be set up.
        let out = child("");
        assert!(out.contains("engine: jit"), "{out}");
        let out = child("interpreter");
        assert!(
            out.contains("load error: error: GRADMOD_ENGINE=interpreter names no engine"),
            "{out}"
        );
    }

    #[test]
    fn a_source_compiled_again_reuses_its_code() {
        let load = |engine| {
            let mut c = Catalogue::new().with_engine(engine);
            c.add_source("leak.mod", LEAK).unwrap();
            c.mechanisms()[0].clone()
        };
        let (a, b) = (load(EngineChoice::Jit), load(EngineChoice::Auto));
        let e = load(EngineChoice::Evaluator);
        assert!(Arc::ptr_eq(&a.code, &b.code) && Arc::ptr_eq(&a.code, &e.code));
        let (ja, jb) = (a.jit.as_ref().unwrap(), b.jit.as_ref().unwrap());
        assert!(Arc::ptr_eq(ja, jb), "the native code is compiled once");
        assert_eq!((a.engine(), e.engine()), (Engine::Jit, Engine::Evaluator));
        assert_eq!(b.fallback(), None);
        let mut fresh = Catalogue::new().with_engine(EngineChoice::Jit).uncached();
        fresh.add_source("leak.mod", LEAK).unwrap();
        assert!(!Arc::ptr_eq(&fresh.mechanisms()[0].code, &a.code));
    }

    /// Where the JIT cannot be set up, the automatic choice falls back to the evaluator and
    /// says why, and the forced choice fails.
    #[test]
    fn without_the_jit_the_evaluator_runs_the_mechanism() {
        let mut c = Catalogue::new().with_engine(EngineChoice::Evaluator);
        c.add_source("leak.mod", LEAK).unwrap();
        let compiled = Compiled {
            hash: 0,
            key: Vec::new(),
            slope: Slope::Symbolic,
            code: Arc::clone(&c.mechanisms()[0].code),
            jit: OnceLock::from(Err("no executable memory".to_string())),
        };
        let auto = compiled
            .load("leak.mod".into(), EngineChoice::Auto)
            .unwrap();
        assert_eq!(auto.engine(), Engine::Evaluator);
        assert_eq!(auto.fallback(), Some("no executable memory"));
        let mut m = auto.make();
        m.allocate(&[0], &[1.0]);
        let e = compiled
            .load("leak.mod".into(), EngineChoice::Jit)
            .unwrap_err();
        assert!(
            e.contains("the JIT cannot run `leak` (GRADMOD_ENGINE=jit): no executable memory"),
            "{e}"
        );
    }
}
