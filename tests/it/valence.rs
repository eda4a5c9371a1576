//! Ion valences read by name (Arbor's `USEION x ... VALENCE zx`): the name holds the species'
//! valence, the mechanism declares it, and a cell whose mechanisms declare two valences for one
//! species is refused with both named.

use crate::models::generated;
use gradmod_runtime::{Cell, Morphology, Region, Settings};

fn soma() -> Cell {
    let mut m = Morphology::new();
    m.add_cylinder("soma", 1, 20.0, 20.0, None, 1).unwrap();
    Cell::new(m, Settings::default()).unwrap()
}

#[test]
fn named_valences_read_the_species_valence() {
    let mut cell = soma();
    let id = cell
        .insert(generated("valence_read"), &Region::All)
        .unwrap();
    cell.init().unwrap();
    cell.step().unwrap();
    assert_eq!(cell.field(id, "zc").unwrap()[0], 2.0);
    assert_eq!(cell.field(id, "zxx").unwrap()[0], 1.0);
    let x = cell.ion_index("x").unwrap();
    assert_eq!(cell.ions().species[x].valence, 1);
    assert_eq!(
        cell.ions().species[cell.ion_index("ca").unwrap()].valence,
        2
    );
    // x's concentrations are 1 mM on both sides: its Nernst potential is 0.
    assert_eq!(cell.ions().arrays[x].rev[0], 0.0);
}

#[test]
fn two_declared_valences_of_one_species_are_refused() {
    let mut cell = soma();
    // valence_read's `zca` declares calcium's valence 2; a valence of 1 contradicts it.
    cell.insert(generated("valence_read"), &Region::All)
        .unwrap();
    let text = "NEURON { SUFFIX ca1 USEION ca READ cai VALENCE 1 }";
    let dir = std::env::temp_dir().join(format!("gradmod-valence-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("ca1.mod"), text).unwrap();
    let cat =
        gradmod_vm::Catalogue::load(std::slice::from_ref(&dir)).unwrap_or_else(|e| panic!("{e}"));
    let mech = cat.mechanisms()[0].make();
    let err = cell.insert(mech, &Region::All).unwrap_err().to_string();
    std::fs::remove_dir_all(&dir).ok();
    assert!(
        err.contains("ca1") && err.contains("declared 1 here and 2"),
        "{err}"
    );
}
