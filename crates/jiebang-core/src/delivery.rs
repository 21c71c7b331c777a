//! The delivery contract (交付要求) of a challenge: whether teams may deliver an ONNX model
//! instead of a prediction file, what the model must look like, and how the platform runs and
//! measures it. The organizer sets it; the measured quantities it enables are [`MEASURED`].

use serde::{Deserialize, Serialize};

use crate::error::{Collector, Error, FieldError, required_text};

named_enum!(
    /// What a challenge's submissions may be.
    Accepts {
        /// Prediction files only (the default when no contract is set).
        Predictions = "predictions" / "仅预测文件" / "Prediction files only",
        /// Delivered models only.
        Models = "models" / "仅模型" / "Models only",
        /// Either.
        Both = "both" / "预测文件或模型" / "Prediction files or models",
    }
);

named_enum!(
    /// The runtime whose measurements are judged.
    MeasuringEngine {
        /// ONNX Runtime, what deployments use; the reference for latency.
        OnnxRuntime = "onnxruntime" / "ONNX Runtime" / "ONNX Runtime",
        /// tract, the pure-Rust engine built into every jiebang.
        Tract = "tract" / "tract（内置）" / "tract (built in)",
    }
);

named_enum!(
    /// Whether a submission is a prediction file or a model.
    SubmissionKind {
        /// A file of predictions for the test ids.
        Predictions = "predictions" / "预测文件" / "Prediction file",
        /// An ONNX model the platform runs on the test features.
        Model = "model" / "模型" / "Model",
        /// A live large model's OpenAI-compatible endpoint the platform puts the questions to.
        Endpoint = "endpoint" / "模型服务接口" / "Model endpoint",
        /// A quantized large model (GGUF) the platform serves on its own hardware and puts the
        /// questions to as to an endpoint.
        Gguf = "gguf" / "量化大模型（GGUF）" / "Quantized large model (GGUF)",
    }
);

named_enum!(
    /// Which server runs a delivered GGUF model on the platform's hardware.
    LlmRuntime {
        /// `jiebang llm-serve`, built on candle: confined by Landlock and seccomp.
        Builtin = "builtin" / "内置运行器（candle）" / "Built-in runner (candle)",
        /// The OpenAI-compatible server the platform's settings name (llama.cpp, vLLM …).
        Reference = "reference" / "参考运行时" / "Reference runtime",
    }
);

/// What the platform measures on a delivered model, with the unit and the meaning the reports
/// print. Indicators on these keys are judged from a model submission's run.
pub const MEASURED: &[(&str, &str, &str)] = &[
    ("latency_p50_ms", "ms", "单条推理时延中位数 / single-stream latency, median"),
    ("latency_p90_ms", "ms", "单条推理时延 P90 / single-stream latency, 90th percentile"),
    ("latency_p99_ms", "ms", "单条推理时延 P99 / single-stream latency, 99th percentile"),
    ("latency_mean_ms", "ms", "单条推理时延均值 / single-stream latency, mean"),
    ("throughput_qps", "条/秒 rows/s", "离线吞吐（最佳批大小） / offline throughput at the best batch size"),
    ("model_size_mb", "MB", "模型文件大小 / model file size (10⁶ bytes)"),
    ("parameter_count", "", "参数量 / parameters (initializer elements and numeric attributes)"),
    ("peak_memory_mb", "MB", "运行进程峰值常驻内存 / peak resident memory of the model process"),
];

