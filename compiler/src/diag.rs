//! Source files, spans and diagnostics.
//!
//! Every error a user sees names the file, line and column, shows the source line with a caret,
//! and says what was expected or what is unsupported. Stages collect diagnostics instead of
//! stopping at the first one.

use std::fmt;

/// A source file known to a [`SourceMap`]: an index into it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
pub struct FileId(pub u32);

/// A byte range `start..end` of one source file.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default)]
pub struct Span {
    /// The file the range belongs to.
    pub file: FileId,
    /// The first byte.
    pub start: u32,
    /// One past the last byte.
    pub end: u32,
}

impl Span {
    /// The span `start..end` of `file`.
    pub fn new(file: FileId, start: usize, end: usize) -> Self {
        Span {
            file,
            start: start as u32,
            end: end as u32,
        }
    }

    /// The smallest span covering both `self` and `other` (which must be in the same file).
    pub fn to(self, other: Span) -> Span {
        Span {
            file: self.file,
            start: self.start.min(other.start),
            end: self.end.max(other.end),
        }
    }
}

/// One source text with the name it is reported under.
#[derive(Clone, Debug)]
pub struct SourceFile {
    /// The name shown in diagnostics (usually the path as the user gave it).
    pub name: String,
    /// The full text.
    pub text: String,
    line_starts: Vec<u32>,
}

/// Reads the .mod (or INCLUDEd) file at `path` as text: the one way every part of gradmod reads
/// NMODL from disk. Bytes that are not UTF-8 (the Latin-1 letters of comments in old files)
/// become U+FFFD rather than an error, as NEURON's translator does not care about them either.
pub fn read_source(path: &std::path::Path) -> std::io::Result<String> {
    let bytes = std::fs::read(path)?;
    Ok(match String::from_utf8(bytes) {
        Ok(text) => text,
        Err(e) => String::from_utf8_lossy(e.as_bytes()).into_owned(),
    })
}

/// `text` with every carriage return that is not followed by a line feed (old Mac line endings)
/// turned into a line feed. Both are one byte, so offsets into the text do not move.
fn lone_cr_to_lf(text: String) -> String {
    if !text.contains('\r') {
        return text;
    }
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        if c == '\r' && chars.peek() != Some(&'\n') {
            out.push('\n');
        } else {
            out.push(c);
        }
    }
    out
}

impl SourceFile {
    /// A source file named `name` holding `text`. A lone carriage return counts as a line break
    /// (files written with old Mac line endings): it is stored as a line feed, so that the
    /// parser and the lines and columns of diagnostics see the lines the author saw.
    pub fn new(name: impl Into<String>, text: impl Into<String>) -> Self {
        let text = lone_cr_to_lf(text.into());
        let mut line_starts = vec![0];
        line_starts.extend(text.match_indices('\n').map(|(i, _)| i as u32 + 1));
        SourceFile {
            name: name.into(),
            text,
            line_starts,
        }
    }

    /// The 1-based line and column (in characters) of byte `offset`.
    pub fn line_col(&self, offset: u32) -> (usize, usize) {
        let line = match self.line_starts.binary_search(&offset) {
            Ok(i) => i,
            Err(i) => i - 1,
        };
        let start = self.line_starts[line] as usize;
        let end = (offset as usize).min(self.text.len());
        let col = self
            .text
            .get(start..end)
            .map_or(end - start, |s| s.chars().count());
        (line + 1, col + 1)
    }

    /// The text of `span`.
    pub fn slice(&self, span: Span) -> &str {
        self.text
            .get(span.start as usize..span.end as usize)
            .unwrap_or("")
    }
}

/// All source files of one compilation (a `.mod` file and the files it INCLUDEs).
#[derive(Clone, Debug, Default)]
pub struct SourceMap {
    files: Vec<SourceFile>,
}

impl SourceMap {
    /// An empty map.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds a file and returns its id.
    pub fn add(&mut self, file: SourceFile) -> FileId {
        self.files.push(file);
        FileId(self.files.len() as u32 - 1)
    }

    /// The file behind `id`.
    pub fn get(&self, id: FileId) -> &SourceFile {
        &self.files[id.0 as usize]
    }

    /// Every file, in the order they were added (the compiled file first).
    pub fn files(&self) -> &[SourceFile] {
        &self.files
    }

    /// `name:line:col` of the start of `span`.
    pub fn location(&self, span: Span) -> String {
        let file = self.get(span.file);
        let (line, col) = file.line_col(span.start);
        format!("{}:{line}:{col}", file.name)
    }
}

/// How serious a diagnostic is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Severity {
    /// The input is rejected.
    Error,
    /// The input is accepted, but something deserves the user's attention.
    Warning,
}

/// One message about the input, anchored at a span.
#[derive(Clone, Debug, PartialEq)]
pub struct Diagnostic {
    /// Error or warning.
    pub severity: Severity,
    /// The headline, e.g. "expected an expression, found `)`".
    pub message: String,
    /// Where the problem is.
    pub span: Span,
    /// A short text shown at the caret, if any.
    pub label: Option<String>,
    /// Further sentences shown below the source excerpt (hints, the construct's name).
    pub notes: Vec<String>,
}

