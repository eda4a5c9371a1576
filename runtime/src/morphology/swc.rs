//! SWC reader following NEURON's Import3d (`read_swc.hoc`, NEURON 9.0.2).
//!
//! Each line is `id tag x y z radius parent`; `#` starts a comment. Coordinates and diameters are
//! rounded to float32 as NEURON stores them. Sections are runs of samples of one tag; a run continues
//! only into a single same-tag child that comes next in id order (so runs also break where the file
//! order jumps), except that a soma run continues through samples where dendrites branch off and
//! breaks only where a soma sample has several soma children. The root section runs from the root
//! sample through its soma child; the root's other children attach at the root section's 0-end.
//!
//! Attachment and first 3-D point of a child section, as Import3d decides them:
//! - children of a one-point soma (a sphere, made a three-point cylinder along x of length and
//!   diameter 2r) or of a NeuroMorpho three-point soma attach at x = 0.5;
//! - dendrites off an interior soma sample attach at x = 0.5;
//! - all other children attach at x = 1, or x = 0 when their parent is the root sample;
//! - a child starts with a copy of its parent sample (a dendrite off a soma takes its own first
//!   diameter), except that it is joined "by wire" (no copied point) when it is a non-soma child of
//!   the root sample with several soma children, or a multi-sample dendrite off a soma sample that is
//!   interior, a single-point soma, or has several soma children; sections left with one point are
//!   dropped with their subtrees.
//!
//! Sections are named `soma[i]`, `axon[i]`, `dend[i]`, `apic[i]` (`tagN[i]` for other tags), numbered
//! per tag in increasing order of their first own sample id. A soma outlined as a closed contour is
//! read as a chain of frusta, as Import3d's SWC reader does (it has no contour rule for SWC). Branches
//! off the first sample of a dendrite that hangs off the soma, other than the next sample in id order,
//! attach at that dendrite's 0-end (Import3d's "connect to the proximal end").

use std::collections::HashMap;

use super::{Morphology, Point, SectionId};
use crate::error::{Error, Result};

/// One SWC sample.
#[derive(Clone, Copy, Debug)]
struct Sample {
    id: i64,
    tag: i32,
    point: Point,
    parent: i64,
    line: usize,
}

/// Parses SWC text into a morphology; every section gets `nseg = 1`.
pub fn read_swc(text: &str) -> Result<Morphology> {
    let samples = parse(text)?;
    build(&samples)
}

fn parse(text: &str) -> Result<Vec<Sample>> {
    let mut samples = Vec::new();
    let mut index: HashMap<i64, usize> = HashMap::new();
    for (n, raw) in text.lines().enumerate() {
        let line = n + 1;
        let content = raw.split('#').next().unwrap_or("").trim();
        if content.is_empty() {
            continue;
        }
        let fields: Vec<&str> = content.split_whitespace().collect();
        let err = |message: String| Error::Swc { line, message };
        if fields.len() != 7 {
            return Err(err(format!(
                "expected 7 fields `id tag x y z radius parent`, found {}",
                fields.len()
            )));
        }
        let int = |s: &str, what: &str| {
            s.parse::<i64>()
                .map_err(|_| err(format!("{what} `{s}` is not an integer")))
        };
        // NEURON stores 3-D points as float32: a value beyond its range would become infinite.
        let num = |s: &str, what: &str| match s.parse::<f64>() {
            Ok(v) if v.is_finite() && f32r(v).is_finite() => Ok(v),
            Ok(v) if v.is_finite() => Err(err(format!(
                "{what} `{s}` is beyond the range of float32, in which 3-D points are stored"
            ))),
            _ => Err(err(format!("{what} `{s}` is not a finite number"))),
        };
        let id = int(fields[0], "id")?;
        let tag = i32::try_from(int(fields[1], "tag")?)
            .map_err(|_| err(format!("tag `{}` is out of range", fields[1])))?;
        let (x, y, z) = (
            num(fields[2], "x")?,
            num(fields[3], "y")?,
            num(fields[4], "z")?,
        );
        let r = num(fields[5], "radius")?;
        if !f32r(2.0 * r).is_finite() {
            return Err(err(format!(
                "radius `{}` is beyond the range of float32, in which diameters are stored",
                fields[5]
            )));
        }
        let parent = int(fields[6], "parent")?;
        if r <= 0.0 {
            return Err(err(format!("sample {id} has radius {r} (must be > 0)")));
        }
        if parent == id {
            return Err(err(format!("sample {id} is its own parent")));
        }
        if let Some(&first) = index.get(&id) {
            return Err(err(format!(
                "duplicate sample id {id} (first on line {})",
                samples_line(&samples, first)
            )));
        }
        index.insert(id, samples.len());
        samples.push(Sample {
            id,
            tag,
            // NEURON stores 3-D points as float32; round as it does so areas match.
            point: Point::new(f32r(x), f32r(y), f32r(z), f32r(2.0 * r)),
            parent,
            line,
        });
    }
    if samples.is_empty() {
        return Err(Error::Swc {
            line: 0,
            message: "no samples".into(),
        });
    }
    Ok(samples)
}

