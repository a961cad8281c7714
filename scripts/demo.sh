#!/usr/bin/env bash
# `make demo [SOURCE=postgres|mariadb]`: start the stack, create the demo `inventory` database on the
# source (PostgreSQL by default; MariaDB with SOURCE=mariadb), register its Debezium connector, run
# a change generator in the background and fanout in the foreground. Every 10 s one line says what
# the sinks hold: Redis keys, OpenSearch documents, Kafka output records.
# Ctrl-C stops fanout cleanly (it commits and leaves its group) and the generator with it;
# `make stack-down` stops the servers.
#
#   scripts/demo.sh [BUILD_DIR] [postgres|mariadb]      (FANOUT_DEMO_SOURCE likewise)
set -euo pipefail
BUILD_DIR="${1:-build}"
SOURCE="${2:-${FANOUT_DEMO_SOURCE:-postgres}}"
cd "$(dirname "$0")/.."
source stack/env
: "${FANOUT_DEMO_SECONDS:=900}"   # the generator stops by itself after this long
: "${FANOUT_DEMO_TICK:=0.2}"      # seconds between two ticks of changes.sql
: "${FANOUT_DEMO_REPORT:=10}"     # seconds between two lines of what the sinks hold

say() { printf '\033[1mdemo:\033[0m %s\n' "$*"; }

case "$SOURCE" in
  postgres)
    SOURCE_NAME=PostgreSQL
    CONNECTOR=inventory; CONNECTOR_FILE=examples/inventory/connector.json; TOPICS="inventory.public.*"
    CHANGES=examples/inventory/changes.sql; CONFIG=examples/inventory.yaml
    OUT_PREFIX=""      # the outputs of examples/inventory.yaml: order:*, index products, orders.*
    ;;
  mariadb)
    SOURCE_NAME=MariaDB
    CONNECTOR=inventory-mariadb; CONNECTOR_FILE=examples/inventory-mariadb/connector.json; TOPICS="mariadb.inventory.*"
    CHANGES=examples/inventory-mariadb/changes.sql; CONFIG=examples/inventory-mariadb.yaml
    OUT_PREFIX="mariadb"   # examples/inventory-mariadb.yaml: mariadb:order:*, mariadb-products, mariadb.orders.*
    ;;
  *) echo "demo: SOURCE is postgres or mariadb, not '$SOURCE'" >&2; exit 2 ;;
esac
REDIS_PATTERN="${OUT_PREFIX:+$OUT_PREFIX:}order:*"
INDEX="${OUT_PREFIX:+$OUT_PREFIX-}products"
OUT_TOPIC_RE="^${OUT_PREFIX:+$OUT_PREFIX\\.}orders\\."
OUT_TOPICS_LABEL="${OUT_PREFIX:+$OUT_PREFIX.}orders.*"

say "starting the stack ($SOURCE_NAME, Redis, Kafka, Kafka Connect + Debezium, OpenSearch, Prometheus)"
./stack/stack.sh up

if [ "$SOURCE" = mariadb ]; then
  MARIA=(mariadb --protocol=TCP -h 127.0.0.1 -P "$FANOUT_MARIADB_PORT" -u root --default-character-set=utf8mb4)
  if [ -z "$("${MARIA[@]}" -N -B -e "show databases like 'inventory'")" ]; then
    say "creating the MariaDB inventory database (customers, products, orders, order_items)"
    "${MARIA[@]}" -e "create database inventory character set utf8mb4"
    "${MARIA[@]}" inventory <examples/inventory-mariadb/schema.sql
  fi
  run_changes() { "${MARIA[@]}" inventory <"$CHANGES"; }
else
  PSQL=(psql -X -q -v ON_ERROR_STOP=1 "$FANOUT_SOURCE_PG_URL")
  if [ "$("${PSQL[@]}" -tAc "select 1 from pg_database where datname = 'inventory'")" != "1" ]; then
    say "creating the inventory database (customers, products, orders, order_items)"
    "${PSQL[@]}" -c "create database inventory"
    psql -X -q -v ON_ERROR_STOP=1 "${FANOUT_SOURCE_PG_URL%/*}/inventory" -f examples/inventory/schema.sql
  fi
  INVENTORY_URL="${FANOUT_SOURCE_PG_URL%/*}/inventory"
  run_changes() { psql -X -q -v ON_ERROR_STOP=1 "$INVENTORY_URL" -f "$CHANGES"; }
fi

