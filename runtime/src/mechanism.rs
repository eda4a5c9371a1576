//! The mechanism interface: the only part of the runtime that generated code uses.
//!
//! A mechanism (a compiled `.mod` file, or a hand-written one) is a struct of arrays: one `Vec<f64>`
//! per field with one entry per instance, a node-index array mapping each instance to its control
//! volume (CV), and a per-instance weight. The runtime calls each kernel once per phase
//! (`init`, `currents`, `states`, events) through `Box<dyn Mechanism>`; the kernel owns the loop over
//! instances. Metadata ([`MechanismInfo`]) is kept apart from the kernels and is `const`-constructible,
//! so generated code can declare it as a `static`.
//!
//! Units are NEURON's: v in mV, t and dt in ms, current densities in mA/cm², conductances in S/cm²,
//! areas in µm², concentrations in mM, temperature in °C. Point processes compute currents in nA; their
//! per-instance weight converts them to mA/cm² of their CV (`weight = 100 / area_um2`), so every
//! kernel accumulates `i[node] += weight * current` and `g[node] += weight * conductance` alike.
//!
//! Tangents (docs/DESIGN.md, steps 1'–3'): for K parameters θ_k the runtime keeps S_k = dv/dθ_k per CV, and
//! each mechanism keeps σ_k = ds/dθ_k for its own states in one flat buffer laid out
//! `[k][state][instance]` (states numbered in the order of the state fields in `MechanismInfo::fields`,
//! followed by one row per POINTER field, which the runtime fills).

/// Whether a mechanism is distributed over membrane area or sits at a point.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MechanismKind {
    /// A density mechanism (NEURON `SUFFIX`): currents in mA/cm², conductances in S/cm².
    Density,
    /// A point process (NEURON `POINT_PROCESS`): currents in nA, conductances in µS.
    Point,
}

/// The role of a field of a mechanism.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FieldRole {
    /// A `PARAMETER`: set by the user, constant during a step, differentiable.
    Parameter,
    /// A `STATE`: advanced by the `states` kernel; has tangents σ.
    State,
    /// An `ASSIGNED` variable: computed by the kernels (currents, rates); readable by probes.
    Assigned,
    /// A `POINTER`: an assigned variable the kernels read but never write, whose value the
    /// runtime copies in from what the model binds it to (v at a CV of this cell or of another
    /// cell of a network) before every kernel call. Its tangents form extra rows of σ, after the
    /// states' rows, which the runtime writes the same way and the kernels only read.
    Pointer,
    /// The membrane potential a `NET_RECEIVE` block sets (`v = vreset`): the kernel copies v in,
    /// changes it, and after every event the runtime writes the instance's value into v at its
    /// CV and its tangents (the last row of σ, after the pointers') into S_k there.
    Voltage,
}

/// Metadata of one field of a mechanism.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct FieldInfo {
    /// Name as in the `.mod` file (for example `gnabar`).
    pub name: &'static str,
    /// Unit as written in the `.mod` file (for example `S/cm2`).
    pub unit: &'static str,
    /// Default value given to every new instance.
    pub default: f64,
    /// Parameter, state or assigned variable.
    pub role: FieldRole,
    /// Lower bound from the `.mod` file's `<lo, hi>` range, if any.
    pub lower: Option<f64>,
    /// Upper bound from the `.mod` file's `<lo, hi>` range, if any.
    pub upper: Option<f64>,
}

impl FieldInfo {
    /// A field without bounds.
    pub const fn new(
        name: &'static str,
        unit: &'static str,
        default: f64,
        role: FieldRole,
    ) -> Self {
        Self {
            name,
            unit,
            default,
            role,
            lower: None,
            upper: None,
        }
    }

    /// The declared range as the .mod file writes it, such as `<0, 1e9>` (`-inf` or `inf` for a
    /// missing bound).
    pub fn range_text(&self) -> String {
        let lo = self.lower.map_or("-inf".to_string(), short_number);
        let hi = self.upper.map_or("inf".to_string(), short_number);
        format!("<{lo}, {hi}>")
    }
}

