"""Serving-measurement fixtures for jiebang-chat: seeded random exchanges (answer chunk times,
token counts from usage or counted, failures, truncations) and their measurements computed with
NumPy as vLLM's `calculate_metrics` computes them (np.percentile, linear; TPOT as
(E2E - TTFT) / (tokens - 1)). scripts/test regenerates the file and requires it unchanged; the
Rust suite requires `jiebang_chat::measure::measure` to agree to 1e-9.

Run: target/oracle-venv/bin/python scripts/serving-fixtures.py
"""

import json
import pathlib

import numpy as np

OUT = pathlib.Path(__file__).resolve().parent.parent / "crates/jiebang-chat/tests/fixtures/serving.json"


def case(rng, n):
    exchanges = []
    for _ in range(n):
        kind = rng.choice(["ok", "ok", "ok", "ok", "length", "failed"])
        if kind == "failed":
            exchanges.append({"failed": True})
            continue
        ttft = float(np.round(rng.uniform(20, 900), 3))
        chunks = int(rng.integers(1, 12))
        gaps = np.round(rng.uniform(1, 80, size=chunks - 1), 3)
        times = [ttft] + [float(ttft + g) for g in np.cumsum(gaps)]
        usage = bool(rng.integers(0, 2))
        tokens = int(chunks + rng.integers(0, 4)) if usage else chunks
        exchanges.append({"chunks_ms": times, "usage_tokens": tokens if usage else None, "truncated": kind == "length"})
    wall = float(np.round(rng.uniform(1000, 20000), 3))
    slo = {"ttft_ms": float(np.round(rng.uniform(100, 800), 3)), "tpot_ms": float(np.round(rng.uniform(5, 60), 3))}
    return {"exchanges": exchanges, "wall_ms": wall, "slo": slo, "expected": measure(exchanges, wall, slo)}


def measure(exchanges, wall, slo):
    ttft, tpot, itl, e2e = [], [], [], []
    out_tokens = answered = good = truncated = failed = 0
    for e in exchanges:
        if e.get("failed"):
            failed += 1
            continue
        times = e["chunks_ms"]
        # Counted tokens: the fixture's answers carry one character per chunk.
        n = e["usage_tokens"] if e["usage_tokens"] is not None else len(times)
        answered += 1
        out_tokens += n
        first, last = times[0], times[-1]
        ttft.append(first)
        e2e.append(last)
        per_token = (last - first) / (n - 1) if n > 1 else None
        if per_token is not None:
            tpot.append(per_token)
        itl.extend(np.diff(times).tolist())
        truncated += e["truncated"]
        if first <= slo["ttft_ms"] and (per_token if per_token is not None else 0.0) <= slo["tpot_ms"]:
            good += 1
    total = max(len(exchanges), 1)
    seconds = wall / 1000.0
    values = {
        "error_rate": failed / total,
        "truncation_rate": truncated / total,
        "goodput": good / total,
        "output_tokens_per_s": out_tokens / seconds,
        "requests_per_s": answered / seconds,
    }
    for name, samples, q in [
        ("ttft_p50_ms", ttft, 50), ("ttft_p90_ms", ttft, 90), ("ttft_p99_ms", ttft, 99),
        ("tpot_p99_ms", tpot, 99), ("itl_p99_ms", itl, 99), ("e2e_p99_ms", e2e, 99),
    ]:
        if samples:
            values[name] = float(np.percentile(samples, q))
    if tpot:
        values["tpot_mean_ms"] = float(np.mean(tpot))
    return values


def main():
    rng = np.random.default_rng(20261202)
    cases = [case(rng, int(rng.integers(1, 60))) for _ in range(300)]
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text(json.dumps({"numpy": np.__version__, "cases": cases}, separators=(",", ":")) + "\n")
    print(f"wrote {len(cases)} cases to {OUT}")


if __name__ == "__main__":
    main()
