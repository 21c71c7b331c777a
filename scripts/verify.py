#!/usr/bin/env python3
"""Checks a document jiebang signed (a report, a snapshot, an audit checkpoint or a task agreement, as downloaded)
with no jiebang code: `pip install cryptography rfc8785`, then
`python3 verify.py report.json <public key hex from /api/v1/keys>`. docs/verify.md explains it."""

import json
import sys

import rfc8785
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey


def verify(signed: dict, public_key_hex: str) -> bool:
    document = next(signed[k] for k in ("report", "snapshot", "checkpoint", "agreement") if k in signed)
    key = Ed25519PublicKey.from_public_bytes(bytes.fromhex(public_key_hex))
    try:
        key.verify(bytes.fromhex(signed["signature"]), rfc8785.dumps(document))
        return True
    except InvalidSignature:
        return False


if __name__ == "__main__":
    path, public_key = sys.argv[1], sys.argv[2]
    with open(path, encoding="utf-8") as f:
        ok = verify(json.load(f), public_key)
    print(f"{path}: {'signature valid' if ok else 'SIGNATURE INVALID'}")
    sys.exit(0 if ok else 1)
