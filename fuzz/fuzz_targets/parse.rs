//! Fuzzes the NMODL parser: any input, valid UTF-8 or not, must parse (or fail to) without
//! panicking, and every diagnostic must render.

#![no_main]

use gradmod_compiler::diag::{SourceFile, SourceMap};
use gradmod_compiler::parse::parse;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data).into_owned();
    let mut map = SourceMap::new();
    let id = map.add(SourceFile::new("fuzz.mod", text));
    let (file, diags) = parse(&map, id);
    // Spans must lie inside the file, on character boundaries, so that rendering works.
    let source = &map.get(id).text;
    for d in &diags.0 {
        assert!(d.span.start <= d.span.end && d.span.end as usize <= source.len());
        assert!(source.is_char_boundary(d.span.start as usize));
        assert!(source.is_char_boundary(d.span.end as usize));
    }
    for item in &file.items {
        assert!(item.span.end as usize <= source.len());
    }
    let _ = diags.render(&map);
});
