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

/// The tangent parameters θ_k of a cell and the forgetting rate of their tangents.
///
/// Owner of these data: `cell.rs` declares parameters, writes θ_k and refreshes the dp/dθ
/// factors through these methods; everyone else reads them.
#[derive(Clone, Debug, Default)]
pub(crate) struct Parameters {
    /// The parameters, θ_k at index k.
    list: Vec<TangentParam>,
    /// The forgetting rate λ (1/ms): after each step, tangents are multiplied by 1 − λ·dt.
    forgetting: f64,
}

impl std::ops::Index<usize> for Parameters {
    type Output = TangentParam;

    #[inline]
    fn index(&self, k: usize) -> &TangentParam {
        &self.list[k]
    }
}

impl Parameters {
    /// The number of parameters K.
    #[inline]
    pub(crate) fn len(&self) -> usize {
        self.list.len()
    }

    /// The parameters in order of k.
    #[inline]
    pub(crate) fn iter(&self) -> std::slice::Iter<'_, TangentParam> {
        self.list.iter()
    }

    /// Parameter k, if there is one.
    pub(crate) fn get(&self, k: usize) -> Option<&TangentParam> {
        self.list.get(k)
    }

    /// Adds a resolved parameter; returns its k.
    pub(crate) fn push(&mut self, p: TangentParam) -> usize {
        self.list.push(p);
        self.list.len() - 1
    }

    /// Sets θ_k; returns the value it had.
    pub(crate) fn set_theta(&mut self, k: usize, theta: f64) -> f64 {
        std::mem::replace(&mut self.list[k].theta, theta)
    }

    /// Sets the dp/dθ factors of parameter k.
    pub(crate) fn set_factor(&mut self, k: usize, factor: Vec<f64>) {
        self.list[k].factor = factor;
    }

    /// The forgetting rate λ (1/ms).
    #[inline]
    pub(crate) fn forgetting(&self) -> f64 {
        self.forgetting
    }

    /// Sets the forgetting rate λ (1/ms), checked by the caller.
    pub(crate) fn set_forgetting(&mut self, lambda: f64) {
        self.forgetting = lambda;
    }
}
