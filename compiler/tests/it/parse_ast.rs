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
    let text = include_str!("../parse_extra/hh.mod");
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

/// Renders an expression as an s-expression, to check its shape.
fn sexp(e: &Expr) -> String {
    match &e.kind {
        ExprKind::Number(n) => match &n.units {
            Some(u) => format!("{}({})", n.text, u.text),
            None => n.text.clone(),
        },
        ExprKind::Name(i) => i.name.clone(),
        ExprKind::Index { array, index } => format!("{}[{}]", array.name, sexp(index)),
        ExprKind::Call { func, args } => {
            let args: Vec<String> = args.iter().map(sexp).collect();
            format!("{}({})", func.name, args.join(", "))
        }
        ExprKind::String(s) => format!("{s:?}"),
        ExprKind::Unary { op, operand } => {
            let op = match op {
                UnaryOp::Neg => "-",
                UnaryOp::Not => "!",
                UnaryOp::Plus => "+",
            };
            format!("({op} {})", sexp(operand))
        }
        ExprKind::Binary { op, lhs, rhs } => {
            format!("({} {} {})", op.symbol(), sexp(lhs), sexp(rhs))
        }
    }
}

/// The right-hand side of the first statement of the first INITIAL block of `text`.
fn initial_rhs(text: &str) -> String {
    let file = parse_ok("e.mod", &format!("INITIAL {{\n{text}\n}}\n"));
    let ItemKind::Initial(block) = &file.items[0].kind else {
        panic!("not INITIAL");
    };
    match &block.stmts[0].kind {
        StmtKind::Assign { value, .. } => sexp(value),
        other => panic!("not an assignment: {other:?}"),
    }
}

#[test]
fn operator_precedence_follows_neuron() {
    assert_eq!(initial_rhs("x = -a^2"), "(- (^ a 2))");
    assert_eq!(initial_rhs("x = 2^-1"), "(^ 2 (- 1))");
    assert_eq!(initial_rhs("x = a^b^c"), "(^ a (^ b c))");
    assert_eq!(initial_rhs("x = a - b - c"), "(- (- a b) c)");
    assert_eq!(initial_rhs("x = a / b * c"), "(* (/ a b) c)");
    assert_eq!(initial_rhs("x = a + b * c"), "(+ a (* b c))");
    assert_eq!(initial_rhs("x = !a > b"), "(> (! a) b)");
    assert_eq!(initial_rhs("x = a || b && c"), "(|| a (&& b c))");
    assert_eq!(initial_rhs("x = a < b == c >= d"), "(>= (== (< a b) c) d)");
    assert_eq!(initial_rhs("x = a != b <= c"), "(<= (!= a b) c)");
    assert_eq!(initial_rhs("x = -(v- -38)"), "(- (- v (- 38)))");
}

#[test]
fn numbers_keep_units_and_values() {
    assert_eq!(initial_rhs("x = 0.1 (/ms) * v"), "(* 0.1(/ms) v)");
    assert_eq!(initial_rhs("x = (10 (degC))"), "10(degC)");
    assert_eq!(initial_rhs("x = 2 (1) * (1e-4)"), "(* 2(1) 1e-4)");
    assert_eq!(initial_rhs("x = .5e+2 + 3."), "(+ .5e+2 3.)");
    assert_eq!(
        initial_rhs("x = exprelr(a[i+1], \"s\")"),
        "exprelr(a[(+ i 1)], \"s\")"
    );
    let file = parse_ok("n.mod", "INITIAL { x = .5e+2 }");
    let ItemKind::Initial(b) = &file.items[0].kind else {
        panic!()
    };
    let StmtKind::Assign { value, .. } = &b.stmts[0].kind else {
        panic!()
    };
    let ExprKind::Number(n) = &value.kind else {
        panic!()
    };
    assert_eq!(n.value, 50.0);
}

