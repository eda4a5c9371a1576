//! `--set KEY=VALUE` overrides: parsed once into what they name ([`Target`]), resolved once per cell
//! against the cell's names ([`resolve`]), and applied where the cell is built from what the
//! resolution returns ([`CellOverrides`]), so that no consumer looks at the key's text again.

use std::collections::HashMap;

/// A `[simulation]` key that `--set` may change.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SimKey {
    /// `tstop` (also `duration`), ms.
    Tstop,
    /// `dt`, ms.
    Dt,
    /// `celsius`, degC.
    Celsius,
    /// `v_init`, mV.
    VInit,
    /// `forgetting`, 1/ms.
    Forgetting,
    /// `seed`, an integer in [0, 2^53).
    Seed,
    /// `sample_every`, a positive whole number of steps.
    SampleEvery,
}

/// A cable property that `--set` may change (its default value, before the model's
/// `[[cable.override]]` regions).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CableKey {
    /// Specific membrane capacitance, µF/cm².
    Cm,
    /// Axial resistivity, Ω cm.
    Ra,
}

/// An IClamp field that `--set CLAMP.FIELD` may change.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ClampField {
    /// Onset, ms.
    Delay,
    /// Duration, ms.
    Dur,
    /// Amplitude, nA.
    Amp,
}

/// What a `--set` key names, as far as its text tells.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Target {
    /// A `[simulation]` key (written bare or as `simulation.KEY`).
    Simulation(SimKey),
    /// A cable property (written bare or as `cable.KEY`).
    Cable(CableKey),
    /// `OWNER.FIELD`: an IClamp's field, one point process's parameter (by label) or a density or
    /// point mechanism's parameter everywhere it is; which of them depends on the cell's names
    /// ([`resolve`]).
    Named {
        /// The clamp's name, the point process's label or the mechanism's name.
        owner: String,
        /// The field.
        field: String,
    },
}

/// A `--set KEY=VALUE` override of a model value.
#[derive(Clone, Debug, PartialEq)]
pub struct Override {
    /// The key as written, for messages and checkpoints.
    pub key: String,
    /// What the key names.
    pub target: Target,
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
        Self::new(key.trim(), value)
    }

    /// An override of `key` by `value`, checked: the value finite, the key one that can match
    /// something, and integer keys given integers.
    pub fn new(key: &str, value: f64) -> Result<Self, String> {
        if !value.is_finite() {
            return Err(format!("--set {key}={value}: the value must be finite"));
        }
        let target = Target::parse(key).ok_or_else(|| {
            format!(
                "--set {key}: matches nothing in the model: expected MECH.PARAM of a placed \
                 mechanism, LABEL.PARAM of a point process, CLAMP.amp|delay|dur of an [[iclamp]], \
                 cm, Ra, or a [simulation] key (tstop, dt, celsius, v_init, forgetting, seed, \
                 sample_every)"
            )
        })?;
        match target {
            Target::Simulation(SimKey::Seed)
                if !(value >= 0.0 && value < 2f64.powi(53) && value.fract() == 0.0) =>
            {
                Err(format!(
                    "--set {key}: the seed must be an integer in [0, 2^53), got {value}"
                ))
            }
            Target::Simulation(SimKey::SampleEvery) if !(value >= 1.0 && value.fract() == 0.0) => {
                Err(format!(
                    "--set {key}: sample_every must be a whole number of steps, at least 1, got \
                     {value}"
                ))
            }
            _ => Ok(Self {
                key: key.to_string(),
                target,
                value,
            }),
        }
    }
}

impl Target {
    /// What `key` names, or `None` when it cannot name anything.
    fn parse(key: &str) -> Option<Self> {
        let sim = |k: SimKey| Some(Self::Simulation(k));
        match key.strip_prefix("simulation.").unwrap_or(key) {
            "tstop" | "duration" => return sim(SimKey::Tstop),
            "dt" => return sim(SimKey::Dt),
            "celsius" => return sim(SimKey::Celsius),
            "v_init" => return sim(SimKey::VInit),
            "forgetting" => return sim(SimKey::Forgetting),
            "seed" => return sim(SimKey::Seed),
            "sample_every" => return sim(SimKey::SampleEvery),
            _ => {}
        }
        match key.strip_prefix("cable.").unwrap_or(key) {
            "cm" => return Some(Self::Cable(CableKey::Cm)),
            "Ra" => return Some(Self::Cable(CableKey::Ra)),
            _ => {}
        }
        let (owner, field) = key.rsplit_once('.')?;
        (!owner.is_empty() && !field.is_empty()).then(|| Self::Named {
            owner: owner.to_string(),
            field: field.to_string(),
        })
    }
}

/// The names a cell's overrides resolve against, taken from its model file before it is built.
pub(crate) struct CellNames<'a> {
    /// The IClamps' names, in order.
    pub clamps: &'a [String],
    /// The point processes' labels, each with its mechanism's name and instance.
    pub labels: &'a HashMap<String, (String, usize)>,
    /// The names of the mechanisms painted or placed on the cell.
    pub mechanisms: &'a [&'a str],
}

/// A parameter override of one cell, applied once its mechanisms are in place.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct ParameterOverride {
    /// The key as written.
    pub key: String,
    /// The mechanism's name.
    pub mechanism: String,
    /// One instance (a point process by label), or every instance.
    pub instance: Option<usize>,
    /// The parameter.
    pub field: String,
    /// The value.
    pub value: f64,
}

