#!/usr/bin/env python3
"""make proof: a seeded random workload on the source (Python stdlib + psql or the mariadb client).

    workload.py --url URL --seed N --duration S [--rate R] [--workers 2] [--initial]
                [--type-matrix TABLE] [--summary FILE] [--dialect postgres|mariadb]

--dialect mariadb (URL mariadb://user@host:port/db): the tables of schema_mariadb.sql, `items` and
`misc` (MySQL's ENUM, SET, DATE, DOUBLE, BIT(1), TINYINT instead of `arrs`' arrays), the same kinds
of steps (the TOAST ones become plain updates of the long column), plus multi-row statements: one
binlog row event with several rows, told apart by Debezium's `row`.

--initial inserts the snapshot rows and exits. Otherwise `workers` psql sessions run for
`duration` seconds, each owning the ids congruent to its number (so sessions never wait on each
other's locks while their transactions still overlap in the WAL). Every step is one of: insert,
re-insert of a deleted key, update leaving the TOASTed `big` column unchanged, update changing it,
delete, primary-key change, an update flagged for the dead-letter probe, array updates, and
multi-statement transactions (some with two changes of one row, some rolled back). The same seed
gives the same sequence of statements per session.
"""
import argparse
import json
import os
import random
import subprocess
import sys
import threading
import time
import uuid

ITEMS_MAX_ID = 400
ARRS_MAX_ID = 200
WORDS = ["alpha", "beta", "gamma", "delta", "naïve", "café", "Zürich", "東京", "o'brien",
         "semi;colon", "back\\slash", "quote\"d", "tab\there", "emoji😀", "comma,here", "{brace}"]


DIALECT = "postgres"


def q(s):
    """SQL string literal (PostgreSQL: standard_conforming_strings on; MariaDB: backslash escapes)."""
    if s is None:
        return "null"
    if DIALECT == "mariadb":
        s = s.replace("\\", "\\\\")
    return "'" + s.replace("'", "''") + "'"


def client_command(url):
    """The SQL client reading statements from stdin: psql, or mariadb for a mariadb:// URL."""
    if DIALECT != "mariadb":
        return ["psql", "-X", "-q", "-v", "ON_ERROR_STOP=0", "-d", url]
    import urllib.parse
    u = urllib.parse.urlparse(url)
    return ["mariadb", "--protocol=TCP", "-h", u.hostname or "127.0.0.1", "-P", str(u.port or 3306),
            "-u", u.username or "root", "-D", u.path.strip("/"), "--force", "--default-character-set=utf8mb4",
            "-N", "-B"]


class Session:
    """One psql process fed through a pipe; output goes to a log.

    MariaDB: one mariadb client process per transaction (`end_step`), because the proof restarts
    the MariaDB server and the client in batch mode never reconnects ("Server has gone away" for
    every later statement). A transaction cut by the restart fails as a whole or is rolled back by
    the server; the tables stay the truth the checker compares with."""

    def __init__(self, url, log_path):
        self.log = open(log_path, "ab")
        self.url = url
        self.pending = []
        self.failed_steps = 0
        self.proc = None
        if DIALECT != "mariadb":
            env = dict(os.environ, PGTZ="UTC", PGAPPNAME="fanout-proof-workload")
            self.proc = subprocess.Popen(
                client_command(url),
                stdin=subprocess.PIPE, stdout=self.log, stderr=self.log, env=env)

    def run(self, sql):
        line = (sql.rstrip().rstrip(";") + ";\n").encode()
        if self.proc is None:
            self.pending.append(line)
            return
        self.proc.stdin.write(line)
        self.proc.stdin.flush()

    def end_step(self):
        """The end of one transaction's statements: MariaDB runs them now, in a client of its own."""
        if self.proc is not None or not self.pending:
            return
        script, self.pending = b"".join(self.pending), []
        r = subprocess.run(client_command(self.url), input=script, stdout=self.log, stderr=self.log)
        if r.returncode != 0:
            self.failed_steps += 1

    def close(self):
        if self.proc is None:
            self.end_step()
            self.log.close()
            return 0
        try:
            self.proc.stdin.close()
        except BrokenPipeError:
            pass
        self.proc.wait(timeout=60)
        self.log.close()
        return self.proc.returncode


