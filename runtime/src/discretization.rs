//! Discretisation into NEURON's node layout.
//!
//! A section of nseg segments has one node at each segment centre and one zero-area node at its
//! 1-end; the root section's 0-end is one more zero-area node. A child section's 0-end is the parent's
//! node at the attachment point (x = 0: the parent's 0-end node, x = 1: its 1-end node, otherwise the
//! centre of the segment holding x). Every node is a control volume (CV); parents precede children.
//!
//! Membrane areas and axial resistances are computed as NEURON's `nrn_area_ri` does: a segment's area
//! is the lateral area of the 3-D frusta within it (split at the segment's ends, diameters
//! interpolated linearly in arc length), and the resistance between two adjacent nodes is the
//! integral of 4·Ra/(π d²) over the two half segments between them, i.e. Σ 4·Ra·dx/(π d₁ d₂) per
//! frustum piece, in MΩ. Zero-area nodes have area 100 "in dimensionless units" in the matrix, as in
//! NEURON, so their rows are scaled by 1/100 and their units work out.

use std::f64::consts::PI;

use crate::morphology::{Morphology, SectionId};

/// Marker for "no parent" in [`CvLayout::parent`].
pub const NO_PARENT: usize = usize::MAX;

/// The control volumes of a discretised morphology.
#[derive(Clone, Debug)]
pub struct CvLayout {
    /// Parent CV of each CV ([`NO_PARENT`] for the root); `parent[i] < i`.
    pub parent: Vec<usize>,
    /// Membrane area (µm²); 0 for the zero-area end nodes.
    pub area: Vec<f64>,
    /// Mean diameter of the segment (µm), as NEURON's `diam` of a 3-D section: the integral of the
    /// diameter over the segment divided by its length. End nodes take their adjacent segment's.
    pub diam: Vec<f64>,
    /// Area used to scale matrix rows (µm²): `area`, or 100 for zero-area nodes (NEURON).
    pub matrix_area: Vec<f64>,
    /// Section of each CV (the root node belongs to the root section).
    pub section: Vec<SectionId>,
    /// Position of each node on its section: (j + 0.5)/nseg for centres, 0 or 1 for end nodes.
    pub x: Vec<f64>,
    /// Whether the CV is a segment centre (has membrane); end nodes are not.
    pub is_segment: Vec<bool>,
    /// Axial resistance between a CV and its parent per unit Ra (MΩ per Ω·cm); 0 for the root.
    pub ri_per_ra: Vec<f64>,
    /// First centre CV of each section (its segments are consecutive).
    pub first_segment: Vec<usize>,
    /// The 1-end node of each section.
    pub end_node: Vec<usize>,
    /// The node at each section's 0-end (its parent's node at the attachment point).
    pub start_node: Vec<usize>,
    /// nseg of each section.
    pub nseg: Vec<usize>,
}

/// Lateral area (µm²), resistance integral Σ dx/(d₁d₂) (1/µm) and diameter integral Σ (d₁+d₂)/2 dx
/// (µm²) of a section between arc positions `lo` and `hi`, from its 3-D points.
fn piece(arcs: &[f64], diams: &[f64], lo: f64, hi: f64) -> (f64, f64, f64) {
    let mut area = 0.0;
    let mut rint = 0.0;
    let mut dint = 0.0;
    let interp = |j: usize, s: f64| {
        let span = arcs[j] - arcs[j - 1];
        if span <= 0.0 {
            diams[j]
        } else {
            diams[j - 1] + (diams[j] - diams[j - 1]) * (s - arcs[j - 1]) / span
        }
    };
    for j in 1..arcs.len() {
        let (a0, a1) = (arcs[j - 1], arcs[j]);
        let x1 = a0.max(lo);
        let x2 = a1.min(hi);
        if x2 < x1 || (x2 == x1 && !(a0 == a1 && a0 > lo && a0 <= hi)) {
            continue;
        }
        let (y1, y2) = if a1 > a0 {
            (interp(j, x1), interp(j, x2))
        } else {
            (diams[j - 1], diams[j])
        };
        let dx = x2 - x1;
        area += 0.5 * PI * (y1 + y2) * (dx * dx + (y2 - y1) * (y2 - y1) / 4.0).sqrt();
        if dx > 0.0 {
            rint += dx / (y1 * y2);
            dint += 0.5 * (y1 + y2) * dx;
        }
    }
    (area, rint, dint)
}

