//! Inflating one gzip member on several threads.
//!
//! A CT arrives as one gzip stream, and inflating it (about 40 ms for a 512×512×60 int16
//! volume) used to be the one step of an extraction no second core could help with. Deflate
//! blocks carry no index, so a part of the stream that starts in the middle is found and
//! decoded speculatively:
//!
//! 1. For every part after the first, scan forward from its nominal start for a bit position
//!    where a dynamic-Huffman block header is valid and the whole block decodes.
//! 2. The first part is inflated by libdeflate from the stream's start, its input cut at the
//!    next part's block (libdeflate then stops with an error; its length is what the later
//!    parts leave).
//! 3. Every other part does not know the 32 KiB before it. It decodes its first blocks here,
//!    writing a back-reference into that unknown window as a marker of the window position,
//!    until its last 32 KiB of output hold no marker. From that block on, libdeflate inflates
//!    the rest: the known 32 KiB are handed to it as the literals of a fixed-Huffman block put
//!    in front of the part's remaining bits, sized so that those bits keep their alignment.
//! 4. The parts are put in place, markers are replaced by the bytes of the part before, and
//!    the CRC-32 and size of the whole member must equal its trailer.
//!
//! Anything unexpected (no block found, a part not ending where the next begins, a size or CRC
//! that does not add up) returns `false`, and the caller inflates the stream on one thread as
//! before. So the result is either exactly libdeflate's output or not used.
//!
//! On the benchmark's 512×512×60 CTs, two threads inflate in about 28 ms instead of 44. The
//! markers live on for megabytes there (the high byte of an air voxel is a copy of a copy of
//! one in the unknown window): the second part decodes 3–7 MB of its 14 MB that way, so that
//! decoder's speed decides the split.

use rayon::prelude::*;

/// Deflate's largest back-reference distance: what a part needs from the part before.
const WINDOW: usize = 32 * 1024;
/// A decoded value of at least this is a marker of the unknown window byte `value - MARKER`.
const MARKER: u16 = 0x8000;
// A marker's window position is its low 15 bits, always inside the window.
const _: () = assert!(MARKER as usize == WINDOW);
/// Compressed bytes per part below which another thread does not pay for its setup (finding a
/// block, the marker phase, copies: a few milliseconds).
const MIN_PART: usize = 2 << 20;
/// How far past a part's nominal start a block is looked for. Encoders that write dynamic
/// blocks at all start one every 16K symbols (zlib) or 300 KB of output (libdeflate); a stream
/// with none there (fixed-Huffman or stored blocks only) is not split, and the search, at about
/// 6 ns a bit position, must not cost more than splitting could save.
const MAX_SEARCH: usize = 256 << 10;
/// The first part's length relative to each later part's (see [`gunzip_in_parts`]). Whole
/// 2-thread runs on the 15/30/50 mm benchmark lesions, medians of 11 alternating: 53.6/66.3/
/// 107.5 ms with 1.3, 57–63/69–74/110–117 ms with 1.0, 1.15, 1.45 or 1.6.
const HEAD_SHARE: f64 = 1.3;

/// Inflate the gzip member `compressed` into `out` (exactly its size) on the worker threads;
/// false when the stream is too small to split or does not decode as expected (see the module
/// documentation), `out` then holding anything.
pub(super) fn gunzip(compressed: &[u8], out: &mut [u8]) -> bool {
    // The header and trailer are a few bytes of the megabytes counted here; the header is
    // parsed once, in `gunzip_in_parts`.
    let parts = rayon::current_num_threads().min(compressed.len() / MIN_PART);
    parts >= 2 && gunzip_in_parts(compressed, out, parts)
}

/// [`gunzip`] with a given number of parts, whatever the stream's size.
fn gunzip_in_parts(compressed: &[u8], out: &mut [u8], parts: usize) -> bool {
    let Some(body) = deflate_body(compressed) else {
        return false;
    };
    let n = compressed.len();
    let trailer = |at: usize| {
        u32::from_le_bytes([
            compressed[at],
            compressed[at + 1],
            compressed[at + 2],
            compressed[at + 3],
        ])
    };
    let (crc, size) = (trailer(n - 8), trailer(n - 4));
    if size as usize != out.len() {
        return false;
    }

    // Where each later part starts: the first block found after its nominal start. A later
    // part costs more per compressed byte while it decodes markers (its own decoder writes
    // 16-bit values, about 1.5 times libdeflate's time), so the first part is made longer.
    let len = body.len() as f64;
    let share = |i: usize| HEAD_SHARE + (i - 1) as f64;
    let nominal = |i: usize| (len * share(i) / share(parts)) as usize;
    // zlib-ng's and zlib-rs's fastest level writes fixed-Huffman blocks only: nothing to find.
    if peek(body, 0, 3) & 0b110 != 0b100 {
        return false;
    }
    let found: Vec<Option<MarkerInflater>> = (1..parts)
        .into_par_iter()
        .map(|i| find_block(body, nominal(i), nominal(i + 1).min(nominal(i) + MAX_SEARCH), out.len()))
        .collect();
    let mut tails: Vec<MarkerInflater> = found.into_iter().flatten().collect();
    if tails.is_empty() {
        return false;
    }
    let starts: Vec<usize> = tails.iter().map(|t| t.start).collect();
    let ends: Vec<Option<usize>> = starts[1..].iter().map(|&s| Some(s)).chain([None]).collect();
    // Map the pages each later part will surely write now, on all the threads, as the caller
    // did for `out`: in a part's own decode they would add to the longest thread's time.
    for (tail, &end) in tails.iter_mut().zip(&ends) {
        tail.reserve(end);
    }

    let ((), decoded) = rayon::join(
        || inflate_head(body, starts[0], out),
        || {
            tails
                .par_iter_mut()
                .zip(ends.par_iter())
                .map(|(tail, &end)| tail.finish(end))
                .collect::<Vec<Option<Tail>>>()
        },
    );
    let Some(decoded) = decoded.into_iter().collect::<Option<Vec<Tail>>>() else {
        return false;
    };
    // The first part is what the others leave; its bytes are checked with the rest.
    let Some(head_len) = decoded.iter().try_fold(out.len(), |left, t| left.checked_sub(t.len())) else {
        return false;
    };
    assemble(out, head_len, &decoded).is_some() && crc32_parallel(out) == crc
}