impl Diagnostic {
    /// An error at `span`.
    pub fn error(span: Span, message: impl Into<String>) -> Self {
        Diagnostic {
            severity: Severity::Error,
            message: message.into(),
            span,
            label: None,
            notes: vec![],
        }
    }

    /// A warning at `span`.
    pub fn warning(span: Span, message: impl Into<String>) -> Self {
        Diagnostic {
            severity: Severity::Warning,
            ..Self::error(span, message)
        }
    }

    /// The same diagnostic with a label at the caret.
    pub fn with_label(mut self, label: impl Into<String>) -> Self {
        self.label = Some(label.into());
        self
    }

    /// The same diagnostic with a note appended.
    pub fn with_note(mut self, note: impl Into<String>) -> Self {
        self.notes.push(note.into());
        self
    }

    /// Whether this is an error.
    pub fn is_error(&self) -> bool {
        self.severity == Severity::Error
    }
}

/// A list of diagnostics, as returned by every stage that can fail.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Diagnostics(pub Vec<Diagnostic>);

impl Diagnostics {
    /// No diagnostics.
    pub fn new() -> Self {
        Self::default()
    }

    /// Appends one diagnostic.
    pub fn push(&mut self, d: Diagnostic) {
        self.0.push(d);
    }

    /// Appends all of `other`.
    pub fn extend(&mut self, other: Diagnostics) {
        self.0.extend(other.0);
    }

    /// Whether any diagnostic is an error.
    pub fn has_errors(&self) -> bool {
        self.0.iter().any(Diagnostic::is_error)
    }

    /// Whether the list is empty.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// `Err(self)` when there is an error, else `Ok(())`.
    pub fn into_result(self) -> Result<(), Diagnostics> {
        if self.has_errors() { Err(self) } else { Ok(()) }
    }

    /// Renders every diagnostic as plain text (no colours) against `sources`.
    pub fn render(&self, sources: &SourceMap) -> String {
        let mut out = String::new();
        for d in &self.0 {
            out.push_str(&render(sources, d));
        }
        out
    }
}

impl From<Diagnostic> for Diagnostics {
    fn from(d: Diagnostic) -> Self {
        Diagnostics(vec![d])
    }
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let kind = match self.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
        };
        write!(f, "{kind}: {}", self.message)
    }
}

/// Renders one diagnostic as plain text: headline, `file:line:col`, the source line with a caret
/// under the span, the label and the notes.
pub fn render(sources: &SourceMap, d: &Diagnostic) -> String {
    use ariadne::{Config, Label, Report, ReportKind, Source};
    let file = sources.get(d.span.file);
    let kind = match d.severity {
        Severity::Error => ReportKind::Error,
        Severity::Warning => ReportKind::Warning,
    };
    // ariadne counts character offsets; convert the byte span.
    let to_char = |b: u32| file.text.get(..b as usize).map_or(0, |s| s.chars().count());
    let (start, end) = (to_char(d.span.start), to_char(d.span.end.max(d.span.start)));
    let name = file.name.clone();
    let (line, col) = file.line_col(d.span.start);
    let mut label = Label::new((
        name.clone(),
        start
            ..end
                .max(start + 1)
                .min(file.text.chars().count().max(start + 1)),
    ));
    // ariadne draws the caret line only for a label with a message.
    label = label.with_message(d.label.as_deref().unwrap_or("here"));
    let mut report = Report::build(kind, (name.clone(), start..start))
        .with_config(Config::default().with_color(false))
        .with_message(format!("{} ({}:{line}:{col})", d.message, file.name))
        .with_label(label);
    for note in &d.notes {
        report = report.with_note(note);
    }
    let mut buf = Vec::new();
    let cache = (name, Source::from(file.text.as_str()));
    if report.finish().write(cache, &mut buf).is_err() {
        return format!("{}: {}\n", sources.location(d.span), d.message);
    }
    String::from_utf8_lossy(&buf).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn line_and_column_are_one_based_and_count_characters() {
        let f = SourceFile::new("a.mod", "ab\ncé d\n");
        assert_eq!(f.line_col(0), (1, 1));
        assert_eq!(f.line_col(3), (2, 1));
        // 'é' is two bytes: byte 6 is the space after it, the third character of line 2.
        assert_eq!(f.line_col(6), (2, 3));
    }

    #[test]
    fn rendering_names_file_line_and_column() {
        let mut map = SourceMap::new();
        let id = map.add(SourceFile::new("x.mod", "NEURON {\n  SUFFIX\n}\n"));
        let d = Diagnostic::error(Span::new(id, 11, 17), "expected a name after SUFFIX")
            .with_label("here");
        let text = render(&map, &d);
        assert!(text.contains("x.mod:2:3"), "{text}");
        assert!(text.contains("expected a name after SUFFIX"), "{text}");
    }
}
