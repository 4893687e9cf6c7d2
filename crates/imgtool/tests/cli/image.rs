//! `imgtool image convert|decode` and the vendor `ezip` drop-in on real files: the vendor's
//! outputs (`testdata/ezip-image/`), round trips to the PNG's pixels, the SDK folder layout,
//! and every kind of bad input (error, nothing written).

use crate::common::{files_in, imgtool, ok, read, read_text, tempdir, testdata};
use std::path::Path;

fn vector(rel: &str) -> Vec<u8> {
    read(&testdata(&format!("ezip-image/{rel}")))
}

/// A temp dir holding the three SDK PNGs.
fn with_pngs() -> tempfile::TempDir {
    let t = tempdir();
    for p in ["airplane", "down_arrow", "img_clock"] {
        let src = testdata(&format!("ezip-image/png/{p}.png"));
        std::fs::copy(src, t.path().join(format!("{p}.png"))).unwrap();
    }
    t
}

/// RGBA pixels of a PNG file, by the `png` crate (independent of the crate under test).
fn png_rgba(bytes: &[u8]) -> (u32, u32, Vec<u8>) {
    let mut d = png::Decoder::new(bytes);
    d.set_transformations(png::Transformations::EXPAND);
    let mut r = d.read_info().unwrap();
    let mut buf = vec![0; r.output_buffer_size()];
    let f = r.next_frame(&mut buf).unwrap();
    let rgba = match f.color_type {
        png::ColorType::Rgba => buf[..f.buffer_size()].to_vec(),
        png::ColorType::Rgb => buf[..f.buffer_size()]
            .chunks(3)
            .flat_map(|p| [p[0], p[1], p[2], 255])
            .collect(),
        c => panic!("unexpected {c:?}"),
    };
    (f.width, f.height, rgba)
}

#[test]
fn convert_writes_the_vendors_pixel_files_byte_for_byte() {
    let t = with_pngs();
    let d = t.path();
    let run = |args: &[&str]| ok(imgtool(d, args));
    run(&[
        "image",
        "convert",
        "airplane.png",
        "down_arrow.png",
        "--format",
        "pixel",
        "--out-c",
        "--section",
        "ROM3_IMG",
        "-o",
        "c",
    ]);
    assert!(read(&d.join("c/airplane.c")) == vector("ezip-2.0.5/airplane_rgb565_cfile1_dpt1.c"));
    assert!(
        read(&d.join("c/down_arrow.c")) == vector("ezip-2.0.5/down_arrow_rgb565_cfile1_dpt1.c")
    );
    run(&[
        "image",
        "convert",
        "airplane.png",
        "--format",
        "pixel",
        "--color",
        "rgb888",
        "--out-bin",
        "-o",
        "b",
    ]);
    assert!(
        read(&d.join("b/airplane.bin"))
            == vector("ezip-2.0.5/airplane_rgb888_binfile1_default.bin")
    );
    run(&[
        "image",
        "convert",
        "airplane.png",
        "--format",
        "pixel",
        "--out-bin",
        "--lvgl",
        "9",
        "--compat",
        "2.4.0",
        "-o",
        "v9",
    ]);
    assert!(
        read(&d.join("v9/airplane.bin")) == vector("ezip-2.4.0/airplane_rgb565_binfile1_lvgl9.bin")
    );
    run(&[
        "image",
        "convert",
        "airplane.png",
        "--format",
        "pixel",
        "--out-bin",
        "--no-dither",
        "-o",
        "nd",
    ]);
    assert!(
        read(&d.join("nd/airplane.bin"))
            == vector("ezip-2.4.0/airplane_rgb565_binfile1_dither0.bin")
    );
}

