//! What an image would weigh re-encoded, and what the re-encoding costs in quality.
//!
//! The original is decoded (JPEG, PNG, GIF's first frame, WebP; within [`MAX_PIXELS`]) and
//! encoded again: as JPEG at each asked quality (a JPEG original only, as Lighthouse's
//! `uses-optimized-images`; baseline, 4:2:0, optimized Huffman tables, libjpeg's quality
//! scale) and as lossy WebP at quality 85 (libwebp, as Lighthouse's `modern-image-formats`;
//! not for a WebP or AVIF original). Each candidate is decoded again and scored against the
//! original by SSIM ([`ssim`]).

use super::{Candidate, Codec};
use image::{ImageFormat, RgbaImage};

/// Largest image decoded (pixels): 40 megapixels, 160 MB as RGBA. Larger is reported, not
/// decoded.
pub const MAX_PIXELS: u64 = 40_000_000;
/// WebP's quality (Lighthouse's).
pub const WEBP_QUALITY: u8 = 85;

/// Why an image could not be measured.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Unmeasured {
    /// Not a format pagecost decodes (SVG, AVIF, ICO ...).
    Format,
    /// Larger than [`MAX_PIXELS`] (or its decoding would allocate more).
    TooLarge,
    /// Its bytes do not decode.
    Corrupt(String),
}

impl std::fmt::Display for Unmeasured {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Unmeasured::Format => f.write_str("a format pagecost does not decode"),
            Unmeasured::TooLarge => write!(f, "larger than {} megapixels", MAX_PIXELS / 1_000_000),
            Unmeasured::Corrupt(why) => write!(f, "does not decode: {why}"),
        }
    }
}

/// An image's measures: its size and format, and its candidates.
#[derive(Debug, Clone, PartialEq)]
pub struct Measured {
    /// The original's format.
    pub format: Codec,
    /// Width in pixels.
    pub width: u32,
    /// Height in pixels.
    pub height: u32,
    /// The candidates, in the order asked.
    pub candidates: Vec<Candidate>,
}

/// Decodes `body` and re-encodes it: JPEG at each of `qualities` (a JPEG original only) and
/// WebP at [`WEBP_QUALITY`] (not for a WebP original); when `shown` (device pixels) is
/// smaller than the picture, also right-sized to it (see `right_sized`). CPU-bound: call it
/// off the async runtime's threads.
pub fn measure(
    body: &[u8],
    qualities: &[u8],
    shown: Option<[u32; 2]>,
) -> Result<Measured, Unmeasured> {
    let format = image::guess_format(body).map_err(|_| Unmeasured::Format)?;
    let name = match format {
        ImageFormat::Jpeg => Codec::Jpeg,
        ImageFormat::Png => Codec::Png,
        ImageFormat::Gif => Codec::Gif,
        ImageFormat::WebP => Codec::Webp,
        _ => return Err(Unmeasured::Format),
    };
    let original = decode(body, format)?;
    let mut candidates = Vec::new();
    if format == ImageFormat::Jpeg {
        for &q in qualities {
            candidates.push(jpeg(&original, q)?);
        }
    }
    if format != ImageFormat::WebP {
        candidates.push(webp(&original)?);
    }
    if let Some(size) = shown.filter(|&s| larger_than(&original, s)) {
        candidates.push(right_sized(&original, format, size)?);
    }
    Ok(Measured {
        format: name,
        width: original.width(),
        height: original.height(),
        candidates,
    })
}

/// Decodes within the pixel and allocation limits.
fn decode(body: &[u8], format: ImageFormat) -> Result<RgbaImage, Unmeasured> {
    if format == ImageFormat::Jpeg {
        return decode_jpeg(body);
    }
    let mut reader = image::ImageReader::with_format(std::io::Cursor::new(body), format);
    let mut limits = image::Limits::default();
    limits.max_alloc = Some(MAX_PIXELS * 4 + 64 * 1024 * 1024);
    reader.limits(limits);
    let (w, h) = reader
        .into_dimensions()
        .map_err(|e| Unmeasured::Corrupt(e.to_string()))?;
    if u64::from(w) * u64::from(h) > MAX_PIXELS {
        return Err(Unmeasured::TooLarge);
    }
    let mut reader = image::ImageReader::with_format(std::io::Cursor::new(body), format);
    reader.limits(limits_for(w, h));
    let img = reader.decode().map_err(|e| match e {
        image::ImageError::Limits(_) => Unmeasured::TooLarge,
        e => Unmeasured::Corrupt(e.to_string()),
    })?;
    Ok(img.to_rgba8())
}

