//! Tests of output planning and writing.

use super::*;

fn file(path: PathBuf) -> Dest {
    Dest::File {
        shown: path.clone(),
        path,
    }
}

#[test]
fn write_atomic_creates_parent_and_replaces() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("a/b/out.bin");
    write_atomic(&p, b"one").unwrap();
    write_atomic(&p, b"two").unwrap();
    assert_eq!(std::fs::read(&p).unwrap(), b"two");
    // No temporary files are left beside the output.
    let names: Vec<_> = std::fs::read_dir(p.parent().unwrap()).unwrap().collect();
    assert_eq!(names.len(), 1);
}

#[cfg(unix)]
#[test]
fn public_outputs_are_0644_and_private_ones_0600() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    let public = file(dir.path().join("pkg.bin"));
    let private = file(dir.path().join("key.pem"));
    write(&public, b"pkg", Mode::Public).unwrap();
    write(&private, b"key", Mode::Private).unwrap();
    let mode = |p: &str| {
        std::fs::metadata(dir.path().join(p))
            .unwrap()
            .permissions()
            .mode()
            & 0o777
    };
    assert_eq!(mode("pkg.bin"), 0o644);
    assert_eq!(mode("key.pem"), 0o600);
}

#[test]
fn commit_rolls_back_the_files_already_replaced() {
    let dir = tempfile::tempdir().unwrap();
    let a = dir.path().join("offline_install.bin");
    let b = dir.path().join("manifest.json");
    std::fs::write(&a, b"old package").unwrap();
    // A non-empty directory where the manifest goes: its rename must fail.
    std::fs::create_dir(&b).unwrap();
    std::fs::write(b.join("x"), b"").unwrap();
    let files = [
        (file(a.clone()), &b"new package"[..]),
        (file(b.clone()), &b"{}"[..]),
    ];
    assert!(commit(&files, Mode::Public).is_err());
    assert_eq!(std::fs::read(&a).unwrap(), b"old package");
    let names: Vec<_> = std::fs::read_dir(dir.path()).unwrap().collect();
    assert_eq!(names.len(), 2, "no temporary file left behind");
}

#[test]
fn an_output_that_is_an_input_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("a.elf");
    std::fs::write(&p, b"x").unwrap();
    let e = plan_output(&p, &[&p], false).unwrap_err();
    assert!(
        e.to_string().contains("is the same file as the input"),
        "{e}"
    );
    // Not yet existing, spelled differently: the same canonical path.
    let q = dir.path().join("new.bin");
    let q2 = dir.path().join(".").join("new.bin");
    assert!(plan_output(&q, &[&q2], false).is_err());
}

#[test]
fn a_private_key_is_not_overwritten_without_force() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("prod.pem");
    std::fs::write(
        &p,
        "-----BEGIN PRIVATE KEY-----\nMC4=\n-----END PRIVATE KEY-----\n",
    )
    .unwrap();
    let e = plan_output(&p, &[], false).unwrap_err();
    assert!(e.to_string().contains("holds a private key"), "{e}");
    assert!(matches!(
        plan_output(&p, &[], true).unwrap(),
        Dest::File { .. }
    ));
}

#[cfg(unix)]
#[test]
fn devices_are_written_through_and_symlinks_followed() {
    let null = plan_output(Path::new("/dev/null"), &[], false).unwrap();
    assert!(matches!(null, Dest::Special { .. }), "{null:?}");
    write(&null, b"x", Mode::Public).unwrap();
    use std::os::unix::fs::FileTypeExt;
    let kind = std::fs::metadata("/dev/null").unwrap().file_type();
    assert!(kind.is_char_device(), "/dev/null must stay a device");

    let dir = tempfile::tempdir().unwrap();
    let target = dir.path().join("target.bin");
    let link = dir.path().join("link.bin");
    std::fs::write(&target, b"old").unwrap();
    std::os::unix::fs::symlink(&target, &link).unwrap();
    let dest = plan_output(&link, &[], false).unwrap();
    write(&dest, b"new", Mode::Public).unwrap();
    assert!(std::fs::symlink_metadata(&link)
        .unwrap()
        .file_type()
        .is_symlink());
    assert_eq!(std::fs::read(&target).unwrap(), b"new");
}

#[test]
fn issue16_7_directory_outputs_follow_one_rule_not_dots() {
    let dir = tempfile::tempdir().unwrap();
    let files = ["offline_install.bin", "manifest.json"];
    // Named like a file the command writes: the hint.
    let e = plan_output_dir(
        &dir.path().join("x/offline_install.bin"),
        &files,
        &[],
        false,
    )
    .unwrap_err();
    assert!(
        e.to_string().contains("names a file this command writes"),
        "{e}"
    );
    // Dots in a name are no reason to refuse: created if missing, used if a directory.
    for name in ["release/v1.2.0", "my.dir/", "out"] {
        let d = plan_output_dir(&dir.path().join(name), &files, &[], false).unwrap();
        assert_eq!(d.len(), 2, "{name}");
    }
    std::fs::create_dir(dir.path().join("offline_install.bin")).unwrap();
    plan_output_dir(&dir.path().join("offline_install.bin"), &files, &[], false).unwrap();
    // Anything else that exists is refused.
    let f = dir.path().join("file.bin");
    std::fs::write(&f, b"").unwrap();
    let e = plan_output_dir(&f, &["a"], &[], false).unwrap_err();
    assert!(
        e.to_string().contains("exists and is not a directory"),
        "{e}"
    );
    let e = plan_output_dir(Path::new("-"), &["a"], &[], false).unwrap_err();
    assert!(
        e.to_string().contains("cannot write to standard output"),
        "{e}"
    );
}

