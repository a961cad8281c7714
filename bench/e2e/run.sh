#!/usr/bin/env bash
# Kafka->Kafka routed-throughput benchmark: fanout (exactly_once, at_least_once) beside a Kafka
# Streams exactly_once_v2 peer (bench/peers/kafka-streams) doing the same routing, on the stack's
# broker, one after another (never two engines at once), REPS times each, then a table of medians.
#
#   bench/e2e/run.sh                       # N=200000, 1 partition, JSON without schemas, 2 reps
#   N=100000 VARIANTS="noschema schema" PARTITIONS="1 3" REPS=3 bench/e2e/run.sh
#   LAT_RATE=5000 LAT_SECONDS=30 bench/e2e/run.sh   # also a paced run per engine: latency p50/p99
#   ENGINES="fanout-eos fanout-eos@100ms streams-eos streams-eos@100ms" PARTITIONS="1 3" \
#     LAT_RATE=5000 LAT_ENGINES="fanout-eos@100ms fanout-eos" LAT_PARTITIONS=1 bench/e2e/run.sh
#
# An engine is NAME[@INTERVAL]: fanout-eos@100ms runs fanout with processing.commit_interval
# 100ms, streams-eos@100ms the peer with commit.interval.ms=100; without @ both commit every 1s.
#
# Work (both engines): input = N real Debezium PostgreSQL change events of public.customers
# (bench/e2e/gen.py; ~1/7 of them Debezium tombstones, which route nowhere), output = the after-
# image without notes/profile as JSON keyed by id, deletes as tombstones, with fanout.* headers.
#
# Throughput = routed records / (time the engine's group has committed the whole input
#   - CreateTime of the first output record). Committed input offsets imply committed output
#   (same transaction under exactly-once; after every ack under at-least-once). Starting the clock
#   at the first output record leaves out process/JVM start, group join and metadata fetches,
#   for both engines alike; "startup" (launch -> first output record) is reported separately.
# Latency (LAT_RATE > 0): a producer writes at LAT_RATE records/s for LAT_SECONDS to a fresh
#   input while a read_committed consumer tails the output: latency = time received - input
#   CreateTime (so it includes the wait for the transaction commit).
#
# Knobs (environment): N (200000), KEYS (1000), REPS (2), PARTITIONS ("1"), VARIANTS ("noschema";
# also "schema"), ENGINES ("fanout-eos fanout-alo streams-eos"; also "streams-alo"; each may take
# @INTERVAL, e.g. "fanout-eos@100ms"), RUN_TIMEOUT (120 s per run), LAT_RATE (0 = no latency
# runs), LAT_SECONDS (30), LAT_REPS (REPS), LAT_ENGINES (ENGINES), LAT_PARTITIONS (PARTITIONS:
# the partition counts that also get latency runs), STREAMS_THREADS (1), STREAMS_JAVA_OPTS (""),
# FANOUT_BIN (build-bench/fanout, a Release build), FANOUT_YAML (bench/e2e/fanout.yaml; a copy
# with other kafka: settings compares consumer tunings), PERF_ENGINE (""; e.g. "fanout-eos":
# `perf record` that engine's throughput runs, perf.*.data in OUT_DIR; PERF_ARGS "-F 499 -g"),
# OUT_DIR. With BENCH_SUMMARY set (make bench / bench-quick), the medians go to the Summary rows
# through bench/lib/summary.sh (keys kafka.*; see the end of this script).
# Bounded: every wait has a timeout. Idempotent: topics and groups are named e2e.<run>.*, leftovers
# of earlier runs (e2e.*) are deleted at start, this run's at exit. Starts the stack's Kafka if it
# is not running and leaves it running.
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO="$(cd "$HERE/../.." && pwd)"
# shellcheck source=stack/env
source "$REPO/stack/env"
# shellcheck source=bench/lib/summary.sh
source "$REPO/bench/lib/summary.sh"
# The command line that reproduces this invocation (for the Summary rows): the knobs that were set.
REPRO=""
for knob in N KEYS REPS PARTITIONS VARIANTS ENGINES LAT_RATE LAT_SECONDS LAT_REPS LAT_ENGINES LAT_PARTITIONS \
  STREAMS_THREADS FANOUT_YAML; do
  [ -n "${!knob+x}" ] && REPRO+="$knob=\"${!knob}\" "