#[test]
fn convert_ezip_files_decode_to_the_vendors_pixels() {
    let t = with_pngs();
    let d = t.path();
    for (fmt, layout) in [("--out-c", "1"), ("--out-bin", "2"), ("--out-bin", "4")] {
        let out = format!("o{layout}");
        let args = [
            "image",
            "convert",
            "airplane.png",
            "--format",
            "ezip",
            fmt,
            "--ezip-layout",
            layout,
            "-o",
            &out,
        ];
        let rows: &[&str] = if layout == "1" {
            &[]
        } else {
            &["--rows", "16"]
        };
        ok(imgtool(d, &[&args[..], rows].concat()));
        let file = if fmt == "--out-c" {
            "airplane.c"
        } else {
            "airplane.bin"
        };
        let ours = format!("{out}/{file}");
        ok(imgtool(d, &["image", "decode", &ours, "-o", "ours.png"]));
        let vendor = testdata("ezip-image/ezip-2.0.5/airplane_rgb565_cfile2_dpt1.c");
        ok(imgtool(
            d,
            &[
                "image",
                "decode",
                vendor.to_str().unwrap(),
                "-o",
                "vendor.png",
            ],
        ));
        assert_eq!(
            png_rgba(&read(&d.join("ours.png"))),
            png_rgba(&read(&d.join("vendor.png"))),
            "layout {layout}"
        );
    }
}

#[test]
fn decode_round_trips_rgb888_to_the_original_png_pixels() {
    let t = with_pngs();
    let d = t.path();
    for png in ["airplane", "down_arrow", "img_clock"] {
        let original = png_rgba(&read(&d.join(format!("{png}.png"))));
        for (format, out) in [
            ("ezip", "--out-bin"),
            ("ezip", "--out-c"),
            ("pixel", "--out-bin"),
            ("pixel", "--out-c"),
        ] {
            let dir = format!("{png}-{format}{out}");
            let input = format!("{png}.png");
            ok(imgtool(
                d,
                &[
                    "image", "convert", &input, "--format", format, out, "--color", "rgb888",
                    "--lvgl", "9", "-o", &dir,
                ],
            ));
            let ext = if out == "--out-c" { "c" } else { "bin" };
            let written = format!("{dir}/{png}.{ext}");
            ok(imgtool(d, &["image", "decode", &written, "-o", "back.png"]));
            assert_eq!(png_rgba(&read(&d.join("back.png"))), original, "{dir}");
        }
    }
}

#[test]
fn folder_mode_converts_the_sdk_resource_folders() {
    let t = with_pngs();
    let d = t.path();
    for (dir, png) in [
        ("images/common/ezip", "airplane"),
        ("images/common/no_ezip", "down_arrow"),
        ("images/big/large_ezip", "img_clock"),
        ("images/other", "airplane"),
    ] {
        std::fs::create_dir_all(d.join(dir)).unwrap();
        std::fs::copy(
            d.join(format!("{png}.png")),
            d.join(format!("{dir}/{png}.png")),
        )
        .unwrap();
    }
    ok(imgtool(
        d,
        &[
            "image",
            "convert",
            "images",
            "--section",
            "ROM3_IMG",
            "--fb-line-num",
            "40",
            "-o",
            "out",
        ],
    ));
    // no_ezip/: the vendor's pixel C file, byte for byte.
    assert!(
        read(&d.join("out/common/no_ezip/down_arrow.c"))
            == vector("ezip-2.0.5/down_arrow_rgb565_cfile1_dpt1.c")
    );
    let ezip = read_text(&d.join("out/common/ezip/airplane.c"));
    assert!(
        ezip.contains("SECTION(\".ROM3_IMG_EZIP.airplane\")"),
        "{ezip}"
    );
    // EZIP header byte 4: layout 1 in the high nibble.
    let first = ezip.lines().find(|l| l.starts_with("    0x")).unwrap();
    let head: Vec<&str> = first.split(',').skip(4).take(4).collect();
    assert_eq!(
        head,
        ["0x1c", "0x18", "0x20", "0x00"],
        "layout 1 ARGB8565: {first}"
    );
    let large = read_text(&d.join("out/big/large_ezip/img_clock.c"));
    // Layout 4, ARGB8565, 90x91; 40 rows rounded up to 64 per block, 2 blocks.
    assert!(
        large.contains(
            "0x4c,0x18,0x20,0x00,0x00,0x5a,0x00,0x5b,0x00,0x00,0x00,0x00,0x00,0x40,0x00,0x02,"
        ),
        "{}",
        &large[..800]
    );
    assert!(
        !d.join("out/other").exists(),
        "PNGs outside the resource folders are skipped"
    );
    // The SDK passes its palette flag for every folder: no_ezip/ stays true colour.
    ok(imgtool(
        d,
        &[
            "image",
            "convert",
            "images",
            "--palette",
            "--section",
            "ROM3_IMG",
            "-o",
            "pal",
        ],
    ));
    assert!(
        read(&d.join("pal/common/no_ezip/down_arrow.c"))
            == vector("ezip-2.0.5/down_arrow_rgb565_cfile1_dpt1.c")
    );
    let pal = read_text(&d.join("pal/common/ezip/airplane.c"));
    // EZIP header byte 4: layout 1, colour type 3 (palette).
    let first = pal.lines().find(|l| l.starts_with("    0x")).unwrap();
    assert_eq!(first.split(',').nth(4), Some("0x13"), "{first}");
    // The PC simulator: pixels everywhere, no sections.
    ok(imgtool(
        d,
        &["image", "convert", "images", "--simu", "-o", "simu"],
    ));
    let simu = read_text(&d.join("simu/big/large_ezip/img_clock.c"));
    assert!(simu.contains("LV_IMG_CF_TRUE_COLOR_ALPHA") && !simu.contains("SECTION"));
}

