#!/usr/bin/env bash
# Sink benchmarks on the stack's servers: fanout's Redis invalidation and OpenSearch upsert routes,
# each beside the server's own ceiling measured in the same run (redis-benchmark's pipelined
# DEL/UNLINK; a raw `_bulk` loader of the same documents) and beside a peer: Redis beside a Kafka
# Connect Redis sink (Camel Kafka Connector, bench/peers/connect-redis), OpenSearch beside a Camel
# application (bench/peers/camel-opensearch); their READMEs say which and why.
#
#   bench/sinks/run.sh                     # both sinks, N=500000 over KEYS=100000 rows, 1 rep
#   bench/sinks/run.sh redis               # or: opensearch
#   N=1000000 REPS=3 bench/sinks/run.sh
#   LAT_RATE=0 bench/sinks/run.sh          # no latency runs
#   QUICK=1 bench/sinks/run.sh             # ~2-3 min: N=100000 KEYS=20000 LAT_SECONDS=5 CONNS=4
#
# Input (all engines, all sinks): N real Debezium 3.2.7 PostgreSQL updates of public.customers
# (JSON without schemas, ~690 B; bench/sinks/gen.py) cycling over KEYS ids, preloaded into a fresh
# 1-partition topic before any engine starts. Ids and source positions vary; positions increase.
#
# Throughput. fanout is launched (release build, FANOUT_BIN) with bench/sinks/{redis,opensearch}.yaml
# and measured three ways:
#   applied/s   = N / (the sink's last write - its first write), seen from the server: Redis
#                 `INFO commandstats` UNLINK+DEL calls, OpenSearch `_stats` index_total, sampled
#                 every 10 ms / 50 ms by bench/sinks/probe.py. Startup and the final commit are
#                 left out, like the server-side ceilings, which time only their own writes.
#   committed/s = N / (group committed all offsets - the first write): includes the last commit
#                 (commit_interval 1s).
#   launch->committed (ms) includes process start and group join.
# Ceilings, same server, same run, right after fanout:
#   redis: `redis-benchmark -P PIPELINE -c C -n N -r KEYS DEL|UNLINK <prefix>__rand_int__` for C in
#          CONNS (PIPELINE defaults to fanout's batch_size, 500; C=4 is fanout's pool_size), keys
#          preloaded (SET) before each engine so both delete existing keys first.
#   redis, the consume-only floor: `kcat -C -o beginning -c COUNT -f '%o\n' | wc -l` (librdkafka
#          with its default fetch settings, like fanout; no decode, no Redis), rate = 0.9 N /
#          (best wall time of 3 reads of N records - best of 3 reads of N/10), i.e. without
#          kcat's process start, metadata and first fetch, as fanout's applied/s leaves out its
#          start.
#          What reading the input alone costs on this machine; not a ceiling of the ratio column.
# Redis peer (PEERS has connect-redis): Apache Camel Kafka Connector 0.11.0's generic
#   CamelSinkConnector with camel-spring-redis 3.11.2 (command=DEL, StringRedisSerializer), fetched
#   from Maven Central with bench/peers/connect-redis/pom.xml into
#   $FANOUT_CACHE_DIR/camel-redis-sink-0.11.0-<hash>/ plus a 40-line SMT of ours
#   (bench/peers/connect-redis/RedisKeysHeader.java: header CamelRedis.Keys = [<prefix><id>], the
#   key template), run in the stack's Connect worker (its first use restarts the worker once to
#   load the plugin), tasks.max 1, JsonConverter without schemas for key and value (the value is
#   decoded, as fanout decodes it), consumer group overridden to this run's name. It sends one
#   `DEL <prefix><id>` per event, synchronously (Camel's producer has no pipelining); its keys are
#   preloaded like fanout's and it is measured the same way (redis-watch counts UNLINK+DEL). CPU s:
#   the Connect JVM's user+sys over the run (the worker is otherwise idle). If the plugin cannot be
#   fetched or loaded, the run goes on without it and says why (results.tsv row `skip`, summary NA).
#   opensearch: bench/sinks/probe.py bulk-load: the same N documents and versions (external_gte),
#          BATCH items per `_bulk` (fanout's batch_size 500) over CONC connections (fanout's
#          pool_size 4), bodies prepared in memory before the clock starts; into its own fresh index
#          (1 shard, 0 replicas, like fanout's). "All documents visible": `_refresh` + `_count` =
#          KEYS, checked for every engine.
# Latency (LAT_RATE > 0): a fresh topic, fanout running and assigned, then gen.py writes LAT_RATE
#   events/s for LAT_SECONDS (unique ids, ts_ms = write time) through `kcat -P`; latency = time
#   the server applied the event - write time: Redis from `redis-cli monitor` (server timestamp of
#   the UNLINK), OpenSearch from an ingest pipeline that stamps `_ingest.timestamp` into each
#   document (updated_at carries the write time). Both are server-side "applied", not "visible"
#   (OpenSearch adds up to refresh_interval, 1 s, for search visibility).
#
# Knobs: N (500000), KEYS (100000), REPS (1), RUN_TIMEOUT (180 s per run), LAT_RATE (2000),
# LAT_SECONDS (15), OS_WARMUP (1: one unrecorded raw _bulk load first), PIPELINE (500), CONNS ("4 50"), BATCH (500), CONC (4), BENCH_POOL/BENCH_BATCH
# (fanout sink pool_size/batch_size; defaults 4/500), BENCH_GUARANTEE (at_least_once),
# BENCH_MAX_IN_FLIGHT / BENCH_MAX_IN_FLIGHT_PER_PARTITION (10000 / 5000), BENCH_LOG_LEVEL (info),
# PEERS ("camel connect-redis": each when its jars build or fetch; "" = none), QUICK (1: the
# defaults become N=100000 KEYS=20000 LAT_SECONDS=5 CONNS=4; explicit knobs still win),
# FANOUT_BIN (build-sinkbench/fanout, Release), OUT_DIR, BENCH_SUMMARY (bench/lib/summary.sh:
# rows redis.{fanout,kcat,connect}.eps, redis.fanout.p99_ms, opensearch.{fanout,raw,camel}.eps,
# opensearch.{fanout,camel}.{cpu_s,p99_ms}; medians over REPS). Bounded: every wait has a timeout. Idempotent: topics, groups, keys and indices are
# named sb.<run>. / sb-<run>-, leftovers of earlier runs (sb.*, sb-*) are removed at start and this
# run's at exit. Starts the stack's servers it needs if they are down and leaves them running.
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO="$(cd "$HERE/../.." && pwd)"
# shellcheck source=stack/env
source "$REPO/stack/env"

