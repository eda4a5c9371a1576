//! Networks: `[[cell]]` entries naming other model files, `[[connection]]` from detectors (or
//! point processes that spike with `net_event`) to point processes, and `[[gap_junction]]`
//! between locations.

use gradmod_runtime::Connection;
use rayon::prelude::*;

use super::built::{Built, BuiltCell, SimSettings, cv_at, split_cell};
use super::cell::build_cell;
use super::overrides::Override;
use super::{Model, ModelError};
use crate::library::Library;

/// Whether a network has no gap junctions and no POINTERs into other cells (both carry tangents
/// across cells by index).
fn gap_free(f: &super::ModelFile) -> bool {
    f.gap_junctions.is_empty() && f.pointers.is_empty()
}

/// Builds every cell of a network model and resolves its wiring; returns it and, for each of
/// `overrides`, whether it matched something in some cell.
pub(crate) fn build_network(
    model: &Model,
    sim: &SimSettings,
    library: &Library,
    overrides: &[Override],
) -> Result<(Built, Vec<bool>), ModelError> {
    let mut matched = vec![false; overrides.len()];
    let (f, src) = (&model.file, &model.source);
    let has_cell_keys = f.morphology.is_some()
        || !f.sections.is_empty()
        || !f.mechanisms.is_empty()
        || !f.point_processes.is_empty()
        || !f.iclamps.is_empty()
        || !f.probes.is_empty()
        || !f.parameters.is_empty()
        || !f.detectors.is_empty()
        || f.homeostasis.is_some()
        || !f.noise.is_empty();
    if has_cell_keys {
        return Err(src.error(
            "cell",
            "a network file lists [[cell]] entries only: describe each cell, with its [homeostasis] \
             and [[noise]], in its own model file",
        ));
    }
    // The names first, in order, so that the first bad entry is the one reported.
    let mut names = std::collections::HashSet::new();
    for (i, c) in f.cells.iter().enumerate() {
        if c.name.is_empty() || c.name.contains('.') || !names.insert(c.name.as_str()) {
            return Err(src.error_at(
                c.model.span(),
                format!("cell[{i}].name"),
                format!(
                    "`{}`: cell names must be unique, non-empty and without `.`",
                    c.name
                ),
            ));
        }
    }
    // Each cell's file is read and its cell built on the thread pool (where a network of many
    // cells spends its construction); what went wrong is reported in the cells' order.
    let network_library = &super::library_for(model, library)?;
    let each: Vec<Result<OneCell, ModelError>> = f
        .cells
        .par_iter()
        .enumerate()
        .map(|(i, c)| build_one(model, i, c, sim, network_library, overrides))
        .collect();
    let mut cells: Vec<BuiltCell> = Vec::new();
    let mut subs: Vec<Model> = Vec::new();
    for ((i, c), one) in f.cells.iter().enumerate().zip(each) {
        let key = format!("cell[{i}].model");
        let OneCell {
            cell,
            matched: cell_matched,
            sub,
            overrides: all,
        } = one?;
        for (m, a) in matched.iter_mut().zip(&cell_matched) {
            *m |= *a;
        }
        if let Some(j) = (overrides.len()..all.len()).find(|&j| !cell_matched[j]) {
            let (k, _) = c
                .set
                .iter()
                .nth(j - overrides.len())
                .expect("one override per entry");
            let message = match all[j].target {
                super::overrides::Target::Simulation(_) => {
                    "a [simulation] key applies to the whole network: set it in the network \
                     file's [simulation]"
                }
                _ => "matches nothing in the cell's model",
            };
            return Err(src.error_at(k.span(), format!("cell[{i}].set.{}", k.get_ref()), message));
        }
        if let Some(first) = cells.first()
            && !gap_free(f)
            && first.parameters != cell.parameters
        {
            return Err(src.error_at(
                c.model.span(),
                &key,
                format!(
                    "cells joined by gap junctions or POINTERs share their parameters θ_k (tangents cross \
                     junctions by index), so they need the same [[parameter]] list: `{}` has [{}], \
                     `{}` has [{}]",
                    first.name,
                    first.parameters.join(", "),
                    c.name,
                    cell.parameters.join(", ")
                ),
            ));
        }
        cells.push(cell);
        subs.push(sub);
    }
    let mut connections = Vec::new();
    for (i, c) in f.connections.iter().enumerate() {
        let key = format!("connection[{i}]");
        let from_err = |m: String| src.error_at(c.from.span(), format!("{key}.from"), m);
        let to_err = |m: String| src.error_at(c.to.span(), format!("{key}.to"), m);
        let (source_cell, det) = split_cell(&cells, c.from.get_ref()).map_err(from_err)?;
        let source = &mut cells[source_cell];
        let detector =
            super::cell::spike_source(&mut source.cell, &source.labels, &source.detectors, det)
                .map_err(|m| from_err(format!("cell `{}`: {m}", source.name)))?;
        let (target_cell, label) = split_cell(&cells, c.to.get_ref()).map_err(to_err)?;
        let &(mech, instance) = cells[target_cell].labels.get(label).ok_or_else(|| {
            to_err(format!(
                "cell `{}` has no point process labelled `{label}`",
                cells[target_cell].name
            ))
        })?;
        if !cells[target_cell].cell.mechanism(mech).info().net_receive {
            return Err(to_err(format!("`{label}` has no NET_RECEIVE block")));
        }
        if c.delay.0 < sim.dt {
            return Err(src.error_at(
                c.from.span(),
                format!("{key}.delay"),
                format!(
                    "must be at least one time step ({} ms), got {}",
                    sim.dt, c.delay.0
                ),
            ));
        }
        connections.push(Connection {
            source_cell,
            detector,
            target_cell,
            mech,
            instance,
            weight: c.weight.0,
            delay: c.delay.0,
        });
    }
    let mut gap_junctions = Vec::new();
    for (i, g) in f.gap_junctions.iter().enumerate() {
        let mut ends = [(0, 0); 2];
        for (j, side) in [&g.a, &g.b].into_iter().enumerate() {
            let key = format!("gap_junction[{i}].{}", ["a", "b"][j]);
            let (ci, loc) = split_cell(&cells, side.get_ref())
                .map_err(|m| src.error_at(side.span(), &key, m))?;
            let spanned = toml::Spanned::new(side.span(), loc.to_string());
            ends[j] = (ci, cv_at(src, &cells[ci].cell, &spanned, &key)?);
        }
        if g.g.0 < 0.0 {
            return Err(src.error_at(
                g.a.span(),
                format!("gap_junction[{i}].g"),
                "must not be negative",
            ));
        }
        gap_junctions.push((ends[0], ends[1], g.g.0));
    }
    let pointer_links = super::pointers::bind_network(model, &mut cells)?;
    for (cell, sub) in cells.iter().zip(&subs) {
        super::pointers::check_bound(sub, cell, Some(model))?;
    }
    let built = Built {
        cells,
        connections,
        gap_junctions,
        pointer_links,
        tstop: sim.tstop,
        dt: sim.dt,
        sample_every: sim.sample_every,
    };
    Ok((built, matched))
}

