//! The evaluation engine: scores predictions against ground truth exactly as scikit-learn
//! defines each metric (its edge cases included), and turns indicator expressions into verdicts.
//!
//! This crate does no database or network IO and knows no web framework, so it can be used from
//! the command line, from workers and from tests alike. Metric definitions are documented in
//! `docs/metrics.md`.

pub mod answers;
mod error;
pub mod evaluate;
pub mod metrics;
#[cfg(feature = "parquet")]
mod parquet;
pub mod table;

pub use error::EvalError;
pub use evaluate::{Bootstrap, Columns, Report, Request, evaluate};
pub use metrics::{Metric, MetricError, Task};
pub use table::Source;

/// The engine's name and version, as reports and the queue page give it.
pub fn engine() -> String {
    format!("jiebang-eval {}", env!("CARGO_PKG_VERSION"))
}
