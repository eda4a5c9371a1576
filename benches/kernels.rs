//! The generated kernels one at a time: nanoseconds of thread CPU time per instance and call of
//! `currents`, `states`, `currents_tangent` and `states_tangent` (K = 3 tangent columns, seeded on
//! the mechanism's first three parameters) for hh and the IO cell's channels, over 1024 instances
//! on consecutive CVs with membrane potentials spread from -80 to 20 mV. The kernels run eight
//! instances at a time where the CPU has AVX-512, four where it has AVX2 and FMA;
//! `GRADMOD_NO_AVX512=1` keeps them at four, `GRADMOD_NO_LANES=1` runs them one at a time, for
//! comparison.
//!
//! Run with `cargo bench --bench kernels` (`-- calls=N`, default 2000).

use gradmod_runtime::mechanism::{
    Context, FieldRole, IonArrays, IonTangents, Mechanism, Seed, Tangents,
};

/// The mechanisms measured.
const MECHANISMS: [&str; 8] = [
    "hh", "pas", "io_cal", "io_na_s", "io_kdr", "io_k", "io_h", "io_kca",
];
/// Instances (and CVs).
const N: usize = 1024;
/// Tangent columns.
const K: usize = 3;

/// CPU time of this thread (s), or wall time where the system does not report it.
fn cpu_seconds(f: impl FnOnce()) -> f64 {
    let read = || -> Option<u64> {
        let text = std::fs::read_to_string("/proc/thread-self/schedstat").ok()?;
        text.split_whitespace().next()?.parse().ok()
    };
    let (c0, w0) = (read(), std::time::Instant::now());
    f();
    match (c0, read()) {
        (Some(a), Some(b)) => (b - a) as f64 * 1e-9,
        _ => w0.elapsed().as_secs_f64(),
    }
}

/// The per-CV arrays a kernel reads and writes, and the tangent columns.
struct Arrays {
    v: Vec<f64>,
    i: Vec<f64>,
    g: Vec<f64>,
    area: Vec<f64>,
    diam: Vec<f64>,
    ions: Vec<IonArrays>,
    slots: Vec<usize>,
    s: Vec<f64>,
    di: Vec<f64>,
    dg: Vec<f64>,
    tan_ions: Vec<IonTangents>,
    seeds: Vec<Option<Seed>>,
}

impl Arrays {
    fn new(mech: &dyn Mechanism) -> Self {
        let info = mech.info();
        let ion = || IonArrays {
            current: vec![0.0; N],
            current_dv: vec![0.0; N],
            rev: vec![-20.0; N],
            inside: vec![5e-5; N],
            outside: vec![2.0; N],
            diffusive: vec![5e-5; N],
        };
        let tan_ion = || IonTangents {
            current: vec![0.0; K * N],
            rev: vec![0.0; K * N],
            inside: vec![0.0; K * N],
            outside: vec![0.0; K * N],
            diffusive: vec![0.0; K * N],
        };
        let params: Vec<usize> = (0..info.fields.len())
            .filter(|&f| info.fields[f].role == FieldRole::Parameter)
            .collect();
        let seeds = (0..K)
            .map(|k| {
                params.get(k).map(|&param| Seed {
                    param,
                    factor: vec![1.0; N],
                })
            })
            .collect();
        Arrays {
            v: (0..N)
                .map(|j| -80.0 + 100.0 * j as f64 / N as f64)
                .collect(),
            i: vec![0.0; N],
            g: vec![0.0; N],
            area: vec![100.0; N],
            diam: vec![1.0; N],
            ions: (0..info.ions.len()).map(|_| ion()).collect(),
            slots: (0..info.ions.len()).collect(),
            s: vec![1e-3; K * N],
            di: vec![0.0; K * N],
            dg: vec![0.0; K * N],
            tan_ions: (0..info.ions.len()).map(|_| tan_ion()).collect(),
            seeds,
        }
    }

    /// Runs `f` with a context and the tangents over these arrays.
    fn with(&mut self, f: impl FnOnce(&mut Context, &mut Tangents)) {
        let mut ctx = Context {
            dt: 0.025,
            t: 0.0,
            celsius: 6.3,
            v: &self.v,
            i: &mut self.i,
            g: &mut self.g,
            area: &self.area,
            diam: &self.diam,
            ions: &mut self.ions,
            ion_slots: &self.slots,
            random: Default::default(),
            emit: &mut [],
            vectors: &[],
            tables: &[],
        };
        let mut tan = Tangents {
            k: K,
            ncv: N,
            s: &self.s,
            di: &mut self.di,
            dg: &mut self.dg,
            ions: &mut self.tan_ions,
            seeds: &self.seeds,
        };
        f(&mut ctx, &mut tan);
    }
}

fn main() {
    let calls = std::env::args()
        .skip(1)
        .find_map(|a| {
            a.strip_prefix("calls=")
                .map(|n| n.parse().expect("calls=N"))
        })
        .unwrap_or(2000usize);
    let lanes = if gradmod_runtime::lanes::wide8() {
        8
    } else if gradmod_runtime::lanes::wide() {
        4
    } else {
        1
    };
    println!(
        "ns of thread CPU time per instance and call, {N} instances, K = {K}, {calls} calls \
         ({} lanes)",
        lanes
    );
    println!(
        "  {:<10} {:>9} {:>9} {:>17} {:>15}",
        "mechanism", "currents", "states", "currents_tangent", "states_tangent"
    );
    for name in MECHANISMS {
        let Some(mut mech) = gradmod::catalogue::by_name(name) else {
            continue;
        };
        let nodes: Vec<usize> = (0..N).collect();
        mech.allocate(&nodes, &vec![1.0; N]);
        mech.set_tangent_count(K);
        let mut arrays = Arrays::new(mech.as_ref());
        arrays.with(|ctx, tan| {
            mech.init_tangent(ctx, tan);
            mech.init(ctx);
        });
        let per = |secs: f64| secs * 1e9 / (calls * N) as f64;
        let mut time = |phase: &dyn Fn(&mut dyn Mechanism, &mut Context, &mut Tangents)| {
            per(cpu_seconds(|| {
                for _ in 0..calls {
                    arrays.with(|ctx, tan| phase(mech.as_mut(), ctx, tan));
                }
            }))
        };
        let currents = time(&|m, ctx, _| m.currents(ctx));
        let states = time(&|m, ctx, _| m.states(ctx));
        let dcurrents = time(&|m, ctx, tan| m.currents_tangent(ctx, tan));
        let dstates = time(&|m, ctx, tan| m.states_tangent(ctx, tan));
        println!("  {name:<10} {currents:>9.2} {states:>9.2} {dcurrents:>17.2} {dstates:>15.2}");
    }
}
