//! A mechanism compiled at run time, behind the runtime's `Mechanism` interface.

use std::collections::HashMap;
use std::sync::Arc;

use gradmod_compiler::back::kernels::{Body, Kernels};
use gradmod_runtime::mechanism::{Context, Mechanism, MechanismInfo, Tangents};

use crate::eval::{Event, Lanes, Storage, run};
use crate::program::{LANES, Program, Reg, compile};

/// The register code of every kernel of one mechanism, shared by all its instances' owners.
///
/// The kernels share one pool of constant registers, at the start of the scratch space and
/// filled once when the instances are allocated; each kernel's own registers follow it.
#[derive(Debug)]
pub struct Code {
    /// The mechanism's metadata.
    pub info: &'static MechanismInfo,
    init: Program,
    currents: Program,
    states: Program,
    net_receive: Option<Program>,
    tangent: Option<TangentCode>,
    /// The number of states (rows of σ).
    states_count: usize,
    /// The constant pool: register i holds `constants[i]` in every lane.
    constants: Vec<f64>,
    /// The number of registers: the pool and the largest kernel's own.
    registers: usize,
}

/// The register code of the tangent kernels.
#[derive(Debug)]
struct TangentCode {
    /// `None`: INITIAL's tangent is zero.
    init: Option<Program>,
    currents: Program,
    states: Program,
    net_receive: Option<Program>,
    fused: bool,
    carried: usize,
}

impl Code {
    /// The register code of `kernels`, described to the runtime by `info`.
    pub fn new(kernels: &Kernels, info: &'static MechanismInfo) -> Self {
        let point = kernels.info.point;
        let program = |b: &Body| compile(b, &kernels.arena, point);
        let tangent = kernels.tangent.as_ref().map(|t| TangentCode {
            init: t.init.as_ref().map(program),
            currents: program(&t.currents),
            states: program(&t.states),
            net_receive: t.net_receive.as_ref().map(program),
            fused: t.fused,
            carried: t.carried,
        });
        let mut code = Code {
            info,
            init: program(&kernels.init),
            currents: program(&kernels.currents),
            states: program(&kernels.states),
            net_receive: kernels.net_receive.as_ref().map(program),
            tangent,
            states_count: kernels.layout.states.len(),
            constants: Vec::new(),
            registers: 0,
        };
        code.pool_constants();
        code
    }

    /// Moves every kernel's constants into the shared pool and its other registers after it.
    fn pool_constants(&mut self) {
        let mut pool: Vec<f64> = Vec::new();
        let mut index: HashMap<u64, Reg> = HashMap::new();
        let key = |x: f64| if x == 0.0 { 0 } else { x.to_bits() };
        for p in self.programs_mut() {
            for &(_, x) in &p.constants {
                index.entry(key(x)).or_insert_with(|| {
                    pool.push(x);
                    pool.len() as Reg - 1
                });
            }
        }
        let size = pool.len() as Reg;
        let mut largest = 0;
        for p in self.programs_mut() {
            let constants: HashMap<Reg, Reg> = p
                .constants
                .iter()
                .map(|&(r, x)| (r, index[&key(x)]))
                .collect();
            p.rename(&|r| constants.get(&r).copied().unwrap_or(r + size));
            p.constants.clear();
            largest = largest.max(p.registers);
        }
        self.registers = pool.len() + largest;
        self.constants = pool;
    }

    fn programs_mut(&mut self) -> impl Iterator<Item = &mut Program> {
        let t = self.tangent.as_mut();
        let (ti, tc, ts, tn) = match t {
            Some(t) => (
                t.init.as_mut(),
                Some(&mut t.currents),
                Some(&mut t.states),
                t.net_receive.as_mut(),
            ),
            None => (None, None, None, None),
        };
        [
            Some(&mut self.init),
            Some(&mut self.currents),
            Some(&mut self.states),
            self.net_receive.as_mut(),
            ti,
            tc,
            ts,
            tn,
        ]
        .into_iter()
        .flatten()
    }

    /// Every kernel's name and its number of operations per call, per chunk of instances and
    /// per chunk and tangent direction (a measure of the code's size).
    pub fn kernel_sizes(&self) -> Vec<(&'static str, [usize; 3])> {
        let t = self.tangent.as_ref();
        [
            ("init", Some(&self.init)),
            ("currents", Some(&self.currents)),
            ("states", Some(&self.states)),
            ("net_receive", self.net_receive.as_ref()),
            ("init_tangent", t.and_then(|t| t.init.as_ref())),
            ("currents_tangent", t.map(|t| &t.currents)),
            ("states_tangent", t.map(|t| &t.states)),
            (
                "net_receive_tangent",
                t.and_then(|t| t.net_receive.as_ref()),
            ),
        ]
        .into_iter()
        .filter_map(|(name, p)| p.map(|p| (name, [p.pre.len(), p.outer.len(), p.inner.len()])))
        .collect()
    }
}

/// Instances of a mechanism compiled at run time: a struct of arrays like the generated ones,
/// whose kernels are run by the array evaluator.
#[derive(Debug)]
pub struct VmMechanism {
    code: Arc<Code>,
    data: Data,
}

