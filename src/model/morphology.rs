//! The morphology of a model file: an SWC file, `[[section]]` tables, or an SWC file with extra
//! sections attached to its sections (for example an axon that NEURON's Import3d drops).

use gradmod_runtime::{Morphology, Point, SectionId};
use toml::Spanned;

use super::schema::{Num, Section};
use super::{Model, ModelError, Source};

/// The SWC tag a section gets from its name when none is given.
fn default_tag(name: &str) -> i32 {
    [("soma", 1), ("axon", 2), ("dend", 3), ("apic", 4)]
        .iter()
        .find(|(p, _)| name.starts_with(p))
        .map_or(0, |&(_, t)| t)
}

/// Builds the morphology of a model: its SWC file, its `[[section]]` tables, or both (the
/// sections then attach to the SWC's sections or to earlier sections).
pub(crate) fn morphology(model: &Model) -> Result<Morphology, ModelError> {
    let (f, src) = (&model.file, &model.source);
    let swc = match &f.morphology {
        None if f.sections.is_empty() => {
            return Err(src.error(
                "morphology",
                "the model has no morphology: add [morphology] swc = FILE or [[section]] tables",
            ));
        }
        None => None,
        Some(m) => Some(read_swc(src, &m.swc)?),
    };
    let from_swc = swc.as_ref().map_or(0, |m| m.sections().len());
    let mut morph = swc.unwrap_or_default();
    for (i, s) in f.sections.iter().enumerate() {
        add_section(src, &mut morph, from_swc, i, s)?;
    }
    Ok(morph)
}

/// Reads the SWC file named at `[morphology] swc`, relative to the model file.
fn read_swc(src: &Source, swc: &Spanned<String>) -> Result<Morphology, ModelError> {
    let path = src.dir.join(swc.get_ref());
    let text = std::fs::read_to_string(&path).map_err(|e| {
        src.error_at(
            swc.span(),
            "morphology.swc",
            format!("cannot read `{}`: {e}", swc.get_ref()),
        )
    })?;
    gradmod_runtime::read_swc(&text).map_err(|e| {
        src.error_at(
            swc.span(),
            "morphology.swc",
            format!("{}: {e}", swc.get_ref()),
        )
    })
}

/// The names of the first `count` sections of `morph` in short form, such as
/// `soma[0]..soma[16], dend[0]..dend[40]`: for each prefix, in order of first appearance, its
/// smallest and largest index (names without an index are listed as they are).
fn summary(morph: &Morphology, count: usize) -> String {
    let mut groups: Vec<(String, usize, usize)> = Vec::new();
    let mut plain: Vec<String> = Vec::new();
    for s in &morph.sections()[..count] {
        let indexed = s.name.strip_suffix(']').and_then(|r| r.split_once('['));
        let Some((prefix, Ok(i))) = indexed.map(|(p, i)| (p, i.parse::<usize>())) else {
            plain.push(s.name.clone());
            continue;
        };
        match groups.iter_mut().find(|g| g.0 == prefix) {
            Some(g) => (g.1, g.2) = (g.1.min(i), g.2.max(i)),
            None => groups.push((prefix.to_string(), i, i)),
        }
    }
    let mut parts: Vec<String> = groups
        .into_iter()
        .map(|(p, lo, hi)| {
            if lo == hi {
                format!("{p}[{lo}]")
            } else {
                format!("{p}[{lo}]..{p}[{hi}]")
            }
        })
        .collect();
    parts.extend(plain);
    parts.join(", ")
}

/// Adds `[[section]]` number `i`; `from_swc` sections came from an SWC file before it.
fn add_section(
    src: &Source,
    morph: &mut Morphology,
    from_swc: usize,
    i: usize,
    s: &Spanned<Section>,
) -> Result<(), ModelError> {
    let key = format!("section[{i}]");
    let err = |m: String| src.error_at(s.span(), key.as_str(), m);
    let sec = s.get_ref();
    let parent = match &sec.parent {
        None if from_swc > 0 => {
            return Err(err(format!(
                "with [morphology] swc, every [[section]] attaches to a parent: give `parent`, \
                 a section of the SWC ({}) or an earlier [[section]]",
                summary(morph, from_swc)
            )));
        }
        None => None,
        Some(p) => {
            let id = morph.find(p.get_ref()).map_err(|_| {
                let message = if from_swc > 0 {
                    format!(
                        "no section named `{}` in the SWC ({}) or before this one (parents \
                         come first)",
                        p.get_ref(),
                        summary(morph, from_swc)
                    )
                } else {
                    format!(
                        "no section named `{}` before this one (parents come first)",
                        p.get_ref()
                    )
                };
                src.error_at(p.span(), format!("{key}.parent"), message)
            })?;
            let x = sec.at.map_or(1.0, |x| x.0);
            if !(0.0..=1.0).contains(&x) {
                return Err(err(format!("`at` must be in [0, 1], got {x}")));
            }
            Some((id, x))
        }
    };
    if parent.is_none() && sec.at.is_some() {
        return Err(err("`at` needs a `parent`".into()));
    }
    let points = match (&sec.points, sec.length, sec.diameter) {
        (Some(p), None, None) if sec.diameter_end.is_none() => p
            .iter()
            .map(|[x, y, z, d]| Point::new(x.0, y.0, z.0, d.0))
            .collect(),
        (None, Some(Num(l)), Some(Num(d0))) => {
            if l <= 0.0 {
                return Err(err(format!("length must be positive, got {l}")));
            }
            let d1 = sec.diameter_end.map_or(d0, |d| d.0);
            vec![Point::new(0.0, 0.0, 0.0, d0), Point::new(l, 0.0, 0.0, d1)]
        }
        _ => {
            return Err(err(
                "give `length` and `diameter` (optionally `diameter_end`), or `points`".into(),
            ));
        }
    };
    if morph.find(&sec.name).is_ok() {
        let origin = if morph.find(&sec.name).is_ok_and(|SectionId(j)| j < from_swc) {
            "the SWC file already has"
        } else {
            "an earlier [[section]] already has"
        };
        return Err(src.error_at(
            s.span(),
            format!("{key}.name"),
            format!("{origin} a section named `{}`", sec.name),
        ));
    }
    let tag = sec.tag.unwrap_or_else(|| default_tag(&sec.name));
    morph
        .add_section(&sec.name, tag, points, parent, 1)
        .map_err(|e| err(e.to_string()))?;
    Ok(())
}