#[test]
fn declarations_keep_values_units_and_limits() {
    let file = parse_ok(
        "d.mod",
        "DEFINE N 3\nPARAMETER {\n gnabar = .12 (S/cm2) <0,1e9>\n el = -54.3 (mV)\n celsius (degC)\n x[N]\n}\nSTATE { m FROM 0 TO 1 h <1e-4> n FROM 0 TO 1 (1) START 0.5 }\n",
    );
    let ItemKind::Define { name, value } = &file.items[0].kind else {
        panic!()
    };
    assert_eq!((name.name.as_str(), value.value), ("N", 3.0));
    let ItemKind::Parameter(decls) = &file.items[1].kind else {
        panic!()
    };
    assert_eq!(decls.len(), 4);
    assert_eq!(decls[0].value.as_ref().unwrap().value, 0.12);
    assert_eq!(decls[0].units.as_ref().unwrap().text, "S/cm2");
    let Some(Limits::Range(lo, hi)) = &decls[0].limits else {
        panic!()
    };
    assert_eq!((lo.value, hi.value), (0.0, 1e9));
    assert_eq!(decls[1].value.as_ref().unwrap().value, -54.3);
    assert_eq!(decls[1].value.as_ref().unwrap().text, "-54.3");
    assert!(decls[2].value.is_none());
    assert_eq!(decls[2].units.as_ref().unwrap().text, "degC");
    assert!(matches!(&decls[3].size, Some(ArraySize::Name(n)) if n.name == "N"));
    let ItemKind::State(states) = &file.items[2].kind else {
        panic!()
    };
    let (lo, hi) = states[0].from_to.as_ref().unwrap();
    assert_eq!((lo.value, hi.value), (0.0, 1.0));
    assert!(matches!(&states[1].limits, Some(Limits::Tolerance(t)) if t.value == 1e-4));
    assert!(states[2].from_to.is_some());
    assert_eq!(states[2].units.as_ref().unwrap().text, "1");
    assert_eq!(states[2].start.as_ref().unwrap().value, 0.5);
}

#[test]
fn neuron_and_units_blocks() {
    let file = parse_ok(
        "n.mod",
        "NEURON {\n SUFFIX cad\n USEION ca READ cai, ica WRITE cai VALENCE 2\n RANGE a b\n THREADSAFE\n}\nUNITS {\n (mV) = (millivolt)\n FARADAY = (faraday) (coulomb)\n R = (k-mole) (joule/degC)\n PI = (pi) (1)\n F2 = 96485.3 (coul)\n}\n",
    );
    let ItemKind::Neuron(stmts) = &file.items[0].kind else {
        panic!()
    };
    let NeuronKind::UseIon(ion) = &stmts[1].kind else {
        panic!()
    };
    assert_eq!(ion.ion.name, "ca");
    let read: Vec<&str> = ion.read.iter().map(|i| i.name.as_str()).collect();
    assert_eq!(read, ["cai", "ica"]);
    assert_eq!(ion.write[0].name, "cai");
    assert_eq!(ion.valence.as_ref().unwrap().value, 2.0);
    assert!(matches!(&stmts[2].kind, NeuronKind::Range(r) if r.len() == 2));
    assert!(matches!(&stmts[3].kind, NeuronKind::ThreadSafe(r) if r.is_empty()));
    let ItemKind::Units(defs) = &file.items[1].kind else {
        panic!()
    };
    assert!(
        matches!(&defs[0], UnitDef::Alias { name, definition, .. } if name.text == "mV" && definition.text == "millivolt")
    );
    assert!(
        matches!(&defs[2], UnitDef::Constant { name, value: UnitValue::Factor(f), units: Some(u), .. }
        if name.name == "R" && f.text == "k-mole" && u.text == "joule/degC")
    );
    assert!(
        matches!(&defs[4], UnitDef::Constant { value: UnitValue::Number(n), units: Some(u), .. }
        if n.value == 96485.3 && u.text == "coul")
    );
}

