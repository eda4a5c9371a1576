//! Fresh names in a module: the passes and back ends that add variables or blocks take names no
//! variable or block of the module has yet.
//!
//! Variable names are looked up in an index of the module's names, extended with the variables
//! added since the last look-up, and each base name remembers the suffix below which every
//! candidate was taken: a pass that adds thousands of variables (the Newton iterations of a large
//! kinetic scheme, their tangents) would otherwise scan every variable for every candidate,
//! quadratic in the module's size. The names returned are those of the plain scan: the first of
//! `name`, `name_1`, `name_2`, ... that no variable has.

use std::collections::{HashMap, HashSet};
use std::sync::Mutex;

use super::Module;

/// The names of a module's variables, for [`Module::fresh_var_name`].
#[derive(Debug, Default)]
pub struct NameIndex(Mutex<Names>);

#[derive(Clone, Debug, Default)]
struct Names {
    /// How many of the module's variables are in `taken`.
    indexed: usize,
    /// Their names.
    taken: HashSet<String>,
    /// For a base name: every candidate `name_i` with `i` below this was taken.
    next: HashMap<String, usize>,
}

impl Clone for NameIndex {
    fn clone(&self) -> Self {
        NameIndex(Mutex::new(self.lock().clone()))
    }
}

impl NameIndex {
    fn lock(&self) -> std::sync::MutexGuard<'_, Names> {
        self.0.lock().unwrap_or_else(|e| e.into_inner())
    }
}

impl Module {
    /// `name`, or `name_1`, `name_2`, ... if a variable already has it.
    pub fn fresh_var_name(&self, name: &str) -> String {
        let mut idx = self.var_names.lock();
        // Variables are only ever appended; a shorter table (or a renamed variable, which the
        // check below catches) means the index is stale: rebuild it.
        let stale = idx.indexed > self.vars.len()
            || (idx.indexed > 0 && !idx.taken.contains(&self.vars[idx.indexed - 1].name));
        if stale {
            *idx = Names::default();
        }
        for v in &self.vars[idx.indexed..] {
            idx.taken.insert(v.name.clone());
        }
        idx.indexed = self.vars.len();
        if !idx.taken.contains(name) {
            return name.to_string();
        }
        let mut i = idx.next.get(name).copied().unwrap_or(1);
        loop {
            let candidate = format!("{name}_{i}");
            if !idx.taken.contains(&candidate) {
                // The candidate may not be used: the next search starts from it again.
                idx.next.insert(name.to_string(), i);
                return candidate;
            }
            i += 1;
        }
    }

    /// `name`, or `name_1`, `name_2`, ... if a block already has it.
    pub fn fresh_block_name(&self, name: &str) -> String {
        fresh(name, |n| self.blocks.iter().any(|b| b.name == n))
    }
}

/// The first of `name`, `name_1`, `name_2`, ... that is not `taken`.
fn fresh(name: &str, taken: impl Fn(&str) -> bool) -> String {
    let mut candidate = name.to_string();
    let mut i = 1;
    while taken(&candidate) {
        candidate = format!("{name}_{i}");
        i += 1;
    }
    candidate
}

#[cfg(test)]
mod tests {
    use crate::diag::{FileId, Span};
    use crate::ir::{MechKind, Module, Scope, VarKind, Variable};

    /// The indexed look-up returns what a scan of every variable returns, whether or not the
    /// caller adds the name it got.
    #[test]
    fn fresh_names_are_those_of_a_plain_scan() {
        let span = Span {
            file: FileId(0),
            start: 0,
            end: 0,
        };
        let mut m = Module::new("m", MechKind::Density, span);
        let add = |m: &mut Module, n: &str| {
            m.add_var(Variable::new(n, VarKind::Local, Scope::Range, span));
        };
        assert_eq!(m.fresh_var_name("x"), "x");
        add(&mut m, "x");
        add(&mut m, "x_2");
        assert_eq!(m.fresh_var_name("x"), "x_1");
        // Not added: asked again, the same name.
        assert_eq!(m.fresh_var_name("x"), "x_1");
        add(&mut m, "x_1");
        assert_eq!(m.fresh_var_name("x"), "x_3");
        add(&mut m, "x_3");
        add(&mut m, "x_4");
        assert_eq!(m.fresh_var_name("x"), "x_5");
        assert_eq!(m.fresh_var_name("y"), "y");
        // A clone keeps answering for its own variables.
        let mut c = m.clone();
        add(&mut c, "x_5");
        assert_eq!(c.fresh_var_name("x"), "x_6");
        assert_eq!(m.fresh_var_name("x"), "x_5");
    }
}
