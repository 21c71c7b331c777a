"""Writes the tiny GGUF models the large-model tests serve with llama.cpp, using the PyPI
`gguf` package (the writer llama.cpp's own converters use):

- `constant-b.gguf`: a 2-layer llama whose greedy answer to anything is "B" and then its end
  token. Its attention and feed-forward weights are zero, so the last position's hidden state is
  its token's embedding: every token but "B" embeds as e0 and "B" as e1; the output layer maps
  e0 to "B" and e1 to <|im_end|>. A multiple-choice bank's accuracy is therefore exactly the
  share of questions whose answer is B.
- `random.gguf`: the same shape with seeded random weights: it babbles until max_tokens, for
  serving measurements.
- with `--bench`, also `bench.gguf`: random weights at 512 wide, 4 layers (11 M parameters), so
  that the server's work, not the client's, sets the times the benchmarks compare; and
  `bench-q8_0.gguf`, the same in Q8_0.

- `qwen2.gguf`: a random 2-layer qwen2 (attention biases) whose vocabulary has merges learned
  from a small Chinese and English corpus, pre-split `qwen2`: the tokenizer is really tested.
- `random-q8_0.gguf`: `random.gguf` with its matrices quantized to Q8_0.
- hostile files the header check must refuse cleanly: `hostile-truncated.gguf` (cut in half),
  `hostile-trillion.gguf` (a header claiming 10^12 tensors), `hostile-duplicate-vocab.gguf`
  (a token listed twice, which aborts llama.cpp), `hostile-unknown-arch.gguf`; and
  `memory-hog.gguf`, a valid qwen2 claiming a context of 2^30 positions, whose rotary tables
  a runner that believes it tries to allocate (tens of GB).

The llama family ones use a byte-level BPE vocabulary (GPT-2's 256 byte symbols, one merge,
ChatML's special tokens) and ChatML's chat template in the metadata, as Qwen's models do.

With `--oracle`, llama.cpp itself (llama-cpp-python, installed beside this script's `gguf`)
writes `greedy.json`: for each test model and conversation, the prompt the chat template
renders (Jinja, blocks trimmed as llama.cpp's and Hugging Face's renderers do), its token ids
and the greedy continuation's token ids — what the built-in runner must reproduce exactly.

Usage: python scripts/llm-fixtures.py OUT_DIR [--bench] [--oracle]
"""

import json
from collections import Counter

import sys
from pathlib import Path

import numpy as np
import gguf

HEADS, CONTEXT = 4, 2048
EMBED, FFN, LAYERS = 64, 128, 2
CHATML = (
    "{% for message in messages %}{{'<|im_start|>' + message['role'] + '\\n' + message['content'] + '<|im_end|>' + '\\n'}}"
    "{% endfor %}{% if add_generation_prompt %}{{ '<|im_start|>assistant\\n' }}{% endif %}"
)


def byte_symbols():
    """GPT-2's bytes_to_unicode: each byte as one printable character."""
    printable = list(range(ord("!"), ord("~") + 1)) + list(range(ord("¡"), ord("¬") + 1)) + list(range(ord("®"), ord("ÿ") + 1))
    symbols, extra = {}, 0
    for b in range(256):
        if b in printable:
            symbols[b] = chr(b)
        else:
            symbols[b] = chr(256 + extra)
            extra += 1
    return [symbols[b] for b in range(256)]


def vocabulary():
    tokens = byte_symbols() + ["Ġt", "<|endoftext|>", "<|im_start|>", "<|im_end|>"]
    types = [gguf.TokenType.NORMAL] * 257 + [gguf.TokenType.CONTROL] * 3
    return tokens, types


CORPUS = """请简述反应釜的安全联锁要求。反应釜温度超过上限时应自动切断进料。
安全联锁系统应定期检验。The answer is B. The reactor interlock trips on high temperature.
以下是中国关于化工安全的单项选择题，请选出其中的正确答案。答案：A B C D"""


