//! Morphology: a tree of unbranched sections, each a chain of 3-D points with diameters.
//!
//! Sections follow NEURON: a section is a chain of frusta between consecutive 3-D points, has a
//! number of segments `nseg`, and its 0-end attaches to a position x in [0, 1] of its parent. Build
//! one with [`Morphology::add_cylinder`] and friends, or read an SWC file with [`swc::read_swc`].

pub mod region;
pub mod swc;

use crate::error::{Error, Result};

/// A 3-D sample: position (µm) and diameter (µm).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Point {
    /// x coordinate (µm).
    pub x: f64,
    /// y coordinate (µm).
    pub y: f64,
    /// z coordinate (µm).
    pub z: f64,
    /// Diameter (µm).
    pub d: f64,
}

impl Point {
    /// A point at (x, y, z) with diameter d.
    pub fn new(x: f64, y: f64, z: f64, d: f64) -> Self {
        Self { x, y, z, d }
    }

    pub(crate) fn distance(&self, other: &Point) -> f64 {
        ((self.x - other.x).powi(2) + (self.y - other.y).powi(2) + (self.z - other.z).powi(2))
            .sqrt()
    }

    /// The distance as NEURON computes it between two of its 3-D points (stored as float32):
    /// each coordinate difference is a float32 subtraction, widened to f64 before squaring.
    pub(crate) fn distance_f32(&self, other: &Point) -> f64 {
        let d = |a: f64, b: f64| f64::from(a as f32 - b as f32);
        let (dx, dy, dz) = (d(self.x, other.x), d(self.y, other.y), d(self.z, other.z));
        (dx * dx + dy * dy + dz * dz).sqrt()
    }
}

/// Handle of a section in a [`Morphology`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct SectionId(pub usize);

/// An unbranched cable.
#[derive(Clone, Debug, PartialEq)]
pub struct Section {
    /// Unique name (for example `soma`, `axon`, `dend[3]`).
    pub name: String,
    /// SWC-style tag: 1 soma, 2 axon, 3 basal dendrite, 4 apical dendrite, others user-defined.
    pub tag: i32,
    /// 3-D points, at least two; arc length runs from the first to the last.
    pub points: Vec<Point>,
    /// Parent section and the position x in [0, 1] on it where this section's 0-end attaches.
    pub parent: Option<(SectionId, f64)>,
    /// Number of segments (NEURON `nseg`).
    pub nseg: usize,
    /// Whether the points are NEURON 3-D points (float32 values, as the SWC reader makes them):
    /// arc lengths then subtract coordinates in float32, as NEURON does.
    pub(crate) float32: bool,
}

impl Section {
    /// Cumulative arc length (µm) at each point.
    pub fn arcs(&self) -> Vec<f64> {
        let mut arcs = Vec::with_capacity(self.points.len());
        let mut acc = 0.0;
        for (j, p) in self.points.iter().enumerate() {
            if j > 0 {
                let q = &self.points[j - 1];
                acc += if self.float32 {
                    p.distance_f32(q)
                } else {
                    p.distance(q)
                };
            }
            arcs.push(acc);
        }
        arcs
    }

    /// Length (µm): the arc length of the last point.
    pub fn length(&self) -> f64 {
        self.arcs().last().copied().unwrap_or(0.0)
    }

    /// Diameter (µm) at normalised position x by linear interpolation in arc length.
    pub fn diameter_at(&self, x: f64) -> f64 {
        let arcs = self.arcs();
        let target = x * arcs[arcs.len() - 1];
        for j in 1..arcs.len() {
            if arcs[j] >= target {
                let span = arcs[j] - arcs[j - 1];
                if span <= 0.0 {
                    return self.points[j].d;
                }
                let f = (target - arcs[j - 1]) / span;
                return self.points[j - 1].d + f * (self.points[j].d - self.points[j - 1].d);
            }
        }
        self.points[self.points.len() - 1].d
    }
}

/// A tree of sections. Section 0 is the root; parents always precede children.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Morphology {
    sections: Vec<Section>,
}

impl Morphology {
    /// An empty morphology.
    pub fn new() -> Self {
        Self::default()
    }

    /// All sections; a parent always has a smaller index than its children.
    pub fn sections(&self) -> &[Section] {
        &self.sections
    }

    /// Mutable access to one section (for example to set `nseg`).
    pub fn section_mut(&mut self, id: SectionId) -> &mut Section {
        &mut self.sections[id.0]
    }

    /// Looks a section up by name.
    pub fn find(&self, name: &str) -> Result<SectionId> {
        self.sections
            .iter()
            .position(|s| s.name == name)
            .map(SectionId)
            .ok_or_else(|| Error::UnknownName {
                kind: "section",
                name: name.into(),
            })
    }

