//! Hostile inputs whose cost could grow faster than the file: work and memory stay bounded by
//! the output, whatever the headers say.

use super::synth::{elf, load, Ph, ALL_KINDS};
use elf2bin::{ElfFile, Error, Window, MAX_FLAT_SPAN};
use std::io::Cursor;

/// ELF64 little-endian (addresses past 4 GiB): `count` PT_LOAD headers all pointing at the
/// same `len` file bytes (legal in ELF), loaded back to back from `base`. The first header's
/// bytes are the only ones in the file.
fn same_bytes_many_headers(count: usize, len: usize, base: u64) -> (Vec<u8>, Vec<u8>) {
    let blob: Vec<u8> = (0..len).map(|i| (i * 7 + i / 251) as u8).collect();
    let data_at = 64 + 56 * count as u64; // after the ELF header and the headers
    let phs: Vec<Ph> = (0..count)
        .map(|i| {
            let paddr = base + (i * len) as u64;
            if i == 0 {
                load(paddr, &blob)
            } else {
                Ph {
                    data: Vec::new(),
                    offset: Some(data_at),
                    filesz: Some(len as u64),
                    memsz: len as u64,
                    ..load(paddr, &[])
                }
            }
        })
        .collect();
    (elf(ALL_KINDS[2], &phs), blob)
}

#[test]
fn many_program_headers_pointing_at_the_same_bytes_copy_nothing_and_flat_is_refused() {
    // 65534 headers (e_phnum's largest plain value) x 1 MiB claim 64 GiB of loadable bytes
    // from a 4.5 MiB file. Before segments borrowed their bytes, parsing copied every one
    // (65534 copies of the same MiB) and the process ran out of memory.
    let (count, len) = (65_534, 1 << 20);
    let (bytes, _) = same_bytes_many_headers(count, len, 0x1000_0000);
    assert!(bytes.len() < 5 << 20);
    let image = elf2bin::parse(&bytes).unwrap();
    assert_eq!(image.segments.len(), count);
    // Every segment is the same borrowed file range: nothing was copied.
    let first = image.segments[0].data;
    assert!(first.as_ptr_range().start >= bytes.as_ptr_range().start);
    assert!(first.as_ptr_range().end <= bytes.as_ptr_range().end);
    assert!(image.segments.iter().all(|s| std::ptr::eq(s.data, first)));
    // The flat image (64 GiB) is refused before anything is allocated.
    let span = (count * len) as u64;
    let too_large = Error::SpanTooLarge {
        start: 0x1000_0000,
        end: 0x1000_0000 + span,
        span,
        limit: MAX_FLAT_SPAN,
    };
    assert_eq!(image.flat(0xff).unwrap_err(), too_large);
    // So is a region that would hold it, and the streaming path agrees.
    let everything = [Window {
        name: "ALL",
        start: 0x1000_0000,
        size: 1 << 40,
    }];
    assert!(matches!(
        image.plan_split(&everything),
        Err(Error::SpanTooLarge { .. })
    ));
    let file = ElfFile::open(Cursor::new(&bytes)).unwrap();
    assert_eq!(file.segments().len(), count);
    assert_eq!(file.plan_flat().unwrap_err(), too_large);
}

#[test]
fn many_program_headers_pointing_at_the_same_bytes_up_to_the_span_limit_are_extracted() {
    // 4096 headers x 16 KiB of the same bytes fill exactly MAX_FLAT_SPAN: accepted (a linker
    // could write this, and objcopy extracts it), and the image is the bytes repeated.
    let (count, len) = (4096, 16 << 10);
    assert_eq!((count * len) as u64, MAX_FLAT_SPAN);
    let (bytes, blob) = same_bytes_many_headers(count, len, 0x1200_0000);
    let image = elf2bin::parse(&bytes).unwrap();
    let flat = image.flat(0xff).unwrap();
    assert_eq!(flat.bytes.len() as u64, MAX_FLAT_SPAN);
    assert_eq!(flat.fill_bytes, 0);
    assert!(flat.bytes.chunks(len).all(|c| c == blob));
    // One header more is one byte-range past the limit: refused.
    let (bytes, _) = same_bytes_many_headers(count + 1, len, 0x1200_0000);
    let err = elf2bin::parse(&bytes).unwrap().flat(0xff).unwrap_err();
    assert!(matches!(err, Error::SpanTooLarge { .. }), "{err}");
}

#[test]
fn split_of_thousands_of_segments_places_each_once() {
    // Emitting looks segments up by address (not by scanning all of them per placement), so
    // this is linear; the image must still hold every segment at its address.
    let (count, len) = (4096, 16);
    let (bytes, blob) = same_bytes_many_headers(count, len, 0x1202_0000);
    let image = elf2bin::parse(&bytes).unwrap();
    let regions = image.split(&super::eh_lb523_windows(), 0xff).unwrap();
    assert_eq!(regions.len(), 1);
    assert_eq!(regions[0].name, "HCPU_FLASH_CODE");
    assert_eq!(regions[0].bytes.len(), count * len);
    assert!(regions[0].bytes.chunks(len).all(|c| c == blob));
}
