//! The built-in runner for delivered quantized large models (大模型轻量化部署): a GGUF file
//! loaded with candle's quantized models (pure Rust, CPU), its tokenizer and chat template read
//! from the file's own metadata, and an OpenAI-compatible chat endpoint served from a child
//! process on a loopback port, so that part 2's measuring client evaluates it unchanged.
//!
//! - [`tokenizer::Tokenizer`] rebuilds the byte-level BPE tokenizer (`tokenizer.ggml.model =
//!   gpt2`) from the vocabulary and merges in the file, with llama.cpp's pre-split for the
//!   file's `tokenizer.ggml.pre`, so prompts tokenize to the same ids as in llama.cpp.
//! - [`template::ChatTemplate`] renders the file's Jinja chat template (`tokenizer.chat_template`)
//!   with minijinja, as llama.cpp's server does with `--jinja`.
//! - [`model::Model`] runs the architectures in [`jiebang_gguf::BUILT_IN_ARCHITECTURES`] and
//!   generates greedily or by sampling; greedy output equals llama.cpp's token for token on the
//!   test models.
//! - [`server`] answers `/v1/chat/completions` (streamed or whole), `/v1/models` and `/health`,
//!   one generation at a time in arrival order (no batching: concurrency queues).
//! - [`confine`] locks the child down once its port is bound and the model loaded.

pub mod confine;
pub mod model;
pub mod server;
pub mod template;
pub mod tokenizer;

/// Why a model could not be loaded or run.
#[derive(Debug, thiserror::Error)]
pub enum LlmError {
    /// The file cannot be read or its header is not GGUF.
    #[error(transparent)]
    Header(#[from] jiebang_gguf::GgufError),
    /// The header departs from what the built-in runner runs; one message per problem.
    #[error("内置运行器无法运行该模型 / the built-in runner cannot run the model: {}", .0.join("; "))]
    Refused(Vec<String>),
    /// The tokenizer cannot be built from the file's vocabulary.
    #[error("词表无法使用 / the vocabulary cannot be used: {0}")]
    Tokenizer(String),
    /// The chat template cannot be parsed or rendered.
    #[error("对话模板有误 / the chat template fails: {0}")]
    Template(String),
    /// candle failed to load or run the weights.
    #[error("模型运行失败 / the model failed: {0}")]
    Model(String),
    /// A request the runner cannot answer (bad JSON, a field of the wrong type, too long).
    #[error("{0}")]
    Request(String),
    /// The operating system refused (a port, a file, a limit).
    #[error("{0}")]
    System(String),
}

impl From<candle_core::Error> for LlmError {
    fn from(e: candle_core::Error) -> Self {
        LlmError::Model(e.to_string())
    }
}

/// What `jiebang llm-serve` is asked to serve.
#[derive(Debug, Clone, PartialEq)]
pub struct ServeOptions {
    /// The GGUF file.
    pub model: std::path::PathBuf,
    /// The loopback port; 0 picks a free one.
    pub port: u16,
    /// The model name the endpoint answers to.
    pub name: String,
    /// A chat template replacing the file's.
    pub template: Option<std::path::PathBuf>,
    /// The address-space limit, bytes.
    pub memory_bytes: Option<u64>,
    /// Refuse to serve when Landlock or seccomp cannot be enforced.
    pub require_confinement: bool,
}

/// The runner's name for reports.
pub const RUNTIME: &str = "jiebang built-in runner (candle-transformers 0.11, CPU)";

/// `jiebang llm-serve`: limits itself, binds the loopback port, locks itself down, loads the
/// model, prints [`jiebang_gguf::Ready`] and serves until killed. Runs before any other thread exists.
pub fn serve_main(options: &ServeOptions) -> Result<(), LlmError> {
    if let Some(bytes) = options.memory_bytes {
        jiebang_confine::limit_address_space(bytes).map_err(|e| LlmError::System(e.to_string()))?;
    }
    let template = match &options.template {
        None => None,
        Some(path) => {
            Some(std::fs::read_to_string(path).map_err(|e| LlmError::System(format!("{}: {e}", path.display())))?)
        }
    };
    let listener = std::net::TcpListener::bind((std::net::Ipv4Addr::LOCALHOST, options.port))
        .map_err(|e| LlmError::System(format!("127.0.0.1:{}: {e}", options.port)))?;
    let listening = listener.local_addr().map_err(|e| LlmError::System(e.to_string()))?.to_string();
    // The runtime before the lock-down: its driver makes a socket pair, which is then
    // forbidden. It runs on this thread, so it starts no thread of its own.
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_io()
        .enable_time()
        .build()
        .map_err(|e| LlmError::System(format!("runtime: {e}")))?;
    let mut confinement = confine::lock_down(&options.model, options.require_confinement)?;
    // In a process group of its own, nothing else ends it when its host is killed. Started after
    // the lock-down, which holds for the threads made after it only.
    jiebang_confine::exit_with_parent();
    if let Some(bytes) = options.memory_bytes {
        confinement.push_str(&format!("; address space ≤ {} MiB", bytes >> 20));
    }
    let model = model::Model::load(&options.model, template.as_deref())?;
    let ready = jiebang_gguf::Ready {
        listening,
        runtime: RUNTIME.to_owned(),
        confinement,
        load_ms: model.load_ms,
        context: model.context,
    };
    println!("{}", serde_json::to_string(&ready).map_err(|e| LlmError::System(e.to_string()))?);
    runtime.block_on(async move {
        listener.set_nonblocking(true).map_err(|e| LlmError::System(e.to_string()))?;
        let listener = tokio::net::TcpListener::from_std(listener).map_err(|e| LlmError::System(e.to_string()))?;
        server::serve(listener, model, options.name.clone()).await
    })
}
