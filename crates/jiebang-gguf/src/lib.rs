//! Delivered quantized large models (GGUF, the file format of llama.cpp): the header read and
//! checked without loading a single weight, so a broken or hostile file is refused at upload
//! with a reason, before it waits in the queue or reaches a runtime that would abort on it.
//!
//! [`read`] parses the header — magic, version, the metadata, the tensor table — taking nothing
//! on trust: every count and length the file claims is checked against the bytes the file
//! really has before anything is allocated, so a header claiming 10^12 tensors is refused in
//! microseconds. [`Header::summary`] says what the model is (architecture, parameter count,
//! quantization, context length, vocabulary, chat template); [`Header::problems`] lists, all at
//! once, how it departs from what a runner accepts ([`Rules`]): tensors that do not add up to
//! the file, an architecture or tensor type the runner cannot run, a vocabulary with duplicate
//! entries (llama.cpp aborts on one), no chat template, a file over the size limit.

mod types;
pub mod write;

use std::collections::{BTreeMap, HashSet};
use std::io::Read;
use std::path::Path;

use serde::Serialize;

pub use types::TensorType;

/// Why a header could not be read.
#[derive(Debug, thiserror::Error)]
pub enum GgufError {
    /// The file could not be opened or read.
    #[error("{path}: 无法读取 / cannot be read: {message}")]
    Io {
        /// The file.
        path: String,
        /// What the system said.
        message: String,
    },
    /// The bytes are not a GGUF header.
    #[error("不是有效的 GGUF 文件（字节 {at}）/ not a valid GGUF file (at byte {at}): {reason}")]
    Format {
        /// Where in the file.
        at: u64,
        /// What is wrong there.
        reason: String,
    },
}

/// The exit status of a runner that failed for the platform's reasons (no confinement, no
/// port, an unreadable template), not the model's: the worker then retries rather than blame
/// the team.
pub const PLATFORM_FAULT_EXIT: u8 = 3;

/// The architectures the built-in runner (`jiebang-llm`, candle's quantized models) runs.
pub const BUILT_IN_ARCHITECTURES: &[&str] = &["llama", "qwen2"];

/// The tokenizer pre-splits the built-in runner reproduces (`tokenizer.ggml.pre`, for the
/// byte-level BPE vocabularies `tokenizer.ggml.model = gpt2`).
pub const BUILT_IN_PRE_TOKENIZERS: &[&str] = &["default", "gpt2", "qwen2", "llama-bpe", "llama3"];

/// Architectures llama.cpp names (`general.architecture`), for a reference runtime: a file
/// naming none of them is refused before the runtime is started for it.
pub const LLAMA_CPP_ARCHITECTURES: &[&str] = &[
    "llama",
    "llama4",
    "mistral3",
    "qwen2",
    "qwen2moe",
    "qwen2vl",
    "qwen3",
    "qwen3moe",
    "gemma",
    "gemma2",
    "gemma3",
    "phi2",
    "phi3",
    "phimoe",
    "baichuan",
    "internlm2",
    "minicpm",
    "minicpm3",
    "chatglm",
    "glm4",
    "glm4moe",
    "deepseek",
    "deepseek2",
    "falcon",
    "gpt2",
    "gptj",
    "gptneox",
    "bloom",
    "mpt",
    "starcoder",
    "starcoder2",
    "stablelm",
    "command-r",
    "cohere2",
    "olmo",
    "olmo2",
    "olmoe",
    "mamba",
    "granite",
    "granitemoe",
    "exaone",
    "ernie4_5",
    "ernie4_5-moe",
    "hunyuan-moe",
    "hunyuan-dense",
    "bailingmoe",
    "smollm3",
    "arcee",
    "dots1",
];

/// At most this many tensors or metadata entries, whatever the file's size.
const MAX_ENTRIES: u64 = 1 << 20;
/// Dimensions of a tensor (ggml's `GGML_MAX_DIMS`).
const MAX_DIMS: u32 = 4;
/// Data alignment when `general.alignment` is not given.
const DEFAULT_ALIGNMENT: u64 = 32;

/// A metadata value.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(untagged)]
pub enum Value {
    /// An unsigned integer of any width.
    Unsigned(u64),
    /// A signed integer of any width.
    Signed(i64),
    /// A float of any width.
    Float(f64),
    /// A boolean.
    Bool(bool),
    /// A UTF-8 string.
    String(String),
    /// An array.
    Array(Vec<Value>),
}

