#!/usr/bin/env bash
# fanout's resident memory with a large backlog: EVENTS change events of about RECORD_BYTES each
# wait in a topic, and fanout reads them into a Redis invalidation route whose server is hung
# (SIGSTOP: every write waits) -- then again with the server up (full speed). RSS is sampled
# every 0.5 s; the peak of each phase is printed. Bounded: each phase lasts at most PHASE_S.
# Throughput: the Redis server counts the UNLINKs (one per event); the rate is taken from the
# first UNLINK it executes to the EVENTS-th. HUNG_S=0 skips the hung phase (full speed from the
# start, the fetch from the broker included); PARTITIONS sets the topic's partitions (with TOPIC,
# only the label: give the count that topic was made with).
#
#   bench/memory/backlog_rss.sh                      # 1 000 000 events of ~4 KB, default bounds
#   EVENTS=200000 EXTRA_KAFKA="queued.max.messages.kbytes: 65536" bench/memory/backlog_rss.sh
#
# Needs the stack's Kafka (stack/stack.sh up) and build/fanout; starts its own redis-server on
# REDIS_PORT so that stopping it disturbs nothing else.
set -euo pipefail
cd "$(dirname "$0")/../.."
source stack/env
# shellcheck source=bench/lib/summary.sh
source bench/lib/summary.sh
FANOUT_BIN="${FANOUT_BIN:-build/fanout}"
EVENTS="${EVENTS:-1000000}"
RECORD_BYTES="${RECORD_BYTES:-4096}"
PHASE_S="${PHASE_S:-60}"
HUNG_S="${HUNG_S:-$PHASE_S}"
PARTITIONS="${PARTITIONS:-4}"
REDIS_PORT="${REDIS_PORT:-26399}"
EXTRA_KAFKA="${EXTRA_KAFKA:-}"
EXTRA_PROCESSING="${EXTRA_PROCESSING:-}"
RUN="${RUN_DIR:-/tmp/fanout-backlog-rss}"
rm -rf "$RUN" && mkdir -p "$RUN"
name="backlog$$"
# TOPIC: a topic an earlier run filled (its events are read again by a new group).
topic="${TOPIC:-$name.public.things}"

log() { echo "backlog_rss: $*" >&2; }

redis-server --port "$REDIS_PORT" --bind 127.0.0.1 --save '' --appendonly no \
  --daemonize yes --pidfile "$RUN/redis.pid" --logfile "$RUN/redis.log"
for _ in $(seq 50); do redis-cli -p "$REDIS_PORT" ping >/dev/null 2>&1 && break; sleep 0.1; done
redis_pid=$(cat "$RUN/redis.pid")
fanout_pid=""
cleanup() {
  [ -n "$fanout_pid" ] && kill -9 "$fanout_pid" 2>/dev/null || true
  kill -CONT "$redis_pid" 2>/dev/null || true
  kill "$redis_pid" 2>/dev/null || true
  rm -f "$RUN/input.txt"
  # The topics this run made (1 000 000 x 4 KB by default); a TOPIC given by the caller stays.
  if [ -z "${TOPIC:-}" ]; then
    timeout 60 stack/kafka.sh topics --delete --topic "$topic" >/dev/null 2>&1 || true
  fi
  timeout 60 stack/kafka.sh topics --delete --topic "$topic.dlq" >/dev/null 2>&1 || true
}
trap cleanup EXIT

if [ -z "${TOPIC:-}" ]; then
log "producing $EVENTS events of ~$RECORD_BYTES bytes to $topic"
stack/kafka.sh topics --create --topic "$topic" --partitions "$PARTITIONS" >/dev/null
python3 - "$EVENTS" "$RECORD_BYTES" > "$RUN/input.txt" <<'PY'
import sys
events, size = int(sys.argv[1]), int(sys.argv[2])
pad = "x" * max(0, size - 230)
for i in range(1, events + 1):
    sys.stdout.write('{"id":%d}|{"before":null,"after":{"id":%d,"note":"%s"},"source":{"connector":"postgresql","db":"d","schema":"public","table":"things","lsn":%d},"op":"c"}\n' % (i, i, pad, 1000 + i))
PY
kcat -P -b "$FANOUT_KAFKA_BOOTSTRAP" -t "$topic" -K '|' -z lz4 -X linger.ms=50 -l "$RUN/input.txt"
rm -f "$RUN/input.txt"
fi

cat > "$RUN/fanout.yaml" <<YAML
version: 1
kafka: { bootstrap.servers: "$FANOUT_KAFKA_BOOTSTRAP", group.id: $name${EXTRA_KAFKA:+, $EXTRA_KAFKA} }
source: { topics: [$topic] }
processing: { guarantee: at_least_once${EXTRA_PROCESSING:+, $EXTRA_PROCESSING} }
admin: { enabled: false }
logging: { level: warn }
sinks: { cache: { type: redis, url: "redis://127.0.0.1:$REDIS_PORT/0", timeout: 600s } }
routes:
  - { name: drop, from: public.things, to: cache, invalidate: ["thing:{id}"] }