fn f32r(x: f64) -> f64 {
    x as f32 as f64
}

fn samples_line(samples: &[Sample], i: usize) -> usize {
    samples[i].line
}

/// Sample tree as index-based children lists, with validation of parents and cycles.
fn children_of(samples: &[Sample]) -> Result<(usize, Vec<Vec<usize>>)> {
    let index: HashMap<i64, usize> = samples.iter().enumerate().map(|(i, s)| (s.id, i)).collect();
    let mut children = vec![Vec::new(); samples.len()];
    let mut root: Option<usize> = None;
    for (i, s) in samples.iter().enumerate() {
        if s.parent < 0 {
            if let Some(r) = root {
                return Err(Error::Swc {
                    line: s.line,
                    message: format!(
                        "second root sample {} (the first is on line {}); one tree per file",
                        s.id, samples[r].line
                    ),
                });
            }
            root = Some(i);
        } else {
            let p = *index.get(&s.parent).ok_or_else(|| Error::Swc {
                line: s.line,
                message: format!("sample {} has missing parent {}", s.id, s.parent),
            })?;
            children[p].push(i);
        }
    }
    let root = match root {
        Some(r) => r,
        None => {
            return Err(Error::Swc {
                line: samples[0].line,
                message: "no root sample (parent -1): the samples form a cycle".into(),
            });
        }
    };
    // Every sample must be reachable from the root; those that are not lie on a cycle.
    let mut seen = vec![false; samples.len()];
    let mut stack = vec![root];
    while let Some(i) = stack.pop() {
        seen[i] = true;
        stack.extend(&children[i]);
    }
    if let Some(i) = seen.iter().position(|s| !s) {
        // Walk up from i until a sample repeats: that one is on the cycle.
        let mut on_path = vec![false; samples.len()];
        let mut j = i;
        while !on_path[j] {
            on_path[j] = true;
            j = index[&samples[j].parent];
        }
        return Err(Error::Swc {
            line: samples[j].line,
            message: format!(
                "sample {} is part of a cycle of parent references",
                samples[j].id
            ),
        });
    }
    Ok((root, children))
}

fn tag_name(tag: i32) -> String {
    match tag {
        1 => "soma".into(),
        2 => "axon".into(),
        3 => "dend".into(),
        4 => "apic".into(),
        t => format!("tag{t}"),
    }
}

/// A section found in the sample tree, before naming.
struct Found {
    tag: i32,
    points: Vec<Point>,
    parent: Option<(usize, f64)>,
    first_id: i64,
    line: usize,
}

