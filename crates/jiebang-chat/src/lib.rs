//! Evaluating a live large model through its OpenAI-compatible `/v1/chat/completions`
//! endpoint, the client side (HTTP, but no database and no web framework):
//!
//! - [`sse`] reads a `text/event-stream` body as its bytes arrive, split anywhere;
//! - [`exchange`] turns one request's timed stream into an [`exchange::Exchange`]: the answer,
//!   the reasoning, usage, the finish reason, every chunk's arrival, and why it failed if it did
//!   (an error inside the stream, a stream cut short, a chunk that is not JSON) — never a
//!   partial answer scored as if it were whole;
//! - [`client`] puts one question to an endpoint with time limits and safe retries; [`run`]
//!   puts many under a closed- or open-loop load; [`prompt`] turns a bank's question into
//!   messages; [`transcript`] keeps every exchange, hashed;
//! - [`tokens`] counts an answer's tokens where the server sent no usage (the model's tokenizer,
//!   else characters);
//! - [`measure`] computes the serving measurements from many exchanges, each defined once as
//!   vLLM's and MLPerf's benchmarks define it (`docs/metrics.md`, "Serving a live model").

pub mod client;
pub mod exchange;
pub mod measure;
pub mod prompt;
pub mod run;
#[cfg(feature = "scripted")]
pub mod scripted;
pub mod sse;
pub mod tokens;
pub mod transcript;
