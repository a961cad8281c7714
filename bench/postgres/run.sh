#!/usr/bin/env bash
# PostgreSQL sink benchmark (issue 7): fanout's replica route beside a raw pipelined upsert
# ceiling (pgbench) and beside a Kafka Connect JDBC sink, on the same topic and database.
#
#   FANOUT_BIN=<release build>/fanout bench/postgres/run.sh [fanout] [pgbench] [jdbc]   (none = all)
#
# Method (every engine gets the same input and the same target server, side by side in one run):
# - Input: N Debezium 3.2.7 PostgreSQL change events of public.customers as JsonConverter
#   envelopes WITH schemas (key and value {"schema":..,"payload":..}; the JDBC sink needs them,
#   fanout decodes them too), `bench/postgres/gen.py batch`: event i writes id i % KEYS + 1 (the
#   first KEYS are `c`, the rest `u`), after.notes = i, increasing source positions. Preloaded
#   into one fresh topic of PARTITIONS partitions (by key) before anything starts.
# - Targets: one fresh table per engine in schema pgb_<run> of the stack's replica database, all
#   alike (id int primary key, the 8 other columns of customers, no other index).
# - fanout: `fanout run -c bench/postgres/replica.yaml` (postgres sink, route mode upsert,
#   pool_size POOL, batch_size BATCH, processed offsets in the same transaction).
# - pgbench (the ceiling): `pgbench -n -M prepared -c POOL -j 2 -t N/(BATCH*POOL)` with a custom
#   script (`gen.py pgbench-sql`): per transaction BEGIN; BATCH x INSERT ... ON CONFLICT (id) DO
#   UPDATE ...; COMMIT inside \startpipeline/\endpipeline, the same ids and notes in the same order
#   (blocks of BATCH events taken from a sequence), the same values. No guard, no offsets table.
# - jdbc: a Kafka Connect sink in the stack's Connect worker (tasks.max PARTITIONS), reading
#   the same topic into its own table: the Debezium JDBC sink connector
#   (io.debezium:debezium-connector-jdbc at the stack's Debezium version, fetched from Maven Central
#   into $FANOUT_CACHE_DIR/debezium-jdbc-<version>/ with bench/postgres/maven/pom.xml) with
#   insert.mode=upsert, primary.key.mode=record_key, primary.key.fields=id, delete.enabled=true,
#   schema.evolution=none, batch.size=BATCH. If Maven Central does not serve it (as on
#   2026-12-03 for 3.2.7.Final and 3.6.1.Final), the stand-in bench/postgres/peer/PgUpsertSink.java
#   (its hot path: JDBC batch of upserts per BATCH in one transaction) is compiled and used instead,
#   and every line says `jdbc-standin`. A new plugin makes this script restart the stack's Connect
#   worker (stack.sh down connect; up connect) once.
# - Metrics: rows/s = N / (last - first), where first = the first poll (every ~100 ms) that sees a
#   row in the engine's table and last = the first poll where every id holds one of its last
#   KEYS events (count(*) FILTER (WHERE notes::bigint >= N-KEYS) = KEYS), i.e. the table reflects
#   all changes; launch->done = from starting the engine; pgbench also reports its own tps.
#   CPU s: the engine's user+sys (fanout process; pgbench process; the Connect JVM's delta) and the
#   replica server's (postmaster + its backends, delta over the run).
# - Latency (LAT_RATE > 0): per engine a fresh topic and table with a BEFORE trigger stamping
#   applied_at = clock_timestamp(); the engine runs and has applied one warm-up event; then
#   `gen.py pace` writes LAT_RATE events/s for LAT_SECONDS (unique ids: inserts) with
#   after.updated_at = the time it was written; latency = applied_at - updated_at (statement time,
#   before COMMIT: the commit of the batch adds its remaining statements' time).
#
# Knobs: N (200000), KEYS (100000), PARTITIONS (1: fanout and the JDBC sink then write one
# partition's changes in order on one connection; pgbench's POOL connections have no order to
# keep, so POOL=1 is the like-for-like ceiling of one stream), POOL (4), BATCH (500), RUN_TIMEOUT (240 s per engine),
# LAT_RATE (1000, 0 = no latency run), LAT_SECONDS (15), BENCH_GUARANTEE (at_least_once: the
# postgres sink is exactly-once by its offsets table either way), FANOUT_BIN, OUT_DIR, JDBC_MODE
# (auto | debezium | standin). Bounded: every wait has a timeout. Idempotent: topics, groups,
# connectors, schemas are named pgb.<run>. / pgb-<run>- / pgb_<run>; leftovers of earlier runs are
# removed at start and this run's at exit. Starts the stack's servers it needs if they are down
# and leaves them running. Point it at a private stack with the FANOUT_* port variables (stack/env).
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO="$(cd "$HERE/../.." && pwd)"
# shellcheck source=stack/env
source "$REPO/stack/env"
# shellcheck source=bench/lib/summary.sh
source "$REPO/bench/lib/summary.sh"

