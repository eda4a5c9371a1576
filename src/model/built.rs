//! What building a model produces (its cells, what to record, the network's wiring and the run
//! settings) and the lookups the builders share: locations to CVs, parameter names to fields,
//! runtime errors to located model errors, and `CELL.NAME` to a cell. A leaf: it imports no
//! other builder.

use std::collections::HashMap;
use std::ops::Range;

use gradmod_runtime::mechanism::FieldRole;
use gradmod_runtime::{Cell, MechId, Probe};
use toml::Spanned;

use super::{Location, ModelError, Source};

/// A gap junction between (cell, CV) and (cell, CV), with its conductance (µS).
pub type GapJunction = ((usize, usize), (usize, usize), f64);

/// A POINTER of a network cell fed v of another cell: source (cell, CV), target cell, and the
/// target's external binding.
pub type PointerLink = ((usize, usize), usize, gradmod_runtime::PointerId);

/// One recorded column: a probe and, when recorded, its tangents (one per parameter).
#[derive(Clone, Debug)]
pub struct ProbeColumn {
    /// Column name.
    pub name: String,
    /// The quantity.
    pub value: Probe,
    /// Its tangents d/dθ_k, k = 0..K, or empty.
    pub tangents: Vec<Probe>,
    /// Unit of the value (for example `mV`).
    pub unit: String,
}

/// A cell built from a model file, with what to record.
pub struct BuiltCell {
    /// Name (empty for a single-cell model).
    pub name: String,
    /// The runtime cell, not yet initialised.
    pub cell: Cell,
    /// Recorded columns.
    pub probes: Vec<ProbeColumn>,
    /// Names of the parameters θ_k, in order.
    pub parameters: Vec<String>,
    /// Whether each θ_k is log-scaled.
    pub log_scaled: Vec<bool>,
    /// The model value each θ_k starts from (in the first element it moves), where known: for
    /// mechanism parameters and IClamp amplitudes, not for c_m and Ra.
    pub initial: Vec<Option<f64>>,
    /// The cell's `[homeostasis]` section, run by `gradmod run` (src/homeostasis.rs).
    pub homeostasis: Option<crate::homeostasis::Homeostasis>,
    /// The cell's `[[noise]]` sources, run by `gradmod run`.
    pub noise: Vec<crate::homeostasis::Noise>,
    /// Point process instances by label.
    pub(crate) labels: HashMap<String, (MechId, usize)>,
    /// Spike detectors by name.
    pub(crate) detectors: HashMap<String, usize>,
}

/// A model ready to run: its cells and network wiring, and the run settings.
pub struct Built {
    /// The cells (one for a single-cell model).
    pub cells: Vec<BuiltCell>,
    /// Connections of a network.
    pub connections: Vec<gradmod_runtime::Connection>,
    /// Gap junctions of a network: (cell, CV), (cell, CV), conductance (µS).
    pub gap_junctions: Vec<GapJunction>,
    /// POINTERs of network cells bound to v of other cells.
    pub pointer_links: Vec<PointerLink>,
    /// Simulated time (ms).
    pub tstop: f64,
    /// Time step (ms).
    pub dt: f64,
    /// Steps between samples.
    pub sample_every: u64,
}

/// Simulation settings after overrides.
pub(crate) struct SimSettings {
    pub tstop: f64,
    pub dt: f64,
    pub celsius: f64,
    pub v_init: f64,
    pub sample_every: u64,
    pub forgetting: f64,
    /// Steps from 0 to tstop (checked by `limits::steps`).
    pub steps: u64,
    pub allow_large: bool,
    pub allow_nonfinite: bool,
    /// The seed of the random streams (`[simulation] seed`).
    pub seed: u64,
}

/// Converts a runtime error into a model error at a key.
pub(crate) fn at<'a>(
    src: &'a Source,
    span: Range<usize>,
    key: &str,
) -> impl Fn(gradmod_runtime::Error) -> ModelError + use<'a> {
    let key = key.to_string();
    move |e| src.error_at(span.clone(), key.as_str(), e.to_string())
}

/// The CV of a location written at a key.
pub(crate) fn cv_at(
    src: &Source,
    cell: &Cell,
    text: &Spanned<String>,
    key: &str,
) -> Result<usize, ModelError> {
    let loc = Location::parse(text.get_ref()).map_err(|m| src.error_at(text.span(), key, m))?;
    cell.cv_at(&loc.section, loc.x)
        .map_err(at(src, text.span(), key))
}

/// The index of a PARAMETER field of a placed mechanism, or an error listing its parameters.
pub(crate) fn parameter_index(
    src: &Source,
    cell: &Cell,
    id: MechId,
    field: &Spanned<String>,
    key: &str,
) -> Result<usize, ModelError> {
    let info = cell.mechanism(id).info();
    info.field_index(field.get_ref())
        .filter(|&f| info.fields[f].role == FieldRole::Parameter)
        .ok_or_else(|| {
            let names: Vec<&str> = info
                .fields
                .iter()
                .filter(|fi| fi.role == FieldRole::Parameter)
                .map(|fi| fi.name)
                .collect();
            src.error_at(
                field.span(),
                key,
                format!(
                    "`{}` has no PARAMETER `{}` (its parameters: {})",
                    info.name,
                    field.get_ref(),
                    names.join(", ")
                ),
            )
        })
}

/// Splits `CELL.REST` into the cell's index and the rest.
pub(crate) fn split_cell<'a>(
    cells: &[BuiltCell],
    text: &'a str,
) -> Result<(usize, &'a str), String> {
    let (name, rest) = text
        .split_once('.')
        .ok_or_else(|| format!("`{text}`: expected CELL.NAME, such as pre.spike"))?;
    let names: Vec<&str> = cells.iter().map(|c| c.name.as_str()).collect();
    let i = names
        .iter()
        .position(|n| *n == name)
        .ok_or_else(|| format!("no cell named `{name}` (cells: {})", names.join(", ")))?;
    Ok((i, rest))
}

/// The point processes' labels, in the model's order, each with its mechanism's name and its
/// instance among that mechanism's entries: `label`, or `NAME[instance]`.
pub(crate) fn point_process_labels(f: &super::ModelFile) -> Vec<(String, String, usize)> {
    let mut count: HashMap<&str, usize> = HashMap::new();
    f.point_processes
        .iter()
        .map(|p| {
            let name = p.name.get_ref().as_str();
            let c = count.entry(name).or_default();
            let instance = *c;
            *c += 1;
            let label = p
                .label
                .clone()
                .unwrap_or_else(|| format!("{name}[{instance}]"));
            (label, name.to_string(), instance)
        })
        .collect()
}
