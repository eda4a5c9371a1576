//! The functions compiled kernels call, by symbol: the C library's mathematical functions (the
//! ones Rust's `f64` methods call), the lanes' exp, and the random draw; and which of them a
//! kernel's register code needs.

use gradmod_compiler::ir::{BinOp, Func};

use crate::program::{Op, Program};

/// The library functions kernels call, by symbol, with their number of arguments.
pub(super) const LIBM: [(&str, usize); 18] = [
    ("exp", 1),
    ("log", 1),
    ("log10", 1),
    ("sin", 1),
    ("cos", 1),
    ("tan", 1),
    ("tanh", 1),
    ("sinh", 1),
    ("cosh", 1),
    ("atan", 1),
    ("asin", 1),
    ("acos", 1),
    ("expm1", 1),
    ("erf", 1),
    ("erfc", 1),
    ("pow", 2),
    ("atan2", 2),
    ("fmod", 2),
];

/// The C library's mathematical functions: those that Rust's `f64` methods call, so that a
/// kernel calling them computes what generated Rust and the evaluator compute.
mod libm {
    unsafe extern "C" {
        pub safe fn exp(x: f64) -> f64;
        pub safe fn log(x: f64) -> f64;
        pub safe fn log10(x: f64) -> f64;
        pub safe fn sin(x: f64) -> f64;
        pub safe fn cos(x: f64) -> f64;
        pub safe fn tan(x: f64) -> f64;
        pub safe fn tanh(x: f64) -> f64;
        pub safe fn sinh(x: f64) -> f64;
        pub safe fn cosh(x: f64) -> f64;
        pub safe fn atan(x: f64) -> f64;
        pub safe fn asin(x: f64) -> f64;
        pub safe fn acos(x: f64) -> f64;
        pub safe fn expm1(x: f64) -> f64;
        pub safe fn erf(x: f64) -> f64;
        pub safe fn erfc(x: f64) -> f64;
        pub safe fn pow(x: f64, y: f64) -> f64;
        pub safe fn atan2(x: f64, y: f64) -> f64;
        pub safe fn fmod(x: f64, y: f64) -> f64;
    }
}

/// The address of each function of [`LIBM`].
pub(super) fn libm_symbols() -> [(&'static str, *const u8); 18] {
    let f1 = |f: extern "C" fn(f64) -> f64| f as *const u8;
    let f2 = |f: extern "C" fn(f64, f64) -> f64| f as *const u8;
    [
        ("exp", exp_symbol()),
        ("log", f1(libm::log)),
        ("log10", f1(libm::log10)),
        ("sin", f1(libm::sin)),
        ("cos", f1(libm::cos)),
        ("tan", f1(libm::tan)),
        ("tanh", f1(libm::tanh)),
        ("sinh", f1(libm::sinh)),
        ("cosh", f1(libm::cosh)),
        ("atan", f1(libm::atan)),
        ("asin", f1(libm::asin)),
        ("acos", f1(libm::acos)),
        ("expm1", f1(libm::expm1)),
        ("erf", f1(libm::erf)),
        ("erfc", f1(libm::erfc)),
        ("pow", f2(libm::pow)),
        ("atan2", f2(libm::atan2)),
        ("fmod", f2(libm::fmod)),
    ]
}

/// The function kernels call for `exp`: where the generated kernels run over lanes (an x86-64
/// CPU with AVX2 and FMA under glibc, [`gradmod_runtime::lanes::wide`]), the lanes' exp on one
/// lane, compiled for FMA, which equals libm's to the bit and needs no call through the PLT and
/// libm's dispatch; libm's `exp` elsewhere.
fn exp_symbol() -> *const u8 {
    #[cfg(target_arch = "x86_64")]
    if gradmod_runtime::lanes::wide() {
        return exp_fma as unsafe extern "C" fn(f64) -> f64 as *const u8;
    }
    (libm::exp as extern "C" fn(f64) -> f64) as *const u8
}

/// `exp` by the lanes' method on one lane, with fused multiply-adds.
///
/// # Safety
/// The CPU must have FMA (which [`gradmod_runtime::lanes::wide`] guarantees).
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "fma")]
unsafe extern "C" fn exp_fma(x: f64) -> f64 {
    gradmod_runtime::lanes::exp_lanes([x])[0]
}

/// The symbol of the lanes' four-wide exp.
pub(super) const EXP4: &str = "gradmod_exp4";

/// The four-wide exp kernels over lanes call, where they run over lanes (see `lanes.rs`).
pub(super) fn exp4_symbol() -> Option<*const u8> {
    #[cfg(target_arch = "x86_64")]
    if gradmod_runtime::lanes::wide() {
        return Some(exp4 as unsafe extern "C" fn(*mut [f64; 4]) as *const u8);
    }
    None
}

