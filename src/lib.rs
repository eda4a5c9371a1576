//! gradmod: NEURON-style NMODL mechanisms compiled into a cable simulator that computes exact
//! parameter gradients, and the `gradmod` command line over them.
//!
//! The compiler ([`gradmod_compiler`]) and the simulator ([`gradmod_runtime`]) are crates of their
//! own; this library is what the `gradmod` command is made of, for programs that want the same:
//!
//! - [`Library`]: which mechanisms a model can name (the built-in [`catalogue`], and a program's
//!   own catalogues compiled by its build script);
//! - [`model`]: model descriptions (TOML) and the runtime cells they build;
//! - [`run`]: simulating a model and writing its traces, tangents ([`output`]) and a plot
//!   ([`plot`]);
//! - [`fit`]: fitting parameters to a voltage trace with Adam, and the `gradmod fit` command;
//! - [`homeostasis`]: online homeostatic control, the `[homeostasis]` and `[[noise]]` sections;
//! - [`cli`]: the command line itself, so that a program with mechanisms of its own is
//!   `gradmod::cli::main_with(gradmod::Library::builtin().with(by_name, NAMES))`.

#![warn(missing_docs)]

pub mod catalogue;
pub mod cli;
pub mod emit;
pub mod emit_model;
pub mod fit;
pub mod homeostasis;
pub mod library;
pub mod model;
pub mod outdir;
pub mod output;
pub mod plot;
pub mod progress;
pub mod run;

pub use library::Library;
