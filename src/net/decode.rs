//! Content decoding done by the project, so that both the bytes on the wire and the decoded
//! bytes are counted, and a body that inflates past a limit (a gzip bomb) stops early.
//!
//! Push-based: each received chunk is written into a decoder whose output goes to a
//! [`Sink`] that counts it, keeps a prefix for parsing and refuses to grow past the limit.

use std::io::{self, Write};

/// Counts decoded bytes and keeps up to `keep` of them.
pub(crate) struct Sink {
    pub(crate) count: u64,
    limit: u64,
    keep: usize,
    pub(crate) kept: Vec<u8>,
    pub(crate) over_limit: bool,
}

impl Write for Sink {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.count += buf.len() as u64;
        if self.count > self.limit {
            self.over_limit = true;
            return Err(io::Error::other("decoded size limit exceeded"));
        }
        let room = self.keep.saturating_sub(self.kept.len());
        self.kept.extend_from_slice(&buf[..room.min(buf.len())]);
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

/// A decoder for one `Content-Encoding`.
pub(crate) enum Decoder {
    Identity(Sink),
    Gzip(Box<flate2::write::MultiGzDecoder<Sink>>),
    Zlib(Box<flate2::write::ZlibDecoder<Sink>>),
    RawDeflate(Box<flate2::write::DeflateDecoder<Sink>>),
    Brotli(Box<brotli_decompressor::DecompressorWriter<Sink>>),
    Zstd(Box<zstd::stream::write::Decoder<'static, Sink>>),
    /// `deflate` before its first bytes tell zlib-wrapped from raw.
    DeflatePending(Sink, Vec<u8>),
}

/// Why decoding failed.
#[derive(Debug)]
pub(crate) enum DecodeError {
    /// The encoding is not one this tool decodes.
    Unsupported(String),
    /// The decoded body passed the limit.
    TooLarge(u64),
    /// The body is not valid for its encoding.
    Invalid(String),
}

impl Decoder {
    /// Makes room for a body of `expected` bytes (its Content-Length) when it is kept as it
    /// arrives, so the kept copy is not reallocated as it grows.
    pub(crate) fn reserve(&mut self, expected: u64) {
        if let Decoder::Identity(s) = self {
            let want = (expected.min(s.keep as u64) as usize).saturating_sub(s.kept.len());
            s.kept.reserve_exact(want);
        }
    }

    /// A decoder for a `Content-Encoding` header value (`None` or `identity`: no decoding).
    pub(crate) fn new(
        encoding: Option<&str>,
        limit: u64,
        keep: usize,
    ) -> Result<Self, DecodeError> {
        let sink = Sink {
            count: 0,
            limit,
            keep,
            kept: Vec::new(),
            over_limit: false,
        };
        let enc = encoding
            .map(|e| e.trim().to_ascii_lowercase())
            .unwrap_or_default();
        Ok(match enc.as_str() {
            "" | "identity" => Decoder::Identity(Sink {
                // Nothing inflates: the body limit is the only limit that applies.
                limit: u64::MAX,
                ..sink
            }),
            "gzip" | "x-gzip" => Decoder::Gzip(Box::new(flate2::write::MultiGzDecoder::new(sink))),
            "deflate" => Decoder::DeflatePending(sink, Vec::new()),
            "br" => Decoder::Brotli(Box::new(brotli_decompressor::DecompressorWriter::new(
                sink,
                16 * 1024,
            ))),
            "zstd" => Decoder::Zstd(Box::new(
                zstd::stream::write::Decoder::new(sink)
                    .map_err(|e| DecodeError::Invalid(e.to_string()))?,
            )),
            other => return Err(DecodeError::Unsupported(other.to_string())),
        })
    }

    fn sink(&self) -> &Sink {
        match self {
            Decoder::Identity(s) | Decoder::DeflatePending(s, _) => s,
            Decoder::Gzip(d) => d.get_ref(),
            Decoder::Zlib(d) => d.get_ref(),
            Decoder::RawDeflate(d) => d.get_ref(),
            Decoder::Brotli(d) => d.get_ref(),
            Decoder::Zstd(d) => d.get_ref(),
        }
    }

    fn map_err(&self, e: io::Error) -> DecodeError {
        let s = self.sink();
        if s.over_limit {
            DecodeError::TooLarge(s.limit)
        } else {
            DecodeError::Invalid(e.to_string())
        }
    }