    /// Adds a section through 3-D points, attached by its 0-end at `parent` (section, x).
    pub fn add_section(
        &mut self,
        name: &str,
        tag: i32,
        points: Vec<Point>,
        parent: Option<(SectionId, f64)>,
        nseg: usize,
    ) -> Result<SectionId> {
        let bad = |message: String| Error::Morphology {
            section: name.into(),
            message,
        };
        if self.sections.iter().any(|s| s.name == name) {
            return Err(bad("a section of this name already exists".into()));
        }
        if points.len() < 2 {
            return Err(bad(format!(
                "needs at least two points, has {}",
                points.len()
            )));
        }
        for (j, p) in points.iter().enumerate() {
            if !(p.x.is_finite() && p.y.is_finite() && p.z.is_finite()) {
                return Err(bad(format!("point {j} has a non-finite coordinate")));
            }
            if !(p.d > 0.0 && p.d.is_finite()) {
                return Err(bad(format!("point {j} has diameter {} (must be > 0)", p.d)));
            }
        }
        if nseg == 0 {
            return Err(bad("nseg must be at least 1".into()));
        }
        match parent {
            None if !self.sections.is_empty() => {
                return Err(bad(
                    "only the first section may be a root; give a parent".into()
                ));
            }
            Some((p, x)) => {
                if p.0 >= self.sections.len() {
                    return Err(bad(format!("parent section {} does not exist", p.0)));
                }
                if !(0.0..=1.0).contains(&x) {
                    return Err(bad(format!("attachment position {x} is outside [0, 1]")));
                }
            }
            None => {}
        }
        let section = Section {
            name: name.into(),
            tag,
            points,
            parent,
            nseg,
            float32: false,
        };
        if section.length().partial_cmp(&0.0) != Some(std::cmp::Ordering::Greater) {
            return Err(bad("has zero length".into()));
        }
        self.sections.push(section);
        Ok(SectionId(self.sections.len() - 1))
    }

    /// Adds a cylinder of the given length and diameter (µm), laid along x.
    pub fn add_cylinder(
        &mut self,
        name: &str,
        tag: i32,
        length: f64,
        diam: f64,
        parent: Option<(SectionId, f64)>,
        nseg: usize,
    ) -> Result<SectionId> {
        self.add_frustum(name, tag, length, diam, diam, parent, nseg)
    }

    /// Adds a frustum of the given length with diameters `d0` at its 0-end and `d1` at its 1-end.
    #[allow(clippy::too_many_arguments)]
    pub fn add_frustum(
        &mut self,
        name: &str,
        tag: i32,
        length: f64,
        d0: f64,
        d1: f64,
        parent: Option<(SectionId, f64)>,
        nseg: usize,
    ) -> Result<SectionId> {
        if !(length > 0.0 && length.is_finite()) {
            return Err(Error::Morphology {
                section: name.into(),
                message: format!("length {length} must be positive"),
            });
        }
        let points = vec![
            Point::new(0.0, 0.0, 0.0, d0),
            Point::new(length, 0.0, 0.0, d1),
        ];
        self.add_section(name, tag, points, parent, nseg)
    }

    /// Sets `nseg` of every section so that no segment is longer than `max_length` (µm).
    pub fn set_max_segment_length(&mut self, max_length: f64) {
        for s in &mut self.sections {
            s.nseg = ((s.length() / max_length).ceil() as usize).max(1);
        }
    }

    /// NEURON's d_lambda rule (the CellBuilder's): nseg = int((L/(d_lambda·λ_f)+0.999)/2)·2+1 with λ_f
    /// the AC length constant at `freq` (Hz), computed from 3-D points as NEURON's `lambda_f` does.
    /// `ra` (Ω·cm) and `cm` (µF/cm²) give each section's cable properties.
    pub fn set_nseg_d_lambda(
        &mut self,
        d_lambda: f64,
        freq: f64,
        ra: impl Fn(&Section) -> f64,
        cm: impl Fn(&Section) -> f64,
    ) {
        for s in &mut self.sections {
            let arcs = s.arcs();
            let mut lam = 0.0;
            for j in 1..s.points.len() {
                lam += (arcs[j] - arcs[j - 1]) / (s.points[j - 1].d + s.points[j].d).sqrt();
            }
            lam *= 2f64.sqrt() * 1e-5 * (4.0 * std::f64::consts::PI * freq * ra(s) * cm(s)).sqrt();
            let length = arcs[arcs.len() - 1];
            let lambda_f = length / lam;
            s.nseg = (((length / (d_lambda * lambda_f) + 0.999) / 2.0) as usize) * 2 + 1;
        }
    }

    /// Path distance (µm) along the tree between two positions (section, x).
    pub fn path_distance(&self, a: (SectionId, f64), b: (SectionId, f64)) -> f64 {
        // Each position's chain of ancestors: (section, position on it, distance walked so far).
        let chain = |(sec, x): (SectionId, f64)| {
            let mut out = vec![(sec.0, x, 0.0)];
            let (mut cur, mut pos, mut dist) = (sec.0, x, 0.0);
            while let Some((p, px)) = self.sections[cur].parent {
                dist += pos * self.sections[cur].length();
                cur = p.0;
                pos = px;
                out.push((cur, pos, dist));
            }
            out
        };
        let (ca, cb) = (chain(a), chain(b));
        for &(sec, pa, da) in &ca {
            if let Some(&(_, pb, db)) = cb.iter().find(|e| e.0 == sec) {
                return da + db + (pa - pb).abs() * self.sections[sec].length();
            }
        }
        f64::INFINITY
    }

    /// Path distance (µm) from the root section's 0-end to position x of a section.
    pub fn distance_from_root(&self, id: SectionId, x: f64) -> f64 {
        let s = &self.sections[id.0];
        let mut d = x * s.length();
        let mut parent = s.parent;
        while let Some((p, px)) = parent {
            let ps = &self.sections[p.0];
            d += px * ps.length();
            parent = ps.parent;
        }
        d
    }
}
