#!/usr/bin/env bash
# make proof: exactly once under chaos, every sink kind at once (see tests/proof/README.md).
#
#   tests/proof/run.sh [--short] [--source postgres|mariadb]
#
# --short is the same as PROOF_SHORT=1, --source as PROOF_SOURCE (default postgres): mariadb runs
# the same proof with the stack's MariaDB as the source (Debezium's MySQL connector, tables of
# schema_mariadb.sql; tests/proof/README.md).
# Knobs (environment): PROOF_SHORT, PROOF_SOURCE, PROOF_SEED (default 1), PROOF_DURATION (workload seconds:
# 300 full, 70 short), PROOF_GROUPS (instances per group, default "1,3"), PROOF_KEEP=1 (leave the
# database, topics, keys, indexes and the work dir), PROOF_LIMIT (watchdog seconds, 600),
# FANOUT_BIN (default $BUILD_DIR/fanout, BUILD_DIR default build). Connection details: stack/env.
set -euo pipefail
cd "$(dirname "$0")/../.."
REPO="$PWD"
source stack/env

SHORT="${PROOF_SHORT:-0}"
SOURCE="${PROOF_SOURCE:-postgres}"
while [ $# -gt 0 ]; do
  case "$1" in
    --short) SHORT=1; shift ;;
    --source) SOURCE="${2:-}"; shift 2 || true ;;
    *) echo "usage: tests/proof/run.sh [--short] [--source postgres|mariadb]" >&2; exit 2 ;;
  esac
done
case "$SOURCE" in postgres | mariadb) ;; *) echo "proof: --source postgres|mariadb, not '$SOURCE'" >&2; exit 2 ;; esac
if [ "$SHORT" = 1 ]; then
  DURATION="${PROOF_DURATION:-70}"; SINK_STOP=10; KILL_EVERY=5..9; CATCHUP=90; RATE=8
else
  DURATION="${PROOF_DURATION:-300}"; SINK_STOP=20; KILL_EVERY=4..9; CATCHUP=150; RATE=10
fi
SEED="${PROOF_SEED:-1}"
LIMIT="${PROOF_LIMIT:-600}"
BUILD_DIR="${BUILD_DIR:-build}"
FANOUT_BIN="${FANOUT_BIN:-$BUILD_DIR/fanout}"
TYPE_MATRIX_SQL="$REPO/tests/data/postgres/type_matrix.sql"
P="$REPO/tests/proof"

started=$(date +%s)
say() { printf 'proof: [%3ds] %s\n' "$(( $(date +%s) - started ))" "$*"; }
die() { printf 'proof: ERROR: %s\n' "$*" >&2; exit 1; }

[ -x "$FANOUT_BIN" ] || die "no fanout binary at $FANOUT_BIN (make build, or set FANOUT_BIN)"
for tool in psql kcat curl python3; do command -v $tool >/dev/null || die "$tool not found (scripts/install-deps.sh)"; done
[ "$SOURCE" = mariadb ] && { command -v mariadb >/dev/null || die "mariadb (the client) not found (scripts/install-deps.sh)"; }

