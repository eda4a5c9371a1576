//! gradmod-vm: mechanisms compiled from .mod files when a model runs, with no Rust toolchain.
//!
//! [`Catalogue::load`] takes .mod files and folders (as NEURON's `nrnivmodl` takes a model's
//! folder), runs each through the compiler's front end, passes and kernel planner
//! ([`gradmod_compiler::back::kernels`]), and flattens every kernel into register code
//! ([`program`], gathered per mechanism in [`Code`]). Its mechanisms implement the runtime's
//! `Mechanism` interface like generated Rust, so the runtime cannot tell where a mechanism came
//! from.
//!
//! Two engines run the register code ([`Engine`]):
//!
//! - the JIT (the default): Cranelift compiles each kernel to one native function that loops
//!   over the instances (`jit/`);
//! - the array evaluator, the fallback where the JIT cannot be set up ([`eval`]): each operation
//!   runs over a chunk of instances in one tight loop, so dispatch costs once per operation and
//!   chunk rather than once per instance.
//!
//! Both run the operations of the plan in the plan's order with the same library functions, so
//! their results equal the build-time generated Rust to the bit. The environment variable
//! `GRADMOD_ENGINE` (`evaluator` or `jit`) forces one ([`EngineChoice`]).

mod code;
mod engine;
pub mod eval;
mod info;
mod instances;
mod jit;
mod load;
pub mod op;
pub mod program;

pub use code::{Code, KernelSet, Shape, TangentSet};
pub use engine::{ENGINE_VARIABLE, Engine, EngineChoice};
pub use jit::{AUTO_LIMIT, JitCode};
pub use load::{Catalogue, LoadError, Loaded, Located, mod_files};