/// Runs the built binary under another name (a symlink in `d`).
fn run_as(d: &Path, name: &str, args: &[&str]) -> std::process::Output {
    let link = d.join(name);
    if !link.exists() {
        std::os::unix::fs::symlink(env!("CARGO_BIN_EXE_imgtool"), &link).unwrap();
    }
    std::process::Command::new(&link)
        .args(args)
        .current_dir(d)
        .output()
        .unwrap()
}

#[cfg(unix)]
#[test]
fn drop_in_under_the_name_ezip_linux_writes_the_vendors_files() {
    let t = with_pngs();
    let d = t.path();
    let o = run_as(
        d,
        "ezip_linux",
        &[
            "-convert",
            "airplane.png",
            "-rgb565",
            "-cfile",
            "1",
            "-section",
            "ROM3_IMG",
            "-outdir",
            "out",
        ],
    );
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    assert!(read(&d.join("out/airplane.c")) == vector("ezip-2.0.5/airplane_rgb565_cfile1_dpt1.c"));
    let o = run_as(
        d,
        "ezip_linux",
        &[
            "-convert",
            "down_arrow.png",
            "-rgb888",
            "-binfile",
            "1",
            "-outdir",
            "out",
        ],
    );
    assert!(o.status.success());
    assert!(
        read(&d.join("out/down_arrow.bin"))
            == vector("ezip-2.0.5/down_arrow_rgb888_binfile1_default.bin")
    );
    // EZIP with the vendor's default layout 4 and 32 rows: the header and block table as 2.4.0's.
    let o = run_as(
        d,
        "ezip",
        &[
            "-convert",
            "airplane.png",
            "-rgb565",
            "-binfile",
            "2",
            "-binext",
            ".ezip",
            "-outdir",
            "out",
        ],
    );
    assert!(o.status.success());
    let ours = read(&d.join("out/airplane.ezip"));
    let vendor = vector("ezip-2.4.0/airplane_rgb565_binfile2_default.bin");
    assert_eq!(ours[..4], vendor[..4]);
    assert_eq!(
        ours[8..24],
        vendor[8..24],
        "EZIP header and block table head"
    );
    // Unknown options are errors, unlike the vendor's tool, and nothing is written.
    let o = run_as(
        d,
        "ezip_linux",
        &[
            "-convert",
            "airplane.png",
            "-cfile",
            "2",
            "-detailcf",
            "-outdir",
            "bad",
        ],
    );
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("unknown vendor option \"-detailcf\""));
    assert!(!d.join("bad").exists());
}