ENGINES="${*:-fanout pgbench jdbc}"
N="${N:-200000}"
KEYS="${KEYS:-100000}"
POOL="${POOL:-4}"
PARTITIONS="${PARTITIONS:-1}"
BATCH="${BATCH:-500}"
RUN_TIMEOUT="${RUN_TIMEOUT:-240}"
LAT_RATE="${LAT_RATE:-1000}"
LAT_SECONDS="${LAT_SECONDS:-15}"
JDBC_MODE="${JDBC_MODE:-auto}"
export BENCH_GUARANTEE="${BENCH_GUARANTEE:-at_least_once}"
FANOUT_BIN="${FANOUT_BIN:-$REPO/build-bench/fanout}"
RUN_ID="$(date +%Y%m%d%H%M%S)"
OUT_DIR="${OUT_DIR:-/tmp/fanout-pg-$RUN_ID}"
PREFIX="pgb.$RUN_ID."
CPREFIX="pgb-$RUN_ID-"
SCHEMA="pgb_$RUN_ID"
BOOT="$FANOUT_KAFKA_BOOTSTRAP"
PGPORT_R="$FANOUT_REPLICA_PG_PORT"
PG_BIN="${FANOUT_PG_BIN:-/usr/lib/postgresql/15/bin}"
CONNECT="$FANOUT_CONNECT_URL"
CLK_TCK="$(getconf CLK_TCK)"
mkdir -p "$OUT_DIR"
RESULTS="$OUT_DIR/results.tsv"
: >"$RESULTS"

log() { printf '%s pg-bench: %s\n' "$(date +%T)" "$*" >&2; }
now_ms() { date +%s%3N; }
kv() { sed -n "s/.*\b$1=\([^ ]*\).*/\1/p" <<<"$2" | head -1; }
rpsql() { PGCONNECT_TIMEOUT=5 "$PG_BIN/psql" -X -q -At -v ON_ERROR_STOP=1 -h 127.0.0.1 -p "$PGPORT_R" -U postgres -d replica "$@"; }
ktopics() { timeout 60 "$REPO/stack/kafka.sh" topics "$@"; }
kgroups() { timeout 60 "$REPO/stack/kafka.sh" consumer-groups "$@"; }
result() { printf '%s\n' "$(IFS=$'\t'; echo "$*")" >>"$RESULTS"; }
rate() { # n from_ms to_ms -> n/s
  if [ -n "$2" ] && [ -n "$3" ] && [ "$3" -gt "$2" ]; then echo $(($1 * 1000 / ($3 - $2))); else echo NA; fi
}
cpu_ticks() { # pid -> user+sys ticks (own), 0 if gone
  awk '{ sub(/^.*\) /, ""); print $12 + $13 }' "/proc/$1/stat" 2>/dev/null || echo 0
}
secs() { awk -v t="$CLK_TCK" -v a="$1" 'BEGIN { printf "%.2f", a / t }'; }
# replica server CPU ticks: postmaster (own + reaped children) + live backends
pg_server_ticks() {
  local pm
  pm="$(head -1 "$FANOUT_RUN_DIR/replica/data/postmaster.pid" 2>/dev/null || true)"
  [ -n "$pm" ] || { echo 0; return; }
  local total
  total="$(awk '{ sub(/^.*\) /, ""); print $12 + $13 + $14 + $15 }' "/proc/$pm/stat" 2>/dev/null || echo 0)"
  for c in $(pgrep -P "$pm" 2>/dev/null || true); do total=$((total + $(cpu_ticks "$c"))); done
  echo "$total"
}
connect_pid() { cat "$FANOUT_RUN_DIR/pids/connect.pid" 2>/dev/null | tr -dc '0-9'; }

