//! Which mechanisms a model can name: a [`Library`] of catalogues, tried in order.
//!
//! A catalogue is one source of mechanisms: a constructor by name and the names it knows. The
//! built-in catalogue ([`crate::catalogue`]) is every file of `mod_files/`, compiled by the build
//! script; a program with mechanisms of its own compiles them the same way (with
//! `gradmod_compiler::builder::Builder` in its `build.rs` and `gradmod_runtime::include_mechanisms!`
//! in its code) and adds that catalogue to the built-in one:
//!
//! ```ignore
//! mod my_catalogue {
//!     gradmod_runtime::include_mechanisms!("my_catalogue");
//! }
//!
//! fn main() -> std::process::ExitCode {
//!     let library = gradmod::Library::builtin().with(my_catalogue::by_name, my_catalogue::NAMES);
//!     gradmod::cli::main_with(library)
//! }
//! ```
//!
//! The library is made once, where the program starts, and handed to everything that places
//! mechanisms by name: [`crate::model::build()`], [`crate::run::run`], [`crate::fit::command::fit`],
//! [`crate::homeostasis::attach`] and the IO cell of [`crate::fit`]. A catalogue's constructor may
//! be any function of the name, so catalogues built from data at run time fit the same slot as
//! compiled ones.

use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::Arc;

pub use gradmod_compiler::ir::Slope;
use gradmod_runtime::mechanism::Mechanism;

/// A constructor of mechanisms by name, shared between the clones of a catalogue.
type Constructor = Arc<dyn Fn(&str) -> Option<Box<dyn Mechanism>> + Send + Sync>;

/// One source of mechanisms: a constructor by name, the names it knows and a label for messages.
#[derive(Clone)]
pub struct Catalogue {
    label: String,
    make: Constructor,
    names: Vec<String>,
    /// The .mod file it was compiled from when the program ran, made absolute.
    file: Option<PathBuf>,
}

impl Catalogue {
    /// A catalogue from a constructor and every name it knows; `label` says where its mechanisms
    /// come from in messages (such as "the built-in catalogue").
    pub fn new(
        label: impl Into<String>,
        make: impl Fn(&str) -> Option<Box<dyn Mechanism>> + Send + Sync + 'static,
        names: impl IntoIterator<Item = impl AsRef<str>>,
    ) -> Self {
        Self {
            label: label.into(),
            make: Arc::new(make),
            names: names.into_iter().map(|n| n.as_ref().to_string()).collect(),
            file: None,
        }
    }

    /// The catalogue of one mechanism compiled from a .mod file when the program ran.
    pub fn loaded(mechanism: gradmod_vm::Loaded) -> Self {
        let name = mechanism.name();
        let file = std::path::absolute(&mechanism.path).unwrap_or(mechanism.path.clone());
        Self {
            label: mechanism.path.display().to_string(),
            make: Arc::new(move |_| Some(mechanism.make())),
            names: vec![name.to_string()],
            file: Some(file),
        }
    }

    /// The .mod file the catalogue was compiled from when the program ran, if it was.
    pub fn file(&self) -> Option<&Path> {
        self.file.as_deref()
    }

    /// The built-in catalogue: every file of `mod_files/`.
    pub fn builtin() -> Self {
        Self::new(
            "the built-in catalogue",
            crate::catalogue::by_name,
            crate::catalogue::NAMES,
        )
    }

    /// Where the catalogue's mechanisms come from, for messages.
    pub fn label(&self) -> &str {
        &self.label
    }

    /// The names the catalogue knows, in its own order.
    pub fn names(&self) -> &[String] {
        &self.names
    }

    /// Whether the catalogue knows `name`.
    pub fn knows(&self, name: &str) -> bool {
        self.names.iter().any(|n| n == name)
    }

    /// A new, unplaced mechanism called `name`, if the catalogue knows it.
    pub fn make(&self, name: &str) -> Option<Box<dyn Mechanism>> {
        if self.knows(name) {
            (self.make)(name)
        } else {
            None
        }
    }
}

impl fmt::Debug for Catalogue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Catalogue")
            .field("label", &self.label)
            .field("names", &self.names)
            .finish_non_exhaustive()
    }
}

/// The mechanisms a model can name: catalogues tried in the order they were added, the first that
/// knows a name making the mechanism. Cloning is cheap (constructors are shared).
#[derive(Clone, Debug, Default)]
pub struct Library {
    catalogues: Vec<Catalogue>,
    /// How .mod files compiled when the program runs compute their currents' slope dI/dv.
    slope: Slope,
}

impl Library {
    /// A library without any mechanism; add catalogues with [`Library::with_catalogue`].
    pub fn new() -> Self {
        Self::default()
    }

    /// The built-in catalogue alone: what the `gradmod` command offers.
    pub fn builtin() -> Self {
        Self::new().with_catalogue(Catalogue::builtin())
    }

