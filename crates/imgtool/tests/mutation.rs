//! Deterministic mutation test of every reader: a fixed seed, a few thousand mutated inputs per
//! reader, each of which must give `Ok` or a clear error, never a panic, within a time bound
//! and a memory bound. The coverage-guided version of the same idea lives in `fuzz/`; the
//! crashing inputs either found are kept in `testdata/regressions/<reader>/` and replayed here.
//!
//! Memory is measured with a counting global allocator (`cap`, with its peak statistic): an
//! input whose run raises the process peak more than [`mem_bound`] above what was allocated
//! before it fails the test. A hard cap of 1 GiB turns a runaway allocation into an abort
//! instead of an out-of-memory machine.
//!
//! A test binary of its own (not a module of `tests/cli`): it installs a global allocator,
//! which would count every CLI test's allocations too.
//!
//! Reproduce a failure: the failing input is written to
//! `$CARGO_TARGET_TMPDIR/mutation/<reader>-<case>.bin`; copy it to
//! `testdata/regressions/<reader>/<what-it-caught>.bin` once fixed.

use std::alloc::System;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::time::{Duration, Instant};

#[global_allocator]
static ALLOC: cap::Cap<System> = cap::Cap::new(System, 1 << 30);

/// Fixed seed: every run mutates the same inputs (`IMGTOOL_MUTATION_SEED` overrides it).
const SEED: u64 = 0x1AB5_EED0_2026_1125;
/// Mutated inputs per reader (`IMGTOOL_MUTATION_CASES` overrides it for long runs).
const CASES: usize = 4000;

fn env_or(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}
/// One input may take this long (debug build, shared CI machine).
const CASE_TIME: Duration = Duration::from_secs(2);

/// Tests share the allocator statistics: run the readers one at a time.
static SERIAL: Mutex<()> = Mutex::new(());

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn testdata(rel: &str) -> Vec<u8> {
    let p = repo().join("testdata").join(rel);
    std::fs::read(&p).unwrap_or_else(|e| panic!("{}: {e}", p.display()))
}

/// Peak bytes one input may allocate beyond what was live before it: a fixed allowance plus
/// what DEFLATE's maximum expansion (1032:1) of the whole input could legitimately need.
fn mem_bound(input_len: usize) -> usize {
    (48 << 20) + 1100 * input_len
}

/// What a reader may allocate on top of [`mem_bound`] by design, whatever its input.
fn extra_bound(reader: &str) -> usize {
    match reader {
        // A flat image is the output, sized by the load addresses, capped at MAX_FLAT_SPAN.
        "elf" => elf2bin::MAX_FLAT_SPAN as usize,
        _ => 0,
    }
}

/// SplitMix64: tiny, seedable, good enough to pick mutations.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: usize) -> usize {
        if n == 0 {
            0
        } else {
            (self.next() % n as u64) as usize
        }
    }
}

/// Values that sit on the edges of length and count checks.
fn interesting_u32(len: usize) -> [u32; 12] {
    let l = len as u32;
    [
        0,
        1,
        16,
        0xFF,
        0x7FFF_FFFF,
        0x8000_0000,
        0xFFFF_FFFF,
        0xFFFF_FFF0,
        l,
        l.wrapping_add(1),
        l.wrapping_mul(2),
        0x0010_0000,
    ]
}

/// Text fragments for the TOML/JSON readers: huge numbers, broken syntax, odd keys.
const TEXT_TOKENS: &[&str] = &[
    "0xFFFFFFFFFFFFFFFF",
    "0x100000000",
    "18446744073709551615",
    "-1",
    "0x",
    "\"",
    "[[",
    "]]",
    "{",
    "}",
    "=",
    "\n",
    "nan",
    "1e999",
    "\"\\u0000\"",
    "tags = []",
    "size = \"0x0\"",
    "erase_unit = \"0x3\"",
    "offset = \"0xFFFFFFFF\"",
    "\"max_size\": \"0xFFFFFFFFF\"",
    "hcpu",
    "ota-manager",
    "pksize = 0",
    "pksize = 4294967295",
];

