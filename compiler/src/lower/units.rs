//! A small unit calculator, enough to give named physical constants of the UNITS block their values
//! as NEURON does (`FARADAY = (faraday) (coulomb)`, `R = (k-mole) (joule/degC)`, `PI = (pi) (1)`).
//!
//! NEURON's nocmodl computes such a constant as the ratio of the two unit expressions, with the
//! constants of its `nrnunits.lib` (the 2018 CODATA values, exact since the 2019 SI redefinition).
//! Unit expressions multiply by juxtaposition or `-` (`joule-sec`), divide by `/`, raise by a
//! trailing digit (`cm2`) or `^`, and accept SI prefixes and plurals. Only the scale factor matters
//! here: NEURON does not convert units of ordinary expressions, so neither does gradmod.

use std::collections::HashMap;

pub(super) const ELECTRON_CHARGE: f64 = 1.602176634e-19;
pub(super) const AVOGADRO: f64 = 6.02214076e+23;
pub(super) const BOLTZMANN: f64 = 1.380649e-23;
const PLANCK: f64 = 6.62607015e-34;

/// Named units and their scale relative to SI base units (with `mole` a pure number, as in
/// NEURON's unit library).
pub struct UnitTable {
    units: HashMap<String, f64>,
}

impl Default for UnitTable {
    fn default() -> Self {
        Self::new()
    }
}

impl UnitTable {
    /// The table of NEURON's predefined units.
    pub fn new() -> Self {
        let pi = std::f64::consts::PI;
        let base: &[(&str, f64)] = &[
            ("1", 1.0),
            ("pi", pi),
            ("radian", 1.0),
            ("e", ELECTRON_CHARGE),
            ("mole", AVOGADRO),
            ("mol", AVOGADRO),
            ("avogadro", AVOGADRO),
            ("faraday", ELECTRON_CHARGE * AVOGADRO),
            ("k", BOLTZMANN),
            ("boltzmann", BOLTZMANN),
            ("planck", PLANCK),
            ("hbar", PLANCK / (2.0 * pi)),
            ("m", 1.0),
            ("meter", 1.0),
            ("metre", 1.0),
            ("micron", 1e-6),
            ("angstrom", 1e-10),
            ("g", 1e-3),
            ("gram", 1e-3),
            ("s", 1.0),
            ("sec", 1.0),
            ("second", 1.0),
            ("minute", 60.0),
            ("min", 60.0),
            ("hour", 3600.0),
            ("hr", 3600.0),
            ("day", 86400.0),
            ("amp", 1.0),
            ("ampere", 1.0),
            ("A", 1.0),
            ("coulomb", 1.0),
            ("coul", 1.0),
            ("C", 1.0),
            ("volt", 1.0),
            ("V", 1.0),
            ("ohm", 1.0),
            ("siemens", 1.0),
            ("S", 1.0),
            ("mho", 1.0),
            ("farad", 1.0),
            ("F", 1.0),
            ("joule", 1.0),
            ("J", 1.0),
            ("erg", 1e-7),
            ("cal", 4.184),
            ("calorie", 4.184),
            ("newton", 1.0),
            ("N", 1.0),
            ("watt", 1.0),
            ("W", 1.0),
            ("hertz", 1.0),
            ("Hz", 1.0),
            ("liter", 1e-3),
            ("litre", 1e-3),
            ("l", 1e-3),
            ("L", 1e-3),
            ("molar", AVOGADRO / 1e-3),
            ("M", AVOGADRO / 1e-3),
            ("degC", 1.0),
            ("degK", 1.0),
            ("kelvin", 1.0),
            ("K", 1.0),
            ("celsius", 1.0),
        ];
        UnitTable {
            units: base.iter().map(|&(n, f)| (n.to_string(), f)).collect(),
        }
    }

    /// Defines `name` as the unit expression `definition` (`(mV) = (millivolt)` in a UNITS block).
    pub fn define(&mut self, name: &str, definition: &str) -> Result<(), String> {
        let f = self.factor(definition)?;
        self.units.insert(name.trim().to_string(), f);
        Ok(())
    }

    /// The value of the constant `NAME = (lhs) (rhs)`: the scale of `lhs` in units of `rhs`.
    pub fn constant(&self, lhs: &str, rhs: &str) -> Result<f64, String> {
        Ok(self.factor(lhs)? / self.factor(rhs)?)
    }

    /// The SI scale factor of a unit expression such as `joule/degC`, `mA/cm2` or `k-mole`.
    pub fn factor(&self, text: &str) -> Result<f64, String> {
        let text = text.trim();
        let (num, den) = match text.split_once('/') {
            Some((n, d)) => (n, Some(d)),
            None => (text, None),
        };
        let mut f = self.product(num)?;
        if let Some(den) = den {
            // Everything after the first `/` divides, as in `mA/cm2-ms` or `1/ms/mV`.
            for part in den.split('/') {
                f /= self.product(part)?;
            }
        }
        Ok(f)
    }