# --- prerequisites -------------------------------------------------------------------------------
[ -x "$FANOUT_BIN" ] || {
  log "building $FANOUT_BIN (Release)"
  FANOUT_BIN="$REPO/build-pgbench/fanout"
  cmake -S "$REPO" -B "$REPO/build-pgbench" -G Ninja -DCMAKE_BUILD_TYPE=Release -DFANOUT_BUILD_TESTS=OFF >/dev/null
  cmake --build "$REPO/build-pgbench" --target fanout
}
command -v pgbench >/dev/null || { log "pgbench not found (apt-get install postgresql-client-15)"; exit 2; }
need="replica kafka"
[[ " $ENGINES " == *" jdbc "* ]] && need="$need connect"
# shellcheck disable=SC2086
"$REPO/stack/stack.sh" up $need >&2

ENGINE_PID=""
AUX_PIDS=()
cleanup() {
  set +e
  for p in $ENGINE_PID "${AUX_PIDS[@]}"; do kill -KILL "$p" 2>/dev/null; done
  drop_prefix "$PREFIX" "$CPREFIX" "$SCHEMA" >/dev/null 2>&1
}
# drop_prefix TOPIC_PREFIX CONNECTOR_PREFIX SCHEMA_PATTERN: connectors, topics, groups, schemas
drop_prefix() {
  local tp="$1" cp="$2" sp="$3" c
  if curl -sf --max-time 5 "$CONNECT/connectors" >/dev/null 2>&1; then
    for c in $(curl -sf --max-time 10 "$CONNECT/connectors" | jq -r '.[]' | grep "^${cp}" || true); do
      curl -s -X DELETE --max-time 30 "$CONNECT/connectors/$c" >/dev/null || true
    done
  fi
  ktopics --delete --if-exists --topic "${tp//./\\.}.*" >/dev/null 2>&1 || true
  for g in $(kgroups --list 2>/dev/null | grep -E "^(${tp//./\\.}|connect-${cp})" || true); do
    kgroups --delete --group "$g" >/dev/null 2>&1 || true
  done
  for s in $(rpsql -c "select nspname from pg_namespace where nspname like '${sp//_/\\_}%'" 2>/dev/null || true); do
    rpsql -c "drop schema if exists \"$s\" cascade" >/dev/null 2>&1 || true
  done
}
trap cleanup EXIT
drop_prefix "pgb." "pgb-" "pgb_" # leftovers of earlier runs

mk_table() { # NAME [latency]
  local extra=""
  [ "${2:-}" = latency ] && extra=", applied_at timestamptz"
  rpsql -c "create table $1 (id int primary key, first_name text not null, last_name text, email text,
      balance numeric(10,2), born date, updated_at timestamptz, notes text, profile jsonb$extra)"
  if [ "${2:-}" = latency ]; then
    rpsql -c "create trigger stamp before insert or update on $1 for each row execute function $SCHEMA.stamp()"
  fi
}

# watch_table TABLE EXPECT_MIN_NOTES EXPECT_COUNT TIMEOUT -> "first_ms=.. done_ms=.." or "timeout ..."
# One psql session (a coprocess) polls every 100 ms: no connection start-up per poll.
watch_table() {
  local t="$1" lo="$2" want="$3" deadline=$((SECONDS + $4)) first="" c=0 d=0 now line
  coproc WATCH { rpsql 2>&1; }
  while [ $SECONDS -lt $deadline ]; do
    echo "select count(*) || '|' || count(*) filter (where notes::bigint >= $lo) from $t;" >&"${WATCH[1]}"
    read -r -t 10 line <&"${WATCH[0]}" || line="0|0"
    IFS='|' read -r c d <<<"$line"
    [[ "$c" =~ ^[0-9]+$ ]] || { c=0; d=0; }
    now="$(now_ms)"
    [ -z "$first" ] && [ "$c" -gt 0 ] && first="$now"
    if [ "$d" -ge "$want" ]; then echo "first_ms=$first done_ms=$now rows=$c"; break; fi
    sleep 0.1
  done
  [ "$d" -ge "$want" ] || echo "timeout first_ms=$first rows=$c complete=$d"
  [ -n "${WATCH[1]:-}" ] && eval "exec ${WATCH[1]}>&-"
  wait "${WATCH_PID:-}" 2>/dev/null || true
}

