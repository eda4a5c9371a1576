//! The NMODL front end: text to [`crate::ast`].
//!
//! The grammar is `nmodl.pest`. Parsing never fails: [`parse`] returns the items it could read
//! and the errors it met. Pest pairs never leave this module.
//!
//! Errors are recovered from at two levels. Inside a block of statements, declarations,
//! NEURON statements or unit definitions, a line the grammar cannot read is skipped (with any
//! braces it opens) and parsed again alone to report what was expected there; the rest of the
//! block is still read. Top-level items are parsed one at a time, and after an error that no
//! line skip absorbs (such as a missing `}`) the parser re-synchronises at the next line that
//! starts, in column 1, with a top-level keyword. Inputs nesting deeper than the parser can
//! safely recurse are rejected up front with an error. At most 20 errors are reported per file.
//!
//! `INCLUDE "file"` is kept as an [`ast::ItemKind::Include`] item by [`parse`];
//! [`parse_with_includes`] resolves it through a loader callback (relative to the including
//! file, e.g. with [`fs_loader`]) and splices the included file's items in its place.

mod errors;
mod expr;
mod items;
mod stmt;

use crate::ast::{self, ItemKind};
use crate::diag::{Diagnostic, Diagnostics, FileId, SourceFile, SourceMap, Span};
use pest::Parser;
use pest::iterators::Pair;
use pest_derive::Parser;
use std::cell::RefCell;
use std::sync::Mutex;

/// The pest parser generated from `nmodl.pest`.
#[derive(Parser)]
#[grammar = "parse/nmodl.pest"]
struct NmodlParser;

/// At most this many errors are reported per file; later ones are usually consequences.
const MAX_ERRORS: usize = 20;

/// Parses one file of `sources` into an AST, collecting every error found.
///
/// The returned file holds every item that parsed; items with errors are left out. INCLUDE
/// items are kept as they are (see [`parse_with_includes`]).
pub fn parse(sources: &SourceMap, file: FileId) -> (ast::File, Diagnostics) {
    let text = sources.get(file).text.as_str();
    let mut diags = Diagnostics::new();
    let scan = errors::scan_trivia(text, file);
    diags.extend(scan.errors.clone());
    if scan.too_deep {
        return (
            ast::File {
                file,
                items: vec![],
            },
            diags,
        );
    }

    let mut items = Vec::new();
    let mut pos = 0;
    let mut errors = 0;
    while pos <= text.len() {
        let rest = &text[pos..];
        match NmodlParser::parse(Rule::next_item, rest) {
            Ok(mut pairs) => {
                let Some(item) = pairs
                    .next()
                    .and_then(|top| top.into_inner().find(|p| p.as_rule() == Rule::item))
                else {
                    break;
                };
                let end = item.as_span().end();
                let mut builder = Builder {
                    file,
                    text,
                    regions: &scan.regions,
                    base: pos,
                    diags: &mut diags,
                    deferred: RefCell::new(Vec::new()),
                };
                if let Some(item) = builder.item(item) {
                    items.push(item);
                }
                let deferred = builder.deferred.take();
                diags.0.extend(deferred);
                if end == 0 {
                    break;
                }
                pos += end;
            }
            Err(plain) => {
                // Parse the failing item again, tracking the tokens tried, so that the message
                // can name punctuation such as `}` and `=`.
                let err = with_error_detail(|| NmodlParser::parse(Rule::next_item, rest))
                    .err()
                    .unwrap_or(plain);
                let d = errors::convert(&err, text, file, pos, &scan.regions);
                let at = d.span.start as usize;
                // An unterminated COMMENT or VERBATIM swallows the rest of the file; the errors
                // it causes at the end of input repeat what the scan already said.
                let swallowed = scan.unterminated_at.is_some_and(|u| at >= u);
                if !swallowed {
                    diags.push(d);
                    errors += 1;
                }
                if errors >= MAX_ERRORS {
                    break;
                }
                match errors::resync(text, pos, at, &scan.regions) {
                    Some(next) => pos = next,
                    None => break,
                }
            }
        }
    }
    diags.0.truncate(MAX_ERRORS);
    (ast::File { file, items }, diags)
}

