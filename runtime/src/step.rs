//! The time step (docs/NEURON_SCHEME.md) and its exact tangent (docs/DESIGN.md, steps 1'–3').

use crate::cell::Cell;
use crate::error::{Error, Result};
use crate::mechanism::BaPoint;
use crate::params::ParamTarget;
use crate::phase::{phase_context, phase_tangents};

impl Cell {
    /// Initialises the simulation (NEURON `finitialize`): t = 0, v = v_init, ions at their defaults
    /// (Nernst where concentrations are read), every mechanism's `INITIAL`, then every `BREAKPOINT`
    /// once (currents at t = 0), and the tangents of all of that. Checks every parameter for
    /// finiteness first.
    pub fn init(&mut self) -> Result<()> {
        self.check_parameters()?;
        self.check_vectors()?;
        self.check_function_tables()?;
        let n = self.cable.layout.len();
        let kk = self.params.len();
        self.update_axial();
        self.refresh_seeds();
        self.clock.restart();
        self.cable.v.copy_from_slice(&self.cable.v_init);
        self.ions.set_tangent_count(kk, n);
        self.ions.initialise(self.settings.celsius);
        self.ions.build_diffusion(&self.cable.layout);
        self.mechs
            .build_longitudinal(&self.cable.layout, &self.cable.morph)?;
        self.cable.s = vec![0.0; kk * n];
        self.cable.di = vec![0.0; kk * n];
        self.cable.dg = vec![0.0; kk * n];
        self.cable.scratch = vec![0.0; kk * n];
        self.mechs.set_tangent_count(kk);
        self.check_pointers()?;
        self.fill_pointers();
        self.before_after_phase(BaPoint::BeforeInitial, 0.0);
        // Each mechanism's tangent of INITIAL runs first, from the same values INITIAL reads:
        // INITIAL may overwrite what it reads (Exp2Syn clamps its parameter tau1). Mechanisms
        // run in NEURON's order (concentration writers first), here and in every phase.
        // Self-events of an earlier run are dropped; INITIAL may send new ones.
        self.events.restart();
        for i in 0..self.mechs.len() {
            let m = self.mechs.order()[i];
            let slot = self.mechs.slot_mut(m);
            slot.clear_requests();
            let (mech, views) = slot.parts();
            let mut ctx = phase_context!(self, views, 0.0, m, Init);
            if kk > 0 {
                let mut tan = phase_tangents!(self, views, kk, n);
                mech.init_tangent(&mut ctx, &mut tan);
            }
            mech.init(&mut ctx);
            let (emits, count) = (mech.info().emit_slots > 0, mech.instance_count());
            if emits {
                for j in 0..count {
                    self.take_requests(m, j, 0.0, None)?;
                }
            }
        }
        self.init_events();
        self.init_netcons();
        // NEURON runs AFTER INITIAL after the NetCons' INITIAL blocks and before the events
        // due at t = 0 (checked in NEURON 9.0.2).
        self.before_after_phase(BaPoint::AfterInitial, 0.0);
        // NEURON's finitialize delivers the events due at t = 0 (INITIAL's `net_send(0, flag)`)
        // before its last BREAKPOINT, so the first sample shows what they did.
        if self.events.any_due(0.0) {
            self.deliver_events(0.0)?;
        }
        // NEURON's finitialize ends by evaluating every BREAKPOINT once (setup_tree_matrix), so
        // that currents, conductances and whatever BREAKPOINT assigns hold their values at t = 0
        // when the first sample is recorded. The first step evaluates them again, from the same
        // values, before it uses them.
        self.before_after_phase(BaPoint::BeforeBreakpoint, 0.0);
        self.currents_phase(0.0);
        self.before_after_phase(BaPoint::BeforeStep, 0.0);
        self.clock.finish_init();
        self.restart_sentinel();
        self.check_finite()
    }

