//! Building one runtime cell from a model file: morphology, discretisation, cable properties,
//! mechanisms, stimuli, differentiated parameters, probes and detectors, with the cell's
//! `--set` overrides applied.

use std::collections::HashMap;

use gradmod_runtime::mechanism::{Mechanism, MechanismKind};
use gradmod_runtime::{Cell, MechId, Morphology, Settings};
use toml::Spanned;

use super::built::{BuiltCell, SimSettings, at, cv_at, parameter_index, point_process_labels};
use super::overrides::{self, CellNames, Override};
use super::regions::Regions;
use super::schema::Num;
use super::{Location, Model, ModelError, Source};
use crate::library::Library;

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

/// Builds one cell from a model file (its `[simulation]` replaced by `sim`) with `overrides`
/// applied; returns it and, for each override, whether it matched something in the cell.
pub(crate) fn build_cell(
    model: &Model,
    name: &str,
    sim: &SimSettings,
    library: &Library,
    overrides: &[Override],
) -> Result<(BuiltCell, Vec<bool>), ModelError> {
    let (f, src) = (&model.file, &model.source);
    let clamp_names = clamp_names(f);
    let labels: HashMap<String, (String, usize)> = point_process_labels(f)
        .into_iter()
        .map(|(label, mech, instance)| (label, (mech, instance)))
        .collect();
    let mechanisms: Vec<&str> = f
        .mechanisms
        .iter()
        .map(|m| m.name.get_ref().as_str())
        .chain(f.point_processes.iter().map(|p| p.name.get_ref().as_str()))
        .collect();
    let names = CellNames {
        clamps: &clamp_names,
        labels: &labels,
        mechanisms: &mechanisms,
    };
    let (set, matched) = overrides::resolve(overrides, &names);
    let cm = set.cm.unwrap_or(f.cable.cm.map_or(1.0, |x| x.0));
    let ra = set.ra.unwrap_or(f.cable.ra.map_or(100.0, |x| x.0));
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
    let (labels, netcons, links) = place_point_processes(model, &mut cell, library)?;
    super::vectors::give_vectors(model, &mut cell, &labels)?;
    super::function_tables::give_tables(model, &mut cell)?;
    for (i, ion) in f.ions.iter().enumerate() {
        if let Some(d) = ion.diffusivity {
            cell.set_diffusivity(ion.name.get_ref(), d.0).map_err(|e| {
                src.error_at(ion.name.span(), format!("ion[{i}].name"), e.to_string())
            })?;
        }
    }
    let clamps = add_clamps(model, &mut cell, &set.clamps)?;
    super::params::apply_overrides(&mut cell, &set.parameters)?;
    let (parameters, log_scaled, initial) =
        super::params::add_parameters(model, &mut cell, &regions, &clamps, &netcons)?;
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
    link_sources(model, &mut cell, &labels, &detectors, &links)?;
    if sim.forgetting != 0.0 {
        cell.set_forgetting(sim.forgetting)
            .map_err(|e| src.error("simulation.forgetting", e.to_string()))?;
    }
    let built = BuiltCell {
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
    };
    Ok((built, matched))
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

/// The instances of the point processes by label, their connections by name, and the
/// connections with a source of the cell: (connection, point-process entry, netcons entry).
type Placed = (
    HashMap<String, (MechId, usize)>,
    HashMap<String, gradmod_runtime::NetConId>,
    Vec<(gradmod_runtime::NetConId, usize, usize)>,
);

/// The spike source of this cell that `name` names: a `[[detector]]`, or a point process
/// (its `net_event` calls); `Err` holds the message.
pub(crate) fn spike_source(
    cell: &mut Cell,
    labels: &HashMap<String, (MechId, usize)>,
    detectors: &HashMap<String, usize>,
    name: &str,
) -> Result<usize, String> {
    match (detectors.get(name), labels.get(name)) {
        (Some(_), Some(_)) => Err(format!(
            "`{name}` is both a [[detector]] and a point process label: rename one"
        )),
        (Some(&d), None) => Ok(d),
        (None, Some(&(mech, instance))) => {
            cell.event_source(mech, instance).map_err(|e| e.to_string())
        }
        (None, None) => Err(format!(
            "no [[detector]] and no point process labelled `{name}` (a source is a detector or \
             a point process that calls net_event)"
        )),
    }
}

/// Connects the `netcons` entries with `from` to their source on this cell.
fn link_sources(
    model: &Model,
    cell: &mut Cell,
    labels: &HashMap<String, (MechId, usize)>,
    detectors: &HashMap<String, usize>,
    links: &[(gradmod_runtime::NetConId, usize, usize)],
) -> Result<(), ModelError> {
    let (f, src) = (&model.file, &model.source);
    for &(con, i, j) in links {
        let nc = &f.point_processes[i].netcons[j];
        let from = nc
            .from
            .as_ref()
            .expect("only entries with a source are linked");
        let key = format!("point_process[{i}].netcons[{j}].from");
        let source = spike_source(cell, labels, detectors, from.get_ref())
            .map_err(|m| src.error_at(from.span(), &key, m))?;
        let delay = nc.delay.map_or(1.0, |d| d.0);
        cell.connect_source(source, con, delay).map_err(at(
            src,
            from.span(),
            &format!("point_process[{i}].netcons[{j}].delay"),
        ))?;
    }
    Ok(())
}

/// Places point processes (all instances of one mechanism together), sets their parameters and
/// schedules their events; returns the instances by label and the connections by name.
fn place_point_processes(
    model: &Model,
    cell: &mut Cell,
    library: &Library,
) -> Result<Placed, ModelError> {
    let (f, src) = (&model.file, &model.source);
    let mut labels = HashMap::new();
    let mut bindings = Vec::new();
    let mut netcons = HashMap::new();
    let mut links = Vec::new();
    let all_labels = point_process_labels(f);
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
            let label = all_labels[i].0.clone();
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
            bindings.push((id, instance, i));
            for (j, e) in p.events.iter().enumerate() {
                cell.schedule(e.time.0, id, instance, e.weight.0)
                    .map_err(at(
                        src,
                        p.name.span(),
                        &format!("point_process[{i}].events[{j}]"),
                    ))?;
            }
            for (j, nc) in p.netcons.iter().enumerate() {
                let key = format!("point_process[{i}].netcons[{j}]");
                let e = at(src, p.name.span(), &key);
                let con = cell.connect(id, instance, nc.weight.0).map_err(&e)?;
                for t in &nc.times {
                    cell.deliver(t.0, con).map_err(&e)?;
                }
                if nc.from.is_some() {
                    links.push((con, i, j));
                } else if nc.delay.is_some() {
                    return Err(src.error_at(
                        p.name.span(),
                        format!("{key}.delay"),
                        "a delay needs a source: `from` names a detector or a point process",
                    ));
                }
                let name = nc
                    .name
                    .clone()
                    .unwrap_or_else(|| format!("{label}.netcon[{j}]"));
                if netcons.insert(name.clone(), con).is_some() {
                    return Err(src.error_at(
                        p.name.span(),
                        format!("{key}.name"),
                        format!("the connection name `{name}` is used twice"),
                    ));
                }
            }
        }
    }
    // POINTERs are bound once every point process is placed: one may point into another.
    for (id, instance, i) in bindings {
        let p = &f.point_processes[i];
        super::pointers::bind_point_process(src, cell, &labels, id, instance, p, i)?;
    }
    Ok((labels, netcons, links))
}

