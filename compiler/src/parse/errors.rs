//! Parse errors: pest's failures turned into readable diagnostics, the trivia scan that finds
//! unterminated COMMENT and VERBATIM blocks, and re-synchronisation after an error.

use super::Rule;
use crate::diag::{Diagnostic, Diagnostics, FileId, Span};
use pest::error::{Error, ErrorVariant, InputLocation};

/// What the trivia scan found.
pub(super) struct Scan {
    /// Byte ranges of block comments, line comments, strings and VERBATIM text: keywords in them
    /// are not places to re-synchronise at.
    pub regions: Vec<(usize, usize)>,
    /// Errors for unterminated COMMENT and VERBATIM blocks.
    pub errors: Diagnostics,
    /// Where an unterminated block starts, if there is one.
    pub unterminated_at: Option<usize>,
    /// Whether the input nests too deeply to be parsed safely (an error says where).
    pub too_deep: bool,
}

/// Brackets nest at most this deep. Real files nest a dozen levels at most; the limit keeps
/// the recursive descent far from the end of the stack.
pub(super) const MAX_NESTING: usize = 64;

/// At most this many `else if` may follow each other in one top-level block (each one nests
/// the grammar one level deeper).
const MAX_ELSE_IF: usize = 128;

fn is_ident_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_'
}

/// Whether `text[i..]` starts with the word `word` (followed by a non-identifier character).
fn word_at(text: &[u8], i: usize, word: &str) -> bool {
    let w = word.as_bytes();
    text.len() >= i + w.len()
        && &text[i..i + w.len()] == w
        && text.get(i + w.len()).is_none_or(|&b| !is_ident_byte(b))
}

/// Finds comments, strings and VERBATIM text the way the grammar's trivia rules do, and reports
/// COMMENT and VERBATIM blocks that are never closed.
pub(super) fn scan_trivia(text: &str, file: FileId) -> Scan {
    let bytes = text.as_bytes();
    let mut scan = Scan {
        regions: Vec::new(),
        errors: Diagnostics::new(),
        unterminated_at: None,
        too_deep: false,
    };
    let mut depth = 0usize;
    let mut else_ifs = 0usize;
    let deep = |scan: &mut Scan, at: usize, what: String| {
        scan.too_deep = true;
        scan.errors.push(
            Diagnostic::error(Span::new(file, at, at + 1), what)
                .with_label("too deep")
                .with_note("the file is not parsed further"),
        );
    };
    let line_end = |i: usize| {
        bytes[i..]
            .iter()
            .position(|&b| b == b'\n')
            .map_or(bytes.len(), |n| i + n)
    };
    let mut i = 0;
    while i < bytes.len() {
        let b = bytes[i];
        if b == b':' || b == b'?' {
            let end = line_end(i);
            scan.regions.push((i, end));
            i = end;
        } else if b == b'"' {
            let mut j = i + 1;
            while j < bytes.len() && bytes[j] != b'"' && bytes[j] != b'\n' {
                j += if bytes[j] == b'\\' { 2 } else { 1 };
            }
            let end = (j + 1).min(bytes.len());
            scan.regions.push((i, end));
            i = end;
        } else if is_ident_byte(b) {
            let pairs = [("COMMENT", "ENDCOMMENT"), ("VERBATIM", "ENDVERBATIM")];
            if let Some((open, close)) = pairs.iter().find(|(open, _)| word_at(bytes, i, open)) {
                let body = i + open.len();
                match text[body..].find(close) {
                    Some(n) => {
                        let end = body + n + close.len();
                        scan.regions.push((i, end));
                        i = end;
                    }
                    None => {
                        let span = Span::new(file, i, body);
                        scan.errors.push(
                            Diagnostic::error(span, format!("unterminated {open} block"))
                                .with_label(format!("this {open} is never closed"))
                                .with_note(format!(
                                    "expected `{close}` before the end of the file"
                                )),
                        );
                        scan.unterminated_at = Some(i);
                        scan.regions.push((i, bytes.len()));
                        i = bytes.len();
                    }
                }
            } else if word_at(bytes, i, "TITLE") {
                i = line_end(i);
            } else if (word_at(bytes, i, "else") || word_at(bytes, i, "ELSE"))
                && bytes[i + 4..]
                    .iter()
                    .find(|b| !b.is_ascii_whitespace())
                    .is_some_and(|&b| b == b'i' || b == b'I')
            {
                else_ifs += 1;
                if else_ifs > MAX_ELSE_IF {
                    deep(
                        &mut scan,
                        i,
                        format!("more than {MAX_ELSE_IF} `else if` in a row"),
                    );
                    break;
                }
                i += 4;
            } else {
                while i < bytes.len() && is_ident_byte(bytes[i]) {
                    i += 1;
                }
            }
        } else {
            match b {
                b'(' | b'[' | b'{' => {
                    depth += 1;
                    if depth > MAX_NESTING {
                        let what = format!("brackets nest more than {MAX_NESTING} levels deep");
                        deep(&mut scan, i, what);
                        break;
                    }
                }
                b')' | b']' | b'}' => {
                    depth = depth.saturating_sub(1);
                    if depth == 0 {
                        else_ifs = 0;
                    }
                }
                _ => {}
            }
            i += 1;
        }
    }
    scan
}