stop_pid() {
  local pid="$1"
  kill -TERM "$pid" 2>/dev/null || true
  for _ in $(seq 1 300); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
  kill -KILL "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
}

start_fanout() { # GROUP INPUT TABLE LOG
  BENCH_GROUP="$1" BENCH_INPUT="$2" BENCH_TABLE="$3" BENCH_OFFSETS_TABLE="$SCHEMA.fanout_offsets" \
    BENCH_DSN="postgresql://postgres@127.0.0.1:$PGPORT_R/replica" BENCH_POOL="$POOL" BENCH_BATCH="$BATCH" \
    "$FANOUT_BIN" run -c "$HERE/replica.yaml" >"$4" 2>&1 &
  ENGINE_PID=$!
}

# --- the JDBC sink plugin --------------------------------------------------------------------------
JDBC_KIND=""
JDBC_CLASS=""
dbz_version() {
  local l
  l="$(readlink "$FANOUT_RUN_DIR/connect/plugins/debezium-connector-postgres" 2>/dev/null || true)"
  [ -n "$l" ] || l="$(ls -d "$FANOUT_CACHE_DIR"/debezium-postgres-* 2>/dev/null | tail -1)"
  basename "$l" | sed 's/^debezium-postgres-//'
}
prepare_jdbc() {
  local v dir plugin_dir link
  v="$(dbz_version)"
  dir="$FANOUT_CACHE_DIR/debezium-jdbc-$v"
  if [ "$JDBC_MODE" != standin ]; then
    if [ ! -f "$dir/.fetched" ]; then
      log "fetching io.debezium:debezium-connector-jdbc:$v from Maven Central into $dir"
      rm -rf "$dir.partial.$$"
      if timeout 600 mvn -B -q -f "$HERE/maven/pom.xml" "-Dpin.version=$v" \
          org.apache.maven.plugins:maven-dependency-plugin:3.8.1:copy-dependencies -DincludeScope=runtime \
          -DoutputDirectory="$dir.partial.$$" >"$OUT_DIR/fetch-jdbc.log" 2>&1; then
        rm -rf "$dir"
        mv "$dir.partial.$$" "$dir"
        echo "$v" >"$dir/.fetched"
      else
        rm -rf "$dir.partial.$$"
        log "debezium-connector-jdbc:$v could not be fetched ($(grep -m1 -o 'Could not find artifact[^ ]* [^ ]*\|Could not resolve[^.]*' "$OUT_DIR/fetch-jdbc.log" || echo "see $OUT_DIR/fetch-jdbc.log"))"
      fi
    fi
    if [ -f "$dir/.fetched" ]; then
      JDBC_KIND="debezium-jdbc-$v"
      JDBC_CLASS=io.debezium.connector.jdbc.JdbcSinkConnector
      plugin_dir="$dir"
      link=debezium-connector-jdbc
    elif [ "$JDBC_MODE" = debezium ]; then
      log "JDBC_MODE=debezium but the connector is not available"; return 1
    fi
  fi
  if [ -z "$JDBC_KIND" ]; then
    local sum
    sum="$(sha256sum "$HERE/peer/PgUpsertSink.java" | cut -c1-12)"
    plugin_dir="$FANOUT_CACHE_DIR/fanout-pg-upsert-sink-$sum"
    if [ ! -f "$plugin_dir/.built" ]; then
      log "building the JDBC sink stand-in (bench/postgres/peer/PgUpsertSink.java) into $plugin_dir"
      local k tmp
      k="$(ls -d "$FANOUT_CACHE_DIR"/kafka-* | head -1)"
      tmp="$plugin_dir.partial.$$"
      rm -rf "$tmp"
      mkdir -p "$tmp/classes/META-INF/services"
      javac -d "$tmp/classes" -cp "$k/*" "$HERE/peer/PgUpsertSink.java"
      echo fanout.bench.PgUpsertSink >"$tmp/classes/META-INF/services/org.apache.kafka.connect.sink.SinkConnector"
      jar cf "$tmp/fanout-pg-upsert-sink.jar" -C "$tmp/classes" .
      rm -rf "$tmp/classes"
      cp "$(ls "$FANOUT_CACHE_DIR/debezium-postgres-$v"/postgresql-*.jar | head -1)" "$tmp/"
      rm -rf "$plugin_dir"
      mv "$tmp" "$plugin_dir"
      touch "$plugin_dir/.built"
    fi
    JDBC_KIND="jdbc-standin"
    JDBC_CLASS=fanout.bench.PgUpsertSink
    link=fanout-pg-upsert-sink
  fi
  # Read first, then grep: `curl | grep -q` under pipefail fails when grep stops reading early.
  if ! grep -qF "\"$JDBC_CLASS\"" <<<"$(curl -sf --max-time 10 "$CONNECT/connector-plugins" || true)"; then
    ln -sfn "$plugin_dir" "$FANOUT_RUN_DIR/connect/plugins/$link"
    log "restarting the stack's Connect worker ($CONNECT) to load $JDBC_CLASS"
    "$REPO/stack/stack.sh" down connect >&2
    "$REPO/stack/stack.sh" up connect >&2
    grep -qF "\"$JDBC_CLASS\"" <<<"$(curl -sf --max-time 10 "$CONNECT/connector-plugins" || true)" ||
      { log "Connect does not list $JDBC_CLASS after the restart"; return 1; }
  fi
  log "JDBC sink: $JDBC_KIND ($JDBC_CLASS)"
}

