//! The cell's POINTER bindings (`pointers.rs`): binding a pointer, and copying the bound values
//! and tangents into the mechanisms before each kernel call and back out after an event. The
//! bindings and the copies belong to the mechanisms (`mechanisms.rs`); these are the cell's
//! methods over them, which hand them the cable.

use crate::cell::{Cell, MechId};
use crate::error::{Error, Result};
use crate::mechanism::FieldRole;
use crate::mechanisms::tangent_row;
use crate::pointers::{PointerBinding, PointerId, PointerSource};

impl Cell {
    /// Binds pointer `pointer` (a POINTER of the mechanism) of instance `instance` of mechanism
    /// `id` to `source`. A pointer is bound once.
    pub fn bind_pointer(
        &mut self,
        id: MechId,
        instance: usize,
        pointer: &str,
        source: PointerSource,
    ) -> Result<PointerId> {
        let m = self
            .mechs
            .get(id.0)
            .ok_or_else(|| Error::Invalid(format!("no mechanism {}", id.0)))?;
        let info = m.mech().info();
        let field = info
            .fields
            .iter()
            .position(|f| f.name == pointer && f.role == FieldRole::Pointer)
            .ok_or_else(|| Error::UnknownName {
                kind: "POINTER",
                name: format!("{}.{pointer}", info.name),
            })?;
        if instance >= m.mech().instance_count() {
            return Err(Error::UnknownName {
                kind: "instance",
                name: format!("{}[{instance}]", info.name),
            });
        }
        if let PointerSource::Cv(cv) = source
            && cv >= self.cable.layout.len()
        {
            return Err(Error::Invalid(format!(
                "POINTER {}.{pointer}: CV {cv} is out of range ({} CVs)",
                info.name,
                self.cable.layout.len()
            )));
        }
        if let PointerSource::Field {
            mech,
            field: target,
            instance: j,
        } = source
        {
            let t = self.mechs.get(mech.0).ok_or_else(|| {
                Error::Invalid(format!(
                    "POINTER {}.{pointer}: no mechanism {}",
                    info.name, mech.0
                ))
            })?;
            let tinfo = t.mech().info();
            let ok = tangent_row(t.mech(), target).is_some() && j < t.mech().instance_count();
            if !ok || mech == id {
                return Err(Error::Invalid(format!(
                    "POINTER {}.{pointer}: the target must be a STATE, or an ASSIGNED variable \
                     whose value crosses from step to step, of an instance of another mechanism \
                     (field {target} of {}[{j}] is not)",
                    info.name, tinfo.name
                )));
            }
        }
        if self.mechs.is_bound(id.0, field, instance) {
            return Err(Error::Invalid(format!(
                "POINTER {}.{pointer} of instance {instance} is bound twice",
                info.name
            )));
        }
        Ok(PointerId(self.mechs.bind(PointerBinding {
            mech: id.0,
            field,
            instance,
            source,
        })))
    }

    /// Sets the value and tangents of an external pointer binding (the network does this before
    /// every step). Does nothing to a binding to a CV of the cell.
    pub fn set_pointer_value(&mut self, id: PointerId, value: f64, tangents: &[f64]) {
        self.mechs.set_external(id.0, value, tangents);
    }

    /// The first POINTER of an instance that is not bound: its mechanism, instance and name.
    pub fn unbound_pointer(&self) -> Option<(MechId, usize, &'static str)> {
        for (mi, slot) in self.mechs.iter().enumerate() {
            let info = slot.mech().info();
            for (f, fi) in info.fields.iter().enumerate() {
                if fi.role != FieldRole::Pointer {
                    continue;
                }
                for j in 0..slot.mech().instance_count() {
                    if !self.mechs.is_bound(mi, f, j) {
                        return Some((MechId(mi), j, fi.name));
                    }
                }
            }
        }
        None
    }

    /// An error naming the first pointer of an instance that is not bound.
    pub(crate) fn check_pointers(&self) -> Result<()> {
        match self.unbound_pointer() {
            None => Ok(()),
            Some((id, j, name)) => Err(Error::Invalid(format!(
                "POINTER `{name}` of mechanism `{}` (instance {j}) is not bound: bind it to what \
                 it points to (v at a location) before running",
                self.mechs[id.0].mech().info().name
            ))),
        }
    }

    /// Copies every bound value into its pointer field, and its tangents into the pointer's σ
    /// rows (S_k at the CV, the target's tangents, or the external tangents).
    pub(crate) fn fill_pointers(&mut self) {
        let (kk, n) = (self.params.len(), self.cable.layout.len());
        self.mechs
            .fill_pointers(&self.cable.v, &self.cable.s, kk, n);
    }

    /// [`Cell::fill_pointers`] for the pointers of instance `j` of mechanism `m` alone.
    pub(crate) fn fill_instance_pointers(&mut self, m: usize, j: usize) {
        let (kk, n) = (self.params.len(), self.cable.layout.len());
        self.mechs
            .fill_instance_pointers(m, j, &self.cable.v, &self.cable.s, kk, n);
    }

    /// After NET_RECEIVE of instance `j` of mechanism `m`: copies each of its pointers' values
    /// (and their tangents, the pointers' rows of σ) back into what they are bound to, as NEURON's
    /// pointers write their targets directly, then refreshes every pointer. A pointer NET_RECEIVE
    /// did not write holds what [`Cell::fill_pointers`] copied in, so writing it back changes
    /// nothing. A value fed from another cell (`External`) is not written back.
    pub(crate) fn write_back_pointers(&mut self, m: usize, j: usize) {
        if self.write_back_instance(m, j) {
            self.fill_pointers();
        }
    }

    /// Copies the pointers of instance `j` of mechanism `m` (values and tangents) into their
    /// targets; returns whether any was written.
    pub(crate) fn write_back_instance(&mut self, m: usize, j: usize) -> bool {
        let kk = self.params.len();
        self.mechs.write_back_instance(m, j, kk, &mut self.cable)
    }
}
