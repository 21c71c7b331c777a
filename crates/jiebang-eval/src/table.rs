//! Reading a table (CSV, TSV or Parquet) straight into typed columns.
//!
//! Only the selected columns are kept, each typed while it is read ([`Kind`]): ids as integers,
//! numbers as `f64`, labels as codes into their few distinct values, and — for the prediction
//! file — ids directly as the truth row they match, so no cell text is stored. Files without
//! quotes (almost all) are cut into chunks at line ends and parsed on every core; files with
//! quotes go through the `csv` crate. UTF-8 with or without BOM is read as is; UTF-16 with BOM
//! and GBK/GB18030 (detected) are decoded first.

use std::borrow::Cow;
use std::collections::HashMap;
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};

use crate::EvalError;

/// Bytes of a named file.
#[derive(Debug, Clone, Copy)]
pub struct Source<'a> {
    /// Name for messages.
    pub name: &'a str,
    /// Content.
    pub bytes: &'a [u8],
}

/// Finds the row of another table that has a given id (the join index).
pub trait Lookup: Sync {
    /// The row whose id is `id` (already trimmed), if any.
    fn find(&self, id: &[u8]) -> Option<u32>;
    /// The row whose id is the canonical integer `id`, if the index can tell from the number
    /// alone (text ids cannot: the caller then asks [`find`](Self::find)).
    fn find_integer(&self, _id: u64) -> Option<u32> {
        None
    }
}

/// How a selected column is typed while it is read.
#[derive(Clone, Copy)]
pub enum Kind<'i> {
    /// Identifiers: [`Column::Integers`] when every cell is a canonical non-negative integer
    /// (no sign, no leading zero, so equal as numbers exactly when equal as text), otherwise
    /// [`Column::Categories`].
    Id,
    /// Finite numbers ([`Column::Numbers`]); any other cell is an error naming row, id and value.
    Number,
    /// Text with (usually) few distinct values: labels, classes, splits ([`Column::Categories`]).
    Category,
    /// Ids resolved to the rows of another table while reading ([`Column::Matches`]).
    Lookup(&'i dyn Lookup),
}

/// A typed column.
#[derive(Debug, Clone, PartialEq)]
pub enum Column {
    /// Canonical integers.
    Integers(Vec<u64>),
    /// Finite numbers.
    Numbers(Vec<f64>),
    /// Distinct text values and one code per row.
    Categories(Categories),
    /// The matching row of the looked-up table per row, [`UNMATCHED`] where there is none.
    Matches(Matches),
}

/// Marks a row whose id is not in the looked-up table.
pub const UNMATCHED: u32 = u32::MAX;

/// Text cells stored once per distinct value (trimmed of ASCII spaces); codes follow the order
/// in which values first appear.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Categories {
    text: String,
    ends: Vec<u32>,
    /// Per row, the index of its value.
    pub codes: Vec<u32>,
}

impl Categories {
    /// Number of distinct values.
    pub fn len(&self) -> usize {
        self.ends.len()
    }

    /// Whether there are no values.
    pub fn is_empty(&self) -> bool {
        self.ends.is_empty()
    }

    /// The distinct value with code `code`.
    pub fn value(&self, code: u32) -> &str {
        let start = if code == 0 { 0 } else { self.ends[code as usize - 1] as usize };
        &self.text[start..self.ends[code as usize] as usize]
    }

    /// The distinct values, by code.
    pub fn values(&self) -> impl Iterator<Item = &str> {
        (0..self.len() as u32).map(|code| self.value(code))
    }

    /// The value of row `row`.
    pub fn of_row(&self, row: usize) -> &str {
        self.value(self.codes[row])
    }
}

/// Ids resolved against another table.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Matches {
    /// Per row, the matching row of the other table, or [`UNMATCHED`].
    pub rows: Vec<u32>,
    /// How many rows matched nothing.
    pub unmatched: usize,
    /// The first few unmatched rows and their id text.
    pub first_unmatched: Vec<(usize, String)>,
}

/// How many unmatched ids are kept for messages.
const KEEP_UNMATCHED: usize = 5;

/// The selected columns of a table.
#[derive(Debug)]
pub struct Table {
    /// File name.
    pub file: String,
    /// Header names of the selected columns, in the order asked for.
    pub names: Vec<String>,
    /// The selected columns, in the same order.
    pub columns: Vec<Column>,
    rows: usize,
    lines: Lines,
}

/// Where each data row is in the file.
#[derive(Debug)]
enum Lines {
    /// Row `r` is on line `r + 2` plus the blank lines skipped before it; `blanks` holds, for
    /// each blank line, the number of rows before it.
    Plain { blanks: Vec<u64> },
    /// The line of every row (quoted cells may span lines; Parquet row `r` is "line" `r + 1`).
    Listed(Vec<u64>),
}

impl Table {
    /// Number of data rows.
    pub fn rows(&self) -> usize {
        self.rows
    }

    /// The file line of a data row (the header is line 1).
    pub fn line(&self, row: usize) -> u64 {
        match &self.lines {
            Lines::Plain { blanks } => row as u64 + 2 + blanks.partition_point(|&b| b <= row as u64) as u64,
            Lines::Listed(lines) => lines[row],
        }
    }

    /// The text of a cell, for messages (numbers are formatted; matches have none).
    pub fn text(&self, column: usize, row: usize) -> Cow<'_, str> {
        match &self.columns[column] {
            Column::Integers(v) => Cow::Owned(v[row].to_string()),
            Column::Numbers(v) => Cow::Owned(v[row].to_string()),
            Column::Categories(c) => Cow::Borrowed(c.of_row(row)),
            Column::Matches(_) => Cow::Borrowed(""),
        }
    }

    /// A row error at `row`, in selected column `column`.
    pub fn error(&self, row: usize, column: usize, message: String) -> EvalError {
        EvalError::Row {
            file: self.file.clone(),
            line: self.line(row),
            column: Some(self.names[column].clone()),
            message,
        }
    }
}