/// What serving a live large model measures (`docs/metrics.md`, "Serving a live model"), as
/// vLLM's and MLPerf's benchmarks define it: key, unit, label.
pub const SERVING: &[(&str, &str, &str)] = &[
    ("ttft_p50_ms", "ms", "首字时延中位数 / time to first token, median"),
    ("ttft_p90_ms", "ms", "首字时延 P90 / time to first token, 90th percentile"),
    ("ttft_p99_ms", "ms", "首字时延 P99 / time to first token, 99th percentile"),
    ("tpot_mean_ms", "ms", "每输出词元时间均值 / time per output token, mean"),
    ("tpot_p99_ms", "ms", "每输出词元时间 P99 / time per output token, 99th percentile"),
    ("itl_p99_ms", "ms", "词元间隔 P99 / inter-token latency, 99th percentile"),
    ("e2e_p99_ms", "ms", "端到端时延 P99 / end-to-end latency, 99th percentile"),
    ("output_tokens_per_s", "词元/秒 tokens/s", "输出吞吐 / output tokens per second"),
    ("requests_per_s", "次/秒 requests/s", "请求吞吐 / answered requests per second"),
    ("error_rate", "", "失败率 / share of requests that failed"),
    ("truncation_rate", "", "截断率 / share of answers cut at max_tokens"),
    ("goodput", "", "达标率 / share of requests within the TTFT and TPOT limits"),
];

/// What the platform measures on a large model it serves itself (a delivered GGUF file), besides
/// the serving measurements: key, unit, label.
pub const HOSTED: &[(&str, &str, &str)] = &[
    ("model_size_mb", "MB", "模型文件大小 / model file size (10⁶ bytes)"),
    ("parameter_count", "", "参数量 / parameters (elements of every tensor in the file)"),
    ("peak_memory_mb", "MB", "服务进程树峰值常驻内存 / peak resident memory of the serving process tree (MiB)"),
    ("load_time_s", "s", "加载时间 / from starting the server to its first answer"),
];

/// The serving measurements a leaderboard shows beside each endpoint's score.
pub const SERVED_ON_THE_BOARD: &[&str] = &["ttft_p99_ms", "output_tokens_per_s", "error_rate"];

/// Whether `key` (a metric name) is measured on a model the platform serves itself.
pub fn is_hosted(key: &str) -> bool {
    HOSTED.iter().any(|(k, _, _)| *k == key)
}

/// Whether `key` (a metric name) is measured on a live endpoint.
pub fn is_served(key: &str) -> bool {
    SERVING.iter().any(|(k, _, _)| *k == key)
}

/// The measured quantities a leaderboard shows beside each delivered model's score: its size,
/// its tail latency and its memory (the rest are in the signed report).
pub const ON_THE_BOARD: &[&str] = &["model_size_mb", "latency_p99_ms", "peak_memory_mb"];

/// Whether `key` (a metric name) is measured on a delivered model rather than computed from
/// predictions.
pub fn is_measured(key: &str) -> bool {
    MEASURED.iter().any(|(k, _, _)| *k == key)
}

/// How a challenge takes delivered models. Stored as JSON with the challenge.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct DeliveryContract {
    /// What submissions may be.
    pub accepts: Accepts,
    /// The model's input name; it takes float32 `[N, features]`.
    #[serde(default = "default_input")]
    pub input: String,
    /// Feature columns of the test-features file, in the order the model expects them; empty:
    /// every column but the id and split columns, in the file's order.
    #[serde(default)]
    pub feature_columns: Vec<String>,
    /// The output the platform reads.
    #[serde(default = "default_output")]
    pub output: String,
    /// With class probabilities `[N, classes]`, the positive class's column (-1 = last);
    /// absent when the output is one score or value per row.
    #[serde(default)]
    pub probability_column: Option<i32>,
    /// Lowest accepted opset (default domain).
    #[serde(default = "default_min_opset")]
    pub min_opset: i64,
    /// Highest accepted opset.
    #[serde(default = "default_max_opset")]
    pub max_opset: i64,
    /// Largest accepted model file, MB (10⁶ bytes).
    #[serde(default = "default_max_model_mb")]
    pub max_model_mb: f64,
    /// Batch sizes tried for offline throughput; the best counts.
    #[serde(default = "default_batch_sizes")]
    pub batch_sizes: Vec<u32>,
    /// Threads the runtime may use.
    #[serde(default = "default_threads")]
    pub threads: u32,
    /// Whose measurements are judged.
    #[serde(default = "default_engine")]
    pub engine: MeasuringEngine,
    /// Memory the model process may reserve, MB.
    #[serde(default = "default_memory_limit_mb")]
    pub memory_limit_mb: u32,
    /// Wall time the model process may take, seconds.
    #[serde(default = "default_time_limit_s")]
    pub time_limit_s: u32,
    /// The measurement budget: minutes of model runs a team may use in the challenge's phases
    /// within any 24 hours. A team past it submits models again once its earlier runs are a day
    /// old, so one team's slow models cannot keep the platform's model worker to themselves.
    #[serde(default = "default_daily_model_minutes")]
    pub daily_model_minutes: u32,
    /// Whether, and how, teams' live model endpoints are evaluated; `None`: they are not.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub endpoint: Option<EndpointContract>,
    /// Whether, and how, delivered GGUF models are served by the platform and evaluated (with
    /// `endpoint`'s bank, prompt and sampling); `None`: they are not taken.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub gguf: Option<GgufContract>,
}