/// One cell of a network as [`build_one`] makes it: the cell, which overrides matched something
/// in it, its model file, and the overrides it was built with (the command line's, then its own).
struct OneCell {
    cell: BuiltCell,
    matched: Vec<bool>,
    sub: Model,
    overrides: Vec<Override>,
}

/// Reads the model file of `[[cell]]` entry `i` and builds its cell with the network's and the
/// cell's own overrides, and the network's and the cell file's [mechanisms].
fn build_one(
    model: &Model,
    i: usize,
    c: &super::schema::CellRef,
    sim: &SimSettings,
    library: &Library,
    overrides: &[Override],
) -> Result<OneCell, ModelError> {
    let src = &model.source;
    let key = format!("cell[{i}].model");
    let path = src.dir.join(c.model.get_ref());
    let sub = Model::load(&path).map_err(|e| {
        src.error_at(
            c.model.span(),
            &key,
            format!("in the cell's model file: {e}"),
        )
    })?;
    if !sub.file.cells.is_empty() {
        return Err(src.error_at(
            c.model.span(),
            &key,
            "a cell's model file cannot itself be a network",
        ));
    }
    // The cell's own overrides come after the command line's, so they win.
    let mut all = overrides.to_vec();
    for (k, v) in &c.set {
        let key = format!("cell[{i}].set.{}", k.get_ref());
        all.push(Override::new(k.get_ref(), v.0).map_err(|m| src.error_at(k.span(), &key, m))?);
    }
    // The network's own [mechanisms] (in `library`) and then the cell file's.
    let library = &super::library_for(&sub, library)?;
    let (cell, matched) = build_cell(&sub, &c.name, sim, library, &all)?;
    Ok(OneCell {
        cell,
        matched,
        sub,
        overrides: all,
    })
}