/// Reads the columns that `select` picks after seeing the header, in that order, each typed as
/// its [`Kind`] says; every one must exist. The first selected column is the id that messages
/// name.
pub fn read_table<'i>(
    source: Source<'_>,
    max_bytes: u64,
    select: impl FnOnce(&[String]) -> Vec<(String, Kind<'i>)>,
) -> Result<Table, EvalError> {
    let file = source.name.to_owned();
    let fail = |message: String| EvalError::File { file: file.clone(), message };
    if source.bytes.len() as u64 > max_bytes {
        return Err(fail(format!(
            "文件大小 {} 字节，超过上限 {} 字节 / the file is {} bytes, over the limit of {} bytes",
            source.bytes.len(),
            max_bytes,
            source.bytes.len(),
            max_bytes
        )));
    }
    if source.bytes.len() > u32::MAX as usize {
        return Err(fail("文件超过 4 GiB / the file exceeds 4 GiB".into()));
    }
    if source.bytes.starts_with(b"PAR1") {
        let (names, buffer, rows) = parquet_cells(&file, source.bytes)?;
        let plan = Plan::new(&file, &names, select)?;
        let lines: Vec<u64> = (1..=rows.len() as u64).collect();
        return read_with_retries(&file, plan, |plan| parse_listed(&file, &buffer, &rows, &lines, plan));
    }
    // Most files are UTF-8 without a byte-order mark: one parallel pass checks that while it
    // cuts the body for the cores. Anything else is decoded first, then cut the same way.
    let bytes = source.bytes;
    let (text, layout) =
        match jiebang_core::text::is_plain(bytes).then(|| Layout::of(bytes)).filter(|layout| layout.utf8) {
            Some(layout) => (Cow::Borrowed(bytes), layout),
            None => {
                let text = match jiebang_core::text::decode(bytes).map_err(fail)? {
                    Cow::Borrowed(text) => Cow::Borrowed(text.as_bytes()),
                    Cow::Owned(text) => Cow::Owned(text.into_bytes()),
                };
                let layout = Layout::of(&text);
                (text, layout)
            }
        };
    let bytes = &text[..];
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return Err(fail("文件是空的 / the file is empty".into()));
    }
    let header = trim_cr(&bytes[..layout.header_end]);
    let delimiter = if count(header, b'\t') > count(header, b',') { b'\t' } else { b',' };
    if layout.quoted {
        let (names, buffer, rows, lines) = quoted_cells(&file, bytes, delimiter)?;
        let plan = Plan::new(&file, &names, select)?;
        return read_with_retries(&file, plan, |plan| parse_listed(&file, &buffer, &rows, &lines, plan));
    }
    let names: Vec<String> =
        header.split(|b| *b == delimiter).map(|h| String::from_utf8_lossy(h).trim().to_owned()).collect();
    let plan = Plan::new(&file, &names, select)?;
    read_with_retries(&file, plan, |plan| parse_plain(&file, bytes, &layout, delimiter, plan))
}

/// A text file's header and body, the body cut at line ends into chunks for the cores, found
/// in one parallel pass that also checks the encoding and looks for quotes.
struct Layout {
    /// Where the header line ends (its newline, or the end of the file).
    header_end: usize,
    /// The chunks of the body, as byte ranges.
    chunks: Vec<(usize, usize)>,
    /// Lines in each chunk.
    lines: Vec<usize>,
    /// Whether the whole file is valid UTF-8.
    utf8: bool,
    /// Whether there is a quote anywhere (then the `csv` crate splits the cells).
    quoted: bool,
}

impl Layout {
    fn of(bytes: &[u8]) -> Self {
        const CHUNK: usize = 4 << 20;
        let header_end = memchr::memchr(b'\n', bytes).unwrap_or(bytes.len());
        let body = (header_end + 1).min(bytes.len());
        let mut chunks = Vec::new();
        let mut start = body;
        while start < bytes.len() {
            let cut = start + CHUNK;
            let end = if cut >= bytes.len() {
                bytes.len()
            } else {
                memchr::memchr(b'\n', &bytes[cut..]).map_or(bytes.len(), |i| cut + i + 1)
            };
            chunks.push((start, end));
            start = end;
        }
        // Chunks end at a newline, so no character spans two of them.
        let surveys = in_parallel(chunks.len(), |i| {
            let chunk = &bytes[chunks[i].0..chunks[i].1];
            let lines = count(chunk, b'\n') + usize::from(chunk.last() != Some(&b'\n'));
            (lines, simdutf8::basic::from_utf8(chunk).is_ok(), memchr::memchr(b'"', chunk).is_some())
        });
        let header = &bytes[..header_end];
        Self {
            header_end,
            lines: surveys.iter().map(|s| s.0).collect(),
            utf8: std::str::from_utf8(header).is_ok() && surveys.iter().all(|s| s.1),
            quoted: memchr::memchr(b'"', header).is_some() || surveys.iter().any(|s| s.2),
            chunks,
        }
    }
}

/// The selected columns: their names, kinds and positions in the file.
struct Plan<'i> {
    names: Vec<String>,
    kinds: Vec<Kind<'i>>,
    /// File field of each selected column.
    fields: Vec<usize>,
    /// Selected column of each file field ([`UNSELECTED`] for the others).
    slots: Vec<usize>,
    /// Number of fields in the header.
    width: usize,
}