done
REPRO+="FANOUT_BIN=<Release build>/fanout bench/e2e/run.sh"

N="${N:-200000}"
KEYS="${KEYS:-1000}"
REPS="${REPS:-2}"
PARTITIONS="${PARTITIONS:-1}"
VARIANTS="${VARIANTS:-noschema}"
ENGINES="${ENGINES:-fanout-eos fanout-alo streams-eos}"
RUN_TIMEOUT="${RUN_TIMEOUT:-120}"
LAT_RATE="${LAT_RATE:-0}"
LAT_SECONDS="${LAT_SECONDS:-30}"
STREAMS_THREADS="${STREAMS_THREADS:-1}"
STREAMS_JAVA_OPTS="${STREAMS_JAVA_OPTS:-}"
LAT_REPS="${LAT_REPS:-$REPS}"
LAT_ENGINES="${LAT_ENGINES:-$ENGINES}"
LAT_PARTITIONS="${LAT_PARTITIONS:-$PARTITIONS}"
PERF_ENGINE="${PERF_ENGINE:-}"
PERF_ARGS="${PERF_ARGS:--F 499 -g}"
FANOUT_BIN="${FANOUT_BIN:-$REPO/build-bench/fanout}"
FANOUT_YAML="${FANOUT_YAML:-$HERE/fanout.yaml}"
RUN_ID="$(date +%Y%m%d-%H%M%S)"
OUT_DIR="${OUT_DIR:-/tmp/fanout-e2e-$RUN_ID}"
PREFIX="e2e.$RUN_ID."
PEER_DIR="$REPO/bench/peers/kafka-streams"
PEER_CP="$PEER_DIR/target/fanout-streams-peer-1.jar:$PEER_DIR/target/lib/*"
BOOT="$FANOUT_KAFKA_BOOTSTRAP"
CLK_TCK="$(getconf CLK_TCK)"
mkdir -p "$OUT_DIR"
RESULTS="$OUT_DIR/results.tsv"
: >"$RESULTS"

log() { printf '%s e2e: %s\n' "$(date +%T)" "$*" >&2; }
now_ms() { date +%s%3N; }
probe() { java -XX:TieredStopAtLevel=1 -XX:+UseSerialGC -Xmx256m -cp "$PEER_CP" fanout.bench.Probe "$@"; }

# --- prerequisites -------------------------------------------------------------------------
[ -x "$FANOUT_BIN" ] || {
  log "building $FANOUT_BIN (Release)"
  cmake -S "$REPO" -B "$REPO/build-bench" -G Ninja -DCMAKE_BUILD_TYPE=Release \
    -DFANOUT_BUILD_BENCH=ON -DFANOUT_BUILD_TESTS=OFF >/dev/null
  cmake --build "$REPO/build-bench" --target fanout
}
BENCH_GROUP=x BENCH_CLIENT=x BENCH_INPUT=x BENCH_OUTPUT=x BENCH_DLQ=x BENCH_GUARANTEE=exactly_once \
  "$FANOUT_BIN" validate -c "$FANOUT_YAML" >&2 || { log "$FANOUT_BIN cannot validate $FANOUT_YAML"; exit 1; }
if [ ! -f "$PEER_DIR/target/fanout-streams-peer-1.jar" ] || [ -n "$(find "$PEER_DIR/src" "$PEER_DIR/pom.xml" -newer "$PEER_DIR/target/fanout-streams-peer-1.jar" 2>/dev/null)" ]; then
  log "building the Kafka Streams peer (mvn package)"
  (cd "$PEER_DIR" && mvn -q -B package)
fi
"$REPO/stack/stack.sh" up kafka >&2