say "registering the Debezium connector '$CONNECTOR' (topics $TOPICS)"
./stack/connect.sh register "$CONNECTOR" "$CONNECTOR_FILE"

generator_pid="" reporter_pid=""
stop_background() {
  local p
  for p in "$generator_pid" "$reporter_pid"; do
    if [ -n "$p" ] && kill -0 "$p" 2>/dev/null; then
      kill "$p" 2>/dev/null || true
      wait "$p" 2>/dev/null || true
    fi
  done
}
trap stop_background EXIT

generator_log="$FANOUT_RUN_DIR/logs/demo-generator.log"
say "change generator: a tick of $CHANGES every ${FANOUT_DEMO_TICK}s for ${FANOUT_DEMO_SECONDS}s (errors: $generator_log)"
: > "$generator_log"
(
  trap '' INT   # Ctrl-C is for fanout; this loop is stopped by the script
  end=$(( $(date +%s) + FANOUT_DEMO_SECONDS ))
  while [ "$(date +%s)" -lt "$end" ]; do
    if ! run_changes >/dev/null 2>>"$generator_log"; then
      echo "demo: a tick of $CHANGES failed; see $generator_log" >&2
      sleep 5
    fi
    sleep "$FANOUT_DEMO_TICK"   # pacing: the generator's rate
  done
) &
generator_pid=$!

# What the sinks hold, one line: Redis keys of the order cache (its version keys not counted),
# the product index's document count, and the records of the orders.* output topics counted by
# reading them with isolation.level=read_committed (fanout writes in transactions: the end
# offsets would also count each transaction's commit marker and aborted records).
redis_keys() {
  redis-cli -u "$FANOUT_REDIS_URL" --scan --pattern "$REDIS_PATTERN" 2>/dev/null | grep -vc ':fanout:version$' || true
}
index_docs() {
  curl -s --max-time 5 "$FANOUT_OPENSEARCH_URL/$INDEX/_count" 2>/dev/null | jq -r '.count // 0' 2>/dev/null || echo "?"
}
out_records() {
  local topics t n=0
  topics="$(kcat -b "$FANOUT_KAFKA_BOOTSTRAP" -L -J -m 5 2>/dev/null | jq -r --arg re "$OUT_TOPIC_RE" '.topics[].topic | select(test($re))')" || true
  for t in $topics; do
    n=$(( n + $(kcat -C -b "$FANOUT_KAFKA_BOOTSTRAP" -t "$t" -o beginning -e -q -X isolation.level=read_committed \
                 -f '.\n' 2>/dev/null | wc -l) ))
  done
  echo "$n"
}
(
  trap '' INT
  started=$(date +%s) next=$(date +%s)
  while :; do
    # Pacing: one line every FANOUT_DEMO_REPORT seconds, on a fixed schedule (counting takes time).
    next=$(( next + FANOUT_DEMO_REPORT ))
    sleep "$(( next > $(date +%s) ? next - $(date +%s) : 0 ))"
    printf '\033[1mdemo:\033[0m [%4ds] sinks hold: redis %s keys (%s) | opensearch %s docs (%s) | kafka %s records (%s, read_committed)\n' \
      "$(( $(date +%s) - started ))" "$(redis_keys)" "$REDIS_PATTERN" "$(index_docs)" "$INDEX" "$(out_records)" \
      "$OUT_TOPICS_LABEL"
  done
) &
reporter_pid=$!

say "metrics: http://$FANOUT_PROMETHEUS_SCRAPE/metrics, scraped every 5 s by Prometheus at $FANOUT_PROMETHEUS_URL"
say "  alerts (deploy/prometheus/fanout-rules.yml): $FANOUT_PROMETHEUS_URL/alerts"
say "  routed per second: $FANOUT_PROMETHEUS_URL/graph?g0.expr=sum%20by%20(route)%20(rate(fanout_events_routed_total%5B1m%5D))&g0.tab=0"
say "  dashboard for a Grafana of yours: deploy/grafana/fanout.json (deploy/grafana/README.md)"
say "every ${FANOUT_DEMO_REPORT}s: what the sinks hold (Redis keys, OpenSearch documents, Kafka output records)"
say "running fanout with $CONFIG (Ctrl-C stops it cleanly; 'make stack-down' stops the servers)"
# fanout handles SIGINT itself: it finishes, commits and leaves the group before exiting.
trap '' INT
status=0
"$BUILD_DIR/fanout" run -c "$CONFIG" || status=$?
trap - INT
say "fanout exited with status $status"
exit "$status"
