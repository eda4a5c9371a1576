//! Cranelift set-up: the host's instruction set (detected once per process), the settings, the
//! library functions kernels call, and a module into which kernels are compiled.

use std::collections::HashMap;
use std::sync::OnceLock;

use cranelift_codegen::ir::types::{F64, I64};
use cranelift_codegen::ir::{AbiParam, UserFuncName};
use cranelift_codegen::isa::OwnedTargetIsa;
use cranelift_codegen::settings::{self, Configurable};
use cranelift_frontend::{FunctionBuilder, FunctionBuilderContext};
use cranelift_jit::{JITBuilder, JITModule};
use cranelift_module::{FuncId, Linkage, Module, default_libcall_names};

use super::lower::{Gen, LaneFuncs};
use super::symbols::{
    DRAW, DRAW_AT, EXP4, LIBM, TABLE, VECTOR, draw, draw_at, exp4_symbol, libm_symbols, libm_used,
    table, vector,
};
use crate::program::Program;
use gradmod_runtime::function_table::FunctionTable;

/// The host's instruction set with the kernels' settings, made once per process; why the JIT
/// cannot be used on this machine otherwise.
///
/// The settings depart from Cranelift's defaults in `opt_level` none (measured: as fast as
/// "speed" on the kernels, whose e-graph pass moves per-instance arithmetic into the loop over
/// directions, and quicker to compile), and in the verifier, which runs in debug builds only.
/// Cranelift never contracts a multiplication and an addition into a fused multiply-add.
fn isa() -> Result<OwnedTargetIsa, String> {
    static ISA: OnceLock<Result<OwnedTargetIsa, String>> = OnceLock::new();
    ISA.get_or_init(|| {
        let mut flags = settings::builder();
        let set = |flags: &mut settings::Builder, name: &str, value: &str| {
            flags
                .set(name, value)
                .map_err(|e| format!("the Cranelift setting {name}={value}: {e}"))
        };
        set(&mut flags, "opt_level", "none")?;
        set(&mut flags, "use_colocated_libcalls", "false")?;
        set(&mut flags, "is_pic", "false")?;
        let verify = if cfg!(debug_assertions) {
            "true"
        } else {
            "false"
        };
        set(&mut flags, "enable_verifier", verify)?;
        let builder = cranelift_native::builder()
            .map_err(|e| format!("Cranelift does not support this machine: {e}"))?;
        builder
            .finish(settings::Flags::new(flags))
            .map_err(|e| format!("Cranelift cannot target this machine: {e}"))
    })
    .clone()
}

/// One Cranelift module and the kernels compiled into it so far.
pub(super) struct Compiler {
    /// The module, which owns the kernels' executable memory.
    pub module: JITModule,
    ctx: cranelift_codegen::Context,
    fctx: FunctionBuilderContext,
    libm: HashMap<&'static str, FuncId>,
    /// The lanes' four-wide exp, where kernels run over lanes.
    exp4: Option<FuncId>,
}

impl Compiler {
    /// A module for the host, with the library functions declared; or why it cannot be made.
    pub fn new() -> Result<Self, String> {
        let mut jb = JITBuilder::with_isa(isa()?, default_libcall_names());
        for (name, ptr) in libm_symbols() {
            jb.symbol(name, ptr);
        }
        if let Some(ptr) = exp4_symbol() {
            jb.symbol(EXP4, ptr);
        }
        jb.symbol(
            DRAW,
            draw as extern "C" fn(u64, u64, u64, f64) -> f64 as *const u8,
        );
        jb.symbol(
            DRAW_AT,
            draw_at as extern "C" fn(u64, u64, u64, f64, f64) -> f64 as *const u8,
        );
        jb.symbol(
            TABLE,
            table as extern "C" fn(*const Option<FunctionTable>, u64, u64, f64, u64) -> f64
                as *const u8,
        );
        jb.symbol(
            VECTOR,
            vector as extern "C" fn(*const Option<Vec<f64>>, u64, u64, f64, u64) -> f64
                as *const u8,
        );
        let mut module = JITModule::new(jb);
        let mut libm = HashMap::new();
        // The runtime's functions a kernel calls: their argument types (I64 for integers and
        // pointers) and an f64 result.
        let (int, float) = (AbiParam::new(I64), AbiParam::new(F64));
        let imports: [(&'static str, Vec<AbiParam>); 4] = [
            (DRAW, vec![int, int, int, float]),
            (DRAW_AT, vec![int, int, int, float, float]),
            (TABLE, vec![int, int, int, float, int]),
            (VECTOR, vec![int, int, int, float, int]),
        ];
        for (name, params) in imports {
            let mut sig = module.make_signature();
            sig.params.extend(params);
            sig.returns.push(float);
            let id = module
                .declare_function(name, Linkage::Import, &sig)
                .map_err(|e| format!("declaring {name}: {e}"))?;
            libm.insert(name, id);
        }
        for &(name, args) in &LIBM {
            let mut sig = module.make_signature();
            sig.params.extend((0..args).map(|_| AbiParam::new(F64)));
            sig.returns.push(AbiParam::new(F64));
            let id = module
                .declare_function(name, Linkage::Import, &sig)
                .map_err(|e| format!("declaring {name}: {e}"))?;
            libm.insert(name, id);
        }
        let exp4 = match exp4_symbol() {
            Some(_) => {
                let mut sig = module.make_signature();
                sig.params.push(AbiParam::new(I64));
                let id = module
                    .declare_function(EXP4, Linkage::Import, &sig)
                    .map_err(|e| format!("declaring {EXP4}: {e}"))?;
                Some(id)
            }
            None => None,
        };
        let ctx = module.make_context();
        Ok(Compiler {
            module,
            ctx,
            fctx: FunctionBuilderContext::new(),
            libm,
            exp4,
        })
    }

    /// Compiles `p` (which runs with tangents when `tangent`, with the constant pool `pool`) as
    /// the function `name`.
    pub fn define(
        &mut self,
        p: &Program,
        tangent: bool,
        pool: &[f64],
        name: &str,
        over_lanes: bool,
    ) -> Result<FuncId, String> {
        let mut sig = self.module.make_signature();
        sig.params.push(AbiParam::new(I64));
        let id = self
            .module
            .declare_function(name, Linkage::Local, &sig)
            .map_err(|e| format!("declaring {name}: {e}"))?;
        self.ctx.func.signature = sig;
        self.ctx.func.name = UserFuncName::user(0, id.as_u32());
        let target = self.module.target_config();
        let mut b = FunctionBuilder::new(&mut self.ctx.func, &mut self.fctx);
        let funcs = libm_used(p)
            .into_iter()
            .map(|name| {
                let f = self.module.declare_func_in_func(self.libm[name], b.func);
                (name, f)
            })
            .collect();
        let lanes = over_lanes.then(|| {
            let exp4 = self
                .exp4
                .filter(|_| libm_used(p).contains(&"exp"))
                .map(|id| self.module.declare_func_in_func(id, b.func));
            LaneFuncs::new(&mut b, exp4)
        });
        Gen::generate(&mut b, p, tangent, pool, funcs, lanes);
        b.finalize(target);
        let defined = self.module.define_function(id, &mut self.ctx);
        self.module.clear_context(&mut self.ctx);
        defined.map_err(|e| format!("compiling {name}: {e:?}"))?;
        Ok(id)
    }
}
