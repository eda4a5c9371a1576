//! The instances of a mechanism compiled at run time, behind the runtime's `Mechanism`
//! interface, for either engine.
//!
//! The storage (a struct of arrays like the generated Rust's) and everything the interface asks
//! of it besides running kernels are the same for both engines; a [`Backend`] runs the kernels.

use std::fmt::Debug;
use std::sync::Arc;

use gradmod_runtime::mechanism::{BaPoint, Context, EventArgs, Mechanism, MechanismInfo, Tangents};

use crate::code::{KernelSet, Shape};

/// The values of an event delivery: the flag, and the connection's values and tangents.
pub type Event<'a> = EventArgs<'a>;

/// Which instances a kernel call covers, and the event it delivers.
#[derive(Debug)]
pub(crate) struct Call<'a> {
    /// The first instance.
    pub first: usize,
    /// One past the last instance.
    pub end: usize,
    /// The event (no values outside NET_RECEIVE and its nested INITIAL).
    pub event: Event<'a>,
}

/// The per-instance storage of a mechanism.
///
/// Invariants, established by [`Data::allocate`] and [`Data::set_tangent_count`] and relied on
/// by the JIT's kernels: `node`, `weight` and every field hold one value per instance; `sigma`
/// holds `directions * states` rows and `carried` `directions * carried` rows of one value per
/// instance; `cvs` is one more than the largest node index (0 without instances).
#[derive(Debug, Default)]
pub(crate) struct Data {
    /// The CV of every instance.
    pub node: Vec<usize>,
    /// The weight of every instance.
    pub weight: Vec<f64>,
    /// The fields, one array per field with one value per instance.
    pub fields: Vec<Vec<f64>>,
    /// σ, `[k][state][instance]`.
    pub sigma: Vec<f64>,
    /// The carried tangents, `[k][carried][instance]`.
    pub carried: Vec<f64>,
    /// The number of CVs the instances need: one more than the largest node index.
    pub cvs: usize,
    /// The number of tangent directions σ and the carried tangents are sized for.
    pub directions: usize,
}

impl Data {
    /// Sizes the storage for instances on `nodes` with `weights`, every field at its default.
    fn allocate(&mut self, shape: &Shape, nodes: &[usize], weights: &[f64]) {
        assert_eq!(
            nodes.len(),
            weights.len(),
            "`{}`: one weight per instance",
            shape.info.name
        );
        self.node = nodes.to_vec();
        self.weight = weights.to_vec();
        self.fields = shape
            .info
            .fields
            .iter()
            .map(|f| vec![f.default; nodes.len()])
            .collect();
        self.sigma.clear();
        self.carried.clear();
        self.cvs = nodes.iter().max().map_or(0, |&n| n + 1);
        self.directions = 0;
    }

    /// Sizes (and zeroes) the tangents for `k` directions.
    fn set_tangent_count(&mut self, shape: &Shape, k: usize) {
        let n = self.node.len();
        self.sigma = vec![0.0; k * shape.states * n];
        self.carried = vec![0.0; k * shape.carried * n];
        self.directions = k;
    }
}

/// An engine's code for one mechanism: how its kernels run over a mechanism's [`Data`].
pub(crate) trait Backend: Debug + Send + Sync + 'static {
    /// One kernel's code.
    type Kernel: Debug + Send + Sync;
    /// The scratch space a set of instances keeps for its kernel calls, so that calls never
    /// allocate.
    type Scratch: Debug + Default + Send;

    /// The shape of the mechanism's storage.
    fn shape(&self) -> &Shape;

    /// The kernels.
    fn kernels(&self) -> &KernelSet<Self::Kernel>;

    /// Sizes `scratch` for `data`, after the instances are allocated or the tangents sized.
    fn prepare(&self, scratch: &mut Self::Scratch, data: &Data);

    /// Runs `kernel` over `call.first..call.end` (a range within the instances).
    fn run(
        &self,
        kernel: &Self::Kernel,
        scratch: &mut Self::Scratch,
        data: &mut Data,
        ctx: &mut Context,
        tan: Option<&mut Tangents>,
        call: Call,
    );
}

