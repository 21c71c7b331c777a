//! Counting an answer's output tokens when the server sends no `usage`: with the model's own
//! tokenizer (a Hugging Face `tokenizer.json`, read by the `tokenizers` crate) when the challenge
//! names one, otherwise in characters. Reports say which counted
//! ([`Counter::label`]): `usage`, `tokenizer` or `characters`.

use crate::exchange::Exchange;
use crate::measure::TokenSource;

/// How answers without usage are counted.
pub enum Counter {
    /// The model's tokenizer (special tokens not added).
    Tokenizer(Box<tokenizers::Tokenizer>),
    /// One a character.
    Characters,
}

impl std::fmt::Debug for Counter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.source())
    }
}

impl Counter {
    /// A counter from a `tokenizer.json`; the error says why it cannot be read.
    pub fn from_json(bytes: &[u8]) -> Result<Self, String> {
        tokenizers::Tokenizer::from_bytes(bytes)
            .map(|t| Self::Tokenizer(Box::new(t)))
            .map_err(|e| format!("不是可读的 tokenizer.json / not a readable tokenizer.json: {e}"))
    }

    /// The tokens of `text`.
    pub fn count(&self, text: &str) -> u64 {
        match self {
            // A text the tokenizer cannot encode is counted in characters rather than as none.
            Self::Tokenizer(t) => t.encode(text, false).map_or(text.chars().count(), |e| e.len()) as u64,
            Self::Characters => text.chars().count() as u64,
        }
    }

    /// An answer's output tokens: the server's usage when it sent one, else counted.
    pub fn output_tokens(&self, exchange: &Exchange) -> u64 {
        exchange.usage.map_or_else(|| self.count(&exchange.answer), |u| u.completion_tokens)
    }

    /// What counts when there is no usage: `tokenizer` or `characters`.
    pub fn source(&self) -> &'static str {
        match self {
            Self::Tokenizer(_) => "tokenizer",
            Self::Characters => "characters",
        }
    }

    /// Where a run's token counts came from, for its report: `usage` when every answer carried
    /// the server's, else this counter's source.
    pub fn label(&self, measured: TokenSource) -> &'static str {
        match measured {
            TokenSource::Usage => "usage",
            TokenSource::Counted => self.source(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A word-level tokenizer split on whitespace and punctuation, as `tokenizers` writes one.
    const WORD_LEVEL: &str = r#"{"version":"1.0","truncation":null,"padding":null,"added_tokens":[],
        "normalizer":null,"pre_tokenizer":{"type":"Whitespace"},"post_processor":null,"decoder":null,
        "model":{"type":"WordLevel","vocab":{"[UNK]":0,"the":1,"answer":2,"is":3,"B":4,".":5},"unk_token":"[UNK]"}}"#;

    #[test]
    fn a_tokenizer_counts_its_tokens_and_characters_are_the_fallback() {
        let counter = Counter::from_json(WORD_LEVEL.as_bytes()).unwrap();
        assert_eq!((counter.count("the answer is B."), counter.source()), (5, "tokenizer"));
        assert_eq!(counter.count("答案 B"), 2, "an unknown word is one [UNK]");
        assert_eq!((Counter::Characters.count("答案是 B"), Counter::Characters.source()), (5, "characters"));
        let with_usage = Exchange {
            answer: "the answer".into(),
            usage: Some(crate::exchange::Usage { prompt_tokens: 3, completion_tokens: 9 }),
            ..Exchange::default()
        };
        assert_eq!(counter.output_tokens(&with_usage), 9, "the server's usage wins");
        assert_eq!(counter.output_tokens(&Exchange { usage: None, ..with_usage }), 2);
        assert_eq!((counter.label(TokenSource::Usage), counter.label(TokenSource::Counted)), ("usage", "tokenizer"));
        let err = Counter::from_json(b"{\"model\": 1}").unwrap_err();
        assert!(err.contains("tokenizer.json"), "{err}");
    }
}
