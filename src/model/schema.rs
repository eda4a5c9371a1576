//! The TOML schema of a model description, as serde reads it.
//!
//! These types mirror the file one to one; every table rejects unknown keys, and every number is
//! checked to be finite while it is read, so that the TOML parser's error (with line, column and
//! the offending key) reports it. Names that are checked later (mechanisms, sections, regions,
//! parameters) are kept [`Spanned`] so that those errors can point at the file too.

use std::collections::BTreeMap;
use std::fmt;

use serde::Deserialize;
use serde::de::{self, Deserializer, Visitor};
use toml::Spanned;

/// A finite floating-point number (TOML integers are accepted too).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Num(pub f64);

impl<'de> Deserialize<'de> for Num {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct NumVisitor;
        impl Visitor<'_> for NumVisitor {
            type Value = Num;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a finite number")
            }
            fn visit_f64<E: de::Error>(self, v: f64) -> Result<Num, E> {
                if v.is_finite() {
                    Ok(Num(v))
                } else {
                    Err(E::custom(format!("expected a finite number, found {v}")))
                }
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<Num, E> {
                Ok(Num(v as f64))
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<Num, E> {
                Ok(Num(v as f64))
            }
        }
        d.deserialize_any(NumVisitor)
    }
}

/// A whole model file: one cell, or a network of cells given by their own model files.
///
/// The single-cell keys sit at the top level; a network lists `[[cell]]` entries instead, each naming
/// another model file whose cell keys it uses (its `[simulation]` is ignored).
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ModelFile {
    /// Time step, duration, temperature and initial potential.
    #[serde(default)]
    pub simulation: Simulation,
    /// `[morphology]`: an SWC file.
    pub morphology: Option<Morphology>,
    /// `[[section]]`: sections built from cylinders, frusta or 3-D points.
    #[serde(default, rename = "section")]
    pub sections: Vec<Spanned<Section>>,
    /// `[discretization]`: the rule that sets nseg.
    pub discretization: Option<Spanned<Discretization>>,
    /// `[cable]`: membrane capacitance and axial resistivity.
    #[serde(default)]
    pub cable: Cable,
    /// `[regions]`: named regions.
    #[serde(default)]
    pub regions: BTreeMap<String, Spanned<RegionDef>>,
    /// `[mechanisms]`: .mod files and folders whose mechanisms the model names, compiled when
    /// the model runs.
    #[serde(rename = "mechanisms")]
    pub mod_files: Option<Spanned<ModFiles>>,
    /// `[[mechanism]]`: density mechanisms painted on regions.
    #[serde(default, rename = "mechanism")]
    pub mechanisms: Vec<Mechanism>,
    /// `[[point_process]]`: point processes at locations.
    #[serde(default, rename = "point_process")]
    pub point_processes: Vec<PointProcess>,
    /// `[[ion]]`: properties of ion species (the diffusivity of Arbor's `Xd`).
    #[serde(default, rename = "ion")]
    pub ions: Vec<Ion>,
    /// `[[iclamp]]`: current clamps.
    #[serde(default, rename = "iclamp")]
    pub iclamps: Vec<IClamp>,
    /// `[[probe]]`: recorded quantities.
    #[serde(default, rename = "probe")]
    pub probes: Vec<Probe>,
    /// `[[parameter]]`: the parameters θ to differentiate.
    #[serde(default, rename = "parameter")]
    pub parameters: Vec<Parameter>,
    /// `[[detector]]`: spike detectors (sources of network connections).
    #[serde(default, rename = "detector")]
    pub detectors: Vec<Detector>,
    /// `[[cell]]`: the cells of a network.
    #[serde(default, rename = "cell")]
    pub cells: Vec<CellRef>,
    /// `[[connection]]`: spike-triggered connections between cells of a network.
    #[serde(default, rename = "connection")]
    pub connections: Vec<Connection>,
    /// `[[gap_junction]]`: gap junctions between cells of a network.
    #[serde(default, rename = "gap_junction")]
    pub gap_junctions: Vec<GapJunction>,
    /// `[[pointer]]`: POINTERs of a network's point processes bound to v of a cell.
    #[serde(default, rename = "pointer")]
    pub pointers: Vec<PointerLink>,
    /// `[[vector]]`: the vectors of point processes that read one (VecStim's spike times).
    #[serde(default, rename = "vector")]
    pub vectors: Vec<Vector>,
    /// `[[function_table]]`: the values of mechanisms' FUNCTION_TABLEs.
    #[serde(default, rename = "function_table")]
    pub function_tables: Vec<FunctionTableValues>,
    /// `[homeostasis]`: online control, run by `gradmod run` (src/homeostasis.rs).
    pub homeostasis: Option<crate::homeostasis::Homeostasis>,
    /// `[[noise]]`: Ornstein–Uhlenbeck current sources, run by `gradmod run`.
    #[serde(default)]
    pub noise: Vec<crate::homeostasis::Noise>,
}

