use gradmod_runtime::mechanism::{FieldRole, MechanismKind};
use gradmod_runtime::{Cell, Morphology, ParamSpec, Region, Settings};
use gradmod_vm::{Catalogue, EngineChoice};
use std::time::Instant;
fn main() {
    let f = std::env::args().nth(1).unwrap();
    let engine = match std::env::args().nth(2).as_deref() {
        Some("evaluator") => EngineChoice::Evaluator,
        _ => EngineChoice::Jit,
    };
    let c = Catalogue::load_with(&[&f], engine).unwrap();
    let l = &c.mechanisms()[0];
    assert_eq!(l.info().kind, MechanismKind::Density);
    for k in [0usize, 3] {
        let mut m = Morphology::new();
        m.add_cylinder("cable", 3, 10000.0, 1.0, None, 1000)
            .unwrap();
        let mut cell = Cell::new(m, Settings::default()).unwrap();
        cell.insert(l.make(), &Region::All).unwrap();
        let params: Vec<&str> = l
            .info()
            .fields
            .iter()
            .filter(|f| f.role == FieldRole::Parameter)
            .map(|f| f.name)
            .take(k)
            .collect();
        for p in params {
            cell.add_parameter(ParamSpec::mechanism(l.name(), p))
                .unwrap();
        }
        cell.init().unwrap();
        let t = Instant::now();
        for _ in 0..200 {
            cell.step().unwrap();
        }
        println!(
            "{} K={k}: {:.3} s  v0 {}",
            l.engine(),
            t.elapsed().as_secs_f64(),
            cell.v()[0]
        );
    }
}
