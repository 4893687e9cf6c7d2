//! Test helpers: fixture paths, deterministic data, an allocation watcher.

use std::alloc::System;
use std::path::PathBuf;

/// Reads a file of `testdata/ezip/`.
pub fn testdata(name: &str) -> Vec<u8> {
    let p = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../testdata/ezip")
        .join(name);
    std::fs::read(&p).unwrap_or_else(|e| panic!("{}: {e}", p.display()))
}

/// Deterministic pseudo-random bytes (xorshift64*), incompressible.
pub fn random(len: usize, seed: u64) -> Vec<u8> {
    crate::xorshift::xorshift_bytes(len, seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1)
}

/// Highly repetitive bytes: a short phrase over and over, with a counter now and then.
pub fn repetitive(len: usize) -> Vec<u8> {
    let mut v = Vec::with_capacity(len);
    let mut i = 0u32;
    while v.len() < len {
        v.extend_from_slice(b"movs r0, #0; bx lr; ");
        if i % 64 == 0 {
            v.extend_from_slice(&i.to_le_bytes());
        }
        i += 1;
    }
    v.truncate(len);
    v
}

/// Something like machine code: random 16-bit "instructions" from a small vocabulary with
/// random immediates, so it compresses about as well as real Thumb code.
pub fn code_like(len: usize, seed: u64) -> Vec<u8> {
    let noise = random(len, seed);
    let vocab: [u16; 8] = [
        0x4770, 0xb580, 0xbd80, 0x2000, 0x6800, 0x4618, 0xf000, 0xe7fe,
    ];
    let mut v = Vec::with_capacity(len + 1);
    for pair in noise.chunks(2) {
        let op =
            vocab[(pair[0] & 7) as usize] | u16::from(pair.get(1).copied().unwrap_or(0) & 0x0f);
        v.extend_from_slice(&op.to_le_bytes());
    }
    v.truncate(len);
    v
}

/// Allocation cap for the whole test binary. A decoder that trusted a lying length header
/// would ask for up to 4 GiB; with overcommit that could go unnoticed, under this cap it aborts
/// the test run. Real test data stays far below it.
pub const ALLOCATION_CAP: usize = 1 << 30;

#[global_allocator]
static ALLOC: cap::Cap<System> = cap::Cap::new(System, ALLOCATION_CAP);

/// Bytes currently allocated by this test binary (all threads); always below the cap.
pub fn allocated() -> usize {
    ALLOC.allocated()
}
