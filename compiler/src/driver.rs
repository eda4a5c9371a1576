//! The front end as one call: read a file, parse it (with its INCLUDEs), lower and validate it.

use std::path::Path;

use crate::ast;
pub use crate::diag::read_source;
use crate::diag::{Diagnostics, SourceFile, SourceMap};
use crate::ir::Module;
use crate::{lower, parse};

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
        module
    };
    Frontend {
        sources,
        ast,
        module,
        diags,
    }
}