#[test]
fn kinetic_statements() {
    let file = parse_ok(
        "k.mod",
        "KINETIC kin {\n COMPARTMENT i, diam*vol[i] {ca B}\n ~ 2A + B[i] <-> C (kf, kb)\n ~ A -> B (k)\n ~ ca[0] << (-ica)\n CONSERVE A + C = 1\n ~ ca <-> (0, -ica)\n}\n",
    );
    let ItemKind::Kinetic(k) = &file.items[0].kind else {
        panic!()
    };
    assert_eq!(k.name.name, "kin");
    let s = &k.body.stmts;
    assert!(
        matches!(&s[0].kind, StmtKind::Compartment { index: Some(i), species, .. } if i.name == "i" && species.len() == 2)
    );
    let StmtKind::Reaction {
        lhs,
        arrow,
        rhs,
        forward,
        backward,
    } = &s[1].kind
    else {
        panic!()
    };
    assert_eq!((lhs[0].coeff, lhs[0].name.name.as_str()), (2, "A"));
    assert!(lhs[1].index.is_some());
    assert_eq!(
        (*arrow, rhs.len(), sexp(forward)),
        (Arrow::Reversible, 1, "kf".to_string())
    );
    assert_eq!(sexp(backward.as_ref().unwrap()), "kb");
    assert!(matches!(
        &s[2].kind,
        StmtKind::Reaction {
            arrow: Arrow::Forward,
            backward: None,
            ..
        }
    ));
    let StmtKind::Flux { species, flux } = &s[3].kind else {
        panic!()
    };
    assert_eq!(
        (species.name.name.as_str(), sexp(flux)),
        ("ca", "(- ica)".to_string())
    );
    assert!(matches!(&s[4].kind, StmtKind::Conserve { .. }));
    assert!(
        matches!(&s[5].kind, StmtKind::Reaction { lhs, rhs, .. } if lhs.len() == 1 && rhs.is_empty())
    );
}

#[test]
fn spans_point_at_the_source() {
    let text = "BREAKPOINT {\n  SOLVE states METHOD cnexp\n  ina = gna*(v - ena)\n}\n";
    let file = parse_ok("s.mod", text);
    let ItemKind::Breakpoint(b) = &file.items[0].kind else {
        panic!()
    };
    let StmtKind::Solve {
        block,
        method: Some(SolveMethod::Method(m)),
        ..
    } = &b.stmts[0].kind
    else {
        panic!()
    };
    let slice = |s: gradmod_compiler::diag::Span| &text[s.start as usize..s.end as usize];
    assert_eq!(slice(block.span), "states");
    assert_eq!(slice(m.span), "cnexp");
    assert_eq!(slice(b.stmts[1].span), "ina = gna*(v - ena)");
    assert_eq!(slice(file.items[0].span), text.trim_end());
}

#[test]
fn net_receive_with_nested_initial_and_verbatim() {
    let file = parse_ok(
        "n.mod",
        "NET_RECEIVE(w (uS), tsyn (ms)) {\n INITIAL { tsyn = t }\n net_send(0, 1)\n}\nVERBATIM\nstatic int x: 1;\nENDVERBATIM\n",
    );
    let ItemKind::NetReceive { params, body } = &file.items[0].kind else {
        panic!()
    };
    assert_eq!(params[0].units.as_ref().unwrap().text, "uS");
    assert!(matches!(&body.stmts[0].kind, StmtKind::Initial(b) if b.stmts.len() == 1));
    assert!(matches!(&body.stmts[1].kind, StmtKind::Call(_)));
    assert!(matches!(&file.items[1].kind, ItemKind::Verbatim(t) if t.contains("static int x: 1;")));
}

#[test]
fn includes_are_spliced_relative_to_the_includer() {
    use gradmod_compiler::parse::parse_with_includes;
    let mut map = SourceMap::new();
    let id = map.add(SourceFile::new(
        "dir/main.mod",
        "INCLUDE \"inc.mod\"\nNEURON { SUFFIX x }\n",
    ));
    let mut calls = Vec::new();
    let mut load = |path: &str, includer: &str| {
        calls.push((path.to_string(), includer.to_string()));
        Ok(SourceFile::new("dir/inc.mod", "PARAMETER { a = 1 }\n"))
    };
    let (file, diags) = parse_with_includes(&mut map, id, &mut load);
    assert!(diags.is_empty(), "{}", diags.render(&map));
    assert_eq!(calls, [("inc.mod".to_string(), "dir/main.mod".to_string())]);
    assert!(matches!(&file.items[0].kind, ItemKind::Parameter(d) if d[0].name.name == "a"));
    assert_ne!(file.items[0].span.file, id);
    assert!(matches!(&file.items[1].kind, ItemKind::Neuron(_)));
}