ENGINE_PID=""
PERF_PID=""
cleanup() {
  if [ -n "$PERF_PID" ] && kill -0 "$PERF_PID" 2>/dev/null; then kill -INT "$PERF_PID" 2>/dev/null || true; fi
  if [ -n "$ENGINE_PID" ] && kill -0 "$ENGINE_PID" 2>/dev/null; then kill -KILL "$ENGINE_PID" 2>/dev/null || true; fi
  probe cleanup "$BOOT" "$PREFIX" >&2 2>/dev/null || true
}
trap cleanup EXIT
probe cleanup "$BOOT" "e2e." >&2

# --- engines -------------------------------------------------------------------------------
# interval_ms 100ms|1s|250 -> milliseconds (a bare number is milliseconds)
interval_ms() {
  case "$1" in
    *ms) echo "${1%ms}" ;;
    *s) echo $(( ${1%s} * 1000 )) ;;
    *) echo "$1" ;;
  esac
}

# start_engine ENGINE[@INTERVAL] ID INPUT OUTPUT LOG -> sets ENGINE_PID
start_engine() {
  local engine="${1%%@*}" ci=1s id="$2" input="$3" output="$4" logf="$5"
  [[ "$1" == *@* ]] && ci="${1#*@}"
  case "$engine" in
    fanout-eos | fanout-alo)
      local g=exactly_once
      [ "$engine" = fanout-alo ] && g=at_least_once
      BENCH_GROUP="$id" BENCH_CLIENT="$id" BENCH_INPUT="$input" BENCH_OUTPUT="$output" \
        BENCH_DLQ="$id.dlq" BENCH_GUARANTEE="$g" BENCH_COMMIT_INTERVAL="$ci" \
        "$FANOUT_BIN" run -c "$FANOUT_YAML" >"$logf" 2>&1 &
      ;;
    streams-eos | streams-alo)
      local g=exactly_once_v2
      [ "$engine" = streams-alo ] && g=at_least_once
      # shellcheck disable=SC2086
      java $STREAMS_JAVA_OPTS -cp "$PEER_CP" fanout.bench.StreamsPeer "$BOOT" "$id" "$input" "$output" \
        "$g" "$STREAMS_THREADS" "$(interval_ms "$ci")" >"$logf" 2>&1 &
      ;;
    *) log "unknown engine $engine"; exit 2 ;;
  esac
  ENGINE_PID=$!
}

stop_engine() {
  local pid="$1"
  kill -TERM "$pid" 2>/dev/null || true
  for _ in $(seq 1 300); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
  kill -KILL "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
  ENGINE_PID=""
}

cpu_seconds() { # utime+stime of a live process, seconds
  awk -v t="$CLK_TCK" '{ sub(/^.*\) /, ""); printf "%.2f", ($12 + $13) / t }' "/proc/$1/stat" 2>/dev/null || echo NA
}

kv() { sed -n "s/.*\b$1=\([^ ]*\).*/\1/p" <<<"$2" | head -1; }

