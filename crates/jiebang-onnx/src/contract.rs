//! The delivery contract (交付要求) and what a model file declares, read from its protobuf
//! without running it.

use serde::{Deserialize, Serialize};
use tract_onnx::pb;
use tract_onnx::pb::tensor_shape_proto::dimension;
use tract_onnx::pb::type_proto;
use tract_onnx::prelude::Framework;

use crate::OnnxError;

/// What a model's output means, and which number of it is the row's prediction.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum OutputKind {
    /// Class probabilities `[N, classes]`; `column` is the positive class (negative counts from
    /// the end, so -1 is the last).
    Probabilities {
        /// The positive class's column.
        column: i32,
    },
    /// One score or value per row, `[N]` or `[N, 1]`.
    Value,
}

/// What the organizer requires of a delivered model.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Contract {
    /// The input's name; it takes float32 `[N, features]`.
    pub input: String,
    /// Feature columns, in the dataset's order.
    pub features: usize,
    /// The output's name.
    pub output: String,
    /// What the output means.
    pub output_kind: OutputKind,
    /// Lowest accepted opset of the default (`ai.onnx`) domain.
    pub min_opset: i64,
    /// Highest accepted opset.
    pub max_opset: i64,
    /// Largest accepted file.
    pub max_bytes: u64,
}

/// A declared input or output.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TensorInfo {
    /// Name.
    pub name: String,
    /// ONNX element type name (`float`, `int64` …).
    pub dtype: String,
    /// Dimensions; `None` for a symbolic one (e.g. the batch).
    pub shape: Vec<Option<i64>>,
}

/// What a model file declares.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ModelInfo {
    /// File size in bytes.
    pub bytes: u64,
    /// Opset of the default domain.
    pub opset: Option<i64>,
    /// Every imported domain and its version.
    pub opsets: Vec<(String, i64)>,
    /// Who produced it.
    pub producer: String,
    /// Graph inputs that are not initializers.
    pub inputs: Vec<TensorInfo>,
    /// Graph outputs.
    pub outputs: Vec<TensorInfo>,
    /// Operators used, as `domain.Op` (`Conv`, `ai.onnx.ml.TreeEnsembleClassifier`), sorted.
    pub operators: Vec<String>,
    /// Numbers the model carries, in every graph and subgraph: initializer elements (dense and
    /// sparse), `Constant` values, and other nodes' float and tensor attributes (tree ensembles
    /// keep their thresholds and leaf weights there; integer attributes such as pads or node ids
    /// are structure, not parameters).
    pub parameters: u64,
}

fn dtype_name(code: i32) -> String {
    pb::tensor_proto::DataType::try_from(code)
        .map(|t| t.as_str_name().to_lowercase())
        .unwrap_or_else(|_| format!("type {code}"))
}

fn tensor_info(value: &pb::ValueInfoProto) -> TensorInfo {
    let (dtype, shape) = match value.r#type.as_ref().and_then(|t| t.value.as_ref()) {
        Some(type_proto::Value::TensorType(t)) => (
            dtype_name(t.elem_type),
            t.shape
                .as_ref()
                .map(|s| {
                    s.dim
                        .iter()
                        .map(|d| match d.value {
                            Some(dimension::Value::DimValue(v)) => Some(v),
                            _ => None,
                        })
                        .collect()
                })
                .unwrap_or_default(),
        ),
        _ => ("unknown".into(), Vec::new()),
    };
    TensorInfo { name: value.name.clone(), dtype, shape }
}

fn elements(tensor: &pb::TensorProto) -> u64 {
    tensor.dims.iter().map(|d| (*d).max(0) as u64).product()
}

/// What a walk over every graph of a model (the main graph, the subgraphs of `If`, `Loop` and
/// `Scan`, and local functions) finds.
#[derive(Default)]
struct Walk {
    operators: Vec<String>,
    parameters: u64,
    /// Tensors whose data lies in another file: a model must be one self-contained file, for an
    /// engine would open that file relative to its working directory.
    external: Vec<String>,
}

impl Walk {
    fn tensor(&mut self, tensor: &pb::TensorProto, counts: bool) {
        if counts {
            self.parameters += elements(tensor);
        }
        if tensor.data_location == Some(pb::tensor_proto::DataLocation::External as i32)
            || !tensor.external_data.is_empty()
        {
            let location = tensor.external_data.iter().find(|e| e.key == "location").map_or("", |e| e.value.as_str());
            self.external.push(format!("{} → {location:?}", tensor.name));
        }
    }

