#!/usr/bin/env python3
"""Measuring helpers for bench/sinks/run.sh (standard library only).

  probe.py redis-watch PORT N TIMEOUT_S
      Samples `INFO commandstats` every 10 ms and prints `first_ms=<t> done_ms=<t> calls=<n>` once
      the UNLINK and DEL calls since start grew by N (first_ms: first sample that grew). One
      invalidation event = one UNLINK command (fanout) or one DEL (the Kafka Connect Redis peer,
      bench/peers/connect-redis), so this times the sink's writes without touching the engine. Other clients of a shared server add their calls (noted in the docs).
  probe.py os-watch URL INDEX N TIMEOUT_S
      Samples `INDEX/_stats/indexing` every 50 ms: `first_ms done_ms index_total` once the
      primaries' index_total reaches N (every event is one applied `index` op: versions rise).
  probe.py os-count URL INDEX
      `_refresh` then `_count`: prints `count=<n>` (all documents visible).
  probe.py bulk-load URL INDEX FILE BATCH CONCURRENCY
      Raw `_bulk` loader into INDEX (POST /INDEX/_bulk): splits FILE (NDJSON, 2 lines per item) into bodies of BATCH items, all
      prepared in memory first, then POSTs them over CONCURRENCY keep-alive connections (same
      filter_path as fanout). Prints `start_ms end_ms items errors` (errors = items not 2xx).
  probe.py os-latency URL INDEX
      Latency of a paced run: every document carries `updated_at` = the moment its event was
      written (gen.py pace) and `ingested_at` = `_ingest.timestamp` (set by the index's default
      pipeline when the item is applied). Prints `docs p50_ms p99_ms max_ms`.
  probe.py redis-latency MONITOR_FILE PREFIX SENDLOG
      Latency of a paced run from `redis-cli monitor` output: for each UNLINK/DEL of
      PREFIX<id>, the server's time of the command minus the event's send time (SENDLOG:
      `id send_ms` lines from gen.py pace). Prints `keys p50_ms p99_ms max_ms`.
"""
import datetime
import http.client
import json
import re
import socket
import statistics
import sys
import threading
import time
import urllib.parse


def now_ms():
    return int(time.time() * 1000)


def pct(xs, p):
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(round(p / 100 * (len(xs) - 1))))] if xs else float("nan")


# ------------------------------------------------------------------------------------ redis
def redis_calls(sock_file, sock):
    sock.sendall(b"*2\r\n$4\r\nINFO\r\n$12\r\ncommandstats\r\n")
    hdr = sock_file.readline()
    n = int(hdr[1:])
    body = sock_file.read(n + 2).decode()
    total = 0
    for m in re.finditer(r"cmdstat_(unlink|del):calls=(\d+)", body):
        total += int(m.group(2))
    return total


def redis_watch(port, n, timeout):
    s = socket.create_connection(("127.0.0.1", int(port)))
    f = s.makefile("rb")
    base = redis_calls(f, s)
    print("ready", flush=True)
    n, deadline, first = int(n), time.time() + float(timeout), None
    while time.time() < deadline:
        c = redis_calls(f, s) - base
        t = now_ms()
        if c > 0 and first is None:
            first = t
        if c >= n:
            print(f"first_ms={first} done_ms={t} calls={c}", flush=True)
            return
        time.sleep(0.01)
    print(f"timeout calls={c}", flush=True)
    sys.exit(3)


def redis_latency(monitor_file, prefix, sendlog):
    sent = {}
    for line in open(sendlog):
        i, t = line.split()
        sent[int(i)] = int(t)
    pat = re.compile(r'^(\d+\.\d+) \[[^\]]*\] "(?:UNLINK|unlink|DEL|del)"(.*)$')
    key_re = re.compile(r'"' + re.escape(prefix) + r'(\d+)"')
    lat = {}
    for line in open(monitor_file, errors="replace"):
        m = pat.match(line)
        if not m:
            continue
        t = float(m.group(1)) * 1000
        for k in key_re.findall(m.group(2)):
            i = int(k)
            if i in sent and i not in lat:
                lat[i] = t - sent[i]
    xs = list(lat.values())
    print(f"keys={len(xs)} p50_ms={pct(xs, 50):.1f} p99_ms={pct(xs, 99):.1f} max_ms={max(xs) if xs else float('nan'):.1f}")


