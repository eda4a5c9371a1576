//! Compiling .mod files from a build script, in the manner of prost-build and lalrpop.
//!
//! ```no_run
//! // In build.rs, from `fn main`:
//! gradmod_compiler::builder::Builder::new().dir("mod_files").build();
//! ```
//!
//! and in the crate, `gradmod_runtime::include_mechanisms!("catalogue");` brings in one module per
//! mechanism (`catalogue::hh::Hh`, ...) and a registry, `by_name("hh")` and `NAMES`.
//!
//! The builder writes `OUT_DIR/<catalogue>/<file stem>.rs` for every input and an index
//! `OUT_DIR/<catalogue>.rs`, and prints `cargo:rerun-if-changed` for every input and folder. On
//! any error it panics with the diagnostics rendered against the .mod files (file, line, column,
//! the source line and a caret), never pointing into generated code.

use std::collections::HashMap;
use std::fmt;
use std::path::{Path, PathBuf};

use quote::quote;

use crate::back::rust::{self, Generated, Options, names};
use crate::{driver, passes};

/// A build of a set of .mod files into one catalogue.
#[derive(Clone, Debug)]
pub struct Builder {
    files: Vec<PathBuf>,
    dirs: Vec<PathBuf>,
    out_dir: Option<PathBuf>,
    name: String,
    parameters: HashMap<String, Vec<String>>,
    cargo: bool,
    skip_rejected: bool,
    max_bytes: Option<usize>,
}

impl Default for Builder {
    fn default() -> Self {
        Self::new()
    }
}

/// Why a build failed: the rendered diagnostics or I/O errors, per file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BuildError {
    /// The rendered messages.
    pub message: String,
}

impl fmt::Display for BuildError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for BuildError {}

/// One mechanism compiled by a build.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Compiled {
    /// The .mod file.
    pub source: PathBuf,
    /// The Rust module it is included as (the mechanism name made an identifier).
    pub module: String,
    /// The generated code.
    pub generated: Generated,
    /// Where the code was written.
    pub path: PathBuf,
}

impl Builder {
    /// A builder with no inputs, writing the catalogue `catalogue` to `OUT_DIR`.
    pub fn new() -> Self {
        Builder {
            files: Vec::new(),
            dirs: Vec::new(),
            out_dir: None,
            name: "catalogue".into(),
            parameters: HashMap::new(),
            cargo: true,
            skip_rejected: false,
            max_bytes: None,
        }
    }

    /// Adds one .mod file.
    pub fn file(mut self, path: impl AsRef<Path>) -> Self {
        self.files.push(path.as_ref().to_path_buf());
        self
    }

    /// Adds several .mod files.
    pub fn files<P: AsRef<Path>>(mut self, paths: impl IntoIterator<Item = P>) -> Self {
        self.files
            .extend(paths.into_iter().map(|p| p.as_ref().to_path_buf()));
        self
    }

    /// Adds every `.mod` file of a folder (not its subfolders).
    pub fn dir(mut self, path: impl AsRef<Path>) -> Self {
        self.dirs.push(path.as_ref().to_path_buf());
        self
    }

    /// Writes to `dir` instead of `OUT_DIR`.
    pub fn out_dir(mut self, dir: impl AsRef<Path>) -> Self {
        self.out_dir = Some(dir.as_ref().to_path_buf());
        self
    }

    /// Names the catalogue (default `catalogue`): the index is `<name>.rs`, included by
    /// `include_mechanisms!("<name>")`.
    pub fn name(mut self, name: &str) -> Self {
        self.name = name.into();
        self
    }

    /// Differentiates only the listed parameters of `mechanism` (by default, all of them).
    pub fn parameters(mut self, mechanism: &str, names: &[&str]) -> Self {
        self.parameters.insert(
            mechanism.into(),
            names.iter().map(|s| s.to_string()).collect(),
        );
        self
    }

    /// Whether to print `cargo:` lines (default true; off outside build scripts).
    pub fn cargo_metadata(mut self, on: bool) -> Self {
        self.cargo = on;
        self
    }

    /// Leaves out the files that fail to compile instead of failing the build, and allows a
    /// mechanism name to be defined by several files (`by_name` makes the first; `by_file`
    /// makes each). The index lists what was left out in `REJECTED`. For test corpora of
    /// published files, not for a program's own mechanisms.
    pub fn skip_rejected(mut self, on: bool) -> Self {
        self.skip_rejected = on;
        self
    }

    /// With [`Builder::skip_rejected`], also leaves out files whose generated code is longer than
    /// `bytes` (so that a test corpus does not slow the build down with a few huge files).
    pub fn max_generated_bytes(mut self, bytes: usize) -> Self {
        self.max_bytes = Some(bytes);
        self
    }

    /// Compiles everything, or panics with the rendered diagnostics: the call for `build.rs`.
    pub fn build(self) -> Vec<Compiled> {
        match self.compile() {
            Ok(c) => c,
            Err(e) => panic!("\ngradmod could not compile the mechanisms:\n\n{e}"),
        }
    }