/// JPEG by jpeg-decoder, which agrees with libjpeg-turbo where `image`'s own JPEG decoder
/// (zune-jpeg) does not: it garbled the optimized-Huffman JPEGs this module writes.
fn decode_jpeg(body: &[u8]) -> Result<RgbaImage, Unmeasured> {
    let corrupt = |e: jpeg_decoder::Error| Unmeasured::Corrupt(e.to_string());
    let mut d = jpeg_decoder::Decoder::new(std::io::Cursor::new(body));
    d.read_info().map_err(corrupt)?;
    let info = d
        .info()
        .ok_or_else(|| Unmeasured::Corrupt("no frame header".into()))?;
    let (w, h) = (u32::from(info.width), u32::from(info.height));
    if u64::from(w) * u64::from(h) > MAX_PIXELS {
        return Err(Unmeasured::TooLarge);
    }
    d.set_max_decoding_buffer_size((MAX_PIXELS * 4) as usize);
    let px = d.decode().map_err(corrupt)?;
    use jpeg_decoder::PixelFormat as F;
    let rgba: Vec<u8> = match info.pixel_format {
        F::RGB24 => px
            .chunks_exact(3)
            .flat_map(|c| [c[0], c[1], c[2], 255])
            .collect(),
        F::L8 => px.iter().flat_map(|&l| [l, l, l, 255]).collect(),
        F::L16 => px
            .chunks_exact(2)
            .flat_map(|c| [c[0], c[0], c[0], 255])
            .collect(),
        // jpeg-decoder gives Adobe CMYK as it is stored (inverted): C' M' Y' K'.
        F::CMYK32 => px
            .chunks_exact(4)
            .flat_map(|c| {
                let k = u32::from(c[3]);
                let ch = |v: u8| (u32::from(v) * k / 255) as u8;
                [ch(c[0]), ch(c[1]), ch(c[2]), 255]
            })
            .collect(),
    };
    RgbaImage::from_raw(w, h, rgba).ok_or_else(|| Unmeasured::Corrupt("short pixel data".into()))
}

fn limits_for(w: u32, h: u32) -> image::Limits {
    let mut limits = image::Limits::default();
    limits.max_image_width = Some(w);
    limits.max_image_height = Some(h);
    limits.max_alloc = Some(MAX_PIXELS * 4 + 64 * 1024 * 1024);
    limits
}

/// JPEG at quality `q`: the original flattened on white (JPEG has no alpha).
fn jpeg(original: &RgbaImage, q: u8) -> Result<Candidate, Unmeasured> {
    let rgb = on_white(original);
    let (w, h) = (original.width(), original.height());
    let too_large = || Unmeasured::TooLarge;
    let (w16, h16) = (
        u16::try_from(w).map_err(|_| too_large())?,
        u16::try_from(h).map_err(|_| too_large())?,
    );
    let mut out = Vec::new();
    let mut enc = jpeg_encoder::Encoder::new(&mut out, q);
    enc.set_optimized_huffman_tables(true);
    enc.set_sampling_factor(jpeg_encoder::SamplingFactor::R_4_2_0);
    enc.encode(&rgb, w16, h16, jpeg_encoder::ColorType::Rgb)
        .map_err(|e| Unmeasured::Corrupt(e.to_string()))?;
    let again = decode(&out, ImageFormat::Jpeg)?;
    Ok(Candidate {
        format: Codec::Jpeg,
        quality: q,
        bytes: out.len() as u64,
        ssim: ssim(original, &again),
        resized: None,
    })
}