impl<'i> Plan<'i> {
    fn new(
        file: &str,
        header: &[String],
        select: impl FnOnce(&[String]) -> Vec<(String, Kind<'i>)>,
    ) -> Result<Self, EvalError> {
        let (names, kinds): (Vec<String>, Vec<Kind<'i>>) = select(header).into_iter().unzip();
        let mut fields = Vec::with_capacity(names.len());
        for name in &names {
            match header.iter().position(|h| h == name) {
                Some(i) => fields.push(i),
                None => {
                    let found = header.iter().map(|h| format!("「{h}」")).collect::<Vec<_>>().join("、");
                    return Err(EvalError::MissingColumn { file: file.to_owned(), column: name.clone(), found });
                }
            }
        }
        let mut slots = vec![UNSELECTED; header.len()];
        for (slot, &field) in fields.iter().enumerate() {
            slots[field] = slot;
        }
        Ok(Self { names, kinds, fields, slots, width: header.len() })
    }
}

const UNSELECTED: usize = usize::MAX;

/// What a parse pass ends with: a table, or the news that an id column is text after all.
enum Pass {
    Done(Table),
    /// Selected column `0` holds an id that is not a canonical integer: read it as text.
    TextIds(usize),
}

/// Parses with `parse`; an [`Kind::Id`] column found not to be all integers is read again as
/// text (one extra pass, only for files with text ids).
fn read_with_retries<'i>(
    file: &str,
    mut plan: Plan<'i>,
    parse: impl Fn(&Plan<'i>) -> Result<Pass, EvalError>,
) -> Result<Table, EvalError> {
    loop {
        match parse(&plan)? {
            Pass::Done(table) if table.rows == 0 => {
                return Err(EvalError::File {
                    file: file.to_owned(),
                    message: "只有表头，没有数据行 / the file has a header but no rows".into(),
                });
            }
            Pass::Done(table) => return Ok(table),
            Pass::TextIds(column) => plan.kinds[column] = Kind::Category,
        }
    }
}

fn count(bytes: &[u8], byte: u8) -> usize {
    memchr::memchr_iter(byte, bytes).count()
}

fn trim_cr(line: &[u8]) -> &[u8] {
    line.strip_suffix(b"\r").unwrap_or(line)
}

/// Why a cell was refused.
enum Refusal {
    /// An [`Kind::Id`] cell that is not a canonical integer: the column is text.
    TextId,
    /// A row error's message.
    Message(String),
}

/// Where a chunk writes one column: its own stretch of the file-wide column.
struct Out<'o, T> {
    slice: &'o mut [T],
    len: usize,
}

impl<T> Out<'_, T> {
    #[inline]
    fn push(&mut self, value: T) {
        self.slice[self.len] = value;
        self.len += 1;
    }
}

/// A file-wide column, allocated once for all chunks (at most one row per line).
enum Storage {
    Integers(Vec<u64>),
    Numbers(Vec<f64>),
    /// Category codes or matched rows.
    Codes(Vec<u32>),
}

impl Storage {
    fn new(kind: Kind<'_>, rows: usize) -> Self {
        // Zeroed allocations are mapped lazily, so pages are touched by the chunk that fills them.
        match kind {
            Kind::Id => Self::Integers(vec![0; rows]),
            Kind::Number => Self::Numbers(vec![0.0; rows]),
            Kind::Category | Kind::Lookup(_) => Self::Codes(vec![0; rows]),
        }
    }

    /// Cuts the column into one stretch per chunk, of `counts[i]` rows each.
    fn split(&mut self, counts: &[usize]) -> Vec<Stretch<'_>> {
        fn cut<'o, T>(
            mut rest: &'o mut [T],
            counts: &[usize],
            wrap: fn(&'o mut [T]) -> Stretch<'o>,
        ) -> Vec<Stretch<'o>> {
            counts
                .iter()
                .map(|&n| {
                    let (head, tail) = std::mem::take(&mut rest).split_at_mut(n);
                    rest = tail;
                    wrap(head)
                })
                .collect()
        }
        match self {
            Self::Integers(v) => cut(v, counts, Stretch::Integers),
            Self::Numbers(v) => cut(v, counts, Stretch::Numbers),
            Self::Codes(v) => cut(v, counts, Stretch::Codes),
        }
    }

    /// Moves each chunk's rows (`(start, rows)`) down so they follow one another, and cuts the
    /// column to `total` rows. Only needed when blank lines left gaps.
    fn compact(&mut self, chunks: &[(usize, usize)], total: usize) {
        fn pack<T: Copy>(v: &mut Vec<T>, chunks: &[(usize, usize)], total: usize) {
            let mut to = 0;
            for &(start, rows) in chunks {
                v.copy_within(start..start + rows, to);
                to += rows;
            }
            v.truncate(total);
        }
        match self {
            Self::Integers(v) => pack(v, chunks, total),
            Self::Numbers(v) => pack(v, chunks, total),
            Self::Codes(v) => pack(v, chunks, total),
        }
    }
}

