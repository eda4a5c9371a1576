//! `[[function_table]]` entries: the values of a mechanism's FUNCTION_TABLE (NEURON's
//! `table_f(...)` from hoc), given to every instance of the mechanism on the cell. A table the
//! model leaves without values stops the run, naming it (`gradmod_runtime::Cell::init`).

use gradmod_runtime::function_table::FunctionTable;
use gradmod_runtime::{Cell, MechId};

use super::built::at;
use super::{Model, ModelError};

/// Gives the mechanisms of `cell` the values of the `[[function_table]]` entries.
pub(crate) fn give_tables(model: &Model, cell: &mut Cell) -> Result<(), ModelError> {
    let (f, src) = (&model.file, &model.source);
    for (i, t) in f.function_tables.iter().enumerate() {
        let key = format!("function_table[{i}]");
        let nums = |v: &Option<Vec<super::schema::Num>>| {
            v.as_ref()
                .map(|v| v.iter().map(|x| x.0).collect::<Vec<f64>>())
        };
        let table = match (t.value, nums(&t.x), nums(&t.y), t.xmin, t.xmax) {
            (Some(c), None, None, None, None) => FunctionTable::Constant(c.0),
            (None, Some(x), Some(y), None, None) => FunctionTable::Points { x, y },
            (None, None, Some(y), Some(min), Some(max)) => FunctionTable::Even {
                min: min.0,
                max: max.0,
                y,
            },
            _ => {
                return Err(src.error_at(
                    t.name.span(),
                    key.as_str(),
                    "give `value`, or `x` and `y`, or `xmin`, `xmax` and `y` (NEURON's \
                     table_f(value), table_f(y, x) and table_f(&y[0], n, xmin, xmax))",
                ));
            }
        };
        let mechanism = t.mechanism.get_ref();
        let ids: Vec<MechId> = (0..cell.mechanism_count())
            .map(MechId)
            .filter(|&id| cell.mechanism(id).info().name == mechanism.as_str())
            .collect();
        if ids.is_empty() {
            return Err(src.error_at(
                t.mechanism.span(),
                format!("{key}.mechanism"),
                format!("no mechanism `{mechanism}` is inserted or placed on the cell"),
            ));
        }
        for id in ids {
            cell.set_function_table(id, t.name.get_ref(), table.clone())
                .map_err(at(src, t.name.span(), &format!("{key}.name")))?;
        }
    }
    Ok(())
}
