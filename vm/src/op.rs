//! The operations of register code ([`crate::program::Program`]): one operation over a chunk of
//! instances, the registers it reads and writes, and whether it belongs to a sequential kernel.

use gradmod_compiler::back::kernels::{Sink, Source};
use gradmod_compiler::ir::{BinOp, Func, UnOp};

/// A register: an index into the evaluator's scratch space, in units of [`crate::program::LANES`]
/// values.
pub type Reg = u32;

/// One operation over a chunk of instances.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Op {
    /// `dst = source` for every instance of the chunk.
    Load {
        /// The destination.
        dst: Reg,
        /// Where from.
        from: Source,
    },
    /// `dst = op a`.
    Unary {
        /// The operator.
        op: UnOp,
        /// The destination.
        dst: Reg,
        /// The operand.
        a: Reg,
    },
    /// `dst = a op b` (a `Pow` here is `powf`).
    Binary {
        /// The operator.
        op: BinOp,
        /// The destination.
        dst: Reg,
        /// The left operand.
        a: Reg,
        /// The right operand.
        b: Reg,
    },
    /// `dst = a.powi(n)`: a power with a constant integer exponent.
    Powi {
        /// The destination.
        dst: Reg,
        /// The base.
        a: Reg,
        /// The exponent.
        n: i32,
    },
    /// `dst = f(a)`.
    Call {
        /// The function.
        f: Func,
        /// The destination.
        dst: Reg,
        /// The argument.
        a: Reg,
    },
    /// `dst = if c != 0 { t } else { o }`.
    Select {
        /// The destination.
        dst: Reg,
        /// The condition.
        c: Reg,
        /// The value where the condition holds.
        t: Reg,
        /// The value elsewhere.
        o: Reg,
    },
    /// Stores `src` into `sink` for every instance of the chunk.
    Store {
        /// The value.
        src: Reg,
        /// What to do with it.
        sink: Sink,
    },
    /// `dst = src` (a loop's slot, or an element of a local array zeroed).
    Copy {
        /// The destination.
        dst: Reg,
        /// The source.
        src: Reg,
    },
    /// `counter = from; last = to`, then to the operation after the matching
    /// [`Op::LoopEnd`] (at `exit`) unless `counter <= last`.
    LoopStart {
        /// The counter.
        counter: Reg,
        /// The last value, evaluated once.
        last: Reg,
        /// The first value.
        from: Reg,
        /// The bound.
        to: Reg,
        /// The position of the operation after the loop.
        exit: u32,
    },
    /// `counter += 1`, then back to `body` (the first operation of the loop's body) while
    /// `counter <= last`.
    LoopEnd {
        /// The counter.
        counter: Reg,
        /// The last value.
        last: Reg,
        /// The position of the body's first operation.
        body: u32,
    },
    /// To the operation after the innermost open loop's [`Op::LoopEnd`] (at `exit`) unless
    /// `cond` is nonzero: the test at the start of a while loop's body.
    ExitUnless {
        /// The condition to go on.
        cond: Reg,
        /// The position of the operation after the loop.
        exit: u32,
    },
    /// `dst = regs[base + trunc(index)]` for a local array of `len` registers from `base`;
    /// NaN for an index out of range.
    GetElement {
        /// The destination.
        dst: Reg,
        /// The array's first register.
        base: Reg,
        /// Its length.
        len: u32,
        /// The index.
        index: Reg,
    },
    /// `dst = vector[trunc(index)]` of the instance's vector, NaN outside it; its size where
    /// `index` is `None` (sequential kernels only: one instance at a time).
    VectorRead {
        /// The destination.
        dst: Reg,
        /// The index, or `None` for the number of elements.
        index: Option<Reg>,
    },
    /// `dst = ` the random draw `draw` of the instance in the loop iteration numbered by the
    /// register `iteration` (sequential kernels only: one instance at a time).
    DrawAt {
        /// The destination.
        dst: Reg,
        /// The stream and distribution.
        draw: gradmod_compiler::ir::Draw,
        /// The iteration's number.
        iteration: Reg,
    },
    /// `dst = ` FUNCTION_TABLE `table` of the mechanism at `arg` (its slope where `slope`).
    TableRead {
        /// The destination.
        dst: Reg,
        /// The table's index in the mechanism.
        table: u32,
        /// The argument.
        arg: Reg,
        /// Whether this reads the slope.
        slope: bool,
    },
    /// `regs[base + trunc(index)] = src`; every element NaN for an index out of range.
    SetElement {
        /// The array's first register.
        base: Reg,
        /// Its length.
        len: u32,
        /// The index.
        index: Reg,
        /// The value.
        src: Reg,
    },
}