def trained_vocabulary(merges_wanted=80):
    """Byte symbols, merges learned greedily from CORPUS (ties broken by the pair), ChatML."""
    symbols = byte_symbols()
    words = []
    for i, word in enumerate(CORPUS.replace("\n", " ").split(" ")):
        text = (" " if i else "") + word
        words.append([symbols[b] for b in text.encode("utf-8")])
    merges = []
    for _ in range(merges_wanted):
        counts = Counter(pair for w in words for pair in zip(w, w[1:]))
        if not counts:
            break
        (a, b), n = max(counts.items(), key=lambda kv: (kv[1], kv[0]))
        if n < 2:
            break
        merges.append((a, b))
        merged = []
        for w in words:
            out, i = [], 0
            while i < len(w):
                if i + 1 < len(w) and w[i] == a and w[i + 1] == b:
                    out.append(a + b)
                    i += 2
                else:
                    out.append(w[i])
                    i += 1
            merged.append(out)
        words = merged
    tokens = list(symbols)
    for a, b in merges:
        if a + b not in tokens:
            tokens.append(a + b)
    specials = ["<|endoftext|>", "<|im_start|>", "<|im_end|>"]
    types = [gguf.TokenType.NORMAL] * len(tokens) + [gguf.TokenType.CONTROL] * len(specials)
    return tokens + specials, types, [f"{a} {b}" for a, b in merges]


