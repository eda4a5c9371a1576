//! The handles of what a cell holds: its mechanisms, clamps and connections. A leaf module, so
//! that every part of the cell can name them without importing the cell.

/// Handle of a mechanism placed on a cell.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct MechId(pub usize);

/// Handle of an IClamp on a cell.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct ClampId(pub usize);

/// The index of a connection (NetCon) on its cell.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct NetConId(pub usize);