    /// The input files: the files given, then each folder's .mod files in name order.
    fn inputs(&self) -> Result<Vec<PathBuf>, BuildError> {
        let mut out = self.files.clone();
        for d in &self.dirs {
            let entries = std::fs::read_dir(d).map_err(|e| BuildError {
                message: format!("cannot read the folder {}: {e}", d.display()),
            })?;
            let mut found: Vec<PathBuf> = entries
                .filter_map(|e| e.ok().map(|e| e.path()))
                .filter(|p| p.is_file() && p.extension().is_some_and(|e| e == "mod"))
                .collect();
            found.sort();
            out.extend(found);
        }
        Ok(out)
    }

    /// Compiles everything and writes the files.
    pub fn compile(self) -> Result<Vec<Compiled>, BuildError> {
        let out_dir = match &self.out_dir {
            Some(d) => d.clone(),
            None => PathBuf::from(std::env::var_os("OUT_DIR").ok_or_else(|| {
                BuildError {
                    message:
                        "OUT_DIR is not set: call the builder from a build script, or give out_dir"
                            .into(),
                }
            })?),
        };
        if self.cargo {
            for d in &self.dirs {
                println!("cargo:rerun-if-changed={}", d.display());
            }
        }
        let inputs = self.inputs()?;
        let dir = out_dir.join(&self.name);
        std::fs::create_dir_all(&dir).map_err(|e| BuildError {
            message: format!("cannot create {}: {e}", dir.display()),
        })?;
        let mut errors = String::new();
        let mut rejected: Vec<(String, String)> = Vec::new();
        let mut compiled = Vec::new();
        let mut modules = names::Names::new();
        for path in &inputs {
            if self.cargo {
                println!("cargo:rerun-if-changed={}", path.display());
            }
            let compiled_one = self.compile_one(path).and_then(|g| match self.max_bytes {
                Some(max) if self.skip_rejected && g.code.len() > max => Err(format!(
                    "the generated code is {} bytes, more than the {max} allowed",
                    g.code.len()
                )),
                _ => Ok(g),
            });
            match compiled_one {
                Ok(generated) => {
                    let module = modules.fresh(&snake_case(&generated.name));
                    let stem = path.file_stem().unwrap_or_default().to_string_lossy();
                    let out = dir.join(format!("{stem}.rs"));
                    compiled.push(Compiled {
                        source: path.clone(),
                        module,
                        generated,
                        path: out,
                    });
                }
                Err(e) if self.skip_rejected => {
                    let stem = path.file_stem().unwrap_or_default().to_string_lossy();
                    let first = e.lines().find(|l| !l.trim().is_empty()).unwrap_or("");
                    rejected.push((stem.into_owned(), first.trim().to_string()));
                }
                Err(e) => errors.push_str(&e),
            }
        }
        let mut seen = HashMap::new();
        for c in &compiled {
            if let Some(other) = seen.insert(c.generated.name.clone(), c.source.clone())
                && !self.skip_rejected
            {
                errors.push_str(&format!(
                    "error: the mechanism `{}` is defined twice, in {} and {}\n",
                    c.generated.name,
                    other.display(),
                    c.source.display()
                ));
            }
        }
        if !errors.is_empty() {
            return Err(BuildError { message: errors });
        }
        for c in &compiled {
            write_if_changed(&c.path, &c.generated.code)?;
        }
        let index = index(&compiled, &rejected);
        write_if_changed(&out_dir.join(format!("{}.rs", self.name)), &index)?;
        Ok(compiled)
    }

    /// One file through the front end, the passes and the Rust back end; errors rendered.
    fn compile_one(&self, path: &Path) -> Result<Generated, String> {
        compile_file(path, &|name| self.parameters.get(name).cloned())
    }
}

/// Compiles one .mod file to Rust: the code the builder writes for it, or the diagnostics rendered
/// against the file. `parameters` gives, for a mechanism name, the parameters to differentiate
/// (`None`: all of them).
pub fn compile_file(
    path: &Path,
    parameters: &dyn Fn(&str) -> Option<Vec<String>>,
) -> Result<Generated, String> {
    let text = driver::read_source(path)
        .map_err(|e| format!("error: cannot read {}: {e}\n", path.display()))?;
    let shown = path.display().to_string();
    let front = driver::load_source(&shown, &text);
    let sources = front.sources.clone();
    let m = front.into_module()?;
    let passed = passes::run_all(m).map_err(|d| d.render(&sources))?;
    let opts = Options {
        parameters: parameters(&passed.name),
    };
    let file_name = path.file_name().unwrap_or_default().to_string_lossy();
    rust::generate(&passed, &file_name, &text, &opts).map_err(|d| d.render(&sources))
}

