#!/usr/bin/env python3
"""Writes the committed seed corpora of the fuzz targets other than the decoder.

    tests/fuzz/make_target_seeds.py          # rewrites tests/fuzz/seeds/<target>/

Each seed is a small realistic input in the layout its harness reads (see the comment at the
top of tests/fuzz/<target>_fuzz.cc). The records rendered by the template and predicate seeds
come from the captured Debezium data (tests/data/debezium). The decoder's seeds are not here:
make_seeds.py writes them from the captured data at run time.
"""
import json
import pathlib
import shutil

root = pathlib.Path(__file__).resolve().parents[2]
seeds = root / "tests" / "fuzz" / "seeds"

# Captured records (no-schema JSON converter): a snapshot read, an update, a delete.
captured = [
    json.loads(line)
    for line in (root / "tests/data/debezium/postgres/capnoschema.public.customers.jsonl")
    .read_text()
    .splitlines()
]
records = {}
for record in captured:
    payload = record.get("payload")
    if payload:
        records.setdefault(json.loads(payload)["op"], (payload, record.get("key") or ""))


def with_record(expression, op=None):
    data = expression.encode()
    if op is not None:
        value, key = records[op]
        data += b"\0" + value.encode() + b"\0" + key.encode()
    return data


def write(target, items):
    folder = seeds / target
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    for i, data in enumerate(items):
        (folder / f"seed-{i:02d}").write_bytes(data)
    print(f"{len(items)} seeds in {folder.relative_to(root)}")


write("template", [
    with_record("customer:{id}", "r"),
    with_record("customer:email:{before.email}", "u"),
    with_record("{table}:{key.id}", "d"),
    with_record("products"),
    with_record("{{literal}}-{after.first_name} {last_name}", "u"),
    with_record("{database}/{schema}/{table}/{op}/{topic}/{connector}", "c"),
    with_record("orders.{status}:{price}:{score}:{doc}:{blob}:{note}:{big}"),
    with_record("{foo.x}"),
    with_record("k:{id"),
    with_record("a}b{{c}}"),
])

write("predicate", [
    with_record("changed(status) and after.status in ('paid', 'shipped', 'delivered')"),
    with_record("after.price > 10.5 and after.score <= 1.5e0", "u"),
    with_record("op == 'd' or before.email != null", "d"),
    with_record("exists(after.email) and not changed(email, first_name)", "u"),
    with_record("`and` == 'keyword column' or `a b` != \"x\\n\\t\\\\\"", "c"),
    with_record("id not in (1, 2.5, -3e2, 'a', true, null)", "r"),
    with_record("after.id >= 3 AND (table == 'customers' Or schema == \"public\") and true"),
    with_record("big == null or big != 'toasted' or topic < 'z' and connector >= 'm'"),
    with_record("a = 1"),
    with_record("(a == 1"),
])

write("regex", [
    b"^public\\..*\0public.customers\0xpublic.customers\0public.",
    b"^(public|shop)\\.cust.*\0shop.customers\0shop.cus",
    b"^[a-c_]+\\d{2,3}$\0ab_12\0ab_1234\0ab_1",
    b"^(a|aa)*b?\0aaaaaaaaaaaaaaaaaaaaaaaaaaaaab\0aab\0",
    b"^\\w+\\.\\S\\s\\D\\W\0x.a b+\0x.1 1+",
    b"^(?:a|bc)+?$\0abcbca\0abcb",
    b"^[^.]+\\.orders\0shop.orders\0a.b.orders",
    b"^[\\d-]+x{0,}.{1,}\\t\0" b"12-3xxy\t",
    b"public.*\0public.x\0publi",
    b"*.orders\0shop.orders\0shop.orders2",
    b"shop?.orders\0shop1.orders\0shop.orders",
    b"inventory.public.customers",
    b"^(?:ab){2,4}c{0}d{1,}(x|){3}\0ababdd\0abababxxdd",
    b"$^\0\0a",  # '^' after '$': matches the empty text only
    b"^(){1000}{1000}{1000}\0",  # an empty group repeated: bounded by work, not size
])

config_files = ["examples/inventory.yaml", "tests/proof/fanout.yaml",
                "bench/sinks/opensearch.yaml", "bench/sinks/redis.yaml",
                "bench/postgres/replica.yaml", "bench/e2e/fanout.yaml"]