/// How a delivered quantized large model (GGUF) is run on the platform's own hardware: which
/// server, with what limits, at which loads. The questions, the prompt and the sampling are the
/// endpoint contract's, so a served model and a team's own endpoint are judged alike.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct GgufContract {
    /// Largest accepted model file, MB (10⁶ bytes).
    #[serde(default = "default_max_gguf_mb")]
    pub max_model_mb: f64,
    /// Which server runs it.
    #[serde(default = "default_llm_runtime")]
    pub runtime: LlmRuntime,
    /// CPU threads the model may use.
    #[serde(default = "default_gguf_threads")]
    pub threads: u32,
    /// The server's address-space limit, MiB.
    #[serde(default = "default_gguf_memory_mb")]
    pub memory_limit_mb: u32,
    /// Seconds loading may take before the model is given up on.
    #[serde(default = "default_load_timeout_s")]
    pub load_timeout_s: u32,
    /// Requests in flight at which the whole bank is asked, in order; indicators are judged at
    /// the first, the others are measured for the report.
    #[serde(default = "default_concurrency_levels")]
    pub concurrency_levels: Vec<u32>,
    /// A chat template (Jinja) for models whose file holds none; empty: the file's.
    #[serde(default)]
    pub chat_template: String,
    /// Take only models the platform serves: teams' own endpoints are refused.
    #[serde(default)]
    pub exclusive: bool,
}

fn default_max_gguf_mb() -> f64 {
    8192.0
}
fn default_llm_runtime() -> LlmRuntime {
    LlmRuntime::Builtin
}
fn default_gguf_threads() -> u32 {
    4
}
fn default_gguf_memory_mb() -> u32 {
    16_384
}
fn default_load_timeout_s() -> u32 {
    600
}
fn default_concurrency_levels() -> Vec<u32> {
    vec![1]
}

impl Default for GgufContract {
    fn default() -> Self {
        Self {
            max_model_mb: default_max_gguf_mb(),
            runtime: default_llm_runtime(),
            threads: default_gguf_threads(),
            memory_limit_mb: default_gguf_memory_mb(),
            load_timeout_s: default_load_timeout_s(),
            concurrency_levels: default_concurrency_levels(),
            chat_template: String::new(),
            exclusive: false,
        }
    }
}

impl GgufContract {
    /// Checks every field into `errors`, each named `gguf.<field>`.
    fn check(&self, errors: &mut Collector) {
        let mut bad = |field: &str, zh: &str, en: &str| {
            errors.push(FieldError::new(format!("gguf.{field}"), format!("{zh} / {en}")));
        };
        if !(self.max_model_mb > 0.0 && self.max_model_mb <= 1_000_000.0) {
            bad(
                "max_model_mb",
                "模型大小上限应在 0 到 1000000 MB 之间",
                "the size limit must be within (0, 1000000] MB",
            );
        }
        if !(1..=256).contains(&self.threads) {
            bad("threads", "线程数应在 1 到 256 之间", "threads must be between 1 and 256");
        }
        if !(256..=4_194_304).contains(&self.memory_limit_mb) {
            bad(
                "memory_limit_mb",
                "内存上限应在 256 到 4194304 MiB 之间",
                "the memory limit must be between 256 and 4194304 MiB",
            );
        }
        if !(1..=7200).contains(&self.load_timeout_s) {
            bad("load_timeout_s", "加载时限应在 1 到 7200 秒之间", "the load time limit must be between 1 and 7200 s");
        }
        let mut seen = std::collections::HashSet::new();
        if self.concurrency_levels.is_empty()
            || self.concurrency_levels.len() > 8
            || self.concurrency_levels.iter().any(|c| !(1..=256).contains(c) || !seen.insert(*c))
        {
            bad(
                "concurrency_levels",
                "并发档位应为 1 到 8 个互不相同的 1 到 256 之间的整数",
                "give 1 to 8 distinct concurrency levels between 1 and 256",
            );
        }
        if self.chat_template.len() > 100_000 {
            bad("chat_template", "对话模板过长（上限 100000 字节）", "the chat template is over 100,000 bytes");
        }
    }

