#!/usr/bin/env bash
# Capture real Debezium output (for decoder tests) from the running stack.
#
#   stack/capture.sh [--source postgres|mariadb] OUT_DIR      (default: postgres)
#
# Needs: stack/stack.sh up postgres kafka connect (or mariadb kafka connect).
# --source mariadb does the same against the stack's MariaDB with Debezium's MySQL connector
# (stack/capture/mariadb/: database 'capture' with customers, types (every MySQL type) and tiny,
# connectors cap-mariadb-schema / cap-mariadb-noschema, topic prefixes capmariaschema /
# capmarianoschema; the scenario rotates the binlog, and the server is restarted before
# after-restart.sql); the steps below name the PostgreSQL variant.
# 1. Cleans up any previous run (connectors + their Connect offsets, replication slots, capture topics,
#    database 'capture').
# 2. Creates database 'capture' in the source cluster with public.customers, public.big (TOAST) and
#    public.tiny (REPLICA IDENTITY FULL, truncated at the end), inserts snapshot rows.
# 3. Registers two Debezium PostgreSQL connectors (pgoutput, skipped.operations=none):
#      cap-schema    topic.prefix capschema    JsonConverter schemas.enable=true  (key and value)
#      cap-noschema  topic.prefix capnoschema  JsonConverter schemas.enable=false (key and value)
#    (configs: stack/capture/*.json) and waits until both snapshots are in Kafka.
# 4. Runs the scenario (stack/capture/scenario.sql): inserts, updates, e-mail change, delete
#    (d + tombstone), primary-key change (d + tombstone + c with __debezium.oldkey/newkey headers),
#    TOAST update (__debezium_unavailable_value), REPLICA IDENTITY FULL update/delete, truncate, and
#    a sentinel insert; waits until the sentinel reached both prefixes.
# 5. Dumps every capschema.* / capnoschema.* topic with
#      kcat -C -J -e -q -b $FANOUT_KAFKA_BOOTSTRAP -t TOPIC -o beginning  >  OUT_DIR/TOPIC.jsonl
#    and writes OUT_DIR/MANIFEST.md (versions, op sequence per topic) + the configs and SQL used.
# 6. Purges both connectors (stop, reset offsets, delete) and drops their replication slots.
set -euo pipefail

STACK_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=SCRIPTDIR/env
source "$STACK_DIR/env"
: "${FANOUT_PG_BIN:=/usr/lib/postgresql/15/bin}"
: "${FANOUT_CAPTURE_TIMEOUT:=120}"

usage() { sed -n '2,29p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//' >&2; exit 2; }
SOURCE=postgres
if [ "${1:-}" = --source ]; then
  SOURCE="${2:-}"
  shift 2 || usage
fi
[ $# -eq 1 ] || usage
OUT="$1"

case "$SOURCE" in
  postgres)
    CONNECTORS=(cap-schema cap-noschema)
    CONFIG_DIR="$STACK_DIR/capture"
    SLOTS=(cap_schema cap_noschema)
    PREFIXES=(capschema capnoschema)
    SCHEMA=public
    SNAPSHOT_MIN=(customers:4 big:1 tiny:2)
    ;;
  mariadb)
    CONNECTORS=(cap-mariadb-schema cap-mariadb-noschema)
    CONFIG_DIR="$STACK_DIR/capture/mariadb"
    SLOTS=()
    PREFIXES=(capmariaschema capmarianoschema)
    SCHEMA=capture
    SNAPSHOT_MIN=(customers:3 types:2 tiny:1)
    ;;
  *) usage ;;
esac
PREFIX_ALT="$(IFS='|'; echo "${PREFIXES[*]}")"
TOPIC_RE="^($PREFIX_ALT)\\."               # the change topics: dumped
LEFTOVER_RE="^($PREFIX_ALT)([.-].*)?\$"   # also the MySQL connector's schema-change and -history topics

say() { printf 'capture: %s\n' "$*"; }
die() { printf 'capture: ERROR: %s\n' "$*" >&2; exit 1; }

mariadb_db() { # db [mariadb client args...]
  local db="$1"
  shift
  mariadb --protocol=TCP -h 127.0.0.1 -P "$FANOUT_MARIADB_PORT" -u root "$db" "$@"
}

psql_db() { # db [psql args...]
  local db="$1"
  shift
  "$FANOUT_PG_BIN/psql" -X -q -v ON_ERROR_STOP=1 -h 127.0.0.1 -p "$FANOUT_PG_PORT" -U postgres -d "$db" "$@"
}

