//! gradmod-compiler: NMODL text -> AST -> IR -> passes -> back ends.

pub mod diag;
pub mod ir;
