//! Named regions of a model file resolved into runtime [`Region`]s.

use std::collections::BTreeMap;

use gradmod_runtime::{Morphology, Region};
use toml::Spanned;

use super::schema::RegionDef;
use super::{Location, ModelError, Source};

/// The regions a cell's keys can name: `all`, the `[regions]` table, and section names.
pub struct Regions<'a> {
    defs: &'a BTreeMap<String, Spanned<RegionDef>>,
    morph: &'a Morphology,
    source: &'a Source,
}

impl<'a> Regions<'a> {
    /// Region names of a model file on a morphology.
    pub fn new(
        defs: &'a BTreeMap<String, Spanned<RegionDef>>,
        morph: &'a Morphology,
        source: &'a Source,
    ) -> Self {
        Self {
            defs,
            morph,
            source,
        }
    }

    /// Checks every definition under `[regions]` (also those nothing uses).
    pub fn check_all(&self) -> Result<(), ModelError> {
        for name in self.defs.keys() {
            self.resolve_def(name, &mut Vec::new())?;
        }
        Ok(())
    }

    /// Resolves a region named by the key `key` (with its span in the file).
    pub fn get(&self, name: &Spanned<String>, key: &str) -> Result<Region, ModelError> {
        self.lookup(name.get_ref(), &mut Vec::new())
            .map_err(|m| self.source.error_at(name.span(), key, m))?
    }

    /// `Ok(Ok(region))`, `Ok(Err(error in a definition))`, or `Err(message)` for an unknown name.
    fn lookup(
        &self,
        name: &str,
        stack: &mut Vec<String>,
    ) -> Result<Result<Region, ModelError>, String> {
        if self.defs.contains_key(name) {
            return Ok(self.resolve_def(name, stack));
        }
        if name == "all" {
            return Ok(Ok(Region::All));
        }
        if self.morph.find(name).is_ok() {
            return Ok(Ok(Region::section(name)));
        }
        let mut known: Vec<&str> = vec!["all"];
        known.extend(self.defs.keys().map(String::as_str));
        Err(format!(
            "unknown region `{name}`: name one of [regions] ({}) or a section",
            known.join(", ")
        ))
    }

    fn resolve_def(&self, name: &str, stack: &mut Vec<String>) -> Result<Region, ModelError> {
        let def = &self.defs[name];
        let key = format!("regions.{name}");
        let err = |m: String| self.source.error_at(def.span(), key.as_str(), m);
        if stack.iter().any(|s| s == name) {
            return Err(err(format!(
                "regions refer to each other in a cycle: {} -> {name}",
                stack.join(" -> ")
            )));
        }
        let d = def.get_ref();
        let given = [
            d.tag.is_some(),
            d.tags.is_some(),
            d.sections.is_some(),
            d.distance.is_some(),
            d.union.is_some(),
            d.intersection.is_some(),
        ]
        .iter()
        .filter(|&&b| b)
        .count();
        if given != 1 {
            return Err(err(
                "give exactly one of `tag`, `tags`, `sections`, `distance`, `union`, `intersection`"
                    .into(),
            ));
        }
        if d.from.is_some() && d.distance.is_none() {
            return Err(err("`from` is only meaningful with `distance`".into()));
        }
        if let Some(t) = d.tag {
            return Ok(Region::Tag(t));
        }
        if let Some(ts) = &d.tags {
            return Ok(Region::Union(ts.iter().map(|&t| Region::Tag(t)).collect()));
        }
        if let Some(names) = &d.sections {
            for n in names {
                if self.morph.find(n).is_err() {
                    return Err(err(format!("no section named `{n}`")));
                }
            }
            return Ok(Region::Sections(names.clone()));
        }
        if let Some([lo, hi]) = d.distance {
            if lo.0 > hi.0 {
                return Err(err(format!("distance range [{}, {}] is empty", lo.0, hi.0)));
            }
            let (min, max) = (lo.0, hi.0);
            return match &d.from {
                None => Ok(Region::Distance { min, max }),
                Some(at) => {
                    let loc = Location::parse(at).map_err(&err)?;
                    if self.morph.find(&loc.section).is_err() {
                        return Err(err(format!("`from`: no section named `{}`", loc.section)));
                    }
                    Ok(Region::DistanceFrom {
                        section: loc.section,
                        x: loc.x,
                        min,
                        max,
                    })
                }
            };
        }
        let (parts, union) = match (&d.union, &d.intersection) {
            (Some(p), _) => (p, true),
            (None, Some(p)) => (p, false),
            (None, None) => unreachable!("exactly one key was given"),
        };
        stack.push(name.to_string());
        let mut regions = Vec::with_capacity(parts.len());
        for p in parts {
            match self.lookup(p, stack) {
                Ok(r) => regions.push(r?),
                Err(m) => return Err(err(m)),
            }
        }
        stack.pop();
        Ok(if union {
            Region::Union(regions)
        } else {
            Region::Intersection(regions)
        })
    }
}
