//! Differentiable parameters θ_k: a mechanism parameter, the membrane capacitance, the axial
//! resistivity or an IClamp amplitude, restricted to (and tied across) regions, optionally
//! log-scaled (p = p0·e^θ, with p0 the value when the parameter was declared).

use crate::ids::{ClampId, MechId};
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
    NetConWeight(crate::ids::NetConId),
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
    pub fn netcon_weight(id: crate::ids::NetConId) -> Self {
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

    /// The value of element `j` at the current θ.
    pub(crate) fn value(&self, j: usize) -> f64 {
        if self.log {
            self.base[j] * self.theta.exp()
        } else {
            self.theta
        }
    }
}