#[test]
fn byte_order_mark_and_crlf_line_ends_are_white_space() {
    let file = parse_ok(
        "w.mod",
        "\u{FEFF}TITLE crlf file\r\nNEURON {\r\n  SUFFIX w : c\r\n}\r\nPARAMETER { g = 1 (S/cm2) }",
    );
    assert!(matches!(&file.items[0].kind, ItemKind::Title(t) if t == "crlf file"));
    assert_eq!(file.items.len(), 3);
}

/// The names of the statement kinds in `block`, nested blocks included, in source order.
fn stmt_kinds(block: &Block, out: &mut Vec<&'static str>) {
    for s in &block.stmts {
        out.push(match &s.kind {
            StmtKind::Local(_) => "Local",
            StmtKind::Assign { .. } => "Assign",
            StmtKind::Ode { .. } => "Ode",
            StmtKind::Call(_) => "Call",
            StmtKind::If { .. } => "If",
            StmtKind::While { .. } => "While",
            StmtKind::From { .. } => "From",
            StmtKind::Solve { .. } => "Solve",
            StmtKind::Table { .. } => "Table",
            StmtKind::Reaction { .. } => "Reaction",
            StmtKind::Flux { .. } => "Flux",
            StmtKind::Equation { .. } => "Equation",
            StmtKind::Conserve { .. } => "Conserve",
            StmtKind::Compartment { .. } => "Compartment",
            StmtKind::LongitudinalDiffusion { .. } => "LongitudinalDiffusion",
            StmtKind::Watch(_) => "Watch",
            StmtKind::ForNetcons { .. } => "ForNetcons",
            StmtKind::Verbatim(_) => "Verbatim",
            StmtKind::MutexLock => "MutexLock",
            StmtKind::MutexUnlock => "MutexUnlock",
            StmtKind::Protect(_) => "Protect",
            StmtKind::Lag { .. } => "Lag",
            StmtKind::Conductance { .. } => "Conductance",
            StmtKind::Initial(_) => "Initial",
            StmtKind::Block(_) => "Block",
        });
        match &s.kind {
            StmtKind::If {
                then, otherwise, ..
            } => {
                stmt_kinds(then, out);
                if let Some(o) = otherwise {
                    stmt_kinds(o, out);
                }
            }
            StmtKind::While { body, .. }
            | StmtKind::From { body, .. }
            | StmtKind::ForNetcons { body, .. }
            | StmtKind::Initial(body)
            | StmtKind::Block(body) => stmt_kinds(body, out),
            StmtKind::Solve {
                if_error: Some(b), ..
            } => stmt_kinds(b, out),
            _ => {}
        }
    }
}

/// Parses a file of `parse_extra/` and lists its item kinds and statement kinds.
fn extra(name: &str) -> (File, Vec<&'static str>) {
    let path = format!("{}/tests/parse_extra/{name}", env!("CARGO_MANIFEST_DIR"));
    let file = parse_ok(name, &std::fs::read_to_string(path).unwrap());
    let mut kinds = Vec::new();
    for item in &file.items {
        match &item.kind {
            ItemKind::Initial(b)
            | ItemKind::Breakpoint(b)
            | ItemKind::Constructor(b)
            | ItemKind::Destructor(b)
            | ItemKind::Before { body: b, .. }
            | ItemKind::After { body: b, .. }
            | ItemKind::NetReceive { body: b, .. }
            | ItemKind::PostEvent { body: b, .. } => stmt_kinds(b, &mut kinds),
            ItemKind::Derivative(n)
            | ItemKind::Kinetic(n)
            | ItemKind::Linear(n)
            | ItemKind::NonLinear(n) => stmt_kinds(&n.body, &mut kinds),
            ItemKind::Procedure(c) | ItemKind::Function(c) => stmt_kinds(&c.body, &mut kinds),
            _ => {}
        }
    }
    (file, kinds)
}

