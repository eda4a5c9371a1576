//! Fresh names in a module: the passes and back ends that add variables or blocks take names no
//! variable or block of the module has yet.

use super::Module;

impl Module {
    /// `name`, or `name_1`, `name_2`, ... if a variable already has it.
    pub fn fresh_var_name(&self, name: &str) -> String {
        fresh(name, |n| self.vars.iter().any(|v| v.name == n))
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