# shellcheck source=bench/lib/summary.sh
source "$REPO/bench/lib/summary.sh"

SINKS="${*:-redis opensearch}"
if [ "${QUICK:-0}" = 1 ]; then
  : "${N:=100000}" "${KEYS:=20000}" "${LAT_SECONDS:=5}" "${CONNS:=4}"
fi
N="${N:-500000}"
KEYS="${KEYS:-100000}"
REPS="${REPS:-1}"
RUN_TIMEOUT="${RUN_TIMEOUT:-180}"
LAT_RATE="${LAT_RATE:-2000}"
LAT_SECONDS="${LAT_SECONDS:-15}"
PIPELINE="${PIPELINE:-500}"
CONNS="${CONNS:-4 50}"
BATCH="${BATCH:-500}"
CONC="${CONC:-4}"
PEERS="${PEERS-camel connect-redis}"
PEERS_ASKED="$PEERS"
export BENCH_GUARANTEE="${BENCH_GUARANTEE:-at_least_once}"
FANOUT_BIN="${FANOUT_BIN:-$REPO/build-sinkbench/fanout}"
RUN_ID="$(date +%Y%m%d%H%M%S)"
OUT_DIR="${OUT_DIR:-/tmp/fanout-sinks-$RUN_ID}"
PREFIX="sb.$RUN_ID."
IPREFIX="sb-$RUN_ID-"
BOOT="$FANOUT_KAFKA_BOOTSTRAP"
OS="$FANOUT_OPENSEARCH_URL"
RPORT="$FANOUT_REDIS_PORT"
PEER_DIR="$REPO/bench/peers/kafka-streams"
PROBE_CP="$PEER_DIR/target/fanout-streams-peer-1.jar:$PEER_DIR/target/lib/*"
CAMEL_DIR="$REPO/bench/peers/camel-opensearch"
CREDIS_DIR="$REPO/bench/peers/connect-redis"
CONNECT="$FANOUT_CONNECT_URL"
CONNECT_REDIS_WHY=""   # why the Connect Redis peer did not run, when it did not
CLK_TCK="$(getconf CLK_TCK)"
mkdir -p "$OUT_DIR"
RESULTS="$OUT_DIR/results.tsv"
: >"$RESULTS"

log() { printf '%s sinks: %s\n' "$(date +%T)" "$*" >&2; }
now_ms() { date +%s%3N; }
kv() { sed -n "s/.*\b$1=\([^ ]*\).*/\1/p" <<<"$2" | head -1; }
kprobe() { java -XX:TieredStopAtLevel=1 -XX:+UseSerialGC -Xmx256m -cp "$PROBE_CP" fanout.bench.Probe "$@"; }
py() { python3 "$HERE/probe.py" "$@"; }
cpu_seconds() {
  awk -v t="$CLK_TCK" '{ sub(/^.*\) /, ""); printf "%.2f", ($12 + $13) / t }' "/proc/$1/stat" 2>/dev/null || echo NA
}
rate() { # n from_ms to_ms -> n/s
  if [ -n "$2" ] && [ -n "$3" ] && [ "$3" -gt "$2" ]; then echo $(($1 * 1000 / ($3 - $2))); else echo NA; fi
}
result() { printf '%s\n' "$(IFS=$'\t'; echo "$*")" >>"$RESULTS"; }
curl_os() { curl -sS --max-time 60 -H 'Content-Type: application/json' "$@"; }

# --- prerequisites -------------------------------------------------------------------------------
[ -x "$FANOUT_BIN" ] || {
  log "building $FANOUT_BIN (Release)"
  cmake -S "$REPO" -B "$REPO/build-sinkbench" -G Ninja -DCMAKE_BUILD_TYPE=Release -DFANOUT_BUILD_TESTS=OFF >/dev/null
  cmake --build "$REPO/build-sinkbench" --target fanout
}
if [ ! -f "$PEER_DIR/target/fanout-streams-peer-1.jar" ]; then
  log "building the Kafka probe (bench/peers/kafka-streams, mvn package)"
  (cd "$PEER_DIR" && mvn -q -B package)
