//! Writing recorded traces: CSV with a header line, and NumPy `.npy` arrays.
//!
//! Numbers are written in Rust's shortest round-trip form, so a CSV value parses back to the same
//! f64. The `.npy` files are version 1.0, little-endian f64 (`<f8`), C order.

use std::fs::File;
use std::io::{self, BufWriter, Write};
use std::path::Path;

/// Recorded samples of one run: times, probe values and their tangents.
#[derive(Clone, Debug, Default)]
pub struct Traces {
    /// Sample times (ms).
    pub times: Vec<f64>,
    /// Probe names, one per value column.
    pub names: Vec<String>,
    /// Unit of each probe (for example `mV`).
    pub units: Vec<String>,
    /// Values, `[probe][sample]`.
    pub values: Vec<Vec<f64>>,
    /// Parameter names θ_k.
    pub parameters: Vec<String>,
    /// Value of each θ_k when the run started.
    pub theta: Vec<f64>,
    /// Whether each θ_k is log-scaled.
    pub log_scaled: Vec<bool>,
    /// Indices (into `names`) of the probes whose tangents were recorded.
    pub with_tangents: Vec<usize>,
    /// Tangents, `[i][k][sample]` for probe `with_tangents[i]` and parameter k.
    pub tangents: Vec<Vec<Vec<f64>>>,
}

impl Traces {
    /// Header of the tangent CSV: `t`, then `d(PROBE)/d(PARAM)` for every probe with tangents and
    /// every parameter, probe-major.
    pub fn tangent_header(&self) -> Vec<String> {
        let mut h = vec!["t".to_string()];
        for &p in &self.with_tangents {
            for k in &self.parameters {
                h.push(format!("d({})/d({})", self.names[p], k));
            }
        }
        h
    }

    /// Writes `traces.csv`, `traces.npy`, `t.npy` and, when there are tangents, `tangents.csv` and
    /// `tangents.npy` into `dir`; returns the paths written.
    pub fn write(&self, dir: &Path) -> io::Result<Vec<std::path::PathBuf>> {
        std::fs::create_dir_all(dir)
            .map_err(|e| crate::outdir::io_error(dir, "create the folder", &e))?;
        let n = self.times.len();
        let mut written = Vec::new();
        let mut header = vec!["t".to_string()];
        header.extend(self.names.iter().cloned());
        let mut cols: Vec<&[f64]> = vec![&self.times];
        cols.extend(self.values.iter().map(Vec::as_slice));
        let path = dir.join("traces.csv");
        write_csv(&path, &header, &cols)?;
        written.push(path);
        let path = dir.join("t.npy");
        write_npy(&path, &[n], &self.times)?;
        written.push(path);
        let mut data = Vec::with_capacity(n * self.values.len());
        for s in 0..n {
            data.extend(self.values.iter().map(|v| v[s]));
        }
        let path = dir.join("traces.npy");
        write_npy(&path, &[n, self.values.len()], &data)?;
        written.push(path);
        if !self.tangents.is_empty() && !self.parameters.is_empty() {
            let mut cols: Vec<&[f64]> = vec![&self.times];
            for probe in &self.tangents {
                cols.extend(probe.iter().map(Vec::as_slice));
            }
            let path = dir.join("tangents.csv");
            write_csv(&path, &self.tangent_header(), &cols)?;
            written.push(path);
            let kk = self.parameters.len();
            let mut data = Vec::with_capacity(n * self.tangents.len() * kk);
            for s in 0..n {
                for probe in &self.tangents {
                    data.extend(probe.iter().map(|col| col[s]));
                }
            }
            let path = dir.join("tangents.npy");
            write_npy(&path, &[n, self.tangents.len(), kk], &data)?;
            written.push(path);
        }
        Ok(written)
    }
}

/// Quotes a CSV field when it holds a comma, a quote or a line break.
fn csv_field(s: &str) -> String {
    if s.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_string()
    }
}

/// Writes columns of equal length as CSV with a header line. An error names the path.
pub fn write_csv(path: &Path, header: &[String], columns: &[&[f64]]) -> io::Result<()> {
    write_csv_columns(path, header, columns, 0)
        .map_err(|e| crate::outdir::io_error(path, "write", &e))
}