/// Keywords that begin top-level items: where parsing resumes after an error.
const TOP_LEVEL: &[&str] = &[
    "TITLE",
    "INCLUDE",
    "DEFINE",
    "INDEPENDENT",
    "NEURON",
    "UNITS",
    "PARAMETER",
    "CONSTANT",
    "ASSIGNED",
    "STATE",
    "INITIAL",
    "BREAKPOINT",
    "DERIVATIVE",
    "KINETIC",
    "LINEAR",
    "NONLINEAR",
    "PROCEDURE",
    "FUNCTION",
    "FUNCTION_TABLE",
    "NET_RECEIVE",
    "BEFORE",
    "AFTER",
    "CONSTRUCTOR",
    "DESTRUCTOR",
    "VERBATIM",
    "WHITE_NOISE",
    "POST_EVENT",
    "LOCAL",
];

/// The next place to resume parsing after an error at byte `at` in an item that started at
/// byte `pos`: the start of the first line at or after the error's line (and after `pos`) that
/// begins in column 1 with a top-level keyword outside comments.
pub(super) fn resync(
    text: &str,
    pos: usize,
    at: usize,
    regions: &[(usize, usize)],
) -> Option<usize> {
    let bytes = text.as_bytes();
    let at = at.min(bytes.len());
    let mut line = bytes[..at]
        .iter()
        .rposition(|&b| b == b'\n')
        .map_or(0, |n| n + 1);
    loop {
        let in_trivia = regions.iter().any(|&(s, e)| s <= line && line < e);
        if line > pos && !in_trivia && TOP_LEVEL.iter().any(|k| word_at(bytes, line, k)) {
            return Some(line);
        }
        line += bytes[line..].iter().position(|&b| b == b'\n')? + 1;
    }
}

/// Whether a rule is a keyword token (which the AST builder skips).
pub(super) fn is_keyword(rule: Rule) -> bool {
    use Rule::*;
    matches!(
        rule,
        k_AFTER
            | k_ARTIFICIAL_CELL
            | k_ASSIGNED
            | k_BBCOREPOINTER
            | k_BEFORE
            | k_BREAKPOINT
            | k_BY
            | k_COMPARTMENT
            | k_CONDUCTANCE
            | k_CONSERVE
            | k_CONSTANT
            | k_CONSTRUCTOR
            | k_DEFINE
            | k_DEPEND
            | k_DERIVATIVE
            | k_DESTRUCTOR
            | k_ELECTRODE_CURRENT
            | k_EXTERNAL
            | k_FOR_NETCONS
            | k_FROM
            | k_FUNCTION
            | k_FUNCTION_TABLE
            | k_GLOBAL
            | k_IFERROR
            | k_INCLUDE
            | k_INDEPENDENT
            | k_INITIAL
            | k_JUNCTION_PROCESS
            | k_KINETIC
            | k_LAG
            | k_LINEAR
            | k_LOCAL
            | k_LONGITUDINAL_DIFFUSION
            | k_METHOD
            | k_MUTEXLOCK
            | k_MUTEXUNLOCK
            | k_NET_RECEIVE
            | k_NEURON
            | k_NONLINEAR
            | k_NONSPECIFIC_CURRENT
            | k_PARAMETER
            | k_POINTER
            | k_POINT_PROCESS
            | k_POST_EVENT
            | k_PROCEDURE
            | k_PROTECT
            | k_RANDOM
            | k_RANGE
            | k_READ
            | k_REPRESENTS
            | k_SOLVE
            | k_SOLVEFOR
            | k_START
            | k_STATE
            | k_STEADYSTATE
            | k_SUFFIX
            | k_TABLE
            | k_THREADSAFE
            | k_TITLE
            | k_TO
            | k_UNITS
            | k_USEION
            | k_VALENCE
            | k_VOLTAGE_PROCESS
            | k_WATCH
            | k_WHITE_NOISE
            | k_WITH
            | k_WRITE
            | k_else
            | k_if
            | k_while
    )
}