fi
if [[ " $PEERS " == *" camel "* ]]; then
  if ! (cd "$CAMEL_DIR" && { [ -f target/fanout-camel-peer-1.jar ] && [ -z "$(find src pom.xml -newer target/fanout-camel-peer-1.jar)" ]; } ||
    { log "building the Camel OpenSearch peer (mvn package)"; mvn -q -B package; }) >&2; then
    log "Camel peer did not build: running without it"
    PEERS="${PEERS//camel/}"
  fi
fi
[[ " $SINKS " == *" redis "* ]] || PEERS="${PEERS//connect-redis/}"
for s in $SINKS; do
  case "$s" in
    redis)
      if [[ " $PEERS " == *" connect-redis "* ]]; then "$REPO/stack/stack.sh" up redis kafka connect >&2
      else "$REPO/stack/stack.sh" up redis kafka >&2; fi
      ;;
    opensearch) "$REPO/stack/stack.sh" up opensearch kafka >&2 ;;
    *) log "unknown sink $s (redis | opensearch)"; exit 2 ;;
  esac
done

# --- the Kafka Connect Redis peer's plugin ---------------------------------------------------------
# Fetches Camel Kafka Connector 0.11.0 + camel-spring-redis (bench/peers/connect-redis/pom.xml) into
# $FANOUT_CACHE_DIR, adds the key-template SMT, links the dir into the stack's plugin.path and
# restarts the Connect worker once if it does not list the connector yet. Sets CONNECT_REDIS_WHY and
# returns 1 when any step fails.
CREDIS_CLASS=org.apache.camel.kafkaconnector.CamelSinkConnector
prepare_connect_redis() {
  local sum dir tmp k
  sum="$(cat "$CREDIS_DIR/pom.xml" "$CREDIS_DIR/RedisKeysHeader.java" | sha256sum | cut -c1-12)"
  dir="$FANOUT_CACHE_DIR/camel-redis-sink-0.11.0-$sum"
  if [ ! -f "$dir/.built" ]; then
    tmp="$dir.partial.$$"
    rm -rf "$tmp"
    log "fetching Camel Kafka Connector 0.11.0 + camel-spring-redis from Maven Central into $dir"
    if ! timeout 600 mvn -B -q -f "$CREDIS_DIR/pom.xml" \
        org.apache.maven.plugins:maven-dependency-plugin:3.8.1:copy-dependencies -DincludeScope=runtime \
        -DoutputDirectory="$tmp" >"$OUT_DIR/fetch-connect-redis.log" 2>&1; then
      CONNECT_REDIS_WHY="mvn could not fetch the plugin: $(grep -m1 -o 'Could not find artifact[^ ]* [^ ]*\|Could not resolve[^.]*' "$OUT_DIR/fetch-connect-redis.log" || echo "see $OUT_DIR/fetch-connect-redis.log")"
      rm -rf "$tmp"; return 1
    fi
    k="$(ls -d "$FANOUT_CACHE_DIR"/kafka-* | head -1)"
    mkdir -p "$tmp/classes/META-INF/services"
    if ! javac -d "$tmp/classes" -cp "$k/*" "$CREDIS_DIR/RedisKeysHeader.java" >"$OUT_DIR/javac-connect-redis.log" 2>&1; then
      CONNECT_REDIS_WHY="the key SMT did not compile (see $OUT_DIR/javac-connect-redis.log)"
      rm -rf "$tmp"; return 1
    fi
    # the stack's worker discovers plugins by service_load; the 0.11.0 jar has no service files
    echo fanout.bench.RedisKeysHeader >"$tmp/classes/META-INF/services/org.apache.kafka.connect.transforms.Transformation"
    echo "$CREDIS_CLASS" >"$tmp/classes/META-INF/services/org.apache.kafka.connect.sink.SinkConnector"
    if ! jar cf "$tmp/fanout-redis-keys-header.jar" -C "$tmp/classes" .; then
      CONNECT_REDIS_WHY="the key SMT's jar could not be made"
      rm -rf "$tmp"; return 1
    fi
    rm -rf "$tmp/classes" "$dir"
    mv "$tmp" "$dir"
    touch "$dir/.built"
  fi
  if [ "$(readlink "$FANOUT_RUN_DIR/connect/plugins/camel-redis-sink" 2>/dev/null)" != "$dir" ] ||
    ! grep -qF "\"$CREDIS_CLASS\"" <<<"$(curl -sf --max-time 10 "$CONNECT/connector-plugins" || true)"; then
    ln -sfn "$dir" "$FANOUT_RUN_DIR/connect/plugins/camel-redis-sink"
    log "restarting the stack's Connect worker ($CONNECT) to load $CREDIS_CLASS"
    "$REPO/stack/stack.sh" down connect >&2
    "$REPO/stack/stack.sh" up connect >&2
    grep -qF "\"$CREDIS_CLASS\"" <<<"$(curl -sf --max-time 10 "$CONNECT/connector-plugins" || true)" ||
      { CONNECT_REDIS_WHY="the Connect worker does not list $CREDIS_CLASS after a restart"; return 1; }
  fi
  log "Connect Redis peer: $dir"
}
connect_pid() { cat "$FANOUT_RUN_DIR/pids/connect.pid" 2>/dev/null | tr -dc '0-9'; }
cpu_ticks() { awk '{ sub(/^.*\) /, ""); print $12 + $13 }' "/proc/$1/stat" 2>/dev/null || echo 0; }
# register_connect_redis NAME GROUP TOPIC PREFIX
register_connect_redis() {
  local cfg
  cfg="$(jq -n --arg cls "$CREDIS_CLASS" --arg topic "$3" --arg group "$2" --arg prefix "$4" \
    --arg url "spring-redis://127.0.0.1:$RPORT?command=DEL&serializer=#class:org.springframework.data.redis.serializer.StringRedisSerializer" '{
      "connector.class": $cls, "tasks.max": "1", "topics": $topic, "camel.sink.url": $url,
      "key.converter": "org.apache.kafka.connect.json.JsonConverter", "key.converter.schemas.enable": "false",
      "value.converter": "org.apache.kafka.connect.json.JsonConverter", "value.converter.schemas.enable": "false",
      "transforms": "keys", "transforms.keys.type": "fanout.bench.RedisKeysHeader",
      "transforms.keys.prefix": $prefix, "transforms.keys.field": "id",
      "consumer.override.group.id": $group, "consumer.override.auto.offset.reset": "earliest"}')"
  echo "$cfg" >"$OUT_DIR/connector-$1.json"
  # create, then wait until the connector and its task run (or say why not): stack/connect.sh
  "$REPO/stack/connect.sh" register "$1" "$OUT_DIR/connector-$1.json"
}
delete_connector() { "$REPO/stack/connect.sh" delete "$1" >/dev/null 2>&1 || true; }
delete_connectors() { # PREFIX: every connector whose name starts with it
  curl -sf --max-time 5 "$CONNECT/connectors" >/dev/null 2>&1 || return 0
  local c
  for c in $(curl -sf --max-time 10 "$CONNECT/connectors" | jq -r '.[]' | grep "^$1" || true); do delete_connector "$c"; done
}

