#!/usr/bin/env bash
# The benchmarks behind the `## Summary` table of docs/BENCHMARKS.md, one after the other (never
# two at once: they share the two cores), each putting its rows into BENCH_SUMMARY through
# bench/lib/summary.sh. `make bench` runs `full`, `make bench-quick` runs `quick` (the same
# lines on smaller inputs: for before and after a change).
#
#   FANOUT_BIN=build-bench/fanout BENCH_SUMMARY=/tmp/rows.tsv bench/suite.sh full|quick [part...]
#
# Parts (all by default, in this order): sinks postgres kafka freshness memory. A part that fails
# is reported and the others still run; its lines then say "not measured" in the table, and the
# script exits 1 at the end. Logs of every part go to OUT_DIR (default /tmp/fanout-bench-<time>).
# Starts the stack's servers each part needs (stack/stack.sh up) and leaves them running.
set -uo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO="$(cd "$HERE/.." && pwd)"
MODE="${1:?usage: bench/suite.sh full|quick [sinks postgres kafka freshness memory]}"
shift
PARTS="${*:-sinks postgres kafka freshness memory}"
: "${BENCH_SUMMARY:?set BENCH_SUMMARY to the rows file}"
: "${FANOUT_BIN:?set FANOUT_BIN to a Release build of fanout}"
export BENCH_SUMMARY FANOUT_BIN
OUT_DIR="${OUT_DIR:-/tmp/fanout-bench-$(date +%Y%m%d-%H%M%S)}"
mkdir -p "$OUT_DIR"
case "$MODE" in full | quick) ;; *) echo "bench/suite.sh: unknown mode $MODE (full | quick)" >&2; exit 2 ;; esac

failed=()
log() { printf '%s suite: %s\n' "$(date +%T)" "$*" >&2; }

# part NAME COMMAND...: runs one benchmark with its environment, logs to OUT_DIR/NAME.log.
part() {
  local name="$1"
  shift
  local t0=$SECONDS
  log "$name: $*"
  if (cd "$REPO" && env "$@") >"$OUT_DIR/$name.log" 2>&1; then
    log "$name: done in $((SECONDS - t0)) s"
  else
    log "$name: FAILED after $((SECONDS - t0)) s (log: $OUT_DIR/$name.log)"
    tail -5 "$OUT_DIR/$name.log" >&2
    failed+=("$name")
  fi
}

q() { [ "$MODE" = quick ]; }

for p in $PARTS; do
  case "$p" in
    sinks)
      if q; then
        part sinks QUICK=1 REPS=1 LAT_RATE=2000 LAT_SECONDS=3 OUT_DIR="$OUT_DIR/sinks" bench/sinks/run.sh
      else
        part sinks N=500000 KEYS=100000 REPS=3 LAT_RATE=2000 LAT_SECONDS=15 OUT_DIR="$OUT_DIR/sinks" bench/sinks/run.sh
      fi
      ;;
    postgres)
      # One stream: 1 partition, 1 connection each (fanout keeps the partition's order on one
      # connection). Four streams: 4 partitions, 4 connections, and the JDBC stand-in.
      if q; then
        part postgres-1 N=40000 KEYS=20000 PARTITIONS=1 POOL=1 LAT_RATE=0 OUT_DIR="$OUT_DIR/postgres-1" bench/postgres/run.sh fanout pgbench
        part postgres-4 N=40000 KEYS=20000 PARTITIONS=4 POOL=4 LAT_RATE=0 OUT_DIR="$OUT_DIR/postgres-4" bench/postgres/run.sh fanout pgbench jdbc
      else
        part postgres-1 N=200000 KEYS=100000 PARTITIONS=1 POOL=1 LAT_RATE=0 OUT_DIR="$OUT_DIR/postgres-1" bench/postgres/run.sh fanout pgbench
        part postgres-4 N=200000 KEYS=100000 PARTITIONS=4 POOL=4 LAT_RATE=1000 OUT_DIR="$OUT_DIR/postgres-4" bench/postgres/run.sh fanout pgbench jdbc
      fi
      ;;
    kafka)
      if q; then
        part kafka N=100000 REPS=1 PARTITIONS="1 3" ENGINES="fanout-eos fanout-eos@100ms streams-eos" \
          LAT_RATE=5000 LAT_SECONDS=10 LAT_ENGINES=fanout-eos@100ms LAT_PARTITIONS=1 OUT_DIR="$OUT_DIR/kafka" bench/e2e/run.sh
      else
        part kafka N=500000 REPS=2 PARTITIONS="1 3" ENGINES="fanout-eos fanout-eos@100ms streams-eos" \
          LAT_RATE=5000 LAT_SECONDS=30 LAT_REPS=1 LAT_ENGINES=fanout-eos@100ms LAT_PARTITIONS=1 OUT_DIR="$OUT_DIR/kafka" bench/e2e/run.sh
      fi
      ;;
    freshness)
      if q; then
        part freshness RATE=1000 DURATION=10 WARMUP=3 PROFILES=recommended OUT_DIR="$OUT_DIR/freshness" bench/freshness/run.sh
      else
        part freshness RATE=1000 DURATION=30 PROFILES="recommended default" OUT_DIR="$OUT_DIR/freshness" bench/freshness/run.sh
      fi
      ;;
    memory)
      "$REPO/stack/stack.sh" up kafka >&2
      if q; then
        part memory EVENTS=100000 PARTITIONS=4 PHASE_S=15 RUN_DIR="$OUT_DIR/memory" bench/memory/backlog_rss.sh
      else
        part memory EVENTS=1000000 PARTITIONS=4 PHASE_S=60 RUN_DIR="$OUT_DIR/memory" bench/memory/backlog_rss.sh
      fi
      ;;
    *) log "unknown part $p"; failed+=("$p") ;;
  esac
done

if [ ${#failed[@]} -gt 0 ]; then
  log "failed parts: ${failed[*]} (logs in $OUT_DIR)"
  exit 1
fi
log "all parts done (logs in $OUT_DIR)"
