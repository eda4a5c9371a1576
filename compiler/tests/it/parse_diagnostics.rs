//! Snapshots of the rendered parse errors of malformed inputs (`compiler/tests/malformed/`).
//!
//! Every error must name the file, line and column, show the line with a caret and say what was
//! expected. Update with `INSTA_UPDATE=always cargo test -p gradmod-compiler --test it
//! parse_diagnostics`, then review.

use gradmod_compiler::diag::{SourceFile, SourceMap};
use gradmod_compiler::parse::parse;

/// Parses `tests/malformed/<name>.mod` and renders its diagnostics.
fn render(name: &str) -> String {
    let path = format!("{}/tests/malformed/{name}.mod", env!("CARGO_MANIFEST_DIR"));
    let text = std::fs::read_to_string(&path).expect("malformed input exists");
    let mut map = SourceMap::new();
    let id = map.add(SourceFile::new(format!("{name}.mod"), text));
    let (_, diags) = parse(&map, id);
    assert!(diags.has_errors(), "{name}.mod parsed without errors");
    let rendered = diags.render(&map);
    // Every diagnostic names the file with a line and column.
    for d in &diags.0 {
        let (line, col) = map.get(id).line_col(d.span.start);
        let location = format!("{name}.mod:{line}:{col}");
        assert!(
            rendered.contains(&location),
            "{location} missing in\n{rendered}"
        );
    }
    rendered
}

macro_rules! snapshot_tests {
    ($($name:ident),* $(,)?) => {
        $(
            #[test]
            fn $name() {
                assert_snapshot!(stringify!($name), render(stringify!($name)));
            }
        )*
    };
}

snapshot_tests!(
    unclosed_block,
    bad_number,
    bad_exponent,
    missing_equals,
    stray_paren,
    unterminated_comment,
    second_derivative,
    useion_missing_names,
    useion_missing_ion,
    unknown_block,
    solve_missing_method,
    unclosed_params,
    missing_operand,
    if_without_parens,
    reaction_unclosed_rates,
    reaction_bad_arrow,
    unterminated_verbatim,
    unclosed_units,
    units_missing_equals,
    several_errors,
    statement_at_top_level,
    unterminated_string,
    huge_array_size,
    from_missing_bound,
    eof_in_block,
    errors_in_one_block,
    errors_in_declarations,
);

/// Several independent errors in one file are all reported, in order.
#[test]
fn recovery_reports_every_broken_block() {
    let text = std::fs::read_to_string(format!(
        "{}/tests/malformed/several_errors.mod",
        env!("CARGO_MANIFEST_DIR")
    ))
    .unwrap();
    let mut map = SourceMap::new();
    let id = map.add(SourceFile::new("several_errors.mod", text));
    let (file, diags) = parse(&map, id);
    let lines: Vec<usize> = diags
        .0
        .iter()
        .map(|d| map.get(id).line_col(d.span.start).0)
        .collect();
    assert_eq!(lines, [2, 5, 9]);
    // Every block is kept, without its broken lines.
    assert_eq!(file.items.len(), 4);
}

/// A broken statement does not hide the statements after it in the same block.
#[test]
fn recovery_inside_a_block_reports_each_broken_statement() {
    let text = std::fs::read_to_string(format!(
        "{}/tests/malformed/errors_in_one_block.mod",
        env!("CARGO_MANIFEST_DIR")
    ))
    .unwrap();
    let mut map = SourceMap::new();
    let id = map.add(SourceFile::new("errors_in_one_block.mod", text));
    let (file, diags) = parse(&map, id);
    let lines: Vec<usize> = diags
        .0
        .iter()
        .map(|d| map.get(id).line_col(d.span.start).0)
        .collect();
    assert_eq!(lines, [3, 5, 13]);
    // Both blocks are still there, with their good statements.
    assert_eq!(file.items.len(), 2);
    let gradmod_compiler::ast::ItemKind::Breakpoint(b) = &file.items[0].kind else {
        panic!("not BREAKPOINT");
    };
    assert_eq!(b.stmts.len(), 3, "SOLVE, il = ..., y = 2");
}

/// Broken lines of NEURON, PARAMETER and UNITS blocks are reported one by one, and the good
/// lines around them are kept.
#[test]
fn recovery_inside_declaration_blocks() {
    let text = std::fs::read_to_string(format!(
        "{}/tests/malformed/errors_in_declarations.mod",
        env!("CARGO_MANIFEST_DIR")
    ))
    .unwrap();
    let mut map = SourceMap::new();
    let id = map.add(SourceFile::new("errors_in_declarations.mod", text));
    let (file, diags) = parse(&map, id);
    let lines: Vec<usize> = diags
        .0
        .iter()
        .map(|d| map.get(id).line_col(d.span.start).0)
        .collect();
    assert_eq!(lines, [3, 4, 8, 10, 14]);
    use gradmod_compiler::ast::ItemKind;
    let sizes: Vec<usize> = file
        .items
        .iter()
        .map(|i| match &i.kind {
            ItemKind::Neuron(s) => s.len(),
            ItemKind::Parameter(d) => d.len(),
            ItemKind::Units(u) => u.len(),
            _ => 0,
        })
        .collect();
    // SUFFIX; e; (mA) = (milliamp).
    assert_eq!(sizes, [1, 1, 1]);
}