ENGINE_PID=""
AUX_PIDS=()
cleanup() {
  for p in $ENGINE_PID "${AUX_PIDS[@]}"; do kill -KILL "$p" 2>/dev/null || true; done
  [[ " $PEERS " == *" connect-redis "* ]] && delete_connectors "$IPREFIX"
  kprobe cleanup "$BOOT" "$PREFIX" >/dev/null 2>&1 || true
  curl -s -X DELETE --max-time 30 "$OS/${IPREFIX}*" >/dev/null 2>&1 || true
  redis-cli -p "$RPORT" --scan --pattern "${PREFIX}*" 2>/dev/null | xargs -r -n 1000 redis-cli -p "$RPORT" unlink >/dev/null 2>&1 || true
}
trap cleanup EXIT
[[ " $PEERS " == *" connect-redis "* ]] && delete_connectors "sb-"
kprobe cleanup "$BOOT" "sb." >&2
if [[ " $PEERS " == *" connect-redis "* ]] && ! prepare_connect_redis; then
  log "Connect Redis peer not run: $CONNECT_REDIS_WHY"
  PEERS="${PEERS//connect-redis/}"
fi
curl -s -X DELETE --max-time 30 "$OS/sb-*" >/dev/null 2>&1 || true

stop_engine() {
  local pid="$1"
  kill -TERM "$pid" 2>/dev/null || true
  for _ in $(seq 1 300); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
  kill -KILL "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
  ENGINE_PID=""
}

start_fanout() { # SINK GROUP INPUT LOG [index|prefix]
  local sink="$1" group="$2" input="$3" logf="$4" target="$5"
  BENCH_GROUP="$group" BENCH_INPUT="$input" BENCH_PREFIX="$target" BENCH_INDEX="$target" \
    "$FANOUT_BIN" run -c "$HERE/$sink.yaml" >"$logf" 2>&1 &
  ENGINE_PID=$!
}

wait_assigned() { # LOG
  for _ in $(seq 1 600); do grep -qE 'assigned|RUNNING|Started' "$1" 2>/dev/null && return 0; sleep 0.1; done
  log "engine did not report an assignment within 60 s ($1)"
}

preload_redis() { # PREFIX FORMAT(%d|%012d) -> SET prefix<id> for id in 1..KEYS (resp. 0..KEYS-1)
  python3 - "$1" "$2" "$KEYS" <<'PY' | redis-cli -p "$RPORT" --pipe >/dev/null
import sys
p, fmt, k = sys.argv[1], sys.argv[2], int(sys.argv[3])
rng = range(1, k + 1) if fmt == "%d" else range(k)
out = sys.stdout
for i in rng:
    key = p + (fmt % i)
    out.write(f"*3\r\n$3\r\nSET\r\n${len(key)}\r\n{key}\r\n$1\r\nx\r\n")
PY
}

create_index() { # NAME [pipeline]
  local body='{"settings":{"number_of_shards":1,"number_of_replicas":0}}'
  [ -n "${2:-}" ] && body="{\"settings\":{\"number_of_shards\":1,\"number_of_replicas\":0,\"default_pipeline\":\"$2\"}}"
  curl_os -X PUT "$OS/$1" -d "$body" >/dev/null
}

