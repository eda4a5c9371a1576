//! The values of a mechanism's FUNCTION_TABLEs, and their interpolation as NEURON's
//! `hoc_func_table` does it (docs/DESIGN.md, "FUNCTION_TABLE").
//!
//! NEURON fills a table from hoc: `table_f(value)` makes `f` a constant, `table_f(y, x)` gives
//! its values y at increasing abscissae x, `table_f(y, xmin, xmax)` at abscissae equally spaced
//! from xmin to xmax. Between two abscissae the value is interpolated linearly,
//! `(1 - frac)·y[j] + frac·y[j + 1]`; outside them it is the end value. The slope (the
//! derivative of that interpolation, what the tangents use) is `(y[j + 1] - y[j])` over the
//! spacing between the abscissae, and 0 on an abscissa and outside.

/// One FUNCTION_TABLE's values.
#[derive(Clone, Debug, PartialEq)]
pub enum FunctionTable {
    /// `table_f(value)`: the same value everywhere.
    Constant(f64),
    /// `table_f(y, x)`: the values `y` at the increasing abscissae `x` (as many).
    Points {
        /// The abscissae, increasing.
        x: Vec<f64>,
        /// The values.
        y: Vec<f64>,
    },
    /// `table_f(y, xmin, xmax)`: the values `y` at abscissae equally spaced from `min` to `max`.
    Even {
        /// The first abscissa.
        min: f64,
        /// The last abscissa.
        max: f64,
        /// The values.
        y: Vec<f64>,
    },
}

impl FunctionTable {
    /// Why the table cannot be used, if it cannot: no values, lengths that differ, abscissae
    /// that do not increase, or a value that is not finite.
    pub fn check(&self) -> Result<(), String> {
        let finite = |what: &str, v: &[f64]| match v.iter().position(|x| !x.is_finite()) {
            Some(i) => Err(format!("{what}[{i}] is {}, not a finite number", v[i])),
            None => Ok(()),
        };
        match self {
            FunctionTable::Constant(c) => finite("the value", &[*c]),
            FunctionTable::Points { x, y } => {
                if y.is_empty() || x.len() != y.len() {
                    return Err(format!(
                        "it has {} abscissae and {} values: it needs as many, at least one",
                        x.len(),
                        y.len()
                    ));
                }
                finite("x", x)?;
                finite("y", y)?;
                match x.windows(2).position(|w| w[1] <= w[0]) {
                    Some(i) => Err(format!(
                        "its abscissae must increase: x[{}] = {} follows x[{i}] = {}",
                        i + 1,
                        x[i + 1],
                        x[i]
                    )),
                    None => Ok(()),
                }
            }
            FunctionTable::Even { min, max, y } => {
                if y.is_empty() {
                    return Err("it has no values".into());
                }
                finite("y", y)?;
                finite("xmin, xmax", &[*min, *max])?;
                if y.len() > 1 && max <= min {
                    return Err(format!("xmax = {max} must exceed xmin = {min}"));
                }
                Ok(())
            }
        }
    }

    /// The index j of the interval holding `x` and the fraction of the way from abscissa j to
    /// abscissa j + 1 (0 outside the table), with the interval's width; NEURON's `arg_index`.
    fn locate(&self, x: f64) -> (usize, f64, f64) {
        match self {
            FunctionTable::Constant(_) => (0, 0.0, 1.0),
            FunctionTable::Points { x: xs, .. } => {
                let last = xs.len() - 1;
                if x <= xs[0] {
                    return (0, 0.0, 1.0);
                }
                if x >= xs[last] {
                    return (last, 0.0, 1.0);
                }
                let (mut t0, mut t1) = (0, last);
                while t0 + 1 < t1 {
                    let j = (t0 + t1) / 2;
                    if xs[j] <= x {
                        t0 = j;
                    } else {
                        t1 = j;
                    }
                }
                let width = xs[t0 + 1] - xs[t0];
                (t0, (x - xs[t0]) / width, width)
            }
            FunctionTable::Even { min, max, y } => {
                if x <= *min {
                    return (0, 0.0, 1.0);
                }
                if x >= *max {
                    return (y.len() - 1, 0.0, 1.0);
                }
                let d = (max - min) / (y.len() - 1) as f64;
                let x1 = (x - min) / d;
                let j = x1 as usize;
                (j, x1 - j as f64, d)
            }
        }
    }

    /// The table's value at `x`.
    pub fn value(&self, x: f64) -> f64 {
        let y = match self {
            FunctionTable::Constant(c) => return *c,
            FunctionTable::Points { y, .. } | FunctionTable::Even { y, .. } => y,
        };
        let (j, frac, _) = self.locate(x);
        if frac > 0.0 {
            (1.0 - frac) * y[j] + frac * y[j + 1]
        } else {
            y[j]
        }
    }

    /// The slope of the interpolation at `x` (0 on an abscissa, outside the table and for a
    /// constant).
    pub fn slope(&self, x: f64) -> f64 {
        let y = match self {
            FunctionTable::Constant(_) => return 0.0,
            FunctionTable::Points { y, .. } | FunctionTable::Even { y, .. } => y,
        };
        let (j, frac, width) = self.locate(x);
        if frac > 0.0 {
            (y[j + 1] - y[j]) / width
        } else {
            0.0
        }
    }
}

/// Table `k` of `tables` at `x` (its slope where `slope`): what every engine computes for a
/// FUNCTION_TABLE read; NaN for a table not given (the run checks they all are first).
pub fn table_read(tables: &[Option<FunctionTable>], k: usize, x: f64, slope: bool) -> f64 {
    match tables.get(k) {
        Some(Some(t)) if slope => t.slope(x),
        Some(Some(t)) => t.value(x),
        _ => f64::NAN,
    }
}

#[cfg(test)]
mod tests {
    use super::FunctionTable;

    #[test]
    fn interpolates_and_clamps_as_neuron() {
        let t = FunctionTable::Points {
            x: vec![0.0, 1.0, 3.0],
            y: vec![1.0, 2.0, 6.0],
        };
        assert_eq!(t.value(-1.0), 1.0);
        assert_eq!(t.value(0.5), 1.5);
        assert_eq!(t.value(2.0), 4.0);
        assert_eq!(t.value(1.0), 2.0);
        assert_eq!(t.value(4.0), 6.0);
        assert_eq!(t.slope(0.5), 1.0);
        assert_eq!(t.slope(2.0), 2.0);
        assert_eq!(t.slope(4.0), 0.0);
        let e = FunctionTable::Even {
            min: 0.0,
            max: 2.0,
            y: vec![1.0, 2.0, 6.0],
        };
        assert_eq!(e.value(1.5), 4.0);
        assert_eq!(e.slope(1.5), 4.0);
        assert_eq!(FunctionTable::Constant(3.0).value(7.0), 3.0);
        assert!(
            FunctionTable::Points {
                x: vec![0.0, 0.0],
                y: vec![1.0, 2.0]
            }
            .check()
            .is_err()
        );
    }
}
