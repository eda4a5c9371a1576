//! The tangent kernels (docs/DESIGN.md, steps 1'-3'), from the module's [`TangentMaps`]:
//! `init_tangent`, `currents_tangent`, the fused `states_tangent` (it also advances the states)
//! and `net_receive_tangent`.
//!
//! Each runs its tangent block once per instance: the primal part (rates, exponentials) once,
//! outside the loop over directions k, and the tangent part once per direction, reading the
//! input tangents (S_k for v, σ_k for states, the seed for parameters, the runtime's ion
//! tangents, d(weight), the stored tangents of carried ASSIGNED variables) and writing the
//! output tangents.
//!
//! [`TangentMaps`]: crate::ir::TangentMaps

use std::collections::{HashMap, HashSet};

use super::body::{KernelWriter, Output};
use super::exec::{Env, Exec, Solves};
use super::layout::ion_binding;
use super::primal::{arg_stores, current_sinks, event_load, initial_env, merge, stores};
use super::{Body, Sink, Source};
use crate::ir::{
    BaPoint, BinOp, BlockId, Builtin, ExprId, IonRole, StmtKind, TangentMaps, VarId, VarKind,
};
use crate::sym::substitute_zeros;

/// Writes the tangent kernels of one module.
pub struct TangentWriter<'a> {
    kw: &'a KernelWriter<'a>,
    maps: &'a TangentMaps,
    /// The tangent variable of each primal input or output.
    tangent_of: HashMap<VarId, VarId>,
    /// The parameters that get seeds; the others are constants to the tangent kernels.
    seeded: HashSet<VarId>,
    /// Whether the kernel being written is INITIAL's, where carried parameters read their seeds.
    in_init: std::cell::Cell<bool>,
}

impl<'a> TangentWriter<'a> {
    /// A writer for `maps`, seeding the parameters in `seeded`.
    pub fn new(kw: &'a KernelWriter<'a>, maps: &'a TangentMaps, seeded: HashSet<VarId>) -> Self {
        let tangent_of = maps
            .inputs
            .iter()
            .chain(&maps.outputs)
            .map(|&(p, t)| (p, t))
            .collect();
        TangentWriter {
            kw,
            maps,
            tangent_of,
            seeded,
            in_init: std::cell::Cell::new(false),
        }
    }

    fn is_tangent(&self, v: VarId) -> bool {
        matches!(self.kw.m.var(v).kind, VarKind::Tangent(_))
    }

    /// How an input tangent is read in direction k, for instance j at CV cv.
    fn load(&self, v: VarId) -> Option<Source> {
        let m = self.kw.m;
        if let Some(from) = event_load(m, v) {
            return Some(from);
        }
        let VarKind::Tangent(p) = m.var(v).kind else {
            return None;
        };
        // A diffusive concentration kept as a state: the runtime diffuses its tangent in the
        // ion's column between steps, so it is read from there.
        if m.var(p).kind == VarKind::State
            && let Some((ion, IonRole::ConcDiff, true, _)) = ion_binding(m, p)
        {
            return Some(Source::TanIon(ion, IonRole::ConcDiff));
        }
        Some(match m.var(p).kind {
            VarKind::Builtin(Builtin::V) => Source::TanV,
            VarKind::State => Source::Sigma(self.kw.layout.state_position(p).unwrap_or(0)),
            // The runtime writes a pointer's tangent into its row of σ.
            VarKind::Assigned if m.pointers.contains(&p) => {
                Source::Sigma(self.kw.layout.state_position(p).unwrap_or(0))
            }
            VarKind::Assigned if self.maps.carried.contains(&p) => Source::Carried(self.carried(p)),
            // A parameter some block assigns: its seed on entry to INITIAL, then what the blocks
            // leave.
            VarKind::Parameter if self.maps.carried.contains(&p) && !self.in_init.get() => {
                Source::Carried(self.carried(p))
            }
            VarKind::Parameter if self.seeded.contains(&p) => {
                Source::Seed(self.kw.layout.field_of[&p])
            }
            VarKind::Ion { ion, role } if role != IonRole::Conductance => {
                Source::TanIon(ion.index(), role)
            }
            VarKind::Local => match event_load(m, p) {
                Some(Source::Arg(i)) => Source::TanArg(i),
                _ => Source::Const(0.0),
            },
            _ => Source::Const(0.0),
        })
    }

    /// The position of carried variable `p` among the carried tangents.
    fn carried(&self, p: VarId) -> usize {
        self.maps.carried.iter().position(|&c| c == p).unwrap_or(0)
    }

