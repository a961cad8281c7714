#!/usr/bin/env python3
"""Writes the decoder fuzzer's seed corpus from the captured Debezium records.

    tests/fuzz/make_seeds.py OUT_DIR

One seed per captured record (tests/data/debezium/**/*.jsonl, kcat -J lines), in the layout
decoder_fuzz.cc reads: flags byte, 2-byte little-endian key length, key, value.
"""
import json
import pathlib
import sys

root = pathlib.Path(__file__).resolve().parents[2] / "tests" / "data" / "debezium"
out = pathlib.Path(sys.argv[1])
out.mkdir(parents=True, exist_ok=True)
n = 0
for path in sorted(root.rglob("*.jsonl")):
    for line in path.read_text().splitlines():
        record = json.loads(line)
        key = (record.get("key") or "").encode()
        value = record.get("payload")
        flags = (1 if record.get("key") is None else 0) | (2 if value is None else 0)
        headers = record.get("headers") or []
        names = headers[0::2]
        if "__debezium.oldkey" in names:
            flags |= 8
        if "__debezium.newkey" in names:
            flags |= 16
        flags |= (n % 4) << 5
        data = bytes([flags]) + len(key).to_bytes(2, "little") + key + (value or "").encode()
        (out / f"seed-{n:04d}").write_bytes(data)
        n += 1
print(f"{n} seeds in {out}")