/// Writes CSV columns whose first `integers` columns hold whole numbers (written without a
/// fractional part, such as iteration numbers). An error names the path.
pub fn write_csv_int(
    path: &Path,
    header: &[String],
    columns: &[&[f64]],
    integers: usize,
) -> io::Result<()> {
    write_csv_columns(path, header, columns, integers)
        .map_err(|e| crate::outdir::io_error(path, "write", &e))
}

fn write_csv_columns(
    path: &Path,
    header: &[String],
    columns: &[&[f64]],
    integers: usize,
) -> io::Result<()> {
    let mut w = BufWriter::new(File::create(path)?);
    let names: Vec<String> = header.iter().map(|h| csv_field(h)).collect();
    writeln!(w, "{}", names.join(","))?;
    let rows = columns.first().map_or(0, |c| c.len());
    for r in 0..rows {
        for (j, c) in columns.iter().enumerate() {
            if j > 0 {
                w.write_all(b",")?;
            }
            if j < integers && c[r].fract() == 0.0 && c[r].abs() < 9e15 {
                write!(w, "{}", c[r] as i64)?;
            } else {
                write!(w, "{:?}", c[r])?;
            }
        }
        w.write_all(b"\n")?;
    }
    w.flush()
}

/// Writes a C-ordered f64 array of the given shape as a `.npy` file (format version 1.0). An
/// error names the path.
pub fn write_npy(path: &Path, shape: &[usize], data: &[f64]) -> io::Result<()> {
    write_npy_unnamed(path, shape, data).map_err(|e| crate::outdir::io_error(path, "write", &e))
}

fn write_npy_unnamed(path: &Path, shape: &[usize], data: &[f64]) -> io::Result<()> {
    let expected: usize = shape.iter().product();
    if expected != data.len() {
        return Err(io::Error::new(
            io::ErrorKind::InvalidInput,
            format!(
                "shape {shape:?} holds {expected} values, got {}",
                data.len()
            ),
        ));
    }
    let dims: Vec<String> = shape.iter().map(usize::to_string).collect();
    let shape_text = match dims.len() {
        1 => format!("({},)", dims[0]),
        _ => format!("({})", dims.join(", ")),
    };
    let mut header = format!("{{'descr': '<f8', 'fortran_order': False, 'shape': {shape_text}, }}");
    // Magic (6) + version (2) + length (2) + header + newline, padded to a multiple of 64.
    let unpadded = 10 + header.len() + 1;
    header.push_str(&" ".repeat(unpadded.next_multiple_of(64) - unpadded));
    header.push('\n');
    let mut w = BufWriter::new(File::create(path)?);
    w.write_all(b"\x93NUMPY\x01\x00")?;
    w.write_all(&(header.len() as u16).to_le_bytes())?;
    w.write_all(header.as_bytes())?;
    for x in data {
        w.write_all(&x.to_le_bytes())?;
    }
    w.flush()
}

/// Reads a `.npy` file written by [`write_npy`]: its shape and data. (The binary does not read its
/// outputs back; the tests do.)
pub fn read_npy(path: &Path) -> io::Result<(Vec<usize>, Vec<f64>)> {
    let bytes = std::fs::read(path)?;
    let bad = |m: &str| io::Error::new(io::ErrorKind::InvalidData, m.to_string());
    if bytes.len() < 10 || &bytes[..8] != b"\x93NUMPY\x01\x00" {
        return Err(bad("not a version 1.0 .npy file"));
    }
    let hlen = u16::from_le_bytes([bytes[8], bytes[9]]) as usize;
    let header = std::str::from_utf8(
        bytes
            .get(10..10 + hlen)
            .ok_or_else(|| bad("short header"))?,
    )
    .map_err(|_| bad("header is not UTF-8"))?;
    if !header.contains("'descr': '<f8'") || !header.contains("'fortran_order': False") {
        return Err(bad("only C-ordered little-endian f64 arrays are read"));
    }
    let start = header.find("'shape': (").ok_or_else(|| bad("no shape"))? + 10;
    let end = start + header[start..].find(')').ok_or_else(|| bad("no shape"))?;
    let shape: Vec<usize> = header[start..end]
        .split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(|s| s.parse().map_err(|_| bad("bad shape")))
        .collect::<io::Result<_>>()?;
    let body = &bytes[10 + hlen..];
    let n: usize = shape.iter().product();
    if body.len() != 8 * n {
        return Err(bad("data length does not match the shape"));
    }
    let data = body
        .chunks_exact(8)
        .map(|c| f64::from_le_bytes(c.try_into().expect("8 bytes")))
        .collect();
    Ok((shape, data))
}
