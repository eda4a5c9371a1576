//! What the C text of a VERBATIM block is, as far as gradmod can tell from its text.
//!
//! gradmod compiles no C. A few VERBATIM idioms of published files carry no C semantics and
//! are translated (see DESIGN.md, "VERBATIM"):
//!
//! - *header text*: nothing but comments, preprocessor lines (`#include`, `#define`, `#ifndef`,
//!   ...) and function prototypes or `extern` declarations. It declares C names for other C code,
//!   which gradmod either translates by its own rules or rejects, so it is ignored;
//! - *`return`*: `return;`, `return 0;`, `return x;` (a number or a name), an early exit of the
//!   enclosing NET_RECEIVE, INITIAL, PROCEDURE or FUNCTION, lowered structurally by
//!   `returns.rs`.
//!
//! - *the hoc Random idiom of NEURON before 9* (`_p_rng` and `nrn_random_pick`): a FUNCTION
//!   that draws from the hoc Random object a POINTER holds when one was given, and from NMODL's
//!   own generator otherwise, written as a VERBATIM that opens `if (_p_rng) { ... } else {`, the
//!   NMODL of the fallback, and a VERBATIM holding `}`. gradmod has one stream per instance, so
//!   the fallback is what runs (`RandomOpen` and `Close`).
//! - *the hoc Vector idiom of VecStim* (`vector_capacity`, `vector_vec`): the body of the
//!   `element()` PROCEDURE that reads element `index` of the instance's vector into `etime`
//!   and advances `index` (`VectorElement`), lowered by `vector.rs` into reads of the vector
//!   the model description gives each instance;
//! - *CoreNEURON's data transfer*: top-level `bbcore_write` and `bbcore_read` functions, which
//!   only CoreNEURON calls (`CoreNeuron`), ignored.
//!
//! Anything else is C code, rejected with a name for what it does when the text calls a known
//! part of NEURON's C interface (a hoc Random object, a hoc Vector, ...).

use std::collections::HashMap;

/// The value of a `return` in VERBATIM text.
#[derive(Clone, Debug, PartialEq)]
pub(super) enum ReturnValue {
    /// A number: `return 0;`.
    Number(f64),
    /// A name: `return x;` (a C local `_lx` is the NMODL LOCAL or argument `x`).
    Name(String),
}