#[test]
fn every_statement_kind_appears_in_the_hard_syntax_files() {
    let mut all = Vec::new();
    for name in [
        "misc_syntax.mod",
        "prob_ampa_nmda.mod",
        "cadifus.mod",
        "na_markov.mod",
        "vecstim_pointer.mod",
        "kdr_table.mod",
        "exp2syn_nested.mod",
    ] {
        all.extend(extra(name).1);
    }
    for kind in [
        "Local",
        "Assign",
        "Ode",
        "Call",
        "If",
        "While",
        "From",
        "Solve",
        "Table",
        "Reaction",
        "Flux",
        "Equation",
        "Conserve",
        "Compartment",
        "LongitudinalDiffusion",
        "Watch",
        "ForNetcons",
        "Verbatim",
        "MutexLock",
        "MutexUnlock",
        "Protect",
        "Lag",
        "Conductance",
        "Initial",
        "Block",
    ] {
        assert!(all.contains(&kind), "no {kind} statement parsed");
    }
}

#[test]
fn unsupported_constructs_are_kept_for_lowering_to_reject() {
    let (file, kinds) = extra("vecstim_pointer.mod");
    let mut pointer = None;
    let mut bbcore = None;
    for item in &file.items {
        if let ItemKind::Neuron(stmts) = &item.kind {
            for s in stmts {
                match &s.kind {
                    NeuronKind::Pointer(names) => pointer = Some(names[0].name.clone()),
                    NeuronKind::BbcorePointer(names) => bbcore = Some(names[0].name.clone()),
                    _ => {}
                }
            }
        }
    }
    assert_eq!(pointer.as_deref(), Some("ptr"));
    assert_eq!(bbcore.as_deref(), Some("bbptr"));
    assert!(
        file.items
            .iter()
            .any(|i| matches!(&i.kind, ItemKind::Verbatim(t) if t.contains("vector_vec")))
    );
    assert!(file.items.iter().any(|i| matches!(&i.kind, ItemKind::Constructor(b) if matches!(&b.stmts[0].kind, StmtKind::Verbatim(_)))));
    assert!(
        file.items
            .iter()
            .any(|i| matches!(&i.kind, ItemKind::Destructor(_)))
    );
    assert!(kinds.contains(&"Verbatim"));

    let (file, _) = extra("kdr_table.mod");
    let table = file.items.iter().find_map(|i| match &i.kind {
        ItemKind::FunctionTable {
            name,
            params,
            units,
        } => Some((name, params, units)),
        _ => None,
    });
    let (name, params, units) = table.expect("FUNCTION_TABLE");
    assert_eq!(name.name, "tauTable");
    assert_eq!(params[0].units.as_ref().unwrap().text, "mV");
    assert_eq!(units.as_ref().unwrap().text, "ms");
    assert!(file.items.iter().any(|i| matches!(&i.kind, ItemKind::Independent(d) if d[0].name.name == "t" && d[0].range.is_some())));
}

#[test]
fn arbor_dialect_items() {
    let (file, _) = extra("arbor_dialect.mod");
    assert!(
        file.items
            .iter()
            .any(|i| matches!(&i.kind, ItemKind::WhiteNoise(d) if d.len() == 2))
    );
    assert!(file.items.iter().any(
        |i| matches!(&i.kind, ItemKind::PostEvent { params, .. } if params[0].name.name == "time")
    ));
    let ion = file.items.iter().find_map(|i| match &i.kind {
        ItemKind::Neuron(stmts) => stmts.iter().find_map(|s| match &s.kind {
            NeuronKind::UseIon(u) => Some(u.clone()),
            _ => None,
        }),
        _ => None,
    });
    let ion = ion.expect("USEION");
    assert_eq!(ion.represents.as_deref(), Some("CHEBI:29101"));
    assert_eq!(ion.valence.unwrap().value, 1.0);
}

