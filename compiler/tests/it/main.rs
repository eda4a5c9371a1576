//! The compiler's integration tests, one module per subject, gathered into one test binary so that
//! the crate graph is linked once rather than once per file. `common` and `sym_common` are the
//! helpers the modules share.

/// Asserts an insta snapshot kept in `compiler/tests/snapshots/` as `MODULE__NAME.snap`, MODULE
/// being the test module's name: the names the snapshots had when every module was a test binary
/// of its own, which the root package's tests also read (`back_rust__*.snap`). Without a name, the
/// name is the test function's, as with insta's own macro.
macro_rules! assert_snapshot {
    ($value:expr $(,)?) => {{
        fn f() {}
        let path = std::any::type_name_of_val(&f).trim_end_matches("::f");
        assert_snapshot!(path.rsplit("::").next().unwrap_or(path), $value)
    }};
    ($name:expr, $value:expr $(,)?) => {{
        let module = module_path!().rsplit("::").next().unwrap_or_default();
        let mut settings = insta::Settings::clone_current();
        settings.set_snapshot_path("../snapshots");
        settings.set_prepend_module_to_snapshot(false);
        settings.bind(|| insta::assert_snapshot!(format!("{module}__{}", $name), $value));
    }};
}

mod common;
mod sym_common;

mod audit;
mod back_arbor;
mod back_arbor_corpus;
mod back_rust;
mod lower_corpus;
mod lower_diagnostics;
mod lower_longitudinal;
mod lower_pointer;
mod lower_post_event;
mod lower_published;
mod lower_roundtrip;
mod lower_state_starts;
mod lower_verbatim;
mod lower_voltage_process;
mod parse_ast;
mod parse_corpus;
mod parse_diagnostics;
mod parse_regressions;
mod passes_conserve;
mod passes_implicit;
mod passes_loops;
mod passes_solvers;
mod passes_tangent;
mod source_text;
mod sym_diff_table;
mod sym_props;
mod sym_unit;