/// The IClamps' names, in the model's order: `name`, or `IClamp` for a lone clamp and
/// `IClamp[i]` otherwise.
fn clamp_names(f: &super::ModelFile) -> Vec<String> {
    let n = f.iclamps.len();
    f.iclamps
        .iter()
        .enumerate()
        .map(|(i, c)| {
            c.name.clone().unwrap_or_else(|| match n {
                1 => "IClamp".into(),
                _ => format!("IClamp[{i}]"),
            })
        })
        .collect()
}

/// Adds the IClamps, with their `--set CLAMP.delay|dur|amp` overrides (per clamp: delay, dur,
/// amp); returns their names.
fn add_clamps(
    model: &Model,
    cell: &mut Cell,
    set: &[[Option<f64>; 3]],
) -> Result<Vec<String>, ModelError> {
    let (f, src) = (&model.file, &model.source);
    let names = clamp_names(f);
    for (i, c) in f.iclamps.iter().enumerate() {
        let name = &names[i];
        if names[..i].contains(name) {
            return Err(src.error_at(
                c.at.span(),
                format!("iclamp[{i}].name"),
                format!("an IClamp named `{name}` already exists"),
            ));
        }
        let [delay, dur, amp] = set[i];
        let delay = delay.unwrap_or(c.delay.0);
        let dur = dur.unwrap_or(c.dur.0);
        let amp = amp.unwrap_or(c.amp.0);
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