class Worker:
    def __init__(self, n, workers, rng, stats, type_matrix):
        self.n, self.workers, self.rng, self.stats = n, workers, rng, stats
        own = lambda m: [i for i in range(1, m + 1) if i % workers == n]
        self.items_space, self.arrs_space = own(ITEMS_MAX_ID), own(ARRS_MAX_ID)
        self.items, self.arrs = {}, {}     # id -> rev of present rows
        self.deleted_items, self.deleted_arrs = set(), set()
        self.type_matrix = type_matrix

    # ---------------------------------------------------------------- values
    def big(self):
        r = self.rng
        n = r.randint(2500, 6000)   # above the ~2 kB TOAST threshold: stored out of line
        return "".join(r.choice("abcdefghijklmnopqrstuvwxyz0123456789 ") for _ in range(n))

    def item_values(self, i, rev, flag=None):
        r = self.rng
        if DIALECT == "mariadb":
            return self.maria_item_values(i, rev, flag)
        name = " ".join(r.choice(WORDS) for _ in range(r.randint(1, 3)))
        qty = "null" if r.random() < 0.1 else str(r.randint(-1000, 100000))
        price = "null" if r.random() < 0.1 else "%d.%02d" % (r.randint(-99999, 9999999), r.randint(0, 99))
        ts = "null" if r.random() < 0.1 else q("%04d-%02d-%02d %02d:%02d:%02d.%06d%+03d" % (
            r.randint(1990, 2035), r.randint(1, 12), r.randint(1, 28), r.randint(0, 23),
            r.randint(0, 59), r.randint(0, 59), r.randint(0, 999999), r.randint(-11, 12)))
        doc = q(json.dumps({"n": r.randint(0, 10**6), "f": r.choice([1.5, -0.25, 3.75]),
                            "w": r.choice(WORDS), "tags": [r.choice(WORDS) for _ in range(r.randint(0, 3))],
                            "nested": {"ok": r.random() < 0.5, "none": None}}, ensure_ascii=False))
        meta = "null" if r.random() < 0.1 else q('{"k": %d,  "v": %s}' % (r.randint(0, 99), json.dumps(r.choice(WORDS), ensure_ascii=False)))
        blob = "null" if r.random() < 0.1 else "'\\x%s'::bytea" % bytes(r.getrandbits(8) for _ in range(r.randint(0, 48))).hex()
        uid = q(str(uuid.UUID(int=r.getrandbits(128), version=4)))
        if flag is None:
            flag = "dlq" if r.random() < 0.05 else "ok"
        return {"id": str(i), "name": q(name), "qty": qty, "price": price, "big": q(self.big()),
                "ts": ts, "doc": doc, "meta": meta, "blob": blob, "uid": uid, "flag": q(flag),
                "rev": str(rev)}

    def arr_values(self, i, rev):
        r = self.rng
        if DIALECT == "mariadb":
            return self.misc_values(i, rev)

        def maybe_null(s):
            return "null" if r.random() < 0.1 else s
        tags = maybe_null("ARRAY[%s]::text[]" % ",".join(
            "null" if r.random() < 0.05 else q(r.choice(WORDS)) for _ in range(r.randint(0, 4))))
        nums = maybe_null("ARRAY[%s]::int[]" % ",".join(str(r.randint(-10**6, 10**6)) for _ in range(r.randint(0, 5))))
        # Debezium sends numeric[] elements with their trailing zeros stripped (17456.8760 arrives
        # as 17456.876, scale 3), which no sink can undo: the workload writes none.
        amounts = maybe_null("ARRAY[%s]::numeric[]" % ",".join(
            ("%d.%0*d" % (r.randint(-9999, 99999), s, r.randint(0, 10**s - 1))).rstrip("0").rstrip(".")
            if (s := r.randint(0, 4)) else str(r.randint(-99, 99))
            for _ in range(r.randint(0, 4))))
        attrs = maybe_null(q(json.dumps({"a": r.randint(0, 99), "list": ["one", None, r.choice(WORDS)],
                                         "w": r.choice(WORDS)}, ensure_ascii=False)))
        return {"id": str(i), "tags": tags, "nums": nums, "amounts": amounts, "attrs": attrs, "rev": str(rev)}

    def maria_item_values(self, i, rev, flag=None):
        # schema_mariadb.sql's items: no time zone on DATETIME, JSON text, binary as X'..'.
        r = self.rng
        name = " ".join(r.choice(WORDS) for _ in range(r.randint(1, 3)))
        qty = "null" if r.random() < 0.1 else str(r.randint(-1000, 100000))
        price = "null" if r.random() < 0.1 else "%d.%02d" % (r.randint(-99999, 9999999), r.randint(0, 99))
        ts = "null" if r.random() < 0.1 else q("%04d-%02d-%02d %02d:%02d:%02d.%06d" % (
            r.randint(1990, 2035), r.randint(1, 12), r.randint(1, 28), r.randint(0, 23),
            r.randint(0, 59), r.randint(0, 59), r.randint(0, 999999)))
        doc = q(json.dumps({"n": r.randint(0, 10**6), "f": r.choice([1.5, -0.25, 3.75]),
                            "w": r.choice(WORDS), "tags": [r.choice(WORDS) for _ in range(r.randint(0, 3))],
                            "nested": {"ok": r.random() < 0.5, "none": None}}, ensure_ascii=False))
        meta = "null" if r.random() < 0.1 else q('{"k": %d,  "v": %s}' % (r.randint(0, 99), json.dumps(r.choice(WORDS), ensure_ascii=False)))
        blob = "null" if r.random() < 0.1 else "X'%s'" % bytes(r.getrandbits(8) for _ in range(r.randint(0, 48))).hex()
        uid = q(str(uuid.UUID(int=r.getrandbits(128), version=4)))
        if flag is None:
            flag = "dlq" if r.random() < 0.05 else "ok"
        return {"id": str(i), "name": q(name), "qty": qty, "price": price, "big": q(self.big()),
                "ts": ts, "doc": doc, "meta": meta, "bin": blob, "uid": uid, "flag": q(flag),
                "rev": str(rev)}

    def misc_values(self, i, rev):
        # schema_mariadb.sql's misc. DOUBLE values have at most 3 decimals, so that every side
        # prints the same shortest form.
        r = self.rng

        def maybe_null(s):
            return "null" if r.random() < 0.1 else s
        opts = ",".join(o for o in ("red", "green", "blue") if r.random() < 0.5)
        return {"id": str(i), "kind": maybe_null(q(r.choice(["small", "medium", "large"]))),
                "opts": maybe_null(q(opts)),
                "d": maybe_null(q("%04d-%02d-%02d" % (r.randint(1000, 2999), r.randint(1, 12), r.randint(1, 28)))),
                "f": maybe_null("%d.%03d" % (r.randint(-10**6, 10**6), r.randint(0, 999))),
                "active": maybe_null(r.choice(["b'0'", "b'1'"])),
                "tiny": maybe_null(str(r.randint(-128, 127))),
                "note": maybe_null(q(r.choice(WORDS))), "rev": str(rev)}

    def multi_row(self):
        """MariaDB: one statement changing 2-4 rows (one binlog row event, Debezium's `row` 0..n-1)."""
        r, rows = self.rng, self.items
        if len(rows) < 2:
            return []
        ids = r.sample(sorted(rows), min(len(rows), r.randint(2, 4)))
        for i in ids:
            rows[i] += 1
        self.count("items.multi_row_update")
        return ["update public.items set qty = coalesce(qty, 0) + %d, rev = rev + 1 where id in (%s)"
                % (r.randint(1, 9), ",".join(map(str, sorted(ids))))]

    # ---------------------------------------------------------------- statements
    def count(self, what, n=1):
        if DIALECT == "mariadb":   # the same steps under MariaDB's names
            what = what.replace("arrs.", "misc.").replace("update_toast_", "update_big_")
        self.stats[what] = self.stats.get(what, 0) + n

    def insert_item(self, rows, deleted, space):
        absent = [i for i in space if i not in rows]
        if not absent:
            return None
        reins = [i for i in absent if i in deleted]
        if reins and self.rng.random() < 0.5:
            i = self.rng.choice(reins)
            self.count("reinsert")
        else:
            i = self.rng.choice(absent)
        deleted.discard(i)
        rows[i] = 0
        return i

    def step_items(self):
        r, rows = self.rng, self.items
        x = r.random()
        if not rows or (x < 0.22 and len(rows) < len(self.items_space)):
            i = self.insert_item(rows, self.deleted_items, self.items_space)
            if i is None:
                return []
            v = self.item_values(i, 0)
            self.count("items.insert")
            return ["insert into public.items (%s) values (%s)" % (",".join(v), ",".join(v.values()))]
        i = r.choice(sorted(rows))
        rows[i] += 1
        rev = rows[i]
        if x < 0.45:
            self.count("items.update_toast_unchanged")
            return ["update public.items set qty = %s, rev = %d, flag = %s where id = %d" % (
                r.randint(0, 1000), rev, q("dlq" if r.random() < 0.05 else "ok"), i)]
        if x < 0.60:
            self.count("items.update_toast_changed")
            return ["update public.items set big = %s, rev = %d where id = %d" % (q(self.big()), rev, i)]
        if x < 0.72:
            v = self.item_values(i, rev)
            del v["id"]
            self.count("items.update_all")
            return ["update public.items set %s where id = %d" % (",".join("%s = %s" % kv for kv in v.items()), i)]
        if x < 0.76:
            self.count("items.update_dlq")
            return ["update public.items set flag = 'dlq', rev = %d where id = %d" % (rev, i)]
        if x < 0.90:
            del rows[i]
            self.deleted_items.add(i)
            self.count("items.delete")
            return ["delete from public.items where id = %d" % i]
        absent = [j for j in self.items_space if j not in rows]
        if not absent:
            return []
        j = r.choice(absent)
        rows[j] = rows.pop(i)
        self.deleted_items.add(i)
        self.deleted_items.discard(j)
        self.count("items.pk_change")
        return ["update public.items set id = %d, rev = %d where id = %d" % (j, rev, i)]

    def step_arrs(self):
        r, rows = self.rng, self.arrs
        x = r.random()
        if not rows or (x < 0.25 and len(rows) < len(self.arrs_space)):
            i = self.insert_item(rows, self.deleted_arrs, self.arrs_space)
            if i is None:
                return []
            v = self.arr_values(i, 0)
            self.count("arrs.insert")
            return ["insert into public.arrs (%s) values (%s)" % (",".join(v), ",".join(v.values()))]
        i = r.choice(sorted(rows))
        rows[i] += 1
        if x < 0.75:
            v = self.arr_values(i, rows[i])
            del v["id"]
            self.count("arrs.update")
            return ["update public.arrs set %s where id = %d" % (",".join("%s = %s" % kv for kv in v.items()), i)]
        if x < 0.92:
            del rows[i]
            self.deleted_arrs.add(i)
            self.count("arrs.delete")
            return ["delete from public.arrs where id = %d" % i]
        absent = [j for j in self.arrs_space if j not in rows]
        if not absent:
            return []
        j = r.choice(absent)
        rows[j] = rows.pop(i)
        self.deleted_arrs.add(i)
        self.deleted_arrs.discard(j)
        self.count("arrs.pk_change")
        return ["update public.arrs set id = %d, rev = %d where id = %d" % (j, rows[j], i)]

    def step_type_matrix(self):
        # A table whose columns this script does not know: rewrite a row with its own values (an
        # update event carrying every column), or delete one and put it back from a copy.
        t = self.type_matrix
        r = self.rng
        if r.random() < 0.7:
            self.count("type_matrix.update")
            return ["update %s t set %s = t.%s where ctid = (select ctid from %s order by random() limit 1)" % (
                t["name"], t["col"], t["col"], t["name"])]
        self.count("type_matrix.delete_reinsert")
        return ["with d as (delete from %s where ctid = (select ctid from %s order by random() limit 1) returning *) "
                "insert into %s select * from d" % (t["name"], t["name"], t["name"])]

    def step(self):
        """One transaction's statements (list), or [] to skip, in the dialect's own table names."""
        return [dialect_sql(sql) for sql in self.step_generic()]

    def step_generic(self):
        r = self.rng
        x = r.random()
        if DIALECT == "mariadb" and x < 0.06:
            return self.multi_row()
        if self.type_matrix and x < 0.05:
            return self.step_type_matrix()
        if x < 0.25:
            return self.step_arrs()
        if x < 0.85:
            return self.step_items()
        # A multi-statement transaction: 2-4 changes, sometimes of one row, sometimes rolled back.
        if x < 0.93:
            saved = (dict(self.items), dict(self.arrs), set(self.deleted_items), set(self.deleted_arrs))
            stmts = []
            for _ in range(r.randint(2, 4)):
                stmts += self.step_items() if r.random() < 0.7 else self.step_arrs()
            if r.random() < 0.15:
                self.items, self.arrs, self.deleted_items, self.deleted_arrs = saved
                self.count("tx.rolled_back")
                return ["begin"] + stmts + ["rollback"]
            self.count("tx.multi")
            return ["begin"] + stmts[:len(stmts) // 2] + ["select pg_sleep(0.05)" if DIALECT == "postgres" else "do sleep(0.05)"] + stmts[len(stmts) // 2:] + ["commit"]
        if self.items:
            i = r.choice(sorted(self.items))
            self.items[i] += 2
            self.count("tx.same_row_twice")
            return ["begin",
                    "update public.items set qty = coalesce(qty, 0) + 1 where id = %d" % i,
                    "update public.items set big = %s, rev = %d where id = %d" % (q(self.big()), self.items[i], i),
                    "commit"]
        return []


def dialect_sql(sql):
    """The statements are written with PostgreSQL's table names; MariaDB's tables are items and misc
    in the connection's database (no value the workload writes contains these names)."""
    if DIALECT == "postgres":
        return sql
    return sql.replace("public.items ", "items ").replace("public.arrs ", "misc ").replace(
        "public.marker ", "marker ")


def load_existing(url, workers_list):
    """--initial rows are inserted by worker objects; a later run reads the present ids back."""
    sql = dialect_sql("select 'items', id, rev from public.items union all select 'arrs', id, rev from public.arrs ")
    if DIALECT == "postgres":
        out = subprocess.run(["psql", "-X", "-At", "-d", url, "-c", sql],
                             check=True, capture_output=True, text=True).stdout
    else:
        out = subprocess.run(client_command(url) + ["-e", sql], check=True, capture_output=True, text=True).stdout
    for line in out.splitlines():
        t, i, rev = line.replace("\t", "|").split("|")
        w = workers_list[int(i) % len(workers_list)]
        (w.items if t == "items" else w.arrs)[int(i)] = int(rev)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--url", required=True)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--duration", type=float, default=60)
    ap.add_argument("--rate", type=float, default=25, help="transactions per second per worker")
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--initial", action="store_true")
    ap.add_argument("--type-matrix", default="", help="table:column of a table to include (optional)")
    ap.add_argument("--log", default="/dev/null")
    ap.add_argument("--summary", default="")
    ap.add_argument("--dialect", choices=["postgres", "mariadb"], default="postgres")
    a = ap.parse_args()
    global DIALECT
    DIALECT = a.dialect

    tm = None
    if a.type_matrix:
        name, col = a.type_matrix.split(":")
        tm = {"name": name, "col": col}
    stats = {}
    workers = [Worker(n, a.workers, random.Random(a.seed * 1000 + n), stats, tm) for n in range(a.workers)]

    if a.initial:
        s = Session(a.url, a.log)
        for w in workers:
            # 60 items and 30 arrays per worker before the connector starts: the snapshot.
            for _ in range(60):
                i = w.insert_item(w.items, w.deleted_items, w.items_space)
                v = w.item_values(i, 0)
                s.run(dialect_sql("insert into public.items (%s) values (%s)" % (",".join(v), ",".join(v.values()))))
            for _ in range(30):
                i = w.insert_item(w.arrs, w.deleted_arrs, w.arrs_space)
                v = w.arr_values(i, 0)
                s.run(dialect_sql("insert into public.arrs (%s) values (%s)" % (",".join(v), ",".join(v.values()))))
        s.run("insert into public.marker values (1, 0) on conflict do nothing" if DIALECT == "postgres"
              else "insert ignore into marker values (1, 0)")
        rc = s.close()
        sys.exit(rc or (1 if s.failed_steps else 0))

    load_existing(a.url, workers)
    deadline = time.monotonic() + a.duration
    errors = []

    def run(w):
        s = Session(a.url, a.log)
        period = 1.0 / a.rate
        next_at = time.monotonic()
        try:
            while time.monotonic() < deadline:
                for sql in w.step():
                    s.run(sql)
                s.end_step()
                w.count("transactions")
                next_at += period * w.rng.uniform(0.3, 1.7)
                time.sleep(max(0.0, next_at - time.monotonic()))
        finally:
            rc = s.close()
            if s.failed_steps:   # MariaDB: transactions cut by the server's restart (Session)
                w.count("transactions_failed", s.failed_steps)
            if rc:
                errors.append(rc)

    threads = [threading.Thread(target=run, args=(w,)) for w in workers]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    stats["seed"] = a.seed
    if a.summary:
        with open(a.summary, "w") as f:
            json.dump(stats, f, indent=1, sort_keys=True)
    print("workload: " + ", ".join("%s=%s" % kv for kv in sorted(stats.items())))
    sys.exit(1 if errors else 0)


if __name__ == "__main__":
    main()
