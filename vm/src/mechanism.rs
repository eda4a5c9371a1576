//! A mechanism compiled at run time, behind the runtime's `Mechanism` interface.

use std::sync::Arc;

use gradmod_compiler::back::kernels::{Body, Kernels};
use gradmod_runtime::mechanism::{Context, Mechanism, MechanismInfo, Tangents};

use crate::eval::{Event, Storage, run};
use crate::program::{LANES, Program, compile};

/// The register code of every kernel of one mechanism, shared by all its instances' owners.
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
    /// The largest number of registers any kernel needs.
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
            registers: 0,
        };
        code.registers = code.programs().map(|p| p.registers).max().unwrap_or(0);
        code
    }

    fn programs(&self) -> impl Iterator<Item = &Program> {
        let t = self.tangent.as_ref();
        [Some(&self.init), Some(&self.currents), Some(&self.states)]
            .into_iter()
            .chain([self.net_receive.as_ref()])
            .chain([
                t.and_then(|t| t.init.as_ref()),
                t.map(|t| &t.currents),
                t.map(|t| &t.states),
                t.and_then(|t| t.net_receive.as_ref()),
            ])
            .flatten()
    }

    /// The total number of operations of every kernel (a measure of the code's size).
    pub fn op_count(&self) -> usize {
        self.programs()
            .map(|p| p.pre.len() + p.outer.len() + p.inner.len())
            .sum()
    }
}

/// Instances of a mechanism compiled at run time: a struct of arrays like the generated ones,
/// whose kernels are run by the array evaluator.
#[derive(Debug)]
pub struct VmMechanism {
    code: Arc<Code>,
    node: Vec<usize>,
    weight: Vec<f64>,
    fields: Vec<Vec<f64>>,
    sigma: Vec<f64>,
    carried: Vec<f64>,
    /// Scratch registers, allocated with the instances so that kernels never allocate.
    regs: Vec<f64>,
}

impl VmMechanism {
    /// A mechanism with no instances yet.
    pub fn new(code: Arc<Code>) -> Self {
        VmMechanism {
            code,
            node: Vec::new(),
            weight: Vec::new(),
            fields: Vec::new(),
            sigma: Vec::new(),
            carried: Vec::new(),
            regs: Vec::new(),
        }
    }

    /// Runs `p` over instances `first..end`.
    fn run(
        &mut self,
        p: &Program,
        ctx: &mut Context,
        tan: Option<&mut Tangents>,
        range: (usize, usize),
        event: Event,
    ) {
        let ncarried = self.code.tangent.as_ref().map_or(0, |t| t.carried);
        let mut st = Storage {
            node: &self.node,
            weight: &self.weight,
            fields: &mut self.fields,
            sigma: &mut self.sigma,
            states: self.code.states_count,
            carried: &mut self.carried,
            ncarried,
        };
        run(
            p,
            &mut self.regs,
            &mut st,
            ctx,
            tan,
            range.0,
            range.1,
            event,
        );
    }

    fn all(&self) -> (usize, usize) {
        (0, self.node.len())
    }
}

impl Mechanism for VmMechanism {
    fn info(&self) -> &'static MechanismInfo {
        self.code.info
    }

    fn allocate(&mut self, nodes: &[usize], weights: &[f64]) {
        self.node = nodes.to_vec();
        self.weight = weights.to_vec();
        self.fields = self
            .code
            .info
            .fields
            .iter()
            .map(|f| vec![f.default; nodes.len()])
            .collect();
        self.sigma.clear();
        self.carried.clear();
        self.regs = vec![0.0; self.code.registers * LANES];
    }

    fn instance_count(&self) -> usize {
        self.node.len()
    }

    fn nodes(&self) -> &[usize] {
        &self.node
    }

    fn field(&self, field: usize) -> &[f64] {
        &self.fields[field]
    }

    fn field_mut(&mut self, field: usize) -> &mut [f64] {
        &mut self.fields[field]
    }

    fn set_tangent_count(&mut self, k: usize) {
        let n = self.node.len();
        self.sigma = vec![0.0; k * self.code.states_count * n];
        let carried = self.code.tangent.as_ref().map_or(0, |t| t.carried);
        self.carried = vec![0.0; k * carried * n];
    }

    fn state_tangents(&self) -> &[f64] {
        &self.sigma
    }

    fn state_tangents_mut(&mut self) -> &mut [f64] {
        &mut self.sigma
    }

    fn init(&mut self, ctx: &mut Context) {
        let code = Arc::clone(&self.code);
        self.run(&code.init, ctx, None, self.all(), Event::default());
    }

    fn currents(&mut self, ctx: &mut Context) {
        let code = Arc::clone(&self.code);
        self.run(&code.currents, ctx, None, self.all(), Event::default());
    }

    fn states(&mut self, ctx: &mut Context) {
        let code = Arc::clone(&self.code);
        self.run(&code.states, ctx, None, self.all(), Event::default());
    }

    fn net_receive(&mut self, ctx: &mut Context, instance: usize, weight: f64) {
        let code = Arc::clone(&self.code);
        if let Some(p) = &code.net_receive {
            let event = Event {
                weight,
                dweight: &[],
            };
            self.run(p, ctx, None, (instance, instance + 1), event);
        }
    }

    fn init_tangent(&mut self, ctx: &mut Context, tan: &mut Tangents) {
        let code = Arc::clone(&self.code);
        let Some(t) = &code.tangent else { return };
        match &t.init {
            Some(p) => self.run(p, ctx, Some(tan), self.all(), Event::default()),
            None => {
                self.sigma.fill(0.0);
                self.carried.fill(0.0);
            }
        }
    }

    fn currents_tangent(&mut self, ctx: &mut Context, tan: &mut Tangents) {
        let code = Arc::clone(&self.code);
        if let Some(t) = &code.tangent {
            self.run(&t.currents, ctx, Some(tan), self.all(), Event::default());
        }
    }

    fn states_tangent(&mut self, ctx: &mut Context, tan: &mut Tangents) {
        let code = Arc::clone(&self.code);
        if let Some(t) = &code.tangent {
            self.run(&t.states, ctx, Some(tan), self.all(), Event::default());
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
        let code = Arc::clone(&self.code);
        if let Some(p) = code.tangent.as_ref().and_then(|t| t.net_receive.as_ref()) {
            let event = Event { weight, dweight };
            self.run(p, ctx, Some(tan), (instance, instance + 1), event);
        }
    }
}