    /// Feeds one chunk of the encoded body.
    pub(crate) fn write(&mut self, chunk: &[u8]) -> Result<(), DecodeError> {
        if let Decoder::DeflatePending(_, buf) = self {
            buf.extend_from_slice(chunk);
            if buf.len() < 2 {
                return Ok(());
            }
            let Decoder::DeflatePending(sink, buf) =
                std::mem::replace(self, Decoder::Identity(empty_sink()))
            else {
                unreachable!()
            };
            // zlib: CMF/FLG with CM=8 and a header checksum that divides by 31.
            let zlib = buf[0] & 0x0f == 8 && (u16::from(buf[0]) << 8 | u16::from(buf[1])) % 31 == 0;
            *self = if zlib {
                Decoder::Zlib(Box::new(flate2::write::ZlibDecoder::new(sink)))
            } else {
                Decoder::RawDeflate(Box::new(flate2::write::DeflateDecoder::new(sink)))
            };
            return self.write(&buf);
        }
        let r = match self {
            Decoder::Identity(s) => s.write_all(chunk),
            Decoder::Gzip(d) => d.write_all(chunk),
            Decoder::Zlib(d) => d.write_all(chunk),
            Decoder::RawDeflate(d) => d.write_all(chunk),
            Decoder::Brotli(d) => d.write_all(chunk),
            Decoder::Zstd(d) => d.write_all(chunk),
            Decoder::DeflatePending(..) => unreachable!(),
        };
        r.map_err(|e| self.map_err(e))
    }

    /// Ends the body: checks the stream is complete and returns (decoded count, kept prefix).
    pub(crate) fn finish(self) -> Result<(u64, Vec<u8>), DecodeError> {
        let sink = match self {
            Decoder::Identity(s) => s,
            Decoder::DeflatePending(s, buf) => {
                if buf.is_empty() {
                    s
                } else {
                    return Err(DecodeError::Invalid("deflate stream too short".into()));
                }
            }
            Decoder::Gzip(d) => d
                .finish()
                .map_err(|e| DecodeError::Invalid(e.to_string()))?,
            Decoder::Zlib(d) => d
                .finish()
                .map_err(|e| DecodeError::Invalid(e.to_string()))?,
            Decoder::RawDeflate(d) => d
                .finish()
                .map_err(|e| DecodeError::Invalid(e.to_string()))?,
            Decoder::Brotli(d) => d
                .into_inner()
                .map_err(|_| DecodeError::Invalid("brotli stream is incomplete".into()))?,
            Decoder::Zstd(mut d) => {
                d.flush().map_err(|e| DecodeError::Invalid(e.to_string()))?;
                d.into_inner()
            }
        };
        if sink.over_limit {
            return Err(DecodeError::TooLarge(sink.limit));
        }
        Ok((sink.count, sink.kept))
    }

    /// Decoded bytes so far.
    pub(crate) fn decoded(&self) -> u64 {
        self.sink().count
    }
}

fn empty_sink() -> Sink {
    Sink {
        count: 0,
        limit: 0,
        keep: 0,
        kept: Vec::new(),
        over_limit: false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn gzip(data: &[u8]) -> Vec<u8> {
        let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
        e.write_all(data).unwrap();
        e.finish().unwrap()
    }

    #[test]
    fn gzip_in_small_chunks_decodes_to_the_exact_size() {
        let body = b"hello world ".repeat(1000);
        let z = gzip(&body);
        let mut d = Decoder::new(Some("gzip"), 1 << 20, 5).unwrap();
        for c in z.chunks(7) {
            d.write(c).unwrap();
        }
        let (n, kept) = d.finish().unwrap();
        assert_eq!(n, body.len() as u64);
        assert_eq!(kept, b"hello");
    }

    #[test]
    fn deflate_accepts_zlib_and_raw_streams() {
        let body = b"abcabcabc".repeat(50);
        let mut z = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::default());
        z.write_all(&body).unwrap();
        let mut raw =
            flate2::write::DeflateEncoder::new(Vec::new(), flate2::Compression::default());
        raw.write_all(&body).unwrap();
        for data in [z.finish().unwrap(), raw.finish().unwrap()] {
            let mut d = Decoder::new(Some("deflate"), 1 << 20, 0).unwrap();
            d.write(&data).unwrap();
            assert_eq!(d.finish().unwrap().0, body.len() as u64);
        }
    }

    #[test]
    fn a_gzip_bomb_stops_at_the_decoded_limit() {
        let z = gzip(&vec![0u8; 10 << 20]);
        assert!(z.len() < 20_000);
        let mut d = Decoder::new(Some("gzip"), 1 << 20, 0).unwrap();
        let r = z.chunks(4096).try_for_each(|c| d.write(c));
        assert!(matches!(r, Err(DecodeError::TooLarge(_))));
    }

    #[test]
    fn invalid_and_truncated_bodies_are_decode_errors() {
        let mut d = Decoder::new(Some("gzip"), 1 << 20, 0).unwrap();
        assert!(d.write(b"this is not gzip at all").is_err() || d.finish().is_err());
        let z = gzip(b"some text that is long enough");
        let mut d = Decoder::new(Some("gzip"), 1 << 20, 0).unwrap();
        d.write(&z[..z.len() / 2]).unwrap();
        assert!(matches!(d.finish(), Err(DecodeError::Invalid(_))));
        assert!(matches!(
            Decoder::new(Some("compress"), 1, 0),
            Err(DecodeError::Unsupported(_))
        ));
    }
}
