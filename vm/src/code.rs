//! The register code of one mechanism, which both engines run: every kernel of the mechanism as
//! a [`Program`], their shared pool of constants, and the shape of the mechanism's storage.

use std::collections::HashMap;

use gradmod_compiler::back::kernels::{Body, Kernels};
use gradmod_compiler::ir::BaPoint;
use gradmod_runtime::mechanism::{BaPoint as RtBaPoint, Longitudinal, MechanismInfo};

use crate::program::{Program, Reg, compile};

/// What every engine needs to know about a mechanism's storage, besides its kernels.
#[derive(Clone, Copy, Debug)]
pub struct Shape {
    /// The mechanism's metadata (its fields and ions).
    pub info: &'static MechanismInfo,
    /// The number of states: rows of σ per tangent direction.
    pub states: usize,
    /// The number of carried variables: rows of carried tangents per direction.
    pub carried: usize,
    /// Whether the states' tangent kernel also advances the states.
    pub fused: bool,
    /// Whether the currents' tangent kernel also does the primal currents' work.
    pub fused_currents: bool,
    /// The states the mechanism diffuses along the cable (LONGITUDINAL_DIFFUSION).
    pub longitudinal: &'static [Longitudinal],
    /// The points at which the mechanism has BEFORE or AFTER blocks.
    pub ba: &'static [RtBaPoint],
    /// The field of each carried variable, in the order of its rows of carried tangents.
    pub carried_fields: &'static [usize],
}

/// The runtime's name of a point of the step at which BEFORE and AFTER blocks run.
pub fn runtime_point(p: BaPoint) -> RtBaPoint {
    match p {
        BaPoint::BeforeInitial => RtBaPoint::BeforeInitial,
        BaPoint::AfterInitial => RtBaPoint::AfterInitial,
        BaPoint::BeforeBreakpoint => RtBaPoint::BeforeBreakpoint,
        BaPoint::AfterSolve => RtBaPoint::AfterSolve,
        BaPoint::BeforeStep => RtBaPoint::BeforeStep,
    }
}

/// One value per kernel the runtime calls: `K` is what a kernel is to an engine (register code,
/// or native code).
#[derive(Clone, Debug)]
pub struct KernelSet<K> {
    /// INITIAL.
    pub init: K,
    /// BREAKPOINT without its SOLVE.
    pub currents: K,
    /// The SOLVE.
    pub states: K,
    /// NET_RECEIVE, for a mechanism that has one.
    pub net_receive: Option<K>,
    /// The INITIAL nested in NET_RECEIVE, for a mechanism that has one.
    pub net_init: Option<K>,
    /// The body of NET_RECEIVE's FOR_NETCONS, for a mechanism that has one.
    pub for_netcons: Option<K>,
    /// The WATCH conditions, for a mechanism that has any.
    pub watch: Option<K>,
    /// The BEFORE and AFTER blocks, each for one instance.
    pub ba: Vec<(BaPoint, K)>,
    /// The tangent kernels (every module that has been through the passes has them).
    pub tangent: TangentSet<K>,
}

/// The tangent kernels of a [`KernelSet`].
#[derive(Clone, Debug)]
pub struct TangentSet<K> {
    /// The tangent of INITIAL; `None` where it is zero.
    pub init: Option<K>,
    /// The tangent of the currents.
    pub currents: K,
    /// The tangent of the SOLVE.
    pub states: K,
    /// The tangent of NET_RECEIVE.
    pub net_receive: Option<K>,
    /// The tangent of the INITIAL nested in NET_RECEIVE.
    pub net_init: Option<K>,
    /// The tangent of the body of NET_RECEIVE's FOR_NETCONS.
    pub for_netcons: Option<K>,
    /// The tangents of the BEFORE and AFTER blocks, fused (each also runs its block).
    pub ba: Vec<(BaPoint, K)>,
}

