//! `--set` overrides of mechanism parameters, and the `[[parameter]]` entries declared as tangent
//! parameters.

use std::collections::HashMap;

use gradmod_runtime::mechanism::FieldRole;
use gradmod_runtime::{Cell, ClampId, MechId, ParamSpec};
use toml::Spanned;

use super::build::{Override, at, parameter_index};
use super::regions::Regions;
use super::{Model, ModelError};

/// Applies `--set MECH.PARAM=VALUE` (and `LABEL.PARAM` for one point process) to a built cell.
pub(crate) fn apply_overrides(
    cell: &mut Cell,
    overrides: &[Override],
    used: &mut [bool],
    labels: &HashMap<String, (MechId, usize)>,
) -> Result<(), ModelError> {
    for (o, u) in overrides.iter().zip(used.iter_mut()) {
        let Some((head, field)) = o.key.rsplit_once('.') else {
            continue;
        };
        let err = |m: String| ModelError {
            file: "command line".into(),
            position: None,
            key: Some(format!("--set {}", o.key)),
            message: m,
            snippet: None,
        };
        let target = if let Some(&(id, instance)) = labels.get(head) {
            Some((id, Some(instance)))
        } else {
            cell.mechanism_id(head).ok().map(|id| (id, None))
        };
        let Some((id, instance)) = target else {
            continue;
        };
        let info = cell.mechanism(id).info();
        let is_param = info
            .field_index(field)
            .is_some_and(|f| info.fields[f].role == FieldRole::Parameter);
        if !is_param {
            return Err(err(format!("`{}` has no PARAMETER `{field}`", info.name)));
        }
        match instance {
            None => cell
                .set_field(id, field, &gradmod_runtime::Region::All, o.value)
                .map_err(|e| err(e.to_string()))?,
            Some(j) => cell.field_mut(id, field).map_err(|e| err(e.to_string()))?[j] = o.value,
        }
        *u = true;
    }
    Ok(())
}

/// Declares the `[[parameter]]` entries as tangent parameters; returns their names.
pub(crate) fn add_parameters(
    model: &Model,
    cell: &mut Cell,
    regions: &Regions,
    clamps: &[String],
) -> Result<(Vec<String>, Vec<bool>), ModelError> {
    let (f, src) = (&model.file, &model.source);
    let mut names = Vec::new();
    for (i, p) in f.parameters.iter().enumerate() {
        let key = format!("parameter[{i}].target");
        let target = p.target.get_ref().as_str();
        let mut spec = match target {
            "cm" => ParamSpec::cm(),
            "Ra" => ParamSpec::ra(),
            _ => {
                let (head, field) = target.rsplit_once('.').ok_or_else(|| {
                    src.error_at(
                        p.target.span(),
                        &key,
                        format!("`{target}`: expected MECH.PARAM, cm, Ra or CLAMP.amp"),
                    )
                })?;
                if let Some(c) = clamps.iter().position(|n| n == head) {
                    if field != "amp" {
                        return Err(src.error_at(
                            p.target.span(),
                            &key,
                            format!(
                                "only the amplitude of an IClamp is differentiable: `{head}.amp`"
                            ),
                        ));
                    }
                    ParamSpec::iclamp_amp(ClampId(c))
                } else {
                    let id = cell.mechanism_id(head).map_err(|_| {
                        src.error_at(
                            p.target.span(),
                            &key,
                            format!(
                                "`{head}` is neither a mechanism of the model nor an IClamp ({})",
                                if clamps.is_empty() {
                                    "none".to_string()
                                } else {
                                    clamps.join(", ")
                                }
                            ),
                        )
                    })?;
                    let field_spanned = Spanned::new(p.target.span(), field.to_string());
                    parameter_index(src, cell, id, &field_spanned, &key)?;
                    ParamSpec::mechanism(head, field)
                }
            }
        };
        let mut region_names = Vec::new();
        for (j, r) in p.regions.iter().enumerate() {
            spec = spec.in_region(regions.get(r, &format!("parameter[{i}].regions[{j}]"))?);
            region_names.push(r.get_ref().clone());
        }
        if p.log {
            spec = spec.log_scaled();
        }
        cell.add_parameter(spec)
            .map_err(at(src, p.target.span(), &key))?;
        let name = p.name.clone().unwrap_or_else(|| {
            let mut n = target.to_string();
            if !region_names.is_empty() {
                n += &format!("@{}", region_names.join("+"));
            }
            if p.log {
                n = format!("log {n}");
            }
            n
        });
        names.push(name);
    }
    Ok((names, f.parameters.iter().map(|p| p.log).collect()))
}
