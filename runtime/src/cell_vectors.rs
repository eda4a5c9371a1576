//! The vectors of a cell's point processes: a list of numbers of run-time length per instance,
//! which the mechanism's kernels read (NEURON's hoc Vector of `VecStim.play(vec)`;
//! docs/DESIGN.md, "Vectors").

use crate::cell::Cell;
use crate::error::{Error, Result};
use crate::ids::MechId;

impl Cell {
    /// Gives instance `instance` of mechanism `mech` its vector, which the mechanism's kernels
    /// read ([`crate::mechanism::Context::vector_element`]): a VecStim's spike times.
    pub fn set_vector(&mut self, mech: MechId, instance: usize, values: Vec<f64>) -> Result<()> {
        let slot = self
            .mechs
            .get_mut(mech.0)
            .ok_or_else(|| Error::Invalid(format!("no mechanism {}", mech.0)))?;
        let info = slot.mech().info();
        let n = slot.mech().instance_count();
        if !info.vector {
            return Err(Error::Invalid(format!(
                "mechanism `{}` reads no vector, so it cannot be given one",
                info.name
            )));
        }
        if instance >= n {
            return Err(Error::Invalid(format!(
                "mechanism `{}` has {n} instances, not {}",
                info.name,
                instance + 1
            )));
        }
        if let Some(i) = values.iter().position(|x| !x.is_finite()) {
            return Err(Error::Invalid(format!(
                "the vector of `{}` instance {instance} holds a non-finite value at element {i}",
                info.name
            )));
        }
        slot.set_vector(instance, n, values);
        Ok(())
    }

    /// The vector of instance `instance` of mechanism `mech`, if it was given one.
    pub fn vector(&self, mech: MechId, instance: usize) -> Option<&[f64]> {
        self.mechs.get(mech.0)?.vector(instance)
    }

    /// Checks, before a run, that every instance of a mechanism that reads vectors has one.
    pub(crate) fn check_vectors(&self) -> Result<()> {
        for slot in self.mechs.iter() {
            let info = slot.mech().info();
            if !info.vector {
                continue;
            }
            for j in 0..slot.mech().instance_count() {
                if slot.vector(j).is_none() {
                    return Err(Error::Invalid(format!(
                        "instance {j} of `{}` has no vector: the mechanism reads one (NEURON's \
                         `play(vec)`), so the model must give each instance its list of values",
                        info.name
                    )));
                }
            }
        }
        Ok(())
    }
}
