//! The engines that run mechanisms compiled at run time, and how one is chosen.

use std::fmt;

/// The environment variable that forces an engine: `evaluator` or `jit` (unset or empty: the
/// JIT where it can be set up, else the evaluator).
pub const ENGINE_VARIABLE: &str = "GRADMOD_ENGINE";

/// An engine that runs a mechanism's kernels.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Engine {
    /// The array evaluator: each operation of the register code runs over a chunk of instances
    /// in one loop ([`crate::eval`]).
    Evaluator,
    /// Native code generated with Cranelift from the register code, one function per kernel.
    Jit,
}

impl Engine {
    /// The engine's name, as [`ENGINE_VARIABLE`] spells it.
    pub fn name(self) -> &'static str {
        match self {
            Engine::Evaluator => "evaluator",
            Engine::Jit => "jit",
        }
    }
}

impl fmt::Display for Engine {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// Which engine a catalogue compiles its mechanisms for.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum EngineChoice {
    /// The JIT, or the evaluator for a mechanism the JIT cannot be set up for (no executable
    /// memory, an instruction set Cranelift does not support) or whose kernels are too large to
    /// be worth compiling ([`crate::AUTO_LIMIT`]); `Loaded::fallback` says why.
    #[default]
    Auto,
    /// The evaluator only.
    Evaluator,
    /// The JIT only, for kernels of any size: loading fails where it cannot be set up.
    Jit,
}

impl EngineChoice {
    /// The choice a value of [`ENGINE_VARIABLE`] names: `evaluator`, `jit`, or `auto` (also the
    /// meaning of an empty or absent value), in any case.
    pub fn parse(value: Option<&str>) -> Result<EngineChoice, String> {
        let value = value.unwrap_or("").trim();
        match value.to_ascii_lowercase().as_str() {
            "" | "auto" => Ok(EngineChoice::Auto),
            "evaluator" => Ok(EngineChoice::Evaluator),
            "jit" => Ok(EngineChoice::Jit),
            _ => Err(format!(
                "error: {ENGINE_VARIABLE}={value} names no engine: use `evaluator` or `jit` \
                 (or leave it unset for the JIT with the evaluator as its fallback)"
            )),
        }
    }

    /// The choice [`ENGINE_VARIABLE`] makes in this process's environment.
    pub fn from_env() -> Result<EngineChoice, String> {
        let value = std::env::var_os(ENGINE_VARIABLE);
        EngineChoice::parse(value.as_deref().map(|v| v.to_str().unwrap_or("?")))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_of_the_variable_name_the_engines() {
        for (value, choice) in [
            (None, EngineChoice::Auto),
            (Some(""), EngineChoice::Auto),
            (Some("auto"), EngineChoice::Auto),
            (Some("evaluator"), EngineChoice::Evaluator),
            (Some(" JIT "), EngineChoice::Jit),
        ] {
            assert_eq!(EngineChoice::parse(value), Ok(choice), "{value:?}");
        }
        let e = EngineChoice::parse(Some("llvm")).unwrap_err();
        assert!(e.contains("GRADMOD_ENGINE=llvm names no engine"), "{e}");
    }
}
