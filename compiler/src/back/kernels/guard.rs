//! The part of a tangent kernel's per-direction items that only the ion current tangent columns
//! need.
//!
//! The runtime keeps the tangent column of an ion current only where a mechanism reads that
//! current (most models read none), and the accumulations into it are guarded by a test of the
//! column. What only they read (typically the load of S_k, which the membrane current's tangent
//! no longer needs: its conductance term is the runtime's) is worth computing inside the guard,
//! not before it for every direction.

use std::collections::HashSet;

use super::{Item, Sink};
use crate::ir::expr::{Expr, ExprArena};

/// A list of items split in two: what every run does, and what only the ion current tangent
/// accumulations need, to run where one of their columns is kept.
#[derive(Debug)]
pub struct Guarded {
    /// The items run unconditionally, in their order.
    pub common: Vec<Item>,
    /// The items only the guarded accumulations need, those accumulations included, in their
    /// order.
    pub guarded: Vec<Item>,
    /// The ion slots whose current tangent columns the guarded items accumulate into.
    pub slots: Vec<usize>,
}

/// Splits `list` (loads, lets and stores, as a kernel's per-direction part has them), or returns
/// `None` when it has no ion current tangent accumulation or holds other items (a sequential
/// body, printed as it is).
pub fn split(ar: &ExprArena, list: &[Item]) -> Option<Guarded> {
    let is_guarded = |item: &Item| {
        matches!(
            item,
            Item::Store {
                sink: Sink::IonCurrent { tangent: true, .. },
                ..
            }
        )
    };
    if !list.iter().any(is_guarded)
        || list
            .iter()
            .any(|x| !matches!(x, Item::Load { .. } | Item::Let { .. } | Item::Store { .. }))
    {
        return None;
    }
    // What the unguarded stores read, walking back from them through the lets.
    let mut vars = HashSet::new();
    let mut temps = HashSet::new();
    let read = |e, vars: &mut HashSet<_>, temps: &mut HashSet<_>| {
        for id in ar.reachable(&[e]) {
            match ar.get(id) {
                Expr::Var(v) => {
                    vars.insert(v);
                }
                Expr::Temp(t) => {
                    temps.insert(t);
                }
                _ => {}
            }
        }
    };
    let mut common = vec![false; list.len()];
    for (i, item) in list.iter().enumerate().rev() {
        match *item {
            Item::Store { value, .. } if !is_guarded(item) => {
                common[i] = true;
                read(value, &mut vars, &mut temps);
            }
            Item::Let { var, value } if temps.contains(&var) => {
                common[i] = true;
                read(value, &mut vars, &mut temps);
            }
            Item::Load { var, .. } if vars.contains(&var) => common[i] = true,
            _ => {}
        }
    }
    let mut out = Guarded {
        common: Vec::new(),
        guarded: Vec::new(),
        slots: Vec::new(),
    };
    for (item, common) in list.iter().zip(common) {
        if common {
            out.common.push(*item);
        } else {
            out.guarded.push(*item);
        }
        if let Item::Store {
            sink: Sink::IonCurrent { tangent: true, ion },
            ..
        } = *item
            && !out.slots.contains(&ion)
        {
            out.slots.push(ion);
        }
    }
    Some(out)
}
