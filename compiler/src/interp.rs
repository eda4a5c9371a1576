//! An interpreter of the IR: runs a block on a table of variable values.
//!
//! It is the reference the tests hold passes and back ends to: an update map after the solver
//! passes, evaluated here, must agree with a fine-step integration of the ODEs it came from, and
//! generated code must agree with it.

use std::collections::HashMap;
use std::fmt;

use crate::ir::{ArrayId, BlockId, ExprId, Module, SolveMethod, Stmt, StmtKind, VarId};
use crate::sym::eval;

/// Why a block could not run.
#[derive(Clone, Debug, PartialEq)]
pub enum InterpError {
    /// A statement the interpreter cannot run (e.g. a reaction: run the solver passes first).
    Unsupported(String),
    /// A while loop ran more than [`MAX_ITERATIONS`] times.
    Runaway,
    /// An array was indexed outside its bounds at run time.
    IndexOutOfRange {
        /// The mechanism.
        mechanism: String,
        /// The array.
        array: String,
        /// The index (before truncation to an integer).
        index: f64,
        /// The array's length.
        len: usize,
    },
}

impl fmt::Display for InterpError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            InterpError::Unsupported(what) => write!(f, "the interpreter cannot run {what}"),
            InterpError::Runaway => write!(f, "a while loop ran more than {MAX_ITERATIONS} times"),
            InterpError::IndexOutOfRange {
                mechanism,
                array,
                index,
                len,
            } => write!(
                f,
                "mechanism `{mechanism}`: index {index} of array `{array}` is out of range (its \
                 elements are 0 to {})",
                len.saturating_sub(1)
            ),
        }
    }
}

impl std::error::Error for InterpError {}

/// A while loop may run at most this many times.
pub const MAX_ITERATIONS: usize = 100_000;

/// An event a block asked for.
#[derive(Clone, Debug, PartialEq)]
pub enum Event {
    /// `net_send(delay, flag)`.
    NetSend {
        /// The delay (ms).
        delay: f64,
        /// The flag.
        flag: f64,
    },
    /// `net_move(time)`.
    NetMove {
        /// The new delivery time (ms).
        time: f64,
    },
    /// `net_event(t)`.
    NetEvent {
        /// The spike time.
        time: f64,
    },
}

/// The state of one run: variable values (indexed by [`VarId`]), the derivatives that ODE
/// statements computed, and the events asked for.
#[derive(Clone, Debug)]
pub struct Machine<'m> {
    m: &'m Module,
    /// The value of every variable.
    pub values: Vec<f64>,
    /// For each state whose ODE ran: the derivative computed.
    pub derivatives: HashMap<VarId, f64>,
    /// The events asked for, in order.
    pub events: Vec<Event>,
    /// The COMPARTMENT volume of each state a kinetic block named, if any.
    pub volumes: HashMap<VarId, f64>,
    /// The CONSERVE laws met: the weighted states and the total.
    pub conserve: Vec<(Vec<(VarId, f64)>, f64)>,
    /// When set, the outcome of every `if` condition tested is appended, in order (true where
    /// the first branch ran): runs from nearby values that take the same branches are on one
    /// smooth piece of the block's map, and a finite difference across pieces is no derivative.
    pub branches: Option<Vec<bool>>,
    /// Whether SOLVE statements are skipped (to evaluate the currents of BREAKPOINT alone, as the
    /// runtime's current phase does).
    pub skip_solves: bool,
    /// The instance's vector, which [`StmtKind::VectorRead`] reads.
    pub vector: Vec<f64>,
}

impl<'m> Machine<'m> {
    /// A machine for `m` with every variable at its declared value (or 0).
    pub fn new(m: &'m Module) -> Self {
        let values = m.vars.iter().map(|v| v.value.unwrap_or(0.0)).collect();
        Machine {
            m,
            values,
            derivatives: HashMap::new(),
            events: Vec::new(),
            volumes: HashMap::new(),
            conserve: Vec::new(),
            branches: None,
            skip_solves: false,
            vector: Vec::new(),
        }
    }

    /// The value of expression `e` now.
    pub fn eval(&self, e: ExprId) -> f64 {
        eval(&self.m.exprs, e, &|v: VarId| self.values[v.index()])
    }

    /// Runs block `id`.
    pub fn run(&mut self, id: BlockId) -> Result<(), InterpError> {
        let m = self.m;
        self.stmts(&m.block(id).body)
    }

    fn stmts(&mut self, stmts: &[Stmt]) -> Result<(), InterpError> {
        for s in stmts {
            self.stmt(s)?;
        }
        Ok(())
    }

    /// The element of `array` at the value of `index` (truncated toward zero, as NEURON's C
    /// does), or the error that names the array.
    fn element(&self, array: ArrayId, index: ExprId) -> Result<VarId, InterpError> {
        let a = self.m.array(array);
        let x = self.eval(index);
        let i = x.trunc();
        if !(i >= 0.0 && i < a.elems.len() as f64) {
            return Err(InterpError::IndexOutOfRange {
                mechanism: self.m.name.clone(),
                array: a.name.clone(),
                index: x,
                len: a.elems.len(),
            });
        }
        Ok(a.elems[i as usize])
    }