    /// The stores of the tangents of the carried ASSIGNED variables that `block` assigns.
    fn carried_stores(&self, ex: &mut Exec, env: &Env, block: BlockId) -> Vec<Output> {
        let m = self.kw.m;
        let assigned = |t: VarId| {
            m.block(block)
                .body
                .iter()
                .any(|s| matches!(s.kind, StmtKind::Assign { var, .. } if var == t))
        };
        let mut out: Vec<Output> = Vec::new();
        for &c in &self.maps.carried {
            let Some(&t) = self.tangent_of.get(&c) else {
                continue;
            };
            // INITIAL stores a carried parameter's tangent even when it leaves it as seeded.
            let initial_parameter = self.in_init.get() && m.var(c).kind == VarKind::Parameter;
            if !assigned(t) && !initial_parameter {
                continue;
            }
            let x = env.get(&mut ex.ar, t);
            out.push((x, true, Sink::Carried(self.carried(c))));
        }
        out
    }

    /// The body of a tangent block run from `env`, with `outputs` built from the final
    /// environment by `sinks`.
    fn body(
        &self,
        ex: &mut Exec,
        block: BlockId,
        mut env: Env,
        sinks: &dyn Fn(&mut Exec, &Env, &mut Body, bool) -> Vec<Output>,
    ) -> Body {
        let m = self.kw.m;
        let seq = ex.run_block(&m.block(block).body, &mut env, Solves::Inline);
        let mut flags = Body::default();
        let outputs = sinks(ex, &env, &mut flags, seq.is_some());
        let load = |v: VarId| self.load(v);
        // The tangent inputs read as parameter seeds in this kernel.
        let seeds: HashSet<VarId> = m
            .var_ids()
            .filter(|&v| self.is_tangent(v) && matches!(self.load(v), Some(Source::Seed(_))))
            .collect();
        let tangent = |v: VarId| self.is_tangent(v);
        // A sequential body has no part without seeds: it runs whole for every direction.
        let body = match seq {
            Some(seq) => self.kw.body_seq(&mut ex.ar, seq, outputs, &load, &tangent),
            None => self.kw.body(&mut ex.ar, outputs, &load, &tangent, &seeds),
        };
        merge(body, flags)
    }

    /// The σ stores of every state tangent output.
    fn sigma_stores(&self, ex: &mut Exec, env: &Env, flags: &mut Body) -> Vec<Output> {
        let mut out: Vec<Output> = Vec::new();
        // A pointer's row of σ is the runtime's to write.
        for &s in &self.kw.layout.states {
            if self.kw.m.pointers.contains(&s) {
                continue;
            }
            let Some(&t) = self.tangent_of.get(&s) else {
                continue;
            };
            let x = env.get(&mut ex.ar, t);
            let pos = self.kw.layout.state_position(s).unwrap_or(0);
            match ion_binding(self.kw.m, s) {
                Some((ion, role, _, true)) => {
                    flags.ion_slots.insert(ion);
                    out.push((x, true, Sink::SigmaAndTanIon(pos, ion, role)));
                }
                _ => out.push((x, true, Sink::Sigma(pos))),
            }
        }
        out
    }

    /// The σ stores of the POINTERs `block` writes (NET_RECEIVE, BEFORE, AFTER): the runtime copies the
    /// value and this tangent into what the pointer is bound to after the call.
    fn pointer_stores(&self, ex: &mut Exec, env: &Env, block: BlockId) -> Vec<Output> {
        let m = self.kw.m;
        let mut out: Vec<Output> = Vec::new();
        for &p in &m.pointers {
            let Some(&t) = self.tangent_of.get(&p) else {
                continue;
            };
            let assigned = m
                .block(block)
                .body
                .iter()
                .any(|s| matches!(s.kind, StmtKind::Assign { var, .. } if var == t));
            if !assigned {
                continue;
            }
            let x = env.get(&mut ex.ar, t);
            let pos = self.kw.layout.state_position(p).unwrap_or(0);
            out.push((x, true, Sink::Sigma(pos)));
        }
        out
    }

    /// Stores of the tangents of concentrations written (not states).
    fn conc_stores(&self, ex: &mut Exec, env: &Env, flags: &mut Body) -> Vec<Output> {
        let m = self.kw.m;
        let mut out: Vec<Output> = Vec::new();
        for &(p, t) in &self.maps.outputs {
            if let VarKind::Ion {
                ion,
                role: role @ (IonRole::ConcIn | IonRole::ConcOut | IonRole::ConcDiff),
            } = m.var(p).kind
            {
                flags.uses_cv = true;
                flags.ion_slots.insert(ion.index());
                let x = env.get(&mut ex.ar, t);
                out.push((x, true, Sink::TanIon(ion.index(), role)));
            }
        }
        out
    }