impl Value {
    /// The value as an unsigned integer, if it is a non-negative integer.
    pub fn as_u64(&self) -> Option<u64> {
        match *self {
            Value::Unsigned(v) => Some(v),
            Value::Signed(v) => u64::try_from(v).ok(),
            _ => None,
        }
    }

    /// The value as a string.
    pub fn as_str(&self) -> Option<&str> {
        match self {
            Value::String(s) => Some(s),
            _ => None,
        }
    }

    /// The value as an array.
    pub fn as_array(&self) -> Option<&[Value]> {
        match self {
            Value::Array(a) => Some(a),
            _ => None,
        }
    }
}

/// One entry of the tensor table.
#[derive(Debug, Clone, PartialEq)]
pub struct TensorInfo {
    /// Its name, e.g. `blk.0.attn_q.weight`.
    pub name: String,
    /// Its dimensions, innermost first.
    pub dims: Vec<u64>,
    /// Its element type.
    pub kind: TensorType,
    /// Where its data starts, from the start of the data section.
    pub offset: u64,
}

impl TensorInfo {
    /// Its elements, if the product fits.
    pub fn elements(&self) -> Option<u64> {
        self.dims.iter().try_fold(1u64, |n, &d| n.checked_mul(d))
    }

    /// Its bytes in the file, if its type is known and its rows are whole blocks.
    pub fn bytes(&self) -> Option<u64> {
        let (block, size) = self.kind.block()?;
        let first = *self.dims.first()?;
        if first % block != 0 {
            return None;
        }
        (self.elements()? / block).checked_mul(size)
    }
}

/// A GGUF file's header: everything but the weights.
#[derive(Debug, Clone, PartialEq)]
pub struct Header {
    /// The format version (2 or 3).
    pub version: u32,
    /// The metadata, by key.
    pub metadata: BTreeMap<String, Value>,
    /// The tensor table, in file order.
    pub tensors: Vec<TensorInfo>,
    /// Where the data section starts.
    pub data_offset: u64,
    /// The data alignment (`general.alignment`, 32 when absent).
    pub alignment: u64,
    /// The file's length.
    pub file_bytes: u64,
}

/// Reads the header of the GGUF file at `path`.
pub fn read_file(path: &Path) -> Result<Header, GgufError> {
    let io = |e: std::io::Error| GgufError::Io { path: path.display().to_string(), message: e.to_string() };
    let file = std::fs::File::open(path).map_err(io)?;
    let len = file.metadata().map_err(io)?.len();
    read(std::io::BufReader::with_capacity(1 << 16, file), len)
}

/// Reads a GGUF header from `source`, the start of a file of `file_bytes` bytes.
pub fn read(source: impl Read, file_bytes: u64) -> Result<Header, GgufError> {
    let mut r = Cursor { source, at: 0, len: file_bytes };
    let magic = r.bytes(4, "the magic number")?;
    if magic != b"GGUF" {
        return Err(
            r.error_at(0, format!("文件头应为 GGUF，实为 {magic:?} / the file starts with {magic:?}, not GGUF"))
        );
    }
    let version = r.u32()?;
    if !(2..=3).contains(&version) {
        return Err(r.error_at(
            4,
            format!("不支持的版本 {version}（支持 2、3）/ version {version} is not supported (2 and 3 are)"),
        ));
    }
    let tensor_count = r.u64()?;
    let kv_count = r.u64()?;
    // Each tensor entry takes at least 24 bytes (name length, dims, type, offset); each
    // metadata entry at least 13 (key length, type, a one-byte value).
    r.claim(tensor_count, 24, ("张量", "tensors"))?;
    r.claim(kv_count, 13, ("元数据项", "metadata entries"))?;
    let mut metadata = BTreeMap::new();
    for _ in 0..kv_count {
        let at = r.at;
        let key = r.string("a metadata key")?;
        let kind = r.u32()?;
        let value = r.value(kind, &key, 0)?;
        if metadata.insert(key.clone(), value).is_some() {
            return Err(r.error_at(at, format!("元数据键 {key} 重复 / the metadata key {key} appears twice")));
        }
    }
    let mut tensors = Vec::with_capacity(tensor_count.min(4096) as usize);
    for _ in 0..tensor_count {
        let at = r.at;
        let name = r.string("a tensor name")?;
        let n_dims = r.u32()?;
        if n_dims == 0 || n_dims > MAX_DIMS {
            return Err(r.error_at(
                at,
                format!(
                    "张量 {name} 有 {n_dims} 维（应为 1 到 4）/ tensor {name} has {n_dims} dimensions (1 to 4 allowed)"
                ),
            ));
        }
        let dims = (0..n_dims).map(|_| r.u64()).collect::<Result<Vec<_>, _>>()?;
        let kind = TensorType(r.u32()?);
        let offset = r.u64()?;
        tensors.push(TensorInfo { name, dims, kind, offset });
    }
    let alignment = match metadata.get("general.alignment") {
        None => DEFAULT_ALIGNMENT,
        Some(v) => match v.as_u64() {
            Some(a) if a.is_power_of_two() => a,
            _ => {
                return Err(r.error_at(
                    r.at,
                    format!("general.alignment 应为 2 的幂，实为 {v:?} / general.alignment must be a power of two, not {v:?}"),
                ));
            }
        },
    };
    let data_offset = r.at.div_ceil(alignment) * alignment;
    Ok(Header { version, metadata, tensors, data_offset, alignment, file_bytes })
}