/// How an expected rule is named in a message, or `None` for rules not worth naming.
fn describe(rule: Rule) -> Option<String> {
    use Rule::*;
    if is_keyword(rule) {
        let word = format!("{rule:?}");
        return Some(format!("`{}`", word.trim_start_matches("k_")));
    }
    let text = match rule {
        EOI => "end of file",
        item => "a top-level block (NEURON, PARAMETER, STATE, BREAKPOINT, ...)",
        neuron_stmt => "a NEURON statement (SUFFIX, USEION, RANGE, ...)",
        stmt | stmt_probe => "a statement",
        decl_probe => "a declaration",
        neuron_probe => "a NEURON statement (SUFFIX, USEION, RANGE, ...)",
        units_probe => "a unit definition",
        decl => "a declaration",
        unit_alias | unit_const => "a unit definition",
        name => "a name",
        expr => "an expression",
        num_lit | signed_number | number => "a number",
        integer => "an integer",
        units => "units in parentheses",
        string => "a string in double quotes",
        params => "a parameter list `(...)`",
        param => "a parameter name",
        block | species => "`{`",
        index | array_size => "`[`",
        primes => "`'`",
        reaction_op => "`<->` or `->`",
        lhs_reactants | rhs_reactants | reactant => "a species",
        add | sub | mul | div | pow | le | ge | eq | ne | lt | gt | and | or => "an operator",
        when => "BREAKPOINT, SOLVE, INITIAL or STEP",
        limits => "`<`",
        decl_value => "`=`",
        decl_from_to => "`FROM`",
        decl_start => "`START`",
        solvefor => "`SOLVEFOR`",
        solve_method => "`METHOD`",
        solve_steady => "`STEADYSTATE`",
        solve_iferror => "`IFERROR`",
        table_names => "a name",
        table_depend => "`DEPEND`",
        watch => "`(`",
        curie => "an ontology term",
        ion_read => "`READ`",
        ion_write => "`WRITE`",
        ion_valence => "`VALENCE`",
        valence_name => "a valence name (Arbor's)",
        ion_represents => "`REPRESENTS`",
        call | name_ref => "a name",
        args => "`(`",
        _ => return None,
    };
    Some(text.to_string())
}

/// Punctuation worth naming when pest reports it as an expected token.
const PUNCTUATION: &[&str] = &[
    "{", "}", "(", ")", "[", "]", "=", ",", "~", "<<", "<->", "->", "'",
];

/// The token at byte `at`, described for "found ..." (or "end of file"), and its length in
/// bytes.
fn found(text: &str, at: usize) -> (String, usize) {
    let rest = text.get(at..).unwrap_or("");
    let Some(c) = rest.chars().next() else {
        return ("end of file".to_string(), 0);
    };
    let word: String = if c.is_ascii_alphanumeric() || c == '_' || c == '.' {
        rest.chars()
            .take_while(|&c| c.is_ascii_alphanumeric() || c == '_' || c == '.')
            .take(40)
            .collect()
    } else {
        let two: String = rest.chars().take(2).collect();
        let ops = ["<=", ">=", "==", "!=", "&&", "||", "<<", "->"];
        if ops.contains(&two.as_str()) {
            two
        } else {
            c.to_string()
        }
    };
    let described = match word.as_str() {
        "\n" | "\r" => "end of line".to_string(),
        "\t" | " " => "white space".to_string(),
        w if w.chars().any(char::is_control) => format!("`{}`", w.escape_debug()),
        w => format!("`{w}`"),
    };
    (described, word.len())
}

