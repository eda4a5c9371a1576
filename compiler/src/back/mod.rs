//! Back ends: writers from a validated module to a target language.

pub mod arbor;
pub mod kernels;
pub mod nmodl;
pub mod rust;
