"""Generates the ONNX fixtures of crates/jiebang-onnx/tests/fixtures from scikit-learn + skl2onnx
and onnx.helper, with the outputs Python onnxruntime gives on the test features (the oracle the
Rust runners must match to 1e-5).

Run by scripts/test in target/onnx-venv with ONNX_FIXTURES_OUT set to a scratch directory: the
models must come out byte for byte as committed (fixed seeds, deterministic serialisation) and
the oracle outputs within 1e-6 of the committed ones (onnxruntime's last bits may depend on the
CPU).

Models (input "features", float32 [N, 64]; the positive-class probability is compared):
  logreg.onnx  logistic regression as standard ops (MatMul, Add, Sigmoid) from sklearn's weights
  gbt.onnx     GradientBoostingClassifier through skl2onnx (ai.onnx.ml TreeEnsembleClassifier)
  mlp.onnx     MLPClassifier through skl2onnx (MatMul, Add, Relu, Softmax)
  cnn.onnx     a small CNN built with onnx.helper (Reshape to 1x8x8, Conv, Relu, pooling, Gemm)
Hostile:
  truncated.onnx       the first 60% of logreg.onnx
  wrong_input.onnx     logreg with its input named "data"
  unsupported_op.onnx  a node of an operator no runtime knows (com.example.NoSuchOp)
  memory_hog.onnx      allocates 4 GiB at run time (ConstantOfShape)
  slow.onnx            a Loop of 2^40 iterations
"""

import csv
import os

import numpy as np
import onnx
import onnxruntime as ort
from onnx import TensorProto, helper, numpy_helper
from skl2onnx import to_onnx
from sklearn.ensemble import GradientBoostingClassifier
from sklearn.linear_model import LogisticRegression
from sklearn.neural_network import MLPClassifier

OUT = os.environ.get("ONNX_FIXTURES_OUT") or os.path.join(
    os.path.dirname(__file__), "..", "crates", "jiebang-onnx", "tests", "fixtures"
)
FEATURES = 64
rng = np.random.default_rng(2026)


def data(n):
    x = rng.normal(size=(n, FEATURES)).astype(np.float32)
    # A blob in the image's centre (features as an 8x8 grid) marks the positive class.
    centre = x.reshape(n, 8, 8)[:, 2:6, 2:6].mean(axis=(1, 2))
    y = (centre + 0.3 * rng.normal(size=n) > 0.1).astype(np.int64)
    x.reshape(n, 8, 8)[:, 2:6, 2:6] += 0.8 * y[:, None, None]
    return x, y


x_train, y_train = data(2000)
x_test, y_test = data(200)


def save(model, name):
    model.producer_name = "jiebang-fixtures"
    model.producer_version = "1"
    # skl2onnx lists the opsets in set order, which varies from run to run.
    opsets = sorted(((o.domain, o.version) for o in model.opset_import))
    del model.opset_import[:]
    model.opset_import.extend(helper.make_opsetid(d, v) for d, v in opsets)
    with open(os.path.join(OUT, name), "wb") as f:
        f.write(model.SerializeToString(deterministic=True))


def opset(version):
    return [helper.make_opsetid("", version)]


def logreg():
    clf = LogisticRegression(max_iter=1000).fit(x_train, y_train)
    w = numpy_helper.from_array(clf.coef_.T.astype(np.float32), "w")
    b = numpy_helper.from_array(clf.intercept_.astype(np.float32), "b")
    graph = helper.make_graph(
        [
            helper.make_node("MatMul", ["features", "w"], ["z0"]),
            helper.make_node("Add", ["z0", "b"], ["z"]),
            helper.make_node("Sigmoid", ["z"], ["probability"]),
        ],
        "logreg",
        [helper.make_tensor_value_info("features", TensorProto.FLOAT, ["N", FEATURES])],
        [helper.make_tensor_value_info("probability", TensorProto.FLOAT, ["N", 1])],
        [w, b],
    )
    return helper.make_model(graph, opset_imports=opset(17))


def sklearn_model(clf):
    clf.fit(x_train, y_train)
    model = to_onnx(
        clf,
        x_train[:1],
        target_opset={"": 17, "ai.onnx.ml": 3},
        options={id(clf): {"zipmap": False}},
        initial_types=None,
    )
    model.graph.input[0].name = "features"
    for node in model.graph.node:
        node.input[:] = ["features" if i == "X" else i for i in node.input]
    return model


