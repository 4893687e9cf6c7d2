//! Flat mode against objcopy's own output, byte for byte, for all four ELF classes.

use super::fixture;

const CLASSES: [&str; 4] = ["multi", "multi_be32", "multi_le64", "multi_be64"];

/// Every fixture with objcopy references: the four classes, `low_ram` (its `.bss` segment,
/// p_filesz 0, is the lowest PT_LOAD) and `multi_lld` (linked by LLVM's lld).
const WITH_REFERENCES: [&str; 6] = [
    "multi",
    "multi_be32",
    "multi_le64",
    "multi_be64",
    "low_ram",
    "multi_lld",
];

/// `padded.elf` (see below) equals objcopy's plain output but not its `--gap-fill` output.
const ZERO_FILL_ONLY: [&str; 1] = ["padded"];

#[test]
fn flat_fill_zero_equals_objcopy_binary() {
    for name in WITH_REFERENCES.iter().chain(&ZERO_FILL_ONLY) {
        let image_elf = fixture(&format!("{name}.elf"));
        let image = elf2bin::parse(&image_elf).unwrap();
        let flat = image.flat(0x00).unwrap();
        let reference = fixture(&format!("{name}.objcopy.bin"));
        assert_eq!(
            flat.bytes, reference,
            "{name}: differs from objcopy -O binary"
        );
        assert_eq!(flat.start, 0x1202_0000, "{name}");
    }
}

#[test]
fn flat_default_fill_equals_objcopy_gap_fill_ff() {
    for name in WITH_REFERENCES {
        let image_elf = fixture(&format!("{name}.elf"));
        let image = elf2bin::parse(&image_elf).unwrap();
        let flat = image.flat(0xff).unwrap();
        let reference = fixture(&format!("{name}.objcopy-ff.bin"));
        assert_eq!(
            flat.bytes, reference,
            "{name}: differs from objcopy --gap-fill 0xff"
        );
    }
}

#[test]
fn multi_segments_are_the_three_with_file_bytes_in_load_order() {
    let image_elf = fixture("multi.elf");
    let image = elf2bin::parse(&image_elf).unwrap();
    let got: Vec<_> = image
        .segments
        .iter()
        .map(|s| (s.index, s.paddr, s.vaddr, s.data.len(), s.memsz))
        .collect();
    // Segment 3 is .bss (p_filesz 0, p_memsz 0x100): skipped, like objcopy.
    assert_eq!(
        got,
        vec![
            (0, 0x1202_0000, 0x1202_0000, 0x95, 0x95),
            (1, 0x1202_0098, 0x2000_0000, 9, 9), // .data: LMA in flash, VMA in RAM
            (2, 0x1202_1000, 0x1202_1000, 7, 7),
        ]
    );
    let flat = image.flat(0xff).unwrap();
    assert_eq!(flat.bytes.len(), 0x1007);
    assert_eq!(flat.fill_bytes, 0x1007 - 0x95 - 9 - 7);
    // .data's initial values sit at its load address, right after .rodata.
    assert_eq!(
        &flat.bytes[0x98..0xa1],
        &[0x44, 0x33, 0x22, 0x11, 1, 2, 3, 4, 5]
    );
}

#[test]
fn all_four_classes_parse_to_the_same_addresses() {
    let base_elf = fixture("multi.elf");
    let base = elf2bin::parse(&base_elf).unwrap();
    for name in &CLASSES[1..] {
        let other_elf = fixture(&format!("{name}.elf"));
        let other = elf2bin::parse(&other_elf).unwrap();
        let addrs = |i: &elf2bin::LoadImage| -> Vec<(u64, usize)> {
            i.segments.iter().map(|s| (s.paddr, s.data.len())).collect()
        };
        assert_eq!(addrs(&base), addrs(&other), "{name}");
    }
    let be64_elf = fixture("multi_be64.elf");
    let be64 = elf2bin::parse(&be64_elf).unwrap();
    assert_eq!(be64.class, elf2bin::Class::Elf64);
    assert_eq!(be64.endian, elf2bin::Endian::Big);
    // Same contents as the big-endian ELF32 it was converted from.
    let be32_elf = fixture("multi_be32.elf");
    let be32 = elf2bin::parse(&be32_elf).unwrap();
    assert_eq!(be32.class, elf2bin::Class::Elf32);
    assert_eq!(be64.flat(0).unwrap().bytes, be32.flat(0).unwrap().bytes);
}

#[test]
fn zero_filesz_segment_below_the_image_does_not_move_its_start() {
    let image_elf = fixture("low_ram.elf");
    let image = elf2bin::parse(&image_elf).unwrap();
    // Program header 0 is .bss at 0x1000000c (p_filesz 0): skipped, so indexes start at 1.
    let indexes: Vec<usize> = image.segments.iter().map(|s| s.index).collect();
    assert_eq!(indexes, [1, 2, 3]);
    assert_eq!(image.flat(0).unwrap().start, 0x1202_0000);
}

#[test]
fn padding_inside_a_segment_keeps_the_elf_bytes_where_objcopy_gap_fill_writes_fill() {
    // GNU ld put 0x38 bytes of alignment padding (0x00) between .text and .rodata inside
    // PT_LOAD 0. elf2bin emits segment contents as they are; objcopy works on sections and
    // --gap-fill overwrites the padding. Everywhere else the two agree.
    let image_elf = fixture("padded.elf");
    let image = elf2bin::parse(&image_elf).unwrap();
    let ours = image.flat(0xff).unwrap().bytes;
    let objcopy_ff = fixture("padded.objcopy-ff.bin");
    assert_eq!(ours.len(), objcopy_ff.len());
    let padding = 0x88..0xc0;
    assert!(ours[padding.clone()].iter().all(|&b| b == 0x00));
    assert!(objcopy_ff[padding.clone()].iter().all(|&b| b == 0xff));
    let differ: Vec<usize> = (0..ours.len())
        .filter(|&i| ours[i] != objcopy_ff[i])
        .collect();
    assert_eq!(differ, padding.collect::<Vec<_>>());
}