#[test]
fn table_solve_and_watch_details() {
    let file = parse_ok(
        "t.mod",
        "PROCEDURE r(v) {\n TABLE a, b DEPEND c, d FROM vmin TO vmax*2 WITH 199\n}\nINITIAL {\n SOLVE s STEADYSTATE sparse IFERROR { x = 1 }\n}\nNET_RECEIVE(w) {\n WATCH (v > -20 (mV)) 2, (v < 0) 3\n}\n",
    );
    let ItemKind::Procedure(p) = &file.items[0].kind else {
        panic!()
    };
    let StmtKind::Table {
        names,
        depend,
        from,
        to,
        with,
    } = &p.body.stmts[0].kind
    else {
        panic!()
    };
    assert_eq!((names.len(), depend.len()), (2, 2));
    assert_eq!(
        (sexp(from), sexp(to), sexp(with)),
        ("vmin".into(), "(* vmax 2)".into(), "199".into())
    );
    let ItemKind::Initial(b) = &file.items[1].kind else {
        panic!()
    };
    let StmtKind::Solve {
        method: Some(SolveMethod::SteadyState(m)),
        if_error: Some(e),
        ..
    } = &b.stmts[0].kind
    else {
        panic!()
    };
    assert_eq!((m.name.as_str(), e.stmts.len()), ("sparse", 1));
    let ItemKind::NetReceive { body, .. } = &file.items[2].kind else {
        panic!()
    };
    let StmtKind::Watch(ws) = &body.stmts[0].kind else {
        panic!()
    };
    assert_eq!(ws.len(), 2);
    assert_eq!(sexp(&ws[0].cond), "(> v (- 20(mV)))");
    assert_eq!(sexp(ws[1].flag.as_ref().unwrap()), "3");
}

#[test]
fn include_cycles_and_missing_files_are_reported_at_the_include() {
    use gradmod_compiler::parse::parse_with_includes;
    let mut map = SourceMap::new();
    let id = map.add(SourceFile::new(
        "a.mod",
        "INCLUDE \"b.mod\"\nINCLUDE \"gone.mod\"\n",
    ));
    let mut load = |path: &str, _includer: &str| match path {
        "b.mod" => Ok(SourceFile::new("b.mod", "INCLUDE \"a.mod\"\nSTATE { m }\n")),
        "a.mod" => Ok(SourceFile::new("a.mod", "INCLUDE \"b.mod\"\n")),
        _ => Err("no such file".to_string()),
    };
    let (file, diags) = parse_with_includes(&mut map, id, &mut load);
    let messages: Vec<&str> = diags.0.iter().map(|d| d.message.as_str()).collect();
    assert_eq!(
        messages,
        [
            "INCLUDE cycle through \"a.mod\"",
            "cannot INCLUDE \"gone.mod\": no such file"
        ]
    );
    // The cycle is reported where b.mod includes a.mod; the STATE block of b.mod is kept.
    assert_eq!(map.location(diags.0[0].span), "b.mod:1:1");
    assert_eq!(map.location(diags.0[1].span), "a.mod:2:1");
    assert!(matches!(&file.items[0].kind, ItemKind::State(_)));
}

#[test]
fn keywords_are_case_sensitive_and_names_may_contain_digits_and_underscores() {
    let file = parse_ok(
        "c.mod",
        "NEURON { SUFFIX _na2_t }\nPARAMETER { if2 = 1 FROMx = 2 neuron = 3 }\n",
    );
    let ItemKind::Parameter(decls) = &file.items[1].kind else {
        panic!()
    };
    let names: Vec<&str> = decls.iter().map(|d| d.name.name.as_str()).collect();
    assert_eq!(names, ["if2", "FROMx", "neuron"]);
    for text in [
        "neuron { SUFFIX x }",
        "NEURON { suffix x }",
        "BreakPoint { }",
    ] {
        let mut map = SourceMap::new();
        let id = map.add(SourceFile::new("c.mod", text));
        assert!(parse(&map, id).1.has_errors(), "{text} parsed");
    }
}