    /// This library and, after its catalogues, a program's own compiled catalogue: `make` is the
    /// catalogue's `by_name` and `names` its `NAMES`, as `include_mechanisms!` brings them in.
    pub fn with(
        self,
        make: impl Fn(&str) -> Option<Box<dyn Mechanism>> + Send + Sync + 'static,
        names: impl IntoIterator<Item = impl AsRef<str>>,
    ) -> Self {
        self.with_catalogue(Catalogue::new("the program's own catalogue", make, names))
    }

    /// This library and, after its catalogues, `catalogue`.
    pub fn with_catalogue(mut self, catalogue: Catalogue) -> Self {
        self.catalogues.push(catalogue);
        self
    }

    /// This library and the mechanisms of the .mod files in `paths` (files, and folders whose
    /// `.mod` files are taken as `nrnivmodl` takes them), compiled now, with no Rust toolchain.
    /// A file already in the library is not loaded again. A mechanism whose name the library
    /// already has is an error naming both sources, unless `replace` is true: then the files'
    /// mechanisms are tried first and so replace those of the same name. Errors are the files'
    /// diagnostics, rendered as `gradmod check` renders them; nothing is added when any file
    /// fails.
    pub fn with_mod_files(mut self, paths: &[PathBuf], replace: bool) -> Result<Library, String> {
        if paths.is_empty() {
            return Ok(self);
        }
        let mut loaded = gradmod_vm::Catalogue::with_slope(self.slope);
        loaded.add_paths(paths).map_err(|e| {
            // A message about a path comes as one line with its own `error: `, which the caller
            // adds again; diagnostics come rendered, each with its own header.
            let text = e.to_string();
            match text.strip_prefix("error: ") {
                Some(rest) => rest.to_string(),
                None => format!("the .mod files could not be compiled:\n{text}"),
            }
        })?;
        let mut added: Vec<Catalogue> = Vec::new();
        let mut errors = Vec::new();
        for m in loaded.mechanisms() {
            let new = Catalogue::loaded(m.clone());
            if self
                .catalogues
                .iter()
                .any(|c| c.file.is_some() && c.file == new.file)
            {
                continue;
            }
            let clash = self.catalogues.iter().find(|c| c.knows(m.name()));
            match clash {
                Some(c) if !(replace && c.file.is_none()) => errors.push(format!(
                    "the mechanism `{}` of {} is also defined by {}: rename its SUFFIX or \
                     POINT_PROCESS{}",
                    m.name(),
                    new.label,
                    c.label,
                    if c.file.is_none() {
                        ", or replace the built-in one with `replace_builtins = true` in the \
                         model's [mechanisms] (--replace-builtins on the command line)"
                    } else {
                        ""
                    }
                )),
                _ => added.push(new),
            }
        }
        if !errors.is_empty() {
            return Err(errors.join("\n"));
        }
        if replace {
            added.append(&mut self.catalogues);
            self.catalogues = added;
        } else {
            self.catalogues.append(&mut added);
        }
        Ok(self)
    }

    /// This library with every current's slope dI/dv computed as `slope` says: the built-in
    /// mechanisms are compiled again from their sources (embedded in the program) when the
    /// slope is not the default, and so are .mod files added later. `Slope::Neuron` is NEURON's
    /// finite difference, for comparing with NEURON to rounding. A catalogue a program compiled
    /// ahead of time keeps the slope it was compiled with.
    pub fn with_slope(mut self, slope: Slope) -> Result<Library, String> {
        if slope == self.slope {
            return Ok(self);
        }
        self.slope = slope;
        let builtin = Catalogue::builtin().label;
        let Some(i) = self.catalogues.iter().position(|c| c.label == builtin) else {
            return Ok(self);
        };
        let mut recompiled = gradmod_vm::Catalogue::with_slope(slope);
        for (name, text) in crate::catalogue::SOURCES {
            recompiled
                .add_source(&format!("mod_files/{name}"), text)
                .map_err(|e| e.to_string())?;
        }
        let names: Vec<&str> = recompiled.names().collect();
        self.catalogues[i] = Catalogue::new(builtin, move |n| recompiled.make(n), names);
        Ok(self)
    }

    /// How .mod files compiled when the program runs compute their currents' slope.
    pub fn slope(&self) -> Slope {
        self.slope
    }

    /// The catalogues, in the order they are tried.
    pub fn catalogues(&self) -> &[Catalogue] {
        &self.catalogues
    }

    /// A new, unplaced mechanism called `name`, from the first catalogue that knows it.
    pub fn make(&self, name: &str) -> Option<Box<dyn Mechanism>> {
        self.catalogues.iter().find_map(|c| c.make(name))
    }

