"""Python onnxruntime's single-row latency on the jiebang-onnx fixtures, measured as the Rust
harness does (one intra-op thread, 50 warm-up calls, then at least 2,000 timed calls and 0.5 s,
timing session.run alone). Prints one JSON line; scripts/bench runs it in target/onnx-venv."""

import json
import os
import time

import numpy as np
import onnxruntime as ort

FIXTURES = os.path.join(os.path.dirname(__file__), "..", "crates", "jiebang-onnx", "tests", "fixtures")
x = np.loadtxt(os.path.join(FIXTURES, "features.csv"), delimiter=",", skiprows=1, dtype=np.float32)[:, 1:]
rows = [x[i : i + 1] for i in range(len(x))]
results = []
for model, output in [("logreg", "probability"), ("mlp", "probabilities"), ("cnn", "probability"), ("gbt", "probabilities")]:
    options = ort.SessionOptions()
    options.intra_op_num_threads = 1
    options.inter_op_num_threads = 1
    session = ort.InferenceSession(os.path.join(FIXTURES, f"{model}.onnx"), options, providers=["CPUExecutionProvider"])
    for i in range(50):
        session.run([output], {"features": rows[i % len(rows)]})
    samples, started, i = [], time.perf_counter(), 0
    while len(samples) < 2000 or time.perf_counter() - started < 0.5:
        feed = {"features": rows[i % len(rows)]}
        t = time.perf_counter()
        session.run([output], feed)
        samples.append((time.perf_counter() - t) * 1e3)
        i += 1
    samples.sort()
    rank = lambda q: samples[max(1, int(np.ceil(q * len(samples)))) - 1]
    results.append({"model": model, "engine": f"python onnxruntime {ort.__version__}", "p50_ms": rank(0.5), "p90_ms": rank(0.9),
                    "p99_ms": rank(0.99), "mean_ms": sum(samples) / len(samples), "queries": len(samples)})
print(json.dumps(results))
