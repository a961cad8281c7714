#!/usr/bin/env python3
"""Debezium update events for the sink benchmarks (bench/sinks/run.sh).

Takes one real Debezium 3.2.7 PostgreSQL update of public.customers from the capture in
tests/data/debezium/postgres/capnoschema.public.customers.jsonl (JSON without schemas, ~680 B)
and rewrites, per event, only the row id (key, after.id) and the source position, so that:
  - ids cycle over --keys distinct rows (event i updates id i % keys + 1);
  - the position increases with i (lsn = BASE + 100 i, sequence = [lsn - 50, lsn]), so fanout's
    OpenSearch version (max(sequence[0], lsn) = lsn) increases per key and every event is applied.

Modes:
  gen.py batch -n N --keys K -o events.tsv [--ndjson bulk.ndjson --index IDX]
      events.tsv: `key<TAB>value` lines for `kcat -P -K '\\t'`.
      bulk.ndjson: the same events as the `_bulk` items fanout's elasticsearch sink sends (action
      line with _id = id (and _index when --index is given), version = lsn, version_type external_gte; document = the after
      image as compact JSON, which is what fanout writes for schemaless JSON).
  gen.py pace --rate R --seconds S --id-base B [--sendlog FILE]
      writes events to stdout at R/s (for `| kcat -P`), unique ids B+1.., with ts_ms,
      source.ts_ms and after.updated_at set to the moment the line is written (latency runs);
      prints `sent=<n>` on stderr at the end.
"""
import argparse
import copy
import datetime
import json
import sys
import time

SEP = (",", ":")
LSN_BASE = 40_000_000


def template(source):
    for line in open(source):
        r = json.loads(line)
        if r.get("payload"):
            v = json.loads(r["payload"])
            if v.get("op") == "u":
                return json.loads(r["key"]), v
    raise SystemExit(f"no update in {source}")


def event(key, val, row_id, i, now_ms=None):
    k = dict(key)
    k["id"] = row_id
    v = copy.deepcopy(val)
    v["after"]["id"] = row_id
    lsn = LSN_BASE + 100 * i
    src = v["source"]
    src["lsn"] = lsn
    src["sequence"] = json.dumps([str(lsn - 50), str(lsn)])
    src["txId"] = 1000 + i
    if now_ms is not None:
        for o in (v, src):
            o["ts_ms"] = now_ms
            o["ts_us"] = now_ms * 1000
            o["ts_ns"] = now_ms * 1000000
        v["after"]["updated_at"] = (
            datetime.datetime.fromtimestamp(now_ms / 1000, datetime.timezone.utc).strftime(
                "%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z")
    return json.dumps(k, separators=SEP), v, lsn


def batch(a, key, val):
    nd = open(a.ndjson, "w") if a.ndjson else None
    with open(a.out, "w") as f:
        for i in range(a.n):
            row_id = i % a.keys + 1
            ks, v, lsn = event(key, val, row_id, i)
            f.write(ks + "\t" + json.dumps(v, separators=SEP) + "\n")
            if nd:
                act = {"_index": a.index} if a.index else {}
                act.update({"_id": str(row_id), "version": lsn, "version_type": "external_gte"})
                nd.write(json.dumps({"index": act}, separators=SEP))
                nd.write("\n" + json.dumps(v["after"], separators=SEP) + "\n")
    if nd:
        nd.close()


def pace(a, key, val):
    out = sys.stdout
    total = a.rate * a.seconds
    t0 = time.time()
    sent = 0
    log = open(a.sendlog, "w") if a.sendlog else None
    while sent < total:
        # catch up to the schedule in small bursts (at most 1 ms of events per write)
        due = min(total, int((time.time() - t0) * a.rate) + 1)
        while sent < due:
            now_ms = int(time.time() * 1000)
            ks, v, _ = event(key, val, a.id_base + sent + 1, sent, now_ms)
            out.write(ks + "\t" + json.dumps(v, separators=SEP) + "\n")
            if log:
                log.write(f"{a.id_base + sent + 1} {now_ms}\n")
            sent += 1
        out.flush()
        nxt = t0 + sent / a.rate
        d = nxt - time.time()
        if d > 0:
            time.sleep(min(d, 0.001))
    if log:
        log.close()
    print(f"sent={sent}", file=sys.stderr)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("mode", choices=["batch", "pace"])
    ap.add_argument("--source", default=None)
    ap.add_argument("-n", type=int, default=0)
    ap.add_argument("--keys", type=int, default=100000)
    ap.add_argument("-o", "--out")
    ap.add_argument("--ndjson")
    ap.add_argument("--index", default="", help="_index in the action lines (default: none)")
    ap.add_argument("--rate", type=int, default=1000)
    ap.add_argument("--seconds", type=int, default=10)
    ap.add_argument("--id-base", type=int, default=0)
    ap.add_argument("--sendlog", help="pace: write `id send_ms` per event")
    a = ap.parse_args()
    src = a.source or __file__.rsplit("/bench/", 1)[0] + \
        "/tests/data/debezium/postgres/capnoschema.public.customers.jsonl"
    key, val = template(src)
    batch(a, key, val) if a.mode == "batch" else pace(a, key, val)


if __name__ == "__main__":
    main()
