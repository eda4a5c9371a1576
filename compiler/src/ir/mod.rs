//! The intermediate representation: variables, a hash-consed expression DAG and statements.

pub mod expr;
