//! The ONNX Runtime engine, loaded at run time from the shared library that the PyPI
//! `onnxruntime` wheel ships (`ORT_DYLIB_PATH` or settings): the reference for latency, because
//! it is what deployments use, and the engine that runs what tract refuses.

use std::path::Path;
use std::sync::OnceLock;

use ort::environment::Environment;
use ort::session::Session;
use ort::session::builder::GraphOptimizationLevel;
use ort::value::Tensor;

use crate::{Contract, Engine, OnnxError};

/// One environment per process (ONNX Runtime allows no more), made on first use.
static ENVIRONMENT: OnceLock<Result<Environment, String>> = OnceLock::new();

fn engine_error(e: impl std::fmt::Display) -> OnnxError {
    OnnxError::Engine { engine: "onnxruntime", message: e.to_string() }
}

fn environment(library: &Path) -> Result<&'static Environment, OnnxError> {
    let made = ENVIRONMENT.get_or_init(|| {
        ort::init_from(library)
            .map_err(|e| format!("无法加载 ONNX Runtime / cannot load ONNX Runtime: {e}"))?
            .with_name("jiebang")
            .build()
            .map_err(|e| e.to_string())
    });
    made.as_ref().map_err(engine_error)
}

/// A model in an ONNX Runtime session.
pub struct OrtEngine {
    session: Session,
    contract: Contract,
    library: String,
}

impl OrtEngine {
    /// Loads ONNX Runtime from `library` (once per process) and `bytes` into a session using
    /// `threads` threads for each operator (the contract's thread count; 1 for single-core
    /// latency).
    pub fn load(library: &Path, bytes: &[u8], contract: &Contract, threads: usize) -> Result<Self, OnnxError> {
        let environment = environment(library)?;
        let builder = |e: ort::Error<ort::session::builder::SessionBuilder>| engine_error(e.to_string());
        let session = Session::builder(environment)
            .map_err(engine_error)?
            .with_optimization_level(GraphOptimizationLevel::Level3)
            .map_err(builder)?
            .with_intra_threads(threads.max(1))
            .map_err(builder)?
            .with_inter_threads(1)
            .map_err(builder)?
            .commit_from_memory(bytes)
            .map_err(engine_error)?;
        let library = library.file_name().map_or_else(String::new, |n| n.to_string_lossy().into_owned());
        Ok(Self { session, contract: contract.clone(), library })
    }
}

impl Engine for OrtEngine {
    /// The version comes from the library's file name (`libonnxruntime.so.1.32.0`, as the wheel
    /// ships it); ONNX Runtime's build info does not carry it.
    fn describe(&self) -> String {
        let version = self.library.rsplit(".so.").next().unwrap_or(&self.library).to_owned();
        format!("onnxruntime {version}")
    }

    fn predict(&mut self, features: &[f32], rows: usize) -> Result<Vec<f32>, OnnxError> {
        let width = self.contract.features;
        if features.len() != rows * width {
            return Err(crate::wrong_width(rows, width, features.len()));
        }
        let input = Tensor::from_array(([rows, width], features.to_vec())).map_err(engine_error)?;
        let outputs = self.session.run(ort::inputs![self.contract.input.as_str() => input]).map_err(engine_error)?;
        let output = outputs
            .get(self.contract.output.as_str())
            .ok_or_else(|| engine_error(format!("no output '{}'", self.contract.output)))?;
        let (shape, data) = output.try_extract_tensor::<f32>().map_err(engine_error)?;
        let shape: Vec<usize> = shape.iter().map(|d| (*d).max(0) as usize).collect();
        crate::pick_column(&shape, data, rows, self.contract.output_kind).map_err(engine_error)
    }
}
