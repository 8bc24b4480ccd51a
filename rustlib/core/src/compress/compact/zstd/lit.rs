//! The literals section of a compressed block (RFC 8878 §3.1.1.3.1).

use super::huf::HufTable;

/// write_literals appends the literals section for `lits`. It returns the
/// new Huffman table when it sent one, which decoders then hold for later
/// treeless blocks; None leaves their table as it was. `prev` is the
/// table decoders hold now (None for a woken stream), usable for a
/// treeless block when it codes every literal.
pub(crate) fn write_literals(
    lits: &[u8],
    prev: Option<&HufTable>,
    out: &mut Vec<u8>,
    scratch: &mut Vec<u8>,
) -> Option<HufTable> {
    let n = lits.len();
    let raw_cost = n + raw_header_len(n);
    if n < 32 {
        write_raw(lits, out);
        return None;
    }
    let mut counts = [0u32; 256];
    for &b in lits {
        counts[b as usize] += 1;
    }
    if counts[lits[0] as usize] as usize == n {
        write_header(1, n, out);
        out.push(lits[0]);
        return None;
    }
    let four = n > 1023;
    let jump = if four { 6 } else { 0 };
    // Cheapest Huffman option: a new tree, or the decoder's table.
    let fresh = HufTable::build(&counts);
    let reuse = prev.filter(|t| t.covers(&counts));
    let reuse_cost = reuse.map(|t| (t.bits(&counts) as usize).div_ceil(8) + jump + 4);
    scratch.clear();
    let fresh_cost = fresh.as_ref().and_then(|t| {
        if t.write_description(scratch) {
            Some(scratch.len() + (t.bits(&counts) as usize).div_ceil(8) + jump + 4)
        } else {
            None
        }
    });
    let use_reuse = match (reuse_cost, fresh_cost) {
        (Some(r), Some(f)) => r <= f,
        (Some(_), None) => true,
        _ => false,
    };
    let best = if use_reuse { reuse_cost } else { fresh_cost };
    if best.is_none_or(|c| c + 8 >= raw_cost) {
        write_raw(lits, out);
        return None;
    }
    let (table, kind) = if use_reuse {
        scratch.clear();
        (reuse.expect("checked"), 3u8)
    } else {
        (fresh.as_ref().expect("checked"), 2u8)
    };
    // scratch holds the tree description (empty for treeless); append the
    // streams after it, then the header in front.
    if four {
        if !table.encode4(lits, scratch) {
            write_raw(lits, out);
            return None;
        }
    } else {
        table.encode(lits, scratch);
    }
    let comp = scratch.len();
    if comp + 5 >= raw_cost {
        write_raw(lits, out);
        return None;
    }
    let size = n.max(comp);
    let (sf, bits, len) = if !four {
        (0u32, 10, 3)
    } else if size < 1024 {
        (1, 10, 3)
    } else if size < 16384 {
        (2, 14, 4)
    } else {
        (3, 18, 5)
    };
    let h: u64 = kind as u64 | (sf as u64) << 2 | (n as u64) << 4 | (comp as u64) << (4 + bits);
    out.extend_from_slice(&h.to_le_bytes()[..len]);
    out.extend_from_slice(scratch);
    if kind == 2 {
        fresh
    } else {
        None
    }
}

/// raw_header_len is the size of a raw or RLE literals header for n bytes.
fn raw_header_len(n: usize) -> usize {
    match n {
        0..=31 => 1,
        32..=4095 => 2,
        _ => 3,
    }
}

/// write_header appends a raw (kind 0) or RLE (kind 1) literals header.
fn write_header(kind: u8, n: usize, out: &mut Vec<u8>) {
    match raw_header_len(n) {
        1 => out.push(kind | (n as u8) << 3),
        2 => out.extend_from_slice(&((kind as u16) | 1 << 2 | (n as u16) << 4).to_le_bytes()),
        _ => {
            let h = kind as u32 | 3 << 2 | (n as u32) << 4;
            out.extend_from_slice(&h.to_le_bytes()[..3]);
        }
    }
}

fn write_raw(lits: &[u8], out: &mut Vec<u8>) {
    write_header(0, lits.len(), out);
    out.extend_from_slice(lits);
}