#[test]
fn imgtool_ezip_is_the_same_drop_in() {
    let t = with_pngs();
    let d = t.path();
    ok(imgtool(
        d,
        &[
            "ezip",
            "-convert",
            "airplane.png",
            "-rgb565",
            "-cfile",
            "1",
            "-section",
            "ROM3_IMG",
            "-outdir",
            "out",
        ],
    ));
    assert!(read(&d.join("out/airplane.c")) == vector("ezip-2.0.5/airplane_rgb565_cfile1_dpt1.c"));
    let o = imgtool(
        d,
        &[
            "ezip",
            "-convert",
            "airplane.png",
            "-binfile",
            "2",
            "-binext",
            ".png",
            "-outdir",
            ".",
        ],
    );
    o.assert_exit(2);
    assert!(
        o.stderr.contains("is the same file as the input"),
        "{}",
        o.stderr
    );
    assert!(read(&d.join("airplane.png")) == vector("png/airplane.png"));
}

/// A PNG written from the format (independent of both crates): 8-bit or 16-bit samples,
/// colour type `ct`, optionally Adam7-interlaced; `px(x, y)` gives one pixel's bytes.
fn make_png(
    w: u32,
    h: u32,
    ct: u8,
    depth: u8,
    interlace: bool,
    px: impl Fn(u32, u32) -> Vec<u8>,
) -> Vec<u8> {
    use std::io::Write;
    let passes: &[(u32, u32, u32, u32)] = if interlace {
        &[
            (0, 0, 8, 8),
            (4, 0, 8, 8),
            (0, 4, 4, 8),
            (2, 0, 4, 4),
            (0, 2, 2, 4),
            (1, 0, 2, 2),
            (0, 1, 1, 2),
        ]
    } else {
        &[(0, 0, 1, 1)]
    };
    let mut raw = Vec::new();
    for &(x0, y0, dx, dy) in passes {
        if x0 >= w || y0 >= h {
            continue;
        }
        for y in (y0..h).step_by(dy as usize) {
            raw.push(0);
            for x in (x0..w).step_by(dx as usize) {
                raw.extend(px(x, y));
            }
        }
    }
    let mut z = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::default());
    z.write_all(&raw).unwrap();
    let idat = z.finish().unwrap();
    let mut ihdr = Vec::new();
    ihdr.extend(w.to_be_bytes());
    ihdr.extend(h.to_be_bytes());
    ihdr.extend([depth, ct, 0, 0, u8::from(interlace)]);
    let mut out = b"\x89PNG\r\n\x1a\n".to_vec();
    for (name, data) in [(b"IHDR", ihdr), (b"IDAT", idat), (b"IEND", Vec::new())] {
        out.extend((data.len() as u32).to_be_bytes());
        let mut crc = flate2::Crc::new();
        crc.update(name);
        crc.update(&data);
        out.extend(name);
        out.extend(&data);
        out.extend(crc.sum().to_be_bytes());
    }
    out
}

/// A 13x11 RGB test pattern.
fn pattern(x: u32, y: u32) -> Vec<u8> {
    vec![(x * 19) as u8, (y * 23) as u8, ((x + y) * 7) as u8]
}

#[test]
fn interlaced_and_grayscale_pngs_are_converted() {
    let t = tempdir();
    let d = t.path();
    std::fs::write(d.join("plain.png"), make_png(13, 11, 2, 8, false, pattern)).unwrap();
    std::fs::write(d.join("adam7.png"), make_png(13, 11, 2, 8, true, pattern)).unwrap();
    std::fs::write(
        d.join("gray.png"),
        make_png(13, 11, 0, 8, false, |x, y| vec![(x * y) as u8]),
    )
    .unwrap();
    let args = [
        "image",
        "convert",
        "plain.png",
        "adam7.png",
        "gray.png",
        "--format",
        "pixel",
        "--color",
        "rgb888",
        "--out-bin",
        "-o",
        "out",
    ];
    ok(imgtool(d, &args));
    let plain = read(&d.join("out/plain.bin"));
    assert!(
        read(&d.join("out/adam7.bin")) == plain,
        "interlacing does not change the pixels"
    );
    assert_eq!(plain[4..7], [0, 0, 0][..]);
    let gray = read(&d.join("out/gray.bin"));
    // RGB888 without alpha: cf 4 (TRUE_COLOR); grey 3*5=15 at (3,5) as B,G,R.
    assert_eq!(gray[0] & 0x1f, 4);
    let at = 4 + 3 * (5 * 13 + 3);
    assert_eq!(gray[at..at + 3], [15, 15, 15][..]);
}