write("config", [(root / f).read_bytes() for f in config_files] + [
    # every sink type, with settings, ${ENV} forms and route options
    b"""version: 1
kafka: { bootstrap.servers: "${BOOT:-127.0.0.1:9092}", group.id: g, sasl.password: ${PW} }
source: { topics: [inv.public.customers, "^inv\\\\.shop\\\\..*"] }
processing: { guarantee: at_least_once, max_in_flight: 100, drain_timeout: 3s, max_batch: 10 }
sinks:
  c: { type: redis, url: "rediss://u:${UNSET_PW:-x}@h:6380/1", tls_verify: false, pool_size: 2 }
  s: { type: elasticsearch, url: "https://h:9200", api_key: "${KEY}", batch_size: 100 }
  p: { type: postgres, dsn: "host=h dbname=d", auto_evolve: true, offsets_table: fanout.o }
  h: { type: http, url: "http://h/x", headers: { X-Token: "$${literal}" }, timeout: 2s }
  k: { type: kafka }
routes:
  - { name: a, from: ["public.*", "*.orders"], ops: [c, update], to: c, invalidate: "a:{id}" }
  - name: b
    from: "^public\\\\.(a|b)$"
    when: after.x in (1, 2) and not changed(y)
    to: s
    index: "i-{table}"
    id: "{key.id}"
    delete_mode: soft
    include: [x, y]
    rename: { x: z }
  - { name: d, to: p, table: public.t, mode: upsert, retry: { max_attempts: 3 } }
  - { name: e, to: h, path: "/e/{op}", dedup: { store: c, ttl: 1h }, on_exhausted: dead_letter }
  - { name: f, to: k, topic: "out.{table}", key: "{id}", value: after }
dead_letter: { topic: dlq }
retry: { max_attempts: 5, backoff: 100ms..5s, max_elapsed: 1m }
logging: { level: warn, format: json, progress_interval: 1s }
admin: { enabled: true, listen: "127.0.0.1:9464" }
""",
    # mistakes: wrong types, unknown keys, bad expressions, unset variables
    b"""version: 2
kafka:
  bootstrap.servers: ${UNSET}
source:
  topics: ["^(unclosed"]
  topcs: []
processing: { commit_interval: 10, max_batch: lots, guarantee: exactly_once }
sinks: { x: { type: nope, url: 1 }, y: [1] }
routes:
  - { name: r, from: customers, to: missing, when: "a = 1", invalidate: "k:{id" }
  - { name: r, to: x, index: "{foo.x}", include: [a], exclude: [a], rename: {b: c} }
logging: { level: loud }
rotues: []
""",
])


def resp(piece, data):
    return bytes([piece]) + data


sha = b"c2b9b5dbc9df1ee7e8a5e1f6c1c3ab9ce2a0aa51"
write("resp", [
    resp(0, b"+OK\r\n+OK\r\n$40\r\n" + sha + b"\r\n"),
    resp(1, b":1\r\n:0\r\n:2\r\n:-1\r\n"),
    resp(3, b"-WRONGTYPE Operation against a key holding the wrong kind of value\r\n:1\r\n"),
    resp(0, b"-LOADING Redis is loading the dataset in memory\r\n-READONLY You can't write "
            b"against a read only replica.\r\n-ERR max number of clients reached\r\n"),
    resp(5, b"-NOSCRIPT No matching script. Please use EVAL.\r\n-BUSY Redis is busy running a "
            b"script.\r\n-OOM command not allowed\r\n-MOVED 3999 127.0.0.1:6381\r\n"),
    resp(0, b"-NOAUTH Authentication required.\r\n-WRONGPASS invalid username-password pair\r\n"
            b"-ERR unknown command 'UNLINK', with args beginning with: \r\n"),
    resp(2, b"*3\r\n$3\r\nfoo\r\n:1\r\n*2\r\n$-1\r\n*-1\r\n*0\r\n$0\r\n\r\n"),
    resp(0, b"$5\r\nab\r\nc\r\n+status with \r inside\r\n"),
    resp(7, b"!x\r\n"),
    resp(0, b"$10\r\nshort"),
])


def es(control, body):
    return bytes([control]) + (body if isinstance(body, bytes) else json.dumps(body).encode())


def item(op, status, error=None):
    body = {"status": status}
    if error is not None:
        body["error"] = error
    return {op: body}


