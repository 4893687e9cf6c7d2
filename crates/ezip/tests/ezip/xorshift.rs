//! Deterministic incompressible bytes, shared by the tests and the compression benchmark
//! (which includes this file by path).

/// `len` bytes of xorshift64* output from the non-zero state `state`.
pub fn xorshift_bytes(len: usize, state: u64) -> Vec<u8> {
    let mut x = state;
    (0..len)
        .map(|_| {
            x ^= x >> 12;
            x ^= x << 25;
            x ^= x >> 27;
            (x.wrapping_mul(0x2545_F491_4F6C_DD1D) >> 56) as u8
        })
        .collect()
}