/// Joins alternatives as "a, b or c".
fn join_or(items: &[String]) -> String {
    match items {
        [] => String::new(),
        [one] => one.clone(),
        [init @ .., last] => format!("{} or {last}", init.join(", ")),
    }
}

/// The keyword that opens the item starting at or after byte `pos` (comments skipped), with
/// its offset.
fn item_keyword(text: &str, pos: usize, regions: &[(usize, usize)]) -> Option<(String, usize)> {
    let bytes = text.as_bytes();
    let mut i = pos;
    while i < bytes.len() {
        if let Some(&(_, e)) = regions.iter().find(|&&(s, e)| s <= i && i < e) {
            i = e;
        } else if bytes[i].is_ascii_whitespace() {
            i += 1;
        } else {
            break;
        }
    }
    let word: String = text
        .get(i..)?
        .chars()
        .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
        .collect();
    (!word.is_empty()).then_some((word, i))
}

/// Converts a pest error from parsing `text[base..]` (an item starting at `base`) into a
/// diagnostic with an absolute span.
pub(super) fn convert(
    err: &Error<Rule>,
    text: &str,
    file: FileId,
    base: usize,
    regions: &[(usize, usize)],
) -> Diagnostic {
    convert_with(err, text, file, base, regions, "end of file")
}

/// Like [`convert`], for the error of re-parsing one broken line of a block with a probe rule,
/// whose end of input is called `end_of_input` (e.g. "the end of the statement").
pub(super) fn convert_probe(
    err: &Error<Rule>,
    text: &str,
    file: FileId,
    base: usize,
    regions: &[(usize, usize)],
    end_of_input: &str,
) -> Diagnostic {
    convert_with(err, text, file, base, regions, end_of_input)
}