/// One chunk's stretch of a [`Storage`].
enum Stretch<'o> {
    Integers(&'o mut [u64]),
    Numbers(&'o mut [f64]),
    Codes(&'o mut [u32]),
}

/// One selected column being typed by one chunk.
enum Builder<'a, 'i, 'o> {
    Integers(Out<'o, u64>),
    Numbers(Out<'o, f64>),
    Categories { codes: Out<'o, u32>, values: Interner<'a> },
    Matches { index: &'i dyn Lookup, rows: Out<'o, u32>, unmatched: usize, first: Vec<(usize, &'a [u8])> },
}

/// What a chunk's builder leaves besides the values it wrote.
enum Tally<'a> {
    Nothing,
    /// The chunk's distinct values, by its own codes.
    Values(Vec<&'a [u8]>),
    /// Unmatched ids: how many, and the first few with their chunk rows.
    Unmatched(usize, Vec<(usize, &'a [u8])>),
}

impl<'a, 'i, 'o> Builder<'a, 'i, 'o> {
    fn new(kind: Kind<'i>, stretch: Stretch<'o>) -> Self {
        match (kind, stretch) {
            (Kind::Id, Stretch::Integers(slice)) => Self::Integers(Out { slice, len: 0 }),
            (Kind::Number, Stretch::Numbers(slice)) => Self::Numbers(Out { slice, len: 0 }),
            (Kind::Category, Stretch::Codes(slice)) => {
                Self::Categories { codes: Out { slice, len: 0 }, values: Interner::default() }
            }
            (Kind::Lookup(index), Stretch::Codes(slice)) => {
                Self::Matches { index, rows: Out { slice, len: 0 }, unmatched: 0, first: Vec::new() }
            }
            _ => unreachable!("storage is allocated for its kind"),
        }
    }

    /// Adds the cell of chunk row `row`; `id` is the row's id cell, named in messages.
    #[inline]
    fn push(&mut self, cell: &'a [u8], row: usize, id: &[u8]) -> Result<(), Refusal> {
        let cell = cell.trim_ascii();
        match self {
            Self::Integers(out) => out.push(canonical_integer(cell).ok_or(Refusal::TextId)?),
            Self::Numbers(out) => out.push(match plain_decimal(cell) {
                Some(value) => value,
                None => finite_number(cell, id)?,
            }),
            Self::Categories { codes, values } => codes.push(values.intern(cell)),
            Self::Matches { index, rows, unmatched, first } => rows.push(index.find(cell).unwrap_or_else(|| {
                *unmatched += 1;
                if first.len() < KEEP_UNMATCHED {
                    first.push((row, cell));
                }
                UNMATCHED
            })),
        }
        Ok(())
    }

    /// Forgets everything pushed after the first `rows` rows.
    fn truncate(&mut self, rows: usize) {
        match self {
            Self::Integers(out) => out.len = rows,
            Self::Numbers(out) => out.len = rows,
            Self::Categories { codes: out, .. } | Self::Matches { rows: out, .. } => out.len = rows,
        }
    }

    fn tally(self) -> Tally<'a> {
        match self {
            Self::Integers(_) | Self::Numbers(_) => Tally::Nothing,
            Self::Categories { values, .. } => Tally::Values(values.values),
            Self::Matches { unmatched, first, .. } => Tally::Unmatched(unmatched, first),
        }
    }
}

/// A canonical non-negative decimal integer (no sign, no leading zero, at most 19 digits).
#[inline]
pub fn canonical_integer(bytes: &[u8]) -> Option<u64> {
    // Not `scan_integer` on the whole cell: this runs once per prediction id in the lookup, and
    // checking the length first is measurably faster there.
    if bytes.is_empty() || bytes.len() > 19 || (bytes.len() > 1 && bytes[0] == b'0') {
        return None;
    }
    bytes.iter().try_fold(0u64, |value, &b| b.is_ascii_digit().then(|| value * 10 + u64::from(b - b'0')))
}

/// A finite number, parsed exactly as `str::parse::<f64>` does (the path for what
/// [`plain_decimal`] leaves: exponents, long mantissas, and errors).
#[cold]
fn finite_number(cell: &[u8], id: &[u8]) -> Result<f64, Refusal> {
    let text = String::from_utf8_lossy(cell);
    let (zh, en) = match text.parse::<f64>() {
        Ok(v) if v.is_finite() => return Ok(v),
        _ if text.is_empty() => ("为空".to_owned(), "is empty".to_owned()),
        Ok(_) => (format!("「{text}」不是有限数"), format!("is '{text}', not finite")),
        Err(_) => (format!("「{text}」不是数字"), format!("is '{text}', not a number")),
    };
    let id = String::from_utf8_lossy(id.trim_ascii());
    Err(Refusal::Message(format!("id「{id}」的值{zh} / the value for id '{id}' {en}")))
}

/// `[-+]digits[.digits]` with at most 19 significant digits whose integer value `m` is below
/// 2^53 and at most 22 decimals: then `m / 10^k` is one correctly rounded division of two exact
/// doubles (Clinger's fast path), the value the full algorithm finds. Anything else: `None`.
#[inline]
fn plain_decimal(cell: &[u8]) -> Option<f64> {
    scan_decimal(cell, 0, cell.len()).filter(|&(_, stop)| stop == cell.len()).map(|(value, _)| value)
}

/// Reads a [`plain_decimal`] from `bytes[start..end]` up to the first byte that cannot continue
/// it; returns the value and where it stopped.
#[inline]
fn scan_decimal(bytes: &[u8], start: usize, end: usize) -> Option<(f64, usize)> {
    const POWERS: [f64; 23] = [
        1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19,
        1e20, 1e21, 1e22,
    ];
    let mut i = start;
    let negative = i < end && bytes[i] == b'-';
    if i < end && (bytes[i] == b'-' || bytes[i] == b'+') {
        i += 1;
    }
    let (mut mantissa, mut digits, mut decimals, mut seen_point) = (0u64, 0usize, 0usize, false);
    while i < end {
        match bytes[i] {
            b @ b'0'..=b'9' => {
                mantissa = mantissa.wrapping_mul(10).wrapping_add(u64::from(b - b'0'));
                digits += 1;
                decimals += usize::from(seen_point);
            }
            b'.' if !seen_point => seen_point = true,
            _ => break,
        }
        i += 1;
    }
    // At most 15 digits cannot have wrapped; longer mantissas go to the full parser.
    if digits == 0 || digits > 15 || mantissa >= 1 << 53 || decimals >= POWERS.len() {
        return None;
    }
    let value = mantissa as f64 / POWERS[decimals];
    Some((if negative { -value } else { value }, i))
}

/// Reads a [`canonical_integer`] from `bytes[start..end]` up to the first non-digit; returns
/// the value and where it stopped.
#[inline]
fn scan_integer(bytes: &[u8], start: usize, end: usize) -> Option<(u64, usize)> {
    let mut i = start;
    let mut value = 0u64;
    while i < end && bytes[i].is_ascii_digit() {
        value = value.wrapping_mul(10).wrapping_add(u64::from(bytes[i] - b'0'));
        i += 1;
    }
    let n = i - start;
    (n > 0 && n <= 19 && (n == 1 || bytes[start] != b'0')).then_some((value, i))
}

/// Where the cell starting at `start` ends: the next delimiter, newline or `end`.
#[inline]
fn scan_cell(bytes: &[u8], mut i: usize, end: usize, delimiter: u8) -> usize {
    while i < end && bytes[i] != delimiter && bytes[i] != b'\n' {
        i += 1;
    }
    i
}

/// Distinct byte strings in order of first appearance. One-byte values (the usual `0`/`1`
/// labels) are found by a table, a few longer ones by a linear scan, many (text ids) through a
/// hash map.
struct Interner<'a> {
    values: Vec<&'a [u8]>,
    map: HashMap<&'a [u8], u32>,
    /// The code of each one-byte value seen, [`UNMATCHED`] for the others.
    single: Box<[u32; 256]>,
}

impl Default for Interner<'_> {
    fn default() -> Self {
        Self { values: Vec::new(), map: HashMap::new(), single: Box::new([UNMATCHED; 256]) }
    }
}

/// Up to this many distinct values a linear scan beats hashing.
const LINEAR: usize = 8;

impl<'a> Interner<'a> {
    #[inline]
    fn intern(&mut self, value: &'a [u8]) -> u32 {
        if let [byte] = value
            && self.single[usize::from(*byte)] != UNMATCHED
        {
            return self.single[usize::from(*byte)];
        }
        let found = if self.values.len() <= LINEAR {
            // Labels are a few bytes long: comparing bytes inline beats calling memcmp.
            let same = |v: &&[u8]| v.len() == value.len() && v.iter().zip(value).all(|(a, b)| a == b);
            self.values.iter().position(same).map(|i| i as u32)
        } else {
            self.map.get(value).copied()
        };
        found.unwrap_or_else(|| {
            let code = self.values.len() as u32;
            self.values.push(value);
            self.map.insert(value, code);
            if let [byte] = value {
                self.single[usize::from(*byte)] = code;
            }
            code
        })
    }

    fn finish(self) -> (String, Vec<u32>) {
        let mut text = String::new();
        let mut ends = Vec::with_capacity(self.values.len());
        for value in &self.values {
            // Cells are cut from valid UTF-8 at ASCII bytes, so each is valid UTF-8.
            text.push_str(&String::from_utf8_lossy(value));
            ends.push(text.len() as u32);
        }
        (text, ends)
    }
}

/// The rows of one chunk of a file, being typed.
struct Chunk<'a, 'i, 'o> {
    builders: Vec<Builder<'a, 'i, 'o>>,
    rows: usize,
    /// Lines consumed (data and blank).
    lines: u64,
    /// For each blank line, the chunk rows before it.
    blanks: Vec<u64>,
}

/// Why a chunk stopped early.
enum Stop {
    /// A row error: its line counted from the chunk's start (1-based), column and message.
    Fault { line: u64, column: Option<String>, message: String },
    /// Selected column `.0` is an id column with text ids.
    TextIds(usize),
}

impl<'a, 'i> Chunk<'a, 'i, '_> {
    /// Takes one data row given as the byte ranges of its fields within `base`.
    #[inline]
    fn row(&mut self, plan: &Plan<'i>, base: &'a [u8], cells: &[(usize, usize)]) -> Result<(), Stop> {
        if cells.len() != plan.width {
            let (n, width) = (cells.len(), plan.width);
            return Err(Stop::Fault {
                line: self.lines,
                column: None,
                message: format!("有 {n} 个字段，表头有 {width} 列 / has {n} fields but the header has {width}"),
            });
        }
        let (id_start, id_end) = cells[plan.fields[0]];
        let id = &base[id_start..id_end];
        for (slot, builder) in self.builders.iter_mut().enumerate() {
            let (start, end) = cells[plan.fields[slot]];
            if let Err(refusal) = builder.push(&base[start..end], self.rows, id) {
                return Err(match refusal {
                    Refusal::TextId => Stop::TextIds(slot),
                    Refusal::Message(message) => {
                        Stop::Fault { line: self.lines, column: Some(plan.names[slot].clone()), message }
                    }
                });
            }
        }
        self.rows += 1;
        Ok(())
    }

    /// The fast path for one row starting at `start`: each cell typed in the same pass that
    /// finds its end. Returns where the next row starts, or `None` when the row needs the general
    /// path (unusual numbers, spaces, unknown ids, errors); the caller then forgets what this
    /// row pushed.
    #[inline]
    fn fused_row(
        &mut self,
        plan: &Plan<'i>,
        bytes: &'a [u8],
        start: usize,
        end: usize,
        delimiter: u8,
    ) -> Option<usize> {
        let mut i = start;
        for field in 0..plan.width {
            match plan.slots[field] {
                UNSELECTED => i = scan_cell(bytes, i, end, delimiter),
                slot => match &mut self.builders[slot] {
                    Builder::Integers(out) => {
                        let (value, stop) = scan_integer(bytes, i, end)?;
                        out.push(value);
                        i = stop;
                    }
                    Builder::Numbers(out) => {
                        let (value, stop) = scan_decimal(bytes, i, end)?;
                        out.push(value);
                        i = stop;
                    }
                    Builder::Categories { codes, values } => {
                        let stop = scan_cell(bytes, i, end, delimiter);
                        codes.push(values.intern(bytes[i..stop].trim_ascii()));
                        i = stop;
                    }
                    Builder::Matches { index, rows, .. } => {
                        let by_number =
                            scan_integer(bytes, i, end).and_then(|(id, stop)| Some((index.find_integer(id)?, stop)));
                        let (row, stop) = match by_number {
                            Some(found) => found,
                            None => {
                                let stop = scan_cell(bytes, i, end, delimiter);
                                (index.find(bytes[i..stop].trim_ascii())?, stop)
                            }
                        };
                        rows.push(row);
                        i = stop;
                    }
                },
            }
            if field + 1 < plan.width {
                if i >= end || bytes[i] != delimiter {
                    return None;
                }
                i += 1;
            }
        }
        match bytes.get(i) {
            _ if i == end => Some(end),
            Some(b'\n') => Some(i + 1),
            Some(b'\r') if bytes.get(i + 1) == Some(&b'\n') && i + 1 < end => Some(i + 2),
            _ => None,
        }
    }
}

/// What is left of a chunk once its values are written.
struct Summary<'a> {
    tallies: Vec<Tally<'a>>,
    rows: usize,
    lines: u64,
    blanks: Vec<u64>,
    stop: Option<Stop>,
}

/// Whether a line holds nothing but spaces and tabs (skipped, as pandas skips blank lines).
fn is_blank(line: &[u8]) -> bool {
    line.iter().all(|b| matches!(b, b' ' | b'\t' | b'\r'))
}

/// The fast path: no quotes anywhere, so every newline ends a row and every delimiter ends a
/// cell. The body is cut at line ends into chunks that all cores parse, each into its own
/// stretch of the file-wide columns.
fn parse_plain<'i>(
    file: &str,
    bytes: &[u8],
    layout: &Layout,
    delimiter: u8,
    plan: &Plan<'i>,
) -> Result<Pass, EvalError> {
    fill(
        file,
        plan,
        &layout.lines,
        |i, chunk| parse_chunk(bytes, layout.chunks[i], delimiter, plan, chunk),
        |blanks| Lines::Plain { blanks },
    )
}