fn build(samples: &[Sample]) -> Result<Morphology> {
    let (root, children) = children_of(samples)?;
    // Import3d works on the samples sorted by id; a run continues only into the next sample in
    // that order ("contiguous" child).
    let mut order: Vec<usize> = (0..samples.len()).collect();
    order.sort_by_key(|&i| samples[i].id);
    let mut pos = vec![0; samples.len()];
    for (k, &i) in order.iter().enumerate() {
        pos[i] = k;
    }
    let mut parent_of = vec![None; samples.len()];
    for (p, kids) in children.iter().enumerate() {
        for &c in kids {
            parent_of[c] = Some(p);
        }
    }
    let runs = Runs {
        samples,
        children: &children,
        pos: &pos,
        parent: &parent_of,
    };
    let mut found: Vec<Found> = Vec::new();
    let r = &samples[root];
    let soma_kids: Vec<usize> = children[root]
        .iter()
        .copied()
        .filter(|&c| samples[c].tag == 1)
        .collect();
    // Pending sections: (first sample, parent section and x, parent sample to start from).
    let mut pending: Vec<Pending> = Vec::new();
    if r.tag == 1 && soma_kids.is_empty() {
        // One-point soma: a sphere of radius r becomes a cylinder of length and diameter 2r.
        let p = r.point;
        let points = vec![
            Point::new(p.x - p.d / 2.0, p.y, p.z, p.d),
            p,
            Point::new(p.x + p.d / 2.0, p.y, p.z, p.d),
        ];
        found.push(Found {
            tag: 1,
            points,
            parent: None,
            first_id: r.id,
            line: r.line,
        });
        for &c in &children[root] {
            pending.push((c, 0, 0.5, root));
        }
    } else if r.tag == 1
        && soma_kids.len() == 2
        && samples.iter().filter(|s| s.tag == 1).count() == 3
        && soma_kids
            .iter()
            .all(|&c| children[c].is_empty() && samples[c].point.d == r.point.d)
        && {
            let len: f64 = soma_kids
                .iter()
                .map(|&c| samples[c].point.distance(&r.point))
                .sum();
            (len / r.point.d - 1.0).abs() < 0.01
        }
    {
        // Three-point soma: a cylinder through the two outer samples and the centre.
        let (a, b) = (samples[soma_kids[0]].point, samples[soma_kids[1]].point);
        let d = r.point.d;
        let points = vec![Point { d, ..a }, r.point, Point { d, ..b }];
        found.push(Found {
            tag: 1,
            points,
            parent: None,
            first_id: r.id,
            line: r.line,
        });
        for &c in &children[root] {
            if !soma_kids.contains(&c) {
                pending.push((c, 0, 0.5, root));
            }
        }
    } else {
        // General root: the root section follows the root's first child of the same tag (Import3d
        // never ends the root section at the root sample); the root's other children attach at its
        // 0-end.
        let same: Vec<usize> = children[root]
            .iter()
            .copied()
            .filter(|&c| samples[c].tag == r.tag)
            .collect();
        let contiguous = same.iter().copied().find(|&c| pos[c] == pos[root] + 1);
        let Some(first) = contiguous.or(same.first().copied()) else {
            return Err(Error::Swc {
                line: r.line,
                message: "root sample has no child of its own tag; cannot form a root section"
                    .into(),
            });
        };
        let mut points = vec![r.point];
        let mut branches = Branches::default();
        let end = runs.chain(first, &mut points, &mut branches);
        found.push(Found {
            tag: r.tag,
            points,
            parent: None,
            first_id: r.id,
            line: r.line,
        });
        for &c in &children[root] {
            if c != first {
                pending.push((c, 0, 0.0, root));
            }
        }
        push_children(samples, &children, &branches, first, end, 0, &mut pending);
    }
    let mut queue = std::collections::VecDeque::from(pending);
    while let Some((start, parent, x, from)) = queue.pop_front() {
        let s = &samples[start];
        let parent_tag = found[parent].tag;
        let mut own = Vec::new();
        let mut branches = Branches::default();
        let end = runs.chain(start, &mut own, &mut branches);
        let soma_kids_of = |p: usize| children[p].iter().filter(|&&c| samples[c].tag == 1).count();
        let dendrite_off_soma = parent_tag == 1 && s.tag != 1;
        // Import3d's rules for the first 3-D point of a child section: joined "by wire" (no copied
        // point), or a copy of the parent sample (with the child's own diameter off a soma).
        let wire = if x == 0.0 {
            s.tag != 1 && soma_kids_of(from) > 1
        } else if x == 0.5 {
            dendrite_off_soma && own.len() > 1
        } else {
            dendrite_off_soma && own.len() > 1 && soma_kids_of(from) > 1
        };
        let mut points = Vec::with_capacity(own.len() + 1);
        if !wire {
            let p = samples[from].point;
            let d = if dendrite_off_soma { s.point.d } else { p.d };
            points.push(Point { d, ..p });
        }
        points.extend(own);
        if points.len() < 2 {
            // Import3d drops one-point sections (with their subtrees).
            continue;
        }
        found.push(Found {
            tag: s.tag,
            points,
            parent: Some((parent, x)),
            first_id: s.id,
            line: s.line,
        });
        let me = found.len() - 1;
        let mut next = Vec::new();
        push_children(samples, &children, &branches, start, end, me, &mut next);
        queue.extend(next);
    }
    // Names: per tag, numbered in increasing order of the section's first own sample id.
    let mut names = vec![String::new(); found.len()];
    let mut tags: Vec<i32> = found.iter().map(|f| f.tag).collect();
    tags.sort_unstable();
    tags.dedup();
    for tag in tags {
        let mut of_tag: Vec<usize> = (0..found.len()).filter(|&i| found[i].tag == tag).collect();
        of_tag.sort_by_key(|&i| found[i].first_id);
        for (n, i) in of_tag.into_iter().enumerate() {
            names[i] = format!("{}[{}]", tag_name(tag), n);
        }
    }
    let mut morph = Morphology::new();
    for (f, name) in found.into_iter().zip(names) {
        let parent = f.parent.map(|(p, x)| (SectionId(p), x));
        let id = morph
            .add_section(&name, f.tag, f.points, parent, 1)
            .map_err(|e| Error::Swc {
                line: f.line,
                message: e.to_string(),
            })?;
        // NEURON's 3-D points: arc lengths subtract them in float32.
        morph.sections[id.0].float32 = true;
    }
    Ok(morph)
}

