#!/usr/bin/env bash
# `make demo`: start the stack, create the demo `inventory` database, register its Debezium
# connector, run a change generator in the background and fanout in the foreground.
# Ctrl-C stops fanout cleanly (it commits and leaves its group) and the generator with it;
# `make stack-down` stops the servers.
set -euo pipefail
BUILD_DIR="${1:-build}"
cd "$(dirname "$0")/.."
source stack/env
: "${FANOUT_DEMO_SECONDS:=900}"   # the generator stops by itself after this long
: "${FANOUT_DEMO_TICK:=0.2}"      # seconds between two ticks of changes.sql

say() { printf '\033[1mdemo:\033[0m %s\n' "$*"; }

say "starting the stack (PostgreSQL, Redis, Kafka, Kafka Connect + Debezium, OpenSearch, Prometheus)"
./stack/stack.sh up

PSQL=(psql -X -q -v ON_ERROR_STOP=1 "$FANOUT_SOURCE_PG_URL")
if [ "$("${PSQL[@]}" -tAc "select 1 from pg_database where datname = 'inventory'")" != "1" ]; then
  say "creating the inventory database (customers, products, orders, order_items)"
  "${PSQL[@]}" -c "create database inventory"
  psql -X -q -v ON_ERROR_STOP=1 "${FANOUT_SOURCE_PG_URL%/*}/inventory" -f examples/inventory/schema.sql
fi
INVENTORY_URL="${FANOUT_SOURCE_PG_URL%/*}/inventory"

say "registering the Debezium connector 'inventory' (topics inventory.public.*)"
./stack/connect.sh register inventory examples/inventory/connector.json

generator_pid=""
stop_generator() {
  if [ -n "$generator_pid" ] && kill -0 "$generator_pid" 2>/dev/null; then
    kill "$generator_pid" 2>/dev/null || true
    wait "$generator_pid" 2>/dev/null || true
  fi
}
trap stop_generator EXIT

generator_log="$FANOUT_RUN_DIR/logs/demo-generator.log"
say "change generator: a tick of examples/inventory/changes.sql every ${FANOUT_DEMO_TICK}s for ${FANOUT_DEMO_SECONDS}s (errors: $generator_log)"
: > "$generator_log"
(
  trap '' INT   # Ctrl-C is for fanout; this loop is stopped by the script
  end=$(( $(date +%s) + FANOUT_DEMO_SECONDS ))
  while [ "$(date +%s)" -lt "$end" ]; do
    if ! psql -X -q -v ON_ERROR_STOP=1 "$INVENTORY_URL" -f examples/inventory/changes.sql \
        >/dev/null 2>>"$generator_log"; then
      echo "demo: a tick of changes.sql failed; see $generator_log" >&2
      sleep 5
    fi
    sleep "$FANOUT_DEMO_TICK"
  done
) &
generator_pid=$!

say "metrics: http://$FANOUT_PROMETHEUS_SCRAPE/metrics, scraped every 5 s by Prometheus at $FANOUT_PROMETHEUS_URL"
say "  alerts (deploy/prometheus/fanout-rules.yml): $FANOUT_PROMETHEUS_URL/alerts"
say "  routed per second: $FANOUT_PROMETHEUS_URL/graph?g0.expr=sum%20by%20(route)%20(rate(fanout_events_routed_total%5B1m%5D))&g0.tab=0"
say "  dashboard for a Grafana of yours: deploy/grafana/fanout.json (deploy/grafana/README.md)"
say "running fanout (Ctrl-C stops it cleanly; 'make stack-down' stops the servers)"
# fanout handles SIGINT itself: it finishes, commits and leaves the group before exiting.
trap '' INT
status=0
"$BUILD_DIR/fanout" run -c examples/inventory.yaml || status=$?
trap - INT
say "fanout exited with status $status"
exit "$status"