/// Instances of a mechanism compiled at run time, whose kernels the backend `B` runs.
#[derive(Debug)]
pub(crate) struct Instances<B: Backend> {
    code: Arc<B>,
    data: Data,
    scratch: B::Scratch,
}

impl<B: Backend> Instances<B> {
    /// A mechanism with no instances yet.
    pub fn new(code: Arc<B>) -> Self {
        Instances {
            code,
            data: Data::default(),
            scratch: B::Scratch::default(),
        }
    }

    /// Runs `kernel` (of `self.code`) on every instance, or on `instance` alone.
    fn run(
        &mut self,
        kernel: fn(&KernelSet<B::Kernel>) -> Option<&B::Kernel>,
        ctx: &mut Context,
        tan: Option<&mut Tangents>,
        instance: Option<usize>,
        event: Event,
    ) {
        let Some(k) = kernel(self.code.kernels()) else {
            return;
        };
        let n = self.data.node.len();
        let (first, end) = match instance {
            Some(i) => {
                assert!(
                    i < n,
                    "`{}`: instance {i} of {n}",
                    self.code.shape().info.name
                );
                (i, i + 1)
            }
            None => (0, n),
        };
        if first == end {
            return;
        }
        let call = Call { first, end, event };
        let (code, data, scratch) = (&*self.code, &mut self.data, &mut self.scratch);
        code.run(k, scratch, data, ctx, tan, call);
    }
}

