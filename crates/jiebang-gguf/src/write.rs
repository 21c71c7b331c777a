//! A GGUF writer for what the platform builds itself — a known-answer baseline model for the
//! demo, test models made without Python: version 3, metadata of any [`Value`], F32 tensors,
//! 32-byte alignment, as llama.cpp's own `gguf` writer lays them out.

use crate::Value;

/// A GGUF file being put together.
#[derive(Debug, Default, Clone)]
pub struct Writer {
    metadata: Vec<(String, Value)>,
    tensors: Vec<(String, Vec<u64>, Vec<f32>)>,
}

const ALIGNMENT: usize = 32;

impl Writer {
    /// An empty file.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds a metadata entry. Unsigned numbers are written as `u32` when they fit (as the
    /// reference writer does for counts and ids), else `u64`; floats as `f32`.
    pub fn meta(&mut self, key: &str, value: Value) -> &mut Self {
        self.metadata.push((key.to_owned(), value));
        self
    }

    /// Adds an F32 tensor of `dims` (innermost first) holding `data`.
    pub fn tensor(&mut self, name: &str, dims: &[u64], data: Vec<f32>) -> &mut Self {
        assert_eq!(dims.iter().product::<u64>() as usize, data.len(), "{name}: the dimensions and the data disagree");
        self.tensors.push((name.to_owned(), dims.to_vec(), data));
        self
    }

    /// The file's bytes.
    pub fn finish(&self) -> Vec<u8> {
        let mut out = b"GGUF".to_vec();
        out.extend(3u32.to_le_bytes());
        out.extend((self.tensors.len() as u64).to_le_bytes());
        out.extend((self.metadata.len() as u64).to_le_bytes());
        for (key, value) in &self.metadata {
            string(&mut out, key);
            out.extend(kind(value).to_le_bytes());
            payload(&mut out, value);
        }
        let mut offset = 0usize;
        for (name, dims, data) in &self.tensors {
            string(&mut out, name);
            out.extend((dims.len() as u32).to_le_bytes());
            for d in dims {
                out.extend(d.to_le_bytes());
            }
            out.extend(0u32.to_le_bytes());
            out.extend((offset as u64).to_le_bytes());
            offset = (offset + data.len() * 4).next_multiple_of(ALIGNMENT);
        }
        out.resize(out.len().next_multiple_of(ALIGNMENT), 0);
        for (_, _, data) in &self.tensors {
            for v in data {
                out.extend(v.to_le_bytes());
            }
            out.resize(out.len().next_multiple_of(ALIGNMENT), 0);
        }
        out
    }
}

/// GPT-2's printable stand-in for each byte (`bytes_to_unicode`), the alphabet of byte-level BPE
/// vocabularies: printable bytes stand for themselves, the others for U+0100 onwards in order.
pub fn byte_symbols() -> [char; 256] {
    let printable = |b: u32| (0x21..=0x7e).contains(&b) || (0xa1..=0xac).contains(&b) || (0xae..=0xff).contains(&b);
    let mut extra = 0;
    std::array::from_fn(|b| {
        let b = b as u32;
        let symbol = if printable(b) {
            b
        } else {
            extra += 1;
            255 + extra
        };
        char::from_u32(symbol).expect("below the surrogates")
    })
}