    /// Stores of the tangents of the ion variables of `role` the block changes: reversal
    /// potentials (Arbor's `write_eX` sets `ex` in INITIAL and BREAKPOINT), which the mechanisms
    /// after it read, and diffusive concentrations (Arbor's `Xd`) that BREAKPOINT changes outside
    /// its SOLVE, as Arbor's injection mechanisms do.
    fn ion_stores(&self, ex: &mut Exec, env: &Env, flags: &mut Body, role: IonRole) -> Vec<Output> {
        let m = self.kw.m;
        let mut out: Vec<Output> = Vec::new();
        for &(p, t) in &self.maps.outputs {
            if let VarKind::Ion { ion, role: r } = m.var(p).kind
                && r == role
            {
                let x = env.get(&mut ex.ar, t);
                if x == ex.ar.var(t) {
                    continue;
                }
                flags.uses_cv = true;
                flags.ion_slots.insert(ion.index());
                out.push((x, true, Sink::TanIon(ion.index(), role)));
            }
        }
        out
    }

    /// `init_tangent`; `None` when INITIAL has no tangent map, so that σ and the carried
    /// tangents are zeroed.
    pub fn init(&self, ex: &mut Exec) -> Option<Body> {
        let block = self.maps.init?;
        let mut env = initial_env(self.kw.m, ex);
        // States start from constants: their tangents start at zero.
        for s in &self.kw.layout.states {
            if self.kw.m.pointers.contains(s) {
                continue;
            }
            if let Some(&t) = self.tangent_of.get(s) {
                let zero = ex.ar.num(0.0);
                env.values.insert(t, zero);
            }
        }
        self.in_init.set(true);
        let body = self.body(ex, block, env, &|ex, env, flags, _| {
            let mut out = self.sigma_stores(ex, env, flags);
            out.extend(self.conc_stores(ex, env, flags));
            out.extend(self.ion_stores(ex, env, flags, IonRole::Reversal));
            out.extend(self.carried_stores(ex, env, block));
            out
        });
        self.in_init.set(false);
        Some(body)
    }

    /// The values of `env` that are not tangents: what the primal kernel computes.
    fn primal(&self, env: &Env) -> Env {
        Env {
            values: env
                .values
                .iter()
                .filter(|(v, _)| !self.is_tangent(**v))
                .map(|(&v, &e)| (v, e))
                .collect(),
        }
    }

    /// `currents_tangent`, and whether it is fused: whether it also does what `currents` does
    /// (its stores and the accumulation of the currents and conductances), which the runtime then
    /// skips. A sequential body runs whole for every direction, so it would accumulate the
    /// currents once per direction: it is not fused.
    pub fn currents(&self, ex: &mut Exec) -> (Body, bool) {
        let Some(block) = self.maps.current else {
            return (Body::default(), false);
        };
        let fused = std::cell::Cell::new(false);
        let body = self.body(ex, block, Env::default(), &|ex, env, flags, sequential| {
            let mut out = Vec::new();
            if !sequential {
                let primal = self.primal(env);
                out = stores(self.kw, &mut ex.ar, &primal, flags);
                out.extend(current_sinks(
                    self.kw,
                    &mut ex.ar,
                    flags,
                    false,
                    &mut |ar, c| Some(primal.get(ar, c)),
                ));
                fused.set(true);
            }
            let tangents = current_sinks(self.kw, &mut ex.ar, flags, true, &mut |ar, c| {
                self.tangent_of.get(&c).map(|&t| env.get(ar, t))
            });
            out.extend(self.without_conductance_term(ex, env, tangents, sequential));
            out.extend(self.ion_stores(ex, env, flags, IonRole::ConcDiff));
            out.extend(self.ion_stores(ex, env, flags, IonRole::Reversal));
            out.extend(self.carried_stores(ex, env, block));
            out
        });
        (body, fused.get())
    }