# --- one fanout (or peer) throughput run against a sink ------------------------------------------
# run_engine SINK ENGINE INPUT TARGET -> prints "applied_eps committed_eps launch_ms cpu status"
run_engine() {
  local sink="$1" engine="$2" input="$3" target="$4" rep="$5"
  local group="${PREFIX}$sink.$engine.r$rep" logf="$OUT_DIR/$sink.$engine.r$rep.log"
  local wf="$OUT_DIR/wait.$sink.$engine.r$rep" sf="$OUT_DIR/watch.$sink.$engine.r$rep"
  if [ "$sink" = redis ]; then
    py redis-watch "$RPORT" "$N" "$RUN_TIMEOUT" >"$sf" 2>&1 &
  else
    py os-watch "$OS" "$target" "$N" "$RUN_TIMEOUT" >"$sf" 2>&1 &
  fi
  local spid=$!
  kprobe wait "$BOOT" "$group" "$input" "$RUN_TIMEOUT" >"$wf" 2>&1 &
  local wpid=$!
  for _ in $(seq 1 300); do grep -q '^ready' "$wf" && grep -q '^ready' "$sf" && break; sleep 0.1; done
  local t0 c0=0 cpid="" cname="${IPREFIX}$sink-$engine-r$rep"; t0="$(now_ms)"
  case "$engine" in
    fanout) start_fanout "$sink" "$group" "$input" "$logf" "$target" ;;
    camel)
      java -Xmx512m -cp "$CAMEL_DIR/target/fanout-camel-peer-1.jar:$CAMEL_DIR/target/lib/*" fanout.bench.CamelOpenSearchPeer \
        "$BOOT" "$group" "$input" "$OS" "$target" "$BATCH" >"$logf" 2>&1 &
      ENGINE_PID=$!
      ;;
    connect-redis)
      cpid="$(connect_pid)"; c0="$(cpu_ticks "$cpid")"
      register_connect_redis "$cname" "$group" "$input" "$target" >>"$logf" 2>&1 || true
      ;;
  esac
  local epid="$ENGINE_PID"
  wait "$wpid" || true
  wait "$spid" || true
  local cpu
  if [ -n "$cpid" ]; then
    cpu="$(awk -v t="$CLK_TCK" -v a="$(($(cpu_ticks "$cpid") - c0))" 'BEGIN { printf "%.2f", a / t }')"
    curl -s --max-time 5 "$CONNECT/connectors/$cname/status" >>"$logf" 2>&1 || true
    delete_connector "$cname"
  else
    cpu="$(cpu_seconds "$epid")"
    stop_engine "$epid"
  fi
  local w s; w="$(grep -E '^(done|timeout)' "$wf" || true)"; s="$(grep -E '^(first|timeout)' "$sf" || true)"
  local first done_apply done_commit status=ok
  first="$(kv first_ms "$s")"; done_apply="$(kv done_ms "$s")"; done_commit="$(kv done_ms "$w")"
  [ -n "$done_apply" ] || status="not-applied($s)"
  [ -n "$done_commit" ] || status="$status;not-committed($w)"
  local launch=NA; [ -n "$done_commit" ] && launch=$((done_commit - t0))
  echo "$(rate "$N" "$first" "$done_apply") $(rate "$N" "$first" "$done_commit") $launch $cpu $status"
}

# --- latency run -----------------------------------------------------------------------------------
# lat_run SINK ENGINE REP -> prints the probe's latency line
lat_run() {
  local sink="$1" engine="$2" rep="$3"
  local id="${PREFIX}lat.$sink.$engine.r$rep" logf="$OUT_DIR/lat.$sink.$engine.r$rep.log"
  local input="$id.in" sendlog="$OUT_DIR/lat.$sink.$engine.r$rep.sent" target mon=""
  kprobe create "$BOOT" 1 "$input" >&2
  if [ "$sink" = redis ]; then
    target="${PREFIX}lat.$engine.r$rep:"
    mon="$OUT_DIR/lat.$sink.$engine.r$rep.monitor"
    redis-cli -p "$RPORT" monitor >"$mon" 2>/dev/null &
    AUX_PIDS+=($!)
  else
    target="${IPREFIX}lat-$engine-r$rep"
    create_index "$target" "${IPREFIX}ingest-ts"
  fi
  case "$engine" in
    fanout) start_fanout "$sink" "$id" "$input" "$logf" "$target" ;;
    camel)
      java -Xmx512m -cp "$CAMEL_DIR/target/fanout-camel-peer-1.jar:$CAMEL_DIR/target/lib/*" fanout.bench.CamelOpenSearchPeer \
        "$BOOT" "$id" "$input" "$OS" "$target" "$BATCH" >"$logf" 2>&1 &
      ENGINE_PID=$!
      ;;
    connect-redis)
      local cname="${IPREFIX}lat-$sink-$engine-r$rep" cpid c0
      cpid="$(connect_pid)"; c0="$(cpu_ticks "$cpid")"
      register_connect_redis "$cname" "$id" "$input" "$target" >>"$logf" 2>&1 && echo "RUNNING" >>"$logf"
      ;;
  esac
  local epid="$ENGINE_PID"
  wait_assigned "$logf"
  sleep 2
  # a Connect task joins its group after RUNNING: wait until the group has a member
  [ "$engine" = connect-redis ] && sleep 3
  python3 "$HERE/gen.py" pace --rate "$LAT_RATE" --seconds "$LAT_SECONDS" --id-base 0 --sendlog "$sendlog" |
    kcat -b "$BOOT" -P -t "$input" -K $'\t' -X linger.ms=1
  sleep 3
  local cpu
  if [ "$engine" = connect-redis ]; then
    cpu="$(awk -v t="$CLK_TCK" -v a="$(($(cpu_ticks "$cpid") - c0))" 'BEGIN { printf "%.2f", a / t }')"
    delete_connector "$cname"
  else
    cpu="$(cpu_seconds "$epid")"
    stop_engine "$epid"
  fi
  local r
  if [ "$sink" = redis ]; then
    kill "${AUX_PIDS[-1]}" 2>/dev/null || true
    r="$(py redis-latency "$mon" "$target" "$sendlog")"
  else
    r="$(py os-latency "$OS" "$target")"
  fi
  echo "$r cpu=$cpu"
}

