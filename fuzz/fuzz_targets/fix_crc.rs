// Shared by the package-level targets (included with `include!`): libFuzzer cannot forge a
// CRC-32, so the harness rewrites the header CRC over the payloads the table declares (clipped
// to the input), letting mutants past the CRC gate into the code behind it.

/// A copy of `data` with its header CRC recomputed.
fn with_fixed_crc(data: &[u8]) -> Vec<u8> {
    let mut v = data.to_vec();
    if v.len() < 12 {
        return v;
    }
    let count = usize::from(u16::from_le_bytes([v[6], v[7]]));
    let start = (12 + 6 * count).min(v.len());
    let mut len = 0usize;
    for i in 0..count {
        let at = 12 + 6 * i + 2;
        if let Some(b) = v.get(at..at + 4) {
            len = len.saturating_add(u32::from_le_bytes([b[0], b[1], b[2], b[3]]) as usize);
        }
    }
    let end = start.saturating_add(len).min(v.len());
    let crc = package::crc32_mpeg2(&v[start..end]);
    v[8..12].copy_from_slice(&crc.to_le_bytes());
    v
}
