//! The pure-Rust engine (tract): always built in, so accuracy can be checked anywhere.

use tract_onnx::prelude::*;

use crate::{Contract, Engine, OnnxError, OutputKind};

type Plan = Arc<TypedRunnableModel>;

/// The tract release linked in, for reports; a test checks it against Cargo.lock.
pub(crate) const TRACT_VERSION: &str = "0.23.9";

/// A model loaded into tract for a fixed batch size; a shorter last batch is padded with zeros
/// (rows are independent, so padding changes no real row's output) and cut back.
pub struct TractEngine {
    plan: Plan,
    batch: usize,
    features: usize,
    kind: OutputKind,
}

fn engine_error(e: impl std::fmt::Display) -> OnnxError {
    OnnxError::Engine { engine: "tract", message: e.to_string() }
}

impl TractEngine {
    /// Loads `bytes` for batches of `batch` rows, with the contract's input and output.
    pub fn load(bytes: &[u8], contract: &Contract, batch: usize) -> Result<Self, OnnxError> {
        let batch = batch.max(1);
        let mut model = tract_onnx::onnx().model_for_read(&mut &*bytes).map_err(|e| engine_error(format!("{e:#}")))?;
        model.select_outputs_by_name([contract.output.as_str()]).map_err(engine_error)?;
        let plan = model
            .with_input_fact(0, f32::fact([batch, contract.features]).into())
            .and_then(|m| m.into_optimized())
            .and_then(|m| m.into_runnable())
            .map_err(|e| engine_error(format!("{e:#}")))?;
        Ok(Self { plan, batch, features: contract.features, kind: contract.output_kind })
    }

    fn pick(&self, output: &Tensor, rows: usize, into: &mut Vec<f32>) -> Result<(), OnnxError> {
        let values = output.cast_to::<f32>().map_err(engine_error)?;
        let view = values.to_plain_array_view::<f32>().map_err(engine_error)?;
        let data = view.as_slice().ok_or_else(|| engine_error("non-contiguous output"))?;
        into.extend(crate::pick_column(output.shape(), data, rows, self.kind).map_err(engine_error)?);
        Ok(())
    }
}

impl Engine for TractEngine {
    fn describe(&self) -> String {
        format!("tract {TRACT_VERSION}")
    }

    fn predict(&mut self, features: &[f32], rows: usize) -> Result<Vec<f32>, OnnxError> {
        if features.len() != rows * self.features {
            return Err(crate::wrong_width(rows, self.features, features.len()));
        }
        let mut out = Vec::with_capacity(rows);
        let mut padded = vec![0f32; self.batch * self.features];
        for start in (0..rows).step_by(self.batch) {
            let n = (rows - start).min(self.batch);
            let chunk = &features[start * self.features..(start + n) * self.features];
            padded[..chunk.len()].copy_from_slice(chunk);
            padded[chunk.len()..].fill(0.0);
            let input = Tensor::from_shape(&[self.batch, self.features], &padded).map_err(engine_error)?;
            let outputs = self.plan.run(tvec!(input.into())).map_err(|e| engine_error(format!("{e:#}")))?;
            self.pick(&outputs[0], n, &mut out)?;
        }
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_reported_tract_version_is_the_one_in_cargo_lock() {
        let lock = include_str!("../../../Cargo.lock");
        let entry = lock.split("[[package]]").find(|p| p.contains("name = \"tract-onnx\"")).unwrap();
        assert!(entry.contains(&format!("version = \"{}\"", super::TRACT_VERSION)), "{entry}");
    }
}