#[test]
fn upper_case_if_else_and_while_are_the_keywords_as_in_neuron() {
    // NEURON's lexer reads `IF`, `ELSE` and `WHILE` as `if`, `else` and `while` (35 published
    // files write them so), and no other keyword in another case: `If` stays a name.
    let body = |k: [&str; 3]| {
        format!(
            "NEURON {{ SUFFIX u }}\nASSIGNED {{ x }}\nINITIAL {{\n {} (x > 1) {{ x = 1 }} {} {} (x < 0) {{ x = 0 }} {} {{ x = 2 }}\n {} (x < 0) {{ x = x + 1 }}\n}}\n",
            k[0], k[1], k[0], k[1], k[2]
        )
    };
    let lower = |text: &str| {
        let front = gradmod_compiler::driver::load_source("u.mod", text);
        let m = front
            .module
            .unwrap_or_else(|| panic!("{}", front.diags.render(&front.sources)));
        gradmod_compiler::back::nmodl::print_module(&m)
    };
    let upper = lower(&body(["IF", "ELSE", "WHILE"]));
    assert_eq!(upper, lower(&body(["if", "else", "while"])));
    assert_eq!(upper, lower(&body(["IF", "else", "while"])));
    assert!(
        upper.contains("if (x > 1)") && upper.contains("while (x < 0)"),
        "{upper}"
    );
    // They are reserved words in upper case too; names that merely start with them are not.
    let file = parse_ok("c.mod", "PARAMETER { IFx = 1 ELSEy = 2 WHILE_ = 3 }\n");
    let ItemKind::Parameter(decls) = &file.items[0].kind else {
        panic!()
    };
    let names: Vec<&str> = decls.iter().map(|d| d.name.name.as_str()).collect();
    assert_eq!(names, ["IFx", "ELSEy", "WHILE_"]);
    for text in [
        "PARAMETER { IF = 1 }",
        "PARAMETER { ELSE = 1 }",
        "INITIAL { If (1) { } }",
        "INITIAL { if (1) { } Else { } }",
    ] {
        let front = gradmod_compiler::driver::load_source("c.mod", text);
        assert!(front.diags.has_errors(), "{text} accepted");
    }
}

#[test]
fn neuron9_represents_statements_are_kept_and_lower() {
    // NEURON 9's own hh.mod names the mechanism's channels with ontology terms, both as NEURON
    // statements of their own and at the end of USEION.
    let text = "NEURON {\n SUFFIX chan\n REPRESENTS NCIT:C17145 : sodium channel\n \
                REPRESENTS NCIT:C17008\n USEION na READ ena WRITE ina REPRESENTS CHEBI:29101\n \
                RANGE g\n}\nPARAMETER { g = 0.1 (S/cm2) }\nASSIGNED { v (mV) ena (mV) ina (mA/cm2) }\n\
                BREAKPOINT {\n CONDUCTANCE g USEION na\n ina = g*(v - ena)\n}\n";
    let file = parse_ok("chan.mod", text);
    let stmts = file
        .items
        .iter()
        .find_map(|i| match &i.kind {
            ItemKind::Neuron(stmts) => Some(stmts),
            _ => None,
        })
        .expect("NEURON block");
    let terms: Vec<&str> = stmts
        .iter()
        .filter_map(|s| match &s.kind {
            NeuronKind::Represents(t) => Some(t.as_str()),
            _ => None,
        })
        .collect();
    assert_eq!(terms, ["NCIT:C17145", "NCIT:C17008"]);
    let ion = stmts.iter().find_map(|s| match &s.kind {
        NeuronKind::UseIon(u) => Some(u),
        _ => None,
    });
    assert_eq!(ion.unwrap().represents.as_deref(), Some("CHEBI:29101"));
    let front = gradmod_compiler::driver::load_source("chan.mod", text);
    assert!(front.module.is_some(), "{}", front.render());
}