/// A number for a message: as written (`0.12`, `-65`) where that is short, in exponent form
/// (`1e9`, `1e-300`) where its decimal form would run to many digits.
pub fn short_number(x: f64) -> String {
    let a = x.abs();
    if a != 0.0 && a.is_finite() && !(1e-4..1e9).contains(&a) {
        format!("{x:e}")
    } else {
        x.to_string()
    }
}

/// One variable of an ion, as a mechanism reads or writes it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum IonVar {
    /// The ionic current density `iX` (mA/cm²); written currents are accumulated.
    Current,
    /// The reversal potential `eX` (mV).
    Reversal,
    /// The inner concentration `Xi` (mM).
    Inside,
    /// The outer concentration `Xo` (mM).
    Outside,
    /// Arbor's diffusive concentration `Xd` (mM), which the runtime diffuses along the cable.
    Diffusive,
}

/// How a mechanism uses one ion species (NEURON `USEION X READ ... WRITE ... VALENCE z`).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct IonUse {
    /// Species name (`na`, `k`, `ca`, or any other).
    pub name: &'static str,
    /// Valence, when the `.mod` file declares one; otherwise the runtime's default for the species.
    pub valence: Option<i32>,
    /// Variables read.
    pub reads: &'static [IonVar],
    /// Variables written.
    pub writes: &'static [IonVar],
}

impl IonUse {
    /// Whether this use reads the given variable.
    pub fn reads(&self, var: IonVar) -> bool {
        self.reads.contains(&var)
    }

    /// Whether this use writes the given variable.
    pub fn writes(&self, var: IonVar) -> bool {
        self.writes.contains(&var)
    }
}

/// Metadata of a mechanism, separate from its kernels.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct MechanismInfo {
    /// Mechanism name (NEURON `SUFFIX` or `POINT_PROCESS` name).
    pub name: &'static str,
    /// Density or point process.
    pub kind: MechanismKind,
    /// All fields: parameters, states and assigned variables. Field indices used by
    /// [`Mechanism::field`] and by [`Seed::param`] index this slice.
    pub fields: &'static [FieldInfo],
    /// Ions used, in the order the context's [`Context::ion_slots`] follows.
    pub ions: &'static [IonUse],
    /// Whether the mechanism has a `NET_RECEIVE` block.
    pub net_receive: bool,
    /// The names of the `NET_RECEIVE` arguments, the weight first: the values each connection
    /// keeps ([`EventArgs::args`]). Empty without `NET_RECEIVE`.
    pub net_args: &'static [&'static str],
    /// The number of event statements (`net_send`, `net_move`, `net_event`, `WATCH`) of
    /// `INITIAL` or of `NET_RECEIVE`, whichever has more: each instance's slots in
    /// [`Context::emit`].
    pub emit_slots: usize,
    /// Whether the mechanism is a voltage process (Arbor's `VOLTAGE_PROCESS`): a density
    /// mechanism without currents whose `states` kernel sets the membrane potential through its
    /// [`MechanismInfo::voltage_field`]. The runtime runs it after the voltage solve and every
    /// other mechanism's states, then writes the field and its tangents into v and S_k.
    pub voltage_process: bool,
    /// Whether the mechanism has Arbor's `POST_EVENT` block: at every spike of the cell it sits
    /// on, each instance gets an event with the flag [`crate::events::POST_EVENT_FLAG`], which
    /// its `NET_RECEIVE` kernel runs the block for.
    pub post_event: bool,
    /// Whether a kernel reads the instance's vector ([`Context::vector_element`]): every
    /// instance needs one ([`crate::cell::Cell::set_vector`]) before the run starts.
    pub vector: bool,
    /// The names of the mechanism's FUNCTION_TABLEs, whose values the model gives
    /// ([`crate::cell::Cell::set_function_table`]) before the run starts; kernels read table k
    /// through [`Context::function_table`].
    pub function_tables: &'static [&'static str],
}

impl MechanismInfo {
    /// Index of the field with the given name.
    pub fn field_index(&self, name: &str) -> Option<usize> {
        self.fields.iter().position(|f| f.name == name)
    }

    /// Number of state fields.
    pub fn state_count(&self) -> usize {
        self.fields
            .iter()
            .filter(|f| f.role == FieldRole::State)
            .count()
    }

