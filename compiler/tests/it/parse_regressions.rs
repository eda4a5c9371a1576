//! Inputs that once crashed or could crash the parser, and a property test over token soup:
//! parsing never panics, every span lies inside the file on character boundaries, and every
//! diagnostic renders.

use gradmod_compiler::diag::{Diagnostics, SourceFile, SourceMap};
use gradmod_compiler::parse::parse;
use proptest::prelude::*;

/// Parses `text` and checks the invariants every parse must keep; returns the diagnostics.
fn check(text: &str) -> Diagnostics {
    let mut map = SourceMap::new();
    let id = map.add(SourceFile::new("r.mod", text));
    let (file, diags) = parse(&map, id);
    for d in &diags.0 {
        let (s, e) = (d.span.start as usize, d.span.end as usize);
        assert!(s <= e && e <= text.len(), "span {s}..{e} outside the file");
        assert!(text.is_char_boundary(s) && text.is_char_boundary(e));
    }
    for item in &file.items {
        assert!(item.span.end as usize <= text.len());
    }
    let rendered = diags.render(&map);
    assert_eq!(diags.is_empty(), rendered.is_empty());
    diags
}

#[test]
fn empty_and_trivia_only_inputs_parse_cleanly() {
    for text in [
        "",
        "\n",
        "   \t\r\n",
        ": only a comment",
        "? q",
        "COMMENT x ENDCOMMENT",
        "UNITSOFF UNITSON",
    ] {
        assert!(check(text).is_empty(), "{text:?}");
    }
}

#[test]
fn truncated_inputs_report_errors_without_panicking() {
    let full = include_str!("../parse_extra/cadifus.mod");
    // Every prefix of a real file, cut at character boundaries.
    let mut cuts = 0;
    for (i, _) in full.char_indices().step_by(7) {
        check(&full[..i]);
        cuts += 1;
    }
    assert!(cuts > 100);
}

#[test]
fn deep_nesting_is_reported_not_a_stack_overflow() {
    let too_deep = [
        format!(
            "INITIAL {{ x = {}1{} }}",
            "(".repeat(3000),
            ")".repeat(3000)
        ),
        format!("INITIAL {}{}", "{".repeat(3000), "}".repeat(3000)),
        format!(
            "INITIAL {{ {} }}",
            "if (a) { ".repeat(2000) + &"}".repeat(2000)
        ),
        format!(
            "INITIAL {{ if (a) {{ }} {} }}",
            "else if (a) { } ".repeat(3000)
        ),
        format!("INITIAL {{ x = {}1 }}", "-".repeat(3000)),
        format!("INITIAL {{ x = 2{} }}", "^2".repeat(3000)),
        format!("INITIAL {{ x = {}1 }}", "a + ".repeat(20000)),
    ];
    // Braces in the comments and strings of a broken statement are not nesting.
    for text in [
        format!("INITIAL {{ ) \"{}\" }}", "{".repeat(5000)),
        format!("INITIAL {{ ) : {}\n}}", "{".repeat(5000)),
        format!("INITIAL {{ ) COMMENT {} ENDCOMMENT }}", "{".repeat(5000)),
    ] {
        assert_eq!(check(&text).0.len(), 1, "{}", &text[..20]);
    }
    for text in &too_deep {
        let diags = check(text);
        let first = &diags.0.first().expect("an error").message;
        assert!(
            first.contains("deep") || first.contains("in a row") || first.contains("operators"),
            "{first}"
        );
    }
    // Deep but reasonable nesting still parses.
    let fine = [
        format!("INITIAL {{ x = {}1{} }}", "(".repeat(50), ")".repeat(50)),
        format!("INITIAL {{ {} }}", "if (a) { ".repeat(50) + &"}".repeat(50)),
        format!(
            "INITIAL {{ if (a) {{ }} {} }}",
            "else if (a) { } ".repeat(100)
        ),
        format!("INITIAL {{ x = {}1 }}", "a + ".repeat(900)),
        format!("INITIAL {{ x = {}1 }}", "-".repeat(900)),
    ];
    for text in &fine {
        let diags = check(text);
        assert!(diags.is_empty(), "{}", diags.0[0].message);
    }
}

#[test]
fn odd_bytes_and_unicode_are_reported() {
    for text in [
        "NEURON { SUFFIX é }",
        "PARAMETER { a = 1 (µm) }",
        "\u{0}",
        "NEURON {\u{0} SUFFIX x }",
        "INITIAL { x = \"é\u{7f}\" }",
        "TITLE é\nNEURON { SUFFIX x ",
        "ÿ",
        "INITIAL { m'' = 1 }",
        "INITIAL { m'''[0] = 1 }",
        "KINETIC k { ~ 99999999999999999999A <-> B (1, 2) }",
        "VERBATIM",
        "COMMENT",
        "x\nCOMMENT\nNEURON",
        "NEURON { SUFFIX x }\n}\n}\nPARAMETER {",
        "\"",
        "INCLUDE \"",
        "UNITS { (",
        "PARAMETER { a = 1 (mV",
        "FUNCTION f(x (mV",
    ] {
        check(text);
    }
}

#[test]
fn many_errors_are_capped() {
    let text = "FOO\n".repeat(1000);
    let diags = check(&text);
    assert!(
        !diags.is_empty() && diags.0.len() <= 20,
        "{} errors",
        diags.0.len()
    );
}

/// Fragments of NMODL, including broken ones, for the token-soup property.
const TOKENS: &[&str] = &[
    "NEURON",
    "{",
    "}",
    "(",
    ")",
    "[",
    "]",
    "SUFFIX",
    "x",
    "m",
    "'",
    "=",
    "==",
    "~",
    "<->",
    "->",
    "<<",
    "1",
    "-2.5e3",
    "(mV)",
    "PARAMETER",
    "STATE",
    "INITIAL",
    "BREAKPOINT",
    "DERIVATIVE",
    "KINETIC",
    "SOLVE",
    "METHOD",
    "cnexp",
    "if",
    "else",
    "FROM",
    "TO",
    "WITH",
    "TABLE",
    "DEPEND",
    "LOCAL",
    ",",
    "+",
    "-",
    "*",
    "/",
    "^",
    "!",
    "&&",
    "||",
    "<",
    ">=",
    "\n",
    " ",
    ":",
    "?",
    "COMMENT",
    "ENDCOMMENT",
    "VERBATIM",
    "ENDVERBATIM",
    "\"",
    "USEION",
    "READ",
    "WRITE",
    "é",
    "UNITS",
    "CONSERVE",
    "COMPARTMENT",
    "NET_RECEIVE",
    "WATCH",
    "exp(",
    "FUNCTION",
    "PROCEDURE",
];

proptest! {
    #![proptest_config(ProptestConfig::with_cases(400))]

    #[test]
    fn token_soup_never_panics(idx in proptest::collection::vec(0..TOKENS.len(), 0..60)) {
        let text: Vec<&str> = idx.iter().map(|&i| TOKENS[i]).collect();
        check(&text.join(" "));
    }

    #[test]
    fn arbitrary_strings_never_panic(text in "\\PC{0,200}") {
        check(&text);
    }
}