    /// Advances one time step dt; returns an error naming the CV if v becomes non-finite.
    pub fn step(&mut self) -> Result<()> {
        if !self.clock.initialised() {
            return Err(Error::Invalid(
                "Cell::init must be called before stepping".into(),
            ));
        }
        if self.clock.recheck_requested() {
            self.check_parameters()?;
            self.refresh_seeds();
            self.clock.clear_recheck();
        }
        let kk = self.params.len();
        let dt = self.settings.dt;
        let t_mid = self.clock.t() + dt / 2.0;

        // 0. Events due by t_n + dt/2. Armed WATCH conditions are tested after those due by
        // t_n (by NEURON's clock) and before the others, as NEURON's fixed step does
        // (docs/DESIGN.md, "Events").
        if self.events.has_armed() {
            let clock = self.clock.neuron_t();
            if self.events.any_due(clock) {
                self.deliver_events(clock)?;
            }
            self.check_watches();
        }
        if self.events.any_due(t_mid) {
            self.deliver_events(t_mid)?;
        }

        // 1. Currents and conductances at v_n, s_n (and their tangents), after the BEFORE
        // BREAKPOINT blocks.
        self.before_after_phase(BaPoint::BeforeBreakpoint, t_mid);
        self.currents_phase(t_mid);

        // 2. Voltage: M Δ = r with M = diag(1e-3 cm/dt + g) + axial, r = I_stim − I − A v.
        self.voltage_solve(t_mid);
        if kk > 0 {
            self.tangent_voltage_step(t_mid);
        }
        let mut bad = false;
        for (v, d) in self.cable.v.iter_mut().zip(&self.cable.delta) {
            *v += d;
            bad |= !v.is_finite();
        }
        self.clock.advance(dt);
        if bad {
            let cv = self
                .cable
                .v
                .iter()
                .position(|v| !v.is_finite())
                .unwrap_or(0);
            let field = self.first_nonfinite_field();
            return Err(Error::Diverged {
                t: self.clock.t(),
                cv,
                field,
            });
        }

        // 2b. Arbor's diffusive concentrations (and their tangents) diffuse along the cable.
        self.ions.diffuse(dt);

        // 3. States with v_{n+1}; then voltage processes set v where they sit (Arbor's order:
        // after every state update, before the threshold test).
        self.states_phase();
        // 3b. LONGITUDINAL_DIFFUSION (and its tangents), after every state update, as NEURON's
        // `long_difus_solve` follows the mechanisms' `state` calls.
        self.longitudinal_phase();
        self.voltage_process_phase();
        // 3b. AFTER SOLVE, then BEFORE STEP, at t_{n+1} with v_{n+1} (NEURON's order, before
        // its threshold test and the sample).
        let t = self.clock.t();
        self.before_after_phase(BaPoint::AfterSolve, t);
        self.before_after_phase(BaPoint::BeforeStep, t);
        if self.events.detector_count() > 0 {
            let before = self.events.spike_count();
            self.events.detect(&self.cable.v, t);
            self.queue_post_events(before);
        }
        if kk > 0 && self.params.forgetting() > 0.0 {
            self.forget();
        }
        self.check_finite_if_due()
    }

    /// Step 1 (and 1'): clears the accumulators, then every mechanism's currents (and their
    /// tangents) at v_n, s_n, and the gap-junction currents.
    fn currents_phase(&mut self, t_mid: f64) {
        let n = self.cable.layout.len();
        let kk = self.params.len();
        self.fill_pointers();
        self.ions.update_reversal(self.settings.celsius, false);
        self.cable.i.fill(0.0);
        self.cable.g.fill(0.0);
        self.ions.clear_currents();
        if kk > 0 {
            self.cable.di.fill(0.0);
            self.cable.dg.fill(0.0);
            self.ions.clear_current_tangents();
        }
        let (order, slots) = self.mechs.in_order();
        for &m in order {
            let (mech, views) = slots[m].parts();
            let mut ctx = phase_context!(self, views, t_mid, m, Currents);
            if kk == 0 || !mech.fused_currents() {
                mech.currents(&mut ctx);
            }
            if kk > 0 {
                let mut tan = phase_tangents!(self, views, kk, n);
                mech.currents_tangent(&mut ctx, &mut tan);
            }
        }
        if !self.events.gaps().is_empty() {
            self.gap_currents();
        }
    }

    /// Step 2: assembles M and r and solves M Δ = r into `delta` (keeping the factorisation).
    fn voltage_solve(&mut self, t_mid: f64) {
        let n = self.cable.layout.len();
        let cfac = 1e-3 / self.settings.dt;
        let l = &self.cable.layout;
        let m = &mut self.cable.matrix;
        let rhs = &mut self.cable.rhs[..n];
        let d = &mut m.d[..n];
        let (i, g, cm, seg) = (
            &self.cable.i[..n],
            &self.cable.g[..n],
            &self.cable.cm[..n],
            &l.is_segment[..n],
        );
        for cv in 0..n {
            rhs[cv] = -i[cv];
            d[cv] = g[cv] + if seg[cv] { cfac * cm[cv] } else { 0.0 };
        }
        for c in &self.clamps {
            if c.is_on(t_mid) {
                rhs[c.cv] += 1e2 * c.amp / l.matrix_area[c.cv];
            }
        }
        let (a, b, v) = (&m.a[..n], &m.b[..n], &self.cable.v[..n]);
        for cv in 1..n {
            let p = l.parent[cv];
            let dv = v[p] - v[cv];
            rhs[cv] -= b[cv] * dv;
            rhs[p] += a[cv] * dv;
            d[cv] -= b[cv];
            d[p] -= a[cv];
        }
        m.solve(&mut self.cable.rhs);
        std::mem::swap(&mut self.cable.delta, &mut self.cable.rhs);
    }

    /// Step 3 (and 3'): state tangents first (they need s_n), then the states themselves (unless
    /// the mechanism's tangent kernel advanced them too).
    fn states_phase(&mut self) {
        let n = self.cable.layout.len();
        let kk = self.params.len();
        self.fill_pointers();
        let t = self.clock.t();
        let (order, slots) = self.mechs.in_order();
        for &m in order {
            let (mech, views) = slots[m].parts();
            if mech.info().voltage_process {
                continue;
            }
            let mut ctx = phase_context!(self, views, t, m, States);
            if kk > 0 {
                let mut tan = phase_tangents!(self, views, kk, n);
                mech.states_tangent(&mut ctx, &mut tan);
                if mech.fused_states() {
                    continue;
                }
            }
            mech.states(&mut ctx);
        }
    }