/// What the overrides change in one cell, later overrides winning.
#[derive(Clone, Debug, Default, PartialEq)]
pub(crate) struct CellOverrides {
    /// The default c_m.
    pub cm: Option<f64>,
    /// The default Ra.
    pub ra: Option<f64>,
    /// Per IClamp (in the model's order): delay, dur, amp.
    pub clamps: Vec<[Option<f64>; 3]>,
    /// Mechanism and point-process parameters, in the order given.
    pub parameters: Vec<ParameterOverride>,
}

/// Resolves `overrides` against one cell's names; returns what they change and, for each, whether
/// it matched something in the cell. Simulation keys match nothing here (see
/// [`apply_simulation`]).
pub(crate) fn resolve(overrides: &[Override], names: &CellNames) -> (CellOverrides, Vec<bool>) {
    let mut out = CellOverrides {
        clamps: vec![[None; 3]; names.clamps.len()],
        ..CellOverrides::default()
    };
    let mut matched = vec![false; overrides.len()];
    for (o, m) in overrides.iter().zip(&mut matched) {
        match &o.target {
            Target::Simulation(_) => {}
            Target::Cable(CableKey::Cm) => (out.cm, *m) = (Some(o.value), true),
            Target::Cable(CableKey::Ra) => (out.ra, *m) = (Some(o.value), true),
            Target::Named { owner, field } => {
                if let Some(c) = names.clamps.iter().position(|n| n == owner) {
                    let slot = match field.as_str() {
                        "delay" => Some(0),
                        "dur" => Some(1),
                        "amp" => Some(2),
                        _ => None,
                    };
                    if let Some(s) = slot {
                        out.clamps[c][s] = Some(o.value);
                        *m = true;
                    }
                    continue;
                }
                let (mechanism, instance) = match names.labels.get(owner) {
                    Some((name, i)) => (name.clone(), Some(*i)),
                    None if names.mechanisms.contains(&owner.as_str()) => (owner.clone(), None),
                    None => continue,
                };
                out.parameters.push(ParameterOverride {
                    key: o.key.clone(),
                    mechanism,
                    instance,
                    field: field.clone(),
                    value: o.value,
                });
                *m = true;
            }
        }
    }
    (out, matched)
}

/// The simulation settings an override list sets, later overrides winning, as
/// (key, value) pairs; the caller writes them into its settings.
pub(crate) fn simulation_values(overrides: &[Override]) -> impl Iterator<Item = (SimKey, f64)> {
    overrides.iter().filter_map(|o| match o.target {
        Target::Simulation(k) => Some((k, o.value)),
        _ => None,
    })
}

/// The error for an override that matched nothing in any cell.
pub(crate) fn unmatched(o: &Override) -> super::ModelError {
    super::ModelError {
        file: "command line".into(),
        position: None,
        key: Some(format!("--set {}", o.key)),
        message: "matches nothing in the model: expected MECH.PARAM of a placed mechanism, \
                  LABEL.PARAM of a point process, CLAMP.amp|delay|dur of an [[iclamp]], cm, Ra, \
                  or a [simulation] key"
            .into(),
        snippet: None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_parse_into_their_targets() {
        let t = |k: &str| Override::new(k, 1.0).map(|o| o.target);
        assert_eq!(t("duration"), Ok(Target::Simulation(SimKey::Tstop)));
        assert_eq!(t("simulation.dt"), Ok(Target::Simulation(SimKey::Dt)));
        assert_eq!(t("cable.Ra"), Ok(Target::Cable(CableKey::Ra)));
        assert_eq!(
            t("IClamp[0].amp"),
            Ok(Target::Named {
                owner: "IClamp[0]".into(),
                field: "amp".into()
            })
        );
        assert!(t("gnabar").unwrap_err().contains("matches nothing"));
        assert!(t(".x").is_err());
        assert!(Override::new("seed", 1.5).unwrap_err().contains("integer"));
        assert!(Override::new("sample_every", 0.0).is_err());
        assert!(Override::new("hh.gnabar", f64::NAN).is_err());
        assert!(
            Override::parse("hh.gnabar=abc")
                .unwrap_err()
                .contains("not a number")
        );
    }

    #[test]
    fn names_resolve_clamps_before_labels_before_mechanisms() {
        let clamps = vec!["stim".to_string()];
        let mut labels = HashMap::new();
        labels.insert("syn".to_string(), ("ExpSyn".to_string(), 1));
        let names = CellNames {
            clamps: &clamps,
            labels: &labels,
            mechanisms: &["hh", "ExpSyn"],
        };
        let os: Vec<Override> = [
            "stim.amp=2",
            "syn.tau=3",
            "hh.gnabar=0.2",
            "cm=2",
            "pas.g=1",
            "dt=0.1",
        ]
        .iter()
        .map(|s| Override::parse(s).unwrap())
        .collect();
        let (c, matched) = resolve(&os, &names);
        assert_eq!(matched, [true, true, true, true, false, false]);
        assert_eq!(c.clamps, vec![[None, None, Some(2.0)]]);
        assert_eq!(c.cm, Some(2.0));
        assert_eq!(c.parameters[0].instance, Some(1));
        assert_eq!(c.parameters[0].mechanism, "ExpSyn");
        assert_eq!(c.parameters[1].instance, None);
    }
}
