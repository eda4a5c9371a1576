//! gradmod-runtime: a multicompartment cable simulator carrying tangent columns dV/dθ.
//!
//! The runtime reproduces NEURON's fixed-step scheme (backward Euler on the Hines tree matrix,
//! currents at v_n, states with v_{n+1}) and differentiates that discrete step exactly: for K
//! parameters it carries S_k = dv/dθ_k per CV, solved with the same factorisation as the voltage.
//! Mechanisms plug in through [`mechanism`], the only module generated code uses.

// Numerical kernels index several parallel arrays by CV; range loops read best there.
#![allow(clippy::needless_range_loop)]

mod cable;
pub mod cell;
mod cell_before_after;
mod cell_events;
mod cell_params;
mod cell_pointers;
mod cell_sentinel;
mod cell_tables;
mod cell_vectors;
mod clock;
pub mod control;
pub mod diffusion;
pub mod discretization;
pub mod error;
pub mod events;
pub mod function_table;
mod ids;
pub mod include;
mod ion_store;
pub mod ions;
pub mod lanes;
mod longitudinal;
pub mod mechanism;
mod mechanisms;
pub mod morphology;
mod netcons;
pub mod network;
pub mod noise;
pub mod optim;
pub mod params;
mod phase;
pub mod pointers;
mod post_event;
pub mod probe;
pub mod random;
pub mod sentinel;
mod solver;
mod spiking;
mod step;
mod voltage_process;

pub use cell::{Cell, ClampId, IClamp, MechId, Settings};
pub use error::{Error, Result};
pub use events::NetConId;
pub use morphology::{Morphology, Point, Section, SectionId, region::Region, swc::read_swc};
pub use network::{Connection, Network};
pub use optim::{Adam, TraceLoss};
pub use params::ParamSpec;
pub use pointers::{PointerId, PointerSource};
pub use probe::{Probe, Recorder};

/// What tests and diagnostics may read of a cell's inner data, outside the API that models,
/// examples and generated code use: the ion store ([`Cell::ions`]), whose species and arrays
/// kernels see through [`mechanism::Context`] and [`mechanism::Tangents`].
pub mod internals {
    pub use crate::ion_store::{IonSpecies, IonStore};
}