    /// The size limit in bytes.
    pub fn max_model_bytes(&self) -> u64 {
        (self.max_model_mb * 1e6) as u64
    }
}

/// How a live large model is put to the question bank through its OpenAI-compatible endpoint
/// (`docs/metrics.md`, "Serving a live model"): the prompt, the sampling, the load, the time
/// limits and the service-level limits goodput counts against.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct EndpointContract {
    /// The dataset file that holds the questions (JSON Lines: id, question, choices …); the
    /// hidden truth is the dataset's labels file. Empty: the file whose purpose is `questions`.
    #[serde(default)]
    pub questions_file: String,
    /// The prompt template: empty for the task's default (C-Eval's for multiple choice), plain
    /// text with `{question}`, `{choices}`, `{category}`, or JSON with system, shots and user.
    #[serde(default)]
    pub prompt_template: String,
    /// A system prompt put before every question (when the template has none).
    #[serde(default)]
    pub system_prompt: String,
    /// `max_tokens` of every request.
    #[serde(default = "default_max_tokens")]
    pub max_tokens: u32,
    /// Sampling temperature (0: greedy).
    #[serde(default)]
    pub temperature: f64,
    /// `top_p`, if set.
    #[serde(default)]
    pub top_p: Option<f64>,
    /// The `seed` field of every request.
    #[serde(default)]
    pub seed: u64,
    /// Streamed answers (SSE); without, TTFT is the whole answer's time.
    #[serde(default = "yes")]
    pub stream: bool,
    /// Requests in flight (closed loop), when no rate is set.
    #[serde(default = "default_concurrency")]
    pub concurrency: u32,
    /// Mean requests a second at seeded Poisson arrival times (open loop), if set.
    #[serde(default)]
    pub rate_per_s: Option<f64>,
    /// Never more than this many sends a second, if set.
    #[serde(default)]
    pub max_rate_per_s: Option<f64>,
    /// Seconds to open a connection.
    #[serde(default = "default_connect_timeout_s")]
    pub connect_timeout_s: f64,
    /// Seconds from a send to the first token.
    #[serde(default = "default_first_token_timeout_s")]
    pub first_token_timeout_s: f64,
    /// Seconds for one whole exchange, retries included.
    #[serde(default = "default_timeout_s")]
    pub timeout_s: f64,
    /// Attempts per question (connection errors, 429 and 5xx before the first byte).
    #[serde(default = "default_attempts")]
    pub attempts: u32,
    /// Goodput's TTFT limit, ms.
    #[serde(default)]
    pub slo_ttft_ms: Option<f64>,
    /// Goodput's TPOT limit, ms.
    #[serde(default)]
    pub slo_tpot_ms: Option<f64>,
    /// Nothing new is sent after this many seconds of a run; the questions left count as failed.
    #[serde(default = "default_run_time_limit_s")]
    pub time_limit_s: u32,
    /// A dataset file holding the model's `tokenizer.json`, which counts the output tokens of
    /// answers the server sends no usage for; empty: characters are counted.
    #[serde(default)]
    pub tokenizer_file: String,
}

/// A team's endpoint as registered: the file of an endpoint submission. Its API key is never
/// part of it (the platform keeps the key apart, sealed).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EndpointRegistration {
    /// The base URL up to and including `/v1`.
    pub base_url: String,
    /// The model name sent with every request.
    pub model: String,
}