dead_letter: { topic: $topic.dlq }
YAML

# Prints the peak RSS (MB) of $fanout_pid over $1 seconds.
sample() {
  local peak=0 rss
  for _ in $(seq $(( $1 * 2 ))); do
    rss=$(awk '/VmRSS/ {print $2}' "/proc/$fanout_pid/status" 2>/dev/null || echo 0)
    [ "${rss:-0}" -gt "$peak" ] && peak=$rss
    sleep 0.5
  done
  echo $(( peak / 1024 ))
}

unlinks() {
  redis-cli -p "$REDIS_PORT" info commandstats 2>/dev/null |
    awk -F'[=,:]' '/^cmdstat_unlink:/ {print $3; found=1} END {if (!found) print 0}'
}

# Full speed for $1 seconds: prints "<peak RSS MB> <events/s> <events> <ms>": the rate from the
# first UNLINK Redis executed to the EVENTS-th, or to the last count seen when not all were done
# in time. Samples VmRSS and Redis's UNLINK count every 0.1 s.
drain() {
  local peak=0 rss calls=0 t0="" c0=0 t1="" tl="" now end
  end=$(( $(date +%s%N) + $1 * 1000000000 ))
  while now=$(date +%s%N); [ "$now" -lt "$end" ]; do
    rss=$(awk '/VmRSS/ {print $2}' "/proc/$fanout_pid/status" 2>/dev/null || echo 0)
    [ "${rss:-0}" -gt "$peak" ] && peak=$rss
    calls=$(unlinks) tl=$now
    if [ -z "$t0" ] && [ "$calls" -gt 0 ]; then t0=$now c0=$calls; fi
    if [ "$calls" -ge "$EVENTS" ]; then t1=$now; break; fi
    sleep 0.1
  done
  # Keep sampling the RSS for the rest of the phase: memory freed late (or not) shows here.
  while [ "$(date +%s%N)" -lt "$end" ]; do
    rss=$(awk '/VmRSS/ {print $2}' "/proc/$fanout_pid/status" 2>/dev/null || echo 0)
    [ "${rss:-0}" -gt "$peak" ] && peak=$rss
    sleep 0.5
  done
  # Not all done within the phase: the rate over what was done (from the last count seen).
  if [ -z "$t1" ]; then t1=${tl:-$now}; else calls=$EVENTS; fi
  local rate=0
  if [ -n "$t0" ] && [ "$t1" -gt "$t0" ]; then
    rate=$(( (calls - c0) * 1000000000 / (t1 - t0) ))
  fi
  echo "$(( peak / 1024 )) $rate $(( (calls - c0) )) $(( ${t0:-$t1} < t1 ? (t1 - ${t0:-$t1}) / 1000000 : 0 ))"
}

hung=skipped
[ "$HUNG_S" -gt 0 ] && kill -STOP "$redis_pid"
"$FANOUT_BIN" run -c "$RUN/fanout.yaml" > "$RUN/fanout.log" 2>&1 &
fanout_pid=$!
if [ "$HUNG_S" -gt 0 ]; then
  hung=$(sample "$HUNG_S")
  grep VmRSS "/proc/$fanout_pid/status" >&2 || true
  [ -n "${SMAPS:-}" ] && cat "/proc/$fanout_pid/smaps_rollup" >&2
  kill -CONT "$redis_pid"
fi
read -r running rate drained drain_ms < <(drain "$PHASE_S")
[ -n "${SMAPS:-}" ] && cat "/proc/$fanout_pid/smaps_rollup" >&2
echo "topic=$topic ($PARTITIONS partitions) events=$EVENTS record_bytes=$RECORD_BYTES extra_kafka='$EXTRA_KAFKA' extra_processing='$EXTRA_PROCESSING' bin=$FANOUT_BIN"
echo "peak RSS, Redis hung: ${hung} MB"
echo "peak RSS, Redis up (draining at full speed): ${running} MB"
echo "throughput, Redis up: ${rate} events/s ($drained events in ${drain_ms} ms from the first UNLINK on)"
# The Summary's memory line: the peak of both phases (the target holds for the hung sink and for
# the drain at full speed alike).
peak=$running
[ "$hung" != skipped ] && [ "$hung" -gt "$peak" ] && peak=$hung
inputs="$EVENTS events of ~$RECORD_BYTES B in $PARTITIONS partitions; Redis hung ${HUNG_S} s (peak ${hung} MB), then up (peak ${running} MB, ${rate} events/s)"
command="EVENTS=$EVENTS RECORD_BYTES=$RECORD_BYTES PARTITIONS=$PARTITIONS PHASE_S=$PHASE_S HUNG_S=$HUNG_S bench/memory/backlog_rss.sh"
summary_put memory.rss_mb "$peak" "$inputs" "$command"
summary_put memory.eps "$rate" "$inputs" "$command"
summary_put memory.events "$EVENTS" "$inputs" "$command"