/// A pending section: first sample, parent section, attachment x, parent sample.
type Pending = (usize, usize, f64, usize);

/// Queues the children of a section: those attached at its 0-end (to its first own sample
/// `start`), those of its interior soma samples at x = 0.5, those of its last sample at x = 1.
fn push_children(
    samples: &[Sample],
    children: &[Vec<usize>],
    branches: &Branches,
    start: usize,
    end: usize,
    section: usize,
    out: &mut Vec<Pending>,
) {
    for &c in &branches.proximal {
        out.push((c, section, 0.0, start));
    }
    for &p in &branches.interior {
        for &c in &children[p] {
            if samples[c].tag != 1 {
                out.push((c, section, 0.5, p));
            }
        }
    }
    for &c in &children[end] {
        out.push((c, section, 1.0, end));
    }
}

/// The sample tree with each sample's position in id order.
struct Runs<'a> {
    samples: &'a [Sample],
    children: &'a [Vec<usize>],
    pos: &'a [usize],
    parent: &'a [Option<usize>],
}

/// Where the children of a run attach.
#[derive(Default)]
struct Branches {
    /// Samples inside the run with children besides the next sample (soma runs only): x = 0.5.
    interior: Vec<usize>,
    /// Children attached at the run's 0-end (Import3d's "connect to the proximal end").
    proximal: Vec<usize>,
}

impl Runs<'_> {
    /// Appends the unbranched run of samples of one tag starting at `start`; returns its last
    /// sample. As in Import3d, a run continues only into a single child of the same tag that comes
    /// next in id order; a soma run also continues through samples where dendrites branch off (those
    /// samples are recorded as interior), since Import3d keeps such a soma in one section. When the
    /// run starts at a dendrite sample whose parent is a soma sample, its children that are not next
    /// in id order attach at the run's 0-end and the run goes on (Import3d's `connect2prox`).
    fn chain(&self, start: usize, pts: &mut Vec<Point>, branches: &mut Branches) -> usize {
        let (samples, children) = (self.samples, self.children);
        let mut cur = start;
        pts.push(samples[cur].point);
        let prox = samples[start].tag != 1
            && self.pos[start] > 1
            && self.parent[start].is_some_and(|p| samples[p].tag == 1);
        if prox {
            for &c in &children[start] {
                if self.pos[c] != self.pos[start] + 1 {
                    branches.proximal.push(c);
                }
            }
        }
        loop {
            let tag = samples[cur].tag;
            let contiguous = |c: usize| self.pos[c] == self.pos[cur] + 1;
            let same: Vec<usize> = children[cur]
                .iter()
                .copied()
                .filter(|&c| samples[c].tag == tag)
                .collect();
            let next = if tag == 1 {
                (same.len() == 1 && contiguous(same[0])).then(|| same[0])
            } else if prox && cur == start {
                children[cur]
                    .iter()
                    .copied()
                    .find(|&c| contiguous(c) && samples[c].tag == tag)
            } else {
                (same.len() == 1 && children[cur].len() == 1 && contiguous(same[0]))
                    .then(|| same[0])
            };
            let Some(n) = next else {
                return cur;
            };
            if tag == 1 && children[cur].len() > 1 {
                branches.interior.push(cur);
            }
            cur = n;
            pts.push(samples[cur].point);
        }
    }
}
