#!/usr/bin/env python3
"""Measuring helpers for bench/freshness/run.sh (standard library only).

  analyze.py hist BEFORE.prom AFTER.prom METRIC ROUTE
      Quantiles of a fanout histogram (e.g. fanout_kafka_to_applied_seconds) over a window: the
      difference of two scrapes of /metrics, for the series {route=ROUTE}. Quantiles are
      interpolated linearly within the bucket they fall in (Prometheus' histogram_quantile does
      the same). Prints `count=<n> p50_ms=<x> p99_ms=<x> p50_bucket_ms=<lo>-<hi>
      p99_bucket_ms=<lo>-<hi> le10ms=<fraction> le25ms=<fraction> le250ms=<fraction>`.
  analyze.py records MONITOR PREFIX KAFKA_DUMP ROWS
      Per-change latencies of the measured window, independent of fanout's metrics:
        MONITOR     `redis-cli monitor` output: the server's time (us) of each UNLINK of PREFIX<id>
        KAFKA_DUMP  `kcat -C -f '%T\\t%s\\n'` of the Debezium topic: each record's Kafka timestamp
                    (ms; the topic's LogAppendTime: the broker's append) and its value, whose
                    `payload.source.ts_us` is the transaction's commit time in PostgreSQL (us) and
                    `payload.after.id` the row
        ROWS        `id<TAB>written_ms` of the measured rows (clock_timestamp() at the INSERT)
      Prints, over the ids of ROWS seen in Redis:
        e2e     = UNLINK - source commit (source.ts_us)     (the freshness a reader sees)
        fanout  = UNLINK - Kafka record timestamp           (fanout's share, with the broker's)
        dbz     = Kafka record timestamp - source commit    (Debezium + Kafka Connect's share)
        row     = UNLINK - clock_timestamp() of the INSERT  (cross-check of e2e: includes the commit)
      as `rows=<n> applied=<n> e2e_p50_ms=.. e2e_p99_ms=.. e2e_max_ms=.. fanout_p50_ms=.. ...`.
"""
import json
import re
import sys


def pct(xs, p):
    """Nearest-rank percentile of a sorted list."""
    if not xs:
        return float("nan")
    k = max(0, min(len(xs) - 1, int(-(-p * len(xs) // 100)) - 1))
    return xs[k]


# ------------------------------------------------------------------------------- histograms
LINE = re.compile(r'^(\w+)_bucket\{([^}]*)\}\s+(\S+)')


def buckets(path, metric, route):
    out = {}
    for line in open(path):
        m = LINE.match(line)
        if not m or m.group(1) != metric:
            continue
        labels = dict(re.findall(r'(\w+)="([^"]*)"', m.group(2)))
        if labels.get("route") != route:
            continue
        le = labels["le"]
        le = float("inf") if le == "+Inf" else float(le)
        out[le] = out.get(le, 0.0) + float(m.group(3))
    return out


def quantile(cum, q):
    """cum: sorted [(le, cumulative count)], last le = inf. Returns (value_s, lo_s, hi_s)."""
    total = cum[-1][1]
    if total <= 0:
        return float("nan"), float("nan"), float("nan")
    rank = q * total
    lo, below = 0.0, 0.0
    for le, c in cum:
        if c >= rank:
            if le == float("inf"):
                return lo, lo, le  # beyond the last finite bound: only "> lo" is known
            inb = c - below
            v = lo + (le - lo) * ((rank - below) / inb if inb > 0 else 1.0)
            return v, lo, le
        lo, below = le, c
    return float("nan"), float("nan"), float("nan")


def frac_le(cum, bound):
    total = cum[-1][1]
    for le, c in cum:
        if abs(le - bound) < 1e-12:
            return c / total if total else float("nan")
    return float("nan")


def hist(before, after, metric, route):
    b, a = buckets(before, metric, route), buckets(after, metric, route)
    if not a:
        print(f"count=0 error=no-series({metric},route={route})")
        return
    cum = sorted((le, a[le] - b.get(le, 0.0)) for le in a)
    ms = lambda s: "inf" if s == float("inf") else f"{s * 1000:g}"
    parts = [f"count={int(cum[-1][1])}"]
    for name, q in (("p50", 0.50), ("p99", 0.99)):
        v, lo, hi = quantile(cum, q)
        parts.append(f"{name}_ms={v * 1000:.1f}")
        parts.append(f"{name}_bucket_ms={ms(lo)}-{ms(hi)}")
    for bound, name in ((0.01, "le10ms"), (0.025, "le25ms"), (0.25, "le250ms")):
        parts.append(f"{name}={frac_le(cum, bound):.4f}")
    print(" ".join(parts))


# ------------------------------------------------------------------------ per-record timings
def records(monitor, prefix, kafka_dump, rows_file):
    rows = {}
    for line in open(rows_file):
        if line.strip():
            i, t = line.split()
            rows[int(i)] = float(t)
    kafka = {}  # id -> (kafka_ts_ms, commit_ms)
    for line in open(kafka_dump, errors="replace"):
        ts, _, value = line.rstrip("\n").partition("\t")
        if not value or not value.startswith("{"):
            continue  # tombstones, empty lines
        try:
            v = json.loads(value)
        except ValueError:
            continue
        p = v.get("payload", v)
        after, src = p.get("after") or {}, p.get("source") or {}
        i = after.get("id")
        if i is None or int(i) not in rows:
            continue
        commit = src.get("ts_us")
        commit = commit / 1000.0 if commit is not None else float(src.get("ts_ms"))
        kafka[int(i)] = (float(ts), commit)
    pat = re.compile(r'^(\d+\.\d+) \[[^\]]*\] "(?:UNLINK|unlink|DEL|del)"(.*)$')
    key_re = re.compile(r'"' + re.escape(prefix) + r'(\d+)"')
    applied = {}
    for line in open(monitor, errors="replace"):
        m = pat.match(line)
        if not m:
            continue
        t = float(m.group(1)) * 1000.0
        for k in key_re.findall(m.group(2)):
            i = int(k)
            if i in rows and i not in applied:
                applied[i] = t
    e2e, fan, dbz, row = [], [], [], []
    for i, t in applied.items():
        row.append(t - rows[i])
        if i in kafka:
            kts, commit = kafka[i]
            e2e.append(t - commit)
            fan.append(t - kts)
            dbz.append(kts - commit)
    out = [f"rows={len(rows)}", f"applied={len(applied)}", f"in_kafka={len(kafka)}"]
    for name, xs in (("e2e", e2e), ("fanout", fan), ("dbz", dbz), ("row", row)):
        xs.sort()
        out += [f"{name}_p50_ms={pct(xs, 50):.1f}", f"{name}_p99_ms={pct(xs, 99):.1f}",
                f"{name}_max_ms={(xs[-1] if xs else float('nan')):.1f}"]
    print(" ".join(out))


def main():
    cmd, args = sys.argv[1], sys.argv[2:]
    {"hist": hist, "records": records}[cmd](*args)


if __name__ == "__main__":
    main()