/// What a runner accepts, for [`Header::problems`].
#[derive(Debug, Clone, Default)]
pub struct Rules<'a> {
    /// The architectures it runs.
    pub architectures: &'a [&'a str],
    /// The tensor types it runs; empty: any type ggml knows.
    pub tensor_types: &'a [TensorType],
    /// The tokenizer models and pre-splits it reproduces; empty: any.
    pub tokenizers: &'a [(&'a str, &'a [&'a str])],
    /// The largest file, bytes.
    pub max_bytes: Option<u64>,
    /// The contract gives a chat template, so the file need not hold one.
    pub template_given: bool,
}

impl Rules<'static> {
    /// What the built-in runner (`jiebang-llm`) accepts: its architectures, candle's tensor
    /// types, byte-level BPE vocabularies with the pre-splits it reproduces.
    pub fn built_in(template_given: bool) -> Self {
        Rules {
            architectures: BUILT_IN_ARCHITECTURES,
            tensor_types: TensorType::BUILT_IN,
            tokenizers: &[("gpt2", BUILT_IN_PRE_TOKENIZERS)],
            max_bytes: None,
            template_given,
        }
    }

    /// What a llama.cpp-family reference runtime is given: the architectures llama.cpp names,
    /// any tensor type and tokenizer.
    pub fn llama_cpp() -> Self {
        Rules { architectures: LLAMA_CPP_ARCHITECTURES, ..Rules::default() }
    }
}

impl Header {
    /// A metadata value.
    pub fn get(&self, key: &str) -> Option<&Value> {
        self.metadata.get(key)
    }

    /// A string metadata value.
    pub fn string(&self, key: &str) -> Option<&str> {
        self.get(key).and_then(Value::as_str)
    }

    /// `general.architecture`.
    pub fn architecture(&self) -> Option<&str> {
        self.string("general.architecture")
    }

    /// An architecture-specific number, e.g. `context_length` for `llama.context_length`.
    pub fn arch_u64(&self, field: &str) -> Option<u64> {
        self.get(&format!("{}.{field}", self.architecture()?)).and_then(Value::as_u64)
    }

    /// The vocabulary (`tokenizer.ggml.tokens`), if it is an array of strings.
    pub fn tokens(&self) -> Option<Vec<&str>> {
        self.get("tokenizer.ggml.tokens")?.as_array()?.iter().map(Value::as_str).collect()
    }