RUN_ID="proof$(date +%s | tail -c 6)$$"
DB="$RUN_ID"
WORK="$(mktemp -d "${TMPDIR:-/tmp}/fanout-proof.XXXXXX")"
cp "$FANOUT_BIN" "$WORK/fanout"          # a private copy: the build may replace the original meanwhile
GROUP_LIST=()
GROUP_SPECS=()
for n in ${PROOF_GROUPS:-1 3}; do
  [ "$n" = "," ] && continue
  for m in ${n//,/ }; do GROUP_LIST+=("${RUN_ID}g$m"); GROUP_SPECS+=("${RUN_ID}g$m:$m"); done
done
GROUPS_CSV="$(IFS=,; echo "${GROUP_LIST[*]}")"
SPECS_CSV="$(IFS=,; echo "${GROUP_SPECS[*]}")"
SRC_URL="$(python3 -c 'import sys,urllib.parse as u; p=u.urlparse(sys.argv[1]); print(u.urlunparse(p._replace(path="/"+sys.argv[2])))' "$FANOUT_SOURCE_PG_URL" "$DB")"
MARIA=(mariadb --protocol=TCP -h 127.0.0.1 -P "$FANOUT_MARIADB_PORT" -u root --default-character-set=utf8mb4 -N -B)
replica_url() { python3 -c 'import sys,urllib.parse as u; p=u.urlparse(sys.argv[1]); print(u.urlunparse(p._replace(path="/"+sys.argv[2])))' "$FANOUT_REPLICA_PG_URL" "$1"; }

say "run $RUN_ID: source $SOURCE, seed $SEED, workload ${DURATION}s, groups ${SPECS_CSV}, fanout $("$WORK/fanout" --version 2>/dev/null | head -1), work dir $WORK"

RECEIVER_PID="" CHAOS_PID="" WATCHDOG_PID=""
cleanup() {
  local rc=$?
  set +e
  [ -n "$WATCHDOG_PID" ] && kill "$WATCHDOG_PID" 2>/dev/null
  if [ -n "$CHAOS_PID" ] && kill -0 "$CHAOS_PID" 2>/dev/null; then
    touch "$WORK/stop"; sleep 1; kill "$CHAOS_PID" 2>/dev/null
    # chaos.py's fanout instances: it started them, it records their pids.
    python3 -c 'import json,os,signal,sys
for i in json.load(open(sys.argv[1])):
    try: os.kill(i["pid"], signal.SIGKILL)
    except Exception: pass' "$WORK/instances.json" 2>/dev/null
  fi
  [ -n "$RECEIVER_PID" ] && kill "$RECEIVER_PID" 2>/dev/null
  # A sink left stopped by an interrupted run would hang everything after it.
  for c in redis opensearch; do
    pid="$(cat "$FANOUT_RUN_DIR/pids/$c.pid" 2>/dev/null | tr -dc 0-9)"
    [ -n "$pid" ] && kill -CONT "$pid" 2>/dev/null
  done
  if [ "${PROOF_KEEP:-0}" != 1 ]; then
    say "cleaning up (PROOF_KEEP=1 keeps everything)"
    stack/connect.sh delete "$DB" >/dev/null 2>&1
    for _ in 1 2 3 4 5 6 7 8 9 10; do
      psql -X -q -d "$FANOUT_SOURCE_PG_URL" -c "select pg_drop_replication_slot('$DB') from pg_replication_slots where slot_name = '$DB'" >/dev/null 2>&1 && break
      sleep 1
    done
    psql -X -q -d "$FANOUT_SOURCE_PG_URL" -c "drop database if exists $DB with (force)" >/dev/null 2>&1
    [ "$SOURCE" = mariadb ] && "${MARIA[@]}" -e "drop database if exists $DB" >/dev/null 2>&1
    for g in "${GROUP_LIST[@]}"; do
      psql -X -q -d "$FANOUT_REPLICA_PG_URL" -c "drop database if exists ${DB}_$g with (force)" >/dev/null 2>&1
      curl -s -o /dev/null -X DELETE "$FANOUT_OPENSEARCH_URL/$g-*" 2>/dev/null
      redis-cli -u "$FANOUT_REDIS_URL" --scan --pattern "$g:*" 2>/dev/null | xargs -r -n 500 redis-cli -u "$FANOUT_REDIS_URL" unlink >/dev/null 2>&1
    done
    timeout 60 stack/kafka.sh topics --delete --topic "$RUN_ID.*" >/dev/null 2>&1
    [ $rc -eq 0 ] && rm -rf "$WORK"
  fi
  if [ "${STARTED_STACK:-0}" = 1 ] && [ "${FANOUT_KEEP_STACK:-0}" != 1 ]; then stack/stack.sh down >/dev/null 2>&1; fi
  [ $rc -ne 0 ] && echo "proof: logs kept in $WORK (fanout-*.log, chaos.jsonl, http.jsonl, workload.log)" >&2
  say "done (exit $rc)"
  exit $rc
}
trap cleanup EXIT
trap 'exit 130' INT TERM
# The whole run is bounded: the watchdog ends it (through cleanup) after PROOF_LIMIT seconds.
( sleep "$LIMIT"; echo "proof: ERROR: over the ${LIMIT}s limit, stopping" >&2; kill -TERM $$ ) &
WATCHDOG_PID=$!

# ------------------------------------------------------------------------------------------ servers
STARTED_STACK=0
if ! stack/stack.sh status >/dev/null 2>&1; then
  say "starting the stack (stopped again at the end unless FANOUT_KEEP_STACK=1)"
  STARTED_STACK=1
  stack/stack.sh up
fi

# ------------------------------------------------------------------------------------------ source
section() { # file section -> the SQL between "-- @@ section" and the next marker
  awk -v s="$2" '/^-- @@ /{on = ($3 == s); next} on' "$1"
}
if [ "$SOURCE" = mariadb ]; then
  # MariaDB: database $DB with schema_mariadb.sql; each replica database holds the same tables
  # (schema_mariadb_replica.sql) in public: the postgres sink's default target is the table's name.
  SCHEMA="$DB"
  TABLES="items|misc"
  TABLE_LIST="items,misc"
  MAX_IDS="items=400,misc=200"
  say "creating MariaDB database $DB (tables items, misc) and the replica databases"
  "${MARIA[@]}" -e "create database $DB character set utf8mb4"
  "${MARIA[@]}" -D "$DB" <"$P/schema_mariadb.sql"
  for g in "${GROUP_LIST[@]}"; do
    psql -X -q -v ON_ERROR_STOP=1 -d "$FANOUT_REPLICA_PG_URL" -c "create database ${DB}_$g" >/dev/null
    psql -X -q -v ON_ERROR_STOP=1 -d "$(replica_url "${DB}_$g")" -f "$P/schema_mariadb_replica.sql" >/dev/null
  done
  SRC_URL="mariadb://root@127.0.0.1:$FANOUT_MARIADB_PORT/$DB"
  WORKLOAD_ARGS=(--dialect mariadb)
  TM_ARG=()
  python3 "$P/workload.py" --url "$SRC_URL" --seed "$SEED" --initial --log "$WORK/workload.log" "${WORKLOAD_ARGS[@]}"
  python3 "$P/check.py" prepare --groups "$GROUPS_CSV" --max-ids "$MAX_IDS"

  # A server id of its own per run (the connector joins the server as a replica).
  cat >"$WORK/connector.json" <<EOF
{
  "connector.class": "io.debezium.connector.mysql.MySqlConnector",
  "connector.adapter": "mariadb",
  "database.protocol": "jdbc:mysql",
  "database.jdbc.driver": "com.mysql.cj.jdbc.Driver",
  "database.hostname": "127.0.0.1",
  "database.port": "\${FANOUT_MARIADB_PORT}",
  "database.user": "root",
  "database.password": "",
  "database.ssl.mode": "disabled",
  "database.server.id": "$(( 10000 + ($$ + $(date +%s)) % 50000 ))",
  "database.include.list": "$DB",
  "table.include.list": "$DB.items,$DB.misc,$DB.marker",
  "topic.prefix": "$DB",
  "include.schema.changes": "false",
  "connect.keep.alive.interval.ms": "1000",
  "snapshot.mode": "initial",
  "schema.history.internal.kafka.bootstrap.servers": "\${FANOUT_KAFKA_BOOTSTRAP}",
  "schema.history.internal.kafka.topic": "$DB-schema-history",
  "topic.creation.default.partitions": "3",
  "topic.creation.default.replication.factor": "1",
  "tasks.max": "1"
}
EOF
  say "registering connector $DB (MySQL connector, adapter mariadb; topics $DB.$DB.*, 3 partitions each)"
  stack/connect.sh register "$DB" "$WORK/connector.json" >/dev/null
else
# PostgreSQL (the default source), up to the matching fi.
SCHEMA=public
WORKLOAD_ARGS=()
TABLES="items|arrs"
TABLE_LIST="items,arrs"
MAX_IDS="items=400,arrs=200"
INCLUDE="public.items,public.arrs,public.marker"
TM_ARG=()
if [ -f "$TYPE_MATRIX_SQL" ]; then
  TABLES="items|arrs|type_matrix"
  TABLE_LIST="items,arrs,type_matrix"
  MAX_IDS="items=400,arrs=200,type_matrix=20"
  INCLUDE="$INCLUDE,public.type_matrix"
  TM_ARG=(--type-matrix public.type_matrix:c_int4)
fi
say "creating database $DB (tables ${TABLES//|/, }) and the replica databases"
psql -X -q -v ON_ERROR_STOP=1 -d "$FANOUT_SOURCE_PG_URL" -c "create database $DB" >/dev/null
schema_sql() {
  cat "$P/schema.sql"
  if [ -f "$TYPE_MATRIX_SQL" ]; then
    section "$TYPE_MATRIX_SQL" schema
    # FULL, so that the redis and opensearch routes can fill unchanged TOAST columns from the
    # before image (the type-matrix integration test covers DEFAULT).
    echo "alter table public.type_matrix replica identity full;"
  fi
}
schema_sql | psql -X -q -v ON_ERROR_STOP=1 -d "$SRC_URL" >/dev/null
for g in "${GROUP_LIST[@]}"; do
  psql -X -q -v ON_ERROR_STOP=1 -d "$FANOUT_REPLICA_PG_URL" -c "create database ${DB}_$g" >/dev/null
  schema_sql | psql -X -q -v ON_ERROR_STOP=1 -d "$(replica_url "${DB}_$g")" >/dev/null
done
python3 "$P/workload.py" --url "$SRC_URL" --seed "$SEED" --initial --log "$WORK/workload.log"
[ -f "$TYPE_MATRIX_SQL" ] && section "$TYPE_MATRIX_SQL" snapshot | psql -X -q -v ON_ERROR_STOP=1 -d "$SRC_URL" >/dev/null
python3 "$P/check.py" prepare --groups "$GROUPS_CSV" --max-ids "$MAX_IDS"

# ------------------------------------------------------------------------------------------ debezium
cat >"$WORK/connector.json" <<EOF
{
  "connector.class": "io.debezium.connector.postgresql.PostgresConnector",
  "database.hostname": "127.0.0.1",
  "database.port": "\${FANOUT_PG_PORT}",
  "database.user": "postgres",
  "database.dbname": "$DB",
  "topic.prefix": "$DB",
  "plugin.name": "pgoutput",
  "slot.name": "$DB",
  "publication.name": "${DB}_pub",
  "publication.autocreate.mode": "filtered",
  "table.include.list": "$INCLUDE",
  "snapshot.mode": "initial",
  "topic.creation.default.partitions": "3",
  "topic.creation.default.replication.factor": "1",
  "tasks.max": "1"
}
EOF
say "registering connector $DB (topics $DB.public.*, 3 partitions each)"
stack/connect.sh register "$DB" "$WORK/connector.json" >/dev/null
fi

# ------------------------------------------------------------------------------------------ fanout
python3 "$P/receiver.py" --port-file "$WORK/http.port" --log "$WORK/http.jsonl" &
RECEIVER_PID=$!
for _ in $(seq 200); do [ -s "$WORK/http.port" ] && break; sleep 0.1; done
[ -s "$WORK/http.port" ] || die "the HTTP receiver did not start"
export PROOF_TOPICS="^$DB\\.$SCHEMA\\..*" PROOF_SCHEMA="$SCHEMA" PROOF_TABLES="$TABLES" PROOF_HTTP_URL="http://127.0.0.1:$(cat "$WORK/http.port")"
PROOF_GROUP=x PROOF_INSTANCE=x PROOF_ADMIN_PORT=1 PROOF_REPLICA_DSN=postgresql://x@127.0.0.1/x \
  "$WORK/fanout" validate -c "$P/fanout.yaml" >/dev/null || die "tests/proof/fanout.yaml does not validate"
say "starting fanout (groups $SPECS_CSV) and the chaos driver"
python3 "$P/chaos.py" --fanout-bin "$WORK/fanout" --config "$P/fanout.yaml" --groups "$SPECS_CSV" \
  --replica-dsn "$(replica_url "${DB}_{group}")" --duration "$DURATION" --work-dir "$WORK" \
  --stop-file "$WORK/stop" --seed "$SEED" --kill-every "$KILL_EVERY" --sink-stop "$SINK_STOP" --source "$SOURCE" \
  >"$WORK/chaos.out" 2>&1 &
CHAOS_PID=$!

say "workload for ${DURATION}s"
(
  # The type matrix's own streamed changes, a third of the way in.
  if [ "$SOURCE" = postgres ] && [ -f "$TYPE_MATRIX_SQL" ]; then
    sleep "$(( DURATION / 3 ))"
    section "$TYPE_MATRIX_SQL" changes | psql -X -q -d "$SRC_URL" >>"$WORK/workload.log" 2>&1
  fi
) &
TM_PID=$!
python3 "$P/workload.py" --url "$SRC_URL" --seed "$SEED" --duration "$DURATION" --rate "$RATE" \
  "${TM_ARG[@]}" "${WORKLOAD_ARGS[@]}" --log "$WORK/workload.log" --summary "$WORK/workload.json"
wait "$TM_PID" || true
errors=$(grep -c '^ERROR\|ERROR:' "$WORK/workload.log" || true)
[ "$errors" = 0 ] || say "workload: $errors SQL errors (see $WORK/workload.log)"
# Let the chaos phase end (its last fault may still be restarting something, the MariaDB server
# among them), then write the marker.
while kill -0 "$CHAOS_PID" 2>/dev/null && ! grep -q '"faults-done"' "$WORK/chaos.jsonl" 2>/dev/null; do sleep 1; done
if [ "$SOURCE" = mariadb ]; then
  "${MARIA[@]}" -D "$DB" -e "update marker set v = 1 where id = 1"
else
  psql -X -q -d "$SRC_URL" -c "update public.marker set v = 1 where id = 1" >/dev/null
fi
grep -E 'SIGKILL|SIGSTOP|restart|rotated|streaming-again|unexpected' "$WORK/chaos.out" | sed 's/^/  /' | tail -n 40 || true

say "waiting for fanout to catch up (at most ${CATCHUP}s)"
caught=0
python3 "$P/check.py" wait --db "$DB" --schema "$SCHEMA" --groups "$GROUPS_CSV" --work-dir "$WORK" --marker 1 --timeout "$CATCHUP" || caught=$?
touch "$WORK/stop"
wait "$CHAOS_PID" || true
CHAOS_PID=""
kill "$RECEIVER_PID" 2>/dev/null; wait "$RECEIVER_PID" 2>/dev/null || true
RECEIVER_PID=""
grep -E 'unexpected|stop-timeout' "$WORK/chaos.out" | sed 's/^/  /' || true

say "checking every sink against the source"
rc=0
python3 "$P/check.py" check --db "$DB" --source "$SOURCE" --schema "$SCHEMA" --groups "$SPECS_CSV" --work-dir "$WORK" --tables "$TABLE_LIST" \
  --invalidate-tables "$TABLE_LIST" --max-ids "$MAX_IDS" || rc=$?
[ -f "$WORK/workload.json" ] && echo "workload: $(python3 -c 'import json,sys; print(", ".join("%s=%s" % kv for kv in sorted(json.load(open(sys.argv[1])).items())))' "$WORK/workload.json")"
[ "$caught" = 0 ] || { echo "proof: fanout did not catch up within ${CATCHUP}s" >&2; rc=1; }
say "total $(( $(date +%s) - started ))s"
exit $rc