# ------------------------------------------------------------------------------- opensearch
class Http:
    def __init__(self, url):
        u = urllib.parse.urlsplit(url)
        self.host, self.port, self.base = u.hostname, u.port or 80, u.path.rstrip("/")
        self.c = http.client.HTTPConnection(self.host, self.port, timeout=60)

    def req(self, method, path, body=None, ctype="application/json"):
        hdrs = {"Content-Type": ctype} if body is not None else {}
        self.c.request(method, self.base + path, body=body, headers=hdrs)
        r = self.c.getresponse()
        data = r.read()
        return r.status, data


def os_total(h, index):
    st, data = h.req("GET", f"/{index}/_stats/indexing")
    if st != 200:
        return 0
    return json.loads(data)["_all"]["primaries"]["indexing"]["index_total"]


def os_watch(url, index, n, timeout):
    h = Http(url)
    print("ready", flush=True)
    n, deadline, first, c = int(n), time.time() + float(timeout), None, 0
    while time.time() < deadline:
        c = os_total(h, index)
        t = now_ms()
        if c > 0 and first is None:
            first = t
        if c >= n:
            print(f"first_ms={first} done_ms={t} index_total={c}", flush=True)
            return
        time.sleep(0.05)
    print(f"timeout index_total={c}", flush=True)
    sys.exit(3)


def os_count(url, index):
    h = Http(url)
    h.req("POST", f"/{index}/_refresh")
    st, data = h.req("GET", f"/{index}/_count")
    print(f"count={json.loads(data).get('count', -1) if st == 200 else -1}")


FILTER = "errors,items.*.status,items.*.error.type,items.*.error.reason,items.*.error.caused_by.type"


def bulk_load(url, index, file, batch, conc):
    batch, conc = int(batch), int(conc)
    lines = open(file, "rb").read().splitlines(keepends=True)
    bodies = [b"".join(lines[i:i + 2 * batch]) for i in range(0, len(lines), 2 * batch)]
    items = len(lines) // 2
    errors = [0]
    lock = threading.Lock()
    nxt = [0]

    def worker():
        h = Http(url)
        while True:
            with lock:
                if nxt[0] >= len(bodies):
                    return
                b = bodies[nxt[0]]
                nxt[0] += 1
            st, data = h.req("POST", f"/{index}/_bulk?filter_path=" + FILTER, b, "application/x-ndjson")
            bad = 0
            if st != 200:
                bad = b.count(b"\n") // 2
            elif b'"errors":true' in data:
                bad = sum(1 for it in json.loads(data)["items"] for v in it.values()
                          if not 200 <= v["status"] < 300)
            if bad:
                with lock:
                    errors[0] += bad

    t0 = now_ms()
    ts = [threading.Thread(target=worker) for _ in range(conc)]
    for t in ts:
        t.start()
    for t in ts:
        t.join()
    print(f"start_ms={t0} end_ms={now_ms()} items={items} errors={errors[0]}")


def parse_iso_ms(s):
    s = s.replace("Z", "+00:00")
    m = re.match(r"^(.*\.\d{1,6})\d*(\+.*)$", s)  # Python parses at most microseconds
    if m:
        s = m.group(1) + m.group(2)
    return datetime.datetime.fromisoformat(s).timestamp() * 1000


def os_latency(url, index):
    h = Http(url)
    h.req("POST", f"/{index}/_refresh")
    xs = []
    body = json.dumps({"size": 5000, "_source": ["updated_at", "ingested_at"],
                       "sort": ["_doc"]})
    st, data = h.req("POST", f"/{index}/_search?scroll=1m", body)
    r = json.loads(data)
    while True:
        hits = r["hits"]["hits"]
        if not hits:
            break
        for d in hits:
            s = d["_source"]
            if "ingested_at" in s and "updated_at" in s:
                xs.append(parse_iso_ms(s["ingested_at"]) - parse_iso_ms(s["updated_at"]))
        st, data = h.req("POST", "/_search/scroll",
                         json.dumps({"scroll": "1m", "scroll_id": r["_scroll_id"]}))
        r = json.loads(data)
    mx = max(xs) if xs else float("nan")
    print(f"docs={len(xs)} p50_ms={pct(xs, 50):.1f} p99_ms={pct(xs, 99):.1f} max_ms={mx:.1f}")


def main():
    cmd, args = sys.argv[1], sys.argv[2:]
    {
        "redis-watch": redis_watch,
        "redis-latency": redis_latency,
        "os-watch": os_watch,
        "os-count": os_count,
        "bulk-load": bulk_load,
        "os-latency": os_latency,
    }[cmd](*args)


if __name__ == "__main__":
    main()
