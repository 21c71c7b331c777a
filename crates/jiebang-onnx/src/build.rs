//! Writing small models: a logistic regression as an ONNX file, for baselines an organizer can
//! publish with the delivery contract (and the demo's model submission).

use prost::Message;
use tract_onnx::pb;
use tract_onnx::pb::tensor_shape_proto::{Dimension, dimension};

fn float_tensor(name: &str, dims: &[i64], values: &[f32]) -> pb::TensorProto {
    pb::TensorProto {
        name: name.into(),
        dims: dims.to_vec(),
        data_type: pb::tensor_proto::DataType::Float as i32,
        float_data: values.to_vec(),
        ..Default::default()
    }
}

fn float_value(name: &str, dims: &[Option<i64>]) -> pb::ValueInfoProto {
    let dim = dims
        .iter()
        .map(|d| Dimension {
            value: Some(match d {
                Some(n) => dimension::Value::DimValue(*n),
                None => dimension::Value::DimParam("N".into()),
            }),
            ..Default::default()
        })
        .collect();
    pb::ValueInfoProto {
        name: name.into(),
        r#type: Some(pb::TypeProto {
            value: Some(pb::type_proto::Value::TensorType(pb::type_proto::Tensor {
                elem_type: pb::tensor_proto::DataType::Float as i32,
                shape: Some(pb::TensorShapeProto { dim }),
            })),
            ..Default::default()
        }),
        ..Default::default()
    }
}

fn node(op: &str, inputs: &[&str], output: &str) -> pb::NodeProto {
    pb::NodeProto {
        op_type: op.into(),
        input: inputs.iter().map(|i| (*i).to_owned()).collect(),
        output: vec![output.into()],
        name: output.into(),
        ..Default::default()
    }
}

/// `sigmoid(input · weights + bias)`: float32 `[N, weights.len()]` in, the probability
/// `[N, 1]` out (opset 13).
pub fn logistic_regression(input: &str, output: &str, weights: &[f32], bias: f32, producer: &str) -> Vec<u8> {
    let features = weights.len() as i64;
    let graph = pb::GraphProto {
        name: "logistic_regression".into(),
        node: vec![
            node("MatMul", &[input, "weights"], "logit_raw"),
            node("Add", &["logit_raw", "bias"], "logit"),
            node("Sigmoid", &["logit"], output),
        ],
        initializer: vec![float_tensor("weights", &[features, 1], weights), float_tensor("bias", &[1], &[bias])],
        input: vec![float_value(input, &[None, Some(features)])],
        output: vec![float_value(output, &[None, Some(1)])],
        ..Default::default()
    };
    pb::ModelProto {
        ir_version: 8,
        producer_name: producer.into(),
        opset_import: vec![pb::OperatorSetIdProto { domain: String::new(), version: 13 }],
        graph: Some(graph),
        ..Default::default()
    }
    .encode_to_vec()
}