# --- main ------------------------------------------------------------------------------------------
OS_PEERS=""; REDIS_PEERS=""
for p in $PEERS; do
  case "$p" in
    camel) OS_PEERS="$OS_PEERS $p" ;;
    connect-redis) REDIS_PEERS="$REDIS_PEERS $p" ;;
    *) log "unknown peer $p (camel | connect-redis)" ;;
  esac
done
log "results in $OUT_DIR; fanout $("$FANOUT_BIN" --version 2>/dev/null || echo '?') ($FANOUT_BIN); N=$N keys=$KEYS reps=$REPS sinks=[$SINKS] peers=[$PEERS]"
data="$OUT_DIR/events.tsv"
python3 "$HERE/gen.py" batch -n "$N" --keys "$KEYS" -o "$data" --ndjson "$OUT_DIR/bulk.ndjson"
input="${PREFIX}in"
kprobe create "$BOOT" 1 "$input" >&2
kcat -b "$BOOT" -P -t "$input" -K $'\t' -Z -X linger.ms=20 -l "$data"
log "preloaded $input: $N events over $KEYS ids, $(du -h "$data" | cut -f1)"

# OpenSearch's JVM compiles its indexing path under the first load it sees: without a warm-up the
# first engine of rep 1 (fanout) ran at half the speed of later runs (2026-12-03: 16.8k/s vs
# 39.3k/s in rep 2). One unrecorded raw load first makes the rows comparable (OS_WARMUP=0: none).
if [[ " $SINKS " == *" opensearch "* ]] && [ "${OS_WARMUP:-1}" != 0 ]; then
  idx="${IPREFIX}warmup"
  create_index "$idx"
  r="$(py bulk-load "$OS" "$idx" "$OUT_DIR/bulk.ndjson" "$BATCH" "$CONC")"
  log "opensearch warm-up (not recorded): $r"
fi

for rep in $(seq 1 "$REPS"); do
  if [[ " $SINKS " == *" redis "* ]]; then
    kp="${PREFIX}r$rep.c:"
    preload_redis "$kp" %d
    read -r ae ce launch cpu st <<<"$(run_engine redis fanout "$input" "$kp" "$rep")"
    result tput redis fanout "$rep" "$ae" "$ce" "$launch" "$cpu" "$st"
    log "redis fanout rep=$rep: applied ${ae}/s, committed ${ce}/s, launch->committed ${launch} ms, cpu ${cpu} s, $st"
    for peer in $REDIS_PEERS; do
      kp="${PREFIX}r$rep.$peer:"
      preload_redis "$kp" %d
      read -r ae ce launch cpu st <<<"$(run_engine redis "$peer" "$input" "$kp" "$rep")"
      left="$(redis-cli -p "$RPORT" --scan --pattern "${kp}*" | wc -l)"
      [ "$left" = 0 ] || st="$st;keys-left=$left"
      result tput redis "$peer" "$rep" "$ae" "$ce" "$launch" "$cpu" "$st"
      log "redis $peer rep=$rep: applied ${ae}/s, committed ${ce}/s, launch->committed ${launch} ms, cpu ${cpu} s (Connect JVM), $st"
    done
    for cmd in DEL UNLINK; do
      for c in $CONNS; do
        bp="${PREFIX}r$rep.rb.$cmd.$c:"
        preload_redis "$bp" %012d
        line="$(redis-benchmark -p "$RPORT" -P "$PIPELINE" -c "$c" -n "$N" -r "$KEYS" --csv "$cmd" "${bp}__rand_int__" | tail -1)"
        rps="$(awk -F'","' '{ print int($2) }' <<<"$line")"
        result tput redis "redis-benchmark $cmd -P $PIPELINE -c $c" "$rep" "$rps" NA NA NA ok
        log "redis-benchmark $cmd -P $PIPELINE -c $c -n $N -r $KEYS: $rps/s ($line)"
      done
    done
    # The consume-only floor: kcat (librdkafka with its default fetch settings, as fanout) reads
    # the records and prints their offsets into `wc -l` -- no JSON decode, no Redis. Its start
    # (process, metadata, offsets, first fetch: 0.1 s to 5 s here, with the machine's load) is
    # left out, as fanout's applied/s leaves out fanout's, by difference: the wall time of
    # reading the first N records minus that of reading the first N/10, best of 3 each, gives
    # the time of the 0.9 N records between. (Timing the lines kcat prints does not work: its
    # output into a pipe is block-buffered, so the first line arrives late and the rate comes
    # out several times too high.)
    read_ms() { # COUNT -> the best wall time (ms) of 3 reads of the topic's first COUNT records
      local best="" t0 t1 got
      for _ in 1 2 3; do
        t0="$(now_ms)"
        got="$(kcat -b "$BOOT" -C -t "$input" -o beginning -c "$1" -e -q -f '%o\n' | wc -l)"
        t1="$(now_ms)"
        [ "$got" = "$1" ] || { echo NA; return; }
        if [ -z "$best" ] || [ $((t1 - t0)) -lt "$best" ]; then best=$((t1 - t0)); fi
      done
      echo "$best"
    }
    tenth=$((N / 10))
    full_ms="$(read_ms "$N")"
    tenth_ms="$(read_ms "$tenth")"
    st=ok
    eps=NA
    if [ "$full_ms" != NA ] && [ "$tenth_ms" != NA ] && [ "$full_ms" -gt "$tenth_ms" ]; then
      eps=$(((N - tenth) * 1000 / (full_ms - tenth_ms)))
    else
      st="kcat-read-failed(full=${full_ms}ms,tenth=${tenth_ms}ms)"
    fi
    result tput redis "kcat read of the input (no decode)" "$rep" "$eps" NA NA NA "$st"
    log "kcat read of $input: ${eps}/s between the first N/10 and N records (best of 3: $N records in $full_ms ms, $tenth in $tenth_ms ms, each from launch)"
  fi
  if [[ " $SINKS " == *" opensearch "* ]]; then
    idx="${IPREFIX}fanout-r$rep"
    create_index "$idx"
    read -r ae ce launch cpu st <<<"$(run_engine opensearch fanout "$input" "$idx" "$rep")"
    cnt="$(py os-count "$OS" "$idx")"
    [ "$cnt" = "count=$KEYS" ] || st="$st;$cnt"
    result tput opensearch fanout "$rep" "$ae" "$ce" "$launch" "$cpu" "$st"
    log "opensearch fanout rep=$rep: applied ${ae}/s, committed ${ce}/s, launch->committed ${launch} ms, cpu ${cpu} s, $cnt, $st"

    idx="${IPREFIX}raw-r$rep"
    create_index "$idx"
    r="$(py bulk-load "$OS" "$idx" "$OUT_DIR/bulk.ndjson" "$BATCH" "$CONC")"
    cnt="$(py os-count "$OS" "$idx")"
    st=ok; [ "$(kv errors "$r")" = 0 ] || st="errors=$(kv errors "$r")"; [ "$cnt" = "count=$KEYS" ] || st="$st;$cnt"
    eps="$(rate "$N" "$(kv start_ms "$r")" "$(kv end_ms "$r")")"
    result tput opensearch "raw _bulk ($BATCH x $CONC)" "$rep" "$eps" NA NA NA "$st"
    log "opensearch raw _bulk batch=$BATCH conc=$CONC rep=$rep: ${eps}/s ($r, $cnt)"

    for peer in $OS_PEERS; do
      idx="${IPREFIX}$peer-r$rep"
      create_index "$idx"
      read -r ae ce launch cpu st <<<"$(run_engine opensearch "$peer" "$input" "$idx" "$rep")"
      cnt="$(py os-count "$OS" "$idx")"
      [ "$cnt" = "count=$KEYS" ] || st="$st;$cnt"
      result tput opensearch "$peer" "$rep" "$ae" "$ce" "$launch" "$cpu" "$st"
      log "opensearch $peer rep=$rep: applied ${ae}/s, committed ${ce}/s, launch->committed ${launch} ms, cpu ${cpu} s, $cnt, $st"
    done
  fi
