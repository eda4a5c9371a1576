//! Checkpoints of `gradmod fit`: what a checkpoint must hold to be resumed ([`Checkpoint::validate`]),
//! and what ties it to the run that wrote it ([`Origin`]): the model file, the overrides, the loss,
//! the window, the probe and the target. A fit resumes only a checkpoint of the same problem.

use std::path::Path;

use serde::{Deserialize, Serialize};

use super::Checkpoint;

/// What a `gradmod fit` checkpoint was computed for. Two runs with the same origin (and the same
/// parameters) optimise the same loss, so one may resume the other.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Origin {
    /// The model file as it was named (shown in messages, not compared).
    pub model_file: String,
    /// Hash of the model file's text (64-bit FNV-1a, hexadecimal).
    pub model_hash: String,
    /// The `--set` overrides, as `KEY=VALUE` in the order given.
    pub overrides: Vec<String>,
    /// The loss, as `--loss` takes it (such as `trace` or `rate:-20:2:2`).
    pub loss: String,
    /// The loss window [t0, t1] (ms).
    pub window: [f64; 2],
    /// The voltage probe compared with the target.
    pub probe: String,
    /// The target as it was named (shown in messages, not compared).
    pub target_file: String,
    /// Hash of the target's values (64-bit FNV-1a of their bytes, hexadecimal).
    pub target_hash: String,
}

/// 64-bit FNV-1a of some bytes, as 16 hexadecimal digits.
pub fn fnv1a(bytes: &[u8]) -> String {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in bytes {
        h ^= u64::from(*b);
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    format!("{h:016x}")
}

/// The hash of a target trace: FNV-1a of its values' little-endian bytes.
pub fn target_hash(values: &[f64]) -> String {
    let bytes: Vec<u8> = values.iter().flat_map(|v| v.to_le_bytes()).collect();
    fnv1a(&bytes)
}

impl Origin {
    /// The first difference between the origin recorded in a checkpoint (`self`) and that of this
    /// run (`now`), as a sentence; `None` when they are the same problem.
    pub fn difference(&self, now: &Origin) -> Option<String> {
        if self.model_hash != now.model_hash {
            return Some(format!(
                "it was written for another model file ({}, hash {}); this run's {} has hash {}",
                self.model_file, self.model_hash, now.model_file, now.model_hash
            ));
        }
        if self.overrides != now.overrides {
            let show = |o: &[String]| {
                if o.is_empty() {
                    "none".to_string()
                } else {
                    o.iter()
                        .map(|s| format!("--set {s}"))
                        .collect::<Vec<_>>()
                        .join(" ")
                }
            };
            return Some(format!(
                "it was written with other overrides ({}); this run has {}",
                show(&self.overrides),
                show(&now.overrides)
            ));
        }
        if self.loss != now.loss {
            return Some(format!(
                "it was written with --loss {}; this run has --loss {}",
                self.loss, now.loss
            ));
        }
        if self.window != now.window {
            return Some(format!(
                "it was written with --window {},{}; this run has --window {},{}",
                self.window[0], self.window[1], now.window[0], now.window[1]
            ));
        }
        if self.probe != now.probe {
            return Some(format!(
                "it was written for the probe `{}`; this run compares `{}`",
                self.probe, now.probe
            ));
        }
        if self.target_hash != now.target_hash {
            return Some(format!(
                "it was written for another target ({}, hash {}); this run's {} has hash {}",
                self.target_file, self.target_hash, now.target_file, now.target_hash
            ));
        }
        None
    }
}

/// The checkpoint file of `gradmod fit`: the optimiser state and its origin. [`Checkpoint::load`]
/// reads the optimiser state of such a file too.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct CheckpointFile {
    /// The optimiser state.
    #[serde(flatten)]
    pub checkpoint: Checkpoint,
    /// What it was computed for (absent in files of earlier versions).
    #[serde(default)]
    pub origin: Option<Origin>,
}

impl CheckpointFile {
    /// Reads and validates a checkpoint file.
    pub fn load(path: &Path) -> Result<Self, String> {
        let text = std::fs::read_to_string(path)
            .map_err(|e| format!("cannot read {}: {e}", path.display()))?;
        let file: CheckpointFile =
            serde_json::from_str(&text).map_err(|e| format!("{}: {e}", path.display()))?;
        file.checkpoint
            .validate()
            .map_err(|e| format!("{}: {e}", path.display()))?;
        Ok(file)
    }

    /// Writes the file (to a temporary file first, then renamed into place).
    pub fn save(&self, path: &Path) -> Result<(), String> {
        let text = serde_json::to_string_pretty(self).map_err(|e| e.to_string())?;
        let tmp = path.with_extension("json.tmp");
        std::fs::write(&tmp, text).map_err(|e| format!("cannot write {}: {e}", tmp.display()))?;
        std::fs::rename(&tmp, path).map_err(|e| format!("cannot write {}: {e}", path.display()))
    }
}

impl Checkpoint {
    /// Checks that the checkpoint can be resumed: a positive finite rate, one finite u per
    /// parameter, and every record numbered in order with one u and one gradient per parameter,
    /// all finite. Says what is wrong otherwise.
    pub fn validate(&self) -> Result<(), String> {
        let k = self.names.len();
        if k == 0 {
            return Err("the checkpoint names no parameters".into());
        }
        if !(self.rate > 0.0 && self.rate.is_finite()) {
            return Err(format!(
                "the checkpoint's rate is {}: it must be positive and finite",
                self.rate
            ));
        }
        if self.u.len() != k {
            return Err(format!(
                "the checkpoint names {k} parameters ({}) but holds {} values of u",
                self.names.join(", "),
                self.u.len()
            ));
        }
        if let Some(j) = self.u.iter().position(|u| !u.is_finite()) {
            return Err(format!(
                "the checkpoint's u of `{}` is {}",
                self.names[j], self.u[j]
            ));
        }
        for (i, r) in self.history.iter().enumerate() {
            let at = |m: String| format!("history record {i}: {m}");
            if r.iteration != i {
                return Err(at(format!("numbered {}, expected {i}", r.iteration)));
            }
            if r.u.len() != k || r.grad.len() != k {
                return Err(at(format!(
                    "{} values of u and {} of the gradient, expected {k} of each (one per \
                     parameter)",
                    r.u.len(),
                    r.grad.len()
                )));
            }
            let finite = r.u.iter().chain(&r.grad).all(|x| x.is_finite());
            if !(finite && r.loss.is_finite() && r.seconds >= 0.0 && r.seconds.is_finite()) {
                return Err(at("holds a value that is not finite".into()));
            }
        }
        Ok(())
    }
}