/// A 2-layer llama, 64 wide, that answers `answer` (one byte, e.g. `B`) to anything and then
/// ends: a known-answer baseline for a multiple-choice bank, whose accuracy is exactly the share
/// of questions answered `answer`. Its attention and feed-forward weights are zero, so the last
/// position's state is its token's embedding: every token but `answer` embeds as e0, `answer`
/// as e1, and the output maps e0 to `answer` and e1 to `<|im_end|>`. Byte-level BPE vocabulary,
/// ChatML template, as Qwen's models.
pub fn constant_answer_model(answer: u8) -> Vec<u8> {
    const EMBED: usize = 64;
    const LAYERS: usize = 2;
    let symbols = byte_symbols();
    let mut tokens: Vec<String> = symbols.iter().map(char::to_string).collect();
    tokens.extend(["Ġt", "<|endoftext|>", "<|im_start|>", "<|im_end|>"].map(str::to_owned));
    let vocab = tokens.len();
    let (chosen, end) = (usize::from(answer), vocab - 1);
    // Token types are int32 in llama.cpp's reading (1 normal, 3 control).
    let mut types = vec![Value::Signed(1); vocab - 3];
    types.extend([Value::Signed(3), Value::Signed(3), Value::Signed(3)]);
    let template = "{% for message in messages %}{{'<|im_start|>' + message['role'] + '\\n' + message['content'] + '<|im_end|>' + '\\n'}}{% endfor %}{% if add_generation_prompt %}{{ '<|im_start|>assistant\\n' }}{% endif %}";
    let mut w = Writer::new();
    w.meta("general.architecture", Value::String("llama".into()))
        .meta("general.name", Value::String(format!("constant-{}", answer as char)))
        .meta("llama.context_length", Value::Unsigned(2048))
        .meta("llama.embedding_length", Value::Unsigned(EMBED as u64))
        .meta("llama.block_count", Value::Unsigned(LAYERS as u64))
        .meta("llama.feed_forward_length", Value::Unsigned(128))
        .meta("llama.attention.head_count", Value::Unsigned(4))
        .meta("llama.attention.head_count_kv", Value::Unsigned(4))
        .meta("llama.rope.dimension_count", Value::Unsigned(16))
        .meta("llama.attention.layer_norm_rms_epsilon", Value::Float(1e-5))
        .meta("tokenizer.ggml.model", Value::String("gpt2".into()))
        .meta("tokenizer.ggml.pre", Value::String("default".into()))
        .meta("tokenizer.ggml.tokens", Value::Array(tokens.into_iter().map(Value::String).collect()))
        .meta("tokenizer.ggml.token_type", Value::Array(types))
        .meta("tokenizer.ggml.merges", Value::Array(vec![Value::String("Ġ t".into())]))
        .meta("tokenizer.ggml.bos_token_id", Value::Unsigned(vocab as u64 - 3))
        .meta("tokenizer.ggml.eos_token_id", Value::Unsigned(end as u64))
        .meta("tokenizer.ggml.add_bos_token", Value::Bool(false))
        .meta("tokenizer.chat_template", Value::String(template.into()));
    let mut embeddings = vec![0.0; vocab * EMBED];
    let mut output = vec![0.0; vocab * EMBED];
    for token in 0..vocab {
        embeddings[token * EMBED + usize::from(token == chosen)] = 1.0;
    }
    output[chosen * EMBED] = 1.0;
    output[end * EMBED + 1] = 1.0;
    let (e, v, f) = (EMBED as u64, vocab as u64, 128u64);
    w.tensor("token_embd.weight", &[e, v], embeddings).tensor("output_norm.weight", &[e], vec![1.0; EMBED]).tensor(
        "output.weight",
        &[e, v],
        output,
    );
    for layer in 0..LAYERS {
        let p = format!("blk.{layer}.");
        w.tensor(&format!("{p}attn_norm.weight"), &[e], vec![1.0; EMBED]).tensor(
            &format!("{p}ffn_norm.weight"),
            &[e],
            vec![1.0; EMBED],
        );
        for name in ["attn_q", "attn_k", "attn_v", "attn_output"] {
            w.tensor(&format!("{p}{name}.weight"), &[e, e], vec![0.0; EMBED * EMBED]);
        }
        w.tensor(&format!("{p}ffn_gate.weight"), &[e, f], vec![0.0; EMBED * 128])
            .tensor(&format!("{p}ffn_up.weight"), &[e, f], vec![0.0; EMBED * 128])
            .tensor(&format!("{p}ffn_down.weight"), &[f, e], vec![0.0; EMBED * 128]);
    }
    w.finish()
}

fn string(out: &mut Vec<u8>, s: &str) {
    out.extend((s.len() as u64).to_le_bytes());
    out.extend(s.as_bytes());
}

/// The value type's number in the file.
fn kind(value: &Value) -> u32 {
    match value {
        Value::Unsigned(v) if u32::try_from(*v).is_ok() => 4,
        Value::Unsigned(_) => 10,
        Value::Signed(v) if i32::try_from(*v).is_ok() => 5,
        Value::Signed(_) => 11,
        Value::Float(_) => 6,
        Value::Bool(_) => 7,
        Value::String(_) => 8,
        Value::Array(_) => 9,
    }
}

fn payload(out: &mut Vec<u8>, value: &Value) {
    match value {
        Value::Unsigned(v) if kind(value) == 4 => out.extend((*v as u32).to_le_bytes()),
        Value::Unsigned(v) => out.extend(v.to_le_bytes()),
        Value::Signed(v) if kind(value) == 5 => out.extend((*v as i32).to_le_bytes()),
        Value::Signed(v) => out.extend(v.to_le_bytes()),
        Value::Float(v) => out.extend((*v as f32).to_le_bytes()),
        Value::Bool(v) => out.push(u8::from(*v)),
        Value::String(s) => string(out, s),
        Value::Array(items) => {
            // Items of one type: the first's, or strings for an empty array.
            let item = items.first().map_or(8, kind);
            out.extend(item.to_le_bytes());
            out.extend((items.len() as u64).to_le_bytes());
            for v in items {
                payload(out, v);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn what_is_written_reads_back_and_adds_up() {
        let mut writer = Writer::new();
        writer
            .meta("general.architecture", Value::String("llama".into()))
            .meta("llama.context_length", Value::Unsigned(512))
            .meta("llama.rope.freq_base", Value::Float(10000.0))
            .meta("tokenizer.ggml.tokens", Value::Array(vec![Value::String("a".into()), Value::String("b".into())]))
            .meta("tokenizer.ggml.add_bos_token", Value::Bool(false))
            .tensor("a", &[3], vec![1.0, 2.0, 3.0])
            .tensor("b", &[2, 2], vec![0.5; 4]);
        let bytes = writer.finish();
        let header = crate::read(bytes.as_slice(), bytes.len() as u64).unwrap();
        assert_eq!(header.string("general.architecture"), Some("llama"));
        assert_eq!(header.arch_u64("context_length"), Some(512));
        assert_eq!(header.get("llama.rope.freq_base"), Some(&Value::Float(10000.0)));
        assert_eq!(header.tokens(), Some(vec!["a", "b"]));
        assert_eq!(
            header.tensors.iter().map(|t| (t.name.as_str(), t.offset)).collect::<Vec<_>>(),
            [("a", 0), ("b", 32)]
        );
        let at = header.data_offset as usize + 32;
        assert_eq!(f32::from_le_bytes(bytes[at..at + 4].try_into().unwrap()), 0.5);
        let problems = header.problems(&crate::Rules { architectures: &["llama"], ..Default::default() });
        assert!(problems.iter().all(|p| !p.contains("tensor") && !p.contains("张量")), "{problems:?}");
    }
}
