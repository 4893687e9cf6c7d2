//! Behaviour on synthetic ELFs of every class and byte order.

use super::synth::{elf, load, Ph, ALL_KINDS, PT_NOTE};

#[test]
fn every_class_and_byte_order_gives_the_same_flat_image() {
    let phs = [
        load(0x0800_0010, b"\x01\x02\x03"),
        load(0x0800_0000, b"abcd"), // listed out of order: output is by address
        Ph {
            memsz: 0x40,
            ..load(0x0800_0020, b"xyz")
        }, // .data + .bss: only 3 bytes emitted
    ];
    for kind in ALL_KINDS {
        let image_elf = elf(kind, &phs);
        let image = elf2bin::parse(&image_elf).unwrap();
        let flat = image.flat(0xee).unwrap();
        assert_eq!(flat.start, 0x0800_0000, "{kind:?}");
        let mut expected = vec![0xee; 0x23];
        expected[..4].copy_from_slice(b"abcd");
        expected[0x10..0x13].copy_from_slice(b"\x01\x02\x03");
        expected[0x20..0x23].copy_from_slice(b"xyz");
        assert_eq!(flat.bytes, expected, "{kind:?}");
        assert_eq!(flat.fill_bytes, 0x23 - 10, "{kind:?}");
        let indexes: Vec<usize> = image.segments.iter().map(|s| s.index).collect();
        assert_eq!(indexes, [1, 0, 2], "{kind:?}");
        assert_eq!(image.class == elf2bin::Class::Elf64, kind.elf64);
        assert_eq!(image.endian == elf2bin::Endian::Big, kind.big);
    }
}

#[test]
fn load_addresses_above_4gib_in_elf64() {
    let kind = ALL_KINDS[2];
    let image_elf = elf(kind, &[load(0x1_0000_0000, b"hi")]);
    let image = elf2bin::parse(&image_elf).unwrap();
    assert_eq!(image.segments[0].paddr, 0x1_0000_0000);
}

#[test]
fn empty_and_non_load_segments_are_skipped() {
    let phs = [
        Ph {
            p_type: PT_NOTE,
            ..load(0x100, b"note")
        },
        Ph {
            memsz: 0x100,
            ..load(0x10, b"")
        }, // .bss-only: p_filesz 0 at a lower address
        load(0x2000, b"code"),
    ];
    for kind in ALL_KINDS {
        let image_elf = elf(kind, &phs);
        let image = elf2bin::parse(&image_elf).unwrap();
        let flat = image.flat(0).unwrap();
        // objcopy starts the image at the first byte with contents, not at the empty segment.
        assert_eq!((flat.start, flat.bytes.as_slice()), (0x2000, &b"code"[..]));
    }
}

#[test]
fn all_zero_paddr_means_use_vaddr_like_binutils() {
    let phs = [
        Ph {
            paddr: 0,
            vaddr: 0x3000,
            ..load(0, b"AB")
        },
        Ph {
            paddr: 0,
            vaddr: 0x3004,
            ..load(0, b"CD")
        },
    ];
    let image_elf = elf(ALL_KINDS[0], &phs);
    let image = elf2bin::parse(&image_elf).unwrap();
    assert!(image.paddr_from_vaddr);
    assert_eq!(image.flat(0).unwrap().bytes, b"AB\0\0CD");
    // One non-zero p_paddr: the physical addresses are real, zero included.
    let phs = [
        Ph {
            paddr: 0,
            vaddr: 0x3000,
            ..load(0, b"AB")
        },
        Ph {
            paddr: 4,
            vaddr: 0x3004,
            ..load(0, b"CD")
        },
    ];
    let image_elf = elf(ALL_KINDS[0], &phs);
    let image = elf2bin::parse(&image_elf).unwrap();
    assert!(!image.paddr_from_vaddr);
    assert_eq!(image.flat(0).unwrap().bytes, b"AB\0\0CD");
    assert_eq!(image.start(), 0);
}

#[test]
fn adjacent_segments_do_not_count_as_overlap() {
    let phs = [load(0x100, b"1234"), load(0x104, b"5678")];
    let image_elf = elf(ALL_KINDS[1], &phs);
    let image = elf2bin::parse(&image_elf).unwrap();
    let flat = image.flat(0xff).unwrap();
    assert_eq!(
        (flat.bytes.as_slice(), flat.fill_bytes),
        (&b"12345678"[..], 0)
    );
}

#[test]
fn program_header_entries_larger_than_the_struct_are_strided() {
    // e_phentsize may exceed sizeof(Elf32_Phdr); entries are e_phentsize apart.
    let mut bytes = elf(ALL_KINDS[0], &[load(0x100, b"zz")]);
    // Grow e_phentsize from 32 to 40, inserting 8 padding bytes after the one entry and
    // moving the data offset along.
    bytes[42] = 40;
    bytes.splice(52 + 32..52 + 32, [0u8; 8]);
    bytes[52 + 4] += 8; // p_offset
    let image = elf2bin::parse(&bytes).unwrap();
    assert_eq!(image.segments[0].data, b"zz");
}
