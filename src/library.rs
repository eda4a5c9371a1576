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
use std::sync::Arc;

use gradmod_runtime::mechanism::Mechanism;

/// A constructor of mechanisms by name, shared between the clones of a catalogue.
type Constructor = Arc<dyn Fn(&str) -> Option<Box<dyn Mechanism>> + Send + Sync>;

/// One source of mechanisms: a constructor by name, the names it knows and a label for messages.
#[derive(Clone)]
pub struct Catalogue {
    label: String,
    make: Constructor,
    names: Vec<String>,
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
        }
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

    /// The catalogues, in the order they are tried.
    pub fn catalogues(&self) -> &[Catalogue] {
        &self.catalogues
    }

    /// A new, unplaced mechanism called `name`, from the first catalogue that knows it.
    pub fn make(&self, name: &str) -> Option<Box<dyn Mechanism>> {
        self.catalogues.iter().find_map(|c| c.make(name))
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