# register_jdbc NAME TOPIC TABLE
register_jdbc() {
  local cfg
  cfg="$(jq -n --arg cls "$JDBC_CLASS" --arg topic "$2" --arg table "$3" --arg batch "$BATCH" \
    --arg tasks "$PARTITIONS" \
    --arg url "jdbc:postgresql://127.0.0.1:$PGPORT_R/replica" '{
      "connector.class": $cls, "tasks.max": $tasks, "topics": $topic,
      "connection.url": $url, "connection.username": "postgres", "connection.password": "",
      "insert.mode": "upsert", "primary.key.mode": "record_key", "primary.key.fields": "id",
      "delete.enabled": "true", "schema.evolution": "none", "table.name.format": $table,
      "batch.size": $batch,
      "key.converter": "org.apache.kafka.connect.json.JsonConverter", "key.converter.schemas.enable": "true",
      "value.converter": "org.apache.kafka.connect.json.JsonConverter", "value.converter.schemas.enable": "true"}')"
  echo "$cfg" >"$OUT_DIR/connector-$1.json"
  curl -sS --max-time 30 -X PUT -H 'Content-Type: application/json' --data-binary "$cfg" "$CONNECT/connectors/$1/config" >/dev/null
}
wait_connector() { # NAME -> 0 when connector + task RUNNING (60 s)
  local s
  for _ in $(seq 1 300); do
    s="$(curl -s --max-time 5 "$CONNECT/connectors/$1/status" || true)"
    jq -e '.connector.state == "RUNNING" and (.tasks | length) > 0 and all(.tasks[]; .state == "RUNNING")' >/dev/null 2>&1 <<<"$s" && return 0
    if jq -e 'any(.tasks[]?; .state == "FAILED")' >/dev/null 2>&1 <<<"$s"; then
      log "connector $1 FAILED: $(jq -r '.tasks[0].trace' <<<"$s" | head -5)"; return 1
    fi
    sleep 0.2
  done
  log "connector $1 not RUNNING within 60 s"; return 1
}
delete_connector() { curl -s -X DELETE --max-time 30 "$CONNECT/connectors/$1" >/dev/null || true; }

