//! Errors of the `secure` crate. None of them carries key material. Each refusal is its own
//! variant with the numbers in fields; its message states them and the fix.

//! Numbers that come from the layout (offsets, sizes) are taken from the declarations, so a
//! message cannot drift from the struct it describes. This module imports only those
//! declarations (`raw`), the findings (`report`) and [`DeviceRule`], none of which use
//! it: every other module returns its [`Result`] without an import cycle.

use crate::raw::crypto::SPKI_DER_LEN;
use crate::raw::ctrl::{CTRL_FILE_OVERHEAD, CTRL_HEADER_LEN, IMAGE_ENTRY_LEN, MAX_IMAGES};
use crate::raw::ftab::{SecConfiguration, SEC_CONFIG_LEN, SEC_CONFIG_MAGIC};
use crate::raw::image_header::VER_LEN;
use crate::raw::offline_v1::{DfuOfflineInstallPacket, ENTRY_LEN, HEADER_LEN};
use crate::raw::record::RECORD_HEADER_LEN;
use crate::report::{hash_message, Failure};
use crate::rules::device_rule::DeviceRule;
use std::mem::offset_of;

/// What went wrong while reading keys or building/reading secure DFU artifacts.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SecureError {
    /// The OS random number generator failed.
    #[error("cannot get random bytes from the operating system")]
    Random(#[source] getrandom::Error),
    /// A raw key file (root key, UID, session key) has the wrong size.
    #[error("{what} {file}: expected {expected} bytes (a raw {kind}), found {found}")]
    KeyLength {
        /// Which key ("root key", "UID", "session key").
        what: &'static str,
        /// The file (or other source) it came from.
        file: String,
        /// What kind of file that is, e.g. "AES-256 key".
        kind: &'static str,
        /// Expected length.
        expected: usize,
        /// Length found.
        found: usize,
    },
    /// A PEM/DER text is not a key of the expected kind; `reason` says what it is instead.
    #[error("{file}: {reason}")]
    BadKey {
        /// The file it came from.
        file: String,
        /// What is wrong, e.g. "PEM label says PKCS#1 ... but the contents are PKCS#8".
        reason: String,
    },
    /// A key of another algorithm (e.g. an imgtool ed25519 key) where RSA-2048 is needed.
    #[error(
        "{file}: this is an {algorithm} key; the vendor's secure DFU needs an RSA-2048 key \
         (imgtool keygen --type rsa2048, or the SDK's sig_pri.pem)"
    )]
    NotRsa {
        /// The file.
        file: String,
        /// The algorithm found ("ed25519", or an OID).
        algorithm: String,
    },
    /// A key file problem found by the `sign` crate's key reading: an encrypted key without
    /// a passphrase or with a wrong one, a legacy-encrypted PEM.
    #[error(transparent)]
    Key(#[from] sign::SignError),
    /// An RSA key that is not 2048-bit (the device's signature field is 256 bytes and its
    /// public key field 294 bytes).
    #[error("{file}: RSA key is {bits}-bit; the device only accepts RSA-2048")]
    RsaBits {
        /// The file.
        file: String,
        /// The key size found.
        bits: usize,
    },
    /// A public key whose DER does not fill the device's key field exactly.
    #[error(
        "the public key's DER is {len} bytes; the device's key field holds exactly \
         {SPKI_DER_LEN} (RSA-2048 with exponent 65537)"
    )]
    SpkiLength {
        /// The DER's length.
        len: usize,
    },
    /// Encoding (or generating) a key failed.
    #[error("cannot encode the key")]
    Encode(#[source] Box<dyn std::error::Error + Send + Sync>),
    /// RSA signing failed.
    #[error("RSA signing failed")]
    Sign(#[source] rsa::Error),
    /// An RSA signer other than a key in memory (external command, token) failed.
    #[error("the RSA signer failed")]
    Signer(#[source] Box<dyn std::error::Error + Send + Sync>),
    /// The signer's signature does not verify with its own public key: nothing was written.
    #[error(
        "the RSA signature from the signer does not verify with its public key (wrong key, \
         wrong algorithm or wrong hash); nothing was written"
    )]
    BadSignature,
    /// The external RSA signing command could not be started (or waited for).
    #[error("cannot run the RSA signing command `{command}`")]
    CommandSpawn {
        /// The command line.
        command: String,
        /// The I/O error.
        #[source]
        source: std::io::Error,
    },
    /// The external RSA signing command exited unsuccessfully.
    #[error("the RSA signing command `{command}` failed with {status}{stderr}")]
    CommandFailed {
        /// The command line.
        command: String,
        /// Its exit status, e.g. "exit status: 3".
        status: String,
        /// "; its stderr: ..." (the start of it), or empty.
        stderr: String,
    },
    /// The external RSA signing command ran past its time limit and was killed.
    #[error(
        "the RSA signing command `{command}` did not finish within {seconds} s and was stopped \
         (--rsa-sign-timeout sets the limit)"
    )]
    CommandTimeout {
        /// The command line.
        command: String,
        /// The limit, in seconds.
        seconds: f64,
    },
    /// The command's stdout is not a signature.
    #[error(
        "the RSA signing command `{command}` printed {found} bytes on stdout; expected the \
         {expected}-byte RSA signature as raw bytes, or as hex or base64 text{stderr}"
    )]
    CommandOutput {
        /// The command line.
        command: String,
        /// Bytes printed.
        found: usize,
        /// The signature length.
        expected: usize,
        /// "; its stderr: ..." (the start of it), or empty.
        stderr: String,
    },
    /// The command's signature does not verify with the public key given for it.
    #[error(
        "the signature from the RSA signing command `{command}` does not verify with \
         {public_key} (the command signs with another key, or not PKCS#1 v1.5 over the \
         32-byte SHA-256 digest it reads on stdin)"
    )]
    CommandSignature {
        /// The command line.
        command: String,
        /// The public key file.
        public_key: String,
    },
    /// The RSA signature is not the device's 256 bytes.
    #[error("RSA signing failed: signature is not {expected} bytes")]
    SignatureLength {
        /// The device's signature size.
        expected: usize,
    },
    /// A combination the device's DFU code rejects (see [`crate::rules`]).
    #[error(transparent)]
    Device(#[from] DeviceRule),

    // --- control packet policy (`ctrl::check_policy`)
    /// More images than the one-byte `img_count` holds.
    #[error(
        "{count} images: img_count is one byte (at most 255), and the device holds at most \
         {MAX_IMAGES}"
    )]
    ImageCountByte {
        /// Images given.
        count: usize,
    },
    /// No image, or more than the device's image array holds.
    #[error(
        "{count} images: a control packet carries 1 to {MAX_IMAGES} (the device's \
         img_header[DFU_IMG_ID_MAX] array)"
    )]
    ImageCount {
        /// Images given.
        count: usize,
    },
    /// A `dfu_ID` the device answers with an error.
    #[error(
        "dfu_id {dfu_id}: the device accepts 0 (CODE), 1 (CODE_MIX) and 2 (OTA_MANAGER); \
         the SDK answers every other id with an error"
    )]
    DfuId {
        /// The `dfu_ID`.
        dfu_id: u8,
    },
    /// An id that names no image (10 is the control packet's).
    #[error(
        "image {index}: id {img_id} is not an image id (0..=11 without 10, which names the \
         control packet)"
    )]
    ImageId {
        /// Position in the control packet.
        index: usize,
        /// The id.
        img_id: u8,
    },
    /// A flag the online flow does not know.
    #[error(
        "image {index} (id {img_id}): flag {flag}; the online flow knows 0, 1 (encrypted), \
         16 (compressed) and 17 (both)"
    )]
    ImageFlag {
        /// Position in the control packet.
        index: usize,
        /// The image id.
        img_id: u8,
        /// The flag.
        flag: u16,
    },
    /// Two images with one id.
    #[error("image id {img_id} appears twice; the device would write both to one region")]
    DuplicateImageId {
        /// The id.
        img_id: u8,
    },

    // --- record files (`record`, `online`)
    /// A block size that is not a positive multiple of 16.
    #[error(
        "bksize {bksize} is not a positive multiple of 16: each block must start at a \
         16-byte boundary for the device's AES-CTR counter"
    )]
    Bksize {
        /// The block size.
        bksize: u16,
    },
    /// A block size larger than the device's buffer.
    #[error(
        "bksize {bksize} is larger than {max}: the device's flash-write buffer is \
         flash_write_t.data[512] (NAND ping-pong builds take up to 2048: pass the NAND option)"
    )]
    BksizeTooLarge {
        /// The block size.
        bksize: u16,
        /// The largest accepted.
        max: u16,
    },
    /// An image longer than a u32 length field.
    #[error("image of {len} bytes does not fit u32")]
    ImageTooLarge {
        /// Its length.
        len: usize,
    },
    /// An empty image.
    #[error("empty image: the device needs at least one block")]
    EmptyImage,
    /// An encrypted image whose records would start off a 16-byte boundary.
    #[error("image id {img_id}: {len} bytes, not a multiple of 16, encrypted without --align")]
    UnalignedEncrypted {
        /// The image id.
        img_id: u8,
        /// Its length.
        len: usize,
    },
    /// A record file given for an id the control packet does not have.
    #[error("the control packet has no image id {img_id}")]
    NoSuchImage {
        /// The id.
        img_id: u8,
    },
    /// A record too short for its header and one data byte.
    #[error(
        "record file: record at {offset:#010x} has {len} bytes; a record is a \
         {RECORD_HEADER_LEN}-byte header and at least one data byte"
    )]
    RecordShort {
        /// File offset of the record.
        offset: usize,
        /// Bytes left there.
        len: usize,
    },

    // --- control packet files (`ctrl`)
    /// A plaintext shorter than the fixed header.
    #[error("control packet: plaintext is {len} bytes, less than {CTRL_HEADER_LEN}")]
    CtrlPlainShort {
        /// Its length.
        len: usize,
    },
    /// A plaintext whose length does not match its `img_count`.
    #[error(
        "control packet: img_count {img_count} needs a {expected}-byte plaintext, found {found}"
    )]
    CtrlPlainLength {
        /// `img_count`.
        img_count: usize,
        /// The length it needs.
        expected: usize,
        /// The length found.
        found: usize,
    },
    /// A file size no control packet has.
    #[error(
        "control packet: {len} bytes; a control packet is {} + {IMAGE_ENTRY_LEN} n bytes",
        CTRL_FILE_OVERHEAD + CTRL_HEADER_LEN
    )]
    CtrlFileLength {
        /// The file's length.
        len: usize,
    },
    /// A control packet that does not parse after decryption, with every check that failed
    /// (a wrong root key shows as the hash failure first).
    #[error("control packet: {}", joined(failures))]
    CtrlUnreadable {
        /// The failed checks, with their offsets.
        failures: Vec<Failure>,
    },

    // --- secure download image (`enc`)
    /// A `--ver` longer than the header's field or not ASCII.
    #[error("--ver {ver:?}: at most {VER_LEN} ASCII characters (the header's ver[20])")]
    Version {
        /// The version given.
        ver: String,
    },
    /// A file shorter than hash + header.
    #[error("secure image: {len} bytes; header alone is {header}")]
    EncFileShort {
        /// The file's length.
        len: usize,
        /// Hash and header length.
        header: usize,
    },
    /// The header's SHA-256 does not match: wrong keys or a corrupted file.
    #[error(
        "secure image: {}: the header does not decrypt with this root key (--key) and public \
         key (--sigkey, which gives the nonce); wrong key, or a corrupted file",
        hash_message("header", computed, stored)
    )]
    EncHeaderHash {
        /// The hash in the file.
        stored: [u8; 32],
        /// The hash of the decrypted header.
        computed: [u8; 32],
    },
    /// A header block size no record layout has.
    #[error(
        "secure image: header blksize {blksize}: expected a non-zero multiple of 16 (the \
         header hash matches, so the file was made so)"
    )]
    EncBlksize {
        /// The header's `blksize`.
        blksize: u16,
    },

    // --- flash table (`ftab`)
    /// Fewer bytes than `struct sec_configuration`.
    #[error("flash table: {len} bytes; struct sec_configuration is {SEC_CONFIG_LEN}")]
    FtabShort {
        /// The length found.
        len: usize,
    },
    /// Not `SEC_CONFIG_MAGIC`.
    #[error(
        "flash table: magic at {:#010x} is {magic:#010x}, expected {SEC_CONFIG_MAGIC:#010x}",
        offset_of!(SecConfiguration, magic)
    )]
    FtabMagic {
        /// The magic found.
        magic: u32,
    },
    /// An address or size above 4 GiB.
    #[error("{what} {value:#x} does not fit the table's 32-bit fields")]
    FtabAddress {
        /// "base", "size" or "xip".
        what: &'static str,
        /// The value.
        value: u64,
    },
    /// A layout entry without a region for its base or xip address.
    #[error("ftab entry {entry:?}: no region gives its {which} address")]
    FtabNoAddress {
        /// The layout's ftab entry name.
        entry: String,
        /// "base" or "xip".
        which: &'static str,
    },
    /// A layout without a FLASH_TABLE region.
    #[error("layout {layout}: no FLASH_TABLE region")]
    NoFlashTable {
        /// The layout's name.
        layout: String,
    },
    /// More extra images than the table's slots.
    #[error(
        "ftab entry {entry:?}: the table has 3 extra image slots (HCPU_EXT2, LCPU_EXT1, \
         LCPU_EXT2), all taken"
    )]
    FtabSlotsFull {
        /// The entry that found none.
        entry: String,
    },

    // --- offline package v1 (`offline_v1`)
    /// More images than the one-byte count holds.
    #[error("{images} images do not fit the one-byte count")]
    V1Count {
        /// Images given (without the control packet).
        images: usize,
    },
    /// A payload longer than a u32 length field.
    #[error("image id {img_id}: too large for u32")]
    V1TooLarge {
        /// The image id.
        img_id: u8,
    },
    /// An image flag other than 16.
    #[error(
        "image id {img_id}: flag {flag}; offline package v1 carries the compressed plaintext \
         files, so every flag must be 16 (with bit 0 the installer would decrypt plaintext; \
         without bit 4 the vendor packer has no com_ file to pack)"
    )]
    V1Flag {
        /// The image id.
        img_id: u8,
        /// Its flag.
        flag: u16,
    },
    /// No magic.
    #[error(
        "offline package v1: no FCES magic at {:#010x}",
        offset_of!(DfuOfflineInstallPacket, magic)
    )]
    V1Magic,
    /// `info_len` that is not 5 per image.
    #[error(
        "offline package v1: info_len {info_len} at {:#010x} does not match image_count \
         {count} ({ENTRY_LEN} bytes each)",
        offset_of!(DfuOfflineInstallPacket, info_len)
    )]
    V1InfoLen {
        /// `info_len`.
        info_len: usize,
        /// `image_count`.
        count: usize,
    },
    /// A file shorter than its entry table.
    #[error("offline package v1: {len} bytes, the entry table needs {needed}")]
    V1Short {
        /// The file's length.
        len: usize,
        /// Header and entries.
        needed: usize,
    },
    /// A payload past the end of the file.
    #[error(
        "offline package v1: entry {index} at {entry_offset:#010x}: {len} bytes at \
         {offset:#010x} run past the end ({file_len} bytes)"
    )]
    V1PastEnd {
        /// The entry's index.
        index: usize,
        /// File offset of the entry.
        entry_offset: usize,
        /// Its payload length.
        len: usize,
        /// File offset of the payload.
        offset: usize,
        /// The file's length.
        file_len: usize,
    },
    /// A first entry that is not the control packet.
    #[error(
        "offline package v1: entry 0 at {HEADER_LEN:#010x} has id {img_id}, the control \
         packet's is 10"
    )]
    V1FirstNotCtrl {
        /// The id found.
        img_id: u8,
    },
    /// Bytes after the last payload.
    #[error("offline package v1: {extra} bytes after the last payload at {offset:#010x}")]
    V1Trailing {
        /// How many.
        extra: usize,
        /// Where they start.
        offset: usize,
    },
}

/// Shorthand for the crate's results.
pub type Result<T> = std::result::Result<T, SecureError>;

fn joined(failures: &[Failure]) -> String {
    let all: Vec<String> = failures.iter().map(Failure::to_string).collect();
    all.join("; ")
}