    /// What the model is, read from the header alone.
    pub fn summary(&self) -> Summary {
        let mut by_type: BTreeMap<&'static str, (usize, u64)> = BTreeMap::new();
        for t in &self.tensors {
            let entry = by_type.entry(t.kind.name()).or_default();
            entry.0 += 1;
            entry.1 += t.bytes().unwrap_or(0);
        }
        let mut tensor_types: Vec<TypeShare> = by_type
            .into_iter()
            .map(|(kind, (tensors, bytes))| TypeShare { kind: kind.to_owned(), tensors, bytes })
            .collect();
        tensor_types.sort_by(|a, b| b.bytes.cmp(&a.bytes).then(a.kind.cmp(&b.kind)));
        Summary {
            version: self.version,
            architecture: self.architecture().unwrap_or_default().to_owned(),
            name: self.string("general.name").map(str::to_owned),
            file_bytes: self.file_bytes,
            tensors: self.tensors.len(),
            parameter_count: self.tensors.iter().map(|t| t.elements().unwrap_or(0)).fold(0u64, u64::saturating_add),
            quantization: tensor_types.first().map(|t| t.kind.clone()).unwrap_or_default(),
            tensor_types,
            context_length: self.arch_u64("context_length"),
            embedding_length: self.arch_u64("embedding_length"),
            block_count: self.arch_u64("block_count"),
            vocab_size: self.get("tokenizer.ggml.tokens").and_then(Value::as_array).map_or(0, <[Value]>::len),
            tokenizer: self.string("tokenizer.ggml.model").map(str::to_owned),
            tokenizer_pre: self.string("tokenizer.ggml.pre").map(str::to_owned),
            chat_template: self.string("tokenizer.chat_template").is_some(),
        }
    }

    /// Every way the file departs from `rules`, one message each (Chinese, then English);
    /// empty when a runner under `rules` can load it.
    pub fn problems(&self, rules: &Rules) -> Vec<String> {
        let mut problems = Vec::new();
        // MB as `model_size_mb` counts them: 10⁶ bytes.
        let mb = |bytes: u64| format!("{:.1} MB", bytes as f64 / 1e6);
        if let Some(max) = rules.max_bytes.filter(|max| self.file_bytes > *max) {
            problems.push(format!(
                "文件 {} 超过上限 {} / the file's {} exceed the limit of {}",
                mb(self.file_bytes),
                mb(max),
                mb(self.file_bytes),
                mb(max)
            ));
        }
        match self.architecture() {
            None => problems.push("缺少 general.architecture / general.architecture is missing".into()),
            Some(arch) if !rules.architectures.contains(&arch) => problems.push(format!(
                "不支持的架构 {arch}（支持：{}）/ the architecture {arch} is not supported (supported: {})",
                rules.architectures.join("、"),
                rules.architectures.join(", ")
            )),
            Some(arch) => {
                for field in ["context_length", "embedding_length", "block_count", "attention.head_count"] {
                    if self.arch_u64(field).is_none() {
                        problems.push(format!("缺少 {arch}.{field} / {arch}.{field} is missing"));
                    }
                }
            }
        }
        self.tensor_problems(rules, &mut problems);
        self.vocabulary_problems(rules, &mut problems);
        if !rules.template_given && self.string("tokenizer.chat_template").is_none() {
            problems.push(
                "文件中没有对话模板（tokenizer.chat_template），交付要求也未给出 / the file holds no chat template (tokenizer.chat_template) and the contract gives none".into(),
            );
        }
        problems
    }

    fn tensor_problems(&self, rules: &Rules, problems: &mut Vec<String>) {
        if self.tensors.is_empty() {
            problems.push("文件中没有张量 / the file holds no tensors".into());
            return;
        }
        let data = self.file_bytes.saturating_sub(self.data_offset);
        let alignment = self.alignment;
        let mut names = HashSet::new();
        let mut spans = Vec::with_capacity(self.tensors.len());
        let mut past_end = Vec::new();
        for t in &self.tensors {
            if !names.insert(t.name.as_str()) {
                problems.push(format!("张量 {} 重复 / the tensor {} appears twice", t.name, t.name));
            }
            if t.kind.block().is_none() {
                problems.push(format!(
                    "张量 {} 的类型 {} 未知 / the tensor {} has an unknown type {}",
                    t.name, t.kind.0, t.name, t.kind.0
                ));
                continue;
            }
            if !rules.tensor_types.is_empty() && !rules.tensor_types.contains(&t.kind) {
                problems.push(format!(
                    "张量 {} 的类型 {} 不受支持 / the tensor {} has the type {}, which the runner does not run",
                    t.name,
                    t.kind.name(),
                    t.name,
                    t.kind.name()
                ));
            }
            let Some(bytes) = t.bytes() else {
                problems.push(format!(
                    "张量 {} 的形状 {:?} 与类型 {} 的块大小不符 / the tensor {}'s shape {:?} does not fit the blocks of {}",
                    t.name,
                    t.dims,
                    t.kind.name(),
                    t.name,
                    t.dims,
                    t.kind.name()
                ));
                continue;
            };
            if t.offset % alignment != 0 {
                problems.push(format!(
                    "张量 {} 的偏移 {} 未按 {alignment} 字节对齐 / the tensor {}'s offset {} is not aligned to {alignment} bytes",
                    t.name, t.offset, t.name, t.offset
                ));
            }
            match t.offset.checked_add(bytes).filter(|end| *end <= data) {
                Some(end) => spans.push((t.offset, end, t.name.as_str())),
                None => past_end.push((t.name.as_str(), t.offset, bytes)),
            }
        }
        if let Some((name, offset, bytes)) = past_end.first() {
            let n = past_end.len();
            problems.push(format!(
                "文件被截断或表头有误：{n} 个张量的数据超出文件末尾（第一个：{name}，偏移 {offset}，{bytes} 字节）/ the file is truncated or its header is wrong: the data of {n} tensors runs past its end (the first: {name} at offset {offset}, {bytes} bytes)"
            ));
        }
        spans.sort_unstable();
        for pair in spans.windows(2) {
            if pair[1].0 < pair[0].1 {
                problems.push(format!(
                    "张量 {} 与 {} 的数据重叠 / the data of the tensors {} and {} overlap",
                    pair[0].2, pair[1].2, pair[0].2, pair[1].2
                ));
            }
        }
        if let Some(&(_, end, _)) = spans.iter().max_by_key(|s| s.1)
            && spans.len() == self.tensors.len()
            && data - end >= alignment
        {
            problems.push(format!(
                "张量数据之后还有 {} 字节：张量表与文件大小不符 / {} bytes follow the last tensor's data: the tensor table does not add up to the file",
                data - end,
                data - end
            ));
        }
    }

