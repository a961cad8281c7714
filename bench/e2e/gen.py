#!/usr/bin/env python3
"""Generate N Debezium PostgreSQL change events for the e2e benchmark (bench/e2e/run.sh).

Takes the real Debezium 3.2.7 capture of public.customers (tests/data/debezium/postgres/
cap{noschema,schema}.public.customers.jsonl, kcat -J lines) and cycles through its 13 records
(snapshot reads, inserts, updates, deletes, tombstones, a key change), rewriting the row id
(key, before.id, after.id) so the output spans KEYS distinct keys (a row's update, delete and
tombstone keep the id of its insert), and moving each cycle's source position forward (source.lsn,
the LSNs of source.sequence and source.txId + cycle * POSITION_STEP), so positions keep rising as
Debezium's do: repeated positions would be Debezium re-emissions, which fanout's Kafka route skips
(processing.reemitted_changes). Everything else stays byte-for-byte what Debezium wrote
(re-serialised compactly).

Output: one record per line, `key<TAB>value` for `kcat -P -K '\t' -Z` (empty value = tombstone).
On stderr: `records=N routed=M` where M is the number of non-tombstone change events (each gives
exactly one output record: after-image, or a tombstone for a delete).
"""
import argparse
import json
import sys


POSITION_STEP = 1_000_000  # > the capture's LSN span (~5 KB), so cycles never overlap


def shift_position(source, shift):
    if not isinstance(source, dict) or shift == 0:
        return
    if isinstance(source.get("lsn"), int):
        source["lsn"] += shift
    if isinstance(source.get("txId"), int):
        source["txId"] += shift
    seq = source.get("sequence")
    if isinstance(seq, str):
        lsns = json.loads(seq)
        source["sequence"] = json.dumps([None if x is None else str(int(x) + shift) for x in lsns],
                                        separators=(",", ":"))


def set_id(node, new_id):
    if isinstance(node, dict) and "id" in node:
        node["id"] = new_id


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--source", required=True, help="capture .jsonl (kcat -J format)")
    ap.add_argument("-n", type=int, required=True)
    ap.add_argument("--keys", type=int, default=1000)
    ap.add_argument("-o", "--out", required=True)
    a = ap.parse_args()

    templates = []
    for line in open(a.source):
        r = json.loads(line)
        key = json.loads(r["key"]) if r.get("key") else None
        val = json.loads(r["payload"]) if r.get("payload") else None
        templates.append((key, val))

    orig_ids = [(k.get("payload", k))["id"] for k, _ in templates]
    routed = 0
    sep = (",", ":")
    with open(a.out, "w") as f:
        for i in range(a.n):
            key, val = templates[i % len(templates)]
            # same row of the capture -> same id within a cycle (updates/deletes/tombstones
            # follow their insert); each cycle shifts all ids by 103 (coprime with 1000)
            new_id = ((i // len(templates)) * 103 + orig_ids[i % len(templates)]) % a.keys + 1
            # keys: {"id":1} or {"schema":...,"payload":{"id":1}}
            k = json.loads(json.dumps(key))
            set_id(k.get("payload", k), new_id)
            ks = json.dumps(k, separators=sep)
            if val is None:
                vs = ""
            else:
                v = json.loads(json.dumps(val))
                body = v["payload"] if "schema" in v and "payload" in v else v
                set_id(body.get("before"), new_id)
                set_id(body.get("after"), new_id)
                shift_position(body.get("source"), (i // len(templates)) * POSITION_STEP)
                vs = json.dumps(v, separators=sep)
                routed += 1
            assert "\t" not in ks and "\t" not in vs and "\n" not in vs
            f.write(ks + "\t" + vs + "\n")
    print(f"records={a.n} routed={routed}", file=sys.stderr)


if __name__ == "__main__":
    main()
