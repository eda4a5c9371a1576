//! Counter-based random numbers: one reproducible stream per mechanism instance.
//!
//! A number is a pure function of (seed, mechanism, instance, stream, call), hashed by SplitMix64's
//! output function: no generator state is carried from one draw to the next, so the numbers do
//! not depend on the order instances are visited in, on how cells are spread over threads, or on
//! which back end (generated Rust, the evaluator, the JIT) runs the kernel. The key of a kernel
//! call ([`Draws`]) mixes the cell's seed, the mechanism's position on the cell, the step counter,
//! the phase and the time; a draw then mixes in the instance and the stream id the compiler gave
//! the WHITE_NOISE variable or call site. Every read of one draw within one kernel call gives the
//! same number, so a tangent kernel that re-runs the primal computation sees the noise the primal
//! kernel saw (pathwise tangents).
//!
//! Uniforms take the top 53 bits of a word; normals are Box–Muller (cosine branch) on two words;
//! exponentials are −ln(1 − U).

/// SplitMix64's output function.
pub fn mix64(mut x: u64) -> u64 {
    x = (x ^ (x >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    x = (x ^ (x >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    x ^ (x >> 31)
}

const GOLDEN: u64 = 0x9e37_79b9_7f4a_7c15;

/// The 64-bit word at position `index` of the stream (seed, stream): SplitMix64 started from a key
/// hashed from both, so every (seed, stream) pair has its own starting point.
pub fn random_word(seed: u64, stream: u64, index: u64) -> u64 {
    word_at(stream_key(seed, stream), index)
}

/// The starting key of the stream (seed, stream).
pub fn stream_key(seed: u64, stream: u64) -> u64 {
    mix64(mix64(seed ^ 0x6a09_e667_f3bc_c909) ^ stream.wrapping_mul(GOLDEN))
}

/// The word at position `index` of the stream with starting key `key`.
pub fn word_at(key: u64, index: u64) -> u64 {
    mix64(key.wrapping_add(index.wrapping_add(1).wrapping_mul(GOLDEN)))
}

/// A word as a uniform number in [0, 1) (its top 53 bits).
fn to_unit(w: u64) -> f64 {
    (w >> 11) as f64 * (1.0 / (1u64 << 53) as f64)
}

/// The standard normal number at counter `n` of the stream (seed, stream), by Box–Muller from
/// the words 2n and 2n + 1.
pub fn normal(seed: u64, stream: u64, n: u64) -> f64 {
    normal_at(stream_key(seed, stream), n)
}

/// [`normal`] for the stream with starting key `key`.
pub fn normal_at(key: u64, n: u64) -> f64 {
    // u1 in (0, 1] so that its logarithm is finite.
    let u1 = 1.0 - to_unit(word_at(key, 2 * n));
    let u2 = to_unit(word_at(key, 2 * n + 1));
    (-2.0 * u1.ln()).sqrt() * (std::f64::consts::TAU * u2).cos()
}

/// The phase of a time step a kernel call belongs to (part of the key of its draws).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Phase {
    /// INITIAL.
    Init = 1,
    /// An event's NET_RECEIVE.
    Event = 2,
    /// BREAKPOINT (currents).
    Currents = 3,
    /// The SOLVE (states).
    States = 4,
    /// BEFORE INITIAL.
    BeforeInitial = 5,
    /// AFTER INITIAL.
    AfterInitial = 6,
    /// BEFORE BREAKPOINT.
    BeforeBreakpoint = 7,
    /// AFTER SOLVE.
    AfterSolve = 8,
    /// BEFORE STEP.
    BeforeStep = 9,
}

/// The random draws of one kernel call: instance j's number of stream s is a pure function of
/// the call's key, j and s.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Draws {
    key: u64,
}

impl Draws {
    /// The draws of the call of `phase` at step `step` (steps taken since INITIAL) and time `t`,
    /// for the mechanism at position `mechanism` on a cell seeded with `seed`.
    pub fn new(seed: u64, mechanism: usize, step: u64, phase: Phase, t: f64) -> Self {
        let mut key = stream_key(seed, mechanism as u64);
        for x in [step, phase as u64, t.to_bits()] {
            key = mix64(key ^ x.wrapping_mul(GOLDEN));
        }
        Draws { key }
    }

    /// The key of this call, for back ends that pass it as a number (the JIT).
    pub fn key(&self) -> u64 {
        self.key
    }

    /// The draws of the call whose [`Draws::key`] is `key`.
    pub fn from_key(key: u64) -> Self {
        Draws { key }
    }

    /// The key of instance j's stream s in this call.
    fn word(&self, instance: usize, stream: u32, index: u64) -> u64 {
        let k = mix64(self.key ^ (instance as u64).wrapping_mul(GOLDEN));
        word_at(mix64(k ^ u64::from(stream).wrapping_add(1)), index)
    }

    /// A uniform number in [0, 1).
    pub fn uniform(&self, instance: usize, stream: u32) -> f64 {
        to_unit(self.word(instance, stream, 0))
    }

    /// A standard normal number (Box–Muller).
    pub fn normal(&self, instance: usize, stream: u32) -> f64 {
        let u1 = 1.0 - to_unit(self.word(instance, stream, 0));
        let u2 = to_unit(self.word(instance, stream, 1));
        (-2.0 * u1.ln()).sqrt() * (std::f64::consts::TAU * u2).cos()
    }

    /// An exponential number with mean 1.
    pub fn exponential(&self, instance: usize, stream: u32) -> f64 {
        -(1.0 - self.uniform(instance, stream)).ln()
    }

    /// Arbor's white noise over a step dt: a standard normal over sqrt(dt), so that explicit
    /// Euler on `x' = f + g*W` adds the Wiener increment g*sqrt(dt)*N(0, 1).
    pub fn white_noise(&self, instance: usize, stream: u32, dt: f64) -> f64 {
        self.normal(instance, stream) / dt.sqrt()
    }

    /// The draws of the iteration numbered `iteration` (1, 2, ...) of the loops in this call: a
    /// draw in a loop takes a number of its own in every iteration, independent of the call's
    /// draws outside loops and of every other iteration's.
    pub fn at(&self, iteration: f64) -> Draws {
        let salt = iteration.to_bits() ^ 0x6c6f_6f70_6472_6177; // "loopdraw"
        Draws {
            key: mix64(self.key ^ salt.wrapping_mul(GOLDEN)),
        }
    }

    /// The draw of distribution `dist` (0 uniform, 1 normal, 2 exponential, 3 white noise), for
    /// back ends that pass the distribution as a number.
    pub fn draw(&self, instance: usize, stream: u32, dist: u32, dt: f64) -> f64 {
        match dist {
            0 => self.uniform(instance, stream),
            1 => self.normal(instance, stream),
            2 => self.exponential(instance, stream),
            _ => self.white_noise(instance, stream, dt),
        }
    }
}
