//! Deterministic test images: gradients, noise and flat areas in every colour type (shared by
//! the tests and the benchmark).

use ezimage::{ColorType, Pixels};

/// Every colour type and depth the format has: (colour type, bits per pixel).
pub const MODES: &[(ColorType, u8)] = &[
    (ColorType::Rgb565, 16),
    (ColorType::Argb8565, 24),
    (ColorType::Rgb888, 24),
    (ColorType::Argb8888, 32),
    (ColorType::Palette, 1),
    (ColorType::Palette, 2),
    (ColorType::Palette, 4),
    (ColorType::Palette, 8),
];

/// A `w` x `h` image: a 4x4 grid of areas, each flat, a gradient or noise, chosen by `seed`.
pub fn generated(color: ColorType, bpp: u8, w: u16, h: u16, seed: u32) -> Pixels {
    let mut rng = seed.wrapping_mul(2_654_435_761).max(1);
    let mut next = move || {
        rng ^= rng << 13;
        rng ^= rng >> 17;
        rng ^= rng << 5;
        rng
    };
    let (wu, hu) = (usize::from(w), usize::from(h));
    let stride = (wu * usize::from(bpp)).div_ceil(8);
    let mut data = vec![0u8; stride * hu];
    let kinds: Vec<u32> = (0..16).map(|i| (seed + i * 7) % 3).collect();
    for y in 0..hu {
        for x in 0..wu {
            let area = (x * 4 / wu) + 4 * (y * 4 / hu);
            let (r, g, b, a) = match kinds[area] {
                0 => (40 + area as u8 * 9, 200 - area as u8 * 5, 90, 255),
                1 => (
                    (x * 255 / wu) as u8,
                    (y * 255 / hu) as u8,
                    ((x + y) % 256) as u8,
                    (x * 2 % 256) as u8,
                ),
                _ => {
                    let n = next();
                    (n as u8, (n >> 8) as u8, (n >> 16) as u8, (n >> 24) as u8)
                }
            };
            put(
                &mut data[y * stride..(y + 1) * stride],
                color,
                bpp,
                x,
                [r, g, b, a],
            );
        }
    }
    let palette = if color == ColorType::Palette {
        (0..1usize << bpp)
            .map(|i| [i as u8, (i * 3) as u8, 255 - i as u8, 255])
            .collect()
    } else {
        Vec::new()
    };
    Pixels {
        color,
        bits_per_pixel: bpp,
        width: w,
        height: h,
        palette,
        data,
    }
}

fn put(row: &mut [u8], color: ColorType, bpp: u8, x: usize, [r, g, b, a]: [u8; 4]) {
    let rgb565 =
        (u16::from(r >> 3) << 11 | u16::from(g >> 2) << 5 | u16::from(b >> 3)).to_le_bytes();
    match color {
        ColorType::Rgb565 => row[2 * x..2 * x + 2].copy_from_slice(&rgb565),
        ColorType::Argb8565 => row[3 * x..3 * x + 3].copy_from_slice(&[rgb565[0], rgb565[1], a]),
        ColorType::Rgb888 => row[3 * x..3 * x + 3].copy_from_slice(&[b, g, r]),
        ColorType::Argb8888 => row[4 * x..4 * x + 4].copy_from_slice(&[b, g, r, a]),
        ColorType::Palette => {
            let index = (r ^ (g >> 1)) >> (8 - bpp);
            let bit = x * usize::from(bpp);
            let shift = 8 - usize::from(bpp) - bit % 8;
            row[bit / 8] |= index << shift;
        }
    }
}
