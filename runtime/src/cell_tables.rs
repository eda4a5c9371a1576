//! The values of a cell's FUNCTION_TABLEs: per mechanism, one table per name its kernels read
//! (NEURON's `table_f(...)` from hoc; docs/DESIGN.md, "FUNCTION_TABLE").

use crate::cell::Cell;
use crate::error::{Error, Result};
use crate::function_table::FunctionTable;
use crate::ids::MechId;

impl Cell {
    /// Gives mechanism `mech` the values of its FUNCTION_TABLE `name`, for every instance.
    pub fn set_function_table(
        &mut self,
        mech: MechId,
        name: &str,
        table: FunctionTable,
    ) -> Result<()> {
        let slot = self
            .mechs
            .get_mut(mech.0)
            .ok_or_else(|| Error::Invalid(format!("no mechanism {}", mech.0)))?;
        let info = slot.mech().info();
        let Some(k) = info.function_tables.iter().position(|n| *n == name) else {
            return Err(Error::Invalid(format!(
                "mechanism `{}` has no FUNCTION_TABLE `{name}` (it has: {})",
                info.name,
                if info.function_tables.is_empty() {
                    "none".to_string()
                } else {
                    info.function_tables.join(", ")
                }
            )));
        };
        table.check().map_err(|e| {
            Error::Invalid(format!(
                "the values of FUNCTION_TABLE `{name}` of `{}`: {e}",
                info.name
            ))
        })?;
        slot.set_table(k, table);
        Ok(())
    }

    /// Checks, before a run, that every FUNCTION_TABLE of every mechanism has its values.
    pub(crate) fn check_function_tables(&self) -> Result<()> {
        for slot in self.mechs.iter() {
            let info = slot.mech().info();
            for (k, name) in info.function_tables.iter().enumerate() {
                if !slot.has_table(k) {
                    return Err(Error::Invalid(format!(
                        "FUNCTION_TABLE `{name}` of `{}` has no values: NEURON fills it from hoc \
                         (`table_{name}_{}(...)`); give them in the model ([[function_table]])",
                        info.name, info.name
                    )));
                }
            }
        }
        Ok(())
    }
}
