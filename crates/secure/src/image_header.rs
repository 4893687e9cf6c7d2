//! `struct image_header_enc` (SDK `middleware/dfu/dfu.h`): the per-image header of the flash
//! table ([`crate::ftab`]) whose first [`ENC_HEADER_LEN`] bytes are also the header of the
//! UART secure download image ([`crate::enc`]). Declared once (with the crate's other on-disk
//! structs, in `raw/image_header.rs`) so both use one layout.

pub use crate::raw::image_header::{ImageHeaderEnc, ENC_HEADER_LEN, IMAGE_HEADER_LEN, VER_LEN};