#[test]
fn issue16_1_a_missing_parent_does_not_skip_the_checks() {
    let dir = tempfile::tempdir().unwrap();
    let key = dir.path().join("k.pem");
    std::fs::write(
        &key,
        "-----BEGIN PRIVATE KEY-----\nMC4=\n-----END PRIVATE KEY-----\n",
    )
    .unwrap();
    let via = dir.path().join("nosuch/../k.pem");
    let e = plan_output(&via, &[], false).unwrap_err();
    assert!(e.to_string().contains("holds a private key"), "{e}");
    let e = plan_output(&via, &[&key], true).unwrap_err();
    assert!(e.to_string().contains("same file as the input"), "{e}");
    assert!(
        !dir.path().join("nosuch").exists(),
        "nothing created by planning"
    );
}

#[test]
fn issue16_3_two_outputs_naming_one_file_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let h = dir.path().join("h.h");
    let h2 = dir.path().join("sub/../h.h");
    let e = plan_outputs(&[("--c-header", &h), ("--memory-x", &h2)], &[], false).unwrap_err();
    assert!(e.to_string().contains("are the same file"), "{e}");
    let e = plan_outputs(
        &[("-o", Path::new("-")), ("--dumpsig", Path::new("-"))],
        &[],
        false,
    )
    .unwrap_err();
    assert!(e.to_string().contains("are the same file"), "{e}");
    let other = dir.path().join("m.x");
    assert_eq!(
        plan_outputs(&[("a", &h), ("b", &other)], &[], false)
            .unwrap()
            .len(),
        2
    );
}

#[cfg(unix)]
#[test]
fn issue16_2_der_keys_keys_late_in_a_file_and_raw_keys_are_protected() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    let late = dir.path().join("bundle.pem");
    let mut text = "x".repeat(100_000);
    text.push_str("-----BEGIN RSA PRIVATE KEY-----\nAA==\n-----END RSA PRIVATE KEY-----\n");
    std::fs::write(&late, text).unwrap();
    assert!(
        plan_output(&late, &[], false).is_err(),
        "PEM key after 64 KiB"
    );
    for len in [16usize, 32] {
        let raw = dir.path().join(format!("raw{len}.bin"));
        std::fs::write(&raw, vec![7u8; len]).unwrap();
        std::fs::set_permissions(&raw, std::fs::Permissions::from_mode(0o600)).unwrap();
        let e = plan_output(&raw, &[], Force::NotOffered).unwrap_err();
        assert!(e.to_string().contains("looks like a raw key"), "{e}");
        assert!(
            !e.to_string().contains("--force"),
            "no --force to suggest: {e}"
        );
        plan_output(&raw, &[], true).unwrap();
        // The same bytes readable by others: not what keygen writes.
        std::fs::set_permissions(&raw, std::fs::Permissions::from_mode(0o644)).unwrap();
        plan_output(&raw, &[], false).unwrap();
    }
}

mod stream {
    use super::super::stream::gaps;
    use super::*;

    #[test]
    fn gaps_are_what_no_write_covered() {
        assert_eq!(gaps(0..10, &[]), vec![0..10]);
        assert_eq!(gaps(0..10, &[2..4, 6..8]), vec![0..2, 4..6, 8..10]);
        assert_eq!(gaps(10..20, &[0..12, 18..30]), vec![12..18]);
        assert_eq!(
            gaps(0..10, &[5..10, 0..5]),
            Vec::<std::ops::Range<u64>>::new()
        );
        assert_eq!(gaps(0..10, &[3..6, 4..5]), vec![0..3, 6..10]);
    }

    #[test]
    fn streamed_file_is_the_parts_whatever_was_written_early() {
        let dir = tempfile::tempdir().unwrap();
        let dest = file(dir.path().join("pkg.bin"));
        let parts: [&[u8]; 3] = [b"HEAD", b"payload-one", b"payload-two!"];
        let joined = parts.concat();
        let s = Streamed::new(&dest, Mode::Public).unwrap();
        s.write_at(4, b"payload");
        s.write_at(15, b"payload-t");
        let staged = s.finish(&parts).unwrap();
        assert_eq!(std::fs::read(staged.tmp_path()).unwrap(), joined);
        commit_staged(vec![staged], &[], Mode::Public).unwrap();
        assert_eq!(std::fs::read(dir.path().join("pkg.bin")).unwrap(), joined);
        // Nothing written early: finish writes it all.
        let s = Streamed::new(&dest, Mode::Public).unwrap();
        assert_eq!(
            std::fs::read(s.finish(&parts).unwrap().tmp_path()).unwrap(),
            joined
        );
    }

    #[test]
    fn streamed_write_failure_is_reported_by_finish_and_leaves_nothing() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("file"), b"x").unwrap();
        let dest = file(dir.path().join("file/pkg.bin"));
        let s = Streamed::new(&dest, Mode::Public).unwrap();
        s.write_at(0, b"early");
        let e = s.finish(&[b"early"]).unwrap_err();
        assert!(
            format!("{e:#}").contains("cannot create output directory"),
            "{e:#}"
        );
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
    }

    #[test]
    fn streamed_bytes_beyond_the_parts_are_an_internal_error() {
        let dir = tempfile::tempdir().unwrap();
        let s = Streamed::new(&file(dir.path().join("p")), Mode::Public).unwrap();
        s.write_at(8, b"beyond");
        let e = s.finish(&[b"short"]).unwrap_err();
        assert!(e.to_string().contains("internal error"), "{e}");
    }

    #[test]
    fn only_regular_files_are_streamed() {
        assert!(Streamed::new(&Dest::Stdout, Mode::Public).is_none());
        assert!(Streamed::new(
            &Dest::Special {
                path: "/dev/null".into(),
                shown: "/dev/null".into()
            },
            Mode::Public
        )
        .is_none());
    }
}
