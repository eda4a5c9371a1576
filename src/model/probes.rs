//! `[[probe]]` entries turned into runtime probes of values and tangents.

use std::collections::HashMap;

use gradmod_runtime::mechanism::{FieldRole, IonVar};
use gradmod_runtime::{Cell, MechId, Probe};

use super::built::{ProbeColumn, cv_at};
use super::{Model, ModelError};

/// Resolves every probe of a model on its built cell; `k` is the number of parameters.
pub(crate) fn add_probes(
    model: &Model,
    cell: &Cell,
    labels: &HashMap<String, (MechId, usize)>,
    k: usize,
) -> Result<Vec<ProbeColumn>, ModelError> {
    let (f, src) = (&model.file, &model.source);
    let mut columns: Vec<ProbeColumn> = Vec::new();
    for (i, p) in f.probes.iter().enumerate() {
        let key = format!("probe[{i}]");
        let cv = cv_at(src, cell, &p.at, &format!("{key}.at"))?;
        let var_key = format!("{key}.variable");
        let variable = p.variable.as_ref().map_or("v", |v| v.get_ref().as_str());
        let var_err = |m: String| match &p.variable {
            Some(v) => src.error_at(v.span(), var_key.as_str(), m),
            None => src.error_at(p.at.span(), var_key.as_str(), m),
        };
        // The value probe, and the state position and instance when it is a state (for tangents).
        let unit: String;
        let (value, state): (Probe, Option<(MechId, usize, usize)>) = if variable == "v" {
            unit = "mV".into();
            (Probe::Voltage { cv }, None)
        } else if let Some(rest) = variable.strip_prefix("ion.") {
            let (ion, var) = rest.split_once('.').ok_or_else(|| {
                var_err(format!(
                    "`{variable}`: expected ion.NAME.VAR, such as ion.na.current"
                ))
            })?;
            let var = match var {
                "current" => IonVar::Current,
                "reversal" => IonVar::Reversal,
                "inside" => IonVar::Inside,
                "outside" => IonVar::Outside,
                "diffusive" => IonVar::Diffusive,
                _ => {
                    return Err(var_err(format!(
                        "`{var}` is not an ion variable: use current, reversal, inside, outside or diffusive"
                    )));
                }
            };
            unit = match var {
                IonVar::Current => "mA/cm2",
                IonVar::Reversal => "mV",
                IonVar::Inside | IonVar::Outside | IonVar::Diffusive => "mM",
            }
            .into();
            let species = cell
                .ion_index(ion)
                .map_err(|_| var_err(format!("no mechanism of the model uses the ion `{ion}`")))?;
            (Probe::Ion { species, var, cv }, None)
        } else {
            let (head, field) = variable.rsplit_once('.').ok_or_else(|| {
                var_err(format!(
                    "`{variable}`: expected v, MECH.FIELD (such as hh.m) or ion.NAME.VAR"
                ))
            })?;
            let (id, instance) = if let Some(&(id, j)) = labels.get(head) {
                (id, j)
            } else {
                let id = cell.mechanism_id(head).map_err(|_| {
                    var_err(format!(
                        "no mechanism or point process `{head}` in the model"
                    ))
                })?;
                let j = cell
                    .mechanism(id)
                    .nodes()
                    .iter()
                    .position(|&n| n == cv)
                    .ok_or_else(|| {
                        var_err(format!("`{head}` is not present at {}", p.at.get_ref()))
                    })?;
                (id, j)
            };
            let info = cell.mechanism(id).info();
            let fi = info.field_index(field).ok_or_else(|| {
                let names: Vec<&str> = info.fields.iter().map(|f| f.name).collect();
                var_err(format!(
                    "`{}` has no field `{field}` (its fields: {})",
                    info.name,
                    names.join(", ")
                ))
            })?;
            unit = info.fields[fi].unit.to_string();
            let state = (info.fields[fi].role == FieldRole::State).then(|| {
                (
                    id,
                    info.state_position(fi).expect("a state field"),
                    instance,
                )
            });
            (
                Probe::Field {
                    mech: id,
                    field: fi,
                    instance,
                },
                state,
            )
        };
        let want = p.tangents.as_ref().map(|t| (*t.get_ref(), t.span()));
        let tangents = match (value, state, want) {
            (_, _, Some((false, _))) => Vec::new(),
            (Probe::Voltage { cv }, _, _) => (0..k).map(|k| Probe::Tangent { k, cv }).collect(),
            (
                Probe::Ion {
                    species,
                    var: IonVar::Diffusive,
                    cv,
                },
                _,
                _,
            ) => (0..k)
                .map(|k| Probe::DiffusiveTangent { species, k, cv })
                .collect(),
            (_, Some((mech, s, instance)), _) => (0..k)
                .map(|k| Probe::StateTangent {
                    mech,
                    state: s,
                    k,
                    instance,
                })
                .collect(),
            (_, None, Some((true, span))) => {
                return Err(src.error_at(
                    span,
                    format!("{key}.tangents"),
                    format!(
                        "`{variable}` has no tangents: only v, STATE fields and diffusive concentrations do"
                    ),
                ));
            }
            (_, None, None) => Vec::new(),
        };
        let name = p
            .name
            .clone()
            .unwrap_or_else(|| format!("{}.{variable}", p.at.get_ref()));
        if columns.iter().any(|c| c.name == name) {
            return Err(src.error_at(
                p.at.span(),
                format!("{key}.name"),
                format!("two probes are named `{name}`"),
            ));
        }
        columns.push(ProbeColumn {
            name,
            value,
            tangents,
            unit,
        });
    }
    Ok(columns)
}
