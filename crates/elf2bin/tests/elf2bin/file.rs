//! `ElfFile` (headers read, contents streamed from the file) against `parse` (all in memory):
//! the same images, plans and errors.

use super::synth::{elf, load, ALL_KINDS};
use super::{eh_lb523_windows, fixture};
use elf2bin::{ElfFile, Error};
use std::io::{self, Cursor, Read, Seek, SeekFrom};

const FIXTURES: [&str; 8] = [
    "multi.elf",
    "multi_be32.elf",
    "multi_le64.elf",
    "multi_be64.elf",
    "low_ram.elf",
    "multi_lld.elf",
    "padded.elf",
    "two_regions.elf",
];

#[test]
fn streamed_flat_images_equal_the_in_memory_ones() {
    for name in FIXTURES {
        let bytes = fixture(name);
        let image = elf2bin::parse(&bytes).unwrap();
        let mut file = ElfFile::open(Cursor::new(&bytes)).unwrap();
        let plan = file.plan_flat().unwrap();
        for fill in [0x00, 0xff] {
            let flat = image.flat(fill).unwrap();
            let mut streamed = Vec::new();
            file.write_region(&plan, fill, &mut streamed).unwrap();
            assert_eq!(streamed, flat.bytes, "{name} fill {fill:#x}");
            assert_eq!(file.region_image(&plan, fill).unwrap(), flat, "{name}");
        }
        let addrs: Vec<_> = image
            .segments
            .iter()
            .map(|s| {
                (
                    s.index,
                    s.paddr,
                    s.vaddr,
                    s.offset,
                    s.data.len() as u64,
                    s.memsz,
                )
            })
            .collect();
        let file_addrs: Vec<_> = file
            .segments()
            .iter()
            .map(|s| (s.index, s.paddr, s.vaddr, s.offset, s.filesz, s.memsz))
            .collect();
        assert_eq!(addrs, file_addrs, "{name}");
        assert_eq!(
            (file.class(), file.endian(), file.paddr_from_vaddr()),
            (image.class, image.endian, image.paddr_from_vaddr)
        );
    }
}

#[test]
fn streamed_region_images_equal_the_in_memory_ones() {
    let bytes = fixture("two_regions.elf");
    let image = elf2bin::parse(&bytes).unwrap();
    let mut file = ElfFile::open(Cursor::new(&bytes)).unwrap();
    let plan = file.plan_split(&eh_lb523_windows()).unwrap();
    assert_eq!(plan, image.plan_split(&eh_lb523_windows()).unwrap());
    let emitted = image.emit(&plan, 0xff);
    assert_eq!(emitted.len(), 2);
    for (region, expected) in plan.regions.iter().zip(&emitted) {
        let mut streamed = Vec::new();
        file.write_region(region, 0xff, &mut streamed).unwrap();
        assert_eq!(streamed, expected.bytes, "{}", region.name);
    }
}

#[test]
fn open_gives_the_same_errors_as_parse() {
    // Every prefix of a fixture, and single-byte changes to a synthetic header.
    let bytes = fixture("multi_le64.elf");
    let mut inputs: Vec<Vec<u8>> = (0..bytes.len())
        .step_by(7)
        .map(|n| bytes[..n].to_vec())
        .collect();
    let base = elf(ALL_KINDS[1], &[load(0x100, b"abcdef"), load(0x200, b"gh")]);
    for at in 0..base.len() {
        for v in [0x00, 0x7f, 0xff] {
            let mut b = base.clone();
            b[at] = v;
            inputs.push(b);
        }
    }
    for input in &inputs {
        let parsed = elf2bin::parse(input).map(|i| i.segments.len());
        let opened = ElfFile::open(Cursor::new(input)).map(|f| f.segments().len());
        assert_eq!(parsed, opened, "{} bytes", input.len());
    }
}

/// A reader whose every read fails, as a failing disk would.
#[derive(Debug)]
struct FailingDisk;

impl Read for FailingDisk {
    fn read(&mut self, _: &mut [u8]) -> io::Result<usize> {
        Err(io::Error::other("disk on fire"))
    }
}

impl Seek for FailingDisk {
    fn seek(&mut self, _: SeekFrom) -> io::Result<u64> {
        Ok(4096)
    }
}

#[test]
fn an_unreadable_file_is_a_read_error_not_a_malformed_elf() {
    let err = ElfFile::open(FailingDisk).unwrap_err();
    assert_eq!(
        err,
        Error::Read {
            what: "ELF magic",
            offset: 0,
            source: io::Error::other("disk on fire").into()
        }
    );
    assert!(err.to_string().contains("offset 0x0"), "{err}");
    // The I/O error is the cause, typed, not part of the message.
    let Error::Read { source, .. } = &err else {
        unreachable!()
    };
    assert_eq!(source.io().kind(), io::ErrorKind::Other);
    let cause = std::error::Error::source(&err).map(|c| c.to_string());
    assert_eq!(cause.as_deref(), Some("disk on fire"));
}

#[test]
fn a_file_that_shrinks_after_opening_fails_naming_the_segment() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("multi.elf");
    std::fs::write(&path, fixture("multi.elf")).unwrap();
    let mut file = ElfFile::open(std::fs::File::open(&path).unwrap()).unwrap();
    let plan = file.plan_flat().unwrap();
    // Another process truncates it: segment 1 (.data, 9 bytes at offset 0x2000) is cut.
    std::fs::OpenOptions::new()
        .write(true)
        .open(&path)
        .unwrap()
        .set_len(0x2004)
        .unwrap();
    let err = file.write_region(&plan, 0xff, &mut Vec::new()).unwrap_err();
    assert_eq!(err.kind(), io::ErrorKind::UnexpectedEof);
    let msg = err.to_string();
    assert!(
        msg.contains("segment 1") && msg.contains("offset 0x2000"),
        "{msg}"
    );
}
