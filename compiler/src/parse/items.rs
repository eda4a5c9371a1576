//! Top-level items: the NEURON, UNITS and declaration blocks, and the headers of code blocks.

use super::{Builder, Probe, Rule, kids};
use crate::ast::*;
use crate::diag::Diagnostic;
use pest::iterators::Pair;

impl Builder<'_> {
    /// Builds one top-level item from an `item` pair.
    pub(super) fn item(&mut self, p: Pair<'_, Rule>) -> Option<Item> {
        let span = self.span(&p);
        let inner = kids(p).next()?;
        let rule = inner.as_rule();
        let mut ks: Vec<Pair<'_, Rule>> = kids(inner).collect();
        let kind = match rule {
            Rule::title => {
                ItemKind::Title(ks.first().map_or("", |t| t.as_str().trim()).to_string())
            }
            Rule::include => ItemKind::Include(unquote(ks.first()?.as_str())),
            Rule::define => ItemKind::Define {
                name: self.ident(ks.first()?),
                value: self.signed_number(ks.get(1)?.clone()),
            },
            Rule::top_local => ItemKind::Local(ks.into_iter().map(|k| self.local_var(k)).collect()),
            Rule::independent => {
                ItemKind::Independent(ks.into_iter().map(|k| self.independent(k)).collect())
            }
            Rule::neuron_block => {
                ItemKind::Neuron(self.recovering(ks, Probe::Neuron, Self::neuron_stmt))
            }
            Rule::units_block => ItemKind::Units(self.recovering(ks, Probe::Units, Self::unit_def)),
            Rule::parameter_block => ItemKind::Parameter(self.decls(ks)),
            Rule::constant_block => ItemKind::Constant(self.decls(ks)),
            Rule::assigned_block => ItemKind::Assigned(self.decls(ks)),
            Rule::state_block => ItemKind::State(self.decls(ks)),
            Rule::white_noise => ItemKind::WhiteNoise(self.decls(ks)),
            Rule::initial_block => ItemKind::Initial(self.block(ks.pop()?)),
            Rule::breakpoint_block => ItemKind::Breakpoint(self.block(ks.pop()?)),
            Rule::derivative_block => ItemKind::Derivative(self.named_block(ks)?),
            Rule::kinetic_block => ItemKind::Kinetic(self.named_block(ks)?),
            Rule::linear_block => ItemKind::Linear(self.named_block(ks)?),
            Rule::nonlinear_block => ItemKind::NonLinear(self.named_block(ks)?),
            Rule::procedure => ItemKind::Procedure(self.callable(ks)?),
            Rule::function => ItemKind::Function(self.callable(ks)?),
            Rule::function_table => {
                let mut name = None;
                let mut params = Vec::new();
                let mut units = None;
                for k in ks {
                    match k.as_rule() {
                        Rule::name => name = Some(self.ident(&k)),
                        Rule::params => params = self.params(k),
                        Rule::units => units = Some(self.units(&k)),
                        _ => {}
                    }
                }
                ItemKind::FunctionTable {
                    name: name?,
                    params,
                    units,
                }
            }
            Rule::net_receive => {
                let body = self.block(ks.pop()?);
                let params = ks.pop().map(|k| self.params(k)).unwrap_or_default();
                ItemKind::NetReceive { params, body }
            }
            Rule::post_event => {
                let body = self.block(ks.pop()?);
                let params = ks.pop().map(|k| self.params(k)).unwrap_or_default();
                ItemKind::PostEvent { params, body }
            }
            Rule::before_block | Rule::after_block => {
                let body = self.block(ks.pop()?);
                let when = match ks.pop()?.as_str() {
                    "BREAKPOINT" => When::Breakpoint,
                    "SOLVE" => When::Solve,
                    "INITIAL" => When::Initial,
                    _ => When::Step,
                };
                if rule == Rule::before_block {
                    ItemKind::Before { when, body }
                } else {
                    ItemKind::After { when, body }
                }
            }
            Rule::constructor => ItemKind::Constructor(self.block(ks.pop()?)),
            Rule::destructor => ItemKind::Destructor(self.block(ks.pop()?)),
            Rule::verbatim => ItemKind::Verbatim(ks.first().map_or("", |t| t.as_str()).to_string()),
            _ => return None,
        };
        Some(Item { kind, span })
    }

    /// A signed number of a declaration: `-65`, `+1`, `.12`.
    pub(super) fn signed_number(&self, p: Pair<'_, Rule>) -> Number {
        let span = self.span(&p);
        let mut negative = false;
        let mut lit = "0";
        for k in p.into_inner() {
            match k.as_rule() {
                Rule::sign => negative = k.as_str() == "-",
                Rule::num_lit | Rule::integer => lit = k.as_str(),
                _ => {}
            }
        }
        let magnitude: f64 = lit.parse().unwrap_or(f64::NAN);
        Number {
            value: if negative { -magnitude } else { magnitude },
            text: if negative {
                format!("-{lit}")
            } else {
                lit.to_string()
            },
            units: None,
            span,
        }
    }

    /// A unit annotation from a `units` pair.
    pub(super) fn units(&self, p: &Pair<'_, Rule>) -> Units {
        let inner = p.as_str();
        let text = inner
            .strip_prefix('(')
            .and_then(|s| s.strip_suffix(')'))
            .unwrap_or(inner);
        Units {
            text: text.trim().to_string(),
            span: self.span(p),
        }
    }

    /// An array size `[3]` or `[N]`, from an `array_size` pair.
    pub(super) fn array_size(&mut self, p: Pair<'_, Rule>) -> Option<ArraySize> {
        let k = p.into_inner().next()?;
        let span = self.span(&k);
        match k.as_rule() {
            Rule::integer => match k.as_str().parse::<u64>() {
                Ok(n) => Some(ArraySize::Int(n, span)),
                Err(_) => {
                    self.error(
                        Diagnostic::error(
                            span,
                            format!("array size `{}` is too large", k.as_str()),
                        )
                        .with_label("here"),
                    );
                    None
                }
            },
            _ => Some(ArraySize::Name(self.ident(&k))),
        }
    }

    /// A LOCAL variable from a `local_var` pair.
    pub(super) fn local_var(&mut self, p: Pair<'_, Rule>) -> LocalVar {
        let mut ks = p.into_inner();
        let name = ks.next().map(|k| self.ident(&k));
        let size = ks.next().and_then(|k| self.array_size(k));
        LocalVar {
            name: name.unwrap_or_else(|| Ident {
                name: String::new(),
                span: Default::default(),
            }),
            size,
        }
    }

    fn independent(&mut self, p: Pair<'_, Rule>) -> Independent {
        let span = self.span(&p);
        let mut name = None;
        let mut numbers = Vec::new();
        let mut units = None;
        for k in kids(p) {
            match k.as_rule() {
                Rule::name => name = Some(self.ident(&k)),
                Rule::signed_number => numbers.push(self.signed_number(k)),
                Rule::integer => {
                    let span = self.span(&k);
                    numbers.push(Number {
                        value: k.as_str().parse().unwrap_or(f64::NAN),
                        text: k.as_str().to_string(),
                        units: None,
                        span,
                    })
                }
                Rule::units => units = Some(self.units(&k)),
                _ => {}
            }
        }
        let mut numbers = numbers.into_iter();
        let range = match (numbers.next(), numbers.next(), numbers.next()) {
            (Some(a), Some(b), Some(c)) => Some((a, b, c)),
            _ => None,
        };
        Independent {
            name: name.unwrap_or_else(|| Ident {
                name: String::new(),
                span,
            }),
            range,
            start: numbers.next(),
            units,
            span,
        }
    }

    fn neuron_stmt(&mut self, p: Pair<'_, Rule>) -> Option<NeuronStmt> {
        let span = self.span(&p);
        let inner = kids(p).next()?;
        let rule = inner.as_rule();
        let names = |b: &Self, inner: Pair<'_, Rule>| -> Vec<Ident> {
            kids(inner)
                .filter(|k| k.as_rule() == Rule::name)
                .map(|k| b.ident(&k))
                .collect()
        };
        let kind = match rule {
            Rule::suffix => NeuronKind::Suffix(names(self, inner).pop()?),
            Rule::point_process => NeuronKind::PointProcess(names(self, inner).pop()?),
            Rule::artificial_cell => NeuronKind::ArtificialCell(names(self, inner).pop()?),
            Rule::junction_process => NeuronKind::JunctionProcess(names(self, inner).pop()?),
            Rule::voltage_process => NeuronKind::VoltageProcess(names(self, inner).pop()?),
            Rule::nonspecific_current => NeuronKind::NonspecificCurrent(names(self, inner)),
            Rule::electrode_current => NeuronKind::ElectrodeCurrent(names(self, inner)),
            Rule::range => NeuronKind::Range(names(self, inner)),
            Rule::global => NeuronKind::Global(names(self, inner)),
            Rule::threadsafe => NeuronKind::ThreadSafe(names(self, inner)),
            Rule::pointer => NeuronKind::Pointer(names(self, inner)),
            Rule::bbcorepointer => NeuronKind::BbcorePointer(names(self, inner)),
            Rule::external => NeuronKind::External(names(self, inner)),
            Rule::random => NeuronKind::Random(names(self, inner)),
            Rule::represents => {
                NeuronKind::Represents(kids(inner).next().map(|n| n.as_str().to_string())?)
            }
            Rule::useion => {
                let mut ion = None;
                let mut read = Vec::new();
                let mut write = Vec::new();
                let mut valence = None;
                let mut valence_name = None;
                let mut represents = None;
                for k in kids(inner) {
                    match k.as_rule() {
                        Rule::name => ion = Some(self.ident(&k)),
                        Rule::ion_read => read.extend(names(self, k)),
                        Rule::ion_write => write.extend(names(self, k)),
                        Rule::ion_valence => match kids(k).next() {
                            Some(n) if n.as_rule() == Rule::valence_name => {
                                valence_name = Some(self.ident(&n));
                            }
                            n => valence = n.map(|n| self.signed_number(n)),
                        },
                        Rule::ion_represents => {
                            represents = kids(k).next().map(|n| n.as_str().to_string());
                        }
                        _ => {}
                    }
                }
                NeuronKind::UseIon(UseIon {
                    ion: ion?,
                    read,
                    write,
                    valence,
                    valence_name,
                    represents,
                })
            }
            _ => return None,
        };
        Some(NeuronStmt { kind, span })
    }

    fn unit_def(&mut self, p: Pair<'_, Rule>) -> Option<UnitDef> {
        let span = self.span(&p);
        let rule = p.as_rule();
        let ks: Vec<_> = kids(p).collect();
        match rule {
            Rule::unit_alias => Some(UnitDef::Alias {
                name: self.units(ks.first()?),
                definition: self.units(ks.get(1)?),
                span,
            }),
            Rule::unit_const => {
                let value = ks.get(1)?;
                let value = if value.as_rule() == Rule::units {
                    UnitValue::Factor(self.units(value))
                } else {
                    UnitValue::Number(self.signed_number(value.clone()))
                };
                Some(UnitDef::Constant {
                    name: self.ident(ks.first()?),
                    value,
                    units: ks.get(2).map(|u| self.units(u)),
                    span,
                })
            }
            _ => None,
        }
    }

    fn decls(&mut self, ks: Vec<Pair<'_, Rule>>) -> Vec<Decl> {
        self.recovering(ks, Probe::Decl, Self::decl)
    }

    fn decl(&mut self, p: Pair<'_, Rule>) -> Option<Decl> {
        let span = self.span(&p);
        let mut ks = kids(p);
        let name = self.ident(&ks.next()?);
        let mut decl = Decl {
            name,
            size: None,
            value: None,
            units: None,
            from_to: None,
            start: None,
            limits: None,
            span,
        };
        for k in ks {
            match k.as_rule() {
                Rule::array_size => decl.size = self.array_size(k),
                Rule::decl_value => decl.value = kids(k).next().map(|n| self.signed_number(n)),
                Rule::units => decl.units = Some(self.units(&k)),
                Rule::decl_from_to => {
                    let mut ns = kids(k).map(|n| self.signed_number(n));
                    if let (Some(a), Some(b)) = (ns.next(), ns.next()) {
                        decl.from_to = Some((a, b));
                    }
                }
                Rule::decl_start => decl.start = kids(k).next().map(|n| self.signed_number(n)),
                Rule::limits => {
                    let mut ns = kids(k).map(|n| self.signed_number(n));
                    decl.limits = match (ns.next(), ns.next()) {
                        (Some(lo), Some(hi)) => Some(Limits::Range(lo, hi)),
                        (Some(tol), None) => Some(Limits::Tolerance(tol)),
                        _ => None,
                    };
                }
                _ => {}
            }
        }
        Some(decl)
    }

    fn named_block(&mut self, ks: Vec<Pair<'_, Rule>>) -> Option<NamedBlock> {
        let mut name = None;
        let mut solve_for = Vec::new();
        let mut body = None;
        for k in ks {
            match k.as_rule() {
                Rule::name => name = Some(self.ident(&k)),
                Rule::solvefor => solve_for = kids(k).map(|n| self.ident(&n)).collect(),
                Rule::block => body = Some(self.block(k)),
                _ => {}
            }
        }
        Some(NamedBlock {
            name: name?,
            solve_for,
            body: body?,
        })
    }

    fn callable(&mut self, ks: Vec<Pair<'_, Rule>>) -> Option<Callable> {
        let mut name = None;
        let mut params = Vec::new();
        let mut units = None;
        let mut body = None;
        for k in ks {
            match k.as_rule() {
                Rule::name => name = Some(self.ident(&k)),
                Rule::params => params = self.params(k),
                Rule::units => units = Some(self.units(&k)),
                Rule::block => body = Some(self.block(k)),
                _ => {}
            }
        }
        Some(Callable {
            name: name?,
            params,
            units,
            body: body?,
        })
    }

    /// Formal parameters from a `params` pair.
    pub(super) fn params(&mut self, p: Pair<'_, Rule>) -> Vec<Param> {
        kids(p)
            .filter_map(|param| {
                let span = self.span(&param);
                let mut ks = kids(param);
                let name = self.ident(&ks.next()?);
                let units = ks.next().map(|u| self.units(&u));
                Some(Param { name, units, span })
            })
            .collect()
    }
}

/// The contents of a string literal without its quotes.
pub(super) fn unquote(s: &str) -> String {
    s.strip_prefix('"')
        .and_then(|s| s.strip_suffix('"'))
        .unwrap_or(s)
        .to_string()
}