/// Runs a failing conversion: exit 2, `said` in the message naming the input, no output.
#[track_caller]
fn refused(d: &Path, args: &[&str], said: &str) {
    let o = imgtool(d, args);
    o.assert_exit(2);
    assert!(o.stderr.contains(said), "{args:?}: {}", o.stderr);
    assert!(
        files_in(&d.join("out")).is_empty(),
        "{args:?} wrote {:?}",
        files_in(&d.join("out"))
    );
}

#[test]
fn bad_inputs_are_refused_with_nothing_written() {
    let t = with_pngs();
    let d = t.path();
    let png = vector("png/airplane.png");
    std::fs::write(d.join("text.png"), b"hello, not a png").unwrap();
    std::fs::write(d.join("cut.png"), &png[..png.len() / 2]).unwrap();
    std::fs::write(
        d.join("deep.png"),
        make_png(4, 4, 2, 16, false, |_, _| vec![1; 6]),
    )
    .unwrap();
    std::fs::write(
        d.join("wide.png"),
        make_png(2048, 1, 2, 8, false, |x, _| vec![x as u8, 0, 0]),
    )
    .unwrap();
    std::fs::write(
        d.join("colours.png"),
        make_png(300, 1, 2, 8, false, |x, _| vec![x as u8, (x >> 8) as u8, 0]),
    )
    .unwrap();
    let conv = |f: &str| -> Vec<String> {
        [
            "image",
            "convert",
            f,
            "airplane.png",
            "--format",
            "ezip",
            "--out-bin",
            "-o",
            "out",
        ]
        .map(str::to_string)
        .to_vec()
    };
    let cases: [(&str, &str); 4] = [
        ("text.png", "text.png: not a PNG file"),
        ("cut.png", "cut.png: damaged or truncated PNG"),
        ("deep.png", "deep.png: 16-bit PNG"),
        (
            "wide.png",
            "wide.png: 2048x1 pixels do not fit the LVGL 8 header",
        ),
    ];
    for (file, said) in cases {
        let args = conv(file);
        let refs: Vec<&str> = args.iter().map(String::as_str).collect();
        refused(d, &refs, said);
    }
    refused(
        d,
        &[
            "image",
            "convert",
            "colours.png",
            "--format",
            "ezip",
            "--palette",
            "--out-bin",
            "-o",
            "out",
        ],
        "more than 256 colours",
    );
    refused(
        d,
        &[
            "image",
            "convert",
            "airplane.png",
            "--format",
            "pixel",
            "--palette",
            "--out-c",
            "-o",
            "out",
        ],
        "palette applies to EZIP output only",
    );
    refused(
        d,
        &[
            "image",
            "convert",
            "airplane.png",
            "--format",
            "pixel",
            "--out-c",
            "--lvgl",
            "9",
            "--compat",
            "2.0.5",
            "-o",
            "out",
        ],
        "predates LVGL 9",
    );
    // No option is silently ignored.
    for (extra, said) in [
        (
            &["--out-bin", "--section", "ROM3_IMG"][..],
            "--section (C files only) would do nothing",
        ),
        (
            &["--out-c", "--rows", "8"][..],
            "--rows without --ezip-layout 2|4 would do nothing",
        ),
        (
            &["--out-c", "--color", "rgb888", "--no-dither"][..],
            "--no-dither with --color rgb888",
        ),
        (
            &["--out-c", "--simu", "--section", "S"][..],
            "--section with --simu",
        ),
        (
            &["--out-c", "--fb-line-num", "64"][..],
            "--fb-line-num outside folder mode",
        ),
    ] {
        let args = [
            &[
                "image",
                "convert",
                "airplane.png",
                "--format",
                "ezip",
                "-o",
                "out",
            ][..],
            extra,
        ]
        .concat();
        refused(d, &args, said);
    }
    let args = [
        "image",
        "convert",
        "airplane.png",
        "--format",
        "pixel",
        "--out-c",
        "--window",
        "2048",
        "-o",
        "out",
    ];
    refused(d, &args, "--window with --format pixel would do nothing");
    // Two PNGs with one stem would write one file twice.
    std::fs::create_dir(d.join("again")).unwrap();
    std::fs::write(d.join("again/airplane.png"), &png).unwrap();
    refused(
        d,
        &[
            "image",
            "convert",
            "airplane.png",
            "again/airplane.png",
            "--format",
            "ezip",
            "--out-c",
            "-o",
            "out",
        ],
        "airplane.c",
    );
    // The v9 pixel file of --compat 2.4.0 cannot be decoded: its cf byte says nothing.
    ok(imgtool(
        d,
        &[
            "image",
            "convert",
            "airplane.png",
            "--format",
            "pixel",
            "--out-bin",
            "--lvgl",
            "9",
            "--compat",
            "2.4.0",
            "-o",
            "q",
        ],
    ));
    let o = imgtool(d, &["image", "decode", "q/airplane.bin", "-o", "q.png"]);
    o.assert_exit(2);
    assert!(
        o.stderr.contains("ezip 2.4.0's LVGL 9 pixel .bin bug"),
        "{}",
        o.stderr
    );
    // The wide image fits LVGL 9; 300 colours convert without --palette.
    ok(imgtool(
        d,
        &[
            "image",
            "convert",
            "wide.png",
            "colours.png",
            "--format",
            "ezip",
            "--lvgl",
            "9",
            "--out-bin",
            "-o",
            "v9",
        ],
    ));
    // decode: over its input, and a file that is no image.
    ok(imgtool(
        d,
        &[
            "image",
            "convert",
            "airplane.png",
            "--format",
            "ezip",
            "--out-c",
            "-o",
            "c",
        ],
    ));
    let before = read(&d.join("c/airplane.c"));
    let o = imgtool(
        d,
        &["image", "decode", "c/airplane.c", "-o", "c/airplane.c"],
    );
    o.assert_exit(2);
    assert!(
        o.stderr.contains("is the same file as the input"),
        "{}",
        o.stderr
    );
    assert!(read(&d.join("c/airplane.c")) == before);
    let o = imgtool(d, &["image", "decode", "text.png", "-o", "x.png"]);
    o.assert_exit(2);
    assert!(
        o.stderr.contains("text.png: bad LVGL .bin header"),
        "{}",
        o.stderr
    );
    assert!(!d.join("x.png").exists());
}

