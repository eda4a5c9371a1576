//! SWC reader following NEURON's Import3d conventions.
//!
//! Each line is `id tag x y z radius parent`; `#` starts a comment. Sections are unbranched runs of
//! samples of one tag, split at branch points and tag changes. A child section starts with a copy of
//! its parent's last point (position and diameter), except children of a soma, which start at their
//! own first sample. A soma of one sample is a sphere, represented as a cylinder along x whose length
//! equals its diameter (same area); a three-point soma (NeuroMorpho convention: centre plus two
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
            point: Point::new(x, y, z, 2.0 * r),
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

fn build(samples: &[Sample]) -> Result<Morphology> {
    let (root, children) = children_of(samples)?;
    let mut morph = Morphology::new();
    let mut counts: HashMap<i32, usize> = HashMap::new();
    let mut add = |morph: &mut Morphology,
                   tag: i32,
                   points: Vec<Point>,
                   parent: Option<(SectionId, f64)>,
                   line: usize|
     -> Result<SectionId> {
        let n = counts.entry(tag).or_insert(0);
        let name = format!("{}[{}]", tag_name(tag), n);
        *n += 1;
        morph
            .add_section(&name, tag, points, parent, 1)
            .map_err(|e| Error::Swc {
                line,
                message: e.to_string(),
            })
    };
    let r = &samples[root];
    let soma_kids: Vec<usize> = children[root]
        .iter()
        .copied()
        .filter(|&c| samples[c].tag == 1)
        .collect();
    // Pending sections: (first sample of the chain, parent section and x, starting point).
    let mut pending: Vec<(usize, SectionId, f64, Option<Point>)> = Vec::new();
    if r.tag == 1 && soma_kids.is_empty() {
        // One-point soma: a sphere of radius r becomes a cylinder of length and diameter 2r.
        let p = r.point;
        let pts = vec![
            Point::new(p.x - p.d / 2.0, p.y, p.z, p.d),
            Point::new(p.x + p.d / 2.0, p.y, p.z, p.d),
        ];
        let soma = add(&mut morph, 1, pts, None, r.line)?;
        for &c in &children[root] {
            pending.push((c, soma, 0.5, None));
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
        let pts = vec![Point { d, ..a }, r.point, Point { d, ..b }];
        let soma = add(&mut morph, 1, pts, None, r.line)?;
        for &c in children[root]
            .iter()
            .chain(&children[soma_kids[0]])
            .chain(&children[soma_kids[1]])
        {
            if !soma_kids.contains(&c) {
                pending.push((c, soma, 0.5, None));
            }
        }
    } else {
        // General root: the root section follows the root's first child of the same tag.
        let first = children[root]
            .iter()
            .copied()
            .find(|&c| samples[c].tag == r.tag);
        let mut pts = vec![r.point];
        let Some(f) = first else {
            return Err(Error::Swc {
                line: r.line,
                message: "root sample has no child of its own tag; cannot form a root section"
                    .into(),
            });
        };
        let end = chain(samples, &children, f, &mut pts);
        let sec = add(&mut morph, r.tag, pts, None, r.line)?;
        for &c in &children[root] {
            if Some(c) != first {
                pending.push((c, sec, 0.0, Some(r.point)));
            }
        }
        for &c in &children[end] {
            pending.push((c, sec, 1.0, Some(samples[end].point)));
        }
    }
    let mut queue = std::collections::VecDeque::from(pending);
    while let Some((start, parent, x, from)) = queue.pop_front() {
        let s = &samples[start];
        let parent_is_soma = morph.sections()[parent.0].tag == 1 && s.tag != 1;
        let mut pts = Vec::new();
        match from {
            Some(p) if !parent_is_soma => pts.push(p),
            _ => {}
        }
        let end = chain(samples, &children, start, &mut pts);
        if pts.len() < 2 {
            // A one-sample branch off the soma: start it at the parent's position.
            let p = from.unwrap_or(samples[start].point);
            pts.insert(0, Point { d: s.point.d, ..p });
        }
        let sec = add(&mut morph, s.tag, pts, Some((parent, x)), s.line)?;
        for &c in &children[end] {
            queue.push_back((c, sec, 1.0, Some(samples[end].point)));
        }
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
