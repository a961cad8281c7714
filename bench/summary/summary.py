#!/usr/bin/env python3
"""The `## Summary` table of docs/BENCHMARKS.md, from the rows the bench scripts put.

Every bench script that `make bench` (or `make bench-quick`) runs appends rows to one TSV through
bench/lib/summary.sh: key, value, inputs, command, commit, date. This script turns them into one
table with a line per target of issue 19: fanout's number, what it is measured against (measured
in the same run), the ratio, the target, and whether it holds.

  summary.py ROWS.tsv                               # print the table
  summary.py ROWS.tsv --doc docs/BENCHMARKS.md      # and replace the table between the markers
  summary.py ROWS.tsv --plot docs/benchmarks-summary.png
  summary.py AFTER.tsv --before BEFORE.tsv          # a before/after table (make bench-compare)

A line whose inputs were not measured in this run says so; it is never filled from an older run.
Standard library only, plus gnuplot for --plot.
"""

import argparse
import math
import os
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from typing import Callable, Dict, List, Optional, Tuple

BEGIN = "<!-- summary:begin (bench/summary/summary.py writes this part; edit the script, not it) -->"
END = "<!-- summary:end -->"


@dataclass
class Measure:
    value: Optional[float]
    inputs: str
    command: str
    commit: str
    date: str


def read_rows(path: str) -> Dict[str, Measure]:
    """Last row per key wins (a script re-run in the same suite replaces its rows)."""
    rows: Dict[str, Measure] = {}
    if not os.path.exists(path):
        return rows
    with open(path, encoding="utf-8") as f:
        for line in f:
            parts = line.rstrip("\n").split("\t")
            if len(parts) < 6:
                continue
            key, value, inputs, command, commit, date = parts[:6]
            try:
                number: Optional[float] = float(value)
                if math.isnan(number):
                    number = None
            except ValueError:
                number = None
            rows[key] = Measure(number, inputs, command, commit, date)
    return rows


@dataclass
class Line:
    route: str
    against: str
    fanout_key: str
    # The reference measured beside fanout (None: the line compares fanout's value to the target).
    reference_key: Optional[str]
    unit: str
    # How the shown figure is computed from fanout's value f and the reference's r.
    figure: Callable[[float, Optional[float]], float]
    figure_name: str
    target: str
    holds: Callable[[float], bool]
    # The target's own conditions on the inputs (e.g. 1 000 000 events): a key, a test of its
    # value and what the target asks. A verdict on other inputs (make bench-quick) is marked
    # indicative.
    condition: Optional[Tuple[str, Callable[[float], bool], str]] = None


def ratio(f: float, r: Optional[float]) -> float:
    return f / r if r else math.nan


def value(f: float, _: Optional[float]) -> float:
    return f


def cost(f: float, r: Optional[float]) -> float:
    """Throughput lost at 100 ms commits against 1 s commits (f: 100 ms, r: 1 s)."""
    return 1.0 - f / r if r else math.nan


