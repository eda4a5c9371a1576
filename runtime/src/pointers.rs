//! POINTER variables: what each pointer of each mechanism instance is bound to, and the copy of
//! the bound values (and their tangents) into the mechanisms before every kernel call.
//!
//! A mechanism's POINTER is a field with role
//! [`FieldRole::Pointer`](crate::mechanism::FieldRole::Pointer) that its kernels read and never
//! write; its tangents are the rows of σ after the states' rows. A pointer is bound to the membrane
//! potential at a CV, either of its own cell ([`PointerSource::Cv`]) or of another cell of a
//! network ([`PointerSource::External`], whose value and tangents the network sets before each
//! step). Before `init`, `currents`, `states`, every event and every BEFORE or AFTER block the
//! cell copies each bound value into the pointer's field and each tangent into its σ rows (NET_RECEIVE
//! and the BEFORE and AFTER blocks may write them back), so a pointer to a CV of the own cell
//! reads, as NEURON's pointers do, the value of the phase: v_n (and S_n) during the currents and
//! events, v_{n+1} (and S_{n+1}) during the states. A pointer into another cell holds the other
//! cell's v_n during the whole step (see `network.rs`). The bindings and the copies
//! belong to the cell's mechanisms (`mechanisms.rs`); the cell's methods over them are in
//! `cell_pointers.rs`.

use crate::ids::MechId;

/// Where a bound pointer takes its value from.
#[derive(Clone, Debug, PartialEq)]
pub enum PointerSource {
    /// The membrane potential (mV) at this CV of the same cell; its tangent is S_k there.
    Cv(usize),
    /// A STATE field of an instance of another mechanism of the same cell (a synapse's weight
    /// that a weight adjuster sets), its tangent the state's row of σ; or a carried ASSIGNED
    /// field the mechanism exposes ([`Mechanism::carried_fields`]), its tangent that field's row
    /// of the carried tangents.
    ///
    /// [`Mechanism::carried_fields`]: crate::mechanism::Mechanism::carried_fields
    Field {
        /// The mechanism.
        mech: MechId,
        /// The field (a STATE of the mechanism).
        field: usize,
        /// The instance.
        instance: usize,
    },
    /// A value set from outside the cell (by a network, the v of a CV of another cell), with
    /// one tangent per column k.
    External {
        /// The value.
        value: f64,
        /// Its tangents dvalue/dθ_k (empty: zero).
        tangents: Vec<f64>,
    },
}

/// One bound pointer of one instance.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct PointerBinding {
    /// The mechanism (an index into the cell's mechanisms).
    pub mech: usize,
    /// The POINTER field.
    pub field: usize,
    /// The instance.
    pub instance: usize,
    /// What it is bound to.
    pub source: PointerSource,
}

/// An identifier of a pointer binding of a cell, as
/// [`Cell::bind_pointer`](crate::Cell::bind_pointer) returns it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PointerId(pub usize);
