//! The mechanisms of a cell: their slots (each mechanism with the runtime's bookkeeping for it),
//! the order the phases run them in, what their POINTERs are bound to and their
//! LONGITUDINAL_DIFFUSION systems.
//!
//! Owner of these data: every change to them is a method of this file. The cell's builders add
//! mechanisms, bind pointers and give vectors and tables through [`Mechanisms`]; the phases of
//! the time step run a mechanism's kernels through [`MechSlot::parts`], which hands out the
//! mechanism and, beside it, the views its `Context` and `Tangents` borrow (disjoint borrows, no
//! copy); the copies of pointer values in and out of the mechanisms are
//! [`Mechanisms::fill_pointers`] and [`Mechanisms::write_back_instance`].

use crate::cable::Cable;
use crate::discretization::CvLayout;
use crate::error::Result;
use crate::function_table::FunctionTable;
use crate::ids::MechId;
use crate::longitudinal::LongitudinalSystem;
use crate::mechanism::{IonVar, Mechanism, Seed};
use crate::morphology::Morphology;
use crate::params::{ParamTarget, Parameters};
use crate::pointers::{PointerBinding, PointerSource};

/// A mechanism with the runtime's per-mechanism bookkeeping.
pub(crate) struct MechSlot {
    mech: Box<dyn Mechanism>,
    ion_slots: Vec<usize>,
    seeds: Vec<Option<Seed>>,
    /// The event requests of the last `init` or `net_receive` ([`crate::mechanism::Context::emit`]).
    emit: Vec<f64>,
    /// Per instance, the sequence number of its pending self-event that `net_move` moves (the
    /// last one `net_send` queued, until it is delivered).
    movable: Vec<Option<u64>>,
    /// Per instance, its vector, for a mechanism that reads one ([`crate::Cell::set_vector`]).
    vectors: Vec<Option<Vec<f64>>>,
    /// The values of the mechanism's FUNCTION_TABLEs, one per name of
    /// [`crate::mechanism::MechanismInfo::function_tables`].
    tables: Vec<Option<FunctionTable>>,
}

/// The data of a slot that a kernel call's `Context` and `Tangents` borrow, beside the mechanism
/// itself (see [`MechSlot::parts`]).
pub(crate) struct SlotViews<'a> {
    /// The ion species index of each ion the mechanism uses.
    pub ion_slots: &'a [usize],
    /// The event requests the call writes.
    pub emit: &'a mut [f64],
    /// The instances' vectors.
    pub vectors: &'a [Option<Vec<f64>>],
    /// The FUNCTION_TABLEs' values.
    pub tables: &'a [Option<FunctionTable>],
    /// The per-column seeds of the tangent parameters.
    pub seeds: &'a [Option<Seed>],
}

impl MechSlot {
    /// The mechanism.
    #[inline]
    pub(crate) fn mech(&self) -> &dyn Mechanism {
        self.mech.as_ref()
    }

    /// The mechanism, to write its fields or run a kernel outside the phases.
    #[inline]
    pub(crate) fn mech_mut(&mut self) -> &mut dyn Mechanism {
        self.mech.as_mut()
    }

    /// The mechanism and the views its kernels' `Context` and `Tangents` borrow, as disjoint
    /// borrows of the slot.
    #[inline]
    pub(crate) fn parts(&mut self) -> (&mut dyn Mechanism, SlotViews<'_>) {
        (
            self.mech.as_mut(),
            SlotViews {
                ion_slots: &self.ion_slots,
                emit: &mut self.emit,
                vectors: &self.vectors,
                tables: &self.tables,
                seeds: &self.seeds,
            },
        )
    }

    /// The ion species index of each ion the mechanism uses.
    pub(crate) fn ion_slots(&self) -> &[usize] {
        &self.ion_slots
    }

    /// The event requests of the last `init`, `net_receive` or `watch` call.
    #[inline]
    pub(crate) fn emit(&self) -> &[f64] {
        &self.emit
    }

    /// Clears the event requests before a call that makes some.
    #[inline]
    pub(crate) fn clear_emit(&mut self) {
        self.emit.fill(0.0);
    }

    /// Clears the event requests and forgets every pending self-event (at initialisation).
    pub(crate) fn clear_requests(&mut self) {
        self.emit.fill(0.0);
        self.movable.fill(None);
    }

    /// The sequence number of instance `j`'s pending self-event that `net_move` moves.
    #[inline]
    pub(crate) fn movable(&self, j: usize) -> Option<u64> {
        self.movable[j]
    }

