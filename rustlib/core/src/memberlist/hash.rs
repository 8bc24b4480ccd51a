//! The hash for user and group ids.

use core::hash::{BuildHasher, Hasher};

/// mix spreads a 64-bit id over all 64 bits (MurmurHash3's finalizer).
/// Snowflakes differ mostly in their low and middle bits; the tables need
/// both the low bits (bucket) and the top seven (tag) to vary.
#[inline]
pub(crate) fn mix(mut x: u64) -> u64 {
    x ^= x >> 33;
    x = x.wrapping_mul(0xff51_afd7_ed55_8ccd);
    x ^= x >> 33;
    x = x.wrapping_mul(0xc4ce_b9fe_1a85_ec53);
    x ^ (x >> 33)
}

/// IdHasher hashes a single `u64` with [`mix`]. Ids come from the
/// gateway's own state, not from clients, so no keyed hash is needed.
#[derive(Default)]
pub(crate) struct IdHasher(u64);

impl Hasher for IdHasher {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.0 = mix(self.0 ^ u64::from(b));
        }
    }

    fn write_u64(&mut self, n: u64) {
        self.0 = mix(self.0 ^ n);
    }
}

/// BuildId makes [`IdHasher`]s.
#[derive(Clone, Copy, Default)]
pub(crate) struct BuildId;

impl BuildHasher for BuildId {
    type Hasher = IdHasher;
    fn build_hasher(&self) -> IdHasher {
        IdHasher::default()
    }
}