/// Applies 1 to 4 random mutations.
fn mutate(rng: &mut Rng, seed: &[u8], text: bool) -> Vec<u8> {
    let mut v = seed.to_vec();
    for _ in 0..1 + rng.below(4) {
        let len = v.len();
        // A third of the mutations hit the first 48 bytes, where headers and tables live.
        let at = if rng.below(3) == 0 {
            rng.below(len.min(48) + 1)
        } else {
            rng.below(len + 1)
        };
        match rng.below(if text { 11 } else { 9 }) {
            0 if len > 0 => v[at.min(len - 1)] ^= 1 << rng.below(8),
            1 if len > 0 => v[at.min(len - 1)] = rng.next() as u8,
            2 if len > 0 => v[at.min(len - 1)] = [0, 1, 0x7F, 0x80, 0xFF][rng.below(5)],
            3 if len >= 4 => {
                let vals = interesting_u32(len);
                let x = vals[rng.below(vals.len())];
                let at = at.min(len - 4) & !(rng.below(2) * 3);
                v[at..at + 4].copy_from_slice(&x.to_le_bytes());
            }
            4 if len >= 2 => {
                let x = [0u16, 1, 0xFF, 0x100, 0x7FFF, 0xFFFF][rng.below(6)];
                let at = at.min(len - 2);
                v[at..at + 2].copy_from_slice(&x.to_le_bytes());
            }
            5 => v.truncate(at),
            6 if len > 0 => {
                let end = (at + 1 + rng.below(64)).min(len);
                v.drain(at.min(len - 1)..end);
            }
            7 if len > 0 => {
                let from = rng.below(len);
                let n = (1 + rng.below(256)).min(len - from);
                let chunk: Vec<u8> = v[from..from + n].to_vec();
                v.splice(at..at, chunk);
            }
            8 => {
                let n = 1 + rng.below(32);
                let extra: Vec<u8> = (0..n).map(|_| rng.next() as u8).collect();
                v.splice(at..at, extra);
            }
            9 => {
                let t = TEXT_TOKENS[rng.below(TEXT_TOKENS.len())].as_bytes();
                v.splice(at..at, t.iter().copied());
            }
            10 => {
                // Replace the next number with a huge or zero one.
                if let Some(p) = v[at..].iter().position(u8::is_ascii_digit) {
                    let s = at + p;
                    let e = s + v[s..]
                        .iter()
                        .take_while(|b| b.is_ascii_alphanumeric())
                        .count();
                    let t = [
                        "0",
                        "0xFFFFFFFF",
                        "99999999999999999999",
                        "0x8000000000000000",
                    ];
                    v.splice(s..e, t[rng.below(t.len())].bytes());
                }
            }
            _ => v.push(rng.next() as u8),
        }
    }
    v
}

/// Statistics of one reader's run.
#[derive(Debug, Default)]
struct Stats {
    ok: usize,
    err: usize,
}

/// Runs `read` on every seed (which must read fine: proves the mutations start deep inside
/// the format) and on [`CASES`] mutants, checking panic, time, memory and error text.
fn fuzz(reader: &str, seeds: &[Vec<u8>], text: bool, read: impl Fn(&[u8]) -> Result<(), String>) {
    fuzz_fixed(reader, seeds, text, |_| {}, read)
}

