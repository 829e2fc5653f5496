//! Randomness as seen by the core. Secrets and identifiers draw their bytes
//! from a [`RandomSource`], so tests can make them repeatable.

use rand::RngCore;

/// Source of random bytes.
pub trait RandomSource: Send + Sync {
    /// Fills `buffer` with random bytes.
    fn fill(&self, buffer: &mut [u8]);
}

/// The operating system's cryptographically secure generator.
#[derive(Debug, Clone, Copy, Default)]
pub struct OsRandom;

impl RandomSource for OsRandom {
    fn fill(&self, buffer: &mut [u8]) {
        rand::rngs::OsRng.fill_bytes(buffer);
    }
}

/// A predictable generator for tests: every call returns the next bytes of a
/// counter-driven sequence. Never use it outside tests.
#[derive(Debug, Default)]
pub struct SequenceRandom(std::sync::atomic::AtomicU64);

impl RandomSource for SequenceRandom {
    fn fill(&self, buffer: &mut [u8]) {
        let start = self.0.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        for (index, byte) in buffer.iter_mut().enumerate() {
            let mixed = start
                .wrapping_mul(0x9E37_79B9_7F4A_7C15)
                .wrapping_add(index as u64);
            *byte = (mixed >> 24) as u8 ^ (index as u8);
        }
    }
}