    /// Sets the sequence number of instance `j`'s pending self-event (`None`: none is pending).
    #[inline]
    pub(crate) fn set_movable(&mut self, j: usize, seq: Option<u64>) {
        self.movable[j] = seq;
    }

    /// Gives instance `instance` of the mechanism's `count` instances its vector.
    pub(crate) fn set_vector(&mut self, instance: usize, count: usize, values: Vec<f64>) {
        self.vectors.resize(count, None);
        self.vectors[instance] = Some(values);
    }

    /// The vector of instance `j`, if it was given one.
    pub(crate) fn vector(&self, j: usize) -> Option<&[f64]> {
        self.vectors.get(j)?.as_deref()
    }

    /// Gives the mechanism the values of its FUNCTION_TABLE number `k`.
    pub(crate) fn set_table(&mut self, k: usize, table: FunctionTable) {
        self.tables[k] = Some(table);
    }

    /// Whether FUNCTION_TABLE number `k` has its values.
    pub(crate) fn has_table(&self, k: usize) -> bool {
        self.tables.get(k).is_some_and(Option::is_some)
    }
}

/// The mechanisms of a cell, the order the phases run them in, their POINTER bindings and their
/// LONGITUDINAL_DIFFUSION systems.
#[derive(Default)]
pub(crate) struct Mechanisms {
    /// The mechanisms in the order they were placed (a `MechId` indexes this).
    slots: Vec<MechSlot>,
    /// The order the phases run the mechanisms in (indices into `slots`): see `run_order`.
    order: Vec<usize>,
    /// What the POINTERs of the mechanisms' instances are bound to (`pointers.rs`).
    pointers: Vec<PointerBinding>,
    /// The LONGITUDINAL_DIFFUSION systems of the mechanisms that have one (built by `init`).
    longitudinal: Vec<LongitudinalSystem>,
}

impl std::ops::Index<usize> for Mechanisms {
    type Output = MechSlot;

    #[inline]
    fn index(&self, m: usize) -> &MechSlot {
        &self.slots[m]
    }
}

impl Mechanisms {
    /// Adds an allocated mechanism with `instances` instances that uses the ion species
    /// `ion_slots`; returns its id. The run order is updated.
    pub(crate) fn add(
        &mut self,
        mech: Box<dyn Mechanism>,
        ion_slots: Vec<usize>,
        instances: usize,
    ) -> MechId {
        let info = mech.info();
        let emit = vec![0.0; instances * 3 * info.emit_slots];
        let tables = vec![None; info.function_tables.len()];
        self.slots.push(MechSlot {
            mech,
            ion_slots,
            seeds: Vec::new(),
            emit,
            movable: vec![None; instances],
            vectors: Vec::new(),
            tables,
        });
        self.order = run_order(&self.slots);
        MechId(self.slots.len() - 1)
    }

    /// The number of mechanisms.
    #[inline]
    pub(crate) fn len(&self) -> usize {
        self.slots.len()
    }

    /// The slot of mechanism `m`, if there is one.
    pub(crate) fn get(&self, m: usize) -> Option<&MechSlot> {
        self.slots.get(m)
    }

    /// The slot of mechanism `m`, to change.
    #[inline]
    pub(crate) fn slot_mut(&mut self, m: usize) -> &mut MechSlot {
        &mut self.slots[m]
    }

    /// The slot of mechanism `m` to change, if there is one.
    pub(crate) fn get_mut(&mut self, m: usize) -> Option<&mut MechSlot> {
        self.slots.get_mut(m)
    }