/// The deflate data of a gzip member: after its header, before the 8-byte trailer at the end
/// of `compressed` (a stream of several members fails the final check).
fn deflate_body(compressed: &[u8]) -> Option<&[u8]> {
    const FHCRC: u8 = 2;
    const FEXTRA: u8 = 4;
    const FNAME: u8 = 8;
    const FCOMMENT: u8 = 16;
    if compressed.len() < 18 || compressed[..3] != [0x1f, 0x8b, 8] {
        return None;
    }
    let flags = compressed[3];
    let mut at = 10;
    if flags & FEXTRA != 0 {
        let extra = u16::from_le_bytes([*compressed.get(at)?, *compressed.get(at + 1)?]) as usize;
        at += 2 + extra;
    }
    for flag in [FNAME, FCOMMENT] {
        if flags & flag != 0 {
            at += compressed.get(at..)?.iter().position(|&b| b == 0)? + 1;
        }
    }
    if flags & FHCRC != 0 {
        at += 2;
    }
    compressed.get(at..compressed.len().checked_sub(8)?)
}

/// Inflate the first part (from the stream's start to the block at bit `end`) into `out` with
/// libdeflate, straight from the stream's bytes. libdeflate decodes every block before `end`
/// into place, then fails (or decodes a few bytes of nonsense past the part) on the next
/// part's block header, which the input cuts short; what it wrote past the part is overwritten
/// by the later parts. So its result says nothing: the part's length is what the later parts
/// leave, and its bytes are checked with the whole stream's CRC-32.
fn inflate_head(body: &[u8], end: usize, out: &mut [u8]) {
    let _ = libdeflater::Decompressor::new().deflate_decompress(&body[..end.div_ceil(8)], out);
}

/// Cut `input` at bit `at` with an empty final fixed-Huffman block (BFINAL 1, BTYPE 01, the
/// 7-bit end-of-block code 0), so that a decoder stops there.
fn end_with_final_block(input: &mut Vec<u8>, at: usize) {
    input.truncate(at.div_ceil(8));
    input.resize((at + 10).div_ceil(8), 0);
    input[at / 8] &= (1u8 << (at % 8)) - 1;
    for bit in [at, at + 1] {
        input[bit / 8] |= 1 << (bit % 8);
    }
}

/// A later part, decoded: the values of its marker phase, `values[..markers]`, then what
/// libdeflate inflated from where its window became known, the bytes `inflated` of the rest of
/// `values` (the same pages: no second buffer to map).
struct Tail {
    values: Vec<u16>,
    markers: usize,
    inflated: std::ops::Range<usize>,
}

impl Tail {
    fn len(&self) -> usize {
        self.markers + self.inflated.len()
    }

    fn inflated(&self) -> &[u8] {
        &bytemuck::cast_slice(&self.values[self.markers..])[self.inflated.clone()]
    }
}

/// Put the parts in place after the first (`head_len` bytes, already in `out`) and replace
/// every marker by the byte it stands for.
fn assemble(out: &mut [u8], head_len: usize, tails: &[Tail]) -> Option<()> {
    let mut offsets = Vec::with_capacity(tails.len());
    let mut at = head_len;
    for t in tails {
        offsets.push(at);
        at = at.checked_add(t.len())?;
    }
    if at != out.len() {
        return None;
    }
    // The inflated bytes first (each part's own range, side by side), then the markers in
    // order: a part's window is the end of the part before, final by then.
    let mut ranges = Vec::with_capacity(tails.len());
    let mut rest = &mut out[head_len..];
    for t in tails {
        let (mine, after) = rest.split_at_mut(t.len());
        ranges.push(mine.split_at_mut(t.markers).1);
        rest = after;
    }
    const PIECE: usize = 1 << 20;
    for (dst, t) in ranges.into_iter().zip(tails) {
        dst.par_chunks_mut(PIECE)
            .zip(t.inflated().par_chunks(PIECE))
            .for_each(|(d, s)| d.copy_from_slice(s));
    }
    for (t, &offset) in tails.iter().zip(&offsets) {
        let (before, after) = out.split_at_mut(offset);
        let window: &[u8; WINDOW] = before.get(offset.checked_sub(WINDOW)?..)?.try_into().ok()?;
        after[..t.markers]
            .par_chunks_mut(PIECE)
            .zip(t.values[..t.markers].par_chunks(PIECE))
            .for_each(|(dst, src)| {
                for (d, &v) in dst.iter_mut().zip(src) {
                    // Both loaded, then one picked: no branch to mispredict on values that
                    // alternate between bytes and markers (a CT's low and high bytes).
                    let marked = window[(v & (MARKER - 1)) as usize];
                    *d = if v < MARKER { v as u8 } else { marked };
                }
            });
    }
    Some(())
}

/// CRC-32 of `data`, in pieces on the worker threads.
fn crc32_parallel(data: &[u8]) -> u32 {
    const PIECE: usize = 4 << 20;
    data.par_chunks(PIECE)
        .map(|piece| {
            let mut h = crc32fast::Hasher::new();
            h.update(piece);
            h
        })
        .reduce(crc32fast::Hasher::new, |mut a, b| {
            a.combine(&b);
            a
        })
        .finalize()
}

/// The first block at or after byte `from` (before byte `to`) where a dynamic-Huffman block
/// header is valid and the whole block decodes (the final block too: then the part is that
/// block); the part's inflater, past that block.
fn find_block(body: &[u8], from: usize, to: usize, limit: usize) -> Option<MarkerInflater<'_>> {
    let end = (to * 8).min(body.len() * 8);
    for byte in from..end.div_ceil(8) {
        // The first 17 header bits at each of the byte's 8 offsets.
        let word = peek(body, byte * 8, 24);
        for offset in 0..8 {
            let bit = byte * 8 + offset;
            let head = word >> offset;
            // BTYPE 10 (either BFINAL); at most 286 length and 30 distance codes.
            if bit < end
                && head & 0b110 == 0b100
                && (head >> 3) & 31 <= 29
                && (head >> 8) & 31 <= 29
                && code_length_code_fits(4 + ((head >> 13) & 15) as usize, peek(body, bit + 17, 57))
            {
                let mut t = MarkerInflater::new(body, bit, limit);
                if t.block().is_some() {
                    return Some(t);
                }
            }
        }
    }
    None
}