impl<K> KernelSet<K> {
    /// Every kernel with its name and whether it runs with tangents, in a fixed order.
    pub fn iter(&self) -> impl Iterator<Item = (&'static str, bool, &K)> {
        let t = &self.tangent;
        [
            ("init", false, Some(&self.init)),
            ("currents", false, Some(&self.currents)),
            ("states", false, Some(&self.states)),
            ("net_receive", false, self.net_receive.as_ref()),
            ("net_init", false, self.net_init.as_ref()),
            ("for_netcons", false, self.for_netcons.as_ref()),
            ("watch", false, self.watch.as_ref()),
            ("init_tangent", true, t.init.as_ref()),
            ("currents_tangent", true, Some(&t.currents)),
            ("states_tangent", true, Some(&t.states)),
            ("net_receive_tangent", true, t.net_receive.as_ref()),
            ("net_init_tangent", true, t.net_init.as_ref()),
            ("for_netcons_tangent", true, t.for_netcons.as_ref()),
        ]
        .into_iter()
        .filter_map(|(name, tangent, k)| k.map(|k| (name, tangent, k)))
        .chain(self.ba.iter().map(|(p, k)| (p.kernel_name(), false, k)))
        .chain(t.ba.iter().map(|(p, k)| (p.tangent_kernel_name(), true, k)))
    }

    /// Every kernel, mutably, in the order of [`KernelSet::iter`].
    pub fn iter_mut(&mut self) -> impl Iterator<Item = &mut K> {
        let t = &mut self.tangent;
        [
            Some(&mut self.init),
            Some(&mut self.currents),
            Some(&mut self.states),
            self.net_receive.as_mut(),
            self.net_init.as_mut(),
            self.for_netcons.as_mut(),
            self.watch.as_mut(),
            t.init.as_mut(),
            Some(&mut t.currents),
            Some(&mut t.states),
            t.net_receive.as_mut(),
            t.net_init.as_mut(),
            t.for_netcons.as_mut(),
        ]
        .into_iter()
        .flatten()
        .chain(self.ba.iter_mut().map(|(_, k)| k))
        .chain(t.ba.iter_mut().map(|(_, k)| k))
    }

