#!/usr/bin/env bash
# fanout's resident memory with a large backlog: EVENTS change events of about RECORD_BYTES each
# wait in a topic, and fanout reads them into a Redis invalidation route whose server is hung
# (SIGSTOP: every write waits) -- then again with the server up (full speed). RSS is sampled
# every 0.5 s; the peak of each phase is printed. Bounded: each phase lasts at most PHASE_S.
#
#   bench/memory/backlog_rss.sh                      # 1 000 000 events of ~4 KB, default bounds
#   EVENTS=200000 EXTRA_KAFKA="queued.max.messages.kbytes: 65536" bench/memory/backlog_rss.sh
#
# Needs the stack's Kafka (stack/stack.sh up) and build/fanout; starts its own redis-server on
# REDIS_PORT so that stopping it disturbs nothing else.
set -euo pipefail
cd "$(dirname "$0")/../.."
source stack/env
FANOUT_BIN="${FANOUT_BIN:-build/fanout}"
EVENTS="${EVENTS:-1000000}"
RECORD_BYTES="${RECORD_BYTES:-4096}"
PHASE_S="${PHASE_S:-60}"
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
}
trap cleanup EXIT

if [ -z "${TOPIC:-}" ]; then
log "producing $EVENTS events of ~$RECORD_BYTES bytes to $topic"
stack/kafka.sh topics --create --topic "$topic" --partitions 4 >/dev/null
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

kill -STOP "$redis_pid"
"$FANOUT_BIN" run -c "$RUN/fanout.yaml" > "$RUN/fanout.log" 2>&1 &
fanout_pid=$!
hung=$(sample "$PHASE_S")
kill -CONT "$redis_pid"
running=$(sample "$PHASE_S")
echo "topic=$topic (4 partitions) events=$EVENTS record_bytes=$RECORD_BYTES extra_kafka='$EXTRA_KAFKA' extra_processing='$EXTRA_PROCESSING'"
echo "peak RSS, Redis hung: ${hung} MB"
echo "peak RSS, Redis up (draining at full speed): ${running} MB"
