//! Rust identifiers for the names of a module.
//!
//! NMODL names may be Rust keywords (`type`, `in`, `loop`), may hold array brackets (`x[2]`) and
//! may collide with the names generated code uses itself (`j`, `cv`, `ctx`). Every name is
//! mangled once, here, into an identifier that is unique within the generated file, so no
//! kernel can fail to compile because of a name.

use std::collections::HashSet;

use proc_macro2::{Ident, Span};

/// Rust's strict, reserved and weak keywords, and the names that cannot be raw identifiers.
const KEYWORDS: &[&str] = &[
    "as",
    "async",
    "await",
    "break",
    "const",
    "continue",
    "crate",
    "dyn",
    "else",
    "enum",
    "extern",
    "false",
    "fn",
    "for",
    "gen",
    "if",
    "impl",
    "in",
    "let",
    "loop",
    "match",
    "mod",
    "move",
    "mut",
    "pub",
    "ref",
    "return",
    "self",
    "Self",
    "static",
    "struct",
    "super",
    "trait",
    "true",
    "type",
    "unsafe",
    "use",
    "where",
    "while",
    "abstract",
    "become",
    "box",
    "do",
    "final",
    "macro",
    "override",
    "priv",
    "try",
    "typeof",
    "unsized",
    "virtual",
    "yield",
    "union",
    "raw",
    "safe",
    "macro_rules",
    "_",
];

/// Names the generated kernels use for their own values, and the items and types they name.
const RESERVED: &[&str] = &[
    "ctx",
    "tan",
    "j",
    "cv",
    "w",
    "k",
    "kk",
    "ni",
    "ncv",
    "nodes",
    "weights",
    "seed",
    "sigma",
    "dcarried",
    "field",
    "node",
    "weight",
    "instance",
    "dweight",
    "f64",
    "usize",
    "Vec",
    "INFO",
    "FIELDS",
    "IONS",
    "Mechanism",
    "Context",
    "Tangents",
    "nmodl_fns",
    "f",
    "idx",
    "std",
    "core",
    "acc",
    // Items the generated file imports or the prelude brings in, which a `let` cannot shadow.
    "FieldInfo",
    "FieldRole",
    "IonUse",
    "IonVar",
    "MechanismInfo",
    "MechanismKind",
    "None",
    "Some",
    "Ok",
    "Err",
    "Option",
    "Result",
    "Box",
    "String",
    "Default",
];

/// A set of identifiers in use, handing out fresh ones.
#[derive(Clone, Debug)]
pub struct Names {
    used: HashSet<String>,
}

impl Default for Names {
    fn default() -> Self {
        Self::new()
    }
}

impl Names {
    /// A set holding the reserved names.
    pub fn new() -> Self {
        Names {
            used: RESERVED.iter().map(|s| s.to_string()).collect(),
        }
    }

    /// A fresh identifier made from `name`: characters that cannot appear in an identifier become
    /// `_`, keywords and reserved or used names get a `_` (then a number) appended.
    pub fn fresh(&mut self, name: &str) -> String {
        let mut base: String = name
            .chars()
            .map(|c| {
                if c.is_ascii_alphanumeric() || c == '_' {
                    c
                } else {
                    '_'
                }
            })
            .collect();
        base = base.trim_end_matches('_').to_string();
        if base.is_empty() || base.starts_with(|c: char| c.is_ascii_digit()) {
            base.insert(0, 'x');
        }
        if KEYWORDS.contains(&base.as_str()) {
            base.push('_');
        }
        let mut candidate = base.clone();
        let mut n = 1;
        while self.used.contains(&candidate) {
            candidate = format!("{base}_{n}");
            n += 1;
        }
        self.used.insert(candidate.clone());
        candidate
    }
}

/// The identifier `name`, which must be a valid Rust identifier and not a keyword.
pub fn ident(name: &str) -> Ident {
    Ident::new(name, Span::call_site())
}

/// The type name of a mechanism: its name in upper camel case (`na_3d` becomes `Na3d`), never
/// a keyword or a reserved name.
pub fn type_name(mech: &str) -> String {
    let mut out = String::new();
    let mut upper = true;
    for c in mech.chars() {
        if c.is_ascii_alphanumeric() {
            if upper {
                out.push(c.to_ascii_uppercase());
            } else {
                out.push(c);
            }
            upper = false;
        } else {
            upper = true;
        }
    }
    if out.is_empty() || out.starts_with(|c: char| c.is_ascii_digit()) {
        out.insert(0, 'M');
    }
    if KEYWORDS.contains(&out.as_str()) || RESERVED.contains(&out.as_str()) {
        out.push_str("Mech");
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keywords_and_collisions_are_mangled() {
        let mut n = Names::new();
        assert_eq!(n.fresh("type"), "type_");
        assert_eq!(n.fresh("type"), "type__1");
        assert_eq!(n.fresh("j"), "j_1");
        assert_eq!(n.fresh("x[2]"), "x_2");
        assert_eq!(n.fresh("self"), "self_");
        assert_eq!(n.fresh("_"), "x");
        assert_eq!(type_name("na_3d"), "Na3d");
        assert_eq!(type_name("hh"), "Hh");
        assert_eq!(type_name("self"), "SelfMech");
        assert_eq!(n.fresh("None"), "None_1");
        assert_eq!(type_name("context"), "ContextMech");
        assert_eq!(type_name("field_info"), "FieldInfoMech");
    }
}
