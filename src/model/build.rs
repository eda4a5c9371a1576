//! Building a model: the run settings with their overrides, then its cell or its network's cells,
//! checked against the work limits; every `--set` override must match something.

use super::built::SimSettings;
pub use super::built::{Built, BuiltCell, GapJunction, PointerLink, ProbeColumn};
use super::cell::build_cell;
use super::network;
use super::overrides::{self, Override, SimKey, Target};
use super::{Model, ModelError};
use crate::library::Library;

/// Builds a model (a cell, or a network whose cells come from their own files) with a mechanism
/// library, applying `--set` overrides; every override must match something.
pub fn build(
    model: &Model,
    library: &Library,
    overrides: &[Override],
) -> Result<Built, ModelError> {
    let sim = simulation(model, overrides)?;
    let (built, matched) = if model.file.cells.is_empty() {
        let library = &super::library_for(model, library)?;
        let (cell, matched) = build_cell(model, "", &sim, library, overrides)?;
        super::pointers::check_bound(model, &cell, None)?;
        let built = Built {
            cells: vec![cell],
            connections: Vec::new(),
            gap_junctions: Vec::new(),
            pointer_links: Vec::new(),
            tstop: sim.tstop,
            dt: sim.dt,
            sample_every: sim.sample_every,
        };
        (built, matched)
    } else {
        network::build_network(model, &sim, library, overrides)?
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
    let simulation_key = |o: &Override| matches!(o.target, Target::Simulation(_));
    if let Some(o) = overrides
        .iter()
        .zip(&matched)
        .find_map(|(o, m)| (!m && !simulation_key(o)).then_some(o))
    {
        return Err(overrides::unmatched(o));
    }
    Ok(built)
}

fn simulation(model: &Model, overrides: &[Override]) -> Result<SimSettings, ModelError> {
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
    // `Override::new` checked that seed and sample_every are whole numbers in range.
    for (key, value) in overrides::simulation_values(overrides) {
        match key {
            SimKey::Tstop => sim.tstop = value,
            SimKey::Dt => sim.dt = value,
            SimKey::Celsius => sim.celsius = value,
            SimKey::VInit => sim.v_init = value,
            SimKey::Forgetting => sim.forgetting = value,
            SimKey::Seed => sim.seed = value as u64,
            SimKey::SampleEvery => sim.sample_every = value as u64,
        }
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
