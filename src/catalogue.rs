//! The built-in mechanism catalogue: every file of `mod_files/`, compiled to Rust by the build
//! script. `by_name("hh")` gives a new `hh`; `NAMES` lists them all; each mechanism's module holds
//! its generated struct (such as `hh::Hh`). The runtime knows no mechanism by name: this registry
//! (through [`crate::Library::builtin`]) is the only place that does.

gradmod_runtime::include_mechanisms!("catalogue");
