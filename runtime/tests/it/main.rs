//! The runtime's integration tests, one module per subject, gathered into one test binary so that
//! the crate graph is linked once rather than once per file. The hand-written mechanisms and the
//! standard models they simulate come from `gradmod-testkit`.

mod cable_theory;
mod discretization;
mod errors;
mod events;
mod fitting;
mod import3d;
mod ions;
mod network;
mod neuron_reference;
mod noise;
mod tangents;
