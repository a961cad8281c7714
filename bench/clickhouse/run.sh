#!/usr/bin/env bash
# ClickHouse sink benchmark: fanout's ClickHouse route beside a raw `INSERT ... FORMAT
# JSONEachRow` of the same rows (curl, the HTTP interface the sink uses), on the stack's
# ClickHouse, in one run.
#
#   FANOUT_BIN=<release build>/fanout bench/clickhouse/run.sh
#
# Method:
# - Input: N Debezium 3.2.7 PostgreSQL change events of public.customers, every event a new id
#   (so every event is one row and no merge can hide rows), preloaded into one fresh topic of
#   PARTITIONS partitions before anything starts. INPUT=plain (default): JSON without schemas,
#   ~690 B (`bench/sinks/gen.py batch -n N --keys N`, the input of bench/sinks), into a table
#   made here whose columns take Debezium's plain encodings (balance base64 text, born days as
#   Int32, updated_at ISO text). INPUT=schemas: JsonConverter envelopes with schemas, ~4.2 KB
#   (`bench/postgres/gen.py batch -n N --keys N`), into the table `fanout init-sink --create`
#   makes from the first event (typed columns).
# - fanout: `fanout run -c bench/clickhouse/fanout.yaml` (pool_size POOL, batch_size BATCH,
#   at_least_once). Rate =
#   N / (done - first), first = the first poll (every ~100 ms) that sees a row, done = the first
#   poll that counts N rows; launch->done from the process start.
# - raw (the ceiling): the very rows fanout inserted, read back with `SELECT * ... FORMAT
#   JSONEachRow` (64-bit integers unquoted), split into files of BATCH rows, and POSTed as
#   `INSERT INTO <fresh table of the same DDL> FORMAT JSONEachRow` by POOL curl processes at
#   once (xargs -P POOL), each file one request. Rate = N / wall time of that step (curl start-up
#   included: a few ms per request).
# - ratio = fanout rate / raw rate; the target is >= 0.8. CPU s: fanout's user+sys.
#
# Knobs: N (200000), INPUT (plain), PARTITIONS (1), POOL (1, the sink's default), BATCH (5000), RUN_TIMEOUT (240 s), FANOUT_BIN,
# OUT_DIR. Bounded: every wait has a timeout. Topics, groups and tables are named
# chb.<run>. / chb_<run>_; leftovers of earlier runs are removed at start and this run's at exit.
# Starts the stack's kafka and clickhouse if they are down and leaves them running. Point it at a
# private stack with the FANOUT_* port variables (stack/env).
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO="$(cd "$HERE/../.." && pwd)"
# shellcheck source=stack/env
source "$REPO/stack/env"

N="${N:-200000}"
INPUT_FORMAT="${INPUT:-plain}"
PARTITIONS="${PARTITIONS:-1}"
POOL="${POOL:-1}"
BATCH="${BATCH:-5000}"
RUN_TIMEOUT="${RUN_TIMEOUT:-240}"
FANOUT_BIN="${FANOUT_BIN:-$REPO/build-bench/fanout}"
RUN_ID="$(date +%Y%m%d%H%M%S)"
OUT_DIR="${OUT_DIR:-/tmp/fanout-ch-$RUN_ID}"
PREFIX="chb.$RUN_ID."
TPREFIX="chb_${RUN_ID}_"
BOOT="$FANOUT_KAFKA_BOOTSTRAP"
CH="$FANOUT_CLICKHOUSE_URL"
CLK_TCK="$(getconf CLK_TCK)"
mkdir -p "$OUT_DIR"

log() { printf '%s ch-bench: %s\n' "$(date +%T)" "$*" >&2; }
now_ms() { date +%s%3N; }
chq() { curl -sS --max-time 60 "$CH/" --data-binary "$1"; }
ktopics() { timeout 60 "$REPO/stack/kafka.sh" topics "$@"; }
cpu_ticks() { awk '{ sub(/^.*\) /, ""); print $12 + $13 }' "/proc/$1/stat" 2>/dev/null || echo 0; }
ch_ticks() { cpu_ticks "$(cat "$FANOUT_RUN_DIR/pids/clickhouse.pid" 2>/dev/null || echo 0)"; }
secs() { awk -v t="$CLK_TCK" -v a="$1" 'BEGIN { printf "%.2f", a / t }'; }
rate() { if [ "$3" -gt "$2" ]; then echo $(($1 * 1000 / ($3 - $2))); else echo NA; fi; }