/// Parses the lines in `bytes[start..end]` into `chunk`.
fn parse_chunk<'a, 'i>(
    bytes: &'a [u8],
    (start, end): (usize, usize),
    delimiter: u8,
    plan: &Plan<'i>,
    chunk: &mut Chunk<'a, 'i, '_>,
) -> Result<(), Stop> {
    let mut cells: Vec<(usize, usize)> = Vec::with_capacity(plan.width);
    let mut position = start;
    while position < end {
        chunk.lines += 1;
        if !matches!(bytes[position], b' ' | b'\t' | b'\r' | b'\n') {
            if let Some(next) = chunk.fused_row(plan, bytes, position, end, delimiter) {
                chunk.rows += 1;
                position = next;
                continue;
            }
            for builder in &mut chunk.builders {
                builder.truncate(chunk.rows);
            }
        }
        let first = position;
        let line_end = memchr::memchr(b'\n', &bytes[first..end]).map_or(end, |i| first + i);
        position = line_end + 1;
        let line = trim_cr(&bytes[first..line_end]);
        if is_blank(line) {
            chunk.blanks.push(chunk.rows as u64);
            continue;
        }
        cells.clear();
        let mut cell_start = first;
        for (i, &b) in line.iter().enumerate() {
            if b == delimiter {
                cells.push((cell_start, first + i));
                cell_start = first + i + 1;
            }
        }
        cells.push((cell_start, first + line.len()));
        chunk.row(plan, bytes, &cells)?;
    }
    Ok(())
}

