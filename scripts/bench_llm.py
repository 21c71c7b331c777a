"""Running a delivered GGUF model on the platform (issue 18), run by scripts/bench
(`JIEBANG_BENCH_ONLY=llm`): `jiebang eval llm` serves the same model with the built-in runner
(candle) and with llama.cpp (llama-cpp-python's server as the reference runtime), one thread
each, and puts the same questions to both, one at a time, in counterbalanced order. Every answer
of the random model runs to max_tokens on both (asserted), so output tokens per second is
answers × max_tokens / wall time on both sides, whatever each server says about usage.
"""
import json
import os
import pathlib
import statistics
import subprocess
import sys
import tempfile

from bench_serving import LLAMA_PYTHON, bench_bank

ROOT = pathlib.Path(__file__).resolve().parent.parent
HEADING = "\n## Running a delivered GGUF model: the built-in runner and llama.cpp"
QUESTIONS = int(os.environ.get("JIEBANG_BENCH_QUESTIONS", 50))
RUNS = int(os.environ.get("JIEBANG_BENCH_RUNS", 4))
MAX_TOKENS = 64


def one(binary, model, runtime, questions, truth, transcript):
    reference = (f"{LLAMA_PYTHON} -m llama_cpp.server --model {{model}} --host 127.0.0.1 --port {{port}} "
                 "--n_threads {threads} --n_ctx 2048 --model_alias delivered --interrupt_requests false")
    out = subprocess.run([str(binary), "eval", "llm", "--model", str(model), "--runtime", runtime, "--reference-command", reference,
                          "--reference-name", "llama.cpp", "--questions", str(questions), "--truth", str(truth),
                          "--task", "generation", "--metric", "exact_match", "--max-tokens", str(MAX_TOKENS), "--threads", "1",
                          "--transcript", str(transcript)], capture_output=True, text=True, check=True).stdout
    report = json.loads(out)
    records = [json.loads(line)["record"] for line in open(transcript, encoding="utf-8")][1:]
    assert all(r["exchange"]["finish_reason"] == "length" for r in records), "every answer runs to max_tokens"
    wall_s = report["levels"][0]["run"]["wall_ms"] / 1000
    m = report["metrics"]
    return {"ttft_p50_ms": m["ttft_p50_ms"], "tokens_per_s": len(records) * MAX_TOKENS / wall_s,
            "peak_memory_mb": m["peak_memory_mb"], "load_time_s": m["load_time_s"]}


def runners():
    binary = pathlib.Path(os.environ.get("CARGO_TARGET_DIR", ROOT / "target")) / "release" / "jiebang"
    rows, notes = [], []
    with tempfile.TemporaryDirectory() as directory:
        d = pathlib.Path(directory)
        questions, truth = bench_bank(d, QUESTIONS)
        for model in ["bench.gguf", "bench-q8_0.gguf"]:
            results = {"builtin": [], "reference": []}
            for i in range(RUNS):
                for runtime in (("builtin", "reference") if i % 2 == 0 else ("reference", "builtin")):
                    results[runtime].append(one(binary, d / model, runtime, questions, truth, d / "t.jsonl"))
                print(f"run {model}: {results['builtin'][-1]} / {results['reference'][-1]}", file=sys.stderr, flush=True)
            mean = lambda side, key: statistics.mean(r[key] for r in results[side])
            for key, label in [("tokens_per_s", "output tokens/s"), ("ttft_p50_ms", "TTFT p50 (ms)"),
                               ("peak_memory_mb", "peak memory (MiB)"), ("load_time_s", "load time (s)")]:
                ours, theirs = mean("builtin", key), mean("reference", key)
                rows.append(f"| {model} | {label} | {theirs:.2f} | {ours:.2f} | {ours / theirs:.2f}× |")
            notes.append((model, mean("builtin", "tokens_per_s") / mean("reference", "tokens_per_s")))
    version = subprocess.run([str(LLAMA_PYTHON), "-c", "import llama_cpp; print(llama_cpp.__version__)"], capture_output=True,
                             text=True, check=True).stdout.strip()
    table = "\n".join(rows)
    speed = "; ".join(f"{m}: {r:.2f}× llama.cpp's tokens/s" for m, r in notes)
    return f"""
## Running a delivered GGUF model: the built-in runner and llama.cpp

`jiebang eval llm` serves the seeded random 4-layer, 11-million-parameter model of
`scripts/llm-fixtures.py --bench` (F32, and the same weights in Q8_0) with the built-in runner
(candle) and with llama.cpp (llama-cpp-python {version}'s server as `--runtime reference`), one
thread each, and puts {QUESTIONS} short questions to each, one at a time (`max_tokens`
{MAX_TOKENS}, greedy); {RUNS} runs per runtime in counterbalanced order, means shown. Every
answer runs to `max_tokens` on both (checked), so tokens/s is answers × {MAX_TOKENS} / wall time
on both sides. Peak memory is the serving process tree's; load time runs from starting the
server to its first answer. `JIEBANG_BENCH_ONLY=llm scripts/bench` refreshes this section.

| model | measurement | llama.cpp | built-in runner | built-in / llama.cpp |
|---|---|---:|---:|---:|
{table}

How far the built-in runner is from llama.cpp: {speed}. Both run the same greedy tokens
(`cargo test -p jiebang-llm --test it -- --ignored`); the runner answers one request at a time
and keeps its KV cache in F32.
"""