[ -x "$FANOUT_BIN" ] || {
  log "building $FANOUT_BIN (Release)"
  FANOUT_BIN="$REPO/build-bench/fanout"
  cmake -S "$REPO" -B "$REPO/build-bench" -G Ninja -DCMAKE_BUILD_TYPE=Release >/dev/null
  cmake --build "$REPO/build-bench" --target fanout
}
"$REPO/stack/stack.sh" up kafka clickhouse >&2

FANOUT_PID=""
cleanup() {
  set +e
  [ -n "$FANOUT_PID" ] && kill -KILL "$FANOUT_PID" 2>/dev/null
  drop "$PREFIX" "$TPREFIX" >/dev/null 2>&1
}
drop() { # TOPIC_PREFIX TABLE_PREFIX
  ktopics --delete --if-exists --topic "${1//./\\.}.*" >/dev/null 2>&1 || true
  for t in $(chq "SELECT name FROM system.tables WHERE database = 'default' AND startsWith(name, '$2')" 2>/dev/null || true); do
    chq "DROP TABLE IF EXISTS $t" >/dev/null 2>&1 || true
  done
}
trap cleanup EXIT
drop "chb." "chb_" # leftovers of earlier runs

# wait_rows TABLE WANT TIMEOUT -> "first_ms=.. done_ms=.." or "timeout ..."
wait_rows() {
  local first="" c=0 deadline=$((SECONDS + $3)) now
  while [ $SECONDS -lt "$deadline" ]; do
    c="$(chq "SELECT count() FROM $1" 2>/dev/null || echo 0)"
    [[ "$c" =~ ^[0-9]+$ ]] || c=0
    now="$(now_ms)"
    [ -z "$first" ] && [ "$c" -gt 0 ] && first="$now"
    if [ "$c" -ge "$2" ]; then echo "first_ms=$first done_ms=$now"; return; fi
    sleep 0.1
  done
  echo "timeout first_ms=$first rows=$c"
}
kv() { sed -n "s/.*\b$1=\([^ ]*\).*/\1/p" <<<"$2" | head -1; }

log "results in $OUT_DIR; N=$N input=$INPUT_FORMAT partitions=$PARTITIONS pool=$POOL batch=$BATCH; $("$FANOUT_BIN" --version 2>/dev/null || echo fanout) ($FANOUT_BIN); ClickHouse $(chq 'SELECT version()')"
data="$OUT_DIR/events.tsv"
case "$INPUT_FORMAT" in
  plain) python3 "$REPO/bench/sinks/gen.py" batch -n "$N" --keys "$N" -o "$data" ;;
  schemas) python3 "$REPO/bench/postgres/gen.py" batch -n "$N" --keys "$N" -o "$data" ;;
  *) log "INPUT must be plain or schemas"; exit 2 ;;
esac
INPUT="${PREFIX}in"
ktopics --create --topic "$INPUT" --partitions "$PARTITIONS" --replication-factor 1 >/dev/null
timeout 300 kcat -b "$BOOT" -P -t "$INPUT" -K $'\t' -X linger.ms=20 -l "$data"
log "preloaded $N events into $INPUT"

# --- fanout ------------------------------------------------------------------------------------
table="${TPREFIX}fanout"
export BENCH_GROUP="${PREFIX}fanout" BENCH_INPUT="$INPUT" BENCH_TABLE="$table" BENCH_POOL="$POOL" \
  BENCH_BATCH="$BATCH"
if [ "$INPUT_FORMAT" = schemas ]; then
  head -1 "$data" | python3 -c 'import json,sys; k,v=sys.stdin.readline().rstrip("\n").split("\t",1); print(json.dumps({"key":k,"payload":v}))' >"$OUT_DIR/first.json"
  "$FANOUT_BIN" init-sink -c "$HERE/fanout.yaml" --sink warehouse --event "$OUT_DIR/first.json" --create >&2
