//! Model descriptions: a TOML file describing a cell (or a network of cells) to simulate with
//! tangents, and the code that builds runtime cells from it.
//!
//! [`Model::load`] reads and checks the file's syntax (serde and toml report the line, column and key
//! of anything malformed); [`build::build`] turns it into [`gradmod_runtime`] cells with a mechanism
//! library, reporting unknown names and bad values with the position of the TOML key at fault. The
//! schema is documented on the types of [`schema`] and in `models/README.md`.

pub mod build;
mod built;
mod cell;
mod function_tables;
pub mod limits;
mod mod_files;
mod morphology;
mod network;
pub mod overrides;
pub mod params;
mod pointers;
mod probes;
mod regions;
pub mod schema;
mod vectors;

use std::fmt;
use std::ops::Range;
use std::path::{Path, PathBuf};

pub use build::build;
pub use mod_files::library_for;
pub use overrides::{Override, SimKey, Target};
pub use schema::ModelFile;

/// A parsed model file with its text (for error positions) and directory (for relative paths).
#[derive(Debug)]
pub struct Model {
    /// The parsed description.
    pub file: ModelFile,
    /// The source it came from.
    pub source: Source,
}

/// The text of a model file and where it came from.
#[derive(Clone, Debug)]
pub struct Source {
    /// Name shown in messages (the path as given, or a label for embedded models).
    pub name: String,
    /// Full text.
    pub text: String,
    /// Directory that relative paths in the file are resolved against.
    pub dir: PathBuf,
}

impl Source {
    /// An error at a byte span of this file.
    pub fn error_at(
        &self,
        span: Range<usize>,
        key: impl Into<String>,
        message: impl Into<String>,
    ) -> ModelError {
        ModelError {
            file: self.name.clone(),
            position: Some(self.line_col(span.start)),
            snippet: Some(self.snippet(span)),
            key: Some(key.into()),
            message: message.into(),
        }
    }

    /// An error without a position in the file (for example a missing table).
    pub fn error(&self, key: impl Into<String>, message: impl Into<String>) -> ModelError {
        ModelError {
            file: self.name.clone(),
            position: None,
            snippet: None,
            key: Some(key.into()),
            message: message.into(),
        }
    }

    /// One-based line and column (in characters) of a byte offset.
    fn line_col(&self, offset: usize) -> (usize, usize) {
        let offset = offset.min(self.text.len());
        let before = &self.text[..offset];
        let line = before.matches('\n').count() + 1;
        let col = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
        (line, col)
    }

    /// The line containing the span's start, with a caret line under the span.
    fn snippet(&self, span: Range<usize>) -> String {
        let start = span.start.min(self.text.len());
        let line_start = self.text[..start].rfind('\n').map_or(0, |i| i + 1);
        let line_end = self.text[start..]
            .find('\n')
            .map_or(self.text.len(), |i| start + i);
        let line = self.text[line_start..line_end].trim_end_matches('\r');
        let (n, col) = self.line_col(start);
        let end = span.end.clamp(start, line_end);
        let width = self.text[start..end].chars().count().max(1);
        let gutter = n.to_string().len();
        format!(
            "{:gutter$} |\n{n} | {line}\n{:gutter$} | {}{}",
            "",
            "",
            " ".repeat(col - 1),
            "^".repeat(width)
        )
    }
}

/// An error in a model description, naming the file, the position and the key at fault.
#[derive(Clone, Debug, PartialEq)]
pub struct ModelError {
    /// The model file.
    pub file: String,
    /// One-based line and column, when known.
    pub position: Option<(usize, usize)>,
    /// The key at fault (for example `mechanism[0].name`), when known.
    pub key: Option<String>,
    /// What is wrong.
    pub message: String,
    /// The offending line with a caret under the offending text.
    pub snippet: Option<String>,
}

impl ModelError {
    /// The first line of the message: `file:line:col: key: message`.
    pub fn headline(&self) -> String {
        let mut s = self.file.clone();
        if let Some((l, c)) = self.position {
            s += &format!(":{l}:{c}");
        }
        s += ": ";
        if let Some(k) = &self.key {
            s += &format!("{k}: ");
        }
        s + &self.message
    }
}

impl fmt::Display for ModelError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.headline())?;
        if let Some(snippet) = &self.snippet {
            write!(f, "\n{snippet}")?;
        }
        Ok(())
    }
}

impl std::error::Error for ModelError {}

impl Model {
    /// Reads and parses a model file.
    pub fn load(path: &Path) -> Result<Self, ModelError> {
        let name = path.display().to_string();
        let text = std::fs::read_to_string(path).map_err(|e| ModelError {
            file: name.clone(),
            position: None,
            key: None,
            message: format!("cannot read the model file: {e}"),
            snippet: None,
        })?;
        let dir = path
            .parent()
            .map(Path::to_path_buf)
            .unwrap_or_else(|| PathBuf::from("."));
        Self::parse(&name, &text, &dir)
    }