def write(path, weights, embed=None, ffn=None, layers=None, arch="llama", vocab=None, pre="default", context=CONTEXT,
          quantize=False, tokens_override=None):
    global EMBED, FFN, LAYERS
    EMBED, FFN, LAYERS = embed or EMBED, ffn or FFN, layers or LAYERS
    tokens, types = vocabulary()
    merges = ["Ġ t"]
    if vocab is not None:
        tokens, types, merges = vocab
    if tokens_override is not None:
        tokens = tokens_override(tokens)
    writer = gguf.GGUFWriter(str(path), arch)
    writer.add_name(path.stem)
    writer.add_context_length(context)
    writer.add_embedding_length(EMBED)
    writer.add_block_count(LAYERS)
    writer.add_feed_forward_length(FFN)
    writer.add_head_count(HEADS)
    writer.add_head_count_kv(HEADS)
    writer.add_rope_dimension_count(EMBED // HEADS)
    writer.add_layer_norm_rms_eps(1e-5)
    writer.add_file_type(gguf.LlamaFileType.MOSTLY_Q8_0 if quantize else gguf.LlamaFileType.ALL_F32)
    writer.add_tokenizer_model("gpt2")
    writer.add_tokenizer_pre(pre)
    writer.add_token_list(tokens)
    writer.add_token_types(types)
    writer.add_token_merges(merges)
    writer.add_bos_token_id(tokens.index("<|endoftext|>"))
    writer.add_eos_token_id(tokens.index("<|im_end|>"))
    writer.add_add_bos_token(False)
    writer.add_chat_template(CHATML)
    if arch == "qwen2":
        writer.add_rope_freq_base(1000000.0)
    for name, array in weights(len(tokens)).items():
        array = array.astype(np.float32)
        if quantize and array.ndim == 2:
            q = gguf.quants.quantize(array, gguf.GGMLQuantizationType.Q8_0)
            writer.add_tensor(name, q, raw_shape=q.shape, raw_dtype=gguf.GGMLQuantizationType.Q8_0)
        else:
            writer.add_tensor(name, array)
    writer.write_header_to_file()
    writer.write_kv_data_to_file()
    writer.write_tensors_to_file()
    writer.close()


def constant_b(vocab):
    tokens, _ = vocabulary()
    b, end = tokens.index("B"), tokens.index("<|im_end|>")
    embeddings = np.zeros((vocab, EMBED))
    embeddings[:, 0] = 1.0
    embeddings[b] = 0.0
    embeddings[b, 1] = 1.0
    output = np.zeros((vocab, EMBED))
    output[b, 0] = 1.0
    output[end, 1] = 1.0
    weights = {"token_embd.weight": embeddings, "output_norm.weight": np.ones(EMBED), "output.weight": output}
    for layer in range(LAYERS):
        weights.update(block(layer, lambda shape: np.zeros(shape)))
    return weights


def random_weights(vocab):
    rng = np.random.default_rng(20261203)
    normal = lambda shape: rng.normal(0.0, 0.05, shape)
    weights = {"token_embd.weight": normal((vocab, EMBED)), "output_norm.weight": np.ones(EMBED),
               "output.weight": normal((vocab, EMBED))}
    for layer in range(LAYERS):
        weights.update(block(layer, normal))
    return weights


def qwen2_weights(vocab):
    weights = random_weights(vocab)
    rng = np.random.default_rng(7)
    for layer in range(LAYERS):
        for part in ("q", "k", "v"):
            weights[f"blk.{layer}.attn_{part}.bias"] = rng.normal(0.0, 0.05, EMBED)
    return weights


def block(layer, fill):
    p = f"blk.{layer}."
    return {
        p + "attn_norm.weight": np.ones(EMBED),
        p + "attn_q.weight": fill((EMBED, EMBED)),
        p + "attn_k.weight": fill((EMBED, EMBED)),
        p + "attn_v.weight": fill((EMBED, EMBED)),
        p + "attn_output.weight": fill((EMBED, EMBED)),
        p + "ffn_norm.weight": np.ones(EMBED),
        p + "ffn_gate.weight": fill((FFN, EMBED)),
        p + "ffn_up.weight": fill((FFN, EMBED)),
        p + "ffn_down.weight": fill((EMBED, FFN)),
    }


CONVERSATIONS = [
    [{"role": "user", "content": "请简述反应釜的安全联锁要求。"}],
    [{"role": "system", "content": "你是化工安全助手。"},
     {"role": "user", "content": "以下是单项选择题：反应釜温度超过上限时应？\nA. 继续进料\nB. 自动切断进料\n答案："}],
    [{"role": "user", "content": "The reactor's interlock trips at 120 °C; what's next?  Answer in 3 words."}],
]
ORACLE_STEPS = 24


def hostile(out):
    whole = (out / "random.gguf").read_bytes()
    (out / "hostile-truncated.gguf").write_bytes(whole[: len(whole) // 2])
    trillion = bytearray(whole)
    trillion[8:16] = (10**12).to_bytes(8, "little")
    (out / "hostile-trillion.gguf").write_bytes(bytes(trillion))
    write(out / "hostile-duplicate-vocab.gguf", random_weights, tokens_override=lambda t: t[:100] + [t[99]] + t[101:])
    write(out / "hostile-unknown-arch.gguf", random_weights, arch="jiebang-unknown")
    write(out / "memory-hog.gguf", qwen2_weights, arch="qwen2", vocab=trained_vocabulary(), pre="qwen2", context=1 << 30)


def oracle(out):
    """llama.cpp's prompts, prompt tokens and greedy tokens for the test models."""
    import jinja2
    import llama_cpp
    cases = []
    for name in ["random.gguf", "qwen2.gguf", "random-q8_0.gguf"]:
        # The KV cache in F32, as the built-in runner keeps it (llama.cpp's default is F16).
        llm = llama_cpp.Llama(str(out / name), n_ctx=512, n_threads=1, type_k=0, type_v=0, verbose=False)
        template = jinja2.Environment(trim_blocks=True, lstrip_blocks=True).from_string(llm.metadata["tokenizer.chat_template"])
        for messages in CONVERSATIONS:
            prompt = template.render(messages=messages, add_generation_prompt=True, bos_token="", eos_token="")
            prompt_tokens = llm.tokenize(prompt.encode("utf-8"), add_bos=False, special=True)
            output = []
            for token in llm.generate(prompt_tokens, top_k=1, top_p=1.0, temp=0.0, repeat_penalty=1.0, reset=True):
                if llama_cpp.llama_vocab_is_eog(llama_cpp.llama_model_get_vocab(llm.model), token) or len(output) == ORACLE_STEPS:
                    break
                output.append(token)
            cases.append({"model": name, "messages": messages, "prompt": prompt, "prompt_tokens": prompt_tokens,
                          "greedy": output})
        llm.close()
    (out / "greedy.json").write_text(json.dumps({"llama_cpp": llama_cpp.__version__, "cases": cases}, ensure_ascii=False, indent=1))


if __name__ == "__main__":
    out = Path(sys.argv[1])
    out.mkdir(parents=True, exist_ok=True)
    write(out / "constant-b.gguf", constant_b)
    write(out / "random.gguf", random_weights)
    write(out / "random-q8_0.gguf", random_weights, quantize=True)
    write(out / "qwen2.gguf", qwen2_weights, arch="qwen2", vocab=trained_vocabulary(), pre="qwen2")
    hostile(out)
    if "--bench" in sys.argv:
        write(out / "bench.gguf", random_weights, embed=512, ffn=1024, layers=4)
        write(out / "bench-q8_0.gguf", random_weights, embed=512, ffn=1024, layers=4, quantize=True)
    if "--oracle" in sys.argv:
        oracle(out)
