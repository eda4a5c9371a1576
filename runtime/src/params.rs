//! Differentiable parameters θ_k: a mechanism parameter, the membrane capacitance, the axial
//! resistivity or an IClamp amplitude, restricted to (and tied across) regions, optionally
//! log-scaled (p = p0·e^θ, with p0 the value when the parameter was declared).

use crate::cell::{Cell, ClampId, MechId};
use crate::error::{Error, Result};
use crate::mechanism::FieldRole;
use crate::morphology::region::Region;

/// What a parameter moves, by name (as the user declares it).
#[derive(Clone, Debug, PartialEq)]
pub enum TargetSpec {
    /// A `PARAMETER` field of a mechanism, by mechanism and field name.
    Mechanism {
        /// Mechanism name.
        mechanism: String,
        /// Field name.
        field: String,
    },
    /// Membrane capacitance c_m (µF/cm²).
    Cm,
    /// Axial resistivity Ra (Ω·cm).
    Ra,
    /// Amplitude (nA) of one IClamp.
    IClampAmp(ClampId),
    /// The weight of one connection onto a point process.
    NetConWeight(crate::events::NetConId),
}

/// Declaration of a parameter θ_k.
#[derive(Clone, Debug, PartialEq)]
pub struct ParamSpec {
    /// What it moves.
    pub target: TargetSpec,
    /// Regions it applies to, tied together (empty: everywhere).
    pub regions: Vec<Region>,
    /// Whether θ is the logarithm of a relative change (p = p0·e^θ).
    pub log: bool,
}

impl ParamSpec {
    /// A mechanism parameter, everywhere the mechanism is.
    pub fn mechanism(mechanism: &str, field: &str) -> Self {
        Self::new(TargetSpec::Mechanism {
            mechanism: mechanism.into(),
            field: field.into(),
        })
    }

    /// The membrane capacitance, everywhere.
    pub fn cm() -> Self {
        Self::new(TargetSpec::Cm)
    }

    /// The axial resistivity, everywhere.
    pub fn ra() -> Self {
        Self::new(TargetSpec::Ra)
    }

    /// The amplitude of an IClamp.
    pub fn iclamp_amp(id: ClampId) -> Self {
        Self::new(TargetSpec::IClampAmp(id))
    }

    /// The weight of a connection.
    pub fn netcon_weight(id: crate::events::NetConId) -> Self {
        Self::new(TargetSpec::NetConWeight(id))
    }

    fn new(target: TargetSpec) -> Self {
        Self {
            target,
            regions: Vec::new(),
            log: false,
        }
    }

    /// Restricts to a region (several calls tie the regions together).
    pub fn in_region(mut self, region: Region) -> Self {
        self.regions.push(region);
        self
    }

    /// Makes the parameter log-scaled.
    pub fn log_scaled(mut self) -> Self {
        self.log = true;
        self
    }
}

/// A resolved target.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) enum ParamTarget {
    Mechanism { mech: MechId, field: usize },
    Cm,
    Ra,
    Clamp(usize),
    NetCon(usize),
}

/// A resolved parameter: which elements it moves (instances, CVs, sections or one clamp).
#[derive(Clone, Debug)]
pub(crate) struct TangentParam {
    pub name: String,
    pub target: ParamTarget,
    pub mask: Vec<bool>,
    pub base: Vec<f64>,
    pub log: bool,
    pub theta: f64,
    /// dp/dθ per element at the current values (refreshed whenever parameters change).
    pub factor: Vec<f64>,
}

impl TangentParam {
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
                ("cm".into(), ParamTarget::Cm, mask, cell.cm.clone())
            }
            TargetSpec::Ra => {
                region.validate(&cell.morph)?;
                let mask = (0..cell.morph.sections().len())
                    .map(|s| region.contains(&cell.morph, crate::SectionId(s), 0.5))
                    .collect();
                ("Ra".into(), ParamTarget::Ra, mask, cell.ra.clone())
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

    /// dp/dθ per element, given the elements' current values.
    pub fn factors(&self, values: &[f64]) -> Vec<f64> {
        self.mask
            .iter()
            .zip(values)
            .map(|(&m, &v)| match (m, self.log) {
                (false, _) => 0.0,
                (true, false) => 1.0,
                (true, true) => v,
            })
            .collect()
    }

    fn value(&self, j: usize) -> f64 {
        if self.log {
            self.base[j] * self.theta.exp()
        } else {
            self.theta
        }
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
                let data = cell.mechs[mech.0].mech.field_mut(field);
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
                            cell.cm[j] = v;
                        } else {
                            cell.ra[j] = v;
                        }
                    }
                }
            }
            ParamTarget::Clamp(c) => {
                let v = self.value(0);
                check(v)?;
                cell.clamps[c].amp = v;
            }
            ParamTarget::NetCon(c) => {
                let v = self.value(0);
                check(v)?;
                cell.events.netcons[c].start[0] = v;
            }
        }
        Ok(())
    }
}