done

if [ "$LAT_RATE" -gt 0 ]; then
  if [[ " $SINKS " == *" opensearch "* ]]; then
    curl_os -X PUT "$OS/_ingest/pipeline/${IPREFIX}ingest-ts" \
      -d '{"processors":[{"set":{"field":"ingested_at","value":"{{_ingest.timestamp}}"}}]}' >/dev/null
  fi
  for rep in $(seq 1 "$REPS"); do
    for sink in $SINKS; do
      engines="fanout $REDIS_PEERS"; [ "$sink" = opensearch ] && engines="fanout $OS_PEERS"
      for engine in $engines; do
        r="$(lat_run "$sink" "$engine" "$rep")"
        result lat "$sink" "$engine" "$rep" "$(kv p50_ms "$r")" "$(kv p99_ms "$r")" "$(kv max_ms "$r")" "$(kv cpu "$r")" "$r"
        log "latency $sink $engine rep=$rep @${LAT_RATE}/s x ${LAT_SECONDS}s: $r"
      done
    done
  done
  curl -s -X DELETE --max-time 30 "$OS/_ingest/pipeline/${IPREFIX}ingest-ts" >/dev/null 2>&1 || true
fi

python3 - "$RESULTS" <<'PY'
import statistics, sys
from collections import defaultdict, OrderedDict
rows = [l.rstrip("\n").split("\t") for l in open(sys.argv[1]) if l.strip()]
def med(xs):
    xs = [float(x) for x in xs if x not in ("NA", "", "nan")]
    return statistics.median(xs) if xs else float("nan")
tput = OrderedDict(); lat = OrderedDict()
for r in rows:
    (tput if r[0] == "tput" else lat).setdefault((r[1], r[2]), []).append(r)
print()
print("| sink | engine | runs | events/s (median) | each run | committed/s | launch->committed ms | CPU s | vs ceiling | status |")
print("|---|---|---|---|---|---|---|---|---|---|")
for sink in dict.fromkeys(k[0] for k in tput):
    ceil = max((med([r[4] for r in rs]) for (s, e), rs in tput.items()
                if s == sink and e != "fanout" and (e.startswith("redis-benchmark") or e.startswith("raw"))),
               default=float("nan"))
    for (s, e), rs in tput.items():
        if s != sink:
            continue
        m = med([r[4] for r in rs])
        st = ",".join(sorted(set(r[8] for r in rs)))
        print(f"| {s} | {e} | {len(rs)} | {m:,.0f} | {' / '.join(r[4] for r in rs)} | {med([r[5] for r in rs]):,.0f} | "
              f"{med([r[6] for r in rs]):,.0f} | {med([r[7] for r in rs]):.1f} | {m / ceil:.2f} | {st} |")
