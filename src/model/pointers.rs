//! POINTER bindings of a model file: `pointers = { NAME = "v@LOCATION" }` on a `[[point_process]]`
//! (v at a location of the same cell) or `pointers = { NAME = "LABEL.STATE" }` (a STATE of another
//! point process of the same cell, which NET_RECEIVE may write), and `[[pointer]]` entries of a network
//! (`to = "CELL.LABEL.POINTER"`, `from = "v@CELL.LOCATION"`), with the check that every POINTER of
//! every placed point process is bound, located at the entry that places it.

use std::collections::HashMap;

use gradmod_runtime::{Cell, MechId, PointerSource};
use toml::Spanned;

use super::built::{BuiltCell, PointerLink, at, cv_at, split_cell};
use super::schema::{ModelFile, PointProcess};
use super::{Model, ModelError, Source};

/// The location of a target written `v@LOCATION`; other targets are refused by name.
fn v_location(text: &str) -> Result<&str, String> {
    match text.split_once('@') {
        Some(("v", loc)) => Ok(loc),
        Some((var, _)) => Err(format!(
            "`{text}`: a POINTER can be bound to the membrane potential only at a location \
             (`v@LOCATION`), or to a STATE of another point process (`LABEL.STATE`); pointers to \
             `{var}` at a location (a density mechanism's variable or an ion) are not supported"
        )),
        None => Err(format!(
            "`{text}`: expected `v@LOCATION`, such as `v@soma(0.5)`"
        )),
    }
}

/// A target written `LABEL.STATE`: a STATE of the point process labelled LABEL.
fn field_target(
    cell: &Cell,
    labels: &HashMap<String, (MechId, usize)>,
    text: &str,
) -> Result<PointerSource, String> {
    let (label, field) = text
        .split_once('.')
        .ok_or_else(|| format!("`{text}`: expected `v@LOCATION` or `LABEL.STATE`"))?;
    let &(mech, instance) = labels
        .get(label)
        .ok_or_else(|| format!("`{text}`: no point process is labelled `{label}`"))?;
    let info = cell.mechanism(mech).info();
    let field = info
        .field_index(field)
        .filter(|&f| info.state_position(f).is_some())
        .ok_or_else(|| {
            format!(
                "`{text}`: `{field}` is not a STATE of `{label}` ({}); a POINTER can be bound to \
                 v at a location or to a STATE of another point process",
                info.name
            )
        })?;
    Ok(PointerSource::Field {
        mech,
        field,
        instance,
    })
}

/// Binds the POINTERs a `[[point_process]]` entry names to v at locations of its cell or to
/// STATEs of other point processes of it.
pub(crate) fn bind_point_process(
    src: &Source,
    cell: &mut Cell,
    labels: &HashMap<String, (MechId, usize)>,
    id: MechId,
    instance: usize,
    p: &PointProcess,
    i: usize,
) -> Result<(), ModelError> {
    for (name, target) in &p.pointers {
        let key = format!("point_process[{i}].pointers.{}", name.get_ref());
        if !target.get_ref().contains('@') {
            let source = field_target(cell, labels, target.get_ref())
                .map_err(|m| src.error_at(target.span(), &key, m))?;
            cell.bind_pointer(id, instance, name.get_ref(), source)
                .map_err(at(src, name.span(), &key))?;
            continue;
        }
        let loc = v_location(target.get_ref()).map_err(|m| src.error_at(target.span(), &key, m))?;
        let cv = cv_at(
            src,
            cell,
            &Spanned::new(target.span(), loc.to_string()),
            &key,
        )?;
        cell.bind_pointer(id, instance, name.get_ref(), PointerSource::Cv(cv))
            .map_err(at(src, name.span(), &key))?;
    }
    Ok(())
}

/// Refuses `pointers` on painted mechanisms: their instances are many, and bindings are per
/// instance.
pub(crate) fn refuse_painted(src: &Source, f: &ModelFile) -> Result<(), ModelError> {
    for (i, m) in f.mechanisms.iter().enumerate() {
        if let Some((name, _)) = m.pointers.iter().next() {
            return Err(src.error_at(
                name.span(),
                format!("mechanism[{i}].pointers.{}", name.get_ref()),
                "binding the POINTERs of a painted (density) mechanism is not supported: bind \
                 pointers per instance, on [[point_process]] entries",
            ));
        }
    }
    Ok(())
}

