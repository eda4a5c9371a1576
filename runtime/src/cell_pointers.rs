//! The cell's POINTER bindings (`pointers.rs`): binding a pointer, and copying the bound values
//! and tangents into the mechanisms before each kernel call and back out after an event.

use crate::cell::{Cell, MechId};
use crate::error::{Error, Result};
use crate::mechanism::FieldRole;
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
        let info = m.mech.info();
        let field = info
            .fields
            .iter()
            .position(|f| f.name == pointer && f.role == FieldRole::Pointer)
            .ok_or_else(|| Error::UnknownName {
                kind: "POINTER",
                name: format!("{}.{pointer}", info.name),
            })?;
        if instance >= m.mech.instance_count() {
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
            let tinfo = t.mech.info();
            let ok = tangent_row(&*t.mech, target).is_some() && j < t.mech.instance_count();
            if !ok || mech == id {
                return Err(Error::Invalid(format!(
                    "POINTER {}.{pointer}: the target must be a STATE, or an ASSIGNED variable \
                     whose value crosses from step to step, of an instance of another mechanism \
                     (field {target} of {}[{j}] is not)",
                    info.name, tinfo.name
                )));
            }
        }
        if self
            .pointers
            .iter()
            .any(|b| b.mech == id.0 && b.field == field && b.instance == instance)
        {
            return Err(Error::Invalid(format!(
                "POINTER {}.{pointer} of instance {instance} is bound twice",
                info.name
            )));
        }
        self.pointers.push(PointerBinding {
            mech: id.0,
            field,
            instance,
            source,
        });
        Ok(PointerId(self.pointers.len() - 1))
    }

    /// Sets the value and tangents of an external pointer binding (the network does this before
    /// every step). Does nothing to a binding to a CV of the cell.
    pub fn set_pointer_value(&mut self, id: PointerId, value: f64, tangents: &[f64]) {
        if let Some(PointerBinding {
            source:
                PointerSource::External {
                    value: v,
                    tangents: t,
                },
            ..
        }) = self.pointers.get_mut(id.0)
        {
            *v = value;
            t.clear();
            t.extend_from_slice(tangents);
        }
    }

    /// The first POINTER of an instance that is not bound: its mechanism, instance and name.
    pub fn unbound_pointer(&self) -> Option<(MechId, usize, &'static str)> {
        for (mi, slot) in self.mechs.iter().enumerate() {
            let info = slot.mech.info();
            for (f, fi) in info.fields.iter().enumerate() {
                if fi.role != FieldRole::Pointer {
                    continue;
                }
                for j in 0..slot.mech.instance_count() {
                    let bound = self
                        .pointers
                        .iter()
                        .any(|b| b.mech == mi && b.field == f && b.instance == j);
                    if !bound {
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
                self.mechs[id.0].mech.info().name
            ))),
        }
    }

    /// Copies every bound value into its pointer field, and its tangents into the pointer's σ
    /// rows (S_k at the CV, the target's tangents, or the external tangents).
    pub(crate) fn fill_pointers(&mut self) {
        for b in 0..self.pointers.len() {
            self.fill_binding(b);
        }
    }

    /// [`Cell::fill_pointers`] for the pointers of instance `j` of mechanism `m` alone.
    pub(crate) fn fill_instance_pointers(&mut self, m: usize, j: usize) {
        for b in 0..self.pointers.len() {
            if self.pointers[b].mech == m && self.pointers[b].instance == j {
                self.fill_binding(b);
            }
        }
    }

    /// Copies the value of binding `b` into its pointer field and its tangents into its σ row.
    fn fill_binding(&mut self, b: usize) {
        let kk = self.params.len();
        let n = self.cable.layout.len();
        let (b, mechs, v, s) = (
            &self.pointers[b],
            &mut self.mechs,
            &self.cable.v,
            &self.cable.s,
        );
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
        let mut wrote = false;
        for b in self
            .pointers
            .iter()
            .filter(|b| b.mech == m && b.instance == j)
        {
            let mech = &self.mechs[m].mech;
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
                    self.cable.set_v(cv, value, tangents.len(), |k| tangents[k]);
                }
                PointerSource::Field {
                    mech,
                    field,
                    instance,
                } => {
                    let t = &mut self.mechs[mech.0].mech;
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

/// Where the tangents of field `field` of `mech` are kept: `(true, rows, row)` for a STATE (its
/// row of σ), `(false, rows, row)` for a carried ASSIGNED variable (its row of the carried
/// tangents); `None` for a field whose tangent is not kept.
fn tangent_row(
    mech: &dyn crate::mechanism::Mechanism,
    field: usize,
) -> Option<(bool, usize, usize)> {
    let info = mech.info();
    if let Some(pos) = info.state_position(field) {
        return Some((true, info.sigma_rows(), pos));
    }
    let carried = mech.carried_fields();
    let pos = carried.iter().position(|&f| f == field)?;
    Some((false, carried.len(), pos))
}

/// Tangent `k` of field `field` of instance `j` of `mech` (a field [`tangent_row`] accepts).
fn field_tangent(mech: &dyn crate::mechanism::Mechanism, field: usize, j: usize, k: usize) -> f64 {
    let ni = mech.instance_count();
    match tangent_row(mech, field) {
        Some((true, rows, row)) => mech.state_tangents()[(k * rows + row) * ni + j],
        Some((false, rows, row)) => mech.carried_tangents()[(k * rows + row) * ni + j],
        None => 0.0,
    }
}

/// Sets tangent `k` of field `field` of instance `j` of `mech` to `x`.
fn set_field_tangent(
    mech: &mut dyn crate::mechanism::Mechanism,
    field: usize,
    j: usize,
    k: usize,
    x: f64,
) {
    let ni = mech.instance_count();
    match tangent_row(mech, field) {
        Some((true, rows, row)) => mech.state_tangents_mut()[(k * rows + row) * ni + j] = x,
        Some((false, rows, row)) => mech.carried_tangents_mut()[(k * rows + row) * ni + j] = x,
        None => {}
    }
}