    /// The same set with every kernel converted by `f`, which is given the kernel's name and
    /// whether it runs with tangents; the first error stops the conversion.
    pub fn try_map<L, E>(
        &self,
        mut f: impl FnMut(&'static str, bool, &K) -> Result<L, E>,
    ) -> Result<KernelSet<L>, E> {
        let t = &self.tangent;
        // Each kernel is converted once, in the order of `iter`.
        let init = f("init", false, &self.init)?;
        let currents = f("currents", false, &self.currents)?;
        let states = f("states", false, &self.states)?;
        let net_receive = self
            .net_receive
            .as_ref()
            .map(|k| f("net_receive", false, k))
            .transpose()?;
        let net_init = self
            .net_init
            .as_ref()
            .map(|k| f("net_init", false, k))
            .transpose()?;
        let for_netcons = self
            .for_netcons
            .as_ref()
            .map(|k| f("for_netcons", false, k))
            .transpose()?;
        let watch = self
            .watch
            .as_ref()
            .map(|k| f("watch", false, k))
            .transpose()?;
        let tangent_init = t
            .init
            .as_ref()
            .map(|k| f("init_tangent", true, k))
            .transpose()?;
        let tangent = TangentSet {
            init: tangent_init,
            currents: f("currents_tangent", true, &t.currents)?,
            states: f("states_tangent", true, &t.states)?,
            net_receive: t
                .net_receive
                .as_ref()
                .map(|k| f("net_receive_tangent", true, k))
                .transpose()?,
            net_init: t
                .net_init
                .as_ref()
                .map(|k| f("net_init_tangent", true, k))
                .transpose()?,
            for_netcons: t
                .for_netcons
                .as_ref()
                .map(|k| f("for_netcons_tangent", true, k))
                .transpose()?,
            ba: Vec::new(),
        };
        let ba = self
            .ba
            .iter()
            .map(|(p, k)| Ok((*p, f(p.kernel_name(), false, k)?)))
            .collect::<Result<_, E>>()?;
        let tangent = TangentSet {
            ba: t
                .ba
                .iter()
                .map(|(p, k)| Ok((*p, f(p.tangent_kernel_name(), true, k)?)))
                .collect::<Result<_, E>>()?,
            ..tangent
        };
        Ok(KernelSet {
            init,
            currents,
            states,
            net_receive,
            net_init,
            for_netcons,
            watch,
            ba,
            tangent,
        })
    }
}

/// The register code of every kernel of one mechanism, shared by all its instances' owners and
/// by both engines (the evaluator runs it; the JIT translates it).
///
/// The kernels share one pool of constant registers: register `r` below `constants.len()` holds
/// `constants[r]` in every lane, and no kernel writes it. Each kernel's own registers follow the
/// pool.
#[derive(Debug)]
pub struct Code {
    /// The shape of the mechanism's storage.
    pub shape: Shape,
    /// The kernels.
    pub kernels: KernelSet<Program>,
    /// The constant pool.
    pub constants: Vec<f64>,
    /// The number of registers: the pool and the largest kernel's own.
    pub registers: usize,
}

impl Code {
    /// The register code of `kernels`, described to the runtime by `info`.
    pub fn new(kernels: &Kernels, info: &'static MechanismInfo) -> Self {
        let point = kernels.info.point;
        let program = |b: &Body| compile(b, &kernels.arena, point);
        let t = &kernels.tangent;
        let tangent = TangentSet {
            init: t.init.as_ref().map(program),
            currents: program(&t.currents),
            states: program(&t.states),
            net_receive: t.net_receive.as_ref().map(program),
            net_init: t.net_init.as_ref().map(program),
            for_netcons: t.for_netcons.as_ref().map(program),
            ba: t.ba.iter().map(|(p, b)| (*p, program(b))).collect(),
        };
        let mut code = Code {
            shape: Shape {
                info,
                states: kernels.layout.states.len(),
                carried: t.carried,
                fused: t.fused,
                fused_currents: t.fused_currents,
                // Leaked once per loaded mechanism, as its metadata is.
                ba: Box::leak(
                    kernels
                        .ba
                        .iter()
                        .map(|&(p, _)| runtime_point(p))
                        .collect::<Vec<_>>()
                        .into_boxed_slice(),
                ),
                carried_fields: Box::leak(t.carried_fields.clone().into_boxed_slice()),
                longitudinal: crate::info::longitudinal(&kernels.info),
            },
            kernels: KernelSet {
                init: program(&kernels.init),
                currents: program(&kernels.currents),
                states: program(&kernels.states),
                net_receive: kernels.net_receive.as_ref().map(program),
                net_init: kernels.net_init.as_ref().map(program),
                for_netcons: kernels.for_netcons.as_ref().map(program),
                watch: kernels.watch.as_ref().map(program),
                ba: kernels.ba.iter().map(|(p, b)| (*p, program(b))).collect(),
                tangent,
            },
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
        // +0 and -0 are one constant, as in the register code of each kernel.
        let key = |x: f64| if x == 0.0 { 0 } else { x.to_bits() };
        for p in self.kernels.iter_mut() {
            for &(_, x) in &p.constants {
                index.entry(key(x)).or_insert_with(|| {
                    pool.push(x);
                    pool.len() as Reg - 1
                });
            }
        }
        let size = pool.len() as Reg;
        let mut largest = 0;
        for p in self.kernels.iter_mut() {
            let constants: HashMap<Reg, Reg> = p
                .constants
                .iter()
                .map(|&(r, x)| (r, index[&key(x)]))
                .collect();
            p.rename(&|r| constants.get(&r).copied().unwrap_or(r + size));
            p.constants.clear();
            p.registers += size as usize;
            largest = largest.max(p.registers);
        }
        self.registers = largest.max(pool.len());
        self.constants = pool;
    }

    /// Every kernel's name and its number of operations per call, per chunk of instances and
    /// per chunk and tangent direction (both variants of that part together: a measure of the
    /// code's size).
    pub fn kernel_sizes(&self) -> Vec<(&'static str, [usize; 3])> {
        self.kernels
            .iter()
            .map(|(name, _, p)| {
                let unseeded = p.unseeded.as_ref().map_or(0, Vec::len);
                (name, [p.pre.len(), p.outer.len(), p.inner.len() + unseeded])
            })
            .collect()
    }
}