/// The cores this process may use.
pub(crate) fn cores() -> usize {
    std::thread::available_parallelism().map_or(1, |n| n.get())
}

/// Runs `work(0..n)` on every core, each index once; results come back in index order.
pub(crate) fn in_parallel<T: Send>(n: usize, work: impl Fn(usize) -> T + Sync) -> Vec<T> {
    let threads = cores().min(n);
    if threads <= 1 {
        return (0..n).map(work).collect();
    }
    let next = AtomicUsize::new(0);
    let results: Vec<Mutex<Option<T>>> = (0..n).map(|_| Mutex::new(None)).collect();
    std::thread::scope(|scope| {
        for _ in 0..threads {
            scope.spawn(|| {
                loop {
                    let i = next.fetch_add(1, Ordering::Relaxed);
                    if i >= n {
                        break;
                    }
                    let result = work(i);
                    if let Ok(mut slot) = results[i].lock() {
                        *slot = Some(result);
                    }
                }
            });
        }
    });
    results.into_iter().filter_map(|slot| slot.into_inner().ok().flatten()).collect()
}

/// Types chunks `0..capacities.len()` in parallel, chunk `i` holding at most `capacities[i]`
/// rows, then joins them in file order into a table; the first fault in file order wins.
fn fill<'a, 'i>(
    file: &str,
    plan: &Plan<'i>,
    capacities: &[usize],
    parse: impl for<'o> Fn(usize, &mut Chunk<'a, 'i, 'o>) -> Result<(), Stop> + Sync,
    lines_of: impl FnOnce(Vec<u64>) -> Lines,
) -> Result<Pass, EvalError> {
    let capacity: usize = capacities.iter().sum();
    let mut storage: Vec<Storage> = plan.kinds.iter().map(|&kind| Storage::new(kind, capacity)).collect();
    let summaries = {
        let mut stretches: Vec<std::vec::IntoIter<Stretch<'_>>> =
            storage.iter_mut().map(|s| s.split(capacities).into_iter()).collect();
        let chunks: Vec<Mutex<Option<Chunk<'a, 'i, '_>>>> = capacities
            .iter()
            .map(|_| {
                let builders = plan
                    .kinds
                    .iter()
                    .zip(stretches.iter_mut())
                    .map(|(&kind, column)| Builder::new(kind, column.next().unwrap_or(Stretch::Codes(&mut []))))
                    .collect();
                Mutex::new(Some(Chunk { builders, rows: 0, lines: 0, blanks: Vec::new() }))
            })
            .collect();
        in_parallel(chunks.len(), |i| {
            let mut chunk = chunks[i].lock().ok().and_then(|mut c| c.take())?;
            let stop = parse(i, &mut chunk).err();
            Some(Summary {
                tallies: chunk.builders.into_iter().map(Builder::tally).collect(),
                rows: chunk.rows,
                lines: chunk.lines,
                blanks: chunk.blanks,
                stop,
            })
        })
    };
    let (mut line, mut rows, mut blanks) = (1, 0, Vec::new());
    let mut placed = Vec::with_capacity(summaries.len());
    let mut start = 0;
    for (summary, capacity) in summaries.iter().flatten().zip(capacities) {
        match &summary.stop {
            Some(Stop::TextIds(column)) => return Ok(Pass::TextIds(*column)),
            Some(Stop::Fault { line: at, column, message }) => {
                return Err(EvalError::Row {
                    file: file.to_owned(),
                    line: line + at,
                    column: column.clone(),
                    message: message.clone(),
                });
            }
            None => {}
        }
        blanks.extend(summary.blanks.iter().map(|&b| b + rows as u64));
        placed.push((start, summary.rows));
        start += capacity;
        rows += summary.rows;
        line += summary.lines;
    }
    if rows < capacity {
        for column in &mut storage {
            column.compact(&placed, rows);
        }
    }
    let columns =
        storage.into_iter().enumerate().map(|(slot, column)| finish(column, slot, plan, &summaries, &placed)).collect();
    Ok(Pass::Done(Table { file: file.to_owned(), names: plan.names.clone(), columns, rows, lines: lines_of(blanks) }))
}