# --- throughput runs -------------------------------------------------------------------------------
# each prints: "rows_per_s launch_to_done_ms engine_cpu_s server_cpu_s status [extra]"
run_fanout() {
  local t="$SCHEMA.customers_fanout" logf="$OUT_DIR/fanout.log" wf="$OUT_DIR/watch.fanout"
  mk_table "$t"
  watch_table "$t" $((N - KEYS)) "$KEYS" "$RUN_TIMEOUT" >"$wf" &
  local wpid=$! s0 t0
  s0="$(pg_server_ticks)"; t0="$(now_ms)"
  start_fanout "${PREFIX}fanout" "$INPUT" "$t" "$logf"
  local epid="$ENGINE_PID"
  wait "$wpid" || true
  local cpu s1; cpu="$(secs "$(cpu_ticks "$epid")")"; s1="$(pg_server_ticks)"
  stop_pid "$epid"; ENGINE_PID=""
  local w st=ok; w="$(cat "$wf")"
  [[ "$w" == timeout* ]] && st="$w"
  local done_ms; done_ms="$(kv done_ms "$w")"
  echo "$(rate "$N" "$(kv first_ms "$w")" "$done_ms") $([ -n "$done_ms" ] && echo $((done_ms - t0)) || echo NA) $cpu $(secs $((s1 - s0))) $st"
}

run_pgbench() {
  local t="$SCHEMA.customers_pgbench" script="$OUT_DIR/upsert.sql" wf="$OUT_DIR/watch.pgbench"
  local per_client=$((N / (BATCH * POOL)))
  local rows=$((per_client * BATCH * POOL))
  mk_table "$t"
  rpsql -c "create sequence ${t}_seq"
  python3 "$HERE/gen.py" pgbench-sql --table "$t" --keys "$KEYS" --rows "$BATCH" -o "$script"
  watch_table "$t" $((rows - KEYS)) "$KEYS" "$RUN_TIMEOUT" >"$wf" &
  local wpid=$! s0 t0 rc=0
  s0="$(pg_server_ticks)"; t0="$(now_ms)"
  /usr/bin/time -f 'cpu_user=%U cpu_sys=%S' -o "$OUT_DIR/pgbench.time" \
    timeout "$RUN_TIMEOUT" pgbench -h 127.0.0.1 -p "$PGPORT_R" -U postgres -n -M prepared \
    -c "$POOL" -j 2 -t "$per_client" -f "$script" replica >"$OUT_DIR/pgbench.log" 2>&1 || rc=$?
  local t1 s1; t1="$(now_ms)"; s1="$(pg_server_ticks)"
  wait "$wpid" || true
  local w st=ok tps; w="$(cat "$wf")"
  [ "$rc" = 0 ] || st="pgbench-rc=$rc"
  [[ "$w" == timeout* ]] && st="$st;$w"
  tps="$(sed -n 's/^tps = \([0-9.]*\) (without initial connection time)/\1/p' "$OUT_DIR/pgbench.log")"
  local ut cpu
  ut="$(cat "$OUT_DIR/pgbench.time" 2>/dev/null || true)"
  cpu="$(awk -v u="$(kv cpu_user "$ut")" -v s="$(kv cpu_sys "$ut")" 'BEGIN { printf "%.2f", u + s }')"
  # rows/s by pgbench's own clock (tps x BATCH) is the headline; the table watch is the cross-check
  local own="NA"; [ -n "$tps" ] && own="$(awk -v t="$tps" -v b="$BATCH" 'BEGIN { printf "%d", t * b }')"
  echo "$own $((t1 - t0)) $cpu $(secs $((s1 - s0))) $st watch=$(rate "$rows" "$(kv first_ms "$w")" "$(kv done_ms "$w")")/s rows=$rows"
}