/// Lossy WebP at [`WEBP_QUALITY`], alpha kept.
fn webp(original: &RgbaImage) -> Result<Candidate, Unmeasured> {
    let (w, h) = (original.width(), original.height());
    let encoded = webp::Encoder::from_rgba(original.as_raw(), w, h)
        .encode_simple(false, f32::from(WEBP_QUALITY))
        .map_err(|e| Unmeasured::Corrupt(format!("WebP encoder: {e:?}")))?;
    let again = decode(&encoded, ImageFormat::WebP)?;
    Ok(Candidate {
        format: Codec::Webp,
        quality: WEBP_QUALITY,
        bytes: encoded.len() as u64,
        ssim: ssim(original, &again),
        resized: None,
    })
}

/// Whether a picture has more pixels than the `[width, height]` it is shown at.
fn larger_than(img: &RgbaImage, [w, h]: [u32; 2]) -> bool {
    w > 0 && h > 0 && u64::from(w) * u64::from(h) < u64::from(img.width()) * u64::from(img.height())
}

/// The picture resized to the size it is shown at (Lanczos 3) and encoded in its own
/// family: JPEG at 85 for a JPEG, lossy WebP at 85 for the rest. Its SSIM is against the
/// original resized the same way (what the visitor saw: the browser scaled it down), so it
/// scores the encoding, not the resizing.
fn right_sized(
    original: &RgbaImage,
    format: ImageFormat,
    [w, h]: [u32; 2],
) -> Result<Candidate, Unmeasured> {
    let small = image::imageops::resize(original, w, h, image::imageops::FilterType::Lanczos3);
    let mut c = if format == ImageFormat::Jpeg {
        jpeg(&small, 85)?
    } else {
        webp(&small)?
    };
    c.resized = Some([w, h]);
    Ok(c)
}

/// RGB of an RGBA image composited over white.
fn on_white(img: &RgbaImage) -> Vec<u8> {
    let mut out = Vec::with_capacity(img.as_raw().len() / 4 * 3);
    for p in img.pixels() {
        let [r, g, b, a] = p.0;
        let a = u32::from(a);
        for c in [r, g, b] {
            out.push(((u32::from(c) * a + 255 * (255 - a) + 127) / 255) as u8);
        }
    }
    out
}

/// Luma (ITU-R BT.601) of an image composited over white, as floats 0 to 255.
fn luma(img: &RgbaImage) -> Vec<f32> {
    on_white(img)
        .chunks_exact(3)
        .map(|c| 0.299 * f32::from(c[0]) + 0.587 * f32::from(c[1]) + 0.114 * f32::from(c[2]))
        .collect()
}

/// SSIM of `b` against `a` (Wang, Bovik, Sheikh and Simoncelli, 2004): on the luma of both
/// composited over white, with an 11x11 Gaussian window (sigma 1.5), K1 0.01, K2 0.03, L
/// 255; the mean of the SSIM map over the window positions inside the image. 1 for
/// identical images; an image smaller than the window is compared as one window.
pub fn ssim(a: &RgbaImage, b: &RgbaImage) -> f64 {
    assert_eq!(
        a.dimensions(),
        b.dimensions(),
        "SSIM of images of different sizes"
    );
    let (w, h) = (a.width() as usize, a.height() as usize);
    let (x, y) = (luma(a), luma(b));
    let mu_x = blur(&x, w, h);
    let mu_y = blur(&y, w, h);
    let sq = |v: &[f32], u: &[f32]| v.iter().zip(u).map(|(p, q)| p * q).collect::<Vec<f32>>();
    let xx = blur(&sq(&x, &x), w, h);
    let yy = blur(&sq(&y, &y), w, h);
    let xy = blur(&sq(&x, &y), w, h);
    let (c1, c2) = ((0.01f64 * 255.0).powi(2), (0.03f64 * 255.0).powi(2));
    let n = mu_x.len();
    let mut sum = 0.0;
    for i in 0..n {
        let (mx, my) = (f64::from(mu_x[i]), f64::from(mu_y[i]));
        let vx = f64::from(xx[i]) - mx * mx;
        let vy = f64::from(yy[i]) - my * my;
        let cov = f64::from(xy[i]) - mx * my;
        sum +=
            ((2.0 * mx * my + c1) * (2.0 * cov + c2)) / ((mx * mx + my * my + c1) * (vx + vy + c2));
    }
    if n == 0 {
        1.0
    } else {
        sum / n as f64
    }
}