    fn vocabulary_problems(&self, rules: &Rules, problems: &mut Vec<String>) {
        let Some(tokens) = self.tokens() else {
            problems
                .push("缺少词表（tokenizer.ggml.tokens）/ the vocabulary (tokenizer.ggml.tokens) is missing".into());
            return;
        };
        let mut seen = HashSet::with_capacity(tokens.len());
        let duplicates: Vec<&str> = tokens.iter().copied().filter(|t| !seen.insert(*t)).take(5).collect();
        if !duplicates.is_empty() {
            problems.push(format!(
                "词表中有重复词元 {duplicates:?}（llama.cpp 会因此中止）/ the vocabulary repeats the tokens {duplicates:?} (llama.cpp aborts on this)"
            ));
        }
        let vocab = tokens.len() as u64;
        for key in ["bos_token_id", "eos_token_id", "eot_token_id", "padding_token_id", "unknown_token_id"] {
            if let Some(id) =
                self.get(&format!("tokenizer.ggml.{key}")).and_then(Value::as_u64).filter(|id| *id >= vocab)
            {
                problems.push(format!(
                    "tokenizer.ggml.{key} = {id} 超出词表（{vocab} 个）/ tokenizer.ggml.{key} = {id} is outside the vocabulary of {vocab}"
                ));
            }
        }
        if rules.tokenizers.is_empty() {
            return;
        }
        let model = self.string("tokenizer.ggml.model").unwrap_or("");
        let pre = self.string("tokenizer.ggml.pre").unwrap_or("default");
        match rules.tokenizers.iter().find(|(m, _)| *m == model) {
            None => problems.push(format!(
                "不支持的分词器 {model:?}（支持：{}）/ the tokenizer {model:?} is not supported (supported: {})",
                rules.tokenizers.iter().map(|t| t.0).collect::<Vec<_>>().join("、"),
                rules.tokenizers.iter().map(|t| t.0).collect::<Vec<_>>().join(", ")
            )),
            Some((_, pres)) if !pres.contains(&pre) => problems.push(format!(
                "不支持的预分词 {pre:?}（支持：{}）/ the pre-tokenizer {pre:?} is not supported (supported: {})",
                pres.join("、"),
                pres.join(", ")
            )),
            Some(_) => {}
        }
    }
}

/// The line the built-in runner (`jiebang llm-serve`) prints on stdout once it answers; the
/// platform starts the runner and reads it.
#[derive(Debug, Clone, PartialEq, Serialize, serde::Deserialize)]
pub struct Ready {
    /// `127.0.0.1:port`.
    pub listening: String,
    /// The runner and its engine's version.
    pub runtime: String,
    /// What confines the process.
    pub confinement: String,
    /// Loading the weights, ms.
    pub load_ms: f64,
    /// The positions a sequence may take.
    pub context: usize,
}

