//! Evaluating a live large model through its OpenAI-compatible `/v1/chat/completions`
//! endpoint, the client side, without IO of its own:
//!
//! - [`sse`] reads a `text/event-stream` body as its bytes arrive, split anywhere;
//! - [`exchange`] turns one request's timed stream into an [`exchange::Exchange`]: the answer,
//!   the reasoning, usage, the finish reason, every chunk's arrival, and why it failed if it did
//!   (an error inside the stream, a stream cut short, a chunk that is not JSON) — never a
//!   partial answer scored as if it were whole;
//! - [`measure`] computes the serving measurements from many exchanges, each defined once as
//!   vLLM's and MLPerf's benchmarks define it (`docs/metrics.md`, "Serving a live model").

pub mod exchange;
pub mod measure;
pub mod sse;
