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
  that the server's work, not the client's, sets the times the benchmark compares.

Both use a byte-level BPE vocabulary (GPT-2's 256 byte symbols, one merge, ChatML's special
tokens) and ChatML's chat template in the metadata, as Qwen's models do.

Usage: python scripts/llm-fixtures.py OUT_DIR [--bench]
"""

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


def write(path, weights, embed=None, ffn=None, layers=None):
    global EMBED, FFN, LAYERS
    EMBED, FFN, LAYERS = embed or EMBED, ffn or FFN, layers or LAYERS
    tokens, types = vocabulary()
    writer = gguf.GGUFWriter(str(path), "llama")
    writer.add_name(path.stem)
    writer.add_context_length(CONTEXT)
    writer.add_embedding_length(EMBED)
    writer.add_block_count(LAYERS)
    writer.add_feed_forward_length(FFN)
    writer.add_head_count(HEADS)
    writer.add_head_count_kv(HEADS)
    writer.add_rope_dimension_count(EMBED // HEADS)
    writer.add_layer_norm_rms_eps(1e-5)
    writer.add_file_type(gguf.LlamaFileType.ALL_F32)
    writer.add_tokenizer_model("gpt2")
    writer.add_tokenizer_pre("default")
    writer.add_token_list(tokens)
    writer.add_token_types(types)
    writer.add_token_merges(["Ġ t"])
    writer.add_bos_token_id(tokens.index("<|endoftext|>"))
    writer.add_eos_token_id(tokens.index("<|im_end|>"))
    writer.add_add_bos_token(False)
    writer.add_chat_template(CHATML)
    for name, array in weights(len(tokens)).items():
        writer.add_tensor(name, array.astype(np.float32))
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
    weights = {"token_embd.weight": normal((vocab, EMBED)), "output_norm.weight": np.ones(EMBED), "output.weight": normal((vocab, EMBED))}
    for layer in range(LAYERS):
        weights.update(block(layer, normal))
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


if __name__ == "__main__":
    out = Path(sys.argv[1])
    out.mkdir(parents=True, exist_ok=True)
    write(out / "constant-b.gguf", constant_b)
    write(out / "random.gguf", random_weights)
    if "--bench" in sys.argv:
        write(out / "bench.gguf", random_weights, embed=512, ffn=1024, layers=4)
