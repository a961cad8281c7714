#!/usr/bin/env python3
"""make proof: prepares the sinks, waits for fanout to catch up, and compares every sink with the
source. Python stdlib, plus the kcat and psql command-line clients.

    check.py prepare --groups g1,g3 --tables items,arrs --max-ids items=400,arrs=200
    check.py wait    --db DB --groups g1,g3 --work-dir DIR --marker N --timeout S
    check.py check   --db DB --groups g1:1,g3:3 --work-dir DIR [--tables items,arrs]
    (wait and check take --source mariadb for a MariaDB source: database DB, tables items,misc)

Connection details come from stack/env (FANOUT_KAFKA_BOOTSTRAP, FANOUT_SOURCE_PG_URL,
FANOUT_REPLICA_PG_URL, FANOUT_REDIS_URL, FANOUT_OPENSEARCH_URL).

A change is identified by its source position, not its Kafka offset: (table, source.lsn, op, row
key); for a MariaDB source (Debezium's MySQL connector) the position is binlog file number, pos and
row. Debezium re-emits changes after Kafka Connect is killed, under new Kafka offsets and the
same identity; the source topics are read to count, per change, how many records carry it. A
Kafka route (or the dead-letter topic), read with isolation.level=read_committed, must hold one
record per change: fanout skips re-emissions (snapshot rows and changes without a last commit LSN
excepted), and a second record from one input record (the fanout.source.* headers name it) is a
duplicate of fanout's own. Redis, OpenSearch and the replica
are compared with the source rows; the HTTP receiver must have accepted every change under
exactly one Idempotency-Key.
"""
import argparse
import base64
import collections
import datetime
import decimal
import json
import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from decimal import Decimal

ENV = os.environ


# ------------------------------------------------------------------------------------------ clients

class Redis:
    def __init__(self, url):
        u = urllib.parse.urlparse(url)
        self.sock = socket.create_connection((u.hostname or "127.0.0.1", u.port or 6379), timeout=30)
        self.buf = self.sock.makefile("rb")
        if u.password:
            self.call("AUTH", u.password)
        db = (u.path or "/0").strip("/") or "0"
        if db != "0":
            self.call("SELECT", db)

    def send(self, *args):
        out = b"*%d\r\n" % len(args)
        for a in args:
            a = a if isinstance(a, bytes) else str(a).encode()
            out += b"$%d\r\n%s\r\n" % (len(a), a)
        self.sock.sendall(out)

    def read(self):
        line = self.buf.readline()
        t, rest = line[:1], line[1:-2]
        if t == b"+":
            return rest.decode()
        if t == b"-":
            raise RuntimeError(rest.decode())
        if t == b":":
            return int(rest)
        if t == b"$":
            n = int(rest)
            if n < 0:
                return None
            data = self.buf.read(n + 2)[:-2]
            return data
        if t == b"*":
            n = int(rest)
            return None if n < 0 else [self.read() for _ in range(n)]
        raise RuntimeError("bad RESP reply %r" % line)

    def call(self, *args):
        self.send(*args)
        return self.read()

    def pipeline(self, commands):
        out = []
        for i in range(0, len(commands), 500):
            chunk = commands[i:i + 500]
            for c in chunk:
                self.send(*c)
            out += [self.read() for _ in chunk]
        return out

    def scan(self, pattern):
        cursor, keys = "0", []
        while True:
            cursor, batch = self.call("SCAN", cursor, "MATCH", pattern, "COUNT", 1000)
            cursor = cursor.decode()
            keys += [k.decode() for k in batch]
            if cursor == "0":
                return keys


def psql(url, sql):
    r = subprocess.run(["psql", "-X", "-q", "-At", "-v", "ON_ERROR_STOP=1", "-d", url, "-c", sql],
                       capture_output=True, text=True, env=dict(ENV, PGTZ="UTC"))
    if r.returncode != 0:
        raise RuntimeError("psql: %s" % r.stderr.strip())
    return [l for l in r.stdout.split("\n") if l != ""]


def with_db(url, db):
    u = urllib.parse.urlparse(url)
    return urllib.parse.urlunparse(u._replace(path="/" + db))


def kcat_read(topic, committed=False):
    """Every record of a topic, as kcat -J objects."""
    args = ["kcat", "-b", ENV["FANOUT_KAFKA_BOOTSTRAP"], "-C", "-t", topic, "-o", "beginning", "-e", "-q", "-J",
            "-X", "fetch.message.max.bytes=10000000"]
    if committed:
        args += ["-X", "isolation.level=read_committed"]
    r = subprocess.run(args, capture_output=True, text=True)
    if r.returncode != 0 and "Unknown topic" not in r.stderr and "UNKNOWN_TOPIC" not in r.stderr:
        raise RuntimeError("kcat %s: %s" % (topic, r.stderr.strip()[-300:]))
    return [json.loads(l) for l in r.stdout.splitlines() if l.strip()]


def topics_with_prefix(prefix):
    r = subprocess.run(["kcat", "-b", ENV["FANOUT_KAFKA_BOOTSTRAP"], "-L", "-J"], capture_output=True, text=True, check=True)
    md = json.loads(r.stdout)
    return {t["topic"]: len(t["partitions"]) for t in md["topics"] if t["topic"].startswith(prefix)}


