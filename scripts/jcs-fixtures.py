#!/usr/bin/env python3
"""Writes crates/jiebang-store/tests/fixtures/canonical.jsonl: seeded report-like JSON documents
with awkward numbers (17 significant digits, subnormals, 1e-300, -0.0, the 1e21 and 1e-7 format
thresholds), Chinese text, control characters, astral-plane keys and nested arrays, each with its
RFC 8785 canonical form as the `rfc8785` package (PyPI) writes it. The Rust suite requires
jiebang's canonical form to be byte for byte the same. scripts/test regenerates the file and fails
if it differs. Run in a venv with rfc8785 and cryptography installed."""

import json
import pathlib
import random
import struct

import rfc8785

OUT = pathlib.Path(__file__).resolve().parent.parent / "crates/jiebang-store/tests/fixtures/canonical.jsonl"
COUNT = 1000
SPECIAL = [
    0.0, -0.0, 1.0, -1.0, 5e-324, -5e-324, 2.2250738585072014e-308, 2.225073858507201e-308,
    1.7976931348623157e308, 1e-300, 1e300, 1e21, 1e-7, 1e-6, 9.999999999999997e-7, 1e20,
    999999999999999700000.0, 0.1 + 0.2, 0.9589014084507043, 0.9589014084507044,
    9007199254740992.0, 123456789012345680.0, 1.5e-7, 333333333.33333325,
]
TEXTS = ["揭榜挂帅", "云鼎化工行业大模型", "节水灌溉装备大模型", "济南", "青岛", "tab\there", 'quote " and \\',
         "line\nbreak", "\u0001\u001f\u007f", "emoji 😀", "דּ", "é", "", "null", "1e5"]
KEYS = ["roc_auc", "f1@0.5", "指标", "team", "😀", "\ufb33", "a", "B", "_", "10", "2", "é", "latency_p99_ms"]


def number(rng):
    pick = rng.random()
    if pick < 0.25:
        return rng.choice(SPECIAL) * rng.choice([1, -1])
    if pick < 0.5:
        while True:
            x = struct.unpack("<d", rng.getrandbits(64).to_bytes(8, "little"))[0]
            if x == x and abs(x) != float("inf"):
                return x
    if pick < 0.6:
        # Subnormals.
        return struct.unpack("<d", rng.getrandbits(52).to_bytes(8, "little"))[0]
    if pick < 0.8:
        return rng.random()  # 17 significant digits, the usual metric
    if pick < 0.9:
        return rng.randint(-(2**53) + 1, 2**53 - 1)
    return rng.randint(0, 100000)


def value(rng, depth):
    pick = rng.random()
    if depth > 3 or pick < 0.45:
        return number(rng)
    if pick < 0.6:
        return rng.choice(TEXTS)
    if pick < 0.65:
        return rng.choice([True, False, None])
    if pick < 0.8:
        return [value(rng, depth + 1) for _ in range(rng.randint(0, 4))]
    return {rng.choice(KEYS) + rng.choice(["", "_2", "指"]): value(rng, depth + 1) for _ in range(rng.randint(0, 4))}


def main():
    rng = random.Random(8785)
    lines = []
    for i in range(COUNT):
        document = {
            "submission": i,
            "team": {"name": rng.choice(TEXTS), "members": [rng.choice(TEXTS) for _ in range(2)]},
            "metrics": {rng.choice(KEYS): number(rng) for _ in range(4)},
            "extra": value(rng, 0),
        }
        text = json.dumps(document, ensure_ascii=rng.random() < 0.5)
        canonical = rfc8785.dumps(document).decode("utf-8")
        lines.append(json.dumps([text, canonical], ensure_ascii=False))
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text("\n".join(lines) + "\n", encoding="utf-8")
    print(f"wrote {COUNT} documents to {OUT}")


if __name__ == "__main__":
    main()
