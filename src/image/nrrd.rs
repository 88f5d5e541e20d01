//! NRRD reader and writer.
//!
//! Reading follows ITK's `NrrdImageIO` (ITK 5.4, as in SimpleITK 2.5), so a volume comes out
//! exactly as `sitk.ReadImage` returns it: spacing is the norm of each space-direction
//! vector, the direction column is that vector times 1/norm, and RAS/LAS spaces are turned
//! into LPS by negating the x and y (RAS) or the y (LAS) components. Without a space, `spacings` and
//! `axis mins` give spacing and origin (cell-centred by default), and negative spacings flip
//! the direction column as ITK's ImageFileReader does.
//!
//! Supported: attached `.nrrd` and detached `.nhdr` headers (single data file, `LIST`, and
//! `%d` format forms), raw, gzip, hex and ascii encodings, every scalar type, both endians,
//! `line skip` and `byte skip` (including the negative "data at the end" form), 2-D and 3-D
//! images, and one non-spatial (range) axis for multi-layer Slicer segmentations.

use std::fs::File;
use std::io::{BufRead, BufReader, Read, Write};
use std::path::{Path, PathBuf};

use flate2::Compression;
use flate2::read::MultiGzDecoder;
use flate2::write::GzEncoder;
use ndarray::Array3;

use crate::error::{Error, Result};
use crate::image::{Geometry, Image, LabelMap, Labels, PixelType, Sample, SparePages, Voxels};

/// How the data bytes are stored.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Encoding {
    Raw,
    Gzip,
    Hex,
    Ascii,
}

/// The physical space a header declares; only RAS and LAS are converted (as ITK does).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Space {
    RightAnteriorSuperior,
    LeftAnteriorSuperior,
    LeftPosteriorSuperior,
    /// scanner-xyz, 3D-right-handed, ... or a bare `space dimension`: no conversion.
    Other,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Center {
    Unknown,
    Cell,
    Node,
}

/// Where the data of a detached header lives.
#[derive(Debug, Clone)]
enum DataFiles {
    /// Data follows the header in the same file.
    Attached,
    /// One or more files, read in order and concatenated.
    Detached(Vec<PathBuf>),
}

/// A parsed NRRD header (the fields radscore uses).
#[derive(Debug, Clone)]
pub(super) struct Header {
    /// The header file.
    pub path: PathBuf,
    pub pixel_type: PixelType,
    /// Size of every axis, fastest first.
    pub sizes: Vec<usize>,
    pub encoding: Encoding,
    big_endian: Option<bool>,
    space: Option<Space>,
    space_dimension: usize,
    /// Per axis: the space direction vector, or `None` for `none`/absent.
    space_directions: Vec<Option<Vec<f64>>>,
    space_origin: Option<Vec<f64>>,
    spacings: Vec<f64>,
    axis_mins: Vec<f64>,
    axis_maxs: Vec<f64>,
    centers: Vec<Center>,
    /// Per axis kind, lower case (`domain`, `list`, ... or `???`).
    pub kinds: Vec<String>,
    line_skip: usize,
    byte_skip: i64,
    data: DataFiles,
    /// `key:=value` pairs in file order.
    pub key_values: Vec<(String, String)>,
}

impl Header {
    /// Value of a `key:=value` pair.
    pub fn key_value(&self, key: &str) -> Option<&str> {
        self.key_values.iter().find(|(k, _)| k == key).map(|(_, v)| v.as_str())
    }

    /// Indices of the spatial (domain) axes, in order, and of the other (range) axes.
    pub fn axes(&self) -> (Vec<usize>, Vec<usize>) {
        let mut domain = Vec::new();
        let mut range = Vec::new();
        for axis in 0..self.sizes.len() {
            let kind = self.kinds.get(axis).map(String::as_str).unwrap_or("???");
            if matches!(kind, "domain" | "space" | "time" | "???" | "none" | "unknown") {
                domain.push(axis);
            } else {
                range.push(axis);
            }
        }
        (domain, range)
    }

    fn element_count(&self) -> Result<usize> {
        self.sizes
            .iter()
            .try_fold(1usize, |acc, &s| acc.checked_mul(s))
            .ok_or_else(|| Error::format(&self.path, "sizes overflow the address space"))
    }
}

/// A decoded NRRD: header, geometry of its domain axes and all values in file order.
pub(super) struct Volume<T = f64> {
    pub header: Header,
    pub geometry: Geometry,
    /// Values in file order (axis 0 fastest).
    pub values: Vec<T>,
    /// The non-spatial axis (e.g. Slicer's segmentation layers), if any.
    pub range_axis: Option<usize>,
}

impl<T: Sample> Volume<T> {
    /// Number of components along the range axis (1 without one).
    pub fn components(&self) -> usize {
        self.range_axis
            .and_then(|a| self.header.sizes.get(a).copied())
            .unwrap_or(1)
    }

    /// The `[z, y, x]` array of component `component` (the whole volume without a range axis).
    pub fn component(&self, component: usize) -> Result<Array3<T>> {
        let shape = self.geometry.shape_zyx();
        let Some(range) = self.range_axis else {
            return Array3::from_shape_vec(shape, self.values.clone())
                .map_err(|e| Error::format(&self.header.path, format!("array shape: {e}")));
        };
        if component >= self.components() {
            return Err(Error::format(
                &self.header.path,
                format!("component {component} out of range ({} present)", self.components()),
            ));
        }
        // Strides of every axis in file order; the domain axes map to x, y, z.
        let mut strides = Vec::with_capacity(self.header.sizes.len());
        let mut acc = 1usize;
        for &s in &self.header.sizes {
            strides.push(acc);
            acc = acc.saturating_mul(s);
        }
        let (domain, _) = self.header.axes();
        let stride_of = |i: usize| domain.get(i).and_then(|&a| strides.get(a)).copied().unwrap_or(0);
        let (sx, sy, sz) = (stride_of(0), stride_of(1), stride_of(2));
        let base = component * strides.get(range).copied().unwrap_or(0);
        let [nz, ny, nx] = shape;
        let mut out = Vec::with_capacity(nz * ny * nx);
        for z in 0..nz {
            for y in 0..ny {
                let row = base + z * sz + y * sy;
                for x in 0..nx {
                    let v = self
                        .values
                        .get(row + x * sx)
                        .copied()
                        .ok_or_else(|| Error::format(&self.header.path, "data shorter than the sizes require"))?;
                    out.push(v);
                }
            }
        }
        Array3::from_shape_vec(shape, out).map_err(|e| Error::format(&self.header.path, format!("array shape: {e}")))
    }
}