/// An error at the `[[point_process]]` entry of the first POINTER left unbound; `network` names
/// the network file and the cell when the cell belongs to one.
pub(crate) fn check_bound(
    model: &Model,
    cell: &BuiltCell,
    network: Option<&Model>,
) -> Result<(), ModelError> {
    let Some((id, instance, pointer)) = cell.cell.unbound_pointer() else {
        return Ok(());
    };
    let info = cell.cell.mechanism(id).info();
    let mech = info.name;
    if info.kind == gradmod_runtime::mechanism::MechanismKind::Density {
        let painted = model
            .file
            .mechanisms
            .iter()
            .enumerate()
            .find(|(_, m)| m.name.get_ref() == mech);
        let message = format!(
            "`{mech}` has a POINTER (`{pointer}`), and the POINTERs of a painted (density) \
             mechanism cannot be bound: bind pointers per instance, on [[point_process]] entries"
        );
        return Err(match painted {
            Some((i, m)) => {
                model
                    .source
                    .error_at(m.name.span(), format!("mechanism[{i}].name"), message)
            }
            None => model.source.error("mechanism", message),
        });
    }
    let label = cell
        .labels
        .iter()
        .find(|(_, v)| **v == (id, instance))
        .map_or_else(|| format!("{mech}[{instance}]"), |(l, _)| l.clone());
    let f = &model.file;
    let entry = f
        .point_processes
        .iter()
        .enumerate()
        .filter(|(_, p)| p.name.get_ref() == mech)
        .nth(instance);
    let mut message = format!(
        "POINTER `{pointer}` of point process `{label}` ({mech}) is not bound: add \
         `pointers = {{ {pointer} = \"v@LOCATION\" }}` to its entry"
    );
    if let Some(n) = network {
        message.push_str(&format!(
            ", or a [[pointer]] entry with `to = \"{}.{label}.{pointer}\"` to {}",
            cell.name, n.source.name
        ));
    }
    Err(match entry {
        Some((i, p)) => {
            model
                .source
                .error_at(p.name.span(), format!("point_process[{i}]"), message)
        }
        None => model.source.error("point_process", message),
    })
}

/// Binds the `[[pointer]]` entries of a network: a pointer into the same cell reads its CV
/// directly, one into another cell is fed by the network before each step (the returned links).
pub(crate) fn bind_network(
    model: &Model,
    cells: &mut [BuiltCell],
) -> Result<Vec<PointerLink>, ModelError> {
    let src = &model.source;
    let mut links = Vec::new();
    for (i, p) in model.file.pointers.iter().enumerate() {
        let to_err = |m: String| src.error_at(p.to.span(), format!("pointer[{i}].to"), m);
        let from_key = format!("pointer[{i}].from");
        let from_err = |m: String| src.error_at(p.from.span(), &from_key, m);
        let (target, rest) = split_cell(cells, p.to.get_ref()).map_err(to_err)?;
        let (label, pointer) = rest.rsplit_once('.').ok_or_else(|| {
            to_err(format!(
                "`{}`: expected CELL.LABEL.POINTER, such as a.gap.vgap",
                p.to.get_ref()
            ))
        })?;
        let &(mech, instance) = cells[target].labels.get(label).ok_or_else(|| {
            to_err(format!(
                "cell `{}` has no point process labelled `{label}`",
                cells[target].name
            ))
        })?;
        let loc = v_location(p.from.get_ref()).map_err(from_err)?;
        let (source, loc) = split_cell(cells, loc).map_err(from_err)?;
        let spanned = Spanned::new(p.from.span(), loc.to_string());
        let cv = cv_at(src, &cells[source].cell, &spanned, &from_key)?;
        let how = if source == target {
            PointerSource::Cv(cv)
        } else {
            PointerSource::External {
                value: 0.0,
                tangents: Vec::new(),
            }
        };
        let binding = cells[target]
            .cell
            .bind_pointer(mech, instance, pointer, how)
            .map_err(|e| to_err(e.to_string()))?;
        if source != target {
            links.push(((source, cv), target, binding));
        }
    }
    Ok(links)
}