impl EndpointRegistration {
    /// Checks both fields, all problems at once: an http(s) URL without credentials, a query or
    /// a fragment (a key in the URL would be shown wherever the URL is), and a model name.
    pub fn validate(self) -> Result<Self, Error> {
        let mut errors = Collector::default();
        let base_url = self.base_url.trim().trim_end_matches('/').to_owned();
        let rest = base_url.strip_prefix("https://").or_else(|| base_url.strip_prefix("http://"));
        let authority = rest.map(|r| r.split('/').next().unwrap_or_default());
        let problem = match (rest, authority) {
            _ if base_url.len() > 2000 => Some("过长 / is too long"),
            (None, _) => Some("须以 http:// 或 https:// 开头 / must start with http:// or https://"),
            (_, Some("")) => Some("缺少主机名 / has no host"),
            (_, Some(a)) if a.contains('@') => Some(
                "不得包含用户名或密码，密钥请填在密钥栏 / must not hold credentials: give the key in its own field",
            ),
            _ if base_url.contains(['?', '#']) || base_url.chars().any(char::is_whitespace) => {
                Some("不得包含查询串、片段或空白 / must not hold a query, a fragment or spaces")
            }
            _ => None,
        };
        if let Some(problem) = problem {
            errors.push(FieldError::new("base_url", format!("接口地址{problem}")));
        }
        let model = errors.check(required_text("model", &self.model, 200));
        errors.finish(|| Self { base_url, model: model.unwrap_or_default() })
    }
}

fn default_max_tokens() -> u32 {
    512
}
fn yes() -> bool {
    true
}
fn default_concurrency() -> u32 {
    4
}
fn default_connect_timeout_s() -> f64 {
    10.0
}
fn default_first_token_timeout_s() -> f64 {
    60.0
}
fn default_timeout_s() -> f64 {
    300.0
}
fn default_attempts() -> u32 {
    4
}
fn default_run_time_limit_s() -> u32 {
    6 * 3600
}

impl Default for EndpointContract {
    fn default() -> Self {
        Self {
            questions_file: String::new(),
            prompt_template: String::new(),
            system_prompt: String::new(),
            max_tokens: default_max_tokens(),
            temperature: 0.0,
            top_p: None,
            seed: 0,
            stream: true,
            concurrency: default_concurrency(),
            rate_per_s: None,
            max_rate_per_s: None,
            connect_timeout_s: default_connect_timeout_s(),
            first_token_timeout_s: default_first_token_timeout_s(),
            timeout_s: default_timeout_s(),
            attempts: default_attempts(),
            slo_ttft_ms: None,
            slo_tpot_ms: None,
            time_limit_s: default_run_time_limit_s(),
            tokenizer_file: String::new(),
        }
    }
}