/// MΩ per (Ω·cm) per (µm / µm²): ri = RI_FACTOR · Ra · Σ dx/(d₁d₂).
const RI_FACTOR: f64 = 4.0e-2 / PI;

impl CvLayout {
    /// Discretises a morphology with each section's `nseg`.
    pub fn new(morph: &Morphology) -> Self {
        let secs = morph.sections();
        let mut l = CvLayout {
            parent: vec![NO_PARENT],
            area: vec![0.0],
            diam: vec![secs.first().map_or(0.0, |s| s.points[0].d)],
            matrix_area: vec![100.0],
            section: vec![SectionId(0)],
            x: vec![0.0],
            is_segment: vec![false],
            ri_per_ra: vec![0.0],
            first_segment: Vec::with_capacity(secs.len()),
            end_node: Vec::with_capacity(secs.len()),
            start_node: Vec::with_capacity(secs.len()),
            nseg: Vec::with_capacity(secs.len()),
        };
        for (si, s) in secs.iter().enumerate() {
            let start = match s.parent {
                None => 0,
                Some((p, x)) => l.node_at(p, x),
            };
            let arcs = s.arcs();
            let diams: Vec<f64> = s.points.iter().map(|p| p.d).collect();
            let len = arcs[arcs.len() - 1];
            let n = s.nseg;
            let ds = len / n as f64;
            l.start_node.push(start);
            l.first_segment.push(l.parent.len());
            l.nseg.push(n);
            let mut prev = start;
            let mut rright = 0.0;
            for j in 0..n {
                let s0 = j as f64 * ds;
                let sm = s0 + ds / 2.0;
                let s1 = if j + 1 == n { len } else { (j + 1) as f64 * ds };
                let (a_left, r_left, d_left) = piece(&arcs, &diams, s0, sm);
                let (a_right, r_right, d_right) = piece(&arcs, &diams, sm, s1);
                let cv = l.parent.len();
                l.parent.push(prev);
                l.area.push(a_left + a_right);
                l.diam.push((d_left + d_right) / ds);
                l.matrix_area.push(a_left + a_right);
                l.section.push(SectionId(si));
                l.x.push((j as f64 + 0.5) / n as f64);
                l.is_segment.push(true);
                l.ri_per_ra.push(RI_FACTOR * (r_left + rright));
                rright = r_right;
                prev = cv;
            }
            let end = l.parent.len();
            l.parent.push(prev);
            l.area.push(0.0);
            l.diam.push(l.diam[end - 1]);
            l.matrix_area.push(100.0);
            l.section.push(SectionId(si));
            l.x.push(1.0);
            l.is_segment.push(false);
            l.ri_per_ra.push(RI_FACTOR * rright);
            l.end_node.push(end);
        }
        l
    }

    /// Number of CVs.
    pub fn len(&self) -> usize {
        self.parent.len()
    }

    /// Whether there are no CVs (never true for a built layout).
    pub fn is_empty(&self) -> bool {
        self.parent.is_empty()
    }

    /// The node NEURON uses for position x of a section (x = 0: the section's 0-end node, x = 1: its
    /// 1-end node, otherwise the centre of the segment containing x).
    pub fn node_at(&self, sec: SectionId, x: f64) -> usize {
        if x <= 0.0 {
            self.start_node[sec.0]
        } else if x >= 1.0 {
            self.end_node[sec.0]
        } else {
            let n = self.nseg[sec.0];
            let j = ((x * n as f64) as usize).min(n - 1);
            self.first_segment[sec.0] + j
        }
    }

    /// The segment-centre CVs of a section, in order.
    pub fn segments(&self, sec: SectionId) -> std::ops::Range<usize> {
        let f = self.first_segment[sec.0];
        f..f + self.nseg[sec.0]
    }
}