/// `[[cell]]`: a cell of a network.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CellRef {
    /// Name of the cell, used by connections and in output column names.
    pub name: String,
    /// The model file describing the cell, relative to this file.
    pub model: Spanned<String>,
    /// Overrides for this cell only, as `--set` takes them (for example `"IClamp.amp" = 0`).
    #[serde(default)]
    pub set: BTreeMap<Spanned<String>, Num>,
}

/// `[simulation]`: global settings.
#[derive(Debug, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Simulation {
    /// Simulated time (ms).
    #[serde(alias = "duration")]
    pub tstop: Num,
    /// Time step (ms).
    pub dt: Num,
    /// Temperature (°C).
    pub celsius: Num,
    /// Initial membrane potential (mV).
    pub v_init: Num,
    /// Steps between two recorded samples.
    pub sample_every: u64,
    /// Forgetting rate λ (1/ms) of the tangents (0: exact gradients).
    pub forgetting: Num,
    /// Let values become non-finite (NaN or infinite) without stopping the run: turns the
    /// numerical sentinel off (`--allow-nonfinite` does the same).
    pub allow_nonfinite: bool,
    /// Allow work beyond the limits of [`crate::model::limits`] (`--allow-large` does the same).
    pub allow_large: bool,
    /// The seed of the random streams of mechanisms that draw random numbers (WHITE_NOISE,
    /// normrand, RANDOM variables): an integer below 2^53. Each cell's seed is derived from it
    /// and the cell's name, and each mechanism instance has its own stream.
    pub seed: u64,
}

impl Default for Simulation {
    fn default() -> Self {
        Self {
            tstop: Num(100.0),
            dt: Num(0.025),
            celsius: Num(6.3),
            v_init: Num(-65.0),
            sample_every: 1,
            forgetting: Num(0.0),
            allow_nonfinite: false,
            allow_large: false,
            seed: 0,
        }
    }
}

/// `[morphology]`: an SWC file, to which `[[section]]` tables may attach extra sections.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Morphology {
    /// SWC file, relative to the model file.
    pub swc: Spanned<String>,
}

/// `[[section]]`: one unbranched cable.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Section {
    /// Unique name.
    pub name: String,
    /// SWC-style tag (default from the name: soma 1, axon 2, dend 3, apic 4, otherwise 0).
    pub tag: Option<i32>,
    /// Length (µm), with `diameter`.
    pub length: Option<Num>,
    /// Diameter (µm), or the diameter at the 0-end when `diameter_end` is given.
    pub diameter: Option<Num>,
    /// Diameter (µm) at the 1-end (a frustum).
    pub diameter_end: Option<Num>,
    /// 3-D points `[x, y, z, diameter]` (µm), instead of length and diameter.
    pub points: Option<Vec<[Num; 4]>>,
    /// Number of segments (overrides `[discretization]`).
    pub nseg: Option<Spanned<usize>>,
    /// Parent section: an earlier `[[section]]`, or with `[morphology] swc` a section of the SWC
    /// file (such as `soma[0]`). Absent only for the root, which must come first.
    pub parent: Option<Spanned<String>>,
    /// Position on the parent where this section's 0-end attaches (default 1).
    pub at: Option<Num>,
}

/// `[discretization]`: exactly one rule.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Discretization {
    /// The same nseg for every section.
    pub nseg: Option<usize>,
    /// The smallest nseg that keeps every segment at most this long (µm).
    pub max_length: Option<Num>,
    /// NEURON's d_lambda rule with this fraction of the AC length constant.
    pub d_lambda: Option<Num>,
    /// Frequency (Hz) of the d_lambda rule (default 100).
    pub frequency: Option<Num>,
    /// One segment per piece between consecutive 3-D points (per SWC segment).
    pub per_swc_segment: Option<bool>,
}

/// `[cable]`: default cable properties and regional overrides.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Cable {
    /// Membrane capacitance (µF/cm², default 1).
    pub cm: Option<Num>,
    /// Axial resistivity (Ω·cm, default 100).
    #[serde(rename = "Ra")]
    pub ra: Option<Num>,
    /// `[[cable.override]]`: values in regions.
    #[serde(default, rename = "override")]
    pub overrides: Vec<CableOverride>,
}