run_jdbc() {
  local t="$SCHEMA.customers_jdbc" name="${CPREFIX}jdbc" wf="$OUT_DIR/watch.jdbc"
  mk_table "$t"
  watch_table "$t" $((N - KEYS)) "$KEYS" "$RUN_TIMEOUT" >"$wf" &
  local wpid=$! s0 t0 c0 cp
  cp="$(connect_pid)"
  s0="$(pg_server_ticks)"; c0="$(cpu_ticks "$cp")"; t0="$(now_ms)"
  register_jdbc "$name" "$INPUT" "$t"
  wait_connector "$name" || true
  wait "$wpid" || true
  local c1 s1; c1="$(cpu_ticks "$cp")"; s1="$(pg_server_ticks)"
  delete_connector "$name"
  local w st=ok; w="$(cat "$wf")"
  [[ "$w" == timeout* ]] && st="$w"
  local done_ms; done_ms="$(kv done_ms "$w")"
  echo "$(rate "$N" "$(kv first_ms "$w")" "$done_ms") $([ -n "$done_ms" ] && echo $((done_ms - t0)) || echo NA) $(secs $((c1 - c0))) $(secs $((s1 - s0))) $st"
}

# --- latency ---------------------------------------------------------------------------------------
lat_run() { # ENGINE -> "p50_ms=.. p99_ms=.. max_ms=.. n=.."
  local engine="$1"
  local input="${PREFIX}lat.$engine" t="$SCHEMA.lat_$engine" name="${CPREFIX}lat-$engine"
  local logf="$OUT_DIR/lat.$engine.log" total
  total="$(awk -v r="$LAT_RATE" -v s="$LAT_SECONDS" 'BEGIN { printf "%d", r * s }')"
  ktopics --create --topic "$input" --partitions 1 --replication-factor 1 >/dev/null
  mk_table "$t" latency
  case "$engine" in
    fanout) start_fanout "${PREFIX}lat.fanout" "$input" "$t" "$logf" ;;
    jdbc) register_jdbc "$name" "$input" "$t"; wait_connector "$name" || return 0 ;;
  esac
  # warm-up: one event (id 900000001) must be applied before the measured stream starts
  python3 "$HERE/gen.py" pace --rate 1 --seconds 1 --id-base 900000000 --lsn-base 1 2>/dev/null |
    kcat -b "$BOOT" -P -t "$input" -K $'\t'
  local ok=""
  for _ in $(seq 1 600); do
    [ "$(rpsql -c "select count(*) from $t")" -gt 0 ] && { ok=1; break; }
    sleep 0.1
  done
  [ -n "$ok" ] || log "latency $engine: warm-up event not applied within 60 s"
  python3 "$HERE/gen.py" pace --rate "$LAT_RATE" --seconds "$LAT_SECONDS" --id-base 0 --lsn-base 1000 \
    --sendlog "$OUT_DIR/lat.$engine.sent" 2>/dev/null | kcat -b "$BOOT" -P -t "$input" -K $'\t' -X linger.ms=1
  for _ in $(seq 1 300); do
    [ "$(rpsql -c "select count(*) from $t where id < 900000000")" -ge "$total" ] && break
    sleep 0.1
  done
  case "$engine" in
    fanout) stop_pid "$ENGINE_PID"; ENGINE_PID="" ;;
    jdbc) delete_connector "$name" ;;
  esac
  rpsql -F' ' -c "select 'p50_ms=' || round(percentile_cont(0.5) within group (order by l)::numeric, 1),
      'p99_ms=' || round(percentile_cont(0.99) within group (order by l)::numeric, 1),
      'max_ms=' || round(max(l)::numeric, 1), 'n=' || count(*)
    from (select extract(epoch from applied_at - updated_at) * 1000 as l from $t where id < 900000000) x"
}

# --- main ------------------------------------------------------------------------------------------
log "results in $OUT_DIR; fanout $("$FANOUT_BIN" --version 2>/dev/null || echo '?') ($FANOUT_BIN); N=$N keys=$KEYS partitions=$PARTITIONS pool=$POOL batch=$BATCH engines=[$ENGINES]"
rpsql -c "create schema $SCHEMA" -c "create function $SCHEMA.stamp() returns trigger language plpgsql as
  \$\$ begin new.applied_at := clock_timestamp(); return new; end \$\$"