/// Turns a filled column and the chunks' tallies into the table's column.
fn finish(
    column: Storage,
    slot: usize,
    plan: &Plan<'_>,
    summaries: &[Option<Summary<'_>>],
    placed: &[(usize, usize)],
) -> Column {
    let tallies = summaries.iter().flatten().map(|s| &s.tallies[slot]);
    match column {
        Storage::Integers(v) => Column::Integers(v),
        Storage::Numbers(v) => Column::Numbers(v),
        Storage::Codes(mut codes) => {
            let mut to = 0;
            let mut interner = Interner::default();
            let mut matches = Matches::default();
            for (tally, &(_, rows)) in tallies.zip(placed) {
                match tally {
                    Tally::Values(values) => {
                        // Chunk codes follow the chunk's first appearances; map them onto the file's.
                        let remap: Vec<u32> = values.iter().map(|v| interner.intern(v)).collect();
                        if remap.iter().enumerate().any(|(i, &c)| c != i as u32) {
                            for code in &mut codes[to..to + rows] {
                                *code = remap[*code as usize];
                            }
                        }
                    }
                    Tally::Unmatched(count, first) => {
                        matches.unmatched += count;
                        let room = KEEP_UNMATCHED - matches.first_unmatched.len();
                        matches.first_unmatched.extend(
                            first.iter().take(room).map(|(row, id)| (row + to, String::from_utf8_lossy(id).into())),
                        );
                    }
                    Tally::Nothing => {}
                }
                to += rows;
            }
            if let Kind::Lookup(_) = plan.kinds[slot] {
                matches.rows = codes;
                Column::Matches(matches)
            } else {
                let (text, ends) = interner.finish();
                Column::Categories(Categories { text, ends, codes })
            }
        }
    }
}

/// Rows already cut into cells (quoted CSV, Parquet): `rows[r]` are the cell ranges of row `r`
/// within `buffer`, found on line `lines[r]`.
fn parse_listed<'a, 'i>(
    file: &str,
    buffer: &'a [u8],
    rows: &[Vec<(usize, usize)>],
    lines: &[u64],
    plan: &Plan<'i>,
) -> Result<Pass, EvalError> {
    let parse = |_: usize, chunk: &mut Chunk<'a, 'i, '_>| {
        for (cells, &line) in rows.iter().zip(lines) {
            // A fault is reported at the chunk's line count plus one: the row's own line.
            chunk.lines = line - 1;
            chunk.row(plan, buffer, cells)?;
        }
        Ok(())
    };
    fill(file, plan, &[rows.len()], parse, |_| Lines::Listed(lines.to_vec()))
}

/// The cells of a file with quotes, cut by the `csv` crate: the header, one buffer holding every
/// cell, each row's cell ranges, and each row's line. Blank lines are skipped.
type CutCells = (Vec<String>, Vec<u8>, RowCells, Vec<u64>);

/// Each row's cell ranges within a buffer.
type RowCells = Vec<Vec<(usize, usize)>>;

fn quoted_cells(file: &str, input: &[u8], delimiter: u8) -> Result<CutCells, EvalError> {
    let mut reader =
        csv::ReaderBuilder::new().has_headers(false).flexible(true).delimiter(delimiter).from_reader(input);
    let mut records = reader.byte_records();
    let row_error = |line: u64, message: String| EvalError::Row { file: file.to_owned(), line, column: None, message };
    let header = match records.next() {
        Some(Ok(record)) => record,
        Some(Err(e)) => return Err(row_error(1, e.to_string())),
        None => {
            return Err(EvalError::File {
                file: file.to_owned(), message: "文件是空的 / the file is empty".into()
            });
        }
    };
    let names: Vec<String> = header.iter().map(|h| String::from_utf8_lossy(h).trim().to_owned()).collect();
    let (mut buffer, mut rows, mut lines) = (Vec::with_capacity(input.len()), Vec::new(), Vec::new());
    for record in records {
        let record = record.map_err(|e| row_error(e.position().map_or(0, |p| p.line()), e.to_string()))?;
        if record.iter().all(|f| f.iter().all(u8::is_ascii_whitespace)) {
            continue;
        }
        let mut cells = Vec::with_capacity(record.len());
        for field in record.iter() {
            let start = buffer.len();
            buffer.extend_from_slice(field);
            cells.push((start, buffer.len()));
        }
        rows.push(cells);
        lines.push(record.position().map_or(0, |p| p.line()));
    }
    Ok((names, buffer, rows, lines))
}

/// The cells of a Parquet file, every column cast to text (see `parquet.rs`); a null is an
/// empty cell.
#[cfg(feature = "parquet")]
fn parquet_cells(file: &str, bytes: &[u8]) -> Result<(Vec<String>, Vec<u8>, RowCells), EvalError> {
    let (names, columns) = crate::parquet::read(file, bytes)?;
    let row_count = columns.first().map_or(0, Vec::len);
    let mut buffer = Vec::new();
    let mut rows = vec![Vec::with_capacity(columns.len()); row_count];
    for column in columns {
        for (row, value) in column.into_iter().enumerate() {
            let start = buffer.len();
            buffer.extend_from_slice(value.unwrap_or_default().as_bytes());
            rows[row].push((start, buffer.len()));
        }
    }
    Ok((names, buffer, rows))
}

