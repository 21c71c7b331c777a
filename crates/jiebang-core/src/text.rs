//! Text from uploaded bytes: Chinese organizations send UTF-8 (with or without BOM), UTF-16 from
//! Excel's "Unicode text", and GBK/GB18030 from older tools. One decoder serves every file reader.
//! People type codes and words with a Chinese input method on, so [`half_width`] folds its
//! full-width forms wherever typed text is compared.

use std::borrow::Cow;

/// A character as half-width: full-width ASCII (！ to ～, so Ａ１－) to its ASCII form and the
/// ideographic space to a space; anything else unchanged.
pub fn half_width(c: char) -> char {
    match c {
        '\u{FF01}'..='\u{FF5E}' => char::from_u32(c as u32 - 0xFEE0).unwrap_or(c),
        '\u{3000}' => ' ',
        _ => c,
    }
}

/// Whether the bytes are UTF-8 if they validate: no byte-order mark and no NUL in the first
/// 8 KiB. Readers of large files check such bytes in parallel themselves; the rest go through
/// [`decode`].
pub fn is_plain(bytes: &[u8]) -> bool {
    encoding_rs::Encoding::for_bom(bytes).is_none() && !bytes.iter().take(8192).any(|b| *b == 0)
}

/// The bytes as text. A BOM decides the encoding; otherwise UTF-8 is taken as is (borrowed, no
/// copy); otherwise the encoding is detected (GBK is decoded as its superset GB18030, so rarer
/// characters survive). Binary data and undecodable bytes are refused with a message.
pub fn decode(bytes: &[u8]) -> Result<Cow<'_, str>, String> {
    if let Some((encoding, bom)) = encoding_rs::Encoding::for_bom(bytes) {
        let (text, had_errors) = encoding.decode_without_bom_handling(&bytes[bom..]);
        return if had_errors {
            Err(format!("不是有效的 {} 文本 / not valid {} text", encoding.name(), encoding.name()))
        } else {
            Ok(text)
        };
    }
    if bytes.iter().take(8192).any(|b| *b == 0) {
        return Err("不是文本文件（含二进制数据）/ this is not a text file (it contains binary data)".into());
    }
    if let Ok(text) = std::str::from_utf8(bytes) {
        return Ok(Cow::Borrowed(text));
    }
    let mut detector = chardetng::EncodingDetector::new(chardetng::Iso2022JpDetection::Deny);
    detector.feed(&bytes[..bytes.len().min(1 << 20)], bytes.len() <= 1 << 20);
    let guessed = detector.guess(Some(b"cn"), chardetng::Utf8Detection::Allow);
    let encoding = if guessed == encoding_rs::GBK { encoding_rs::GB18030 } else { guessed };
    let (text, _, had_errors) = encoding.decode(bytes);
    if had_errors {
        return Err(format!(
            "无法识别文件编码（猜测为 {}）/ cannot decode the file (guessed {})",
            encoding.name(),
            encoding.name()
        ));
    }
    Ok(Cow::Owned(text.into_owned()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn utf8_is_borrowed_and_boms_gbk_and_binary_are_told_apart() {
        assert!(matches!(decode("id,标签".as_bytes()), Ok(Cow::Borrowed("id,标签"))));
        assert_eq!(decode(b"\xEF\xBB\xBFid").unwrap(), "id");
        assert_eq!(decode(b"\xFF\xFEi\x00d\x00").unwrap(), "id");
        let (gbk, _, _) = encoding_rs::GBK.encode("id,label\n1,内圈故障\n2,正常\n");
        assert_eq!(decode(&gbk).unwrap(), "id,label\n1,内圈故障\n2,正常\n");
        assert!(decode(&[0, 159, 146, 150]).unwrap_err().contains("binary"));
    }
}
