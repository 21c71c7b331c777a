//! Delivered ONNX models (轻量化部署): read a model file, check it against the challenge's
//! delivery contract, and run it on the test features with an inference engine.
//!
//! This is the only crate that links an inference engine. [`inspect`] reads the file's protobuf
//! (size, opsets, inputs, outputs, operators, parameter count) without running anything, and
//! [`ModelInfo::check`] says, in one message per problem, how the file departs from the
//! [`Contract`]. An [`Engine`] runs batches of float32 feature rows and returns one number per
//! row (the contract says which output and which column); [`TractEngine`] is the pure-Rust engine
//! that is always built in, so accuracy can be checked on any machine; [`OrtEngine`] is ONNX
//! Runtime, loaded at run time from the library of the PyPI wheel, the reference for latency.

pub mod build;
mod contract;
pub mod measure;
mod onnxruntime;
pub mod sandbox;
mod tract;

pub use contract::{Contract, DefaultIo, ModelInfo, OutputKind, TensorInfo, inspect};
pub use onnxruntime::OrtEngine;
pub use tract::TractEngine;

/// Why a model could not be read, checked or run.
#[derive(Debug, thiserror::Error)]
pub enum OnnxError {
    /// The file is not a readable ONNX model (truncated, not protobuf, no graph).
    #[error("模型文件无法解析 / the model file cannot be parsed: {0}")]
    Parse(String),
    /// The model departs from the delivery contract; one message per problem.
    #[error("模型不符合交付要求 / the model does not meet the delivery contract: {}", .0.join("; "))]
    Contract(Vec<String>),
    /// The engine cannot load or run the model (an unsupported operator, a shape it rejects).
    #[error("推理引擎 {engine} 无法运行该模型 / {engine} cannot run the model: {message}")]
    Engine {
        /// Which engine.
        engine: &'static str,
        /// What it said.
        message: String,
    },
    /// The model went beyond a limit of the child process (memory, time).
    #[error("模型超出运行限制 / the model exceeded a limit: {0}")]
    Limit(String),
    /// The features given do not fit the contract.
    #[error("输入特征有误 / bad input features: {0}")]
    Input(String),
}

/// An inference engine loaded with one model.
pub trait Engine {
    /// The engine's name and version, for reports (e.g. `tract 0.23.9`).
    fn describe(&self) -> String;

    /// Runs `rows` rows of `features` float32 values each (row-major) and returns the contract's
    /// output, one number per row.
    fn predict(&mut self, features: &[f32], rows: usize) -> Result<Vec<f32>, OnnxError>;
}

/// The row predictions in an output of `shape` (row-major `data`): the value, or the contract's
/// probability column. `Err` says why the output does not fit.
pub(crate) fn pick_column(shape: &[usize], data: &[f32], rows: usize, kind: OutputKind) -> Result<Vec<f32>, String> {
    let width = match shape {
        [n] if *n >= rows => 1,
        [n, w] if *n >= rows => *w,
        _ => {
            return Err(format!(
                "输出形状 {shape:?} 应为 [N] 或 [N, k]，N ≥ {rows} / the output's shape {shape:?} must be [N] or [N, k] with N ≥ {rows}"
            ));
        }
    };
    let column = match kind {
        OutputKind::Value if width == 1 => 0,
        OutputKind::Value => {
            return Err(format!("输出每行有 {width} 个值，应为 1 个 / the output has {width} values per row, not 1"));
        }
        OutputKind::Probabilities { column } => {
            let c = if column < 0 { width as i64 + i64::from(column) } else { i64::from(column) };
            if !(0..width as i64).contains(&c) {
                return Err(format!(
                    "输出只有 {width} 列，没有第 {column} 列 / the output has {width} columns, no column {column}"
                ));
            }
            c as usize
        }
    };
    Ok((0..rows).map(|r| data[r * width + column]).collect())
}

/// The error for a feature buffer that is not `rows × width` values.
pub(crate) fn wrong_width(rows: usize, width: usize, got: usize) -> OnnxError {
    OnnxError::Input(format!(
        "{rows} 行 × {width} 列应有 {} 个值，实际 {got} 个 / {rows} rows × {width} columns need {} values, got {got}",
        rows * width,
        rows * width
    ))
}