#[cfg(not(feature = "parquet"))]
fn parquet_cells(file: &str, _bytes: &[u8]) -> Result<(Vec<String>, Vec<u8>, RowCells), EvalError> {
    Err(EvalError::File {
        file: file.to_owned(),
        message: "这是 Parquet 文件，但本程序构建时未启用 parquet 功能 / this is a Parquet file, but this build has no Parquet support (build with --features parquet)".into(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(text: &[u8], wanted: &[(&str, Kind<'static>)]) -> Result<Table, EvalError> {
        read_table(Source { name: "t.csv", bytes: text }, u64::MAX, |_| {
            wanted.iter().map(|(name, kind)| ((*name).to_owned(), *kind)).collect()
        })
    }

    fn text_of(table: &Table, column: usize) -> Vec<String> {
        (0..table.rows()).map(|r| table.text(column, r).into_owned()).collect()
    }

    #[test]
    fn plain_and_quoted_files_read_the_same_cells_in_any_column_order() {
        let wanted = [("id", Kind::Category), ("score", Kind::Number)];
        let plain = read(b"score,id,extra\r\n0.5,a,x\r\n1e-3,b,y\r\n\r\n", &wanted).unwrap();
        let quoted = read(b"\"score\",id,extra\n\"0.5\",a,\"x,1\"\n1e-3,\"b\",y\n", &wanted).unwrap();
        for t in [&plain, &quoted] {
            assert_eq!(t.columns[1], Column::Numbers(vec![0.5, 1e-3]));
            assert_eq!(text_of(t, 0), ["a", "b"]);
        }
    }

    #[test]
    fn integer_ids_stay_integers_and_any_other_id_makes_the_column_text() {
        let ids = read(b"id\n7\n0\n12\n", &[("id", Kind::Id)]).unwrap();
        assert_eq!(ids.columns[0], Column::Integers(vec![7, 0, 12]));
        let text = read(b"id\n7\n007\n-1\n", &[("id", Kind::Id)]).unwrap();
        assert_eq!(text_of(&text, 0), ["7", "007", "-1"]);
        assert!(matches!(text.columns[0], Column::Categories(_)));
    }

    #[test]
    fn the_fast_number_path_agrees_with_the_standard_parser() {
        for text in ["0.968669", "-0.0", "+12.5", "1.", ".5", "9007199254740991", "0.1", "123456.789012345678"] {
            let standard: f64 = text.parse().unwrap();
            let fast = plain_decimal(text.as_bytes()).map(f64::to_bits);
            assert_eq!(
                fast.or(finite_number(text.as_bytes(), b"1").ok().map(f64::to_bits)),
                Some(standard.to_bits()),
                "{text}"
            );
        }
        for text in ["9007199254740993", "1e5", "12345678901234567890.5"] {
            assert_eq!(plain_decimal(text.as_bytes()), None, "{text} leaves the fast path");
        }
        assert!(plain_decimal(b".").is_none() && plain_decimal(b"1.2.3").is_none());
    }

    #[test]
    fn blank_lines_keep_line_numbers_true() {
        let t = read(b"id,v\n1,2\n\n \n3,4\n", &[("id", Kind::Id)]).unwrap();
        assert_eq!((t.rows(), t.line(0), t.line(1)), (2, 2, 5));
    }

    #[test]
    fn chunks_join_in_order_with_lines_and_codes_of_the_whole_file() {
        let mut text = b"id,label,score\n".to_vec();
        let rows = 1_000_000;
        for i in 0..rows {
            text.extend_from_slice(format!("{i},{},{}\n", ["b", "a", "c"][i % 3], i % 10).as_bytes());
            if i == 400_000 {
                text.extend_from_slice(b"\n");
            }
        }
        let t = read(&text, &[("id", Kind::Id), ("label", Kind::Category), ("score", Kind::Number)]).unwrap();
        assert!(text.len() > 8 << 20, "several chunks");
        assert_eq!(t.rows(), rows);
        assert_eq!(t.columns[0], Column::Integers((0..rows as u64).collect()));
        let Column::Categories(labels) = &t.columns[1] else { panic!("labels are categories") };
        assert_eq!(labels.values().collect::<Vec<_>>(), ["b", "a", "c"]);
        assert_eq!(
            (labels.of_row(rows - 1), t.line(400_000), t.line(400_001)),
            (["b", "a", "c"][(rows - 1) % 3], 400_002, 400_004)
        );
        let mut broken = text.clone();
        broken.extend_from_slice(b"1000000,a,x\n");
        let message = read(&broken, &[("id", Kind::Id), ("score", Kind::Number)]).unwrap_err().to_string();
        assert!(message.contains(&format!("line {}", rows + 3)) && message.contains("id '1000000'"), "{message}");
    }

    #[test]
    fn tab_separated_bom_and_gbk_files_are_read() {
        let t = read(b"\xEF\xBB\xBFid\tlabel\n1\tx\n", &[("label", Kind::Category)]).unwrap();
        assert_eq!(text_of(&t, 0), ["x"]);
        let (gbk, _, _) = encoding_rs::GBK.encode("id,label\n1,内圈故障\n2,正常\n");
        assert_eq!(text_of(&read(&gbk, &[("label", Kind::Category)]).unwrap(), 0), ["内圈故障", "正常"]);
    }

    #[test]
    fn every_kind_of_broken_file_is_named() {
        let message = |r: Result<Table, EvalError>| r.unwrap_err().to_string();
        let id = [("id", Kind::Id)];
        assert!(message(read(b"", &id)).contains("empty"));
        assert!(message(read(b"id,label\n\n", &id)).contains("no rows"));
        assert!(message(read(b"id,lable\n1,2\n", &[("label", Kind::Category)])).contains("「lable」"));
        assert!(message(read(b"id,v\n1,2\n3\n", &id)).contains("line 3"));
        assert!(message(read(&[0x00, 0x9f, 0x92, 0x96, 0x00], &id)).contains("binary"));
        let limited = read_table(Source { name: "big.csv", bytes: b"id\n1\n" }, 3, |_| vec![("id".into(), Kind::Id)]);
        assert!(message(limited).contains("limit"));
    }
}
