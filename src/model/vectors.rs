//! `[[vector]]` entries: the vector of a point process whose mechanism reads one (NEURON's
//! `VecStim.play(vec)`: the spike times of a VecStim), and the check that every such point
//! process has one, located at the entry that places it.

use std::collections::HashMap;

use gradmod_runtime::{Cell, MechId};

use super::built::at;
use super::{Model, ModelError};

/// Gives each point process a `[[vector]]` entry names its vector, and refuses a point process
/// whose mechanism reads a vector but that no entry names.
pub(crate) fn give_vectors(
    model: &Model,
    cell: &mut Cell,
    labels: &HashMap<String, (MechId, usize)>,
) -> Result<(), ModelError> {
    let (f, src) = (&model.file, &model.source);
    let mut given: HashMap<String, usize> = HashMap::new();
    for (i, v) in f.vectors.iter().enumerate() {
        let key = format!("vector[{i}].point_process");
        let label = v.point_process.get_ref();
        let &(mech, instance) = labels.get(label).ok_or_else(|| {
            src.error_at(
                v.point_process.span(),
                key.as_str(),
                format!("no point process is labelled `{label}`"),
            )
        })?;
        if let Some(first) = given.insert(label.clone(), i) {
            return Err(src.error_at(
                v.point_process.span(),
                key.as_str(),
                format!("`{label}` already has a vector (vector[{first}])"),
            ));
        }
        let values = v.values.iter().map(|x| x.0).collect();
        cell.set_vector(mech, instance, values)
            .map_err(at(src, v.point_process.span(), &key))?;
    }
    let names = super::built::point_process_labels(f);
    for (i, (p, (label, _, _))) in f.point_processes.iter().zip(&names).enumerate() {
        let Some(&(m, j)) = labels.get(label) else {
            continue;
        };
        if !cell.mechanism(m).info().vector || cell.vector(m, j).is_some() {
            continue;
        }
        return Err(src.error_at(
            p.name.span(),
            format!("point_process[{i}]"),
            format!(
                "`{label}` ({}) reads a vector (NEURON's `play(vec)`): give it one with a \
                 [[vector]] entry, `point_process = \"{label}\"` and `values = [...]`",
                p.name.get_ref()
            ),
        ));
    }
    Ok(())
}
