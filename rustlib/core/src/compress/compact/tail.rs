//! Small messages a hibernating stream sends without waking.
//!
//! Most of what an idle gateway connection receives is tiny: a heartbeat
//! ACK (`{"t":null,"s":null,"op":11,"d":null}`, 36 bytes) every heartbeat
//! interval. Waking for it costs a working context from the pool, priming
//! it with the retained window, and holding it until the stream is idle
//! again, so at a 41.25 s heartbeat about one stream in eight would be
//! awake at any moment just for ACKs. Instead a hibernating stream sends a
//! small message uncompressed in the stream's own format (a stored deflate
//! block, a raw zstd block), which any encoder can emit with no state but
//! the byte alignment a flushed stream already has, and remembers the
//! plaintext here: the client's decoder now has it in its window, so the
//! next working context is primed with the retained window followed by
//! this tail.

/// SMALL_SEND_MAX is the largest message a hibernating stream sends
/// without waking. It covers heartbeat ACKs (36 bytes), Hello and RESUMED
/// and nothing of the benchmark corpus (its smallest dispatch,
/// MESSAGE_DELETE, is 135 bytes), so streams that carry dispatches still
/// compress them. Sent uncompressed, a message costs 10 bytes (zlib) or 3
/// bytes (zstd) over its length instead of about a quarter of it
/// compressed; for 128 bytes that is at most about 100 bytes more on the
/// wire, against a woken context (hundreds of KiB held for the idle time).
pub const SMALL_SEND_MAX: usize = 128;

/// TAIL_MAX is the most plaintext a hibernating stream keeps beside its
/// packed window: about 28 heartbeat ACKs, 19 minutes at Discord's 41.25 s
/// interval. Less when the packed window leaves less room under the idle
/// limit, but never less than [`TAIL_RESERVE`]. A message that does not fit
/// wakes the stream, which then folds the tail into its history: a burst of
/// small messages is compressed, not sent stored one by one.
pub(super) const TAIL_MAX: usize = 1024;

/// TAIL_RESERVE is what the packer's budget always leaves free for the
/// tail: 7 ACKs, about 5 minutes of heartbeats. It is small because every
/// byte of it is about 8 bytes less retained window for zstd-stream, whose
/// packed window fills its budget (on the corpus reserving 1 KiB cost 0.9%
/// more bytes when 1 message in 20 follows a hibernation); zlib-stream's
/// 32 KiB window packs to about 6 KiB and leaves the whole TAIL_MAX free.
pub(super) const TAIL_RESERVE: usize = 256;

/// Tail is the plaintext a hibernating stream has sent since it packed its
/// window, oldest first. Its memory is exactly its length.
#[derive(Default)]
pub(super) struct Tail(Vec<u8>);

impl Tail {
    /// room is how long the tail may grow when `free` bytes of the idle
    /// budget are left beside the packed window.
    pub(super) fn room(free: usize) -> usize {
        free.min(TAIL_MAX)
    }

    /// admits says whether a message of `len` bytes may go out without
    /// waking: it is small and fits in the tail's `room`.
    pub(super) fn admits(&self, len: usize, room: usize) -> bool {
        len <= SMALL_SEND_MAX && self.0.len() + len <= room
    }

    /// push appends a message that was sent.
    pub(super) fn push(&mut self, msg: &[u8]) {
        self.0.reserve_exact(msg.len());
        self.0.extend_from_slice(msg);
    }

    /// bytes is the plaintext sent since the window was packed.
    pub(super) fn bytes(&self) -> &[u8] {
        &self.0
    }

    /// clear forgets the tail and frees its memory.
    pub(super) fn clear(&mut self) {
        self.0 = Vec::new();
    }

    /// heap_bytes is the memory the tail occupies.
    pub(super) fn heap_bytes(&self) -> usize {
        self.0.capacity()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn admits_small_messages_until_the_tail_is_full() {
        let mut t = Tail::default();
        let room = Tail::room(usize::MAX);
        assert_eq!(room, TAIL_MAX);
        assert!(t.admits(0, room) && t.admits(SMALL_SEND_MAX, room));
        assert!(!t.admits(SMALL_SEND_MAX + 1, room));
        let ack = [b'a'; 36];
        let mut sent = 0;
        while t.admits(ack.len(), room) {
            t.push(&ack);
            sent += 1;
        }
        assert_eq!(sent, TAIL_MAX / 36);
        assert_eq!(t.bytes().len(), sent * 36);
        assert!(t.heap_bytes() <= TAIL_MAX, "{}", t.heap_bytes());
        assert!(!t.admits(0, 100), "a tail over its room admits nothing");
        t.clear();
        assert_eq!((t.bytes().len(), t.heap_bytes()), (0, 0));
        assert!(t.admits(SMALL_SEND_MAX, Tail::room(TAIL_RESERVE)));
    }
}