/// What a model is, from its header.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Summary {
    /// The format version.
    pub version: u32,
    /// `general.architecture`.
    pub architecture: String,
    /// `general.name`.
    pub name: Option<String>,
    /// The file's length.
    pub file_bytes: u64,
    /// Tensors in the file.
    pub tensors: usize,
    /// The elements of all tensors.
    pub parameter_count: u64,
    /// The tensor type holding the most bytes, e.g. `Q4_K`.
    pub quantization: String,
    /// Tensors and bytes by type, most bytes first.
    pub tensor_types: Vec<TypeShare>,
    /// `{arch}.context_length`.
    pub context_length: Option<u64>,
    /// `{arch}.embedding_length`.
    pub embedding_length: Option<u64>,
    /// `{arch}.block_count`.
    pub block_count: Option<u64>,
    /// Tokens in the vocabulary.
    pub vocab_size: usize,
    /// `tokenizer.ggml.model`, e.g. `gpt2` (byte-level BPE) or `llama` (SentencePiece).
    pub tokenizer: Option<String>,
    /// `tokenizer.ggml.pre`, the pre-split.
    pub tokenizer_pre: Option<String>,
    /// Whether the file holds a chat template.
    pub chat_template: bool,
}

/// One tensor type's share of a file.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TypeShare {
    /// The type, e.g. `Q8_0`.
    pub kind: String,
    /// Tensors of this type.
    pub tensors: usize,
    /// Their bytes.
    pub bytes: u64,
}

/// Reads a source with its position, refusing to read past the file's claimed length.
struct Cursor<R> {
    source: R,
    at: u64,
    len: u64,
}

impl<R: Read> Cursor<R> {
    fn error_at(&self, at: u64, reason: String) -> GgufError {
        GgufError::Format { at, reason }
    }

    fn remaining(&self) -> u64 {
        self.len.saturating_sub(self.at)
    }

    /// Refuses a count of items of at least `each` bytes that the rest of the file cannot hold.
    fn claim(&self, count: u64, each: u64, (zh, en): (&str, &str)) -> Result<(), GgufError> {
        if count > MAX_ENTRIES || count.saturating_mul(each) > self.remaining() {
            let left = self.remaining();
            return Err(self.error_at(
                self.at,
                format!(
                    "表头声称有 {count} 个{zh}，而文件余下的 {left} 字节容纳不下 / the header claims {count} {en}, which the remaining {left} bytes of the file cannot hold"
                ),
            ));
        }
        Ok(())
    }

    fn bytes(&mut self, n: u64, what: &str) -> Result<Vec<u8>, GgufError> {
        if n > self.remaining() {
            return Err(self.error_at(
                self.at,
                format!(
                    "读取{what}需要 {n} 字节，文件只剩 {} 字节：文件被截断 / reading {what} needs {n} bytes but only {} remain: the file is truncated",
                    self.remaining(),
                    self.remaining()
                ),
            ));
        }
        let mut buffer = vec![0; n as usize];
        self.source.read_exact(&mut buffer).map_err(|e| self.error_at(self.at, format!("{what}: {e}")))?;
        self.at += n;
        Ok(buffer)
    }

    fn array<const N: usize>(&mut self) -> Result<[u8; N], GgufError> {
        let bytes = self.bytes(N as u64, "a number")?;
        Ok(bytes.try_into().expect("N bytes"))
    }

    fn u32(&mut self) -> Result<u32, GgufError> {
        self.array().map(u32::from_le_bytes)
    }

    fn u64(&mut self) -> Result<u64, GgufError> {
        self.array().map(u64::from_le_bytes)
    }

    fn string(&mut self, what: &str) -> Result<String, GgufError> {
        let at = self.at;
        let len = self.u64()?;
        let bytes = self.bytes(len, what)?;
        String::from_utf8(bytes)
            .map_err(|_| self.error_at(at, format!("{what} 不是 UTF-8 / {what} is not valid UTF-8")))
    }

