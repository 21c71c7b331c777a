//! A GGUF model loaded with candle and the generation loop: the prompt in one forward pass,
//! then one token at a time until an end-of-generation token, `max_tokens`, the context's end
//! or the caller says stop (a stop sequence matched, the client gone).

use std::ops::ControlFlow;
use std::path::Path;
use std::time::Instant;

use candle_core::quantized::gguf_file;
use candle_core::{Device, Tensor};
use candle_transformers::generation::{LogitsProcessor, Sampling};
use candle_transformers::models::{quantized_llama, quantized_qwen2};
use jiebang_gguf::{Header, Rules, Summary};

use crate::LlmError;
use crate::template::ChatTemplate;
use crate::tokenizer::Tokenizer;

/// candle's llama holds rotary tables for this many positions.
const LLAMA_MAX_POSITIONS: usize = quantized_llama::MAX_SEQ_LEN;

enum Weights {
    Llama(quantized_llama::ModelWeights),
    Qwen2(quantized_qwen2::ModelWeights),
}

impl Weights {
    fn forward(&mut self, tokens: &Tensor, position: usize) -> candle_core::Result<Tensor> {
        match self {
            Weights::Llama(m) => m.forward(tokens, position),
            Weights::Qwen2(m) => m.forward(tokens, position),
        }
    }
}

/// How to pick each next token.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Sampler {
    /// 0 (or less) is greedy.
    pub temperature: f64,
    /// Nucleus sampling, if set.
    pub top_p: Option<f64>,
    /// The sampling seed.
    pub seed: u64,
}

/// Why a generation ended (OpenAI's `finish_reason`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Finish {
    /// An end-of-generation token, a stop sequence or the caller.
    Stop,
    /// `max_tokens` or the end of the context.
    Length,
}

/// A loaded model.
pub struct Model {
    weights: Weights,
    /// Its tokenizer.
    pub tokenizer: Tokenizer,
    /// Its chat template.
    pub template: ChatTemplate,
    /// What the header says it is.
    pub summary: Summary,
    /// The most positions a sequence may take.
    pub context: usize,
    /// How long loading took, ms.
    pub load_ms: f64,
}

impl Model {
    /// Checks and loads the model at `path`; `template` replaces or supplies the chat template.
    pub fn load(path: &Path, template: Option<&str>) -> Result<Model, LlmError> {
        let started = Instant::now();
        let header = jiebang_gguf::read_file(path)?;
        let problems = header.problems(&Rules::built_in(template.is_some()));
        if !problems.is_empty() {
            return Err(LlmError::Refused(problems));
        }
        let tokenizer = Tokenizer::from_header(&header)?;
        let source = template.or_else(|| header.string("tokenizer.chat_template")).unwrap_or_default();
        let template = ChatTemplate::new(source)?;
        let summary = header.summary();
        let weights = load_weights(path, &header)?;
        let declared = summary.context_length.unwrap_or(2048) as usize;
        let context = match weights {
            Weights::Llama(_) => declared.min(LLAMA_MAX_POSITIONS),
            Weights::Qwen2(_) => declared,
        };
        Ok(Model { weights, tokenizer, template, summary, context, load_ms: started.elapsed().as_secs_f64() * 1000.0 })
    }

    /// Generates after `prompt`, handing each new token to `on_token` with the tokenizer (it
    /// may stop the generation); at most `max_tokens` new tokens.
    pub fn generate(
        &mut self,
        prompt: &[u32],
        max_tokens: usize,
        sampler: Sampler,
        mut on_token: impl FnMut(&Tokenizer, u32) -> ControlFlow<()>,
    ) -> Result<Finish, LlmError> {
        if prompt.is_empty() {
            return Err(LlmError::Request("提示词为空 / the prompt is empty".into()));
        }
        if prompt.len() >= self.context {
            return Err(LlmError::Request(format!(
                "提示词有 {} 个词元，超出上下文长度 {} / the prompt's {} tokens exceed the context of {}",
                prompt.len(),
                self.context,
                prompt.len(),
                self.context
            )));
        }
        let sampling = if sampler.temperature <= 0.0 {
            Sampling::ArgMax
        } else {
            match sampler.top_p {
                Some(p) if p > 0.0 && p < 1.0 => Sampling::TopP { p, temperature: sampler.temperature },
                _ => Sampling::All { temperature: sampler.temperature },
            }
        };
        let mut logits_processor = LogitsProcessor::from_sampling(sampler.seed, sampling);
        let device = Device::Cpu;
        let input = Tensor::new(prompt, &device)?.unsqueeze(0)?;
        let mut logits = self.weights.forward(&input, 0)?.squeeze(0)?;
        for position in (prompt.len()..).take(max_tokens) {
            let next = logits_processor.sample(&logits)?;
            if self.tokenizer.ends(next) || on_token(&self.tokenizer, next).is_break() {
                return Ok(Finish::Stop);
            }
            if position + 1 >= self.context {
                return Ok(Finish::Length);
            }
            let input = Tensor::new(&[next], &device)?.unsqueeze(0)?;
            logits = self.weights.forward(&input, position)?.squeeze(0)?;
        }
        Ok(Finish::Length)
    }
}

fn load_weights(path: &Path, header: &Header) -> Result<Weights, LlmError> {
    let io = |e: std::io::Error| LlmError::System(format!("{}: {e}", path.display()));
    let mut file = std::fs::File::open(path).map_err(io)?;
    let content = gguf_file::Content::read(&mut file).map_err(|e| LlmError::Model(e.to_string()))?;
    let device = Device::Cpu;
    Ok(match header.architecture() {
        Some("llama") => Weights::Llama(quantized_llama::ModelWeights::from_gguf(content, &mut file, &device)?),
        Some("qwen2") => Weights::Qwen2(quantized_qwen2::ModelWeights::from_gguf(content, &mut file, &device)?),
        other => return Err(LlmError::Refused(vec![format!("architecture {other:?}")])),
    })
}
