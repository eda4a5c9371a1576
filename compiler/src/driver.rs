//! The front end as one call: read a file, parse it (with its INCLUDEs), lower and validate it;
//! and every stage a mechanism goes through before a back end, as one call: the front end, the
//! passes and the kernel plans. `gradmod check`, `gradmod compile` and the run-time engine accept
//! exactly the files [`check_source`] accepts.

use std::path::Path;

use crate::ast;
use crate::back::kernels::{self, Kernels};
pub use crate::diag::read_source;
use crate::diag::{Diagnostics, SourceFile, SourceMap};
use crate::ir::Module;
use crate::{lower, parse, passes};

/// The result of running the front end on one file.
#[derive(Debug)]
pub struct Frontend {
    /// The file and everything it included, for rendering diagnostics.
    pub sources: SourceMap,
    /// The syntax tree (possibly partial when there were parse errors).
    pub ast: ast::File,
    /// The lowered, validated module, when there were no errors.
    pub module: Option<Module>,
    /// Every diagnostic, errors and warnings.
    pub diags: Diagnostics,
}

impl Frontend {
    /// The diagnostics rendered as text.
    pub fn render(&self) -> String {
        self.diags.render(&self.sources)
    }

    /// The module, or the rendered diagnostics.
    pub fn into_module(self) -> Result<Module, String> {
        let text = self.render();
        self.module.ok_or(text)
    }
}

/// Reads and compiles the file at `path` up to a validated module.
pub fn load_file(path: &Path) -> std::io::Result<Frontend> {
    let text = read_source(path)?;
    Ok(load_source(&path.to_string_lossy(), &text))
}

/// Compiles `text`, reported under `name`, up to a validated module. INCLUDEs are read from disk
/// relative to `name`.
pub fn load_source(name: &str, text: &str) -> Frontend {
    let mut sources = SourceMap::new();
    let id = sources.add(SourceFile::new(name, text));
    let (ast, mut diags) = parse::parse_with_includes(&mut sources, id, &mut parse::fs_loader);
    let module = if diags.has_errors() {
        None
    } else {
        let (module, more) = lower::lower(&sources, &ast);
        diags.extend(more);
        if let Some(m) = &module {
            diags.extend(passes::warnings(m));
        }
        module
    };
    Frontend {
        sources,
        ast,
        module,
        diags,
    }
}

/// The stages after the front end: every pass, then the kernel plans with every parameter
/// differentiated. Both back ends run these (the Rust back end plans inside
/// [`crate::back::rust::generate`], with the parameters asked for).
pub fn back_end_stages(m: Module) -> Result<Kernels, Diagnostics> {
    kernels::plan(&passes::run_all(m)?, None)
}

/// The result of running every stage before a back end on one file.
#[derive(Debug)]
pub struct Checked {
    /// The file and everything it included, for rendering diagnostics.
    pub sources: SourceMap,
    /// The lowered module (before the passes), when the front end accepted the file.
    pub module: Option<Module>,
    /// The kernel plans, when every stage accepted the file.
    pub kernels: Option<Kernels>,
    /// Every diagnostic of every stage that ran, errors and warnings.
    pub diags: Diagnostics,
}

impl Checked {
    /// Whether every stage accepted the file.
    pub fn accepted(&self) -> bool {
        self.kernels.is_some()
    }

    /// The diagnostics rendered as text.
    pub fn render(&self) -> String {
        self.diags.render(&self.sources)
    }
}

impl Frontend {
    /// Runs the stages after the front end ([`back_end_stages`]) on the module, when there is
    /// one; their errors join the front end's diagnostics.
    pub fn check(self) -> Checked {
        let mut diags = self.diags;
        let kernels = self
            .module
            .as_ref()
            .and_then(|m| back_end_stages(m.clone()).map_err(|d| diags.extend(d)).ok());
        Checked {
            sources: self.sources,
            module: self.module,
            kernels,
            diags,
        }
    }
}

/// Reads the file at `path` and runs every stage before a back end on it.
pub fn check_file(path: &Path) -> std::io::Result<Checked> {
    Ok(load_file(path)?.check())
}

/// Runs every stage before a back end on `text`, reported under `name` (INCLUDEs are read from
/// disk relative to `name`).
pub fn check_source(name: &str, text: &str) -> Checked {
    load_source(name, text).check()
}