/// The kinds of VERBATIM text.
#[derive(Clone, Debug, PartialEq)]
pub(super) enum Verbatim {
    /// Nothing that runs: comments, preprocessor lines and declarations.
    Header,
    /// `return;` or `return VALUE;`.
    Return(Option<ReturnValue>),
    /// The opening of the hoc Random idiom, in its two published forms (comments aside):
    ///
    /// ```c
    /// double value; if (_p_rng) { value = nrn_random_pick(RANDCAST _p_rng); return value; } else {
    /// if (_p_donotuse) { _lerand = nrn_random_pick(RANDCAST _p_donotuse); } else {
    ///     if (_nt != nrn_threads) { hoc_execerror("...", "..."); }
    /// ```
    ///
    /// (the declaration `double NAME;`, `RANDCAST`, the `return NAME;` and the thread check are
    /// optional; the names are any).
    RandomOpen {
        /// The POINTER that holds the hoc Random object (`rng` of `_p_rng`).
        pointer: String,
        /// The C local the idiom declares (`value` of `double value;`), which the NMODL of the
        /// fallback assigns.
        local: Option<String>,
    },
    /// `}` alone: the end of the fallback [`Verbatim::RandomOpen`] opened.
    Close,
    /// The body of VecStim's `element()` (NEURON's `vecevent.mod` and its copies), comments and
    /// casts such as `(IvocVect*)` aside, with any names for the C locals:
    ///
    /// ```c
    /// { void* vv; int i, size; double* px;
    ///   i = (int)index;
    ///   if (i >= 0) {
    ///     vv = *((void**)(&space));          /* or: vv = (void*)(_p_ptr); */
    ///     if (vv) {
    ///       size = vector_capacity(vv); px = vector_vec(vv);
    ///       if (i < size) { etime = px[i]; index += 1.; } else { index = -1.; }
    ///     } else { index = -1.; }
    ///   }
    /// }
    /// ```
    VectorElement {
        /// The variable that holds the Vector (`space`, or `ptr` of `_p_ptr`).
        holder: String,
        /// The variable holding the index of the next element (`index`).
        index: String,
        /// The variable the element is read into (`etime`).
        value: String,
    },
    /// Top-level definitions of `bbcore_write` and `bbcore_read` alone: CoreNEURON's transfer of
    /// a BBCOREPOINTER's data, which NEURON never calls without CoreNEURON.
    CoreNeuron,
    /// C code, with what it does when the text tells (`calling nrn_random_pick (a hoc Random
    /// object)`).
    Code(Option<&'static str>),
}

/// Classifies the text between `VERBATIM` and `ENDVERBATIM`.
pub(super) fn classify(text: &str) -> Verbatim {
    let code = strip_comments(text);
    if is_header(&code) {
        return Verbatim::Header;
    }
    if let Some(value) = parse_return(&code) {
        return Verbatim::Return(value);
    }
    let tokens = tokens(&code);
    if tokens == ["}"] {
        return Verbatim::Close;
    }
    if let Some(open) = random_open(&tokens) {
        return open;
    }
    if let Some(element) = vector_element(&tokens) {
        return element;
    }
    if is_core_neuron(&tokens) {
        return Verbatim::CoreNeuron;
    }
    Verbatim::Code(describe(&code))
}

/// The C text with its `/* */` and `//` comments replaced by spaces (line breaks kept).
pub(super) fn strip_comments(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while !rest.is_empty() {
        if let Some(after) = rest.strip_prefix("/*") {
            let end = after.find("*/").map_or(after.len(), |i| i + 2);
            out.extend(after[..end].chars().filter(|&c| c == '\n'));
            out.push(' ');
            rest = &after[end..];
        } else if let Some(after) = rest.strip_prefix("//") {
            let end = after.find('\n').unwrap_or(after.len());
            rest = &after[end..];
        } else if let Some(c) = rest.chars().next() {
            out.push(c);
            rest = &rest[c.len_utf8()..];
        }
    }
    out
}

/// Whether comment-free C text holds only preprocessor lines and declarations.
fn is_header(code: &str) -> bool {
    let mut decls = String::new();
    let mut continued = false;
    for line in code.lines() {
        let line = line.trim();
        if continued || line.starts_with('#') {
            continued = line.ends_with('\\');
            continue;
        }
        decls.push_str(line);
        decls.push(' ');
    }
    let decls = decls.trim();
    if decls.is_empty() {
        return true;
    }
    if !decls.ends_with(';') {
        return false;
    }
    decls[..decls.len() - 1]
        .split(';')
        .all(|d| is_declaration(d.trim()))
}

/// Whether one C statement (without its `;`) is a function prototype or an `extern`
/// declaration: `double nrn_random_pick(void* r)`, `extern int vector_capacity(void*)`.
fn is_declaration(d: &str) -> bool {
    if d.contains(['{', '}', '=']) {
        return false;
    }
    if let Some(rest) = d.strip_prefix("extern")
        && rest.starts_with(char::is_whitespace)
    {
        return true;
    }
    let Some(open) = d.find('(') else {
        return false;
    };
    if !d.ends_with(')') {
        return false;
    }
    // A type and a name before the parenthesis: at least two words of identifier characters
    // (pointer stars between them).
    let words = d[..open]
        .split(|c: char| c.is_whitespace() || c == '*')
        .filter(|w| !w.is_empty())
        .collect::<Vec<_>>();
    words.len() >= 2 && words.iter().all(|w| is_identifier(w))
}

fn is_identifier(w: &str) -> bool {
    let mut cs = w.chars();
    cs.next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && cs.all(|c| c.is_ascii_alphanumeric() || c == '_')
}

/// `return;`, `return VALUE;` or `return (VALUE);` alone, with VALUE a number or a name.
fn parse_return(code: &str) -> Option<Option<ReturnValue>> {
    let s = code.trim().strip_prefix("return")?;
    let s = s.trim_end().strip_suffix(';')?.trim();
    if s.is_empty() {
        return Some(None);
    }
    // `returnx;` is not a return statement.
    if !code.trim()["return".len()..].starts_with([' ', '\t', '\n', '\r', '(']) {
        return None;
    }
    let s = match s.strip_prefix('(') {
        Some(inner) => inner.strip_suffix(')')?.trim(),
        None => s,
    };
    if let Ok(x) = s.parse::<f64>() {
        return Some(Some(ReturnValue::Number(x)));
    }
    is_identifier(s).then(|| Some(ReturnValue::Name(s.to_string())))
}

/// C tokens: identifiers and numbers, string literals, two-character operators and single
/// characters (white space dropped).
fn tokens(code: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let bytes = code.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        let c = bytes[i];
        let start = i;
        if c.is_ascii_whitespace() {
            i += 1;
            continue;
        }
        if c.is_ascii_alphanumeric() || c == b'_' || c == b'.' {
            while i < bytes.len()
                && (bytes[i].is_ascii_alphanumeric() || bytes[i] == b'_' || bytes[i] == b'.')
            {
                i += 1;
            }
        } else if c == b'"' {
            i += 1;
            while i < bytes.len() && bytes[i] != b'"' {
                i += if bytes[i] == b'\\' { 2 } else { 1 };
            }
            i = (i + 1).min(bytes.len());
        } else if i + 1 < bytes.len() && matches!(&bytes[i..i + 2], b"!=" | b"==" | b"&&" | b"||") {
            i += 2;
        } else {
            // One character, UTF-8 included.
            i += code[i..].chars().next().map_or(1, char::len_utf8);
        }
        out.push(&code[start..i]);
    }
    out
}