    /// Every mechanism, catalogue after catalogue, as text: its name, kind and source, its
    /// parameters with default and unit, its states and the ions it reads and writes.
    pub fn listing(&self) -> String {
        use gradmod_runtime::mechanism::{FieldRole, IonVar, MechanismKind};
        let mut out = String::new();
        for c in &self.catalogues {
            for name in &c.names {
                // A name an earlier catalogue also has is never made from this one.
                let Some(m) = self.make(name) else { continue };
                if self
                    .catalogues
                    .iter()
                    .find(|o| o.knows(name))
                    .map(|o| &o.label)
                    != Some(&c.label)
                {
                    continue;
                }
                let info = m.info();
                let kind = match info.kind {
                    MechanismKind::Density => "density mechanism",
                    MechanismKind::Point => "point process",
                };
                out += &format!("{name}: {kind}, from {}\n", c.label);
                let fields = |role: FieldRole| {
                    info.fields
                        .iter()
                        .filter(|f| f.role == role)
                        .map(|f| match role {
                            FieldRole::Parameter if f.unit.is_empty() => {
                                format!("{} = {}", f.name, f.default)
                            }
                            FieldRole::Parameter => {
                                format!("{} = {} {}", f.name, f.default, f.unit)
                            }
                            _ => f.name.to_string(),
                        })
                        .collect::<Vec<_>>()
                        .join(", ")
                };
                for (label, role) in [
                    ("parameters", FieldRole::Parameter),
                    ("states", FieldRole::State),
                    (
                        "pointers (bind with pointers = { NAME = \"v@LOCATION\" })",
                        FieldRole::Pointer,
                    ),
                ] {
                    let list = fields(role);
                    if !list.is_empty() {
                        out += &format!("    {label}: {list}\n");
                    }
                }
                let var = |v: &IonVar, species: &str| match v {
                    IonVar::Current => format!("i{species}"),
                    IonVar::Reversal => format!("e{species}"),
                    IonVar::Inside => format!("{species}i"),
                    IonVar::Outside => format!("{species}o"),
                    IonVar::Diffusive => format!("{species}d"),
                };
                let ions: Vec<String> = info
                    .ions
                    .iter()
                    .map(|i| {
                        let list = |vs: &[IonVar]| {
                            vs.iter()
                                .map(|v| var(v, i.name))
                                .collect::<Vec<_>>()
                                .join(" ")
                        };
                        let mut parts = Vec::new();
                        if !i.reads.is_empty() {
                            parts.push(format!("reads {}", list(i.reads)));
                        }
                        if !i.writes.is_empty() {
                            parts.push(format!("writes {}", list(i.writes)));
                        }
                        format!("{} ({})", i.name, parts.join(", "))
                    })
                    .collect();
                if !ions.is_empty() {
                    out += &format!("    ions: {}\n", ions.join(", "));
                }
                if info.net_receive {
                    out += "    receives events (NET_RECEIVE)\n";
                }
            }
        }
        out
    }

    /// Every name the catalogues know, catalogue after catalogue (for messages).
    pub fn names(&self) -> Vec<&str> {
        self.catalogues
            .iter()
            .flat_map(|c| c.names.iter().map(String::as_str))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A catalogue that knows only `hh`, and makes a `pas` under that name.
    fn impostor() -> Catalogue {
        let make = |name: &str| {
            (name == "hh")
                .then(|| crate::catalogue::by_name("pas"))
                .flatten()
        };
        Catalogue::new("an impostor", make, ["hh"])
    }

    #[test]
    fn the_first_catalogue_that_knows_a_name_makes_it() {
        let name = |l: &Library| l.make("hh").map(|m| m.info().name);
        let first = Library::new().with_catalogue(impostor());
        assert_eq!(
            name(&first.clone().with_catalogue(Catalogue::builtin())),
            Some("pas")
        );
        assert_eq!(
            name(&Library::builtin().with_catalogue(impostor())),
            Some("hh")
        );
        assert!(Library::builtin().make("no_such_mechanism").is_none());
        assert!(Library::new().make("hh").is_none());
        let names = first.with_catalogue(Catalogue::builtin()).names().join(",");
        assert_eq!(names, format!("hh,{}", crate::catalogue::NAMES.join(",")));
    }

    #[test]
    fn a_catalogue_makes_only_the_names_it_lists() {
        let pas_only = Catalogue::new("pas only", crate::catalogue::by_name, ["pas"]);
        assert!(pas_only.knows("pas") && !pas_only.knows("hh"));
        assert!(pas_only.make("hh").is_none());
        assert_eq!(pas_only.make("pas").map(|m| m.info().name), Some("pas"));
        assert_eq!(pas_only.label(), "pas only");
        assert_eq!(Catalogue::builtin().names(), crate::catalogue::NAMES);
    }
}