/// Read a scalar NRRD image as SimpleITK does (`spare`: see [`SparePages`]).
pub(super) fn read(path: &Path, spare: &mut SparePages) -> Result<Image> {
    // Decode straight into the stored type (see `Voxels`), known once the header is parsed.
    let opened = open(path)?;
    let pixel_type = opened.0.pixel_type;
    let (voxels, geometry) = match pixel_type {
        PixelType::U8 => read_wrapped(path, opened, spare, Voxels::U8)?,
        PixelType::I8 => read_wrapped(path, opened, spare, Voxels::I8)?,
        PixelType::U16 => read_wrapped(path, opened, spare, Voxels::U16)?,
        PixelType::I16 => read_wrapped(path, opened, spare, Voxels::I16)?,
        PixelType::I32 => read_wrapped(path, opened, spare, Voxels::I32)?,
        PixelType::F32 => read_wrapped(path, opened, spare, Voxels::F32)?,
        PixelType::U32 | PixelType::U64 | PixelType::I64 | PixelType::F64 => {
            read_wrapped(path, opened, spare, Voxels::F64)?
        }
    };
    Image::new(voxels, pixel_type, geometry)
}

/// Read a scalar NRRD mask straight into a label map (as `sitk.Cast(..., sitkUInt32)`;
/// `spare`: see [`SparePages`]).
pub(super) fn read_labels(path: &Path, spare: &mut SparePages) -> Result<LabelMap> {
    // uint8 and uint16 masks keep their type; every other type is cast to uint32.
    let opened = open(path)?;
    let (labels, geometry) = match opened.0.pixel_type {
        PixelType::U8 => read_wrapped(path, opened, spare, Labels::U8)?,
        PixelType::U16 => read_wrapped(path, opened, spare, Labels::U16)?,
        _ => read_wrapped(path, opened, spare, Labels::U32)?,
    };
    LabelMap::new(labels, geometry)
}

/// The values of a single-component NRRD as `T`, wrapped by `wrap` (a `Voxels` or `Labels`
/// variant), with the volume's geometry.
fn read_wrapped<T: Sample, V>(
    path: &Path,
    opened: Opened,
    spare: &mut SparePages,
    wrap: fn(Array3<T>) -> V,
) -> Result<(V, Geometry)> {
    let (values, volume) = read_scalar::<T>(path, opened, spare)?;
    Ok((wrap(values), volume.geometry))
}

/// The `[z, y, x]` array of a single-component NRRD, and what is left of its volume.
fn read_scalar<T: Sample>(path: &Path, opened: Opened, spare: &mut SparePages) -> Result<(Array3<T>, Volume<T>)> {
    let mut volume = read_opened::<T>(path, opened, spare)?;
    if volume.components() > 1 {
        return Err(Error::Unsupported {
            path: path.to_path_buf(),
            what: format!(
                "multi-component image ({} components along a non-spatial axis); for a Slicer \
                 segmentation select a segment",
                volume.components()
            ),
        });
    }
    let shape = volume.geometry.shape_zyx();
    let voxels = if volume.range_axis.is_none() {
        // Move the values rather than copy them: this is the common, large case.
        let values = std::mem::take(&mut volume.values);
        Array3::from_shape_vec(shape, values).map_err(|e| Error::format(path, format!("array shape: {e}")))?
    } else {
        volume.component(0)?
    };
    Ok((voxels, volume))
}

/// A NRRD file with its header parsed and the reader positioned after it.
type Opened = (Header, BufReader<File>);

fn open(path: &Path) -> Result<Opened> {
    let file = File::open(path).map_err(|source| Error::Io {
        path: path.to_path_buf(),
        source,
    })?;
    let mut reader = BufReader::with_capacity(1 << 16, file);
    let header = parse_header(&mut reader, path)?;
    Ok((header, reader))
}

/// Read header, geometry and data of a NRRD with at most one non-spatial axis.
pub(super) fn read_volume<T: Sample>(path: &Path) -> Result<Volume<T>> {
    read_opened(path, open(path)?, &mut SparePages::default())
}

fn read_opened<T: Sample>(path: &Path, (header, mut reader): Opened, spare: &mut SparePages) -> Result<Volume<T>> {
    let (domain, range) = header.axes();
    if range.len() > 1 {
        return Err(Error::Unsupported {
            path: path.to_path_buf(),
            what: format!("NRRD with {} non-spatial axes (kinds {:?})", range.len(), header.kinds),
        });
    }
    let geometry = geometry(&header, &domain)?;
    let values = read_values(&header, &mut reader, spare)?;
    Ok(Volume {
        range_axis: range.first().copied(),
        header,
        geometry,
        values,
    })
}

/// Read only the header of a NRRD file.
pub(super) fn read_header(path: &Path) -> Result<Header> {
    let file = File::open(path).map_err(|source| Error::Io {
        path: path.to_path_buf(),
        source,
    })?;
    parse_header(&mut BufReader::new(file), path)
}

// ---------------------------------------------------------------------------------------
// Header parsing

const MAX_HEADER_LINE: usize = 1 << 20;

/// Read one line (without `\n` / `\r\n`); `None` at end of file.
fn read_line(reader: &mut dyn BufRead, path: &Path) -> Result<Option<String>> {
    let mut buf = Vec::new();
    let n = reader
        .take(MAX_HEADER_LINE as u64)
        .read_until(b'\n', &mut buf)
        .map_err(|source| Error::Io {
            path: path.to_path_buf(),
            source,
        })?;
    if n == 0 {
        return Ok(None);
    }
    if buf.last() == Some(&b'\n') {
        buf.pop();
    } else if n >= MAX_HEADER_LINE {
        return Err(Error::format(path, "header line too long (is this a NRRD file?)"));
    }
    if buf.last() == Some(&b'\r') {
        buf.pop();
    }
    Ok(Some(String::from_utf8_lossy(&buf).into_owned()))
}