/// Whether the `count` lengths of a block header's code-length code (3 bits each in `lengths`)
/// make a complete code, as every encoder writes it and zlib requires; rejects most positions
/// that are not a block.
fn code_length_code_fits(count: usize, lengths: u64) -> bool {
    let mut space = 0u32;
    for i in 0..count {
        let len = (lengths >> (3 * i)) & 7;
        if len != 0 {
            space += 1 << (7 - len);
            if space > 1 << 7 {
                return false;
            }
        }
    }
    space == 1 << 7
}

/// Up to 57 bits of `data` from bit `bit` on, least significant first; zeros past the end.
fn peek(data: &[u8], bit: usize, count: u32) -> u64 {
    let byte = bit / 8;
    let mut word = [0u8; 8];
    if let Some(src) = data.get(byte..byte + 8) {
        word.copy_from_slice(src);
    } else if byte < data.len() {
        word[..data.len() - byte].copy_from_slice(&data[byte..]);
    }
    (u64::from_le_bytes(word) >> (bit % 8)) & ((1u64 << count) - 1)
}

/// Reads deflate bits, least significant first, from a 64-bit buffer refilled a word at a
/// time: after [`Self::refill`] at least 56 bits are there, enough for a whole length and
/// distance with their extra bits. Past the end it reads zeros (see [`Self::overran`]).
#[derive(Clone, Copy)]
struct BitReader<'a> {
    data: &'a [u8],
    /// The next byte to load.
    next: usize,
    buffer: u64,
    count: u32,
}

impl<'a> BitReader<'a> {
    fn new(data: &'a [u8], bit: usize) -> Self {
        let mut r = BitReader {
            data,
            next: bit / 8,
            buffer: 0,
            count: 0,
        };
        r.refill();
        r.consume((bit % 8) as u32);
        r
    }

    #[inline(always)]
    fn refill(&mut self) {
        if self.count >= 56 {
            return;
        }
        if let Some(word) = self.data.get(self.next..self.next + 8) {
            let word = u64::from_le_bytes(word.try_into().expect("eight bytes"));
            // Whole bytes only count; the bits of a partly loaded byte are loaded again next
            // time, the same bits, so OR-ing them twice is harmless.
            self.buffer |= word << self.count;
            self.next += ((63 - self.count) / 8) as usize;
            self.count |= 56;
        } else {
            while self.count <= 56 {
                let byte = self.data.get(self.next).copied().unwrap_or(0);
                self.buffer |= (byte as u64) << self.count;
                self.next += 1;
                self.count += 8;
            }
        }
    }

    #[inline(always)]
    fn peek(&self, count: u32) -> u64 {
        self.buffer & ((1u64 << count) - 1)
    }

    #[inline(always)]
    fn consume(&mut self, count: u32) {
        self.buffer >>= count;
        self.count -= count;
    }

    #[inline(always)]
    fn take(&mut self, count: u32) -> u32 {
        let v = self.peek(count) as u32;
        self.consume(count);
        v
    }

    /// The position of the next bit.
    fn position(&self) -> usize {
        self.next * 8 - self.count as usize
    }

    fn overran(&self) -> bool {
        self.position() > self.data.len() * 8
    }

    /// Skip to the next byte boundary.
    fn align(&mut self) {
        let bits = self.count % 8;
        self.consume(bits);
    }
}

/// What a table entry decodes to: `length | extra << 4 | kind << 8 | (length + extra) << 10 |
/// value << 16`, where `length` is the code's length, `extra` the number of extra bits after it
/// and `value` the literal byte or the length or distance base. The sum is there so that a
/// decode consumes code and extra bits in one shift: the next symbol's lookup waits on it.
const KIND_LITERAL: u32 = 0;
const KIND_BASE: u32 = 1;
const KIND_END: u32 = 2;
/// A code longer than the table's index, an unused code or a symbol deflate forbids:
/// [`HuffmanTable::decode_slowly`] decides.
const KIND_SLOW: u32 = 3;

fn entry(length: u32, extra: u32, kind: u32, value: u32) -> u32 {
    length | extra << 4 | kind << 8 | (length + extra) << 10 | value << 16
}

/// A canonical Huffman code: a table indexed by the next few bits for the codes that fit,
/// and the codes sorted by length for the rest (few: the longer a code, the rarer).
struct HuffmanTable {
    table: Vec<u32>,
    /// The bits that index `table`.
    index_mask: u64,
    /// What each symbol decodes to (its code's length included).
    symbols: Vec<u32>,
    /// Number of codes of each length, and the symbols in canonical order.
    counts: [u16; 16],
    sorted: Vec<u16>,
}

impl HuffmanTable {
    /// The code of `lengths` (0: symbol unused), each symbol decoding to `meaning(symbol)`
    /// (without its length); `None` for an over-subscribed code or an incomplete one that
    /// zlib would refuse.
    fn new(lengths: &[u8], incomplete: Incomplete, index_bits: u32, meaning: impl Fn(usize) -> u32) -> Option<Self> {
        let mut counts = [0u16; 16];
        for &l in lengths {
            counts[l as usize] += 1;
        }
        counts[0] = 0;
        let max = (1..16).rev().find(|&l| counts[l] != 0).unwrap_or(0);
        if max == 0 && incomplete != Incomplete::OneOrNoCode {
            return None;
        }
        let mut left: i64 = 1;
        for &c in &counts[1..] {
            left = 2 * left - c as i64;
            if left < 0 {
                return None;
            }
        }
        if left > 0 && max > 1 || (max == 1 && left > 0 && incomplete == Incomplete::Never) {
            return None;
        }
        let bits = index_bits.min(max.max(1) as u32);
        let mut table = vec![entry(0, 0, KIND_SLOW, 0); 1 << bits];
        let mut symbols = vec![entry(0, 0, KIND_SLOW, 0); lengths.len()];
        let mut sorted = Vec::with_capacity(lengths.len());
        for l in 1..16u8 {
            sorted.extend((0..lengths.len()).filter(|&s| lengths[s] == l).map(|s| s as u16));
        }
        let mut code = 0u32;
        let mut last_length = 0;
        for &symbol in &sorted {
            let symbol = symbol as usize;
            let l = lengths[symbol] as u32;
            code <<= l - last_length;
            last_length = l;
            let m = meaning(symbol);
            let e = entry(l, (m >> 4) & 15, (m >> 8) & 3, m >> 16);
            symbols[symbol] = e;
            if l <= bits {
                let reversed = (code.reverse_bits() >> (32 - l)) as usize;
                for t in table.iter_mut().skip(reversed).step_by(1 << l) {
                    *t = e;
                }
            }
            code += 1;
        }
        Some(HuffmanTable {
            table,
            index_mask: (1 << bits) - 1,
            symbols,
            counts,
            sorted,
        })
    }