capture_topics() { # [regex]
  kcat -b "$FANOUT_KAFKA_BOOTSTRAP" -L -J -m 5 | jq -r --arg re "${1:-$TOPIC_RE}" '.topics[].topic | select(test($re))' | sort
}

topic_count() { # topic -> number of records (0 if the topic does not exist yet)
  local n
  n="$(kcat -C -b "$FANOUT_KAFKA_BOOTSTRAP" -t "$1" -o beginning -e -q -f '%o\n' 2>/dev/null | wc -l)" || n=0
  echo "${n:-0}"
}

topic_has() { # topic jq-filter-on-payload-json -> 0 if some record's value matches
  kcat -C -b "$FANOUT_KAFKA_BOOTSTRAP" -t "$1" -o beginning -e -q -J 2>/dev/null |
    jq -e -s "[.[] | select(.payload != null) | .payload | fromjson | (.payload // .) | select($2)] | length > 0" >/dev/null 2>&1
}

wait_until() { # description command...
  local what="$1" deadline=$((SECONDS + FANOUT_CAPTURE_TIMEOUT))
  shift
  until "$@"; do
    [ $SECONDS -ge $deadline ] && die "timed out after ${FANOUT_CAPTURE_TIMEOUT}s waiting for: $what"
    sleep 0.5
  done
}

drop_slot() { # slot: wait until inactive, then drop
  local slot="$1" deadline=$((SECONDS + 60)) active
  while :; do
    active="$(psql_db postgres -tAc "select active from pg_replication_slots where slot_name = '$slot'")"
    [ -z "$active" ] && return 0
    if [ "$active" = f ]; then
      psql_db postgres -c "select pg_drop_replication_slot('$slot')" >/dev/null && say "dropped replication slot $slot" && return 0
    fi
    [ $SECONDS -ge $deadline ] && die "replication slot $slot still active after 60s"
    sleep 0.5
  done
}

cleanup_previous() {
  local c s topics
  for c in "${CONNECTORS[@]}"; do "$STACK_DIR/connect.sh" purge "$c" >/dev/null; done
  for s in "${SLOTS[@]}"; do drop_slot "$s"; done
  topics="$(capture_topics "$LEFTOVER_RE")"
  if [ -n "$topics" ]; then
    say "deleting old topics: $(tr '\n' ' ' <<<"$topics")"
    "$STACK_DIR/kafka.sh" topics --delete --if-exists --topic "($PREFIX_ALT)([.-].*)?" >/dev/null
    wait_until "old capture topics deleted" test -z "$(capture_topics "$LEFTOVER_RE")"
  fi
  if [ "$SOURCE" = mariadb ]; then
    mariadb_db mysql -e 'drop database if exists capture'
  else
    psql_db postgres -c 'drop database if exists capture with (force)'
  fi
}

snapshot_done() {
  local p t
  for p in "${PREFIXES[@]}"; do
    for t in "${SNAPSHOT_MIN[@]}"; do
      [ "$(topic_count "$p.$SCHEMA.${t%%:*}")" -ge "${t##*:}" ] || return 1
    done
  done
}

sentinel_seen() {
  local p
  for p in "${PREFIXES[@]}"; do
    topic_has "$p.$SCHEMA.tiny" '.op == "c" and .after.id == 999' || return 1
  done
}

# ------------------------------------------------------------------------------------------------

"$STACK_DIR/stack.sh" status "$SOURCE" kafka connect >/dev/null ||
  die "stack is not up (need $SOURCE, kafka, connect): run stack/stack.sh up"
mkdir -p "$OUT"
OUT="$(cd "$OUT" && pwd)"

say "cleaning up previous capture state"
cleanup_previous

say "creating database capture + snapshot rows"
if [ "$SOURCE" = mariadb ]; then
  mariadb_db mysql -e 'create database capture'
  mariadb_db capture <"$CONFIG_DIR/setup.sql"
else
  psql_db postgres -c 'create database capture'
  psql_db capture -f "$CONFIG_DIR/setup.sql"
fi

for c in "${CONNECTORS[@]}"; do
  "$STACK_DIR/connect.sh" register "$c" "$CONFIG_DIR/$c.json"
done
say "waiting for both snapshots"
wait_until "snapshot records in ${PREFIXES[*]}.$SCHEMA.{${SNAPSHOT_MIN[*]}}" snapshot_done