/// `[[ion]]`: an ion species some mechanism of the cell uses.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Ion {
    /// The species (`ca`, `x`, ...).
    pub name: Spanned<String>,
    /// Axial diffusivity of the diffusive concentration `Xd` (µm²/ms; 0, the default: none).
    pub diffusivity: Option<Num>,
}

/// `[[cable.override]]`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CableOverride {
    /// Region name.
    pub region: Spanned<String>,
    /// Membrane capacitance (µF/cm²).
    pub cm: Option<Num>,
    /// Axial resistivity (Ω·cm).
    #[serde(rename = "Ra")]
    pub ra: Option<Num>,
    /// Initial membrane potential (mV).
    pub v_init: Option<Num>,
}

/// A region definition under `[regions]`: exactly one of its keys.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RegionDef {
    /// Sections with this SWC tag.
    pub tag: Option<i32>,
    /// Sections with any of these tags.
    pub tags: Option<Vec<i32>>,
    /// Sections with these names.
    pub sections: Option<Vec<String>>,
    /// Path distance range `[min, max]` (µm), from the root's 0-end or from `from`.
    pub distance: Option<[Num; 2]>,
    /// Origin of `distance`, a location such as `soma(0.5)`.
    pub from: Option<String>,
    /// Union of other regions, by name.
    pub union: Option<Vec<String>>,
    /// Intersection of other regions, by name.
    pub intersection: Option<Vec<String>>,
}

/// `[mechanisms]`: the model's own .mod files, as a model folder holds them for NEURON's
/// `nrnivmodl`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ModFiles {
    /// .mod files, and folders whose `.mod` files are all taken, relative to the model file.
    pub paths: Vec<Spanned<String>>,
    /// Whether a mechanism of these files replaces a built-in one of the same name (otherwise
    /// the clash is an error).
    #[serde(default)]
    pub replace_builtins: bool,
}

/// `[[mechanism]]`: a density mechanism painted on a region.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Mechanism {
    /// Mechanism name in the catalogue (NEURON SUFFIX).
    pub name: Spanned<String>,
    /// Region (default `all`).
    pub region: Option<Spanned<String>>,
    /// Parameter values in that region.
    #[serde(default)]
    pub parameters: BTreeMap<Spanned<String>, Num>,
    /// POINTER bindings: not supported on painted mechanisms (an error names them).
    #[serde(default)]
    pub pointers: BTreeMap<Spanned<String>, Spanned<String>>,
}

/// `[[point_process]]`: one point process instance.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PointProcess {
    /// Mechanism name in the catalogue (NEURON POINT_PROCESS).
    pub name: Spanned<String>,
    /// Location, such as `dend(0.3)`.
    pub at: Spanned<String>,
    /// Label for probes and connections (default `NAME[i]`, i counting instances of the name).
    pub label: Option<String>,
    /// Parameter values of this instance.
    #[serde(default)]
    pub parameters: BTreeMap<Spanned<String>, Num>,
    /// Events delivered to `NET_RECEIVE`, each through a connection of its own.
    #[serde(default)]
    pub events: Vec<Event>,
    /// Connections (NEURON's NetCons) onto this point process, each with its weight and the
    /// times of the events it delivers; the values `NET_RECEIVE` keeps per connection (its
    /// arguments after the weight) are kept per entry.
    #[serde(default)]
    pub netcons: Vec<NetConSpec>,
    /// What each POINTER of the mechanism is bound to, such as `{ vgap = "v@dend(0.5)" }`: the
    /// membrane potential at a location of this cell.
    #[serde(default)]
    pub pointers: BTreeMap<Spanned<String>, Spanned<String>>,
}

/// A connection onto a point process, with the times of the events it delivers.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NetConSpec {
    /// Name for parameters (`NAME.weight`); default `LABEL.netcon[i]`.
    pub name: Option<String>,
    /// Weight passed to `NET_RECEIVE`.
    pub weight: Num,
    /// Delivery times (ms).
    #[serde(default)]
    pub times: Vec<Num>,
    /// A source of this cell whose spikes the connection delivers: a `[[detector]]` name, or
    /// the label of a point process that spikes with `net_event` (NetStim, an
    /// integrate-and-fire cell).
    pub from: Option<Spanned<String>>,
    /// The delay after each spike of `from` (ms, default 1 as NEURON's NetCon).
    pub delay: Option<Num>,
}

/// An event delivered to a point process.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Event {
    /// Delivery time (ms).
    pub time: Num,
    /// Weight passed to `NET_RECEIVE`.
    pub weight: Num,
}