    /// Decode the next symbol's entry and consume its code and extra bits; the entry and the
    /// extra bits' value (the reader must hold both: 28 bits at most).
    #[inline(always)]
    fn decode(&self, r: &mut BitReader) -> Option<(u32, u32)> {
        let e = self.table[(r.buffer & self.index_mask) as usize];
        if (e >> 8) & 3 != KIND_SLOW {
            let bits = r.buffer;
            r.consume((e >> 10) & 31);
            let extra = (bits >> (e & 15)) as u32 & ((1 << ((e >> 4) & 15)) - 1);
            return Some((e, extra));
        }
        self.decode_slowly(r)
    }

    /// Canonical decoding a bit at a time, for codes longer than the table's index.
    #[cold]
    fn decode_slowly(&self, r: &mut BitReader) -> Option<(u32, u32)> {
        let bits = r.peek(15);
        let (mut code, mut first, mut index) = (0i32, 0i32, 0i32);
        for l in 1..16 {
            code |= ((bits >> (l - 1)) & 1) as i32;
            let count = self.counts[l] as i32;
            if code - first < count {
                let e = self.symbols[self.sorted[(index + code - first) as usize] as usize];
                if (e >> 8) & 3 == KIND_SLOW {
                    return None;
                }
                r.consume(l as u32);
                return Some((e, r.take((e >> 4) & 15)));
            }
            index += count;
            first = (first + count) << 1;
            code <<= 1;
        }
        None
    }

    fn literals(lengths: &[u8], incomplete: Incomplete) -> Option<Self> {
        Self::new(lengths, incomplete, 11, |s| match s {
            0..=255 => entry(0, 0, KIND_LITERAL, s as u32),
            256 => entry(0, 0, KIND_END, 0),
            257..=285 => entry(0, LENGTH_EXTRA[s - 257] as u32, KIND_BASE, LENGTH_BASE[s - 257] as u32),
            _ => entry(0, 0, KIND_SLOW, 0),
        })
    }

    fn distances(lengths: &[u8], incomplete: Incomplete) -> Option<Self> {
        Self::new(lengths, incomplete, 9, |s| match s {
            0..=29 => entry(0, DISTANCE_EXTRA[s] as u32, KIND_BASE, DISTANCE_BASE[s] as u32),
            _ => entry(0, 0, KIND_SLOW, 0),
        })
    }

    fn code_lengths(lengths: &[u8]) -> Option<Self> {
        Self::new(lengths, Incomplete::Never, 7, |s| entry(0, 0, KIND_LITERAL, s as u32))
    }

    /// Deflate's fixed literal/length code.
    fn fixed_literals() -> Self {
        let mut lengths = [0u8; 288];
        lengths[..144].fill(8);
        lengths[144..256].fill(9);
        lengths[256..280].fill(7);
        lengths[280..].fill(8);
        Self::literals(&lengths, Incomplete::Never).expect("the fixed code is complete")
    }

    /// Deflate's fixed distance code.
    fn fixed_distances() -> Self {
        Self::distances(&[5; 32], Incomplete::Never).expect("the fixed code is complete")
    }
}

/// Which incomplete codes a block may use, as zlib's `inflate_table` decides.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Incomplete {
    /// The code-length code must be complete.
    Never,
    /// Literal/length codes: one code of length 1 is allowed.
    OneCode,
    /// Distance codes: one code of length 1, or none (a block without back-references).
    OneOrNoCode,
}

const LENGTH_BASE: [u16; 29] = [
    3, 4, 5, 6, 7, 8, 9, 10, 11, 13, 15, 17, 19, 23, 27, 31, 35, 43, 51, 59, 67, 83, 99, 115, 131, 163, 195, 227, 258,
];
const LENGTH_EXTRA: [u8; 29] = [
    0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3, 4, 4, 4, 4, 5, 5, 5, 5, 0,
];
const DISTANCE_BASE: [u16; 30] = [
    1, 2, 3, 4, 5, 7, 9, 13, 17, 25, 33, 49, 65, 97, 129, 193, 257, 385, 513, 769, 1025, 1537, 2049, 3073, 4097, 6145,
    8193, 12289, 16385, 24577,
];
const DISTANCE_EXTRA: [u8; 30] = [
    0, 0, 0, 0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6, 7, 7, 8, 8, 9, 9, 10, 10, 11, 11, 12, 12, 13, 13,
];
/// The order of the code-length code's lengths in a block header.
const CODE_LENGTH_ORDER: [usize; 19] = [16, 17, 18, 0, 8, 7, 9, 6, 10, 5, 11, 4, 12, 3, 13, 2, 14, 1, 15];
/// Deflate's longest back-reference.
const MAX_MATCH: usize = 258;

/// Decodes a part of a deflate stream from a block boundary without the 32 KiB before it:
/// output values are bytes, or [`MARKER`] plus the position of an unknown window byte.
struct MarkerInflater<'a> {
    bits: BitReader<'a>,
    /// The part's first bit.
    start: usize,
    /// The output; only `out[..n]` is decoded (the rest is room to write into).
    out: Vec<u16>,
    n: usize,
    /// At most this many values.
    limit: usize,
    /// No 32 KiB without a marker can end before this (a marker was seen just before it).
    clean_from: usize,
    /// The final block has been decoded.
    ended: bool,
    /// Room for the input handed to libdeflate once the window is known (see
    /// [`Self::inflate_rest`]), mapped by [`Self::reserve`].
    input: Vec<u8>,
}

impl<'a> MarkerInflater<'a> {
    fn new(data: &'a [u8], start: usize, limit: usize) -> Self {
        MarkerInflater {
            bits: BitReader::new(data, start),
            start,
            out: Vec::new(),
            n: 0,
            limit,
            clean_from: 0,
            ended: false,
            input: Vec::new(),
        }
    }

    #[cold]
    fn grow(&mut self) -> bool {
        if self.n > self.limit {
            return false;
        }
        let want = (2 * self.out.len()).max(1 << 16).min(self.limit + MAX_MATCH + 18);
        self.out.resize(want.max(self.n + MAX_MATCH + 18), 0);
        true
    }