/// `exp` of four lanes in place, by the lanes' method compiled for AVX2 and FMA, as the
/// build-time kernels compute it: equal to libm's `exp` lane by lane.
///
/// The lanes are read and written as two vectors of two, as the kernel stores and loads them
/// (volatile, so that the compiler neither merges nor splits them): a load that spans two stores
/// is not forwarded from them, and waits until they reach the cache.
///
/// # Safety
/// The CPU must have AVX2 and FMA (which [`gradmod_runtime::lanes::wide`] guarantees), and `x`
/// must point to four writable f64 aligned to 16 bytes.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2,fma")]
unsafe extern "C" fn exp4(x: *mut [f64; 4]) {
    use std::arch::x86_64::{__m128d, _mm_set_pd, _mm_storeu_pd};
    let v = x.cast::<__m128d>();
    let mut a = [0.0; 4];
    // SAFETY: the caller passes four writable f64, aligned to 16 bytes.
    unsafe {
        _mm_storeu_pd(a.as_mut_ptr(), v.read_volatile());
        _mm_storeu_pd(a.as_mut_ptr().add(2), v.add(1).read_volatile());
    }
    let y = gradmod_runtime::lanes::exp_lanes(a);
    // SAFETY: as above.
    unsafe {
        v.write_volatile(_mm_set_pd(y[1], y[0]));
        v.add(1).write_volatile(_mm_set_pd(y[3], y[2]));
    }
}

/// The symbol of [`draw`], the function a kernel calls for a random draw.
pub(super) const DRAW: &str = "gradmod_draw";

/// A random draw for the JIT: instance `instance`'s number of the stream and distribution packed
/// in `code` (stream * 4 + [`crate::eval::draw_code`]) in the call keyed `key`, exactly as the
/// evaluator and the generated Rust draw it.
pub(super) extern "C" fn draw(key: u64, instance: u64, code: u64, dt: f64) -> f64 {
    gradmod_runtime::random::Draws::from_key(key).draw(
        instance as usize,
        (code >> 2) as u32,
        (code & 3) as u32,
        dt,
    )
}

/// The symbol of [`draw_at`], the function a kernel calls for a random draw in a loop.
pub(super) const DRAW_AT: &str = "gradmod_draw_at";

/// A random draw in the loop iteration numbered `iteration`, as [`draw`] otherwise, exactly as
/// the evaluator and the generated Rust draw it.
pub(super) extern "C" fn draw_at(
    key: u64,
    instance: u64,
    code: u64,
    dt: f64,
    iteration: f64,
) -> f64 {
    gradmod_runtime::random::Draws::from_key(key)
        .at(iteration)
        .draw(instance as usize, (code >> 2) as u32, (code & 3) as u32, dt)
}

/// The symbol of [`table`], the function a kernel calls to read a FUNCTION_TABLE.
pub(super) const TABLE: &str = "gradmod_table";

/// FUNCTION_TABLE `k` of the mechanism at `x` (its slope where `slope` is 1) for the JIT, exactly
/// as the evaluator reads it. `tables` and `n` are
/// [`gradmod_runtime::mechanism::Context::tables`] as a pointer and a length.
pub(super) extern "C" fn table(
    tables: *const Option<gradmod_runtime::function_table::FunctionTable>,
    n: u64,
    k: u64,
    x: f64,
    slope: u64,
) -> f64 {
    let tables: &[Option<gradmod_runtime::function_table::FunctionTable>] = if n == 0 {
        &[]
    } else {
        // SAFETY: the frame holds the context's slice of tables, which outlives the call.
        unsafe { std::slice::from_raw_parts(tables, n as usize) }
    };
    gradmod_runtime::function_table::table_read(tables, k as usize, x, slope != 0)
}

/// The symbol of [`vector`], the function a kernel calls to read the instance's vector.
pub(super) const VECTOR: &str = "gradmod_vector";

/// A read of instance `instance`'s vector for the JIT: element `index` (truncated toward zero,
/// NaN outside the vector), or its size where `size` is 1, exactly as the evaluator reads it.
/// `vectors` and `n` are [`gradmod_runtime::mechanism::Context::vectors`] as a pointer and a
/// length.
pub(super) extern "C" fn vector(
    vectors: *const Option<Vec<f64>>,
    n: u64,
    instance: u64,
    index: f64,
    size: u64,
) -> f64 {
    let vectors: &[Option<Vec<f64>>] = if n == 0 {
        &[]
    } else {
        // SAFETY: the frame holds the context's slice of vectors, which outlives the call.
        unsafe { std::slice::from_raw_parts(vectors, n as usize) }
    };
    let j = instance as usize;
    if size != 0 {
        gradmod_runtime::mechanism::vector_size(vectors, j)
    } else {
        gradmod_runtime::mechanism::vector_element(vectors, j, index)
    }
}

/// The library functions `p` calls.
pub(super) fn libm_used(p: &Program) -> Vec<&'static str> {
    let mut names = Vec::new();
    for op in p.ops() {
        let name = match *op {
            Op::Binary { op: BinOp::Pow, .. } => "pow",
            Op::Binary {
                op: BinOp::Atan2, ..
            } => "atan2",
            Op::Binary {
                op: BinOp::Fmod, ..
            } => "fmod",
            Op::Load {
                from: gradmod_compiler::back::kernels::Source::Draw(_),
                ..
            } => DRAW,
            Op::VectorRead { .. } => VECTOR,
            Op::DrawAt { .. } => DRAW_AT,
            Op::TableRead { .. } => TABLE,
            Op::Call { f, .. } => match f {
                // exprelr is computed from expm1; the rest are inline or not library calls.
                Func::Exprelr => "expm1",
                f if LIBM.iter().any(|&(name, _)| name == f.name()) => f.name(),
                _ => continue,
            },
            _ => continue,
        };
        if !names.contains(&name) {
            names.push(name);
        }
    }
    names
}