impl EndpointContract {
    /// Checks every field into `errors`, each named `endpoint.<field>`.
    fn check(&self, errors: &mut Collector) {
        let mut bad = |field: &str, zh: &str, en: &str| {
            errors.push(FieldError::new(format!("endpoint.{field}"), format!("{zh} / {en}")));
        };
        let positive = |v: f64, max: f64| v.is_finite() && v > 0.0 && v <= max;
        if self.prompt_template.len() > 20_000 || self.system_prompt.len() > 20_000 {
            bad("prompt_template", "提示模板过长（上限 20000 字节）", "the prompt is over 20,000 bytes");
        }
        if !(1..=32_768).contains(&self.max_tokens) {
            bad("max_tokens", "最大生成词元数应在 1 到 32768 之间", "max_tokens must be between 1 and 32768");
        }
        if !(0.0..=2.0).contains(&self.temperature) {
            bad("temperature", "温度应在 0 到 2 之间", "the temperature must be between 0 and 2");
        }
        if self.top_p.is_some_and(|p| !(p > 0.0 && p <= 1.0)) {
            bad("top_p", "top_p 应在 (0, 1] 之间", "top_p must be within (0, 1]");
        }
        if !(1..=256).contains(&self.concurrency) {
            bad("concurrency", "并发数应在 1 到 256 之间", "the concurrency must be between 1 and 256");
        }
        if self.rate_per_s.is_some_and(|r| !positive(r, 10_000.0)) {
            bad("rate_per_s", "请求速率应为 0 到 10000 之间的正数", "the request rate must be positive, at most 10000");
        }
        if self.max_rate_per_s.is_some_and(|r| !positive(r, 10_000.0)) {
            bad(
                "max_rate_per_s",
                "速率上限应为 0 到 10000 之间的正数",
                "the rate limit must be positive, at most 10000",
            );
        }
        for (field, value) in [
            ("connect_timeout_s", self.connect_timeout_s),
            ("first_token_timeout_s", self.first_token_timeout_s),
            ("timeout_s", self.timeout_s),
        ] {
            if !positive(value, 3600.0) {
                bad(field, "时限应为 0 到 3600 秒之间的正数", "time limits must be positive, at most 3600 s");
            }
        }
        if !(1..=10).contains(&self.attempts) {
            bad("attempts", "尝试次数应在 1 到 10 之间", "attempts must be between 1 and 10");
        }
        for (field, value) in [("slo_ttft_ms", self.slo_ttft_ms), ("slo_tpot_ms", self.slo_tpot_ms)] {
            if value.is_some_and(|v| !positive(v, 3_600_000.0)) {
                bad(field, "服务等级限值应为正数（毫秒）", "service-level limits must be positive milliseconds");
            }
        }
        if !(60..=7 * 24 * 3600).contains(&self.time_limit_s) {
            bad(
                "time_limit_s",
                "评测时限应在 60 秒到 7 天之间",
                "the run's time limit must be between 60 s and 7 days",
            );
        }
    }
}

fn default_input() -> String {
    "input".into()
}
fn default_output() -> String {
    "output".into()
}
fn default_min_opset() -> i64 {
    9
}
fn default_max_opset() -> i64 {
    21
}
fn default_max_model_mb() -> f64 {
    100.0
}
fn default_batch_sizes() -> Vec<u32> {
    vec![1, 16, 64, 256]
}
fn default_threads() -> u32 {
    1
}
fn default_engine() -> MeasuringEngine {
    MeasuringEngine::OnnxRuntime
}
fn default_memory_limit_mb() -> u32 {
    2048
}
fn default_time_limit_s() -> u32 {
    600
}
fn default_daily_model_minutes() -> u32 {
    120
}

impl Default for DeliveryContract {
    fn default() -> Self {
        Self {
            accepts: Accepts::Predictions,
            input: default_input(),
            feature_columns: Vec::new(),
            output: default_output(),
            probability_column: None,
            min_opset: default_min_opset(),
            max_opset: default_max_opset(),
            max_model_mb: default_max_model_mb(),
            batch_sizes: default_batch_sizes(),
            threads: default_threads(),
            engine: default_engine(),
            memory_limit_mb: default_memory_limit_mb(),
            time_limit_s: default_time_limit_s(),
            daily_model_minutes: default_daily_model_minutes(),
            endpoint: None,
            gguf: None,
        }
    }
}