    /// Number of pointer fields (their tangents are the rows of σ after the states').
    pub fn pointer_count(&self) -> usize {
        self.fields
            .iter()
            .filter(|f| f.role == FieldRole::Pointer)
            .count()
    }

    /// The number of rows of σ: the states, then the pointers, then the voltage NET_RECEIVE
    /// sets.
    pub fn sigma_rows(&self) -> usize {
        self.state_count() + self.pointer_count() + usize::from(self.voltage_field().is_some())
    }

    /// The field through which `NET_RECEIVE` sets the membrane potential, if any (its tangent is
    /// the last row of σ).
    pub fn voltage_field(&self) -> Option<usize> {
        self.fields
            .iter()
            .position(|f| f.role == FieldRole::Voltage)
    }

    /// The σ row of a pointer field (after every state's row), if the field is a pointer.
    pub fn pointer_row(&self, field: usize) -> Option<usize> {
        if self.fields.get(field)?.role != FieldRole::Pointer {
            return None;
        }
        Some(
            self.state_count()
                + self.fields[..field]
                    .iter()
                    .filter(|f| f.role == FieldRole::Pointer)
                    .count(),
        )
    }

    /// Position of a field among the states (its index in the σ layout), if it is a state.
    pub fn state_position(&self, field: usize) -> Option<usize> {
        if self.fields.get(field)?.role != FieldRole::State {
            return None;
        }
        Some(
            self.fields[..field]
                .iter()
                .filter(|f| f.role == FieldRole::State)
                .count(),
        )
    }
}

/// One STATE a mechanism diffuses along the cable (NMODL's `LONGITUDINAL_DIFFUSION`), as
/// field indices: the runtime moves it between neighbouring instances after every state update
/// (`crate::longitudinal`), with the coefficient and the volume held in two more state fields
/// (whose rows of σ hold their tangents).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Longitudinal {
    /// The field of the diffusing state.
    pub species: usize,
    /// The field of its coefficient (diffusion constant times the cross-section factor).
    pub rate: usize,
    /// The field of its volume (the COMPARTMENT's).
    pub volume: usize,
}

/// Per-CV values of one ion species. All arrays have one entry per CV.
#[derive(Clone, Debug, Default)]
pub struct IonArrays {
    /// Accumulated ionic current density iX (mA/cm²), reset by the runtime before `currents`.
    pub current: Vec<f64>,
    /// Accumulated d(iX)/dv (S/cm²), reset by the runtime before `currents`.
    pub current_dv: Vec<f64>,
    /// Reversal potential eX (mV).
    pub rev: Vec<f64>,
    /// Inner concentration Xi (mM).
    pub inside: Vec<f64>,
    /// Outer concentration Xo (mM).
    pub outside: Vec<f64>,
    /// Diffusive concentration Xd (mM, Arbor's): written by mechanisms, diffused by the runtime.
    pub diffusive: Vec<f64>,
}

/// Tangent columns of one ion species, each laid out `[k][cv]`.
#[derive(Clone, Debug, Default)]
pub struct IonTangents {
    /// d(iX)/dθ_k, accumulated by `currents_tangent` (reset by the runtime before it). Empty
    /// where no mechanism reads the current ([`crate::internals::IonSpecies::current_read`]): a
    /// kernel then skips its accumulation.
    pub current: Vec<f64>,
    /// d(eX)/dθ_k, maintained by the runtime (Nernst) and read by mechanisms.
    pub rev: Vec<f64>,
    /// d(Xi)/dθ_k, written by mechanisms that write Xi.
    pub inside: Vec<f64>,
    /// d(Xo)/dθ_k, written by mechanisms that write Xo.
    pub outside: Vec<f64>,
    /// d(Xd)/dθ_k, written by mechanisms that write Xd and diffused with it by the runtime.
    pub diffusive: Vec<f64>,
}