mapper = {"type": "mapper_parsing_exception",
          "reason": "failed to parse field [price] of type [long] in document with id "
                    "'[0123456789012345678901234567890123456789012345]'. Preview of field's "
                    "value: 'abc'",
          "caused_by": {"type": "illegal_argument_exception", "reason": "For input string"}}
write("es_bulk", [
    es(0x00, {"errors": False}),
    es(0x00, {"errors": True, "items": [item("index", 201), item("index", 409,
              {"type": "version_conflict_engine_exception", "reason": "[1]: version conflict, "
               "current version [3] is higher than or equal to the one provided [2]"}),
              item("index", 400, mapper)]}),
    es(0x10, {"errors": True, "items": [item("delete", 404), item("delete", 200),
              item("delete", 429, {"type": "es_rejected_execution_exception", "reason":
                                   "rejected execution of coordinating operation"})]}),
    es(0x30, {"errors": True, "items": [item("index", 403, {"type": "cluster_block_exception",
              "reason": "index [i] blocked by: [TOO_MANY_REQUESTS/12/disk usage exceeded "
                        "flood-stage watermark, index has read-only-allow-delete block];"}),
              item("delete", 503, {"type": "unavailable_shards_exception", "reason":
                                   "[i][0] primary shard is not active"}),
              item("index", 401, "old servers answered errors as text"),
              item("update", 500, {"type": "x", "reason": "\u00e9\u6771\nmulti\tline"})]}),
    es(0x46, {"error": {"root_cause": [{"type": "security_exception", "reason": "action "
              "[indices:data/write/bulk] is unauthorized"}], "type": "security_exception",
              "reason": "action [indices:data/write/bulk] is unauthorized for user [w]"},
              "status": 403}),
    es(0x02, {"error": {"type": "illegal_argument_exception", "reason": "The bulk request "
              "must be terminated by a newline [\\n]"}, "status": 400}),
    es(0x00, {"name": "n", "cluster_name": "c", "version": {"distribution": "opensearch",
              "number": "2.19.1", "build_type": "tar"}, "tagline": "The OpenSearch Project"}),
    es(0x01, {"name": "n", "version": {"number": "8.15.0", "build_flavor": "default"},
              "tagline": "You Know, for Search"}),
    es(0x0b, b"<html><body><h1>503 Service Unavailable</h1>\nNo server is available</body></html>"),
    es(0x00, b'{"errors":true,"items":[{"index":{"status":201}},{"index":{"status":'),
])


def http(piece, data):
    return bytes([piece]) + data


write("http_response", [
    http(0, b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\nContent-Type: text/plain\r\n\r\nok"),
    http(1, b"HTTP/1.1 204 No Content\r\nConnection: close\r\n\r\n"),
    http(0, b"HTTP/1.1 503 Service Unavailable\r\nRetry-After: 120\r\nContent-Length: 0\r\n\r\n"),
    http(9, b"HTTP/1.1 429 Too Many Requests\r\nRetry-After: Sun, 06 Nov 2026 08:49:37 GMT\r\n"
            b"Content-Length: 4\r\n\r\nslow"),
    http(0, b"HTTP/1.1 500 Internal Server Error\r\nRetry-After: Friday, 15-Jan-27 08:49:37 GMT"
            b"\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nerror\r\n0\r\n\r\n"),
    http(4, b"HTTP/1.1 408 Request Timeout\r\nRetry-After: Sun Nov  6 08:49:37 2027\r\n"
            b"Content-Length: 0\r\n\r\n"),
    http(0, b"HTTP/1.1 400 Bad Request\r\nContent-Type: application/json\r\nContent-Length: 62"
            b"\r\n\r\n{\"error\":\"bad \\\"field\\\"\",\n\t\"detail\":\"\xc3\xa9\xe6\x9d\xb1 \x01x\"}"),
    http(0, b"HTTP/1.1 301 Moved Permanently\r\nLocation: https://elsewhere/\r\n"
            b"Content-Length: 0\r\n\r\n"),
    http(2, b"HTTP/1.0 401 Unauthorized\r\nWWW-Authenticate: Basic\r\n\r\nread until close"),
    http(0, b"HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n"),
    http(0, b"HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\ncut"),
    http(0, b"garbage\r\n\r\n"),
])
