//! The recent plaintext an active zlib stream must be able to retain.

/// History keeps the last `capacity` bytes a stream has compressed, in a
/// ring, so that hibernating can hand them to the packer. Appending costs a
/// copy of the message; nothing is allocated after creation.
pub(super) struct History {
    ring: Box<[u8]>,
    /// next is where the next byte goes.
    next: usize,
    /// filled is how many bytes of the ring hold history (≤ capacity).
    filled: usize,
}

impl History {
    /// new makes an empty history of `capacity` bytes (capacity > 0).
    pub(super) fn new(capacity: usize) -> Self {
        History {
            ring: vec![0u8; capacity].into_boxed_slice(),
            next: 0,
            filled: 0,
        }
    }

    /// clear forgets everything.
    pub(super) fn clear(&mut self) {
        self.next = 0;
        self.filled = 0;
    }

    /// push appends `data`, dropping the oldest bytes beyond the capacity.
    pub(super) fn push(&mut self, data: &[u8]) {
        let cap = self.ring.len();
        let data = &data[data.len().saturating_sub(cap)..];
        let first = data.len().min(cap - self.next);
        self.ring[self.next..self.next + first].copy_from_slice(&data[..first]);
        let rest = &data[first..];
        self.ring[..rest.len()].copy_from_slice(rest);
        self.next = (self.next + data.len()) % cap;
        self.filled = (self.filled + data.len()).min(cap);
    }

    /// copy_into replaces `out` with the history, oldest byte first.
    pub(super) fn copy_into(&self, out: &mut Vec<u8>) {
        out.clear();
        let cap = self.ring.len();
        let start = (self.next + cap - self.filled) % cap;
        if start + self.filled <= cap {
            out.extend_from_slice(&self.ring[start..start + self.filled]);
        } else {
            out.extend_from_slice(&self.ring[start..]);
            out.extend_from_slice(&self.ring[..self.next]);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn contents(h: &History) -> Vec<u8> {
        let mut v = Vec::new();
        h.copy_into(&mut v);
        v
    }

    #[test]
    fn keeps_the_last_capacity_bytes_in_order() {
        let mut h = History::new(8);
        let mut all = Vec::new();
        for chunk in [&b"abc"[..], b"", b"defgh", b"ij", b"klmnopqrstu", b"v"] {
            h.push(chunk);
            all.extend_from_slice(chunk);
            let want = &all[all.len().saturating_sub(8)..];
            assert_eq!(contents(&h), want, "after {chunk:?}");
        }
        h.clear();
        assert!(contents(&h).is_empty());
        h.push(b"xyz");
        assert_eq!(contents(&h), b"xyz");
    }
}
