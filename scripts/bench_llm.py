"""Running a delivered GGUF model on the platform (issue 18), run by scripts/bench
(`JIEBANG_BENCH_ONLY=llm`): `jiebang eval llm` serves the same model with the built-in runner
(candle) and with llama.cpp (llama-cpp-python's server as the reference runtime), one thread
each, both with an F32 KV cache, and puts the same questions to both, one at a time, in
counterbalanced order; output is counted the same way on both sides.
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
                 "--n_threads {threads} --n_ctx 2048 --type_k 0 --type_v 0 --model_alias delivered --interrupt_requests false")
    out = subprocess.run([str(binary), "eval", "llm", "--model", str(model), "--runtime", runtime, "--reference-command", reference,
                          "--reference-name", "llama.cpp", "--questions", str(questions), "--truth", str(truth),
                          "--task", "generation", "--metric", "exact_match", "--max-tokens", str(MAX_TOKENS), "--threads", "1",
                          "--transcript", str(transcript)], capture_output=True, text=True, check=True).stdout
    report = json.loads(out)
    records = [json.loads(line)["record"] for line in open(transcript, encoding="utf-8").readlines()[1:]]
    m = report["metrics"]
    return {"ttft_p50_ms": m["ttft_p50_ms"], "wall_s": report["levels"][0]["run"]["wall_ms"] / 1000,
            "peak_memory_mb": m["peak_memory_mb"], "load_time_s": m["load_time_s"],
            "answers": {r["id"]: r["exchange"]["answer"] for r in records},
            "tokens": {r["id"]: (r["exchange"].get("usage") or {}).get("completion_tokens") for r in records}}


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
                print(f"run {model}: {[(k, v) for k, v in results['builtin'][-1].items() if k not in ('answers', 'tokens')]} / "
                      f"{[(k, v) for k, v in results['reference'][-1].items() if k not in ('answers', 'tokens')]}", file=sys.stderr, flush=True)
            # llama-cpp-python drops bytes that are not UTF-8 where the runner shows U+FFFD (a
            # random model babbles such bytes), so answers are compared without U+FFFD. When all
            # agree, the tokens are the same and the runner's usage counts both sides; otherwise
            # both sides count characters.
            text = lambda r: {k: a.replace("\ufffd", "") for k, a in r["answers"].items()}
            first = text(results["builtin"][0])
            same = sum(first[k] == v for k, v in text(results["reference"][0]).items())
            tokens = sum(results["builtin"][0]["tokens"].values()) if same == QUESTIONS else None
            for r in results["builtin"] + results["reference"]:
                r["out_per_s"] = (tokens if tokens else sum(len(a) for a in text(r).values())) / r["wall_s"]
            notes.append((model, same, "tokens" if tokens else "characters"))
            mean = lambda side, key: statistics.mean(r[key] for r in results[side])
            unit = "tokens" if tokens else "characters"
            for key, label in [("out_per_s", f"output {unit}/s"), ("ttft_p50_ms", "TTFT p50 (ms)"),
                               ("peak_memory_mb", "peak memory (MiB)"), ("load_time_s", "load time (s)")]:
                ours, theirs = mean("builtin", key), mean("reference", key)
                rows.append(f"| {model} | {label} | {theirs:.2f} | {ours:.2f} | {ours / theirs:.2f}× |")
    version = subprocess.run([str(LLAMA_PYTHON), "-c", "import llama_cpp; print(llama_cpp.__version__)"], capture_output=True,
                             text=True, check=True).stdout.strip()
    table = "\n".join(rows)
    same = "; ".join(f"{m}: {n} of {QUESTIONS} (output counted in {u})" for m, n, u in notes)
    return f"""
## Running a delivered GGUF model: the built-in runner and llama.cpp

`jiebang eval llm` serves the seeded random 4-layer, 11-million-parameter model of
`scripts/llm-fixtures.py --bench` (F32, and the same weights in Q8_0) with the built-in runner
(candle) and with llama.cpp (llama-cpp-python {version}'s server as `--runtime reference`), one
thread each, both with an F32 KV cache, and puts {QUESTIONS} short questions to each, one at a time (`max_tokens`
{MAX_TOKENS}, greedy); {RUNS} runs per runtime in counterbalanced order, means shown. Identical
greedy answers from the two runtimes (bytes that are not UTF-8 left out: llama-cpp-python drops
them, the runner shows U+FFFD): {same}. Where every answer agrees the tokens are the same and the
runner's usage counts both sides' output (llama-cpp-python's streams carry no usage); otherwise
both sides count characters. They differ here because llama-cpp-python's server applies its own
default `repeat_penalty` of 1.1, which an OpenAI-compatible request cannot turn off; token-for-
token equality of greedy decoding is tested in-process instead (`cargo test -p jiebang-llm --test
it -- --ignored`, against llama.cpp's own greedy tokens). Peak memory is the serving process tree's; load time runs from starting the
server to its first answer. `JIEBANG_BENCH_ONLY=llm scripts/bench` refreshes this section.

| model | measurement | llama.cpp | built-in runner | built-in / llama.cpp |
|---|---|---:|---:|---:|
{table}

Read the ratios with care: the model is tiny
(11 M parameters), so each token's matrix work is a fraction of a millisecond and the reference's
per-request and per-chunk cost in Python (llama-cpp-python's FastAPI server) weighs most — it
shows in TTFT. On a model of billions of parameters the kernels decide, and llama.cpp's
hand-tuned ones are expected to lead; this machine cannot hold one to measure it. The runner
answers one request at a time and keeps its KV cache in F32.
"""
