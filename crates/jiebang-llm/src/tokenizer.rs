//! The model's tokenizer, rebuilt from the GGUF file's own vocabulary: byte-level BPE
//! (`tokenizer.ggml.model = gpt2`, the family of Qwen's and Llama 3's vocabularies) with the
//! merges in the file and llama.cpp's pre-split for `tokenizer.ggml.pre`, so a prompt gets the
//! same token ids as in llama.cpp. Control tokens (`<|im_start|>` …) in a prompt are read as
//! themselves, as llama.cpp's server reads a rendered chat template, and never shown in output.

use std::collections::HashMap;

use jiebang_gguf::{Header, Value};
use tokenizers::models::bpe::BPE;
use tokenizers::pre_tokenizers::byte_level::ByteLevel;
use tokenizers::pre_tokenizers::sequence::Sequence;
use tokenizers::pre_tokenizers::split::{Split, SplitPattern};
use tokenizers::{AddedToken, PreTokenizerWrapper, SplitDelimiterBehavior};

use crate::LlmError;

/// GPT-2's contraction-aware split.
const GPT2: &str = r"'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)";

/// llama.cpp's pre-split regexes for a `tokenizer.ggml.pre`, applied one after another (each
/// splits the pieces of the last into matches and the text between them).
fn pre_split(pre: &str) -> Option<&'static [&'static str]> {
    Some(match pre {
        "default" => &[r"[\p{P}\$\+<=>\^~\|]+", GPT2, r"\p{N}+", "[0-9][0-9][0-9]"],
        "gpt2" => &[GPT2],
        "qwen2" => &[
            r"(?:'[sS]|'[tT]|'[rR][eE]|'[vV][eE]|'[mM]|'[lL][lL]|'[dD])|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+",
        ],
        "llama-bpe" | "llama3" => &[
            r"(?:'[sS]|'[tT]|'[rR][eE]|'[vV][eE]|'[mM]|'[lL][lL]|'[dD])|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+",
        ],
        _ => return None,
    })
}

/// llama.cpp's token types (`tokenizer.ggml.token_type`).
const CONTROL: u64 = 3;
const USER_DEFINED: u64 = 4;

/// End-of-generation tokens llama.cpp recognises by their text, besides the ids the file names.
const END_TEXTS: &[&str] =
    &["<|im_end|>", "<|endoftext|>", "<|eot_id|>", "<|end_of_text|>", "<end_of_turn>", "<|end|>"];

/// GPT-2's printable stand-in for each byte, inverted: the byte each vocabulary character is.
fn byte_of_symbol() -> HashMap<char, u8> {
    jiebang_gguf::write::byte_symbols().into_iter().zip(0..=255u8).collect()
}

/// The tokenizer of one model.
pub struct Tokenizer {
    inner: tokenizers::Tokenizer,
    /// Each token's bytes as output (empty for control tokens).
    pieces: Vec<Vec<u8>>,
    /// The tokens that end a generation.
    end_of_generation: Vec<u32>,
    /// `tokenizer.ggml.add_bos_token` and the BOS id.
    bos: Option<u32>,
    /// The BOS and EOS tokens' text, for chat templates.
    bos_text: String,
    eos_text: String,
}

impl Tokenizer {
    /// Builds the tokenizer from the file's vocabulary.
    pub fn from_header(header: &Header) -> Result<Self, LlmError> {
        let fail = |m: String| LlmError::Tokenizer(m);
        let model = header.string("tokenizer.ggml.model").unwrap_or_default();
        if model != "gpt2" {
            return Err(fail(format!(
                "内置运行器只支持字节级 BPE（gpt2）词表，而非 {model:?} / the built-in runner reads byte-level BPE (gpt2) vocabularies only, not {model:?}"
            )));
        }
        let pre = header.string("tokenizer.ggml.pre").unwrap_or("default");
        let regexes = pre_split(pre)
            .ok_or_else(|| fail(format!("不支持的预分词 {pre:?} / unsupported pre-tokenizer {pre:?}")))?;
        let tokens = header.tokens().ok_or_else(|| fail("tokenizer.ggml.tokens is missing".into()))?;
        let types: Vec<u64> = match header.get("tokenizer.ggml.token_type").and_then(Value::as_array) {
            Some(types) => types.iter().map(|t| t.as_u64().unwrap_or(1)).collect(),
            None => vec![1; tokens.len()],
        };
        let merges: Vec<(String, String)> = header
            .get("tokenizer.ggml.merges")
            .and_then(Value::as_array)
            .unwrap_or_default()
            .iter()
            .filter_map(Value::as_str)
            .map(|m| {
                m.split_once(' ').map(|(a, b)| (a.to_owned(), b.to_owned())).ok_or_else(|| fail(format!("merge {m:?}")))
            })
            .collect::<Result<_, _>>()?;
        let vocab: tokenizers::models::bpe::Vocab =
            tokens.iter().enumerate().map(|(i, t)| ((*t).to_owned(), i as u32)).collect();
        let bpe = BPE::builder().vocab_and_merges(vocab, merges).build().map_err(|e| fail(e.to_string()))?;
        let mut inner = tokenizers::Tokenizer::new(bpe);
        let mut steps: Vec<PreTokenizerWrapper> = Vec::with_capacity(regexes.len() + 1);
        for regex in regexes {
            let split = Split::new(SplitPattern::Regex((*regex).to_owned()), SplitDelimiterBehavior::Isolated, false)
                .map_err(|e| fail(e.to_string()))?;
            steps.push(split.into());
        }
        steps.push(ByteLevel::default().add_prefix_space(false).use_regex(false).into());
        inner.with_pre_tokenizer(Some(Sequence::new(steps)));
        let special = |i: usize| matches!(types.get(i), Some(&CONTROL) | Some(&USER_DEFINED));
        let specials: Vec<AddedToken> =
            (0..tokens.len()).filter(|&i| special(i)).map(|i| AddedToken::from(tokens[i].to_owned(), true)).collect();
        inner.add_special_tokens(&specials);

        let bytes = byte_of_symbol();
        let pieces = tokens
            .iter()
            .zip(types.iter().chain(std::iter::repeat(&1)))
            .map(|(t, kind)| match *kind {
                CONTROL => Vec::new(),
                USER_DEFINED => t.as_bytes().to_vec(),
                _ => t
                    .chars()
                    .flat_map(|c| match bytes.get(&c) {
                        Some(&b) => vec![b],
                        None => c.to_string().into_bytes(),
                    })
                    .collect(),
            })
            .collect();
        let id = |key: &str| header.get(&format!("tokenizer.ggml.{key}")).and_then(Value::as_u64).map(|v| v as u32);
        let mut end_of_generation: Vec<u32> =
            ["eos_token_id", "eot_token_id", "eom_token_id"].iter().filter_map(|k| id(k)).collect();
        for (i, t) in tokens.iter().enumerate() {
            if types.get(i) == Some(&CONTROL) && END_TEXTS.contains(t) && !end_of_generation.contains(&(i as u32)) {
                end_of_generation.push(i as u32);
            }
        }
        let text_of =
            |id: Option<u32>| id.and_then(|i| tokens.get(i as usize)).map(|t| (*t).to_owned()).unwrap_or_default();
        let add_bos = matches!(header.get("tokenizer.ggml.add_bos_token"), Some(Value::Bool(true)));
        Ok(Tokenizer {
            inner,
            pieces,
            end_of_generation,
            bos: id("bos_token_id").filter(|_| add_bos),
            bos_text: text_of(id("bos_token_id")),
            eos_text: text_of(id("eos_token_id")),
        })
    }