/// `[[iclamp]]`: a current clamp (NEURON IClamp).
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct IClamp {
    /// Name for parameters (default `IClamp` for a single clamp, otherwise `IClamp[i]`).
    pub name: Option<String>,
    /// Location, such as `soma(0.5)`.
    pub at: Spanned<String>,
    /// Onset (ms).
    pub delay: Num,
    /// Duration (ms).
    pub dur: Num,
    /// Amplitude (nA).
    pub amp: Num,
}

/// `[[probe]]`: a recorded quantity.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Probe {
    /// Column name (default: the variable and location, such as `v soma(0.5)`).
    pub name: Option<String>,
    /// Location, such as `axon(1)`.
    pub at: Spanned<String>,
    /// `v` (default), a mechanism field `MECH.FIELD`, or an ion variable `ion.NAME.VAR` (VAR one of
    /// `current`, `reversal`, `inside`, `outside`, `diffusive`).
    pub variable: Option<Spanned<String>>,
    /// Record the tangents with respect to every parameter (default: yes for `v`, states and
    /// diffusive concentrations).
    pub tangents: Option<Spanned<bool>>,
}

/// `[[parameter]]`: a parameter θ to differentiate.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Parameter {
    /// `MECH.PARAM`, `cm`, `Ra`, or `CLAMP.amp` (such as `IClamp.amp`).
    pub target: Spanned<String>,
    /// Regions it moves, tied together (default: everywhere).
    #[serde(default)]
    pub regions: Vec<Spanned<String>>,
    /// Log-scaled: θ = log(p / p0).
    #[serde(default)]
    pub log: bool,
    /// Column name (default: the target, with the regions after `@`); `gradmod fit --params`
    /// names parameters by it.
    pub name: Option<String>,
    /// Smallest and largest multiplier of the model value that `gradmod fit` allows (default
    /// `[0.05, 20]`); ignored by `gradmod run`.
    pub bounds: Option<Spanned<[Num; 2]>>,
}

/// `[[detector]]`: a spike detector.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Detector {
    /// Name for connections.
    pub name: String,
    /// Location, such as `axon(1)`.
    pub at: Spanned<String>,
    /// Threshold (mV, default 10).
    pub threshold: Option<Num>,
}

/// `[[connection]]`: from a detector of one cell to a point process of another.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Connection {
    /// Source `CELL.DETECTOR`.
    pub from: Spanned<String>,
    /// Target `CELL.LABEL` of a point process.
    pub to: Spanned<String>,
    /// Weight passed to `NET_RECEIVE`.
    pub weight: Num,
    /// Delay (ms, at least dt).
    pub delay: Num,
}

/// `[[gap_junction]]`: between two locations `CELL.LOCATION`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GapJunction {
    /// One side, such as `a.soma(0.5)`.
    pub a: Spanned<String>,
    /// The other side.
    pub b: Spanned<String>,
    /// Conductance (µS).
    pub g: Num,
}

/// `[[pointer]]`: binds a POINTER of a point process of one cell of a network to the membrane
/// potential at a location of a cell (another, or the same).
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PointerLink {
    /// The pointer, `CELL.LABEL.POINTER`, such as `a.gap.vgap`.
    pub to: Spanned<String>,
    /// What it points to, `v@CELL.LOCATION`, such as `v@b.soma(0.5)`.
    pub from: Spanned<String>,
}

/// `[[vector]]`: the vector of a point process whose mechanism reads one, such as the spike
/// times of a VecStim (NEURON's `vs.play(vec)`), given to the instance before the run.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Vector {
    /// The label of the point process, as `[[point_process]] label`.
    pub point_process: Spanned<String>,
    /// The values, in order (for VecStim, spike times in ms).
    #[serde(default)]
    pub values: Vec<Num>,
}

/// `[[function_table]]`: the values of a FUNCTION_TABLE of a mechanism, for every instance, as
/// NEURON's hoc gives them: `value` (`table_f(value)`), `x` and `y` (`table_f(y, x)`), or
/// `xmin`, `xmax` and `y` (`table_f(&y[0], n, xmin, xmax)`).
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FunctionTableValues {
    /// The mechanism, as `[[mechanism]] name` or `[[point_process]] name`.
    pub mechanism: Spanned<String>,
    /// The FUNCTION_TABLE's name.
    pub name: Spanned<String>,
    /// A constant value.
    pub value: Option<Num>,
    /// The abscissae, increasing.
    pub x: Option<Vec<Num>>,
    /// The values at the abscissae.
    pub y: Option<Vec<Num>>,
    /// The first of equally spaced abscissae.
    pub xmin: Option<Num>,
    /// The last of equally spaced abscissae.
    pub xmax: Option<Num>,
}