def cnn():
    conv_w = numpy_helper.from_array((rng.normal(size=(4, 1, 3, 3)) * 0.3).astype(np.float32), "conv_w")
    conv_b = numpy_helper.from_array(np.zeros(4, dtype=np.float32), "conv_b")
    fc_w = numpy_helper.from_array((rng.normal(size=(4, 1)) * 0.5).astype(np.float32), "fc_w")
    fc_b = numpy_helper.from_array(np.array([-0.2], dtype=np.float32), "fc_b")
    shape = numpy_helper.from_array(np.array([-1, 1, 8, 8], dtype=np.int64), "shape")
    graph = helper.make_graph(
        [
            helper.make_node("Reshape", ["features", "shape"], ["image"]),
            helper.make_node("Conv", ["image", "conv_w", "conv_b"], ["conv"], pads=[1, 1, 1, 1]),
            helper.make_node("Relu", ["conv"], ["relu"]),
            helper.make_node("GlobalAveragePool", ["relu"], ["pooled"]),
            helper.make_node("Flatten", ["pooled"], ["flat"]),
            helper.make_node("Gemm", ["flat", "fc_w", "fc_b"], ["logit"]),
            helper.make_node("Sigmoid", ["logit"], ["probability"]),
        ],
        "cnn",
        [helper.make_tensor_value_info("features", TensorProto.FLOAT, ["N", FEATURES])],
        [helper.make_tensor_value_info("probability", TensorProto.FLOAT, ["N", 1])],
        [conv_w, conv_b, fc_w, fc_b, shape],
    )
    return helper.make_model(graph, opset_imports=opset(17))


def constant_weights(base):
    """The logistic regression with its weights in Constant nodes instead of initializers: the
    same 65 parameters."""
    model = onnx.ModelProto()
    model.CopyFrom(base)
    constants = [helper.make_node("Constant", [], [t.name], value=t) for t in model.graph.initializer]
    del model.graph.initializer[:]
    nodes = constants + list(model.graph.node)
    del model.graph.node[:]
    model.graph.node.extend(nodes)
    return model