if lat:
    print()
    print("| sink | engine | runs | p50 ms | p99 ms | max ms | CPU s | detail |")
    print("|---|---|---|---|---|---|---|---|")
    for (s, e), rs in lat.items():
        print(f"| {s} | {e} | {len(rs)} | {med([r[4] for r in rs]):.1f} | {med([r[5] for r in rs]):.1f} | "
              f"{med([r[6] for r in rs]):.1f} | {med([r[7] for r in rs]):.1f} | {rs[-1][8]} |")
PY
log "raw results: $RESULTS"

# --- Summary rows (bench/lib/summary.sh; no-op without BENCH_SUMMARY) -------------------------------
# medians over the reps of: applied/s (tput column 4), CPU s (column 7), p99 ms of the latency runs
meds="$(python3 - "$RESULTS" <<'PY'
import statistics, sys
rows = [l.rstrip("\n").split("\t") for l in open(sys.argv[1]) if l.strip()]
def med(kind, sink, pred, col):
    xs = []
    for r in rows:
        # throughput runs count only when their status is ok (all applied, committed, counted)
        if kind == "tput" and len(r) > 8 and not r[8].startswith("ok"):
            continue
        if r[0] == kind and r[1] == sink and pred(r[2]) and r[col] not in ("NA", "", "nan"):
            try:
                xs.append(float(r[col]))
            except ValueError:
                pass
    return f"{statistics.median(xs):.6g}" if xs else "NA"
is_ = lambda e: (lambda x: x == e)
for key, v in [
    ("redis.fanout.eps", med("tput", "redis", is_("fanout"), 4)),
    ("redis.kcat.eps", med("tput", "redis", lambda e: e.startswith("kcat"), 4)),
    ("redis.connect.eps", med("tput", "redis", is_("connect-redis"), 4)),
    ("redis.fanout.p99_ms", med("lat", "redis", is_("fanout"), 5)),
    ("opensearch.fanout.eps", med("tput", "opensearch", is_("fanout"), 4)),
    ("opensearch.raw.eps", med("tput", "opensearch", lambda e: e.startswith("raw"), 4)),
    ("opensearch.camel.eps", med("tput", "opensearch", is_("camel"), 4)),
    ("opensearch.fanout.cpu_s", med("tput", "opensearch", is_("fanout"), 7)),
    ("opensearch.camel.cpu_s", med("tput", "opensearch", is_("camel"), 7)),
    ("opensearch.fanout.p99_ms", med("lat", "opensearch", is_("fanout"), 5)),
    ("opensearch.camel.p99_ms", med("lat", "opensearch", is_("camel"), 5)),
]:
    print(key, v)
PY
)"
knobs="N=$N KEYS=$KEYS REPS=$REPS LAT_RATE=$LAT_RATE LAT_SECONDS=$LAT_SECONDS PEERS=\"$PEERS_ASKED\""
[ "${QUICK:-0}" = 1 ] && knobs="QUICK=1 $knobs"
cmdline="FANOUT_BIN=<Release build>/fanout $knobs bench/sinks/run.sh $SINKS"
words="N=$N Debezium 3.2.7 PostgreSQL updates ~690 B (JSON, no schemas) over KEYS=$KEYS ids, 1 partition, $REPS rep(s)"
lat_words="latency: $LAT_RATE events/s for $LAT_SECONDS s into a fresh 1-partition topic, $REPS rep(s), p99 of applied - written"
while read -r key value; do
  [ -n "$key" ] || continue
  sink="${key%%.*}"
  [[ " $SINKS " == *" $sink "* ]] || continue
  inputs="$words"
  case "$key" in
    redis.fanout.eps) inputs="$inputs; fanout UNLINK <prefix><id> per event, applied/s seen by Redis (INFO commandstats)" ;;
    redis.kcat.eps) inputs="$inputs; kcat -C -o beginning (librdkafka defaults, no decode), 0.9 N records / (time of N - time of N/10, best of 3)" ;;
    redis.connect.eps)
      if [ "$value" = NA ]; then
        inputs="$inputs; no Kafka Connect Redis sink ran: ${CONNECT_REDIS_WHY:-not in PEERS, or its runs failed (see $RESULTS)}; on Maven Central here: no camel-redis-sink-kafka-connector (0.x-4.x), camel-spring-redis-kafka-connector (0.5.0-0.11.0), io.github.jaredpetersen:kafka-connect-redis, com.github.jcustenborder.kafka.connect:kafka-connect-redis"
      else
        inputs="$inputs; Camel Kafka Connector 0.11.0 CamelSinkConnector + camel-spring-redis 3.11.2 (Maven Central) in the stack's Connect 3.9.2 worker, tasks.max 1, one DEL <prefix><id> per event (key set by our SMT RedisKeysHeader), applied/s seen by Redis"
      fi
      ;;
    *.p99_ms) inputs="$lat_words" ;;
    opensearch.raw.eps) inputs="$inputs; probe.py bulk-load, $BATCH items per _bulk over $CONC connections, bodies prepared first" ;;
    opensearch.camel.*) inputs="$inputs; Camel 4.10 camel-kafka -> camel-opensearch Bulk (bench/peers/camel-opensearch)" ;;
  esac
  case "$key" in opensearch.*.cpu_s) inputs="$inputs; user+sys CPU s of the engine process over the throughput run" ;; esac
  summary_put "$key" "$value" "$inputs" "$cmdline"
done <<<"$meds"
log "summary: $(tr '\n' ' ' <<<"$meds")"