say "running scenario"
if [ "$SOURCE" = mariadb ]; then
  mariadb_db capture <"$CONFIG_DIR/scenario.sql"
  # A server restart between two changes: positions must keep increasing across it.
  say "restarting mariadb"
  "$STACK_DIR/stack.sh" down mariadb >/dev/null
  "$STACK_DIR/stack.sh" up mariadb >/dev/null
  mariadb_db capture <"$CONFIG_DIR/after-restart.sql"
else
  psql_db capture -f "$CONFIG_DIR/scenario.sql"
fi
wait_until "sentinel row tiny.id=999 in both prefixes" sentinel_seen
# Same producer and order as the sentinel, but different topics: give stragglers a moment.
sleep 2

say "dumping topics into $OUT"
rm -f "$OUT"/*.jsonl
mapfile -t topics < <(capture_topics)
for t in "${topics[@]}"; do
  kcat -C -J -e -q -b "$FANOUT_KAFKA_BOOTSTRAP" -t "$t" -o beginning >"$OUT/$t.jsonl"
done

# Provenance: versions, configs, SQL and the op sequence per topic.
mkdir -p "$OUT/connectors"
for c in "${CONNECTORS[@]}"; do
  curl -sf "$FANOUT_CONNECT_URL/connectors/$c/config" | jq -S . >"$OUT/connectors/$c.json"
done
kafka_version="$(curl -sf "$FANOUT_CONNECT_URL/" | jq -r .version)"
if [ "$SOURCE" = mariadb ]; then
  server_version="MariaDB $(mariadb_db mysql -N -B -e 'select version()')"
  connector_class=io.debezium.connector.mysql.MySqlConnector
  connector_desc="MySQL connector with connector.adapter=mariadb"
  sql_dir="stack/capture/mariadb"
else
  server_version="PostgreSQL $(psql_db postgres -tAc 'show server_version')"
  connector_class=io.debezium.connector.postgresql.PostgresConnector
  connector_desc="PostgreSQL connector (pgoutput)"
  sql_dir="stack/capture"
fi
dbz_version="$(curl -sf "$FANOUT_CONNECT_URL/connector-plugins" | jq -r --arg c "$connector_class" '.[] | select(.class == $c) | .version')"
{
  echo "# Debezium $SOURCE capture"
  echo
  echo "Generated by \`stack/capture.sh --source $SOURCE\` on $(date -u +%Y-%m-%dT%H:%M:%SZ)."
  echo "Debezium $connector_desc $dbz_version, $server_version, Kafka/Connect $kafka_version,"
  echo "JsonConverter. \`${PREFIXES[0]}.*\`: schemas.enable=true (key and value, envelope {schema, payload});"
  echo "\`${PREFIXES[1]}.*\`: schemas.enable=false (bare payload). Connector configs: \`connectors/\`,"
  echo "SQL: \`$sql_dir/setup.sql\` (before the connectors: snapshot rows, op=r) then \`$sql_dir/scenario.sql\` (streamed)."
  echo
  echo "Each \`<topic>.jsonl\` line is kcat's JSON envelope (\`kcat -C -J -e -q -o beginning\`): topic,"
  echo "partition, offset, tstype, ts, broker, headers (flat [name, value, ...] list), key, payload"
  echo "(both strings holding the converter's JSON; payload null = tombstone)."
  echo
  echo "| topic | records | op sequence (⊥ = tombstone, k = has a __debezium.oldkey/newkey header) |"
  echo "|---|---|---|"
  for t in "${topics[@]}"; do
    ops="$(jq -r -s '[.[] | ((.headers // []) | map(tostring) | any(test("^__debezium[.](old|new)key$"))) as $h
        | if .payload == null then "⊥" else (.payload | fromjson | (.payload // .) | .op // "?") end
        | . + (if $h then "k" else "" end)] | join(" ")' "$OUT/$t.jsonl" 2>/dev/null || echo '?')"
    echo "| \`$t\` | $(wc -l <"$OUT/$t.jsonl") | $ops |"
  done
} >"$OUT/MANIFEST.md"

say "purging connectors and dropping their replication slots"
for c in "${CONNECTORS[@]}"; do "$STACK_DIR/connect.sh" purge "$c"; done
for s in "${SLOTS[@]}"; do drop_slot "$s"; done

say "done: $(ls "$OUT"/*.jsonl | wc -l) topic files in $OUT"
sed -n '/^| topic/,$p' "$OUT/MANIFEST.md"
