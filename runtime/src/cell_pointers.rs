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
            let ok = tinfo.state_position(target).is_some() && j < t.mech.instance_count();
            if !ok || mech == id {
                return Err(Error::Invalid(format!(
                    "POINTER {}.{pointer}: the target must be a STATE of an instance of another \
                     mechanism (field {target} of {}[{j}] is not)",
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
    /// rows (S_k at the CV, or the external tangents).
    pub(crate) fn fill_pointers(&mut self) {
        let kk = self.params.len();
        let n = self.cable.layout.len();
        for b in &self.pointers {
            let value = match &b.source {
                PointerSource::Cv(cv) => self.cable.v[*cv],
                PointerSource::Field {
                    mech,
                    field,
                    instance,
                } => self.mechs[mech.0].mech.field(*field)[*instance],
                PointerSource::External { value, .. } => *value,
            };
            let target_sigma = match &b.source {
                PointerSource::Field {
                    mech,
                    field,
                    instance,
                } if kk > 0 => {
                    let t = &self.mechs[mech.0].mech;
                    let (rows, ni) = (t.info().sigma_rows(), t.instance_count());
                    let pos = t.info().state_position(*field).expect("checked when bound");
                    (0..kk)
                        .map(|k| t.state_tangents()[(k * rows + pos) * ni + instance])
                        .collect()
                }
                _ => Vec::new(),
            };
            let mech = &mut self.mechs[b.mech].mech;
            mech.field_mut(b.field)[b.instance] = value;
            if kk == 0 {
                continue;
            }
            let info = mech.info();
            let (rows, row) = (
                info.sigma_rows(),
                info.pointer_row(b.field).expect("a pointer field"),
            );
            let ni = mech.instance_count();
            let sigma = mech.state_tangents_mut();
            for k in 0..kk {
                let t = match &b.source {
                    PointerSource::Cv(cv) => self.cable.s[k * n + cv],
                    PointerSource::Field { .. } => target_sigma[k],
                    PointerSource::External { tangents, .. } => {
                        tangents.get(k).copied().unwrap_or(0.0)
                    }
                };
                sigma[(k * rows + row) * ni + b.instance] = t;
            }
        }
    }

    /// After NET_RECEIVE of instance `j` of mechanism `m`: copies each of its pointers' values
    /// (and their tangents, the pointers' rows of σ) back into what they are bound to, as NEURON's
    /// pointers write their targets directly, then refreshes every pointer. A pointer NET_RECEIVE
    /// did not write holds what [`Cell::fill_pointers`] copied in, so writing it back changes
    /// nothing. A value fed from another cell (`External`) is not written back.
    pub(crate) fn write_back_pointers(&mut self, m: usize, j: usize) {
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
                    let (rows, ni) = (t.info().sigma_rows(), t.instance_count());
                    let pos = t.info().state_position(field).expect("checked when bound");
                    let sigma = t.state_tangents_mut();
                    for (k, x) in tangents.iter().enumerate() {
                        sigma[(k * rows + pos) * ni + instance] = *x;
                    }
                }
                PointerSource::External { .. } => continue,
            }
            wrote = true;
        }
        if wrote {
            self.fill_pointers();
        }
    }
}