impl Op {
    /// The registers the operation reads.
    pub fn reads(&self) -> impl Iterator<Item = Reg> {
        let r = match *self {
            Op::Load { .. } => [None, None, None],
            Op::Unary { a, .. } | Op::Powi { a, .. } | Op::Call { a, .. } => [Some(a), None, None],
            Op::Binary { a, b, .. } => [Some(a), Some(b), None],
            Op::Select { c, t, o, .. } => [Some(c), Some(t), Some(o)],
            Op::Store { src, .. } | Op::Copy { src, .. } => [Some(src), None, None],
            Op::LoopStart { from, to, .. } => [Some(from), Some(to), None],
            Op::LoopEnd { counter, last, .. } => [Some(counter), Some(last), None],
            Op::ExitUnless { cond, .. } => [Some(cond), None, None],
            Op::GetElement { index, .. } => [Some(index), None, None],
            Op::VectorRead { index, .. } => [index, None, None],
            Op::DrawAt { iteration, .. } => [Some(iteration), None, None],
            Op::TableRead { arg, .. } => [Some(arg), None, None],
            Op::SetElement { index, src, .. } => [Some(index), Some(src), None],
        };
        r.into_iter().flatten()
    }

    /// The register the operation writes, if any.
    pub fn writes(&self) -> Option<Reg> {
        match *self {
            Op::Load { dst, .. }
            | Op::Unary { dst, .. }
            | Op::Binary { dst, .. }
            | Op::Powi { dst, .. }
            | Op::Call { dst, .. }
            | Op::Select { dst, .. }
            | Op::Copy { dst, .. }
            | Op::GetElement { dst, .. }
            | Op::DrawAt { dst, .. }
            | Op::TableRead { dst, .. }
            | Op::VectorRead { dst, .. } => Some(dst),
            Op::LoopStart { counter, .. } => Some(counter),
            Op::Store { .. }
            | Op::LoopEnd { .. }
            | Op::ExitUnless { .. }
            | Op::SetElement { .. } => None,
        }
    }

    /// Whether the operation belongs to a sequential kernel (loops and local arrays).
    pub fn is_sequential(&self) -> bool {
        matches!(
            self,
            Op::Copy { .. }
                | Op::LoopStart { .. }
                | Op::LoopEnd { .. }
                | Op::ExitUnless { .. }
                | Op::GetElement { .. }
                | Op::SetElement { .. }
                | Op::VectorRead { .. }
                | Op::DrawAt { .. }
                | Op::TableRead { .. }
        )
    }

    /// Every register the operation names, mutably (for renaming).
    pub(crate) fn regs_mut(&mut self) -> Vec<&mut Reg> {
        match self {
            Op::Load { dst, .. } => vec![dst],
            Op::Unary { dst, a, .. } | Op::Powi { dst, a, .. } | Op::Call { dst, a, .. } => {
                vec![dst, a]
            }
            Op::Binary { dst, a, b, .. } => vec![dst, a, b],
            Op::Select { dst, c, t, o } => vec![dst, c, t, o],
            Op::Store { src, .. } => vec![src],
            Op::Copy { dst, src } => vec![dst, src],
            Op::LoopStart {
                counter,
                last,
                from,
                to,
                ..
            } => vec![counter, last, from, to],
            Op::LoopEnd { counter, last, .. } => vec![counter, last],
            Op::ExitUnless { cond, .. } => vec![cond],
            Op::GetElement {
                dst, base, index, ..
            } => vec![dst, base, index],
            Op::SetElement {
                base, index, src, ..
            } => vec![base, index, src],
            Op::VectorRead { dst, index } => {
                let mut regs = vec![dst];
                regs.extend(index.as_mut());
                regs
            }
            Op::DrawAt { dst, iteration, .. } => vec![dst, iteration],
            Op::TableRead { dst, arg, .. } => vec![dst, arg],
        }
    }
}