    fn value(&mut self, kind: u32, key: &str, depth: u8) -> Result<Value, GgufError> {
        let at = self.at;
        Ok(match kind {
            0 => Value::Unsigned(self.array::<1>()?[0].into()),
            1 => Value::Signed(i8::from_le_bytes(self.array()?).into()),
            2 => Value::Unsigned(u16::from_le_bytes(self.array()?).into()),
            3 => Value::Signed(i16::from_le_bytes(self.array()?).into()),
            4 => Value::Unsigned(self.u32()?.into()),
            5 => Value::Signed(i32::from_le_bytes(self.array()?).into()),
            6 => Value::Float(f32::from_le_bytes(self.array()?).into()),
            7 => match self.array::<1>()?[0] {
                0 => Value::Bool(false),
                1 => Value::Bool(true),
                b => return Err(self.error_at(at, format!("{key}: 布尔值为 {b} / a boolean holds {b}"))),
            },
            8 => Value::String(self.string(key)?),
            9 if depth == 0 => {
                let item = self.u32()?;
                let count = self.u64()?;
                let each = match item {
                    0 | 1 | 7 => 1,
                    2 | 3 => 2,
                    4..=6 => 4,
                    _ => 8,
                };
                self.claim(count, each, (&format!("{key} 的元素"), &format!("elements of {key}")))?;
                let mut items = Vec::with_capacity(count.min(1 << 16) as usize);
                for _ in 0..count {
                    items.push(self.value(item, key, depth + 1)?);
                }
                Value::Array(items)
            }
            10 => Value::Unsigned(self.u64()?),
            11 => Value::Signed(i64::from_le_bytes(self.array()?)),
            12 => Value::Float(f64::from_le_bytes(self.array()?)),
            other => {
                return Err(self.error_at(
                    at,
                    format!("{key}: 未知的值类型 {other} / unknown value type {other} (arrays nest at most once)"),
                ));
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A GGUF file written by hand: `kv` entries, then `tensors` (name, dims, type, offset),
    /// then `data` bytes of data after alignment.
    fn file(kv: &[(&str, Value)], tensors: &[(&str, &[u64], u32, u64)], data: usize) -> Vec<u8> {
        fn string(out: &mut Vec<u8>, s: &str) {
            out.extend((s.len() as u64).to_le_bytes());
            out.extend(s.as_bytes());
        }
        fn value(out: &mut Vec<u8>, v: &Value, typed: bool) {
            let (kind, bytes): (u32, Vec<u8>) = match v {
                Value::Unsigned(n) => (4, (*n as u32).to_le_bytes().to_vec()),
                Value::String(s) => {
                    let mut b = Vec::new();
                    string(&mut b, s);
                    (8, b)
                }
                Value::Array(items) => {
                    let mut b = 8u32.to_le_bytes().to_vec();
                    b.extend((items.len() as u64).to_le_bytes());
                    for item in items {
                        value(&mut b, item, false);
                    }
                    (9, b)
                }
                _ => unreachable!("not used here"),
            };
            if typed {
                out.extend(kind.to_le_bytes());
            }
            out.extend(bytes);
        }
        let mut out = b"GGUF".to_vec();
        out.extend(3u32.to_le_bytes());
        out.extend((tensors.len() as u64).to_le_bytes());
        out.extend((kv.len() as u64).to_le_bytes());
        for (key, v) in kv {
            string(&mut out, key);
            value(&mut out, v, true);
        }
        for (name, dims, kind, offset) in tensors {
            string(&mut out, name);
            out.extend((dims.len() as u32).to_le_bytes());
            for d in *dims {
                out.extend(d.to_le_bytes());
            }
            out.extend(kind.to_le_bytes());
            out.extend(offset.to_le_bytes());
        }
        out.resize(out.len().div_ceil(32) * 32 + data, 0);
        out
    }

    fn good_kv() -> Vec<(&'static str, Value)> {
        let tokens = ["a", "b", "<|im_end|>"].iter().map(|t| Value::String((*t).into())).collect();
        vec![
            ("general.architecture", Value::String("llama".into())),
            ("llama.context_length", Value::Unsigned(2048)),
            ("llama.embedding_length", Value::Unsigned(32)),
            ("llama.block_count", Value::Unsigned(1)),
            ("llama.attention.head_count", Value::Unsigned(4)),
            ("tokenizer.ggml.model", Value::String("gpt2".into())),
            ("tokenizer.ggml.tokens", Value::Array(tokens)),
            ("tokenizer.ggml.eos_token_id", Value::Unsigned(2)),
            ("tokenizer.chat_template", Value::String("{{ messages }}".into())),
        ]
    }

    const RULES: Rules = Rules {
        architectures: BUILT_IN_ARCHITECTURES,
        tensor_types: &[],
        tokenizers: &[("gpt2", BUILT_IN_PRE_TOKENIZERS)],
        max_bytes: None,
        template_given: false,
    };

    fn parse(bytes: &[u8]) -> Result<Header, GgufError> {
        read(bytes, bytes.len() as u64)
    }

    #[test]
    fn a_well_formed_header_is_summarised_and_passes() {
        // 32×3 F32 = 384 bytes, then 32×32 Q8_0 = 32 blocks of 34 bytes = 1088 bytes.
        let bytes = file(&good_kv(), &[("a", &[32, 3], 0, 0), ("b", &[32, 32], 8, 384)], 384 + 1088);
        let header = parse(&bytes).unwrap();
        assert_eq!(header.problems(&RULES), Vec::<String>::new());
        let s = header.summary();
        assert_eq!((s.architecture.as_str(), s.parameter_count, s.vocab_size), ("llama", 96 + 1024, 3));
        assert_eq!((s.quantization.as_str(), s.context_length, s.chat_template), ("Q8_0", Some(2048), true));
        assert_eq!(
            s.tensor_types.iter().map(|t| (t.kind.as_str(), t.bytes)).collect::<Vec<_>>(),
            [("Q8_0", 1088), ("F32", 384)]
        );
    }

    #[test]
    fn a_truncated_file_names_the_tensor_that_runs_past_its_end() {
        let bytes = file(&good_kv(), &[("a", &[32, 3], 0, 0), ("b", &[32, 32], 8, 384)], 384 + 1000);
        let problems = parse(&bytes).unwrap().problems(&RULES);
        assert!(
            problems.len() == 1 && problems[0].contains("the data of 1 tensors runs past its end (the first: b"),
            "{problems:?}"
        );
        let error = read(&bytes[..40], 40).unwrap_err().to_string();
        assert!(error.contains("claims 2 tensors, which the remaining 16 bytes"), "{error}");
        let error = read(&bytes[..200], 200).unwrap_err().to_string();
        assert!(error.contains("truncated"), "{error}");
    }

    #[test]
    fn a_header_claiming_a_trillion_tensors_is_refused_before_allocating() {
        let mut bytes = file(&good_kv(), &[], 0);
        bytes[8..16].copy_from_slice(&1_000_000_000_000u64.to_le_bytes());
        let error = parse(&bytes).unwrap_err().to_string();
        assert!(error.contains("claims 1000000000000 tensors") && error.contains("at byte 24"), "{error}");
    }

    #[test]
    fn every_semantic_problem_is_listed_at_once() {
        let mut kv = good_kv();
        kv[0].1 = Value::String("bert".into());
        kv[6].1 = Value::Array(["a", "b", "a"].iter().map(|t| Value::String((*t).into())).collect());
        kv[7].1 = Value::Unsigned(9);
        kv.pop();
        let bytes = file(&kv, &[("a", &[32, 3], 0, 0), ("a", &[30], 8, 384), ("c", &[4], 99, 512)], 384 + 300);
        let problems = parse(&bytes).unwrap().problems(&Rules { max_bytes: Some(100), ..RULES });
        let all = problems.join("\n");
        for expected in [
            "exceed the limit",
            "architecture bert is not supported",
            "tensor a appears twice",
            "does not fit the blocks of Q8_0",
            "unknown type 99",
            "repeats the tokens [\"a\"]",
            "eos_token_id = 9 is outside",
            "no chat template",
        ] {
            assert!(all.contains(expected), "{expected} missing from:\n{all}");
        }
        assert!(
            parse(&bytes)
                .unwrap()
                .problems(&Rules { template_given: true, ..RULES })
                .iter()
                .all(|p| !p.contains("template"))
        );
    }

    #[test]
    fn bad_magic_version_and_strings_are_format_errors_with_their_offset() {
        let mut bytes = file(&good_kv(), &[], 0);
        assert!(parse(&bytes[..3]).unwrap_err().to_string().contains("truncated"));
        bytes[4] = 1;
        assert!(parse(&bytes).unwrap_err().to_string().contains("version 1 is not supported"));
        bytes[4] = 3;
        bytes[0] = b'X';
        assert!(parse(&bytes).unwrap_err().to_string().contains("not GGUF"));
        bytes[0] = b'G';
        // The first key's first byte: not UTF-8.
        bytes[32] = 0xff;
        let error = parse(&bytes).unwrap_err().to_string();
        assert!(error.contains("at byte 24") && error.contains("UTF-8"), "{error}");
    }
}