    /// The membrane current tangents of `outputs` without their conductance term g S_k, which
    /// the runtime accounts for once per CV for all mechanisms together (`G S_k`, G the summed
    /// conductance, part of the matrix of its tangent step; docs/DESIGN.md, step 2'). With the symbolic slope g is the coefficient of
    /// S_k in the current's tangent (both are dI/dv through the same BREAKPOINT), so the term is
    /// left out by taking the tangent at S_k = 0; a sequential body, whose tangents are computed
    /// statement by statement, and NEURON's slope (a finite difference, not the coefficient)
    /// subtract g S_k instead. Ion current tangents keep the term: the mechanisms that read the
    /// ion current read all of it. An accumulation of zero is left out.
    fn without_conductance_term(
        &self,
        ex: &mut Exec,
        env: &Env,
        outputs: Vec<Output>,
        sequential: bool,
    ) -> Vec<Output> {
        let m = self.kw.m;
        let Some(s) = m
            .builtin(Builtin::V)
            .and_then(|v| self.tangent_of.get(&v).copied())
        else {
            // The currents do not read v: their slopes are zero.
            return outputs;
        };
        let zero = ex.ar.num(0.0);
        let by_zeroing = !sequential && m.slope == crate::ir::Slope::Symbolic;
        let mut out = Vec::with_capacity(outputs.len());
        for (root, in_loop, sink) in outputs {
            let Sink::Current {
                tangent: true,
                negate,
            } = sink
            else {
                out.push((root, in_loop, sink));
                continue;
            };
            let root = if by_zeroing {
                substitute_zeros(&mut ex.ar, &[root], &HashSet::from([s]))[0]
            } else {
                // The conductances summed into the same accumulator as these currents: an
                // ELECTRODE_CURRENT's nonspecific ones are subtracted, ion currents never are.
                let mut g: Option<ExprId> = None;
                for &(c, gv) in &m.conductances {
                    let is_ion = matches!(
                        m.var(c).kind,
                        VarKind::Ion {
                            role: IonRole::Current,
                            ..
                        }
                    );
                    if (m.electrode_current && !is_ion) != negate {
                        continue;
                    }
                    let x = env.get(&mut ex.ar, gv);
                    g = Some(match g {
                        None => x,
                        Some(sum) => ex.ar.binary(BinOp::Add, sum, x),
                    });
                }
                match g {
                    Some(g) => {
                        let sv = ex.ar.var(s);
                        let gs = ex.ar.binary(BinOp::Mul, g, sv);
                        ex.ar.binary(BinOp::Sub, root, gs)
                    }
                    None => root,
                }
            };
            if root != zero {
                out.push((root, in_loop, sink));
            }
        }
        out
    }

    /// `states_tangent`, fused: it advances the states as `states` does and their tangents.
    pub fn states(&self, ex: &mut Exec) -> Body {
        let Some(block) = self.maps.state else {
            return Body::default();
        };
        self.body(ex, block, Env::default(), &|ex, env, flags, _| {
            let primal = self.primal(env);
            let mut out = stores(self.kw, &mut ex.ar, &primal, flags);
            out.extend(self.sigma_stores(ex, env, flags));
            out.extend(self.conc_stores(ex, env, flags));
            out.extend(self.carried_stores(ex, env, block));
            out
        })
    }

    /// The tangent of each BEFORE or AFTER block, for one instance, fused: it runs the block
    /// (its stores are the primal kernel's) and stores the tangents of the states, carried
    /// variables, concentrations and POINTERs it sets.
    pub fn ba(&self, ex: &mut Exec) -> Vec<(BaPoint, Body)> {
        let mut out = Vec::new();
        for &(point, block) in &self.maps.ba {
            let body = self.body(ex, block, Env::default(), &|ex, env, flags, _| {
                let primal = self.primal(env);
                let mut out = stores(self.kw, &mut ex.ar, &primal, flags);
                out.extend(self.sigma_stores(ex, env, flags));
                out.extend(self.pointer_stores(ex, env, block));
                out.extend(self.conc_stores(ex, env, flags));
                out.extend(self.carried_stores(ex, env, block));
                out
            });
            out.push((point, body));
        }
        out
    }

    /// `net_receive_tangent` for one instance, if the module has NET_RECEIVE.
    pub fn net_receive(&self, ex: &mut Exec) -> Option<Body> {
        let block = self.maps.net_receive?;
        self.kw.m.net_receive.as_ref()?;
        Some(self.event_body(ex, block))
    }

    /// `net_init_tangent` for one connection, if NET_RECEIVE has a nested INITIAL.
    pub fn net_init(&self, ex: &mut Exec) -> Option<Body> {
        let block = self.maps.net_init?;
        Some(self.event_body(ex, block))
    }

    /// `for_netcons_tangent` for one connection, if NET_RECEIVE has a FOR_NETCONS.
    pub fn for_netcons(&self, ex: &mut Exec) -> Option<Body> {
        let block = self.maps.for_netcons?;
        Some(self.event_body(ex, block))
    }

    /// The tangent of a block run for one event (or connection): σ, the carried tangents and
    /// the tangents of the connection's values it changes.
    fn event_body(&self, ex: &mut Exec, block: BlockId) -> Body {
        self.body(ex, block, Env::default(), &|ex, env, flags, _| {
            let mut out = self.sigma_stores(ex, env, flags);
            out.extend(self.pointer_stores(ex, env, block));
            out.extend(self.carried_stores(ex, env, block));
            out.extend(arg_stores(self.kw.m, &mut ex.ar, env, true));
            out
        })
    }
}