data="$OUT_DIR/events.tsv"
python3 "$HERE/gen.py" batch -n "$N" --keys "$KEYS" -o "$data"
INPUT="${PREFIX}in"
ktopics --create --topic "$INPUT" --partitions "$PARTITIONS" --replication-factor 1 >/dev/null
timeout 300 kcat -b "$BOOT" -P -t "$INPUT" -K $'\t' -X linger.ms=20 -l "$data"
log "preloaded $INPUT: $N events over $KEYS ids, $(du -h "$data" | cut -f1)"
if [[ " $ENGINES " == *" jdbc "* ]]; then prepare_jdbc || ENGINES="${ENGINES//jdbc/}"; fi

for e in $ENGINES; do
  case "$e" in
    fanout) r="$(run_fanout)"; label=fanout ;;
    pgbench) r="$(run_pgbench)"; label="pgbench -M prepared pipelined ${BATCH}x${POOL}" ;;
    jdbc) r="$(run_jdbc)"; label="$JDBC_KIND" ;;
    *) log "unknown engine $e (fanout | pgbench | jdbc)"; continue ;;
  esac
  read -r eps launch cpu scpu st <<<"$r"
  result tput "$label" "$eps" "$launch" "$cpu" "$scpu" "$st"
  [[ "$st" == ok* ]] || eps=NA
  summary_put "postgres.$e.eps.p${PARTITIONS}c$POOL" "$eps" \
    "$label; N=$N envelopes with schemas (~4 KB) over $KEYS ids, $PARTITIONS partition(s), pool $POOL, batch $BATCH, one run" \
    "PARTITIONS=$PARTITIONS POOL=$POOL N=$N KEYS=$KEYS LAT_RATE=$LAT_RATE bench/postgres/run.sh $ENGINES"
  log "$label: ${eps} rows/s, launch->done ${launch} ms, engine cpu ${cpu} s, server cpu ${scpu} s, $st"
done

# the engines' tables must hold the same final rows (checked against the first one present)
ref=""
for e in fanout pgbench jdbc; do
  [[ " $ENGINES " == *" $e "* ]] || continue
  if [ -z "$ref" ]; then ref="$e"; continue; fi
  diff="$(rpsql -c "select count(*) from $SCHEMA.customers_$ref a full join $SCHEMA.customers_$e b using (id)
    where (a.first_name, a.last_name, a.email, a.balance, a.born, a.updated_at, a.notes, a.profile)
      is distinct from (b.first_name, b.last_name, b.email, b.balance, b.born, b.updated_at, b.notes, b.profile)")"
  log "rows of customers_$e differing from customers_$ref: $diff"
  result check "$e vs $ref" "$diff"
done

if [ "$LAT_RATE" -gt 0 ]; then
  for e in $ENGINES; do
    [ "$e" = pgbench ] && continue
    r="$(lat_run "$e")"
    label=fanout; [ "$e" = jdbc ] && label="$JDBC_KIND"
    result lat "$label" "$(kv p50_ms "$r")" "$(kv p99_ms "$r")" "$(kv max_ms "$r")" "$(kv n "$r")"
    log "latency $label @${LAT_RATE}/s x ${LAT_SECONDS}s: $r"
  done
fi

python3 - "$RESULTS" <<'PY'
import sys
rows = [l.rstrip("\n").split("\t") for l in open(sys.argv[1]) if l.strip()]
tput = [r for r in rows if r[0] == "tput"]
def num(x):
    try: return float(x)
    except ValueError: return float("nan")
ceil = next((num(r[2]) for r in tput if r[1].startswith("pgbench")), float("nan"))
fan = next((num(r[2]) for r in tput if r[1] == "fanout"), float("nan"))
print()
print("| engine | rows/s | launch->done ms | engine CPU s | server CPU s | vs pgbench | fanout / this | status |")
print("|---|---|---|---|---|---|---|---|")
for r in tput:
    v = num(r[2])
    print(f"| {r[1]} | {r[2]} | {r[3]} | {r[4]} | {r[5]} | {v / ceil:.2f} | {fan / v:.2f} | {r[6]} |")
lat = [r for r in rows if r[0] == "lat"]
if lat:
    print()
    print("| engine | p50 ms | p99 ms | max ms | events |")
    print("|---|---|---|---|---|")
    for r in lat:
        print(f"| {r[1]} | {r[2]} | {r[3]} | {r[4]} | {r[5]} |")
PY
log "raw results: $RESULTS"
