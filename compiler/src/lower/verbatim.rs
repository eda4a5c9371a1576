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
//!
//! Anything else is C code, rejected with a name for what it does when the text calls a known
//! part of NEURON's C interface (a hoc Random object, a hoc Vector, ...).

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
