#!/usr/bin/env python3
"""Regenerates crates/jiebang-eval/tests/fixtures/metrics.json: randomized cases (ties, string and
Chinese class labels, zeros in regression truth, single-class truths) with the values
scikit-learn computes for them. The Rust suite checks every value to 1e-9.

Run with a Python that has scikit-learn and numpy:  python3 scripts/metric-fixtures.py
"""
import json
import pathlib
import warnings

import numpy as np
import sklearn
from sklearn import metrics as m

warnings.simplefilter("ignore")
rng = np.random.default_rng(20251122)
datasets = []
cases = []


def add(task, metric, data, compute):
    """Records scikit-learn's value (None where it raises or returns NaN) for `data`."""
    if not datasets or datasets[-1] is not data:
        datasets.append(data)
    try:
        value = float(compute())
        if not np.isfinite(value):
            value = None
    except ValueError:
        value = None
    cases.append({"dataset": len(datasets) - 1, "task": task, "metric": metric, "expected": value})


for i in range(60):
    n = int(rng.integers(1, 200))
    truth = rng.integers(0, 2, n)
    if i % 10 == 0:
        truth[:] = i % 20 == 0  # single-class truths
    decimals = [1, 2, 6][i % 3]  # coarse scores make many ties
    score = np.round(rng.random(n), decimals)
    data = {"truth": truth.tolist(), "score": score.tolist()}
    add("binary", "roc_auc", data, lambda: m.roc_auc_score(truth, score))
    add("binary", "average_precision", data, lambda: m.average_precision_score(truth, score))
    add("binary", "log_loss", data, lambda: m.log_loss(truth, score, labels=[0, 1]))
    for t in [0.5, 0.3, 0.71]:
        pred = (score >= t).astype(int)
        add("binary", f"accuracy@{t}", data, lambda: m.accuracy_score(truth, pred))
        add("binary", f"precision@{t}", data, lambda: m.precision_score(truth, pred, zero_division=0))
        add("binary", f"recall@{t}", data, lambda: m.recall_score(truth, pred, zero_division=0))
        add("binary", f"f1@{t}", data, lambda: m.f1_score(truth, pred, zero_division=0))
        add("binary", f"balanced_accuracy@{t}", data, lambda: m.balanced_accuracy_score(truth, pred))
        add("binary", f"mcc@{t}", data, lambda: m.matthews_corrcoef(truth, pred))

label_sets = [["正常", "内圈故障", "外圈故障", "滚动体故障"], ["cat", "dog", "bird"], ["A", "B", "C", "D", "E", "F"]]
for i in range(45):
    labels = label_sets[i % 3]
    classes = sorted(labels)
    n = int(rng.integers(2, 200))
    truth = rng.choice(labels[: max(2, len(labels) - i % 2)], n)
    predicted = np.where(rng.random(n) < 0.6, truth, rng.choice(labels, n))
    raw = rng.dirichlet(np.ones(len(classes)), n)
    proba = np.round(raw, 2) if i % 2 else raw  # rounding makes ties (rows may not sum to 1)
    data = {"classes": classes, "truth": truth.tolist(), "predicted": predicted.tolist(), "probabilities": proba.tolist()}
    add("multiclass", "accuracy", data, lambda: m.accuracy_score(truth, predicted))
    for average in ["macro", "micro", "weighted"]:
        add("multiclass", f"f1_{average}", data, lambda: m.f1_score(truth, predicted, average=average, zero_division=0))
    add("multiclass", "precision_macro", data, lambda: m.precision_score(truth, predicted, average="macro", zero_division=0))
    add("multiclass", "recall_macro", data, lambda: m.recall_score(truth, predicted, average="macro", zero_division=0))
    add("multiclass", "cohen_kappa", data, lambda: m.cohen_kappa_score(truth, predicted))
    add("multiclass", "log_loss", data, lambda: m.log_loss(truth, proba, labels=classes))
    for k in [1, 2, 3]:
        add("multiclass", f"top_k_accuracy@{k}", data, lambda: m.top_k_accuracy_score(truth, proba, k=k, labels=classes))

for i in range(40):
    n = int(rng.integers(1, 200))
    truth = rng.normal(10, 5, n)
    if i % 4 == 0:
        truth[rng.random(n) < 0.3] = 0.0  # zeros: MAPE's epsilon
    if i % 9 == 0:
        truth[:] = 3.0  # constant truth: R² forced finite
    predicted = truth + rng.normal(0, 2, n)
    if i % 5 == 0:
        predicted = np.round(predicted)
    data = {"truth": truth.tolist(), "predicted": predicted.tolist()}
    add("regression", "mse", data, lambda: m.mean_squared_error(truth, predicted))
    add("regression", "rmse", data, lambda: m.root_mean_squared_error(truth, predicted))
    add("regression", "mae", data, lambda: m.mean_absolute_error(truth, predicted))
    add("regression", "mape", data, lambda: m.mean_absolute_percentage_error(truth, predicted))
    add("regression", "r2", data, lambda: m.r2_score(truth, predicted))
    add("regression", "max_error", data, lambda: m.max_error(truth, predicted))
    add("regression", "median_absolute_error", data, lambda: m.median_absolute_error(truth, predicted))

out = pathlib.Path(__file__).resolve().parent.parent / "crates/jiebang-eval/tests/fixtures/metrics.json"
out.write_text(json.dumps({"sklearn": sklearn.__version__, "datasets": datasets, "cases": cases}, ensure_ascii=False, separators=(",", ":")))
print(f"wrote {len(cases)} cases computed by scikit-learn {sklearn.__version__} to {out}")