/// Canonical field name for a header field (NRRD names and their spelling variants).
fn field_name(name: &str) -> Option<&'static str> {
    let lower = name.trim().to_ascii_lowercase();
    let fields: [&'static str; 30] = [
        "content",
        "number",
        "type",
        "block size",
        "dimension",
        "space",
        "space dimension",
        "sizes",
        "spacings",
        "thicknesses",
        "axis mins",
        "axis maxs",
        "space directions",
        "centers",
        "centerings",
        "kinds",
        "labels",
        "units",
        "min",
        "max",
        "old min",
        "old max",
        "endian",
        "encoding",
        "line skip",
        "byte skip",
        "sample units",
        "space units",
        "space origin",
        "measurement frame",
    ];
    let squeezed: String = lower.chars().filter(|c| *c != ' ').collect();
    if lower == "data file" || squeezed == "datafile" {
        return Some("data file");
    }
    fields
        .iter()
        .find(|f| **f == lower || f.replace(' ', "") == squeezed)
        .map(|f| if *f == "centerings" { "centers" } else { *f })
}

fn parse_type(s: &str) -> Option<PixelType> {
    let t = s.trim().to_ascii_lowercase();
    Some(match t.as_str() {
        "signed char" | "int8" | "int8_t" => PixelType::I8,
        "uchar" | "unsigned char" | "uint8" | "uint8_t" => PixelType::U8,
        "short" | "short int" | "signed short" | "signed short int" | "int16" | "int16_t" => PixelType::I16,
        "ushort" | "unsigned short" | "unsigned short int" | "uint16" | "uint16_t" => PixelType::U16,
        "int" | "signed int" | "int32" | "int32_t" => PixelType::I32,
        "uint" | "unsigned int" | "uint32" | "uint32_t" => PixelType::U32,
        "longlong"
        | "long long"
        | "long long int"
        | "signed long long"
        | "signed long long int"
        | "int64"
        | "int64_t" => PixelType::I64,
        "ulonglong" | "unsigned long long" | "unsigned long long int" | "uint64" | "uint64_t" => PixelType::U64,
        "float" => PixelType::F32,
        "double" => PixelType::F64,
        _ => return None,
    })
}

fn parse_space(s: &str) -> Option<(Space, usize)> {
    let t = s.trim().to_ascii_lowercase();
    Some(match t.as_str() {
        "right-anterior-superior" | "right anterior superior" | "rightanteriorsuperior" | "ras" => {
            (Space::RightAnteriorSuperior, 3)
        }
        "left-anterior-superior" | "left anterior superior" | "leftanteriorsuperior" | "las" => {
            (Space::LeftAnteriorSuperior, 3)
        }
        "left-posterior-superior" | "left posterior superior" | "leftposteriorsuperior" | "lps" => {
            (Space::LeftPosteriorSuperior, 3)
        }
        "scanner-xyz" | "3d-right-handed" | "3d right handed" | "3drighthanded" | "3d-left-handed"
        | "3d left handed" | "3dlefthanded" => (Space::Other, 3),
        "right-anterior-superior-time"
        | "right anterior superior time"
        | "rightanteriorsuperiortime"
        | "rast"
        | "left-anterior-superior-time"
        | "left anterior superior time"
        | "leftanteriorsuperiortime"
        | "last"
        | "left-posterior-superior-time"
        | "left posterior superior time"
        | "leftposteriorsuperiortime"
        | "lpst"
        | "scanner-xyz-time"
        | "scanner-xyzt"
        | "3d-right-handed-time"
        | "3d right handed time"
        | "3drighthandedtime"
        | "3d-left-handed-time"
        | "3d left handed time"
        | "3dlefthandedtime" => (Space::Other, 4),
        _ => return None,
    })
}

fn parse_f64(token: &str) -> Option<f64> {
    let t = token.trim();
    match t.to_ascii_lowercase().as_str() {
        "nan" | "-nan" | "+nan" => Some(f64::NAN),
        _ => t.parse::<f64>().ok(),
    }
}

/// Whitespace-separated numbers, exactly `count` of them.
fn parse_list<T>(
    path: &Path,
    field: &str,
    value: &str,
    count: usize,
    parse: impl Fn(&str) -> Option<T>,
) -> Result<Vec<T>> {
    let tokens: Vec<&str> = value.split_whitespace().collect();
    if tokens.len() != count {
        return Err(Error::format(
            path,
            format!(
                "header field '{field}' has {} values but dimension is {count}",
                tokens.len()
            ),
        ));
    }
    tokens
        .iter()
        .map(|t| parse(t).ok_or_else(|| Error::format(path, format!("header field '{field}': cannot parse '{t}'"))))
        .collect()
}

/// Parse `(a,b,c)` / `none` vectors; returns one entry per vector found.
fn parse_vectors(path: &Path, field: &str, value: &str, space_dim: usize) -> Result<Vec<Option<Vec<f64>>>> {
    let mut out = Vec::new();
    let mut rest = value.trim_start();
    while !rest.is_empty() {
        if let Some(after) = rest.strip_prefix("none") {
            out.push(None);
            rest = after.trim_start();
            continue;
        }
        let Some(inner) = rest.strip_prefix('(') else {
            return Err(Error::format(
                path,
                format!("header field '{field}': expected '(' or 'none' at '{rest}'"),
            ));
        };
        let Some(close) = inner.find(')') else {
            return Err(Error::format(path, format!("header field '{field}': missing ')'")));
        };
        let (body, after) = inner.split_at(close);
        let coefficients: Vec<f64> = body
            .split(',')
            .map(|t| {
                parse_f64(t).ok_or_else(|| Error::format(path, format!("header field '{field}': cannot parse '{t}'")))
            })
            .collect::<Result<_>>()?;
        if coefficients.len() != space_dim {
            return Err(Error::format(
                path,
                format!(
                    "header field '{field}': vector has {} coefficients but the space dimension is {space_dim}",
                    coefficients.len()
                ),
            ));
        }
        if coefficients.iter().any(|c| c.is_infinite()) {
            return Err(Error::format(
                path,
                format!("header field '{field}': infinite coefficient"),
            ));
        }
        let nan = coefficients.iter().filter(|c| c.is_nan()).count();
        if nan == coefficients.len() {
            out.push(None);
        } else if nan > 0 {
            return Err(Error::format(
                path,
                format!("header field '{field}': vector mixes NaN and numbers"),
            ));
        } else {
            out.push(Some(coefficients));
        }
        rest = after.get(1..).unwrap_or("").trim_start();
    }
    Ok(out)
}

