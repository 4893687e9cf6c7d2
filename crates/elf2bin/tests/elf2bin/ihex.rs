//! Intel HEX output: exact records for a small image and a decode round trip.

use elf2bin::ihex::to_intel_hex;

/// Decodes Intel HEX (types 00, 01, 04) into (address, byte) pairs, checking checksums.
fn decode(text: &str) -> Vec<(u32, u8)> {
    let mut upper = 0u32;
    let mut out = Vec::new();
    for line in text.lines() {
        let raw: Vec<u8> = (1..line.len())
            .step_by(2)
            .map(|i| u8::from_str_radix(&line[i..i + 2], 16).unwrap())
            .collect();
        assert_eq!(
            raw.iter().fold(0u8, |a, b| a.wrapping_add(*b)),
            0,
            "checksum: {line}"
        );
        let (len, addr, kind) = (
            raw[0] as usize,
            u16::from_be_bytes([raw[1], raw[2]]),
            raw[3],
        );
        let data = &raw[4..4 + len];
        match kind {
            0 => out.extend(
                data.iter()
                    .enumerate()
                    .map(|(i, b)| (upper + u32::from(addr) + i as u32, *b)),
            ),
            1 => break,
            4 => upper = u32::from(u16::from_be_bytes([data[0], data[1]])) << 16,
            _ => panic!("unexpected record {line}"),
        }
    }
    out
}

#[test]
fn small_image_exact_records() {
    // Expected lines from `objcopy -I binary -O ihex --change-addresses 0x12020000` (less its
    // type 05 start-address record, which an image without an entry point has no use for).
    let hex = to_intel_hex(0x1202_0000, &[0x00, 0x00, 0x08, 0x20, 0x09]);
    assert_eq!(hex, ":020000041202E6\n:050000000000082009CA\n:00000001FF\n");
}

#[test]
fn records_split_at_64k_boundaries_with_a_new_upper_address() {
    let bytes: Vec<u8> = (0..40u8).collect();
    let hex = to_intel_hex(0x1202_fff8, &bytes);
    let lines: Vec<&str> = hex.lines().collect();
    // The first four lines as objcopy writes them for the same bytes.
    assert_eq!(
        &lines[..4],
        [
            ":020000041202E6",
            ":08FFF8000001020304050607E5",
            ":020000041203E5",
            ":1000000008090A0B0C0D0E0F1011121314151617F8",
        ]
    );
    let decoded = decode(&hex);
    let expected: Vec<(u32, u8)> = bytes
        .iter()
        .enumerate()
        .map(|(i, b)| (0x1202_fff8 + i as u32, *b))
        .collect();
    assert_eq!(decoded, expected);
}

#[test]
fn fixture_round_trip() {
    let image_elf = super::fixture("multi.elf");
    let image = elf2bin::parse(&image_elf).unwrap();
    let flat = image.flat(0xff).unwrap();
    let decoded = decode(&to_intel_hex(flat.start, &flat.bytes));
    assert_eq!(decoded.len(), flat.bytes.len());
    assert!(decoded
        .iter()
        .enumerate()
        .all(|(i, &(a, b))| a == 0x1202_0000 + i as u32 && b == flat.bytes[i]));
}
