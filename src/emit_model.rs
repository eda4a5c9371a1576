//! `gradmod emit arbor --model MODEL.toml`: a model's mechanisms as Arbor mechanisms (through
//! [`crate::emit::emit_files`]) and a Python script that builds the model as an Arbor recipe and
//! writes V and dV/dθ as `gradmod run` does.
//!
//! The script handles the models built from a chain of `[[section]]` cylinders (each attached to
//! the 1-end of the one before, as models A and B are), density mechanisms on `all` or on a
//! section, IClamps, voltage probes and mechanism parameters; anything else is refused by name.

use std::path::{Path, PathBuf};

use serde_json::{Value, json};

use crate::emit::{Direction, emit_files};
use crate::model::{Location, Model};

/// The Python script's template; `@MODEL@` becomes the model as JSON.
const SCRIPT: &str = include_str!("arbor_recipe.py");

/// Writes the mechanisms of `files` (which must define every mechanism the model names) and
/// `model.py` into `dir`; the directions are the model's `[[parameter]]` entries that name a
/// mechanism parameter (others are reported and left out). Returns the files written.
pub fn emit_model(model: &Path, files: &[PathBuf], dir: &Path) -> Result<Vec<PathBuf>, String> {
    let m = Model::load(model).map_err(|e| e.to_string())?;
    let f = &m.file;
    let refuse = |what: &str| {
        Err(format!(
            "{}: {what} is not supported by `gradmod emit arbor --model` yet",
            m.source.name
        ))
    };
    if f.morphology.is_some() {
        return refuse("[morphology] (SWC)");
    }
    if !f.cells.is_empty() || !f.connections.is_empty() || !f.gap_junctions.is_empty() {
        return refuse("a network ([[cell]], [[connection]], [[gap_junction]])");
    }
    if !f.point_processes.is_empty() || !f.detectors.is_empty() {
        return refuse("[[point_process]] and [[detector]]");
    }
    if !f.regions.is_empty() || f.discretization.is_some() || !f.cable.overrides.is_empty() {
        return refuse("[regions], [discretization] and [[cable.override]]");
    }
    let mut sections = vec![];
    for (i, s) in f.sections.iter().enumerate() {
        let s = s.get_ref();
        let (Some(length), Some(diameter)) = (&s.length, &s.diameter) else {
            return refuse(&format!("section `{}` without length and diameter", s.name));
        };
        if s.diameter_end.is_some() || s.points.is_some() {
            return refuse(&format!("section `{}`: frusta and 3-D points", s.name));
        }
        let chained = match (&s.parent, i) {
            (None, 0) => true,
            (Some(p), i) if i > 0 => {
                let prev = &f.sections[i - 1].get_ref().name;
                p.get_ref() == prev && s.at.as_ref().is_none_or(|a| a.0 == 1.0)
            }
            _ => false,
        };
        if !chained {
            return refuse(&format!(
                "section `{}` not attached to the 1-end of the section before it",
                s.name
            ));
        }
        let nseg = s.nseg.as_ref().map_or(1, |n| *n.get_ref());
        sections.push(
            json!({"name": s.name, "length": length.0, "diameter": diameter.0, "nseg": nseg}),
        );
    }
    let section_names: Vec<&str> = f
        .sections
        .iter()
        .map(|s| s.get_ref().name.as_str())
        .collect();
    let location = |text: &str| -> Result<Location, String> {
        let l = Location::parse(text)?;
        if !section_names.contains(&l.section.as_str()) {
            return Err(format!("{}: no section `{}`", m.source.name, l.section));
        }
        Ok(l)
    };
    let mut mechanisms = vec![];
    for mech in &f.mechanisms {
        let region = mech.region.as_ref().map_or("all", |r| r.get_ref().as_str());
        if region != "all" && !section_names.contains(&region) {
            return refuse(&format!("region `{region}` (only `all` and section names)"));
        }
        let params: serde_json::Map<String, Value> = mech
            .parameters
            .iter()
            .map(|(k, v)| (k.get_ref().clone(), json!(v.0)))
            .collect();
        mechanisms
            .push(json!({"name": mech.name.get_ref(), "region": region, "parameters": params}));
    }
    let mut iclamps = vec![];
    for c in &f.iclamps {
        let l = location(c.at.get_ref())?;
        iclamps.push(json!({"section": l.section, "x": l.x, "delay": c.delay.0, "dur": c.dur.0, "amp": c.amp.0}));
    }
    let mut probes = vec![];
    for (i, p) in f.probes.iter().enumerate() {
        if p.variable.as_ref().is_some_and(|v| v.get_ref() != "v") {
            return refuse("a [[probe]] of anything but v");
        }
        let l = location(p.at.get_ref())?;
        // dv/dθ is read from the first mechanism painted where the probe is.
        let Some(mech) = f.mechanisms.iter().find(|mm| {
            let r = mm.region.as_ref().map_or("all", |r| r.get_ref().as_str());
            r == "all" || r == l.section
        }) else {
            return refuse(&format!("probe {i} on a section without a mechanism"));
        };
        let name = p
            .name
            .clone()
            .unwrap_or_else(|| format!("v {}", p.at.get_ref()));
        probes.push(
            json!({"name": name, "section": l.section, "x": l.x, "mechanism": mech.name.get_ref()}),
        );
    }
    let mut dirs = vec![];
    for p in &f.parameters {
        let target = p.target.get_ref();
        let is_mech = target
            .split_once('.')
            .is_some_and(|(mech, _)| f.mechanisms.iter().any(|mm| mm.name.get_ref() == mech));
        if !is_mech || !p.regions.is_empty() || p.log {
            eprintln!(
                "note: [[parameter]] {target} is left out: the Arbor emission differentiates \
                 mechanism parameters, everywhere and unscaled"
            );
            continue;
        }
        let (mech, param) = target.split_once('.').expect("checked");
        dirs.push(Direction {
            mech: mech.to_string(),
            param: param.to_string(),
        });
    }
    let mut written = emit_files(files, &dirs, &dir.join("mods"))?;
    let sim = &f.simulation;
    let model_json = json!({
        "simulation": {"tstop": sim.tstop.0, "dt": sim.dt.0, "celsius": sim.celsius.0, "v_init": sim.v_init.0},
        "cm": f.cable.cm.as_ref().map_or(1.0, |c| c.0),
        "Ra": f.cable.ra.as_ref().map_or(100.0, |r| r.0),
        "sections": sections,
        "mechanisms": mechanisms,
        "iclamps": iclamps,
        "probes": probes,
        "ions": dirs.iter().map(|d| d.ion()).collect::<Vec<_>>(),
        "directions": dirs.iter().map(|d| format!("{}.{}", d.mech, d.param)).collect::<Vec<_>>(),
    });
    let text = serde_json::to_string_pretty(&model_json).map_err(|e| e.to_string())?;
    let script = SCRIPT.replace("@MODEL@", &text);
    let out = dir.join("model.py");
    std::fs::write(&out, script).map_err(|e| format!("cannot write {}: {e}", out.display()))?;
    written.push(out);
    Ok(written)
}
