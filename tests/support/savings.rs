//! Bodies with known savings (`--savings` tests of both engines): text that compresses
//! well, bytes that do not, a heavy JPEG.

use std::io::Write;

/// Bytes no compressor can shrink (xorshift), as text.
pub fn noise(n: usize) -> Vec<u8> {
    let mut x = 0x9e37_79b9_u32;
    (0..n)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 17;
            x ^= x << 5;
            b'!' + (x % 90) as u8
        })
        .collect()
}

pub fn gzip(body: &[u8]) -> Vec<u8> {
    let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::new(6));
    e.write_all(body).unwrap();
    e.finish().unwrap()
}

pub fn app_js() -> String {
    (0..600)
        .map(|i| format!("function f{i}(a, b) {{ return a * {i} + b; }}\n"))
        .collect()
}

#[cfg(feature = "images")]
/// A photo-like card: gradients, edges and texture.
pub fn card(w: u32, h: u32) -> Vec<u8> {
    let mut rgb = Vec::new();
    for y in 0..h {
        for x in 0..w {
            let t = ((x * 7 + y * 13) % 17) * 3;
            let edge = if (x / 24 + y / 24) % 2 == 0 { 60 } else { 0 };
            rgb.extend([
                (x * 120 / w + edge + t) as u8,
                (y * 120 / h + t) as u8,
                ((x + y) % 128 + edge) as u8,
            ]);
        }
    }
    rgb
}

#[cfg(feature = "images")]
pub fn jpeg(w: u16, h: u16, q: u8) -> Vec<u8> {
    let mut out = Vec::new();
    jpeg_encoder::Encoder::new(&mut out, q)
        .encode(
            &card(w.into(), h.into()),
            w,
            h,
            jpeg_encoder::ColorType::Rgb,
        )
        .unwrap();
    out
}
