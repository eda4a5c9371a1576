//! The end-to-end tests of the whole pipeline (parse, generate, simulate, compare), one module per
//! subject, gathered into one test binary so that the crate graph is linked once rather than once
//! per file. `models` holds what the modules share.

mod models;

mod before_after;
mod cnexp_nonlinear;
mod diffusion;
mod early_return;
mod events;

mod fit_cli;
mod fit_io;
mod for_netcons;
mod forward;
mod function_table;
mod gammastim;
mod generated_code;
mod gradients;
mod gradients_catalogue;
mod gradients_model_c;
mod hardening;
mod homeostasis_control;
mod homeostasis_observer;
mod homeostasis_run;
mod ion_writes;
mod library_functions;
mod longitudinal;
mod mod_files;
mod netcons;
mod newton_kinetic;
mod own_mechanisms;
mod post_event;
mod random_draws;
mod random_setseq;
mod recursion;
mod run_cli;
mod run_errors;
mod run_loops;
mod run_network;
mod run_order;
mod run_pointer;
mod run_pointer_write;
mod run_reference;
mod runge;
mod sentinel;
mod slope;
mod spiking;
mod tangent_specialised;
mod valence;
mod vecstim;
mod vm_corpus;
mod vm_equivalence;
mod voltage_process;
mod while_loops;