/// The per-phase view a kernel works on. Arrays are indexed by CV (through the mechanism's node
/// index array); ion species are reached through `ions[ion_slots[j]]`, where j is the position of the
/// ion in [`MechanismInfo::ions`].
pub struct Context<'a> {
    /// Time step (ms).
    pub dt: f64,
    /// Time (ms): t_n + dt/2 during `currents`, t_{n+1} during `states`, 0 during `init`, and the
    /// delivery time during `net_receive`.
    pub t: f64,
    /// Temperature (°C).
    pub celsius: f64,
    /// Membrane potential per CV (mV): v_n during `currents`, v_{n+1} during `states`.
    pub v: &'a [f64],
    /// Membrane current density accumulator per CV (mA/cm²): `currents` adds `weight * i`.
    pub i: &'a mut [f64],
    /// Conductance accumulator per CV (S/cm²): `currents` adds `weight * di/dv`.
    pub g: &'a mut [f64],
    /// Membrane area per CV (µm²); 0 on zero-area end nodes.
    pub area: &'a [f64],
    /// Segment diameter per CV (µm), NEURON's `diam`.
    pub diam: &'a [f64],
    /// All ion species of the cell.
    pub ions: &'a mut [IonArrays],
    /// For each ion the mechanism declares, in declaration order, its index into `ions`.
    pub ion_slots: &'a [usize],
    /// The random draws of this call: instance j's number of stream s (see [`crate::random`]).
    /// The same in a kernel and its tangent twin, so tangents hold the noise fixed.
    pub random: crate::random::Draws,
    /// The event requests of `init` and `net_receive`: per instance j, from
    /// `j * 3 * emit_slots`, three values per event statement i (in program order) of the
    /// block: its kind where it ran (1 `net_send`, 2 `net_move`, 3 `net_event`, 4 `WATCH` whose
    /// condition is false when armed, 5 one whose condition holds; 0 where it did not run), the
    /// delay (`net_send`), time (`net_move`, `net_event`) or condition index (`WATCH`), and the
    /// flag. The runtime reads them after the call. `watch` writes the conditions' values here
    /// too. Empty for mechanisms without event statements.
    pub emit: &'a mut [f64],
    /// Per instance, its vector ([`MechanismInfo::vector`]); empty for mechanisms that read
    /// none. Read through [`Context::vector_element`] and [`Context::vector_size`].
    pub vectors: &'a [Option<Vec<f64>>],
    /// The mechanism's FUNCTION_TABLEs, in the order of [`MechanismInfo::function_tables`].
    pub tables: &'a [Option<crate::function_table::FunctionTable>],
}

impl Context<'_> {
    /// Element `index` (truncated toward zero) of instance `j`'s vector, or NaN outside it (or
    /// where the instance has none).
    pub fn vector_element(&self, j: usize, index: f64) -> f64 {
        vector_element(self.vectors, j, index)
    }

    /// The number of elements of instance `j`'s vector (NaN where it has none).
    pub fn vector_size(&self, j: usize) -> f64 {
        vector_size(self.vectors, j)
    }

    /// FUNCTION_TABLE `k` of the mechanism at `x`, or its slope where `slope`.
    pub fn function_table(&self, k: usize, x: f64, slope: bool) -> f64 {
        crate::function_table::table_read(self.tables, k, x, slope)
    }
}

/// Element `index` (truncated toward zero) of instance `j`'s vector in `vectors`, or NaN
/// outside it or where the instance has none: what every engine computes for a vector read.
pub fn vector_element(vectors: &[Option<Vec<f64>>], j: usize, index: f64) -> f64 {
    let Some(Some(v)) = vectors.get(j) else {
        return f64::NAN;
    };
    let i = index.trunc();
    if i >= 0.0 && i < v.len() as f64 {
        v[i as usize]
    } else {
        f64::NAN
    }
}

/// The number of elements of instance `j`'s vector in `vectors` (NaN where it has none).
pub fn vector_size(vectors: &[Option<Vec<f64>>], j: usize) -> f64 {
    match vectors.get(j) {
        Some(Some(v)) => v.len() as f64,
        _ => f64::NAN,
    }
}

/// For tangent column k: which parameter θ_k moves and how much per instance.
#[derive(Clone, Debug, PartialEq)]
pub struct Seed {
    /// Field index (into [`MechanismInfo::fields`]) of the parameter that θ_k moves.
    pub param: usize,
    /// dp/dθ_k per instance: 1 inside the parameter's region and 0 outside, or p0·e^u when the
    /// parameter is log-scaled.
    pub factor: Vec<f64>,
}

