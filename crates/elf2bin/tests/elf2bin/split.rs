//! Layout mode: the plan (which segment goes where) and the per-region images.

use super::synth::{elf, load, ALL_KINDS};
use super::{assert_golden, eh_lb523_windows, fixture};
use elf2bin::{Error, Nearby, Placement, RegionPlan, Window};

#[test]
fn two_regions_plan() {
    let image_elf = fixture("two_regions.elf");
    let image = elf2bin::parse(&image_elf).unwrap();
    let plan = image.plan_split(&eh_lb523_windows()).unwrap();
    let place = |segment, start, end| Placement {
        segment,
        start,
        end,
    };
    assert_eq!(
        plan.regions,
        vec![
            RegionPlan {
                name: "HCPU_FLASH_CODE".into(),
                start: 0x1202_0000,
                end: 0x1202_0028,
                placements: vec![
                    place(0, 0x1202_0000, 0x1202_0024),
                    place(1, 0x1202_0024, 0x1202_0028)
                ],
                fill_bytes: 0,
            },
            RegionPlan {
                name: "DFU_FLASH_CODE".into(),
                start: 0x1232_0000,
                end: 0x1232_000c,
                placements: vec![place(2, 0x1232_0000, 0x1232_000c)],
                fill_bytes: 0,
            },
        ]
    );
}

#[test]
fn two_regions_golden_images() {
    let image_elf = fixture("two_regions.elf");
    let image = elf2bin::parse(&image_elf).unwrap();
    let regions = image.split(&eh_lb523_windows(), 0xff).unwrap();
    let names: Vec<&str> = regions.iter().map(|r| r.name.as_str()).collect();
    assert_eq!(names, ["HCPU_FLASH_CODE", "DFU_FLASH_CODE"]);
    for r in &regions {
        assert_golden(&format!("golden/two_regions/{}.bin", r.name), &r.bytes);
    }
    // The DFU table words, little-endian, at the start of DFU_FLASH_CODE.
    assert_eq!(&regions[1].bytes[..4], &0xdf0d_ab1eu32.to_le_bytes());
}

#[test]
fn one_region_split_equals_flat_when_the_image_starts_at_the_region() {
    let image_elf = fixture("multi.elf");
    let image = elf2bin::parse(&image_elf).unwrap();
    let regions = image.split(&eh_lb523_windows(), 0xff).unwrap();
    assert_eq!(regions.len(), 1);
    assert_eq!(regions[0].bytes, fixture("multi.objcopy-ff.bin"));
    assert_golden("golden/multi/HCPU_FLASH_CODE.bin", &regions[0].bytes);
}

#[test]
fn region_image_starts_at_the_region_start_not_the_first_segment() {
    // The device writes an image at the start of its region, so leading fill is kept.
    let bytes = elf(ALL_KINDS[0], &[load(0x1202_0010, b"late")]);
    let image = elf2bin::parse(&bytes).unwrap();
    let regions = image.split(&eh_lb523_windows(), 0xff).unwrap();
    assert_eq!(regions[0].start, 0x1202_0000);
    assert_eq!(regions[0].fill_bytes, 0x10);
    assert_eq!(&regions[0].bytes[0x10..], b"late");
    assert!(regions[0].bytes[..0x10].iter().all(|&b| b == 0xff));
}

#[test]
fn data_loaded_in_ram_is_outside_every_flash_region() {
    let image_elf = fixture("data_in_ram.elf");
    let image = elf2bin::parse(&image_elf).unwrap();
    let err = image.split(&eh_lb523_windows(), 0xff).unwrap_err();
    assert_eq!(
        err,
        Error::OutsideRegions {
            index: 1,
            start: 0x2000_0000,
            end: 0x2000_0004,
            nearest: vec![Nearby {
                name: "FS_REGION".into(),
                start: 0x124a_0000,
                end: 0x127a_0000
            }],
        }
    );
    assert!(
        err.to_string()
            .contains("FS_REGION 0x124a0000 to 0x127a0000"),
        "{err}"
    );
}

#[test]
fn data_loaded_in_ram_makes_the_flat_span_too_large() {
    let image_elf = fixture("data_in_ram.elf");
    let image = elf2bin::parse(&image_elf).unwrap();
    let err = image.flat(0xff).unwrap_err();
    assert_eq!(
        err,
        Error::SpanTooLarge {
            start: 0x1202_0000,
            end: 0x2000_0004,
            span: 0x2000_0004 - 0x1202_0000,
            limit: 64 << 20,
        }
    );
}

#[test]
fn segment_straddling_two_regions() {
    let bytes = elf(ALL_KINDS[3], &[load(0x1231_fff0, &[7; 0x20])]);
    let image = elf2bin::parse(&bytes).unwrap();
    let err = image.split(&eh_lb523_windows(), 0xff).unwrap_err();
    assert_eq!(
        err,
        Error::Straddles {
            index: 0,
            start: 0x1231_fff0,
            end: 0x1232_0010,
            region: Nearby {
                name: "HCPU_FLASH_CODE".into(),
                start: 0x1202_0000,
                end: 0x1232_0000
            },
            beyond: vec![Nearby {
                name: "DFU_FLASH_CODE".into(),
                start: 0x1232_0000,
                end: 0x1238_0000
            }],
        }
    );
}

#[test]
fn segment_between_regions_names_both_neighbours() {
    // 0x12008000..0x12020000 is the bootloader's untagged region, not offered as a window.
    let bytes = elf(ALL_KINDS[0], &[load(0x1201_0000, b"boot")]);
    let err = elf2bin::parse(&bytes)
        .unwrap()
        .split(&eh_lb523_windows(), 0)
        .unwrap_err();
    let Error::OutsideRegions { nearest, .. } = err else {
        panic!("{err}")
    };
    let names: Vec<&str> = nearest.iter().map(|n| n.name.as_str()).collect();
    assert_eq!(names, ["FLASH_TABLE", "HCPU_FLASH_CODE"]);
}

#[test]
fn region_span_limit_applies_per_region() {
    let windows = [Window {
        name: "BIG",
        start: 0,
        size: 1 << 40,
    }];
    let bytes = elf(ALL_KINDS[2], &[load(0x8000_0000, b"x")]);
    let err = elf2bin::parse(&bytes)
        .unwrap()
        .split(&windows, 0)
        .unwrap_err();
    assert!(matches!(err, Error::SpanTooLarge { start: 0, .. }), "{err}");
}
