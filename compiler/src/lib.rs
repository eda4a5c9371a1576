//! gradmod-compiler: NMODL text -> AST -> IR -> passes -> back ends.

pub mod ast;
pub mod audit;
pub mod back;
pub mod builder;
pub mod diag;
pub mod driver;
pub mod interp;
pub mod ir;
pub mod lower;
pub mod parse;
pub mod passes;
pub mod sym;
