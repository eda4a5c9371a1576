//! Checks the AST the parser builds for small, hand-checked inputs.

use gradmod_compiler::ast::*;
use gradmod_compiler::diag::{SourceFile, SourceMap};
use gradmod_compiler::parse::parse;

/// Parses `text`, panicking with the rendered diagnostics if there are any.
fn parse_ok(name: &str, text: &str) -> File {
    let mut map = SourceMap::new();
    let id = map.add(SourceFile::new(name, text));
    let (file, diags) = parse(&map, id);
    assert!(diags.is_empty(), "{}", diags.render(&map));
    file
}

#[test]
fn hh_parses_into_the_expected_items() {
    let text = include_str!("parse_extra/hh.mod");
    let file = parse_ok("hh.mod", text);
    let kinds: Vec<&str> = file
        .items
        .iter()
        .map(|i| match &i.kind {
            ItemKind::Title(_) => "TITLE",
            ItemKind::Units(_) => "UNITS",
            ItemKind::Neuron(_) => "NEURON",
            ItemKind::Parameter(_) => "PARAMETER",
            ItemKind::State(_) => "STATE",
            ItemKind::Assigned(_) => "ASSIGNED",
            ItemKind::Breakpoint(_) => "BREAKPOINT",
            ItemKind::Initial(_) => "INITIAL",
            ItemKind::Derivative(_) => "DERIVATIVE",
            ItemKind::Procedure(_) => "PROCEDURE",
            ItemKind::Function(_) => "FUNCTION",
            _ => "other",
        })
        .collect();
    assert_eq!(
        kinds,
        [
            "TITLE",
            "UNITS",
            "NEURON",
            "PARAMETER",
            "STATE",
            "ASSIGNED",
            "BREAKPOINT",
            "INITIAL",
            "DERIVATIVE",
            "PROCEDURE",
            "FUNCTION"
        ]
    );
    println!("{:#?}", file.items[2]);
}