/// Expand a `data file: name%03d.raw min max step [dim]` template.
fn expand_format(path: &Path, value: &str) -> Result<Option<Vec<String>>> {
    let mut parts = value.split_whitespace();
    let Some(template) = parts.next() else {
        return Ok(None);
    };
    // Find an unescaped %[0][width]d.
    let bytes = template.as_bytes();
    let mut i = 0;
    let mut spec = None;
    while i < bytes.len() {
        if bytes.get(i) == Some(&b'%') {
            if bytes.get(i + 1) == Some(&b'%') {
                i += 2;
                continue;
            }
            let mut j = i + 1;
            while bytes.get(j).is_some_and(|b| b.is_ascii_digit()) {
                j += 1;
            }
            if bytes.get(j) == Some(&b'd') {
                spec = Some((i, j));
            }
            break;
        }
        i += 1;
    }
    let Some((start, end)) = spec else {
        return Ok(None);
    };
    let numbers: Vec<i64> = parts
        .map(|t| t.parse::<i64>())
        .collect::<std::result::Result<_, _>>()
        .map_err(|_| Error::format(path, "data file template: expected integers <min> <max> <step> [<dim>]"))?;
    let (Some(&min), Some(&max), Some(&step)) = (numbers.first(), numbers.get(1), numbers.get(2)) else {
        return Err(Error::format(path, "data file template: expected <min> <max> <step>"));
    };
    if step == 0 || max.saturating_sub(min).signum() * step.signum() < 0 {
        return Err(Error::format(path, "data file template: bad min/max/step"));
    }
    let flags = template.get(start + 1..end).unwrap_or("");
    let zero_pad = flags.starts_with('0');
    let width: usize = flags.trim_start_matches('0').parse::<usize>().unwrap_or(0).min(64);
    let (prefix, suffix) = (
        template.get(..start).unwrap_or(""),
        template.get(end + 1..).unwrap_or(""),
    );
    let mut names = Vec::new();
    let mut k = min;
    while (step > 0 && k <= max) || (step < 0 && k >= max) {
        let num = if zero_pad {
            format!("{k:0width$}")
        } else {
            format!("{k:width$}")
        };
        names.push(format!(
            "{}{}{}",
            prefix.replace("%%", "%"),
            num,
            suffix.replace("%%", "%")
        ));
        if names.len() > 1_000_000 {
            return Err(Error::format(path, "data file template expands to too many files"));
        }
        match k.checked_add(step) {
            Some(next) => k = next,
            None => break,
        }
    }
    Ok(Some(names))
}

fn unescape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut chars = s.chars();
    while let Some(c) = chars.next() {
        if c == '\\' {
            match chars.next() {
                Some('n') => out.push('\n'),
                Some('\\') => out.push('\\'),
                Some(other) => {
                    out.push('\\');
                    out.push(other);
                }
                None => out.push('\\'),
            }
        } else {
            out.push(c);
        }
    }
    out
}