/// How many parses currently need pest's error detail (a process-wide switch).
static DETAIL_USERS: Mutex<usize> = Mutex::new(0);

/// Runs `f` with pest's expected-token tracking switched on. The tracking makes parsing several
/// times slower, so it is only on while some thread re-parses a failing item.
fn with_error_detail<T>(f: impl FnOnce() -> T) -> T {
    let switch = |delta: isize| {
        let mut users = DETAIL_USERS.lock().unwrap_or_else(|e| e.into_inner());
        *users = users.saturating_add_signed(delta);
        pest::set_error_detail(*users > 0);
    };
    switch(1);
    let result = f();
    switch(-1);
    result
}

/// Parses `file` and, recursively, the files it INCLUDEs, splicing their items in place of the
/// INCLUDE items.
///
/// `load(path, includer)` is called with the path as written and the name of the including
/// file; it returns the included file (its name should be the resolved path, so that nested
/// includes resolve relative to it) or an error message, which is reported at the INCLUDE.
pub fn parse_with_includes(
    sources: &mut SourceMap,
    file: FileId,
    load: &mut dyn FnMut(&str, &str) -> Result<SourceFile, String>,
) -> (ast::File, Diagnostics) {
    let mut stack = vec![sources.get(file).name.clone()];
    parse_included(sources, file, load, &mut stack)
}

/// Includes nest at most this deep (which also stops include cycles).
const MAX_INCLUDE_DEPTH: usize = 16;

fn parse_included(
    sources: &mut SourceMap,
    file: FileId,
    load: &mut dyn FnMut(&str, &str) -> Result<SourceFile, String>,
    stack: &mut Vec<String>,
) -> (ast::File, Diagnostics) {
    let (parsed, mut diags) = parse(sources, file);
    let mut items = Vec::with_capacity(parsed.items.len());
    for item in parsed.items {
        let ItemKind::Include(path) = &item.kind else {
            items.push(item);
            continue;
        };
        let includer = sources.get(file).name.clone();
        match load(path, &includer) {
            Ok(source) => {
                if stack.contains(&source.name) || stack.len() >= MAX_INCLUDE_DEPTH {
                    diags.push(
                        Diagnostic::error(item.span, format!("INCLUDE cycle through \"{path}\""))
                            .with_label("included again here")
                            .with_note(format!("include chain: {}", stack.join(" -> "))),
                    );
                    continue;
                }
                stack.push(source.name.clone());
                let id = sources.add(source);
                let (inner, more) = parse_included(sources, id, load, stack);
                stack.pop();
                diags.extend(more);
                items.extend(inner.items);
            }
            Err(msg) => diags.push(
                Diagnostic::error(item.span, format!("cannot INCLUDE \"{path}\": {msg}"))
                    .with_label("included here"),
            ),
        }
    }
    (ast::File { file, items }, diags)
}

/// A loader for [`parse_with_includes`] that reads included files from disk, relative to the
/// directory of the including file. Bytes that are not UTF-8 (Latin-1 comments in old files)
/// become U+FFFD.
pub fn fs_loader(path: &str, includer: &str) -> Result<SourceFile, String> {
    let dir = std::path::Path::new(includer)
        .parent()
        .unwrap_or(std::path::Path::new(""));
    let full = dir.join(path);
    let text = crate::diag::read_source(&full).map_err(|e| e.to_string())?;
    Ok(SourceFile::new(full.to_string_lossy().into_owned(), text))
}

/// Turns pest pairs into AST nodes with absolute spans, collecting the errors the grammar
/// leaves to it (such as `m''`).
struct Builder<'d> {
    /// The file being parsed.
    file: FileId,
    /// Its text.
    text: &'d str,
    /// Its comments, strings and VERBATIM text (see [`errors::scan_trivia`]).
    regions: &'d [(usize, usize)],
    /// The byte offset of the text pest saw within the file.
    base: usize,
    /// Where errors go.
    diags: &'d mut Diagnostics,
    /// Errors found while building expressions (which borrow the builder immutably).
    deferred: RefCell<Vec<Diagnostic>>,
}

