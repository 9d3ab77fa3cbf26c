//! Text files a user gives (a list of pages, a budget): UTF-8, with or without a byte order
//! mark, or UTF-16 with one (what Windows' Notepad and PowerShell's `>` write). Anything else
//! is refused naming the file and the encoding problem, once.

use crate::error::{Error, Result};
use std::path::Path;

/// Reads a text file (`-`: standard input).
pub fn read(path: &Path) -> Result<String> {
    let io = |source| Error::Io {
        path: path.to_path_buf(),
        source,
    };
    let bytes = if path.as_os_str() == "-" {
        let mut b = Vec::new();
        std::io::Read::read_to_end(&mut std::io::stdin(), &mut b).map_err(io)?;
        b
    } else {
        std::fs::read(path).map_err(io)?
    };
    decode(bytes).map_err(|reason| Error::InvalidInput {
        input: path.display().to_string(),
        reason,
    })
}

/// Text from bytes: UTF-8 (a byte order mark dropped) or UTF-16 with its byte order mark.
pub fn decode(bytes: Vec<u8>) -> std::result::Result<String, String> {
    let utf16 = |b: &[u8], unit: fn([u8; 2]) -> u16| {
        let units: Vec<u16> = b.chunks_exact(2).map(|c| unit([c[0], c[1]])).collect();
        String::from_utf16(&units).map_err(|_| "not valid UTF-16 text".to_string())
    };
    match bytes.as_slice() {
        [0xFF, 0xFE, rest @ ..] => utf16(rest, u16::from_le_bytes),
        [0xFE, 0xFF, rest @ ..] => utf16(rest, u16::from_be_bytes),
        [0xEF, 0xBB, 0xBF, rest @ ..] => utf8(rest.to_vec()),
        _ => utf8(bytes),
    }
}

fn utf8(bytes: Vec<u8>) -> std::result::Result<String, String> {
    String::from_utf8(bytes).map_err(|e| {
        let at = e.utf8_error().valid_up_to();
        format!("not UTF-8 text (an invalid byte at offset {at}; save it as UTF-8)")
    })
}

#[cfg(test)]
mod tests {
    use super::decode;

    #[test]
    fn utf8_with_or_without_a_bom_and_utf16_with_one_read_alike() {
        let text = "http://a.example/é\n";
        let mut le = vec![0xFF, 0xFE];
        le.extend(text.encode_utf16().flat_map(u16::to_le_bytes));
        let mut be = vec![0xFE, 0xFF];
        be.extend(text.encode_utf16().flat_map(u16::to_be_bytes));
        let bom = [&[0xEF, 0xBB, 0xBF][..], text.as_bytes()].concat();
        for bytes in [text.as_bytes().to_vec(), bom, le, be] {
            assert_eq!(decode(bytes).unwrap(), text);
        }
        let latin1 = b"caf\xe9".to_vec();
        assert_eq!(
            decode(latin1).unwrap_err(),
            "not UTF-8 text (an invalid byte at offset 3; save it as UTF-8)"
        );
    }
}