    /// Decode one block; whether it was the final one. `None` on anything invalid.
    fn block(&mut self) -> Option<bool> {
        if self.ended {
            return None;
        }
        self.bits.refill();
        let last = self.bits.take(1) == 1;
        self.ended = last;
        match self.bits.take(2) {
            0 => self.stored()?,
            1 => self.compressed(&HuffmanTable::fixed_literals(), &HuffmanTable::fixed_distances())?,
            2 => {
                let (literals, distances) = self.dynamic_tables()?;
                self.compressed(&literals, &distances)?;
            }
            _ => return None,
        }
        (!self.bits.overran() && self.n <= self.limit).then_some(last)
    }

    fn stored(&mut self) -> Option<()> {
        self.bits.align();
        self.bits.refill();
        let len = self.bits.take(16) as usize;
        let complement = self.bits.take(16) as usize;
        if len != !complement & 0xffff {
            return None;
        }
        // The reader's buffer holds whole bytes now: go back to them in the input.
        let at = self.bits.position() / 8;
        let bytes = self.bits.data.get(at..at + len)?;
        if self.n + len > self.limit {
            return None;
        }
        if self.n + len > self.out.len() {
            self.out.resize(self.n + len + MAX_MATCH, 0);
        }
        for (o, &b) in self.out[self.n..self.n + len].iter_mut().zip(bytes) {
            *o = b as u16;
        }
        self.n += len;
        self.bits = BitReader::new(self.bits.data, (at + len) * 8);
        Some(())
    }

    fn dynamic_tables(&mut self) -> Option<(HuffmanTable, HuffmanTable)> {
        let r = &mut self.bits;
        r.refill();
        let literal_count = r.take(5) as usize + 257;
        let distance_count = r.take(5) as usize + 1;
        let code_length_count = r.take(4) as usize + 4;
        if literal_count > 286 || distance_count > 30 {
            return None;
        }
        let mut code_lengths = [0u8; 19];
        for &symbol in &CODE_LENGTH_ORDER[..code_length_count] {
            r.refill();
            code_lengths[symbol] = r.take(3) as u8;
        }
        let code = HuffmanTable::code_lengths(&code_lengths)?;
        let total = literal_count + distance_count;
        let mut lengths = [0u8; 286 + 30];
        let mut i = 0;
        while i < total {
            r.refill();
            let symbol = (code.decode(r)?.0 >> 16) as usize;
            let (value, repeat) = match symbol {
                0..=15 => (symbol as u8, 1),
                16 => (*lengths.get(i.checked_sub(1)?)?, 3 + r.take(2) as usize),
                17 => (0, 3 + r.take(3) as usize),
                _ => (0, 11 + r.take(7) as usize),
            };
            if i + repeat > total {
                return None;
            }
            lengths[i..i + repeat].fill(value);
            i += repeat;
        }
        if r.overran() || lengths[256] == 0 {
            return None;
        }
        let literals = HuffmanTable::literals(&lengths[..literal_count], Incomplete::OneCode)?;
        let distances = HuffmanTable::distances(&lengths[literal_count..total], Incomplete::OneOrNoCode)?;
        Some((literals, distances))
    }

    fn compressed(&mut self, literals: &HuffmanTable, distances: &HuffmanTable) -> Option<()> {
        // The reader and the output position as locals: the hot loop keeps them in registers.
        let mut r = self.bits;
        let result = self.symbols(&mut r, literals, distances);
        self.bits = r;
        result
    }

    /// The symbols of one block up to its end-of-block code.
    fn symbols(&mut self, r: &mut BitReader, literals: &HuffmanTable, distances: &HuffmanTable) -> Option<()> {
        loop {
            // Room for two literals and a copy.
            if self.n + MAX_MATCH + 18 > self.out.len() && !self.grow() {
                return None;
            }
            r.refill();
            let (mut e, mut extra) = literals.decode(r)?;
            if (e >> 8) & 3 == KIND_LITERAL {
                self.out[self.n] = (e >> 16) as u16;
                self.n += 1;
                // At least 41 bits are left: enough for another code and its extra bits
                // without a refill.
                (e, extra) = literals.decode(r)?;
                if (e >> 8) & 3 == KIND_LITERAL {
                    self.out[self.n] = (e >> 16) as u16;
                    self.n += 1;
                    continue;
                }
                r.refill();
            }
            if (e >> 8) & 3 == KIND_END {
                return (!r.overran()).then_some(());
            }
            let length = (e >> 16) as usize + extra as usize;
            let (d, extra) = distances.decode(r)?;
            let distance = (d >> 16) as usize + extra as usize;
            self.copy(length, distance)?;
            if r.next > r.data.len() + 8 {
                // Far past the end: only zeros are being read.
                return None;
            }
        }
    }

    /// A back-reference: from the output so far, or from the unknown window as markers (a copy
    /// of a marker is a marker too).
    #[inline(always)]
    fn copy(&mut self, length: usize, distance: usize) -> Option<()> {
        let n = self.n;
        if distance > n {
            return self.copy_from_window(length, distance);
        }
        let from = n - distance;
        if distance >= length {
            if length <= 8 {
                // Most copies are short: move 8 or 16 values at once (room is reserved past
                // `n`, and what lands beyond the copy is overwritten later).
                let chunk: [u16; 8] = self.out[from..from + 8].try_into().expect("8 values");
                self.out[n..n + 8].copy_from_slice(&chunk);
            } else if length <= 16 {
                let chunk: [u16; 16] = self.out[from..from + 16].try_into().expect("16 values");
                self.out[n..n + 16].copy_from_slice(&chunk);
            } else {
                self.out.copy_within(from..from + length, n);
            }
        } else if distance >= 8 {
            // A repeating pattern: copy what is there, doubling, each source before its copy.
            let mut copied = 0;
            while copied < length {
                let c = (length - copied).min(distance + copied);
                self.out.copy_within(from..from + c, n + copied);
                copied += c;
            }
        } else {
            let out = &mut self.out[from..n + length];
            for i in distance..distance + length {
                out[i] = out[i - distance];
            }
        }
        self.n += length;
        Some(())
    }

    #[cold]
    fn copy_from_window(&mut self, length: usize, distance: usize) -> Option<()> {
        let n = self.n;
        if distance > n + WINDOW {
            return None;
        }
        for i in 0..length {
            let at = n + i;
            self.out[at] = if at < distance {
                // Window position of the byte: 32 KiB before the part, plus at − distance.
                MARKER + (WINDOW + at - distance) as u16
            } else {
                self.out[at - distance]
            };
        }
        self.n += length;
        Some(())
    }