/// Parse the header; on return `reader` is positioned at the first data byte (attached data).
fn parse_header(reader: &mut dyn BufRead, path: &Path) -> Result<Header> {
    let magic = read_line(reader, path)?.unwrap_or_default();
    let version_ok = magic.len() == 8 && magic.starts_with("NRRD000") && magic.as_bytes()[7].is_ascii_digit();
    if !version_ok {
        return Err(Error::format(path, "not a NRRD file (bad magic, expected 'NRRD000x')"));
    }
    let mut fields: Vec<(&'static str, String)> = Vec::new();
    let mut key_values = Vec::new();
    let mut list_files: Option<Vec<String>> = None;
    while let Some(line) = read_line(reader, path)? {
        if line.is_empty() {
            break;
        }
        if let Some(files) = list_files.as_mut() {
            // After `data file: LIST` every line names a data file.
            files.push(line);
            continue;
        }
        if line.starts_with('#') {
            continue;
        }
        let as_field = line
            .find(": ")
            .and_then(|colon| field_name(&line[..colon]).map(|name| (name, line[colon + 2..].trim().to_string())));
        if let Some((name, value)) = as_field {
            if name == "data file" && value.starts_with("LIST") {
                list_files = Some(Vec::new());
            }
            fields.push((name, value));
        } else if let Some(sep) = line.find(":=") {
            key_values.push((unescape(&line[..sep]), unescape(&line[sep + 2..])));
        } else {
            return Err(Error::format(
                path,
                format!("header line '{line}' is neither a field nor a key:=value"),
            ));
        }
    }
    let get = |name: &str| fields.iter().rev().find(|(n, _)| *n == name).map(|(_, v)| v.as_str());
    let require = |name: &str| get(name).ok_or_else(|| Error::format(path, format!("missing header field '{name}'")));

    let type_str = require("type")?;
    let pixel_type = if type_str.eq_ignore_ascii_case("block") {
        return Err(Error::Unsupported {
            path: path.to_path_buf(),
            what: "NRRD type 'block'".into(),
        });
    } else {
        parse_type(type_str).ok_or_else(|| Error::Unsupported {
            path: path.to_path_buf(),
            what: format!("NRRD type '{type_str}'"),
        })?
    };
    let dim_str = require("dimension")?;
    let dimension: usize = dim_str
        .parse()
        .ok()
        .filter(|d| (1..=16).contains(d))
        .ok_or_else(|| Error::format(path, format!("invalid dimension '{dim_str}'")))?;
    let sizes = parse_list(path, "sizes", require("sizes")?, dimension, |t| t.parse::<usize>().ok())?;
    if let Some(axis) = sizes.iter().position(|&s| s == 0) {
        return Err(Error::format(path, format!("axis {axis} has size 0")));
    }
    let encoding_str = require("encoding")?;
    let encoding = match encoding_str.to_ascii_lowercase().as_str() {
        "raw" => Encoding::Raw,
        "gz" | "gzip" => Encoding::Gzip,
        "hex" => Encoding::Hex,
        "txt" | "text" | "ascii" => Encoding::Ascii,
        other => {
            return Err(Error::Unsupported {
                path: path.to_path_buf(),
                what: format!("NRRD encoding '{other}'"),
            });
        }
    };
    let big_endian = match get("endian").map(str::to_ascii_lowercase).as_deref() {
        None => None,
        Some("little") => Some(false),
        Some("big") => Some(true),
        Some(other) => return Err(Error::format(path, format!("invalid endian '{other}'"))),
    };
    let type_size = type_size(pixel_type);
    if big_endian.is_none() && type_size > 1 && encoding != Encoding::Ascii {
        return Err(Error::format(
            path,
            "missing header field 'endian' (required for multi-byte types)",
        ));
    }
    let (space, space_dimension) = match (get("space"), get("space dimension")) {
        (Some(s), _) => {
            let (space, d) = parse_space(s).ok_or_else(|| Error::Unsupported {
                path: path.to_path_buf(),
                what: format!("NRRD space '{s}'"),
            })?;
            (Some(space), d)
        }
        (None, Some(d)) => {
            let d: usize = d
                .parse()
                .ok()
                .filter(|d| (1..=8).contains(d))
                .ok_or_else(|| Error::format(path, format!("invalid space dimension '{d}'")))?;
            (Some(Space::Other), d)
        }
        (None, None) => (None, 0),
    };
    let space_directions = match get("space directions") {
        Some(v) => {
            if space.is_none() {
                return Err(Error::format(path, "'space directions' given without 'space'"));
            }
            let dirs = parse_vectors(path, "space directions", v, space_dimension)?;
            if dirs.len() != dimension {
                return Err(Error::format(
                    path,
                    format!(
                        "'space directions' has {} vectors but dimension is {dimension}",
                        dirs.len()
                    ),
                ));
            }
            dirs
        }
        None => vec![None; dimension],
    };
    let space_origin = match get("space origin") {
        Some(v) => {
            if space.is_none() {
                return Err(Error::format(path, "'space origin' given without 'space'"));
            }
            let mut o = parse_vectors(path, "space origin", v, space_dimension)?;
            if o.len() != 1 {
                return Err(Error::format(path, "'space origin' must be one vector"));
            }
            o.pop().flatten()
        }
        None => None,
    };
    let optional_doubles = |name: &str| -> Result<Vec<f64>> {
        match get(name) {
            Some(v) => parse_list(path, name, v, dimension, parse_f64),
            None => Ok(vec![f64::NAN; dimension]),
        }
    };
    let spacings = optional_doubles("spacings")?;
    if let Some(s) = spacings.iter().find(|s| **s == 0.0 || s.is_infinite()) {
        return Err(Error::format(path, format!("invalid spacing {s} in 'spacings'")));
    }
    if space.is_some() && spacings.iter().any(|s| !s.is_nan()) {
        return Err(Error::format(path, "'spacings' cannot be combined with 'space'"));
    }
    let axis_mins = optional_doubles("axis mins")?;
    let axis_maxs = optional_doubles("axis maxs")?;
    let centers = match get("centers") {
        Some(v) => parse_list(path, "centers", v, dimension, |t| {
            match t.to_ascii_lowercase().as_str() {
                "cell" => Some(Center::Cell),
                "node" => Some(Center::Node),
                "???" | "none" => Some(Center::Unknown),
                _ => None,
            }
        })?,
        None => vec![Center::Unknown; dimension],
    };
    let kinds = match get("kinds") {
        Some(v) => parse_list(path, "kinds", v, dimension, |t| Some(t.to_ascii_lowercase()))?,
        None => vec!["???".to_string(); dimension],
    };
    let line_skip = match get("line skip") {
        Some(v) => v
            .parse::<usize>()
            .map_err(|_| Error::format(path, format!("invalid line skip '{v}'")))?,
        None => 0,
    };
    let byte_skip = match get("byte skip") {
        Some(v) => v
            .parse::<i64>()
            .map_err(|_| Error::format(path, format!("invalid byte skip '{v}'")))?,
        None => 0,
    };
    let data = match get("data file") {
        None => DataFiles::Attached,
        Some(v) => {
            let names = if v.starts_with("LIST") {
                list_files.unwrap_or_default()
            } else if let Some(names) = expand_format(path, v)? {
                names
            } else {
                vec![v.to_string()]
            };
            if names.is_empty() {
                return Err(Error::format(path, "'data file: LIST' names no file"));
            }
            let dir = path.parent().unwrap_or(Path::new(""));
            DataFiles::Detached(
                names
                    .iter()
                    .map(|n| {
                        let p = Path::new(n.trim());
                        if p.is_absolute() { p.to_path_buf() } else { dir.join(p) }
                    })
                    .collect(),
            )
        }
    };
    Ok(Header {
        path: path.to_path_buf(),
        pixel_type,
        sizes,
        encoding,
        big_endian,
        space,
        space_dimension,
        space_directions,
        space_origin,
        spacings,
        axis_mins,
        axis_maxs,
        centers,
        kinds,
        line_skip,
        byte_skip,
        data,
        key_values,
    })
}

// ---------------------------------------------------------------------------------------
// Geometry

/// ITK's geometry for the domain axes (see the module comment), as a 3-D [`Geometry`].
fn geometry(h: &Header, domain: &[usize]) -> Result<Geometry> {
    let path = &h.path;
    let n = domain.len();
    if !(2..=3).contains(&n) {
        return Err(Error::Unsupported {
            path: path.clone(),
            what: format!("{n}-D image (radscore reads 2-D and 3-D images)"),
        });
    }
    if h.space.is_some() && h.space_dimension != n {
        return Err(Error::format(
            path,
            format!(
                "space dimension {} does not match the {n} spatial axes",
                h.space_dimension
            ),
        ));
    }
    let flip = |v: &mut [f64]| match h.space {
        Some(Space::RightAnteriorSuperior) => {
            v[0] = -v[0];
            v[1] = -v[1];
        }
        // A → P (SimpleITK 2.5 includes ITK's fix that flips y, not x, for LAS).
        Some(Space::LeftAnteriorSuperior) => v[1] = -v[1],
        _ => {}
    };
    let mut spacing = [1.0; 3];
    let mut origin = [0.0; 3];
    // Columns of the direction matrix (index axis → physical vector).
    let mut columns = [[1.0, 0.0, 0.0], [0.0, 1.0, 0.0], [0.0, 0.0, 1.0]];
    let mut size = [1usize; 3];
    for (i, &axis) in domain.iter().enumerate() {
        size[i] = h.sizes.get(axis).copied().unwrap_or(1);
        let given_spacing = h.spacings.get(axis).copied().unwrap_or(f64::NAN);
        let direction = h.space_directions.get(axis).and_then(|d| d.as_ref());
        if !given_spacing.is_nan() {
            spacing[i] = given_spacing;
        } else if let Some(v) = direction {
            let norm = v.iter().map(|c| c * c).sum::<f64>().sqrt();
            if norm == 0.0 || !norm.is_finite() {
                return Err(Error::format(
                    path,
                    format!("space direction of axis {axis} has zero length"),
                ));
            }
            let inv = 1.0 / norm;
            let mut col = [0.0; 3];
            for (c, vc) in col.iter_mut().zip(v.iter()) {
                *c = vc * inv;
            }
            if n == 3 {
                flip(&mut col);
            } else {
                flip(&mut col[..2]);
                col[2] = 0.0;
            }
            columns[i] = col;
            spacing[i] = norm;
        }
    }
    if h.space.is_some() {
        if let Some(o) = &h.space_origin {
            let mut o3 = [0.0; 3];
            for (dst, src) in o3.iter_mut().zip(o.iter()) {
                *dst = *src;
            }
            flip(&mut o3);
            origin = o3;
        }
    } else if h.axis_mins.get(domain[0]).is_some_and(|m| !m.is_nan()) {
        // nrrdOriginCalculate: needs the first axis min and, per axis, a max or spacing.
        let all_max_or_spacing = domain.iter().all(|&a| {
            !h.axis_maxs.get(a).copied().unwrap_or(f64::NAN).is_nan()
                || !h.spacings.get(a).copied().unwrap_or(f64::NAN).is_nan()
        });
        if all_max_or_spacing {
            for (i, &a) in domain.iter().enumerate() {
                let min = h.axis_mins.get(a).copied().unwrap_or(f64::NAN);
                let cell = !matches!(h.centers.get(a), Some(Center::Node));
                let count = h.sizes.get(a).copied().unwrap_or(1) as f64;
                let denom = if cell { count } else { count - 1.0 };
                let s = h.spacings.get(a).copied().unwrap_or(f64::NAN);
                let s = if s.is_nan() {
                    (h.axis_maxs.get(a).copied().unwrap_or(f64::NAN) - min) / denom
                } else {
                    s
                };
                origin[i] = min + if cell { s / 2.0 } else { 0.0 };
            }
        }
    }
    // ImageFileReader: a negative spacing becomes positive with its direction column negated.
    for i in 0..3 {
        if spacing[i] < 0.0 {
            spacing[i] = -spacing[i];
            for c in columns[i].iter_mut() {
                *c = -*c;
            }
        }
    }
    let mut direction = [0.0; 9];
    for (j, col) in columns.iter().enumerate() {
        for (r, v) in col.iter().enumerate() {
            direction[3 * r + j] = *v;
        }
    }
    check_geometry(path, &spacing, &origin, &direction)?;
    Ok(Geometry {
        size,
        spacing,
        origin,
        direction,
        dimension: n,
    })
}

/// Reject geometry ITK cannot represent: non-finite values, zero spacing, singular direction.
pub(super) fn check_geometry(path: &Path, spacing: &[f64; 3], origin: &[f64; 3], direction: &[f64; 9]) -> Result<()> {
    if spacing.iter().any(|s| !s.is_finite() || *s <= 0.0) {
        return Err(Error::format(path, format!("invalid spacing {spacing:?}")));
    }
    if origin.iter().any(|o| !o.is_finite()) {
        return Err(Error::format(path, format!("invalid origin {origin:?}")));
    }
    let d = direction;
    let det =
        d[0] * (d[4] * d[8] - d[5] * d[7]) - d[1] * (d[3] * d[8] - d[5] * d[6]) + d[2] * (d[3] * d[7] - d[4] * d[6]);
    if !det.is_finite() || det == 0.0 || d.iter().any(|v| !v.is_finite()) {
        return Err(Error::format(
            path,
            format!("direction matrix {direction:?} is not invertible"),
        ));
    }
    Ok(())
}

// ---------------------------------------------------------------------------------------
// Data

pub(super) fn type_size(pt: PixelType) -> usize {
    match pt {
        PixelType::U8 | PixelType::I8 => 1,
        PixelType::U16 | PixelType::I16 => 2,
        PixelType::U32 | PixelType::I32 | PixelType::F32 => 4,
        PixelType::U64 | PixelType::I64 | PixelType::F64 => 8,
    }
}

fn io_error(path: &Path, source: std::io::Error) -> Error {
    Error::Io {
        path: path.to_path_buf(),
        source,
    }
}

fn truncated(path: &Path, expected: usize, found: usize) -> Error {
    Error::format(
        path,
        format!("truncated data: the header's sizes need {expected} bytes, found {found}"),
    )
}

/// Byte skip −N−1: the `need` data bytes end N bytes before the end of `all`.
fn decode_tail<T: Sample>(h: &Header, all: &[u8], source: &Path, need: usize, values: &mut Vec<T>) -> Result<()> {
    let after = (-(h.byte_skip + 1)) as usize;
    let short = || truncated(source, need.saturating_add(after), all.len());
    let end = all.len().checked_sub(after).ok_or_else(short)?;
    let start = end.checked_sub(need).ok_or_else(short)?;
    super::decode_voxels(&all[start..end], h.pixel_type, h.big_endian.unwrap_or(false), values);
    Ok(())
}

/// Decode one data piece of `need` bytes (`need_values` values for ascii) from `reader`,
/// appending its values to `values`; gzip data is read into `spare`'s pages, which it
/// then holds for the next read.
fn read_piece<T: Sample>(
    h: &Header,
    reader: &mut dyn BufRead,
    source: &Path,
    need: usize,
    need_values: usize,
    values: &mut Vec<T>,
    spare: &mut SparePages,
) -> Result<()> {
    let big_endian = h.big_endian.unwrap_or(false);
    for line in 0..h.line_skip {
        let mut skipped = Vec::new();
        let n = reader
            .read_until(b'\n', &mut skipped)
            .map_err(|e| io_error(source, e))?;
        if n == 0 {
            return Err(Error::format(
                source,
                format!("hit end of file skipping line {} of {}", line + 1, h.line_skip),
            ));
        }
    }
    match h.encoding {
        Encoding::Raw => {
            if h.byte_skip >= 0 {
                let skip = h.byte_skip as u64;
                let skipped =
                    std::io::copy(&mut reader.take(skip), &mut std::io::sink()).map_err(|e| io_error(source, e))?;
                if skipped < skip {
                    return Err(Error::format(source, format!("hit end of file skipping {skip} bytes")));
                }
                let got = super::decode_stream(reader, need, h.pixel_type, big_endian, values)
                    .map_err(|e| io_error(source, e))?;
                if got < need {
                    return Err(truncated(source, need, got));
                }
                Ok(())
            } else {
                let mut all = Vec::new();
                reader.read_to_end(&mut all).map_err(|e| io_error(source, e))?;
                decode_tail(h, &all, source, need, values)
            }
        }
        Encoding::Gzip => {
            // One-byte voxels (a mask's) can be inflated into the spare pages themselves; the
            // compressed bytes of wider ones (a CT's) are read there instead, into a buffer
            // with room for one byte per voxel: a mask on the CT's grid, read next, then fits
            // in the pages these bytes mapped and maps only the rest (a CT compresses to less
            // than a byte per voxel). Capacity never written costs nothing; if it cannot be
            // had, the read goes on without it.
            let mut compressed = if SparePages::can_hold::<T>() {
                Vec::new()
            } else {
                let mut bytes = spare.take_empty();
                let _ = bytes.try_reserve(need_values);
                bytes
            };
            reader.read_to_end(&mut compressed).map_err(|e| io_error(source, e))?;
            if h.byte_skip == 0
                && super::gunzip_values(&compressed, need_values, h.pixel_type, big_endian, values, spare)
            {
                spare.keep(compressed);
                return Ok(());
            }
            if h.byte_skip >= 0 {
                let skip = h.byte_skip as usize;
                if let Some(data) = super::gunzip_whole(&compressed, skip.saturating_add(need), spare.split_inflate())
                    .as_deref()
                    .and_then(|all| all.get(skip..skip.checked_add(need)?))
                {
                    super::decode_voxels_parallel(data, h.pixel_type, big_endian, values);
                    return Ok(());
                }
            }
            // Not one intact member holding the data: stream it, naming what is wrong.
            let mut decoder = MultiGzDecoder::new(&compressed[..]);
            if h.byte_skip >= 0 {
                let skip = h.byte_skip as u64;
                let skipped = std::io::copy(&mut (&mut decoder).take(skip), &mut std::io::sink())
                    .map_err(|e| Error::format(source, format!("corrupt gzip data: {e}")))?;
                if skipped < skip {
                    return Err(Error::format(
                        source,
                        format!("hit end of gzip data skipping {skip} bytes"),
                    ));
                }
                let got = super::decode_stream(&mut decoder, need, h.pixel_type, big_endian, values)
                    .map_err(|e| Error::format(source, format!("corrupt gzip data: {e}")))?;
                if got < need {
                    return Err(truncated(source, need, got));
                }
                // Finish the stream so a damaged trailer (CRC, length) is reported too.
                std::io::copy(&mut decoder, &mut std::io::sink())
                    .map_err(|e| Error::format(source, format!("corrupt gzip data: {e}")))?;
                Ok(())
            } else {
                let mut all = Vec::new();
                decoder
                    .read_to_end(&mut all)
                    .map_err(|e| Error::format(source, format!("corrupt gzip data: {e}")))?;
                decode_tail(h, &all, source, need, values)
            }
        }
        Encoding::Hex => {
            let mut text = Vec::new();
            reader.read_to_end(&mut text).map_err(|e| io_error(source, e))?;
            let mut out = Vec::with_capacity(need.min(text.len() / 2 + 1));
            let mut high: Option<u8> = None;
            for &c in &text {
                if out.len() == need {
                    break;
                }
                let digit = match c {
                    b'0'..=b'9' => c - b'0',
                    b'a'..=b'f' => c - b'a' + 10,
                    b'A'..=b'F' => c - b'A' + 10,
                    c if c.is_ascii_whitespace() => continue,
                    _ => return Err(Error::format(source, format!("invalid hex data byte 0x{c:02x}"))),
                };
                match high.take() {
                    None => high = Some(digit),
                    Some(hi) => out.push(hi * 16 + digit),
                }
            }
            if out.len() < need {
                return Err(truncated(source, need, out.len()));
            }
            super::decode_voxels(&out, h.pixel_type, big_endian, values);
            Ok(())
        }
        Encoding::Ascii => {
            let mut text = String::new();
            reader
                .read_to_string(&mut text)
                .map_err(|e| Error::format(source, format!("ascii data is not text: {e}")))?;
            let start = values.len();
            for token in text
                .split(|c: char| c.is_ascii_whitespace() || c == ',')
                .filter(|t| !t.is_empty())
            {
                if values.len() - start == need_values {
                    break;
                }
                let v = parse_ascii_value(token, h.pixel_type).ok_or_else(|| {
                    Error::format(
                        source,
                        format!("cannot parse ascii value '{token}' as {}", h.pixel_type.numpy_name()),
                    )
                })?;
                values.push(T::from_f64(v));
            }
            if values.len() - start < need_values {
                return Err(Error::format(
                    source,
                    format!(
                        "truncated data: the header's sizes need {need_values} values, found {}",
                        values.len() - start
                    ),
                ));
            }
            Ok(())
        }
    }
}

fn parse_ascii_value(token: &str, pt: PixelType) -> Option<f64> {
    if pt.is_integer() {
        let v: i128 = token.parse().ok()?;
        let (lo, hi): (i128, i128) = match pt {
            PixelType::U8 => (0, u8::MAX as i128),
            PixelType::I8 => (i8::MIN as i128, i8::MAX as i128),
            PixelType::U16 => (0, u16::MAX as i128),
            PixelType::I16 => (i16::MIN as i128, i16::MAX as i128),
            PixelType::U32 => (0, u32::MAX as i128),
            PixelType::I32 => (i32::MIN as i128, i32::MAX as i128),
            PixelType::U64 => (0, u64::MAX as i128),
            _ => (i64::MIN as i128, i64::MAX as i128),
        };
        (lo..=hi).contains(&v).then_some(v as f64)
    } else {
        let v = parse_f64(token)?;
        Some(if pt == PixelType::F32 { v as f32 as f64 } else { v })
    }
}

/// Read every value (file order) from the attached stream or the detached files.
fn read_values<T: Sample>(h: &Header, attached: &mut dyn BufRead, spare: &mut SparePages) -> Result<Vec<T>> {
    let count = h.element_count()?;
    let size = type_size(h.pixel_type);
    let total = count
        .checked_mul(size)
        .ok_or_else(|| Error::format(&h.path, "sizes overflow the address space"))?;
    // Reserve the whole volume up front (untouched pages cost nothing); a header claiming
    // more than can be addressed is an error, not an abort.
    let mut values = Vec::new();
    values.try_reserve_exact(count).map_err(|_| {
        Error::format(
            &h.path,
            format!("the header's sizes ({count} values) cannot be held in memory"),
        )
    })?;
    match &h.data {
        DataFiles::Attached => read_piece(h, attached, &h.path, total, count, &mut values, spare)?,
        DataFiles::Detached(files) => {
            let pieces = files.len();
            if count % pieces != 0 {
                return Err(Error::format(
                    &h.path,
                    format!("{pieces} data files do not divide the {count} values evenly"),
                ));
            }
            let per_piece = count / pieces;
            for file in files {
                let f = File::open(file).map_err(|e| io_error(file, e))?;
                let mut reader = BufReader::with_capacity(1 << 16, f);
                read_piece(h, &mut reader, file, per_piece * size, per_piece, &mut values, spare)?;
            }
        }
    }
    Ok(values)
}

/// Append `v` stored as `pt` in little-endian order (values are cast as ITK casts them).
pub(super) fn push_le(out: &mut Vec<u8>, v: f64, pt: PixelType) {
    let v = pt.cast(v);
    match pt {
        PixelType::U8 => out.push(v as u8),
        PixelType::I8 => out.push(v as i8 as u8),
        PixelType::U16 => out.extend_from_slice(&(v as u16).to_le_bytes()),
        PixelType::I16 => out.extend_from_slice(&(v as i16).to_le_bytes()),
        PixelType::U32 => out.extend_from_slice(&(v as u32).to_le_bytes()),
        PixelType::I32 => out.extend_from_slice(&(v as i32).to_le_bytes()),
        PixelType::U64 => out.extend_from_slice(&(v as u64).to_le_bytes()),
        PixelType::I64 => out.extend_from_slice(&(v as i64).to_le_bytes()),
        PixelType::F32 => out.extend_from_slice(&(v as f32).to_le_bytes()),
        PixelType::F64 => out.extend_from_slice(&v.to_le_bytes()),
    }
}

// ---------------------------------------------------------------------------------------
// Writer

fn nrrd_type_name(pt: PixelType) -> &'static str {
    match pt {
        PixelType::U8 => "unsigned char",
        PixelType::I8 => "signed char",
        PixelType::U16 => "unsigned short",
        PixelType::I16 => "short",
        PixelType::U32 => "unsigned int",
        PixelType::I32 => "int",
        PixelType::U64 => "unsigned long long int",
        PixelType::I64 => "long long int",
        PixelType::F32 => "float",
        PixelType::F64 => "double",
    }
}