/// The 11-tap Gaussian (sigma 1.5), normalized.
fn kernel() -> [f32; 11] {
    let mut k = [0f32; 11];
    for (i, v) in k.iter_mut().enumerate() {
        let d = i as f32 - 5.0;
        *v = (-(d * d) / (2.0 * 1.5 * 1.5)).exp();
    }
    let s: f32 = k.iter().sum();
    k.map(|v| v / s)
}

/// The plane blurred by the Gaussian window at each position where the whole window fits
/// ("valid" positions: (w-10) x (h-10)); a plane smaller than the window is one window of
/// its mean.
fn blur(p: &[f32], w: usize, h: usize) -> Vec<f32> {
    if w < 11 || h < 11 {
        return vec![p.iter().sum::<f32>() / p.len().max(1) as f32];
    }
    let k = kernel();
    let (ow, oh) = (w - 10, h - 10);
    let mut rows = vec![0f32; ow * h];
    for y in 0..h {
        let line = &p[y * w..(y + 1) * w];
        for x in 0..ow {
            rows[y * ow + x] = k.iter().zip(&line[x..x + 11]).map(|(a, b)| a * b).sum();
        }
    }
    let mut out = vec![0f32; ow * oh];
    for y in 0..oh {
        for x in 0..ow {
            out[y * ow + x] = (0..11).map(|i| k[i] * rows[(y + i) * ow + x]).sum();
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use image::DynamicImage;

    /// A photo-like test card: smooth gradients, edges and fine texture.
    fn card(w: u32, h: u32) -> RgbaImage {
        RgbaImage::from_fn(w, h, |x, y| {
            let t = ((x * 7 + y * 13) % 17) as u8 * 3;
            let edge = if (x / 24 + y / 24) % 2 == 0 { 60 } else { 0 };
            image::Rgba([
                (x * 255 / w) as u8 / 2 + edge + t,
                (y * 255 / h) as u8 / 2 + t,
                ((x + y) % 256) as u8 / 2 + edge,
                255,
            ])
        })
    }

    fn encode(img: &RgbaImage, format: ImageFormat) -> Vec<u8> {
        let mut out = std::io::Cursor::new(Vec::new());
        DynamicImage::ImageRgba8(img.clone())
            .to_rgb8()
            .write_to(&mut out, format)
            .unwrap();
        out.into_inner()
    }

    #[test]
    fn ssim_is_one_for_identical_images_and_falls_with_visible_damage() {
        let a = card(96, 64);
        assert!((ssim(&a, &a) - 1.0).abs() < 1e-9);
        // A lightly noised copy scores high; a blocky, posterized one scores low.
        let noisy = RgbaImage::from_fn(96, 64, |x, y| {
            let mut p = *a.get_pixel(x, y);
            let d = ((x * 31 + y * 17) % 5) as u8;
            p.0[0] = p.0[0].saturating_add(d);
            p
        });
        let blocky = RgbaImage::from_fn(96, 64, |x, y| {
            let p = a.get_pixel(x / 8 * 8, y / 8 * 8);
            image::Rgba(p.0.map(|c| c / 64 * 64))
        });
        let (s_noisy, s_blocky) = (ssim(&a, &noisy), ssim(&a, &blocky));
        assert!(s_noisy > 0.98 && s_noisy < 1.0, "{s_noisy}");
        assert!(s_blocky < 0.8, "{s_blocky}");
        // Symmetric.
        assert!((ssim(&blocky, &a) - s_blocky).abs() < 1e-6);
    }

    #[test]
    fn ssim_matches_the_mean_over_windows_for_a_known_shift() {
        // A flat image against the same plus a constant: the structure term is 1, the
        // luminance term alone is (2 mx my + C1) / (mx^2 + my^2 + C1).
        let a = RgbaImage::from_pixel(20, 20, image::Rgba([100, 100, 100, 255]));
        let b = RgbaImage::from_pixel(20, 20, image::Rgba([120, 120, 120, 255]));
        let c1 = (0.01f64 * 255.0).powi(2);
        let want = (2.0 * 100.0 * 120.0 + c1) / (100.0f64.powi(2) + 120.0f64.powi(2) + c1);
        assert!(
            (ssim(&a, &b) - want).abs() < 1e-4,
            "{} against {want}",
            ssim(&a, &b)
        );
    }

    #[test]
    fn a_heavy_jpeg_gets_smaller_candidates_with_their_scores() {
        let img = card(240, 160);
        let heavy = {
            let mut out = Vec::new();
            let rgb = on_white(&img);
            jpeg_encoder::Encoder::new(&mut out, 100)
                .encode(&rgb, 240, 160, jpeg_encoder::ColorType::Rgb)
                .unwrap();
            out
        };
        let m = measure(&heavy, &[85, 50], None).unwrap();
        assert_eq!((m.format, m.width, m.height), (Codec::Jpeg, 240, 160));
        let names: Vec<_> = m.candidates.iter().map(|c| (c.format, c.quality)).collect();
        assert_eq!(
            names,
            [(Codec::Jpeg, 85), (Codec::Jpeg, 50), (Codec::Webp, 85)]
        );
        let (q85, q50) = (&m.candidates[0], &m.candidates[1]);
        assert!(
            q85.bytes < heavy.len() as u64 && q50.bytes < q85.bytes,
            "{m:?}"
        );
        assert!(
            q85.ssim > q50.ssim && q85.ssim > 0.9 && q85.ssim < 1.0,
            "{m:?}"
        );
    }

    #[test]
    fn formats_pagecost_does_not_decode_and_bombs_are_reported() {
        assert_eq!(
            measure(b"<svg xmlns='http://www.w3.org/2000/svg'/>", &[85], None),
            Err(Unmeasured::Format)
        );
        // A PNG header claiming 100,000 x 100,000 pixels: refused before decoding.
        let big = RgbaImage::from_pixel(1, 1, image::Rgba([0, 0, 0, 255]));
        let mut png = encode(&big, ImageFormat::Png);
        png[16..20].copy_from_slice(&100_000u32.to_be_bytes());
        png[20..24].copy_from_slice(&100_000u32.to_be_bytes());
        let mut crc = flate2::Crc::new();
        crc.update(&png[12..29]);
        png[29..33].copy_from_slice(&crc.sum().to_be_bytes());
        assert_eq!(measure(&png, &[85], None), Err(Unmeasured::TooLarge));
        let cut = &encode(&card(64, 64), ImageFormat::Png)[..200];
        assert!(matches!(
            measure(cut, &[85], None),
            Err(Unmeasured::Corrupt(_))
        ));
        // A PNG gets a WebP candidate only.
        let png = encode(&card(64, 64), ImageFormat::Png);
        let m = measure(&png, &[85], None).unwrap();
        assert_eq!(m.candidates.len(), 1);
        assert_eq!(m.candidates[0].format, Codec::Webp);
    }

    #[test]
    fn an_image_shown_smaller_gets_a_right_sized_candidate_and_one_shown_whole_does_not() {
        let png = encode(&card(200, 100), ImageFormat::Png);
        let m = measure(&png, &[85], Some([100, 50])).unwrap();
        let last = m.candidates.last().unwrap();
        assert_eq!(last.resized, Some([100, 50]));
        assert!(last.bytes < m.candidates[0].bytes, "{m:?}");
        assert!(last.ssim > 0.9 && last.ssim <= 1.0, "{m:?}");
        for shown in [[200, 100], [400, 200], [0, 0]] {
            let m = measure(&png, &[85], Some(shown)).unwrap();
            assert!(
                m.candidates.iter().all(|c| c.resized.is_none()),
                "{shown:?}"
            );
        }
    }
}