def end_offsets(topic, partitions):
    out = {}
    for p in range(partitions):
        r = subprocess.run(["kcat", "-b", ENV["FANOUT_KAFKA_BOOTSTRAP"], "-Q", "-t", "%s:%d:-1" % (topic, p)],
                           capture_output=True, text=True)
        # "<topic> [<p>] offset <n>"
        try:
            out[p] = int(r.stdout.split("offset")[1].split()[0])
        except Exception:
            out[p] = None
    return out


def committed_lag(group):
    """Records between the group's committed offsets and the ends of its partitions (Kafka's own
    view, after the instances stopped), or None when it cannot be read."""
    kafka_sh = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "stack", "kafka.sh")
    r = subprocess.run([kafka_sh, "consumer-groups", "--describe", "--group", group], capture_output=True, text=True)
    lines = [l.split() for l in r.stdout.splitlines() if l.strip()]
    if r.returncode != 0 or not lines:
        return None
    header = next((l for l in lines if "LAG" in l), None)
    if header is None:
        return None
    at = header.index("LAG")
    total = 0
    for l in lines:
        if l is header or len(l) <= at or l[0] != group:
            continue
        total += int(l[at]) if l[at].isdigit() else 0
    return total


def http_json(method, url, body=None):
    data = json.dumps(body).encode() if body is not None else None
    req = urllib.request.Request(url, data=data, method=method, headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(req, timeout=60) as r:
            return r.status, json.loads(r.read() or b"null", parse_float=Decimal)
    except urllib.error.HTTPError as e:
        return e.code, None


def headers_of(rec):
    h = rec.get("headers") or []
    if isinstance(h, dict):
        return h
    return {h[i]: h[i + 1] for i in range(0, len(h) - 1, 2)}


def unwrap(v):
    if isinstance(v, dict) and "payload" in v and "schema" in v:
        return v["payload"]
    return v


def canon_key(k):
    return json.dumps(k, sort_keys=True, separators=(",", ":"))


def position_of(source):
    """PostgreSQL: the LSN; MySQL/MariaDB: "binlog:<file number>:<pos>:<row>", as fanout writes it."""
    if source.get("connector") == "mysql":
        return "binlog:%d:%d:%d" % (int(source["file"].rsplit(".", 1)[1]), source["pos"], source.get("row") or 0)
    return source.get("lsn")


def identity(rec):
    """(table, position, op, key) of a Debezium record, or None for a tombstone or a non-change."""
    if rec.get("payload") is None:
        return None, None
    v = unwrap(json.loads(rec["payload"], parse_float=Decimal))
    if not isinstance(v, dict) or "op" not in v or "source" not in v:
        return None, None
    key = unwrap(json.loads(rec["key"])) if rec.get("key") else None
    return (v["source"]["table"], position_of(v["source"]), v["op"], canon_key(key)), v


# ------------------------------------------------------------------------------------------ values

def canon_json(x):
    if isinstance(x, bool) or x is None:
        return x
    if isinstance(x, (int, float, Decimal)):
        return ("num", str(Decimal(str(x)).normalize()))
    if isinstance(x, dict):
        return tuple(sorted((k, canon_json(v)) for k, v in x.items()))
    if isinstance(x, list):
        return tuple(canon_json(v) for v in x)
    return x


def norm(v, t):
    """A value of pg type t (format_type text), from the source's to_jsonb or a sink's JSON."""
    if v is None:
        return None
    if t.endswith("[]"):
        if isinstance(v, str):
            try:
                v = json.loads(v, parse_float=Decimal)
            except ValueError:
                return ("text", v)
        if not isinstance(v, list):
            return ("?", repr(v))
        return tuple(norm(e, t[:-2]) for e in v)
    try:
        if t.startswith("numeric") or t in ("real", "double precision"):
            return Decimal(str(v)).normalize() if not isinstance(v, str) or v not in ("NaN",) else "NaN"
        if t in ("integer", "bigint", "smallint"):
            return int(v)
        if t == "boolean":
            return v if isinstance(v, bool) else str(v).lower() in ("true", "t", "1")
        if t.startswith("timestamp") and "with time zone" in t:
            if isinstance(v, (int, Decimal)):
                return ("epoch", int(v))
            d = datetime.datetime.fromisoformat(str(v).replace("Z", "+00:00"))
            return d.astimezone(datetime.timezone.utc)
        if t.startswith("timestamp"):
            if isinstance(v, (int, Decimal)):
                return ("epoch", int(v))
            return datetime.datetime.fromisoformat(str(v).replace("Z", ""))
        if t == "date":
            if isinstance(v, (int, Decimal)):
                return datetime.date(1970, 1, 1) + datetime.timedelta(days=int(v))
            return datetime.date.fromisoformat(str(v)[:10])
        if t == "bytea":
            s = str(v)
            return bytes.fromhex(s[2:]) if s.startswith("\\x") else base64.b64decode(s)
        if t in ("json", "jsonb"):
            if isinstance(v, str):
                try:
                    v = json.loads(v, parse_float=Decimal)
                except ValueError:
                    return ("text", v)
            return canon_json(v)
        if t == "uuid":
            return str(v).lower()
    except Exception as e:  # a value the sink wrote in a form this type cannot have
        return ("unparsable", repr(v)[:80], str(e)[:40])
    if isinstance(v, (dict, list)):
        return canon_json(v)
    return v if isinstance(v, str) else str(v)


class Table:
    def __init__(self, db_url, name, strict=True):
        self.name, self.strict = name, strict
        self.types = dict(l.split("|", 1) for l in psql(db_url,
            "select attname, format_type(atttypid, atttypmod) from pg_attribute "
            "where attrelid = 'public.%s'::regclass and attnum > 0 and not attisdropped order by attnum" % name))
        self.pk = psql(db_url,
            "select a.attname from pg_index i join pg_attribute a on a.attrelid = i.indrelid and a.attnum = any(i.indkey) "
            "where i.indrelid = 'public.%s'::regclass and i.indisprimary order by array_position(i.indkey, a.attnum)" % name)

    def pk_text(self, row):
        return ":".join(str(row[c]) for c in self.pk)

    def rows(self, db_url):
        out = {}
        for l in psql(db_url, "select to_jsonb(t)::text from public.%s t" % self.name):
            r = json.loads(l, parse_float=Decimal)
            out[self.pk_text(r)] = r
        return out

    def diff(self, src, doc):
        """Columns that differ between a source row and a sink's document."""
        cols = [c for c in self.types if norm(src.get(c), self.types[c]) != norm(doc.get(c), self.types[c])]
        cols += ["+" + c for c in doc if c not in self.types]
        return cols


def mariadb(db, sql):
    """Rows of a query on the stack's MariaDB, one string per row (--raw: no batch escaping)."""
    r = subprocess.run(["mariadb", "--protocol=TCP", "-h", "127.0.0.1", "-P", ENV["FANOUT_MARIADB_PORT"], "-u", "root",
                        "-D", db, "--default-character-set=utf8mb4", "-N", "-B", "-r", "-e", sql],
                       capture_output=True, text=True)
    if r.returncode != 0:
        raise RuntimeError("mariadb: %s" % r.stderr.strip())
    return [l for l in r.stdout.split("\n") if l != ""]


def norm_maria(v, kind):
    """A value of a MariaDB column kind, from the source (MariaTable.rows), a sink's JSON document
    (Redis, OpenSearch) or the replica's to_jsonb."""
    if v is None:
        return None
    try:
        if kind == "int":
            return int(v)
        if kind == "decimal":
            return Decimal(str(v)).normalize()
        if kind == "double":
            return float(v)     # the same binary double, whichever decimal form it was printed in
        if kind == "bool":
            return v if isinstance(v, bool) else str(v).lower() in ("true", "t", "1")
        if kind == "datetime":
            # The wall clock: fanout writes it as UTC ("...Z"), the replica's timestamp has no zone.
            d = datetime.datetime.fromisoformat(str(v).replace("Z", "+00:00").replace(" ", "T"))
            return d if d.tzinfo is None else d.astimezone(datetime.timezone.utc).replace(tzinfo=None)
        if kind == "date":
            if isinstance(v, (int, Decimal)):
                return datetime.date(1970, 1, 1) + datetime.timedelta(days=int(v))
            return datetime.date.fromisoformat(str(v)[:10])
        if kind == "bytes":
            s = str(v)
            if s.startswith("hex:"):
                return bytes.fromhex(s[4:])
            return bytes.fromhex(s[2:]) if s.startswith("\\x") else base64.b64decode(s)
        if kind == "json":
            if isinstance(v, str):
                try:
                    v = json.loads(v, parse_float=Decimal)
                except ValueError:
                    return ("text", v)
            return canon_json(v)
    except Exception as e:  # a value the sink wrote in a form this kind cannot have
        return ("unparsable", repr(v)[:80], str(e)[:40])
    if isinstance(v, (dict, list)):
        return canon_json(v)
    return v if isinstance(v, str) else str(v)


MARIA_KINDS = {"int": "int", "bigint": "int", "smallint": "int", "tinyint": "int", "mediumint": "int",
               "decimal": "decimal", "double": "double", "float": "double", "datetime": "datetime",
               "timestamp": "datetime", "date": "date", "varbinary": "bytes", "binary": "bytes", "blob": "bytes",
               "longblob": "bytes", "bit": "bool"}


class MariaTable:
    """Table's interface for a table of the MariaDB source (information_schema, json_object)."""

    def __init__(self, db, name, strict=True):
        self.db, self.name, self.strict = db, name, strict
        cols = [l.split("\t") for l in mariadb(db,
            "select c.column_name, c.data_type, c.column_type, ifnull(k.check_clause, '') from information_schema.columns c "
            "left join information_schema.check_constraints k on k.constraint_schema = c.table_schema "
            "and k.table_name = c.table_name and k.constraint_name = c.column_name "
            "where c.table_schema = database() and c.table_name = '%s' order by c.ordinal_position" % name)]
        self.types = {}
        for c, dt, ct, check in cols:
            kind = MARIA_KINDS.get(dt, "text")
            if dt == "longtext" and "json_valid" in check:
                kind = "json"       # MariaDB's JSON: LONGTEXT with a json_valid check
            if dt == "bit" and ct != "bit(1)":
                kind = "text"
            self.types[c] = kind
        self.pk = mariadb(db, "select column_name from information_schema.key_column_usage where "
                              "table_schema = database() and table_name = '%s' and constraint_name = 'PRIMARY' "
                              "order by ordinal_position" % name)

    def pk_text(self, row):
        return ":".join(str(row[c]) for c in self.pk)

    def rows(self, _url=None):
        def expr(c, kind):
            if kind == "bytes":
                return "concat('hex:', hex(`%s`))" % c
            if kind in ("decimal", "datetime", "date", "double"):
                return "cast(`%s` as char)" % c
            if kind == "bool":
                return "`%s` + 0" % c
            return "`%s`" % c
        sql = "select json_object(%s) from `%s`" % (
            ", ".join("'%s', %s" % (c, expr(c, k)) for c, k in self.types.items()), self.name)
        out = {}
        for l in mariadb(self.db, sql):
            r = json.loads(l, parse_float=Decimal)
            out[self.pk_text(r)] = r
        return out

    def diff(self, src, doc):
        """Columns that differ between a source row and a sink's document."""
        cols = [c for c in self.types if norm_maria(src.get(c), self.types[c]) != norm_maria(doc.get(c), self.types[c])]
        cols += ["+" + c for c in doc if c not in self.types]
        return cols


# ------------------------------------------------------------------------------------------ prepare / wait

def cmd_prepare(a):
    r = Redis(ENV["FANOUT_REDIS_URL"])
    maxes = dict((kv.split("=")[0], int(kv.split("=")[1])) for kv in a.max_ids.split(","))
    cmds = []
    for g in a.groups.split(","):
        for t, m in maxes.items():
            cmds += [("SET", "%s:inv:%s:%d" % (g, t, i), "stale") for i in range(1, m + 1)]
    r.pipeline(cmds)
    print("check: %d cache keys set to 'stale' for the invalidation route" % len(cmds))


def instances(work_dir):
    try:
        return json.load(open(os.path.join(work_dir, "instances.json")))
    except Exception:
        return []


def metrics(port):
    try:
        with urllib.request.urlopen("http://127.0.0.1:%d/metrics" % port, timeout=2) as r:
            text = r.read().decode()
    except Exception:
        return None
    out = collections.defaultdict(float)
    for line in text.splitlines():
        if line and not line.startswith("#"):
            name = line.split("{")[0].split(" ")[0]
            try:
                out[name] += float(line.rsplit(" ", 1)[1])
            except ValueError:
                pass
    return out


def cmd_wait(a):
    t0 = time.time()
    deadline = t0 + a.timeout
    marker_topic = "%s.%s.marker" % (a.db, a.schema)
    # 1. The marker change is in Kafka: so is every change committed before it.
    while True:
        seen = any(((identity(r)[1] or {}).get("after") or {}).get("v") == a.marker for r in kcat_read(marker_topic))
        if seen:
            break
        if time.time() > deadline:
            print("check: the marker (v=%d) did not reach %s within %ds" % (a.marker, marker_topic, a.timeout))
            return 1
        time.sleep(1)
    print("check: marker in Kafka after %.1fs" % (time.time() - t0))
    topics = topics_with_prefix("%s.%s." % (a.db, a.schema))
    want = sum(topics.values())
    # 2. Every group has every partition assigned, nothing in flight, no lag: stable for 3 polls.
    stable, last = 0, ""
    while time.time() < deadline:
        ok, state = True, []
        for g in a.groups.split(","):
            ms = [metrics(i["port"]) for i in instances(a.work_dir) if i["group"] == g]
            if any(m is None for m in ms) or not ms:
                ok = False
                state.append("%s: instance not answering" % g)
                continue
            assigned = sum(m["fanout_partitions_assigned"] for m in ms)
            lag = sum(m["fanout_consumer_lag_records"] for m in ms)
            inflight = sum(m["fanout_in_flight_events"] for m in ms)
            state.append("%s: assigned %d/%d lag %d in flight %d" % (g, assigned, want, lag, inflight))
            ok = ok and assigned == want and lag == 0 and inflight == 0
        stable = stable + 1 if ok else 0
        line = "; ".join(state)
        if line != last:
            print("check: %5.1fs %s" % (time.time() - t0, line), flush=True)
            last = line
        if stable >= 3:
            print("check: caught up after %.1fs" % (time.time() - t0))
            return 0
        time.sleep(1)
    print("check: NOT caught up within %ds: %s" % (a.timeout, last))
    return 1


# ------------------------------------------------------------------------------------------ check

class Row(dict):
    pass


def stream_check(name, expected_ids, src_offsets, exempt, records, route_filter=None, lenient=()):
    """Kafka route / DLQ: per change, its records, and the input record each came from.

    fanout skips Debezium's re-emissions on Kafka routes (processing.reemitted_changes: skip,
    docs/GUARANTEES.md) except snapshot rows and changes without a last commit LSN (`exempt`):
    so one record per change is expected, a re-emission passed on is reported, and a second
    record from the same input record is fanout's own duplicate."""
    informational = collections.Counter()
    unexpected = collections.Counter()
    outs = collections.defaultdict(collections.Counter)   # change -> input record -> records
    for rec in records:
        h = headers_of(rec)
        ident, _ = identity(rec)
        if route_filter and h.get("fanout.route") != route_filter:
            what = "route %s: %s" % (h.get("fanout.route") or "-", (h.get("fanout.error.message") or "")[:120])
            if ident is not None and ident[0] in lenient:
                informational[ident[0] + " " + what] += 1
            else:
                unexpected[what] += 1
            continue
        if ident is None:
            unexpected["not a change (tombstone?)"] += 1
            continue
        if ident not in expected_ids:
            unexpected["change not expected: %s" % (ident,)] += 1
            continue
        outs[ident][(h.get("fanout.source.topic"), str(h.get("fanout.source.partition")),
                     str(h.get("fanout.source.offset")))] += 1
    lost = [i for i in expected_ids if not outs[i]]
    own_dup = sum(c - 1 for i in expected_ids for c in outs[i].values())
    reemitted_in = sum(len(src_offsets[i]) - 1 for i in expected_ids)
    passed_on = {i: len(outs[i]) - 1 for i in expected_ids if len(outs[i]) > 1}
    passed_bad = sum(n for i, n in passed_on.items() if i not in exempt)
    row = Row(sink=name, expected=len(expected_ids), got=sum(1 for i in expected_ids if outs[i]),
              lost=len(lost), duplicated=own_dup,
              reemitted="%d in, %d out" % (reemitted_in, sum(passed_on.values())),
              extra=sum(unexpected.values()), differ="-")
    row["equal"] = not lost and own_dup == 0 and not unexpected and passed_bad == 0
    row["notes"] = ["records: %d in the source topics (%d of them re-emissions), %d here"
                    % (sum(len(src_offsets[i]) for i in expected_ids), reemitted_in,
                       sum(sum(c.values()) for c in outs.values()))]
    if passed_on:
        row["notes"].append("re-emissions passed on: %d (%d of them snapshot rows or changes without a last "
                            "commit LSN, which fanout does not judge)" % (sum(passed_on.values()), sum(passed_on.values()) - passed_bad))
    for k, n in unexpected.most_common(5):
        row["notes"].append("unexpected x%d: %s" % (n, k))
    for k, n in informational.most_common(6):
        row["notes"].append("other dead letters (type fidelity, informational) x%d: %s" % (n, k))
    for i in lost[:5]:
        row["notes"].append("lost: %s" % (i,))
    dups = [i for i in expected_ids if any(c > 1 for c in outs[i].values())]
    for i in dups[:3]:
        row["notes"].append("duplicated: %s: %s" % (i, dict(outs[i])))
    return row


def state_row(name, tables, src_rows, sink_docs):
    """Redis upsert / OpenSearch: documents equal to the source rows, nothing more."""
    row = state_row_of(name, [t for t in tables if t.strict], src_rows, sink_docs)
    for t in tables:
        if not t.strict:
            info = state_row_of(name, [t], src_rows, sink_docs)
            row["notes"].append("%s (type fidelity, informational): %d rows, %d here, %d missing, %d extra, %d differ%s"
                                % (t.name, info["expected"], info["got"], info["lost"], info["extra"], info["differ"],
                                   "; " + "; ".join(info["notes"][:1]) if info["notes"] else ""))
    return row


def state_row_of(name, tables, src_rows, sink_docs):
    expected = got = lost = extra = differ = 0
    cols = collections.Counter()
    samples = []
    for t in tables:
        src, docs = src_rows[t.name], sink_docs.get(t.name, {})
        expected += len(src)
        got += len(docs)
        for k, row in src.items():
            if k not in docs:
                lost += 1
                if len(samples) < 3:
                    samples.append("missing %s %s" % (t.name, k))
                continue
            d = t.diff(row, docs[k])
            if d:
                differ += 1
                cols.update("%s.%s" % (t.name, c) for c in d)
                if len(samples) < 3:
                    c = d[0].lstrip("+")
                    samples.append("%s %s column %s: source %r, sink %r" % (t.name, k, c, str(row.get(c))[:60], str(docs[k].get(c))[:60]))
        extra += sum(1 for k in docs if k not in src)
    row = Row(sink=name, expected=expected, got=got, lost=lost, duplicated="-", reemitted="-", extra=extra, differ=differ)
    row["equal"] = lost == 0 and extra == 0 and differ == 0
    row["notes"] = (["differing columns: " + ", ".join("%s x%d" % kv for kv in cols.most_common(8))] if cols else []) + samples
    return row


def version_check(row, expected, got, what):
    """MariaDB pass: each document's stored version is the one of its row's last change. `expected`
    and `got`: {table: {pk: version}}; a document whose version differs fails the row."""
    bad, samples = 0, []
    for t, docs in got.items():
        for k, v in docs.items():
            want = expected.get(t, {}).get(k)
            if want is not None and v != want:
                bad += 1
                if len(samples) < 2:
                    samples.append("%s %s: %s %r, its last change %r" % (t, k, what, v, want))
    checked = sum(len(d) for d in got.values())
    row["notes"].append("%s: %d documents checked against their row's last change, %d differ%s"
                        % (what, checked, bad, ("; " + "; ".join(samples)) if samples else ""))
    if bad:
        row["differ"] = (row["differ"] if isinstance(row["differ"], int) else 0) + bad
        row["equal"] = False


def cmd_check(a):
    db = a.db
    maria = a.source == "mariadb"
    src_url = with_db(ENV["FANOUT_SOURCE_PG_URL"], db)
    groups = [(g.split(":")[0], int(g.split(":")[1])) for g in a.groups.split(",")]
    if maria:
        tables = [MariaTable(db, t, t not in a.lenient_tables.split(",")) for t in a.tables.split(",")]
    else:
        tables = [Table(src_url, t, t not in a.lenient_tables.split(",")) for t in a.tables.split(",")]
    src_rows = {t.name: t.rows(src_url) for t in tables}

    # The source topics: every change and how many records carry it.
    src_count = collections.Counter()
    src_offsets = collections.defaultdict(list)
    src_event = {}
    exempt = set()
    for t in tables:
        for rec in kcat_read("%s.%s.%s" % (db, a.schema, t.name)):
            ident, v = identity(rec)
            if ident is not None:
                src_count[ident] += 1
                src_offsets[ident].append((rec["topic"], str(rec["partition"]), str(rec["offset"])))
                src_event[ident] = v
                # Not judged by fanout: snapshot rows, and PostgreSQL changes without a last commit
                # LSN. Binlog positions are always judged.
                seq = v["source"].get("sequence")
                if v["op"] == "r" or (v["source"].get("connector") != "mysql" and (not seq or json.loads(seq)[0] is None)):
                    exempt.add(ident)
    all_ids = set(src_count)
    # MariaDB: the position of each row's last change, for the sinks' stored versions (Redis's
    # version keys, OpenSearch's _version; docs/SOURCES.md gives both formulas).
    last_pos = collections.defaultdict(dict)
    if maria:
        pk_of = {t.name: t.pk for t in tables}
        for (t, pos, _, key) in all_ids:
            if t not in pk_of:
                continue
            k = json.loads(key)
            pk = ":".join(str(k[c]) for c in pk_of[t])
            f, p_, r_ = (int(x) for x in pos.split(":")[1:])
            if (f, p_, r_) > last_pos[t].get(pk, (-1, -1, -1)):
                last_pos[t][pk] = (f, p_, r_)
    by_table = collections.Counter(i[0] for i in all_ids)
    dlq_ids = {i for i in all_ids if i[0] == "items" and i[2] in ("c", "u")
               and (unwrap(src_event[i].get("after")) or {}).get("flag") == "dlq"}
    topics = topics_with_prefix("%s.%s." % (db, a.schema))
    print("\nsource: %s database %s, topics %s" % (a.source, db, ", ".join("%s (%d partitions)" % kv for kv in sorted(topics.items()))))
    print("source: %d changes (%s), %d records; %d records are Debezium re-emissions; %d changes flagged for the DLQ probe"
          % (len(all_ids), ", ".join("%s %d" % kv for kv in sorted(by_table.items())), sum(src_count.values()),
             sum(src_count.values()) - len(all_ids), len(dlq_ids)))
    ops = collections.Counter(i[2] for i in all_ids)
    print("source: ops " + ", ".join("%s=%d" % kv for kv in sorted(ops.items())))
    if maria:
        files = collections.Counter(int(i[1].split(":")[1]) for i in all_ids)
        print("source: binlog files (changes in each): " + ", ".join("%d (%d)" % kv for kv in sorted(files.items())))

    http_log = [json.loads(l) for l in open(os.path.join(a.work_dir, "http.jsonl"))] if os.path.exists(
        os.path.join(a.work_dir, "http.jsonl")) else []
    redis = Redis(ENV["FANOUT_REDIS_URL"])
    chaos = {}
    try:
        chaos = json.load(open(os.path.join(a.work_dir, "chaos-summary.json")))
    except Exception:
        pass
    all_ok = True
    for g, n in groups:
        rows = []
        # Kafka route.
        rows.append(stream_check("kafka route (%s.out)" % g, all_ids, src_offsets, exempt,
                                 kcat_read(g + ".out", committed=True)))
        # Dead letters.
        rows.append(stream_check("dead-letter topic (%s.dlq)" % g, dlq_ids, src_offsets, exempt,
                                 kcat_read(g + ".dlq", committed=True), route_filter="dlq-probe",
                                 lenient=a.lenient_tables.split(",")))
        # Redis invalidation: every key of a changed row is gone, the others are still there.
        changed = collections.defaultdict(set)
        for (t, _, _, key) in all_ids:
            k = json.loads(key)
            if isinstance(k, dict) and "id" in k:
                changed[t].add(str(k["id"]))
        inv_expected = inv_got = inv_lost = inv_extra = 0
        samples = []
        for t in a.invalidate_tables.split(","):
            present = {k.rsplit(":", 1)[1] for k in redis.scan("%s:inv:%s:*" % (g, t))}
            for i in range(1, int(a.max_ids_of(t)) + 1):
                s = str(i)
                if s in changed[t]:
                    inv_expected += 1
                    if s in present:
                        inv_lost += 1
                        if len(samples) < 3:
                            samples.append("still cached: %s:inv:%s:%s" % (g, t, s))
                    else:
                        inv_got += 1
                elif s not in present:
                    inv_extra += 1
        r = Row(sink="redis invalidate", expected=inv_expected, got=inv_got, lost=inv_lost, duplicated="-",
                reemitted="-", extra=inv_extra, differ="-")
        r["equal"] = inv_lost == 0 and inv_extra == 0
        r["notes"] = samples
        rows.append(r)
        # Redis upsert.
        docs = {}
        for t in tables:
            keys = [k for k in redis.scan("%s:row:%s:*" % (g, t.name)) if not k.endswith(":fanout:version")]
            vals = redis.pipeline([("GET", k) for k in keys])
            docs[t.name] = {}
            for k, v in zip(keys, vals):
                try:
                    docs[t.name][k.split(":", 3)[3]] = json.loads(v, parse_float=Decimal)
                except Exception:
                    docs[t.name][k.split(":", 3)[3]] = {"<not json>": str(v)[:60]}
        rows.append(state_row("redis upsert", tables, src_rows, docs))
        if maria:
            got = {}
            for t in tables:
                ks = sorted(docs[t.name])
                vals = redis.pipeline([("GET", "%s:row:%s:%s:fanout:version" % (g, t.name, k)) for k in ks])
                got[t.name] = {k: (v.decode() if v is not None else None) for k, v in zip(ks, vals)}
            want = {t: {k: "binlog@%020d.%020d.%020d" % p for k, p in d.items()} for t, d in last_pos.items()}
            version_check(rows[-1], want, got, "version keys")
        # OpenSearch.
        base = ENV["FANOUT_OPENSEARCH_URL"]
        docs = {}
        os_versions = {}
        for t in tables:
            index = "%s-%s" % (g, t.name)
            http_json("POST", "%s/%s/_refresh" % (base, index))
            status, body = http_json("POST", "%s/%s/_search?size=10000" % (base, index),
                                     {"query": {"match_all": {}}, "track_total_hits": True, "version": True})
            hits = (body or {}).get("hits", {}).get("hits", []) if status == 200 else []
            docs[t.name] = {h["_id"]: h["_source"] for h in hits}
            os_versions[t.name] = {h["_id"]: h.get("_version") for h in hits}
        rows.append(state_row("opensearch", tables, src_rows, docs))
        if maria:
            want = {t: {k: (f << 32) | min(p_ + r_, 0xFFFFFFFF) for k, (f, p_, r_) in d.items()}
                    for t, d in last_pos.items()}
            version_check(rows[-1], want, os_versions, "_version")
        if maria:
            # Replica: the rows in the group's replica database, column by column.
            rep_url = with_db(ENV["FANOUT_REPLICA_PG_URL"], "%s_%s" % (db, g))
            docs = {}
            for t in tables:
                docs[t.name] = {}
                for l in psql(rep_url, "select to_jsonb(t)::text from public.%s t" % t.name):
                    row = json.loads(l, parse_float=Decimal)
                    docs[t.name][t.pk_text(row)] = row
            rows.append(state_row("postgres replica", tables, src_rows, docs))
        else:
            # Replica: md5 of the row text per primary key.
            rep_url = with_db(ENV["FANOUT_REPLICA_PG_URL"], "%s_%s" % (db, g))
            expected = got = lost = extra = differ = 0
            notes = []
            for t in tables:
                q = "select %s, md5(t::text) from public.%s t" % (" || ':' || ".join("%s::text" % c for c in t.pk), t.name)
                s = dict(l.rsplit("|", 1) for l in psql(src_url, q))
                try:
                    rp = dict(l.rsplit("|", 1) for l in psql(rep_url, q))
                except RuntimeError as e:
                    rp = {}
                    notes.append(str(e)[:200])
                t_lost = sum(1 for k in s if k not in rp)
                t_extra = sum(1 for k in rp if k not in s)
                bad = [k for k in s if k in rp and rp[k] != s[k]]
                if t.strict:
                    expected += len(s)
                    got += len(rp)
                    lost += t_lost
                    extra += t_extra
                    differ += len(bad)
                else:
                    # Rows must be there all the same (nothing may be lost); their values are checked
                    # column by column, lossy forms included, by postgres_type_matrix_test.cc.
                    expected += len(s)
                    got += len(rp)
                    lost += t_lost
                    extra += t_extra
                    notes.append("%s (type fidelity: rows counted, values informational): %d rows, %d here, %d missing, %d extra, %d differ"
                                 % (t.name, len(s), len(rp), t_lost, t_extra, len(bad)))
                if bad:
                    # Which columns: each column's text, on both sides, for the differing rows.
                    names = list(t.types)
                    cq = "select %s, to_json(array[%s]) from public.%s t" % (
                        " || ':' || ".join("%s::text" % c for c in t.pk),
                        ", ".join('t."%s"::text' % c for c in names), t.name)
                    st = dict(l.split("|", 1) for l in psql(src_url, cq))
                    rt = dict(l.split("|", 1) for l in psql(rep_url, cq))
                    cols = collections.Counter()
                    sample = ""
                    for k in bad:
                        a_, b_ = json.loads(st[k]), json.loads(rt[k])
                        for c, x, y in zip(names, a_, b_):
                            if x != y:
                                cols[c] += 1
                                if not sample:
                                    sample = "; e.g. %s %s column %s: source %r, replica %r" % (t.name, k, c, str(x)[:70], str(y)[:70])
                    notes.append("%s: %d rows differ, in columns %s%s" % (t.name, len(bad), dict(cols.most_common(8)), sample))
            r = Row(sink="postgres replica", expected=expected, got=got, lost=lost, duplicated="-", reemitted="-",
                    extra=extra, differ=differ)
            r["equal"] = lost == 0 and extra == 0 and differ == 0 and expected == got
            r["notes"] = notes
            rows.append(r)
        # HTTP: every change accepted under exactly one Idempotency-Key.
        keys, deliveries, unexpected = collections.defaultdict(set), collections.Counter(), collections.Counter()
        for rec in http_log:
            if not rec["path"].startswith("/%s/" % g):
                continue
            bodies = rec["body"] if isinstance(rec["body"], list) else [rec["body"]]
            for b in bodies:
                try:
                    pos = str(b["position"])
                    ident = (b["table"].split(".")[-1], pos if pos.startswith("binlog:") else int(pos.rsplit(":", 1)[1]),
                             b["op"], canon_key(b["key"]))
                except Exception:
                    unexpected["unparsable body"] += 1
                    continue
                if ident not in all_ids:
                    unexpected["change not in the source: %s" % (ident,)] += 1
                    continue
                keys[ident].add(rec["idempotency_key"] or b.get("idempotency_key"))
                deliveries[ident] += 1
        lost_ids = [i for i in all_ids if not keys[i]]
        multi = [i for i in all_ids if len(keys[i]) > 1]
        redelivered = sum(deliveries[i] - len(keys[i]) for i in all_ids)
        r = Row(sink="http (+postgres dedup)", expected=len(all_ids), got=sum(1 for i in all_ids if keys[i]),
                lost=len(lost_ids), duplicated=sum(len(keys[i]) - 1 for i in multi),
                reemitted="%d in" % sum(src_count[i] - 1 for i in all_ids), extra=sum(unexpected.values()), differ="-")
        r["equal"] = not lost_ids and not multi and not unexpected
        r["notes"] = ["%d requests; %d changes delivered again under the same Idempotency-Key (the receiver drops those)"
                      % (sum(deliveries.values()), redelivered)]
        for i in multi[:3]:
            r["notes"].append("several keys for %s: %s" % (i, sorted(keys[i])))
        for i in lost_ids[:3]:
            r["notes"].append("lost: %s" % (i,))
        for k, c in unexpected.most_common(3):
            r["notes"].append("unexpected x%d: %s" % (c, k))
        rows.append(r)

        # The table.
        print("\n== group of %d instance%s (group %s): kills %s, unexpected exits %s; faults: %s; "
              "committed lag after the stop: %s"
              % (n, "" if n == 1 else "s", g, chaos.get("kills", {}).get(g, "?"),
                 [e for e in chaos.get("unexpected_exits", []) if e["instance"].startswith(g + "-")] or 0,
                 "; ".join(chaos.get("faults", [])) or "?", committed_lag(g)))
        cols = ["sink", "expected", "got", "lost", "duplicated", "re-emitted", "extra", "differ", "equal"]
        keys_ = ["sink", "expected", "got", "lost", "duplicated", "reemitted", "extra", "differ", "equal"]
        cells = [[("yes" if r[k] else "NO") if k == "equal" else str(r[k]) for k in keys_] for r in rows]
        widths = [max(len(c), *(len(x[i]) for x in cells)) for i, c in enumerate(cols)]
        fmt = "| " + " | ".join("%%-%ds" % w for w in widths) + " |"
        print(fmt % tuple(cols))
        print("|" + "|".join("-" * (w + 2) for w in widths) + "|")
        for c in cells:
            print(fmt % tuple(c))
        for r in rows:
            for note in r["notes"]:
                print("  %s: %s" % (r["sink"], note))
        all_ok = all_ok and all(r["equal"] for r in rows)
    print("\nproof: %s" % ("PASSED: every sink equals the source" if all_ok else "FAILED: see the rows marked NO"))
    return 0 if all_ok else 1


def main():
    ap = argparse.ArgumentParser()
    sub = ap.add_subparsers(dest="cmd", required=True)
    p = sub.add_parser("prepare")
    p.add_argument("--groups", required=True)
    p.add_argument("--max-ids", required=True)
    w = sub.add_parser("wait")
    w.add_argument("--db", required=True)
    w.add_argument("--groups", required=True)
    w.add_argument("--work-dir", required=True)
    w.add_argument("--marker", type=int, required=True)
    w.add_argument("--timeout", type=int, default=120)
    w.add_argument("--schema", default="public", help="the topics' schema part: public, or the MariaDB database")
    c = sub.add_parser("check")
    c.add_argument("--db", required=True)
    c.add_argument("--groups", required=True)
    c.add_argument("--work-dir", required=True)
    c.add_argument("--tables", default="items,arrs")
    c.add_argument("--invalidate-tables", default="items,arrs")
    c.add_argument("--lenient-tables", default="type_matrix",
                   help="tables whose values (not their delivery) are reported without failing the proof")
    c.add_argument("--max-ids", default="items=400,arrs=200")
    c.add_argument("--source", choices=["postgres", "mariadb"], default="postgres")
    c.add_argument("--schema", default="public", help="the topics' schema part: public, or the MariaDB database")
    a = ap.parse_args()
    if a.cmd == "check":
        m = dict((kv.split("=")[0], kv.split("=")[1]) for kv in a.max_ids.split(","))
        a.max_ids_of = lambda t: m[t]
    sys.exit({"prepare": cmd_prepare, "wait": cmd_wait, "check": cmd_check}[a.cmd](a) or 0)


if __name__ == "__main__":
    main()
