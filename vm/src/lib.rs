//! gradmod-vm: mechanisms compiled from .mod files when a model runs, with no Rust toolchain.
//!
//! [`Catalogue::load`] takes .mod files and folders (as NEURON's `nrnivmodl` takes a model's
//! folder), runs each through the compiler's front end, passes and kernel planner
//! ([`gradmod_compiler::back::kernels`]), and flattens every kernel into register code
//! ([`program`]). Its mechanisms implement the runtime's `Mechanism` interface like generated
//! Rust, so the runtime cannot tell where a mechanism came from.
//!
//! The engine is an array evaluator ([`eval`]): each operation of a kernel runs over a chunk of
//! instances in one tight loop, so dispatch costs once per operation and chunk rather than once
//! per instance. It runs the operations of the plan in the plan's order with the same library
//! functions, so its results equal the build-time generated Rust to the bit.

pub mod eval;
mod info;
mod load;
mod mechanism;
pub mod program;

pub use load::{Catalogue, LoadError, Loaded, Located};
pub use mechanism::{Code, VmMechanism};
