//! `--set` overrides of mechanism parameters, and the `[[parameter]]` entries declared as tangent
//! parameters.

use gradmod_runtime::mechanism::FieldRole;
use gradmod_runtime::params::TargetSpec;
use gradmod_runtime::{Cell, ClampId, MechId, ParamSpec, Region};
use toml::Spanned;

use super::built::{at, parameter_index};
use super::overrides::ParameterOverride;
use super::regions::Regions;
use super::schema::Parameter;
use super::{Model, ModelError};

/// Applies the `--set MECH.PARAM=VALUE` (every instance) and `LABEL.PARAM=VALUE` (one point
/// process) overrides of a cell, resolved by `overrides::resolve`, once its mechanisms are placed.
pub(crate) fn apply_overrides(
    cell: &mut Cell,
    set: &[ParameterOverride],
) -> Result<(), ModelError> {
    for o in set {
        let err = |m: String| ModelError {
            file: "command line".into(),
            position: None,
            key: Some(format!("--set {}", o.key)),
            message: m,
            snippet: None,
        };
        let id = cell
            .mechanism_id(&o.mechanism)
            .map_err(|e| err(e.to_string()))?;
        let info = cell.mechanism(id).info();
        let is_param = info
            .field_index(&o.field)
            .is_some_and(|f| info.fields[f].role == FieldRole::Parameter);
        if !is_param {
            return Err(err(format!(
                "`{}` has no PARAMETER `{}`",
                info.name, o.field
            )));
        }
        match o.instance {
            None => cell
                .set_field(id, &o.field, &Region::All, o.value)
                .map_err(|e| err(e.to_string()))?,
            Some(j) => {
                cell.field_mut(id, &o.field)
                    .map_err(|e| err(e.to_string()))?[j] = o.value
            }
        }
    }
    Ok(())
}

/// The name of a `[[parameter]]` entry: its `name`, or its target with the regions after `@`
/// (and `log ` in front when log-scaled).
pub fn parameter_name(p: &Parameter) -> String {
    p.name.clone().unwrap_or_else(|| {
        let mut n = p.target.get_ref().clone();
        if !p.regions.is_empty() {
            let regions: Vec<&str> = p.regions.iter().map(|r| r.get_ref().as_str()).collect();
            n += &format!("@{}", regions.join("+"));
        }
        if p.log {
            n = format!("log {n}");
        }
        n
    })
}

/// The declared tangent parameters of a cell: names, log scaling, and the model value of each
/// (in the first element it moves) where the cell exposes it: mechanism parameters and IClamp
/// amplitudes, not c_m or Ra.
pub(crate) type Declared = (Vec<String>, Vec<bool>, Vec<Option<f64>>);

/// The value of a mechanism field in the first instance inside `region`.
fn first_value(cell: &Cell, id: MechId, field: &str, region: &Region) -> Option<f64> {
    let (layout, morph) = (cell.layout(), cell.morphology());
    let values = cell.field(id, field).ok()?;
    let nodes = cell.mechanism(id).nodes();
    nodes
        .iter()
        .zip(values)
        .find(|&(&cv, _)| region.contains(morph, layout.section[cv], layout.x[cv]))
        .map(|(_, &v)| v)
}

/// Declares the `[[parameter]]` entries as tangent parameters; returns their names, log scaling
/// and model values.
pub(crate) fn add_parameters(
    model: &Model,
    cell: &mut Cell,
    regions: &Regions,
    clamps: &[String],
    netcons: &std::collections::HashMap<String, gradmod_runtime::NetConId>,
) -> Result<Declared, ModelError> {
    let (f, src) = (&model.file, &model.source);
    let mut names = Vec::new();
    let mut values = Vec::new();
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
                        format!(
                            "`{target}`: expected MECH.PARAM, cm, Ra, CLAMP.amp or NETCON.weight"
                        ),
                    )
                })?;
                if let Some(&nc) = netcons.get(head) {
                    if field != "weight" {
                        return Err(src.error_at(
                            p.target.span(),
                            &key,
                            format!(
                                "only the weight of a connection is differentiable: `{head}.weight`"
                            ),
                        ));
                    }
                    ParamSpec::netcon_weight(nc)
                } else if let Some(c) = clamps.iter().position(|n| n == head) {
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
        for (j, r) in p.regions.iter().enumerate() {
            spec = spec.in_region(regions.get(r, &format!("parameter[{i}].regions[{j}]"))?);
        }
        if p.log {
            spec = spec.log_scaled();
        }
        let region = match spec.regions.len() {
            0 => Region::All,
            1 => spec.regions[0].clone(),
            _ => Region::Union(spec.regions.clone()),
        };
        values.push(match &spec.target {
            TargetSpec::Mechanism { mechanism, field } => cell
                .mechanism_id(mechanism)
                .ok()
                .and_then(|id| first_value(cell, id, field, &region)),
            TargetSpec::IClampAmp(c) => cell.clamps().get(c.0).map(|c| c.amp),
            TargetSpec::NetConWeight(nc) => cell.netcon_weight(*nc).ok(),
            TargetSpec::Cm | TargetSpec::Ra => None,
        });
        let name = parameter_name(p);
        if let Some(j) = names.iter().position(|n| *n == name) {
            return Err(src.error_at(
                p.target.span(),
                &key,
                format!(
                    "`{name}` is declared twice (also parameter[{j}]): remove the repeat, or give \
                     the entries different regions or names"
                ),
            ));
        }
        cell.add_parameter(spec)
            .map_err(at(src, p.target.span(), &key))?;
        names.push(name);
    }
    Ok((names, f.parameters.iter().map(|p| p.log).collect(), values))
}