/// Header of a gzip, little-endian, LPS NRRD for `geometry` (round-trip float formatting).
pub(super) fn header_text(pt: PixelType, g: &Geometry, extra_lines: &[String]) -> String {
    let d = &g.direction;
    let column = |j: usize| {
        format!(
            "({:?},{:?},{:?})",
            d[j] * g.spacing[j],
            d[3 + j] * g.spacing[j],
            d[6 + j] * g.spacing[j]
        )
    };
    let mut text = format!(
        "NRRD0004\n# Complete NRRD file format specification at:\n# http://teem.sourceforge.net/nrrd/format.html\n\
         type: {}\ndimension: 3\nspace: left-posterior-superior\nsizes: {} {} {}\n\
         space directions: {} {} {}\nkinds: domain domain domain\nendian: little\nencoding: gzip\n\
         space origin: ({:?},{:?},{:?})\n",
        nrrd_type_name(pt),
        g.size[0],
        g.size[1],
        g.size[2],
        column(0),
        column(1),
        column(2),
        g.origin[0],
        g.origin[1],
        g.origin[2],
    );
    for line in extra_lines {
        text.push_str(line);
        text.push('\n');
    }
    text.push('\n');
    text
}

/// Write a gzip-compressed NRRD (LPS, little endian).
pub(super) fn write(path: &Path, voxels: &Array3<f64>, pt: PixelType, g: &Geometry) -> Result<()> {
    if voxels.shape() != g.shape_zyx() {
        return Err(Error::InvalidArgument(format!(
            "voxel array shape (z,y,x) {:?} does not match geometry size (x,y,z) {:?}",
            voxels.shape(),
            g.size
        )));
    }
    check_geometry(path, &g.spacing, &g.origin, &g.direction)?;
    let header = header_text(pt, g, &[]);
    let mut raw = Vec::with_capacity(voxels.len() * type_size(pt));
    for &v in voxels.iter() {
        push_le(&mut raw, v, pt);
    }
    write_gzip_file(path, header.as_bytes(), &raw)
}