    fn stmt(&mut self, s: &Stmt) -> Result<(), InterpError> {
        match &s.kind {
            StmtKind::Assign { var, value } => self.values[var.index()] = self.eval(*value),
            StmtKind::Ode { state, rhs } => {
                let d = self.eval(*rhs);
                self.derivatives.insert(*state, d);
            }
            StmtKind::If {
                cond,
                then,
                otherwise,
            } => {
                let taken = self.eval(*cond) != 0.0;
                if let Some(b) = &mut self.branches {
                    b.push(taken);
                }
                if taken {
                    self.stmts(then)?;
                } else {
                    self.stmts(otherwise)?;
                }
            }
            StmtKind::While { cond, body } => {
                let mut n = 0;
                while self.eval(*cond) != 0.0 {
                    n += 1;
                    if n > MAX_ITERATIONS {
                        return Err(InterpError::Runaway);
                    }
                    self.stmts(body)?;
                }
            }
            StmtKind::Loop {
                var,
                from,
                to,
                body,
            } => {
                let (mut i, last) = (self.eval(*from), self.eval(*to));
                let mut n = 0;
                while i <= last {
                    n += 1;
                    if n > MAX_ITERATIONS {
                        return Err(InterpError::Runaway);
                    }
                    self.values[var.index()] = i;
                    self.stmts(body)?;
                    i += 1.0;
                }
            }
            StmtKind::GetElement { var, array, index } => {
                let e = self.element(*array, *index)?;
                self.values[var.index()] = self.values[e.index()];
            }
            StmtKind::TableRead { .. } => {
                return Err(InterpError::Unsupported(
                    "a FUNCTION_TABLE (its values come from the model description)".into(),
                ));
            }
            StmtKind::VectorRead { var, index } => {
                self.values[var.index()] = match index {
                    None => self.vector.len() as f64,
                    Some(i) => vector_element(&self.vector, self.eval(*i)),
                };
            }
            StmtKind::SetElement {
                array,
                index,
                value,
            } => {
                let e = self.element(*array, *index)?;
                self.values[e.index()] = self.eval(*value);
            }
            StmtKind::Solve { .. } if self.skip_solves => {}
            StmtKind::Solve {
                block,
                method: SolveMethod::Direct,
            } => self.run(*block)?,
            StmtKind::Solve { block, method } => {
                let name = &self.m.block(*block).name;
                return Err(InterpError::Unsupported(format!(
                    "SOLVE {name} {} (run the solver passes first)",
                    method.nmodl()
                )));
            }
            StmtKind::NetSend { delay, flag } => {
                let (delay, flag) = (self.eval(*delay), self.eval(*flag));
                self.events.push(Event::NetSend { delay, flag });
            }
            StmtKind::NetEvent { time } => {
                let time = self.eval(*time);
                self.events.push(Event::NetEvent { time });
            }
            StmtKind::NetMove { time } => {
                let time = self.eval(*time);
                self.events.push(Event::NetMove { time });
            }
            // The interpreter runs one instance without connections.
            StmtKind::Watch { .. } | StmtKind::ForNetcons { .. } => {}
            StmtKind::Reaction {
                lhs,
                rhs,
                forward,
                backward,
            } => {
                // Mass action: the net flux from left to right, added to the derivatives of
                // the states (COMPARTMENT volumes are the caller's to divide by).
                let side = |terms: &[crate::ir::Term], rate: f64| {
                    terms.iter().fold(rate, |acc, t| {
                        acc * self.values[t.var.index()].powi(t.coef as i32)
                    })
                };
                let mut flux = side(lhs, self.eval(*forward));
                if let Some(b) = backward {
                    flux -= side(rhs, self.eval(*b));
                }
                for (terms, sign) in [(lhs, -1.0), (rhs, 1.0)] {
                    for t in terms {
                        if self.m.var(t.var).kind == crate::ir::VarKind::State {
                            *self.derivatives.entry(t.var).or_insert(0.0) +=
                                sign * f64::from(t.coef) * flux;
                        }
                    }
                }
            }
            StmtKind::Flux { state, flux } => {
                let f = self.eval(*flux);
                *self.derivatives.entry(*state).or_insert(0.0) += f;
            }
            StmtKind::Compartment { volume, states } => {
                let v = self.eval(*volume);
                for s in states {
                    self.volumes.insert(*s, v);
                }
            }
            StmtKind::Conserve { terms, total } => {
                let law = terms.iter().map(|t| (t.var, f64::from(t.coef))).collect();
                let total = self.eval(*total);
                self.conserve.push((law, total));
            }
            StmtKind::Equation { .. } => {
                return Err(InterpError::Unsupported(
                    "a LINEAR or NONLINEAR equation".into(),
                ));
            }
        }
        Ok(())
    }
}

/// Element `index` (truncated toward zero) of `vector`, or NaN outside it: what every back end
/// computes for [`StmtKind::VectorRead`].
pub fn vector_element(vector: &[f64], index: f64) -> f64 {
    let i = index.trunc();
    if i >= 0.0 && i < vector.len() as f64 {
        vector[i as usize]
    } else {
        f64::NAN
    }
}