LINES: List[Line] = [
    Line("Redis invalidation", "`kcat` reading the same topic, no decode (consume-only floor)",
         "redis.fanout.eps", "redis.kcat.eps", "events/s", ratio, "fanout / floor", "≥ 0.8",
         lambda x: x >= 0.8),
    Line("Redis invalidation", "a Kafka Connect Redis sink on the stack's Connect worker",
         "redis.fanout.eps", "redis.connect.eps", "events/s", ratio, "fanout / peer", "≥ 3×",
         lambda x: x >= 3.0),
    Line("OpenSearch upsert", "raw `_bulk` of the same documents, equal concurrency",
         "opensearch.fanout.eps", "opensearch.raw.eps", "events/s", ratio, "fanout / raw", "≥ 0.9",
         lambda x: x >= 0.9),
    Line("OpenSearch upsert", "Camel peer's CPU (same input)", "opensearch.fanout.cpu_s",
         "opensearch.camel.cpu_s", "CPU s", ratio, "fanout / Camel", "≤ 0.2",
         lambda x: x <= 0.2),
    Line("OpenSearch upsert", "Camel peer's p99 latency at 2000 events/s",
         "opensearch.fanout.p99_ms", "opensearch.camel.p99_ms", "ms", ratio, "fanout / Camel",
         "≤ 0.2", lambda x: x <= 0.2),
    Line("PostgreSQL replica", "`pgbench` pipelined upsert, 1 stream (1 partition, 1 connection)",
         "postgres.fanout.eps.p1c1", "postgres.pgbench.eps.p1c1", "rows/s", ratio,
         "fanout / pgbench", "≥ 0.9", lambda x: x >= 0.9),
    Line("PostgreSQL replica", "`pgbench` pipelined upsert, 4 streams (4 partitions, 4 connections)",
         "postgres.fanout.eps.p4c4", "postgres.pgbench.eps.p4c4", "rows/s", ratio,
         "fanout / pgbench", "≥ 0.9", lambda x: x >= 0.9),
    Line("PostgreSQL replica", "the JDBC sink stand-in on Kafka Connect, 4 partitions",
         "postgres.fanout.eps.p4c4", "postgres.jdbc.eps.p4c4", "rows/s", ratio, "fanout / JDBC",
         "≥ 3×", lambda x: x >= 3.0),
    Line("Kafka → Kafka", "Kafka Streams `exactly_once_v2`, 1 partition", "kafka.fanout.eps.p1",
         "kafka.streams.eps.p1", "events/s", ratio, "fanout / Streams", "≥ 4×",
         lambda x: x >= 4.0),
    Line("Kafka → Kafka", "Kafka Streams `exactly_once_v2`, 3 partitions", "kafka.fanout.eps.p3",
         "kafka.streams.eps.p3", "events/s", ratio, "fanout / Streams", "≥ 4×",
         lambda x: x >= 4.0),
    Line("Kafka → Kafka latency", "paced 5000/s, `commit_interval: 100ms`: p99",
         "kafka.latency.p99_ms", None, "ms", value, "p99 ms", "≤ 250 ms", lambda x: x <= 250),
    Line("Kafka → Kafka latency", "throughput at 100 ms commits against 1 s commits",
         "kafka.fanout.eps.ci100.p1", "kafka.fanout.eps.p1", "events/s", cost, "cost",
         "≤ 20 %", lambda x: x <= 0.20),
    Line("freshness", "fanout's share (Kafka append → Redis applies it, per change) at 1000 changes/s: p99",
         "freshness.fanout.p99_ms", None, "ms", value, "p99 ms", "≤ 20 ms", lambda x: x <= 20,
         ("freshness.rate", lambda r: r >= 900, "≥ 900 of the 1000 changes/s asked")),
    Line("freshness", "source commit → sink ack through Debezium at 1000 changes/s: p99",
         "freshness.e2e.p99_ms", None, "ms", value, "p99 ms", "≤ 250 ms", lambda x: x <= 250,
         ("freshness.rate", lambda r: r >= 900, "≥ 900 of the 1000 changes/s asked")),
    Line("memory", "peak RSS with a backlog of ~4 KB events waiting (how many: inputs), sink hung, then at full speed",
         "memory.rss_mb", None, "MB", value, "MB", "≤ 150 MB", lambda x: x <= 150,
         ("memory.events", lambda n: n >= 1_000_000, "1 000 000 events waiting")),
]


def human(x: Optional[float], unit: str) -> str:
    if x is None or math.isnan(x):
        return "—"
    if unit in ("events/s", "rows/s"):
        return f"{x / 1000:,.1f}k/s" if x >= 1000 else f"{x:,.0f}/s"
    if unit == "ms":
        return f"{x:,.1f} ms"
    if unit == "CPU s":
        return f"{x:,.1f} s"
    if unit == "MB":
        return f"{x:,.0f} MB"
    return f"{x:g}"


def shown(line: Line, x: float) -> str:
    if math.isnan(x):
        return "—"
    if line.figure is cost:
        return f"{x * 100:.0f} %"
    if line.figure is ratio:
        return f"{x:.2f}×" if "×" in line.target else f"{x:.2f}"
    return human(x, line.unit)


@dataclass
class Evaluated:
    line: Line
    fanout: Optional[Measure]
    reference: Optional[Measure]
    figure: float
    verdict: str


