//! SWC reader following NEURON's Import3d conventions.
//!
//! Each line is `id tag x y z radius parent`; `#` starts a comment. Sections are unbranched runs of
//! samples of one tag, split at branch points and tag changes; the root section runs from the root
//! sample through its first child of the same tag, and the root's other children attach at its 0-end.
//! A child section starts with a copy of its parent's sample (position and diameter), except that a
//! dendrite off a soma takes its own first diameter, and a non-soma child of the root's 0-end gets no
//! copied point (Import3d joins it "by wire"); sections left with one point are dropped, as Import3d
//! does. Sections are named `soma[i]`, `axon[i]`, `dend[i]`, `apic[i]` (`tagN[i]` for other tags),
//! numbered per tag in increasing order of their first own sample id. A soma of one sample is a sphere, represented as a cylinder along x whose length
//! equals its diameter (same area; three points along x through the centre, as Import3d makes it); a
//! three-point soma (NeuroMorpho convention: centre plus two
//! samples at ±r) is the cylinder through its three samples; any other soma is a chain (or tree) of
//! frusta like the rest. Children of a one-point soma attach at its centre (x = 0.5).

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
        let num = |s: &str, what: &str| match s.parse::<f64>() {
            Ok(v) if v.is_finite() => Ok(v),
            _ => Err(err(format!("{what} `{s}` is not a finite number"))),
        };
        let id = int(fields[0], "id")?;
        let tag = int(fields[1], "tag")? as i32;
        let (x, y, z) = (
            num(fields[2], "x")?,
            num(fields[3], "y")?,
            num(fields[4], "z")?,
        );
        let r = num(fields[5], "radius")?;
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
    let mut found: Vec<Found> = Vec::new();
    let r = &samples[root];
    let soma_kids: Vec<usize> = children[root]
        .iter()
        .copied()
        .filter(|&c| samples[c].tag == 1)
        .collect();
    // Pending sections: (first sample, parent section and x, parent sample to start from).
    let mut pending: Vec<(usize, usize, f64, Option<usize>)> = Vec::new();
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
            pending.push((c, 0, 0.5, None));
        }
    } else if r.tag == 1
        && soma_kids.len() == 2
        && soma_kids
            .iter()
            .all(|&c| children[c].iter().all(|&g| samples[g].tag != 1))
        && samples.iter().filter(|s| s.tag == 1).count() == 3
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
        let kids = children[root]
            .iter()
            .chain(&children[soma_kids[0]])
            .chain(&children[soma_kids[1]]);
        for &c in kids {
            if !soma_kids.contains(&c) {
                pending.push((c, 0, 0.5, None));
            }
        }
    } else {
        // General root: the root section follows the root's first child of the same tag; the root's
        // other children attach at its 0-end.
        let Some(first) = children[root]
            .iter()
            .copied()
            .find(|&c| samples[c].tag == r.tag)
        else {
            return Err(Error::Swc {
                line: r.line,
                message: "root sample has no child of its own tag; cannot form a root section"
                    .into(),
            });
        };
        let mut points = vec![r.point];
        let end = chain(samples, &children, first, &mut points);
        found.push(Found {
            tag: r.tag,
            points,
            parent: None,
            first_id: r.id,
            line: r.line,
        });
        for &c in &children[root] {
            if c != first {
                pending.push((c, 0, 0.0, Some(root)));
            }
        }
        for &c in &children[end] {
            pending.push((c, 0, 1.0, Some(end)));
        }
    }
    let mut queue = std::collections::VecDeque::from(pending);
    while let Some((start, parent, x, from)) = queue.pop_front() {
        let s = &samples[start];
        let parent_tag = found[parent].tag;
        let mut points = Vec::new();
        match from {
            // Import3d joins a non-soma child of the root's 0-end "by wire": no copied point.
            Some(_) if x == 0.0 && s.tag != parent_tag => {}
            // A dendrite off a soma starts at the soma sample's position with its own diameter.
            Some(p) if parent_tag == 1 && s.tag != 1 => points.push(Point {
                d: s.point.d,
                ..samples[p].point
            }),
            Some(p) => points.push(samples[p].point),
            None => {}
        }
        let end = chain(samples, &children, start, &mut points);
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
        for &c in &children[end] {
            queue.push_back((c, me, 1.0, Some(end)));
        }
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
        morph
            .add_section(&name, f.tag, f.points, parent, 1)
            .map_err(|e| Error::Swc {
                line: f.line,
                message: e.to_string(),
            })?;
    }
    Ok(morph)
}

/// Appends the unbranched run of samples of one tag starting at `start`; returns its last sample.
fn chain(samples: &[Sample], children: &[Vec<usize>], start: usize, pts: &mut Vec<Point>) -> usize {
    let mut cur = start;
    pts.push(samples[cur].point);
    while children[cur].len() == 1 && samples[children[cur][0]].tag == samples[cur].tag {
        cur = children[cur][0];
        pts.push(samples[cur].point);
    }
    cur
}