    /// Parses model text; `name` labels messages and `dir` resolves relative paths.
    pub fn parse(name: &str, text: &str, dir: &Path) -> Result<Self, ModelError> {
        let source = Source {
            name: name.to_string(),
            text: text.to_string(),
            dir: dir.to_path_buf(),
        };
        match toml::from_str::<ModelFile>(text) {
            Ok(file) => Ok(Self { file, source }),
            Err(e) => {
                let message = e.message().trim_end().to_string();
                Err(match e.span() {
                    Some(span) => ModelError {
                        key: key_at(text, span.start),
                        ..source.error_at(span, "", message)
                    },
                    None => ModelError {
                        file: source.name.clone(),
                        position: None,
                        key: None,
                        message,
                        snippet: None,
                    },
                })
            }
        }
    }
}

/// The dotted key path (such as `iclamp[0].amp`) of the key or value at a byte offset, read from
/// the nearest table header above it and the text before the offset on its line.
fn key_at(text: &str, offset: usize) -> Option<String> {
    let offset = offset.min(text.len());
    let line_start = text[..offset].rfind('\n').map_or(0, |i| i + 1);
    let line_end = text[offset..].find('\n').map_or(text.len(), |i| offset + i);
    let line = &text[line_start..line_end];
    let before = &text[line_start..offset];
    let ident = |s: &str| s.trim().trim_matches('"').trim().to_string();
    // The key on this line: a value's key (with the outer key of an inline table), or the key
    // itself when the offset is on it.
    let mut keys: Vec<String> = Vec::new();
    if !line.trim_start().starts_with('[') {
        // Inside an inline table, the outer key comes first.
        if let Some(brace) = before.find('{') {
            keys.push(ident(&before[..before[..brace].rfind('=').unwrap_or(0)]));
        }
        let seg = before.rsplit(['{', ',']).next().unwrap_or(before);
        match seg.find('=') {
            Some(eq) => keys.push(ident(&seg[..eq])),
            None => {
                let rest = &text[offset..line_end];
                let end = rest.find(['=', ',', '}']).unwrap_or(rest.len());
                keys.push(ident(&format!("{seg}{}", &rest[..end])));
            }
        }
    }
    // The enclosing table: the last header line above, with its index for arrays of tables.
    let mut header = None;
    for l in text[..line_start].lines().rev() {
        let t = l.trim();
        if let Some(name) = t.strip_prefix("[[").and_then(|r| r.split("]]").next()) {
            let name = name.trim();
            let count = text[..line_start]
                .lines()
                .filter(|l| {
                    l.trim()
                        .strip_prefix("[[")
                        .and_then(|r| r.split("]]").next())
                        .is_some_and(|n| n.trim() == name)
                })
                .count();
            header = Some(format!("{name}[{}]", count - 1));
            break;
        }
        if let Some(name) = t.strip_prefix('[').and_then(|r| r.split(']').next()) {
            header = Some(name.trim().to_string());
            break;
        }
    }
    let mut path: Vec<String> = header.into_iter().collect();
    path.extend(keys.into_iter().filter(|k| !k.is_empty()));
    (!path.is_empty()).then(|| path.join("."))
}

/// A location on a cell: a section name and a position in [0, 1].
#[derive(Clone, Debug, PartialEq)]
pub struct Location {
    /// Section name.
    pub section: String,
    /// Position along the section.
    pub x: f64,
}

impl Location {
    /// Parses `section(x)`, or `section` for its middle.
    pub fn parse(text: &str) -> Result<Self, String> {
        let text = text.trim();
        let bad = || {
            format!(
                "`{text}` is not a location: write SECTION(X) with X in [0, 1], such as `soma(0.5)`"
            )
        };
        let Some(open) = text.rfind('(') else {
            if text.is_empty() || text.contains(')') {
                return Err(bad());
            }
            return Ok(Self {
                section: text.to_string(),
                x: 0.5,
            });
        };
        let (section, rest) = (text[..open].trim(), &text[open + 1..]);
        let inner = rest.strip_suffix(')').ok_or_else(bad)?;
        let x: f64 = inner.trim().parse().map_err(|_| bad())?;
        if section.is_empty() || !(0.0..=1.0).contains(&x) {
            return Err(bad());
        }
        Ok(Self {
            section: section.to_string(),
            x,
        })
    }
}

impl fmt::Display for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}({})", self.section, self.x)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn locations_parse() {
        assert_eq!(
            Location::parse("soma[0](0.25)").unwrap(),
            Location {
                section: "soma[0]".into(),
                x: 0.25
            }
        );
        assert_eq!(Location::parse("axon").unwrap().x, 0.5);
        assert!(Location::parse("axon(2)").is_err());
        assert!(Location::parse("axon(0.5").is_err());
        assert!(Location::parse("(0.5)").is_err());
    }

    #[test]
    fn keys_are_found_from_offsets() {
        let text = "[simulation]\ndtt = 1\n[[iclamp]]\namp = 1\n[[iclamp]]\namp = nan\n\
                    [[mechanism]]\nparameters = { g = 1, e = x }\n";
        let at = |needle: &str| key_at(text, text.find(needle).unwrap());
        assert_eq!(at("dtt").as_deref(), Some("simulation.dtt"));
        assert_eq!(at("nan").as_deref(), Some("iclamp[1].amp"));
        assert_eq!(at("x }").as_deref(), Some("mechanism[0].parameters.e"));
        assert_eq!(at("e = x").as_deref(), Some("mechanism[0].parameters.e"));
    }
}