def evaluate(rows: Dict[str, Measure]) -> List[Evaluated]:
    out = []
    for line in LINES:
        f = rows.get(line.fanout_key)
        r = rows.get(line.reference_key) if line.reference_key else None
        figure = math.nan
        if f is not None and f.value is not None:
            if line.reference_key is None:
                figure = line.figure(f.value, None)
            elif r is not None and r.value is not None:
                figure = line.figure(f.value, r.value)
        if f is None:
            verdict = "not measured"
        elif f.value is None:
            verdict = "fanout's run failed"
        elif math.isnan(figure):
            verdict = f"no reference ({r.inputs})" if r is not None else "no reference: not measured"
        else:
            verdict = "**holds**" if line.holds(figure) else "**misses**"
            if line.condition is not None:
                key, test, wanted = line.condition
                c = rows.get(key)
                if c is None or c.value is None or not test(c.value):
                    verdict += f" (indicative: the target asks {wanted})"
        out.append(Evaluated(line, f, r, figure, verdict))
    return out


def cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def table(rows: Dict[str, Measure]) -> str:
    lines = [
        "| route | measured against (same run) | fanout | reference | figure | target | verdict | inputs | command | commit, date (UTC) |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    for e in evaluate(rows):
        f, r, line = e.fanout, e.reference, e.line
        inputs = f.inputs if f else ""
        if r is not None and r.inputs and r.inputs != inputs:
            # Only what the reference's inputs add: the shared part (same input, same run) once.
            own = set(inputs.split("; "))
            extra = "; ".join(p for p in r.inputs.split("; ") if p not in own)
            if extra:
                inputs = f"{inputs}; reference: {extra}" if inputs else extra
        commands = [] if f is None else [f.command]
        if r is not None and r.command not in commands:
            commands.append(r.command)
        lines.append("| " + " | ".join(cell(c) for c in [
            line.route,
            line.against,
            human(f.value if f else None, line.unit),
            human(r.value if r else None, line.unit) if line.reference_key else "",
            "—" if math.isnan(e.figure) else shown(line, e.figure) if line.figure is value
            else f"{shown(line, e.figure)} ({line.figure_name})",
            line.target,
            e.verdict,
            inputs,
            "; ".join(f"`{c}`" for c in commands if c),
            f"`{f.commit}`, {f.date}" if f else "",
        ]) + " |")
    return "\n".join(lines) + "\n"


def compare_table(before: Dict[str, Measure], after: Dict[str, Measure]) -> str:
    lines = [
        "| route | measured against | before | after | target | before → after |",
        "|---|---|---|---|---|---|",
    ]
    for b, a in zip(evaluate(before), evaluate(after)):
        line = b.line
        lines.append("| " + " | ".join(cell(c) for c in [
            line.route, line.against, shown(line, b.figure), shown(line, a.figure), line.target,
            f"{b.verdict} → {a.verdict}",
        ]) + " |")
    commits = sorted({m.commit for m in before.values()}) + ["→"] + sorted({m.commit for m in after.values()})
    return "\n".join(lines) + f"\n\nCommits: {' '.join(commits)}.\n"


def write_doc(doc: str, text: str) -> None:
    with open(doc, encoding="utf-8") as f:
        content = f.read()
    start, end = content.find(BEGIN), content.find(END)
    if start < 0 or end < start:
        sys.exit(f"summary.py: {doc} has no {BEGIN!r} ... {END!r} markers")
    content = content[: start + len(BEGIN)] + "\n" + text + content[end:]
    with open(doc, "w", encoding="utf-8") as f:
        f.write(content)


# The plot: fanout beside the ceilings and peers of the throughput lines, measured in one run.
PLOT_GROUPS = [
    ("Redis", "redis.fanout.eps", [("kcat floor", "redis.kcat.eps"), ("Connect Redis sink", "redis.connect.eps")]),
    ("OpenSearch", "opensearch.fanout.eps", [("raw _bulk", "opensearch.raw.eps"), ("Camel", "opensearch.camel.eps")]),
    ("PostgreSQL 1 stream", "postgres.fanout.eps.p1c1", [("pgbench", "postgres.pgbench.eps.p1c1")]),
    ("PostgreSQL 4 streams", "postgres.fanout.eps.p4c4", [("pgbench", "postgres.pgbench.eps.p4c4"), ("JDBC stand-in", "postgres.jdbc.eps.p4c4")]),
    ("Kafka 1 partition", "kafka.fanout.eps.p1", [("Kafka Streams", "kafka.streams.eps.p1")]),
    ("Kafka 3 partitions", "kafka.fanout.eps.p3", [("Kafka Streams", "kafka.streams.eps.p3")]),
]


def plot(rows: Dict[str, Measure], png: str) -> None:
    def num(key: str) -> str:
        m = rows.get(key)
        return f"{m.value:.0f}" if m is not None and m.value is not None else "NaN"

    with tempfile.TemporaryDirectory() as tmp:
        data = os.path.join(tmp, "plot.dat")
        with open(data, "w", encoding="utf-8") as f:
            for name, fanout_key, refs in PLOT_GROUPS:
                ceiling = refs[0]
                peer = refs[1] if len(refs) > 1 else ("", "")
                f.write(f'"{name}" {num(fanout_key)} {num(ceiling[1])} '
                        f'{num(peer[1]) if peer[1] else "NaN"} "{ceiling[0]}" "{peer[0]}"\n')
        # A series with no measured point at all makes gnuplot fail: leave it out.
        series = [(2, "fanout", "#1f77b4", [fk for _, fk, _ in PLOT_GROUPS]),
                  (3, "ceiling (kcat, raw _bulk, pgbench) or Kafka Streams", "#aaaaaa",
                   [refs[0][1] for _, _, refs in PLOT_GROUPS]),
                  (4, "peer (Connect Redis sink, Camel, JDBC stand-in)", "#ff7f0e",
                   [refs[1][1] for _, _, refs in PLOT_GROUPS if len(refs) > 1])]
        parts = []
        for column, title, color, keys in series:
            if any(num(k) != "NaN" for k in keys):
                using = f"{column}:xtic(1)" if not parts else str(column)
                parts.append(f'"{data if not parts else ""}" using {using} title "{title}" lc rgb "{color}"')
        if not parts:
            sys.exit("summary.py: nothing to plot")
        plot_command = "plot " + ", \\\n     ".join(parts)
        commits = sorted({m.commit for m in rows.values()})
        dates = sorted({m.date[:10] for m in rows.values()})
        script = f"""
set terminal pngcairo size 1200,560 font "DejaVu Sans,10"
set output "{png}"
set title "fanout beside ceilings and peers, same input, same run (commit {' '.join(commits)}, {' '.join(dates)})"
set style data histogram
set style histogram cluster gap 1
set style fill solid 0.85 border -1
set boxwidth 0.9
set logscale y
set yrange [1000:*]
set ylabel "events (rows) per second, log scale"
set grid ytics
set key top right
set xtics noenhanced
set key noenhanced
{plot_command}
"""
        subprocess.run(["gnuplot"], input=script, text=True, check=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("rows")
    parser.add_argument("--doc", help="replace the table between the markers of this file")
    parser.add_argument("--plot", help="write the PNG plot here (needs gnuplot)")
    parser.add_argument("--before", help="rows of a run of the old build: print a before/after table")
    parser.add_argument("--heading", default="", help="a line printed above the table")
    args = parser.parse_args()
    rows = read_rows(args.rows)
    if not rows:
        sys.exit(f"summary.py: no rows in {args.rows}")
    if args.before:
        print(compare_table(read_rows(args.before), rows))
        return
    text = (args.heading + "\n\n" if args.heading else "") + table(rows)
    print(text)
    if args.doc and not any(not math.isnan(e.figure) for e in evaluate(rows)):
        sys.exit(f"summary.py: no line has a figure; {args.doc} is left as it was")
    # The plot first, into a temporary file renamed over the old one: the table in the doc and
    # the plot beside it come from the same run, or neither changes.
    if args.plot:
        tmp = args.plot + ".tmp.png"
        plot(rows, tmp)
        os.replace(tmp, args.plot)
    if args.doc:
        if args.plot:
            # The link lives inside the generated part: a doc without a plot links to none.
            link = os.path.relpath(args.plot, os.path.dirname(os.path.abspath(args.doc)))
            text = f"![fanout beside ceilings and peers]({link})\n\n{text}"
        write_doc(args.doc, text)


if __name__ == "__main__":
    main()