impl<B: Backend> Mechanism for Instances<B> {
    fn info(&self) -> &'static MechanismInfo {
        self.code.shape().info
    }

    fn allocate(&mut self, nodes: &[usize], weights: &[f64]) {
        self.data.allocate(self.code.shape(), nodes, weights);
        self.code.prepare(&mut self.scratch, &self.data);
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
        self.data.set_tangent_count(self.code.shape(), k);
        self.code.prepare(&mut self.scratch, &self.data);
    }

    fn state_tangents(&self) -> &[f64] {
        &self.data.sigma
    }

    fn state_tangents_mut(&mut self) -> &mut [f64] {
        &mut self.data.sigma
    }

    fn init(&mut self, ctx: &mut Context) {
        self.run(|k| Some(&k.init), ctx, None, None, Event::default());
    }

    fn currents(&mut self, ctx: &mut Context) {
        self.run(|k| Some(&k.currents), ctx, None, None, Event::default());
    }

    fn states(&mut self, ctx: &mut Context) {
        self.run(|k| Some(&k.states), ctx, None, None, Event::default());
    }

    fn net_receive(&mut self, ctx: &mut Context, instance: usize, ev: &mut EventArgs) {
        let event = reborrow(ev);
        self.run(|k| k.net_receive.as_ref(), ctx, None, Some(instance), event);
    }

    fn net_init(&mut self, ctx: &mut Context, instance: usize, ev: &mut EventArgs) {
        let event = reborrow(ev);
        self.run(|k| k.net_init.as_ref(), ctx, None, Some(instance), event);
    }

    fn watch(&mut self, ctx: &mut Context) {
        self.run(|k| k.watch.as_ref(), ctx, None, None, Event::default());
    }

    fn for_netcons(&mut self, ctx: &mut Context, instance: usize, ev: &mut EventArgs) {
        let event = reborrow(ev);
        self.run(|k| k.for_netcons.as_ref(), ctx, None, Some(instance), event);
    }

    fn for_netcons_tangent(
        &mut self,
        ctx: &mut Context,
        tan: &mut Tangents,
        instance: usize,
        ev: &mut EventArgs,
    ) {
        let event = reborrow(ev);
        self.run(
            |k| k.tangent.for_netcons.as_ref(),
            ctx,
            Some(tan),
            Some(instance),
            event,
        );
    }

    fn net_init_tangent(
        &mut self,
        ctx: &mut Context,
        tan: &mut Tangents,
        instance: usize,
        ev: &mut EventArgs,
    ) {
        let event = reborrow(ev);
        self.run(
            |k| k.tangent.net_init.as_ref(),
            ctx,
            Some(tan),
            Some(instance),
            event,
        );
    }

    fn init_tangent(&mut self, ctx: &mut Context, tan: &mut Tangents) {
        if self.code.kernels().tangent.init.is_some() {
            let e = Event::default();
            self.run(|k| k.tangent.init.as_ref(), ctx, Some(tan), None, e);
        } else {
            // INITIAL's tangent is zero.
            self.data.sigma.fill(0.0);
            self.data.carried.fill(0.0);
        }
    }

    fn currents_tangent(&mut self, ctx: &mut Context, tan: &mut Tangents) {
        let e = Event::default();
        self.run(|k| Some(&k.tangent.currents), ctx, Some(tan), None, e);
    }

    fn states_tangent(&mut self, ctx: &mut Context, tan: &mut Tangents) {
        let e = Event::default();
        self.run(|k| Some(&k.tangent.states), ctx, Some(tan), None, e);
    }

    fn fused_states(&self) -> bool {
        self.code.shape().fused
    }

    fn fused_currents(&self) -> bool {
        self.code.shape().fused_currents
    }

    fn before_after(&self) -> &'static [BaPoint] {
        self.code.shape().ba
    }

    fn ba(&mut self, ctx: &mut Context, point: BaPoint, instance: usize) {
        let Some(i) = self.code.shape().ba.iter().position(|&p| p == point) else {
            return;
        };
        let (code, data, scratch) = (&*self.code, &mut self.data, &mut self.scratch);
        let k = &code.kernels().ba[i].1;
        run_one(code, k, scratch, data, ctx, None, instance);
    }

    fn ba_tangent(
        &mut self,
        ctx: &mut Context,
        tan: &mut Tangents,
        point: BaPoint,
        instance: usize,
    ) {
        let Some(i) = self.code.shape().ba.iter().position(|&p| p == point) else {
            return;
        };
        let (code, data, scratch) = (&*self.code, &mut self.data, &mut self.scratch);
        let k = &code.kernels().tangent.ba[i].1;
        run_one(code, k, scratch, data, ctx, Some(tan), instance);
    }

    fn carried_fields(&self) -> &[usize] {
        self.code.shape().carried_fields
    }

    fn carried_tangents(&self) -> &[f64] {
        &self.data.carried
    }

    fn carried_tangents_mut(&mut self) -> &mut [f64] {
        &mut self.data.carried
    }

    fn longitudinal(&self) -> &'static [gradmod_runtime::mechanism::Longitudinal] {
        self.code.shape().longitudinal
    }

    fn net_receive_tangent(
        &mut self,
        ctx: &mut Context,
        tan: &mut Tangents,
        instance: usize,
        ev: &mut EventArgs,
    ) {
        let event = reborrow(ev);
        self.run(
            |k| k.tangent.net_receive.as_ref(),
            ctx,
            Some(tan),
            Some(instance),
            event,
        );
    }
}

/// Runs kernel `k` of `code` on instance `instance` alone, outside any event.
fn run_one<B: Backend>(
    code: &B,
    k: &B::Kernel,
    scratch: &mut B::Scratch,
    data: &mut Data,
    ctx: &mut Context,
    tan: Option<&mut Tangents>,
    instance: usize,
) {
    let n = data.node.len();
    assert!(
        instance < n,
        "`{}`: instance {instance} of {n}",
        code.shape().info.name
    );
    let call = Call {
        first: instance,
        end: instance + 1,
        event: Event::default(),
    };
    code.run(k, scratch, data, ctx, tan, call);
}

/// A shorter-lived view of `ev`, for one kernel call.
fn reborrow<'a>(ev: &'a mut EventArgs) -> Event<'a> {
    EventArgs {
        flag: ev.flag,
        args: &mut *ev.args,
        dargs: &mut *ev.dargs,
    }
}
