//! Regions: sets of places on a morphology, for placing mechanisms and cable properties and for
//! tying parameters.

use super::{Morphology, SectionId};

/// A set of positions on a morphology, evaluated at segment centres.
#[derive(Clone, Debug, PartialEq)]
pub enum Region {
    /// Everywhere.
    All,
    /// Sections with this SWC tag (1 soma, 2 axon, 3 dendrite, 4 apical dendrite, ...).
    Tag(i32),
    /// Sections with these names.
    Sections(Vec<String>),
    /// Positions whose path distance from the root's 0-end lies in [min, max] (µm).
    Distance {
        /// Smallest distance included (µm).
        min: f64,
        /// Largest distance included (µm).
        max: f64,
    },
    /// Positions whose path distance from an origin (section name, x) lies in [min, max] (µm), as
    /// NEURON's `distance()` with that origin.
    DistanceFrom {
        /// Origin section name.
        section: String,
        /// Origin position on it.
        x: f64,
        /// Smallest distance included (µm).
        min: f64,
        /// Largest distance included (µm).
        max: f64,
    },
    /// Positions in any of these regions.
    Union(Vec<Region>),
    /// Positions in all of these regions.
    Intersection(Vec<Region>),
}

impl Region {
    /// The region made of one named section.
    pub fn section(name: &str) -> Self {
        Region::Sections(vec![name.to_string()])
    }

    /// Whether position x of a section lies in the region.
    pub fn contains(&self, morphology: &Morphology, section: SectionId, x: f64) -> bool {
        let s = &morphology.sections()[section.0];
        match self {
            Region::All => true,
            Region::Tag(tag) => s.tag == *tag,
            Region::Sections(names) => names.contains(&s.name),
            Region::Distance { min, max } => {
                let d = morphology.distance_from_root(section, x);
                *min <= d && d <= *max
            }
            Region::DistanceFrom {
                section: origin,
                x: ox,
                min,
                max,
            } => match morphology.find(origin) {
                Ok(o) => {
                    let d = morphology.path_distance((o, *ox), (section, x));
                    *min <= d && d <= *max
                }
                Err(_) => false,
            },
            Region::Union(parts) => parts.iter().any(|r| r.contains(morphology, section, x)),
            Region::Intersection(parts) => parts.iter().all(|r| r.contains(morphology, section, x)),
        }
    }

    /// Checks that every section name the region mentions exists.
    pub fn validate(&self, morphology: &Morphology) -> crate::Result<()> {
        match self {
            Region::Sections(names) => {
                for n in names {
                    morphology.find(n)?;
                }
                Ok(())
            }
            Region::DistanceFrom { section, .. } => morphology.find(section).map(|_| ()),
            Region::Union(parts) | Region::Intersection(parts) => {
                parts.iter().try_for_each(|r| r.validate(morphology))
            }
            _ => Ok(()),
        }
    }
}