/// The tangent view a tangent kernel works on, beside the forward [`Context`].
pub struct Tangents<'a> {
    /// Number of tangent columns K.
    pub k: usize,
    /// Number of CVs (the stride of every `[k][cv]` array).
    pub ncv: usize,
    /// S_k = dv/dθ_k, `[k][cv]`: S^n during `currents_tangent`, S^{n+1} during `states_tangent`.
    pub s: &'a [f64],
    /// dI_k accumulator, `[k][cv]` (mA/cm² per unit θ_k): `currents_tangent` adds
    /// `weight * (I_v S_k + I_s σ_k + I_θk)`.
    pub di: &'a mut [f64],
    /// dg_k accumulator, `[k][cv]`: `currents_tangent` adds `weight * (g_v S_k + g_s σ_k + g_θk)`.
    pub dg: &'a mut [f64],
    /// Ion tangents, indexed like [`Context::ions`].
    pub ions: &'a mut [IonTangents],
    /// Per column k: the parameter of this mechanism θ_k moves, if any. Length K.
    pub seeds: &'a [Option<Seed>],
}

/// One event as `NET_RECEIVE` sees it, or one connection as the `INITIAL` block nested in
/// `NET_RECEIVE` sees it: the values the connection keeps (NEURON's weight vector of a NetCon)
/// and their tangents, which the kernels read and write.
#[derive(Debug, Default)]
pub struct EventArgs<'a> {
    /// The flag: 0 for an event from a connection, the `net_send` flag for a self-event.
    pub flag: f64,
    /// The connection's values, one per `NET_RECEIVE` argument ([`MechanismInfo::net_args`]):
    /// the weight, then the values kept per connection.
    pub args: &'a mut [f64],
    /// Their tangents, `[k][arg]`; empty without tangents.
    pub dargs: &'a mut [f64],
}

/// A point of NEURON's time step at which a mechanism's BEFORE and AFTER blocks run (NEURON's
/// `nrn_ba`; docs/NEURON_SCHEME.md gives the order).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum BaPoint {
    /// `BEFORE INITIAL`: at initialisation, before every INITIAL block.
    BeforeInitial,
    /// `AFTER INITIAL`: at initialisation, after every INITIAL block.
    AfterInitial,
    /// `BEFORE BREAKPOINT`: before each evaluation of the currents (at initialisation and in
    /// every step, after the events).
    BeforeBreakpoint,
    /// `AFTER SOLVE`: after every mechanism's state update.
    AfterSolve,
    /// `BEFORE STEP`: at the end of initialisation and of every step, before the sample.
    BeforeStep,
}

/// A compiled mechanism: kernels over all its instances, one call per phase.
///
/// Kernels must not allocate: all buffers are sized by [`Mechanism::allocate`] and
/// [`Mechanism::set_tangent_count`]. Call order (K = number of tangent columns):
/// - initialisation: `set_tangent_count(K)`, then `init_tangent` if K > 0, then `init` (the
///   tangent first, so that it sees what INITIAL reads even where INITIAL overwrites it);
/// - then, once per connection: `net_init_tangent` (K > 0), then `net_init`;
/// - each step: `net_receive_tangent` (K > 0) then `net_receive` for every due event (and, where
///   it requested its FOR_NETCONS, `for_netcons_tangent` (K > 0) then `for_netcons` once per
///   connection onto the instance); `currents`
///   then `currents_tangent` (K > 0), both with v_n, s_n; the voltage solve; then `states_tangent`
///   (K > 0) followed by `states` (skipped when K > 0 and `fused_states()`), both with v_{n+1};
/// - the BEFORE and AFTER blocks of [`Mechanism::before_after`] at their points (BEFORE INITIAL
///   before the initialisation's `init`s, AFTER INITIAL after them and the `net_init`s,
///   BEFORE BREAKPOINT before
///   each `currents`, AFTER SOLVE and then BEFORE STEP after the states), instance by instance:
///   `ba_tangent` when K > 0 (fused), else `ba`.
///
/// Signs: currents are outward positive (NEURON's convention for `NONSPECIFIC_CURRENT` and ion
/// currents). An `ELECTRODE_CURRENT` (injected, inward positive) is accumulated with the opposite
/// sign: `i[cv] -= weight * i_electrode`, `g[cv] -= weight * di_electrode/dv`.
pub trait Mechanism: Send {
    /// The mechanism's metadata.
    fn info(&self) -> &'static MechanismInfo;