/// [`fuzz`], with `fixup` applied to every other mutant (e.g. a recomputed CRC, so mutants
/// get past the CRC gate into the code behind it).
fn fuzz_fixed(
    reader: &str,
    seeds: &[Vec<u8>],
    text: bool,
    fixup: impl Fn(&mut [u8]),
    read: impl Fn(&[u8]) -> Result<(), String>,
) {
    let _guard = SERIAL.lock().unwrap_or_else(|p| p.into_inner());
    assert!(!seeds.is_empty(), "{reader}: no seeds");
    for (i, s) in seeds.iter().enumerate() {
        if let Err(e) = read(s) {
            panic!("{reader}: seed {i} does not read: {e}");
        }
    }
    let salt = reader
        .bytes()
        .fold(0u64, |h, b| h.wrapping_mul(31).wrapping_add(u64::from(b)));
    let mut rng = Rng(env_or("IMGTOOL_MUTATION_SEED", SEED) ^ salt);
    let cases = env_or("IMGTOOL_MUTATION_CASES", CASES as u64) as usize;
    let mut stats = Stats::default();
    let mut failures = Vec::new();
    for case in 0..cases {
        let seed = &seeds[rng.below(seeds.len())];
        let mut input = mutate(&mut rng, seed, text);
        if case % 2 == 1 {
            fixup(&mut input);
        }
        match run_one(&input, extra_bound(reader), &read) {
            Ok(true) => stats.ok += 1,
            Ok(false) => stats.err += 1,
            Err(why) => {
                let saved = save(reader, case, &input);
                failures.push(format!("case {case}: {why} (input saved to {saved})"));
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{reader}: {} of {cases} inputs failed:\n{}",
        failures.len(),
        failures
            .iter()
            .take(8)
            .cloned()
            .collect::<Vec<_>>()
            .join("\n")
    );
    // A run where no mutant reaches an error (or none stays valid) tests nothing.
    assert!(stats.err > 0, "{reader}: no mutant was rejected: {stats:?}");
    eprintln!("{reader}: {cases} mutants, {stats:?}");
}

/// Ok(true) read fine, Ok(false) clear error, Err(why) a defect.
fn run_one(
    input: &[u8],
    extra: usize,
    read: &impl Fn(&[u8]) -> Result<(), String>,
) -> Result<bool, String> {
    let live_before = ALLOC.allocated();
    let peak_before = ALLOC.max_allocated();
    let start = Instant::now();
    let result = catch_unwind(AssertUnwindSafe(|| read(input)));
    let took = start.elapsed();
    let peak_after = ALLOC.max_allocated();
    let bound = mem_bound(input.len()) + extra;
    if peak_after > peak_before && peak_after - live_before > bound {
        return Err(format!(
            "allocated {} bytes at peak for a {}-byte input (bound {})",
            peak_after - live_before,
            input.len(),
            bound
        ));
    }
    if took > CASE_TIME {
        return Err(format!("took {took:?}"));
    }
    match result {
        Err(p) => Err(format!("panicked: {}", panic_text(&p))),
        Ok(Ok(())) => Ok(true),
        Ok(Err(msg)) if msg.trim().is_empty() => Err("empty error message".into()),
        Ok(Err(msg)) if msg.len() > 4096 => Err(format!("{}-byte error message", msg.len())),
        Ok(Err(_)) => Ok(false),
    }
}

fn panic_text(p: &Box<dyn std::any::Any + Send>) -> String {
    p.downcast_ref::<String>()
        .cloned()
        .or_else(|| p.downcast_ref::<&str>().map(|s| s.to_string()))
        .unwrap_or_else(|| "non-string panic".into())
}

fn save(reader: &str, case: usize, input: &[u8]) -> String {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("mutation");
    let _ = std::fs::create_dir_all(&dir);
    let p = dir.join(format!("{reader}-{case}.bin"));
    let _ = std::fs::write(&p, input);
    p.display().to_string()
}

fn text(b: &[u8]) -> Result<&str, String> {
    std::str::from_utf8(b).map_err(|e| format!("not UTF-8: {e}"))
}

fn e(x: impl std::fmt::Display) -> String {
    x.to_string()
}

/// Several readers on one input: Ok if any accepts it; every error must have a message.
fn any_ok<E: std::fmt::Display>(
    results: impl IntoIterator<Item = Result<(), E>>,
) -> Result<(), String> {
    let mut first = None;
    let mut ok = false;
    for r in results {
        match r {
            Ok(()) => ok = true,
            Err(x) => {
                let m = x.to_string();
                if m.trim().is_empty() {
                    return Err(String::new());
                }
                first.get_or_insert(m);
            }
        }
    }
    match (ok, first) {
        (true, _) | (false, None) => Ok(()),
        (false, Some(m)) => Err(m),
    }
}

/// Rewrites a package's header CRC over the payloads its table declares (clipped to the input).
fn fix_crc(v: &mut [u8]) {
    if v.len() < 12 {
        return;
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
}

// ----- seeds -----

fn example_dir() -> PathBuf {
    repo().join("testdata/examples/sf32lb52x-eh-lb523")
}

/// The example package (app + installer) built by the library, as `imgtool pack` builds it.
fn example_package() -> imgtool::pack::PlannedPackage {
    let cfg = imgtool::pack::PackConfig::from_toml_file(&example_dir().join("ota.toml")).unwrap();
    imgtool::pack::plan_package(&cfg).unwrap()
}

fn layout() -> layout::Layout {
    layout::Layout::bundled("sf32lb52x-eh-lb523").expect("bundled layout")
}

fn payload_seeds() -> Vec<Vec<u8>> {
    let pkg = example_package();
    let parsed = package::v2::parse(&pkg.bytes).unwrap();
    let mut seeds: Vec<Vec<u8>> = parsed.images.iter().map(|i| i.payload.to_vec()).collect();
    // A small multi-chunk payload with a short pksize keeps mutants cheap.
    let image: Vec<u8> = (0..5000u32)
        .map(|i| (i % 251) as u8 ^ (i / 300) as u8)
        .collect();
    for mode in [ezip::Mode::Gzip, ezip::Mode::Zlib] {
        let opts = ezip::payload::PayloadOptions {
            mode,
            pksize: 2048,
            threads: Some(1),
            ..Default::default()
        };
        seeds.push(ezip::payload::encode(&image, &opts).unwrap());
    }
    seeds
}

// ----- one test per reader -----

/// Both ELF readers: in memory (`parse`, `flat`) and streaming (`ElfFile`, one 1 MiB buffer).
fn read_elf(b: &[u8]) -> Result<(), String> {
    let mut file = elf2bin::ElfFile::open(std::io::Cursor::new(b)).map_err(e)?;
    let plan = file.plan_flat().map_err(e)?;
    file.write_region(&plan, 0xFF, &mut std::io::sink())
        .map_err(e)?;
    elf2bin::parse(b).map_err(e)?.flat(0xFF).map_err(e)?;
    Ok(())
}

#[test]
fn elf_reader() {
    let mut seeds: Vec<Vec<u8>> = [
        "multi.elf",
        "multi_be64.elf",
        "multi_le64.elf",
        "two_regions.elf",
    ]
    .iter()
    .map(|n| testdata(&format!("elf/{n}")))
    .collect();
    seeds.push(testdata("examples/sf32lb52x-eh-lb523/dfu.elf"));
    fuzz("elf", &seeds, false, read_elf);
}

#[test]
fn ptab_json_reader() {
    let seeds: Vec<Vec<u8>> = ["eh-lb523.json", "sf32lb52-lcd_n16r8.json"]
        .iter()
        .map(|n| testdata(&format!("ptab/{n}")))
        .collect();
    let opts = layout::ptab::ImportOptions {
        chip: Some("SF32LB52x".into()),
        ..Default::default()
    };
    fuzz("ptab", &seeds, true, |b| {
        layout::ptab::import("fuzz", text(b)?, &opts).map_err(e)?;
        Ok(())
    });
}

#[test]
fn layout_toml_reader() {
    let seeds = vec![
        layout().to_toml_string().into_bytes(),
        testdata("layout/ok_minimal.toml"),
    ];
    fuzz("layout", &seeds, true, |b| {
        layout::Layout::from_toml_str("fuzz", text(b)?).map_err(e)?;
        Ok(())
    });
}

#[test]
fn ota_toml_reader() {
    let seeds = vec![testdata("examples/sf32lb52x-eh-lb523/ota.toml")];
    let base = example_dir();
    fuzz("ota-toml", &seeds, true, |b| {
        imgtool::pack::PackConfig::from_toml_str(text(b)?, &base)
            .map_err(|x| format!("{:#}", anyhow::Error::from(x)))?;
        Ok(())
    });
}

#[test]
fn package_reader_and_verifier() {
    let seeds = vec![example_package().bytes];
    let l = layout();
    fuzz_fixed("package", &seeds, false, fix_crc, |b| {
        let report = package::verify::check(b, Some(&l)).map_err(e)?;
        let p = package::v2::parse(b).map_err(e)?;
        for img in &p.images {
            package::payload::decode(img.flag, img.payload).map_err(e)?;
        }
        match report
            .findings
            .iter()
            .find(|f| f.severity == package::verify::Severity::Error)
        {
            None => Ok(()),
            Some(f) => Err(f.message.clone()),
        }
    });
}

#[test]
fn payload_reader() {
    fuzz("payload", &payload_seeds(), false, |b| {
        ezip::payload::decode(b).map_err(e)?;
        package::payload::decode(package::Flag::Compressed, b).map_err(e)?;
        Ok(())
    });
}

#[test]
fn ezip_stream_readers() {
    let data: Vec<u8> = (0..3000u32).map(|i| (i * 7 % 13) as u8).collect();
    let modes = [ezip::Mode::Gzip, ezip::Mode::Zlib, ezip::Mode::Lz4];
    let mut seeds: Vec<Vec<u8>> = modes
        .iter()
        .map(|&m| ezip::compress(m, ezip::Level::Fast, &data).unwrap())
        .collect();
    seeds.push(testdata("ezip/gzip_packet.bin"));
    seeds.push(testdata("ezip/lz4_packet.bin"));
    fuzz("ezip", &seeds, false, |b| {
        // Every stream through every decoder: a mode mismatch is hostile input too.
        any_ok(modes.iter().map(|&m| ezip::decompress(m, b).map(|_| ())))
    });
}

#[test]
fn ezip_image_stream_reader() {
    // The vendor's streams (layouts 1 and 4, one and two row blocks) and ours (palettes,
    // layout 2, the 2 KiB window), without their LVGL headers.
    let mut seeds: Vec<Vec<u8>> = [
        "ezip-2.0.5/airplane_rgb565_binfile2_dpt1.bin",
        "ezip-2.0.5/down_arrow_rgb888_binfile2_default.bin",
        "ezip-2.4.0/airplane_rgb565_binfile2_default.bin",
    ]
    .iter()
    .map(|f| testdata(&format!("ezip-image/{f}"))[4..].to_vec())
    .collect();
    for f in ["gen_palette1_layout2_2k.ezip", "gen_palette4_layout4.ezip"] {
        seeds.push(testdata(&format!("ezip-image/ours/{f}")));
    }
    fuzz("ezip-image", &seeds, false, |b| {
        // The report must agree with the decoder: both or neither accept a stream.
        let decoded = ezimage::decode(b);
        let checked = ezimage::check_structure(b);
        if checked.is_ok() && decoded.is_err() {
            return Err("check_structure accepts what decode refuses".into());
        }
        decoded.map(|_| ()).map_err(e)
    });
}

#[test]
fn manifest_reader() {
    let seeds = vec![example_package().manifest.to_bytes().unwrap()];
    fuzz("manifest", &seeds, true, |b| {
        package::manifest::Manifest::from_bytes(b).map_err(e)?;
        Ok(())
    });
}

#[test]
fn trailer_reader() {
    let key = sign::PrivateKey::from_seed(&[7; 32]);
    let planned = example_package();
    let signed =
        package::trailer::append_trailer(&planned.bytes, &planned.manifest, Some(&key)).unwrap();
    let unsigned =
        package::trailer::append_trailer(&planned.bytes, &planned.manifest, None).unwrap();
    let public = key.public_key();
    fuzz("trailer", &[signed, unsigned], false, |b| {
        package::trailer::inspect(b).map_err(e)?;
        // Verification failing is the expected answer for most mutants; it must say why.
        match package::trailer::verify(b, &public) {
            Err(x) if x.to_string().trim().is_empty() => Err(String::new()),
            _ => Ok(()),
        }
    });
}

#[test]
fn diff_reader() {
    // Signed and unsigned seeds: the trailer's manifest and key id are read too.
    let key = sign::PrivateKey::from_seed(&[7; 32]);
    let planned = example_package();
    let signed =
        package::trailer::append_trailer(&planned.bytes, &planned.manifest, Some(&key)).unwrap();
    let path = Path::new("mutant.bin");
    let base = imgtool::diff::read_package(path, &signed).unwrap();
    fuzz_fixed("diff", &[signed, planned.bytes], false, fix_crc, |b| {
        let side = imgtool::diff::read_package(path, b).map_err(e)?;
        // Comparing what was read never fails for two packages.
        imgtool::diff::compare(&base, &side).map_err(e)?;
        Ok(())
    });
}

#[test]
fn key_readers() {
    let key = sign::PrivateKey::from_seed(&[9; 32]);
    let seeds = vec![
        key.to_pem().unwrap().as_bytes().to_vec(),
        key.public_key().to_pem().unwrap().into_bytes(),
        testdata("sign/openssl-ed25519.pem"),
        testdata("sign/openssl-ed25519.pub.pem"),
    ];
    fuzz("keys", &seeds, true, |b| {
        let raw = sign::PublicKey::from_bytes(b).map(|_| ());
        let Ok(s) = std::str::from_utf8(b) else {
            return any_ok([raw]);
        };
        any_ok([
            sign::PrivateKey::from_pem(s, "fuzz").map(|_| ()),
            sign::PublicKey::from_pem(s, "fuzz").map(|_| ()),
            raw,
        ])
    });
}

#[test]
fn simulator_reader() {
    let seeds = vec![example_package().bytes];
    let map = simulator_map();
    fuzz_fixed("simulator", &seeds, false, fix_crc, |b| {
        let s =
            simulator::Scenario::new(map.clone(), b, simulator::OldImages::default()).map_err(e)?;
        let r = s.run();
        if r.passed() {
            Ok(())
        } else {
            Err(format!("install did not pass: {}", r.outcome))
        }
    });
}

/// Differential: a mutant that `verify` passes (no error finding) and the simulator accepts
/// must install exactly on the simulated device. A disagreement is a package imgtool would
/// call good that a device mis-installs.
#[test]
fn verify_and_the_device_agree() {
    let seeds = vec![example_package().bytes];
    let map = simulator_map();
    let l = layout();
    fuzz_fixed("verify-vs-device", &seeds, false, fix_crc, |b| {
        let report = package::verify::check(b, Some(&l)).map_err(e)?;
        if let Some(f) = report
            .findings
            .iter()
            .find(|f| f.severity == package::verify::Severity::Error)
        {
            return Err(f.message.clone());
        }
        let s =
            simulator::Scenario::new(map.clone(), b, simulator::OldImages::default()).map_err(e)?;
        let r = s.run();
        assert!(
            r.passed(),
            "verify passes this package but the device ends with: {}\n{}",
            r.outcome,
            r.trace.join("\n")
        );
        Ok(())
    });
}

/// The simulator's map of the example board, as `imgtool simulate` builds it.
fn simulator_map() -> simulator::FlashMap {
    simulator::FlashMap::from_layout(&layout()).unwrap()
}

/// Every kept crashing input still reads without a panic (and within the bounds).
#[test]
fn regression_files_replay() {
    let dir = repo().join("testdata/regressions");
    let mut replayed = 0;
    for reader in std::fs::read_dir(&dir).unwrap().flatten() {
        if !reader.path().is_dir() {
            continue;
        }
        let name = reader.file_name().to_string_lossy().into_owned();
        for f in std::fs::read_dir(reader.path()).unwrap().flatten() {
            let input = std::fs::read(f.path()).unwrap();
            let outcome = replay(&name, &input);
            assert!(
                outcome.is_ok(),
                "{}: {}",
                f.path().display(),
                outcome.unwrap_err()
            );
            replayed += 1;
        }
    }
    eprintln!("replayed {replayed} regression inputs");
}

fn replay(reader: &str, input: &[u8]) -> Result<bool, String> {
    let _guard = SERIAL.lock().unwrap_or_else(|p| p.into_inner());
    match reader {
        "elf" => run_one(input, extra_bound(reader), &read_elf),
        "package" => run_one(input, extra_bound(reader), &|b: &[u8]| {
            package::verify::check(b, None).map_err(e).map(|_| ())
        }),
        "payload" => run_one(input, extra_bound(reader), &|b: &[u8]| {
            ezip::payload::decode(b).map_err(e).map(|_| ())
        }),
        "ezip-gzip" => run_one(input, extra_bound(reader), &|b: &[u8]| {
            ezip::decompress(ezip::Mode::Gzip, b).map_err(e).map(|_| ())
        }),
        "ezip-zlib" => run_one(input, extra_bound(reader), &|b: &[u8]| {
            ezip::decompress(ezip::Mode::Zlib, b).map_err(e).map(|_| ())
        }),
        "ezip-lz4" => run_one(input, extra_bound(reader), &|b: &[u8]| {
            ezip::decompress(ezip::Mode::Lz4, b).map_err(e).map(|_| ())
        }),
        "layout" => run_one(input, extra_bound(reader), &|b: &[u8]| {
            layout::Layout::from_toml_str("regression", text(b)?)
                .map_err(e)
                .map(|_| ())
        }),
        "ptab" => run_one(input, extra_bound(reader), &|b: &[u8]| {
            let opts = layout::ptab::ImportOptions {
                chip: Some("SF32LB52x".into()),
                ..Default::default()
            };
            layout::ptab::import("regression", text(b)?, &opts)
                .map_err(e)
                .map(|_| ())
        }),
        "manifest" => run_one(input, extra_bound(reader), &|b: &[u8]| {
            package::manifest::Manifest::from_bytes(b)
                .map_err(e)
                .map(|_| ())
        }),
        "trailer" => run_one(input, extra_bound(reader), &|b: &[u8]| {
            package::trailer::inspect(b).map_err(e).map(|_| ())
        }),
        "simulator" => run_one(input, extra_bound(reader), &|b: &[u8]| {
            simulator::Scenario::new(simulator_map(), b, Default::default())
                .map_err(e)
                .map(|s| {
                    let _ = s.run();
                })
        }),
        other => Err(format!("unknown reader directory {other:?}")),
    }
}

// ----- hand-made hostile sizes: each must fail (or succeed) without a large allocation -----

/// Peak allocation allowed for an input that lies about its sizes: small, whatever it claims.
const LIAR_BOUND: usize = 4 << 20;

fn assert_small(what: &str, input: &[u8], read: impl Fn(&[u8]) -> Result<(), String>) {
    let _guard = SERIAL.lock().unwrap_or_else(|p| p.into_inner());
    let live_before = ALLOC.allocated();
    let peak_before = ALLOC.max_allocated();
    let result = catch_unwind(AssertUnwindSafe(|| read(input)));
    let peak_after = ALLOC.max_allocated();
    let used = if peak_after > peak_before {
        peak_after - live_before
    } else {
        0
    };
    assert!(used <= LIAR_BOUND, "{what}: allocated {used} bytes");
    match result {
        Err(p) => panic!("{what}: panicked: {}", panic_text(&p)),
        Ok(Ok(())) => panic!("{what}: accepted"),
        Ok(Err(m)) => assert!(!m.trim().is_empty(), "{what}: empty error"),
    }
}

fn le(v: &mut Vec<u8>, x: u32) {
    v.extend_from_slice(&x.to_le_bytes());
}

/// An offline package header and table, payload bytes as given.
fn raw_package(count: u16, entries: &[(u8, u8, u32)], payloads: &[u8]) -> Vec<u8> {
    let mut v = b"FCES\x01\xFF".to_vec();
    v.extend_from_slice(&count.to_le_bytes());
    le(&mut v, package::crc32_mpeg2(payloads));
    for &(id, flag, len) in entries {
        v.push(id);
        v.push(flag);
        le(&mut v, len);
    }
    v.extend_from_slice(payloads);
    v
}

/// A compressed payload header followed by one packet whose gzip framing claims `claim` bytes.
fn lying_payload(total: u32, pksize: u32, claim: u32) -> Vec<u8> {
    let mut v = Vec::new();
    le(&mut v, total);
    le(&mut v, pksize);
    le(&mut v, 12);
    le(&mut v, claim);
    v.extend_from_slice(&[0x03, 0x00, 0, 0]); // an empty fixed-Huffman DEFLATE block, padded
    le(&mut v, claim);
    v
}

#[test]
fn hostile_sizes_fail_before_allocating() {
    let package_reader = |b: &[u8]| -> Result<(), String> {
        let p = package::v2::parse(b).map_err(e)?;
        for img in &p.images {
            package::payload::decode(img.flag, img.payload).map_err(e)?;
        }
        Ok(())
    };
    assert_small(
        "65535 images in a 12-byte package",
        &raw_package(0xFFFF, &[], &[]),
        package_reader,
    );
    assert_small(
        "payload_len 0xFFFFFFFF",
        &raw_package(1, &[(0, 0, 0xFFFF_FFFF)], &[1, 2, 3]),
        package_reader,
    );
    for (what, payload) in [
        ("pksize 0", lying_payload(16, 0, 16)),
        (
            "pksize and total_len 4 GiB",
            lying_payload(0xFFFF_FFF0, 0xFFFF_FFFF, 0xFFFF_FFF0),
        ),
        (
            "chunk claims 4 GiB",
            lying_payload(10240, 10240, 0xFFFF_FFFF),
        ),
        ("total_len 4 GiB, no packets", {
            let mut v = Vec::new();
            le(&mut v, 0xFFFF_FFF0);
            le(&mut v, 10240);
            v
        }),
    ] {
        assert_small(what, &payload, |b| {
            ezip::payload::decode(b).map(|_| ()).map_err(e)
        });
        let pkg = raw_package(1, &[(0, 16, payload.len() as u32)], &payload);
        assert_small(what, &pkg, package_reader);
        assert_small(what, &pkg, |b| {
            simulator::Scenario::new(simulator_map(), b, Default::default())
                .map(|_| ())
                .map_err(e)
        });
    }
    let mut gzip = Vec::new();
    le(&mut gzip, 0xFFFF_FFFF);
    gzip.extend_from_slice(&[0x03, 0x00]);
    le(&mut gzip, 0);
    le(&mut gzip, 0xFFFF_FFFF);
    assert_small("gzip stream claims 4 GiB", &gzip, |b| {
        ezip::decompress(ezip::Mode::Gzip, b).map(|_| ()).map_err(e)
    });
    let mut lz4 = Vec::new();
    le(&mut lz4, 0xFFFF_FFFF);
    le(&mut lz4, 1);
    lz4.push(0);
    assert_small("lz4 stream claims 4 GiB", &lz4, |b| {
        ezip::decompress(ezip::Mode::Lz4, b).map(|_| ()).map_err(e)
    });
    assert_small(
        "ELF with 65535 program headers",
        &elf32(0xFFFF, &[]),
        read_elf,
    );
    assert_small(
        "ELF segment larger than the file",
        &elf32(1, &[(0x1200_0000, 0x7FFF_FFF0, 0x7FFF_FFF0)]),
        read_elf,
    );
    assert_small(
        "ELF segments 4 GiB apart",
        &elf32(2, &[(0, 4, 4), (0xFFFF_FFF0, 4, 4)]),
        read_elf,
    );
}

/// A little-endian ELF32 ARM executable declaring `phnum` program headers, the first ones
/// PT_LOAD segments (paddr, filesz, memsz) whose bytes are 4 zeros at the end of the file.
fn elf32(phnum: u16, segments: &[(u32, u32, u32)]) -> Vec<u8> {
    let mut v = vec![0x7F, b'E', b'L', b'F', 1, 1, 1, 0];
    v.resize(16, 0);
    v.extend_from_slice(&2u16.to_le_bytes()); // ET_EXEC
    v.extend_from_slice(&40u16.to_le_bytes()); // EM_ARM
    le(&mut v, 1);
    le(&mut v, 0); // entry
    le(&mut v, 52); // phoff
    le(&mut v, 0); // shoff
    le(&mut v, 0x0500_0000); // flags
    for h in [52u16, 32, phnum, 40, 0, 0] {
        v.extend_from_slice(&h.to_le_bytes());
    }
    let data_at = 52 + 32 * segments.len() as u32;
    for &(paddr, filesz, memsz) in segments {
        for x in [1, data_at, paddr, paddr, filesz, memsz, 5, 4] {
            le(&mut v, x);
        }
    }
    le(&mut v, 0);
    v
}