# --- throughput run --------------------------------------------------------------------------
# run_tput ENGINE VARIANT P REP INPUT ROUTED
run_tput() {
  local engine="$1" variant="$2" p="$3" rep="$4" input="$5" routed="$6"
  local id="${PREFIX}${engine//@/.ci}.${variant}.p${p}.r${rep}" # topic names take no @
  local output="$id.out" logf="$OUT_DIR/$engine.$variant.p$p.r$rep.log" wf="$OUT_DIR/wait.$engine.$variant.p$p.r$rep"
  probe create "$BOOT" "$p" "$output" "$id.dlq" >&2
  probe wait "$BOOT" "$id" "$input" "$RUN_TIMEOUT" >"$wf" 2>&1 &
  local wpid=$!
  for _ in $(seq 1 300); do grep -q '^ready' "$wf" && break; sleep 0.1; done
  local t0; t0="$(now_ms)"
  start_engine "$engine" "$id" "$input" "$output" "$logf"
  local epid="$ENGINE_PID"
  if [ -n "$PERF_ENGINE" ] && [ "$engine" = "$PERF_ENGINE" ]; then
    # shellcheck disable=SC2086
    perf record $PERF_ARGS -p "$epid" -o "$OUT_DIR/perf.$engine.$variant.p$p.r$rep.data" >"$OUT_DIR/perf.$engine.$variant.p$p.r$rep.log" 2>&1 &
    PERF_PID=$!
  fi
  wait "$wpid" || true
  local cpu; cpu="$(cpu_seconds "$epid")"
  if [ -n "$PERF_PID" ]; then
    kill -INT "$PERF_PID" 2>/dev/null || true
    wait "$PERF_PID" 2>/dev/null || true
    PERF_PID=""
  fi
  stop_engine "$epid"
  local w; w="$(grep -E '^(done|timeout)' "$wf" || true)"
  local v; v="$(probe verify "$BOOT" "$output")"
  local done_ms first last recs distinct tombs status=ok
  done_ms="$(kv done_ms "$w")"; first="$(kv first_ts "$v")"; last="$(kv last_ts "$v")"; recs="$(kv records "$v")"
  distinct="$(kv distinct "$v")"; tombs="$(kv tombstones "$v")"
  if [ -z "$done_ms" ]; then status="timeout($w)"; done_ms=0; fi
  [ "$recs" = "$routed" ] && [ "$distinct" = "$routed" ] || status="$status;records=$recs,distinct=$distinct,expected=$routed"
  local eps=NA peps=NA startup=NA total=NA
  if [ "$done_ms" -gt 0 ] && [ "${first:-0}" -gt 0 ]; then
    eps=$(( routed * 1000 / (done_ms - first) ))
    [ "$last" -gt "$first" ] && peps=$(( routed * 1000 / (last - first) ))
    startup=$(( first - t0 )); total=$(( done_ms - t0 ))
  fi
  printf 'tput\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$variant" "$p" "$engine" "$rep" "$eps" \
    "$startup" "$total" "$cpu" "$routed" "$status" "$peps" >>"$RESULTS"
  log "tput $engine $variant p=$p rep=$rep: ${eps} ev/s committed, ${peps} ev/s first->last output record (startup ${startup} ms, launch->committed ${total} ms, cpu ${cpu} s, records $recs/$routed, tombstones $tombs) $status"
  probe cleanup "$BOOT" "$id" >/dev/null 2>&1 || true
}

# --- latency run ----------------------------------------------------------------------------
run_lat() {
  local engine="$1" variant="$2" p="$3" rep="$4" data="$5"
  local id="${PREFIX}lat.${engine//@/.ci}.${variant}.p${p}.r${rep}"
  local input="$id.in" output="$id.out" logf="$OUT_DIR/lat.$engine.$variant.p$p.r$rep.log"
  probe create "$BOOT" "$p" "$input" "$output" "$id.dlq" >&2
  start_engine "$engine" "$id" "$input" "$output" "$logf"
  local epid="$ENGINE_PID"
  for _ in $(seq 1 600); do grep -qE 'kafka: assigned|peer: RUNNING' "$logf" && break; sleep 0.1; done
  sleep 2
  local r; r="$(timeout $((LAT_SECONDS + 60)) java -cp "$PEER_CP" fanout.bench.Probe latency "$BOOT" "$input" "$output" "$data" "$LAT_RATE" "$LAT_SECONDS" || true)"
  local cpu; cpu="$(cpu_seconds "$epid")"
  stop_engine "$epid"
  local status=ok
  [ "$(kv received "$r")" = "$(kv expected "$r")" ] && [ "$(kv duplicates "$r")" = 0 ] || status="incomplete($r)"
  printf 'lat\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$variant" "$p" "$engine" "$rep" "$(kv p50_ms "$r")" \
    "$(kv p99_ms "$r")" "$(kv max_ms "$r")" "$cpu" "$(kv received "$r")" "$status" >>"$RESULTS"
  log "lat $engine $variant p=$p rep=$rep @${LAT_RATE}/s: $r cpu ${cpu} s"
  probe cleanup "$BOOT" "$id" >/dev/null 2>&1 || true
}