    /// Creates the instances: instance j sits on CV `nodes[j]` with weight `weights[j]` (area fraction
    /// for density mechanisms, 100/area for point processes). Every field is set to its default and
    /// all state tangents to zero.
    fn allocate(&mut self, nodes: &[usize], weights: &[f64]);

    /// Number of instances.
    fn instance_count(&self) -> usize;

    /// CV of every instance.
    fn nodes(&self) -> &[usize];

    /// Values of field `field` (index into `info().fields`), one per instance.
    fn field(&self, field: usize) -> &[f64];

    /// Mutable values of field `field`, for writing parameters between steps.
    fn field_mut(&mut self, field: usize) -> &mut [f64];

    /// Sizes the state tangents for K columns (zeroed).
    fn set_tangent_count(&mut self, k: usize);

    /// State tangents σ, `[k][state][instance]`.
    fn state_tangents(&self) -> &[f64];

    /// Mutable state tangents σ, `[k][state][instance]` (the runtime scales them when forgetting).
    fn state_tangents_mut(&mut self) -> &mut [f64];

    /// `INITIAL`: set states from v (and ions).
    fn init(&mut self, ctx: &mut Context);

    /// `BREAKPOINT` without its `SOLVE`: accumulate current and conductance at v_n and s_n.
    fn currents(&mut self, ctx: &mut Context);

    /// The `SOLVE`: advance states from t_n to t_{n+1} with v_{n+1}.
    fn states(&mut self, ctx: &mut Context);

    /// `NET_RECEIVE` for one instance, with the values of the connection the event came
    /// through (which it may change) and the event's flag.
    fn net_receive(&mut self, _ctx: &mut Context, _instance: usize, _ev: &mut EventArgs) {}

    /// Evaluates the `WATCH` conditions of every instance: entry i of instance j's event
    /// requests in [`Context::emit`] (from `j * 3 * emit_slots`) becomes the value of condition
    /// i, positive where it holds. The runtime calls it at the start of each step, for
    /// mechanisms with armed conditions (docs/DESIGN.md, "Events").
    fn watch(&mut self, _ctx: &mut Context) {}

    /// The `INITIAL` block nested in `NET_RECEIVE`, for one connection to `instance`: sets the
    /// values the connection keeps. Called at initialisation after `init`, once per connection.
    fn net_init(&mut self, _ctx: &mut Context, _instance: usize, _ev: &mut EventArgs) {}

    /// The body of `NET_RECEIVE`'s `FOR_NETCONS`, for one connection to `instance` (its values
    /// in `ev`): called after a `net_receive` that requested it (an event request of kind 6),
    /// once per connection onto the instance, in the order they were made.
    fn for_netcons(&mut self, _ctx: &mut Context, _instance: usize, _ev: &mut EventArgs) {}

    /// Derivative of `for_netcons`: sets `ev.dargs` from σ, the seeds and `ev.dargs` on entry.
    /// Called before `for_netcons`.
    fn for_netcons_tangent(
        &mut self,
        _ctx: &mut Context,
        _tan: &mut Tangents,
        _instance: usize,
        _ev: &mut EventArgs,
    ) {
    }

    /// Derivative of `net_init`: sets `ev.dargs` from the seeds (and `ev.dargs` on entry, whose
    /// weight column the runtime seeds). Called before `net_init`.
    fn net_init_tangent(
        &mut self,
        _ctx: &mut Context,
        _tan: &mut Tangents,
        _instance: usize,
        _ev: &mut EventArgs,
    ) {
    }

    /// Derivative of `init`: set σ from S (and the seeds). Called before `init`, so the fields
    /// still hold what INITIAL reads; it must not rely on values `init` computes.
    fn init_tangent(&mut self, ctx: &mut Context, tan: &mut Tangents);