#[test]
fn palette_images_round_trip_with_the_smallest_index_size() {
    let t = tempdir();
    let d = t.path();
    // 3 colours -> 2-bit indices; 17 colours -> 8-bit (packed) ; --palette=byte -> 8-bit.
    std::fs::write(
        d.join("three.png"),
        make_png(13, 11, 2, 8, false, |x, _| vec![(x % 3) as u8 * 100, 0, 0]),
    )
    .unwrap();
    std::fs::write(
        d.join("many.png"),
        make_png(17, 3, 2, 8, false, |x, _| vec![x as u8, 9, 9]),
    )
    .unwrap();
    for (png, pal, bits) in [
        ("three", "--palette", 2u8),
        ("many", "--palette", 8),
        ("three", "--palette=byte", 8),
    ] {
        let input = format!("{png}.png");
        ok(imgtool(
            d,
            &[
                "image",
                "convert",
                &input,
                "--format",
                "ezip",
                pal,
                "--out-bin",
                "-o",
                "out",
            ],
        ));
        let bin = read(&d.join(format!("out/{png}.bin")));
        // After the 4-byte LVGL header: EZIP colour type 3 (palette), bits per index.
        assert_eq!((bin[4 + 4] & 0x0f, bin[4 + 5]), (3, bits), "{png} {pal}");
        let back = format!("{png}-back.png");
        ok(imgtool(
            d,
            &["image", "decode", &format!("out/{png}.bin"), "-o", &back],
        ));
        assert_eq!(
            png_rgba(&read(&d.join(&back))),
            png_rgba(&read(&d.join(&input))),
            "{png} {pal}"
        );
    }
}
