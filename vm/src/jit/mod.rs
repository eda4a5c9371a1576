//! The JIT: a mechanism's register code compiled to native code with Cranelift.
//!
//! Each kernel of a [`Code`] becomes one native function over a [`frame::Frame`] (lowered by
//! `lower.rs` and `memory.rs`, over four instances at a time by `lanes.rs`), compiled into one Cranelift module per mechanism (`module.rs`),
//! and called by `call.rs`, which checks before each call that every index the kernel will form
//! is within the array it indexes. The native code computes what the evaluator computes, to the
//! bit: the same operations in the same order with the same library functions.
//!
//! [`JitCode::new`] fails, rather than panics, where the JIT cannot be set up (an instruction
//! set Cranelift does not support, executable memory refused): the loader then falls back to
//! the evaluator (see `load.rs`).

mod call;
mod frame;
mod lanes;
mod lower;
mod memory;
mod module;
mod symbols;
#[cfg(test)]
mod tests;

use std::fmt;

use cranelift_jit::JITModule;

use crate::code::{Code, KernelSet, Shape};
use frame::{Frame, Needs, validate};
use module::Compiler;

/// The largest kernel, in operations of its register code, that the JIT compiles when it is
/// chosen automatically: a mechanism with a larger one runs on the evaluator.
///
/// Cranelift's register allocator takes time superlinear in a function's size: measured on the
/// corpus (release build), 0.13 s for a mechanism whose largest kernel has 5 113 operations,
/// 1.0-1.3 s at 21 635 and 27 317, 8 s at 78 852 (kinetic schemes whose Newton iterations are
/// written out), where the evaluator runs those kernels within 20 % of the JIT's speed. Its
/// single-pass allocator compiles them 60 times faster, but its code is slower than the
/// evaluator there.
pub const AUTO_LIMIT: usize = 10_000;

/// Why the JIT, chosen automatically, leaves `code` to the evaluator: a kernel larger than
/// [`AUTO_LIMIT`].
pub(crate) fn declines(code: &Code) -> Option<String> {
    let (name, size) = code
        .kernel_sizes()
        .into_iter()
        .map(|(name, s)| (name, s.iter().sum::<usize>()))
        .max_by_key(|&(_, n)| n)?;
    (size > AUTO_LIMIT).then(|| {
        format!(
            "its kernel {name} has {size} operations, more than the {AUTO_LIMIT} the JIT compiles \
             unless {} asks for it: compiling it would take seconds for little gain",
            crate::engine::ENGINE_VARIABLE
        )
    })
}

/// The type of every kernel: one pointer to a frame.
type KernelFn = unsafe extern "C" fn(*const Frame);

/// One kernel's native code and what it indexes.
#[derive(Debug)]
pub(crate) struct Kernel {
    /// The function.
    entry: KernelFn,
    /// Whether it runs with tangents.
    tangent: bool,
    /// The arrays it indexes.
    needs: Needs,
}

/// The native code of every kernel of one mechanism, and the module that owns it.
pub struct JitCode {
    shape: Shape,
    /// Every kernel; `None` where the register code does nothing.
    kernels: KernelSet<Option<Kernel>>,
    /// The module that owns the code's memory, freed when the code is dropped.
    module: Option<JITModule>,
}

impl fmt::Debug for JitCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("JitCode")
            .field("shape", &self.shape)
            .field("kernels", &self.kernels)
            .finish_non_exhaustive()
    }
}

// SAFETY: after `JitCode::new` finalizes the module, nothing touches it but `Drop`, which has
// exclusive access; the kernels are immutable machine code, callable from any thread (each call
// gets its own frame).
unsafe impl Send for JitCode {}
// SAFETY: as for `Send`: shared references to a `JitCode` only read its kernels and shape.
unsafe impl Sync for JitCode {}

impl JitCode {
    /// The native code of `code`, or why it cannot be made.
    pub fn new(code: &Code) -> Result<JitCode, String> {
        let mut c = Compiler::new()?;
        let mech = code.shape.info.name;
        let ids = code.kernels.try_map(|name, tangent, p| {
            if p.is_empty() {
                return Ok(None);
            }
            validate(p, &code.shape)?;
            let symbol = format!("gradmod_{mech}_{name}");
            let id = c.define(
                p,
                tangent,
                &code.constants,
                &symbol,
                lanes::over_lanes(name, p),
            )?;
            Ok::<_, String>(Some((id, tangent, Needs::of(p, tangent))))
        })?;
        c.module
            .finalize_definitions()
            .map_err(|e| format!("making the code executable: {e}"))?;
        let module = c.module;
        let kernels = ids.try_map(|_, _, k| {
            Ok::<_, String>(k.as_ref().map(|(id, tangent, needs)| {
                let f = module.get_finalized_function(*id);
                Kernel {
                    // SAFETY: `Compiler::define` compiled every kernel with the signature
                    // `extern "C" fn(*const Frame)` for the host's calling convention.
                    entry: unsafe { std::mem::transmute::<*const u8, KernelFn>(f) },
                    tangent: *tangent,
                    needs: needs.clone(),
                }
            }))
        })?;
        Ok(JitCode {
            shape: code.shape,
            kernels,
            module: Some(module),
        })
    }
}

impl Drop for JitCode {
    fn drop(&mut self) {
        if let Some(module) = self.module.take() {
            // SAFETY: the kernels' function pointers live in `self.kernels` only (each call
            // copies one into a local for its duration), and every set of instances that calls
            // them holds an `Arc` of this code: once it is dropped, no kernel runs or will run.
            unsafe { module.free_memory() };
        }
    }
}