/// The per-instance storage of a [`VmMechanism`].
#[derive(Debug, Default)]
struct Data {
    node: Vec<usize>,
    weight: Vec<f64>,
    fields: Vec<Vec<f64>>,
    sigma: Vec<f64>,
    carried: Vec<f64>,
    /// Scratch registers, allocated with the instances so that kernels never allocate.
    regs: Vec<Lanes>,
}

impl Data {
    /// Runs `p` of `code` over instances `first..end`.
    fn run(
        &mut self,
        code: &Code,
        p: &Program,
        ctx: &mut Context,
        tan: Option<&mut Tangents>,
        range: Option<usize>,
        event: Event,
    ) {
        let ncarried = code.tangent.as_ref().map_or(0, |t| t.carried);
        let (first, end) = match range {
            Some(i) => (i, i + 1),
            None => (0, self.node.len()),
        };
        let mut st = Storage {
            node: &self.node,
            weight: &self.weight,
            fields: &mut self.fields,
            sigma: &mut self.sigma,
            states: code.states_count,
            carried: &mut self.carried,
            ncarried,
        };
        run(p, &mut self.regs, &mut st, ctx, tan, first, end, event);
    }
}

impl VmMechanism {
    /// A mechanism with no instances yet.
    pub fn new(code: Arc<Code>) -> Self {
        VmMechanism {
            code,
            data: Data::default(),
        }
    }
}

impl Mechanism for VmMechanism {
    fn info(&self) -> &'static MechanismInfo {
        self.code.info
    }

    fn allocate(&mut self, nodes: &[usize], weights: &[f64]) {
        let d = &mut self.data;
        d.node = nodes.to_vec();
        d.weight = weights.to_vec();
        d.fields = self
            .code
            .info
            .fields
            .iter()
            .map(|f| vec![f.default; nodes.len()])
            .collect();
        d.sigma.clear();
        d.carried.clear();
        d.regs = vec![[0.0; LANES]; self.code.registers];
        for (r, &x) in d.regs.iter_mut().zip(&self.code.constants) {
            *r = [x; LANES];
        }
    }

    fn instance_count(&self) -> usize {
        self.data.node.len()
    }

    fn nodes(&self) -> &[usize] {
        &self.data.node
    }

    fn field(&self, field: usize) -> &[f64] {
        &self.data.fields[field]
    }

    fn field_mut(&mut self, field: usize) -> &mut [f64] {
        &mut self.data.fields[field]
    }

    fn set_tangent_count(&mut self, k: usize) {
        let n = self.data.node.len();
        self.data.sigma = vec![0.0; k * self.code.states_count * n];
        let carried = self.code.tangent.as_ref().map_or(0, |t| t.carried);
        self.data.carried = vec![0.0; k * carried * n];
    }

    fn state_tangents(&self) -> &[f64] {
        &self.data.sigma
    }

    fn state_tangents_mut(&mut self) -> &mut [f64] {
        &mut self.data.sigma
    }

    fn init(&mut self, ctx: &mut Context) {
        let c = &*self.code;
        self.data.run(c, &c.init, ctx, None, None, Event::default());
    }

    fn currents(&mut self, ctx: &mut Context) {
        let c = &*self.code;
        self.data
            .run(c, &c.currents, ctx, None, None, Event::default());
    }

    fn states(&mut self, ctx: &mut Context) {
        let c = &*self.code;
        self.data
            .run(c, &c.states, ctx, None, None, Event::default());
    }

    fn net_receive(&mut self, ctx: &mut Context, instance: usize, weight: f64) {
        let c = &*self.code;
        if let Some(p) = &c.net_receive {
            let event = Event {
                weight,
                dweight: &[],
            };
            self.data.run(c, p, ctx, None, Some(instance), event);
        }
    }

    fn init_tangent(&mut self, ctx: &mut Context, tan: &mut Tangents) {
        let c = &*self.code;
        let Some(t) = &c.tangent else { return };
        match &t.init {
            Some(p) => self.data.run(c, p, ctx, Some(tan), None, Event::default()),
            None => {
                self.data.sigma.fill(0.0);
                self.data.carried.fill(0.0);
            }
        }
    }

    fn currents_tangent(&mut self, ctx: &mut Context, tan: &mut Tangents) {
        let c = &*self.code;
        if let Some(t) = &c.tangent {
            let e = Event::default();
            self.data.run(c, &t.currents, ctx, Some(tan), None, e);
        }
    }

    fn states_tangent(&mut self, ctx: &mut Context, tan: &mut Tangents) {
        let c = &*self.code;
        if let Some(t) = &c.tangent {
            let e = Event::default();
            self.data.run(c, &t.states, ctx, Some(tan), None, e);
        }
    }

    fn fused_states(&self) -> bool {
        self.code.tangent.as_ref().is_some_and(|t| t.fused)
    }

    fn net_receive_tangent(
        &mut self,
        ctx: &mut Context,
        tan: &mut Tangents,
        instance: usize,
        weight: f64,
        dweight: &[f64],
    ) {
        let c = &*self.code;
        if let Some(p) = c.tangent.as_ref().and_then(|t| t.net_receive.as_ref()) {
            let event = Event { weight, dweight };
            self.data.run(c, p, ctx, Some(tan), Some(instance), event);
        }
    }
}
