//! The RSA signing abstraction from outside the crate: a signer that is not
//! `secure::SigningKey` (here a wrapper that, like an external command or an HSM, only signs
//! 32-byte digests) makes the same bytes, and a signer whose signature does not verify with
//! its public key is refused before anything is produced.

use crate::common::*;
use crate::online::{images, params};
use secure::enc::seal_enc;
use secure::keys::SIG_LEN;
use secure::online::{build_online, BuildKeys};
use secure::{RsaSigner, SecureError, SigningKey, VerifyingKey};
use sha2::{Digest, Sha256};

/// What the test signer does wrong, if anything.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Fault {
    None,
    /// Signs with another RSA-2048 key than the public key it reports.
    OtherKey,
    /// Signs the digest of the digest (a wrong hash step) when given a message.
    DoubleHash,
    /// Flips a bit of every signature.
    Corrupt,
}

/// A signer outside the secure crate: reports sifli02's public key and signs digests only.
struct DigestOnly {
    key: SigningKey,
    public: VerifyingKey,
    fault: Fault,
}

impl DigestOnly {
    fn new(fault: Fault) -> Self {
        let key = if fault == Fault::OtherKey {
            SigningKey::from_pem(&read("secure/keys/custom/sig_pri.pem"), "custom").unwrap()
        } else {
            signer()
        };
        DigestOnly {
            key,
            public: verifier(),
            fault,
        }
    }
}

impl sign::Signer for DigestOnly {
    type PublicKey = VerifyingKey;
    type Signature = [u8; SIG_LEN];
    type Error = SecureError;

    fn public_key(&self) -> VerifyingKey {
        self.public.clone()
    }

    fn sign(&self, message: &[u8]) -> Result<[u8; SIG_LEN], SecureError> {
        let mut digest: [u8; 32] = Sha256::digest(message).into();
        if self.fault == Fault::DoubleHash {
            digest = Sha256::digest(digest).into();
        }
        self.sign_digest(&digest)
    }
}

impl RsaSigner for DigestOnly {
    fn sign_digest(&self, digest: &[u8; 32]) -> Result<[u8; SIG_LEN], SecureError> {
        let mut sig = self.key.sign_digest(digest)?;
        if self.fault == Fault::Corrupt {
            sig[SIG_LEN / 2] ^= 1;
        }
        Ok(sig)
    }
}

fn keys_with<T>(signer: &dyn RsaSigner, f: impl FnOnce(&BuildKeys<'_>) -> T) -> T {
    let (root, session) = (root(), session());
    f(&BuildKeys {
        root: &root,
        signer,
        session_key: &session,
        nonce_hash: None,
    })
}

fn enc(signer: &dyn RsaSigner, flags: u16) -> Result<Vec<u8>, SecureError> {
    seal_enc(
        &image(1500, 77),
        512,
        flags,
        "sifli_0.1.0",
        &root(),
        signer,
        &session(),
    )
}

#[test]
fn an_outside_signer_makes_the_golden_control_packet_and_records() {
    let ext = DigestOnly::new(Fault::None);
    let dfu = keys_with(&ext, |k| build_online(&images(), &params(), k).unwrap());
    // The same golden files as the in-memory key (online.rs), not re-blessed.
    golden("online/ctrl_packet.bin", &dfu.ctrl);
    for (im, name) in dfu.images.iter().zip([
        "enccom_hcpu.bin",
        "outcom_lcpu.bin",
        "outres.bin",
        "encota.bin",
    ]) {
        golden(&format!("online/{name}"), &im.file);
    }
    let own = keys_with(&signer(), |k| {
        build_online(&images(), &params(), k).unwrap()
    });
    assert_eq!(dfu.ctrl, own.ctrl);
    assert_eq!(dfu.ctrl_plain, own.ctrl_plain);
    assert_eq!(dfu.images, own.images);
}

#[test]
fn an_outside_signer_makes_the_same_enc_images() {
    let ext = DigestOnly::new(Fault::None);
    for flags in [0, 1] {
        assert_eq!(
            enc(&ext, flags).unwrap(),
            enc(&signer(), flags).unwrap(),
            "flags {flags}"
        );
    }
}

#[test]
fn a_signature_that_does_not_verify_is_refused_before_anything_is_produced() {
    for fault in [Fault::OtherKey, Fault::DoubleHash, Fault::Corrupt] {
        let bad = DigestOnly::new(fault);
        // DoubleHash signs digests correctly: its records pass, its control packet does not.
        let e = keys_with(&bad, |k| build_online(&images(), &params(), k)).unwrap_err();
        assert!(matches!(e, SecureError::BadSignature), "{fault:?}: {e}");
        assert!(e.to_string().contains("nothing was written"), "{e}");
        // flags 1 signs the stored blocks (digest), flags 0 the plaintext (message).
        for flags in [0, 1] {
            if fault == Fault::DoubleHash && flags == 1 {
                assert!(enc(&bad, flags).is_ok(), "only the message path is wrong");
                continue;
            }
            let e = enc(&bad, flags).unwrap_err();
            assert!(
                matches!(e, SecureError::BadSignature),
                "{fault:?} {flags}: {e}"
            );
        }
    }
}