fn convert_with(
    err: &Error<Rule>,
    text: &str,
    file: FileId,
    base: usize,
    regions: &[(usize, usize)],
    end_of_input: &str,
) -> Diagnostic {
    let rel = match err.location {
        InputLocation::Pos(p) => p,
        InputLocation::Span((s, _)) => s,
    };
    let mut expected: Vec<String> = Vec::new();
    let mut push = |s: String| {
        if !expected.contains(&s) {
            expected.push(s);
        }
    };
    let attempts = err.parse_attempts();
    // Pest reports the rules that failed furthest on; tokens (punctuation) may have been tried
    // even further on, e.g. the `)` missing after `(x (mV)`. The furthest point wins.
    let mut rel = rel;
    let mut use_rules = true;
    if let Some(a) = &attempts {
        let toks: Vec<String> = a
            .expected_tokens()
            .iter()
            .map(|t| t.to_string())
            .filter(|t| PUNCTUATION.contains(&t.as_str()))
            .map(|t| format!("`{t}`"))
            .collect();
        if a.max_position > rel && !toks.is_empty() {
            rel = a.max_position;
            use_rules = false;
        }
        if a.max_position == rel {
            toks.into_iter().for_each(&mut push);
        }
    }
    let message_tail = match &err.variant {
        ErrorVariant::ParsingError { positives, .. } => {
            if use_rules {
                let name = |r: Rule| match r {
                    Rule::EOI => Some(end_of_input.to_string()),
                    r => describe(r),
                };
                positives
                    .iter()
                    .filter_map(|&r| name(r))
                    .for_each(&mut push);
            }
            String::new()
        }
        ErrorVariant::CustomError { message } => format!(": {message}"),
    };
    // Name categories rather than everything that may start them.
    let has = |e: &Vec<String>, s: &str| e.iter().any(|x| x == s);
    if has(&expected, "a statement") {
        expected.retain(|e| e != "`{`" && e != "`~`" && e != "a call");
    }
    // Between top-level blocks the end of the file is always allowed; saying so is noise.
    if let Some(block) = describe(Rule::item)
        && has(&expected, &block)
    {
        expected.retain(|e| e != "end of file");
    }
    if has(&expected, "an expression") || (has(&expected, "a name") && has(&expected, "a number")) {
        let operand = [
            "`(`",
            "a name",
            "a number",
            "a string in double quotes",
            "a call",
        ];
        let first = expected.iter().position(|e| operand.contains(&e.as_str()));
        expected.retain(|e| !operand.contains(&e.as_str()));
        if !has(&expected, "an expression") {
            expected.insert(
                first.unwrap_or(0).min(expected.len()),
                "an expression".into(),
            );
        }
    }
    let mut at = (base + rel).min(text.len());
    let (found, found_len) = found(text, at);
    if found == "end of file" {
        // Point at the end of the last line with text rather than past the final newline.
        at = text.trim_end().len();
    }
    let end = if found == "end of file" {
        at
    } else {
        (at + found_len).min(text.len())
    };
    let mut end = if text.is_char_boundary(end) { end } else { at };
    if found == "end of line" {
        // Point at the last character of the line: the caret cannot sit on the line break.
        let line = &text[..at];
        at = line.trim_end().len();
        end = at;
        at = line[..at].char_indices().next_back().map_or(at, |(i, _)| i);
    }
    let span = Span::new(file, at, end);
    let closing = has(&expected, "`}`");
    let opener = item_keyword(text, base, regions);
    let line_of = |offset: usize| text[..offset].matches('\n').count() + 1;
    let top_level_found = TOP_LEVEL.iter().any(|k| found == format!("`{k}`"))
        && (at == 0 || text.as_bytes()[at - 1] == b'\n');
    if let (true, Some((kw, start))) = (closing || top_level_found, &opener)
        && (found == "end of file" || top_level_found)
        && at > *start
    {
        // A block that is never closed: say which.
        let line = line_of(*start);
        let message = if found == "end of file" {
            format!("expected `}}`, found end of file: the {kw} block of line {line} is not closed")
        } else {
            format!("expected `}}` before {found}: the {kw} block of line {line} is not closed")
        };
        let label = if found == "end of file" {
            "the file ends here".to_string()
        } else {
            format!("{found} starts a new block")
        };
        return Diagnostic::error(span, message)
            .with_label(label)
            .with_note("every `{` needs a matching `}`");
    }
    if expected.is_empty() && opener.as_ref().is_some_and(|(_, s)| *s == at) {
        expected.extend(describe(Rule::item));
    }
    let message = if expected.is_empty() {
        format!("unexpected {found}{message_tail}")
    } else {
        format!(
            "expected {}, found {found}{message_tail}",
            join_or(&expected)
        )
    };
    let label = match found.as_str() {
        "end of file" => "the file ends here".to_string(),
        "end of line" => "the line ends after this".to_string(),
        _ => format!("unexpected {found}"),
    };
    let d = Diagnostic::error(span, message).with_label(label);
    if found == "`\"`" {
        return d.with_note("a string ends with `\"` on the line where it starts");
    }
    match dialect_note(text, at, &found) {
        Some(note) => d.with_note(note),
        None => d,
    }
}

/// A note for text that is not NMODL as NEURON reads it but another tool's dialect: Arbor's
/// mechanism kinds, or a template to be filled in before use.
fn dialect_note(text: &str, at: usize, found: &str) -> Option<&'static str> {
    let before = text[..at].trim_end();
    match found {
        "`VOLTAGE_PROCESS`" => Some(
            "VOLTAGE_PROCESS is Arbor's dialect (a process writing `v` after the voltage solve), \
             which NEURON does not accept and gradmod does not support",
        ),
        "`{`" if before.ends_with('{') || text[at..].starts_with("{{") => Some(
            "`{{ ... }}` and `{% ... %}` are template placeholders: the file is a template to be \
             rendered into NMODL before use",
        ),
        _ => None,
    }
}