impl DeliveryContract {
    /// Checks every field; reports all problems at once.
    pub fn validate(self) -> Result<Self, Error> {
        let mut errors = Collector::default();
        let input = errors.check(required_text("input", &self.input, 200));
        let output = errors.check(required_text("output", &self.output, 200));
        let mut seen = std::collections::HashSet::new();
        for (i, column) in self.feature_columns.iter().enumerate() {
            if column.trim().is_empty() || !seen.insert(column.trim()) {
                errors.push(FieldError::new(
                    format!("feature_columns[{i}]"),
                    format!("特征列「{column}」为空或重复 / feature column '{column}' is empty or repeated"),
                ));
            }
        }
        if !(1..=100).contains(&self.min_opset) || self.max_opset < self.min_opset || self.max_opset > 100 {
            errors.push(FieldError::new(
                "max_opset",
                "算子集范围应满足 1 ≤ 最低 ≤ 最高 ≤ 100 / the opset range needs 1 ≤ min ≤ max ≤ 100",
            ));
        }
        if !(self.max_model_mb > 0.0 && self.max_model_mb <= 4096.0) {
            errors.push(FieldError::new(
                "max_model_mb",
                "模型大小上限应在 0 到 4096 MB 之间 / the model size limit must be within (0, 4096] MB",
            ));
        }
        if self.batch_sizes.is_empty() || self.batch_sizes.iter().any(|b| !(1..=65_536).contains(b)) {
            errors.push(FieldError::new(
                "batch_sizes",
                "批大小应为 1 到 65536 之间的一个或多个整数 / give one or more batch sizes between 1 and 65536",
            ));
        }
        if !(1..=64).contains(&self.threads) {
            errors.push(FieldError::new("threads", "线程数应在 1 到 64 之间 / threads must be between 1 and 64"));
        }
        if !(64..=65_536).contains(&self.memory_limit_mb) {
            errors.push(FieldError::new(
                "memory_limit_mb",
                "内存上限应在 64 到 65536 MB 之间 / the memory limit must be between 64 and 65536 MB",
            ));
        }
        if !(1..=7200).contains(&self.time_limit_s) {
            errors.push(FieldError::new(
                "time_limit_s",
                "时间上限应在 1 到 7200 秒之间 / the time limit must be between 1 and 7200 s",
            ));
        }
        if let Some(endpoint) = &self.endpoint {
            endpoint.check(&mut errors);
        }
        if let Some(gguf) = &self.gguf {
            gguf.check(&mut errors);
            if self.endpoint.is_none() {
                errors.push(FieldError::new(
                    "gguf",
                    "平台运行的量化模型按模型服务接口的方式评测，请同时设置 endpoint（题库、提示与采样） / \
                     a served GGUF model is evaluated as an endpoint is: set endpoint too (bank, prompt, sampling)",
                ));
            }
        }
        if !(1..=10_080).contains(&self.daily_model_minutes) {
            errors.push(FieldError::new(
                "daily_model_minutes",
                "每日测量预算应在 1 到 10080 分钟之间 / the daily measurement budget must be between 1 and 10080 minutes",
            ));
        }
        let feature_columns = self.feature_columns.iter().map(|c| c.trim().to_owned()).collect();
        let mut batch_sizes = self.batch_sizes.clone();
        batch_sizes.sort_unstable();
        batch_sizes.dedup();
        errors.finish(|| Self {
            input: input.unwrap_or_default(),
            output: output.unwrap_or_default(),
            feature_columns,
            batch_sizes,
            ..self
        })
    }

    /// Whether a submission of `kind` is accepted. Endpoints and GGUF models are taken when the
    /// contract says how to evaluate them, whatever it says of files and models (and endpoints
    /// not when only served models are).
    pub fn takes(&self, kind: SubmissionKind) -> bool {
        match kind {
            SubmissionKind::Endpoint => {
                return self.endpoint.is_some() && !self.gguf.as_ref().is_some_and(|g| g.exclusive);
            }
            SubmissionKind::Gguf => return self.endpoint.is_some() && self.gguf.is_some(),
            _ => {}
        }
        matches!(
            (self.accepts, kind),
            (Accepts::Both, _)
                | (Accepts::Predictions, SubmissionKind::Predictions)
                | (Accepts::Models, SubmissionKind::Model)
        )
    }