    fn sparse(&mut self, sparse: &pb::SparseTensorProto) {
        if let Some(values) = &sparse.values {
            self.tensor(values, true);
        }
        if let Some(indices) = &sparse.indices {
            self.tensor(indices, false);
        }
    }

    fn nodes(&mut self, nodes: &[pb::NodeProto]) {
        for node in nodes {
            self.operators.push(if node.domain.is_empty() || node.domain == "ai.onnx" {
                node.op_type.clone()
            } else {
                format!("{}.{}", node.domain, node.op_type)
            });
            // A Constant's every value is data; elsewhere integer attributes are structure.
            let constant = node.op_type == "Constant" && (node.domain.is_empty() || node.domain == "ai.onnx");
            for a in &node.attribute {
                self.parameters += a.floats.len() as u64;
                if constant {
                    self.parameters +=
                        a.ints.len() as u64 + u64::from(a.name == "value_float" || a.name == "value_int");
                }
                if let Some(t) = &a.t {
                    self.tensor(t, true);
                }
                for t in &a.tensors {
                    self.tensor(t, true);
                }
                if let Some(t) = &a.sparse_tensor {
                    self.sparse(t);
                }
                for t in &a.sparse_tensors {
                    self.sparse(t);
                }
                if let Some(g) = &a.g {
                    self.graph(g);
                }
                for g in &a.graphs {
                    self.graph(g);
                }
            }
        }
    }

    fn graph(&mut self, graph: &pb::GraphProto) {
        for t in &graph.initializer {
            self.tensor(t, true);
        }
        for t in &graph.sparse_initializer {
            self.sparse(t);
        }
        self.nodes(&graph.node);
    }
}

/// Reads what a model file declares. A truncated or foreign file is [`OnnxError::Parse`]; a
/// model whose tensors point to external data files is refused with their names.
pub fn inspect(bytes: &[u8]) -> Result<ModelInfo, OnnxError> {
    let proto =
        tract_onnx::onnx().proto_model_for_read(&mut &*bytes).map_err(|e| OnnxError::Parse(format!("{e:#}")))?;
    let graph = proto.graph.as_ref().ok_or_else(|| OnnxError::Parse("没有计算图 / the file has no graph".into()))?;
    if graph.node.is_empty() {
        return Err(OnnxError::Parse("计算图为空 / the graph has no nodes".into()));
    }
    let mut walk = Walk::default();
    walk.graph(graph);
    for function in &proto.functions {
        walk.nodes(&function.node);
    }
    if !walk.external.is_empty() {
        return Err(OnnxError::Parse(format!(
            "模型引用外部数据文件，须为单个自包含文件 / the model refers to external data files and must be one self-contained file: {}",
            walk.external.join(", ")
        )));
    }
    walk.operators.sort();
    walk.operators.dedup();
    let initializers: Vec<&str> = graph.initializer.iter().map(|t| t.name.as_str()).collect();
    let opsets: Vec<(String, i64)> = proto.opset_import.iter().map(|o| (o.domain.clone(), o.version)).collect();
    Ok(ModelInfo {
        bytes: bytes.len() as u64,
        opset: opsets.iter().find(|(d, _)| d.is_empty() || d == "ai.onnx").map(|(_, v)| *v),
        opsets,
        producer: proto.producer_name.clone(),
        inputs: graph.input.iter().filter(|i| !initializers.contains(&i.name.as_str())).map(tensor_info).collect(),
        outputs: graph.output.iter().map(tensor_info).collect(),
        operators: walk.operators,
        parameters: walk.parameters,
    })
}