    /// Step 3b: diffuses the states of LONGITUDINAL_DIFFUSION along the cable.
    fn longitudinal_phase(&mut self) {
        let kk = self.params.len();
        let dt = self.settings.dt;
        self.mechs.longitudinal_step(dt, kk);
    }

    /// Forgetting: multiplies every tangent by 1 − λ·dt.
    fn forget(&mut self) {
        let f = 1.0 - self.params.forgetting() * self.settings.dt;
        self.cable.s.iter_mut().for_each(|x| *x *= f);
        self.mechs.scale_tangents(f);
        self.ions.scale_tangents(f);
    }

    /// Step 2': M ΔS_k = −(A S_k + G S_k + dI_k − dI_stim,k) − (dg_k + dC_k/dt) ∘ Δ − dA_k v_{n+1},
    /// with the factorisation of the forward step, solved for S_k^{n+1} = S_k + ΔS_k itself:
    /// M = C/dt + G + A, so M S_k^{n+1} = (C/dt) S_k − dI_k + dI_stim,k − (dg_k + dC_k/dt) ∘ Δ −
    /// dA_k v_{n+1}, without the axial and conductance terms (docs/DESIGN.md, step 2'). The
    /// mechanisms' dI_k leaves out the conductance term G S_k of the currents' tangents for this
    /// reason. All K columns are solved in one pair of sweeps.
    fn tangent_voltage_step(&mut self, t_mid: f64) {
        let n = self.cable.layout.len();
        let kk = self.params.len();
        let cfac = 1e-3 / self.settings.dt;
        let l = &self.cable.layout;
        let m = &self.cable.matrix;
        let (parent, a, b) = (&l.parent[..n], &m.a[..n], &m.b[..n]);
        let (delta, v, cm, seg) = (
            &self.cable.delta[..n],
            &self.cable.v[..n],
            &self.cable.cm[..n],
            &l.is_segment[..n],
        );
        let scratch = &mut self.cable.scratch[..kk * n];
        for (k, p) in self.params.iter().enumerate() {
            let r = k * n..(k + 1) * n;
            let col = &mut scratch[r.clone()];
            let (di, dg) = (&self.cable.di[r.clone()], &self.cable.dg[r.clone()]);
            let s = &self.cable.s[r];
            for cv in 0..n {
                let c = if seg[cv] { cfac * cm[cv] } else { 0.0 };
                col[cv] = c * s[cv] - di[cv] - dg[cv] * delta[cv];
            }
            match p.target {
                ParamTarget::Cm => {
                    for cv in 0..n {
                        if seg[cv] {
                            col[cv] -= cfac * p.factor[cv] * delta[cv];
                        }
                    }
                }
                ParamTarget::Clamp(c) => {
                    let c = &self.clamps[c];
                    if c.is_on(t_mid) {
                        col[c.cv] += 1e2 * p.factor[0] / l.matrix_area[c.cv];
                    }
                }
                ParamTarget::Ra => {
                    for cv in 1..n {
                        let sec = l.section[cv].0;
                        let f = p.factor[sec];
                        if f != 0.0 {
                            let rel = -f / self.cable.ra[sec];
                            let pa = parent[cv];
                            let dw = (v[pa] + delta[pa]) - (v[cv] + delta[cv]);
                            col[cv] -= rel * b[cv] * dw;
                            col[pa] += rel * a[cv] * dw;
                        }
                    }
                }
                ParamTarget::Mechanism { .. } | ParamTarget::NetCon(_) => {}
            }
        }
        m.solve_again_many(scratch, kk);
        if self.cable.s.len() == self.cable.scratch.len() {
            std::mem::swap(&mut self.cable.s, &mut self.cable.scratch);
        } else {
            self.cable.s[..kk * n].copy_from_slice(&self.cable.scratch[..kk * n]);
        }
    }

    /// Makes the next step re-check every parameter for finiteness and rebuild the tangent seeds
    /// first: fields were written directly between steps.
    pub(crate) fn recheck_before_next_step(&mut self) {
        self.clock.request_recheck();
    }

    /// Runs until `tstop` (ms, rounded to whole steps), sampling the recorder after initialisation
    /// and at its interval. Initialises first if needed.
    pub fn run(
        &mut self,
        tstop: f64,
        mut recorder: Option<&mut crate::probe::Recorder>,
    ) -> Result<()> {
        if !self.clock.initialised() {
            self.init()?;
        }
        let total = (tstop / self.settings.dt).round() as u64;
        if let Some(r) = recorder.as_deref_mut() {
            r.sample(self);
        }
        while self.clock.steps() < total {
            self.step()?;
            if let Some(r) = recorder.as_deref_mut() {
                r.maybe_sample(self);
            }
        }
        self.check_finite()
    }
}