    /// The size limit in bytes.
    pub fn max_model_bytes(&self) -> u64 {
        (self.max_model_mb * 1e6) as u64
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_boards_columns_are_measured_quantities() {
        assert!(ON_THE_BOARD.iter().all(|key| is_measured(key)), "{ON_THE_BOARD:?}");
    }

    use super::*;

    #[test]
    fn every_bad_field_is_named_at_once() {
        let contract = DeliveryContract {
            input: " ".into(),
            feature_columns: vec!["rms".into(), "rms".into()],
            min_opset: 13,
            max_opset: 12,
            batch_sizes: vec![],
            threads: 0,
            ..DeliveryContract::default()
        };
        let Err(Error::Invalid(errors)) = contract.validate() else { panic!("accepted a bad contract") };
        let fields: Vec<&str> = errors.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(fields, ["input", "feature_columns[1]", "max_opset", "batch_sizes", "threads"]);
    }

    #[test]
    fn defaults_validate_and_batches_are_sorted() {
        let contract = DeliveryContract { batch_sizes: vec![64, 1, 64], ..DeliveryContract::default() };
        assert_eq!(contract.validate().unwrap().batch_sizes, [1, 64]);
        let models = DeliveryContract { accepts: Accepts::Models, ..DeliveryContract::default() };
        assert!(models.takes(SubmissionKind::Model) && !models.takes(SubmissionKind::Predictions));
        assert!(is_measured("latency_p99_ms") && !is_measured("roc_auc"));
        assert!(!models.takes(SubmissionKind::Endpoint));
        let endpoints = DeliveryContract { endpoint: Some(EndpointContract::default()), ..DeliveryContract::default() };
        assert!(endpoints.clone().validate().is_ok() && endpoints.takes(SubmissionKind::Endpoint));
        assert!(!endpoints.takes(SubmissionKind::Gguf));
        let served = DeliveryContract {
            gguf: Some(GgufContract { exclusive: true, ..GgufContract::default() }),
            ..endpoints.clone()
        };
        assert!(served.clone().validate().is_ok() && served.takes(SubmissionKind::Gguf));
        assert!(!served.takes(SubmissionKind::Endpoint), "an exclusive contract takes served models only");
        assert!(is_hosted("peak_memory_mb") && !is_hosted("ttft_p99_ms"));
    }

    #[test]
    fn a_gguf_contract_names_its_bad_fields_and_needs_the_endpoint_part() {
        let contract = DeliveryContract {
            gguf: Some(GgufContract {
                max_model_mb: 0.0,
                threads: 0,
                concurrency_levels: vec![1, 1],
                ..GgufContract::default()
            }),
            ..DeliveryContract::default()
        };
        let Err(Error::Invalid(errors)) = contract.validate() else { panic!("accepted a bad GGUF contract") };
        let fields: Vec<&str> = errors.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(fields, ["gguf.max_model_mb", "gguf.threads", "gguf.concurrency_levels", "gguf"]);
    }

    #[test]
    fn a_registration_keeps_keys_out_of_its_url() {
        let ok = EndpointRegistration { base_url: " https://llm.example.cn/v1/ ".into(), model: "qwen".into() };
        assert_eq!(ok.validate().unwrap().base_url, "https://llm.example.cn/v1");
        for bad in ["ftp://x/v1", "https://user:sk@x/v1", "https://x/v1?key=sk", "https:///v1"] {
            let registration = EndpointRegistration { base_url: bad.into(), model: " ".into() };
            let Err(Error::Invalid(errors)) = registration.validate() else { panic!("accepted {bad}") };
            let fields: Vec<&str> = errors.iter().map(|e| e.field.as_str()).collect();
            assert_eq!(fields, ["base_url", "model"], "{bad}");
        }
    }

    #[test]
    fn an_endpoint_contracts_bad_fields_are_named_under_endpoint() {
        let contract = DeliveryContract {
            endpoint: Some(EndpointContract {
                max_tokens: 0,
                top_p: Some(1.5),
                rate_per_s: Some(-1.0),
                first_token_timeout_s: f64::NAN,
                slo_ttft_ms: Some(0.0),
                ..EndpointContract::default()
            }),
            ..DeliveryContract::default()
        };
        let Err(Error::Invalid(errors)) = contract.validate() else { panic!("accepted a bad endpoint contract") };
        let fields: Vec<&str> = errors.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(
            fields,
            [
                "endpoint.max_tokens",
                "endpoint.top_p",
                "endpoint.rate_per_s",
                "endpoint.first_token_timeout_s",
                "endpoint.slo_ttft_ms"
            ]
        );
        // A contract stored before endpoints existed reads as one without them.
        let old: DeliveryContract = serde_json::from_str(r#"{"accepts":"models"}"#).unwrap();
        assert_eq!(old.endpoint, None);
    }
}