/// `name` in snake case, the style of module names: `ExpSyn` becomes `exp_syn`.
fn snake_case(name: &str) -> String {
    let mut out = String::new();
    let mut prev_lower = false;
    for c in name.chars() {
        if c.is_ascii_uppercase() {
            if prev_lower {
                out.push('_');
            }
            out.push(c.to_ascii_lowercase());
            prev_lower = false;
        } else {
            out.push(c);
            prev_lower = c.is_ascii_lowercase() || c.is_ascii_digit();
        }
    }
    out
}

/// Writes `text` to `path` unless it already holds it (so unchanged files keep their time).
fn write_if_changed(path: &Path, text: &str) -> Result<(), BuildError> {
    if std::fs::read_to_string(path).is_ok_and(|old| old == text) {
        return Ok(());
    }
    std::fs::write(path, text).map_err(|e| BuildError {
        message: format!("cannot write {}: {e}", path.display()),
    })
}

/// The index of a catalogue: one module per mechanism and the registry, by mechanism name (the
/// first file that defines a name) and by file stem, and the files left out.
fn index(compiled: &[Compiled], rejected: &[(String, String)]) -> String {
    let mods = compiled.iter().map(|c| {
        let m = names::ident(&c.module);
        let path = c.path.to_string_lossy().into_owned();
        let doc = format!(" The mechanism `{}`.", c.generated.name);
        quote! {
            #[doc = #doc]
            #[allow(clippy::all, unused_parens, unused_imports, dead_code)]
            pub mod #m {
                include!(#path);
            }
        }
    });
    let mut seen = std::collections::HashSet::new();
    let first: Vec<&Compiled> = compiled
        .iter()
        .filter(|c| seen.insert(c.generated.name.as_str()))
        .collect();
    let names_list = first.iter().map(|c| c.generated.name.as_str());
    let make = |c: &Compiled| {
        let m = names::ident(&c.module);
        let ty = names::ident(&c.generated.type_name);
        quote!(Some(Box::new(#m::#ty::new())))
    };
    let arms = first.iter().map(|c| {
        let name = &c.generated.name;
        let make = make(c);
        quote!(#name => #make,)
    });
    let stem = |c: &Compiled| {
        c.source
            .file_stem()
            .unwrap_or_default()
            .to_string_lossy()
            .into_owned()
    };
    let files = compiled.iter().map(|c| {
        let (s, n) = (stem(c), &c.generated.name);
        quote!((#s, #n))
    });
    let file_arms = compiled.iter().map(|c| {
        let s = stem(c);
        let make = make(c);
        quote!(#s => #make,)
    });
    let rejected = rejected.iter().map(|(f, e)| quote!((#f, #e)));
    let sources = compiled.iter().map(|c| {
        let name = c
            .source
            .file_name()
            .unwrap_or_default()
            .to_string_lossy()
            .into_owned();
        // The text as the compiler read it (lossily: a Latin-1 comment would stop include_str!).
        let text = driver::read_source(&c.source).unwrap_or_default();
        quote!((#name, #text))
    });
    let file = quote! {
        #(#mods)*

        /// The names of the mechanisms, in build order.
        #[allow(dead_code)]
        pub const NAMES: &[&str] = &[#(#names_list),*];

        /// A new, empty instance of the mechanism called `name`, if the catalogue has it.
        #[allow(dead_code, clippy::match_single_binding)]
        pub fn by_name(name: &str) -> Option<Box<dyn gradmod_runtime::mechanism::Mechanism>> {
            match name {
                #(#arms)*
                _ => None,
            }
        }

        /// Every compiled file: its stem and the mechanism it defines, in build order.
        #[allow(dead_code)]
        pub const FILES: &[(&str, &str)] = &[#(#files),*];

        /// A new, empty instance of the mechanism the file with this stem defines.
        #[allow(dead_code, clippy::match_single_binding)]
        pub fn by_file(stem: &str) -> Option<Box<dyn gradmod_runtime::mechanism::Mechanism>> {
            match stem {
                #(#file_arms)*
                _ => None,
            }
        }

        /// The files left out (with `skip_rejected`): stem and the first line of the error.
        #[allow(dead_code)]
        pub const REJECTED: &[(&str, &str)] = &[#(#rejected),*];

        /// The source of every compiled file (file name and text), for compiling it again when
        /// the program runs (with other options).
        #[allow(dead_code)]
        pub const SOURCES: &[(&str, &str)] = &[#(#sources),*];
    };
    let parsed: syn::File = syn::parse2(file).expect("the catalogue index parses");
    format!(
        "// @generated by gradmod: the index of a mechanism catalogue.\n\n{}",
        prettyplease::unparse(&parsed)
    )
}

#[cfg(test)]
mod tests {
    #[test]
    fn module_names_are_snake_case() {
        assert_eq!(super::snake_case("ExpSyn"), "exp_syn");
        assert_eq!(super::snake_case("hh"), "hh");
        assert_eq!(super::snake_case("NaV1_6"), "na_v1_6");
        assert_eq!(super::snake_case("IO_cal"), "io_cal");
    }
}