    /// Whether the last 32 KiB of output hold no marker (then the window of what follows is
    /// known). Scans only when that has become possible since the last marker seen.
    fn window_known(&mut self) -> bool {
        if self.n < WINDOW || self.n < self.clean_from {
            return false;
        }
        match self.out[self.n - WINDOW..self.n].iter().rposition(|&v| v >= MARKER) {
            Some(last) => {
                self.clean_from = self.n - WINDOW + last + 1 + WINDOW;
                false
            }
            None => true,
        }
    }

    /// Give the part, ending at bit `end`, the room it should need at once, in fresh pages
    /// (only those written cost anything), instead of growing a buffer and clearing its new
    /// pages twice: the marker values, then the bytes libdeflate inflates after them with its
    /// window in front. Twice the output its share of the compressed bits suggests: enough
    /// unless the stream's compression ratio changes wildly (then the markers' buffer grows,
    /// or libdeflate runs out of room and the stream is inflated on one thread), without
    /// asking for twice the whole image per thread. The bytes it will write for sure (its
    /// expected output: every value takes at least a byte) are mapped here, on all the threads.
    fn reserve(&mut self, end: Option<usize>) {
        let data_bits = self.bits.data.len() * 8;
        let part_bits = end.unwrap_or(data_bits).saturating_sub(self.start);
        let expected = (self.limit as f64 * part_bits as f64 / data_bits.max(1) as f64) as usize;
        let room = self.limit.min(2 * expected + (1 << 20)).max(self.n);
        let mut out = vec![0u16; room + WINDOW + MAX_MATCH + 18];
        // Before the values decoded so far go in: mapping a page writes to it.
        super::prefault(&mut bytemuck::cast_slice_mut(&mut out)[..expected.min(2 * room)]);
        out[..self.n].copy_from_slice(&self.out[..self.n]);
        self.out = out;
        // The input libdeflate gets: at most the part's compressed bytes after a window of
        // 9-bit literals with its padding, header and end (and the final block that may cut
        // it). Copied into fresh pages on the part's own thread, it took 2.6 ms of a 30 mm
        // lesion's 2-thread read.
        let window_bytes = (3 + 7 * 9 + WINDOW * 9 + 7).div_ceil(8);
        let mut input = vec![0u8; part_bits.div_ceil(8) + window_bytes + 8];
        super::prefault(&mut input);
        input.clear();
        self.input = input;
    }

    /// Decode on to bit `end` (the next part's first block; `None`: the stream's final block),
    /// here while the window has markers, then by libdeflate; after [`Self::reserve`].
    fn finish(&mut self, end: Option<usize>) -> Option<Tail> {
        loop {
            if self.ended {
                // The final block: only the last part may hold it, ending there.
                return end.is_none().then(|| self.done(0..0));
            }
            let at = self.bits.position();
            match end {
                Some(e) if at == e => return Some(self.done(0..0)),
                Some(e) if at > e => return None,
                _ => {}
            }
            if self.window_known() {
                return self.inflate_rest(end);
            }
            self.block()?;
        }
    }

    /// The part's values, and the byte range of what libdeflate inflated after them.
    fn done(&mut self, inflated: std::ops::Range<usize>) -> Tail {
        Tail {
            values: std::mem::take(&mut self.out),
            markers: self.n,
            inflated,
        }
    }

    /// From the current block boundary, with the last 32 KiB of output known: inflate the rest
    /// of the part with libdeflate, its window given as a fixed-Huffman block of literals.
    fn inflate_rest(&mut self, end: Option<usize>) -> Option<Tail> {
        let at = self.bits.position();
        let data = self.bits.data;
        let (decoded, free) = self.out.split_at_mut(self.n);
        let window = &decoded[self.n - WINDOW..];
        let window_bits: usize = window.iter().map(|&v| if v < 144 { 8 } else { 9 }).sum();
        // Block header (3) + end-of-block (7) + the window + `pad` 9-bit literals in front
        // must leave the part's next bit where it was in its byte.
        let pad = ((at % 8) as isize - 10 - window_bits as isize).rem_euclid(8) as usize;
        let mut w = BitWriter::into_buffer(std::mem::take(&mut self.input));
        w.put(0b010, 3); // BFINAL 0, BTYPE 01
        for _ in 0..pad {
            w.literal(144);
        }
        for &v in window {
            w.literal(v as u8);
        }
        w.put(0, 7);
        debug_assert_eq!(w.bits % 8, at % 8);
        let shift = w.bits as isize - at as isize;
        let end_byte = end.map_or(data.len(), |e| e.div_ceil(8));
        let mut input = w.finish_into(&data[at / 8..end_byte], at % 8);
        if let Some(e) = end {
            end_with_final_block(&mut input, (e as isize + shift) as usize);
        }
        // Inflate into the rest of the values' buffer, seen as bytes (see `finish`).
        let skip = pad + WINDOW;
        let room: &mut [u8] = bytemuck::cast_slice_mut(free);
        let room_len = room.len().min(skip + self.limit.checked_sub(self.n)?);
        let n = libdeflater::Decompressor::new()
            .deflate_decompress(&input, &mut room[..room_len])
            .ok()?;
        if n < skip || room[pad..skip].iter().zip(window).any(|(&a, &b)| a as u16 != b) {
            return None;
        }
        Some(self.done(skip..n))
    }
}

/// Deflate bits, least significant first, gathered a few at a time and appended to `bytes` a
/// whole byte at a time (a window is 270 000 bits: one push per bit cost half a millisecond).
#[derive(Default)]
struct BitWriter {
    bytes: Vec<u8>,
    /// Bits not yet in `bytes`: fewer than 8 between calls.
    pending: u32,
    pending_bits: u32,
    /// Bits written in all.
    bits: usize,
}

impl BitWriter {
    /// A writer appending to `bytes` (emptied first; its capacity is kept).
    fn into_buffer(mut bytes: Vec<u8>) -> Self {
        bytes.clear();
        BitWriter {
            bytes,
            ..Default::default()
        }
    }

