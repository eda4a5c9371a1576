//! Functions of NEURON's C library that published `.mod` files call by name, beyond the C math
//! library: `nrn_ghk(v, ci, co, z)`, the Goldman-Hodgkin-Katz current of a unit permeability
//! (mA/cm2 per cm/s), as NEURON's `eion.cpp` computes it.
//!
//! Each call is lowered to the expression NEURON's C evaluates, in its operation order and with
//! its constants (the 2018 CODATA Faraday and gas constants), so that the value is NEURON's to the
//! bit and its derivative is the symbolic one of the same expression.

use super::Lowerer;
use super::units::{AVOGADRO, BOLTZMANN, ELECTRON_CHARGE};
use crate::ast;
use crate::diag::Span;
use crate::ir::{self, BinOp, Builtin, ExprId, Func};
use crate::sym::build;

impl Lowerer<'_> {
    /// A call of a NEURON library function, lowered into `out`; `None` where `name` is not one.
    pub(super) fn library_call(
        &mut self,
        name: &str,
        args: &[ast::Expr],
        span: Span,
        out: &mut Vec<ir::Stmt>,
    ) -> Option<ExprId> {
        if name != "nrn_ghk" {
            return None;
        }
        if args.len() != 4 {
            self.error(
                span,
                format!(
                    "`nrn_ghk` takes 4 arguments (v, ci, co, z), not {}",
                    args.len()
                ),
            );
            return Some(self.m.exprs.num(0.0));
        }
        let [v, ci, co, z] = [0, 1, 2, 3].map(|i| self.expr(&args[i], out));
        let celsius = self.builtin_var(Builtin::Celsius, span);
        let celsius = self.m.exprs.var(celsius);
        Some(ghk(&mut self.m.exprs, v, ci, co, z, celsius))
    }
}

/// NEURON's `nrn_ghk`:
///
/// ```text
/// ktf = 1000 R (celsius + 273.15) / F
/// temp = z v / ktf
/// nrn_ghk = 0.001 z F (ci efun(-temp) - co efun(temp))
/// ```
fn ghk(
    ar: &mut ir::ExprArena,
    v: ExprId,
    ci: ExprId,
    co: ExprId,
    z: ExprId,
    celsius: ExprId,
) -> ExprId {
    let faraday = ELECTRON_CHARGE * AVOGADRO;
    let gas = BOLTZMANN * AVOGADRO;
    let rk = build::num(ar, 1000.0 * gas);
    let kelvin = build::num(ar, 273.15);
    let f = build::num(ar, faraday);
    let abs_t = build::add(ar, celsius, kelvin);
    let rt = build::mul(ar, rk, abs_t);
    let ktf = build::div(ar, rt, f);
    let zv = build::mul(ar, z, v);
    let temp = build::div(ar, zv, ktf);
    let eco = efun(ar, temp);
    let eco = build::mul(ar, co, eco);
    let minus = build::neg(ar, temp);
    let eci = efun(ar, minus);
    let eci = build::mul(ar, ci, eci);
    let milli = build::num(ar, 0.001);
    let mz = build::mul(ar, milli, z);
    let mzf = build::mul(ar, mz, f);
    let diff = build::sub(ar, eci, eco);
    build::mul(ar, mzf, diff)
}

/// NEURON's `efun(x)`: `1 - x/2` where `|x| < 1e-4`, else `x / (exp(x) - 1)`.
fn efun(ar: &mut ir::ExprArena, x: ExprId) -> ExprId {
    let abs = build::call(ar, Func::Fabs, x);
    let small = build::num(ar, 1e-4);
    let near = build::binary(ar, BinOp::Lt, abs, small);
    let one = build::num(ar, 1.0);
    let two = build::num(ar, 2.0);
    let half = build::div(ar, x, two);
    let series = build::sub(ar, one, half);
    let e = build::call(ar, Func::Exp, x);
    let em1 = build::sub(ar, e, one);
    let exact = build::div(ar, x, em1);
    build::select(ar, near, series, exact)
}
