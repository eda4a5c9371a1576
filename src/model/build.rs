//! Building runtime cells from a model file: morphology, discretisation, cable properties,
//! mechanisms, stimuli, differentiated parameters, probes and detectors.

use std::collections::HashMap;
use std::ops::Range;

use gradmod_runtime::mechanism::{FieldRole, Mechanism, MechanismKind};
use gradmod_runtime::{Cell, MechId, Morphology, Probe, Settings};
use toml::Spanned;

use super::network;
use super::regions::Regions;
use super::schema::Num;
use super::{Location, Model, ModelError, Source};
use crate::library::Library;

/// A gap junction between (cell, CV) and (cell, CV), with its conductance (µS).
pub type GapJunction = ((usize, usize), (usize, usize), f64);

/// A POINTER of a network cell fed v of another cell: source (cell, CV), target cell, and the
/// target's external binding.
pub type PointerLink = ((usize, usize), usize, gradmod_runtime::PointerId);

/// A `--set KEY=VALUE` override of a model value.
#[derive(Clone, Debug, PartialEq)]
pub struct Override {
    /// `MECH.PARAM`, `CLAMP.amp|delay|dur`, `cm`, `Ra`, or a `[simulation]` key.
    pub key: String,
    /// The new value.
    pub value: f64,
}

impl Override {
    /// Parses `KEY=VALUE`.
    pub fn parse(text: &str) -> Result<Self, String> {
        let (key, value) = text
            .split_once('=')
            .ok_or_else(|| format!("--set {text}: expected KEY=VALUE, such as hh.gnabar=0.1"))?;
        let value: f64 = value
            .trim()
            .parse()
            .map_err(|_| format!("--set {text}: `{}` is not a number", value.trim()))?;
        if !value.is_finite() {
            return Err(format!("--set {text}: the value must be finite"));
        }
        Ok(Self {
            key: key.trim().to_string(),
            value,
        })
    }
}

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
    /// The cell's `[homeostasis]` section, read by `gradmod run` (src/homeostasis.rs).
    pub homeostasis: Option<toml::Value>,
    /// The cell's `[[noise]]` sources, read by `gradmod run`.
    pub noise: Vec<toml::Value>,
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

/// Builds a model (a cell, or a network whose cells come from their own files) with a mechanism
/// library, applying `--set` overrides; every override must match something.
pub fn build(
    model: &Model,
    library: &Library,
    overrides: &[Override],
) -> Result<Built, ModelError> {
    let mut used = vec![false; overrides.len()];
    let sim = simulation(model, overrides, &mut used)?;
    let built = if model.file.cells.is_empty() {
        let library = &super::library_for(model, library)?;
        let cell = build_cell(model, "", &sim, library, overrides, &mut used)?;
        super::pointers::check_bound(model, &cell, None)?;
        Built {
            cells: vec![cell],
            connections: Vec::new(),
            gap_junctions: Vec::new(),
            pointer_links: Vec::new(),
            tstop: sim.tstop,
            dt: sim.dt,
            sample_every: sim.sample_every,
        }
    } else {
        network::build_network(model, &sim, library, overrides, &mut used)?
    };
    for c in &built.cells {
        let columns = c.probes.iter().map(|p| 1 + p.tangents.len()).sum();
        let src = &model.source;
        super::limits::recorded(src, sim.steps, sim.sample_every, columns, sim.allow_large)?;
    }
    let cvs: usize = built.cells.iter().map(|c| c.cell.cv_count()).sum();
    let k = built
        .cells
        .iter()
        .map(|c| c.parameters.len())
        .max()
        .unwrap_or(0);
    super::limits::work(&model.source, cvs, sim.steps, k, sim.allow_large)?;
    if let Some(j) = used.iter().position(|u| !u) {
        return Err(ModelError {
            file: "command line".into(),
            position: None,
            key: Some(format!("--set {}", overrides[j].key)),
            message: "matches nothing in the model: expected MECH.PARAM of a placed mechanism, \
                      CLAMP.amp|delay|dur of an [[iclamp]], cm, Ra, or a [simulation] key"
                .into(),
            snippet: None,
        });
    }
    Ok(built)
}