    /// The low `count` (at most 16) bits of `value`.
    fn put(&mut self, value: u32, count: u32) {
        debug_assert!(count <= 16);
        self.pending |= (value & ((1 << count) - 1)) << self.pending_bits;
        self.pending_bits += count;
        self.bits += count as usize;
        while self.pending_bits >= 8 {
            self.bytes.push(self.pending as u8);
            self.pending >>= 8;
            self.pending_bits -= 8;
        }
    }

    /// A literal in the fixed code: its code's bits go most significant first.
    fn literal(&mut self, v: u8) {
        let (code, len) = if v < 144 {
            (0x30 + v as u32, 8)
        } else {
            (0x190 + (v as u32 - 144), 9)
        };
        self.put(code.reverse_bits() >> (32 - len), len);
    }

    /// The written bits, the last byte padded with zeros.
    #[cfg(test)]
    fn into_bytes(mut self) -> Vec<u8> {
        if self.pending_bits > 0 {
            self.bytes.push(self.pending as u8);
        }
        self.bytes
    }

    /// The written bits followed by `rest`, whose first byte's low `skip_bits` bits are
    /// replaced by the writer's last partial byte (the two have the same bit offset).
    fn finish_into(self, rest: &[u8], skip_bits: usize) -> Vec<u8> {
        debug_assert_eq!(self.pending_bits as usize, skip_bits);
        let mut out = self.bytes;
        out.reserve(rest.len());
        match rest.split_first() {
            Some((&first, after)) if skip_bits > 0 => {
                let mask = (1u8 << skip_bits) - 1;
                out.push((first & !mask) | (self.pending as u8 & mask));
                out.extend_from_slice(after);
            }
            _ => out.extend_from_slice(rest),
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    /// A small deterministic generator (xorshift64*).
    struct Noise(u64);

    impl Noise {
        fn next(&mut self) -> u64 {
            self.0 ^= self.0 >> 12;
            self.0 ^= self.0 << 25;
            self.0 ^= self.0 >> 27;
            self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
        }
    }

    /// int16 CT-like slices: air at about −1000 HU (its high byte, 0xfc, is copied from far
    /// back again and again, so a part's unknown window stays referenced for megabytes), and a
    /// noisy body. The case the speculative decoder is for.
    fn ct_like(voxels: usize, seed: u64) -> Vec<u8> {
        let mut noise = Noise(seed);
        let mut out = Vec::with_capacity(2 * voxels);
        for i in 0..voxels {
            let (x, y) = ((i % 256) as i64 - 128, ((i / 256) % 256) as i64 - 128);
            let base = if x * x + y * y < 90 * 90 { 40 } else { -1000 };
            let v = (base + (noise.next() % 9) as i64 - 4) as i16;
            out.extend_from_slice(&v.to_le_bytes());
        }
        out
    }

    /// Bytes from a 64-letter alphabet: mostly literals, so a part's window is soon known and
    /// libdeflate takes over.
    fn literal_heavy(bytes: usize, seed: u64) -> Vec<u8> {
        let mut noise = Noise(seed);
        (0..bytes).map(|_| b'0' + (noise.next() % 64) as u8).collect()
    }

    /// Words from a small vocabulary: nearly everything is a back-reference.
    fn text_like(bytes: usize, seed: u64) -> Vec<u8> {
        const WORDS: [&str; 12] = [
            "liver ",
            "lesion ",
            "wavelet ",
            "the ",
            "of ",
            "surufatinib ",
            "response ",
            "Radscore ",
            "and ",
            "texture ",
            "\n",
            "metastasis ",
        ];
        let mut noise = Noise(seed);
        let mut out = Vec::with_capacity(bytes + 16);
        while out.len() < bytes {
            out.extend_from_slice(WORDS[(noise.next() % WORDS.len() as u64) as usize].as_bytes());
            if noise.next() % 7 == 0 {
                out.extend_from_slice(format!("{} ", noise.next() % 100_000).as_bytes());
            }
        }
        out.truncate(bytes);
        out
    }

    /// Stretches of text, CT, incompressible noise (stored blocks) and short runs, so that
    /// later parts meet stored and fixed-Huffman blocks too.
    fn mixed(seed: u64) -> Vec<u8> {
        let mut noise = Noise(seed);
        let mut out = Vec::new();
        for i in 0..12u64 {
            match i % 4 {
                0 => out.extend(text_like(150_000, seed + i)),
                1 => out.extend((0..120_000).map(|_| noise.next() as u8)),
                2 => out.extend(ct_like(60_000, seed + i)),
                _ => out.extend(literal_heavy(40, seed + i)),
            }
        }
        out
    }

    fn gzip_flate2(data: &[u8], level: u32) -> Vec<u8> {
        let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::new(level));
        e.write_all(data).unwrap();
        e.finish().unwrap()
    }

    /// As [`gzip_flate2`], with a sync flush after every piece (alternately 64 KB and 100
    /// bytes): small pieces become fixed-Huffman blocks, each flush an empty stored block.
    fn gzip_flate2_flushed(data: &[u8], level: u32) -> Vec<u8> {
        let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::new(level));
        let mut at = 0;
        for piece in [65_536, 100].into_iter().cycle() {
            let end = (at + piece).min(data.len());
            e.write_all(&data[at..end]).unwrap();
            e.flush().unwrap();
            at = end;
            if at == data.len() {
                break;
            }
        }
        e.finish().unwrap()
    }

    fn gzip_libdeflate(data: &[u8], level: i32) -> Vec<u8> {
        let mut c = libdeflater::Compressor::new(libdeflater::CompressionLvl::new(level).unwrap());
        let mut out = vec![0; c.gzip_compress_bound(data.len())];
        let n = c.gzip_compress(data, &mut out).unwrap();
        out.truncate(n);
        out
    }

    /// Inflate in `parts`; the output when it succeeded.
    fn inflate(compressed: &[u8], size: usize, parts: usize) -> Option<Vec<u8>> {
        let mut out = vec![0u8; size];
        gunzip_in_parts(compressed, &mut out, parts).then_some(out)
    }