impl ModelInfo {
    /// Every way the model departs from `contract`, one message each; empty when it fits.
    pub fn problems(&self, contract: &Contract) -> Vec<String> {
        let mut problems = Vec::new();
        if self.bytes > contract.max_bytes {
            problems.push(format!(
                "模型文件 {} 字节，超过上限 {} 字节 / the model file is {} bytes, over the limit of {}",
                self.bytes, contract.max_bytes, self.bytes, contract.max_bytes
            ));
        }
        match self.opset {
            Some(v) if (contract.min_opset..=contract.max_opset).contains(&v) => {}
            Some(v) => problems.push(format!(
                "opset {v} 不在 {}–{} 之内 / opset {v} is outside {}–{}",
                contract.min_opset, contract.max_opset, contract.min_opset, contract.max_opset
            )),
            None => problems.push("模型未声明 ai.onnx opset / the model imports no ai.onnx opset".into()),
        }
        match self.inputs.iter().find(|i| i.name == contract.input) {
            None => problems.push(format!(
                "没有名为「{}」的输入（模型的输入：{}） / no input named '{}' (the model's inputs: {})",
                contract.input,
                names(&self.inputs),
                contract.input,
                names(&self.inputs)
            )),
            Some(input) => {
                if input.dtype != "float" {
                    problems.push(format!(
                        "输入「{}」应为 float32，实际为 {} / input '{}' must be float32, not {}",
                        input.name, input.dtype, input.name, input.dtype
                    ));
                }
                let width_ok = matches!(input.shape.as_slice(), [_, None] | [_, Some(_)] if input.shape[1].is_none_or(|w| w == contract.features as i64));
                if !width_ok {
                    problems.push(format!(
                        "输入「{}」的形状应为 [N, {}]，实际为 {:?} / input '{}' must have shape [N, {}], not {:?}",
                        input.name, contract.features, input.shape, input.name, contract.features, input.shape
                    ));
                }
            }
        }
        if self.inputs.len() > 1 {
            problems.push(format!(
                "模型只能有一个输入，实际有：{} / the model must take one input, it takes: {}",
                names(&self.inputs),
                names(&self.inputs)
            ));
        }
        if !self.outputs.iter().any(|o| o.name == contract.output) {
            problems.push(format!(
                "没有名为「{}」的输出（模型的输出：{}） / no output named '{}' (the model's outputs: {})",
                contract.output,
                names(&self.outputs),
                contract.output,
                names(&self.outputs)
            ));
        }
        problems
    }

    /// The input, output and output meaning to use when nobody named them: the single input;
    /// for a binary task the class-probability output (`[N, 2]`, the last column is the positive
    /// class as scikit-learn orders classes; skl2onnx calls it `probabilities`) or the single
    /// float output; for regression the single float output. `Err` says why none can be chosen
    /// and what the model has. The chosen names come with a sentence for the report.
    pub fn default_io(&self, binary: bool) -> Result<DefaultIo, String> {
        let input = match self.inputs.as_slice() {
            [one] => one.name.clone(),
            _ => {
                return Err(format!(
                    "模型有多个输入，请用 --input 指定：{} / the model takes several inputs, name one with --input: {}",
                    names(&self.inputs),
                    names(&self.inputs)
                ));
            }
        };
        let floats: Vec<&TensorInfo> = self.outputs.iter().filter(|o| o.dtype == "float").collect();
        let width = |o: &TensorInfo| o.shape.get(1).copied().flatten();
        let chosen = if binary {
            let probabilities: Vec<&TensorInfo> = floats
                .iter()
                .copied()
                .filter(|o| o.name.to_lowercase().contains("prob") || width(o) == Some(2))
                .collect();
            match (probabilities.as_slice(), floats.as_slice()) {
                ([one], _) => Some(*one),
                (_, [one]) => Some(*one),
                _ => None,
            }
        } else {
            match floats.as_slice() {
                [one] => Some(*one),
                _ => None,
            }
        };
        let Some(output) = chosen else {
            return Err(format!(
                "无法确定用哪个输出，请用 --output 指定：{} / cannot tell which output to use, name one with --output: {}",
                names(&self.outputs),
                names(&self.outputs)
            ));
        };
        let kind = if binary && width(output) != Some(1) && output.shape.len() == 2 {
            OutputKind::Probabilities { column: -1 }
        } else {
            OutputKind::Value
        };
        let (column_zh, column_en) = match kind {
            OutputKind::Probabilities { .. } => ("的最后一列（正类）", ", its last column (the positive class)"),
            OutputKind::Value => ("", ""),
        };
        let out = &output.name;
        let why = format!(
            "未指定，自动选择输入「{input}」、输出「{out}」{column_zh} / none named: chose input '{input}', output '{out}'{column_en}"
        );
        Ok(DefaultIo { input, output: output.name.clone(), kind, why })
    }

    /// `Ok` when the model fits `contract`, else every problem.
    pub fn check(&self, contract: &Contract) -> Result<(), OnnxError> {
        let problems = self.problems(contract);
        if problems.is_empty() { Ok(()) } else { Err(OnnxError::Contract(problems)) }
    }
}

/// The names in `list`, comma-separated, for messages.
fn names(list: &[TensorInfo]) -> String {
    list.iter().map(|t| t.name.as_str()).collect::<Vec<_>>().join(", ")
}

/// What [`ModelInfo::default_io`] chose.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DefaultIo {
    /// The input's name.
    pub input: String,
    /// The output's name.
    pub output: String,
    /// What the output means.
    pub kind: OutputKind,
    /// The choice in a sentence, Chinese then English.
    pub why: String,
}
