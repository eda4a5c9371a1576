//! The symbolic expression engine: simplifying constructors, differentiation, evaluation,
//! common-subexpression elimination and printing over the hash-consed [`ExprArena`].
//!
//! - [`build`]: smart constructors (`add`, `mul`, `select`, ...) that fold constants and apply
//!   identities as they build; [`simplify`] rebuilds a whole expression through them.
//! - [`diff`](mod@diff): exact symbolic derivatives ([`diff()`], [`tangent`], [`jacobian`]).
//! - [`cancel`](mod@cancel): equal factors of opposite powers cancelled, for derivatives.
//! - [`linear`]: the linearity test [`is_linear_in`] behind cnexp, sparse and the conductance.
//! - [`eval`](mod@eval): `f64` evaluation with the C semantics NEURON's generated code has; the reference
//!   semantics for every back end and for constant folding.
//! - [`dual`]: an independent dual-number evaluator, the oracle the tests check [`diff()`] against.
//! - [`cse`](mod@cse): which shared subexpressions to name when emitting straight-line code.
//! - [`print`](mod@print): NMODL text with minimal parentheses.
//!
//! [`ExprArena`]: crate::ir::expr::ExprArena

pub mod build;
pub mod cancel;
pub mod cse;
pub mod diff;
pub mod dual;
pub mod eval;
pub mod linear;
pub mod print;
pub mod rewrite;

pub use cancel::cancel;
pub use cse::{CsePlan, LetChain, cse, cse_with};
pub use diff::{diff, diff_many, exprelr_prime, jacobian, tangent};
pub use dual::{Dual, eval_dual};
pub use eval::{eval, eval_many};
pub use linear::is_linear_in;
pub use print::{to_nmodl, to_nmodl_with};
pub use rewrite::{
    depends_on, free_vars, simplify, simplify_many, substitute, substitute_many,
    substitute_tangent, substitute_zeros,
};
