//! The differentiable parameters of a cell (`params.rs`): resolving a declared parameter against
//! the cell's mechanisms, CVs, sections, clamps and connections, and writing its value into them.

use crate::cell::Cell;
use crate::error::{Error, Result};
use crate::mechanism::FieldRole;
use crate::morphology::region::Region;
use crate::params::{ParamSpec, ParamTarget, TangentParam, TargetSpec};

impl TangentParam {
    /// Resolves `spec` against `cell`: which elements it moves and their values now.
    pub fn resolve(cell: &Cell, spec: ParamSpec) -> Result<Self> {
        let region = match spec.regions.len() {
            0 => Region::All,
            1 => spec.regions[0].clone(),
            _ => Region::Union(spec.regions.clone()),
        };
        let (name, target, mask, base) = match &spec.target {
            TargetSpec::Mechanism { mechanism, field } => {
                let id = cell.mechanism_id(mechanism)?;
                let f = cell.field_index(id, field)?;
                let info = cell.mechanism(id).info();
                if info.fields[f].role != FieldRole::Parameter {
                    return Err(Error::Invalid(format!(
                        "{mechanism}.{field} is not a PARAMETER and cannot be differentiated"
                    )));
                }
                let mask = cell.instance_mask(id, &region)?;
                let base = cell.mechanism(id).field(f).to_vec();
                (
                    format!("{mechanism}.{field}"),
                    ParamTarget::Mechanism { mech: id, field: f },
                    mask,
                    base,
                )
            }
            TargetSpec::Cm => {
                let cvs = cell.cvs_in(&region)?;
                let mut mask = vec![false; cell.cv_count()];
                cvs.iter().for_each(|&c| mask[c] = true);
                ("cm".into(), ParamTarget::Cm, mask, cell.cable.cm.clone())
            }
            TargetSpec::Ra => {
                region.validate(&cell.cable.morph)?;
                let mask = (0..cell.cable.morph.sections().len())
                    .map(|s| region.contains(&cell.cable.morph, crate::SectionId(s), 0.5))
                    .collect();
                ("Ra".into(), ParamTarget::Ra, mask, cell.cable.ra.clone())
            }
            TargetSpec::IClampAmp(id) => {
                let c = cell.clamps.get(id.0).ok_or_else(|| Error::UnknownName {
                    kind: "IClamp",
                    name: id.0.to_string(),
                })?;
                (
                    format!("IClamp {} amp", id.0),
                    ParamTarget::Clamp(id.0),
                    vec![true],
                    vec![c.amp],
                )
            }
            TargetSpec::NetConWeight(id) => (
                format!("connection {} weight", id.0),
                ParamTarget::NetCon(id.0),
                vec![true],
                vec![cell.netcon_weight(*id)?],
            ),
        };
        let first = mask.iter().position(|&m| m).ok_or_else(|| {
            Error::Invalid(format!("parameter {name}: its region selects nothing"))
        })?;
        let theta = if spec.log { 0.0 } else { base[first] };
        Ok(Self {
            name,
            target,
            mask,
            base,
            log: spec.log,
            theta,
            factor: Vec::new(),
        })
    }

    /// Writes the parameter's value into the cell.
    pub fn write(&self, cell: &mut Cell) -> Result<()> {
        let check = |v: f64| {
            if v.is_finite() {
                Ok(())
            } else {
                Err(Error::BadValue {
                    object: self.name.clone(),
                    value: v,
                    message: "must be finite".into(),
                })
            }
        };
        match self.target {
            ParamTarget::Mechanism { mech, field } => {
                let data = cell.mechs.slot_mut(mech.0).mech_mut().field_mut(field);
                for (j, x) in data.iter_mut().enumerate() {
                    if self.mask[j] {
                        let v = self.value(j);
                        check(v)?;
                        *x = v;
                    }
                }
            }
            ParamTarget::Cm | ParamTarget::Ra => {
                let is_cm = self.target == ParamTarget::Cm;
                for j in 0..self.mask.len() {
                    if self.mask[j] {
                        let v = self.value(j);
                        if !(v > 0.0 && v.is_finite()) {
                            return Err(Error::BadValue {
                                object: self.name.clone(),
                                value: v,
                                message: "must be positive and finite".into(),
                            });
                        }
                        if is_cm {
                            cell.cable.cm[j] = v;
                        } else {
                            cell.cable.ra[j] = v;
                        }
                    }
                }
            }
            ParamTarget::Clamp(c) => {
                let v = self.value(0);
                check(v)?;
                cell.set_clamp_amp(c, v);
            }
            ParamTarget::NetCon(c) => {
                let v = self.value(0);
                check(v)?;
                cell.events.set_netcon_weight(c, v);
            }
        }
        Ok(())
    }
}