    /// The slots in the order they were placed.
    pub(crate) fn iter(&self) -> std::slice::Iter<'_, MechSlot> {
        self.slots.iter()
    }

    /// The order the phases run the mechanisms in.
    #[inline]
    pub(crate) fn order(&self) -> &[usize] {
        &self.order
    }

    /// The run order and the slots to change, as disjoint borrows: a phase walks the first and
    /// runs the kernels of the second.
    #[inline]
    pub(crate) fn in_order(&mut self) -> (&[usize], &mut [MechSlot]) {
        (&self.order, &mut self.slots)
    }

    /// Gives every mechanism `kk` tangent columns.
    pub(crate) fn set_tangent_count(&mut self, kk: usize) {
        for slot in &mut self.slots {
            slot.mech.set_tangent_count(kk);
        }
    }

    /// Sets every mechanism's per-column seeds from the parameters' dp/dθ factors.
    pub(crate) fn set_seeds(&mut self, params: &Parameters) {
        let kk = params.len();
        for (mi, slot) in self.slots.iter_mut().enumerate() {
            slot.seeds.clear();
            slot.seeds.resize(kk, None);
            for (k, p) in params.iter().enumerate() {
                if let ParamTarget::Mechanism { mech, field } = p.target
                    && mech.0 == mi
                {
                    slot.seeds[k] = Some(Seed {
                        param: field,
                        factor: p.factor.clone(),
                    });
                }
            }
        }
    }

    /// Multiplies every mechanism's state tangents by `f` (forgetting).
    pub(crate) fn scale_tangents(&mut self, f: f64) {
        for slot in &mut self.slots {
            slot.mech
                .state_tangents_mut()
                .iter_mut()
                .for_each(|x| *x *= f);
        }
    }

    /// Builds the LONGITUDINAL_DIFFUSION systems of the mechanisms that diffuse states.
    pub(crate) fn build_longitudinal(
        &mut self,
        layout: &CvLayout,
        morph: &Morphology,
    ) -> Result<()> {
        self.longitudinal.clear();
        for (m, slot) in self.slots.iter().enumerate() {
            if !slot.mech.longitudinal().is_empty() {
                self.longitudinal.push(LongitudinalSystem::new(
                    m,
                    slot.mech.as_ref(),
                    layout,
                    morph,
                )?);
            }
        }
        Ok(())
    }

    /// Diffuses the states of LONGITUDINAL_DIFFUSION (and their `kk` tangents) along the cable
    /// for a step `dt`.
    pub(crate) fn longitudinal_step(&mut self, dt: f64, kk: usize) {
        for sys in &mut self.longitudinal {
            sys.step(self.slots[sys.mech].mech.as_mut(), dt, kk);
        }
    }

    /// Whether POINTER `field` of instance `j` of mechanism `m` is bound.
    pub(crate) fn is_bound(&self, m: usize, field: usize, j: usize) -> bool {
        self.pointers
            .iter()
            .any(|b| b.mech == m && b.field == field && b.instance == j)
    }

    /// Adds a pointer binding (checked by the caller); returns its index.
    pub(crate) fn bind(&mut self, binding: PointerBinding) -> usize {
        self.pointers.push(binding);
        self.pointers.len() - 1
    }

    /// Sets the value and tangents of binding `b` if it is bound to an external value.
    pub(crate) fn set_external(&mut self, b: usize, value: f64, tangents: &[f64]) {
        if let Some(PointerBinding {
            source:
                PointerSource::External {
                    value: v,
                    tangents: t,
                },
            ..
        }) = self.pointers.get_mut(b)
        {
            *v = value;
            t.clear();
            t.extend_from_slice(tangents);
        }
    }

    /// Copies every bound value into its pointer field, and its tangents into the pointer's σ
    /// rows (S_k at the CV, the target's tangents, or the external tangents); `v` and `s` are the
    /// cable's v and tangent columns (`kk` columns of `n` CVs).
    pub(crate) fn fill_pointers(&mut self, v: &[f64], s: &[f64], kk: usize, n: usize) {
        for b in 0..self.pointers.len() {
            self.fill_binding(b, v, s, kk, n);
        }
    }

    /// [`Mechanisms::fill_pointers`] for the pointers of instance `j` of mechanism `m` alone.
    pub(crate) fn fill_instance_pointers(
        &mut self,
        m: usize,
        j: usize,
        v: &[f64],
        s: &[f64],
        kk: usize,
        n: usize,
    ) {
        for b in 0..self.pointers.len() {
            if self.pointers[b].mech == m && self.pointers[b].instance == j {
                self.fill_binding(b, v, s, kk, n);
            }
        }
    }

    /// Copies the value of binding `b` into its pointer field and its tangents into its σ row.
    fn fill_binding(&mut self, b: usize, v: &[f64], s: &[f64], kk: usize, n: usize) {
        let (b, mechs) = (&self.pointers[b], &mut self.slots);
        let value = match &b.source {
            PointerSource::Cv(cv) => v[*cv],
            PointerSource::Field {
                mech,
                field,
                instance,
            } => mechs[mech.0].mech.field(*field)[*instance],
            PointerSource::External { value, .. } => *value,
        };
        mechs[b.mech].mech.field_mut(b.field)[b.instance] = value;
        if kk == 0 {
            return;
        }
        let info = mechs[b.mech].mech.info();
        let (rows, row) = (
            info.sigma_rows(),
            info.pointer_row(b.field).expect("a pointer field"),
        );
        let ni = mechs[b.mech].mech.instance_count();
        for k in 0..kk {
            let t = match &b.source {
                PointerSource::Cv(cv) => s[k * n + cv],
                PointerSource::Field {
                    mech,
                    field,
                    instance,
                } => field_tangent(&*mechs[mech.0].mech, *field, *instance, k),
                PointerSource::External { tangents, .. } => tangents.get(k).copied().unwrap_or(0.0),
            };
            mechs[b.mech].mech.state_tangents_mut()[(k * rows + row) * ni + b.instance] = t;
        }
    }

    /// Copies the pointers of instance `j` of mechanism `m` (values and their `kk` tangents)
    /// into their targets, v and S_k of `cable` for a pointer to a CV; returns whether any was
    /// written. A value fed from another cell (`External`) is not written back.
    pub(crate) fn write_back_instance(
        &mut self,
        m: usize,
        j: usize,
        kk: usize,
        cable: &mut Cable,
    ) -> bool {
        let mut wrote = false;
        for b in self
            .pointers
            .iter()
            .filter(|b| b.mech == m && b.instance == j)
        {
            let mech = &self.slots[m].mech;
            let value = mech.field(b.field)[j];
            let info = mech.info();
            let (rows, row, ni) = (
                info.sigma_rows(),
                info.pointer_row(b.field).expect("a pointer field"),
                mech.instance_count(),
            );
            let tangents: Vec<f64> = if kk > 0 {
                (0..kk)
                    .map(|k| mech.state_tangents()[(k * rows + row) * ni + j])
                    .collect()
            } else {
                Vec::new()
            };
            match b.source {
                PointerSource::Cv(cv) => {
                    cable.set_v(cv, value, tangents.len(), |k| tangents[k]);
                }
                PointerSource::Field {
                    mech,
                    field,
                    instance,
                } => {
                    let t = &mut self.slots[mech.0].mech;
                    t.field_mut(field)[instance] = value;
                    for (k, x) in tangents.iter().enumerate() {
                        set_field_tangent(&mut **t, field, instance, k, *x);
                    }
                }
                PointerSource::External { .. } => continue,
            }
            wrote = true;
        }
        wrote
    }
}