# --- main ------------------------------------------------------------------------------------
log "results in $OUT_DIR; fanout $("$FANOUT_BIN" --version) ($FANOUT_BIN); N=$N keys=$KEYS reps=$REPS"
for variant in $VARIANTS; do
  case "$variant" in
    noschema) src="$REPO/tests/data/debezium/postgres/capnoschema.public.customers.jsonl" ;;
    schema) src="$REPO/tests/data/debezium/postgres/capschema.public.customers.jsonl" ;;
    *) log "unknown variant $variant"; exit 2 ;;
  esac
  data="$OUT_DIR/data.$variant.tsv"
  routed="$(python3 "$HERE/gen.py" --source "$src" -n "$N" --keys "$KEYS" -o "$data" 2>&1 | sed -n 's/.*routed=\([0-9]*\).*/\1/p')"
  [ "$variant" = noschema ] && ROUTED_NOSCHEMA="$routed"
  for p in $PARTITIONS; do
    input="${PREFIX}in.$variant.p$p"
    probe create "$BOOT" "$p" "$input" >&2
    kcat -b "$BOOT" -P -t "$input" -K $'\t' -Z -X linger.ms=20 -l "$data"
    log "preloaded $input: $N records ($routed routed), $(du -h "$data" | cut -f1)"
    for rep in $(seq 1 "$REPS"); do
      for engine in $ENGINES; do run_tput "$engine" "$variant" "$p" "$rep" "$input" "$routed"; done
    done
    if [ "$LAT_RATE" -gt 0 ] && [[ " $LAT_PARTITIONS " == *" $p "* ]]; then
      for rep in $(seq 1 "$LAT_REPS"); do
        for engine in $LAT_ENGINES; do run_lat "$engine" "$variant" "$p" "$rep" "$data"; done
      done
    fi
  done
done

MEDIANS="$OUT_DIR/medians.tsv"
python3 - "$RESULTS" "$MEDIANS" <<'PY'
import statistics, sys
from collections import defaultdict
rows = [l.rstrip("\n").split("\t") for l in open(sys.argv[1]) if l.strip()]
def med(xs):
    xs = [float(x) for x in xs if x not in ("NA", "", "-1")]
    return statistics.median(xs) if xs else float("nan")
tput = defaultdict(list); lat = defaultdict(list)
for r in rows:
    (tput if r[0] == "tput" else lat)[(r[1], r[2], r[3])].append(r)
# medians.tsv for the Summary rows: kind variant partitions engine runs median [p99] (runs whose
# status is ok only; NA when none is)
with open(sys.argv[2], "w") as f:
    for (v, p, e), rs in tput.items():
        ok = [r for r in rs if r[10] == "ok"]
        m = med([r[5] for r in ok])
        f.write(f"tput\t{v}\t{p}\t{e}\t{len(ok)}/{len(rs)}\t{'NA' if m != m else round(m)}\n")
    for (v, p, e), rs in lat.items():
        ok = [r for r in rs if r[10] == "ok"]
        m50, m99 = med([r[5] for r in ok]), med([r[6] for r in ok])
        f.write(f"lat\t{v}\t{p}\t{e}\t{len(ok)}/{len(rs)}\t{'NA' if m50 != m50 else round(m50)}\t{'NA' if m99 != m99 else round(m99)}\n")
print()
print("| variant | partitions | engine | runs | events/s to committed (median) | each run | events/s first->last output | startup ms | CPU s | vs streams-eos | status |")
print("|---|---|---|---|---|---|---|---|---|---|---|")
for (v, p, e), rs in tput.items():
    m = med([r[5] for r in rs])
    peer = tput.get((v, p, "streams-eos"))
    ratio = f"{m / med([r[5] for r in peer]):.2f}x" if peer else "-"
    st = ",".join(sorted(set(r[10] for r in rs)))
    print(f"| {v} | {p} | {e} | {len(rs)} | {m:,.0f} | {' / '.join(r[5] for r in rs)} | {med([r[11] for r in rs]):,.0f} | {med([r[6] for r in rs]):.0f} | {med([r[8] for r in rs]):.1f} | {ratio} | {st} |")