impl Builder<'_> {
    /// The absolute span of a pair.
    fn span(&self, p: &Pair<'_, Rule>) -> Span {
        let s = p.as_span();
        Span::new(self.file, self.base + s.start(), self.base + s.end())
    }

    /// An identifier from a `name` pair.
    fn ident(&self, p: &Pair<'_, Rule>) -> ast::Ident {
        ast::Ident {
            name: p.as_str().to_string(),
            span: self.span(p),
        }
    }

    /// Reports an error.
    fn error(&mut self, d: Diagnostic) {
        self.diags.push(d);
    }

    /// Builds the elements of a block that recovers from errors: `build` makes an element of
    /// each good pair, and each `bad_line` (text the grammar skipped) is reported.
    fn recovering<'i, T>(
        &mut self,
        pairs: impl IntoIterator<Item = Pair<'i, Rule>>,
        probe: Probe,
        mut build: impl FnMut(&mut Self, Pair<'i, Rule>) -> Option<T>,
    ) -> Vec<T> {
        let mut out = Vec::new();
        // The previous element, and whether it is the last one in `out`.
        let mut previous: Option<(Span, bool)> = None;
        for p in pairs {
            let here = self.span(&p);
            let pushed = if p.as_rule() == Rule::bad_line {
                let merged = self.bad_line(&p, previous.map(|(span, _)| span), probe);
                if merged && previous.is_some_and(|(_, pushed)| pushed) {
                    out.pop();
                }
                false
            } else {
                build(self, p).map(|x| out.push(x)).is_some()
            };
            previous = Some((here, pushed));
        }
        out
    }

    /// Reports what is wrong with a `bad_line` by parsing it again alone with the probe rule.
    /// When the element before it ends on the same line, the two are parsed together (and the
    /// element is dropped): in `x = a * (b` the grammar accepts `x = a` and skips `* (b`, but
    /// the mistake is the unclosed parenthesis of the whole line. Returns whether it did so.
    fn bad_line(&mut self, p: &Pair<'_, Rule>, previous: Option<Span>, probe: Probe) -> bool {
        let mut start = self.base + p.as_span().start();
        let end = self.base + p.as_span().end();
        let mut merged = false;
        if let Some(prev) = previous {
            let between = self.text.get(prev.end as usize..start).unwrap_or("\n");
            if !between.contains('\n') {
                start = prev.start as usize;
                merged = true;
            }
        }
        let (rule, end_of_input) = match probe {
            Probe::Stmt => (Rule::stmt_probe, "the end of the statement"),
            Probe::Decl => (Rule::decl_probe, "the end of the declaration"),
            Probe::Neuron => (Rule::neuron_probe, "the end of the statement"),
            Probe::Units => (Rule::units_probe, "the end of the definition"),
        };
        let text = &self.text[start..end];
        let d = match with_error_detail(|| NmodlParser::parse(rule, text)) {
            Err(err) => errors::convert_probe(
                &err,
                self.text,
                self.file,
                start,
                self.regions,
                end_of_input,
            ),
            Ok(_) => Diagnostic::error(Span::new(self.file, start, end), "unexpected text")
                .with_label("not allowed here"),
        };
        self.error(d);
        merged
    }
}

/// What a block with error recovery holds, which says how to re-parse a broken line.
#[derive(Clone, Copy)]
enum Probe {
    /// Statements.
    Stmt,
    /// Declarations (PARAMETER, STATE, ...).
    Decl,
    /// NEURON block statements.
    Neuron,
    /// UNITS definitions.
    Units,
}

/// The children of a pair that carry content (keyword tokens are left out).
fn kids<'i>(p: Pair<'i, Rule>) -> impl Iterator<Item = Pair<'i, Rule>> {
    p.into_inner().filter(|c| !errors::is_keyword(c.as_rule()))
}