/// The order in which INITIAL, the currents and the state updates run the mechanisms, as NEURON
/// orders them: every mechanism that writes an ion concentration (`WRITE cai`, `WRITE cao`)
/// comes first, then all others. NEURON's `nrn_writes_conc` moves such mechanism types to just
/// after the ions in its list of types, and that list orders every phase (`finitialize`, the
/// currents and the state update), so that a mechanism reading `cai` sees the concentration of
/// the same step whatever order the mechanisms were inserted in. Within each group gradmod keeps
/// the order of insertion (NEURON uses its order of mechanism registration instead, which only
/// changes the rounding of summed currents).
fn run_order(mechs: &[MechSlot]) -> Vec<usize> {
    let writes_concentration = |slot: &MechSlot| {
        slot.mech
            .info()
            .ions
            .iter()
            .any(|ion| ion.writes(IonVar::Inside) || ion.writes(IonVar::Outside))
    };
    let (writers, others): (Vec<usize>, Vec<usize>) =
        (0..mechs.len()).partition(|&i| writes_concentration(&mechs[i]));
    writers.into_iter().chain(others).collect()
}

/// Where the tangents of field `field` of `mech` are kept: `(true, rows, row)` for a STATE (its
/// row of σ), `(false, rows, row)` for a carried ASSIGNED variable (its row of the carried
/// tangents); `None` for a field whose tangent is not kept.
pub(crate) fn tangent_row(mech: &dyn Mechanism, field: usize) -> Option<(bool, usize, usize)> {
    let info = mech.info();
    if let Some(pos) = info.state_position(field) {
        return Some((true, info.sigma_rows(), pos));
    }
    let carried = mech.carried_fields();
    let pos = carried.iter().position(|&f| f == field)?;
    Some((false, carried.len(), pos))
}

/// Tangent `k` of field `field` of instance `j` of `mech` (a field [`tangent_row`] accepts).
fn field_tangent(mech: &dyn Mechanism, field: usize, j: usize, k: usize) -> f64 {
    let ni = mech.instance_count();
    match tangent_row(mech, field) {
        Some((true, rows, row)) => mech.state_tangents()[(k * rows + row) * ni + j],
        Some((false, rows, row)) => mech.carried_tangents()[(k * rows + row) * ni + j],
        None => 0.0,
    }
}

/// Sets tangent `k` of field `field` of instance `j` of `mech` to `x`.
fn set_field_tangent(mech: &mut dyn Mechanism, field: usize, j: usize, k: usize, x: f64) {
    let ni = mech.instance_count();
    match tangent_row(mech, field) {
        Some((true, rows, row)) => mech.state_tangents_mut()[(k * rows + row) * ni + j] = x,
        Some((false, rows, row)) => mech.carried_tangents_mut()[(k * rows + row) * ni + j] = x,
        None => {}
    }
}