    /// The decoded bytes must be the original ones (not our own decoder's view of them), for
    /// streams from two encoders (zlib's algorithm in zlib-rs, and libdeflate) at several
    /// levels and with flushes, split in two to five parts.
    #[test]
    fn split_streams_inflate_to_the_original_bytes() {
        let cases: [(&str, Vec<u8>); 4] = [
            ("ct", ct_like(700_000, 7)),
            ("text", text_like(1_500_000, 11)),
            ("literals", literal_heavy(1_200_000, 13)),
            ("mixed", mixed(17)),
        ];
        for (name, data) in &cases {
            let streams = [
                ("zlib-rs 2", gzip_flate2(data, 2)),
                ("zlib-rs 6", gzip_flate2(data, 6)),
                ("zlib-rs 9", gzip_flate2(data, 9)),
                ("zlib-rs 6, flushed", gzip_flate2_flushed(data, 6)),
                ("libdeflate 1", gzip_libdeflate(data, 1)),
                ("libdeflate 6", gzip_libdeflate(data, 6)),
                ("libdeflate 12", gzip_libdeflate(data, 12)),
            ];
            for (encoder, gz) in &streams {
                for parts in 2..=5 {
                    let out = inflate(gz, data.len(), parts)
                        .unwrap_or_else(|| panic!("{name}, {encoder}, {parts} parts: fell back"));
                    assert!(out == *data, "{name}, {encoder}, {parts} parts: bytes differ");
                }
            }
        }
    }

    /// Both ways a later part can end: with markers to the end (CT air), or handing over to
    /// libdeflate once its window is known (mostly literals).
    #[test]
    fn both_kinds_of_part_are_exercised() {
        let ct = ct_like(700_000, 3);
        let literals = literal_heavy(1_200_000, 5);
        let handed_over = |data: &[u8]| {
            let gz = gzip_flate2(data, 6);
            let body = deflate_body(&gz).unwrap();
            let mut t = find_block(body, body.len() / 2, body.len(), data.len()).unwrap();
            t.reserve(None);
            t.finish(None).unwrap().inflated.len() > WINDOW
        };
        assert!(!handed_over(&ct), "the CT's later part should keep its markers");
        assert!(
            handed_over(&literals),
            "the literals' later part should hand over to libdeflate"
        );
    }

    /// Streams the speculative decoder cannot split report it instead of guessing: stored
    /// blocks only, fixed-Huffman blocks only (zlib-rs and zlib-ng at level 1), neither with a
    /// dynamic block to find; and a stream too short for the parts.
    #[test]
    fn streams_without_a_dynamic_block_fall_back() {
        let data = text_like(400_000, 1);
        assert!(inflate(&gzip_flate2(&data, 0), data.len(), 2).is_none());
        assert!(inflate(&gzip_flate2(&data, 1), data.len(), 2).is_none());
        let tiny = text_like(100, 1);
        assert!(inflate(&gzip_flate2(&tiny, 6), tiny.len(), 2).is_none());
        // A later part that inflates to far more than its share of the bits suggests (text,
        // then 6 MB of zeros): were its room to run out it would fall back rather than guess;
        // either way the bytes are the original ones.
        let mut skewed = literal_heavy(200_000, 4);
        skewed.resize(6_000_000, 0);
        for parts in [2, 3] {
            if let Some(out) = inflate(&gzip_flate2(&skewed, 6), skewed.len(), parts) {
                assert!(out == skewed, "{parts} parts: bytes differ");
            }
        }
    }

    /// Damage anywhere (a flipped byte, a cut) never panics and never returns wrong bytes: the
    /// result is either the original data or a fallback to the single-threaded path.
    #[test]
    fn damaged_streams_never_give_wrong_bytes() {
        let data = ct_like(200_000, 9);
        let gz = gzip_flate2(&data, 6);
        let mut noise = Noise(42);
        for _ in 0..60 {
            let mut damaged = gz.clone();
            let at = 10 + (noise.next() as usize) % (gz.len() - 10);
            damaged[at] ^= 1 << (noise.next() % 8);
            for parts in [2, 3] {
                if let Some(out) = inflate(&damaged, data.len(), parts) {
                    assert!(out == data, "byte {at} flipped, {parts} parts: wrong bytes accepted");
                }
            }
        }
        for cut in [gz.len() / 3, gz.len() / 2, gz.len() - 9] {
            let mut cut_stream = gz[..cut].to_vec();
            cut_stream.extend_from_slice(&gz[gz.len() - 8..]);
            assert!(inflate(&cut_stream, data.len(), 2).is_none(), "cut at {cut}");
        }
        // A wrong size in the trailer.
        assert!(inflate(&gz, data.len() + 1, 2).is_none());
        // No deflate data at all: random bytes between a gzip header and trailer.
        let mut random = gz[..10].to_vec();
        random.extend((0..300_000).map(|_| noise.next() as u8));
        random.extend_from_slice(&gz[gz.len() - 8..]);
        for parts in [2, 4] {
            assert!(inflate(&random, data.len(), parts).is_none());
        }
    }

    /// The gzip header's optional fields (name, comment, extra field, header CRC) are skipped.
    #[test]
    fn optional_header_fields_are_skipped() {
        let data = text_like(600_000, 2);
        let plain = gzip_flate2(&data, 6);
        let mut header = vec![0x1f, 0x8b, 8, 2 | 4 | 8 | 16, 0, 0, 0, 0, 0, 255];
        header.extend_from_slice(&[3, 0, b'a', b'b', b'c']); // extra field
        header.extend_from_slice(b"ct.nrrd\0");
        header.extend_from_slice(b"a comment\0");
        header.extend_from_slice(&[0, 0]); // header CRC (not checked by readers here)
        header.extend_from_slice(&plain[10..]);
        assert_eq!(inflate(&header, data.len(), 3).as_deref(), Some(&data[..]));
    }

    /// `end_with_final_block` at every bit offset: libdeflate stops exactly there.
    #[test]
    fn a_cut_stream_ends_where_it_was_cut() {
        // Blocks from several deflate streams concatenated would need our finder; instead cut a
        // stream of fixed blocks after its first block, at each of its 8 possible alignments.
        for pad in 0..8 {
            let mut w = BitWriter::default();
            w.put(0b010, 3);
            for _ in 0..pad {
                w.literal(144);
            }
            w.literal(b'x');
            w.put(0, 7);
            let at = w.bits;
            let mut input = w.into_bytes();
            input.extend_from_slice(&[0xff; 4]); // what followed: must be ignored
            end_with_final_block(&mut input, at);
            let mut out = [0u8; 64];
            let n = libdeflater::Decompressor::new()
                .deflate_decompress(&input, &mut out)
                .unwrap();
            assert_eq!(n, pad + 1, "pad {pad}");
            assert_eq!(out[pad], b'x');
        }
    }
}