def hostile(base):
    wrong = onnx.ModelProto()
    wrong.CopyFrom(base)
    wrong.graph.input[0].name = "data"
    wrong.graph.node[0].input[0] = "data"
    save(wrong, "wrong_input.onnx")

    graph = helper.make_graph(
        [helper.make_node("NoSuchOp", ["features"], ["probability"], domain="com.example")],
        "unsupported",
        [helper.make_tensor_value_info("features", TensorProto.FLOAT, ["N", FEATURES])],
        [helper.make_tensor_value_info("probability", TensorProto.FLOAT, ["N", 1])],
    )
    save(helper.make_model(graph, opset_imports=opset(17) + [helper.make_opsetid("com.example", 1)]), "unsupported_op.onnx")

    # 2^30 float32 = 4 GiB, allocated when the model runs, then reduced to the expected shape.
    size = numpy_helper.from_array(np.array([1 << 30], dtype=np.int64), "size")
    graph = helper.make_graph(
        [
            helper.make_node("ConstantOfShape", ["size"], ["big"], value=helper.make_tensor("v", TensorProto.FLOAT, [1], [1.0])),
            helper.make_node("ReduceSum", ["big"], ["total"], keepdims=0),
            helper.make_node("ReduceSum", ["features"], ["row"], axes=[1], keepdims=1),
            helper.make_node("Mul", ["row", "total"], ["probability"]),
        ],
        "memory_hog",
        [helper.make_tensor_value_info("features", TensorProto.FLOAT, ["N", FEATURES])],
        [helper.make_tensor_value_info("probability", TensorProto.FLOAT, ["N", 1])],
        [size],
    )
    save(helper.make_model(graph, opset_imports=opset(12)), "memory_hog.onnx")

    # A loop that adds one 2^40 times before the output is ready.
    body = helper.make_graph(
        [helper.make_node("Add", ["acc_in", "one"], ["acc_out"]), helper.make_node("Identity", ["cond_in"], ["cond_out"])],
        "body",
        [
            helper.make_tensor_value_info("i", TensorProto.INT64, []),
            helper.make_tensor_value_info("cond_in", TensorProto.BOOL, []),
            helper.make_tensor_value_info("acc_in", TensorProto.FLOAT, [1]),
        ],
        [helper.make_tensor_value_info("cond_out", TensorProto.BOOL, []), helper.make_tensor_value_info("acc_out", TensorProto.FLOAT, [1])],
        [numpy_helper.from_array(np.array([1.0], dtype=np.float32), "one")],
    )
    trips = numpy_helper.from_array(np.array(1 << 40, dtype=np.int64), "trips")
    cond = numpy_helper.from_array(np.array(True), "cond")
    zero = numpy_helper.from_array(np.array([0.0], dtype=np.float32), "zero")
    graph = helper.make_graph(
        [
            helper.make_node("Loop", ["trips", "cond", "zero"], ["acc"], body=body),
            helper.make_node("ReduceSum", ["features"], ["row"], axes=[1], keepdims=1),
            helper.make_node("Mul", ["row", "acc"], ["probability"]),
        ],
        "slow",
        [helper.make_tensor_value_info("features", TensorProto.FLOAT, ["N", FEATURES])],
        [helper.make_tensor_value_info("probability", TensorProto.FLOAT, ["N", 1])],
        [trips, cond, zero],
    )
    save(helper.make_model(graph, opset_imports=opset(12)), "slow.onnx")

    # Weights that point to a file beside the worker's data: an engine that loads them reads
    # whatever that path names (the signing key, the database) into the model's numbers.
    external = onnx.ModelProto()
    external.CopyFrom(base)
    w = external.graph.initializer[0]
    w.ClearField("raw_data")
    w.data_location = TensorProto.EXTERNAL
    for key, value in [("location", "../../jiebang-data/keys/report-signing.ed25519.pk8"), ("offset", "0"), ("length", "256")]:
        entry = w.external_data.add()
        entry.key, entry.value = key, value
    save(external, "external_data.onnx")
    # The same, hidden in a Constant inside an If branch.
    secret = TensorProto(name="secret", data_type=TensorProto.FLOAT, dims=[64, 1])
    secret.data_location = TensorProto.EXTERNAL
    entry = secret.external_data.add()
    entry.key, entry.value = "location", "/etc/passwd"
    branch = helper.make_graph([helper.make_node("Constant", [], ["w_then"], value=secret)], "then", [], [helper.make_tensor_value_info("w_then", TensorProto.FLOAT, [64, 1])])
    other = helper.make_graph([helper.make_node("Constant", [], ["w_else"], value=numpy_helper.from_array(np.zeros((64, 1), dtype=np.float32)))], "else", [], [helper.make_tensor_value_info("w_else", TensorProto.FLOAT, [64, 1])])
    graph = helper.make_graph(
        [
            helper.make_node("If", ["flag"], ["w"], then_branch=branch, else_branch=other),
            helper.make_node("MatMul", ["features", "w"], ["z"]),
            helper.make_node("Sigmoid", ["z"], ["probability"]),
        ],
        "external_subgraph",
        [helper.make_tensor_value_info("features", TensorProto.FLOAT, ["N", FEATURES])],
        [helper.make_tensor_value_info("probability", TensorProto.FLOAT, ["N", 1])],
        [numpy_helper.from_array(np.array(True), "flag")],
    )
    save(helper.make_model(graph, opset_imports=opset(17)), "external_subgraph.onnx")

    with open(os.path.join(OUT, "logreg.onnx"), "rb") as f:
        whole = f.read()
    with open(os.path.join(OUT, "truncated.onnx"), "wb") as f:
        f.write(whole[: len(whole) * 6 // 10])


def positive(model_name, output):
    session = ort.InferenceSession(os.path.join(OUT, model_name), providers=["CPUExecutionProvider"])
    values = session.run([output], {"features": x_test})[0]
    return values[:, -1]


def main():
    os.makedirs(OUT, exist_ok=True)
    base = logreg()
    save(base, "logreg.onnx")
    save(sklearn_model(GradientBoostingClassifier(n_estimators=40, max_depth=3, random_state=0)), "gbt.onnx")
    save(sklearn_model(MLPClassifier(hidden_layer_sizes=(32,), max_iter=300, random_state=0)), "mlp.onnx")
    save(cnn(), "cnn.onnx")
    hostile(base)
    save(constant_weights(base), "constant_weights.onnx")
    # skl2onnx's own names, as a user exports a model: input X, outputs label and probabilities.
    clf = LogisticRegression(max_iter=1000).fit(x_train, y_train)
    save(to_onnx(clf, x_train[:1], target_opset={"": 17, "ai.onnx.ml": 3}, options={id(clf): {"zipmap": False}}), "skl_default_names.onnx")
    with open(os.path.join(OUT, "features.csv"), "w", newline="") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(["id"] + [f"f{i}" for i in range(FEATURES)])
        for i, row in enumerate(x_test):
            w.writerow([i + 1] + [repr(float(v)) for v in row])
    # The hidden labels of the test rows, for scoring a model's outputs (`jiebang eval model`).
    with open(os.path.join(OUT, "truth.csv"), "w", newline="") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(["id", "label", "split"])
        for i, label in enumerate(y_test):
            w.writerow([i + 1, int(label), "public" if i % 2 == 0 else "private"])
    outputs = {"logreg.onnx": "probability", "gbt.onnx": "probabilities", "mlp.onnx": "probabilities", "cnn.onnx": "probability"}
    with open(os.path.join(OUT, "expected.csv"), "w", newline="") as f:
        w = csv.writer(f, lineterminator="\n")
        names = list(outputs)
        w.writerow(["id"] + [n.removesuffix(".onnx") for n in names])
        columns = [positive(n, outputs[n]) for n in names]
        for i in range(len(x_test)):
            w.writerow([i + 1] + [repr(float(c[i])) for c in columns])


main()