    /// Step 1': accumulate dI_k and dg_k (and ion current tangents) at v_n, s_n, S_n, σ_n. dI_k
    /// gets the tangent of the mechanism's membrane current without its conductance term: the
    /// runtime accounts for G S_k (G the conductance all mechanisms added to [`Context::g`], part
    /// of the matrix its tangent step solves with) once per CV,
    /// so a mechanism whose current is I(v, s, θ) adds `w (I_s σ_k + I_θ θ_k)` (and
    /// `w (I_v − g) S_k` where the conductance g it adds is not I_v). An ion current's tangent
    /// column gets the whole tangent, `I_v S_k` included. Called
    /// right after `currents`, so assigned values computed there may be reused. If
    /// [`Mechanism::fused_currents`] is true, this kernel must also do what `currents` does
    /// (accumulate the currents and conductances, store the assigned values), and `currents` is
    /// not called in steps with tangents.
    fn currents_tangent(&mut self, ctx: &mut Context, tan: &mut Tangents);

    /// Step 3': σ_{n+1} = Φ_s σ_n + Φ_v S_{n+1} + Φ_θ. Called before [`Mechanism::states`], so the
    /// kernel still sees s_n in its fields (and v_{n+1} in the context). If
    /// [`Mechanism::fused_states`] is true, this kernel must also advance the states (s_{n+1} = Φ)
    /// and `states` is not called in steps with tangents.
    fn states_tangent(&mut self, ctx: &mut Context, tan: &mut Tangents);

    /// Whether `states_tangent` also advances the states, sharing work such as rate functions and
    /// exponentials between Φ and its derivatives. Default: false.
    fn fused_states(&self) -> bool {
        false
    }

    /// Whether `currents_tangent` also does the work of `currents`, sharing the rate functions
    /// and the loads between the currents and their derivatives. Default: false.
    fn fused_currents(&self) -> bool {
        false
    }

    /// The points at which the mechanism has a BEFORE or AFTER block. Default: none.
    fn before_after(&self) -> &'static [BaPoint] {
        &[]
    }

    /// The BEFORE or AFTER block at `point`, for one instance (the runtime calls it for every
    /// instance in order, copying the instance's POINTERs in before and out after each call).
    fn ba(&mut self, _ctx: &mut Context, _point: BaPoint, _instance: usize) {}

    /// The tangent of [`Mechanism::ba`], fused: it also runs the block, so the runtime calls
    /// it in place of `ba` when K > 0. It updates σ (POINTER rows included) and the carried
    /// tangents.
    fn ba_tangent(
        &mut self,
        _ctx: &mut Context,
        _tan: &mut Tangents,
        _point: BaPoint,
        _instance: usize,
    ) {
    }

    /// The fields whose tangents the mechanism keeps beside σ (carried ASSIGNED variables:
    /// values a kernel reads before it assigns them), in the order of their rows of
    /// [`Mechanism::carried_tangents`]; a POINTER may be bound to one of them. Default: none
    /// exposed.
    fn carried_fields(&self) -> &[usize] {
        &[]
    }

    /// The tangents of [`Mechanism::carried_fields`], `[k][carried][instance]`.
    fn carried_tangents(&self) -> &[f64] {
        &[]
    }

    /// Mutable tangents of [`Mechanism::carried_fields`].
    fn carried_tangents_mut(&mut self) -> &mut [f64] {
        &mut []
    }

    /// The states the mechanism diffuses along the cable (`LONGITUDINAL_DIFFUSION`), which the
    /// runtime moves after every mechanism's `states`. Default: none.
    fn longitudinal(&self) -> &'static [Longitudinal] {
        &[]
    }

    /// Derivative of `net_receive`: reads `ev.args` and `ev.dargs` (`[k][arg]`, the tangents
    /// of the connection's values) and updates σ and `ev.dargs`. Called before `net_receive`, so
    /// the fields and `ev.args` still hold the values before the event.
    fn net_receive_tangent(
        &mut self,
        _ctx: &mut Context,
        _tan: &mut Tangents,
        _instance: usize,
        _ev: &mut EventArgs,
    ) {
    }
}
