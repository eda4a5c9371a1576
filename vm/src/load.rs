//! Loading .mod files at run time: each file through the compiler's front end, passes and
//! kernel planner, then into register code.

use std::collections::HashMap;
use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use gradmod_compiler::back::rust::fingerprint;
use gradmod_compiler::diag::{Diagnostics, SourceMap};
use gradmod_compiler::driver::{self, Frontend};
use gradmod_compiler::ir::Slope;
use gradmod_runtime::mechanism::{Mechanism, MechanismInfo};

use crate::info::intern;
use crate::mechanism::{Code, VmMechanism};

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
}

impl Loaded {
    /// The mechanism's name (its SUFFIX or POINT_PROCESS name).
    pub fn name(&self) -> &'static str {
        self.code.info.name
    }

    /// Its metadata.
    pub fn info(&self) -> &'static MechanismInfo {
        self.code.info
    }

    /// A new mechanism with no instances.
    pub fn make(&self) -> Box<dyn Mechanism> {
        Box::new(VmMechanism::new(Arc::clone(&self.code)))
    }
}

/// Mechanisms compiled at run time from .mod files, by name.
#[derive(Clone, Debug, Default)]
pub struct Catalogue {
    mechanisms: Vec<Loaded>,
    by_name: HashMap<String, usize>,
    slope: Slope,
}

impl Catalogue {
    /// An empty catalogue.
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

    /// Compiles every .mod file in `paths`: a file is taken as it is, a folder gives its `.mod`
    /// files (not those of its subfolders), in name order, as NEURON's `nrnivmodl` takes a
    /// model's folder. Nothing is loaded when any file fails: the error holds every file's
    /// diagnostics, and a mechanism name defined by two files is an error naming both.
    pub fn load<P: AsRef<Path>>(paths: &[P]) -> Result<Catalogue, LoadError> {
        let mut catalogue = Catalogue::new();
        catalogue.add_paths(paths)?;
        Ok(catalogue)
    }

    /// Adds the mechanisms of `paths` (as [`Catalogue::load`] reads them); on error nothing is
    /// added.
    pub fn add_paths<P: AsRef<Path>>(&mut self, paths: &[P]) -> Result<(), LoadError> {
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
            match compile(front, self.slope) {
                Ok(code) => loaded.push(Loaded { path, code }),
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
        let code = compile(driver::load_source(name, text), self.slope)?;
        self.extend(vec![Loaded {
            path: PathBuf::from(name),
            code,
        }])
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

/// The .mod files a path names: the file itself, or a folder's `.mod` files in name order.
fn mod_files(path: &Path) -> Result<Vec<PathBuf>, LoadError> {
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

/// Register code already compiled in this process, by the names and texts of its sources (the
/// file and what it INCLUDEs): a model built again and again (a fit, a sweep, a notebook cell
/// run twice) compiles its files once.
static COMPILED: Mutex<Vec<CacheEntry>> = Mutex::new(Vec::new());

/// A compiled mechanism with the hash of its sources, the sources (name and text of each) and
/// the slope it was compiled with.
type CacheEntry = (u64, Vec<(String, String)>, Slope, Arc<Code>);

/// One file's front-end result through the passes and the planner into register code, or its
/// diagnostics rendered. Parsing and lowering always run (they are quick and report the file's
/// warnings); the rest is reused when the same sources were compiled before.
fn compile(front: Frontend, slope: Slope) -> Result<Arc<Code>, LoadError> {
    let sources: SourceMap = front.sources.clone();
    let key: Vec<(String, String)> = sources
        .files()
        .iter()
        .map(|f| (f.name.clone(), f.text.clone()))
        .collect();
    let hash = key.iter().fold(0u64, |h, (n, t)| {
        h.rotate_left(5) ^ fingerprint(n) ^ fingerprint(t).rotate_left(17)
    });
    let cached = |table: &[CacheEntry]| {
        table
            .iter()
            .find(|(h, k, s, _)| *h == hash && *k == key && *s == slope)
            .map(|(_, _, _, c)| Arc::clone(c))
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
    if let Some(code) = cached(&COMPILED.lock().unwrap_or_else(|e| e.into_inner())) {
        return Ok(code);
    }
    m.slope = slope;
    // The stages `gradmod check` runs after the front end, so that it accepts what loads.
    let ks = driver::back_end_stages(&mut m).map_err(|d| failed(&d))?;
    let info = intern(&ks.info);
    let code = Arc::new(Code::new(&ks, info));
    let mut table = COMPILED.lock().unwrap_or_else(|e| e.into_inner());
    table.push((hash, key, slope, Arc::clone(&code)));
    Ok(code)
}