    /// The token ids of `text`, control tokens read as themselves, the BOS token first when
    /// the file asks for it and the text does not already start with it.
    pub fn encode(&self, text: &str) -> Result<Vec<u32>, LlmError> {
        let encoding = self.inner.encode_fast(text, false).map_err(|e| LlmError::Tokenizer(e.to_string()))?;
        let mut ids = encoding.get_ids().to_vec();
        if let Some(bos) = self.bos
            && ids.first() != Some(&bos)
        {
            ids.insert(0, bos);
        }
        Ok(ids)
    }

    /// The bytes a token shows as (none for control tokens).
    pub fn piece(&self, id: u32) -> &[u8] {
        self.pieces.get(id as usize).map_or(&[], Vec::as_slice)
    }

    /// Whether `id` ends a generation.
    pub fn ends(&self, id: u32) -> bool {
        self.end_of_generation.contains(&id)
    }

    /// The BOS token's text.
    pub fn bos_text(&self) -> &str {
        &self.bos_text
    }

    /// The EOS token's text.
    pub fn eos_text(&self) -> &str {
        &self.eos_text
    }
}

/// Turns token bytes into text as they come: a character split over two tokens is held back
/// until its last byte arrives; bytes that can never be UTF-8 show as U+FFFD.
#[derive(Debug, Default)]
pub struct TextStream {
    pending: Vec<u8>,
}

impl TextStream {
    /// Adds a token's bytes and returns the text now complete.
    pub fn push(&mut self, bytes: &[u8]) -> String {
        self.pending.extend_from_slice(bytes);
        let mut out = String::new();
        loop {
            match std::str::from_utf8(&self.pending) {
                Ok(text) => {
                    out.push_str(text);
                    self.pending.clear();
                    return out;
                }
                Err(e) => {
                    let valid = e.valid_up_to();
                    out.push_str(std::str::from_utf8(&self.pending[..valid]).expect("valid prefix"));
                    match e.error_len() {
                        // An incomplete character at the end: wait for its next byte.
                        None => {
                            self.pending.drain(..valid);
                            return out;
                        }
                        Some(bad) => {
                            out.push('\u{fffd}');
                            self.pending.drain(..valid + bad);
                        }
                    }
                }
            }
        }
    }

    /// What is left at the end of the answer.
    pub fn finish(&mut self) -> String {
        let rest = String::from_utf8_lossy(&self.pending).into_owned();
        self.pending.clear();
        rest
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_character_split_over_tokens_is_held_until_complete() {
        let mut stream = TextStream::default();
        let bytes = "联锁".as_bytes();
        assert_eq!(stream.push(&bytes[..2]), "");
        assert_eq!(stream.push(&bytes[2..4]), "联");
        assert_eq!(stream.push(&bytes[4..]), "锁");
        assert_eq!(stream.push(&[0xff, b'a', 0xe8]), "\u{fffd}a");
        assert_eq!(stream.finish(), "\u{fffd}");
    }

    #[test]
    fn every_byte_has_one_symbol() {
        let map = byte_of_symbol();
        assert_eq!(map.len(), 256);
        assert_eq!((map[&'!'], map[&'Ġ'], map[&'Ċ']), (b'!', b' ', b'\n'));
    }
}