    fn product(&self, text: &str) -> Result<f64, String> {
        let mut f = 1.0;
        for word in text
            .split(|c: char| c.is_whitespace() || c == '-' || c == '*' || c == '.')
            .filter(|w| !w.is_empty())
        {
            f *= self.word(word)?;
        }
        Ok(f)
    }

    /// One factor such as `cm2`, `um^3`, `millivolt`, `coulombs` or a plain number.
    fn word(&self, word: &str) -> Result<f64, String> {
        if let Ok(x) = word.parse::<f64>() {
            return Ok(x);
        }
        let (stem, power) = split_power(word);
        let base = self
            .named(stem)
            .ok_or_else(|| format!("unknown unit `{stem}`"))?;
        Ok(base.powi(power))
    }

    /// A unit name, possibly with an SI prefix and a plural `s`.
    fn named(&self, name: &str) -> Option<f64> {
        if let Some(&f) = self.units.get(name) {
            return Some(f);
        }
        if let Some(singular) = name.strip_suffix('s')
            && let Some(f) = self.named_prefixed(singular)
        {
            return Some(f);
        }
        self.named_prefixed(name)
    }

    fn named_prefixed(&self, name: &str) -> Option<f64> {
        if let Some(&f) = self.units.get(name) {
            return Some(f);
        }
        // A prefix alone is a number, as in `(mM) = (milli/liter)`.
        if let Some(&(_, scale)) = PREFIXES.iter().find(|(p, _)| p.len() > 2 && *p == name) {
            return Some(scale);
        }
        for &(p, scale) in PREFIXES {
            if let Some(rest) = name.strip_prefix(p) {
                if rest.is_empty() {
                    continue;
                }
                if let Some(&f) = self.units.get(rest) {
                    return Some(scale * f);
                }
            }
        }
        None
    }
}

/// SI prefixes, long names first so that `milli` is not read as `m` + `illi`.
const PREFIXES: &[(&str, f64)] = &[
    ("yocto", 1e-24),
    ("zepto", 1e-21),
    ("atto", 1e-18),
    ("femto", 1e-15),
    ("pico", 1e-12),
    ("nano", 1e-9),
    ("micro", 1e-6),
    ("milli", 1e-3),
    ("centi", 1e-2),
    ("deci", 1e-1),
    ("deka", 1e1),
    ("hecto", 1e2),
    ("kilo", 1e3),
    ("mega", 1e6),
    ("giga", 1e9),
    ("tera", 1e12),
    ("f", 1e-15),
    ("p", 1e-12),
    ("n", 1e-9),
    ("u", 1e-6),
    ("m", 1e-3),
    ("c", 1e-2),
    ("d", 1e-1),
    ("k", 1e3),
    ("M", 1e6),
    ("G", 1e9),
];

/// Splits `cm2` into `("cm", 2)` and `um^3` into `("um", 3)`; a word without a power has power 1.
fn split_power(word: &str) -> (&str, i32) {
    if let Some((stem, p)) = word.split_once('^') {
        return (stem, p.parse().unwrap_or(1));
    }
    let digits = word.len() - word.trim_end_matches(|c: char| c.is_ascii_digit()).len();
    if digits > 0 && digits < word.len() {
        let (stem, p) = word.split_at(word.len() - digits);
        return (stem, p.parse().unwrap_or(1));
    }
    (word, 1)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn close(a: f64, b: f64) -> bool {
        (a - b).abs() <= 1e-12 * b.abs()
    }

    #[test]
    fn physical_constants_match_nrnunits() {
        let t = UnitTable::new();
        assert!(close(
            t.constant("faraday", "coulomb").unwrap(),
            96485.33212331001
        ));
        assert!(close(
            t.constant("faraday", "kilocoulombs").unwrap(),
            96.48533212331001
        ));
        assert!(close(
            t.constant("k-mole", "joule/degC").unwrap(),
            8.31446261815324
        ));
        assert!(close(t.constant("pi", "1").unwrap(), std::f64::consts::PI));
        assert!(close(t.constant("e", "coulomb").unwrap(), 1.602176634e-19));
        assert!(close(t.constant("mole", "1").unwrap(), 6.02214076e23));
    }

    #[test]
    fn prefixes_powers_and_user_units() {
        let mut t = UnitTable::new();
        assert!(close(t.factor("mA/cm2").unwrap(), 1e-3 / 1e-4));
        assert!(close(t.factor("um^3").unwrap(), 1e-18));
        t.define("mM", "milli/liter").unwrap();
        assert!(close(t.factor("mM").unwrap(), 1.0));
        assert!(t.factor("furlong").unwrap_err().contains("furlong"));
    }
}
