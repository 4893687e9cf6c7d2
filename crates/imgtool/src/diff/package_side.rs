//! An offline package v2 as a [`Snapshot`]: crate `package`'s reader, payload decoder and
//! signature trailer.

use super::{Category, DiffError, Field, Installed, Kind, Snapshot, SnapshotImage};
use package::trailer::{inspect, Trailer};
use package::v2::{parse, Package};
use std::path::Path;

/// Reads the package `bytes` (from `path`, named in errors): every image decoded to what the
/// device installs, the header, the manifest of its trailer and its signature key id.
pub fn read_package(path: &Path, bytes: &[u8]) -> Result<Snapshot, DiffError> {
    let pkg = parse(bytes).map_err(|source| DiffError::NotAPackage {
        path: path.to_path_buf(),
        source,
    })?;
    let trailer = inspect(bytes).map_err(|source| DiffError::Trailer {
        path: path.to_path_buf(),
        source,
    })?;
    let images = pkg
        .images
        .iter()
        .map(|im| image(path, im, trailer.as_ref()))
        .collect::<Result<_, _>>()?;
    Ok(Snapshot {
        kind: Kind::Package,
        fields: package_fields(&pkg, trailer.as_ref()),
        images,
        file_sha256: Some(super::sha256_hex(bytes)),
    })
}

fn package_fields(pkg: &Package<'_>, trailer: Option<&Trailer>) -> Vec<Field> {
    use Category::*;
    let h = &pkg.header;
    let m = trailer.map(|t| &t.manifest);
    let key_id = trailer.and_then(|t| t.signature).map(|s| s.key_id);
    let signature = match trailer {
        None => "none",
        Some(t) if t.signature.is_none() => "awaiting an external signature",
        Some(_) => "ed25519",
    };
    vec![
        Field::new("image_count", Header, h.image_count.get()),
        Field::new("install_state", Header, format!("{:#04x}", h.install_state)),
        Field::new("crc", Header, format!("{:#010x}", h.crc.get())),
        Field::maybe(
            "manifest.version",
            Version,
            m.and_then(|m| m.version.clone()),
        ),
        Field::maybe(
            "manifest.build_id",
            Version,
            m.and_then(|m| m.build_id.clone()),
        ),
        Field::maybe("manifest.min_hw", Version, m.and_then(|m| m.min_hw.clone())),
        Field::maybe(
            "manifest.min_sdk",
            Version,
            m.and_then(|m| m.min_sdk.clone()),
        ),
        Field::maybe("manifest.layout", Manifest, m.map(|m| m.layout.clone())),
        Field::maybe("manifest.tool", Manifest, m.map(|m| m.tool.clone())),
        Field::new("signature", Signature, signature),
        Field::maybe("signature.key_id", Signature, key_id),
    ]
}

fn image(
    path: &Path,
    im: &package::v2::PackageImage<'_>,
    trailer: Option<&Trailer>,
) -> Result<SnapshotImage, DiffError> {
    let id = layout::ImageId(im.entry.image_id);
    let decoded =
        package::payload::decode(im.flag, im.payload).map_err(|source| DiffError::Payload {
            path: path.to_path_buf(),
            index: im.index,
            image_id: id.0,
            offset: im.payload_offset,
            source,
        })?;
    let info = decoded.info.as_ref();
    let source = trailer
        .and_then(|t| t.manifest.images.get(im.index))
        .and_then(|e| e.source.clone());
    use Category::*;
    let fields = vec![
        Field::new("flag", Header, im.flag),
        Field::new("payload_size", Encoding, im.payload.len()),
        Field::new("payload_sha256", Encoding, super::sha256_hex(im.payload)),
        Field::maybe("codec", Codec, info.map(|i| i.mode.name())),
        Field::maybe("pksize", Pksize, info.map(|i| i.pksize)),
        Field::maybe("manifest.source", Manifest, source),
    ];
    Ok(SnapshotImage {
        id: id.0,
        name: id
            .name()
            .map_or_else(|| format!("img{}", id.0), str::to_owned),
        installed: Installed::of(&decoded.image),
        fields,
    })
}