if lat:
    print()
    print("| variant | partitions | engine | runs | p50 ms | p99 ms | max ms | each run p50/p99 | CPU s | status |")
    print("|---|---|---|---|---|---|---|---|---|---|")
    for (v, p, e), rs in lat.items():
        st = ",".join(sorted(set(r[10][:60] for r in rs)))
        print(f"| {v} | {p} | {e} | {len(rs)} | {med([r[5] for r in rs]):.0f} | {med([r[6] for r in rs]):.0f} | {med([r[7] for r in rs]):.0f} | {' / '.join(r[5] + '/' + r[6] for r in rs)} | {med([r[8] for r in rs]):.1f} | {st} |")
PY
log "raw results: $RESULTS"

# --- Summary rows (bench/lib/summary.sh; no-op without BENCH_SUMMARY) -----------------------------
# Only what this invocation measured: JSON without schemas, exactly-once, medians of ok runs.
med_of() { # med_of KIND PARTITIONS ENGINE [COLUMN] -> median (column 6 = eps or p50, 7 = p99)
  awk -F'\t' -v k="$1" -v p="$2" -v e="$3" -v c="${4:-6}" '$1 == k && $2 == "noschema" && $3 == p && $4 == e { print $c; exit }' "$MEDIANS"
}
runs_of() { awk -F'\t' -v k="$1" -v p="$2" -v e="$3" '$1 == k && $2 == "noschema" && $3 == p && $4 == e { print $5; exit }' "$MEDIANS"; }
size="$(awk -F'\t' '$2 != "" { b += length($2); n++ } END { if (n) printf "%.0f", b / n }' "$OUT_DIR/data.noschema.tsv" 2>/dev/null || true)"
tput_put() { # tput_put KEY PARTITIONS ENGINE WORDS
  local v; v="$(med_of tput "$2" "$3")"
  [ -n "$v" ] || return 0
  summary_put "$1" "$v" "N=$N Debezium PG events of public.customers, JSON without schema (~${size:-?} B), ${ROUTED_NOSCHEMA:-?} routed, $2 partition(s), $4, median of $(runs_of tput "$2" "$3") ok runs, events/s to committed" "$REPRO"
}
tput_put kafka.fanout.eps.p1 1 fanout-eos "fanout exactly_once commit_interval 1s"
tput_put kafka.streams.eps.p1 1 streams-eos "Kafka Streams exactly_once_v2 commit.interval.ms 1000"
tput_put kafka.fanout.eps.p3 3 fanout-eos "fanout exactly_once commit_interval 1s"
tput_put kafka.streams.eps.p3 3 streams-eos "Kafka Streams exactly_once_v2 commit.interval.ms 1000"
tput_put kafka.fanout.eps.ci100.p1 1 fanout-eos@100ms "fanout exactly_once commit_interval 100ms"
lat_put() { # lat_put KEY ENGINE COLUMN WORDS
  local v; v="$(med_of lat 1 "$2" "$3")"
  [ -n "$v" ] || return 0
  summary_put "$1" "$v" "paced $LAT_RATE records/s for ${LAT_SECONDS}s (JSON without schema), 1 partition, $4, read_committed receive time - input CreateTime, median of $(runs_of lat 1 "$2") ok runs" "$REPRO"
}
lat_put kafka.latency.p99_ms fanout-eos@100ms 7 "fanout exactly_once commit_interval 100ms, p99"
lat_put kafka.latency.p50_ms fanout-eos@100ms 6 "fanout exactly_once commit_interval 100ms, p50"
# The peer at the same 100 ms if it was run so, else at its 1 s default (the words say which).
if [ -n "$(med_of lat 1 streams-eos@100ms)" ]; then
  lat_put kafka.streams.latency.p99_ms streams-eos@100ms 7 "Kafka Streams exactly_once_v2 commit.interval.ms 100, p99"
else
  lat_put kafka.streams.latency.p99_ms streams-eos 7 "Kafka Streams exactly_once_v2 commit.interval.ms 1000, p99"
fi