/// Matches `pattern` at the start of `tokens`: `ID` matches an identifier, `STR` a string
/// literal, anything else itself. Returns the identifiers matched and the rest.
fn match_tokens<'t>(
    tokens: &'t [&'t str],
    pattern: &[&str],
) -> Option<(Vec<&'t str>, &'t [&'t str])> {
    let mut ids = Vec::new();
    if tokens.len() < pattern.len() {
        return None;
    }
    for (t, p) in tokens.iter().zip(pattern) {
        match *p {
            "ID" if is_identifier(t) => ids.push(*t),
            "STR" if t.starts_with('"') => {}
            _ if t == p => {}
            _ => return None,
        }
    }
    Some((ids, &tokens[pattern.len()..]))
}

/// The opening of the hoc Random idiom (see [`Verbatim::RandomOpen`]).
fn random_open(tokens: &[&str]) -> Option<Verbatim> {
    let (local, rest) = match match_tokens(tokens, &["double", "ID", ";"]) {
        Some((ids, rest)) => (Some(ids[0].to_string()), rest),
        None => (None, tokens),
    };
    let (ids, rest) = match_tokens(
        rest,
        &["if", "(", "ID", ")", "{", "ID", "=", "nrn_random_pick", "("],
    )?;
    let pointer = ids[0].strip_prefix("_p_")?;
    let rest = match_tokens(rest, &["RANDCAST"]).map_or(rest, |(_, r)| r);
    let (arg, rest) = match_tokens(rest, &["ID", ")", ";"])?;
    if arg[0] != ids[0] {
        return None;
    }
    let rest = match_tokens(rest, &["return", "ID", ";"]).map_or(rest, |(_, r)| r);
    let (_, rest) = match_tokens(rest, &["}", "else", "{"])?;
    let check = [
        "if",
        "(",
        "_nt",
        "!=",
        "nrn_threads",
        ")",
        "{",
        "hoc_execerror",
        "(",
        "STR",
        ",",
        "STR",
        ")",
        ";",
        "}",
    ];
    let rest = match_tokens(rest, &check).map_or(rest, |(_, r)| r);
    rest.is_empty().then(|| Verbatim::RandomOpen {
        pointer: pointer.to_string(),
        local,
    })
}

/// Matches `pattern` against all of `tokens`: `$x` matches an identifier, the same one at every
/// `$x`; anything else matches itself. Returns the identifiers bound.
fn match_named(tokens: &[&str], pattern: &[&str]) -> Option<HashMap<String, String>> {
    if tokens.len() != pattern.len() {
        return None;
    }
    let mut bound: HashMap<String, String> = HashMap::new();
    for (t, p) in tokens.iter().zip(pattern) {
        if let Some(name) = p.strip_prefix('$') {
            if !is_identifier(t) {
                return None;
            }
            match bound.get(name) {
                Some(b) if b != t => return None,
                Some(_) => {}
                None => {
                    bound.insert(name.to_string(), t.to_string());
                }
            }
        } else if t != p {
            return None;
        }
    }
    Some(bound)
}

/// The body of VecStim's `element()` (see [`Verbatim::VectorElement`]).
fn vector_element(tokens: &[&str]) -> Option<Verbatim> {
    // Casts to NEURON's Vector class change nothing.
    let mut plain: Vec<&str> = Vec::with_capacity(tokens.len());
    let mut k = 0;
    while k < tokens.len() {
        if tokens[k..].starts_with(&["(", "IvocVect", "*", ")"]) {
            k += 4;
        } else {
            plain.push(tokens[k]);
            k += 1;
        }
    }
    let pattern = |holder: &[&'static str]| -> Vec<&'static str> {
        let mut p: Vec<&'static str> = "{ void * $vv ; int $i , $size ; double * $px ; \
             $i = ( int ) $index ; if ( $i > = 0 ) { $vv ="
            .split_whitespace()
            .collect();
        p.extend_from_slice(holder);
        p.extend(
            "; if ( $vv ) { $size = vector_capacity ( $vv ) ; $px = vector_vec ( $vv ) ; \
             if ( $i < $size ) { $value = $px [ $i ] ; $index + = 1. ; } \
             else { $index = - 1. ; } } else { $index = - 1. ; } } }"
                .split_whitespace(),
        );
        p
    };
    let space = pattern(&[
        "*", "(", "(", "void", "*", "*", ")", "(", "&", "$holder", ")", ")",
    ]);
    let pointer = pattern(&["(", "void", "*", ")", "(", "$holder", ")"]);
    let (bound, holder) = if let Some(b) = match_named(&plain, &space) {
        let h = b["holder"].clone();
        (b, h)
    } else {
        let b = match_named(&plain, &pointer)?;
        let h = b["holder"].strip_prefix("_p_")?.to_string();
        (b, h)
    };
    Some(Verbatim::VectorElement {
        holder,
        index: bound["index"].clone(),
        value: bound["value"].clone(),
    })
}

/// Whether the tokens are nothing but definitions `static void bbcore_write(...) { ... }` and
/// `static void bbcore_read(...) { ... }` (see [`Verbatim::CoreNeuron`]).
fn is_core_neuron(tokens: &[&str]) -> bool {
    let mut rest = tokens;
    let mut any = false;
    while !rest.is_empty() {
        let Some((_, after)) = match_tokens(rest, &["static", "void", "ID", "("]) else {
            return false;
        };
        if !matches!(rest[2], "bbcore_write" | "bbcore_read") {
            return false;
        }
        // The parameter list, then the body: brace-balanced.
        let Some(close) = after.iter().position(|&t| t == ")") else {
            return false;
        };
        let body = &after[close + 1..];
        if body.first() != Some(&"{") {
            return false;
        }
        let mut depth = 0usize;
        let mut end = None;
        for (i, &t) in body.iter().enumerate() {
            match t {
                "{" => depth += 1,
                "}" => {
                    depth -= 1;
                    if depth == 0 {
                        end = Some(i);
                        break;
                    }
                }
                _ => {}
            }
        }
        let Some(end) = end else {
            return false;
        };
        rest = &body[end + 1..];
        any = true;
    }
    any
}

/// What C code does, named by the first part of NEURON's C interface it uses.
fn describe(code: &str) -> Option<&'static str> {
    const KNOWN: &[(&[&str], &str)] = &[
        (
            &["nrn_random_pick", "nrn_random_arg", "nrn_random_isran"],
            "calling nrn_random_pick (a hoc Random object)",
        ),
        (
            &["nrnran123_"],
            "using nrnran123 (Random123 streams held in a BBCOREPOINTER)",
        ),
        (&["sonata_"], "calling the SONATA report library"),
        (
            &["vector_arg", "vector_vec", "vector_capacity", "vector_new"],
            "reading a hoc Vector (vector_arg, vector_vec)",
        ),
        (
            &["bbcore_write", "bbcore_read"],
            "serialising data for CoreNEURON (bbcore_write, bbcore_read)",
        ),
        (
            &["hoc_", "ifarg("],
            "calling NEURON's hoc interpreter (hoc_*, ifarg)",
        ),
        (
            &["malloc", "calloc", "free("],
            "managing memory (malloc, free)",
        ),
        (&["printf"], "printing (printf)"),
    ];
    KNOWN
        .iter()
        .find(|(needles, _)| needles.iter().any(|n| code.contains(n)))
        .map(|&(_, what)| what)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn headers_are_recognised() {
        let text = "\n#include<stdlib.h>\n#ifndef NRN_VERSION_GTEQ_8_2_0\ndouble nrn_random_pick(void* r);\nvoid* nrn_random_arg(int argpos);\n#define RANDCAST\n#else\n#define RANDCAST (Rand*)\n#endif\n";
        assert_eq!(classify(text), Verbatim::Header);
        let text = "#ifndef NRN_VERSION_GTEQ_8_2_0\nextern double* vector_vec(void *);\nextern int vector_capacity(void *);\n#endif\n";
        assert_eq!(classify(text), Verbatim::Header);
        assert_eq!(classify("  /* nothing */ \n // at all\n"), Verbatim::Header);
    }

    #[test]
    fn returns_are_recognised() {
        assert_eq!(classify("\n        return;\n"), Verbatim::Return(None));
        assert_eq!(
            classify("\treturn 0;\n"),
            Verbatim::Return(Some(ReturnValue::Number(0.0)))
        );
        assert_eq!(
            classify("return (x); /* the value */"),
            Verbatim::Return(Some(ReturnValue::Name("x".into())))
        );
        assert_eq!(
            classify("return x + 1;"),
            Verbatim::Code(None),
            "only a number or a name is a value gradmod translates"
        );
        assert_eq!(classify("returnx;"), Verbatim::Code(None));
    }

    #[test]
    fn the_hoc_random_idiom_is_recognised() {
        let pynn = "\n        double value;\n        if (_p_rng) {\n            /*\n            :Supports separate streams\n            */\n            value = nrn_random_pick(RANDCAST _p_rng);\n            //printf(\"random stream = %lf\\n\",value);\n            return value;\n        } else {\n";
        assert_eq!(
            classify(pynn),
            Verbatim::RandomOpen {
                pointer: "rng".into(),
                local: Some("value".into())
            }
        );
        let netstim = "\n\tif (_p_donotuse) {\n\t\t_lerand = nrn_random_pick(RANDCAST _p_donotuse);\n\t}else{\n\t\t/* only can be used in main thread */\n\t\tif (_nt != nrn_threads) {\nhoc_execerror(\"multithread random in NetStim\",\" only via hoc Random\");\n\t\t}\n";
        assert_eq!(
            classify(netstim),
            Verbatim::RandomOpen {
                pointer: "donotuse".into(),
                local: None
            }
        );
        assert_eq!(classify("\n        }\n"), Verbatim::Close);
        // Another pointer in the call, or anything more, is C code.
        let other = "if (_p_rng) { value = nrn_random_pick(_p_other); } else {";
        assert!(matches!(classify(other), Verbatim::Code(_)));
        let more = "if (_p_rng) { value = nrn_random_pick(_p_rng); x = 1; } else {";
        assert!(matches!(classify(more), Verbatim::Code(_)));
    }

    #[test]
    fn the_vecstim_element_idiom_is_recognised() {
        let space = "\n  { void* vv; int i, size; double* px;\n\ti = (int)index;\n\tif (i >= 0) {\n\t\tvv = *((void**)(&space));\n\t\tif (vv) {\n\t\t\tsize = vector_capacity(vv);\n\t\t\tpx = vector_vec(vv);\n\t\t\tif (i < size) {\n\t\t\t\tetime = px[i];\n\t\t\t\tindex += 1.;\n\t\t\t}else{\n\t\t\t\tindex = -1.;\n\t\t\t}\n\t\t}else{\n\t\t\tindex = -1.;\n\t\t}\n\t}\n  }\n";
        assert_eq!(
            classify(space),
            Verbatim::VectorElement {
                holder: "space".into(),
                index: "index".into(),
                value: "etime".into()
            }
        );
        // snudda's copy: a BBCOREPOINTER or POINTER `ptr`, casts to IvocVect, other names.
        let pointer = "{ void* v; int k, n; double* x; k = (int)j; if (k >= 0) { \
            v = (void*)(_p_ptr); if (v) { n = vector_capacity((IvocVect*)v); \
            x = vector_vec((IvocVect*)v); if (k < n) { t0 = x[k]; j += 1.; } \
            else { j = -1.; } } else { j = -1.; } } }";
        assert_eq!(
            classify(pointer),
            Verbatim::VectorElement {
                holder: "ptr".into(),
                index: "j".into(),
                value: "t0".into()
            }
        );
        // The same C with one name changed where it must stay the same is C code.
        let wrong = pointer.replace("t0 = x[k]", "t0 = x[n]");
        assert_eq!(
            classify(&wrong),
            Verbatim::Code(Some("reading a hoc Vector (vector_arg, vector_vec)"))
        );
        let play = "void** vv; vv = (void**)(&space); *vv = (void*)0; \
            if (ifarg(1)) { *vv = vector_arg(1); }";
        assert!(matches!(classify(play), Verbatim::Code(Some(_))));
    }

    #[test]
    fn core_neuron_transfer_functions_are_recognised() {
        let text = "\nstatic void bbcore_write(double* xarray, int* iarray, int* xoffset, \
            int* ioffset, _threadargsproto_) {\n  int i, dsize; dsize = 0;\n  if (_p_ptr) \
            { dsize = vector_capacity(_p_ptr); }\n  *ioffset += 1;\n}\n\
            static void bbcore_read(double* xarray, int* iarray, int* xoffset, int* ioffset, \
            _threadargsproto_) {\n  if (!_p_ptr) { _p_ptr = vector_new1(1); }\n}\n";
        assert_eq!(classify(text), Verbatim::CoreNeuron);
        let other = "static void helper(int x) { printf(\"%d\", x); }";
        assert_eq!(classify(other), Verbatim::Code(Some("printing (printf)")));
    }

    #[test]
    fn code_is_named_by_what_it_calls() {
        let text = "void** pv = (void**)(&_p_rng); if (ifarg(1)) { *pv = nrn_random_arg(1); }";
        assert_eq!(
            classify(text),
            Verbatim::Code(Some("calling nrn_random_pick (a hoc Random object)"))
        );
        assert_eq!(
            classify("double x = 1; static void f(void) { }"),
            Verbatim::Code(None)
        );
        assert_eq!(classify("int f(void) { return 0; }"), Verbatim::Code(None));
    }
}
