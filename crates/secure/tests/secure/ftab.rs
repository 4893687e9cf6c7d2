//! Flash tables: built from the bundled layouts (golden), read back, and the SDK's own
//! example table binaries read.

use crate::common::*;
use secure::ftab::{build_ftab, SecConfiguration, SigKeyState, SEC_CONFIG_LEN, UNUSED};

/// Reading and writing back is lossless; names the first differing offset, not the bytes.
fn assert_same(got: &[u8], want: &[u8], what: &str) {
    assert_eq!(got.len(), want.len(), "{what}: length");
    let first = got.iter().zip(want).position(|(a, b)| a != b);
    assert_eq!(first, None, "{what}: first difference at this offset");
}

fn lb523() -> layout::Layout {
    layout::Layout::resolve("sf32lb52x-eh-lb523").unwrap()
}

#[test]
fn eh_lb523_table_matches_the_sdk_generator_rules() {
    let v = verifier();
    let plan = build_ftab(&lb523(), Some(&v), &|n| (n == "main").then_some(0x1234)).unwrap();
    let t = &plan.table;
    let bytes = t.to_bytes();
    assert_eq!(bytes.len(), SEC_CONFIG_LEN);
    golden("ftab/sf32lb52x-eh-lb523.bin", &bytes);
    assert_eq!(&bytes[..4], b"FCES");
    assert_eq!(
        (t.ftab[0].base.get(), t.ftab[0].size.get()),
        (0x1200_0000, 0x8000)
    );
    // main: ftab[4] and ftab[8], stored and run at 0x12020000.
    assert_eq!(
        (
            t.ftab[4].base.get(),
            t.ftab[4].size.get(),
            t.ftab[4].xip_base.get()
        ),
        (0x1202_0000, 0x30_0000, 0x1202_0000)
    );
    assert_eq!(t.ftab[8], t.ftab[4]);
    // dfu (the installer) in ftab[2]; bootloader twice, run from SRAM.
    assert_eq!(
        (t.ftab[2].base.get(), t.ftab[2].xip_base.get()),
        (0x1232_0000, 0x1232_0000)
    );
    assert_eq!(
        (t.ftab[3].base.get(), t.ftab[3].xip_base.get()),
        (0x1201_0000, 0x2002_0000)
    );
    assert_eq!(t.ftab[7], t.ftab[3]);
    assert_eq!(t.imgs[2].length, 0x1234);
    assert_eq!(
        t.imgs[0].length, 0x6_0000,
        "dfu: region size when no length is given"
    );
    assert_eq!((t.imgs[2].blksize.get(), t.imgs[2].flags.get()), (512, 2));
    assert_eq!(t.imgs[5].length, UNUSED, "BCPU2 stays unused as in the SDK");
    assert_eq!(
        t.running_imgs,
        [0x1200_1000, 0x1200_1200, 0x1200_1400, UNUSED]
    );
    assert_eq!(t.running_flash_id(2), Some(4));
    assert_eq!(t.running_flash_id(0), Some(2));
    assert_eq!(
        &bytes[0x104..0x104 + 294],
        sifli02("sig_pub.der").as_slice()
    );
    let back = SecConfiguration::from_bytes(&bytes).unwrap();
    assert_eq!(&back, t);
}

#[test]
fn every_bundled_layout_builds_a_table() {
    for name in [
        "sf32lb52x-eh-lb523",
        "sf32lb52x-eh-lb525",
        "sf32lb52x-lcd_n16r8",
        "sf32lb56x-eh-lb561",
    ] {
        let l = layout::Layout::resolve(name).unwrap();
        let plan = build_ftab(&l, None, &|_| None).unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_ne!(plan.table.ftab[4].base, 0, "{name}: main");
        assert!(plan
            .notes
            .iter()
            .any(|n| n.contains("sig_pub_key left zero")));
        assert_eq!(plan.table.sig_key_state(), SigKeyState::Empty);
    }
}

#[test]
fn the_sdk_secure_example_table_carries_the_sifli02_key() {
    let b = read("secure/sdk-ftab/ftab_qspi1_sec.bin");
    let t = SecConfiguration::from_bytes(&b).unwrap();
    assert_same(&t.to_bytes(), &b, "ftab_qspi1_sec.bin");
    let want: [u8; 32] = sifli02("sig_hash.bin").try_into().unwrap();
    assert_eq!(t.sig_key_state(), SigKeyState::Rsa2048 { sha256: want });
    assert_eq!(t.ftab[0].base, 0x1000_0000);
    assert_eq!(t.running_flash_id(2), Some(4));
    assert_eq!(t.imgs[6].length, 0x11_15b0, "the populated imgs[6] header");
}

#[test]
fn the_sdk_plain_example_tables_read() {
    for f in ["ftab_qspi1.bin", "sf32lb56x-ftab_qspi1.bin"] {
        let b = read(&format!("secure/sdk-ftab/{f}"));
        let t = SecConfiguration::from_bytes(&b).unwrap();
        assert_same(&t.to_bytes(), &b, f);
        assert_eq!(t.sig_key_state(), SigKeyState::Empty, "{f}");
    }
}

#[test]
fn short_or_foreign_tables_are_refused() {
    let b = read("secure/sdk-ftab/ftab_qspi1.bin");
    let e = SecConfiguration::from_bytes(&b[..100])
        .unwrap_err()
        .to_string();
    assert!(
        e.contains("100 bytes; struct sec_configuration is 11280"),
        "{e}"
    );
    let mut bad = b.clone();
    bad[0] = 0;
    let e = SecConfiguration::from_bytes(&bad).unwrap_err().to_string();
    assert!(e.contains("magic at 0x00000000"), "{e}");
}
