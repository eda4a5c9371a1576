//! The views a mechanism kernel gets in every phase, built in one place: the forward [`Context`]
//! and the tangent [`Tangents`] over a cell's arrays, for one mechanism slot's views
//! ([`crate::mechanisms::MechSlot::parts`]).
//!
//! These are macros rather than methods so that each view borrows only the fields of the cell it
//! needs (the cable, the ions, the settings, the clock), next to the mutable borrow of the
//! mechanism slot itself.
//!
//! [`Context`]: crate::mechanism::Context
//! [`Tangents`]: crate::mechanism::Tangents

/// `Context` for the slot views `$slot` (mechanism `$m` of cell `$cell`) at time `$t` in phase `$phase` (a
/// [`crate::random::Phase`], which with the step counter keys the call's random draws; named, or
/// a value after the word `value`).
macro_rules! phase_context {
    ($cell:ident, $slot:ident, $t:expr, $m:expr, $phase:ident) => {
        phase_context!($cell, $slot, $t, $m, value crate::random::Phase::$phase)
    };
    ($cell:ident, $slot:ident, $t:expr, $m:expr, value $phase:expr) => {
        crate::mechanism::Context {
            dt: $cell.settings.dt,
            t: $t,
            celsius: $cell.settings.celsius,
            v: &$cell.cable.v,
            i: &mut $cell.cable.i,
            g: &mut $cell.cable.g,
            area: &$cell.cable.layout.area,
            diam: &$cell.cable.layout.diam,
            ions: &mut $cell.ions.arrays,
            ion_slots: $slot.ion_slots,
            emit: &mut *$slot.emit,
            vectors: $slot.vectors,
            tables: $slot.tables,
            random: crate::random::Draws::new(
                $cell.settings.seed,
                $m,
                $cell.clock.steps(),
                $phase,
                $t,
            ),
        }
    };
}

/// `Tangents` for the slot views `$slot` of cell `$cell`, with `$k` columns over `$n` CVs.
macro_rules! phase_tangents {
    ($cell:ident, $slot:ident, $k:expr, $n:expr) => {
        crate::mechanism::Tangents {
            k: $k,
            ncv: $n,
            s: &$cell.cable.s,
            di: &mut $cell.cable.di,
            dg: &mut $cell.cable.dg,
            ions: &mut $cell.ions.tangents,
            seeds: $slot.seeds,
        }
    };
}

pub(crate) use {phase_context, phase_tangents};