/// The zlib level ITK's NRRD and NIfTI writers use by default when asked to compress
/// (SimpleITK's `useCompression=True`, Slicer's save): files radscore writes, the phantom's
/// included, then look like Slicer's. (Level 1 in zlib-ng, as in zlib-rs, writes the whole
/// volume as one fixed-code block, half as large again: 20.4 MB instead of 13.4 MB for the
/// phantom CT, which SimpleITK's default writes in 13.4 MB too.)
const ITK_DEFAULT_GZIP_LEVEL: u32 = 2;

/// Write `header` then `raw` gzip-compressed to `path`.
pub(super) fn write_gzip_file(path: &Path, header: &[u8], raw: &[u8]) -> Result<()> {
    let io = |e| io_error(path, e);
    let file = File::create(path).map_err(io)?;
    let mut out = std::io::BufWriter::new(file);
    out.write_all(header).map_err(io)?;
    let mut encoder = GzEncoder::new(out, Compression::new(ITK_DEFAULT_GZIP_LEVEL));
    encoder.write_all(raw).map_err(io)?;
    let mut out = encoder.finish().map_err(io)?;
    out.flush().map_err(io)
}

/// Write the concatenation of `parts` as one gzip stream (e.g. a `.nii.gz`).
pub(super) fn write_gzip_file_all(path: &Path, parts: &[&[u8]]) -> Result<()> {
    let io = |e| io_error(path, e);
    let file = File::create(path).map_err(io)?;
    let mut encoder = GzEncoder::new(std::io::BufWriter::new(file), Compression::new(ITK_DEFAULT_GZIP_LEVEL));
    for part in parts {
        encoder.write_all(part).map_err(io)?;
    }
    let mut out = encoder.finish().map_err(io)?;
    out.flush().map_err(io)
}