fn simulation(
    model: &Model,
    overrides: &[Override],
    used: &mut [bool],
) -> Result<SimSettings, ModelError> {
    let s = &model.file.simulation;
    let mut sim = SimSettings {
        tstop: s.tstop.0,
        dt: s.dt.0,
        celsius: s.celsius.0,
        v_init: s.v_init.0,
        sample_every: s.sample_every,
        forgetting: s.forgetting.0,
        steps: 0,
        allow_large: s.allow_large,
        allow_nonfinite: s.allow_nonfinite,
        seed: s.seed,
    };
    for (o, u) in overrides.iter().zip(used.iter_mut()) {
        let slot = match o.key.as_str() {
            "tstop" | "duration" | "simulation.tstop" => &mut sim.tstop,
            "dt" | "simulation.dt" => &mut sim.dt,
            "celsius" | "simulation.celsius" => &mut sim.celsius,
            "v_init" | "simulation.v_init" => &mut sim.v_init,
            "forgetting" | "simulation.forgetting" => &mut sim.forgetting,
            "seed" | "simulation.seed" => {
                if !(o.value >= 0.0 && o.value < 2f64.powi(53) && o.value.fract() == 0.0) {
                    return Err(model.source.error(
                        "simulation.seed",
                        format!(
                            "--set {}: the seed must be an integer in [0, 2^53), got {}",
                            o.key, o.value
                        ),
                    ));
                }
                sim.seed = o.value as u64;
                *u = true;
                continue;
            }
            "sample_every" | "simulation.sample_every" => {
                sim.sample_every = o.value as u64;
                *u = true;
                continue;
            }
            _ => continue,
        };
        *slot = o.value;
        *u = true;
    }
    let src = &model.source;
    if sim.dt <= 0.0 {
        return Err(src.error("simulation.dt", format!("must be positive, got {}", sim.dt)));
    }
    if sim.tstop < 0.0 {
        return Err(src.error(
            "simulation.tstop",
            format!("must not be negative, got {}", sim.tstop),
        ));
    }
    if sim.sample_every == 0 {
        return Err(src.error("simulation.sample_every", "must be at least 1"));
    }
    sim.steps = super::limits::steps(src, sim.tstop, sim.dt, sim.allow_large)?;
    Ok(sim)
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

/// Sets nseg from `[discretization]`, then from each section's own `nseg`.
fn discretize(
    model: &Model,
    morph: &mut Morphology,
    cm_ra: &dyn Fn(&Morphology, usize) -> (f64, f64),
) -> Result<(), ModelError> {
    let (f, src) = (&model.file, &model.source);
    if let Some(d) = &f.discretization {
        let err = |m: &str| src.error_at(d.span(), "discretization", m);
        let r = d.get_ref();
        let rules = [
            r.nseg.is_some(),
            r.max_length.is_some(),
            r.d_lambda.is_some(),
            r.per_swc_segment == Some(true),
        ];
        if rules.iter().filter(|&&b| b).count() != 1 {
            return Err(err(
                "give exactly one of `nseg`, `max_length`, `d_lambda`, `per_swc_segment = true`",
            ));
        }
        if r.frequency.is_some() && r.d_lambda.is_none() {
            return Err(err("`frequency` is only meaningful with `d_lambda`"));
        }
        if let Some(n) = r.nseg {
            if n == 0 {
                return Err(err("nseg must be at least 1"));
            }
            for i in 0..morph.sections().len() {
                morph.section_mut(gradmod_runtime::SectionId(i)).nseg = n;
            }
        } else if let Some(Num(l)) = r.max_length {
            if l <= 0.0 {
                return Err(err("max_length must be positive"));
            }
            morph.set_max_segment_length(l);
        } else if let Some(Num(dl)) = r.d_lambda {
            let freq = r.frequency.map_or(100.0, |f| f.0);
            if !(dl > 0.0 && freq > 0.0) {
                return Err(err("d_lambda and frequency must be positive"));
            }
            let props: HashMap<String, (f64, f64)> = (0..morph.sections().len())
                .map(|i| (morph.sections()[i].name.clone(), cm_ra(morph, i)))
                .collect();
            morph.set_nseg_d_lambda(dl, freq, |s| props[&s.name].1, |s| props[&s.name].0);
        } else {
            for i in 0..morph.sections().len() {
                let n = morph.sections()[i].points.len() - 1;
                morph.section_mut(gradmod_runtime::SectionId(i)).nseg = n.max(1);
            }
        }
    }
    for (i, s) in f.sections.iter().enumerate() {
        if let Some(n) = &s.get_ref().nseg {
            if *n.get_ref() == 0 {
                return Err(src.error_at(
                    n.span(),
                    format!("section[{i}].nseg"),
                    "nseg must be at least 1",
                ));
            }
            let id = morph.find(&s.get_ref().name).expect("section was added");
            morph.section_mut(id).nseg = *n.get_ref();
        }
    }
    Ok(())
}

/// Builds one cell from a model file (its `[simulation]` replaced by `sim`).
pub(crate) fn build_cell(
    model: &Model,
    name: &str,
    sim: &SimSettings,
    library: &Library,
    overrides: &[Override],
    used: &mut [bool],
) -> Result<BuiltCell, ModelError> {
    let (f, src) = (&model.file, &model.source);
    let mut cm = f.cable.cm.map_or(1.0, |x| x.0);
    let mut ra = f.cable.ra.map_or(100.0, |x| x.0);
    for (o, u) in overrides.iter().zip(used.iter_mut()) {
        match o.key.as_str() {
            "cm" | "cable.cm" => cm = o.value,
            "Ra" | "cable.Ra" => ra = o.value,
            _ => continue,
        }
        *u = true;
    }
    let mut morph = super::morphology::morphology(model)?;
    // Regions depend only on the tree, so cable overrides can be resolved before nseg is known.
    let cable = {
        let regions = Regions::new(&f.regions, &morph, src);
        regions.check_all()?;
        let mut v = Vec::new();
        for (i, o) in f.cable.overrides.iter().enumerate() {
            let r = regions.get(&o.region, &format!("cable.override[{i}].region"))?;
            v.push((r, o));
        }
        v
    };
    let cm_ra = |m: &Morphology, s: usize| {
        let (mut c, mut r) = (cm, ra);
        for (region, o) in &cable {
            if region.contains(m, gradmod_runtime::SectionId(s), 0.5) {
                c = o.cm.map_or(c, |x| x.0);
                r = o.ra.map_or(r, |x| x.0);
            }
        }
        (c, r)
    };
    discretize(model, &mut morph, &cm_ra)?;
    let sections = morph.sections().iter().map(|s| (s.name.as_str(), s.nseg));
    super::limits::cvs(src, sections, sim.allow_large)?;
    let settings = Settings {
        dt: sim.dt,
        celsius: sim.celsius,
        cm,
        ra,
        v_init: sim.v_init,
        seed: cell_seed(sim.seed, name),
    };
    let mut cell =
        Cell::new(morph.clone(), settings).map_err(|e| src.error("cable", e.to_string()))?;
    if sim.allow_nonfinite {
        cell.set_finite_check(0);
    }
    let regions = Regions::new(&f.regions, &morph, src);
    for (i, (region, o)) in cable.iter().enumerate() {
        let e = at(src, o.region.span(), &format!("cable.override[{i}]"));
        if let Some(x) = o.cm {
            cell.set_cm(region, x.0).map_err(&e)?;
        }
        if let Some(x) = o.ra {
            cell.set_ra(region, x.0).map_err(&e)?;
        }
        if let Some(x) = o.v_init {
            cell.set_v_init(region, x.0).map_err(&e)?;
        }
    }
    paint_mechanisms(model, &mut cell, &regions, library)?;
    let labels = place_point_processes(model, &mut cell, library)?;
    let clamps = add_clamps(model, &mut cell, overrides, used)?;
    super::params::apply_overrides(&mut cell, overrides, used, &labels)?;
    let (parameters, log_scaled, initial) =
        super::params::add_parameters(model, &mut cell, &regions, &clamps)?;
    let probes = super::probes::add_probes(model, &cell, &labels, parameters.len())?;
    let mut detectors = HashMap::new();
    for (i, d) in f.detectors.iter().enumerate() {
        let key = format!("detector[{i}].at");
        let cv = cv_at(src, &cell, &d.at, &key)?;
        let th = d.threshold.map_or(10.0, |t| t.0);
        let id = cell
            .add_detector(cv, th)
            .map_err(at(src, d.at.span(), &key))?;
        if detectors.insert(d.name.clone(), id).is_some() {
            return Err(src.error_at(
                d.at.span(),
                format!("detector[{i}].name"),
                format!("a detector named `{}` already exists", d.name),
            ));
        }
    }
    if sim.forgetting != 0.0 {
        cell.set_forgetting(sim.forgetting)
            .map_err(|e| src.error("simulation.forgetting", e.to_string()))?;
    }
    Ok(BuiltCell {
        name: name.to_string(),
        cell,
        probes,
        parameters,
        log_scaled,
        initial,
        homeostasis: f.homeostasis.clone(),
        noise: f.noise.clone(),
        labels,
        detectors,
    })
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

/// A mechanism from the library, checked to be of the expected kind.
fn make(
    src: &Source,
    library: &Library,
    name: &Spanned<String>,
    key: &str,
    kind: MechanismKind,
) -> Result<Box<dyn Mechanism>, ModelError> {
    let mech = library.make(name.get_ref()).ok_or_else(|| {
        src.error_at(
            name.span(),
            key,
            format!(
                "unknown mechanism `{}`; the mechanisms available are: {}. A mechanism of your \
                 own .mod file is available once the file or its folder is named in the model \
                 file (`[mechanisms] paths = [\"mods/\"]`, relative to the model file) or on \
                 the command line (`--mods DIR`); `gradmod mechanisms` lists them all",
                name.get_ref(),
                library.names().join(", ")
            ),
        )
    })?;
    let actual = mech.info().kind;
    if actual != kind {
        let hint = match actual {
            MechanismKind::Point => "a point process: place it with [[point_process]]",
            MechanismKind::Density => "a density mechanism: paint it with [[mechanism]]",
        };
        return Err(src.error_at(name.span(), key, format!("`{}` is {hint}", name.get_ref())));
    }
    Ok(mech)
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

/// Inserts each density mechanism once, on the union of its entries' regions, then sets each
/// entry's parameter values in its region (later entries win where regions overlap).
fn paint_mechanisms(
    model: &Model,
    cell: &mut Cell,
    regions: &Regions,
    library: &Library,
) -> Result<(), ModelError> {
    let (f, src) = (&model.file, &model.source);
    super::pointers::refuse_painted(src, f)?;
    let mut order: Vec<&str> = Vec::new();
    let mut entries = Vec::new();
    for (i, m) in f.mechanisms.iter().enumerate() {
        let region = match &m.region {
            Some(r) => regions.get(r, &format!("mechanism[{i}].region"))?,
            None => gradmod_runtime::Region::All,
        };
        if !order.contains(&m.name.get_ref().as_str()) {
            order.push(m.name.get_ref());
        }
        entries.push(region);
    }
    for name in order {
        let idx: Vec<usize> = (0..f.mechanisms.len())
            .filter(|&i| f.mechanisms[i].name.get_ref() == name)
            .collect();
        let first = &f.mechanisms[idx[0]];
        let key = format!("mechanism[{}].name", idx[0]);
        let mech = make(src, library, &first.name, &key, MechanismKind::Density)?;
        let union =
            gradmod_runtime::Region::Union(idx.iter().map(|&i| entries[i].clone()).collect());
        let id = cell
            .insert(mech, &union)
            .map_err(at(src, first.name.span(), &key))?;
        for &i in &idx {
            let m = &f.mechanisms[i];
            for (p, v) in &m.parameters {
                let key = format!("mechanism[{i}].parameters.{}", p.get_ref());
                parameter_index(src, cell, id, p, &key)?;
                cell.set_field(id, p.get_ref(), &entries[i], v.0)
                    .map_err(at(src, p.span(), &key))?;
            }
        }
    }
    Ok(())
}

/// Writes one instance's parameter, checking the declared range.
fn set_instance(
    src: &Source,
    cell: &mut Cell,
    id: MechId,
    instance: usize,
    field: &Spanned<String>,
    value: f64,
    key: &str,
) -> Result<(), ModelError> {
    let f = parameter_index(src, cell, id, field, key)?;
    let fi = cell.mechanism(id).info().fields[f];
    if fi.lower.is_some_and(|lo| value < lo) || fi.upper.is_some_and(|hi| value > hi) {
        return Err(src.error_at(
            field.span(),
            key,
            format!(
                "{} is outside the declared range {}",
                gradmod_runtime::mechanism::short_number(value),
                fi.range_text()
            ),
        ));
    }
    cell.field_mut(id, field.get_ref())
        .map_err(at(src, field.span(), key))?[instance] = value;
    Ok(())
}

/// Places point processes (all instances of one mechanism together), sets their parameters and
/// schedules their events; returns the instances by label.
fn place_point_processes(
    model: &Model,
    cell: &mut Cell,
    library: &Library,
) -> Result<HashMap<String, (MechId, usize)>, ModelError> {
    let (f, src) = (&model.file, &model.source);
    let mut labels = HashMap::new();
    let mut order: Vec<&str> = Vec::new();
    for p in &f.point_processes {
        if !order.contains(&p.name.get_ref().as_str()) {
            order.push(p.name.get_ref());
        }
    }
    for name in order {
        let idx: Vec<usize> = (0..f.point_processes.len())
            .filter(|&i| f.point_processes[i].name.get_ref() == name)
            .collect();
        let key0 = format!("point_process[{}].name", idx[0]);
        let mech = make(
            src,
            library,
            &f.point_processes[idx[0]].name,
            &key0,
            MechanismKind::Point,
        )?;
        let mut locs = Vec::new();
        for &i in &idx {
            let p = &f.point_processes[i];
            let key = format!("point_process[{i}].at");
            cv_at(src, cell, &p.at, &key)?;
            let loc = Location::parse(p.at.get_ref()).expect("checked by cv_at");
            locs.push((loc.section, loc.x));
        }
        let at_refs: Vec<(&str, f64)> = locs.iter().map(|(s, x)| (s.as_str(), *x)).collect();
        let id = cell.place(mech, &at_refs).map_err(at(
            src,
            f.point_processes[idx[0]].name.span(),
            &key0,
        ))?;
        for (instance, &i) in idx.iter().enumerate() {
            let p = &f.point_processes[i];
            let label = p
                .label
                .clone()
                .unwrap_or_else(|| format!("{name}[{instance}]"));
            if labels.insert(label.clone(), (id, instance)).is_some() {
                return Err(src.error_at(
                    p.name.span(),
                    format!("point_process[{i}].label"),
                    format!("the label `{label}` is used twice"),
                ));
            }
            for (field, v) in &p.parameters {
                let key = format!("point_process[{i}].parameters.{}", field.get_ref());
                set_instance(src, cell, id, instance, field, v.0, &key)?;
            }
            super::pointers::bind_point_process(src, cell, id, instance, p, i)?;
            for (j, e) in p.events.iter().enumerate() {
                cell.schedule(e.time.0, id, instance, e.weight.0)
                    .map_err(at(
                        src,
                        p.name.span(),
                        &format!("point_process[{i}].events[{j}]"),
                    ))?;
            }
        }
    }
    Ok(labels)
}

/// Adds the IClamps (with `--set CLAMP.amp|delay|dur` applied); returns their names.
fn add_clamps(
    model: &Model,
    cell: &mut Cell,
    overrides: &[Override],
    used: &mut [bool],
) -> Result<Vec<String>, ModelError> {
    let (f, src) = (&model.file, &model.source);
    let mut names: Vec<String> = Vec::new();
    for (i, c) in f.iclamps.iter().enumerate() {
        let name = c.name.clone().unwrap_or_else(|| {
            if f.iclamps.len() == 1 {
                "IClamp".into()
            } else {
                format!("IClamp[{i}]")
            }
        });
        if names.contains(&name) {
            return Err(src.error_at(
                c.at.span(),
                format!("iclamp[{i}].name"),
                format!("an IClamp named `{name}` already exists"),
            ));
        }
        let (mut delay, mut dur, mut amp) = (c.delay.0, c.dur.0, c.amp.0);
        for (o, u) in overrides.iter().zip(used.iter_mut()) {
            let slot = match o.key.strip_prefix(&name).and_then(|r| r.strip_prefix('.')) {
                Some("delay") => &mut delay,
                Some("dur") => &mut dur,
                Some("amp") => &mut amp,
                _ => continue,
            };
            *slot = o.value;
            *u = true;
        }
        if dur < 0.0 {
            return Err(src.error_at(
                c.at.span(),
                format!("iclamp[{i}].dur"),
                format!("must not be negative, got {dur}"),
            ));
        }
        let key = format!("iclamp[{i}].at");
        let loc =
            Location::parse(c.at.get_ref()).map_err(|m| src.error_at(c.at.span(), &key, m))?;
        cell.add_iclamp(&loc.section, loc.x, delay, dur, amp)
            .map_err(at(src, c.at.span(), &key))?;
        names.push(name);
    }
    Ok(names)
}

/// The seed of the cell called `name` in a model seeded with `seed`: the model's seed hashed with
/// the name (FNV-1a), so that each cell of a network has its own streams whatever the order the
/// cells are built or run in.
pub(crate) fn cell_seed(seed: u64, name: &str) -> u64 {
    let h = name.bytes().fold(0xcbf2_9ce4_8422_2325u64, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
    });
    gradmod_runtime::random::stream_key(seed, h)
}