else
  chq "CREATE TABLE $table (id Int32, first_name String, last_name Nullable(String),
    email Nullable(String), balance Nullable(String), born Nullable(Int32),
    updated_at Nullable(String), notes Nullable(String), profile Nullable(String),
    _version UInt64, _deleted UInt8) ENGINE = ReplacingMergeTree(_version) ORDER BY id"
fi
inserts() { chq "SELECT value FROM system.events WHERE event = 'InsertQuery'"; }
i0="$(inserts)"
c0="$(ch_ticks)"
t0="$(now_ms)"
"$FANOUT_BIN" run -c "$HERE/fanout.yaml" >"$OUT_DIR/fanout.log" 2>&1 &
FANOUT_PID=$!
w="$(wait_rows "$table" "$N" "$RUN_TIMEOUT")"
cpu="$(secs "$(cpu_ticks "$FANOUT_PID")")"
ch_cpu="$(secs $(($(ch_ticks) - c0)))"
kill -TERM "$FANOUT_PID"; wait "$FANOUT_PID" 2>/dev/null || true; FANOUT_PID=""
first="$(kv first_ms "$w")"; done_ms="$(kv done_ms "$w")"
[ -n "$done_ms" ] || { log "fanout did not insert $N rows within $RUN_TIMEOUT s: $w"; exit 1; }
fanout_rate="$(rate "$N" "$first" "$done_ms")"
fanout_inserts=$(($(inserts) - i0))
log "fanout: $fanout_rate rows/s (launch->done $((done_ms - t0)) ms, cpu ${cpu} s, clickhouse cpu ${ch_cpu} s, $fanout_inserts INSERTs)"

# --- raw: the same rows, the same batches, the same parallelism --------------------------------------
raw="${TPREFIX}raw"
chq "CREATE TABLE $raw AS $table" >/dev/null
mkdir -p "$OUT_DIR/raw"
curl -sS --fail --max-time 120 "$CH/?output_format_json_quote_64bit_integers=0" \
  --data-binary "SELECT * FROM $table FORMAT JSONEachRow" >"$OUT_DIR/rows.jsonl"
[ "$(wc -l <"$OUT_DIR/rows.jsonl")" = "$N" ] || { log "could not read back $N rows"; exit 1; }
split -l "$BATCH" -d -a 5 "$OUT_DIR/rows.jsonl" "$OUT_DIR/raw/part."
parts="$(ls "$OUT_DIR/raw" | wc -l)"
url="$CH/?query=$(printf 'INSERT INTO %s FORMAT JSONEachRow' "$raw" | jq -sRr @uri)&date_time_input_format=best_effort"
c0="$(ch_ticks)"
r0="$(now_ms)"
ls "$OUT_DIR"/raw/part.* | xargs -P "$POOL" -I{} curl -sS --fail --max-time 60 -o /dev/null "$url" --data-binary @{}
r1="$(now_ms)"
raw_ch_cpu="$(secs $(($(ch_ticks) - c0)))"
[ "$(chq "SELECT count() FROM $raw")" = "$N" ] || { log "raw insert incomplete"; exit 1; }
raw_rate="$(rate "$N" "$r0" "$r1")"
log "raw: $raw_rate rows/s ($parts INSERTs of <= $BATCH rows, $POOL at once, $((r1 - r0)) ms, clickhouse cpu ${raw_ch_cpu} s)"
ratio="$(awk -v a="$fanout_rate" -v b="$raw_rate" 'BEGIN { printf "%.2f", a / b }')"
printf 'engine\trows_per_s\tnote\nfanout\t%s\tlaunch->done %s ms, fanout cpu %s s, clickhouse cpu %s s, %s INSERTs\nraw\t%s\t%s INSERTs, %s at once, clickhouse cpu %s s\nratio\t%s\ttarget >= 0.8; load average %s\n' \
  "$fanout_rate" "$((done_ms - t0))" "$cpu" "$ch_cpu" "$fanout_inserts" "$raw_rate" "$parts" "$POOL" \
  "$raw_ch_cpu" "$ratio" "$(cut -d' ' -f1-3 /proc/loadavg)" | tee "$OUT_DIR/results.tsv"
